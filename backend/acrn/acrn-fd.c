/* SPDX-License-Identifier: MIT */
/*
 * What a device model's fd really is, measured by us: the kind it claims
 * (a dma-buf, or a memfd with the seals that make its size and, for a
 * cursor, its bytes fixed) and its size.  A pipe, a socket, a regular
 * file, an unsealed memfd or one too small for the plane it is said to
 * hold never reaches the core.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "acrn.h"

#ifndef DMA_BUF_MAGIC
#define DMA_BUF_MAGIC 0x444d4142	/* "DMAB" */
#endif

#define MEMFD_SEALS (F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)

static int
refuse(char *why, size_t len, const char *what)
{
	snprintf(why, len, "%s", what);
	return -EINVAL;
}

static int
take_dmabuf(struct acrn_fd *f, char *why, size_t len)
{
	struct statfs sfs;
	off_t end;

	if (fstatfs(f->fd, &sfs) < 0 || sfs.f_type != DMA_BUF_MAGIC)
		return refuse(why, len, "the fd of a DMABUF buffer is not a "
			      "dma-buf");
	/* a dma-buf's size is fixed at export; SEEK_END is how it is told */
	end = lseek(f->fd, 0, SEEK_END);
	if (end <= 0)
		return refuse(why, len, "the dma-buf's size cannot be told");
	lseek(f->fd, 0, SEEK_SET);
	f->size = (uint64_t)end;
	return 0;
}

static int
take_memfd(struct acrn_fd *f, char *why, size_t len)
{
	unsigned int need = MEMFD_SEALS;
	struct stat st;
	int seals;
	void *p;

	if (f->kind == ACRN_FD_CURSOR)
		need |= F_SEAL_WRITE;
	if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode))
		return refuse(why, len, "the fd is not a memfd");
	seals = fcntl(f->fd, F_GET_SEALS);
	if (seals < 0)
		return refuse(why, len, "the fd is not a memfd (no seals)");
	if (((unsigned int)seals & need) != need) {
		snprintf(why, len, "the memfd is sealed 0x%x, not at least "
			 "0x%x (GROW|SHRINK|SEAL%s)", (unsigned int)seals,
			 need, f->kind == ACRN_FD_CURSOR ? "|WRITE" : "");
		return -EINVAL;
	}
	if (st.st_size <= 0 || (uint64_t)st.st_size > ACRN_MAX_MEMFD_BYTES) {
		snprintf(why, len, "the memfd holds %" PRId64 " bytes, not "
			 "1..%llu", (int64_t)st.st_size,
			 (unsigned long long)ACRN_MAX_MEMFD_BYTES);
		return -EINVAL;
	}
	f->size = (uint64_t)st.st_size;
	/*
	 * Writable when the seals allow it: vgfb.ko pins pages for writing.
	 * We never write; the seals keep the size, so no read faults.
	 */
	p = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	if (p == MAP_FAILED)
		p = mmap(NULL, f->size, PROT_READ, MAP_SHARED, f->fd, 0);
	if (p == MAP_FAILED) {
		snprintf(why, len, "the memfd cannot be mapped: %s",
			 strerror(errno));
		return -EINVAL;
	}
	f->map = p;
	return 0;
}

int
vgfb__acrn_fd_take(int fd, enum acrn_fd_kind kind, struct acrn_fd *out,
		   char *why, size_t why_len)
{
	int rc;

	*out = (struct acrn_fd){ .fd = fd, .kind = kind };
	if (fd < 0)
		return refuse(why, why_len, "no fd came with the buffer");
	rc = kind == ACRN_FD_DMABUF ? take_dmabuf(out, why, why_len)
				    : take_memfd(out, why, why_len);
	if (rc)
		vgfb__acrn_fd_release(out);
	return rc;
}

void
vgfb__acrn_fd_release(struct acrn_fd *f)
{
	if (f->map)
		munmap(f->map, f->size);
	if (f->fd >= 0)
		close(f->fd);
	*f = (struct acrn_fd){ .fd = -1 };
}
