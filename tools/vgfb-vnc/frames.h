/* SPDX-License-Identifier: MIT */
/*
 * The guest's primary plane as neatvnc frames: a dma-buf of a 32-bit
 * format is handed over as it is (zero copy); anything else is copied,
 * damage only, into XRGB8888 shadows.  A buffer stays mapped while
 * neatvnc holds a frame of it, however many guest changes later.
 */
#ifndef VGFB_VNC_FRAMES_H
#define VGFB_VNC_FRAMES_H

#include <stdint.h>
#include <vgfb/vgfb.h>

#include "stats.h"

struct nvnc_display;
struct vnc_frames;

/*
 * retry runs when a frame could not be shown for want of a free shadow
 * and one has just been freed: the caller shows the plane again (the
 * damage missed is remembered here).  It runs from inside neatvnc, so it
 * must only schedule that.
 */
struct vnc_frames *vnc_frames_new(struct nvnc_display *display,
				  struct vnc_stats *stats,
				  void (*retry)(void *data), void *data);

/*
 * Free f and its buffers.  Only when neatvnc holds none of its frames:
 * vgfb-vnc itself never tears neatvnc down (main.c) and never calls this;
 * tests do, to end leak-free.  Accepts NULL.
 */
void vnc_frames_free(struct vnc_frames *f);

/*
 * Show the enabled plane `info`, queried with `flag` (DMABUF or REGION)
 * together with `ext`, whose damage is what changed since the last call.
 * 0, or a negative errno (the plane is then not shown: -ENOENT when its
 * id went stale meanwhile, so query again).
 */
int vnc_frames_show(struct vnc_frames *f, struct vgfb *ctx, uint32_t flag,
		    const struct vfio_device_gfx_plane_info *info,
		    const struct vgfb_plane_ext *ext);

/* A black frame of the last size: the plane is disabled, viewers stay. */
int vnc_frames_black(struct vnc_frames *f);

#endif
