/* SPDX-License-Identifier: MIT */
/*
 * Host side of the vm tier's vgfb-kms test: does qemu's screendump (PPM)
 * show what the VM said it must (a VGFB_KMS_CHECK line, tests/vm/
 * vgfb-kmstest.c)?  The expectation is built here from the documented
 * test pattern (docs/test-pattern.md) and vgfb-kms's documented geometry
 * (docs/man/vgfb-kms.1: the guest image centred, black around it, its
 * centre shown when larger), not from vgfb-kms's code.
 *
 *   kms-screen-check SCREEN.ppm BEFORE.ppm FIELD...
 *
 * FIELD: name=S mode=WxH guest=WxH frame=F rect=X,Y,W,H,G cursor=X,Y
 * black before.  Prints one line, "PASS ..." or "FAIL ...", and exits 0
 * or 1; 2 for bad arguments or an unreadable screendump.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

struct ppm {
	uint32_t w, h;
	uint8_t *rgb;
};

static bool
ppm_read(const char *path, struct ppm *p)
{
	unsigned int w, h, max;
	FILE *f = fopen(path, "rb");
	bool ok = false;

	memset(p, 0, sizeof(*p));
	if (!f)
		return false;
	if (fscanf(f, "P6 %u %u %u", &w, &h, &max) == 3 && max == 255 &&
	    w && h && w <= 16384 && h <= 16384 && fgetc(f) != EOF) {
		p->w = w;
		p->h = h;
		p->rgb = malloc((size_t)w * h * 3);
		ok = p->rgb && fread(p->rgb, 3, (size_t)w * h, f) ==
				       (size_t)w * h;
	}
	fclose(f);
	return ok;
}

struct expect {
	const char *name;
	uint32_t mw, mh, gw, gh;
	uint64_t frame, rect_frame;
	uint32_t rx, ry, rw, rh;
	bool rect, black, before, cursor;
	uint32_t cx, cy;
};

static bool
parse(struct expect *e, int n, char **f)
{
	memset(e, 0, sizeof(*e));
	e->name = "?";
	for (int i = 0; i < n; i++) {
		if (strncmp(f[i], "name=", 5) == 0)
			e->name = f[i] + 5;
		else if (sscanf(f[i], "mode=%ux%u", &e->mw, &e->mh) == 2)
			;
		else if (sscanf(f[i], "guest=%ux%u", &e->gw, &e->gh) == 2)
			;
		else if (sscanf(f[i], "frame=%" SCNu64, &e->frame) == 1)
			;
		else if (sscanf(f[i], "rect=%u,%u,%u,%u,%" SCNu64, &e->rx,
				&e->ry, &e->rw, &e->rh, &e->rect_frame) == 5)
			e->rect = true;
		else if (sscanf(f[i], "cursor=%u,%u", &e->cx, &e->cy) == 2)
			e->cursor = true;
		else if (strcmp(f[i], "black") == 0)
			e->black = true;
		else if (strcmp(f[i], "before") == 0)
			e->before = true;
		else
			return false;
	}
	return e->mw && e->mh;
}

/* One axis of the documented geometry: screen s -> guest g, or false. */
static bool
to_guest(uint32_t m, uint32_t gsize, uint32_t s, uint32_t *g)
{
	if (gsize <= m) {
		uint32_t off = (m - gsize) / 2;

		if (s < off || s >= off + gsize)
			return false;
		*g = s - off;
	} else {
		*g = s + (gsize - m) / 2;
	}
	return true;
}

static void
expected(const struct expect *e, const struct ppm *before, uint32_t x,
	 uint32_t y, uint8_t out[3])
{
	uint8_t rgba[4] = { 0, 0, 0, 0xff };
	uint32_t gx, gy;

	memset(out, 0, 3);
	if (e->before) {
		if (x < before->w && y < before->h)
			memcpy(out, before->rgb + ((size_t)y * before->w + x) * 3,
			       3);
		return;
	}
	if (e->black || !to_guest(e->mw, e->gw, x, &gx) ||
	    !to_guest(e->mh, e->gh, y, &gy))
		goto cursor;
	vgfb_pattern_rgba(e->rect && gx >= e->rx && gx < e->rx + e->rw &&
				  gy >= e->ry && gy < e->ry + e->rh
			  ? e->rect_frame : e->frame, gx, gy, rgba);
cursor:
	if (e->cursor) {
		/* the cursor's hotspot at guest (cx, cy), on screen */
		int64_t ox = (int64_t)e->cx - VGFB_CURSOR_HOT_X +
			     ((int64_t)e->mw - e->gw) / 2;
		int64_t oy = (int64_t)e->cy - VGFB_CURSOR_HOT_Y +
			     ((int64_t)e->mh - e->gh) / 2;
		uint8_t c[4];

		if (x >= ox && y >= oy && x < ox + VGFB_CURSOR_SIZE &&
		    y < oy + VGFB_CURSOR_SIZE) {
			vgfb_cursor_rgba((uint32_t)(x - ox), (uint32_t)(y - oy),
					 c);
			if (c[3] == 0xff)	/* the sim's cursor: 0 or 255 */
				memcpy(rgba, c, 3);
		}
	}
	memcpy(out, rgba, 3);
}

int
main(int argc, char **argv)
{
	struct ppm screen, before = { 0 };
	struct expect e;
	uint64_t bad = 0;
	uint32_t bx = 0, by = 0, x0 = UINT32_MAX, y0 = UINT32_MAX, x1 = 0,
		 y1 = 0;
	uint8_t got[3] = { 0 }, want[3] = { 0 };

	if (argc < 4 || !parse(&e, argc - 3, argv + 3)) {
		fprintf(stderr, "usage: kms-screen-check SCREEN.ppm BEFORE.ppm "
			"name=S mode=WxH [guest=WxH frame=F rect=X,Y,W,H,G "
			"cursor=X,Y black before]\n");
		return 2;
	}
	if (!ppm_read(argv[1], &screen)) {
		printf("FAIL %s: cannot read the screendump %s\n", e.name,
		       argv[1]);
		return 2;
	}
	if (e.before && !ppm_read(argv[2], &before)) {
		printf("FAIL %s: cannot read the earlier screendump %s\n",
		       e.name, argv[2]);
		return 1;
	}
	if (screen.w != e.mw || screen.h != e.mh) {
		printf("FAIL %s: the screen is %ux%u, the mode %ux%u\n", e.name,
		       screen.w, screen.h, e.mw, e.mh);
		return 1;
	}
	for (uint32_t y = 0; y < screen.h; y++) {
		for (uint32_t x = 0; x < screen.w; x++) {
			const uint8_t *p = screen.rgb +
					   ((size_t)y * screen.w + x) * 3;
			uint8_t w[3];

			expected(&e, &before, x, y, w);
			if (memcmp(p, w, 3) == 0)
				continue;
			x0 = x < x0 ? x : x0;
			y0 = y < y0 ? y : y0;
			x1 = x > x1 ? x : x1;
			y1 = y > y1 ? y : y1;
			if (bad++ == 0) {
				bx = x;
				by = y;
				memcpy(got, p, 3);
				memcpy(want, w, 3);
			}
		}
	}
	if (bad) {
		printf("FAIL %s: %" PRIu64 " of %u pixels differ, in %u,%u "
		       "%ux%u, first at (%u,%u): #%02x%02x%02x, want "
		       "#%02x%02x%02x\n", e.name, bad, screen.w * screen.h, x0,
		       y0, x1 - x0 + 1, y1 - y0 + 1, bx, by, got[0], got[1],
		       got[2], want[0], want[1], want[2]);
		return 1;
	}
	printf("PASS %s: all %u pixels of %ux%u as expected\n", e.name,
	       screen.w * screen.h, screen.w, screen.h);
	return 0;
}
