/* SPDX-License-Identifier: MIT */
/* Whether a plane's fd really holds the bytes its plane record claims. */
#ifndef VGFB_FD_SIZE_H
#define VGFB_FD_SIZE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * 0 when fd holds at least size bytes for as long as it is mapped: a
 * dma-buf's size never changes; a region (a memfd) must be sealed against
 * shrinking.  -EINVAL otherwise (a daemon that lies about either would
 * turn a read of the mapping into SIGBUS), or -errno.
 */
int tool_fd_holds(int fd, size_t size, bool is_dmabuf);

#endif
