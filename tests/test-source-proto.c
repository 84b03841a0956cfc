/* SPDX-License-Identifier: MIT */
/*
 * The source protocol's parser (backend/acrn/source-proto.c): round trips
 * of every message, a table of hostile fields each of which must be
 * refused (and is a seed of tests/fuzz/fuzz-source), every truncation, and the canonical-encoding property under
 * every single bit flip and random mutations (like tests/test-proto.c).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <drm_fourcc.h>

#include "source-proto.h"
#include "test-common.h"

#define TO_D VGFB_SRC_TO_VGFBD
#define TO_S VGFB_SRC_TO_SOURCE
#define MAX_SAMPLES 16

struct sample {
	struct vgfb_src_msg m;
	enum vgfb_src_dir dir;
};

static void
sample_hello(struct vgfb_src_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = VGFB_SRC_HELLO;
	m->hello.version = VGFB_SRC_VERSION;
	m->hello.n_scanouts = 2;
	m->hello.generation = 1;
	m->hello.pid = 4242;
	strcpy(m->hello.name, "uos1");
	m->hello.geometry[0].width = 1920;
	m->hello.geometry[0].height = 1080;
	m->hello.geometry[1].width = 1280;
	m->hello.geometry[1].height = 720;
}

static void
sample_set(struct vgfb_src_msg *m, uint32_t kind)
{
	memset(m, 0, sizeof(*m));
	m->type = VGFB_SRC_SCANOUT_SET;
	m->set.scanout = 1;
	m->set.kind = kind;
	if (kind == VGFB_SRC_BUFFER_DISABLE)
		return;
	m->set.drm_format = DRM_FORMAT_XRGB8888;
	m->set.width = 640;
	m->set.height = 480;
	m->set.stride = 2560;
	m->set.offset = kind == VGFB_SRC_BUFFER_MEMFD ? 8192 : 12;
	m->set.serial = 7;
}

static void
sample_update(struct vgfb_src_msg *m, bool flip)
{
	memset(m, 0, sizeof(*m));
	m->type = VGFB_SRC_SCANOUT_UPDATE;
	m->update.scanout = 0;
	m->update.serial = 7;
	if (flip) {
		m->update.flags = VGFB_SRC_UPDATE_FLIP;
		m->update.offset = 1228800;
	} else {
		m->update.x = 10;
		m->update.y = 20;
		m->update.width = 30;
		m->update.height = 40;
	}
}

static void
sample_cursor(struct vgfb_src_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = VGFB_SRC_CURSOR_DEFINE;
	m->cursor.scanout = 0;
	m->cursor.drm_format = DRM_FORMAT_ARGB8888;
	m->cursor.width = 64;
	m->cursor.height = 64;
	m->cursor.stride = 256;
	m->cursor.hot_x = 2;
	m->cursor.hot_y = 3;
	m->cursor.x = -1;
	m->cursor.y = 100;
	m->cursor.serial = 9;
}

static unsigned int
make_samples(struct sample *s)
{
	unsigned int n = 0;

	sample_hello(&s[n].m);
	s[n++].dir = TO_D;
	sample_set(&s[n].m, VGFB_SRC_BUFFER_DISABLE);
	s[n++].dir = TO_D;
	sample_set(&s[n].m, VGFB_SRC_BUFFER_DMABUF);
	s[n++].dir = TO_D;
	sample_set(&s[n].m, VGFB_SRC_BUFFER_MEMFD);
	s[n++].dir = TO_D;
	sample_update(&s[n].m, false);
	s[n++].dir = TO_D;
	sample_update(&s[n].m, true);
	s[n++].dir = TO_D;
	sample_update(&s[n].m, false);
	s[n].m.update.x = s[n].m.update.y = 0;
	s[n].m.update.width = s[n].m.update.height = 0;
	s[n++].dir = TO_D;
	sample_cursor(&s[n].m);
	s[n++].dir = TO_D;
	memset(&s[n].m, 0, sizeof(s[n].m));
	s[n].m.type = VGFB_SRC_CURSOR_MOVE;
	s[n].m.move = (struct vgfb_src_cursor_move){ .scanout = 1, .x = -5,
						     .y = 7 };
	s[n++].dir = TO_D;
	memset(&s[n].m, 0, sizeof(s[n].m));
	s[n].m.type = VGFB_SRC_CURSOR_DISABLE;
	s[n].m.cursor_disable.scanout = 1;
	s[n++].dir = TO_D;
	memset(&s[n].m, 0, sizeof(s[n].m));
	s[n].m.type = VGFB_SRC_BYE;
	s[n].m.bye.reason = VGFB_SRC_BYE_REBOOT;
	s[n++].dir = TO_D;
	memset(&s[n].m, 0, sizeof(s[n].m));
	s[n].m.type = VGFB_SRC_WELCOME;
	s[n].m.welcome = (struct vgfb_src_welcome){ .version = 1, .heads = 2 };
	s[n++].dir = TO_S;
	memset(&s[n].m, 0, sizeof(s[n].m));
	s[n].m.type = VGFB_SRC_ERROR;
	s[n].m.error.error = -EBADMSG;
	s[n++].dir = TO_S;
	return n;
}

static int
encode(const struct vgfb_src_msg *m, enum vgfb_src_dir dir, void *buf)
{
	int n = vgfb__src_encode(m, dir, buf, VGFB_SRC_MAX_MSG);

	ck_assert_int_gt(n, 0);
	return n;
}

START_TEST(roundtrip_every_message)
{
	struct sample s[MAX_SAMPLES];
	unsigned int n = make_samples(s);

	for (unsigned int i = 0; i < n; i++) {
		unsigned char buf[VGFB_SRC_MAX_MSG], again[VGFB_SRC_MAX_MSG];
		struct vgfb_src_msg out;
		int len = encode(&s[i].m, s[i].dir, buf);

		ck_assert_int_eq(vgfb__src_parse(buf, (size_t)len, s[i].dir,
						 &out), 0);
		ck_assert(memcmp(&out, &s[i].m, sizeof(out)) == 0);
		ck_assert_int_eq(encode(&out, s[i].dir, again), len);
		ck_assert(memcmp(buf, again, (size_t)len) == 0);
		/* the other direction never takes it */
		ck_assert_int_eq(vgfb__src_parse(buf, (size_t)len,
						 s[i].dir == TO_D ? TO_S : TO_D,
						 &out), -EBADMSG);
		ck_assert_str_ne(vgfb__src_type_name(s[i].m.type), "?");
	}
}
END_TEST

START_TEST(fd_counts)
{
	struct vgfb_src_msg m;

	sample_set(&m, VGFB_SRC_BUFFER_DISABLE);
	ck_assert_uint_eq(vgfb__src_fd_count(&m), 0);
	sample_set(&m, VGFB_SRC_BUFFER_DMABUF);
	ck_assert_uint_eq(vgfb__src_fd_count(&m), 1);
	sample_set(&m, VGFB_SRC_BUFFER_MEMFD);
	ck_assert_uint_eq(vgfb__src_fd_count(&m), 1);
	sample_cursor(&m);
	ck_assert_uint_eq(vgfb__src_fd_count(&m), 1);
	sample_update(&m, true);
	ck_assert_uint_eq(vgfb__src_fd_count(&m), 0);
	sample_hello(&m);
	ck_assert_uint_eq(vgfb__src_fd_count(&m), 0);
}
END_TEST

START_TEST(headers_and_truncations)
{
	struct sample s[MAX_SAMPLES];
	unsigned int n = make_samples(s);
	struct vgfb_src_msg out;

	for (unsigned int i = 0; i < n; i++) {
		unsigned char buf[VGFB_SRC_MAX_MSG + 8];
		struct vgfb_src_hdr h;
		int len = encode(&s[i].m, s[i].dir, buf);

		for (int cut = 0; cut < len; cut++)
			ck_assert_int_eq(vgfb__src_parse(buf, (size_t)cut,
							 s[i].dir, &out),
					 -EPROTO);
		buf[len] = 0;
		ck_assert_int_eq(vgfb__src_parse(buf, (size_t)len + 1,
						 s[i].dir, &out), -EPROTO);
		/* the header announcing the extra byte: a wrong size */
		memcpy(&h, buf, sizeof(h));
		h.len++;
		memcpy(buf, &h, sizeof(h));
		ck_assert_int_eq(vgfb__src_parse(buf, (size_t)len + 1,
						 s[i].dir, &out), -EBADMSG);
		h.len--;
		h.magic ^= 1;
		memcpy(buf, &h, sizeof(h));
		ck_assert_int_eq(vgfb__src_parse(buf, (size_t)len, s[i].dir,
						 &out), -EPROTO);
		h.magic ^= 1;
		h.version = 2;
		memcpy(buf, &h, sizeof(h));
		ck_assert_int_eq(vgfb__src_parse(buf, (size_t)len, s[i].dir,
						 &out), -EPROTONOSUPPORT);
	}
	/* longer than any message */
	{
		unsigned char big[VGFB_SRC_MAX_MSG + 1] = { 0 };

		ck_assert_int_eq(vgfb__src_parse(big, sizeof(big), TO_D, &out),
				 -EPROTO);
	}
	/* unknown types, both ways */
	for (unsigned int t = 0; t < 64; t++) {
		struct vgfb_src_hdr h = { VGFB_SRC_MAGIC, 1, (uint16_t)t, 0 };

		ck_assert_int_eq(vgfb__src_parse(&h, sizeof(h), TO_D, &out),
				 -EBADMSG);
		ck_assert_int_eq(vgfb__src_parse(&h, sizeof(h), TO_S, &out),
				 -EBADMSG);
	}
}
END_TEST

/* ---- the table of hostile fields ---- */

struct hostile {
	const char *what;
	void (*make)(struct vgfb_src_msg *m);
	enum vgfb_src_dir dir;
};

#define H(name, base, body) \
	static void name(struct vgfb_src_msg *m) { base; body; }

H(hello_version, sample_hello(m), m->hello.version = 2)
H(hello_no_scanouts, sample_hello(m), m->hello.n_scanouts = 0)
H(hello_17_scanouts, sample_hello(m), m->hello.n_scanouts = 17)
H(hello_generation_0, sample_hello(m), m->hello.generation = 0)
H(hello_reserved, sample_hello(m), m->hello.reserved = 1)
H(hello_empty_name, sample_hello(m), memset(m->hello.name, 0, 32))
H(hello_unterminated_name, sample_hello(m), memset(m->hello.name, 'a', 32))
H(hello_name_junk_after_nul, sample_hello(m), m->hello.name[20] = 'x')
H(hello_name_control_char, sample_hello(m), m->hello.name[1] = '\n')
H(hello_name_space, sample_hello(m), m->hello.name[1] = ' ')
H(hello_geometry_beyond_count, sample_hello(m),
  m->hello.geometry[2].width = 1)
H(hello_geometry_huge, sample_hello(m),
  m->hello.geometry[0].width = 0x7fffffff)
H(set_scanout_16, sample_set(m, VGFB_SRC_BUFFER_DMABUF), m->set.scanout = 16)
H(set_scanout_minus_1, sample_set(m, VGFB_SRC_BUFFER_DMABUF),
  m->set.scanout = 0xffffffffu)
H(set_kind_3, sample_set(m, VGFB_SRC_BUFFER_DMABUF), m->set.kind = 3)
H(set_disable_with_format, sample_set(m, VGFB_SRC_BUFFER_DISABLE),
  m->set.drm_format = DRM_FORMAT_XRGB8888)
H(set_disable_with_serial, sample_set(m, VGFB_SRC_BUFFER_DISABLE),
  m->set.serial = 1)
H(set_disable_with_offset, sample_set(m, VGFB_SRC_BUFFER_DISABLE),
  m->set.offset = 4096)
H(set_format_0, sample_set(m, VGFB_SRC_BUFFER_DMABUF), m->set.drm_format = 0)
H(set_width_0, sample_set(m, VGFB_SRC_BUFFER_DMABUF), m->set.width = 0)
H(set_height_0, sample_set(m, VGFB_SRC_BUFFER_DMABUF), m->set.height = 0)
H(set_width_huge, sample_set(m, VGFB_SRC_BUFFER_DMABUF),
  m->set.width = 16385)
H(set_height_huge, sample_set(m, VGFB_SRC_BUFFER_DMABUF),
  m->set.height = 0xffffffffu)
H(set_stride_0, sample_set(m, VGFB_SRC_BUFFER_DMABUF), m->set.stride = 0)
H(set_tiled, sample_set(m, VGFB_SRC_BUFFER_DMABUF),
  m->set.modifier = I915_FORMAT_MOD_X_TILED)
H(set_serial_0, sample_set(m, VGFB_SRC_BUFFER_DMABUF), m->set.serial = 0)
H(set_memfd_offset_unaligned, sample_set(m, VGFB_SRC_BUFFER_MEMFD),
  m->set.offset = 4097)
H(update_serial_0, sample_update(m, false), m->update.serial = 0)
H(update_unknown_flag, sample_update(m, false), m->update.flags = 2)
H(update_offset_without_flip, sample_update(m, false),
  m->update.offset = 4096)
H(update_flip_unaligned, sample_update(m, true), m->update.offset = 100)
H(update_empty_height, sample_update(m, false), m->update.height = 0)
H(update_full_with_x, sample_update(m, false),
  m->update.width = 0; m->update.height = 0)
H(update_scanout_16, sample_update(m, false), m->update.scanout = 16)
H(cursor_not_argb, sample_cursor(m), m->cursor.drm_format = DRM_FORMAT_XRGB8888)
H(cursor_width_0, sample_cursor(m), m->cursor.width = 0)
H(cursor_257, sample_cursor(m), m->cursor.height = 257)
H(cursor_short_stride, sample_cursor(m), m->cursor.stride = 255)
H(cursor_hot_outside, sample_cursor(m), m->cursor.hot_x = 64)
H(cursor_hot_y_outside, sample_cursor(m), m->cursor.hot_y = 0xffffffffu)
H(cursor_reserved, sample_cursor(m), m->cursor.reserved = 1)
H(cursor_serial_0, sample_cursor(m), m->cursor.serial = 0)
H(cursor_scanout_16, sample_cursor(m), m->cursor.scanout = 16)
H(move_reserved, memset(m, 0, sizeof(*m)),
  m->type = VGFB_SRC_CURSOR_MOVE; m->move.reserved = 1)
H(move_scanout_minus_1, memset(m, 0, sizeof(*m)),
  m->type = VGFB_SRC_CURSOR_MOVE; m->move.scanout = 0xffffffffu)
H(cursor_disable_reserved, memset(m, 0, sizeof(*m)),
  m->type = VGFB_SRC_CURSOR_DISABLE; m->cursor_disable.reserved = 9)
H(bye_reason_0, memset(m, 0, sizeof(*m)), m->type = VGFB_SRC_BYE)
H(bye_reason_3, memset(m, 0, sizeof(*m)),
  m->type = VGFB_SRC_BYE; m->bye.reason = 3)
H(bye_reserved, memset(m, 0, sizeof(*m)),
  m->type = VGFB_SRC_BYE; m->bye.reason = 2; m->bye.reserved = 1)
H(welcome_no_heads, memset(m, 0, sizeof(*m)),
  m->type = VGFB_SRC_WELCOME; m->welcome.version = 1)
H(error_positive, memset(m, 0, sizeof(*m)),
  m->type = VGFB_SRC_ERROR; m->error.error = 5)
H(error_reserved, memset(m, 0, sizeof(*m)),
  m->type = VGFB_SRC_ERROR; m->error.error = -1; m->error.reserved = 1)

static const struct hostile hostile[] = {
#define ROW(f, d) { #f, f, d }
	ROW(hello_version, TO_D), ROW(hello_no_scanouts, TO_D),
	ROW(hello_17_scanouts, TO_D), ROW(hello_generation_0, TO_D),
	ROW(hello_reserved, TO_D), ROW(hello_empty_name, TO_D),
	ROW(hello_unterminated_name, TO_D),
	ROW(hello_name_junk_after_nul, TO_D),
	ROW(hello_name_control_char, TO_D), ROW(hello_name_space, TO_D),
	ROW(hello_geometry_beyond_count, TO_D),
	ROW(hello_geometry_huge, TO_D),
	ROW(set_scanout_16, TO_D), ROW(set_scanout_minus_1, TO_D),
	ROW(set_kind_3, TO_D), ROW(set_disable_with_format, TO_D),
	ROW(set_disable_with_serial, TO_D), ROW(set_disable_with_offset, TO_D),
	ROW(set_format_0, TO_D), ROW(set_width_0, TO_D),
	ROW(set_height_0, TO_D), ROW(set_width_huge, TO_D),
	ROW(set_height_huge, TO_D), ROW(set_stride_0, TO_D),
	ROW(set_tiled, TO_D), ROW(set_serial_0, TO_D),
	ROW(set_memfd_offset_unaligned, TO_D),
	ROW(update_serial_0, TO_D), ROW(update_unknown_flag, TO_D),
	ROW(update_offset_without_flip, TO_D),
	ROW(update_flip_unaligned, TO_D), ROW(update_empty_height, TO_D),
	ROW(update_full_with_x, TO_D), ROW(update_scanout_16, TO_D),
	ROW(cursor_not_argb, TO_D), ROW(cursor_width_0, TO_D),
	ROW(cursor_257, TO_D), ROW(cursor_short_stride, TO_D),
	ROW(cursor_hot_outside, TO_D), ROW(cursor_hot_y_outside, TO_D),
	ROW(cursor_reserved, TO_D), ROW(cursor_serial_0, TO_D),
	ROW(cursor_scanout_16, TO_D), ROW(move_reserved, TO_D),
	ROW(move_scanout_minus_1, TO_D), ROW(cursor_disable_reserved, TO_D),
	ROW(bye_reason_0, TO_D), ROW(bye_reason_3, TO_D),
	ROW(bye_reserved, TO_D), ROW(welcome_no_heads, TO_S),
	ROW(error_positive, TO_S), ROW(error_reserved, TO_S),
#undef ROW
};

#define N_HOSTILE (sizeof(hostile) / sizeof(hostile[0]))

/*
 * A row's bytes, written by hand (the encoder refuses them): a valid
 * sample of the type for the header, the hostile payload after it.
 */
static size_t
hostile_bytes(const struct hostile *h, struct vgfb_src_msg *m,
	      unsigned char *buf)
{
	struct sample s[MAX_SAMPLES];
	unsigned int n = make_samples(s);
	size_t len = 0;

	h->make(m);
	/* the payload size of this type, from a valid sample of it */
	for (unsigned int i = 0; i < n && !len; i++) {
		if (s[i].m.type == m->type)
			len = (size_t)encode(&s[i].m, s[i].dir, buf);
	}
	ck_assert_uint_gt(len, 0);
	memcpy(buf + VGFB_SRC_HDR_SIZE, &m->hello, len - VGFB_SRC_HDR_SIZE);
	return len;
}

/*
 * Each row: the encoder refuses to write it, and the same bytes written
 * by hand are refused by the parser (-EBADMSG; -EPROTONOSUPPORT for a
 * HELLO of another version is the header's, so it is only EBADMSG here).
 */
START_TEST(hostile_fields_are_refused)
{
	const struct hostile *h = &hostile[_i];
	unsigned char buf[VGFB_SRC_MAX_MSG];
	struct vgfb_src_msg m, out;
	size_t len;

	h->make(&m);
	ck_assert_msg(vgfb__src_encode(&m, h->dir, buf, sizeof(buf)) ==
		      -EBADMSG, "%s was encoded", h->what);
	len = hostile_bytes(h, &m, buf);
	ck_assert_msg(vgfb__src_parse(buf, len, h->dir, &out) == -EBADMSG,
		      "%s was parsed", h->what);
}
END_TEST

/* ---- the same table as fuzz-source's seeds ---- */

/* One packet of a fuzz-source input: u16 length (LE), u8 fd kind, bytes. */
static size_t
seed_packet(unsigned char *seed, size_t at, const void *msg, size_t len,
	    uint8_t fd_kind)
{
	seed[at] = (unsigned char)(len & 0xff);
	seed[at + 1] = (unsigned char)(len >> 8);
	seed[at + 2] = fd_kind;
	memcpy(seed + at + 3, msg, len);
	return at + 3 + len;
}

/*
 * Row i as a conversation with vgfbd's acrn: platform: a valid HELLO and
 * a shadow memfd shown on scanout 0 (so that UPDATEs and cursors land on
 * a live scanout), then the hostile message with the fd its type carries
 * (fd kinds as in tests/fuzz/fuzz-source.c: 1 a sealed shadow memfd, 2 a
 * write-sealed cursor memfd).  A hostile HELLO is the first packet.
 */
static size_t
hostile_seed(const struct hostile *h, unsigned char *seed)
{
	unsigned char buf[VGFB_SRC_MAX_MSG];
	struct vgfb_src_msg m, valid;
	size_t at = 0, len;
	uint8_t fd_kind = 0;

	len = hostile_bytes(h, &m, buf);
	if (m.type != VGFB_SRC_HELLO) {
		unsigned char v[VGFB_SRC_MAX_MSG];

		sample_hello(&valid);
		at = seed_packet(seed, at, v, (size_t)encode(&valid, TO_D, v),
				 0);
		sample_set(&valid, VGFB_SRC_BUFFER_MEMFD);
		valid.set.scanout = 0;
		at = seed_packet(seed, at, v, (size_t)encode(&valid, TO_D, v),
				 1);
	}
	if (m.type == VGFB_SRC_SCANOUT_SET)
		fd_kind = 1;
	else if (m.type == VGFB_SRC_CURSOR_DEFINE)
		fd_kind = 2;
	return seed_packet(seed, at, buf, len, fd_kind);
}

/*
 * Every row is a seed of fuzz-source (tests/fuzz/corpus-source/hostile-
 * NAME), so run-fuzz.sh replays each through the whole acrn: platform and
 * the fuzzer mutates from there.  A row without its seed fails here;
 * VGFB_WRITE_SEEDS=1 ./tests/test-source-proto writes them.
 */
START_TEST(hostile_fields_are_fuzz_seeds)
{
	const struct hostile *h = &hostile[_i];
	unsigned char seed[3 * (VGFB_SRC_MAX_MSG + 3)], file[sizeof(seed)];
	char path[512];
	size_t len = hostile_seed(h, seed), got;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus-source/hostile-%s",
		 VGFB_TOP_SRCDIR, h->what);
	if (getenv("VGFB_WRITE_SEEDS")) {
		f = fopen(path, "wb");
		ck_assert_msg(f, "cannot write %s", path);
		ck_assert_uint_eq(fwrite(seed, 1, len, f), len);
		ck_assert_int_eq(fclose(f), 0);
	}
	f = fopen(path, "rb");
	ck_assert_msg(f, "%s: no fuzz seed %s (VGFB_WRITE_SEEDS=1 writes it)",
		      h->what, path);
	got = fread(file, 1, sizeof(file), f);
	fclose(f);
	ck_assert_msg(got == len && memcmp(file, seed, len) == 0,
		      "%s differs from the table (VGFB_WRITE_SEEDS=1 rewrites "
		      "it)", path);
}
END_TEST

/* ---- mutations ---- */

static void
check_canonical(const unsigned char *buf, size_t len, enum vgfb_src_dir dir,
		unsigned int *accepted)
{
	unsigned char again[VGFB_SRC_MAX_MSG];
	struct vgfb_src_msg out;
	int n;

	if (vgfb__src_parse(buf, len, dir, &out))
		return;
	(*accepted)++;
	n = vgfb__src_encode(&out, dir, again, sizeof(again));
	ck_assert_int_eq(n, (int)len);
	ck_assert(memcmp(buf, again, len) == 0);
	ck_assert_uint_le(vgfb__src_fd_count(&out), 1);
}

START_TEST(every_bit_flip_is_refused_or_canonical)
{
	struct sample s[MAX_SAMPLES];
	unsigned int n = make_samples(s), accepted = 0, tried = 0;

	for (unsigned int i = 0; i < n; i++) {
		unsigned char buf[VGFB_SRC_MAX_MSG];
		int len = encode(&s[i].m, s[i].dir, buf);

		for (int byte = 0; byte < len; byte++) {
			for (int bit = 0; bit < 8; bit++) {
				buf[byte] ^= (unsigned char)(1u << bit);
				check_canonical(buf, (size_t)len, TO_D,
						&accepted);
				check_canonical(buf, (size_t)len, TO_S,
						&accepted);
				buf[byte] ^= (unsigned char)(1u << bit);
				tried++;
			}
		}
	}
	ck_assert_uint_gt(tried, 5000);
	ck_assert_uint_lt(accepted, tried);
}
END_TEST

START_TEST(random_mutations)
{
	struct sample s[MAX_SAMPLES];
	unsigned int n = make_samples(s), accepted = 0;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (unsigned int iter = 0; iter < 200000; iter++) {
		unsigned char buf[VGFB_SRC_MAX_MSG + 8];
		const struct sample *p;
		int len;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p = &s[x % n];
		len = encode(&p->m, p->dir, buf);
		for (int k = 0; k < 1 + (int)((x >> 8) % 4); k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[(x >> 16) % (uint64_t)len] = (unsigned char)(x >> 40);
		}
		if ((x >> 50) % 8 == 0)
			len = (int)((x >> 20) % (uint64_t)(len + 1));
		check_canonical(buf, (size_t)len, p->dir, &accepted);
	}
}
END_TEST

static Suite *
source_proto_suite(void)
{
	Suite *s = suite_create("source-proto");
	TCase *tc;

	tc = tcase_create("messages");
	tcase_add_test(tc, roundtrip_every_message);
	tcase_add_test(tc, fd_counts);
	tcase_add_test(tc, headers_and_truncations);
	tcase_add_loop_test(tc, hostile_fields_are_refused, 0, (int)N_HOSTILE);
	tcase_add_loop_test(tc, hostile_fields_are_fuzz_seeds, 0,
			    (int)N_HOSTILE);
	suite_add_tcase(s, tc);

	tc = tcase_create("mutations");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_bit_flip_is_refused_or_canonical);
	tcase_add_test(tc, random_mutations);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(source_proto_suite());
}
