/* SPDX-License-Identifier: MIT */
/*
 * The daemon client: a struct vgfb whose calls travel over vgfbd's socket
 * (docs/protocol.md).  vgfb.c has checked the caller's arguments; the
 * daemon's answers are checked here by the strict parser, because a
 * daemon can be buggy, old or an impostor too.
 *
 * Requests are synchronous: send one, read until its reply or ERROR.
 * EVENT messages read meanwhile go into a local coalescing queue.  The fd a
 * caller polls is an epoll set holding the socket (events not read yet) and
 * an eventfd that is readable while the local queue is not empty.
 *
 * When the connection breaks (daemon gone, protocol error) every later call
 * fails with -ENOTCONN, and a subscriber gets one GUEST_GONE: nothing but
 * vgfb_close() is useful any more.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "event-queue.h"
#include "private.h"
#include "proto.h"

/*
 * How long a request waits for the daemon before the connection is given
 * up; VGFB_CLIENT_TIMEOUT_MS overrides it (1..600000).
 */
#define REPLY_TIMEOUT_MS 10000
#define CLIENT_QUEUE_LEN 64

struct client {
	int sock;
	int epfd;		/* what vgfb_get_event_fd() returns */
	int efd;		/* eventfd: readable while evq is not empty */
	bool efd_set;
	bool broken;
	bool quiet;		/* a broken connection is expected: no log */
	int timeout_ms;
	uint32_t mask;
	struct vgfb_event_queue *evq;
	struct vgfb_wire_hello hello;
	char exporter[VGFB_PROTO_NAME_LEN];
	uint16_t revision;	/* agreed through VERSION, else 1 */
	uint32_t caps2;		/* VERSION's VGFB_CAP2_*, else 0 */
	struct sockaddr_un addr; /* to connect again as a revision 1 client */
};

static struct client *
priv(struct vgfb *ctx)
{
	return ctx->priv;
}

static void
sync_efd(struct client *c)
{
	uint64_t v = 1;

	if (vgfb__evq_len(c->evq) && !c->efd_set) {
		if (write(c->efd, &v, sizeof(v)) == sizeof(v))
			c->efd_set = true;
	} else if (!vgfb__evq_len(c->evq) && c->efd_set) {
		if (read(c->efd, &v, sizeof(v)) == sizeof(v) || errno == EAGAIN)
			c->efd_set = false;
	}
}

static void
queue_event(struct client *c, const struct vgfb_event *ev)
{
	if (!(c->mask & VGFB_EVENT_MASK(ev->type)) &&
	    !(c->mask && ev->type == VGFB_EVENT_OVERFLOW))
		return;
	vgfb__evq_push(c->evq, ev);
}

/* The connection is unusable from now on. */
static void
set_broken(struct vgfb *ctx, const char *why, int err)
{
	struct client *c = priv(ctx);
	struct vgfb_event gone = { .type = VGFB_EVENT_GUEST_GONE };

	if (c->broken)
		return;
	c->broken = true;
	if (!c->quiet)
		log_error(ctx, "daemon connection lost: %s%s%s", why,
			  err ? ": " : "", err ? strerror(-err) : "");
	/* stop the socket's HUP from making the event fd spin */
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, c->sock, NULL);
	shutdown(c->sock, SHUT_RDWR);
	queue_event(c, &gone);
	sync_efd(c);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Read one message; EVENTs are queued and reported as type EVENT.  The
 * caller makes the event fd say so (sync_efd) once it has read what it
 * wanted: raising and lowering it for every message costs two syscalls
 * per event in read_event, which drains the socket and then the queue.
 * deadline: CLOCK_MONOTONIC ms to wait until, or 0 not to wait.
 * @return 0 with *m filled (and *fd the one fd, or -1), -EAGAIN when not
 * waiting and nothing is there, or a negative errno after which the
 * connection is broken.
 */
static int
read_message(struct vgfb *ctx, struct vgfb_msg *m, int *fd, int64_t deadline)
{
	struct client *c = priv(ctx);
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int fds[VGFB_PROTO_MAX_FDS];
	unsigned int n_fds = 0;
	int n, rc;

	*fd = -1;
	if (deadline) {
		struct pollfd pfd = { .fd = c->sock, .events = POLLIN };

		do {
			int64_t left = deadline - now_ms();

			rc = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		} while (rc < 0 && errno == EINTR);
		if (rc == 0) {
			set_broken(ctx, "no reply in time", -ETIMEDOUT);
			return -ETIMEDOUT;
		}
	}
	n = vgfb__proto_recv(c->sock, buf, sizeof(buf), fds, VGFB_PROTO_MAX_FDS,
			     &n_fds, MSG_DONTWAIT);
	if (n == -EAGAIN && !deadline)
		return -EAGAIN;
	if (n == 0) {
		set_broken(ctx, "the daemon hung up", 0);
		return -ENOTCONN;
	}
	if (n < 0) {
		set_broken(ctx, "receive failed", n);
		return n == -EAGAIN ? -EIO : n;
	}
	rc = vgfb__proto_parse(buf, (size_t)n, VGFB_PROTO_TO_CLIENT, m);
	if (rc == 0 && n_fds != vgfb__proto_fd_count(m->type,
						      VGFB_PROTO_TO_CLIENT))
		rc = -EBADMSG;
	if (rc) {
		vgfb__proto_close_fds(fds, n_fds);
		set_broken(ctx, "malformed message from the daemon", rc);
		return rc == -EPROTONOSUPPORT ? rc : -EPROTO;
	}
	if (n_fds)
		*fd = fds[0];
	if (m->type == VGFB_MSG_EVENT)
		for (uint32_t k = 0; k < m->events.n; k++)
			queue_event(c, &m->events.ev[k]);
	return 0;
}

/*
 * One round trip.  reply->type is the request's type on success.
 * @return 0, the daemon's negative errno for this request, or a
 * connection error.
 */
static int
request(struct vgfb *ctx, const struct vgfb_msg *req, struct vgfb_msg *reply,
	int *fd)
{
	struct client *c = priv(ctx);
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int64_t deadline;
	int n, rc;

	*fd = -1;
	if (c->broken)
		return -ENOTCONN;
	n = vgfb__proto_encode(req, VGFB_PROTO_TO_SERVER, buf, sizeof(buf));
	if (n < 0)
		return n;	/* our own request is invalid: a bug, say so */
	rc = vgfb__proto_send(c->sock, buf, (size_t)n, -1, 0);
	if (rc) {
		set_broken(ctx, "send failed", rc);
		return -ENOTCONN;
	}
	/* one deadline for the reply, however many events come first */
	deadline = now_ms() + c->timeout_ms;
	for (;;) {
		rc = read_message(ctx, reply, fd, deadline);
		if (rc)
			return rc;
		if (reply->type == VGFB_MSG_EVENT) {
			/* wake the consumer's poll while we wait for ours */
			sync_efd(c);
			continue;
		}
		if (reply->type == VGFB_MSG_ERROR &&
		    reply->error.request_type == req->type)
			return reply->error.error;
		if (reply->type == req->type)
			return 0;
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		set_broken(ctx, "reply does not match the request", -EPROTO);
		return -EPROTO;
	}
}

/* ---- ops ---- */

static void
client_close(struct vgfb *ctx)
{
	struct client *c = priv(ctx);

	if (!c)
		return;
	close(c->sock);
	close(c->epfd);
	close(c->efd);
	vgfb__evq_free(c->evq);
	free(c);
	ctx->priv = NULL;
}

static const char *
client_exporter_name(struct vgfb *ctx)
{
	return priv(ctx)->exporter;
}

static int
client_head_count(struct vgfb *ctx, uint32_t *count)
{
	struct vgfb_msg req = { .type = VGFB_MSG_HEAD_COUNT }, reply;
	int fd, rc;

	rc = request(ctx, &req, &reply, &fd);
	if (rc)
		return rc;
	*count = reply.u32.value;
	return 0;
}

static int
client_query(struct vgfb *ctx, uint32_t head,
	     struct vfio_device_gfx_plane_info *info,
	     struct vgfb_plane_ext *ext)
{
	struct vgfb_msg req = { .type = VGFB_MSG_QUERY }, reply;
	const struct vfio_device_gfx_plane_info *ri;
	int fd, rc;

	if (head >= VGFB_PROTO_MAX_HEADS)
		return -EINVAL;
	req.query_req.head = head;
	req.query_req.want_ext = ext ? 1 : 0;
	req.query_req.info.argsz = sizeof(req.query_req.info);
	req.query_req.info.flags = info->flags;
	req.query_req.info.drm_plane_type = info->drm_plane_type;
	rc = request(ctx, &req, &reply, &fd);
	if (rc)
		return rc;
	ri = &reply.query_reply.info;
	if (reply.query_reply.head != head || ri->flags != info->flags ||
	    ri->drm_plane_type != info->drm_plane_type ||
	    reply.query_reply.has_ext != (ext ? 1u : 0u)) {
		set_broken(ctx, "reply answers another query", -EPROTO);
		return -EPROTO;
	}
	/* the output fields only: argsz and the inputs stay the caller's */
	info->drm_format = ri->drm_format;
	info->drm_format_mod = ri->drm_format_mod;
	info->width = ri->width;
	info->height = ri->height;
	info->stride = ri->stride;
	info->size = ri->size;
	info->x_pos = ri->x_pos;
	info->y_pos = ri->y_pos;
	info->x_hot = ri->x_hot;
	info->y_hot = ri->y_hot;
	info->dmabuf_id = ri->dmabuf_id;
	if (ext) {
		const struct vgfb_plane_ext *re = &reply.query_reply.ext;

		ext->flags = re->flags;
		ext->head = re->head;
		ext->n_damage = re->n_damage;
		ext->frame_seq = re->frame_seq;
		memcpy(ext->damage, re->damage, sizeof(ext->damage));
	}
	return 0;
}

static int
client_probe_mode(struct vgfb *ctx, uint32_t mode_flag)
{
	struct vgfb_msg req = { .type = VGFB_MSG_QUERY }, reply;
	int fd;

	if (mode_flag != VFIO_GFX_PLANE_TYPE_DMABUF &&
	    mode_flag != VFIO_GFX_PLANE_TYPE_REGION)
		return -EINVAL;
	req.query_req.info.argsz = sizeof(req.query_req.info);
	req.query_req.info.flags = VFIO_GFX_PLANE_TYPE_PROBE | mode_flag;
	return request(ctx, &req, &reply, &fd);
}

static int
get_fd(struct vgfb *ctx, uint16_t type, uint32_t id)
{
	struct vgfb_msg req = { .type = type, .u32 = { .value = id } }, reply;
	int fd, rc;

	rc = request(ctx, &req, &reply, &fd);
	if (rc)
		return rc;
	if (reply.u32.value != id || fd < 0) {
		if (fd >= 0)
			close(fd);
		set_broken(ctx, "reply answers another id", -EPROTO);
		return -EPROTO;
	}
	return fd;
}

static int
client_get_dmabuf(struct vgfb *ctx, uint32_t id)
{
	return get_fd(ctx, VGFB_MSG_GET_DMABUF, id);
}

static int
client_get_region(struct vgfb *ctx, uint32_t id)
{
	return get_fd(ctx, VGFB_MSG_GET_REGION, id);
}

static int
client_subscribe(struct vgfb *ctx, uint32_t mask)
{
	struct client *c = priv(ctx);
	struct vgfb_msg req = {
		.type = VGFB_MSG_SUBSCRIBE,
		.u32 = { .value = mask },
	}, reply;
	int fd, rc;

	rc = request(ctx, &req, &reply, &fd);
	if (rc)
		return rc;
	if (reply.u32.value != mask) {
		set_broken(ctx, "reply answers another mask", -EPROTO);
		return -EPROTO;
	}
	c->mask = mask;
	if (!mask) {
		vgfb__evq_clear(c->evq);
		sync_efd(c);
	}
	return 0;
}

static int
client_event_fd(struct vgfb *ctx)
{
	return priv(ctx)->epfd;
}

static int
client_read_event(struct vgfb *ctx, struct vgfb_event *ev)
{
	struct client *c = priv(ctx);
	struct vgfb_msg m;
	int fd, rc;

	/* take in what the socket holds, without blocking */
	while (!c->broken) {
		rc = read_message(ctx, &m, &fd, 0);
		if (rc)
			break;
		if (m.type != VGFB_MSG_EVENT) {
			if (fd >= 0)
				close(fd);
			set_broken(ctx, "unexpected message between requests",
				   -EPROTO);
			break;
		}
	}
	rc = vgfb__evq_pop(c->evq, ev);
	sync_efd(c);
	return rc;
}

/* ---- revision 2 ---- */

static int
client_send_input(struct vgfb *ctx, uint32_t head,
		  const struct vgfb_input_event *ev, uint32_t n)
{
	struct client *c = priv(ctx);
	struct vgfb_msg req = { .type = VGFB_MSG_INPUT }, reply;
	int fd, rc;

	/* an old daemon, or one without input: no round trip */
	if (c->revision < 2 || !(c->caps2 & VGFB_CAP2_INPUT))
		return -ENOTSUP;
	if (head >= VGFB_PROTO_MAX_HEADS)
		return -EINVAL;
	req.input.w.head = head;
	req.input.n = n;
	memcpy(req.input.w.ev, ev, n * sizeof(*ev));
	rc = request(ctx, &req, &reply, &fd);
	if (rc)
		return rc;
	if (reply.u32.value != n) {
		set_broken(ctx, "reply answers another batch", -EPROTO);
		return -EPROTO;
	}
	return 0;
}

static int
client_sim_read_input(struct vgfb *ctx, uint32_t *head,
		      struct vgfb_input_event *ev)
{
	struct client *c = priv(ctx);
	struct vgfb_msg req = { .type = VGFB_MSG_SIM_READ_INPUT }, reply;
	int fd, rc;

	if (c->revision < 2 || !(c->hello.caps & VGFB_CAP_SIM_CONTROL))
		return -ENOTSUP;
	rc = request(ctx, &req, &reply, &fd);
	if (rc)
		return rc;
	*head = reply.sim_input.head;
	*ev = reply.sim_input.ev;
	return 0;
}

static int
reply_timeout(void)
{
	const char *s = secure_getenv("VGFB_CLIENT_TIMEOUT_MS");
	char *end;
	long v;

	if (!s || !*s)
		return REPLY_TIMEOUT_MS;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 600000)
		return REPLY_TIMEOUT_MS;
	return (int)v;
}

static const struct vgfb_ctx_ops client_ops = {
	.name = "unix",
	.close = client_close,
	.exporter_name = client_exporter_name,
	.head_count = client_head_count,
	.query = client_query,
	.probe_mode = client_probe_mode,
	.get_dmabuf = client_get_dmabuf,
	.get_region = client_get_region,
	.subscribe = client_subscribe,
	.event_fd = client_event_fd,
	.read_event = client_read_event,
	.send_input = client_send_input,
	.sim_read_input = client_sim_read_input,
};

/* Connect c->sock to c->addr and watch it; logs why not. */
static int
connect_socket(struct vgfb *ctx, struct client *c)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int rc;

	c->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->sock < 0)
		return -errno;
	ev.data.fd = c->sock;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->sock, &ev) < 0)
		return -errno;
	do {
		rc = connect(c->sock, (struct sockaddr *)&c->addr,
			     sizeof(c->addr));
	} while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		rc = -errno;
		log_error(ctx, "cannot connect to %s: %s", c->addr.sun_path,
			  strerror(-rc));
		return rc;
	}
	return 0;
}

/* The daemon speaks first: HELLO, or ERROR when it refuses us. */
static int
read_hello(struct vgfb *ctx, struct client *c)
{
	struct vgfb_msg m;
	int fd, rc;

	rc = read_message(ctx, &m, &fd, now_ms() + c->timeout_ms);
	if (rc == 0 && m.type == VGFB_MSG_ERROR) {
		rc = m.error.error;
		log_error(ctx, "%s refused the connection: %s",
			  c->addr.sun_path, strerror(-rc));
	} else if (rc == 0 && m.type != VGFB_MSG_HELLO) {
		log_error(ctx, "%s did not say HELLO", c->addr.sun_path);
		rc = -EPROTO;
	}
	if (rc)
		return rc;
	c->hello = m.hello;
	memcpy(c->exporter, m.hello.exporter, sizeof(c->exporter));
	return 0;
}

/*
 * Agree on revision 2.  A revision 1 daemon answers VERSION's revision 2
 * header with ERROR -EPROTONOSUPPORT and hangs up (docs/protocol.md): we
 * then connect again, quietly, as the revision 1 client it knows.
 */
static int
negotiate(struct vgfb *ctx, struct client *c)
{
	struct vgfb_msg req = {
		.type = VGFB_MSG_VERSION,
		.version = { .version = VGFB_PROTO_REVISION },
	}, reply;
	int fd, rc;

	c->quiet = true;
	rc = request(ctx, &req, &reply, &fd);
	c->quiet = false;
	if (rc == 0) {
		c->revision = (uint16_t)reply.version.version;
		c->caps2 = reply.version.caps;
		return 0;
	}
	if (rc != -EPROTONOSUPPORT && rc != -ENOTCONN)
		return rc;
	log_info(ctx, "%s speaks protocol revision 1 only: no input",
		 c->addr.sun_path);
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, c->sock, NULL);
	close(c->sock);
	c->sock = -1;
	c->broken = false;
	c->revision = VGFB_PROTO_VERSION;
	c->caps2 = 0;
	rc = connect_socket(ctx, c);
	return rc ? rc : read_hello(ctx, c);
}

int
vgfb__client_open(struct vgfb *ctx, const char *socket_path)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct client *c;
	size_t len = strlen(socket_path);
	int rc;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->addr.sun_family = AF_UNIX;
	if (len == 0 || len >= sizeof(c->addr.sun_path)) {
		log_error(ctx, "socket path \"%s\" is too long", socket_path);
		free(c);
		return -ENAMETOOLONG;
	}
	memcpy(c->addr.sun_path, socket_path, len + 1);
	c->sock = c->epfd = c->efd = -1;
	c->timeout_ms = reply_timeout();
	c->revision = VGFB_PROTO_VERSION;
	rc = vgfb__evq_new(CLIENT_QUEUE_LEN, &c->evq);
	if (rc)
		goto out_free;

	c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->efd < 0 || c->epfd < 0) {
		rc = -errno;
		goto out_free;
	}
	ev.data.fd = c->efd;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->efd, &ev) < 0) {
		rc = -errno;
		goto out_free;
	}
	rc = connect_socket(ctx, c);
	if (rc)
		goto out_free;

	ctx->ops = &client_ops;
	ctx->priv = c;
	ctx->backend_name = "unix";
	rc = read_hello(ctx, c);
	if (rc == 0)
		rc = negotiate(ctx, c);
	if (rc)
		goto out_unset;
	return 0;

out_unset:
	ctx->ops = NULL;
	ctx->priv = NULL;
	ctx->backend_name = NULL;
out_free:
	if (c->sock >= 0)
		close(c->sock);
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->efd >= 0)
		close(c->efd);
	vgfb__evq_free(c->evq);
	free(c);
	return rc;
}
