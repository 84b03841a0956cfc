/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vgfb.ko user API: /dev/vgfb turns page arrays into dma-bufs.
 *
 * Every ioctl takes one fixed-width structure, read in and written back
 * (_IOWR).  Unknown flag bits and non-zero reserved fields are rejected
 * with -EINVAL so that they can be given a meaning later; new behaviour
 * gets a new ioctl number.  User pointers travel as __u64.  Every dma-buf
 * file descriptor returned is new, O_CLOEXEC, and owned by the caller.
 *
 * See docs/kernel-module.md for the limits and error codes.
 */
#ifndef _UAPI_VGFB_KMOD_H
#define _UAPI_VGFB_KMOD_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* Not listed in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define VGFB_IOC_MAGIC		0xBD

#define VGFB_KMOD_VERSION_MAJOR	1
#define VGFB_KMOD_VERSION_MINOR	2

/* Bits of vgfb_version.features: which create ioctls do real work. */
#define VGFB_FEATURE_USER	_BITULL(0)
#define VGFB_FEATURE_XEN_FOREIGN	_BITULL(1)
#define VGFB_FEATURE_XEN_GRANTS	_BITULL(2)

/**
 * struct vgfb_version - VGFB_IOC_VERSION
 * @flags:		in: must be 0
 * @major:		out: VGFB_KMOD_VERSION_MAJOR of the running module
 * @minor:		out: VGFB_KMOD_VERSION_MINOR of the running module
 * @max_pages:		out: pages per buffer (module parameter)
 * @max_buffers:	out: live buffers per open file (module parameter)
 * @pad:		out: 0
 * @max_total_pages:	out: pages pinned by all buffers (module parameter)
 * @features:		out: VGFB_FEATURE_* bits
 * @pages_in_use:	out: pages held by all live buffers right now
 * @buffers_in_use:	out: live buffers right now, all openers together
 * @reserved:		in: must be 0
 */
struct vgfb_version {
	__u32 flags;
	__u32 major;
	__u32 minor;
	__u32 max_pages;
	__u32 max_buffers;
	__u32 pad;
	__u64 max_total_pages;
	__u64 features;
	__u64 pages_in_use;
	__u64 buffers_in_use;
	__u64 reserved[2];
};

/* The buffer may only be read: by mmap, and pinned without FOLL_WRITE. */
#define VGFB_CREATE_READONLY	0x00000001U
/* CREATE_XEN_FOREIGN only: the frames are machine frames (a PV guest's). */
#define VGFB_CREATE_XEN_MACHINE_FRAMES	0x00000002U

/**
 * struct vgfb_create_user - VGFB_IOC_CREATE_USER
 * @addr:	in: page-aligned start of a range in the caller's address space
 * @size:	in: page-aligned length in bytes, not 0
 * @flags:	in: VGFB_CREATE_* bits
 * @fd:		out: the new dma-buf
 * @reserved:	in: must be 0
 *
 * The range must be mapped, entirely, by anonymous memory, shmem (memfd,
 * tmpfs, MAP_SHARED|MAP_ANONYMOUS) or hugetlbfs; I/O and PFN mappings and
 * other files are refused.  The pages are pinned long-term: the dma-buf
 * keeps them alive after the range is unmapped or the caller exits.
 */
struct vgfb_create_user {
	__u64 addr;
	__u64 size;
	__u32 flags;
	__s32 fd;
	__u64 reserved[2];
};

/**
 * struct vgfb_create_xen_foreign - VGFB_IOC_CREATE_XEN_FOREIGN (since 1.2)
 * @frames:	in: pointer to @count __u64 frame numbers: GFNs, or MFNs
 *		with VGFB_CREATE_XEN_MACHINE_FRAMES (a PV guest's frames)
 * @count:	in: number of frames, page i of the buffer is @frames[i]
 * @domid:	in: the domain that owns the frames, below 0x7FF0
 * @flags:	in: VGFB_CREATE_READONLY, VGFB_CREATE_XEN_MACHINE_FRAMES
 * @fd:		out: the new dma-buf
 * @reserved:	in: must be 0
 *
 * Implemented in an x86 PV domain (VGFB_FEATURE_XEN_FOREIGN), where the
 * buffer can only be mmap()ed: Xen writes each PTE on behalf of @domid, as
 * for privcmd's foreign mappings.  No struct page can stand in front of a
 * foreign frame there, so importers (attach) and vmap get -EOPNOTSUPP.
 * Ownership is checked by Xen at mmap time.  -EOPNOTSUPP elsewhere under
 * Xen, -ENODEV off Xen.  See docs/kernel-module.md.
 */
struct vgfb_create_xen_foreign {
	__u64 frames;
	__u32 count;
	__u32 domid;
	__u32 flags;
	__s32 fd;
	__u64 reserved[2];
};

/**
 * struct vgfb_create_xen_grants - VGFB_IOC_CREATE_XEN_GRANTS (since 1.1)
 * @refs:	in: pointer to @count __u32 grant references
 * @count:	in: number of references, page i of the buffer is @refs[i]
 * @domid:	in: the granting domain, below DOMID_FIRST_RESERVED (0x7FF0)
 * @flags:	in: VGFB_CREATE_* bits (READONLY maps with GNTMAP_readonly)
 * @fd:		out: the new dma-buf
 * @reserved:	in: must be 0
 *
 * vgfb.ko maps the grants itself and the dma-buf keeps the mapping until
 * its release, whatever happens to the granting domain.  -ENODEV off Xen.
 * In an x86 PV domain the buffer has no vmap (-EOPNOTSUPP) and its mmap
 * cannot be mprotect()ed (-EACCES); see docs/kernel-module.md.
 */
struct vgfb_create_xen_grants {
	__u64 refs;
	__u32 count;
	__u32 domid;
	__u32 flags;
	__s32 fd;
	__u64 reserved[2];
};

#define VGFB_IOC_VERSION \
	_IOWR(VGFB_IOC_MAGIC, 0x00, struct vgfb_version)
#define VGFB_IOC_CREATE_USER \
	_IOWR(VGFB_IOC_MAGIC, 0x01, struct vgfb_create_user)
#define VGFB_IOC_CREATE_XEN_FOREIGN \
	_IOWR(VGFB_IOC_MAGIC, 0x02, struct vgfb_create_xen_foreign)
#define VGFB_IOC_CREATE_XEN_GRANTS \
	_IOWR(VGFB_IOC_MAGIC, 0x03, struct vgfb_create_xen_grants)

#endif /* _UAPI_VGFB_KMOD_H */
