// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgfb.ko: /dev/vgfb, a misc device that turns page arrays into dma-bufs
 * for the vgfb mediator: user pages, Xen grant references, and (in an x86
 * PV domain, mmap only) a Xen domain's own frames.
 *
 * This file holds the device, the limits and the ioctl dispatch; the
 * buffers themselves are in vgfb_dmabuf.c, the grant mappings in
 * vgfb_xen.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vgfb_compat.h"
#include "vgfb_drv.h"

/* Hard ceilings for the module parameters, checked at load time. */
#define VGFB_PAGES_CEILING	BIT(22)	/* 16 GiB in one buffer */
#define VGFB_BUFFERS_CEILING	BIT(16)

unsigned int vgfb_max_pages = 65536;
module_param_named(max_pages, vgfb_max_pages, uint, 0444);
MODULE_PARM_DESC(max_pages,
		 "Pages in one buffer (default 65536 = 256 MiB of 4 KiB pages)");

unsigned int vgfb_max_buffers = 64;
module_param_named(max_buffers, vgfb_max_buffers, uint, 0444);
MODULE_PARM_DESC(max_buffers,
		 "Live buffers made through one open file of /dev/vgfb (default 64)");

unsigned long vgfb_max_total_pages = 262144;
module_param_named(max_total_pages, vgfb_max_total_pages, ulong, 0444);
MODULE_PARM_DESC(max_total_pages,
		 "Pages pinned by all buffers together (default 262144 = 1 GiB)");

atomic_long_t vgfb_pages_in_use = ATOMIC_LONG_INIT(0);
atomic_long_t vgfb_buffers_in_use = ATOMIC_LONG_INIT(0);

static void vgfb_file_free(struct kref *kref)
{
	kfree(container_of(kref, struct vgfb_file, kref));
}

void vgfb_file_put(struct vgfb_file *vf)
{
	kref_put(&vf->kref, vgfb_file_free);
}

static int vgfb_open(struct inode *inode, struct file *file)
{
	struct vgfb_file *vf;

	vf = kzalloc(sizeof(*vf), GFP_KERNEL);
	if (!vf)
		return -ENOMEM;
	kref_init(&vf->kref);
	atomic_set(&vf->nbuffers, 0);
	file->private_data = vf;
	return 0;
}

static int vgfb_release(struct inode *inode, struct file *file)
{
	vgfb_file_put(file->private_data);
	return 0;
}

static long vgfb_ioctl_version(struct vgfb_version __user *uarg)
{
	struct vgfb_version arg;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.reserved[0] || arg.reserved[1])
		return -EINVAL;

	memset(&arg, 0, sizeof(arg));
	arg.major = VGFB_KMOD_VERSION_MAJOR;
	arg.minor = VGFB_KMOD_VERSION_MINOR;
	arg.max_pages = vgfb_max_pages;
	arg.max_buffers = vgfb_max_buffers;
	arg.max_total_pages = vgfb_max_total_pages;
	arg.features = VGFB_FEATURE_USER;
	if (vgfb_xen_grants_available())
		arg.features |= VGFB_FEATURE_XEN_GRANTS;
	if (vgfb_xen_pv_ptes())
		arg.features |= VGFB_FEATURE_XEN_FOREIGN;
	arg.pages_in_use = atomic_long_read(&vgfb_pages_in_use);
	arg.buffers_in_use = atomic_long_read(&vgfb_buffers_in_use);

	if (copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;
	return 0;
}

static long vgfb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vgfb_file *vf = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case VGFB_IOC_VERSION:
		return vgfb_ioctl_version(argp);
	case VGFB_IOC_CREATE_USER:
		return vgfb_ioctl_create_user(vf, argp);
	case VGFB_IOC_CREATE_XEN_FOREIGN:
		return vgfb_ioctl_create_xen_foreign(vf, argp);
	case VGFB_IOC_CREATE_XEN_GRANTS:
		return vgfb_ioctl_create_xen_grants(vf, argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vgfb_fops = {
	.owner		= THIS_MODULE,
	.open		= vgfb_open,
	.release	= vgfb_release,
	.unlocked_ioctl	= vgfb_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice vgfb_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "vgfb",
	.fops	= &vgfb_fops,
	.mode	= 0600,
};

static int __init vgfb_init(void)
{
	/* Fixed layouts: the same on 32- and 64-bit userspace. */
	BUILD_BUG_ON(sizeof(struct vgfb_version) != 72);
	BUILD_BUG_ON(sizeof(struct vgfb_create_user) != 40);
	BUILD_BUG_ON(sizeof(struct vgfb_create_xen_foreign) != 40);
	BUILD_BUG_ON(sizeof(struct vgfb_create_xen_grants) != 40);

	if (!vgfb_max_pages || vgfb_max_pages > VGFB_PAGES_CEILING ||
	    !vgfb_max_buffers || vgfb_max_buffers > VGFB_BUFFERS_CEILING ||
	    !vgfb_max_total_pages) {
		pr_err("module parameter out of range (max_pages 1..%lu, max_buffers 1..%lu, max_total_pages >= 1)\n",
		       VGFB_PAGES_CEILING, VGFB_BUFFERS_CEILING);
		return -EINVAL;
	}

	return misc_register(&vgfb_misc);
}

static void __exit vgfb_exit(void)
{
	misc_deregister(&vgfb_misc);
}

module_init(vgfb_init);
module_exit(vgfb_exit);

MODULE_DESCRIPTION("vgfb: export guest framebuffer pages as dma-bufs");
MODULE_AUTHOR("The vgfb authors");
MODULE_LICENSE("GPL");
VGFB_IMPORT_DMA_BUF_NS();
