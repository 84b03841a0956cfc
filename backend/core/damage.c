/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include "damage.h"

void
vgfb__damage_all(struct vgfb_damage *d)
{
	d->all = true;
	d->n = 0;
}

void
vgfb__damage_add_rect(struct vgfb_damage *d, const struct vgfb_rect *r)
{
	if (d->all || !r->width || !r->height)
		return;
	if (d->n == VGFB_MAX_DAMAGE) {
		vgfb__damage_all(d);
		return;
	}
	d->rect[d->n++] = *r;
}

void
vgfb__damage_add_ext(struct vgfb_damage *d, const struct vgfb_plane_ext *ext)
{
	if (ext->flags & VGFB_PLANE_EXT_DAMAGE_ALL ||
	    ext->n_damage > VGFB_MAX_DAMAGE) {
		vgfb__damage_all(d);
		return;
	}
	for (uint32_t k = 0; k < ext->n_damage; k++)
		vgfb__damage_add_rect(d, &ext->damage[k]);
}

void
vgfb__damage_take(struct vgfb_damage *d, struct vgfb_plane_ext *ext)
{
	ext->flags = d->all ? VGFB_PLANE_EXT_DAMAGE_ALL : 0;
	ext->n_damage = d->all ? 0 : d->n;
	memset(ext->damage, 0, sizeof(ext->damage));
	if (!d->all)
		memcpy(ext->damage, d->rect, d->n * sizeof(d->rect[0]));
	d->all = false;
	d->n = 0;
}
