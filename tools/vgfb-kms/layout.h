/* SPDX-License-Identifier: MIT */
/*
 * vgfb-kms's geometry, with no DRM and no guest in it (unit-tested alone,
 * tests/test-kms-layout.c): which mode to drive, where the guest's image
 * lands on it, and the damage each of the copy path's two buffers still
 * lacks.
 */
#ifndef VGFB_KMS_LAYOUT_H
#define VGFB_KMS_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <vgfb/vgfb.h>

/* ---- the mode ---- */

enum kms_mode_policy {
	KMS_MODE_PREFERRED,	/* the connector's preferred mode */
	KMS_MODE_GUEST,		/* a mode of the guest's size, else preferred */
	KMS_MODE_SIZE,		/* a mode of an explicit size, else an error */
};

/* The size and flags of one connector mode: what the choice looks at. */
struct kms_mode_desc {
	uint32_t width, height;
	bool preferred;
};

/*
 * "preferred", "guest" or "WxH" (each side 1..16384).  0, or -EINVAL.
 */
int kms_parse_mode_policy(const char *s, enum kms_mode_policy *policy,
			  uint32_t *width, uint32_t *height);

/*
 * The index of the mode to drive among modes[0..n-1]: for KMS_MODE_SIZE
 * and KMS_MODE_GUEST the first of the asked size (want_w x want_h: the
 * explicit size, or the guest's), else, for the other two, the first
 * preferred one, else modes[0].  -ENOENT when n is 0, or when
 * KMS_MODE_SIZE finds no mode of that size.
 */
int kms_pick_mode(const struct kms_mode_desc *modes, unsigned int n,
		  enum kms_mode_policy policy, uint32_t want_w,
		  uint32_t want_h);

/*
 * A connector's name as the kernel's sysfs and tools such as modetest
 * spell it: "VGA-1", "Virtual-1", "HDMI-A-2".  Unknown types are
 * "Unknown<type>-<id>".
 */
void kms_connector_name(uint32_t type, uint32_t type_id, char *out,
			size_t len);

/* ---- the guest's image on the screen ---- */

/*
 * A guest image of gw x gh shown on a mode of mw x mh without scaling:
 * centred, with black borders where it is smaller (letterbox) and its
 * centre part shown where it is larger.  Guest pixel (src_x + i, src_y + j)
 * lands on screen pixel (dst_x + i, dst_y + j) for i < w, j < h.
 */
struct kms_layout {
	uint32_t mode_w, mode_h;
	uint32_t guest_w, guest_h;
	uint32_t src_x, src_y;
	uint32_t dst_x, dst_y;
	uint32_t w, h;
};

void kms_layout_compute(struct kms_layout *l, uint32_t mode_w,
			uint32_t mode_h, uint32_t guest_w, uint32_t guest_h);

/* The guest image covers the whole screen, pixel for pixel. */
bool kms_layout_is_identity(const struct kms_layout *l);

/*
 * A guest rectangle (damage) on the screen, clipped to what is shown.
 * false when none of it is shown.
 */
bool kms_layout_to_screen(const struct kms_layout *l,
			  const struct vgfb_rect *guest,
			  struct vgfb_rect *screen);

/*
 * A screen rectangle split into the part that shows guest pixels (*inside,
 * with its guest origin in *src_x and *src_y; false when there is none) and
 * up to four border parts that are black (returned count, into border[]).
 */
unsigned int kms_layout_split(const struct kms_layout *l,
			      const struct vgfb_rect *screen,
			      struct vgfb_rect *inside, bool *has_inside,
			      uint32_t *src_x, uint32_t *src_y,
			      struct vgfb_rect border[4]);

/* ---- damage a buffer has not seen yet ---- */

#define KMS_DAMAGE_MAX 16

/*
 * Screen rectangles that are stale in one buffer, or `all`.  More than
 * KMS_DAMAGE_MAX rectangles become `all`.
 */
struct kms_damage {
	bool all;
	unsigned int n;
	struct vgfb_rect r[KMS_DAMAGE_MAX];
};

void kms_damage_clear(struct kms_damage *d);
void kms_damage_all(struct kms_damage *d);
/* Add a screen rectangle, clipped to mode_w x mode_h; empty ones vanish. */
void kms_damage_add(struct kms_damage *d, const struct vgfb_rect *r,
		    uint32_t mode_w, uint32_t mode_h);
/* Pixels the list covers, overlaps counted twice (an upper bound). */
uint64_t kms_damage_area(const struct kms_damage *d, uint32_t mode_w,
			 uint32_t mode_h);

#endif
