/* SPDX-License-Identifier: MIT */
/*
 * vgfb-xen-backend's decisions (tools/vgfb-xen-backend/plan.c), without
 * Xen: a domain appears, is named late, renamed, rebooted under the same
 * name, destroyed; a vgfbd dies and backs off.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../tools/vgfb-xen-backend/plan.h"
#include "test-common.h"

struct world {
	struct xb_domain dom[8];
	unsigned int n_dom;
	struct xb_child kids[XB_MAX_CHILDREN];
	unsigned int n_kids;
	struct xb_action act[16];
	unsigned int n_act;
};

static void
domain(struct world *w, uint32_t domid, const char *name)
{
	w->dom[w->n_dom].domid = domid;
	snprintf(w->dom[w->n_dom].name, XB_NAME_LEN, "%s", name);
	w->n_dom++;
}

static void
gone(struct world *w, uint32_t domid)
{
	for (unsigned int i = 0; i < w->n_dom; i++)
		if (w->dom[i].domid == domid)
			w->dom[i] = w->dom[--w->n_dom];
}

static unsigned int
plan(struct world *w, int64_t now)
{
	w->n_act = xb_plan(w->dom, w->n_dom, w->kids, &w->n_kids, now, w->act,
			   16);
	return w->n_act;
}

/* What the supervisor does with the actions: "started" pids, forgetting. */
static void
carry_out(struct world *w, pid_t first_pid)
{
	for (unsigned int i = 0; i < w->n_act; i++) {
		struct xb_child *c = &w->kids[w->act[i].slot];

		if (w->act[i].kind == XB_START) {
			c->pid = first_pid++;
			c->started_ms = 0;
		} else if (w->act[i].kind == XB_STOP) {
			c->stopping = true;
		}
	}
	for (unsigned int i = w->n_act; i-- > 0;)
		if (w->act[i].kind == XB_FORGET)
			w->kids[w->act[i].slot] = w->kids[--w->n_kids];
}

START_TEST(new_domain_started_once)
{
	struct world w = { 0 };

	domain(&w, 5, "guest1");
	ck_assert_uint_eq(plan(&w, 0), 1);
	ck_assert_int_eq(w.act[0].kind, XB_START);
	ck_assert_str_eq(w.kids[w.act[0].slot].name, "guest1");
	ck_assert_uint_eq(w.kids[0].domid, 5);
	carry_out(&w, 100);
	/* running: nothing more to do */
	ck_assert_uint_eq(plan(&w, 10), 0);
	ck_assert_uint_eq(w.n_kids, 1);
}
END_TEST

START_TEST(unnamed_domain_waits)
{
	struct world w = { 0 };

	domain(&w, 7, "");	/* libxl has not written the name yet */
	ck_assert_uint_eq(plan(&w, 0), 0);
	ck_assert_uint_eq(w.n_kids, 1);
	snprintf(w.dom[0].name, XB_NAME_LEN, "late");
	ck_assert_uint_eq(plan(&w, 1), 1);
	ck_assert_int_eq(w.act[0].kind, XB_START);
	/* names vgfbd refuses as instance names are never started */
	ck_assert(!xb_valid_name("a/b"));
	ck_assert(!xb_valid_name(".hidden"));
	ck_assert(!xb_valid_name("with space"));
	ck_assert(xb_valid_name("guest-1.example_2"));
}
END_TEST

START_TEST(gone_domain_stopped_then_forgotten)
{
	struct world w = { 0 };

	domain(&w, 5, "guest1");
	plan(&w, 0);
	carry_out(&w, 100);
	gone(&w, 5);
	ck_assert_uint_eq(plan(&w, 10), 1);
	ck_assert_int_eq(w.act[0].kind, XB_STOP);
	carry_out(&w, 0);
	/* SIGTERM sent: not sent again while the process runs */
	ck_assert_uint_eq(plan(&w, 20), 0);
	xb_child_exited(&w.kids[0], 30);
	ck_assert_uint_eq(w.kids[0].failures, 0);	/* asked to stop */
	ck_assert_uint_eq(plan(&w, 40), 1);
	ck_assert_int_eq(w.act[0].kind, XB_FORGET);
	ck_assert_str_eq(w.act[0].old_name, "guest1");
	carry_out(&w, 0);
	ck_assert_uint_eq(w.n_kids, 0);
}
END_TEST

START_TEST(rename_moves_name)
{
	struct world w = { 0 };

	domain(&w, 5, "old");
	plan(&w, 0);
	carry_out(&w, 100);
	snprintf(w.dom[0].name, XB_NAME_LEN, "new");
	ck_assert_uint_eq(plan(&w, 10), 1);
	ck_assert_int_eq(w.act[0].kind, XB_RENAME);
	ck_assert_str_eq(w.act[0].old_name, "old");
	ck_assert_str_eq(w.kids[0].name, "new");
	ck_assert_int_eq(w.kids[0].pid, 100);	/* the same vgfbd serves on */
	ck_assert_uint_eq(plan(&w, 20), 0);
}
END_TEST

START_TEST(reboot_same_name_waits_for_old_vgfbd)
{
	struct world w = { 0 };

	domain(&w, 5, "guest1");
	plan(&w, 0);
	carry_out(&w, 100);
	/* xl reboot: domain 5 goes, domain 6 comes with the same name */
	gone(&w, 5);
	domain(&w, 6, "guest1");
	plan(&w, 10);
	ck_assert_uint_eq(w.n_act, 1);
	ck_assert_int_eq(w.act[0].kind, XB_STOP);	/* only the old one */
	carry_out(&w, 0);
	ck_assert_uint_eq(plan(&w, 20), 0);	/* its socket is still live */
	xb_child_exited(&w.kids[0], 30);
	plan(&w, 40);
	ck_assert_uint_eq(w.n_act, 2);
	/* the old is forgotten, the new started, in one pass */
	ck_assert(w.act[0].kind == XB_FORGET || w.act[1].kind == XB_FORGET);
	ck_assert(w.act[0].kind == XB_START || w.act[1].kind == XB_START);
	carry_out(&w, 200);
	ck_assert_uint_eq(w.n_kids, 1);
	ck_assert_uint_eq(w.kids[0].domid, 6);
	ck_assert_int_eq(w.kids[0].pid, 200);
}
END_TEST

START_TEST(dying_vgfbd_backs_off)
{
	struct world w = { 0 };
	struct xb_child *c;
	int64_t t = 1000;

	domain(&w, 5, "guest1");
	plan(&w, 0);
	carry_out(&w, 100);
	c = &w.kids[0];
	c->started_ms = 0;
	/* first exit: restarted at once */
	xb_child_exited(c, t);
	ck_assert_uint_eq(plan(&w, t), 1);
	ck_assert_int_eq(w.act[0].kind, XB_START);
	carry_out(&w, 101);
	c->started_ms = t;
	/* the second, soon after: 2 s, then 4 s, doubling to 60 s */
	xb_child_exited(c, t + 10);
	ck_assert_uint_eq(plan(&w, t + 10), 0);
	ck_assert_uint_eq(plan(&w, t + 10 + 1999), 0);
	ck_assert_uint_eq(plan(&w, t + 10 + 2000), 1);
	for (int i = 0; i < 10; i++) {
		carry_out(&w, 102 + i);
		c->started_ms = t;
		xb_child_exited(c, t + 20);
	}
	ck_assert_int_eq(c->start_after_ms, t + 20 + XB_BACKOFF_MAX_MS);
	/* a run of XB_HEALTHY_MS forgives the past */
	plan(&w, c->start_after_ms);
	carry_out(&w, 300);
	c->started_ms = c->start_after_ms;
	xb_child_exited(c, c->started_ms + XB_HEALTHY_MS);
	ck_assert_uint_eq(c->failures, 1);
	ck_assert_int_eq(c->start_after_ms, c->started_ms + XB_HEALTHY_MS);
}
END_TEST

START_TEST(many_domains_bounded)
{
	static struct world w;
	struct xb_domain many[XB_MAX_CHILDREN + 4];
	struct xb_action act[16];

	for (unsigned int i = 0; i < XB_MAX_CHILDREN + 4; i++) {
		many[i].domid = i + 1;
		snprintf(many[i].name, XB_NAME_LEN, "d%u", i + 1);
	}
	/* more domains than slots: the rest wait; actions never overflow */
	ck_assert_uint_eq(xb_plan(many, XB_MAX_CHILDREN + 4, w.kids, &w.n_kids,
				  0, act, 16), 16);
	ck_assert_uint_eq(w.n_kids, XB_MAX_CHILDREN);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xen-backend");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, new_domain_started_once);
	tcase_add_test(tc, unnamed_domain_waits);
	tcase_add_test(tc, gone_domain_stopped_then_forgotten);
	tcase_add_test(tc, rename_moves_name);
	tcase_add_test(tc, reboot_same_name_waits_for_old_vgfbd);
	tcase_add_test(tc, dying_vgfbd_backs_off);
	tcase_add_test(tc, many_domains_bounded);
	suite_add_tcase(s, tc);
	return test_run(s);
}
