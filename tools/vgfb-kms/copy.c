/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "copy.h"
#include "fd-size.h"
#include "format.h"
#include "tool-util.h"

void
kms_copy_init(struct kms_copy *c, int drm_fd)
{
	memset(c, 0, sizeof(*c));
	c->drm_fd = drm_fd;
	c->src.fd = -1;
}

static void
dumb_free(int drm_fd, struct kms_dumb *b)
{
	if (b->fb_id)
		drmModeRmFB(drm_fd, b->fb_id);
	if (b->map)
		munmap(b->map, b->size);
	if (b->handle)
		drmModeDestroyDumbBuffer(drm_fd, b->handle);
	memset(b, 0, sizeof(*b));
}

static int
dumb_make(int drm_fd, struct kms_dumb *b, uint32_t w, uint32_t h)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	uint64_t offset;
	void *map;
	int rc;

	memset(b, 0, sizeof(*b));
	if (drmModeCreateDumbBuffer(drm_fd, w, h, 32, 0, &b->handle,
				    &b->pitch, &b->size))
		return -errno;
	handles[0] = b->handle;
	pitches[0] = b->pitch;
	if (drmModeAddFB2(drm_fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches,
			  offsets, &b->fb_id, 0) ||
	    drmModeMapDumbBuffer(drm_fd, b->handle, &offset))
		goto fail;
	map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, drm_fd,
		   (off_t)offset);
	if (map == MAP_FAILED)
		goto fail;
	b->map = map;
	kms_damage_all(&b->stale);
	return 0;

fail:
	rc = -errno;
	dumb_free(drm_fd, b);
	return rc;
}

void
kms_copy_drop_source(struct kms_copy *c)
{
	if (c->src.addr)
		munmap(c->src.addr, c->src.size);
	if (c->src.fd >= 0)
		close(c->src.fd);
	memset(&c->src, 0, sizeof(c->src));
	c->src.fd = -1;
}

void
kms_copy_fini(struct kms_copy *c)
{
	kms_copy_drop_source(c);
	dumb_free(c->drm_fd, &c->buf[0]);
	dumb_free(c->drm_fd, &c->buf[1]);
	c->width = c->height = 0;
}

int
kms_copy_resize(struct kms_copy *c, uint32_t w, uint32_t h)
{
	int rc;

	if (c->width == w && c->height == h)
		return 0;
	dumb_free(c->drm_fd, &c->buf[0]);
	dumb_free(c->drm_fd, &c->buf[1]);
	c->width = c->height = 0;
	rc = dumb_make(c->drm_fd, &c->buf[0], w, h);
	if (!rc)
		rc = dumb_make(c->drm_fd, &c->buf[1], w, h);
	if (rc) {
		dumb_free(c->drm_fd, &c->buf[0]);
		return rc;
	}
	c->width = w;
	c->height = h;
	c->back = 0;
	return 0;
}

void
kms_copy_damage(struct kms_copy *c, const struct vgfb_rect *screen)
{
	for (int i = 0; i < 2; i++)
		kms_damage_add(&c->buf[i].stale, screen, c->width, c->height);
}

void
kms_copy_damage_all(struct kms_copy *c)
{
	kms_damage_all(&c->buf[0].stale);
	kms_damage_all(&c->buf[1].stale);
}

/* The guest's buffer for `info`, mapped read-only (kept while unchanged). */
static int
source_map(struct kms_copy *c, struct vgfb *ctx, uint32_t flag,
	   const struct vfio_device_gfx_plane_info *info)
{
	bool dmabuf = flag == VFIO_GFX_PLANE_TYPE_DMABUF;
	uint32_t id = dmabuf ? info->dmabuf_id : info->region_index;
	void *addr;
	int fd, rc;

	if (c->src.addr && c->src.flag == flag && c->src.id == id &&
	    c->src.size == info->size)
		return 0;
	kms_copy_drop_source(c);
	fd = dmabuf ? vgfb_get_gfx_dmabuf(ctx, id)
		    : vgfb_get_region_fd(ctx, id);
	if (fd < 0)
		return fd;
	rc = tool_fd_holds(fd, info->size, dmabuf);
	if (rc) {
		close(fd);
		return rc;
	}
	addr = mmap(NULL, info->size, PROT_READ, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED) {
		rc = -errno;
		close(fd);
		return rc;
	}
	c->src = (struct kms_copy_source){
		.fd = fd, .addr = addr, .size = info->size,
		.is_dmabuf = dmabuf, .flag = flag, .id = id,
	};
	return 0;
}

static void
fill_black(struct kms_dumb *b, const struct vgfb_rect *r)
{
	for (uint32_t y = r->y; y < r->y + r->height; y++)
		memset(b->map + (size_t)y * b->pitch + (size_t)r->x * 4, 0,
		       (size_t)r->width * 4);
}

/* Guest pixels of `info` from (sx, sy) into the screen rectangle r. */
static void
copy_pixels(struct kms_dumb *b, const uint8_t *src,
	    const struct vfio_device_gfx_plane_info *info, uint32_t sx,
	    uint32_t sy, const struct vgfb_rect *r)
{
	unsigned int cpp = vgfb_format_cpp(info->drm_format);
	bool direct = info->drm_format == DRM_FORMAT_XRGB8888 ||
		      info->drm_format == DRM_FORMAT_ARGB8888;

	for (uint32_t j = 0; j < r->height; j++) {
		const uint8_t *in = src + (size_t)(sy + j) * info->stride +
				    (size_t)sx * cpp;
		uint8_t *out = b->map + (size_t)(r->y + j) * b->pitch +
			       (size_t)r->x * 4;

		if (direct) {
			memcpy(out, in, (size_t)r->width * 4);
			continue;
		}
		for (uint32_t i = 0; i < r->width; i++) {
			uint8_t p[4];

			vgfb_pixel_unpack(info->drm_format, in + (size_t)i * cpp,
					  p);
			vgfb_pixel_pack(DRM_FORMAT_XRGB8888, p, out + i * 4);
		}
	}
}

/* One stale screen rectangle: guest pixels inside, black outside. */
static void
redraw(struct kms_copy *c, struct kms_dumb *b, const uint8_t *src,
       const struct vfio_device_gfx_plane_info *info,
       const struct kms_layout *l, const struct vgfb_rect *r)
{
	struct vgfb_rect inside, border[4];
	uint32_t sx = 0, sy = 0;
	bool has_inside = false;
	unsigned int n = 0;

	if (src)
		n = kms_layout_split(l, r, &inside, &has_inside, &sx, &sy,
				     border);
	else
		border[n++] = *r;
	for (unsigned int i = 0; i < n; i++) {
		fill_black(b, &border[i]);
		c->bytes_filled += (uint64_t)border[i].width *
				   border[i].height * 4;
	}
	if (has_inside) {
		copy_pixels(b, src, info, sx, sy, &inside);
		c->bytes_copied += (uint64_t)inside.width * inside.height *
				   vgfb_format_cpp(info->drm_format);
	}
}

int
kms_copy_draw(struct kms_copy *c, struct vgfb *ctx,
	      const struct vfio_device_gfx_plane_info *info, uint32_t flag,
	      const struct kms_layout *l, const struct kms_cursor *cursor,
	      uint32_t *fb_id, uint64_t *bytes)
{
	struct kms_dumb *b = &c->buf[c->back];
	uint64_t before = c->bytes_copied;
	struct vgfb_rect all = { 0, 0, c->width, c->height }, cr;
	const uint8_t *src = NULL;
	bool cursor_on;
	int rc;

	if (!c->width)
		return -EINVAL;
	if (info) {
		rc = source_map(c, ctx, flag, info);
		if (rc)
			return rc;
		src = c->src.addr;
	}
	/* the cursor's old place in this buffer, and its new one */
	if (b->cursor_drawn)
		kms_damage_add(&b->stale, &b->cursor_rect, c->width, c->height);
	cursor_on = cursor && kms_cursor_screen_rect(cursor, l, &cr);
	if (cursor_on)
		kms_damage_add(&b->stale, &cr, c->width, c->height);

	if (src && c->src.is_dmabuf)
		tool_dmabuf_sync(c->src.fd, DMA_BUF_SYNC_START);
	if (b->stale.all) {
		redraw(c, b, src, info, l, &all);
	} else {
		for (unsigned int i = 0; i < b->stale.n; i++)
			redraw(c, b, src, info, l, &b->stale.r[i]);
	}
	if (src && c->src.is_dmabuf)
		tool_dmabuf_sync(c->src.fd, DMA_BUF_SYNC_END);
	kms_damage_clear(&b->stale);

	b->cursor_drawn = cursor_on;
	if (cursor_on) {
		kms_cursor_composite(cursor, l, b->map, b->pitch, &cr);
		b->cursor_rect = cr;
	}
	c->updates++;
	*fb_id = b->fb_id;
	*bytes = c->bytes_copied - before;
	return 0;
}

void
kms_copy_shown(struct kms_copy *c)
{
	c->back = !c->back;
}
