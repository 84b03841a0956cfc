/* SPDX-License-Identifier: MIT */
/* The supervised processes (children.h). */
#include "config.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "children.h"

extern char **environ;

int64_t
xb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
xb_start(struct xb_child *c, const char *path, char *const argv[],
	 bool search)
{
	posix_spawnattr_t attr;
	sigset_t none, pipe;
	pid_t pid;
	int rc;

	/* supervisors take their signals from a signalfd and ignore SIGPIPE */
	sigemptyset(&none);
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &pipe);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	rc = search ? posix_spawnp(&pid, path, NULL, &attr, argv, environ)
		    : posix_spawn(&pid, path, NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	c->started_ms = xb_now_ms();
	if (rc) {
		xb_child_exited(c, xb_now_ms());
		return rc;
	}
	c->pid = pid;
	c->stopping = false;
	return 0;
}

void
xb_reap(struct xb_child *children, unsigned int n,
	void (*exited)(struct xb_child *c, int status, void *data),
	void *data)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (unsigned int i = 0; i < n; i++) {
			if (children[i].pid != pid)
				continue;
			if (exited)
				exited(&children[i], status, data);
			xb_child_exited(&children[i], xb_now_ms());
			break;
		}
	}
}

void
xb_stop_all(struct xb_child *children, unsigned int n, unsigned int wait_ms,
	    void (*exited)(struct xb_child *c, int status, void *data),
	    void *data)
{
	int64_t end = xb_now_ms() + wait_ms;
	bool any;

	for (unsigned int i = 0; i < n; i++)
		if (children[i].pid) {
			kill(children[i].pid, SIGTERM);
			children[i].stopping = true;
		}
	do {
		xb_reap(children, n, exited, data);
		any = false;
		for (unsigned int i = 0; i < n; i++)
			any |= children[i].pid != 0;
		if (any)
			usleep(50000);
	} while (any && xb_now_ms() < end);
	for (unsigned int i = 0; i < n; i++) {
		int status;

		if (!children[i].pid)
			continue;
		kill(children[i].pid, SIGKILL);
		if (waitpid(children[i].pid, &status, 0) != children[i].pid)
			continue;
		if (exited)
			exited(&children[i], status, data);
		xb_child_exited(&children[i], xb_now_ms());
	}
}
