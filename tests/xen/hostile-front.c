// SPDX-License-Identifier: MIT
/*
 * hostile-front: a malicious display frontend, run from the userspace of
 * the xen tier's "vgfb-hostile" domU (guests/hostile.cfg, domu-init.sh).
 * That guest loads no display driver (initcall_blacklist=xenfb_init, no
 * drm_xen_front), so its vfb-0 and vdispl-0 devices stay unbound and this
 * program plays both frontends through the guest's generic Xen devices:
 *
 *   /dev/xen/xenbus    raw xenstore protocol (xs_wire.h): the frontend
 *                      directories are the guest's own, it writes anything
 *   /dev/xen/gntalloc  grant refs of pages it maps and rewrites at will
 *                      (module xen-gntalloc)
 *   /dev/xen/evtchn    event channels for dom0, notify (module xen-evtchn)
 *   /proc/self/pagemap the PFN of an mlock'ed page, which is its GFN in a
 *                      PVH guest: what xen-fbfront publishes as page-ref
 *
 * It waits until dom0's backend (vgfbd, hook 60-hostile-frontend) writes
 * InitWait, then runs one case after another and prints for each
 *
 *   VGFB_HOSTILE case=NAME outcome=OUTCOME [detail...]
 *
 * OUTCOME is what a frontend can observe: "status=N" (the response status
 * of a request, -XEN_Exxx), "closed" (the backend left Connected or went
 * to Closing/Closed: it refused the transport), "connected", "ignored"
 * (the backend consumed the input and stayed Connected), "timeout" (no
 * reaction at all), "event"/"no-event" (the PG_FLIP event page).  The hook
 * decides which outcomes are refusals.  Transport cases reconnect through
 * Closed -> Initialising, as a rebooted frontend driver would.
 *
 * Layouts come from Xen's own public headers (libxen-dev: io/displif.h,
 * io/fbif.h, io/xs_wire.h, sys/evtchn.h, sys/gntalloc.h), not from vgfb's
 * hand-computed ones, so the two are checked against each other too.
 *
 * Ends with VGFB_HOSTILE_DONE.  Usage: hostile-front [SECONDS]
 * (how long to wait for the backend's first InitWait, default 900).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <xen/io/displif.h>
#include <xen/io/fbif.h>
#include <xen/io/xs_wire.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntalloc.h>

#include "../tier-lib.h"

#define PAGE 4096u
#define FE_VD "device/vdispl/0"
#define FE_VFB "device/vfb/0"
#define T_STATE 20.0	/* s: one xenbus state step of the backend */
#define T_RSP 10.0	/* s: one response */

enum {
	XB_INITIALISING = 1, XB_INIT_WAIT = 2, XB_INITIALISED = 3,
	XB_CONNECTED = 4, XB_CLOSING = 5, XB_CLOSED = 6,
};

static int xb_fd = -1, ev_fd = -1, ga_fd = -1;
static uint32_t xb_req_id;
static unsigned int my_domid;
static char be_vd[128], be_vfb[128];

static void
report(const char *name, const char *outcome, const char *fmt, ...)
{
	char detail[256] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	printf("VGFB_HOSTILE case=%s outcome=%s%s%s\n", name, outcome,
	       detail[0] ? " " : "", detail);
	fflush(stdout);
}

/* ---- xenstore over /dev/xen/xenbus (no watches: replies only) ---- */

/*
 * One request: payload is a then (if b) b, as xs_wire.h wants them
 * ("path\0" for READ/RM, "path\0value" for WRITE).  Returns the reply's
 * length (value copied to out, NUL-terminated) or a negative errno.
 */
static int
xs_msg(uint32_t type, const char *a, const char *b, char *out, size_t outlen)
{
	char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h = { .type = type, .req_id = ++xb_req_id };
	size_t alen = strlen(a) + 1, blen = b ? strlen(b) : 0;

	if (alen + blen > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	h.len = (uint32_t)(alen + blen);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), a, alen);
	if (blen)
		memcpy(buf + sizeof(h) + alen, b, blen);
	if (write(xb_fd, buf, sizeof(h) + h.len) != (ssize_t)(sizeof(h) + h.len))
		return -EIO;
	if (tier_read_full(xb_fd, &h, sizeof(h)) ||
	    h.len > XENSTORE_PAYLOAD_MAX || tier_read_full(xb_fd, buf, h.len))
		return -EIO;
	buf[h.len] = '\0';
	if (h.type == XS_ERROR) {
		if (strcmp(buf, "ENOENT") == 0)
			return -ENOENT;
		if (strcmp(buf, "EACCES") == 0)
			return -EACCES;
		if (strcmp(buf, "EINVAL") == 0)
			return -EINVAL;
		if (strcmp(buf, "EAGAIN") == 0)
			return -EAGAIN;
		return -EIO;
	}
	if (out && outlen)
		snprintf(out, outlen, "%s", buf);
	return (int)h.len;
}

static int
xs_read(const char *path, char *out, size_t len)
{
	int rc = xs_msg(XS_READ, path, NULL, out, len);

	return rc < 0 ? rc : 0;
}

static int
xs_write(const char *dir, const char *node, const char *fmt, ...)
{
	char path[256], value[256];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, node);
	rc = xs_msg(XS_WRITE, path, value, NULL, 0);
	if (rc < 0)
		printf("VGFB_HOSTILE_WARN cannot write %s=%s: %s\n", path, value,
		       strerror(-rc));
	return rc < 0 ? rc : 0;
}

static void
xs_rm(const char *dir, const char *node)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	xs_msg(XS_RM, path, NULL, NULL, 0);
}

static int
xs_state(const char *dir)
{
	char path[256], v[32];

	snprintf(path, sizeof(path), "%s/state", dir);
	if (xs_read(path, v, sizeof(v)))
		return -1;
	return atoi(v);
}

/*
 * Wait until dir's state is one of mask's bits (1 << state).  Returns the
 * state, or -ETIMEDOUT (last state seen in *last).  Polls every 20 ms for
 * 2 s (a backend answering a step), then every 250 ms: each poll is a
 * round trip through dom0's xenstored, which the other guests' tests
 * share while we wait for the hook to start our backend.
 */
static int
wait_state(const char *dir, unsigned int mask, double secs, int *last)
{
	double start = tier_now(), end = start + secs;
	int s;

	for (;;) {
		s = xs_state(dir);
		if (last)
			*last = s;
		if (s >= 0 && s < 32 && (mask & (1u << s)))
			return s;
		if (tier_now() > end)
			return -ETIMEDOUT;
		usleep(tier_now() - start < 2 ? 20000 : 250000);
	}
}

#define M(s) (1u << (s))
#define GONE (M(XB_CLOSING) | M(XB_CLOSED))

/* ---- event channels and grants ---- */

/* A port dom0 may bind, or a negative errno. */
static int
evt_bind(void)
{
	struct ioctl_evtchn_bind_unbound_port b = { .remote_domain = 0 };
	int port = ioctl(ev_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &b);

	return port < 0 ? -errno : port;
}

static void
evt_unbind(int port)
{
	struct ioctl_evtchn_unbind u = { .port = (unsigned int)port };

	if (port > 0)
		ioctl(ev_fd, IOCTL_EVTCHN_UNBIND, &u);
}

static void
evt_notify(int port)
{
	struct ioctl_evtchn_notify n = { .port = (unsigned int)port };

	ioctl(ev_fd, IOCTL_EVTCHN_NOTIFY, &n);
}

struct gnt {
	void *p;
	uint32_t n;
	uint64_t index;
	uint32_t ref[];
};

/* n pages granted (writable) to domid, zeroed, mapped here. */
static struct gnt *
gnt_alloc(uint32_t n, uint16_t domid)
{
	struct ioctl_gntalloc_alloc_gref *a;
	struct gnt *g;

	a = calloc(1, sizeof(*a) + n * sizeof(uint32_t));
	g = calloc(1, sizeof(*g) + n * sizeof(uint32_t));
	if (!a || !g)
		goto out_free;
	a->domid = domid;
	a->flags = GNTALLOC_FLAG_WRITABLE;
	a->count = n;
	if (ioctl(ga_fd, IOCTL_GNTALLOC_ALLOC_GREF, a) < 0) {
		printf("VGFB_HOSTILE_WARN gntalloc of %u pages for domain %u: "
		       "%s\n", n, domid, strerror(errno));
		goto out_free;
	}
	g->n = n;
	g->index = a->index;
	memcpy(g->ref, a->gref_ids, n * sizeof(uint32_t));
	g->p = mmap(NULL, (size_t)n * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    ga_fd, (off_t)a->index);
	if (g->p == MAP_FAILED) {
		struct ioctl_gntalloc_dealloc_gref d = { a->index, n };

		ioctl(ga_fd, IOCTL_GNTALLOC_DEALLOC_GREF, &d);
		goto out_free;
	}
	memset(g->p, 0, (size_t)n * PAGE);
	free(a);
	return g;

out_free:
	free(a);
	free(g);
	return NULL;
}

static void
gnt_free(struct gnt *g)
{
	struct ioctl_gntalloc_dealloc_gref d;

	if (!g)
		return;
	munmap(g->p, (size_t)g->n * PAGE);
	/* gntalloc defers the release while dom0 still maps a page */
	d.index = g->index;
	d.count = g->n;
	ioctl(ga_fd, IOCTL_GNTALLOC_DEALLOC_GREF, &d);
	free(g);
}

static void *
gpage(struct gnt *g, uint32_t i)
{
	return (char *)g->p + (size_t)i * PAGE;
}

static void
put32(void *base, size_t off, uint32_t v)
{
	__atomic_store_n((uint32_t *)((char *)base + off), v, __ATOMIC_RELAXED);
}

static uint32_t
get32(const void *base, size_t off)
{
	return __atomic_load_n((const uint32_t *)((const char *)base + off),
			       __ATOMIC_RELAXED);
}

/* ==================== vdispl (displif.h) ==================== */

struct vd {
	struct gnt *req, *evt;
	int req_port, evt_port;
	uint32_t req_prod, rsp_cons, evt_cons;
	uint16_t id;
};

#define SR_REQ_PROD offsetof(struct xen_displif_sring, req_prod)
#define SR_REQ_EVENT offsetof(struct xen_displif_sring, req_event)
#define SR_RSP_PROD offsetof(struct xen_displif_sring, rsp_prod)
#define SR_RSP_EVENT offsetof(struct xen_displif_sring, rsp_event)
#define SR_RING offsetof(struct xen_displif_sring, ring)
#define SR_SLOTS 32u	/* __RING_SIZE of a 4096-byte page, 64-byte slots */
#define DIR_GREFS ((PAGE - offsetof(struct xendispl_page_directory, gref)) / \
		   sizeof(grant_ref_t))	/* 1023 */
#define EVT_IN_CONS offsetof(struct xendispl_event_page, in_cons)
#define EVT_IN_PROD offsetof(struct xendispl_event_page, in_prod)

static char vd_resolution[64] = "1024x768";

static void *
vd_slot(struct vd *c, uint32_t idx)
{
	return (char *)c->req->p + SR_RING +
	       (idx % SR_SLOTS) * sizeof(union xen_displif_sring_entry);
}

typedef void (*vd_tamper_fn)(struct vd *c);

/*
 * Frontend handshake as xen-drm-front does it: backend InitWait ->
 * rings, event channels, refs, Initialised -> backend Connected ->
 * Connected.  tamper() may overwrite any node before Initialised.
 * Returns 1 connected, 0 refused (backend Closing/Closed), -ETIMEDOUT
 * (no reaction), -ENOTCONN (no InitWait to start from), -ENOMEM.
 */
static int
vd_open(struct vd *c, vd_tamper_fn tamper, double initwait_secs)
{
	int s, last;

	memset(c, 0, sizeof(*c));
	c->req_port = c->evt_port = -1;
	if (wait_state(be_vd, M(XB_INIT_WAIT), initwait_secs, &last) < 0) {
		printf("VGFB_HOSTILE_INFO vdispl backend state %d, no InitWait "
		       "after %.0f s\n", last, initwait_secs);
		return -ENOTCONN;
	}
	c->req = gnt_alloc(1, 0);
	c->evt = gnt_alloc(1, 0);
	c->req_port = evt_bind();
	c->evt_port = evt_bind();
	if (!c->req || !c->evt || c->req_port < 0 || c->evt_port < 0)
		return -ENOMEM;
	/* SHARED_RING_INIT */
	put32(c->req->p, SR_REQ_EVENT, 1);
	put32(c->req->p, SR_RSP_EVENT, 1);
	xs_write(FE_VD, "0/req-ring-ref", "%u", c->req->ref[0]);
	xs_write(FE_VD, "0/req-event-channel", "%d", c->req_port);
	xs_write(FE_VD, "0/evt-ring-ref", "%u", c->evt->ref[0]);
	xs_write(FE_VD, "0/evt-event-channel", "%d", c->evt_port);
	if (tamper)
		tamper(c);
	xs_write(FE_VD, "state", "%d", XB_INITIALISED);
	s = wait_state(be_vd, M(XB_CONNECTED) | GONE, T_STATE, &last);
	if (s == XB_CONNECTED) {
		xs_write(FE_VD, "state", "%d", XB_CONNECTED);
		return 1;
	}
	if (s < 0)
		printf("VGFB_HOSTILE_INFO vdispl backend still in state %d\n",
		       last);
	return s < 0 ? s : 0;
}

/* Close like a frontend driver going away, then Initialising again. */
static void
vd_close(struct vd *c)
{
	xs_write(FE_VD, "state", "%d", XB_CLOSED);
	wait_state(be_vd, ~M(XB_CONNECTED), T_STATE, NULL);
	xs_rm(FE_VD, "0/req-ring-ref");
	xs_rm(FE_VD, "0/req-event-channel");
	xs_rm(FE_VD, "0/evt-ring-ref");
	xs_rm(FE_VD, "0/evt-event-channel");
	xs_rm(FE_VD, "be-alloc");
	xs_write(FE_VD, "be-alloc", "0");
	xs_write(FE_VD, "0/resolution", "%s", vd_resolution);
	xs_write(FE_VD, "0/unique-id", "c0");
	evt_unbind(c->req_port);
	evt_unbind(c->evt_port);
	gnt_free(c->req);
	gnt_free(c->evt);
	memset(c, 0, sizeof(*c));
	xs_write(FE_VD, "state", "%d", XB_INITIALISING);
}

/* Put rq in the next slot (id assigned here), publish it, notify. */
static void
vd_post(struct vd *c, struct xendispl_req *rq)
{
	rq->id = c->id++;
	memcpy(vd_slot(c, c->req_prod), rq, sizeof(*rq));
	c->req_prod++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	put32(c->req->p, SR_REQ_PROD, c->req_prod);
	evt_notify(c->req_port);
}

/*
 * Wait for the next response.  Returns 0 (status in *status), -EPIPE when
 * the backend leaves Connected, -ETIMEDOUT.
 */
static int
vd_wait(struct vd *c, int32_t *status)
{
	double end = tier_now() + T_RSP;
	struct xendispl_resp rsp;
	int n = 0, s;

	for (;;) {
		if (get32(c->req->p, SR_RSP_PROD) != c->rsp_cons) {
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			memcpy(&rsp, vd_slot(c, c->rsp_cons), sizeof(rsp));
			c->rsp_cons++;
			put32(c->req->p, SR_RSP_EVENT, c->rsp_cons + 1);
			*status = rsp.status;
			return 0;
		}
		if (++n % 50 == 0) {
			s = xs_state(be_vd);
			if (s != XB_CONNECTED)
				return -EPIPE;
		}
		if (tier_now() > end)
			return -ETIMEDOUT;
		usleep(2000);
	}
}

static int
vd_call(struct vd *c, struct xendispl_req *rq, int32_t *status)
{
	vd_post(c, rq);
	return vd_wait(c, status);
}

/* Report a request case: status=N, closed or timeout. */
static int32_t
vd_case(struct vd *c, const char *name, struct xendispl_req *rq)
{
	int32_t status = 1;
	char o[32];
	int rc;

	rc = vd_call(c, rq, &status);
	if (rc == -EPIPE)
		report(name, "closed", "backend state %d", xs_state(be_vd));
	else if (rc)
		report(name, "timeout", "no response in %.0f s", T_RSP);
	else {
		snprintf(o, sizeof(o), "status=%d", status);
		report(name, o, NULL);
	}
	return rc ? 1 : status;
}

static struct xendispl_req
dbuf_req(uint64_t cookie, uint32_t w, uint32_t h, uint32_t bpp, uint32_t size,
	 uint32_t dir)
{
	struct xendispl_req rq = { .operation = XENDISPL_OP_DBUF_CREATE };

	rq.op.dbuf_create.dbuf_cookie = cookie;
	rq.op.dbuf_create.width = w;
	rq.op.dbuf_create.height = h;
	rq.op.dbuf_create.bpp = bpp;
	rq.op.dbuf_create.buffer_sz = size;
	rq.op.dbuf_create.gref_directory = dir;
	return rq;
}

static struct xendispl_req
attach_req(uint64_t dbuf, uint64_t fb, uint32_t w, uint32_t h, uint32_t fmt)
{
	struct xendispl_req rq = { .operation = XENDISPL_OP_FB_ATTACH };

	rq.op.fb_attach.dbuf_cookie = dbuf;
	rq.op.fb_attach.fb_cookie = fb;
	rq.op.fb_attach.width = w;
	rq.op.fb_attach.height = h;
	rq.op.fb_attach.pixel_format = fmt;
	return rq;
}

static struct xendispl_req
config_req(uint64_t fb, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	struct xendispl_req rq = { .operation = XENDISPL_OP_SET_CONFIG };

	rq.op.set_config.fb_cookie = fb;
	rq.op.set_config.x = x;
	rq.op.set_config.y = y;
	rq.op.set_config.width = w;
	rq.op.set_config.height = h;
	rq.op.set_config.bpp = 32;
	return rq;
}

static struct xendispl_req
flip_req(uint64_t fb)
{
	struct xendispl_req rq = { .operation = XENDISPL_OP_PG_FLIP };

	rq.op.pg_flip.fb_cookie = fb;
	return rq;
}

/* A directory page: next, then entries (every non-zero entry kept). */
static void
dir_fill(void *page, uint32_t next, uint32_t first, uint32_t n,
	 const uint32_t *refs)
{
	const size_t gref = offsetof(struct xendispl_page_directory, gref);

	put32(page, offsetof(struct xendispl_page_directory,
			     gref_dir_next_page), next);
	for (uint32_t i = 0; i < n && i < DIR_GREFS; i++)
		put32(page, gref + 4 * i, refs ? refs[i] : first + i);
}

/* The pages the request cases point at, granted to the backend or not. */
struct vd_pages {
	struct gnt *data;	/* 64x64 XRGB8888: 16 KiB, 4 pages */
	struct gnt *dir;	/* one directory page listing data */
	struct gnt *dirs3;	/* three directory pages, rewritten per case */
	struct gnt *other;	/* granted to ourselves: dom0 may not map them */
};

/* DBUF_CREATE with bad sizes, bad directory and data grefs. */
static void
vd_dbuf_cases(struct vd *c, const struct vd_pages *g)
{
	struct xendispl_req rq;

	dir_fill(gpage(g->dir, 0), 0, 0, 4, g->data->ref);
	rq = dbuf_req(0x10, 64, 64, 32, 0, g->dir->ref[0]);
	vd_case(c, "dbuf_zero_size", &rq);
	rq = dbuf_req(0x10, 0, 0, 0, 0xfffff000u, g->dir->ref[0]);
	vd_case(c, "dbuf_huge_size", &rq);
	rq = dbuf_req(0x10, 64, 64, 32, 16384, 0);
	vd_case(c, "dbuf_gref_dir_0", &rq);
	rq = dbuf_req(0x10, 64, 64, 32, 16384, 0x7ffff0);
	vd_case(c, "dbuf_gref_dir_bogus", &rq);
	rq = dbuf_req(0x10, 64, 64, 32, 16384, g->other->ref[0]);
	vd_case(c, "dbuf_gref_dir_not_granted", &rq);
	rq = dbuf_req(0x10, 100000, 100000, 32, 16384, g->dir->ref[0]);
	vd_case(c, "dbuf_geometry_beyond_size", &rq);

	/* 2047 grefs need 3 directory pages; page 1 links back to page 0 */
	dir_fill(gpage(g->dirs3, 0), g->dirs3->ref[1], 0x100, DIR_GREFS, NULL);
	dir_fill(gpage(g->dirs3, 1), g->dirs3->ref[0], 0x100, DIR_GREFS, NULL);
	rq = dbuf_req(0x10, 0, 0, 0, 2047u * PAGE, g->dirs3->ref[0]);
	vd_case(c, "dbuf_dir_cyclic", &rq);
	/* 1030 grefs, but page 0 ends the chain */
	dir_fill(gpage(g->dirs3, 0), 0, 0x100, DIR_GREFS, NULL);
	rq = dbuf_req(0x10, 0, 0, 0, 1030u * PAGE, g->dirs3->ref[0]);
	vd_case(c, "dbuf_dir_too_short", &rq);
	/* 4 grefs, but page 0 links a page 1 */
	dir_fill(gpage(g->dirs3, 0), g->dirs3->ref[1], 0, 4, g->data->ref);
	rq = dbuf_req(0x10, 64, 64, 32, 16384, g->dirs3->ref[0]);
	vd_case(c, "dbuf_dir_too_long", &rq);
	/* a 0 among the grefs */
	dir_fill(gpage(g->dirs3, 0), 0, 0, 4, g->data->ref);
	put32(gpage(g->dirs3, 0), offsetof(struct xendispl_page_directory, gref) +
	      2 * sizeof(grant_ref_t), 0);
	rq = dbuf_req(0x10, 64, 64, 32, 16384, g->dirs3->ref[0]);
	vd_case(c, "dbuf_dir_gref_0", &rq);
	/* data grefs that do not exist, or are granted to someone else */
	dir_fill(gpage(g->dirs3, 0), 0, 0x7ffff0, 4, NULL);
	rq = dbuf_req(0x10, 64, 64, 32, 16384, g->dirs3->ref[0]);
	vd_case(c, "dbuf_data_gref_bogus", &rq);
	dir_fill(gpage(g->dirs3, 0), 0, 0, 4, g->other->ref);
	rq = dbuf_req(0x10, 64, 64, 32, 16384, g->dirs3->ref[0]);
	vd_case(c, "dbuf_data_not_granted", &rq);
}

/* The good dbuf 0x10 (a positive control), then FB_ATTACH and SET_CONFIG. */
static void
vd_fb_cases(struct vd *c, const struct vd_pages *g)
{
	const uint32_t xr24 = DRM_FORMAT_XRGB8888;
	struct xendispl_req rq;

	/* positive controls: the backend does serve this frontend */
	rq = dbuf_req(0x10, 64, 64, 32, 16384, g->dir->ref[0]);
	vd_case(c, "dbuf_ok", &rq);
	vd_case(c, "dbuf_dup_cookie", &rq);

	rq = attach_req(0x99, 0x20, 64, 64, xr24);
	vd_case(c, "fb_attach_unknown_dbuf", &rq);
	rq = attach_req(0x10, 0x20, 65, 64, xr24);
	vd_case(c, "fb_attach_width_beyond_dbuf", &rq);
	rq = attach_req(0x10, 0x20, 64, 0x7fffffff, xr24);
	vd_case(c, "fb_attach_height_beyond_dbuf", &rq);
	rq = attach_req(0x10, 0x20, 64, 64, 0x12345678);
	vd_case(c, "fb_attach_bad_format", &rq);
	rq = attach_req(0x10, 0x20, 64, 64, xr24);
	vd_case(c, "fb_attach_ok", &rq);

	rq = config_req(0x20, 1000, 0, 64, 64);
	vd_case(c, "set_config_beyond_connector", &rq);
	rq = config_req(0x20, 0xffffffc0u, 0, 64, 64);
	vd_case(c, "set_config_x_wraps", &rq);
	rq = config_req(0x20, 0, 0, 128, 128);
	vd_case(c, "set_config_beyond_fb", &rq);
	rq = config_req(0x77, 0, 0, 64, 64);
	vd_case(c, "set_config_unknown_fb", &rq);
	rq = config_req(0x20, 0, 0, 64, 64);
	vd_case(c, "set_config_ok", &rq);
}

/* PG_FLIP of an unknown fb, then of fb 0x20 and its event (5 s). */
static void
vd_flip_cases(struct vd *c)
{
	struct xendispl_req rq;
	struct xendispl_evt *e;
	double end;
	uint32_t prod;

	rq = flip_req(0xdeadbeef);
	vd_case(c, "pg_flip_unknown_fb", &rq);
	rq = flip_req(0x20);
	if (vd_case(c, "pg_flip_ok", &rq) != 0)
		return;
	end = tier_now() + 5;
	while ((prod = get32(c->evt->p, EVT_IN_PROD)) == c->evt_cons &&
	       tier_now() < end)
		usleep(5000);
	if (prod == c->evt_cons) {
		report("pg_flip_event", "no-event", "in 5 s");
		return;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	e = &XENDISPL_IN_RING_REF(c->evt->p, c->evt_cons);
	report("pg_flip_event", "event",
	       "in_prod=%u id=%u type=%u fb_cookie=0x%llx", prod, e->id,
	       e->type, (unsigned long long)e->op.pg_flip.fb_cookie);
	c->evt_cons = prod;
	put32(c->evt->p, EVT_IN_CONS, prod);
}

/*
 * Double fetch: flip FB_ATTACH's width between 64 and 2^30 while the
 * backend reads the slot.  Only bytes 24..27 change, which a response
 * leaves zero, so the status we read back is the backend's.  Either
 * answer is legitimate; the backend must not mix the two.
 */
static void
vd_double_fetch(struct vd *c)
{
	struct xendispl_req rq = attach_req(0x10, 0x21, 64, 64,
					    DRM_FORMAT_XRGB8888);
	uint32_t idx = c->req_prod, flips = 0;
	int32_t status = 1;
	int rc = -ETIMEDOUT;
	char *w, o[32];
	double end;

	vd_post(c, &rq);
	w = (char *)vd_slot(c, idx) + offsetof(struct xendispl_req,
					       op.fb_attach.width);
	end = tier_now() + T_RSP;
	while (tier_now() < end) {
		if (get32(c->req->p, SR_RSP_PROD) != c->rsp_cons) {
			rc = vd_wait(c, &status);
			break;
		}
		__atomic_store_n((uint32_t *)w, flips++ & 1 ? 64u : 1u << 30,
				 __ATOMIC_RELAXED);
	}
	if (rc) {
		report("double_fetch_fb_attach", "timeout", "%u flips", flips);
	} else {
		snprintf(o, sizeof(o), "status=%d", status);
		report("double_fetch_fb_attach", o, "%u flips", flips);
	}
}

#define FLOOD_SECS 15.0

/*
 * Ring flood: keep every request slot full of PG_FLIPs of fb 0x20 (a
 * served request, so vgfbd logs nothing per request) for FLOOD_SECS,
 * refilling as fast as responses come back, and swallow the flip events.
 * dom0 starts a consumer of this guest's vgfbd when it sees the start
 * line: it must be answered while the ring stays full (the backend yields
 * after a budget of requests instead of serving the ring until it is
 * empty, which a guest like this one never lets happen).
 */
static void
vd_ring_flood(struct vd *c)
{
	struct xendispl_req rq = flip_req(0x20);
	uint32_t posted = 0, answered = 0, refused = 0, n = 0;
	double end;

	printf("VGFB_HOSTILE_INFO ring_flood start %.0f s\n", FLOOD_SECS);
	fflush(stdout);
	end = tier_now() + FLOOD_SECS;
	while (tier_now() < end) {
		uint32_t prod = get32(c->req->p, SR_RSP_PROD);
		bool more = false;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		for (; c->rsp_cons != prod; c->rsp_cons++) {
			struct xendispl_resp rsp;

			memcpy(&rsp, vd_slot(c, c->rsp_cons), sizeof(rsp));
			answered++;
			refused += rsp.status != 0;
		}
		put32(c->req->p, SR_RSP_EVENT, c->rsp_cons + 1);
		while (c->req_prod - c->rsp_cons < SR_SLOTS) {
			rq.id = c->id++;
			memcpy(vd_slot(c, c->req_prod), &rq, sizeof(rq));
			c->req_prod++;
			posted++;
			more = true;
		}
		if (more) {
			__atomic_thread_fence(__ATOMIC_RELEASE);
			put32(c->req->p, SR_REQ_PROD, c->req_prod);
			evt_notify(c->req_port);
		}
		/* flip events: consumed unread, so the backend never waits */
		put32(c->evt->p, EVT_IN_CONS, get32(c->evt->p, EVT_IN_PROD));
		if (++n % 4096 == 0 && xs_state(be_vd) != XB_CONNECTED)
			break;
	}
	/* let the backend answer what is still posted */
	end = tier_now() + T_RSP;
	while (c->rsp_cons != c->req_prod && tier_now() < end) {
		int32_t status;

		if (vd_wait(c, &status))
			break;
		answered++;
		refused += status != 0;
	}
	c->evt_cons = get32(c->evt->p, EVT_IN_PROD);
	put32(c->evt->p, EVT_IN_CONS, c->evt_cons);
	if (xs_state(be_vd) != XB_CONNECTED)
		report("ring_flood", "closed", "backend state %d after %u "
		       "requests", xs_state(be_vd), posted);
	else if (answered != posted || refused)
		report("ring_flood", "wrong", "%u posted, %u answered, %u "
		       "refused", posted, answered, refused);
	else
		report("ring_flood", "served", "%u requests in %.0f s, each "
		       "answered with status 0", posted, FLOOD_SECS);
}

/* The cases on one healthy connection: each request refused or served. */
static void
vd_requests(struct vd *c)
{
	struct vd_pages g;
	struct xendispl_req rq;

	g.data = gnt_alloc(4, 0);
	g.dir = gnt_alloc(1, 0);
	g.dirs3 = gnt_alloc(3, 0);
	g.other = gnt_alloc(4, (uint16_t)my_domid);
	if (!g.data || !g.dir || !g.dirs3 || !g.other) {
		report("vdispl_setup", "error", "gntalloc failed");
		goto out_free;
	}

	rq = (struct xendispl_req){ .operation = 0x7f };
	vd_case(c, "unknown_op", &rq);
	rq = (struct xendispl_req){ .operation = 0x00 };
	vd_case(c, "reserved_op", &rq);
	vd_dbuf_cases(c, &g);
	vd_fb_cases(c, &g);
	vd_flip_cases(c);
	vd_double_fetch(c);
	vd_ring_flood(c);

	/* the connection still works after all that */
	rq = (struct xendispl_req){ .operation = XENDISPL_OP_FB_DETACH };
	rq.op.fb_detach.fb_cookie = 0x20;
	vd_case(c, "fb_detach_ok", &rq);
	rq = (struct xendispl_req){ .operation = XENDISPL_OP_DBUF_DESTROY };
	rq.op.dbuf_destroy.dbuf_cookie = 0x10;
	vd_case(c, "dbuf_destroy_ok", &rq);

out_free:
	gnt_free(g.data);
	gnt_free(g.dir);
	gnt_free(g.dirs3);
	gnt_free(g.other);
}

/* Report how a transport attack ended: closed is the refusal. */
static void
vd_transport_outcome(const char *name, double secs)
{
	int last, s;

	s = wait_state(be_vd, GONE, secs, &last);
	if (s > 0)
		report(name, "closed", "backend state %d", s);
	else
		report(name, last == XB_CONNECTED ? "ignored" : "timeout",
		       "backend state %d after %.0f s", last, secs);
}

static void
tamper_res_0x0(struct vd *c)
{
	(void)c;
	xs_write(FE_VD, "0/resolution", "0x0");
}

static void
tamper_res_huge(struct vd *c)
{
	(void)c;
	xs_write(FE_VD, "0/resolution", "100000x100000");
}

static void
tamper_res_garbage(struct vd *c)
{
	(void)c;
	xs_write(FE_VD, "0/resolution", "1024x768x32junk");
}

static void
tamper_ring_ref_abc(struct vd *c)
{
	(void)c;
	xs_write(FE_VD, "0/req-ring-ref", "abc");
}

static void
tamper_ring_ref_bogus(struct vd *c)
{
	(void)c;
	xs_write(FE_VD, "0/evt-ring-ref", "%u", 0x7ffff0u);
}

static struct gnt *tamper_other;

static void
tamper_ring_ref_not_granted(struct vd *c)
{
	(void)c;
	tamper_other = gnt_alloc(1, (uint16_t)my_domid);
	if (tamper_other)
		xs_write(FE_VD, "0/req-ring-ref", "%u", tamper_other->ref[0]);
}

static void
tamper_evtchn_huge(struct vd *c)
{
	(void)c;
	xs_write(FE_VD, "0/req-event-channel", "4294967295");
}

static void
tamper_evtchn_reused(struct vd *c)
{
	/* both rings on one port: the second bind of it must fail */
	xs_write(FE_VD, "0/evt-event-channel", "%d", c->req_port);
}

static void
tamper_be_alloc(struct vd *c)
{
	(void)c;
	xs_write(FE_VD, "be-alloc", "yes");
}

static void
tamper_no_connector(struct vd *c)
{
	(void)c;
	xs_rm(FE_VD, "0/resolution");
}

/* transport: req_prod far ahead of anything answered */
static void
vd_req_prod_overflow(int *fails)
{
	struct vd c;
	int rc;

	rc = vd_open(&c, NULL, T_STATE);
	if (rc == 1) {
		put32(c.req->p, SR_REQ_PROD, 1000);
		evt_notify(c.req_port);
		vd_transport_outcome("req_prod_overflow", 10);
	} else {
		report("req_prod_overflow", "no-session", "rc=%d", rc);
		(*fails)++;
	}
	vd_close(&c);
}

/* transport: req_prod moves back behind requests already taken */
static void
vd_req_prod_backwards(int *fails)
{
	struct xendispl_req rq = { .operation = 0x7f };
	struct vd c;
	int32_t st;
	int rc;

	rc = vd_open(&c, NULL, T_STATE);
	if (rc == 1) {
		vd_call(&c, &rq, &st);
		vd_call(&c, &rq, &st);
		put32(c.req->p, SR_REQ_PROD, 1);
		evt_notify(c.req_port);
		vd_transport_outcome("req_prod_backwards", 10);
	} else {
		report("req_prod_backwards", "no-session", "rc=%d", rc);
		(*fails)++;
	}
	vd_close(&c);
}

/* fb 0x20 shown on the connector, through dbuf 0x10: 0, or 1 if refused */
static int
vd_show_fb(struct vd *c, struct gnt *data, struct gnt *dir)
{
	struct xendispl_req rq;
	int32_t st;
	int bad = 0;

	if (!data || !dir)
		return 1;
	dir_fill(gpage(dir, 0), 0, 0, 4, data->ref);
	rq = dbuf_req(0x10, 64, 64, 32, 16384, dir->ref[0]);
	bad |= vd_call(c, &rq, &st) || st;
	rq = attach_req(0x10, 0x20, 64, 64, DRM_FORMAT_XRGB8888);
	bad |= vd_call(c, &rq, &st) || st;
	rq = config_req(0x20, 0, 0, 64, 64);
	bad |= vd_call(c, &rq, &st) || st;
	return bad;
}

/* transport: in_cons garbage on the event page, then a flip */
static void
vd_evt_in_cons_garbage(void)
{
	struct gnt *data, *dir;
	struct xendispl_req rq;
	struct vd c;
	int32_t st;
	int rc;

	rc = vd_open(&c, NULL, T_STATE);
	if (rc != 1) {
		report("evt_in_cons_garbage", "no-session", "rc=%d", rc);
		vd_close(&c);
		return;
	}
	data = gnt_alloc(4, 0);
	dir = gnt_alloc(1, 0);
	if (vd_show_fb(&c, data, dir)) {
		report("evt_in_cons_garbage", "no-session",
		       "setup requests refused");
	} else {
		put32(c.evt->p, EVT_IN_CONS, 0x7fffffffu);
		rq = flip_req(0x20);
		rc = vd_call(&c, &rq, &st);
		usleep(2000000);
		if (get32(c.evt->p, EVT_IN_PROD) != 0)
			report("evt_in_cons_garbage", "event",
			       "in_prod=%u despite in_cons 0x7fffffff",
			       get32(c.evt->p, EVT_IN_PROD));
		else if (xs_state(be_vd) != XB_CONNECTED)
			report("evt_in_cons_garbage", "closed",
			       "flip rc=%d status=%d, backend state %d",
			       rc, st, xs_state(be_vd));
		else
			report("evt_in_cons_garbage", "no-event",
			       "flip rc=%d status=%d, in_prod 0", rc, st);
	}
	gnt_free(data);
	gnt_free(dir);
	vd_close(&c);
}

/* xenstore garbage: each handshake must be refused */
static void
vd_xs_garbage(int *fails)
{
	static const struct {
		const char *name;
		vd_tamper_fn fn;
	} xs_cases[] = {
		{ "xs_resolution_0x0", tamper_res_0x0 },
		{ "xs_resolution_huge", tamper_res_huge },
		{ "xs_resolution_garbage", tamper_res_garbage },
		{ "xs_no_connector", tamper_no_connector },
		{ "xs_ring_ref_abc", tamper_ring_ref_abc },
		{ "xs_ring_ref_bogus", tamper_ring_ref_bogus },
		{ "xs_ring_ref_not_granted", tamper_ring_ref_not_granted },
		{ "xs_evtchn_huge", tamper_evtchn_huge },
		{ "xs_evtchn_reused", tamper_evtchn_reused },
		{ "xs_be_alloc_garbage", tamper_be_alloc },
	};
	struct vd c;
	int rc;

	for (size_t i = 0; i < sizeof(xs_cases) / sizeof(xs_cases[0]); i++) {
		rc = vd_open(&c, xs_cases[i].fn, T_STATE);
		if (rc == -ENOTCONN) {
			report(xs_cases[i].name, "no-initwait", NULL);
			if (++*fails >= 2)
				break;
		} else {
			report(xs_cases[i].name, rc == 1 ? "connected" :
				rc == 0 ? "closed" : "timeout",
			       "backend state %d", xs_state(be_vd));
		}
		vd_close(&c);
		gnt_free(tamper_other);
		tamper_other = NULL;
	}
}

/* after all that, a healthy frontend is served again */
static void
vd_reconnect(void)
{
	struct xendispl_req rq = { .operation = 0x7f };
	struct vd c;
	int32_t st;
	int rc;

	rc = vd_open(&c, NULL, T_STATE);
	if (rc == 1) {
		rc = vd_call(&c, &rq, &st);
		report("vdispl_reconnect", rc ? "timeout" : "connected",
		       "unknown op answered with status %d", st);
	} else {
		report("vdispl_reconnect", rc == 0 ? "closed" : "timeout",
		       "rc=%d", rc);
	}
	vd_close(&c);
}

static void
run_vdispl(double first_wait)
{
	struct vd c;
	int rc, fails = 0;

	xs_read(FE_VD "/0/resolution", vd_resolution, sizeof(vd_resolution));
	/* session 1: a healthy connection, every request case on it */
	rc = vd_open(&c, NULL, first_wait);
	if (rc == -ENOTCONN) {
		report("vdispl_connect", "no-backend", "no InitWait in %.0f s",
		       first_wait);
		vd_close(&c);
		return;
	}
	report("vdispl_connect", rc == 1 ? "connected" : rc == 0 ? "closed"
							       : "timeout",
	       "rc=%d", rc);
	if (rc == 1)
		vd_requests(&c);
	vd_close(&c);

	vd_req_prod_overflow(&fails);
	vd_req_prod_backwards(&fails);
	vd_evt_in_cons_garbage();
	vd_xs_garbage(&fails);
	vd_reconnect();
}

/* ==================== vfb (fbif.h), PVH only ==================== */

/*
 * Pages of our own, locked, with their PFNs from /proc/self/pagemap.  In
 * a PVH guest the PFN is the GFN xen-fbfront would publish (a PV guest
 * publishes MFNs, which userspace cannot learn).
 */
struct pinned {
	void *p;
	uint32_t n;
	uint64_t pfn[8];
};

static int
pin(struct pinned *pp, uint32_t n)
{
	int fd;

	pp->n = n;
	pp->p = mmap(NULL, (size_t)n * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (pp->p == MAP_FAILED || mlock(pp->p, (size_t)n * PAGE))
		return -errno;
	memset(pp->p, 0, (size_t)n * PAGE);
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t e = 0;
		off_t off = (off_t)(((uintptr_t)pp->p / PAGE + i) * 8);

		if (pread(fd, &e, 8, off) != 8 || !(e >> 63) ||
		    !(e & ((1ull << 55) - 1))) {
			close(fd);
			return -EPERM;	/* not present, or no PFNs for us */
		}
		pp->pfn[i] = e & ((1ull << 55) - 1);
	}
	close(fd);
	return 0;
}

static struct pinned vfb_shared, vfb_dir, vfb_fb;
static int vfb_port = -1;
static bool vfb_seen;	/* the backend wrote InitWait for vfb */
static double t_served;	/* when it did, first */

static struct xenfb_page *
fbpage(void)
{
	return vfb_shared.p;
}

/* A correct 64x64 XRGB8888 framebuffer in 4 pages, one directory page. */
static void
vfb_good_header(void)
{
	struct xenfb_page *pg = fbpage();
	unsigned long *dir = vfb_dir.p;

	memset(pg, 0, PAGE);
	pg->width = 64;
	pg->height = 64;
	pg->depth = 32;
	pg->line_length = 256;
	pg->mem_length = 16384;
	pg->pd[0] = (unsigned long)vfb_dir.pfn[0];
	for (uint32_t i = 0; i < 4; i++)
		dir[i] = (unsigned long)vfb_fb.pfn[i];
}

typedef void (*vfb_tamper_fn)(void);

/* 1 connected, 0 closed, <0 timeout / no InitWait */
static int
vfb_open(vfb_tamper_fn tamper, double initwait_secs)
{
	int last, s;

	if (wait_state(be_vfb, M(XB_INIT_WAIT), initwait_secs, &last) < 0) {
		printf("VGFB_HOSTILE_INFO vfb backend state %d, no InitWait "
		       "after %.0f s\n", last, initwait_secs);
		return -ENOTCONN;
	}
	if (!vfb_seen)
		t_served = tier_now();
	vfb_seen = true;
	vfb_good_header();
	xs_write(FE_VFB, "page-ref", "%llu",
		 (unsigned long long)vfb_shared.pfn[0]);
	xs_write(FE_VFB, "event-channel", "%d", vfb_port);
	xs_write(FE_VFB, "protocol", "x86_64-abi");
	xs_write(FE_VFB, "feature-update", "1");
	if (tamper)
		tamper();
	xs_write(FE_VFB, "state", "%d", XB_INITIALISED);
	s = wait_state(be_vfb, M(XB_CONNECTED) | GONE, T_STATE, &last);
	if (s == XB_CONNECTED)
		return 1;
	if (s < 0)
		printf("VGFB_HOSTILE_INFO vfb backend still in state %d\n",
		       last);
	return s < 0 ? s : 0;
}

static void
vfb_close(void)
{
	xs_write(FE_VFB, "state", "%d", XB_CLOSED);
	wait_state(be_vfb, ~M(XB_CONNECTED), T_STATE, NULL);
	xs_write(FE_VFB, "state", "%d", XB_INITIALISING);
}

static void
t_depth(void)
{
	fbpage()->depth = 7;
}

static void
t_width_huge(void)
{
	fbpage()->width = 100000;
}

static void
t_width_negative(void)
{
	fbpage()->width = -64;
}

static void
t_height_zero(void)
{
	fbpage()->height = 0;
}

static void
t_line_short(void)
{
	fbpage()->line_length = 100;
}

static void
t_mem_short(void)
{
	fbpage()->mem_length = 4096;
}

static void
t_mem_huge(void)
{
	fbpage()->mem_length = 0xfffff000u;
}

static void
t_pd_not_owned(void)
{
	fbpage()->pd[0] = 0xffffff0ul;
}

static void
t_mem_1gib(void)
{
	/* 1 GiB claimed: 512 directory pages, more than pd[] holds */
	fbpage()->width = 16384;
	fbpage()->height = 16384;
	fbpage()->line_length = 65536;
	fbpage()->mem_length = 1u << 30;
}

static void
t_frame_not_owned(void)
{
	((unsigned long *)vfb_dir.p)[2] = 0xffffff0ul;
}

static void
t_page_ref_abc(void)
{
	xs_write(FE_VFB, "page-ref", "abc");
}

static void
t_page_ref_not_owned(void)
{
	xs_write(FE_VFB, "page-ref", "%lu", 0xffffff0ul);
}

static void
t_evtchn_huge(void)
{
	xs_write(FE_VFB, "event-channel", "4294967295");
}

static void
t_evtchn_not_ours(void)
{
	xs_write(FE_VFB, "event-channel", "1");
}

static void
t_protocol(void)
{
	xs_write(FE_VFB, "protocol", "x86_99-abi");
}

static volatile bool flipping;

/* double fetch: mem_length flips between good and impossible */
static void *
flipper(void *arg)
{
	uint32_t *len = &fbpage()->mem_length;
	unsigned long *n = arg;

	while (flipping) {
		__atomic_store_n(len, (*n)++ & 1 ? 16384u : 0xfffff000u,
				 __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Two ring attacks on a live connection: a huge resize, out_prod overflow */
static void
vfb_ring_cases(struct xenfb_page *pg)
{
	uint32_t prod = get32(pg, offsetof(struct xenfb_page, out_prod));
	union xenfb_out_event *ev;
	double end;
	int rc;

	ev = &XENFB_OUT_RING_REF(pg, prod);
	memset(ev, 0, sizeof(*ev));
	ev->resize.type = XENFB_TYPE_RESIZE;
	ev->resize.width = 100000;
	ev->resize.height = 64;
	ev->resize.stride = 400000;
	ev->resize.depth = 32;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	put32(pg, offsetof(struct xenfb_page, out_prod), prod + 1);
	evt_notify(vfb_port);
	end = tier_now() + T_RSP;
	while (get32(pg, offsetof(struct xenfb_page, out_cons)) != prod + 1 &&
	       tier_now() < end)
		usleep(5000);
	if (xs_state(be_vfb) != XB_CONNECTED)
		report("vfb_resize_huge", "closed", NULL);
	else if (get32(pg, offsetof(struct xenfb_page, out_cons)) == prod + 1)
		report("vfb_resize_huge", "ignored", "consumed");
	else
		report("vfb_resize_huge", "timeout", "not consumed");

	put32(pg, offsetof(struct xenfb_page, out_prod), prod + 1000);
	evt_notify(vfb_port);
	rc = wait_state(be_vfb, GONE, 10, NULL);
	report("vfb_out_ring_overflow", rc > 0 ? "closed" : "ignored",
	       "out_prod %u ahead", 999u);
}

/* A tampered shared page or xenstore per handshake; false: give up. */
static bool
vfb_header_cases(void)
{
	static const struct {
		const char *name;
		vfb_tamper_fn fn;
	} cases[] = {
		{ "vfb_depth_7", t_depth },
		{ "vfb_width_huge", t_width_huge },
		{ "vfb_width_negative", t_width_negative },
		{ "vfb_height_zero", t_height_zero },
		{ "vfb_line_length_short", t_line_short },
		{ "vfb_mem_length_short", t_mem_short },
		{ "vfb_mem_length_huge", t_mem_huge },
		{ "vfb_pd_not_owned", t_pd_not_owned },
		{ "vfb_mem_1gib", t_mem_1gib },
		{ "vfb_frame_not_owned", t_frame_not_owned },
		{ "vfb_page_ref_abc", t_page_ref_abc },
		{ "vfb_page_ref_not_owned", t_page_ref_not_owned },
		{ "vfb_evtchn_huge", t_evtchn_huge },
		{ "vfb_evtchn_not_ours", t_evtchn_not_ours },
		{ "vfb_protocol_unknown", t_protocol },
	};
	int rc, nostart = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = vfb_open(cases[i].fn, T_STATE);
		if (rc == -ENOTCONN) {
			report(cases[i].name, "no-initwait", NULL);
			if (++nostart >= 2)
				return false;
		} else {
			report(cases[i].name, rc == 1 ? "connected" :
				rc == 0 ? "closed" : "timeout", NULL);
		}
		vfb_close();
	}
	return true;
}

/* double fetch of the header while the backend connects */
static void
vfb_double_fetch(void)
{
	unsigned long flips = 0;
	pthread_t t;
	int rc;

	rc = wait_state(be_vfb, M(XB_INIT_WAIT), T_STATE, NULL);
	flipping = true;
	if (rc < 0 || pthread_create(&t, NULL, flipper, &flips)) {
		report("vfb_double_fetch", "no-session", NULL);
	} else {
		rc = vfb_open(NULL, T_STATE);
		usleep(200000);
		flipping = false;
		pthread_join(t, NULL);
		report("vfb_double_fetch", rc == 1 ? "connected" :
			rc == 0 ? "closed" : "timeout", "%lu flips", flips);
	}
	flipping = false;
	vfb_close();
}

static void
run_vfb(double first_wait)
{
	struct xenfb_page *pg;
	int rc;

	if (pin(&vfb_shared, 1) || pin(&vfb_dir, 1) || pin(&vfb_fb, 4)) {
		report("vfb_setup", "error", "no PFNs from /proc/self/pagemap");
		return;
	}
	vfb_port = evt_bind();
	pg = fbpage();

	/* positive control, then two ring attacks on the live connection */
	rc = vfb_open(NULL, first_wait);
	if (rc == -ENOTCONN) {
		report("vfb_ok", "no-backend", "no InitWait");
		return;
	}
	report("vfb_ok", rc == 1 ? "connected" : rc == 0 ? "closed" : "timeout",
	       "page-ref=%llu", (unsigned long long)vfb_shared.pfn[0]);
	if (rc == 1)
		vfb_ring_cases(pg);
	vfb_close();

	if (!vfb_header_cases())
		return;
	vfb_double_fetch();

	/* a healthy frontend is served again */
	rc = vfb_open(NULL, T_STATE);
	report("vfb_reconnect", rc == 1 ? "connected" : rc == 0 ? "closed" :
		"timeout", NULL);
	vfb_close();
}

/* Our frontend directory's backend path, checked to be dom0's. */
static int
backend_of(const char *fe, char *be, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/backend", fe);
	if (xs_read(path, be, len))
		return -ENOENT;
	if (strncmp(be, "/local/domain/0/backend/", 24) != 0)
		return -EINVAL;
	return 0;
}

int
main(int argc, char **argv)
{
	double first_wait = argc > 1 ? atof(argv[1]) : 900;
	char v[32];
	double t0 = tier_now();

	setvbuf(stdout, NULL, _IOLBF, 0);
	xb_fd = open("/dev/xen/xenbus", O_RDWR | O_CLOEXEC);
	ev_fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
	ga_fd = open("/dev/xen/gntalloc", O_RDWR | O_CLOEXEC);
	if (xb_fd < 0 || ev_fd < 0 || ga_fd < 0) {
		printf("VGFB_HOSTILE_ERROR cannot open /dev/xen/{xenbus,evtchn,"
		       "gntalloc}: %d %d %d (%s)\n", xb_fd, ev_fd, ga_fd,
		       strerror(errno));
		printf("VGFB_HOSTILE_DONE error\n");
		return 1;
	}
	if (xs_read("domid", v, sizeof(v))) {
		printf("VGFB_HOSTILE_ERROR cannot read our domid\n");
		printf("VGFB_HOSTILE_DONE error\n");
		return 1;
	}
	my_domid = (unsigned int)atoi(v);
	if (backend_of(FE_VD, be_vd, sizeof(be_vd)) ||
	    backend_of(FE_VFB, be_vfb, sizeof(be_vfb))) {
		printf("VGFB_HOSTILE_ERROR no vfb/vdispl device with a dom0 "
		       "backend\n");
		printf("VGFB_HOSTILE_DONE error\n");
		return 1;
	}
	printf("VGFB_HOSTILE_START domid=%u vfb=%s vdispl=%s\n", my_domid,
	       be_vfb, be_vd);

	/* once vgfbd answered vfb, vdispl's InitWait is due at once */
	run_vfb(first_wait);
	run_vdispl(vfb_seen ? 60 : first_wait);

	/* t0: guest boot (waiting for dom0's backend); t_served: cases */
	printf("VGFB_HOSTILE_DONE ok in %.1f s, cases %.1f s\n", tier_now() - t0,
	       vfb_seen ? tier_now() - t_served : 0.0);
	return 0;
}
