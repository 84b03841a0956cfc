/* SPDX-License-Identifier: MIT */
/*
 * The Xen para-virtual display protocol (xen/include/public/io/displif.h,
 * spoken by Linux's xen-drm-front), as a dom0 backend reads it from pages
 * the guest can rewrite at any moment.  Pure logic, no Xen libraries:
 * everything here runs in unit tests and under a fuzzer.  The caller maps
 * pages, binds event channels and talks to xenstore; this layer decides.
 *
 * Rules kept throughout (as in xen-vfb-proto.h):
 * - every guest field is copied out of shared memory exactly once before it
 *   is checked: a request slot is copied whole into a local, a directory
 *   entry or a ring index is read with one relaxed atomic load;
 * - ring indexes are checked against the ring size before any slot is read;
 * - nothing is clamped silently: a bad value is refused, with a one-line
 *   reason naming the field and the value in why[] (why may be NULL);
 * - failures are negative errno values: -EPROTO for a broken transport
 *   (disconnect the frontend), -EINVAL/-ENOENT/-EEXIST/-ENOSPC/-EOPNOTSUPP
 *   for a refused request (answer it with vgfb__vdispl_status(rc)).
 *
 * Layouts are computed by hand from displif.h and ring.h (no Xen header is
 * included); docs/xen-vdispl.md shows the arithmetic.
 *
 * Typical use, per connector:
 *
 *	vgfb__vdispl_ring_init(&ring, req_page);
 *	vgfb__vdispl_evt_init(&evt, evt_page);
 *	on req-event-channel:
 *	again:
 *	while ((rc = vgfb__vdispl_ring_take(&ring, &req, why, len)) == 1) {
 *		rc = vgfb__vdispl_handle(state, conn, &req, &act, why, len);
 *		... do act (map the gref directory with vgfb__vdispl_dir_*,
 *		    show the framebuffer, ...), vgfb__vdispl_cancel() if that
 *		    fails, then ...
 *		vgfb__vdispl_ring_respond(&ring, &req,
 *					  vgfb__vdispl_status(rc), 0);
 *	}
 *	if (rc < 0) disconnect;
 *	if (vgfb__vdispl_ring_push(&ring)) notify req-event-channel;
 *	if (vgfb__vdispl_ring_final_check(&ring)) goto again;
 *	after a flip is on screen:
 *	vgfb__vdispl_evt_pg_flip(&evt, fb_cookie, why, len) == 0 -> notify
 *	evt-event-channel (-EAGAIN: retry when the frontend consumed).
 */
#ifndef VGFB_XEN_VDISPL_PROTO_H
#define VGFB_XEN_VDISPL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VDISPL_PAGE_SIZE 4096u		/* XEN_PAGE_SIZE */
#define VDISPL_PROTOCOL_VERSION 2u	/* XENDISPL_PROTOCOL_VERSION_INT */
#define VDISPL_BACKEND_VERSIONS "1,2"	/* for the backend's "versions" */

/* Operation codes (displif.h "REQUEST CODES"); 0..15 are reserved. */
#define VDISPL_OP_DBUF_CREATE 0x10
#define VDISPL_OP_DBUF_DESTROY 0x11
#define VDISPL_OP_FB_ATTACH 0x12
#define VDISPL_OP_FB_DETACH 0x13
#define VDISPL_OP_SET_CONFIG 0x14
#define VDISPL_OP_PG_FLIP 0x15
#define VDISPL_OP_GET_EDID 0x16	/* protocol version 2 and above */

#define VDISPL_EVT_PG_FLIP 0x00
#define VDISPL_DBUF_FLG_REQ_ALLOC (1u << 0)
#define VDISPL_EDID_MAX_SIZE (128u * 256u)	/* XENDISPL_EDID_MAX_SIZE */

/*
 * The request ring: DEFINE_RING_TYPES(xen_displif, struct xendispl_req,
 * struct xendispl_resp) in one page.  struct xen_displif_sring is
 * req_prod, req_event, rsp_prod, rsp_event (4 x uint32_t), pvt (4 bytes),
 * __pad[44], then ring[] at offset 64.  Requests and responses are both
 * 64 bytes, so __RING_SIZE = round_down_pow2((4096 - 64) / 64) = 32.
 */
#define VDISPL_SRING_REQ_PROD 0u
#define VDISPL_SRING_REQ_EVENT 4u
#define VDISPL_SRING_RSP_PROD 8u
#define VDISPL_SRING_RSP_EVENT 12u
#define VDISPL_SRING_RING_OFFS 64u
#define VDISPL_SLOT_SIZE 64u
#define VDISPL_RING_SIZE 32u

/*
 * The event page: struct xendispl_event_page { in_cons; in_prod;
 * reserved[56]; } then 64-byte struct xendispl_evt slots.  The ring length
 * is (4096 - 64) / 64 = 63, not a power of two: slot = index % 63.
 */
#define VDISPL_EVT_IN_CONS 0u
#define VDISPL_EVT_IN_PROD 4u
#define VDISPL_EVT_RING_OFFS 64u
#define VDISPL_EVT_RING_LEN 63u

/* struct xendispl_page_directory: gref_dir_next_page, then gref[]. */
#define VDISPL_DIR_GREFS_PER_PAGE ((VDISPL_PAGE_SIZE - 4u) / 4u) /* 1023 */

/* Hard ceilings; struct vdispl_limits may only lower them. */
#define VDISPL_MAX_CONNECTORS 8u
#define VDISPL_MAX_DIM 16384u
#define VDISPL_MAX_OBJECTS 1024u
#define VDISPL_MAX_BUFFER_BYTES (1024u * 1024u * 1024u)
#define VDISPL_UNIQUE_ID_MAX 63u

/* What the administrator allows one frontend device to use. */
struct vdispl_limits {
	uint32_t max_connectors;	/* 1..VDISPL_MAX_CONNECTORS */
	uint32_t max_width;		/* connector and buffer widths */
	uint32_t max_height;		/* connector and buffer heights */
	uint32_t max_dbufs;		/* live display buffers per device */
	uint32_t max_fbs;		/* live framebuffers per device */
	uint32_t max_buffer_bytes;	/* buffer_sz of one DBUF_CREATE */
};

/*
 * Defaults: 8 connectors, 8192x8192, 64 dbufs, 64 fbs, 256 MiB buffers.
 */
void vgfb__vdispl_limits_default(struct vdispl_limits *lim);

/* ---- xenstore configuration ---- */

struct vdispl_connector_cfg {
	uint32_t width;		/* "resolution" = "<width>x<height>" */
	uint32_t height;
	char unique_id[VDISPL_UNIQUE_ID_MAX + 1];	/* "" when absent */
	/* transport, only filled when asked for (0 otherwise) */
	uint32_t req_ring_ref;
	uint32_t req_evtchn;
	uint32_t evt_ring_ref;
	uint32_t evt_evtchn;
};

struct vdispl_cfg {
	bool be_alloc;		/* "be-alloc" = "1" */
	uint32_t version;	/* "version", 1 or 2; 2 when absent */
	uint32_t n_connectors;
	struct vdispl_connector_cfg conn[VDISPL_MAX_CONNECTORS];
};

/*
 * Reads one node of the frontend's xenstore directory; node is relative,
 * e.g. "be-alloc" or "0/resolution".  Returns the value (valid until the
 * next call) or NULL when the node does not exist.
 */
typedef const char *(*vdispl_xs_read_fn)(void *data, const char *node);

/*
 * Parse the frontend configuration.  Connectors are the directories
 * "0", "1", ... that have a "resolution", contiguous from 0 (as
 * xen-drm-front reads them); a connector beyond lim->max_connectors is
 * refused, not ignored.  With transport, every connector must also have
 * req-ring-ref, req-event-channel, evt-ring-ref and evt-event-channel
 * (non-zero canonical decimals).  be-alloc must be absent, "0" or "1"
 * (xen-drm-front takes any non-zero number as yes, displif.h only "1":
 * anything else would make the two ends disagree).
 * 0, or -EINVAL/-ENOENT with a reason.
 */
int vgfb__vdispl_parse_cfg(vdispl_xs_read_fn read, void *data,
			   const struct vdispl_limits *lim, bool transport,
			   struct vdispl_cfg *cfg, char *why, size_t why_len);

/* Strict decimal: digits only, no sign/space/leading zero, fits 32 bits. */
int vgfb__vdispl_parse_u32(const char *s, uint32_t *out);

/* "<w>x<h>", both canonical decimals in 1..max. */
int vgfb__vdispl_parse_resolution(const char *s, uint32_t max_w,
				  uint32_t max_h, uint32_t *w, uint32_t *h);

/* ---- request ring (consumer) and responses (producer) ---- */

struct vdispl_ring {
	volatile void *sring;	/* the mapped req-ring-ref page */
	uint32_t req_cons;	/* private: next request to copy */
	uint32_t rsp_prod_pvt;	/* private: next response slot */
	uint32_t rsp_pushed;	/* private: last rsp_prod published */
	bool broken;		/* an -EPROTO was seen: stays refused */
};

/* BACK_RING_INIT: private indexes 0, the page is not touched. */
void vgfb__vdispl_ring_init(struct vdispl_ring *r, volatile void *sring);

struct vdispl_dbuf_create_req {
	uint64_t dbuf_cookie;
	uint32_t width;
	uint32_t height;
	uint32_t bpp;
	uint32_t buffer_sz;
	uint32_t flags;
	uint32_t gref_directory;
	uint32_t data_ofs;
};

struct vdispl_fb_attach_req {
	uint64_t dbuf_cookie;
	uint64_t fb_cookie;
	uint32_t width;
	uint32_t height;
	uint32_t pixel_format;
};

struct vdispl_set_config_req {
	uint64_t fb_cookie;
	uint32_t x;
	uint32_t y;
	uint32_t width;
	uint32_t height;
	uint32_t bpp;
};

struct vdispl_get_edid_req {
	uint32_t buffer_sz;
	uint32_t gref_directory;
};

/* One request, copied out of its slot once and decoded by operation. */
struct vdispl_req {
	uint16_t id;
	uint8_t operation;	/* as read, also when unknown */
	union {
		struct vdispl_dbuf_create_req dbuf_create;
		uint64_t dbuf_cookie;	/* DBUF_DESTROY */
		struct vdispl_fb_attach_req fb_attach;
		uint64_t fb_cookie;	/* FB_DETACH, PG_FLIP */
		struct vdispl_set_config_req set_config;
		struct vdispl_get_edid_req get_edid;
	} op;
};

/* Decode a 64-byte request slot that is already a private copy. */
void vgfb__vdispl_decode_req(const uint8_t slot[VDISPL_SLOT_SIZE],
			     struct vdispl_req *req);

/*
 * Copy the next request out of the ring and decode it.  req_prod is read
 * once; the frontend may have at most VDISPL_RING_SIZE requests without a
 * response (RING_REQUEST_PROD_OVERFLOW) and req_prod must not go back
 * behind what was already taken.  Returns 1 with *req filled, 0 when no
 * request is pending, -EPROTO (sticky) when the indexes are impossible.
 * Header bytes 3..7 are not checked: xen-drm-front never clears a slot, so
 * they hold the previous response's status.
 */
int vgfb__vdispl_ring_take(struct vdispl_ring *r, struct vdispl_req *req,
			   char *why, size_t why_len);

/*
 * Write the response to a taken request into the next response slot: the
 * whole 64 bytes (id, operation echoed, status, edid_sz for GET_EDID, zero
 * elsewhere).  status is 0 or -XEN_Exxx (see vgfb__vdispl_status).
 * -ENOSPC when every taken request was already answered (caller bug).
 */
int vgfb__vdispl_ring_respond(struct vdispl_ring *r,
			      const struct vdispl_req *req, int32_t status,
			      uint32_t edid_sz);

/*
 * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: publish rsp_prod and return true
 * when the frontend asked to be notified (rsp_event).  The previous value
 * is the one this side published, never read back from the page.
 */
bool vgfb__vdispl_ring_push(struct vdispl_ring *r);

/*
 * RING_FINAL_CHECK_FOR_REQUESTS: true when requests are pending; when none
 * are, sets req_event = req_cons + 1 and checks once more.
 */
bool vgfb__vdispl_ring_final_check(struct vdispl_ring *r);

/*
 * A negative errno as a response status: -XEN_Exxx.  The Xen values of
 * the errors this layer uses equal Linux's; anything else becomes -EIO.
 */
int32_t vgfb__vdispl_status(int err);

/* ---- event page (producer) ---- */

struct vdispl_evt_ring {
	volatile void *page;	/* the mapped evt-ring-ref page */
	uint32_t prod;		/* private; published as in_prod */
	uint16_t next_id;	/* xen-drm-front expects ids 0, 1, 2, ... */
};

void vgfb__vdispl_evt_init(struct vdispl_evt_ring *e, volatile void *page);

/*
 * Queue an XENDISPL_EVT_PG_FLIP for fb_cookie.  in_cons is read once.
 * 0: written, notify evt-event-channel.  -EAGAIN: the ring is full (or,
 * at the 2^32 index wrap where index % 63 jumps, the slot still holds an
 * unread event): retry after the frontend consumed.  -EPROTO: in_cons is
 * not within the last 63 events produced.
 */
int vgfb__vdispl_evt_pg_flip(struct vdispl_evt_ring *e, uint64_t fb_cookie,
			     char *why, size_t why_len);

/* ---- grant-reference directory of DBUF_CREATE / GET_EDID ---- */

enum vdispl_dir_mode {
	VDISPL_DIR_READ,	/* frontend allocated: collect gref[] */
	VDISPL_DIR_FILL,	/* be-alloc: write the backend's grefs */
};

struct vdispl_dir_walk {
	enum vdispl_dir_mode mode;
	uint32_t n_grefs;	/* grefs wanted: ceil(buffer_sz / 4096) */
	uint32_t done;		/* grefs collected (or written) so far */
	uint32_t n_pages;	/* directory pages the chain must have */
	uint32_t page;		/* directory pages consumed so far */
	uint32_t next;		/* gref of the directory page to map next */
	uint32_t *grefs;	/* n_grefs entries, owned by the caller */
	uint32_t *dir_refs;	/* n_pages entries: cycle detection */
};

/*
 * Start walking the chain that begins at first_dir (gref_directory).
 * grefs: READ receives, FILL provides, n_grefs entries.  Allocates the
 * cycle detector: 0, -EINVAL (n_grefs 0, first_dir 0, or a FILL gref 0)
 * or -ENOMEM.  Call vgfb__vdispl_dir_release() in every case.
 */
int vgfb__vdispl_dir_init(struct vdispl_dir_walk *w, enum vdispl_dir_mode mode,
			  uint32_t first_dir, uint32_t n_grefs,
			  uint32_t *grefs, char *why, size_t why_len);

/*
 * Feed the mapped directory page whose grant is w->next.  Each value is
 * read once.  1: map w->next and call again; 0: all n_grefs collected (or
 * written) and the chain ended with gref_dir_next_page 0; -EINVAL: the
 * chain is cyclic, longer or shorter than buffer_sz needs, or lists a
 * grant reference 0.
 */
int vgfb__vdispl_dir_page(struct vdispl_dir_walk *w, volatile void *page,
			  char *why, size_t why_len);

void vgfb__vdispl_dir_release(struct vdispl_dir_walk *w);

/* Pages of a buffer of buffer_sz bytes, and directory pages to list them. */
uint32_t vgfb__vdispl_buffer_pages(uint32_t buffer_sz);
uint32_t vgfb__vdispl_dir_pages(uint32_t n_grefs);

/* ---- per-device state: validates the request sequence ---- */

struct vdispl_state;

int vgfb__vdispl_state_new(const struct vdispl_cfg *cfg,
			   const struct vdispl_limits *lim,
			   struct vdispl_state **out);
void vgfb__vdispl_state_free(struct vdispl_state *s);

/* A framebuffer as the backend must scan it out of its display buffer. */
struct vdispl_fb_info {
	uint64_t fb_cookie;
	uint64_t dbuf_cookie;
	uint32_t width;
	uint32_t height;
	uint32_t drm_format;
	uint32_t stride;	/* bytes; displif carries none: see below */
	uint32_t offset;	/* data_ofs of the display buffer */
};

enum vdispl_action_type {
	VDISPL_ACT_NONE,
	VDISPL_ACT_DBUF_CREATE,	/* walk dbuf.gref_directory, map pages */
	VDISPL_ACT_DBUF_DESTROY,	/* unmap dbuf.cookie; blank_mask off */
	VDISPL_ACT_FB_ATTACH,	/* fb is now valid */
	VDISPL_ACT_FB_DETACH,	/* fb is gone; blank blank_mask */
	VDISPL_ACT_SET_CONFIG,	/* conn shows fb (fb_cookie 0: off) */
	VDISPL_ACT_PG_FLIP,	/* conn shows fb; then send EVT_PG_FLIP */
	VDISPL_ACT_GET_EDID,	/* write EDID through edid.gref_directory */
};

struct vdispl_action {
	enum vdispl_action_type type;
	uint32_t conn;
	struct {
		uint64_t cookie;
		uint32_t gref_directory;
		uint32_t n_pages;
		uint32_t buffer_sz;
		uint32_t data_ofs;
		bool be_alloc;
	} dbuf;
	struct vdispl_fb_info fb;
	uint32_t x, y, width, height;	/* SET_CONFIG: visible window */
	uint32_t blank_mask;	/* connectors whose shown fb went away */
	struct {
		uint32_t gref_directory;
		uint32_t n_pages;
		uint32_t buffer_sz;
	} edid;
};

/*
 * Check one request that arrived on connector conn's ring against the
 * protocol and the state, and commit it.  0 with *act telling the backend
 * what to do; a negative errno with a reason, the state unchanged, when
 * the request must be refused (respond with vgfb__vdispl_status(rc)).
 *
 * Stride: displif has no pitch.  A display buffer created with width, bpp
 * has xen-drm-front's dumb pitch DIV_ROUND_UP(width * bpp, 8); one created
 * with width = height = bpp = 0 (an imported dma-buf) is packed: the
 * framebuffer's width * cpp.
 * Destroying a display buffer detaches its framebuffers, and detaching a
 * shown framebuffer turns its connectors off (blank_mask), the way DRM
 * removes a framebuffer: xen-drm-front frees the pages whatever we answer.
 */
int vgfb__vdispl_handle(struct vdispl_state *s, uint32_t conn,
			const struct vdispl_req *req, struct vdispl_action *act,
			char *why, size_t why_len);

/*
 * Undo a DBUF_CREATE or FB_ATTACH that vgfb__vdispl_handle() just
 * accepted, when the backend could not carry it out (grant mapping
 * failed).  Must come before the next request is handled.  Other actions
 * are left alone.
 */
void vgfb__vdispl_cancel(struct vdispl_state *s,
			 const struct vdispl_action *act);

/* Introspection, for the backend and the tests. */
uint32_t vgfb__vdispl_state_dbufs(const struct vdispl_state *s);
uint32_t vgfb__vdispl_state_fbs(const struct vdispl_state *s);
int vgfb__vdispl_state_fb(const struct vdispl_state *s, uint64_t fb_cookie,
			  struct vdispl_fb_info *out);
/* fb_cookie shown on conn, 0 when the connector is off. */
uint64_t vgfb__vdispl_state_shown(const struct vdispl_state *s, uint32_t conn);

#endif
