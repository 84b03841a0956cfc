/* SPDX-License-Identifier: MIT */
/*
 * The bottom rung of the exporter ladder: a live, read-only view of one
 * plane for hosts without any dma-buf exporter (VFIO's REGION answer).
 *
 * One memfd per plane id, exactly the plane's size.  vgfb keeps the only
 * writable mapping of it; everyone else gets fds of the same file sealed
 * with F_SEAL_FUTURE_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL,
 * so no consumer can write it, resize it or change the seals, whichever
 * way it reopens the file.  The view is brought up to date by copying
 * only what changed (damage rectangles, or everything after a flip or a
 * mode change): an unchanged plane costs no copy at all.
 *
 * This module knows memfds and bytes, nothing of guests: the caller says
 * what changed and hands in the plane's source bytes when it syncs.
 */
#ifndef VGFB_REGION_H
#define VGFB_REGION_H

#include <stdbool.h>
#include <stdint.h>
#include <vgfb/vgfb.h>

/* A validated plane's layout (validate.c has checked every number). */
struct vgfb_region_geom {
	uint32_t width, height;	/* pixels */
	uint32_t stride;	/* bytes per row, >= width * cpp */
	uint32_t cpp;		/* bytes per pixel */
	uint64_t size;		/* bytes, >= stride * height, page multiple */
};

struct vgfb_region;

/* 0 when this kernel can make such views; else -errno and a reason. */
int vgfb__region_probe(char *why, size_t why_len);

/* A view of g->size bytes, filled from src (which holds that many). */
int vgfb__region_new(const struct vgfb_region_geom *g, const void *src,
		     struct vgfb_region **out);
void vgfb__region_free(struct vgfb_region *r);

/* A new O_CLOEXEC fd of the view's file, owned by the caller. */
int vgfb__region_fd(const struct vgfb_region *r);

/*
 * What changed in the source since the last sync.  Rectangles are
 * guest-supplied: the parts outside the plane are ignored.  NULL: all.
 */
void vgfb__region_damage(struct vgfb_region *r, const struct vgfb_rect *rect);

/* Is there anything to copy? */
bool vgfb__region_pending(const struct vgfb_region *r);

/* Copy what changed from src (g->size bytes) into the view: bytes copied. */
uint64_t vgfb__region_sync(struct vgfb_region *r, const void *src);

#endif
