/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon-util.h"
#include "test-common.h"

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

const char *
test_vgfbd_path(void)
{
	static char path[4096];
	const char *env = getenv("VGFBD");
	const char *top = getenv("top_builddir");

	if (env && *env)
		return env;
	snprintf(path, sizeof(path), "%s/tools/vgfbd/vgfbd", top ? top : ".");
	return path;
}

static int
try_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

/* Start vgfbd on d->socket and wait until it serves; sets pid, base_fds. */
static void
spawn_daemon(struct test_daemon *d, const char *const *args)
{
	const char *bin = test_vgfbd_path();
	const char *argv[64];
	struct timespec t0;
	int n = 0;

	ck_assert_msg(access(bin, X_OK) == 0, "%s: %s (set VGFBD)", bin,
		      strerror(errno));
	/*
	 * VGFBD_VALGRIND=/path/to/valgrind runs the daemon under memcheck:
	 * any error makes it exit 3, which test_daemon_stop() fails on.
	 */
	if (getenv("VGFBD_VALGRIND") && *getenv("VGFBD_VALGRIND")) {
		argv[n++] = getenv("VGFBD_VALGRIND");
		argv[n++] = "--quiet";
		argv[n++] = "--error-exitcode=3";
		argv[n++] = "--leak-check=full";
		argv[n++] = "--show-leak-kinds=definite,indirect";
		argv[n++] = "--errors-for-leak-kinds=definite,indirect";
	}
	argv[n++] = bin;
	argv[n++] = "--socket";
	argv[n++] = d->socket;
	for (; args && *args && n < 62; args++)
		argv[n++] = *args;
	argv[n] = NULL;

	d->pid = fork();
	ck_assert_int_ge(d->pid, 0);
	if (d->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int status, fd = try_connect(d->socket);

		if (fd >= 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			int with_probe;

			/* HELLO came: the daemon holds this connection */
			ck_assert_int_eq(poll(&p, 1, 10000), 1);
			with_probe = test_daemon_fds(d);
			close(fd);
			d->base_fds = with_probe - 1;
			ck_assert_int_eq(test_daemon_wait_fds(d, d->base_fds,
							      5000),
					 d->base_fds);
			break;
		}
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			ck_abort_msg("vgfbd exited at start (status 0x%x)", status);
		}
		ck_assert_msg(ms_since(&t0) < 30000, "vgfbd did not listen");
		usleep(5000);
	}
}

void
test_daemon_start(struct test_daemon *d, const char *const *args)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "%s/vgfbd-test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_msg(strlen(d->dir) < 40 && mkdtemp(d->dir), "mkdtemp %s",
		      d->dir);
	snprintf(d->socket, sizeof(d->socket), "%s/socket", d->dir);
	snprintf(d->target, sizeof(d->target), "unix:%s", d->socket);
	spawn_daemon(d, args);
}

void
test_daemon_restart(struct test_daemon *d, const char *const *args)
{
	ck_assert_int_eq(d->pid, 0);
	spawn_daemon(d, args);
}

static void
cleanup_dir(struct test_daemon *d)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/socket", d->dir);
	unlink(p);
	rmdir(d->dir);
}

void
test_daemon_stop(struct test_daemon *d)
{
	int status;
	struct stat st;

	if (d->pid <= 0)
		return;
	ck_assert_int_eq(kill(d->pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(d->pid, &status, 0), d->pid);
	d->pid = 0;
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "vgfbd exit status 0x%x", status);
	ck_assert_msg(stat(d->socket, &st) < 0 && errno == ENOENT,
		      "vgfbd left its socket behind");
	cleanup_dir(d);
}

void
test_daemon_crash(struct test_daemon *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
	}
	d->pid = 0;
}

void
test_daemon_kill(struct test_daemon *d)
{
	test_daemon_crash(d);
	cleanup_dir(d);
}

int
test_daemon_fds(const struct test_daemon *d)
{
	return tier_count_fds((int)d->pid);
}

int
test_daemon_wait_fds(const struct test_daemon *d, int want, int timeout_ms)
{
	struct timespec t0;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((n = test_daemon_fds(d)) != want && ms_since(&t0) < timeout_ms)
		usleep(2000);
	return n;
}

void
test_raw_send(int sock, const void *buf, size_t len, const int *fds,
	      unsigned int n_fds)
{
	union vgfb_proto_fd_ctl ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	ck_assert_uint_le(n_fds, VGFB_PROTO_PACK_MAX_FDS);
	vgfb__proto_pack_fds(&mh, &ctl, fds, n_fds);
	ck_assert_int_eq(sendmsg(sock, &mh, MSG_NOSIGNAL), (ssize_t)len);
}

void
test_raw_send_msg(int sock, const struct vgfb_msg *m)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int n = vgfb__proto_encode(m, VGFB_PROTO_TO_SERVER, buf, sizeof(buf));

	ck_assert_int_gt(n, 0);
	test_raw_send(sock, buf, (size_t)n, NULL, 0);
}

int
test_raw_reply(int sock, struct vgfb_msg *reply, int *fd,
	       unsigned int *n_events, int timeout_ms)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int fds[1];
	unsigned int n_fds;

	*fd = -1;
	for (;;) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		int n, rc;

		if (poll(&p, 1, timeout_ms) <= 0)
			return -ETIMEDOUT;
		n = vgfb__proto_recv(sock, buf, sizeof(buf), fds, 1, &n_fds, 0);
		if (n <= 0)
			return n == 0 ? -ENOTCONN : n;
		rc = vgfb__proto_parse(buf, (size_t)n, VGFB_PROTO_TO_CLIENT,
				       reply);
		if (rc) {
			vgfb__proto_close_fds(fds, n_fds);
			return rc;
		}
		if (reply->type == VGFB_MSG_EVENT) {
			if (n_events)
				*n_events += reply->events.n;
			vgfb__proto_close_fds(fds, n_fds);
			continue;
		}
		if (n_fds)
			*fd = fds[0];
		return 0;
	}
}

int
test_raw_connect(const struct test_daemon *d, struct vgfb_msg *hello)
{
	int fd = try_connect(d->socket), rfd;

	ck_assert_msg(fd >= 0, "connect %s: %s", d->socket, strerror(-fd));
	ck_assert_int_eq(test_raw_reply(fd, hello, &rfd, NULL, 5000), 0);
	ck_assert_int_eq(hello->type, VGFB_MSG_HELLO);
	ck_assert_int_eq(rfd, -1);
	return fd;
}

bool
test_raw_hung_up(int sock, int timeout_ms)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG + 1];
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ms_since(&t0) < timeout_ms) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 50) <= 0)
			continue;
		n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
	}
	return false;
}

int
test_sim(int sock, uint32_t op, uint32_t head, uint32_t a0, uint32_t a1,
	 uint32_t a2, uint32_t a3)
{
	struct vgfb_msg m = {
		.type = VGFB_MSG_SIM_CONTROL,
		.sim = { op, head, { a0, a1, a2, a3 } },
	}, r;
	int fd, rc;

	test_raw_send_msg(sock, &m);
	rc = test_raw_reply(sock, &r, &fd, NULL, 5000);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(fd, -1);
	if (r.type == VGFB_MSG_ERROR) {
		ck_assert_int_eq(r.error.request_type, VGFB_MSG_SIM_CONTROL);
		return r.error.error;
	}
	ck_assert_int_eq(r.type, VGFB_MSG_SIM_CONTROL);
	ck_assert_uint_eq(r.u32.value, op);
	return 0;
}
