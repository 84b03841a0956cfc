/* SPDX-License-Identifier: MIT */
/*
 * vgfbd - serve one guest's planes to many display consumers over a
 * SOCK_SEQPACKET socket (docs/protocol.md, vgfbd(8)).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "activation.h"
#include "server.h"
#include "socket-file.h"

#define RUN_DIR "/run/vgfb"

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: vgfbd [OPTIONS]\n"
"Serve a guest's display planes and dma-bufs to local consumers.\n"
"\n"
"  -t, --target=TARGET        guest to serve (vgfb_open() target; default sim)\n"
"  -n, --name=NAME            instance name; socket " RUN_DIR "/NAME/socket\n"
"                             (default: the target up to its first ':';\n"
"                             acrn:NAME,...: NAME)\n"
"  -s, --socket=PATH          listen on PATH instead\n"
"      --socket-mode=OCTAL    permissions of the socket (default 0660)\n"
"      --max-clients=N        refuse clients beyond N (default 64)\n"
"      --max-clients-per-uid=N  refuse a uid's clients beyond N (default:\n"
"                             three quarters of --max-clients)\n"
"      --queue-len=N          per-client event queue, 2..4096 (default 64)\n"
"      --stall-timeout-ms=MS  drop a client that reads nothing for MS\n"
"                             while a message waits for it (default 30000;\n"
"                             0 never)\n"
"      --sim-flip-ms=MS       sim targets: flip every head every MS\n"
"      --sim-control          sim targets: accept SIM_CONTROL messages\n"
"                             (tests and demos; any client may drive the\n"
"                             guest)\n""      --no-input             refuse consumers' input to the guest\n"
"                             (keyboard, pointer)\n"
"  -v, --verbose              more messages (twice: debug)\n"
"  -h, --help                 this text\n");
}

static bool
parse_uint(const char *s, unsigned long max, int base, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. */
static void
notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	socklen_t len;
	size_t n;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	n = strlen(path);
	if (n >= sizeof(addr.sun_path))
		return;
	memcpy(addr.sun_path, path, n);
	if (path[0] == '@')
		addr.sun_path[0] = '\0';	/* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	       (struct sockaddr *)&addr, len);
	close(fd);
}

/*
 * The path an activated socket is bound to ("@name" for an abstract
 * one), for messages: false for an unnamed socket or one too long for
 * buf.
 */
static bool
activated_path(int fd, char *buf, size_t size)
{
	struct sockaddr_un addr;
	socklen_t len = sizeof(addr);
	size_t n;

	if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0 ||
	    len <= offsetof(struct sockaddr_un, sun_path))
		return false;
	n = len - offsetof(struct sockaddr_un, sun_path);
	if (addr.sun_path[0] != '\0')
		n = strnlen(addr.sun_path, n);
	if (n == 0 || n >= size)
		return false;
	memcpy(buf, addr.sun_path, n);
	buf[n] = '\0';
	if (buf[0] == '\0')
		buf[0] = '@';
	for (size_t i = 1; i < n; i++)
		if (buf[i] == '\0')
			return false;	/* cannot be printed */
	return true;
}

enum {
	OPT_SOCKET_MODE = 0x100,
	OPT_MAX_CLIENTS,
	OPT_MAX_CLIENTS_PER_UID,
	OPT_QUEUE_LEN,
	OPT_STALL,
	OPT_FLIP,
	OPT_SIM_CONTROL,
	OPT_NO_INPUT,
	OPT_SNDBUF,
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 's' },
		{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
		{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
		{ "max-clients-per-uid", required_argument, NULL,
		  OPT_MAX_CLIENTS_PER_UID },
		{ "queue-len", required_argument, NULL, OPT_QUEUE_LEN },
		{ "stall-timeout-ms", required_argument, NULL, OPT_STALL },
		{ "sim-flip-ms", required_argument, NULL, OPT_FLIP },
		{ "sim-control", no_argument, NULL, OPT_SIM_CONTROL },
		{ "no-input", no_argument, NULL, OPT_NO_INPUT },
		/* tests only: small client send buffers fill quickly */
		{ "client-sndbuf", required_argument, NULL, OPT_SNDBUF },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vgfbd_options o = {
		.target = "sim",
		.socket_mode = 0660,
		.max_clients = 64,
		.queue_len = 64,
		.stall_timeout_ms = 30000,
	};
	/* the default path, or any sun_path of an activated socket */
	char name[65], path[sizeof(RUN_DIR) + 65 + sizeof("/socket") + 32];
	const char *name_opt = NULL;
	char why[160];
	struct vgfbd *d;
	unsigned long v;
	sigset_t mask;
	int c, rc;

	while ((c = getopt_long(argc, argv, "t:n:s:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o.target = optarg;
			break;
		case 'n':
			name_opt = optarg;
			break;
		case 's':
			o.socket_path = optarg;
			break;
		case OPT_SOCKET_MODE:
			if (!parse_uint(optarg, 0777, 8, &v))
				goto bad_value;
			o.socket_mode = (mode_t)v;
			break;
		case OPT_MAX_CLIENTS:
			if (!parse_uint(optarg, 65536, 10, &v) || v == 0)
				goto bad_value;
			o.max_clients = (unsigned int)v;
			break;
		case OPT_MAX_CLIENTS_PER_UID:
			if (!parse_uint(optarg, 65536, 10, &v) || v == 0)
				goto bad_value;
			o.max_clients_per_uid = (unsigned int)v;
			break;
		case OPT_QUEUE_LEN:
			if (!parse_uint(optarg, 4096, 10, &v) || v < 2)
				goto bad_value;
			o.queue_len = (unsigned int)v;
			break;
		case OPT_STALL:
			if (!parse_uint(optarg, INT_MAX, 10, &v))
				goto bad_value;
			o.stall_timeout_ms = (unsigned int)v;
			break;
		case OPT_FLIP:
			if (!parse_uint(optarg, 3600000, 10, &v))
				goto bad_value;
			o.sim_flip_ms = (unsigned int)v;
			break;
		case OPT_SIM_CONTROL:
			o.sim_control = true;
			break;
		case OPT_NO_INPUT:
			o.no_input = true;
			break;
		case OPT_SNDBUF:
			if (!parse_uint(optarg, INT_MAX, 10, &v))
				goto bad_value;
			o.client_sndbuf = (int)v;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vgfbd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	rc = vgfbd_activated_socket(&o.listen_fd, why, sizeof(why));
	if (rc) {
		fprintf(stderr, "vgfbd: socket activation: %s\n", why);
		return 1;
	}
	o.activated = o.listen_fd >= 0;
	if (o.activated) {
		if (!activated_path(o.listen_fd, path, sizeof(path))) {
			fprintf(stderr, "vgfbd: socket activation: the passed "
				"socket has no path\n");
			return 1;
		}
		o.socket_path = path;	/* for messages: the manager's */
	} else if (!o.socket_path) {
		if (name_opt) {
			snprintf(name, sizeof(name), "%s", name_opt);
		} else if (strncmp(o.target, "acrn:", 5) == 0) {
			/* the VM's name: its source socket is beside ours */
			size_t n = strcspn(o.target + 5, ",");

			snprintf(name, sizeof(name), "%.*s",
				 (int)(n < 64 ? n : 64), o.target + 5);
		} else {
			size_t n = strcspn(o.target, ":");

			snprintf(name, sizeof(name), "%.*s",
				 (int)(n < 64 ? n : 64), o.target);
		}
		if (!vgfb__instance_name_ok(name) ||
		    (name_opt && strlen(name_opt) > 64)) {
			fprintf(stderr, "vgfbd: \"%s\" is no valid instance "
				"name ([A-Za-z0-9_.-]+, use --name)\n", name);
			return 2;
		}
		snprintf(path, sizeof(path), RUN_DIR "/%s/socket", name);
		o.socket_path = path;
	}

	/* signals arrive through the server's signalfd */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = vgfbd_new(&o, &d);
	if (rc) {
		fprintf(stderr, "vgfbd: %s\n", strerror(-rc));
		return 1;
	}
	notify("READY=1");
	rc = vgfbd_run(d);
	notify("STOPPING=1");
	vgfbd_free(d);
	if (rc) {
		fprintf(stderr, "vgfbd: %s\n", strerror(-rc));
		return 1;
	}
	return 0;

bad_value:
	fprintf(stderr, "vgfbd: bad option value \"%s\"\n", optarg);
	usage(stderr);
	return 2;
}
