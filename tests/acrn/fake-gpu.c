/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <drm_fourcc.h>
#ifdef HAVE_LINUX_UDMABUF_H
#include <linux/udmabuf.h>
#endif

#include "fake-gpu.h"
#include "pattern.h"

#define POISON 0xA5
/* how long a guest command may take before the test calls the display
 * thread stuck: a hang detector, not a timing requirement */
#define STUCK_SECONDS 30

/* virtio-gpu's format codes for the blob path (virtio_gpu.h) */
#define VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM 1
#define VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM 2
#define VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM 134
#define VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM 67

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* Each vdpy_* call on the display thread goes through here. */
#define TIMED(g, call) do { \
		uint64_t t0_ = now_ns(), dt_; \
		if (!pthread_equal(pthread_self(), (g)->display_thread)) \
			(g)->off_thread = true; \
		call; \
		dt_ = now_ns() - t0_; \
		(g)->calls++; \
		(g)->total_ns += dt_; \
		if (dt_ > (g)->max_ns) \
			(g)->max_ns = dt_; \
	} while (0)

static struct fake_res *
res_find(struct fake_gpu *g, uint32_t id)
{
	int i;

	for (i = 0; i < FAKE_MAX_RES; i++)
		if (id && g->res[i].id == id)
			return &g->res[i];
	return NULL;
}

static uint32_t
bytes_pp(pixman_format_code_t f)
{
	return ((uint32_t)f >> 24) / 8;	/* PIXMAN_FORMAT_BPP */
}

/* The 2D surface of set_scanout (908-920) and resource_flush (1096-1111):
 * the scanout rect, and the pixel pointer already offset to it. */
static void
fill_2d(struct surface *surf, const struct fake_res *r,
	const struct fake_scanout *s)
{
	surf->pixel = r->data;
	surf->x = s->x;
	surf->y = s->y;
	surf->width = s->w;
	surf->height = s->h;
	surf->stride = r->stride;
	surf->surf_format = r->format;
	surf->surf_type = SURFACE_PIXMAN;
	surf->pixel = (uint8_t *)surf->pixel + bytes_pp(r->format) * surf->x +
		      surf->y * surf->stride;
}

/* virtio_gpu_cmd_set_scanout (891-920) */
static void
cmd_set_scanout(struct fake_gpu *g, const struct fake_cmd *c)
{
	struct fake_res *r = res_find(g, c->res);
	struct surface surf;

	if (c->scanout >= (uint32_t)g->n_scanouts)
		return;
	memset(&surf, POISON, sizeof(surf));
	if (!r || r->blob) {
		g->scanouts[c->scanout].res = 0;
		TIMED(g, vdpy_surface_set(g->handle, c->scanout, NULL));
		return;
	}
	g->scanouts[c->scanout] = (struct fake_scanout){
		c->res, c->x, c->y, c->w, c->h
	};
	fill_2d(&surf, r, &g->scanouts[c->scanout]);
	TIMED(g, vdpy_surface_set(g->handle, c->scanout, &surf));
	__atomic_store_n(&g->vga_enable, false, __ATOMIC_SEQ_CST);
}

/* virtio_gpu_cmd_set_scanout_blob (1350-1400) */
static void
cmd_set_scanout_blob(struct fake_gpu *g, const struct fake_cmd *c)
{
	struct fake_res *r = res_find(g, c->res);
	struct surface surf;
	uint32_t fourcc;

	__atomic_store_n(&g->vga_enable, false, __ATOMIC_SEQ_CST);
	if (c->scanout >= (uint32_t)g->n_scanouts)
		return;
	memset(&surf, POISON, sizeof(surf));
	if (c->res == 0 || !r) {
		g->scanouts[c->scanout].res = 0;
		TIMED(g, vdpy_surface_set(g->handle, c->scanout, NULL));
		return;
	}
	g->scanouts[c->scanout] = (struct fake_scanout){
		c->res, c->x, c->y, c->w, c->h
	};
	memset(&surf, 0, sizeof(surf));
	surf.width = c->w;
	surf.height = c->h;
	surf.x = c->x;
	surf.y = c->y;
	surf.stride = c->stride;
	surf.dma_info.dmabuf_fd = r->blob_fd;
	surf.surf_type = SURFACE_DMABUF;
	switch (c->virtio_format) {
	case VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM:
		fourcc = DRM_FORMAT_XRGB8888;
		break;
	case VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM:
		fourcc = DRM_FORMAT_ABGR8888;
		break;
	case VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM:
		fourcc = DRM_FORMAT_XBGR8888;
		break;
	default:
		fourcc = DRM_FORMAT_ARGB8888;
		break;
	}
	surf.dma_info.dmabuf_offset = c->offset0 + 4 * surf.x +
				      surf.y * surf.stride;
	surf.dma_info.surf_fourcc = fourcc;
	TIMED(g, vdpy_surface_set(g->handle, c->scanout, &surf));
}

/* virtio_gpu_cmd_resource_flush (1079-1111): the flush rect only selects
 * scanouts; 2D passes the stored scanout rect, blob only the fd. */
static void
cmd_flush(struct fake_gpu *g, const struct fake_cmd *c)
{
	struct fake_res *r = res_find(g, c->res);
	struct surface surf;
	int i;

	if (!r)
		return;
	memset(&surf, POISON, sizeof(surf));
	for (i = 0; i < g->n_scanouts; i++) {
		struct fake_scanout *s = &g->scanouts[i];

		if (s->res != c->res)
			continue;
		if (r->blob) {
			surf.dma_info.dmabuf_fd = r->blob_fd;
			surf.surf_type = SURFACE_DMABUF;
			TIMED(g, vdpy_surface_update(g->handle, i, &surf));
			continue;
		}
		fill_2d(&surf, r, s);
		TIMED(g, vdpy_surface_update(g->handle, i, &surf));
	}
}

/* virtio_gpu_cmd_update_cursor (1510) and _move_cursor (1531): the
 * scanout id is the guest's, unchecked. */
static void
cmd_cursor(struct fake_gpu *g, const struct fake_cmd *c)
{
	struct fake_res *r;
	struct cursor cur;

	if (c->type == FAKE_MOVE_CURSOR) {
		TIMED(g, vdpy_cursor_move(g->handle, (int)c->scanout, c->x,
					  c->y));
		return;
	}
	if (c->res == 0)
		return;		/* hide: acrn-dm makes no call */
	r = res_find(g, c->res);
	if (!r)
		return;
	memset(&cur, POISON, sizeof(cur));
	cur.x = c->x;
	cur.y = c->y;
	cur.hot_x = c->hot_x;
	cur.hot_y = c->hot_y;
	cur.width = r->width;
	cur.height = r->height;
	cur.data = r->data;
	TIMED(g, vdpy_cursor_define(g->handle, (int)c->scanout, &cur));
}

static void
run_cmd(struct fake_gpu *g, const struct fake_cmd *c)
{
	struct display_info info;
	uint8_t edid[1024];

	switch (c->type) {
	case FAKE_SET_SCANOUT:
		cmd_set_scanout(g, c);
		break;
	case FAKE_SET_SCANOUT_BLOB:
		cmd_set_scanout_blob(g, c);
		break;
	case FAKE_FLUSH:
		cmd_flush(g, c);
		break;
	case FAKE_UPDATE_CURSOR:
	case FAKE_MOVE_CURSOR:
		cmd_cursor(g, c);
		break;
	case FAKE_GET_DISPLAY_INFO:
		TIMED(g, vdpy_get_display_info(g->handle, c->scanout, &info));
		break;
	case FAKE_GET_EDID:
		TIMED(g, vdpy_get_edid(g->handle, c->scanout, edid, 128));
		break;
	}
}

/* virtio_gpu_ctrl_bh / _cursor_bh: drain the queue on the display thread */
static void
drain(struct fake_gpu *g, int q)
{
	struct fake_cmd c;

	g->display_thread = pthread_self();
	pthread_mutex_lock(&g->lock);
	while (g->head[q] != g->tail[q]) {
		c = g->q[q][g->head[q] % FAKE_QUEUE];
		pthread_mutex_unlock(&g->lock);
		run_cmd(g, &c);
		pthread_mutex_lock(&g->lock);
		g->head[q]++;
		g->done++;
		pthread_cond_broadcast(&g->cond);
	}
	pthread_mutex_unlock(&g->lock);
}

static void
ctrl_bh(void *data)
{
	drain(data, 0);
}

static void
cursor_bh(void *data)
{
	drain(data, 1);
}

/* virtio_gpu_notify_controlq / _cursorq on the vCPU thread */
static void *
vcpu_thread(void *arg)
{
	struct fake_gpu *g = arg;
	int q;

	pthread_mutex_lock(&g->lock);
	while (!g->quit) {
		if (!g->kicks[0] && !g->kicks[1]) {
			pthread_cond_wait(&g->cond, &g->lock);
			continue;
		}
		for (q = 0; q < 2; q++) {
			if (!g->kicks[q])
				continue;
			g->kicks[q] = 0;
			pthread_mutex_unlock(&g->lock);
			/* false while already pending: the queued bh will
			 * see this command too */
			vdpy_submit_bh(g->handle, q ? &g->cursor_bh :
					&g->ctrl_bh);
			pthread_mutex_lock(&g->lock);
		}
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

void
fake_gpu_cmd(struct fake_gpu *g, const struct fake_cmd *cmd)
{
	int q = cmd->type == FAKE_UPDATE_CURSOR ||
		cmd->type == FAKE_MOVE_CURSOR;
	unsigned long target;
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += STUCK_SECONDS;
	pthread_mutex_lock(&g->lock);
	ck_assert_uint_lt(g->tail[q] - g->head[q], FAKE_QUEUE);
	g->q[q][g->tail[q]++ % FAKE_QUEUE] = *cmd;
	target = g->done + (g->tail[0] - g->head[0]) +
		 (g->tail[1] - g->head[1]);
	g->kicks[q] = 1;
	pthread_cond_broadcast(&g->cond);
	while (g->done < target && rc == 0)
		rc = pthread_cond_timedwait(&g->cond, &g->lock, &until);
	pthread_mutex_unlock(&g->lock);
	ck_assert_msg(rc == 0, "the display thread did not run a guest "
		      "command within %d s", STUCK_SECONDS);
}

/*
 * The bounds sit far above what the calls take (a copy of the frame and a
 * non-blocking send: well under a millisecond on average, single calls up
 * to tens of milliseconds on a loaded 2-core machine) and below the sink's
 * own waits (1 s for a connection or a WELCOME): a sink waiting for vgfbd
 * to drain, even briefly per call, fails the mean.
 */
void
fake_gpu_assert_prompt(const struct fake_gpu *g, const char *when,
		       bool judge_mean)
{
	const char *env = getenv("CK_TIMEOUT_MULTIPLIER");
	double mult = env && atof(env) >= 1 ? atof(env) : 1;
	double max_ms = g->max_ns / 1e6;
	double mean_ms = g->calls ? g->total_ns / 1e6 / g->calls : 0;

	ck_assert_uint_gt(g->calls, 0);
	ck_assert_msg(max_ms < FAKE_PROMPT_MAX_MS * mult,
		      "%s: a call took %.3f ms (bound %.0f ms)", when, max_ms,
		      FAKE_PROMPT_MAX_MS * mult);
	ck_assert_msg(!judge_mean || mean_ms < FAKE_PROMPT_MEAN_MS * mult,
		      "%s: calls took %.3f ms on average (bound %.0f ms)",
		      when, mean_ms, FAKE_PROMPT_MEAN_MS * mult);
}

/* virtio_gpu_vga_bh (1596) */
static void
vga_bh(void *data)
{
	struct fake_gpu *g = data;
	uint32_t w = __atomic_load_n(&g->xres, __ATOMIC_SEQ_CST);
	uint32_t h = __atomic_load_n(&g->yres, __ATOMIC_SEQ_CST);

	g->display_thread = pthread_self();
	if (g->vga_surf.width != w || g->vga_surf.height != h) {
		g->vga_surf.width = w;
		g->vga_surf.height = h;
		g->vga_surf.stride = w * 4;
		g->vga_surf.pixel = g->fb;
		g->vga_surf.surf_format = PIXMAN_a8r8g8b8;
		g->vga_surf.surf_type = SURFACE_PIXMAN;
		TIMED(g, vdpy_surface_set(g->handle, 0, &g->vga_surf));
	}
	TIMED(g, vdpy_surface_update(g->handle, 0, &g->vga_surf));
}

/* virtio_gpu_vga_render (1617): every 33 ms while VBE is on */
static void *
vga_thread(void *arg)
{
	struct fake_gpu *g = arg;

	while (__atomic_load_n(&g->vga_enable, __ATOMIC_SEQ_CST) &&
	       __atomic_load_n(&g->vga_running, __ATOMIC_SEQ_CST)) {
		vdpy_submit_bh(g->handle, &g->vga_bh);
		usleep(33000);
	}
	return NULL;
}

void
fake_vbe_stop(struct fake_gpu *g)
{
	struct fake_cmd c = { .type = FAKE_GET_DISPLAY_INFO };

	__atomic_store_n(&g->vga_enable, false, __ATOMIC_SEQ_CST);
	if (!g->vga_joined)
		pthread_join(g->vga, NULL);
	g->vga_joined = true;
	/* bottom halves run in order: a VBE half queued before is done */
	fake_gpu_cmd(g, &c);
}

void
fake_vbe_mode(struct fake_gpu *g, uint32_t xres, uint32_t yres,
	      uint64_t frame)
{
	uint64_t rows = yres;

	/* the guest can only write inside the framebuffer */
	if ((uint64_t)xres * 4 * rows > FAKE_VGA_FB_SIZE)
		rows = FAKE_VGA_FB_SIZE / ((uint64_t)xres * 4);
	if (xres <= 16384)
		vgfb_pattern_draw(g->fb, DRM_FORMAT_XRGB8888, xres, rows,
				  xres * 4, frame, NULL);
	__atomic_store_n(&g->xres, xres, __ATOMIC_SEQ_CST);
	__atomic_store_n(&g->yres, yres, __ATOMIC_SEQ_CST);
}

void
fake_gpu_boot(struct fake_gpu *g, const char *opts, bool first)
{
	long page = sysconf(_SC_PAGESIZE);
	int i;

	if (first) {
		memset(g, 0, sizeof(*g));
		pthread_mutex_init(&g->lock, NULL);
		pthread_cond_init(&g->cond, NULL);
		for (i = 0; i < FAKE_MAX_RES; i++)
			g->res[i].blob_fd = g->res[i].memfd = -1;
		/* pci_parse_slot, then main: gfx_ui_init */
		ck_assert_int_eq(vdpy_parse_cmd_option(opts), 0);
		ck_assert_int_eq(gfx_ui_init(), 0);
		/* fbmem, with nothing mapped after it */
		g->fb = mmap(NULL, FAKE_VGA_FB_SIZE + page, PROT_READ |
			     PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ck_assert_ptr_ne(g->fb, MAP_FAILED);
		ck_assert_int_eq(mprotect(g->fb + FAKE_VGA_FB_SIZE, page,
					  PROT_NONE), 0);
	}
	g->quit = false;
	g->n_scanouts = 1;
	g->handle = vdpy_init(&g->n_scanouts);
	ck_assert_int_ne(g->handle, 0);
	ck_assert_int_ge(g->n_scanouts, 1);
	ck_assert_int_le(g->n_scanouts, 2);
	memset(g->scanouts, 0, sizeof(g->scanouts));
	g->ctrl_bh = (struct vdpy_display_bh){ .task_cb = ctrl_bh, .data = g };
	g->cursor_bh = (struct vdpy_display_bh){ .task_cb = cursor_bh,
						 .data = g };
	g->vga_bh = (struct vdpy_display_bh){ .task_cb = vga_bh, .data = g };
	vdpy_get_display_info(g->handle, 0, &g->info);
	vdpy_get_edid(g->handle, 0, g->edid, sizeof(g->edid));
	ck_assert_int_eq(pthread_create(&g->vcpu, NULL, vcpu_thread, g), 0);
	/* VBE at the geometry size, frame 1 */
	memset(&g->vga_surf, 0, sizeof(g->vga_surf));
	fake_vbe_mode(g, g->info.width, g->info.height, 1);
	g->vga_enable = g->vga_running = true;
	g->vga_joined = false;
	ck_assert_int_eq(pthread_create(&g->vga, NULL, vga_thread, g), 0);
}

void
fake_gpu_shutdown(struct fake_gpu *g, bool last)
{
	__atomic_store_n(&g->vga_running, false, __ATOMIC_SEQ_CST);
	if (!g->vga_joined)
		pthread_join(g->vga, NULL);
	pthread_mutex_lock(&g->lock);
	g->quit = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->vcpu, NULL);
	ck_assert_int_eq(vdpy_deinit(g->handle), 0);
	ck_assert_msg(!g->off_thread, "a vdpy call ran off the display thread");
	fprintf(stderr, "  sink latency: %lu calls, max %.3f ms, mean %.3f ms\n",
		(unsigned long)g->calls, g->max_ns / 1e6,
		g->calls ? g->total_ns / 1e6 / g->calls : 0.0);
	if (last)
		fake_gpu_exit(g);
}

static void
res_free(struct fake_res *r)
{
	free(r->data);
	if (r->map)
		munmap(r->map, r->size);
	if (r->blob_fd >= 0 && r->blob_fd != r->memfd)
		close(r->blob_fd);
	if (r->memfd >= 0)
		close(r->memfd);
	memset(r, 0, sizeof(*r));
	r->blob_fd = r->memfd = -1;
}

void
fake_gpu_exit(struct fake_gpu *g)
{
	int i;

	gfx_ui_deinit();
	for (i = 0; i < FAKE_MAX_RES; i++)
		res_free(&g->res[i]);
	munmap(g->fb, FAKE_VGA_FB_SIZE + sysconf(_SC_PAGESIZE));
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->cond);
}

/* RESOURCE_CREATE; an id in use is unref'd first */
static struct fake_res *
res_new(struct fake_gpu *g, uint32_t id)
{
	struct fake_res *old = res_find(g, id);
	int i;

	if (old)
		res_free(old);
	for (i = 0; i < FAKE_MAX_RES; i++)
		if (g->res[i].id == 0) {
			g->res[i].id = id;
			return &g->res[i];
		}
	ck_abort_msg("too many resources");
	return NULL;
}

struct fake_res *
fake_res_2d(struct fake_gpu *g, uint32_t id, uint32_t w, uint32_t h,
	    pixman_format_code_t format)
{
	struct fake_res *r = res_new(g, id);

	r->width = w;
	r->height = h;
	r->format = format;
	r->stride = w * 4;
	r->size = (size_t)r->stride * h;
	r->data = malloc(r->size);
	ck_assert_ptr_nonnull(r->data);
	/* not the pattern: a wrong offset shows */
	memset(r->data, 0x5a, r->size);
	return r;
}

struct fake_res *
fake_res_blob(struct fake_gpu *g, uint32_t id, size_t size,
	      bool *real_dmabuf)
{
	struct fake_res *r = res_new(g, id);

	r->blob = true;
	r->size = size;
	r->memfd = memfd_create("guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	ck_assert_int_ge(r->memfd, 0);
	ck_assert_int_eq(ftruncate(r->memfd, size), 0);
	ck_assert_int_eq(fcntl(r->memfd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	r->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      r->memfd, 0);
	ck_assert_ptr_ne(r->map, MAP_FAILED);
	memset(r->map, 0x5a, size);
	*real_dmabuf = false;
	r->blob_fd = r->memfd;
#ifdef HAVE_LINUX_UDMABUF_H
	{
		/* virtio_gpu_create_udmabuf: UDMABUF_CREATE_LIST, CLOEXEC */
		int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);

		if (dev >= 0) {
			struct udmabuf_create c = {
				.memfd = r->memfd,
				.flags = UDMABUF_FLAGS_CLOEXEC,
				.offset = 0, .size = size,
			};
			int fd = ioctl(dev, UDMABUF_CREATE, &c);

			close(dev);
			if (fd >= 0) {
				r->blob_fd = fd;
				*real_dmabuf = true;
			}
		}
	}
#endif
	return r;
}

void
fake_res_draw(struct fake_res *r, uint32_t drm_format, uint32_t x,
	      uint32_t y, uint32_t w, uint32_t h, uint32_t stride,
	      uint64_t offset, uint64_t frame)
{
	uint8_t *base = r->blob ? r->map : r->data;

	ck_assert_int_eq(vgfb_pattern_draw(base + offset + (size_t)y * stride +
					   (size_t)x * 4, drm_format, w, h,
					   stride, frame, NULL), 0);
}

void
fake_res_cursor(struct fake_res *r)
{
	vgfb_cursor_draw(r->data, r->stride);
}
