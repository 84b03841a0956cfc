/* SPDX-License-Identifier: MIT */
/*
 * Our own declaration of acrn-dm's display interface
 * (devicemodel/include/vdisplay.h, ACRN 3.x), so that the sink and the
 * replay harness build in this tree without ACRN's sources or pixman.
 * Only names, types and values the interface needs; the layout must match
 * acrn-dm's exactly.  The real check against ACRN's header is
 * tests/acrn/acrn-dm-build.sh, which builds the sink inside acrn-dm.
 */
#ifndef VGFB_COMPAT_VDISPLAY_H
#define VGFB_COMPAT_VDISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

/* pixman's format codes: PIXMAN_FORMAT(bpp, type, a, r, g, b). */
#define VGFB_PIXMAN_FORMAT(bpp, type, a, r, g, b) \
	(((bpp) << 24) | ((type) << 16) | ((a) << 12) | ((r) << 8) | \
	 ((g) << 4) | (b))
typedef enum {
	PIXMAN_a8r8g8b8 = VGFB_PIXMAN_FORMAT(32, 2, 8, 8, 8, 8),
	PIXMAN_x8r8g8b8 = VGFB_PIXMAN_FORMAT(32, 2, 0, 8, 8, 8),
	PIXMAN_a8b8g8r8 = VGFB_PIXMAN_FORMAT(32, 3, 8, 8, 8, 8),
	PIXMAN_x8b8g8r8 = VGFB_PIXMAN_FORMAT(32, 3, 0, 8, 8, 8),
	PIXMAN_b8g8r8a8 = VGFB_PIXMAN_FORMAT(32, 8, 8, 8, 8, 8),
	PIXMAN_b8g8r8x8 = VGFB_PIXMAN_FORMAT(32, 8, 0, 8, 8, 8),
	PIXMAN_r8g8b8a8 = VGFB_PIXMAN_FORMAT(32, 9, 8, 8, 8, 8),
	PIXMAN_r8g8b8x8 = VGFB_PIXMAN_FORMAT(32, 9, 0, 8, 8, 8),
} pixman_format_code_t;

typedef void (*bh_task_func)(void *data);

#define ACRN_BH_PENDING (1 << 0)
#define ACRN_BH_DONE	(1 << 1)
#define ACRN_BH_FREE	(1 << 2)

struct vdpy_display_bh {
	TAILQ_ENTRY(vdpy_display_bh) link;
	bh_task_func task_cb;
	void *data;
	uint32_t bh_flag;
};

struct display_info {
	int xoff;
	int yoff;
	uint32_t width;
	uint32_t height;
};

enum surface_type {
	SURFACE_PIXMAN = 1,
	SURFACE_DMABUF,
};

struct surface {
	enum surface_type surf_type;
	pixman_format_code_t surf_format;
	uint32_t x;
	uint32_t y;
	uint32_t width;
	uint32_t height;
	uint32_t bpp;
	uint32_t stride;
	void *pixel;
	struct {
		int dmabuf_fd;
		uint32_t surf_fourcc;
		uint32_t dmabuf_offset;
	} dma_info;
};

struct cursor {
	enum surface_type surf_type;
	pixman_format_code_t surf_format;
	uint32_t x;
	uint32_t y;
	uint32_t hot_x;
	uint32_t hot_y;
	uint32_t width;
	uint32_t height;
	void *data;
};

int vdpy_parse_cmd_option(const char *opts);
int gfx_ui_init(void);
int vdpy_init(int *num_vscreens);
void vdpy_get_display_info(int handle, int scanout_id,
			   struct display_info *info);
void vdpy_surface_set(int handle, int scanout_id, struct surface *surf);
void vdpy_surface_update(int handle, int scanout_id, struct surface *surf);
bool vdpy_submit_bh(int handle, struct vdpy_display_bh *bh);
void vdpy_get_edid(int handle, int scanout_id, uint8_t *edid, size_t size);
void vdpy_cursor_define(int handle, int scanout_id, struct cursor *cur);
void vdpy_cursor_move(int handle, int scanout_id, uint32_t x, uint32_t y);
int vdpy_deinit(int handle);
void gfx_ui_deinit(void);

#endif
