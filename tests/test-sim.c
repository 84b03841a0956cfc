/* SPDX-License-Identifier: MIT */
/*
 * The sim guest end to end through the region exporter: what a consumer
 * maps is the documented pattern, pixel for pixel, across formats, heads,
 * flips, in-place updates and mode changes; ids follow the buffers; a
 * region is one live, read-only view per id that costs only its damage;
 * input sent to a head reaches the guest in order, checked, and bounded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <linux/input-event-codes.h>

#include "format.h"
#include "pattern.h"
#include "private.h"
#include "sim.h"
#include "test-common.h"

#define REGION VFIO_GFX_PLANE_TYPE_REGION
#define PRIMARY DRM_PLANE_TYPE_PRIMARY
#define CURSOR DRM_PLANE_TYPE_CURSOR

/* Pixels of a mapped plane that differ from frame `frame` (in clip). */
static long
view_mismatches(const void *p, const struct vfio_device_gfx_plane_info *info,
		uint64_t frame, const struct vgfb_rect *clip)
{
	return vgfb_pattern_compare(p, info->drm_format, info->width,
				    info->height, info->stride, frame, clip,
				    NULL, NULL);
}

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
	bad = view_mismatches(p, info, frame, clip);
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
	/* a view no longer shown keeps the last frame it showed */
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

/* A consumer cannot change a view, whatever it does with its fd. */
START_TEST(region_is_read_only_for_consumers)
{
	struct vgfb *ctx = test_open("sim:mode=64x64");
	struct vfio_device_gfx_plane_info info;
	char path[64];
	uint8_t *r, *priv;
	void *w;
	int fd, rw;

	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &info, NULL), 0);
	fd = vgfb_get_region_fd(ctx, info.region_index);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_END), info.size);
	w = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(w == MAP_FAILED);
	r = test_map(fd, info.size);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_lt(mprotect(r, info.size, PROT_READ | PROT_WRITE), 0);
	ck_assert_int_lt(write(fd, "x", 1), 0);
	ck_assert_int_lt(pwrite(fd, "x", 1, 0), 0);
	ck_assert_int_lt(ftruncate(fd, 0), 0);
	ck_assert_int_lt(ftruncate(fd, (off_t)info.size * 2), 0);
	ck_assert_int_lt(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				   0, 4096), 0);
	ck_assert_int_lt(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), 0);
	/* reopening the file read-write gains nothing: the seals hold */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rw = open(path, O_RDWR | O_CLOEXEC);
	if (rw >= 0) {
		w = mmap(NULL, info.size, PROT_WRITE, MAP_SHARED, rw, 0);
		ck_assert(w == MAP_FAILED);
		ck_assert_int_lt(write(rw, "x", 1), 0);
		close(rw);
	}
	/* a private copy-on-write mapping changes nothing for others */
	priv = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ck_assert(priv != MAP_FAILED);
	priv[0] = (uint8_t)~r[0];
	ck_assert_uint_ne(priv[0], r[0]);
	munmap(priv, info.size);
	munmap(r, info.size);
	close(fd);
	vgfb_close(ctx);
}
END_TEST

/* Region views of this process: fds ("fd") or mappings ("maps") of them. */
static int
count_views(const char *what)
{
	char line[512], link[256], path[64];
	int n = 0;

	if (strcmp(what, "maps") == 0) {
		FILE *f = fopen("/proc/self/maps", "re");

		ck_assert_ptr_nonnull(f);
		while (fgets(line, sizeof(line), f))
			n += strstr(line, "/memfd:vgfb-region") != NULL;
		fclose(f);
		return n;
	}
	for (int fd = 0; fd < 1024; fd++) {
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		n += strncmp(link, "/memfd:vgfb-region", 18) == 0;
	}
	return n;
}

static void
same_file(int a, int b)
{
	struct stat sa, sb;

	ck_assert_int_eq(fstat(a, &sa), 0);
	ck_assert_int_eq(fstat(b, &sb), 0);
	ck_assert(sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

/*
 * Every GET is a new fd of one file; a mapping taken once follows the
 * guest's damage; an unchanged plane costs no copy, damage costs itself.
 */
START_TEST(region_is_one_live_view)
{
	struct vgfb *ctx = test_open("sim:mode=333x200,exporter=region");
	struct vgfb_rect r = { 10, 20, 64, 30 };
	struct vfio_device_gfx_plane_info info, again;
	struct vgfb_plane_ext ext;
	struct vgfb_event ev;
	uint64_t copied;
	uint8_t *p;
	int fd1, fd2;

	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &info, &ext), 0);
	ck_assert_uint_eq(vgfb__local_region_bytes_copied(ctx), 0);
	fd1 = vgfb_get_region_fd(ctx, info.region_index);
	ck_assert_int_ge(fd1, 0);
	/* the first GET fills the view: one copy of the plane */
	ck_assert_uint_eq(vgfb__local_region_bytes_copied(ctx), info.size);
	p = test_map(fd1, info.size);
	ck_assert_ptr_nonnull(p);

	/* unchanged: the same file again, and nothing copied */
	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &again, NULL), 0);
	ck_assert_uint_eq(again.region_index, info.region_index);
	fd2 = vgfb_get_region_fd(ctx, info.region_index);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_ne(fd1, fd2);
	same_file(fd1, fd2);
	ck_assert_uint_eq(vgfb__local_region_bytes_copied(ctx), info.size);

	/* damage: the consumer's event, then its old mapping shows it */
	ck_assert_int_eq(vgfb_subscribe(ctx, VGFB_EVENT_MASK_ALL), 0);
	ck_assert_int_eq(vgfb_sim_update(ctx, 0, &r), 0);
	ck_assert_int_eq(vgfb_read_event(ctx, &ev), 0);
	ck_assert_uint_eq(ev.type, VGFB_EVENT_DAMAGE);
	ck_assert_int_eq(view_mismatches(p, &info, ext.frame_seq + 1, &r), 0);
	ck_assert_int_eq(view_mismatches(p, &info, ext.frame_seq, NULL), 64 * 30);
	copied = vgfb__local_region_bytes_copied(ctx) - info.size;
	ck_assert_uint_eq(copied, 64 * 30 * vgfb_format_cpp(info.drm_format));
	/* and a query after it copies nothing more */
	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &again, NULL), 0);
	ck_assert_uint_eq(vgfb__local_region_bytes_copied(ctx),
			  info.size + copied);
	munmap(p, info.size);
	close(fd1);
	close(fd2);
	vgfb_close(ctx);
}
END_TEST

/*
 * A flip shows the other buffer: its view is brought up to date by the
 * query that names it, while the view of the buffer no longer shown keeps
 * the last frame it showed until it is shown again.
 */
START_TEST(region_follows_flips)
{
	struct vgfb *ctx = test_open("sim:mode=256x128");
	struct vfio_device_gfx_plane_info a, b, a2;
	struct vgfb_plane_ext ea, eb, ea2;
	uint8_t *pa, *pb;
	uint64_t copied;
	int fa, fb;

	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &a, &ea), 0);
	fa = vgfb_get_region_fd(ctx, a.region_index);
	ck_assert_int_ge(fa, 0);
	pa = test_map(fa, a.size);
	ck_assert_ptr_nonnull(pa);
	ck_assert_int_eq(vgfb_sim_flip(ctx, 0), 0);
	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &b, &eb), 0);
	ck_assert_uint_ne(a.region_index, b.region_index);
	fb = vgfb_get_region_fd(ctx, b.region_index);
	ck_assert_int_ge(fb, 0);
	pb = test_map(fb, b.size);
	ck_assert_ptr_nonnull(pb);
	ck_assert_int_eq(view_mismatches(pb, &b, eb.frame_seq, NULL), 0);
	ck_assert_int_eq(view_mismatches(pa, &a, ea.frame_seq, NULL), 0);
	copied = vgfb__local_region_bytes_copied(ctx);
	ck_assert_int_eq(vgfb_sim_flip(ctx, 0), 0);
	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &a2, &ea2), 0);
	ck_assert_uint_eq(a2.region_index, a.region_index);
	ck_assert_uint_eq(ea2.frame_seq, ea.frame_seq + 2);
	ck_assert_int_eq(view_mismatches(pa, &a, ea2.frame_seq, NULL), 0);
	/* one full copy for the flip, of the buffer shown, not of both */
	ck_assert_uint_eq(vgfb__local_region_bytes_copied(ctx) - copied,
			  a.size);
	munmap(pa, a.size);
	munmap(pb, b.size);
	close(fa);
	close(fb);
	vgfb_close(ctx);
}
END_TEST

/*
 * vgfb's own fd and mapping of a view go with the cache entry; a
 * consumer's fd keeps the file, and its last picture, for itself.
 */
START_TEST(region_view_released_with_its_entry)
{
	struct vgfb *ctx = test_open("sim:mode=320x240");
	struct vfio_device_gfx_plane_info a, b;
	struct vgfb_plane_ext ea;
	int fd, fds0 = count_views("fd"), maps0 = count_views("maps");
	uint8_t *p;

	ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &a, &ea), 0);
	fd = vgfb_get_region_fd(ctx, a.region_index);
	ck_assert_int_ge(fd, 0);
	/* the consumer's fd and vgfb's own fd and mapping */
	ck_assert_int_eq(count_views("fd"), fds0 + 2);
	ck_assert_int_eq(count_views("maps"), maps0 + 1);
	/* sixteen other planes later the entry is evicted */
	for (uint32_t w = 16; w < 16 + 20 * 8; w += 8) {
		ck_assert_int_eq(vgfb_sim_set_mode(ctx, 0, w, 16,
						   DRM_FORMAT_XRGB8888), 0);
		ck_assert_int_eq(test_query(ctx, REGION, PRIMARY, &b, NULL), 0);
	}
	ck_assert_int_eq(vgfb_get_region_fd(ctx, a.region_index), -ENOENT);
	ck_assert_int_eq(count_views("fd"), fds0 + 1);
	ck_assert_int_eq(count_views("maps"), maps0);
	p = test_map(fd, a.size);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(view_mismatches(p, &a, ea.frame_seq, NULL), 0);
	munmap(p, a.size);
	close(fd);
	/* views of live entries go with the context */
	fd = vgfb_get_region_fd(ctx, b.region_index);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(count_views("fd"), fds0 + 1);
	vgfb_close(ctx);
	ck_assert_int_eq(count_views("fd"), fds0);
	ck_assert_int_eq(count_views("maps"), maps0);
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
	ck_assert_int_eq(view_mismatches(p, &info, ext.frame_seq, NULL), 0);
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

/* ---- input back to the guest ---- */

static void
assert_input(struct vgfb *ctx, uint32_t want_head,
	     const struct vgfb_input_event *want)
{
	struct vgfb_input_event got;
	uint32_t head = 99;

	ck_assert_int_eq(vgfb_sim_read_input(ctx, &head, &got), 0);
	ck_assert_uint_eq(head, want_head);
	ck_assert_mem_eq(&got, want, sizeof(got));
}

START_TEST(input_reaches_the_guest_in_order)
{
	struct vgfb *ctx = test_open("sim:heads=2");
	const struct vgfb_input_event ev[] = {
		test_key(KEY_A, 1), test_key(KEY_A, 0),
		{ .type = VGFB_INPUT_ABS, .x = 1023, .y = 0 },
		test_key(BTN_LEFT, 1),
		{ .type = VGFB_INPUT_WHEEL, .code = 0, .value = -3 },
		{ .type = VGFB_INPUT_WHEEL, .code = 1, .value = 127 },
		test_key(KEY_MAX, 1),
	};
	const uint32_t n = sizeof(ev) / sizeof(ev[0]);
	struct vgfb_input_event got;
	uint32_t head;

	ck_assert_int_eq(vgfb_sim_read_input(ctx, &head, &got), -EAGAIN);
	ck_assert_int_eq(vgfb_send_input(ctx, ev, 2), 0);
	ck_assert_int_eq(vgfb_set_head(ctx, 1), 0);
	ck_assert_int_eq(vgfb_send_input(ctx, ev + 2, n - 2), 0);
	for (uint32_t i = 0; i < n; i++)
		assert_input(ctx, i < 2 ? 0 : 1, &ev[i]);
	ck_assert_int_eq(vgfb_sim_read_input(ctx, &head, &got), -EAGAIN);
	vgfb_close(ctx);
}
END_TEST

START_TEST(input_bad_events_refused)
{
	struct vgfb *ctx = test_open("sim");
	const struct vgfb_input_event bad[] = {
		{ .type = 0, .code = KEY_A, .value = 1 },
		{ .type = 4 },
		test_key(0, 1),			/* KEY_RESERVED */
		test_key(KEY_MAX + 1, 1),
		test_key(KEY_A, 2),		/* the guest repeats */
		test_key(KEY_A, -1),
		{ .type = VGFB_INPUT_KEY, .code = KEY_A, .value = 1, .x = 1 },
		{ .type = VGFB_INPUT_KEY, .code = KEY_A, .reserved = 1 },
		{ .type = VGFB_INPUT_ABS, .x = VGFB_INPUT_MAX_POS },
		{ .type = VGFB_INPUT_ABS, .y = UINT32_MAX },
		{ .type = VGFB_INPUT_ABS, .code = 1 },
		{ .type = VGFB_INPUT_ABS, .value = 1 },
		{ .type = VGFB_INPUT_WHEEL, .code = 0, .value = 0 },
		{ .type = VGFB_INPUT_WHEEL, .code = 2, .value = 1 },
		{ .type = VGFB_INPUT_WHEEL, .value = VGFB_INPUT_MAX_WHEEL + 1 },
		{ .type = VGFB_INPUT_WHEEL, .value = INT32_MIN },
		{ .type = VGFB_INPUT_WHEEL, .value = 1, .y = 1 },
	};
	struct vgfb_input_event batch[VGFB_INPUT_MAX_EVENTS + 1];
	struct vgfb_input_event got;
	uint32_t head;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* a good event first: the whole batch is refused */
		batch[0] = test_key(KEY_B, 1);
		batch[1] = bad[i];
		ck_assert_msg(vgfb_send_input(ctx, batch, 2) == -EINVAL,
			      "bad event %zu accepted", i);
	}
	for (size_t i = 0; i < VGFB_INPUT_MAX_EVENTS + 1; i++)
		batch[i] = test_key(KEY_C, 1);
	ck_assert_int_eq(vgfb_send_input(ctx, batch, 0), -EINVAL);
	ck_assert_int_eq(vgfb_send_input(ctx, batch, VGFB_INPUT_MAX_EVENTS + 1),
			 -EINVAL);
	ck_assert_int_eq(vgfb_send_input(ctx, NULL, 1), -EINVAL);
	ck_assert_int_eq(vgfb_send_input(NULL, batch, 1), -EINVAL);
	ck_assert_int_eq(vgfb_sim_read_input(ctx, NULL, &got), -EINVAL);
	ck_assert_int_eq(vgfb_sim_read_input(ctx, &head, NULL), -EINVAL);
	ck_assert_int_eq(vgfb_sim_read_input(ctx, &head, &got), -EAGAIN);
	ck_assert_int_eq(vgfb_send_input(ctx, batch, VGFB_INPUT_MAX_EVENTS), 0);
	vgfb_close(ctx);
}
END_TEST

START_TEST(input_queue_keeps_the_latest)
{
	struct vgfb *ctx = test_open("sim");
	const uint32_t sent = VGFB_SIM_INPUT_QUEUE + 44;
	struct vgfb_input_event ev, want;
	uint32_t head;

	for (uint32_t i = 0; i < sent; i++) {
		ev = test_key(1 + i % KEY_MAX, 1);
		ck_assert_int_eq(vgfb_send_input(ctx, &ev, 1), 0);
	}
	ck_assert_uint_eq(vgfb__sim_input_dropped(vgfb__local_sim(ctx)), 44);
	for (uint32_t i = 44; i < sent; i++) {
		want = test_key(1 + i % KEY_MAX, 1);
		assert_input(ctx, 0, &want);
	}
	ck_assert_int_eq(vgfb_sim_read_input(ctx, &head, &ev), -EAGAIN);
	vgfb_close(ctx);
}
END_TEST

START_TEST(input_without_a_channel_or_a_guest)
{
	struct vgfb *off = test_open("sim:input=off");
	struct vgfb *ctx = test_open("sim");
	struct vgfb_input_event ev = test_key(KEY_A, 1);
	uint32_t head;

	ck_assert_int_eq(vgfb_send_input(off, &ev, 1), -ENOTSUP);
	ck_assert_int_eq(vgfb_sim_read_input(off, &head, &ev), -ENOTSUP);
	/* bad events are refused first, whatever the guest has */
	ev.value = 7;
	ck_assert_int_eq(vgfb_send_input(off, &ev, 1), -EINVAL);
	ev.value = 1;
	ck_assert_int_eq(vgfb_sim_destroy_guest(ctx), 0);
	ck_assert_int_eq(vgfb_send_input(ctx, &ev, 1), -ENODEV);
	vgfb_close(off);
	vgfb_close(ctx);
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
	tcase_add_test(tc, region_is_read_only_for_consumers);
	tcase_add_test(tc, region_is_one_live_view);
	tcase_add_test(tc, region_follows_flips);
	tcase_add_test(tc, region_view_released_with_its_entry);
	tcase_add_test(tc, cursor_image_is_exact);
	tcase_add_test(tc, guest_death_with_fds_held);
	tcase_add_test(tc, many_contexts_are_independent);
	suite_add_tcase(s, tc);
	tc = tcase_create("input");
	test_add_fd_leak_check(tc);
	tcase_add_test(tc, input_reaches_the_guest_in_order);
	tcase_add_test(tc, input_bad_events_refused);
	tcase_add_test(tc, input_queue_keeps_the_latest);
	tcase_add_test(tc, input_without_a_channel_or_a_guest);
	suite_add_tcase(s, tc);
	return test_run(s);
}
