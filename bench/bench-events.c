/* SPDX-License-Identifier: MIT */
/*
 * Parts d, e and f: change events through vgfbd, against consumers that
 * poll every 30 ms as QEMU and acrn-dm do today, in the same run.
 *
 *   d  guest flip -> consumer wake-up, p50 and p99, with 1, 8 and 64
 *      consumers sleeping on the event fd, vs one 30 ms poller;
 *   e  the daemon's wake-ups, CPU and RSS: idle with no consumer, idle
 *      with 64, per flip; vs what one poller costs it;
 *   f  16 daemons with 4 consumers each: idle wake-ups of all of them,
 *      daemon CPU per flip; vs the same consumers polling.
 *
 * The daemons serve a 64x64 sim guest, which draws each frame inside the
 * flip, in the daemon: small, so that what is measured is delivery, not
 * drawing.  Latency runs from just before the flip request to the
 * consumer's return from poll().
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench-consumers.h"

#define GUEST "sim:mode=64x64"	/* drawing a frame costs little */
#define FRAME_BYTES (64.0 * 64 * 4)	/* its frame */

/* ---- measuring phases ---- */

/* What a set of daemons did in a window, per second. */
struct window {
	double secs;
	double wakeups;		/* daemons' */
	double cpu_ns;		/* daemons' */
	uint64_t rss_kib;	/* daemons', summed at the end */
};

static void
sum_procs(struct bench_daemon *d, unsigned int n, struct bench_proc *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int i = 0; i < n; i++) {
		struct bench_proc p;

		if (bench_proc_read(d[i].pid, &p) == 0) {
			sum->cpu_ns += p.cpu_ns;
			sum->wakeups += p.wakeups;
			sum->rss_kib += p.rss_kib;
		}
	}
}

/* Sleep ms while the daemons idle; consumers' wake-ups in *consumers. */
static struct window
idle_window(struct bench_daemon *d, unsigned int n, double ms,
	    struct group *g, unsigned int n_groups, double *consumers)
{
	struct bench_proc a, b;
	struct window w;
	unsigned int woke = 0;
	int64_t t0;

	for (unsigned int i = 0; i < n_groups; i++)
		bench_group_take_wakeups(&g[i]);
	sum_procs(d, n, &a);
	t0 = bench_now_ns();
	bench_sleep_ms(ms);
	sum_procs(d, n, &b);
	w.secs = (bench_now_ns() - t0) / 1e9;
	for (unsigned int i = 0; i < n_groups; i++)
		woke += bench_group_take_wakeups(&g[i]);
	w.wakeups = (b.wakeups - a.wakeups) / w.secs;
	w.cpu_ns = (b.cpu_ns - a.cpu_ns) / w.secs;
	w.rss_kib = b.rss_kib;
	if (consumers)
		*consumers = woke / w.secs;
	return w;
}

/* Daemon CPU per flip, flips back to back on every daemon. */
static double
cpu_per_flip(struct bench_daemon *d, unsigned int n, unsigned int flips)
{
	struct bench_proc a, b;

	sum_procs(d, n, &a);
	for (unsigned int k = 0; k < flips; k++)
		for (unsigned int i = 0; i < n; i++)
			if (bench_daemon_flip(&d[i]))
				return NAN;
	sum_procs(d, n, &b);
	return (double)(b.cpu_ns - a.cpu_ns) / ((double)flips * n);
}

/* ---- d and e: one daemon ---- */

struct one_result {
	double p50, p99, poll_p50, poll_p99;
	double consumer_cpu;	/* per consumer and flip, ns */
	double poller_cpu;	/* per poll, ns */
	unsigned int missed;
	struct window idle0, idle_n, polled;
	double consumer_wakeups, poller_wakeups;
	double cpu_flip;
};

static int
flip_run(struct bench *b, struct bench_daemon *d, struct group *events,
	 struct group *poller, int64_t *t0, unsigned int flips,
	 struct one_result *res)
{
	const double gap = b->quick ? 5 : 20;
	int64_t *lat;
	unsigned int n, missed;
	int rc;

	double ev_cpu, po_cpu;
	unsigned int polls;

	srand48((long)bench_now_ns());
	ev_cpu = bench_group_cpu_ns(events);
	po_cpu = bench_group_cpu_ns(poller);
	bench_group_take_wakeups(poller);
	for (unsigned int i = 0; i < flips; i++) {
		bench_sleep_ms(gap * (0.5 + drand48()));
		t0[i] = bench_now_ns();
		rc = bench_daemon_flip(d);
		if (rc)
			return rc;
	}
	bench_sleep_ms(BENCH_POLL_MS * 2 + 20);	/* the poller sees the last */
	polls = bench_group_take_wakeups(poller);
	res->consumer_cpu = (bench_group_cpu_ns(events) - ev_cpu) /
			    ((double)flips * events->n);
	res->poller_cpu = polls ? (bench_group_cpu_ns(poller) - po_cpu) / polls : NAN;
	lat = calloc((size_t)flips * (events->n + 1), sizeof(*lat));
	if (!lat)
		return -ENOMEM;
	n = bench_group_latencies(events, t0, lat, &res->missed);
	res->p50 = bench_percentile(lat, n, 50);
	res->p99 = bench_percentile(lat, n, 99);
	n = bench_group_latencies(poller, t0, lat, &missed);
	res->poll_p50 = bench_percentile(lat, n, 50);
	res->poll_p99 = bench_percentile(lat, n, 99);
	free(lat);
	return 0;
}

static int
one_daemon(struct bench *b, unsigned int consumers, struct one_result *res)
{
	const unsigned int flips = b->quick ? 10 : 150;
	const double idle_ms = b->quick ? 200 : 3000;
	struct group events = { 0 }, poller = { 0 };
	struct bench_daemon d;
	int64_t *t0 = calloc(flips, sizeof(*t0));
	uint64_t base;
	int rc;

	if (!t0)
		return -ENOMEM;
	rc = bench_daemon_start(&d, b->vgfbd, GUEST);
	if (rc)
		goto out_free;
	/* let it go back to sleep after greeting us: a switch counts then */
	bench_sleep_ms(100);
	res->idle0 = idle_window(&d, 1, idle_ms, NULL, 0, NULL);
	rc = bench_daemon_frame_seq(d.target, &base);
	if (rc == 0)
		rc = bench_group_start(&events, d.target, consumers, false, flips,
				 base);
	if (rc)
		goto out_stop;
	bench_sleep_ms(100);
	res->idle_n = idle_window(&d, 1, idle_ms, &events, 1,
				  &res->consumer_wakeups);
	rc = bench_group_start(&poller, d.target, 1, true, flips, base);
	if (rc)
		goto out_events;
	bench_sleep_ms(100);
	res->polled = idle_window(&d, 1, idle_ms, &poller, 1,
				  &res->poller_wakeups);
	rc = flip_run(b, &d, &events, &poller, t0, flips, res);
	bench_group_stop(&poller);
	if (rc == 0)
		res->cpu_flip = cpu_per_flip(&d, 1, flips);
out_events:
	bench_group_stop(&events);
out_stop:
	bench_daemon_stop(&d);
out_free:
	free(t0);
	return rc;
}

static void
add_d_rows(struct bench *b, unsigned int n, const struct one_result *r)
{
	struct bench_row *row;
	char part[8], what[64];

	snprintf(part, sizeof(part), "d.%u", n);
	snprintf(what, sizeof(what), "flip->wake-up p50, %u consumer%s", n,
		 n > 1 ? "s" : "");
	row = bench_add(b, part, what, r->p50, "ns");
	bench_set_baseline(row, "30 ms polling p50", r->poll_p50,
			   RATIO_CHEAPER);
	snprintf(what, sizeof(what), "flip->wake-up p99, %u consumer%s", n,
		 n > 1 ? "s" : "");
	row = bench_add(b, part, what, r->p99, "ns");
	bench_set_baseline(row, "30 ms polling p99", r->poll_p99,
			   RATIO_CHEAPER);
	bench_set_max(row, 1e6);
	if (r->missed)
		snprintf(row->note, sizeof(row->note), "%u wake-ups missed",
			 r->missed);
	snprintf(what, sizeof(what), "a consumer's CPU per flip, %u consumer%s",
		 n, n > 1 ? "s" : "");
	row = bench_add(b, part, what, r->consumer_cpu, "ns");
	bench_set_baseline(row, "a poller's CPU per 30 ms poll", r->poller_cpu,
			   RATIO_OF_BASELINE);
}

static void
add_e_rows(struct bench *b, unsigned int n, const struct one_result *r)
{
	/* what one 30 ms poller costs the daemon: the baselines of e */
	const double poll_wakeups = r->polled.wakeups - r->idle_n.wakeups;
	const double poll_cpu = r->polled.cpu_ns - r->idle_n.cpu_ns;
	struct bench_row *row;
	char what[64];

	row = bench_add(b, "e", "vgfbd idle, no consumer: wake-ups/s",
			r->idle0.wakeups, "/s");
	bench_set_baseline(row, "one 30 ms poller", poll_wakeups,
			   RATIO_CHEAPER);
	bench_set_max(row, 0);
	row = bench_add(b, "e", "vgfbd idle, no consumer: CPU per second",
			r->idle0.cpu_ns, "ns");
	bench_set_baseline(row, "one 30 ms poller", poll_cpu, RATIO_CHEAPER);
	snprintf(what, sizeof(what), "vgfbd idle, %u consumers: wake-ups/s",
		 n);
	row = bench_add(b, "e", what, r->idle_n.wakeups, "/s");
	bench_set_baseline(row, "one 30 ms poller", poll_wakeups,
			   RATIO_CHEAPER);
	bench_set_max(row, 0);
	row = bench_add(b, "e", "a consumer idle: its wake-ups/s",
			r->consumer_wakeups / n, "/s");
	bench_set_baseline(row, "one 30 ms poller", r->poller_wakeups,
			   RATIO_CHEAPER);
	bench_set_max(row, 0);
	row = bench_add(b, "e", "vgfbd RSS per guest (idle)",
			(double)r->idle0.rss_kib, "KiB");
	bench_set_baseline(row, "the guest's frame", FRAME_BYTES / 1024,
			   RATIO_OF_BASELINE);
	row = bench_add(b, "e", "vgfbd RSS per consumer",
			((double)r->idle_n.rss_kib - r->idle0.rss_kib) / n,
			"KiB");
	bench_set_baseline(row, "the guest's frame", FRAME_BYTES / 1024,
			   RATIO_OF_BASELINE);
}

static void
add_flip_cpu_row(struct bench *b, const char *part, const char *what,
		 double cpu_flip, double per_poll)
{
	struct bench_row *row = bench_add(b, part, what, cpu_flip, "ns");

	bench_set_baseline(row, "vgfbd CPU per 30 ms poll", per_poll,
			   RATIO_OF_BASELINE);
}

/* ---- f: many daemons ---- */

#define F_DAEMONS 16
#define F_CONSUMERS 4

static int
many_daemons(struct bench *b)
{
	const double idle_ms = b->quick ? 200 : 3000;
	const unsigned int flips = b->quick ? 5 : 50;
	struct bench_daemon d[F_DAEMONS];
	struct group ev[F_DAEMONS], po[F_DAEMONS];
	struct window quiet, polled;
	double ev_woke, po_woke, per_poll, flip;
	struct bench_row *row;
	unsigned int n_d = 0, n_ev = 0, n_po = 0;
	int rc = 0;

	for (; n_d < F_DAEMONS && rc == 0; n_d++)
		rc = bench_daemon_start(&d[n_d], b->vgfbd, GUEST);
	if (rc) {
		n_d--;
		goto out;
	}
	for (; n_ev < F_DAEMONS && rc == 0; n_ev++)
		rc = bench_group_start(&ev[n_ev], d[n_ev].target, F_CONSUMERS, false,
				 0, 0);
	if (rc) {
		n_ev--;
		goto out;
	}
	bench_sleep_ms(200);
	quiet = idle_window(d, n_d, idle_ms, ev, n_ev, &ev_woke);
	for (; n_po < F_DAEMONS && rc == 0; n_po++)
		rc = bench_group_start(&po[n_po], d[n_po].target, F_CONSUMERS, true,
				 0, 0);
	if (rc) {
		n_po--;
		goto out;
	}
	bench_sleep_ms(200);
	polled = idle_window(d, n_d, idle_ms, po, n_po, &po_woke);
	per_poll = po_woke > 0 ? (polled.cpu_ns - quiet.cpu_ns) / po_woke
			       : NAN;
	while (n_po)
		bench_group_stop(&po[--n_po]);
	flip = cpu_per_flip(d, n_d, flips);

	row = bench_add(b, "f", "16 vgfbd x 4 consumers idle: wake-ups/s",
			quiet.wakeups + ev_woke, "/s");
	bench_set_baseline(row, "the same 64 polling", polled.wakeups + po_woke,
			   RATIO_CHEAPER);
	bench_set_max(row, 0);
	add_flip_cpu_row(b, "f", "16 vgfbd x 4 consumers: CPU per flip", flip,
			 per_poll);
out:
	while (n_po)
		bench_group_stop(&po[--n_po]);
	while (n_ev)
		bench_group_stop(&ev[--n_ev]);
	while (n_d)
		bench_daemon_stop(&d[--n_d]);
	return rc;
}

int
bench_daemon_parts(struct bench *b)
{
	static const unsigned int sizes[] = { 1, 8, 64 };
	struct one_result r[3];
	int rc;

	for (size_t i = 0; i < 3; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		rc = one_daemon(b, sizes[i], &r[i]);
		if (rc) {
			fprintf(stderr, "vgfb-bench: %u consumers: %s\n",
				sizes[i], strerror(-rc));
			return rc;
		}
		add_d_rows(b, sizes[i], &r[i]);
	}
	add_e_rows(b, 64, &r[2]);
	for (size_t i = 0; i < 3; i++) {
		const struct one_result *x = &r[i];
		double per_poll = x->poller_wakeups > 0 ?
				  (x->polled.cpu_ns - x->idle_n.cpu_ns) /
				  x->poller_wakeups : NAN;
		char what[64];

		snprintf(what, sizeof(what), "vgfbd CPU per flip, %u consumer%s",
			 sizes[i], sizes[i] > 1 ? "s" : "");
		add_flip_cpu_row(b, "e", what, x->cpu_flip, per_poll);
	}
	return many_daemons(b);
}
