/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the Xen vfb protocol layer (xen-vfb-proto.c) as a
 * hostile xen-fbfront drives it.  The input is the frontend: its
 * "protocol" word size and the administrator's videoram cap, the shared
 * page (struct xenfb_page: header, pd[] and the out ring), the contents
 * of the page directory (a pattern of up to 64 bytes, repeated), then a
 * script of rewrites of the shared page
 * applied between the backend's passes over the ring and while a pass
 * is delivering events.
 *
 * Besides "never crashes, never reads out of bounds, never leaks"
 * (ASan/UBSan), it checks the layer's contract the way xen-vfb.c relies
 * on it: an accepted geometry's visible screen lies inside the granted
 * buffer and under the cap, the directory listing fits the pd[] array,
 * a ring pass delivers exactly the events it reports and then publishes
 * out_cons = the prod it read, a refused pass leaves the page alone, and
 * a clipped UPDATE lies inside the current screen.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vgfb/vgfb.h>

#include "fuzz-input.h"
#include "xen-vfb-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* struct xenfb_page offsets, as fbif.h lays them out */
#define OFF_OUT_CONS 8
#define OFF_OUT_PROD 12

static uint32_t
page_u32(const uint8_t *page, size_t off)
{
	uint32_t v;

	memcpy(&v, page + off, sizeof(v));
	return v;
}

static void
check_geometry(const struct vfb_geometry *g, uint64_t granted,
	       uint64_t cap)
{
	uint32_t cpp = g->depth == 16 ? 2 : 4;

	if (g->depth != 16 && g->depth != 24 && g->depth != 32)
		abort();
	if (g->width == 0 || g->height == 0)
		abort();
	if ((uint64_t)g->width * cpp > g->stride)
		abort();
	if (g->fb_len != granted || (cap && granted > cap))
		abort();
	if (g->offset % VFB_PAGE_SIZE)
		abort();
	if ((uint64_t)g->offset + (uint64_t)g->height * g->stride > g->fb_len)
		abort();
	if ((uint64_t)g->fb_pages * VFB_PAGE_SIZE < g->fb_len ||
	    (uint64_t)(g->fb_pages - 1) * VFB_PAGE_SIZE >= g->fb_len)
		abort();
}

/* The backend's state across passes, as xen-vfb.c keeps it. */
struct backend {
	struct vfb_geometry g;
	uint64_t cap;
	uint8_t *page;
	struct input *script;	/* the guest, writing during a pass */
	unsigned int delivered;
};

/* The guest rewrites one 32-bit word of its page (any offset). */
static void
guest_writes(struct backend *b, struct input *in)
{
	uint32_t off = take(in, 2) % (VFB_PAGE_SIZE - 3);
	uint32_t v = take(in, 4);

	memcpy(b->page + off, &v, sizeof(v));
}

static void
on_event(void *data, const struct vfb_event *ev)
{
	struct backend *b = data;
	struct vfb_geometry g;
	struct vgfb_rect r;
	char why[256];

	b->delivered++;
	if (ev->type == VFB_TYPE_UPDATE &&
	    vgfb__vfb_clip_update(&b->g, ev, &r) == 0) {
		if (r.width == 0 || r.height == 0 ||
		    (uint64_t)r.x + r.width > b->g.width ||
		    (uint64_t)r.y + r.height > b->g.height)
			abort();
	} else if (ev->type == VFB_TYPE_RESIZE &&
		   vgfb__vfb_configure(ev->width, ev->height, ev->depth,
				       b->g.fb_len, ev->offset, ev->stride,
				       b->cap, &g, why, sizeof(why)) == 0) {
		check_geometry(&g, b->g.fb_len, b->cap);
		b->g = g;
	}
	/* a racing guest: half of the events see the page rewritten */
	if (b->script->n && (take(b->script, 1) & 1))
		guest_writes(b, b->script);
}

static void
ring_pass(struct backend *b)
{
	uint8_t before[VFB_PAGE_SIZE];
	uint32_t prod = page_u32(b->page, OFF_OUT_PROD);
	uint32_t cons = page_u32(b->page, OFF_OUT_CONS);
	char why[256];
	int n;

	memcpy(before, b->page, sizeof(before));
	b->delivered = 0;
	n = vgfb__vfb_take_events(b->page, on_event, b, why, sizeof(why));
	if (n < 0) {
		/* refused before a slot was read: nothing delivered, the
		 * page untouched, a reason given */
		if (b->delivered || memcmp(before, b->page, sizeof(before)) ||
		    !why[0] || prod - cons <= VFB_OUT_RING_LEN)
			abort();
		return;
	}
	if ((unsigned int)n != b->delivered || (uint32_t)n != prod - cons ||
	    n > (int)VFB_OUT_RING_LEN)
		abort();
	if (page_u32(b->page, OFF_OUT_CONS) != prod)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint32_t flags = take(&in, 1);
	enum vfb_abi abi = flags & 1 ? VFB_ABI_X86_32 : VFB_ABI_X86_64;
	uint64_t cap = flags & 2 ? (uint64_t)take(&in, 4) : 0;
	struct backend b = { .cap = cap };
	struct vfb_header h;
	uint64_t pd[VFB_PD_ENTRIES];
	uint32_t n_dirs, passes;
	uint8_t *dirs;
	uint64_t *frames;
	uint8_t pattern[64];
	size_t pattern_len;
	char why[256];

	b.page = calloc(1, VFB_PAGE_SIZE);
	if (!b.page)
		return 0;
	take_bytes(&in, b.page, VFB_PAGE_SIZE);

	vgfb__vfb_read_header(b.page, &h);
	if (vgfb__vfb_configure(h.width, h.height, h.depth, h.mem_length, 0,
				(int32_t)h.line_length, cap, &b.g, why,
				sizeof(why))) {
		if (!why[0])
			abort();	/* every refusal says why */
		free(b.page);
		return 0;
	}
	check_geometry(&b.g, h.mem_length, cap);

	/* the frame list: pd[] names the directory pages, which list the
	 * framebuffer's frames; the directory's contents come from the
	 * input, repeated as far as it reaches */
	n_dirs = vgfb__vfb_dir_pages(b.g.fb_pages, abi);
	if (n_dirs == 0 || n_dirs > VFB_PD_ENTRIES)
		abort();
	if (vgfb__vfb_read_pd(b.page, abi, n_dirs, pd))
		abort();
	if (vgfb__vfb_read_pd(b.page, abi, VFB_PD_ENTRIES + 1, pd) == 0)
		abort();
	dirs = calloc(n_dirs, VFB_PAGE_SIZE);
	frames = calloc(b.g.fb_pages, sizeof(*frames));
	if (!dirs || !frames)
		goto out;
	pattern_len = take(&in, 1) % (sizeof(pattern) + 1);
	take_bytes(&in, pattern, pattern_len);
	for (size_t i = 0; pattern_len && i < (size_t)n_dirs * VFB_PAGE_SIZE;
	     i++)
		dirs[i] = pattern[i % pattern_len];
	if (vgfb__vfb_read_dir(dirs, abi, b.g.fb_pages, frames))
		abort();

	/* then the ring: passes, with the guest rewriting the page between
	 * them (prod, cons, slots, the header) and during them */
	b.script = &in;
	passes = take(&in, 1) % 16;
	for (uint32_t i = 0; i < passes; i++) {
		for (uint32_t w = take(&in, 1) % 8; w; w--)
			guest_writes(&b, &in);
		ring_pass(&b);
	}
out:
	free(frames);
	free(dirs);
	free(b.page);
	return 0;
}
