/* SPDX-License-Identifier: MIT */
/*
 * The copy path, for a buffer or a driver that cannot scan out the guest's
 * dma-buf: two dumb buffers of the mode's size in XRGB8888, the one
 * format every KMS driver scans out.  Each update copies only what the
 * buffer being drawn has not seen yet (its own stale damage: this
 * update's and the ones it missed while on screen), converting the
 * guest's format, with black around a smaller guest image, and the cursor
 * composited where the device has no cursor plane.
 */
#ifndef VGFB_KMS_COPY_H
#define VGFB_KMS_COPY_H

#include <stdbool.h>
#include <stdint.h>
#include <vgfb/vgfb.h>

#include "cursor.h"
#include "layout.h"

struct kms_dumb {
	uint32_t handle, fb_id, pitch;
	uint64_t size;
	uint8_t *map;
	struct kms_damage stale;
	bool cursor_drawn;	/* where the cursor was drawn into it */
	struct vgfb_rect cursor_rect;
};

struct kms_copy_source {
	int fd;
	void *addr;
	size_t size;
	bool is_dmabuf;
	uint32_t flag, id;
};

struct kms_copy {
	int drm_fd;
	uint32_t width, height;	/* 0: no buffers yet */
	struct kms_dumb buf[2];
	int back;		/* the buffer drawn next */
	struct kms_copy_source src;
	uint64_t bytes_copied;	/* from the guest's buffer, all updates */
	uint64_t bytes_filled;	/* black written */
	uint64_t updates;
};

void kms_copy_init(struct kms_copy *c, int drm_fd);
void kms_copy_fini(struct kms_copy *c);

/* Two dumb buffers of w x h (again when the size changed), all stale. */
int kms_copy_resize(struct kms_copy *c, uint32_t w, uint32_t h);

/* A screen rectangle changed: stale in both buffers. */
void kms_copy_damage(struct kms_copy *c, const struct vgfb_rect *screen);
void kms_copy_damage_all(struct kms_copy *c);

/*
 * Draw into the back buffer what it lacks: from the enabled plane `info`
 * (queried with flag DMABUF or REGION) placed by `l`, or black when info
 * is NULL; then the cursor when it is composited (cursor may be NULL).
 * *fb_id is the buffer to show; *bytes what this update copied.  Call
 * kms_copy_shown() once it is on screen (or flipping there).
 */
int kms_copy_draw(struct kms_copy *c, struct vgfb *ctx,
		  const struct vfio_device_gfx_plane_info *info,
		  uint32_t flag, const struct kms_layout *l,
		  const struct kms_cursor *cursor, uint32_t *fb_id,
		  uint64_t *bytes);
void kms_copy_shown(struct kms_copy *c);

/* Let go of the guest's buffer (guest gone, or import path now). */
void kms_copy_drop_source(struct kms_copy *c);

#endif
