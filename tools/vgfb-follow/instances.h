/* SPDX-License-Identifier: MIT */
/*
 * vgfb-follow's view of the run directory: the vgfbd instances that are
 * there (RUN_DIR/<name>/socket is a socket), each with an id that stays
 * the same while the instance stays, so that vgfb-xen-backend's pure
 * planner (plan.h, keyed by domid) decides what to start and stop.  A
 * name that goes away and comes back (a rebooted guest under
 * vgfb-xen-backend) gets a new id, hence a new command.
 */
#ifndef VGFB_FOLLOW_INSTANCES_H
#define VGFB_FOLLOW_INSTANCES_H

#include <stdint.h>

#include "plan.h"

struct vf_instances {
	struct xb_domain seen[XB_MAX_CHILDREN];	/* domid: our id */
	unsigned int n;
	uint32_t next_id;
};

/*
 * Merge the names found now (valid instance names only; at most
 * XB_MAX_CHILDREN) into the table: names still there keep their id, new
 * ones get the next, gone ones are dropped.  Returns how many names were
 * left out (invalid or beyond the bound).
 */
unsigned int vf_instances_update(struct vf_instances *t,
				 const char *const *names, unsigned int n);

/*
 * Scan run_dir for <name>/socket sockets; the names are written to
 * names[0..max) (each XB_NAME_LEN long).  Returns the count, or -errno
 * when run_dir cannot be read (a missing one counts as empty).
 */
int vf_scan(const char *run_dir, char (*names)[XB_NAME_LEN], unsigned int max);

#endif
