/* SPDX-License-Identifier: MIT */
/* --listen: where vgfb-vnc accepts viewers, and whether that is local. */
#ifndef VGFB_VNC_LISTEN_H
#define VGFB_VNC_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VNC_DEFAULT_LISTEN "127.0.0.1:5900"

struct vnc_listen {
	bool is_unix;
	char path[108];		/* is_unix: the socket's path */
	char host[64];		/* else: a numeric IPv4 or IPv6 address */
	uint16_t port;		/* 0: any free port */
	bool is_loopback;	/* a UNIX socket, 127.0.0.0/8 or ::1 */
};

/*
 * Parse "unix:PATH", "ADDR:PORT" or "[ADDR6]:PORT" with a numeric address
 * ("localhost" is taken as 127.0.0.1: a name could resolve elsewhere).
 * 0, or -EINVAL with the reason in why.
 */
int vnc_listen_parse(const char *spec, struct vnc_listen *out, char *why,
		     size_t why_len);

#endif
