/* SPDX-License-Identifier: MIT */
/*
 * The guest's cursor plane as RFB's Cursor pseudo-encoding: image and
 * hotspot.  The encoding has no position (the viewer draws the cursor at
 * its own pointer), so a move alone sends nothing.
 */
#ifndef VGFB_VNC_CURSOR_H
#define VGFB_VNC_CURSOR_H

#include <stdbool.h>
#include <stdint.h>
#include <vgfb/vgfb.h>

struct nvnc;

struct vnc_cursor {
	bool shown;		/* an image was sent (else none or hidden) */
	uint32_t id, width, height, format, x_hot, y_hot;
};

/*
 * Query the cursor plane (flag: DMABUF or REGION) and send its image when
 * it differs from the last one sent, or when redrawn is true (the guest
 * drew into the same buffer).  0 or a negative errno.
 */
int vnc_cursor_update(struct vnc_cursor *c, struct nvnc *server,
		      struct vgfb *ctx, uint32_t flag, bool redrawn);

/* Forget what was sent (a new server knows nothing). */
void vnc_cursor_reset(struct vnc_cursor *c);

#endif
