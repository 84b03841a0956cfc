/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "import.h"

void
kms_import_init(struct kms_import *imp, int drm_fd)
{
	memset(imp, 0, sizeof(*imp));
	imp->drm_fd = drm_fd;
}

bool
kms_import_error_is_driver_wide(int err)
{
	/*
	 * drm_prime_fd_to_handle_ioctl() without gem_prime_import: ENOSYS
	 * (bochs on 6.1); virtgpu_gem_prime_import_sg_table(): ENODEV.
	 * EINVAL and EOPNOTSUPP can be the buffer's own (an exporter that
	 * refuses attach, such as Xen foreign frames): tried per buffer.
	 */
	return err == ENOSYS || err == ENODEV;
}

/* A buffer that cannot be imported is not asked again (the last four). */
static void
remember_failure(struct kms_import *imp, uint32_t dmabuf_id, int rc)
{
	imp->failed[imp->next_failed].dmabuf_id = dmabuf_id;
	imp->failed[imp->next_failed].error = rc;
	imp->next_failed = (imp->next_failed + 1) % 4;
}

/* Other cache entries holding the same GEM handle. */
static unsigned int
handle_users(const struct kms_import *imp, uint32_t handle)
{
	unsigned int n = 0;

	for (int i = 0; i < KMS_IMPORT_CACHE; i++)
		if (imp->fbs[i].dmabuf_id && imp->fbs[i].handle == handle)
			n++;
	return n;
}

static void
drop(struct kms_import *imp, struct kms_import_fb *f)
{
	uint32_t handle = f->handle;

	drmModeRmFB(imp->drm_fd, f->fb_id);
	f->dmabuf_id = 0;
	if (handle_users(imp, handle) == 0)
		drmCloseBufferHandle(imp->drm_fd, handle);
	memset(f, 0, sizeof(*f));
}

static struct kms_import_fb *
lookup(struct kms_import *imp, const struct vfio_device_gfx_plane_info *i)
{
	for (int k = 0; k < KMS_IMPORT_CACHE; k++) {
		struct kms_import_fb *f = &imp->fbs[k];

		if (f->dmabuf_id == i->dmabuf_id && f->width == i->width &&
		    f->height == i->height && f->format == i->drm_format &&
		    f->stride == i->stride)
			return f;
	}
	return NULL;
}

/* A free slot, or the least recently used one not on screen. */
static struct kms_import_fb *
slot(struct kms_import *imp, uint32_t keep_a, uint32_t keep_b)
{
	struct kms_import_fb *old = NULL;

	for (int k = 0; k < KMS_IMPORT_CACHE; k++) {
		struct kms_import_fb *f = &imp->fbs[k];

		if (!f->dmabuf_id)
			return f;
		if (f->fb_id == keep_a || f->fb_id == keep_b)
			continue;
		if (!old || f->last_use < old->last_use)
			old = f;
	}
	if (old)
		drop(imp, old);
	return old;
}

int
kms_import_get(struct kms_import *imp, struct vgfb *ctx,
	       const struct vfio_device_gfx_plane_info *info, uint32_t keep_a,
	       uint32_t keep_b, uint32_t *fb_id, const char **step)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	struct kms_import_fb *f = lookup(imp, info);
	uint32_t handle;
	int fd, rc;

	if (f) {
		f->last_use = ++imp->clock;
		*fb_id = f->fb_id;
		return 0;
	}
	*step = "PRIME import";
	if (imp->driver_error)
		return -imp->driver_error;
	for (int k = 0; k < 4; k++)
		if (imp->failed[k].dmabuf_id == info->dmabuf_id)
			return imp->failed[k].error;
	fd = vgfb_get_gfx_dmabuf(ctx, info->dmabuf_id);
	if (fd < 0)
		return fd;
	rc = drmPrimeFDToHandle(imp->drm_fd, fd, &handle);
	rc = rc ? -errno : 0;
	close(fd);	/* the GEM object holds the dma-buf now */
	if (rc) {
		if (kms_import_error_is_driver_wide(-rc)) {
			imp->driver_error = -rc;
		} else {
			remember_failure(imp, info->dmabuf_id, rc);
		}
		return rc;
	}
	imp->imports++;
	handles[0] = handle;
	pitches[0] = info->stride;
	*step = "AddFB2";
	f = slot(imp, keep_a, keep_b);
	if (!f) {
		rc = -ENOSPC;
		goto out_handle;
	}
	/* vgfb's buffers are linear: no modifier */
	if (drmModeAddFB2(imp->drm_fd, info->width, info->height,
			  info->drm_format, handles, pitches, offsets, fb_id,
			  0)) {
		/* a format or pitch the driver cannot scan out */
		rc = -errno;
		remember_failure(imp, info->dmabuf_id, rc);
		goto out_handle;
	}
	*f = (struct kms_import_fb){
		.dmabuf_id = info->dmabuf_id, .fb_id = *fb_id, .handle = handle,
		.width = info->width, .height = info->height,
		.format = info->drm_format, .stride = info->stride,
		.last_use = ++imp->clock,
	};
	return 0;

out_handle:
	if (handle_users(imp, handle) == 0)
		drmCloseBufferHandle(imp->drm_fd, handle);
	return rc;
}

void
kms_import_clear(struct kms_import *imp)
{
	for (int k = 0; k < KMS_IMPORT_CACHE; k++)
		if (imp->fbs[k].dmabuf_id)
			drop(imp, &imp->fbs[k]);
}
