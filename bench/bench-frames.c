/* SPDX-License-Identifier: MIT */
/*
 * Parts a, b and c: a 4K plane of an in-process sim guest, through each
 * exporter that works on this machine (REGION everywhere; vgfb.ko and
 * udmabuf where the kernel has them, as in the vm tier).
 *
 *   a  an unchanged plane delivered (query + GET + mmap + munmap + close,
 *      and the query alone for a consumer that keeps its mapping) vs one
 *      memcpy of the frame;
 *   b  a frame with one 64x64 damage delivered (the query that makes the
 *      consumer's view current) vs the same memcpy;
 *   c  the first export of a plane vs mmap(MAP_POPULATE) of as many pages
 *      that already exist (what mapping the guest's pages costs).
 *
 * Medians; the guest's own drawing is never inside a timed section.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"
#include "private.h"

#define SIM_4K "sim:mode=3840x2160,ram=256"

struct frame_ctx {
	struct vgfb *ctx;
	bool dmabuf;		/* GET_GFX_DMABUF, else GET_REGION */
	struct vfio_device_gfx_plane_info info;
};

static int
query(struct frame_ctx *f, struct vgfb_plane_ext *ext)
{
	f->info = (struct vfio_device_gfx_plane_info){
		.argsz = sizeof(f->info),
		.flags = f->dmabuf ? VFIO_GFX_PLANE_TYPE_DMABUF
				   : VFIO_GFX_PLANE_TYPE_REGION,
		.drm_plane_type = DRM_PLANE_TYPE_PRIMARY,
	};
	if (ext) {
		memset(ext, 0, sizeof(*ext));
		ext->argsz = sizeof(*ext);
		return vgfb_query_plane_ext(f->ctx, &f->info, ext);
	}
	return vgfb_query_plane(f->ctx, &f->info);
}

static int
get_fd(struct frame_ctx *f)
{
	return f->dmabuf ? vgfb_get_gfx_dmabuf(f->ctx, f->info.dmabuf_id)
			 : vgfb_get_region_fd(f->ctx, f->info.region_index);
}

static int
open_frame(struct frame_ctx *f, const char *exporter)
{
	char target[96];

	snprintf(target, sizeof(target), SIM_4K ",exporter=%s", exporter);
	f->dmabuf = strcmp(exporter, "region") != 0;
	return vgfb_open(target, &f->ctx);
}

/* The baseline of a and b: one copy of the frame's bytes, warm buffers. */
static double
memcpy_ns(size_t bytes, unsigned int n)
{
	int64_t *t = calloc(n, sizeof(*t));
	uint8_t *src = malloc(bytes), *dst = malloc(bytes);
	double median = NAN;

	if (t && src && dst) {
		memset(src, 0x5a, bytes);
		memset(dst, 0xa5, bytes);
		for (unsigned int i = 0; i < n; i++) {
			int64_t t0 = bench_now_ns();

			memcpy(dst, src, bytes);
			t[i] = bench_now_ns() - t0;
			src[i % bytes] ^= dst[(i * 4099) % bytes];
		}
		median = bench_percentile(t, n, 50);
	}
	free(t);
	free(src);
	free(dst);
	return median;
}

/* The baseline of c: mapping size bytes of existing pages, populated. */
static double
populate_ns(size_t size, unsigned int n)
{
	int64_t *t = calloc(n, sizeof(*t));
	double median = NAN;
	int fd = memfd_create("vgfb-bench-pages", MFD_CLOEXEC);
	void *w;

	if (!t || fd < 0 || ftruncate(fd, (off_t)size) < 0)
		goto out;
	w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (w == MAP_FAILED)
		goto out;
	memset(w, 1, size);	/* the pages exist, as the guest's do */
	munmap(w, size);
	for (unsigned int i = 0; i < n; i++) {
		int64_t t0 = bench_now_ns();
		void *p = mmap(NULL, size, PROT_READ, MAP_SHARED | MAP_POPULATE,
			       fd, 0);

		t[i] = bench_now_ns() - t0;
		if (p == MAP_FAILED)
			goto out;
		munmap(p, size);
	}
	median = bench_percentile(t, n, 50);
out:
	if (fd >= 0)
		close(fd);
	free(t);
	return median;
}

/* a: query + GET + mmap + munmap + close of a plane that did not change. */
static double
deliver_unchanged_ns(struct frame_ctx *f, unsigned int n)
{
	int64_t *t = calloc(n, sizeof(*t));
	double median = NAN;
	int fd;

	if (!t)
		return NAN;
	/* the first export is part c, not this */
	if (query(f, NULL) || (fd = get_fd(f)) < 0)
		goto out;
	close(fd);
	for (unsigned int i = 0; i < n; i++) {
		int64_t t0 = bench_now_ns();
		void *p;

		if (query(f, NULL) || (fd = get_fd(f)) < 0)
			goto out;
		p = mmap(NULL, f->info.size, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			close(fd);
			goto out;
		}
		munmap(p, f->info.size);
		close(fd);
		t[i] = bench_now_ns() - t0;
	}
	median = bench_percentile(t, n, 50);
out:
	free(t);
	return median;
}

/*
 * a, for a consumer that keeps its fd and mapping while the id stays the
 * same (as QEMU does): the query alone.
 */
static double
query_unchanged_ns(struct frame_ctx *f, unsigned int n)
{
	int64_t *t = calloc(n, sizeof(*t));
	double median = NAN;

	for (unsigned int i = 0; t && i < n; i++) {
		int64_t t0 = bench_now_ns();

		if (query(f, NULL))
			break;
		t[i] = bench_now_ns() - t0;
		if (i + 1 == n)
			median = bench_percentile(t, n, 50);
	}
	free(t);
	return median;
}

/* b: after the guest damaged 64x64 pixels, the query that delivers them. */
static double
deliver_damage_ns(struct frame_ctx *f, unsigned int n)
{
	int64_t *t = calloc(n, sizeof(*t));
	struct vgfb_plane_ext ext;
	double median = NAN;
	int fd;

	/* the view exists (part a made it); this query takes old damage */
	if (!t || query(f, &ext) || (fd = get_fd(f)) < 0)
		goto out;
	for (unsigned int i = 0; i < n; i++) {
		struct vgfb_rect r = {
			.x = (i * 67) % (f->info.width - 64),
			.y = (i * 131) % (f->info.height - 64),
			.width = 64, .height = 64,
		};
		int64_t t0;

		if (vgfb_sim_update(f->ctx, 0, &r))
			break;
		t0 = bench_now_ns();
		if (query(f, &ext) || ext.n_damage != 1)
			break;
		t[i] = bench_now_ns() - t0;
		if (i + 1 == n)
			median = bench_percentile(t, n, 50);
	}
	close(fd);
out:
	free(t);
	return median;
}

/* c: the first GET of a plane nobody exported yet. */
static double
first_export_ns(const char *exporter, unsigned int n)
{
	int64_t *t = calloc(n, sizeof(*t));
	double median = NAN;

	for (unsigned int i = 0; t && i < n; i++) {
		struct frame_ctx f;
		int64_t t0;
		int fd;

		if (open_frame(&f, exporter))
			break;
		if (query(&f, NULL)) {
			vgfb_close(f.ctx);
			break;
		}
		t0 = bench_now_ns();
		fd = get_fd(&f);
		t[i] = bench_now_ns() - t0;
		vgfb_close(f.ctx);
		if (fd < 0)
			break;
		close(fd);
		if (i + 1 == n)
			median = bench_percentile(t, n, 50);
	}
	free(t);
	return median;
}

static void
quiet_log(struct vgfb *ctx, enum vgfb_log_priority prio, void *userdata,
	  const char *format, va_list args)
{
}

static int
one_exporter(struct bench *b, const char *exporter)
{
	const unsigned int n_copy = b->quick ? 3 : 30;
	const unsigned int n_deliver = b->quick ? 20 : 2000;
	const unsigned int n_first = b->quick ? 2 : 8;
	char part[8], what[64];
	struct bench_row *r;
	struct frame_ctx f;
	double copy, v;
	size_t bytes;
	int rc;

	if (strcmp(exporter, "region") != 0) {
		char dev[32];

		/* no error from the library for what this kernel lacks */
		snprintf(dev, sizeof(dev), "/dev/%s", exporter);
		if (access(dev, R_OK | W_OK) != 0) {
			snprintf(what, sizeof(what), "4K plane through %s",
				 exporter);
			snprintf(dev, sizeof(dev), "no usable /dev/%s",
				 exporter);
			bench_add_na(b, "a-c", what, dev);
			return 0;
		}
	}
	rc = open_frame(&f, exporter);
	if (rc) {
		snprintf(what, sizeof(what), "4K plane through %s", exporter);
		bench_add_na(b, "a-c", what, strerror(-rc));
		return 0;
	}
	vgfb_set_log_func(f.ctx, quiet_log, NULL);
	rc = query(&f, NULL);
	if (rc)
		goto out;
	bytes = (size_t)f.info.stride * f.info.height;
	copy = memcpy_ns(bytes, n_copy);

	snprintf(part, sizeof(part), "a");
	snprintf(what, sizeof(what), "unchanged 4K plane (%s): query+get+map",
		 exporter);
	r = bench_add(b, part, what, deliver_unchanged_ns(&f, n_deliver), "ns");
	bench_set_baseline(r, "memcpy of the frame", copy, RATIO_CHEAPER);
	bench_set_goal(r, 1000);
	snprintf(what, sizeof(what), "unchanged 4K plane (%s): query, kept map",
		 exporter);
	r = bench_add(b, part, what, query_unchanged_ns(&f, n_deliver), "ns");
	bench_set_baseline(r, "memcpy of the frame", copy, RATIO_CHEAPER);
	bench_set_goal(r, 1000);

	snprintf(what, sizeof(what), "64x64 damage delivered (%s)", exporter);
	v = deliver_damage_ns(&f, n_deliver);
	r = bench_add(b, "b", what, v, "ns");
	bench_set_baseline(r, "memcpy of the frame", copy, RATIO_OF_BASELINE);
	bench_set_goal(r, 0.01);

	snprintf(what, sizeof(what), "first export of a 4K plane (%s)",
		 exporter);
	r = bench_add(b, "c", what, first_export_ns(exporter, n_first), "ns");
	bench_set_baseline(r, "mmap+MAP_POPULATE, same size",
			   populate_ns(f.info.size, n_first), RATIO_OF_BASELINE);
	bench_set_goal(r, 2);
out:
	vgfb_close(f.ctx);
	return rc;
}

int
bench_frames(struct bench *b)
{
	static const char *const exporters[] = { "region", "vgfb", "udmabuf" };
	int rc = 0;

	for (size_t i = 0; i < sizeof(exporters) / sizeof(exporters[0]); i++) {
		int e = one_exporter(b, exporters[i]);

		if (e && !rc)
			rc = e;
	}
	return rc;
}
