/* SPDX-License-Identifier: MIT */
/*
 * vgfb-bench's consumers (bench-consumers.h): one thread and one daemon
 * connection each, sleeping on the event fd or polling every 30 ms, noting
 * when each flip reached them, how often they woke and their CPU.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench-consumers.h"

static void
mark_seen(struct watcher *w, uint64_t seq, int64_t t)
{
	for (uint64_t s = w->base_seq + 1; s <= seq; s++) {
		uint64_t i = s - w->base_seq - 1;

		if (i >= w->n_changes)
			break;
		if (!w->seen_ns[i])
			w->seen_ns[i] = t;
	}
}

static void *
event_consumer(void *data)
{
	struct watcher *w = data;
	struct vgfb_event ev;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = vgfb_get_event_fd(w->ctx), .events = POLLIN },
			{ .fd = w->stop_fd, .events = POLLIN },
		};
		int64_t t;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		t = bench_now_ns();
		if (p[1].revents)
			break;
		atomic_fetch_add(&w->wakeups, 1);
		while (vgfb_read_event(w->ctx, &ev) == 0) {
			if (ev.type == VGFB_EVENT_FLIP && ev.head == 0)
				mark_seen(w, ev.frame_seq, t);
			else if (ev.type == VGFB_EVENT_GUEST_GONE)
				w->error = -ENOTCONN;
		}
	}
	return NULL;
}

static void *
polling_consumer(void *data)
{
	struct watcher *w = data;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(w->stop)) {
		struct vfio_device_gfx_plane_info info = {
			.argsz = sizeof(info),
			.flags = VFIO_GFX_PLANE_TYPE_REGION,
			.drm_plane_type = DRM_PLANE_TYPE_PRIMARY,
		};
		struct vgfb_plane_ext ext = { .argsz = sizeof(ext) };
		int rc;

		next.tv_nsec += BENCH_POLL_MS * 1000000L;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
				       NULL) == EINTR)
			;
		atomic_fetch_add(&w->wakeups, 1);
		rc = vgfb_query_plane_ext(w->ctx, &info, &ext);
		if (rc) {
			w->error = rc;
			break;
		}
		mark_seen(w, ext.frame_seq, bench_now_ns());
	}
	return NULL;
}

/* n consumers of target, each with its own connection. */
int
bench_group_start(struct group *g, const char *target, unsigned int n,
	    bool polling, unsigned int n_changes, uint64_t base_seq)
{
	int rc = 0;

	memset(g, 0, sizeof(*g));
	g->stop_pipe[0] = g->stop_pipe[1] = -1;
	atomic_init(&g->stop, false);
	g->w = calloc(n, sizeof(*g->w));
	if (!g->w || pipe2(g->stop_pipe, O_CLOEXEC))
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		struct watcher *w = &g->w[i];

		w->polling = polling;
		w->base_seq = base_seq;
		w->n_changes = n_changes;
		w->stop = &g->stop;
		w->stop_fd = g->stop_pipe[0];
		w->seen_ns = calloc(n_changes ? n_changes : 1,
				    sizeof(*w->seen_ns));
		if (!w->seen_ns) {
			rc = -ENOMEM;
			break;
		}
		rc = vgfb_open(target, &w->ctx);
		if (rc == 0 && !polling)
			rc = vgfb_subscribe(w->ctx,
					    VGFB_EVENT_MASK(VGFB_EVENT_FLIP));
		if (rc == 0 && pthread_create(&w->thread, NULL,
					      polling ? polling_consumer :
					      event_consumer, w))
			rc = -EAGAIN;
		if (rc) {
			vgfb_close(w->ctx);
			w->ctx = NULL;
			break;
		}
		g->n++;
	}
	if (rc)
		bench_group_stop(g);
	return rc;
}

void
bench_group_stop(struct group *g)
{
	atomic_store(&g->stop, true);
	if (g->stop_pipe[1] >= 0 && write(g->stop_pipe[1], "x", 1) != 1)
		perror("vgfb-bench: stop");
	for (unsigned int i = 0; i < g->n; i++) {
		pthread_join(g->w[i].thread, NULL);
		vgfb_close(g->w[i].ctx);
	}
	for (unsigned int i = 0; g->w && i < g->n; i++)
		free(g->w[i].seen_ns);
	free(g->w);
	g->w = NULL;
	g->n = 0;
	for (int i = 0; i < 2; i++)
		if (g->stop_pipe[i] >= 0)
			close(g->stop_pipe[i]);
	g->stop_pipe[0] = g->stop_pipe[1] = -1;
}

unsigned int
bench_group_take_wakeups(struct group *g)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < g->n; i++)
		n += atomic_exchange(&g->w[i].wakeups, 0);
	return n;
}

/* CPU the group's threads used so far, ns. */
double
bench_group_cpu_ns(const struct group *g)
{
	double ns = 0;

	for (unsigned int i = 0; i < g->n; i++) {
		struct timespec ts;
		clockid_t cid;

		if (pthread_getcpuclockid(g->w[i].thread, &cid) == 0 &&
		    clock_gettime(cid, &ts) == 0)
			ns += ts.tv_sec * 1e9 + ts.tv_nsec;
	}
	return ns;
}

/* Every consumer's latency for every flip it saw; *missed: not seen. */
unsigned int
bench_group_latencies(const struct group *g, const int64_t *t0, int64_t *out,
		unsigned int *missed)
{
	unsigned int n = 0;

	*missed = 0;
	for (unsigned int i = 0; i < g->n; i++)
		for (unsigned int k = 0; k < g->w[i].n_changes; k++) {
			if (g->w[i].seen_ns[k])
				out[n++] = g->w[i].seen_ns[k] - t0[k];
			else
				(*missed)++;
		}
	return n;
}
