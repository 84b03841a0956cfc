// SPDX-License-Identifier: MIT
/*
 * guest-draw: the guest side of the xen tier, run by the domU's /init
 * (static, no libc beyond the static one).  It reports which display
 * devices the guest's own frontends gave it and draws the documented test
 * pattern (backend/pattern.h, frame 0) into xen-fbfront's /dev/fb0, so a
 * dom0 backend can check every pixel.
 *
 *   guest-draw KIND
 *
 * Prints on the console (hvc0, logged by xenconsoled in dom0):
 *   VGFB_GUEST kind=K fb0=yes|no card0=yes|no vfb-0=DRIVER vdispl-0=DRIVER
 *   VGFB_GUEST_DRAWN fb0 XRGB8888 WxH stride=S len=L   (or VGFB_GUEST_ERROR)
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/fb.h>
#include <drm_fourcc.h>

#include "pattern.h"
#include "../tier-lib.h"

static int wait_for(const char *path, int tenths)
{
	while (access(path, F_OK) != 0) {
		if (tenths-- <= 0)
			return -1;
		usleep(100000);
	}
	return 0;
}

/* Name of the driver bound to xenbus device DEV, "none" or "absent". */
static const char *xenbus_driver(const char *dev, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/xen/devices/%s", dev);
	if (access(path, F_OK) != 0)
		return "absent";
	snprintf(path, sizeof(path), "/sys/bus/xen/devices/%s/driver", dev);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return "none";
	target[n] = '\0';
	snprintf(buf, len, "%s", basename(target));
	return buf;
}

static int draw_fb(const char *dev)
{
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	void *map;
	int fd, ret;

	fd = open(dev, O_RDWR);
	if (fd < 0) {
		printf("VGFB_GUEST_ERROR open %s: %s\n", dev, strerror(errno));
		return -1;
	}
	if (ioctl(fd, FBIOGET_VSCREENINFO, &var) < 0 ||
	    ioctl(fd, FBIOGET_FSCREENINFO, &fix) < 0) {
		printf("VGFB_GUEST_ERROR fb ioctl: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	if (var.bits_per_pixel != 32 || var.red.offset != 16 ||
	    var.green.offset != 8 || var.blue.offset != 0) {
		printf("VGFB_GUEST_ERROR fb format bpp=%u r=%u g=%u b=%u is not XRGB8888\n",
		       var.bits_per_pixel, var.red.offset, var.green.offset,
		       var.blue.offset);
		close(fd);
		return -1;
	}
	map = mmap(NULL, fix.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		printf("VGFB_GUEST_ERROR mmap fb: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	ret = vgfb_pattern_draw(map, DRM_FORMAT_XRGB8888, var.xres, var.yres,
				fix.line_length, 0, NULL);
	if (ret < 0) {
		printf("VGFB_GUEST_ERROR vgfb_pattern_draw: %s\n", strerror(-ret));
	} else {
		msync(map, fix.smem_len, MS_SYNC);
		printf("VGFB_GUEST_DRAWN fb0 XRGB8888 %ux%u stride=%u len=%u frame=0 uptime=%.1f\n",
		       var.xres, var.yres, fix.line_length, fix.smem_len,
		       tier_uptime());
	}
	munmap(map, fix.smem_len);
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : "unknown";
	char b1[256], b2[256];
	int fb0, card0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* fb0 comes from the built-in xen-fbfront's probe; card0 from
	 * xen-drm-front only once its backend is Connected. */
	fb0 = wait_for("/dev/fb0", 100) == 0;
	card0 = wait_for("/dev/dri/card0", 20) == 0;
	printf("VGFB_GUEST kind=%s fb0=%s card0=%s vfb-0=%s vdispl-0=%s uptime=%.1f\n",
	       kind, fb0 ? "yes" : "no", card0 ? "yes" : "no",
	       xenbus_driver("vfb-0", b1, sizeof(b1)),
	       xenbus_driver("vdispl-0", b2, sizeof(b2)), tier_uptime());
	if (fb0)
		draw_fb("/dev/fb0");
	return 0;
}
