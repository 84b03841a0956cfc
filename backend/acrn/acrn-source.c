/* SPDX-License-Identifier: MIT */
/*
 * The ACRN source: a VM's scanouts as heads, each with a primary plane
 * (the buffer the device model last set: a dma-buf or a shadow memfd)
 * and a cursor (a write-sealed memfd).  State changes come as source
 * protocol messages (acrn.c parses and routes them); every plane is
 * checked with the core's one validation policy when it arrives, and
 * again by the core when a consumer asks for it.
 *
 * Buffers are named for the core by serials of our own, counted over the
 * whole context: a device model's serials start again on each connection
 * and must never name an older buffer's cache entries.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <drm_fourcc.h>

#include "acrn.h"
#include "validate.h"

#define HOT_UNKNOWN 0xFFFFFFFFu

struct acrn_plane {
	bool enabled;
	uint64_t serial;	/* ours, for the core; 0 when off */
	uint64_t src_serial;	/* the device model's */
	struct acrn_fd f;
	uint32_t drm_format, width, height, stride;
	uint64_t offset;	/* the shown image's first byte in f */
	/* cursor only */
	uint32_t hot_x, hot_y;
	int32_t x, y;
};

struct acrn_scanout {
	struct acrn_plane primary;
	struct acrn_plane cursor;
	uint64_t frame_seq;
};

struct acrn_source {
	struct vgfb_local *m;
	struct vgfb_source *src;
	uint32_t heads;
	struct acrn_scanout so[VGFB_SRC_MAX_SCANOUTS];
	uint64_t next_serial;
	bool ignored_logged;	/* this connection's first id >= heads */
};

static struct vgfb *
ctx_of(struct acrn_source *s)
{
	return vgfb__local_ctx(s->m);
}

static void
emit(struct acrn_source *s, uint32_t type, uint32_t head, uint32_t plane,
     const struct vgfb_rect *rect)
{
	struct vgfb_event ev = {
		.type = type,
		.head = head,
		.drm_plane_type = plane,
		.frame_seq = s->so[head].frame_seq,
	};

	if (rect)
		ev.rect = *rect;
	if (s->src)
		vgfb__source_emit(s->src, &ev);
}

/* Forget a plane's buffer: the core's ids first, then our fd. */
static void
plane_off(struct acrn_source *s, struct acrn_plane *p)
{
	if (p->serial && s->src)
		vgfb__source_forget_buffer(s->src, p->serial);
	vgfb__acrn_fd_release(&p->f);
	memset(p, 0, sizeof(*p));
	p->f.fd = -1;
}

/* ---- descriptors: what the core validates ---- */

static void
describe(const struct acrn_plane *p, bool cursor, uint64_t frame_seq,
	 struct vgfb_plane_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->drm_format = p->drm_format;
	d->modifier = DRM_FORMAT_MOD_LINEAR;
	d->width = p->width;
	d->height = p->height;
	d->stride = p->stride;
	d->buf.kind = VGFB_BUFFER_PLATFORM_FD;
	d->buf.gpa = p->offset;
	d->buf.size = p->offset < p->f.size ? p->f.size - p->offset : 0;
	d->buf.serial = p->serial;
	d->x_hot = cursor ? p->hot_x : HOT_UNKNOWN;
	d->y_hot = cursor ? p->hot_y : HOT_UNKNOWN;
	/* the VFIO record has no sign: a cursor off the left edge is at 0 */
	d->x_pos = cursor && p->x > 0 ? (uint32_t)p->x : 0;
	d->y_pos = cursor && p->y > 0 ? (uint32_t)p->y : 0;
	d->frame_seq = frame_seq;
}

/* The core's policy, applied when the plane arrives. */
static int
check_plane(const struct acrn_plane *p, bool cursor, char *why, size_t len)
{
	const struct vgfb_memmap no_map = { 0 };
	struct vgfb_plane_desc d;
	struct vgfb_plane_geom g;

	describe(p, cursor, 0, &d);
	return vgfb__validate_plane(cursor ? DRM_PLANE_TYPE_CURSOR
					   : DRM_PLANE_TYPE_PRIMARY,
				    &d, &no_map, &g, why, len);
}

/* ---- messages ---- */

static bool
serial_in_use(const struct acrn_source *s, uint64_t src_serial)
{
	for (uint32_t i = 0; i < s->heads; i++)
		if ((s->so[i].primary.enabled &&
		     s->so[i].primary.src_serial == src_serial) ||
		    (s->so[i].cursor.enabled &&
		     s->so[i].cursor.src_serial == src_serial))
			return true;
	return false;
}

/*
 * A new buffer for a plane: p holds what the message says; its fd is
 * taken (ours from here on, closed on failure too), checked, measured
 * and named, and the plane checked with the core's policy.
 */
static int
take_buffer(struct acrn_source *s, struct acrn_plane *p, int fd,
	    enum acrn_fd_kind kind, char *why, size_t len)
{
	bool cursor = kind == ACRN_FD_CURSOR;
	int rc;

	if (serial_in_use(s, p->src_serial)) {
		vgfb__acrn_fd_release(&(struct acrn_fd){ .fd = fd });
		return vgfb__refuse(why, len,
				    "%sserial %" PRIu64 " names a buffer "
				    "already shown", cursor ? "cursor " : "",
				    p->src_serial);
	}
	rc = vgfb__acrn_fd_take(fd, kind, &p->f, why, len);
	if (rc)
		return rc;
	p->enabled = true;
	p->serial = s->next_serial++;
	rc = check_plane(p, cursor, why, len);
	if (rc)
		vgfb__acrn_fd_release(&p->f);
	return rc;
}

static int
apply_set(struct acrn_source *s, const struct vgfb_src_scanout_set *m,
	  int fd, char *why, size_t len)
{
	struct acrn_scanout *so = &s->so[m->scanout];
	struct acrn_plane p = {
		.src_serial = m->serial, .drm_format = m->drm_format,
		.width = m->width, .height = m->height, .stride = m->stride,
		.offset = m->offset,
	};
	int rc;

	if (m->kind == VGFB_SRC_BUFFER_DISABLE) {
		bool was = so->primary.enabled;

		plane_off(s, &so->primary);
		if (was)
			emit(s, VGFB_EVENT_PLANE_DISABLED, m->scanout,
			     DRM_PLANE_TYPE_PRIMARY, NULL);
		return 0;
	}
	rc = take_buffer(s, &p, fd, m->kind == VGFB_SRC_BUFFER_DMABUF ?
			 ACRN_FD_DMABUF : ACRN_FD_MEMFD, why, len);
	if (rc)
		return rc;
	plane_off(s, &so->primary);
	so->primary = p;
	so->frame_seq++;
	emit(s, VGFB_EVENT_PLANE_CHANGED, m->scanout, DRM_PLANE_TYPE_PRIMARY,
	     NULL);
	return 0;
}

static int
apply_update(struct acrn_source *s, const struct vgfb_src_scanout_update *m,
	     char *why, size_t len)
{
	struct acrn_scanout *so = &s->so[m->scanout];
	struct acrn_plane *p = &so->primary;
	struct vgfb_rect r;
	int rc;

	if (!p->enabled || p->src_serial != m->serial) {
		/* a SET overtook it: not an error (vgfb-source.h) */
		log_debug(ctx_of(s), "acrn: scanout %u: stale update of "
			  "buffer %" PRIu64 " ignored", m->scanout, m->serial);
		return 0;
	}
	if (m->flags & VGFB_SRC_UPDATE_FLIP) {
		struct acrn_plane next = *p;

		if (p->f.kind != ACRN_FD_MEMFD)
			return vgfb__refuse(why, len,
					    "FLIP on a buffer that is not "
					    "a memfd");
		next.offset = m->offset;
		rc = check_plane(&next, false, why, len);
		if (rc)
			return rc;
		p->offset = m->offset;
		so->frame_seq++;
		emit(s, VGFB_EVENT_FLIP, m->scanout, DRM_PLANE_TYPE_PRIMARY,
		     NULL);
		return 0;
	}
	r = (struct vgfb_rect){ .x = m->x, .y = m->y, .width = m->width,
				.height = m->height };
	if (m->width == 0) {
		r = (struct vgfb_rect){ .width = p->width,
					.height = p->height };
	} else if (m->x >= p->width || m->y >= p->height ||
		   m->width > p->width - m->x ||
		   m->height > p->height - m->y) {
		return vgfb__refuse(why, len,
				    "damage %ux%u+%u+%u is outside the "
				    "%ux%u plane", m->width, m->height, m->x,
				    m->y, p->width, p->height);
	}
	so->frame_seq++;
	emit(s, VGFB_EVENT_DAMAGE, m->scanout, DRM_PLANE_TYPE_PRIMARY, &r);
	return 0;
}

static int
apply_cursor(struct acrn_source *s, const struct vgfb_src_cursor_define *m,
	     int fd, char *why, size_t len)
{
	struct acrn_scanout *so = &s->so[m->scanout];
	struct acrn_plane p = {
		.src_serial = m->serial, .drm_format = m->drm_format,
		.width = m->width, .height = m->height, .stride = m->stride,
		.hot_x = m->hot_x, .hot_y = m->hot_y, .x = m->x, .y = m->y,
	};
	int rc;

	rc = take_buffer(s, &p, fd, ACRN_FD_CURSOR, why, len);
	if (rc)
		return rc;
	plane_off(s, &so->cursor);
	so->cursor = p;
	emit(s, VGFB_EVENT_PLANE_CHANGED, m->scanout, DRM_PLANE_TYPE_CURSOR,
	     NULL);
	return 0;
}

static uint32_t
scanout_of(const struct vgfb_src_msg *msg)
{
	switch (msg->type) {
	case VGFB_SRC_SCANOUT_SET: return msg->set.scanout;
	case VGFB_SRC_SCANOUT_UPDATE: return msg->update.scanout;
	case VGFB_SRC_CURSOR_DEFINE: return msg->cursor.scanout;
	case VGFB_SRC_CURSOR_MOVE: return msg->move.scanout;
	case VGFB_SRC_CURSOR_DISABLE: return msg->cursor_disable.scanout;
	default: return 0;
	}
}

int
vgfb__acrn_source_apply(struct acrn_source *s, uint32_t n_scanouts,
			const struct vgfb_src_msg *msg, int fd, char *why,
			size_t len)
{
	uint32_t id = scanout_of(msg);
	struct acrn_plane *c;

	if (id >= n_scanouts) {
		vgfb__acrn_fd_release(&(struct acrn_fd){ .fd = fd });
		return vgfb__refuse(why, len,
				    "scanout %u, but HELLO announced %u",
				    id, n_scanouts);
	}
	if (id >= s->heads) {
		if (!s->ignored_logged)
			log_info(ctx_of(s), "acrn: scanout %u and above are "
				 "ignored: this target serves %u head(s) "
				 "(heads=)", id, s->heads);
		s->ignored_logged = true;
		vgfb__acrn_fd_release(&(struct acrn_fd){ .fd = fd });
		return 0;
	}
	c = &s->so[id].cursor;
	switch (msg->type) {
	case VGFB_SRC_SCANOUT_SET:
		return apply_set(s, &msg->set, fd, why, len);
	case VGFB_SRC_SCANOUT_UPDATE:
		return apply_update(s, &msg->update, why, len);
	case VGFB_SRC_CURSOR_DEFINE:
		return apply_cursor(s, &msg->cursor, fd, why, len);
	case VGFB_SRC_CURSOR_MOVE:
		if (!c->enabled)
			return 0;	/* nothing shown to move */
		c->x = msg->move.x;
		c->y = msg->move.y;
		emit(s, VGFB_EVENT_PLANE_CHANGED, id, DRM_PLANE_TYPE_CURSOR,
		     NULL);
		return 0;
	case VGFB_SRC_CURSOR_DISABLE:
		if (c->enabled) {
			plane_off(s, c);
			emit(s, VGFB_EVENT_PLANE_DISABLED, id,
			     DRM_PLANE_TYPE_CURSOR, NULL);
		}
		return 0;
	default:
		vgfb__acrn_fd_release(&(struct acrn_fd){ .fd = fd });
		return vgfb__refuse(why, len, "%s is not a scanout message",
				    vgfb__src_type_name(msg->type));
	}
}

void
vgfb__acrn_source_clear(struct acrn_source *s, enum acrn_clear how)
{
	const bool changed = how == ACRN_CLEAR_CHANGED;

	for (uint32_t i = 0; i < s->heads; i++) {
		struct acrn_scanout *so = &s->so[i];
		bool had[2] = { so->primary.enabled, so->cursor.enabled };

		plane_off(s, &so->primary);
		plane_off(s, &so->cursor);
		for (unsigned int k = 0; k < 2 && how != ACRN_CLEAR_QUIET; k++)
			if (changed || had[k])
				emit(s, changed ? VGFB_EVENT_PLANE_CHANGED
						: VGFB_EVENT_PLANE_DISABLED,
				     i, k ? DRM_PLANE_TYPE_CURSOR
					  : DRM_PLANE_TYPE_PRIMARY, NULL);
	}
}

void
vgfb__acrn_source_new_connection(struct acrn_source *s)
{
	s->ignored_logged = false;
}

/* ---- backings ---- */

static struct acrn_plane *
plane_of_serial(struct acrn_source *s, uint64_t serial)
{
	for (uint32_t i = 0; i < s->heads; i++) {
		if (s->so[i].primary.enabled &&
		    s->so[i].primary.serial == serial)
			return &s->so[i].primary;
		if (s->so[i].cursor.enabled && s->so[i].cursor.serial == serial)
			return &s->so[i].cursor;
	}
	return NULL;
}

int
vgfb__acrn_source_backing(struct acrn_source *s,
			  const struct vgfb_buffer *buf, uint64_t size,
			  struct vgfb_backing *out)
{
	struct acrn_plane *p;

	if (buf->kind != VGFB_BUFFER_PLATFORM_FD)
		return -EINVAL;
	p = plane_of_serial(s, buf->serial);
	if (!p)
		return -ENOENT;		/* replaced since the query */
	/* validated against the fd's measured size; re-checked here */
	if (buf->gpa > p->f.size || size > p->f.size - buf->gpa)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->size = size;
	if (p->f.kind == ACRN_FD_DMABUF) {
		out->kind = VGFB_BACKING_DMABUF;
		out->dmabuf.fd = p->f.fd;
		out->dmabuf.offset = buf->gpa;
		return 0;
	}
	out->kind = VGFB_BACKING_MEMFD;
	out->memfd.fd = p->f.fd;
	out->memfd.offset = buf->gpa;
	out->memfd.addr = p->f.map + buf->gpa;
	return 0;
}

/* ---- source ops ---- */

static uint32_t
acrn_head_count(void *priv)
{
	struct acrn_source *s = priv;

	return s->heads;
}

static int
acrn_get_plane(void *priv, uint32_t head, uint32_t plane_type,
	       struct vgfb_plane_desc *desc)
{
	struct acrn_source *s = priv;
	const struct acrn_plane *p;
	bool cursor = plane_type == DRM_PLANE_TYPE_CURSOR;

	if (head >= s->heads)
		return -EINVAL;
	p = cursor ? &s->so[head].cursor : &s->so[head].primary;
	if (!p->enabled)
		return -ENODEV;
	describe(p, cursor, s->so[head].frame_seq, desc);
	return 0;
}

static void
acrn_source_close(void *priv)
{
	struct acrn_source *s = priv;

	for (uint32_t i = 0; i < s->heads; i++) {
		plane_off(s, &s->so[i].primary);
		plane_off(s, &s->so[i].cursor);
	}
	free(s);
}

const struct vgfb_source_ops vgfb__acrn_source_ops = {
	.name = "acrn",
	.head_count = acrn_head_count,
	.get_plane = acrn_get_plane,
	.close = acrn_source_close,
};

int
vgfb__acrn_source_new(struct vgfb_local *m, uint32_t heads,
		      struct acrn_source **out)
{
	struct acrn_source *s;

	if (heads < 1 || heads > VGFB_SRC_MAX_SCANOUTS)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->m = m;
	s->heads = heads;
	s->next_serial = 1;
	for (uint32_t i = 0; i < VGFB_SRC_MAX_SCANOUTS; i++) {
		s->so[i].primary.f.fd = -1;
		s->so[i].cursor.f.fd = -1;
	}
	*out = s;
	return 0;
}

int
vgfb__acrn_source_register(struct acrn_source *s)
{
	return vgfb__local_add_source(s->m, &vgfb__acrn_source_ops, s,
				      &s->src);
}
