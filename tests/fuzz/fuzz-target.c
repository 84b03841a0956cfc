/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: target strings and their options, as vgfb_open() and
 * vgfbd --target parse them (sim:..., xen:..., acrn:..., unix:PATH, a
 * daemon name), through vgfb__check_target(), which parses exactly what
 * open would and reaches nothing.
 *
 * Besides "never crashes, never reads out of bounds" (ASan/UBSan), it
 * checks that the answer is one of the documented ones, and that the one
 * rule really is one: a sim target the check refuses is refused by
 * vgfb_open() too, with the same error (a sim target the check accepts
 * is not opened: mode= and ram= can ask for gigabytes).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vgfb/vgfb.h>

#include "private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* vgfb_open() of a refused target logs why: kept off libFuzzer's stderr */
static int
open_quietly(const char *target, struct vgfb **ctx)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int rc;

	if (saved >= 0 && null >= 0)
		dup2(null, 2);
	rc = vgfb_open(target, ctx);
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	if (null >= 0)
		close(null);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char target[1100];
	struct vgfb *ctx = NULL;
	int rc, open_rc;

	if (size >= sizeof(target))
		return 0;
	memcpy(target, data, size);
	target[size] = '\0';	/* an embedded NUL ends the string early */

	rc = vgfb__check_target(target);
	if (rc != 0 && rc != -EINVAL && rc != -ENOTSUP && rc != -ENAMETOOLONG &&
	    rc != -ENOMEM)
		abort();
	if (rc == 0 || strncmp(target, "sim", 3) != 0)
		return 0;
	/* a refused sim target: open must refuse it the same way */
	open_rc = open_quietly(target, &ctx);
	if (open_rc == 0) {
		vgfb_close(ctx);
		abort();
	}
	if (open_rc != rc)
		abort();
	return 0;
}
