/* SPDX-License-Identifier: MIT */
/*
 * libvgfb internals: the contracts between the public entry points, the
 * local mediator (core), hypervisor backends, plane sources, exporters and
 * the daemon client.  Nothing here is installed.
 *
 *   vgfb.c        public entry points: argument checks, dispatch on ctx->ops
 *   mediator.c    local context: validation -> cache -> exporter ladder
 *   client.c      remote context: the same calls over vgfbd's socket
 *   sim.c         the embedded guest (hypervisor + plane source in one)
 *   validate.c    the one validation policy for every plane source
 *   cache.c       plane descriptor -> generation-tagged id -> exported object
 *   export-*.c    exporters: vgfb.ko, udmabuf, region
 *   event-queue.c bounded, coalescing event queue (also used by vgfbd)
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

/* ---- where a guest buffer lives ---- */

enum vgfb_backing_kind {
	/* Host memory backed by a memfd we hold (sim, ACRN guest RAM). */
	VGFB_BACKING_MEMFD = 1,
	/* A Xen domain's frames (GFN for PVH/HVM, MFN for PV guests). */
	VGFB_BACKING_XEN_FOREIGN = 2,
	/* Xen grant references offered by a domain. */
	VGFB_BACKING_XEN_GRANTS = 3,
};

struct vgfb_backing {
	enum vgfb_backing_kind kind;
	uint64_t size;		/* bytes, page multiple */
	union {
		struct {
			int fd;		/* held by the backend, not ours */
			uint64_t offset; /* page aligned */
			void *addr;	/* this process's mapping of offset */
		} memfd;
		struct {
			uint32_t domid;
			uint32_t count;
			const uint64_t *frames;
			bool machine;	/* FOREIGN: MFNs (a PV guest's) */
		} xen;			/* FOREIGN and GRANTS */
	};
};

/*
 * ---- the plane a source reports, before validation ----
 *
 * Every field is guest controlled.  `gpa` is the guest-physical address of
 * the buffer for sources that address guest RAM linearly (sim, vfb page
 * directory flattened by the source, GVT-style decoders); sources that hand
 * over frame lists or grants set `frames` instead (gpa is then ignored).
 */
struct vgfb_plane_desc {
	uint32_t drm_format;
	uint64_t modifier;
	uint32_t width;
	uint32_t height;
	uint32_t stride;
	uint64_t gpa;		/* base guest-physical address */
	uint64_t buffer_size;	/* bytes the guest says belong to the buffer */
	uint32_t n_frames;	/* 0: contiguous from gpa */
	const uint64_t *frames;	/* guest frame numbers or grant refs */
	bool frames_are_grants;
	/*
	 * A PV Xen guest names machine frames, not guest frames: they cannot
	 * be checked against its memory map; Xen checks that the guest owns
	 * each one when it is mapped.
	 */
	bool frames_are_machine;
	/*
	 * Sources whose buffers can be destroyed and their frames (grant
	 * references) reused for another buffer name each buffer with a
	 * serial that is never reused; 0 for sources without one.  Part of
	 * the cache key, and the handle of vgfb__local_forget_buffer().
	 */
	uint64_t buffer_serial;
	uint32_t x_pos, y_pos;	/* cursor position */
	uint32_t x_hot, y_hot;	/* cursor hotspot, 0xFFFFFFFF unknown */
	uint64_t frame_seq;
};

/* A guest-physical range the guest really owns. */
struct vgfb_mem_range {
	uint64_t start;
	uint64_t size;
};

struct vgfb_memmap {
	const struct vgfb_mem_range *ranges;
	size_t n_ranges;
};

/*
 * ---- hypervisor backend: the narrow ops Xen and ACRN implement ----
 *
 * A backend instance also is a plane source (get_plane); split sources
 * (vfb, vdispl) plug in behind the same ops.
 */
struct vgfb_local;

struct vgfb_backend_ops {
	const char *name;
	/* args: what followed "name:" in the target, or "" */
	int (*open)(struct vgfb_local *m, const char *args, void **priv);
	void (*close)(void *priv);
	uint32_t (*head_count)(void *priv);
	/* -ENODEV: plane disabled.  Fills a desc that core validates. */
	int (*get_plane)(void *priv, uint32_t head, uint32_t plane_type,
			 struct vgfb_plane_desc *desc);
	int (*get_memmap)(void *priv, struct vgfb_memmap *map);
	/*
	 * Describe a validated buffer for exporters.  desc has passed
	 * validation.  The backing stays valid until put_backing().
	 */
	int (*get_backing)(void *priv, const struct vgfb_plane_desc *desc,
			   uint64_t size, struct vgfb_backing *out);
	void (*put_backing)(void *priv, struct vgfb_backing *b);
	/* CPU access for the region exporter: map size bytes read-only. */
	int (*map)(void *priv, const struct vgfb_backing *b, const void **addr);
	void (*unmap)(void *priv, const struct vgfb_backing *b,
		      const void *addr);
	/* Backend events (guest changes) are pushed with vgfb__emit(). */
	int (*event_fd)(void *priv);	/* optional: fd to poll, or -1 */
	int (*dispatch)(void *priv);	/* optional: handle event_fd */
};

/* ---- exporters: the ladder ---- */

struct vgfb_exporter_ops {
	const char *name;	/* "vgfb", "udmabuf", "region" */
	bool is_dmabuf;
	/* 0 when usable here; else -errno and a reason in why. */
	int (*probe)(struct vgfb_local *m, void **priv, char *why,
		     size_t why_len);
	void (*release)(void *priv);
	bool (*supports)(void *priv, enum vgfb_backing_kind kind);
	/* A new O_CLOEXEC fd exporting exactly b->size bytes of b. */
	int (*export)(void *priv, const struct vgfb_backing *b);
};

extern const struct vgfb_exporter_ops vgfb__exporter_vgfbko;
extern const struct vgfb_exporter_ops vgfb__exporter_udmabuf;
extern const struct vgfb_exporter_ops vgfb__exporter_region;

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

/* Local mediator over a backend: "sim", later "xen", "acrn". */
int vgfb__local_open(struct vgfb *ctx, const struct vgfb_backend_ops *be,
		     const char *args);
/* Daemon client: "unix:PATH" or a daemon name. */
int vgfb__client_open(struct vgfb *ctx, const char *socket_path);

extern const struct vgfb_backend_ops vgfb__backend_sim;
#ifdef HAVE_XEN
extern const struct vgfb_backend_ops vgfb__backend_xen;
#endif

/* The local context a backend belongs to (for logging and events). */
struct vgfb *vgfb__local_ctx(struct vgfb_local *m);

/* A backend reports a guest change; the mediator queues events. */
void vgfb__emit(struct vgfb_local *m, const struct vgfb_event *ev);

/*
 * A source's buffer is gone (vdispl DBUF_DESTROY, a disconnect): drop the
 * cached ids and exports of buffer_serial, so that its frames are not
 * held any longer by the mediator and a later buffer reusing them gets a
 * new id.  Consumers keep the fds they already have.
 */
void vgfb__local_forget_buffer(struct vgfb_local *m, uint64_t buffer_serial);

/* CPU access to a backing, for the region exporter (backend->map). */
int vgfb__local_map(struct vgfb_local *m, const struct vgfb_backing *b,
		    const void **addr);
void vgfb__local_unmap(struct vgfb_local *m, const struct vgfb_backing *b,
		       const void *addr);

/* The sim backend of a local context, or NULL (for vgfb_sim_*). */
void *vgfb__local_sim(struct vgfb *ctx);

/* Parse "key=value,key=value"; calls fn for each pair.  -EINVAL on junk. */
int vgfb__parse_options(const char *args,
			int (*fn)(void *data, const char *key,
				  const char *value),
			void *data);

#endif
