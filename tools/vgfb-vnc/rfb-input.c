/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <linux/input-event-codes.h>

#include "rfb-input.h"

/* ---- keysyms on a US keyboard ---- */

struct key {
	uint16_t code;
	bool shift;
};

/* Printable ASCII, which is also its own keysym (0x20..0x7e). */
static const struct key ascii[0x7f] = {
	[' '] = { KEY_SPACE }, ['!'] = { KEY_1, true },
	['"'] = { KEY_APOSTROPHE, true }, ['#'] = { KEY_3, true },
	['$'] = { KEY_4, true }, ['%'] = { KEY_5, true },
	['&'] = { KEY_7, true }, ['\''] = { KEY_APOSTROPHE },
	['('] = { KEY_9, true }, [')'] = { KEY_0, true },
	['*'] = { KEY_8, true }, ['+'] = { KEY_EQUAL, true },
	[','] = { KEY_COMMA }, ['-'] = { KEY_MINUS }, ['.'] = { KEY_DOT },
	['/'] = { KEY_SLASH },
	['0'] = { KEY_0 }, ['1'] = { KEY_1 }, ['2'] = { KEY_2 },
	['3'] = { KEY_3 }, ['4'] = { KEY_4 }, ['5'] = { KEY_5 },
	['6'] = { KEY_6 }, ['7'] = { KEY_7 }, ['8'] = { KEY_8 },
	['9'] = { KEY_9 },
	[':'] = { KEY_SEMICOLON, true }, [';'] = { KEY_SEMICOLON },
	['<'] = { KEY_COMMA, true }, ['='] = { KEY_EQUAL },
	['>'] = { KEY_DOT, true }, ['?'] = { KEY_SLASH, true },
	['@'] = { KEY_2, true },
	['['] = { KEY_LEFTBRACE }, ['\\'] = { KEY_BACKSLASH },
	[']'] = { KEY_RIGHTBRACE }, ['^'] = { KEY_6, true },
	['_'] = { KEY_MINUS, true }, ['`'] = { KEY_GRAVE },
	['{'] = { KEY_LEFTBRACE, true }, ['|'] = { KEY_BACKSLASH, true },
	['}'] = { KEY_RIGHTBRACE, true }, ['~'] = { KEY_GRAVE, true },
};

/* evdev's letters are in keyboard order, not alphabetical */
static const uint16_t letters[26] = {
	KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I,
	KEY_J, KEY_K, KEY_L, KEY_M, KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R,
	KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z,
};

/* The function, cursor, modifier and keypad keysyms (X11 keysymdef.h). */
static const struct {
	uint16_t keysym;
	uint16_t code;
} special[] = {
	{ 0xff08, KEY_BACKSPACE }, { 0xff09, KEY_TAB },
	{ 0xff0d, KEY_ENTER }, { 0xff13, KEY_PAUSE },
	{ 0xff14, KEY_SCROLLLOCK }, { 0xff15, KEY_SYSRQ },
	{ 0xff1b, KEY_ESC }, { 0xffff, KEY_DELETE },
	{ 0xff50, KEY_HOME }, { 0xff51, KEY_LEFT }, { 0xff52, KEY_UP },
	{ 0xff53, KEY_RIGHT }, { 0xff54, KEY_DOWN },
	{ 0xff55, KEY_PAGEUP }, { 0xff56, KEY_PAGEDOWN },
	{ 0xff57, KEY_END }, { 0xff61, KEY_SYSRQ },	/* Print */
	{ 0xff63, KEY_INSERT }, { 0xff67, KEY_COMPOSE },	/* Menu */
	{ 0xff7f, KEY_NUMLOCK },
	/* modifiers */
	{ 0xffe1, KEY_LEFTSHIFT }, { 0xffe2, KEY_RIGHTSHIFT },
	{ 0xffe3, KEY_LEFTCTRL }, { 0xffe4, KEY_RIGHTCTRL },
	{ 0xffe5, KEY_CAPSLOCK },
	{ 0xffe7, KEY_LEFTMETA }, { 0xffe8, KEY_RIGHTMETA },
	{ 0xffe9, KEY_LEFTALT }, { 0xffea, KEY_RIGHTALT },
	{ 0xffeb, KEY_LEFTMETA }, { 0xffec, KEY_RIGHTMETA },	/* Super */
	{ 0xfe03, KEY_RIGHTALT },	/* ISO_Level3_Shift (AltGr) */
	/* keypad: NumLock decides in the guest what these keys do */
	{ 0xff8d, KEY_KPENTER }, { 0xff95, KEY_KP7 }, { 0xff96, KEY_KP4 },
	{ 0xff97, KEY_KP8 }, { 0xff98, KEY_KP6 }, { 0xff99, KEY_KP2 },
	{ 0xff9a, KEY_KP9 }, { 0xff9b, KEY_KP3 }, { 0xff9c, KEY_KP1 },
	{ 0xff9d, KEY_KP5 }, { 0xff9e, KEY_KP0 }, { 0xff9f, KEY_KPDOT },
	{ 0xffaa, KEY_KPASTERISK }, { 0xffab, KEY_KPPLUS },
	{ 0xffac, KEY_KPCOMMA }, { 0xffad, KEY_KPMINUS },
	{ 0xffae, KEY_KPDOT }, { 0xffaf, KEY_KPSLASH },
	{ 0xffb0, KEY_KP0 }, { 0xffb1, KEY_KP1 }, { 0xffb2, KEY_KP2 },
	{ 0xffb3, KEY_KP3 }, { 0xffb4, KEY_KP4 }, { 0xffb5, KEY_KP5 },
	{ 0xffb6, KEY_KP6 }, { 0xffb7, KEY_KP7 }, { 0xffb8, KEY_KP8 },
	{ 0xffb9, KEY_KP9 }, { 0xffbd, KEY_KPEQUAL },
	/* F1..F12: evdev's F11 and F12 do not follow F10 */
	{ 0xffbe, KEY_F1 }, { 0xffbf, KEY_F2 }, { 0xffc0, KEY_F3 },
	{ 0xffc1, KEY_F4 }, { 0xffc2, KEY_F5 }, { 0xffc3, KEY_F6 },
	{ 0xffc4, KEY_F7 }, { 0xffc5, KEY_F8 }, { 0xffc6, KEY_F9 },
	{ 0xffc7, KEY_F10 }, { 0xffc8, KEY_F11 }, { 0xffc9, KEY_F12 },
};

uint32_t
vnc_input_keysym_code(uint32_t keysym, bool *shift)
{
	*shift = false;
	if (keysym >= 'a' && keysym <= 'z')
		return letters[keysym - 'a'];
	if (keysym >= 'A' && keysym <= 'Z') {
		*shift = true;
		return letters[keysym - 'A'];
	}
	if (keysym >= 0x20 && keysym < 0x7f) {
		*shift = ascii[keysym].shift;
		return ascii[keysym].code;
	}
	if (keysym == 0xfe20) {		/* ISO_Left_Tab: Shift+Tab */
		*shift = true;
		return KEY_TAB;
	}
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (special[i].keysym == keysym)
			return special[i].code;
	return 0;
}

/* ---- per-viewer state ---- */

static bool
is_held(const struct vnc_input_viewer *v, uint32_t code)
{
	return v->held[code / 8] & (1u << (code % 8));
}

static void
set_held(struct vnc_input_viewer *v, uint32_t code, bool down)
{
	if (down)
		v->held[code / 8] |= (uint8_t)(1u << (code % 8));
	else
		v->held[code / 8] &= (uint8_t)~(1u << (code % 8));
}

static struct vgfb_input_event
key_event(uint32_t code, bool pressed)
{
	return (struct vgfb_input_event){
		.type = VGFB_INPUT_KEY,
		.code = code,
		.value = pressed,
	};
}

unsigned int
vnc_input_key_code(struct vnc_input_viewer *v, uint32_t code, bool pressed,
		   struct vgfb_input_event *out)
{
	/* KEY_RESERVED is what neatvnc gives for "no scancode" */
	if (code < 1 || code > VGFB_INPUT_KEY_MAX)
		return 0;
	/*
	 * A viewer's own autorepeat sends presses again, and a viewer may
	 * release what it never pressed here: the guest repeats by itself.
	 */
	if (is_held(v, code) == pressed)
		return 0;
	set_held(v, code, pressed);
	out[0] = key_event(code, pressed);
	return 1;
}

unsigned int
vnc_input_keysym(struct vnc_input_viewer *v, uint32_t keysym, bool pressed,
		 struct vgfb_input_event *out)
{
	bool shift;
	uint32_t code = vnc_input_keysym_code(keysym, &shift);
	unsigned int n = 0;

	if (!code)
		return 0;
	/* "A" typed without a Shift held (a paste, a virtual keyboard) */
	if (pressed && shift && !is_held(v, KEY_LEFTSHIFT) &&
	    !is_held(v, KEY_RIGHTSHIFT) && !is_held(v, code)) {
		out[n++] = key_event(KEY_LEFTSHIFT, true);
		n += vnc_input_key_code(v, code, true, out + n);
		out[n++] = key_event(KEY_LEFTSHIFT, false);
		return n;
	}
	return vnc_input_key_code(v, code, pressed, out);
}

/* RFB buttons 1..3 (mask bits 0..2) */
static const uint16_t buttons[3] = { BTN_LEFT, BTN_MIDDLE, BTN_RIGHT };

/* RFB buttons 4..7 (bits 3..6): wheel up, down, left, right */
static const struct {
	uint32_t code;
	int32_t value;
} wheel[4] = { { 0, 1 }, { 0, -1 }, { 1, -1 }, { 1, 1 } };

unsigned int
vnc_input_pointer(struct vnc_input_viewer *v, uint32_t x, uint32_t y,
		  uint8_t mask, uint32_t width, uint32_t height,
		  struct vgfb_input_event *out)
{
	uint8_t pressed = mask & ~v->buttons, released = v->buttons & ~mask;
	unsigned int n = 0;

	/* a viewer may point past a plane that just shrank */
	if (width && height && width <= VGFB_INPUT_MAX_POS &&
	    height <= VGFB_INPUT_MAX_POS) {
		x = x < width ? x : width - 1;
		y = y < height ? y : height - 1;
		if (!v->have_pos || x != v->x || y != v->y)
			out[n++] = (struct vgfb_input_event){
				.type = VGFB_INPUT_ABS, .x = x, .y = y,
			};
		v->have_pos = true;
		v->x = x;
		v->y = y;
	}
	for (unsigned int b = 0; b < 3; b++)
		if ((pressed | released) & (1u << b))
			n += vnc_input_key_code(v, buttons[b],
						pressed & (1u << b), out + n);
	/* a detent is a press and a release: count the presses */
	for (unsigned int w = 0; w < 4; w++)
		if (pressed & (1u << (3 + w)))
			out[n++] = (struct vgfb_input_event){
				.type = VGFB_INPUT_WHEEL,
				.code = wheel[w].code,
				.value = wheel[w].value,
			};
	v->buttons = mask;
	return n;
}

unsigned int
vnc_input_release_all(struct vnc_input_viewer *v,
		      struct vgfb_input_event *out, unsigned int max)
{
	unsigned int n = 0;

	for (uint32_t code = 1; code <= VGFB_INPUT_KEY_MAX && n < max; code++)
		if (is_held(v, code))
			n += vnc_input_key_code(v, code, false, out + n);
	if (n < max)
		v->buttons = 0;
	return n;
}
