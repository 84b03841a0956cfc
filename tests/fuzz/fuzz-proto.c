/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the wire protocol parser, both directions.
 *
 * Input byte 0 picks the direction (even: to the server, as the daemon
 * parses every client packet; odd: to the client); the rest is one packet.
 * Besides "never crashes, never reads out of bounds" (ASan/UBSan), it
 * checks the parser's contract: whatever is accepted re-encodes to the very
 * same bytes, and a message that is accepted has a sane shape.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum vgfb_proto_dir dir;
	unsigned char out[VGFB_PROTO_MAX_MSG];
	struct vgfb_msg_hdr hdr;
	struct vgfb_msg m;
	int rc, n;

	if (size < 1)
		return 0;
	dir = (data[0] & 1) ? VGFB_PROTO_TO_CLIENT : VGFB_PROTO_TO_SERVER;
	data++;
	size--;

	rc = vgfb__proto_parse(data, size, dir, &m);
	if (rc)
		return 0;
	n = vgfb__proto_encode(&m, dir, out, sizeof(out));
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		abort();	/* accepted something non-canonical */
	if (m.type == VGFB_MSG_EVENT &&
	    (m.events.n < 1 || m.events.n > VGFB_PROTO_MAX_EVENTS))
		abort();
	if (m.type == VGFB_MSG_INPUT && dir == VGFB_PROTO_TO_SERVER &&
	    (m.input.n < 1 || m.input.n > VGFB_INPUT_MAX_EVENTS))
		abort();
	/* every type travels with the revision that introduced it */
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.version != vgfb__proto_type_version(m.type))
		abort();
	(void)vgfb__proto_type_name(m.type);
	(void)vgfb__proto_fd_count(m.type, dir);
	return 0;
}
