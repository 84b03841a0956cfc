/* SPDX-License-Identifier: MIT */
#ifndef VGFB_PNG_WRITER_H
#define VGFB_PNG_WRITER_H

#include <stdint.h>

/* Write width x height 8-bit RGB pixels (3 bytes each, rows packed). */
int png_write_rgb(const char *path, const uint8_t *rgb, uint32_t width,
		  uint32_t height);

#endif
