/* SPDX-License-Identifier: MIT */
#ifndef VGFB_TEST_COMMON_H
#define VGFB_TEST_COMMON_H

#include <check.h>
#include <stdbool.h>
#include <vgfb/vgfb.h>

#include "tier-lib.h"

#ifndef DRM_PLANE_TYPE_PRIMARY
#define DRM_PLANE_TYPE_PRIMARY 1
#define DRM_PLANE_TYPE_CURSOR 2
#endif

/* Adds a checked fixture that fails a test which leaks an fd. */
void test_add_fd_leak_check(TCase *tc);

/* Runs the suite; returns the process exit code. */
int test_run(Suite *s);

/* The last message the library logged through test_open_sim() contexts. */
const char *test_last_log(void);
void test_clear_log(void);

/* vgfb_open() that must succeed, with logging captured. */
struct vgfb *test_open(const char *target);

/* A query that fills argsz/flags/type; returns vgfb_query_plane_ext(). */
int test_query(struct vgfb *ctx, uint32_t flags, uint32_t type,
	       struct vfio_device_gfx_plane_info *info,
	       struct vgfb_plane_ext *ext);

/* Map a region/dma-buf fd of size bytes read-only; NULL on failure. */
void *test_map(int fd, size_t size);

/* Input events, as a consumer sends them (vgfb_send_input). */
static inline struct vgfb_input_event
test_key(uint32_t code, int32_t value)
{
	return (struct vgfb_input_event){ .type = VGFB_INPUT_KEY, .code = code,
					  .value = value };
}

static inline struct vgfb_input_event
test_abs(uint32_t x, uint32_t y)
{
	return (struct vgfb_input_event){ .type = VGFB_INPUT_ABS, .x = x,
					  .y = y };
}

static inline struct vgfb_input_event
test_wheel(uint32_t code, int32_t value)
{
	return (struct vgfb_input_event){ .type = VGFB_INPUT_WHEEL,
					  .code = code, .value = value };
}

#endif
