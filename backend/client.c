/* SPDX-License-Identifier: MIT */
/* Placeholder until the vgfbd client lands (issue 3). */
#include "config.h"

#include <errno.h>

#include "private.h"

int
vgfb__client_open(struct vgfb *ctx, const char *socket_path)
{
	log_error(ctx, "daemon targets are not built yet (%s)", socket_path);
	return -ENOTSUP;
}
