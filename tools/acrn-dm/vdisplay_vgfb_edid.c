/*
 * Copyright (C) 2026 The vgfb authors.
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The EDID the vgfb display sink shows the guest: one 128-byte EDID 1.4
 * block whose preferred (and only detailed) mode is the geometry= size,
 * so that the guest picks exactly what vgfbd's consumers are told.  Pure
 * function of (width, height); no I/O.
 */
#include <stdint.h>
#include <string.h>

#include "vdisplay_ops.h"

/* Reduced blanking, as CVT-RB: short porches, 60 Hz. */
#define EDID_HBLANK 160u
#define EDID_HFP 48u
#define EDID_HSYNC 32u
#define EDID_VBLANK 35u
#define EDID_VFP 3u
#define EDID_VSYNC 6u
#define EDID_REFRESH 60u

/* Physical size at 96 dpi, in mm: some guests derive their DPI from it. */
static uint32_t
px_to_mm(uint32_t px)
{
	return px * 254u / 960u;
}

static void
edid_dtd(uint8_t *d, uint32_t w, uint32_t h)
{
	uint32_t clk = (w + EDID_HBLANK) * (h + EDID_VBLANK) * EDID_REFRESH /
		       10000u;
	uint32_t wmm = px_to_mm(w), hmm = px_to_mm(h);

	d[0] = clk & 0xff;
	d[1] = clk >> 8;
	d[2] = w & 0xff;
	d[3] = EDID_HBLANK & 0xff;
	d[4] = ((w >> 8) & 0xf) << 4 | ((EDID_HBLANK >> 8) & 0xf);
	d[5] = h & 0xff;
	d[6] = EDID_VBLANK & 0xff;
	d[7] = ((h >> 8) & 0xf) << 4 | ((EDID_VBLANK >> 8) & 0xf);
	d[8] = EDID_HFP & 0xff;
	d[9] = EDID_HSYNC & 0xff;
	d[10] = (EDID_VFP & 0xf) << 4 | (EDID_VSYNC & 0xf);
	d[11] = ((EDID_HFP >> 8) & 3) << 6 | ((EDID_HSYNC >> 8) & 3) << 4 |
		((EDID_VFP >> 4) & 3) << 2 | ((EDID_VSYNC >> 4) & 3);
	d[12] = wmm & 0xff;
	d[13] = hmm & 0xff;
	d[14] = ((wmm >> 8) & 0xf) << 4 | ((hmm >> 8) & 0xf);
	/* digital separate sync, both polarities positive */
	d[17] = 0x1e;
}

/* A display descriptor (name, serial...): text padded as the spec says. */
static void
edid_text(uint8_t *d, uint8_t tag, const char *text)
{
	size_t i, n = strlen(text);

	d[3] = tag;
	for (i = 0; i < 13; i++)
		d[5 + i] = i < n ? (uint8_t)text[i] : (i == n ? 0x0a : 0x20);
}

void
vdpy_vgfb_edid_generate(uint8_t edid[128], uint32_t width, uint32_t height)
{
	/* sRGB primaries and D65 white, x/y in 1/1024 */
	static const uint16_t chroma[8] = {
		655, 338, 307, 614, 154, 61, 320, 337
	};
	uint8_t sum = 0;
	int i;

	memset(edid, 0, 128);
	memset(edid + 1, 0xff, 6);
	/* manufacturer "VGF", big endian, 5 bits a letter */
	edid[8] = ('V' - '@') << 2 | ('G' - '@') >> 3;
	edid[9] = (('G' - '@') & 7) << 5 | ('F' - '@');
	edid[10] = 1;			/* product code */
	edid[17] = 2026 - 1990;		/* model year */
	edid[18] = 1;			/* EDID 1.4 */
	edid[19] = 4;
	edid[20] = 0xa5;		/* digital, 8 bpc, DisplayPort */
	edid[21] = px_to_mm(width) / 10;
	edid[22] = px_to_mm(height) / 10;
	edid[23] = 120;			/* gamma 2.2 */
	edid[24] = 0x06;		/* sRGB, preferred mode is native */
	edid[25] = (chroma[0] & 3) << 6 | (chroma[1] & 3) << 4 |
		   (chroma[2] & 3) << 2 | (chroma[3] & 3);
	edid[26] = (chroma[4] & 3) << 6 | (chroma[5] & 3) << 4 |
		   (chroma[6] & 3) << 2 | (chroma[7] & 3);
	for (i = 0; i < 8; i++)
		edid[27 + i] = chroma[i] >> 2;
	/* no established timings; standard timings unused (01 01) */
	for (i = 38; i < 54; i++)
		edid[i] = 1;
	edid_dtd(edid + 54, width, height);
	edid_text(edid + 72, 0xfc, "vgfb");
	edid[90 + 3] = 0x10;		/* dummy descriptors */
	edid[108 + 3] = 0x10;
	for (i = 0; i < 127; i++)
		sum += edid[i];
	edid[127] = (uint8_t)(0x100 - sum);
}
