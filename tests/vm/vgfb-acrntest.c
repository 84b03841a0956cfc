/* SPDX-License-Identifier: MIT */
/*
 * vm tier: the acrn: target with real dma-bufs.  An in-process "acrn:"
 * context and a scripted device model on its socket (the same process:
 * the context reads the socket inside our own calls):
 *
 *   acrn_blob_dmabuf        a udmabuf made like acrn-dm makes a blob's
 *                           (UDMABUF_CREATE on a sealed memfd, bookworm-
 *                           backports) passed through as the plane's
 *                           DMABUF: the same dma-buf, imported into vgem,
 *                           read back pixel-exact; and served as REGION
 *   acrn_blob_offset        the same dma-buf with the plane at an offset:
 *                           DMABUF refused, REGION pixel-exact
 *   acrn_shadow_dmabuf      a sealed shadow memfd (2D/VBE) exported by the
 *                           ladder (vgfb.ko in the stock kernel) and read
 *                           back pixel-exact
 *
 * Static binary for the test initramfs (tests/vm/init.sh).
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/udmabuf.h>
#include <linux/vfio.h>
#include <drm.h>
#include <drm_fourcc.h>

#include <vgfb/vgfb.h>
#include "format.h"
#include "pattern.h"
#include "proto.h"
#include "source-proto.h"
#include "../tier-lib.h"

#define SOCKET "/tmp/acrn-vmtest.sock"
#define W 640
#define H 480
#define STRIDE (W * 4)
#define PAGE 4096u
#define BUF_BYTES (2u << 20)	/* the "blob": room for an offset plane */
/* not a page multiple: mmap must start on the page below */
#define ODD_OFFSET (3 * PAGE + 64)

struct vm {
	struct vgfb *ctx;
	int sock;
	uint64_t serial;
};

/* A memfd sealed like acrn-dm's guest RAM, frame `frame` at `offset`. */
static int
pattern_memfd(uint64_t offset, uint64_t frame)
{
	int fd = memfd_create("acrn-vmtest", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	void *p;

	if (fd < 0 || ftruncate(fd, BUF_BYTES) < 0)
		return -1;
	p = mmap(NULL, BUF_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	vgfb_pattern_draw((uint8_t *)p + offset, DRM_FORMAT_XRGB8888, W, H,
			  STRIDE, frame, NULL);
	munmap(p, BUF_BYTES);
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL))
		return -1;
	return fd;
}

/* What acrn-dm's virtio_gpu_create_udmabuf does, for one entry. */
static int
make_udmabuf(int memfd)
{
	struct udmabuf_create c = {
		.memfd = (uint32_t)memfd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = 0,
		.size = BUF_BYTES,
	};
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC), fd;

	if (dev < 0)
		return -1;
	fd = ioctl(dev, UDMABUF_CREATE, &c);
	close(dev);
	return fd;
}

static int
vm_start(struct vm *v)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct vgfb_src_msg m = { .type = VGFB_SRC_HELLO };
	unsigned char buf[VGFB_SRC_MAX_MSG];
	int n;

	memset(v, 0, sizeof(*v));
	v->sock = -1;
	unlink(SOCKET);
	if (vgfb_open("acrn:vmtest,socket=" SOCKET, &v->ctx))
		return -1;
	v->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	strcpy(a.sun_path, SOCKET);
	if (v->sock < 0 ||
	    connect(v->sock, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	m.hello.version = VGFB_SRC_VERSION;
	m.hello.n_scanouts = 1;
	m.hello.generation = 1;
	m.hello.pid = (uint32_t)getpid();
	strcpy(m.hello.name, "vmtest");
	n = vgfb__src_encode(&m, VGFB_SRC_TO_VGFBD, buf, sizeof(buf));
	return n > 0 ? vgfb__proto_send(v->sock, buf, (size_t)n, -1, 0) : -1;
}

static void
vm_stop(struct vm *v)
{
	if (v->sock >= 0)
		close(v->sock);
	vgfb_close(v->ctx);
	unlink(SOCKET);
}

static int
vm_set(struct vm *v, uint32_t kind, int fd, uint64_t offset)
{
	struct vgfb_src_msg m = { .type = VGFB_SRC_SCANOUT_SET };
	unsigned char buf[VGFB_SRC_MAX_MSG];
	struct vgfb_event ev;
	int n;

	m.set = (struct vgfb_src_scanout_set){
		.scanout = 0, .kind = kind, .drm_format = DRM_FORMAT_XRGB8888,
		.width = W, .height = H, .stride = STRIDE, .offset = offset,
		.serial = ++v->serial,
	};
	n = vgfb__src_encode(&m, VGFB_SRC_TO_VGFBD, buf, sizeof(buf));
	if (n < 0 || vgfb__proto_send(v->sock, buf, (size_t)n, fd, 0))
		return -1;
	/* the context takes it in on our next call */
	while (vgfb_read_event(v->ctx, &ev) == 0)
		;
	return 0;
}

static int
query(struct vm *v, uint32_t flags, struct vfio_device_gfx_plane_info *info)
{
	*info = (struct vfio_device_gfx_plane_info){
		.argsz = sizeof(*info),
		.flags = flags,
		.drm_plane_type = 1,
	};
	return vgfb_query_plane(v->ctx, info);
}

/* Pixel-exact, through the fd's own mapping, between SYNC start and end. */
static int
check_pixels(int fd, const struct vfio_device_gfx_plane_info *info,
	     bool dmabuf, uint64_t frame, char *why, size_t len)
{
	uint32_t x = 0, y = 0;
	long bad;
	void *p;

	p = mmap(NULL, info->size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		snprintf(why, len, "mmap: %s", strerror(errno));
		return -1;
	}
	if (dmabuf)
		tier_dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	bad = vgfb_pattern_compare(p, info->drm_format, info->width,
				   info->height, info->stride, frame, NULL,
				   &x, &y);
	if (dmabuf)
		tier_dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	munmap(p, info->size);
	if (bad) {
		snprintf(why, len, "%ld pixels differ from frame %" PRIu64
			 ", first at (%u,%u)", bad, frame, x, y);
		return -1;
	}
	return 0;
}

/* The plane served as REGION is pixel-exact. */
static int
check_region(struct vm *v, uint64_t frame, char *why, size_t len)
{
	struct vfio_device_gfx_plane_info info;
	int fd, rc;

	rc = query(v, VFIO_GFX_PLANE_TYPE_REGION, &info);
	if (rc || !info.region_index) {
		snprintf(why, len, "REGION query: %s", strerror(-rc));
		return -1;
	}
	fd = vgfb_get_region_fd(v->ctx, info.region_index);
	if (fd < 0) {
		snprintf(why, len, "GET_REGION: %s", strerror(-fd));
		return -1;
	}
	rc = check_pixels(fd, &info, false, frame, why, len);
	close(fd);
	return rc;
}

static void
blob(bool at_offset)
{
	const char *name = at_offset ? "acrn_blob_offset" : "acrn_blob_dmabuf";
	const uint64_t offset = at_offset ? ODD_OFFSET : 0;
	struct vfio_device_gfx_plane_info info;
	char why[300] = "", where[64];
	struct stat a, b;
	struct vm v = { .sock = -1 };
	int memfd, udmabuf, fd = -1, vgem, rc;

	if (access("/dev/udmabuf", F_OK) < 0) {
		tier_result(name, "SKIP", "/dev/udmabuf absent in this kernel");
		return;
	}
	memfd = pattern_memfd(offset, 1);
	udmabuf = memfd >= 0 ? make_udmabuf(memfd) : -1;
	if (udmabuf < 0) {
		tier_result(name, "FAIL", "UDMABUF_CREATE: %s", strerror(errno));
		return;
	}
	if (vm_start(&v) || vm_set(&v, VGFB_SRC_BUFFER_DMABUF, udmabuf,
				   offset)) {
		tier_result(name, "FAIL", "acrn: context or source failed");
		goto out;
	}
	rc = query(&v, VFIO_GFX_PLANE_TYPE_DMABUF, &info);
	if (at_offset) {
		if (rc != -ENOTSUP) {
			tier_result(name, "FAIL", "DMABUF query at offset %u: "
				    "%d, want -ENOTSUP", ODD_OFFSET, rc);
			goto out;
		}
		if (check_region(&v, 1, why, sizeof(why)))
			tier_result(name, "FAIL", "REGION: %s", why);
		else
			tier_result(name, "PASS", "offset %u: DMABUF refused, "
				    "REGION pixel-exact", ODD_OFFSET);
		goto out;
	}
	if (rc || !info.dmabuf_id) {
		tier_result(name, "FAIL", "DMABUF query: %s", strerror(-rc));
		goto out;
	}
	fd = vgfb_get_gfx_dmabuf(v.ctx, info.dmabuf_id);
	if (fd < 0 || fstat(fd, &a) || fstat(udmabuf, &b) ||
	    a.st_ino != b.st_ino) {
		tier_result(name, "FAIL", "GET_DMABUF: %s, or not the device "
			    "model's dma-buf", fd < 0 ? strerror(-fd) : "ok");
		goto out;
	}
	vgem = tier_drm_open("vgem", where, sizeof(where));
	if (vgem >= 0) {
		struct drm_prime_handle p = { .fd = fd };

		rc = ioctl(vgem, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
		close(vgem);
		if (rc) {
			tier_result(name, "FAIL", "vgem import: %s",
				    strerror(errno));
			goto out;
		}
	}
	if (check_pixels(fd, &info, true, 1, why, sizeof(why)) ||
	    check_region(&v, 1, why, sizeof(why))) {
		tier_result(name, "FAIL", "%s", why);
		goto out;
	}
	tier_result(name, "PASS", "the device model's udmabuf passed through"
		    "%s, pixel-exact as DMABUF and as REGION",
		    vgem >= 0 ? ", imported by vgem" : "");
out:
	if (fd >= 0)
		close(fd);
	vm_stop(&v);
	close(udmabuf);
	close(memfd);
}

static void
shadow(void)
{
	struct vfio_device_gfx_plane_info info;
	const char *exporter;
	char why[300] = "";
	struct vm v = { .sock = -1 };
	int memfd, fd = -1, rc;

	memfd = pattern_memfd(PAGE, 1);
	if (memfd < 0 || vm_start(&v) ||
	    vm_set(&v, VGFB_SRC_BUFFER_MEMFD, memfd, PAGE)) {
		tier_result("acrn_shadow_dmabuf", "FAIL", "setup failed");
		goto out;
	}
	exporter = vgfb_get_exporter_name(v.ctx);
	rc = query(&v, VFIO_GFX_PLANE_TYPE_DMABUF, &info);
	if (rc == -ENOTSUP && strcmp(exporter, "dmabuf") == 0) {
		tier_result("acrn_shadow_dmabuf", "SKIP", "no memfd exporter "
			    "here (vgfb.ko, udmabuf)");
		goto out;
	}
	if (rc || !info.dmabuf_id) {
		tier_result("acrn_shadow_dmabuf", "FAIL", "DMABUF query: %s",
			    strerror(-rc));
		goto out;
	}
	fd = vgfb_get_gfx_dmabuf(v.ctx, info.dmabuf_id);
	if (fd < 0) {
		tier_result("acrn_shadow_dmabuf", "FAIL", "GET_DMABUF: %s",
			    strerror(-fd));
		goto out;
	}
	if (check_pixels(fd, &info, true, 1, why, sizeof(why)))
		tier_result("acrn_shadow_dmabuf", "FAIL", "%s", why);
	else
		tier_result("acrn_shadow_dmabuf", "PASS", "shadow memfd "
			    "exported by %s, pixel-exact", exporter);
out:
	if (fd >= 0)
		close(fd);
	vm_stop(&v);
	if (memfd >= 0)
		close(memfd);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	blob(false);
	blob(true);
	shadow();
	return tier_counts.fail ? 1 : 0;
}
