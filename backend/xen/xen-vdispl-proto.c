/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "shared-page.h"
#include "xen-vdispl-proto.h"

/* Offsets inside a 64-byte request slot (struct xendispl_req). */
#define REQ_ID 0
#define REQ_OPERATION 2
#define REQ_OP 8	/* the union: uint64_t members align it to 8 */

/* Offsets inside a response slot (struct xendispl_resp) and an event. */
#define RSP_ID 0
#define RSP_OPERATION 2
#define RSP_STATUS 4
#define RSP_EDID_SZ 8
#define EVT_ID 0
#define EVT_TYPE 2
#define EVT_FB_COOKIE 8

/* Copy 64 bytes out of shared memory, each word read once. */
static void
copy_slot_in(uint8_t dst[VDISPL_SLOT_SIZE], const volatile void *src)
{
	for (size_t i = 0; i < VDISPL_SLOT_SIZE; i += 4) {
		uint32_t v = shared_load32(src, i);

		memcpy(dst + i, &v, 4);
	}
}

static void
copy_slot_out(volatile void *dst, const uint8_t src[VDISPL_SLOT_SIZE])
{
	for (size_t i = 0; i < VDISPL_SLOT_SIZE; i += 4) {
		uint32_t v;

		memcpy(&v, src + i, 4);
		shared_store32(dst, i, v);
	}
}

static uint32_t
get32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint64_t
get64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void
fourcc_str(uint32_t f, char out[5])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)((f >> (8 * i)) & 0xff);

		out[i] = (c >= 0x20 && c < 0x7f) ? c : '.';
	}
	out[4] = '\0';
}

/*
 * A guest string made safe for a one-line reason: at most 32 bytes, and
 * anything but printable ASCII (newlines, escapes) shown as '.'.
 */
static const char *
quote(const char *v, char out[40])
{
	size_t i;

	for (i = 0; v[i] && i < 32; i++)
		out[i] = ((unsigned char)v[i] >= 0x20 &&
			  (unsigned char)v[i] < 0x7f) ? v[i] : '.';
	if (v[i])
		out[i++] = '~';	/* truncated */
	out[i] = '\0';
	return out;
}

void
vgfb__vdispl_limits_default(struct vdispl_limits *lim)
{
	lim->max_connectors = VDISPL_MAX_CONNECTORS;
	lim->max_width = 8192;
	lim->max_height = 8192;
	lim->max_dbufs = 64;
	lim->max_fbs = 64;
	lim->max_buffer_bytes = 256u * 1024 * 1024;
}

static int
check_limits(const struct vdispl_limits *lim)
{
	if (lim->max_connectors < 1 ||
	    lim->max_connectors > VDISPL_MAX_CONNECTORS ||
	    lim->max_width < 1 || lim->max_width > VDISPL_MAX_DIM ||
	    lim->max_height < 1 || lim->max_height > VDISPL_MAX_DIM ||
	    lim->max_dbufs < 1 || lim->max_dbufs > VDISPL_MAX_OBJECTS ||
	    lim->max_fbs < 1 || lim->max_fbs > VDISPL_MAX_OBJECTS ||
	    lim->max_buffer_bytes < VDISPL_PAGE_SIZE ||
	    lim->max_buffer_bytes > VDISPL_MAX_BUFFER_BYTES)
		return -EINVAL;
	return 0;
}

/* ---- xenstore configuration ---- */

int
vgfb__vdispl_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	size_t n;

	if (!s)
		return -EINVAL;
	n = strlen(s);
	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int
vgfb__vdispl_parse_resolution(const char *s, uint32_t max_w, uint32_t max_h,
			      uint32_t *w, uint32_t *h)
{
	char buf[24];
	const char *x;
	size_t n;
	uint32_t vw, vh;

	if (!s)
		return -EINVAL;
	x = strchr(s, 'x');
	if (!x)
		return -EINVAL;
	n = (size_t)(x - s);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (vgfb__vdispl_parse_u32(buf, &vw) ||
	    vgfb__vdispl_parse_u32(x + 1, &vh))
		return -EINVAL;
	if (vw < 1 || vw > max_w || vh < 1 || vh > max_h)
		return -EINVAL;
	*w = vw;
	*h = vh;
	return 0;
}

static int
read_ref(vdispl_xs_read_fn read, void *data, uint32_t idx, const char *field,
	 uint32_t *out, char *why, size_t why_len)
{
	char node[32], q[40];
	const char *v;

	snprintf(node, sizeof(node), "%" PRIu32 "/%s", idx, field);
	v = read(data, node);
	if (!v)
		return refuse(-ENOENT, why, why_len, "%s is missing", node);
	if (vgfb__vdispl_parse_u32(v, out) || *out == 0)
		return refuse(-EINVAL, why, why_len,
			      "%s \"%s\" is not a non-zero 32-bit decimal",
			      node, quote(v, q));
	return 0;
}

static int
parse_connector(vdispl_xs_read_fn read, void *data,
		const struct vdispl_limits *lim, uint32_t idx, const char *res,
		bool transport, struct vdispl_connector_cfg *c, char *why,
		size_t why_len)
{
	char node[32], q[40];
	const char *v;
	int rc;

	memset(c, 0, sizeof(*c));
	if (vgfb__vdispl_parse_resolution(res, lim->max_width, lim->max_height,
					  &c->width, &c->height))
		return refuse(-EINVAL, why, why_len,
			      "%" PRIu32 "/resolution \"%s\" is not WxH "
			      "within 1x1..%" PRIu32 "x%" PRIu32, idx,
			      quote(res, q),
			      lim->max_width, lim->max_height);
	snprintf(node, sizeof(node), "%" PRIu32 "/unique-id", idx);
	v = read(data, node);
	if (v) {
		size_t n = strlen(v);

		if (n > VDISPL_UNIQUE_ID_MAX)
			return refuse(-EINVAL, why, why_len,
				      "%s is %zu bytes long, at most %u",
				      node, n, VDISPL_UNIQUE_ID_MAX);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)v[i] < 0x20 ||
			    (unsigned char)v[i] > 0x7e)
				return refuse(-EINVAL, why, why_len,
					      "%s has byte 0x%02x at %zu, not "
					      "printable ASCII", node,
					      (unsigned char)v[i], i);
		memcpy(c->unique_id, v, n + 1);
	}
	if (!transport)
		return 0;
	rc = read_ref(read, data, idx, "req-ring-ref", &c->req_ring_ref, why,
		      why_len);
	if (rc == 0)
		rc = read_ref(read, data, idx, "req-event-channel",
			      &c->req_evtchn, why, why_len);
	if (rc == 0)
		rc = read_ref(read, data, idx, "evt-ring-ref", &c->evt_ring_ref,
			      why, why_len);
	if (rc == 0)
		rc = read_ref(read, data, idx, "evt-event-channel",
			      &c->evt_evtchn, why, why_len);
	return rc;
}

int
vgfb__vdispl_parse_cfg(vdispl_xs_read_fn read, void *data,
		       const struct vdispl_limits *lim, bool transport,
		       struct vdispl_cfg *cfg, char *why, size_t why_len)
{
	char node[32], q[40];
	const char *v;
	uint32_t n;
	int rc;

	if (!read || !lim || !cfg || check_limits(lim))
		return refuse(-EINVAL, why, why_len, "bad arguments");
	memset(cfg, 0, sizeof(*cfg));

	v = read(data, "be-alloc");
	if (v && strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
		return refuse(-EINVAL, why, why_len,
			      "be-alloc \"%s\" is not \"0\" or \"1\"",
			      quote(v, q));
	cfg->be_alloc = v && strcmp(v, "1") == 0;

	cfg->version = VDISPL_PROTOCOL_VERSION;
	v = read(data, "version");
	if (v && (vgfb__vdispl_parse_u32(v, &n) || n < 1 ||
		  n > VDISPL_PROTOCOL_VERSION))
		return refuse(-EINVAL, why, why_len,
			      "version \"%s\" is not one of \"%s\"",
			      quote(v, q), VDISPL_BACKEND_VERSIONS);
	if (v)
		cfg->version = n;

	for (n = 0;; n++) {
		snprintf(node, sizeof(node), "%" PRIu32 "/resolution", n);
		v = read(data, node);
		if (!v)
			break;
		if (n >= lim->max_connectors)
			return refuse(-EINVAL, why, why_len,
				      "connector %" PRIu32 " is one too many: "
				      "at most %" PRIu32 " connectors", n,
				      lim->max_connectors);
		rc = parse_connector(read, data, lim, n, v, transport,
				     &cfg->conn[n], why, why_len);
		if (rc)
			return rc;
	}
	if (n == 0)
		return refuse(-ENOENT, why, why_len,
			      "no connector: 0/resolution is missing");
	cfg->n_connectors = n;
	return 0;
}

/* ---- request ring ---- */

void
vgfb__vdispl_ring_init(struct vdispl_ring *r, volatile void *sring)
{
	memset(r, 0, sizeof(*r));
	r->sring = sring;
}

void
vgfb__vdispl_decode_req(const uint8_t slot[VDISPL_SLOT_SIZE],
			struct vdispl_req *req)
{
	const uint8_t *op = slot + REQ_OP;

	memset(req, 0, sizeof(*req));
	memcpy(&req->id, slot + REQ_ID, sizeof(req->id));
	req->operation = slot[REQ_OPERATION];
	switch (req->operation) {
	case VDISPL_OP_DBUF_CREATE:
		req->op.dbuf_create.dbuf_cookie = get64(op, 0);
		req->op.dbuf_create.width = get32(op, 8);
		req->op.dbuf_create.height = get32(op, 12);
		req->op.dbuf_create.bpp = get32(op, 16);
		req->op.dbuf_create.buffer_sz = get32(op, 20);
		req->op.dbuf_create.flags = get32(op, 24);
		req->op.dbuf_create.gref_directory = get32(op, 28);
		req->op.dbuf_create.data_ofs = get32(op, 32);
		break;
	case VDISPL_OP_DBUF_DESTROY:
		req->op.dbuf_cookie = get64(op, 0);
		break;
	case VDISPL_OP_FB_ATTACH:
		req->op.fb_attach.dbuf_cookie = get64(op, 0);
		req->op.fb_attach.fb_cookie = get64(op, 8);
		req->op.fb_attach.width = get32(op, 16);
		req->op.fb_attach.height = get32(op, 20);
		req->op.fb_attach.pixel_format = get32(op, 24);
		break;
	case VDISPL_OP_FB_DETACH:
	case VDISPL_OP_PG_FLIP:
		req->op.fb_cookie = get64(op, 0);
		break;
	case VDISPL_OP_SET_CONFIG:
		req->op.set_config.fb_cookie = get64(op, 0);
		req->op.set_config.x = get32(op, 8);
		req->op.set_config.y = get32(op, 12);
		req->op.set_config.width = get32(op, 16);
		req->op.set_config.height = get32(op, 20);
		req->op.set_config.bpp = get32(op, 24);
		break;
	case VDISPL_OP_GET_EDID:
		/*
		 * The struct puts buffer_sz at offset 8 (the union); the
		 * octet diagram in displif.h draws it at 4.  xen-drm-front
		 * writes through the struct, so the struct wins.
		 */
		req->op.get_edid.buffer_sz = get32(op, 0);
		req->op.get_edid.gref_directory = get32(op, 4);
		break;
	default:
		break;
	}
}

int
vgfb__vdispl_ring_take(struct vdispl_ring *r, struct vdispl_req *req,
		       char *why, size_t why_len)
{
	uint8_t slot[VDISPL_SLOT_SIZE];
	uint32_t prod, pending, taken;

	if (r->broken)
		return refuse(-EPROTO, why, why_len,
			      "request ring already refused");
	prod = shared_load32(r->sring, VDISPL_SRING_REQ_PROD);
	pending = prod - r->rsp_prod_pvt;	/* requests not answered */
	taken = r->req_cons - r->rsp_prod_pvt;	/* of those, taken */
	if (pending > VDISPL_RING_SIZE) {
		r->broken = true;
		return refuse(-EPROTO, why, why_len,
			      "req_prod %" PRIu32 " is %" PRIu32 " requests "
			      "past rsp_prod %" PRIu32 ", the ring has %u "
			      "slots", prod, pending, r->rsp_prod_pvt,
			      VDISPL_RING_SIZE);
	}
	if (pending < taken) {
		r->broken = true;
		return refuse(-EPROTO, why, why_len,
			      "req_prod %" PRIu32 " went back behind the %"
			      PRIu32 " requests already taken", prod,
			      r->req_cons);
	}
	if (prod == r->req_cons)
		return 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);	/* slot after index */
	copy_slot_in(slot, (const volatile char *)r->sring +
		     VDISPL_SRING_RING_OFFS +
		     (r->req_cons % VDISPL_RING_SIZE) * VDISPL_SLOT_SIZE);
	r->req_cons++;
	vgfb__vdispl_decode_req(slot, req);
	return 1;
}

int
vgfb__vdispl_ring_respond(struct vdispl_ring *r, const struct vdispl_req *req,
			  int32_t status, uint32_t edid_sz)
{
	uint8_t slot[VDISPL_SLOT_SIZE];

	if (r->rsp_prod_pvt == r->req_cons)
		return -ENOSPC;
	memset(slot, 0, sizeof(slot));
	memcpy(slot + RSP_ID, &req->id, sizeof(req->id));
	slot[RSP_OPERATION] = req->operation;
	memcpy(slot + RSP_STATUS, &status, sizeof(status));
	if (req->operation == VDISPL_OP_GET_EDID)
		memcpy(slot + RSP_EDID_SZ, &edid_sz, sizeof(edid_sz));
	copy_slot_out((volatile char *)r->sring + VDISPL_SRING_RING_OFFS +
		      (r->rsp_prod_pvt % VDISPL_RING_SIZE) * VDISPL_SLOT_SIZE,
		      slot);
	r->rsp_prod_pvt++;
	return 0;
}

bool
vgfb__vdispl_ring_push(struct vdispl_ring *r)
{
	uint32_t old = r->rsp_pushed, new = r->rsp_prod_pvt, event;

	if (old == new)
		return false;
	__atomic_thread_fence(__ATOMIC_RELEASE);	/* slots before index */
	shared_store32(r->sring, VDISPL_SRING_RSP_PROD, new);
	r->rsp_pushed = new;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* index before event */
	event = shared_load32(r->sring, VDISPL_SRING_RSP_EVENT);
	return (uint32_t)(new - event) < (uint32_t)(new - old);
}

bool
vgfb__vdispl_ring_final_check(struct vdispl_ring *r)
{
	if (r->broken)
		return false;
	if (shared_load32(r->sring, VDISPL_SRING_REQ_PROD) != r->req_cons)
		return true;
	shared_store32(r->sring, VDISPL_SRING_REQ_EVENT, r->req_cons + 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return shared_load32(r->sring, VDISPL_SRING_REQ_PROD) != r->req_cons;
}

int32_t
vgfb__vdispl_status(int err)
{
	if (err >= 0)
		return 0;
	switch (-err) {
	case EPERM:
	case ENOENT:
	case EIO:
	case E2BIG:
	case EAGAIN:
	case ENOMEM:
	case EACCES:
	case EFAULT:
	case EBUSY:
	case EEXIST:
	case ENODEV:
	case EINVAL:
	case ENOSPC:
	case ENOSYS:
	case EOPNOTSUPP:
		/* Xen's errno.h values for these are Linux's (x86, arm) */
		return (int32_t)err;
	default:
		return -EIO;
	}
}

/* ---- event page ---- */

void
vgfb__vdispl_evt_init(struct vdispl_evt_ring *e, volatile void *page)
{
	memset(e, 0, sizeof(*e));
	e->page = page;
}

int
vgfb__vdispl_evt_pg_flip(struct vdispl_evt_ring *e, uint64_t fb_cookie,
			 char *why, size_t why_len)
{
	uint8_t slot[VDISPL_SLOT_SIZE];
	uint32_t cons, used, idx;

	cons = shared_load32(e->page, VDISPL_EVT_IN_CONS);
	used = e->prod - cons;
	if (used > VDISPL_EVT_RING_LEN)
		return refuse(-EPROTO, why, why_len,
			      "in_cons %" PRIu32 " is not within %u events "
			      "of in_prod %" PRIu32, cons, VDISPL_EVT_RING_LEN,
			      e->prod);
	if (used == VDISPL_EVT_RING_LEN)
		return refuse(-EAGAIN, why, why_len,
			      "event ring full: %" PRIu32 " unread events",
			      used);
	/*
	 * 2^32 is not a multiple of 63: across the index wrap the slot of
	 * in_prod may still hold an unread event.
	 */
	for (idx = cons; idx != e->prod; idx++)
		if (idx % VDISPL_EVT_RING_LEN ==
		    e->prod % VDISPL_EVT_RING_LEN)
			return refuse(-EAGAIN, why, why_len,
				      "event slot %" PRIu32 " still unread at "
				      "the index wrap (in_cons %" PRIu32 ")",
				      e->prod % VDISPL_EVT_RING_LEN, cons);
	memset(slot, 0, sizeof(slot));
	memcpy(slot + EVT_ID, &e->next_id, sizeof(e->next_id));
	slot[EVT_TYPE] = VDISPL_EVT_PG_FLIP;
	memcpy(slot + EVT_FB_COOKIE, &fb_cookie, sizeof(fb_cookie));
	copy_slot_out((volatile char *)e->page + VDISPL_EVT_RING_OFFS +
		      (e->prod % VDISPL_EVT_RING_LEN) * VDISPL_SLOT_SIZE,
		      slot);
	e->prod++;
	e->next_id++;
	__atomic_thread_fence(__ATOMIC_RELEASE);	/* slot before index */
	shared_store32(e->page, VDISPL_EVT_IN_PROD, e->prod);
	return 0;
}

/* ---- grant-reference directory ---- */

uint32_t
vgfb__vdispl_buffer_pages(uint32_t buffer_sz)
{
	return (uint32_t)(((uint64_t)buffer_sz + VDISPL_PAGE_SIZE - 1) /
			  VDISPL_PAGE_SIZE);
}

uint32_t
vgfb__vdispl_dir_pages(uint32_t n_grefs)
{
	return (uint32_t)(((uint64_t)n_grefs + VDISPL_DIR_GREFS_PER_PAGE - 1) /
			  VDISPL_DIR_GREFS_PER_PAGE);
}

int
vgfb__vdispl_dir_init(struct vdispl_dir_walk *w, enum vdispl_dir_mode mode,
		      uint32_t first_dir, uint32_t n_grefs, uint32_t *grefs,
		      char *why, size_t why_len)
{
	memset(w, 0, sizeof(*w));
	if (n_grefs == 0)
		return refuse(-EINVAL, why, why_len,
			      "directory of 0 grant references");
	if (first_dir == 0)
		return refuse(-EINVAL, why, why_len,
			      "gref_directory is 0, an invalid grant");
	if (mode == VDISPL_DIR_FILL)
		for (uint32_t i = 0; i < n_grefs; i++)
			if (grefs[i] == 0)
				return refuse(-EINVAL, why, why_len,
					      "backend gref[%" PRIu32 "] is 0",
					      i);
	w->mode = mode;
	w->n_grefs = n_grefs;
	w->n_pages = vgfb__vdispl_dir_pages(n_grefs);
	w->next = first_dir;
	w->grefs = grefs;
	w->dir_refs = calloc(w->n_pages, sizeof(*w->dir_refs));
	if (!w->dir_refs)
		return refuse(-ENOMEM, why, why_len, "out of memory");
	return 0;
}

int
vgfb__vdispl_dir_page(struct vdispl_dir_walk *w, volatile void *page,
		      char *why, size_t why_len)
{
	uint32_t n, next, ref = w->next;

	if (w->next == 0 || w->page >= w->n_pages)
		return refuse(-EINVAL, why, why_len,
			      "directory walk already finished");
	w->next = 0;	/* any refusal below ends the walk */
	for (uint32_t i = 0; i < w->page; i++)
		if (w->dir_refs[i] == ref)
			return refuse(-EINVAL, why, why_len,
				      "directory page %" PRIu32 " is gref %"
				      PRIu32 " again, as page %" PRIu32
				      ": the chain is cyclic", w->page, ref,
				      i);
	w->dir_refs[w->page] = ref;
	n = w->n_grefs - w->done;
	if (n > VDISPL_DIR_GREFS_PER_PAGE)
		n = VDISPL_DIR_GREFS_PER_PAGE;
	next = shared_load32(page, 0);
	for (uint32_t i = 0; i < n; i++) {
		size_t off = 4 + 4 * (size_t)i;

		if (w->mode == VDISPL_DIR_FILL) {
			shared_store32(page, off, w->grefs[w->done + i]);
			continue;
		}
		w->grefs[w->done + i] = shared_load32(page, off);
		if (w->grefs[w->done + i] == 0)
			return refuse(-EINVAL, why, why_len,
				      "gref[%" PRIu32 "] (directory page %"
				      PRIu32 ", entry %" PRIu32 ") is 0, an "
				      "invalid grant", w->done + i, w->page,
				      i);
	}
	w->done += n;
	w->page++;
	if (w->done == w->n_grefs) {
		if (next != 0)
			return refuse(-EINVAL, why, why_len,
				      "gref_dir_next_page %" PRIu32 " after "
				      "the last directory page: the chain is "
				      "longer than %" PRIu32 " pages for %"
				      PRIu32 " grefs", next, w->n_pages,
				      w->n_grefs);
		return 0;
	}
	if (next == 0)
		return refuse(-EINVAL, why, why_len,
			      "directory ends after %" PRIu32 " pages with %"
			      PRIu32 " of %" PRIu32 " grefs: the chain is "
			      "too short", w->page, w->done, w->n_grefs);
	w->next = next;
	return 1;
}

void
vgfb__vdispl_dir_release(struct vdispl_dir_walk *w)
{
	if (!w)
		return;
	free(w->dir_refs);
	w->dir_refs = NULL;
}

/* ---- per-device state ---- */

struct vdispl_dbuf {
	uint64_t cookie;
	uint32_t width, height, bpp;
	uint32_t buffer_sz;
	uint32_t data_ofs;
	uint32_t stride;	/* 0: no geometry given (imported buffer) */
};

struct vdispl_shown {
	uint64_t fb_cookie;	/* 0: off */
	uint32_t x, y, width, height;
};

struct vdispl_state {
	struct vdispl_limits lim;
	struct vdispl_cfg cfg;
	struct vdispl_dbuf *dbufs;
	uint32_t n_dbufs;
	struct vdispl_fb_info *fbs;
	uint32_t n_fbs;
	struct vdispl_shown shown[VDISPL_MAX_CONNECTORS];
};

int
vgfb__vdispl_state_new(const struct vdispl_cfg *cfg,
		       const struct vdispl_limits *lim,
		       struct vdispl_state **out)
{
	struct vdispl_state *s;

	if (!cfg || !lim || check_limits(lim) || cfg->n_connectors < 1 ||
	    cfg->n_connectors > lim->max_connectors)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->lim = *lim;
	s->cfg = *cfg;
	s->dbufs = calloc(lim->max_dbufs, sizeof(*s->dbufs));
	s->fbs = calloc(lim->max_fbs, sizeof(*s->fbs));
	if (!s->dbufs || !s->fbs) {
		vgfb__vdispl_state_free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void
vgfb__vdispl_state_free(struct vdispl_state *s)
{
	if (!s)
		return;
	free(s->dbufs);
	free(s->fbs);
	free(s);
}

static struct vdispl_dbuf *
find_dbuf(const struct vdispl_state *s, uint64_t cookie)
{
	for (uint32_t i = 0; i < s->n_dbufs; i++)
		if (s->dbufs[i].cookie == cookie)
			return &s->dbufs[i];
	return NULL;
}

static struct vdispl_fb_info *
find_fb(const struct vdispl_state *s, uint64_t cookie)
{
	for (uint32_t i = 0; i < s->n_fbs; i++)
		if (s->fbs[i].fb_cookie == cookie)
			return &s->fbs[i];
	return NULL;
}

/* Remove fb (unordered), turning off the connectors that show it. */
static uint32_t
drop_fb(struct vdispl_state *s, struct vdispl_fb_info *fb)
{
	uint32_t mask = 0;

	for (uint32_t c = 0; c < s->cfg.n_connectors; c++)
		if (s->shown[c].fb_cookie == fb->fb_cookie) {
			memset(&s->shown[c], 0, sizeof(s->shown[c]));
			mask |= 1u << c;
		}
	*fb = s->fbs[--s->n_fbs];
	return mask;
}

static int
on_ring0(uint32_t conn, const char *op, char *why, size_t why_len)
{
	if (conn == 0)
		return 0;
	return refuse(-EINVAL, why, why_len,
		      "%s on connector %" PRIu32 "'s ring: displif.h wants "
		      "it on connector 0's", op, conn);
}

static int
dbuf_create(struct vdispl_state *s, uint32_t conn,
	    const struct vdispl_dbuf_create_req *q, struct vdispl_action *act,
	    char *why, size_t why_len)
{
	struct vdispl_dbuf d = { 0 };
	bool req_alloc = q->flags & VDISPL_DBUF_FLG_REQ_ALLOC;
	int rc;

	rc = on_ring0(conn, "DBUF_CREATE", why, why_len);
	if (rc)
		return rc;
	if (q->dbuf_cookie == 0)
		return refuse(-EINVAL, why, why_len,
			      "DBUF_CREATE dbuf_cookie 0 is invalid");
	if (find_dbuf(s, q->dbuf_cookie))
		return refuse(-EEXIST, why, why_len,
			      "DBUF_CREATE dbuf_cookie 0x%" PRIx64
			      " already exists", q->dbuf_cookie);
	if (q->flags & ~VDISPL_DBUF_FLG_REQ_ALLOC)
		return refuse(-EINVAL, why, why_len,
			      "DBUF_CREATE flags 0x%" PRIx32 " has unknown "
			      "bits 0x%" PRIx32, q->flags,
			      q->flags & ~VDISPL_DBUF_FLG_REQ_ALLOC);
	if (req_alloc && !s->cfg.be_alloc)
		return refuse(-EINVAL, why, why_len,
			      "DBUF_CREATE flags 0x%" PRIx32 " ask the "
			      "backend to allocate, but be-alloc is off",
			      q->flags);
	if (req_alloc && q->data_ofs != 0)
		return refuse(-EINVAL, why, why_len,
			      "DBUF_CREATE data_ofs %" PRIu32 " with a "
			      "backend-allocated buffer", q->data_ofs);
	if (q->buffer_sz == 0)
		return refuse(-EINVAL, why, why_len,
			      "DBUF_CREATE buffer_sz 0");
	if (q->buffer_sz > s->lim.max_buffer_bytes)
		return refuse(-EINVAL, why, why_len,
			      "DBUF_CREATE buffer_sz %" PRIu32 " exceeds the "
			      "limit of %" PRIu32, q->buffer_sz,
			      s->lim.max_buffer_bytes);
	if (q->data_ofs >= q->buffer_sz)
		return refuse(-EINVAL, why, why_len,
			      "DBUF_CREATE data_ofs %" PRIu32 " outside "
			      "buffer_sz %" PRIu32, q->data_ofs, q->buffer_sz);
	if (q->gref_directory == 0)
		return refuse(-EINVAL, why, why_len,
			      "DBUF_CREATE gref_directory 0 is invalid");
	if (q->width || q->height || q->bpp) {
		uint64_t stride, need;

		if (!q->width || !q->height || !q->bpp)
			return refuse(-EINVAL, why, why_len,
				      "DBUF_CREATE geometry %" PRIu32 "x%"
				      PRIu32 " bpp %" PRIu32 ": give all three "
				      "or none", q->width, q->height, q->bpp);
		if (q->width > s->lim.max_width ||
		    q->height > s->lim.max_height)
			return refuse(-EINVAL, why, why_len,
				      "DBUF_CREATE %" PRIu32 "x%" PRIu32
				      " exceeds %" PRIu32 "x%" PRIu32,
				      q->width, q->height, s->lim.max_width,
				      s->lim.max_height);
		if (q->bpp != 16 && q->bpp != 24 && q->bpp != 32)
			return refuse(-EINVAL, why, why_len,
				      "DBUF_CREATE bpp %" PRIu32 " is not 16, "
				      "24 or 32", q->bpp);
		stride = ((uint64_t)q->width * q->bpp + 7) / 8;
		need = stride * q->height;
		if (need > (uint64_t)q->buffer_sz - q->data_ofs)
			return refuse(-EINVAL, why, why_len,
				      "DBUF_CREATE %" PRIu32 "x%" PRIu32
				      " bpp %" PRIu32 " needs %" PRIu64
				      " bytes, buffer_sz %" PRIu32
				      " - data_ofs %" PRIu32 " is smaller",
				      q->width, q->height, q->bpp, need,
				      q->buffer_sz, q->data_ofs);
		d.stride = (uint32_t)stride;
	}
	if (s->n_dbufs >= s->lim.max_dbufs)
		return refuse(-ENOSPC, why, why_len,
			      "DBUF_CREATE 0x%" PRIx64 ": already %" PRIu32
			      " display buffers, the limit", q->dbuf_cookie,
			      s->n_dbufs);
	d.cookie = q->dbuf_cookie;
	d.width = q->width;
	d.height = q->height;
	d.bpp = q->bpp;
	d.buffer_sz = q->buffer_sz;
	d.data_ofs = q->data_ofs;
	s->dbufs[s->n_dbufs++] = d;
	act->type = VDISPL_ACT_DBUF_CREATE;
	act->dbuf.cookie = d.cookie;
	act->dbuf.gref_directory = q->gref_directory;
	act->dbuf.n_pages = vgfb__vdispl_buffer_pages(q->buffer_sz);
	act->dbuf.buffer_sz = q->buffer_sz;
	act->dbuf.data_ofs = q->data_ofs;
	act->dbuf.be_alloc = req_alloc;
	return 0;
}

static int
dbuf_destroy(struct vdispl_state *s, uint32_t conn, uint64_t cookie,
	     struct vdispl_action *act, char *why, size_t why_len)
{
	struct vdispl_dbuf *d;
	int rc;

	rc = on_ring0(conn, "DBUF_DESTROY", why, why_len);
	if (rc)
		return rc;
	d = find_dbuf(s, cookie);
	if (cookie == 0 || !d)
		return refuse(-ENOENT, why, why_len,
			      "DBUF_DESTROY dbuf_cookie 0x%" PRIx64
			      " does not exist", cookie);
	for (uint32_t i = 0; i < s->n_fbs;) {
		if (s->fbs[i].dbuf_cookie == cookie)
			act->blank_mask |= drop_fb(s, &s->fbs[i]);
		else
			i++;
	}
	*d = s->dbufs[--s->n_dbufs];
	act->type = VDISPL_ACT_DBUF_DESTROY;
	act->dbuf.cookie = cookie;
	return 0;
}

static int
fb_attach(struct vdispl_state *s, uint32_t conn,
	  const struct vdispl_fb_attach_req *q, struct vdispl_action *act,
	  char *why, size_t why_len)
{
	struct vdispl_fb_info fb = { 0 };
	const struct vdispl_dbuf *d;
	uint32_t cpp, stride;
	uint64_t need;
	char cc[5];
	int rc;

	rc = on_ring0(conn, "FB_ATTACH", why, why_len);
	if (rc)
		return rc;
	if (q->fb_cookie == 0)
		return refuse(-EINVAL, why, why_len,
			      "FB_ATTACH fb_cookie 0 is invalid");
	d = find_dbuf(s, q->dbuf_cookie);
	if (q->dbuf_cookie == 0 || !d)
		return refuse(-ENOENT, why, why_len,
			      "FB_ATTACH dbuf_cookie 0x%" PRIx64
			      " does not exist", q->dbuf_cookie);
	if (find_fb(s, q->fb_cookie))
		return refuse(-EEXIST, why, why_len,
			      "FB_ATTACH fb_cookie 0x%" PRIx64
			      " already exists", q->fb_cookie);
	cpp = vgfb_format_cpp(q->pixel_format);
	fourcc_str(q->pixel_format, cc);
	if (cpp == 0)
		return refuse(-EINVAL, why, why_len,
			      "FB_ATTACH pixel_format 0x%08" PRIx32 " ('%s') "
			      "is not supported", q->pixel_format, cc);
	if (q->width < 1 || q->width > s->lim.max_width ||
	    q->height < 1 || q->height > s->lim.max_height)
		return refuse(-EINVAL, why, why_len,
			      "FB_ATTACH %" PRIu32 "x%" PRIu32 " outside "
			      "1x1..%" PRIu32 "x%" PRIu32, q->width,
			      q->height, s->lim.max_width, s->lim.max_height);
	if (d->bpp && d->bpp != cpp * 8)
		return refuse(-EINVAL, why, why_len,
			      "FB_ATTACH pixel_format '%s' has %" PRIu32
			      " bpp, dbuf 0x%" PRIx64 " was created with %"
			      PRIu32, cc, cpp * 8, d->cookie, d->bpp);
	stride = d->stride ? d->stride : q->width * cpp;
	if ((uint64_t)q->width * cpp > stride)
		return refuse(-EINVAL, why, why_len,
			      "FB_ATTACH width %" PRIu32 " x %" PRIu32
			      " bytes exceeds dbuf 0x%" PRIx64 "'s stride %"
			      PRIu32, q->width, cpp, d->cookie, stride);
	need = (uint64_t)stride * q->height;
	if (need > (uint64_t)d->buffer_sz - d->data_ofs)
		return refuse(-EINVAL, why, why_len,
			      "FB_ATTACH %" PRIu32 "x%" PRIu32 " '%s' "
			      "needs %" PRIu64 " bytes, dbuf 0x%" PRIx64
			      " has %" PRIu32, q->width, q->height, cc, need,
			      d->cookie, d->buffer_sz - d->data_ofs);
	if (s->n_fbs >= s->lim.max_fbs)
		return refuse(-ENOSPC, why, why_len,
			      "FB_ATTACH 0x%" PRIx64 ": already %" PRIu32
			      " framebuffers, the limit", q->fb_cookie,
			      s->n_fbs);
	fb.fb_cookie = q->fb_cookie;
	fb.dbuf_cookie = q->dbuf_cookie;
	fb.width = q->width;
	fb.height = q->height;
	fb.drm_format = q->pixel_format;
	fb.stride = stride;
	fb.offset = d->data_ofs;
	s->fbs[s->n_fbs++] = fb;
	act->type = VDISPL_ACT_FB_ATTACH;
	act->fb = fb;
	return 0;
}

static int
fb_detach(struct vdispl_state *s, uint32_t conn, uint64_t cookie,
	  struct vdispl_action *act, char *why, size_t why_len)
{
	struct vdispl_fb_info *fb;
	int rc;

	rc = on_ring0(conn, "FB_DETACH", why, why_len);
	if (rc)
		return rc;
	fb = find_fb(s, cookie);
	if (cookie == 0 || !fb)
		return refuse(-ENOENT, why, why_len,
			      "FB_DETACH fb_cookie 0x%" PRIx64
			      " does not exist", cookie);
	act->type = VDISPL_ACT_FB_DETACH;
	act->fb = *fb;
	act->blank_mask = drop_fb(s, fb);
	return 0;
}

static int
set_config(struct vdispl_state *s, uint32_t conn,
	   const struct vdispl_set_config_req *q, struct vdispl_action *act,
	   char *why, size_t why_len)
{
	const struct vdispl_connector_cfg *c = &s->cfg.conn[conn];
	const struct vdispl_fb_info *fb;
	uint32_t cpp;

	if (q->fb_cookie == 0) {
		if (q->x || q->y || q->width || q->height || q->bpp)
			return refuse(-EINVAL, why, why_len,
				      "SET_CONFIG fb_cookie 0 with %" PRIu32
				      "x%" PRIu32 "+%" PRIu32 "+%" PRIu32
				      " bpp %" PRIu32 ": a reset is all zeros",
				      q->width, q->height, q->x, q->y, q->bpp);
		memset(&s->shown[conn], 0, sizeof(s->shown[conn]));
		act->type = VDISPL_ACT_SET_CONFIG;
		return 0;
	}
	fb = find_fb(s, q->fb_cookie);
	if (!fb)
		return refuse(-ENOENT, why, why_len,
			      "SET_CONFIG fb_cookie 0x%" PRIx64
			      " does not exist", q->fb_cookie);
	if (q->width < 1 || q->height < 1 ||
	    (uint64_t)q->x + q->width > c->width ||
	    (uint64_t)q->y + q->height > c->height)
		return refuse(-EINVAL, why, why_len,
			      "SET_CONFIG %" PRIu32 "x%" PRIu32 "+%" PRIu32
			      "+%" PRIu32 " is empty or exceeds connector %"
			      PRIu32 "'s %" PRIu32 "x%" PRIu32, q->width,
			      q->height, q->x, q->y, conn, c->width,
			      c->height);
	if (q->width > fb->width || q->height > fb->height)
		return refuse(-EINVAL, why, why_len,
			      "SET_CONFIG %" PRIu32 "x%" PRIu32 " exceeds fb "
			      "0x%" PRIx64 "'s %" PRIu32 "x%" PRIu32,
			      q->width, q->height, fb->fb_cookie, fb->width,
			      fb->height);
	cpp = vgfb_format_cpp(fb->drm_format);
	if (q->bpp != cpp * 8)
		return refuse(-EINVAL, why, why_len,
			      "SET_CONFIG bpp %" PRIu32 " but fb 0x%" PRIx64
			      " has %" PRIu32, q->bpp, fb->fb_cookie, cpp * 8);
	s->shown[conn].fb_cookie = fb->fb_cookie;
	s->shown[conn].x = q->x;
	s->shown[conn].y = q->y;
	s->shown[conn].width = q->width;
	s->shown[conn].height = q->height;
	act->type = VDISPL_ACT_SET_CONFIG;
	act->fb = *fb;
	act->x = q->x;
	act->y = q->y;
	act->width = q->width;
	act->height = q->height;
	return 0;
}

static int
pg_flip(struct vdispl_state *s, uint32_t conn, uint64_t cookie,
	struct vdispl_action *act, char *why, size_t why_len)
{
	struct vdispl_shown *sh = &s->shown[conn];
	const struct vdispl_fb_info *fb;

	fb = find_fb(s, cookie);
	if (cookie == 0 || !fb)
		return refuse(-ENOENT, why, why_len,
			      "PG_FLIP fb_cookie 0x%" PRIx64 " does not exist",
			      cookie);
	if (sh->fb_cookie == 0)
		return refuse(-EINVAL, why, why_len,
			      "PG_FLIP fb_cookie 0x%" PRIx64 " on connector %"
			      PRIu32 ", which is off (no SET_CONFIG)", cookie,
			      conn);
	if (sh->width > fb->width || sh->height > fb->height)
		return refuse(-EINVAL, why, why_len,
			      "PG_FLIP fb 0x%" PRIx64 " is %" PRIu32 "x%"
			      PRIu32 ", smaller than connector %" PRIu32
			      "'s %" PRIu32 "x%" PRIu32 " window", cookie,
			      fb->width, fb->height, conn, sh->width,
			      sh->height);
	sh->fb_cookie = cookie;
	act->type = VDISPL_ACT_PG_FLIP;
	act->fb = *fb;
	act->x = sh->x;
	act->y = sh->y;
	act->width = sh->width;
	act->height = sh->height;
	return 0;
}

static int
get_edid(struct vdispl_state *s, uint32_t conn,
	 const struct vdispl_get_edid_req *q, struct vdispl_action *act,
	 char *why, size_t why_len)
{
	(void)conn;
	if (s->cfg.version < 2)
		return refuse(-EOPNOTSUPP, why, why_len,
			      "GET_EDID needs protocol version 2, the "
			      "frontend chose %" PRIu32, s->cfg.version);
	if (q->buffer_sz < VDISPL_EDID_MAX_SIZE ||
	    q->buffer_sz > s->lim.max_buffer_bytes)
		return refuse(-EINVAL, why, why_len,
			      "GET_EDID buffer_sz %" PRIu32 " outside %u..%"
			      PRIu32, q->buffer_sz, VDISPL_EDID_MAX_SIZE,
			      s->lim.max_buffer_bytes);
	if (q->gref_directory == 0)
		return refuse(-EINVAL, why, why_len,
			      "GET_EDID gref_directory 0 is invalid");
	act->type = VDISPL_ACT_GET_EDID;
	act->edid.gref_directory = q->gref_directory;
	act->edid.n_pages = vgfb__vdispl_buffer_pages(q->buffer_sz);
	act->edid.buffer_sz = q->buffer_sz;
	return 0;
}

int
vgfb__vdispl_handle(struct vdispl_state *s, uint32_t conn,
		    const struct vdispl_req *req, struct vdispl_action *act,
		    char *why, size_t why_len)
{
	memset(act, 0, sizeof(*act));
	act->conn = conn;
	if (conn >= s->cfg.n_connectors)
		return refuse(-EINVAL, why, why_len,
			      "connector %" PRIu32 " does not exist (%" PRIu32
			      " configured)", conn, s->cfg.n_connectors);
	switch (req->operation) {
	case VDISPL_OP_DBUF_CREATE:
		return dbuf_create(s, conn, &req->op.dbuf_create, act, why,
				   why_len);
	case VDISPL_OP_DBUF_DESTROY:
		return dbuf_destroy(s, conn, req->op.dbuf_cookie, act, why,
				    why_len);
	case VDISPL_OP_FB_ATTACH:
		return fb_attach(s, conn, &req->op.fb_attach, act, why,
				 why_len);
	case VDISPL_OP_FB_DETACH:
		return fb_detach(s, conn, req->op.fb_cookie, act, why,
				 why_len);
	case VDISPL_OP_SET_CONFIG:
		return set_config(s, conn, &req->op.set_config, act, why,
				  why_len);
	case VDISPL_OP_PG_FLIP:
		return pg_flip(s, conn, req->op.fb_cookie, act, why, why_len);
	case VDISPL_OP_GET_EDID:
		return get_edid(s, conn, &req->op.get_edid, act, why,
				why_len);
	default:
		return refuse(-EOPNOTSUPP, why, why_len,
			      "operation 0x%02x is unknown", req->operation);
	}
}

void
vgfb__vdispl_cancel(struct vdispl_state *s, const struct vdispl_action *act)
{
	if (act->type == VDISPL_ACT_DBUF_CREATE) {
		struct vdispl_dbuf *d = find_dbuf(s, act->dbuf.cookie);

		if (d)
			*d = s->dbufs[--s->n_dbufs];
	} else if (act->type == VDISPL_ACT_FB_ATTACH) {
		struct vdispl_fb_info *fb = find_fb(s, act->fb.fb_cookie);

		if (fb)
			drop_fb(s, fb);
	}
}

uint32_t
vgfb__vdispl_state_dbufs(const struct vdispl_state *s)
{
	return s->n_dbufs;
}

uint32_t
vgfb__vdispl_state_fbs(const struct vdispl_state *s)
{
	return s->n_fbs;
}

int
vgfb__vdispl_state_fb(const struct vdispl_state *s, uint64_t fb_cookie,
		      struct vdispl_fb_info *out)
{
	const struct vdispl_fb_info *fb = find_fb(s, fb_cookie);

	if (fb_cookie == 0 || !fb)
		return -ENOENT;
	*out = *fb;
	return 0;
}

uint64_t
vgfb__vdispl_state_shown(const struct vdispl_state *s, uint32_t conn)
{
	if (conn >= s->cfg.n_connectors)
		return 0;
	return s->shown[conn].fb_cookie;
}
