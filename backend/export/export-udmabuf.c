/* SPDX-License-Identifier: MIT */
/*
 * The udmabuf rung: memfd-backed guest RAM (sim, ACRN) exported by the
 * kernel's own /dev/udmabuf.  udmabuf wants a shmem or hugetlbfs memfd
 * sealed against shrinking and not against writing; the sim's RAM is made
 * that way.  Built in Debian's bookworm-backports kernels, absent in 6.1.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/udmabuf.h>

#include "exporter.h"

#define UDMABUF_DEV "/dev/udmabuf"

struct udmabuf_exporter {
	int fd;
};

static int
udmabuf_probe(struct vgfb_local *m, void **priv, char *why, size_t why_len)
{
	struct udmabuf_exporter *x;
	int fd;

	fd = open(UDMABUF_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		snprintf(why, why_len, "%s: %s", UDMABUF_DEV, strerror(err));
		return -err;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		close(fd);
		return -ENOMEM;
	}
	x->fd = fd;
	*priv = x;
	return 0;
}

static void
udmabuf_release(void *priv)
{
	struct udmabuf_exporter *x = priv;

	if (!x)
		return;
	close(x->fd);
	free(x);
}

static bool
udmabuf_supports(void *priv, const struct vgfb_backing *b)
{
	return b->kind == VGFB_BACKING_MEMFD;
}

static int
udmabuf_export(void *priv, const struct vgfb_backing *b)
{
	struct udmabuf_exporter *x = priv;
	struct udmabuf_create create = {
		.memfd = (uint32_t)b->memfd.fd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = b->memfd.offset,
		.size = b->size,
	};

	if (b->kind != VGFB_BACKING_MEMFD)
		return -ENOTSUP;
	return vgfb__ioctl(x->fd, UDMABUF_CREATE, &create);
}

const struct vgfb_exporter_ops vgfb__exporter_udmabuf = {
	.name = "udmabuf",
	.probe = udmabuf_probe,
	.release = udmabuf_release,
	.supports = udmabuf_supports,
	.export = udmabuf_export,
};
