/* SPDX-License-Identifier: MIT */
/*
 * The pass-through rung: a platform that holds a ready-made dma-buf
 * (ACRN: the udmabuf acrn-dm built for a blob scanout) hands consumers a
 * new fd of that same dma-buf, zero copy and no kernel help needed.
 *
 * Only for a plane that starts at offset 0 of its dma-buf: the VFIO plane
 * record has no offset field, so a consumer importing the fd would read
 * the plane from the wrong place.  Such planes are refused as DMABUF at
 * query time (mediator.c) and served as REGION (docs/design.md).
 */
#include "config.h"

#include <errno.h>

#include "exporter.h"

static int
dmabuf_probe(struct vgfb_local *m, void **priv, char *why, size_t why_len)
{
	*priv = NULL;
	return 0;
}

static bool
dmabuf_supports(void *priv, const struct vgfb_backing *b)
{
	return b->kind == VGFB_BACKING_DMABUF && b->dmabuf.offset == 0;
}

static int
dmabuf_export(void *priv, const struct vgfb_backing *b)
{
	if (!dmabuf_supports(priv, b))
		return -ENOTSUP;
	return vgfb__dup_cloexec(b->dmabuf.fd);
}

const struct vgfb_exporter_ops vgfb__exporter_dmabuf = {
	.name = "dmabuf",
	.probe = dmabuf_probe,
	.supports = dmabuf_supports,
	.export = dmabuf_export,
};
