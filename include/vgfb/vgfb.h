/* SPDX-License-Identifier: MIT */
/*
 * libvgfb - the VFIO gfx-plane / dma-buf ABI for Xen, ACRN and an embedded
 * simulated guest.
 *
 * This is the consumer's one header (the other installed header,
 * <vgfb/vgfb-source.h>, is the source protocol for device models and
 * needs no library).  The plane record is the kernel's
 * struct vfio_device_gfx_plane_info from <linux/vfio.h>, byte for byte; what
 * the VFIO ABI has no room for (head index, frame sequence number, damage,
 * change events) travels in separate records defined here.
 *
 * Conventions (see docs/abi.md):
 * - every function that can fail returns 0 (or a new fd) on success and a
 *   negative errno on failure; errno is never relied upon;
 * - every fd returned is new, O_CLOEXEC, and owned by the caller;
 * - a struct vgfb must not be used from two threads at once; after fork()
 *   only vgfb_close() is allowed in the child.
 */
#ifndef VGFB_VGFB_H
#define VGFB_VGFB_H

#include <stdarg.h>
#include <stdint.h>
#include <linux/vfio.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Opaque context: one guest (or one daemon connection) and its planes.
 */
struct vgfb;

enum vgfb_log_priority {
	VGFB_LOG_ERROR = 10,
	VGFB_LOG_INFO = 20,
	VGFB_LOG_DEBUG = 30,
};

typedef void (*vgfb_log_func_t)(struct vgfb *ctx,
				enum vgfb_log_priority priority,
				void *userdata,
				const char *format, va_list args)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 0)))
#endif
	;

/**
 * Open a guest's display.
 *
 * @param target names the guest and how to reach it:
 *   - "sim" or "sim:OPTIONS": the embedded simulated guest, which needs
 *     nothing else running.  OPTIONS is a comma-separated list of
 *     mode=WxH, format=NAME (XRGB8888, ARGB8888, XBGR8888, ABGR8888,
 *     BGRX8888, BGRA8888, RGBX8888, RGBA8888,
 *     RGB888, RGB565, XRGB2101010), heads=N (1..4), ram=MiB,
 *     cursor=on|off, input=on|off (an input channel, default on),
 *     exporter=auto|vgfb|udmabuf|region;
 *   - "unix:/path/to/socket": a vgfbd instance;
 *   - other forms ("xen:", "acrn:", a daemon name) are documented in
 *     docs/targets.md as they are implemented.
 * @param out receives the new context on success; untouched on failure.
 * @return 0, or a negative errno: -EINVAL for a malformed target,
 *   -ENOTSUP for a backend this build or machine lacks.
 */
int vgfb_open(const char *target, struct vgfb **out);

/**
 * Release everything the context made: cached dma-bufs, mappings, the
 * simulated guest.  fds already handed to the caller stay valid.
 * Accepts NULL.
 */
void vgfb_close(struct vgfb *ctx);

/**
 * Route the library's messages.  The default handler prints
 * VGFB_LOG_ERROR messages to stderr.  fn == NULL silences the context.
 */
void vgfb_set_log_func(struct vgfb *ctx, vgfb_log_func_t fn, void *userdata);
void vgfb_set_log_priority(struct vgfb *ctx, enum vgfb_log_priority priority);
enum vgfb_log_priority vgfb_get_log_priority(const struct vgfb *ctx);

/** "sim", "unix", "xen", ...: the backend this context speaks to. */
const char *vgfb_get_backend_name(const struct vgfb *ctx);

/**
 * Name of the dma-buf exporter chosen by the probe ("vgfb", "udmabuf"), or
 * "region" when no dma-buf exporter works on this machine.  The reason for
 * every step down the ladder is logged at VGFB_LOG_INFO.
 */
const char *vgfb_get_exporter_name(const struct vgfb *ctx);

/** Number of heads (displays) the guest has; at least 1. */
int vgfb_get_head_count(struct vgfb *ctx, uint32_t *count);

/**
 * Select the head that vgfb_query_plane() answers for (default 0).
 * @return 0, or -EINVAL when head >= the head count.
 */
int vgfb_set_head(struct vgfb *ctx, uint32_t head);

/**
 * VFIO_DEVICE_QUERY_GFX_PLANE, with GVT-g's contract:
 * - info->argsz must be at least sizeof(*info), else -EINVAL;
 * - flags == PROBE|DMABUF or PROBE|REGION: 0 when that mode is available,
 *   -EINVAL otherwise; nothing else is written;
 * - flags == DMABUF or REGION: info->drm_plane_type (DRM_PLANE_TYPE_PRIMARY
 *   or DRM_PLANE_TYPE_CURSOR) selects the plane; the rest is filled in;
 * - a disabled plane is success with every output field zero;
 * - x_hot/y_hot are 0xFFFFFFFF when the guest gave no valid hotspot;
 * - an unchanged plane keeps its dmabuf_id (region_index in REGION mode).
 * A guest-supplied geometry that fails validation is -EINVAL (plane
 * refused, logged); the context stays usable.
 */
int vgfb_query_plane(struct vgfb *ctx,
		     struct vfio_device_gfx_plane_info *info);

/**
 * VFIO_DEVICE_GET_GFX_DMABUF: a new O_CLOEXEC dma-buf fd for dmabuf_id,
 * owned by the caller, on every call.  -ENOENT for an unknown or stale id,
 * -ENOTSUP when no dma-buf exporter works here (use REGION mode).
 */
int vgfb_get_gfx_dmabuf(struct vgfb *ctx, uint32_t dmabuf_id);

/**
 * REGION mode: a new O_CLOEXEC fd whose mmap at offset 0 shows the plane's
 * size bytes.  Every call for one id returns a new fd of the same file: a
 * live, read-only view of the plane that the library brings up to date
 * before it returns an event, answers a query of the plane or returns
 * this fd (docs/abi.md).  No consumer can write or resize it.  -ENOENT for
 * an unknown or stale id.
 */
int vgfb_get_region_fd(struct vgfb *ctx, uint32_t region_index);

/* ---- Extensions no anchor has: one separate record, never in VFIO's ---- */

#define VGFB_MAX_DAMAGE 16

struct vgfb_rect {
	uint32_t x;
	uint32_t y;
	uint32_t width;
	uint32_t height;
};

/** ext->flags, out */
#define VGFB_PLANE_EXT_DAMAGE_ALL (1u << 0) /* treat the whole plane as damaged */

struct vgfb_plane_ext {
	uint32_t argsz;		/* in: sizeof(struct vgfb_plane_ext) */
	uint32_t flags;		/* out: VGFB_PLANE_EXT_* */
	uint32_t head;		/* out: the head the answer is for */
	uint32_t n_damage;	/* out: valid entries in damage[] */
	uint64_t frame_seq;	/* out: guest frame counter of this plane */
	struct vgfb_rect damage[VGFB_MAX_DAMAGE]; /* out: since the last ext query */
};

/**
 * vgfb_query_plane() plus the extension record.  Damage is what changed
 * since this context's previous extended query of the same head and plane;
 * when it does not fit, or is unknown, VGFB_PLANE_EXT_DAMAGE_ALL is set.
 */
int vgfb_query_plane_ext(struct vgfb *ctx,
			 struct vfio_device_gfx_plane_info *info,
			 struct vgfb_plane_ext *ext);

/* ---- Change events: sleep until something changes, instead of polling ---- */

enum vgfb_event_type {
	VGFB_EVENT_PLANE_CHANGED = 1,	/* geometry/format/buffer changed: re-query */
	VGFB_EVENT_FLIP = 2,		/* new frame in a new buffer (frame_seq) */
	VGFB_EVENT_DAMAGE = 3,		/* pixels changed in place (rect) */
	VGFB_EVENT_PLANE_DISABLED = 4,
	VGFB_EVENT_GUEST_GONE = 5,	/* the guest died; only close is useful */
	VGFB_EVENT_OVERFLOW = 6,	/* events were coalesced away: re-query all */
};

#define VGFB_EVENT_MASK(type) (1u << (type))
#define VGFB_EVENT_MASK_ALL 0x7eu

struct vgfb_event {
	uint32_t type;		/* enum vgfb_event_type */
	uint32_t head;
	uint32_t drm_plane_type;
	uint32_t reserved;
	uint64_t frame_seq;
	struct vgfb_rect rect;	/* VGFB_EVENT_DAMAGE */
};

/**
 * Choose which events are queued (VGFB_EVENT_MASK bits).  Nothing is queued
 * until the first call.
 */
int vgfb_subscribe(struct vgfb *ctx, uint32_t event_mask);

/**
 * An fd that polls readable (POLLIN) while events are queued.  Owned by the
 * context: do not close it.  Negative errno when events are unsupported.
 */
int vgfb_get_event_fd(struct vgfb *ctx);

/**
 * Take the oldest queued event.  0 on success, -EAGAIN when none is queued.
 */
int vgfb_read_event(struct vgfb *ctx, struct vgfb_event *event);

/* ---- Input back to the guest (VGFB_0.2) ---- */

enum vgfb_input_type {
	/*
	 * code: an evdev KEY_* or BTN_* code (<linux/input-event-codes.h>),
	 * 1..VGFB_INPUT_KEY_MAX; value: 1 press, 0 release.  Mouse buttons
	 * are BTN_LEFT, BTN_RIGHT, BTN_MIDDLE..., as evdev reports them.
	 */
	VGFB_INPUT_KEY = 1,
	/*
	 * The absolute pointer position: x, y in pixels of the current
	 * head's primary plane (each below VGFB_INPUT_MAX_POS); code and
	 * value 0.  A backend scales it to what its guest device expects.
	 */
	VGFB_INPUT_ABS = 2,
	/*
	 * Wheel detents: code 0 vertical, 1 horizontal; value non-zero,
	 * -VGFB_INPUT_MAX_WHEEL..VGFB_INPUT_MAX_WHEEL, positive is up or
	 * right (evdev's REL_WHEEL and REL_HWHEEL signs).
	 */
	VGFB_INPUT_WHEEL = 3,
};

#define VGFB_INPUT_KEY_MAX 0x2ffu	/* KEY_MAX */
#define VGFB_INPUT_MAX_POS 16384u
#define VGFB_INPUT_MAX_WHEEL 127
#define VGFB_INPUT_MAX_EVENTS 16u

/* 24 bytes, no padding: it travels over vgfbd's socket as it is. */
struct vgfb_input_event {
	uint32_t type;		/* enum vgfb_input_type */
	uint32_t code;
	int32_t value;
	uint32_t x, y;		/* VGFB_INPUT_ABS only, else 0 */
	uint32_t reserved;	/* 0 */
};

/**
 * Send n (1..VGFB_INPUT_MAX_EVENTS) input events, oldest first, to the
 * guest's input device behind the current head (vgfb_set_head).  All of
 * them are checked before any is sent: one bad event refuses the batch.
 * @return 0, or -EINVAL for a bad event (unknown type, code out of range,
 *   reserved not 0, a field the type does not use not 0, a position or
 *   wheel value out of range) or n out of range; -ENOTSUP when the guest
 *   (or the daemon serving it) has no input channel; -EPERM when the
 *   daemon refuses input (vgfbd --no-input); -ENODEV when the guest is
 *   gone.
 */
int vgfb_send_input(struct vgfb *ctx, const struct vgfb_input_event *ev,
		    uint32_t n);

/* ---- The embedded simulated guest ("sim" targets only, else -ENOTSUP) ---- */

/**
 * The guest driver sets a mode on a head: width == 0 disables the head.
 * The new framebuffer shows frame_seq + 1 of the test pattern
 * (docs/test-pattern.md).
 */
int vgfb_sim_set_mode(struct vgfb *ctx, uint32_t head, uint32_t width,
		      uint32_t height, uint32_t drm_format);

/** Draw the next frame into the back buffer and flip to it. */
int vgfb_sim_flip(struct vgfb *ctx, uint32_t head);

/**
 * Redraw one rectangle of the front buffer in place with the next frame
 * (the frame sequence advances; outside the rectangle the old frame stays).
 */
int vgfb_sim_update(struct vgfb *ctx, uint32_t head,
		    const struct vgfb_rect *rect);

/** Show, hide or move the cursor of a head. */
int vgfb_sim_set_cursor(struct vgfb *ctx, uint32_t head, int visible,
			uint32_t x, uint32_t y);

/** Tell consumers the guest went away (as a destroyed domain does). */
int vgfb_sim_destroy_guest(struct vgfb *ctx);

/**
 * Take the oldest input event the simulated guest received, and the head
 * it was sent to.  The guest keeps the latest 256 (older ones are dropped
 * and counted).  Works on "sim" targets and on daemons serving one with
 * --sim-control (else -ENOTSUP).
 * @return 0, or -EAGAIN when none is left.
 */
int vgfb_sim_read_input(struct vgfb *ctx, uint32_t *head,
			struct vgfb_input_event *ev);

#ifdef __cplusplus
}
#endif

#endif /* VGFB_VGFB_H */
