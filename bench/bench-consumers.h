/* SPDX-License-Identifier: MIT */
/* vgfb-bench's consumer threads, in groups that start and stop together. */
#ifndef VGFB_BENCH_CONSUMERS_H
#define VGFB_BENCH_CONSUMERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "private.h"

#define BENCH_POLL_MS 30	/* what QEMU and acrn-dm consumers do today */

struct watcher {
	struct vgfb *ctx;
	bool polling;
	uint64_t base_seq;
	unsigned int n_changes;
	int64_t *seen_ns;	/* [i]: when flip i was first noticed, 0 not yet */
	atomic_uint wakeups;
	atomic_bool *stop;
	int stop_fd;		/* readable once the group stops */
	int error;
	pthread_t thread;
};

struct group {
	struct watcher *w;
	unsigned int n;
	atomic_bool stop;
	int stop_pipe[2];
};

/*
 * n consumers of target, each with its own connection: sleeping on the
 * event fd for FLIPs, or polling (a query every BENCH_POLL_MS).  Flip i
 * of n_changes makes frame base_seq + i + 1.
 */
int bench_group_start(struct group *g, const char *target, unsigned int n,
		      bool polling, unsigned int n_changes, uint64_t base_seq);
void bench_group_stop(struct group *g);
/* Wake-ups of all its consumers since the last call. */
unsigned int bench_group_take_wakeups(struct group *g);
/* CPU its threads used so far, ns. */
double bench_group_cpu_ns(const struct group *g);
/* Every consumer's latency for every flip it saw; *missed: not seen. */
unsigned int bench_group_latencies(const struct group *g, const int64_t *t0,
				   int64_t *out, unsigned int *missed);

#endif
