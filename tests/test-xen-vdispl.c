/* SPDX-License-Identifier: MIT */
/*
 * The Xen vdispl protocol layer against hostile frontends: xenstore
 * configuration, the request ring (indexes, wrap, overrun), every request
 * checked against the state, grant directories (cyclic, short, long), and
 * the event page producer (full, wrap).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <drm_fourcc.h>

#include "test-common.h"
#include "xen-vdispl-proto.h"

#define MiB (1u << 20)
#define FB_BYTES (1920u * 1080u * 4u)

static uint8_t *
new_page(void)
{
	uint8_t *p = aligned_alloc(4096, 4096);

	ck_assert_ptr_nonnull(p);
	memset(p, 0, 4096);
	return p;
}

static void
put32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, 4);
}

static void
put64(uint8_t *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, 8);
}

static uint32_t
get32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

static uint64_t
get64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

/* ---- xenstore configuration ---- */

struct kv {
	const char *node;
	const char *value;
};

static const char *
kv_read(void *data, const char *node)
{
	for (const struct kv *kv = data; kv->node; kv++)
		if (strcmp(kv->node, node) == 0)
			return kv->value;
	return NULL;
}

#define TRANSPORT(i) \
	{ i "/req-ring-ref", "2832" }, { i "/req-event-channel", "15" }, \
	{ i "/evt-ring-ref", "387" }, { i "/evt-event-channel", "16" }

START_TEST(cfg_good)
{
	struct kv store[] = {
		{ "be-alloc", "1" },
		{ "0/resolution", "1920x1080" }, { "0/unique-id", "HDMI-A-1" },
		TRANSPORT("0"),
		{ "1/resolution", "800x600" }, TRANSPORT("1"),
		{ "3/resolution", "640x480" },	/* not contiguous: not read */
		{ NULL, NULL },
	};
	struct vdispl_limits lim;
	struct vdispl_cfg cfg;
	char why[256] = "";

	vgfb__vdispl_limits_default(&lim);
	ck_assert_int_eq(vgfb__vdispl_parse_cfg(kv_read, store, &lim, true,
						&cfg, why, sizeof(why)), 0);
	ck_assert(cfg.be_alloc);
	ck_assert_uint_eq(cfg.version, 2);
	ck_assert_uint_eq(cfg.n_connectors, 2);
	ck_assert_uint_eq(cfg.conn[0].width, 1920);
	ck_assert_uint_eq(cfg.conn[0].height, 1080);
	ck_assert_str_eq(cfg.conn[0].unique_id, "HDMI-A-1");
	ck_assert_uint_eq(cfg.conn[0].req_ring_ref, 2832);
	ck_assert_uint_eq(cfg.conn[0].req_evtchn, 15);
	ck_assert_uint_eq(cfg.conn[0].evt_ring_ref, 387);
	ck_assert_uint_eq(cfg.conn[0].evt_evtchn, 16);
	ck_assert_uint_eq(cfg.conn[1].width, 800);
	ck_assert_str_eq(cfg.conn[1].unique_id, "");

	/* before the frontend published its rings */
	store[2].node = "0/unique-idx";
	store[3].node = "x";
	ck_assert_int_eq(vgfb__vdispl_parse_cfg(kv_read, store, &lim, false,
						&cfg, why, sizeof(why)), 0);
	ck_assert_uint_eq(cfg.conn[0].req_ring_ref, 0);
	ck_assert_int_eq(vgfb__vdispl_parse_cfg(kv_read, store, &lim, true,
						&cfg, why, sizeof(why)),
			 -ENOENT);
	ck_assert_str_eq(why, "0/req-ring-ref is missing");
}
END_TEST

struct cfg_case {
	const char *name;
	struct kv store[12];
	uint32_t max_connectors;	/* 0: default */
	int rc;
	const char *reason;
};

static const struct cfg_case cfg_cases[] = {
	{ "no connector", { { "be-alloc", "0" } }, 0, -ENOENT,
	  "0/resolution is missing" },
	{ "be-alloc yes", { { "be-alloc", "yes" }, { "0/resolution", "8x8" } },
	  0, -EINVAL, "be-alloc \"yes\" is not" },
	{ "be-alloc 2", { { "be-alloc", "2" }, { "0/resolution", "8x8" } },
	  0, -EINVAL, "be-alloc \"2\"" },
	{ "version 3", { { "version", "3" }, { "0/resolution", "8x8" } },
	  0, -EINVAL, "version \"3\" is not one of \"1,2\"" },
	{ "resolution zero", { { "0/resolution", "0x1080" } }, 0, -EINVAL,
	  "0/resolution \"0x1080\"" },
	{ "resolution too big", { { "0/resolution", "8193x1080" } }, 0,
	  -EINVAL, "within 1x1..8192x8192" },
	{ "resolution garbage", { { "0/resolution", "1920*1080" } }, 0,
	  -EINVAL, "is not WxH" },
	{ "second connector bad", { { "0/resolution", "8x8" },
				    { "1/resolution", "-1x5" } }, 0, -EINVAL,
	  "1/resolution \"-1x5\"" },
	{ "too many connectors", { { "0/resolution", "8x8" },
				   { "1/resolution", "8x8" },
				   { "2/resolution", "8x8" } }, 2, -EINVAL,
	  "connector 2 is one too many: at most 2 connectors" },
	{ "version with newline", { { "version", "2\nFAKE LOG LINE" },
				    { "0/resolution", "8x8" } }, 0, -EINVAL,
	  "version \"2.FAKE LOG LINE\" is not" },
	{ "long garbage truncated", { { "0/resolution",
		"1920x1080xxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxx" } },
	  0, -EINVAL, "\"1920x1080xxxxxxxxxxxxxxxxxxxxxxx~\" is not WxH" },
	{ "unique-id too long", { { "0/resolution", "8x8" },
				  { "0/unique-id",
				    "01234567890123456789012345678901"
				    "23456789012345678901234567890123" } },
	  0, -EINVAL, "0/unique-id is 64 bytes long, at most 63" },
	{ "unique-id control", { { "0/resolution", "8x8" },
				 { "0/unique-id", "HDMI\n" } }, 0, -EINVAL,
	  "byte 0x0a at 4" },
};

START_TEST(cfg_hostile)
{
	const struct cfg_case *c = &cfg_cases[_i];
	struct vdispl_limits lim;
	struct vdispl_cfg cfg;
	char why[256] = "";

	vgfb__vdispl_limits_default(&lim);
	if (c->max_connectors)
		lim.max_connectors = c->max_connectors;
	ck_assert_int_eq(vgfb__vdispl_parse_cfg(kv_read, (void *)c->store,
						&lim, false, &cfg, why,
						sizeof(why)), c->rc);
	ck_assert_msg(strstr(why, c->reason), "%s: \"%s\" lacks \"%s\"",
		      c->name, why, c->reason);
}
END_TEST

START_TEST(cfg_nine_connectors)
{
	static const char *nodes[] = { "0/resolution", "1/resolution",
		"2/resolution", "3/resolution", "4/resolution",
		"5/resolution", "6/resolution", "7/resolution",
		"8/resolution" };
	struct kv store[10];
	struct vdispl_limits lim;
	struct vdispl_cfg cfg;
	char why[256] = "";

	for (int i = 0; i < 9; i++)
		store[i] = (struct kv){ nodes[i], "1024x768" };
	store[9] = (struct kv){ NULL, NULL };
	vgfb__vdispl_limits_default(&lim);
	ck_assert_int_eq(vgfb__vdispl_parse_cfg(kv_read, store, &lim, false,
						&cfg, why, sizeof(why)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "connector 8 is one too many"));
	store[8].node = NULL;
	ck_assert_int_eq(vgfb__vdispl_parse_cfg(kv_read, store, &lim, false,
						&cfg, why, sizeof(why)), 0);
	ck_assert_uint_eq(cfg.n_connectors, 8);
}
END_TEST

START_TEST(cfg_transport_refs)
{
	struct kv store[] = {
		{ "0/resolution", "8x8" }, TRANSPORT("0"), { NULL, NULL },
	};
	struct vdispl_limits lim;
	struct vdispl_cfg cfg;
	char why[256] = "";

	vgfb__vdispl_limits_default(&lim);
	store[1].value = "0";	/* grant 0 is never a PV driver's */
	ck_assert_int_eq(vgfb__vdispl_parse_cfg(kv_read, store, &lim, true,
						&cfg, why, sizeof(why)),
			 -EINVAL);
	ck_assert_str_eq(why, "0/req-ring-ref \"0\" is not a non-zero 32-bit "
			 "decimal");
	store[1].value = "2832";
	store[4].value = "16 ";
	ck_assert_int_eq(vgfb__vdispl_parse_cfg(kv_read, store, &lim, true,
						&cfg, why, sizeof(why)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "0/evt-event-channel \"16 \""));
}
END_TEST

START_TEST(parse_numbers)
{
	static const struct {
		const char *s;
		int rc;
		uint32_t v;
	} t[] = {
		{ "0", 0, 0 }, { "7", 0, 7 }, { "4294967295", 0, UINT32_MAX },
		{ "4294967296", -EINVAL, 0 }, { "99999999999", -EINVAL, 0 },
		{ "", -EINVAL, 0 }, { "-1", -EINVAL, 0 }, { "+1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 }, { "1 ", -EINVAL, 0 },
		{ "01", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 }, { "1a", -EINVAL, 0 },
	};
	uint32_t v, w, h;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 12345;
		ck_assert_msg(vgfb__vdispl_parse_u32(t[i].s, &v) == t[i].rc,
			      "\"%s\"", t[i].s);
		if (t[i].rc == 0)
			ck_assert_uint_eq(v, t[i].v);
	}
	ck_assert_int_eq(vgfb__vdispl_parse_u32(NULL, &v), -EINVAL);
	ck_assert_int_eq(vgfb__vdispl_parse_resolution("1920x1080", 8192, 8192,
						       &w, &h), 0);
	ck_assert(w == 1920 && h == 1080);
	ck_assert_int_eq(vgfb__vdispl_parse_resolution("8192x8192", 8192, 8192,
						       &w, &h), 0);
	ck_assert_int_eq(vgfb__vdispl_parse_resolution("1920x", 8192, 8192,
						       &w, &h), -EINVAL);
	ck_assert_int_eq(vgfb__vdispl_parse_resolution("x1080", 8192, 8192,
						       &w, &h), -EINVAL);
	ck_assert_int_eq(vgfb__vdispl_parse_resolution("1920x1080x", 8192,
						       8192, &w, &h), -EINVAL);
	ck_assert_int_eq(vgfb__vdispl_parse_resolution("1920X1080", 8192,
						       8192, &w, &h), -EINVAL);
	ck_assert_int_eq(vgfb__vdispl_parse_resolution("1920x8193", 8192,
						       8192, &w, &h), -EINVAL);
	ck_assert_int_eq(vgfb__vdispl_parse_resolution(
		"000000000000000000000000001x1", 8192, 8192, &w, &h), -EINVAL);
}
END_TEST

/* ---- the request ring ---- */

/* Frontend side: the slot of request index idx. */
static uint8_t *
slot_at(uint8_t *page, uint32_t idx)
{
	return page + VDISPL_SRING_RING_OFFS +
	       (idx % VDISPL_RING_SIZE) * VDISPL_SLOT_SIZE;
}

/* Writes a request as xen-drm-front does: over the previous response. */
static uint8_t *
front_req(uint8_t *page, uint32_t idx, uint16_t id, uint8_t op)
{
	uint8_t *s = slot_at(page, idx);

	memcpy(s, &id, 2);
	s[2] = op;
	return s + 8;
}

static void
front_dbuf_create(uint8_t *page, uint32_t idx, uint16_t id, uint64_t cookie,
		  uint32_t w, uint32_t h, uint32_t bpp, uint32_t sz,
		  uint32_t gref)
{
	uint8_t *op = front_req(page, idx, id, VDISPL_OP_DBUF_CREATE);

	put64(op, 0, cookie);
	put32(op, 8, w);
	put32(op, 12, h);
	put32(op, 16, bpp);
	put32(op, 20, sz);
	put32(op, 24, 0);
	put32(op, 28, gref);
	put32(op, 32, 0);
}

static void
front_fb_attach(uint8_t *page, uint32_t idx, uint16_t id, uint64_t dbuf,
		uint64_t fb, uint32_t w, uint32_t h, uint32_t fourcc)
{
	uint8_t *op = front_req(page, idx, id, VDISPL_OP_FB_ATTACH);

	put64(op, 0, dbuf);
	put64(op, 8, fb);
	put32(op, 16, w);
	put32(op, 20, h);
	put32(op, 24, fourcc);
}

static void
front_set_config(uint8_t *page, uint32_t idx, uint16_t id, uint64_t fb,
		 uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t bpp)
{
	uint8_t *op = front_req(page, idx, id, VDISPL_OP_SET_CONFIG);

	put64(op, 0, fb);
	put32(op, 8, x);
	put32(op, 12, y);
	put32(op, 16, w);
	put32(op, 20, h);
	put32(op, 24, bpp);
}

static void
front_cookie_op(uint8_t *page, uint32_t idx, uint16_t id, uint8_t opc,
		uint64_t cookie)
{
	put64(front_req(page, idx, id, opc), 0, cookie);
}

static void
set_req_prod(uint8_t *page, uint32_t v)
{
	put32(page, VDISPL_SRING_REQ_PROD, v);
}

static struct vdispl_state *
new_state(bool be_alloc, uint32_t version)
{
	struct vdispl_limits lim;
	struct vdispl_cfg cfg = { .be_alloc = be_alloc, .version = version,
				  .n_connectors = 2 };
	struct vdispl_state *s = NULL;

	cfg.conn[0].width = 1920;
	cfg.conn[0].height = 1080;
	cfg.conn[1].width = 800;
	cfg.conn[1].height = 600;
	vgfb__vdispl_limits_default(&lim);
	ck_assert_int_eq(vgfb__vdispl_state_new(&cfg, &lim, &s), 0);
	return s;
}

/* Backend side: take, handle, respond one request; returns handle's rc. */
static int
serve_one(struct vdispl_ring *r, struct vdispl_state *s, uint32_t conn,
	  struct vdispl_action *act, struct vdispl_req *req)
{
	char why[256] = "";
	int rc;

	ck_assert_int_eq(vgfb__vdispl_ring_take(r, req, why, sizeof(why)), 1);
	rc = vgfb__vdispl_handle(s, conn, req, act, why, sizeof(why));
	ck_assert_int_eq(vgfb__vdispl_ring_respond(r, req,
						   vgfb__vdispl_status(rc), 0),
			 0);
	return rc;
}

static void
check_rsp(const uint8_t *page, uint32_t idx, uint16_t id, uint8_t op,
	  int32_t status)
{
	const uint8_t *s = slot_at((uint8_t *)page, idx);
	uint16_t rid;

	memcpy(&rid, s, 2);
	ck_assert_uint_eq(rid, id);
	ck_assert_uint_eq(s[2], op);
	ck_assert_int_eq((int32_t)get32(s, 4), status);
	for (int i = 8; i < 64; i++)
		ck_assert_uint_eq(s[i], 0);
}

/* What the ring tests start from: a shared page, a state, the ring. */
struct ring_test {
	uint8_t *page;
	struct vdispl_state *s;
	struct vdispl_ring r;
	struct vdispl_action act;
	struct vdispl_req req;
	char why[256];
};

static void
ring_test_init(struct ring_test *t)
{
	memset(t, 0, sizeof(*t));
	t->page = new_page();
	t->s = new_state(false, 2);
	vgfb__vdispl_ring_init(&t->r, t->page);
}

static void
ring_test_fini(struct ring_test *t)
{
	vgfb__vdispl_state_free(t->s);
	free(t->page);
}

START_TEST(ring_good_sequence)
{
	struct ring_test t;

	ring_test_init(&t);
	/* SHARED_RING_INIT */
	put32(t.page, VDISPL_SRING_REQ_EVENT, 1);
	put32(t.page, VDISPL_SRING_RSP_EVENT, 1);
	ck_assert_int_eq(vgfb__vdispl_ring_take(&t.r, &t.req, t.why,
						 sizeof(t.why)), 0);
	ck_assert(!vgfb__vdispl_ring_final_check(&t.r));
	ck_assert_uint_eq(get32(t.page, VDISPL_SRING_REQ_EVENT), 1);

	front_dbuf_create(t.page, 0, 100, 0xd1, 1920, 1080, 32, FB_BYTES, 77);
	set_req_prod(t.page, 1);
	ck_assert(vgfb__vdispl_ring_final_check(&t.r));
	ck_assert_int_eq(serve_one(&t.r, t.s, 0, &t.act, &t.req), 0);
	ck_assert_int_eq(t.act.type, VDISPL_ACT_DBUF_CREATE);
	ck_assert_uint_eq(t.act.dbuf.cookie, 0xd1);
	ck_assert_uint_eq(t.act.dbuf.gref_directory, 77);
	ck_assert_uint_eq(t.act.dbuf.n_pages, (FB_BYTES + 4095) / 4096);
	ck_assert(!t.act.dbuf.be_alloc);
	ck_assert(vgfb__vdispl_ring_push(&t.r));	/* rsp_event 1 */
	ck_assert_uint_eq(get32(t.page, VDISPL_SRING_RSP_PROD), 1);
	check_rsp(t.page, 0, 100, VDISPL_OP_DBUF_CREATE, 0);
	/* the request was copied: rewriting the slot now changes nothing */
	put64(slot_at(t.page, 0), 8, 0xbad);
	ck_assert_uint_eq(t.req.op.dbuf_create.dbuf_cookie, 0xd1);

	front_fb_attach(t.page, 1, 101, 0xd1, 0xf1, 1920, 1080,
			DRM_FORMAT_XRGB8888);
	front_set_config(t.page, 2, 102, 0xf1, 0, 0, 1920, 1080, 32);
	front_cookie_op(t.page, 3, 103, VDISPL_OP_PG_FLIP, 0xf1);
	set_req_prod(t.page, 4);
	ck_assert_int_eq(serve_one(&t.r, t.s, 0, &t.act, &t.req), 0);
	ck_assert_int_eq(t.act.type, VDISPL_ACT_FB_ATTACH);
	ck_assert_uint_eq(t.act.fb.stride, 7680);
	ck_assert_uint_eq(t.act.fb.drm_format, DRM_FORMAT_XRGB8888);
	ck_assert_int_eq(serve_one(&t.r, t.s, 0, &t.act, &t.req), 0);
	ck_assert_int_eq(t.act.type, VDISPL_ACT_SET_CONFIG);
	ck_assert_uint_eq(t.act.fb.fb_cookie, 0xf1);
	ck_assert_uint_eq(vgfb__vdispl_state_shown(t.s, 0), 0xf1);
	ck_assert_int_eq(serve_one(&t.r, t.s, 0, &t.act, &t.req), 0);
	ck_assert_int_eq(t.act.type, VDISPL_ACT_PG_FLIP);
	ck_assert_uint_eq(t.act.width, 1920);
	/* the frontend did not move rsp_event: no notification */
	ck_assert(!vgfb__vdispl_ring_push(&t.r));
	ck_assert_uint_eq(get32(t.page, VDISPL_SRING_RSP_PROD), 4);
	check_rsp(t.page, 1, 101, VDISPL_OP_FB_ATTACH, 0);
	check_rsp(t.page, 3, 103, VDISPL_OP_PG_FLIP, 0);

	/* reset, detach, destroy; the frontend wants to hear about it */
	put32(t.page, VDISPL_SRING_RSP_EVENT, 5);
	front_set_config(t.page, 4, 104, 0, 0, 0, 0, 0, 0);
	front_cookie_op(t.page, 5, 105, VDISPL_OP_FB_DETACH, 0xf1);
	front_cookie_op(t.page, 6, 106, VDISPL_OP_DBUF_DESTROY, 0xd1);
	set_req_prod(t.page, 7);
	ck_assert_int_eq(serve_one(&t.r, t.s, 0, &t.act, &t.req), 0);
	ck_assert_uint_eq(vgfb__vdispl_state_shown(t.s, 0), 0);
	ck_assert_int_eq(serve_one(&t.r, t.s, 0, &t.act, &t.req), 0);
	ck_assert_int_eq(t.act.type, VDISPL_ACT_FB_DETACH);
	ck_assert_uint_eq(t.act.blank_mask, 0);
	ck_assert_int_eq(serve_one(&t.r, t.s, 0, &t.act, &t.req), 0);
	ck_assert_int_eq(t.act.type, VDISPL_ACT_DBUF_DESTROY);
	ck_assert(vgfb__vdispl_ring_push(&t.r));
	ck_assert_uint_eq(vgfb__vdispl_state_dbufs(t.s), 0);
	ck_assert_uint_eq(vgfb__vdispl_state_fbs(t.s), 0);
	check_rsp(t.page, 6, 106, VDISPL_OP_DBUF_DESTROY, 0);
	/* nothing left: req_event asks for the next request */
	ck_assert(!vgfb__vdispl_ring_final_check(&t.r));
	ck_assert_uint_eq(get32(t.page, VDISPL_SRING_REQ_EVENT), 8);
	/* every taken request is answered */
	ck_assert_int_eq(vgfb__vdispl_ring_respond(&t.r, &t.req, 0, 0), -ENOSPC);

	ring_test_fini(&t);
}
END_TEST

START_TEST(ring_indexes_hostile)
{
	uint8_t *page = new_page();
	struct vdispl_ring r;
	struct vdispl_req req;
	char why[256] = "";

	/* more requests than slots */
	vgfb__vdispl_ring_init(&r, page);
	set_req_prod(page, VDISPL_RING_SIZE + 1);
	ck_assert_int_eq(vgfb__vdispl_ring_take(&r, &req, why, sizeof(why)),
			 -EPROTO);
	ck_assert_str_eq(why, "req_prod 33 is 33 requests past rsp_prod 0, "
			 "the ring has 32 slots");
	/* sticky: a repaired index does not bring the ring back */
	set_req_prod(page, 1);
	ck_assert_int_eq(vgfb__vdispl_ring_take(&r, &req, why, sizeof(why)),
			 -EPROTO);
	ck_assert(!vgfb__vdispl_ring_final_check(&r));

	/* an index far beyond the ring (and "negative") */
	vgfb__vdispl_ring_init(&r, page);
	set_req_prod(page, UINT32_MAX);
	ck_assert_int_eq(vgfb__vdispl_ring_take(&r, &req, why, sizeof(why)),
			 -EPROTO);

	/* req_prod going back behind what was taken */
	vgfb__vdispl_ring_init(&r, page);
	set_req_prod(page, 3);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(vgfb__vdispl_ring_take(&r, &req, why,
							sizeof(why)), 1);
	ck_assert_int_eq(vgfb__vdispl_ring_respond(&r, &req, 0, 0), 0);
	set_req_prod(page, 2);
	ck_assert_int_eq(vgfb__vdispl_ring_take(&r, &req, why, sizeof(why)),
			 -EPROTO);
	ck_assert_str_eq(why, "req_prod 2 went back behind the 3 requests "
			 "already taken");

	/* exactly a full ring is fine; one more before responses is not */
	vgfb__vdispl_ring_init(&r, page);
	set_req_prod(page, VDISPL_RING_SIZE);
	for (uint32_t i = 0; i < VDISPL_RING_SIZE; i++)
		ck_assert_int_eq(vgfb__vdispl_ring_take(&r, &req, why,
							sizeof(why)), 1);
	ck_assert_int_eq(vgfb__vdispl_ring_take(&r, &req, why, sizeof(why)), 0);
	ck_assert_int_eq(vgfb__vdispl_ring_respond(&r, &req, 0, 0), 0);
	set_req_prod(page, VDISPL_RING_SIZE + 1);	/* one answered: ok */
	ck_assert_int_eq(vgfb__vdispl_ring_take(&r, &req, why, sizeof(why)), 1);
	set_req_prod(page, VDISPL_RING_SIZE + 2);	/* overwrites a slot */
	ck_assert_int_eq(vgfb__vdispl_ring_take(&r, &req, why, sizeof(why)),
			 -EPROTO);
	free(page);
}
END_TEST

START_TEST(ring_wraparound)
{
	struct ring_test t;
	const uint32_t start = UINT32_MAX - 1;

	ring_test_init(&t);
	t.r.req_cons = t.r.rsp_prod_pvt = t.r.rsp_pushed = start;
	put32(t.page, VDISPL_SRING_RSP_PROD, start);
	put32(t.page, VDISPL_SRING_RSP_EVENT, start + 1);
	for (uint32_t i = 0; i < 4; i++)
		front_dbuf_create(t.page, start + i, (uint16_t)(200 + i),
				  0x100 + i, 64, 64, 32, 64 * 64 * 4, 9);
	set_req_prod(t.page, start + 4);	/* 2 */
	for (uint32_t i = 0; i < 4; i++) {
		ck_assert_int_eq(serve_one(&t.r, t.s, 0, &t.act, &t.req), 0);
		ck_assert_uint_eq(t.req.id, 200 + i);
		ck_assert_uint_eq(t.act.dbuf.cookie, 0x100 + i);
	}
	ck_assert_int_eq(vgfb__vdispl_ring_take(&t.r, &t.req, t.why,
						 sizeof(t.why)), 0);
	ck_assert(vgfb__vdispl_ring_push(&t.r));
	ck_assert_uint_eq(get32(t.page, VDISPL_SRING_RSP_PROD), 2);
	check_rsp(t.page, start + 3, 203, VDISPL_OP_DBUF_CREATE, 0);
	ck_assert(!vgfb__vdispl_ring_final_check(&t.r));
	ck_assert_uint_eq(get32(t.page, VDISPL_SRING_REQ_EVENT), 3);
	ring_test_fini(&t);
}
END_TEST

START_TEST(ring_unknown_ops)
{
	struct ring_test t;
	const uint8_t ops[] = { 0x00, 0x01, 0x0f, 0x17, 0x42, 0xff };

	ring_test_init(&t);
	for (uint32_t i = 0; i < sizeof(ops); i++) {
		memset(front_req(t.page, i, (uint16_t)i, ops[i]), 0xa5, 56);
		set_req_prod(t.page, i + 1);
		ck_assert_int_eq(serve_one(&t.r, t.s, 0, &t.act, &t.req),
				 -EOPNOTSUPP);
		ck_assert_int_eq(t.act.type, VDISPL_ACT_NONE);
		check_rsp(t.page, i, (uint16_t)i, ops[i], -EOPNOTSUPP);
	}
	ck_assert_int_eq(vgfb__vdispl_status(-EINVAL), -22);
	ck_assert_int_eq(vgfb__vdispl_status(-ENOENT), -2);
	ck_assert_int_eq(vgfb__vdispl_status(-EEXIST), -17);
	ck_assert_int_eq(vgfb__vdispl_status(-EOPNOTSUPP), -95);
	ck_assert_int_eq(vgfb__vdispl_status(-EPROTO), -5);
	ck_assert_int_eq(vgfb__vdispl_status(-12345), -5);
	ck_assert_int_eq(vgfb__vdispl_status(0), 0);
	ring_test_fini(&t);
}
END_TEST

START_TEST(ring_edid_response)
{
	struct ring_test t;
	uint8_t *op;

	ring_test_init(&t);
	op = front_req(t.page, 0, 7, VDISPL_OP_GET_EDID);
	put32(op, 0, VDISPL_EDID_MAX_SIZE);
	put32(op, 4, 4242);
	set_req_prod(t.page, 1);
	ck_assert_int_eq(vgfb__vdispl_ring_take(&t.r, &t.req, t.why,
						 sizeof(t.why)), 1);
	ck_assert_int_eq(vgfb__vdispl_handle(t.s, 1, &t.req, &t.act, t.why,
					     sizeof(t.why)), 0);
	ck_assert_int_eq(t.act.type, VDISPL_ACT_GET_EDID);
	ck_assert_uint_eq(t.act.edid.gref_directory, 4242);
	ck_assert_uint_eq(t.act.edid.n_pages, 8);
	ck_assert_int_eq(vgfb__vdispl_ring_respond(&t.r, &t.req, 0, 256), 0);
	ck_assert_uint_eq(get32(slot_at(t.page, 0), 4), 0);
	ck_assert_uint_eq(get32(slot_at(t.page, 0), 8), 256);
	ck_assert_uint_eq(slot_at(t.page, 0)[2], VDISPL_OP_GET_EDID);
	vgfb__vdispl_state_free(t.s);

	/* protocol version 1 has no GET_EDID */
	t.s = new_state(false, 1);
	ck_assert_int_eq(vgfb__vdispl_handle(t.s, 0, &t.req, &t.act, t.why,
					     sizeof(t.why)), -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(t.why, "needs protocol version 2"));
	ring_test_fini(&t);
}
END_TEST

/* ---- the state model ---- */

#define DBUF(c, w, h, bpp, sz, fl, gref, ofs) \
	{ .operation = VDISPL_OP_DBUF_CREATE, \
	  .op.dbuf_create = { c, w, h, bpp, sz, fl, gref, ofs } }
#define ATTACH(d, f, w, h, fmt) \
	{ .operation = VDISPL_OP_FB_ATTACH, \
	  .op.fb_attach = { d, f, w, h, fmt } }
#define CONFIG(f, x, y, w, h, bpp) \
	{ .operation = VDISPL_OP_SET_CONFIG, \
	  .op.set_config = { f, x, y, w, h, bpp } }
#define COOKIE(opc, c) { .operation = opc, .op.fb_cookie = c }
#define EDID(sz, gref) \
	{ .operation = VDISPL_OP_GET_EDID, .op.get_edid = { sz, gref } }

/*
 * The fixture: dbuf 0x10 (1920x1080x32) with fb 0x20 shown on connector 0,
 * and dbuf 0x11 (imported, no geometry, 640x480x4 bytes) with fb 0x21.
 */
static struct vdispl_state *
fixture(void)
{
	static const struct vdispl_req setup[] = {
		DBUF(0x10, 1920, 1080, 32, FB_BYTES, 0, 5, 0),
		ATTACH(0x10, 0x20, 1920, 1080, DRM_FORMAT_XRGB8888),
		CONFIG(0x20, 0, 0, 1920, 1080, 32),
		DBUF(0x11, 0, 0, 0, 640 * 480 * 4, 0, 6, 0),
		ATTACH(0x11, 0x21, 640, 480, DRM_FORMAT_XRGB8888),
	};
	struct vdispl_state *s = new_state(false, 2);
	struct vdispl_action act;
	char why[256] = "";

	for (size_t i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
		ck_assert_msg(vgfb__vdispl_handle(s, 0, &setup[i], &act, why,
						  sizeof(why)) == 0,
			      "setup %zu: %s", i, why);
	return s;
}

struct req_case {
	const char *name;
	uint32_t conn;
	struct vdispl_req req;
	int rc;
	const char *reason;
};

static const struct req_case hostile[] = {
	{ "zero size", 0, DBUF(0x99, 0, 0, 0, 0, 0, 5, 0), -EINVAL,
	  "buffer_sz 0" },
	{ "oversized", 0, DBUF(0x99, 0, 0, 0, 256 * MiB + 1, 0, 5, 0),
	  -EINVAL, "buffer_sz 268435457 exceeds the limit of 268435456" },
	{ "huge", 0, DBUF(0x99, 0, 0, 0, UINT32_MAX, 0, 5, 0), -EINVAL,
	  "exceeds the limit" },
	{ "dbuf cookie 0", 0, DBUF(0, 0, 0, 0, 4096, 0, 5, 0), -EINVAL,
	  "dbuf_cookie 0 is invalid" },
	{ "dbuf cookie reuse", 0, DBUF(0x10, 0, 0, 0, 4096, 0, 5, 0), -EEXIST,
	  "dbuf_cookie 0x10 already exists" },
	{ "unknown flags", 0, DBUF(0x99, 0, 0, 0, 4096, 6, 5, 0), -EINVAL,
	  "flags 0x6 has unknown bits 0x6" },
	{ "be-alloc off", 0, DBUF(0x99, 0, 0, 0, 4096, 1, 5, 0), -EINVAL,
	  "be-alloc is off" },
	{ "gref_directory 0", 0, DBUF(0x99, 0, 0, 0, 4096, 0, 0, 0), -EINVAL,
	  "gref_directory 0" },
	{ "partial geometry", 0, DBUF(0x99, 640, 0, 32, FB_BYTES, 0, 5, 0),
	  -EINVAL, "640x0 bpp 32: give all three" },
	{ "bpp 8", 0, DBUF(0x99, 640, 480, 8, FB_BYTES, 0, 5, 0), -EINVAL,
	  "bpp 8 is not 16, 24 or 32" },
	{ "bpp huge", 0, DBUF(0x99, 640, 480, UINT32_MAX, FB_BYTES, 0, 5, 0),
	  -EINVAL, "bpp 4294967295" },
	{ "too wide", 0, DBUF(0x99, 8193, 1, 32, FB_BYTES, 0, 5, 0), -EINVAL,
	  "8193x1 exceeds 8192x8192" },
	{ "geometry beyond buffer", 0,
	  DBUF(0x99, 640, 480, 32, 640 * 480 * 4 - 1, 0, 5, 0), -EINVAL,
	  "needs 1228800 bytes, buffer_sz 1228799" },
	{ "data_ofs at end", 0, DBUF(0x99, 0, 0, 0, 8192, 0, 5, 8192),
	  -EINVAL, "data_ofs 8192 outside buffer_sz 8192" },
	{ "data_ofs eats room", 0,
	  DBUF(0x99, 640, 480, 32, 640 * 480 * 4, 0, 5, 64), -EINVAL,
	  "- data_ofs 64 is smaller" },
	{ "create on ring 1", 1, DBUF(0x99, 0, 0, 0, 4096, 0, 5, 0), -EINVAL,
	  "DBUF_CREATE on connector 1's ring" },
	{ "destroy unknown", 0, COOKIE(VDISPL_OP_DBUF_DESTROY, 0x77), -ENOENT,
	  "dbuf_cookie 0x77 does not exist" },
	{ "destroy 0", 0, COOKIE(VDISPL_OP_DBUF_DESTROY, 0), -ENOENT,
	  "dbuf_cookie 0x0 does not exist" },
	{ "destroy on ring 1", 1, COOKIE(VDISPL_OP_DBUF_DESTROY, 0x10),
	  -EINVAL, "connector 0's" },
	{ "attach dangling dbuf", 0,
	  ATTACH(0x77, 0x99, 64, 64, DRM_FORMAT_XRGB8888), -ENOENT,
	  "dbuf_cookie 0x77 does not exist" },
	{ "attach fb cookie 0", 0, ATTACH(0x10, 0, 64, 64, DRM_FORMAT_XRGB8888),
	  -EINVAL, "fb_cookie 0 is invalid" },
	{ "attach fb cookie reuse", 0,
	  ATTACH(0x10, 0x21, 64, 64, DRM_FORMAT_XRGB8888), -EEXIST,
	  "fb_cookie 0x21 already exists" },
	{ "attach YUYV", 0, ATTACH(0x10, 0x99, 64, 64, DRM_FORMAT_YUYV),
	  -EINVAL, "pixel_format 0x56595559 ('YUYV') is not supported" },
	{ "attach format 0", 0, ATTACH(0x10, 0x99, 64, 64, 0), -EINVAL,
	  "('....') is not supported" },
	{ "attach bpp mismatch", 0,
	  ATTACH(0x10, 0x99, 64, 64, DRM_FORMAT_RGB565), -EINVAL,
	  "'RG16' has 16 bpp, dbuf 0x10 was created with 32" },
	{ "attach wider than stride", 0,
	  ATTACH(0x10, 0x99, 1921, 64, DRM_FORMAT_XRGB8888), -EINVAL,
	  "width 1921 x 4 bytes exceeds dbuf 0x10's stride 7680" },
	{ "attach taller than buffer", 0,
	  ATTACH(0x10, 0x99, 1920, 1081, DRM_FORMAT_XRGB8888), -EINVAL,
	  "needs 8302080 bytes, dbuf 0x10 has 8294400" },
	{ "attach packed beyond imported", 0,
	  ATTACH(0x11, 0x99, 641, 480, DRM_FORMAT_XRGB8888), -EINVAL,
	  "needs 1230720 bytes, dbuf 0x11 has 1228800" },
	{ "attach zero width", 0,
	  ATTACH(0x10, 0x99, 0, 64, DRM_FORMAT_XRGB8888),
	  -EINVAL, "0x64 outside 1x1..8192x8192" },
	{ "attach huge", 0,
	  ATTACH(0x11, 0x99, UINT32_MAX, UINT32_MAX, DRM_FORMAT_XRGB8888),
	  -EINVAL, "outside 1x1" },
	{ "attach on ring 1", 1,
	  ATTACH(0x10, 0x99, 64, 64, DRM_FORMAT_XRGB8888), -EINVAL,
	  "FB_ATTACH on connector 1's ring" },
	{ "detach unknown", 0, COOKIE(VDISPL_OP_FB_DETACH, 0x77), -ENOENT,
	  "fb_cookie 0x77 does not exist" },
	{ "config dangling fb", 0, CONFIG(0x77, 0, 0, 64, 64, 32), -ENOENT,
	  "SET_CONFIG fb_cookie 0x77 does not exist" },
	{ "config beyond resolution", 1, CONFIG(0x20, 0, 0, 1920, 1080, 32),
	  -EINVAL, "1920x1080+0+0 is empty or exceeds connector 1's 800x600" },
	{ "config x overflow", 1, CONFIG(0x20, UINT32_MAX, 0, 2, 2, 32),
	  -EINVAL, "exceeds connector 1's" },
	{ "config empty", 0, CONFIG(0x20, 0, 0, 0, 1080, 32), -EINVAL,
	  "is empty" },
	{ "config bpp mismatch", 0, CONFIG(0x20, 0, 0, 1920, 1080, 16),
	  -EINVAL, "bpp 16 but fb 0x20 has 32" },
	{ "config bigger than fb", 0, CONFIG(0x21, 0, 0, 1920, 1080, 32),
	  -EINVAL, "1920x1080 exceeds fb 0x21's 640x480" },
	{ "reset with garbage", 0, CONFIG(0, 0, 0, 5, 0, 0), -EINVAL,
	  "a reset is all zeros" },
	{ "flip dangling", 0, COOKIE(VDISPL_OP_PG_FLIP, 0x77), -ENOENT,
	  "PG_FLIP fb_cookie 0x77 does not exist" },
	{ "flip 0", 0, COOKIE(VDISPL_OP_PG_FLIP, 0), -ENOENT,
	  "does not exist" },
	{ "flip connector off", 1, COOKIE(VDISPL_OP_PG_FLIP, 0x20), -EINVAL,
	  "connector 1, which is off" },
	{ "flip smaller fb", 0, COOKIE(VDISPL_OP_PG_FLIP, 0x21), -EINVAL,
	  "640x480, smaller than connector 0's 1920x1080 window" },
	{ "edid small buffer", 0, EDID(4096, 5), -EINVAL,
	  "buffer_sz 4096 outside 32768.." },
	{ "edid huge buffer", 0, EDID(UINT32_MAX, 5), -EINVAL,
	  "buffer_sz 4294967295 outside" },
	{ "edid gref 0", 0, EDID(32768, 0), -EINVAL, "gref_directory 0" },
	{ "unknown op", 0, COOKIE(0x42, 0x20), -EOPNOTSUPP,
	  "operation 0x42 is unknown" },
	{ "reserved op", 0, COOKIE(0x05, 0x20), -EOPNOTSUPP,
	  "operation 0x05 is unknown" },
	{ "no such connector", 2, COOKIE(VDISPL_OP_PG_FLIP, 0x20), -EINVAL,
	  "connector 2 does not exist (2 configured)" },
};

START_TEST(state_hostile_table)
{
	const struct req_case *c = &hostile[_i];
	struct vdispl_state *s = fixture();
	struct vdispl_action act;
	struct vdispl_fb_info fb;
	char why[256] = "";

	ck_assert_int_eq(vgfb__vdispl_handle(s, c->conn, &c->req, &act, why,
					     sizeof(why)), c->rc);
	ck_assert_msg(strstr(why, c->reason), "%s: \"%s\" lacks \"%s\"",
		      c->name, why, c->reason);
	ck_assert_msg(strchr(why, '\n') == NULL, "%s: not one line", c->name);
	/* refused: nothing changed */
	ck_assert_int_eq(act.type, VDISPL_ACT_NONE);
	ck_assert_uint_eq(vgfb__vdispl_state_dbufs(s), 2);
	ck_assert_uint_eq(vgfb__vdispl_state_fbs(s), 2);
	ck_assert_uint_eq(vgfb__vdispl_state_shown(s, 0), 0x20);
	ck_assert_uint_eq(vgfb__vdispl_state_shown(s, 1), 0);
	ck_assert_int_eq(vgfb__vdispl_state_fb(s, 0x21, &fb), 0);
	ck_assert_uint_eq(fb.stride, 2560);
	vgfb__vdispl_state_free(s);
}
END_TEST

START_TEST(state_destroy_while_shown)
{
	static const struct vdispl_req more[] = {
		ATTACH(0x10, 0x22, 800, 600, DRM_FORMAT_XBGR8888),
		CONFIG(0x22, 0, 0, 800, 600, 32),
	};
	const struct vdispl_req destroy = COOKIE(VDISPL_OP_DBUF_DESTROY, 0x10);
	struct vdispl_state *s = fixture();
	struct vdispl_action act;
	char why[256] = "";

	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &more[0], &act, why,
					     sizeof(why)), 0);
	ck_assert_int_eq(vgfb__vdispl_handle(s, 1, &more[1], &act, why,
					     sizeof(why)), 0);
	ck_assert_uint_eq(vgfb__vdispl_state_shown(s, 1), 0x22);
	/* the frontend frees the pages whatever we answer: detach all */
	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &destroy, &act, why,
					     sizeof(why)), 0);
	ck_assert_int_eq(act.type, VDISPL_ACT_DBUF_DESTROY);
	ck_assert_uint_eq(act.blank_mask, 0x3);
	ck_assert_uint_eq(vgfb__vdispl_state_dbufs(s), 1);
	ck_assert_uint_eq(vgfb__vdispl_state_fbs(s), 1);	/* 0x21 */
	ck_assert_uint_eq(vgfb__vdispl_state_shown(s, 0), 0);
	ck_assert_uint_eq(vgfb__vdispl_state_shown(s, 1), 0);
	/* dangling afterwards */
	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &destroy, &act, why,
					     sizeof(why)), -ENOENT);
	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &more[1], &act, why,
					     sizeof(why)), -ENOENT);
	vgfb__vdispl_state_free(s);
}
END_TEST

START_TEST(state_detach_shown_and_reuse)
{
	const struct vdispl_req detach = COOKIE(VDISPL_OP_FB_DETACH, 0x20);
	const struct vdispl_req reattach =
		ATTACH(0x10, 0x20, 1024, 768, DRM_FORMAT_ARGB8888);
	const struct vdispl_req flip = COOKIE(VDISPL_OP_PG_FLIP, 0x20);
	struct vdispl_state *s = fixture();
	struct vdispl_action act;
	char why[256] = "";

	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &detach, &act, why,
					     sizeof(why)), 0);
	ck_assert_uint_eq(act.blank_mask, 0x1);
	ck_assert_uint_eq(vgfb__vdispl_state_shown(s, 0), 0);
	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &flip, &act, why,
					     sizeof(why)), -ENOENT);
	/* a cookie may be used again once it is gone */
	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &reattach, &act, why,
					     sizeof(why)), 0);
	ck_assert_uint_eq(act.fb.stride, 7680);	/* the dumb pitch */
	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &flip, &act, why,
					     sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "which is off"));
	vgfb__vdispl_state_free(s);
}
END_TEST

START_TEST(state_imported_and_data_ofs)
{
	static const struct vdispl_req seq[] = {
		DBUF(0x30, 0, 0, 0, 640 * 480 * 4 + 4096, 0, 8, 256),
		ATTACH(0x30, 0x40, 640, 480, DRM_FORMAT_XRGB8888),
		ATTACH(0x30, 0x41, 1280, 480, DRM_FORMAT_RGB565),
		ATTACH(0x30, 0x42, 640, 480, DRM_FORMAT_RGB888),
		CONFIG(0x42, 100, 100, 640, 480, 24),
	};
	struct vdispl_state *s = new_state(false, 2);
	struct vdispl_action act;
	struct vdispl_fb_info fb;
	char why[256] = "";

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		ck_assert_msg(vgfb__vdispl_handle(s, 0, &seq[i], &act, why,
						  sizeof(why)) == 0,
			      "step %zu: %s", i, why);
	ck_assert_int_eq(vgfb__vdispl_state_fb(s, 0x40, &fb), 0);
	ck_assert_uint_eq(fb.stride, 2560);
	ck_assert_uint_eq(fb.offset, 256);
	ck_assert_int_eq(vgfb__vdispl_state_fb(s, 0x41, &fb), 0);
	ck_assert_uint_eq(fb.stride, 2560);
	ck_assert_int_eq(vgfb__vdispl_state_fb(s, 0x42, &fb), 0);
	ck_assert_uint_eq(fb.stride, 1920);
	ck_assert_int_eq(vgfb__vdispl_state_fb(s, 0x43, &fb), -ENOENT);
	ck_assert_int_eq(act.type, VDISPL_ACT_SET_CONFIG);
	ck_assert(act.x == 100 && act.y == 100);
	ck_assert_int_eq(vgfb__vdispl_state_fb(s, 0, &fb), -ENOENT);
	vgfb__vdispl_state_free(s);
}
END_TEST

START_TEST(state_be_alloc)
{
	const struct vdispl_req ok = DBUF(0x50, 64, 64, 32, 16384, 1, 8, 0);
	const struct vdispl_req ofs = DBUF(0x51, 0, 0, 0, 16384, 1, 8, 16);
	struct vdispl_state *s = new_state(true, 2);
	struct vdispl_action act;
	char why[256] = "";

	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &ok, &act, why,
					     sizeof(why)), 0);
	ck_assert(act.dbuf.be_alloc);
	ck_assert_uint_eq(act.dbuf.n_pages, 4);
	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &ofs, &act, why,
					     sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "DBUF_CREATE data_ofs 16 with a "
			 "backend-allocated buffer");
	vgfb__vdispl_state_free(s);
}
END_TEST

START_TEST(state_caps_and_cancel)
{
	struct vdispl_limits lim;
	struct vdispl_cfg cfg = { .version = 2, .n_connectors = 1 };
	struct vdispl_state *s = NULL;
	struct vdispl_action act;
	struct vdispl_req r;
	char why[256] = "";

	cfg.conn[0].width = 640;
	cfg.conn[0].height = 480;
	vgfb__vdispl_limits_default(&lim);
	lim.max_dbufs = 3;
	lim.max_fbs = 2;
	ck_assert_int_eq(vgfb__vdispl_state_new(&cfg, &lim, &s), 0);
	for (uint64_t c = 1; c <= 3; c++) {
		r = (struct vdispl_req)DBUF(c, 0, 0, 0, 4096, 0, 9, 0);
		ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &r, &act, why,
						     sizeof(why)), 0);
	}
	r = (struct vdispl_req)DBUF(4, 0, 0, 0, 4096, 0, 9, 0);
	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &r, &act, why, sizeof(why)),
			 -ENOSPC);
	ck_assert_str_eq(why, "DBUF_CREATE 0x4: already 3 display buffers, "
			 "the limit");
	for (uint64_t c = 1; c <= 2; c++) {
		r = (struct vdispl_req)ATTACH(1, 0x10 + c, 32, 32,
					      DRM_FORMAT_XRGB8888);
		ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &r, &act, why,
						     sizeof(why)), 0);
	}
	r = (struct vdispl_req)ATTACH(2, 0x13, 32, 32, DRM_FORMAT_XRGB8888);
	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &r, &act, why, sizeof(why)),
			 -ENOSPC);
	ck_assert_ptr_nonnull(strstr(why, "already 2 framebuffers"));

	/* the backend could not map: the create is undone */
	r = (struct vdispl_req)COOKIE(VDISPL_OP_DBUF_DESTROY, 3);
	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &r, &act, why, sizeof(why)),
			 0);
	r = (struct vdispl_req)DBUF(4, 0, 0, 0, 4096, 0, 9, 0);
	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &r, &act, why, sizeof(why)),
			 0);
	ck_assert_uint_eq(vgfb__vdispl_state_dbufs(s), 3);
	vgfb__vdispl_cancel(s, &act);
	ck_assert_uint_eq(vgfb__vdispl_state_dbufs(s), 2);
	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &r, &act, why, sizeof(why)),
			 0);
	/* and an attach */
	r = (struct vdispl_req)COOKIE(VDISPL_OP_FB_DETACH, 0x12);
	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &r, &act, why, sizeof(why)),
			 0);
	r = (struct vdispl_req)ATTACH(4, 0x12, 32, 32, DRM_FORMAT_XRGB8888);
	ck_assert_int_eq(vgfb__vdispl_handle(s, 0, &r, &act, why, sizeof(why)),
			 0);
	vgfb__vdispl_cancel(s, &act);
	ck_assert_uint_eq(vgfb__vdispl_state_fbs(s), 1);
	vgfb__vdispl_state_free(s);

	/* limits beyond the hard ceilings are refused */
	lim.max_dbufs = VDISPL_MAX_OBJECTS + 1;
	ck_assert_int_eq(vgfb__vdispl_state_new(&cfg, &lim, &s), -EINVAL);
	vgfb__vdispl_limits_default(&lim);
	cfg.n_connectors = 0;
	ck_assert_int_eq(vgfb__vdispl_state_new(&cfg, &lim, &s), -EINVAL);
	vgfb__vdispl_state_free(NULL);
}
END_TEST

/* ---- grant directories ---- */

#define N_DIR 4

struct dir_pages {
	uint8_t *page[N_DIR];
	uint32_t ref[N_DIR];	/* grant of each page */
};

static void
dir_setup(struct dir_pages *d)
{
	for (int i = 0; i < N_DIR; i++) {
		d->page[i] = new_page();
		d->ref[i] = 1000 + (uint32_t)i;
	}
}

static void
dir_free(struct dir_pages *d)
{
	for (int i = 0; i < N_DIR; i++)
		free(d->page[i]);
}

/* Fill page i with n grefs starting at base, then next. */
static void
dir_fill(struct dir_pages *d, int i, uint32_t base, uint32_t n, uint32_t next)
{
	put32(d->page[i], 0, next);
	for (uint32_t k = 0; k < n; k++)
		put32(d->page[i], 4 + 4 * k, base + k);
}

/* Walk as the backend would, mapping by grant; returns the last rc. */
static int
dir_walk(struct dir_pages *d, uint32_t n_grefs, uint32_t *out, char *why,
	 size_t len, int *pages_mapped)
{
	struct vdispl_dir_walk w;
	int rc;

	*pages_mapped = 0;
	rc = vgfb__vdispl_dir_init(&w, VDISPL_DIR_READ, d->ref[0], n_grefs,
				   out, why, len);
	ck_assert_int_eq(rc, 0);
	do {
		uint8_t *page = NULL;

		for (int i = 0; i < N_DIR; i++)
			if (d->ref[i] == w.next)
				page = d->page[i];
		ck_assert_ptr_nonnull(page);
		(*pages_mapped)++;
		ck_assert_int_le(*pages_mapped, N_DIR + 1);
		rc = vgfb__vdispl_dir_page(&w, page, why, len);
	} while (rc == 1);
	vgfb__vdispl_dir_release(&w);
	return rc;
}

START_TEST(dir_good)
{
	struct dir_pages d;
	uint32_t *out = calloc(3000, sizeof(*out));
	char why[256] = "";
	int mapped;

	dir_setup(&d);
	ck_assert_uint_eq(VDISPL_DIR_GREFS_PER_PAGE, 1023);
	ck_assert_uint_eq(vgfb__vdispl_buffer_pages(FB_BYTES), 2025);
	ck_assert_uint_eq(vgfb__vdispl_buffer_pages(1), 1);
	ck_assert_uint_eq(vgfb__vdispl_buffer_pages(UINT32_MAX), 1048576);
	ck_assert_uint_eq(vgfb__vdispl_dir_pages(2025), 2);
	ck_assert_uint_eq(vgfb__vdispl_dir_pages(1023), 1);
	ck_assert_uint_eq(vgfb__vdispl_dir_pages(1024), 2);

	/* one page, partly used */
	dir_fill(&d, 0, 5000, 10, 0);
	ck_assert_int_eq(dir_walk(&d, 10, out, why, sizeof(why), &mapped), 0);
	ck_assert_int_eq(mapped, 1);
	ck_assert(out[0] == 5000 && out[9] == 5009);
	/* exactly one full page */
	dir_fill(&d, 0, 5000, 1023, 0);
	ck_assert_int_eq(dir_walk(&d, 1023, out, why, sizeof(why), &mapped), 0);
	ck_assert_uint_eq(out[1022], 6022);
	/* a 1920x1080x32 buffer: 2025 pages over two directory pages */
	dir_fill(&d, 0, 10000, 1023, d.ref[1]);
	dir_fill(&d, 1, 20000, 1002, 0);
	ck_assert_int_eq(dir_walk(&d, 2025, out, why, sizeof(why), &mapped), 0);
	ck_assert_int_eq(mapped, 2);
	ck_assert(out[1022] == 11022 && out[1023] == 20000 &&
		  out[2024] == 21001);
	dir_free(&d);
	free(out);
}
END_TEST

START_TEST(dir_hostile)
{
	struct dir_pages d;
	struct vdispl_dir_walk w;
	uint32_t *out = calloc(4 * 1023, sizeof(*out));
	char why[256] = "";
	int mapped;

	dir_setup(&d);
	/* cyclic: 0 -> 1 -> 0 with 3 pages' worth of grefs wanted */
	dir_fill(&d, 0, 100, 1023, d.ref[1]);
	dir_fill(&d, 1, 100, 1023, d.ref[0]);
	ck_assert_int_eq(dir_walk(&d, 3 * 1023, out, why, sizeof(why),
				  &mapped), -EINVAL);
	ck_assert_int_eq(mapped, 3);
	ck_assert_str_eq(why, "directory page 2 is gref 1000 again, as page "
			 "0: the chain is cyclic");
	/* a page pointing at itself */
	dir_fill(&d, 0, 100, 1023, d.ref[0]);
	ck_assert_int_eq(dir_walk(&d, 2046, out, why, sizeof(why), &mapped),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "cyclic"));
	/* too long: more pages after the last one needed */
	dir_fill(&d, 0, 100, 1023, d.ref[1]);
	dir_fill(&d, 1, 100, 5, d.ref[2]);
	ck_assert_int_eq(dir_walk(&d, 1028, out, why, sizeof(why), &mapped),
			 -EINVAL);
	ck_assert_int_eq(mapped, 2);
	ck_assert_str_eq(why, "gref_dir_next_page 1002 after the last "
			 "directory page: the chain is longer than 2 pages "
			 "for 1028 grefs");
	/* a cycle on the last page is "too long" too */
	dir_fill(&d, 0, 100, 10, d.ref[0]);
	ck_assert_int_eq(dir_walk(&d, 10, out, why, sizeof(why), &mapped),
			 -EINVAL);
	ck_assert_int_eq(mapped, 1);
	/* too short */
	dir_fill(&d, 0, 100, 1023, 0);
	ck_assert_int_eq(dir_walk(&d, 1024, out, why, sizeof(why), &mapped),
			 -EINVAL);
	ck_assert_str_eq(why, "directory ends after 1 pages with 1023 of 1024 "
			 "grefs: the chain is too short");
	/* an invalid grant inside */
	dir_fill(&d, 0, 100, 10, 0);
	put32(d.page[0], 4 + 4 * 7, 0);
	ck_assert_int_eq(dir_walk(&d, 10, out, why, sizeof(why), &mapped),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "gref[7] (directory page 0, entry 7) "
					  "is 0"));
	/* bad starts */
	ck_assert_int_eq(vgfb__vdispl_dir_init(&w, VDISPL_DIR_READ, 0, 10, out,
					       why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(vgfb__vdispl_dir_init(&w, VDISPL_DIR_READ, 5, 0, out,
					       why, sizeof(why)), -EINVAL);
	vgfb__vdispl_dir_release(&w);
	/* feeding a finished walk */
	dir_fill(&d, 0, 100, 10, 0);
	ck_assert_int_eq(vgfb__vdispl_dir_init(&w, VDISPL_DIR_READ, 1000, 10,
					       out, why, sizeof(why)), 0);
	ck_assert_int_eq(vgfb__vdispl_dir_page(&w, d.page[0], why,
					       sizeof(why)), 0);
	ck_assert_int_eq(vgfb__vdispl_dir_page(&w, d.page[0], why,
					       sizeof(why)), -EINVAL);
	vgfb__vdispl_dir_release(&w);
	vgfb__vdispl_dir_release(NULL);
	dir_free(&d);
	free(out);
}
END_TEST

START_TEST(dir_fill_be_alloc)
{
	struct dir_pages d;
	struct vdispl_dir_walk w;
	uint32_t grefs[1030];
	char why[256] = "";

	dir_setup(&d);
	for (uint32_t i = 0; i < 1030; i++)
		grefs[i] = 7000 + i;
	put32(d.page[0], 0, d.ref[1]);	/* the frontend links the pages */
	put32(d.page[1], 0, 0);
	ck_assert_int_eq(vgfb__vdispl_dir_init(&w, VDISPL_DIR_FILL, d.ref[0],
					       1030, grefs, why, sizeof(why)),
			 0);
	ck_assert_int_eq(vgfb__vdispl_dir_page(&w, d.page[0], why,
					       sizeof(why)), 1);
	ck_assert_uint_eq(w.next, d.ref[1]);
	ck_assert_int_eq(vgfb__vdispl_dir_page(&w, d.page[1], why,
					       sizeof(why)), 0);
	ck_assert_uint_eq(get32(d.page[0], 4), 7000);
	ck_assert_uint_eq(get32(d.page[0], 4 + 4 * 1022), 8022);
	ck_assert_uint_eq(get32(d.page[1], 4), 8023);
	ck_assert_uint_eq(get32(d.page[1], 4 + 4 * 6), 8029);
	ck_assert_uint_eq(get32(d.page[1], 4 + 4 * 7), 0);	/* untouched */
	vgfb__vdispl_dir_release(&w);
	grefs[3] = 0;
	ck_assert_int_eq(vgfb__vdispl_dir_init(&w, VDISPL_DIR_FILL, d.ref[0],
					       1030, grefs, why, sizeof(why)),
			 -EINVAL);
	vgfb__vdispl_dir_release(&w);
	dir_free(&d);
}
END_TEST

/* ---- the event page ---- */

/* What xen-drm-front's evtchnl_interrupt_evt does; returns events read. */
static int
front_consume(uint8_t *page, uint16_t *evt_id, uint64_t *cookies, int max)
{
	uint32_t prod = get32(page, VDISPL_EVT_IN_PROD);
	uint32_t cons = get32(page, VDISPL_EVT_IN_CONS);
	int n = 0;

	for (; cons != prod; cons++) {
		const uint8_t *e = page + VDISPL_EVT_RING_OFFS +
				   (cons % VDISPL_EVT_RING_LEN) * 64;
		uint16_t id;

		memcpy(&id, e, 2);
		ck_assert_uint_eq(id, (*evt_id)++);
		ck_assert_uint_eq(e[2], VDISPL_EVT_PG_FLIP);
		ck_assert_int_lt(n, max);
		cookies[n++] = get64(e, 8);
	}
	put32(page, VDISPL_EVT_IN_CONS, cons);
	return n;
}

START_TEST(evt_basic_and_full)
{
	uint8_t *page = new_page();
	struct vdispl_evt_ring e;
	uint64_t cookies[64];
	uint16_t front_id = 0;
	char why[256] = "";

	vgfb__vdispl_evt_init(&e, page);
	for (uint64_t c = 1; c <= 3; c++)
		ck_assert_int_eq(vgfb__vdispl_evt_pg_flip(&e, c << 32 | c, why,
							  sizeof(why)), 0);
	ck_assert_uint_eq(get32(page, VDISPL_EVT_IN_PROD), 3);
	ck_assert_int_eq(front_consume(page, &front_id, cookies, 64), 3);
	ck_assert_uint_eq(cookies[2], 3ull << 32 | 3);

	/* the frontend stops consuming: 63 fit, then -EAGAIN */
	for (int i = 0; i < 63; i++)
		ck_assert_int_eq(vgfb__vdispl_evt_pg_flip(&e, 0xf1, why,
							  sizeof(why)), 0);
	ck_assert_int_eq(vgfb__vdispl_evt_pg_flip(&e, 0xf1, why, sizeof(why)),
			 -EAGAIN);
	ck_assert_str_eq(why, "event ring full: 63 unread events");
	ck_assert_uint_eq(get32(page, VDISPL_EVT_IN_PROD), 66);
	ck_assert_int_eq(front_consume(page, &front_id, cookies, 64), 63);
	ck_assert_int_eq(vgfb__vdispl_evt_pg_flip(&e, 0xf2, why, sizeof(why)),
			 0);
	ck_assert_int_eq(front_consume(page, &front_id, cookies, 64), 1);
	ck_assert_uint_eq(cookies[0], 0xf2);

	/* hostile in_cons */
	put32(page, VDISPL_EVT_IN_CONS, 68);
	ck_assert_int_eq(vgfb__vdispl_evt_pg_flip(&e, 0xf3, why, sizeof(why)),
			 -EPROTO);
	ck_assert_str_eq(why, "in_cons 68 is not within 63 events of in_prod "
			 "67");
	put32(page, VDISPL_EVT_IN_CONS, 67 - 64);
	ck_assert_int_eq(vgfb__vdispl_evt_pg_flip(&e, 0xf3, why, sizeof(why)),
			 -EPROTO);
	ck_assert_uint_eq(get32(page, VDISPL_EVT_IN_PROD), 67);
	free(page);
}
END_TEST

START_TEST(evt_wraparound)
{
	uint8_t *page = new_page();
	struct vdispl_evt_ring e;
	uint64_t cookies[64];
	uint16_t front_id = 0;
	char why[256] = "";
	const uint32_t start = UINT32_MAX - 2;	/* slot 1: 2^32 % 63 = 4 */

	vgfb__vdispl_evt_init(&e, page);
	e.prod = start;
	put32(page, VDISPL_EVT_IN_PROD, start);
	put32(page, VDISPL_EVT_IN_CONS, start);
	/* indexes 2^32-3 .. 0 land in slots 1, 2, 3, 0 */
	for (uint64_t c = 1; c <= 4; c++)
		ck_assert_int_eq(vgfb__vdispl_evt_pg_flip(&e, c, why,
							  sizeof(why)), 0);
	/* index 1 is slot 1 again, still unread */
	ck_assert_int_eq(vgfb__vdispl_evt_pg_flip(&e, 5, why, sizeof(why)),
			 -EAGAIN);
	ck_assert_str_eq(why, "event slot 1 still unread at the index wrap "
			 "(in_cons 4294967293)");
	ck_assert_uint_eq(get32(page, VDISPL_EVT_IN_PROD), 1);
	ck_assert_int_eq(front_consume(page, &front_id, cookies, 64), 4);
	ck_assert(cookies[0] == 1 && cookies[3] == 4);
	ck_assert_int_eq(vgfb__vdispl_evt_pg_flip(&e, 5, why, sizeof(why)), 0);
	ck_assert_int_eq(front_consume(page, &front_id, cookies, 64), 1);
	ck_assert_uint_eq(cookies[0], 5);
	ck_assert_uint_eq(get32(page, VDISPL_EVT_IN_CONS), 2);
	free(page);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xen-vdispl");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, cfg_good);
	tcase_add_loop_test(tc, cfg_hostile, 0,
			    (int)(sizeof(cfg_cases) / sizeof(cfg_cases[0])));
	tcase_add_test(tc, cfg_nine_connectors);
	tcase_add_test(tc, cfg_transport_refs);
	tcase_add_test(tc, parse_numbers);
	suite_add_tcase(s, tc);

	tc = tcase_create("ring");
	tcase_add_test(tc, ring_good_sequence);
	tcase_add_test(tc, ring_indexes_hostile);
	tcase_add_test(tc, ring_wraparound);
	tcase_add_test(tc, ring_unknown_ops);
	tcase_add_test(tc, ring_edid_response);
	suite_add_tcase(s, tc);

	tc = tcase_create("state");
	tcase_add_loop_test(tc, state_hostile_table, 0,
			    (int)(sizeof(hostile) / sizeof(hostile[0])));
	tcase_add_test(tc, state_destroy_while_shown);
	tcase_add_test(tc, state_detach_shown_and_reuse);
	tcase_add_test(tc, state_imported_and_data_ofs);
	tcase_add_test(tc, state_be_alloc);
	tcase_add_test(tc, state_caps_and_cancel);
	suite_add_tcase(s, tc);

	tc = tcase_create("directory");
	tcase_add_test(tc, dir_good);
	tcase_add_test(tc, dir_hostile);
	tcase_add_test(tc, dir_fill_be_alloc);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_add_test(tc, evt_basic_and_full);
	tcase_add_test(tc, evt_wraparound);
	suite_add_tcase(s, tc);
	return test_run(s);
}
