/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "event-queue.h"

struct vgfb_event_queue {
	unsigned int capacity;
	unsigned int len;
	struct vgfb_event *ev;	/* oldest first; small, so arrays suffice */
};

int
vgfb__evq_new(unsigned int capacity, struct vgfb_event_queue **out)
{
	struct vgfb_event_queue *q;

	if (capacity < 2 || capacity > 4096)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->ev = calloc(capacity, sizeof(*q->ev));
	if (!q->ev) {
		free(q);
		return -ENOMEM;
	}
	q->capacity = capacity;
	*out = q;
	return 0;
}

void
vgfb__evq_free(struct vgfb_event_queue *q)
{
	if (!q)
		return;
	free(q->ev);
	free(q);
}

static bool
same_plane(const struct vgfb_event *a, const struct vgfb_event *b)
{
	return a->head == b->head && a->drm_plane_type == b->drm_plane_type;
}

static void
remove_at(struct vgfb_event_queue *q, unsigned int i)
{
	memmove(&q->ev[i], &q->ev[i + 1], (q->len - i - 1) * sizeof(*q->ev));
	q->len--;
}

static void
remove_if(struct vgfb_event_queue *q,
	  bool (*match)(const struct vgfb_event *queued,
			const struct vgfb_event *pushed),
	  const struct vgfb_event *pushed)
{
	for (unsigned int i = 0; i < q->len;) {
		if (match(&q->ev[i], pushed))
			remove_at(q, i);
		else
			i++;
	}
}

static bool
superseded_by_change(const struct vgfb_event *queued,
		     const struct vgfb_event *pushed)
{
	return same_plane(queued, pushed) &&
	       (queued->type == VGFB_EVENT_FLIP ||
		queued->type == VGFB_EVENT_DAMAGE ||
		queued->type == VGFB_EVENT_PLANE_CHANGED ||
		queued->type == VGFB_EVENT_PLANE_DISABLED);
}

static bool
anything(const struct vgfb_event *queued, const struct vgfb_event *pushed)
{
	return true;
}

static struct vgfb_event *
find(struct vgfb_event_queue *q, uint32_t type, const struct vgfb_event *ev)
{
	for (unsigned int i = 0; i < q->len; i++)
		if (q->ev[i].type == type && same_plane(&q->ev[i], ev))
			return &q->ev[i];
	return NULL;
}

static void
merge_rect(struct vgfb_rect *into, const struct vgfb_rect *r)
{
	uint64_t x0 = into->x < r->x ? into->x : r->x;
	uint64_t y0 = into->y < r->y ? into->y : r->y;
	uint64_t x1a = (uint64_t)into->x + into->width;
	uint64_t x1b = (uint64_t)r->x + r->width;
	uint64_t y1a = (uint64_t)into->y + into->height;
	uint64_t y1b = (uint64_t)r->y + r->height;
	uint64_t x1 = x1a > x1b ? x1a : x1b;
	uint64_t y1 = y1a > y1b ? y1a : y1b;

	into->x = (uint32_t)x0;
	into->y = (uint32_t)y0;
	into->width = (uint32_t)(x1 - x0 > UINT32_MAX ? UINT32_MAX : x1 - x0);
	into->height = (uint32_t)(y1 - y0 > UINT32_MAX ? UINT32_MAX : y1 - y0);
}

static void
append(struct vgfb_event_queue *q, const struct vgfb_event *ev)
{
	bool gone = false;

	if (q->len < q->capacity) {
		q->ev[q->len++] = *ev;
		return;
	}
	/* Full: collapse into OVERFLOW, keeping a GUEST_GONE if any. */
	for (unsigned int i = 0; i < q->len; i++)
		gone |= q->ev[i].type == VGFB_EVENT_GUEST_GONE;
	gone |= ev->type == VGFB_EVENT_GUEST_GONE;
	q->len = 0;
	memset(&q->ev[0], 0, sizeof(q->ev[0]));
	q->ev[q->len++].type = VGFB_EVENT_OVERFLOW;
	if (gone) {
		memset(&q->ev[1], 0, sizeof(q->ev[1]));
		q->ev[q->len++].type = VGFB_EVENT_GUEST_GONE;
	}
}

void
vgfb__evq_push(struct vgfb_event_queue *q, const struct vgfb_event *ev)
{
	struct vgfb_event *old;

	switch (ev->type) {
	case VGFB_EVENT_FLIP:
		old = find(q, VGFB_EVENT_FLIP, ev);
		if (old) {
			if (ev->frame_seq > old->frame_seq)
				old->frame_seq = ev->frame_seq;
			return;
		}
		break;
	case VGFB_EVENT_DAMAGE:
		old = find(q, VGFB_EVENT_DAMAGE, ev);
		if (old) {
			merge_rect(&old->rect, &ev->rect);
			if (ev->frame_seq > old->frame_seq)
				old->frame_seq = ev->frame_seq;
			return;
		}
		break;
	case VGFB_EVENT_PLANE_CHANGED:
	case VGFB_EVENT_PLANE_DISABLED:
		remove_if(q, superseded_by_change, ev);
		break;
	case VGFB_EVENT_GUEST_GONE:
		remove_if(q, anything, ev);
		break;
	case VGFB_EVENT_OVERFLOW:
		if (q->len && q->ev[q->len - 1].type == VGFB_EVENT_OVERFLOW)
			return;
		break;
	default:
		return;		/* unknown types are never queued */
	}
	append(q, ev);
}

int
vgfb__evq_pop(struct vgfb_event_queue *q, struct vgfb_event *ev)
{
	if (!q->len)
		return -EAGAIN;
	*ev = q->ev[0];
	remove_at(q, 0);
	return 0;
}

size_t
vgfb__evq_len(const struct vgfb_event_queue *q)
{
	return q->len;
}

void
vgfb__evq_clear(struct vgfb_event_queue *q)
{
	q->len = 0;
}
