/* SPDX-License-Identifier: MIT */
/*
 * A fuzz input read front to back, shared by the protocol fuzzers: little-
 * endian numbers and byte runs; past the end everything reads as zero.
 */
#ifndef VGFB_FUZZ_INPUT_H
#define VGFB_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct input {
	const uint8_t *p;
	size_t n;
};

static inline uint32_t
take(struct input *in, unsigned int bytes)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < bytes && in->n; i++) {
		v |= (uint32_t)in->p[0] << (8 * i);
		in->p++;
		in->n--;
	}
	return v;
}

static inline void
take_bytes(struct input *in, uint8_t *dst, size_t len)
{
	size_t n = len < in->n ? len : in->n;

	memcpy(dst, in->p, n);
	in->p += n;
	in->n -= n;
}

#endif
