/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "socket-file.h"

bool
vgfb__instance_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
		      *s == '.'))
			return false;
	return true;
}

static int
mkdir_parents(const char *path)
{
	char *copy = strdup(path);
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		*p = '/';
	}
	free(copy);
	return rc;
}

/* Is somebody listening at addr? */
static bool
socket_alive(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return true;	/* cannot tell: do not steal it */
	alive = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0 ||
		errno != ECONNREFUSED;
	close(fd);
	return alive;
}

bool
vgfb__socket_file_alive(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(addr.sun_path))
		return true;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	return socket_alive(&addr);
}

int
vgfb__socket_file_listen(struct vgfb_socket_file *sf, const char *path,
			 mode_t mode, int backlog, bool *replaced)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	*sf = (struct vgfb_socket_file){ .fd = -1 };
	*replaced = false;
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	rc = mkdir_parents(path);
	if (rc)
		return rc;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	if (rc < 0 && errno == EADDRINUSE && lstat(path, &st) == 0 &&
	    S_ISSOCK(st.st_mode) && !socket_alive(&addr)) {
		*replaced = true;
		unlink(path);
		rc = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	}
	if (rc < 0) {
		rc = -errno;
		goto out_close;
	}
	/* connect() is refused until listen(): nobody saw the umask's mode */
	if (lstat(path, &st) < 0 || chmod(path, mode) < 0) {
		rc = -errno;
		unlink(path);
		goto out_close;
	}
	sf->dev = st.st_dev;
	sf->ino = st.st_ino;
	sf->bound = true;
	if (listen(fd, backlog) < 0) {
		rc = -errno;
		vgfb__socket_file_close(sf, path);
		goto out_close;
	}
	sf->fd = fd;
	return 0;

out_close:
	close(fd);
	return rc;
}

void
vgfb__socket_file_close(struct vgfb_socket_file *sf, const char *path)
{
	struct stat st;

	if (sf->bound && lstat(path, &st) == 0 && st.st_dev == sf->dev &&
	    st.st_ino == sf->ino)
		unlink(path);
	sf->bound = false;
	if (sf->fd >= 0)
		close(sf->fd);
	sf->fd = -1;
}
