// SPDX-License-Identifier: GPL-2.0-only
/*
 * Xen grant references mapped into pages that vgfb owns, the way blkback
 * and netback map their guests' grants, so that a dma-buf can be made of
 * them in any Xen domain, an x86 PV dom0 included (gntdev refuses its
 * dma-buf export there).
 *
 * The pages come from gnttab_alloc_pages(): struct pages with no frame of
 * their own.  gnttab_map_refs() with GNTMAP_host_map has Xen put the
 * granted frame behind the page: in a PV domain Xen rewrites the page's
 * linear-map PTE and Linux records the foreign frame in the p2m (which
 * swiotlb-xen reads to find the bus address); in an auto-translated
 * domain Xen maps the frame at the page's GFN.  The mapping holds a
 * reference on the frame in Xen, so the frame stays put, guest dead or
 * alive, until gnttab_unmap_refs_sync() here.
 *
 * In a PV domain no other PTE may point at such a frame unless Xen writes
 * it with the granting domain as page owner: a plain set_pte() is refused
 * by the hypervisor.  Hence vmap is refused there and mmap goes through
 * xen_remap_pfn(), as privcmd's foreign mappings do (see
 * docs/kernel-module.md).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include <xen/features.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <xen/xen-ops.h>

#include "vgfb_xen.h"

struct vgfb_grant_map {
	domid_t domid;
	unsigned long npages;	/* pages allocated */
	unsigned long nmapped;	/* pages[0..nmapped) are mapped */
	struct gnttab_unmap_grant_ref unmap[];
};

bool vgfb_xen_grants_available(void)
{
	return xen_domain();
}

/* PV: PTEs of granted frames need Xen's consent (no auto-translation). */
bool vgfb_xen_pv_ptes(void)
{
	return xen_pv_domain();
}

static phys_addr_t vgfb_page_kaddr(struct page *page)
{
	return (phys_addr_t)(unsigned long)pfn_to_kaddr(page_to_pfn(page));
}

static int vgfb_gntst_errno(s16 status)
{
	switch (status) {
	case GNTST_bad_domain:
		return -ESRCH;
	case GNTST_bad_gntref:
		return -ENOENT;
	case GNTST_permission_denied:
		return -EACCES;
	case GNTST_no_device_space:
	case GNTST_no_space:
		return -ENOMEM;
	case GNTST_eagain:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

/* Unmap what is mapped, then give back every page; frees @gm. */
void vgfb_xen_grant_unmap(struct vgfb_grant_map *gm, struct page **pages)
{
	struct gntab_unmap_queue_data unmap_data = {
		.unmap_ops = gm->unmap,
		.kunmap_ops = NULL,
		.pages = pages,
		.count = gm->nmapped,
	};
	int ret = 0;

	/* Waits for any transient page reference (e.g. a DMA in flight). */
	if (gm->nmapped)
		ret = gnttab_unmap_refs_sync(&unmap_data);
	if (ret)
		/*
		 * The frames may still sit behind these pages: handing them
		 * back to the allocator would give dom0 memory that is not
		 * its own.  Leak them, as gntdev does.
		 */
		pr_err("d%u: unmapping %lu grants failed (%d), leaking their pages\n",
		       gm->domid, gm->nmapped, ret);
	else
		gnttab_free_pages(gm->npages, pages);
	kvfree(gm);
}

/*
 * Map @refs of @domid into @npages new pages stored in @pages.  All or
 * nothing: on failure no grant stays mapped and no page stays allocated.
 */
int vgfb_xen_grant_map(struct page **pages, unsigned long npages,
		       const u32 *refs, u16 domid, bool readonly,
		       struct vgfb_grant_map **out)
{
	u32 flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0);
	struct gnttab_map_grant_ref *map;
	struct vgfb_grant_map *gm;
	unsigned long i, n = 0;
	int status_err = 0;
	int ret;

	gm = kvzalloc(struct_size(gm, unmap, npages), GFP_KERNEL_ACCOUNT);
	if (!gm)
		return -ENOMEM;
	map = kvmalloc_array(npages, sizeof(*map), GFP_KERNEL);
	if (!map) {
		ret = -ENOMEM;
		goto out_free_gm;
	}
	gm->domid = domid;
	gm->npages = npages;

	ret = gnttab_alloc_pages(npages, pages);
	if (ret)
		goto out_free_map;

	for (i = 0; i < npages; i++) {
		gnttab_set_map_op(&map[i], vgfb_page_kaddr(pages[i]), flags,
				  refs[i], domid);
		/* What Xen has not answered for counts as not mapped. */
		map[i].status = GNTST_general_error;
		map[i].handle = INVALID_GRANT_HANDLE;
	}
	ret = gnttab_map_refs(map, NULL, pages, npages);

	/*
	 * Keep every grant Xen mapped, whatever else failed, and move its
	 * page to the front so that unmap_ops[i] and pages[i] match.
	 */
	for (i = 0; i < npages; i++) {
		if (map[i].status != GNTST_okay) {
			if (!status_err)
				status_err = vgfb_gntst_errno(map[i].status);
			continue;
		}
		swap(pages[n], pages[i]);
		gnttab_set_unmap_op(&gm->unmap[n], vgfb_page_kaddr(pages[n]),
				    flags, map[i].handle);
		n++;
	}
	gm->nmapped = n;
	kvfree(map);

	if (ret || status_err) {
		pr_debug("d%u: mapping %lu grants: %d, first bad status %d\n",
			 domid, npages, ret, status_err);
		vgfb_xen_grant_unmap(gm, pages);
		return ret ? ret : status_err;
	}
	*out = gm;
	return 0;

out_free_map:
	kvfree(map);
out_free_gm:
	kvfree(gm);
	return ret;
}

/*
 * PV: have Xen write the user PTEs of @vma for the frames of @owner behind
 * the VMA's pages of the buffer: @pages' frames (grant-mapped pages), or
 * @frames (MFNs when @machine, else GFNs Xen translates), as privcmd does.
 * The PTEs hold their own frame references in Xen and go with the VMA.
 */
static int vgfb_xen_remap(struct vm_area_struct *vma, struct page **pages,
			  const u64 *frames, bool machine, unsigned int owner)
{
	unsigned long i, n = vma_pages(vma);
	xen_pfn_t *pfns;
	int *errs;
	int ret;

	/* Xen refuses a domain naming itself as foreign owner (-ESRCH). */
	if (xen_initial_domain() && owner == 0)
		owner = DOMID_SELF;

	pfns = kvmalloc_array(n, sizeof(*pfns), GFP_KERNEL);
	errs = kvmalloc_array(n, sizeof(*errs), GFP_KERNEL);
	if (!pfns || !errs) {
		ret = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < n; i++)
		pfns[i] = pages ? xen_page_to_gfn(pages[vma->vm_pgoff + i]) :
				  frames[vma->vm_pgoff + i];
	if (machine)
		ret = xen_remap_domain_mfn_array(vma, vma->vm_start, pfns, n,
						 errs, vma->vm_page_prot,
						 owner);
	else
		ret = xen_remap_domain_gfn_array(vma, vma->vm_start, pfns, n,
						 errs, vma->vm_page_prot,
						 owner, NULL);
	if (ret >= 0 && ret != n) {
		for (i = 0; i < n; i++)
			if (errs[i] < 0)
				break;
		ret = i < n ? errs[i] : -EFAULT;
	} else if (ret > 0) {
		ret = 0;
	}

out_free:
	kvfree(errs);
	kvfree(pfns);
	return ret;
}

/*
 * PV: user PTEs for the granted frames, written by Xen with the granting
 * domain as page owner.  The VMA holds the dma-buf and therefore the grant
 * mapping.
 */
int vgfb_xen_grant_mmap(struct vgfb_grant_map *gm, struct page **pages,
			struct vm_area_struct *vma)
{
	return vgfb_xen_remap(vma, pages, NULL, true, gm->domid);
}

/*
 * PV: user PTEs for a domain's own frames (VGFB_IOC_CREATE_XEN_FOREIGN).
 * Xen checks that @domid owns each frame when it writes the PTE.
 */
int vgfb_xen_foreign_mmap(const u64 *frames, bool machine, u16 domid,
			  struct vm_area_struct *vma)
{
	return vgfb_xen_remap(vma, NULL, frames, machine, domid);
}
