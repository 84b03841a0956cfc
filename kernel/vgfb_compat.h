/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel API drift, in one place.  Supported: Linux 6.1 (Debian 12) up to
 * at least 6.12 (bookworm-backports).
 */
#ifndef VGFB_COMPAT_H
#define VGFB_COMPAT_H

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/version.h>

/*
 * dma-buf exports live in the DMA_BUF symbol namespace.  MODULE_IMPORT_NS()
 * took a bare word before 6.13 and a string since; both expand to this
 * modinfo tag, which therefore needs no version check.
 */
#define VGFB_IMPORT_DMA_BUF_NS() MODULE_INFO(import_ns, "DMA_BUF")

/* vma->vm_flags became read-only behind accessors in 6.3. */
#if KERNEL_VERSION(6, 3, 0) > LINUX_VERSION_CODE
static inline void vgfb_vm_flags_set(struct vm_area_struct *vma,
				     unsigned long flags)
{
	vma->vm_flags |= flags;
}
#else
static inline void vgfb_vm_flags_set(struct vm_area_struct *vma,
				     unsigned long flags)
{
	vm_flags_set(vma, flags);
}
#endif

/* pin_user_pages() lost its vmas argument in 6.5. */
static inline long vgfb_pin_user_pages(unsigned long start,
				       unsigned long nr_pages,
				       unsigned int gup_flags,
				       struct page **pages)
{
#if KERNEL_VERSION(6, 5, 0) > LINUX_VERSION_CODE
	return pin_user_pages(start, nr_pages, gup_flags, pages, NULL);
#else
	return pin_user_pages(start, nr_pages, gup_flags, pages);
#endif
}

#endif /* VGFB_COMPAT_H */
