// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgfb.ko: /dev/vgfb, a misc device that turns page arrays into dma-bufs
 * for the vgfb mediator: user pages, Xen grant references, and (in an x86
 * PV domain, mmap only) a Xen domain's own frames.
 *
 * This file holds the device and the ioctl dispatch.  It calls only
 * vgfb_dmabuf.c (vgfb_drv.h), which holds the buffers, their limits and
 * counters, and calls vgfb_xen.c for grant mappings.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "vgfb_compat.h"
#include "vgfb_drv.h"

static int vgfb_open(struct inode *inode, struct file *file)
{
	struct vgfb_file *vf;

	vf = vgfb_file_new();
	if (!vf)
		return -ENOMEM;
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
	vgfb_fill_version(&arg);

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
	int ret;

	/* Fixed layouts: the same on 32- and 64-bit userspace. */
	BUILD_BUG_ON(sizeof(struct vgfb_version) != 72);
	BUILD_BUG_ON(sizeof(struct vgfb_create_user) != 40);
	BUILD_BUG_ON(sizeof(struct vgfb_create_xen_foreign) != 40);
	BUILD_BUG_ON(sizeof(struct vgfb_create_xen_grants) != 40);

	ret = vgfb_check_limits();
	if (ret)
		return ret;

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
