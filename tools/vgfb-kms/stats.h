/* SPDX-License-Identifier: MIT */
/* vgfb-kms --stats: what each update cost, printed at exit and on SIGUSR1. */
#ifndef VGFB_KMS_STATS_H
#define VGFB_KMS_STATS_H

#include <stdint.h>
#include <stdio.h>

enum kms_stats_path { KMS_PATH_IMPORT, KMS_PATH_COPY, KMS_PATHS };

struct kms_stats {
	uint64_t frames[KMS_PATHS];
	/* from the change event's wake-up to the ioctl's return, in ns */
	uint64_t latency_sum[KMS_PATHS], latency_max[KMS_PATHS];
	uint64_t setcrtc, flips, dirtyfb;
	uint64_t copied;	/* bytes read from guest buffers */
	uint64_t full;		/* w * h * cpp of every copied update */
	uint64_t imports;
};

void kms_stats_frame(struct kms_stats *s, enum kms_stats_path p,
		     uint64_t latency_ns);
void kms_stats_print(const struct kms_stats *s, FILE *f);

#endif
