/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "shared-page.h"
#include "xen-vkbd-proto.h"

_Static_assert(VKBD_IN_RING_LEN == 51, "kbdif.h's XENKBD_IN_RING_LEN");

uint32_t
vgfb__vkbd_scale(uint32_t pos, uint32_t plane_len, uint32_t kbd_len)
{
	if (!plane_len)
		return pos < kbd_len ? pos : kbd_len;
	if (plane_len == 1)
		return 0;
	if (pos >= plane_len - 1)
		return kbd_len;
	return (uint32_t)((uint64_t)pos * kbd_len / (plane_len - 1));
}

static struct vkbd_event *
slot_of(struct vkbd_pending *p, unsigned int i)
{
	return &p->ev[(p->first + i) % VKBD_PENDING];
}

static struct vkbd_event *
tail(struct vkbd_pending *p)
{
	return p->len ? slot_of(p, p->len - 1) : NULL;
}

static int32_t
add_rel_z(int32_t a, int32_t b)
{
	int32_t z = a + b;	/* both bounded by VKBD_MAX_REL_Z */

	if (z > VKBD_MAX_REL_Z)
		return VKBD_MAX_REL_Z;
	if (z < -VKBD_MAX_REL_Z)
		return -VKBD_MAX_REL_Z;
	return z;
}

/*
 * The pointer's state now, and the wheel turned by rel_z: merged into the
 * newest POS when that is the last thing queued, or when the queue is
 * full (the latest state wins over an older one); a new POS otherwise.
 */
static void
queue_pos(struct vkbd_pending *p, int32_t rel_z)
{
	struct vkbd_event *t = tail(p);

	if (p->len == VKBD_PENDING) {
		for (unsigned int i = p->len; i-- > 0;) {
			t = slot_of(p, i);
			if (t->type == VKBD_TYPE_POS)
				break;
		}
		if (t->type != VKBD_TYPE_POS) {
			p->dropped++;	/* a queue of keys: nothing to merge */
			return;
		}
	} else if (!t || t->type != VKBD_TYPE_POS ||
		   (t->rel_z && !rel_z)) {
		/* a move after a wheel turn keeps the turn where it was */
		t = slot_of(p, p->len++);
		memset(t, 0, sizeof(*t));
		t->type = VKBD_TYPE_POS;
	}
	t->abs_x = p->x;
	t->abs_y = p->y;
	t->rel_z = add_rel_z(t->rel_z, rel_z);
}

int
vgfb__vkbd_queue(struct vkbd_pending *p, const struct vgfb_input_event *ev,
		 uint32_t plane_w, uint32_t plane_h, uint32_t kbd_w,
		 uint32_t kbd_h)
{
	struct vkbd_event *k;

	switch (ev->type) {
	case VGFB_INPUT_KEY:
		if (p->len == VKBD_PENDING) {
			p->dropped++;
			return -ENOSPC;
		}
		k = slot_of(p, p->len++);
		memset(k, 0, sizeof(*k));
		k->type = VKBD_TYPE_KEY;
		k->pressed = ev->value ? 1 : 0;
		k->keycode = ev->code;
		return 0;
	case VGFB_INPUT_ABS:
		p->x = (int32_t)vgfb__vkbd_scale(ev->x, plane_w, kbd_w);
		p->y = (int32_t)vgfb__vkbd_scale(ev->y, plane_h, kbd_h);
		queue_pos(p, 0);
		return 0;
	case VGFB_INPUT_WHEEL:
		/* kbdif has no horizontal wheel */
		if (ev->code == 0)
			queue_pos(p, -ev->value);	/* up is REL_WHEEL +1 */
		return 0;
	default:
		return 0;	/* checked before: cannot happen */
	}
}

static void
put32(uint8_t *slot, size_t off, uint32_t v)
{
	memcpy(slot + off, &v, sizeof(v));
}

int
vgfb__vkbd_flush(volatile void *page, struct vkbd_pending *p, uint32_t *prod,
		 char *why, size_t why_len)
{
	volatile uint8_t *ring = (volatile uint8_t *)page + VKBD_IN_RING_OFFS;
	uint32_t cons = shared_load32(page, VKBD_OFF_IN_CONS);
	uint32_t used = *prod - cons, room, n;

	if (used > VKBD_IN_RING_LEN)
		return refuse(-EPROTO, why, why_len, "in ring: cons %" PRIu32
			      " is %" PRIu32 " events behind prod %" PRIu32
			      ", at most %u fit", cons, used, *prod,
			      VKBD_IN_RING_LEN);
	room = VKBD_IN_RING_LEN - used;
	/*
	 * 2^32 is no multiple of 51: index 0 shares slot 0 with index
	 * 2^32 - 1 (the frontend computes slots from the same indexes).
	 * Never have both in flight: stop at the wrap, and go past it
	 * only once the frontend has consumed everything before it.
	 */
	if (*prod == 0 && used)
		room = 0;
	else if (*prod && room > 0u - *prod)
		room = 0u - *prod;
	n = p->len < room ? p->len : room;
	/* the frontend is done with the slots it consumed */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n; i++) {
		const struct vkbd_event *e = slot_of(p, i);
		size_t base = ((*prod + i) % VKBD_IN_RING_LEN) *
			      VKBD_IN_EVENT_SIZE;
		uint8_t slot[VKBD_IN_EVENT_SIZE] = { 0 };

		slot[0] = e->type;
		if (e->type == VKBD_TYPE_KEY) {
			slot[1] = e->pressed;
			put32(slot, 4, e->keycode);
		} else {
			put32(slot, 4, (uint32_t)e->abs_x);
			put32(slot, 8, (uint32_t)e->abs_y);
			put32(slot, 12, (uint32_t)e->rel_z);
		}
		for (size_t b = 0; b < sizeof(slot); b++)
			ring[base + b] = slot[b];
	}
	p->first = (p->first + n) % VKBD_PENDING;
	p->len -= n;
	*prod += n;
	/* the slots before the index that publishes them */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	shared_store32(page, VKBD_OFF_IN_PROD, *prod);
	return (int)n;
}

void
vgfb__vkbd_read_slot(const volatile void *page, uint32_t idx,
		     struct vkbd_event *out)
{
	size_t base = VKBD_IN_RING_OFFS +
		      (idx % VKBD_IN_RING_LEN) * VKBD_IN_EVENT_SIZE;
	const volatile uint8_t *s = (const volatile uint8_t *)page + base;

	memset(out, 0, sizeof(*out));
	out->type = s[0];
	if (out->type == VKBD_TYPE_KEY) {
		out->pressed = s[1];
		out->keycode = shared_load32(page, base + 4);
	} else if (out->type == VKBD_TYPE_POS) {
		out->abs_x = (int32_t)shared_load32(page, base + 4);
		out->abs_y = (int32_t)shared_load32(page, base + 8);
		out->rel_z = (int32_t)shared_load32(page, base + 12);
	}
}
