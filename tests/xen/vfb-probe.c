// SPDX-License-Identifier: MIT
/*
 * vfb-probe: a dom0 prototype of the vfb (fbif.h) backend, played only as
 * far as reading the guest's screen.  It is the seed of backend/xen-vfb.c:
 *
 *   1. read the frontend's page-ref, event-channel and protocol from
 *      xenstore (written by xen-fbfront's probe, state Initialised);
 *   2. bind the event channel (libxenevtchn) to prove it is live;
 *   3. map the shared page (struct xenfb_page) with libxenforeignmemory,
 *      copy the geometry ONCE and validate it (the guest can change the
 *      page under us at any time);
 *   4. map the page directory pd[], copy the frame list, map the frames;
 *   5. compare every pixel with the documented test pattern
 *      (backend/pattern.h), which guest-draw drew into /dev/fb0.
 *
 * Frame numbers: a PV guest writes machine frames (virt_to_gfn() is
 * pfn_to_mfn() there), a PVH/HVM guest guest frames; in both cases they are
 * exactly what xenforeignmemory_map() takes for that guest, so no P2M
 * lookup is needed.
 *
 *   vfb-probe DOMID [FRAME | --frames]
 *
 * --frames prints the framebuffer's frame list ("FRAMES f0 f1 ...") after
 * step 4 instead of comparing pixels (for 40-kmod-xen's foreign hold).
 *
 * Exit status: 0 pattern matches, 1 mismatch or bad geometry, 2 setup error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xen/io/fbif.h>
#include <xen/io/protocols.h>
#include <drm_fourcc.h>

#include "pattern.h"
#include "../tier-lib.h"

#define PAGE_SZ 4096UL
/* frame numbers per directory page (unsigned long, native 64-bit ABI) */
#define PD_EPP (PAGE_SZ / sizeof(unsigned long))
#define PD_MAX (sizeof(((struct xenfb_page *)0)->pd) / sizeof(unsigned long))
/* our own cap on a framebuffer, well below the 512 MiB pd[] capacity */
#define FB_MAX_BYTES (64UL << 20)

static char *xs_get(struct xs_handle *xs, unsigned int domid, const char *key)
{
	char path[256];
	unsigned int len;

	snprintf(path, sizeof(path), "/local/domain/%u/device/vfb/0/%s",
		 domid, key);
	return xs_read(xs, XBT_NULL, path, &len);
}

static int parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

/* Map n frames read-only; -errno when the call or any frame fails. */
static void *map_frames(xenforeignmemory_handle *fmem, unsigned int domid,
			const xen_pfn_t *frames, size_t n, size_t *first_bad)
{
	int *err = calloc(n, sizeof(*err));
	void *p;
	size_t i;

	if (!err)
		return NULL;
	p = xenforeignmemory_map(fmem, domid, PROT_READ, n, frames, err);
	if (p) {
		for (i = 0; i < n; i++) {
			if (err[i]) {
				*first_bad = i;
				xenforeignmemory_unmap(fmem, p, n);
				p = NULL;
				errno = -err[i];
				break;
			}
		}
	}
	free(err);
	return p;
}

int main(int argc, char **argv)
{
	unsigned int domid;
	uint64_t frame = 0;
	bool list_frames = false;
	struct xs_handle *xs;
	xenforeignmemory_handle *fmem;
	xenevtchn_handle *xce;
	char *s_ref, *s_evt, *s_proto;
	unsigned long page_ref, evtchn;
	xen_pfn_t ref;
	const struct xenfb_page *shared;
	size_t bad = 0;
	int rc = 2;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DOMID [FRAME | --frames]\n", argv[0]);
		return 2;
	}
	domid = (unsigned int)strtoul(argv[1], NULL, 10);
	if (argc > 2 && !strcmp(argv[2], "--frames"))
		list_frames = true;
	else if (argc > 2)
		frame = strtoull(argv[2], NULL, 10);

	xs = xs_open(0);
	fmem = xenforeignmemory_open(NULL, 0);
	xce = xenevtchn_open(NULL, 0);
	if (!xs || !fmem || !xce) {
		printf("ERROR opening xenstore/foreignmemory/evtchn: %s\n",
		       strerror(errno));
		return 2;
	}

	/* 1. what the frontend published */
	s_ref = xs_get(xs, domid, "page-ref");
	s_evt = xs_get(xs, domid, "event-channel");
	s_proto = xs_get(xs, domid, "protocol");
	if (parse_ulong(s_ref, &page_ref) || parse_ulong(s_evt, &evtchn)) {
		printf("ERROR frontend has no valid page-ref/event-channel (%s/%s)\n",
		       s_ref ? s_ref : "-", s_evt ? s_evt : "-");
		goto out;
	}
	/* a 32-bit frontend lays pd[] out with 4-byte entries; not handled */
	if (s_proto && strcmp(s_proto, XEN_IO_PROTO_ABI_NATIVE) != 0) {
		printf("ERROR protocol %s is not the native %s\n", s_proto,
		       XEN_IO_PROTO_ABI_NATIVE);
		goto out;
	}
	printf("vfb-probe: domid=%u page-ref=%lu event-channel=%lu protocol=%s\n",
	       domid, page_ref, evtchn, s_proto ? s_proto : "(none)");

	/* 2. the event channel */
	{
		xenevtchn_port_or_error_t port =
			xenevtchn_bind_interdomain(xce, domid, evtchn);

		if (port < 0) {
			printf("ERROR binding event channel %lu of domain %u: %s\n",
			       evtchn, domid, strerror(errno));
			goto out;
		}
		printf("vfb-probe: event channel %lu bound to local port %d\n",
		       evtchn, port);
		xenevtchn_unbind(xce, port);
	}

	/* 3. the shared page; every field copied once, then validated */
	ref = page_ref;
	shared = map_frames(fmem, domid, &ref, 1, &bad);
	if (!shared) {
		printf("ERROR mapping shared page frame %lu: %s\n", page_ref,
		       strerror(errno));
		goto out;
	}
	{
		volatile const struct xenfb_page *v = shared;
		int32_t width = v->width, height = v->height;
		uint32_t line_length = v->line_length;
		uint32_t mem_length = v->mem_length;
		uint8_t depth = v->depth;
		uint64_t need, n_pages, n_pd, i;
		xen_pfn_t pd[PD_MAX];
		xen_pfn_t *frames = NULL;
		const unsigned long *dir;
		void *fb;
		uint32_t bx = 0, by = 0;
		long mismatches;
		double t0, t1;

		printf("vfb-probe: shared page: %dx%d depth=%u line_length=%u mem_length=%u in %u/%u out %u/%u\n",
		       width, height, depth, line_length, mem_length,
		       v->in_cons, v->in_prod, v->out_cons, v->out_prod);
		/* the frontend's pending out events (not consumed: we only look) */
		{
			uint32_t cons = v->out_cons, prod = v->out_prod, k;

			for (k = cons; k != prod && k - cons < XENFB_OUT_RING_LEN; k++) {
				const volatile union xenfb_out_event *e =
					&XENFB_OUT_RING_REF(shared, k);
				uint8_t type = e->type;

				if (type == XENFB_TYPE_UPDATE)
					printf("vfb-probe: out[%u] UPDATE %d,%d %dx%d\n", k,
					       e->update.x, e->update.y,
					       e->update.width, e->update.height);
				else if (type == XENFB_TYPE_RESIZE)
					printf("vfb-probe: out[%u] RESIZE %dx%d stride=%d depth=%d offset=%d\n",
					       k, e->resize.width, e->resize.height,
					       e->resize.stride, e->resize.depth,
					       e->resize.offset);
				else
					printf("vfb-probe: out[%u] type %u\n", k, type);
			}
		}
		if (depth != 32) {
			printf("ERROR depth %u: only 32 (XRGB8888) handled\n", depth);
			rc = 1;
			goto unmap_shared;
		}
		if (width <= 0 || height <= 0 || width > 16384 || height > 16384 ||
		    line_length < (uint64_t)width * 4) {
			printf("ERROR bad geometry %dx%d line_length=%u\n", width,
			       height, line_length);
			rc = 1;
			goto unmap_shared;
		}
		need = (uint64_t)line_length * (uint64_t)height;
		if (need > mem_length || mem_length > FB_MAX_BYTES) {
			printf("ERROR framebuffer of %" PRIu64 " bytes does not fit mem_length %u (cap %lu)\n",
			       need, mem_length, FB_MAX_BYTES);
			rc = 1;
			goto unmap_shared;
		}
		n_pages = (need + PAGE_SZ - 1) / PAGE_SZ;
		n_pd = (n_pages + PD_EPP - 1) / PD_EPP;
		if (n_pd > PD_MAX) {
			printf("ERROR %" PRIu64 " directory pages > %zu\n", n_pd,
			       (size_t)PD_MAX);
			rc = 1;
			goto unmap_shared;
		}
		for (i = 0; i < n_pd; i++)
			pd[i] = v->pd[i];

		/* 4. directory, then the frames */
		t0 = tier_now() * 1e3;
		dir = map_frames(fmem, domid, pd, n_pd, &bad);
		if (!dir) {
			printf("ERROR mapping directory page %zu (frame %lu): %s\n",
			       bad, (unsigned long)pd[bad], strerror(errno));
			goto unmap_shared;
		}
		frames = calloc(n_pages, sizeof(*frames));
		if (!frames) {
			xenforeignmemory_unmap(fmem, (void *)dir, n_pd);
			goto unmap_shared;
		}
		for (i = 0; i < n_pages; i++)
			frames[i] = ((volatile const unsigned long *)dir)[i];
		xenforeignmemory_unmap(fmem, (void *)dir, n_pd);
		fb = map_frames(fmem, domid, frames, n_pages, &bad);
		t1 = tier_now() * 1e3;
		if (!fb) {
			printf("ERROR mapping framebuffer page %zu (frame %lu): %s\n",
			       bad, (unsigned long)frames[bad], strerror(errno));
			free(frames);
			goto unmap_shared;
		}
		printf("vfb-probe: mapped %" PRIu64 " directory + %" PRIu64 " framebuffer frames in %.1f ms (pd[0]=%lu, first frame %lu)\n",
		       n_pd, n_pages, t1 - t0, (unsigned long)pd[0],
		       (unsigned long)frames[0]);

		if (list_frames) {
			printf("FRAMES");
			for (i = 0; i < n_pages; i++)
				printf(" %lu", (unsigned long)frames[i]);
			printf("\n");
			rc = 0;
			goto unmap_fb;
		}

		/* 5. every pixel */
		mismatches = vgfb_pattern_compare(fb, DRM_FORMAT_XRGB8888,
						  width, height, line_length,
						  frame, NULL, &bx, &by);
		if (mismatches == 0) {
			printf("OK %dx%d XRGB8888 stride %u: all %" PRIu64 " pixels match test pattern frame %" PRIu64 " (%" PRIu64 " frames mapped in %.1f ms)\n",
			       width, height, line_length,
			       (uint64_t)width * height, frame, n_pages,
			       t1 - t0);
			rc = 0;
		} else {
			printf("MISMATCH %ld of %" PRIu64 " pixels differ from pattern frame %" PRIu64 ", first at (%u,%u)\n",
			       mismatches, (uint64_t)width * height, frame, bx,
			       by);
			rc = 1;
		}
unmap_fb:
		xenforeignmemory_unmap(fmem, fb, n_pages);
		free(frames);
	}
unmap_shared:
	xenforeignmemory_unmap(fmem, (void *)shared, 1);
out:
	free(s_ref);
	free(s_evt);
	free(s_proto);
	xenevtchn_close(xce);
	xenforeignmemory_close(fmem);
	xs_close(xs);
	return rc;
}
