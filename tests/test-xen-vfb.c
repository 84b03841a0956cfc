/* SPDX-License-Identifier: MIT */
/*
 * The Xen vfb protocol layer against hostile frontends: bad geometries,
 * impossible ring indexes, both guest ABIs, index wrap-around.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <drm_fourcc.h>

#include "test-common.h"
#include "xen-vfb-proto.h"

#define MiB (1u << 20)

struct geo_case {
	const char *name;
	int32_t w, h, depth;
	uint64_t len;
	int32_t offset, stride;
	uint64_t limit;
	const char *reason;	/* NULL: accepted */
};

static const struct geo_case geos[] = {
	{ "fbfront default", 800, 600, 32, 2 * MiB, 0, 3200, 0, NULL },
	{ "16 bit", 1024, 768, 16, 2 * MiB, 0, 2048, 0, NULL },
	{ "depth 24 in 32-bit pixels", 640, 480, 24, 2 * MiB, 0, 2560, 0, NULL },
	{ "page-aligned offset", 640, 400, 32, 2 * MiB, 4096, 2560, 0, NULL },
	{ "zero length", 800, 600, 32, 0, 0, 3200, 0, "length is 0" },
	{ "over protocol max", 800, 600, 32, 513ull * MiB, 0, 3200, 0, "exceeds the limit" },
	{ "over admin limit", 800, 600, 32, 4 * MiB, 0, 3200, 2 * MiB, "exceeds the limit" },
	{ "8-bit palette", 800, 600, 8, 2 * MiB, 0, 800, 0, "depth 8 is not" },
	{ "depth garbage", 800, 600, -1, 2 * MiB, 0, 3200, 0, "depth -1" },
	{ "zero stride", 800, 600, 32, 2 * MiB, 0, 0, 0, "stride 0" },
	{ "negative stride", 800, 600, 32, 2 * MiB, 0, -4, 0, "stride -4" },
	{ "stride beyond buffer", 800, 600, 32, 2 * MiB, 0, 3 * MiB, 0, "stride 3145728" },
	{ "width beyond stride", 801, 600, 32, 2 * MiB, 0, 3200, 0, "width 801 outside 1..800" },
	{ "negative width", -1, 600, 32, 2 * MiB, 0, 3200, 0, "width -1" },
	{ "zero width", 0, 600, 32, 2 * MiB, 0, 3200, 0, "width 0" },
	{ "height beyond buffer", 800, 656, 32, 2 * MiB, 0, 3200, 0, "height 656 outside 1..655" },
	{ "height overflow", 800, INT32_MAX, 32, 2 * MiB, 0, 3200, 0, "height 2147483647" },
	{ "negative height", 800, -600, 32, 2 * MiB, 0, 3200, 0, "height -600" },
	{ "negative offset", 800, 600, 32, 2 * MiB, -4096, 3200, 0, "offset -4096" },
	{ "offset at end", 800, 600, 32, 2 * MiB, 2 * MiB, 3200, 0, "offset 2097152" },
	{ "unaligned offset", 800, 600, 32, 2 * MiB, 100, 3200, 0, "not page aligned" },
	{ "offset leaves no room", 800, 600, 32, 2 * MiB, 1 * MiB, 3200, 0, "height 600 outside 1..327" },
};

START_TEST(configure_table)
{
	const struct geo_case *c = &geos[_i];
	struct vfb_geometry g;
	char why[256] = "";
	int rc;

	rc = vgfb__vfb_configure(c->w, c->h, c->depth, c->len, c->offset,
				 c->stride, c->limit, &g, why, sizeof(why));
	if (!c->reason) {
		ck_assert_msg(rc == 0, "%s refused: %s", c->name, why);
		ck_assert_uint_eq(g.width, (uint32_t)c->w);
		ck_assert_uint_eq(g.fb_pages, (c->len + 4095) / 4096);
		ck_assert_uint_eq(g.drm_format, c->depth == 16 ? DRM_FORMAT_RGB565
							       : DRM_FORMAT_XRGB8888);
	} else {
		ck_assert_int_eq(rc, -EINVAL);
		ck_assert_msg(strstr(why, c->reason), "%s: \"%s\" lacks \"%s\"",
			      c->name, why, c->reason);
	}
}
END_TEST

START_TEST(header_and_directories_both_abis)
{
	uint8_t *page = aligned_alloc(4096, 4096);
	uint64_t out[4];
	uint32_t v32;
	uint64_t v64;
	struct vfb_header h;
	enum vfb_abi abi;

	memset(page, 0, 4096);
	v32 = 800; memcpy(page + 16, &v32, 4);
	v32 = 600; memcpy(page + 20, &v32, 4);
	v32 = 3200; memcpy(page + 24, &v32, 4);
	v32 = 2 * MiB; memcpy(page + 28, &v32, 4);
	page[32] = 32;
	vgfb__vfb_read_header(page, &h);
	ck_assert(h.width == 800 && h.height == 600 && h.line_length == 3200 &&
		  h.mem_length == 2 * MiB && h.depth == 32);

	/* 64-bit guest: pd[] at 40, 8-byte entries */
	for (int i = 0; i < 3; i++) {
		v64 = 0x123456789ull + (uint64_t)i;
		memcpy(page + 40 + 8 * i, &v64, 8);
	}
	ck_assert_int_eq(vgfb__vfb_read_pd(page, VFB_ABI_X86_64, 3, out), 0);
	ck_assert(out[0] == 0x123456789ull && out[2] == 0x12345678bull);
	/* 32-bit guest: pd[] at 36, 4-byte entries */
	for (int i = 0; i < 3; i++) {
		v32 = 0x1000u + (uint32_t)i;
		memcpy(page + 36 + 4 * i, &v32, 4);
	}
	ck_assert_int_eq(vgfb__vfb_read_pd(page, VFB_ABI_X86_32, 3, out), 0);
	ck_assert(out[0] == 0x1000 && out[1] == 0x1001 && out[2] == 0x1002);
	ck_assert_int_eq(vgfb__vfb_read_pd(page, VFB_ABI_X86_64, 257, out), -EINVAL);

	ck_assert_uint_eq(vgfb__vfb_dir_pages(512, VFB_ABI_X86_64), 1);
	ck_assert_uint_eq(vgfb__vfb_dir_pages(513, VFB_ABI_X86_64), 2);
	ck_assert_uint_eq(vgfb__vfb_dir_pages(1024, VFB_ABI_X86_32), 1);
	ck_assert_uint_eq(vgfb__vfb_dir_pages(0, VFB_ABI_X86_64), 0);

	ck_assert_int_eq(vgfb__vfb_abi_from_protocol(NULL, &abi), 0);
	ck_assert_int_eq(abi, VFB_ABI_X86_64);
	ck_assert_int_eq(vgfb__vfb_abi_from_protocol("x86_32-abi", &abi), 0);
	ck_assert_int_eq(abi, VFB_ABI_X86_32);
	ck_assert_int_eq(vgfb__vfb_abi_from_protocol("arm-abi", &abi), -EINVAL);
	free(page);
}
END_TEST

struct seen {
	int n;
	struct vfb_event ev[64];
};

static void
collect(void *data, const struct vfb_event *ev)
{
	struct seen *s = data;

	ck_assert_int_lt(s->n, 64);
	s->ev[s->n++] = *ev;
}

static void
put_event(uint8_t *page, uint32_t idx, uint8_t type, const int32_t *f, int nf)
{
	uint8_t *slot = page + VFB_OUT_RING_OFFS +
			(idx % VFB_OUT_RING_LEN) * VFB_OUT_EVENT_SIZE;

	memset(slot, 0, VFB_OUT_EVENT_SIZE);
	slot[0] = type;
	memcpy(slot + 4, f, 4 * (size_t)nf);
}

static void
set_indexes(uint8_t *page, uint32_t cons, uint32_t prod)
{
	memcpy(page + 8, &cons, 4);
	memcpy(page + 12, &prod, 4);
}

static uint32_t
get_cons(const uint8_t *page)
{
	uint32_t v;

	memcpy(&v, page + 8, 4);
	return v;
}

START_TEST(ring_events_decoded)
{
	uint8_t *page = aligned_alloc(4096, 4096);
	const int32_t upd[] = { 10, 20, 30, 40 };
	const int32_t rsz[] = { 640, 480, 2560, 32, 0 };
	struct seen s = { 0 };
	char why[128];

	memset(page, 0, 4096);
	put_event(page, 0, VFB_TYPE_UPDATE, upd, 4);
	put_event(page, 1, VFB_TYPE_RESIZE, rsz, 5);
	put_event(page, 2, 77, upd, 4);		/* unknown: reported as is */
	set_indexes(page, 0, 3);
	ck_assert_int_eq(vgfb__vfb_take_events(page, collect, &s, why, sizeof(why)), 3);
	ck_assert_int_eq(s.n, 3);
	ck_assert(s.ev[0].type == VFB_TYPE_UPDATE && s.ev[0].x == 10 && s.ev[0].height == 40);
	ck_assert(s.ev[1].type == VFB_TYPE_RESIZE && s.ev[1].width == 640 &&
		  s.ev[1].stride == 2560 && s.ev[1].depth == 32);
	ck_assert_uint_eq(s.ev[2].type, 77);
	ck_assert_uint_eq(get_cons(page), 3);
	/* nothing new: nothing delivered */
	s.n = 0;
	ck_assert_int_eq(vgfb__vfb_take_events(page, collect, &s, why, sizeof(why)), 0);
	ck_assert_int_eq(s.n, 0);
	free(page);
}
END_TEST

START_TEST(ring_indexes_hostile)
{
	uint8_t *page = aligned_alloc(4096, 4096);
	const int32_t upd[] = { 0, 0, 1, 1 };
	struct seen s = { 0 };
	char why[128] = "";

	memset(page, 0, 4096);
	/* more events than the ring holds */
	set_indexes(page, 0, VFB_OUT_RING_LEN + 1);
	ck_assert_int_eq(vgfb__vfb_take_events(page, collect, &s, why, sizeof(why)), -EPROTO);
	ck_assert_ptr_nonnull(strstr(why, "at most 51 fit"));
	ck_assert_uint_eq(get_cons(page), 0);	/* left alone */
	ck_assert_int_eq(s.n, 0);
	/* producer behind consumer */
	set_indexes(page, 100, 99);
	ck_assert_int_eq(vgfb__vfb_take_events(page, collect, &s, why, sizeof(why)), -EPROTO);
	/* exactly a full ring is fine */
	for (uint32_t i = 0; i < VFB_OUT_RING_LEN; i++)
		put_event(page, 1000 + i, VFB_TYPE_UPDATE, upd, 4);
	set_indexes(page, 1000, 1000 + VFB_OUT_RING_LEN);
	ck_assert_int_eq(vgfb__vfb_take_events(page, collect, &s, why, sizeof(why)),
			 (int)VFB_OUT_RING_LEN);
	/* u32 wrap-around of the indexes */
	s.n = 0;
	put_event(page, UINT32_MAX, VFB_TYPE_UPDATE, upd, 4);
	put_event(page, 0, VFB_TYPE_UPDATE, upd, 4);
	set_indexes(page, UINT32_MAX, 1);
	ck_assert_int_eq(vgfb__vfb_take_events(page, collect, &s, why, sizeof(why)), 2);
	ck_assert_uint_eq(get_cons(page), 1);
	free(page);
}
END_TEST

START_TEST(update_clipping)
{
	struct vfb_geometry g = { .width = 800, .height = 600 };
	struct vfb_event ev = { .type = VFB_TYPE_UPDATE };
	struct vgfb_rect r;

	ev.x = 10; ev.y = 20; ev.width = 30; ev.height = 40;
	ck_assert_int_eq(vgfb__vfb_clip_update(&g, &ev, &r), 0);
	ck_assert(r.x == 10 && r.y == 20 && r.width == 30 && r.height == 40);
	ev.x = -5; ev.y = 590; ev.width = INT32_MAX; ev.height = INT32_MAX;
	ck_assert_int_eq(vgfb__vfb_clip_update(&g, &ev, &r), 0);
	ck_assert(r.x == 0 && r.y == 590 && r.width == 800 && r.height == 10);
	ev.x = 800; ev.y = 0; ev.width = 1; ev.height = 1;
	ck_assert_int_eq(vgfb__vfb_clip_update(&g, &ev, &r), -EINVAL);
	ev.x = 0; ev.width = -1;
	ck_assert_int_eq(vgfb__vfb_clip_update(&g, &ev, &r), -EINVAL);
	ev.x = INT32_MIN; ev.width = 10; ev.height = 10;
	ck_assert_int_eq(vgfb__vfb_clip_update(&g, &ev, &r), -EINVAL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xen-vfb");
	TCase *tc = tcase_create("protocol");

	tcase_add_loop_test(tc, configure_table, 0, (int)(sizeof(geos) / sizeof(geos[0])));
	tcase_add_test(tc, header_and_directories_both_abis);
	tcase_add_test(tc, ring_events_decoded);
	tcase_add_test(tc, ring_indexes_hostile);
	tcase_add_test(tc, update_clipping);
	suite_add_tcase(s, tc);
	return test_run(s);
}
