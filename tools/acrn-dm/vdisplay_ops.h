/*
 * Copyright (C) 2026 The vgfb authors.
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The display backends behind acrn-dm's vdisplay.h interface: vdisplay.c
 * picks one per process (the virtio-gpu slot's display= token) and
 * forwards the 12 vdpy_* calls to it.
 */
#ifndef _VDISPLAY_OPS_H_
#define _VDISPLAY_OPS_H_

#include "vdisplay.h"

struct vdpy_ops {
	const char *name;
	int (*parse_cmd_option)(const char *opts);
	int (*gfx_ui_init)(void);
	int (*init)(int *num_vscreens);
	void (*get_display_info)(int handle, int scanout_id,
				 struct display_info *info);
	void (*surface_set)(int handle, int scanout_id, struct surface *surf);
	void (*surface_update)(int handle, int scanout_id,
			       struct surface *surf);
	bool (*submit_bh)(int handle, struct vdpy_display_bh *bh);
	void (*get_edid)(int handle, int scanout_id, uint8_t *edid,
			 size_t size);
	void (*cursor_define)(int handle, int scanout_id, struct cursor *cur);
	void (*cursor_move)(int handle, int scanout_id, uint32_t x,
			    uint32_t y);
	int (*deinit)(int handle);
	void (*gfx_ui_deinit)(void);
};

/* hw/vdisplay_vgfb.c: forwards to vgfbd over the vgfb source protocol. */
extern const struct vdpy_ops vdpy_vgfb_ops;
#ifdef CONFIG_VDISPLAY_SDL
/* hw/vdisplay_sdl.c: the SDL window (acrn-dm's original display). */
extern const struct vdpy_ops vdpy_sdl_ops;
#endif

/* hw/vdisplay_vgfb_edid.c: a 128-byte EDID whose preferred mode is w x h. */
void vdpy_vgfb_edid_generate(uint8_t edid[128], uint32_t width,
			     uint32_t height);

#endif
