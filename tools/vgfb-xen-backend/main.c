/* SPDX-License-Identifier: MIT */
/*
 * vgfb-xen-backend: the dom0 display backend service.  It watches
 * xenstore for domains whose xl.cfg gave them a vdispl device backed
 * here, and runs one vgfbd per such domain (`xen:<domid>`, the vdispl
 * device it was configured with), so that `xl create` finds its backend
 * in InitWait and consumers find /run/vgfb/<domain-name>/socket (and
 * /run/vgfb/by-domid/<domid>).  One process per domain keeps a hostile
 * guest's trouble in its own vgfbd.  vgfb-xen-backend(8).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#include "children.h"
#include "plan.h"
#include "rundir.h"
#include "xs-scan.h"

#define RESCAN_MS 2000		/* names (xl rename) and back-offs */
#define MAX_EXTRA_ARGS 16
#define STOP_WAIT_MS 5000	/* at exit: how long children may take */

struct backend {
	struct xs_handle *xs;
	uint32_t self;
	const char *vgfbd;
	const char *run_dir;
	const char *extra[MAX_EXTRA_ARGS];
	unsigned int n_extra;
	int verbose;
	struct xb_child children[XB_MAX_CHILDREN];
	unsigned int n_children;
	unsigned int last_renamed;
};

static void
say(const struct backend *b, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
say(const struct backend *b, int level, const char *fmt, ...)
{
	va_list ap;

	if (level > b->verbose)
		return;
	va_start(ap, fmt);
	fputs("vgfb-xen-backend: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* vgfbd --target xen:<domid>,vfb=off,vdispl=existing --name <name> ... */
static void
start_child(struct backend *b, struct xb_child *c)
{
	char target[64], socket[PATH_MAX];
	const char *argv[8 + MAX_EXTRA_ARGS];
	unsigned int n = 0;
	int rc;

	snprintf(target, sizeof(target), "xen:%u,vfb=off,vdispl=existing",
		 c->domid);
	argv[n++] = b->vgfbd;
	argv[n++] = "--target";
	argv[n++] = target;
	argv[n++] = "--name";
	argv[n++] = c->name;
	if (strcmp(b->run_dir, XB_DEFAULT_RUN_DIR) != 0) {
		snprintf(socket, sizeof(socket), "%s/%s/socket", b->run_dir,
			 c->name);
		argv[n++] = "--socket";
		argv[n++] = socket;
	}
	for (unsigned int i = 0; i < b->n_extra; i++)
		argv[n++] = b->extra[i];
	argv[n] = NULL;

	rc = xb_start(c, b->vgfbd, (char *const *)argv, false);
	if (rc) {
		say(b, 0, "domain %u (%s): cannot start %s: %s", c->domid,
		    c->name, b->vgfbd, strerror(rc));
		return;
	}
	say(b, 1, "domain %u (%s): vgfbd pid %d serves %s/%s/socket",
	    c->domid, c->name, (int)c->pid, b->run_dir, c->name);
	xb_rundir_link(b->run_dir, c->domid, c->name);
}

static bool
name_held(const struct backend *b, unsigned int self, const char *name)
{
	for (unsigned int i = 0; i < b->n_children; i++)
		if (i != self && strcmp(b->children[i].name, name) == 0)
			return true;
	return false;
}

static void
act(struct backend *b, const struct xb_action *a)
{
	struct xb_child *c = &b->children[a->slot];

	switch (a->kind) {
	case XB_START:
		start_child(b, c);
		break;
	case XB_STOP:
		say(b, 1, "domain %u (%s) is gone: stopping vgfbd pid %d",
		    c->domid, c->name, (int)c->pid);
		kill(c->pid, SIGTERM);
		c->stopping = true;
		break;
	case XB_RENAME:
		say(b, 1, "domain %u renamed %s -> %s", c->domid, a->old_name,
		    c->name);
		xb_rundir_rename(b->run_dir, c->domid, a->old_name, c->name);
		break;
	case XB_FORGET:
		if (a->old_name[0])
			xb_rundir_remove(b->run_dir, c->domid, a->old_name,
					 name_held(b, a->slot, a->old_name));
		say(b, 1, "domain %u (%s): cleaned up", c->domid,
		    a->old_name[0] ? a->old_name : "unnamed");
		break;
	}
}

/* Bring the children in line with xenstore. */
static void
reconcile(struct backend *b)
{
	struct xb_domain domains[XB_MAX_CHILDREN];
	struct xb_action actions[2 * XB_MAX_CHILDREN];
	unsigned int renamed, n;
	int found;

	found = xb_scan(b->xs, b->self, domains, XB_MAX_CHILDREN, &renamed);
	if (found < 0) {
		say(b, 0, "cannot read xenstore: %s", strerror(-found));
		return;
	}
	if (renamed != b->last_renamed && renamed)
		say(b, 0, "%u domain name(s) cannot be instance names "
		    "([A-Za-z0-9_.-]): served as domid-<id>", renamed);
	b->last_renamed = renamed;
	n = xb_plan(domains, (unsigned int)found, b->children, &b->n_children,
		    xb_now_ms(), actions, sizeof(actions) / sizeof(actions[0]));
	for (unsigned int i = 0; i < n; i++)
		act(b, &actions[i]);
	/* forgotten slots, highest first so the indexes stay right */
	for (unsigned int i = n; i-- > 0;) {
		if (actions[i].kind != XB_FORGET)
			continue;
		b->children[actions[i].slot] = b->children[--b->n_children];
	}
}

static void
report_exit(struct xb_child *c, int status, void *data)
{
	if (!c->stopping)
		say(data, 0, "domain %u (%s): vgfbd pid %d %s %d while the "
		    "domain lives", c->domid, c->name, (int)c->pid,
		    WIFSIGNALED(status) ? "killed by signal"
					: "exited with status",
		    WIFSIGNALED(status) ? WTERMSIG(status)
					: WEXITSTATUS(status));
}

static void
reap(struct backend *b)
{
	xb_reap(b->children, b->n_children, report_exit, b);
}

/* SIGTERM every child, wait for them a while, clean up. */
static void
stop_all(struct backend *b)
{
	xb_stop_all(b->children, b->n_children, STOP_WAIT_MS, report_exit, b);
	for (unsigned int i = 0; i < b->n_children; i++) {
		struct xb_child *c = &b->children[i];

		if (c->name[0])
			xb_rundir_remove(b->run_dir, c->domid, c->name, false);
	}
}

static int
serve(struct backend *b)
{
	struct itimerspec its = {
		.it_interval = { RESCAN_MS / 1000, (RESCAN_MS % 1000) * 1000000 },
		.it_value = { RESCAN_MS / 1000, (RESCAN_MS % 1000) * 1000000 },
	};
	char dir[64];
	sigset_t mask;
	int sfd, tfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0) {
		say(b, 0, "signalfd/timerfd: %s", strerror(errno));
		return 1;
	}
	xb_backend_dir(b->self, dir, sizeof(dir));
	if (!xs_watch(b->xs, dir, "vdispl") ||
	    !xs_watch(b->xs, "@releaseDomain", "release")) {
		say(b, 0, "cannot watch %s: %s", dir, strerror(errno));
		return 1;
	}
	say(b, 0, "watching %s; vgfbd %s, sockets in %s", dir, b->vgfbd,
	    b->run_dir);
	reconcile(b);

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = xs_fileno(b->xs), .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = tfd, .events = POLLIN },
		};
		struct signalfd_siginfo si;
		uint64_t ticks;
		char **w;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			say(b, 0, "poll: %s", strerror(errno));
			break;
		}
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
				say(b, 0, "signal %u: stopping every vgfbd",
				    si.ssi_signo);
				stop_all(b);
				return 0;
			}
		}
		if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
			break;
		if (p[0].revents & POLLIN)
			while ((w = xs_check_watch(b->xs)))
				free(w);
		reap(b);
		reconcile(b);
	}
	stop_all(b);
	return 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: vgfb-xen-backend [OPTIONS] [-- VGFBD_ARGS...]\n"
"Run one vgfbd for every domain whose xl.cfg gives it a vdispl device\n"
"backed by this domain.\n"
"\n"
"      --vgfbd=PATH      the daemon to run (default " XB_VGFBD_PATH ")\n"
"      --run-dir=DIR     sockets in DIR/<name>/socket, links in\n"
"                        DIR/by-domid/<domid> (default " XB_DEFAULT_RUN_DIR ")\n"
"  -v, --verbose         say what is started and stopped\n"
"  -h, --help            this text\n"
"VGFBD_ARGS (at most %d) are passed to every vgfbd, e.g. -- -v\n",
		MAX_EXTRA_ARGS);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vgfbd", required_argument, NULL, 'V' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct backend b = {
		.vgfbd = XB_VGFBD_PATH,
		.run_dir = XB_DEFAULT_RUN_DIR,
	};
	int c, rc;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'V':
			b.vgfbd = optarg;
			break;
		case 'r':
			b.run_dir = optarg;
			break;
		case 'v':
			b.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind > MAX_EXTRA_ARGS) {
		fprintf(stderr, "vgfb-xen-backend: at most %d vgfbd arguments\n",
			MAX_EXTRA_ARGS);
		return 2;
	}
	while (optind < argc)
		b.extra[b.n_extra++] = argv[optind++];
	if (b.run_dir[0] != '/' || access(b.vgfbd, X_OK) < 0) {
		fprintf(stderr, "vgfb-xen-backend: %s\n", b.run_dir[0] != '/' ?
			"--run-dir must be an absolute path" :
			"the vgfbd to run is not executable (--vgfbd)");
		return 2;
	}
	b.xs = xs_open(0);
	if (!b.xs || xb_self_domid(b.xs, &b.self)) {
		fprintf(stderr, "vgfb-xen-backend: cannot reach xenstore "
			"(not a Xen domain, or xenstored not running)\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	rc = serve(&b);
	xs_close(b.xs);
	return rc;
}
