/* SPDX-License-Identifier: MIT */
/* The vgfbd instances in a run directory, with stable ids (instances.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "instances.h"

static const struct xb_domain *
find_name(const struct vf_instances *t, const char *name)
{
	for (unsigned int i = 0; i < t->n; i++)
		if (strcmp(t->seen[i].name, name) == 0)
			return &t->seen[i];
	return NULL;
}

unsigned int
vf_instances_update(struct vf_instances *t, const char *const *names,
		    unsigned int n)
{
	struct xb_domain now[XB_MAX_CHILDREN];
	unsigned int kept = 0, left_out = 0;

	for (unsigned int i = 0; i < n; i++) {
		const struct xb_domain *old;

		if (!xb_valid_name(names[i]) || kept == XB_MAX_CHILDREN) {
			left_out++;
			continue;
		}
		old = find_name(t, names[i]);
		if (old) {
			now[kept] = *old;
		} else {
			now[kept].domid = t->next_id++;
			memcpy(now[kept].name, names[i], strlen(names[i]) + 1);
		}
		kept++;
	}
	memcpy(t->seen, now, kept * sizeof(now[0]));
	t->n = kept;
	return left_out;
}

int
vf_scan(const char *run_dir, char (*names)[XB_NAME_LEN], unsigned int max)
{
	struct dirent *e;
	unsigned int n = 0;
	struct stat st;
	DIR *dir;
	int dfd;

	dir = opendir(run_dir);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	dfd = dirfd(dir);
	while ((e = readdir(dir)) && n < max) {
		char rel[XB_NAME_LEN + sizeof("/socket")];

		/*
		 * Directories only (vgfbd makes one per instance): by-domid
		 * holds links to them, and a link at the top would be the
		 * same instance twice.
		 */
		if (strlen(e->d_name) >= XB_NAME_LEN ||
		    !xb_valid_name(e->d_name) ||
		    fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (snprintf(rel, sizeof(rel), "%s/socket", e->d_name) >=
		    (int)sizeof(rel) ||
		    fstatat(dfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISSOCK(st.st_mode))
			continue;
		memcpy(names[n++], e->d_name, strlen(e->d_name) + 1);
	}
	closedir(dir);
	return (int)n;
}
