/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vgfb.ko's layers call one way: vgfb_main.c (device, ioctl dispatch) ->
 * vgfb_dmabuf.c (buffers, their limits and counters) -> vgfb_xen.c (grant
 * mappings, vgfb_xen.h).  This header is what vgfb_dmabuf.c offers
 * vgfb_main.c; nothing here calls back up.
 */
#ifndef VGFB_DRV_H
#define VGFB_DRV_H

#include <linux/types.h>

#include "uapi/vgfb_kmod.h"

/*
 * One open file of /dev/vgfb, opaque outside vgfb_dmabuf.c.  Every buffer
 * made through it counts against max_buffers and holds a reference, so
 * the count outlives the file when dma-bufs do.
 */
struct vgfb_file;

struct vgfb_file *vgfb_file_new(void);
void vgfb_file_put(struct vgfb_file *vf);

/* At load: the module parameters are in range (else -EINVAL). */
int vgfb_check_limits(void);
/* VGFB_IOC_VERSION: fill in the limits, the features and what is in use. */
void vgfb_fill_version(struct vgfb_version *ver);

long vgfb_ioctl_create_user(struct vgfb_file *vf,
			    struct vgfb_create_user __user *uarg);
long vgfb_ioctl_create_xen_foreign(struct vgfb_file *vf,
				   struct vgfb_create_xen_foreign __user *uarg);
long vgfb_ioctl_create_xen_grants(struct vgfb_file *vf,
				  struct vgfb_create_xen_grants __user *uarg);

#endif /* VGFB_DRV_H */
