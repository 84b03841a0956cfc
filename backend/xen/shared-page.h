/* SPDX-License-Identifier: MIT */
/*
 * Reading memory a guest can rewrite at any moment (Xen shared pages and
 * rings), and refusing what it wrote.  Header-only so that the protocol
 * layers stay self-contained for their fuzz targets.
 *
 * Every guest-writable word is loaded exactly once through these helpers,
 * then checked: the compiler may not re-read it (no double fetch).
 */
#ifndef VGFB_SHARED_PAGE_H
#define VGFB_SHARED_PAGE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

static inline uint32_t
shared_load32(const volatile void *page, size_t off)
{
	return __atomic_load_n((const volatile uint32_t *)
			       ((const volatile char *)page + off),
			       __ATOMIC_RELAXED);
}

/* off must be 8-byte aligned */
static inline uint64_t
shared_load64(const volatile void *page, size_t off)
{
	return __atomic_load_n((const volatile uint64_t *)
			       ((const volatile char *)page + off),
			       __ATOMIC_RELAXED);
}

static inline void
shared_store32(volatile void *page, size_t off, uint32_t v)
{
	__atomic_store_n((volatile uint32_t *)((volatile char *)page + off), v,
			 __ATOMIC_RELAXED);
}

/* Write a one-line reason (when why is not NULL) and return err. */
static inline int
refuse(int err, char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline int
refuse(int err, char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return err;
}

#endif
