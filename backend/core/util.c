/* SPDX-License-Identifier: MIT */
/* Logging, ioctl and fd helpers, option parsing: shared by every module. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "private.h"

static void
log_to_stderr(struct vgfb *ctx, enum vgfb_log_priority prio, void *userdata,
	      const char *format, va_list args)
	__attribute__((format(printf, 4, 0)));

static void
log_to_stderr(struct vgfb *ctx, enum vgfb_log_priority prio, void *userdata,
	      const char *format, va_list args)
{
	fprintf(stderr, "vgfb: ");
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
}

/*
 * VGFB_LOG=error|info|debug sets the starting priority, so that what
 * happens inside vgfb_open() (the exporter probe) can be seen too.
 */
static enum vgfb_log_priority
initial_priority(void)
{
	const char *env = secure_getenv("VGFB_LOG");

	if (env && strcmp(env, "debug") == 0)
		return VGFB_LOG_DEBUG;
	if (env && strcmp(env, "info") == 0)
		return VGFB_LOG_INFO;
	return VGFB_LOG_ERROR;
}

int
vgfb__ctx_new(const struct vgfb_ctx_ops *ops, struct vgfb **out)
{
	struct vgfb *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return -ENOMEM;
	ctx->ops = ops;
	ctx->log_func = log_to_stderr;
	ctx->log_priority = initial_priority();
	*out = ctx;
	return 0;
}

void
vgfb__log(struct vgfb *ctx, enum vgfb_log_priority prio, const char *fmt, ...)
{
	va_list args;

	if (!ctx || !ctx->log_func || prio > ctx->log_priority)
		return;
	va_start(args, fmt);
	ctx->log_func(ctx, prio, ctx->log_userdata, fmt, args);
	va_end(args);
}

int
vgfb__ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

int
vgfb__dup_cloexec(int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	return nfd < 0 ? -errno : nfd;
}

/*
 * "a=1,b=two": each key must be [a-z_]+ and have a value.  Values may not
 * contain ',' (none of ours need one).
 */
int
vgfb__parse_options(const char *args,
		    int (*fn)(void *data, const char *key, const char *value),
		    void *data)
{
	char *copy, *item, *save = NULL;
	int rc = 0;

	if (!args || !*args)
		return 0;
	copy = strdup(args);
	if (!copy)
		return -ENOMEM;
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (!eq || eq == item || !eq[1]) {
			rc = -EINVAL;
			break;
		}
		*eq = '\0';
		for (const char *k = item; *k; k++) {
			if ((*k < 'a' || *k > 'z') && *k != '_') {
				rc = -EINVAL;
				break;
			}
		}
		if (rc)
			break;
		rc = fn(data, item, eq + 1);
		if (rc)
			break;
	}
	free(copy);
	return rc;
}
