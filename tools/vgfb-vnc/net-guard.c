/* SPDX-License-Identifier: MIT */
/*
 * neatvnc 0.5 accepts every connection (no limit, no API to refuse or
 * close one), never says how many bytes it wrote, and does not tell the
 * port it bound when asked for port 0.  It does all three through libc's
 * listen(), accept() and writev(), so this program defines those symbols:
 * the dynamic linker resolves libneatvnc's calls to the executable's
 * definitions first (symbol interposition, as malloc replacements work).
 * Nothing else in vgfb-vnc calls them.
 *
 * It also reads through read(), so every byte a viewer sends passes
 * rfb-guard.c first.
 *
 * Connections beyond VNC_MAX_CONNECTIONS are accepted and closed at once
 * (not left in the backlog, where a level-triggered poll would spin); each
 * costs neatvnc a client record, a 4 KiB message buffer, at most one
 * pending frame and up to 10 MB of clipboard text, so bounding them
 * bounds its memory.  At the limit, a connection stuck in the handshake
 * for VNC_HANDSHAKE_SECONDS makes room.  close() is defined too, so a viewer's slot is freed
 * the moment neatvnc closes it; a socket that went some other way is
 * noticed on the next accept by its inode.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "net-guard.h"
#include "rfb-guard.h"

#define PUBLIC __attribute__((visibility("default")))

/*
 * Room for as many connections again that are shut down but not yet
 * closed by neatvnc (it closes them on its next read of them).
 */
#define SLOTS (2 * VNC_MAX_CONNECTIONS)

struct conn {
	int fd;			/* -1: free slot */
	ino_t ino;
	dev_t dev;
	time_t accepted;	/* CLOCK_MONOTONIC seconds */
	bool evicted;		/* shut down; no longer counted */
	struct rfb_guard guard;	/* what the viewer sent so far */
	bool logged;		/* its refusal was said */
};

static struct conn conns[SLOTS] = {
	[0 ... SLOTS - 1] = { .fd = -1 },
};
static uint64_t bytes_sent;
static unsigned int refused;
static int listen_fd = -1;
static vnc_net_sent_fn sent_fn;
static void *sent_data;

static bool
same_socket(const struct conn *c)
{
	struct stat st;

	return c->fd >= 0 && fstat(c->fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
	       st.st_ino == c->ino && st.st_dev == c->dev;
}

/*
 * Forget connections neatvnc has closed since; the number still open and
 * not evicted.
 */
static unsigned int
prune(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < SLOTS; i++) {
		if (conns[i].fd < 0)
			continue;
		if (!same_socket(&conns[i]))
			conns[i].fd = -1;
		else if (!conns[i].evicted)
			n++;
	}
	return n;
}

static time_t
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * At the limit, the connection that has spent the longest in the
 * handshake, VNC_HANDSHAKE_SECONDS or more, makes room: connections that
 * never finish it would otherwise lock every viewer out.  A viewer that
 * finished it is never evicted (it may watch for days).  Shut down, not
 * closed: the fd is neatvnc's, which sees the end on its next read.
 */
static bool
evict_stalled_handshake(void)
{
	struct conn *oldest = NULL;
	time_t now = now_s();

	for (unsigned int i = 0; i < SLOTS; i++) {
		struct conn *c = &conns[i];

		if (c->fd < 0 || c->evicted ||
		    c->guard.phase == RFB_GUARD_MESSAGES ||
		    now - c->accepted < VNC_HANDSHAKE_SECONDS)
			continue;
		if (!oldest || c->accepted < oldest->accepted)
			oldest = c;
	}
	if (!oldest)
		return false;
	shutdown(oldest->fd, SHUT_RDWR);
	oldest->evicted = true;
	return true;
}

static struct conn *
viewer(int fd)
{
	for (unsigned int i = 0; i < SLOTS; i++)
		if (conns[i].fd == fd)
			return &conns[i];
	return NULL;
}

PUBLIC int
listen(int fd, int backlog)
{
	int rc = (int)syscall(SYS_listen, fd, backlog);

	if (rc == 0)
		listen_fd = fd;
	return rc;
}

PUBLIC int
accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct stat st;
	int c;

	struct conn *slot = NULL;

	c = accept4(fd, addr, len, SOCK_CLOEXEC);
	if (c < 0)
		return c;
	if (prune() >= VNC_MAX_CONNECTIONS)
		evict_stalled_handshake();
	for (unsigned int i = 0; i < SLOTS && !slot; i++)
		if (conns[i].fd < 0)
			slot = &conns[i];
	if (prune() >= VNC_MAX_CONNECTIONS || !slot || fstat(c, &st) < 0) {
		close(c);
		refused++;
		errno = EAGAIN;	/* neatvnc logs a failed accept and goes on */
		return -1;
	}
	*slot = (struct conn){
		.fd = c, .ino = st.st_ino, .dev = st.st_dev,
		.accepted = now_s(),
	};
	rfb_guard_init(&slot->guard);
	return c;
}

/*
 * neatvnc closes a viewer's socket with close(): its slot is free at once,
 * so a later fd with the same number (a region snapshot, a reconnection
 * to vgfbd) is never taken for a viewer by read() and writev().
 */
PUBLIC int
close(int fd)
{
	for (unsigned int i = 0; i < SLOTS; i++)
		if (conns[i].fd == fd)
			conns[i].fd = -1;
	if (fd == listen_fd)
		listen_fd = -1;
	return (int)syscall(SYS_close, fd);
}

PUBLIC ssize_t
writev(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t n = syscall(SYS_writev, fd, iov, iovcnt);

	if (n > 0 && viewer(fd)) {
		bytes_sent += (uint64_t)n;
		if (sent_fn)
			sent_fn((uint64_t)n, sent_data);
	}
	return n;
}

/*
 * What a viewer sends passes the guard before neatvnc sees it; a
 * violation is a reset connection, which neatvnc closes cleanly.
 */
PUBLIC ssize_t
read(int fd, void *buf, size_t len)
{
	ssize_t n = syscall(SYS_read, fd, buf, len);
	uint8_t *p = buf;
	size_t left;
	struct conn *c;
	bool ok = true;

	if (n <= 0 || !(c = viewer(fd)))
		return n;
	left = (size_t)n;
	/* the handshake a byte at a time, to find ClientInit's byte */
	while (ok && left && c->guard.phase < RFB_GUARD_INIT) {
		ok = rfb_guard_feed(&c->guard, p++, 1);
		left--;
	}
	/*
	 * ClientInit's shared flag: 0 makes neatvnc 0.5 disconnect every
	 * other viewer, from inside its parser and while their encoders may
	 * run (disconnect_all_other_clients).  One viewer must not throw
	 * the others out: every viewer shares the desktop.
	 */
	if (ok && left && c->guard.phase == RFB_GUARD_INIT)
		p[0] = 1;
	if (ok && left)
		ok = rfb_guard_feed(&c->guard, p, left);
	if (!ok) {
		if (!c->logged)
			fprintf(stderr, "vgfb-vnc: viewer refused: %s\n",
				c->guard.why);
		c->logged = true;
		errno = ECONNRESET;
		return -1;
	}
	return n;
}

void
vnc_net_set_sent_fn(vnc_net_sent_fn fn, void *data)
{
	sent_fn = fn;
	sent_data = data;
}

uint64_t
vnc_net_bytes_sent(void)
{
	return bytes_sent;
}

unsigned int
vnc_net_refused(void)
{
	return refused;
}

int
vnc_net_listen_address(struct sockaddr_storage *ss, socklen_t *len)
{
	*len = sizeof(*ss);
	if (listen_fd < 0)
		return -ENOTCONN;
	if (getsockname(listen_fd, (struct sockaddr *)ss, len) < 0)
		return -errno;
	return 0;
}
