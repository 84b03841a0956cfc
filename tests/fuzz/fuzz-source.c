/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the source protocol as vgfbd takes it, parser and
 * platform together.  Each input is one device model's conversation with
 * a fresh in-process "acrn:" context (two heads): packets of
 * [u16 little-endian length | u8 fd | bytes], where fd picks what rides
 * along (0 none, 1 a sealed shadow memfd, 2 a write-sealed cursor memfd,
 * 3 an unsealed memfd, 4 a pipe, 5 two fds).  After every packet the
 * context handles what arrived and a consumer queries both planes of
 * every head, as REGION and DMABUF, and takes a REGION fd.
 *
 * Besides ASan/UBSan findings it checks the promises: every accepted
 * packet re-encodes to the same bytes (source-proto.c), and once the
 * context is closed the process holds exactly the fds it held before.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fuzz-input.h"
#include "../tier-lib.h"
#include "proto.h"
#include "source-proto.h"

#define SHADOW_BYTES (2u << 20)
#define CURSOR_BYTES (64u * 64u * 4u)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char path[96];
static char target[160];
static int shadow_fd = -1, cursor_fd = -1, loose_fd = -1;

/* this process's open fds; the fuzzer cannot judge leaks without /proc */
static int
count_fds(void)
{
	int n = tier_count_fds(0);

	if (n < 0)
		abort();
	return n;
}

static int
sealed_memfd(size_t size, unsigned int seals)
{
	int fd = memfd_create("fuzz-source", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0 ||
	    (seals && fcntl(fd, F_ADD_SEALS, seals) < 0))
		abort();
	return fd;
}

static void
remove_dir(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const unsigned int seals = F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL;

	snprintf(dir, sizeof(dir), "/tmp/vgfb-fuzz-source.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/source", dir);
	snprintf(target, sizeof(target), "acrn:fuzz,heads=2,socket=%s", path);
	atexit(remove_dir);
	shadow_fd = sealed_memfd(SHADOW_BYTES, seals);
	cursor_fd = sealed_memfd(CURSOR_BYTES, seals | F_SEAL_WRITE);
	loose_fd = sealed_memfd(SHADOW_BYTES, 0);
	return 0;
}

static void
quiet(struct vgfb *ctx, enum vgfb_log_priority prio, void *userdata,
      const char *fmt, va_list args)
{
}

/* What a consumer does between packets: events, queries, a GET. */
static void
consume(struct vgfb *ctx)
{
	struct vgfb_event ev;
	uint32_t heads = 0;

	while (vgfb_read_event(ctx, &ev) == 0)
		;
	if (vgfb_get_head_count(ctx, &heads))
		return;
	for (uint32_t h = 0; h < heads; h++) {
		for (uint32_t type = 1; type <= 2; type++) {
			struct vfio_device_gfx_plane_info info = {
				.argsz = sizeof(info),
				.flags = VFIO_GFX_PLANE_TYPE_DMABUF,
				.drm_plane_type = type,
			};
			int fd;

			vgfb_set_head(ctx, h);
			vgfb_query_plane(ctx, &info);
			info.flags = VFIO_GFX_PLANE_TYPE_REGION;
			if (vgfb_query_plane(ctx, &info) || !info.region_index)
				continue;
			fd = vgfb_get_region_fd(ctx, info.region_index);
			if (fd >= 0)
				close(fd);
		}
	}
}

static void
send_packet(int sock, const uint8_t *buf, size_t len, unsigned int fd_kind)
{
	union vgfb_proto_fd_ctl ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int pipe_fds[2], fds[2];
	unsigned int n = 0;

	switch (fd_kind % 6) {
	case 1: fds[n++] = shadow_fd; break;
	case 2: fds[n++] = cursor_fd; break;
	case 3: fds[n++] = loose_fd; break;
	case 4:
		if (pipe2(pipe_fds, O_CLOEXEC))
			abort();
		fds[n++] = pipe_fds[0];
		break;
	case 5: fds[n++] = shadow_fd; fds[n++] = cursor_fd; break;
	default: break;
	}
	vgfb__proto_pack_fds(&mh, &ctl, fds, n);
	sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (fd_kind % 6 == 4) {
		close(pipe_fds[0]);
		close(pipe_fds[1]);
	}
}

/* The parser's contract, on every packet: canonical or refused. */
static void
check_canonical(const uint8_t *buf, size_t len)
{
	unsigned char again[VGFB_SRC_MAX_MSG];
	struct vgfb_src_msg m;
	int n;

	if (vgfb__src_parse(buf, len, VGFB_SRC_TO_VGFBD, &m))
		return;
	n = vgfb__src_encode(&m, VGFB_SRC_TO_VGFBD, again, sizeof(again));
	if (n < 0 || (size_t)n != len || memcmp(again, buf, len) != 0)
		abort();
	if (vgfb__src_fd_count(&m) > 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct input in = { data, size };
	int before = count_fds(), sock;
	struct vgfb *ctx = NULL;

	if (vgfb_open(target, &ctx))
		abort();
	vgfb_set_log_func(ctx, quiet, NULL);
	vgfb_subscribe(ctx, VGFB_EVENT_MASK_ALL);
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr,
				sizeof(addr)) < 0)
		abort();
	for (unsigned int k = 0; k < 64 && in.n >= 3; k++) {
		uint8_t buf[VGFB_SRC_MAX_MSG + 16];
		size_t len = take(&in, 2) % sizeof(buf);
		unsigned int fd_kind = take(&in, 1);

		if (len > in.n)
			len = in.n;
		take_bytes(&in, buf, len);
		check_canonical(buf, len);
		send_packet(sock, buf, len, fd_kind);
		consume(ctx);
	}
	close(sock);
	consume(ctx);
	vgfb_close(ctx);
	if (count_fds() != before)
		abort();	/* the context kept an fd it was handed */
	return 0;
}
