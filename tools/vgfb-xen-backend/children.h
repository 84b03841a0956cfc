/* SPDX-License-Identifier: MIT */
/*
 * The processes a supervisor runs, one per xb_child (plan.h): starting
 * one with a clean signal state, reaping, and stopping them all.  Shared
 * by vgfb-xen-backend (a vgfbd per domain) and vgfb-follow (a command per
 * vgfbd instance).
 */
#ifndef VGFB_XEN_BACKEND_CHILDREN_H
#define VGFB_XEN_BACKEND_CHILDREN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "plan.h"

/* CLOCK_MONOTONIC in milliseconds, the planner's clock. */
int64_t xb_now_ms(void);

/*
 * Start argv[0] (path; searched in PATH when search) with no signal
 * blocked and SIGPIPE at its default, whatever the supervisor does with
 * them.  Records the start in c (started_ms; on success pid, and
 * stopping cleared; on failure the exit, xb_child_exited).  Returns 0 or
 * an errno value.
 */
int xb_start(struct xb_child *c, const char *path, char *const argv[],
	     bool search);

/*
 * Reap every exited process; for each that is one of children[0..n),
 * call exited(child, wait status, data) (NULL: nothing) before
 * xb_child_exited() records it.
 */
void xb_reap(struct xb_child *children, unsigned int n,
	     void (*exited)(struct xb_child *c, int status, void *data),
	     void *data);

/*
 * SIGTERM every running child, reap (calling exited as above) for up to
 * wait_ms, then SIGKILL and reap what is left.
 */
void xb_stop_all(struct xb_child *children, unsigned int n,
		 unsigned int wait_ms,
		 void (*exited)(struct xb_child *c, int status,
				void *data),
		 void *data);

#endif
