/* SPDX-License-Identifier: MIT */
/*
 * The vgfbd wire protocol: strict parser, encoder, and the SCM_RIGHTS
 * send/receive helpers.  Every byte a peer sends is hostile until
 * vgfb__proto_parse() accepted it.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "input.h"
#include "private.h"
#include "proto.h"
#include "wire.h"

_Static_assert(sizeof(struct vgfb_msg_hdr) == VGFB_PROTO_HDR_SIZE,
	       "wire header is 12 bytes");
_Static_assert(sizeof(struct vfio_device_gfx_plane_info) == 64,
	       "VFIO plane record changed size");
_Static_assert(sizeof(struct vgfb_plane_ext) == 280, "ext record size");
_Static_assert(sizeof(struct vgfb_event) == 40, "event record size");
_Static_assert(sizeof(struct vgfb_wire_hello) == 48, "hello size");
_Static_assert(sizeof(struct vgfb_wire_u32) == 8, "u32 size");
_Static_assert(sizeof(struct vgfb_wire_query_req) == 72, "query req size");
_Static_assert(sizeof(struct vgfb_wire_query_reply) == 352,
	       "query reply size");
_Static_assert(sizeof(struct vgfb_wire_error) == 8, "error size");
_Static_assert(sizeof(struct vgfb_wire_sim) == 24, "sim size");
_Static_assert(sizeof(struct vgfb_wire_version) == 8, "version size");
_Static_assert(sizeof(struct vgfb_wire_input) ==
	       8 + VGFB_INPUT_MAX_EVENTS * sizeof(struct vgfb_input_event),
	       "input size");
_Static_assert(sizeof(struct vgfb_wire_sim_input) == 32, "sim input size");
_Static_assert(VGFB_PROTO_HDR_SIZE + sizeof(struct vgfb_wire_input) <=
	       VGFB_PROTO_MAX_MSG, "an INPUT batch fits a message");
_Static_assert(VGFB_PROTO_HDR_SIZE + VGFB_PROTO_MAX_EVENTS *
	       sizeof(struct vgfb_event) <= VGFB_PROTO_MAX_MSG,
	       "an EVENT batch fits a message");
_Static_assert(VGFB_PROTO_HDR_SIZE + sizeof(struct vgfb_wire_query_reply) <=
	       VGFB_PROTO_MAX_MSG, "a QUERY reply fits a message");

#define INFO_OUT_START offsetof(struct vfio_device_gfx_plane_info, drm_format)

/* Bytes after the last member (struct padding) must be zero on the wire. */
static bool
info_padding_zero(const struct vfio_device_gfx_plane_info *info)
{
	size_t end = offsetof(struct vfio_device_gfx_plane_info, dmabuf_id) +
		     sizeof(info->dmabuf_id);

	return vgfb__wire_zero((const char *)info + end, sizeof(*info) - end);
}

static bool
is_probe(uint32_t flags)
{
	return flags == (VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF) ||
	       flags == (VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION);
}

static bool
valid_query_flags(uint32_t flags)
{
	return is_probe(flags) || flags == VFIO_GFX_PLANE_TYPE_DMABUF ||
	       flags == VFIO_GFX_PLANE_TYPE_REGION;
}

static bool
valid_plane_type(uint32_t t)
{
	return t == DRM_PLANE_TYPE_PRIMARY || t == DRM_PLANE_TYPE_CURSOR;
}

static bool
check_hello(const struct vgfb_wire_hello *h)
{
	return h->version == VGFB_PROTO_VERSION &&
	       h->head_count >= 1 && h->head_count <= VGFB_PROTO_MAX_HEADS &&
	       !(h->caps & ~VGFB_CAP_ALL) &&
	       h->max_msg == VGFB_PROTO_MAX_MSG &&
	       vgfb__wire_name_ok(h->backend, VGFB_PROTO_NAME_LEN) &&
	       vgfb__wire_name_ok(h->exporter, VGFB_PROTO_NAME_LEN);
}

static bool
check_query_req(const struct vgfb_wire_query_req *q)
{
	const struct vfio_device_gfx_plane_info *i = &q->info;

	if (q->head >= VGFB_PROTO_MAX_HEADS || q->want_ext > 1)
		return false;
	if (i->argsz != sizeof(*i) || !valid_query_flags(i->flags))
		return false;
	if (is_probe(i->flags) ? i->drm_plane_type != 0
			       : !valid_plane_type(i->drm_plane_type))
		return false;
	return vgfb__wire_zero((const char *)i + INFO_OUT_START,
			sizeof(*i) - INFO_OUT_START);
}

static bool
check_ext(const struct vgfb_plane_ext *e, uint32_t head)
{
	if (e->argsz != sizeof(*e) || e->head != head)
		return false;
	if (e->flags & ~VGFB_PLANE_EXT_DAMAGE_ALL)
		return false;
	if (e->n_damage > VGFB_MAX_DAMAGE)
		return false;
	if ((e->flags & VGFB_PLANE_EXT_DAMAGE_ALL) && e->n_damage)
		return false;
	for (uint32_t k = 0; k < e->n_damage; k++)
		if (!e->damage[k].width || !e->damage[k].height)
			return false;
	return vgfb__wire_zero(&e->damage[e->n_damage],
			(VGFB_MAX_DAMAGE - e->n_damage) * sizeof(e->damage[0]));
}

static bool
check_query_reply(const struct vgfb_wire_query_reply *r)
{
	const struct vfio_device_gfx_plane_info *i = &r->info;

	if (r->head >= VGFB_PROTO_MAX_HEADS || r->has_ext > 1)
		return false;
	if (i->argsz != sizeof(*i) || !valid_query_flags(i->flags) ||
	    !info_padding_zero(i))
		return false;
	if (is_probe(i->flags)) {
		/* a probe writes nothing and has no extension */
		if (i->drm_plane_type || r->has_ext ||
		    !vgfb__wire_zero((const char *)i + INFO_OUT_START,
			      sizeof(*i) - INFO_OUT_START))
			return false;
	} else if (!valid_plane_type(i->drm_plane_type)) {
		return false;
	}
	if (!r->has_ext)
		return vgfb__wire_zero(&r->ext, sizeof(r->ext));
	return check_ext(&r->ext, r->head);
}

static bool
check_event(const struct vgfb_event *ev)
{
	if (ev->reserved || ev->head >= VGFB_PROTO_MAX_HEADS)
		return false;
	switch (ev->type) {
	case VGFB_EVENT_PLANE_CHANGED:
	case VGFB_EVENT_FLIP:
	case VGFB_EVENT_PLANE_DISABLED:
		return valid_plane_type(ev->drm_plane_type) &&
		       vgfb__wire_zero(&ev->rect, sizeof(ev->rect));
	case VGFB_EVENT_DAMAGE:
		return valid_plane_type(ev->drm_plane_type) &&
		       ev->rect.width && ev->rect.height;
	case VGFB_EVENT_GUEST_GONE:
	case VGFB_EVENT_OVERFLOW:
		/* about the whole guest: no head, plane, frame or rect */
		return ev->head == 0 && ev->drm_plane_type == 0 &&
		       ev->frame_seq == 0 &&
		       vgfb__wire_zero(&ev->rect, sizeof(ev->rect));
	default:
		return false;
	}
}

static bool
check_error(const struct vgfb_wire_error *e)
{
	return !e->reserved && e->error < 0 && e->error >= -4095;
}

static bool
check_sim(const struct vgfb_wire_sim *s)
{
	if (s->head >= VGFB_PROTO_MAX_HEADS)
		return false;
	switch (s->op) {
	case VGFB_SIM_SET_MODE:
		return s->arg[3] == 0;
	case VGFB_SIM_FLIP:
		return vgfb__wire_zero(s->arg, sizeof(s->arg));
	case VGFB_SIM_UPDATE:
		return true;
	case VGFB_SIM_SET_CURSOR:
		return s->arg[0] <= 1 && s->arg[3] == 0;
	case VGFB_SIM_DESTROY_GUEST:
		return s->head == 0 && vgfb__wire_zero(s->arg, sizeof(s->arg));
	default:
		return false;
	}
}

static bool
check_input(const struct vgfb_wire_input *in, uint32_t n)
{
	if (in->head >= VGFB_PROTO_MAX_HEADS || in->reserved || n < 1 ||
	    n > VGFB_INPUT_MAX_EVENTS)
		return false;
	for (uint32_t k = 0; k < n; k++)
		if (!vgfb__input_event_valid(&in->ev[k]))
			return false;
	return true;
}

/*
 * The payload of a valid message: where it lives in struct vgfb_msg and
 * how long it is.  *len is 0 and *p NULL for an empty payload.
 * @return false when msg is not valid for dir.
 */
static bool
payload_of(const struct vgfb_msg *m, enum vgfb_proto_dir dir, const void **p,
	   size_t *len)
{
	bool to_server = dir == VGFB_PROTO_TO_SERVER;

	*p = NULL;
	*len = 0;
	switch (m->type) {
	case VGFB_MSG_HELLO:
		if (to_server)
			return false;
		*p = &m->hello;
		*len = sizeof(m->hello);
		return check_hello(&m->hello);
	case VGFB_MSG_HEAD_COUNT:
		if (to_server)
			return true;	/* empty request */
		*p = &m->u32;
		*len = sizeof(m->u32);
		return !m->u32.reserved && m->u32.value >= 1 &&
		       m->u32.value <= VGFB_PROTO_MAX_HEADS;
	case VGFB_MSG_QUERY:
		if (to_server) {
			*p = &m->query_req;
			*len = sizeof(m->query_req);
			return check_query_req(&m->query_req);
		}
		*p = &m->query_reply;
		*len = sizeof(m->query_reply);
		return check_query_reply(&m->query_reply);
	case VGFB_MSG_GET_DMABUF:
	case VGFB_MSG_GET_REGION:
		*p = &m->u32;
		*len = sizeof(m->u32);
		/* id 0 is never valid; replies name the id they answer */
		return !m->u32.reserved && m->u32.value != 0;
	case VGFB_MSG_SUBSCRIBE:
		*p = &m->u32;
		*len = sizeof(m->u32);
		return !m->u32.reserved &&
		       !(m->u32.value & ~(uint32_t)VGFB_EVENT_MASK_ALL);
	case VGFB_MSG_EVENT:
		if (to_server || m->events.n < 1 ||
		    m->events.n > VGFB_PROTO_MAX_EVENTS)
			return false;
		for (uint32_t k = 0; k < m->events.n; k++)
			if (!check_event(&m->events.ev[k]))
				return false;
		*p = m->events.ev;
		*len = m->events.n * sizeof(m->events.ev[0]);
		return true;
	case VGFB_MSG_ERROR:
		if (to_server)
			return false;
		*p = &m->error;
		*len = sizeof(m->error);
		return check_error(&m->error);
	case VGFB_MSG_SIM_CONTROL:
		if (to_server) {
			*p = &m->sim;
			*len = sizeof(m->sim);
			return check_sim(&m->sim);
		}
		*p = &m->u32;
		*len = sizeof(m->u32);
		return !m->u32.reserved && m->u32.value >= VGFB_SIM_SET_MODE &&
		       m->u32.value <= VGFB_SIM_DESTROY_GUEST;
	case VGFB_MSG_VERSION:
		*p = &m->version;
		*len = sizeof(m->version);
		/* the client offers its newest; the reply is what we speak */
		if (to_server)
			return m->version.version >= 2 &&
			       m->version.version <= UINT16_MAX &&
			       !m->version.caps;
		return m->version.version == VGFB_PROTO_REVISION &&
		       !(m->version.caps & ~VGFB_CAP2_ALL);
	case VGFB_MSG_INPUT:
		if (to_server) {
			*p = &m->input.w;
			*len = offsetof(struct vgfb_wire_input, ev) +
			       (size_t)m->input.n * sizeof(m->input.w.ev[0]);
			return check_input(&m->input.w, m->input.n);
		}
		*p = &m->u32;
		*len = sizeof(m->u32);
		/* the number of events taken: all of them */
		return !m->u32.reserved && m->u32.value >= 1 &&
		       m->u32.value <= VGFB_INPUT_MAX_EVENTS;
	case VGFB_MSG_SIM_READ_INPUT:
		if (to_server)
			return true;	/* empty request */
		*p = &m->sim_input;
		*len = sizeof(m->sim_input);
		return m->sim_input.head < VGFB_PROTO_MAX_HEADS &&
		       !m->sim_input.reserved &&
		       vgfb__input_event_valid(&m->sim_input.ev);
	default:
		return false;
	}
}

/*
 * Expected payload size of a type, or -1 for "variable" (EVENT), -3 for
 * INPUT's request, -2 unknown.
 */
static long
payload_size(uint16_t type, enum vgfb_proto_dir dir)
{
	bool to_server = dir == VGFB_PROTO_TO_SERVER;

	switch (type) {
	case VGFB_MSG_HELLO:
		return to_server ? -2 : (long)sizeof(struct vgfb_wire_hello);
	case VGFB_MSG_HEAD_COUNT:
		return to_server ? 0 : (long)sizeof(struct vgfb_wire_u32);
	case VGFB_MSG_QUERY:
		return to_server ? (long)sizeof(struct vgfb_wire_query_req)
				 : (long)sizeof(struct vgfb_wire_query_reply);
	case VGFB_MSG_GET_DMABUF:
	case VGFB_MSG_GET_REGION:
	case VGFB_MSG_SUBSCRIBE:
		return sizeof(struct vgfb_wire_u32);
	case VGFB_MSG_EVENT:
		return to_server ? -2 : -1;
	case VGFB_MSG_ERROR:
		return to_server ? -2 : (long)sizeof(struct vgfb_wire_error);
	case VGFB_MSG_SIM_CONTROL:
		return to_server ? (long)sizeof(struct vgfb_wire_sim)
				 : (long)sizeof(struct vgfb_wire_u32);
	case VGFB_MSG_VERSION:
		return sizeof(struct vgfb_wire_version);
	case VGFB_MSG_INPUT:
		return to_server ? -3 : (long)sizeof(struct vgfb_wire_u32);
	case VGFB_MSG_SIM_READ_INPUT:
		return to_server ? 0 : (long)sizeof(struct vgfb_wire_sim_input);
	default:
		return -2;
	}
}

uint16_t
vgfb__proto_type_version(uint16_t type)
{
	switch (type) {
	case VGFB_MSG_HELLO:
	case VGFB_MSG_HEAD_COUNT:
	case VGFB_MSG_QUERY:
	case VGFB_MSG_GET_DMABUF:
	case VGFB_MSG_GET_REGION:
	case VGFB_MSG_SUBSCRIBE:
	case VGFB_MSG_EVENT:
	case VGFB_MSG_ERROR:
	case VGFB_MSG_SIM_CONTROL:
		return 1;
	case VGFB_MSG_VERSION:
	case VGFB_MSG_INPUT:
	case VGFB_MSG_SIM_READ_INPUT:
		return 2;
	default:
		return 0;
	}
}

int
vgfb__proto_parse(const void *buf, size_t n, enum vgfb_proto_dir dir,
		  struct vgfb_msg *out)
{
	struct vgfb_msg_hdr hdr;
	const unsigned char *payload = (const unsigned char *)buf +
				       VGFB_PROTO_HDR_SIZE;
	const void *p;
	size_t len;
	long want;

	if (!buf || n < VGFB_PROTO_HDR_SIZE || n > VGFB_PROTO_MAX_MSG)
		return -EPROTO;
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.magic != VGFB_PROTO_MAGIC)
		return -EPROTO;
	if (hdr.version < VGFB_PROTO_VERSION || hdr.version > VGFB_PROTO_REVISION)
		return -EPROTONOSUPPORT;
	if (hdr.len != n - VGFB_PROTO_HDR_SIZE)
		return -EPROTO;

	memset(out, 0, sizeof(*out));
	out->type = hdr.type;
	/* a known revision, but not the one that introduced this type */
	if (vgfb__proto_type_version(hdr.type) != hdr.version)
		return -EBADMSG;
	want = payload_size(hdr.type, dir);
	if (want == -2)
		return -EBADMSG;
	if (want == -3) {
		/* INPUT: the head, then 1..MAX whole events */
		size_t head_len = offsetof(struct vgfb_wire_input, ev);
		size_t ev_len = sizeof(struct vgfb_input_event);

		if (hdr.len <= head_len || (hdr.len - head_len) % ev_len ||
		    (hdr.len - head_len) / ev_len > VGFB_INPUT_MAX_EVENTS)
			return -EBADMSG;
		out->input.n = (uint32_t)((hdr.len - head_len) / ev_len);
		memcpy(&out->input.w, payload, hdr.len);
	} else if (want == -1) {
		/* EVENT: 1..MAX whole records */
		if (hdr.len == 0 || hdr.len % sizeof(struct vgfb_event) ||
		    hdr.len / sizeof(struct vgfb_event) > VGFB_PROTO_MAX_EVENTS)
			return -EBADMSG;
		out->events.n = hdr.len / sizeof(struct vgfb_event);
		memcpy(out->events.ev, payload, hdr.len);
	} else {
		if (hdr.len != (uint32_t)want)
			return -EBADMSG;
		/* every payload struct sits at the start of the union */
		if (want)
			memcpy(&out->hello, payload, (size_t)want);
	}
	if (!payload_of(out, dir, &p, &len) || len != hdr.len)
		return -EBADMSG;
	return 0;
}

int
vgfb__proto_encode(const struct vgfb_msg *msg, enum vgfb_proto_dir dir,
		   void *buf, size_t cap)
{
	struct vgfb_msg_hdr hdr = {
		.magic = VGFB_PROTO_MAGIC,
		.version = vgfb__proto_type_version(msg->type),
		.type = msg->type,
	};
	const void *p;
	size_t len;

	if (!payload_of(msg, dir, &p, &len))
		return -EBADMSG;
	if (msg->type == VGFB_MSG_QUERY && dir == VGFB_PROTO_TO_CLIENT &&
	    !info_padding_zero(&msg->query_reply.info))
		return -EBADMSG;
	if (msg->type == VGFB_MSG_QUERY && dir == VGFB_PROTO_TO_SERVER &&
	    !info_padding_zero(&msg->query_req.info))
		return -EBADMSG;
	if (VGFB_PROTO_HDR_SIZE + len > cap)
		return -ENOSPC;
	hdr.len = (uint32_t)len;
	memcpy(buf, &hdr, sizeof(hdr));
	if (len)
		memcpy((char *)buf + VGFB_PROTO_HDR_SIZE, p, len);
	return (int)(VGFB_PROTO_HDR_SIZE + len);
}

unsigned int
vgfb__proto_fd_count(uint16_t type, enum vgfb_proto_dir dir)
{
	if (dir == VGFB_PROTO_TO_CLIENT &&
	    (type == VGFB_MSG_GET_DMABUF || type == VGFB_MSG_GET_REGION))
		return 1;
	return 0;
}

const char *
vgfb__proto_type_name(uint16_t type)
{
	switch (type) {
	case VGFB_MSG_HELLO: return "HELLO";
	case VGFB_MSG_HEAD_COUNT: return "HEAD_COUNT";
	case VGFB_MSG_QUERY: return "QUERY";
	case VGFB_MSG_GET_DMABUF: return "GET_DMABUF";
	case VGFB_MSG_GET_REGION: return "GET_REGION";
	case VGFB_MSG_SUBSCRIBE: return "SUBSCRIBE";
	case VGFB_MSG_EVENT: return "EVENT";
	case VGFB_MSG_ERROR: return "ERROR";
	case VGFB_MSG_SIM_CONTROL: return "SIM_CONTROL";
	case VGFB_MSG_VERSION: return "VERSION";
	case VGFB_MSG_INPUT: return "INPUT";
	case VGFB_MSG_SIM_READ_INPUT: return "SIM_READ_INPUT";
	default: return "?";
	}
}

void
vgfb__proto_pack_fds(struct msghdr *mh, union vgfb_proto_fd_ctl *ctl,
		     const int *fds, unsigned int n)
{
	struct cmsghdr *c;

	if (n == 0 || n > VGFB_PROTO_PACK_MAX_FDS)
		return;
	memset(ctl, 0, sizeof(*ctl));
	mh->msg_control = ctl->buf;
	mh->msg_controllen = CMSG_SPACE(sizeof(int) * n);
	c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
}

int
vgfb__proto_send(int sock, const void *buf, size_t len, int fd, int flags)
{
	union vgfb_proto_fd_ctl ctl;
	struct iovec iov = {
		.iov_base = (void *)buf,
		.iov_len = len,
	};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t rc;

	if (fd >= 0)
		vgfb__proto_pack_fds(&mh, &ctl, &fd, 1);
	do {
		rc = sendmsg(sock, &mh, flags | MSG_NOSIGNAL);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	/* SEQPACKET sends all or nothing */
	return (size_t)rc == len ? 0 : -EIO;
}

void
vgfb__proto_close_fds(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/*
 * Room for more fds than any valid message carries, so that a peer sending
 * a few too many is seen (and its fds closed) rather than truncated.
 */
#define RECV_FD_ROOM 8

int
vgfb__proto_recv(int sock, void *buf, size_t cap, int *fds,
		 unsigned int max_fds, unsigned int *n_fds, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * RECV_FD_ROOM)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {
		.iov_base = buf,
		.iov_len = cap,
	};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	int got[RECV_FD_ROOM * 2];
	unsigned int n_got = 0;
	bool bad_cmsg = false;
	struct cmsghdr *c;
	ssize_t rc;
	int err;

	*n_fds = 0;
	do {
		rc = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;

	/* Collect every fd that arrived, whatever happens next. */
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			bad_cmsg = true;
			continue;
		}
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (n_got < sizeof(got) / sizeof(got[0]))
				got[n_got++] = fd;
			else
				close(fd); /* cannot happen: room is bounded */
		}
	}

	if (mh.msg_flags & MSG_CTRUNC)
		err = -ETOOMANYREFS;
	else if (bad_cmsg)
		err = -EBADMSG;
	else if (mh.msg_flags & MSG_TRUNC)
		err = -EMSGSIZE;
	else if (n_got > max_fds)
		err = -ETOOMANYREFS;
	else if (rc == 0)
		err = 0;
	else
		err = 1;

	if (err <= 0) {
		vgfb__proto_close_fds(got, n_got);
		return err;
	}
	if (n_got)	/* fds may be NULL when max_fds is 0 */
		memcpy(fds, got, n_got * sizeof(int));
	*n_fds = n_got;
	return (int)rc;
}
