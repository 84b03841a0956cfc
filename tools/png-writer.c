/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <png.h>

#include "png-writer.h"

int
png_write_rgb(const char *path, const uint8_t *rgb, uint32_t width,
	      uint32_t height)
{
	png_structp png = NULL;
	png_infop info = NULL;
	volatile int rc = -EIO;
	FILE *f;

	f = fopen(path, "wbe");
	if (!f)
		return -errno;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (!png)
		goto out_close;
	info = png_create_info_struct(png);
	if (!info)
		goto out_destroy;
	if (setjmp(png_jmpbuf(png)))
		goto out_destroy;
	png_init_io(png, f);
	png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (uint32_t y = 0; y < height; y++)
		png_write_row(png, (png_const_bytep)(rgb + (size_t)y * width * 3));
	png_write_end(png, NULL);
	rc = 0;
out_destroy:
	png_destroy_write_struct(&png, &info);
out_close:
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}
