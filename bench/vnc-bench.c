/* SPDX-License-Identifier: MIT */
/*
 * vnc-bench: what vgfb-vnc costs, in one run, against baselines of the
 * same run.
 *
 * vgfbd serves the sim guest (SIM_CONTROL), vgfb-vnc serves it on TCP
 * loopback, and libvncclient watches with Raw, ZRLE and Tight in turn.
 * Reported per encoding, as bytes the viewer's socket received
 * (TCP_INFO tcpi_bytes_received) and as a ratio to w*h*4:
 *   - an in-place update of 64x64 pixels;
 *   - a flip to a buffer that differs from the shown one in 64x64 pixels
 *     only (the pattern repeats every 128 frames, so frame k+128 drawn
 *     over a copy of frame k with one 64x64 square of later frames);
 *   - a flip that changes every pixel.
 * Then, over N in-place updates of 64x64: guest change (SIM_CONTROL sent)
 * to the viewer's finished update, median and 99th percentile,
 * vgfb-vnc's CPU time per update (/proc/PID/stat), and the bytes it
 * copied per update (its --stats counters, read with SIGUSR1); at the
 * end, vgfb-vnc's own --stats line.
 * Nothing here is a pass/fail threshold.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/tcp.h>	/* struct tcp_info with tcpi_bytes_received */
#include <rfb/rfbclient.h>

#include "proto.h"

#define SQ 64
#define REPEAT 5
#define FILLERS (128 - 2)	/* 1x1 updates between the two flips */

static int ctl = -1;		/* SIM_CONTROL connection to vgfbd */
static unsigned int finished;	/* the viewer's finished updates */
static int64_t finished_ns;	/* when the last one finished */

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- the guest's driver ---- */

static int
sim(uint32_t op, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3)
{
	struct vgfb_msg m = {
		.type = VGFB_MSG_SIM_CONTROL,
		.sim = { op, 0, { a0, a1, a2, a3 } },
	};
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	unsigned int n_fds;
	int fds[1], n;

	n = vgfb__proto_encode(&m, VGFB_PROTO_TO_SERVER, buf, sizeof(buf));
	if (n < 0 || vgfb__proto_send(ctl, buf, (size_t)n, -1, 0))
		return -EIO;
	do {	/* not subscribed: only the reply comes */
		n = vgfb__proto_recv(ctl, buf, sizeof(buf), fds, 1, &n_fds, 0);
		if (n <= 0)
			return -ENOTCONN;
		vgfb__proto_close_fds(fds, n_fds);
		if (vgfb__proto_parse(buf, (size_t)n, VGFB_PROTO_TO_CLIENT, &m))
			return -EPROTO;
	} while (m.type == VGFB_MSG_EVENT || m.type == VGFB_MSG_HELLO);
	return m.type == VGFB_MSG_SIM_CONTROL ? 0 : -EPROTO;
}

/* ---- processes ---- */

static pid_t
spawn(const char *const *argv, int out_fd, int err_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (out_fd >= 0)
			dup2(out_fd, 1);
		if (err_fd >= 0)
			dup2(err_fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int
connect_ctl(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	for (int i = 0; i < 2000; i++) {
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd >= 0 &&
		    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
			return fd;
		if (fd >= 0)
			close(fd);
		usleep(5000);
	}
	return -1;
}

/* CPU time (user + system) of a process, in clock ticks. */
static long long
cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;	/* comm may hold spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%llu %llu", &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

/* ---- the viewer ---- */

static void
quiet(const char *format, ...)
{
}

static void
on_update(rfbClient *c)
{
	finished++;
	finished_ns = now_ns();
}

static uint64_t
bytes_received(rfbClient *c)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(c->sock, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return 0;
	return ti.tcpi_bytes_received;
}

/* Handle messages until `want` updates finished; false on a hang-up. */
static bool
pump_until(rfbClient *c, unsigned int want)
{
	int64_t deadline = now_ns() + 20000000000ll;

	while (finished < want) {
		int n = WaitForMessage(c, 100000);

		if (n < 0 || (n > 0 && !HandleRFBServerMessage(c)))
			return false;
		if (now_ns() > deadline)
			return false;
	}
	return true;
}

/* Send one change and count the bytes of the update that shows it. */
static int64_t
change_bytes(rfbClient *c, uint32_t op, uint32_t x, uint32_t y, uint32_t w,
	     uint32_t h)
{
	uint64_t b0 = bytes_received(c);
	unsigned int want = finished + 1;

	if (sim(op, x, y, w, h) || !pump_until(c, want))
		return -1;
	return (int64_t)(bytes_received(c) - b0);
}

static rfbClient *
viewer_open(uint16_t port, const char *encodings)
{
	rfbClient *c = rfbGetClient(8, 3, 4);

	if (!c)
		return NULL;
	free(c->serverHost);		/* rfbGetClient's "" */
	c->serverHost = strdup("127.0.0.1");
	c->serverPort = port;
	c->appData.encodingsString = encodings;
	c->appData.enableJPEG = FALSE;
	c->canHandleNewFBSize = TRUE;
	c->FinishedFrameBufferUpdate = on_update;
	finished = 0;
	if (!rfbInitClient(c, NULL, NULL))
		return NULL;	/* it freed c */
	return pump_until(c, 1) ? c : NULL;
}

static void
viewer_close(rfbClient *c)
{
	free(c->frameBuffer);
	c->frameBuffer = NULL;
	rfbClientCleanup(c);
}

struct vnc_counters {
	uint64_t updates, copied, snapshots;
};

/*
 * vgfb-vnc's --stats counters now: SIGUSR1 makes it print a line to its
 * standard error (errpath); the line after the `seen` ones before it.
 */
static int
read_counters(pid_t vnc, const char *errpath, unsigned int *seen,
	      struct vnc_counters *out)
{
	char line[512];

	kill(vnc, SIGUSR1);
	for (int t = 0; t < 2000; t++) {
		unsigned int n = 0;
		FILE *f = fopen(errpath, "re");

		while (f && fgets(line, sizeof(line), f)) {
			if (strncmp(line, "vgfb-vnc stats:", 15) ||
			    ++n <= *seen)
				continue;
			if (sscanf(line, "vgfb-vnc stats: %" SCNu64 " updates "
				   "(%*u zero-copy), %*u"
				   " bytes sent, %" SCNu64 " bytes copied, %"
				   SCNu64, &out->updates, &out->copied,
				   &out->snapshots) == 3) {
				fclose(f);
				*seen = n;
				return 0;
			}
		}
		if (f)
			fclose(f);
		usleep(5000);
	}
	return -1;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

struct result {
	double inplace, flip_sq, flip_all;	/* mean bytes */
};

/* The three byte counts, REPEAT times each, means in r. */
static int
measure_bytes(rfbClient *c, uint32_t w, uint32_t h, struct result *r)
{
	int64_t in = 0, sq = 0, all = 0, b;

	for (int i = 0; i < REPEAT; i++) {
		uint32_t x = (uint32_t)(97 * i) % (w - SQ);
		uint32_t y = (uint32_t)(61 * i) % (h - SQ);

		/* every pixel: frame k everywhere */
		if ((b = change_bytes(c, VGFB_SIM_FLIP, 0, 0, 0, 0)) < 0)
			return -1;
		all += b;
		/* 64x64 in place: frame k+1 there */
		if ((b = change_bytes(c, VGFB_SIM_UPDATE, x, y, SQ, SQ)) < 0)
			return -1;
		in += b;
		/* advance to k+127 inside the same square */
		for (int k = 0; k < FILLERS; k++)
			if (change_bytes(c, VGFB_SIM_UPDATE, x, y, 1, 1) < 0)
				return -1;
		/* frame k+128 == frame k: only the square differs */
		if ((b = change_bytes(c, VGFB_SIM_FLIP, 0, 0, 0, 0)) < 0)
			return -1;
		sq += b;
	}
	r->inplace = (double)in / REPEAT;
	r->flip_sq = (double)sq / REPEAT;
	r->flip_all = (double)all / REPEAT;
	return 0;
}

/* n in-place 64x64 updates: latency samples into lat, CPU ticks used. */
static int
measure_latency(rfbClient *c, uint32_t w, uint32_t h, pid_t vnc,
		unsigned int n, int64_t *lat, long long *ticks)
{
	long long t0 = cpu_ticks(vnc);

	for (unsigned int i = 0; i < n; i++) {
		uint32_t x = (uint32_t)(37 * i) % (w - SQ);
		uint32_t y = (uint32_t)(23 * i) % (h - SQ);
		unsigned int want = finished + 1;
		int64_t t = now_ns();

		if (sim(VGFB_SIM_UPDATE, x, y, SQ, SQ) || !pump_until(c, want))
			return -1;
		lat[i] = finished_ns - t;
	}
	*ticks = cpu_ticks(vnc) - t0;
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: vnc-bench [OPTIONS]\n"
		"Bytes on the wire, latency and CPU of vgfb-vnc over the sim guest.\n\n"
		"  --vgfbd PATH      vgfbd to start (default: tools/vgfbd/vgfbd)\n"
		"  --vgfb-vnc PATH   vgfb-vnc to start (default: tools/vgfb-vnc/vgfb-vnc)\n"
		"  -n N              updates for the latency, at least 200 (default 200)\n"
		"  -W WIDTH -H HEIGHT  the guest's mode (default 1024x768)\n"
		"  -h                this text\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vgfbd", required_argument, NULL, 'd' },
		{ "vgfb-vnc", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const encodings[] = { "raw", "zrle", "tight" };
	const char *vgfbd = "tools/vgfbd/vgfbd";
	const char *vnc_bin = "tools/vgfb-vnc/vgfb-vnc";
	unsigned int n = 200, w = 1024, h = 768;
	char dir[] = "/tmp/vnc-bench.XXXXXX", sock[96], target[112];
	char mode[64], line[512], errpath[128];
	pid_t daemon = 0, vnc = 0;
	int out[2], errfd, c, status = 1;
	int64_t *lat = NULL;
	unsigned int seen = 0;
	uint16_t port = 0;
	FILE *f;

	while ((c = getopt_long(argc, argv, "n:W:H:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': vgfbd = optarg; break;
		case 'V': vnc_bin = optarg; break;
		case 'n': n = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'W': w = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'H': h = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || n < 200 || w < 2 * SQ || h < 2 * SQ ||
	    w > 8192 || h > 8192) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	rfbClientLog = rfbClientErr = quiet;
	lat = calloc(n, sizeof(*lat));
	if (!lat || !mkdtemp(dir)) {
		perror("vnc-bench");
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/socket", dir);
	snprintf(target, sizeof(target), "unix:%s", sock);
	snprintf(mode, sizeof(mode), "sim:mode=%ux%u", w, h);
	{
		const char *args[] = { vgfbd, "--socket", sock, "--target",
				       mode, "--sim-control", NULL };

		daemon = spawn(args, -1, -1);
	}
	ctl = connect_ctl(sock);
	if (ctl < 0 || sim(VGFB_SIM_SET_CURSOR, 0, 0, 0, 0)) {
		fprintf(stderr, "vnc-bench: cannot drive %s with %s\n", vgfbd,
			sock);
		goto out;
	}
	snprintf(errpath, sizeof(errpath), "%s/vgfb-vnc.err", dir);
	errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (errfd < 0 || pipe2(out, O_CLOEXEC) < 0) {
		perror("vnc-bench");
		goto out;
	}
	{
		const char *args[] = { vnc_bin, "--target", target, "--listen",
				       "127.0.0.1:0", "--stats", NULL };

		vnc = spawn(args, out[1], errfd);
	}
	close(out[1]);
	close(errfd);
	f = fdopen(out[0], "r");
	if (f && fgets(line, sizeof(line), f))
		sscanf(line, "vgfb-vnc: listening on 127.0.0.1:%hu", &port);
	if (f)
		fclose(f);
	if (!port) {
		fprintf(stderr, "vnc-bench: %s did not listen (%s)\n", vnc_bin,
			errpath);
		goto out;
	}

	printf("vnc-bench: %ux%u XRGB8888 sim guest behind vgfbd, "
	       "w*h*4 = %u bytes; means of %d\n", w, h, w * h * 4, REPEAT);
	printf("%-8s %22s %22s %22s\n", "encoding", "in-place 64x64",
	       "flip changing 64x64", "flip changing all");
	for (unsigned int e = 0; e < 3; e++) {
		rfbClient *v = viewer_open(port, encodings[e]);
		struct result r;

		if (!v || measure_bytes(v, w, h, &r)) {
			fprintf(stderr, "vnc-bench: %s viewer failed\n",
				encodings[e]);
			goto out;
		}
		printf("%-8s %12.0f (%7.5f) %12.0f (%7.5f) %12.0f (%7.5f)\n",
		       encodings[e], r.inplace, r.inplace / (w * h * 4.0),
		       r.flip_sq, r.flip_sq / (w * h * 4.0), r.flip_all,
		       r.flip_all / (w * h * 4.0));
		viewer_close(v);
	}
	printf("(bytes the viewer received for the update; in brackets: / w*h*4)\n");

	for (unsigned int e = 0; e < 3; e++) {
		rfbClient *v = viewer_open(port, encodings[e]);
		struct vnc_counters c0, c1;
		long long ticks = 0;

		if (!v || read_counters(vnc, errpath, &seen, &c0) ||
		    measure_latency(v, w, h, vnc, n, lat, &ticks) ||
		    read_counters(vnc, errpath, &seen, &c1)) {
			fprintf(stderr, "vnc-bench: %s viewer failed\n",
				encodings[e]);
			goto out;
		}
		viewer_close(v);
		qsort(lat, n, sizeof(*lat), cmp_i64);
		printf("%-8s change -> finished update over %u in-place 64x64 "
		       "updates: p50 %.3f ms, p99 %.3f ms; vgfb-vnc CPU %.3f ms "
		       "per update\n", encodings[e], n, lat[n / 2] / 1e6,
		       lat[(n * 99) / 100] / 1e6,
		       ticks * 1000.0 / sysconf(_SC_CLK_TCK) / n);
		if (c1.updates > c0.updates)
			printf("%-8s per update: vgfb-vnc copied %.0f bytes "
			       "(64*64*4 = %d), the library's REGION "
			       "snapshots %.0f bytes\n", encodings[e],
			       (double)(c1.copied - c0.copied) /
				       (double)(c1.updates - c0.updates),
			       SQ * SQ * 4,
			       (double)(c1.snapshots - c0.snapshots) /
				       (double)(c1.updates - c0.updates));
	}
	status = 0;
out:
	if (vnc > 0) {
		char last[512] = "";

		kill(vnc, SIGTERM);
		waitpid(vnc, NULL, 0);
		f = fopen(errpath, "re");
		while (f && fgets(line, sizeof(line), f))
			if (strncmp(line, "vgfb-vnc stats:", 15) == 0)
				memcpy(last, line, sizeof(last));
		if (f)
			fclose(f);
		printf("%s", last);	/* the one at exit: all of the run */
		unlink(errpath);
	}
	if (daemon > 0) {
		kill(daemon, SIGTERM);
		waitpid(daemon, NULL, 0);
	}
	if (ctl >= 0)
		close(ctl);
	unlink(sock);
	rmdir(dir);
	free(lat);
	return status;
}
