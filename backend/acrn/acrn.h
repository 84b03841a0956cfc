/* SPDX-License-Identifier: MIT */
/*
 * The ACRN platform (acrn.c: the source socket, one device model at a
 * time) and its one source (acrn-source.c: the VM's scanouts as heads),
 * fed by the source protocol (source-proto.h, include/vgfb/vgfb-source.h).
 * Every fd a device model sends is checked and measured here (acrn-fd.c)
 * before the core's validation policy sees the plane it holds.
 */
#ifndef VGFB_ACRN_H
#define VGFB_ACRN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform.h"
#include "source-proto.h"

/* ---- fds a device model hands over (acrn-fd.c) ---- */

enum acrn_fd_kind {
	ACRN_FD_DMABUF = 1,
	ACRN_FD_MEMFD = 2,	/* sealed GROW | SHRINK | SEAL */
	ACRN_FD_CURSOR = 3,	/* a memfd also sealed WRITE */
};

/* The largest memfd vgfbd maps: two images of the 256 MiB plane cap. */
#define ACRN_MAX_MEMFD_BYTES (512ull << 20)

struct acrn_fd {
	int fd;			/* -1: none */
	enum acrn_fd_kind kind;
	uint64_t size;		/* measured by vgfbd, never claimed */
	uint8_t *map;		/* memfds: our mapping of all size bytes */
};

/*
 * Take fd (ours from now on, closed on failure too) as a buffer of the
 * given kind: its kind and seals are checked, its size measured, and a
 * memfd mapped.  -EINVAL with a reason in why when it is not what it
 * must be.
 */
int vgfb__acrn_fd_take(int fd, enum acrn_fd_kind kind, struct acrn_fd *out,
		       char *why, size_t why_len);
void vgfb__acrn_fd_release(struct acrn_fd *f);

/* ---- the source: scanouts as heads (acrn-source.c) ---- */

struct acrn_source;

/* heads: 1..VGFB_SRC_MAX_SCANOUTS, fixed for the source's life. */
int vgfb__acrn_source_new(struct vgfb_local *m, uint32_t heads,
			  struct acrn_source **out);

/* Register it with the core (platform add_sources); the core owns it. */
int vgfb__acrn_source_register(struct acrn_source *s);

/*
 * Apply one parsed message from the connected device model (HELLO and
 * BYE are the platform's).  fd (-1 or ours) is consumed.  n_scanouts is
 * what HELLO announced.  0, or -errno with a reason in why: the platform
 * then drops the device model.
 */
int vgfb__acrn_source_apply(struct acrn_source *s, uint32_t n_scanouts,
			    const struct vgfb_src_msg *msg, int fd,
			    char *why, size_t why_len);

/* What clearing the scanouts tells consumers. */
enum acrn_clear {
	ACRN_CLEAR_DISABLED,	/* PLANE_DISABLED for each plane shown */
	ACRN_CLEAR_CHANGED,	/* PLANE_CHANGED for every plane (reboot) */
	ACRN_CLEAR_QUIET,	/* nothing (GUEST_GONE says it) */
};

/* Every scanout and cursor off, their buffers forgotten. */
void vgfb__acrn_source_clear(struct acrn_source *s, enum acrn_clear how);

/* A new connection: "scanout ignored" is logged once per connection. */
void vgfb__acrn_source_new_connection(struct acrn_source *s);

/* The backing of one of the source's buffers (platform get_backing). */
int vgfb__acrn_source_backing(struct acrn_source *s,
			      const struct vgfb_buffer *buf, uint64_t size,
			      struct vgfb_backing *out);

extern const struct vgfb_source_ops vgfb__acrn_source_ops;

#endif
