/* SPDX-License-Identifier: MIT */
/*
 * vm tier: vgfb.ko's uapi exercised inside a real Debian kernel.
 *
 * Runs as a static binary from the test initramfs (tests/vm/init.sh) and
 * prints one "VGFB_RESULT <name> PASS|FAIL|SKIP <detail>" line per test.
 *
 *   vgfb-vmtest /path/to/vgfb.ko [NAME-PREFIX]
 *
 * Built twice: as a 64-bit program, and as a 32-bit one (prefix
 * "compat32_") that reaches the module through its compat_ioctl path.
 * The module must be loaded with its default parameters; the unload test
 * reloads it (from the path given) with small limits and then restores it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <drm.h>
#include <drm_fourcc.h>
#include <drm_mode.h>

#include "../../kernel/uapi/vgfb_kmod.h"
#include "../tier-lib.h"

#define PAGE 4096UL
#define MiB (1024UL * 1024UL)

static const char *module_path;

/* A test body fills why[] and returns 0 (pass), 77 (skip) or 1 (fail). */
#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(why, why_len, __VA_ARGS__);		\
			return 1;					\
		}							\
	} while (0)

typedef int (*test_fn)(char *why, size_t why_len);

/*
 * Each test runs in its own process, so that one that fails half-way
 * cannot leave buffers behind for the next, and a signal (a kernel bug
 * showing up as SIGBUS or SIGSEGV) is a failure, not the end of the run.
 */
static void
run(const char *name, test_fn fn)
{
	const size_t why_len = 400;
	char *why;
	int status = 0;
	pid_t pid;

	why = mmap(NULL, why_len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (why == MAP_FAILED) {
		tier_result(name, "FAIL", "mmap: %s", strerror(errno));
		return;
	}
	why[0] = '\0';
	pid = fork();
	if (pid == 0)
		_exit(fn(why, why_len));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		tier_result(name, "FAIL", "fork/wait: %s", strerror(errno));
	else if (WIFSIGNALED(status))
		tier_result(name, "FAIL", "killed by signal %d (%s) %s",
			    WTERMSIG(status), strsignal(WTERMSIG(status)), why);
	else if (WEXITSTATUS(status) == 0)
		tier_result(name, "PASS", "%s", why);
	else if (WEXITSTATUS(status) == 77)
		tier_result(name, "SKIP", "%s", why);
	else
		tier_result(name, "FAIL", "%s", why);
	munmap(why, why_len);
}

/* ---- helpers ---- */

static uint32_t
pattern_word(uint64_t seed, size_t i)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ULL + i * 0xBF58476D1CE4E5B9ULL;

	x ^= x >> 31;
	return (uint32_t)(x ^ (x >> 17));
}

static void
fill(void *p, size_t size, uint64_t seed)
{
	uint32_t *w = p;

	for (size_t i = 0; i < size / 4; i++)
		w[i] = pattern_word(seed, i);
}

/* Index of the first wrong word, or -1. */
static long
verify(const void *p, size_t size, uint64_t seed)
{
	const uint32_t *w = p;

	for (size_t i = 0; i < size / 4; i++)
		if (w[i] != pattern_word(seed, i))
			return (long)i;
	return -1;
}

/* 0 or -errno; fd in *out. */
static int
create_user(int dev, void *addr, size_t size, uint32_t flags, int *out)
{
	struct vgfb_create_user c = {
		.addr = (uintptr_t)addr,
		.size = size,
		.flags = flags,
	};

	if (ioctl(dev, VGFB_IOC_CREATE_USER, &c) < 0)
		return -errno;
	*out = c.fd;
	return 0;
}

/* Pages and buffers vgfb.ko holds, all openers together; -1 on error. */
static long
in_use_pages(void)
{
	uint64_t pages, buffers;

	if (tier_kmod_usage(-1, &pages, &buffers))
		return -1;
	return (long)pages + (long)buffers;
}

/* mmap a dma-buf read-only, verify under SYNC_START/END; 0 or -1. */
static long
check_dmabuf(int fd, size_t size, uint64_t seed)
{
	void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	long bad;

	if (p == MAP_FAILED)
		return -2;
	if (tier_dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ))
		bad = -3;
	else
		bad = verify(p, size, seed);
	tier_dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	munmap(p, size);
	return bad;
}

static int
memfd_with(size_t size, unsigned int flags, void **map, int prot)
{
	int fd = memfd_create("vgfb-test", MFD_CLOEXEC | flags);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	*map = mmap(NULL, size, prot, MAP_SHARED, fd, 0);
	if (*map == MAP_FAILED) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Fold the per-cpu counter deltas first, or the numbers lag. */
static void
refresh_vmstat(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "1", 1) < 0) {
			/* EINVAL only reports negative counters: harmless */
		}
		close(fd);
	}
}

static int
read_vmstat(const char *key, long *val)
{
	char name[64];
	long v;
	FILE *f = fopen("/proc/vmstat", "r");
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fscanf(f, "%63s %ld", name, &v) == 2)
		if (!strcmp(name, key)) {
			*val = v;
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}

static long
meminfo_kb(const char *key)
{
	char line[128];
	size_t len = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* ---- basic ---- */

static int
t_device(char *why, size_t why_len)
{
	struct vgfb_version v;
	struct stat st;
	int dev;
	int rc;

	CHECK(stat("/dev/vgfb", &st) == 0, "stat /dev/vgfb: %s", strerror(errno));
	CHECK(S_ISCHR(st.st_mode), "/dev/vgfb is not a character device");
	CHECK((st.st_mode & 0777) == 0600, "mode %o, want 0600",
	      st.st_mode & 0777);
	dev = tier_kmod_open();
	CHECK(dev >= 0, "open: %s", strerror(errno));
	rc = tier_kmod_version(dev, &v);
	close(dev);
	CHECK(rc == 0, "VGFB_IOC_VERSION: %s", strerror(-rc));
	CHECK(v.major == VGFB_KMOD_VERSION_MAJOR, "major %u", v.major);
	CHECK(v.features & VGFB_FEATURE_USER, "features %#llx",
	      (unsigned long long)v.features);
	CHECK(!(v.features & (VGFB_FEATURE_XEN_FOREIGN | VGFB_FEATURE_XEN_GRANTS)),
	      "Xen features announced without Xen: %#llx",
	      (unsigned long long)v.features);
	CHECK(v.pages_in_use == 0 && v.buffers_in_use == 0,
	      "in use at start: %llu pages %llu buffers",
	      (unsigned long long)v.pages_in_use,
	      (unsigned long long)v.buffers_in_use);
	snprintf(why, why_len,
		 "uapi %u.%u, max_pages %u max_buffers %u max_total_pages %llu",
		 v.major, v.minor, v.max_pages, v.max_buffers,
		 (unsigned long long)v.max_total_pages);
	return 0;
}

static int
t_memfd_rw(char *why, size_t why_len)
{
	const size_t size = 3 * MiB + 5 * PAGE;
	void *map, *dm;
	int dev, mfd, buf = -1;
	long bad;
	int rc, fl, fdfl;

	dev = tier_kmod_open();
	CHECK(dev >= 0, "open: %s", strerror(errno));
	mfd = memfd_with(size, MFD_ALLOW_SEALING, &map, PROT_READ | PROT_WRITE);
	CHECK(mfd >= 0, "memfd: %s", strerror(-mfd));
	fill(map, size, 1);
	rc = create_user(dev, map, size, 0, &buf);
	CHECK(rc == 0, "CREATE_USER: %s", strerror(-rc));
	fdfl = fcntl(buf, F_GETFD);
	fl = fcntl(buf, F_GETFL);
	CHECK(fdfl & FD_CLOEXEC, "dma-buf fd lacks FD_CLOEXEC");
	CHECK((fl & O_ACCMODE) == O_RDWR, "dma-buf fd flags %#x", fl);
	CHECK(lseek(buf, 0, SEEK_END) == (off_t)size, "dma-buf size %lld",
	      (long long)lseek(buf, 0, SEEK_END));
	bad = check_dmabuf(buf, size, 1);
	CHECK(bad == -1, "readback mismatch at word %ld", bad);

	/* Writes through the dma-buf land in the memfd: same pages. */
	dm = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	CHECK(dm != MAP_FAILED, "mmap rw: %s", strerror(errno));
	CHECK(tier_dmabuf_sync(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW) == 0,
	      "SYNC_START: %s", strerror(errno));
	fill(dm, size, 2);
	CHECK(tier_dmabuf_sync(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW) == 0,
	      "SYNC_END: %s", strerror(errno));
	munmap(dm, size);
	bad = verify(map, size, 2);
	CHECK(bad == -1, "memfd does not see dma-buf writes at word %ld", bad);

	/* A sub-range mapping at a page offset. */
	dm = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, buf, 7 * PAGE);
	CHECK(dm != MAP_FAILED, "mmap at offset: %s", strerror(errno));
	CHECK(((uint32_t *)dm)[0] == pattern_word(2, 7 * PAGE / 4),
	      "offset mapping shows the wrong page");
	munmap(dm, 2 * PAGE);

	close(buf);
	munmap(map, size);
	close(mfd);
	close(dev);
	CHECK(in_use_pages() == 0, "buffer not released on close");
	snprintf(why, why_len, "%zu bytes, read and write through mmap + SYNC",
		 size);
	return 0;
}

static int
one_mapping(char *why, size_t why_len, const char *what, void *map,
	    size_t size)
{
	int dev, buf = -1;
	long bad;
	int rc;

	dev = tier_kmod_open();
	CHECK(dev >= 0, "open: %s", strerror(errno));
	fill(map, size, 3);
	rc = create_user(dev, map, size, 0, &buf);
	close(dev);
	CHECK(rc == 0, "%s: CREATE_USER: %s", what, strerror(-rc));
	bad = check_dmabuf(buf, size, 3);
	close(buf);
	CHECK(bad == -1, "%s: mismatch at word %ld", what, bad);
	CHECK(in_use_pages() == 0, "buffer not released");
	snprintf(why, why_len, "%s, %zu bytes", what, size);
	return 0;
}

static int
t_anon_private(char *why, size_t why_len)
{
	const size_t size = MiB;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int rc;

	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	rc = one_mapping(why, why_len, "MAP_PRIVATE|MAP_ANONYMOUS", p, size);
	munmap(p, size);
	return rc;
}

static int
t_anon_shared(char *why, size_t why_len)
{
	const size_t size = MiB;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int rc;

	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	rc = one_mapping(why, why_len, "MAP_SHARED|MAP_ANONYMOUS", p, size);
	munmap(p, size);
	return rc;
}

static int
t_hugetlb(char *why, size_t why_len)
{
	const size_t size = 4 * MiB;
	void *p;
	int fd, rc;

	fd = memfd_with(size, MFD_HUGETLB, &p, PROT_READ | PROT_WRITE);
	if (fd < 0) {
		snprintf(why, why_len, "no huge pages: %s", strerror(-fd));
		return 77;
	}
	rc = one_mapping(why, why_len, "memfd MFD_HUGETLB (2 MiB pages)", p,
			 size);
	munmap(p, size);
	close(fd);
	return rc;
}

static int
t_readonly(char *why, size_t why_len)
{
	const size_t size = 64 * PAGE;
	void *rw, *ro, *dm;
	int dev, mfd, buf = -1;
	int rc, fl;

	dev = tier_kmod_open();
	CHECK(dev >= 0, "open: %s", strerror(errno));
	mfd = memfd_with(size, 0, &rw, PROT_READ | PROT_WRITE);
	CHECK(mfd >= 0, "memfd: %s", strerror(-mfd));
	fill(rw, size, 4);
	ro = mmap(NULL, size, PROT_READ, MAP_SHARED, mfd, 0);
	CHECK(ro != MAP_FAILED, "mmap ro: %s", strerror(errno));

	rc = create_user(dev, ro, size, 0, &buf);
	CHECK(rc == -EFAULT, "read-write buffer of a PROT_READ mapping: %s",
	      rc ? strerror(-rc) : "succeeded");
	rc = create_user(dev, ro, size, VGFB_CREATE_READONLY, &buf);
	CHECK(rc == 0, "READONLY of a PROT_READ mapping: %s", strerror(-rc));
	fl = fcntl(buf, F_GETFL);
	CHECK((fl & O_ACCMODE) == O_RDONLY, "fd flags %#x, want O_RDONLY", fl);
	dm = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	CHECK(dm == MAP_FAILED, "writable mmap of a read-only dma-buf");
	CHECK(check_dmabuf(buf, size, 4) == -1, "read-only readback mismatch");
	dm = mmap(NULL, size, PROT_READ, MAP_SHARED, buf, 0);
	CHECK(dm != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(mprotect(dm, size, PROT_READ | PROT_WRITE) < 0,
	      "mprotect made a read-only dma-buf writable");
	munmap(dm, size);
	close(buf);
	munmap(ro, size);
	munmap(rw, size);
	close(mfd);
	close(dev);
	CHECK(in_use_pages() == 0, "buffer not released");
	snprintf(why, why_len,
		 "RW of PROT_READ range -EFAULT; READONLY ok, O_RDONLY, no writable mmap/mprotect");
	return 0;
}

/* ---- hostile arguments ---- */

struct hostile {
	const char *what;
	uint64_t addr;
	uint64_t size;
	uint32_t flags;
	uint64_t reserved0, reserved1;
	int want;	/* errno */
};

/* The memory hostile calls point at: one of each kind vgfb.ko refuses. */
struct hostile_mem {
	size_t size;
	void *good;		/* a memfd, mapped: the one valid range */
	void *prot_none, *partial, *half_ro;
	void *pfnmap;		/* a vgfb dma-buf's own mmap */
	void *ramfs_map;	/* MAP_FAILED when ramfs is not there */
	void *hole;		/* unmapped */
	int mfd, buf, rfd;
};

static int
hostile_map(struct hostile_mem *m, int dev, char *why, size_t why_len)
{
	const size_t size = m->size;

	m->mfd = memfd_with(size, 0, &m->good, PROT_READ | PROT_WRITE);
	CHECK(m->mfd >= 0, "memfd: %s", strerror(-m->mfd));
	m->prot_none = mmap(NULL, size, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m->partial = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap((char *)m->partial + 2 * PAGE, PAGE);
	/* Pinning gets half-way, then fails: what was pinned is unpinned. */
	m->half_ro = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m->half_ro != MAP_FAILED, "mmap");
	memset(m->half_ro, 1, 4 * PAGE);
	mprotect((char *)m->half_ro + 2 * PAGE, 2 * PAGE, PROT_READ);
	/* A PFN mapping: a vgfb dma-buf's own mmap. */
	CHECK(create_user(dev, m->good, size, 0, &m->buf) == 0, "create");
	m->pfnmap = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 m->buf, 0);
	CHECK(m->pfnmap != MAP_FAILED, "mmap dma-buf: %s", strerror(errno));
	/* A file that is not shmem: ramfs (mounted by init.sh). */
	m->ramfs_map = MAP_FAILED;
	m->rfd = open("/mnt/ramfs/file", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (m->rfd >= 0 && ftruncate(m->rfd, (off_t)size) == 0)
		m->ramfs_map = mmap(NULL, size, PROT_READ | PROT_WRITE,
				    MAP_SHARED, m->rfd, 0);
	return 0;
}

static void
hostile_unmap(struct hostile_mem *m)
{
	munmap(m->pfnmap, m->size);
	close(m->buf);
	if (m->ramfs_map != MAP_FAILED)
		munmap(m->ramfs_map, m->size);
	if (m->rfd >= 0)
		close(m->rfd);
	munmap(m->prot_none, m->size);
	munmap(m->partial, 2 * PAGE);
	munmap(m->half_ro, 4 * PAGE);
	munmap(m->good, m->size);
	close(m->mfd);
}

/* CREATE_USER with bad flags, ranges and memory; *n counts the calls. */
static int
hostile_create_user(int dev, const struct vgfb_version *v,
		    const struct hostile_mem *m, int *n, char *detail,
		    size_t detail_len, char *why, size_t why_len)
{
	const uintptr_t good = (uintptr_t)m->good;
	const size_t size = m->size;
	const struct hostile cases[] = {
		{ "unknown flag", good, size, 1u << 1, 0, 0, EINVAL },
		{ "high flag", good, size, 1u << 31, 0, 0, EINVAL },
		{ "reserved[0]", good, size, 0, 1, 0, EINVAL },
		{ "reserved[1]", good, size, 0, 0, 1ULL << 63, EINVAL },
		{ "size 0", good, 0, 0, 0, 0, EINVAL },
		{ "addr+1", good + 1, PAGE, 0, 0, 0, EINVAL },
		{ "addr+2048", good + 2048, PAGE, 0, 0, 0, EINVAL },
		{ "size 4097", good, PAGE + 1, 0, 0, 0, EINVAL },
		{ "size 2048", good, PAGE / 2, 0, 0, 0, EINVAL },
		{ "addr+size wraps", 0xFFFFFFFFFFFFF000ULL, 2 * PAGE, 0, 0, 0, EINVAL },
		{ "size 2^64-4096", good, 0xFFFFFFFFFFFFF000ULL, 0, 0, 0, EINVAL },
		{ "kernel address", 0xFFFF888000000000ULL, PAGE, 0, 0, 0, EFAULT },
		{ "beyond TASK_SIZE", 0x00007FFFFFFFF000ULL, 2 * PAGE, 0, 0, 0, EFAULT },
		{ "oversized", PAGE, ((uint64_t)v->max_pages + 1) * PAGE, 0, 0, 0, E2BIG },
		/* A 32-bit caller's address space ends at 4 GiB. */
		{ "size 2^46", 4096, 1ULL << 46, 0, 0, 0,
		  sizeof(void *) == 4 ? EFAULT : E2BIG },
		{ "NULL page", 0, PAGE, 0, 0, 0, EFAULT },
		{ "unmapped hole", (uintptr_t)m->hole, size, 0, 0, 0, EFAULT },
		{ "partly unmapped", (uintptr_t)m->partial, 3 * PAGE, 0, 0, 0, EFAULT },
		{ "PROT_NONE", (uintptr_t)m->prot_none, size, 0, 0, 0, EFAULT },
		{ "half read-only", (uintptr_t)m->half_ro, 4 * PAGE, 0, 0, 0, EFAULT },
		{ "PFNMAP (dma-buf mmap)", (uintptr_t)m->pfnmap, size, 0, 0, 0, EINVAL },
		{ "PFNMAP read-only", (uintptr_t)m->pfnmap, size, VGFB_CREATE_READONLY, 0, 0, EINVAL },
		{ "vdso", getauxval(AT_SYSINFO_EHDR), PAGE, VGFB_CREATE_READONLY, 0, 0, EINVAL },
		{ "ramfs file", (uintptr_t)m->ramfs_map, size, 0, 0, 0, EINVAL },
	};
	int rc;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hostile *h = &cases[i];
		struct vgfb_create_user c = {
			.addr = h->addr, .size = h->size, .flags = h->flags,
			.reserved = { h->reserved0, h->reserved1 },
		};

		if (!strcmp(h->what, "ramfs file") &&
		    m->ramfs_map == MAP_FAILED) {
			snprintf(detail + strlen(detail),
				 detail_len - strlen(detail),
				 " [ramfs case skipped]");
			continue;
		}
		rc = ioctl(dev, VGFB_IOC_CREATE_USER, &c) < 0 ? errno : 0;
		if (rc == 0)
			close(c.fd);
		CHECK(rc == h->want, "%s: got %s, want %s", h->what,
		      rc ? strerror(rc) : "success", strerror(h->want));
		(*n)++;
	}
	return 0;
}

/* Bad argument pointers, VERSION's own checks, unknown ioctls. */
static int
hostile_ioctls(int dev, const struct hostile_mem *m, int *n, char *why,
	       size_t why_len)
{
	struct vgfb_version bad = { .flags = 1 };
	void *ro_arg;

	errno = 0;
	CHECK(ioctl(dev, VGFB_IOC_CREATE_USER, NULL) < 0 && errno == EFAULT,
	      "NULL arg: %s", strerror(errno));
	CHECK(ioctl(dev, VGFB_IOC_CREATE_USER, m->hole) < 0 && errno == EFAULT,
	      "unmapped arg: %s", strerror(errno));
	CHECK(ioctl(dev, VGFB_IOC_VERSION, NULL) < 0 && errno == EFAULT,
	      "VERSION NULL arg: %s", strerror(errno));
	/* Readable but not writable: the fd cannot be reported, so no fd. */
	ro_arg = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ro_arg != MAP_FAILED, "mmap");
	*(struct vgfb_create_user *)ro_arg = (struct vgfb_create_user){
		.addr = (uintptr_t)m->good, .size = m->size,
	};
	mprotect(ro_arg, PAGE, PROT_READ);
	CHECK(ioctl(dev, VGFB_IOC_CREATE_USER, ro_arg) < 0 && errno == EFAULT,
	      "read-only arg: %s", strerror(errno));
	munmap(ro_arg, PAGE);
	*n += 4;

	/* Version: flags and reserved checked. */
	CHECK(ioctl(dev, VGFB_IOC_VERSION, &bad) < 0 && errno == EINVAL,
	      "VERSION flags=1: %s", strerror(errno));
	bad = (struct vgfb_version){ .reserved = { 0, 1 } };
	CHECK(ioctl(dev, VGFB_IOC_VERSION, &bad) < 0 && errno == EINVAL,
	      "VERSION reserved: %s", strerror(errno));
	*n += 2;

	/* Unknown and mis-sized ioctls. */
	CHECK(ioctl(dev, _IOWR(VGFB_IOC_MAGIC, 0x7f, struct vgfb_create_user),
		    m->good) < 0 && errno == ENOTTY, "unknown nr: %s",
	      strerror(errno));
	CHECK(ioctl(dev, _IOWR(VGFB_IOC_MAGIC, 0x01, uint32_t), m->good) < 0 &&
	      errno == ENOTTY, "wrong size: %s", strerror(errno));
	CHECK(ioctl(dev, _IOR(VGFB_IOC_MAGIC, 0x01, struct vgfb_create_user),
		    m->good) < 0 && errno == ENOTTY, "wrong direction: %s",
	      strerror(errno));
	CHECK(ioctl(dev, DMA_BUF_IOCTL_SYNC, m->good) < 0 && errno == ENOTTY,
	      "foreign ioctl: %s", strerror(errno));
	*n += 4;
	return 0;
}

/*
 * The Xen forms: arguments are checked first (EINVAL, E2BIG), then the
 * hypervisor: this VM has none, so valid calls are ENODEV, and the
 * frame/ref array is not even read.
 */
static int
hostile_xen(int dev, const struct vgfb_version *v, int *n, char *why,
	    size_t why_len)
{
	uint64_t frames[4] = { 1, 2, 3, 4 };
	uint32_t refs[4] = { 8, 9, 10, 11 };
	const struct vgfb_create_xen_foreign xf0 = {
		.frames = (uintptr_t)frames, .count = 4, .domid = 1,
	};
	const struct vgfb_create_xen_grants xg0 = {
		.refs = (uintptr_t)refs, .count = 4, .domid = 1,
	};
	static const struct {
		const char *what;
		int64_t count;	/* -1: max_pages + 1 */
		uint32_t domid, flags;
		uint64_t reserved0, reserved1, ptr;
		int want;
	} xc[] = {
		{ "valid", 4, 1, 0, 0, 0, 1, ENODEV },
		{ "valid read-only", 4, 1, VGFB_CREATE_READONLY, 0, 0, 1, ENODEV },
		{ "domid 0", 1, 0, 0, 0, 0, 1, ENODEV },
		{ "NULL array", 4, 1, 0, 0, 0, 0, ENODEV },
		{ "unknown flag", 4, 1, 0x80, 0, 0, 1, EINVAL },
		{ "high flag", 4, 1, 0x80000000u, 0, 0, 1, EINVAL },
		{ "reserved[0]", 4, 1, 0, 1, 0, 1, EINVAL },
		{ "reserved[1]", 4, 1, 0, 0, 1ULL << 63, 1, EINVAL },
		{ "count 0", 0, 1, 0, 0, 0, 1, EINVAL },
		{ "count > max_pages", -1, 1, 0, 0, 0, 1, E2BIG },
		{ "count 2^32-1", 0xffffffffu, 1, 0, 0, 0, 1, E2BIG },
		{ "DOMID_FIRST_RESERVED/SELF", 4, 0x7FF0, 0, 0, 0, 1, EINVAL },
		{ "DOMID_IO", 4, 0x7FF1, 0, 0, 0, 1, EINVAL },
		{ "DOMID_INVALID", 4, 0x7FF4, 0, 0, 0, 1, EINVAL },
		{ "DOMID_IDLE", 4, 0x7FFF, 0, 0, 0, 1, EINVAL },
		{ "domid 0x10000", 4, 0x10000, 0, 0, 0, 1, EINVAL },
		{ "domid 2^32-1", 4, 0xffffffffu, 0, 0, 0, 1, EINVAL },
	};

	for (size_t i = 0; i < sizeof(xc) / sizeof(xc[0]); i++) {
		struct vgfb_create_xen_foreign xf = xf0;
		struct vgfb_create_xen_grants xg = xg0;
		uint32_t count = xc[i].count < 0 ? v->max_pages + 1 :
				 (uint32_t)xc[i].count;

		xf.count = xg.count = count;
		xf.domid = xg.domid = xc[i].domid;
		xf.flags = xg.flags = xc[i].flags;
		xf.reserved[0] = xg.reserved[0] = xc[i].reserved0;
		xf.reserved[1] = xg.reserved[1] = xc[i].reserved1;
		if (!xc[i].ptr)
			xf.frames = xg.refs = 0;
		xf.fd = xg.fd = 12345;
		errno = 0;
		CHECK(ioctl(dev, VGFB_IOC_CREATE_XEN_FOREIGN, &xf) < 0 &&
		      errno == xc[i].want,
		      "xen foreign %s: %s, want %s", xc[i].what,
		      strerror(errno), strerror(xc[i].want));
		errno = 0;
		CHECK(ioctl(dev, VGFB_IOC_CREATE_XEN_GRANTS, &xg) < 0 &&
		      errno == xc[i].want,
		      "xen grants %s: %s, want %s", xc[i].what,
		      strerror(errno), strerror(xc[i].want));
		CHECK(xf.fd == 12345 && xg.fd == 12345,
		      "xen %s: fd written back on failure", xc[i].what);
		*n += 2;
	}
	return 0;
}

/* mmap of the dma-buf: private, past the end, too long. */
static int
hostile_dmabuf_mmap(const struct hostile_mem *m, int *n, char *why,
		    size_t why_len)
{
	const size_t size = m->size;

	CHECK(mmap(NULL, size, PROT_READ, MAP_PRIVATE, m->buf, 0) == MAP_FAILED,
	      "MAP_PRIVATE mmap of a dma-buf succeeded");
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, m->buf, size) ==
	      MAP_FAILED, "mmap past the end succeeded");
	CHECK(mmap(NULL, size + PAGE, PROT_READ, MAP_SHARED, m->buf, 0) ==
	      MAP_FAILED, "mmap longer than the buffer succeeded");
	*n += 3;
	return 0;
}

/*
 * Every hostile call is refused with its documented errno, and the
 * failures leave no buffer, no pinned page and no fd behind.
 */
static int
t_hostile(char *why, size_t why_len)
{
	struct hostile_mem m = { .size = 16 * PAGE };
	long acq0 = 0, rel0 = 0, acq1 = 0, rel1 = 0, used_before;
	char detail[256] = "";
	struct vgfb_version v;
	int dev, fds_before, n = 0;

	dev = tier_kmod_open();
	CHECK(dev >= 0, "open: %s", strerror(errno));
	CHECK(tier_kmod_version(dev, &v) == 0, "version");
	if (hostile_map(&m, dev, why, why_len))
		return 1;

	used_before = in_use_pages();
	fds_before = tier_count_fds(0);
	refresh_vmstat();
	read_vmstat("nr_foll_pin_acquired", &acq0);
	read_vmstat("nr_foll_pin_released", &rel0);
	/* Last, so that no later mapping lands in the hole. */
	m.hole = mmap(NULL, m.size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	munmap(m.hole, m.size);

	if (hostile_create_user(dev, &v, &m, &n, detail, sizeof(detail), why,
				why_len) ||
	    hostile_ioctls(dev, &m, &n, why, why_len) ||
	    hostile_xen(dev, &v, &n, why, why_len) ||
	    hostile_dmabuf_mmap(&m, &n, why, why_len))
		return 1;

	CHECK(in_use_pages() == used_before, "failed calls left buffers behind");
	refresh_vmstat();
	read_vmstat("nr_foll_pin_acquired", &acq1);
	read_vmstat("nr_foll_pin_released", &rel1);
	CHECK(acq1 - acq0 == rel1 - rel0,
	      "failed calls left pages pinned: %ld acquired, %ld released",
	      acq1 - acq0, rel1 - rel0);
	CHECK(acq1 > acq0, "the half read-only case pinned nothing");
	CHECK(tier_count_fds(0) == fds_before,
	      "failed calls left fds behind (%d -> %d)", fds_before,
	      tier_count_fds(0));

	hostile_unmap(&m);
	close(dev);
	CHECK(in_use_pages() == 0, "buffers left");
	snprintf(why, why_len, "%d hostile calls refused with the documented errno%s",
		 n, detail);
	return 0;
}

/* /dev/mem is PFNMAP|IO; its low megabyte may be mappable. */
static int
t_devmem(char *why, size_t why_len)
{
	int dev, mem, buf = -1, rc;
	void *p;

	mem = open("/dev/mem", O_RDONLY | O_CLOEXEC);
	if (mem < 0) {
		snprintf(why, why_len, "/dev/mem: %s", strerror(errno));
		return 77;
	}
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, mem, 0xF0000);
	if (p == MAP_FAILED) {
		snprintf(why, why_len, "mmap /dev/mem: %s", strerror(errno));
		close(mem);
		return 77;
	}
	dev = tier_kmod_open();
	CHECK(dev >= 0, "open: %s", strerror(errno));
	rc = create_user(dev, p, PAGE, VGFB_CREATE_READONLY, &buf);
	if (rc == 0)
		close(buf);
	close(dev);
	munmap(p, PAGE);
	close(mem);
	CHECK(rc == -EINVAL, "/dev/mem mapping: %s",
	      rc ? strerror(-rc) : "accepted");
	snprintf(why, why_len, "/dev/mem (VM_IO|VM_PFNMAP) refused with EINVAL");
	return 0;
}

static int
t_limit_per_opener(char *why, size_t why_len)
{
	struct vgfb_version v;
	int dev, dev2, mfd, rc = 0, extra = -1;
	int *bufs;
	void *map;
	unsigned int i, made = 0;

	dev = tier_kmod_open();
	dev2 = tier_kmod_open();
	CHECK(dev >= 0 && dev2 >= 0, "open: %s", strerror(errno));
	CHECK(tier_kmod_version(dev, &v) == 0, "version");
	mfd = memfd_with(PAGE, 0, &map, PROT_READ | PROT_WRITE);
	CHECK(mfd >= 0, "memfd");
	bufs = calloc(v.max_buffers, sizeof(*bufs));
	CHECK(bufs, "calloc");
	for (i = 0; i < v.max_buffers; i++) {
		rc = create_user(dev, map, PAGE, 0, &bufs[i]);
		if (rc)
			break;
		made++;
	}
	CHECK(made == v.max_buffers, "only %u of %u buffers: %s", made,
	      v.max_buffers, strerror(-rc));
	rc = create_user(dev, map, PAGE, 0, &extra);
	CHECK(rc == -EMFILE, "buffer %u: %s, want EMFILE", made + 1,
	      rc ? strerror(-rc) : "success");
	rc = create_user(dev2, map, PAGE, 0, &extra);
	CHECK(rc == 0, "second opener refused: %s", strerror(-rc));
	close(extra);
	/* Buffers outlive their opener, and still count for it. */
	close(bufs[0]);
	rc = create_user(dev, map, PAGE, 0, &bufs[0]);
	CHECK(rc == 0, "slot not returned on close: %s", strerror(-rc));
	for (i = 0; i < made; i++)
		close(bufs[i]);
	free(bufs);
	munmap(map, PAGE);
	close(mfd);
	close(dev);
	close(dev2);
	CHECK(in_use_pages() == 0, "buffers left");
	snprintf(why, why_len, "%u buffers per opener, then EMFILE; other openers unaffected",
		 v.max_buffers);
	return 0;
}

/* ---- lifetimes ---- */

static int
t_life_unmapped(char *why, size_t why_len)
{
	const size_t size = 256 * PAGE;
	int dev, mfd, buf = -1, rc;
	void *map;
	long bad;

	dev = tier_kmod_open();
	CHECK(dev >= 0, "open");
	mfd = memfd_with(size, 0, &map, PROT_READ | PROT_WRITE);
	CHECK(mfd >= 0, "memfd");
	fill(map, size, 5);
	rc = create_user(dev, map, size, 0, &buf);
	CHECK(rc == 0, "create: %s", strerror(-rc));
	/* The memory owner lets go of everything while exported. */
	munmap(map, size);
	close(mfd);
	close(dev);
	bad = check_dmabuf(buf, size, 5);
	CHECK(bad == -1, "after munmap+close: mismatch %ld", bad);
	CHECK(in_use_pages() > 0, "buffer gone while its fd is open");
	close(buf);
	CHECK(in_use_pages() == 0, "buffer not released");
	snprintf(why, why_len,
		 "range unmapped, memfd and /dev/vgfb closed: pages intact");
	return 0;
}

static int
send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int
recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int
t_life_creator_exits(char *why, size_t why_len)
{
	const size_t size = 128 * PAGE;
	int sv[2], buf, status;
	pid_t pid;
	long bad;

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0,
	      "socketpair");
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int dev = tier_kmod_open(), b = -1;

		if (p == MAP_FAILED || dev < 0)
			_exit(2);
		fill(p, size, 6);
		if (create_user(dev, p, size, 0, &b))
			_exit(3);
		_exit(send_fd(sv[1], b) ? 4 : 0);
	}
	close(sv[1]);
	buf = recv_fd(sv[0]);
	close(sv[0]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "child failed (%#x)", status);
	CHECK(buf >= 0, "no fd from the child");
	/* The creator and its whole address space are gone. */
	bad = check_dmabuf(buf, size, 6);
	close(buf);
	CHECK(bad == -1, "mismatch %ld after the creator exited", bad);
	CHECK(in_use_pages() == 0, "buffer not released");
	snprintf(why, why_len,
		 "private anonymous memory of an exited process, fd passed by SCM_RIGHTS");
	return 0;
}

static int
t_life_mapping_only(char *why, size_t why_len)
{
	const size_t size = 32 * PAGE;
	int dev, buf = -1, rc;
	void *p, *dm;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap");
	fill(p, size, 7);
	dev = tier_kmod_open();
	CHECK(dev >= 0, "open");
	rc = create_user(dev, p, size, 0, &buf);
	close(dev);
	munmap(p, size);
	CHECK(rc == 0, "create: %s", strerror(-rc));
	dm = mmap(NULL, size, PROT_READ, MAP_SHARED, buf, 0);
	CHECK(dm != MAP_FAILED, "mmap: %s", strerror(errno));
	close(buf);
	/* Only the mapping holds the dma-buf now. */
	CHECK(verify(dm, size, 7) == -1, "mapping shows wrong data");
	CHECK(in_use_pages() > 0, "released while mapped");
	munmap(dm, size);
	CHECK(in_use_pages() == 0, "not released after munmap");
	snprintf(why, why_len, "fd closed, mapping alone keeps the buffer");
	return 0;
}

/* ---- DRM importers ---- */

static int
kms_scanout(int drm, uint32_t fb_id, uint32_t w, uint32_t h, char *out,
	    size_t out_len)
{
	uint32_t conns[8], crtcs[8], encs[8];
	struct drm_mode_card_res res = { 0 };
	struct drm_mode_get_connector conn = { 0 };
	struct drm_mode_modeinfo modes[128];
	struct drm_mode_crtc crtc = { 0 };
	struct drm_mode_fb_dirty_cmd dirty = { 0 };
	struct drm_clip_rect clip = { 0, 0, (unsigned short)w, (unsigned short)h };

	if (ioctl(drm, DRM_IOCTL_MODE_GETRESOURCES, &res) < 0)
		return -errno;
	if (res.count_connectors == 0 || res.count_crtcs == 0 ||
	    res.count_connectors > 8 || res.count_crtcs > 8 ||
	    res.count_encoders > 8)
		return -ENODEV;
	res.connector_id_ptr = (uintptr_t)conns;
	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.encoder_id_ptr = (uintptr_t)encs;
	res.count_fbs = 0;
	if (ioctl(drm, DRM_IOCTL_MODE_GETRESOURCES, &res) < 0)
		return -errno;

	conn.connector_id = conns[0];
	if (ioctl(drm, DRM_IOCTL_MODE_GETCONNECTOR, &conn) < 0)
		return -errno;
	if (conn.count_modes == 0)
		return -ENODEV;
	if (conn.count_modes > 128)
		conn.count_modes = 128;
	conn.modes_ptr = (uintptr_t)modes;
	conn.count_props = 0;
	conn.count_encoders = 0;
	if (ioctl(drm, DRM_IOCTL_MODE_GETCONNECTOR, &conn) < 0)
		return -errno;

	/* A mode that fits the framebuffer: 1024x768 is in cirrus's list. */
	int m = -1;

	for (uint32_t i = 0; i < conn.count_modes && i < 128; i++)
		if (modes[i].hdisplay == w && modes[i].vdisplay == h) {
			m = (int)i;
			break;
		}
	if (m < 0)
		return -ENOENT;

	crtc.crtc_id = crtcs[0];
	crtc.fb_id = fb_id;
	crtc.set_connectors_ptr = (uintptr_t)&conns[0];
	crtc.count_connectors = 1;
	crtc.mode = modes[m];
	crtc.mode_valid = 1;
	if (ioctl(drm, DRM_IOCTL_MODE_SETCRTC, &crtc) < 0)
		return -errno;

	dirty.fb_id = fb_id;
	dirty.num_clips = 1;
	dirty.clips_ptr = (uintptr_t)&clip;
	if (ioctl(drm, DRM_IOCTL_MODE_DIRTYFB, &dirty) < 0 && errno != ENOSYS)
		return -errno;
	snprintf(out, out_len, "crtc %u conn %u %ux%u", crtcs[0], conns[0], w,
		 h);
	return 0;
}

/* Import buf into vgem too, and sync it for the CPU with both attached. */
static int
vgem_attach(int vgem, int buf, uint32_t *handle, char *why, size_t why_len)
{
	struct drm_prime_handle p2 = { .fd = buf };

	CHECK(ioctl(vgem, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p2) == 0,
	      "vgem import: %s", strerror(errno));
	*handle = p2.handle;
	/* CPU access with two device mappings: both are synced. */
	CHECK(tier_dmabuf_sync(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW) == 0,
	      "SYNC_START with importers: %s", strerror(errno));
	CHECK(tier_dmabuf_sync(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW) == 0,
	      "SYNC_END with importers: %s", strerror(errno));
	return 0;
}

/* Turn the first crtc off (best effort: teardown). */
static void
kms_crtc_off(int drm)
{
	struct drm_mode_card_res res = { 0 };
	struct drm_mode_crtc off = { 0 };
	uint32_t crtcs[8];

	ioctl(drm, DRM_IOCTL_MODE_GETRESOURCES, &res);
	res.count_connectors = res.count_encoders = res.count_fbs = 0;
	res.count_crtcs = res.count_crtcs > 8 ? 8 : res.count_crtcs;
	res.crtc_id_ptr = (uintptr_t)crtcs;
	ioctl(drm, DRM_IOCTL_MODE_GETRESOURCES, &res);
	off.crtc_id = crtcs[0];
	ioctl(drm, DRM_IOCTL_MODE_SETCRTC, &off);
}

static int
kms_cirrus(char *why, size_t why_len, bool readonly)
{
	const uint32_t w = 1024, h = 768, stride = 4096;
	const size_t size = (size_t)stride * h;
	char name[160], where[160];
	struct drm_prime_handle prime = { 0 };
	struct drm_mode_fb_cmd2 fb = { 0 };
	struct drm_gem_close gclose = { 0 };
	int drm, dev, mfd, buf = -1, vgem, rc;
	uint32_t vgem_handle = 0;
	void *map;

	drm = tier_drm_open("cirrus", name, sizeof(name));
	if (drm < 0) {
		snprintf(why, why_len, "no cirrus DRM device");
		return 77;
	}
	dev = tier_kmod_open();
	CHECK(dev >= 0, "open /dev/vgfb");
	mfd = memfd_with(size, 0, &map, PROT_READ | PROT_WRITE);
	CHECK(mfd >= 0, "memfd");
	fill(map, size, 8);
	rc = create_user(dev, map, size,
			 readonly ? VGFB_CREATE_READONLY : 0, &buf);
	CHECK(rc == 0, "create: %s", strerror(-rc));

	prime.fd = buf;
	CHECK(ioctl(drm, DRM_IOCTL_PRIME_FD_TO_HANDLE, &prime) == 0,
	      "%s PRIME_FD_TO_HANDLE: %s", name, strerror(errno));

	/* A second importer attached at the same time: vgem. */
	vgem = tier_drm_open("vgem", where, sizeof(where));
	if (vgem >= 0 && vgem_attach(vgem, buf, &vgem_handle, why, why_len))
		return 1;

	/* The consumer alone holds the buffer from here on. */
	close(buf);
	close(mfd);
	close(dev);

	fb.width = w;
	fb.height = h;
	fb.pixel_format = DRM_FORMAT_XRGB8888;
	fb.handles[0] = prime.handle;
	fb.pitches[0] = stride;
	CHECK(ioctl(drm, DRM_IOCTL_MODE_ADDFB2, &fb) == 0, "ADDFB2: %s",
	      strerror(errno));
	rc = kms_scanout(drm, fb.fb_id, w, h, where, sizeof(where));
	CHECK(rc == 0, "SETCRTC/DIRTYFB: %s", strerror(-rc));
	/* The memory owner draws again; the importer sees the same pages. */
	fill(map, size, 9);
	{
		struct drm_mode_fb_dirty_cmd d = { .fb_id = fb.fb_id };

		ioctl(drm, DRM_IOCTL_MODE_DIRTYFB, &d);
	}
	CHECK(in_use_pages() > 0, "released while imported");

	/* Tear down: crtc off, fb, GEM handles. */
	kms_crtc_off(drm);
	CHECK(ioctl(drm, DRM_IOCTL_MODE_RMFB, &fb.fb_id) == 0, "RMFB: %s",
	      strerror(errno));
	gclose.handle = prime.handle;
	ioctl(drm, DRM_IOCTL_GEM_CLOSE, &gclose);
	if (vgem >= 0) {
		gclose.handle = vgem_handle;
		ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gclose);
		close(vgem);
	}
	close(drm);
	munmap(map, size);
	CHECK(in_use_pages() == 0, "buffer not released after the importers let go");
	snprintf(why, why_len,
		 "%s%s imported, fb %u scanned out on %s%s; consumer held it alone",
		 readonly ? "read-only buffer, " : "", name, fb.fb_id, where,
		 vgem >= 0 ? "; vgem attached too" : "");
	return 0;
}

static int
t_kms_cirrus(char *why, size_t why_len)
{
	return kms_cirrus(why, why_len, false);
}

static int
t_kms_cirrus_readonly(char *why, size_t why_len)
{
	return kms_cirrus(why, why_len, true);
}

/* ---- races: create against munmap/mmap of the same range ---- */

struct race {
	char *range;
	size_t size;
	volatile int stop;
	long remaps;
};

static void *
race_remapper(void *data)
{
	struct race *r = data;

	while (!r->stop) {
		/*
		 * Swap the range between nothing, fresh anonymous memory and
		 * a PROT_NONE reservation.  Only this test's main thread runs
		 * meanwhile, and it maps nothing, so MAP_FIXED hits only us.
		 */
		munmap(r->range, r->size);
		sched_yield();
		if (mmap(r->range, r->size, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			 -1, 0) == MAP_FAILED)
			break;
		if (mmap(r->range, r->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			 -1, 0) == MAP_FAILED)
			break;
		r->remaps++;
		sched_yield();
	}
	return NULL;
}

static int
t_race_munmap(char *why, size_t why_len)
{
	struct race r = { .size = 64 * PAGE };
	long ok = 0, efault = 0, other = 0, acq0, rel0, acq1, rel1;
	pthread_t thread;
	int dev, buf = -1, rc, last = 0;

	dev = tier_kmod_open();
	CHECK(dev >= 0, "open");
	r.range = mmap(NULL, r.size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(r.range != MAP_FAILED, "mmap");
	refresh_vmstat();
	read_vmstat("nr_foll_pin_acquired", &acq0);
	read_vmstat("nr_foll_pin_released", &rel0);
	CHECK(pthread_create(&thread, NULL, race_remapper, &r) == 0,
	      "pthread_create");
	/*
	 * Until the race was really run: enough creates, enough remaps, and
	 * both outcomes seen.  Counted, not timed: on a loaded host the
	 * remapper may get little CPU, so the main thread yields to it
	 * while it lags; the cap only stops a remapper that never runs.
	 */
	for (long i = 0; i < 2000000 && !(i >= 2000 && r.remaps >= 1000 &&
					  ok > 0 && efault > 0); i++) {
		if (r.remaps < i / 2)
			sched_yield();
		rc = create_user(dev, r.range, r.size, 0, &buf);
		if (rc == 0) {
			ok++;
			close(buf);
		} else if (rc == -EFAULT) {
			efault++;
		} else {
			other++;
			last = rc;
		}
	}
	r.stop = 1;
	pthread_join(thread, NULL);
	refresh_vmstat();
	read_vmstat("nr_foll_pin_acquired", &acq1);
	read_vmstat("nr_foll_pin_released", &rel1);
	close(dev);
	CHECK(other == 0, "%ld calls failed with %s", other, strerror(-last));
	CHECK(acq1 - acq0 == rel1 - rel0, "pins %ld acquired, %ld released",
	      acq1 - acq0, rel1 - rel0);
	CHECK(in_use_pages() == 0, "buffers left");
	CHECK(r.remaps >= 100 && ok > 0 && efault > 0,
	      "no real race: %ld remaps, %ld made, %ld EFAULT", r.remaps, ok,
	      efault);
	snprintf(why, why_len,
		 "%ld creates against %ld remaps: %ld made, %ld EFAULT, pins balanced",
		 ok + efault, r.remaps, ok, efault);
	return 0;
}

/* ---- cycles: no growth in slab or pinned pages ---- */

static int
cycle_once(int dev, void *map, size_t size)
{
	int buf = -1, rc;
	void *dm;

	rc = create_user(dev, map, size, 0, &buf);
	if (rc)
		return rc;
	dm = mmap(NULL, size, PROT_READ, MAP_SHARED, buf, 0);
	if (dm == MAP_FAILED) {
		rc = -errno;
	} else {
		rc = *(volatile uint32_t *)dm == pattern_word(10, 0) ? 0 : -EIO;
		munmap(dm, size);
	}
	close(buf);
	return rc;
}

static int
t_cycles(char *why, size_t why_len)
{
	const size_t size = 16 * PAGE;
	const int cycles = 1000;
	long acq0, rel0, acq1, rel1, slab0, slab1;
	int dev, mfd, rc, fds0;
	void *map;

	dev = tier_kmod_open();
	CHECK(dev >= 0, "open");
	mfd = memfd_with(size, 0, &map, PROT_READ | PROT_WRITE);
	CHECK(mfd >= 0, "memfd");
	fill(map, size, 10);
	for (int i = 0; i < 500; i++)	/* warm the slab caches */
		CHECK(cycle_once(dev, map, size) == 0, "warm-up");
	fds0 = tier_count_fds(0);
	refresh_vmstat();
	CHECK(read_vmstat("nr_foll_pin_acquired", &acq0) == 0 &&
	      read_vmstat("nr_foll_pin_released", &rel0) == 0,
	      "no FOLL_PIN counters in /proc/vmstat");
	slab0 = meminfo_kb("SUnreclaim");
	for (int i = 0; i < cycles; i++) {
		rc = cycle_once(dev, map, size);
		CHECK(rc == 0, "cycle %d: %s", i, strerror(-rc));
	}
	refresh_vmstat();
	read_vmstat("nr_foll_pin_acquired", &acq1);
	read_vmstat("nr_foll_pin_released", &rel1);
	slab1 = meminfo_kb("SUnreclaim");
	CHECK(acq1 - acq0 == rel1 - rel0,
	      "pins acquired %ld, released %ld", acq1 - acq0, rel1 - rel0);
	CHECK(acq1 - acq0 >= (long)(cycles * (size / PAGE)),
	      "only %ld pins for %d cycles", acq1 - acq0, cycles);
	CHECK(in_use_pages() == 0, "buffers left");
	CHECK(tier_count_fds(0) == fds0, "fds grew %d -> %d", fds0, tier_count_fds(0));
	/*
	 * Other kernel activity moves SUnreclaim by tens of kB (measured: 0
	 * to 70 kB per 2000 warm cycles); a leak of one small object per
	 * cycle would show as 64 kB or more per 1000.
	 */
	CHECK(slab1 - slab0 < 256, "SUnreclaim grew %ld kB", slab1 - slab0);
	munmap(map, size);
	close(mfd);
	close(dev);
	snprintf(why, why_len,
		 "%d create/mmap/close cycles: pins +%ld/-%ld, SUnreclaim %+ld kB",
		 cycles, acq1 - acq0, rel1 - rel0, slab1 - slab0);
	return 0;
}

/* ---- module unload/reload, limits from parameters ---- */

static int
load_module(const char *params)
{
	int fd = open(module_path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -errno;
	rc = syscall(SYS_finit_module, fd, params, 0) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

static int
unload_module(void)
{
	return syscall(SYS_delete_module, "vgfb", O_NONBLOCK) < 0 ? -errno : 0;
}

static int
t_unload(char *why, size_t why_len)
{
	const size_t size = 8 * PAGE;
	int dev, mfd, buf = -1, rc;
	void *map;

	dev = tier_kmod_open();
	CHECK(dev >= 0, "open");
	mfd = memfd_with(size, 0, &map, PROT_READ | PROT_WRITE);
	CHECK(mfd >= 0, "memfd");
	fill(map, size, 11);
	rc = create_user(dev, map, size, 0, &buf);
	CHECK(rc == 0, "create: %s", strerror(-rc));
	close(dev);
	rc = unload_module();
	CHECK(rc == -EWOULDBLOCK || rc == -EBUSY,
	      "unload with a live dma-buf: %s", rc ? strerror(-rc) : "succeeded");
	CHECK(check_dmabuf(buf, size, 11) == -1, "buffer damaged by unload attempt");
	close(buf);
	rc = unload_module();
	CHECK(rc == 0, "unload after release: %s", strerror(-rc));
	CHECK(access("/dev/vgfb", F_OK) < 0, "/dev/vgfb still there");

	/* Out-of-range parameters are refused at load. */
	CHECK(load_module("max_pages=0") == -EINVAL, "max_pages=0 accepted");
	CHECK(load_module("max_buffers=0") == -EINVAL, "max_buffers=0 accepted");
	CHECK(load_module("max_pages=4294967295") == -EINVAL,
	      "max_pages=2^32-1 accepted");

	/* Small limits: per buffer, per opener, in total. */
	rc = load_module("max_pages=4 max_buffers=2 max_total_pages=6");
	CHECK(rc == 0, "load with small limits: %s", strerror(-rc));
	{
		int d1 = tier_kmod_open(), d2 = tier_kmod_open(), b[4] = { -1, -1, -1, -1 };

		CHECK(d1 >= 0 && d2 >= 0, "open: %s", strerror(errno));
		CHECK(create_user(d1, map, 5 * PAGE, 0, &b[0]) == -E2BIG,
		      "5 pages > max_pages=4 not E2BIG");
		CHECK(create_user(d1, map, 4 * PAGE, 0, &b[0]) == 0, "4 pages");
		CHECK(create_user(d2, map, 2 * PAGE, 0, &b[1]) == 0, "2 pages");
		rc = create_user(d2, map, PAGE, 0, &b[2]);
		CHECK(rc == -ENOSPC, "7th page over max_total_pages=6: %s",
		      rc ? strerror(-rc) : "success");
		close(b[1]);
		CHECK(create_user(d2, map, PAGE, 0, &b[1]) == 0 &&
		      create_user(d2, map, PAGE, 0, &b[2]) == 0,
		      "pages not returned to the pool");
		rc = create_user(d2, map, PAGE, 0, &b[3]);
		CHECK(rc == -EMFILE || rc == -ENOSPC,
		      "third buffer of an opener with max_buffers=2: %s",
		      rc ? strerror(-rc) : "success");
		for (int i = 0; i < 3; i++)
			close(b[i]);
		close(d1);
		close(d2);
	}
	CHECK(unload_module() == 0, "unload: %s", strerror(errno));
	rc = load_module("");
	CHECK(rc == 0, "reload: %s", strerror(-rc));
	munmap(map, size);
	close(mfd);
	snprintf(why, why_len,
		 "rmmod refused while a dma-buf lives; bad parameters refused; E2BIG/ENOSPC/EMFILE at small limits");
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s /path/to/vgfb.ko [NAME-PREFIX]\n",
			argv[0]);
		return 2;
	}
	module_path = argv[1];
	if (argc == 3)
		tier_result_prefix(argv[2]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	run("kmod_device", t_device);
	if (access("/dev/vgfb", F_OK) < 0) {
		printf("vgfb-vmtest: /dev/vgfb missing, nothing else to run\n");
		return 1;
	}
	run("kmod_memfd_rw", t_memfd_rw);
	run("kmod_anon_private", t_anon_private);
	run("kmod_anon_shared", t_anon_shared);
	run("kmod_hugetlb", t_hugetlb);
	run("kmod_readonly", t_readonly);
	run("kmod_hostile", t_hostile);
	run("kmod_devmem", t_devmem);
	run("kmod_limit_per_opener", t_limit_per_opener);
	run("kmod_life_unmapped", t_life_unmapped);
	run("kmod_life_creator_exits", t_life_creator_exits);
	run("kmod_life_mapping_only", t_life_mapping_only);
	run("kmod_kms_cirrus", t_kms_cirrus);
	run("kmod_kms_cirrus_readonly", t_kms_cirrus_readonly);
	run("kmod_race_munmap", t_race_munmap);
	run("kmod_cycles", t_cycles);
	run("kmod_unload", t_unload);
	printf("vgfb-vmtest: %d passed, %d failed, %d skipped\n",
	       tier_counts.pass, tier_counts.fail, tier_counts.skip);
	return tier_counts.fail ? 1 : 0;
}
