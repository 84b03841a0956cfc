/* SPDX-License-Identifier: MIT */
/* The plane record is the kernel's, byte for byte; our records are stable. */
#include "config.h"

#include <stddef.h>

#include "test-common.h"

START_TEST(vfio_plane_info_layout)
{
	/* The offsets of include/uapi/linux/vfio.h on every ABI (x32 fix). */
	ck_assert_uint_eq(sizeof(struct vfio_device_gfx_plane_info), 64);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, argsz), 0);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, flags), 4);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, drm_plane_type), 8);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, drm_format), 12);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, drm_format_mod), 16);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, width), 24);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, height), 28);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, stride), 32);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, size), 36);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, x_pos), 40);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, y_pos), 44);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, x_hot), 48);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, y_hot), 52);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, dmabuf_id), 56);
	ck_assert_uint_eq(offsetof(struct vfio_device_gfx_plane_info, region_index), 56);
	/* bytes 60..63: `reserved` in newer headers, tail padding in older */
}
END_TEST

START_TEST(vfio_flag_values)
{
	ck_assert_uint_eq(VFIO_GFX_PLANE_TYPE_PROBE, 1);
	ck_assert_uint_eq(VFIO_GFX_PLANE_TYPE_DMABUF, 2);
	ck_assert_uint_eq(VFIO_GFX_PLANE_TYPE_REGION, 4);
}
END_TEST

START_TEST(extension_records_layout)
{
	/* Fixed sizes: these cross the daemon socket. */
	ck_assert_uint_eq(sizeof(struct vgfb_rect), 16);
	ck_assert_uint_eq(sizeof(struct vgfb_plane_ext), 24 + 16 * VGFB_MAX_DAMAGE);
	ck_assert_uint_eq(offsetof(struct vgfb_plane_ext, frame_seq), 16);
	ck_assert_uint_eq(offsetof(struct vgfb_plane_ext, damage), 24);
	ck_assert_uint_eq(sizeof(struct vgfb_event), 40);
	ck_assert_uint_eq(offsetof(struct vgfb_event, frame_seq), 16);
	ck_assert_uint_eq(offsetof(struct vgfb_event, rect), 24);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("abi");
	TCase *tc = tcase_create("layout");

	tcase_add_test(tc, vfio_plane_info_layout);
	tcase_add_test(tc, vfio_flag_values);
	tcase_add_test(tc, extension_records_layout);
	suite_add_tcase(s, tc);
	return test_run(s);
}
