/* SPDX-License-Identifier: MIT */
/*
 * The guest's cursor plane on the display: on the device's cursor plane
 * (SetCursor2 with the hotspot, MoveCursor) where the driver has one, or
 * as an ARGB8888 image the copy path composites over the frame.
 */
#ifndef VGFB_KMS_CURSOR_H
#define VGFB_KMS_CURSOR_H

#include <stdbool.h>
#include <stdint.h>
#include <vgfb/vgfb.h>

#include "layout.h"

enum kms_cursor_mode {
	KMS_CURSOR_AUTO,	/* the plane where there is one, else composite */
	KMS_CURSOR_PLANE,
	KMS_CURSOR_COMPOSITE,
	KMS_CURSOR_OFF,
};

struct kms_cursor {
	int drm_fd;
	uint32_t crtc_id;
	enum kms_cursor_mode mode;
	/* the device's cursor plane: -1 unknown, 0 none, 1 works */
	int has_plane;
	uint32_t cap_w, cap_h;	/* DRM_CAP_CURSOR_WIDTH/HEIGHT */
	uint32_t bo_handle, bo_pitch;
	uint64_t bo_size;
	uint8_t *bo_map;
	bool on_plane;		/* shown there now */
	/* the guest's cursor */
	bool visible;
	uint32_t id, width, height, format, hot_x, hot_y;
	uint32_t pos_x, pos_y;	/* the hotspot, in guest pixels */
	uint32_t *argb;		/* width * height, premultiplied: no */
	bool image_new;		/* not yet on the plane */
};

int kms_parse_cursor_mode(const char *s, enum kms_cursor_mode *mode);

void kms_cursor_init(struct kms_cursor *c, int drm_fd, uint32_t crtc_id,
		     enum kms_cursor_mode mode);
void kms_cursor_fini(struct kms_cursor *c);

/*
 * Query the guest's cursor plane (flag: DMABUF or REGION) and take its
 * image when it changed or `redrawn`.  *changed says whether what is to
 * be shown changed.  0, or a negative errno (-ENODEV: the guest is gone).
 */
int kms_cursor_query(struct kms_cursor *c, struct vgfb *ctx, uint32_t flag,
		     bool redrawn, bool *changed);

/*
 * Show the cursor on the device's plane, placed by the layout, or hide it
 * there.  -ENXIO (and has_plane 0) when the driver has no cursor plane,
 * or the image does not fit it.
 */
int kms_cursor_plane_show(struct kms_cursor *c, const struct kms_layout *l);
void kms_cursor_plane_hide(struct kms_cursor *c);

/* Should the copy path draw the cursor into the frame? */
bool kms_cursor_wants_composite(const struct kms_cursor *c);

/* The screen rectangle the cursor covers; false when nothing is drawn. */
bool kms_cursor_screen_rect(const struct kms_cursor *c,
			    const struct kms_layout *l, struct vgfb_rect *r);

/* Blend the cursor over an XRGB8888 screen buffer, inside `clip` only. */
void kms_cursor_composite(const struct kms_cursor *c,
			  const struct kms_layout *l, uint8_t *screen,
			  uint32_t pitch, const struct vgfb_rect *clip);

#endif
