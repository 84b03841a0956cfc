/* SPDX-License-Identifier: MIT */
/*
 * Pixel formats vgfb understands: bytes per pixel, names, and exact
 * conversion to and from 8-bit RGBA.  Depends on libc and drm_fourcc.h
 * only, so guest-side test programs can link it too.
 */
#ifndef VGFB_FORMAT_H
#define VGFB_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

/* Bytes per pixel of a supported single-plane linear format, 0 if unknown. */
unsigned int vgfb_format_cpp(uint32_t drm_format);

/* "XRGB8888" etc, or NULL for an unsupported format. */
const char *vgfb_format_name(uint32_t drm_format);

/* Accepts "XRGB8888" or the fourcc itself ("XR24"); 0 when unknown. */
uint32_t vgfb_format_from_name(const char *name);

/* True when the format has an alpha channel that carries meaning. */
bool vgfb_format_has_alpha(uint32_t drm_format);

/*
 * Pack 8-bit RGBA into one pixel at dst, and back.  Channels wider than
 * 8 bits replicate the top bits (c10 = c8 << 2 | c8 >> 6), narrower ones
 * truncate; unpacking replicates, so 8 -> 10 -> 8 is exact.  Padding (X)
 * bits are written as ones and read as opaque alpha.
 */
void vgfb_pixel_pack(uint32_t drm_format, const uint8_t rgba[4], uint8_t *dst);
void vgfb_pixel_unpack(uint32_t drm_format, const uint8_t *src,
		       uint8_t rgba[4]);

/* Mask of the bits that carry colour (and alpha) in a packed pixel. */
uint32_t vgfb_pixel_meaningful_bits(uint32_t drm_format);

/* Number of supported formats and the n-th of them (for tests and tools). */
unsigned int vgfb_format_count(void);
uint32_t vgfb_format_at(unsigned int index);

#endif
