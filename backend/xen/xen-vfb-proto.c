/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <drm_fourcc.h>

#include <vgfb/vgfb.h>

#include "shared-page.h"
#include "xen-vfb-proto.h"

/* Shared-page offsets of struct xenfb_page (same for 32 and 64-bit guests). */
#define OFF_OUT_CONS 8
#define OFF_OUT_PROD 12
#define OFF_WIDTH 16
#define OFF_HEIGHT 20
#define OFF_LINE_LENGTH 24
#define OFF_MEM_LENGTH 28
#define OFF_DEPTH 32
#define OFF_PD_32 36
#define OFF_PD_64 40

int
vgfb__vfb_abi_from_protocol(const char *protocol, enum vfb_abi *abi)
{
	if (!protocol || !*protocol || strcmp(protocol, "x86_64-abi") == 0) {
		*abi = VFB_ABI_X86_64;
		return 0;
	}
	if (strcmp(protocol, "x86_32-abi") == 0) {
		*abi = VFB_ABI_X86_32;
		return 0;
	}
	return -EINVAL;
}

void
vgfb__vfb_read_header(const volatile void *page, struct vfb_header *h)
{
	h->width = (int32_t)shared_load32(page, OFF_WIDTH);
	h->height = (int32_t)shared_load32(page, OFF_HEIGHT);
	h->line_length = shared_load32(page, OFF_LINE_LENGTH);
	h->mem_length = shared_load32(page, OFF_MEM_LENGTH);
	h->depth = ((const volatile uint8_t *)page)[OFF_DEPTH];
}

static uint64_t
protocol_max_len(void)
{
	/* 256 directory pages of 8-byte entries: 512 MiB (fbif.h) */
	return (uint64_t)VFB_PD_ENTRIES * (VFB_PAGE_SIZE / 8) * VFB_PAGE_SIZE;
}

int
vgfb__vfb_configure(int32_t width, int32_t height, int32_t depth,
		    uint64_t fb_len, int32_t offset, int32_t stride,
		    uint64_t fb_len_limit, struct vfb_geometry *g, char *why,
		    size_t why_len)
{
	uint64_t limit = protocol_max_len();
	uint32_t cpp;

	if (fb_len_limit && fb_len_limit < limit)
		limit = fb_len_limit;
	if (fb_len == 0)
		return refuse(-EINVAL, why, why_len, "framebuffer length is 0");
	if (fb_len > limit)
		return refuse(-EINVAL, why, why_len, "framebuffer length %"
			      PRIu64 " exceeds the limit of %" PRIu64, fb_len,
			      limit);
	switch (depth) {
	case 16:
		g->drm_format = DRM_FORMAT_RGB565;
		cpp = 2;
		break;
	case 24:	/* 24 bits of colour in 32-bit pixels, as QEMU reads it */
	case 32:
		g->drm_format = DRM_FORMAT_XRGB8888;
		cpp = 4;
		break;
	default:
		return refuse(-EINVAL, why, why_len, "depth %" PRId32
			      " is not 16, 24 or 32", depth);
	}
	if (stride <= 0 || (uint64_t)stride > fb_len)
		return refuse(-EINVAL, why, why_len, "stride %" PRId32
			      " outside 1..%" PRIu64, stride, fb_len);
	if (width <= 0 || (uint32_t)width > (uint32_t)stride / cpp)
		return refuse(-EINVAL, why, why_len, "width %" PRId32
			      " outside 1..%" PRIu32 " (stride %" PRId32 ")",
			      width, (uint32_t)stride / cpp, stride);
	if (offset < 0 || (uint64_t)offset >= fb_len)
		return refuse(-EINVAL, why, why_len, "offset %" PRId32
			      " outside 0..%" PRIu64, offset, fb_len - 1);
	if (offset % VFB_PAGE_SIZE)
		return refuse(-EINVAL, why, why_len, "offset %" PRId32
			      " is not page aligned (planes start on a page)",
			      offset);
	if (height <= 0 ||
	    (uint64_t)height > (fb_len - (uint64_t)offset) / (uint32_t)stride)
		return refuse(-EINVAL, why, why_len, "height %" PRId32
			      " outside 1..%" PRIu64, height,
			      (fb_len - (uint64_t)offset) / (uint32_t)stride);
	g->width = (uint32_t)width;
	g->height = (uint32_t)height;
	g->stride = (uint32_t)stride;
	g->depth = (uint32_t)depth;
	g->offset = (uint32_t)offset;
	g->fb_len = (uint32_t)fb_len;
	g->fb_pages = (uint32_t)((fb_len + VFB_PAGE_SIZE - 1) / VFB_PAGE_SIZE);
	return 0;
}

uint32_t
vgfb__vfb_dir_pages(uint32_t fb_pages, enum vfb_abi abi)
{
	uint64_t bytes = (uint64_t)fb_pages * (abi == VFB_ABI_X86_32 ? 4 : 8);

	return (uint32_t)((bytes + VFB_PAGE_SIZE - 1) / VFB_PAGE_SIZE);
}

int
vgfb__vfb_read_pd(const volatile void *page, enum vfb_abi abi,
		  uint32_t n_dirs, uint64_t *out)
{
	if (n_dirs > VFB_PD_ENTRIES)
		return -EINVAL;
	for (uint32_t i = 0; i < n_dirs; i++)
		out[i] = abi == VFB_ABI_X86_32 ? shared_load32(page, OFF_PD_32 + 4 * i)
					       : shared_load64(page, OFF_PD_64 + 8 * i);
	return 0;
}

int
vgfb__vfb_read_dir(const volatile void *dirs, enum vfb_abi abi,
		   uint32_t n_frames, uint64_t *out)
{
	if (vgfb__vfb_dir_pages(n_frames, abi) > VFB_PD_ENTRIES)
		return -EINVAL;
	for (uint32_t i = 0; i < n_frames; i++)
		out[i] = abi == VFB_ABI_X86_32 ? shared_load32(dirs, 4 * (size_t)i)
					       : shared_load64(dirs, 8 * (size_t)i);
	return 0;
}

static int32_t
field(const uint8_t *slot, size_t off)
{
	int32_t v;

	memcpy(&v, slot + off, sizeof(v));
	return v;
}

int
vgfb__vfb_take_events(volatile void *page, vfb_event_fn fn, void *data,
		      char *why, size_t why_len)
{
	volatile uint8_t *ring = (volatile uint8_t *)page + VFB_OUT_RING_OFFS;
	uint32_t prod, cons, n;

	prod = shared_load32(page, OFF_OUT_PROD);
	cons = shared_load32(page, OFF_OUT_CONS);
	n = prod - cons;
	if (n > VFB_OUT_RING_LEN)
		return refuse(-EPROTO, why, why_len, "out ring holds %" PRIu32
			      " events (prod %" PRIu32 ", cons %" PRIu32
			      "), at most %u fit", n, prod, cons,
			      VFB_OUT_RING_LEN);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);	/* slots after prod */
	for (; cons != prod; cons++) {
		uint8_t slot[VFB_OUT_EVENT_SIZE];
		struct vfb_event ev;
		size_t base = (cons % VFB_OUT_RING_LEN) * VFB_OUT_EVENT_SIZE;

		for (size_t i = 0; i < sizeof(slot); i++)
			slot[i] = ring[base + i];
		memset(&ev, 0, sizeof(ev));
		ev.type = slot[0];
		if (ev.type == VFB_TYPE_UPDATE) {
			ev.x = field(slot, 4);
			ev.y = field(slot, 8);
			ev.width = field(slot, 12);
			ev.height = field(slot, 16);
		} else if (ev.type == VFB_TYPE_RESIZE) {
			ev.width = field(slot, 4);
			ev.height = field(slot, 8);
			ev.stride = field(slot, 12);
			ev.depth = field(slot, 16);
			ev.offset = field(slot, 20);
		}
		fn(data, &ev);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* done with the slots */
	__atomic_store_n((volatile uint32_t *)((volatile char *)page +
					       OFF_OUT_CONS),
			 prod, __ATOMIC_RELAXED);
	return (int)n;
}

int
vgfb__vfb_clip_update(const struct vfb_geometry *g,
		      const struct vfb_event *ev, struct vgfb_rect *out)
{
	int64_t x0 = ev->x, y0 = ev->y;
	int64_t x1 = x0 + ev->width, y1 = y0 + ev->height;

	if (ev->width <= 0 || ev->height <= 0)
		return -EINVAL;
	if (x0 < 0)
		x0 = 0;
	if (y0 < 0)
		y0 = 0;
	if (x1 > g->width)
		x1 = g->width;
	if (y1 > g->height)
		y1 = g->height;
	if (x0 >= x1 || y0 >= y1)
		return -EINVAL;
	out->x = (uint32_t)x0;
	out->y = (uint32_t)y0;
	out->width = (uint32_t)(x1 - x0);
	out->height = (uint32_t)(y1 - y0);
	return 0;
}
