// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vgfb buffer: an array of pinned pages and the dma-buf that exports it.
 *
 * The buffer owns its page references.  They are taken once, when the
 * buffer is made, and dropped once, in the dma-buf's release(), so the
 * pages outlive the process that made the buffer, its mapping of them and
 * its /dev/vgfb file for as long as any importer or fd holds the dma-buf.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/iosys-map.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "vgfb_compat.h"
#include "vgfb_drv.h"

#define VGFB_CREATE_FLAGS	VGFB_CREATE_READONLY

struct vgfb_buffer {
	struct vgfb_file *owner;	/* holds a reference */
	struct page **pages;
	unsigned long npages;
	unsigned long npinned;
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

	vgfb_vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &vgfb_vm_ops;
	vma->vm_private_data = buf;
	return 0;
}

static int vgfb_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct vgfb_buffer *buf = dmabuf->priv;
	int ret = 0;

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

/* ---- VGFB_IOC_CREATE_USER ---- */

long vgfb_ioctl_create_user(struct vgfb_file *vf,
			    struct vgfb_create_user __user *uarg)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct vgfb_create_user arg;
	struct vgfb_buffer *buf;
	struct dma_buf *dmabuf;
	unsigned long npages;
	u64 end;
	int fd;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;

	/* Everything is checked before anything is allocated. */
	if (arg.flags & ~VGFB_CREATE_FLAGS || arg.reserved[0] ||
	    arg.reserved[1])
		return -EINVAL;
	if (!arg.size || !PAGE_ALIGNED(arg.addr) || !PAGE_ALIGNED(arg.size))
		return -EINVAL;
	if (check_add_overflow(arg.addr, arg.size, &end))
		return -EINVAL;
	if (end > TASK_SIZE)
		return -EFAULT;
	if (arg.size >> PAGE_SHIFT > vgfb_max_pages)
		return -E2BIG;
	npages = arg.size >> PAGE_SHIFT;

	buf = vgfb_buffer_new(vf, npages, arg.flags & VGFB_CREATE_READONLY);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	ret = vgfb_pin_user(buf, arg.addr);
	if (ret)
		goto out_free_buf;

	exp_info.ops = &vgfb_dmabuf_ops;
	exp_info.size = npages << PAGE_SHIFT;
	exp_info.flags = buf->readonly ? O_RDONLY : O_RDWR;
	exp_info.priv = buf;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto out_free_buf;
	}
	/* From here on, dma_buf_put() frees buf through release(). */

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto out_put_dmabuf;
	}
	arg.fd = fd;
	if (copy_to_user(uarg, &arg, sizeof(arg))) {
		ret = -EFAULT;
		goto out_put_fd;
	}
	fd_install(fd, dmabuf->file);
	return 0;

out_put_fd:
	put_unused_fd(fd);
out_put_dmabuf:
	dma_buf_put(dmabuf);
	return ret;
out_free_buf:
	vgfb_buffer_free(buf);
	return ret;
}
