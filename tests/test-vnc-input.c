/* SPDX-License-Identifier: MIT */
/*
 * vgfb-vnc's input mapping alone (tools/vgfb-vnc/rfb-input.c): keysyms on a
 * US layout, Shift added where a character needs it, a viewer's own
 * autorepeat dropped, pointer masks turned into positions, button
 * transitions and wheel detents, and what a viewer holds let go.
 */
#include "config.h"

#include <string.h>
#include <linux/input-event-codes.h>

#include "rfb-input.h"
#include "test-common.h"

static bool
is_key(const struct vgfb_input_event *e, uint32_t code, int32_t value)
{
	return e->type == VGFB_INPUT_KEY && e->code == code &&
	       e->value == value && !e->x && !e->y && !e->reserved;
}

START_TEST(keysyms_on_a_us_keyboard)
{
	static const struct {
		uint32_t keysym, code;
		bool shift;
	} table[] = {
		{ 'a', KEY_A, false }, { 'q', KEY_Q, false },
		{ 'z', KEY_Z, false }, { 'Z', KEY_Z, true },
		{ 'M', KEY_M, true }, { '0', KEY_0, false },
		{ '9', KEY_9, false }, { '!', KEY_1, true },
		{ '@', KEY_2, true }, { ')', KEY_0, true },
		{ ' ', KEY_SPACE, false }, { '-', KEY_MINUS, false },
		{ '_', KEY_MINUS, true }, { '{', KEY_LEFTBRACE, true },
		{ '|', KEY_BACKSLASH, true }, { '~', KEY_GRAVE, true },
		{ '\'', KEY_APOSTROPHE, false }, { '"', KEY_APOSTROPHE, true },
		{ '?', KEY_SLASH, true }, { ':', KEY_SEMICOLON, true },
		{ 0xff0d, KEY_ENTER, false }, { 0xff09, KEY_TAB, false },
		{ 0xfe20, KEY_TAB, true }, { 0xff1b, KEY_ESC, false },
		{ 0xff08, KEY_BACKSPACE, false }, { 0xffff, KEY_DELETE, false },
		{ 0xff50, KEY_HOME, false }, { 0xff57, KEY_END, false },
		{ 0xff55, KEY_PAGEUP, false }, { 0xff56, KEY_PAGEDOWN, false },
		{ 0xff63, KEY_INSERT, false }, { 0xff51, KEY_LEFT, false },
		{ 0xff54, KEY_DOWN, false }, { 0xffbe, KEY_F1, false },
		{ 0xffc7, KEY_F10, false }, { 0xffc8, KEY_F11, false },
		{ 0xffc9, KEY_F12, false }, { 0xffe1, KEY_LEFTSHIFT, false },
		{ 0xffe4, KEY_RIGHTCTRL, false }, { 0xffe9, KEY_LEFTALT, false },
		{ 0xffeb, KEY_LEFTMETA, false }, { 0xffb0, KEY_KP0, false },
		{ 0xffb9, KEY_KP9, false }, { 0xff8d, KEY_KPENTER, false },
		{ 0xffab, KEY_KPPLUS, false }, { 0xffaf, KEY_KPSLASH, false },
	};
	bool shift;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		ck_assert_msg(vnc_input_keysym_code(table[i].keysym, &shift) ==
			      table[i].code, "keysym 0x%x", table[i].keysym);
		ck_assert_msg(shift == table[i].shift, "keysym 0x%x shift",
			      table[i].keysym);
	}
	/* nothing for what a US keyboard has not */
	ck_assert_uint_eq(vnc_input_keysym_code(0, &shift), 0);
	ck_assert_uint_eq(vnc_input_keysym_code(0x7f, &shift), 0);
	ck_assert_uint_eq(vnc_input_keysym_code(0xe9, &shift), 0);	/* é */
	ck_assert_uint_eq(vnc_input_keysym_code(0x20ac, &shift), 0);	/* € */
	ck_assert_uint_eq(vnc_input_keysym_code(0xffffffff, &shift), 0);
	/* every printable ASCII character has a key */
	for (uint32_t c = 0x20; c < 0x7f; c++)
		ck_assert_msg(vnc_input_keysym_code(c, &shift) != 0,
			      "'%c'", (char)c);
}
END_TEST

START_TEST(shift_added_only_when_needed)
{
	struct vnc_input_viewer v = { 0 };
	struct vgfb_input_event ev[VNC_INPUT_MAX_BATCH];

	/* "A" with no Shift held: Shift around the press */
	ck_assert_uint_eq(vnc_input_keysym(&v, 'A', true, ev), 3);
	ck_assert(is_key(&ev[0], KEY_LEFTSHIFT, 1));
	ck_assert(is_key(&ev[1], KEY_A, 1));
	ck_assert(is_key(&ev[2], KEY_LEFTSHIFT, 0));
	/* released as "a": the same key */
	ck_assert_uint_eq(vnc_input_keysym(&v, 'a', false, ev), 1);
	ck_assert(is_key(&ev[0], KEY_A, 0));
	/* the viewer holds Shift itself: nothing added */
	ck_assert_uint_eq(vnc_input_keysym(&v, 0xffe2, true, ev), 1);
	ck_assert(is_key(&ev[0], KEY_RIGHTSHIFT, 1));
	ck_assert_uint_eq(vnc_input_keysym(&v, '!', true, ev), 1);
	ck_assert(is_key(&ev[0], KEY_1, 1));
	ck_assert_uint_eq(vnc_input_keysym(&v, '!', false, ev), 1);
	ck_assert_uint_eq(vnc_input_keysym(&v, 0xffe2, false, ev), 1);
	/* unknown keysyms are dropped */
	ck_assert_uint_eq(vnc_input_keysym(&v, 0x20ac, true, ev), 0);
}
END_TEST

START_TEST(key_codes_and_autorepeat)
{
	struct vnc_input_viewer v = { 0 };
	struct vgfb_input_event ev[VNC_INPUT_MAX_BATCH];

	ck_assert_uint_eq(vnc_input_key_code(&v, KEY_Q, true, ev), 1);
	ck_assert(is_key(&ev[0], KEY_Q, 1));
	/* the viewer's own autorepeat: the guest repeats by itself */
	ck_assert_uint_eq(vnc_input_key_code(&v, KEY_Q, true, ev), 0);
	ck_assert_uint_eq(vnc_input_key_code(&v, KEY_Q, false, ev), 1);
	ck_assert(is_key(&ev[0], KEY_Q, 0));
	/* a release of what was never pressed here */
	ck_assert_uint_eq(vnc_input_key_code(&v, KEY_W, false, ev), 0);
	/* "no scancode" and codes past KEY_MAX */
	ck_assert_uint_eq(vnc_input_key_code(&v, 0, true, ev), 0);
	ck_assert_uint_eq(vnc_input_key_code(&v, KEY_MAX + 1, true, ev), 0);
	ck_assert_uint_eq(vnc_input_key_code(&v, UINT32_MAX, true, ev), 0);
	ck_assert_uint_eq(vnc_input_key_code(&v, KEY_MAX, true, ev), 1);
}
END_TEST

START_TEST(pointer_positions_buttons_and_wheel)
{
	struct vnc_input_viewer v = { 0 };
	struct vgfb_input_event ev[VNC_INPUT_MAX_BATCH];
	const struct vgfb_input_event *e = ev;

	/* first move: a position, nothing else */
	ck_assert_uint_eq(vnc_input_pointer(&v, 10, 20, 0, 640, 480, ev), 1);
	ck_assert_uint_eq(e->type, VGFB_INPUT_ABS);
	ck_assert_uint_eq(e->x, 10);
	ck_assert_uint_eq(e->y, 20);
	/* the same place again: nothing */
	ck_assert_uint_eq(vnc_input_pointer(&v, 10, 20, 0, 640, 480, ev), 0);
	/* left and right pressed where it is */
	ck_assert_uint_eq(vnc_input_pointer(&v, 10, 20, 5, 640, 480, ev), 2);
	ck_assert(is_key(&ev[0], BTN_LEFT, 1));
	ck_assert(is_key(&ev[1], BTN_RIGHT, 1));
	/* moved with the left held, right released */
	ck_assert_uint_eq(vnc_input_pointer(&v, 11, 20, 1, 640, 480, ev), 2);
	ck_assert_uint_eq(ev[0].type, VGFB_INPUT_ABS);
	ck_assert(is_key(&ev[1], BTN_RIGHT, 0));
	/* past the plane: clamped to its last pixel */
	ck_assert_uint_eq(vnc_input_pointer(&v, 65535, 999, 1, 640, 480, ev),
			  1);
	ck_assert_uint_eq(ev[0].x, 639);
	ck_assert_uint_eq(ev[0].y, 479);
	/* wheel: a detent per press, up down left right, middle too */
	ck_assert_uint_eq(vnc_input_pointer(&v, 639, 479, 1 | 2 | 8, 640, 480,
					    ev), 2);
	ck_assert(is_key(&ev[0], BTN_MIDDLE, 1));
	ck_assert_uint_eq(ev[1].type, VGFB_INPUT_WHEEL);
	ck_assert_uint_eq(ev[1].code, 0);
	ck_assert_int_eq(ev[1].value, 1);
	ck_assert_uint_eq(vnc_input_pointer(&v, 639, 479, 1 | 2, 640, 480, ev),
			  0);
	ck_assert_uint_eq(vnc_input_pointer(&v, 639, 479, 1 | 2 | 16 | 32 | 64,
					    640, 480, ev), 3);
	ck_assert_int_eq(ev[0].value, -1);
	ck_assert_uint_eq(ev[0].code, 0);
	ck_assert_uint_eq(ev[1].code, 1);
	ck_assert_int_eq(ev[1].value, -1);
	ck_assert_uint_eq(ev[2].code, 1);
	ck_assert_int_eq(ev[2].value, 1);
	/* no plane: buttons still count, no position */
	ck_assert_uint_eq(vnc_input_pointer(&v, 5, 5, 0, 0, 0, ev), 2);
	ck_assert(is_key(&ev[0], BTN_LEFT, 0));
	ck_assert(is_key(&ev[1], BTN_MIDDLE, 0));
	/* the most one event can carry */
	memset(&v, 0, sizeof(v));
	ck_assert_uint_eq(vnc_input_pointer(&v, 1, 1, 0x7f, 640, 480, ev),
			  VNC_INPUT_MAX_BATCH);
}
END_TEST

START_TEST(a_viewer_that_goes_lets_go)
{
	struct vnc_input_viewer v = { 0 };
	struct vgfb_input_event ev[VGFB_INPUT_MAX_EVENTS];
	unsigned int n, total = 0;

	for (uint32_t code = KEY_ESC; code < KEY_ESC + 20; code++)
		ck_assert_uint_eq(vnc_input_key_code(&v, code, true, ev), 1);
	ck_assert_uint_eq(vnc_input_pointer(&v, 1, 1, 1, 10, 10, ev), 2);
	while ((n = vnc_input_release_all(&v, ev, 8))) {
		for (unsigned int i = 0; i < n; i++)
			ck_assert(ev[i].type == VGFB_INPUT_KEY &&
				  ev[i].value == 0);
		total += n;
	}
	ck_assert_uint_eq(total, 21);
	/* all let go: a new press of the left button is a press again */
	ck_assert_uint_eq(vnc_input_pointer(&v, 1, 1, 1, 10, 10, ev), 1);
	ck_assert(is_key(&ev[0], BTN_LEFT, 1));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("vnc-input");
	TCase *tc = tcase_create("input");

	tcase_add_test(tc, keysyms_on_a_us_keyboard);
	tcase_add_test(tc, shift_added_only_when_needed);
	tcase_add_test(tc, key_codes_and_autorepeat);
	tcase_add_test(tc, pointer_positions_buttons_and_wheel);
	tcase_add_test(tc, a_viewer_that_goes_lets_go);
	suite_add_tcase(s, tc);
	return test_run(s);
}
