/* SPDX-License-Identifier: MIT */
/*
 * A strict reader of what a viewer sends (RFC 6143, client to server),
 * fed every byte before neatvnc sees it.  neatvnc 0.5.4 mishandles some
 * well-formed refusals (a refused security type leaves the connection
 * hanging, with a malformed reply) and drops clients from inside its
 * parser in ways later releases had to fix; so vgfb-vnc ends such a
 * connection itself, through a read error, neatvnc's one clean path.
 * Refused: another version than 3.8, a security type other than None
 * (the only one offered), unknown messages, colour maps and impossible
 * pixel formats, more than 32 encodings, clipboard text over 64 KiB,
 * QEMU messages other than key events, QEMU key codes of 254 and up
 * (neatvnc 0.5 reads them past its table), and update requests from a
 * viewer that has not announced DesktopSize.
 */
#ifndef VGFB_VNC_RFB_GUARD_H
#define VGFB_VNC_RFB_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* neatvnc 0.5 keeps only 32 encodings and misreads the rest as messages */
#define RFB_GUARD_MAX_ENCODINGS 32
/* vgfb-vnc has no clipboard; neatvnc would buffer up to 10 MB per viewer */
#define RFB_GUARD_MAX_CUT_TEXT 65536
/* neatvnc 0.5's code_map_qnum_to_linux has 254 entries, read unchecked */
#define RFB_GUARD_QEMU_KEYCODES 254u

enum rfb_guard_phase {
	RFB_GUARD_VERSION,	/* "RFB 003.008\n" */
	RFB_GUARD_SECURITY,	/* one byte: 1 (None), the only type offered */
	RFB_GUARD_INIT,		/* ClientInit: one byte */
	RFB_GUARD_MESSAGES,
	RFB_GUARD_BAD,		/* refused: nothing more is read */
};

struct rfb_guard {
	enum rfb_guard_phase phase;
	uint8_t hdr[20];	/* the message (or version) read so far */
	size_t have, need;	/* bytes in hdr, bytes the header has */
	uint64_t skip;		/* payload bytes still to pass */
	bool desktop_size;	/* the viewer announced DesktopSize */
	const char *why;	/* RFB_GUARD_BAD: the reason */
};

void rfb_guard_init(struct rfb_guard *g);

/* Take n more bytes; false (and phase BAD, why set) on a violation. */
bool rfb_guard_feed(struct rfb_guard *g, const uint8_t *p, size_t n);

#endif
