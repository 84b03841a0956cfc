/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "cursor.h"
#include "format.h"
#include "tool-util.h"

#define KMS_CURSOR_MAX 256	/* vgfb validates cursor planes to this */

int
kms_parse_cursor_mode(const char *s, enum kms_cursor_mode *mode)
{
	static const char *const names[] = { "auto", "plane", "composite",
					     "off" };

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*mode = (enum kms_cursor_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Does a cursor plane serve the CRTC with index crtc_index?  1 yes, 0 no,
 * -1 unknown (no universal planes: the first SetCursor2 will tell).
 * Asked once at start, so that the first cursor the guest shows is drawn
 * the right way at once, not first missing and then composited.
 */
static int
probe_cursor_plane(int fd, uint32_t crtc_id)
{
	drmModePlaneResPtr pr;
	drmModeResPtr res;
	int crtc_index = -1, found = 0;

	res = drmModeGetResources(fd);
	for (int i = 0; res && i < res->count_crtcs; i++)
		if (res->crtcs[i] == crtc_id)
			crtc_index = i;
	drmModeFreeResources(res);
	if (crtc_index < 0 || crtc_index >= 32 ||
	    drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1))
		return -1;
	pr = drmModeGetPlaneResources(fd);
	for (uint32_t i = 0; pr && i < pr->count_planes && !found; i++) {
		drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(
			fd, pr->planes[i], DRM_MODE_OBJECT_PLANE);
		drmModePlanePtr p = drmModeGetPlane(fd, pr->planes[i]);

		for (uint32_t k = 0; p && props && k < props->count_props;
		     k++) {
			drmModePropertyPtr pp = drmModeGetProperty(
				fd, props->props[k]);

			if (pp && strcmp(pp->name, "type") == 0 &&
			    props->prop_values[k] == DRM_PLANE_TYPE_CURSOR &&
			    (p->possible_crtcs & (1u << crtc_index)))
				found = 1;
			drmModeFreeProperty(pp);
		}
		drmModeFreePlane(p);
		drmModeFreeObjectProperties(props);
	}
	drmModeFreePlaneResources(pr);
	/* back to the legacy view the rest of vgfb-kms uses */
	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 0);
	return pr ? found : -1;
}

void
kms_cursor_init(struct kms_cursor *c, int drm_fd, uint32_t crtc_id,
		enum kms_cursor_mode mode)
{
	uint64_t w = 64, h = 64;

	memset(c, 0, sizeof(*c));
	c->drm_fd = drm_fd;
	c->crtc_id = crtc_id;
	c->mode = mode;
	c->has_plane = mode == KMS_CURSOR_COMPOSITE || mode == KMS_CURSOR_OFF
			       ? 0 : probe_cursor_plane(drm_fd, crtc_id);
	drmGetCap(drm_fd, DRM_CAP_CURSOR_WIDTH, &w);
	drmGetCap(drm_fd, DRM_CAP_CURSOR_HEIGHT, &h);
	c->cap_w = w && w <= KMS_CURSOR_MAX ? (uint32_t)w : 64;
	c->cap_h = h && h <= KMS_CURSOR_MAX ? (uint32_t)h : 64;
}

static void
bo_free(struct kms_cursor *c)
{
	if (c->bo_map)
		munmap(c->bo_map, c->bo_size);
	if (c->bo_handle)
		drmModeDestroyDumbBuffer(c->drm_fd, c->bo_handle);
	c->bo_map = NULL;
	c->bo_handle = 0;
}

void
kms_cursor_fini(struct kms_cursor *c)
{
	kms_cursor_plane_hide(c);
	bo_free(c);
	free(c->argb);
	c->argb = NULL;
}

/* The guest's cursor image as ARGB8888 (opaque where it has no alpha). */
static int
take_image(struct kms_cursor *c, struct vgfb *ctx, uint32_t flag,
	   const struct vfio_device_gfx_plane_info *i)
{
	unsigned int cpp = vgfb_format_cpp(i->drm_format);
	struct plane_view view;
	uint32_t *argb;
	int rc;

	/* validated by the library; a lying daemon is not */
	if (!cpp || !i->width || !i->height || i->width > KMS_CURSOR_MAX ||
	    i->height > KMS_CURSOR_MAX || i->stride < i->width * cpp ||
	    (uint64_t)i->stride * i->height > i->size)
		return -EINVAL;
	argb = malloc((size_t)i->width * i->height * 4);
	if (!argb)
		return -ENOMEM;
	rc = tool_map_plane(ctx, flag, i, &view);
	if (rc) {
		free(argb);
		return rc;
	}
	tool_pixels_to_argb(i, view.addr, argb);
	tool_unmap_plane(&view);
	free(c->argb);
	c->argb = argb;
	return 0;
}

int
kms_cursor_query(struct kms_cursor *c, struct vgfb *ctx, uint32_t flag,
		 bool redrawn, bool *changed)
{
	struct vfio_device_gfx_plane_info i = {
		.argsz = sizeof(i),
		.flags = flag,
		.drm_plane_type = DRM_PLANE_TYPE_CURSOR,
	};
	bool same;
	int rc;

	*changed = false;
	if (c->mode == KMS_CURSOR_OFF)
		return 0;
	rc = vgfb_query_plane(ctx, &i);
	if (rc)
		return rc;
	if (!i.drm_format) {
		*changed = c->visible;
		c->visible = false;
		return 0;
	}
	same = c->visible && c->argb && c->id == i.dmabuf_id &&
	       c->width == i.width && c->height == i.height &&
	       c->format == i.drm_format;
	if (!same || redrawn) {
		rc = take_image(c, ctx, flag, &i);
		if (rc)
			return rc;
		c->image_new = true;
		*changed = true;
	}
	/* 0xFFFFFFFF: the guest gave no hotspot */
	if (c->hot_x != (i.x_hot < i.width ? i.x_hot : 0) ||
	    c->hot_y != (i.y_hot < i.height ? i.y_hot : 0))
		c->image_new = true;
	*changed |= !c->visible || c->pos_x != i.x_pos ||
		    c->pos_y != i.y_pos || c->image_new;
	c->visible = true;
	c->id = i.dmabuf_id;
	c->width = i.width;
	c->height = i.height;
	c->format = i.drm_format;
	c->hot_x = i.x_hot < i.width ? i.x_hot : 0;
	c->hot_y = i.y_hot < i.height ? i.y_hot : 0;
	c->pos_x = i.x_pos;
	c->pos_y = i.y_pos;
	return 0;
}

/* Where the cursor image's top left lands on the screen. */
static void
screen_origin(const struct kms_cursor *c, const struct kms_layout *l,
	      int64_t *x, int64_t *y)
{
	*x = (int64_t)c->pos_x - c->hot_x - l->src_x + l->dst_x;
	*y = (int64_t)c->pos_y - c->hot_y - l->src_y + l->dst_y;
}

static int
bo_make(struct kms_cursor *c)
{
	uint64_t offset;
	void *map;

	if (c->bo_handle)
		return 0;
	if (drmModeCreateDumbBuffer(c->drm_fd, c->cap_w, c->cap_h, 32, 0,
				    &c->bo_handle, &c->bo_pitch, &c->bo_size))
		return -errno;
	if (drmModeMapDumbBuffer(c->drm_fd, c->bo_handle, &offset))
		goto fail;
	map = mmap(NULL, c->bo_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   c->drm_fd, (off_t)offset);
	if (map == MAP_FAILED)
		goto fail;
	c->bo_map = map;
	return 0;

fail:
	bo_free(c);
	return -errno;
}

int
kms_cursor_plane_show(struct kms_cursor *c, const struct kms_layout *l)
{
	int64_t x, y;
	int rc;

	if (!c->visible) {
		kms_cursor_plane_hide(c);
		return 0;
	}
	if (c->has_plane == 0)
		return -ENXIO;
	if (c->width > c->cap_w || c->height > c->cap_h)
		return -ENXIO;	/* this one image goes to the copy path */
	if (c->image_new || !c->on_plane) {
		rc = bo_make(c);
		if (rc)
			return rc;
		memset(c->bo_map, 0, c->bo_size);
		for (uint32_t r = 0; r < c->height; r++)
			memcpy(c->bo_map + (size_t)r * c->bo_pitch,
			       c->argb + (size_t)r * c->width,
			       (size_t)c->width * 4);
		if (drmModeSetCursor2(c->drm_fd, c->crtc_id, c->bo_handle,
				      c->cap_w, c->cap_h, (int32_t)c->hot_x,
				      (int32_t)c->hot_y)) {
			rc = -errno;
			/* no cursor plane and no cursor hook: ENXIO */
			if (rc == -ENXIO || rc == -ENOSYS || rc == -EINVAL) {
				c->has_plane = 0;
				bo_free(c);
				return -ENXIO;
			}
			return rc;
		}
		c->has_plane = 1;
		c->image_new = false;
		c->on_plane = true;
	}
	screen_origin(c, l, &x, &y);
	if (x < -(int64_t)KMS_CURSOR_MAX || y < -(int64_t)KMS_CURSOR_MAX ||
	    x > 65535 || y > 65535)
		x = y = -(int64_t)KMS_CURSOR_MAX;	/* off screen */
	if (drmModeMoveCursor(c->drm_fd, c->crtc_id, (int)x, (int)y))
		return -errno;
	return 0;
}

void
kms_cursor_plane_hide(struct kms_cursor *c)
{
	if (c->on_plane)
		drmModeSetCursor(c->drm_fd, c->crtc_id, 0, 0, 0);
	c->on_plane = false;
}

bool
kms_cursor_wants_composite(const struct kms_cursor *c)
{
	if (!c->visible || c->mode == KMS_CURSOR_OFF)
		return false;
	if (c->mode == KMS_CURSOR_COMPOSITE || c->has_plane == 0)
		return true;
	/* a plane that cannot take this image */
	return c->width > c->cap_w || c->height > c->cap_h;
}

bool
kms_cursor_screen_rect(const struct kms_cursor *c, const struct kms_layout *l,
		       struct vgfb_rect *r)
{
	int64_t x, y, x2, y2;

	if (!kms_cursor_wants_composite(c) || !c->argb)
		return false;
	screen_origin(c, l, &x, &y);
	x2 = x + c->width;
	y2 = y + c->height;
	if (x < 0)
		x = 0;
	if (y < 0)
		y = 0;
	if (x2 > l->mode_w)
		x2 = l->mode_w;
	if (y2 > l->mode_h)
		y2 = l->mode_h;
	if (x2 <= x || y2 <= y)
		return false;
	*r = (struct vgfb_rect){ (uint32_t)x, (uint32_t)y, (uint32_t)(x2 - x),
				 (uint32_t)(y2 - y) };
	return true;
}

static uint32_t
blend(uint32_t dst, uint32_t src)
{
	uint32_t a = src >> 24, out = 0xff000000u;

	for (int shift = 0; shift < 24; shift += 8) {
		uint32_t s = (src >> shift) & 0xff, d = (dst >> shift) & 0xff;

		out |= ((s * a + d * (255 - a) + 127) / 255) << shift;
	}
	return out;
}

void
kms_cursor_composite(const struct kms_cursor *c, const struct kms_layout *l,
		     uint8_t *screen, uint32_t pitch,
		     const struct vgfb_rect *clip)
{
	struct vgfb_rect r;
	int64_t ox, oy;

	if (!kms_cursor_screen_rect(c, l, &r))
		return;
	screen_origin(c, l, &ox, &oy);
	for (uint64_t y = r.y; y < (uint64_t)r.y + r.height; y++) {
		uint32_t *row = (uint32_t *)(screen + y * pitch);

		if (y < clip->y || y >= (uint64_t)clip->y + clip->height)
			continue;
		for (uint64_t x = r.x; x < (uint64_t)r.x + r.width; x++) {
			if (x < clip->x || x >= (uint64_t)clip->x + clip->width)
				continue;
			row[x] = blend(row[x],
				       c->argb[(size_t)(y - oy) * c->width +
					       (size_t)(x - ox)]);
		}
	}
}
