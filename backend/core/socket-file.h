/* SPDX-License-Identifier: MIT */
/*
 * A listening SOCK_SEQPACKET socket file, as vgfbd (consumers) and the
 * acrn platform (a device model) each keep one under /run/vgfb/NAME/:
 * instance names, taking over the stale file of a dead process but never
 * a live one's, and removing only the file that is still ours.
 */
#ifndef VGFB_SOCKET_FILE_H
#define VGFB_SOCKET_FILE_H

#include <stdbool.h>
#include <sys/types.h>

/* An instance name: [A-Za-z0-9_.-], 1..64 bytes, not starting with '.'. */
bool vgfb__instance_name_ok(const char *name);

struct vgfb_socket_file {
	int fd;			/* listening, O_NONBLOCK | O_CLOEXEC; -1 */
	bool bound;		/* the file at path is ours */
	dev_t dev;
	ino_t ino;
};

/*
 * Listen on path with the file's mode set before listen(), so nobody
 * connects through a wider mode (and the process umask is left alone).
 * Missing parent directories are made (0755).  A socket file nobody
 * listens on is replaced (*replaced set); a live one is -EADDRINUSE.
 * On failure nothing is left behind and sf->fd is -1.
 */
int vgfb__socket_file_listen(struct vgfb_socket_file *sf, const char *path,
			     mode_t mode, int backlog, bool *replaced);

/*
 * Is somebody listening on the SOCK_SEQPACKET socket file at path?  True
 * also when it cannot tell (path too long, no socket to ask with), so a
 * caller that removes dead ones never removes a live one.
 */
bool vgfb__socket_file_alive(const char *path);

/* Close the socket and remove path if the file there is still ours. */
void vgfb__socket_file_close(struct vgfb_socket_file *sf, const char *path);

#endif
