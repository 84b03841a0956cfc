/* SPDX-License-Identifier: MIT */
/*
 * The ACRN platform, target "acrn:NAME[,heads=N][,socket=PATH]": vgfbd's
 * end of the source protocol (include/vgfb/vgfb-source.h).  acrn-dm's
 * display sink (or any device model) connects to a SOCK_SEQPACKET socket
 * we listen on and hands over the VM's scanouts; we never send it more
 * than WELCOME and ERROR, and never wait for it.
 *
 * One device model at a time, of our uid or root.  Its life decides the
 * guest's (docs/source-protocol.md):
 *   HELLO with a higher generation, BYE(REBOOT)  a reboot: ids stale,
 *                                                PLANE_CHANGED, consumers
 *                                                stay
 *   BYE(EXIT), a hang-up after HELLO             the VM is gone:
 *                                                GUEST_GONE, and we stop
 *                                                listening
 *   a bad message                                ERROR, hang-up, scanouts
 *                                                off; it may reconnect
 *   a new connection (vgfbd or the sink
 *   restarted, or after a drop)                  HELLO + the current state
 * The event fd is an epoll set over the listening and the connected
 * socket, so the core's one fd covers both.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "acrn.h"
#include "proto.h"
#include "socket-file.h"

#define RUN_DIR "/run/vgfb"
#define NAME_MAX_LEN 64
/* Messages handled per dispatch: the rest wait for the next wakeup. */
#define MAX_MSGS_PER_DISPATCH 64

struct acrn_options {
	char name[NAME_MAX_LEN + 1];
	char socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint32_t heads;
};

struct acrn {
	struct vgfb_local *m;
	struct acrn_options o;
	struct acrn_source *src;	/* owned by the core once registered */
	int epoll_fd;
	struct vgfb_socket_file sock;	/* sock.fd: where it connects */

	/* the connected device model */
	int conn_fd;
	bool hello;		/* this connection said HELLO */
	bool rebooting;		/* ... and BYE(REBOOT) last */
	uint32_t n_scanouts;
	uint64_t generation;	/* the last HELLO's, kept across connections */
	bool gone;
};

static struct vgfb *
ctx_of(struct acrn *a)
{
	return vgfb__local_ctx(a->m);
}

/* ---- options ---- */

static int
acrn_option(void *data, const char *key, const char *value)
{
	struct acrn_options *o = data;

	if (strcmp(key, "heads") == 0) {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(value, &end, 10);
		if (errno || *end || value[0] == '-' || n < 1 ||
		    n > VGFB_SRC_MAX_SCANOUTS)
			return -EINVAL;
		o->heads = (uint32_t)n;
		return 0;
	}
	if (strcmp(key, "socket") == 0) {
		if (strlen(value) >= sizeof(o->socket))
			return -ENAMETOOLONG;
		strcpy(o->socket, value);
		return 0;
	}
	return -EINVAL;
}

static int
parse_options(const char *args, struct acrn_options *o)
{
	const char *comma = strchr(args, ',');
	size_t n = comma ? (size_t)(comma - args) : strlen(args);

	o->heads = 1;
	if (n > NAME_MAX_LEN)
		return -EINVAL;
	memcpy(o->name, args, n);
	o->name[n] = '\0';
	if (!vgfb__instance_name_ok(o->name))
		return -EINVAL;
	if (comma && vgfb__parse_options(comma + 1, acrn_option, o))
		return -EINVAL;
	if (!o->socket[0])
		snprintf(o->socket, sizeof(o->socket), RUN_DIR "/%s/source",
			 o->name);
	return 0;
}

static int
acrn_check_args(const char *args)
{
	struct acrn_options o;

	memset(&o, 0, sizeof(o));
	return parse_options(args, &o);
}

/* ---- the listening socket ---- */

static int
listen_source(struct acrn *a)
{
	bool replaced;
	int rc;

	rc = vgfb__socket_file_listen(&a->sock, a->o.socket, 0600, 4,
				      &replaced);
	if (replaced)
		log_info(ctx_of(a), "acrn: replaced stale socket %s",
			 a->o.socket);
	if (rc)
		log_error(ctx_of(a), "acrn: cannot listen on %s: %s%s",
			  a->o.socket, strerror(-rc), rc == -EADDRINUSE ?
			  " (another vgfbd serves this VM?)" : "");
	return rc;
}

static int
watch(struct acrn *a, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(a->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* ---- talking to the device model ---- */

static void
send_msg(int fd, const struct vgfb_src_msg *msg)
{
	char buf[VGFB_SRC_MAX_MSG];
	int n = vgfb__src_encode(msg, VGFB_SRC_TO_SOURCE, buf, sizeof(buf));

	/* never wait: a device model that does not read loses the reply */
	if (n > 0)
		vgfb__proto_send(fd, buf, (size_t)n, -1, MSG_DONTWAIT);
}

static void
send_error(int fd, int error)
{
	struct vgfb_src_msg e = {
		.type = VGFB_SRC_ERROR,
		.error = { .error = error < 0 && error >= -4095 ? error
							      : -EPROTO },
	};

	send_msg(fd, &e);
}

static void
close_conn(struct acrn *a)
{
	if (a->conn_fd < 0)
		return;
	epoll_ctl(a->epoll_fd, EPOLL_CTL_DEL, a->conn_fd, NULL);
	close(a->conn_fd);
	a->conn_fd = -1;
	a->hello = false;
	a->rebooting = false;
}

/* A bad message: ERROR, hang-up, its scanouts off.  Consumers stay. */
static void
drop(struct acrn *a, int error, const char *why)
{
	log_error(ctx_of(a), "acrn: %s: dropping the device model: %s",
		  a->o.name, why);
	send_error(a->conn_fd, error);
	close_conn(a);
	vgfb__acrn_source_clear(a->src, ACRN_CLEAR_DISABLED);
}

/* The VM is gone: GUEST_GONE once, and nobody is served any more. */
static void
vm_gone(struct acrn *a, const char *how)
{
	log_info(ctx_of(a), "acrn: %s: %s: the VM is gone", a->o.name, how);
	close_conn(a);
	a->gone = true;
	/* ids stale first, then our buffers go; GUEST_GONE says it all */
	vgfb__local_guest_gone(a->m);
	vgfb__acrn_source_clear(a->src, ACRN_CLEAR_QUIET);
	/*
	 * One instance serves one VM run (docs/source-protocol.md): a
	 * device model connecting now is refused by the kernel, and a new
	 * vgfbd for the next run finds the name free.
	 */
	if (a->sock.fd >= 0)
		epoll_ctl(a->epoll_fd, EPOLL_CTL_DEL, a->sock.fd, NULL);
	vgfb__socket_file_close(&a->sock, a->o.socket);
}

/* A new generation of the same VM: ids stale, planes off until set. */
static void
reboot(struct acrn *a)
{
	log_info(ctx_of(a), "acrn: %s: guest reboot", a->o.name);
	vgfb__local_guest_reset(a->m);
	vgfb__acrn_source_clear(a->src, ACRN_CLEAR_CHANGED);
}

static int
handle_hello(struct acrn *a, const struct vgfb_src_hello *h, char *why,
	     size_t len)
{
	struct vgfb_src_msg w = {
		.type = VGFB_SRC_WELCOME,
		.welcome = { .version = VGFB_SRC_VERSION,
			     .heads = a->o.heads },
	};

	if (a->hello && h->generation <= a->generation) {
		snprintf(why, len, "HELLO of generation %" PRIu64
			 " on a connection at generation %" PRIu64,
			 h->generation, a->generation);
		return -EPROTO;
	}
	if (a->generation && h->generation > a->generation && !a->rebooting)
		reboot(a);
	else if (a->generation && h->generation < a->generation)
		log_info(ctx_of(a), "acrn: %s: generation %" PRIu64 " after %"
			 PRIu64 ": another device model?", a->o.name,
			 h->generation, a->generation);
	if (!a->hello)
		log_info(ctx_of(a), "acrn: %s: device model \"%s\" (pid %u), "
			 "%u scanout(s), generation %" PRIu64, a->o.name,
			 h->name, h->pid, h->n_scanouts, h->generation);
	a->hello = true;
	a->rebooting = false;
	a->generation = h->generation;
	a->n_scanouts = h->n_scanouts;
	send_msg(a->conn_fd, &w);
	return 0;
}

/* One parsed message with its fd (consumed).  0 or -errno + why. */
static int
handle(struct acrn *a, const struct vgfb_src_msg *msg, int fd, char *why,
       size_t len)
{
	if (!a->hello || a->rebooting) {
		if (msg->type != VGFB_SRC_HELLO) {
			vgfb__proto_close_fds(&fd, fd >= 0);
			snprintf(why, len, "%s before HELLO",
				 vgfb__src_type_name(msg->type));
			return -EPROTO;
		}
	}
	switch (msg->type) {
	case VGFB_SRC_HELLO:
		return handle_hello(a, &msg->hello, why, len);
	case VGFB_SRC_BYE:
		if (msg->bye.reason == VGFB_SRC_BYE_EXIT) {
			vm_gone(a, "BYE(EXIT)");
			return 0;
		}
		reboot(a);
		a->rebooting = true;
		return 0;
	default:
		return vgfb__acrn_source_apply(a->src, a->n_scanouts, msg, fd,
					       why, len);
	}
}

/* The peer hung up (or the connection failed). */
static void
hung_up(struct acrn *a)
{
	if (a->hello && !a->rebooting) {
		vm_gone(a, "the device model hung up without BYE");
		return;
	}
	/* before HELLO or after BYE(REBOOT): not the VM's end */
	log_info(ctx_of(a), "acrn: %s: device model disconnected", a->o.name);
	close_conn(a);
}

static void
read_conn(struct acrn *a)
{
	for (unsigned int i = 0; i < MAX_MSGS_PER_DISPATCH && a->conn_fd >= 0;
	     i++) {
		char buf[VGFB_SRC_MAX_MSG], why[256] = "";
		struct vgfb_src_msg msg;
		unsigned int n_fds = 0;
		int fd = -1, n, rc;

		n = vgfb__proto_recv(a->conn_fd, buf, sizeof(buf), &fd, 1,
				     &n_fds, MSG_DONTWAIT);
		if (n == -EAGAIN)
			return;
		if (n == 0) {
			hung_up(a);
			return;
		}
		if (n < 0) {
			snprintf(why, sizeof(why), "receive: %s%s",
				 strerror(-n), n == -ETOOMANYREFS ?
				 " (more than one fd)" : "");
			drop(a, n == -EMSGSIZE ? -EPROTO : -EBADMSG, why);
			return;
		}
		rc = vgfb__src_parse(buf, (size_t)n, VGFB_SRC_TO_VGFBD, &msg);
		if (rc) {
			vgfb__proto_close_fds(&fd, n_fds);
			snprintf(why, sizeof(why), "malformed message (%s)",
				 strerror(-rc));
			drop(a, rc, why);
			return;
		}
		if (n_fds != vgfb__src_fd_count(&msg)) {
			vgfb__proto_close_fds(&fd, n_fds);
			snprintf(why, sizeof(why), "%s with %u fd(s), not %u",
				 vgfb__src_type_name(msg.type), n_fds,
				 vgfb__src_fd_count(&msg));
			drop(a, -EBADMSG, why);
			return;
		}
		rc = handle(a, &msg, fd, why, sizeof(why));
		if (rc && a->conn_fd >= 0) {
			drop(a, rc, why);
			return;
		}
	}
}

/* Same uid as us, or root: nobody else feeds this VM's screens. */
static bool
peer_allowed(struct acrn *a, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_error(ctx_of(a), "acrn: SO_PEERCRED: %s", strerror(errno));
		return false;
	}
	if (cred.uid == 0 || cred.uid == geteuid()) {
		log_info(ctx_of(a), "acrn: %s: device model connected (pid "
			 "%d, uid %u)", a->o.name, (int)cred.pid,
			 (unsigned int)cred.uid);
		return true;
	}
	log_error(ctx_of(a), "acrn: %s: refused a device model of uid %u "
		  "(pid %d): only uid %u or root", a->o.name,
		  (unsigned int)cred.uid, (int)cred.pid,
		  (unsigned int)geteuid());
	return false;
}

static void
accept_one(struct acrn *a)
{
	int fd = accept4(a->sock.fd, NULL, NULL,
			 SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (!peer_allowed(a, fd)) {
		send_error(fd, -EACCES);
		close(fd);
		return;
	}
	if (a->conn_fd >= 0) {
		log_error(ctx_of(a), "acrn: %s: a second device model was "
			  "refused: one is connected", a->o.name);
		send_error(fd, -EBUSY);
		close(fd);
		return;
	}
	if (watch(a, fd)) {
		close(fd);
		return;
	}
	a->conn_fd = fd;
	a->hello = false;
	a->rebooting = false;
	vgfb__acrn_source_new_connection(a->src);
}

/* ---- platform ops ---- */

static int
acrn_event_fd(void *priv)
{
	struct acrn *a = priv;

	return a->epoll_fd;
}

static int
acrn_dispatch(void *priv)
{
	struct acrn *a = priv;

	if (a->gone)
		return 0;
	/* the connection first: a reconnect after a hang-up sees it gone */
	if (a->conn_fd >= 0)
		read_conn(a);
	if (a->sock.fd >= 0 && !a->gone)
		accept_one(a);
	/* another waiting is taken at the next wakeup (level-triggered) */
	return 0;
}

static int
acrn_get_memmap(void *priv, struct vgfb_memmap *map)
{
	/* buffers are fds the platform measured: no guest-physical map */
	map->ranges = NULL;
	map->n_ranges = 0;
	return 0;
}

static int
acrn_get_backing(void *priv, const struct vgfb_buffer *buf, uint64_t size,
		 struct vgfb_backing *out)
{
	struct acrn *a = priv;

	if (a->gone)
		return -ENODEV;
	return vgfb__acrn_source_backing(a->src, buf, size, out);
}

static void
acrn_close(void *priv)
{
	struct acrn *a = priv;

	if (!a)
		return;
	/* the source, if it was registered, was closed by the core */
	if (a->conn_fd >= 0)
		close(a->conn_fd);
	vgfb__socket_file_close(&a->sock, a->o.socket);
	if (a->epoll_fd >= 0)
		close(a->epoll_fd);
	free(a);
}

static int
acrn_open(struct vgfb_local *m, const char *args, void **priv)
{
	struct acrn *a;
	int rc;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->m = m;
	a->epoll_fd = -1;
	a->sock.fd = -1;
	a->conn_fd = -1;
	rc = parse_options(args, &a->o);
	if (rc) {
		log_error(vgfb__local_ctx(m), "acrn: bad target \"acrn:%s\" "
			  "(acrn:NAME[,heads=1..%u][,socket=PATH])", args,
			  VGFB_SRC_MAX_SCANOUTS);
		free(a);
		return -EINVAL;
	}
	a->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (a->epoll_fd < 0) {
		rc = -errno;
		goto out_close;
	}
	rc = listen_source(a);
	if (rc == 0)
		rc = watch(a, a->sock.fd);
	if (rc)
		goto out_close;
	rc = vgfb__acrn_source_new(m, a->o.heads, &a->src);
	if (rc)
		goto out_close;
	log_info(vgfb__local_ctx(m), "acrn: %s: %u head(s), waiting for a "
		 "device model on %s", a->o.name, a->o.heads, a->o.socket);
	*priv = a;
	return 0;

out_close:
	acrn_close(a);
	return rc;
}

static int
acrn_add_sources(void *priv)
{
	struct acrn *a = priv;
	int rc;

	rc = vgfb__acrn_source_register(a->src);
	if (rc) {
		/* still ours: the core did not take it */
		vgfb__acrn_source_ops.close(a->src);
	}
	return rc;
}

const struct vgfb_platform_ops vgfb__platform_acrn = {
	.name = "acrn",
	.open = acrn_open,
	.check_args = acrn_check_args,
	.add_sources = acrn_add_sources,
	.close = acrn_close,
	.get_memmap = acrn_get_memmap,
	.get_backing = acrn_get_backing,
	.event_fd = acrn_event_fd,
	.dispatch = acrn_dispatch,
	.gives_dmabufs = true,
};
