/* SPDX-License-Identifier: MIT */
/* The VFIO_DEVICE_QUERY_GFX_PLANE / GET_GFX_DMABUF contract, rule by rule. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <drm_fourcc.h>

#include "test-common.h"

#define PROBE VFIO_GFX_PLANE_TYPE_PROBE
#define DMABUF VFIO_GFX_PLANE_TYPE_DMABUF
#define REGION VFIO_GFX_PLANE_TYPE_REGION

static bool
has_dmabuf_exporter(struct vgfb *ctx)
{
	return strcmp(vgfb_get_exporter_name(ctx), "region") != 0;
}

START_TEST(open_rejects_bad_targets)
{
	struct vgfb *ctx = (struct vgfb *)0x1;
	char longname[2048];

	ck_assert_int_eq(vgfb_open(NULL, &ctx), -EINVAL);
	ck_assert_int_eq(vgfb_open("sim", NULL), -EINVAL);
	ck_assert_int_eq(vgfb_open("", &ctx), -EINVAL);
	ck_assert_int_eq(vgfb_open("sim:mode=0x0", &ctx), -EINVAL);
	ck_assert_int_eq(vgfb_open("sim:mode=99999x10", &ctx), -EINVAL);
	ck_assert_int_eq(vgfb_open("sim:heads=0", &ctx), -EINVAL);
	ck_assert_int_eq(vgfb_open("sim:heads=5", &ctx), -EINVAL);
	ck_assert_int_eq(vgfb_open("sim:format=NV12", &ctx), -EINVAL);
	ck_assert_int_eq(vgfb_open("sim:bogus=1", &ctx), -EINVAL);
	ck_assert_int_eq(vgfb_open("sim:mode", &ctx), -EINVAL);
	ck_assert_int_eq(vgfb_open("sim:ram=-1", &ctx), -EINVAL);
	ck_assert_int_eq(vgfb_open("sim:ram=1,mode=4096x4096", &ctx), -ENOSPC);
	ck_assert_int_eq(vgfb_open("sim:exporter=magic", &ctx), -EINVAL);
	ck_assert_int_eq(vgfb_open("unix:", &ctx), -EINVAL);
	ck_assert_int_eq(vgfb_open("../../etc/passwd", &ctx), -EINVAL);
	ck_assert_int_eq(vgfb_open("xen:1", &ctx), -ENOTSUP);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(vgfb_open(longname, &ctx), -EINVAL);
	ck_assert_ptr_eq(ctx, (struct vgfb *)0x1);	/* untouched on failure */
	vgfb_close(NULL);
}
END_TEST

START_TEST(argsz_and_flags)
{
	struct vgfb *ctx = test_open("sim");
	struct vfio_device_gfx_plane_info info = { .argsz = sizeof(info) - 1,
						   .flags = REGION,
						   .drm_plane_type = DRM_PLANE_TYPE_PRIMARY };
	static const uint32_t bad_flags[] = {
		0, PROBE, PROBE | DMABUF | REGION, DMABUF | REGION, 8, PROBE | 8, 0xffffffff,
	};

	ck_assert_int_eq(vgfb_query_plane(ctx, &info), -EINVAL);
	ck_assert_int_eq(vgfb_query_plane(ctx, NULL), -EINVAL);
	ck_assert_int_eq(vgfb_query_plane(NULL, &info), -EINVAL);
	info.argsz = sizeof(info) + 100;	/* larger is fine (newer caller) */
	ck_assert_int_eq(vgfb_query_plane(ctx, &info), 0);
	for (size_t i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++)
		ck_assert_int_eq(test_query(ctx, bad_flags[i], DRM_PLANE_TYPE_PRIMARY, &info, NULL), -EINVAL);
	/* Plane types other than primary and cursor. */
	ck_assert_int_eq(test_query(ctx, REGION, 0, &info, NULL), -EINVAL);
	ck_assert_int_eq(test_query(ctx, REGION, 3, &info, NULL), -EINVAL);
	/* The ext record's argsz is checked too. */
	struct vgfb_plane_ext ext = { .argsz = 8 };
	info.argsz = sizeof(info);
	info.flags = REGION;
	info.drm_plane_type = DRM_PLANE_TYPE_PRIMARY;
	ck_assert_int_eq(vgfb_query_plane_ext(ctx, &info, &ext), -EINVAL);
	ck_assert_int_eq(vgfb_query_plane_ext(ctx, &info, NULL), -EINVAL);
	vgfb_close(ctx);
}
END_TEST

START_TEST(probe_answers_without_writing)
{
	struct vgfb *ctx = test_open("sim");
	struct vfio_device_gfx_plane_info info;

	memset(&info, 0x77, sizeof(info));
	info.argsz = sizeof(info);
	info.flags = PROBE | REGION;
	ck_assert_int_eq(vgfb_query_plane(ctx, &info), 0);
	ck_assert_uint_eq(info.width, 0x77777777);	/* nothing written */
	info.flags = PROBE | DMABUF;
	ck_assert_int_eq(vgfb_query_plane(ctx, &info), has_dmabuf_exporter(ctx) ? 0 : -EINVAL);
	vgfb_close(ctx);
	/* Asking for region only: DMABUF mode is refused, REGION works. */
	ctx = test_open("sim:exporter=region");
	ck_assert_str_eq(vgfb_get_exporter_name(ctx), "region");
	info.flags = PROBE | DMABUF;
	ck_assert_int_eq(vgfb_query_plane(ctx, &info), -EINVAL);
	ck_assert_int_eq(test_query(ctx, DMABUF, DRM_PLANE_TYPE_PRIMARY, &info, NULL), -EINVAL);
	ck_assert_int_eq(test_query(ctx, REGION, DRM_PLANE_TYPE_PRIMARY, &info, NULL), 0);
	ck_assert_int_eq(vgfb_get_gfx_dmabuf(ctx, info.dmabuf_id), -ENOTSUP);
	vgfb_close(ctx);
}
END_TEST

START_TEST(primary_and_cursor_fields)
{
	struct vgfb *ctx = test_open("sim:mode=800x600,format=XRGB8888");
	struct vfio_device_gfx_plane_info info;
	struct vgfb_plane_ext ext;

	ck_assert_str_eq(vgfb_get_backend_name(ctx), "sim");
	ck_assert_int_eq(test_query(ctx, REGION, DRM_PLANE_TYPE_PRIMARY, &info, &ext), 0);
	ck_assert_uint_eq(info.argsz, sizeof(info));
	ck_assert_uint_eq(info.flags, REGION);
	ck_assert_uint_eq(info.drm_plane_type, DRM_PLANE_TYPE_PRIMARY);
	ck_assert_uint_eq(info.drm_format, DRM_FORMAT_XRGB8888);
	ck_assert_uint_eq(info.drm_format_mod, DRM_FORMAT_MOD_LINEAR);
	ck_assert_uint_eq(info.width, 800);
	ck_assert_uint_eq(info.height, 600);
	ck_assert_uint_eq(info.stride, 3200);
	ck_assert_uint_eq(info.size, 1921024);	/* 3200 * 600 rounded to pages */
	ck_assert_uint_eq(info.x_pos, 0);
	ck_assert_uint_eq(info.x_hot, 0xFFFFFFFFu);
	ck_assert_uint_eq(info.y_hot, 0xFFFFFFFFu);
	ck_assert_uint_ne(info.dmabuf_id, 0);
	ck_assert_uint_eq(((const uint32_t *)&info)[15], 0);	/* reserved */
	ck_assert_uint_eq(ext.head, 0);
	ck_assert_uint_eq(ext.frame_seq, 1);
	ck_assert_uint_eq(ext.flags, VGFB_PLANE_EXT_DAMAGE_ALL);

	ck_assert_int_eq(test_query(ctx, REGION, DRM_PLANE_TYPE_CURSOR, &info, NULL), 0);
	ck_assert_uint_eq(info.drm_format, DRM_FORMAT_ARGB8888);
	ck_assert_uint_eq(info.width, 64);
	ck_assert_uint_eq(info.x_pos, 400);
	ck_assert_uint_eq(info.y_pos, 300);
	ck_assert_uint_eq(info.x_hot, 2);
	ck_assert_uint_eq(info.y_hot, 2);
	vgfb_close(ctx);
}
END_TEST

START_TEST(disabled_plane_is_zeroed_success)
{
	struct vgfb *ctx = test_open("sim:cursor=off");
	struct vfio_device_gfx_plane_info info;

	ck_assert_int_eq(test_query(ctx, REGION, DRM_PLANE_TYPE_CURSOR, &info, NULL), 0);
	ck_assert_uint_eq(info.argsz, sizeof(info));
	ck_assert_uint_eq(info.flags, REGION);
	ck_assert_uint_eq(info.drm_plane_type, DRM_PLANE_TYPE_CURSOR);
	ck_assert_uint_eq(info.drm_format, 0);
	ck_assert_uint_eq(info.width, 0);
	ck_assert_uint_eq(info.height, 0);
	ck_assert_uint_eq(info.size, 0);
	ck_assert_uint_eq(info.dmabuf_id, 0);
	ck_assert_uint_eq(info.x_hot, 0);
	ck_assert_int_eq(vgfb_sim_set_cursor(ctx, 0, 1, 0, 0), -ENODEV);
	ck_assert_int_eq(vgfb_sim_set_mode(ctx, 0, 0, 0, 0), 0);
	ck_assert_int_eq(test_query(ctx, REGION, DRM_PLANE_TYPE_PRIMARY, &info, NULL), 0);
	ck_assert_uint_eq(info.drm_format, 0);
	ck_assert_uint_eq(info.dmabuf_id, 0);
	vgfb_close(ctx);
}
END_TEST

START_TEST(unchanged_plane_keeps_its_id)
{
	struct vgfb *ctx = test_open("sim");
	struct vfio_device_gfx_plane_info a, b, cur1, cur2;

	ck_assert_int_eq(test_query(ctx, REGION, DRM_PLANE_TYPE_PRIMARY, &a, NULL), 0);
	ck_assert_int_eq(test_query(ctx, REGION, DRM_PLANE_TYPE_PRIMARY, &b, NULL), 0);
	ck_assert_uint_eq(a.dmabuf_id, b.dmabuf_id);
	/* a moving cursor keeps its image, so its id */
	ck_assert_int_eq(test_query(ctx, REGION, DRM_PLANE_TYPE_CURSOR, &cur1, NULL), 0);
	ck_assert_int_eq(vgfb_sim_set_cursor(ctx, 0, 1, 10, 20), 0);
	ck_assert_int_eq(test_query(ctx, REGION, DRM_PLANE_TYPE_CURSOR, &cur2, NULL), 0);
	ck_assert_uint_eq(cur1.dmabuf_id, cur2.dmabuf_id);
	ck_assert_uint_eq(cur2.x_pos, 10);
	ck_assert_uint_ne(cur1.dmabuf_id, a.dmabuf_id);
	vgfb_close(ctx);
}
END_TEST

START_TEST(get_rules)
{
	struct vgfb *ctx = test_open("sim");
	struct vfio_device_gfx_plane_info info;
	int fd1, fd2;

	ck_assert_int_eq(test_query(ctx, REGION, DRM_PLANE_TYPE_PRIMARY, &info, NULL), 0);
	ck_assert_int_eq(vgfb_get_region_fd(ctx, 0), -ENOENT);
	ck_assert_int_eq(vgfb_get_region_fd(ctx, info.region_index ^ 0x1), -ENOENT);
	ck_assert_int_eq(vgfb_get_region_fd(ctx, 0xdeadbeef), -ENOENT);
	ck_assert_int_eq(vgfb_get_region_fd(NULL, info.region_index), -EINVAL);
	ck_assert_int_eq(vgfb_get_gfx_dmabuf(ctx, 0), -ENOENT);
	ck_assert_int_eq(vgfb_get_gfx_dmabuf(ctx, 0xdeadbeef), -ENOENT);
	fd1 = vgfb_get_region_fd(ctx, info.region_index);
	fd2 = vgfb_get_region_fd(ctx, info.region_index);
	ck_assert_int_ge(fd1, 0);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_ne(fd1, fd2);	/* a new fd each call */
	ck_assert(fcntl(fd1, F_GETFD) & FD_CLOEXEC);
	ck_assert(fcntl(fd2, F_GETFD) & FD_CLOEXEC);
	close(fd1);
	close(fd2);
	if (has_dmabuf_exporter(ctx)) {
		fd1 = vgfb_get_gfx_dmabuf(ctx, info.dmabuf_id);
		fd2 = vgfb_get_gfx_dmabuf(ctx, info.dmabuf_id);
		ck_assert_int_ge(fd1, 0);
		ck_assert_int_ne(fd1, fd2);
		ck_assert(fcntl(fd1, F_GETFD) & FD_CLOEXEC);
		close(fd1);
		close(fd2);
	} else {
		ck_assert_int_eq(vgfb_get_gfx_dmabuf(ctx, info.dmabuf_id), -ENOTSUP);
	}
	vgfb_close(ctx);
}
END_TEST

START_TEST(heads)
{
	struct vgfb *ctx = test_open("sim:heads=3");
	struct vfio_device_gfx_plane_info info;
	struct vgfb_plane_ext ext;
	uint32_t n = 0, ids[3];

	ck_assert_int_eq(vgfb_get_head_count(ctx, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(vgfb_get_head_count(ctx, NULL), -EINVAL);
	ck_assert_int_eq(vgfb_set_head(ctx, 3), -EINVAL);
	for (uint32_t h = 0; h < 3; h++) {
		ck_assert_int_eq(vgfb_set_head(ctx, h), 0);
		ck_assert_int_eq(test_query(ctx, REGION, DRM_PLANE_TYPE_PRIMARY, &info, &ext), 0);
		ck_assert_uint_eq(ext.head, h);
		ids[h] = info.dmabuf_id;
	}
	ck_assert(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
	vgfb_close(ctx);
}
END_TEST

START_TEST(sim_controls_refuse_nonsense)
{
	struct vgfb *ctx = test_open("sim");
	struct vgfb_rect r = { 5000, 0, 1, 1 }, zero = { 0, 0, 0, 0 };

	ck_assert_int_eq(vgfb_sim_flip(ctx, 1), -EINVAL);
	ck_assert_int_eq(vgfb_sim_set_mode(ctx, 0, 100, 100, DRM_FORMAT_NV12), -EINVAL);
	ck_assert_int_eq(vgfb_sim_set_mode(ctx, 0, 100, 0, DRM_FORMAT_XRGB8888), -EINVAL);
	ck_assert_int_eq(vgfb_sim_update(ctx, 0, &r), -EINVAL);
	ck_assert_int_eq(vgfb_sim_update(ctx, 0, &zero), -EINVAL);
	ck_assert_int_eq(vgfb_sim_update(ctx, 0, NULL), -EINVAL);
	ck_assert_int_eq(vgfb_sim_flip(NULL, 0), -ENOTSUP);
	vgfb_close(ctx);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("contract");

	test_add_fd_leak_check(tc);
	tcase_add_test(tc, open_rejects_bad_targets);
	tcase_add_test(tc, argsz_and_flags);
	tcase_add_test(tc, probe_answers_without_writing);
	tcase_add_test(tc, primary_and_cursor_fields);
	tcase_add_test(tc, disabled_plane_is_zeroed_success);
	tcase_add_test(tc, unchanged_plane_keeps_its_id);
	tcase_add_test(tc, get_rules);
	tcase_add_test(tc, heads);
	tcase_add_test(tc, sim_controls_refuse_nonsense);
	suite_add_tcase(s, tc);
	return test_run(s);
}
