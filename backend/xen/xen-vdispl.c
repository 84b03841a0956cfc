/* SPDX-License-Identifier: MIT */
/*
 * The vdispl plane source: vgfb as the dom0 backend of a guest's own
 * xen-drm-front driver (xen/include/public/io/displif.h), one head per
 * connector.
 *
 *   backend  InitWait
 *   frontend Initialised: per connector req-ring-ref, req-event-channel,
 *            evt-ring-ref, evt-event-channel
 *   backend  checks the configuration (xen-vdispl-proto.c), maps both ring
 *            pages of every connector by grant, binds their event
 *            channels, goes Connected
 *   then     requests on each connector's ring: DBUF_CREATE (walk the
 *            grant directory, prove every grant maps), FB_ATTACH,
 *            SET_CONFIG (the plane), PG_FLIP (the plane, then
 *            XENDISPL_EVT_PG_FLIP back to the guest), FB_DETACH,
 *            DBUF_DESTROY; GET_EDID is answered "not supported", which
 *            displif.h allows (the xenstore resolution stands)
 *
 * Pixels are never copied here: a plane names the guest's grant
 * references, which vgfb.ko maps into a dma-buf (CREATE_XEN_GRANTS, also
 * in a PV dom0) or the region exporter maps for its CPU view.  Every
 * decision about guest input is made by xen-vdispl-proto.c; this file
 * only carries the decisions out.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xen-vdispl-proto.h"
#include "xen.h"

/* A display buffer the guest created: its grant references, in order. */
struct dbuf_grants {
	struct dbuf_grants *next;
	uint64_t cookie;
	uint64_t serial;	/* never reused: the cache key of its planes */
	uint32_t n_grefs;
	uint64_t *grefs;	/* plane descriptors take 64-bit frames */
};

struct vdispl_conn {
	void *req_page;
	void *evt_page;
	evtchn_port_t req_port;
	evtchn_port_t evt_port;
	bool req_bound;
	bool evt_bound;
	struct vdispl_ring ring;
	struct vdispl_evt_ring evt;
	uint64_t flip_pending;	/* fb whose EVT_PG_FLIP waits for room */
	bool on;
	struct vdispl_fb_info fb;	/* what the connector shows, when on */
	uint64_t frame_seq;
};

struct xen_vdispl {
	struct vgfb_xen *x;
	struct vgfb_xen_device dev;	/* dev.connected: rings mapped */
	struct vgfb_source *src;
	uint32_t n_conn;	/* fixed by the toolstack's configuration */
	struct vdispl_limits lim;
	struct vdispl_cfg cfg;
	struct vdispl_state *state;
	struct vdispl_conn conn[VDISPL_MAX_CONNECTORS];
	struct dbuf_grants *dbufs;
	uint64_t next_serial;
	char *last_read;	/* the value cfg_read() handed out last */
};

static struct xen_vdispl *
vdispl_of(struct vgfb_xen_device *d)
{
	return (struct xen_vdispl *)((char *)d -
				     offsetof(struct xen_vdispl, dev));
}

static struct vgfb *
ctx_of(struct xen_vdispl *v)
{
	return vgfb__xen_ctx(v->x);
}

static void
emit(struct xen_vdispl *v, uint32_t conn, uint32_t type)
{
	struct vgfb_event ev = {
		.type = type,
		.head = conn,
		.drm_plane_type = DRM_PLANE_TYPE_PRIMARY,
		.frame_seq = v->conn[conn].frame_seq,
	};

	vgfb__source_emit(v->src, &ev);
}

/* vdispl_xs_read_fn over the frontend's directory */
static const char *
cfg_read(void *data, const char *node)
{
	struct xen_vdispl *v = data;

	free(v->last_read);
	v->last_read = vgfb__xen_read(v->x, v->dev.fe, node);
	return v->last_read;
}

/* ---- display buffers ---- */

static struct dbuf_grants *
find_dbuf(struct xen_vdispl *v, uint64_t cookie)
{
	for (struct dbuf_grants *d = v->dbufs; d; d = d->next)
		if (d->cookie == cookie)
			return d;
	return NULL;
}

static void
free_dbuf(struct xen_vdispl *v, struct dbuf_grants *d)
{
	/* The mediator lets go of the grants; consumers keep their fds. */
	vgfb__source_forget_buffer(v->src, d->serial);
	free(d->grefs);
	free(d);
}

static void
destroy_dbuf(struct xen_vdispl *v, uint64_t cookie)
{
	for (struct dbuf_grants **p = &v->dbufs; *p; p = &(*p)->next) {
		if ((*p)->cookie == cookie) {
			struct dbuf_grants *d = *p;

			*p = d->next;
			free_dbuf(v, d);
			return;
		}
	}
}

/* Collect the grant references the directory chain lists. */
static int
walk_directory(struct xen_vdispl *v, uint32_t first_dir, uint32_t n,
	       uint32_t *refs, char *why, size_t why_len)
{
	struct vdispl_dir_walk w;
	int rc;

	rc = vgfb__vdispl_dir_init(&w, VDISPL_DIR_READ, first_dir, n, refs,
				   why, why_len);
	while (rc == 0 || rc == 1) {
		uint32_t ref = w.next;
		void *page;

		rc = vgfb__xen_map_grants(v->x, PROT_READ, 1, &ref, &page);
		if (rc) {
			snprintf(why, why_len, "directory page gref %u cannot be "
				 "mapped: %s", ref, strerror(-rc));
			rc = -EINVAL;
			break;
		}
		rc = vgfb__vdispl_dir_page(&w, page, why, why_len);
		vgfb__xen_unmap_grants(v->x, page, 1);
		if (rc == 0)
			break;
	}
	vgfb__vdispl_dir_release(&w);
	return rc;
}

static int
create_dbuf(struct xen_vdispl *v, const struct vdispl_action *act, char *why,
	    size_t why_len)
{
	uint32_t n = act->dbuf.n_pages;
	struct dbuf_grants *d;
	uint32_t *refs;
	void *map;
	int rc;

	refs = calloc(n, sizeof(*refs));
	d = calloc(1, sizeof(*d));
	if (d)
		d->grefs = calloc(n, sizeof(*d->grefs));
	if (!refs || !d || !d->grefs) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = walk_directory(v, act->dbuf.gref_directory, n, refs, why, why_len);
	if (rc)
		goto out_free;
	/*
	 * Prove every grant is ours to map before the buffer can become a
	 * plane, as vfb proves frame ownership: an export must not be the
	 * first to find out.
	 */
	rc = vgfb__xen_map_grants(v->x, PROT_READ, n, refs, &map);
	if (rc) {
		snprintf(why, why_len, "DBUF_CREATE 0x%llx: its %u grants "
			 "cannot be mapped: %s",
			 (unsigned long long)act->dbuf.cookie, n, strerror(-rc));
		rc = -EINVAL;
		goto out_free;
	}
	vgfb__xen_unmap_grants(v->x, map, n);
	for (uint32_t i = 0; i < n; i++)
		d->grefs[i] = refs[i];
	d->cookie = act->dbuf.cookie;
	d->n_grefs = n;
	d->serial = ++v->next_serial;
	d->next = v->dbufs;
	v->dbufs = d;
	free(refs);
	return 0;

out_free:
	if (d)
		free(d->grefs);
	free(d);
	free(refs);
	return rc;
}

/* ---- what the connectors show ---- */

static void
blank(struct xen_vdispl *v, uint32_t mask)
{
	for (uint32_t i = 0; i < v->n_conn; i++) {
		if (!(mask & (1u << i)) || !v->conn[i].on)
			continue;
		v->conn[i].on = false;
		v->conn[i].frame_seq++;
		emit(v, i, VGFB_EVENT_PLANE_DISABLED);
	}
}

static bool
same_geometry(const struct vdispl_fb_info *a, const struct vdispl_fb_info *b)
{
	return a->width == b->width && a->height == b->height &&
	       a->drm_format == b->drm_format && a->stride == b->stride &&
	       a->offset == b->offset;
}

static void
show(struct xen_vdispl *v, uint32_t conn, const struct vdispl_fb_info *fb,
     bool flip)
{
	struct vdispl_conn *c = &v->conn[conn];
	bool same = c->on && same_geometry(&c->fb, fb);

	c->on = true;
	c->fb = *fb;
	c->frame_seq++;
	emit(v, conn, flip && same ? VGFB_EVENT_FLIP : VGFB_EVENT_PLANE_CHANGED);
}

/* Carry out what the protocol layer accepted; on failure it is undone. */
static int
carry_out(struct xen_vdispl *v, const struct vdispl_action *act, char *why,
	  size_t why_len)
{
	int rc = 0;

	switch (act->type) {
	case VDISPL_ACT_DBUF_CREATE:
		rc = create_dbuf(v, act, why, why_len);
		if (rc)
			vgfb__vdispl_cancel(v->state, act);
		break;
	case VDISPL_ACT_DBUF_DESTROY:
		blank(v, act->blank_mask);
		destroy_dbuf(v, act->dbuf.cookie);
		break;
	case VDISPL_ACT_FB_DETACH:
		blank(v, act->blank_mask);
		break;
	case VDISPL_ACT_SET_CONFIG:
		if (act->fb.fb_cookie == 0)
			blank(v, 1u << act->conn);
		else
			show(v, act->conn, &act->fb, false);
		break;
	case VDISPL_ACT_PG_FLIP:
		show(v, act->conn, &act->fb, true);
		v->conn[act->conn].flip_pending = act->fb.fb_cookie;
		break;
	case VDISPL_ACT_GET_EDID:
		/* Optional in displif.h: the xenstore resolution stands. */
		snprintf(why, why_len, "GET_EDID: vgfb has no EDID to offer");
		rc = -EOPNOTSUPP;
		break;
	case VDISPL_ACT_FB_ATTACH:
	case VDISPL_ACT_NONE:
	default:
		break;
	}
	return rc;
}

/* ---- connection ---- */

static void
unbind_conn(struct xen_vdispl *v, struct vdispl_conn *c)
{
	if (c->req_bound)
		vgfb__xen_unbind_port(&v->dev, c->req_port);
	if (c->evt_bound)
		vgfb__xen_unbind_port(&v->dev, c->evt_port);
	if (c->req_page)
		vgfb__xen_unmap_grants(v->x, c->req_page, 1);
	if (c->evt_page)
		vgfb__xen_unmap_grants(v->x, c->evt_page, 1);
	memset(c, 0, sizeof(*c));
}

/* notify: tell consumers (not while the source is being closed) */
static void
drop_connection(struct xen_vdispl *v, bool notify)
{
	for (uint32_t i = 0; i < v->n_conn; i++) {
		bool was_on = v->conn[i].on;
		uint64_t seq = v->conn[i].frame_seq;

		unbind_conn(v, &v->conn[i]);
		v->conn[i].frame_seq = seq + 1;
		if (was_on && notify)
			emit(v, i, VGFB_EVENT_PLANE_DISABLED);
	}
	while (v->dbufs) {
		struct dbuf_grants *d = v->dbufs;

		v->dbufs = d->next;
		free_dbuf(v, d);
	}
	vgfb__vdispl_state_free(v->state);
	v->state = NULL;
}

static void
vdispl_disconnect(struct vgfb_xen_device *d)
{
	drop_connection(vdispl_of(d), true);
}

static int
connect_conn(struct xen_vdispl *v, uint32_t i)
{
	const struct vdispl_connector_cfg *cc = &v->cfg.conn[i];
	struct vdispl_conn *c = &v->conn[i];
	uint64_t seq = c->frame_seq;
	int rc;

	memset(c, 0, sizeof(*c));
	c->frame_seq = seq;
	rc = vgfb__xen_map_grants(v->x, PROT_READ | PROT_WRITE, 1,
				  &cc->req_ring_ref, &c->req_page);
	if (rc == 0)
		rc = vgfb__xen_map_grants(v->x, PROT_READ | PROT_WRITE, 1,
					  &cc->evt_ring_ref, &c->evt_page);
	if (rc) {
		log_error(ctx_of(v), "vdispl: domain %u connector %u: ring "
			  "grants %u/%u cannot be mapped: %s", v->x->domid, i,
			  cc->req_ring_ref, cc->evt_ring_ref, strerror(-rc));
		return -EINVAL;
	}
	rc = vgfb__xen_bind_port(&v->dev, cc->req_evtchn, &c->req_port);
	c->req_bound = rc == 0;
	if (rc == 0)
		rc = vgfb__xen_bind_port(&v->dev, cc->evt_evtchn, &c->evt_port);
	c->evt_bound = c->req_bound && rc == 0;
	if (rc) {
		log_error(ctx_of(v), "vdispl: domain %u connector %u: cannot "
			  "bind event channels %u/%u: %s", v->x->domid, i,
			  cc->req_evtchn, cc->evt_evtchn, strerror(-rc));
		return rc;
	}
	vgfb__vdispl_ring_init(&c->ring, c->req_page);
	vgfb__vdispl_evt_init(&c->evt, c->evt_page);
	return 0;
}

static int
vdispl_connect(struct vgfb_xen_device *d)
{
	struct xen_vdispl *v = vdispl_of(d);
	char why[256] = "";
	int rc;

	rc = vgfb__vdispl_parse_cfg(cfg_read, v, &v->lim, true, &v->cfg, why,
				    sizeof(why));
	if (rc) {
		log_error(ctx_of(v), "vdispl: domain %u configuration refused: "
			  "%s", v->x->domid, why);
		return rc;
	}
	if (v->cfg.be_alloc) {
		log_error(ctx_of(v), "vdispl: domain %u asks for be-alloc=1: vgfb "
			  "shows the guest's own buffers and allocates none "
			  "(set be-alloc=0 in vdispl=)", v->x->domid);
		return -EOPNOTSUPP;
	}
	if (v->cfg.n_connectors != v->n_conn) {
		log_error(ctx_of(v), "vdispl: domain %u now has %u connectors, "
			  "not %u: restart the backend", v->x->domid,
			  v->cfg.n_connectors, v->n_conn);
		return -EPROTO;
	}
	rc = vgfb__vdispl_state_new(&v->cfg, &v->lim, &v->state);
	for (uint32_t i = 0; rc == 0 && i < v->n_conn; i++)
		rc = connect_conn(v, i);
	if (rc) {
		drop_connection(v, false);
		return rc;
	}
	log_info(ctx_of(v), "vdispl: domain %u connected: %u connector(s), "
		 "first %ux%u", v->x->domid, v->n_conn, v->cfg.conn[0].width,
		 v->cfg.conn[0].height);
	return 0;
}

/* A transport the guest broke: drop the connection, keep the device. */
static void
refuse_frontend(struct xen_vdispl *v, uint32_t conn, const char *what,
		const char *why)
{
	log_error(ctx_of(v), "vdispl: domain %u connector %u broke the %s: %s; "
		  "disconnecting", v->x->domid, conn, what, why);
	vgfb__xen_refuse_frontend(&v->dev);
}

static void
send_flip_events(struct xen_vdispl *v)
{
	char why[256];

	for (uint32_t i = 0; v->dev.connected && i < v->n_conn; i++) {
		struct vdispl_conn *c = &v->conn[i];
		int rc;

		if (!c->flip_pending)
			continue;
		rc = vgfb__vdispl_evt_pg_flip(&c->evt, c->flip_pending, why,
					      sizeof(why));
		if (rc == -EAGAIN)
			continue;	/* full: retried on the next request */
		if (rc < 0) {
			refuse_frontend(v, i, "event page", why);
			return;
		}
		c->flip_pending = 0;
		vgfb__xen_notify(&v->dev, c->evt_port);
	}
}

/*
 * Requests one dispatch answers on one connector before it yields: a
 * ring's worth (32 slots on a 4 KiB page).  A frontend that refills its
 * ring as fast as it is answered would otherwise keep serve_ring looping
 * and vgfbd's other clients waiting; past the budget the port is kicked
 * (vgfb__xen_kick_port) and served again on the next dispatch.
 */
#define VDISPL_REQUESTS_PER_DISPATCH 32u

/*
 * Answer the requests on connector conn's ring, at most a budget of
 * them; -EPROTO: broken ring.
 */
static int
serve_ring(struct xen_vdispl *v, uint32_t conn, char *why, size_t why_len)
{
	struct vdispl_conn *c = &v->conn[conn];
	struct vdispl_action act;
	struct vdispl_req req;
	uint32_t served = 0;
	int rc = 0;

again:
	while (served < VDISPL_REQUESTS_PER_DISPATCH &&
	       (rc = vgfb__vdispl_ring_take(&c->ring, &req, why,
					    why_len)) == 1) {
		int status;

		served++;
		why[0] = '\0';
		status = vgfb__vdispl_handle(v->state, conn, &req, &act, why,
					     why_len);
		if (status == 0)
			status = carry_out(v, &act, why, why_len);
		if (status)
			log_info(ctx_of(v), "vdispl: domain %u connector %u: "
				 "request 0x%02x refused (%s): %s",
				 v->x->domid, conn, req.operation,
				 strerror(-status), why);
		vgfb__vdispl_ring_respond(&c->ring, &req,
					  vgfb__vdispl_status(status), 0);
	}
	if (served < VDISPL_REQUESTS_PER_DISPATCH && rc < 0)
		return rc;
	if (vgfb__vdispl_ring_push(&c->ring))
		vgfb__xen_notify(&v->dev, c->req_port);
	if (served == VDISPL_REQUESTS_PER_DISPATCH) {
		/* take() was not called for what may be left: look later */
		log_debug(ctx_of(v), "vdispl: domain %u connector %u: %u "
			  "requests served, yielding", v->x->domid, conn,
			  served);
		vgfb__xen_kick_port(&v->dev, c->req_port);
		return 0;
	}
	if (vgfb__vdispl_ring_final_check(&c->ring))
		goto again;
	return 0;
}

static void
port_fired(struct xen_vdispl *v, evtchn_port_t port)
{
	char why[256];

	for (uint32_t i = 0; v->dev.connected && i < v->n_conn; i++) {
		struct vdispl_conn *c = &v->conn[i];

		if (c->evt_bound && port == c->evt_port) {
			send_flip_events(v);	/* the frontend made room */
			return;
		}
		if (!c->req_bound || port != c->req_port)
			continue;
		if (serve_ring(v, i, why, sizeof(why)) < 0) {
			refuse_frontend(v, i, "request ring", why);
			return;
		}
		/* Responses first, then the flips they completed. */
		send_flip_events(v);
		return;
	}
}

static void
vdispl_dispatch(void *src, enum vgfb_source_event what, uint32_t channel)
{
	struct xen_vdispl *v = src;

	if (what == VGFB_SOURCE_CONFIG_CHANGED)
		vgfb__xen_frontend_changed(&v->dev);
	else
		port_fired(v, (evtchn_port_t)channel);
}

static uint32_t
vdispl_head_count(void *src)
{
	return ((struct xen_vdispl *)src)->n_conn;
}

static int
vdispl_get_plane(void *src, uint32_t head, uint32_t plane_type,
		 struct vgfb_plane_desc *d)
{
	struct xen_vdispl *v = src;
	const struct vdispl_conn *c;
	const struct dbuf_grants *dbuf;
	uint32_t first;

	if (head >= v->n_conn)
		return -ENODEV;
	c = &v->conn[head];
	if (!v->dev.connected || !c->on || plane_type != DRM_PLANE_TYPE_PRIMARY)
		return -ENODEV;	/* displif has no cursor plane */
	dbuf = find_dbuf(v, c->fb.dbuf_cookie);
	if (!dbuf)
		return -ENODEV;
	/* Planes start on a page: a dma-buf has no offset to carry more. */
	if (c->fb.offset % VGFB_PAGE_SIZE) {
		log_error(ctx_of(v), "vdispl: domain %u buffer 0x%llx starts at "
			  "data_ofs %u, not on a page: not offered",
			  v->x->domid, (unsigned long long)dbuf->cookie,
			  c->fb.offset);
		return -EINVAL;
	}
	first = c->fb.offset / VGFB_PAGE_SIZE;
	memset(d, 0, sizeof(*d));
	d->drm_format = c->fb.drm_format;
	d->modifier = 0;	/* DRM_FORMAT_MOD_LINEAR: displif has no other */
	d->width = c->fb.width;
	d->height = c->fb.height;
	d->stride = c->fb.stride;
	d->buf.kind = VGFB_BUFFER_GRANT_LIST;
	d->buf.n_frames = dbuf->n_grefs - first;
	d->buf.frames = dbuf->grefs + first;
	d->buf.size = (uint64_t)d->buf.n_frames * VGFB_PAGE_SIZE;
	d->buf.serial = dbuf->serial;
	d->x_hot = d->y_hot = 0xFFFFFFFFu;
	d->frame_seq = c->frame_seq;
	return 0;
}

struct vdispl_new_nodes {
	const char *nodes[2 + 4 * VDISPL_MAX_CONNECTORS + 1];
	char names[VDISPL_MAX_CONNECTORS][3][24];
};

/*
 * vdispl=create: what `vdispl = [ "backend=0,be-alloc=0,connectors=..." ]`
 * makes libxl write, for guests whose xl.cfg has none (libxl would wait
 * for a backend that cannot exist before the domain does).
 */

/*
 * vdispl=create: what `vdispl = [ "backend=0,be-alloc=0,connectors=..." ]`
 * makes libxl write, for guests whose xl.cfg has none (libxl would wait
 * for a backend that cannot exist before the domain does).
 */
static const char *const *
new_device_nodes(const struct vgfb_xen *x, struct vdispl_new_nodes *nn)
{
	uint32_t count = x->n_new_connectors ? x->n_new_connectors : 1;
	size_t n = 0;

	nn->nodes[n++] = "be-alloc";
	nn->nodes[n++] = "0";
	for (uint32_t i = 0; i < count; i++) {
		snprintf(nn->names[i][0], sizeof(nn->names[i][0]),
			 "%u/resolution", i);
		snprintf(nn->names[i][1], sizeof(nn->names[i][1]),
			 "%u/unique-id", i);
		snprintf(nn->names[i][2], sizeof(nn->names[i][2]), "c%u", i);
		nn->nodes[n++] = nn->names[i][0];
		nn->nodes[n++] = x->n_new_connectors ? x->new_connectors[i]
						     : "1024x768";
		nn->nodes[n++] = nn->names[i][1];
		nn->nodes[n++] = nn->names[i][2];
	}
	nn->nodes[n] = NULL;
	return nn->nodes;
}

static void
vdispl_close(void *src)
{
	struct xen_vdispl *v = src;

	drop_connection(v, false);
	vgfb__xen_device_close(&v->dev);
	free(v->last_read);
	free(v);
}

/* Input for a connector: to the guest's vkbd, scaled from its plane. */
static int
vdispl_send_input(void *src, uint32_t head,
		  const struct vgfb_input_event *ev, uint32_t n)
{
	struct xen_vdispl *v = src;
	struct vgfb_plane_desc d;

	if (vdispl_get_plane(src, head, DRM_PLANE_TYPE_PRIMARY, &d))
		d.width = d.height = 0;		/* nothing shown yet */
	return vgfb__xen_vkbd_send(v->x, d.width, d.height, ev, n);
}

static const struct vgfb_xen_device_ops vdispl_device = {
	.connect = vdispl_connect,
	.disconnect = vdispl_disconnect,
};

static const struct vgfb_source_ops vdispl_source = {
	.name = "vdispl",
	.head_count = vdispl_head_count,
	.get_plane = vdispl_get_plane,
	.dispatch = vdispl_dispatch,
	.close = vdispl_close,
	.send_input = vdispl_send_input,
};

int
vgfb__xen_vdispl_open(struct vgfb_xen *x)
{
	struct vdispl_new_nodes nn;
	struct xen_vdispl *v;
	char why[256] = "";
	int rc;

	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->x = x;
	vgfb__vdispl_limits_default(&v->lim);
	if (x->videoram_limit && x->videoram_limit < v->lim.max_buffer_bytes)
		v->lim.max_buffer_bytes = (uint32_t)x->videoram_limit;
	rc = vgfb__xen_device_open(x, "vdispl", x->vdispl_mode,
				   new_device_nodes(x, &nn), &vdispl_device,
				   &v->dev);
	if (rc) {
		free(v);
		return rc;
	}
	/* The toolstack's connectors decide the heads, once. */
	rc = vgfb__vdispl_parse_cfg(cfg_read, v, &v->lim, false, &v->cfg, why,
				    sizeof(why));
	if (rc) {
		log_error(ctx_of(v), "vdispl: domain %u configuration refused: "
			  "%s", x->domid, why);
		vgfb__xen_device_abandon(&v->dev);
		free(v->last_read);
		free(v);
		return rc;
	}
	v->n_conn = v->cfg.n_connectors;
	rc = vgfb__xen_write(x, v->dev.be, "versions", VDISPL_BACKEND_VERSIONS);
	if (rc == 0)
		rc = vgfb__xen_set_state(&v->dev, XenbusStateInitWait);
	if (rc == 0)
		rc = vgfb__local_add_source(x->m, &vdispl_source, v, &v->src);
	if (rc) {
		vdispl_close(v);
		return rc;
	}
	v->dev.owner = v->src;
	return 0;
}
