/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-buf.h>

#include "fd-size.h"
#include "format.h"
#include "tool-util.h"

int
tool_parse_mode(const char *s, enum plane_mode *mode)
{
	if (strcmp(s, "auto") == 0)
		*mode = MODE_AUTO;
	else if (strcmp(s, "dmabuf") == 0)
		*mode = MODE_DMABUF;
	else if (strcmp(s, "region") == 0)
		*mode = MODE_REGION;
	else
		return -EINVAL;
	return 0;
}

void
tool_options_init(struct tool_options *o, const char *progname,
		  void (*usage)(FILE *f))
{
	*o = (struct tool_options){
		.progname = progname,
		.usage = usage,
		.target = DEFAULT_TARGET,
		.mode = MODE_AUTO,
	};
}

int
tool_parse_uint(const struct tool_options *o, const char *what,
		const char *arg, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || *out > max) {
		fprintf(stderr, "%s: bad %s %s\n", o->progname, what, arg);
		return -1;
	}
	return 0;
}

bool
tool_take_option(struct tool_options *o, int c, const char *arg)
{
	unsigned long v;

	switch (c) {
	case 't':
		o->target = arg;
		return true;
	case 'm':
		if (tool_parse_mode(arg, &o->mode)) {
			fprintf(stderr, "%s: bad mode %s\n", o->progname, arg);
			exit(2);
		}
		return true;
	case 'W':
		if (tool_parse_uint(o, "wait", arg, 3600000, &v))
			exit(2);
		o->wait_ms = (int)v;
		return true;
	case 'v':
		o->verbose++;
		return true;
	case 'h':
		o->usage(stdout);
		exit(0);
	default:
		return false;
	}
}

bool
tool_parse_on_guest_gone(const struct tool_options *o, const char *arg)
{
	if (strcmp(arg, "exit") == 0)
		return false;
	if (strcmp(arg, "wait") == 0)
		return true;
	fprintf(stderr, "%s: --on-guest-gone takes exit or wait\n",
		o->progname);
	exit(2);
}

void
tool_bad_usage(const struct tool_options *o)
{
	o->usage(stderr);
	exit(2);
}

void
tool_no_operands(const struct tool_options *o, int argc, int optind)
{
	if (optind != argc)
		tool_bad_usage(o);
}

int
tool_start(const struct tool_options *o, struct vgfb **out)
{
	struct vgfb *ctx;
	int rc;

	rc = tool_open(o->progname, o->target, o->verbose, &ctx);
	if (rc)
		return rc;
	rc = vgfb_set_head(ctx, o->head);
	if (rc) {
		fprintf(stderr, "%s: head %" PRIu32 ": %s\n", o->progname,
			o->head, strerror(-rc));
		goto out_close;
	}
	if (o->wait_ms) {
		rc = tool_wait_for_plane(ctx, o->wait_ms);
		if (rc) {
			fprintf(stderr, "%s: waiting for the plane: %s\n",
				o->progname, strerror(-rc));
			goto out_close;
		}
	}
	*out = ctx;
	return 0;

out_close:
	vgfb_close(ctx);
	return rc;
}

int
tool_open(const char *progname, const char *target, int verbose,
	  struct vgfb **out)
{
	int rc = vgfb_open(target, out);

	if (rc) {
		fprintf(stderr, "%s: cannot open target \"%s\": %s\n",
			progname, target, strerror(-rc));
		return rc;
	}
	if (verbose)
		vgfb_set_log_priority(*out, verbose > 1 ? VGFB_LOG_DEBUG
							: VGFB_LOG_INFO);
	return 0;
}

uint32_t
tool_query_flag(struct vgfb *ctx, enum plane_mode mode)
{
	struct vfio_device_gfx_plane_info probe = {
		.argsz = sizeof(probe),
		.flags = VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF,
	};

	switch (mode) {
	case MODE_DMABUF:
		return VFIO_GFX_PLANE_TYPE_DMABUF;
	case MODE_REGION:
		return VFIO_GFX_PLANE_TYPE_REGION;
	case MODE_AUTO:
	default:
		return vgfb_query_plane(ctx, &probe) == 0
			       ? VFIO_GFX_PLANE_TYPE_DMABUF
			       : VFIO_GFX_PLANE_TYPE_REGION;
	}
}

int
tool_query_primary(const char *progname, struct vgfb *ctx, uint32_t *flag,
		   bool may_fall_back, struct vfio_device_gfx_plane_info *info,
		   struct vgfb_plane_ext *ext)
{
	int rc;

	for (;;) {
		*info = (struct vfio_device_gfx_plane_info){
			.argsz = sizeof(*info),
			.flags = *flag,
			.drm_plane_type = 1,	/* DRM_PLANE_TYPE_PRIMARY */
		};
		*ext = (struct vgfb_plane_ext){ .argsz = sizeof(*ext) };
		rc = vgfb_query_plane_ext(ctx, info, ext);
		if (rc != -ENOTSUP || *flag != VFIO_GFX_PLANE_TYPE_DMABUF ||
		    !may_fall_back)
			return rc;
		fprintf(stderr, "%s: the plane has no DMABUF; reading it as "
			"REGION from now on\n", progname);
		*flag = VFIO_GFX_PLANE_TYPE_REGION;
	}
}

void
tool_pixels_to_argb(const struct vfio_device_gfx_plane_info *info,
		    const void *src, uint32_t *dst)
{
	unsigned int cpp = vgfb_format_cpp(info->drm_format);
	bool alpha = vgfb_format_has_alpha(info->drm_format);

	for (uint32_t y = 0; y < info->height; y++) {
		const uint8_t *row = (const uint8_t *)src +
				     (size_t)y * info->stride;

		for (uint32_t x = 0; x < info->width; x++) {
			uint8_t c[4];

			vgfb_pixel_unpack(info->drm_format,
					  row + (size_t)x * cpp, c);
			*dst++ = (uint32_t)(alpha ? c[3] : 0xff) << 24 |
				 (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 |
				 c[2];
		}
	}
}

int
tool_dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags | DMA_BUF_SYNC_READ };
	int rc;

	do {
		rc = ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	} while (rc < 0 && (errno == EINTR || errno == EAGAIN));
	return rc < 0 ? -errno : 0;
}

int
tool_map_plane(struct vgfb *ctx, uint32_t flag,
	       const struct vfio_device_gfx_plane_info *info,
	       struct plane_view *view)
{
	int fd, rc;

	memset(view, 0, sizeof(*view));
	view->is_dmabuf = flag == VFIO_GFX_PLANE_TYPE_DMABUF;
	fd = view->is_dmabuf ? vgfb_get_gfx_dmabuf(ctx, info->dmabuf_id)
			     : vgfb_get_region_fd(ctx, info->region_index);
	if (fd < 0)
		return fd;
	view->fd = fd;
	view->size = info->size;
	rc = tool_fd_holds(fd, view->size, view->is_dmabuf);
	if (rc) {
		close(fd);
		view->fd = -1;
		return rc;
	}
	view->addr = mmap(NULL, view->size, PROT_READ, MAP_SHARED, fd, 0);
	if (view->addr == MAP_FAILED) {
		rc = -errno;
		close(fd);
		view->fd = -1;
		view->addr = NULL;
		return rc;
	}
	if (view->is_dmabuf) {
		rc = tool_dmabuf_sync(fd, DMA_BUF_SYNC_START);
		if (rc) {
			tool_unmap_plane(view);
			return rc;
		}
	}
	return 0;
}

void
tool_unmap_plane(struct plane_view *view)
{
	if (view->addr) {
		if (view->is_dmabuf)
			tool_dmabuf_sync(view->fd, DMA_BUF_SYNC_END);
		munmap(view->addr, view->size);
	}
	if (view->fd > 0)
		close(view->fd);
	memset(view, 0, sizeof(*view));
	view->fd = -1;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
tool_wait_for_plane(struct vgfb *ctx, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .events = POLLIN };
	int rc;

	rc = vgfb_subscribe(ctx, VGFB_EVENT_MASK_ALL);
	if (rc)
		return rc;
	pfd.fd = vgfb_get_event_fd(ctx);
	if (pfd.fd < 0)
		return pfd.fd;
	for (;;) {
		struct vfio_device_gfx_plane_info info = {
			.argsz = sizeof(info),
			.flags = VFIO_GFX_PLANE_TYPE_REGION,
			.drm_plane_type = 1,
		};
		struct vgfb_event ev;
		long long left;

		rc = vgfb_query_plane(ctx, &info);
		if (rc)
			return rc;
		if (info.drm_format)
			return 0;
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)(left > 1000 ? 1000 : left)) < 0 &&
		    errno != EINTR)
			return -errno;
		while (vgfb_read_event(ctx, &ev) == 0)
			if (ev.type == VGFB_EVENT_GUEST_GONE)
				return -ENODEV;
	}
}

const char *
tool_plane_name(uint32_t drm_plane_type)
{
	return drm_plane_type == 2 ? "cursor" : "primary";
}

const char *
tool_event_name(uint32_t type)
{
	switch (type) {
	case VGFB_EVENT_PLANE_CHANGED: return "plane-changed";
	case VGFB_EVENT_FLIP: return "flip";
	case VGFB_EVENT_DAMAGE: return "damage";
	case VGFB_EVENT_PLANE_DISABLED: return "plane-disabled";
	case VGFB_EVENT_GUEST_GONE: return "guest-gone";
	case VGFB_EVENT_OVERFLOW: return "overflow";
	default: return "unknown";
	}
}

void
tool_format_fourcc(uint32_t fourcc, char out[5])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)((fourcc >> (8 * i)) & 0xff);

		out[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	out[4] = '\0';
}
