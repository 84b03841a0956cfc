/* SPDX-License-Identifier: MIT */
/*
 * The acrn: target end to end: the real vgfbd from the build tree, run
 * with --target acrn:vm1,socket=..., a scripted device model speaking the
 * source protocol (include/vgfb/vgfb-source.h) with sealed shadow memfds
 * holding docs/test-pattern.md, and a consumer through libvgfb's daemon
 * client checking planes, pixels and events: flips, damage, the cursor,
 * reboot, exit, a hang-up, hostile fds and messages, a second source, and
 * a vgfbd restart with a reconnecting source.
 *
 * No dma-buf can be made on this host (no /dev/udmabuf): the DMABUF path
 * is the vm tier's (tests/vm/vgfb-vmtest.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <drm_fourcc.h>

#include "daemon-util.h"
#include "format.h"
#include "pattern.h"
#include "source-proto.h"
#include "test-common.h"

#define PRIMARY DRM_PLANE_TYPE_PRIMARY
#define CURSOR DRM_PLANE_TYPE_CURSOR
#define W 320
#define H 200
#define STRIDE_ALIGN 64u
#define PAGE 4096u

/* ---- one vgfbd serving acrn:vm1 ---- */

struct rig {
	struct test_daemon d;
	char dir[48];
	char source[100];	/* fits sun_path */
	char target[192];
	const char *args[4];
	struct vgfb *ctx;	/* the consumer */
};

static void
rig_start(struct rig *r, const char *options)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "%s/acrn-test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(r->dir));
	snprintf(r->source, sizeof(r->source), "%s/source", r->dir);
	snprintf(r->target, sizeof(r->target), "acrn:vm1,socket=%s%s",
		 r->source, options);
	r->args[0] = "--target";
	r->args[1] = r->target;
	r->args[2] = NULL;
	test_daemon_start(&r->d, r->args);
	ck_assert_int_eq(vgfb_open(r->d.target, &r->ctx), 0);
	ck_assert_int_eq(vgfb_subscribe(r->ctx, VGFB_EVENT_MASK_ALL), 0);
}

static void
rig_stop(struct rig *r)
{
	vgfb_close(r->ctx);
	test_daemon_stop(&r->d);
	unlink(r->source);
	rmdir(r->dir);
}

/* ---- the scripted device model ---- */

static int
src_connect(const struct rig *r)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	memcpy(a.sun_path, r->source, sizeof(r->source));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static void
src_send(int sock, const struct vgfb_src_msg *m, int fd)
{
	unsigned char buf[VGFB_SRC_MAX_MSG];
	int n = vgfb__src_encode(m, VGFB_SRC_TO_VGFBD, buf, sizeof(buf));

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(vgfb__proto_send(sock, buf, (size_t)n, fd, 0), 0);
}

/* The next message from vgfbd: 0, -ETIMEDOUT, or -ENOTCONN (hung up). */
static int
src_recv(int sock, struct vgfb_src_msg *m, int timeout_ms)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	unsigned char buf[VGFB_SRC_MAX_MSG];
	unsigned int n_fds;
	int fds[1], n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return -ETIMEDOUT;
	n = vgfb__proto_recv(sock, buf, sizeof(buf), fds, 1, &n_fds, 0);
	if (n <= 0)
		return n == 0 || n == -ECONNRESET ? -ENOTCONN : n;
	ck_assert_uint_eq(n_fds, 0);
	ck_assert_int_eq(vgfb__src_parse(buf, (size_t)n, VGFB_SRC_TO_SOURCE,
					 m), 0);
	return 0;
}

static int
src_hello(const struct rig *r, uint64_t generation, uint32_t n_scanouts)
{
	struct vgfb_src_msg m = { .type = VGFB_SRC_HELLO }, w;
	int sock = src_connect(r);

	ck_assert_int_ge(sock, 0);
	m.hello.version = VGFB_SRC_VERSION;
	m.hello.n_scanouts = n_scanouts;
	m.hello.generation = generation;
	m.hello.pid = (uint32_t)getpid();
	strcpy(m.hello.name, "vm1");
	src_send(sock, &m, -1);
	ck_assert_int_eq(src_recv(sock, &w, 5000), 0);
	ck_assert_int_eq(w.type, VGFB_SRC_WELCOME);
	return sock;
}

/* vgfbd answered ERROR (with this code, unless 0) and hung up. */
static void
expect_dropped(int sock, int error)
{
	struct vgfb_src_msg m;

	ck_assert_int_eq(src_recv(sock, &m, 5000), 0);
	ck_assert_int_eq(m.type, VGFB_SRC_ERROR);
	if (error)
		ck_assert_int_eq(m.error.error, error);
	ck_assert_int_eq(src_recv(sock, &m, 5000), -ENOTCONN);
	close(sock);
}

/* A sink's shadow memfd: two page-aligned images, sealed like acrn-dm's. */
struct shadow {
	int fd;
	uint8_t *map;
	uint32_t format, stride;
	uint64_t image_bytes, size;
};

static void
shadow_new(struct shadow *s, uint32_t format, unsigned int extra_seals)
{
	s->format = format;
	s->stride = (W * vgfb_format_cpp(format) + STRIDE_ALIGN - 1) &
		    ~(STRIDE_ALIGN - 1);
	s->image_bytes = ((uint64_t)s->stride * H + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	s->size = 2 * s->image_bytes;
	s->fd = memfd_create("acrn-test-shadow",
			     MFD_CLOEXEC | MFD_ALLOW_SEALING);
	ck_assert_int_ge(s->fd, 0);
	ck_assert_int_eq(ftruncate(s->fd, (off_t)s->size), 0);
	s->map = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd,
		      0);
	ck_assert(s->map != MAP_FAILED);
	ck_assert_int_eq(fcntl(s->fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK |
			       F_SEAL_SEAL | extra_seals), 0);
}

static void
shadow_draw(struct shadow *s, unsigned int image, uint64_t frame,
	    const struct vgfb_rect *clip)
{
	ck_assert_int_eq(vgfb_pattern_draw(s->map + image * s->image_bytes,
					   s->format, W, H, s->stride, frame,
					   clip), 0);
}

static void
shadow_free(struct shadow *s)
{
	munmap(s->map, s->size);
	close(s->fd);
}

static void
send_set(int sock, uint32_t scanout, const struct shadow *s, uint64_t serial,
	 uint64_t offset)
{
	struct vgfb_src_msg m = { .type = VGFB_SRC_SCANOUT_SET };

	m.set = (struct vgfb_src_scanout_set){
		.scanout = scanout, .kind = VGFB_SRC_BUFFER_MEMFD,
		.drm_format = s->format, .width = W, .height = H,
		.stride = s->stride, .offset = offset, .serial = serial,
	};
	src_send(sock, &m, s->fd);
}

static void
send_update(int sock, uint32_t scanout, uint64_t serial, bool flip,
	    uint64_t offset, const struct vgfb_rect *rect)
{
	struct vgfb_src_msg m = { .type = VGFB_SRC_SCANOUT_UPDATE };

	m.update.scanout = scanout;
	m.update.serial = serial;
	m.update.flags = flip ? VGFB_SRC_UPDATE_FLIP : 0;
	m.update.offset = offset;
	if (rect) {
		m.update.x = rect->x;
		m.update.y = rect->y;
		m.update.width = rect->width;
		m.update.height = rect->height;
	}
	src_send(sock, &m, -1);
}

static void
send_simple(int sock, uint16_t type, uint32_t a, int32_t x, int32_t y)
{
	struct vgfb_src_msg m = { .type = type };

	if (type == VGFB_SRC_BYE)
		m.bye.reason = a;
	else if (type == VGFB_SRC_CURSOR_MOVE)
		m.move = (struct vgfb_src_cursor_move){ a, x, y, 0 };
	else if (type == VGFB_SRC_CURSOR_DISABLE)
		m.cursor_disable.scanout = a;
	else if (type == VGFB_SRC_SCANOUT_SET)
		m.set.scanout = a;	/* DISABLE */
	src_send(sock, &m, -1);
}

/* ---- the consumer ---- */

/* Wait for an event of type on (head, plane); fails after 5 s. */
static struct vgfb_event
wait_event(struct vgfb *ctx, uint32_t type, uint32_t head, uint32_t plane)
{
	struct pollfd p = { .fd = vgfb_get_event_fd(ctx), .events = POLLIN };
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct vgfb_event ev;

		while (vgfb_read_event(ctx, &ev) == 0)
			if (ev.type == type &&
			    (type == VGFB_EVENT_GUEST_GONE ||
			     (ev.head == head && ev.drm_plane_type == plane)))
				return ev;
		clock_gettime(CLOCK_MONOTONIC, &t);
		ck_assert_msg(t.tv_sec - t0.tv_sec < 5,
			      "no event %u on head %u plane %u", type, head,
			      plane);
		poll(&p, 1, 100);
	}
}

static void
query(struct vgfb *ctx, uint32_t head, uint32_t type,
      struct vfio_device_gfx_plane_info *info, struct vgfb_plane_ext *ext)
{
	ck_assert_int_eq(vgfb_set_head(ctx, head), 0);
	ck_assert_int_eq(test_query(ctx, VFIO_GFX_PLANE_TYPE_REGION, type,
				    info, ext), 0);
}

/* The pixels of the primary plane that head shows, against frame. */
static long
plane_mismatches(struct vgfb *ctx, uint32_t head, uint64_t frame,
		 const struct vgfb_rect *clip, uint32_t *id)
{
	struct vfio_device_gfx_plane_info info;
	void *p;
	long bad;
	int fd;

	query(ctx, head, PRIMARY, &info, NULL);
	ck_assert_uint_ne(info.drm_format, 0);
	fd = vgfb_get_region_fd(ctx, info.region_index);
	ck_assert_int_ge(fd, 0);
	p = test_map(fd, info.size);
	ck_assert(p);
	bad = vgfb_pattern_compare(p, info.drm_format, info.width,
				   info.height, info.stride, frame, clip,
				   NULL, NULL);
	munmap(p, info.size);
	close(fd);
	if (id)
		*id = info.region_index;
	return bad;
}

/*
 * The usual start: vgfbd up, a device model showing frame 1 of an
 * XRGB8888 shadow memfd on scanout 0 (serial 1), the consumer told.
 * Returns the device model's socket.
 */
static int
start_showing(struct rig *r, const char *options, struct shadow *s)
{
	int sock;

	rig_start(r, options);
	shadow_new(s, DRM_FORMAT_XRGB8888, 0);
	shadow_draw(s, 0, 1, NULL);
	sock = src_hello(r, 1, 1);
	send_set(sock, 0, s, 1, 0);
	wait_event(r->ctx, VGFB_EVENT_PLANE_CHANGED, 0, PRIMARY);
	return sock;
}

/* A consumer's own mapping of what head 0 shows: its fd and address. */
static void *
hold_primary(struct vgfb *ctx, struct vfio_device_gfx_plane_info *info,
	     int *fd)
{
	void *p;

	query(ctx, 0, PRIMARY, info, NULL);
	*fd = vgfb_get_region_fd(ctx, info->region_index);
	ck_assert_int_ge(*fd, 0);
	p = test_map(*fd, info->size);
	ck_assert(p);
	return p;
}

/* The VM exits: GUEST_GONE reaches the consumer; everything is undone. */
static void
finish(struct rig *r, int sock, struct shadow *s)
{
	send_simple(sock, VGFB_SRC_BYE, VGFB_SRC_BYE_EXIT, 0, 0);
	wait_event(r->ctx, VGFB_EVENT_GUEST_GONE, 0, 0);
	close(sock);
	shadow_free(s);
	rig_stop(r);
}

/* ---- tests ---- */

static const uint32_t formats[] = {
	DRM_FORMAT_XRGB8888, DRM_FORMAT_BGRX8888, DRM_FORMAT_BGRA8888,
	DRM_FORMAT_RGBX8888, DRM_FORMAT_RGBA8888,
};

/* A 2D scanout: its pixels, a flip to the other image, damage in place. */
START_TEST(shadow_memfd_pixels_flip_damage)
{
	const struct vgfb_rect r = { 16, 8, 100, 50 };
	struct vfio_device_gfx_plane_info info;
	struct vgfb_event ev;
	struct shadow s;
	struct rig rig;
	uint32_t id1, id2, id3;
	int sock;

	rig_start(&rig, "");
	shadow_new(&s, formats[_i], 0);
	shadow_draw(&s, 0, 1, NULL);
	sock = src_hello(&rig, 1, 1);
	send_set(sock, 0, &s, 100, 0);
	ev = wait_event(rig.ctx, VGFB_EVENT_PLANE_CHANGED, 0, PRIMARY);
	ck_assert(ev.frame_seq == 1);
	ck_assert_int_eq(plane_mismatches(rig.ctx, 0, 1, NULL, &id1), 0);
	query(rig.ctx, 0, PRIMARY, &info, NULL);
	ck_assert_uint_eq(info.drm_format, formats[_i]);
	ck_assert_uint_eq(info.width, W);
	ck_assert_uint_eq(info.stride, s.stride);
	ck_assert_uint_eq(info.x_hot, 0xFFFFFFFFu);

	/* no exporter here takes a memfd: DMABUF refused, REGION served */
	ck_assert_int_eq(test_query(rig.ctx, VFIO_GFX_PLANE_TYPE_DMABUF,
				    PRIMARY, &info, NULL), -ENOTSUP);

	/* double buffering: the other image, a new id */
	shadow_draw(&s, 1, 2, NULL);
	send_update(sock, 0, 100, true, s.image_bytes, NULL);
	wait_event(rig.ctx, VGFB_EVENT_FLIP, 0, PRIMARY);
	ck_assert_int_eq(plane_mismatches(rig.ctx, 0, 2, NULL, &id2), 0);
	ck_assert_uint_ne(id1, id2);

	/* damage in place: the rectangle, same id */
	shadow_draw(&s, 1, 3, &r);
	send_update(sock, 0, 100, false, 0, &r);
	ev = wait_event(rig.ctx, VGFB_EVENT_DAMAGE, 0, PRIMARY);
	ck_assert_uint_eq(ev.rect.x, r.x);
	ck_assert_uint_eq(ev.rect.width, r.width);
	ck_assert_int_eq(plane_mismatches(rig.ctx, 0, 3, &r, &id3), 0);
	ck_assert_uint_eq(id3, id2);

	/* a stale serial is ignored: the connection stays */
	send_update(sock, 0, 99, false, 0, NULL);
	send_simple(sock, VGFB_SRC_SCANOUT_SET, 0, 0, 0);
	wait_event(rig.ctx, VGFB_EVENT_PLANE_DISABLED, 0, PRIMARY);
	query(rig.ctx, 0, PRIMARY, &info, NULL);
	ck_assert_uint_eq(info.drm_format, 0);
	ck_assert_int_eq(vgfb_get_region_fd(rig.ctx, id3), -ENOENT);

	finish(&rig, sock, &s);
}
END_TEST

static int
cursor_memfd(unsigned int seals, uint64_t size)
{
	int fd = memfd_create("acrn-test-cursor",
			      MFD_CLOEXEC | MFD_ALLOW_SEALING);
	void *p;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(p != MAP_FAILED);
	if (size >= VGFB_CURSOR_SIZE * VGFB_CURSOR_SIZE * 4)
		vgfb_cursor_draw(p, VGFB_CURSOR_SIZE * 4);
	munmap(p, size);
	ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

static void
send_cursor(int sock, uint32_t scanout, int fd, uint64_t serial, int32_t x,
	    int32_t y)
{
	struct vgfb_src_msg m = { .type = VGFB_SRC_CURSOR_DEFINE };

	m.cursor = (struct vgfb_src_cursor_define){
		.scanout = scanout, .drm_format = DRM_FORMAT_ARGB8888,
		.width = VGFB_CURSOR_SIZE, .height = VGFB_CURSOR_SIZE,
		.stride = VGFB_CURSOR_SIZE * 4, .hot_x = VGFB_CURSOR_HOT_X,
		.hot_y = VGFB_CURSOR_HOT_Y, .x = x, .y = y, .serial = serial,
	};
	src_send(sock, &m, fd);
}

#define CURSOR_SEALS (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)

START_TEST(cursor_define_move_disable)
{
	struct vfio_device_gfx_plane_info info;
	struct rig rig;
	uint8_t *p;
	int sock, fd, cfd;

	rig_start(&rig, "");
	sock = src_hello(&rig, 1, 1);
	cfd = cursor_memfd(CURSOR_SEALS, 16384);
	send_cursor(sock, 0, cfd, 5, 30, 40);
	close(cfd);
	wait_event(rig.ctx, VGFB_EVENT_PLANE_CHANGED, 0, CURSOR);
	query(rig.ctx, 0, CURSOR, &info, NULL);
	ck_assert_uint_eq(info.drm_format, DRM_FORMAT_ARGB8888);
	ck_assert_uint_eq(info.width, VGFB_CURSOR_SIZE);
	ck_assert_uint_eq(info.x_pos, 30);
	ck_assert_uint_eq(info.y_pos, 40);
	ck_assert_uint_eq(info.x_hot, VGFB_CURSOR_HOT_X);
	ck_assert_uint_eq(info.y_hot, VGFB_CURSOR_HOT_Y);
	fd = vgfb_get_region_fd(rig.ctx, info.region_index);
	ck_assert_int_ge(fd, 0);
	p = test_map(fd, info.size);
	ck_assert(p);
	for (uint32_t y = 0; y < VGFB_CURSOR_SIZE; y++)
		for (uint32_t x = 0; x < VGFB_CURSOR_SIZE; x++) {
			uint8_t want[4], got[4];

			vgfb_cursor_rgba(x, y, want);
			vgfb_pixel_unpack(DRM_FORMAT_ARGB8888,
					  p + y * info.stride + x * 4, got);
			ck_assert(memcmp(want, got, 4) == 0);
		}
	munmap(p, info.size);
	close(fd);

	/* a move keeps the id; off the left edge reads as 0 */
	{
		uint32_t id = info.region_index;

		send_simple(sock, VGFB_SRC_CURSOR_MOVE, 0, -3, 77);
		wait_event(rig.ctx, VGFB_EVENT_PLANE_CHANGED, 0, CURSOR);
		query(rig.ctx, 0, CURSOR, &info, NULL);
		ck_assert_uint_eq(info.region_index, id);
		ck_assert_uint_eq(info.x_pos, 0);
		ck_assert_uint_eq(info.y_pos, 77);
	}
	send_simple(sock, VGFB_SRC_CURSOR_DISABLE, 0, 0, 0);
	wait_event(rig.ctx, VGFB_EVENT_PLANE_DISABLED, 0, CURSOR);
	query(rig.ctx, 0, CURSOR, &info, NULL);
	ck_assert_uint_eq(info.drm_format, 0);
	close(sock);
	wait_event(rig.ctx, VGFB_EVENT_GUEST_GONE, 0, 0);
	rig_stop(&rig);
}
END_TEST

/* ---- hostile device models: ERROR, hang-up, consumers unharmed ---- */

enum bad_fd {
	BAD_UNSEALED, BAD_NO_SEAL_SEAL, BAD_TOO_SMALL, BAD_PIPE, BAD_SOCKET,
	BAD_MEMFD_AS_DMABUF, BAD_CURSOR_WRITABLE, BAD_NO_FD, BAD_TWO_FDS,
	BAD_OFFSET_PAST_END, BAD_FORMAT, BAD_STRIDE, BAD_BEFORE_HELLO,
	BAD_SCANOUT_OVER_HELLO, BAD_GARBAGE, BAD_FLIP_OUTSIDE,
	BAD_DAMAGE_OUTSIDE, BAD_HELLO_SAME_GENERATION, BAD_COUNT
};

static const char *const bad_names[BAD_COUNT] = {
	"unsealed memfd", "memfd without F_SEAL_SEAL", "memfd too small",
	"a pipe", "a socket", "a memfd sent as DMABUF",
	"a cursor memfd without F_SEAL_WRITE", "SET without its fd",
	"SET with two fds", "offset past the end", "unknown format",
	"stride below width", "SET before HELLO", "scanout beyond HELLO's",
	"garbage bytes", "FLIP outside the memfd", "damage outside the plane",
	"HELLO of the same generation",
};

static void
play_bad(const struct rig *rig, enum bad_fd what)
{
	struct shadow s;
	struct vgfb_src_msg m = { .type = VGFB_SRC_SCANOUT_SET };
	int sock, fd = -1, pair[2], err = -EINVAL;

	shadow_new(&s, DRM_FORMAT_XRGB8888, 0);
	m.set = (struct vgfb_src_scanout_set){
		.scanout = 0, .kind = VGFB_SRC_BUFFER_MEMFD,
		.drm_format = DRM_FORMAT_XRGB8888, .width = W, .height = H,
		.stride = s.stride, .serial = 50,
	};
	sock = what == BAD_BEFORE_HELLO ? src_connect(rig) : src_hello(rig, 1, 1);
	ck_assert_int_ge(sock, 0);
	switch (what) {
	case BAD_UNSEALED:
	case BAD_TOO_SMALL:
	case BAD_NO_SEAL_SEAL:
		fd = memfd_create("bad", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		ck_assert_int_eq(ftruncate(fd, what == BAD_TOO_SMALL ? 4096 :
					   (off_t)s.size), 0);
		if (what != BAD_UNSEALED)
			fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK |
			      (what == BAD_TOO_SMALL ? F_SEAL_SEAL : 0));
		break;
	case BAD_PIPE:
		ck_assert_int_eq(pipe2(pair, O_CLOEXEC), 0);
		fd = pair[0];
		close(pair[1]);
		break;
	case BAD_SOCKET:
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
					    0, pair), 0);
		fd = pair[0];
		close(pair[1]);
		break;
	case BAD_MEMFD_AS_DMABUF:
		m.set.kind = VGFB_SRC_BUFFER_DMABUF;
		fd = dup(s.fd);
		break;
	case BAD_CURSOR_WRITABLE:
		fd = cursor_memfd(F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL,
				  16384);
		send_cursor(sock, 0, fd, 7, 0, 0);
		close(fd);
		fd = -2;	/* sent */
		break;
	case BAD_NO_FD:
		err = -EBADMSG;
		break;
	case BAD_TWO_FDS: {
		unsigned char buf[VGFB_SRC_MAX_MSG];
		int fds[2] = { s.fd, s.fd };
		int n = vgfb__src_encode(&m, VGFB_SRC_TO_VGFBD, buf,
					 sizeof(buf));

		test_raw_send(sock, buf, (size_t)n, fds, 2);
		fd = -2;
		err = -EBADMSG;
		break;
	}
	case BAD_OFFSET_PAST_END:
		m.set.offset = s.size;
		fd = dup(s.fd);
		break;
	case BAD_FORMAT:
		m.set.drm_format = DRM_FORMAT_NV12;
		fd = dup(s.fd);
		break;
	case BAD_STRIDE:
		m.set.stride = W * 4 - 4;
		fd = dup(s.fd);
		break;
	case BAD_BEFORE_HELLO:
		fd = dup(s.fd);
		err = -EPROTO;
		break;
	case BAD_SCANOUT_OVER_HELLO:
		m.set.scanout = 1;
		fd = dup(s.fd);
		break;
	case BAD_GARBAGE: {
		static const char junk[] = "\x01\x02\x03 not a message";

		ck_assert_int_eq(send(sock, junk, sizeof(junk) - 1,
				      MSG_NOSIGNAL), (ssize_t)sizeof(junk) - 1);
		fd = -2;
		err = -EPROTO;
		break;
	}
	case BAD_FLIP_OUTSIDE:
	case BAD_DAMAGE_OUTSIDE: {
		const struct vgfb_rect r = { W - 10, 0, 11, 1 };

		send_set(sock, 0, &s, 50, 0);
		if (what == BAD_FLIP_OUTSIDE)
			send_update(sock, 0, 50, true, s.size, NULL);
		else
			send_update(sock, 0, 50, false, 0, &r);
		fd = -2;
		break;
	}
	case BAD_HELLO_SAME_GENERATION: {
		struct vgfb_src_msg h = { .type = VGFB_SRC_HELLO };

		h.hello.version = VGFB_SRC_VERSION;
		h.hello.n_scanouts = 1;
		h.hello.generation = 1;
		strcpy(h.hello.name, "vm1");
		src_send(sock, &h, -1);
		fd = -2;
		err = -EPROTO;
		break;
	}
	default:
		break;
	}
	if (fd != -2) {
		src_send(sock, &m, fd);
		if (fd >= 0)
			close(fd);
	}
	expect_dropped(sock, err);
	shadow_free(&s);
}

/*
 * Each hostile case on a daemon whose consumer holds a plane: it is
 * refused (ERROR, hang-up), the consumer's fd still shows its pixels,
 * vgfbd leaks no fd, and a good device model is served again afterwards.
 */
START_TEST(hostile_source_is_dropped)
{
	struct vfio_device_gfx_plane_info info;
	struct shadow good;
	struct rig rig;
	void *held;
	int sock, held_fd, base;

	sock = start_showing(&rig, "", &good);
	held = hold_primary(rig.ctx, &info, &held_fd);

	/* a second device model while one is connected: -EBUSY */
	{
		int busy = src_connect(&rig);

		ck_assert_int_ge(busy, 0);
		expect_dropped(busy, -EBUSY);
	}
	/* the first one is dropped for a bad message: its scanout goes off */
	send_update(sock, 0, 1, false, 0,
		    &(struct vgfb_rect){ 0, 0, W + 1, 1 });
	expect_dropped(sock, -EINVAL);
	wait_event(rig.ctx, VGFB_EVENT_PLANE_DISABLED, 0, PRIMARY);
	base = test_daemon_wait_fds(&rig.d, test_daemon_fds(&rig.d), 100);

	for (int i = 0; i < BAD_COUNT; i++) {
		play_bad(&rig, (enum bad_fd)i);
		ck_assert_msg(test_daemon_wait_fds(&rig.d, base, 2000) == base,
			      "%s: vgfbd has %d fds, not %d", bad_names[i],
			      test_daemon_fds(&rig.d), base);
	}
	/* the consumer's fd and mapping are untouched */
	ck_assert_int_eq(vgfb_pattern_compare(held, info.drm_format, info.width,
					      info.height, info.stride, 1, NULL,
					      NULL, NULL), 0);
	munmap(held, info.size);
	close(held_fd);

	/* and a good device model is served again */
	sock = src_hello(&rig, 1, 1);
	shadow_draw(&good, 1, 4, NULL);
	send_set(sock, 0, &good, 2, good.image_bytes);
	wait_event(rig.ctx, VGFB_EVENT_PLANE_CHANGED, 0, PRIMARY);
	ck_assert_int_eq(plane_mismatches(rig.ctx, 0, 4, NULL, NULL), 0);
	finish(&rig, sock, &good);
}
END_TEST

/* Scanout ids the target does not serve are accepted and ignored. */
START_TEST(scanouts_beyond_heads_are_ignored)
{
	struct shadow s;
	struct rig rig;
	uint32_t count = 0;
	int sock, base;

	rig_start(&rig, ",heads=1");
	ck_assert_int_eq(vgfb_get_head_count(rig.ctx, &count), 0);
	ck_assert_uint_eq(count, 1);
	shadow_new(&s, DRM_FORMAT_XRGB8888, 0);
	shadow_draw(&s, 0, 1, NULL);
	sock = src_hello(&rig, 1, 2);
	base = test_daemon_fds(&rig.d);
	for (uint64_t k = 0; k < 50; k++) {
		send_set(sock, 1, &s, 10 + k, 0);
		send_update(sock, 1, 10 + k, false, 0, NULL);
	}
	/* still connected: scanout 0 works, and only its fd is kept */
	send_set(sock, 0, &s, 1000, 0);
	wait_event(rig.ctx, VGFB_EVENT_PLANE_CHANGED, 0, PRIMARY);
	ck_assert_int_eq(test_daemon_wait_fds(&rig.d, base + 1, 2000),
			 base + 1);
	ck_assert_int_eq(plane_mismatches(rig.ctx, 0, 1, NULL, NULL), 0);
	close(sock);
	wait_event(rig.ctx, VGFB_EVENT_GUEST_GONE, 0, 0);
	shadow_free(&s);
	rig_stop(&rig);
}
END_TEST

/* BYE(REBOOT), or a HELLO with a higher generation: ids stale, same
 * consumers. */
START_TEST(reboot_keeps_consumers)
{
	struct vfio_device_gfx_plane_info info;
	struct shadow s;
	struct rig rig;
	uint32_t id1, id2;
	int sock;

	sock = start_showing(&rig, "", &s);
	ck_assert_int_eq(plane_mismatches(rig.ctx, 0, 1, NULL, &id1), 0);

	if (_i == 0) {
		send_simple(sock, VGFB_SRC_BYE, VGFB_SRC_BYE_REBOOT, 0, 0);
		wait_event(rig.ctx, VGFB_EVENT_PLANE_CHANGED, 0, PRIMARY);
		close(sock);	/* a reconnect in between is no exit */
		sock = src_hello(&rig, 2, 1);
	} else {
		struct vgfb_src_msg h = { .type = VGFB_SRC_HELLO }, w;

		h.hello.version = VGFB_SRC_VERSION;
		h.hello.n_scanouts = 1;
		h.hello.generation = 2;
		strcpy(h.hello.name, "vm1");
		src_send(sock, &h, -1);
		ck_assert_int_eq(src_recv(sock, &w, 5000), 0);
		ck_assert_int_eq(w.type, VGFB_SRC_WELCOME);
		wait_event(rig.ctx, VGFB_EVENT_PLANE_CHANGED, 0, PRIMARY);
	}
	/* the old id is stale; the plane is off until set again */
	ck_assert_int_eq(vgfb_get_region_fd(rig.ctx, id1), -ENOENT);
	query(rig.ctx, 0, PRIMARY, &info, NULL);
	ck_assert_uint_eq(info.drm_format, 0);
	shadow_draw(&s, 0, 5, NULL);
	send_set(sock, 0, &s, 1, 0);	/* serials start again: allowed */
	wait_event(rig.ctx, VGFB_EVENT_PLANE_CHANGED, 0, PRIMARY);
	ck_assert_int_eq(plane_mismatches(rig.ctx, 0, 5, NULL, &id2), 0);
	ck_assert_uint_ne(id1, id2);
	finish(&rig, sock, &s);
}
END_TEST

/*
 * The VM's end, by BYE(EXIT) or by a hang-up without BYE: GUEST_GONE,
 * the consumer's fds still read, and vgfbd listens no more.
 */
START_TEST(exit_is_guest_gone)
{
	struct vfio_device_gfx_plane_info info;
	struct shadow s;
	struct rig rig;
	void *held;
	int sock, fd;

	sock = start_showing(&rig, "", &s);
	held = hold_primary(rig.ctx, &info, &fd);

	if (_i == 0)
		send_simple(sock, VGFB_SRC_BYE, VGFB_SRC_BYE_EXIT, 0, 0);
	else
		close(sock);
	wait_event(rig.ctx, VGFB_EVENT_GUEST_GONE, 0, 0);
	ck_assert_int_eq(vgfb_pattern_compare(held, info.drm_format, info.width,
					      info.height, info.stride, 1, NULL,
					      NULL, NULL), 0);
	/* one instance, one VM run: a new device model is not taken */
	{
		int again = src_connect(&rig);

		ck_assert_int_lt(again, 0);
	}
	munmap(held, info.size);
	close(fd);
	if (_i == 0)
		close(sock);
	shadow_free(&s);
	rig_stop(&rig);
}
END_TEST

/*
 * vgfbd restarts under a running VM: the device model reconnects (its
 * socket file is stale until the new vgfbd replaces it) and replays
 * HELLO and its current state; a new consumer sees the same picture.
 */
START_TEST(vgfbd_restart_with_replay)
{
	struct shadow s;
	struct rig rig;
	int sock, again = -1;

	rig_start(&rig, "");
	shadow_new(&s, DRM_FORMAT_BGRX8888, 0);
	shadow_draw(&s, 1, 7, NULL);
	sock = src_hello(&rig, 3, 1);
	send_set(sock, 0, &s, 1, s.image_bytes);
	wait_event(rig.ctx, VGFB_EVENT_PLANE_CHANGED, 0, PRIMARY);
	ck_assert_int_eq(plane_mismatches(rig.ctx, 0, 7, NULL, NULL), 0);

	vgfb_close(rig.ctx);
	test_daemon_crash(&rig.d);
	/* the sink sees the hang-up and retries until the new vgfbd listens */
	{
		struct vgfb_src_msg m;

		ck_assert_int_eq(src_recv(sock, &m, 5000), -ENOTCONN);
		close(sock);
	}
	ck_assert_int_lt(src_connect(&rig), 0);
	test_daemon_restart(&rig.d, rig.args);
	for (int tries = 0; tries < 100 && again < 0; tries++) {
		again = src_connect(&rig);
		if (again < 0)
			usleep(20000);
	}
	ck_assert_int_ge(again, 0);
	close(again);
	sock = src_hello(&rig, 3, 1);
	send_set(sock, 0, &s, 1, s.image_bytes);
	ck_assert_int_eq(vgfb_open(rig.d.target, &rig.ctx), 0);
	ck_assert_int_eq(vgfb_subscribe(rig.ctx, VGFB_EVENT_MASK_ALL), 0);
	{
		struct vfio_device_gfx_plane_info info;

		for (int tries = 0; tries < 250; tries++) {
			query(rig.ctx, 0, PRIMARY, &info, NULL);
			if (info.drm_format)
				break;
			usleep(20000);
		}
		ck_assert_uint_eq(info.drm_format, DRM_FORMAT_BGRX8888);
	}
	ck_assert_int_eq(plane_mismatches(rig.ctx, 0, 7, NULL, NULL), 0);
	finish(&rig, sock, &s);
}
END_TEST

/* vgfb_open("acrn:...") in process: bad targets are refused. */
START_TEST(bad_targets)
{
	static const char *const bad[] = {
		"acrn:", "acrn:.hidden", "acrn:vm1,heads=0", "acrn:vm1,heads=17",
		"acrn:vm1,heads=x", "acrn:vm1,colour=blue", "acrn:a/b",
		"acrn:vm1,socket=/dev/null/x/source",
	};
	struct vgfb *ctx;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ctx = NULL;
		ck_assert_msg(vgfb_open(bad[i], &ctx) < 0, "%s opened", bad[i]);
		ck_assert(ctx == NULL);
	}
}
END_TEST

static Suite *
acrn_suite(void)
{
	Suite *s = suite_create("acrn");
	TCase *tc = tcase_create("daemon");

	tcase_set_timeout(tc, 60);
	test_add_fd_leak_check(tc);
	tcase_add_loop_test(tc, shadow_memfd_pixels_flip_damage, 0,
			    (int)(sizeof(formats) / sizeof(formats[0])));
	tcase_add_test(tc, cursor_define_move_disable);
	tcase_add_test(tc, hostile_source_is_dropped);
	tcase_add_test(tc, scanouts_beyond_heads_are_ignored);
	tcase_add_loop_test(tc, reboot_keeps_consumers, 0, 2);
	tcase_add_loop_test(tc, exit_is_guest_gone, 0, 2);
	tcase_add_test(tc, vgfbd_restart_with_replay);
	tcase_add_test(tc, bad_targets);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(acrn_suite());
}
