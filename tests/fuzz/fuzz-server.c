/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the whole of vgfbd's request handling, not only the
 * parser.  Each input is a conversation of one client with a fresh daemon
 * serving a small two-head sim guest with --sim-control: packets of
 * [u16 little-endian length | bytes], where bit 15 of the length attaches an
 * fd to the packet.  After every packet the daemon runs until idle and the
 * client's side is drained.
 *
 * Besides ASan/UBSan findings it checks the daemon's promises: it never
 * dies, and once the daemon is freed the process holds exactly the fds it
 * held before (nothing a client sent or caused is leaked).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto.h"
#include "server.h"
#include "../tier-lib.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char socket_dir[64];
static char socket_path[80];

/* this process's open fds; the fuzzer cannot judge leaks without /proc */
static int
count_fds(void)
{
	int n = tier_count_fds(0);

	if (n < 0)
		abort();
	return n;
}

static void
remove_dir(void)
{
	unlink(socket_path);
	rmdir(socket_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	signal(SIGPIPE, SIG_IGN);
	snprintf(socket_dir, sizeof(socket_dir), "%s/vgfb-fuzz-server.XXXXXX",
		 getenv("TMPDIR") && strlen(getenv("TMPDIR")) < 30 ?
		 getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(socket_dir))
		abort();
	snprintf(socket_path, sizeof(socket_path), "%s/socket", socket_dir);
	atexit(remove_dir);
	return 0;
}

static void
drain(int sock)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int fds[VGFB_PROTO_MAX_FDS];
	unsigned int n_fds;

	while (vgfb__proto_recv(sock, buf, sizeof(buf), fds, VGFB_PROTO_MAX_FDS,
				&n_fds, MSG_DONTWAIT) > 0)
		vgfb__proto_close_fds(fds, n_fds);
}

static void
settle(struct vgfbd *d, int sock)
{
	for (int k = 0; k < 64; k++) {
		int n = vgfbd_dispatch(d, 0);

		drain(sock);
		if (n <= 0)
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vgfbd_options o = {
		.target = "sim:heads=2,mode=64x48,ram=16",
		.socket_path = socket_path,
		.socket_mode = 0600,
		.max_clients = 4,
		.queue_len = 4,
		.stall_timeout_ms = 0,
		.sim_control = true,
	};
	struct vgfbd *d;
	int before = count_fds(), sv[2];

	if (vgfbd_new(&o, &d))
		abort();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0, sv))
		abort();
	if (vgfbd_add_client(d, sv[0]))
		abort();
	settle(d, sv[1]);

	while (size >= 2) {
		size_t len = (size_t)(data[0] | (data[1] & 0x7f) << 8);
		bool with_fd = data[1] & 0x80;
		struct iovec iov;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		union vgfb_proto_fd_ctl ctl;
		int fd = -1;
		ssize_t rc;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		iov.iov_base = (void *)data;
		iov.iov_len = len;
		if (with_fd) {
			fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (fd >= 0)
				vgfb__proto_pack_fds(&mh, &ctl, &fd, 1);
		}
		rc = sendmsg(sv[1], &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (fd >= 0)
			close(fd);
		data += len;
		size -= len;
		settle(d, sv[1]);
		if (rc < 0 && errno != EAGAIN)
			break;	/* the daemon dropped us */
	}
	close(sv[1]);
	settle(d, -1);
	vgfbd_free(d);
	if (count_fds() != before) {
		fprintf(stderr, "fd leak: %d fds before, %d after\n", before,
			count_fds());
		abort();
	}
	return 0;
}
