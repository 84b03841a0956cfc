/* SPDX-License-Identifier: MIT */
/*
 * The vgfb source protocol, version 1: how a device model (acrn-dm's
 * display sink, or any other) hands a guest's scanouts to vgfbd.
 * docs/source-protocol.md is the prose version of this header; the two
 * must agree.  It names no hypervisor type on purpose.
 *
 * This header is self-contained (only <stdint.h>) so that a device model
 * can copy it into its own tree; it is MIT-licensed for that reason.
 *
 * Transport: AF_UNIX SOCK_SEQPACKET, one message per packet, host byte
 * order.  vgfbd listens (default /run/vgfb/NAME/source, mode 0600) and
 * accepts one source at a time; the device model connects.  Every message
 * is a 12-byte header followed by exactly len payload bytes.  At most one
 * fd travels with a message (SCM_RIGHTS), and only on the messages that
 * say so.  Receivers use MSG_CMSG_CLOEXEC, senders MSG_NOSIGNAL.
 *
 * Direction: after vgfbd's WELCOME the traffic is one-way, source ->
 * vgfbd.  A source never waits for vgfbd: it sends with MSG_DONTWAIT and,
 * when the socket is full, keeps only the latest state of each scanout
 * and sends that once it can.  vgfbd answers a bad message with ERROR and
 * a hang-up; a hang-up is the only other thing it ever sends.
 *
 * Everything a source sends is treated as guest controlled: vgfbd checks
 * every field, the kind, size and seals of every fd, and refuses the
 * whole source on the first bad message (docs/source-protocol.md lists
 * the checks).  The parser is strict like vgfbd's consumer protocol:
 * reserved fields and padding are 0, sizes are exact.
 */
#ifndef VGFB_VGFB_SOURCE_H
#define VGFB_VGFB_SOURCE_H

#include <stdint.h>

#define VGFB_SRC_MAGIC 0x53464756u	/* "VGFS" in little-endian memory */
#define VGFB_SRC_VERSION 1
#define VGFB_SRC_HDR_SIZE 12u
/* No valid message is longer. */
#define VGFB_SRC_MAX_MSG 256u
/* Scanout ids are 0..VGFB_SRC_MAX_SCANOUTS-1 (and below HELLO's count). */
#define VGFB_SRC_MAX_SCANOUTS 16u
#define VGFB_SRC_NAME_LEN 32u

enum vgfb_src_msg_type {
	/* source -> vgfbd, first message of a connection and after a reboot */
	VGFB_SRC_HELLO = 1,
	/* vgfbd -> source, the reply to every accepted HELLO */
	VGFB_SRC_WELCOME = 2,
	/* vgfbd -> source, then hang-up */
	VGFB_SRC_ERROR = 3,
	/* source -> vgfbd, the rest */
	VGFB_SRC_SCANOUT_SET = 16,	/* 1 fd unless kind is DISABLE */
	VGFB_SRC_SCANOUT_UPDATE = 17,
	VGFB_SRC_CURSOR_DEFINE = 18,	/* 1 fd: the image */
	VGFB_SRC_CURSOR_MOVE = 19,
	VGFB_SRC_CURSOR_DISABLE = 20,
	VGFB_SRC_BYE = 21,
};

struct vgfb_src_hdr {
	uint32_t magic;		/* VGFB_SRC_MAGIC */
	uint16_t version;	/* VGFB_SRC_VERSION */
	uint16_t type;		/* enum vgfb_src_msg_type */
	uint32_t len;		/* payload bytes after this header */
};

/*
 * HELLO: who is speaking.  generation grows by one at each (re)start of
 * the guest's display (acrn-dm: each vdpy_init, i.e. each guest boot); a
 * HELLO on an open connection with a higher generation is a guest
 * reboot: every buffer of the old generation is forgotten, scanouts are
 * disabled until set again.  The geometry is what the device model told
 * the guest (display info / EDID), informational.
 */
struct vgfb_src_hello {
	uint32_t version;	/* == hdr.version */
	uint32_t n_scanouts;	/* 1..VGFB_SRC_MAX_SCANOUTS */
	uint64_t generation;	/* >= 1 */
	uint32_t pid;		/* the device model's, informational */
	uint32_t reserved;	/* 0 */
	char name[VGFB_SRC_NAME_LEN]; /* VM name: printable ASCII without
				       * spaces, NUL-terminated,
				       * zero-filled */
	struct {
		uint32_t width, height;	/* 0 when unknown */
	} geometry[VGFB_SRC_MAX_SCANOUTS]; /* entries >= n_scanouts are 0 */
};

struct vgfb_src_welcome {
	uint32_t version;	/* == hdr.version */
	uint32_t heads;		/* scanouts vgfbd serves: ids >= heads are
				 * accepted and ignored */
};

struct vgfb_src_error {
	/*
	 * negative errno: -EBADMSG/-EPROTO a bad message, -EPROTONOSUPPORT
	 * another version, -EBUSY another source is connected, -EACCES
	 * another user, -EINVAL a field or fd vgfbd refused (its log says
	 * which)
	 */
	int32_t error;
	uint32_t reserved;	/* 0 */
};

enum vgfb_src_buffer_kind {
	/* The scanout shows nothing; no fd. */
	VGFB_SRC_BUFFER_DISABLE = 0,
	/* fd is a dma-buf (acrn-dm: its udmabuf of a blob resource). */
	VGFB_SRC_BUFFER_DMABUF = 1,
	/*
	 * fd is a memfd sealed at least F_SEAL_GROW | F_SEAL_SHRINK |
	 * F_SEAL_SEAL (not F_SEAL_WRITE: udmabuf refuses write-sealed
	 * memfds).  The source writes pixels into it and announces them
	 * with SCANOUT_UPDATE.
	 */
	VGFB_SRC_BUFFER_MEMFD = 2,
};

/*
 * SCANOUT_SET: scanout shows a new buffer (or nothing).  serial names the
 * buffer for its whole life: a source never reuses a serial within a
 * connection, and sends a new serial for a new fd.  The plane starts at
 * byte offset of the fd; offset + stride * height, rounded up to a page
 * (4096), must fit in the fd (vgfbd measures the fd itself).  A MEMFD
 * offset is a multiple of 4096 (the kernel's exporters take whole pages);
 * a DMABUF offset may be anything, but only offset 0 can be passed on as
 * a dma-buf (docs/source-protocol.md).  A SET replaces the scanout's
 * previous buffer; vgfbd drops its reference to it.
 */
struct vgfb_src_scanout_set {
	uint32_t scanout;
	uint32_t kind;		/* enum vgfb_src_buffer_kind */
	uint32_t drm_format;	/* DRM fourcc; 0 for DISABLE */
	uint32_t width, height;	/* 0 for DISABLE */
	uint32_t stride;	/* bytes per line; 0 for DISABLE */
	uint64_t offset;	/* byte offset of the first pixel; 0 for DISABLE */
	uint64_t modifier;	/* DRM_FORMAT_MOD_LINEAR (0) in version 1 */
	uint64_t serial;	/* never 0; 0 for DISABLE */
};

/* SCANOUT_UPDATE: new pixels on scanout's current buffer. */
#define VGFB_SRC_UPDATE_FLIP (1u << 0)	/* offset names another image in
					 * the same memfd (double buffering),
					 * a multiple of 4096; MEMFD only */
struct vgfb_src_scanout_update {
	uint32_t scanout;
	uint32_t flags;		/* VGFB_SRC_UPDATE_* */
	uint64_t serial;	/* the current buffer's; stale serials are
				 * ignored, not errors (a SET overtook it) */
	uint64_t offset;	/* FLIP: the image's new byte offset, else 0 */
	/*
	 * damage inside the plane; width == 0 means the whole plane (and
	 * x, y, height are 0 then); otherwise height != 0
	 */
	uint32_t x, y, width, height;
};

/*
 * CURSOR_DEFINE: a new cursor image, visible at x, y (the image's top
 * left corner on the scanout, may be negative: the VFIO record has no
 * sign, so vgfbd reports a negative coordinate as 0).  fd is a memfd sealed
 * F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL holding
 * the image from offset 0: at least stride * height bytes, rounded up to
 * a page (4096), as for every plane.
 */
struct vgfb_src_cursor_define {
	uint32_t scanout;
	uint32_t drm_format;	/* ARGB8888 in version 1 */
	uint32_t width, height;	/* 1..256 */
	uint32_t stride;
	uint32_t hot_x, hot_y;	/* inside the image */
	int32_t x, y;
	uint32_t reserved;	/* 0 */
	uint64_t serial;	/* never 0, never reused */
};

struct vgfb_src_cursor_move {
	uint32_t scanout;
	int32_t x, y;
	uint32_t reserved;	/* 0 */
};

struct vgfb_src_cursor_disable {
	uint32_t scanout;
	uint32_t reserved;	/* 0 */
};

enum vgfb_src_bye_reason {
	VGFB_SRC_BYE_REBOOT = 1, /* a HELLO with generation + 1 follows */
	VGFB_SRC_BYE_EXIT = 2,	 /* the guest is gone */
};

struct vgfb_src_bye {
	uint32_t reason;	/* enum vgfb_src_bye_reason */
	uint32_t reserved;	/* 0 */
};

#endif
