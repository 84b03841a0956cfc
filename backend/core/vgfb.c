/* SPDX-License-Identifier: MIT */
/*
 * The public entry points.  Everything a caller passes is checked here once,
 * the same way for in-process and daemon contexts, then dispatched through
 * ctx->ops.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <drm_fourcc.h>

#include "input.h"
#include "platform.h"
#include "private.h"
#include "sim.h"
#include "socket-file.h"

#define MAX_TARGET_LEN 1024
#define RUN_DIR "/run/vgfb"

static bool
has_prefix(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0)
		return false;
	*rest = s + n;
	return true;
}

/* What a target string names: one rule for opening it and for checking it. */
struct target_ref {
	enum { TARGET_LOCAL, TARGET_DAEMON, TARGET_NOT_BUILT, TARGET_BAD } kind;
	const struct vgfb_platform_ops *pf;	/* LOCAL */
	const char *args;			/* LOCAL: after "name:" */
	const char *socket;			/* DAEMON: its socket path */
	char name_path[sizeof(RUN_DIR) + 64 + sizeof("/socket") + 1];
	const char *why;			/* BAD, NOT_BUILT */
};

static void
classify_target(const char *target, struct target_ref *t)
{
	const char *rest;

	memset(t, 0, sizeof(*t));
	t->kind = TARGET_LOCAL;
	if (strcmp(target, "sim") == 0) {
		t->pf = &vgfb__platform_sim;
		t->args = "";
	} else if (has_prefix(target, "sim:", &rest)) {
		t->pf = &vgfb__platform_sim;
		t->args = rest;
	} else if (has_prefix(target, "acrn:", &rest)) {
		t->pf = &vgfb__platform_acrn;
		t->args = rest;
	} else if (has_prefix(target, "xen:", &rest)) {
#ifdef HAVE_XEN
		t->pf = &vgfb__platform_xen;
		t->args = rest;
#else
		t->kind = TARGET_NOT_BUILT;
		t->why = "this backend is not implemented in this version "
			 "(see docs/targets.md)";
#endif
	} else if (has_prefix(target, "unix:", &rest)) {
		t->kind = TARGET_DAEMON;
		t->socket = rest;	/* its length: vgfb__client_open */
		if (!*rest) {
			t->kind = TARGET_BAD;
			t->why = "unix: needs a socket path";
		}
	} else if (vgfb__instance_name_ok(target)) {
		t->kind = TARGET_DAEMON;
		snprintf(t->name_path, sizeof(t->name_path),
			 RUN_DIR "/%s/socket", target);
		t->socket = t->name_path;
	} else {
		t->kind = TARGET_BAD;
		t->why = "neither sim[:options], xen:..., acrn:..., unix:PATH "
			 "nor a daemon name";
	}
}

static int
open_target(struct vgfb *ctx, const char *target)
{
	struct target_ref t;

	classify_target(target, &t);
	switch (t.kind) {
	case TARGET_LOCAL:
		return vgfb__local_open(ctx, t.pf, t.args);
	case TARGET_DAEMON:
		return vgfb__client_open(ctx, t.socket);
	case TARGET_NOT_BUILT:
		log_error(ctx, "target \"%s\": %s", target, t.why);
		return -ENOTSUP;
	default:
		log_error(ctx, "target \"%s\": %s", target, t.why);
		return -EINVAL;
	}
}

int
vgfb__check_target(const char *target)
{
	struct target_ref t;

	if (!target || strnlen(target, MAX_TARGET_LEN) >= MAX_TARGET_LEN)
		return -EINVAL;
	classify_target(target, &t);
	switch (t.kind) {
	case TARGET_LOCAL:
		return vgfb__local_check_args(t.pf, t.args);
	case TARGET_DAEMON:
		/* the form only: whether anybody listens is not a parse */
		return strlen(t.socket) < 108 ? 0 : -ENAMETOOLONG;
	case TARGET_NOT_BUILT:
		return -ENOTSUP;
	default:
		return -EINVAL;
	}
}

VGFB_EXPORT int
vgfb_open(const char *target, struct vgfb **out)
{
	struct vgfb *ctx;
	int rc;

	if (!target || !out || strnlen(target, MAX_TARGET_LEN) >= MAX_TARGET_LEN)
		return -EINVAL;
	rc = vgfb__ctx_new(NULL, &ctx);
	if (rc)
		return rc;
	rc = open_target(ctx, target);
	if (rc) {
		free(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

VGFB_EXPORT void
vgfb_close(struct vgfb *ctx)
{
	if (!ctx)
		return;
	if (ctx->ops && ctx->ops->close)
		ctx->ops->close(ctx);
	free(ctx);
}

VGFB_EXPORT void
vgfb_set_log_func(struct vgfb *ctx, vgfb_log_func_t fn, void *userdata)
{
	if (!ctx)
		return;
	ctx->log_func = fn;
	ctx->log_userdata = userdata;
}

VGFB_EXPORT void
vgfb_set_log_priority(struct vgfb *ctx, enum vgfb_log_priority priority)
{
	if (!ctx)
		return;
	if (priority < VGFB_LOG_ERROR)
		priority = VGFB_LOG_ERROR;
	if (priority > VGFB_LOG_DEBUG)
		priority = VGFB_LOG_DEBUG;
	ctx->log_priority = priority;
}

VGFB_EXPORT enum vgfb_log_priority
vgfb_get_log_priority(const struct vgfb *ctx)
{
	return ctx ? ctx->log_priority : VGFB_LOG_ERROR;
}

VGFB_EXPORT const char *
vgfb_get_backend_name(const struct vgfb *ctx)
{
	return ctx && ctx->backend_name ? ctx->backend_name : "none";
}

VGFB_EXPORT const char *
vgfb_get_exporter_name(const struct vgfb *ctx)
{
	if (!ctx || !ctx->ops->exporter_name)
		return "none";
	return ctx->ops->exporter_name((struct vgfb *)ctx);
}

VGFB_EXPORT int
vgfb_get_head_count(struct vgfb *ctx, uint32_t *count)
{
	if (!ctx || !count)
		return -EINVAL;
	return ctx->ops->head_count(ctx, count);
}

VGFB_EXPORT int
vgfb_set_head(struct vgfb *ctx, uint32_t head)
{
	uint32_t count;
	int rc;

	if (!ctx)
		return -EINVAL;
	rc = ctx->ops->head_count(ctx, &count);
	if (rc)
		return rc;
	if (head >= count)
		return -EINVAL;
	ctx->head = head;
	return 0;
}

/* Returns 1 for a probe that was answered, 0 for a real query, or -errno. */
static int
check_query(struct vgfb *ctx, struct vfio_device_gfx_plane_info *info)
{
	const uint32_t probe_dmabuf =
		VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF;
	const uint32_t probe_region =
		VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION;
	int rc;

	if (!ctx || !info || info->argsz < sizeof(*info))
		return -EINVAL;
	if (info->flags == probe_dmabuf || info->flags == probe_region) {
		rc = ctx->ops->probe_mode(ctx, info->flags &
					  ~VFIO_GFX_PLANE_TYPE_PROBE);
		return rc ? rc : 1;
	}
	if (info->flags != VFIO_GFX_PLANE_TYPE_DMABUF &&
	    info->flags != VFIO_GFX_PLANE_TYPE_REGION)
		return -EINVAL;
	if (info->drm_plane_type != DRM_PLANE_TYPE_PRIMARY &&
	    info->drm_plane_type != DRM_PLANE_TYPE_CURSOR)
		return -EINVAL;
	return 0;
}

VGFB_EXPORT int
vgfb_query_plane(struct vgfb *ctx, struct vfio_device_gfx_plane_info *info)
{
	int rc = check_query(ctx, info);

	if (rc)
		return rc < 0 ? rc : 0;
	return ctx->ops->query(ctx, ctx->head, info, NULL);
}

VGFB_EXPORT int
vgfb_query_plane_ext(struct vgfb *ctx, struct vfio_device_gfx_plane_info *info,
		     struct vgfb_plane_ext *ext)
{
	int rc;

	if (!ext || ext->argsz < sizeof(*ext))
		return -EINVAL;
	rc = check_query(ctx, info);
	if (rc)
		return rc < 0 ? rc : 0;
	return ctx->ops->query(ctx, ctx->head, info, ext);
}

VGFB_EXPORT int
vgfb_get_gfx_dmabuf(struct vgfb *ctx, uint32_t dmabuf_id)
{
	if (!ctx)
		return -EINVAL;
	if (dmabuf_id == 0)
		return -ENOENT;
	return ctx->ops->get_dmabuf(ctx, dmabuf_id);
}

VGFB_EXPORT int
vgfb_get_region_fd(struct vgfb *ctx, uint32_t region_index)
{
	if (!ctx)
		return -EINVAL;
	if (region_index == 0)
		return -ENOENT;
	return ctx->ops->get_region(ctx, region_index);
}

VGFB_EXPORT int
vgfb_subscribe(struct vgfb *ctx, uint32_t event_mask)
{
	if (!ctx || (event_mask & ~(uint32_t)VGFB_EVENT_MASK_ALL))
		return -EINVAL;
	return ctx->ops->subscribe(ctx, event_mask);
}

VGFB_EXPORT int
vgfb_get_event_fd(struct vgfb *ctx)
{
	if (!ctx)
		return -EINVAL;
	return ctx->ops->event_fd(ctx);
}

VGFB_EXPORT int
vgfb_read_event(struct vgfb *ctx, struct vgfb_event *event)
{
	if (!ctx || !event)
		return -EINVAL;
	return ctx->ops->read_event(ctx, event);
}

/* ---- input back to the guest ---- */

VGFB_EXPORT int
vgfb_send_input(struct vgfb *ctx, const struct vgfb_input_event *ev,
		uint32_t n)
{
	if (!ctx || !ev || n < 1 || n > VGFB_INPUT_MAX_EVENTS)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++)
		if (!vgfb__input_event_valid(&ev[i]))
			return -EINVAL;
	if (!ctx->ops->send_input)
		return -ENOTSUP;
	return ctx->ops->send_input(ctx, ctx->head, ev, n);
}

/* ---- the simulated guest's controls ---- */

static struct vgfb_sim *
sim_of(struct vgfb *ctx)
{
	return ctx ? vgfb__local_sim(ctx) : NULL;
}

VGFB_EXPORT int
vgfb_sim_set_mode(struct vgfb *ctx, uint32_t head, uint32_t width,
		  uint32_t height, uint32_t drm_format)
{
	struct vgfb_sim *sim = sim_of(ctx);

	return sim ? vgfb__sim_set_mode(sim, head, width, height, drm_format)
		   : -ENOTSUP;
}

VGFB_EXPORT int
vgfb_sim_flip(struct vgfb *ctx, uint32_t head)
{
	struct vgfb_sim *sim = sim_of(ctx);

	return sim ? vgfb__sim_flip(sim, head) : -ENOTSUP;
}

VGFB_EXPORT int
vgfb_sim_update(struct vgfb *ctx, uint32_t head, const struct vgfb_rect *rect)
{
	struct vgfb_sim *sim = sim_of(ctx);

	if (!rect)
		return -EINVAL;
	return sim ? vgfb__sim_update(sim, head, rect) : -ENOTSUP;
}

VGFB_EXPORT int
vgfb_sim_set_cursor(struct vgfb *ctx, uint32_t head, int visible, uint32_t x,
		    uint32_t y)
{
	struct vgfb_sim *sim = sim_of(ctx);

	return sim ? vgfb__sim_set_cursor(sim, head, visible != 0, x, y)
		   : -ENOTSUP;
}

VGFB_EXPORT int
vgfb_sim_destroy_guest(struct vgfb *ctx)
{
	struct vgfb_sim *sim = sim_of(ctx);

	return sim ? vgfb__sim_destroy_guest(sim) : -ENOTSUP;
}

VGFB_EXPORT int
vgfb_sim_read_input(struct vgfb *ctx, uint32_t *head,
		    struct vgfb_input_event *ev)
{
	struct vgfb_sim *sim = sim_of(ctx);

	if (!ctx || !head || !ev)
		return -EINVAL;
	if (sim)
		return vgfb__sim_read_input(sim, head, ev);
	/* a daemon context asks its daemon (SIM_READ_INPUT) */
	if (!ctx->ops->sim_read_input)
		return -ENOTSUP;
	return ctx->ops->sim_read_input(ctx, head, ev);
}

/*
 * The plane record is the kernel's, byte for byte (see tests/test-abi.c).
 * Older uapi headers (Debian 12's) lack the trailing `reserved` field that
 * newer ones name; on LP64 both are 64 bytes, the last 4 being padding.
 */
_Static_assert(sizeof(struct vfio_device_gfx_plane_info) == 64,
	       "vfio_device_gfx_plane_info size");
_Static_assert(offsetof(struct vfio_device_gfx_plane_info, drm_format_mod) == 16,
	       "drm_format_mod offset");
_Static_assert(offsetof(struct vfio_device_gfx_plane_info, dmabuf_id) == 56,
	       "dmabuf_id offset");
_Static_assert(sizeof(struct vgfb_event) == 40, "vgfb_event is wire format");
