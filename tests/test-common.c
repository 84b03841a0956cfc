/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "test-common.h"

static char last_log[1024];
static int fds_at_setup;

static void
fd_setup(void)
{
	fds_at_setup = tier_count_fds(0);
}

static void
fd_teardown(void)
{
	int now = tier_count_fds(0);

	ck_assert_msg(now == fds_at_setup, "fd leak: %d fds before, %d after",
		      fds_at_setup, now);
}

void
test_add_fd_leak_check(TCase *tc)
{
	tcase_add_checked_fixture(tc, fd_setup, fd_teardown);
}

int
test_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

static void
capture_log(struct vgfb *ctx, enum vgfb_log_priority prio, void *userdata,
	    const char *format, va_list args)
	__attribute__((format(printf, 4, 0)));

static void
capture_log(struct vgfb *ctx, enum vgfb_log_priority prio, void *userdata,
	    const char *format, va_list args)
{
	if (prio == VGFB_LOG_ERROR)
		vsnprintf(last_log, sizeof(last_log), format, args);
}

const char *
test_last_log(void)
{
	return last_log;
}

void
test_clear_log(void)
{
	last_log[0] = '\0';
}

struct vgfb *
test_open(const char *target)
{
	struct vgfb *ctx = NULL;
	int rc = vgfb_open(target, &ctx);

	ck_assert_msg(rc == 0, "vgfb_open(%s): %s", target, strerror(-rc));
	vgfb_set_log_func(ctx, capture_log, NULL);
	test_clear_log();
	return ctx;
}

int
test_query(struct vgfb *ctx, uint32_t flags, uint32_t type,
	   struct vfio_device_gfx_plane_info *info, struct vgfb_plane_ext *ext)
{
	struct vgfb_plane_ext local;

	memset(info, 0x5a, sizeof(*info));	/* outputs must be overwritten */
	info->argsz = sizeof(*info);
	info->flags = flags;
	info->drm_plane_type = type;
	if (!ext)
		ext = &local;
	memset(ext, 0, sizeof(*ext));
	ext->argsz = sizeof(*ext);
	return vgfb_query_plane_ext(ctx, info, ext);
}

void *
test_map(int fd, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}
