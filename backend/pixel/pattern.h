/* SPDX-License-Identifier: MIT */
/*
 * The documented test pattern (docs/test-pattern.md): frame number and pixel
 * position -> colour, so that every tier (unit, vm, xen) and every tool can
 * check what reached it pixel for pixel.  Depends on format.c and libc only;
 * guest-side programs link it as it is.
 */
#ifndef VGFB_PATTERN_H
#define VGFB_PATTERN_H

#include <stdint.h>
#include <vgfb/vgfb.h>

/* Colour of pixel (x, y) of frame `frame`, opaque. */
void vgfb_pattern_rgba(uint64_t frame, uint32_t x, uint32_t y,
		       uint8_t rgba[4]);

/*
 * Draw frame `frame` into a linear framebuffer, inside `clip` only when it
 * is not NULL (clip is clamped to the framebuffer).  -EINVAL for an
 * unsupported format or a stride too small for the width.
 */
int vgfb_pattern_draw(void *fb, uint32_t drm_format, uint32_t width,
		      uint32_t height, uint32_t stride, uint64_t frame,
		      const struct vgfb_rect *clip);

/*
 * Count the pixels inside `clip` (everything when NULL) that differ from
 * frame `frame` after packing, ignoring padding bits.  The first mismatch
 * is reported through bad_x/bad_y when they are not NULL.  Negative errno
 * for bad arguments.
 */
long vgfb_pattern_compare(const void *fb, uint32_t drm_format, uint32_t width,
			  uint32_t height, uint32_t stride, uint64_t frame,
			  const struct vgfb_rect *clip, uint32_t *bad_x,
			  uint32_t *bad_y);

/* The cursor image: VGFB_CURSOR_SIZE square, ARGB8888, alpha 0 or 255. */
#define VGFB_CURSOR_SIZE 64
#define VGFB_CURSOR_HOT_X 2
#define VGFB_CURSOR_HOT_Y 2

void vgfb_cursor_rgba(uint32_t x, uint32_t y, uint8_t rgba[4]);
void vgfb_cursor_draw(void *buf, uint32_t stride);

#endif
