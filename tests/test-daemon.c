/* SPDX-License-Identifier: MIT */
/*
 * vgfbd end to end: the real daemon from the build tree, serving the sim
 * guest on a socket in a private temporary directory, reached through
 * libvgfb's client (vgfb_open("unix:...")) and through raw protocol
 * connections that misbehave on purpose.
 *
 * Every test checks for fd leaks on both sides: in this process (fixture)
 * and in the daemon (/proc/PID/fd back to its baseline once a client is
 * gone).  The guest is driven by SIM_CONTROL (--sim-control), so every
 * event sequence here is deterministic.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <linux/input-event-codes.h>

#include "daemon-util.h"
#include "pattern.h"
#include "test-common.h"

#define FLIP VGFB_EVENT_FLIP
#define PRIMARY DRM_PLANE_TYPE_PRIMARY
#define CURSOR DRM_PLANE_TYPE_CURSOR

static const char *const sim2_args[] = {
	"--target", "sim:heads=2", "--sim-control", NULL,
};

/* Drops every message: no format attribute, it never reads one. */
static void
quiet_log(struct vgfb *ctx, enum vgfb_log_priority prio, void *userdata,
	  const char *format, va_list args)
{
}

static struct vgfb *
open_client(const struct test_daemon *d)
{
	struct vgfb *ctx = NULL;
	int rc = vgfb_open(d->target, &ctx);

	ck_assert_msg(rc == 0, "vgfb_open(%s): %s", d->target, strerror(-rc));
	ck_assert_str_eq(vgfb_get_backend_name(ctx), "unix");
	return ctx;
}

/* Every queued event, waiting up to timeout_ms for the first one. */
static unsigned int
read_events(struct vgfb *ctx, struct vgfb_event *ev, unsigned int max,
	    int timeout_ms)
{
	struct pollfd p = { .fd = vgfb_get_event_fd(ctx), .events = POLLIN };
	unsigned int n = 0;

	ck_assert_int_ge(p.fd, 0);
	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	while (n < max && vgfb_read_event(ctx, &ev[n]) == 0)
		n++;
	return n;
}

static bool
event_fd_ready(struct vgfb *ctx)
{
	struct pollfd p = { .fd = vgfb_get_event_fd(ctx), .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

static void
query(struct vgfb *ctx, uint32_t head, uint32_t type,
      struct vfio_device_gfx_plane_info *info, struct vgfb_plane_ext *ext)
{
	ck_assert_int_eq(vgfb_set_head(ctx, head), 0);
	ck_assert_int_eq(test_query(ctx, VFIO_GFX_PLANE_TYPE_REGION, type,
				    info, ext), 0);
}

/* ---- the same answers as in-process use ---- */

static void
compare_plane(struct vgfb *local, struct vgfb *remote, uint32_t head,
	      uint32_t type)
{
	struct vfio_device_gfx_plane_info a, b;
	struct vgfb_plane_ext ea, eb;
	void *pa, *pb;
	int fa, fb;

	query(local, head, type, &a, &ea);
	query(remote, head, type, &b, &eb);
	ck_assert_uint_eq(b.argsz, sizeof(b));
	ck_assert_uint_eq(b.flags, VFIO_GFX_PLANE_TYPE_REGION);
	ck_assert_uint_eq(b.drm_plane_type, type);
	ck_assert_uint_eq(a.drm_format, b.drm_format);
	ck_assert(a.drm_format_mod == b.drm_format_mod);
	ck_assert_uint_eq(a.width, b.width);
	ck_assert_uint_eq(a.height, b.height);
	ck_assert_uint_eq(a.stride, b.stride);
	ck_assert_uint_eq(a.size, b.size);
	ck_assert_uint_eq(a.x_pos, b.x_pos);
	ck_assert_uint_eq(a.y_pos, b.y_pos);
	ck_assert_uint_eq(a.x_hot, b.x_hot);
	ck_assert_uint_eq(a.y_hot, b.y_hot);
	ck_assert_uint_ne(b.region_index, 0);
	ck_assert(ea.frame_seq == eb.frame_seq);
	ck_assert_uint_eq(eb.head, head);
	ck_assert_uint_eq(ea.flags, eb.flags);	/* first query: all damaged */
	ck_assert_uint_eq(ea.n_damage, eb.n_damage);

	/* an unchanged plane keeps its id */
	{
		struct vfio_device_gfx_plane_info again;

		query(remote, head, type, &again, NULL);
		ck_assert_uint_eq(again.region_index, b.region_index);
	}

	/* the same pixels, through an fd passed over the socket */
	fa = vgfb_get_region_fd(local, a.region_index);
	fb = vgfb_get_region_fd(remote, b.region_index);
	ck_assert_int_ge(fa, 0);
	ck_assert_int_ge(fb, 0);
	ck_assert(fcntl(fb, F_GETFD) & FD_CLOEXEC);
	pa = test_map(fa, a.size);
	pb = test_map(fb, b.size);
	ck_assert(pa && pb);
	ck_assert(memcmp(pa, pb, a.size) == 0);
	munmap(pa, a.size);
	munmap(pb, b.size);
	close(fa);
	close(fb);
	/* every GET is a new fd */
	fa = vgfb_get_region_fd(remote, b.region_index);
	fb = vgfb_get_region_fd(remote, b.region_index);
	ck_assert_int_ge(fa, 0);
	ck_assert_int_ge(fb, 0);
	ck_assert_int_ne(fa, fb);
	close(fa);
	close(fb);
}

START_TEST(client_answers_like_in_process)
{
	struct test_daemon d;
	struct vgfb *local, *remote;
	struct vfio_device_gfx_plane_info probe = { .argsz = sizeof(probe) };
	uint32_t la, ra;
	int fds_before, daemon_fds;

	test_daemon_start(&d, sim2_args);
	daemon_fds = d.base_fds;
	fds_before = tier_count_fds(0);
	local = test_open("sim:heads=2");
	remote = open_client(&d);

	ck_assert_str_eq(vgfb_get_exporter_name(remote),
			 vgfb_get_exporter_name(local));
	ck_assert_int_eq(vgfb_get_head_count(local, &la), 0);
	ck_assert_int_eq(vgfb_get_head_count(remote, &ra), 0);
	ck_assert_uint_eq(la, 2);
	ck_assert_uint_eq(ra, 2);
	ck_assert_int_eq(vgfb_set_head(remote, 2), -EINVAL);

	/* probes answer the same */
	probe.flags = VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF;
	la = vgfb_query_plane(local, &probe);
	ra = vgfb_query_plane(remote, &probe);
	ck_assert_int_eq((int)la, (int)ra);
	probe.flags = VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION;
	ck_assert_int_eq(vgfb_query_plane(remote, &probe), 0);

	for (uint32_t h = 0; h < 2; h++) {
		compare_plane(local, remote, h, PRIMARY);
		compare_plane(local, remote, h, CURSOR);
	}

	/* errors answer the same */
	vgfb_set_log_func(remote, quiet_log, NULL);
	ck_assert_int_eq(vgfb_get_region_fd(remote, 0x12345678),
			 vgfb_get_region_fd(local, 0x12345678));
	ck_assert_int_eq(vgfb_get_gfx_dmabuf(remote, 0x12345678),
			 vgfb_get_gfx_dmabuf(local, 0x12345678));
	{
		struct vfio_device_gfx_plane_info a, b;
		int rc;

		ck_assert_int_eq(vgfb_set_head(local, 0), 0);
		ck_assert_int_eq(vgfb_set_head(remote, 0), 0);
		rc = test_query(local, VFIO_GFX_PLANE_TYPE_DMABUF, PRIMARY, &a,
				NULL);
		ck_assert_int_eq(test_query(remote, VFIO_GFX_PLANE_TYPE_DMABUF,
					    PRIMARY, &b, NULL), rc);
		if (rc == 0) {
			int fa = vgfb_get_gfx_dmabuf(local, a.dmabuf_id);
			int fb = vgfb_get_gfx_dmabuf(remote, b.dmabuf_id);

			ck_assert_int_ge(fa, 0);
			ck_assert_int_ge(fb, 0);
			close(fa);
			close(fb);
		}
	}
	/* the sim controls are in-process only */
	ck_assert_int_eq(vgfb_sim_flip(remote, 0), -ENOTSUP);

	vgfb_close(remote);
	vgfb_close(local);
	ck_assert_int_eq(tier_count_fds(0), fds_before);
	/*
	 * The daemon keeps one live region view (one memfd) per plane it
	 * served, 2 heads x primary and cursor, until the cache drops it;
	 * the client's own fds are gone.
	 */
	daemon_fds += 4;
	ck_assert_int_eq(test_daemon_wait_fds(&d, daemon_fds, 2000),
			 daemon_fds);
	test_daemon_stop(&d);
}
END_TEST

START_TEST(disabled_plane_is_zeroed_success)
{
	struct test_daemon d;
	struct vgfb *c;
	struct vfio_device_gfx_plane_info info;
	struct vgfb_plane_ext ext;
	struct vgfb_msg hello;
	int ctl;

	test_daemon_start(&d, sim2_args);
	c = open_client(&d);
	ctl = test_raw_connect(&d, &hello);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_SET_MODE, 1, 0, 0, 0, 0), 0);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_SET_CURSOR, 0, 0, 0, 0, 0), 0);
	query(c, 1, PRIMARY, &info, &ext);
	ck_assert_uint_eq(info.width, 0);
	ck_assert_uint_eq(info.size, 0);
	ck_assert_uint_eq(info.region_index, 0);
	ck_assert_uint_eq(info.drm_format, 0);
	query(c, 0, CURSOR, &info, NULL);
	ck_assert_uint_eq(info.region_index, 0);
	ck_assert_uint_eq(info.x_hot, 0);
	/* and back */
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_SET_MODE, 1, 640, 480,
				  DRM_FORMAT_XRGB8888, 0), 0);
	query(c, 1, PRIMARY, &info, &ext);
	ck_assert_uint_eq(info.width, 640);
	ck_assert_uint_eq(info.height, 480);
	ck_assert_uint_ne(info.region_index, 0);
	/* bad arguments are the guest's business: -EINVAL, nobody dropped */
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_SET_MODE, 1, 640, 480, 0x1234, 0),
			 -EINVAL);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_FLIP, 7, 0, 0, 0, 0), -EINVAL);
	query(c, 1, PRIMARY, &info, NULL);
	close(ctl);
	vgfb_close(c);
	test_daemon_stop(&d);
}
END_TEST

/* ---- events ---- */

enum { N_CONSUMERS = 4 };

/*
 * c[0] reads after every flip of head 0 and sees each one, in order; every
 * consumer's event fd was ready before the controller got its answer.
 * The first flip's frame_seq.
 */
static uint64_t
eager_reader_sees_each_flip(int ctl, struct vgfb *c[N_CONSUMERS])
{
	struct vgfb_event ev[64];
	uint64_t seq0 = 0;
	unsigned int n;

	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(test_sim(ctl, VGFB_SIM_FLIP, 0, 0, 0, 0, 0), 0);
		/* delivered before the controller got its answer */
		for (int i = 0; i < N_CONSUMERS; i++)
			ck_assert(event_fd_ready(c[i]));
		n = read_events(c[0], ev, 64, 1000);
		ck_assert_uint_eq(n, 1);
		ck_assert_uint_eq(ev[0].type, FLIP);
		ck_assert_uint_eq(ev[0].head, 0);
		ck_assert_uint_eq(ev[0].drm_plane_type, PRIMARY);
		if (k == 0)
			seq0 = ev[0].frame_seq;
		else
			ck_assert(ev[0].frame_seq == seq0 + (uint64_t)k);
		ck_assert(!event_fd_ready(c[0]));
	}
	return seq0;
}

/* c[0] sees head 1's damage, then head 1's mode change and a cursor. */
static void
eager_reader_sees_damage_and_changes(int ctl, struct vgfb *c0)
{
	struct vgfb_event ev[64];
	unsigned int n;

	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_UPDATE, 1, 8, 16, 32, 64), 0);
	n = read_events(c0, ev, 64, 1000);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ev[0].type, VGFB_EVENT_DAMAGE);
	ck_assert_uint_eq(ev[0].head, 1);
	ck_assert_uint_eq(ev[0].rect.x, 8);
	ck_assert_uint_eq(ev[0].rect.y, 16);
	ck_assert_uint_eq(ev[0].rect.width, 32);
	ck_assert_uint_eq(ev[0].rect.height, 64);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_SET_MODE, 1, 800, 600,
				  DRM_FORMAT_XRGB8888, 0), 0);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_SET_CURSOR, 0, 1, 5, 6, 0), 0);
	n = read_events(c0, ev, 64, 1000);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ev[0].type, VGFB_EVENT_PLANE_CHANGED);
	ck_assert_uint_eq(ev[0].head, 1);
	ck_assert_uint_eq(ev[0].drm_plane_type, PRIMARY);
	ck_assert_uint_eq(ev[1].type, VGFB_EVENT_PLANE_CHANGED);
	ck_assert_uint_eq(ev[1].head, 0);
	ck_assert_uint_eq(ev[1].drm_plane_type, CURSOR);
}

/*
 * The others read only now: three flips became one (the newest), the
 * damage of head 1 was superseded by its mode change.
 */
static void
late_readers_see_coalesced(struct vgfb *c[N_CONSUMERS], uint64_t seq0)
{
	struct vgfb_event ev[64];
	unsigned int n;

	for (int i = 1; i < N_CONSUMERS; i++) {
		n = read_events(c[i], ev, 64, 1000);
		ck_assert_uint_eq(n, 3);
		ck_assert_uint_eq(ev[0].type, FLIP);
		ck_assert(ev[0].frame_seq == seq0 + 2);
		ck_assert_uint_eq(ev[1].type, VGFB_EVENT_PLANE_CHANGED);
		ck_assert_uint_eq(ev[1].head, 1);
		ck_assert_uint_eq(ev[2].type, VGFB_EVENT_PLANE_CHANGED);
		ck_assert_uint_eq(ev[2].drm_plane_type, CURSOR);
		ck_assert_int_eq(vgfb_read_event(c[i], &ev[0]), -EAGAIN);
		ck_assert(!event_fd_ready(c[i]));
	}
}

/* a narrower mask gets only what it asked for */
static void
masks_filter_events(int ctl, struct vgfb *c[N_CONSUMERS])
{
	struct vgfb_event ev[64];
	unsigned int n;

	ck_assert_int_eq(vgfb_subscribe(c[1], VGFB_EVENT_MASK(VGFB_EVENT_DAMAGE)),
			 0);
	ck_assert_int_eq(vgfb_subscribe(c[2], 0), 0);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_FLIP, 1, 0, 0, 0, 0), 0);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_UPDATE, 1, 0, 0, 1, 1), 0);
	n = read_events(c[1], ev, 64, 1000);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ev[0].type, VGFB_EVENT_DAMAGE);
	ck_assert_uint_eq(read_events(c[2], ev, 64, 50), 0);
	n = read_events(c[3], ev, 64, 1000);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ev[0].type, FLIP);
	ck_assert_uint_eq(ev[1].type, VGFB_EVENT_DAMAGE);
}

START_TEST(events_reach_every_consumer_in_order)
{
	struct test_daemon d;
	struct vgfb *c[N_CONSUMERS];
	struct vgfb_msg hello;
	uint64_t seq0;
	int ctl;

	test_daemon_start(&d, sim2_args);
	for (int i = 0; i < N_CONSUMERS; i++) {
		c[i] = open_client(&d);
		ck_assert(!event_fd_ready(c[i]));
		ck_assert_int_eq(vgfb_subscribe(c[i], VGFB_EVENT_MASK_ALL), 0);
	}
	ctl = test_raw_connect(&d, &hello);
	ck_assert(hello.hello.caps & VGFB_CAP_SIM_CONTROL);
	ck_assert_uint_eq(hello.hello.head_count, 2);

	seq0 = eager_reader_sees_each_flip(ctl, c);
	eager_reader_sees_damage_and_changes(ctl, c[0]);
	late_readers_see_coalesced(c, seq0);
	masks_filter_events(ctl, c);

	close(ctl);
	for (int i = 0; i < N_CONSUMERS; i++)
		vgfb_close(c[i]);
	test_daemon_stop(&d);
}
END_TEST

START_TEST(damage_is_per_consumer)
{
	struct test_daemon d;
	struct vgfb *a, *b;
	struct vfio_device_gfx_plane_info info;
	struct vgfb_plane_ext ext;
	struct vgfb_msg hello;
	int ctl;

	test_daemon_start(&d, sim2_args);
	a = open_client(&d);
	b = open_client(&d);
	ctl = test_raw_connect(&d, &hello);
	/* first extended query: everything is new */
	query(a, 0, PRIMARY, &info, &ext);
	ck_assert(ext.flags & VGFB_PLANE_EXT_DAMAGE_ALL);
	query(b, 0, PRIMARY, &info, &ext);
	ck_assert(ext.flags & VGFB_PLANE_EXT_DAMAGE_ALL);

	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_UPDATE, 0, 1, 2, 3, 4), 0);
	query(a, 0, PRIMARY, &info, &ext);
	ck_assert_uint_eq(ext.flags, 0);
	ck_assert_uint_eq(ext.n_damage, 1);
	ck_assert_uint_eq(ext.damage[0].x, 1);
	ck_assert_uint_eq(ext.damage[0].height, 4);

	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_UPDATE, 0, 10, 20, 30, 40), 0);
	/* b never consumed the first rectangle: it gets both */
	query(b, 0, PRIMARY, &info, &ext);
	ck_assert_uint_eq(ext.flags, 0);
	ck_assert_uint_eq(ext.n_damage, 2);
	ck_assert_uint_eq(ext.damage[0].x, 1);
	ck_assert_uint_eq(ext.damage[1].x, 10);
	ck_assert_uint_eq(ext.damage[1].height, 40);
	/* a gets only the second */
	query(a, 0, PRIMARY, &info, &ext);
	ck_assert_uint_eq(ext.n_damage, 1);
	ck_assert_uint_eq(ext.damage[0].x, 10);
	/* nothing new for either; a plain query consumes nothing */
	query(a, 0, PRIMARY, &info, &ext);
	ck_assert_uint_eq(ext.n_damage, 0);
	ck_assert_uint_eq(ext.flags, 0);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_UPDATE, 0, 5, 5, 5, 5), 0);
	ck_assert_int_eq(vgfb_set_head(b, 0), 0);
	info.argsz = sizeof(info);
	info.flags = VFIO_GFX_PLANE_TYPE_REGION;
	info.drm_plane_type = PRIMARY;
	ck_assert_int_eq(vgfb_query_plane(b, &info), 0);
	query(b, 0, PRIMARY, &info, &ext);
	ck_assert_uint_eq(ext.n_damage, 1);
	ck_assert_uint_eq(ext.damage[0].x, 5);
	/* more rectangles than fit: the whole plane */
	for (int k = 0; k < VGFB_MAX_DAMAGE + 1; k++)
		ck_assert_int_eq(test_sim(ctl, VGFB_SIM_UPDATE, 0, k, k, 1, 1),
				 0);
	query(a, 0, PRIMARY, &info, &ext);
	ck_assert(ext.flags & VGFB_PLANE_EXT_DAMAGE_ALL);
	ck_assert_uint_eq(ext.n_damage, 0);
	/* a flip damages everything */
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_FLIP, 0, 0, 0, 0, 0), 0);
	query(a, 0, PRIMARY, &info, &ext);
	ck_assert(ext.flags & VGFB_PLANE_EXT_DAMAGE_ALL);

	close(ctl);
	vgfb_close(a);
	vgfb_close(b);
	test_daemon_stop(&d);
}
END_TEST

/*
 * Through the daemon a region is the same live view: every GET passes a
 * new fd of one file, and a client's mapping shows a damage by the time
 * the DAMAGE event reaches it, with no query in between.
 */
START_TEST(region_is_live_through_the_daemon)
{
	struct vgfb_rect r = { 30, 40, 64, 64 };
	struct test_daemon d;
	struct vgfb *c;
	struct vfio_device_gfx_plane_info info;
	struct vgfb_plane_ext ext;
	struct vgfb_event ev[8];
	struct vgfb_msg hello;
	struct stat s1, s2;
	unsigned int n;
	uint8_t *p;
	int ctl, f1, f2;

	test_daemon_start(&d, sim2_args);
	c = open_client(&d);
	ctl = test_raw_connect(&d, &hello);
	ck_assert_int_eq(vgfb_subscribe(c, VGFB_EVENT_MASK(VGFB_EVENT_DAMAGE)),
			 0);
	query(c, 0, PRIMARY, &info, &ext);
	f1 = vgfb_get_region_fd(c, info.region_index);
	f2 = vgfb_get_region_fd(c, info.region_index);
	ck_assert_int_ge(f1, 0);
	ck_assert_int_ge(f2, 0);
	ck_assert_int_eq(fstat(f1, &s1), 0);
	ck_assert_int_eq(fstat(f2, &s2), 0);
	ck_assert(s1.st_ino == s2.st_ino && s1.st_dev == s2.st_dev);
	p = test_map(f1, info.size);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(vgfb_pattern_compare(p, info.drm_format, info.width,
					      info.height, info.stride,
					      ext.frame_seq, NULL, NULL,
					      NULL), 0);

	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_UPDATE, 0, r.x, r.y, r.width,
				  r.height), 0);
	n = read_events(c, ev, 8, 1000);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ev[0].type, VGFB_EVENT_DAMAGE);
	ck_assert_int_eq(vgfb_pattern_compare(p, info.drm_format, info.width,
					      info.height, info.stride,
					      ev[0].frame_seq, &r, NULL,
					      NULL), 0);
	/* and only the damage changed */
	ck_assert_int_eq(vgfb_pattern_compare(p, info.drm_format, info.width,
					      info.height, info.stride,
					      ext.frame_seq, NULL, NULL,
					      NULL), 64 * 64);
	munmap(p, info.size);
	close(f1);
	close(f2);
	close(ctl);
	vgfb_close(c);
	test_daemon_stop(&d);
}
END_TEST

/* A consumer that does not read gets fewer, merged events, never a backlog. */
START_TEST(slow_consumer_gets_coalesced_events)
{
	static const char *const args[] = {
		"--target", "sim:heads=2", "--sim-control",
		"--client-sndbuf", "4096", "--queue-len", "4",
		"--stall-timeout-ms", "0", NULL,
	};
	struct test_daemon d;
	struct vgfb_msg hello, m = { .type = VGFB_MSG_SUBSCRIBE }, r;
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	unsigned int got = 0, overflows = 0, n_fds;
	uint64_t last = 0, final_seq = 0;
	const int flips = 400;
	int ctl, slow, fd;

	test_daemon_start(&d, args);
	slow = test_raw_connect(&d, &hello);
	m.u32.value = VGFB_EVENT_MASK_ALL;
	test_raw_send_msg(slow, &m);
	ck_assert_int_eq(test_raw_reply(slow, &r, &fd, NULL, 5000), 0);
	ck_assert_int_eq(r.type, VGFB_MSG_SUBSCRIBE);

	ctl = test_raw_connect(&d, &hello);
	for (int k = 0; k < flips; k++) {
		ck_assert_int_eq(test_sim(ctl, VGFB_SIM_FLIP, 0, 0, 0, 0, 0), 0);
		/* distinct kinds, so that a 4-entry queue overflows */
		if (k % 50 == 0) {
			ck_assert_int_eq(test_sim(ctl, VGFB_SIM_UPDATE, 1, 0, 0,
						  2, 2), 0);
			ck_assert_int_eq(test_sim(ctl, VGFB_SIM_SET_CURSOR, 0,
						  k % 100 == 0, 1, 1, 0), 0);
			ck_assert_int_eq(test_sim(ctl, VGFB_SIM_SET_CURSOR, 1,
						  1, 1, 1, 0), 0);
			ck_assert_int_eq(test_sim(ctl, VGFB_SIM_FLIP, 1, 0, 0,
						  0, 0), 0);
		}
	}
	/* the newest frame of head 0 */
	{
		struct vgfb *q = open_client(&d);
		struct vfio_device_gfx_plane_info info;
		struct vgfb_plane_ext ext;

		query(q, 0, PRIMARY, &info, &ext);
		final_seq = ext.frame_seq;
		vgfb_close(q);
	}

	/* now drain: order kept, flips merged, an OVERFLOW somewhere */
	for (;;) {
		struct pollfd p = { .fd = slow, .events = POLLIN };
		int n;

		if (poll(&p, 1, 500) <= 0)
			break;
		n = vgfb__proto_recv(slow, buf, sizeof(buf), NULL, 0, &n_fds, 0);
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(vgfb__proto_parse(buf, (size_t)n,
						   VGFB_PROTO_TO_CLIENT, &r), 0);
		ck_assert_int_eq(r.type, VGFB_MSG_EVENT);
		for (uint32_t k = 0; k < r.events.n; k++) {
			const struct vgfb_event *e = &r.events.ev[k];

			got++;
			if (e->type == VGFB_EVENT_OVERFLOW)
				overflows++;
			if (e->type == FLIP && e->head == 0) {
				ck_assert(e->frame_seq > last);
				last = e->frame_seq;
			}
		}
	}
	ck_assert_msg(got < (unsigned int)flips, "%u events for %d flips",
		      got, flips);
	ck_assert_uint_gt(overflows, 0);
	ck_assert(last == final_seq);
	close(slow);
	close(ctl);
	test_daemon_stop(&d);
}
END_TEST

/* ---- robustness ---- */

static void
send_bad_expect_drop(struct test_daemon *d, struct vgfb *good, int baseline,
		     const void *buf, size_t len, const int *fds,
		     unsigned int n_fds, int want_error, const char *what)
{
	struct vfio_device_gfx_plane_info info;
	struct vgfb_msg hello, r;
	int sock, fd, rc;

	sock = test_raw_connect(d, &hello);
	test_raw_send(sock, buf, len, fds, n_fds);
	if (want_error) {
		rc = test_raw_reply(sock, &r, &fd, NULL, 5000);
		ck_assert_msg(rc == 0, "%s: no ERROR (%d)", what, rc);
		ck_assert_msg(r.type == VGFB_MSG_ERROR, "%s: got %s", what,
			      vgfb__proto_type_name(r.type));
		ck_assert_msg(r.error.error == want_error, "%s: error %d, not %d",
			      what, r.error.error, want_error);
	}
	ck_assert_msg(test_raw_hung_up(sock, 5000), "%s: not dropped", what);
	close(sock);
	ck_assert_msg(test_daemon_wait_fds(d, baseline, 5000) == baseline,
		      "%s: daemon holds %d fds, not %d", what,
		      test_daemon_fds(d), baseline);
	/* the others did not notice */
	query(good, 0, PRIMARY, &info, NULL);
	ck_assert_uint_ne(info.region_index, 0);
}

static void
hdr(unsigned char *buf, uint32_t magic, uint16_t version, uint16_t type,
    uint32_t len)
{
	struct vgfb_msg_hdr h = { magic, version, type, len };

	memcpy(buf, &h, sizeof(h));
}

/* A pipe whose write end we hand to the daemon; EOF on the read end
 * proves the daemon closed it. */
static void
check_daemon_closed(int read_end)
{
	struct pollfd p = { .fd = read_end, .events = POLLIN };
	char c;

	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	ck_assert_int_eq(read(read_end, &c, 1), 0);
	close(read_end);
}

/* Headers and payloads that lie: each costs its client the connection. */
static void
drop_bad_headers(struct test_daemon *d, struct vgfb *good, int baseline)
{
	unsigned char buf[8192] = { 0 };

	hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, VGFB_MSG_HEAD_COUNT, 0);
	send_bad_expect_drop(d, good, baseline, buf, 5, NULL, 0, -EPROTO,
			     "truncated header");
	hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, VGFB_MSG_QUERY, 72);
	send_bad_expect_drop(d, good, baseline, buf, 12 + 40, NULL, 0, -EPROTO,
			     "truncated payload");
	hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, VGFB_MSG_QUERY, 20);
	send_bad_expect_drop(d, good, baseline, buf, 12 + 20, NULL, 0,
			     -EBADMSG, "short QUERY announced as such");
	hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, VGFB_MSG_QUERY,
	    sizeof(buf) - 12);
	send_bad_expect_drop(d, good, baseline, buf, sizeof(buf), NULL, 0,
			     -EMSGSIZE, "oversized");
	hdr(buf, 0x56474642u, VGFB_PROTO_VERSION, VGFB_MSG_HEAD_COUNT, 0);
	send_bad_expect_drop(d, good, baseline, buf, 12, NULL, 0, -EPROTO,
			     "byte-swapped magic");
	hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_REVISION + 1,
	    VGFB_MSG_HEAD_COUNT, 0);
	send_bad_expect_drop(d, good, baseline, buf, 12, NULL, 0,
			     -EPROTONOSUPPORT, "version 3");
	hdr(buf, VGFB_PROTO_MAGIC, 2, VGFB_MSG_HEAD_COUNT, 0);
	send_bad_expect_drop(d, good, baseline, buf, 12, NULL, 0,
			     -EBADMSG, "a revision 1 type in version 2");
	hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, 0x77, 0);
	send_bad_expect_drop(d, good, baseline, buf, 12, NULL, 0, -EBADMSG,
			     "unknown type");
	hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, VGFB_MSG_EVENT, 40);
	send_bad_expect_drop(d, good, baseline, buf, 52, NULL, 0, -EBADMSG,
			     "EVENT from a client");
	hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, VGFB_MSG_SUBSCRIBE, 8);
	buf[16] = 1;	/* reserved */
	send_bad_expect_drop(d, good, baseline, buf, 20, NULL, 0, -EBADMSG,
			     "reserved field set");
	buf[16] = 0;
	send_bad_expect_drop(d, good, baseline, buf, 0, NULL, 0, 0,
			     "empty packet");
}

/* fds where none belong: refused, and closed by the daemon. */
static void
drop_unwanted_fds(struct test_daemon *d, struct vgfb *good, int baseline)
{
	struct vgfb_msg m = { .type = VGFB_MSG_HEAD_COUNT };
	unsigned char buf[64];
	int n, p[2], many[48];

	n = vgfb__proto_encode(&m, VGFB_PROTO_TO_SERVER, buf, sizeof(buf));
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	send_bad_expect_drop(d, good, baseline, buf, (size_t)n, &p[1], 1,
			     -ETOOMANYREFS, "an fd attached");
	close(p[1]);
	check_daemon_closed(p[0]);

	/* more fds than the daemon's control buffer: MSG_CTRUNC */
	for (int i = 0; i < 48; i += 2) {
		ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
		many[i] = p[0];
		many[i + 1] = p[1];
	}
	send_bad_expect_drop(d, good, baseline, buf, (size_t)n, many, 48,
			     -ETOOMANYREFS, "48 fds (MSG_CTRUNC)");
	for (int i = 1; i < 48; i += 2)
		close(many[i]);
	for (int i = 0; i < 48; i += 2)
		check_daemon_closed(many[i]);
}

/* random garbage, 50 packets of 1..64 bytes */
static void
drop_garbage(struct test_daemon *d, struct vgfb *good, int baseline)
{
	unsigned char buf[64];
	uint64_t x = 12345;

	for (int k = 0; k < 50; k++) {
		size_t len;

		for (size_t i = 0; i < 64; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = (unsigned char)x;
		}
		len = 1 + x % 64;
		send_bad_expect_drop(d, good, baseline, buf, len, NULL, 0, 0,
				     "garbage");
	}
}

/* a client that connects and leaves at once */
static void
connect_and_leave(struct test_daemon *d, int baseline)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	ck_assert_uint_lt(strlen(d->socket), sizeof(addr.sun_path));
	memcpy(addr.sun_path, d->socket, strlen(d->socket) + 1);
	ck_assert_int_eq(connect(s, (struct sockaddr *)&addr, sizeof(addr)),
			 0);
	close(s);
	ck_assert_int_eq(test_daemon_wait_fds(d, baseline, 5000), baseline);
}

START_TEST(malformed_clients_are_dropped_alone)
{
	struct test_daemon d;
	struct vgfb *good;
	struct vgfb_event ev;
	int baseline;

	test_daemon_start(&d, sim2_args);
	good = open_client(&d);
	ck_assert_int_eq(vgfb_subscribe(good, VGFB_EVENT_MASK_ALL), 0);
	baseline = d.base_fds + 1;
	ck_assert_int_eq(test_daemon_wait_fds(&d, baseline, 2000), baseline);

	drop_bad_headers(&d, good, baseline);
	drop_unwanted_fds(&d, good, baseline);
	drop_garbage(&d, good, baseline);
	connect_and_leave(&d, baseline);

	/* nothing of all this reached the good consumer */
	ck_assert_int_eq(vgfb_read_event(good, &ev), -EAGAIN);
	vgfb_close(good);
	test_daemon_stop(&d);
}
END_TEST

START_TEST(consumer_killed_mid_stream)
{
	static const char *const args[] = {
		"--target", "sim", "--sim-flip-ms", "2", NULL,
	};
	enum { N = 4 };
	struct test_daemon d;
	struct vgfb *c[N];
	struct vgfb_event ev[64];
	uint64_t last[N] = { 0 }, at_kill[N];
	int baseline, status, sync[2];
	pid_t victim;
	char ok;

	test_daemon_start(&d, args);
	baseline = d.base_fds;
	for (int i = 0; i < N; i++) {
		c[i] = open_client(&d);
		ck_assert_int_eq(vgfb_subscribe(c[i], VGFB_EVENT_MASK_ALL), 0);
	}

	/* the victim: a consumer in its own process, reading events */
	ck_assert_int_eq(pipe2(sync, O_CLOEXEC), 0);
	victim = fork();
	ck_assert_int_ge(victim, 0);
	if (victim == 0) {
		struct vgfb *v;
		struct vgfb_event e[64];
		unsigned int got = 0;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (vgfb_open(d.target, &v) || vgfb_subscribe(v, VGFB_EVENT_MASK_ALL))
			_exit(1);
		while (got < 5)
			got += read_events(v, e, 64, 1000);
		if (write(sync[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			read_events(v, e, 64, 1000);
	}
	close(sync[1]);
	ck_assert_int_eq(read(sync[0], &ok, 1), 1);
	close(sync[0]);
	ck_assert_int_eq(test_daemon_wait_fds(&d, baseline + N + 1, 2000),
			 baseline + N + 1);

	for (int round = 0; round < 10; round++)
		for (int i = 0; i < N; i++) {
			unsigned int n = read_events(c[i], ev, 64, 1000);

			for (unsigned int k = 0; k < n; k++) {
				ck_assert_uint_eq(ev[k].type, FLIP);
				ck_assert(ev[k].frame_seq > last[i]);
				last[i] = ev[k].frame_seq;
			}
		}
	kill(victim, SIGKILL);
	ck_assert_int_eq(waitpid(victim, &status, 0), victim);
	ck_assert_int_eq(test_daemon_wait_fds(&d, baseline + N, 2000),
			 baseline + N);
	memcpy(at_kill, last, sizeof(last));

	/* the stream goes on for everyone else, in order */
	for (int round = 0; round < 20; round++)
		for (int i = 0; i < N; i++) {
			unsigned int n = read_events(c[i], ev, 64, 1000);

			for (unsigned int k = 0; k < n; k++) {
				ck_assert_uint_eq(ev[k].type, FLIP);
				ck_assert(ev[k].frame_seq > last[i]);
				last[i] = ev[k].frame_seq;
			}
		}
	for (int i = 0; i < N; i++) {
		ck_assert(last[i] > at_kill[i]);
		vgfb_close(c[i]);
	}
	ck_assert_int_eq(test_daemon_wait_fds(&d, baseline, 2000), baseline);
	test_daemon_stop(&d);
}
END_TEST

START_TEST(stalled_consumer_is_dropped)
{
	static const char *const args[] = {
		"--target", "sim", "--sim-control", "--client-sndbuf", "4096",
		"--stall-timeout-ms", "200", NULL,
	};
	struct test_daemon d;
	struct vgfb *good;
	struct vgfb_msg hello, m = { .type = VGFB_MSG_SUBSCRIBE }, r;
	struct vgfb_event ev[64];
	int baseline, stalled, ctl, fd;
	bool dropped = false;

	test_daemon_start(&d, args);
	baseline = d.base_fds;
	good = open_client(&d);
	ck_assert_int_eq(vgfb_subscribe(good, VGFB_EVENT_MASK_ALL), 0);
	ctl = test_raw_connect(&d, &hello);
	stalled = test_raw_connect(&d, &hello);
	m.u32.value = VGFB_EVENT_MASK_ALL;
	test_raw_send_msg(stalled, &m);
	ck_assert_int_eq(test_raw_reply(stalled, &r, &fd, NULL, 5000), 0);
	ck_assert_int_eq(test_daemon_wait_fds(&d, baseline + 3, 2000),
			 baseline + 3);

	/* it never reads again; the guest keeps flipping */
	for (int k = 0; k < 2000 && !dropped; k++) {
		ck_assert_int_eq(test_sim(ctl, VGFB_SIM_FLIP, 0, 0, 0, 0, 0), 0);
		ck_assert_uint_ge(read_events(good, ev, 64, 1000), 1);
		if (k % 20 == 0)
			dropped = test_daemon_fds(&d) == baseline + 2;
		usleep(1000);
	}
	ck_assert_msg(dropped, "the stalled consumer is still connected");
	/* we still hold our end: the daemon dropped it, not us */
	ck_assert(test_raw_hung_up(stalled, 5000));
	close(stalled);
	close(ctl);
	vgfb_close(good);
	ck_assert_int_eq(test_daemon_wait_fds(&d, baseline, 2000), baseline);
	test_daemon_stop(&d);
}
END_TEST

START_TEST(sim_control_needs_the_option)
{
	static const char *const args[] = { "--target", "sim", NULL };
	struct test_daemon d;
	struct vgfb_msg hello, m = { .type = VGFB_MSG_HEAD_COUNT }, r;
	int sock, fd;

	test_daemon_start(&d, args);
	sock = test_raw_connect(&d, &hello);
	ck_assert(!(hello.hello.caps & VGFB_CAP_SIM_CONTROL));
	ck_assert(hello.hello.caps & VGFB_CAP_REGION);
	ck_assert_int_eq(test_sim(sock, VGFB_SIM_FLIP, 0, 0, 0, 0, 0), -EPERM);
	/* refused, not dropped */
	test_raw_send_msg(sock, &m);
	ck_assert_int_eq(test_raw_reply(sock, &r, &fd, NULL, 5000), 0);
	ck_assert_int_eq(r.type, VGFB_MSG_HEAD_COUNT);
	ck_assert_uint_eq(r.u32.value, 1);
	close(sock);
	test_daemon_stop(&d);
}
END_TEST

/* A client, once the daemon has noticed that a slot was freed (1 s). */
static struct vgfb *
open_when_free(const struct test_daemon *d)
{
	struct vgfb *c = NULL;

	for (int k = 0; k < 500; k++) {
		if (vgfb_open(d->target, &c) == 0)
			return c;
		usleep(2000);
	}
	ck_abort_msg("no slot came free in 1 s");
	return NULL;
}

START_TEST(client_limit)
{
	static const char *const args[] = {
		"--target", "sim", "--max-clients", "2", NULL,
	};
	struct test_daemon d;
	struct vgfb *a, *b, *c = NULL;

	test_daemon_start(&d, args);
	a = open_client(&d);
	b = open_client(&d);
	ck_assert_int_eq(vgfb_open(d.target, &c), -EBUSY);
	ck_assert_ptr_null(c);
	vgfb_close(b);
	vgfb_close(open_when_free(&d));
	vgfb_close(a);
	test_daemon_stop(&d);
}
END_TEST

/*
 * Connect to the daemon as uid; the child's exit status is 0 for a HELLO,
 * 1 for a refusal, 2 for anything else.  The connection stays open until
 * release[0] reads EOF.
 */
static pid_t
connect_as(const struct test_daemon *d, uid_t uid, const int release[2])
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct vgfb *ctx = NULL;
		char b;
		int rc;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(release[1]);	/* EOF once the parent closes its end */
		if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(2);
		rc = vgfb_open(d->target, &ctx);
		if (rc == -EBUSY)
			_exit(1);
		if (rc)
			_exit(2);
		while (read(release[0], &b, 1) > 0)
			;
		vgfb_close(ctx);
		_exit(0);
	}
	return pid;
}

/* Exit status of pid, waiting at most timeout_ms; -1 while it runs. */
static int
exit_status_within(pid_t pid, int timeout_ms)
{
	for (int t = 0; t <= timeout_ms; t += 10) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
		usleep(10000);
	}
	return -1;
}

START_TEST(per_uid_limit)
{
	static const char *const args[] = {
		"--target", "sim", "--max-clients", "8",
		"--max-clients-per-uid", "2", "--socket-mode", "0666", NULL,
	};
	const uid_t nobody = 65534;
	struct test_daemon d;
	struct vgfb *a, *b, *c = NULL;
	pid_t other[3];
	int release[2];

	if (geteuid() != 0) {
		/* the other user needs root to become */
		printf("# per_uid_limit: SKIP, needs root\n");
		return;
	}
	test_daemon_start(&d, args);
	ck_assert_int_eq(chmod(d.dir, 0711), 0);
	a = open_client(&d);
	b = open_client(&d);
	/* root is a user like any other here */
	ck_assert_int_eq(vgfb_open(d.target, &c), -EBUSY);
	ck_assert_ptr_null(c);

	/* another uid still gets its own two, and no third */
	ck_assert_int_eq(pipe2(release, O_CLOEXEC), 0);
	for (int i = 0; i < 3; i++)
		other[i] = connect_as(&d, nobody, release);
	/* exactly one of the three is refused; the two others stay */
	{
		int refused = -1;

		for (int t = 0; t < 500 && refused < 0; t++) {
			for (int i = 0; i < 3 && refused < 0; i++) {
				int st = exit_status_within(other[i], 0);

				ck_assert_msg(st == -1 || st == 1,
					      "uid %u client %d: status %d",
					      (unsigned int)nobody, i, st);
				if (st == 1)
					refused = i;
			}
			usleep(10000);
		}
		ck_assert_int_ge(refused, 0);
		for (int i = 0; i < 3; i++)
			if (i != refused)
				ck_assert_int_eq(exit_status_within(other[i], 0),
						 -1);
		other[refused] = 0;
	}
	close(release[1]);
	for (int i = 0; i < 3; i++)
		if (other[i])
			ck_assert_int_eq(exit_status_within(other[i], 5000), 0);
	close(release[0]);

	/* a slot of root's, freed, is root's again */
	vgfb_close(b);
	vgfb_close(open_when_free(&d));
	vgfb_close(a);
	test_daemon_stop(&d);
}
END_TEST

START_TEST(guest_gone_is_told_and_survived)
{
	struct test_daemon d;
	struct vgfb *a, *late;
	struct vgfb_event ev[8];
	struct vfio_device_gfx_plane_info info;
	struct vgfb_msg hello;
	int ctl;

	test_daemon_start(&d, sim2_args);
	a = open_client(&d);
	vgfb_set_log_func(a, quiet_log, NULL);
	ck_assert_int_eq(vgfb_subscribe(a, VGFB_EVENT_MASK_ALL), 0);
	ctl = test_raw_connect(&d, &hello);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_FLIP, 0, 0, 0, 0, 0), 0);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_DESTROY_GUEST, 0, 0, 0, 0, 0), 0);
	/* the flip is superseded: only GUEST_GONE */
	ck_assert_uint_eq(read_events(a, ev, 8, 1000), 1);
	ck_assert_uint_eq(ev[0].type, VGFB_EVENT_GUEST_GONE);
	ck_assert_int_eq(vgfb_set_head(a, 0), -ENODEV);
	info.argsz = sizeof(info);
	info.flags = VFIO_GFX_PLANE_TYPE_REGION;
	info.drm_plane_type = PRIMARY;
	ck_assert_int_lt(vgfb_query_plane(a, &info), 0);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_FLIP, 0, 0, 0, 0, 0), -ENODEV);

	/* the daemon lives on, and tells newcomers at once */
	late = open_client(&d);
	ck_assert_int_eq(vgfb_subscribe(late, VGFB_EVENT_MASK_ALL), 0);
	ck_assert_uint_eq(read_events(late, ev, 8, 1000), 1);
	ck_assert_uint_eq(ev[0].type, VGFB_EVENT_GUEST_GONE);
	close(ctl);
	vgfb_close(late);
	vgfb_close(a);
	test_daemon_stop(&d);
}
END_TEST

START_TEST(daemon_death_reaches_the_client)
{
	struct test_daemon d;
	struct vgfb *c;
	struct vgfb_event ev;
	struct vfio_device_gfx_plane_info info;
	uint32_t count;
	int fds_before;

	test_daemon_start(&d, sim2_args);
	fds_before = tier_count_fds(0);
	c = open_client(&d);
	vgfb_set_log_func(c, quiet_log, NULL);
	ck_assert_int_eq(vgfb_subscribe(c, VGFB_EVENT_MASK_ALL), 0);
	test_daemon_kill(&d);

	/* the event fd wakes up once, with GUEST_GONE, then stays quiet */
	{
		struct pollfd p = { .fd = vgfb_get_event_fd(c), .events = POLLIN };

		ck_assert_int_eq(poll(&p, 1, 5000), 1);
	}
	ck_assert_int_eq(vgfb_read_event(c, &ev), 0);
	ck_assert_uint_eq(ev.type, VGFB_EVENT_GUEST_GONE);
	ck_assert_int_eq(vgfb_read_event(c, &ev), -EAGAIN);
	ck_assert(!event_fd_ready(c));
	ck_assert_int_eq(vgfb_get_head_count(c, &count), -ENOTCONN);
	info.argsz = sizeof(info);
	info.flags = VFIO_GFX_PLANE_TYPE_REGION;
	info.drm_plane_type = PRIMARY;
	ck_assert_int_eq(vgfb_query_plane(c, &info), -ENOTCONN);
	vgfb_close(c);
	ck_assert_int_eq(tier_count_fds(0), fds_before);
}
END_TEST

START_TEST(socket_takeover_rules)
{
	struct test_daemon a, b;
	const char *bin = test_vgfbd_path();
	int status;
	pid_t pid;

	test_daemon_start(&a, sim2_args);
	/* a live daemon's socket is not stolen */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 2);
		execl(bin, bin, "--socket", a.socket, "--target", "sim",
		      (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	{
		struct vgfb *c = open_client(&a);

		vgfb_close(c);
	}
	/* a dead one's is replaced */
	kill(a.pid, SIGKILL);
	waitpid(a.pid, NULL, 0);
	a.pid = 0;
	ck_assert_int_eq(access(a.socket, F_OK), 0);
	b = a;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(bin, bin, "--socket", a.socket, "--target", "sim",
		      (char *)NULL);
		_exit(127);
	}
	b.pid = pid;
	for (int k = 0; k < 1000; k++) {
		struct vgfb *c = NULL;

		if (vgfb_open(b.target, &c) == 0) {
			vgfb_close(c);
			break;
		}
		ck_assert_int_lt(k, 999);
		usleep(5000);
	}
	test_daemon_stop(&b);
}
END_TEST

static int
run_vgfbd(const char *const *argv)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(bad_targets_exit_1)
{
	const char *bin = test_vgfbd_path();
	char dir[] = "/tmp/vgfbd-bad.XXXXXX", sock[64];
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/socket", dir);
	{
		const char *argv[] = { bin, "--socket", sock, "--target",
				       "no such target!", NULL };

		ck_assert_int_eq(run_vgfbd(argv), 1);
	}
	{
		const char *argv[] = { bin, "--socket", sock, "--target",
				       "sim:heads=99", NULL };

		ck_assert_int_eq(run_vgfbd(argv), 1);
	}
	{
		/* nobody listens there */
		char target[80];
		const char *argv[] = { bin, "--socket", sock, "--target", target,
				       NULL };

		snprintf(target, sizeof(target), "unix:%s/nothing", dir);
		ck_assert_int_eq(run_vgfbd(argv), 1);
	}
	/* nothing left behind */
	ck_assert(stat(sock, &st) < 0 && errno == ENOENT);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(bad_command_lines)
{
	static const char *const bad[][4] = {
		{ "--max-clients", "0", NULL },
		{ "--queue-len", "1", NULL },
		{ "--queue-len", "-5", NULL },
		{ "--socket-mode", "999", NULL },
		{ "--name", "../etc", NULL },
		{ "--bogus", NULL },
		{ "extra", NULL },
	};
	const char *bin = test_vgfbd_path();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[6] = { bin };
		int status, n = 1;
		pid_t pid;

		for (int k = 0; bad[i][k]; k++)
			argv[n++] = bad[i][k];
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			int devnull = open("/dev/null", O_WRONLY);

			dup2(devnull, 2);
			execv(bin, (char *const *)argv);
			_exit(127);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 2,
			      "%s %s: status 0x%x", argv[1], argv[2] ? argv[2] : "",
			      status);
	}
}
END_TEST

START_TEST(many_consumers)
{
	enum { N = 60 };
	/* one uid holds all of them: lift the per-uid limit (48 of 64) */
	static const char *const args[] = {
		"--target", "sim:heads=2", "--sim-control",
		"--max-clients-per-uid", "64", NULL,
	};
	struct test_daemon d;
	struct vgfb *c[N];
	struct vgfb_event ev[8];
	struct vgfb_msg hello;
	int ctl;

	test_daemon_start(&d, args);
	for (int i = 0; i < N; i++) {
		c[i] = open_client(&d);
		ck_assert_int_eq(vgfb_subscribe(c[i], VGFB_EVENT_MASK_ALL), 0);
	}
	ck_assert_int_eq(test_daemon_wait_fds(&d, d.base_fds + N, 2000),
			 d.base_fds + N);
	ctl = test_raw_connect(&d, &hello);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_FLIP, 1, 0, 0, 0, 0), 0);
	for (int i = 0; i < N; i++) {
		ck_assert(event_fd_ready(c[i]));
		ck_assert_uint_eq(read_events(c[i], ev, 8, 1000), 1);
		ck_assert_uint_eq(ev[0].type, FLIP);
		ck_assert_uint_eq(ev[0].head, 1);
		vgfb_close(c[i]);
	}
	close(ctl);
	ck_assert_int_eq(test_daemon_wait_fds(&d, d.base_fds, 2000), d.base_fds);
	test_daemon_stop(&d);
}
END_TEST

static uint64_t
xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static uint32_t
chaos_u32(uint64_t *x)
{
	static const uint32_t edge[] = {
		0, 1, 2, 3, 15, 16, 17, 63, 64, 255, 256, 4095, 4096, 16384,
		16385, 0x7fffffff, 0x80000000u, 0xfffffffeu, 0xffffffffu,
	};
	uint64_t r = xorshift(x);

	if (r % 3 == 0)
		return edge[(r >> 8) % (sizeof(edge) / sizeof(edge[0]))];
	return (uint32_t)(r >> 16) % (r % 5 == 0 ? 0xffffffffu : 2048u);
}

/* A SIM_CONTROL request: mostly cheap modes; the guest dies rarely, late. */
static void
random_sim_control(struct vgfb_msg *m, uint64_t *x, int iter)
{
	m->type = VGFB_MSG_SIM_CONTROL;
	/* the guest dies rarely, and late */
	m->sim.op = 1 + xorshift(x) % (iter > 2500 ? 5 : 4);
	m->sim.head = chaos_u32(x) % 3;
	for (int k = 0; k < 4; k++)
		m->sim.arg[k] = chaos_u32(x);
	if (m->sim.op == VGFB_SIM_SET_MODE && xorshift(x) % 4)
		m->sim.arg[2] = DRM_FORMAT_XRGB8888;
	if (m->sim.op == VGFB_SIM_SET_MODE) {
		/* keep drawing cheap most of the time */
		if (xorshift(x) % 8) {
			m->sim.arg[0] %= 800;
			m->sim.arg[1] %= 600;
		}
		m->sim.arg[3] = 0;
	}
	if (m->sim.op == VGFB_SIM_FLIP || m->sim.op == VGFB_SIM_DESTROY_GUEST)
		memset(m->sim.arg, 0, sizeof(m->sim.arg));
	if (m->sim.op == VGFB_SIM_DESTROY_GUEST)
		m->sim.head = 0;
	if (m->sim.op == VGFB_SIM_SET_CURSOR) {
		m->sim.arg[0] &= 1;
		m->sim.arg[3] = 0;
	}
}

/* A well-formed request of a random kind with hostile values. */
static void
random_request(struct vgfb_msg *m, uint64_t *x, int iter,
	       const uint32_t ids[8])
{
	static const uint32_t flags[] = {
		VFIO_GFX_PLANE_TYPE_DMABUF, VFIO_GFX_PLANE_TYPE_REGION,
		VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF,
		VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION,
	};

	memset(m, 0, sizeof(*m));
	switch (xorshift(x) % 8) {
	case 0:
	case 1:
		m->type = VGFB_MSG_QUERY;
		m->query_req.head = chaos_u32(x) % 3;
		m->query_req.want_ext = xorshift(x) & 1;
		m->query_req.info.argsz = sizeof(m->query_req.info);
		m->query_req.info.flags = flags[xorshift(x) % 4];
		if (!(m->query_req.info.flags & VFIO_GFX_PLANE_TYPE_PROBE))
			m->query_req.info.drm_plane_type = 1 + xorshift(x) % 2;
		break;
	case 2:
		m->type = xorshift(x) & 1 ? VGFB_MSG_GET_REGION
					  : VGFB_MSG_GET_DMABUF;
		m->u32.value = xorshift(x) & 1 ? ids[xorshift(x) % 8]
					       : chaos_u32(x);
		break;
	case 3:
	case 4:
		random_sim_control(m, x, iter);
		break;
	case 5:
		m->type = VGFB_MSG_SUBSCRIBE;
		m->u32.value = (uint32_t)xorshift(x) & VGFB_EVENT_MASK_ALL;
		break;
	case 6:
		m->type = VGFB_MSG_HEAD_COUNT;
		break;
	default:
		/* a valid header over random bytes of a random length */
		m->type = (uint16_t)(xorshift(x) % 10);
		break;
	}
}

/*
 * m encoded into buf, or (when m does not encode) a valid header of m's
 * type over random bytes of a random length.  The length; *valid: m encoded.
 */
static int
encode_or_garbage(const struct vgfb_msg *m, uint64_t *x, unsigned char *buf,
		  size_t len, bool *valid)
{
	struct vgfb_msg_hdr h = {
		VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, m->type, 0,
	};
	int n = vgfb__proto_encode(m, VGFB_PROTO_TO_SERVER, buf, len);

	*valid = n > 0;
	if (*valid)
		return n;
	h.len = (uint32_t)(xorshift(x) % 100);
	for (uint32_t k = 0; k < h.len; k++)
		buf[12 + k] = (unsigned char)xorshift(x);
	memcpy(buf, &h, sizeof(h));
	return (int)(12 + h.len);
}

/* What the random conversation saw. */
struct conversation {
	uint32_t ids[8];	/* dma-buf ids seen, for GET_* requests */
	unsigned int answered, dropped, fds;
	bool destroyed;		/* the sim guest was destroyed */
	int sock;		/* the raw connection; -1 after a drop */
};

/* One request on the raw connection, its answer judged; true: well-formed. */
static bool
converse_once(struct test_daemon *d, struct conversation *cv, uint64_t *x,
	      int iter)
{
	struct vgfb_msg m, r, hello;
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	bool valid;
	int n, fd, rc;

	if (cv->sock < 0)
		cv->sock = test_raw_connect(d, &hello);
	random_request(&m, x, iter, cv->ids);
	n = encode_or_garbage(&m, x, buf, sizeof(buf), &valid);
	test_raw_send(cv->sock, buf, (size_t)n, NULL, 0);
	rc = test_raw_reply(cv->sock, &r, &fd, NULL, 10000);
	if (fd >= 0) {
		cv->fds++;
		close(fd);
	}
	if (rc == 0 && r.type == VGFB_MSG_QUERY && r.query_reply.info.dmabuf_id)
		cv->ids[xorshift(x) % 8] = r.query_reply.info.dmabuf_id;
	if (rc == 0 && r.type == VGFB_MSG_SIM_CONTROL &&
	    r.u32.value == VGFB_SIM_DESTROY_GUEST)
		cv->destroyed = true;
	if (valid) {
		ck_assert_msg(rc == 0, "iteration %d: %s got no answer (%d)",
			      iter, vgfb__proto_type_name(m.type), rc);
		ck_assert(r.type == m.type || (r.type == VGFB_MSG_ERROR &&
			  r.error.request_type == m.type));
		cv->answered++;
		return true;
	}
	/* malformed (or valid by chance): an answer, or ERROR + drop */
	if (rc != 0 || (r.type == VGFB_MSG_ERROR &&
			test_raw_hung_up(cv->sock, 5000))) {
		close(cv->sock);
		cv->sock = -1;
		cv->dropped++;
	}
	return false;
}

/*
 * A long random conversation: well-formed requests with hostile values
 * (huge modes, rectangles off the screen, stale ids, heads that do not
 * exist), interleaved with malformed ones.  A well-formed request always
 * gets an answer and never costs the connection; a malformed one gets the
 * client dropped; the daemon never dies and ends with its baseline fds.
 */
START_TEST(random_conversation)
{
	static const char *const args[] = {
		"--target", "sim:heads=2", "--sim-control", "--queue-len", "4",
		NULL,
	};
	struct conversation cv = { .sock = -1 };
	struct test_daemon d;
	struct vgfb *watcher;
	struct vgfb_event ev[64];
	uint64_t x = 0x1234567887654321ull;
	uint32_t count;
	int rc;

	test_daemon_start(&d, args);
	watcher = open_client(&d);
	ck_assert_int_eq(vgfb_subscribe(watcher, VGFB_EVENT_MASK_ALL), 0);

	for (int iter = 0; iter < 3000; iter++) {
		/* the watcher reads now and then (after a malformed one) */
		if (!converse_once(&d, &cv, &x, iter) && iter % 100 == 0)
			read_events(watcher, ev, 64, 0);
	}
	if (cv.sock >= 0)
		close(cv.sock);
	ck_assert_uint_gt(cv.answered, 1000);
	ck_assert_uint_gt(cv.dropped, 50);
	ck_assert_uint_gt(cv.fds, 0);
	/* the watcher's connection survived everything */
	while (read_events(watcher, ev, 64, 0))
		;
	rc = vgfb_get_head_count(watcher, &count);
	ck_assert(rc == 0 || rc == -ENODEV);
	vgfb_close(watcher);
	/* a destroyed sim guest has closed its RAM memfd */
	ck_assert_int_eq(test_daemon_wait_fds(&d, d.base_fds - cv.destroyed,
					      5000),
			 d.base_fds - cv.destroyed);
	test_daemon_stop(&d);
}
END_TEST

/*
 * A daemon whose target is another daemon: the client context behaves like
 * an in-process one (queries, fds, events through its event fd), and the
 * upstream's death reaches the downstream consumers as GUEST_GONE.
 */
START_TEST(daemon_relays_a_daemon)
{
	struct test_daemon up, down;
	const char *args[] = { "--target", NULL, NULL };
	struct vgfb *c;
	struct vgfb_event ev[8];
	struct vfio_device_gfx_plane_info info;
	struct vgfb_msg hello;
	void *p;
	int ctl, fd;

	test_daemon_start(&up, sim2_args);
	args[1] = up.target;
	test_daemon_start(&down, args);
	c = open_client(&down);
	vgfb_set_log_func(c, quiet_log, NULL);
	ck_assert_int_eq(vgfb_subscribe(c, VGFB_EVENT_MASK_ALL), 0);
	query(c, 1, PRIMARY, &info, NULL);
	fd = vgfb_get_region_fd(c, info.region_index);
	ck_assert_int_ge(fd, 0);
	p = test_map(fd, info.size);
	ck_assert_ptr_nonnull(p);
	munmap(p, info.size);
	close(fd);

	ctl = test_raw_connect(&up, &hello);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_FLIP, 1, 0, 0, 0, 0), 0);
	ck_assert_uint_eq(read_events(c, ev, 8, 5000), 1);
	ck_assert_uint_eq(ev[0].type, FLIP);
	ck_assert_uint_eq(ev[0].head, 1);
	close(ctl);

	test_daemon_kill(&up);
	ck_assert_uint_eq(read_events(c, ev, 8, 5000), 1);
	ck_assert_uint_eq(ev[0].type, VGFB_EVENT_GUEST_GONE);
	vgfb_close(c);
	/* the downstream daemon lives on */
	c = open_client(&down);
	vgfb_close(c);
	test_daemon_stop(&down);
}
END_TEST

/* Type=notify without libsystemd: READY=1 once listening, STOPPING=1. */
START_TEST(systemd_notify)
{
	static const char *const args[] = { "--target", "sim", NULL };
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/vgfb-notify.XXXXXX", buf[64];
	struct pollfd p;
	struct test_daemon d;
	ssize_t n;
	int s;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/notify", dir);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&addr, sizeof(addr)), 0);
	setenv("NOTIFY_SOCKET", addr.sun_path, 1);
	test_daemon_start(&d, args);
	unsetenv("NOTIFY_SOCKET");
	p = (struct pollfd){ .fd = s, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	n = recv(s, buf, sizeof(buf) - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "READY=1");
	test_daemon_stop(&d);
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	n = recv(s, buf, sizeof(buf) - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "STOPPING=1");
	close(s);
	unlink(addr.sun_path);
	rmdir(dir);
}
END_TEST

/* ---- the client against a daemon that lies ---- */

typedef void (*fake_script)(int conn);

/* Listen at path, then serve one connection with script in a child. */
static pid_t
fake_daemon(const char *path, fake_script script)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	pid_t pid;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	unlink(path);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(listen(l, 4), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			_exit(1);
		script(c);
		_exit(0);
	}
	close(l);
	return pid;
}

static void
fake_send(int conn, const struct vgfb_msg *m, int fd)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int n = vgfb__proto_encode(m, VGFB_PROTO_TO_CLIENT, buf, sizeof(buf));

	if (n < 0 || vgfb__proto_send(conn, buf, (size_t)n, fd, 0) < 0)
		_exit(2);
}

static void
fake_hello(int conn)
{
	struct vgfb_msg m = { .type = VGFB_MSG_HELLO };

	m.hello.version = VGFB_PROTO_VERSION;
	m.hello.head_count = 1;
	m.hello.caps = VGFB_CAP_REGION;
	m.hello.max_msg = VGFB_PROTO_MAX_MSG;
	strcpy(m.hello.backend, "fake");
	strcpy(m.hello.exporter, "region");
	fake_send(conn, &m, -1);
}

/* The next request; exits the script unless it is of type want (0: any). */
static void
wait_request_of(int conn, uint16_t want, struct vgfb_msg *m)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	unsigned int n_fds;
	int n;

	n = vgfb__proto_recv(conn, buf, sizeof(buf), NULL, 0, &n_fds, 0);
	if (n <= 0)
		_exit(3);
	if (vgfb__proto_parse(buf, (size_t)n, VGFB_PROTO_TO_SERVER, m) ||
	    (want && m->type != want))
		_exit(8);
}

static void
wait_request(int conn)
{
	struct vgfb_msg m;

	wait_request_of(conn, 0, &m);
}

/* HELLO, and VERSION answered as a revision 2 daemon without input. */
static void
fake_greet(int conn)
{
	struct vgfb_msg m = { .type = VGFB_MSG_VERSION };

	fake_hello(conn);
	wait_request_of(conn, VGFB_MSG_VERSION, &m);
	m.version.version = 2;
	m.version.caps = 0;
	fake_send(conn, &m, -1);
}

static void
hello_in_version(int conn, uint16_t version)
{
	unsigned char buf[64] = { 0 };

	hdr(buf, VGFB_PROTO_MAGIC, version, VGFB_MSG_HELLO, 48);
	send(conn, buf, 60, MSG_NOSIGNAL);
	pause();
}

/* A HELLO of a future revision that changed it. */
static void
script_version_3(int conn)
{
	hello_in_version(conn, 3);
}

/* HELLO in a revision 2 header: HELLO is revision 1's. */
static void
script_hello_in_version_2(int conn)
{
	hello_in_version(conn, 2);
}

static void
script_refuse(int conn)
{
	struct vgfb_msg m = { .type = VGFB_MSG_ERROR, .error = { 0, 0, -EBUSY } };

	fake_send(conn, &m, -1);
	pause();
}

static void
script_silent(int conn)
{
	pause();
}

/* HEAD_COUNT answered with an fd attached: a lie the client must refuse. */
static void
script_fd_on_head_count(int conn)
{
	struct vgfb_msg m = { .type = VGFB_MSG_HEAD_COUNT, .u32 = { 1, 0 } };
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int n, p[2];

	fake_greet(conn);
	wait_request(conn);
	if (pipe(p))
		_exit(4);
	n = vgfb__proto_encode(&m, VGFB_PROTO_TO_CLIENT, buf, sizeof(buf));
	if (vgfb__proto_send(conn, buf, (size_t)n, p[1], 0))
		_exit(5);
	close(p[1]);
	/* tell the test, through stdout-less means: EOF on p[0] after the
	 * client closed what it got; wait for it */
	{
		char c;

		if (read(p[0], &c, 1) != 0)
			_exit(6);
	}
	_exit(0);
}

/* An answer to another question. */
static void
script_wrong_reply(int conn)
{
	struct vgfb_msg m = { .type = VGFB_MSG_SUBSCRIBE, .u32 = { 0x7e, 0 } };

	fake_greet(conn);
	wait_request(conn);
	fake_send(conn, &m, -1);
	pause();
}

/* GET_REGION answered for another id. */
static void
script_wrong_id(int conn)
{
	struct vgfb_msg m = { .type = VGFB_MSG_GET_REGION, .u32 = { 99, 0 } };
	int p[2];

	fake_greet(conn);
	wait_request(conn);
	if (pipe(p))
		_exit(4);
	fake_send(conn, &m, p[0]);
	close(p[0]);
	{
		char c = 0;

		/* the client closes the fd it refused: our write end sees EPIPE */
		signal(SIGPIPE, SIG_IGN);
		for (int k = 0; k < 5000; k++) {
			if (write(p[1], &c, 1) < 0 && errno == EPIPE)
				_exit(0);
			usleep(1000);
		}
	}
	_exit(7);
}

static void
script_garbage_event(int conn)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG] = { 0 };
	struct vgfb_msg m = { .type = VGFB_MSG_SUBSCRIBE, .u32 = { 0x7e, 0 } };

	fake_greet(conn);
	wait_request(conn);
	fake_send(conn, &m, -1);
	hdr(buf, VGFB_PROTO_MAGIC, VGFB_PROTO_VERSION, VGFB_MSG_EVENT, 40);
	buf[12] = 42;	/* no such event type */
	send(conn, buf, 52, MSG_NOSIGNAL);
	pause();
}

/* Events, forever, instead of the reply. */
static void
script_event_flood(int conn)
{
	struct vgfb_msg m = { .type = VGFB_MSG_EVENT };

	m.events.n = 1;
	m.events.ev[0].type = VGFB_EVENT_OVERFLOW;
	fake_greet(conn);
	wait_request(conn);
	for (;;) {
		fake_send(conn, &m, -1);
		usleep(1000);
	}
}

/* Something other than HELLO first. */
static void
script_no_hello(int conn)
{
	struct vgfb_msg m = { .type = VGFB_MSG_HEAD_COUNT, .u32 = { 1, 0 } };

	fake_send(conn, &m, -1);
	pause();
}

static void
fake_case(fake_script script, int (*body)(struct vgfb *ctx), int want_open,
	  int want_body, int want_status)
{
	char dir[] = "/tmp/vgfb-fake.XXXXXX", path[64];
	struct vgfb *ctx = NULL;
	int status, rc, fds_before = tier_count_fds(0);
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/socket", dir);
	pid = fake_daemon(path, script);
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "%s", "");
	{
		char target[80];

		snprintf(target, sizeof(target), "unix:%s", path);
		rc = vgfb_open(target, &ctx);
	}
	ck_assert_int_eq(rc, want_open);
	if (rc == 0) {
		vgfb_set_log_func(ctx, quiet_log, NULL);
		ck_assert_int_eq(body(ctx), want_body);
		vgfb_close(ctx);
	}
	if (want_status < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	} else {
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) ==
			      want_status, "fake daemon status 0x%x", status);
	}
	ck_assert_int_eq(tier_count_fds(0), fds_before);
	unlink(path);
	rmdir(dir);
}

static int
body_head_count(struct vgfb *ctx)
{
	uint32_t n;
	int rc = vgfb_get_head_count(ctx, &n);

	/* once broken, always broken */
	if (rc && vgfb_get_head_count(ctx, &n) != -ENOTCONN)
		return -1000;
	return rc;
}

static int
body_region(struct vgfb *ctx)
{
	return vgfb_get_region_fd(ctx, 5);
}

static int
body_subscribe_and_read(struct vgfb *ctx)
{
	struct vgfb_event ev;
	struct pollfd p = { .fd = vgfb_get_event_fd(ctx), .events = POLLIN };
	int rc = vgfb_subscribe(ctx, VGFB_EVENT_MASK_ALL);

	if (rc)
		return rc;
	if (poll(&p, 1, 5000) != 1)
		return -1001;
	/* the garbage breaks the connection: GUEST_GONE, then nothing */
	rc = vgfb_read_event(ctx, &ev);
	if (rc || ev.type != VGFB_EVENT_GUEST_GONE)
		return -1002;
	return vgfb_read_event(ctx, &ev);
}

START_TEST(client_refuses_a_lying_daemon)
{
	fake_case(script_version_3, body_head_count, -EPROTONOSUPPORT, 0, -1);
	fake_case(script_hello_in_version_2, body_head_count, -EPROTO, 0, -1);
	fake_case(script_refuse, body_head_count, -EBUSY, 0, -1);
	fake_case(script_fd_on_head_count, body_head_count, 0, -EPROTO, 0);
	fake_case(script_wrong_reply, body_head_count, 0, -EPROTO, -1);
	fake_case(script_wrong_id, body_region, 0, -EPROTO, 0);
	fake_case(script_garbage_event, body_subscribe_and_read, 0, -EAGAIN, -1);
	fake_case(script_no_hello, body_head_count, -EPROTO, 0, -1);
}
END_TEST

START_TEST(client_times_out_on_a_silent_daemon)
{
	/* VGFB_CLIENT_TIMEOUT_MS (default 10 s) is read at vgfb_open() */
	setenv("VGFB_CLIENT_TIMEOUT_MS", "300", 1);
	fake_case(script_silent, body_head_count, -ETIMEDOUT, 0, -1);
	/* events keep coming, the reply never does: still one deadline */
	fake_case(script_event_flood, body_head_count, 0, -ETIMEDOUT, -1);
	unsetenv("VGFB_CLIENT_TIMEOUT_MS");
}
END_TEST

START_TEST(client_open_errors)
{
	struct vgfb *ctx = NULL;
	char longpath[200];
	int fds_before = tier_count_fds(0);

	ck_assert_int_eq(vgfb_open("unix:/nonexistent/vgfb/socket", &ctx),
			 -ENOENT);
	memset(longpath, 'a', sizeof(longpath));
	memcpy(longpath, "unix:/", 6);
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(vgfb_open(longpath, &ctx), -ENAMETOOLONG);
	ck_assert_ptr_null(ctx);
	ck_assert_int_eq(tier_count_fds(0), fds_before);
}
END_TEST

/* ---- input, and protocol revision 2 beside revision 1 ---- */

/* VERSION on a raw connection: the daemon's caps, or its negative errno. */
static int64_t
raw_version(int sock)
{
	struct vgfb_msg m = { .type = VGFB_MSG_VERSION }, r;
	int fd, rc;

	m.version.version = VGFB_PROTO_REVISION;
	test_raw_send_msg(sock, &m);
	rc = test_raw_reply(sock, &r, &fd, NULL, 5000);
	if (rc)
		return rc;
	if (r.type == VGFB_MSG_ERROR)
		return r.error.error;
	ck_assert_int_eq(r.type, VGFB_MSG_VERSION);
	ck_assert_uint_eq(r.version.version, 2);
	return r.version.caps;
}

/* A request on a raw connection: 0, or the ERROR's errno. */
static int
raw_request(int sock, const struct vgfb_msg *m, struct vgfb_msg *r)
{
	int fd, rc;

	test_raw_send_msg(sock, m);
	rc = test_raw_reply(sock, r, &fd, NULL, 5000);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(fd, -1);
	if (r->type == VGFB_MSG_ERROR) {
		ck_assert_uint_eq(r->error.request_type, m->type);
		return r->error.error;
	}
	ck_assert_uint_eq(r->type, m->type);
	return 0;
}

START_TEST(input_reaches_the_guest_through_the_daemon)
{
	const struct vgfb_input_event ev[] = {
		test_key(KEY_A, 1), test_key(KEY_A, 0),
		{ .type = VGFB_INPUT_ABS, .x = 1023, .y = 767 },
		test_key(BTN_RIGHT, 1),
		{ .type = VGFB_INPUT_WHEEL, .code = 1, .value = -1 },
	};
	const uint32_t n = sizeof(ev) / sizeof(ev[0]);
	struct test_daemon d;
	struct vgfb_input_event got, bad = test_key(KEY_MAX + 1, 1);
	struct vgfb *a, *b;
	uint32_t head;

	test_daemon_start(&d, sim2_args);
	a = open_client(&d);
	b = open_client(&d);
	ck_assert_int_eq(vgfb_sim_read_input(b, &head, &got), -EAGAIN);
	ck_assert_int_eq(vgfb_send_input(a, ev, 2), 0);
	ck_assert_int_eq(vgfb_set_head(a, 1), 0);
	ck_assert_int_eq(vgfb_send_input(a, ev + 2, n - 2), 0);
	ck_assert_int_eq(vgfb_send_input(a, &bad, 1), -EINVAL);
	/* one guest: another consumer reads what the first sent */
	for (uint32_t i = 0; i < n; i++) {
		ck_assert_int_eq(vgfb_sim_read_input(b, &head, &got), 0);
		ck_assert_uint_eq(head, i < 2 ? 0 : 1);
		ck_assert_mem_eq(&got, &ev[i], sizeof(got));
	}
	ck_assert_int_eq(vgfb_sim_read_input(b, &head, &got), -EAGAIN);
	vgfb_close(a);
	vgfb_close(b);
	test_daemon_stop(&d);
}
END_TEST

START_TEST(input_refused_or_missing)
{
	static const char *const no_input[] = {
		"--target", "sim", "--sim-control", "--no-input", NULL,
	};
	static const char *const guest_without[] = {
		"--target", "sim:input=off", "--sim-control", NULL,
	};
	static const char *const no_control[] = { "--target", "sim", NULL };
	struct vgfb_input_event ev = test_key(KEY_ENTER, 1);
	struct vgfb_msg hello, m = { .type = VGFB_MSG_INPUT }, r;
	struct test_daemon d;
	struct vgfb *ctx;
	uint32_t head, count;
	int sock;

	/* --no-input: no INPUT cap, so no round trip; raw INPUT is EPERM */
	test_daemon_start(&d, no_input);
	ctx = open_client(&d);
	ck_assert_int_eq(vgfb_send_input(ctx, &ev, 1), -ENOTSUP);
	ck_assert_int_eq(vgfb_get_head_count(ctx, &count), 0);
	vgfb_close(ctx);
	sock = test_raw_connect(&d, &hello);
	ck_assert_int_eq(raw_version(sock), 0);
	m.input.n = 1;
	m.input.w.ev[0] = ev;
	ck_assert_int_eq(raw_request(sock, &m, &r), -EPERM);
	m = (struct vgfb_msg){ .type = VGFB_MSG_HEAD_COUNT };
	ck_assert_int_eq(raw_request(sock, &m, &r), 0);	/* not dropped */
	close(sock);
	test_daemon_stop(&d);

	/* a guest without an input channel */
	test_daemon_start(&d, guest_without);
	ctx = open_client(&d);
	ck_assert_int_eq(vgfb_send_input(ctx, &ev, 1), -ENOTSUP);
	ck_assert_int_eq(vgfb_sim_read_input(ctx, &head, &ev), -ENOTSUP);
	vgfb_close(ctx);
	test_daemon_stop(&d);

	/* no --sim-control: no readback, raw SIM_READ_INPUT is EPERM */
	test_daemon_start(&d, no_control);
	ctx = open_client(&d);
	ck_assert_int_eq(vgfb_send_input(ctx, &ev, 1), 0);
	ck_assert_int_eq(vgfb_sim_read_input(ctx, &head, &ev), -ENOTSUP);
	vgfb_close(ctx);
	sock = test_raw_connect(&d, &hello);
	ck_assert_int_eq(raw_version(sock), VGFB_CAP2_INPUT);
	m = (struct vgfb_msg){ .type = VGFB_MSG_SIM_READ_INPUT };
	ck_assert_int_eq(raw_request(sock, &m, &r), -EPERM);
	close(sock);
	test_daemon_stop(&d);
}
END_TEST

/*
 * A revision 1 client, as built before revision 2 existed: byte-identical
 * traffic, and every revision 2 message it might send by mistake before
 * VERSION costs it the connection.
 */
START_TEST(revision_1_client_against_revision_2_daemon)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG] = { 0 }, rep[VGFB_PROTO_MAX_MSG];
	struct vgfb_msg hello, r, m = { .type = VGFB_MSG_INPUT };
	struct test_daemon d;
	struct vgfb_msg_hdr h;
	struct vgfb *good;
	unsigned int n_fds;
	int sock, baseline, n;

	test_daemon_start(&d, sim2_args);
	good = open_client(&d);
	baseline = d.base_fds + 1;

	/* HEAD_COUNT as a revision 1 client writes it, and its answer */
	sock = test_raw_connect(&d, &hello);
	ck_assert_uint_eq(hello.hello.version, 1);
	hdr(buf, VGFB_PROTO_MAGIC, 1, VGFB_MSG_HEAD_COUNT, 0);
	test_raw_send(sock, buf, 12, NULL, 0);
	n = vgfb__proto_recv(sock, rep, sizeof(rep), NULL, 0, &n_fds, 0);
	ck_assert_int_eq(n, 20);
	memcpy(&h, rep, sizeof(h));
	ck_assert_uint_eq(h.magic, VGFB_PROTO_MAGIC);
	ck_assert_uint_eq(h.version, 1);
	ck_assert_uint_eq(h.type, VGFB_MSG_HEAD_COUNT);
	ck_assert_uint_eq(h.len, 8);
	ck_assert_int_eq(rep[12], 2);
	/* an ERROR is a revision 1 message too, also for SIM_CONTROL */
	ck_assert_int_eq(test_sim(sock, VGFB_SIM_FLIP, 7, 0, 0, 0, 0), -EINVAL);
	close(sock);

	/* revision 2 messages before VERSION */
	m.input.n = 1;
	m.input.w.ev[0] = test_key(KEY_A, 1);
	n = vgfb__proto_encode(&m, VGFB_PROTO_TO_SERVER, buf, sizeof(buf));
	send_bad_expect_drop(&d, good, baseline, buf, (size_t)n, NULL, 0,
			     -EBADMSG, "INPUT before VERSION");
	m = (struct vgfb_msg){ .type = VGFB_MSG_SIM_READ_INPUT };
	n = vgfb__proto_encode(&m, VGFB_PROTO_TO_SERVER, buf, sizeof(buf));
	send_bad_expect_drop(&d, good, baseline, buf, (size_t)n, NULL, 0,
			     -EBADMSG, "SIM_READ_INPUT before VERSION");
	/* VERSION twice */
	sock = test_raw_connect(&d, &hello);
	ck_assert_int_eq(raw_version(sock), VGFB_CAP2_INPUT);
	m = (struct vgfb_msg){ .type = VGFB_MSG_VERSION };
	m.version.version = 2;
	test_raw_send_msg(sock, &m);
	ck_assert_int_eq(test_raw_reply(sock, &r, &n, NULL, 5000), 0);
	ck_assert_int_eq(r.type, VGFB_MSG_ERROR);
	ck_assert_int_eq(r.error.error, -EBADMSG);
	ck_assert(test_raw_hung_up(sock, 5000));
	close(sock);
	/* a client offering a newer revision gets ours */
	sock = test_raw_connect(&d, &hello);
	m.version.version = 9;
	ck_assert_int_eq(raw_request(sock, &m, &r), 0);
	ck_assert_uint_eq(r.version.version, 2);
	close(sock);
	ck_assert_int_eq(test_daemon_wait_fds(&d, baseline, 5000), baseline);
	vgfb_close(good);
	test_daemon_stop(&d);
}
END_TEST

/*
 * A revision 1 daemon, faked: it answers VERSION's revision 2 header as
 * vgfbd 0.1 does (ERROR -EPROTONOSUPPORT, or just a hang-up) and serves
 * the client's second connection.  The client must come back as a
 * revision 1 client, silently, and have no input.
 */
static pid_t
fake_v1_daemon(const char *path, bool send_error, int report)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	pid_t pid;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	unlink(path);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(listen(l, 4), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		unsigned char buf[VGFB_PROTO_MAX_MSG];
		struct vgfb_msg m;
		struct vgfb_msg_hdr h;
		unsigned int n_fds;
		int c, n;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			_exit(1);
		fake_hello(c);
		n = vgfb__proto_recv(c, buf, sizeof(buf), NULL, 0, &n_fds, 0);
		memcpy(&h, buf, sizeof(h));
		if (n != 20 || h.version != 2 || h.type != VGFB_MSG_VERSION)
			_exit(10);
		if (send_error) {
			m = (struct vgfb_msg){ .type = VGFB_MSG_ERROR };
			m.error.request_type = h.type;
			m.error.error = -EPROTONOSUPPORT;
			fake_send(c, &m, -1);
		}
		close(c);
		c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			_exit(11);
		fake_hello(c);
		/* revision 1 only from now on: a HEAD_COUNT, in version 1 */
		n = vgfb__proto_recv(c, buf, sizeof(buf), NULL, 0, &n_fds, 0);
		memcpy(&h, buf, sizeof(h));
		if (n != 12 || h.version != 1 || h.type != VGFB_MSG_HEAD_COUNT)
			_exit(12);
		m = (struct vgfb_msg){ .type = VGFB_MSG_HEAD_COUNT };
		m.u32.value = 1;
		fake_send(c, &m, -1);
		/* tell the test nothing else came */
		n = vgfb__proto_recv(c, buf, sizeof(buf), NULL, 0, &n_fds, 0);
		if (write(report, &n, sizeof(n)) != sizeof(n))
			_exit(13);
		_exit(0);
	}
	close(l);
	return pid;
}

/* vgfb_open() with stderr (the default log handler's) in a file. */
static int
open_capturing_stderr(const char *target, struct vgfb **ctx, off_t *said)
{
	int saved = dup(2), tmp = memfd_create("stderr", MFD_CLOEXEC), rc;

	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(tmp, 0);
	ck_assert_int_eq(dup2(tmp, 2), 2);
	rc = vgfb_open(target, ctx);
	ck_assert_int_eq(dup2(saved, 2), 2);
	close(saved);
	*said = lseek(tmp, 0, SEEK_END);
	close(tmp);
	return rc;
}

START_TEST(revision_2_client_against_revision_1_daemon)
{
	char dir[] = "/tmp/vgfb-fake.XXXXXX", path[64], target[80];
	struct vgfb_input_event ev = test_key(KEY_A, 1);
	int status, last, p[2];
	struct vgfb *ctx;
	uint32_t count, head;
	off_t said;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/socket", dir);
	snprintf(target, sizeof(target), "unix:%s", path);
	for (int with_error = 0; with_error <= 1; with_error++) {
		pid_t pid;

		ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
		pid = fake_v1_daemon(path, with_error, p[1]);
		close(p[1]);
		ctx = NULL;
		/* silently: the default handler prints errors to stderr */
		ck_assert_int_eq(open_capturing_stderr(target, &ctx, &said), 0);
		ck_assert_int_eq(said, 0);
		ck_assert_int_eq(vgfb_send_input(ctx, &ev, 1), -ENOTSUP);
		ck_assert_int_eq(vgfb_sim_read_input(ctx, &head, &ev),
				 -ENOTSUP);
		ck_assert_int_eq(vgfb_get_head_count(ctx, &count), 0);
		ck_assert_uint_eq(count, 1);
		vgfb_close(ctx);
		/* after HEAD_COUNT, nothing but the hang-up */
		ck_assert_int_eq(read(p[0], &last, sizeof(last)), sizeof(last));
		ck_assert_int_eq(last, 0);
		close(p[0]);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "fake daemon status 0x%x", status);
	}
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *
daemon_suite(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc;

	tc = tcase_create("semantics");
	tcase_set_timeout(tc, 60);
	test_add_fd_leak_check(tc);
	tcase_add_test(tc, client_answers_like_in_process);
	tcase_add_test(tc, disabled_plane_is_zeroed_success);
	tcase_add_test(tc, client_open_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_set_timeout(tc, 120);
	test_add_fd_leak_check(tc);
	tcase_add_test(tc, events_reach_every_consumer_in_order);
	tcase_add_test(tc, damage_is_per_consumer);
	tcase_add_test(tc, region_is_live_through_the_daemon);
	tcase_add_test(tc, slow_consumer_gets_coalesced_events);
	suite_add_tcase(s, tc);

	tc = tcase_create("robustness");
	tcase_set_timeout(tc, 120);
	test_add_fd_leak_check(tc);
	tcase_add_test(tc, malformed_clients_are_dropped_alone);
	tcase_add_test(tc, consumer_killed_mid_stream);
	tcase_add_test(tc, stalled_consumer_is_dropped);
	tcase_add_test(tc, sim_control_needs_the_option);
	tcase_add_test(tc, client_limit);
	tcase_add_test(tc, per_uid_limit);
	tcase_add_test(tc, guest_gone_is_told_and_survived);
	tcase_add_test(tc, daemon_death_reaches_the_client);
	tcase_add_test(tc, socket_takeover_rules);
	tcase_add_test(tc, bad_command_lines);
	tcase_add_test(tc, bad_targets_exit_1);
	tcase_add_test(tc, many_consumers);
	tcase_add_test(tc, random_conversation);
	tcase_add_test(tc, daemon_relays_a_daemon);
	tcase_add_test(tc, systemd_notify);
	suite_add_tcase(s, tc);

	tc = tcase_create("input");
	tcase_set_timeout(tc, 60);
	test_add_fd_leak_check(tc);
	tcase_add_test(tc, input_reaches_the_guest_through_the_daemon);
	tcase_add_test(tc, input_refused_or_missing);
	tcase_add_test(tc, revision_1_client_against_revision_2_daemon);
	tcase_add_test(tc, revision_2_client_against_revision_1_daemon);
	suite_add_tcase(s, tc);

	tc = tcase_create("lying-daemon");
	tcase_set_timeout(tc, 60);
	test_add_fd_leak_check(tc);
	tcase_add_test(tc, client_refuses_a_lying_daemon);
	tcase_add_test(tc, client_times_out_on_a_silent_daemon);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	const char *bin = test_vgfbd_path();

	signal(SIGPIPE, SIG_IGN);
	if (access(bin, X_OK) != 0) {
		/* a build product, not an optional prerequisite: fail */
		fprintf(stderr, "test-daemon: %s is not built (set VGFBD)\n", bin);
		return 99;
	}
	return test_run(daemon_suite());
}
