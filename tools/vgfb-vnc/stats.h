/* SPDX-License-Identifier: MIT */
/* --stats: what vgfb-vnc did, for people (never judged by a test). */
#ifndef VGFB_VNC_STATS_H
#define VGFB_VNC_STATS_H

#include <stdint.h>
#include <stdio.h>

#define VNC_STATS_SAMPLES 4096

struct vnc_stats {
	uint64_t updates;	/* frames handed to neatvnc */
	uint64_t copied;	/* bytes vgfb-vnc copied into its shadows */
	uint64_t snapshots;	/* bytes of REGION snapshots the library made */
	uint64_t zero_copy;	/* updates fed straight from a dma-buf */
	int64_t change_ns;	/* a change was noticed then, not yet sent; 0 */
	unsigned int n_lat;	/* samples taken, the last VNC_STATS_SAMPLES kept */
	int64_t lat_ns[VNC_STATS_SAMPLES];
};

/* A guest change noticed now (the first one counts until it is sent). */
void vnc_stats_change(struct vnc_stats *s);

/* Bytes went to a viewer: closes the change -> sent latency sample. */
void vnc_stats_sent(struct vnc_stats *s);

/*
 * One line of totals (bytes_sent and refused from net-guard.h) and the
 * latency's median and 99th percentile.
 */
void vnc_stats_print(const struct vnc_stats *s, uint64_t bytes_sent,
		     unsigned int refused, FILE *f);

#endif
