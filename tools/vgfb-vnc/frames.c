/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <linux/dma-buf.h>
#include <neatvnc.h>
#include <pixman.h>

#include "fd-size.h"
#include "format.h"
#include "frames.h"
#include "net-guard.h"
#include "tool-util.h"

/*
 * neatvnc holds at most one frame for the display and one per viewer
 * being encoded; one more is being written.  Anything beyond that is a
 * viewer neatvnc has not finished closing: the frame waits (retry).
 */
#define MAX_SHADOWS (VNC_MAX_CONNECTIONS + 2)
/* dma-buf mappings kept while idle: double or triple buffering */
#define KEEP_MAPPINGS 4

enum buf_kind {
	BUF_DMABUF,	/* a mapped dma-buf of the guest's (read only) */
	BUF_SHADOW,	/* our XRGB8888 copy */
};

struct frame_buf {
	struct frame_buf *next;
	struct vnc_frames *owner;
	enum buf_kind kind;
	uint32_t id;		/* BUF_DMABUF: the plane's dmabuf_id */
	int fd;			/* BUF_DMABUF: the dma-buf, else -1 */
	void *addr;
	size_t size;
	uint32_t width, height, stride, format;
	unsigned int busy;	/* frames of it neatvnc holds */
	bool synced;		/* DMA_BUF_SYNC_START given, END not yet */
	bool stale;		/* free it when neatvnc lets go */
	pixman_region16_t pending; /* BUF_SHADOW: changes not copied in yet */
};

struct vnc_frames {
	struct nvnc_display *display;
	struct vnc_stats *stats;
	void (*retry)(void *data);
	void *retry_data;
	struct frame_buf *bufs;
	uint32_t last_w, last_h;
	pixman_region16_t missed; /* damage of frames not shown (no shadow) */
	bool want_retry;
};

static bool
is_direct_format(uint32_t format)
{
	/* byte for byte what neatvnc reads: no conversion of ours or its */
	switch (format) {
	case DRM_FORMAT_XRGB8888:
	case DRM_FORMAT_ARGB8888:
	case DRM_FORMAT_XBGR8888:
	case DRM_FORMAT_ABGR8888:
		return true;
	default:
		return false;
	}
}

static void
buf_free(struct frame_buf *b)
{
	struct vnc_frames *f = b->owner;
	struct frame_buf **pp;

	for (pp = &f->bufs; *pp; pp = &(*pp)->next) {
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	}
	if (b->kind == BUF_DMABUF) {
		if (b->synced)
			tool_dmabuf_sync(b->fd, DMA_BUF_SYNC_END);
		if (b->addr)
			munmap(b->addr, b->size);
		close(b->fd);
	} else {
		free(b->addr);
	}
	pixman_region_fini(&b->pending);
	free(b);
}

/* neatvnc reads none of b's frames any more. */
static void
on_release(struct nvnc_fb *fb, void *data)
{
	struct frame_buf *b = data;
	struct vnc_frames *f = b->owner;

	if (--b->busy)
		return;
	if (b->synced) {
		tool_dmabuf_sync(b->fd, DMA_BUF_SYNC_END);
		b->synced = false;
	}
	if (b->stale) {
		buf_free(b);
		return;
	}
	if (b->kind == BUF_SHADOW && f->want_retry && f->retry) {
		f->want_retry = false;
		f->retry(f->retry_data);
	}
}

/*
 * A new neatvnc frame for b each time: neatvnc's hold count of one frame
 * object can drop to zero and rise again inside one feed when the same
 * object is fed twice, which would end a DMA_BUF_SYNC bracket while it
 * still reads.  Separate frames keep b->busy above zero across feeds.
 */
static int
feed(struct vnc_frames *f, struct frame_buf *b, pixman_region16_t *damage)
{
	unsigned int cpp = b->kind == BUF_SHADOW ? 4
						 : vgfb_format_cpp(b->format);
	struct nvnc_fb *fb;

	fb = nvnc_fb_from_buffer(b->addr, (uint16_t)b->width,
				 (uint16_t)b->height,
				 b->kind == BUF_SHADOW ? DRM_FORMAT_XRGB8888
						       : b->format,
				 (int32_t)(b->stride / cpp));
	if (!fb)
		return -ENOMEM;
	nvnc_fb_set_release_fn(fb, on_release, b);
	if (b->kind == BUF_DMABUF && !b->synced) {
		if (tool_dmabuf_sync(b->fd, DMA_BUF_SYNC_START) == 0)
			b->synced = true;
	}
	b->busy++;
	nvnc_display_feed_buffer(f->display, fb, damage);
	nvnc_fb_unref(fb);
	f->stats->updates++;
	f->last_w = b->width;
	f->last_h = b->height;
	return 0;
}

static struct frame_buf *
buf_new(struct vnc_frames *f, enum buf_kind kind)
{
	struct frame_buf *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->owner = f;
	b->kind = kind;
	b->fd = -1;
	pixman_region_init(&b->pending);
	b->next = f->bufs;
	f->bufs = b;
	return b;
}

/* Drop idle mappings beyond KEEP_MAPPINGS, other than keep. */
static void
trim_mappings(struct vnc_frames *f, const struct frame_buf *keep)
{
	unsigned int n = 0;
	struct frame_buf *b, *next;

	for (b = f->bufs; b; b = next) {
		next = b->next;
		if (b->kind != BUF_DMABUF || b == keep)
			continue;
		if (++n > KEEP_MAPPINGS - 1) {
			if (b->busy)
				b->stale = true;
			else
				buf_free(b);
		}
	}
}

/* The mapping of the plane's dma-buf: kept from before, or made now. */
static int
get_mapping(struct vnc_frames *f, struct vgfb *ctx,
	    const struct vfio_device_gfx_plane_info *info,
	    struct frame_buf **out)
{
	struct frame_buf *b;
	int fd, rc;

	for (b = f->bufs; b; b = b->next) {
		if (b->kind == BUF_DMABUF && !b->stale &&
		    b->id == info->dmabuf_id) {
			*out = b;
			return 0;
		}
	}
	fd = vgfb_get_gfx_dmabuf(ctx, info->dmabuf_id);
	if (fd < 0)
		return fd;
	b = buf_new(f, BUF_DMABUF);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	b->fd = fd;
	b->id = info->dmabuf_id;
	b->size = info->size;
	b->width = info->width;
	b->height = info->height;
	b->stride = info->stride;
	b->format = info->drm_format;
	rc = tool_fd_holds(fd, b->size, true);
	if (rc == 0) {
		b->addr = mmap(NULL, b->size, PROT_READ, MAP_SHARED, fd, 0);
		rc = b->addr == MAP_FAILED ? -errno : 0;
	}
	if (rc) {
		b->addr = NULL;
		b->stale = true;
		buf_free(b);
		return rc;
	}
	trim_mappings(f, b);
	*out = b;
	return 0;
}

/*
 * A shadow of w x h that neatvnc does not read now, or NULL when all of
 * them are held.  Shadows of another size go (when neatvnc lets go).
 */
static struct frame_buf *
get_shadow(struct vnc_frames *f, uint32_t w, uint32_t h)
{
	struct frame_buf *b, *next, *found = NULL;
	unsigned int n = 0;

	for (b = f->bufs; b; b = next) {
		next = b->next;
		if (b->kind != BUF_SHADOW || b->stale)
			continue;
		if (b->width != w || b->height != h) {
			if (b->busy)
				b->stale = true;
			else
				buf_free(b);
			continue;
		}
		n++;
		if (!b->busy && !found)
			found = b;
	}
	if (found || n >= MAX_SHADOWS)
		return found;
	b = buf_new(f, BUF_SHADOW);
	if (!b)
		return NULL;
	b->width = w;
	b->height = h;
	b->stride = w * 4;
	b->format = DRM_FORMAT_XRGB8888;
	b->size = (size_t)b->stride * h;
	b->addr = calloc(1, b->size);
	if (!b->addr) {
		b->stale = true;
		buf_free(b);
		return NULL;
	}
	pixman_region_init_rect(&b->pending, 0, 0, w, h);
	return b;
}

/* Convert rectangle r of a w x h plane at src into shadow s. */
static void
copy_rect(struct vnc_frames *f, struct frame_buf *s, const uint8_t *src,
	  uint32_t src_stride, uint32_t format, const pixman_box16_t *r)
{
	unsigned int cpp = vgfb_format_cpp(format);
	size_t w = (size_t)(r->x2 - r->x1);

	for (int y = r->y1; y < r->y2; y++) {
		const uint8_t *in = src + (size_t)y * src_stride +
				    (size_t)r->x1 * cpp;
		uint32_t *out = (uint32_t *)((uint8_t *)s->addr +
					     (size_t)y * s->stride) + r->x1;

		if (format == DRM_FORMAT_XRGB8888 ||
		    format == DRM_FORMAT_ARGB8888) {
			memcpy(out, in, w * 4);
			continue;
		}
		for (size_t x = 0; x < w; x++, in += cpp) {
			uint8_t c[4];

			vgfb_pixel_unpack(format, in, c);
			out[x] = 0xff000000u | (uint32_t)c[0] << 16 |
				 (uint32_t)c[1] << 8 | c[2];
		}
	}
	f->stats->copied += w * (size_t)(r->y2 - r->y1) * 4;
}

/* What changed, clipped to the plane: the guest's rectangles are hostile. */
static void
damage_region(const struct vfio_device_gfx_plane_info *info,
	      const struct vgfb_plane_ext *ext, pixman_region16_t *d)
{
	pixman_region_init(d);
	if (ext->flags & VGFB_PLANE_EXT_DAMAGE_ALL ||
	    ext->n_damage > VGFB_MAX_DAMAGE) {
		pixman_region_union_rect(d, d, 0, 0, info->width,
					 info->height);
		return;
	}
	for (uint32_t i = 0; i < ext->n_damage; i++) {
		const struct vgfb_rect *r = &ext->damage[i];

		if (r->x >= info->width || r->y >= info->height)
			continue;
		pixman_region_union_rect(d, d, (int)r->x, (int)r->y,
			r->width < info->width - r->x ? r->width
						      : info->width - r->x,
			r->height < info->height - r->y ? r->height
							: info->height - r->y);
	}
}

/* The plane's pixels, mapped for reading: a dma-buf or a region snapshot. */
struct source {
	const uint8_t *addr;
	size_t size;
	int region_fd;		/* a snapshot to unmap and close, else -1 */
	struct frame_buf *map;	/* a dma-buf mapping, else NULL */
};

static int
source_open(struct vnc_frames *f, struct vgfb *ctx, uint32_t flag,
	    const struct vfio_device_gfx_plane_info *info, struct source *s)
{
	void *addr;
	int rc;

	memset(s, 0, sizeof(*s));
	s->region_fd = -1;
	if (flag == VFIO_GFX_PLANE_TYPE_DMABUF) {
		rc = get_mapping(f, ctx, info, &s->map);
		if (rc)
			return rc;
		s->addr = s->map->addr;
		s->size = s->map->size;
		if (!s->map->synced)
			tool_dmabuf_sync(s->map->fd, DMA_BUF_SYNC_START);
		return 0;
	}
	rc = vgfb_get_region_fd(ctx, info->region_index);
	if (rc < 0)
		return rc;
	s->region_fd = rc;
	rc = tool_fd_holds(s->region_fd, info->size, false);
	if (rc) {
		close(s->region_fd);
		return rc;
	}
	addr = mmap(NULL, info->size, PROT_READ, MAP_SHARED, s->region_fd, 0);
	if (addr == MAP_FAILED) {
		rc = -errno;
		close(s->region_fd);
		return rc;
	}
	s->addr = addr;
	s->size = info->size;
	f->stats->snapshots += info->size;
	return 0;
}

static void
source_close(struct source *s)
{
	if (s->map && !s->map->synced)
		tool_dmabuf_sync(s->map->fd, DMA_BUF_SYNC_END);
	if (s->region_fd >= 0) {
		munmap((void *)s->addr, s->size);
		close(s->region_fd);
	}
}

static int
show_shadow(struct vnc_frames *f, struct vgfb *ctx, uint32_t flag,
	    const struct vfio_device_gfx_plane_info *info,
	    pixman_region16_t *damage)
{
	struct frame_buf *s, *b;
	struct source src;
	pixman_box16_t *box;
	int n, rc;

	s = get_shadow(f, info->width, info->height);
	if (!s) {
		pixman_region_union(&f->missed, &f->missed, damage);
		f->want_retry = true;
		return -EBUSY;
	}
	rc = source_open(f, ctx, flag, info, &src);
	if (rc) {
		pixman_region_union(&f->missed, &f->missed, damage);
		return rc;
	}
	for (b = f->bufs; b; b = b->next)
		if (b->kind == BUF_SHADOW)
			pixman_region_union(&b->pending, &b->pending, damage);
	box = pixman_region_rectangles(&s->pending, &n);
	for (int i = 0; i < n; i++)
		copy_rect(f, s, src.addr, info->stride, info->drm_format,
			  &box[i]);
	pixman_region_clear(&s->pending);
	source_close(&src);
	return feed(f, s, damage);
}

int
vnc_frames_show(struct vnc_frames *f, struct vgfb *ctx, uint32_t flag,
		const struct vfio_device_gfx_plane_info *info,
		const struct vgfb_plane_ext *ext)
{
	unsigned int cpp = vgfb_format_cpp(info->drm_format);
	pixman_region16_t damage;
	struct frame_buf *b;
	int rc;

	/* the library validated the plane; a lying daemon is checked here */
	if (!cpp || !info->width || !info->height || info->width > 16384 ||
	    info->height > 16384 || info->stride < info->width * cpp ||
	    (uint64_t)info->stride * info->height > info->size)
		return -EINVAL;
	damage_region(info, ext, &damage);
	if (f->last_w != info->width || f->last_h != info->height)
		pixman_region_union_rect(&damage, &damage, 0, 0, info->width,
					 info->height);
	pixman_region_union(&damage, &damage, &f->missed);
	pixman_region_clear(&f->missed);
	pixman_region_intersect_rect(&damage, &damage, 0, 0, info->width,
				     info->height);
	if (!pixman_region_not_empty(&damage)) {
		pixman_region_fini(&damage);
		return 0;
	}
	if (flag == VFIO_GFX_PLANE_TYPE_DMABUF &&
	    is_direct_format(info->drm_format) && info->stride % 4 == 0) {
		rc = get_mapping(f, ctx, info, &b);
		if (rc == 0) {
			rc = feed(f, b, &damage);
			if (rc == 0)
				f->stats->zero_copy++;
		}
		if (rc)
			pixman_region_union(&f->missed, &f->missed, &damage);
	} else {
		rc = show_shadow(f, ctx, flag, info, &damage);
	}
	pixman_region_fini(&damage);
	return rc;
}

int
vnc_frames_black(struct vnc_frames *f)
{
	uint32_t w = f->last_w ? f->last_w : 640, h = f->last_h ? f->last_h : 480;
	pixman_region16_t all;
	struct frame_buf *s, *b;
	int rc;

	s = get_shadow(f, w, h);
	if (!s) {
		f->want_retry = true;
		return -EBUSY;
	}
	memset(s->addr, 0, s->size);
	pixman_region_init_rect(&all, 0, 0, w, h);
	/* every shadow, this one included, must be copied in full again */
	for (b = f->bufs; b; b = b->next)
		if (b->kind == BUF_SHADOW)
			pixman_region_union(&b->pending, &b->pending, &all);
	/* the plane's next frame replaces all of the black one */
	pixman_region_copy(&f->missed, &all);
	rc = feed(f, s, &all);
	pixman_region_fini(&all);
	return rc;
}

struct vnc_frames *
vnc_frames_new(struct nvnc_display *display, struct vnc_stats *stats,
	       void (*retry)(void *data), void *data)
{
	struct vnc_frames *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->display = display;
	f->stats = stats;
	f->retry = retry;
	f->retry_data = data;
	pixman_region_init(&f->missed);
	return f;
}

void
vnc_frames_free(struct vnc_frames *f)
{
	if (!f)
		return;
	while (f->bufs)
		buf_free(f->bufs);
	pixman_region_fini(&f->missed);
	free(f);
}
