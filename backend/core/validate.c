/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <drm_fourcc.h>

#include "format.h"
#include "validate.h"

#define HOT_UNKNOWN 0xFFFFFFFFu

int
vgfb__refuse(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Is every byte of [start, start + size) inside one of the map's ranges? */
static bool
inside_memmap(const struct vgfb_memmap *map, uint64_t start, uint64_t size)
{
	uint64_t pos = start, end;

	if (__builtin_add_overflow(start, size, &end))
		return false;
	while (pos < end) {
		bool advanced = false;

		for (size_t i = 0; i < map->n_ranges; i++) {
			const struct vgfb_mem_range *r = &map->ranges[i];
			uint64_t rend;

			if (__builtin_add_overflow(r->start, r->size, &rend))
				rend = UINT64_MAX;
			if (pos >= r->start && pos < rend) {
				pos = rend;
				advanced = true;
				break;
			}
		}
		if (!advanced)
			return false;
	}
	return true;
}

/* Frame numbers of guest RAM: every one inside the memory map. */
static int
check_gfns(const struct vgfb_buffer *b, const struct vgfb_memmap *map,
	   char *why, size_t len)
{
	for (uint32_t i = 0; i < b->n_frames; i++) {
		uint64_t gpa;

		if (b->frames[i] > UINT64_MAX / VGFB_PAGE_SIZE)
			return vgfb__refuse(why, len,
					    "frame %" PRIu32 " = 0x%" PRIx64
					    " overflows", i, b->frames[i]);
		gpa = b->frames[i] * VGFB_PAGE_SIZE;
		if (!inside_memmap(map, gpa, VGFB_PAGE_SIZE))
			return vgfb__refuse(why, len,
					    "frame %" PRIu32 " = 0x%" PRIx64
					    " is outside the guest's memory", i,
					    b->frames[i]);
	}
	return 0;
}

/* What each addressing kind must prove about the buffer's bytes. */
static int
check_buffer(const struct vgfb_buffer *b, const struct vgfb_memmap *map,
	     uint64_t bytes, char *why, size_t len)
{
	if (b->size == 0)
		return vgfb__refuse(why, len, "guest buffer size is 0");
	if (bytes > b->size)
		return vgfb__refuse(why, len,
				    "stride * height = %" PRIu64 " exceeds "
				    "the guest buffer of %" PRIu64 " bytes",
				    bytes, b->size);
	switch (b->kind) {
	case VGFB_BUFFER_GUEST_RANGE:
		if (b->gpa % VGFB_PAGE_SIZE)
			return vgfb__refuse(why, len, "buffer base 0x%" PRIx64
					    " is not page aligned", b->gpa);
		if (!inside_memmap(map, b->gpa, bytes))
			return vgfb__refuse(why, len,
					    "buffer 0x%" PRIx64 "+%" PRIu64
					    " is outside the guest's memory",
					    b->gpa, bytes);
		return 0;
	case VGFB_BUFFER_PLATFORM_FD:
		/*
		 * size is what the platform measured of the fd from the
		 * plane's offset on (checked above against the page-rounded
		 * plane); the offset itself must leave room for it.
		 */
		if (b->gpa > UINT64_MAX - b->size)
			return vgfb__refuse(why, len,
					    "fd offset %" PRIu64 " + %"
					    PRIu64 " bytes overflows", b->gpa,
					    b->size);
		return 0;
	case VGFB_BUFFER_GFN_LIST:
	case VGFB_BUFFER_MFN_LIST:
	case VGFB_BUFFER_GRANT_LIST:
		break;
	default:
		return vgfb__refuse(why, len, "unknown buffer addressing %u",
				    (unsigned int)b->kind);
	}
	if (!b->frames)
		return vgfb__refuse(why, len, "frame list missing");
	if ((uint64_t)b->n_frames * VGFB_PAGE_SIZE < bytes)
		return vgfb__refuse(why, len, "%" PRIu32 " frames cannot hold %"
				    PRIu64 " bytes", b->n_frames, bytes);
	/* Machine frames and grants: Xen checks them when they are mapped. */
	return b->kind == VGFB_BUFFER_GFN_LIST ? check_gfns(b, map, why, len)
					       : 0;
}

int
vgfb__validate_plane(uint32_t plane_type, const struct vgfb_plane_desc *d,
		     const struct vgfb_memmap *map, struct vgfb_plane_geom *out,
		     char *why, size_t len)
{
	const bool cursor = plane_type == DRM_PLANE_TYPE_CURSOR;
	const uint32_t max_dim = cursor ? VGFB_MAX_CURSOR_DIMENSION
					: VGFB_MAX_DIMENSION;
	unsigned int cpp = vgfb_format_cpp(d->drm_format);
	uint64_t bytes, rounded;
	int rc;

	if (!cpp)
		return vgfb__refuse(why, len, "unknown format 0x%08" PRIx32,
				    d->drm_format);
	if (d->modifier != DRM_FORMAT_MOD_LINEAR)
		return vgfb__refuse(why, len,
				    "unsupported modifier 0x%016" PRIx64,
				    d->modifier);
	if (d->width == 0 || d->height == 0)
		return vgfb__refuse(why, len,
				    "empty plane %" PRIu32 "x%" PRIu32,
				    d->width, d->height);
	if (d->width > max_dim || d->height > max_dim)
		return vgfb__refuse(why, len, "plane %" PRIu32 "x%" PRIu32
				    " exceeds %" PRIu32 "x%" PRIu32, d->width,
				    d->height, max_dim, max_dim);
	if ((uint64_t)d->width * cpp > d->stride)
		return vgfb__refuse(why, len,
				    "stride %" PRIu32 " < width %" PRIu32
				    " * %u bytes", d->stride, d->width, cpp);
	bytes = (uint64_t)d->stride * d->height;
	if (bytes > VGFB_MAX_PLANE_BYTES)
		return vgfb__refuse(why, len,
				    "plane of %" PRIu64 " bytes exceeds "
				    "the cap of %u", bytes,
				    VGFB_MAX_PLANE_BYTES);
	rounded = (bytes + VGFB_PAGE_SIZE - 1) & ~(uint64_t)(VGFB_PAGE_SIZE - 1);
	/*
	 * The buffer must hold the page-rounded size too: the exporter hands
	 * out whole pages and must not expose what follows the plane.
	 */
	rc = check_buffer(&d->buf, map, rounded, why, len);
	if (rc)
		return rc;

	out->size = (uint32_t)rounded;
	out->x_hot = HOT_UNKNOWN;
	out->y_hot = HOT_UNKNOWN;
	if (cursor && d->x_hot < d->width && d->y_hot < d->height) {
		out->x_hot = d->x_hot;
		out->y_hot = d->y_hot;
	}
	return 0;
}
