/* SPDX-License-Identifier: MIT */
/*
 * The vfb plane source: vgfb as the dom0 backend of a guest's own
 * xen-fbfront driver (xen/include/public/io/fbif.h).
 *
 *   backend  InitWait (feature-resize=1)
 *   frontend Initialised/Connected: page-ref, event-channel, protocol,
 *            feature-update
 *   backend  maps the shared page, checks the header, copies the page
 *            directory once, maps every frame once to prove the guest owns
 *            it, writes request-update=1, goes Connected
 *   then     UPDATE events become damage, RESIZE events new geometry
 *
 * The framebuffer itself is never copied: planes name the guest's frames
 * and the exporters map them (vgfb.ko) or snapshot them (region).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xen-vfb-proto.h"
#include "xen.h"

struct xen_vfb {
	struct vgfb_xen *x;
	struct xen_device dev;
	bool connected;
	void *page;
	evtchn_port_t port;
	bool bound;
	enum vfb_abi abi;
	struct vfb_geometry g;
	uint64_t *frames;	/* g.fb_pages frame numbers */
	uint64_t frame_seq;
};

static struct vgfb *
ctx_of(struct xen_vfb *v)
{
	return xen_ctx(v->x);
}

static void
emit(struct xen_vfb *v, uint32_t type, const struct vgfb_rect *rect)
{
	struct vgfb_event ev = {
		.type = type,
		.drm_plane_type = DRM_PLANE_TYPE_PRIMARY,
		.frame_seq = v->frame_seq,
	};

	if (rect)
		ev.rect = *rect;
	vgfb__emit(v->x->m, &ev);
}

/* notify: tell consumers (not while the context is being torn down) */
static void
disconnect(struct xen_vfb *v, bool notify)
{
	bool was = v->connected;

	if (v->bound)
		xenevtchn_unbind(v->x->xce, v->port);
	v->bound = false;
	if (v->page)
		xen_unmap_frames(v->x, v->page, 1);
	v->page = NULL;
	free(v->frames);
	v->frames = NULL;
	v->connected = false;
	if (was && notify)
		emit(v, VGFB_EVENT_PLANE_DISABLED, NULL);
}

/* Copy the frame list out of the guest's directory pages, once. */
static int
load_frames(struct xen_vfb *v)
{
	uint32_t n_dirs = vgfb__vfb_dir_pages(v->g.fb_pages, v->abi);
	uint64_t dirs[VFB_PD_ENTRIES];
	void *map;
	int rc;

	rc = vgfb__vfb_read_pd(v->page, v->abi, n_dirs, dirs);
	if (rc) {
		log_error(ctx_of(v), "vfb: %u directory pages exceed %u",
			  n_dirs, VFB_PD_ENTRIES);
		return rc;
	}
	map = xen_map_frames(v->x, PROT_READ, n_dirs, dirs);
	if (!map)
		return -EFAULT;
	free(v->frames);
	v->frames = calloc(v->g.fb_pages, sizeof(*v->frames));
	rc = v->frames ? vgfb__vfb_read_dir(map, v->abi, v->g.fb_pages,
					    v->frames)
		       : -ENOMEM;
	xen_unmap_frames(v->x, map, n_dirs);
	if (rc)
		return rc;
	/* Prove the guest owns every frame before anyone exports them. */
	map = xen_map_frames(v->x, PROT_READ, v->g.fb_pages, v->frames);
	if (!map)
		return -EFAULT;
	xen_unmap_frames(v->x, map, v->g.fb_pages);
	return 0;
}

static int
connect(struct xen_vfb *v)
{
	uint64_t page_ref, remote_port, feature_update = 0;
	struct vfb_header h;
	xenevtchn_port_or_error_t port;
	char *protocol;
	char why[256];
	int rc;

	if (xen_read_uint(v->x, v->dev.fe, "page-ref", UINT64_MAX >> 12, &page_ref) ||
	    xen_read_uint(v->x, v->dev.fe, "event-channel", UINT32_MAX,
			  &remote_port)) {
		log_error(ctx_of(v), "vfb: frontend %s lacks a valid page-ref "
			  "or event-channel", v->dev.fe);
		return -EPROTO;
	}
	xen_read_uint(v->x, v->dev.fe, "feature-update", 1, &feature_update);
	protocol = xen_read(v->x, v->dev.fe, "protocol");
	rc = vgfb__vfb_abi_from_protocol(protocol, &v->abi);
	if (rc)
		log_error(ctx_of(v), "vfb: unknown protocol \"%s\"", protocol);
	free(protocol);
	if (rc)
		return rc;

	v->page = xen_map_frames(v->x, PROT_READ | PROT_WRITE, 1, &page_ref);
	if (!v->page)
		return -EFAULT;
	vgfb__vfb_read_header(v->page, &h);
	rc = vgfb__vfb_configure(h.width, h.height, h.depth, h.mem_length, 0,
				 (int32_t)h.line_length, v->x->videoram_limit,
				 &v->g, why, sizeof(why));
	if (rc) {
		log_error(ctx_of(v), "vfb: domain %u framebuffer refused: %s",
			  v->x->domid, why);
		goto out_disconnect;
	}
	rc = load_frames(v);
	if (rc) {
		log_error(ctx_of(v), "vfb: domain %u page directory refused",
			  v->x->domid);
		goto out_disconnect;
	}
	port = xenevtchn_bind_interdomain(v->x->xce, v->x->domid,
					  (evtchn_port_t)remote_port);
	if (port < 0) {
		rc = -errno;
		log_error(ctx_of(v), "vfb: cannot bind event channel %llu: %s",
			  (unsigned long long)remote_port, strerror(-rc));
		goto out_disconnect;
	}
	v->port = (evtchn_port_t)port;
	v->bound = true;
	if (feature_update)
		xen_write(v->x, v->dev.be, "request-update", "1");
	v->connected = true;
	v->frame_seq++;
	log_info(ctx_of(v), "vfb: domain %u connected: %ux%u depth %u, %u "
		 "pages", v->x->domid, v->g.width, v->g.height, v->g.depth,
		 v->g.fb_pages);
	emit(v, VGFB_EVENT_PLANE_CHANGED, NULL);
	return 0;

out_disconnect:
	disconnect(v, true);
	return rc;
}

static int
connect_cb(void *dev)
{
	return connect(dev);
}

static void
disconnect_cb(void *dev)
{
	disconnect(dev, true);
}

void
xen_vfb_watch_fired(struct xen_vfb *v)
{
	xen_frontend_changed(v->x, v->dev.fe, v->dev.be, v->connected, connect_cb,
			     disconnect_cb, v);
}

static void
on_ring_event(void *data, const struct vfb_event *ev)
{
	struct xen_vfb *v = data;
	struct vfb_geometry g;
	struct vgfb_rect r;
	char why[256];

	switch (ev->type) {
	case VFB_TYPE_UPDATE:
		if (vgfb__vfb_clip_update(&v->g, ev, &r)) {
			log_debug(ctx_of(v), "vfb: bogus update ignored");
			return;
		}
		v->frame_seq++;
		emit(v, VGFB_EVENT_DAMAGE, &r);
		return;
	case VFB_TYPE_RESIZE:
		if (vgfb__vfb_configure(ev->width, ev->height, ev->depth,
					v->g.fb_len, ev->offset, ev->stride,
					v->x->videoram_limit, &g, why,
					sizeof(why))) {
			log_error(ctx_of(v), "vfb: domain %u resize refused: "
				  "%s", v->x->domid, why);
			return;
		}
		v->g = g;
		v->frame_seq++;
		emit(v, VGFB_EVENT_PLANE_CHANGED, NULL);
		return;
	default:
		log_error(ctx_of(v), "vfb: domain %u sent unknown event type "
			  "%u (ignored)", v->x->domid, ev->type);
		return;
	}
}

bool
xen_vfb_port_fired(struct xen_vfb *v, evtchn_port_t port)
{
	char why[256];
	int rc;

	if (!v->connected || !v->bound || port != v->port)
		return false;
	rc = vgfb__vfb_take_events(v->page, on_ring_event, v, why,
				   sizeof(why));
	if (rc < 0) {
		log_error(ctx_of(v), "vfb: domain %u broke the ring protocol: "
			  "%s; disconnecting", v->x->domid, why);
		disconnect(v, true);
		xen_set_state(v->x, v->dev.be, XB_CLOSED);
		return true;
	}
	xenevtchn_notify(v->x->xce, v->port);
	return true;
}

int
xen_vfb_get_plane(struct xen_vfb *v, uint32_t plane_type,
		  struct vgfb_plane_desc *d)
{
	uint32_t first;

	if (!v->connected || plane_type != DRM_PLANE_TYPE_PRIMARY)
		return -ENODEV;	/* vfb has no cursor plane */
	first = v->g.offset / VGFB_PAGE_SIZE;
	memset(d, 0, sizeof(*d));
	d->drm_format = v->g.drm_format;
	d->modifier = 0;	/* DRM_FORMAT_MOD_LINEAR */
	d->width = v->g.width;
	d->height = v->g.height;
	d->stride = v->g.stride;
	d->n_frames = v->g.fb_pages - first;
	d->frames = v->frames + first;
	d->buffer_size = (uint64_t)d->n_frames * VGFB_PAGE_SIZE;
	d->frames_are_machine = v->x->pv;
	d->x_hot = d->y_hot = 0xFFFFFFFFu;
	d->frame_seq = v->frame_seq;
	return 0;
}

int
xen_vfb_new(struct vgfb_xen *x, struct xen_vfb **out)
{
	struct xen_vfb *v;
	int rc;

	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->x = x;
	rc = xen_device_open(x, "vfb", x->vfb_mode, NULL, &v->dev);
	if (rc) {
		free(v);
		return rc;
	}
	xen_write(x, v->dev.be, "feature-resize", "1");
	xen_set_state(x, v->dev.be, XB_INIT_WAIT);
	*out = v;
	return 0;
}

void
xen_vfb_free(struct xen_vfb *v)
{
	if (!v)
		return;
	disconnect(v, false);
	xen_device_close(&v->dev);
	free(v);
}
