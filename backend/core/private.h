/* SPDX-License-Identifier: MIT */
/*
 * libvgfb internals shared by every layer: logging, helpers, and the
 * context a public call dispatches on (a local mediator or the daemon
 * client).  Nothing here is installed.  The layers (docs/design.md):
 *
 *   core/      public entry points (vgfb.c), the local mediator
 *              (mediator.c: validation -> cache -> exporter ladder), the
 *              platform and plane-source contracts (platform.h)
 *   export/    the exporter ladder: vgfb.ko, udmabuf, region
 *   remote/    the daemon client and vgfbd's wire protocol
 *   sim/       the embedded guest (a platform and its source)
 *   xen/       the Xen platform and its vfb and vdispl sources
 *   pixel/     formats and the test pattern (also used outside the library)
 */
#ifndef VGFB_PRIVATE_H
#define VGFB_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vgfb/vgfb.h>

#define VGFB_EXPORT __attribute__((visibility("default")))

#ifndef DRM_PLANE_TYPE_OVERLAY
#define DRM_PLANE_TYPE_OVERLAY 0
#define DRM_PLANE_TYPE_PRIMARY 1
#define DRM_PLANE_TYPE_CURSOR 2
#endif

#define VGFB_MAX_HEADS 16

/* Hard caps applied to every guest-supplied geometry (validate.c). */
#define VGFB_MAX_PLANE_BYTES (256u << 20)
#define VGFB_MAX_DIMENSION 16384u
#define VGFB_MAX_CURSOR_DIMENSION 256u

#define VGFB_PAGE_SIZE 4096u

/*
 * Xen's DOMID_FIRST_RESERVED: ids from here on (DOMID_SELF, DOMID_IO, ...)
 * are not domains.  Here so that code built without Xen's headers (the
 * vgfb.ko exporter) checks the same limit.
 */
#define VGFB_DOMID_LIMIT 0x7FF0u

/* ---- logging ---- */

void vgfb__log(struct vgfb *ctx, enum vgfb_log_priority prio,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_error(ctx, ...) vgfb__log((ctx), VGFB_LOG_ERROR, __VA_ARGS__)
#define log_info(ctx, ...) vgfb__log((ctx), VGFB_LOG_INFO, __VA_ARGS__)
#define log_debug(ctx, ...) vgfb__log((ctx), VGFB_LOG_DEBUG, __VA_ARGS__)

/* ioctl with EINTR retry; -errno on failure (libdrm's drmIoctl). */
int vgfb__ioctl(int fd, unsigned long request, void *arg);

/* F_DUPFD_CLOEXEC; -errno on failure. */
int vgfb__dup_cloexec(int fd);

/* ---- context dispatch: local mediator or daemon client ---- */

struct vgfb_ctx_ops {
	const char *name;
	void (*close)(struct vgfb *ctx);
	const char *(*exporter_name)(struct vgfb *ctx);
	int (*head_count)(struct vgfb *ctx, uint32_t *count);
	/* flags, argsz and plane type were checked by vgfb.c */
	int (*query)(struct vgfb *ctx, uint32_t head,
		     struct vfio_device_gfx_plane_info *info,
		     struct vgfb_plane_ext *ext);
	int (*probe_mode)(struct vgfb *ctx, uint32_t mode_flag);
	int (*get_dmabuf)(struct vgfb *ctx, uint32_t id);
	int (*get_region)(struct vgfb *ctx, uint32_t id);
	int (*subscribe)(struct vgfb *ctx, uint32_t mask);
	int (*event_fd)(struct vgfb *ctx);
	int (*read_event)(struct vgfb *ctx, struct vgfb_event *ev);
	/*
	 * Optional (NULL: -ENOTSUP).  Every event and n were checked by
	 * vgfb.c (input.h).
	 */
	int (*send_input)(struct vgfb *ctx, uint32_t head,
			  const struct vgfb_input_event *ev, uint32_t n);
	/*
	 * Optional: a daemon's sim guest's input readback
	 * (vgfb_sim_read_input; a local sim is answered by vgfb.c).
	 */
	int (*sim_read_input)(struct vgfb *ctx, uint32_t *head,
			      struct vgfb_input_event *ev);
};

struct vgfb {
	const struct vgfb_ctx_ops *ops;
	void *priv;
	const char *backend_name;	/* "sim", "unix", ... (static string) */
	vgfb_log_func_t log_func;
	void *log_userdata;
	enum vgfb_log_priority log_priority;
	uint32_t head;
};

/* Allocate a context with default logging; ops/priv set by the caller. */
int vgfb__ctx_new(const struct vgfb_ctx_ops *ops, struct vgfb **out);

/* Local mediator over a platform (platform.h): "sim", "xen". */
struct vgfb_platform_ops;
int vgfb__local_open(struct vgfb *ctx, const struct vgfb_platform_ops *pf,
		     const char *args);
/*
 * Parse args as vgfb__local_open() would (its exporter= option, then the
 * platform's check_args), opening nothing: 0 or -EINVAL.
 */
int vgfb__local_check_args(const struct vgfb_platform_ops *pf,
			   const char *args);
/* Daemon client: "unix:PATH" or a daemon name. */
int vgfb__client_open(struct vgfb *ctx, const char *socket_path);

/* The sim platform of a local context, or NULL (for vgfb_sim_*). */
void *vgfb__local_sim(struct vgfb *ctx);

/*
 * Bytes a local context copied into its region views, ever (0 for other
 * contexts): what tests and the bench read to see that an unchanged
 * plane costs no copy and a damaged one costs its damage.
 */
uint64_t vgfb__local_region_bytes_copied(struct vgfb *ctx);

/*
 * Check a target string as vgfb_open() would parse it, without opening
 * anything: 0, -EINVAL (malformed), -ENOTSUP (a backend not built).
 * Daemon targets are only checked for form.  For tests/fuzz/fuzz-target.
 */
int vgfb__check_target(const char *target);

/* Parse "key=value,key=value"; calls fn for each pair.  -EINVAL on junk. */
int vgfb__parse_options(const char *args,
			int (*fn)(void *data, const char *key,
				  const char *value),
			void *data);

#endif
