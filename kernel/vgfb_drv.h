/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vgfb.ko internals shared by vgfb_main.c (device, limits, ioctl dispatch)
 * and vgfb_dmabuf.c (page arrays and their dma-buf).
 */
#ifndef VGFB_DRV_H
#define VGFB_DRV_H

#include <linux/atomic.h>
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

#endif /* VGFB_DRV_H */
