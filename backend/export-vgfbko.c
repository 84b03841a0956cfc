/* SPDX-License-Identifier: MIT */
/* Placeholder until the vgfb.ko rung lands (issue 4): always unavailable. */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "private.h"

static int
vgfbko_probe(struct vgfb_local *m, void **priv, char *why, size_t why_len)
{
	snprintf(why, why_len, "vgfb.ko support is not built yet");
	return -ENODEV;
}

static bool
vgfbko_supports(void *priv, enum vgfb_backing_kind kind)
{
	return false;
}

static int
vgfbko_export(void *priv, const struct vgfb_backing *b)
{
	return -ENOTSUP;
}

const struct vgfb_exporter_ops vgfb__exporter_vgfbko = {
	.name = "vgfb",
	.is_dmabuf = true,
	.probe = vgfbko_probe,
	.supports = vgfbko_supports,
	.export = vgfbko_export,
};
