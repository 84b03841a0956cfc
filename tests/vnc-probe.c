// SPDX-License-Identifier: MIT
/*
 * vnc-probe: a VNC viewer for the vm and xen tiers (libvncclient, as a
 * person's viewer would be), against vgfb-vnc's UNIX socket:
 *
 *   vnc-probe [--pattern FRAME [--picture WxH]] [--input [--at X,Y]] SOCKET
 *
 * waits for the first complete framebuffer update (so that the server
 * knows this viewer and the plane's size), then:
 *
 *   --pattern FRAME  waits (30 s at most) until every pixel is the test
 *                    pattern's frame FRAME (docs/test-pattern.md) and says
 *                    so, or how many pixels differ and where the first is
 *                    (vm tier: vgfb-vnc on a dma-buf of vgfb.ko); with
 *                    --picture, only the top-left WxH is compared (a
 *                    screen that is larger than the guest's picture)
 *   --input          types and clicks (xen tier: hook 39-vnc-input):
 *                      key    the keysym 'a': press, release  -> KEY_A
 *                      move   the pointer to (W/4, H/3), or to --at's
 *                             X,Y, no button
 *                      click  button 1 down, then up, there   -> BTN_LEFT
 *                    and prints what the guest should see, in the numbers
 *                    of the contract docs/xen.md gives (positions scaled
 *                    from the plane onto 0..32767)
 *
 * It prints
 *
 *   VNC_PROBE pixels=WxH frame=FRAME [compared=WxH] bad=0
 *   VNC_PROBE input size=WxH pointer=X,Y expect_abs=AX,AY
 *
 * and stays connected for a second after sending, so that vgfb-vnc handles
 * everything before the viewer goes away (a viewer that hangs up holding
 * a button has it released, which is not what this probe tests).
 * Exit status 0 when everything checked and sent, 1 otherwise (with the
 * reason), 2 for a usage error.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rfb/rfbclient.h>

#include "pattern.h"
#include "tier-lib.h"

#define VKBD_RANGE 32767u	/* the width and height vgfb's vkbd announces */
#define WAIT_MS 30000

static bool got_frame;

static void
on_update(rfbClient *c)
{
	got_frame = true;
}

/* Handle what arrives within ms; false when the server hung up. */
static bool
pump(rfbClient *c, int ms)
{
	int n = WaitForMessage(c, (unsigned int)ms * 1000);

	if (n < 0)
		return false;
	return n == 0 || HandleRFBServerMessage(c);
}

/* One channel of a viewer pixel, scaled to 8 bits. */
static uint8_t
channel(uint32_t px, int shift, int max)
{
	uint32_t v = (px >> shift) & (uint32_t)max;

	return max == 255 ? (uint8_t)v : (uint8_t)(v * 255 / (uint32_t)max);
}

/*
 * Pixels of the viewer's framebuffer, inside its top-left w x h, that are
 * not pattern frame `frame`.
 */
static long
count_bad(rfbClient *c, uint64_t frame, int w, int h, int *bx, int *by)
{
	const rfbPixelFormat *f = &c->format;
	long bad = 0;

	for (int y = 0; y < h && y < c->height; y++) {
		for (int x = 0; x < w && x < c->width; x++) {
			uint32_t px;
			uint8_t want[4];

			memcpy(&px, c->frameBuffer +
			       ((size_t)y * c->width + x) * 4, 4);
			vgfb_pattern_rgba(frame, (uint32_t)x, (uint32_t)y, want);
			if (channel(px, f->redShift, f->redMax) == want[0] &&
			    channel(px, f->greenShift, f->greenMax) == want[1] &&
			    channel(px, f->blueShift, f->blueMax) == want[2])
				continue;
			if (!bad++) {
				*bx = x;
				*by = y;
			}
		}
	}
	return bad;
}

/* w, h: the part compared (0: all of the screen) */
static int
check_pattern(rfbClient *c, const char *sock, uint64_t frame, int w, int h)
{
	long long deadline = tier_now_ms() + WAIT_MS;
	int bx = 0, by = 0;
	long bad;

	if (!w || !h) {
		w = c->width;
		h = c->height;
	}
	while ((bad = count_bad(c, frame, w, h, &bx, &by)) &&
	       tier_now_ms() < deadline) {
		if (!pump(c, 100)) {
			fprintf(stderr, "vnc-probe: %s hung up\n", sock);
			return 1;
		}
	}
	printf("VNC_PROBE pixels=%dx%d frame=%" PRIu64, c->width, c->height,
	       frame);
	if (w != c->width || h != c->height)
		printf(" compared=%dx%d", w < c->width ? w : c->width,
		       h < c->height ? h : c->height);
	printf(" bad=%ld", bad);
	if (bad)
		printf(" first=%d,%d", bx, by);
	printf("\n");
	return bad ? 1 : 0;
}

/* vgfb's scaling of a plane position onto the vkbd's range (xen.md). */
static uint32_t
expect_abs(uint32_t pos, uint32_t len)
{
	if (len <= 1)
		return 0;
	if (pos >= len - 1)
		return VKBD_RANGE;
	return (uint32_t)((uint64_t)pos * VKBD_RANGE / (len - 1));
}

/* at: a position asked for with --at, or {-1, -1} for (W/4, H/3) */
static int
send_input(rfbClient *c, const char *sock, const int at[2])
{
	long long deadline;
	int x = at[0] >= 0 ? at[0] : c->width / 4;
	int y = at[1] >= 0 ? at[1] : c->height / 3;

	if (x >= c->width || y >= c->height) {
		fprintf(stderr, "vnc-probe: --at %d,%d is outside the %dx%d screen\n",
			x, y, c->width, c->height);
		return 1;
	}
	if (!SendKeyEvent(c, 'a', TRUE) || !SendKeyEvent(c, 'a', FALSE) ||
	    !SendPointerEvent(c, x, y, 0) ||
	    !SendPointerEvent(c, x, y, rfbButton1Mask) ||
	    !SendPointerEvent(c, x, y, 0)) {
		fprintf(stderr, "vnc-probe: sending to %s failed\n", sock);
		return 1;
	}
	printf("VNC_PROBE input size=%dx%d pointer=%d,%d expect_abs=%u,%u\n",
	       c->width, c->height, x, y,
	       expect_abs((uint32_t)x, (uint32_t)c->width),
	       expect_abs((uint32_t)y, (uint32_t)c->height));
	deadline = tier_now_ms() + 1000;
	while (tier_now_ms() < deadline) {
		if (!pump(c, 100)) {
			fprintf(stderr, "vnc-probe: %s hung up\n", sock);
			return 1;
		}
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: vnc-probe [--pattern FRAME [--picture WxH]] "
		"[--input [--at X,Y]] SOCKET\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *sock = NULL;
	bool input = false, pattern = false;
	uint64_t frame = 0;
	int pic_w = 0, pic_h = 0, at[2] = { -1, -1 };
	long long deadline;
	rfbClient *c;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--input")) {
			input = true;
		} else if (!strcmp(argv[i], "--pattern") && i + 1 < argc) {
			frame = strtoull(argv[++i], &end, 10);
			if (*end || !*argv[i])
				usage();
			pattern = true;
		} else if (!strcmp(argv[i], "--picture") && i + 1 < argc) {
			if (sscanf(argv[++i], "%5dx%5d", &pic_w, &pic_h) != 2 ||
			    pic_w <= 0 || pic_h <= 0)
				usage();
		} else if (!strcmp(argv[i], "--at") && i + 1 < argc) {
			if (sscanf(argv[++i], "%5d,%5d", &at[0], &at[1]) != 2 ||
			    at[0] < 0 || at[1] < 0)
				usage();
		} else if (argv[i][0] != '-' && !sock) {
			sock = argv[i];
		} else {
			usage();
		}
	}
	if (!sock)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	c = rfbGetClient(8, 3, 4);
	if (!c) {
		fprintf(stderr, "vnc-probe: rfbGetClient failed\n");
		return 1;
	}
	free(c->serverHost);		/* rfbGetClient's "" */
	c->serverHost = strdup(sock);	/* a path: a UNIX socket */
	c->appData.encodingsString = "raw";
	c->canHandleNewFBSize = TRUE;	/* vgfb-vnc refuses viewers without */
	c->FinishedFrameBufferUpdate = on_update;
	/* rfbInitClient frees the client when it fails */
	if (!rfbInitClient(c, NULL, NULL)) {
		fprintf(stderr, "vnc-probe: cannot connect to %s\n", sock);
		return 1;
	}
	deadline = tier_now_ms() + WAIT_MS;
	while (!got_frame && tier_now_ms() < deadline) {
		if (!pump(c, 100)) {
			fprintf(stderr, "vnc-probe: %s hung up before the first "
				"framebuffer update\n", sock);
			goto out;
		}
	}
	if (!got_frame || c->width <= 0 || c->height <= 0) {
		fprintf(stderr, "vnc-probe: no framebuffer update from %s "
			"within %d s\n", sock, WAIT_MS / 1000);
		goto out;
	}
	/* both, whatever the first found: each has its own line */
	rc = pattern ? check_pattern(c, sock, frame, pic_w, pic_h) : 0;
	if (input)
		rc |= send_input(c, sock, at);
out:
	free(c->frameBuffer);
	c->frameBuffer = NULL;
	rfbClientCleanup(c);
	return rc;
}
