/* SPDX-License-Identifier: MIT */
/* Helpers for tests that run the real vgfbd from the build tree. */
#ifndef VGFB_DAEMON_UTIL_H
#define VGFB_DAEMON_UTIL_H

#include <stdbool.h>
#include <sys/types.h>

#include "proto.h"

struct test_daemon {
	pid_t pid;
	char dir[64];		/* private temporary directory */
	char socket[128];	/* dir/socket */
	char target[160];	/* "unix:" socket */
	int base_fds;		/* the daemon's fds with no client */
};

/* The vgfbd binary: $VGFBD, else $top_builddir/tools/vgfbd/vgfbd. */
const char *test_vgfbd_path(void);

/*
 * Start vgfbd --socket DIR/socket with the NULL-terminated extra args and
 * wait until it accepts connections.  The daemon dies with the test
 * (PR_SET_PDEATHSIG).  Fails the test on error.
 */
void test_daemon_start(struct test_daemon *d, const char *const *args);

/*
 * A new vgfbd on the same socket after the previous one died (d->pid must
 * be 0: test_daemon_crash()); it takes over the stale socket file.
 */
void test_daemon_restart(struct test_daemon *d, const char *const *args);

/* SIGKILL and reap the daemon, keeping its directory (and the stale
 * socket file it leaves) for test_daemon_restart(). */
void test_daemon_crash(struct test_daemon *d);

/* SIGTERM, wait; the daemon must exit 0 and remove its socket. */
void test_daemon_stop(struct test_daemon *d);

/* SIGKILL, wait, clean up the directory. */
void test_daemon_kill(struct test_daemon *d);

/* Open fds of the daemon process, from /proc/PID/fd. */
int test_daemon_fds(const struct test_daemon *d);

/* Wait (up to timeout_ms) until the daemon has exactly want fds. */
int test_daemon_wait_fds(const struct test_daemon *d, int want,
			 int timeout_ms);

/* A raw protocol connection; hello receives the daemon's HELLO. */
int test_raw_connect(const struct test_daemon *d, struct vgfb_msg *hello);

/* Send one raw packet (fds attached when n_fds > 0). */
void test_raw_send(int sock, const void *buf, size_t len, const int *fds,
		   unsigned int n_fds);

/* Encode and send a request. */
void test_raw_send_msg(int sock, const struct vgfb_msg *m);

/*
 * Read the next message that is not an EVENT (events are counted into
 * *n_events when it is not NULL).  Returns 0, or the recv/parse error;
 * -ETIMEDOUT after timeout_ms.  *fd gets the fd that came with it, or -1.
 */
int test_raw_reply(int sock, struct vgfb_msg *reply, int *fd,
		   unsigned int *n_events, int timeout_ms);

/* True when the daemon hung up on sock within timeout_ms (reads and
 * discards whatever comes before the end). */
bool test_raw_hung_up(int sock, int timeout_ms);

/* SIM_CONTROL on a raw connection: 0 or the daemon's negative errno. */
int test_sim(int sock, uint32_t op, uint32_t head, uint32_t a0, uint32_t a1,
	     uint32_t a2, uint32_t a3);

#endif
