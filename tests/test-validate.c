/* SPDX-License-Identifier: MIT */
/*
 * Hostile plane geometries: each one is refused with a clear reason, by the
 * validation policy alone and end to end through a guest's display
 * registers, and nothing else is disturbed.
 */
#include "config.h"

/* The table below overrides fields of a good plane on purpose. */
#pragma GCC diagnostic ignored "-Woverride-init"

#include <errno.h>
#include <string.h>
#include <drm_fourcc.h>

#include "private.h"
#include "sim.h"
#include "test-common.h"
#include "validate.h"

#define MiB (1ull << 20)
#define HIGH (4ull << 30)

static const struct vgfb_mem_range ranges[] = {
	{ 0, 32 * MiB },
	{ HIGH, 32 * MiB },
};
static const struct vgfb_memmap memmap = { ranges, 2 };

static const uint64_t frames_ok[] = { 0x100, 0x101, 0x102, 0x103 };
static const uint64_t frames_hole[] = { 0x100, 0x101, 0x102, 0x80000 };
static const uint64_t frames_overflow[] = { 0x100, UINT64_MAX, 0x102, 0x103 };

struct hostile {
	const char *name;
	uint32_t plane_type;
	struct vgfb_plane_desc d;
	const char *reason;	/* must appear in the refusal */
};

#define GOOD .drm_format = DRM_FORMAT_XRGB8888, .width = 1024, .height = 768, \
	     .stride = 4096, .buf.kind = VGFB_BUFFER_GUEST_RANGE, \
	     .buf.gpa = 1 * MiB, .buf.size = 3 * MiB
/* The same buffer named by a list of guest frames */
#define GFNS .buf.kind = VGFB_BUFFER_GFN_LIST, .buf.n_frames = 4
#define P DRM_PLANE_TYPE_PRIMARY
#define C DRM_PLANE_TYPE_CURSOR

static const struct hostile table[] = {
	{ "no format", P, { GOOD, .drm_format = 0 }, "unknown format" },
	{ "planar format", P, { GOOD, .drm_format = DRM_FORMAT_NV12 }, "unknown format" },
	{ "tiled", P, { GOOD, .modifier = I915_FORMAT_MOD_X_TILED }, "unsupported modifier" },
	{ "invalid modifier", P, { GOOD, .modifier = DRM_FORMAT_MOD_INVALID }, "unsupported modifier" },
	{ "zero width", P, { GOOD, .width = 0 }, "empty plane" },
	{ "zero height", P, { GOOD, .height = 0 }, "empty plane" },
	{ "too wide", P, { GOOD, .width = 16385, .stride = 16385 * 4 }, "exceeds 16384x16384" },
	{ "too tall", P, { GOOD, .height = UINT32_MAX }, "exceeds 16384x16384" },
	{ "huge cursor", C, { GOOD, .width = 257, .height = 64 }, "exceeds 256x256" },
	{ "stride too small", P, { GOOD, .stride = 4095 }, "stride 4095 < width 1024" },
	{ "zero stride", P, { GOOD, .stride = 0 }, "stride 0 < width" },
	{ "width*cpp overflows u32", P, { GOOD, .drm_format = DRM_FORMAT_XRGB8888,
		.width = 16384, .stride = 65535 }, "stride 65535 < width 16384" },
	{ "stride*height over cap", P, { GOOD, .stride = UINT32_MAX, .height = 16384 }, "exceeds the cap" },
	{ "zero buffer", P, { GOOD, .buf.size = 0 }, "guest buffer size is 0" },
	{ "buffer too small", P, { GOOD, .buf.size = 3 * MiB - 4096 }, "exceeds the guest buffer" },
	{ "no addressing kind", P, { GOOD, .buf.kind = 0 }, "unknown buffer addressing" },
	{ "unaligned base", P, { GOOD, .buf.gpa = MiB + 16 }, "not page aligned" },
	{ "base in the hole", P, { GOOD, .buf.gpa = 2048 * MiB }, "outside the guest's memory" },
	{ "runs off low RAM", P, { GOOD, .buf.gpa = 31 * MiB }, "outside the guest's memory" },
	{ "runs off high RAM", P, { GOOD, .buf.gpa = HIGH + 30 * MiB }, "outside the guest's memory" },
	{ "base wraps 64 bits", P, { GOOD, .buf.gpa = UINT64_MAX & ~0xfffull }, "outside the guest's memory" },
	{ "frame list missing", P, { GOOD, .height = 4, .buf.size = 16384, GFNS }, "frame list missing" },
	{ "too few frames", P, { GOOD, .buf.size = 3 * MiB, GFNS, .buf.frames = frames_ok }, "4 frames cannot hold" },
	{ "frame in the hole", P, { GOOD, .height = 4, .buf.size = 16384, GFNS,
		.buf.frames = frames_hole }, "frame 3 = 0x80000 is outside" },
	{ "frame number overflows", P, { GOOD, .height = 4, .buf.size = 16384, GFNS,
		.buf.frames = frames_overflow }, "frame 1 = 0xffffffffffffffff overflows" },
};

#define N_HOSTILE (sizeof(table) / sizeof(table[0]))

START_TEST(policy_refuses)
{
	const struct hostile *h = &table[_i];
	struct vgfb_plane_geom g;
	char why[256] = "";

	ck_assert_int_eq(vgfb__validate_plane(h->plane_type, &h->d, &memmap, &g,
					      why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, h->reason), "%s: reason \"%s\" lacks \"%s\"",
		      h->name, why, h->reason);
}
END_TEST

START_TEST(policy_accepts_good_planes)
{
	struct vgfb_plane_desc d = { GOOD };
	struct vgfb_plane_desc frames = { GOOD, .height = 4, .buf.size = 16384,
					  GFNS, .buf.frames = frames_ok };
	struct vgfb_plane_desc grants = { GOOD, .height = 4, .buf.size = 16384,
					  .buf.kind = VGFB_BUFFER_GRANT_LIST,
					  .buf.n_frames = 4, .buf.frames = frames_hole };
	struct vgfb_plane_desc odd = { .drm_format = DRM_FORMAT_RGB888, .width = 333,
				       .height = 211, .stride = 1000,
				       .buf.kind = VGFB_BUFFER_GUEST_RANGE, .buf.gpa = HIGH,
				       .buf.size = 212 * 1000 + 4096 };
	struct vgfb_plane_geom g;
	char why[256];

	ck_assert_int_eq(vgfb__validate_plane(P, &d, &memmap, &g, why, sizeof(why)), 0);
	ck_assert_uint_eq(g.size, 3 * MiB);
	ck_assert_uint_eq(g.x_hot, 0xFFFFFFFFu);
	ck_assert_int_eq(vgfb__validate_plane(P, &frames, &memmap, &g, why, sizeof(why)), 0);
	/* grant refs are not guest frames: the hypervisor checks them */
	ck_assert_int_eq(vgfb__validate_plane(P, &grants, &memmap, &g, why, sizeof(why)), 0);
	/* size is rounded up to whole pages */
	ck_assert_int_eq(vgfb__validate_plane(P, &odd, &memmap, &g, why, sizeof(why)), 0);
	ck_assert_uint_eq(g.size, 211000 + 4096 - 211000 % 4096);
}
END_TEST

START_TEST(cursor_hotspot_must_be_inside)
{
	struct vgfb_plane_desc c = { .drm_format = DRM_FORMAT_ARGB8888, .width = 64,
				     .height = 64, .stride = 256,
				     .buf.kind = VGFB_BUFFER_GUEST_RANGE, .buf.gpa = MiB,
				     .buf.size = 16384, .x_hot = 63, .y_hot = 0 };
	struct vgfb_plane_geom g;
	char why[256];

	ck_assert_int_eq(vgfb__validate_plane(C, &c, &memmap, &g, why, sizeof(why)), 0);
	ck_assert_uint_eq(g.x_hot, 63);
	ck_assert_uint_eq(g.y_hot, 0);
	c.x_hot = 64;
	ck_assert_int_eq(vgfb__validate_plane(C, &c, &memmap, &g, why, sizeof(why)), 0);
	ck_assert_uint_eq(g.x_hot, 0xFFFFFFFFu);
	ck_assert_uint_eq(g.y_hot, 0xFFFFFFFFu);
	c.x_hot = 1;
	c.y_hot = UINT32_MAX - 1;
	ck_assert_int_eq(vgfb__validate_plane(C, &c, &memmap, &g, why, sizeof(why)), 0);
	ck_assert_uint_eq(g.x_hot, 0xFFFFFFFFu);
}
END_TEST

/* The same table, written by a hostile guest driver into its registers. */
START_TEST(guest_registers_refused_end_to_end)
{
	const struct hostile *h = &table[_i];
	struct vgfb *ctx = test_open("sim:heads=2");
	struct vgfb_sim *sim = vgfb__local_sim(ctx);
	struct vgfb_sim_plane_regs saved, bad;
	struct vfio_device_gfx_plane_info info, other;
	uint32_t type = h->plane_type;

	if (h->d.buf.kind != VGFB_BUFFER_GUEST_RANGE)
		goto out;	/* the sim's registers take a base, nothing else */
	ck_assert_ptr_nonnull(sim);
	ck_assert_int_eq(vgfb__sim_read_regs(sim, 0, type, &saved), 0);
	bad = (struct vgfb_sim_plane_regs){
		.enable = 1, .drm_format = h->d.drm_format, .modifier = h->d.modifier,
		.width = h->d.width, .height = h->d.height, .stride = h->d.stride,
		.base = h->d.buf.gpa, .buffer_size = h->d.buf.size,
	};
	ck_assert_int_eq(vgfb__sim_write_regs(sim, 0, type, &bad), 0);

	test_clear_log();
	ck_assert_int_eq(test_query(ctx, VFIO_GFX_PLANE_TYPE_REGION, type, &info, NULL), -EINVAL);
	ck_assert_msg(strstr(test_last_log(), "refused") &&
		      strstr(test_last_log(), h->reason),
		      "%s: logged \"%s\"", h->name, test_last_log());
	/* The other head is untouched. */
	ck_assert_int_eq(vgfb_set_head(ctx, 1), 0);
	ck_assert_int_eq(test_query(ctx, VFIO_GFX_PLANE_TYPE_REGION, P, &other, NULL), 0);
	ck_assert_uint_eq(other.width, 1024);
	ck_assert_int_eq(vgfb_set_head(ctx, 0), 0);
	/* The driver repairs its registers: the plane is back. */
	ck_assert_int_eq(vgfb__sim_write_regs(sim, 0, type, &saved), 0);
	ck_assert_int_eq(test_query(ctx, VFIO_GFX_PLANE_TYPE_REGION, type, &info, NULL), 0);
	ck_assert_uint_ne(info.dmabuf_id, 0);
out:
	vgfb_close(ctx);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("policy");
	TCase *e2e = tcase_create("guest");

	tcase_add_loop_test(tc, policy_refuses, 0, (int)N_HOSTILE);
	tcase_add_test(tc, policy_accepts_good_planes);
	tcase_add_test(tc, cursor_hotspot_must_be_inside);
	suite_add_tcase(s, tc);
	test_add_fd_leak_check(e2e);
	tcase_add_loop_test(e2e, guest_registers_refused_end_to_end, 0, (int)N_HOSTILE);
	suite_add_tcase(s, e2e);
	return test_run(s);
}
