/* SPDX-License-Identifier: MIT */
/*
 * vgfb-query: print a guest's planes as VFIO_DEVICE_QUERY_GFX_PLANE reports
 * them, as text or JSON, and optionally follow change events.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "tool-util.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	stop = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: vgfb-query [OPTIONS]\n"
		"Print the planes of a guest display.\n\n"
		"  -t, --target TARGET  sim[:options], unix:PATH or a daemon name (default: sim)\n"
		"  -m, --mode MODE      auto, dmabuf or region (default: auto)\n"
		"  -j, --json           print JSON\n"
		"  -w, --watch          then print change events until interrupted\n"
		"  -n, --count N        with --watch: stop after N events\n"
		"  -T, --timeout MS     with --watch: stop after MS ms without events\n"
		"  -W, --wait MS        first wait up to MS ms for head 0's primary plane\n"
		"  -v, --verbose        log more (twice: debug)\n"
		"  -h, --help           this text\n");
}

static void
json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
print_plane_text(uint32_t head, uint32_t type, int rc,
		 const struct vfio_device_gfx_plane_info *info,
		 const struct vgfb_plane_ext *ext)
{
	const char *name = vgfb_format_name(info->drm_format);
	char cc[5];

	printf("head %" PRIu32 " %-7s ", head, tool_plane_name(type));
	if (rc) {
		printf("error: %s\n", strerror(-rc));
		return;
	}
	if (info->drm_format == 0) {
		printf("disabled\n");
		return;
	}
	tool_format_fourcc(info->drm_format, cc);
	printf("%s (%s) %" PRIu32 "x%" PRIu32 " stride %" PRIu32
	       " size %" PRIu32 " modifier 0x%" PRIx64 " id 0x%08" PRIx32
	       " frame %" PRIu64, name ? name : "?", cc, info->width,
	       info->height, info->stride, info->size,
	       (uint64_t)info->drm_format_mod, info->dmabuf_id, ext->frame_seq);
	if (type == 2) {
		printf(" pos %" PRIu32 ",%" PRIu32, info->x_pos, info->y_pos);
		if (info->x_hot == 0xFFFFFFFFu)
			printf(" hot unknown");
		else
			printf(" hot %" PRIu32 ",%" PRIu32, info->x_hot,
			       info->y_hot);
	}
	putchar('\n');
}

static void
print_plane_json(uint32_t type, int rc,
		 const struct vfio_device_gfx_plane_info *info,
		 const struct vgfb_plane_ext *ext)
{
	const char *name = vgfb_format_name(info->drm_format);
	char cc[5];

	printf("\"%s\":{", tool_plane_name(type));
	if (rc) {
		printf("\"error\":");
		json_string(strerror(-rc));
		printf(",\"errno\":%d}", -rc);
		return;
	}
	if (info->drm_format == 0) {
		printf("\"enabled\":false}");
		return;
	}
	tool_format_fourcc(info->drm_format, cc);
	printf("\"enabled\":true,\"format\":");
	json_string(name ? name : "?");
	printf(",\"fourcc\":");
	json_string(cc);
	printf(",\"drm_format\":%" PRIu32 ",\"modifier\":%" PRIu64
	       ",\"width\":%" PRIu32 ",\"height\":%" PRIu32
	       ",\"stride\":%" PRIu32 ",\"size\":%" PRIu32
	       ",\"x_pos\":%" PRIu32 ",\"y_pos\":%" PRIu32
	       ",\"x_hot\":%" PRIu32 ",\"y_hot\":%" PRIu32
	       ",\"id\":%" PRIu32 ",\"frame_seq\":%" PRIu64 "}",
	       info->drm_format, (uint64_t)info->drm_format_mod, info->width,
	       info->height, info->stride, info->size, info->x_pos,
	       info->y_pos, info->x_hot, info->y_hot, info->dmabuf_id,
	       ext->frame_seq);
}

static int
query(struct vgfb *ctx, uint32_t flag, uint32_t head, uint32_t type,
      struct vfio_device_gfx_plane_info *info, struct vgfb_plane_ext *ext)
{
	int rc = vgfb_set_head(ctx, head);

	memset(info, 0, sizeof(*info));
	memset(ext, 0, sizeof(*ext));
	info->argsz = sizeof(*info);
	info->flags = flag;
	info->drm_plane_type = type;
	ext->argsz = sizeof(*ext);
	return rc ? rc : vgfb_query_plane_ext(ctx, info, ext);
}

static int
print_all(struct vgfb *ctx, const char *target, uint32_t flag, bool json)
{
	static const uint32_t types[] = { 1, 2 };
	uint32_t heads;
	int rc;

	rc = vgfb_get_head_count(ctx, &heads);
	if (rc) {
		fprintf(stderr, "vgfb-query: %s\n", strerror(-rc));
		return rc;
	}
	if (json) {
		printf("{\"target\":");
		json_string(target);
		printf(",\"backend\":");
		json_string(vgfb_get_backend_name(ctx));
		printf(",\"exporter\":");
		json_string(vgfb_get_exporter_name(ctx));
		printf(",\"mode\":\"%s\",\"heads\":[",
		       flag == VFIO_GFX_PLANE_TYPE_DMABUF ? "dmabuf" : "region");
	} else {
		printf("target %s: backend %s, exporter %s, %s mode, %" PRIu32
		       " head%s\n", target, vgfb_get_backend_name(ctx),
		       vgfb_get_exporter_name(ctx),
		       flag == VFIO_GFX_PLANE_TYPE_DMABUF ? "dmabuf" : "region",
		       heads, heads == 1 ? "" : "s");
	}
	for (uint32_t h = 0; h < heads; h++) {
		if (json)
			printf("%s{\"head\":%" PRIu32, h ? "," : "", h);
		for (size_t t = 0; t < 2; t++) {
			struct vfio_device_gfx_plane_info info;
			struct vgfb_plane_ext ext;
			int qrc = query(ctx, flag, h, types[t], &info, &ext);

			if (json) {
				putchar(',');
				print_plane_json(types[t], qrc, &info, &ext);
			} else {
				print_plane_text(h, types[t], qrc, &info, &ext);
			}
		}
		if (json)
			putchar('}');
	}
	if (json)
		printf("]}\n");
	return 0;
}

static int
watch(struct vgfb *ctx, bool json, long count, int timeout_ms)
{
	struct pollfd pfd;
	long seen = 0;
	int rc;

	rc = vgfb_subscribe(ctx, VGFB_EVENT_MASK_ALL);
	if (rc == 0)
		rc = vgfb_get_event_fd(ctx);
	if (rc < 0) {
		fprintf(stderr, "vgfb-query: events: %s\n", strerror(-rc));
		return rc;
	}
	pfd.fd = rc;
	pfd.events = POLLIN;
	while (!stop && (count <= 0 || seen < count)) {
		struct vgfb_event ev;

		rc = poll(&pfd, 1, timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;	/* timeout */
		while ((rc = vgfb_read_event(ctx, &ev)) == 0) {
			if (json)
				printf("{\"event\":\"%s\",\"head\":%" PRIu32
				       ",\"plane\":\"%s\",\"frame_seq\":%" PRIu64
				       ",\"rect\":[%" PRIu32 ",%" PRIu32 ",%"
				       PRIu32 ",%" PRIu32 "]}\n",
				       tool_event_name(ev.type), ev.head,
				       tool_plane_name(ev.drm_plane_type),
				       ev.frame_seq, ev.rect.x, ev.rect.y,
				       ev.rect.width, ev.rect.height);
			else
				printf("event %s head %" PRIu32 " %s frame %"
				       PRIu64 " rect %" PRIu32 ",%" PRIu32
				       " %" PRIu32 "x%" PRIu32 "\n",
				       tool_event_name(ev.type), ev.head,
				       tool_plane_name(ev.drm_plane_type),
				       ev.frame_seq, ev.rect.x, ev.rect.y,
				       ev.rect.width, ev.rect.height);
			fflush(stdout);
			seen++;
			if (ev.type == VGFB_EVENT_GUEST_GONE)
				return 0;
		}
		if (rc != -EAGAIN) {
			fprintf(stderr, "vgfb-query: events: %s\n",
				strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		TOOL_SHARED_LONG_OPTS,
		{ "json", no_argument, NULL, 'j' },
		{ "watch", no_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct tool_options o;
	bool json = false, follow = false;
	long count = 0;
	int timeout_ms = -1, c, rc;
	unsigned long v;
	struct vgfb *ctx;

	tool_options_init(&o, "vgfb-query", usage);
	while ((c = getopt_long(argc, argv, TOOL_SHARED_SHORT_OPTS "jwn:T:",
				opts, NULL)) != -1) {
		if (tool_take_option(&o, c, optarg))
			continue;
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'w':
			follow = true;
			break;
		case 'n':
			if (tool_parse_uint(&o, "count", optarg, LONG_MAX, &v))
				return 2;
			if (v == 0) {
				fprintf(stderr, "vgfb-query: bad count 0\n");
				return 2;
			}
			count = (long)v;
			break;
		case 'T':
			if (tool_parse_uint(&o, "timeout", optarg, INT_MAX, &v))
				return 2;
			timeout_ms = (int)v;
			break;
		default:
			tool_bad_usage(&o);
		}
	}
	tool_no_operands(&o, argc, optind);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (tool_start(&o, &ctx))
		return 1;
	rc = print_all(ctx, o.target, tool_query_flag(ctx, o.mode), json);
	if (rc == 0 && follow) {
		fflush(stdout);
		rc = watch(ctx, json, count, timeout_ms);
	}
	vgfb_close(ctx);
	return rc ? 1 : 0;
}
