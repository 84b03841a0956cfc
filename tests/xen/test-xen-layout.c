/* SPDX-License-Identifier: MIT */
/*
 * The layouts vgfb reads and writes on Xen's shared pages, checked at
 * compile time against Xen's own public headers (libxen-dev:
 * /usr/include/xen/io/fbif.h, displif.h).  backend/xen defines these
 * layouts itself (no Xen headers in the library: the protocol code runs
 * in unit tests and under a fuzzer); this keeps the two from drifting.
 *
 * Bound to the library: the constants of backend/xen/xen-vfb-proto.h and
 * xen-vdispl-proto.h.  Mirrored here: the field offsets the .c files use
 * as literals (OFF_* in xen-vfb-proto.c, REQ_ / RSP_ / EVT_* and the
 * get32(op, N) of vgfb__vdispl_decode_req in xen-vdispl-proto.c): change
 * one, change the other.
 *
 * Everything is a _Static_assert: this program only runs to say so.
 * Exits 77 (skipped) where the Xen headers are not installed.
 */
#include "config.h"

#include <stdio.h>

/* -DHAVE_XEN_IO_HEADERS=0 tries the skip */
#ifndef HAVE_XEN_IO_HEADERS
#if defined(__has_include) && __has_include(<xen/io/fbif.h>) && \
	__has_include(<xen/io/displif.h>)
#define HAVE_XEN_IO_HEADERS 1
#else
#define HAVE_XEN_IO_HEADERS 0
#endif
#endif

#if HAVE_XEN_IO_HEADERS
#include <stddef.h>
#include <stdint.h>
#include <xen/io/displif.h>
#include <xen/io/fbif.h>

#include "xen-vdispl-proto.h"
#include "xen-vfb-proto.h"

#define SAME(a, b) _Static_assert((a) == (b), #a " != " #b)
#define AT(type, member, off) \
	_Static_assert(offsetof(type, member) == (off), \
		       #type "." #member " is not at " #off)
/* a member of a request/response/event union, from the slot's start */
#define OP_AT(type, member, off) \
	_Static_assert(offsetof(type, op.member) - offsetof(type, op) == \
		       (off), \
		       #type ".op." #member " is not at op + " #off)

/* Xen's page size: displif.h's XEN_PAGE_SIZE is the guest kernel's */
#define XEN_PAGE 4096u

/* ---- fbif.h: the vfb shared page and its out ring ---- */

SAME(VFB_PAGE_SIZE, XEN_PAGE);
SAME(VFB_TYPE_UPDATE, XENFB_TYPE_UPDATE);
SAME(VFB_TYPE_RESIZE, XENFB_TYPE_RESIZE);
SAME(VFB_OUT_EVENT_SIZE, XENFB_OUT_EVENT_SIZE);
SAME(VFB_OUT_EVENT_SIZE, sizeof(union xenfb_out_event));
SAME(VFB_IN_RING_OFFS, XENFB_IN_RING_OFFS);
SAME(VFB_IN_RING_SIZE, XENFB_IN_RING_SIZE);
SAME(VFB_OUT_RING_OFFS, XENFB_OUT_RING_OFFS);
SAME(VFB_OUT_RING_SIZE, XENFB_OUT_RING_SIZE);
SAME(VFB_OUT_RING_LEN, XENFB_OUT_RING_LEN);
SAME(VFB_PD_ENTRIES, sizeof(((struct xenfb_page *)0)->pd) /
			     sizeof(((struct xenfb_page *)0)->pd[0]));

/* xen-vfb-proto.c's OFF_*: the same for 32- and 64-bit guests ... */
AT(struct xenfb_page, out_cons, 8);
AT(struct xenfb_page, out_prod, 12);
AT(struct xenfb_page, width, 16);
AT(struct xenfb_page, height, 20);
AT(struct xenfb_page, line_length, 24);
AT(struct xenfb_page, mem_length, 28);
AT(struct xenfb_page, depth, 32);
/* ... but pd[] of unsigned long: after depth, aligned to the word size */
#if defined(__x86_64__)
AT(struct xenfb_page, pd, VFB_HEADER_PD_OFFSET);	/* OFF_PD_64 */
#endif
SAME(VFB_HEADER_PD_OFFSET, (offsetof(struct xenfb_page, depth) + 1 + 7) & ~7u);
/* OFF_PD_32: what an i386 guest's compiler makes of the same struct */
SAME(36, (offsetof(struct xenfb_page, depth) + 1 + 3) & ~3u);

/* vgfb__vfb_take_events: field(slot, N) of UPDATE and RESIZE */
AT(struct xenfb_update, type, 0);
AT(struct xenfb_update, x, 4);
AT(struct xenfb_update, y, 8);
AT(struct xenfb_update, width, 12);
AT(struct xenfb_update, height, 16);
AT(struct xenfb_resize, type, 0);
AT(struct xenfb_resize, width, 4);
AT(struct xenfb_resize, height, 8);
AT(struct xenfb_resize, stride, 12);
AT(struct xenfb_resize, depth, 16);
AT(struct xenfb_resize, offset, 20);

/* ---- displif.h: the vdispl rings, event page and page directory ---- */

SAME(VDISPL_PAGE_SIZE, XEN_PAGE);
SAME(VDISPL_PAGE_SIZE, XENDISPL_EVENT_PAGE_SIZE);
SAME(VDISPL_PROTOCOL_VERSION, XENDISPL_PROTOCOL_VERSION_INT);
SAME(VDISPL_OP_DBUF_CREATE, XENDISPL_OP_DBUF_CREATE);
SAME(VDISPL_OP_DBUF_DESTROY, XENDISPL_OP_DBUF_DESTROY);
SAME(VDISPL_OP_FB_ATTACH, XENDISPL_OP_FB_ATTACH);
SAME(VDISPL_OP_FB_DETACH, XENDISPL_OP_FB_DETACH);
SAME(VDISPL_OP_SET_CONFIG, XENDISPL_OP_SET_CONFIG);
SAME(VDISPL_OP_PG_FLIP, XENDISPL_OP_PG_FLIP);
SAME(VDISPL_OP_GET_EDID, XENDISPL_OP_GET_EDID);
SAME(VDISPL_EVT_PG_FLIP, XENDISPL_EVT_PG_FLIP);
SAME(VDISPL_DBUF_FLG_REQ_ALLOC, XENDISPL_DBUF_FLG_REQ_ALLOC);
SAME(VDISPL_EDID_MAX_SIZE, XENDISPL_EDID_MAX_SIZE);

/* the request ring: ring.h's shared ring of xendispl_req/_resp */
AT(struct xen_displif_sring, req_prod, VDISPL_SRING_REQ_PROD);
AT(struct xen_displif_sring, req_event, VDISPL_SRING_REQ_EVENT);
AT(struct xen_displif_sring, rsp_prod, VDISPL_SRING_RSP_PROD);
AT(struct xen_displif_sring, rsp_event, VDISPL_SRING_RSP_EVENT);
AT(struct xen_displif_sring, ring, VDISPL_SRING_RING_OFFS);
SAME(VDISPL_SLOT_SIZE, sizeof(union xen_displif_sring_entry));
SAME(VDISPL_SLOT_SIZE, sizeof(struct xendispl_req));
SAME(VDISPL_SLOT_SIZE, sizeof(struct xendispl_resp));
SAME(VDISPL_RING_SIZE, __CONST_RING_SIZE(xen_displif, XEN_PAGE));

/* the event page */
AT(struct xendispl_event_page, in_cons, VDISPL_EVT_IN_CONS);
AT(struct xendispl_event_page, in_prod, VDISPL_EVT_IN_PROD);
SAME(VDISPL_EVT_RING_OFFS, XENDISPL_IN_RING_OFFS);
SAME(VDISPL_EVT_RING_LEN, XENDISPL_IN_RING_LEN);
SAME(VDISPL_SLOT_SIZE, sizeof(struct xendispl_evt));

/* the page directory */
AT(struct xendispl_page_directory, gref_dir_next_page, 0);
AT(struct xendispl_page_directory, gref, 4);
SAME(VDISPL_DIR_GREFS_PER_PAGE,
     (XEN_PAGE - offsetof(struct xendispl_page_directory, gref)) /
	     sizeof(grant_ref_t));

/* xen-vdispl-proto.c's REQ_*, RSP_*, EVT_* */
AT(struct xendispl_req, id, 0);
AT(struct xendispl_req, operation, 2);
AT(struct xendispl_req, op, 8);
AT(struct xendispl_resp, id, 0);
AT(struct xendispl_resp, operation, 2);
AT(struct xendispl_resp, status, 4);
AT(struct xendispl_resp, op.get_edid.edid_sz, 8);
AT(struct xendispl_evt, id, 0);
AT(struct xendispl_evt, type, 2);
AT(struct xendispl_evt, op.pg_flip.fb_cookie, 8);

/* vgfb__vdispl_decode_req: get32/get64(op, N), N from the union's start */
OP_AT(struct xendispl_req, dbuf_create.dbuf_cookie, 0);
OP_AT(struct xendispl_req, dbuf_create.width, 8);
OP_AT(struct xendispl_req, dbuf_create.height, 12);
OP_AT(struct xendispl_req, dbuf_create.bpp, 16);
OP_AT(struct xendispl_req, dbuf_create.buffer_sz, 20);
OP_AT(struct xendispl_req, dbuf_create.flags, 24);
OP_AT(struct xendispl_req, dbuf_create.gref_directory, 28);
OP_AT(struct xendispl_req, dbuf_create.data_ofs, 32);
OP_AT(struct xendispl_req, dbuf_destroy.dbuf_cookie, 0);
OP_AT(struct xendispl_req, fb_attach.dbuf_cookie, 0);
OP_AT(struct xendispl_req, fb_attach.fb_cookie, 8);
OP_AT(struct xendispl_req, fb_attach.width, 16);
OP_AT(struct xendispl_req, fb_attach.height, 20);
OP_AT(struct xendispl_req, fb_attach.pixel_format, 24);
OP_AT(struct xendispl_req, fb_detach.fb_cookie, 0);
OP_AT(struct xendispl_req, set_config.fb_cookie, 0);
OP_AT(struct xendispl_req, set_config.x, 8);
OP_AT(struct xendispl_req, set_config.y, 12);
OP_AT(struct xendispl_req, set_config.width, 16);
OP_AT(struct xendispl_req, set_config.height, 20);
OP_AT(struct xendispl_req, set_config.bpp, 24);
OP_AT(struct xendispl_req, pg_flip.fb_cookie, 0);
OP_AT(struct xendispl_req, get_edid.buffer_sz, 0);
OP_AT(struct xendispl_req, get_edid.gref_directory, 4);
#endif

int
main(void)
{
#if HAVE_XEN_IO_HEADERS
	puts("Xen's fbif.h and displif.h agree with backend/xen's layouts "
	     "(checked at compile time)");
	return 0;
#else
	puts("SKIP: no <xen/io/fbif.h>, <xen/io/displif.h> (libxen-dev)");
	return 77;
#endif
}
