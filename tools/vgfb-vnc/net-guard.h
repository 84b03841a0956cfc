/* SPDX-License-Identifier: MIT */
/*
 * What neatvnc 0.5 does not bound or count on its sockets: the number of
 * connections, the bytes sent to viewers, and the listening address.
 */
#ifndef VGFB_VNC_NET_GUARD_H
#define VGFB_VNC_NET_GUARD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* At most this many viewer connections at once (handshaking ones too). */
#define VNC_MAX_CONNECTIONS 16
/*
 * At the limit, a connection that has not finished the RFB handshake
 * after this long is shut down to make room for a new one.
 */
#define VNC_HANDSHAKE_SECONDS 10

/* Called after every write to a viewer's socket that sent bytes. */
typedef void (*vnc_net_sent_fn)(uint64_t bytes, void *data);

void vnc_net_set_sent_fn(vnc_net_sent_fn fn, void *data);

/* Total bytes written to viewers, and connections refused at the limit. */
uint64_t vnc_net_bytes_sent(void);
unsigned int vnc_net_refused(void);

/*
 * The address the last listen() bound (the real port when 0 was asked
 * for): 0, or -ENOTCONN before any listen().
 */
int vnc_net_listen_address(struct sockaddr_storage *ss, socklen_t *len);

#endif
