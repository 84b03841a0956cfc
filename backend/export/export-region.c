/* SPDX-License-Identifier: MIT */
/*
 * The live REGION view (region.h).  Why a memfd of our own and not the
 * guest's memory: without a kernel exporter no fd shows a sub-range of
 * guest RAM at offset 0 without also showing the rest of it.  Why
 * F_SEAL_FUTURE_WRITE and not a read-only reopen through /proc/self/fd:
 * a memfd's inode is mode 0777, so whoever holds any fd of it can reopen
 * it read-write through /proc; the seal is a property of the file and
 * holds for every fd, while our own mapping, made before the seal, stays
 * writable.  F_SEAL_WRITE cannot be used: it refuses to seal while a
 * writable mapping exists.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "damage.h"
#include "private.h"
#include "region.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010	/* Linux 5.1 */
#endif

#define CONSUMER_SEALS (F_SEAL_FUTURE_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | \
			F_SEAL_SEAL)

struct vgfb_region {
	int fd;			/* the file; consumers get dups of it */
	uint8_t *view;		/* our writable mapping, size bytes */
	struct vgfb_region_geom g;
	struct vgfb_damage pending;
};

/* All of buf into fd from offset 0, however the kernel splits it. */
static int
write_all(int fd, const uint8_t *buf, uint64_t size)
{
	uint64_t done = 0;

	while (done < size) {
		ssize_t n = pwrite(fd, buf + done, size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (uint64_t)n;
	}
	return 0;
}

/*
 * A sealed memfd of size bytes holding src (NULL: zeros), and our
 * writable mapping of it.  The first fill is a write(), not a copy
 * through a fresh mapping, which would make the kernel zero each new page
 * and take a fault per page before copying into it; write() allocates and
 * fills each page in one go.  The mapping is populated in one call for
 * the same reason, so later syncs take no fault per page either
 * (vgfb-bench part c, docs/performance.md).
 */
static int
make_sealed(uint64_t size, const void *src, int *fd_out, uint8_t **view_out)
{
	void *view;
	int fd, rc;

	fd = memfd_create("vgfb-region", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		rc = -errno;
		goto out_close;
	}
	if (src) {
		rc = write_all(fd, src, size);
		if (rc)
			goto out_close;
	}
	view = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, fd, 0);
	if (view == MAP_FAILED) {
		rc = -errno;
		goto out_close;
	}
	if (fcntl(fd, F_ADD_SEALS, CONSUMER_SEALS) < 0) {
		rc = -errno;
		munmap(view, size);
		goto out_close;
	}
	*fd_out = fd;
	*view_out = view;
	return 0;

out_close:
	close(fd);
	return rc;
}

int
vgfb__region_probe(char *why, size_t why_len)
{
	uint8_t *view;
	int fd, rc;

	rc = make_sealed(VGFB_PAGE_SIZE, NULL, &fd, &view);
	if (rc) {
		snprintf(why, why_len, "cannot make a sealed memfd (%s%s)",
			 strerror(-rc), rc == -EINVAL ?
			 "; F_SEAL_FUTURE_WRITE needs Linux 5.1" : "");
		return rc;
	}
	munmap(view, VGFB_PAGE_SIZE);
	close(fd);
	return 0;
}

int
vgfb__region_new(const struct vgfb_region_geom *g, const void *src,
		 struct vgfb_region **out)
{
	struct vgfb_region *r;
	int rc;

	/* validate.c checked these; a slip here would copy past the view */
	if (!g->cpp || (uint64_t)g->width * g->cpp > g->stride ||
	    (uint64_t)g->stride * g->height > g->size || g->size == 0)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = make_sealed(g->size, src, &r->fd, &r->view);
	if (rc) {
		free(r);
		return rc;
	}
	r->g = *g;
	*out = r;
	return 0;
}

void
vgfb__region_free(struct vgfb_region *r)
{
	if (!r)
		return;
	/* consumers' fds and mappings keep the file alive; we let go */
	munmap(r->view, r->g.size);
	close(r->fd);
	free(r);
}

int
vgfb__region_fd(const struct vgfb_region *r)
{
	return vgfb__dup_cloexec(r->fd);
}

void
vgfb__region_damage(struct vgfb_region *r, const struct vgfb_rect *rect)
{
	if (rect)
		vgfb__damage_add_rect(&r->pending, rect);
	else
		vgfb__damage_all(&r->pending);
}

bool
vgfb__region_pending(const struct vgfb_region *r)
{
	return r->pending.all || r->pending.n;
}

/* One rectangle, clipped to the plane: every byte copied is inside it. */
static uint64_t
copy_rect(struct vgfb_region *r, const void *src,
	  const struct vgfb_rect *rect)
{
	const struct vgfb_region_geom *g = &r->g;
	uint64_t w = rect->width, h = rect->height, off, len;

	if (rect->x >= g->width || rect->y >= g->height)
		return 0;
	if (w > g->width - rect->x)
		w = g->width - rect->x;
	if (h > g->height - rect->y)
		h = g->height - rect->y;
	off = (uint64_t)rect->y * g->stride + (uint64_t)rect->x * g->cpp;
	len = w * g->cpp;
	for (uint64_t row = 0; row < h; row++, off += g->stride)
		memcpy(r->view + off, (const uint8_t *)src + off, len);
	return len * h;
}

uint64_t
vgfb__region_sync(struct vgfb_region *r, const void *src)
{
	uint64_t copied = 0;

	if (r->pending.all) {
		memcpy(r->view, src, r->g.size);
		copied = r->g.size;
	} else {
		for (uint32_t i = 0; i < r->pending.n; i++)
			copied += copy_rect(r, src, &r->pending.rect[i]);
	}
	r->pending.all = false;
	r->pending.n = 0;
	return copied;
}
