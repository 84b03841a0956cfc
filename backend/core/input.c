/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <linux/input-event-codes.h>

#include "input.h"

_Static_assert(sizeof(struct vgfb_input_event) == 24,
	       "vgfb_input_event is wire format");
_Static_assert(VGFB_INPUT_KEY_MAX == KEY_MAX, "VGFB_INPUT_KEY_MAX is KEY_MAX");

bool
vgfb__input_event_valid(const struct vgfb_input_event *ev)
{
	if (ev->reserved)
		return false;
	switch (ev->type) {
	case VGFB_INPUT_KEY:
		/* KEY_RESERVED (0) is no key */
		return ev->code >= 1 && ev->code <= VGFB_INPUT_KEY_MAX &&
		       (ev->value == 0 || ev->value == 1) && !ev->x && !ev->y;
	case VGFB_INPUT_ABS:
		return !ev->code && !ev->value && ev->x < VGFB_INPUT_MAX_POS &&
		       ev->y < VGFB_INPUT_MAX_POS;
	case VGFB_INPUT_WHEEL:
		return ev->code <= 1 && ev->value != 0 &&
		       ev->value >= -VGFB_INPUT_MAX_WHEEL &&
		       ev->value <= VGFB_INPUT_MAX_WHEEL && !ev->x && !ev->y;
	default:
		return false;
	}
}
