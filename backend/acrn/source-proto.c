/* SPDX-License-Identifier: MIT */
/*
 * The source protocol's strict parser and encoder (source-proto.h).  A
 * device model's bytes are guest controlled until this accepted them:
 * every payload has an exact size and no implicit padding, so a message
 * is accepted only when every field is in range and every reserved byte
 * is 0, and then encode(parse(x)) == x.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <drm_fourcc.h>

#include "source-proto.h"
#include "wire.h"

_Static_assert(sizeof(struct vgfb_src_hdr) == VGFB_SRC_HDR_SIZE, "header");
_Static_assert(sizeof(struct vgfb_src_hello) == 184, "hello");
_Static_assert(sizeof(struct vgfb_src_welcome) == 8, "welcome");
_Static_assert(sizeof(struct vgfb_src_error) == 8, "error");
_Static_assert(sizeof(struct vgfb_src_scanout_set) == 48, "set");
_Static_assert(sizeof(struct vgfb_src_scanout_update) == 40, "update");
_Static_assert(sizeof(struct vgfb_src_cursor_define) == 48, "cursor");
_Static_assert(sizeof(struct vgfb_src_cursor_move) == 16, "move");
_Static_assert(sizeof(struct vgfb_src_cursor_disable) == 8, "disable");
_Static_assert(sizeof(struct vgfb_src_bye) == 8, "bye");
_Static_assert(VGFB_SRC_HDR_SIZE + sizeof(struct vgfb_src_hello) <=
	       VGFB_SRC_MAX_MSG, "the longest message fits");

/* The payload size of a type in a direction; 0 when not allowed there. */
static size_t
payload_size(uint16_t type, enum vgfb_src_dir dir)
{
	if (dir == VGFB_SRC_TO_SOURCE) {
		switch (type) {
		case VGFB_SRC_WELCOME:
			return sizeof(struct vgfb_src_welcome);
		case VGFB_SRC_ERROR:
			return sizeof(struct vgfb_src_error);
		default:
			return 0;
		}
	}
	switch (type) {
	case VGFB_SRC_HELLO:
		return sizeof(struct vgfb_src_hello);
	case VGFB_SRC_SCANOUT_SET:
		return sizeof(struct vgfb_src_scanout_set);
	case VGFB_SRC_SCANOUT_UPDATE:
		return sizeof(struct vgfb_src_scanout_update);
	case VGFB_SRC_CURSOR_DEFINE:
		return sizeof(struct vgfb_src_cursor_define);
	case VGFB_SRC_CURSOR_MOVE:
		return sizeof(struct vgfb_src_cursor_move);
	case VGFB_SRC_CURSOR_DISABLE:
		return sizeof(struct vgfb_src_cursor_disable);
	case VGFB_SRC_BYE:
		return sizeof(struct vgfb_src_bye);
	default:
		return 0;
	}
}

static bool
check_hello(const struct vgfb_src_hello *h)
{
	if (h->version != VGFB_SRC_VERSION || h->n_scanouts < 1 ||
	    h->n_scanouts > VGFB_SRC_MAX_SCANOUTS || h->generation < 1 ||
	    h->reserved || !vgfb__wire_name_ok(h->name, VGFB_SRC_NAME_LEN))
		return false;
	for (uint32_t i = 0; i < VGFB_SRC_MAX_SCANOUTS; i++) {
		if (i >= h->n_scanouts) {
			if (h->geometry[i].width || h->geometry[i].height)
				return false;
		} else if (h->geometry[i].width > VGFB_SRC_MAX_DIMENSION ||
			   h->geometry[i].height > VGFB_SRC_MAX_DIMENSION) {
			return false;
		}
	}
	return true;
}

static bool
check_set(const struct vgfb_src_scanout_set *s)
{
	if (s->scanout >= VGFB_SRC_MAX_SCANOUTS)
		return false;
	switch (s->kind) {
	case VGFB_SRC_BUFFER_DISABLE:
		return s->drm_format == 0 && s->width == 0 && s->height == 0 &&
		       s->stride == 0 && s->offset == 0 && s->modifier == 0 &&
		       s->serial == 0;
	case VGFB_SRC_BUFFER_MEMFD:
		if (s->offset % VGFB_SRC_PAGE)
			return false;
		/* fall through */
	case VGFB_SRC_BUFFER_DMABUF:
		return s->drm_format != 0 && s->width >= 1 &&
		       s->width <= VGFB_SRC_MAX_DIMENSION && s->height >= 1 &&
		       s->height <= VGFB_SRC_MAX_DIMENSION && s->stride >= 1 &&
		       s->modifier == DRM_FORMAT_MOD_LINEAR && s->serial != 0;
	default:
		return false;
	}
}

static bool
check_update(const struct vgfb_src_scanout_update *u)
{
	if (u->scanout >= VGFB_SRC_MAX_SCANOUTS || u->serial == 0 ||
	    (u->flags & ~VGFB_SRC_UPDATE_FLIP))
		return false;
	if (u->flags & VGFB_SRC_UPDATE_FLIP) {
		if (u->offset % VGFB_SRC_PAGE)
			return false;
	} else if (u->offset) {
		return false;
	}
	if (u->width == 0)
		return u->x == 0 && u->y == 0 && u->height == 0;
	return u->height != 0;
}

static bool
check_cursor(const struct vgfb_src_cursor_define *c)
{
	return c->scanout < VGFB_SRC_MAX_SCANOUTS &&
	       c->drm_format == DRM_FORMAT_ARGB8888 &&
	       c->width >= 1 && c->width <= VGFB_SRC_MAX_CURSOR &&
	       c->height >= 1 && c->height <= VGFB_SRC_MAX_CURSOR &&
	       (uint64_t)c->width * 4 <= c->stride &&
	       c->hot_x < c->width && c->hot_y < c->height &&
	       c->reserved == 0 && c->serial != 0;
}

static bool
check_payload(const struct vgfb_src_msg *m)
{
	switch (m->type) {
	case VGFB_SRC_HELLO:
		return check_hello(&m->hello);
	case VGFB_SRC_WELCOME:
		return m->welcome.version == VGFB_SRC_VERSION &&
		       m->welcome.heads >= 1 &&
		       m->welcome.heads <= VGFB_SRC_MAX_SCANOUTS;
	case VGFB_SRC_ERROR:
		return m->error.error < 0 && m->error.error >= -4095 &&
		       m->error.reserved == 0;
	case VGFB_SRC_SCANOUT_SET:
		return check_set(&m->set);
	case VGFB_SRC_SCANOUT_UPDATE:
		return check_update(&m->update);
	case VGFB_SRC_CURSOR_DEFINE:
		return check_cursor(&m->cursor);
	case VGFB_SRC_CURSOR_MOVE:
		return m->move.scanout < VGFB_SRC_MAX_SCANOUTS &&
		       m->move.reserved == 0;
	case VGFB_SRC_CURSOR_DISABLE:
		return m->cursor_disable.scanout < VGFB_SRC_MAX_SCANOUTS &&
		       m->cursor_disable.reserved == 0;
	case VGFB_SRC_BYE:
		return (m->bye.reason == VGFB_SRC_BYE_REBOOT ||
			m->bye.reason == VGFB_SRC_BYE_EXIT) &&
		       m->bye.reserved == 0;
	default:
		return false;
	}
}

int
vgfb__src_parse(const void *buf, size_t n, enum vgfb_src_dir dir,
		struct vgfb_src_msg *out)
{
	struct vgfb_src_hdr h;
	size_t want;

	if (n < VGFB_SRC_HDR_SIZE || n > VGFB_SRC_MAX_MSG)
		return -EPROTO;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != VGFB_SRC_MAGIC || h.len != n - VGFB_SRC_HDR_SIZE)
		return -EPROTO;
	if (h.version != VGFB_SRC_VERSION)
		return -EPROTONOSUPPORT;
	want = payload_size(h.type, dir);
	if (!want || h.len != want)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	out->type = h.type;
	memcpy(&out->hello, (const char *)buf + VGFB_SRC_HDR_SIZE, want);
	return check_payload(out) ? 0 : -EBADMSG;
}

int
vgfb__src_encode(const struct vgfb_src_msg *msg, enum vgfb_src_dir dir,
		 void *buf, size_t cap)
{
	size_t want = payload_size(msg->type, dir);
	struct vgfb_src_hdr h = {
		.magic = VGFB_SRC_MAGIC,
		.version = VGFB_SRC_VERSION,
		.type = msg->type,
		.len = (uint32_t)want,
	};

	if (!want || !check_payload(msg))
		return -EBADMSG;
	if (cap < VGFB_SRC_HDR_SIZE + want)
		return -ENOSPC;
	memcpy(buf, &h, sizeof(h));
	memcpy((char *)buf + VGFB_SRC_HDR_SIZE, &msg->hello, want);
	return (int)(VGFB_SRC_HDR_SIZE + want);
}

unsigned int
vgfb__src_fd_count(const struct vgfb_src_msg *msg)
{
	switch (msg->type) {
	case VGFB_SRC_SCANOUT_SET:
		return msg->set.kind != VGFB_SRC_BUFFER_DISABLE;
	case VGFB_SRC_CURSOR_DEFINE:
		return 1;
	default:
		return 0;
	}
}

const char *
vgfb__src_type_name(uint16_t type)
{
	switch (type) {
	case VGFB_SRC_HELLO: return "HELLO";
	case VGFB_SRC_WELCOME: return "WELCOME";
	case VGFB_SRC_ERROR: return "ERROR";
	case VGFB_SRC_SCANOUT_SET: return "SCANOUT_SET";
	case VGFB_SRC_SCANOUT_UPDATE: return "SCANOUT_UPDATE";
	case VGFB_SRC_CURSOR_DEFINE: return "CURSOR_DEFINE";
	case VGFB_SRC_CURSOR_MOVE: return "CURSOR_MOVE";
	case VGFB_SRC_CURSOR_DISABLE: return "CURSOR_DISABLE";
	case VGFB_SRC_BYE: return "BYE";
	default: return "?";
	}
}
