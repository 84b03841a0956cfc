/* SPDX-License-Identifier: MIT */
/*
 * vgfb-vnc: serve one head of a guest's display to VNC viewers.
 *
 * Everything runs in aml, neatvnc's event loop: the context's event fd is
 * one of its handlers, so a guest change wakes us and nothing polls.  On
 * each wake-up the events are drained and the planes queried once, with
 * the damage the library coalesced since the last query.
 *
 * The neatvnc server is never closed: neatvnc 0.5 frees a viewer (and its
 * encoder) while an encoder job may still run on aml's worker threads, a
 * use after free seen here as crashes inside zlib.  So viewers stay
 * connected while --on-guest-gone wait waits (they see black), and at
 * exit the process ends without tearing neatvnc down: the kernel closes
 * every viewer's connection.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <aml.h>
#include <neatvnc.h>
#include <xf86drmMode.h>	/* DRM_PLANE_TYPE_* */

#include "cursor.h"
#include "frames.h"
#include "listen.h"
#include "net-guard.h"
#include "rfb-input.h"
#include "security.h"
#include "stats.h"
#include "tool-util.h"

#define REOPEN_MS 1000

struct app {
	struct tool_options o;
	const char *listen_spec;
	struct vnc_listen listen;
	struct vnc_security sec;
	bool print_stats;
	bool wait_on_gone;
	bool view_only;		/* --view-only: viewers' input is dropped */
	bool no_input;		/* the guest takes none: said once, dropped */
	int input_error;	/* the last input error said, 0: none */
	uint32_t width, height;	/* the plane shown: pointer positions' range */
	struct aml *aml;
	struct vgfb *ctx;
	uint32_t flag;		/* DMABUF or REGION */
	struct aml_handler *events;
	struct nvnc *server;
	struct nvnc_display *display;
	struct vnc_frames *frames;
	struct vnc_cursor cursor;
	bool black;		/* the plane is disabled and black is shown */
	int last_error;		/* said once until it changes */
	struct aml_timer *retry;	/* a frame waits for a free shadow */
	struct aml_ticker *reopen;	/* --on-guest-gone wait */
	struct vnc_stats stats;
	int status;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: vgfb-vnc [OPTIONS]\n"
		"Serve one head of a guest's display to VNC viewers.\n\n"
		"  -t, --target TARGET       sim[:options], unix:PATH or a daemon name (default: sim)\n"
		"  -H, --head N              head to serve (default: 0)\n"
		"  -l, --listen ADDR         ADDRESS:PORT, [IPV6]:PORT or unix:PATH\n"
		"                            (default: " VNC_DEFAULT_LISTEN ")\n"
		"      --tls-cert FILE       TLS certificate (PEM), for a non-loopback address\n"
		"      --tls-key FILE        its private key (PEM)\n"
		"      --auth-file FILE      one line USER:PASSWORD viewers must give\n"
		"      --view-only           ignore viewers' keyboard and pointer\n"
		"      --on-guest-gone WHAT  exit (default) or wait for the guest to come back\n"
		"      --stats               print counters and latency at exit and on SIGUSR1\n"
		"  -m, --mode MODE           auto, dmabuf or region (default: auto)\n"
		"  -v, --verbose             log more (twice: debug)\n"
		"  -h, --help                this text\n");
}

/* ---- neatvnc's messages, at our verbosity ---- */

static void
on_nvnc_log(const struct nvnc_log_data *d, const char *msg)
{
	fprintf(stderr, "vgfb-vnc: neatvnc: %s%s", msg,
		msg[0] && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
}

/* ---- the primary plane and the cursor ---- */

static void guest_gone(struct app *a);

/* A guest that keeps sending a bad plane must not flood the log. */
static void
say_once(struct app *a, const char *what, int rc)
{
	if (rc != a->last_error)
		fprintf(stderr, "vgfb-vnc: %s: %s\n", what, strerror(-rc));
	a->last_error = rc;
}

static void
show_primary(struct app *a)
{
	struct vfio_device_gfx_plane_info info;
	struct vgfb_plane_ext ext;
	int rc, tries = 0;

again:
	rc = tool_query_primary(a->o.progname, a->ctx, &a->flag,
				a->o.mode == MODE_AUTO, &info, &ext);
	if (rc == -ENODEV || rc == -ENOTCONN) {
		guest_gone(a);
		return;
	}
	if (rc) {
		/* a plane the library refused: keep showing the last frame */
		say_once(a, "primary plane", rc);
		return;
	}
	if (!info.drm_format) {
		if (!a->black && vnc_frames_black(a->frames) == 0)
			a->black = true;
		return;
	}
	rc = vnc_frames_show(a->frames, a->ctx, a->flag, &info, &ext);
	if (rc == -ENOENT && ++tries < 3)
		goto again;	/* the buffer went away between query and get */
	if (rc == 0) {
		a->black = false;
		a->last_error = 0;
		a->width = info.width;
		a->height = info.height;
	} else if (rc != -EBUSY) {
		say_once(a, "showing the plane", rc);
	}
}

static void
show_cursor(struct app *a, bool redrawn)
{
	int rc = vnc_cursor_update(&a->cursor, a->server, a->ctx, a->flag,
				   redrawn);

	if (rc == -ENODEV || rc == -ENOTCONN)
		guest_gone(a);
	else if (rc)
		fprintf(stderr, "vgfb-vnc: cursor plane: %s\n", strerror(-rc));
}

static void
on_events(void *handler)
{
	struct app *a = aml_get_userdata(handler);
	bool primary = false, cursor = false, redrawn = false, gone = false;
	struct vgfb_event ev;

	while (vgfb_read_event(a->ctx, &ev) == 0) {
		switch (ev.type) {
		case VGFB_EVENT_GUEST_GONE:
			gone = true;
			break;
		case VGFB_EVENT_OVERFLOW:
			primary = cursor = redrawn = true;
			break;
		default:
			if (ev.head != a->o.head)
				break;
			if (ev.drm_plane_type == DRM_PLANE_TYPE_CURSOR) {
				cursor = true;
				redrawn |= ev.type == VGFB_EVENT_DAMAGE ||
					   ev.type == VGFB_EVENT_FLIP;
			} else {
				primary = true;
			}
		}
	}
	if (gone) {
		guest_gone(a);
		return;
	}
	if (primary) {
		vnc_stats_change(&a->stats);
		show_primary(a);
	}
	if (cursor && a->ctx)
		show_cursor(a, redrawn);
}

static void
on_retry(void *timer)
{
	struct app *a = aml_get_userdata(timer);

	if (a->ctx && a->frames)
		show_primary(a);
}

/* Called from inside neatvnc: only schedule. */
static void
schedule_retry(void *data)
{
	struct app *a = data;

	if (!aml_is_started(a->aml, a->retry))
		aml_start(a->aml, a->retry);
}

static void
on_sent(uint64_t bytes, void *data)
{
	vnc_stats_sent(data);
}

/* ---- viewers' keyboard and pointer (rfb-input.c) ---- */

static void
send_input(struct app *a, const struct vgfb_input_event *ev, unsigned int n)
{
	int rc;

	if (!n || !a->ctx || a->no_input)
		return;
	rc = vgfb_send_input(a->ctx, ev, n);
	if (rc == -ENOTSUP || rc == -EPERM) {
		/* a guest (or daemon) without input: say so once */
		fprintf(stderr, "vgfb-vnc: the guest takes no input (%s): "
			"serving view-only\n", strerror(-rc));
		a->no_input = true;
	} else if (rc && rc != -ENODEV && rc != -ENOTCONN &&
		   rc != a->input_error) {
		/* the guest's death is handled by the event path */
		fprintf(stderr, "vgfb-vnc: input: %s\n", strerror(-rc));
	}
	if (rc != -ENODEV && rc != -ENOTCONN)
		a->input_error = rc;
}

static struct app *
app_of(struct nvnc_client *client)
{
	return nvnc_get_userdata(nvnc_client_get_server(client));
}

/* key: an evdev code (QEMU extended key events) or an X keysym */
static void
on_key(struct nvnc_client *client, uint32_t key, bool pressed, bool is_code)
{
	struct vnc_input_viewer *v = nvnc_get_userdata(client);
	struct vgfb_input_event ev[VNC_INPUT_MAX_BATCH];

	if (!v)
		return;
	send_input(app_of(client), ev,
		   is_code ? vnc_input_key_code(v, key, pressed, ev)
			   : vnc_input_keysym(v, key, pressed, ev));
}

static void
on_key_code(struct nvnc_client *client, uint32_t code, bool pressed)
{
	on_key(client, code, pressed, true);
}

static void
on_keysym(struct nvnc_client *client, uint32_t keysym, bool pressed)
{
	on_key(client, keysym, pressed, false);
}

static void
on_pointer(struct nvnc_client *client, uint16_t x, uint16_t y,
	   enum nvnc_button_mask mask)
{
	struct vnc_input_viewer *v = nvnc_get_userdata(client);
	struct vgfb_input_event ev[VNC_INPUT_MAX_BATCH];
	struct app *a = app_of(client);

	if (v)
		send_input(a, ev, vnc_input_pointer(v, x, y, (uint8_t)mask,
						    a->width, a->height, ev));
}

/* A viewer that goes away lets go of what it held. */
static void
on_viewer_gone(struct nvnc_client *client)
{
	struct vnc_input_viewer *v = nvnc_get_userdata(client);
	struct vgfb_input_event ev[VGFB_INPUT_MAX_EVENTS];
	struct app *a = app_of(client);
	unsigned int n;

	if (!v)
		return;
	while ((n = vnc_input_release_all(v, ev, VGFB_INPUT_MAX_EVENTS)))
		send_input(a, ev, n);
	nvnc_set_userdata(client, NULL, NULL);
	free(v);
}

static void
on_new_viewer(struct nvnc_client *client)
{
	/* without memory for its state, this viewer's input is dropped */
	struct vnc_input_viewer *v = calloc(1, sizeof(*v));

	if (!v)
		return;
	nvnc_set_userdata(client, v, NULL);
	nvnc_set_client_cleanup_fn(client, on_viewer_gone);
}

/* ---- the guest ---- */

static int
guest_open(struct app *a)
{
	int rc, fd;

	rc = tool_start(&a->o, &a->ctx);
	if (rc)
		return rc;
	rc = vgfb_subscribe(a->ctx, VGFB_EVENT_MASK_ALL);
	fd = rc ? rc : vgfb_get_event_fd(a->ctx);
	if (fd < 0) {
		fprintf(stderr, "vgfb-vnc: change events: %s\n",
			strerror(-fd));
		rc = fd;
		goto out_close;
	}
	a->flag = tool_query_flag(a->ctx, a->o.mode);
	a->events = aml_handler_new(fd, on_events, a, NULL);
	if (!a->events || aml_start(a->aml, a->events) < 0) {
		rc = -ENOMEM;
		goto out_close;
	}
	return 0;

out_close:
	if (a->events)
		aml_unref(a->events);
	a->events = NULL;
	vgfb_close(a->ctx);
	a->ctx = NULL;
	return rc;
}

static void
guest_close(struct app *a)
{
	if (a->events) {
		aml_stop(a->aml, a->events);
		aml_unref(a->events);
		a->events = NULL;
	}
	vgfb_close(a->ctx);
	a->ctx = NULL;
}

/* ---- the server ---- */

static void
say_listening(const struct app *a)
{
	struct sockaddr_storage ss;
	char host[INET6_ADDRSTRLEN] = "?";
	socklen_t len;
	uint16_t port = a->listen.port;

	if (a->listen.is_unix) {
		printf("vgfb-vnc: listening on unix:%s\n", a->listen.path);
	} else {
		if (vnc_net_listen_address(&ss, &len) == 0) {
			if (ss.ss_family == AF_INET) {
				struct sockaddr_in *in = (void *)&ss;

				inet_ntop(AF_INET, &in->sin_addr, host,
					  sizeof(host));
				port = ntohs(in->sin_port);
			} else if (ss.ss_family == AF_INET6) {
				struct sockaddr_in6 *in6 = (void *)&ss;

				inet_ntop(AF_INET6, &in6->sin6_addr, host,
					  sizeof(host));
				port = ntohs(in6->sin6_port);
			}
		}
		printf("vgfb-vnc: listening on %s%s%s:%u\n",
		       strchr(host, ':') ? "[" : "", host,
		       strchr(host, ':') ? "]" : "", port);
	}
	fflush(stdout);
}

/*
 * A socket file left by a vgfb-vnc that was killed: bind() would fail.
 * Removed only when nothing answers on it and it is a socket.
 */
static void
remove_stale_socket(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 &&
	    errno == ECONNREFUSED)
		unlink(path);
	close(fd);
}

static int
server_open(struct app *a)
{
	char name[256];

	if (a->listen.is_unix) {
		remove_stale_socket(a->listen.path);
		a->server = nvnc_open_unix(a->listen.path);
	} else {
		a->server = nvnc_open(a->listen.host, a->listen.port);
	}
	if (!a->server) {
		fprintf(stderr, "vgfb-vnc: cannot listen on %s: %s\n",
			a->listen_spec, strerror(errno));
		return -EADDRNOTAVAIL;
	}
	nvnc_set_log_level(a->o.verbose > 1 ? NVNC_LOG_DEBUG :
			   a->o.verbose ? NVNC_LOG_INFO : NVNC_LOG_WARNING);
	snprintf(name, sizeof(name), "vgfb %s head %" PRIu32, a->o.target,
		 a->o.head);
	nvnc_set_name(a->server, name);
	nvnc_set_userdata(a->server, a, NULL);
	if (!a->view_only) {
		/*
		 * With a key code handler neatvnc offers viewers QEMU's
		 * extended key events (evdev codes, whatever their layout);
		 * the others send keysyms.
		 */
		nvnc_set_new_client_fn(a->server, on_new_viewer);
		nvnc_set_key_code_fn(a->server, on_key_code);
		nvnc_set_key_fn(a->server, on_keysym);
		nvnc_set_pointer_fn(a->server, on_pointer);
	}
	a->display = nvnc_display_new(0, 0);
	if (!a->display)
		return -ENOMEM;
	nvnc_add_display(a->server, a->display);
	a->frames = vnc_frames_new(a->display, &a->stats, schedule_retry, a);
	if (!a->frames)
		return -ENOMEM;
	/* neatvnc turns viewers away until it has a frame */
	if (a->ctx)
		show_primary(a);
	if (a->ctx)
		show_cursor(a, true);
	else if (vnc_frames_black(a->frames) == 0)
		a->black = true;	/* no guest (yet) */
	say_listening(a);
	return 0;
}

/* ---- the guest's death, and --on-guest-gone wait ---- */

/*
 * Whether opening the target now could work.  The library says why an
 * open fails on stderr, which every second for hours would flood the
 * journal, so a vgfbd socket is tried quietly first.
 */
static bool
target_answers(const char *target)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	bool ok;
	int fd;

	if (strncmp(target, "unix:", 5) != 0)
		return true;
	if (strlen(target + 5) >= sizeof(addr.sun_path))
		return true;	/* let the library say what is wrong */
	strcpy(addr.sun_path, target + 5);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true;
	ok = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	close(fd);
	return ok;
}

static void
on_reopen(void *ticker)
{
	struct app *a = aml_get_userdata(ticker);

	struct vfio_device_gfx_plane_info probe = {
		.argsz = sizeof(probe),
		.flags = VFIO_GFX_PLANE_TYPE_REGION,
		.drm_plane_type = DRM_PLANE_TYPE_PRIMARY,
	};
	int rc;

	if (!target_answers(a->o.target) || guest_open(a))
		return;
	/* a daemon whose guest is still dead answers, but is not back */
	rc = vgfb_query_plane(a->ctx, &probe);
	if (rc == -ENODEV || rc == -ENOTCONN) {
		guest_close(a);
		return;
	}
	aml_stop(a->aml, a->reopen);
	fprintf(stderr, "vgfb-vnc: the guest is back\n");
	a->no_input = false;	/* perhaps another guest: ask again */
	a->input_error = 0;
	vnc_stats_change(&a->stats);
	show_primary(a);
	if (a->ctx)
		show_cursor(a, true);
}

static void
guest_gone(struct app *a)
{
	if (!a->ctx)
		return;
	fprintf(stderr, "vgfb-vnc: the guest is gone%s\n",
		a->wait_on_gone ? "; waiting for it to come back" : "");
	guest_close(a);
	if (!a->wait_on_gone) {
		a->status = 0;
		aml_exit(a->aml);
		return;
	}
	/* the viewers stay, and see black until the guest is back */
	if (!a->black && vnc_frames_black(a->frames) == 0)
		a->black = true;
	if (a->cursor.shown)
		nvnc_set_cursor(a->server, NULL, 0, 0, 0, 0, true);
	vnc_cursor_reset(&a->cursor);
	aml_start(a->aml, a->reopen);
}

static void
on_signal(void *sig)
{
	struct app *a = aml_get_userdata(sig);

	if (aml_get_signo(sig) == SIGUSR1) {
		vnc_stats_print(&a->stats, vnc_net_bytes_sent(), vnc_net_refused(),
				stderr);
		return;
	}
	a->status = 0;
	aml_exit(a->aml);
}

static int
add_signal(struct app *a, int signo)
{
	struct aml_signal *s = aml_signal_new(signo, on_signal, a, NULL);
	int rc;

	if (!s)
		return -ENOMEM;
	rc = aml_start(a->aml, s);
	aml_unref(s);	/* the loop holds it while started */
	return rc < 0 ? -ENOMEM : 0;
}

/* ---- options ---- */

enum {
	OPT_TLS_CERT = 0x100,
	OPT_TLS_KEY,
	OPT_AUTH_FILE,
	OPT_VIEW_ONLY,
	OPT_ON_GONE,
	OPT_STATS,
};

static void
parse_options(struct app *a, int argc, char **argv)
{
	static const struct option opts[] = {
		TOOL_SHARED_LONG_OPTS,
		{ "head", required_argument, NULL, 'H' },
		{ "listen", required_argument, NULL, 'l' },
		{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
		{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
		{ "auth-file", required_argument, NULL, OPT_AUTH_FILE },
		{ "view-only", no_argument, NULL, OPT_VIEW_ONLY },
		{ "on-guest-gone", required_argument, NULL, OPT_ON_GONE },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ NULL, 0, NULL, 0 },
	};
	char why[512];
	unsigned long v;
	int c;

	tool_options_init(&a->o, "vgfb-vnc", usage);
	a->listen_spec = VNC_DEFAULT_LISTEN;
	while ((c = getopt_long(argc, argv, TOOL_SHARED_SHORT_OPTS "H:l:",
				opts, NULL)) != -1) {
		if (tool_take_option(&a->o, c, optarg))
			continue;
		switch (c) {
		case 'H':
			if (tool_parse_uint(&a->o, "head", optarg, UINT32_MAX,
					    &v))
				exit(2);
			a->o.head = (uint32_t)v;
			break;
		case 'l':
			a->listen_spec = optarg;
			break;
		case OPT_TLS_CERT:
			a->sec.tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			a->sec.tls_key = optarg;
			break;
		case OPT_AUTH_FILE:
			a->sec.auth_file = optarg;
			break;
		case OPT_VIEW_ONLY:
			a->view_only = true;
			break;
		case OPT_ON_GONE:
			a->wait_on_gone = tool_parse_on_guest_gone(&a->o, optarg);
			break;
		case OPT_STATS:
			a->print_stats = true;
			break;
		default:
			tool_bad_usage(&a->o);
		}
	}
	tool_no_operands(&a->o, argc, optind);
	if (vnc_listen_parse(a->listen_spec, &a->listen, why, sizeof(why))) {
		fprintf(stderr, "vgfb-vnc: --listen %s: %s\n", a->listen_spec,
			why);
		exit(2);
	}
	if (vnc_security_check(&a->listen, &a->sec, nvnc_version, why,
			       sizeof(why))) {
		fprintf(stderr, "vgfb-vnc: %s\n", why);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	struct app a = { .status = 1 };
	int rc;

	parse_options(&a, argc, argv);
	/* a viewer that hangs up must not kill us on the next write */
	signal(SIGPIPE, SIG_IGN);
	nvnc_set_log_fn(on_nvnc_log);
	a.aml = aml_new();
	if (!a.aml) {
		fprintf(stderr, "vgfb-vnc: out of memory\n");
		return 1;
	}
	aml_set_default(a.aml);
	a.retry = aml_timer_new(0, on_retry, &a, NULL);
	a.reopen = aml_ticker_new(REOPEN_MS, on_reopen, &a, NULL);
	if (!a.retry || !a.reopen || add_signal(&a, SIGINT) ||
	    add_signal(&a, SIGTERM) || add_signal(&a, SIGUSR1)) {
		fprintf(stderr, "vgfb-vnc: out of memory\n");
		return 1;
	}
	vnc_net_set_sent_fn(on_sent, &a.stats);

	rc = guest_open(&a);
	if (rc && !a.wait_on_gone)
		return 1;
	if (server_open(&a))
		return 1;
	if (!a.ctx && a.wait_on_gone) {
		fprintf(stderr, "vgfb-vnc: waiting for the guest\n");
		aml_start(a.aml, a.reopen);
	}
	/* the first query may already have found the guest gone */
	if (a.ctx || a.wait_on_gone)
		aml_run(a.aml);
	else
		a.status = 0;

	/* no teardown of neatvnc: see the top of this file */
	if (a.listen.is_unix)
		unlink(a.listen.path);
	if (a.print_stats)
		vnc_stats_print(&a.stats, vnc_net_bytes_sent(), vnc_net_refused(),
				stderr);
	guest_close(&a);
	fflush(stdout);
	fflush(stderr);
	_exit(a.status);
}
