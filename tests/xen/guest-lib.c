// SPDX-License-Identifier: MIT
/* Shared by guest-drm and guest-fb: guest-lib.h. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#include "guest-lib.h"
#include "../tier-lib.h"

int
guest_xs_read(int xb, uint32_t req_id, const char *path, char *out,
	      size_t outlen)
{
	struct xsd_sockmsg msg = {
		.type = XS_READ,
		.req_id = req_id,
		.len = (uint32_t)strlen(path) + 1,
	};
	char buf[sizeof(msg) + 256];
	char payload[XENSTORE_PAYLOAD_MAX + 1];
	ssize_t n;
	int rc;

	if (msg.len > sizeof(buf) - sizeof(msg))
		return -ENAMETOOLONG;
	memcpy(buf, &msg, sizeof(msg));
	memcpy(buf + sizeof(msg), path, msg.len);
	/* the kernel wants header and payload in one write */
	n = write(xb, buf, sizeof(msg) + msg.len);
	if (n < 0)
		return -errno;
	if ((size_t)n != sizeof(msg) + msg.len)
		return -EIO;
	rc = tier_read_full(xb, &msg, sizeof(msg));
	if (rc)
		return rc;
	if (msg.len > XENSTORE_PAYLOAD_MAX)
		return -EPROTO;
	rc = tier_read_full(xb, payload, msg.len);
	if (rc)
		return rc;
	payload[msg.len] = '\0';
	if (msg.type == XS_ERROR)
		return strcmp(payload, "ENOENT") == 0 ? -ENOENT : -EACCES;
	/* one request at a time: the kernel hands the reply to this file */
	if (msg.type != XS_READ)
		return -EPROTO;
	if (msg.len >= outlen)
		return -E2BIG;
	memcpy(out, payload, msg.len + 1);
	return 0;
}

int
guest_xs_wait_step(int xb, const char *node, long step, const char *err_tag)
{
	static uint32_t req_id = 1;
	char v[64];
	int rc;

	for (;;) {
		rc = guest_xs_read(xb, req_id++, node, v, sizeof(v));
		if (rc == 0 && strtol(v, NULL, 10) >= step)
			return 0;
		if (rc && rc != -ENOENT) {
			printf("%s xenstore read %s: %s\n", err_tag, node,
			       strerror(-rc));
			return rc;
		}
		usleep(200000);
	}
}

void
guest_idle_forever(void)
{
	for (;;)
		pause();
}
