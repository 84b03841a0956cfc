// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vgfb buffer: an array of pages and the dma-buf that exports it.  The
 * pages are either pinned user pages or, under Xen, pages behind which
 * vgfb_xen.c has mapped a domain's grant references.  This file also holds
 * what it enforces: the limits (module parameters), the counters of what
 * all buffers hold, and the per-opener count.  vgfb_main.c calls it
 * (vgfb_drv.h); it calls vgfb_xen.c (vgfb_xen.h) and nothing else of vgfb.
 *
 * The buffer owns its page references (or its grant mappings).  They are
 * taken once, when the buffer is made, and dropped once, in the dma-buf's
 * release(), so the pages outlive the process that made the buffer, its
 * mapping of them and its /dev/vgfb file for as long as any importer or fd
 * holds the dma-buf.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/iosys-map.h>
#include <linux/kref.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "vgfb_compat.h"
#include "vgfb_drv.h"
#include "vgfb_xen.h"

#define VGFB_CREATE_FLAGS	VGFB_CREATE_READONLY

/* Xen: DOMID_FIRST_RESERVED; anything at or above it is not a domain. */
#define VGFB_XEN_DOMID_LIMIT	0x7FF0U

/* Hard ceilings for the module parameters, checked at load time. */
#define VGFB_PAGES_CEILING	BIT(22)	/* 16 GiB in one buffer */
#define VGFB_BUFFERS_CEILING	BIT(16)

/* Limits: module parameters, read-only once the module is loaded. */
static unsigned int vgfb_max_pages = 65536;
module_param_named(max_pages, vgfb_max_pages, uint, 0444);
MODULE_PARM_DESC(max_pages,
		 "Pages in one buffer (default 65536 = 256 MiB of 4 KiB pages)");

static unsigned int vgfb_max_buffers = 64;
module_param_named(max_buffers, vgfb_max_buffers, uint, 0444);
MODULE_PARM_DESC(max_buffers,
		 "Live buffers made through one open file of /dev/vgfb (default 64)");

static unsigned long vgfb_max_total_pages = 262144;
module_param_named(max_total_pages, vgfb_max_total_pages, ulong, 0444);
MODULE_PARM_DESC(max_total_pages,
		 "Pages pinned by all buffers together (default 262144 = 1 GiB)");

/* What all live buffers hold right now. */
static atomic_long_t vgfb_pages_in_use = ATOMIC_LONG_INIT(0);
static atomic_long_t vgfb_buffers_in_use = ATOMIC_LONG_INIT(0);

/*
 * One open file of /dev/vgfb.  Every buffer made through it holds a
 * reference, so the per-opener count outlives the file when dma-bufs do.
 */
struct vgfb_file {
	struct kref kref;
	atomic_t nbuffers;
};

struct vgfb_buffer {
	struct vgfb_file *owner;	/* holds a reference */
	struct page **pages;
	unsigned long npages;
	unsigned long npinned;
	struct vgfb_grant_map *grants;	/* Xen grants behind the pages */
	u64 *foreign;			/* or a domain's frames (no pages) */
	bool foreign_machine;		/* MFNs rather than GFNs */
	u16 domid;			/* the frames' owner */
	bool readonly;

	struct mutex lock;		/* protects the fields below */
	struct list_head attachments;
	void *vaddr;
	unsigned int vmap_count;
};

/* One importer: its device mapping, made on first use, kept until detach. */
struct vgfb_attachment {
	struct list_head node;
	struct device *dev;
	struct sg_table *sgt;
	enum dma_data_direction dir;
};

int vgfb_check_limits(void)
{
	if (!vgfb_max_pages || vgfb_max_pages > VGFB_PAGES_CEILING ||
	    !vgfb_max_buffers || vgfb_max_buffers > VGFB_BUFFERS_CEILING ||
	    !vgfb_max_total_pages) {
		pr_err("module parameter out of range (max_pages 1..%lu, max_buffers 1..%lu, max_total_pages >= 1)\n",
		       VGFB_PAGES_CEILING, VGFB_BUFFERS_CEILING);
		return -EINVAL;
	}
	return 0;
}

void vgfb_fill_version(struct vgfb_version *ver)
{
	ver->max_pages = vgfb_max_pages;
	ver->max_buffers = vgfb_max_buffers;
	ver->max_total_pages = vgfb_max_total_pages;
	ver->features = VGFB_FEATURE_USER;
	if (vgfb_xen_grants_available())
		ver->features |= VGFB_FEATURE_XEN_GRANTS;
	if (vgfb_xen_pv_ptes())
		ver->features |= VGFB_FEATURE_XEN_FOREIGN;
	ver->pages_in_use = atomic_long_read(&vgfb_pages_in_use);
	ver->buffers_in_use = atomic_long_read(&vgfb_buffers_in_use);
}

struct vgfb_file *vgfb_file_new(void)
{
	struct vgfb_file *vf;

	vf = kzalloc(sizeof(*vf), GFP_KERNEL);
	if (!vf)
		return NULL;
	kref_init(&vf->kref);
	atomic_set(&vf->nbuffers, 0);
	return vf;
}

static void vgfb_file_free(struct kref *kref)
{
	kfree(container_of(kref, struct vgfb_file, kref));
}

void vgfb_file_put(struct vgfb_file *vf)
{
	kref_put(&vf->kref, vgfb_file_free);
}

/* Reserve room under every limit before anything is allocated. */
static int vgfb_account(struct vgfb_file *vf, unsigned long npages)
{
	if (atomic_inc_return(&vf->nbuffers) > vgfb_max_buffers) {
		atomic_dec(&vf->nbuffers);
		return -EMFILE;
	}
	if (atomic_long_add_return(npages, &vgfb_pages_in_use) >
	    vgfb_max_total_pages) {
		atomic_long_sub(npages, &vgfb_pages_in_use);
		atomic_dec(&vf->nbuffers);
		return -ENOSPC;
	}
	atomic_long_inc(&vgfb_buffers_in_use);
	return 0;
}

static void vgfb_unaccount(struct vgfb_file *vf, unsigned long npages)
{
	atomic_long_dec(&vgfb_buffers_in_use);
	atomic_long_sub(npages, &vgfb_pages_in_use);
	atomic_dec(&vf->nbuffers);
}

/* Undo exactly what vgfb_buffer_new() and the pinning did. */
static void vgfb_buffer_free(struct vgfb_buffer *buf)
{
	if (buf->npinned)
		unpin_user_pages_dirty_lock(buf->pages, buf->npinned,
					    !buf->readonly);
	if (buf->grants)
		vgfb_xen_grant_unmap(buf->grants, buf->pages);
	kvfree(buf->foreign);
	kvfree(buf->pages);
	mutex_destroy(&buf->lock);
	vgfb_unaccount(buf->owner, buf->npages);
	vgfb_file_put(buf->owner);
	kfree(buf);
}

static struct vgfb_buffer *vgfb_buffer_new(struct vgfb_file *vf,
					   unsigned long npages, bool readonly)
{
	struct vgfb_buffer *buf;
	int ret;

	ret = vgfb_account(vf, npages);
	if (ret)
		return ERR_PTR(ret);

	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		goto out_unaccount;
	buf->pages = kvmalloc_array(npages, sizeof(*buf->pages),
				    GFP_KERNEL_ACCOUNT);
	if (!buf->pages)
		goto out_free_buf;

	buf->npages = npages;
	buf->readonly = readonly;
	mutex_init(&buf->lock);
	INIT_LIST_HEAD(&buf->attachments);
	kref_get(&vf->kref);
	buf->owner = vf;
	return buf;

out_free_buf:
	kfree(buf);
out_unaccount:
	vgfb_unaccount(vf, npages);
	return ERR_PTR(-ENOMEM);
}

/*
 * Memory whose pages can be pinned for as long as a dma-buf lives:
 * anonymous memory, shmem (memfd, tmpfs, shared anonymous) and hugetlbfs.
 * I/O and PFN mappings have no pages to pin; other files would be written
 * back under our feet.
 */
static bool vgfb_vma_pinnable(struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return false;
	if (is_vm_hugetlb_page(vma) || vma_is_anonymous(vma))
		return true;
	return vma->vm_file &&
	       file_inode(vma->vm_file)->i_sb->s_magic == TMPFS_MAGIC;
}

static int vgfb_check_range(struct mm_struct *mm, unsigned long start,
			    unsigned long end)
{
	struct vm_area_struct *vma;

	while (start < end) {
		vma = vma_lookup(mm, start);
		if (!vma)
			return -EFAULT;
		if (!vgfb_vma_pinnable(vma))
			return -EINVAL;
		start = vma->vm_end;
	}
	return 0;
}

/* Check the mappings and pin under one mmap lock: nothing changes between. */
static int vgfb_pin_user(struct vgfb_buffer *buf, unsigned long start)
{
	unsigned int gup_flags = FOLL_LONGTERM;
	struct mm_struct *mm = current->mm;
	long ret;

	if (!buf->readonly)
		gup_flags |= FOLL_WRITE;
	if (!mm)
		return -EFAULT;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	ret = vgfb_check_range(mm, start, start + buf->npages * PAGE_SIZE);
	while (!ret && buf->npinned < buf->npages) {
		ret = vgfb_pin_user_pages(start + buf->npinned * PAGE_SIZE,
					  buf->npages - buf->npinned,
					  gup_flags,
					  buf->pages + buf->npinned);
		if (ret <= 0) {
			ret = ret ? ret : -EFAULT;
			break;
		}
		buf->npinned += ret;
		ret = 0;
	}
	mmap_read_unlock(mm);
	return ret;
}

/* ---- dma_buf_ops ---- */

static int vgfb_attach(struct dma_buf *dmabuf,
		       struct dma_buf_attachment *attach)
{
	struct vgfb_buffer *buf = dmabuf->priv;
	struct vgfb_attachment *va;

	/* Foreign frames have no struct page for an sg table to name. */
	if (buf->foreign)
		return -EOPNOTSUPP;

	va = kzalloc(sizeof(*va), GFP_KERNEL);
	if (!va)
		return -ENOMEM;
	va->dev = attach->dev;
	va->dir = DMA_NONE;
	attach->priv = va;

	mutex_lock(&buf->lock);
	list_add(&va->node, &buf->attachments);
	mutex_unlock(&buf->lock);
	return 0;
}

static void vgfb_detach(struct dma_buf *dmabuf,
			struct dma_buf_attachment *attach)
{
	struct vgfb_buffer *buf = dmabuf->priv;
	struct vgfb_attachment *va = attach->priv;

	mutex_lock(&buf->lock);
	list_del(&va->node);
	mutex_unlock(&buf->lock);

	if (va->sgt) {
		dma_unmap_sgtable(va->dev, va->sgt, va->dir, 0);
		sg_free_table(va->sgt);
		kfree(va->sgt);
	}
	kfree(va);
}

static struct sg_table *vgfb_map_dma_buf(struct dma_buf_attachment *attach,
					 enum dma_data_direction dir)
{
	struct vgfb_buffer *buf = attach->dmabuf->priv;
	struct vgfb_attachment *va = attach->priv;
	unsigned int max_seg;
	struct sg_table *sgt;
	int ret;

	mutex_lock(&buf->lock);
	if (va->sgt) {
		/* One mapping per attachment, as gntdev-dmabuf does. */
		sgt = va->dir == dir || va->dir == DMA_BIDIRECTIONAL ?
		      va->sgt : ERR_PTR(-EBUSY);
		goto out_unlock;
	}

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt) {
		sgt = ERR_PTR(-ENOMEM);
		goto out_unlock;
	}
	/*
	 * Granted frames are scattered in machine memory whatever their pfns
	 * say: one entry per page, so that swiotlb-xen never has to bounce a
	 * segment that crosses frames.
	 */
	if (buf->grants)
		max_seg = PAGE_SIZE;
	else
		max_seg = max_t(unsigned int, dma_get_max_seg_size(va->dev),
				PAGE_SIZE);
	ret = sg_alloc_table_from_pages_segment(sgt, buf->pages, buf->npages,
						0, buf->npages << PAGE_SHIFT,
						max_seg, GFP_KERNEL);
	if (ret)
		goto out_free_sgt;
	ret = dma_map_sgtable(va->dev, sgt, dir, 0);
	if (ret)
		goto out_free_table;

	va->sgt = sgt;
	va->dir = dir;
	goto out_unlock;

out_free_table:
	sg_free_table(sgt);
out_free_sgt:
	kfree(sgt);
	sgt = ERR_PTR(ret);
out_unlock:
	mutex_unlock(&buf->lock);
	return sgt;
}

static void vgfb_unmap_dma_buf(struct dma_buf_attachment *attach,
			       struct sg_table *sgt,
			       enum dma_data_direction dir)
{
	/* The mapping is cached until detach. */
}

static int vgfb_begin_cpu_access(struct dma_buf *dmabuf,
				 enum dma_data_direction dir)
{
	struct vgfb_buffer *buf = dmabuf->priv;
	struct vgfb_attachment *va;

	mutex_lock(&buf->lock);
	list_for_each_entry(va, &buf->attachments, node)
		if (va->sgt)
			dma_sync_sgtable_for_cpu(va->dev, va->sgt, va->dir);
	if (buf->vaddr)
		invalidate_kernel_vmap_range(buf->vaddr,
					     buf->npages << PAGE_SHIFT);
	mutex_unlock(&buf->lock);
	return 0;
}

static int vgfb_end_cpu_access(struct dma_buf *dmabuf,
			       enum dma_data_direction dir)
{
	struct vgfb_buffer *buf = dmabuf->priv;
	struct vgfb_attachment *va;

	mutex_lock(&buf->lock);
	if (buf->vaddr)
		flush_kernel_vmap_range(buf->vaddr, buf->npages << PAGE_SHIFT);
	list_for_each_entry(va, &buf->attachments, node)
		if (va->sgt)
			dma_sync_sgtable_for_device(va->dev, va->sgt, va->dir);
	mutex_unlock(&buf->lock);
	return 0;
}

static vm_fault_t vgfb_vm_fault(struct vm_fault *vmf)
{
	struct vgfb_buffer *buf = vmf->vma->vm_private_data;

	if (vmf->pgoff >= buf->npages)
		return VM_FAULT_SIGBUS;
	return vmf_insert_pfn(vmf->vma, vmf->address,
			      page_to_pfn(buf->pages[vmf->pgoff]));
}

static const struct vm_operations_struct vgfb_vm_ops = {
	.fault = vgfb_vm_fault,
};

/*
 * Xen writes the PTEs of a PV mapping of granted frames once, at mmap.  A
 * PTE rewritten by Linux alone (mprotect) would be refused by Xen.
 */
static int vgfb_xen_pv_mprotect(struct vm_area_struct *vma,
				unsigned long start, unsigned long end,
				unsigned long newflags)
{
	return -EACCES;
}

static const struct vm_operations_struct vgfb_xen_pv_vm_ops = {
	.mprotect = vgfb_xen_pv_mprotect,
};

static int vgfb_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct vgfb_buffer *buf = dmabuf->priv;

	/*
	 * A private mapping would copy-on-write PFNs: shared only.  A shared
	 * mapping of a read-only fd has VM_MAYSHARE but not VM_SHARED.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (buf->readonly && (vma->vm_flags & VM_WRITE))
		return -EPERM;

	if ((buf->grants && vgfb_xen_pv_ptes()) || buf->foreign) {
		/*
		 * Not copied on fork: Xen would refuse the child's copy of
		 * a foreign PTE.  VM_IO | VM_PFNMAP as xen_remap_pfn wants.
		 */
		vgfb_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTCOPY |
				  VM_DONTEXPAND | VM_DONTDUMP);
		vma->vm_ops = &vgfb_xen_pv_vm_ops;
		vma->vm_private_data = buf;
		if (buf->foreign)
			return vgfb_xen_foreign_mmap(buf->foreign,
						     buf->foreign_machine,
						     buf->domid, vma);
		return vgfb_xen_grant_mmap(buf->grants, buf->pages, vma);
	}

	vgfb_vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &vgfb_vm_ops;
	vma->vm_private_data = buf;
	return 0;
}

static int vgfb_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct vgfb_buffer *buf = dmabuf->priv;
	int ret = 0;

	/*
	 * vmap() would write kernel PTEs for the granted frames itself, and
	 * Xen refuses those in a PV domain.
	 */
	if ((buf->grants && vgfb_xen_pv_ptes()) || buf->foreign)
		return -EOPNOTSUPP;

	mutex_lock(&buf->lock);
	if (!buf->vmap_count) {
		buf->vaddr = vmap(buf->pages, buf->npages, VM_MAP,
				  buf->readonly ? PAGE_KERNEL_RO : PAGE_KERNEL);
		if (!buf->vaddr) {
			ret = -ENOMEM;
			goto out_unlock;
		}
	}
	buf->vmap_count++;
	iosys_map_set_vaddr(map, buf->vaddr);
out_unlock:
	mutex_unlock(&buf->lock);
	return ret;
}

static void vgfb_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct vgfb_buffer *buf = dmabuf->priv;

	mutex_lock(&buf->lock);
	if (!WARN_ON(!buf->vmap_count) && !--buf->vmap_count) {
		vunmap(buf->vaddr);
		buf->vaddr = NULL;
	}
	mutex_unlock(&buf->lock);
}

static void vgfb_release(struct dma_buf *dmabuf)
{
	struct vgfb_buffer *buf = dmabuf->priv;

	/* dma-buf core guarantees no attachment and no mapping is left. */
	WARN_ON(buf->vmap_count || !list_empty(&buf->attachments));
	vgfb_buffer_free(buf);
}

static const struct dma_buf_ops vgfb_dmabuf_ops = {
	.attach			= vgfb_attach,
	.detach			= vgfb_detach,
	.map_dma_buf		= vgfb_map_dma_buf,
	.unmap_dma_buf		= vgfb_unmap_dma_buf,
	.release		= vgfb_release,
	.begin_cpu_access	= vgfb_begin_cpu_access,
	.end_cpu_access		= vgfb_end_cpu_access,
	.mmap			= vgfb_mmap,
	.vmap			= vgfb_vmap,
	.vunmap			= vgfb_vunmap,
};

/* Export @buf; on failure the caller still owns it. */
static struct dma_buf *vgfb_buffer_export(struct vgfb_buffer *buf)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);

	exp_info.ops = &vgfb_dmabuf_ops;
	exp_info.size = buf->npages << PAGE_SHIFT;
	exp_info.flags = buf->readonly ? O_RDONLY : O_RDWR;
	exp_info.priv = buf;
	/* Once this succeeds, dma_buf_put() frees buf through release(). */
	return dma_buf_export(&exp_info);
}

/*
 * The last step of every create ioctl, where udmabuf calls dma_buf_fd():
 * give @dmabuf a new O_CLOEXEC fd, store it in *@fd inside @karg and copy
 * @karg back to @uarg.  The fd is installed only once that copy succeeded,
 * so a caller whose argument cannot be written back gets -EFAULT and no
 * fd.  Consumes @dmabuf whatever happens.
 */
static long vgfb_buffer_fd(struct dma_buf *dmabuf, s32 *fd,
			   void __user *uarg, const void *karg, size_t size)
{
	int ret;

	ret = get_unused_fd_flags(O_CLOEXEC);
	if (ret < 0)
		goto out_put_dmabuf;
	*fd = ret;
	if (copy_to_user(uarg, karg, size)) {
		ret = -EFAULT;
		goto out_put_fd;
	}
	fd_install(*fd, dmabuf->file);
	return 0;

out_put_fd:
	put_unused_fd(*fd);
out_put_dmabuf:
	dma_buf_put(dmabuf);
	return ret;
}

/*
 * The three create ioctls go the same way: copy the argument in and check
 * all of it, copy in the array it points to, make the buffer (which
 * reserves room under the limits), fill it, export it, and give out the fd
 * last (vgfb_buffer_fd()).  Each failure unwinds through one ladder.
 */

/* ---- VGFB_IOC_CREATE_USER ---- */

static int vgfb_check_user_create(const struct vgfb_create_user *arg)
{
	u64 end;

	if (arg->flags & ~VGFB_CREATE_FLAGS || arg->reserved[0] ||
	    arg->reserved[1])
		return -EINVAL;
	if (!arg->size || !PAGE_ALIGNED(arg->addr) || !PAGE_ALIGNED(arg->size))
		return -EINVAL;
	if (check_add_overflow(arg->addr, arg->size, &end))
		return -EINVAL;
	if (end > TASK_SIZE)
		return -EFAULT;
	if (arg->size >> PAGE_SHIFT > vgfb_max_pages)
		return -E2BIG;
	return 0;
}

long vgfb_ioctl_create_user(struct vgfb_file *vf,
			    struct vgfb_create_user __user *uarg)
{
	struct vgfb_create_user arg;
	struct vgfb_buffer *buf;
	struct dma_buf *dmabuf;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	ret = vgfb_check_user_create(&arg);
	if (ret)
		return ret;

	buf = vgfb_buffer_new(vf, arg.size >> PAGE_SHIFT,
			      arg.flags & VGFB_CREATE_READONLY);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = vgfb_pin_user(buf, arg.addr);
	if (ret)
		goto out_free_buf;

	dmabuf = vgfb_buffer_export(buf);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto out_free_buf;
	}
	arg.fd = -1;
	return vgfb_buffer_fd(dmabuf, &arg.fd, uarg, &arg, sizeof(arg));

out_free_buf:
	vgfb_buffer_free(buf);
	return ret;
}

/*
 * The checks both Xen forms make, in this order, before anything is read
 * or allocated: flags and reserved fields, count and domid, the page
 * limit, then whether this kernel runs under Xen at all.
 */
static int vgfb_check_xen_create(u32 flags, u32 allowed,
				 const u64 reserved[2], u32 count, u32 domid)
{
	if (flags & ~allowed || reserved[0] || reserved[1])
		return -EINVAL;
	if (!count || domid >= VGFB_XEN_DOMID_LIMIT)
		return -EINVAL;
	if (count > vgfb_max_pages)
		return -E2BIG;
	if (!vgfb_xen_grants_available())
		return -ENODEV;
	return 0;
}

/* ---- VGFB_IOC_CREATE_XEN_FOREIGN ---- */

/*
 * A domain's own frames, in an x86 PV domain only: Xen writes every PTE of
 * an mmap on behalf of the owner (vgfb_xen_foreign_mmap()), which checks
 * ownership then.  Nothing else can reach such a frame from a module: no
 * struct page can be put in front of it without the p2m setters, which
 * are not exported (docs/kernel-module.md).
 */
long vgfb_ioctl_create_xen_foreign(struct vgfb_file *vf,
				   struct vgfb_create_xen_foreign __user *uarg)
{
	struct vgfb_create_xen_foreign arg;
	struct vgfb_buffer *buf;
	struct dma_buf *dmabuf;
	u64 *frames;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	ret = vgfb_check_xen_create(arg.flags, VGFB_CREATE_FLAGS |
				    VGFB_CREATE_XEN_MACHINE_FRAMES,
				    arg.reserved, arg.count, arg.domid);
	if (ret)
		return ret;
	if (!vgfb_xen_pv_ptes())
		return -EOPNOTSUPP;

	frames = vmemdup_user(u64_to_user_ptr(arg.frames),
			      (size_t)arg.count * sizeof(*frames));
	if (IS_ERR(frames))
		return PTR_ERR(frames);

	buf = vgfb_buffer_new(vf, arg.count, arg.flags & VGFB_CREATE_READONLY);
	if (IS_ERR(buf)) {
		ret = PTR_ERR(buf);
		goto out_free_frames;
	}
	/* The buffer owns the frame list from here on. */
	buf->foreign = frames;
	frames = NULL;
	buf->foreign_machine = arg.flags & VGFB_CREATE_XEN_MACHINE_FRAMES;
	buf->domid = arg.domid;

	dmabuf = vgfb_buffer_export(buf);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto out_free_buf;
	}
	arg.fd = -1;
	return vgfb_buffer_fd(dmabuf, &arg.fd, uarg, &arg, sizeof(arg));

out_free_buf:
	vgfb_buffer_free(buf);
out_free_frames:
	kvfree(frames);
	return ret;
}

/* ---- VGFB_IOC_CREATE_XEN_GRANTS ---- */

long vgfb_ioctl_create_xen_grants(struct vgfb_file *vf,
				  struct vgfb_create_xen_grants __user *uarg)
{
	struct vgfb_create_xen_grants arg;
	struct vgfb_buffer *buf;
	struct dma_buf *dmabuf;
	u32 *refs;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	ret = vgfb_check_xen_create(arg.flags, VGFB_CREATE_FLAGS, arg.reserved,
				    arg.count, arg.domid);
	if (ret)
		return ret;

	refs = vmemdup_user(u64_to_user_ptr(arg.refs),
			    (size_t)arg.count * sizeof(*refs));
	if (IS_ERR(refs))
		return PTR_ERR(refs);

	buf = vgfb_buffer_new(vf, arg.count, arg.flags & VGFB_CREATE_READONLY);
	if (IS_ERR(buf)) {
		ret = PTR_ERR(buf);
		goto out_free_refs;
	}
	ret = vgfb_xen_grant_map(buf->pages, buf->npages, refs, arg.domid,
				 buf->readonly, &buf->grants);
	if (ret)
		goto out_free_buf;

	dmabuf = vgfb_buffer_export(buf);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto out_free_buf;
	}
	kvfree(refs);
	arg.fd = -1;
	return vgfb_buffer_fd(dmabuf, &arg.fd, uarg, &arg, sizeof(arg));

out_free_buf:
	vgfb_buffer_free(buf);
out_free_refs:
	kvfree(refs);
	return ret;
}
