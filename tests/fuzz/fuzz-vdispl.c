/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the Xen vdispl protocol layer as a hostile frontend
 * sees it.  The input is the frontend: its xenstore strings, the initial
 * contents of the shared request ring page, then a script of commands
 * that rewrite the ring page, the grant directory pages and the event
 * page's in_cons between (and during) the backend's passes over the ring.
 *
 * Besides "never crashes, never reads out of bounds, never leaks"
 * (ASan/UBSan), it checks the layer's contract: caps hold, an accepted
 * framebuffer fits its display buffer, a connector only shows a live
 * framebuffer inside its resolution, every taken request gets exactly one
 * response, and a directory walk that succeeds collected every grant.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "fuzz-input.h"
#include "xen-vdispl-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_DIR 4

/* A NUL-terminated string of up to 31 input bytes. */
static const char *
take_str(struct input *in, char buf[32])
{
	size_t len = take(in, 1) % 32;

	memset(buf, 0, 32);
	take_bytes(in, (uint8_t *)buf, len);
	return buf;
}

struct store {
	char be_alloc[32];
	char version[32];
	char res0[32];
	char res1[32];
	char ref0[32];
};

static const char *
store_read(void *data, const char *node)
{
	struct store *st = data;

	if (strcmp(node, "be-alloc") == 0)
		return st->be_alloc[0] ? st->be_alloc : NULL;
	if (strcmp(node, "version") == 0)
		return st->version[0] ? st->version : NULL;
	if (strcmp(node, "0/resolution") == 0)
		return st->res0;
	if (strcmp(node, "1/resolution") == 0)
		return st->res1[0] ? st->res1 : NULL;
	if (strcmp(node, "0/req-ring-ref") == 0 ||
	    strcmp(node, "1/req-ring-ref") == 0)
		return st->ref0;
	if (strstr(node, "/unique-id"))
		return st->res1[0] ? st->res1 : NULL;
	if (strstr(node, "-ring-ref") || strstr(node, "-event-channel"))
		return "17";
	return NULL;
}

struct world {
	uint8_t *ring_page;
	uint8_t *evt_page;
	uint8_t *dir[N_DIR];
	struct vdispl_ring ring;
	struct vdispl_evt_ring evt;
	struct vdispl_state *state;
	struct vdispl_cfg cfg;
	struct vdispl_limits lim;
};

/* Map a directory page "by grant": any grant lands on one of N_DIR pages. */
static int
walk(struct world *w, enum vdispl_dir_mode mode, uint32_t first,
     uint32_t n_grefs)
{
	struct vdispl_dir_walk dw;
	uint32_t *grefs;
	int rc;

	grefs = calloc(n_grefs ? n_grefs : 1, sizeof(*grefs));
	if (!grefs)
		abort();
	for (uint32_t i = 0; mode == VDISPL_DIR_FILL && i < n_grefs; i++)
		grefs[i] = 0x10000 + i;
	rc = vgfb__vdispl_dir_init(&dw, mode, first, n_grefs, grefs, NULL, 0);
	while (rc == 0 || rc == 1) {
		rc = vgfb__vdispl_dir_page(&dw, w->dir[dw.next % N_DIR], NULL,
					   0);
		if (rc == 0) {
			if (dw.done != n_grefs || dw.page > dw.n_pages)
				abort();
			for (uint32_t i = 0; i < n_grefs; i++)
				if (grefs[i] == 0)
					abort();
			break;
		}
		if (rc == 1 && dw.page >= dw.n_pages)
			abort();	/* asked for more pages than needed */
		if (rc != 1)
			break;
	}
	vgfb__vdispl_dir_release(&dw);
	free(grefs);
	return rc;
}

static void
check_state(const struct world *w)
{
	if (vgfb__vdispl_state_dbufs(w->state) > w->lim.max_dbufs ||
	    vgfb__vdispl_state_fbs(w->state) > w->lim.max_fbs)
		abort();
	for (uint32_t c = 0; c < w->cfg.n_connectors; c++) {
		uint64_t shown = vgfb__vdispl_state_shown(w->state, c);
		struct vdispl_fb_info fb;

		if (shown && vgfb__vdispl_state_fb(w->state, shown, &fb))
			abort();	/* a connector shows a dead fb */
	}
}

static void
check_action(const struct world *w, const struct vdispl_action *a)
{
	const struct vdispl_connector_cfg *c = &w->cfg.conn[a->conn];
	uint32_t cpp;

	switch (a->type) {
	case VDISPL_ACT_FB_ATTACH:
		cpp = vgfb_format_cpp(a->fb.drm_format);
		if (!cpp || !a->fb.width || !a->fb.height ||
		    (uint64_t)a->fb.width * cpp > a->fb.stride ||
		    (uint64_t)a->fb.stride * a->fb.height + a->fb.offset >
		    w->lim.max_buffer_bytes)
			abort();
		break;
	case VDISPL_ACT_SET_CONFIG:
	case VDISPL_ACT_PG_FLIP:
		if (a->fb.fb_cookie == 0)
			break;
		if (!a->width || !a->height ||
		    (uint64_t)a->x + a->width > c->width ||
		    (uint64_t)a->y + a->height > c->height ||
		    a->width > a->fb.width || a->height > a->fb.height)
			abort();
		break;
	case VDISPL_ACT_DBUF_CREATE:
		if (a->dbuf.n_pages == 0 || a->dbuf.gref_directory == 0 ||
		    a->dbuf.buffer_sz > w->lim.max_buffer_bytes)
			abort();
		break;
	default:
		break;
	}
}

static void
serve(struct world *w, uint32_t conn)
{
	struct vdispl_action act;
	struct vdispl_req req;
	int rc, n = 0;

	while ((rc = vgfb__vdispl_ring_take(&w->ring, &req, NULL, 0)) == 1) {
		int32_t status;

		if (++n > (int)VDISPL_RING_SIZE)
			abort();	/* more than the ring holds in a pass */
		rc = vgfb__vdispl_handle(w->state, conn, &req, &act, NULL, 0);
		if (rc == 0) {
			check_action(w, &act);
			if (act.type == VDISPL_ACT_DBUF_CREATE &&
			    walk(w, act.dbuf.be_alloc ? VDISPL_DIR_FILL :
				 VDISPL_DIR_READ, act.dbuf.gref_directory,
				 act.dbuf.n_pages) != 0) {
				vgfb__vdispl_cancel(w->state, &act);
				rc = -EINVAL;
			} else if (act.type == VDISPL_ACT_GET_EDID) {
				rc = walk(w, VDISPL_DIR_FILL,
					  act.edid.gref_directory,
					  act.edid.n_pages);
			} else if (act.type == VDISPL_ACT_PG_FLIP) {
				(void)vgfb__vdispl_evt_pg_flip(&w->evt,
							       act.fb.fb_cookie,
							       NULL, 0);
			}
		}
		check_state(w);
		status = vgfb__vdispl_status(rc);
		if (status > 0 || vgfb__vdispl_ring_respond(&w->ring, &req,
							    status, 128) != 0)
			abort();
		if (w->ring.rsp_prod_pvt != w->ring.req_cons)
			abort();
	}
	if (rc != 0 && rc != -EPROTO)
		abort();
	(void)vgfb__vdispl_ring_push(&w->ring);
	(void)vgfb__vdispl_ring_final_check(&w->ring);
	/* answered requests never run ahead of taken ones */
	if (w->ring.rsp_pushed != w->ring.rsp_prod_pvt)
		abort();
}

static void
setup_cfg(struct world *w, struct input *in)
{
	struct store st;
	char why[256] = "";

	memset(&st, 0, sizeof(st));
	take_str(in, st.be_alloc);
	take_str(in, st.version);
	take_str(in, st.res0);
	take_str(in, st.res1);
	take_str(in, st.ref0);
	vgfb__vdispl_limits_default(&w->lim);
	w->lim.max_dbufs = 8;
	w->lim.max_fbs = 8;
	w->lim.max_buffer_bytes = 16u << 20;
	if (vgfb__vdispl_parse_cfg(store_read, &st, &w->lim, true, &w->cfg,
				   why, sizeof(why)) == 0) {
		if (w->cfg.n_connectors < 1 || w->cfg.n_connectors > 2 ||
		    !w->cfg.conn[0].width || !w->cfg.conn[0].height ||
		    !w->cfg.conn[0].req_ring_ref)
			abort();
		if (strchr(why, '\n'))
			abort();
		return;
	}
	if (!memchr(why, '\0', sizeof(why)) || strchr(why, '\n'))
		abort();
	/* refused: go on with a plain two-connector frontend */
	memset(&w->cfg, 0, sizeof(w->cfg));
	w->cfg.be_alloc = st.be_alloc[0] & 1;
	w->cfg.version = 1 + (st.version[0] & 1);
	w->cfg.n_connectors = 2;
	w->cfg.conn[0].width = 1024;
	w->cfg.conn[0].height = 768;
	w->cfg.conn[1].width = 640;
	w->cfg.conn[1].height = 480;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct world w;
	int steps = 0;

	memset(&w, 0, sizeof(w));
	setup_cfg(&w, &in);
	if (vgfb__vdispl_state_new(&w.cfg, &w.lim, &w.state))
		abort();
	w.ring_page = aligned_alloc(VDISPL_PAGE_SIZE, VDISPL_PAGE_SIZE);
	w.evt_page = aligned_alloc(VDISPL_PAGE_SIZE, VDISPL_PAGE_SIZE);
	for (int i = 0; i < N_DIR; i++)
		w.dir[i] = aligned_alloc(VDISPL_PAGE_SIZE, VDISPL_PAGE_SIZE);
	if (!w.ring_page || !w.evt_page || !w.dir[0] || !w.dir[1] ||
	    !w.dir[2] || !w.dir[3])
		abort();
	memset(w.ring_page, 0, VDISPL_PAGE_SIZE);
	memset(w.evt_page, 0, VDISPL_PAGE_SIZE);
	for (int i = 0; i < N_DIR; i++)
		memset(w.dir[i], 0, VDISPL_PAGE_SIZE);
	/* the first request slots and the indexes come straight from input */
	take_bytes(&in, w.ring_page, take(&in, 2) % (VDISPL_PAGE_SIZE + 1));
	vgfb__vdispl_ring_init(&w.ring, w.ring_page);
	vgfb__vdispl_evt_init(&w.evt, w.evt_page);

	while (in.n && steps++ < 256) {
		uint32_t off, len;
		uint8_t *page;

		switch (take(&in, 1) % 7) {
		case 0:	/* event channel kick on a connector's ring */
			serve(&w, take(&in, 1) % w.cfg.n_connectors);
			break;
		case 1:	/* the frontend rewrites part of the ring page */
			off = take(&in, 2) % VDISPL_PAGE_SIZE;
			len = take(&in, 1);
			if (len > VDISPL_PAGE_SIZE - off)
				len = VDISPL_PAGE_SIZE - off;
			take_bytes(&in, w.ring_page + off, len);
			break;
		case 2:	/* ... or a grant directory page */
			page = w.dir[take(&in, 1) % N_DIR];
			off = take(&in, 2) % VDISPL_PAGE_SIZE;
			len = take(&in, 2) % (VDISPL_PAGE_SIZE + 1);
			if (len > VDISPL_PAGE_SIZE - off)
				len = VDISPL_PAGE_SIZE - off;
			take_bytes(&in, page + off, len);
			break;
		case 3:	/* ... or the event page's in_cons */
			off = take(&in, 4);
			memcpy(w.evt_page + VDISPL_EVT_IN_CONS, &off, 4);
			break;
		case 4:	/* a flip completes */
			(void)vgfb__vdispl_evt_pg_flip(&w.evt, take(&in, 4),
						       NULL, 0);
			if (w.evt.prod - *(uint32_t *)(void *)
			    (w.evt_page + VDISPL_EVT_IN_PROD) != 0)
				abort();	/* published what it wrote */
			break;
		case 5:	/* a frontend that sets req_prod outright */
			off = take(&in, 4);
			memcpy(w.ring_page + VDISPL_SRING_REQ_PROD, &off, 4);
			break;
		case 6:	/* a directory page: next, base gref, count */
			page = w.dir[take(&in, 1) % N_DIR];
			off = take(&in, 4);
			memcpy(page, &off, 4);
			off = take(&in, 4);
			len = take(&in, 2) % (VDISPL_DIR_GREFS_PER_PAGE + 1);
			for (uint32_t i = 0; i < len; i++) {
				uint32_t g = off + i;

				memcpy(page + 4 + 4 * i, &g, 4);
			}
			break;
		}
	}

	vgfb__vdispl_state_free(w.state);
	free(w.ring_page);
	free(w.evt_page);
	for (int i = 0; i < N_DIR; i++)
		free(w.dir[i]);
	return 0;
}
