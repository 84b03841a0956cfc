/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vgfb.ko internals shared by vgfb_main.c (device, limits, ioctl dispatch)
 * and vgfb_dmabuf.c (page arrays and their dma-buf).
 */
#ifndef VGFB_DRV_H
#define VGFB_DRV_H

#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/kref.h>
#include <linux/types.h>

#include "uapi/vgfb_kmod.h"

/* Limits: module parameters, read-only once the module is loaded. */
extern unsigned int vgfb_max_pages;
extern unsigned int vgfb_max_buffers;
extern unsigned long vgfb_max_total_pages;

/* What all live buffers hold right now. */
extern atomic_long_t vgfb_pages_in_use;
extern atomic_long_t vgfb_buffers_in_use;

/*
 * One open file of /dev/vgfb.  Every buffer made through it holds a
 * reference, so the per-opener count outlives the file when dma-bufs do.
 */
struct vgfb_file {
	struct kref kref;
	atomic_t nbuffers;
};

void vgfb_file_put(struct vgfb_file *vf);

long vgfb_ioctl_create_user(struct vgfb_file *vf,
			    struct vgfb_create_user __user *uarg);
int vgfb_check_xen_create(u32 flags, u32 allowed, const u64 reserved[2],
			  u32 count, u32 domid);
long vgfb_ioctl_create_xen_grants(struct vgfb_file *vf,
				  struct vgfb_create_xen_grants __user *uarg);
long vgfb_ioctl_create_xen_foreign(struct vgfb_file *vf,
				   struct vgfb_create_xen_foreign __user *uarg);

/* Xen: DOMID_FIRST_RESERVED; anything at or above it is not a domain. */
#define VGFB_XEN_DOMID_LIMIT	0x7FF0U

/* vgfb_xen.c: grant references mapped into pages vgfb owns. */
struct page;
struct vm_area_struct;
struct vgfb_grant_map;

#if IS_ENABLED(CONFIG_XEN)
bool vgfb_xen_grants_available(void);
bool vgfb_xen_pv_ptes(void);
int vgfb_xen_grant_map(struct page **pages, unsigned long npages,
		       const u32 *refs, u16 domid, bool readonly,
		       struct vgfb_grant_map **out);
void vgfb_xen_grant_unmap(struct vgfb_grant_map *gm, struct page **pages);
int vgfb_xen_grant_mmap(struct vgfb_grant_map *gm, struct page **pages,
			struct vm_area_struct *vma);
int vgfb_xen_foreign_mmap(const u64 *frames, bool machine, u16 domid,
			  struct vm_area_struct *vma);
#else
static inline bool vgfb_xen_grants_available(void)
{
	return false;
}

static inline bool vgfb_xen_pv_ptes(void)
{
	return false;
}

static inline int vgfb_xen_grant_map(struct page **pages,
				     unsigned long npages, const u32 *refs,
				     u16 domid, bool readonly,
				     struct vgfb_grant_map **out)
{
	return -ENODEV;
}

static inline void vgfb_xen_grant_unmap(struct vgfb_grant_map *gm,
					struct page **pages)
{
}

static inline int vgfb_xen_grant_mmap(struct vgfb_grant_map *gm,
				      struct page **pages,
				      struct vm_area_struct *vma)
{
	return -ENODEV;
}

static inline int vgfb_xen_foreign_mmap(const u64 *frames, bool machine,
					u16 domid, struct vm_area_struct *vma)
{
	return -ENODEV;
}
#endif

#endif /* VGFB_DRV_H */
