/* SPDX-License-Identifier: MIT */
/*
 * Soak and fault tests of vgfbd (issue #15), bounded in size, larger by
 * option:
 *
 *   churn:   VGFB_SOAK_CONSUMERS (64) consumer processes on one vgfbd
 *            while its sim guest makes VGFB_SOAK_CHANGES (10^4) random
 *            changes (flips, in-place updates, resizes, disables, cursor
 *            moves, on both heads).  Consumers are SIGKILLed and replaced,
 *            or SIGSTOPped for a while, at random.  The daemon's fds must
 *            stay within one per client plus its bounded plane cache, its
 *            anonymous memory must stay flat between the second and the
 *            last quarter, and every consumer alive at the end must see
 *            the final state.
 *   restart: vgfbd SIGKILLed under running consumers: each one's next call
 *            fails with a clear error (not a hang, not a crash), a new
 *            vgfbd takes over the stale socket, every consumer reconnects
 *            and sees the new daemon's guest; the directory holds nothing
 *            but the socket, and nothing once the daemon stops.
 *
 * The random sequence is seeded from VGFB_SOAK_SEED (printed), so a
 * failure can be replayed.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <drm_fourcc.h>

#include <vgfb/vgfb.h>

#include "daemon-util.h"
#include "format.h"
#include "test-common.h"

#define MAX_CONSUMERS 256
/*
 * Plane views the daemon may keep open without any client: one REGION
 * view (a memfd) per cache entry, CACHE_ENTRIES in backend/core/mediator.c.
 * A bound, whatever the number of changes.
 */
#define DAEMON_PLANE_CACHE 16

static const char *const soak_args[] = {
	"--target", "sim:heads=2", "--sim-control", "--max-clients=300",
	"--max-clients-per-uid=300", NULL,
};

static unsigned long
env_ulong(const char *name, unsigned long def, unsigned long max)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoul(s, &end, 10);
	ck_assert_msg(!errno && !*end && v > 0 && v <= max,
		      "%s=%s: want 1..%lu", name, s, max);
	return v;
}

static uint64_t
xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* What a consumer saw of head 0 when told to report. */
struct report {
	pid_t pid;
	int rc;			/* 0, or the failing call's negative errno */
	uint32_t width, height, drm_format;
	uint64_t frame_seq;
	uint32_t reconnects;	/* connections after the first, and failed tries */
};

static struct vgfb *
consumer_connect(const char *target, unsigned int *reconnects)
{
	struct vgfb *ctx = NULL;

	/* a replaced daemon needs a moment to listen: retry for 10 s (each
	 * failed try counts as a reconnect) */
	for (int i = 0; i < 1000; i++) {
		if (vgfb_open(target, &ctx) == 0 &&
		    vgfb_subscribe(ctx, VGFB_EVENT_MASK_ALL) == 0)
			return ctx;
		if (ctx)
			vgfb_close(ctx);
		ctx = NULL;
		(*reconnects)++;
		usleep(10000);
	}
	return NULL;
}

/* A query of the primary plane, as every consumer here asks it. */
static struct vfio_device_gfx_plane_info
primary_query(void)
{
	return (struct vfio_device_gfx_plane_info){
		.argsz = sizeof(struct vfio_device_gfx_plane_info),
		.flags = VFIO_GFX_PLANE_TYPE_REGION,
		.drm_plane_type = DRM_PLANE_TYPE_PRIMARY,
	};
}

/* The errors of a connection the daemon dropped or lost. */
static bool
connection_lost(int rc)
{
	return rc == -ENOTCONN || rc == -ECONNRESET || rc == -EPIPE ||
	       rc == -ESHUTDOWN || rc == -ETIMEDOUT;
}

/* A new connection for one the daemon dropped; the consumer gives up
 * (exit 2) when the daemon does not come back in 10 s. */
static void
reconnect(struct vgfb **ctx, const char *target, unsigned int *reconnects)
{
	vgfb_close(*ctx);
	(*reconnects)++;
	*ctx = consumer_connect(target, reconnects);
	if (!*ctx)
		_exit(2);
}

/* One query of head 0's primary plane into r. */
static int
query_head0(struct vgfb *ctx, struct report *r)
{
	struct vfio_device_gfx_plane_info info = primary_query();
	struct vgfb_plane_ext ext = { .argsz = sizeof(ext) };
	int rc = vgfb_set_head(ctx, 0);

	if (rc == 0)
		rc = vgfb_query_plane_ext(ctx, &info, &ext);
	r->width = info.width;
	r->height = info.height;
	r->drm_format = info.drm_format;
	r->frame_seq = ext.frame_seq;
	return rc;
}

static bool
same_plane(const struct report *a, const struct report *b)
{
	return a->width == b->width && a->height == b->height &&
	       a->drm_format == b->drm_format && a->frame_seq == b->frame_seq;
}

/*
 * One wake-up of a display consumer: take the queued events, re-query
 * head 0 (into seen) when there were any, map the plane now and then.
 * 0, or the failing call's negative errno.
 */
static int
consumer_wakeup(struct vgfb *ctx, struct report *seen, unsigned int *events)
{
	unsigned int before = *events;
	struct vgfb_event ev;
	int rc;

	while ((rc = vgfb_read_event(ctx, &ev)) == 0)
		(*events)++;
	if (rc != -EAGAIN)
		return rc;
	if (*events == before)
		return 0;
	rc = query_head0(ctx, seen);
	if (rc == 0 && *events % 16 == 0) {
		struct vfio_device_gfx_plane_info info = primary_query();
		int fd;

		rc = vgfb_query_plane(ctx, &info);
		fd = rc || !info.dmabuf_id ? -ENOENT :
		     vgfb_get_region_fd(ctx, info.dmabuf_id);
		/* a plane replaced meanwhile is a stale id (-ENOENT): fine */
		if (fd >= 0)
			close(fd);
		else if (rc == 0 && fd != -ENOENT)
			rc = fd;
	}
	return rc;
}

/*
 * A display consumer: sleeps on its event fd and re-queries head 0 only
 * when an event says something changed; reconnects (and queries once)
 * when the daemon drops it.  When the parent writes the final state to
 * the "go" pipe, the consumer must reach it through events within 10 s;
 * it then reports what it saw on the results pipe and exits.
 */
static void __attribute__((noreturn))
consumer(const char *target, int go_fd, int result_fd)
{
	struct report r = { .pid = getpid() }, want;
	unsigned int reconnects = 0, events = 0;
	long long deadline = 0;
	struct vgfb *ctx;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	ctx = consumer_connect(target, &reconnects);
	if (!ctx || query_head0(ctx, &r))
		_exit(2);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = vgfb_get_event_fd(ctx), .events = POLLIN },
			{ .fd = deadline ? -1 : go_fd, .events = POLLIN },
		};
		int rc;

		if (deadline && same_plane(&r, &want))
			break;
		if (deadline && tier_now_ms() > deadline) {
			r.rc = -ETIMEDOUT;	/* no event brought it */
			break;
		}
		if (poll(p, 2, 100) < 0)
			continue;
		if (p[1].revents) {
			if (tier_read_full(go_fd, &want, sizeof(want)))
				_exit(3);
			deadline = tier_now_ms() + 10000;
		}
		rc = consumer_wakeup(ctx, &r, &events);
		if (rc == 0)
			continue;
		if (!connection_lost(rc)) {
			r.rc = rc;	/* any other error is a bug */
			break;
		}
		/* dropped (stalled too long) or a daemon gone: start over */
		reconnect(&ctx, target, &reconnects);
		rc = query_head0(ctx, &r);
		if (rc && !connection_lost(rc)) {
			r.rc = rc;
			break;
		}
	}
	r.reconnects = reconnects;
	vgfb_close(ctx);
	_exit(write(result_fd, &r, sizeof(r)) == sizeof(r) ? 0 : 3);
}

struct crowd {
	const char *target;
	int go[2], results[2];
	pid_t pid[MAX_CONSUMERS];
	bool stopped[MAX_CONSUMERS];
	unsigned int n, killed, stalled;
};

static pid_t
spawn_consumer(struct crowd *c)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(c->go[1]);
		close(c->results[0]);
		consumer(c->target, c->go[0], c->results[1]);
	}
	return pid;
}

static void
crowd_start(struct crowd *c, const char *target, unsigned int n)
{
	memset(c, 0, sizeof(*c));
	c->target = target;
	c->n = n;
	ck_assert_int_eq(pipe2(c->go, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(c->results, O_CLOEXEC), 0);
	for (unsigned int i = 0; i < n; i++)
		c->pid[i] = spawn_consumer(c);
}

/* One random fault: kill and replace a consumer, or stall or resume one. */
static void
crowd_fault(struct crowd *c, uint64_t *rng)
{
	unsigned int i = xorshift(rng) % c->n;

	if (c->stopped[i]) {
		kill(c->pid[i], SIGCONT);
		c->stopped[i] = false;
	} else if (xorshift(rng) & 1) {
		kill(c->pid[i], SIGKILL);
		ck_assert_int_eq(waitpid(c->pid[i], NULL, 0), c->pid[i]);
		c->pid[i] = spawn_consumer(c);
		c->killed++;
	} else {
		kill(c->pid[i], SIGSTOP);
		c->stopped[i] = true;
		c->stalled++;
	}
}

/*
 * Resume everyone, tell them to report, collect the n reports: each must
 * show want (width, height, format, frame_seq); every consumer exits 0.
 */
static void
crowd_finish(struct crowd *c, const struct report *want)
{
	unsigned int reconnects = 0;

	for (unsigned int i = 0; i < c->n; i++)
		if (c->stopped[i])
			kill(c->pid[i], SIGCONT);
	/* one copy of the final state each (atomic: less than PIPE_BUF) */
	for (unsigned int i = 0; i < c->n; i++)
		ck_assert_int_eq(write(c->go[1], want, sizeof(*want)),
				 sizeof(*want));
	close(c->go[1]);
	close(c->go[0]);
	close(c->results[1]);
	for (unsigned int i = 0; i < c->n; i++) {
		struct pollfd p = { .fd = c->results[0], .events = POLLIN };
		struct report r;

		ck_assert_msg(poll(&p, 1, 30000) == 1,
			      "%u of %u consumers reported in 30 s", i, c->n);
		ck_assert_int_eq(tier_read_full(c->results[0], &r, sizeof(r)),
				 0);
		ck_assert_msg(r.rc != -ETIMEDOUT, "consumer %d: no event "
			      "brought the final state in 10 s (it saw %ux%u "
			      "seq %llu)", (int)r.pid, r.width, r.height,
			      (unsigned long long)r.frame_seq);
		ck_assert_msg(r.rc == 0, "consumer %d: %s", (int)r.pid,
			      strerror(-r.rc));
		ck_assert_msg(r.width == want->width &&
			      r.height == want->height &&
			      r.drm_format == want->drm_format &&
			      r.frame_seq == want->frame_seq,
			      "consumer %d saw %ux%u %08x seq %llu, the guest "
			      "shows %ux%u %08x seq %llu", (int)r.pid, r.width,
			      r.height, r.drm_format,
			      (unsigned long long)r.frame_seq, want->width,
			      want->height, want->drm_format,
			      (unsigned long long)want->frame_seq);
		reconnects += r.reconnects;
	}
	for (unsigned int i = 0; i < c->n; i++) {
		int status;

		ck_assert_int_eq(waitpid(c->pid[i], &status, 0), c->pid[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "consumer %d ended with status 0x%x",
			      (int)c->pid[i], status);
	}
	close(c->results[0]);
	printf("# %u consumers reported the final state; %u killed and "
	       "replaced, %u stalled, %u reconnects\n", c->n, c->killed,
	       c->stalled, reconnects);
}

/*
 * The daemon's anonymous resident memory (heap, stacks): what a leak grows.
 * Plain VmRSS would also count the shared memory of the plane views it
 * keeps, whose sizes follow the guest's random modes.
 */
static long
daemon_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Wait (up to timeout_ms) until the daemon holds at most max fds. */
static bool
daemon_fds_settle_at_most(const struct test_daemon *d, int max,
			  int timeout_ms)
{
	for (int t = 0; t <= timeout_ms; t += 10) {
		if (test_daemon_fds(d) <= max)
			return true;
		usleep(10000);
	}
	return false;
}

/* The guest's own view of head 0, through a client of the same daemon. */
static void
guest_state(const struct test_daemon *d, struct report *out)
{
	struct vfio_device_gfx_plane_info info = primary_query();
	struct vgfb_plane_ext ext = { .argsz = sizeof(ext) };
	struct vgfb *ctx = NULL;

	ck_assert_int_eq(vgfb_open(d->target, &ctx), 0);
	ck_assert_int_eq(vgfb_query_plane_ext(ctx, &info, &ext), 0);
	memset(out, 0, sizeof(*out));
	out->width = info.width;
	out->height = info.height;
	out->drm_format = info.drm_format;
	out->frame_seq = ext.frame_seq;
	vgfb_close(ctx);
}

/* One random guest change through SIM_CONTROL; every one must succeed. */
static void
random_change(int ctl, uint64_t *rng)
{
	uint32_t head = xorshift(rng) & 1, r = xorshift(rng) % 100;
	int rc;

	if (r < 55) {
		rc = test_sim(ctl, VGFB_SIM_FLIP, head, 0, 0, 0, 0);
	} else if (r < 75) {
		rc = test_sim(ctl, VGFB_SIM_UPDATE, head, 0, 0, 8, 8);
	} else if (r < 92) {
		uint32_t fmt = vgfb_format_at(xorshift(rng) %
					      vgfb_format_count());

		rc = test_sim(ctl, VGFB_SIM_SET_MODE, head,
			      16 + xorshift(rng) % 241, 16 + xorshift(rng) % 241,
			      fmt, 0);
	} else if (r < 95) {
		rc = test_sim(ctl, VGFB_SIM_SET_MODE, head, 0, 0, 0, 0);
	} else {
		rc = test_sim(ctl, VGFB_SIM_SET_CURSOR, head, 1,
			      xorshift(rng) % 16, xorshift(rng) % 16, 0);
	}
	/* an in-place update of a disabled head is refused; all else works */
	ck_assert_msg(rc == 0 || rc == -ENODEV || rc == -EINVAL,
		      "sim change %u on head %u: %s", r, head, strerror(-rc));
}

static uint64_t
soak_seed(void)
{
	uint64_t seed = env_ulong("VGFB_SOAK_SEED", (unsigned long)time(NULL),
				  ~0ul);

	printf("# VGFB_SOAK_SEED=%llu\n", (unsigned long long)seed);
	return seed | 1;
}

START_TEST(consumers_under_churn)
{
	unsigned long n = env_ulong("VGFB_SOAK_CONSUMERS", 64, MAX_CONSUMERS);
	unsigned long changes = env_ulong("VGFB_SOAK_CHANGES", 10000,
					  100000000);
	unsigned long quarter = changes >= 4 ? changes / 4 : 1;
	uint64_t rng = soak_seed();
	long rss[4] = { 0 };
	struct test_daemon d;
	struct crowd crowd;
	struct vgfb_msg hello;
	struct report want;
	int ctl;

	test_daemon_start(&d, soak_args);
	crowd_start(&crowd, d.target, n);
	ctl = test_raw_connect(&d, &hello);
	for (unsigned long i = 1; i <= changes; i++) {
		random_change(ctl, &rng);
		if (xorshift(&rng) % 64 == 0)
			crowd_fault(&crowd, &rng);
		if (i % quarter == 0 && i / quarter <= 4) {
			int fds = test_daemon_fds(&d);

			rss[i / quarter - 1] = daemon_rss_kib(d.pid);
			/* one fd per client and its plane cache, nothing per
			 * change; +2: the daemon may not have seen the last
			 * kill's hang-up */
			ck_assert_msg(fds <= d.base_fds + (int)n + 1 +
					     DAEMON_PLANE_CACHE + 2,
				      "vgfbd holds %d fds with %lu clients "
				      "(%d without)", fds, n + 1, d.base_fds);
		}
	}
	/* a final state no random change makes */
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_SET_MODE, 0, 300, 200,
				  DRM_FORMAT_XRGB8888, 0), 0);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_FLIP, 0, 0, 0, 0, 0), 0);
	guest_state(&d, &want);
	ck_assert_uint_eq(want.width, 300);
	crowd_finish(&crowd, &want);
	close(ctl);

	printf("# vgfbd RssAnon after each quarter of %lu changes: %ld %ld %ld "
	       "%ld KiB\n", changes, rss[0], rss[1], rss[2], rss[3]);
	/*
	 * Flat: from the second quarter on, the daemon's memory is what its
	 * clients and the guest's current buffers need, which the churn keeps
	 * constant on average.  The margin covers allocator slack (a few
	 * pages of the buffers' sizes, which vary up to 256x256x4), not
	 * growth per change: 10^4 changes leaking 64 bytes each exceed it.
	 */
#ifndef __SANITIZE_ADDRESS__
	ck_assert_msg(rss[3] <= rss[1] + 512,
		      "vgfbd grew from %ld to %ld KiB in the second half",
		      rss[1], rss[3]);
#else
	/* ASan holds freed memory in quarantine, so RSS grows by design;
	 * LeakSanitizer judges this build's daemon at exit instead */
	printf("# ASan build: RSS not judged (LeakSanitizer is)\n");
#endif
	/* every client's fd is gone; only the bounded plane cache stays */
	ck_assert_msg(daemon_fds_settle_at_most(&d, d.base_fds +
						DAEMON_PLANE_CACHE, 5000),
		      "vgfbd holds %d fds without clients (%d at start, "
		      "its plane cache adds at most %d)", test_daemon_fds(&d),
		      d.base_fds, DAEMON_PLANE_CACHE);
	test_daemon_stop(&d);
}
END_TEST

/* Names in the daemon's directory other than the socket. */
static unsigned int
strays(const char *dir)
{
	unsigned int n = 0;
	struct dirent *e;
	DIR *dp = opendir(dir);

	ck_assert_ptr_nonnull(dp);
	while ((e = readdir(dp)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, "socket"))
			n++;
	closedir(dp);
	return n;
}

START_TEST(daemon_restart_under_consumers)
{
	enum { N = 8 };
	struct test_daemon d;
	struct vgfb *c[N];
	struct vgfb_msg hello;
	struct report want;
	int ctl;

	test_daemon_start(&d, soak_args);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(vgfb_open(d.target, &c[i]), 0);
		ck_assert_int_eq(vgfb_subscribe(c[i], VGFB_EVENT_MASK_ALL), 0);
	}
	test_daemon_crash(&d);

	for (int i = 0; i < N; i++) {
		struct vfio_device_gfx_plane_info info = primary_query();
		int rc = vgfb_query_plane(c[i], &info);

		/* a clear error, the same for every consumer */
		ck_assert_msg(rc == -ECONNRESET || rc == -EPIPE ||
			      rc == -ENOTCONN || rc == -ESHUTDOWN,
			      "query after the daemon died: %d (%s)", rc,
			      strerror(-rc));
		vgfb_close(c[i]);
	}
	ck_assert_uint_eq(strays(d.dir), 0);

	test_daemon_restart(&d, soak_args);
	ctl = test_raw_connect(&d, &hello);
	ck_assert_int_eq(test_sim(ctl, VGFB_SIM_SET_MODE, 0, 320, 240,
				  DRM_FORMAT_RGB565, 0), 0);
	guest_state(&d, &want);
	for (int i = 0; i < N; i++) {
		struct vfio_device_gfx_plane_info info = primary_query();

		ck_assert_int_eq(vgfb_open(d.target, &c[i]), 0);
		ck_assert_int_eq(vgfb_query_plane(c[i], &info), 0);
		ck_assert_uint_eq(info.width, 320);
		ck_assert_uint_eq(info.drm_format, DRM_FORMAT_RGB565);
		vgfb_close(c[i]);
	}
	close(ctl);
	ck_assert_uint_eq(strays(d.dir), 0);
	test_daemon_stop(&d);	/* and the socket is removed */
}
END_TEST

static Suite *
soak_suite(void)
{
	Suite *s = suite_create("soak");
	TCase *tc = tcase_create("vgfbd");

	/* generous: 10^4 changes take seconds; larger runs set their own */
	tcase_set_timeout(tc, (double)env_ulong("VGFB_SOAK_TIMEOUT", 600,
						 1000000));
	tcase_add_test(tc, consumers_under_churn);
	tcase_add_test(tc, daemon_restart_under_consumers);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	return test_run(soak_suite());
}
