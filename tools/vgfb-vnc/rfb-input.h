/* SPDX-License-Identifier: MIT */
/*
 * What a viewer's keyboard and pointer mean to the guest: RFB events
 * turned into vgfb_input_event batches (include/vgfb/vgfb.h).  Pure: no
 * neatvnc, no context; main.c sends what these return.
 *
 * - QEMU extended key events already carry an evdev code (neatvnc maps
 *   the XT scancode);
 * - plain KeyEvents carry X keysyms: a fixed US layout maps them, and a
 *   character that needs Shift (upper case, "!", "{") gets a Shift press
 *   and release around its own press when the viewer holds no Shift;
 * - a PointerEvent carries the whole button mask: the position becomes
 *   ABS, buttons 1-3 BTN_LEFT, BTN_MIDDLE and BTN_RIGHT transitions,
 *   buttons 4-7 (pressed) wheel detents.
 *
 * Each viewer has its own state, so that what it still holds when it
 * goes away can be released (vnc_input_release_all).
 */
#ifndef VGFB_VNC_RFB_INPUT_H
#define VGFB_VNC_RFB_INPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <vgfb/vgfb.h>

struct vnc_input_viewer {
	uint8_t held[(VGFB_INPUT_KEY_MAX + 1) / 8];	/* keys and buttons down */
	uint8_t buttons;	/* the last RFB button mask */
	bool have_pos;
	uint32_t x, y;		/* the last position sent */
};

/* The most events one call below returns. */
#define VNC_INPUT_MAX_BATCH 8

/*
 * The evdev code of an X keysym on a US keyboard, 0 when it has none;
 * *shift: the character needs Shift.
 */
uint32_t vnc_input_keysym_code(uint32_t keysym, bool *shift);

/* An evdev code from a QEMU extended key event; returns the event count. */
unsigned int vnc_input_key_code(struct vnc_input_viewer *v, uint32_t code,
				bool pressed, struct vgfb_input_event *out);

/* A keysym from a plain KeyEvent; returns the event count (0..3). */
unsigned int vnc_input_keysym(struct vnc_input_viewer *v, uint32_t keysym,
			      bool pressed, struct vgfb_input_event *out);

/*
 * A PointerEvent at (x, y) with RFB button mask on a width x height plane
 * (0 x 0: no plane, no position sent); returns the event count.
 */
unsigned int vnc_input_pointer(struct vnc_input_viewer *v, uint32_t x,
			       uint32_t y, uint8_t mask, uint32_t width,
			       uint32_t height, struct vgfb_input_event *out);

/*
 * Releases of what v still holds, at most max of them; call until it
 * returns 0.
 */
unsigned int vnc_input_release_all(struct vnc_input_viewer *v,
				   struct vgfb_input_event *out,
				   unsigned int max);

#endif
