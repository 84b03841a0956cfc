/* SPDX-License-Identifier: MIT */
/*
 * The two contracts behind a local context (docs/design.md):
 *
 *   platform  what a hypervisor provides: the guest's memory map, turning
 *             a buffer into a backing the exporters take, CPU mappings,
 *             one pollable event fd and its dispatch, and the guest's
 *             death.  One per context: sim, xen, acrn.
 *   source    what a screen protocol provides: its heads and their
 *             planes, and the handling of its own events.  A platform
 *             registers any number of them; the core numbers the heads
 *             (the first source's heads first) and maps a consumer's head
 *             to (source, source-local head).
 *
 * Every value in a plane descriptor is guest controlled: the core
 * validates it (validate.c) before anything else sees it.
 */
#ifndef VGFB_PLATFORM_H
#define VGFB_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "private.h"

/* ---- how a source names a buffer's bytes ---- */

/*
 * Decided by the source from its protocol (sim: a range; vdispl: grants;
 * vfb: frames, machine frames for a PV guest), checked by the core
 * according to it (validate.c), and turned into a backing by the platform.
 */
enum vgfb_buffer_kind {
	/* Contiguous guest-physical range from .gpa; inside the memory map. */
	VGFB_BUFFER_GUEST_RANGE = 1,
	/* Guest frame numbers; every frame inside the memory map. */
	VGFB_BUFFER_GFN_LIST = 2,
	/*
	 * Machine frames (a PV Xen guest's): not in any guest-physical map;
	 * Xen checks that the guest owns each one when it is mapped.
	 */
	VGFB_BUFFER_MFN_LIST = 3,
	/* Xen grant references; Xen checks them when they are mapped. */
	VGFB_BUFFER_GRANT_LIST = 4,
	/*
	 * An fd the platform holds (ACRN: a dma-buf or a sealed memfd a
	 * device model handed over), named by .serial.  The platform checked
	 * the fd's kind and seals and measured it itself: .size is what the
	 * fd holds from .gpa on, never what the guest claims.
	 */
	VGFB_BUFFER_PLATFORM_FD = 5,
};

struct vgfb_buffer {
	enum vgfb_buffer_kind kind;
	/*
	 * GUEST_RANGE: base guest-physical address; PLATFORM_FD: byte
	 * offset of the plane in the fd.
	 */
	uint64_t gpa;
	uint32_t n_frames;	/* the lists: frames[] entries */
	const uint64_t *frames;	/* the lists: frame numbers or grant refs */
	uint64_t size;		/* bytes the guest says belong to the buffer */
	/*
	 * Sources whose buffers can be destroyed and their frames (grant
	 * references) reused for another buffer name each buffer with a
	 * serial that is never reused; 0 for sources without one.  Part of
	 * the cache key, and the handle of vgfb__source_forget_buffer().
	 */
	uint64_t serial;
};

/* True for the kinds that carry frames[]. */
static inline bool
vgfb__buffer_is_list(enum vgfb_buffer_kind kind)
{
	return kind == VGFB_BUFFER_GFN_LIST || kind == VGFB_BUFFER_MFN_LIST ||
	       kind == VGFB_BUFFER_GRANT_LIST;
}

/* The plane a source reports, before validation: all guest controlled. */
struct vgfb_plane_desc {
	uint32_t drm_format;
	uint64_t modifier;
	uint32_t width;
	uint32_t height;
	uint32_t stride;
	struct vgfb_buffer buf;
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

/* ---- a validated buffer, as the exporters take it ---- */

enum vgfb_backing_kind {
	/* Host memory backed by a memfd the platform holds (sim, ACRN). */
	VGFB_BACKING_MEMFD = 1,
	/* A Xen domain's guest frames (PVH/HVM). */
	VGFB_BACKING_XEN_GFNS = 2,
	/* A Xen PV domain's machine frames. */
	VGFB_BACKING_XEN_MFNS = 3,
	/* Xen grant references offered by a domain. */
	VGFB_BACKING_XEN_GRANTS = 4,
	/*
	 * A dma-buf the platform holds (ACRN's blob scanouts).  Passed on as
	 * it is (dup) when the plane starts at offset 0; the VFIO record has
	 * no offset, so any other offset is served as a REGION only.
	 */
	VGFB_BACKING_DMABUF = 5,
};

struct vgfb_backing {
	enum vgfb_backing_kind kind;
	uint64_t size;		/* bytes, page multiple */
	union {
		struct {
			int fd;		/* held by the platform, not ours */
			uint64_t offset; /* page aligned */
			void *addr;	/* this process's mapping of offset */
		} memfd;
		struct {
			int fd;		/* held by the platform, not ours */
			uint64_t offset; /* the plane's first byte, any */
		} dmabuf;
		struct {
			uint32_t domid;
			uint32_t count;
			const uint64_t *frames;
		} xen;			/* the XEN_* kinds */
	};
};

static inline bool
vgfb__backing_is_xen(enum vgfb_backing_kind kind)
{
	return kind == VGFB_BACKING_XEN_GFNS || kind == VGFB_BACKING_XEN_MFNS ||
	       kind == VGFB_BACKING_XEN_GRANTS;
}

struct vgfb_local;
struct vgfb_source;

/* ---- the platform contract ---- */

struct vgfb_platform_ops {
	const char *name;	/* the target prefix: "sim", "xen" */
	/* args: what followed "name:" in the target, or "".  Reach the guest. */
	int (*open)(struct vgfb_local *m, const char *args, void **priv);
	/*
	 * Optional: parse args exactly as open() does, reaching nothing
	 * (no guest, no file, no allocation that outlives the call): 0 or
	 * -EINVAL.  What vgfb__check_target() and the target fuzzer use.
	 */
	int (*check_args)(const char *args);
	/*
	 * Create the guest's sources and register each with
	 * vgfb__local_add_source(), in head order.  On failure the core
	 * closes what was registered, then the platform.
	 */
	int (*add_sources)(void *priv);
	/* Called after the core closed every registered source. */
	void (*close)(void *priv);
	/* The guest-physical ranges GUEST_RANGE and GFN_LIST buffers may use. */
	int (*get_memmap)(void *priv, struct vgfb_memmap *map);
	/*
	 * Describe a validated buffer for the exporters, size bytes of it.
	 * The backing stays valid until put_backing() (optional).
	 */
	int (*get_backing)(void *priv, const struct vgfb_buffer *buf,
			   uint64_t size, struct vgfb_backing *out);
	void (*put_backing)(void *priv, struct vgfb_backing *b);
	/* Optional: CPU access to a non-memfd backing, size bytes read-only. */
	int (*map)(void *priv, const struct vgfb_backing *b, const void **addr);
	void (*unmap)(void *priv, const struct vgfb_backing *b,
		      const void *addr);
	/*
	 * Optional: one fd to poll for the guest's events, and its handler,
	 * which hands each event to the source it belongs to
	 * (vgfb__source_dispatch) and reports death (vgfb__local_guest_gone).
	 */
	int (*event_fd)(void *priv);
	int (*dispatch)(void *priv);
	/*
	 * The platform may hand out VGFB_BACKING_DMABUF: the core adds the
	 * pass-through rung to its ladder (export-dmabuf.c).
	 */
	bool gives_dmabufs;
};

/* ---- the plane-source contract ---- */

/* What a platform tells a source about (vgfb__source_dispatch). */
enum vgfb_source_event {
	/* The source's configuration changed (Xen: its xenstore watch). */
	VGFB_SOURCE_CONFIG_CHANGED = 1,
	/* A notification arrived on channel (Xen: an event channel port). */
	VGFB_SOURCE_DOORBELL = 2,
};

struct vgfb_source_ops {
	const char *name;	/* "vfb", "vdispl", "sim" */
	/* Fixed while the source is registered. */
	uint32_t (*head_count)(void *src);
	/*
	 * head is source-local.  -ENODEV: plane disabled.  Fills a
	 * descriptor that the core validates.
	 */
	int (*get_plane)(void *src, uint32_t head, uint32_t plane_type,
			 struct vgfb_plane_desc *desc);
	/* Optional: handle an event the platform routed to this source. */
	void (*dispatch)(void *src, enum vgfb_source_event what,
			 uint32_t channel);
	/* Release the source; the platform is still open. */
	void (*close)(void *src);
	/*
	 * Optional: input for a head (source-local), n events already
	 * checked (input.h).  No op: the head has no input channel, and the
	 * consumer gets -ENOTSUP.
	 */
	int (*send_input)(void *src, uint32_t head,
			  const struct vgfb_input_event *ev, uint32_t n);
};

#define VGFB_MAX_SOURCES 4

/*
 * Register a source of m's platform: on success the core owns it (closes
 * it before the platform) and *out is its handle; on failure the caller
 * still owns it.  -E2BIG when the heads of all sources would exceed
 * VGFB_MAX_HEADS, or there are VGFB_MAX_SOURCES already.
 */
int vgfb__local_add_source(struct vgfb_local *m,
			   const struct vgfb_source_ops *ops, void *src,
			   struct vgfb_source **out);

/* The platform hands an event to the source it belongs to. */
void vgfb__source_dispatch(struct vgfb_source *s, enum vgfb_source_event what,
			   uint32_t channel);

/* A source reports a change of one of its heads (ev->head source-local). */
void vgfb__source_emit(struct vgfb_source *s, const struct vgfb_event *ev);

/*
 * A source's buffer is gone (vdispl DBUF_DESTROY, a disconnect): drop the
 * cached ids and exports of buffer serial, so that its frames are not
 * held any longer by the core and a later buffer reusing them gets a new
 * id.  Consumers keep the fds they already have.
 */
void vgfb__source_forget_buffer(struct vgfb_source *s, uint64_t serial);

/* The context a source logs to. */
struct vgfb *vgfb__source_ctx(struct vgfb_source *s);

/* The platform reports the guest's death: every id goes stale, once. */
void vgfb__local_guest_gone(struct vgfb_local *m);

/*
 * The guest rebooted (ACRN: a new generation): every id goes stale, but
 * the context lives on and consumers stay; the platform's sources then
 * report what their planes show (PLANE_CHANGED).
 */
void vgfb__local_guest_reset(struct vgfb_local *m);

/* The local context a platform belongs to (for logging). */
struct vgfb *vgfb__local_ctx(struct vgfb_local *m);

/* CPU access to a backing, for the region exporter (platform->map). */
int vgfb__local_map(struct vgfb_local *m, const struct vgfb_backing *b,
		    const void **addr);
void vgfb__local_unmap(struct vgfb_local *m, const struct vgfb_backing *b,
		       const void *addr);

extern const struct vgfb_platform_ops vgfb__platform_sim;
extern const struct vgfb_platform_ops vgfb__platform_acrn;
#ifdef HAVE_XEN
extern const struct vgfb_platform_ops vgfb__platform_xen;
#endif

#endif
