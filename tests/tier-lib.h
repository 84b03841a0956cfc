/* SPDX-License-Identifier: MIT */
/*
 * What the vm and xen tiers' programs share (tests/vm, tests/xen): the
 * VGFB_RESULT lines the harnesses count, clocks, an fd counter, vgfb.ko's
 * counters, the dma-buf sync ioctl and finding a DRM device by driver.
 *
 * libc and kernel uapi only (and libdrm's <drm.h>, headers only): it is
 * linked into the static guest programs and into the 32-bit vgfb-vmtest,
 * none of which link libvgfb.
 */
#ifndef VGFB_TIER_LIB_H
#define VGFB_TIER_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct vgfb_version;

/* ---- results ---- */

/* What tier_result() printed so far, by status (SKIP: anything else). */
struct tier_counts {
	int pass, fail, skip;
};
extern struct tier_counts tier_counts;

/* A prefix for every result name printed from now on ("" at start). */
void tier_result_prefix(const char *prefix);

/*
 * One "VGFB_RESULT <prefix><name> <status> <detail>" line, flushed, and
 * counted in tier_counts.  status: PASS, FAIL or SKIP.
 */
void tier_result(const char *name, const char *status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tier_vresult(const char *name, const char *status, const char *fmt,
		  va_list ap) __attribute__((format(printf, 3, 0)));

/* ---- clocks ---- */

/* CLOCK_MONOTONIC, in seconds and in milliseconds. */
double tier_now(void);
long long tier_now_ms(void);
/* Seconds since boot (CLOCK_BOOTTIME), as guests print them. */
double tier_uptime(void);

/* ---- fds and reads ---- */

/* Number of fds open in process pid (0: this one); -1 without /proc. */
int tier_count_fds(int pid);

/* Read exactly len bytes (EINTR retried): 0, -errno, or -EIO at EOF. */
int tier_read_full(int fd, void *buf, size_t len);

/* ---- dma-bufs and vgfb.ko ---- */

/* DMA_BUF_IOCTL_SYNC with flags (EINTR, EAGAIN retried): 0 or -errno. */
int tier_dmabuf_sync(int fd, uint64_t flags);

/* open("/dev/vgfb", O_RDWR | O_CLOEXEC): the fd, or -1 and errno. */
int tier_kmod_open(void);

/* VGFB_IOC_VERSION on an open /dev/vgfb into *v (zeroed first): 0 or -errno. */
int tier_kmod_version(int dev, struct vgfb_version *v);

/*
 * vgfb.ko's global counters (pages and buffers held by all openers), through
 * dev, or through a /dev/vgfb opened for the call when dev < 0: 0, -ENODEV
 * when the module is not loaded, or another -errno.
 */
int tier_kmod_usage(int dev, uint64_t *pages, uint64_t *buffers);

/* ---- DRM ---- */

/*
 * The first /dev/dri/cardN whose driver's name starts with prefix: its fd,
 * with "<driver>(<path>)" in name when name is not NULL; -1 when none.
 */
int tier_drm_open(const char *prefix, char *name, size_t name_len);

#endif
