/* SPDX-License-Identifier: MIT */
/* Formats and the documented test pattern. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <drm_fourcc.h>

#include "format.h"
#include "pattern.h"
#include "test-common.h"

START_TEST(format_table)
{
	ck_assert_uint_eq(vgfb_format_cpp(DRM_FORMAT_XRGB8888), 4);
	ck_assert_uint_eq(vgfb_format_cpp(DRM_FORMAT_RGB888), 3);
	ck_assert_uint_eq(vgfb_format_cpp(DRM_FORMAT_RGB565), 2);
	ck_assert_uint_eq(vgfb_format_cpp(DRM_FORMAT_XRGB2101010), 4);
	ck_assert_uint_eq(vgfb_format_cpp(DRM_FORMAT_NV12), 0);
	ck_assert_uint_eq(vgfb_format_cpp(0), 0);
	ck_assert_uint_eq(vgfb_format_from_name("xrgb8888"), DRM_FORMAT_XRGB8888);
	ck_assert_uint_eq(vgfb_format_from_name("AR24"), DRM_FORMAT_ARGB8888);
	ck_assert_uint_eq(vgfb_format_from_name("RG16"), DRM_FORMAT_RGB565);
	ck_assert_uint_eq(vgfb_format_from_name("bogus"), 0);
	ck_assert_uint_eq(vgfb_format_from_name(NULL), 0);
	ck_assert_str_eq(vgfb_format_name(DRM_FORMAT_XRGB2101010), "XRGB2101010");
	ck_assert_ptr_null(vgfb_format_name(DRM_FORMAT_NV12));
}
END_TEST

START_TEST(pack_known_values)
{
	const uint8_t rgba[4] = { 0x12, 0x34, 0x56, 0x78 };
	uint8_t px[4] = { 0 };

	vgfb_pixel_pack(DRM_FORMAT_XRGB8888, rgba, px);
	ck_assert(px[0] == 0x56 && px[1] == 0x34 && px[2] == 0x12 && px[3] == 0xff);
	vgfb_pixel_pack(DRM_FORMAT_ARGB8888, rgba, px);
	ck_assert(px[3] == 0x78);
	vgfb_pixel_pack(DRM_FORMAT_XBGR8888, rgba, px);
	ck_assert(px[0] == 0x12 && px[1] == 0x34 && px[2] == 0x56);
	/* acrn-dm's 2D byte orders: the 32-bit word read from the top */
	vgfb_pixel_pack(DRM_FORMAT_BGRX8888, rgba, px);
	ck_assert(px[0] == 0xff && px[1] == 0x12 && px[2] == 0x34 && px[3] == 0x56);
	vgfb_pixel_pack(DRM_FORMAT_BGRA8888, rgba, px);
	ck_assert(px[0] == 0x78 && px[1] == 0x12 && px[2] == 0x34 && px[3] == 0x56);
	vgfb_pixel_pack(DRM_FORMAT_RGBX8888, rgba, px);
	ck_assert(px[0] == 0xff && px[1] == 0x56 && px[2] == 0x34 && px[3] == 0x12);
	vgfb_pixel_pack(DRM_FORMAT_RGBA8888, rgba, px);
	ck_assert(px[0] == 0x78 && px[1] == 0x56 && px[2] == 0x34 && px[3] == 0x12);
	ck_assert_uint_eq(vgfb_format_from_name("BX24"), DRM_FORMAT_BGRX8888);
	ck_assert_uint_eq(vgfb_format_from_name("RGBA8888"), DRM_FORMAT_RGBA8888);
	ck_assert(vgfb_format_has_alpha(DRM_FORMAT_BGRA8888));
	ck_assert(!vgfb_format_has_alpha(DRM_FORMAT_RGBX8888));
	vgfb_pixel_pack(DRM_FORMAT_RGB888, rgba, px);
	ck_assert(px[0] == 0x56 && px[1] == 0x34 && px[2] == 0x12);
	vgfb_pixel_pack(DRM_FORMAT_RGB565, (const uint8_t[4]){ 0xff, 0, 0xff, 0xff }, px);
	ck_assert(px[0] == 0x1f && px[1] == 0xf8);
	vgfb_pixel_pack(DRM_FORMAT_XRGB2101010, (const uint8_t[4]){ 0xff, 0, 0, 0xff }, px);
	ck_assert(px[3] == 0xff && px[2] == 0xf0 && px[1] == 0 && px[0] == 0);
}
END_TEST

START_TEST(unpack_inverts_pack)
{
	unsigned int i = (unsigned int)_i;
	uint32_t fmt = vgfb_format_at(i);

	for (unsigned int v = 0; v < 256; v++) {
		uint8_t in[4] = { (uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v * 7), 0xff };
		uint8_t px[4] = { 0 }, out[4], again[4] = { 0 };

		vgfb_pixel_pack(fmt, in, px);
		vgfb_pixel_unpack(fmt, px, out);
		if (fmt != DRM_FORMAT_RGB565) {
			ck_assert_msg(memcmp(in, out, 3) == 0, "%s value %u",
				      vgfb_format_name(fmt), v);
		} else {
			/* lossy, but stable: a second round trip changes nothing */
			vgfb_pixel_pack(fmt, out, again);
			ck_assert(memcmp(px, again, 2) == 0);
		}
	}
}
END_TEST

START_TEST(pattern_roundtrip_every_format)
{
	unsigned int i = (unsigned int)_i;
	uint32_t fmt = vgfb_format_at(i), w = 133, h = 71, bx = 0, by = 0;
	uint32_t stride = w * vgfb_format_cpp(fmt) + 20;
	uint8_t *fb = calloc(stride, h);
	unsigned int byte = 0;

	ck_assert_int_eq(vgfb_pattern_draw(fb, fmt, w, h, stride, 7, NULL), 0);
	ck_assert_int_eq(vgfb_pattern_compare(fb, fmt, w, h, stride, 7, NULL, NULL, NULL), 0);
	/* The neighbouring frames differ in every pixel. */
	ck_assert_int_eq(vgfb_pattern_compare(fb, fmt, w, h, stride, 8, NULL, NULL, NULL),
			 (long)w * h);
	/*
	 * One flipped bit in one pixel is found, and where: a bit of the
	 * first byte that carries colour (BGRX/RGBX start with padding).
	 */
	while (!((vgfb_pixel_meaningful_bits(fmt) >> (8 * byte)) & 0x08))
		byte++;
	fb[(size_t)40 * stride + 17 * vgfb_format_cpp(fmt) + byte] ^= 0x08;
	ck_assert_int_eq(vgfb_pattern_compare(fb, fmt, w, h, stride, 7, NULL, &bx, &by), 1);
	ck_assert_uint_eq(bx, 17);
	ck_assert_uint_eq(by, 40);
	free(fb);
}
END_TEST

START_TEST(pattern_clip_and_bad_args)
{
	uint32_t w = 64, h = 64, stride = 256;
	uint8_t *fb = calloc(stride, h);
	struct vgfb_rect r = { 10, 20, 5, 6 }, huge = { 60, 60, UINT32_MAX, UINT32_MAX };

	vgfb_pattern_draw(fb, DRM_FORMAT_XRGB8888, w, h, stride, 1, NULL);
	vgfb_pattern_draw(fb, DRM_FORMAT_XRGB8888, w, h, stride, 2, &r);
	ck_assert_int_eq(vgfb_pattern_compare(fb, DRM_FORMAT_XRGB8888, w, h, stride, 2, &r, NULL, NULL), 0);
	ck_assert_int_eq(vgfb_pattern_compare(fb, DRM_FORMAT_XRGB8888, w, h, stride, 1, NULL, NULL, NULL), 30);
	/* A clip running off the edges is clamped, not overflowed. */
	ck_assert_int_eq(vgfb_pattern_draw(fb, DRM_FORMAT_XRGB8888, w, h, stride, 3, &huge), 0);
	ck_assert_int_eq(vgfb_pattern_compare(fb, DRM_FORMAT_XRGB8888, w, h, stride, 3, &huge, NULL, NULL), 0);
	ck_assert_int_eq(vgfb_pattern_draw(fb, DRM_FORMAT_NV12, w, h, stride, 1, NULL), -EINVAL);
	ck_assert_int_eq(vgfb_pattern_draw(fb, DRM_FORMAT_XRGB8888, w, h, 100, 1, NULL), -EINVAL);
	free(fb);
}
END_TEST

START_TEST(cursor_image)
{
	uint8_t rgba[4];

	vgfb_cursor_rgba(VGFB_CURSOR_HOT_X, VGFB_CURSOR_HOT_Y, rgba);
	ck_assert_uint_eq(rgba[3], 0xff);	/* the tip is opaque */
	vgfb_cursor_rgba(0, 0, rgba);
	ck_assert_uint_eq(rgba[3], 0);
	vgfb_cursor_rgba(VGFB_CURSOR_HOT_X + 5, VGFB_CURSOR_HOT_Y + 30, rgba);
	ck_assert(rgba[0] == 0xff && rgba[3] == 0xff);	/* white inside */
	vgfb_cursor_rgba(63, 63, rgba);
	ck_assert_uint_eq(rgba[3], 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, format_table);
	tcase_add_test(tc, pack_known_values);
	tcase_add_loop_test(tc, unpack_inverts_pack, 0, (int)vgfb_format_count());
	tcase_add_loop_test(tc, pattern_roundtrip_every_format, 0, (int)vgfb_format_count());
	tcase_add_test(tc, pattern_clip_and_bad_args);
	tcase_add_test(tc, cursor_image);
	suite_add_tcase(s, tc);
	return test_run(s);
}
