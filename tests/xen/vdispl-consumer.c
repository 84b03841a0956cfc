/* SPDX-License-Identifier: MIT */
/*
 * vdispl-consumer: the dom0 half of the xen tier's vdispl scenario (hook
 * 50-vgfbd-vdispl).  A display consumer of one domU, served by a running
 * vgfbd (`vgfbd --target xen:DOMID,vfb=off`), driving the guest's
 * guest-drm script through xenstore and checking, through libvgfb only:
 *
 *   query       head 0 primary: PROBE, then the real query, 1024x768
 *               XRGB8888 (the guest's SETCRTC of buffer A)
 *   pixels      A's dma-buf, mmapped read-only: pattern frame 1, exactly
 *   flip        step 1: the guest page-flips to B -> VGFB_EVENT_FLIP with
 *               a new frame_seq; re-query: a new, stable dmabuf_id
 *               showing frame 2
 *   zero copy   the guest redraws A (off screen) with frame 4: the
 *               dma-buf of A we still hold shows frame 4, not re-exported
 *   mode change step 2: the guest turns the crtc off and shows the RGB565
 *               buffer C -> PLANE_DISABLED, then PLANE_CHANGED; re-query:
 *               RGB565, frame 3
 *   destroy     `xl destroy` while we hold C's (and A's, B's) dma-buf and
 *               mapping -> VGFB_EVENT_GUEST_GONE; the mappings stay
 *               readable (no SIGBUS)
 *   clean       after closing everything: the domain is gone (no zombie
 *               held by a grant mapping) and vgfb.ko holds no buffer
 *
 *   vdispl-consumer --target T --domid N --kind K [--guest-log PATH]
 *                   [--log-from BYTES] [--timeout S] [--mode vdispl|vfb|hold]
 *
 * --guest-log names the domU's console log (for the details of a
 * failure), --log-from where this incarnation of the guest starts in it,
 * --timeout how long the plane may take to come up (default 120 s).
 *
 * Prints one "VGFB_RESULT vdispl_<check>_<kind> PASS|FAIL|SKIP detail"
 * per check, VGFB_INFO lines, and "VGFB_CLEAN domain=gone|present
 * kmod_pages=N kmod_buffers=N after_ms=N xen_free_pages=N" for the hook,
 * which adds vgfbd's and
 * dmesg's state to its vdispl_dom0_clean verdict.  Without vgfb.ko (no
 * dma-buf exporter) the region path is checked and the dma-buf-only
 * checks are SKIP.
 *
 * --mode hold plays one round of hook 62-xen-backend-soak: query,
 * pixels, destroy (held), clean; results soak_<check>_<kind>.
 *
 * --mode vfb plays hook 38-vgfbd-vfb-events instead, against `vgfbd
 * --target xen:DOMID,vdispl=off` and the guest's guest-fb (steps in
 * data/vgfb-fb-step): UPDATE -> DAMAGE and RESIZE -> PLANE_CHANGED, the
 * pixels after each (run_vfb() below); results vfb_<check>_<kind>.  The
 * guest is left running.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <drm_fourcc.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "../../kernel/uapi/vgfb_kmod.h"
#include "format.h"
#include "pattern.h"
#include "tool-util.h"
#include "../tier-lib.h"

/* VFIO's drm_plane_type values are the kernel's enum drm_plane_type */
#define PLANE_PRIMARY 1

#define WIDTH 1024
#define HEIGHT 768
#define VDISPL_STEP_NODE "data/vgfb-step"	/* guest-drm's */

struct consumer {
	const char *prefix;	/* of the VGFB_RESULT names: vdispl, vfb */
	const char *kind;
	const char *guest_log;
	long log_from;		/* this incarnation's lines start here */
	uint32_t domid;
	int timeout_s;
	struct vgfb *ctx;
	int event_fd;
	uint32_t flag;		/* VFIO_GFX_PLANE_TYPE_DMABUF or _REGION */
	bool dmabuf;
	struct xs_handle *xs;
};

struct plane {
	struct vfio_device_gfx_plane_info info;
	struct vgfb_plane_ext ext;
	struct plane_view view;
};

static void
result(const struct consumer *c, const char *check, const char *verdict,
       const char *fmt, ...)
{
	char name[128];
	va_list ap;

	snprintf(name, sizeof(name), "%s_%s_%s", c->prefix, check, c->kind);
	va_start(ap, fmt);
	tier_vresult(name, verdict, fmt, ap);
	va_end(ap);
}

/*
 * The last line of the guest's console log (this incarnation's part)
 * containing `needle`, into out when it is not NULL.  false: none.
 */
static bool
log_line(const struct consumer *c, const char *needle, char *out,
	 size_t outlen)
{
	char line[1024];
	bool found = false;
	FILE *f;

	if (!c->guest_log)
		return false;
	f = fopen(c->guest_log, "re");
	if (!f)
		return false;
	if (c->log_from > 0 && fseek(f, c->log_from, SEEK_SET) != 0) {
		fclose(f);
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, needle))
			continue;
		found = true;
		if (out && outlen) {
			size_t n = strcspn(line, "\r\n");

			n = n < outlen ? n : outlen - 1;
			memcpy(out, line, n);
			out[n] = '\0';
		}
	}
	fclose(f);
	return found;
}

/* Does the guest's console log hold a line containing `needle`? */
static bool
log_has(const struct consumer *c, const char *needle)
{
	return log_line(c, needle, NULL, 0);
}

/* log_line, waiting up to timeout_ms for the line to appear. */
static bool
wait_log(const struct consumer *c, const char *needle, char *out,
	 size_t outlen, int timeout_ms)
{
	long long deadline = tier_now_ms() + timeout_ms;

	while (!log_line(c, needle, out, outlen)) {
		if (tier_now_ms() >= deadline)
			return false;
		usleep(200000);
	}
	return true;
}

static const char *
fourcc(uint32_t f, char buf[5])
{
	tool_format_fourcc(f, buf);
	return buf;
}

/* ---- the plane ---- */

static int
query(struct consumer *c, struct plane *p)
{
	memset(p, 0, sizeof(*p));
	p->view.fd = -1;
	p->info.argsz = sizeof(p->info);
	p->info.flags = c->flag;
	p->info.drm_plane_type = PLANE_PRIMARY;
	p->ext.argsz = sizeof(p->ext);
	return vgfb_query_plane_ext(c->ctx, &p->info, &p->ext);
}

static uint32_t
plane_id(const struct consumer *c, const struct plane *p)
{
	return c->dmabuf ? p->info.dmabuf_id : p->info.region_index;
}

/*
 * Compare a mapped view with pattern frame `frame`: the mismatch count
 * (0 = exact), or a negative errno.  A dma-buf view is re-synced first,
 * so a held mapping shows what the guest wrote since.
 */
static long
compare(const struct plane *p, uint64_t frame, uint32_t *bx, uint32_t *by)
{
	if (p->view.is_dmabuf) {
		tier_dmabuf_sync(p->view.fd,
				 DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
		tier_dmabuf_sync(p->view.fd,
				 DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	}
	return vgfb_pattern_compare(p->view.addr, p->info.drm_format,
				    p->info.width, p->info.height,
				    p->info.stride, frame, NULL, bx, by);
}

static bool
geometry_is(const struct plane *p, uint32_t format, uint32_t w, uint32_t h)
{
	const struct vfio_device_gfx_plane_info *i = &p->info;

	return i->drm_format == format && i->width == w && i->height == h &&
	       i->stride >= w * vgfb_format_cpp(format) &&
	       i->size >= (uint64_t)i->stride * h;
}

static void
describe(const struct consumer *c, const struct plane *p, char *buf,
	 size_t len)
{
	char f[5];

	snprintf(buf, len, "%s %ux%u stride %u size %u %s %u frame_seq %" PRIu64,
		 fourcc(p->info.drm_format, f), p->info.width, p->info.height,
		 p->info.stride, p->info.size,
		 c->dmabuf ? "dmabuf_id" : "region_index", plane_id(c, p),
		 p->ext.frame_seq);
}

/* Map the plane's buffer and check every pixel against `frame`. */
static bool
check_pixels(struct consumer *c, struct plane *p, uint64_t frame,
	     const char *check)
{
	uint32_t bx = 0, by = 0;
	long bad;
	int rc;

	rc = tool_map_plane(c->ctx, c->flag, &p->info, &p->view);
	if (rc) {
		result(c, check, "FAIL", "%s of id %u: %s",
		       c->dmabuf ? "vgfb_get_gfx_dmabuf + mmap"
				 : "vgfb_get_region_fd + mmap",
		       plane_id(c, p), strerror(-rc));
		return false;
	}
	bad = compare(p, frame, &bx, &by);
	if (bad == 0) {
		result(c, check, "PASS", "%s id %u: all %u pixels match pattern frame %" PRIu64,
		       c->dmabuf ? "dma-buf" : "region", plane_id(c, p),
		       p->info.width * p->info.height, frame);
		return true;
	}
	if (bad < 0)
		result(c, check, "FAIL", "pattern compare: %s", strerror((int)-bad));
	else
		result(c, check, "FAIL", "%s id %u: %ld of %u pixels differ from pattern frame %" PRIu64 ", first at %u,%u",
		       c->dmabuf ? "dma-buf" : "region", plane_id(c, p), bad,
		       p->info.width * p->info.height, frame, bx, by);
	return false;
}

/* ---- events ---- */

/*
 * Wait up to timeout_ms for an event of `type` on head 0's primary (or a
 * GUEST_GONE when that is the type).  Every event seen is logged and
 * noted in `seen` (a VGFB_EVENT_MASK set).  0, -ETIMEDOUT or -ENODEV
 * (the guest went away first).
 */
static int
wait_event(struct consumer *c, uint32_t type, int timeout_ms,
	   struct vgfb_event *out, uint32_t *seen)
{
	long long deadline = tier_now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = c->event_fd, .events = POLLIN };

	for (;;) {
		struct vgfb_event ev;
		long long left;

		while (vgfb_read_event(c->ctx, &ev) == 0) {
			printf("VGFB_INFO event %s head %u plane %u frame_seq %" PRIu64 "\n",
			       tool_event_name(ev.type), ev.head,
			       ev.drm_plane_type, ev.frame_seq);
			if (seen)
				*seen |= VGFB_EVENT_MASK(ev.type);
			if (ev.type == type &&
			    (type == VGFB_EVENT_GUEST_GONE ||
			     (ev.head == 0 &&
			      ev.drm_plane_type == PLANE_PRIMARY))) {
				if (out)
					*out = ev;
				return 0;
			}
			if (ev.type == VGFB_EVENT_GUEST_GONE)
				return -ENODEV;
		}
		left = deadline - tier_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
	}
}

static void
drain_events(struct consumer *c)
{
	struct vgfb_event ev;

	while (vgfb_read_event(c->ctx, &ev) == 0)
		printf("VGFB_INFO event %s head %u plane %u frame_seq %" PRIu64 "\n",
		       tool_event_name(ev.type), ev.head, ev.drm_plane_type,
		       ev.frame_seq);
}

static const char *
seen_names(uint32_t seen, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (uint32_t t = 1; t < 32 && off < len; t++)
		if (seen & VGFB_EVENT_MASK(t))
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						off ? "," : "",
						tool_event_name(t));
	if (!buf[0])
		snprintf(buf, len, "none");
	return buf;
}

/*
 * PROBE for a dma-buf (else the region) and set c->flag, then query head
 * 0's primary until it is enabled (waiting on PLANE_CHANGED), c->timeout_s
 * passes, or the guest's log holds give_up_on (NULL: never), the line the
 * guest program that would enable it prints when it gives up.  The
 * query's error, or -ENODEV (GUEST_GONE); 0 with p->info.drm_format 0
 * when the plane stayed disabled.
 */
static int
plane_up(struct consumer *c, struct plane *p, const char *give_up_on)
{
	struct vfio_device_gfx_plane_info probe = {
		.argsz = sizeof(probe),
		.flags = VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF,
	};
	long long t0;
	int rc;

	c->dmabuf = vgfb_query_plane(c->ctx, &probe) == 0;
	c->flag = c->dmabuf ? VFIO_GFX_PLANE_TYPE_DMABUF
			    : VFIO_GFX_PLANE_TYPE_REGION;
	if (!c->dmabuf) {
		probe.flags = VFIO_GFX_PLANE_TYPE_PROBE |
			      VFIO_GFX_PLANE_TYPE_REGION;
		rc = vgfb_query_plane(c->ctx, &probe);
		printf("VGFB_INFO no dma-buf exporter (exporter %s, vgfb.ko loaded: %s): region mode, PROBE|REGION %s\n",
		       vgfb_get_exporter_name(c->ctx),
		       access("/dev/vgfb", F_OK) == 0 ? "yes" : "no",
		       rc ? strerror(-rc) : "ok");
	}
	t0 = tier_now_ms();
	for (;;) {
		rc = query(c, p);
		if (rc || p->info.drm_format ||
		    tier_now_ms() - t0 > c->timeout_s * 1000LL)
			break;
		/* a guest client that gave up will never enable the plane */
		if (give_up_on && log_has(c, give_up_on))
			break;
		rc = wait_event(c, VGFB_EVENT_PLANE_CHANGED, 1000, NULL, NULL);
		if (rc == -ENODEV)
			break;
	}
	return rc;
}

/* ---- the guest ---- */

/* Write `step` into the guest's node /local/domain/<domid>/<node>. */
static int
write_step(struct consumer *c, const char *node, int step)
{
	struct xs_permissions perms[2] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = c->domid, .perms = XS_PERM_READ },
	};
	char path[96], v[16];

	snprintf(path, sizeof(path), "/local/domain/%u/%s", c->domid, node);
	snprintf(v, sizeof(v), "%d", step);
	if (!xs_write(c->xs, XBT_NULL, path, v, strlen(v)) ||
	    !xs_set_permissions(c->xs, XBT_NULL, path, perms, 2)) {
		printf("VGFB_INFO cannot write %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	printf("VGFB_INFO wrote %s = %s\n", path, v);
	return 0;
}

/* 1: the domain exists (dying or not), 0: gone, negative errno. */
static int
domain_exists(uint32_t domid, bool *dying)
{
	xc_interface *xc = xc_interface_open(NULL, NULL, 0);
	xc_dominfo_t info;
	int rc;

	if (!xc)
		return -errno;
	rc = xc_domain_getinfo(xc, domid, 1, &info) == 1 && info.domid == domid;
	if (rc && dying)
		*dying = info.dying;
	xc_interface_close(xc);
	return rc;
}

/* Xen's free memory in pages, or -1: a leaked grant or foreign mapping
 * keeps pages of a destroyed domain from coming back. */
static long long
xen_free_pages(void)
{
	xc_interface *xc = xc_interface_open(NULL, NULL, 0);
	xc_physinfo_t info = { 0 };
	long long n = -1;

	if (!xc)
		return -1;
	if (xc_physinfo(xc, &info) == 0)
		n = (long long)info.free_pages;
	xc_interface_close(xc);
	return n;
}

/* ---- reading a mapping whose guest died ---- */

static sigjmp_buf bus_jmp;

static void
on_bus(int sig)
{
	siglongjmp(bus_jmp, sig);
}

/* Read every byte; 0, or the signal that stopped it. */
static int
read_all(const struct plane *p, uint64_t *sum)
{
	struct sigaction sa = { .sa_handler = on_bus }, old_bus, old_segv;
	const volatile uint8_t *b = p->view.addr;
	int sig;

	*sum = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	sig = sigsetjmp(bus_jmp, 1);
	if (sig == 0) {
		for (size_t i = 0; i < p->view.size; i++)
			*sum += b[i];
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return sig;
}

/* ---- the vfb scenario (--mode vfb, hook 38-vgfbd-vfb-events) ---- */

#define VFB_STEP_NODE "data/vgfb-fb-step"	/* guest-fb's */
#define VFB_W 800
#define VFB_H 600
#define VFB_NEW_W 640
#define VFB_NEW_H 480

static bool
rect_inside(const struct vgfb_rect *r, uint32_t w, uint32_t h)
{
	return r->width && r->height && r->x < w && r->y < h &&
	       r->width <= w - r->x && r->height <= h - r->y;
}

static void
rect_union(struct vgfb_rect *u, const struct vgfb_rect *r)
{
	uint32_t x2, y2;

	if (!u->width || !u->height) {
		*u = *r;
		return;
	}
	x2 = u->x + u->width > r->x + r->width ? u->x + u->width
					       : r->x + r->width;
	y2 = u->y + u->height > r->y + r->height ? u->y + u->height
						 : r->y + r->height;
	u->x = u->x < r->x ? u->x : r->x;
	u->y = u->y < r->y ? u->y : r->y;
	u->width = x2 - u->x;
	u->height = y2 - u->y;
}

static bool
rect_contains(const struct vgfb_rect *u, const struct vgfb_rect *r)
{
	return r->x >= u->x && r->y >= u->y &&
	       r->x + r->width <= u->x + u->width &&
	       r->y + r->height <= u->y + u->height;
}

/* Pixels of a mapped plane inside `clip` that differ from `frame`. */
static long
compare_clip(const struct plane *p, uint64_t frame,
	     const struct vgfb_rect *clip, uint32_t *bx, uint32_t *by)
{
	if (clip && (!clip->width || !clip->height))
		return 0;
	return vgfb_pattern_compare(p->view.addr, p->info.drm_format,
				    p->info.width, p->info.height,
				    p->info.stride, frame, clip, bx, by);
}

/*
 * Step 1: collect the DAMAGE events of the guest's redraw of `gr` (rows
 * of frame 5) until the guest has reported it and 1 s passed without
 * one; check each rect and their union.
 */
static void
vfb_damage_events(struct consumer *c, const struct plane *p0,
		  struct vgfb_rect *gr)
{
	struct vgfb_rect u = { 0 }, exp;
	struct vgfb_event ev;
	char line[256], names[128];
	uint64_t seq = p0->ext.frame_seq;
	uint32_t seen = 0, n = 0, outside = 0, stale = 0, stride;
	long long t0 = tier_now_ms(), first = -1;
	bool redrew = false;
	int rc;

	memset(gr, 0, sizeof(*gr));
	while (tier_now_ms() - t0 < 40000) {
		rc = wait_event(c, VGFB_EVENT_DAMAGE, 1000, &ev, &seen);
		if (rc == 0) {
			printf("VGFB_INFO damage %u,%u %ux%u frame_seq %" PRIu64 "\n",
			       ev.rect.x, ev.rect.y, ev.rect.width,
			       ev.rect.height, ev.frame_seq);
			if (first < 0)
				first = tier_now_ms() - t0;
			n++;
			if (!rect_inside(&ev.rect, VFB_W, VFB_H))
				outside++;
			else
				rect_union(&u, &ev.rect);
			if (ev.frame_seq <= seq)
				stale++;
			seq = ev.frame_seq;
			continue;
		}
		if (rc != -ETIMEDOUT)
			break;
		/* quiet for 1 s: done once the guest says it has drawn */
		if (!redrew)
			redrew = log_line(c, "VGFB_GUEST_FB redrew", line,
					  sizeof(line));
		if (redrew && n)
			break;
		if (redrew && tier_now_ms() - t0 > 15000)
			break;
	}
	if (!redrew) {
		result(c, "damage_event", "FAIL", "the guest did not report its redraw within 40 s (%s); %u DAMAGE events, events seen: %s",
		       log_line(c, "VGFB_GUEST_FB_ERROR", line, sizeof(line))
			       ? line : "no VGFB_GUEST_FB_ERROR either",
		       n, seen_names(seen, names, sizeof(names)));
		return;
	}
	if (!strstr(line, "rect=") ||
	    sscanf(strstr(line, "rect="), "rect=%u,%u,%ux%u", &gr->x, &gr->y,
		   &gr->width, &gr->height) != 4 ||
	    !rect_inside(gr, VFB_W, VFB_H)) {
		memset(gr, 0, sizeof(*gr));
		result(c, "damage_event", "FAIL", "cannot read a rect inside %ux%u from the guest's line: %s",
		       VFB_W, VFB_H, line);
		return;
	}
	/* what xen-fbfront's deferred io sends: the rows of the pages written */
	stride = p0->info.stride;
	exp.x = 0;
	exp.width = VFB_W;
	exp.y = (uint32_t)((uint64_t)gr->y * stride / 4096 * 4096 / stride);
	{
		uint64_t last = ((uint64_t)(gr->y + gr->height) * stride - 1) /
				4096 * 4096 + 4095;
		uint32_t y2 = (uint32_t)(last / stride);

		y2 = y2 > VFB_H - 1 ? VFB_H - 1 : y2;
		exp.height = y2 - exp.y + 1;
	}
	if (n == 0)
		result(c, "damage_event", "FAIL", "no DAMAGE on head 0 primary within %lld ms of step 1, the guest redrew %u,%u %ux%u; events seen: %s",
		       tier_now_ms() - t0, gr->x, gr->y, gr->width, gr->height,
		       seen_names(seen, names, sizeof(names)));
	else if (outside)
		result(c, "damage_event", "FAIL", "%u of %u DAMAGE rects empty or outside %ux%u (see VGFB_INFO)",
		       outside, n, VFB_W, VFB_H);
	else if (stale)
		result(c, "damage_event", "FAIL", "%u of %u DAMAGE events did not advance frame_seq (from %" PRIu64 ")",
		       stale, n, p0->ext.frame_seq);
	else if (!rect_contains(&u, gr))
		result(c, "damage_event", "FAIL", "%u DAMAGE events, union %u,%u %ux%u does not cover the guest's redraw %u,%u %ux%u",
		       n, u.x, u.y, u.width, u.height, gr->x, gr->y,
		       gr->width, gr->height);
	else
		result(c, "damage_event", "PASS", "%u DAMAGE events (first after %lld ms), all inside %ux%u, frame_seq %" PRIu64 " -> %" PRIu64 "; union %u,%u %ux%u covers the guest's redraw %u,%u %ux%u (page-granular rows %u..%u expected from deferred io: %s)",
		       n, first, VFB_W, VFB_H, p0->ext.frame_seq, seq, u.x,
		       u.y, u.width, u.height, gr->x, gr->y, gr->width,
		       gr->height, exp.y, exp.y + exp.height - 1,
		       memcmp(&u, &exp, sizeof(u)) == 0 ? "exact" : "differs");
}

/* Step 1's pixels: `gr` shows frame 5, the rows above and below frame 0. */
static void
vfb_damage_pixels(struct consumer *c, const struct vgfb_rect *gr)
{
	struct vgfb_rect above, below;
	struct plane p;
	char d[160];
	uint32_t bx = 0, by = 0, bx0 = 0, by0 = 0;
	long bad, bad0, same;
	int rc;

	if (!gr->width) {
		result(c, "damage_pixels", "FAIL", "no redraw rect from the guest (see damage_event)");
		return;
	}
	rc = query(c, &p);
	describe(c, &p, d, sizeof(d));
	if (rc || !geometry_is(&p, DRM_FORMAT_XRGB8888, VFB_W, VFB_H)) {
		result(c, "damage_pixels", "FAIL", "re-query: %s: %s",
		       rc ? strerror(-rc) : "ok", d);
		return;
	}
	rc = tool_map_plane(c->ctx, c->flag, &p.info, &p.view);
	if (rc) {
		result(c, "damage_pixels", "FAIL", "map id %u: %s",
		       plane_id(c, &p), strerror(-rc));
		return;
	}
	above = (struct vgfb_rect){ 0, 0, VFB_W, gr->y };
	below = (struct vgfb_rect){ 0, gr->y + gr->height, VFB_W,
				    VFB_H - gr->y - gr->height };
	bad = compare_clip(&p, 5, gr, &bx, &by);
	bad0 = compare_clip(&p, 0, &above, &bx0, &by0);
	if (bad0 == 0)
		bad0 = compare_clip(&p, 0, &below, &bx0, &by0);
	/* frame 5 must be tellable from frame 0 there, or this proves nothing */
	same = (long)gr->width * gr->height - compare_clip(&p, 0, gr, NULL, NULL);
	if (bad == 0 && bad0 == 0 && same < (long)gr->width * gr->height / 2)
		result(c, "damage_pixels", "PASS", "%s id %u (%s): the guest's redraw %u,%u %ux%u is pattern frame 5 and the rows outside it frame 0, pixel for pixel",
		       c->dmabuf ? "dma-buf" : "region", plane_id(c, &p), d,
		       gr->x, gr->y, gr->width, gr->height);
	else if (bad || bad0)
		result(c, "damage_pixels", "FAIL", "%s id %u: %ld pixels of %u,%u %ux%u differ from frame 5 (first at %u,%u), %ld outside from frame 0 (first at %u,%u)",
		       c->dmabuf ? "dma-buf" : "region", plane_id(c, &p), bad,
		       gr->x, gr->y, gr->width, gr->height, bx, by, bad0,
		       bx0, by0);
	else
		result(c, "damage_pixels", "FAIL", "frames 5 and 0 agree on %ld pixels of the rect: the check cannot tell them apart",
		       same);
	tool_unmap_plane(&p.view);
}

/* Step 2: RESIZE -> PLANE_CHANGED, 640x480 at the guest's stride, frame 6. */
static void
vfb_resize(struct consumer *c, const struct plane *p0)
{
	struct vgfb_event ev;
	struct plane p;
	char line[256], names[128], d[160];
	uint32_t seen = 0, stride = 0, bx = 0, by = 0;
	long long t0 = tier_now_ms(), ms;
	long bad;
	bool resized;
	int rc;

	drain_events(c);
	if (write_step(c, VFB_STEP_NODE, 2)) {
		result(c, "resize_event", "FAIL", "cannot write step 2");
		return;
	}
	rc = wait_event(c, VGFB_EVENT_PLANE_CHANGED, 30000, &ev, &seen);
	ms = tier_now_ms() - t0;
	/* the guest prints after drawing frame 6 and msync */
	resized = wait_log(c, "VGFB_GUEST_FB resized", line, sizeof(line),
			   30000);
	if (resized && strstr(line, "stride="))
		stride = (uint32_t)strtoul(strstr(line, "stride=") + 7, NULL, 10);
	if (rc) {
		result(c, "resize_event", "FAIL", "no PLANE_CHANGED on head 0 primary within 30 s of step 2 (%s); events seen: %s; guest: %s",
		       strerror(-rc), seen_names(seen, names, sizeof(names)),
		       resized ? line :
		       log_line(c, "VGFB_GUEST_FB_ERROR", line, sizeof(line))
			       ? line : "no resize reported");
		return;
	}
	if (!resized || !stride) {
		result(c, "resize_event", "FAIL", "PLANE_CHANGED after %lld ms, but the guest reported no resize with a stride: %s",
		       ms, log_line(c, "VGFB_GUEST_FB_ERROR", line, sizeof(line))
				   ? line : "nothing");
		return;
	}
	drain_events(c);	/* the UPDATEs of frame 6 (logged) */
	rc = query(c, &p);
	describe(c, &p, d, sizeof(d));
	if (rc) {
		result(c, "resize_event", "FAIL", "re-query after PLANE_CHANGED: %s",
		       strerror(-rc));
		return;
	}
	if (!geometry_is(&p, DRM_FORMAT_XRGB8888, VFB_NEW_W, VFB_NEW_H) ||
	    p.info.stride != stride) {
		result(c, "resize_event", "FAIL", "after PLANE_CHANGED: %s, expected XRGB8888 %ux%u stride %u (the guest's)",
		       d, VFB_NEW_W, VFB_NEW_H, stride);
		return;
	}
	if (ev.frame_seq <= p0->ext.frame_seq) {
		result(c, "resize_event", "FAIL", "PLANE_CHANGED kept frame_seq %" PRIu64,
		       ev.frame_seq);
		return;
	}
	result(c, "resize_event", "PASS", "PLANE_CHANGED %lld ms after step 2, frame_seq %" PRIu64 " -> %" PRIu64 "; re-query: %s, the stride the guest printed",
	       ms, p0->ext.frame_seq, ev.frame_seq, d);

	rc = tool_map_plane(c->ctx, c->flag, &p.info, &p.view);
	if (rc) {
		result(c, "resize_pixels", "FAIL", "map id %u: %s",
		       plane_id(c, &p), strerror(-rc));
		return;
	}
	bad = compare_clip(&p, 6, NULL, &bx, &by);
	if (bad == 0)
		result(c, "resize_pixels", "PASS", "%s id %u: all %u pixels of %ux%u match pattern frame 6",
		       c->dmabuf ? "dma-buf" : "region", plane_id(c, &p),
		       VFB_NEW_W * VFB_NEW_H, VFB_NEW_W, VFB_NEW_H);
	else
		result(c, "resize_pixels", "FAIL", "%s id %u: %ld of %u pixels differ from pattern frame 6, first at %u,%u",
		       c->dmabuf ? "dma-buf" : "region", plane_id(c, &p), bad,
		       VFB_NEW_W * VFB_NEW_H, bx, by);
	tool_unmap_plane(&p.view);
}

/*
 * The vfb scenario against `vgfbd --target xen:DOMID,vdispl=off`: head
 * 0 is the guest's xen-fbfront, guest-fb follows data/vgfb-fb-step.
 */
static int
run_vfb(struct consumer *c)
{
	struct plane p0;
	struct vgfb_rect gr;
	char d[160], line[256];
	long long t0 = tier_now_ms();
	long bad;
	int rc;

	rc = plane_up(c, &p0, NULL);
	describe(c, &p0, d, sizeof(d));
	if (rc || !p0.info.drm_format) {
		result(c, "query", "FAIL", "head 0 primary not enabled after %lld ms: %s",
		       tier_now_ms() - t0, rc ? strerror(-rc) : "disabled");
		return 1;
	}
	if (!geometry_is(&p0, DRM_FORMAT_XRGB8888, VFB_W, VFB_H)) {
		result(c, "query", "FAIL", "head 0 primary is %s, expected XRGB8888 %ux%u",
		       d, VFB_W, VFB_H);
		return 1;
	}
	result(c, "query", "PASS", "head 0 primary %s (after %lld ms)", d,
	       tier_now_ms() - t0);
	/* what guest-draw left: frame 0 (hook 30 checks it; here for context) */
	if (tool_map_plane(c->ctx, c->flag, &p0.info, &p0.view) == 0) {
		bad = compare_clip(&p0, 0, NULL, NULL, NULL);
		printf("VGFB_INFO before step 1: %ld pixels differ from frame 0\n",
		       bad);
		tool_unmap_plane(&p0.view);
	}
	if (!wait_log(c, "VGFB_GUEST_FB ready", line, sizeof(line), 30000)) {
		result(c, "damage_event", "FAIL", "guest-fb is not ready: %s",
		       log_line(c, "VGFB_GUEST_FB_ERROR", line, sizeof(line))
			       ? line : "no VGFB_GUEST_FB line in 30 s");
		return 1;
	}
	printf("VGFB_INFO guest: %s\n", line);
	drain_events(c);

	if (write_step(c, VFB_STEP_NODE, 1)) {
		result(c, "damage_event", "FAIL", "cannot write step 1");
		return 1;
	}
	vfb_damage_events(c, &p0, &gr);
	vfb_damage_pixels(c, &gr);
	vfb_resize(c, &p0);
	vgfb_close(c->ctx);
	xs_close(c->xs);
	return 0;
}

/* ---- the vdispl scenario, one step a function ---- */

/* The planes the vdispl scenario holds, and which of them show a frame. */
struct vdispl_run {
	struct plane pa, pb, pb2, pc;	/* A, B (queried twice), C */
	bool have_a, have_b, have_c;
};

/* 1. the plane comes up: PROBE, then the real query.  false: give up. */
static bool
step_query(struct consumer *c, struct vdispl_run *r)
{
	long long t0 = tier_now_ms();
	char d[160];
	int rc;

	rc = plane_up(c, &r->pa, "VGFB_GUEST_DRM_ERROR");
	if (rc || !r->pa.info.drm_format) {
		result(c, "query", "FAIL", "head 0 primary not enabled after %lld ms: %s; guest: %s",
		       tier_now_ms() - t0, rc ? strerror(-rc) : "disabled",
		       log_has(c, "VGFB_GUEST_DRM_ERROR") ? "guest-drm failed (VGFB_GUEST_DRM_ERROR)" :
		       log_has(c, "VGFB_GUEST_DRM shown fb=A") ? "showed A" :
		       log_has(c, "VGFB_GUEST_DRM card0") ? "has card0, A not shown" :
							    "no card0");
		return false;
	}
	describe(c, &r->pa, d, sizeof(d));
	if (!geometry_is(&r->pa, DRM_FORMAT_XRGB8888, WIDTH, HEIGHT)) {
		result(c, "query", "FAIL", "head 0 primary is %s, expected XRGB8888 %ux%u", d,
		       WIDTH, HEIGHT);
		return false;
	}
	result(c, "query", "PASS", "head 0 primary %s (after %lld ms)", d,
	       tier_now_ms() - t0);
	return true;
}

/* 2. A's pixels through its dma-buf (or its region without vgfb.ko). */
static void
step_pixels(struct consumer *c, struct vdispl_run *r)
{
	r->have_a = check_pixels(c, &r->pa, 1,
				 c->dmabuf ? "dmabuf_pixels" : "region_pixels");
	if (!c->dmabuf)
		result(c, "dmabuf_pixels", "SKIP", "no dma-buf exporter in this dom0 (exporter %s): checked the region instead",
		       vgfb_get_exporter_name(c->ctx));
	/* the zero-copy check below must be able to tell frame 4 from 1 */
	if (r->have_a && compare(&r->pa, 4, NULL, NULL) <= 0) {
		printf("VGFB_INFO A already equals frame 4 before the redraw: zero copy unprovable\n");
		r->have_a = false;
	}
	drain_events(c);
}

/* 3. step 1: the guest flips to B.  false: the guest cannot be driven. */
static bool
step_flip(struct consumer *c, struct vdispl_run *r)
{
	struct vgfb_event ev;
	char d1[160], d2[160], names[128];
	uint32_t seen = 0;
	long long t0;
	int rc;

	if (write_step(c, VDISPL_STEP_NODE, 1))
		return false;
	t0 = tier_now_ms();
	rc = wait_event(c, VGFB_EVENT_FLIP, 30000, &ev, &seen);
	if (rc) {
		result(c, "flip_event", "FAIL", "no FLIP on head 0 primary within 30 s (%s); events seen: %s; guest %s",
		       strerror(-rc), seen_names(seen, names, sizeof(names)),
		       log_has(c, "VGFB_GUEST_DRM flipped") ? "flipped" : "did not report the flip");
		/* a PLANE_CHANGED instead still lets the rest run */
	} else if (ev.frame_seq == r->pa.ext.frame_seq) {
		result(c, "flip_event", "FAIL", "FLIP kept frame_seq %" PRIu64,
		       ev.frame_seq);
	} else {
		result(c, "flip_event", "PASS", "FLIP after %lld ms, frame_seq %" PRIu64 " -> %" PRIu64 "%s",
		       tier_now_ms() - t0, r->pa.ext.frame_seq, ev.frame_seq,
		       (seen & ~VGFB_EVENT_MASK(VGFB_EVENT_FLIP))
			       ? " (other events too, see VGFB_INFO)" : "");
	}
	rc = query(c, &r->pb);
	if (rc == 0)
		rc = query(c, &r->pb2);	/* twice: the id must be stable */
	describe(c, &r->pb, d1, sizeof(d1));
	if (rc) {
		result(c, "flip_pixels", "FAIL", "re-query: %s", strerror(-rc));
	} else if (!geometry_is(&r->pb, DRM_FORMAT_XRGB8888, WIDTH, HEIGHT)) {
		result(c, "flip_pixels", "FAIL", "after the flip: %s", d1);
	} else if (plane_id(c, &r->pb) == plane_id(c, &r->pa) && c->dmabuf) {
		result(c, "flip_pixels", "FAIL", "B has A's dmabuf_id %u: %s",
		       plane_id(c, &r->pa), d1);
	} else if (plane_id(c, &r->pb) != plane_id(c, &r->pb2) && c->dmabuf) {
		describe(c, &r->pb2, d2, sizeof(d2));
		result(c, "flip_pixels", "FAIL", "dmabuf_id not stable: %s, then %s",
		       d1, d2);
	} else {
		printf("VGFB_INFO after the flip: %s\n", d1);
		r->have_b = check_pixels(c, &r->pb, 2, "flip_pixels");
	}
	return true;
}

/* 4. zero copy: A, held since step 0, shows frame 4. */
static void
step_zero_copy(struct consumer *c, struct vdispl_run *r)
{
	uint32_t bx, by;
	long long t0;
	long bad;

	if (!c->dmabuf) {
		result(c, "zero_copy", "SKIP", "region mode: a region is a copy that the library brings up to date on its own calls (docs/abi.md), only a dma-buf is zero copy");
	} else if (!r->have_a) {
		result(c, "zero_copy", "FAIL", "no mapping of A's dma-buf to watch");
	} else {
		t0 = tier_now_ms();
		do {
			bad = compare(&r->pa, 4, &bx, &by);
			if (bad == 0)
				break;
			usleep(300000);
		} while (tier_now_ms() - t0 < 30000);
		if (bad == 0)
			result(c, "zero_copy", "PASS", "A's dma-buf (id %u), mapped once before the flip, shows the guest's redraw: frame 4 pixel for pixel after %lld ms",
			       plane_id(c, &r->pa), tier_now_ms() - t0);
		else
			result(c, "zero_copy", "FAIL", "A's held dma-buf: %ld pixels differ from frame 4 after 30 s (first at %u,%u; frame 1 diff %ld); guest %s",
			       bad, bx, by, compare(&r->pa, 1, NULL, NULL),
			       log_has(c, "VGFB_GUEST_DRM redrew fb=A frame=4")
				       ? "reported the redraw"
				       : "did not report the redraw");
	}
	drain_events(c);
}

/* 5. step 2: off, then the RGB565 buffer C. */
static void
step_mode_change(struct consumer *c, struct vdispl_run *r)
{
	struct vgfb_event ev;
	char d[160], names[128];
	uint32_t seen = 0;
	long long t0;
	int rc;

	if (write_step(c, VDISPL_STEP_NODE, 2))
		return;
	t0 = tier_now_ms();
	/*
	 * PLANE_DISABLED, then PLANE_CHANGED.  The event queues coalesce: a
	 * PLANE_CHANGED supersedes a PLANE_DISABLED still queued (docs/abi.md),
	 * so when both come in one burst only the second may arrive.  The
	 * disable then still shows in frame_seq: each change of the plane
	 * advances it, so the enable lands at least two past B's.
	 */
	rc = wait_event(c, VGFB_EVENT_PLANE_CHANGED, 30000, &ev, &seen);
	if (rc) {
		result(c, "mode_change", "FAIL", "expected PLANE_DISABLED then PLANE_CHANGED: %s; events seen: %s; guest %s",
		       strerror(-rc), seen_names(seen, names, sizeof(names)),
		       log_has(c, "VGFB_GUEST_DRM shown fb=C") ? "showed C" : "did not report C");
		return;
	}
	if (!(seen & VGFB_EVENT_MASK(VGFB_EVENT_PLANE_DISABLED)) &&
	    ev.frame_seq < r->pb.ext.frame_seq + 2) {
		result(c, "mode_change", "FAIL", "PLANE_CHANGED at frame_seq %" PRIu64 " after B's %" PRIu64 " with no PLANE_DISABLED: the connector was never turned off",
		       ev.frame_seq, r->pb.ext.frame_seq);
		return;
	}
	rc = query(c, &r->pc);
	describe(c, &r->pc, d, sizeof(d));
	if (rc)
		result(c, "mode_change", "FAIL", "re-query: %s", strerror(-rc));
	else if (!geometry_is(&r->pc, DRM_FORMAT_RGB565, WIDTH, HEIGHT))
		result(c, "mode_change", "FAIL", "after the mode change: %s, expected RGB565 %ux%u",
		       d, WIDTH, HEIGHT);
	else if (c->dmabuf && (plane_id(c, &r->pc) == plane_id(c, &r->pa) ||
			       plane_id(c, &r->pc) == plane_id(c, &r->pb)))
		result(c, "mode_change", "FAIL", "C reuses A's or B's dmabuf_id: %s", d);
	else {
		printf("VGFB_INFO %sPLANE_CHANGED in %lld ms; now %s\n",
		       seen & VGFB_EVENT_MASK(VGFB_EVENT_PLANE_DISABLED) ?
		       "PLANE_DISABLED, " : "(PLANE_DISABLED coalesced) ",
		       tier_now_ms() - t0, d);
		r->have_c = check_pixels(c, &r->pc, 3, "mode_change");
	}
}

/* 6. destroy the guest while its buffers are held. */
static void
step_destroy(struct consumer *c, struct vdispl_run *r)
{
	struct plane *held = r->have_c ? &r->pc : r->have_b ? &r->pb :
			     r->have_a ? &r->pa : NULL;
	uint64_t pages = 0, buffers = 0, sum;
	bool dying = false;
	char cmd[64];
	long long t0;
	int rc, sig, exists;
	long bad;

	drain_events(c);
	if (tier_kmod_usage(-1, &pages, &buffers) == 0)
		printf("VGFB_INFO vgfb.ko before destroy: %" PRIu64 " pages in %" PRIu64 " buffers\n",
		       pages, buffers);
	snprintf(cmd, sizeof(cmd), "xl destroy %u", c->domid);
	t0 = tier_now_ms();
	rc = system(cmd);
	printf("VGFB_INFO %s: status %d after %lld ms\n", cmd, rc, tier_now_ms() - t0);
	rc = wait_event(c, VGFB_EVENT_GUEST_GONE, 30000, NULL, NULL);
	if (rc) {
		result(c, "destroy_held", "FAIL", "no GUEST_GONE within 30 s of xl destroy: %s",
		       strerror(-rc));
	} else if (!held) {
		result(c, "destroy_held", "FAIL", "GUEST_GONE after %lld ms, but no buffer was held (earlier steps failed)",
		       tier_now_ms() - t0);
	} else if ((sig = read_all(held, &sum))) {
		result(c, "destroy_held", "FAIL", "GUEST_GONE; reading the held %s mapping: %s",
		       c->dmabuf ? "dma-buf" : "region", strsignal(sig));
	} else {
		bad = compare(held, r->have_c ? 3 : r->have_b ? 2 : 1, NULL, NULL);
		exists = domain_exists(c->domid, &dying);
		result(c, "destroy_held", "PASS", "GUEST_GONE %lld ms after xl destroy; the held %s (id %u, %u bytes) stays readable, %ld pixels differ from the frame it showed; meanwhile d%u is %s",
		       tier_now_ms() - t0, c->dmabuf ? "dma-buf" : "region",
		       plane_id(c, held), held->info.size, bad,
		       c->domid, exists == 0 ? "gone" : dying ? "dying (held)" : "listed");
	}
	/* a query of a dead guest must not crash or hang */
	rc = query(c, &r->pb2);
	printf("VGFB_INFO query after GUEST_GONE: %s (format %08x)\n",
	       rc ? strerror(-rc) : "ok", r->pb2.info.drm_format);
}

/* 7. close everything; dom0 must be clean (VGFB_CLEAN, for the hook). */
static void
step_clean(struct consumer *c, struct vdispl_run *r)
{
	uint64_t pages = 0, buffers = 0;
	bool ok, dying = false;
	long long t0;
	int rc, exists;

	tool_unmap_plane(&r->pa.view);
	tool_unmap_plane(&r->pb.view);
	tool_unmap_plane(&r->pc.view);
	vgfb_close(c->ctx);
	xs_close(c->xs);
	t0 = tier_now_ms();
	do {
		exists = domain_exists(c->domid, &dying);
		rc = tier_kmod_usage(-1, &pages, &buffers);
		ok = exists == 0 && (rc == -ENODEV || (rc == 0 && pages == 0 &&
						       buffers == 0));
		if (ok)
			break;
		usleep(250000);
	} while (tier_now_ms() - t0 < 15000);
	if (rc == -ENODEV)
		printf("VGFB_CLEAN domain=%s kmod_pages=none kmod_buffers=none after_ms=%lld xen_free_pages=%lld\n",
		       exists == 0 ? "gone" : dying ? "dying" : "present",
		       tier_now_ms() - t0, xen_free_pages());
	else
		printf("VGFB_CLEAN domain=%s kmod_pages=%" PRIu64 " kmod_buffers=%" PRIu64 " after_ms=%lld xen_free_pages=%lld\n",
		       exists == 0 ? "gone" : dying ? "dying" : "present",
		       pages, buffers, tier_now_ms() - t0, xen_free_pages());
}

/* The whole vdispl scenario: steps 1-5 as far as the guest follows. */
static int
run_vdispl(struct consumer *c)
{
	struct vdispl_run r;

	memset(&r, 0, sizeof(r));
	if (step_query(c, &r)) {
		step_pixels(c, &r);
		if (step_flip(c, &r)) {
			step_zero_copy(c, &r);
			step_mode_change(c, &r);
		}
	}
	step_destroy(c, &r);
	step_clean(c, &r);
	return 0;
}

/*
 * --mode hold (hook 62-xen-backend-soak, one round): the plane comes up,
 * its pixels are checked through the dma-buf we then hold, and the guest
 * is destroyed under it (steps 1, 2, 6 and 7).
 */
static int
run_hold(struct consumer *c)
{
	struct vdispl_run r;

	memset(&r, 0, sizeof(r));
	if (step_query(c, &r))
		step_pixels(c, &r);
	step_destroy(c, &r);
	step_clean(c, &r);
	return 0;
}

/* ---- the program ---- */

enum scenario { SCENARIO_VDISPL, SCENARIO_VFB, SCENARIO_HOLD };

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: vdispl-consumer --target T --domid N --kind K [--guest-log PATH]\n"
		"                       [--log-from BYTES] [--timeout S] [--mode vdispl|vfb|hold]\n");
}

/* The options into c; 0, or the exit code: 2 on bad usage, -1 for --help. */
static int
parse_args(int argc, char **argv, struct consumer *c, const char **target,
	   enum scenario *mode)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "domid", required_argument, NULL, 'd' },
		{ "kind", required_argument, NULL, 'k' },
		{ "guest-log", required_argument, NULL, 'l' },
		{ "log-from", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "t:d:k:l:f:T:m:h", opts, NULL)) != -1) {
		switch (opt) {
		case 't': *target = optarg; break;
		case 'd': c->domid = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'k': c->kind = optarg; break;
		case 'l': c->guest_log = optarg; break;
		case 'f': c->log_from = strtol(optarg, NULL, 10); break;
		case 'T': c->timeout_s = atoi(optarg); break;
		case 'm':
			if (strcmp(optarg, "vdispl") == 0) {
				*mode = SCENARIO_VDISPL;
			} else if (strcmp(optarg, "vfb") == 0) {
				*mode = SCENARIO_VFB;
			} else if (strcmp(optarg, "hold") == 0) {
				*mode = SCENARIO_HOLD;
			} else {
				usage(stderr);
				return 2;
			}
			break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return 2;
		}
	}
	if (!*target || c->domid == 0 || c->timeout_s <= 0) {
		usage(stderr);
		return 2;
	}
	return 0;
}

/* xenstore, the library and its event fd; false after a FAIL line. */
static bool
open_consumer(struct consumer *c, const char *target)
{
	int rc;

	c->xs = xs_open(0);
	if (!c->xs) {
		result(c, "query", "FAIL", "xs_open: %s", strerror(errno));
		return false;
	}
	rc = vgfb_open(target, &c->ctx);
	if (rc) {
		result(c, "query", "FAIL", "vgfb_open(\"%s\"): %s", target,
		       strerror(-rc));
		return false;
	}
	rc = vgfb_subscribe(c->ctx, VGFB_EVENT_MASK_ALL);
	c->event_fd = vgfb_get_event_fd(c->ctx);
	if (rc || c->event_fd < 0) {
		result(c, "query", "FAIL", "vgfb_subscribe: %s / event fd: %s",
		       strerror(-rc), strerror(-c->event_fd));
		return false;
	}
	printf("VGFB_INFO opened %s: backend %s exporter %s\n", target,
	       vgfb_get_backend_name(c->ctx), vgfb_get_exporter_name(c->ctx));
	return true;
}

int
main(int argc, char **argv)
{
	struct consumer c = { .prefix = "vdispl", .kind = "guest",
			      .timeout_s = 120, .event_fd = -1 };
	const char *target = NULL;
	enum scenario mode = SCENARIO_VDISPL;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = parse_args(argc, argv, &c, &target, &mode);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (mode == SCENARIO_VFB)
		c.prefix = "vfb";
	else if (mode == SCENARIO_HOLD)
		c.prefix = "soak";
	if (!open_consumer(&c, target))
		return 1;
	switch (mode) {
	case SCENARIO_VFB:
		return run_vfb(&c);
	case SCENARIO_HOLD:
		return run_hold(&c);
	default:
		return run_vdispl(&c);
	}
}
