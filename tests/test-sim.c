/* SPDX-License-Identifier: MIT */
/*
 * The sim guest end to end through the region exporter: what a consumer
 * maps is the documented pattern, pixel for pixel, across formats, heads,
 * flips, in-place updates and mode changes; ids follow the buffers.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <drm_fourcc.h>

#include "format.h"
#include "pattern.h"
#include "test-common.h"

#define REGION VFIO_GFX_PLANE_TYPE_REGION
#define PRIMARY DRM_PLANE_TYPE_PRIMARY
#define CURSOR DRM_PLANE_TYPE_CURSOR

/* Map the plane's region and count pixels that differ from frame `frame`. */
static long
mismatches(struct vgfb *ctx, const struct vfio_device_gfx_plane_info *info,
	   uint64_t frame, const struct vgfb_rect *clip)
{
	int fd = vgfb_get_region_fd(ctx, info->region_index);
	void *p;
	long bad;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_END), info->size);
	p = test_map(fd, info->size);
	ck_assert_ptr_nonnull(p);
	bad = vgfb_pattern_compare(p, info->drm_format, info->width,
				   info->height, info->stride, frame, clip,
				   NULL, NULL);
	munmap(p, info->size);
	close(fd);
	return bad;
}

START_TEST(every_format_pixel_exact)
{
	uint32_t fmt = vgfb_format_at((unsigned int)_i);
	struct vfio_device_gfx_plane_info info;
	struct vgfb_plane_ext ext;
	char target[128];
	struct vgfb *ctx;

	snprintf(target, sizeof(target), "sim:mode=333x200,format=%s,exporter=region",
		 vgfb_format_name(fmt));
	ctx = test_open(target);
	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &info, &ext), 0);
	ck_assert_uint_eq(info.drm_format, fmt);
	ck_assert_uint_ge(info.stride, 333 * vgfb_format_cpp(fmt));
	ck_assert_int_eq(mismatches(ctx, &info, ext.frame_seq, NULL), 0);
	/* and it is really frame 1, not just any frame */
	ck_assert_int_eq(mismatches(ctx, &info, ext.frame_seq + 1, NULL), 333 * 200);
	vgfb_close(ctx);
}
END_TEST

START_TEST(flips_alternate_two_buffers)
{
	struct vgfb *ctx = test_open("sim:mode=256x128");
	struct vfio_device_gfx_plane_info f1, f2, f3;
	struct vgfb_plane_ext e1, e2, e3;

	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &f1, &e1), 0);
	ck_assert_int_eq(vgfb_sim_flip(ctx, 0), 0);
	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &f2, &e2), 0);
	ck_assert_int_eq(vgfb_sim_flip(ctx, 0), 0);
	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &f3, &e3), 0);
	ck_assert_uint_eq(e2.frame_seq, e1.frame_seq + 1);
	ck_assert_uint_eq(e3.frame_seq, e1.frame_seq + 2);
	/* double buffering: two ids, the first one comes back */
	ck_assert_uint_ne(f1.dmabuf_id, f2.dmabuf_id);
	ck_assert_uint_eq(f1.dmabuf_id, f3.dmabuf_id);
	ck_assert_uint_eq(e2.flags, VGFB_PLANE_EXT_DAMAGE_ALL);
	ck_assert_int_eq(mismatches(ctx, &f3, e3.frame_seq, NULL), 0);
	/* the back buffer still holds the previous frame */
	ck_assert_int_eq(mismatches(ctx, &f2, e2.frame_seq, NULL), 0);
	vgfb_close(ctx);
}
END_TEST

START_TEST(update_in_place_reports_damage)
{
	struct vgfb *ctx = test_open("sim:mode=200x100");
	struct vgfb_rect r = { 10, 20, 30, 40 }, r2 = { 190, 90, 50, 50 };
	struct vfio_device_gfx_plane_info before, after;
	struct vgfb_plane_ext eb, ea;

	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &before, &eb), 0);
	ck_assert_int_eq(vgfb_sim_update(ctx, 0, &r), 0);
	ck_assert_int_eq(vgfb_sim_update(ctx, 0, &r2), 0);
	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &after, &ea), 0);
	ck_assert_uint_eq(before.dmabuf_id, after.dmabuf_id);	/* same buffer */
	ck_assert_uint_eq(ea.frame_seq, eb.frame_seq + 2);
	ck_assert_uint_eq(ea.flags, 0);
	ck_assert_uint_eq(ea.n_damage, 2);
	ck_assert(ea.damage[0].x == 10 && ea.damage[0].width == 30);
	ck_assert(ea.damage[1].x == 190 && ea.damage[1].width == 10); /* clamped */
	ck_assert_int_eq(mismatches(ctx, &after, eb.frame_seq + 1, &r), 0);
	ck_assert_int_eq(mismatches(ctx, &after, eb.frame_seq + 2, &ea.damage[1]), 0);
	/* outside the damage the old frame stays */
	ck_assert_int_eq(mismatches(ctx, &after, eb.frame_seq, NULL),
			 30 * 40 + 10 * 10);
	/* damage is reported once */
	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &after, &ea), 0);
	ck_assert_uint_eq(ea.n_damage, 0);
	ck_assert_uint_eq(ea.flags, 0);
	vgfb_close(ctx);
}
END_TEST

START_TEST(ids_across_mode_changes)
{
	struct vgfb *ctx = test_open("sim:mode=320x240");
	struct vfio_device_gfx_plane_info a, b, c;
	struct vgfb_plane_ext e;
	int fd;

	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &a, NULL), 0);
	fd = vgfb_get_region_fd(ctx, a.region_index);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(vgfb_sim_set_mode(ctx, 0, 640, 480, DRM_FORMAT_RGB565), 0);
	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &b, &e), 0);
	ck_assert_uint_ne(a.dmabuf_id, b.dmabuf_id);
	ck_assert_uint_eq(b.width, 640);
	ck_assert_uint_eq(b.drm_format, DRM_FORMAT_RGB565);
	ck_assert_int_eq(mismatches(ctx, &b, e.frame_seq, NULL), 0);
	/* the old id still names the old descriptor while it is cached */
	int old = vgfb_get_region_fd(ctx, a.region_index);
	ck_assert_int_ge(old, 0);
	close(old);
	/* a region fd taken before the mode change stays a valid snapshot */
	void *p = test_map(fd, a.size);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(vgfb_pattern_compare(p, a.drm_format, a.width, a.height,
					      a.stride, 1, NULL, NULL, NULL), 0);
	munmap(p, a.size);
	close(fd);
	/* back to the first mode: the same buffer, so the same id again */
	ck_assert_int_eq(vgfb_sim_set_mode(ctx, 0, 320, 240, DRM_FORMAT_XRGB8888), 0);
	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &c, NULL), 0);
	ck_assert_uint_eq(c.dmabuf_id, a.dmabuf_id);
	/* many modes later, the first id has been evicted: stale, -ENOENT */
	for (uint32_t w = 16; w < 16 + 20 * 8; w += 8) {
		ck_assert_int_eq(vgfb_sim_set_mode(ctx, 0, w, 16, DRM_FORMAT_XRGB8888), 0);
		ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &b, NULL), 0);
	}
	ck_assert_int_eq(vgfb_get_region_fd(ctx, a.region_index), -ENOENT);
	vgfb_close(ctx);
}
END_TEST

START_TEST(region_is_a_sealed_snapshot)
{
	struct vgfb *ctx = test_open("sim:mode=64x64");
	struct vfio_device_gfx_plane_info info;
	void *w;
	int fd;

	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &info, NULL), 0);
	fd = vgfb_get_region_fd(ctx, info.region_index);
	ck_assert_int_ge(fd, 0);
	/* a consumer cannot write into it, nor resize it */
	w = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(w == MAP_FAILED);
	ck_assert_int_lt(ftruncate(fd, 0), 0);
	ck_assert_int_lt(write(fd, "x", 1), 0);
	close(fd);
	vgfb_close(ctx);
}
END_TEST

START_TEST(cursor_image_is_exact)
{
	struct vgfb *ctx = test_open("sim");
	struct vfio_device_gfx_plane_info info;
	uint8_t *p;
	int fd;

	ck_assert_int_eq(test_query(ctx, REGION, CURSOR, &info, NULL), 0);
	fd = vgfb_get_region_fd(ctx, info.region_index);
	ck_assert_int_ge(fd, 0);
	p = test_map(fd, info.size);
	ck_assert_ptr_nonnull(p);
	for (uint32_t y = 0; y < info.height; y++)
		for (uint32_t x = 0; x < info.width; x++) {
			uint8_t want[4], got[4];

			vgfb_cursor_rgba(x, y, want);
			vgfb_pixel_unpack(info.drm_format, p + y * info.stride + x * 4, got);
			ck_assert_msg(memcmp(want, got, 4) == 0, "cursor %u,%u", x, y);
		}
	munmap(p, info.size);
	close(fd);
	vgfb_close(ctx);
}
END_TEST

START_TEST(guest_death_with_fds_held)
{
	struct vgfb *ctx = test_open("sim:heads=2");
	struct vfio_device_gfx_plane_info info, gone;
	struct vgfb_plane_ext ext;
	uint32_t n;
	void *p;
	int fd;

	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &info, &ext), 0);
	fd = vgfb_get_region_fd(ctx, info.region_index);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(vgfb_sim_destroy_guest(ctx), 0);
	/* every id is stale, queries say the device is gone */
	ck_assert_int_eq(vgfb_get_region_fd(ctx, info.region_index), -ENOENT);
	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &gone, NULL), -ENODEV);
	ck_assert_int_eq(vgfb_get_head_count(ctx, &n), -ENODEV);
	ck_assert_int_eq(vgfb_sim_flip(ctx, 0), -ENODEV);
	/* the consumer's fd outlives the guest */
	p = test_map(fd, info.size);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(vgfb_pattern_compare(p, info.drm_format, info.width,
					      info.height, info.stride,
					      ext.frame_seq, NULL, NULL, NULL), 0);
	munmap(p, info.size);
	close(fd);
	vgfb_close(ctx);
}
END_TEST

START_TEST(many_contexts_are_independent)
{
	struct vgfb *a = test_open("sim"), *b = test_open("sim");
	struct vfio_device_gfx_plane_info ia, ib;
	struct vgfb_plane_ext ea, eb;

	ck_assert_int_eq(vgfb_sim_flip(a, 0), 0);
	ck_assert_int_eq(vgfb_sim_destroy_guest(a), 0);
	ck_assert_int_eq(test_query(b, REGION, PRIMARY, &ib, &eb), 0);
	ck_assert_uint_eq(eb.frame_seq, 1);
	ck_assert_int_eq(mismatches(b, &ib, 1, NULL), 0);
	ck_assert_int_eq(test_query(a, REGION, PRIMARY, &ia, &ea), -ENODEV);
	vgfb_close(a);
	vgfb_close(b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sim");
	TCase *tc = tcase_create("region");

	tcase_set_timeout(tc, 60);
	test_add_fd_leak_check(tc);
	tcase_add_loop_test(tc, every_format_pixel_exact, 0, (int)vgfb_format_count());
	tcase_add_test(tc, flips_alternate_two_buffers);
	tcase_add_test(tc, update_in_place_reports_damage);
	tcase_add_test(tc, ids_across_mode_changes);
	tcase_add_test(tc, region_is_a_sealed_snapshot);
	tcase_add_test(tc, cursor_image_is_exact);
	tcase_add_test(tc, guest_death_with_fds_held);
	tcase_add_test(tc, many_contexts_are_independent);
	suite_add_tcase(s, tc);
	return test_run(s);
}
