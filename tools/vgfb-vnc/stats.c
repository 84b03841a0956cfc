/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats.h"

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
vnc_stats_change(struct vnc_stats *s)
{
	if (!s->change_ns)
		s->change_ns = now_ns();
}

void
vnc_stats_sent(struct vnc_stats *s)
{
	if (!s->change_ns)
		return;
	s->lat_ns[s->n_lat++ % VNC_STATS_SAMPLES] = now_ns() - s->change_ns;
	s->change_ns = 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void
vnc_stats_print(const struct vnc_stats *s, uint64_t bytes_sent,
		unsigned int refused, FILE *f)
{
	unsigned int n = s->n_lat < VNC_STATS_SAMPLES ? s->n_lat
						      : VNC_STATS_SAMPLES;
	int64_t *v = NULL;

	fprintf(f, "vgfb-vnc stats: %" PRIu64 " updates (%" PRIu64
		" zero-copy), %" PRIu64 " bytes sent, %" PRIu64
		" bytes copied, %" PRIu64 " bytes of region snapshots, %u "
		"connections refused", s->updates, s->zero_copy, bytes_sent,
		s->copied, s->snapshots, refused);
	if (n)
		v = malloc(n * sizeof(*v));
	if (v) {
		memcpy(v, s->lat_ns, n * sizeof(*v));
		qsort(v, n, sizeof(*v), cmp_i64);
		fprintf(f, ", change->sent latency p50 %.3f ms p99 %.3f ms "
			"(%u samples)", v[n / 2] / 1e6,
			v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1e6, n);
		free(v);
	}
	fputc('\n', f);
	fflush(f);
}
