/* SPDX-License-Identifier: MIT */
/*
 * What vgfb-xen-backend must do, decided without side effects: given the
 * domains xenstore says need a display backend in this domain, and the
 * vgfbd children it runs, the actions that bring the two together.  Kept
 * pure so that every transition (a new domain, a rename, a domain gone, a
 * child that died, its back-off) is unit tested (tests/test-xen-backend.c)
 * without Xen.
 */
#ifndef VGFB_XEN_BACKEND_PLAN_H
#define VGFB_XEN_BACKEND_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define XB_NAME_LEN 65		/* a domain name as vgfbd --name takes it */
#define XB_MAX_CHILDREN 256	/* domains served at once */

/* A domain with a display device whose backend is this domain. */
struct xb_domain {
	uint32_t domid;
	char name[XB_NAME_LEN];	/* "" when it has none (yet) */
};

/* One vgfbd, serving one domain. */
struct xb_child {
	uint32_t domid;
	char name[XB_NAME_LEN];	/* its /run/vgfb/<name>; "" before start */
	pid_t pid;		/* 0: not running */
	bool stopping;		/* SIGTERM sent: the domain is gone */
	bool finished;		/* done for good while its domain stays (set
				 * by the supervisor: vgfb-follow's commands
				 * that exit 0); never started again */
	unsigned int failures;	/* exits while its domain lived, in a row */
	int64_t start_after_ms;	/* back-off: not started before this */
	int64_t started_ms;	/* when the running one started */
};

enum xb_action_kind {
	XB_START = 1,		/* spawn vgfbd for child (its name is set) */
	XB_STOP = 2,		/* SIGTERM child: its domain is gone */
	XB_RENAME = 3,		/* move /run/vgfb/<old> to <new> */
	XB_FORGET = 4,		/* no process, no domain: clean up, drop */
};

struct xb_action {
	enum xb_action_kind kind;
	uint32_t slot;		/* index into the children array */
	char old_name[XB_NAME_LEN];	/* XB_RENAME, XB_FORGET: its old dir */
};

/*
 * A child that ran at least this long is healthy again: its next exit
 * restarts it at once.  After exits in a row it backs off 2, 4, 8 ... 60 s.
 */
#define XB_HEALTHY_MS 30000
#define XB_BACKOFF_MAX_MS 60000

/*
 * Compare domains[0..n_domains) with children[0..*n_children) at time
 * now_ms and write at most max_actions actions.  New domains get a child
 * slot appended (with *n_children grown, up to XB_MAX_CHILDREN; more are
 * ignored until a slot frees) and a START once their name is known; a
 * child whose domain is gone gets STOP while its process runs, FORGET
 * once it does not (FORGET slots are removed by the caller, from the
 * highest index down, after acting); a renamed domain's child gets
 * RENAME (the child's name is updated here).  A child whose process is
 * not running while its domain lives gets START when its back-off has
 * passed, it is not finished, and no other child runs under the same
 * name (a rebooted domain's old vgfbd, still stopping).  Returns the
 * number of actions.
 */
unsigned int xb_plan(const struct xb_domain *domains, unsigned int n_domains,
		     struct xb_child *children, unsigned int *n_children,
		     int64_t now_ms, struct xb_action *actions,
		     unsigned int max_actions);

/*
 * The child in slot exited (or failed to start) at now_ms: count the
 * failure unless it ran XB_HEALTHY_MS, and set its back-off.
 */
void xb_child_exited(struct xb_child *c, int64_t now_ms);

/* A valid vgfbd instance name: [A-Za-z0-9_.-], 1..64, not starting '.'. */
bool xb_valid_name(const char *name);

#endif
