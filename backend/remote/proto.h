/* SPDX-License-Identifier: MIT */
/*
 * The vgfbd wire protocol, shared by the daemon (tools/vgfbd) and the
 * client side of libvgfb (backend/client.c).  docs/protocol.md is the prose
 * version of this header; the two must agree.
 *
 * Transport: AF_UNIX SOCK_SEQPACKET, so one message is one packet.  Every
 * message is a 12-byte header followed by exactly hdr.len payload bytes, in
 * host byte order (the socket never leaves the machine).  fds travel as
 * SCM_RIGHTS on the packet that needs them, and only the server sends any.
 *
 * The parser is strict: a message is accepted only when re-encoding what was
 * parsed gives back the very same bytes (no unknown bits, non-zero reserved
 * fields, padding or trailing bytes).  Anything else is a protocol error, and
 * the daemon drops a client that commits one.
 */
#ifndef VGFB_PROTO_H
#define VGFB_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/vfio.h>
#include <vgfb/vgfb.h>

#define VGFB_PROTO_MAGIC 0x42464756u	/* "VGFB" in little-endian memory */
/*
 * Revisions.  Every message type is sent with, in its header's version,
 * the revision that introduced it (vgfb__proto_type_version): revision 1
 * types always with 1, so that a revision 1 peer sees the very bytes it
 * always saw, and revision 2 types with 2.  A client learns that the
 * daemon speaks revision 2 through VERSION (docs/protocol.md).
 */
#define VGFB_PROTO_VERSION 1	/* revision 1; also HELLO's version */
#define VGFB_PROTO_REVISION 2	/* the newest revision this build speaks */
#define VGFB_PROTO_HDR_SIZE 12u
/* No valid message is longer; a longer packet is a protocol error. */
#define VGFB_PROTO_MAX_MSG 1024u
/* The most fds a valid message carries. */
#define VGFB_PROTO_MAX_FDS 1u
/* The most events one EVENT message carries. */
#define VGFB_PROTO_MAX_EVENTS 16u
/* Heads a message may name; the daemon also checks its real head count. */
#define VGFB_PROTO_MAX_HEADS 16u
#define VGFB_PROTO_NAME_LEN 16u

enum vgfb_msg_type {
	/* server -> client, once, as the first message after accept() */
	VGFB_MSG_HELLO = 1,
	/* request and reply of the same type (or ERROR) */
	VGFB_MSG_HEAD_COUNT = 2,
	VGFB_MSG_QUERY = 3,
	VGFB_MSG_GET_DMABUF = 4,	/* reply carries one fd */
	VGFB_MSG_GET_REGION = 5,	/* reply carries one fd */
	VGFB_MSG_SUBSCRIBE = 6,
	/* server -> client, unsolicited, at any time after SUBSCRIBE's reply */
	VGFB_MSG_EVENT = 7,
	/* server -> client: a request failed, or the client is being dropped */
	VGFB_MSG_ERROR = 8,
	/* test and demo only: accepted only by a daemon run with --sim-control */
	VGFB_MSG_SIM_CONTROL = 0x100,

	/* ---- revision 2: a client sends these only after VERSION ---- */
	/* request and reply: the first request of a revision 2 client */
	VGFB_MSG_VERSION = 9,
	/* input to the guest: request and reply (or ERROR) */
	VGFB_MSG_INPUT = 10,
	/* test only (--sim-control): the sim guest's oldest input event */
	VGFB_MSG_SIM_READ_INPUT = 0x101,
};

enum vgfb_proto_dir {
	VGFB_PROTO_TO_SERVER = 1,	/* requests */
	VGFB_PROTO_TO_CLIENT = 2,	/* HELLO, replies, EVENT, ERROR */
};

struct vgfb_msg_hdr {
	uint32_t magic;		/* VGFB_PROTO_MAGIC */
	uint16_t version;	/* VGFB_PROTO_VERSION */
	uint16_t type;		/* enum vgfb_msg_type */
	uint32_t len;		/* payload bytes after this header */
};

/* HELLO.caps */
#define VGFB_CAP_DMABUF (1u << 0)	/* PROBE|DMABUF answers 0 */
#define VGFB_CAP_REGION (1u << 1)	/* PROBE|REGION answers 0 */
#define VGFB_CAP_SIM_CONTROL (1u << 2)	/* SIM_CONTROL is accepted */
#define VGFB_CAP_ALL 0x7u

struct vgfb_wire_hello {
	uint32_t version;	/* == hdr.version */
	uint32_t head_count;	/* 1..VGFB_PROTO_MAX_HEADS */
	uint32_t caps;		/* VGFB_CAP_* */
	uint32_t max_msg;	/* VGFB_PROTO_MAX_MSG */
	char backend[VGFB_PROTO_NAME_LEN];  /* NUL-terminated, zero-filled */
	char exporter[VGFB_PROTO_NAME_LEN]; /* NUL-terminated, zero-filled */
};

/* HEAD_COUNT reply, SUBSCRIBE request and reply, GET_* request and reply */
struct vgfb_wire_u32 {
	uint32_t value;
	uint32_t reserved;	/* 0 */
};

struct vgfb_wire_query_req {
	uint32_t head;
	uint32_t want_ext;	/* 0 or 1 */
	/*
	 * argsz == sizeof; flags one of DMABUF, REGION, PROBE|DMABUF,
	 * PROBE|REGION; drm_plane_type PRIMARY or CURSOR (0 for a probe);
	 * every output field 0.
	 */
	struct vfio_device_gfx_plane_info info;
};

struct vgfb_wire_query_reply {
	uint32_t head;
	uint32_t has_ext;	/* 0 or 1; ext is all zero when 0 */
	struct vfio_device_gfx_plane_info info;
	struct vgfb_plane_ext ext;
};

/* VERSION.caps (the reply's) */
#define VGFB_CAP2_INPUT (1u << 0)	/* INPUT is accepted */
#define VGFB_CAP2_ALL 0x1u

/*
 * VERSION: request {the newest revision the client speaks (>= 2), 0};
 * reply {the revision both speak from now on, VGFB_CAP2_*}.
 */
struct vgfb_wire_version {
	uint32_t version;
	uint32_t caps;		/* request: 0 */
};

/* INPUT request: 8 bytes, then n (1..16) events of 24 bytes */
struct vgfb_wire_input {
	uint32_t head;		/* < VGFB_PROTO_MAX_HEADS */
	uint32_t reserved;	/* 0 */
	struct vgfb_input_event ev[VGFB_INPUT_MAX_EVENTS];
};

/* SIM_READ_INPUT reply */
struct vgfb_wire_sim_input {
	uint32_t head;		/* the head the event was sent to */
	uint32_t reserved;	/* 0 */
	struct vgfb_input_event ev;
};

struct vgfb_wire_error {
	uint16_t request_type;	/* the request that failed, 0: none */
	uint16_t reserved;	/* 0 */
	int32_t error;		/* negative errno, -4095..-1 */
};

enum vgfb_sim_op {
	VGFB_SIM_SET_MODE = 1,	/* arg: width, height, drm_format, 0 */
	VGFB_SIM_FLIP = 2,	/* arg: 0, 0, 0, 0 */
	VGFB_SIM_UPDATE = 3,	/* arg: x, y, width, height */
	VGFB_SIM_SET_CURSOR = 4, /* arg: visible (0/1), x, y, 0 */
	VGFB_SIM_DESTROY_GUEST = 5, /* head 0, arg: 0, 0, 0, 0 */
};

struct vgfb_wire_sim {
	uint32_t op;		/* enum vgfb_sim_op */
	uint32_t head;
	uint32_t arg[4];	/* unused args are 0 */
};

/* A parsed message: the payload for hdr.type. */
struct vgfb_msg {
	uint16_t type;
	union {
		struct vgfb_wire_hello hello;
		struct vgfb_wire_u32 u32;
		struct vgfb_wire_query_req query_req;
		struct vgfb_wire_query_reply query_reply;
		struct vgfb_wire_error error;
		struct vgfb_wire_sim sim;
		struct {
			uint32_t n;	/* 1..VGFB_PROTO_MAX_EVENTS */
			struct vgfb_event ev[VGFB_PROTO_MAX_EVENTS];
		} events;
		struct vgfb_wire_version version;
		struct {
			struct vgfb_wire_input w;
			uint32_t n;	/* 1..VGFB_INPUT_MAX_EVENTS in w.ev */
		} input;
		struct vgfb_wire_sim_input sim_input;
	};
};

/*
 * Parse one received packet of n bytes, travelling in direction dir.
 * @return 0, or:
 *   -EPROTO            header too short, bad magic, len != n - header
 *   -EPROTONOSUPPORT   a version no revision up to VGFB_PROTO_REVISION has
 *   -EBADMSG           unknown type for this direction, a type sent with
 *                      another version than the one that introduced it,
 *                      wrong payload size, a field out of range or a
 *                      reserved bit set
 * out is undefined on failure.
 */
int vgfb__proto_parse(const void *buf, size_t n, enum vgfb_proto_dir dir,
		      struct vgfb_msg *out);

/*
 * Encode msg for direction dir into buf (cap bytes, VGFB_PROTO_MAX_MSG is
 * always enough).  Only valid messages are encoded: encode(parse(x)) == x.
 * @return the number of bytes, or -EBADMSG (msg invalid), -ENOSPC.
 */
int vgfb__proto_encode(const struct vgfb_msg *msg, enum vgfb_proto_dir dir,
		       void *buf, size_t cap);

/* The revision that introduced a type (its header's version), 0: unknown. */
uint16_t vgfb__proto_type_version(uint16_t type);

/* How many fds a valid message of this type and direction carries. */
unsigned int vgfb__proto_fd_count(uint16_t type, enum vgfb_proto_dir dir);

/* A short name for logs ("QUERY"); "?" for unknown types. */
const char *vgfb__proto_type_name(uint16_t type);

/*
 * Send one packet, with fd attached as SCM_RIGHTS unless fd < 0.  Never
 * raises SIGPIPE.  flags: MSG_DONTWAIT or 0.
 * @return 0, or -EAGAIN (would block), -EPIPE, another -errno.
 */
int vgfb__proto_send(int sock, const void *buf, size_t len, int fd,
		     int flags);

/* Room for the fds one packet may carry, aligned for a cmsghdr. */
#define VGFB_PROTO_PACK_MAX_FDS 64
union vgfb_proto_fd_ctl {
	char buf[CMSG_SPACE(sizeof(int) * VGFB_PROTO_PACK_MAX_FDS)];
	struct cmsghdr align;
};

/*
 * Attach fds[0..n-1] (n <= VGFB_PROTO_PACK_MAX_FDS) to mh as one
 * SCM_RIGHTS message kept in ctl; n == 0 attaches nothing.  The one
 * place fds are packed (vgfb__proto_send, and tests that send raw
 * packets).
 */
void vgfb__proto_pack_fds(struct msghdr *mh, union vgfb_proto_fd_ctl *ctl,
			  const int *fds, unsigned int n);

/*
 * Receive one packet into buf (cap >= VGFB_PROTO_MAX_MSG), with at most
 * max_fds fds (O_CLOEXEC) stored in fds[] and counted in *n_fds.
 * flags: MSG_DONTWAIT or 0.
 * @return the packet length (> 0), or:
 *   0            end of stream (peer gone; also an empty packet)
 *   -EAGAIN      nothing to read (MSG_DONTWAIT)
 *   -EMSGSIZE    the packet was longer than cap
 *   -ETOOMANYREFS more fds than max_fds, or the kernel truncated them
 *                (MSG_CTRUNC)
 *   -EBADMSG     control data other than SCM_RIGHTS
 *   another -errno from recvmsg
 * On every return <= 0 no fd is stored: all that arrived were closed.
 */
int vgfb__proto_recv(int sock, void *buf, size_t cap, int *fds,
		     unsigned int max_fds, unsigned int *n_fds, int flags);

/* Close fds[0..n-1] and set them to -1. */
void vgfb__proto_close_fds(int *fds, unsigned int n);

#endif
