/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include "rfb-guard.h"

#define ENCODING_DESKTOP_SIZE 0xFFFFFF21u	/* -223 */

void
rfb_guard_init(struct rfb_guard *g)
{
	memset(g, 0, sizeof(*g));
	g->phase = RFB_GUARD_VERSION;
	g->need = 12;
}

static bool
refuse(struct rfb_guard *g, const char *why)
{
	g->phase = RFB_GUARD_BAD;
	g->why = why;
	return false;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The header length of a message type, 0 for an unknown type. */
static size_t
header_len(uint8_t type)
{
	switch (type) {
	case 0: return 20;	/* SetPixelFormat */
	case 2: return 4;	/* SetEncodings, then 4 bytes each */
	case 3: return 10;	/* FramebufferUpdateRequest */
	case 4: return 8;	/* KeyEvent */
	case 5: return 6;	/* PointerEvent */
	case 6: return 8;	/* ClientCutText, then the text */
	case 255: return 12;	/* QEMU: only extended key events */
	default: return 0;
	}
}

static bool
pixel_format_ok(const uint8_t *pf)
{
	uint8_t bpp = pf[0], depth = pf[1];

	if (bpp != 8 && bpp != 16 && bpp != 32)
		return false;
	if (!depth || depth > bpp || !pf[3])	/* true-colour only */
		return false;
	/* red, green, blue max non-zero; shifts inside the pixel */
	for (int i = 0; i < 3; i++)
		if (!(pf[4 + 2 * i] | pf[5 + 2 * i]) || pf[10 + i] >= bpp)
			return false;
	return true;
}

/* A whole header is in g->hdr: check it, set what follows. */
static bool
check_header(struct rfb_guard *g)
{
	switch (g->phase) {
	case RFB_GUARD_VERSION:
		if (memcmp(g->hdr, "RFB 003.008\n", 12))
			return refuse(g, "not RFB 3.8");
		g->phase = RFB_GUARD_SECURITY;
		g->need = 1;
		return true;
	case RFB_GUARD_SECURITY:
		if (g->hdr[0] != 1)
			return refuse(g, "a security type that was not offered");
		g->phase = RFB_GUARD_INIT;
		g->need = 1;
		return true;
	case RFB_GUARD_INIT:
		g->phase = RFB_GUARD_MESSAGES;
		g->need = 1;
		return true;
	case RFB_GUARD_MESSAGES:
		break;
	case RFB_GUARD_BAD:
	default:
		return false;
	}
	switch (g->hdr[0]) {
	case 0:
		if (!pixel_format_ok(g->hdr + 4))
			return refuse(g, "a pixel format RFB does not allow");
		break;
	case 2: {
		uint32_t n = (uint32_t)g->hdr[2] << 8 | g->hdr[3];

		if (n > RFB_GUARD_MAX_ENCODINGS)
			return refuse(g, "more than 32 encodings");
		g->skip = 4ull * n;
		g->desktop_size = false;
		break;
	}
	case 3:
		/*
		 * The guest may change its mode at any time, and neatvnc
		 * 0.5 drops a viewer without DesktopSize then from inside
		 * its update loop (a use after free, fixed upstream only
		 * in 0.6); such a viewer is refused before it sees a frame.
		 */
		if (!g->desktop_size)
			return refuse(g, "a viewer without DesktopSize");
		break;
	case 6:
		if (be32(g->hdr + 4) > RFB_GUARD_MAX_CUT_TEXT)
			return refuse(g, "clipboard text over 64 KiB");
		g->skip = be32(g->hdr + 4);
		break;
	case 255:
		if (g->hdr[1] != 0)
			return refuse(g, "a QEMU message other than a key event");
		/*
		 * neatvnc 0.5.4 looks the key code up in its 254-entry
		 * QEMU-to-evdev table without a bound (server.c
		 * on_client_qemu_key_event): a larger one reads past it.
		 */
		if (be32(g->hdr + 8) >= RFB_GUARD_QEMU_KEYCODES)
			return refuse(g, "a QEMU key code past neatvnc's table");
		break;
	default:
		break;
	}
	g->need = 1;
	return true;
}

bool
rfb_guard_feed(struct rfb_guard *g, const uint8_t *p, size_t n)
{
	while (n) {
		size_t take;

		if (g->phase == RFB_GUARD_BAD)
			return false;
		if (g->skip) {
			take = n < g->skip ? n : (size_t)g->skip;
			/* SetEncodings' list: look for DesktopSize */
			if (g->phase == RFB_GUARD_MESSAGES && g->hdr[0] == 2) {
				for (size_t i = 0; i < take; i++) {
					g->hdr[4 + g->have % 4] = p[i];
					if (++g->have % 4 == 0 &&
					    be32(g->hdr + 4) == ENCODING_DESKTOP_SIZE)
						g->desktop_size = true;
				}
			}
			g->skip -= take;
			p += take;
			n -= take;
			if (!g->skip)
				g->have = 0;
			continue;
		}
		take = g->need - g->have < n ? g->need - g->have : n;
		memcpy(g->hdr + g->have, p, take);
		g->have += take;
		p += take;
		n -= take;
		if (g->have < g->need)
			continue;
		if (g->phase == RFB_GUARD_MESSAGES && g->need == 1) {
			/* the type byte: now the whole header */
			g->need = header_len(g->hdr[0]);
			if (!g->need)
				return refuse(g, "an unknown message type");
			if (g->need > 1)
				continue;
		}
		g->have = 0;
		if (!check_header(g))
			return false;
	}
	return true;
}
