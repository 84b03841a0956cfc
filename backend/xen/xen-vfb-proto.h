/* SPDX-License-Identifier: MIT */
/*
 * The Xen vfb protocol (xen/include/public/io/fbif.h), as a backend reads
 * it from a shared page the guest can rewrite at any moment.  Pure logic,
 * no Xen libraries: everything here runs in unit tests and under a fuzzer.
 *
 * Rules kept throughout: every guest field is copied out of the shared page
 * exactly once before it is checked (no double fetch), ring indexes are
 * checked against the ring size before any slot is read, and nothing is
 * clamped silently: a bad value is refused with a reason.
 */
#ifndef VGFB_XEN_VFB_PROTO_H
#define VGFB_XEN_VFB_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define VFB_PAGE_SIZE 4096u

/* fbif.h layout, fixed by the ABI. */
#define VFB_TYPE_UPDATE 2
#define VFB_TYPE_RESIZE 3
#define VFB_OUT_EVENT_SIZE 40u
#define VFB_IN_RING_OFFS 1024u
#define VFB_IN_RING_SIZE 1024u
#define VFB_OUT_RING_OFFS (VFB_IN_RING_OFFS + VFB_IN_RING_SIZE)
#define VFB_OUT_RING_SIZE 2048u
#define VFB_OUT_RING_LEN (VFB_OUT_RING_SIZE / VFB_OUT_EVENT_SIZE)
#define VFB_HEADER_PD_OFFSET 40u	/* pd[] of a 64-bit guest */
#define VFB_PD_ENTRIES 256u

/* Word size of the guest's frame numbers: the "protocol" xenstore node. */
enum vfb_abi {
	VFB_ABI_X86_64 = 64,	/* "x86_64-abi", and the default */
	VFB_ABI_X86_32 = 32,	/* "x86_32-abi" */
};

int vgfb__vfb_abi_from_protocol(const char *protocol, enum vfb_abi *abi);

/* The guest-written header of the shared page, copied once. */
struct vfb_header {
	int32_t width;
	int32_t height;
	uint32_t line_length;
	uint32_t mem_length;
	uint8_t depth;
};

void vgfb__vfb_read_header(const volatile void *page, struct vfb_header *h);

/* A framebuffer geometry that passed every check. */
struct vfb_geometry {
	uint32_t drm_format;
	uint32_t width;
	uint32_t height;
	uint32_t stride;
	uint32_t depth;
	uint32_t offset;	/* of the visible screen inside the buffer */
	uint32_t fb_len;	/* bytes the guest granted (page multiple) */
	uint32_t fb_pages;
};

/*
 * Check what the guest asked for (initial header or a RESIZE event).
 * fb_len_limit: the administrator's cap (videoram), 0 = protocol maximum.
 * 0, or -EINVAL with a reason in why.
 */
int vgfb__vfb_configure(int32_t width, int32_t height, int32_t depth,
			uint64_t fb_len, int32_t offset, int32_t stride,
			uint64_t fb_len_limit, struct vfb_geometry *g,
			char *why, size_t why_len);

/* Number of directory pages that list fb_pages frames. */
uint32_t vgfb__vfb_dir_pages(uint32_t fb_pages, enum vfb_abi abi);

/*
 * Frame numbers of the directory pages, from the shared page's pd[], and of
 * the framebuffer, from the mapped directory pages.  Each value is read
 * once.  -EINVAL when a count exceeds what the protocol allows.
 */
int vgfb__vfb_read_pd(const volatile void *page, enum vfb_abi abi,
		      uint32_t n_dirs, uint64_t *out);
int vgfb__vfb_read_dir(const volatile void *dirs, enum vfb_abi abi,
		       uint32_t n_frames, uint64_t *out);

/* One out-ring event, copied and decoded. */
struct vfb_event {
	uint8_t type;
	int32_t x, y, width, height;	/* UPDATE; RESIZE: width, height */
	int32_t stride, depth, offset;	/* RESIZE */
};

typedef void (*vfb_event_fn)(void *data, const struct vfb_event *ev);

/*
 * Consume the out ring: prod and cons are read once, prod - cons must not
 * exceed the ring, each slot is copied before it is decoded, and out_cons
 * is advanced to prod.  Returns the number of events delivered, or -EPROTO
 * with a reason when the indexes are impossible (the ring is then left
 * alone: the frontend is broken or hostile and gets disconnected).
 * Unknown event types are an error by fbif.h; they are reported with
 * ev->type as read and the caller decides.
 */
int vgfb__vfb_take_events(volatile void *page, vfb_event_fn fn, void *data,
			  char *why, size_t why_len);

/*
 * Clip an UPDATE rectangle to the screen.  0 with the clipped rectangle;
 * -EINVAL for a rectangle with negative or zero size or entirely outside
 * (the event is then ignored, as QEMU does, and logged).
 */
struct vgfb_rect;
int vgfb__vfb_clip_update(const struct vfb_geometry *g,
			  const struct vfb_event *ev, struct vgfb_rect *out);

#endif
