/* SPDX-License-Identifier: MIT */
/*
 * The vgfb.ko rung, top of the exporter ladder: /dev/vgfb pins a range of
 * this process's page-backed memory (the backend's mapping of guest RAM)
 * and returns a dma-buf that keeps those pages alive by itself.  Under Xen
 * it also maps a domain's grant references itself (VGFB_FEATURE_XEN_GRANTS,
 * an x86 PV dom0 included) and returns a dma-buf that keeps the grant
 * mapping alive; in an x86 PV dom0 it also exports a domain's own frames
 * (VGFB_FEATURE_XEN_FOREIGN: vfb framebuffers), as an mmap-only dma-buf.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporter.h"
#include "../../kernel/uapi/vgfb_kmod.h"

#define VGFBKO_DEV "/dev/vgfb"

struct vgfbko_exporter {
	int fd;
	uint64_t features;
	uint32_t max_pages;
};

static int
vgfbko_probe(struct vgfb_local *m, void **priv, char *why, size_t why_len)
{
	struct vgfb_version version = { 0 };
	struct vgfbko_exporter *x;
	int fd;
	int rc;

	fd = open(VGFBKO_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, why_len, "%s: %s%s", VGFBKO_DEV, strerror(-rc),
			 rc == -ENOENT ? " (is vgfb.ko loaded?)" : "");
		return rc;
	}

	rc = vgfb__ioctl(fd, VGFB_IOC_VERSION, &version);
	if (rc < 0) {
		snprintf(why, why_len, "%s: version query failed: %s",
			 VGFBKO_DEV, strerror(-rc));
		/* ENOTTY: something else owns the name. */
		rc = rc == -ENOTTY ? -ENODEV : rc;
		goto out_close;
	}
	if (version.major != VGFB_KMOD_VERSION_MAJOR) {
		snprintf(why, why_len,
			 "%s speaks uapi %u.%u, this library needs %u.x",
			 VGFBKO_DEV, version.major, version.minor,
			 VGFB_KMOD_VERSION_MAJOR);
		rc = -EPROTONOSUPPORT;
		goto out_close;
	}

	x = calloc(1, sizeof(*x));
	if (!x) {
		rc = -ENOMEM;
		goto out_close;
	}
	x->fd = fd;
	x->features = version.features;
	x->max_pages = version.max_pages;
	*priv = x;
	return 0;

out_close:
	close(fd);
	return rc;
}

static void
vgfbko_release(void *priv)
{
	struct vgfbko_exporter *x = priv;

	if (!x)
		return;
	close(x->fd);
	free(x);
}

static bool
vgfbko_supports(void *priv, const struct vgfb_backing *b)
{
	struct vgfbko_exporter *x = priv;

	switch (b->kind) {
	case VGFB_BACKING_MEMFD:
		return x->features & VGFB_FEATURE_USER;
	case VGFB_BACKING_XEN_GRANTS:
		return x->features & VGFB_FEATURE_XEN_GRANTS;
	case VGFB_BACKING_XEN_GFNS:
	case VGFB_BACKING_XEN_MFNS:
		return x->features & VGFB_FEATURE_XEN_FOREIGN;
	default:
		return false;
	}
}

static int
vgfbko_check_xen(const struct vgfbko_exporter *x, const struct vgfb_backing *b)
{
	if (!b->xen.frames || b->xen.count == 0 ||
	    b->xen.domid >= VGFB_DOMID_LIMIT)
		return -EINVAL;
	if (b->size != (uint64_t)b->xen.count * VGFB_PAGE_SIZE)
		return -EINVAL;
	if (b->xen.count > x->max_pages)
		return -E2BIG;
	return 0;
}

/* Grant references are 32 bits in the uapi; the backing carries 64. */
static int
vgfbko_export_grants(struct vgfbko_exporter *x, const struct vgfb_backing *b)
{
	struct vgfb_create_xen_grants create = {
		.count = b->xen.count,
		.domid = b->xen.domid,
		.flags = 0,
	};
	uint32_t *refs;
	uint32_t i;
	int rc;

	refs = calloc(b->xen.count, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	for (i = 0; i < b->xen.count; i++) {
		if (b->xen.frames[i] > UINT32_MAX) {
			free(refs);
			return -EINVAL;
		}
		refs[i] = (uint32_t)b->xen.frames[i];
	}
	create.refs = (uint64_t)(uintptr_t)refs;
	rc = vgfb__ioctl(x->fd, VGFB_IOC_CREATE_XEN_GRANTS, &create);
	free(refs);
	return rc < 0 ? rc : create.fd;
}

static int
vgfbko_export_foreign(struct vgfbko_exporter *x, const struct vgfb_backing *b)
{
	struct vgfb_create_xen_foreign create = {
		.frames = (uint64_t)(uintptr_t)b->xen.frames,
		.count = b->xen.count,
		.domid = b->xen.domid,
		.flags = b->kind == VGFB_BACKING_XEN_MFNS ?
			 VGFB_CREATE_XEN_MACHINE_FRAMES : 0,
	};
	int rc;

	rc = vgfb__ioctl(x->fd, VGFB_IOC_CREATE_XEN_FOREIGN, &create);
	return rc < 0 ? rc : create.fd;
}

static int
vgfbko_export(void *priv, const struct vgfb_backing *b)
{
	struct vgfbko_exporter *x = priv;
	struct vgfb_create_user create = {
		.addr = (uint64_t)(uintptr_t)b->memfd.addr,
		.size = b->size,
		.flags = 0,
	};
	int rc;

	if (!vgfbko_supports(x, b))
		return -ENOTSUP;
	if (vgfb__backing_is_xen(b->kind)) {
		rc = vgfbko_check_xen(x, b);
		if (rc < 0)
			return rc;
		return b->kind == VGFB_BACKING_XEN_GRANTS ?
		       vgfbko_export_grants(x, b) :
		       vgfbko_export_foreign(x, b);
	}

	if (!b->memfd.addr || b->size == 0 ||
	    b->size % VGFB_PAGE_SIZE != 0 ||
	    (uintptr_t)b->memfd.addr % VGFB_PAGE_SIZE != 0)
		return -EINVAL;
	if (b->size / VGFB_PAGE_SIZE > x->max_pages)
		return -E2BIG;

	rc = vgfb__ioctl(x->fd, VGFB_IOC_CREATE_USER, &create);
	if (rc < 0)
		return rc;
	return create.fd;
}

const struct vgfb_exporter_ops vgfb__exporter_vgfbko = {
	.name = "vgfb",
	.probe = vgfbko_probe,
	.release = vgfbko_release,
	.supports = vgfbko_supports,
	.export = vgfbko_export,
};
