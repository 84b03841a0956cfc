/* SPDX-License-Identifier: MIT */
/*
 * What the step-driven guest programs (guest-drm, guest-fb) share: a
 * xenstore reader (requests written to /dev/xen/xenbus in xs_wire.h's
 * format, no libxenstore, so the static binaries stay small; one request
 * at a time) and idling.  The uptime their console lines carry is
 * tier_uptime() (tests/tier-lib.h).
 */
#ifndef VGFB_GUEST_LIB_H
#define VGFB_GUEST_LIB_H

#include <stddef.h>
#include <stdint.h>

/*
 * XS_READ of `path` relative to this domain's home: 0 and the value in
 * out, -ENOENT when the node is absent, another negative errno else.
 */
int guest_xs_read(int xb, uint32_t req_id, const char *path, char *out,
		  size_t outlen);

/*
 * Wait until dom0 has written a number >= `step` into `node` (forever:
 * dom0 decides), polling every 200 ms.  0, or a negative errno after
 * printing "<err_tag> xenstore read <node>: <error>".
 */
int guest_xs_wait_step(int xb, const char *node, long step,
		       const char *err_tag);

/* Sleep until dom0 destroys the domain. */
void guest_idle_forever(void) __attribute__((noreturn));

#endif
