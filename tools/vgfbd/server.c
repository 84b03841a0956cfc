/* SPDX-License-Identifier: MIT */
/*
 * vgfbd's server: one in-process vgfb context (the guest), one listening
 * SOCK_SEQPACKET socket, many clients, one epoll loop, one thread.
 *
 * Rules that keep one client from hurting the others or the daemon:
 * - every packet goes through vgfb__proto_parse(); a client that sends
 *   anything malformed, oversized, truncated, with fds, or with control data
 *   the kernel had to truncate gets one ERROR (best effort) and is dropped;
 *   every fd it sent is closed by vgfb__proto_recv();
 * - a client has at most one message in flight towards it (out[]); while
 *   that message cannot be written, its requests are not read, and its
 *   events wait in a bounded coalescing queue (event-queue.h).  Memory per
 *   client is fixed;
 * - a client whose socket stays unwritable for --stall-timeout-ms is dropped;
 * - sockets are non-blocking, sends use MSG_NOSIGNAL: nothing a client does
 *   blocks the loop or raises a signal.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xf86drmMode.h>	/* DRM_PLANE_TYPE_* */

#include "damage.h"
#include "event-queue.h"
#include "proto.h"
#include "server.h"
#include "socket-file.h"

#define MAX_EPOLL_EVENTS 32
/* Requests handled per client per wake-up, so one client cannot starve others. */
#define MAX_REQUESTS_PER_WAKEUP 16
/* Events taken from the guest context per wake-up. */
#define MAX_CTX_EVENTS_PER_WAKEUP 1024
#define N_PLANES 2	/* primary, cursor */

enum source_kind {
	SRC_LISTEN,
	SRC_CTX,
	SRC_TIMER,
	SRC_SIGNAL,
	SRC_CLIENT,
};

struct source {
	enum source_kind kind;
};

struct client {
	struct source src;	/* first: epoll data points here */
	struct vgfbd *d;
	struct client *next;
	unsigned int id;
	int fd;
	bool dead;
	bool uid_known;
	uid_t uid;		/* SO_PEERCRED at connect, for the per-uid limit */
	uint32_t epoll_events;
	uint32_t mask;		/* subscribed VGFB_EVENT_MASK bits */
	uint16_t revision;	/* 1, or what VERSION agreed on */
	struct vgfb_event_queue *evq;
	/* the one message in flight towards the client */
	unsigned char out[VGFB_PROTO_MAX_MSG];
	size_t out_len;
	int out_fd;
	uint64_t out_since_ms;	/* 0: not blocked */
	struct vgfb_damage dmg[VGFB_PROTO_MAX_HEADS][N_PLANES];
};

struct vgfbd {
	struct vgfbd_options o;
	struct vgfb *ctx;
	uint32_t head_count;
	uint32_t caps;
	uint32_t caps2;		/* VERSION's: VGFB_CAP2_* */
	char backend[VGFB_PROTO_NAME_LEN];
	char exporter[VGFB_PROTO_NAME_LEN];
	int epfd;
	struct vgfb_socket_file sock;	/* sock.fd: where clients connect */
	int reserve_fd;		/* given up to accept() and drop on EMFILE */
	int ctx_fd;		/* owned by ctx */
	int timer_fd;
	int signal_fd;
	struct source listen_src, ctx_src, timer_src, signal_src;
	struct client *clients;
	unsigned int n_clients;
	unsigned int next_id;
	unsigned int ctx_empty_wakeups;	/* readable, yet nothing to read */
	bool guest_gone;
	bool quit;
	char *socket_path;
};

#define V_ERR 0
#define V_INFO 1
#define V_DEBUG 2

static void
dlog(struct vgfbd *d, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
dlog(struct vgfbd *d, int level, const char *fmt, ...)
{
	va_list args;

	if (level > d->o.verbose)
		return;
	va_start(args, fmt);
	fprintf(stderr, "vgfbd: ");
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
	va_end(args);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
plane_index(uint32_t drm_plane_type)
{
	return drm_plane_type == DRM_PLANE_TYPE_CURSOR ? 1 : 0;
}

/* ---- admission ---- */

static bool
peer_cred(int fd, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) == 0;
}

/*
 * 0 when the daemon takes one more client on fd, or -EBUSY: --max-clients
 * reached, or the peer's uid already holds --max-clients-per-uid
 * connections (so that one user, root included, cannot take every slot).
 */
static int
admit(struct vgfbd *d, int fd)
{
	unsigned int same_uid = 0;
	struct ucred cred;

	if (d->n_clients >= d->o.max_clients) {
		dlog(d, V_INFO, "client refused: %u clients already",
		     d->n_clients);
		return -EBUSY;
	}
	if (!peer_cred(fd, &cred))
		return 0;	/* not a UNIX socket peer: only the total counts */
	for (const struct client *c = d->clients; c; c = c->next)
		if (!c->dead && c->uid_known && c->uid == cred.uid)
			same_uid++;
	if (same_uid >= d->o.max_clients_per_uid) {
		dlog(d, V_INFO, "client refused: uid %u holds %u connections "
		     "(--max-clients-per-uid)", (unsigned int)cred.uid,
		     same_uid);
		return -EBUSY;
	}
	return 0;
}

/* ---- clients: lifetime ---- */

static void
client_drop(struct client *c, const char *why)
{
	struct vgfbd *d = c->d;

	if (c->dead)
		return;
	dlog(d, V_INFO, "client %u dropped: %s", c->id, why);
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	if (c->out_fd >= 0)
		close(c->out_fd);
	c->out_fd = -1;
	c->out_len = 0;
	c->dead = true;
	d->n_clients--;
}

static void
client_free(struct client *c)
{
	vgfb__evq_free(c->evq);
	free(c);
}

static void
reap_clients(struct vgfbd *d)
{
	struct client **pp = &d->clients;

	while (*pp) {
		struct client *c = *pp;

		if (c->dead) {
			*pp = c->next;
			client_free(c);
		} else {
			pp = &c->next;
		}
	}
}

static void
client_update_epoll(struct client *c)
{
	uint32_t want = c->out_len ? EPOLLOUT : EPOLLIN;
	struct epoll_event ev = {
		.events = want,
		.data.ptr = &c->src,
	};

	if (c->dead || want == c->epoll_events)
		return;
	if (epoll_ctl(c->d->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		client_drop(c, "epoll_ctl failed");
		return;
	}
	c->epoll_events = want;
}

/*
 * Write what is in flight, then queued events, until done or the socket is
 * full.  Drops the client on a write error.
 */
static void
client_flush(struct client *c)
{
	while (!c->dead) {
		int rc;

		if (c->out_len) {
			rc = vgfb__proto_send(c->fd, c->out, c->out_len,
					      c->out_fd, MSG_DONTWAIT);
			if (rc == -EAGAIN) {
				if (!c->out_since_ms)
					c->out_since_ms = now_ms();
				break;
			}
			if (rc < 0) {
				client_drop(c, "write failed");
				return;
			}
			if (c->out_fd >= 0)
				close(c->out_fd);
			c->out_fd = -1;
			c->out_len = 0;
			c->out_since_ms = 0;
			continue;
		}
		if (c->mask && vgfb__evq_len(c->evq)) {
			struct vgfb_msg m = { .type = VGFB_MSG_EVENT };

			while (m.events.n < VGFB_PROTO_MAX_EVENTS &&
			       vgfb__evq_pop(c->evq, &m.events.ev[m.events.n]) == 0)
				m.events.n++;
			rc = vgfb__proto_encode(&m, VGFB_PROTO_TO_CLIENT, c->out,
						sizeof(c->out));
			if (rc < 0) {
				/* events are normalized before queueing */
				dlog(c->d, V_ERR, "bug: cannot encode events");
				continue;
			}
			c->out_len = (size_t)rc;
			continue;
		}
		break;
	}
	client_update_epoll(c);
}

/* Put a reply in flight; takes ownership of fd.  Only when out is empty. */
static void
client_reply(struct client *c, const struct vgfb_msg *m, int fd)
{
	int rc;

	if (c->dead || c->out_len) {
		if (fd >= 0)
			close(fd);
		if (!c->dead)
			dlog(c->d, V_ERR, "bug: reply while one is in flight");
		return;
	}
	rc = vgfb__proto_encode(m, VGFB_PROTO_TO_CLIENT, c->out, sizeof(c->out));
	if (rc < 0) {
		struct vgfb_msg e = {
			.type = VGFB_MSG_ERROR,
			.error = { .request_type = m->type, .error = -EIO },
		};

		dlog(c->d, V_ERR, "cannot encode a %s reply (%s): answering EIO",
		     vgfb__proto_type_name(m->type), strerror(-rc));
		if (fd >= 0)
			close(fd);
		fd = -1;
		rc = vgfb__proto_encode(&e, VGFB_PROTO_TO_CLIENT, c->out,
					sizeof(c->out));
		if (rc < 0) {
			client_drop(c, "cannot encode an error");
			return;
		}
	}
	c->out_len = (size_t)rc;
	c->out_fd = fd;
	client_flush(c);
}

static void
client_error(struct client *c, uint16_t request_type, int err)
{
	struct vgfb_msg m = {
		.type = VGFB_MSG_ERROR,
		.error = {
			.request_type = request_type,
			.error = err < 0 && err >= -4095 ? err : -EIO,
		},
	};

	client_reply(c, &m, -1);
}

/* Best effort, immediate: used just before dropping a client. */
static void
client_error_and_drop(struct client *c, uint16_t request_type, int err,
		      const char *why)
{
	struct vgfb_msg m = {
		.type = VGFB_MSG_ERROR,
		.error = { .request_type = request_type, .error = err },
	};
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int n;

	if (!c->out_len) {
		n = vgfb__proto_encode(&m, VGFB_PROTO_TO_CLIENT, buf, sizeof(buf));
		if (n > 0)
			vgfb__proto_send(c->fd, buf, (size_t)n, -1, MSG_DONTWAIT);
	}
	client_drop(c, why);
}

/* ---- events ---- */

/*
 * The events the wire accepts, whatever the context gave us: only the
 * fields that mean something for the type.  false: not forwarded.
 */
static bool
normalize_event(const struct vgfb_event *in, struct vgfb_event *out)
{
	memset(out, 0, sizeof(*out));
	out->type = in->type;
	switch (in->type) {
	case VGFB_EVENT_DAMAGE:
		if (!in->rect.width || !in->rect.height)
			return false;
		out->rect = in->rect;
		/* fall through */
	case VGFB_EVENT_PLANE_CHANGED:
	case VGFB_EVENT_FLIP:
	case VGFB_EVENT_PLANE_DISABLED:
		if (in->head >= VGFB_PROTO_MAX_HEADS ||
		    (in->drm_plane_type != DRM_PLANE_TYPE_PRIMARY &&
		     in->drm_plane_type != DRM_PLANE_TYPE_CURSOR))
			return false;
		out->head = in->head;
		out->drm_plane_type = in->drm_plane_type;
		out->frame_seq = in->frame_seq;
		return true;
	case VGFB_EVENT_GUEST_GONE:
	case VGFB_EVENT_OVERFLOW:
		return true;
	default:
		return false;
	}
}

static void
broadcast(struct vgfbd *d, const struct vgfb_event *raw)
{
	struct vgfb_event ev;

	if (!normalize_event(raw, &ev)) {
		dlog(d, V_DEBUG, "event of type %u not forwarded", raw->type);
		return;
	}
	if (ev.type == VGFB_EVENT_GUEST_GONE) {
		if (!d->guest_gone)
			dlog(d, V_INFO, "the guest is gone");
		d->guest_gone = true;
	}
	for (struct client *c = d->clients; c; c = c->next) {
		if (c->dead)
			continue;
		/* OVERFLOW is what a lost event becomes: always wanted */
		if (c->mask & VGFB_EVENT_MASK(ev.type) ||
		    (c->mask && ev.type == VGFB_EVENT_OVERFLOW))
			vgfb__evq_push(c->evq, &ev);
	}
}

static void
flush_all(struct vgfbd *d)
{
	for (struct client *c = d->clients; c; c = c->next)
		if (!c->dead && !c->out_len && vgfb__evq_len(c->evq))
			client_flush(c);
}

/* Take the events the guest context has queued and hand them on. */
static int
drain_ctx(struct vgfbd *d)
{
	struct vgfb_event ev;
	int n = 0;

	if (d->ctx_fd < 0)
		return 0;
	while (n < MAX_CTX_EVENTS_PER_WAKEUP && vgfb_read_event(d->ctx, &ev) == 0) {
		broadcast(d, &ev);
		n++;
	}
	flush_all(d);
	return n;
}

/* The context's fd woke us: events, or (a bug) nothing, again and again. */
static void
ctx_readable(struct vgfbd *d)
{
	struct pollfd p = { .fd = d->ctx_fd, .events = POLLIN };

	/*
	 * A wakeup that brought no event but consumed what woke us (an ACRN
	 * device model's HELLO, an ignored scanout's update) is not the bug
	 * counted here: only an fd that stays readable is.
	 */
	if (drain_ctx(d) || poll(&p, 1, 0) == 0) {
		d->ctx_empty_wakeups = 0;
		return;
	}
	if (++d->ctx_empty_wakeups < 1000)
		return;
	dlog(d, V_ERR, "the target's event fd stays readable with no "
	     "events: no longer watching it; consumers must poll");
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->ctx_fd, NULL);
	d->ctx_fd = -1;
}

/* ---- requests ---- */

static void
handle_query(struct client *c, const struct vgfb_wire_query_req *req)
{
	struct vgfbd *d = c->d;
	struct vgfb_msg m = { .type = VGFB_MSG_QUERY };
	struct vgfb_wire_query_reply *r = &m.query_reply;
	struct vfio_device_gfx_plane_info info = req->info;
	struct vgfb_plane_ext ext = { .argsz = sizeof(ext) };
	int p = plane_index(req->info.drm_plane_type);
	int rc;

	if (req->head >= d->head_count) {
		client_error(c, VGFB_MSG_QUERY, -EINVAL);
		return;
	}
	rc = vgfb_set_head(d->ctx, req->head);
	if (rc) {
		client_error(c, VGFB_MSG_QUERY, rc);
		return;
	}
	r->head = req->head;
	if (info.flags & VFIO_GFX_PLANE_TYPE_PROBE) {
		rc = vgfb_query_plane(d->ctx, &info);
		if (rc) {
			client_error(c, VGFB_MSG_QUERY, rc);
			return;
		}
		r->info = req->info;	/* a probe writes nothing */
		client_reply(c, &m, -1);
		return;
	}

	/*
	 * Always the extended query: the context's damage is consumed here
	 * once and credited to every client, so each one sees what changed
	 * since its own previous extended query.
	 */
	rc = vgfb_query_plane_ext(d->ctx, &info, &ext);
	if (rc) {
		client_error(c, VGFB_MSG_QUERY, rc);
		return;
	}
	for (struct client *o = d->clients; o; o = o->next)
		if (!o->dead)
			vgfb__damage_add_ext(&o->dmg[req->head][p], &ext);

	/* field by field: no stray bytes from the context reach the wire */
	r->info.argsz = sizeof(r->info);
	r->info.flags = req->info.flags;
	r->info.drm_plane_type = req->info.drm_plane_type;
	r->info.drm_format = info.drm_format;
	r->info.drm_format_mod = info.drm_format_mod;
	r->info.width = info.width;
	r->info.height = info.height;
	r->info.stride = info.stride;
	r->info.size = info.size;
	r->info.x_pos = info.x_pos;
	r->info.y_pos = info.y_pos;
	r->info.x_hot = info.x_hot;
	r->info.y_hot = info.y_hot;
	r->info.dmabuf_id = info.dmabuf_id;
	if (req->want_ext) {
		r->has_ext = 1;
		r->ext.argsz = sizeof(r->ext);
		r->ext.head = req->head;
		r->ext.frame_seq = ext.frame_seq;
		vgfb__damage_take(&c->dmg[req->head][p], &r->ext);
	}
	client_reply(c, &m, -1);
}

static void
handle_get_fd(struct client *c, uint16_t type, uint32_t id)
{
	struct vgfb_msg m = { .type = type, .u32 = { .value = id } };
	int fd;

	if (type == VGFB_MSG_GET_DMABUF)
		fd = vgfb_get_gfx_dmabuf(c->d->ctx, id);
	else
		fd = vgfb_get_region_fd(c->d->ctx, id);
	if (fd < 0) {
		client_error(c, type, fd);
		return;
	}
	client_reply(c, &m, fd);
}

static void
handle_subscribe(struct client *c, uint32_t mask)
{
	struct vgfb_msg m = { .type = VGFB_MSG_SUBSCRIBE, .u32 = { .value = mask } };

	c->mask = mask;
	if (!mask)
		vgfb__evq_clear(c->evq);
	if (c->d->guest_gone && (mask & VGFB_EVENT_MASK(VGFB_EVENT_GUEST_GONE))) {
		struct vgfb_event gone = { .type = VGFB_EVENT_GUEST_GONE };

		vgfb__evq_push(c->evq, &gone);
	}
	/* the reply goes out first, then whatever is queued */
	client_reply(c, &m, -1);
}

static int
sim_control(struct vgfbd *d, const struct vgfb_wire_sim *s)
{
	struct vgfb_rect rect;

	if (s->op != VGFB_SIM_DESTROY_GUEST && s->head >= d->head_count)
		return -EINVAL;
	switch (s->op) {
	case VGFB_SIM_SET_MODE:
		return vgfb_sim_set_mode(d->ctx, s->head, s->arg[0], s->arg[1],
					 s->arg[2]);
	case VGFB_SIM_FLIP:
		return vgfb_sim_flip(d->ctx, s->head);
	case VGFB_SIM_UPDATE:
		rect.x = s->arg[0];
		rect.y = s->arg[1];
		rect.width = s->arg[2];
		rect.height = s->arg[3];
		return vgfb_sim_update(d->ctx, s->head, &rect);
	case VGFB_SIM_SET_CURSOR:
		return vgfb_sim_set_cursor(d->ctx, s->head, (int)s->arg[0],
					   s->arg[1], s->arg[2]);
	case VGFB_SIM_DESTROY_GUEST:
		return vgfb_sim_destroy_guest(d->ctx);
	default:
		return -EINVAL;
	}
}

static void
handle_sim_control(struct client *c, const struct vgfb_wire_sim *s)
{
	struct vgfb_msg m = {
		.type = VGFB_MSG_SIM_CONTROL,
		.u32 = { .value = s->op },
	};
	int rc;

	if (!c->d->o.sim_control) {
		client_error(c, VGFB_MSG_SIM_CONTROL, -EPERM);
		return;
	}
	rc = sim_control(c->d, s);
	/*
	 * Hand the resulting events on before answering: when the controller
	 * sees the reply, every consumer's socket already holds them.
	 */
	drain_ctx(c->d);
	if (rc) {
		client_error(c, VGFB_MSG_SIM_CONTROL, rc);
		return;
	}
	client_reply(c, &m, -1);
}

/* ---- revision 2 ---- */

static void
handle_version(struct client *c, const struct vgfb_wire_version *v)
{
	struct vgfb_msg m = { .type = VGFB_MSG_VERSION };

	if (c->revision >= 2) {
		client_error_and_drop(c, VGFB_MSG_VERSION, -EBADMSG,
				      "VERSION twice");
		return;
	}
	/* the client offers its newest revision: ours is never newer */
	c->revision = v->version < VGFB_PROTO_REVISION ? (uint16_t)v->version
						       : VGFB_PROTO_REVISION;
	m.version.version = c->revision;
	m.version.caps = c->d->caps2;
	client_reply(c, &m, -1);
}

static void
handle_input(struct client *c, const struct vgfb_wire_input *in, uint32_t n)
{
	struct vgfbd *d = c->d;
	struct vgfb_msg m = { .type = VGFB_MSG_INPUT, .u32 = { .value = n } };
	int rc;

	if (d->o.no_input) {
		client_error(c, VGFB_MSG_INPUT, -EPERM);
		return;
	}
	if (in->head >= d->head_count) {
		client_error(c, VGFB_MSG_INPUT, -EINVAL);
		return;
	}
	rc = vgfb_set_head(d->ctx, in->head);
	if (rc == 0)
		rc = vgfb_send_input(d->ctx, in->ev, n);
	if (rc) {
		client_error(c, VGFB_MSG_INPUT, rc);
		return;
	}
	client_reply(c, &m, -1);
}

static void
handle_sim_read_input(struct client *c)
{
	struct vgfb_msg m = { .type = VGFB_MSG_SIM_READ_INPUT };
	int rc;

	if (!c->d->o.sim_control) {
		client_error(c, VGFB_MSG_SIM_READ_INPUT, -EPERM);
		return;
	}
	rc = vgfb_sim_read_input(c->d->ctx, &m.sim_input.head,
				 &m.sim_input.ev);
	if (rc) {
		client_error(c, VGFB_MSG_SIM_READ_INPUT, rc);
		return;
	}
	client_reply(c, &m, -1);
}

static void
handle_request(struct client *c, const struct vgfb_msg *m)
{
	struct vgfbd *d = c->d;
	struct vgfb_msg r;
	uint32_t count;
	int rc;

	dlog(d, V_DEBUG, "client %u: %s", c->id, vgfb__proto_type_name(m->type));
	/* a client speaks a revision only after agreeing on it */
	if (m->type != VGFB_MSG_VERSION &&
	    vgfb__proto_type_version(m->type) > c->revision) {
		client_error_and_drop(c, m->type, -EBADMSG,
				      "a revision 2 message before VERSION");
		return;
	}
	switch (m->type) {
	case VGFB_MSG_HEAD_COUNT:
		rc = vgfb_get_head_count(d->ctx, &count);
		if (rc == 0 && (count < 1 || count > VGFB_PROTO_MAX_HEADS))
			rc = -EIO;
		if (rc) {
			client_error(c, m->type, rc);
			return;
		}
		memset(&r, 0, sizeof(r));
		r.type = VGFB_MSG_HEAD_COUNT;
		r.u32.value = count;
		client_reply(c, &r, -1);
		return;
	case VGFB_MSG_QUERY:
		handle_query(c, &m->query_req);
		return;
	case VGFB_MSG_GET_DMABUF:
	case VGFB_MSG_GET_REGION:
		handle_get_fd(c, m->type, m->u32.value);
		return;
	case VGFB_MSG_SUBSCRIBE:
		handle_subscribe(c, m->u32.value);
		return;
	case VGFB_MSG_SIM_CONTROL:
		handle_sim_control(c, &m->sim);
		return;
	case VGFB_MSG_VERSION:
		handle_version(c, &m->version);
		return;
	case VGFB_MSG_INPUT:
		handle_input(c, &m->input.w, m->input.n);
		return;
	case VGFB_MSG_SIM_READ_INPUT:
		handle_sim_read_input(c);
		return;
	default:
		/* the parser lets only requests through */
		client_error_and_drop(c, m->type, -EBADMSG, "unexpected type");
		return;
	}
}

static const char *
recv_error_reason(int rc)
{
	switch (rc) {
	case 0: return "hung up";
	case -EMSGSIZE: return "oversized message";
	case -ETOOMANYREFS: return "sent fds";
	case -EBADMSG: return "sent control data";
	default: return "read error";
	}
}

static const char *
parse_error_reason(int rc)
{
	switch (rc) {
	case -EPROTONOSUPPORT: return "wrong protocol version";
	case -EPROTO: return "malformed header";
	default: return "malformed message";
	}
}

static void
client_read(struct client *c)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int n;

	for (int i = 0; i < MAX_REQUESTS_PER_WAKEUP; i++) {
		struct vgfb_msg m;
		struct vgfb_msg_hdr hdr;
		unsigned int n_fds;
		int rc;

		if (c->dead || c->out_len)
			return;	/* replies go out one at a time */
		n = vgfb__proto_recv(c->fd, buf, sizeof(buf), NULL, 0, &n_fds,
				     MSG_DONTWAIT);
		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			if (n == 0)
				client_drop(c, recv_error_reason(n));
			else
				client_error_and_drop(c, 0, n < -4095 ? -EIO : n,
						      recv_error_reason(n));
			return;
		}
		rc = vgfb__proto_parse(buf, (size_t)n, VGFB_PROTO_TO_SERVER, &m);
		if (rc) {
			uint16_t type = 0;

			if ((size_t)n >= sizeof(hdr)) {
				memcpy(&hdr, buf, sizeof(hdr));
				type = hdr.type;
			}
			client_error_and_drop(c, type, rc, parse_error_reason(rc));
			return;
		}
		handle_request(c, &m);
	}
}

static void
client_dispatch(struct client *c, uint32_t events)
{
	if (c->dead)
		return;
	if (events & EPOLLOUT)
		client_flush(c);
	if (events & EPOLLIN)
		client_read(c);
	else if (events & (EPOLLHUP | EPOLLERR))
		client_drop(c, "hung up");
}

/* ---- accepting ---- */

static int
client_new(struct vgfbd *d, int fd)
{
	struct client *c = calloc(1, sizeof(*c));
	struct epoll_event ev = { .events = EPOLLIN };
	struct vgfb_msg hello = { .type = VGFB_MSG_HELLO };
	int rc;

	if (!c)
		return -ENOMEM;
	rc = vgfb__evq_new(d->o.queue_len, &c->evq);
	if (rc) {
		free(c);
		return rc;
	}
	c->src.kind = SRC_CLIENT;
	c->d = d;
	c->fd = fd;
	c->out_fd = -1;
	c->revision = VGFB_PROTO_VERSION;
	c->id = ++d->next_id;
	/* a new client has seen nothing yet: everything is damaged */
	for (unsigned int h = 0; h < VGFB_PROTO_MAX_HEADS; h++)
		for (unsigned int p = 0; p < N_PLANES; p++)
			vgfb__damage_all(&c->dmg[h][p]);
	if (d->o.client_sndbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &d->o.client_sndbuf,
			   sizeof(d->o.client_sndbuf));
	ev.data.ptr = &c->src;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		rc = -errno;
		client_free(c);
		return rc;
	}
	c->epoll_events = EPOLLIN;
	c->next = d->clients;
	d->clients = c;
	d->n_clients++;
	{
		struct ucred cred = { .pid = 0 };

		c->uid_known = peer_cred(fd, &cred);
		c->uid = cred.uid;
		if (c->uid_known)
			dlog(d, V_INFO, "client %u connected: pid %d uid %u "
			     "(%u clients)", c->id, (int)cred.pid,
			     (unsigned int)cred.uid, d->n_clients);
		else
			dlog(d, V_INFO, "client %u connected (%u clients)",
			     c->id, d->n_clients);
	}

	hello.hello.version = VGFB_PROTO_VERSION;
	hello.hello.head_count = d->head_count;
	hello.hello.caps = d->caps;
	hello.hello.max_msg = VGFB_PROTO_MAX_MSG;
	memcpy(hello.hello.backend, d->backend, sizeof(d->backend));
	memcpy(hello.hello.exporter, d->exporter, sizeof(d->exporter));
	client_reply(c, &hello, -1);
	return 0;
}

static void
refuse(struct vgfbd *d, int fd, int err)
{
	struct vgfb_msg m = {
		.type = VGFB_MSG_ERROR,
		.error = { .error = err },
	};
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int n = vgfb__proto_encode(&m, VGFB_PROTO_TO_CLIENT, buf, sizeof(buf));

	if (n > 0)
		vgfb__proto_send(fd, buf, (size_t)n, -1, MSG_DONTWAIT);
	close(fd);
}

static void
accept_clients(struct vgfbd *d)
{
	for (;;) {
		int fd = accept4(d->sock.fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		int rc;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if ((errno == EMFILE || errno == ENFILE) &&
			    d->reserve_fd >= 0) {
				/* make room for one, refuse it, restore */
				close(d->reserve_fd);
				fd = accept4(d->sock.fd, NULL, NULL, SOCK_CLOEXEC);
				if (fd >= 0)
					close(fd);
				d->reserve_fd = open("/dev/null",
						     O_RDONLY | O_CLOEXEC);
				dlog(d, V_ERR, "out of fds: refused a client");
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				dlog(d, V_ERR, "accept: %s", strerror(errno));
			return;
		}
		rc = admit(d, fd);
		if (rc) {
			refuse(d, fd, rc);
			continue;
		}
		rc = client_new(d, fd);
		if (rc) {
			dlog(d, V_ERR, "cannot take a client: %s", strerror(-rc));
			refuse(d, fd, rc);
		}
	}
}

/* ---- the loop ---- */

static void
timer_tick(struct vgfbd *d)
{
	uint64_t expirations;

	if (read(d->timer_fd, &expirations, sizeof(expirations)) < 0)
		return;
	if (d->guest_gone)
		return;
	for (uint32_t h = 0; h < d->head_count; h++) {
		int rc = vgfb_sim_flip(d->ctx, h);

		if (rc)
			dlog(d, V_DEBUG, "flip head %u: %s", h, strerror(-rc));
	}
	drain_ctx(d);
}

static void
signal_read(struct vgfbd *d)
{
	struct signalfd_siginfo si;

	if (read(d->signal_fd, &si, sizeof(si)) != sizeof(si))
		return;
	dlog(d, V_INFO, "signal %u: exiting", si.ssi_signo);
	d->quit = true;
}

static int
stall_timeout(struct vgfbd *d)
{
	uint64_t now = now_ms(), next = UINT64_MAX;

	if (!d->o.stall_timeout_ms)
		return -1;
	for (struct client *c = d->clients; c; c = c->next) {
		uint64_t due;

		if (c->dead || !c->out_since_ms)
			continue;
		due = c->out_since_ms + d->o.stall_timeout_ms;
		if (due <= now) {
			client_drop(c, "stalled");
			continue;
		}
		if (due < next)
			next = due;
	}
	if (next == UINT64_MAX)
		return -1;
	return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

int
vgfbd_dispatch(struct vgfbd *d, int timeout_ms)
{
	struct epoll_event evs[MAX_EPOLL_EVENTS];
	int stall = stall_timeout(d);
	int n;

	reap_clients(d);
	if (stall >= 0 && (timeout_ms < 0 || stall < timeout_ms))
		timeout_ms = stall;
	n = epoll_wait(d->epfd, evs, MAX_EPOLL_EVENTS, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct source *s = evs[i].data.ptr;

		switch (s->kind) {
		case SRC_LISTEN:
			accept_clients(d);
			break;
		case SRC_CTX:
			ctx_readable(d);
			break;
		case SRC_TIMER:
			timer_tick(d);
			break;
		case SRC_SIGNAL:
			signal_read(d);
			break;
		case SRC_CLIENT:
			client_dispatch((struct client *)s, evs[i].events);
			break;
		}
	}
	reap_clients(d);
	return n;
}

int
vgfbd_run(struct vgfbd *d)
{
	while (!d->quit) {
		int rc = vgfbd_dispatch(d, -1);

		if (rc < 0)
			return rc;
	}
	return 0;
}

int
vgfbd_add_client(struct vgfbd *d, int fd)
{
	int flags = fcntl(fd, F_GETFL);
	int rc;

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rc = admit(d, fd);
	if (rc) {
		refuse(d, fd, rc);
		return rc;
	}
	rc = client_new(d, fd);
	if (rc)
		close(fd);
	return rc;
}

/* ---- setup ---- */

static int
watch(struct vgfbd *d, int fd, struct source *src, enum source_kind kind)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = src };

	src->kind = kind;
	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int
listen_on(struct vgfbd *d)
{
	bool replaced;
	int rc;

	if (d->o.activated) {
		/* the manager made, owns and removes it (vgfbd@.socket) */
		d->sock.fd = d->o.listen_fd;
		d->sock.bound = false;
		d->o.activated = false;
		return 0;
	}
	rc = vgfb__socket_file_listen(&d->sock, d->o.socket_path,
				      d->o.socket_mode, 64, &replaced);
	if (replaced)
		dlog(d, V_INFO, "replaced stale socket %s", d->o.socket_path);
	return rc;
}

static void
copy_name(char dst[VGFB_PROTO_NAME_LEN], const char *src)
{
	size_t n = 0;

	memset(dst, 0, VGFB_PROTO_NAME_LEN);
	for (; src && src[n] && n < VGFB_PROTO_NAME_LEN - 1; n++) {
		if (src[n] < 0x21 || src[n] > 0x7e)
			break;
		dst[n] = src[n];
	}
	if (n == 0 || (src && src[n] != '\0'))
		snprintf(dst, VGFB_PROTO_NAME_LEN, "unknown");
}

static int
setup_target(struct vgfbd *d)
{
	struct vfio_device_gfx_plane_info probe = { .argsz = sizeof(probe) };
	int rc;

	rc = vgfb_open(d->o.target, &d->ctx);
	if (rc) {
		d->ctx = NULL;
		dlog(d, V_ERR, "cannot open target \"%s\": %s", d->o.target,
		     strerror(-rc));
		return rc;
	}
	vgfb_set_log_priority(d->ctx, d->o.verbose >= 2 ? VGFB_LOG_DEBUG :
				      d->o.verbose ? VGFB_LOG_INFO :
				      VGFB_LOG_ERROR);
	rc = vgfb_get_head_count(d->ctx, &d->head_count);
	if (rc)
		return rc;
	if (d->head_count < 1 || d->head_count > VGFB_PROTO_MAX_HEADS) {
		dlog(d, V_ERR, "target has %u heads; at most %u are served",
		     d->head_count, VGFB_PROTO_MAX_HEADS);
		return -ERANGE;
	}
	probe.flags = VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF;
	if (vgfb_query_plane(d->ctx, &probe) == 0)
		d->caps |= VGFB_CAP_DMABUF;
	probe.flags = VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION;
	if (vgfb_query_plane(d->ctx, &probe) == 0)
		d->caps |= VGFB_CAP_REGION;
	copy_name(d->backend, vgfb_get_backend_name(d->ctx));
	copy_name(d->exporter, vgfb_get_exporter_name(d->ctx));

	if ((d->o.sim_control || d->o.sim_flip_ms) &&
	    strcmp(vgfb_get_backend_name(d->ctx), "sim") != 0) {
		dlog(d, V_ERR, "--sim-control and --sim-flip-ms need a sim target");
		return -EINVAL;
	}
	if (d->o.sim_control)
		d->caps |= VGFB_CAP_SIM_CONTROL;
	if (!d->o.no_input)
		d->caps2 |= VGFB_CAP2_INPUT;

	rc = vgfb_subscribe(d->ctx, VGFB_EVENT_MASK_ALL);
	if (rc == 0)
		rc = vgfb_get_event_fd(d->ctx);
	if (rc < 0) {
		dlog(d, V_ERR, "target has no change events (%s): consumers "
		     "must poll", strerror(-rc));
		d->ctx_fd = -1;
		return 0;
	}
	d->ctx_fd = rc;
	return watch(d, d->ctx_fd, &d->ctx_src, SRC_CTX);
}

int
vgfbd_new(const struct vgfbd_options *opts, struct vgfbd **out)
{
	struct vgfbd *d = calloc(1, sizeof(*d));
	sigset_t mask;
	int rc;

	if (!d) {
		if (opts->activated)
			close(opts->listen_fd);
		return -ENOMEM;
	}
	d->o = *opts;
	d->epfd = d->sock.fd = d->ctx_fd = d->timer_fd = d->signal_fd = -1;
	d->reserve_fd = -1;
	if (!d->o.max_clients)
		d->o.max_clients = 64;
	if (!d->o.max_clients_per_uid)
		d->o.max_clients_per_uid = d->o.max_clients == 1 ? 1 :
			d->o.max_clients - d->o.max_clients / 4;
	if (d->o.max_clients_per_uid > d->o.max_clients)
		d->o.max_clients_per_uid = d->o.max_clients;
	if (d->o.queue_len < 2)
		d->o.queue_len = 64;
	d->socket_path = strdup(opts->socket_path);
	if (!d->socket_path) {
		rc = -ENOMEM;
		goto out_free;
	}
	d->o.socket_path = d->socket_path;

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0) {
		rc = -errno;
		goto out_free;
	}
	d->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	d->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->signal_fd < 0) {
		rc = -errno;
		goto out_free;
	}
	rc = watch(d, d->signal_fd, &d->signal_src, SRC_SIGNAL);
	if (rc)
		goto out_free;

	rc = setup_target(d);
	if (rc)
		goto out_free;

	if (d->o.sim_flip_ms) {
		struct itimerspec its = {
			.it_interval = {
				.tv_sec = d->o.sim_flip_ms / 1000,
				.tv_nsec = (long)(d->o.sim_flip_ms % 1000) * 1000000,
			},
		};

		its.it_value = its.it_interval;
		d->timer_fd = timerfd_create(CLOCK_MONOTONIC,
					     TFD_NONBLOCK | TFD_CLOEXEC);
		if (d->timer_fd < 0) {
			rc = -errno;
			goto out_free;
		}
		if (timerfd_settime(d->timer_fd, 0, &its, NULL) < 0) {
			rc = -errno;
			goto out_free;
		}
		rc = watch(d, d->timer_fd, &d->timer_src, SRC_TIMER);
		if (rc)
			goto out_free;
	}

	rc = listen_on(d);
	if (rc) {
		dlog(d, V_ERR, "cannot listen on %s: %s", d->o.socket_path,
		     strerror(-rc));
		goto out_free;
	}
	rc = watch(d, d->sock.fd, &d->listen_src, SRC_LISTEN);
	if (rc)
		goto out_free;
	dlog(d, V_INFO, "serving \"%s\" (%u heads, exporter %s) on %s",
	     d->o.target, d->head_count, d->exporter, d->o.socket_path);
	*out = d;
	return 0;

out_free:
	vgfbd_free(d);
	return rc;
}

void
vgfbd_free(struct vgfbd *d)
{
	if (!d)
		return;
	for (struct client *c = d->clients; c; c = c->next)
		client_drop(c, "daemon exiting");
	reap_clients(d);
	vgfb__socket_file_close(&d->sock, d->socket_path);
	if (d->o.activated)
		close(d->o.listen_fd);	/* failed before listen_on took it */
	if (d->timer_fd >= 0)
		close(d->timer_fd);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	if (d->reserve_fd >= 0)
		close(d->reserve_fd);
	if (d->epfd >= 0)
		close(d->epfd);
	vgfb_close(d->ctx);	/* owns ctx_fd */
	free(d->socket_path);
	free(d);
}
