/* SPDX-License-Identifier: MIT */
/*
 * The vkbd device: vgfb as the dom0 backend of a guest's xen-kbdfront
 * (xen/include/public/io/kbdif.h), so that consumers' input
 * (vgfb_send_input) reaches the guest's /dev/input.
 *
 *   backend  feature-abs-pointer=1, width, height (when we add the
 *            device: in the transaction that creates it, since
 *            xen-kbdfront reads them once, at probe), InitWait
 *   frontend Initialised: page-gref, event-channel, request-abs-pointer
 *   backend  maps the page by its grant, binds the port, Connected
 *   then     vfb's and vdispl's send_input queue events here; each flush
 *            writes what fits the in ring and notifies; a doorbell (the
 *            frontend consumed) flushes what waited
 *
 * The device is ours (vkbd=create: backend/vkbd) or the toolstack's:
 * libxl puts `vkb = [ "backend-type=linux" ]` under backend/vinput, with
 * the width and height xl.cfg gave, which are kept (adopt_existing).
 *
 * It has no heads: it is registered as a source only so that the
 * platform routes its xenstore watch and its port here.  Positions are
 * scaled from the plane of the head the input was sent to into the fixed
 * range announced (VKBD_RANGE): xen-kbdfront's ABS range never follows a
 * resize, and libinput maps an absolute device onto the whole output.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xen-vkbd-proto.h"
#include "xen.h"

/* The ABS range announced ("width", "height"): QEMU's raw pointer range. */
#define VKBD_RANGE 32767u
#define VKBD_RANGE_STR "32767"
/* kbdif.h: without "width" and "height", XENFB_WIDTH x XENFB_HEIGHT */
#define VKBD_DEFAULT_W 800u
#define VKBD_DEFAULT_H 600u

struct xen_vkbd {
	struct vgfb_xen *x;
	struct vgfb_xen_device dev;	/* dev.connected: page mapped */
	struct vgfb_source *src;
	void *page;
	evtchn_port_t port;
	bool bound;
	bool abs;		/* the frontend asked for the absolute pointer */
	uint32_t prod;		/* ours: the page's in_prod is never read */
	uint32_t range_w, range_h;	/* the ABS range the frontend has */
	struct vkbd_pending pending;
	uint64_t dropped_said;
};

static struct xen_vkbd *
vkbd_of(struct vgfb_xen_device *d)
{
	return (struct xen_vkbd *)((char *)d - offsetof(struct xen_vkbd, dev));
}

static struct vgfb *
ctx_of(struct xen_vkbd *k)
{
	return vgfb__xen_ctx(k->x);
}

static void
release_connection(struct xen_vkbd *k)
{
	if (k->bound)
		vgfb__xen_unbind_port(&k->dev, k->port);
	k->bound = false;
	if (k->page)
		vgfb__xen_unmap_grants(k->x, k->page, 1);
	k->page = NULL;
	memset(&k->pending, 0, sizeof(k->pending));
}

static void
vkbd_disconnect(struct vgfb_xen_device *d)
{
	release_connection(vkbd_of(d));
}

static int
vkbd_connect(struct vgfb_xen_device *d)
{
	struct xen_vkbd *k = vkbd_of(d);
	uint64_t gref, remote_port, abs = 0;
	uint32_t ref;
	void *page;
	int rc;

	if (vgfb__xen_read_uint(k->x, d->fe, "page-gref", UINT32_MAX, &gref) ||
	    vgfb__xen_read_uint(k->x, d->fe, "event-channel", UINT32_MAX,
				&remote_port)) {
		log_error(ctx_of(k), "vkbd: frontend %s lacks a valid "
			  "page-gref or event-channel", d->fe);
		return -EPROTO;
	}
	vgfb__xen_read_uint(k->x, d->fe, "request-abs-pointer", 1, &abs);
	k->abs = abs == 1;
	if (!k->abs)
		log_error(ctx_of(k), "vkbd: domain %u did not ask for the "
			  "absolute pointer: pointer input is dropped, keys "
			  "go through", k->x->domid);
	ref = (uint32_t)gref;
	rc = vgfb__xen_map_grants(k->x, PROT_READ | PROT_WRITE, 1, &ref, &page);
	if (rc) {
		log_error(ctx_of(k), "vkbd: cannot map domain %u's grant %u: "
			  "%s", k->x->domid, ref, strerror(-rc));
		return rc;
	}
	k->page = page;
	/*
	 * The frontend zeroed both indexes at probe; where a connection
	 * is taken over, start from what it shows, once.
	 */
	k->prod = __atomic_load_n((volatile uint32_t *)
				  ((volatile char *)page + VKBD_OFF_IN_PROD),
				  __ATOMIC_RELAXED);
	memset(&k->pending, 0, sizeof(k->pending));
	rc = vgfb__xen_bind_port(d, (uint32_t)remote_port, &k->port);
	if (rc) {
		release_connection(k);
		return rc;
	}
	k->bound = true;
	log_info(ctx_of(k), "vkbd: domain %u connected (%s pointer)",
		 k->x->domid, k->abs ? "absolute" : "no");
	return 0;
}

/* Write what waits and fits; a frontend breaking the ring is dropped. */
static void
flush(struct xen_vkbd *k)
{
	char why[256];
	int rc;

	rc = vgfb__vkbd_flush(k->page, &k->pending, &k->prod, why,
			      sizeof(why));
	if (rc < 0) {
		log_error(ctx_of(k), "vkbd: domain %u broke the ring "
			  "protocol: %s; disconnecting", k->x->domid, why);
		vgfb__xen_refuse_frontend(&k->dev);
		return;
	}
	if (rc > 0)
		vgfb__xen_notify(&k->dev, k->port);
}

int
vgfb__xen_vkbd_send(struct vgfb_xen *x, uint32_t plane_w, uint32_t plane_h,
		    const struct vgfb_input_event *ev, uint32_t n)
{
	struct xen_vkbd *k = x->vkbd;

	if (!k)
		return -ENOTSUP;
	/* the guest has not loaded xen-kbdfront (yet) */
	if (!k->dev.connected || !k->page)
		return -EAGAIN;
	for (uint32_t i = 0; i < n; i++) {
		if (ev[i].type != VGFB_INPUT_KEY && !k->abs)
			continue;
		vgfb__vkbd_queue(&k->pending, &ev[i], plane_w, plane_h,
				 k->range_w, k->range_h);
	}
	if (k->pending.dropped != k->dropped_said) {
		log_error(ctx_of(k), "vkbd: domain %u reads no input: %llu "
			  "keys dropped", x->domid,
			  (unsigned long long)k->pending.dropped);
		k->dropped_said = k->pending.dropped;
	}
	flush(k);
	return 0;
}

static void
vkbd_dispatch(void *src, enum vgfb_source_event what, uint32_t channel)
{
	struct xen_vkbd *k = src;

	if (what == VGFB_SOURCE_CONFIG_CHANGED)
		vgfb__xen_frontend_changed(&k->dev);
	else if (k->dev.connected && k->bound && channel == k->port)
		flush(k);	/* it consumed: room for what waited */
}

static uint32_t
vkbd_head_count(void *src)
{
	return 0;
}

static int
vkbd_get_plane(void *src, uint32_t head, uint32_t plane_type,
	       struct vgfb_plane_desc *d)
{
	return -ENODEV;		/* no heads: never asked */
}

static void
vkbd_close(void *src)
{
	struct xen_vkbd *k = src;

	release_connection(k);
	vgfb__xen_device_close(&k->dev);
	if (k->x->vkbd == k)
		k->x->vkbd = NULL;
	free(k);
}

static const struct vgfb_xen_device_ops vkbd_device = {
	.connect = vkbd_connect,
	.disconnect = vkbd_disconnect,
};

static const struct vgfb_source_ops vkbd_source = {
	.name = "vkbd",
	.head_count = vkbd_head_count,
	.get_plane = vkbd_get_plane,
	.dispatch = vkbd_dispatch,
	.close = vkbd_close,
};

/* Written in the transaction that creates the device. */
static const char *const vkbd_be_nodes[] = {
	"feature-abs-pointer", "1",
	"width", VKBD_RANGE_STR,
	"height", VKBD_RANGE_STR,
	NULL,
};

/*
 * libxl's `vkb = [ "backend-type=linux" ]` is backend/vinput; our own
 * vkbd=create (and a toolstack that writes the frontend's type) vkbd.
 */
static const char *const vkbd_be_kinds[] = { "vkbd", "vinput", NULL };

/*
 * One side of the ABS range of a device the toolstack added:
 *   - what its backend directory says (xl.cfg's vkb width=, height=, or
 *     an earlier vgfbd's), which the frontend read at probe;
 *   - else, when the frontend has not probed yet (under vgfb-xen-backend
 *     libxl still holds the guest paused), ours, written now;
 *   - else kbdif.h's default, XENFB_WIDTH x XENFB_HEIGHT: what
 *     xen-kbdfront took in the absence of the node (short of a module
 *     parameter, which the backend cannot see).
 * The values come from dom0's own backend directory; still, only
 * 1..INT32_MAX are taken (kbdif's abs_x is an int32_t).
 */
static int
existing_range(struct xen_vkbd *k, bool probed, const char *node,
	       uint32_t fallback, uint32_t *range)
{
	uint64_t v;

	if (vgfb__xen_read_uint(k->x, k->dev.be, node, INT32_MAX, &v) == 0 &&
	    v > 0) {
		*range = (uint32_t)v;
		return 0;
	}
	if (probed) {
		*range = fallback;
		return 0;
	}
	*range = VKBD_RANGE;
	return vgfb__xen_write(k->x, k->dev.be, node, "%s", VKBD_RANGE_STR);
}

/* The toolstack's device: keep what xl.cfg said, add what it left out. */
static int
adopt_existing(struct xen_vkbd *k)
{
	struct vgfb_xen *x = k->x;
	uint64_t fe_state = 0, abs;
	bool probed;
	int rc;

	/* xen-kbdfront reads the backend's nodes once, before Initialised */
	probed = vgfb__xen_read_uint(x, k->dev.fe, "state",
				     XenbusStateReconfigured, &fe_state) == 0 &&
		 fe_state >= XenbusStateInitialised;
	rc = existing_range(k, probed, "width", VKBD_DEFAULT_W, &k->range_w);
	if (rc == 0)
		rc = existing_range(k, probed, "height", VKBD_DEFAULT_H,
				    &k->range_h);
	if (rc == 0 && !probed &&
	    vgfb__xen_read_uint(x, k->dev.be, "feature-abs-pointer", 1,
				&abs) != 0)
		rc = vgfb__xen_write(x, k->dev.be, "feature-abs-pointer", "1");
	log_info(ctx_of(k), "vkbd: domain %u's device %s (frontend %s): "
		 "absolute range %ux%u", x->domid, k->dev.be,
		 probed ? "probed before us" : "not probed yet", k->range_w,
		 k->range_h);
	return rc;
}

int
vgfb__xen_vkbd_open(struct vgfb_xen *x)
{
	struct xen_vkbd *k;
	int rc;

	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->x = x;
	k->range_w = k->range_h = VKBD_RANGE;
	rc = vgfb__xen_device_open_with(x, "vkbd", x->vkbd_mode, vkbd_be_kinds,
					NULL, vkbd_be_nodes, &vkbd_device,
					&k->dev);
	if (rc) {
		free(k);
		return rc;
	}
	if (!k->dev.created)
		rc = adopt_existing(k);
	if (rc == 0)
		rc = vgfb__xen_set_state(&k->dev, XenbusStateInitWait);
	if (rc == 0)
		rc = vgfb__local_add_source(x->m, &vkbd_source, k, &k->src);
	if (rc) {
		vkbd_close(k);
		return rc;
	}
	k->dev.owner = k->src;
	x->vkbd = k;
	return 0;
}
