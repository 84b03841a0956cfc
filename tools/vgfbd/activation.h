/* SPDX-License-Identifier: MIT */
/*
 * Socket activation: the listening socket a service manager (systemd's
 * vgfbd@.socket, or systemd-socket-activate) passed in, by the
 * LISTEN_PID/LISTEN_FDS protocol of sd_listen_fds(3), implemented here so
 * that vgfbd does not need libsystemd.
 */
#ifndef VGFBD_ACTIVATION_H
#define VGFBD_ACTIVATION_H

#include <stddef.h>

/* The first passed fd (SD_LISTEN_FDS_START). */
#define VGFBD_LISTEN_FDS_START 3

/*
 * The passed listening socket, if any.  LISTEN_PID, LISTEN_FDS and
 * LISTEN_FDNAMES are removed from the environment either way, so that
 * nothing vgfbd starts inherits them.
 *
 * @return 0 and *fd = -1 when nothing was passed (LISTEN_PID unset or
 *   naming another process); 0 and *fd = 3 for one AF_UNIX SOCK_SEQPACKET
 *   socket in the listening state, made non-blocking and close-on-exec;
 *   -EINVAL with a reason in why (e.g. two fds, a stream socket, a socket
 *   nobody listens on, a malformed variable).
 */
int vgfbd_activated_socket(int *fd, char *why, size_t why_len);

#endif
