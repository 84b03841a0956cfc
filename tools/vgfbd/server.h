/* SPDX-License-Identifier: MIT */
/* vgfbd: the plane server.  main.c parses options; server.c serves. */
#ifndef VGFBD_SERVER_H
#define VGFBD_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct vgfbd_options {
	const char *target;		/* vgfb_open() target, e.g. "sim" */
	const char *socket_path;	/* activated: where listen_fd is bound */
	/*
	 * Socket activation (activation.h): serve listen_fd, a listening
	 * socket the service manager owns, instead of binding socket_path;
	 * vgfbd then never unlinks or chmods it.
	 */
	bool activated;
	int listen_fd;
	mode_t socket_mode;		/* chmod of the socket */
	unsigned int max_clients;
	unsigned int max_clients_per_uid; /* 0: three quarters of max_clients */
	unsigned int queue_len;		/* per-client event queue capacity */
	unsigned int stall_timeout_ms;	/* drop a client this long unwritable; 0 never */
	unsigned int sim_flip_ms;	/* flip every sim head every N ms; 0 off */
	bool sim_control;		/* accept VGFB_MSG_SIM_CONTROL */
	bool no_input;			/* refuse VGFB_MSG_INPUT (-EPERM) */
	int client_sndbuf;		/* SO_SNDBUF for clients (tests); 0 default */
	int verbose;			/* 0 errors, 1 info, 2 debug */
};

struct vgfbd;

/*
 * Open the target, bind and listen (or take the activated listen_fd).
 * The socket exists when this returns 0; a stale socket (nobody
 * listening) is replaced, a live one is -EADDRINUSE.  listen_fd is owned
 * by the daemon from this call on, also on failure.
 */
int vgfbd_new(const struct vgfbd_options *opts, struct vgfbd **out);

/* Serve until SIGTERM/SIGINT (blocked by the caller).  0 or -errno. */
int vgfbd_run(struct vgfbd *d);

/* Close every client, unlink the socket, close the target.  NULL-safe. */
void vgfbd_free(struct vgfbd *d);

/*
 * For tests and fuzzing: serve fd, a connected SOCK_SEQPACKET socket, as a
 * client (it gets HELLO).  Takes fd, also on failure.
 */
int vgfbd_add_client(struct vgfbd *d, int fd);

/*
 * One turn of the loop: wait up to timeout_ms (-1: forever) and handle
 * what is ready.  @return the number of ready sources handled (0: none
 * within the timeout), or -errno.
 */
int vgfbd_dispatch(struct vgfbd *d, int timeout_ms);

#endif
