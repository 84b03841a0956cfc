/* SPDX-License-Identifier: MIT */
/*
 * The zero-copy path: the guest's dma-bufs imported into the display
 * device as framebuffers (drmPrimeFDToHandle + AddFB2), kept per
 * dmabuf_id so a double-buffered guest costs two imports in all.  One
 * dma-buf imports as one GEM handle per DRM file however many fds of it
 * vgfb hands out, so handles are reference-counted.
 */
#ifndef VGFB_KMS_IMPORT_H
#define VGFB_KMS_IMPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <vgfb/vgfb.h>

#define KMS_IMPORT_CACHE 8

struct kms_import_fb {
	uint32_t dmabuf_id;	/* 0: free slot */
	uint32_t fb_id;
	uint32_t handle;
	uint32_t width, height, format, stride;
	uint64_t last_use;
};

struct kms_import {
	int drm_fd;
	struct kms_import_fb fbs[KMS_IMPORT_CACHE];
	uint64_t clock;
	/*
	 * The driver imports no foreign dma-buf at all (ENOSYS: no PRIME
	 * import, as bochs on 6.1; ENODEV: virtio-gpu): 0 while unknown.
	 */
	int driver_error;
	/* buffers that failed on their own, not asked again: id, errno */
	struct { uint32_t dmabuf_id; int error; } failed[4];
	unsigned int next_failed;
	uint64_t imports;	/* PRIME imports made */
};

void kms_import_init(struct kms_import *imp, int drm_fd);

/*
 * The framebuffer for the enabled DMABUF plane `info`, imported on first
 * use.  Entries whose fb is `keep_a` or `keep_b` (on screen, or flipping
 * there) are never evicted.  0 with *fb_id, or a negative errno with
 * *step naming the call that failed ("PRIME import", "AddFB2").
 */
int kms_import_get(struct kms_import *imp, struct vgfb *ctx,
		   const struct vfio_device_gfx_plane_info *info,
		   uint32_t keep_a, uint32_t keep_b, uint32_t *fb_id,
		   const char **step);

/* Remove every framebuffer and close every handle. */
void kms_import_clear(struct kms_import *imp);

/* Is the errno of a PRIME import one that says the driver never will? */
bool kms_import_error_is_driver_wide(int err);

#endif
