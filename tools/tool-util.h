/* SPDX-License-Identifier: MIT */
/* What vgfb-query and vgfb-dump share: opening a target, reading a plane. */
#ifndef VGFB_TOOL_UTIL_H
#define VGFB_TOOL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <vgfb/vgfb.h>

#define DEFAULT_TARGET "sim"

enum plane_mode {
	MODE_AUTO,
	MODE_DMABUF,
	MODE_REGION,
};

int tool_parse_mode(const char *s, enum plane_mode *mode);

/* The options vgfb-query and vgfb-dump share: -t -m -W -v. */
struct tool_options {
	const char *progname;
	void (*usage)(FILE *f);	/* the tool's --help text */
	const char *target;
	enum plane_mode mode;
	int wait_ms;		/* --wait: for the primary plane, 0: not */
	int verbose;
	uint32_t head;		/* vgfb-dump's --head */
};

#define TOOL_SHARED_SHORT_OPTS "t:m:W:vh"
#define TOOL_SHARED_LONG_OPTS \
	{ "target", required_argument, NULL, 't' }, \
	{ "mode", required_argument, NULL, 'm' }, \
	{ "wait", required_argument, NULL, 'W' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }

void tool_options_init(struct tool_options *o, const char *progname,
		       void (*usage)(FILE *f));

/* A decimal in [0, max] into *out: 0, or -1 and a message on stderr. */
int tool_parse_uint(const struct tool_options *o, const char *what,
		    const char *arg, unsigned long max, unsigned long *out);

/*
 * Take getopt's option c if it is a shared one (true), else false.  A bad
 * value is said on stderr and ends the program with status 2, as any bad
 * option does; --help prints the usage and ends it with 0.
 */
bool tool_take_option(struct tool_options *o, int c, const char *arg);

/*
 * --on-guest-gone's value: false for "exit", true for "wait"; anything
 * else is said on stderr and ends the program with status 2.
 */
bool tool_parse_on_guest_gone(const struct tool_options *o, const char *arg);

/* An unknown option, or operands left after them: usage, status 2. */
void tool_bad_usage(const struct tool_options *o) __attribute__((noreturn));

/* Operands are not taken: tool_bad_usage() unless none are left. */
void tool_no_operands(const struct tool_options *o, int argc, int optind);

/*
 * Open the target with the tool's verbosity, select the head and wait for
 * its primary plane as asked; every error is said on stderr.
 */
int tool_start(const struct tool_options *o, struct vgfb **out);

/* vgfb_open() with the tool's verbosity; prints the error itself. */
int tool_open(const char *progname, const char *target, int verbose,
	      struct vgfb **out);

/* MODE_AUTO resolved against what the target offers. */
uint32_t tool_query_flag(struct vgfb *ctx, enum plane_mode mode);

/*
 * A CPU view of a plane: the dma-buf (with DMA_BUF_IOCTL_SYNC around the
 * read) or the region, mapped read-only.
 */
struct plane_view {
	int fd;
	void *addr;
	size_t size;
	bool is_dmabuf;
};

/*
 * DMA_BUF_IOCTL_SYNC for a CPU read: flags DMA_BUF_SYNC_START before it,
 * DMA_BUF_SYNC_END after it.  0 or a negative errno.
 */
int tool_dmabuf_sync(int fd, uint64_t flags);

int tool_map_plane(struct vgfb *ctx, uint32_t flag,
		   const struct vfio_device_gfx_plane_info *info,
		   struct plane_view *view);
void tool_unmap_plane(struct plane_view *view);

/*
 * Wait up to timeout_ms for the current head's primary plane to be enabled
 * (a Xen guest's frontend connects after we open), sleeping on the event
 * fd.  0 when it is, -ETIMEDOUT, or another negative errno.
 */
int tool_wait_for_plane(struct vgfb *ctx, int timeout_ms);

/*
 * Query the current head's primary plane with its extension record in
 * *flag's mode.  A plane no dma-buf can describe (-ENOTSUP, a device
 * model's dma-buf at an offset: docs/source-protocol.md) moves *flag to
 * REGION for good when may_fall_back, said once on stderr.  0 or the
 * query's negative errno.
 */
int tool_query_primary(const char *progname, struct vgfb *ctx, uint32_t *flag,
		       bool may_fall_back,
		       struct vfio_device_gfx_plane_info *info,
		       struct vgfb_plane_ext *ext);

/*
 * The plane's width x height pixels (at src, info->stride apart) as
 * ARGB8888 into dst (width * height words), opaque where the format has
 * no alpha: how the tools take a cursor image.
 */
void tool_pixels_to_argb(const struct vfio_device_gfx_plane_info *info,
			 const void *src, uint32_t *dst);

const char *tool_plane_name(uint32_t drm_plane_type);
const char *tool_event_name(uint32_t type);
void tool_format_fourcc(uint32_t fourcc, char out[5]);

#endif
