/* SPDX-License-Identifier: MIT */
/* vgfb-xen-backend's runtime directory (rundir.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rundir.h"
#include "socket-file.h"

static void
link_path(char *buf, size_t len, const char *run_dir, uint32_t domid)
{
	snprintf(buf, len, "%s/by-domid/%u", run_dir, domid);
}

void
xb_rundir_link(const char *run_dir, uint32_t domid, const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX], target[PATH_MAX];
	char tmp[PATH_MAX + sizeof(".new")];

	snprintf(dir, sizeof(dir), "%s/by-domid", run_dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return;
	link_path(path, sizeof(path), run_dir, domid);
	snprintf(target, sizeof(target), "../%s", name);
	/* replaced in one step: a reader never finds it missing */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	if (symlink(target, tmp) == 0 && rename(tmp, path) < 0)
		unlink(tmp);
}

void
xb_rundir_rename(const char *run_dir, uint32_t domid, const char *old,
		 const char *new_name)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct stat st;

	snprintf(from, sizeof(from), "%s/%s", run_dir, old);
	snprintf(to, sizeof(to), "%s/%s", run_dir, new_name);
	/* the listening socket moves with its directory and keeps working */
	if (lstat(to, &st) < 0)
		rename(from, to);
	xb_rundir_link(run_dir, domid, new_name);
}

void
xb_rundir_remove(const char *run_dir, uint32_t domid, const char *name,
		 bool keep_dir)
{
	char path[PATH_MAX], target[PATH_MAX], want[PATH_MAX];
	ssize_t n;
	struct stat st;

	link_path(path, sizeof(path), run_dir, domid);
	snprintf(want, sizeof(want), "../%s", name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n >= 0) {
		target[n] = '\0';
		if (strcmp(target, want) == 0)
			unlink(path);
	}
	if (keep_dir)
		return;
	snprintf(path, sizeof(path), "%s/%s/socket", run_dir, name);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && !vgfb__socket_file_alive(path))
		unlink(path);
	snprintf(path, sizeof(path), "%s/%s", run_dir, name);
	rmdir(path);	/* only when empty: anything else is not ours */
}
