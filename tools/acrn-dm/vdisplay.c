/*
 * Copyright (C) 2026 The vgfb authors.
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * acrn-dm's display interface (vdisplay.h) over a table of backends.
 * The virtio-gpu slot picks one with a display= token:
 *
 *   -s 9,virtio-gpu,geometry=1280x720,display=vgfb[:/path/to/source]
 *   -s 9,virtio-gpu,geometry=1280x720+0+0,display=sdl
 *
 * Without the token the default is SDL when acrn-dm is built with it
 * (CONFIG_VDISPLAY_SDL=y, the default) and vgfb otherwise.  Both parsers
 * see the whole option string: SDL's ignores tokens it does not know.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "vdisplay.h"
#include "vdisplay_ops.h"

static const struct vdpy_ops *
vdpy_default_ops(void)
{
#ifdef CONFIG_VDISPLAY_SDL
	return &vdpy_sdl_ops;
#else
	return &vdpy_vgfb_ops;
#endif
}

/* Chosen once, on the main thread, before any other call. */
static const struct vdpy_ops *vdpy_ops;

static const struct vdpy_ops *
ops(void)
{
	return vdpy_ops ? vdpy_ops : vdpy_default_ops();
}

/* The backend named by the last display= token; NULL if it is unknown. */
static const struct vdpy_ops *
vdpy_choose(const char *opts)
{
	const struct vdpy_ops *chosen = vdpy_default_ops();
	char *copy, *rest, *tok;
	size_t n;

	copy = strdup(opts);
	if (!copy)
		return NULL;
	rest = copy;
	while ((tok = strsep(&rest, ",")) != NULL) {
		if (strncasecmp(tok, "display=", 8) != 0)
			continue;
		tok += 8;
		/* "vgfb" or "vgfb:PATH" */
		n = strcspn(tok, ":");
		if (n == 4 && strncasecmp(tok, "vgfb", 4) == 0) {
			chosen = &vdpy_vgfb_ops;
#ifdef CONFIG_VDISPLAY_SDL
		} else if (n == 3 && strncasecmp(tok, "sdl", 3) == 0 &&
			   tok[3] == '\0') {
			chosen = &vdpy_sdl_ops;
#endif
		} else {
			pr_err("vdisplay: unknown display=%s (this acrn-dm "
			       "has: vgfb%s)\n", tok,
#ifdef CONFIG_VDISPLAY_SDL
			       ", sdl"
#else
			       ""
#endif
			       );
			chosen = NULL;
			break;
		}
	}
	free(copy);
	return chosen;
}

int
vdpy_parse_cmd_option(const char *opts)
{
	const struct vdpy_ops *chosen;

	/* "-s N,virtio-gpu" without options passes NULL. */
	if (!opts)
		opts = "";
	chosen = vdpy_choose(opts);
	if (!chosen)
		return -1;
	vdpy_ops = chosen;
	pr_info("vdisplay: %s backend\n", vdpy_ops->name);
	return vdpy_ops->parse_cmd_option(opts);
}

int
gfx_ui_init(void)
{
	return ops()->gfx_ui_init();
}

int
vdpy_init(int *num_vscreens)
{
	return ops()->init(num_vscreens);
}

void
vdpy_get_display_info(int handle, int scanout_id, struct display_info *info)
{
	ops()->get_display_info(handle, scanout_id, info);
}

void
vdpy_surface_set(int handle, int scanout_id, struct surface *surf)
{
	ops()->surface_set(handle, scanout_id, surf);
}

void
vdpy_surface_update(int handle, int scanout_id, struct surface *surf)
{
	ops()->surface_update(handle, scanout_id, surf);
}

bool
vdpy_submit_bh(int handle, struct vdpy_display_bh *bh)
{
	return ops()->submit_bh(handle, bh);
}

void
vdpy_get_edid(int handle, int scanout_id, uint8_t *edid, size_t size)
{
	ops()->get_edid(handle, scanout_id, edid, size);
}

void
vdpy_cursor_define(int handle, int scanout_id, struct cursor *cur)
{
	ops()->cursor_define(handle, scanout_id, cur);
}

void
vdpy_cursor_move(int handle, int scanout_id, uint32_t x, uint32_t y)
{
	ops()->cursor_move(handle, scanout_id, x, y);
}

int
vdpy_deinit(int handle)
{
	return ops()->deinit(handle);
}

void
gfx_ui_deinit(void)
{
	ops()->gfx_ui_deinit();
}
