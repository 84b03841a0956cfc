/* SPDX-License-Identifier: MIT */
/*
 * vgfb-kms's geometry (tools/vgfb-kms/layout.c): the mode a policy picks,
 * where a guest image lands (letterbox and crop), guest damage on the
 * screen with hostile rectangles, the split of a screen rectangle into
 * guest pixels and black, and the copy path's per-buffer stale damage.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "layout.h"
#include "test-common.h"

static const struct kms_mode_desc modes[] = {
	{ 1920, 1080, false }, { 1024, 768, true }, { 800, 600, false },
	{ 1024, 768, false },
};
#define N_MODES (sizeof(modes) / sizeof(modes[0]))

START_TEST(mode_policy_parses)
{
	enum kms_mode_policy p;
	uint32_t w, h;

	ck_assert_int_eq(kms_parse_mode_policy("preferred", &p, &w, &h), 0);
	ck_assert_int_eq(p, KMS_MODE_PREFERRED);
	ck_assert_int_eq(kms_parse_mode_policy("guest", &p, &w, &h), 0);
	ck_assert_int_eq(p, KMS_MODE_GUEST);
	ck_assert_int_eq(kms_parse_mode_policy("1280x720", &p, &w, &h), 0);
	ck_assert_int_eq(p, KMS_MODE_SIZE);
	ck_assert_uint_eq(w, 1280);
	ck_assert_uint_eq(h, 720);
	static const char *const bad[] = {
		"", "x", "0x480", "640x0", "640x", "x480", "640x480x", "-1x2",
		"640 x480", "16385x100", "99999999999999999999x1", "Preferred",
		"640x+480",
	};
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(kms_parse_mode_policy(bad[i], &p, &w, &h) ==
				      -EINVAL, "accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(mode_pick)
{
	/* preferred: the flagged one, whatever is asked */
	ck_assert_int_eq(kms_pick_mode(modes, N_MODES, KMS_MODE_PREFERRED, 800,
				       600), 1);
	/* guest: the first of the guest's size, else preferred */
	ck_assert_int_eq(kms_pick_mode(modes, N_MODES, KMS_MODE_GUEST, 800,
				       600), 2);
	ck_assert_int_eq(kms_pick_mode(modes, N_MODES, KMS_MODE_GUEST, 640,
				       480), 1);
	/* an explicit size: that, or an error */
	ck_assert_int_eq(kms_pick_mode(modes, N_MODES, KMS_MODE_SIZE, 1920,
				       1080), 0);
	ck_assert_int_eq(kms_pick_mode(modes, N_MODES, KMS_MODE_SIZE, 640,
				       480), -ENOENT);
	/* no preferred mode: the first; no modes at all: an error */
	ck_assert_int_eq(kms_pick_mode(modes + 2, 2, KMS_MODE_PREFERRED, 0, 0),
			 0);
	ck_assert_int_eq(kms_pick_mode(modes, 0, KMS_MODE_PREFERRED, 0, 0),
			 -ENOENT);
}
END_TEST

START_TEST(connector_names)
{
	char n[32];

	kms_connector_name(1, 1, n, sizeof(n));
	ck_assert_str_eq(n, "VGA-1");
	kms_connector_name(15, 2, n, sizeof(n));
	ck_assert_str_eq(n, "Virtual-2");
	kms_connector_name(11, 1, n, sizeof(n));
	ck_assert_str_eq(n, "HDMI-A-1");
	kms_connector_name(999, 3, n, sizeof(n));
	ck_assert_str_eq(n, "Unknown999-3");
}
END_TEST

START_TEST(layout_letterbox_and_crop)
{
	struct kms_layout l;

	kms_layout_compute(&l, 1024, 768, 1024, 768);
	ck_assert(kms_layout_is_identity(&l));

	/* smaller: centred, black around */
	kms_layout_compute(&l, 1024, 768, 640, 480);
	ck_assert(!kms_layout_is_identity(&l));
	ck_assert_uint_eq(l.dst_x, 192);
	ck_assert_uint_eq(l.dst_y, 144);
	ck_assert_uint_eq(l.src_x, 0);
	ck_assert_uint_eq(l.w, 640);
	ck_assert_uint_eq(l.h, 480);

	/* larger: its centre */
	kms_layout_compute(&l, 800, 600, 1024, 768);
	ck_assert_uint_eq(l.src_x, 112);
	ck_assert_uint_eq(l.src_y, 84);
	ck_assert_uint_eq(l.dst_x, 0);
	ck_assert_uint_eq(l.w, 800);
	ck_assert_uint_eq(l.h, 600);

	/* wider but shorter: crop one axis, letterbox the other */
	kms_layout_compute(&l, 800, 600, 1000, 400);
	ck_assert_uint_eq(l.src_x, 100);
	ck_assert_uint_eq(l.dst_y, 100);

	/* nothing shown (guest gone): not identity */
	kms_layout_compute(&l, 800, 600, 0, 0);
	ck_assert(!kms_layout_is_identity(&l));
	ck_assert_uint_eq(l.w, 0);
}
END_TEST

START_TEST(damage_to_screen)
{
	struct kms_layout l;
	struct vgfb_rect s;

	kms_layout_compute(&l, 1024, 768, 640, 480);
	ck_assert(kms_layout_to_screen(&l, &(struct vgfb_rect){ 10, 20, 30,
								40 }, &s));
	ck_assert_uint_eq(s.x, 202);
	ck_assert_uint_eq(s.y, 164);
	ck_assert_uint_eq(s.width, 30);
	ck_assert_uint_eq(s.height, 40);
	/* clipped at the image's edge */
	ck_assert(kms_layout_to_screen(&l, &(struct vgfb_rect){ 600, 470, 100,
								100 }, &s));
	ck_assert_uint_eq(s.width, 40);
	ck_assert_uint_eq(s.height, 10);
	/* outside, empty, and wrapping rectangles show nothing */
	ck_assert(!kms_layout_to_screen(&l, &(struct vgfb_rect){ 640, 0, 5, 5 },
					&s));
	ck_assert(!kms_layout_to_screen(&l, &(struct vgfb_rect){ 0, 0, 0, 5 },
					&s));
	ck_assert(!kms_layout_to_screen(&l, &(struct vgfb_rect){ UINT32_MAX,
								 0, 2, 5 },
					&s));
	ck_assert(kms_layout_to_screen(&l, &(struct vgfb_rect){ 1, 1,
								UINT32_MAX,
								UINT32_MAX },
				       &s));
	ck_assert_uint_eq(s.width, 639);
	ck_assert_uint_eq(s.height, 479);

	/* cropped: only the centre part lands */
	kms_layout_compute(&l, 800, 600, 1024, 768);
	ck_assert(!kms_layout_to_screen(&l, &(struct vgfb_rect){ 0, 0, 100,
								 84 }, &s));
	ck_assert(kms_layout_to_screen(&l, &(struct vgfb_rect){ 100, 80, 20,
								20 }, &s));
	ck_assert_uint_eq(s.x, 0);
	ck_assert_uint_eq(s.y, 0);
	ck_assert_uint_eq(s.width, 8);
	ck_assert_uint_eq(s.height, 16);
}
END_TEST

/* Every screen pixel of r is in exactly one of inside/border. */
static void
check_split_covers(const struct kms_layout *l, const struct vgfb_rect *r)
{
	struct vgfb_rect inside, border[4];
	uint32_t sx, sy;
	bool has;
	unsigned int n = kms_layout_split(l, r, &inside, &has, &sx, &sy,
					  border);
	uint64_t area = has ? (uint64_t)inside.width * inside.height : 0;

	for (unsigned int i = 0; i < n; i++)
		area += (uint64_t)border[i].width * border[i].height;
	ck_assert_uint_eq(area, (uint64_t)r->width * r->height);
	if (has) {
		ck_assert_uint_ge(inside.x, l->dst_x);
		ck_assert_uint_le(inside.x + inside.width, l->dst_x + l->w);
		ck_assert_uint_eq(sx, inside.x - l->dst_x + l->src_x);
		ck_assert_uint_eq(sy, inside.y - l->dst_y + l->src_y);
	}
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_uint_ge(border[i].x, r->x);
		ck_assert_uint_le(border[i].x + border[i].width,
				  r->x + r->width);
		ck_assert_uint_ge(border[i].y, r->y);
		ck_assert_uint_le(border[i].y + border[i].height,
				  r->y + r->height);
	}
}

START_TEST(split_into_guest_and_black)
{
	struct kms_layout l;

	kms_layout_compute(&l, 1024, 768, 640, 480);
	/* the whole screen: the image and four borders */
	check_split_covers(&l, &(struct vgfb_rect){ 0, 0, 1024, 768 });
	check_split_covers(&l, &(struct vgfb_rect){ 100, 100, 200, 200 });
	check_split_covers(&l, &(struct vgfb_rect){ 0, 0, 10, 10 });
	check_split_covers(&l, &(struct vgfb_rect){ 300, 300, 10, 10 });
	check_split_covers(&l, &(struct vgfb_rect){ 800, 600, 224, 168 });
	kms_layout_compute(&l, 800, 600, 1024, 768);
	check_split_covers(&l, &(struct vgfb_rect){ 0, 0, 800, 600 });
	kms_layout_compute(&l, 800, 600, 0, 0);
	check_split_covers(&l, &(struct vgfb_rect){ 0, 0, 800, 600 });
}
END_TEST

START_TEST(stale_damage)
{
	struct kms_damage d;

	kms_damage_clear(&d);
	kms_damage_add(&d, &(struct vgfb_rect){ 10, 10, 20, 20 }, 100, 100);
	/* covered: not added again */
	kms_damage_add(&d, &(struct vgfb_rect){ 12, 12, 5, 5 }, 100, 100);
	ck_assert_uint_eq(d.n, 1);
	/* clipped to the screen; empty and outside ones vanish */
	kms_damage_add(&d, &(struct vgfb_rect){ 90, 90, 50, 50 }, 100, 100);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_uint_eq(d.r[1].width, 10);
	kms_damage_add(&d, &(struct vgfb_rect){ 100, 0, 5, 5 }, 100, 100);
	kms_damage_add(&d, &(struct vgfb_rect){ 0, 0, 0, 5 }, 100, 100);
	kms_damage_add(&d, &(struct vgfb_rect){ UINT32_MAX, UINT32_MAX, 5, 5 },
		       100, 100);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_uint_eq(kms_damage_area(&d, 100, 100), 400 + 100);
	/* too many: everything */
	for (uint32_t i = 0; i < KMS_DAMAGE_MAX; i++)
		kms_damage_add(&d, &(struct vgfb_rect){ i * 3, 50, 1, 1 }, 100,
			       100);
	ck_assert(d.all);
	ck_assert_uint_eq(kms_damage_area(&d, 100, 100), 10000);
	kms_damage_add(&d, &(struct vgfb_rect){ 0, 0, 1, 1 }, 100, 100);
	ck_assert(d.all);
	kms_damage_clear(&d);
	ck_assert(!d.all);
	ck_assert_uint_eq(kms_damage_area(&d, 100, 100), 0);
}
END_TEST

static Suite *
kms_layout_suite(void)
{
	Suite *s = suite_create("kms-layout");
	TCase *tc = tcase_create("layout");

	tcase_add_test(tc, mode_policy_parses);
	tcase_add_test(tc, mode_pick);
	tcase_add_test(tc, connector_names);
	tcase_add_test(tc, layout_letterbox_and_crop);
	tcase_add_test(tc, damage_to_screen);
	tcase_add_test(tc, split_into_guest_and_black);
	tcase_add_test(tc, stale_damage);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(kms_layout_suite());
}
