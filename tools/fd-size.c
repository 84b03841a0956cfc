/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "fd-size.h"

int
tool_fd_holds(int fd, size_t size, bool is_dmabuf)
{
	/* dma-bufs answer SEEK_END with their size, memfds with theirs */
	off_t end = lseek(fd, 0, SEEK_END);
	int seals;

	if (end < 0)
		return -errno;
	if ((uint64_t)end < size)
		return -EINVAL;
	if (is_dmabuf)
		return 0;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return -EINVAL;
	return 0;
}
