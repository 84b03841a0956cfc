/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"

#define KMS_MAX_SIDE 16384

int
kms_parse_mode_policy(const char *s, enum kms_mode_policy *policy,
		      uint32_t *width, uint32_t *height)
{
	unsigned long w, h;
	char *end;

	*width = *height = 0;
	if (strcmp(s, "preferred") == 0) {
		*policy = KMS_MODE_PREFERRED;
		return 0;
	}
	if (strcmp(s, "guest") == 0) {
		*policy = KMS_MODE_GUEST;
		return 0;
	}
	if (s[0] < '1' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	w = strtoul(s, &end, 10);
	if (errno || *end != 'x' || end[1] < '1' || end[1] > '9')
		return -EINVAL;
	h = strtoul(end + 1, &end, 10);
	if (errno || *end || w > KMS_MAX_SIDE || h > KMS_MAX_SIDE)
		return -EINVAL;
	*policy = KMS_MODE_SIZE;
	*width = (uint32_t)w;
	*height = (uint32_t)h;
	return 0;
}

int
kms_pick_mode(const struct kms_mode_desc *modes, unsigned int n,
	      enum kms_mode_policy policy, uint32_t want_w, uint32_t want_h)
{
	if (n == 0)
		return -ENOENT;
	if (policy != KMS_MODE_PREFERRED) {
		for (unsigned int i = 0; i < n; i++)
			if (modes[i].width == want_w &&
			    modes[i].height == want_h)
				return (int)i;
		if (policy == KMS_MODE_SIZE)
			return -ENOENT;
	}
	for (unsigned int i = 0; i < n; i++)
		if (modes[i].preferred)
			return (int)i;
	return 0;
}

void
kms_connector_name(uint32_t type, uint32_t type_id, char *out, size_t len)
{
	/* drm_connector_enum_list[] in the kernel's drm_connector.c */
	static const char *const names[] = {
		[0] = "Unknown", [1] = "VGA", [2] = "DVI-I", [3] = "DVI-D",
		[4] = "DVI-A", [5] = "Composite", [6] = "SVIDEO", [7] = "LVDS",
		[8] = "Component", [9] = "DIN", [10] = "DP", [11] = "HDMI-A",
		[12] = "HDMI-B", [13] = "TV", [14] = "eDP", [15] = "Virtual",
		[16] = "DSI", [17] = "DPI", [18] = "Writeback", [19] = "SPI",
		[20] = "USB",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		snprintf(out, len, "%s-%u", names[type], type_id);
	else
		snprintf(out, len, "Unknown%u-%u", type, type_id);
}

/* One axis: the shown span of a guest side g on a screen side m. */
static void
place(uint32_t m, uint32_t g, uint32_t *src, uint32_t *dst, uint32_t *len)
{
	if (g <= m) {
		*src = 0;
		*dst = (m - g) / 2;
		*len = g;
	} else {
		*src = (g - m) / 2;
		*dst = 0;
		*len = m;
	}
}

void
kms_layout_compute(struct kms_layout *l, uint32_t mode_w, uint32_t mode_h,
		   uint32_t guest_w, uint32_t guest_h)
{
	memset(l, 0, sizeof(*l));
	l->mode_w = mode_w;
	l->mode_h = mode_h;
	l->guest_w = guest_w;
	l->guest_h = guest_h;
	place(mode_w, guest_w, &l->src_x, &l->dst_x, &l->w);
	place(mode_h, guest_h, &l->src_y, &l->dst_y, &l->h);
}

bool
kms_layout_is_identity(const struct kms_layout *l)
{
	return l->guest_w == l->mode_w && l->guest_h == l->mode_h &&
	       l->mode_w && l->mode_h;
}

/* [a, a + alen) ∩ [b, b + blen) as [*o, *o + *olen); false when empty. */
static bool
intersect(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen, uint64_t *o,
	  uint64_t *olen)
{
	uint64_t lo = a > b ? a : b;
	uint64_t hi = a + alen < b + blen ? a + alen : b + blen;

	if (hi <= lo)
		return false;
	*o = lo;
	*olen = hi - lo;
	return true;
}

bool
kms_layout_to_screen(const struct kms_layout *l,
		     const struct vgfb_rect *guest, struct vgfb_rect *screen)
{
	uint64_t x, y, w, h;

	/* 64-bit: a hostile rectangle cannot wrap */
	if (!intersect(guest->x, guest->width, l->src_x, l->w, &x, &w) ||
	    !intersect(guest->y, guest->height, l->src_y, l->h, &y, &h))
		return false;
	screen->x = (uint32_t)(x - l->src_x + l->dst_x);
	screen->y = (uint32_t)(y - l->src_y + l->dst_y);
	screen->width = (uint32_t)w;
	screen->height = (uint32_t)h;
	return true;
}

unsigned int
kms_layout_split(const struct kms_layout *l, const struct vgfb_rect *screen,
		 struct vgfb_rect *inside, bool *has_inside, uint32_t *src_x,
		 uint32_t *src_y, struct vgfb_rect border[4])
{
	uint64_t sx = screen->x, sy = screen->y;
	uint64_t sx2 = sx + screen->width, sy2 = sy + screen->height;
	uint64_t ix, iy, iw, ih, iy2;
	unsigned int n = 0;

	*has_inside =
		intersect(sx, screen->width, l->dst_x, l->w, &ix, &iw) &&
		intersect(sy, screen->height, l->dst_y, l->h, &iy, &ih);
	if (!*has_inside) {
		if (screen->width && screen->height)
			border[n++] = *screen;
		return n;
	}
	*inside = (struct vgfb_rect){ (uint32_t)ix, (uint32_t)iy,
				      (uint32_t)iw, (uint32_t)ih };
	*src_x = (uint32_t)(ix - l->dst_x + l->src_x);
	*src_y = (uint32_t)(iy - l->dst_y + l->src_y);
	iy2 = iy + ih;
	/* above and below: full width of the screen rectangle */
	if (iy > sy)
		border[n++] = (struct vgfb_rect){ (uint32_t)sx, (uint32_t)sy,
						  screen->width,
						  (uint32_t)(iy - sy) };
	if (sy2 > iy2)
		border[n++] = (struct vgfb_rect){ (uint32_t)sx, (uint32_t)iy2,
						  screen->width,
						  (uint32_t)(sy2 - iy2) };
	/* left and right: the inside rows only */
	if (ix > sx)
		border[n++] = (struct vgfb_rect){ (uint32_t)sx, (uint32_t)iy,
						  (uint32_t)(ix - sx),
						  (uint32_t)ih };
	if (sx2 > ix + iw)
		border[n++] = (struct vgfb_rect){ (uint32_t)(ix + iw),
						  (uint32_t)iy,
						  (uint32_t)(sx2 - ix - iw),
						  (uint32_t)ih };
	return n;
}

void
kms_damage_clear(struct kms_damage *d)
{
	d->all = false;
	d->n = 0;
}

void
kms_damage_all(struct kms_damage *d)
{
	d->all = true;
	d->n = 0;
}

void
kms_damage_add(struct kms_damage *d, const struct vgfb_rect *r,
	       uint32_t mode_w, uint32_t mode_h)
{
	uint64_t x, y, w, h;

	if (d->all)
		return;
	if (!intersect(r->x, r->width, 0, mode_w, &x, &w) ||
	    !intersect(r->y, r->height, 0, mode_h, &y, &h))
		return;
	for (unsigned int i = 0; i < d->n; i++) {
		const struct vgfb_rect *o = &d->r[i];

		/* already covered: nothing to add */
		if (x >= o->x && y >= o->y && x + w <= (uint64_t)o->x + o->width &&
		    y + h <= (uint64_t)o->y + o->height)
			return;
	}
	if (d->n == KMS_DAMAGE_MAX) {
		kms_damage_all(d);
		return;
	}
	d->r[d->n++] = (struct vgfb_rect){ (uint32_t)x, (uint32_t)y,
					   (uint32_t)w, (uint32_t)h };
}

uint64_t
kms_damage_area(const struct kms_damage *d, uint32_t mode_w, uint32_t mode_h)
{
	uint64_t a = 0;

	if (d->all)
		return (uint64_t)mode_w * mode_h;
	for (unsigned int i = 0; i < d->n; i++)
		a += (uint64_t)d->r[i].width * d->r[i].height;
	return a;
}
