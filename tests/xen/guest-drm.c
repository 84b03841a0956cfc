// SPDX-License-Identifier: MIT
/*
 * guest-drm: the DRM half of the xen tier's vdispl scenario, run in the
 * background by the domU's /init (static; raw DRM ioctls, no libdrm).
 *
 *   guest-drm KIND [CARD0_WAIT_S]
 *
 * It waits for xen-drm-front's /dev/dri/card0 (it only appears once a
 * vdispl backend in dom0 reaches Connected), creates three dumb buffers
 * with the documented test pattern (backend/pattern.h) in them (A first;
 * B and C once A is shown)
 *
 *   A  XRGB8888  frame 1
 *   B  XRGB8888  frame 2
 *   C  RGB565    frame 3
 *
 * and plays a script, one step each time dom0 raises the number in the
 * guest's xenstore node data/vgfb-step (read through /dev/xen/xenbus,
 * guest-lib.c):
 *
 *   step 0  (no wait)  SETCRTC A              -> SET_CONFIG on
 *   step 1             PAGE_FLIP B + event    -> PG_FLIP, EVT_PG_FLIP back;
 *                      then A, now off screen, is redrawn with frame 4
 *                      (a consumer holding A's dma-buf must see it)
 *   step 2             SETCRTC off, SETCRTC C -> SET_CONFIG off, then on
 *                                                 with an RGB565 fb
 *
 * and then idles until dom0 destroys the domain.  Kind xbe (hook
 * 60-xen-backend) plays only step 0 and then follows backend restarts:
 * when its DRM device is unplugged (dom0's vgfbd stopped), it gives the
 * card back and shows frame 1 again on the next one (follow_replug()).
 *
 * A SETCRTC from one fb to another with the same mode reaches the backend
 * as a PG_FLIP (display_send_page_flip() in xen_drm_front_kms.c), hence
 * the explicit disable in step 2.
 *
 * Prints on the console (hvc0, logged by xenconsoled in dom0):
 *   VGFB_GUEST_DRM card0 connector=ID crtc=ID mode=WxH
 *   VGFB_GUEST_DRM unplugged card0            (kind xbe; then cardN again)
 *   VGFB_GUEST_DRM shown fb=A frame=1 XRGB8888 WxH stride=S
 *   VGFB_GUEST_DRM flipped fb=B frame=2 event=yes|no ms=N timeout=yes|no
 *   VGFB_GUEST_DRM redrew fb=A frame=4
 *   VGFB_GUEST_DRM disabled
 *   VGFB_GUEST_DRM shown fb=C frame=3 RGB565 WxH stride=S
 *   VGFB_GUEST_DRM_ERROR ...                  (on any failure; then idles)
 *
 * "timeout=yes" means the guest kernel logged "Frame done timed-out":
 * xen-drm-front delivers the flip event itself FRAME_DONE_TO_MS (3.1 s)
 * after a PG_FLIP the backend never completed with XENDISPL_EVT_PG_FLIP.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <drm.h>
#include <drm_fourcc.h>
#include <drm_mode.h>

#include "guest-lib.h"
#include "pattern.h"
#include "../tier-lib.h"

#define STEP_NODE "data/vgfb-step"	/* relative: /local/domain/<me>/ */
#define FLIP_WAIT_MS 10000

struct dumb {
	const char *name;
	uint32_t format;
	uint32_t bpp;
	uint32_t handle;
	uint32_t pitch;
	uint64_t size;
	uint32_t fb_id;
	void *map;
};

/* ioctl that retries EINTR/EAGAIN as libdrm's drmIoctl() does. */
static int
drm_ioctl(int fd, unsigned long req, void *arg)
{
	int rc;

	do {
		rc = ioctl(fd, req, arg);
	} while (rc < 0 && (errno == EINTR || errno == EAGAIN));
	return rc < 0 ? -errno : 0;
}

/* ---- DRM ---- */

/*
 * GETCONNECTOR for a connector GETRESOURCES listed.  drm_dev_register()
 * makes the minor (and so /dev/dri/card0) usable before
 * drm_modeset_register_all() publishes the connectors: drm_connector_init()
 * reserves the object id unregistered, so in that window the lookup says
 * ENOENT for an id the connector list already holds.  That is the only
 * ENOENT this can be (a connector is never removed from xen-drm-front's
 * device while it lives), so wait for the registration, bounded, and say
 * it happened.
 */
static int
get_connector(int fd, struct drm_mode_get_connector *c)
{
	struct drm_mode_get_connector want = *c;
	long long t0 = -1;
	int rc;

	for (int i = 0; i < 1000; i++) {
		*c = want;
		rc = drm_ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, c);
		if (rc != -ENOENT)
			break;
		if (t0 < 0)
			t0 = tier_now_ms();
		usleep(10000);
	}
	if (t0 >= 0)
		printf("VGFB_GUEST_DRM_INFO connector %u listed before it was registered (GETCONNECTOR %s): %s after %lld ms\n",
		       want.connector_id, strerror(ENOENT),
		       rc ? strerror(-rc) : "registered", tier_now_ms() - t0);
	return rc;
}

/* The first connected connector with a mode, and a crtc it can use. */
static int
find_output(int fd, uint32_t *conn_id, uint32_t *crtc_id,
	    struct drm_mode_modeinfo *mode)
{
	struct drm_mode_card_res res;
	uint32_t conns[16], crtcs[16], encs[16];
	int rc;

	memset(&res, 0, sizeof(res));
	rc = drm_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res);
	if (rc)
		return rc;
	if (res.count_connectors > 16 || res.count_crtcs > 16 ||
	    res.count_encoders > 16 || res.count_crtcs == 0)
		return -E2BIG;
	res.count_fbs = 0;
	res.connector_id_ptr = (uintptr_t)conns;
	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.encoder_id_ptr = (uintptr_t)encs;
	rc = drm_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res);
	if (rc)
		return rc;

	for (uint32_t i = 0; i < res.count_connectors; i++) {
		struct drm_mode_get_connector c;
		struct drm_mode_get_encoder e;
		struct drm_mode_modeinfo modes[8];
		uint32_t crtc_mask = 0;

		memset(&c, 0, sizeof(c));
		c.connector_id = conns[i];
		/* count_modes 0: the kernel probes the connector */
		rc = get_connector(fd, &c);
		if (rc)
			return rc;
		if (c.connection != 1 || c.count_modes == 0) {
			/* 1 connected, 2 disconnected, 3 unknown (not probed) */
			printf("VGFB_GUEST_DRM_INFO connector %u: connection %u, %u modes\n",
			       conns[i], c.connection, c.count_modes);
			continue;
		}
		c.count_modes = c.count_modes > 8 ? 8 : c.count_modes;
		c.modes_ptr = (uintptr_t)modes;
		c.count_props = 0;
		c.count_encoders = 0;
		rc = drm_ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &c);
		if (rc)
			return rc;
		*conn_id = conns[i];
		*mode = modes[0];
		if (c.encoder_id) {
			memset(&e, 0, sizeof(e));
			e.encoder_id = c.encoder_id;
			if (drm_ioctl(fd, DRM_IOCTL_MODE_GETENCODER, &e) == 0)
				crtc_mask = e.possible_crtcs;
		} else if (res.count_encoders) {
			memset(&e, 0, sizeof(e));
			e.encoder_id = encs[0];
			if (drm_ioctl(fd, DRM_IOCTL_MODE_GETENCODER, &e) == 0)
				crtc_mask = e.possible_crtcs;
		}
		*crtc_id = crtcs[0];
		for (uint32_t k = 0; k < res.count_crtcs; k++) {
			if (crtc_mask & (1u << k)) {
				*crtc_id = crtcs[k];
				break;
			}
		}
		return 0;
	}
	return -ENODEV;
}

static int
dumb_create(int fd, struct dumb *d, uint32_t w, uint32_t h, uint64_t frame)
{
	struct drm_mode_create_dumb cd = { .width = w, .height = h,
					   .bpp = d->bpp };
	struct drm_mode_map_dumb md;
	struct drm_mode_fb_cmd2 fb;
	int rc;

	rc = drm_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd);
	if (rc) {
		printf("VGFB_GUEST_DRM_ERROR CREATE_DUMB %s %ux%u bpp %u: %s\n",
		       d->name, w, h, d->bpp, strerror(-rc));
		return rc;
	}
	d->handle = cd.handle;
	d->pitch = cd.pitch;
	d->size = cd.size;
	memset(&md, 0, sizeof(md));
	md.handle = d->handle;
	rc = drm_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &md);
	if (rc) {
		printf("VGFB_GUEST_DRM_ERROR MAP_DUMB %s: %s\n", d->name,
		       strerror(-rc));
		return rc;
	}
	d->map = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		      (off_t)md.offset);
	if (d->map == MAP_FAILED) {
		rc = -errno;
		d->map = NULL;
		printf("VGFB_GUEST_DRM_ERROR mmap %s: %s\n", d->name,
		       strerror(-rc));
		return rc;
	}
	rc = vgfb_pattern_draw(d->map, d->format, w, h, d->pitch, frame, NULL);
	if (rc) {
		printf("VGFB_GUEST_DRM_ERROR pattern %s: %s\n", d->name,
		       strerror(-rc));
		return rc;
	}
	memset(&fb, 0, sizeof(fb));
	fb.width = w;
	fb.height = h;
	fb.pixel_format = d->format;
	fb.handles[0] = d->handle;
	fb.pitches[0] = d->pitch;
	rc = drm_ioctl(fd, DRM_IOCTL_MODE_ADDFB2, &fb);
	if (rc) {
		printf("VGFB_GUEST_DRM_ERROR ADDFB2 %s: %s\n", d->name,
		       strerror(-rc));
		return rc;
	}
	d->fb_id = fb.fb_id;
	return 0;
}

/* SETCRTC: show fb on the crtc, or turn the crtc off when d is NULL. */
static int
set_crtc(int fd, uint32_t crtc_id, uint32_t conn_id,
	 const struct drm_mode_modeinfo *mode, const struct dumb *d)
{
	struct drm_mode_crtc c;

	memset(&c, 0, sizeof(c));
	c.crtc_id = crtc_id;
	if (d) {
		c.fb_id = d->fb_id;
		c.set_connectors_ptr = (uintptr_t)&conn_id;
		c.count_connectors = 1;
		c.mode = *mode;
		c.mode_valid = 1;
	}
	return drm_ioctl(fd, DRM_IOCTL_MODE_SETCRTC, &c);
}

/* Did the kernel log xen-drm-front's own flip time-out? */
static bool
klog_has(const char *needle)
{
	static char buf[1 << 18];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* Wait for DRM_EVENT_FLIP_COMPLETE; its latency in ms, or -ETIMEDOUT. */
static long long
wait_flip_event(int fd, long long t0)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[1024];

	for (;;) {
		long long left = t0 + FLIP_WAIT_MS - tier_now_ms();
		ssize_t n;
		size_t off = 0;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			continue;
		while (off + sizeof(struct drm_event) <= (size_t)n) {
			struct drm_event ev;

			memcpy(&ev, buf + off, sizeof(ev));
			if (ev.length < sizeof(ev))
				break;
			if (ev.type == DRM_EVENT_FLIP_COMPLETE)
				return tier_now_ms() - t0;
			off += ev.length;
		}
	}
}

/* What guest-drm shows on one card: its output and its buffers. */
struct screen {
	int fd;
	char card[16];		/* "card0" */
	uint32_t conn_id, crtc_id, w, h;
	struct drm_mode_modeinfo mode;
	struct dumb a, b, c;
};

/*
 * Wait up to wait_s for a /dev/dri/cardN and open it.  The first card is
 * card0; after a backend restart the new device may be card1 while the
 * old minor is still being freed.
 */
static int
open_card(struct screen *s, const char *kind, int wait_s)
{
	char path[32];
	int n = -1;

	for (int i = 0; n < 0; i++) {
		for (int k = 0; k < 8 && n < 0; k++) {
			snprintf(path, sizeof(path), "/dev/dri/card%d", k);
			if (access(path, F_OK) == 0)
				n = k;
		}
		if (n >= 0)
			break;
		if (i >= wait_s * 10) {
			printf("VGFB_GUEST_DRM_ERROR kind=%s no /dev/dri/card* after %d s\n",
			       kind, wait_s);
			return -ENODEV;
		}
		usleep(100000);
	}
	snprintf(s->card, sizeof(s->card), "card%d", n);
	/*
	 * drm_minor_register() creates the device node before it publishes
	 * the minor, so an open in between fails with ENODEV: retry a while.
	 */
	for (int i = 0; i < 100; i++) {
		s->fd = open(path, O_RDWR | O_CLOEXEC);
		if (s->fd >= 0 || errno != ENODEV)
			break;
		usleep(100000);
	}
	if (s->fd < 0) {
		printf("VGFB_GUEST_DRM_ERROR open %s: %s\n", path,
		       strerror(errno));
		return -errno;
	}
	return 0;
}

/* Step 0 on the next card: its output, buffer A, SETCRTC A. */
static int
show_first_frame(struct screen *s, const char *kind, int wait_s)
{
	static const struct dumb a = { .name = "A", .format = DRM_FORMAT_XRGB8888, .bpp = 32 };
	static const struct dumb b = { .name = "B", .format = DRM_FORMAT_XRGB8888, .bpp = 32 };
	static const struct dumb c = { .name = "C", .format = DRM_FORMAT_RGB565, .bpp = 16 };
	int rc;

	s->a = a;
	s->b = b;
	s->c = c;
	rc = open_card(s, kind, wait_s);
	if (rc)
		return rc;
	rc = find_output(s->fd, &s->conn_id, &s->crtc_id, &s->mode);
	if (rc) {
		printf("VGFB_GUEST_DRM_ERROR no connected connector with a mode: %s\n",
		       strerror(-rc));
		return rc;
	}
	s->w = s->mode.hdisplay;
	s->h = s->mode.vdisplay;
	printf("VGFB_GUEST_DRM %s kind=%s connector=%u crtc=%u mode=%ux%u uptime=%.1f\n",
	       s->card, kind, s->conn_id, s->crtc_id, s->w, s->h,
	       tier_uptime());
	/* B and C only for the steps (drawing a buffer takes seconds in a
	 * guest under TCG) */
	rc = dumb_create(s->fd, &s->a, s->w, s->h, 1);
	if (rc)
		return rc;
	rc = set_crtc(s->fd, s->crtc_id, s->conn_id, &s->mode, &s->a);
	if (rc) {
		printf("VGFB_GUEST_DRM_ERROR SETCRTC A: %s\n", strerror(-rc));
		return rc;
	}
	printf("VGFB_GUEST_DRM shown fb=A frame=1 XRGB8888 %ux%u stride=%u uptime=%.1f\n",
	       s->w, s->h, s->a.pitch, tier_uptime());
	return 0;
}

/* Give the card back: every mapping, then the fd (and with it the GEM
 * objects and framebuffers), so that an unplugged device can be freed. */
static void
release_card(struct screen *s)
{
	struct dumb *d[] = { &s->a, &s->b, &s->c };

	for (size_t i = 0; i < 3; i++)
		if (d[i]->map)
			munmap(d[i]->map, d[i]->size);
	close(s->fd);
	s->fd = -1;
}

/*
 * Hook 60's guest (kind xbe) keeps showing frame 1 across backend
 * restarts: when dom0's vgfbd stops, xen-drm-front unplugs its DRM device
 * (every ioctl then says ENODEV) and probes a new one once a backend
 * reaches InitWait again.  Show frame 1 on that one, as a compositor that
 * follows hotplug would.
 */
static void __attribute__((noreturn))
follow_replug(struct screen *s, const char *kind, int wait_s)
{
	for (;;) {
		struct drm_mode_card_res res;

		usleep(200000);
		memset(&res, 0, sizeof(res));
		if (drm_ioctl(s->fd, DRM_IOCTL_MODE_GETRESOURCES, &res) != -ENODEV)
			continue;
		printf("VGFB_GUEST_DRM unplugged %s uptime=%.1f\n", s->card,
		       tier_uptime());
		release_card(s);
		if (show_first_frame(s, kind, wait_s))
			guest_idle_forever();
	}
}

int
main(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : "unknown";
	int wait_s = argc > 2 ? atoi(argv[2]) : 300;
	struct drm_mode_crtc_page_flip pf;
	struct screen s;
	long long t0, ms;
	int xb, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (show_first_frame(&s, kind, wait_s))
		guest_idle_forever();
	if (strcmp(kind, "xbe") == 0)
		follow_replug(&s, kind, wait_s);
	xb = open("/dev/xen/xenbus", O_RDWR | O_CLOEXEC);
	if (xb < 0) {
		printf("VGFB_GUEST_DRM_ERROR open /dev/xen/xenbus: %s\n",
		       strerror(errno));
		guest_idle_forever();
	}

	if (dumb_create(s.fd, &s.b, s.w, s.h, 2) ||
	    dumb_create(s.fd, &s.c, s.w, s.h, 3))
		guest_idle_forever();

	/* step 1 */
	if (guest_xs_wait_step(xb, STEP_NODE, 1, "VGFB_GUEST_DRM_ERROR"))
		guest_idle_forever();
	memset(&pf, 0, sizeof(pf));
	pf.crtc_id = s.crtc_id;
	pf.fb_id = s.b.fb_id;
	pf.flags = DRM_MODE_PAGE_FLIP_EVENT;
	t0 = tier_now_ms();
	rc = drm_ioctl(s.fd, DRM_IOCTL_MODE_PAGE_FLIP, &pf);
	if (rc) {
		printf("VGFB_GUEST_DRM_ERROR PAGE_FLIP B: %s\n", strerror(-rc));
		guest_idle_forever();
	}
	ms = wait_flip_event(s.fd, t0);
	printf("VGFB_GUEST_DRM flipped fb=B frame=2 event=%s ms=%lld timeout=%s uptime=%.1f\n",
	       ms >= 0 ? "yes" : "no", ms >= 0 ? ms : -1,
	       klog_has("Frame done timed-out") ? "yes" : "no", tier_uptime());
	rc = vgfb_pattern_draw(s.a.map, s.a.format, s.w, s.h, s.a.pitch, 4,
			       NULL);
	if (rc) {
		printf("VGFB_GUEST_DRM_ERROR pattern A frame 4: %s\n",
		       strerror(-rc));
		guest_idle_forever();
	}
	printf("VGFB_GUEST_DRM redrew fb=A frame=4 uptime=%.1f\n", tier_uptime());

	/* step 2 */
	if (guest_xs_wait_step(xb, STEP_NODE, 2, "VGFB_GUEST_DRM_ERROR"))
		guest_idle_forever();
	rc = set_crtc(s.fd, s.crtc_id, s.conn_id, NULL, NULL);
	if (rc) {
		printf("VGFB_GUEST_DRM_ERROR SETCRTC off: %s\n", strerror(-rc));
		guest_idle_forever();
	}
	printf("VGFB_GUEST_DRM disabled uptime=%.1f\n", tier_uptime());
	rc = set_crtc(s.fd, s.crtc_id, s.conn_id, &s.mode, &s.c);
	if (rc) {
		printf("VGFB_GUEST_DRM_ERROR SETCRTC C: %s\n", strerror(-rc));
		guest_idle_forever();
	}
	printf("VGFB_GUEST_DRM shown fb=C frame=3 RGB565 %ux%u stride=%u uptime=%.1f\n",
	       s.w, s.h, s.c.pitch, tier_uptime());
	guest_idle_forever();
	return 0;
}
