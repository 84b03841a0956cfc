/* SPDX-License-Identifier: MIT */
/*
 * vgfb-kfuzz: random argument sets for vgfb.ko's ioctls, in the vm tier.
 *
 *   vgfb-kfuzz [ITERATIONS [SEED]]     (default 100000, seed from the clock)
 *
 * Each iteration picks an ioctl number (the four real ones, and their
 * neighbours: wrong size, wrong direction, unknown nr), fills its
 * structure from a pool of values chosen to sit on the boundaries the
 * module checks (sizes around 0, a page, the limits and 2^32/2^64; flag
 * and reserved bits; domids around 0x7FF0; counts around max_pages) and
 * points it at memory of every kind (anonymous, memfd with and without
 * seals, hugetlb, read-only, PROT_NONE, unmapped, NULL, kernel addresses,
 * misaligned), and at times passes another process's fds: dma-bufs it
 * made earlier, pipes, sockets, /dev/null, the device itself.  A buffer
 * that is made is sometimes mmapped, read, synced, kept for later
 * iterations or closed at once; at most 64 are held (the module's
 * max_buffers per opener) and a second opener holds some too.
 *
 * It checks what must always hold, on every iteration: the ioctl returns
 * 0 or a negative errno from the documented set (never a crash, a hang
 * or an unexpected errno), a returned fd is a new dma-buf of the size
 * asked for, and at the end, with every fd closed and mapping gone, the
 * module's counters (pages_in_use, buffers_in_use) are back to where they
 * started.  The vm tier's host reads the console for Oops, WARNING, BUG
 * and friends as well.  Results: VGFB_RESULT kfuzz_* lines; the seed is
 * printed so that a failure can be replayed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/memfd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../kernel/uapi/vgfb_kmod.h"
#include "../tier-lib.h"

#define PAGE 4096u
#define MAX_HELD 64
#define ARENA_PAGES 64u

/* ---- a small, replayable generator (xorshift64*) ---- */

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static bool
coin(uint32_t one_in)
{
	return rnd_below(one_in) == 0;
}

/* ---- memory of every kind, made once ---- */

enum arena_kind {
	ARENA_ANON, ARENA_MEMFD, ARENA_MEMFD_SEALED, ARENA_HUGETLB,
	ARENA_READONLY, ARENA_NONE, N_ARENAS
};

static const char *const arena_name[N_ARENAS] = {
	"anon", "memfd", "memfd-sealed", "hugetlb", "readonly", "prot-none",
};

struct arena {
	char *addr;
	size_t size;
};

static struct arena arenas[N_ARENAS];

static void *
map_memfd(const char *name, unsigned int flags, size_t size, bool seal)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | flags);
	void *p;

	if (fd < 0)
		return MAP_FAILED;
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return MAP_FAILED;
	}
	if (seal)
		fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p;
}

static void
make_arenas(void)
{
	size_t size = ARENA_PAGES * PAGE;
	void *p;

	for (int k = 0; k < N_ARENAS; k++) {
		switch (k) {
		case ARENA_ANON:
			p = mmap(NULL, size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			break;
		case ARENA_MEMFD:
			p = map_memfd("kfuzz", 0, size, false);
			break;
		case ARENA_MEMFD_SEALED:
			p = map_memfd("kfuzz-sealed", 0, size, true);
			break;
		case ARENA_HUGETLB:
			/* one 2 MiB page, when the guest reserved some */
			p = map_memfd("kfuzz-huge", MFD_HUGETLB, 2u << 20, false);
			break;
		case ARENA_READONLY:
			p = mmap(NULL, size, PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			break;
		default:
			p = mmap(NULL, size, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			break;
		}
		if (p == MAP_FAILED)
			continue;	/* that kind is not offered */
		arenas[k].addr = p;
		arenas[k].size = k == ARENA_HUGETLB ? 2u << 20 : size;
		if (k != ARENA_READONLY && k != ARENA_NONE)
			memset(p, 0x5a, arenas[k].size);
	}
}

/* ---- the value pools ---- */

static uint64_t
pick_size(void)
{
	static const uint64_t sizes[] = {
		0, 1, PAGE - 1, PAGE, PAGE + 1, 2 * PAGE, 3 * PAGE,
		ARENA_PAGES * PAGE, ARENA_PAGES * PAGE + PAGE, 2u << 20,
		(uint64_t)65536 * PAGE, (uint64_t)65537 * PAGE,
		1ULL << 32, (1ULL << 32) - PAGE, 1ULL << 63,
		UINT64_MAX, UINT64_MAX - PAGE + 1,
	};

	if (coin(4))
		return (uint64_t)(rnd_below(ARENA_PAGES) + 1) * PAGE;
	return sizes[rnd_below(sizeof(sizes) / sizeof(sizes[0]))];
}

/* An address: inside an arena (maybe misaligned), or somewhere bad. */
static uint64_t
pick_addr(uint64_t size, const char **kind)
{
	static const uint64_t bad[] = {
		0, 1, PAGE, 0x7fffffffe000ULL, 0x800000000000ULL,
		0xffff800000000000ULL, 0xffffffff81000000ULL, UINT64_MAX,
		UINT64_MAX - PAGE + 1,
	};
	uint32_t k = rnd_below(N_ARENAS + 2);

	if (k < N_ARENAS && arenas[k].addr) {
		uint64_t base = (uintptr_t)arenas[k].addr, off = 0;
		uint64_t pages = arenas[k].size / PAGE;

		*kind = arena_name[k];
		if (size < arenas[k].size && coin(2))
			off = (uint64_t)rnd_below((uint32_t)pages) * PAGE;
		if (coin(8))
			off += 1 + rnd_below(PAGE - 1);	/* misaligned */
		return base + off;
	}
	if (k == N_ARENAS && arenas[ARENA_ANON].addr) {
		/* runs off the end of a mapping into whatever follows */
		*kind = "anon-tail";
		return (uintptr_t)arenas[ARENA_ANON].addr +
		       (ARENA_PAGES - 1) * PAGE;
	}
	*kind = "bad";
	return bad[rnd_below(sizeof(bad) / sizeof(bad[0]))];
}

static uint32_t
pick_flags(void)
{
	static const uint32_t flags[] = {
		0, VGFB_CREATE_READONLY, VGFB_CREATE_XEN_MACHINE_FRAMES,
		VGFB_CREATE_READONLY | VGFB_CREATE_XEN_MACHINE_FRAMES, 4,
		0x80000000u, UINT32_MAX,
	};

	return flags[rnd_below(sizeof(flags) / sizeof(flags[0]))];
}

static uint32_t
pick_u32(void)
{
	static const uint32_t v[] = {
		0, 1, 2, 63, 64, 65, 1023, 1024, 65535, 65536, 65537,
		0x7FEF, 0x7FF0, 0x7FF1, 0x7FFF, 0xFFFF, 0x10000,
		0x7FFFFFFF, 0x80000000u, UINT32_MAX,
	};

	if (coin(4))
		return (uint32_t)rnd();
	return v[rnd_below(sizeof(v) / sizeof(v[0]))];
}

/* reserved fields (__u64[2] in every struct): mostly 0 */
static void
fill_reserved(__u64 *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		r[i] = coin(10) ? rnd() : 0;
}

/* ---- what is held between iterations ---- */

struct held {
	int fd;
	uint64_t size;
};

static struct held held[MAX_HELD];
static unsigned int n_held;

static void
drop_held(unsigned int i)
{
	close(held[i].fd);
	held[i] = held[--n_held];
}

/* Use a fresh dma-buf the way consumers do, at random. */
static bool
exercise(int fd, uint64_t size, bool readonly, char *why, size_t why_len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	void *p;

	if (end < 0 || (uint64_t)end != size) {
		snprintf(why, why_len, "fd %d: size %lld, asked %" PRIu64, fd,
			 (long long)end, size);
		return false;
	}
	if (fcntl(fd, F_GETFD) != FD_CLOEXEC) {
		snprintf(why, why_len, "fd %d is not close-on-exec", fd);
		return false;
	}
	if (coin(2)) {
		p = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			tier_dmabuf_sync(fd, 1 /* START|READ */);
			(void)*(volatile const char *)p;
			(void)*((volatile const char *)p + size - 1);
			tier_dmabuf_sync(fd, 4 | 1 /* END|READ */);
			munmap(p, (size_t)size);
		}
		/* a writable mapping of a read-only buffer must be refused */
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (readonly && p != MAP_FAILED) {
			munmap(p, PAGE);
			snprintf(why, why_len, "read-only buffer mapped writable");
			return false;
		}
		if (p != MAP_FAILED)
			munmap(p, PAGE);
	}
	return true;
}

/* ---- the ioctls ---- */

/* A neighbour of a real number: wrong size, wrong direction, unknown nr. */
static unsigned long
mangle(unsigned long req)
{
	switch (rnd_below(4)) {
	case 0:
		return _IOC(_IOC_DIR(req), _IOC_TYPE(req), _IOC_NR(req),
			    _IOC_SIZE(req) + 8);
	case 1:
		return _IOC(_IOC_READ, _IOC_TYPE(req), _IOC_NR(req),
			    _IOC_SIZE(req));
	case 2:
		return _IOC(_IOC_DIR(req), _IOC_TYPE(req),
			    4 + rnd_below(252), _IOC_SIZE(req));
	default:
		return _IOC(_IOC_NONE, _IOC_TYPE(req), _IOC_NR(req), 0);
	}
}

/* errnos the module documents (docs/kernel-module.md), plus the VM's own */
static bool
expected_errno(int e)
{
	switch (e) {
	case EINVAL: case EFAULT: case ENOTTY: case ENOMEM: case E2BIG:
	case EOVERFLOW: case ENOSPC: case EMFILE: case ENODEV:
	case EOPNOTSUPP: case EPERM: case EACCES: case EBUSY: case EAGAIN:
	case EIO:
		return true;
	default:
		return false;
	}
}

struct stats {
	unsigned long calls, made, refused, mangled;
	unsigned long by_errno[134];
};

/*
 * One iteration on dev: returns false (why filled) when something that
 * must hold did not.
 */
static bool
iterate(int dev, struct stats *st, char *why, size_t why_len)
{
	union {
		struct vgfb_version ver;
		struct vgfb_create_user user;
		struct vgfb_create_xen_foreign foreign;
		struct vgfb_create_xen_grants grants;
		char raw[128];
	} a;
	uint64_t frames[8];
	unsigned long req;
	const char *kind = "";
	uint64_t size = 0;
	bool readonly = false, create_user = false;
	int rc, e;

	memset(&a, 0, sizeof(a));
	switch (rnd_below(8)) {
	case 0:
		req = VGFB_IOC_VERSION;
		a.ver.flags = coin(4) ? pick_u32() : 0;
		fill_reserved(a.ver.reserved, 2);
		break;
	case 1: case 2: case 3: case 4:
		req = VGFB_IOC_CREATE_USER;
		size = pick_size();
		a.user.size = size;
		a.user.addr = pick_addr(size, &kind);
		a.user.flags = coin(3) ? pick_flags() : 0;
		a.user.fd = (int32_t)pick_u32();
		fill_reserved(a.user.reserved, 2);
		readonly = a.user.flags & VGFB_CREATE_READONLY;
		create_user = true;
		break;
	case 5: case 6:
		req = VGFB_IOC_CREATE_XEN_GRANTS;
		for (unsigned int i = 0; i < 8; i++)
			frames[i] = coin(2) ? rnd_below(64) : rnd();
		a.grants.refs = coin(4) ? pick_addr(8, &kind)
					: (uintptr_t)frames;
		a.grants.count = coin(2) ? rnd_below(9) : pick_u32();
		a.grants.domid = pick_u32();
		a.grants.flags = pick_flags();
		fill_reserved(a.grants.reserved, 2);
		break;
	default:
		req = VGFB_IOC_CREATE_XEN_FOREIGN;
		for (unsigned int i = 0; i < 8; i++)
			frames[i] = coin(2) ? rnd_below(1u << 20) : rnd();
		a.foreign.frames = coin(4) ? pick_addr(64, &kind)
					   : (uintptr_t)frames;
		a.foreign.count = coin(2) ? rnd_below(9) : pick_u32();
		a.foreign.domid = pick_u32();
		a.foreign.flags = pick_flags();
		fill_reserved(a.foreign.reserved, 2);
		break;
	}
	if (coin(16)) {
		req = mangle(req);
		st->mangled++;
	}
	st->calls++;
	rc = ioctl(dev, req, &a);
	e = rc < 0 ? errno : 0;
	if (rc < 0) {
		st->refused++;
		if (e < (int)(sizeof(st->by_errno) / sizeof(st->by_errno[0])))
			st->by_errno[e]++;
		if (!expected_errno(e)) {
			snprintf(why, why_len, "ioctl 0x%lx (%s) failed with "
				 "errno %d (%s), not a documented error",
				 req, kind, e, strerror(e));
			return false;
		}
		return true;
	}
	if (req == VGFB_IOC_VERSION)
		return true;
	if (!create_user || req != VGFB_IOC_CREATE_USER) {
		/* a mangled number, or a Xen form off Xen: never 0 */
		snprintf(why, why_len, "ioctl 0x%lx returned 0, must be "
			 "refused here", req);
		if (rc == 0 && a.grants.fd >= 0)
			close(a.grants.fd);
		return false;
	}
	st->made++;
	if (a.user.fd < 0) {
		snprintf(why, why_len, "CREATE_USER returned 0 and fd %d",
			 a.user.fd);
		return false;
	}
	if (!exercise(a.user.fd, size, readonly, why, why_len)) {
		close(a.user.fd);
		return false;
	}
	if (n_held < MAX_HELD && coin(2)) {
		held[n_held++] = (struct held){ a.user.fd, size };
	} else {
		close(a.user.fd);
	}
	if (n_held && coin(3))
		drop_held(rnd_below(n_held));
	return true;
}

/* ioctls on fds that are not the device: nothing may reach the module */
static bool
foreign_fds(char *why, size_t why_len)
{
	int fds[6], sv[2], p[2], n = 0;
	struct vgfb_create_user u = { 0 };

	if (pipe2(p, O_CLOEXEC) == 0) {
		fds[n++] = p[0];
		fds[n++] = p[1];
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0) {
		fds[n++] = sv[0];
		fds[n++] = sv[1];
	}
	fds[n++] = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (n_held)
		fds[n++] = dup(held[0].fd);	/* a dma-buf */
	for (int i = 0; i < n; i++) {
		u.addr = (uintptr_t)arenas[ARENA_ANON].addr;
		u.size = PAGE;
		if (fds[i] >= 0 && ioctl(fds[i], VGFB_IOC_CREATE_USER, &u) == 0) {
			snprintf(why, why_len, "CREATE_USER succeeded on fd %d, "
				 "which is not /dev/vgfb", fds[i]);
			close(u.fd);
			return false;
		}
	}
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return true;
}

int
main(int argc, char **argv)
{
	unsigned long iterations = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0)
				 : (uint64_t)tier_now_ms() | 1;
	uint64_t pages0, bufs0, pages1, bufs1;
	struct stats st = { 0 };
	char why[256] = "";
	double t0;
	int dev, dev2, failures = 0;

	signal(SIGPIPE, SIG_IGN);
	rng_state = seed ? seed : 1;
	dev = tier_kmod_open();
	dev2 = tier_kmod_open();
	if (dev < 0 || dev2 < 0) {
		tier_result("kfuzz", "FAIL", "cannot open /dev/vgfb: %s",
			    strerror(errno));
		return 1;
	}
	if (tier_kmod_usage(dev, &pages0, &bufs0)) {
		tier_result("kfuzz", "FAIL", "VGFB_IOC_VERSION failed");
		return 1;
	}
	make_arenas();
	printf("VGFB_INFO kfuzz: %lu iterations, seed 0x%" PRIx64
	       " (replay: vgfb-kfuzz %lu 0x%" PRIx64 ")\n", iterations, seed,
	       iterations, seed);
	fflush(stdout);
	t0 = tier_now();
	for (unsigned long i = 0; i < iterations; i++) {
		/* a second opener takes every eighth call */
		if (!iterate(i % 8 == 7 ? dev2 : dev, &st, why, sizeof(why))) {
			if (failures++ < 5)
				tier_result("kfuzz_iteration", "FAIL",
					    "iteration %lu: %s", i, why);
		}
		if (i % 1000 == 999 && !foreign_fds(why, sizeof(why))) {
			if (failures++ < 5)
				tier_result("kfuzz_foreign_fd", "FAIL", "%s",
					    why);
		}
	}
	while (n_held)
		drop_held(0);
	close(dev2);
	if (tier_kmod_usage(dev, &pages1, &bufs1)) {
		tier_result("kfuzz_balance", "FAIL", "VGFB_IOC_VERSION failed");
		return 1;
	}
	close(dev);
	printf("VGFB_INFO kfuzz: %lu calls in %.1f s: %lu buffers made, "
	       "%lu refused (%lu mangled numbers); EINVAL %lu EFAULT %lu "
	       "ENOTTY %lu E2BIG %lu ENODEV %lu EOVERFLOW %lu ENOSPC %lu\n",
	       st.calls, tier_now() - t0, st.made, st.refused, st.mangled,
	       st.by_errno[EINVAL], st.by_errno[EFAULT], st.by_errno[ENOTTY],
	       st.by_errno[E2BIG], st.by_errno[ENODEV], st.by_errno[EOVERFLOW],
	       st.by_errno[ENOSPC]);
	if (failures == 0)
		tier_result("kfuzz", "PASS", "%lu random ioctls (seed 0x%"
			    PRIx64 "): only documented errors, every buffer "
			    "the size asked", st.calls, seed);
	else
		tier_result("kfuzz", "FAIL", "%d iterations broke a rule "
			    "(seed 0x%" PRIx64 ")", failures, seed);
	if (pages1 == pages0 && bufs1 == bufs0 && st.made > 0)
		tier_result("kfuzz_balance", "PASS", "after %lu buffers: "
			    "pages_in_use %" PRIu64 ", buffers_in_use %" PRIu64
			    " as before", st.made, pages1, bufs1);
	else
		tier_result("kfuzz_balance", "FAIL", "pages_in_use %" PRIu64
			    " -> %" PRIu64 ", buffers_in_use %" PRIu64 " -> %"
			    PRIu64 ", %lu buffers made", pages0, pages1, bufs0,
			    bufs1, st.made);
	return failures ? 1 : 0;
}
