/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the Xen vkbd ring writer (xen-vkbd-proto.c) as vgfbd
 * drives it and a hostile xen-kbdfront answers.  The input is the plane's
 * and the announced sizes, then a script: queue an input event (checked
 * as vgfb_send_input checks it), set in_cons (anything, or a plausible
 * value), scribble over in_prod, flush.
 *
 * Besides ASan/UBSan it checks the writer's promises: the queue stays
 * bounded; a flush that is refused writes nothing; one that is accepted
 * publishes exactly the index it reports, never has more than a ring's
 * worth in flight nor two in-flight indexes in one slot, and every slot
 * it wrote holds a KEY of a valid code or a POS inside the announced
 * range.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-input.h"
#include "input.h"
#include "xen-vkbd-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t page[4096 / 4];

static void
check_slot(uint32_t idx, uint32_t kbd_w, uint32_t kbd_h)
{
	struct vkbd_event e;

	vgfb__vkbd_read_slot(page, idx, &e);
	if (e.type == VKBD_TYPE_KEY) {
		if (e.pressed > 1 || e.keycode < 1 ||
		    e.keycode > VGFB_INPUT_KEY_MAX)
			abort();
	} else if (e.type == VKBD_TYPE_POS) {
		if (e.abs_x < 0 || (uint32_t)e.abs_x > kbd_w || e.abs_y < 0 ||
		    (uint32_t)e.abs_y > kbd_h || e.rel_z > VKBD_MAX_REL_Z ||
		    e.rel_z < -VKBD_MAX_REL_Z)
			abort();
	} else {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	static struct vkbd_pending p;
	uint32_t plane_w, plane_h, kbd_w, kbd_h, prod, cons;

	memset(page, 0, sizeof(page));
	memset(&p, 0, sizeof(p));
	plane_w = take(&in, 2);
	plane_h = take(&in, 2);
	kbd_w = take(&in, 4) & 0x7fffffff;
	kbd_h = take(&in, 4) & 0x7fffffff;
	if (!kbd_w)
		kbd_w = 1;
	if (!kbd_h)
		kbd_h = 1;
	prod = cons = take(&in, 4);
	page[VKBD_OFF_IN_PROD / 4] = prod;
	page[VKBD_OFF_IN_CONS / 4] = cons;

	while (in.n) {
		struct vgfb_input_event ev;
		int rc;

		switch (take(&in, 1) % 6) {
		case 0:
		case 1:
			ev.type = take(&in, 1) % 4;
			ev.code = take(&in, 2);
			ev.value = (int32_t)(int8_t)take(&in, 1);
			ev.x = take(&in, 2);
			ev.y = take(&in, 2);
			ev.reserved = 0;
			if (!vgfb__input_event_valid(&ev))
				break;
			vgfb__vkbd_queue(&p, &ev, plane_w, plane_h, kbd_w,
					 kbd_h);
			if (p.len > VKBD_PENDING)
				abort();
			break;
		case 2:		/* anything */
			cons = take(&in, 4);
			page[VKBD_OFF_IN_CONS / 4] = cons;
			break;
		case 3:		/* a frontend that read some */
			cons = prod - take(&in, 1) % (VKBD_IN_RING_LEN + 1);
			page[VKBD_OFF_IN_CONS / 4] = cons;
			break;
		case 4:		/* the frontend writes what is ours */
			page[VKBD_OFF_IN_PROD / 4] = take(&in, 4);
			break;
		default: {
			uint32_t before = prod, shown;
			unsigned int len = p.len;

			shown = page[VKBD_OFF_IN_PROD / 4];
			rc = vgfb__vkbd_flush(page, &p, &prod, NULL, 0);
			if (rc < 0) {
				if (prod != before || p.len != len ||
				    page[VKBD_OFF_IN_PROD / 4] != shown)
					abort();
				break;
			}
			if (prod - before != (uint32_t)rc ||
			    p.len != len - (unsigned int)rc ||
			    page[VKBD_OFF_IN_PROD / 4] != prod ||
			    prod - cons > VKBD_IN_RING_LEN)
				abort();
			/*
			 * Indexes 2^32 - 1 and 0 share slot 0: one flush
			 * never writes both, and never writes 0 while an
			 * index before it is in flight.
			 */
			if ((prod < before && prod != 0) ||
			    (before == 0 && cons != 0 && rc > 0))
				abort();
			for (uint32_t i = before; i != prod; i++)
				check_slot(i, kbd_w, kbd_h);
			break;
		}
		}
	}
	return 0;
}
