/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <drm_fourcc.h>
#include <neatvnc.h>
#include <xf86drmMode.h>	/* DRM_PLANE_TYPE_* */

#include "cursor.h"
#include "format.h"
#include "tool-util.h"

static bool
same_image(const struct vnc_cursor *c,
	   const struct vfio_device_gfx_plane_info *i)
{
	return c->shown && c->id == i->dmabuf_id && c->width == i->width &&
	       c->height == i->height && c->format == i->drm_format &&
	       c->x_hot == i->x_hot && c->y_hot == i->y_hot;
}

/* A copy in ARGB8888, the one cursor format every neatvnc encoder takes. */
static struct nvnc_fb *
to_argb(const struct vfio_device_gfx_plane_info *i, const uint8_t *src)
{
	struct nvnc_fb *fb;

	fb = nvnc_fb_new((uint16_t)i->width, (uint16_t)i->height,
			 DRM_FORMAT_ARGB8888, (uint16_t)i->width);
	if (!fb)
		return NULL;
	tool_pixels_to_argb(i, src, nvnc_fb_get_addr(fb));
	return fb;
}

int
vnc_cursor_update(struct vnc_cursor *c, struct nvnc *server,
		  struct vgfb *ctx, uint32_t flag, bool redrawn)
{
	struct vfio_device_gfx_plane_info i = {
		.argsz = sizeof(i),
		.flags = flag,
		.drm_plane_type = DRM_PLANE_TYPE_CURSOR,
	};
	struct plane_view view;
	struct nvnc_fb *fb;
	uint32_t hx, hy;
	int rc;

	rc = vgfb_query_plane(ctx, &i);
	if (rc)
		return rc;
	if (!i.drm_format) {
		if (c->shown)
			nvnc_set_cursor(server, NULL, 0, 0, 0, 0, true);
		c->shown = false;
		return 0;
	}
	if (!redrawn && same_image(c, &i))
		return 0;
	/* validated by the library to 256 x 256; a lying daemon is not */
	if (!vgfb_format_cpp(i.drm_format) || !i.width || !i.height ||
	    i.width > 256 || i.height > 256 ||
	    i.stride < i.width * vgfb_format_cpp(i.drm_format) ||
	    (uint64_t)i.stride * i.height > i.size)
		return -EINVAL;
	rc = tool_map_plane(ctx, flag, &i, &view);
	if (rc)
		return rc;
	fb = to_argb(&i, view.addr);
	tool_unmap_plane(&view);
	if (!fb)
		return -ENOMEM;
	hx = i.x_hot < i.width ? i.x_hot : 0;	/* 0xFFFFFFFF: unknown */
	hy = i.y_hot < i.height ? i.y_hot : 0;
	nvnc_set_cursor(server, fb, (uint16_t)i.width, (uint16_t)i.height,
			(uint16_t)hx, (uint16_t)hy, true);
	nvnc_fb_unref(fb);	/* the server holds its own reference */
	*c = (struct vnc_cursor){
		.shown = true, .id = i.dmabuf_id, .width = i.width,
		.height = i.height, .format = i.drm_format,
		.x_hot = i.x_hot, .y_hot = i.y_hot,
	};
	return 0;
}

void
vnc_cursor_reset(struct vnc_cursor *c)
{
	memset(c, 0, sizeof(*c));
}
