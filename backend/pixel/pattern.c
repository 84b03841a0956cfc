/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <drm_fourcc.h>

#include "format.h"
#include "pattern.h"

/*
 * Frame n, pixel (x, y), see docs/test-pattern.md:
 *   R = (x + 8n) mod 256
 *   G = (y + 2n) mod 256
 *   B = 0xc0 on odd 32x32 checker squares, 0x40 on even ones, + (n mod 64)
 * R moves by 8 a frame, so even after RGB565's 5-bit truncation every frame
 * differs from its neighbours in every pixel: a stale or torn frame cannot
 * pass a comparison.
 */
void
vgfb_pattern_rgba(uint64_t frame, uint32_t x, uint32_t y, uint8_t rgba[4])
{
	uint32_t checker = ((x >> 5) ^ (y >> 5)) & 1;

	rgba[0] = (uint8_t)(x + 8 * frame);
	rgba[1] = (uint8_t)(y + 2 * frame);
	rgba[2] = (uint8_t)((checker ? 0xc0 : 0x40) + (frame & 0x3f));
	rgba[3] = 0xff;
}

/* The pixels a call touches, and their size. */
struct span {
	uint32_t x0, y0, x1, y1;	/* half-open */
	unsigned int cpp;
};

static int
check_geometry(uint32_t drm_format, uint32_t width, uint32_t height,
	       uint32_t stride, const struct vgfb_rect *clip, struct span *s)
{
	unsigned int cpp = vgfb_format_cpp(drm_format);

	if (!cpp || (uint64_t)width * cpp > stride)
		return -EINVAL;
	s->cpp = cpp;
	s->x0 = 0;
	s->y0 = 0;
	s->x1 = width;
	s->y1 = height;
	if (clip) {
		uint64_t cx1 = (uint64_t)clip->x + clip->width;
		uint64_t cy1 = (uint64_t)clip->y + clip->height;

		s->x0 = clip->x < width ? clip->x : width;
		s->y0 = clip->y < height ? clip->y : height;
		s->x1 = cx1 < width ? (uint32_t)cx1 : width;
		s->y1 = cy1 < height ? (uint32_t)cy1 : height;
	}
	return 0;
}

int
vgfb_pattern_draw(void *fb, uint32_t drm_format, uint32_t width,
		  uint32_t height, uint32_t stride, uint64_t frame,
		  const struct vgfb_rect *clip)
{
	struct span s;

	if (check_geometry(drm_format, width, height, stride, clip, &s))
		return -EINVAL;
	for (uint32_t y = s.y0; y < s.y1; y++) {
		uint8_t *row = (uint8_t *)fb + (size_t)y * stride;

		for (uint32_t x = s.x0; x < s.x1; x++) {
			uint8_t rgba[4];

			vgfb_pattern_rgba(frame, x, y, rgba);
			vgfb_pixel_pack(drm_format, rgba, row + (size_t)x * s.cpp);
		}
	}
	return 0;
}

static uint32_t
load_pixel(const uint8_t *p, unsigned int cpp)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < cpp; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

long
vgfb_pattern_compare(const void *fb, uint32_t drm_format, uint32_t width,
		     uint32_t height, uint32_t stride, uint64_t frame,
		     const struct vgfb_rect *clip, uint32_t *bad_x,
		     uint32_t *bad_y)
{
	unsigned int cpp = vgfb_format_cpp(drm_format);
	uint32_t mask = vgfb_pixel_meaningful_bits(drm_format);
	long bad = 0;
	struct span s;
	int rc;

	rc = check_geometry(drm_format, width, height, stride, clip, &s);
	if (rc)
		return rc;
	for (uint32_t y = s.y0; y < s.y1; y++) {
		const uint8_t *row = (const uint8_t *)fb + (size_t)y * stride;

		for (uint32_t x = s.x0; x < s.x1; x++) {
			uint8_t rgba[4], want[4] = { 0 };

			vgfb_pattern_rgba(frame, x, y, rgba);
			vgfb_pixel_pack(drm_format, rgba, want);
			if (((load_pixel(row + (size_t)x * cpp, cpp) ^
			      load_pixel(want, cpp)) & mask) == 0)
				continue;
			if (bad++ == 0) {
				if (bad_x)
					*bad_x = x;
				if (bad_y)
					*bad_y = y;
			}
		}
	}
	return bad;
}

/*
 * An arrow: a right triangle with its tip at the hotspot (2, 2), 48 rows
 * tall, white inside a one-pixel black outline, fully transparent elsewhere.
 */
void
vgfb_cursor_rgba(uint32_t x, uint32_t y, uint8_t rgba[4])
{
	const uint32_t hx = VGFB_CURSOR_HOT_X, hy = VGFB_CURSOR_HOT_Y;
	uint32_t dx, dy;

	memset(rgba, 0, 4);
	if (x < hx || y < hy)
		return;
	dx = x - hx;
	dy = y - hy;
	if (dy >= 48 || dx > dy / 2)
		return;
	rgba[3] = 0xff;
	if (dx == 0 || dx == dy / 2 || dy == 47)
		return;		/* outline: black */
	rgba[0] = rgba[1] = rgba[2] = 0xff;
}

void
vgfb_cursor_draw(void *buf, uint32_t stride)
{
	for (uint32_t y = 0; y < VGFB_CURSOR_SIZE; y++) {
		uint8_t *row = (uint8_t *)buf + (size_t)y * stride;

		for (uint32_t x = 0; x < VGFB_CURSOR_SIZE; x++) {
			uint8_t rgba[4];

			vgfb_cursor_rgba(x, y, rgba);
			vgfb_pixel_pack(DRM_FORMAT_ARGB8888, rgba, row + 4 * x);
		}
	}
}
