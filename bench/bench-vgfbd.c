/* SPDX-License-Identifier: MIT */
/*
 * vgfb-bench's daemons (bench.h): a vgfbd serving a sim guest with
 * --sim-control in a temporary directory, and the guest's driver, a raw
 * connection that makes it flip.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "private.h"
#include "proto.h"

static int
raw_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

/* Next non-EVENT message; 0 or -errno. */
static int
raw_reply(int sock, struct vgfb_msg *m)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	unsigned int n_fds;
	int fds[1], n, rc;

	for (;;) {
		n = vgfb__proto_recv(sock, buf, sizeof(buf), fds, 1, &n_fds, 0);
		if (n <= 0)
			return n ? n : -ENOTCONN;
		vgfb__proto_close_fds(fds, n_fds);
		rc = vgfb__proto_parse(buf, (size_t)n, VGFB_PROTO_TO_CLIENT, m);
		if (rc)
			return rc;
		if (m->type != VGFB_MSG_EVENT)
			return 0;
	}
}

int
bench_daemon_flip(struct bench_daemon *d)
{
	struct vgfb_msg m = {
		.type = VGFB_MSG_SIM_CONTROL,
		.sim = { .op = VGFB_SIM_FLIP },
	};
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int n, rc;

	n = vgfb__proto_encode(&m, VGFB_PROTO_TO_SERVER, buf, sizeof(buf));
	if (n < 0)
		return n;
	rc = vgfb__proto_send(d->ctl, buf, (size_t)n, -1, 0);
	if (rc)
		return rc;
	rc = raw_reply(d->ctl, &m);
	if (rc)
		return rc;
	if (m.type == VGFB_MSG_ERROR)
		return m.error.error;
	return m.type == VGFB_MSG_SIM_CONTROL ? 0 : -EPROTO;
}

int
bench_daemon_start(struct bench_daemon *d, const char *bin,
		   const char *sim_target)
{
	struct vgfb_msg hello;

	memset(d, 0, sizeof(*d));
	d->ctl = -1;
	snprintf(d->dir, sizeof(d->dir), "/tmp/vgfb-bench.XXXXXX");
	if (!mkdtemp(d->dir))
		return -errno;
	snprintf(d->socket, sizeof(d->socket), "%s/socket", d->dir);
	snprintf(d->target, sizeof(d->target), "unix:%s", d->socket);
	d->pid = fork();
	if (d->pid < 0)
		return -errno;
	if (d->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(bin, bin, "--target", sim_target, "--sim-control",
		      "--max-clients=256", "--socket", d->socket, (char *)NULL);
		fprintf(stderr, "vgfb-bench: cannot run %s: %s\n", bin,
			strerror(errno));
		_exit(127);
	}
	for (int k = 0; k < 2000 && d->ctl < 0; k++) {
		d->ctl = raw_connect(d->socket);
		if (d->ctl >= 0)
			break;
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
			d->pid = 0;
			break;
		}
		bench_sleep_ms(5);
	}
	if (d->ctl < 0 || raw_reply(d->ctl, &hello) ||
	    hello.type != VGFB_MSG_HELLO ||
	    !(hello.hello.caps & VGFB_CAP_SIM_CONTROL)) {
		fprintf(stderr, "vgfb-bench: %s did not start\n", bin);
		bench_daemon_stop(d);
		return -ENOTCONN;
	}
	return 0;
}

void
bench_daemon_stop(struct bench_daemon *d)
{
	if (d->ctl >= 0)
		close(d->ctl);
	d->ctl = -1;
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		waitpid(d->pid, NULL, 0);
	}
	d->pid = 0;
	if (d->socket[0])
		unlink(d->socket);
	if (d->dir[0])
		rmdir(d->dir);
	d->socket[0] = d->dir[0] = '\0';
}

/* The frame the guest shows now: flip i makes frame base + i + 1. */
int
bench_daemon_frame_seq(const char *target, uint64_t *seq)
{
	struct vfio_device_gfx_plane_info info = {
		.argsz = sizeof(info),
		.flags = VFIO_GFX_PLANE_TYPE_REGION,
		.drm_plane_type = DRM_PLANE_TYPE_PRIMARY,
	};
	struct vgfb_plane_ext ext = { .argsz = sizeof(ext) };
	struct vgfb *q;
	int rc;

	rc = vgfb_open(target, &q);
	if (rc)
		return rc;
	rc = vgfb_query_plane_ext(q, &info, &ext);
	*seq = ext.frame_seq;
	vgfb_close(q);
	return rc;
}
