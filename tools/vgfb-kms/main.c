/* SPDX-License-Identifier: MIT */
/*
 * vgfb-kms: show one head of a guest's display on a local display (KMS).
 *
 * One poll loop: the context's event fd (the guest changed something),
 * the DRM fd (a page flip completed) and a signalfd.  At most one page
 * flip is in flight; changes that arrive meanwhile are presented, all
 * together, when it completes.  Each presentation queries the plane once
 * with the damage the library coalesced since the last query, and shows
 * it by import (the guest's dma-buf is the scanout buffer) where the
 * driver, the buffer and the geometry allow, else by copy (import.c,
 * copy.c).  On exit, by guest death or by signal, the CRTC gets back what
 * it showed before.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "copy.h"
#include "cursor.h"
#include "format.h"
#include "import.h"
#include "layout.h"
#include "output.h"
#include "stats.h"
#include "tool-util.h"

#define PROG "vgfb-kms"
#define REOPEN_MS 1000
#define FLIP_WAIT_MS 1000

enum kms_path { PATH_AUTO, PATH_IMPORT, PATH_COPY };

struct app {
	struct tool_options o;
	const char *device, *connector;
	enum kms_mode_policy mode_policy;
	uint32_t mode_w, mode_h;
	enum kms_path path;
	enum kms_cursor_mode cursor_mode;
	bool wait_on_gone, print_stats, quit;
	int status;

	struct kms_output out;
	struct kms_import imp;
	struct kms_copy copy;
	struct kms_cursor cursor;
	struct kms_stats stats;

	struct vgfb *ctx;
	uint32_t flag;		/* DMABUF or REGION */
	int sigfd;

	/* what is on the screen, and what is on its way there */
	bool have_mode;
	drmModeModeInfo mode;
	struct kms_layout layout;
	uint32_t screen_fb, screen_format, screen_w, screen_h, screen_pitch;
	bool screen_is_copy;
	bool flip_pending;
	uint32_t pending_fb;
	uint64_t pending_seq;
	enum kms_stats_path pending_path;
	bool black;		/* the plane is disabled, or the guest gone */
	uint64_t shown;		/* frames on screen so far (-v numbers them) */
	bool cursor_in_frame;	/* the copy path drew the cursor into it */
	/*
	 * DirtyFB clips widened to whole rows: Linux's cirrus (6.1 to at
	 * least 6.12) places a clip in VRAM at x1 * the framebuffer's cpp
	 * (drm_fb_clip_offset() with fb->format) while it writes 3-byte
	 * RGB888 there, so a clip not starting at x = 0 lands shifted
	 * (seen pixel for pixel in the vm tier; docs/kms.md).
	 */
	bool full_row_clips;

	/* what the guest changed since the last presentation */
	bool dirty_primary, dirty_cursor, cursor_redrawn;
	uint64_t woken_ns;	/* when the oldest of those changes woke us */

	/* reasons said once, until they change */
	int last_error;
	char last_path_note[160];
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: vgfb-kms [OPTIONS]\n"
		"Show one head of a guest's display on a local display (KMS).\n\n"
		"  -t, --target TARGET       sim[:options], unix:PATH or a daemon name (default: sim)\n"
		"  -H, --head N              head to show (default: 0)\n"
		"  -d, --device PATH         DRM device (default: the first /dev/dri/cardN\n"
		"                            with a connected connector)\n"
		"  -c, --connector NAME      e.g. VGA-1, Virtual-1 (default: the first connected)\n"
		"  -M, --mode MODE           preferred (default), guest (a mode of the guest's\n"
		"                            size where the connector has one) or WxH\n"
		"  -p, --path PATH           auto (default), import or copy\n"
		"  -C, --cursor HOW          auto (default), plane, composite or off\n"
		"      --on-guest-gone WHAT  exit (default) or wait for the guest to come back\n"
		"      --stats               print counters and latency at exit and on SIGUSR1\n"
		"  -W, --wait MS             wait up to MS for the guest's plane at start\n"
		"  -v, --verbose             say every frame shown (twice: library debug)\n"
		"  -h, --help                this text\n");
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A guest that keeps sending a bad plane must not flood the log. */
static void
say_once(struct app *a, const char *what, int rc)
{
	if (rc != a->last_error)
		fprintf(stderr, PROG ": %s: %s\n", what, strerror(-rc));
	a->last_error = rc;
}

/* Which path shows the frames, and why: said when it changes. */
static void
note_path(struct app *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
note_path(struct app *a, const char *fmt, ...)
{
	char note[sizeof(a->last_path_note)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	if (strcmp(note, a->last_path_note) == 0)
		return;
	snprintf(a->last_path_note, sizeof(a->last_path_note), "%s", note);
	printf(PROG ": %s\n", note);
	fflush(stdout);
}

static void
said_shown(struct app *a, enum kms_stats_path p, uint64_t seq)
{
	a->shown++;
	if (a->o.verbose)
		printf(PROG ": shown #%" PRIu64 " frame_seq=%" PRIu64
		       " path=%s %ux%u on %ux%u\n", a->shown,
		       seq, p == KMS_PATH_IMPORT ? "import" : "copy",
		       a->layout.guest_w, a->layout.guest_h, a->layout.mode_w,
		       a->layout.mode_h);
	fflush(stdout);
}

/* ---- putting a framebuffer on the screen ---- */

static int
modeset(struct app *a, uint32_t fb)
{
	int rc = kms_output_set(&a->out, fb, &a->mode);

	if (rc)
		return rc;
	a->stats.setcrtc++;
	return 0;
}

/*
 * Show fb (w x h, format, pitch): SetCrtc when the mode or the buffer's
 * layout changes (a legacy page flip may not change them), else a page
 * flip to a new buffer, else DirtyFB with the damage clips.
 */
static int
show_fb(struct app *a, uint32_t fb, uint32_t format, uint32_t w, uint32_t h,
	uint32_t pitch, bool is_copy, bool mode_changed,
	const drmModeClip *clips, unsigned int n_clips, uint64_t seq)
{
	enum kms_stats_path p = is_copy ? KMS_PATH_COPY : KMS_PATH_IMPORT;
	bool same_layout = a->screen_fb && a->screen_format == format &&
			   a->screen_w == w && a->screen_h == h &&
			   a->screen_pitch == pitch;
	int rc;

	if (mode_changed || !same_layout || a->out.shown_fb == 0) {
		rc = modeset(a, fb);
	} else if (fb != a->screen_fb) {
		rc = drmModePageFlip(a->out.fd, a->out.crtc_id, fb,
				     DRM_MODE_PAGE_FLIP_EVENT, a) ? -errno : 0;
		if (rc == 0) {
			a->stats.flips++;
			a->flip_pending = true;
			a->pending_fb = fb;
			a->pending_seq = seq;
			a->pending_path = p;
		} else {
			/* a driver without page flips: set it instead */
			rc = modeset(a, fb);
		}
	} else {
		rc = drmModeDirtyFB(a->out.fd, fb, (drmModeClipPtr)clips,
				    n_clips) ? -errno : 0;
		if (rc == -ENOSYS)
			rc = 0;	/* the driver scans the buffer out itself */
		else if (rc == 0)
			a->stats.dirtyfb++;
	}
	if (rc)
		return rc;
	kms_stats_frame(&a->stats, p, now_ns() - a->woken_ns);
	a->screen_fb = fb;
	a->screen_format = format;
	a->screen_w = w;
	a->screen_h = h;
	a->screen_pitch = pitch;
	a->screen_is_copy = is_copy;
	if (is_copy)
		kms_copy_shown(&a->copy);
	if (!a->flip_pending)
		said_shown(a, p, seq);
	return 0;
}

static void
on_flip(int fd, unsigned int seq, unsigned int s, unsigned int us,
	void *data)
{
	struct app *a = data;

	(void)fd, (void)seq, (void)s, (void)us;
	a->flip_pending = false;
	said_shown(a, a->pending_path, a->pending_seq);
}

static void
drm_events(struct app *a)
{
	drmEventContext ev = {
		.version = 2,
		.page_flip_handler = on_flip,
	};

	drmHandleEvent(a->out.fd, &ev);
}

/* Block until the flip in flight completes (before SetCrtc, exit). */
static void
wait_flip(struct app *a)
{
	struct pollfd p = { .fd = a->out.fd, .events = POLLIN };

	while (a->flip_pending) {
		if (poll(&p, 1, FLIP_WAIT_MS) <= 0) {
			/* a driver that lost the event: do not hang */
			a->flip_pending = false;
			break;
		}
		drm_events(a);
	}
}

/* ---- the mode ---- */

/* Pick the mode for a guest of w x h; *changed when it differs. */
static int
choose_mode(struct app *a, uint32_t w, uint32_t h, bool *changed)
{
	drmModeModeInfo m;
	int rc;

	rc = kms_output_pick(&a->out, a->mode_policy, a->mode_w, a->mode_h, w,
			     h, &m);
	if (rc)
		return rc;
	*changed = !a->have_mode || memcmp(&m, &a->mode, sizeof(m)) != 0;
	a->mode = m;
	a->have_mode = true;
	return 0;
}

static void
set_layout(struct app *a, uint32_t gw, uint32_t gh, bool mode_changed)
{
	struct kms_layout l;

	kms_layout_compute(&l, a->mode.hdisplay, a->mode.vdisplay, gw, gh);
	if (mode_changed || memcmp(&l, &a->layout, sizeof(l)) != 0)
		kms_copy_damage_all(&a->copy);
	a->layout = l;
}

/* ---- the two paths ---- */

/* Why this frame cannot be imported; NULL when it can be tried. */
static const char *
import_refusal(struct app *a, const struct vfio_device_gfx_plane_info *info)
{
	if (a->path == PATH_COPY)
		return "--path copy";
	if (a->flag != VFIO_GFX_PLANE_TYPE_DMABUF)
		return "the target offers no dma-buf (REGION)";
	if (!kms_layout_is_identity(&a->layout))
		return "the guest's size is not the mode's (letterboxed)";
	if (kms_cursor_wants_composite(&a->cursor))
		return "the cursor is composited (no usable cursor plane)";
	(void)info;
	return NULL;
}

static int
present_import(struct app *a, const struct vfio_device_gfx_plane_info *info,
	       const struct vgfb_plane_ext *ext, bool mode_changed)
{
	drmModeClip clips[VGFB_MAX_DAMAGE];
	unsigned int n = 0;
	const char *step = "";
	uint32_t fb;
	int rc;

	rc = kms_import_get(&a->imp, a->ctx, info, a->screen_fb, a->pending_fb,
			    &fb, &step);
	if (rc) {
		if (rc != -ENOENT)	/* -ENOENT: a stale id, query again */
			note_path(a, "path copy: %s of the guest's buffer "
				  "failed: %s", step, strerror(-rc));
		return rc;
	}
	a->stats.imports = a->imp.imports;
	if (!(ext->flags & VGFB_PLANE_EXT_DAMAGE_ALL)) {
		for (uint32_t i = 0; i < ext->n_damage && i < VGFB_MAX_DAMAGE;
		     i++) {
			const struct vgfb_rect *r = &ext->damage[i];

			clips[n++] = (drmModeClip){
				.x1 = (uint16_t)r->x, .y1 = (uint16_t)r->y,
				.x2 = (uint16_t)(r->x + r->width),
				.y2 = (uint16_t)(r->y + r->height),
			};
			if (a->full_row_clips) {
				clips[n - 1].x1 = 0;
				clips[n - 1].x2 = (uint16_t)info->width;
			}
		}
	}
	rc = show_fb(a, fb, info->drm_format, info->width, info->height,
		     info->stride, false, mode_changed, n ? clips : NULL, n,
		     ext->frame_seq);
	if (rc) {
		note_path(a, "path copy: showing the imported buffer failed: %s",
			  strerror(-rc));
		return rc;
	}
	note_path(a, "path import: the guest's dma-buf is the scanout buffer "
		  "(zero copy)");
	a->cursor_in_frame = false;
	if (a->screen_is_copy == false)
		kms_copy_drop_source(&a->copy);
	return 0;
}

static int
present_copy(struct app *a, const struct vfio_device_gfx_plane_info *info,
	     const struct vgfb_plane_ext *ext, bool mode_changed)
{
	const struct kms_cursor *cursor;
	uint64_t bytes;
	uint32_t fb;
	int rc;

	rc = kms_copy_resize(&a->copy, a->mode.hdisplay, a->mode.vdisplay);
	if (rc)
		return rc;
	if (!a->screen_is_copy || !info || (ext->flags &
					    VGFB_PLANE_EXT_DAMAGE_ALL)) {
		kms_copy_damage_all(&a->copy);
	} else {
		for (uint32_t i = 0; i < ext->n_damage && i < VGFB_MAX_DAMAGE;
		     i++) {
			struct vgfb_rect s;

			if (kms_layout_to_screen(&a->layout, &ext->damage[i],
						 &s))
				kms_copy_damage(&a->copy, &s);
		}
	}
	cursor = kms_cursor_wants_composite(&a->cursor) ? &a->cursor : NULL;
	rc = kms_copy_draw(&a->copy, a->ctx, info, a->flag, &a->layout, cursor,
			   &fb, &bytes);
	if (rc)
		return rc;
	a->cursor_in_frame = cursor != NULL;
	a->stats.copied += bytes;
	if (info)
		a->stats.full += (uint64_t)info->width * info->height *
				 vgfb_format_cpp(info->drm_format);
	return show_fb(a, fb, DRM_FORMAT_XRGB8888, a->copy.width,
		       a->copy.height, a->copy.buf[a->copy.back].pitch, true,
		       mode_changed, NULL, 0, ext ? ext->frame_seq : 0);
}

/* Black of the current (or preferred) mode: disabled plane, guest gone. */
static void
show_black(struct app *a)
{
	bool changed = false;
	int rc;

	if (a->black && !a->dirty_primary)
		return;
	if (!a->have_mode && choose_mode(a, 0, 0, &changed))
		return;
	kms_layout_compute(&a->layout, a->mode.hdisplay, a->mode.vdisplay, 0,
			   0);
	rc = present_copy(a, NULL, NULL, changed);
	if (rc)
		say_once(a, "showing black", rc);
	else
		a->black = true;
}

static void guest_gone(struct app *a);

static void
present_cursor_plane(struct app *a)
{
	int rc;

	if (a->cursor.mode == KMS_CURSOR_OFF ||
	    a->cursor.mode == KMS_CURSOR_COMPOSITE)
		return;
	if (kms_cursor_wants_composite(&a->cursor)) {
		kms_cursor_plane_hide(&a->cursor);
		return;
	}
	rc = kms_cursor_plane_show(&a->cursor, &a->layout);
	if (rc == -ENXIO) {
		if (a->cursor.mode == KMS_CURSOR_PLANE) {
			say_once(a, "cursor plane (--cursor plane)", rc);
			return;
		}
		/*
		 * Found out only now (no universal planes to ask at start):
		 * from here on kms_cursor_wants_composite() says so, and
		 * this frame is drawn again with the cursor in it, once.
		 */
		note_path(a, "cursor: the device has no cursor plane for it: "
			  "composited by the copy path");
		a->dirty_primary = true;
	} else if (rc) {
		say_once(a, "cursor plane", rc);
	}
}

static void
present(struct app *a)
{
	struct vfio_device_gfx_plane_info info;
	struct vgfb_plane_ext ext;
	bool mode_changed = false, cursor_changed = false;
	const char *refusal;
	int rc, tries = 0;

	if (!a->ctx || a->flip_pending ||
	    (!a->dirty_primary && !a->dirty_cursor))
		return;
	if (a->dirty_cursor || a->cursor.visible) {
		rc = kms_cursor_query(&a->cursor, a->ctx, a->flag,
				      a->cursor_redrawn, &cursor_changed);
		if (rc == -ENODEV || rc == -ENOTCONN) {
			guest_gone(a);
			return;
		}
		if (rc)
			say_once(a, "cursor plane", rc);
		a->dirty_cursor = a->cursor_redrawn = false;
		/* a composited cursor is part of the frame: draw or erase it */
		if (cursor_changed && (kms_cursor_wants_composite(&a->cursor) ||
				       a->cursor_in_frame))
			a->dirty_primary = true;
	}
	if (!a->dirty_primary) {
		present_cursor_plane(a);
		return;
	}
again:
	rc = tool_query_primary(PROG, a->ctx, &a->flag, a->path != PATH_IMPORT,
				&info, &ext);
	if (rc == -ENODEV || rc == -ENOTCONN) {
		guest_gone(a);
		return;
	}
	if (rc) {
		/* a plane the library refused: keep the last frame */
		say_once(a, "primary plane", rc);
		a->dirty_primary = false;
		return;
	}
	if (!info.drm_format) {
		a->dirty_primary = true;
		show_black(a);
		a->dirty_primary = false;
		present_cursor_plane(a);
		return;
	}
	rc = choose_mode(a, info.width, info.height, &mode_changed);
	if (rc) {
		say_once(a, "no mode for the guest's plane", rc);
		a->dirty_primary = false;
		return;
	}
	if (mode_changed && a->out.mode_valid)
		printf(PROG ": mode %ux%u for the guest's %ux%u\n",
		       a->mode.hdisplay, a->mode.vdisplay, info.width,
		       info.height);
	set_layout(a, info.width, info.height, mode_changed);

	refusal = import_refusal(a, &info);
	if (!refusal) {
		rc = present_import(a, &info, &ext, mode_changed);
		if (rc == -ENOENT && ++tries < 3)
			goto again;	/* the id went stale meanwhile */
		if (rc == 0)
			goto done;
		if (a->path == PATH_IMPORT) {
			say_once(a, "--path import: this frame cannot be "
				 "imported", rc);
			goto done;
		}
	} else if (a->path == PATH_IMPORT) {
		note_path(a, "--path import: not shown: %s", refusal);
		goto done;
	} else {
		note_path(a, "path copy: %s", refusal);
	}
	rc = present_copy(a, &info, &ext, mode_changed);
	if (rc == -ENOENT && ++tries < 3)
		goto again;
	if (rc)
		say_once(a, "copying the plane", rc);
	else
		a->last_error = 0;
done:
	a->black = false;
	a->dirty_primary = false;
	present_cursor_plane(a);
}

/* ---- the guest ---- */

static int
guest_open(struct app *a)
{
	int rc;

	rc = tool_start(&a->o, &a->ctx);
	if (rc)
		return rc;
	rc = vgfb_subscribe(a->ctx, VGFB_EVENT_MASK_ALL);
	if (rc == 0 && vgfb_get_event_fd(a->ctx) < 0)
		rc = vgfb_get_event_fd(a->ctx);
	if (rc) {
		fprintf(stderr, PROG ": change events: %s\n", strerror(-rc));
		vgfb_close(a->ctx);
		a->ctx = NULL;
		return rc;
	}
	a->flag = a->path == PATH_IMPORT
			  ? VFIO_GFX_PLANE_TYPE_DMABUF
			  : tool_query_flag(a->ctx, MODE_AUTO);
	a->dirty_primary = a->dirty_cursor = true;
	a->woken_ns = now_ns();
	return 0;
}

static void
guest_gone(struct app *a)
{
	fprintf(stderr, PROG ": the guest is gone\n");
	wait_flip(a);
	kms_cursor_plane_hide(&a->cursor);
	a->cursor.visible = false;
	kms_copy_drop_source(&a->copy);
	vgfb_close(a->ctx);
	a->ctx = NULL;
	if (!a->wait_on_gone) {
		a->quit = true;
		return;
	}
	/* keep the display, black, while waiting for the guest */
	a->dirty_primary = true;
	a->black = false;
	show_black(a);
	wait_flip(a);
	kms_import_clear(&a->imp);
}

static void
guest_events(struct app *a)
{
	struct vgfb_event ev;

	while (a->ctx && vgfb_read_event(a->ctx, &ev) == 0) {
		switch (ev.type) {
		case VGFB_EVENT_GUEST_GONE:
			guest_gone(a);
			return;
		case VGFB_EVENT_OVERFLOW:
			a->dirty_primary = a->dirty_cursor = true;
			a->cursor_redrawn = true;
			break;
		default:
			if (ev.head != a->o.head)
				break;
			if (ev.drm_plane_type == DRM_PLANE_TYPE_CURSOR) {
				a->dirty_cursor = true;
				a->cursor_redrawn |=
					ev.type == VGFB_EVENT_DAMAGE ||
					ev.type == VGFB_EVENT_FLIP;
			} else {
				a->dirty_primary = true;
			}
		}
	}
}

/* ---- the loop ---- */

static int
signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void
on_signal(struct app *a)
{
	struct signalfd_siginfo si;

	while (read(a->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			kms_stats_print(&a->stats, stdout);
		else
			a->quit = true;
	}
}

static void
run(struct app *a)
{
	while (!a->quit) {
		struct pollfd p[3] = {
			{ .fd = a->sigfd, .events = POLLIN },
			{ .fd = a->out.fd, .events = POLLIN },
			{ .fd = a->ctx ? vgfb_get_event_fd(a->ctx) : -1,
			  .events = POLLIN },
		};
		bool pending = a->dirty_primary || a->dirty_cursor;
		int timeout = !a->ctx ? REOPEN_MS
			      : pending && !a->flip_pending ? 0 : -1;
		int n = poll(p, 3, timeout);

		if (n < 0 && errno != EINTR) {
			fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
			a->status = 1;
			return;
		}
		if (p[0].revents)
			on_signal(a);
		if (a->quit)
			break;
		if (p[1].revents)
			drm_events(a);
		if (p[2].revents & POLLIN) {
			if (!a->dirty_primary && !a->dirty_cursor)
				a->woken_ns = now_ns();
			guest_events(a);
		}
		if (!a->ctx) {
			if (a->quit || n != 0)
				continue;
			if (guest_open(a) == 0)
				fprintf(stderr, PROG ": the guest is back\n");
			continue;
		}
		present(a);
	}
}

static void
shutdown_display(struct app *a)
{
	wait_flip(a);
	kms_cursor_fini(&a->cursor);
	kms_output_restore(&a->out);
	kms_import_clear(&a->imp);
	kms_copy_fini(&a->copy);
	kms_output_close(&a->out);
}

/* ---- options ---- */

enum { OPT_ON_GONE = 256, OPT_STATS };

static void
parse(struct app *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "head", required_argument, NULL, 'H' },
		{ "device", required_argument, NULL, 'd' },
		{ "connector", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'M' },
		{ "path", required_argument, NULL, 'p' },
		{ "cursor", required_argument, NULL, 'C' },
		{ "on-guest-gone", required_argument, NULL, OPT_ON_GONE },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "wait", required_argument, NULL, 'W' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	tool_options_init(&a->o, PROG, usage);
	while ((c = getopt_long(argc, argv, "t:H:d:c:M:p:C:W:vh", opts,
				NULL)) != -1) {
		if (tool_take_option(&a->o, c, optarg))
			continue;
		switch (c) {
		case 'H':
			if (tool_parse_uint(&a->o, "head", optarg, 255, &v))
				exit(2);
			a->o.head = (uint32_t)v;
			break;
		case 'd':
			a->device = optarg;
			break;
		case 'c':
			a->connector = optarg;
			break;
		case 'M':
			if (kms_parse_mode_policy(optarg, &a->mode_policy,
						  &a->mode_w, &a->mode_h)) {
				fprintf(stderr, PROG ": bad --mode %s (preferred, "
					"guest or WxH)\n", optarg);
				exit(2);
			}
			break;
		case 'p':
			if (strcmp(optarg, "auto") == 0)
				a->path = PATH_AUTO;
			else if (strcmp(optarg, "import") == 0)
				a->path = PATH_IMPORT;
			else if (strcmp(optarg, "copy") == 0)
				a->path = PATH_COPY;
			else {
				fprintf(stderr, PROG ": bad --path %s (auto, "
					"import or copy)\n", optarg);
				exit(2);
			}
			break;
		case 'C':
			if (kms_parse_cursor_mode(optarg, &a->cursor_mode)) {
				fprintf(stderr, PROG ": bad --cursor %s (auto, "
					"plane, composite or off)\n", optarg);
				exit(2);
			}
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
}

int
main(int argc, char **argv)
{
	struct app a = { .sigfd = -1 };
	int rc;

	parse(&a, argc, argv);
	a.sigfd = signals_open();
	if (a.sigfd < 0) {
		fprintf(stderr, PROG ": signals: %s\n", strerror(-a.sigfd));
		return 1;
	}
	if (kms_output_open(&a.out, a.device, a.connector))
		return 1;
	printf(PROG ": %s (%s), connector %s, CRTC %u\n", a.out.device,
	       a.out.driver, a.out.connector_name, a.out.crtc_id);
	a.full_row_clips = strcmp(a.out.driver, "cirrus") == 0 ||
			   strcmp(a.out.driver, "cirrus-qemu") == 0;
	fflush(stdout);
	kms_import_init(&a.imp, a.out.fd);
	kms_copy_init(&a.copy, a.out.fd);
	kms_cursor_init(&a.cursor, a.out.fd, a.out.crtc_id, a.cursor_mode);
	if (a.mode_policy == KMS_MODE_SIZE) {
		bool changed;

		rc = choose_mode(&a, 0, 0, &changed);
		if (rc) {
			fprintf(stderr, PROG ": %s has no mode %ux%u\n",
				a.out.connector_name, a.mode_w, a.mode_h);
			shutdown_display(&a);
			return 1;
		}
	}
	rc = guest_open(&a);
	if (rc && !a.wait_on_gone) {
		shutdown_display(&a);
		return 1;
	}
	run(&a);
	if (a.print_stats)
		kms_stats_print(&a.stats, stdout);
	shutdown_display(&a);
	vgfb_close(a.ctx);
	return a.status;
}
