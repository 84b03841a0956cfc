/* SPDX-License-Identifier: MIT */
/*
 * Damage accumulated for one plane between two queries: up to
 * VGFB_MAX_DAMAGE rectangles, or "all" once they overflow or something
 * other than a rectangle changed (a flip, a new mode).  Used by the local
 * mediator (per plane) and by vgfbd (per plane and client).
 */
#ifndef VGFB_DAMAGE_H
#define VGFB_DAMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <vgfb/vgfb.h>

struct vgfb_damage {
	bool all;
	uint32_t n;
	struct vgfb_rect rect[VGFB_MAX_DAMAGE];
};

/* Everything changed. */
void vgfb__damage_all(struct vgfb_damage *d);

/* One rectangle changed; empty ones are dropped. */
void vgfb__damage_add_rect(struct vgfb_damage *d, const struct vgfb_rect *r);

/* Merge what an extended query reported (ext->damage, or all). */
void vgfb__damage_add_ext(struct vgfb_damage *d,
			  const struct vgfb_plane_ext *ext);

/* Hand the damage to an extended query's answer and start afresh. */
void vgfb__damage_take(struct vgfb_damage *d, struct vgfb_plane_ext *ext);

#endif
