/* SPDX-License-Identifier: MIT */
/*
 * The bottom rung: no dma-buf at all.  A REGION answer is a new sealed memfd
 * holding a snapshot of the plane, so its mmap at offset 0 shows exactly the
 * plane's size bytes and nothing beyond it in guest memory, and a consumer
 * cannot write into it (F_SEAL_WRITE).  This is a copy by design: without a
 * kernel exporter there is no fd that shows a sub-range of guest RAM at
 * offset 0.  The zero-copy paths are the dma-buf rungs above.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exporter.h"

static int
region_probe(struct vgfb_local *m, void **priv, char *why, size_t why_len)
{
	*priv = m;
	return 0;
}

static bool
region_supports(void *priv, enum vgfb_backing_kind kind)
{
	return true;	/* anything the backend can map for the CPU */
}

static int
region_export(void *priv, const struct vgfb_backing *b)
{
	const unsigned int seals = F_SEAL_SHRINK | F_SEAL_GROW |
				   F_SEAL_WRITE | F_SEAL_SEAL;
	struct vgfb_local *m = priv;
	const void *src;
	void *dst;
	int fd, rc;

	rc = vgfb__local_map(m, b, &src);
	if (rc)
		return rc;
	fd = memfd_create("vgfb-region", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		rc = -errno;
		goto out_unmap;
	}
	if (ftruncate(fd, (off_t)b->size) < 0) {
		rc = -errno;
		goto out_close;
	}
	dst = mmap(NULL, b->size, PROT_WRITE, MAP_SHARED, fd, 0);
	if (dst == MAP_FAILED) {
		rc = -errno;
		goto out_close;
	}
	memcpy(dst, src, b->size);
	munmap(dst, b->size);
	if (fcntl(fd, F_ADD_SEALS, seals) < 0) {
		rc = -errno;
		goto out_close;
	}
	vgfb__local_unmap(m, b, src);
	return fd;

out_close:
	close(fd);
out_unmap:
	vgfb__local_unmap(m, b, src);
	return rc;
}

const struct vgfb_exporter_ops vgfb__exporter_region = {
	.name = "region",
	.is_dmabuf = false,
	.probe = region_probe,
	.supports = region_supports,
	.export = region_export,
};
