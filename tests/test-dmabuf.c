/* SPDX-License-Identifier: MIT */
/*
 * The sim guest end to end through a real dma-buf exporter (vgfb.ko or
 * udmabuf): what a consumer maps is the guest's memory itself, pixel exact,
 * and stays alive after the guest is gone.
 *
 * TAP output, no Check, so the vm tier can link it statically into its
 * initramfs.  Exits 77 (skipped) when this kernel offers no dma-buf exporter
 * for guest memory, which is the case on hosts without /dev/vgfb and
 * /dev/udmabuf; the vm tier boots kernels that have them.
 *
 * Usage: test-dmabuf [EXPORTER]   (auto, vgfb or udmabuf; default auto)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <drm_fourcc.h>

#include "format.h"
#include "pattern.h"
#include <vgfb/vgfb.h>

#define PRIMARY 1

static int n_test, n_failed;

static void
ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	n_test++;
	if (!cond)
		n_failed++;
	printf("%sok %d - ", cond ? "" : "not ", n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int
query(struct vgfb *ctx, struct vfio_device_gfx_plane_info *info,
      struct vgfb_plane_ext *ext)
{
	memset(info, 0, sizeof(*info));
	memset(ext, 0, sizeof(*ext));
	info->argsz = sizeof(*info);
	info->flags = VFIO_GFX_PLANE_TYPE_DMABUF;
	info->drm_plane_type = PRIMARY;
	ext->argsz = sizeof(*ext);
	return vgfb_query_plane_ext(ctx, info, ext);
}

static int
sync_dmabuf(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags | DMA_BUF_SYNC_READ };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
}

/* Pixels of the mapped dma-buf that differ from `frame` (in `clip`). */
static long
compare(int fd, const uint8_t *map, const struct vfio_device_gfx_plane_info *i,
	uint64_t frame, const struct vgfb_rect *clip)
{
	long bad;

	if (sync_dmabuf(fd, DMA_BUF_SYNC_START))
		return -errno;
	bad = vgfb_pattern_compare(map, i->drm_format, i->width, i->height,
				   i->stride, frame, clip, NULL, NULL);
	if (sync_dmabuf(fd, DMA_BUF_SYNC_END))
		return -errno;
	return bad;
}

static void
one_format(const char *exporter, uint32_t fmt)
{
	struct vfio_device_gfx_plane_info a, b, c;
	struct vgfb_plane_ext ea, eb, ec;
	struct vgfb_rect r = { 7, 9, 50, 20 };
	const char *name = vgfb_format_name(fmt);
	char target[128];
	struct vgfb *ctx;
	struct stat s1, s2;
	uint8_t *map;
	int fd, fd2, good;

	snprintf(target, sizeof(target), "sim:mode=301x173,format=%s,exporter=%s",
		 name, exporter);
	if (vgfb_open(target, &ctx)) {
		ok(0, "%s: open %s", name, target);
		return;
	}
	ok(query(ctx, &a, &ea) == 0 && a.drm_format == fmt, "%s: DMABUF query", name);
	fd = vgfb_get_gfx_dmabuf(ctx, a.dmabuf_id);
	ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "%s: dma-buf fd, O_CLOEXEC", name);
	if (fd < 0)
		goto out_close;
	ok(lseek(fd, 0, SEEK_END) == (off_t)a.size, "%s: dma-buf is size %u bytes", name, a.size);
	fd2 = vgfb_get_gfx_dmabuf(ctx, a.dmabuf_id);
	ok(fd2 >= 0 && fd2 != fd && fstat(fd, &s1) == 0 && fstat(fd2, &s2) == 0 &&
	   s1.st_ino == s2.st_ino, "%s: a second GET is a new fd of the same dma-buf", name);
	if (fd2 >= 0)
		close(fd2);
	map = mmap(NULL, a.size, PROT_READ, MAP_SHARED, fd, 0);
	ok(map != MAP_FAILED, "%s: mmap of the dma-buf", name);
	if (map == MAP_FAILED)
		goto out_fd;
	ok(compare(fd, map, &a, ea.frame_seq, NULL) == 0,
	   "%s: frame %llu pixel exact through the dma-buf", name,
	   (unsigned long long)ea.frame_seq);

	/* Zero copy: the guest draws into this very buffer, we see it. */
	ok(vgfb_sim_update(ctx, 0, &r) == 0 && compare(fd, map, &a, ea.frame_seq + 1, &r) == 0,
	   "%s: an in-place update shows in the held dma-buf", name);
	vgfb_sim_flip(ctx, 0);		/* draws into the back buffer */
	ok(query(ctx, &b, &eb) == 0 && b.dmabuf_id != a.dmabuf_id,
	   "%s: a flip gives the other buffer's id", name);
	vgfb_sim_flip(ctx, 0);		/* draws into our buffer again */
	good = query(ctx, &c, &ec) == 0 && c.dmabuf_id == a.dmabuf_id &&
	       compare(fd, map, &a, ec.frame_seq, NULL) == 0;
	ok(good, "%s: after two flips the held dma-buf shows frame %llu",
	   name, (unsigned long long)ec.frame_seq);

	/* The guest dies; the consumer's buffer stays valid. */
	ok(vgfb_sim_destroy_guest(ctx) == 0 &&
	   vgfb_get_gfx_dmabuf(ctx, a.dmabuf_id) == -ENOENT,
	   "%s: guest gone, ids stale", name);
	ok(compare(fd, map, &a, ec.frame_seq, NULL) == 0,
	   "%s: the held dma-buf outlives the guest", name);
	munmap(map, a.size);
out_fd:
	close(fd);
out_close:
	vgfb_close(ctx);
}

int
main(int argc, char **argv)
{
	const char *exporter = argc > 1 ? argv[1] : "auto";
	struct vgfb *ctx;
	char target[64];

	snprintf(target, sizeof(target), "sim:exporter=%s", exporter);
	if (vgfb_open(target, &ctx) != 0) {
		printf("1..0 # SKIP exporter %s unavailable here\n", exporter);
		return 77;
	}
	if (strcmp(vgfb_get_exporter_name(ctx), "region") == 0) {
		printf("1..0 # SKIP no dma-buf exporter (/dev/vgfb, /dev/udmabuf)\n");
		vgfb_close(ctx);
		return 77;
	}
	printf("# exporter: %s\n", vgfb_get_exporter_name(ctx));
	vgfb_close(ctx);
	for (unsigned int i = 0; i < vgfb_format_count(); i++)
		one_format(exporter, vgfb_format_at(i));
	printf("1..%d\n", n_test);
	return n_failed ? 1 : 0;
}
