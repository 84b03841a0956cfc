/* SPDX-License-Identifier: MIT */
/*
 * vgfb-follow: run one command per vgfbd instance in the run directory,
 * following the instances as they come and go, e.g. a VNC server for
 * every guest vgfb-xen-backend serves:
 *
 *   vgfb-follow -- vgfb-vnc --target unix:{socket} \
 *                  --listen unix:/run/vgfb-vnc/{name}.sock
 *
 * An instance is RUN_DIR/<name>/socket being a socket; the run directory
 * is scanned every second.  A command whose instance went away gets
 * SIGTERM; one that exits 0 is done until the instance comes back; one
 * that fails while its instance stays is started again, at once after a
 * healthy run, else after 2, 4 ... 60 s (vgfb-xen-backend's planner,
 * tools/vgfb-xen-backend/plan.c).  It never needs to be root:
 * it reads the run directory and starts the commands as itself.
 * vgfb-follow(1).
 */
#include "config.h"

#include <errno.h>
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
#include <sys/wait.h>
#include <unistd.h>

#include "children.h"
#include "instances.h"
#include "plan.h"

#define RESCAN_MS 1000
#define STOP_WAIT_MS 5000	/* at exit: how long commands may take */
#define MAX_ARGS 64

struct follow {
	const char *run_dir;
	char *const *cmd;	/* the template, NULL-terminated */
	unsigned int n_cmd;
	int verbose;
	struct vf_instances instances;
	struct xb_child children[XB_MAX_CHILDREN];
	unsigned int n_children;
	unsigned int left_out;	/* last said */
};

static void
say(const struct follow *f, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
say(const struct follow *f, int level, const char *fmt, ...)
{
	va_list ap;

	if (level > f->verbose)
		return;
	va_start(ap, fmt);
	fputs("vgfb-follow: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* tmpl with every {name} and {socket} replaced; NULL without memory. */
static char *
expand(const char *tmpl, const char *name, const char *socket)
{
	size_t cap = strlen(tmpl) + 1, len = 0;
	char *out = malloc(cap);

	while (out && *tmpl) {
		const char *with = NULL;
		size_t skip = 1, add;

		if (strncmp(tmpl, "{name}", 6) == 0)
			with = name, skip = 6;
		else if (strncmp(tmpl, "{socket}", 8) == 0)
			with = socket, skip = 8;
		add = with ? strlen(with) : 1;
		if (len + add + 1 > cap) {
			char *bigger = realloc(out, cap += add + 64);

			if (!bigger) {
				free(out);
				return NULL;
			}
			out = bigger;
		}
		memcpy(out + len, with ? with : tmpl, add);
		len += add;
		tmpl += skip;
	}
	if (out)
		out[len] = '\0';
	return out;
}

static void
start_child(struct follow *f, struct xb_child *c)
{
	char socket[PATH_MAX], *argv[MAX_ARGS + 1] = { NULL };
	int rc = ENOMEM;

	snprintf(socket, sizeof(socket), "%s/%s/socket", f->run_dir, c->name);
	for (unsigned int i = 0; i < f->n_cmd; i++)
		if (!(argv[i] = expand(f->cmd[i], c->name, socket)))
			break;
	if (argv[f->n_cmd - 1])
		rc = xb_start(c, argv[0], argv, true);
	else
		xb_child_exited(c, xb_now_ms());
	if (rc)
		say(f, 0, "%s: cannot start %s: %s", c->name, f->cmd[0],
		    strerror(rc));
	else
		say(f, 1, "%s: started %s (pid %d)", c->name, argv[0],
		    (int)c->pid);
	for (unsigned int i = 0; i < f->n_cmd; i++)
		free(argv[i]);
}

/* Bring the commands in line with the run directory. */
static void
reconcile(struct follow *f)
{
	static char names[XB_MAX_CHILDREN][XB_NAME_LEN];
	const char *list[XB_MAX_CHILDREN];
	struct xb_action actions[2 * XB_MAX_CHILDREN];
	unsigned int n, left_out;
	int found;

	found = vf_scan(f->run_dir, names, XB_MAX_CHILDREN);
	if (found < 0) {
		say(f, 0, "cannot read %s: %s", f->run_dir, strerror(-found));
		return;
	}
	for (int i = 0; i < found; i++)
		list[i] = names[i];
	left_out = vf_instances_update(&f->instances, list,
				       (unsigned int)found);
	if (left_out != f->left_out && left_out)
		say(f, 0, "%u instance(s) in %s left out (bad names, or more "
		    "than %d)", left_out, f->run_dir, XB_MAX_CHILDREN);
	f->left_out = left_out;
	n = xb_plan(f->instances.seen, f->instances.n, f->children,
		    &f->n_children, xb_now_ms(), actions,
		    sizeof(actions) / sizeof(actions[0]));
	for (unsigned int i = 0; i < n; i++) {
		struct xb_child *c = &f->children[actions[i].slot];

		if (actions[i].kind == XB_START) {
			start_child(f, c);
		} else if (actions[i].kind == XB_STOP) {
			say(f, 1, "%s is gone: stopping pid %d", c->name,
			    (int)c->pid);
			kill(c->pid, SIGTERM);
			c->stopping = true;
		}
		/* XB_RENAME cannot happen (a new name is a new id) */
	}
	/* forgotten slots, highest first so the indexes stay right */
	for (unsigned int i = n; i-- > 0;)
		if (actions[i].kind == XB_FORGET)
			f->children[actions[i].slot] =
				f->children[--f->n_children];
}

/*
 * A command that exits 0 by itself is done with its instance (vgfb-vnc
 * when the guest is gone, a moment before the backend removes the
 * socket): it is started again only when the instance comes back.  Any
 * other exit is a failure, started again with the back-off.
 */
static void
report_exit(struct xb_child *c, int status, void *data)
{
	if (c->stopping)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		c->finished = true;
		say(data, 1, "%s: pid %d is done (status 0)", c->name,
		    (int)c->pid);
		return;
	}
	say(data, 0, "%s: pid %d %s %d while the instance is there", c->name,
	    (int)c->pid, WIFSIGNALED(status) ? "killed by signal"
					     : "exited with status",
	    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

static int
serve(struct follow *f)
{
	sigset_t mask;
	int sfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		say(f, 0, "signalfd: %s", strerror(errno));
		return 1;
	}
	say(f, 0, "following %s: %s for each instance", f->run_dir,
	    f->cmd[0]);
	for (;;) {
		struct pollfd p = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;

		xb_reap(f->children, f->n_children, report_exit, f);
		reconcile(f);
		if (poll(&p, 1, RESCAN_MS) < 0 && errno != EINTR) {
			say(f, 0, "poll: %s", strerror(errno));
			break;
		}
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
				say(f, 0, "signal %u: stopping every command",
				    si.ssi_signo);
				xb_stop_all(f->children, f->n_children,
					    STOP_WAIT_MS, report_exit, f);
				return 0;
			}
		}
	}
	xb_stop_all(f->children, f->n_children, STOP_WAIT_MS, report_exit, f);
	return 1;
}

static void
usage(FILE *out)
{
	fprintf(out,
"Usage: vgfb-follow [OPTIONS] -- COMMAND [ARGS...]\n"
"Run COMMAND once for every vgfbd instance in the run directory, as the\n"
"instances come and go.  In COMMAND and ARGS, {name} is the instance's\n"
"name and {socket} its socket.\n"
"\n"
"      --run-dir=DIR     instances are DIR/<name>/socket (default "
	XB_FOLLOW_RUN_DIR ")\n"
"  -v, --verbose         say what is started and stopped\n"
"  -h, --help            this text\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "run-dir", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct follow f = { .run_dir = XB_FOLLOW_RUN_DIR };
	int c;

	while ((c = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			f.run_dir = optarg;
			break;
		case 'v':
			f.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc || argc - optind > MAX_ARGS) {
		fprintf(stderr, "vgfb-follow: %s\n", optind == argc ?
			"no command to run (after --)" :
			"too many command arguments");
		usage(stderr);
		return 2;
	}
	if (f.run_dir[0] != '/') {
		fprintf(stderr, "vgfb-follow: --run-dir must be an absolute "
			"path\n");
		return 2;
	}
	f.cmd = argv + optind;
	f.n_cmd = (unsigned int)(argc - optind);
	signal(SIGPIPE, SIG_IGN);
	return serve(&f);
}
