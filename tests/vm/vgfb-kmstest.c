/* SPDX-License-Identifier: MIT */
/*
 * vm tier: vgfb-kms on a real DRM driver, in a VM whose display is one of
 * qemu's (cirrus, std = bochs, virtio-vga).  Runs inside the VM (tests/vm/
 * kms-init.sh) beside vgfbd serving the sim guest through vgfb.ko, drives
 * the guest through SIM_CONTROL, and after each step prints
 *
 *   VGFB_KMS_CHECK name=STEP mode=WxH guest=WxH frame=F [rect=X,Y,W,H,G]
 *                  [cursor=X,Y] [black] [before]
 *
 * and waits for a line on /dev/ttyS1: the host has then taken qemu's
 * screendump and compared it with that expectation (tests/vm/
 * kms-screen-check.c).  What the host cannot see (which path vgfb-kms
 * took and why, the cursor plane, the CRTC after exit, DRM master) is
 * checked here, from the kernel's own state, as VGFB_RESULT lines.
 *
 *   vgfb-kmstest KIND VGFBD VGFB_KMS
 *
 * KIND: cirrus (imports), std (bochs: no PRIME import, ENOSYS), virtio
 * (virtio-gpu: no foreign import, ENODEV; has a cursor plane).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>
#include <drm_fourcc.h>

#include <vgfb/vgfb.h>

#include "proto.h"	/* SIM_CONTROL: vgfbd --sim-control's guest driver */

#define SOCK "/run/vgfb/kms/socket"
#define KMS_LOG "/tmp/vgfb-kms.log"
#define STEP_MS 20000

static const char *kind;
static const char *vgfbd_path, *kms_path;
static int ack_fd = -1;
static int card = -1;
static pid_t vgfbd_pid, kms_pid;
static uint32_t crtc_id;	/* the CRTC vgfb-kms drives */

static void
result(const char *name, bool pass, const char *fmt, ...)
{
	va_list ap;

	printf("VGFB_RESULT kms_%s_%s %s ", kind, name, pass ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	usleep((useconds_t)ms * 1000);
}

/* ---- processes ---- */

static pid_t
spawn(const char *log, char *const argv[])
{
	pid_t pid;

	/* gone before the child starts: nothing old is read as its output */
	unlink(log);
	pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Wait up to ms for pid to exit: its wait status, or -1 (still runs). */
static int
reap(pid_t pid, int ms)
{
	long long end = now_ms() + ms;
	int st;

	do {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		sleep_ms(20);
	} while (now_ms() < end);
	return -1;
}

static void
stop(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	if (reap(*pid, 5000) < 0) {
		kill(*pid, SIGKILL);
		reap(*pid, 5000);
	}
	*pid = 0;
}

/*
 * The first and the last 32 KiB of a log file, NUL-terminated (the start
 * says the path and the CRTC, the end the latest frames); "" when it
 * cannot be read.
 */
static char *
slurp(const char *path)
{
	static char buf[65536 + 2];
	ssize_t n = 0, m = 0;
	off_t size;
	int fd = open(path, O_RDONLY);

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 65536) {
		n = pread(fd, buf, 65536, 0);
	} else {
		n = pread(fd, buf, 32768, 0);
		n = n > 0 ? n : 0;
		buf[n++] = '\n';
		m = pread(fd, buf + n, 32768, size - 32768);
	}
	n = n > 0 ? n : 0;
	close(fd);
	buf[n + (m > 0 ? m : 0)] = '\0';
	return buf;
}

/* The number of the last "shown #K" line vgfb-kms printed, 0: none. */
static unsigned long
shown_count(uint64_t *seq)
{
	const char *s = slurp(KMS_LOG), *p, *last = NULL;

	for (p = s; (p = strstr(p, "shown #")); p++)
		last = p;
	if (!last)
		return 0;
	if (seq) {
		p = strstr(last, "frame_seq=");
		*seq = p ? strtoull(p + 10, NULL, 10) : 0;
	}
	return strtoul(last + 7, NULL, 10);
}

/* Wait for a "shown" line after `after` with frame_seq >= seq. */
static bool
wait_shown(unsigned long after, uint64_t want_seq)
{
	long long end = now_ms() + STEP_MS;
	uint64_t seq;

	do {
		if (shown_count(&seq) > after && seq >= want_seq)
			return true;
		sleep_ms(50);
	} while (now_ms() < end);
	return false;
}

/* ---- the host's eye ---- */

/* Say what the screen must show, and wait for the host to have looked. */
static void
check(const char *fmt, ...)
{
	struct pollfd p = { .fd = ack_fd, .events = POLLIN };
	char line[256];
	va_list ap;
	ssize_t n = 0;

	printf("VGFB_KMS_CHECK ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	/* one line back, whatever it says: the verdict is the host's */
	if (poll(&p, 1, 60000) == 1)
		n = read(ack_fd, line, sizeof(line));
	else
		printf("VGFB_INFO no answer from the host in 60 s\n");
	(void)n;
}

static int
open_ack(void)
{
	struct termios t;
	int fd = open("/dev/ttyS1", O_RDWR | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (tcgetattr(fd, &t) == 0) {
		t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		t.c_lflag |= ICANON;
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

/* ---- the kernel's view ---- */

static bool
crtc_state(uint32_t id, uint32_t *fb, uint32_t *w, uint32_t *h)
{
	drmModeCrtcPtr c = drmModeGetCrtc(card, id);

	if (!c)
		return false;
	*fb = c->buffer_id;
	*w = c->mode_valid ? c->mode.hdisplay : 0;
	*h = c->mode_valid ? c->mode.vdisplay : 0;
	drmModeFreeCrtc(c);
	return true;
}

/* The cursor plane on crtc_id: its fb (0: none shown); false: no plane. */
static bool
cursor_plane_fb(uint32_t *fb, int64_t *x, int64_t *y)
{
	drmModePlaneResPtr pr;
	bool found = false;

	/* CRTC_X and CRTC_Y are atomic properties: hidden without the cap */
	drmSetClientCap(card, DRM_CLIENT_CAP_ATOMIC, 1);
	pr = drmModeGetPlaneResources(card);
	for (uint32_t i = 0; pr && i < pr->count_planes && !found; i++) {
		drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(
			card, pr->planes[i], DRM_MODE_OBJECT_PLANE);
		drmModePlanePtr p = drmModeGetPlane(card, pr->planes[i]);
		bool is_cursor = false;

		for (uint32_t k = 0; props && k < props->count_props; k++) {
			drmModePropertyPtr pp = drmModeGetProperty(
				card, props->props[k]);

			if (!pp)
				continue;
			if (strcmp(pp->name, "type") == 0 &&
			    props->prop_values[k] == DRM_PLANE_TYPE_CURSOR)
				is_cursor = true;
			if (strcmp(pp->name, "CRTC_X") == 0)
				*x = (int64_t)props->prop_values[k];
			if (strcmp(pp->name, "CRTC_Y") == 0)
				*y = (int64_t)props->prop_values[k];
			drmModeFreeProperty(pp);
		}
		if (is_cursor && p) {
			found = true;
			*fb = p->crtc_id == crtc_id ? p->fb_id : 0;
		}
		drmModeFreePlane(p);
		drmModeFreeObjectProperties(props);
	}
	drmModeFreePlaneResources(pr);
	return found;
}

/* ---- the sim guest, driven through vgfbd (SIM_CONTROL) ---- */

static struct vgfb *ctl;	/* queries, as a consumer */
static int sim_sock = -1;	/* SIM_CONTROL, on its own connection */

static int
sim_reply(struct vgfb_msg *r)
{
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	struct pollfd p = { .fd = sim_sock, .events = POLLIN };
	unsigned int n_fds = 0;
	int fds[1], n;

	if (poll(&p, 1, 5000) != 1)
		return -ETIMEDOUT;
	n = vgfb__proto_recv(sim_sock, buf, sizeof(buf), fds, 1, &n_fds, 0);
	vgfb__proto_close_fds(fds, n_fds);
	if (n <= 0)
		return n == 0 ? -ENOTCONN : n;
	return vgfb__proto_parse(buf, (size_t)n, VGFB_PROTO_TO_CLIENT, r);
}

static int
sim_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct vgfb_msg hello;

	if (sim_sock >= 0)
		close(sim_sock);
	sim_sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (sim_sock < 0 ||
	    connect(sim_sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return -errno;
	if (sim_reply(&hello) || hello.type != VGFB_MSG_HELLO)
		return -EPROTO;
	return 0;
}

/* One SIM_CONTROL operation: 0, or the daemon's negative errno. */
static int
sim(uint32_t op, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3)
{
	struct vgfb_msg m = {
		.type = VGFB_MSG_SIM_CONTROL,
		.sim = { op, 0, { a0, a1, a2, a3 } },
	}, r;
	unsigned char buf[VGFB_PROTO_MAX_MSG];
	int n = vgfb__proto_encode(&m, VGFB_PROTO_TO_SERVER, buf, sizeof(buf));

	if (n <= 0 || send(sim_sock, buf, (size_t)n, MSG_NOSIGNAL) != n ||
	    sim_reply(&r)) {
		printf("VGFB_INFO SIM_CONTROL %u: no answer\n", op);
		return -EPROTO;
	}
	if (r.type == VGFB_MSG_ERROR) {
		printf("VGFB_INFO SIM_CONTROL %u: %s\n", op,
		       strerror(-(int)r.error.error));
		return (int)r.error.error;
	}
	return 0;
}

/* ---- the steps ---- */

static bool
plane(struct vfio_device_gfx_plane_info *info, uint64_t *seq)
{
	struct vgfb_plane_ext ext = { .argsz = sizeof(ext) };

	*info = (struct vfio_device_gfx_plane_info){
		.argsz = sizeof(*info),
		.flags = VFIO_GFX_PLANE_TYPE_REGION,
		.drm_plane_type = 1,
	};
	if (vgfb_query_plane_ext(ctl, info, &ext))
		return false;
	*seq = ext.frame_seq;
	return true;
}

static bool
start_vgfbd(const char *name, const char *target)
{
	char *argv[] = { (char *)vgfbd_path, "--target", (char *)target,
			 "--name", (char *)name, "--sim-control", NULL };
	char sock[64];

	snprintf(sock, sizeof(sock), "/run/vgfb/%s/socket", name);
	vgfbd_pid = spawn("/tmp/vgfbd.log", argv);
	for (int i = 0; i < 200; i++) {
		if (access(sock, F_OK) == 0)
			return true;
		sleep_ms(50);
	}
	return false;
}

/*
 * cirrus: the preferred mode (1024x768, the guest's size: import, and a
 * letterbox after the resize); std and virtio: --mode guest, so the
 * import is tried (and refused by the driver) and the resize changes the
 * mode.
 */
static pid_t
start_kms(const char *target)
{
	bool guest_mode = strcmp(kind, "cirrus") != 0;
	char *argv[] = { (char *)kms_path, "-v", "--stats", "--target",
			 (char *)target, guest_mode ? "--mode" : NULL,
			 "guest", NULL };

	return spawn(KMS_LOG, argv);
}

/* The CRTC vgfb-kms said it drives, once it said it. */
static uint32_t
kms_crtc(void)
{
	const char *p;

	for (int i = 0; i < 200; i++) {
		p = strstr(slurp(KMS_LOG), ", CRTC ");
		if (p)
			return (uint32_t)strtoul(p + 7, NULL, 10);
		sleep_ms(50);
	}
	return 0;
}

static void
test_no_master(void)
{
	char *argv[] = { (char *)kms_path, "--target", "sim", NULL };
	const char *log;
	pid_t pid;
	int st;

	/* the test's own fd, opened first, is the master */
	if (!drmIsMaster(card)) {
		result("no_master", false, "the test's fd is not DRM master");
		return;
	}
	pid = spawn("/tmp/vgfb-kms-nomaster.log", argv);
	st = reap(pid, 10000);
	log = slurp("/tmp/vgfb-kms-nomaster.log");
	if (st < 0) {
		stop(&pid);
		result("no_master", false, "vgfb-kms kept running without DRM master");
	} else {
		result("no_master",
		       WIFEXITED(st) && WEXITSTATUS(st) == 1 &&
			       strstr(log, "not its DRM master"),
		       "exit status %d: %.*s", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
		       (int)strcspn(log, "\n"), log);
	}
	drmDropMaster(card);
}

/* vgfb-kms's counters (--stats), printed on SIGUSR1: the latest ones. */
struct kms_counters {
	unsigned long long frames[2];	/* import, copy */
	double mean_ms[2];
	unsigned long long copied, full;
};

static unsigned int
count_of(const char *s, const char *what, const char **last)
{
	unsigned int n = 0;

	*last = NULL;
	for (const char *q = strstr(s, what); q; q = strstr(q + 1, what)) {
		*last = q;
		n++;
	}
	return n;
}

static bool
counters(struct kms_counters *c)
{
	const char *what = "stats: copy path read ", *p, *q;
	unsigned int before = count_of(slurp(KMS_LOG), what, &p);
	const char *log = "";
	bool got = false;

	memset(c, 0, sizeof(*c));
	kill(kms_pid, SIGUSR1);
	/* the copy line comes last of the four: wait for a new one */
	for (int i = 0; i < 100 && !got; i++) {
		log = slurp(KMS_LOG);
		got = count_of(log, what, &p) > before &&
		      sscanf(p, "stats: copy path read %llu bytes of %llu",
			     &c->copied, &c->full) == 2;
		if (!got)
			sleep_ms(50);
	}
	for (int k = 0; got && k < 2; k++) {
		const char *name = k ? "stats: copy: " : "stats: import: ";

		if (count_of(log, name, &q))
			sscanf(q + strlen(name), "%llu frames, event to ioctl "
			       "return %lf", &c->frames[k], &c->mean_ms[k]);
	}
	return got;
}

/*
 * The benchmark of docs/kms.md: 50 in-place updates of 64x64, each
 * waited for.  What the copy path read against the damage's bytes and
 * against whole frames, and the time from the change event to the
 * ioctl's return, per path.  Numbers for people (TCG), never judged:
 * the result says that it ran.
 */
static void
bench_updates(uint32_t w, uint32_t h)
{
	struct vfio_device_gfx_plane_info info;
	struct kms_counters a, b;
	unsigned long k;
	uint64_t seq;
	const int n = 50;
	bool ok = counters(&a);

	for (int i = 0; i < n && ok; i++) {
		k = shown_count(NULL);
		sim(VGFB_SIM_UPDATE, (uint32_t)(i * 37) % (w - 64),
		    (uint32_t)(i * 53) % (h - 64), 64, 64);
		plane(&info, &seq);
		ok = wait_shown(k, seq);
	}
	ok = ok && counters(&b);
	for (int p = 0; ok && p < 2; p++) {
		unsigned long long fr = b.frames[p] - a.frames[p];
		double ms = fr ? (b.mean_ms[p] * b.frames[p] -
				  a.mean_ms[p] * a.frames[p]) / fr : 0;

		if (!fr)
			continue;
		printf("VGFB_BENCH kms %s: %d in-place 64x64 updates of a %ux%u "
		       "XRGB8888 guest, path %s: %llu frames, event to ioctl "
		       "return %.2f ms mean; copy path read %llu bytes = %.2f x "
		       "the damage's %u bytes, %.4f of the full frames' %llu\n",
		       kind, n, w, h, p ? "copy" : "import", fr, ms,
		       b.copied - a.copied,
		       (double)(b.copied - a.copied) / (n * 64 * 64 * 4),
		       n * 64 * 64 * 4,
		       (double)(b.copied - a.copied) / ((double)n * w * h * 4),
		       (unsigned long long)n * w * h * 4);
	}
	result("bench_updates", ok, "%d in-place updates shown, numbers in "
	       "the VGFB_BENCH line", n);
}

/* Which path vgfb-kms said it took, against what this driver allows. */
static void
test_path(void)
{
	const char *log = slurp(KMS_LOG);
	bool ok;

	if (strcmp(kind, "cirrus") == 0)
		ok = strstr(log, "path import:") != NULL;
	else if (strcmp(kind, "std") == 0)
		ok = strstr(log, "path copy: PRIME import of the guest's buffer "
				 "failed: Function not implemented") != NULL;
	else
		ok = strstr(log, "path copy: PRIME import of the guest's buffer "
				 "failed: No such device") != NULL;
	result("path", ok, "%.*s", (int)strcspn(strstr(log, "path ") ?: log, "\n"),
	       strstr(log, "path ") ?: log);
}

static void
say_mode(uint32_t *mw, uint32_t *mh)
{
	uint32_t fb;

	if (!crtc_state(crtc_id, &fb, mw, mh))
		*mw = *mh = 0;
}

int
main(int argc, char **argv)
{
	struct vfio_device_gfx_plane_info info;
	uint32_t before_fb = 0, bw = 0, bh = 0, mw, mh, fb;
	struct { uint32_t fb, w, h; } before[8] = { { 0 } };
	uint32_t crtcs[8] = { 0 };
	drmModeResPtr res;
	uint64_t seq, seq0;
	unsigned long k;
	bool virtio;
	int st;

	if (argc != 4) {
		fprintf(stderr, "usage: vgfb-kmstest KIND VGFBD VGFB_KMS\n");
		return 2;
	}
	kind = argv[1];
	vgfbd_path = argv[2];
	kms_path = argv[3];
	virtio = strcmp(kind, "virtio") == 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	ack_fd = open_ack();
	card = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (ack_fd < 0 || card < 0) {
		result("setup", false, "%s: %s", ack_fd < 0 ? "/dev/ttyS1" :
		       "/dev/dri/card0", strerror(errno));
		return 1;
	}
	test_no_master();
	/* the screen as vgfb-kms will find it (the host keeps it) */
	check("name=before mode=1x1");

	if (!start_vgfbd("kms", "sim:mode=1024x768,exporter=vgfb")) {
		result("setup", false, "vgfbd did not come up: %s",
		       slurp("/tmp/vgfbd.log"));
		return 1;
	}
	/* the socket file exists from bind(), before listen(): connect
	 * until it is served, 10 s at most */
	for (int i = 0; i < 200; i++) {
		if (vgfb_open("unix:" SOCK, &ctl) == 0)
			break;
		ctl = NULL;
		sleep_ms(50);
	}
	if (!ctl || sim_connect(SOCK)) {
		result("setup", false, "cannot open unix:" SOCK ": %s",
		       slurp("/tmp/vgfbd.log"));
		return 1;
	}
	/* the cursor comes later: first the primary plane alone */
	sim(VGFB_SIM_SET_CURSOR, 0, 0, 0, 0);

	/* what every CRTC shows before vgfb-kms: fbdev's console */
	res = drmModeGetResources(card);
	for (int i = 0; res && i < res->count_crtcs && i < 8; i++) {
		crtcs[i] = res->crtcs[i];
		crtc_state(crtcs[i], &before[i].fb, &before[i].w, &before[i].h);
	}
	kms_pid = start_kms("unix:" SOCK);
	crtc_id = kms_crtc();
	for (int i = 0; res && i < res->count_crtcs && i < 8; i++) {
		if (crtcs[i] == crtc_id) {
			before_fb = before[i].fb;
			bw = before[i].w;
			bh = before[i].h;
		}
	}
	drmModeFreeResources(res);
	if (!crtc_id) {
		result("setup", false, "vgfb-kms named no CRTC: %s",
		       slurp(KMS_LOG));
		return 1;
	}

	/* 1. the guest's first frame */
	plane(&info, &seq0);
	if (!wait_shown(0, seq0)) {
		result("initial", false, "vgfb-kms showed nothing in %d ms: %s",
		       STEP_MS, slurp(KMS_LOG));
		stop(&kms_pid);
		return 1;
	}
	test_path();
	say_mode(&mw, &mh);
	check("name=initial mode=%ux%u guest=%ux%u frame=%" PRIu64, mw, mh,
	      info.width, info.height, seq0);

	/* 2. a flip */
	k = shown_count(NULL);
	sim(VGFB_SIM_FLIP, 0, 0, 0, 0);
	plane(&info, &seq);
	result("flip_shown", wait_shown(k, seq), "frame_seq %" PRIu64, seq);
	check("name=flip mode=%ux%u guest=%ux%u frame=%" PRIu64, mw, mh,
	      info.width, info.height, seq);

	/* 3. an update in place */
	seq0 = seq;
	k = shown_count(NULL);
	sim(VGFB_SIM_UPDATE, 100, 100, 200, 150);
	plane(&info, &seq);
	result("update_shown", wait_shown(k, seq), "frame_seq %" PRIu64, seq);
	check("name=update mode=%ux%u guest=%ux%u frame=%" PRIu64
	      " rect=100,100,200,150,%" PRIu64, mw, mh, info.width,
	      info.height, seq0, seq);

	/* 4. a resize: letterboxed on the same mode, or a new mode */
	k = shown_count(NULL);
	sim(VGFB_SIM_SET_MODE, 640, 480, DRM_FORMAT_XRGB8888, 0);
	plane(&info, &seq);
	result("resize_shown", wait_shown(k, seq), "frame_seq %" PRIu64, seq);
	say_mode(&mw, &mh);
	check("name=resize mode=%ux%u guest=%ux%u frame=%" PRIu64, mw, mh,
	      info.width, info.height, seq);

	/* 5. the cursor: a plane where there is one, else composited */
	k = shown_count(NULL);
	sim(VGFB_SIM_SET_CURSOR, 1, 300, 200, 0);
	if (virtio) {
		int64_t x = -1, y = -1;
		bool on = false;

		for (int i = 0; i < STEP_MS / 50 && !on; i++) {
			on = cursor_plane_fb(&fb, &x, &y) && fb;
			if (!on)
				sleep_ms(50);
		}
		/* hotspot (2,2) at guest (300,200); image origin on screen */
		result("cursor_plane", on && x == 300 - 2 + (mw - 640) / 2 &&
					       y == 200 - 2 + (mh - 480) / 2,
		       "cursor plane fb %u at %" PRId64 ",%" PRId64, on ? fb : 0,
		       x, y);
		check("name=cursor mode=%ux%u guest=%ux%u frame=%" PRIu64, mw,
		      mh, info.width, info.height, seq);
	} else {
		result("cursor_shown", wait_shown(k, seq), "composited");
		check("name=cursor mode=%ux%u guest=%ux%u frame=%" PRIu64
		      " cursor=300,200", mw, mh, info.width, info.height, seq);
	}
	/* hidden again: off the plane, or erased from the frame */
	k = shown_count(NULL);
	sim(VGFB_SIM_SET_CURSOR, 0, 300, 200, 0);
	if (virtio) {
		int64_t x, y;
		bool off = false;

		for (int i = 0; i < STEP_MS / 50 && !off; i++) {
			off = cursor_plane_fb(&fb, &x, &y) && fb == 0;
			if (!off)
				sleep_ms(50);
		}
		result("cursor_hidden", off, "cursor plane fb %u", fb);
	} else {
		result("cursor_hidden", wait_shown(k, seq), "erased");
		check("name=cursor_hidden mode=%ux%u guest=%ux%u frame=%" PRIu64,
		      mw, mh, info.width, info.height, seq);
	}

	/* 6. disabled: black, vgfb-kms stays */
	k = shown_count(NULL);
	sim(VGFB_SIM_SET_MODE, 0, 0, DRM_FORMAT_XRGB8888, 0);
	result("disable_shown", wait_shown(k, 0), "black");
	check("name=disable mode=%ux%u black", mw, mh);

	/* 7. back to 1024x768, then the benchmark's in-place updates */
	k = shown_count(NULL);
	sim(VGFB_SIM_SET_MODE, 1024, 768, DRM_FORMAT_XRGB8888, 0);
	plane(&info, &seq);
	wait_shown(k, seq);
	bench_updates(info.width, info.height);

	/* 8. the guest dies: vgfb-kms exits 0 and gives the CRTC back */
	sim(VGFB_SIM_DESTROY_GUEST, 0, 0, 0, 0);
	st = reap(kms_pid, STEP_MS);
	kms_pid = st < 0 ? kms_pid : 0;
	result("guest_gone_exit", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "exit status %d", st < 0 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	stop(&kms_pid);
	crtc_state(crtc_id, &fb, &mw, &mh);
	result("guest_gone_restored", fb == before_fb && mw == bw && mh == bh,
	       "CRTC %u shows fb %u %ux%u, before vgfb-kms fb %u %ux%u",
	       crtc_id, fb, mw, mh, before_fb, bw, bh);
	/*
	 * The screen the console showed before, again: on cirrus and
	 * virtio-gpu the console's buffer keeps its pixels.  bochs keeps
	 * framebuffers in VRAM, and what the console's buffer showed before
	 * vgfb-kms was whatever VRAM held (SeaBIOS's text, seen here), which
	 * the VRAM manager need not keep while vgfb-kms's buffers are there;
	 * the CRTC check above is the claim there.
	 */
	if (strcmp(kind, "std") != 0)
		check("name=restored mode=%ux%u before", bw, bh);
	printf("%s", strstr(slurp(KMS_LOG), "vgfb-kms: stats:") ?: "");
	vgfb_close(ctl);
	stop(&vgfbd_pid);

	/* 9. SIGTERM gives the CRTC back too */
	if (!start_vgfbd("kms2", "sim:mode=1024x768,exporter=vgfb,cursor=off")) {
		result("sigterm", false, "vgfbd did not come up");
		return 0;
	}
	kms_pid = start_kms("unix:/run/vgfb/kms2/socket");
	wait_shown(0, 0);
	kill(kms_pid, SIGTERM);
	st = reap(kms_pid, STEP_MS);
	kms_pid = st < 0 ? kms_pid : 0;
	stop(&kms_pid);
	crtc_state(crtc_id, &fb, &mw, &mh);
	result("sigterm_restored", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
		fb == before_fb && mw == bw && mh == bh,
	       "exit status %d; CRTC %u shows fb %u %ux%u, before fb %u %ux%u",
	       st < 0 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
	       crtc_id, fb, mw, mh, before_fb, bw, bh);
	stop(&vgfbd_pid);
	return 0;
}
