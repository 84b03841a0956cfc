/* SPDX-License-Identifier: MIT */
/*
 * vgfb-dump: write a guest's screen as PNG, read through the same dma-buf
 * (or region) a display consumer would import, in any supported format,
 * optionally with the cursor composited at its position.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "pattern.h"
#include "png-writer.h"
#include "tool-util.h"

#define HOT_UNKNOWN 0xFFFFFFFFu

struct plane {
	struct vfio_device_gfx_plane_info info;
	struct vgfb_plane_ext ext;
	struct plane_view view;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: vgfb-dump [OPTIONS]\n"
		"Write a guest's screen as PNG.\n\n"
		"  -t, --target TARGET   sim[:options], unix:PATH or a daemon name (default: sim)\n"
		"  -H, --head N          head to dump (default: 0)\n"
		"  -o, --output FILE     PNG to write (default: vgfb-dump.png)\n"
		"  -c, --cursor          composite the cursor at its position\n"
		"  -m, --mode MODE       auto, dmabuf or region (default: auto)\n"
		"  -p, --check-pattern   compare with the documented test pattern\n"
		"                        (docs/test-pattern.md); exit 1 on any mismatch\n"
		"  -F, --pattern-frame N the pattern frame to expect (default: the\n"
		"                        plane's own frame sequence number)\n"
		"  -W, --wait MS         wait up to MS ms for the plane to come up\n"
		"  -v, --verbose         log more (twice: debug)\n"
		"  -h, --help            this text\n");
}

/*
 * fallback: a plane whose DMABUF query is refused (-ENOTSUP: a dma-buf
 * the VFIO record cannot describe, docs/source-protocol.md) is read as
 * REGION instead, when the mode was not forced.
 */
static int
get_plane(struct vgfb *ctx, uint32_t flag, uint32_t type, struct plane *p,
	  bool fallback)
{
	int rc;

again:
	memset(p, 0, sizeof(*p));
	p->view.fd = -1;
	p->info.argsz = sizeof(p->info);
	p->info.flags = flag;
	p->info.drm_plane_type = type;
	p->ext.argsz = sizeof(p->ext);
	rc = vgfb_query_plane_ext(ctx, &p->info, &p->ext);
	if (rc == -ENOTSUP && fallback && flag == VFIO_GFX_PLANE_TYPE_DMABUF) {
		flag = VFIO_GFX_PLANE_TYPE_REGION;
		goto again;
	}
	if (rc)
		return rc;
	if (p->info.drm_format == 0)
		return -ENODEV;
	if (!vgfb_format_cpp(p->info.drm_format))
		return -ENOTSUP;
	return tool_map_plane(ctx, flag, &p->info, &p->view);
}

static void
to_rgb(const struct plane *p, uint8_t *rgb)
{
	const struct vfio_device_gfx_plane_info *i = &p->info;
	unsigned int cpp = vgfb_format_cpp(i->drm_format);

	for (uint32_t y = 0; y < i->height; y++) {
		const uint8_t *row = (const uint8_t *)p->view.addr +
				     (size_t)y * i->stride;

		for (uint32_t x = 0; x < i->width; x++) {
			uint8_t rgba[4];
			uint8_t *dst = rgb + ((size_t)y * i->width + x) * 3;

			vgfb_pixel_unpack(i->drm_format, row + (size_t)x * cpp,
					  rgba);
			memcpy(dst, rgba, 3);
		}
	}
}

/* Source-over blend of the cursor, its hotspot at (x_pos, y_pos). */
static void
composite_cursor(const struct plane *screen, const struct plane *cur,
		 uint8_t *rgb)
{
	const struct vfio_device_gfx_plane_info *c = &cur->info;
	unsigned int cpp = vgfb_format_cpp(c->drm_format);
	int64_t ox = (int64_t)c->x_pos - (c->x_hot == HOT_UNKNOWN ? 0 : c->x_hot);
	int64_t oy = (int64_t)c->y_pos - (c->y_hot == HOT_UNKNOWN ? 0 : c->y_hot);

	for (uint32_t y = 0; y < c->height; y++) {
		int64_t sy = oy + y;

		if (sy < 0 || sy >= screen->info.height)
			continue;
		for (uint32_t x = 0; x < c->width; x++) {
			int64_t sx = ox + x;
			uint8_t rgba[4], *dst;

			if (sx < 0 || sx >= screen->info.width)
				continue;
			vgfb_pixel_unpack(c->drm_format,
					  (const uint8_t *)cur->view.addr +
						  (size_t)y * c->stride +
						  (size_t)x * cpp, rgba);
			if (!vgfb_format_has_alpha(c->drm_format))
				rgba[3] = 0xff;
			dst = rgb + ((size_t)sy * screen->info.width + sx) * 3;
			for (int k = 0; k < 3; k++)
				dst[k] = (uint8_t)((rgba[k] * rgba[3] +
						    dst[k] * (255 - rgba[3]) +
						    127) / 255);
		}
	}
}

/* frame: the pattern frame to expect, the plane's frame_seq when < 0 */
static int
check_pattern(const struct plane *p, long long frame)
{
	const struct vfio_device_gfx_plane_info *i = &p->info;
	uint64_t want = frame < 0 ? p->ext.frame_seq : (uint64_t)frame;
	uint32_t bx = 0, by = 0;
	long bad;

	bad = vgfb_pattern_compare(p->view.addr, i->drm_format, i->width,
				   i->height, i->stride, want, NULL, &bx, &by);
	if (bad < 0) {
		fprintf(stderr, "vgfb-dump: pattern check: %s\n",
			strerror((int)-bad));
		return 1;
	}
	if (bad) {
		fprintf(stderr, "vgfb-dump: %ld pixels differ from test "
			"pattern frame %" PRIu64 ", first at %" PRIu32 ",%"
			PRIu32 "\n", bad, want, bx, by);
		return 1;
	}
	printf("pattern: frame %" PRIu64 " matches pixel for pixel (%" PRIu32
	       "x%" PRIu32 ")\n", want, i->width, i->height);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		TOOL_SHARED_LONG_OPTS,
		{ "head", required_argument, NULL, 'H' },
		{ "output", required_argument, NULL, 'o' },
		{ "cursor", no_argument, NULL, 'c' },
		{ "check-pattern", no_argument, NULL, 'p' },
		{ "pattern-frame", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = "vgfb-dump.png";
	bool with_cursor = false, pattern = false;
	struct tool_options o;
	struct plane screen, cursor;
	int c, rc, status = 1;
	long long pattern_frame = -1;
	unsigned long v;
	struct vgfb *ctx;
	uint8_t *rgb = NULL;
	uint32_t flag;
	char *end;

	tool_options_init(&o, "vgfb-dump", usage);
	while ((c = getopt_long(argc, argv, TOOL_SHARED_SHORT_OPTS "H:o:cpF:",
				opts, NULL)) != -1) {
		if (tool_take_option(&o, c, optarg))
			continue;
		switch (c) {
		case 'H':
			if (tool_parse_uint(&o, "head", optarg, UINT32_MAX, &v))
				return 2;
			o.head = (uint32_t)v;
			break;
		case 'o':
			output = optarg;
			break;
		case 'c':
			with_cursor = true;
			break;
		case 'p':
			pattern = true;
			break;
		case 'F':
			pattern_frame = strtoll(optarg, &end, 10);
			if (*end || pattern_frame < 0) {
				fprintf(stderr, "vgfb-dump: bad frame %s\n", optarg);
				return 2;
			}
			pattern = true;
			break;
		default:
			tool_bad_usage(&o);
		}
	}
	tool_no_operands(&o, argc, optind);
	if (tool_start(&o, &ctx))
		return 1;
	flag = tool_query_flag(ctx, o.mode);
	rc = get_plane(ctx, flag, 1, &screen, o.mode == MODE_AUTO);
	if (rc) {
		fprintf(stderr, "vgfb-dump: primary plane: %s\n",
			rc == -ENODEV ? "disabled" : strerror(-rc));
		goto out_close;
	}
	rgb = malloc((size_t)screen.info.width * screen.info.height * 3);
	if (!rgb) {
		fprintf(stderr, "vgfb-dump: out of memory\n");
		goto out_screen;
	}
	to_rgb(&screen, rgb);
	status = pattern ? check_pattern(&screen, pattern_frame) : 0;
	if (with_cursor) {
		rc = get_plane(ctx, flag, 2, &cursor, o.mode == MODE_AUTO);
		if (rc == 0) {
			composite_cursor(&screen, &cursor, rgb);
			tool_unmap_plane(&cursor.view);
		} else if (rc != -ENODEV) {
			fprintf(stderr, "vgfb-dump: cursor plane: %s\n",
				strerror(-rc));
			status = 1;
		}
	}
	rc = png_write_rgb(output, rgb, screen.info.width, screen.info.height);
	if (rc) {
		fprintf(stderr, "vgfb-dump: %s: %s\n", output, strerror(-rc));
		status = 1;
	} else {
		printf("wrote %s: head %" PRIu32 ", %" PRIu32 "x%" PRIu32 " %s, frame %"
		       PRIu64 ", via %s%s\n", output, o.head, screen.info.width,
		       screen.info.height,
		       vgfb_format_name(screen.info.drm_format),
		       screen.ext.frame_seq,
		       screen.view.is_dmabuf ? "dma-buf from " : "region",
		       screen.view.is_dmabuf ? vgfb_get_exporter_name(ctx) : "");
	}
	free(rgb);
out_screen:
	tool_unmap_plane(&screen.view);
out_close:
	vgfb_close(ctx);
	return status;
}
