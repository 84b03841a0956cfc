/* SPDX-License-Identifier: MIT */
/*
 * The Xen vkbd protocol (xen/include/public/io/kbdif.h), the backend's
 * half: turning checked vgfb input events into the in ring's events and
 * writing them into a shared page the frontend (xen-kbdfront) can rewrite
 * at any moment.  Pure logic, no Xen libraries: unit tests and a fuzzer
 * run all of it.
 *
 * Rules:
 * - the backend keeps its own producer index; the page's in_prod is
 *   written, never read back, and in_cons is read once per flush and
 *   refused when it claims more events than the ring holds;
 * - 2^32 is no multiple of the ring's 51 slots, so indexes 2^32 - 1 and
 *   0 share a slot: a flush stops at the wrap and goes on only once the
 *   frontend has consumed up to it;
 * - a full ring never blocks: events wait in a bounded queue, pointer
 *   positions and wheel turns next to each other are merged, and when the
 *   queue is full the latest pointer state still replaces the newest one
 *   queued, while a key that finds no room is dropped and counted;
 * - positions are scaled from the plane's pixels to the range the backend
 *   announced in xenstore ("width", "height"), which xen-kbdfront reads
 *   once, at probe: the guest's pointer range is 0..width.
 */
#ifndef VGFB_XEN_VKBD_PROTO_H
#define VGFB_XEN_VKBD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vgfb/vgfb.h>

/* kbdif.h layout, fixed by the ABI. */
#define VKBD_TYPE_KEY 3
#define VKBD_TYPE_POS 4
#define VKBD_IN_EVENT_SIZE 40u
#define VKBD_IN_RING_OFFS 1024u
#define VKBD_IN_RING_SIZE 2048u
#define VKBD_IN_RING_LEN (VKBD_IN_RING_SIZE / VKBD_IN_EVENT_SIZE)	/* 51 */
#define VKBD_OFF_IN_CONS 0u
#define VKBD_OFF_IN_PROD 4u

/* Events waiting for room in the ring, at most. */
#define VKBD_PENDING 128u
/* One merged wheel event carries at most this many detents. */
#define VKBD_MAX_REL_Z 1024

/* One in-ring event, decoded. */
struct vkbd_event {
	uint8_t type;		/* VKBD_TYPE_KEY or VKBD_TYPE_POS */
	uint8_t pressed;	/* KEY: 0 or 1 */
	uint32_t keycode;	/* KEY: evdev KEY_* or BTN_* */
	int32_t abs_x, abs_y;	/* POS: in the announced range */
	int32_t rel_z;		/* POS: wheel; xen-kbdfront reports -rel_z */
};

struct vkbd_pending {
	struct vkbd_event ev[VKBD_PENDING];
	unsigned int first, len;
	int32_t x, y;		/* the latest position queued */
	uint64_t dropped;	/* keys that found no room */
};

/*
 * pos (0..plane_len - 1) scaled to 0..kbd_len; a position past the plane
 * (it just shrank) is the edge.  plane_len 0 (unknown): pos itself,
 * clamped to kbd_len.
 */
uint32_t vgfb__vkbd_scale(uint32_t pos, uint32_t plane_len, uint32_t kbd_len);

/*
 * Queue one event that passed vgfb__input_event_valid().  plane_w/h: the
 * primary plane now; kbd_w/h: the range announced (each 1..INT32_MAX).
 * A horizontal wheel has no kbdif event: it is dropped (0).
 * @return 0, or -ENOSPC when a key found the queue full (dropped).
 */
int vgfb__vkbd_queue(struct vkbd_pending *p, const struct vgfb_input_event *ev,
		     uint32_t plane_w, uint32_t plane_h, uint32_t kbd_w,
		     uint32_t kbd_h);

/*
 * Write as many queued events as the in ring has room for.  *prod is the
 * backend's producer index, advanced by what was written.
 * @return the number written (0: nothing queued, or the ring is full: the
 *   rest waits for the next flush), or -EPROTO with a reason when in_cons
 *   is impossible (the frontend is broken or hostile; nothing is written).
 */
int vgfb__vkbd_flush(volatile void *page, struct vkbd_pending *p,
		     uint32_t *prod, char *why, size_t why_len);

/* Decode the in-ring slot idx (for tests and the fuzzer's checks). */
void vgfb__vkbd_read_slot(const volatile void *page, uint32_t idx,
			  struct vkbd_event *out);

#endif
