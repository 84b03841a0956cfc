/* SPDX-License-Identifier: MIT */
/*
 * vgfb-vnc's frames.c alone, against a fake neatvnc that holds frames
 * for as long as the test says (as viewers being encoded do), and a fake
 * libvgfb whose dma-bufs are memfds.  This is how the zero-copy path is
 * tested on a machine without a dma-buf exporter: which buffer neatvnc
 * is given, that nothing is copied, that every DMA_BUF_SYNC_START has
 * its END, that mappings go when neatvnc lets go of them; and, on the
 * shadow path, that every frame handed over shows the whole plane
 * however many frames neatvnc still holds.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <linux/dma-buf.h>
#include <neatvnc.h>
#include <pixman.h>

#include "format.h"
#include "frames.h"
#include "pattern.h"
#include <check.h>

#define W 96
#define H 80
#define MAX_IDS 16

/* ---- a fake libvgfb: planes in memfds ---- */

static int plane_fd[MAX_IDS + 1];	/* by id; 0 unused */
static unsigned int dmabuf_gets, region_gets;
static int sync_balance[1024];		/* by fd: START - END */
static bool sync_unbalanced;

int
vgfb_get_gfx_dmabuf(struct vgfb *ctx, uint32_t id)
{
	dmabuf_gets++;
	if (id == 0 || id > MAX_IDS || !plane_fd[id])
		return -ENOENT;
	return fcntl(plane_fd[id], F_DUPFD_CLOEXEC, 0);
}

int
vgfb_get_region_fd(struct vgfb *ctx, uint32_t id)
{
	region_gets++;
	if (id == 0 || id > MAX_IDS || !plane_fd[id])
		return -ENOENT;
	return fcntl(plane_fd[id], F_DUPFD_CLOEXEC, 0);
}

/* tools/tool-util.c's, counted instead of sent to a kernel */
int tool_dmabuf_sync(int fd, uint64_t flags);
int
tool_dmabuf_sync(int fd, uint64_t flags)
{
	if (fd < 0 || fd >= 1024)
		return -EBADF;
	sync_balance[fd] += flags & DMA_BUF_SYNC_END ? -1 : 1;
	if (sync_balance[fd] < 0 || sync_balance[fd] > 1)
		sync_unbalanced = true;
	return 0;
}

/* A plane of `format` showing pattern frame `frame`, as buffer id. */
static struct vfio_device_gfx_plane_info
make_plane(uint32_t id, uint32_t format, uint64_t frame)
{
	unsigned int cpp = vgfb_format_cpp(format);
	struct vfio_device_gfx_plane_info info = {
		.argsz = sizeof(info),
		.drm_format = format,
		.width = W,
		.height = H,
		.stride = (W * cpp + 63) & ~63u,	/* stride != w * cpp */
		.dmabuf_id = id,
	};
	void *p;

	info.size = ((size_t)info.stride * H + 4095) & ~(size_t)4095;
	if (!plane_fd[id]) {
		/* as the library's regions: sealed against shrinking */
		plane_fd[id] = memfd_create("plane",
					    MFD_CLOEXEC | MFD_ALLOW_SEALING);
		ck_assert_int_ge(plane_fd[id], 0);
		ck_assert_int_eq(ftruncate(plane_fd[id], (off_t)info.size), 0);
		ck_assert_int_eq(fcntl(plane_fd[id], F_ADD_SEALS,
				       F_SEAL_SHRINK | F_SEAL_GROW), 0);
	}
	p = mmap(NULL, info.size, PROT_WRITE, MAP_SHARED, plane_fd[id], 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_int_eq(vgfb_pattern_draw(p, format, W, H, info.stride, frame,
					   NULL), 0);
	munmap(p, info.size);
	return info;
}

/* ---- a fake neatvnc: one display, frames held until let go ---- */

struct nvnc_fb {
	void *addr;
	uint16_t width, height;
	uint32_t format;
	int32_t stride;
	nvnc_fb_release_fn release;
	void *release_ctx;
	int ref;
	int holds;
};

static struct nvnc_fb *shown;		/* the display's frame */
static struct nvnc_fb *viewers[32];	/* frames "being encoded" */
static unsigned int n_viewers, feeds;
static pixman_box16_t last_damage;

struct nvnc_fb *
nvnc_fb_from_buffer(void *buffer, uint16_t width, uint16_t height,
		    uint32_t fourcc_format, int32_t stride)
{
	struct nvnc_fb *fb = calloc(1, sizeof(*fb));

	ck_assert_ptr_nonnull(fb);
	*fb = (struct nvnc_fb){ buffer, width, height, fourcc_format, stride,
				NULL, NULL, 1, 0 };
	return fb;
}

void
nvnc_fb_set_release_fn(struct nvnc_fb *fb, nvnc_fb_release_fn fn,
		       void *context)
{
	fb->release = fn;
	fb->release_ctx = context;
}

void
nvnc_fb_unref(struct nvnc_fb *fb)
{
	if (--fb->ref == 0)
		free(fb);
}

static void
let_go(struct nvnc_fb *fb)
{
	if (--fb->holds == 0 && fb->release)
		fb->release(fb, fb->release_ctx);
	nvnc_fb_unref(fb);
}

void
nvnc_display_feed_buffer(struct nvnc_display *display, struct nvnc_fb *fb,
			 struct pixman_region16 *damage)
{
	/* as neatvnc 0.5: the new frame is held before the old one goes */
	fb->ref++;
	fb->holds++;
	if (shown)
		let_go(shown);
	shown = fb;
	last_damage = *pixman_region_extents(damage);
	feeds++;
}

/* A viewer starts encoding the shown frame (holds it). */
static void
viewer_holds(void)
{
	ck_assert_uint_lt(n_viewers, 32);
	shown->ref++;
	shown->holds++;
	viewers[n_viewers++] = shown;
}

static void
viewers_done(void)
{
	while (n_viewers)
		let_go(viewers[--n_viewers]);
}

/* ---- fixture ---- */

static struct vnc_stats stats;
static struct vnc_frames *frames;
static unsigned int retries;

static void
on_retry(void *data)
{
	retries++;
}

static void
setup(void)
{
	/* with CK_FORK=no the tests share a process: start clean */
	shown = NULL;
	n_viewers = 0;
	memset(&stats, 0, sizeof(stats));
	memset(sync_balance, 0, sizeof(sync_balance));
	sync_unbalanced = false;
	dmabuf_gets = region_gets = feeds = retries = 0;
	frames = vnc_frames_new((struct nvnc_display *)&stats, &stats,
				on_retry, NULL);
	ck_assert_ptr_nonnull(frames);
}

/* Let go of everything, as neatvnc would at the end: nothing leaks. */
static void
teardown(void)
{
	viewers_done();
	if (shown)
		let_go(shown);
	shown = NULL;
	vnc_frames_free(frames);
	frames = NULL;
	for (int i = 0; i <= MAX_IDS; i++) {
		if (plane_fd[i])
			close(plane_fd[i]);
		plane_fd[i] = 0;
	}
}

static struct vgfb_plane_ext
damage_all(void)
{
	return (struct vgfb_plane_ext){ .argsz = sizeof(struct vgfb_plane_ext),
					.flags = VGFB_PLANE_EXT_DAMAGE_ALL };
}

static struct vgfb_plane_ext
damage_rect(uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	struct vgfb_plane_ext e = { .argsz = sizeof(e), .n_damage = 1 };

	e.damage[0] = (struct vgfb_rect){ x, y, w, h };
	return e;
}

/* Pixels of the shown frame that differ from pattern frame `frame`. */
static long
shown_bad(uint32_t format, uint64_t frame)
{
	long bad = 0;

	ck_assert_ptr_nonnull(shown);
	ck_assert_uint_eq(shown->width, W);
	ck_assert_uint_eq(shown->height, H);
	for (uint32_t y = 0; y < H; y++) {
		for (uint32_t x = 0; x < W; x++) {
			unsigned int cpp = shown->format == format
						   ? vgfb_format_cpp(format) : 4;
			const uint8_t *p = (const uint8_t *)shown->addr +
					   (size_t)y * shown->stride * cpp +
					   (size_t)x * cpp;
			uint8_t got[4], want[4], px[4];

			vgfb_pixel_unpack(shown->format, p, got);
			vgfb_pattern_rgba(frame, x, y, want);
			vgfb_pixel_pack(format, want, px);
			vgfb_pixel_unpack(format, px, want);
			bad += memcmp(got, want, 3) != 0;
		}
	}
	return bad;
}

/* Pixels of the shown frame that differ from plane p as it is now. */
static long
shown_bad_vs_plane(const struct vfio_device_gfx_plane_info *p)
{
	unsigned int cpp = vgfb_format_cpp(p->drm_format);
	unsigned int scpp = vgfb_format_cpp(shown->format);
	const uint8_t *src;
	long bad = 0;

	src = mmap(NULL, p->size, PROT_READ, MAP_SHARED,
		   plane_fd[p->dmabuf_id], 0);
	ck_assert_ptr_ne(src, MAP_FAILED);
	for (uint32_t y = 0; y < H; y++) {
		for (uint32_t x = 0; x < W; x++) {
			uint8_t got[4], want[4];

			vgfb_pixel_unpack(shown->format,
					  (const uint8_t *)shown->addr +
						  ((size_t)y * shown->stride + x) *
							  scpp, got);
			vgfb_pixel_unpack(p->drm_format,
					  src + (size_t)y * p->stride +
						  (size_t)x * cpp, want);
			bad += memcmp(got, want, 3) != 0;
		}
	}
	munmap((void *)src, p->size);
	return bad;
}

/* ---- the zero-copy path ---- */

START_TEST(dmabuf_is_handed_over_without_a_copy)
{
	struct vfio_device_gfx_plane_info a = make_plane(1, DRM_FORMAT_XRGB8888, 1);
	struct vfio_device_gfx_plane_info b = make_plane(2, DRM_FORMAT_XRGB8888, 2);
	struct vgfb_plane_ext ext = damage_all();
	void *first_addr;

	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_DMABUF, &a, &ext), 0);
	ck_assert_int_eq(shown_bad(DRM_FORMAT_XRGB8888, 1), 0);
	ck_assert_int_eq(shown->format, DRM_FORMAT_XRGB8888);
	ck_assert_int_eq(shown->stride, (int32_t)(a.stride / 4));
	first_addr = shown->addr;

	/* damage in place: the same mapping again, not a new dma-buf */
	make_plane(1, DRM_FORMAT_XRGB8888, 3);
	ext = damage_rect(10, 10, 8, 8);
	viewer_holds();
	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_DMABUF, &a, &ext), 0);
	ck_assert_ptr_eq(shown->addr, first_addr);
	ck_assert_int_eq(last_damage.x1, 10);
	ck_assert_int_eq(last_damage.x2, 18);
	ck_assert_int_eq(shown_bad(DRM_FORMAT_XRGB8888, 3), 0);

	/* a flip to another buffer */
	ext = damage_all();
	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_DMABUF, &b, &ext), 0);
	ck_assert_int_eq(shown_bad(DRM_FORMAT_XRGB8888, 2), 0);
	viewers_done();

	ck_assert_uint_eq(dmabuf_gets, 2);
	ck_assert_uint_eq(region_gets, 0);
	ck_assert_uint_eq(stats.copied, 0);
	ck_assert_uint_eq(stats.zero_copy, 3);
	ck_assert(!sync_unbalanced);
}
END_TEST

START_TEST(sync_brackets_what_neatvnc_holds)
{
	struct vgfb_plane_ext ext = damage_all();
	struct vfio_device_gfx_plane_info p[MAX_IDS];
	int open_syncs;

	/* ten flips through ten buffers while a viewer holds each frame */
	for (uint32_t i = 0; i < 10; i++) {
		p[i] = make_plane(i + 1, DRM_FORMAT_ABGR8888, i + 1);
		ck_assert_int_eq(vnc_frames_show(frames, NULL,
						 VFIO_GFX_PLANE_TYPE_DMABUF,
						 &p[i], &ext), 0);
		viewer_holds();
	}
	open_syncs = 0;
	for (int fd = 0; fd < 1024; fd++)
		open_syncs += sync_balance[fd];
	ck_assert_int_eq(open_syncs, 10);	/* every frame held is synced */
	viewers_done();
	open_syncs = 0;
	for (int fd = 0; fd < 1024; fd++)
		open_syncs += sync_balance[fd];
	ck_assert_int_eq(open_syncs, 1);	/* only the shown one now */
	ck_assert(!sync_unbalanced);
}
END_TEST

START_TEST(other_formats_are_converted_from_the_dmabuf)
{
	struct vfio_device_gfx_plane_info a = make_plane(1, DRM_FORMAT_RGB565, 1);
	struct vgfb_plane_ext ext = damage_all();

	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_DMABUF, &a, &ext), 0);
	ck_assert_int_eq(shown->format, DRM_FORMAT_XRGB8888);
	ck_assert_int_eq(shown_bad(DRM_FORMAT_RGB565, 1), 0);
	ck_assert_uint_eq(stats.zero_copy, 0);
	ck_assert_uint_eq(stats.copied, W * H * 4);
	ck_assert(!sync_unbalanced);
}
END_TEST

/* ---- the shadow path ---- */

START_TEST(every_shadow_shows_the_whole_plane)
{
	uint32_t format = vgfb_format_at((unsigned int)_i);
	struct vfio_device_gfx_plane_info p;
	struct vgfb_plane_ext ext = damage_all();
	uint64_t frame = 1;

	p = make_plane(1, format, frame);
	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_REGION, &p, &ext), 0);
	ck_assert_int_eq(shown_bad(format, frame), 0);
	/*
	 * The guest redraws the whole plane or a rectangle of it, and says
	 * so in the damage, while 0 to 3 viewers hold earlier frames: each
	 * frame handed over must equal the plane everywhere.
	 */
	for (int step = 0; step < 12; step++) {
		if (step % 3)
			viewer_holds();
		frame++;
		if (step % 2) {
			p = make_plane(1, format, frame);
			ext = damage_all();
		} else {
			struct vgfb_rect r = { 7u * step, 5u * step, 17, 9 };
			void *m = mmap(NULL, p.size, PROT_WRITE, MAP_SHARED,
				       plane_fd[1], 0);

			ck_assert_ptr_ne(m, MAP_FAILED);
			vgfb_pattern_draw(m, format, W, H, p.stride, frame, &r);
			munmap(m, p.size);
			ext = damage_rect(r.x, r.y, r.width, r.height);
		}
		ck_assert_int_eq(vnc_frames_show(frames, NULL,
						 VFIO_GFX_PLANE_TYPE_REGION,
						 &p, &ext), 0);
		ck_assert_msg(shown_bad_vs_plane(&p) == 0, "step %d", step);
		if (step % 4 == 3)
			viewers_done();
	}
	viewers_done();
	ck_assert_uint_eq(stats.zero_copy, 0);
	ck_assert_uint_eq(dmabuf_gets, 0);
}
END_TEST

START_TEST(a_frame_waits_for_a_free_shadow)
{
	struct vfio_device_gfx_plane_info p = make_plane(1, DRM_FORMAT_RGB888, 1);
	struct vgfb_plane_ext ext = damage_all();
	int rc = 0, n = 0;

	/* viewers hold every shadow there may be */
	while ((rc = vnc_frames_show(frames, NULL, VFIO_GFX_PLANE_TYPE_REGION,
				     &p, &ext)) == 0) {
		viewer_holds();
		ck_assert_int_lt(++n, 100);	/* bounded */
	}
	ck_assert_int_eq(rc, -EBUSY);
	ck_assert_uint_eq(retries, 0);
	/* a change meanwhile, then the viewers let go: a retry is asked */
	p = make_plane(1, DRM_FORMAT_RGB888, 2);
	ext = damage_rect(0, 0, 4, 4);	/* what this query reports */
	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_REGION, &p, &ext),
			 -EBUSY);
	viewers_done();
	ck_assert_uint_eq(retries, 1);
	/* the retry's query has no new damage: the missed one is shown */
	ext = (struct vgfb_plane_ext){ .argsz = sizeof(ext) };
	p = make_plane(1, DRM_FORMAT_RGB888, 2);
	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_REGION, &p, &ext), 0);
	ck_assert_int_eq(shown_bad(DRM_FORMAT_RGB888, 2), 0);
}
END_TEST

START_TEST(black_keeps_the_size)
{
	struct vfio_device_gfx_plane_info p = make_plane(1, DRM_FORMAT_XRGB8888, 1);
	struct vgfb_plane_ext ext = damage_all();
	const uint32_t *px;

	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_REGION, &p, &ext), 0);
	ck_assert_int_eq(vnc_frames_black(frames), 0);
	ck_assert_uint_eq(shown->width, W);
	ck_assert_uint_eq(shown->height, H);
	px = shown->addr;
	for (size_t i = 0; i < (size_t)W * H; i++)
		ck_assert_uint_eq(px[i] & 0xffffff, 0);
	/* and back: the whole plane again, although nothing was damaged */
	ext = (struct vgfb_plane_ext){ .argsz = sizeof(ext) };
	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_REGION, &p, &ext), 0);
	ck_assert_int_eq(shown_bad(DRM_FORMAT_XRGB8888, 1), 0);
}
END_TEST

START_TEST(lies_are_refused)
{
	struct vfio_device_gfx_plane_info p = make_plane(1, DRM_FORMAT_XRGB8888, 1);
	struct vgfb_plane_ext ext = damage_all();

	p.size = p.stride * (H - 1);	/* smaller than the plane */
	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_REGION, &p, &ext),
			 -EINVAL);
	p = make_plane(1, DRM_FORMAT_XRGB8888, 1);
	p.stride = W * 4 - 4;		/* narrower than a row */
	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_DMABUF, &p, &ext),
			 -EINVAL);
	/* an fd smaller than the plane claims: refused, not a SIGBUS */
	p = make_plane(1, DRM_FORMAT_XRGB8888, 1);
	p.size += 4096;
	p.height = (uint32_t)(p.size / p.stride);
	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_REGION, &p, &ext),
			 -EINVAL);
	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_DMABUF, &p, &ext),
			 -EINVAL);
	/* a region that could shrink under the mapping: refused */
	plane_fd[2] = memfd_create("unsealed", MFD_CLOEXEC);
	ck_assert_int_eq(ftruncate(plane_fd[2], 1 << 20), 0);
	p = make_plane(2, DRM_FORMAT_XRGB8888, 1);
	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_REGION, &p, &ext),
			 -EINVAL);
	/* damage outside the plane is clipped, not followed */
	p = make_plane(1, DRM_FORMAT_XRGB8888, 1);
	ext = damage_rect(W - 2, H - 2, 0xfffffff0u, 0xfffffff0u);
	ck_assert_int_eq(vnc_frames_show(frames, NULL,
					 VFIO_GFX_PLANE_TYPE_REGION, &p, &ext), 0);
	ck_assert_int_eq(feeds, 1);
	ck_assert_int_eq(shown_bad(DRM_FORMAT_XRGB8888, 1), 0);
}
END_TEST

static Suite *
frames_suite(void)
{
	Suite *s = suite_create("vnc-frames");
	TCase *tc = tcase_create("frames");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, dmabuf_is_handed_over_without_a_copy);
	tcase_add_test(tc, sync_brackets_what_neatvnc_holds);
	tcase_add_test(tc, other_formats_are_converted_from_the_dmabuf);
	tcase_add_loop_test(tc, every_shadow_shows_the_whole_plane, 0, 7);
	tcase_add_test(tc, a_frame_waits_for_a_free_shadow);
	tcase_add_test(tc, black_keeps_the_size);
	tcase_add_test(tc, lies_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

/* Not test-common.c: it links libvgfb, whose calls are faked here. */
int
main(void)
{
	SRunner *sr = srunner_create(frames_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
