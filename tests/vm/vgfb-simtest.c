/* SPDX-License-Identifier: MIT */
/*
 * vm tier: the sim guest's framebuffer exported through libvgfb's dma-buf
 * rungs (vgfb.ko, udmabuf) and read back pixel-exact through the dma-buf's
 * mmap with DMA_BUF_IOCTL_SYNC, then once more after the context (and with
 * it the guest's RAM) is gone.  Static binary for the test initramfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/vfio.h>

#include <vgfb/vgfb.h>
#include "pattern.h"
#include "../tier-lib.h"

#ifndef DRM_PLANE_TYPE_PRIMARY
#define DRM_PLANE_TYPE_PRIMARY 1
#endif

/* Pixel-exact check of frame `seq` through the dma-buf's own mmap. */
static int
compare_dmabuf(int fd, const struct vfio_device_gfx_plane_info *info,
	       uint64_t seq, char *why, size_t why_len)
{
	uint32_t x = 0, y = 0;
	void *p;
	long bad;

	p = mmap(NULL, info->size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		snprintf(why, why_len, "mmap dma-buf: %s", strerror(errno));
		return -1;
	}
	if (tier_dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ)) {
		snprintf(why, why_len, "SYNC_START: %s", strerror(errno));
		munmap(p, info->size);
		return -1;
	}
	bad = vgfb_pattern_compare(p, info->drm_format, info->width,
				   info->height, info->stride, seq, NULL, &x,
				   &y);
	tier_dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	munmap(p, info->size);
	if (bad != 0) {
		snprintf(why, why_len,
			 "%ld pixels differ from frame %" PRIu64
			 ", first at (%u,%u)", bad, seq, x, y);
		return -1;
	}
	return 0;
}

static void
sim_through(const char *exporter, const char *device)
{
	char name[64], target[64], why[300];
	struct vfio_device_gfx_plane_info info = { 0 };
	struct vgfb_plane_ext ext = { 0 };
	struct vgfb *ctx = NULL;
	const char *got;
	int fd, rc;

	snprintf(name, sizeof(name), "sim_%s_dmabuf", exporter);
	snprintf(target, sizeof(target), "sim:exporter=%s", exporter);
	if (access(device, F_OK) < 0) {
		tier_result(name, "SKIP", "%s absent in this kernel", device);
		return;
	}
	rc = vgfb_open(target, &ctx);
	if (rc) {
		tier_result(name, "FAIL", "vgfb_open(\"%s\"): %s", target,
			    strerror(-rc));
		return;
	}
	got = vgfb_get_exporter_name(ctx);
	if (!got || strcmp(got, exporter) != 0) {
		tier_result(name, "FAIL", "exporter is \"%s\", asked for \"%s\"",
			    got ? got : "(none)", exporter);
		goto out_close;
	}

	info.argsz = sizeof(info);
	info.flags = VFIO_GFX_PLANE_TYPE_DMABUF;
	info.drm_plane_type = DRM_PLANE_TYPE_PRIMARY;
	ext.argsz = sizeof(ext);
	rc = vgfb_query_plane_ext(ctx, &info, &ext);
	if (rc || !info.dmabuf_id || !info.size) {
		tier_result(name, "FAIL", "query: %s (id %u, size %u)",
			    rc ? strerror(-rc) : "ok", info.dmabuf_id, info.size);
		goto out_close;
	}
	fd = vgfb_get_gfx_dmabuf(ctx, info.dmabuf_id);
	if (fd < 0) {
		tier_result(name, "FAIL", "vgfb_get_gfx_dmabuf: %s", strerror(-fd));
		goto out_close;
	}
	if (compare_dmabuf(fd, &info, ext.frame_seq, why, sizeof(why))) {
		tier_result(name, "FAIL", "%s", why);
		close(fd);
		goto out_close;
	}
	tier_result(name, "PASS",
		    "%ux%u fourcc %.4s stride %u frame %" PRIu64
		    " pixel-exact through %s",
		    info.width, info.height, (const char *)&info.drm_format,
		    info.stride, ext.frame_seq, exporter);

	/* The guest and the library go away; the consumer keeps the fd. */
	vgfb_close(ctx);
	ctx = NULL;
	snprintf(name, sizeof(name), "sim_%s_outlives_ctx", exporter);
	if (compare_dmabuf(fd, &info, ext.frame_seq, why, sizeof(why)))
		tier_result(name, "FAIL", "after vgfb_close: %s", why);
	else
		tier_result(name, "PASS", "pixels intact after vgfb_close()");
	close(fd);
out_close:
	vgfb_close(ctx);
}

/* With no exporter asked for, the ladder starts at vgfb.ko. */
static void
auto_ladder(void)
{
	struct vgfb *ctx = NULL;
	const char *got;
	int rc;

	if (access("/dev/vgfb", F_OK) < 0) {
		tier_result("sim_auto_ladder", "SKIP", "/dev/vgfb absent");
		return;
	}
	rc = vgfb_open("sim", &ctx);
	if (rc) {
		tier_result("sim_auto_ladder", "FAIL", "vgfb_open(\"sim\"): %s",
			    strerror(-rc));
		return;
	}
	got = vgfb_get_exporter_name(ctx);
	if (got && strcmp(got, "vgfb") == 0)
		tier_result("sim_auto_ladder", "PASS", "\"sim\" picked vgfb.ko first");
	else
		tier_result("sim_auto_ladder", "FAIL", "\"sim\" picked \"%s\"",
			    got ? got : "(none)");
	vgfb_close(ctx);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	auto_ladder();
	sim_through("vgfb", "/dev/vgfb");
	sim_through("udmabuf", "/dev/udmabuf");
	return tier_counts.fail ? 1 : 0;
}
