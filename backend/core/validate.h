/* SPDX-License-Identifier: MIT */
/*
 * The one validation policy every plane source goes through: nothing a guest
 * wrote reaches a cache, an exporter or a consumer before it passed here.
 */
#ifndef VGFB_VALIDATE_H
#define VGFB_VALIDATE_H

#include "platform.h"

/* What validation proved about a plane. */
struct vgfb_plane_geom {
	uint32_t size;		/* stride * height rounded up to a page */
	uint32_t x_hot, y_hot;	/* 0xFFFFFFFF when not inside the cursor */
};

/*
 * 0 when the plane is safe to export, or -EINVAL with a one-line reason
 * (naming the offending field and value) in why.
 */
int vgfb__validate_plane(uint32_t plane_type, const struct vgfb_plane_desc *d,
			 const struct vgfb_memmap *map,
			 struct vgfb_plane_geom *out, char *why,
			 size_t why_len);

/*
 * A refusal: its one-line reason (naming the field and value) into why,
 * and -EINVAL.  For the policy above and for platforms that check what
 * their guest-side peer sends with it (ACRN).
 */
int vgfb__refuse(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
