/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What vgfb_xen.c offers vgfb_dmabuf.c, its only caller: Xen grant
 * references mapped into pages that vgfb owns, and the PV mmap paths.
 * vgfb_xen.c is built only when the kernel has CONFIG_XEN; otherwise the
 * stubs below say that there is no Xen.
 */
#ifndef VGFB_XEN_H
#define VGFB_XEN_H

#include <linux/errno.h>
#include <linux/types.h>

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

#endif /* VGFB_XEN_H */
