// SPDX-License-Identifier: MIT
/*
 * guest-fb: the fbdev half of the xen tier's vfb events scenario (hook
 * 38-vgfbd-vfb-events), run in the background by the domU's /init after
 * guest-draw has drawn pattern frame 0 into xen-fbfront's /dev/fb0.
 *
 *   guest-fb KIND
 *
 * One step each time dom0 raises the number in the guest's xenstore node
 * data/vgfb-fb-step (read through /dev/xen/xenbus, guest-lib.c):
 *
 *   step 1  redraw rows REDRAW_Y .. REDRAW_Y + REDRAW_H - 1, full width,
 *           with pattern frame 5 (the rest stays frame 0) and msync:
 *           xen-fbfront's deferred io sends UPDATE for the rows of the
 *           pages written (full width, page granular)
 *   step 2  FBIOPUT_VSCREENINFO to 640x480, same depth: xen-fbfront
 *           accepts it when the backend announced feature-resize and it
 *           fits the line length and the videoram, keeps the line length,
 *           and sends RESIZE with the next refresh; then pattern frame 6
 *           at the new geometry, msync (-> RESIZE, UPDATE)
 *
 * and then idles until dom0 destroys the domain.  Prints on the console:
 *   VGFB_GUEST_FB ready kind=K 800x600 stride=S
 *   VGFB_GUEST_FB redrew frame=5 rect=X,Y,WxH stride=S
 *   VGFB_GUEST_FB resized 640x480 stride=S frame=6
 *   VGFB_GUEST_FB_ERROR ...                   (on any failure; then idles)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/fb.h>
#include <drm_fourcc.h>

#include "guest-lib.h"
#include "pattern.h"
#include "../tier-lib.h"

#define STEP_NODE "data/vgfb-fb-step"	/* relative: /local/domain/<me>/ */
#define ERR "VGFB_GUEST_FB_ERROR"
#define REDRAW_Y 200
#define REDRAW_H 200
#define NEW_W 640
#define NEW_H 480

static int
get_info(int fd, struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix)
{
	if (ioctl(fd, FBIOGET_VSCREENINFO, var) < 0 ||
	    ioctl(fd, FBIOGET_FSCREENINFO, fix) < 0) {
		printf(ERR " FBIOGET_*SCREENINFO: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Draw `frame` (inside clip when not NULL) and flush the deferred io. */
static int
draw(void *map, const struct fb_var_screeninfo *var,
     const struct fb_fix_screeninfo *fix, uint64_t frame,
     const struct vgfb_rect *clip)
{
	int rc = vgfb_pattern_draw(map, DRM_FORMAT_XRGB8888, var->xres,
				   var->yres, fix->line_length, frame, clip);

	if (rc) {
		printf(ERR " pattern frame %llu: %s\n",
		       (unsigned long long)frame, strerror(-rc));
		return rc;
	}
	if (msync(map, fix->smem_len, MS_SYNC) < 0) {
		printf(ERR " msync: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : "unknown";
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	struct vgfb_rect r;
	void *map;
	int fd, xb;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/dev/fb0", O_RDWR | O_CLOEXEC);
	xb = open("/dev/xen/xenbus", O_RDWR | O_CLOEXEC);
	if (fd < 0 || xb < 0) {
		printf(ERR " open %s: %s\n",
		       fd < 0 ? "/dev/fb0" : "/dev/xen/xenbus", strerror(errno));
		guest_idle_forever();
	}
	if (get_info(fd, &var, &fix))
		guest_idle_forever();
	if (var.bits_per_pixel != 32 || var.yres < REDRAW_Y + REDRAW_H) {
		printf(ERR " fb0 is %ux%u bpp %u: expected 32 bpp, %u rows at least\n",
		       var.xres, var.yres, var.bits_per_pixel,
		       REDRAW_Y + REDRAW_H);
		guest_idle_forever();
	}
	/* one mapping of the whole videoram, for both geometries */
	map = mmap(NULL, fix.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		printf(ERR " mmap fb0: %s\n", strerror(errno));
		guest_idle_forever();
	}
	printf("VGFB_GUEST_FB ready kind=%s %ux%u stride=%u len=%u uptime=%.1f\n",
	       kind, var.xres, var.yres, fix.line_length, fix.smem_len,
	       tier_uptime());

	/* step 1: rows REDRAW_Y.. with frame 5 -> UPDATE */
	if (guest_xs_wait_step(xb, STEP_NODE, 1, ERR))
		guest_idle_forever();
	r = (struct vgfb_rect){ .x = 0, .y = REDRAW_Y, .width = var.xres,
				.height = REDRAW_H };
	if (draw(map, &var, &fix, 5, &r))
		guest_idle_forever();
	printf("VGFB_GUEST_FB redrew frame=5 rect=%u,%u,%ux%u stride=%u uptime=%.1f\n",
	       r.x, r.y, r.width, r.height, fix.line_length, tier_uptime());

	/* step 2: 640x480 -> RESIZE, then frame 6 -> UPDATE */
	if (guest_xs_wait_step(xb, STEP_NODE, 2, ERR))
		guest_idle_forever();
	var.xres = var.xres_virtual = NEW_W;
	var.yres = var.yres_virtual = NEW_H;
	var.xoffset = var.yoffset = 0;
	var.activate = FB_ACTIVATE_NOW;
	if (ioctl(fd, FBIOPUT_VSCREENINFO, &var) < 0) {
		printf(ERR " FBIOPUT_VSCREENINFO %ux%u: %s\n", NEW_W, NEW_H,
		       strerror(errno));
		guest_idle_forever();
	}
	if (get_info(fd, &var, &fix))
		guest_idle_forever();
	if (var.xres != NEW_W || var.yres != NEW_H || var.bits_per_pixel != 32) {
		printf(ERR " after FBIOPUT_VSCREENINFO: %ux%u bpp %u\n",
		       var.xres, var.yres, var.bits_per_pixel);
		guest_idle_forever();
	}
	if (draw(map, &var, &fix, 6, NULL))
		guest_idle_forever();
	printf("VGFB_GUEST_FB resized %ux%u stride=%u frame=6 uptime=%.1f\n",
	       var.xres, var.yres, fix.line_length, tier_uptime());
	guest_idle_forever();
	return 0;
}
