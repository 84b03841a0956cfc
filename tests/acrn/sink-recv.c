/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <drm_fourcc.h>

#include "pattern.h"
#include "sink-recv.h"
#include "vgfb/vgfb-source.h"

struct recv_scanout {
	int fd;
	uint64_t size, offset;
	uint32_t kind, format, width, height, stride;
	uint64_t serial;
};

struct recv_conn {
	int sock;
	FILE *out;
	bool hello, bye_exit;
	uint32_t n;
	uint64_t generation, last_serial;
	struct recv_scanout sc[VGFB_SRC_MAX_SCANOUTS];
};

static void
scanout_forget(struct recv_scanout *s)
{
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

/* The pattern frame a plane shows: -1 if none, -2 if it cannot tell. */
static long
plane_frame(int fd, uint64_t off, uint32_t fmt, uint32_t w, uint32_t h,
	    uint32_t stride)
{
	uint64_t len = off + (uint64_t)stride * h;
	uint8_t *map;
	uint32_t px, g;
	long frame = -1;

	if (fmt != DRM_FORMAT_XRGB8888 && fmt != DRM_FORMAT_XBGR8888)
		return -2;
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	memcpy(&px, map + off, 4);
	/* G of pixel (0, 0) is 2 * frame (mod 256) in both layouts */
	g = (px >> 8) & 0xff;
	if (g % 2 == 0 &&
	    vgfb_pattern_compare(map + off, fmt, w, h, stride, g / 2, NULL,
				 NULL, NULL) == 0)
		frame = g / 2;
	munmap(map, len);
	return frame;
}

static const char *
fourcc_str(uint32_t f, char s[5])
{
	memcpy(s, &f, 4);
	s[4] = '\0';
	return s;
}

#define BAD(...) do { fprintf(c->out, "BAD " __VA_ARGS__); \
		      fputc('\n', c->out); return false; } while (0)

static bool
seals_ok(struct recv_conn *c, int fd, int want, int refuse)
{
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals < 0 || (seals & want) != want || (seals & refuse))
		BAD("seals %#x", seals);
	return true;
}

static bool
on_hello(struct recv_conn *c, const struct vgfb_src_hello *h)
{
	struct vgfb_src_welcome w = { .version = VGFB_SRC_VERSION };
	uint8_t buf[VGFB_SRC_HDR_SIZE + sizeof(w)];
	struct vgfb_src_hdr hdr = {
		.magic = VGFB_SRC_MAGIC, .version = VGFB_SRC_VERSION,
		.type = VGFB_SRC_WELCOME, .len = sizeof(w),
	};
	uint32_t i;
	size_t n;

	if (h->version != VGFB_SRC_VERSION || h->n_scanouts < 1 ||
	    h->n_scanouts > VGFB_SRC_MAX_SCANOUTS || h->generation < 1 ||
	    h->reserved)
		BAD("hello fields");
	n = strnlen(h->name, VGFB_SRC_NAME_LEN);
	if (n == VGFB_SRC_NAME_LEN)
		BAD("hello name not terminated");
	for (i = 0; i < VGFB_SRC_NAME_LEN; i++)
		if ((i < n && (h->name[i] < 0x21 || h->name[i] > 0x7e)) ||
		    (i >= n && h->name[i]))
			BAD("hello name bytes");
	for (i = h->n_scanouts; i < VGFB_SRC_MAX_SCANOUTS; i++)
		if (h->geometry[i].width || h->geometry[i].height)
			BAD("hello geometry past n_scanouts");
	if (c->hello && h->generation <= c->generation)
		BAD("hello generation did not grow");
	/* a new generation forgets the old one's buffers */
	for (i = 0; i < (int)VGFB_SRC_MAX_SCANOUTS; i++)
		scanout_forget(&c->sc[i]);
	c->hello = true;
	c->n = h->n_scanouts;
	c->generation = h->generation;
	fprintf(c->out, "HELLO gen=%" PRIu64 " n=%u name=%s geo=%ux%u",
		h->generation, h->n_scanouts, h->name, h->geometry[0].width,
		h->geometry[0].height);
	for (i = 1; i < h->n_scanouts; i++)
		fprintf(c->out, ",%ux%u", h->geometry[i].width,
			h->geometry[i].height);
	fputc('\n', c->out);
	w.heads = h->n_scanouts;
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), &w, sizeof(w));
	if (send(c->sock, buf, sizeof(buf), MSG_NOSIGNAL) != sizeof(buf))
		BAD("welcome not sent");
	return true;
}

static bool
new_serial(struct recv_conn *c, uint64_t serial)
{
	if (serial == 0 || serial <= c->last_serial)
		BAD("serial %" PRIu64 " reused or 0", serial);
	c->last_serial = serial;
	return true;
}

static bool
on_set(struct recv_conn *c, const struct vgfb_src_scanout_set *m, int *fd)
{
	struct recv_scanout *s;
	struct stat st;
	char f[5];

	if (m->scanout >= c->n)
		BAD("set on scanout %u", m->scanout);
	s = &c->sc[m->scanout];
	if (m->kind == VGFB_SRC_BUFFER_DISABLE) {
		if (*fd >= 0 || m->drm_format || m->width || m->height ||
		    m->stride || m->offset || m->modifier || m->serial)
			BAD("disable with fields");
		scanout_forget(s);
		fprintf(c->out, "SET s=%u kind=0\n", m->scanout);
		return true;
	}
	if (*fd < 0 || m->kind > VGFB_SRC_BUFFER_MEMFD || m->modifier ||
	    m->width == 0 || m->height == 0 ||
	    m->stride < (uint64_t)m->width * 4 || !new_serial(c, m->serial))
		BAD("set fields");
	if (m->kind == VGFB_SRC_BUFFER_MEMFD &&
	    !seals_ok(c, *fd, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL,
		      F_SEAL_WRITE))
		return false;
	if (fstat(*fd, &st) < 0)
		BAD("fstat");
	/* dma-bufs report their size through lseek */
	s->size = st.st_size ? (uint64_t)st.st_size :
		  (uint64_t)lseek(*fd, 0, SEEK_END);
	if (m->offset + (uint64_t)m->stride * m->height > s->size)
		BAD("set plane past the fd");
	scanout_forget(s);
	s->size = st.st_size ? (uint64_t)st.st_size :
		  (uint64_t)lseek(*fd, 0, SEEK_END);
	s->fd = *fd;
	*fd = -1;
	s->kind = m->kind;
	s->format = m->drm_format;
	s->width = m->width;
	s->height = m->height;
	s->stride = m->stride;
	s->offset = m->offset;
	s->serial = m->serial;
	fprintf(c->out, "SET s=%u kind=%u fmt=%s %ux%u stride=%u off=%"
		PRIu64 " serial=%" PRIu64 " frame=%ld\n", m->scanout, m->kind,
		fourcc_str(m->drm_format, f), m->width, m->height, m->stride,
		m->offset, m->serial,
		plane_frame(s->fd, m->offset, s->format, s->width, s->height,
			    s->stride));
	return true;
}

static bool
on_update(struct recv_conn *c, const struct vgfb_src_scanout_update *m)
{
	struct recv_scanout *s;
	bool flip = m->flags & VGFB_SRC_UPDATE_FLIP;

	if (m->scanout >= c->n || (m->flags & ~VGFB_SRC_UPDATE_FLIP) ||
	    (!flip && m->offset))
		BAD("update fields");
	s = &c->sc[m->scanout];
	if (m->serial != s->serial || s->fd < 0) {
		fprintf(c->out, "UPDATE s=%u stale\n", m->scanout);
		return true;
	}
	if (flip && (s->kind != VGFB_SRC_BUFFER_MEMFD ||
		     m->offset + (uint64_t)s->stride * s->height > s->size))
		BAD("flip outside the memfd");
	if (m->width == 0 && (m->x || m->y || m->height))
		BAD("update damage");
	if (flip)
		s->offset = m->offset;
	fprintf(c->out, "UPDATE s=%u serial=%" PRIu64 " flip=%d off=%" PRIu64
		" frame=%ld\n", m->scanout, m->serial, flip, s->offset,
		plane_frame(s->fd, s->offset, s->format, s->width, s->height,
			    s->stride));
	return true;
}

static bool
on_cursor(struct recv_conn *c, const struct vgfb_src_cursor_define *m,
	  int fd)
{
	uint8_t rgba[4];
	uint32_t *img, x, y, want;
	size_t len;
	bool ok = true;

	if (fd < 0 || m->scanout >= c->n ||
	    m->drm_format != DRM_FORMAT_ARGB8888 || m->width < 1 ||
	    m->width > 256 || m->height < 1 || m->height > 256 ||
	    m->stride < m->width * 4 || m->hot_x >= m->width ||
	    m->hot_y >= m->height || m->reserved || !new_serial(c, m->serial))
		BAD("cursor fields");
	if (!seals_ok(c, fd, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
		      F_SEAL_SEAL, 0))
		return false;
	len = (size_t)m->stride * m->height;
	if (lseek(fd, 0, SEEK_END) < (off_t)len)
		BAD("cursor memfd too small");
	img = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (img == MAP_FAILED)
		BAD("cursor mmap");
	/* the test's cursors are the documented 64x64 image */
	if (m->width == VGFB_CURSOR_SIZE && m->height == VGFB_CURSOR_SIZE) {
		for (y = 0; y < m->height && ok; y++)
			for (x = 0; x < m->width && ok; x++) {
				vgfb_cursor_rgba(x, y, rgba);
				want = (uint32_t)rgba[3] << 24 |
				       (uint32_t)rgba[0] << 16 |
				       (uint32_t)rgba[1] << 8 | rgba[2];
				ok = img[y * (m->stride / 4) + x] == want;
			}
	}
	munmap(img, len);
	fprintf(c->out, "CURSOR s=%u %ux%u hot=%u,%u at=%d,%d pix=%s\n",
		m->scanout, m->width, m->height, m->hot_x, m->hot_y, m->x,
		m->y, ok ? "ok" : "bad");
	return true;
}

/* One message; false: drop the source (after a BAD line). */
static bool
on_message(struct recv_conn *c, const uint8_t *buf, ssize_t n, int *fd)
{
	struct vgfb_src_hdr hdr;
	const void *p = buf + sizeof(hdr);
	/* the payload sizes, exact */
	static const size_t sizes[] = {
		[VGFB_SRC_HELLO] = sizeof(struct vgfb_src_hello),
		[VGFB_SRC_SCANOUT_SET] = sizeof(struct vgfb_src_scanout_set),
		[VGFB_SRC_SCANOUT_UPDATE] =
			sizeof(struct vgfb_src_scanout_update),
		[VGFB_SRC_CURSOR_DEFINE] =
			sizeof(struct vgfb_src_cursor_define),
		[VGFB_SRC_CURSOR_MOVE] = sizeof(struct vgfb_src_cursor_move),
		[VGFB_SRC_CURSOR_DISABLE] =
			sizeof(struct vgfb_src_cursor_disable),
		[VGFB_SRC_BYE] = sizeof(struct vgfb_src_bye),
	};

	if (n < (ssize_t)sizeof(hdr))
		BAD("short message");
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.magic != VGFB_SRC_MAGIC || hdr.version != VGFB_SRC_VERSION ||
	    hdr.len != (size_t)n - sizeof(hdr) ||
	    hdr.type >= sizeof(sizes) / sizeof(sizes[0]) ||
	    !sizes[hdr.type] || hdr.len != sizes[hdr.type])
		BAD("header type=%u len=%u", hdr.type, hdr.len);
	if (!c->hello && hdr.type != VGFB_SRC_HELLO)
		BAD("type %u before HELLO", hdr.type);
	/* fds only where the header says so */
	if (*fd >= 0 && hdr.type != VGFB_SRC_SCANOUT_SET &&
	    hdr.type != VGFB_SRC_CURSOR_DEFINE)
		BAD("fd on type %u", hdr.type);

	switch (hdr.type) {
	case VGFB_SRC_HELLO: {
		struct vgfb_src_hello m;

		memcpy(&m, p, sizeof(m));
		return on_hello(c, &m);
	}
	case VGFB_SRC_SCANOUT_SET: {
		struct vgfb_src_scanout_set m;

		memcpy(&m, p, sizeof(m));
		return on_set(c, &m, fd);
	}
	case VGFB_SRC_SCANOUT_UPDATE: {
		struct vgfb_src_scanout_update m;

		memcpy(&m, p, sizeof(m));
		return on_update(c, &m);
	}
	case VGFB_SRC_CURSOR_DEFINE: {
		struct vgfb_src_cursor_define m;

		memcpy(&m, p, sizeof(m));
		return on_cursor(c, &m, *fd);
	}
	case VGFB_SRC_CURSOR_MOVE: {
		struct vgfb_src_cursor_move m;

		memcpy(&m, p, sizeof(m));
		if (m.scanout >= c->n || m.reserved)
			BAD("move fields");
		fprintf(c->out, "MOVE s=%u %d,%d\n", m.scanout, m.x, m.y);
		return true;
	}
	case VGFB_SRC_BYE: {
		struct vgfb_src_bye m;

		memcpy(&m, p, sizeof(m));
		if (m.reserved || m.reason < VGFB_SRC_BYE_REBOOT ||
		    m.reason > VGFB_SRC_BYE_EXIT)
			BAD("bye fields");
		c->bye_exit = m.reason == VGFB_SRC_BYE_EXIT;
		fprintf(c->out, "BYE reason=%u\n", m.reason);
		return true;
	}
	default:
		BAD("type %u", hdr.type);
	}
}

static void
serve(int sock, FILE *out)
{
	struct recv_conn c = { .sock = sock, .out = out };
	uint8_t buf[VGFB_SRC_MAX_MSG + 1];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	int i;

	for (i = 0; i < (int)VGFB_SRC_MAX_SCANOUTS; i++)
		c.sc[i].fd = -1;
	for (;;) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.b, .msg_controllen = sizeof(ctl.b),
		};
		struct cmsghdr *cm;
		int fd = -1, nfds = 0;
		ssize_t n;
		bool ok;

		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_type != SCM_RIGHTS)
				continue;
			for (i = 0; i < (int)((cm->cmsg_len - CMSG_LEN(0)) /
					      sizeof(int)); i++) {
				int got;

				memcpy(&got, CMSG_DATA(cm) + i * sizeof(int),
				       sizeof(int));
				if (nfds++ == 0)
					fd = got;
				else
					close(got);
			}
		}
		if (nfds > 1 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
			fprintf(out, "BAD %d fds or truncated\n", nfds);
			ok = false;
		} else {
			ok = on_message(&c, buf, n, &fd);
		}
		if (fd >= 0)
			close(fd);
		if (!ok) {
			struct vgfb_src_hdr hdr = {
				.magic = VGFB_SRC_MAGIC,
				.version = VGFB_SRC_VERSION,
				.type = VGFB_SRC_ERROR,
				.len = sizeof(struct vgfb_src_error),
			};
			struct vgfb_src_error e = { .error = -EPROTO };
			uint8_t eb[sizeof(hdr) + sizeof(e)];

			memcpy(eb, &hdr, sizeof(hdr));
			memcpy(eb + sizeof(hdr), &e, sizeof(e));
			send(sock, eb, sizeof(eb), MSG_NOSIGNAL);
			break;
		}
	}
	fprintf(out, "HANGUP bye=%d\n", c.bye_exit);
	for (i = 0; i < (int)VGFB_SRC_MAX_SCANOUTS; i++)
		scanout_forget(&c.sc[i]);
}

void
sink_recv_start(struct sink_recv *r, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int p[2], lfd;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", path);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	unlink(path);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		FILE *out = fdopen(p[1], "w");

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		if (!out)
			_exit(1);
		setvbuf(out, NULL, _IOLBF, 0);
		for (;;) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c < 0) {
				if (errno == EINTR)
					continue;
				_exit(1);
			}
			serve(c, out);
			close(c);
		}
	}
	close(lfd);
	close(p[1]);
	r->pid = pid;
	r->out = p[0];
}

void
sink_recv_kill(struct sink_recv *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	r->pid = 0;
	if (r->out >= 0)
		close(r->out);
	r->out = -1;
	r->len = 0;
}

bool
sink_recv_line(struct sink_recv *r, char *line, size_t size, int timeout_ms)
{
	struct pollfd pfd = { .fd = r->out, .events = POLLIN };
	char *nl;
	ssize_t n;
	size_t k;

	for (;;) {
		nl = memchr(r->buf, '\n', r->len);
		if (nl) {
			k = nl - r->buf;
			snprintf(line, size, "%.*s", (int)k, r->buf);
			memmove(r->buf, nl + 1, r->len - k - 1);
			r->len -= k + 1;
			fprintf(stderr, "  vgfbd: %s\n", line);
			return true;
		}
		if (r->out < 0 || r->len == sizeof(r->buf) ||
		    poll(&pfd, 1, timeout_ms) <= 0)
			return false;
		n = read(r->out, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n <= 0)
			return false;
		r->len += n;
	}
}

void
sink_recv_expect(struct sink_recv *r, const char *prefix, char *line,
		 size_t size, int timeout_ms)
{
	char l[512];

	for (;;) {
		if (!sink_recv_line(r, l, sizeof(l), timeout_ms))
			ck_abort_msg("no \"%s\" from vgfbd", prefix);
		ck_assert_msg(strncmp(l, "BAD", 3) != 0, "vgfbd: %s", l);
		if (strncmp(l, prefix, strlen(prefix)) == 0)
			break;
	}
	if (line)
		snprintf(line, size, "%s", l);
}
