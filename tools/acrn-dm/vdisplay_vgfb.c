/*
 * Copyright (C) 2026 The vgfb authors.
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The vgfb display sink for acrn-dm: implements acrn-dm's display
 * interface (vdisplay.h) and forwards the guest's scanouts and cursors to
 * vgfbd over the vgfb source protocol (vgfb-source.h), which serves them
 * to local consumers (VNC, KMS, screenshots) as VFIO gfx planes.
 *
 * Threads.  virtio-gpu runs the guest's GPU commands in bottom halves on
 * the display backend's thread, so this file has one (bh_worker), run
 * exactly like vdisplay_sdl.c's.  Every vdpy_* call it makes must return
 * promptly: nothing here waits for vgfbd.  Sends are MSG_DONTWAIT; when
 * the socket is full the latest state of each scanout is kept (pending
 * flags, at most one buffer fd, one dma-buf dup and one cursor memfd a
 * scanout) and sent when the socket drains.  Each fd in the socket pins a
 * buffer (up to two 256 MiB images), so at most SINK_FDS_UNREAD of them
 * may wait there; past that a new buffer waits, coalesced, until vgfbd
 * has read them all.  A second thread (conn_worker)
 * connects to vgfbd, retrying every second, replays the current state
 * after each (re)connection and notices hang-ups; it never holds the lock
 * while it waits.
 *
 * Everything acrn-dm passes is guest controlled, and some fields are
 * uninitialised stack (see the flush paths): each is checked before use
 * or not read at all.  What reaches vgfbd is checked again there.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/sockios.h>

#include "dm.h"
#include "log.h"
#include "vdisplay.h"
#include "vdisplay_ops.h"
#include "vgfb-source.h"

/* virtio_gpu.c refuses more than 2 (VSCREEN_MAX_NUM in vdisplay_sdl.c). */
#define SINK_MAX_SCANOUTS 2
#define SINK_DEFAULT_WIDTH 1024
#define SINK_DEFAULT_HEIGHT 768
/* geometry= clamps: at least SDL's minimum; at most what fits the 16 MiB
 * VGA framebuffer at 32 bpp, since VBE starts at this size (hw/gc.c). */
#define SINK_MIN_WIDTH 640
#define SINK_MIN_HEIGHT 480
#define SINK_MAX_WIDTH 3840
#define SINK_MAX_HEIGHT 2160
/* VIRTIO_GPU_VGA_FB_SIZE: what a VBE surface's pixel pointer can reach. */
#define SINK_VGA_FB_SIZE (16u << 20)
/* Any surface: bounds the shadow memfd (two images of at most 256 MiB). */
#define SINK_MAX_DIM 16384u
#define SINK_MAX_IMAGE (256u << 20)
#define SINK_CURSOR_MAX 256u
#define SINK_RETRY_MS 1000
/* What may wait in the socket: a few frames' messages.  Anything older
 * is stale by the time vgfbd reads it, and each queued fd pins a buffer;
 * past this the latest state is kept instead (sink_flush). */
#define SINK_SNDBUF (32 << 10)
/* Messages carrying an fd that vgfbd may not have read yet: a replay's
 * two scanouts and two cursors.  Without a limit the socket would hold
 * some 86 of them, each pinning a replaced buffer. */
#define SINK_FDS_UNREAD 4
/* How often conn_worker looks whether vgfbd has read them (SIOCOUTQ). */
#define SINK_DRAIN_POLL_MS 20
#define SINK_DEFAULT_DIR "/run/vgfb"
/* vgfb-source.h measures planes and images in whole 4096-byte pages */
#define SINK_PAGE 4096u
#define SINK_PAGE_UP(n) \
	(((uint64_t)(n) + SINK_PAGE - 1) & ~(uint64_t)(SINK_PAGE - 1))

#define SINK_FOURCC(a, b, c, d) \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | \
	 (uint32_t)(d) << 24)
#define FOURCC_XRGB8888 SINK_FOURCC('X', 'R', '2', '4')
#define FOURCC_ARGB8888 SINK_FOURCC('A', 'R', '2', '4')
#define FOURCC_XBGR8888 SINK_FOURCC('X', 'B', '2', '4')
#define FOURCC_ABGR8888 SINK_FOURCC('A', 'B', '2', '4')
#define FOURCC_BGRX8888 SINK_FOURCC('B', 'X', '2', '4')
#define FOURCC_BGRA8888 SINK_FOURCC('B', 'A', '2', '4')
#define FOURCC_RGBX8888 SINK_FOURCC('R', 'X', '2', '4')
#define FOURCC_RGBA8888 SINK_FOURCC('R', 'A', '2', '4')

struct sink_scanout {
	struct display_info geom;	/* what the guest is told */

	/* The buffer vgfbd should show (replayed after a reconnection). */
	uint32_t kind;			/* enum vgfb_src_buffer_kind */
	uint32_t format, width, height, stride;
	uint64_t offset;		/* DMABUF: first pixel in the fd */
	uint64_t serial;
	int fd;				/* owned: shadow memfd or dma-buf dup */
	/* MEMFD: two images of img_size bytes; vgfbd shows `front`, the
	 * newest pixels are in `latest`; frames are drawn into the other. */
	uint8_t *map;
	size_t img_size;
	unsigned int front, latest;
	bool set_pending, update_pending;

	/* Cursor: an immutable memfd per image. */
	int cur_fd;
	struct vgfb_src_cursor_define cur;
	bool cur_def_pending, cur_move_pending;
};

static struct sink {
	/* Guards everything below but the bh queue: taken by the display
	 * thread in vdpy_* calls and briefly by conn_worker. */
	pthread_mutex_t lock;
	int n_scanouts;
	struct sink_scanout scanouts[SINK_MAX_SCANOUTS];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool path_set;			/* display=vgfb:PATH */
	bool ui_up;			/* between gfx_ui_init and _deinit */

	/* Guest display: one generation per vdpy_init (guest boot). */
	uint64_t generation;
	bool active;
	uint64_t next_serial;

	/* Connection to vgfbd, owned by conn_worker. */
	int sock;			/* -1: not connected */
	bool broken;			/* a send failed: conn_worker closes */
	bool blocked;			/* EAGAIN: wait for POLLOUT */
	unsigned int fds_unread;	/* fds sent since the socket was empty */
	bool draining;			/* SINK_FDS_UNREAD reached: wait */
	bool hello_pending, bye_reboot_pending;
	bool quit;
	bool warned_connect;
	int wake_fd;			/* eventfd: wakes conn_worker */
	pthread_t conn_tid;
	unsigned long rejected;		/* guest values refused (logged once) */

	/* The bottom-half queue, as in vdisplay_sdl.c. */
	pthread_mutex_t bh_lock;
	pthread_cond_t bh_cond;
	TAILQ_HEAD(sink_bh_list, vdpy_display_bh) bh_list;
	bool bh_running;
	int bh_handle;			/* the generation's, for submitters */
	pthread_t bh_tid;
} sink = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.bh_lock = PTHREAD_MUTEX_INITIALIZER,
	.bh_cond = PTHREAD_COND_INITIALIZER,
	.sock = -1,
	.wake_fd = -1,
};

/* ---- guest values ---- */

/* One line per kind of refusal would let a guest flood the log: the
 * first refusal is logged, the rest only counted. */
static void
sink_reject(const char *what, long value)
{
	if (sink.rejected++ == 0)
		pr_err("vgfb: refused %s %ld from the guest (further refusals "
		       "are not logged)\n", what, value);
}

static struct sink_scanout *
sink_scanout(int handle, int scanout_id, const char *what)
{
	if (!sink.active || handle != (int)sink.generation)
		return NULL;
	/* cursor ids reach us unchecked from virtio_gpu.c: -1, 2, ... */
	if (scanout_id < 0 || scanout_id >= sink.n_scanouts) {
		sink_reject(what, scanout_id);
		return NULL;
	}
	return &sink.scanouts[scanout_id];
}

/*
 * Scanout planes are opaque: alpha in a primary plane is padding (VBE is
 * "a8r8g8b8" with no alpha at all), so each layout is reported as its X
 * variant.  0 for formats virtio_gpu.c does not produce.
 */
static uint32_t
fourcc_from_pixman(uint32_t pixman)
{
	switch (pixman) {
	case PIXMAN_a8r8g8b8:
	case PIXMAN_x8r8g8b8:
		return FOURCC_XRGB8888;
	case PIXMAN_a8b8g8r8:
	case PIXMAN_x8b8g8r8:
		return FOURCC_XBGR8888;
	case PIXMAN_b8g8r8a8:
	case PIXMAN_b8g8r8x8:
		return FOURCC_BGRX8888;
	case PIXMAN_r8g8b8a8:
	case PIXMAN_r8g8b8x8:
		return FOURCC_RGBX8888;
	default:
		return 0;
	}
}

static uint32_t
fourcc_opaque(uint32_t fourcc)
{
	switch (fourcc) {
	case FOURCC_XRGB8888:
	case FOURCC_ARGB8888:
		return FOURCC_XRGB8888;
	case FOURCC_XBGR8888:
	case FOURCC_ABGR8888:
		return FOURCC_XBGR8888;
	default:
		return 0;
	}
}

/* ---- sending (lock held) ---- */

static int
sink_send(uint16_t type, const void *payload, uint32_t len, int fd)
{
	uint8_t buf[VGFB_SRC_MAX_MSG];
	struct vgfb_src_hdr hdr = {
		.magic = VGFB_SRC_MAGIC,
		.version = VGFB_SRC_VERSION,
		.type = type,
		.len = len,
	};
	union {
		struct cmsghdr cmsg;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(hdr) + len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;
	ssize_t n;
	int unread;

	/* -EINPROGRESS: too many buffers are waiting in the socket already */
	if (fd >= 0 && sink.fds_unread >= SINK_FDS_UNREAD) {
		if (ioctl(sink.sock, SIOCOUTQ, &unread) < 0 || unread > 0)
			return -EINPROGRESS;
		sink.fds_unread = 0;
	}
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), payload, len);
	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	/* The fd is duplicated into vgfbd by the kernel: ours stays ours. */
	n = sendmsg(sink.sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	if (fd >= 0)
		sink.fds_unread++;
	return (size_t)n == iov.iov_len ? 0 : -EPROTO;
}

static void
sink_wake(void)
{
	uint64_t one = 1;

	if (sink.wake_fd >= 0 &&
	    write(sink.wake_fd, &one, sizeof(one)) != sizeof(one)) {
		/* the counter is already non-zero: it is awake anyway */
	}
}

/* false: stop sending (kept pending); a dead socket is left to conn_worker. */
static bool
sink_sent(int rc)
{
	if (rc == 0)
		return true;
	if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -ENOBUFS ||
	    rc == -ENOMEM) {
		sink.blocked = true;
	} else if (rc == -EINPROGRESS) {
		sink.draining = true;
	} else {
		sink.broken = true;
	}
	sink_wake();
	return false;
}

static bool
sink_send_hello(void)
{
	struct vgfb_src_hello h;
	const char *name = vmname ? vmname : "";
	size_t i;
	int s;

	memset(&h, 0, sizeof(h));
	h.version = VGFB_SRC_VERSION;
	h.n_scanouts = sink.n_scanouts;
	h.generation = sink.generation;
	h.pid = getpid();
	/* printable, NUL-terminated, zero-filled */
	for (i = 0; i < VGFB_SRC_NAME_LEN - 1 && name[i]; i++)
		h.name[i] = (name[i] > 0x20 && name[i] < 0x7f) ? name[i] : '_';
	for (s = 0; s < sink.n_scanouts; s++) {
		h.geometry[s].width = sink.scanouts[s].geom.width;
		h.geometry[s].height = sink.scanouts[s].geom.height;
	}
	return sink_sent(sink_send(VGFB_SRC_HELLO, &h, sizeof(h), -1));
}

static bool
sink_flush_scanout(int id, struct sink_scanout *sc)
{
	if (sc->set_pending) {
		struct vgfb_src_scanout_set m;

		memset(&m, 0, sizeof(m));
		m.scanout = id;
		m.kind = sc->kind;
		if (sc->kind != VGFB_SRC_BUFFER_DISABLE) {
			m.drm_format = sc->format;
			m.width = sc->width;
			m.height = sc->height;
			m.stride = sc->stride;
			m.offset = sc->kind == VGFB_SRC_BUFFER_MEMFD ?
				   (uint64_t)sc->latest * sc->img_size :
				   sc->offset;
			m.serial = sc->serial;
		}
		if (!sink_sent(sink_send(VGFB_SRC_SCANOUT_SET, &m, sizeof(m),
					 m.kind ? sc->fd : -1)))
			return false;
		sc->set_pending = false;
		/* the SET showed the newest pixels already */
		sc->update_pending = false;
		sc->front = sc->latest;
	}
	if (sc->update_pending) {
		struct vgfb_src_scanout_update m;

		memset(&m, 0, sizeof(m));
		m.scanout = id;
		m.serial = sc->serial;
		if (sc->kind == VGFB_SRC_BUFFER_MEMFD) {
			m.flags = VGFB_SRC_UPDATE_FLIP;
			m.offset = (uint64_t)sc->latest * sc->img_size;
		}
		/* virtio_gpu.c passes no damage: the whole plane */
		if (!sink_sent(sink_send(VGFB_SRC_SCANOUT_UPDATE, &m,
					 sizeof(m), -1)))
			return false;
		sc->update_pending = false;
		sc->front = sc->latest;
	}
	if (sc->cur_def_pending) {
		if (!sink_sent(sink_send(VGFB_SRC_CURSOR_DEFINE, &sc->cur,
					 sizeof(sc->cur), sc->cur_fd)))
			return false;
		sc->cur_def_pending = false;
		sc->cur_move_pending = false;
	}
	if (sc->cur_move_pending) {
		struct vgfb_src_cursor_move m;

		memset(&m, 0, sizeof(m));
		m.scanout = id;
		m.x = sc->cur.x;
		m.y = sc->cur.y;
		if (!sink_sent(sink_send(VGFB_SRC_CURSOR_MOVE, &m, sizeof(m),
					 -1)))
			return false;
		sc->cur_move_pending = false;
	}
	return true;
}

/* Send whatever is pending, in order, until the socket is full. */
static void
sink_flush(void)
{
	int i;

	if (sink.sock < 0 || sink.broken || sink.blocked)
		return;
	sink.draining = false;
	if (sink.bye_reboot_pending) {
		struct vgfb_src_bye bye = { .reason = VGFB_SRC_BYE_REBOOT };

		if (!sink_sent(sink_send(VGFB_SRC_BYE, &bye, sizeof(bye), -1)))
			return;
		sink.bye_reboot_pending = false;
	}
	if (sink.hello_pending) {
		if (!sink_send_hello())
			return;
		sink.hello_pending = false;
	}
	for (i = 0; i < sink.n_scanouts; i++)
		if (!sink_flush_scanout(i, &sink.scanouts[i]))
			return;
}

/* ---- scanout buffers (lock held) ---- */

static void
scanout_drop_buffer(struct sink_scanout *sc)
{
	if (sc->map)
		munmap(sc->map, 2 * sc->img_size);
	if (sc->fd >= 0)
		close(sc->fd);
	sc->map = NULL;
	sc->fd = -1;
	sc->img_size = 0;
	sc->kind = VGFB_SRC_BUFFER_DISABLE;
	sc->format = sc->width = sc->height = sc->stride = 0;
	sc->offset = sc->serial = 0;
	sc->update_pending = false;
}

static void
scanout_drop_cursor(struct sink_scanout *sc)
{
	if (sc->cur_fd >= 0)
		close(sc->cur_fd);
	sc->cur_fd = -1;
	sc->cur_def_pending = sc->cur_move_pending = false;
}

static void
scanout_disable(struct sink_scanout *sc)
{
	bool was_shown = sc->kind != VGFB_SRC_BUFFER_DISABLE || sc->set_pending;

	scanout_drop_buffer(sc);
	sc->set_pending = was_shown;
}

/* The surface's size once VBE's is clamped; false if it is unusable. */
static bool
pixman_layout(int id, const struct surface *surf, uint32_t *fourcc,
	      uint32_t *width, uint32_t *height)
{
	uint32_t w = surf->width, h = surf->height;

	*fourcc = fourcc_from_pixman(surf->surf_format);
	if (!*fourcc || !surf->pixel || w == 0 || h == 0 ||
	    w > SINK_MAX_DIM || h > SINK_MAX_DIM ||
	    surf->stride < w * 4u) {
		sink_reject("2D/VBE surface of width", w);
		return false;
	}
	/*
	 * A VBE surface (virtio_gpu_vga_bh: scanout 0, a8r8g8b8 at 0,0,
	 * stride = xres * 4) points at the 16 MiB VGA framebuffer, but
	 * xres and yres are any 16-bit values the guest wrote: read no
	 * further than the framebuffer.  A 2D scanout with the same shape
	 * is cropped the same way, which harms nothing.
	 */
	if (id == 0 && surf->surf_format == PIXMAN_a8r8g8b8 &&
	    surf->x == 0 && surf->y == 0 && surf->stride == w * 4u &&
	    (uint64_t)surf->stride * h > SINK_VGA_FB_SIZE)
		h = SINK_VGA_FB_SIZE / surf->stride;
	if ((uint64_t)w * 4u * h > SINK_MAX_IMAGE) {
		sink_reject("2D surface of height", h);
		return false;
	}
	*width = w;
	*height = h;
	return true;
}

static void
shadow_copy(struct sink_scanout *sc, unsigned int image,
	    const struct surface *surf)
{
	uint8_t *dst = sc->map + (size_t)image * sc->img_size;
	const uint8_t *src = surf->pixel;
	uint32_t row;

	for (row = 0; row < sc->height; row++)
		memcpy(dst + (size_t)row * sc->stride,
		       src + (size_t)row * surf->stride, sc->stride);
}

/* A new shadow memfd for a 2D or VBE surface, holding its pixels. */
static void
shadow_set(int id, struct sink_scanout *sc, const struct surface *surf)
{
	uint32_t fourcc, w, h;
	size_t img;
	int fd;
	void *map;

	if (!pixman_layout(id, surf, &fourcc, &w, &h)) {
		scanout_disable(sc);
		return;
	}
	/*
	 * Same shape as the shadow already shown: only new pixels.  A guest
	 * that page-flips between 2D resources sends SET_SCANOUT every
	 * frame; they become flips in one memfd, not a memfd per frame.
	 */
	if (sc->kind == VGFB_SRC_BUFFER_MEMFD && sc->format == fourcc &&
	    sc->width == w && sc->height == h) {
		sc->latest = 1 - sc->front;
		shadow_copy(sc, sc->latest, surf);
		sc->update_pending = true;
		return;
	}
	scanout_disable(sc);
	/* both images start on a page: FLIP offsets are page multiples */
	img = SINK_PAGE_UP((size_t)w * 4u * h);
	fd = memfd_create("vgfb-scanout", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		pr_err("vgfb: memfd_create: %s\n", strerror(errno));
		return;
	}
	if (ftruncate(fd, 2 * img) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK |
		  F_SEAL_SEAL) < 0) {
		pr_err("vgfb: shadow memfd: %s\n", strerror(errno));
		close(fd);
		return;
	}
	map = mmap(NULL, 2 * img, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		pr_err("vgfb: mmap shadow: %s\n", strerror(errno));
		close(fd);
		return;
	}
	sc->fd = fd;
	sc->map = map;
	sc->img_size = img;
	sc->kind = VGFB_SRC_BUFFER_MEMFD;
	sc->format = fourcc;
	sc->width = w;
	sc->height = h;
	sc->stride = w * 4u;
	sc->serial = ++sink.next_serial;
	sc->front = sc->latest = 0;
	shadow_copy(sc, 0, surf);
	sc->set_pending = true;
}

/* Show a blob resource's dma-buf: borrowed from acrn-dm, so dup'd. */
static void
dmabuf_set(struct sink_scanout *sc, const struct surface *surf)
{
	uint32_t fourcc = fourcc_opaque(surf->dma_info.surf_fourcc);
	uint32_t w = surf->width, h = surf->height, stride = surf->stride;
	uint64_t offset = surf->dma_info.dmabuf_offset;
	off_t size;
	int fd;

	scanout_disable(sc);
	if (!fourcc || w == 0 || h == 0 || w > SINK_MAX_DIM ||
	    h > SINK_MAX_DIM || stride < w * 4u) {
		sink_reject("blob scanout of width", w);
		return;
	}
	fd = fcntl(surf->dma_info.dmabuf_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		sink_reject("blob dma-buf fd", surf->dma_info.dmabuf_fd);
		return;
	}
	/* virtio_gpu.c checks neither strides nor offsets against the blob:
	 * a plane past its end would make vgfbd drop the whole source.
	 * vgfb-source.h counts the plane's last page whole. */
	size = lseek(fd, 0, SEEK_END);
	lseek(fd, 0, SEEK_SET);
	if (size < 0 ||
	    SINK_PAGE_UP(offset + (uint64_t)stride * h) > (uint64_t)size) {
		sink_reject("blob scanout past the buffer, offset", offset);
		close(fd);
		return;
	}
	sc->fd = fd;
	sc->kind = VGFB_SRC_BUFFER_DMABUF;
	sc->format = fourcc;
	sc->width = w;
	sc->height = h;
	sc->stride = stride;
	sc->offset = offset;
	sc->serial = ++sink.next_serial;
	sc->set_pending = true;
}

/* ---- the display interface ---- */

static void
sink_surface_set(int handle, int scanout_id, struct surface *surf)
{
	struct sink_scanout *sc;

	pthread_mutex_lock(&sink.lock);
	sc = sink_scanout(handle, scanout_id, "surface on scanout");
	if (!sc)
		goto out_unlock;
	if (!surf)
		scanout_disable(sc);
	else if (surf->surf_type == SURFACE_PIXMAN)
		shadow_set(scanout_id, sc, surf);
	else if (surf->surf_type == SURFACE_DMABUF)
		dmabuf_set(sc, surf);
	else
		scanout_disable(sc);
	sink_flush();
out_unlock:
	pthread_mutex_unlock(&sink.lock);
}

/*
 * A flush.  For a blob only surf_type and dma_info.dmabuf_fd are set (the
 * rest is stack garbage), so nothing else is read; for 2D the fields
 * repeat the scanout's and the pixels are copied again.
 */
static void
sink_surface_update(int handle, int scanout_id, struct surface *surf)
{
	struct sink_scanout *sc;
	uint32_t fourcc, w, h;

	pthread_mutex_lock(&sink.lock);
	sc = sink_scanout(handle, scanout_id, "update on scanout");
	if (!sc || !surf)
		goto out_unlock;
	if (surf->surf_type == SURFACE_DMABUF) {
		/* a flush of a buffer that is not shown any more: stale */
		if (sc->kind == VGFB_SRC_BUFFER_DMABUF)
			sc->update_pending = true;
	} else if (surf->surf_type == SURFACE_PIXMAN) {
		/* the pixels again, into the image vgfbd does not show (or a
		 * new shadow if the shape changed: a VBE resize) */
		if (pixman_layout(scanout_id, surf, &fourcc, &w, &h))
			shadow_set(scanout_id, sc, surf);
	}
	sink_flush();
out_unlock:
	pthread_mutex_unlock(&sink.lock);
}

static void
sink_cursor_define(int handle, int scanout_id, struct cursor *cur)
{
	struct sink_scanout *sc;
	size_t size, done = 0;
	ssize_t n;
	int fd;

	pthread_mutex_lock(&sink.lock);
	sc = sink_scanout(handle, scanout_id, "cursor on scanout");
	if (!sc || !cur)
		goto out_unlock;
	/* surf_type and surf_format are garbage; data is a 32 bpp pixman
	 * image of width x height, stride width * 4 */
	if (!cur->data || cur->width == 0 || cur->height == 0 ||
	    cur->width > SINK_CURSOR_MAX || cur->height > SINK_CURSOR_MAX) {
		sink_reject("cursor of width", cur->width);
		goto out_unlock;
	}
	size = (size_t)cur->width * 4u * cur->height;
	fd = memfd_create("vgfb-cursor", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		pr_err("vgfb: memfd_create: %s\n", strerror(errno));
		goto out_unlock;
	}
	/* page-rounded like every plane; written, not mapped: F_SEAL_WRITE
	 * refuses writable mappings */
	if (ftruncate(fd, SINK_PAGE_UP(size)) < 0) {
		pr_err("vgfb: cursor memfd: %s\n", strerror(errno));
		close(fd);
		goto out_unlock;
	}
	while (done < size) {
		n = pwrite(fd, (const uint8_t *)cur->data + done, size - done,
			   done);
		if (n <= 0)
			break;
		done += n;
	}
	if (done != size ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
		  F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		pr_err("vgfb: cursor memfd: %s\n", strerror(errno));
		close(fd);
		goto out_unlock;
	}
	scanout_drop_cursor(sc);
	sc->cur_fd = fd;
	memset(&sc->cur, 0, sizeof(sc->cur));
	sc->cur.scanout = scanout_id;
	sc->cur.drm_format = FOURCC_ARGB8888;
	sc->cur.width = cur->width;
	sc->cur.height = cur->height;
	sc->cur.stride = cur->width * 4u;
	/* the hotspot must be inside the image */
	sc->cur.hot_x = cur->hot_x < cur->width ? cur->hot_x : cur->width - 1;
	sc->cur.hot_y = cur->hot_y < cur->height ? cur->hot_y :
			cur->height - 1;
	sc->cur.x = (int32_t)cur->x;
	sc->cur.y = (int32_t)cur->y;
	sc->cur.serial = ++sink.next_serial;
	sc->cur_def_pending = true;
	sc->cur_move_pending = false;
	sink_flush();
out_unlock:
	pthread_mutex_unlock(&sink.lock);
}

static void
sink_cursor_move(int handle, int scanout_id, uint32_t x, uint32_t y)
{
	struct sink_scanout *sc;

	pthread_mutex_lock(&sink.lock);
	sc = sink_scanout(handle, scanout_id, "cursor move on scanout");
	if (!sc)
		goto out_unlock;
	sc->cur.x = (int32_t)x;
	sc->cur.y = (int32_t)y;
	/* a pending DEFINE carries the position already */
	if (sc->cur_fd >= 0 && !sc->cur_def_pending)
		sc->cur_move_pending = true;
	sink_flush();
out_unlock:
	pthread_mutex_unlock(&sink.lock);
}

/* Answered locally from geometry=: never a round trip to vgfbd. */
static void
sink_get_display_info(int handle, int scanout_id, struct display_info *info)
{
	if (!info)
		return;
	pthread_mutex_lock(&sink.lock);
	if (sink.active && handle == (int)sink.generation &&
	    scanout_id >= 0 && scanout_id < sink.n_scanouts)
		*info = sink.scanouts[scanout_id].geom;
	else
		memset(info, 0, sizeof(*info));
	pthread_mutex_unlock(&sink.lock);
}

static void
sink_get_edid(int handle, int scanout_id, uint8_t *edid, size_t size)
{
	uint8_t block[128];
	uint32_t w = SINK_DEFAULT_WIDTH, h = SINK_DEFAULT_HEIGHT;

	if (!edid)
		return;
	pthread_mutex_lock(&sink.lock);
	if (sink.active && handle == (int)sink.generation &&
	    scanout_id >= 0 && scanout_id < sink.n_scanouts) {
		w = sink.scanouts[scanout_id].geom.width;
		h = sink.scanouts[scanout_id].geom.height;
	}
	pthread_mutex_unlock(&sink.lock);
	vdpy_vgfb_edid_generate(block, w, h);
	/* virtio_gpu.c passes 128 or its 1 KiB EDID area: fill it, no more */
	memset(edid, 0, size);
	memcpy(edid, block, size < sizeof(block) ? size : sizeof(block));
}

/* ---- bottom halves: vdisplay_sdl.c's semantics, to the flag ---- */

static void *
bh_worker(void *arg)
{
	struct vdpy_display_bh *bh;

	(void)arg;
	pthread_mutex_lock(&sink.bh_lock);
	for (;;) {
		while (sink.bh_running && TAILQ_EMPTY(&sink.bh_list))
			pthread_cond_wait(&sink.bh_cond, &sink.bh_lock);
		if (!sink.bh_running)
			break;
		/*
		 * Run under bh_lock as SDL does: a submit during the task
		 * waits, then finds PENDING cleared and queues it again, so
		 * no virtqueue kick is lost.
		 */
		while (!TAILQ_EMPTY(&sink.bh_list)) {
			bh = TAILQ_FIRST(&sink.bh_list);
			TAILQ_REMOVE(&sink.bh_list, bh, link);
			bh->task_cb(bh->data);
			if (__atomic_load_n(&bh->bh_flag, __ATOMIC_SEQ_CST) &
			    ACRN_BH_FREE)
				free(bh);
			else
				__atomic_store_n(&bh->bh_flag, ACRN_BH_DONE,
						 __ATOMIC_SEQ_CST);
		}
	}
	pthread_mutex_unlock(&sink.bh_lock);
	return NULL;
}

static bool
sink_submit_bh(int handle, struct vdpy_display_bh *bh)
{
	bool queued = false;

	if (!bh)
		return false;
	pthread_mutex_lock(&sink.bh_lock);
	if (sink.bh_running && handle == sink.bh_handle &&
	    !(bh->bh_flag & ACRN_BH_PENDING)) {
		bh->bh_flag |= ACRN_BH_PENDING;
		TAILQ_INSERT_TAIL(&sink.bh_list, bh, link);
		queued = true;
	}
	pthread_cond_signal(&sink.bh_cond);
	pthread_mutex_unlock(&sink.bh_lock);
	return queued;
}

/* ---- the connection ---- */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + ts.tv_nsec / 1000000;
}

/* After a (re)connection: everything shown is sent again. */
static void
sink_replay(void)
{
	int i;

	for (i = 0; i < sink.n_scanouts; i++) {
		struct sink_scanout *sc = &sink.scanouts[i];

		sc->set_pending = sc->kind != VGFB_SRC_BUFFER_DISABLE;
		sc->update_pending = false;
		sc->cur_def_pending = sc->cur_fd >= 0;
		sc->cur_move_pending = false;
	}
	sink.hello_pending = sink.bye_reboot_pending = false;
	sink.blocked = sink.draining = false;
	sink.fds_unread = 0;
}

/*
 * Whether to log a lost or refused connection: the 1st, 2nd, 4th, 8th...
 * A state vgfbd refuses is replayed at every reconnection, once a second;
 * the log must not grow at that rate.  conn_worker's thread only.
 */
static bool
sink_log_drop(void)
{
	static unsigned long drops;

	drops++;
	return (drops & (drops - 1)) == 0;
}

/*
 * Reads one message from vgfbd: 1 for a WELCOME (*heads set), 0 for
 * nothing yet, -1 when the connection is over (hang-up, ERROR with *error
 * set, or anything malformed).
 */
static int
conn_read(int fd, int32_t *error, uint32_t *heads)
{
	uint8_t buf[VGFB_SRC_MAX_MSG];
	union {
		struct cmsghdr cmsg;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct vgfb_src_hdr hdr;
	struct vgfb_src_error e;
	struct cmsghdr *c;
	ssize_t n;

	*error = 0;
	n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	/* vgfbd sends no fds: close any */
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t k, nfd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < nfd; k++) {
			int bad;

			memcpy(&bad, CMSG_DATA(c) + k * sizeof(int),
			       sizeof(int));
			close(bad);
		}
	}
	if (n < (ssize_t)sizeof(hdr))
		return -1;
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.magic != VGFB_SRC_MAGIC || hdr.version != VGFB_SRC_VERSION ||
	    hdr.len != (size_t)n - sizeof(hdr))
		return -1;
	if (hdr.type == VGFB_SRC_WELCOME &&
	    hdr.len == sizeof(struct vgfb_src_welcome)) {
		struct vgfb_src_welcome w;

		memcpy(&w, buf + sizeof(hdr), sizeof(w));
		*heads = w.heads;
		return 1;
	}
	if (hdr.type == VGFB_SRC_ERROR && hdr.len == sizeof(e)) {
		memcpy(&e, buf + sizeof(hdr), sizeof(e));
		*error = e.error < 0 ? e.error : -EPROTO;
	}
	return -1;
}

/*
 * Connect, HELLO, wait (at most SINK_RETRY_MS, never holding the lock) for
 * WELCOME.  Only then is the socket published for the display thread.
 */
static void
conn_try(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct pollfd pfd;
	uint64_t gen;
	int32_t error = 0;
	uint32_t heads = 0;
	int fd, rc;

	pthread_mutex_lock(&sink.lock);
	if (sink.path_set)
		snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sink.path);
	else
		snprintf(addr.sun_path, sizeof(addr.sun_path),
			 SINK_DEFAULT_DIR "/%s/source", vmname ? vmname : "");
	gen = sink.generation;
	pthread_mutex_unlock(&sink.lock);

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	rc = SINK_SNDBUF;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &rc, sizeof(rc));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (!sink.warned_connect)
			pr_info("vgfb: no vgfbd at %s (%s); retrying every "
				"second\n", addr.sun_path, strerror(errno));
		sink.warned_connect = true;
		close(fd);
		return;
	}
	pthread_mutex_lock(&sink.lock);
	sink.sock = fd;
	rc = sink_send_hello() ? 0 : -1;
	sink.sock = -1;
	sink.broken = sink.blocked = false;
	pthread_mutex_unlock(&sink.lock);
	if (rc < 0)
		goto out_close;
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, SINK_RETRY_MS) <= 0 ||
	    conn_read(fd, &error, &heads) != 1) {
		if (error && sink_log_drop())
			pr_err("vgfb: vgfbd refused us: %s\n",
			       strerror(-error));
		goto out_close;
	}
	if (heads < (uint32_t)sink.n_scanouts)
		pr_info("vgfb: vgfbd shows %u of %d scanouts (its target "
			"wants heads=%d)\n", heads, sink.n_scanouts,
			sink.n_scanouts);

	pthread_mutex_lock(&sink.lock);
	sink.sock = fd;
	sink_replay();
	/* a reboot while we waited: tell the new generation */
	if (sink.generation != gen)
		sink.hello_pending = true;
	sink_flush();
	pthread_mutex_unlock(&sink.lock);
	pr_info("vgfb: connected to vgfbd at %s\n", addr.sun_path);
	sink.warned_connect = false;
	return;

out_close:
	close(fd);
}

static void *
conn_worker(void *arg)
{
	uint64_t next_try = 0, now, counter;
	struct pollfd pfd[2];
	int timeout, nfds, fd;
	int32_t error;
	uint32_t heads;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&sink.lock);
		if (sink.quit) {
			pthread_mutex_unlock(&sink.lock);
			break;
		}
		if (sink.sock >= 0 && sink.broken) {
			if (sink_log_drop())
				pr_info("vgfb: lost vgfbd; reconnecting\n");
			close(sink.sock);
			sink.sock = -1;
			sink.broken = sink.blocked = sink.draining = false;
			next_try = now_ms() + SINK_RETRY_MS;
		}
		fd = sink.sock;
		now = now_ms();
		/* connect only for a running guest display */
		if (fd < 0 && sink.generation > 0 && now >= next_try) {
			pthread_mutex_unlock(&sink.lock);
			conn_try();
			next_try = now_ms() + SINK_RETRY_MS;
			continue;
		}
		pfd[0].fd = sink.wake_fd;
		pfd[0].events = POLLIN;
		nfds = 1;
		if (fd >= 0) {
			pfd[1].fd = fd;
			pfd[1].events = POLLIN | (sink.blocked ? POLLOUT : 0);
			nfds = 2;
			timeout = sink.draining ? SINK_DRAIN_POLL_MS : -1;
		} else {
			timeout = sink.generation > 0 ?
				  (int)(next_try > now ? next_try - now : 0) :
				  -1;
		}
		pthread_mutex_unlock(&sink.lock);

		if (poll(pfd, nfds, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN &&
		    read(sink.wake_fd, &counter, sizeof(counter)) < 0) {
			/* nothing to drain */
		}
		if (nfds < 2)
			continue;
		pthread_mutex_lock(&sink.lock);
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			/* only WELCOMEs (to a reboot's HELLO) may come */
			if (conn_read(fd, &error, &heads) < 0) {
				if (error && sink_log_drop())
					pr_err("vgfb: vgfbd dropped us: %s\n",
					       strerror(-error));
				sink.broken = true;
			}
		}
		if (pfd[1].revents & POLLOUT && !sink.broken) {
			sink.blocked = false;
			sink_flush();
		} else if (sink.draining && !sink.blocked && !sink.broken) {
			/* has vgfbd read the buffers in the socket? */
			sink_flush();
		}
		pthread_mutex_unlock(&sink.lock);
	}
	return NULL;
}

/* ---- life cycle ---- */

static void
sink_parse_geometry(struct sink_scanout *sc, const char *val)
{
	int w = 0, h = 0, x = 0, y = 0;

	if (strncasecmp(val, "fullscreen", 10) == 0) {
		/* SDL's full-screen size */
		w = 1920;
		h = 1080;
	} else if (sscanf(val, "%dx%d+%d+%d", &w, &h, &x, &y) < 2) {
		pr_err("vgfb: geometry=%s is not WxH[+x+y]; using %dx%d\n",
		       val, SINK_DEFAULT_WIDTH, SINK_DEFAULT_HEIGHT);
		w = SINK_DEFAULT_WIDTH;
		h = SINK_DEFAULT_HEIGHT;
	}
	if (w < SINK_MIN_WIDTH)
		w = SINK_MIN_WIDTH;
	if (w > SINK_MAX_WIDTH)
		w = SINK_MAX_WIDTH;
	if (h < SINK_MIN_HEIGHT)
		h = SINK_MIN_HEIGHT;
	if (h > SINK_MAX_HEIGHT)
		h = SINK_MAX_HEIGHT;
	/* VBE starts at this size inside the 16 MiB framebuffer */
	if ((uint64_t)w * h * 4u > SINK_VGA_FB_SIZE)
		h = SINK_VGA_FB_SIZE / 4u / w;
	sc->geom.width = w;
	sc->geom.height = h;
	sc->geom.xoff = x;
	sc->geom.yoff = y;
}

/* Runs before main() knows the VM name: only remembers the options. */
static int
sink_parse_cmd_option(const char *opts)
{
	char *copy, *rest, *tok;
	int n = 0, rc = 0;

	pthread_mutex_lock(&sink.lock);
	copy = strdup(opts ? opts : "");
	/* once per process, before gfx_ui_init (pci_parse_slot) */
	if (!copy || sink.ui_up) {
		rc = -1;
		goto out_unlock;
	}
	rest = copy;
	sink.path_set = false;
	memset(sink.scanouts, 0, sizeof(sink.scanouts));
	for (n = 0; n < SINK_MAX_SCANOUTS; n++)
		sink.scanouts[n].fd = sink.scanouts[n].cur_fd = -1;
	n = 0;
	while ((tok = strsep(&rest, ",")) != NULL) {
		if (strncasecmp(tok, "geometry=", 9) == 0) {
			if (n >= SINK_MAX_SCANOUTS) {
				pr_err("vgfb: virtio-gpu has at most %d "
				       "scanouts; ignoring %s\n",
				       SINK_MAX_SCANOUTS, tok);
				continue;
			}
			sink_parse_geometry(&sink.scanouts[n++], tok + 9);
		} else if (strncasecmp(tok, "display=vgfb:", 13) == 0) {
			if (strlen(tok + 13) == 0 ||
			    strlen(tok + 13) >= sizeof(sink.path)) {
				pr_err("vgfb: bad socket path in %s\n", tok);
				rc = -1;
				continue;
			}
			strcpy(sink.path, tok + 13);
			sink.path_set = true;
		}
	}
	if (n == 0) {
		sink.scanouts[0].geom.width = SINK_DEFAULT_WIDTH;
		sink.scanouts[0].geom.height = SINK_DEFAULT_HEIGHT;
		n = 1;
	}
	sink.n_scanouts = n;
out_unlock:
	pthread_mutex_unlock(&sink.lock);
	free(copy);
	return rc;
}

static int
sink_gfx_ui_init(void)
{
	if (sink.ui_up)
		return 0;
	if (sink.n_scanouts == 0 && sink_parse_cmd_option("") < 0)
		return -1;
	sink.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sink.wake_fd < 0) {
		pr_err("vgfb: eventfd: %s\n", strerror(errno));
		return -1;
	}
	sink.quit = false;
	if (pthread_create(&sink.conn_tid, NULL, conn_worker, NULL) != 0) {
		pr_err("vgfb: cannot start the connection thread\n");
		close(sink.wake_fd);
		sink.wake_fd = -1;
		return -1;
	}
	pthread_setname_np(sink.conn_tid, "vgfb_sink");
	sink.ui_up = true;
	return 0;
}

static int
sink_init(int *num_vscreens)
{
	int handle;

	if (!sink.ui_up && sink_gfx_ui_init() < 0)
		return 0;
	pthread_mutex_lock(&sink.lock);
	if (sink.active) {
		/* as SDL: one display per process */
		pthread_mutex_unlock(&sink.lock);
		return 0;
	}
	sink.generation++;
	/* the handle is the generation, so a stale handle is refused */
	if ((int)sink.generation <= 0)
		sink.generation = 1;
	handle = (int)sink.generation;
	sink.active = true;
	/* open connection: the guest rebooted; else conn_worker says HELLO */
	if (sink.sock >= 0) {
		sink.bye_reboot_pending = sink.generation > 1;
		sink.hello_pending = true;
		sink_flush();
	}
	pthread_mutex_unlock(&sink.lock);
	sink_wake();

	pthread_mutex_lock(&sink.bh_lock);
	TAILQ_INIT(&sink.bh_list);
	sink.bh_running = true;
	sink.bh_handle = handle;
	pthread_mutex_unlock(&sink.bh_lock);
	if (pthread_create(&sink.bh_tid, NULL, bh_worker, NULL) != 0) {
		pr_err("vgfb: cannot start the display thread\n");
		pthread_mutex_lock(&sink.bh_lock);
		sink.bh_running = false;
		pthread_mutex_unlock(&sink.bh_lock);
		pthread_mutex_lock(&sink.lock);
		sink.active = false;
		pthread_mutex_unlock(&sink.lock);
		return 0;
	}
	pthread_setname_np(sink.bh_tid, "acrn_vdisplay");
	if (num_vscreens)
		*num_vscreens = sink.n_scanouts;
	return handle;
}

static int
sink_deinit(int handle)
{
	struct vdpy_display_bh *bh;
	int i;

	if (!sink.active || handle != (int)sink.generation)
		return -1;

	pthread_mutex_lock(&sink.bh_lock);
	sink.bh_running = false;
	pthread_cond_signal(&sink.bh_cond);
	pthread_mutex_unlock(&sink.bh_lock);
	pthread_join(sink.bh_tid, NULL);
	/* not run: virtio_gpu_deinit has freed what they would touch */
	while (!TAILQ_EMPTY(&sink.bh_list)) {
		bh = TAILQ_FIRST(&sink.bh_list);
		TAILQ_REMOVE(&sink.bh_list, bh, link);
		if (bh->bh_flag & ACRN_BH_FREE)
			free(bh);
		else
			bh->bh_flag = ACRN_BH_DONE;
	}

	/*
	 * Disable every scanout now: vgfbd drops its references to the
	 * guest's udmabufs before acrn-dm frees (reboot) or zeroes the
	 * guest's memory under them.  BYE REBOOT + HELLO follow at the next
	 * vdpy_init, BYE EXIT at gfx_ui_deinit.
	 */
	pthread_mutex_lock(&sink.lock);
	for (i = 0; i < sink.n_scanouts; i++) {
		scanout_disable(&sink.scanouts[i]);
		scanout_drop_cursor(&sink.scanouts[i]);
	}
	sink_flush();
	sink.active = false;
	pthread_mutex_unlock(&sink.lock);
	return 0;
}

static void
sink_gfx_ui_deinit(void)
{
	struct vgfb_src_bye bye = { .reason = VGFB_SRC_BYE_EXIT };
	struct pollfd pfd;
	int i, rc;

	if (!sink.ui_up)
		return;
	if (sink.active)
		sink_deinit((int)sink.generation);

	pthread_mutex_lock(&sink.lock);
	if (sink.sock >= 0 && !sink.broken) {
		rc = sink_send(VGFB_SRC_BYE, &bye, sizeof(bye), -1);
		/* acrn-dm is exiting: a short wait is harmless here, and a
		 * hang-up without BYE means the same to vgfbd anyway */
		if (rc == -EAGAIN) {
			pfd.fd = sink.sock;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, 100) == 1)
				sink_send(VGFB_SRC_BYE, &bye, sizeof(bye), -1);
		}
	}
	sink.quit = true;
	pthread_mutex_unlock(&sink.lock);
	sink_wake();
	pthread_join(sink.conn_tid, NULL);

	pthread_mutex_lock(&sink.lock);
	if (sink.sock >= 0)
		close(sink.sock);
	sink.sock = -1;
	close(sink.wake_fd);
	sink.wake_fd = -1;
	for (i = 0; i < SINK_MAX_SCANOUTS; i++) {
		scanout_drop_buffer(&sink.scanouts[i]);
		scanout_drop_cursor(&sink.scanouts[i]);
		sink.scanouts[i].set_pending = false;
	}
	sink.broken = sink.blocked = sink.draining = false;
	sink.fds_unread = 0;
	sink.hello_pending = sink.bye_reboot_pending = false;
	sink.n_scanouts = 0;
	sink.path_set = false;
	/* a later gfx_ui_init (tests only: acrn-dm has one per process)
	 * starts from generation 1 again */
	sink.generation = 0;
	sink.ui_up = false;
	pthread_mutex_unlock(&sink.lock);
}

const struct vdpy_ops vdpy_vgfb_ops = {
	.name = "vgfb",
	.parse_cmd_option = sink_parse_cmd_option,
	.gfx_ui_init = sink_gfx_ui_init,
	.init = sink_init,
	.get_display_info = sink_get_display_info,
	.surface_set = sink_surface_set,
	.surface_update = sink_surface_update,
	.submit_bh = sink_submit_bh,
	.get_edid = sink_get_edid,
	.cursor_define = sink_cursor_define,
	.cursor_move = sink_cursor_move,
	.deinit = sink_deinit,
	.gfx_ui_deinit = sink_gfx_ui_deinit,
};
