/* SPDX-License-Identifier: MIT */
/*
 * What every strict wire parser checks the same way (backend/remote/
 * proto.c, backend/acrn/source-proto.c): zero bytes where nothing may
 * be, and names.  Header-only so that each parser still links (and is
 * fuzzed) on its own.
 */
#ifndef VGFB_WIRE_H
#define VGFB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Every byte of p[0..n) is 0: reserved fields, padding, unused entries. */
static inline bool
vgfb__wire_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

/*
 * A name field of len bytes: 1..len-1 printable ASCII bytes without
 * spaces (0x21..0x7e), NUL-terminated and zero-filled.
 */
static inline bool
vgfb__wire_name_ok(const char *name, size_t len)
{
	size_t n = strnlen(name, len);

	if (n == 0 || n == len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] < 0x21 || name[i] > 0x7e)
			return false;
	return vgfb__wire_zero(name + n, len - n);
}

#endif
