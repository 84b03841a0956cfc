/* SPDX-License-Identifier: MIT */
/*
 * Which domains need a display backend here: every domain with a device
 * under this domain's backend/vdispl (libxl writes it for an xl.cfg
 * `vdispl = [ "backend=0,..." ]` line), with its name.
 */
#ifndef VGFB_XEN_BACKEND_XS_SCAN_H
#define VGFB_XEN_BACKEND_XS_SCAN_H

#include <stdint.h>
#include <xenstore.h>

#include "plan.h"

/* This domain's id (0 in dom0): -errno when xenstore does not say. */
int xb_self_domid(struct xs_handle *xs, uint32_t *domid);

/*
 * Fill out[0..max) with the domains that have at least one vdispl device
 * backed by self_domid, their names read from /local/domain/<id>/name; a
 * name vgfbd cannot use as an instance name becomes "domid-<id>"
 * (*renamed counts those).  @return the number found (at most max) or
 * -errno.
 */
int xb_scan(struct xs_handle *xs, uint32_t self_domid, struct xb_domain *out,
	    unsigned int max, unsigned int *renamed);

/* The xenstore directory scanned (for the watch): backend/vdispl. */
void xb_backend_dir(uint32_t self_domid, char *buf, size_t len);

#endif
