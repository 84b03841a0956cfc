/* SPDX-License-Identifier: MIT */
/*
 * The acrn-dm display sink (tools/acrn-dm/) replayed: fake-gpu.c makes the
 * calls acrn-dm's virtio_gpu.c makes, with its threads, timing and
 * uninitialised fields; sink-recv.c stands in for vgfbd's source side
 * and reports what arrived, pixels checked against docs/test-pattern.md.
 */
#include "config.h"

#include <check.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <drm_fourcc.h>

#include "fake-gpu.h"
#include "pattern.h"
#include "sink-recv.h"
#include "test-common.h"

/* acrn-dm's main.c sets it from argv before gfx_ui_init */
char *vmname = "acrn-test-vm";

static char dir[64];
static char sock[128];
static char opts[256];

/* Every line within this long: generous, it is a hang detector. */
#define WAIT_MS 5000

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vgfb-acrn-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/source", dir);
}

static void
teardown(void)
{
	unlink(sock);
	rmdir(dir);
}

static const char *
with_socket(const char *geometry)
{
	snprintf(opts, sizeof(opts), "%s,display=vgfb:%s", geometry, sock);
	return opts;
}

/* The next line starting with prefix and showing frame (if >= -2). */
static void
expect(struct sink_recv *r, const char *prefix, long frame)
{
	char line[512], want[32];

	snprintf(want, sizeof(want), " frame=%ld", frame);
	for (;;) {
		sink_recv_expect(r, prefix, line, sizeof(line), WAIT_MS);
		if (frame < -2)
			return;
		if (strstr(line, want) && strstr(line, want)[strlen(want)] ==
		    '\0')
			return;
	}
}

/*
 * Scanout shows frame, by a SET or by an UPDATE: the sink turns a
 * SET_SCANOUT of the shape it already shows into a flip in its memfd.
 */
static void
expect_shows(struct sink_recv *r, unsigned int scanout, long frame)
{
	char line[512], set[32], update[32], want[32];

	snprintf(set, sizeof(set), "SET s=%u kind=", scanout);
	snprintf(update, sizeof(update), "UPDATE s=%u ", scanout);
	snprintf(want, sizeof(want), " frame=%ld", frame);
	for (;;) {
		ck_assert_msg(sink_recv_line(r, line, sizeof(line), WAIT_MS),
			      "scanout %u never showed frame %ld", scanout,
			      frame);
		ck_assert_msg(strncmp(line, "BAD", 3) != 0, "vgfbd: %s", line);
		if ((strncmp(line, set, strlen(set)) == 0 ||
		     strncmp(line, update, strlen(update)) == 0) &&
		    strstr(line, want) &&
		    strstr(line, want)[strlen(want)] == '\0')
			return;
	}
}

/* The very next line, after the VBE thread and stale VBE halves settled. */
static void
expect_next(struct sink_recv *r, const char *prefix)
{
	char line[512];

	ck_assert_msg(sink_recv_line(r, line, sizeof(line), WAIT_MS),
		      "no \"%s\"", prefix);
	ck_assert_msg(strncmp(line, prefix, strlen(prefix)) == 0,
		      "\"%s\" instead of \"%s\"", line, prefix);
}

static void
settle(struct sink_recv *r)
{
	char line[512];

	while (sink_recv_line(r, line, sizeof(line), 300))
		ck_assert_msg(strncmp(line, "BAD", 3) != 0, "vgfbd: %s", line);
}

/*
 * Every line until the receiver has been quiet for 2 s: how many start
 * with prefix, and the frame the last of them showed.
 */
static long
count_until_quiet(struct sink_recv *r, const char *prefix, long *last)
{
	char line[512];
	long n = 0, frame;

	while (sink_recv_line(r, line, sizeof(line), 2000)) {
		ck_assert_msg(strncmp(line, "BAD", 3) != 0, "%s", line);
		if (strncmp(line, prefix, strlen(prefix)) == 0 &&
		    sscanf(strstr(line, "frame="), "frame=%ld", &frame) == 1) {
			n++;
			*last = frame;
		}
	}
	return n;
}

static void
cmd(struct fake_gpu *g, enum fake_cmd_type type, uint32_t scanout,
    uint32_t res, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	struct fake_cmd c = {
		.type = type, .scanout = scanout, .res = res,
		.x = x, .y = y, .w = w, .h = h,
	};

	fake_gpu_cmd(g, &c);
}

static void
cursor(struct fake_gpu *g, uint32_t scanout, uint32_t res, uint32_t x,
       uint32_t y, uint32_t hot_x, uint32_t hot_y)
{
	struct fake_cmd c = {
		.type = FAKE_UPDATE_CURSOR, .scanout = scanout, .res = res,
		.x = x, .y = y, .hot_x = hot_x, .hot_y = hot_y,
	};

	fake_gpu_cmd(g, &c);
}

/* A 2D full-screen scanout showing frame; VBE stops, as with a driver. */
static void
show_2d(struct fake_gpu *g, struct sink_recv *r, uint32_t w, uint32_t h,
	uint64_t frame)
{
	struct fake_res *res = fake_res_2d(g, 1, w, h, PIXMAN_x8r8g8b8);

	fake_vbe_stop(g);
	fake_res_draw(res, DRM_FORMAT_XRGB8888, 0, 0, w, h, res->stride, 0,
		      frame);
	cmd(g, FAKE_SET_SCANOUT, 0, 1, 0, 0, w, h);
	if (r)
		expect_shows(r, 0, frame);
}

START_TEST(options_and_local_answers)
{
	struct fake_gpu g;
	uint8_t edid[1024], sum = 0;
	struct display_info info;
	int i;

	/* "-s 2,virtio-gpu" alone passes NULL (SDL's parser crashes) */
	ck_assert_int_eq(vdpy_parse_cmd_option(NULL), 0);
	/* no SDL in this build; unknown backends and empty paths refused */
	ck_assert_int_eq(vdpy_parse_cmd_option("display=sdl"), -1);
	ck_assert_int_eq(vdpy_parse_cmd_option("display=vnc"), -1);
	ck_assert_int_eq(vdpy_parse_cmd_option("display=vgfb:"), -1);

	/* three geometries: two scanouts (SDL writes past its array);
	 * 5360x1440 is clamped to what VBE can show in 16 MiB */
	fake_gpu_boot(&g, with_socket("geometry=5360x1440,geometry=100x100,"
				      "geometry=fullscreen"), true);
	ck_assert_int_eq(g.n_scanouts, 2);
	ck_assert_uint_eq(g.info.width, 3840);
	ck_assert_uint_eq(g.info.height, (16u << 20) / 4 / 3840);
	vdpy_get_display_info(g.handle, 1, &info);
	ck_assert_uint_eq(info.width, 640);
	ck_assert_uint_eq(info.height, 480);
	/* out of range and stale handles: zeros, never a crash */
	vdpy_get_display_info(g.handle, 2, &info);
	ck_assert_uint_eq(info.width, 0);
	vdpy_get_display_info(g.handle, -1, &info);
	ck_assert_uint_eq(info.width, 0);
	vdpy_get_display_info(g.handle + 1, 0, &info);
	ck_assert_uint_eq(info.width, 0);

	/* EDID: valid block, preferred mode = geometry, rest of area zero */
	ck_assert_int_eq(g.edid[0], 0);
	ck_assert_int_eq(g.edid[1], 0xff);
	for (i = 0; i < 128; i++)
		sum += g.edid[i];
	ck_assert_int_eq(sum, 0);
	ck_assert_uint_eq(g.edid[56] | (g.edid[58] >> 4) << 8, 3840);
	ck_assert_uint_eq(g.edid[59] | (g.edid[61] >> 4) << 8,
			  (16u << 20) / 4 / 3840);
	for (i = 128; i < 1024; i++)
		ck_assert_int_eq(g.edid[i], 0);
	memset(edid, 0x77, sizeof(edid));
	vdpy_get_edid(g.handle, 1, edid, 8);	/* a short area: 8 bytes */
	ck_assert_int_eq(edid[7], 0);
	ck_assert_int_eq(edid[8], 0x77);
	vdpy_get_edid(g.handle, 1, edid, 128);
	ck_assert_uint_eq(edid[56] | (edid[58] >> 4) << 8, 640);

	/* display info and EDID on the display thread, as the guest asks */
	cmd(&g, FAKE_GET_DISPLAY_INFO, 0, 0, 0, 0, 0, 0);
	cmd(&g, FAKE_GET_EDID, 1, 0, 0, 0, 0, 0);
	fake_gpu_shutdown(&g, true);
}
END_TEST

static void
noop(void *data)
{
	(void)data;
}

START_TEST(bottom_halves)
{
	struct fake_gpu g;
	struct vdpy_display_bh bh = { 0 }, *freed;
	int i;

	fake_gpu_boot(&g, with_socket("geometry=800x600"), true);
	/* a task still pending is not queued twice; a stale handle fails */
	bh.task_cb = noop;
	bh.bh_flag = ACRN_BH_PENDING;
	ck_assert(!vdpy_submit_bh(g.handle, &bh));
	bh.bh_flag = 0;
	ck_assert(!vdpy_submit_bh(g.handle + 1, &bh));
	/* ACRN_BH_FREE: the display thread frees it (valgrind checks) */
	freed = calloc(1, sizeof(*freed));
	ck_assert_ptr_nonnull(freed);
	freed->task_cb = noop;
	freed->data = NULL;
	freed->bh_flag = ACRN_BH_FREE;
	ck_assert(vdpy_submit_bh(g.handle, freed));
	/* a normal task: DONE once it has returned (fake_gpu_cmd returns
	 * as soon as the task has run the command) */
	cmd(&g, FAKE_GET_DISPLAY_INFO, 0, 0, 0, 0, 0, 0);
	for (i = 0; i < 500 && __atomic_load_n(&g.ctrl_bh.bh_flag,
					       __ATOMIC_SEQ_CST) != ACRN_BH_DONE;
	     i++)
		usleep(10000);
	ck_assert_uint_eq(g.ctrl_bh.bh_flag, ACRN_BH_DONE);
	fake_gpu_shutdown(&g, false);
	/* after vdpy_deinit nothing is queued */
	ck_assert(!vdpy_submit_bh(g.handle, &g.ctrl_bh));
	fake_gpu_exit(&g);
}
END_TEST

START_TEST(vbe_boot_and_hostile_sizes)
{
	struct sink_recv r;
	struct fake_gpu g;

	sink_recv_start(&r, sock);
	fake_gpu_boot(&g, with_socket("geometry=800x600"), true);
	expect(&r, "HELLO gen=1 n=1 name=acrn-test-vm geo=800x600", -3);
	expect(&r, "SET s=0 kind=2 fmt=XR24 800x600 stride=3200", 1);
	fake_vbe_mode(&g, 800, 600, 2);
	expect(&r, "UPDATE s=0", 2);
	/* 64 MiB of VBE mode: only the 16 MiB framebuffer is read (a guard
	 * page follows it) */
	fake_vbe_mode(&g, 4096, 4096, 3);
	expect(&r, "SET s=0 kind=2 fmt=XR24 4096x1024 stride=16384", 3);
	/* 65535 x 65535: refused outright */
	fake_vbe_mode(&g, 65535, 65535, 0);
	expect(&r, "SET s=0 kind=0", -3);
	fake_vbe_mode(&g, 1024, 768, 4);
	expect(&r, "SET s=0 kind=2 fmt=XR24 1024x768", 4);
	fake_gpu_shutdown(&g, true);
	expect(&r, "SET s=0 kind=0", -3);
	expect(&r, "BYE reason=2", -3);
	expect(&r, "HANGUP bye=1", -3);
	sink_recv_kill(&r);
}
END_TEST

START_TEST(scanout_2d)
{
	struct sink_recv r;
	struct fake_gpu g;
	struct fake_res *res, *flip;

	sink_recv_start(&r, sock);
	fake_gpu_boot(&g, with_socket("geometry=1024x768"), true);
	expect(&r, "HELLO gen=1", -3);
	fake_vbe_stop(&g);
	res = fake_res_2d(&g, 1, 1024, 768, PIXMAN_x8r8g8b8);
	fake_res_draw(res, DRM_FORMAT_XRGB8888, 0, 0, 1024, 768, 4096, 0, 5);
	cmd(&g, FAKE_SET_SCANOUT, 0, 1, 0, 0, 1024, 768);
	/* a SET, or a flip if VBE's shadow has this shape already */
	expect_shows(&r, 0, 5);
	/* a flush: the flush rect is not passed, the whole plane is */
	fake_res_draw(res, DRM_FORMAT_XRGB8888, 0, 0, 1024, 768, 4096, 0, 6);
	cmd(&g, FAKE_FLUSH, 0, 1, 0, 0, 16, 16);
	expect(&r, "UPDATE s=0", 6);
	fake_res_draw(res, DRM_FORMAT_XRGB8888, 0, 0, 1024, 768, 4096, 0, 7);
	cmd(&g, FAKE_FLUSH, 0, 1, 0, 0, 1024, 768);
	expect(&r, "UPDATE s=0", 7);

	/* a guest page-flipping between two resources of one shape: each
	 * SET_SCANOUT is a flip in the same memfd, no new buffer */
	flip = fake_res_2d(&g, 9, 1024, 768, PIXMAN_x8r8g8b8);
	fake_res_draw(flip, DRM_FORMAT_XRGB8888, 0, 0, 1024, 768, 4096, 0, 10);
	cmd(&g, FAKE_SET_SCANOUT, 0, 9, 0, 0, 1024, 768);
	expect_next(&r, "UPDATE s=0 ");
	cmd(&g, FAKE_SET_SCANOUT, 0, 1, 0, 0, 1024, 768);
	expect_next(&r, "UPDATE s=0 ");

	/* a sub-rectangle of a bigger RGBA resource: the pixel pointer
	 * comes already offset by x * 4 + y * stride */
	res = fake_res_2d(&g, 2, 1280, 1024, PIXMAN_a8b8g8r8);
	fake_res_draw(res, DRM_FORMAT_XBGR8888, 100, 50, 640, 480,
		      res->stride, 0, 8);
	cmd(&g, FAKE_SET_SCANOUT, 0, 2, 100, 50, 640, 480);
	expect(&r, "SET s=0 kind=2 fmt=XB24 640x480 stride=2560", 8);
	fake_res_draw(res, DRM_FORMAT_XBGR8888, 100, 50, 640, 480,
		      res->stride, 0, 9);
	cmd(&g, FAKE_FLUSH, 0, 2, 0, 0, 1280, 1024);
	expect(&r, "UPDATE s=0", 9);

	/* the BGRX layout of virtio's X8R8G8B8 */
	fake_res_2d(&g, 3, 640, 480, PIXMAN_b8g8r8x8);
	cmd(&g, FAKE_SET_SCANOUT, 0, 3, 0, 0, 640, 480);
	expect(&r, "SET s=0 kind=2 fmt=BX24 640x480", -3);

	/* an unknown resource, then resource 0: disable */
	cmd(&g, FAKE_SET_SCANOUT, 0, 99, 0, 0, 640, 480);
	expect(&r, "SET s=0 kind=0", -3);
	cmd(&g, FAKE_SET_SCANOUT, 0, 1, 0, 0, 1024, 768);
	expect(&r, "SET s=0 kind=2 fmt=XR24 1024x768", 7);
	cmd(&g, FAKE_SET_SCANOUT, 0, 0, 0, 0, 0, 0);
	expect(&r, "SET s=0 kind=0", -3);
	/* a flush of a resource no scanout shows: nothing */
	cmd(&g, FAKE_FLUSH, 0, 1, 0, 0, 1024, 768);
	fake_gpu_shutdown(&g, true);
	expect_next(&r, "BYE reason=2");
	sink_recv_kill(&r);
}
END_TEST

START_TEST(scanout_blob)
{
	struct sink_recv r;
	struct fake_gpu g;
	struct fake_res *res;
	size_t size = 4096u * 768 + (64u << 10);
	bool real;
	struct fake_cmd c = {
		.type = FAKE_SET_SCANOUT_BLOB, .scanout = 0, .res = 4,
		.w = 1024, .h = 768, .stride = 4096, .offset0 = 4096,
		.virtio_format = 1 /* B8G8R8A8: ARGB8888 */,
	};

	sink_recv_start(&r, sock);
	fake_gpu_boot(&g, with_socket("geometry=1024x768"), true);
	expect(&r, "HELLO gen=1", -3);
	fake_vbe_stop(&g);
	res = fake_res_blob(&g, 4, size, &real);
	if (!real)
		fprintf(stderr, "  blob: /dev/udmabuf is absent here, so the "
			"blob's fd is a memfd standing in for acrn-dm's udmabuf "
			"(the vm tier's vgfb-acrntest uses real ones)\n");
	fake_res_draw(res, DRM_FORMAT_XRGB8888, 0, 0, 1024, 768, 4096, 4096,
		      10);
	fake_gpu_cmd(&g, &c);
	/* passed on as is (zero copy), reported opaque */
	expect(&r, "SET s=0 kind=1 fmt=XR24 1024x768 stride=4096 off=4096", 10);
	/* flush: every field but surf_type and the fd is poison */
	fake_res_draw(res, DRM_FORMAT_XRGB8888, 0, 0, 1024, 768, 4096, 4096,
		      11);
	cmd(&g, FAKE_FLUSH, 0, 4, 0, 0, 1024, 768);
	expect(&r, "UPDATE s=0", 11);

	/* a sub-rectangle: dmabuf_offset = offsets[0] + 4x + y * stride */
	c.x = 16;
	c.y = 8;
	c.w = 640;
	c.h = 480;
	c.virtio_format = 67;	/* R8G8B8A8: ABGR8888 */
	fake_res_draw(res, DRM_FORMAT_XBGR8888, 16, 8, 640, 480, 4096, 4096,
		      12);
	fake_gpu_cmd(&g, &c);
	expect(&r, "SET s=0 kind=1 fmt=XB24 640x480 stride=4096 off=36928",
	       12);

	/* virtio_gpu.c checks no offset or stride against the blob: a plane
	 * past its end is not forwarded (vgfbd would drop the source) */
	c.offset0 = size - 100;
	fake_gpu_cmd(&g, &c);
	expect(&r, "SET s=0 kind=0", -3);
	c.offset0 = 0;
	c.stride = 1u << 20;
	fake_gpu_cmd(&g, &c);
	/* already disabled: nothing new may be sent, and the next one is */
	c.stride = 4096;
	c.x = c.y = 0;
	fake_gpu_cmd(&g, &c);
	expect_next(&r, "SET s=0 kind=1 fmt=XB24 640x480 stride=4096 off=0");
	/* a stale blob flush on a scanout now showing 2D: ignored */
	show_2d(&g, &r, 1024, 768, 13);
	cmd(&g, FAKE_FLUSH, 0, 4, 0, 0, 1024, 768);
	fake_gpu_shutdown(&g, true);
	expect_next(&r, "SET s=0 kind=0");
	expect_next(&r, "BYE reason=2");
	sink_recv_kill(&r);
}
END_TEST

START_TEST(cursor_and_hostile_scanout_ids)
{
	struct sink_recv r;
	struct fake_gpu g;
	struct fake_res *res;

	sink_recv_start(&r, sock);
	fake_gpu_boot(&g, with_socket("geometry=1024x768"), true);
	show_2d(&g, &r, 1024, 768, 5);
	settle(&r);	/* VBE halves queued before SET_SCANOUT */

	res = fake_res_2d(&g, 7, 64, 64, PIXMAN_a8r8g8b8);
	fake_res_cursor(res);
	cursor(&g, 0, 7, 100, 200, 2, 2);
	expect_next(&r, "CURSOR s=0 64x64 hot=2,2 at=100,200 pix=ok");
	cmd(&g, FAKE_MOVE_CURSOR, 0, 0, 300, 400, 0, 0);
	expect_next(&r, "MOVE s=0 300,400");
	/* pos.scanout_id 0xFFFFFFFF reaches the sink as -1, and 2 is past
	 * the one scanout: neither may reach anything */
	cursor(&g, 0xFFFFFFFF, 7, 1, 1, 2, 2);
	cmd(&g, FAKE_MOVE_CURSOR, 0xFFFFFFFF, 0, 5, 5, 0, 0);
	cursor(&g, 2, 7, 1, 1, 2, 2);
	cmd(&g, FAKE_MOVE_CURSOR, 2, 0, 5, 5, 0, 0);
	cmd(&g, FAKE_MOVE_CURSOR, 1, 0, 5, 5, 0, 0);
	/* a hotspot outside the image is clamped into it; resource 0 (hide)
	 * makes no call in acrn-dm */
	cursor(&g, 0, 7, 10, 20, 100, 1000);
	expect_next(&r, "CURSOR s=0 64x64 hot=63,63 at=10,20 pix=ok");
	cursor(&g, 0, 0, 0, 0, 0, 0);
	/* negative positions pass as such */
	cmd(&g, FAKE_MOVE_CURSOR, 0, 0, (uint32_t)-8, 7, 0, 0);
	expect_next(&r, "MOVE s=0 -8,7");
	/* an oversized cursor resource (2D, any size) is refused */
	fake_res_2d(&g, 8, 512, 512, PIXMAN_a8r8g8b8);
	cursor(&g, 0, 8, 0, 0, 0, 0);
	cmd(&g, FAKE_MOVE_CURSOR, 0, 0, 1, 2, 0, 0);
	expect_next(&r, "MOVE s=0 1,2");
	fake_gpu_shutdown(&g, true);
	sink_recv_kill(&r);
}
END_TEST

START_TEST(two_scanouts_one_resource)
{
	struct sink_recv r;
	struct fake_gpu g;
	struct fake_res *res;

	sink_recv_start(&r, sock);
	fake_gpu_boot(&g, with_socket("geometry=1024x768+0+0,"
				      "geometry=800x600+1024+0"), true);
	expect(&r, "HELLO gen=1 n=2 name=acrn-test-vm geo=1024x768,800x600",
	       -3);
	fake_vbe_stop(&g);
	res = fake_res_2d(&g, 1, 1824, 768, PIXMAN_x8r8g8b8);
	fake_res_draw(res, DRM_FORMAT_XRGB8888, 0, 0, 1024, 768, res->stride,
		      0, 20);
	fake_res_draw(res, DRM_FORMAT_XRGB8888, 1024, 0, 800, 600,
		      res->stride, 0, 21);
	cmd(&g, FAKE_SET_SCANOUT, 0, 1, 0, 0, 1024, 768);
	cmd(&g, FAKE_SET_SCANOUT, 1, 1, 1024, 0, 800, 600);
	expect_shows(&r, 0, 20);
	expect(&r, "SET s=1 kind=2 fmt=XR24 800x600", 21);
	settle(&r);
	/* one flush, one update per scanout showing the resource */
	fake_res_draw(res, DRM_FORMAT_XRGB8888, 0, 0, 1024, 768, res->stride,
		      0, 22);
	fake_res_draw(res, DRM_FORMAT_XRGB8888, 1024, 0, 800, 600,
		      res->stride, 0, 23);
	cmd(&g, FAKE_FLUSH, 0, 1, 0, 0, 16, 16);
	expect(&r, "UPDATE s=0", 22);
	expect(&r, "UPDATE s=1", 23);
	/* cursor on scanout 1 is fine, 2 is not */
	res = fake_res_2d(&g, 7, 64, 64, PIXMAN_a8r8g8b8);
	fake_res_cursor(res);
	cursor(&g, 2, 7, 1, 1, 2, 2);
	cursor(&g, 1, 7, 1, 1, 2, 2);
	expect_next(&r, "CURSOR s=1 64x64");
	cmd(&g, FAKE_SET_SCANOUT, 1, 0, 0, 0, 0, 0);
	expect_next(&r, "SET s=1 kind=0");
	fake_gpu_shutdown(&g, true);
	expect_next(&r, "SET s=0 kind=0");
	sink_recv_kill(&r);
}
END_TEST

START_TEST(guest_reboot)
{
	struct sink_recv r;
	struct fake_gpu g;
	struct surface surf;
	int old;

	sink_recv_start(&r, sock);
	fake_gpu_boot(&g, with_socket("geometry=1024x768"), true);
	expect(&r, "HELLO gen=1", -3);
	show_2d(&g, &r, 1024, 768, 30);
	settle(&r);
	/* virtio_gpu_deinit -> vdpy_deinit: the scanouts go dark at once */
	fake_gpu_shutdown(&g, false);
	expect_next(&r, "SET s=0 kind=0");
	old = g.handle;
	/* main.c's reboot loop: vm_init_vdevs -> virtio_gpu_init again */
	fake_gpu_boot(&g, NULL, false);
	ck_assert_int_ne(g.handle, old);
	expect_next(&r, "BYE reason=1");
	expect_next(&r, "HELLO gen=2");
	expect(&r, "SET s=0 kind=2 fmt=XR24 1024x768", 1);
	/* the old generation's handle is refused */
	memset(&surf, 0, sizeof(surf));
	vdpy_surface_set(old, 0, &surf);
	show_2d(&g, &r, 1024, 768, 31);
	fake_gpu_shutdown(&g, true);
	expect(&r, "BYE reason=2", -3);
	expect_next(&r, "HANGUP bye=1");
	sink_recv_kill(&r);
}
END_TEST

START_TEST(vgfbd_absent_then_restarted)
{
	struct sink_recv r;
	struct fake_gpu g;
	struct fake_res *res;

	/* acrn-dm starts first: nothing blocks, the guest runs */
	fake_gpu_boot(&g, with_socket("geometry=1024x768"), true);
	show_2d(&g, NULL, 1024, 768, 40);
	res = fake_res_2d(&g, 7, 64, 64, PIXMAN_a8r8g8b8);
	fake_res_cursor(res);
	cursor(&g, 0, 7, 10, 10, 2, 2);
	fprintf(stderr, "  without vgfbd: max call %.3f ms\n", g.max_ns / 1e6);
	fake_gpu_assert_prompt(&g, "without vgfbd", false);

	/* vgfbd comes up: HELLO and the current state within a retry */
	sink_recv_start(&r, sock);
	expect_next(&r, "HELLO gen=1");
	expect_next(&r, "SET s=0 kind=2 fmt=XR24 1024x768");
	expect_next(&r, "CURSOR s=0 64x64 hot=2,2 at=10,10 pix=ok");
	fake_res_draw(&g.res[0], DRM_FORMAT_XRGB8888, 0, 0, 1024, 768, 4096, 0,
		      41);
	cmd(&g, FAKE_FLUSH, 0, 1, 0, 0, 1024, 768);
	expect(&r, "UPDATE s=0", 41);

	/* vgfbd crashes; the guest goes on; a new vgfbd gets it all again */
	sink_recv_kill(&r);
	fake_res_draw(&g.res[0], DRM_FORMAT_XRGB8888, 0, 0, 1024, 768, 4096, 0,
		      42);
	cmd(&g, FAKE_FLUSH, 0, 1, 0, 0, 1024, 768);
	cmd(&g, FAKE_MOVE_CURSOR, 0, 0, 50, 60, 0, 0);
	sink_recv_start(&r, sock);
	expect_next(&r, "HELLO gen=1");
	expect(&r, "SET s=0 kind=2 fmt=XR24 1024x768", 42);
	expect_next(&r, "CURSOR s=0 64x64 hot=2,2 at=50,60 pix=ok");
	fake_gpu_shutdown(&g, true);
	sink_recv_kill(&r);
}
END_TEST

START_TEST(vgfbd_stalled)
{
	struct sink_recv r;
	struct fake_gpu g;
	struct fake_res *res;
	long last = -1, updates;
	const int flushes = 300;
	uint8_t *frames[2];
	int i;

	sink_recv_start(&r, sock);
	fake_gpu_boot(&g, with_socket("geometry=640x480"), true);
	show_2d(&g, &r, 640, 480, 50);
	settle(&r);
	res = &g.res[0];
	/* two frames drawn once: the guest's drawing is not what is timed */
	for (i = 0; i < 2; i++) {
		frames[i] = malloc(res->size);
		ck_assert_ptr_nonnull(frames[i]);
		ck_assert_int_eq(vgfb_pattern_draw(frames[i],
						   DRM_FORMAT_XRGB8888, 640,
						   480, res->stride, 51 + i,
						   NULL), 0);
	}

	/* vgfbd stops reading (SIGSTOP): every call must still return */
	kill(r.pid, SIGSTOP);
	g.max_ns = g.total_ns = g.calls = 0;
	for (i = 0; i < flushes; i++) {
		memcpy(res->data, frames[i % 2], res->size);
		cmd(&g, FAKE_FLUSH, 0, 1, 0, 0, 640, 480);
		cmd(&g, FAKE_MOVE_CURSOR, 0, 0, i, i, 0, 0);
	}
	fprintf(stderr, "  vgfbd stopped: %lu calls returned, max %.3f ms, "
		"mean %.3f ms\n", (unsigned long)g.calls, g.max_ns / 1e6,
		g.total_ns / 1e6 / g.calls);
	fake_gpu_assert_prompt(&g, "vgfbd stopped", true);
	kill(r.pid, SIGCONT);

	/* it resumes and sees the latest frame last */
	updates = count_until_quiet(&r, "UPDATE s=0", &last);
	fprintf(stderr, "  %d flushes while stopped, %ld updates arrived\n",
		flushes, updates);
	ck_assert_int_eq(last, 51 + (flushes - 1) % 2);
	/* the socket filled up and updates were coalesced */
	ck_assert_int_lt(updates, flushes);
	free(frames[0]);
	free(frames[1]);
	fake_gpu_shutdown(&g, true);
	sink_recv_kill(&r);
}
END_TEST

/*
 * Every SET of a new shape is a new shadow memfd, and each one still in
 * the socket pins it: with vgfbd stopped, a guest switching between two
 * modes may leave at most SINK_FDS_UNREAD (4) buffers waiting there, not
 * one per mode switch until the socket is full (some 86).
 */
START_TEST(vgfbd_stalled_new_buffers)
{
	struct sink_recv r;
	struct fake_gpu g;
	long sets, last = -1;
	const int switches = 60;
	int i;

	sink_recv_start(&r, sock);
	fake_gpu_boot(&g, with_socket("geometry=800x600"), true);
	show_2d(&g, &r, 800, 600, 70);
	fake_res_2d(&g, 2, 640, 480, PIXMAN_x8r8g8b8);
	fake_res_draw(&g.res[1], DRM_FORMAT_XRGB8888, 0, 0, 640, 480,
		      g.res[1].stride, 0, 71);
	settle(&r);

	kill(r.pid, SIGSTOP);
	g.max_ns = g.total_ns = g.calls = 0;
	for (i = 0; i < switches; i++) {
		if (i % 2)
			cmd(&g, FAKE_SET_SCANOUT, 0, 1, 0, 0, 800, 600);
		else
			cmd(&g, FAKE_SET_SCANOUT, 0, 2, 0, 0, 640, 480);
	}
	fake_gpu_assert_prompt(&g, "vgfbd stopped", true);
	kill(r.pid, SIGCONT);

	sets = count_until_quiet(&r, "SET s=0 kind=2", &last);
	fprintf(stderr, "  %d mode switches while stopped, %ld buffers "
		"arrived\n", switches, sets);
	/* the ones in the socket, then the latest once vgfbd read them */
	ck_assert_int_le(sets, 4 + 1);
	ck_assert_int_eq(last, 70);
	fake_gpu_shutdown(&g, true);
	sink_recv_kill(&r);
}
END_TEST

START_TEST(exit_without_goodbye)
{
	struct sink_recv r;
	int status;
	pid_t pid;

	sink_recv_start(&r, sock);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* acrn-dm, killed or crashing: no deinit, no BYE */
		struct fake_gpu g;

		fake_gpu_boot(&g, with_socket("geometry=800x600"), true);
		show_2d(&g, NULL, 800, 600, 60);
		usleep(1500 * 1000);
		_exit(0);
	}
	expect(&r, "HELLO gen=1", -3);
	expect_shows(&r, 0, 60);
	expect(&r, "HANGUP bye=0", -3);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	sink_recv_kill(&r);
}
END_TEST

static Suite *
acrn_sink_suite(void)
{
	Suite *s = suite_create("acrn-sink");
	TCase *tc = tcase_create("replay");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, options_and_local_answers);
	tcase_add_test(tc, bottom_halves);
	tcase_add_test(tc, vbe_boot_and_hostile_sizes);
	tcase_add_test(tc, scanout_2d);
	tcase_add_test(tc, scanout_blob);
	tcase_add_test(tc, cursor_and_hostile_scanout_ids);
	tcase_add_test(tc, two_scanouts_one_resource);
	tcase_add_test(tc, guest_reboot);
	tcase_add_test(tc, vgfbd_absent_then_restarted);
	tcase_add_test(tc, vgfbd_stalled);
	tcase_add_test(tc, vgfbd_stalled_new_buffers);
	tcase_add_test(tc, exit_without_goodbye);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(acrn_sink_suite());
}
