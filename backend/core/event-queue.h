/* SPDX-License-Identifier: MIT */
/*
 * A bounded, coalescing event queue: a slow consumer gets fewer, merged
 * events, never an unbounded backlog.  Used per context by the mediator and
 * per client by vgfbd.
 *
 * Coalescing rules, applied on push:
 * - FLIP for a (head, plane) replaces a queued FLIP of the same pair, which
 *   keeps its place; the newest frame_seq wins;
 * - DAMAGE for a (head, plane) merges into a queued DAMAGE of the same pair
 *   (bounding box);
 * - PLANE_CHANGED / PLANE_DISABLED for a (head, plane) drop queued FLIP,
 *   DAMAGE, PLANE_CHANGED and PLANE_DISABLED of that pair: a re-query
 *   supersedes them;
 * - GUEST_GONE drops everything else: nothing else matters any more;
 * - when the queue is full, everything collapses into one OVERFLOW (and a
 *   GUEST_GONE, if one was queued or pushed, is kept after it).
 */
#ifndef VGFB_EVENT_QUEUE_H
#define VGFB_EVENT_QUEUE_H

#include <stddef.h>
#include <vgfb/vgfb.h>

struct vgfb_event_queue;

int vgfb__evq_new(unsigned int capacity, struct vgfb_event_queue **out);
void vgfb__evq_free(struct vgfb_event_queue *q);
void vgfb__evq_push(struct vgfb_event_queue *q, const struct vgfb_event *ev);
int vgfb__evq_pop(struct vgfb_event_queue *q, struct vgfb_event *ev);
size_t vgfb__evq_len(const struct vgfb_event_queue *q);
void vgfb__evq_clear(struct vgfb_event_queue *q);

#endif
