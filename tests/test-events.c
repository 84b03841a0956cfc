/* SPDX-License-Identifier: MIT */
/* The coalescing event queue, and events from a guest through a context. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <drm_fourcc.h>

#include "event-queue.h"
#include "test-common.h"

static struct vgfb_event
ev(uint32_t type, uint32_t head, uint32_t plane, uint64_t seq)
{
	struct vgfb_event e = { .type = type, .head = head,
				.drm_plane_type = plane, .frame_seq = seq };
	return e;
}

START_TEST(queue_fifo_and_flip_coalescing)
{
	struct vgfb_event_queue *q;
	struct vgfb_event out, e;

	ck_assert_int_eq(vgfb__evq_new(8, &q), 0);
	ck_assert_int_eq(vgfb__evq_pop(q, &out), -EAGAIN);
	e = ev(VGFB_EVENT_FLIP, 0, 1, 5);
	vgfb__evq_push(q, &e);
	e = ev(VGFB_EVENT_FLIP, 1, 1, 9);
	vgfb__evq_push(q, &e);
	e = ev(VGFB_EVENT_FLIP, 0, 1, 6);
	vgfb__evq_push(q, &e);
	ck_assert_uint_eq(vgfb__evq_len(q), 2);
	ck_assert_int_eq(vgfb__evq_pop(q, &out), 0);
	ck_assert(out.type == VGFB_EVENT_FLIP && out.head == 0 && out.frame_seq == 6);
	ck_assert_int_eq(vgfb__evq_pop(q, &out), 0);
	ck_assert(out.head == 1 && out.frame_seq == 9);
	e.type = 99;	/* unknown types are never queued */
	vgfb__evq_push(q, &e);
	ck_assert_uint_eq(vgfb__evq_len(q), 0);
	vgfb__evq_free(q);
}
END_TEST

START_TEST(queue_damage_merges)
{
	struct vgfb_event_queue *q;
	struct vgfb_event e = ev(VGFB_EVENT_DAMAGE, 0, 1, 1), out;

	ck_assert_int_eq(vgfb__evq_new(8, &q), 0);
	e.rect = (struct vgfb_rect){ 10, 10, 10, 10 };
	vgfb__evq_push(q, &e);
	e.rect = (struct vgfb_rect){ 100, 5, 1, 1 };
	e.frame_seq = 2;
	vgfb__evq_push(q, &e);
	ck_assert_uint_eq(vgfb__evq_len(q), 1);
	ck_assert_int_eq(vgfb__evq_pop(q, &out), 0);
	ck_assert_uint_eq(out.rect.x, 10);
	ck_assert_uint_eq(out.rect.y, 5);
	ck_assert_uint_eq(out.rect.width, 91);
	ck_assert_uint_eq(out.rect.height, 15);
	ck_assert_uint_eq(out.frame_seq, 2);
	vgfb__evq_free(q);
}
END_TEST

START_TEST(queue_change_supersedes_and_gone_clears)
{
	struct vgfb_event_queue *q;
	struct vgfb_event e, out;

	ck_assert_int_eq(vgfb__evq_new(8, &q), 0);
	e = ev(VGFB_EVENT_FLIP, 0, 1, 1);
	vgfb__evq_push(q, &e);
	e = ev(VGFB_EVENT_FLIP, 0, 2, 1);	/* cursor plane: kept */
	vgfb__evq_push(q, &e);
	e = ev(VGFB_EVENT_PLANE_CHANGED, 0, 1, 2);
	vgfb__evq_push(q, &e);
	ck_assert_uint_eq(vgfb__evq_len(q), 2);
	ck_assert_int_eq(vgfb__evq_pop(q, &out), 0);
	ck_assert_uint_eq(out.drm_plane_type, 2);
	ck_assert_int_eq(vgfb__evq_pop(q, &out), 0);
	ck_assert_uint_eq(out.type, VGFB_EVENT_PLANE_CHANGED);
	e = ev(VGFB_EVENT_FLIP, 0, 1, 3);
	vgfb__evq_push(q, &e);
	e = ev(VGFB_EVENT_GUEST_GONE, 0, 0, 0);
	vgfb__evq_push(q, &e);
	ck_assert_uint_eq(vgfb__evq_len(q), 1);
	ck_assert_int_eq(vgfb__evq_pop(q, &out), 0);
	ck_assert_uint_eq(out.type, VGFB_EVENT_GUEST_GONE);
	vgfb__evq_free(q);
}
END_TEST

START_TEST(queue_overflow_is_bounded)
{
	struct vgfb_event_queue *q;
	struct vgfb_event e, out;

	ck_assert_int_eq(vgfb__evq_new(4, &q), 0);
	for (uint32_t i = 0; i < 1000; i++) {
		e = ev(VGFB_EVENT_FLIP, i % 16, 1, i);
		vgfb__evq_push(q, &e);
		ck_assert_uint_le(vgfb__evq_len(q), 4);
	}
	e = ev(VGFB_EVENT_GUEST_GONE, 0, 0, 0);
	vgfb__evq_push(q, &e);
	/* after a collapse a GUEST_GONE is never lost */
	for (uint32_t i = 0; i < 10; i++) {
		struct vgfb_event f = ev(VGFB_EVENT_FLIP, i, 1, i);

		vgfb__evq_push(q, &f);
	}
	ck_assert_int_eq(vgfb__evq_pop(q, &out), 0);
	bool gone = out.type == VGFB_EVENT_GUEST_GONE;
	while (vgfb__evq_pop(q, &out) == 0)
		gone |= out.type == VGFB_EVENT_GUEST_GONE;
	ck_assert(gone);
	ck_assert_int_lt(vgfb__evq_new(1, &q), 0);
	vgfb__evq_free(q);
}
END_TEST

static bool
readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

START_TEST(context_events_from_the_guest)
{
	struct vgfb *ctx = test_open("sim:heads=2");
	struct vgfb_rect r = { 1, 2, 3, 4 };
	struct vgfb_event e;
	int fd = vgfb_get_event_fd(ctx);

	ck_assert_int_ge(fd, 0);
	/* Nothing is queued before subscribing. */
	ck_assert_int_eq(vgfb_sim_flip(ctx, 0), 0);
	ck_assert(!readable(fd));
	ck_assert_int_eq(vgfb_read_event(ctx, &e), -EAGAIN);
	ck_assert_int_eq(vgfb_subscribe(ctx, 1u << 31), -EINVAL);
	ck_assert_int_eq(vgfb_subscribe(ctx, VGFB_EVENT_MASK_ALL), 0);

	ck_assert_int_eq(vgfb_sim_flip(ctx, 1), 0);
	ck_assert(readable(fd));
	ck_assert_int_eq(vgfb_read_event(ctx, &e), 0);
	ck_assert_uint_eq(e.type, VGFB_EVENT_FLIP);
	ck_assert_uint_eq(e.head, 1);
	ck_assert_uint_eq(e.frame_seq, 2);
	ck_assert(!readable(fd));

	ck_assert_int_eq(vgfb_sim_update(ctx, 0, &r), 0);
	ck_assert_int_eq(vgfb_sim_set_mode(ctx, 1, 640, 480, DRM_FORMAT_RGB565), 0);
	ck_assert_int_eq(vgfb_sim_set_cursor(ctx, 0, 1, 5, 6), 0);
	ck_assert_int_eq(vgfb_sim_set_mode(ctx, 1, 0, 0, 0), 0);
	ck_assert_int_eq(vgfb_read_event(ctx, &e), 0);
	ck_assert(e.type == VGFB_EVENT_DAMAGE && e.rect.x == 1 && e.rect.height == 4);
	ck_assert_int_eq(vgfb_read_event(ctx, &e), 0);
	ck_assert(e.type == VGFB_EVENT_PLANE_CHANGED && e.drm_plane_type == DRM_PLANE_TYPE_CURSOR);
	/* head 1's PLANE_CHANGED was superseded by its PLANE_DISABLED */
	ck_assert_int_eq(vgfb_read_event(ctx, &e), 0);
	ck_assert(e.type == VGFB_EVENT_PLANE_DISABLED && e.head == 1);
	ck_assert_int_eq(vgfb_read_event(ctx, &e), -EAGAIN);

	/* Only what is subscribed is queued. */
	ck_assert_int_eq(vgfb_subscribe(ctx, VGFB_EVENT_MASK(VGFB_EVENT_GUEST_GONE)), 0);
	ck_assert_int_eq(vgfb_sim_flip(ctx, 0), 0);
	ck_assert(!readable(fd));
	ck_assert_int_eq(vgfb_sim_destroy_guest(ctx), 0);
	ck_assert(readable(fd));
	ck_assert_int_eq(vgfb_read_event(ctx, &e), 0);
	ck_assert_uint_eq(e.type, VGFB_EVENT_GUEST_GONE);
	ck_assert_int_eq(vgfb_sim_destroy_guest(ctx), -ENODEV);
	vgfb_close(ctx);
}
END_TEST

START_TEST(slow_consumer_gets_bounded_queue)
{
	struct vgfb *ctx = test_open("sim:heads=4,mode=64x64");
	struct vgfb_event e;
	int n = 0;

	ck_assert_int_eq(vgfb_subscribe(ctx, VGFB_EVENT_MASK_ALL), 0);
	for (int i = 0; i < 10000; i++) {
		struct vgfb_rect r = { (uint32_t)(i % 64), 0, 1, 1 };

		ck_assert_int_eq(vgfb_sim_flip(ctx, (uint32_t)i % 4), 0);
		ck_assert_int_eq(vgfb_sim_update(ctx, (uint32_t)i % 4, &r), 0);
	}
	while (vgfb_read_event(ctx, &e) == 0)
		n++;
	ck_assert_int_le(n, 8);	/* one FLIP and one DAMAGE per head */
	vgfb_close(ctx);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("events");
	TCase *q = tcase_create("queue");
	TCase *c = tcase_create("context");

	tcase_add_test(q, queue_fifo_and_flip_coalescing);
	tcase_add_test(q, queue_damage_merges);
	tcase_add_test(q, queue_change_supersedes_and_gone_clears);
	tcase_add_test(q, queue_overflow_is_bounded);
	suite_add_tcase(s, q);
	test_add_fd_leak_check(c);
	tcase_add_test(c, context_events_from_the_guest);
	tcase_add_test(c, slow_consumer_gets_bounded_queue);
	suite_add_tcase(s, c);
	return test_run(s);
}
