/* SPDX-License-Identifier: MIT */
/*
 * vgfb-vnc's reader of what viewers send (tools/vgfb-vnc/rfb-guard.c):
 * a well-formed session passes whole and byte by byte (reads split
 * anywhere), and each refusal is made however the bytes arrive.
 */
#include "config.h"

#include <string.h>

#include "rfb-guard.h"
#include "test-common.h"

#define HANDSHAKE "RFB 003.008\n" "\1" "\1"

/* SetEncodings: ZRLE (16), DesktopSize (-223), Cursor (-239) */
static const unsigned char set_encodings[] = {
	2, 0, 0, 3, 0, 0, 0, 16, 0xff, 0xff, 0xff, 0x21, 0xff, 0xff, 0xff,
	0x11,
};
static const unsigned char pixel_format[] = {	/* 32 bpp, depth 24 */
	0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0,
};
static const unsigned char update_request[] = { 3, 1, 0, 0, 0, 0, 1, 0,
						1, 0 };
static const unsigned char key[] = { 4, 1, 0, 0, 0, 0, 0, 0x61 };
static const unsigned char pointer[] = { 5, 1, 0, 10, 0, 20 };
static const unsigned char cut_text[] = { 6, 0, 0, 0, 0, 0, 0, 3, 'a',
					  'b', 'c' };
static const unsigned char qemu_key[] = { 255, 0, 0, 1, 0, 0, 0, 0x61, 0,
					  0, 0, 30 };

struct piece {
	const void *p;
	size_t n;
};

/* Feed the pieces in one call each, or (split) one byte per call. */
static bool
feed_all(struct rfb_guard *g, const struct piece *pieces, size_t n,
	 bool split)
{
	rfb_guard_init(g);
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = pieces[i].p;

		if (!split) {
			if (!rfb_guard_feed(g, p, pieces[i].n))
				return false;
			continue;
		}
		for (size_t k = 0; k < pieces[i].n; k++)
			if (!rfb_guard_feed(g, p + k, 1))
				return false;
	}
	return true;
}

START_TEST(good_session_passes)
{
	const struct piece s[] = {
		{ HANDSHAKE, 14 },
		{ pixel_format, sizeof(pixel_format) },
		{ set_encodings, sizeof(set_encodings) },
		{ update_request, sizeof(update_request) },
		{ key, sizeof(key) }, { pointer, sizeof(pointer) },
		{ cut_text, sizeof(cut_text) }, { qemu_key, sizeof(qemu_key) },
		{ update_request, sizeof(update_request) },
	};
	struct rfb_guard g;

	ck_assert(feed_all(&g, s, sizeof(s) / sizeof(s[0]), _i));
	ck_assert(g.desktop_size);
	ck_assert_int_eq(g.phase, RFB_GUARD_MESSAGES);
}
END_TEST

/* Each session ends in one refusal, with its reason. */
START_TEST(refusals)
{
	static const unsigned char cut_big[] = { 6, 0, 0, 0, 0, 1, 0, 1 };
	static const unsigned char many_enc[] = { 2, 0, 0, 33 };
	static const unsigned char colour_map[20] = {
		0, 0, 0, 0, 8, 8, 0, 0, 0, 255, 0, 255, 0, 255, 0, 0, 0,
	};
	static const unsigned char bpp24[20] = {
		0, 0, 0, 0, 24, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0,
	};
	static const unsigned char qemu_audio[12] = { 255, 1, 0, 0 };
	static const unsigned char qemu_key_254[12] = { 255, 0, 0, 1, 0, 0,
							0, 0x61, 0, 0, 0,
							254 };
	static const unsigned char qemu_key_huge[12] = { 255, 0, 0, 1, 0, 0,
							 0, 0x61, 0x80, 0, 0,
							 0 };
	static const unsigned char no_desktop[] = { 2, 0, 0, 1, 0, 0, 0, 0 };
	const struct {
		struct piece p[3];
		const char *why;
	} cases[] = {
		{ { { "RFB 003.003\n", 12 } }, "not RFB 3.8" },
		{ { { "RFB 003.008\n" "\2", 13 } },
		  "a security type that was not offered" },
		{ { { HANDSHAKE, 14 }, { "\x42", 1 } },
		  "an unknown message type" },
		{ { { HANDSHAKE, 14 }, { "\1", 1 } },	/* server to client */
		  "an unknown message type" },
		{ { { HANDSHAKE, 14 }, { cut_big, sizeof(cut_big) } },
		  "clipboard text over 64 KiB" },
		{ { { HANDSHAKE, 14 }, { many_enc, sizeof(many_enc) } },
		  "more than 32 encodings" },
		{ { { HANDSHAKE, 14 },
		    { colour_map, sizeof(colour_map) } },
		  "a pixel format RFB does not allow" },
		{ { { HANDSHAKE, 14 }, { bpp24, sizeof(bpp24) } },
		  "a pixel format RFB does not allow" },
		{ { { HANDSHAKE, 14 },
		    { qemu_audio, sizeof(qemu_audio) } },
		  "a QEMU message other than a key event" },
		{ { { HANDSHAKE, 14 },
		    { qemu_key_254, sizeof(qemu_key_254) } },
		  "a QEMU key code past neatvnc's table" },
		{ { { HANDSHAKE, 14 },
		    { qemu_key_huge, sizeof(qemu_key_huge) } },
		  "a QEMU key code past neatvnc's table" },
		{ { { HANDSHAKE, 14 },
		    { no_desktop, sizeof(no_desktop) },
		    { update_request, sizeof(update_request) } },
		  "a viewer without DesktopSize" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rfb_guard g;
		size_t n = 0;

		while (n < 3 && cases[i].p[n].p)
			n++;
		ck_assert_msg(!feed_all(&g, cases[i].p, n, _i),
			      "case %zu passed", i);
		ck_assert_int_eq(g.phase, RFB_GUARD_BAD);
		ck_assert_str_eq(g.why, cases[i].why);
		/* nothing more is taken once refused */
		ck_assert(!rfb_guard_feed(&g, key, sizeof(key)));
	}
}
END_TEST

START_TEST(desktop_size_follows_the_last_set_encodings)
{
	static const unsigned char raw_only[] = { 2, 0, 0, 1, 0, 0, 0, 0 };
	const struct piece s[] = {
		{ HANDSHAKE, 14 },
		{ set_encodings, sizeof(set_encodings) },
		{ raw_only, sizeof(raw_only) },
	};
	struct rfb_guard g;

	ck_assert(feed_all(&g, s, 3, _i));
	ck_assert(!g.desktop_size);
	ck_assert(!rfb_guard_feed(&g, update_request, sizeof(update_request)));
}
END_TEST

static Suite *
rfb_guard_suite(void)
{
	Suite *s = suite_create("rfb-guard");
	TCase *tc = tcase_create("guard");

	/* _i: 0 whole pieces, 1 one byte at a time */
	tcase_add_loop_test(tc, good_session_passes, 0, 2);
	tcase_add_loop_test(tc, refusals, 0, 2);
	tcase_add_loop_test(tc, desktop_size_follows_the_last_set_encodings,
			    0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(rfb_guard_suite());
}
