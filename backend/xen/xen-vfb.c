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
 * and the exporters map them (vgfb.ko) or copy their damage into a live
 * view (region).
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xen-vfb-proto.h"
#include "xen.h"

struct xen_vfb {
	struct vgfb_xen *x;
	struct vgfb_xen_device dev;	/* dev.connected: rings mapped */
	struct vgfb_source *src;
	void *page;
	evtchn_port_t port;
	bool bound;
	enum vfb_abi abi;
	struct vfb_geometry g;
	uint64_t *frames;	/* g.fb_pages frame numbers */
	uint64_t frame_seq;
};

static struct xen_vfb *
vfb_of(struct vgfb_xen_device *d)
{
	return (struct xen_vfb *)((char *)d - offsetof(struct xen_vfb, dev));
}

static struct vgfb *
ctx_of(struct xen_vfb *v)
{
	return vgfb__xen_ctx(v->x);
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
	vgfb__source_emit(v->src, &ev);
}

/* Undo what vfb_connect() set up. */
static void
release_connection(struct xen_vfb *v)
{
	if (v->bound)
		vgfb__xen_unbind_port(&v->dev, v->port);
	v->bound = false;
	if (v->page)
		vgfb__xen_unmap_frames(v->x, v->page, 1);
	v->page = NULL;
	free(v->frames);
	v->frames = NULL;
}

static void
vfb_disconnect(struct vgfb_xen_device *d)
{
	struct xen_vfb *v = vfb_of(d);

	release_connection(v);
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
	rc = vgfb__xen_map_frames(v->x, PROT_READ, n_dirs, dirs, &map);
	if (rc)
		return rc;
	free(v->frames);
	v->frames = calloc(v->g.fb_pages, sizeof(*v->frames));
	rc = v->frames ? vgfb__vfb_read_dir(map, v->abi, v->g.fb_pages,
					    v->frames)
		       : -ENOMEM;
	vgfb__xen_unmap_frames(v->x, map, n_dirs);
	if (rc)
		return rc;
	/* Prove the guest owns every frame before anyone exports them. */
	rc = vgfb__xen_map_frames(v->x, PROT_READ, v->g.fb_pages, v->frames,
				  &map);
	if (rc)
		return rc;
	vgfb__xen_unmap_frames(v->x, map, v->g.fb_pages);
	return 0;
}

static int
vfb_connect(struct vgfb_xen_device *d)
{
	struct xen_vfb *v = vfb_of(d);
	uint64_t page_ref, remote_port, feature_update = 0;
	struct vfb_header h;
	char *protocol;
	char why[256];
	void *page;
	int rc;

	if (vgfb__xen_read_uint(v->x, d->fe, "page-ref", UINT64_MAX >> 12,
				&page_ref) ||
	    vgfb__xen_read_uint(v->x, d->fe, "event-channel", UINT32_MAX,
				&remote_port)) {
		log_error(ctx_of(v), "vfb: frontend %s lacks a valid page-ref "
			  "or event-channel", v->dev.fe);
		return -EPROTO;
	}
	vgfb__xen_read_uint(v->x, d->fe, "feature-update", 1, &feature_update);
	protocol = vgfb__xen_read(v->x, d->fe, "protocol");
	rc = vgfb__vfb_abi_from_protocol(protocol, &v->abi);
	if (rc)
		log_error(ctx_of(v), "vfb: unknown protocol \"%s\"", protocol);
	free(protocol);
	if (rc)
		return rc;

	rc = vgfb__xen_map_frames(v->x, PROT_READ | PROT_WRITE, 1, &page_ref,
				  &page);
	if (rc)
		return rc;
	v->page = page;
	vgfb__vfb_read_header(v->page, &h);
	rc = vgfb__vfb_configure(h.width, h.height, h.depth, h.mem_length, 0,
				 (int32_t)h.line_length, v->x->videoram_limit,
				 &v->g, why, sizeof(why));
	if (rc) {
		log_error(ctx_of(v), "vfb: domain %u framebuffer refused: %s",
			  v->x->domid, why);
		goto out_release;
	}
	rc = load_frames(v);
	if (rc) {
		log_error(ctx_of(v), "vfb: domain %u page directory refused",
			  v->x->domid);
		goto out_release;
	}
	rc = vgfb__xen_bind_port(d, (uint32_t)remote_port, &v->port);
	if (rc)
		goto out_release;
	v->bound = true;
	/* Without it the guest never sends UPDATE: damage would be lost. */
	if (feature_update) {
		rc = vgfb__xen_write(v->x, d->be, "request-update", "1");
		if (rc)
			goto out_release;
	}
	v->frame_seq++;
	log_info(ctx_of(v), "vfb: domain %u connected: %ux%u depth %u, %u "
		 "pages", v->x->domid, v->g.width, v->g.height, v->g.depth,
		 v->g.fb_pages);
	emit(v, VGFB_EVENT_PLANE_CHANGED, NULL);
	return 0;

out_release:
	release_connection(v);
	return rc;
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

static void
take_ring_events(struct xen_vfb *v)
{
	char why[256];
	int rc;

	rc = vgfb__vfb_take_events(v->page, on_ring_event, v, why,
				   sizeof(why));
	if (rc < 0) {
		log_error(ctx_of(v), "vfb: domain %u broke the ring protocol: "
			  "%s; disconnecting", v->x->domid, why);
		vgfb__xen_refuse_frontend(&v->dev);
		return;
	}
	vgfb__xen_notify(&v->dev, v->port);
}

static void
vfb_dispatch(void *src, enum vgfb_source_event what, uint32_t channel)
{
	struct xen_vfb *v = src;

	if (what == VGFB_SOURCE_CONFIG_CHANGED)
		vgfb__xen_frontend_changed(&v->dev);
	else if (v->dev.connected && v->bound && channel == v->port)
		take_ring_events(v);
}

static uint32_t
vfb_head_count(void *src)
{
	return 1;
}

static int
vfb_get_plane(void *src, uint32_t head, uint32_t plane_type,
	      struct vgfb_plane_desc *d)
{
	struct xen_vfb *v = src;
	uint32_t first;

	if (!v->dev.connected || plane_type != DRM_PLANE_TYPE_PRIMARY)
		return -ENODEV;	/* vfb has no cursor plane */
	first = v->g.offset / VGFB_PAGE_SIZE;
	memset(d, 0, sizeof(*d));
	d->drm_format = v->g.drm_format;
	d->modifier = 0;	/* DRM_FORMAT_MOD_LINEAR */
	d->width = v->g.width;
	d->height = v->g.height;
	d->stride = v->g.stride;
	d->buf.kind = vgfb__xen_frame_kind(v->x);
	d->buf.n_frames = v->g.fb_pages - first;
	d->buf.frames = v->frames + first;
	d->buf.size = (uint64_t)d->buf.n_frames * VGFB_PAGE_SIZE;
	d->x_hot = d->y_hot = 0xFFFFFFFFu;
	d->frame_seq = v->frame_seq;
	return 0;
}

/* Input for the screen: to the guest's vkbd, scaled from this plane. */
static int
vfb_send_input(void *src, uint32_t head, const struct vgfb_input_event *ev,
	       uint32_t n)
{
	struct xen_vfb *v = src;

	return vgfb__xen_vkbd_send(v->x, v->dev.connected ? v->g.width : 0,
				   v->dev.connected ? v->g.height : 0, ev, n);
}

static void
vfb_close(void *src)
{
	struct xen_vfb *v = src;

	release_connection(v);
	vgfb__xen_device_close(&v->dev);
	free(v);
}

static const struct vgfb_xen_device_ops vfb_device = {
	.connect = vfb_connect,
	.disconnect = vfb_disconnect,
};

static const struct vgfb_source_ops vfb_source = {
	.name = "vfb",
	.head_count = vfb_head_count,
	.get_plane = vfb_get_plane,
	.dispatch = vfb_dispatch,
	.close = vfb_close,
	.send_input = vfb_send_input,
};

int
vgfb__xen_vfb_open(struct vgfb_xen *x)
{
	struct xen_vfb *v;
	int rc;

	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->x = x;
	rc = vgfb__xen_device_open(x, "vfb", x->vfb_mode, NULL, &vfb_device,
				   &v->dev);
	if (rc) {
		free(v);
		return rc;
	}
	rc = vgfb__xen_write(x, v->dev.be, "feature-resize", "1");
	if (rc == 0)
		rc = vgfb__xen_set_state(&v->dev, XenbusStateInitWait);
	if (rc == 0)
		rc = vgfb__local_add_source(x->m, &vfb_source, v, &v->src);
	if (rc) {
		vfb_close(v);
		return rc;
	}
	v->dev.owner = v->src;
	return 0;
}
