/* SPDX-License-Identifier: MIT */
/* Reading xenstore for vgfb-xen-backend (xs-scan.h). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs-scan.h"

/* A decimal domid below DOMID_FIRST_RESERVED (0x7FF0), no junk. */
static bool
parse_domid(const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v >= 0x7FF0)
		return false;
	*out = (uint32_t)v;
	return true;
}

int
xb_self_domid(struct xs_handle *xs, uint32_t *domid)
{
	unsigned int len;
	char *v = xs_read(xs, XBT_NULL, "domid", &len);
	bool ok = parse_domid(v, domid);

	free(v);
	return ok ? 0 : -ENOENT;
}

void
xb_backend_dir(uint32_t self_domid, char *buf, size_t len)
{
	snprintf(buf, len, "/local/domain/%u/backend/vdispl", self_domid);
}

/* Does backend/vdispl/<domid> hold a device (a numeric subdirectory)? */
static bool
has_device(struct xs_handle *xs, const char *dir)
{
	unsigned int n;
	char **devs = xs_directory(xs, XBT_NULL, dir, &n);
	uint32_t devid;
	bool found = false;

	for (unsigned int i = 0; devs && i < n && !found; i++)
		found = parse_domid(devs[i], &devid);
	free(devs);
	return found;
}

int
xb_scan(struct xs_handle *xs, uint32_t self_domid, struct xb_domain *out,
	unsigned int max, unsigned int *renamed)
{
	char base[64], path[96];
	unsigned int n_ids, found = 0, len;
	char **ids;

	*renamed = 0;
	xb_backend_dir(self_domid, base, sizeof(base));
	ids = xs_directory(xs, XBT_NULL, base, &n_ids);
	if (!ids)
		return errno == ENOENT ? 0 : -errno;
	for (unsigned int i = 0; i < n_ids && found < max; i++) {
		struct xb_domain *d = &out[found];
		char *name;

		if (!parse_domid(ids[i], &d->domid) || d->domid == self_domid)
			continue;
		snprintf(path, sizeof(path), "%s/%u", base, d->domid);
		if (!has_device(xs, path))
			continue;
		/* a domain being destroyed has no name node any more */
		snprintf(path, sizeof(path), "/local/domain/%u/name", d->domid);
		name = xs_read(xs, XBT_NULL, path, &len);
		if (!name)
			continue;
		if (len < XB_NAME_LEN && strlen(name) == len &&
		    xb_valid_name(name)) {
			memcpy(d->name, name, len + 1);
		} else {
			snprintf(d->name, sizeof(d->name), "domid-%u",
				 d->domid);
			(*renamed)++;
		}
		free(name);
		found++;
	}
	free(ids);
	return (int)found;
}
