/* SPDX-License-Identifier: MIT */
/*
 * The vgfbd wire protocol: round trips of every message, every way a packet
 * can be malformed, each type's revision in its header, the canonical-encoding property under mutation, and the
 * SCM_RIGHTS helpers against a real SOCK_SEQPACKET pair (fds attached where
 * none belong, MSG_CTRUNC, MSG_TRUNC, EOF, EPIPE), with fd-leak checks.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto.h"
#include "test-common.h"

#define TO_S VGFB_PROTO_TO_SERVER
#define TO_C VGFB_PROTO_TO_CLIENT

/* ---- a valid sample of every message ---- */

struct sample {
	struct vgfb_msg m;
	enum vgfb_proto_dir dir;
};

static unsigned int
make_samples(struct sample *s)
{
	unsigned int n = 0;
	struct vgfb_msg *m;

#define NEXT(t, d) do { \
	m = &s[n].m; \
	memset(m, 0, sizeof(*m)); \
	m->type = (t); \
	s[n++].dir = (d); \
} while (0)
	NEXT(VGFB_MSG_HELLO, TO_C);
	m->hello.version = VGFB_PROTO_VERSION;
	m->hello.head_count = 2;
	m->hello.caps = VGFB_CAP_REGION | VGFB_CAP_SIM_CONTROL;
	m->hello.max_msg = VGFB_PROTO_MAX_MSG;
	strcpy(m->hello.backend, "sim");
	strcpy(m->hello.exporter, "region");

	NEXT(VGFB_MSG_HEAD_COUNT, TO_S);
	NEXT(VGFB_MSG_HEAD_COUNT, TO_C);
	m->u32.value = 4;

	NEXT(VGFB_MSG_QUERY, TO_S);
	m->query_req.head = 1;
	m->query_req.want_ext = 1;
	m->query_req.info.argsz = sizeof(m->query_req.info);
	m->query_req.info.flags = VFIO_GFX_PLANE_TYPE_DMABUF;
	m->query_req.info.drm_plane_type = DRM_PLANE_TYPE_CURSOR;

	NEXT(VGFB_MSG_QUERY, TO_S);	/* a probe */
	m->query_req.info.argsz = sizeof(m->query_req.info);
	m->query_req.info.flags = VFIO_GFX_PLANE_TYPE_PROBE |
				  VFIO_GFX_PLANE_TYPE_REGION;

	NEXT(VGFB_MSG_QUERY, TO_C);
	m->query_reply.head = 1;
	m->query_reply.has_ext = 1;
	m->query_reply.info.argsz = sizeof(m->query_reply.info);
	m->query_reply.info.flags = VFIO_GFX_PLANE_TYPE_REGION;
	m->query_reply.info.drm_plane_type = DRM_PLANE_TYPE_PRIMARY;
	m->query_reply.info.drm_format = 0x34325258;
	m->query_reply.info.width = 640;
	m->query_reply.info.height = 480;
	m->query_reply.info.stride = 2560;
	m->query_reply.info.size = 2560 * 480;
	m->query_reply.info.x_hot = 0xffffffff;
	m->query_reply.info.y_hot = 0xffffffff;
	m->query_reply.info.region_index = 77;
	m->query_reply.ext.argsz = sizeof(m->query_reply.ext);
	m->query_reply.ext.head = 1;
	m->query_reply.ext.frame_seq = 1234567890123ull;
	m->query_reply.ext.n_damage = 2;
	m->query_reply.ext.damage[0] = (struct vgfb_rect){ 1, 2, 3, 4 };
	m->query_reply.ext.damage[1] = (struct vgfb_rect){ 5, 6, 7, 8 };

	NEXT(VGFB_MSG_QUERY, TO_C);	/* without ext, DMABUF */
	m->query_reply.info.argsz = sizeof(m->query_reply.info);
	m->query_reply.info.flags = VFIO_GFX_PLANE_TYPE_DMABUF;
	m->query_reply.info.drm_plane_type = DRM_PLANE_TYPE_CURSOR;
	m->query_reply.info.dmabuf_id = 0x80000001u;

	NEXT(VGFB_MSG_GET_DMABUF, TO_S);
	m->u32.value = 0xdeadbeef;
	NEXT(VGFB_MSG_GET_DMABUF, TO_C);
	m->u32.value = 0xdeadbeef;
	NEXT(VGFB_MSG_GET_REGION, TO_S);
	m->u32.value = 3;
	NEXT(VGFB_MSG_GET_REGION, TO_C);
	m->u32.value = 3;
	NEXT(VGFB_MSG_SUBSCRIBE, TO_S);
	m->u32.value = VGFB_EVENT_MASK_ALL;
	NEXT(VGFB_MSG_SUBSCRIBE, TO_C);
	m->u32.value = VGFB_EVENT_MASK(VGFB_EVENT_FLIP);

	NEXT(VGFB_MSG_EVENT, TO_C);
	m->events.n = 3;
	m->events.ev[0] = (struct vgfb_event){ .type = VGFB_EVENT_FLIP,
		.head = 1, .drm_plane_type = DRM_PLANE_TYPE_PRIMARY,
		.frame_seq = 9 };
	m->events.ev[1] = (struct vgfb_event){ .type = VGFB_EVENT_DAMAGE,
		.drm_plane_type = DRM_PLANE_TYPE_PRIMARY, .frame_seq = 10,
		.rect = { 0, 0, 16, 16 } };
	m->events.ev[2] = (struct vgfb_event){ .type = VGFB_EVENT_GUEST_GONE };

	NEXT(VGFB_MSG_EVENT, TO_C);	/* a full batch */
	m->events.n = VGFB_PROTO_MAX_EVENTS;
	for (unsigned int k = 0; k < VGFB_PROTO_MAX_EVENTS; k++)
		m->events.ev[k] = (struct vgfb_event){
			.type = VGFB_EVENT_PLANE_CHANGED, .head = k,
			.drm_plane_type = DRM_PLANE_TYPE_CURSOR };

	NEXT(VGFB_MSG_ERROR, TO_C);
	m->error.request_type = VGFB_MSG_QUERY;
	m->error.error = -ENOENT;

	NEXT(VGFB_MSG_SIM_CONTROL, TO_S);
	m->sim.op = VGFB_SIM_UPDATE;
	m->sim.head = 1;
	m->sim.arg[0] = 10;
	m->sim.arg[1] = 20;
	m->sim.arg[2] = 30;
	m->sim.arg[3] = 40;
	NEXT(VGFB_MSG_SIM_CONTROL, TO_C);
	m->u32.value = VGFB_SIM_UPDATE;

	/* revision 2 */
	NEXT(VGFB_MSG_VERSION, TO_S);
	m->version.version = 2;
	NEXT(VGFB_MSG_VERSION, TO_C);
	m->version.version = 2;
	m->version.caps = VGFB_CAP2_INPUT;

	NEXT(VGFB_MSG_INPUT, TO_S);
	m->input.w.head = 1;
	m->input.n = 3;
	m->input.w.ev[0] = (struct vgfb_input_event){
		.type = VGFB_INPUT_KEY, .code = 30, .value = 1 };
	m->input.w.ev[1] = (struct vgfb_input_event){
		.type = VGFB_INPUT_ABS, .x = 639, .y = 479 };
	m->input.w.ev[2] = (struct vgfb_input_event){
		.type = VGFB_INPUT_WHEEL, .code = 1, .value = -2 };
	NEXT(VGFB_MSG_INPUT, TO_S);	/* a full batch */
	m->input.n = VGFB_INPUT_MAX_EVENTS;
	for (unsigned int k = 0; k < VGFB_INPUT_MAX_EVENTS; k++)
		m->input.w.ev[k] = (struct vgfb_input_event){
			.type = VGFB_INPUT_KEY, .code = 0x110 + k % 3,
			.value = (int32_t)(k % 2) };
	NEXT(VGFB_MSG_INPUT, TO_C);
	m->u32.value = 3;

	NEXT(VGFB_MSG_SIM_READ_INPUT, TO_S);
	NEXT(VGFB_MSG_SIM_READ_INPUT, TO_C);
	m->sim_input.head = 3;
	m->sim_input.ev = (struct vgfb_input_event){
		.type = VGFB_INPUT_KEY, .code = 0x2ff, .value = 0 };
#undef NEXT
	return n;
}

#define MAX_SAMPLES 32

static int
encode(const struct vgfb_msg *m, enum vgfb_proto_dir dir, unsigned char *buf)
{
	int n = vgfb__proto_encode(m, dir, buf, VGFB_PROTO_MAX_MSG);

	ck_assert_msg(n >= (int)VGFB_PROTO_HDR_SIZE, "encode %s: %d",
		      vgfb__proto_type_name(m->type), n);
	return n;
}

static void
set_hdr(unsigned char *buf, uint32_t magic, uint16_t version, uint16_t type,
	uint32_t len)
{
	struct vgfb_msg_hdr h = { magic, version, type, len };

	memcpy(buf, &h, sizeof(h));
}

START_TEST(roundtrip_every_message)
{
	struct sample s[MAX_SAMPLES];
	unsigned int n = make_samples(s);

	for (unsigned int i = 0; i < n; i++) {
		unsigned char buf[VGFB_PROTO_MAX_MSG], again[VGFB_PROTO_MAX_MSG];
		struct vgfb_msg out;
		int len = encode(&s[i].m, s[i].dir, buf);

		ck_assert_int_eq(vgfb__proto_parse(buf, (size_t)len, s[i].dir,
						   &out), 0);
		ck_assert_int_eq(out.type, s[i].m.type);
		ck_assert_int_eq(encode(&out, s[i].dir, again), len);
		ck_assert(memcmp(buf, again, (size_t)len) == 0);
		/* the parsed struct is the encoded one, byte for byte */
		ck_assert(memcmp(&out, &s[i].m, sizeof(out)) == 0);
	}
}
END_TEST

START_TEST(header_is_12_bytes_host_order)
{
	struct vgfb_msg m = { .type = VGFB_MSG_HEAD_COUNT };
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	struct vgfb_msg_hdr h;

	ck_assert_int_eq(encode(&m, TO_S, buf), 12);
	memcpy(&h, buf, sizeof(h));
	ck_assert_uint_eq(h.magic, VGFB_PROTO_MAGIC);
	ck_assert(memcmp(buf, "VGFB", 4) == 0 ||
		  __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__);
	ck_assert_uint_eq(h.version, VGFB_PROTO_VERSION);
	ck_assert_uint_eq(h.type, VGFB_MSG_HEAD_COUNT);
	ck_assert_uint_eq(h.len, 0);
}
END_TEST

/*
 * Each type travels with the revision that introduced it: a revision 1
 * peer sees exactly the bytes it always saw, and a revision 2 type never
 * passes for a revision 1 one, or the other way round.
 */
START_TEST(revision_is_per_type)
{
	struct sample s[MAX_SAMPLES];
	unsigned int n = make_samples(s);
	struct vgfb_msg out;

	for (unsigned int i = 0; i < n; i++) {
		unsigned char buf[VGFB_PROTO_MAX_MSG];
		int len = encode(&s[i].m, s[i].dir, buf);
		uint16_t t = s[i].m.type;
		bool rev2 = t == VGFB_MSG_VERSION || t == VGFB_MSG_INPUT ||
			    t == VGFB_MSG_SIM_READ_INPUT;
		struct vgfb_msg_hdr h;

		memcpy(&h, buf, sizeof(h));
		ck_assert_uint_eq(h.version, rev2 ? 2 : 1);
		ck_assert_uint_eq(vgfb__proto_type_version(t), h.version);
		h.version = rev2 ? 1 : 2;
		memcpy(buf, &h, sizeof(h));
		ck_assert_int_eq(vgfb__proto_parse(buf, (size_t)len, s[i].dir,
						   &out), -EBADMSG);
		for (unsigned int v = 0; v < 4; v++) {
			h.version = v == 3 ? 0xffff : (uint16_t)(v * 3);
			memcpy(buf, &h, sizeof(h));
			ck_assert_int_eq(vgfb__proto_parse(buf, (size_t)len,
							   s[i].dir, &out),
					 -EPROTONOSUPPORT);
		}
	}
	ck_assert_uint_eq(vgfb__proto_type_version(0), 0);
	ck_assert_uint_eq(vgfb__proto_type_version(11), 0);
	ck_assert_uint_eq(vgfb__proto_type_version(0x102), 0);
}
END_TEST

START_TEST(truncated_and_bad_headers)
{
	struct sample s[MAX_SAMPLES];
	unsigned int n = make_samples(s);
	struct vgfb_msg out;

	for (unsigned int i = 0; i < n; i++) {
		unsigned char buf[VGFB_PROTO_MAX_MSG + 16];
		int len = encode(&s[i].m, s[i].dir, buf);

		/* every truncation: short header or short payload */
		for (int cut = 0; cut < len; cut++) {
			int rc = vgfb__proto_parse(buf, (size_t)cut, s[i].dir,
						   &out);

			ck_assert_int_eq(rc, -EPROTO);
		}
		/* a trailing byte the header does not announce */
		buf[len] = 0;
		ck_assert_int_eq(vgfb__proto_parse(buf, (size_t)len + 1,
						   s[i].dir, &out), -EPROTO);
		/* the header announcing a byte more, and it is there */
		set_hdr(buf, VGFB_PROTO_MAGIC,
			vgfb__proto_type_version(s[i].m.type), s[i].m.type,
			(uint32_t)len + 1 - VGFB_PROTO_HDR_SIZE);
		ck_assert_int_eq(vgfb__proto_parse(buf, (size_t)len + 1,
						   s[i].dir, &out), -EBADMSG);
	}
	ck_assert_int_eq(vgfb__proto_parse(NULL, 12, TO_S, &out), -EPROTO);
}
END_TEST

START_TEST(magic_version_type_direction)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	struct vgfb_msg m = { .type = VGFB_MSG_HEAD_COUNT }, out;
	struct sample s[MAX_SAMPLES];
	unsigned int n = make_samples(s);

	set_hdr(buf, 0x46424756u, VGFB_PROTO_VERSION, VGFB_MSG_HEAD_COUNT, 0);
	ck_assert_int_eq(vgfb__proto_parse(buf, 12, TO_S, &out), -EPROTO);
	set_hdr(buf, VGFB_PROTO_MAGIC, 0, VGFB_MSG_HEAD_COUNT, 0);
	ck_assert_int_eq(vgfb__proto_parse(buf, 12, TO_S, &out),
			 -EPROTONOSUPPORT);
	set_hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_REVISION + 1,
		VGFB_MSG_HEAD_COUNT, 0);
	ck_assert_int_eq(vgfb__proto_parse(buf, 12, TO_S, &out),
			 -EPROTONOSUPPORT);
	/* a revision 1 type in a revision 2 header */
	set_hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION + 1,
		VGFB_MSG_HEAD_COUNT, 0);
	ck_assert_int_eq(vgfb__proto_parse(buf, 12, TO_S, &out), -EBADMSG);
	for (unsigned int t = 0; t < 0x200; t++) {
		bool known = (t >= VGFB_MSG_HELLO && t <= VGFB_MSG_INPUT) ||
			     t == VGFB_MSG_SIM_CONTROL ||
			     t == VGFB_MSG_SIM_READ_INPUT;

		if (known)
			continue;
		for (uint16_t v = 1; v <= VGFB_PROTO_REVISION; v++) {
			set_hdr(buf, VGFB_PROTO_MAGIC, v, (uint16_t)t, 0);
			ck_assert_int_eq(vgfb__proto_parse(buf, 12, TO_S, &out),
					 -EBADMSG);
			ck_assert_int_eq(vgfb__proto_parse(buf, 12, TO_C, &out),
					 -EBADMSG);
		}
		m.type = (uint16_t)t;
		ck_assert_int_eq(vgfb__proto_encode(&m, TO_S, buf, sizeof(buf)),
				 -EBADMSG);
	}
	/* server-only messages never reach a server, and vice versa */
	for (unsigned int i = 0; i < n; i++) {
		int len = encode(&s[i].m, s[i].dir, buf);
		enum vgfb_proto_dir other = s[i].dir == TO_S ? TO_C : TO_S;
		uint16_t t = s[i].m.type;

		if (t == VGFB_MSG_HELLO || t == VGFB_MSG_EVENT ||
		    t == VGFB_MSG_ERROR || t == VGFB_MSG_QUERY ||
		    t == VGFB_MSG_HEAD_COUNT || t == VGFB_MSG_SIM_CONTROL ||
		    t == VGFB_MSG_INPUT || t == VGFB_MSG_SIM_READ_INPUT)
			ck_assert_int_eq(vgfb__proto_parse(buf, (size_t)len,
							   other, &out),
					 -EBADMSG);
	}
	/* an oversized packet never parses */
	memset(buf, 0, sizeof(buf));
	set_hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, VGFB_MSG_EVENT,
		VGFB_PROTO_MAX_MSG + 1 - VGFB_PROTO_HDR_SIZE);
	ck_assert_int_eq(vgfb__proto_parse(buf, VGFB_PROTO_MAX_MSG + 1, TO_C,
					   &out), -EPROTO);
}
END_TEST

/*
 * A valid sample with one field changed, written over the sample's own
 * encoding (the encoder refuses to make it): the parser must say -EBADMSG.
 */
static void
expect_bad(const struct vgfb_msg *base, const struct vgfb_msg *bad,
	   enum vgfb_proto_dir dir, const char *what)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	struct vgfb_msg out;
	struct vgfb_msg_hdr h;
	size_t len;
	int n;

	n = encode(base, dir, buf);
	memcpy(&h, buf, sizeof(h));
	len = h.len;
	if (bad->type == VGFB_MSG_EVENT) {
		len = bad->events.n * sizeof(struct vgfb_event);
		if (len > sizeof(bad->events.ev))
			len = sizeof(bad->events.ev);
		memcpy(buf + 12, bad->events.ev, len);
		h.len = (uint32_t)len;
		memcpy(buf, &h, sizeof(h));
		n = (int)(12 + len);
	} else {
		memcpy(buf + 12, &bad->hello, len);
	}
	ck_assert_msg(vgfb__proto_parse(buf, (size_t)n, dir, &out) == -EBADMSG,
		      "accepted: %s", what);
	ck_assert_msg(vgfb__proto_encode(bad, dir, buf, sizeof(buf)) == -EBADMSG,
		      "encoded: %s", what);
}

static const struct vgfb_msg *
sample_of(struct sample *s, unsigned int n, uint16_t type,
	  enum vgfb_proto_dir dir)
{
	for (unsigned int i = 0; i < n; i++)
		if (s[i].m.type == type && s[i].dir == dir)
			return &s[i].m;
	ck_abort_msg("no sample");
	return NULL;
}

#define BAD(type, dir, body) do { \
	const struct vgfb_msg *base_ = sample_of(s, n, type, dir); \
	struct vgfb_msg bad_ = *base_, *m = &bad_; \
	body; \
	expect_bad(base_, &bad_, dir, #body); \
} while (0)

START_TEST(fields_out_of_range)
{
	struct sample s[MAX_SAMPLES];
	unsigned int n = make_samples(s);

	BAD(VGFB_MSG_HELLO, TO_C, m->hello.version = 2);
	BAD(VGFB_MSG_HELLO, TO_C, m->hello.head_count = 0);
	BAD(VGFB_MSG_HELLO, TO_C, m->hello.head_count = 17);
	BAD(VGFB_MSG_HELLO, TO_C, m->hello.caps = 8);
	BAD(VGFB_MSG_HELLO, TO_C, m->hello.max_msg = 4096);
	BAD(VGFB_MSG_HELLO, TO_C, memset(m->hello.backend, 'a', 16));
	BAD(VGFB_MSG_HELLO, TO_C, m->hello.backend[0] = 0);
	BAD(VGFB_MSG_HELLO, TO_C, m->hello.backend[5] = 'x');
	BAD(VGFB_MSG_HELLO, TO_C, m->hello.exporter[1] = '\n');
	BAD(VGFB_MSG_HEAD_COUNT, TO_C, m->u32.value = 0);
	BAD(VGFB_MSG_HEAD_COUNT, TO_C, m->u32.value = 17);
	BAD(VGFB_MSG_HEAD_COUNT, TO_C, m->u32.reserved = 1);
	BAD(VGFB_MSG_QUERY, TO_S, m->query_req.head = 16);
	BAD(VGFB_MSG_QUERY, TO_S, m->query_req.want_ext = 2);
	BAD(VGFB_MSG_QUERY, TO_S, m->query_req.info.argsz = 60);
	BAD(VGFB_MSG_QUERY, TO_S, m->query_req.info.argsz = 128);
	BAD(VGFB_MSG_QUERY, TO_S, m->query_req.info.flags = 0);
	BAD(VGFB_MSG_QUERY, TO_S, m->query_req.info.flags = 6);
	BAD(VGFB_MSG_QUERY, TO_S, m->query_req.info.flags = 1);
	BAD(VGFB_MSG_QUERY, TO_S, m->query_req.info.flags = 0x80000002u);
	BAD(VGFB_MSG_QUERY, TO_S, m->query_req.info.drm_plane_type = 0);
	BAD(VGFB_MSG_QUERY, TO_S, m->query_req.info.drm_plane_type = 3);
	BAD(VGFB_MSG_QUERY, TO_S, m->query_req.info.width = 1);
	BAD(VGFB_MSG_QUERY, TO_S, m->query_req.info.dmabuf_id = 1);
	BAD(VGFB_MSG_QUERY, TO_S, ((char *)&m->query_req.info)[63] = 1);
	BAD(VGFB_MSG_QUERY, TO_C, m->query_reply.head = 16);
	BAD(VGFB_MSG_QUERY, TO_C, m->query_reply.has_ext = 2);
	BAD(VGFB_MSG_QUERY, TO_C, m->query_reply.info.argsz = 0);
	BAD(VGFB_MSG_QUERY, TO_C, ((char *)&m->query_reply.info)[60] = 1);
	BAD(VGFB_MSG_QUERY, TO_C, m->query_reply.ext.argsz = 8);
	BAD(VGFB_MSG_QUERY, TO_C, m->query_reply.ext.head = 0);
	BAD(VGFB_MSG_QUERY, TO_C, m->query_reply.ext.flags = 2);
	BAD(VGFB_MSG_QUERY, TO_C, m->query_reply.ext.n_damage = 17);
	BAD(VGFB_MSG_QUERY, TO_C, m->query_reply.ext.damage[5].x = 1);
	BAD(VGFB_MSG_QUERY, TO_C, m->query_reply.ext.damage[0].width = 0);
	BAD(VGFB_MSG_QUERY, TO_C,
	    m->query_reply.ext.flags = VGFB_PLANE_EXT_DAMAGE_ALL);
	BAD(VGFB_MSG_QUERY, TO_C, m->query_reply.has_ext = 0);
	BAD(VGFB_MSG_GET_DMABUF, TO_S, m->u32.value = 0);
	BAD(VGFB_MSG_GET_DMABUF, TO_S, m->u32.reserved = 1);
	BAD(VGFB_MSG_GET_REGION, TO_C, m->u32.value = 0);
	BAD(VGFB_MSG_SUBSCRIBE, TO_S, m->u32.value = 1);
	BAD(VGFB_MSG_SUBSCRIBE, TO_S, m->u32.value = 0x80);
	BAD(VGFB_MSG_SUBSCRIBE, TO_C, m->u32.reserved = 0x100);
	BAD(VGFB_MSG_EVENT, TO_C, m->events.ev[0].type = 0);
	BAD(VGFB_MSG_EVENT, TO_C, m->events.ev[0].type = 7);
	BAD(VGFB_MSG_EVENT, TO_C, m->events.ev[0].head = 16);
	BAD(VGFB_MSG_EVENT, TO_C, m->events.ev[0].reserved = 1);
	BAD(VGFB_MSG_EVENT, TO_C, m->events.ev[0].drm_plane_type = 0);
	BAD(VGFB_MSG_EVENT, TO_C, m->events.ev[0].rect.x = 1);
	BAD(VGFB_MSG_EVENT, TO_C, m->events.ev[1].rect.width = 0);
	BAD(VGFB_MSG_EVENT, TO_C, m->events.ev[2].frame_seq = 1);
	BAD(VGFB_MSG_EVENT, TO_C, m->events.ev[2].head = 1);
	BAD(VGFB_MSG_ERROR, TO_C, m->error.error = 0);
	BAD(VGFB_MSG_ERROR, TO_C, m->error.error = 5);
	BAD(VGFB_MSG_ERROR, TO_C, m->error.error = -4096);
	BAD(VGFB_MSG_ERROR, TO_C, m->error.reserved = 1);
	BAD(VGFB_MSG_SIM_CONTROL, TO_S, m->sim.op = 0);
	BAD(VGFB_MSG_SIM_CONTROL, TO_S, m->sim.op = 6);
	BAD(VGFB_MSG_SIM_CONTROL, TO_S, m->sim.head = 16);
	BAD(VGFB_MSG_SIM_CONTROL, TO_S, (m->sim.op = VGFB_SIM_FLIP));
	BAD(VGFB_MSG_SIM_CONTROL, TO_S,
	    (m->sim.op = VGFB_SIM_SET_CURSOR, m->sim.arg[0] = 2,
	     m->sim.arg[3] = 0));
	BAD(VGFB_MSG_SIM_CONTROL, TO_C, m->u32.value = 9);
	BAD(VGFB_MSG_VERSION, TO_S, m->version.version = 1);
	BAD(VGFB_MSG_VERSION, TO_S, m->version.version = 0x10000);
	BAD(VGFB_MSG_VERSION, TO_S, m->version.caps = 1);
	BAD(VGFB_MSG_VERSION, TO_C, m->version.version = 1);
	BAD(VGFB_MSG_VERSION, TO_C, m->version.version = 3);
	BAD(VGFB_MSG_VERSION, TO_C, m->version.caps = 2);
	BAD(VGFB_MSG_INPUT, TO_S, m->input.w.head = 16);
	BAD(VGFB_MSG_INPUT, TO_S, m->input.w.reserved = 1);
	BAD(VGFB_MSG_INPUT, TO_S, m->input.w.ev[0].type = 0);
	BAD(VGFB_MSG_INPUT, TO_S, m->input.w.ev[0].type = 4);
	BAD(VGFB_MSG_INPUT, TO_S, m->input.w.ev[0].code = 0);
	BAD(VGFB_MSG_INPUT, TO_S, m->input.w.ev[0].code = 0x300);
	BAD(VGFB_MSG_INPUT, TO_S, m->input.w.ev[0].value = 2);
	BAD(VGFB_MSG_INPUT, TO_S, m->input.w.ev[0].reserved = 1);
	BAD(VGFB_MSG_INPUT, TO_S, m->input.w.ev[1].x = VGFB_INPUT_MAX_POS);
	BAD(VGFB_MSG_INPUT, TO_S, m->input.w.ev[1].code = 1);
	BAD(VGFB_MSG_INPUT, TO_S, m->input.w.ev[2].value = 0);
	BAD(VGFB_MSG_INPUT, TO_S, m->input.w.ev[2].value = -128);
	BAD(VGFB_MSG_INPUT, TO_S, m->input.w.ev[2].code = 2);
	BAD(VGFB_MSG_INPUT, TO_C, m->u32.value = 0);
	BAD(VGFB_MSG_INPUT, TO_C, m->u32.value = 17);
	BAD(VGFB_MSG_INPUT, TO_C, m->u32.reserved = 1);
	BAD(VGFB_MSG_SIM_READ_INPUT, TO_C, m->sim_input.head = 16);
	BAD(VGFB_MSG_SIM_READ_INPUT, TO_C, m->sim_input.reserved = 1);
	BAD(VGFB_MSG_SIM_READ_INPUT, TO_C, m->sim_input.ev.type = 0);
	BAD(VGFB_MSG_SIM_READ_INPUT, TO_C, m->sim_input.ev.y = 1);
}
END_TEST

START_TEST(input_counts)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG + 64];
	const struct vgfb_input_event ev = { .type = VGFB_INPUT_ABS, .x = 1 };
	const size_t hl = offsetof(struct vgfb_wire_input, ev), el = sizeof(ev);
	struct vgfb_msg out, m = { .type = VGFB_MSG_INPUT };
	const uint16_t v = VGFB_PROTO_REVISION;

	memset(buf, 0, sizeof(buf));
	for (unsigned int k = 0; k <= VGFB_INPUT_MAX_EVENTS; k++)
		memcpy(buf + 12 + hl + k * el, &ev, el);
	/* no events, a partial one, one too many */
	set_hdr(buf, VGFB_PROTO_MAGIC, v, VGFB_MSG_INPUT, (uint32_t)hl);
	ck_assert_int_eq(vgfb__proto_parse(buf, 12 + hl, TO_S, &out), -EBADMSG);
	set_hdr(buf, VGFB_PROTO_MAGIC, v, VGFB_MSG_INPUT, (uint32_t)(hl + el - 1));
	ck_assert_int_eq(vgfb__proto_parse(buf, 12 + hl + el - 1, TO_S, &out),
			 -EBADMSG);
	set_hdr(buf, VGFB_PROTO_MAGIC, v, VGFB_MSG_INPUT, 4);
	ck_assert_int_eq(vgfb__proto_parse(buf, 12 + 4, TO_S, &out), -EBADMSG);
	set_hdr(buf, VGFB_PROTO_MAGIC, v, VGFB_MSG_INPUT,
		(uint32_t)(hl + (VGFB_INPUT_MAX_EVENTS + 1) * el));
	ck_assert_int_eq(vgfb__proto_parse(buf, 12 + hl +
					   (VGFB_INPUT_MAX_EVENTS + 1) * el,
					   TO_S, &out), -EBADMSG);
	for (unsigned int k = 1; k <= VGFB_INPUT_MAX_EVENTS; k++) {
		set_hdr(buf, VGFB_PROTO_MAGIC, v, VGFB_MSG_INPUT,
			(uint32_t)(hl + k * el));
		ck_assert_int_eq(vgfb__proto_parse(buf, 12 + hl + k * el, TO_S,
						   &out), 0);
		ck_assert_uint_eq(out.input.n, k);
	}
	m.input.n = 0;
	ck_assert_int_eq(vgfb__proto_encode(&m, TO_S, buf, sizeof(buf)), -EBADMSG);
	m.input.n = VGFB_INPUT_MAX_EVENTS + 1;
	ck_assert_int_eq(vgfb__proto_encode(&m, TO_S, buf, sizeof(buf)), -EBADMSG);
}
END_TEST

START_TEST(event_counts)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG + 64];
	struct vgfb_event ev = { .type = VGFB_EVENT_OVERFLOW };
	struct vgfb_msg out, m = { .type = VGFB_MSG_EVENT };

	/* zero events, a partial record, one too many */
	set_hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, VGFB_MSG_EVENT, 0);
	ck_assert_int_eq(vgfb__proto_parse(buf, 12, TO_C, &out), -EBADMSG);
	memset(buf + 12, 0, 40);
	memcpy(buf + 12, &ev, sizeof(ev));
	set_hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, VGFB_MSG_EVENT, 39);
	ck_assert_int_eq(vgfb__proto_parse(buf, 12 + 39, TO_C, &out), -EBADMSG);
	for (unsigned int k = 0; k <= VGFB_PROTO_MAX_EVENTS; k++)
		memcpy(buf + 12 + k * 40, &ev, sizeof(ev));
	set_hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, VGFB_MSG_EVENT,
		(VGFB_PROTO_MAX_EVENTS + 1) * 40);
	ck_assert_int_eq(vgfb__proto_parse(buf, 12 + (VGFB_PROTO_MAX_EVENTS + 1)
					   * 40, TO_C, &out), -EBADMSG);
	set_hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, VGFB_MSG_EVENT,
		VGFB_PROTO_MAX_EVENTS * 40);
	ck_assert_int_eq(vgfb__proto_parse(buf, 12 + VGFB_PROTO_MAX_EVENTS * 40,
					   TO_C, &out), 0);
	ck_assert_uint_eq(out.events.n, VGFB_PROTO_MAX_EVENTS);
	m.events.n = 0;
	ck_assert_int_eq(vgfb__proto_encode(&m, TO_C, buf, sizeof(buf)), -EBADMSG);
	m.events.n = VGFB_PROTO_MAX_EVENTS + 1;
	ck_assert_int_eq(vgfb__proto_encode(&m, TO_C, buf, sizeof(buf)), -EBADMSG);
}
END_TEST

START_TEST(encode_needs_room)
{
	struct sample s[MAX_SAMPLES];
	unsigned int n = make_samples(s);
	unsigned char buf[VGFB_PROTO_MAX_MSG];

	for (unsigned int i = 0; i < n; i++) {
		int len = encode(&s[i].m, s[i].dir, buf);

		ck_assert_int_eq(vgfb__proto_encode(&s[i].m, s[i].dir, buf,
						    (size_t)len - 1), -ENOSPC);
	}
}
END_TEST

/* Accepted => canonical: the property the fuzzer checks, here for sure. */
static void
check_canonical(const unsigned char *buf, size_t len, enum vgfb_proto_dir dir,
		unsigned int *accepted)
{
	unsigned char again[VGFB_PROTO_MAX_MSG];
	struct vgfb_msg out;
	int n;

	if (vgfb__proto_parse(buf, len, dir, &out) != 0)
		return;
	(*accepted)++;
	n = vgfb__proto_encode(&out, dir, again, sizeof(again));
	ck_assert_int_eq(n, (int)len);
	ck_assert(memcmp(buf, again, len) == 0);
}

START_TEST(every_bit_flip_is_refused_or_canonical)
{
	struct sample s[MAX_SAMPLES];
	unsigned int n = make_samples(s), accepted = 0, tried = 0;

	for (unsigned int i = 0; i < n; i++) {
		unsigned char buf[VGFB_PROTO_MAX_MSG];
		int len = encode(&s[i].m, s[i].dir, buf);

		for (int byte = 0; byte < len; byte++) {
			for (int bit = 0; bit < 8; bit++) {
				buf[byte] ^= (unsigned char)(1u << bit);
				check_canonical(buf, (size_t)len, s[i].dir,
						&accepted);
				check_canonical(buf, (size_t)len,
						s[i].dir == TO_S ? TO_C : TO_S,
						&accepted);
				buf[byte] ^= (unsigned char)(1u << bit);
				tried++;
			}
		}
	}
	/* some flips make other valid messages (ids, sizes); most do not */
	ck_assert_uint_gt(tried, 10000);
	ck_assert_uint_lt(accepted, tried);
}
END_TEST

START_TEST(random_mutations)
{
	struct sample s[MAX_SAMPLES];
	unsigned int n = make_samples(s), accepted = 0;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (unsigned int iter = 0; iter < 200000; iter++) {
		unsigned char buf[VGFB_PROTO_MAX_MSG + 8];
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

/* ---- the socket helpers ---- */

static void
seqpacket_pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				    sv), 0);
}

/* Send buf with n fds attached, bypassing the helper (a hostile peer). */
static void
raw_send(int sock, const void *buf, size_t len, const int *fds, unsigned int n)
{
	union vgfb_proto_fd_ctl ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	ck_assert_uint_le(n, VGFB_PROTO_PACK_MAX_FDS);
	vgfb__proto_pack_fds(&mh, &ctl, fds, n);
	ck_assert_int_eq(sendmsg(sock, &mh, MSG_NOSIGNAL), (ssize_t)len);
}

START_TEST(fd_passing_round_trip)
{
	struct vgfb_msg m = { .type = VGFB_MSG_GET_REGION, .u32 = { 5, 0 } }, out;
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int sv[2], p[2], fds[1];
	unsigned int n_fds;
	char c = 0;
	int n, len;

	seqpacket_pair(sv);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	len = encode(&m, TO_C, buf);
	ck_assert_int_eq(vgfb__proto_send(sv[0], buf, (size_t)len, p[1], 0), 0);
	close(p[1]);
	n = vgfb__proto_recv(sv[1], buf, sizeof(buf), fds, 1, &n_fds, 0);
	ck_assert_int_eq(n, len);
	ck_assert_uint_eq(n_fds, 1);
	ck_assert_int_eq(vgfb__proto_parse(buf, (size_t)n, TO_C, &out), 0);
	ck_assert_uint_eq(vgfb__proto_fd_count(out.type, TO_C), 1);
	ck_assert_uint_eq(vgfb__proto_fd_count(VGFB_MSG_GET_REGION, TO_S), 0);
	/* MSG_CMSG_CLOEXEC */
	ck_assert(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	/* it is the pipe's write end */
	ck_assert_int_eq(write(fds[0], "x", 1), 1);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'x');
	close(fds[0]);
	close(p[0]);
	/* nothing more: -EAGAIN when not blocking */
	ck_assert_int_eq(vgfb__proto_recv(sv[1], buf, sizeof(buf), fds, 1,
					  &n_fds, MSG_DONTWAIT), -EAGAIN);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(unexpected_fds_are_closed)
{
	struct vgfb_msg m = { .type = VGFB_MSG_HEAD_COUNT };
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int sv[2], p[2], fds[1] = { -1 };
	unsigned int n_fds = 99;
	int len, before;

	seqpacket_pair(sv);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	len = encode(&m, TO_S, buf);
	raw_send(sv[0], buf, (size_t)len, p, 2);
	close(p[0]);
	close(p[1]);
	before = tier_count_fds(0);
	/* a server takes no fds at all */
	ck_assert_int_eq(vgfb__proto_recv(sv[1], buf, sizeof(buf), NULL, 0,
					  &n_fds, 0), -ETOOMANYREFS);
	ck_assert_uint_eq(n_fds, 0);
	ck_assert_int_eq(tier_count_fds(0), before);

	/* a client takes one; two is too many */
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	raw_send(sv[0], buf, (size_t)len, p, 2);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(vgfb__proto_recv(sv[1], buf, sizeof(buf), fds, 1,
					  &n_fds, 0), -ETOOMANYREFS);
	ck_assert_int_eq(fds[0], -1);
	ck_assert_int_eq(tier_count_fds(0), before);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(ctrunc_closes_what_arrived)
{
	struct vgfb_msg m = { .type = VGFB_MSG_HEAD_COUNT };
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int sv[2], many[40];
	unsigned int n_fds;
	int len, before;

	seqpacket_pair(sv);
	for (int i = 0; i < 40; i += 2) {
		int p[2];

		ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
		many[i] = p[0];
		many[i + 1] = p[1];
	}
	len = encode(&m, TO_S, buf);
	raw_send(sv[0], buf, (size_t)len, many, 40);
	for (int i = 0; i < 40; i++)
		close(many[i]);
	before = tier_count_fds(0);
	/* 40 fds do not fit the receive buffer: MSG_CTRUNC */
	ck_assert_int_eq(vgfb__proto_recv(sv[1], buf, sizeof(buf), NULL, 0,
					  &n_fds, 0), -ETOOMANYREFS);
	ck_assert_int_eq(tier_count_fds(0), before);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(oversized_packet)
{
	unsigned char big[4096] = { 0 }, buf[VGFB_PROTO_MAX_MSG];
	int sv[2], p[2];
	unsigned int n_fds;
	int before;

	seqpacket_pair(sv);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	set_hdr(big, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, VGFB_MSG_QUERY,
		sizeof(big) - 12);
	raw_send(sv[0], big, sizeof(big), p, 1);
	close(p[0]);
	close(p[1]);
	before = tier_count_fds(0);
	ck_assert_int_eq(vgfb__proto_recv(sv[1], buf, sizeof(buf), NULL, 0,
					  &n_fds, 0), -EMSGSIZE);
	ck_assert_int_eq(tier_count_fds(0), before);
	/* exactly the maximum is fine at this layer */
	raw_send(sv[0], big, VGFB_PROTO_MAX_MSG, NULL, 0);
	ck_assert_int_eq(vgfb__proto_recv(sv[1], buf, sizeof(buf), NULL, 0,
					  &n_fds, 0), (int)VGFB_PROTO_MAX_MSG);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(empty_packet_and_eof)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int sv[2];
	unsigned int n_fds;

	seqpacket_pair(sv);
	raw_send(sv[0], buf, 0, NULL, 0);
	ck_assert_int_eq(vgfb__proto_recv(sv[1], buf, sizeof(buf), NULL, 0,
					  &n_fds, 0), 0);
	close(sv[0]);
	ck_assert_int_eq(vgfb__proto_recv(sv[1], buf, sizeof(buf), NULL, 0,
					  &n_fds, 0), 0);
	close(sv[1]);
}
END_TEST

START_TEST(credentials_are_refused)
{
	struct vgfb_msg m = { .type = VGFB_MSG_HEAD_COUNT };
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int sv[2], one = 1, len;
	unsigned int n_fds;

	seqpacket_pair(sv);
	ck_assert_int_eq(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one,
				    sizeof(one)), 0);
	len = encode(&m, TO_S, buf);
	raw_send(sv[0], buf, (size_t)len, NULL, 0);
	ck_assert_int_eq(vgfb__proto_recv(sv[1], buf, sizeof(buf), NULL, 0,
					  &n_fds, 0), -EBADMSG);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(send_to_closed_peer)
{
	unsigned char buf[16] = { 0 };
	int sv[2];

	/* would kill the test with SIGPIPE without MSG_NOSIGNAL */
	signal(SIGPIPE, SIG_DFL);
	seqpacket_pair(sv);
	close(sv[1]);
	ck_assert_int_eq(vgfb__proto_send(sv[0], buf, sizeof(buf), -1, 0),
			 -EPIPE);
	close(sv[0]);
}
END_TEST

START_TEST(type_names)
{
	ck_assert_str_eq(vgfb__proto_type_name(VGFB_MSG_QUERY), "QUERY");
	ck_assert_str_eq(vgfb__proto_type_name(VGFB_MSG_SIM_CONTROL),
			 "SIM_CONTROL");
	ck_assert_str_eq(vgfb__proto_type_name(VGFB_MSG_VERSION), "VERSION");
	ck_assert_str_eq(vgfb__proto_type_name(VGFB_MSG_INPUT), "INPUT");
	ck_assert_str_eq(vgfb__proto_type_name(VGFB_MSG_SIM_READ_INPUT),
			 "SIM_READ_INPUT");
	ck_assert_str_eq(vgfb__proto_type_name(0), "?");
	ck_assert_str_eq(vgfb__proto_type_name(0xffff), "?");
}
END_TEST

static Suite *
proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc;

	tc = tcase_create("messages");
	test_add_fd_leak_check(tc);
	tcase_add_test(tc, roundtrip_every_message);
	tcase_add_test(tc, header_is_12_bytes_host_order);
	tcase_add_test(tc, revision_is_per_type);
	tcase_add_test(tc, truncated_and_bad_headers);
	tcase_add_test(tc, magic_version_type_direction);
	tcase_add_test(tc, fields_out_of_range);
	tcase_add_test(tc, event_counts);
	tcase_add_test(tc, input_counts);
	tcase_add_test(tc, encode_needs_room);
	tcase_add_test(tc, type_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("mutations");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_bit_flip_is_refused_or_canonical);
	tcase_add_test(tc, random_mutations);
	suite_add_tcase(s, tc);

	tc = tcase_create("sockets");
	test_add_fd_leak_check(tc);
	tcase_add_test(tc, fd_passing_round_trip);
	tcase_add_test(tc, unexpected_fds_are_closed);
	tcase_add_test(tc, ctrunc_closes_what_arrived);
	tcase_add_test(tc, oversized_packet);
	tcase_add_test(tc, empty_packet_and_eof);
	tcase_add_test(tc, credentials_are_refused);
	tcase_add_test(tc, send_to_closed_peer);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(proto_suite());
}
