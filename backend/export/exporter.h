/* SPDX-License-Identifier: MIT */
/*
 * The exporter ladder: what turns a validated backing (platform.h) into a
 * dma-buf fd.  The mediator tries these rungs top first (vgfb.ko,
 * udmabuf, and the pass-through of a platform's own dma-bufs); below them
 * is the region floor (region.h), a live CPU view that every host can
 * make.
 */
#ifndef VGFB_EXPORTER_H
#define VGFB_EXPORTER_H

#include "platform.h"

struct vgfb_exporter_ops {
	const char *name;	/* "vgfb", "udmabuf" */
	/* 0 when usable here; else -errno and a reason in why. */
	int (*probe)(struct vgfb_local *m, void **priv, char *why,
		     size_t why_len);
	void (*release)(void *priv);
	/* Can this rung export b?  (Its kind, and for DMABUF its offset.) */
	bool (*supports)(void *priv, const struct vgfb_backing *b);
	/* A new O_CLOEXEC fd exporting exactly b->size bytes of b. */
	int (*export)(void *priv, const struct vgfb_backing *b);
};

extern const struct vgfb_exporter_ops vgfb__exporter_vgfbko;
extern const struct vgfb_exporter_ops vgfb__exporter_udmabuf;
extern const struct vgfb_exporter_ops vgfb__exporter_dmabuf;

#endif
