/* SPDX-License-Identifier: MIT */
/*
 * vgfb-bench: what change events buy a display consumer, in one run.
 *
 * A vgfbd serves the sim guest (started here unless --target names one
 * that runs with --sim-control).  The guest flips N times at random
 * intervals; two consumers watch it through the daemon:
 *   - "events":  sleeps in poll() on vgfb_get_event_fd(), wakes on FLIP;
 *   - "polling": wakes every 30 ms and compares frame_seq, as QEMU and
 *                acrn-dm consumers do today.
 * Reported: change-to-consumer wake-up latency (median, p99) of each, and
 * wake-ups per second of each while the guest is idle, with the ratios.
 * All clocks are CLOCK_MONOTONIC in this one process.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
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

#include "private.h"
#include "proto.h"

#ifndef VGFBD_PATH
#define VGFBD_PATH "/usr/sbin/vgfbd"
#endif

struct watcher {
	const char *name;
	const char *target;
	unsigned int n_changes;
	uint64_t base_seq;
	int64_t *seen_ns;	/* [i]: when change i was first noticed, 0 not yet */
	atomic_uint wakeups;
	atomic_bool stop;
	int stop_pipe[2];	/* events: wakes the poll() to stop */
	unsigned int poll_ms;	/* polling: period */
	int error;
	pthread_t thread;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
mark_seen(struct watcher *w, uint64_t seq, int64_t t)
{
	/* a change i made frame base+i+1; everything up to seq is seen */
	for (uint64_t s = w->base_seq + 1; s <= seq; s++) {
		uint64_t i = s - w->base_seq - 1;

		if (i >= w->n_changes)
			break;
		if (!w->seen_ns[i])
			w->seen_ns[i] = t;
	}
}

static void *
event_consumer(void *data)
{
	struct watcher *w = data;
	struct vgfb *ctx;
	int rc;

	rc = vgfb_open(w->target, &ctx);
	if (rc == 0)
		rc = vgfb_subscribe(ctx, VGFB_EVENT_MASK(VGFB_EVENT_FLIP));
	if (rc) {
		w->error = rc;
		return NULL;
	}
	while (!atomic_load(&w->stop)) {
		struct pollfd p[2] = {
			{ .fd = vgfb_get_event_fd(ctx), .events = POLLIN },
			{ .fd = w->stop_pipe[0], .events = POLLIN },
		};
		struct vgfb_event ev;
		int64_t t;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		t = now_ns();
		if (p[1].revents)
			break;
		atomic_fetch_add(&w->wakeups, 1);
		while (vgfb_read_event(ctx, &ev) == 0) {
			if (ev.type == VGFB_EVENT_FLIP && ev.head == 0)
				mark_seen(w, ev.frame_seq, t);
			else if (ev.type == VGFB_EVENT_GUEST_GONE) {
				w->error = -ENOTCONN;
				goto out;
			}
		}
	}
out:
	vgfb_close(ctx);
	return NULL;
}

static void *
polling_consumer(void *data)
{
	struct watcher *w = data;
	struct vgfb *ctx;
	struct timespec next;
	int rc;

	rc = vgfb_open(w->target, &ctx);
	if (rc) {
		w->error = rc;
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&w->stop)) {
		struct vfio_device_gfx_plane_info info = {
			.argsz = sizeof(info),
			.flags = VFIO_GFX_PLANE_TYPE_REGION,
			.drm_plane_type = DRM_PLANE_TYPE_PRIMARY,
		};
		struct vgfb_plane_ext ext = { .argsz = sizeof(ext) };
		int64_t t;

		next.tv_nsec += (long)w->poll_ms * 1000000;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
				       NULL) == EINTR)
			;
		t = now_ns();
		atomic_fetch_add(&w->wakeups, 1);
		rc = vgfb_query_plane_ext(ctx, &info, &ext);
		if (rc) {
			w->error = rc;
			break;
		}
		mark_seen(w, ext.frame_seq, t);
	}
	vgfb_close(ctx);
	return NULL;
}

/* ---- the guest's driver: SIM_CONTROL on a raw connection ---- */

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

static int
sim_flip(int sock)
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
	rc = vgfb__proto_send(sock, buf, (size_t)n, -1, 0);
	if (rc)
		return rc;
	rc = raw_reply(sock, &m);
	if (rc)
		return rc;
	if (m.type == VGFB_MSG_ERROR)
		return m.error.error;
	return m.type == VGFB_MSG_SIM_CONTROL ? 0 : -EPROTO;
}

/* ---- the daemon ---- */

static const char *
find_vgfbd(const char *argv0, char *buf, size_t len)
{
	const char *slash = strrchr(argv0, '/');

	/* from the build tree: bench/vgfb-bench next to tools/vgfbd/vgfbd */
	if (slash) {
		snprintf(buf, len, "%.*s/../tools/vgfbd/vgfbd",
			 (int)(slash - argv0), argv0);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return VGFBD_PATH;
}

static pid_t
spawn_vgfbd(const char *bin, const char *socket_path)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		/*
		 * A small mode: the guest draws every frame inside the flip,
		 * and what is measured here is delivery, not drawing.
		 */
		execl(bin, bin, "--target", "sim:mode=320x200", "--sim-control",
		      "--socket", socket_path, (char *)NULL);
		fprintf(stderr, "vgfb-bench: cannot run %s: %s\n", bin,
			strerror(errno));
		_exit(127);
	}
	return pid;
}

/* ---- statistics ---- */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

struct stats {
	unsigned int n;
	double median_ms, p99_ms;
};

static struct stats
latency(const struct watcher *w, const int64_t *t0)
{
	struct stats s = { 0 };
	int64_t *d = calloc(w->n_changes, sizeof(*d));

	if (!d)
		return s;
	for (unsigned int i = 0; i < w->n_changes; i++)
		if (w->seen_ns[i])
			d[s.n++] = w->seen_ns[i] - t0[i];
	if (s.n) {
		qsort(d, s.n, sizeof(*d), cmp_i64);
		s.median_ms = d[s.n / 2] / 1e6;
		s.p99_ms = d[(s.n * 99 + 99) / 100 - 1] / 1e6;
	}
	free(d);
	return s;
}

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: vgfb-bench [OPTIONS]\n"
"Change-to-consumer latency and idle wake-ups: change events vs polling.\n"
"\n"
"  -t, --target=unix:PATH  a running vgfbd with a sim target and --sim-control\n"
"                          (default: start one in a temporary directory)\n"
"      --vgfbd=PATH        the daemon to start (default: next to this build,\n"
"                          else " VGFBD_PATH ")\n"
"  -n, --changes=N         guest flips to measure (default 200)\n"
"  -i, --interval-ms=MS    mean time between flips, randomised +-50%%\n"
"                          (default 40)\n"
"  -p, --poll-ms=MS        the polling consumer's period (default 30)\n"
"  -I, --idle-ms=MS        idle phase for counting wake-ups (default 3000)\n"
"  -h, --help              this text\n");
}

static bool
parse_num(const char *s, unsigned long min, unsigned long max,
	  unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || *s == '-' || v < min || v > max)
		return false;
	*out = (unsigned int)v;
	return true;
}

static void
sleep_ms(double ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_nsec = (long)(fmod(ms, 1000) * 1e6),
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "vgfbd", required_argument, NULL, 'd' },
		{ "changes", required_argument, NULL, 'n' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "poll-ms", required_argument, NULL, 'p' },
		{ "idle-ms", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int changes = 200, interval = 40, poll_ms = 30, idle = 3000;
	char binbuf[4096], dir[] = "/tmp/vgfb-bench.XXXXXX", sock_path[128];
	char target_buf[160];
	const char *target = NULL, *bin = NULL, *path;
	struct watcher ev = { .name = "events" }, po = { .name = "polling" };
	struct stats se, sp;
	unsigned int ev_idle, po_idle;
	int64_t *t0 = NULL, idle_start;
	double idle_s, ev_rate, po_rate;
	pid_t daemon = 0;
	uint64_t base;
	int c, ctl = -1, rc = 1;

	while ((c = getopt_long(argc, argv, "t:n:i:p:I:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			target = optarg;
			break;
		case 'd':
			bin = optarg;
			break;
		case 'n':
			if (!parse_num(optarg, 1, 1000000, &changes))
				goto bad;
			break;
		case 'i':
			if (!parse_num(optarg, 1, 60000, &interval))
				goto bad;
			break;
		case 'p':
			if (!parse_num(optarg, 1, 60000, &poll_ms))
				goto bad;
			break;
		case 'I':
			if (!parse_num(optarg, 0, 3600000, &idle))
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc)
		goto bad;
	signal(SIGPIPE, SIG_IGN);

	if (target) {
		if (strncmp(target, "unix:", 5) != 0 || !target[5]) {
			fprintf(stderr, "vgfb-bench: --target must be unix:PATH\n");
			return 2;
		}
		path = target + 5;
	} else {
		if (!mkdtemp(dir)) {
			perror("vgfb-bench: mkdtemp");
			return 1;
		}
		snprintf(sock_path, sizeof(sock_path), "%s/socket", dir);
		snprintf(target_buf, sizeof(target_buf), "unix:%s", sock_path);
		target = target_buf;
		path = sock_path;
		if (!bin)
			bin = find_vgfbd(argv[0], binbuf, sizeof(binbuf));
		daemon = spawn_vgfbd(bin, sock_path);
		if (daemon < 0) {
			perror("vgfb-bench: fork");
			goto out;
		}
	}
	for (int k = 0; k < 1000; k++) {
		ctl = raw_connect(path);
		if (ctl >= 0 || !daemon)
			break;
		if (waitpid(daemon, NULL, WNOHANG) == daemon) {
			daemon = 0;
			break;
		}
		sleep_ms(5);
	}
	if (ctl < 0) {
		fprintf(stderr, "vgfb-bench: cannot reach vgfbd at %s: %s\n",
			path, strerror(-ctl));
		goto out;
	}
	{
		struct vgfb_msg hello;

		if (raw_reply(ctl, &hello) || hello.type != VGFB_MSG_HELLO ||
		    !(hello.hello.caps & VGFB_CAP_SIM_CONTROL)) {
			fprintf(stderr, "vgfb-bench: %s does not take SIM_CONTROL "
				"(run vgfbd --target sim --sim-control)\n", path);
			goto out;
		}
	}

	/* the frame the guest shows now: change i makes base + i + 1 */
	{
		struct vgfb *q;
		struct vfio_device_gfx_plane_info info = {
			.argsz = sizeof(info),
			.flags = VFIO_GFX_PLANE_TYPE_REGION,
			.drm_plane_type = DRM_PLANE_TYPE_PRIMARY,
		};
		struct vgfb_plane_ext ext = { .argsz = sizeof(ext) };

		if (vgfb_open(target, &q) || vgfb_query_plane_ext(q, &info, &ext)) {
			fprintf(stderr, "vgfb-bench: cannot query %s\n", target);
			goto out;
		}
		base = ext.frame_seq;
		vgfb_close(q);
	}

	t0 = calloc(changes, sizeof(*t0));
	ev.seen_ns = calloc(changes, sizeof(int64_t));
	po.seen_ns = calloc(changes, sizeof(int64_t));
	if (!t0 || !ev.seen_ns || !po.seen_ns || pipe2(ev.stop_pipe, O_CLOEXEC)) {
		fprintf(stderr, "vgfb-bench: out of memory\n");
		goto out;
	}
	ev.target = po.target = target;
	ev.n_changes = po.n_changes = changes;
	ev.base_seq = po.base_seq = base;
	po.poll_ms = poll_ms;
	if (pthread_create(&ev.thread, NULL, event_consumer, &ev) ||
	    pthread_create(&po.thread, NULL, polling_consumer, &po)) {
		fprintf(stderr, "vgfb-bench: cannot start threads\n");
		goto out;
	}
	sleep_ms(100);	/* both connected and waiting */

	srand48((long)now_ns());
	for (unsigned int i = 0; i < changes; i++) {
		sleep_ms(interval * (0.5 + drand48()));
		t0[i] = now_ns();
		rc = sim_flip(ctl);
		if (rc) {
			fprintf(stderr, "vgfb-bench: flip: %s\n", strerror(-rc));
			rc = 1;
			goto stop;
		}
	}
	/* let the poller see the last one */
	sleep_ms(poll_ms * 2 + 20);

	/* idle: nothing changes; count who wakes up anyway */
	atomic_store(&ev.wakeups, 0);
	atomic_store(&po.wakeups, 0);
	idle_start = now_ns();
	sleep_ms(idle);
	ev_idle = atomic_load(&ev.wakeups);
	po_idle = atomic_load(&po.wakeups);
	idle_s = (now_ns() - idle_start) / 1e9;
	rc = 0;

stop:
	atomic_store(&ev.stop, true);
	atomic_store(&po.stop, true);
	if (write(ev.stop_pipe[1], "x", 1) != 1)
		rc = 1;
	pthread_join(ev.thread, NULL);
	pthread_join(po.thread, NULL);
	if (rc)
		goto out;
	if (ev.error || po.error) {
		fprintf(stderr, "vgfb-bench: consumer failed: %s\n",
			strerror(-(ev.error ? ev.error : po.error)));
		rc = 1;
		goto out;
	}

	se = latency(&ev, t0);
	sp = latency(&po, t0);
	ev_rate = idle_s > 0 ? ev_idle / idle_s : 0;
	po_rate = idle_s > 0 ? po_idle / idle_s : 0;
	printf("vgfb-bench: %u guest flips through vgfbd (%s), mean gap %u ms; "
	       "polling period %u ms\n", changes, path, interval, poll_ms);
	printf("%-28s %12s %12s %10s\n", "", "events", "polling", "ratio");
	printf("%-28s %9.3f ms %9.3f ms %9.1fx\n", "wake-up latency median",
	       se.median_ms, sp.median_ms,
	       se.median_ms > 0 ? sp.median_ms / se.median_ms : 0);
	printf("%-28s %9.3f ms %9.3f ms %9.1fx\n", "wake-up latency p99",
	       se.p99_ms, sp.p99_ms, se.p99_ms > 0 ? sp.p99_ms / se.p99_ms : 0);
	printf("%-28s %12u %12u\n", "changes noticed", se.n, sp.n);
	if (ev_rate > 0)
		printf("%-28s %12.2f %12.2f %9.1fx\n", "idle wake-ups per second",
		       ev_rate, po_rate, po_rate / ev_rate);
	else
		printf("%-28s %12.2f %12.2f %10s\n", "idle wake-ups per second",
		       ev_rate, po_rate, "inf");
	printf("(ratio = polling / events; idle phase %.1f s)\n", idle_s);

out:
	if (ctl >= 0)
		close(ctl);
	if (ev.stop_pipe[0] > 0) {
		close(ev.stop_pipe[0]);
		close(ev.stop_pipe[1]);
	}
	free(t0);
	free(ev.seen_ns);
	free(po.seen_ns);
	if (daemon > 0) {
		kill(daemon, SIGTERM);
		waitpid(daemon, NULL, 0);
	}
	if (dir[sizeof(dir) - 7] != 'X') {
		unlink(sock_path);
		rmdir(dir);
	}
	return rc;

bad:
	usage(stderr);
	return 2;
}
