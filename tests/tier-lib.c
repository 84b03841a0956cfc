// SPDX-License-Identifier: MIT
/* Shared by the vm and xen tiers' programs: tier-lib.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <drm.h>

#include "../kernel/uapi/vgfb_kmod.h"
#include "tier-lib.h"

struct tier_counts tier_counts;
static const char *result_prefix = "";

void
tier_result_prefix(const char *prefix)
{
	result_prefix = prefix ? prefix : "";
}

void
tier_vresult(const char *name, const char *status, const char *fmt,
	     va_list ap)
{
	if (!strcmp(status, "PASS"))
		tier_counts.pass++;
	else if (!strcmp(status, "FAIL"))
		tier_counts.fail++;
	else
		tier_counts.skip++;
	printf("VGFB_RESULT %s%s %s ", result_prefix, name, status);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

void
tier_result(const char *name, const char *status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tier_vresult(name, status, fmt, ap);
	va_end(ap);
}

static struct timespec
clock_now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts;
}

double
tier_now(void)
{
	struct timespec ts = clock_now(CLOCK_MONOTONIC);

	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

long long
tier_now_ms(void)
{
	struct timespec ts = clock_now(CLOCK_MONOTONIC);

	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double
tier_uptime(void)
{
	struct timespec ts = clock_now(CLOCK_BOOTTIME);

	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
tier_count_fds(int pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/fd");
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return pid ? n : n - 1;	/* not the DIR's own fd */
}

int
tier_read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += (size_t)n;
	}
	return 0;
}

int
tier_dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };
	int rc;

	do {
		rc = ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
	} while (rc < 0 && (errno == EINTR || errno == EAGAIN));
	return rc < 0 ? -errno : 0;
}

int
tier_kmod_open(void)
{
	return open("/dev/vgfb", O_RDWR | O_CLOEXEC);
}

int
tier_kmod_version(int dev, struct vgfb_version *v)
{
	memset(v, 0, sizeof(*v));
	return ioctl(dev, VGFB_IOC_VERSION, v) < 0 ? -errno : 0;
}

int
tier_kmod_usage(int dev, uint64_t *pages, uint64_t *buffers)
{
	struct vgfb_version v;
	int fd = dev, rc;

	if (fd < 0) {
		fd = tier_kmod_open();
		if (fd < 0)
			return -ENODEV;
	}
	rc = tier_kmod_version(fd, &v);
	if (fd != dev)
		close(fd);
	if (pages)
		*pages = v.pages_in_use;
	if (buffers)
		*buffers = v.buffers_in_use;
	return rc;
}

int
tier_drm_open(const char *prefix, char *name, size_t name_len)
{
	char path[64], drv[64];

	for (int i = 0; i < 16; i++) {
		struct drm_version v = { 0 };
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(drv, 0, sizeof(drv));
		v.name = drv;
		v.name_len = sizeof(drv) - 1;
		if (ioctl(fd, DRM_IOCTL_VERSION, &v) == 0 &&
		    !strncmp(drv, prefix, strlen(prefix))) {
			if (name)
				snprintf(name, name_len, "%s(%s)", drv, path);
			return fd;
		}
		close(fd);
	}
	return -1;
}
