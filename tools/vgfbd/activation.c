/* SPDX-License-Identifier: MIT */
/*
 * Socket activation without libsystemd (sd_listen_fds(3)): the manager
 * sets LISTEN_PID to our pid and LISTEN_FDS to the number of fds passed
 * from fd 3 on.  vgfbd serves one socket, so exactly one must be passed,
 * and it must be what vgfbd would have made itself.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "activation.h"

static int refuse(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* (validate.c and xen/shared-page.h have the same idiom for guest input) */
static int
refuse(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A decimal number without sign, spaces or trailing junk. */
static bool
parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end;
}

static int
sockopt_int(int fd, int opt, int *val)
{
	socklen_t len = sizeof(*val);

	return getsockopt(fd, SOL_SOCKET, opt, val, &len) == 0 &&
	       len == sizeof(*val) ? 0 : -errno;
}

/* fd is what listen_on() would have made: a listening seqpacket socket. */
static int
check_socket(int fd, char *why, size_t why_len)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type, listening, flags;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return refuse(why, why_len, "fd %d is no socket: %s", fd,
			      strerror(errno));
	if (ss.ss_family != AF_UNIX)
		return refuse(why, why_len, "fd %d is not an AF_UNIX socket "
			      "(family %d)", fd, ss.ss_family);
	if (sockopt_int(fd, SO_TYPE, &type) || type != SOCK_SEQPACKET)
		return refuse(why, why_len, "fd %d is not a SOCK_SEQPACKET "
			      "socket (ListenSequentialPacket=)", fd);
	if (sockopt_int(fd, SO_ACCEPTCONN, &listening) || !listening)
		return refuse(why, why_len, "fd %d is not listening (Accept=no "
			      "is needed)", fd);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return refuse(why, why_len, "fd %d: %s", fd, strerror(errno));
	return 0;
}

int
vgfbd_activated_socket(int *fd, char *why, size_t why_len)
{
	const char *pid_s = getenv("LISTEN_PID");
	const char *fds_s = getenv("LISTEN_FDS");
	unsigned long pid, n;
	int rc = 0;

	*fd = -1;
	why[0] = '\0';
	if (!pid_s)
		goto out;
	if (!parse_ulong(pid_s, &pid)) {
		rc = refuse(why, why_len, "LISTEN_PID=\"%s\" is no pid", pid_s);
		goto out;
	}
	if (pid != (unsigned long)getpid())
		goto out;	/* meant for a parent that exec'd us: not ours */
	if (!parse_ulong(fds_s, &n)) {
		rc = refuse(why, why_len, "LISTEN_FDS=\"%s\" is no count",
			    fds_s ? fds_s : "(unset)");
		goto out;
	}
	if (n != 1) {
		rc = refuse(why, why_len, "%lu sockets passed (LISTEN_FDS), "
			    "vgfbd serves exactly one", n);
		goto out;
	}
	rc = check_socket(VGFBD_LISTEN_FDS_START, why, why_len);
	if (rc == 0)
		*fd = VGFBD_LISTEN_FDS_START;
out:
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return rc;
}
