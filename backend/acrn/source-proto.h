/* SPDX-License-Identifier: MIT */
/*
 * The source protocol (include/vgfb/vgfb-source.h) as vgfbd parses it:
 * a strict parser and encoder, pure (no fds, no state), so it can be
 * fuzzed and tested on its own.  docs/source-protocol.md is the prose.
 *
 * The parser checks the shape of a message: sizes, reserved fields,
 * ranges that need no context.  What needs context (is the scanout below
 * HELLO's count, is the format known, does the plane fit its fd) is the
 * platform's and the core validation policy's (backend/core/validate.c).
 */
#ifndef VGFB_SOURCE_PROTO_H
#define VGFB_SOURCE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vgfb/vgfb-source.h>

/* Geometry and plane sizes no message may exceed. */
#define VGFB_SRC_MAX_DIMENSION 16384u
#define VGFB_SRC_MAX_CURSOR 256u
#define VGFB_SRC_PAGE 4096u

enum vgfb_src_dir {
	VGFB_SRC_TO_VGFBD = 1,	/* HELLO, SCANOUT_*, CURSOR_*, BYE */
	VGFB_SRC_TO_SOURCE = 2,	/* WELCOME, ERROR */
};

struct vgfb_src_msg {
	uint16_t type;		/* enum vgfb_src_msg_type */
	union {
		struct vgfb_src_hello hello;
		struct vgfb_src_welcome welcome;
		struct vgfb_src_error error;
		struct vgfb_src_scanout_set set;
		struct vgfb_src_scanout_update update;
		struct vgfb_src_cursor_define cursor;
		struct vgfb_src_cursor_move move;
		struct vgfb_src_cursor_disable cursor_disable;
		struct vgfb_src_bye bye;
	};
};

/*
 * Parse one packet of n bytes travelling in direction dir.
 * @return 0, or:
 *   -EPROTO            header too short, bad magic, len != n - header,
 *                      longer than VGFB_SRC_MAX_MSG
 *   -EPROTONOSUPPORT   another protocol version
 *   -EBADMSG           unknown type for this direction, wrong payload
 *                      size, a field out of range, a reserved field set
 * out is undefined on failure.
 */
int vgfb__src_parse(const void *buf, size_t n, enum vgfb_src_dir dir,
		    struct vgfb_src_msg *out);

/*
 * Encode a valid message (VGFB_SRC_MAX_MSG bytes are always enough):
 * encode(parse(x)) == x.  @return bytes written, -EBADMSG, -ENOSPC.
 */
int vgfb__src_encode(const struct vgfb_src_msg *msg, enum vgfb_src_dir dir,
		     void *buf, size_t cap);

/* The fds a valid parsed message carries: 0 or 1 (SET depends on kind). */
unsigned int vgfb__src_fd_count(const struct vgfb_src_msg *msg);

/* "SCANOUT_SET" etc., "?" when unknown: for logs. */
const char *vgfb__src_type_name(uint16_t type);

#endif
