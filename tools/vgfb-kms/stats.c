/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <inttypes.h>

#include "stats.h"

void
kms_stats_frame(struct kms_stats *s, enum kms_stats_path p,
		uint64_t latency_ns)
{
	s->frames[p]++;
	s->latency_sum[p] += latency_ns;
	if (latency_ns > s->latency_max[p])
		s->latency_max[p] = latency_ns;
}

void
kms_stats_print(const struct kms_stats *s, FILE *f)
{
	static const char *const names[KMS_PATHS] = { "import", "copy" };

	for (int p = 0; p < KMS_PATHS; p++) {
		uint64_t n = s->frames[p];

		fprintf(f, "vgfb-kms: stats: %s: %" PRIu64 " frames, event to "
			"ioctl return %.3f ms mean, %.3f ms max\n", names[p], n,
			n ? s->latency_sum[p] / 1e6 / (double)n : 0.0,
			s->latency_max[p] / 1e6);
	}
	fprintf(f, "vgfb-kms: stats: copy path read %" PRIu64 " bytes of %"
		PRIu64 " full-frame bytes (%.4f of w*h*cpp per update)\n",
		s->copied, s->full, s->full ? (double)s->copied / s->full : 0.0);
	fprintf(f, "vgfb-kms: stats: %" PRIu64 " SetCrtc, %" PRIu64
		" page flips, %" PRIu64 " DirtyFB, %" PRIu64 " PRIME imports\n",
		s->setcrtc, s->flips, s->dirtyfb, s->imports);
	fflush(f);
}
