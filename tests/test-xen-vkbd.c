/* SPDX-License-Identifier: MIT */
/*
 * The Xen vkbd ring writer (backend/xen/xen-vkbd-proto.c) against a page
 * in plain memory playing xen-kbdfront: events land in kbdif.h's layout,
 * positions are scaled to the announced range, a full ring never blocks
 * and keeps the latest pointer state, the queue behind it is bounded, the
 * index wrap never puts two events in one slot, and a frontend's
 * impossible consumer index is refused without a write.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/input-event-codes.h>

#include "test-common.h"
#include "xen-vkbd-proto.h"

#define KBD_W 800
#define KBD_H 600

static uint32_t page[4096 / 4];

static void
set_cons(uint32_t cons)
{
	page[VKBD_OFF_IN_CONS / 4] = cons;
}

static uint32_t
page_prod(void)
{
	return page[VKBD_OFF_IN_PROD / 4];
}

static int
queue(struct vkbd_pending *p, struct vgfb_input_event ev)
{
	return vgfb__vkbd_queue(p, &ev, 640, 480, KBD_W, KBD_H);
}

static void
assert_key(uint32_t idx, uint32_t code, int pressed)
{
	struct vkbd_event e;

	vgfb__vkbd_read_slot(page, idx, &e);
	ck_assert_uint_eq(e.type, VKBD_TYPE_KEY);
	ck_assert_uint_eq(e.keycode, code);
	ck_assert_uint_eq(e.pressed, pressed);
}

static void
assert_pos(uint32_t idx, int32_t x, int32_t y, int32_t rel_z)
{
	struct vkbd_event e;

	vgfb__vkbd_read_slot(page, idx, &e);
	ck_assert_uint_eq(e.type, VKBD_TYPE_POS);
	ck_assert_int_eq(e.abs_x, x);
	ck_assert_int_eq(e.abs_y, y);
	ck_assert_int_eq(e.rel_z, rel_z);
}

START_TEST(scaled_to_the_announced_range)
{
	ck_assert_uint_eq(vgfb__vkbd_scale(0, 640, 800), 0);
	ck_assert_uint_eq(vgfb__vkbd_scale(639, 640, 800), 800);
	ck_assert_uint_eq(vgfb__vkbd_scale(319, 640, 800), 319 * 800 / 639);
	ck_assert_uint_eq(vgfb__vkbd_scale(5000, 640, 800), 800);
	ck_assert_uint_eq(vgfb__vkbd_scale(0, 1, 800), 0);
	ck_assert_uint_eq(vgfb__vkbd_scale(16383, 16384, 0x7fffffff),
			  0x7fffffff);
	/* no plane known: as it is, within the range */
	ck_assert_uint_eq(vgfb__vkbd_scale(42, 0, 800), 42);
	ck_assert_uint_eq(vgfb__vkbd_scale(4200, 0, 800), 800);
}
END_TEST

START_TEST(events_in_kbdif_layout)
{
	struct vkbd_pending p = { 0 };
	uint32_t prod = 0;

	memset(page, 0xaa, sizeof(page));
	set_cons(0);
	ck_assert_int_eq(queue(&p, test_key(KEY_A, 1)), 0);
	ck_assert_int_eq(queue(&p, test_key(KEY_A, 0)), 0);
	ck_assert_int_eq(queue(&p, test_abs(639, 479)), 0);
	ck_assert_int_eq(queue(&p, test_key(BTN_LEFT, 1)), 0);
	ck_assert_int_eq(vgfb__vkbd_flush(page, &p, &prod, NULL, 0), 4);
	ck_assert_uint_eq(prod, 4);
	ck_assert_uint_eq(page_prod(), 4);
	assert_key(0, KEY_A, 1);
	assert_key(1, KEY_A, 0);
	assert_pos(2, KBD_W, KBD_H, 0);
	assert_key(3, BTN_LEFT, 1);
	/* the rest of each slot is zero, not left over */
	{
		const uint8_t *s = (const uint8_t *)page + VKBD_IN_RING_OFFS;

		for (size_t b = 8; b < VKBD_IN_EVENT_SIZE; b++)
			ck_assert_uint_eq(s[b], 0);
		for (size_t b = 16; b < VKBD_IN_EVENT_SIZE; b++)
			ck_assert_uint_eq(s[2 * VKBD_IN_EVENT_SIZE + b], 0);
	}
	/* nothing queued: nothing written */
	ck_assert_int_eq(vgfb__vkbd_flush(page, &p, &prod, NULL, 0), 0);
	ck_assert_uint_eq(prod, 4);
}
END_TEST

START_TEST(pointer_and_wheel_merge)
{
	struct vkbd_pending p = { 0 };
	uint32_t prod = 0;

	memset(page, 0, sizeof(page));
	for (uint32_t i = 0; i < 100; i++)
		ck_assert_int_eq(queue(&p, test_abs(i, i)), 0);
	ck_assert_uint_eq(p.len, 1);		/* moves merge */
	ck_assert_int_eq(queue(&p, test_wheel(0, 1)), 0);	/* up */
	ck_assert_int_eq(queue(&p, test_wheel(0, 2)), 0);
	ck_assert_uint_eq(p.len, 1);		/* the turn where it is */
	/* horizontal: kbdif has none */
	ck_assert_int_eq(queue(&p, test_wheel(1, 5)), 0);
	/* a move after a turn */
	ck_assert_int_eq(queue(&p, test_abs(0, 0)), 0);
	ck_assert_int_eq(queue(&p, test_key(BTN_RIGHT, 1)), 0);
	/* down, after a key */
	ck_assert_int_eq(queue(&p, test_wheel(0, -1)), 0);
	ck_assert_int_eq(vgfb__vkbd_flush(page, &p, &prod, NULL, 0), 4);
	/* xen-kbdfront reports REL_WHEEL as -rel_z: up is negative here */
	assert_pos(0, 99 * KBD_W / 639, 99 * KBD_H / 479, -3);
	assert_pos(1, 0, 0, 0);
	assert_key(2, BTN_RIGHT, 1);
	assert_pos(3, 0, 0, 1);
}
END_TEST

START_TEST(full_ring_never_blocks)
{
	struct vkbd_pending p = { 0 };
	uint32_t prod = 0;

	memset(page, 0, sizeof(page));
	set_cons(0);
	for (uint32_t i = 0; i < 60; i++)
		ck_assert_int_eq(queue(&p, test_key(KEY_ESC + i, 1)), 0);
	ck_assert_int_eq(vgfb__vkbd_flush(page, &p, &prod, NULL, 0),
			 VKBD_IN_RING_LEN);
	ck_assert_uint_eq(page_prod(), VKBD_IN_RING_LEN);
	/* the frontend reads nothing: nothing more fits, nothing waits */
	ck_assert_int_eq(queue(&p, test_abs(10, 10)), 0);
	ck_assert_int_eq(vgfb__vkbd_flush(page, &p, &prod, NULL, 0), 0);
	ck_assert_uint_eq(p.len, 10);
	/* it reads 20: the rest goes, in order, the position last */
	set_cons(20);
	ck_assert_int_eq(vgfb__vkbd_flush(page, &p, &prod, NULL, 0), 10);
	assert_key(VKBD_IN_RING_LEN, KEY_ESC + 51, 1);
	assert_key(VKBD_IN_RING_LEN + 8, KEY_ESC + 59, 1);
	assert_pos(VKBD_IN_RING_LEN + 9, 10 * KBD_W / 639, 10 * KBD_H / 479, 0);
	ck_assert_uint_eq(prod, 61);
}
END_TEST

START_TEST(full_queue_keeps_the_latest_pointer)
{
	struct vkbd_pending p = { 0 };
	uint32_t prod = 0;

	memset(page, 0, sizeof(page));
	set_cons(0);
	/* a frontend that never reads: the queue fills */
	ck_assert_int_eq(queue(&p, test_abs(1, 1)), 0);
	for (uint32_t i = 1; i < VKBD_PENDING; i++)
		ck_assert_int_eq(queue(&p, test_key(KEY_1, i % 2)), 0);
	ck_assert_uint_eq(p.len, VKBD_PENDING);
	ck_assert_int_eq(queue(&p, test_key(KEY_2, 1)), -ENOSPC);
	ck_assert_uint_eq(p.dropped, 1);
	/* moves and turns still update the newest position queued */
	ck_assert_int_eq(queue(&p, test_abs(639, 0)), 0);
	ck_assert_int_eq(queue(&p, test_wheel(0, -2)), 0);
	ck_assert_uint_eq(p.len, VKBD_PENDING);
	ck_assert_uint_eq(p.dropped, 1);
	ck_assert_int_eq(vgfb__vkbd_flush(page, &p, &prod, NULL, 0),
			 VKBD_IN_RING_LEN);
	assert_pos(0, KBD_W, 0, 2);
	/* a queue of keys only has no position to update: dropped */
	p = (struct vkbd_pending){ 0 };
	for (uint32_t i = 0; i < VKBD_PENDING; i++)
		ck_assert_int_eq(queue(&p, test_key(KEY_1, i % 2)), 0);
	ck_assert_int_eq(queue(&p, test_abs(5, 5)), 0);
	ck_assert_uint_eq(p.dropped, 1);
	ck_assert_uint_eq(p.len, VKBD_PENDING);
}
END_TEST

START_TEST(hostile_consumer_index)
{
	struct vkbd_pending p = { 0 };
	uint32_t prod = 7;
	char why[128] = "";

	memset(page, 0, sizeof(page));
	page[VKBD_OFF_IN_PROD / 4] = 7;
	ck_assert_int_eq(queue(&p, test_key(KEY_A, 1)), 0);
	/* ahead of what was produced, and a whole ring and more behind */
	set_cons(8);
	ck_assert_int_eq(vgfb__vkbd_flush(page, &p, &prod, why, sizeof(why)),
			 -EPROTO);
	ck_assert(strstr(why, "in ring") != NULL);
	set_cons(7 - VKBD_IN_RING_LEN - 1);
	ck_assert_int_eq(vgfb__vkbd_flush(page, &p, &prod, NULL, 0), -EPROTO);
	/* nothing written, the index the page shows is still ours */
	ck_assert_uint_eq(prod, 7);
	ck_assert_uint_eq(page_prod(), 7);
	ck_assert_uint_eq(p.len, 1);
	/* a frontend that wrote in_prod is not believed */
	page[VKBD_OFF_IN_PROD / 4] = 1000;
	set_cons(7);
	ck_assert_int_eq(vgfb__vkbd_flush(page, &p, &prod, NULL, 0), 1);
	ck_assert_uint_eq(page_prod(), 8);
}
END_TEST

START_TEST(indexes_wrap_around)
{
	struct vkbd_pending p = { 0 };
	uint32_t prod = UINT32_MAX - 2;

	memset(page, 0, sizeof(page));
	set_cons(UINT32_MAX - 2);
	for (uint32_t i = 0; i < 6; i++)
		ck_assert_int_eq(queue(&p, test_key(KEY_Q + i, 1)), 0);
	/* up to the wrap: index 0 shares slot 0 with index 2^32 - 1 */
	ck_assert_int_eq(vgfb__vkbd_flush(page, &p, &prod, NULL, 0), 3);
	ck_assert_uint_eq(prod, 0);
	for (uint32_t i = 0; i < 3; i++)
		assert_key(UINT32_MAX - 2 + i, KEY_Q + i, 1);
	/* past it only once the frontend consumed all before it */
	set_cons(UINT32_MAX);
	ck_assert_int_eq(vgfb__vkbd_flush(page, &p, &prod, NULL, 0), 0);
	set_cons(0);
	ck_assert_int_eq(vgfb__vkbd_flush(page, &p, &prod, NULL, 0), 3);
	ck_assert_uint_eq(prod, 3);
	for (uint32_t i = 3; i < 6; i++)
		assert_key(i - 3, KEY_Q + i, 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xen-vkbd");
	TCase *tc = tcase_create("ring");

	tcase_add_test(tc, scaled_to_the_announced_range);
	tcase_add_test(tc, events_in_kbdif_layout);
	tcase_add_test(tc, pointer_and_wheel_merge);
	tcase_add_test(tc, full_ring_never_blocks);
	tcase_add_test(tc, full_queue_keeps_the_latest_pointer);
	tcase_add_test(tc, hostile_consumer_index);
	tcase_add_test(tc, indexes_wrap_around);
	suite_add_tcase(s, tc);
	return test_run(s);
}
