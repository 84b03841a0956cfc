/* SPDX-License-Identifier: MIT */
/*
 * acrn-dm's virtio-gpu as the display sink sees it: the calls of
 * devicemodel/hw/pci/virtio/virtio_gpu.c (ACRN 3.4-unstable, d61d98c),
 * with the same arguments, threads and timing.
 *
 * - vdpy_parse_cmd_option, gfx_ui_init, vdpy_init, display info and EDID
 *   (virtio_gpu_init) and vdpy_deinit on the calling ("main") thread;
 * - guest commands go through a "vcpu" thread that only calls
 *   vdpy_submit_bh (virtio_gpu_notify_controlq/_cursorq); the bottom
 *   halves run them on the sink's display thread;
 * - a VGA thread submits the VBE bottom half every 33 ms while VBE is on,
 *   reading a 16 MiB framebuffer followed by an inaccessible page;
 * - the fields virtio_gpu.c leaves uninitialised hold 0xA5 poison.
 */
#ifndef VGFB_TEST_FAKE_GPU_H
#define VGFB_TEST_FAKE_GPU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vdisplay.h"

#define FAKE_MAX_RES 8
#define FAKE_QUEUE 64
#define FAKE_VGA_FB_SIZE (16u << 20)

enum fake_cmd_type {
	FAKE_SET_SCANOUT,	/* res 0: disable */
	FAKE_SET_SCANOUT_BLOB,
	FAKE_FLUSH,
	FAKE_UPDATE_CURSOR,
	FAKE_MOVE_CURSOR,
	FAKE_GET_DISPLAY_INFO,
	FAKE_GET_EDID,
};

struct fake_cmd {
	enum fake_cmd_type type;
	uint32_t scanout;	/* as the guest wrote it: 0xFFFFFFFF is -1 */
	uint32_t res;
	uint32_t x, y, w, h;	/* rect; cursor: x, y = pos */
	uint32_t stride, offset0, virtio_format; /* blob */
	uint32_t hot_x, hot_y;
};

struct fake_res {
	uint32_t id, width, height, stride;
	pixman_format_code_t format;
	uint8_t *data;		/* 2D: acrn-dm's heap, as pixman's */
	bool blob;
	int blob_fd;		/* acrn-dm's udmabuf (or a memfd stand-in) */
	int memfd;
	uint8_t *map;		/* the blob's memory, as the guest writes it */
	size_t size;
};

struct fake_scanout {
	uint32_t res;
	uint32_t x, y, w, h;
};

struct fake_gpu {
	int handle, n_scanouts;
	struct display_info info;
	uint8_t edid[1024];
	struct vdpy_display_bh ctrl_bh, cursor_bh, vga_bh;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fake_cmd q[2][FAKE_QUEUE];	/* 0: control, 1: cursor */
	unsigned int head[2], tail[2];
	unsigned long done;			/* commands run */
	unsigned int kicks[2];			/* notifications to send */
	bool quit;
	pthread_t vcpu;

	/* VBE */
	pthread_t vga;
	bool vga_enable, vga_running, vga_joined;
	uint32_t xres, yres;
	uint8_t *fb;
	struct surface vga_surf;	/* gpu->vga.surf: calloc'd, not stack */

	struct fake_scanout scanouts[2];
	struct fake_res res[FAKE_MAX_RES];

	/* every vdpy_* call the display thread makes, timed */
	uint64_t calls, max_ns, total_ns;
	bool off_thread;		/* a call ran off the display thread */
	pthread_t display_thread;
};

/* virtio_gpu_init: parse, gfx_ui_init (first time), vdpy_init, threads. */
void fake_gpu_boot(struct fake_gpu *g, const char *opts, bool first);
/* virtio_gpu_deinit: threads stopped, vdpy_deinit; then gfx_ui_deinit
 * when last. */
void fake_gpu_shutdown(struct fake_gpu *g, bool last);
/* The rest of acrn-dm's exit: gfx_ui_deinit, memory freed. */
void fake_gpu_exit(struct fake_gpu *g);

/*
 * The display thread's calls since the counters were last zeroed returned
 * promptly: none took FAKE_PROMPT_MAX_MS or longer and, with judge_mean,
 * they took less than FAKE_PROMPT_MEAN_MS on average (both times
 * CK_TIMEOUT_MULTIPLIER).  For vgfbd absent or stalled: the sink must not
 * wait for it, not even with a timeout.
 */
#define FAKE_PROMPT_MAX_MS 250
#define FAKE_PROMPT_MEAN_MS 5
void fake_gpu_assert_prompt(const struct fake_gpu *g, const char *when,
			    bool judge_mean);

/* A guest command through the vcpu thread and a bottom half; returns once
 * the display thread has run it. */
void fake_gpu_cmd(struct fake_gpu *g, const struct fake_cmd *cmd);

/* Guest memory: resources drawn with the test pattern (docs/test-pattern.md). */
struct fake_res *fake_res_2d(struct fake_gpu *g, uint32_t id, uint32_t w,
			     uint32_t h, pixman_format_code_t format);
/* false (and a reason) when no dma-buf can be made here */
struct fake_res *fake_res_blob(struct fake_gpu *g, uint32_t id, size_t size,
			       bool *real_dmabuf);
void fake_res_draw(struct fake_res *r, uint32_t drm_format, uint32_t x,
		   uint32_t y, uint32_t w, uint32_t h, uint32_t stride,
		   uint64_t offset, uint64_t frame);
void fake_res_cursor(struct fake_res *r);

/*
 * The VGA thread stopped and its last bottom half run.  acrn-dm stops it
 * only when SET_SCANOUT has run, so a VBE half queued just before can
 * still repaint the new scanout once (SDL shows that too); the tests that
 * check exact frames stop VBE first.
 */
void fake_vbe_stop(struct fake_gpu *g);
/* VBE: the guest writes xres/yres and draws frame into the framebuffer. */
void fake_vbe_mode(struct fake_gpu *g, uint32_t xres, uint32_t yres,
		   uint64_t frame);

#endif
