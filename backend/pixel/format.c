/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>
#include <drm_fourcc.h>

#include "format.h"

struct format_info {
	uint32_t fourcc;
	const char *name;
	unsigned int cpp;
	bool alpha;
};

static const struct format_info formats[] = {
	{ DRM_FORMAT_XRGB8888, "XRGB8888", 4, false },
	{ DRM_FORMAT_ARGB8888, "ARGB8888", 4, true },
	{ DRM_FORMAT_XBGR8888, "XBGR8888", 4, false },
	{ DRM_FORMAT_ABGR8888, "ABGR8888", 4, true },
	{ DRM_FORMAT_RGB888, "RGB888", 3, false },
	{ DRM_FORMAT_RGB565, "RGB565", 2, false },
	{ DRM_FORMAT_XRGB2101010, "XRGB2101010", 4, false },
	/*
	 * The byte orders acrn-dm's virtio-gpu 2D path produces (pixman
	 * b8g8r8x8, b8g8r8a8, r8g8b8x8, r8g8b8a8: docs/acrn.md).
	 */
	{ DRM_FORMAT_BGRX8888, "BGRX8888", 4, false },
	{ DRM_FORMAT_BGRA8888, "BGRA8888", 4, true },
	{ DRM_FORMAT_RGBX8888, "RGBX8888", 4, false },
	{ DRM_FORMAT_RGBA8888, "RGBA8888", 4, true },
};

#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

static const struct format_info *
lookup(uint32_t fourcc)
{
	for (size_t i = 0; i < N_FORMATS; i++)
		if (formats[i].fourcc == fourcc)
			return &formats[i];
	return NULL;
}

unsigned int
vgfb_format_cpp(uint32_t drm_format)
{
	const struct format_info *f = lookup(drm_format);

	return f ? f->cpp : 0;
}

const char *
vgfb_format_name(uint32_t drm_format)
{
	const struct format_info *f = lookup(drm_format);

	return f ? f->name : NULL;
}

bool
vgfb_format_has_alpha(uint32_t drm_format)
{
	const struct format_info *f = lookup(drm_format);

	return f && f->alpha;
}

uint32_t
vgfb_format_from_name(const char *name)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < N_FORMATS; i++) {
		uint32_t cc = formats[i].fourcc;
		char code[5] = { (char)(cc & 0xff), (char)((cc >> 8) & 0xff),
				 (char)((cc >> 16) & 0xff),
				 (char)((cc >> 24) & 0xff), 0 };

		if (strcasecmp(name, formats[i].name) == 0 ||
		    strcmp(name, code) == 0)
			return cc;
	}
	return 0;
}

unsigned int
vgfb_format_count(void)
{
	return N_FORMATS;
}

uint32_t
vgfb_format_at(unsigned int index)
{
	return index < N_FORMATS ? formats[index].fourcc : 0;
}

static void
put_le32(uint8_t *dst, uint32_t v)
{
	dst[0] = v & 0xff;
	dst[1] = (v >> 8) & 0xff;
	dst[2] = (v >> 16) & 0xff;
	dst[3] = (v >> 24) & 0xff;
}

static uint32_t
get_le32(const uint8_t *src)
{
	return (uint32_t)src[0] | (uint32_t)src[1] << 8 |
	       (uint32_t)src[2] << 16 | (uint32_t)src[3] << 24;
}

static uint32_t
widen10(uint8_t c)
{
	return (uint32_t)c << 2 | c >> 6;
}

void
vgfb_pixel_pack(uint32_t drm_format, const uint8_t rgba[4], uint8_t *dst)
{
	uint32_t r = rgba[0], g = rgba[1], b = rgba[2], a = rgba[3];
	uint16_t v16;

	switch (drm_format) {
	case DRM_FORMAT_XRGB8888:
		put_le32(dst, 0xffu << 24 | r << 16 | g << 8 | b);
		break;
	case DRM_FORMAT_ARGB8888:
		put_le32(dst, a << 24 | r << 16 | g << 8 | b);
		break;
	case DRM_FORMAT_XBGR8888:
		put_le32(dst, 0xffu << 24 | b << 16 | g << 8 | r);
		break;
	case DRM_FORMAT_ABGR8888:
		put_le32(dst, a << 24 | b << 16 | g << 8 | r);
		break;
	case DRM_FORMAT_BGRX8888:
		put_le32(dst, b << 24 | g << 16 | r << 8 | 0xffu);
		break;
	case DRM_FORMAT_BGRA8888:
		put_le32(dst, b << 24 | g << 16 | r << 8 | a);
		break;
	case DRM_FORMAT_RGBX8888:
		put_le32(dst, r << 24 | g << 16 | b << 8 | 0xffu);
		break;
	case DRM_FORMAT_RGBA8888:
		put_le32(dst, r << 24 | g << 16 | b << 8 | a);
		break;
	case DRM_FORMAT_RGB888:
		/* [23:0] R:G:B little endian: B first in memory */
		dst[0] = b;
		dst[1] = g;
		dst[2] = r;
		break;
	case DRM_FORMAT_RGB565:
		v16 = (uint16_t)((r >> 3) << 11 | (g >> 2) << 5 | (b >> 3));
		dst[0] = v16 & 0xff;
		dst[1] = v16 >> 8;
		break;
	case DRM_FORMAT_XRGB2101010:
		put_le32(dst, 3u << 30 | widen10(r) << 20 | widen10(g) << 10 |
			      widen10(b));
		break;
	default:
		break;
	}
}

void
vgfb_pixel_unpack(uint32_t drm_format, const uint8_t *src, uint8_t rgba[4])
{
	uint32_t v;

	rgba[3] = 0xff;
	switch (drm_format) {
	case DRM_FORMAT_XRGB8888:
	case DRM_FORMAT_ARGB8888:
		v = get_le32(src);
		rgba[0] = (v >> 16) & 0xff;
		rgba[1] = (v >> 8) & 0xff;
		rgba[2] = v & 0xff;
		if (drm_format == DRM_FORMAT_ARGB8888)
			rgba[3] = v >> 24;
		break;
	case DRM_FORMAT_XBGR8888:
	case DRM_FORMAT_ABGR8888:
		v = get_le32(src);
		rgba[0] = v & 0xff;
		rgba[1] = (v >> 8) & 0xff;
		rgba[2] = (v >> 16) & 0xff;
		if (drm_format == DRM_FORMAT_ABGR8888)
			rgba[3] = v >> 24;
		break;
	case DRM_FORMAT_BGRX8888:
	case DRM_FORMAT_BGRA8888:
		v = get_le32(src);
		rgba[0] = (v >> 8) & 0xff;
		rgba[1] = (v >> 16) & 0xff;
		rgba[2] = v >> 24;
		if (drm_format == DRM_FORMAT_BGRA8888)
			rgba[3] = v & 0xff;
		break;
	case DRM_FORMAT_RGBX8888:
	case DRM_FORMAT_RGBA8888:
		v = get_le32(src);
		rgba[0] = v >> 24;
		rgba[1] = (v >> 16) & 0xff;
		rgba[2] = (v >> 8) & 0xff;
		if (drm_format == DRM_FORMAT_RGBA8888)
			rgba[3] = v & 0xff;
		break;
	case DRM_FORMAT_RGB888:
		rgba[0] = src[2];
		rgba[1] = src[1];
		rgba[2] = src[0];
		break;
	case DRM_FORMAT_RGB565:
		v = (uint32_t)src[0] | (uint32_t)src[1] << 8;
		rgba[0] = (uint8_t)(((v >> 11) & 0x1f) << 3 | ((v >> 11) & 0x1f) >> 2);
		rgba[1] = (uint8_t)(((v >> 5) & 0x3f) << 2 | ((v >> 5) & 0x3f) >> 4);
		rgba[2] = (uint8_t)((v & 0x1f) << 3 | (v & 0x1f) >> 2);
		break;
	case DRM_FORMAT_XRGB2101010:
		v = get_le32(src);
		rgba[0] = (v >> 22) & 0xff;
		rgba[1] = (v >> 12) & 0xff;
		rgba[2] = (v >> 2) & 0xff;
		break;
	default:
		rgba[0] = rgba[1] = rgba[2] = 0;
		break;
	}
}

uint32_t
vgfb_pixel_meaningful_bits(uint32_t drm_format)
{
	switch (drm_format) {
	case DRM_FORMAT_XRGB8888:
	case DRM_FORMAT_XBGR8888:
	case DRM_FORMAT_RGB888:
		return 0x00ffffff;
	case DRM_FORMAT_BGRX8888:
	case DRM_FORMAT_RGBX8888:
		return 0xffffff00;
	case DRM_FORMAT_RGB565:
		return 0xffff;
	case DRM_FORMAT_XRGB2101010:
		return 0x3fffffff;
	default:
		return 0xffffffff;
	}
}
