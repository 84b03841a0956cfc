/* SPDX-License-Identifier: MIT */
/*
 * kmod-xen-test: vgfb.ko's Xen forms in a real dom0 (the xen tier).
 * Static; needs /dev/vgfb (insmod vgfb.ko first) and, for the comparisons,
 * /dev/xen/gntdev and /dev/xen/gntalloc.  Prints one
 * "VGFB_RESULT <name> PASS|FAIL|SKIP <detail>" line per test.
 *
 *   kmod-xen-test self [PAGES]
 *	dom0 grants PAGES (default 16) of its own pages to itself through
 *	gntalloc and makes a dma-buf of those refs: contents both ways,
 *	read-only buffers, PV mmap rules (mprotect, fork), a vgem import
 *	(attach + map_dma_buf through swiotlb-xen) if vgem loads, hostile
 *	refs/domids, and nothing left behind.
 *   kmod-xen-test guest DOMID [REF...]
 *	a domU's grants (default: refs 0 and 1, the console and xenstore
 *	pages every toolstack-built guest grants to dom0), mapped read-only
 *	through vgfb and compared with gntdev's mapping of the same refs.
 *   kmod-xen-test hold DOMID FILE [REF...]
 *	as "guest", then keep the dma-buf (fd + mmap) until FILE exists: the
 *	harness destroys the domain meanwhile.  Afterwards the mapping must
 *	still read the same bytes, and closing must give everything back.
 *   kmod-xen-test hold-foreign DOMID FILE machine|guest FRAME...
 *	DOMID's frames (MFNs or GFNs) held through a foreign dma-buf mapping
 *	until FILE exists (the hook destroys the guest meanwhile).
 *   kmod-xen-test foreign DOMID FRAME...
 *	the foreign-frame form with frames DOMID does not own: created,
 *	mmap refused by Xen, import refused, nothing left accounted.
 *
 * Exit status: 0 if no FAIL, 1 otherwise, 2 on usage errors.
 *
 * Wiring (tests/xen): build with `$CC -O2 -Wall -Wextra -static`, put it
 * and vgfb.ko built for the dom0 kernel (make -C kernel KDIR=...) in
 * /vgfb/bin, and from a hook: insmod vgfb.ko; modprobe xen-gntalloc
 * xen-gntdev (and vgem for the import); "self"; "guest" and "foreign" per
 * domU; "hold" in the background around the step that destroys a domU;
 * then rmmod vgfb and check dmesg.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <drm.h>

#include "../../kernel/uapi/vgfb_kmod.h"
#include "../tier-lib.h"

#define PAGE 4096u

/* gntdev / gntalloc uapi, spelled out: <xen/gntdev.h> needs Xen typedefs. */
struct kx_gntdev_grant_ref {
	uint32_t domid;
	uint32_t ref;
};

struct kx_gntdev_map {
	uint32_t count;
	uint32_t pad;
	uint64_t index;
	struct kx_gntdev_grant_ref refs[];
};

struct kx_gntdev_unmap {
	uint64_t index;
	uint32_t count;
	uint32_t pad;
};

#define KX_GNTDEV_MAP _IOC(_IOC_NONE, 'G', 0, 24)
#define KX_GNTDEV_UNMAP _IOC(_IOC_NONE, 'G', 1, 16)

struct kx_gntalloc_alloc {
	uint16_t domid;
	uint16_t flags;
	uint32_t count;
	uint64_t index;
	uint32_t gref_ids[];
};

struct kx_gntalloc_dealloc {
	uint64_t index;
	uint32_t count;
	uint32_t pad;
};

/* The kernel's structs end in a one-element array: 24 bytes each. */
#define KX_GNTALLOC_ALLOC _IOC(_IOC_NONE, 'G', 5, 24)
#define KX_GNTALLOC_DEALLOC _IOC(_IOC_NONE, 'G', 6, 16)
#define KX_GNTALLOC_FLAG_WRITABLE 1

/* A dma-buf of @refs; the fd, or -errno. */
static int
create_grants(int dev, uint32_t domid, const uint32_t *refs, uint32_t count,
	      uint32_t flags)
{
	struct vgfb_create_xen_grants c = {
		.refs = (uintptr_t)refs,
		.count = count,
		.domid = domid,
		.flags = flags,
	};

	if (ioctl(dev, VGFB_IOC_CREATE_XEN_GRANTS, &c))
		return -errno;
	return c.fd;
}

static long
in_use_pages(int dev)
{
	uint64_t pages;

	return tier_kmod_usage(dev, &pages, NULL) ? -1 : (long)pages;
}

/* gntdev mapping of @refs of @domid, read-only; NULL on failure. */
static void *
gntdev_map(int gfd, uint32_t domid, const uint32_t *refs, uint32_t count,
	   uint64_t *index)
{
	struct kx_gntdev_map *m;
	void *p;
	uint32_t i;

	m = calloc(1, sizeof(*m) + count * sizeof(m->refs[0]));
	if (!m)
		return NULL;
	m->count = count;
	for (i = 0; i < count; i++) {
		m->refs[i].domid = domid;
		m->refs[i].ref = refs[i];
	}
	if (ioctl(gfd, KX_GNTDEV_MAP, m)) {
		free(m);
		return NULL;
	}
	*index = m->index;
	free(m);
	p = mmap(NULL, (size_t)count * PAGE, PROT_READ, MAP_SHARED, gfd,
		 (off_t)*index);
	return p == MAP_FAILED ? NULL : p;
}

static void
gntdev_unmap(int gfd, void *p, uint32_t count, uint64_t index)
{
	struct kx_gntdev_unmap u = { .index = index, .count = count };

	munmap(p, (size_t)count * PAGE);
	ioctl(gfd, KX_GNTDEV_UNMAP, &u);
}

/* Live pages (console ring): equal to one of two snapshots around it. */
static bool
same_as_live(const unsigned char *mine, const unsigned char *live,
	     size_t len)
{
	unsigned char *a = malloc(len);
	bool ok = false;
	int tries;

	if (!a)
		return false;
	for (tries = 0; tries < 20 && !ok; tries++) {
		memcpy(a, live, len);
		ok = !memcmp(mine, a, len) || !memcmp(mine, live, len);
		if (!ok)
			usleep(50000);
	}
	free(a);
	return ok;
}

static int
parse_refs(int argc, char **argv, uint32_t **refs, uint32_t *count)
{
	static uint32_t defaults[] = { 0, 1 };
	int i;

	if (argc == 0) {
		*refs = defaults;
		*count = 2;
		return 0;
	}
	*refs = calloc((size_t)argc, sizeof(**refs));
	if (!*refs)
		return -1;
	for (i = 0; i < argc; i++)
		(*refs)[i] = (uint32_t)strtoul(argv[i], NULL, 0);
	*count = (uint32_t)argc;
	return 0;
}

/* ---- self: dom0's own grants ------------------------------------------- */

/* vgem's card (loading the module first: it may be absent), or -1. */
static int
find_vgem(void)
{
	if (system("modprobe vgem >/dev/null 2>&1")) {
		/* not fatal: vgem may be built in or absent */
	}
	return tier_drm_open("vgem", NULL, 0);
}

/* The dma-buf's mmap against the granted pages, both ways; PV's limits. */
static void
self_mmap(int buf, unsigned char *mine, const unsigned char *shared,
	  uint32_t npages)
{
	size_t len = (size_t)npages * PAGE;
	pid_t pid;
	uint32_t i;
	int rc, st = 0;

	tier_dmabuf_sync(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	rc = memcmp(mine, shared, len);
	for (i = 0; i < npages; i++)
		mine[(size_t)i * PAGE + 100] = (unsigned char)(0xA0 + i);
	tier_dmabuf_sync(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	for (i = 0; i < npages; i++)
		if (shared[(size_t)i * PAGE + 100] != (unsigned char)(0xA0 + i))
			break;
	if (rc || i < npages)
		tier_result("self_mmap", "FAIL", "read %s, write seen through gntalloc up to page %u of %u",
			    rc ? "differs" : "ok", i, npages);
	else
		tier_result("self_mmap", "PASS", "%u pages read back and written through the dma-buf mmap",
			    npages);

	/* PV: Xen wrote these PTEs; Linux may not rewrite them. */
	errno = 0;
	rc = mprotect(mine, PAGE, PROT_READ);
	tier_result("self_mprotect", rc && errno == EACCES ? "PASS" :
		    rc ? "FAIL" : "SKIP",
		    "mprotect of the mapping: %s (EACCES in a PV domain)",
		    rc ? strerror(errno) : "allowed (auto-translated?)");

	/* VM_DONTCOPY: the child has no mapping there. */
	pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		_exit(mine[0] == 0xEE ? 3 : 4);
	} else if (pid > 0) {
		waitpid(pid, &st, 0);
		tier_result("self_fork", WIFSIGNALED(st) &&
			    WTERMSIG(st) == SIGSEGV ? "PASS" : "SKIP",
			    "child touching the mapping: %s (SIGSEGV in a PV domain: VM_DONTCOPY)",
			    WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) :
			    "no signal");
	}
}

/* Device import: attach + map_dma_buf through the DMA API. */
static void
self_import_vgem(int buf)
{
	struct drm_prime_handle p = { .fd = buf };
	struct drm_gem_close gc = { 0 };
	int vgem = find_vgem();

	if (vgem < 0) {
		tier_result("self_import_vgem", "SKIP", "no vgem card");
		return;
	}
	if (ioctl(vgem, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p)) {
		tier_result("self_import_vgem", "FAIL", "PRIME_FD_TO_HANDLE: %s",
			    strerror(errno));
	} else {
		tier_result("self_import_vgem", "PASS", "vgem imported the dma-buf (handle %u)",
			    p.handle);
		gc.handle = p.handle;
		ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gc);
	}
	close(vgem);
}

/* Read-only buffer of the same refs: no writable mapping. */
static void
self_readonly(int dev, const uint32_t *refs, uint32_t npages,
	      const unsigned char *shared)
{
	size_t len = (size_t)npages * PAGE;
	unsigned char *r;
	void *w;
	int ro;

	ro = create_grants(dev, 0, refs, npages, VGFB_CREATE_READONLY);
	if (ro < 0) {
		tier_result("self_readonly", "FAIL", "create READONLY: %s", strerror(-ro));
		return;
	}
	w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	r = mmap(NULL, len, PROT_READ, MAP_SHARED, ro, 0);
	if (w != MAP_FAILED || r == MAP_FAILED || memcmp(r, shared, len))
		tier_result("self_readonly", "FAIL", "writable mmap %s, read-only mmap %s",
			    w != MAP_FAILED ? "allowed" : "refused",
			    r == MAP_FAILED ? strerror(errno) : "ok");
	else
		tier_result("self_readonly", "PASS", "writable mmap refused, read-only mmap reads the grants");
	if (w != MAP_FAILED)
		munmap(w, len);
	if (r != MAP_FAILED)
		munmap(r, len);
	close(ro);
}

/* Hostile: a bad ref in the middle, an absent domain. */
static void
self_hostile(int dev, const uint32_t *own, uint32_t npages)
{
	uint32_t *refs = calloc(npages, sizeof(*refs)), bad[2];
	long before = in_use_pages(dev);
	int e1 = 0, e2;

	if (refs) {
		memcpy(refs, own, npages * sizeof(*refs));
		refs[npages / 2] = 0x0fffffff;
		e1 = create_grants(dev, 0, refs, npages, 0);
		free(refs);
	}
	bad[0] = own[0];
	bad[1] = own[0];
	e2 = create_grants(dev, 0x7FEF, bad, 2, 0);
	if (e1 >= 0)
		close(e1);
	if (e2 >= 0)
		close(e2);
	tier_result("self_hostile",
		    e1 < 0 && e2 < 0 && in_use_pages(dev) == before ?
		    "PASS" : "FAIL",
		    "bad ref in the middle: %s; domid 0x7FEF: %s; pages_in_use %ld -> %ld",
		    e1 < 0 ? strerror(-e1) : "accepted",
		    e2 < 0 ? strerror(-e2) : "accepted", before,
		    in_use_pages(dev));
}

/*
 * npages of dom0's own, granted to dom0 (gd: what to deallocate) and
 * mapped into *shared with a pattern: 0, or -1 after a FAIL line.
 */
static int
self_grant(int afd, uint32_t npages, struct kx_gntalloc_alloc *ga,
	   struct kx_gntalloc_dealloc *gd, unsigned char **shared)
{
	size_t len = (size_t)npages * PAGE;

	ga->domid = 0;
	ga->flags = KX_GNTALLOC_FLAG_WRITABLE;
	ga->count = npages;
	if (ioctl(afd, KX_GNTALLOC_ALLOC, ga)) {
		tier_result("self", "FAIL", "gntalloc %u pages: %s", npages,
			    strerror(errno));
		return -1;
	}
	gd->index = ga->index;
	gd->count = npages;
	*shared = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, afd,
		       (off_t)ga->index);
	if (*shared == MAP_FAILED) {
		tier_result("self", "FAIL", "mmap gntalloc: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		(*shared)[i] = (unsigned char)(i * 7 + (i >> 12));
	return 0;
}

/* dom0's own grants through VGFB_IOC_CREATE_XEN_GRANTS. */
static void
test_self(uint32_t npages)
{
	struct kx_gntalloc_alloc *ga = NULL;
	struct kx_gntalloc_dealloc gd = { 0 };
	unsigned char *shared = MAP_FAILED, *mine = MAP_FAILED;
	struct vgfb_version v;
	long used0;
	int afd = -1, dev = -1, buf = -1;
	size_t len = (size_t)npages * PAGE;
	int rc;

	dev = tier_kmod_open();
	if (dev < 0) {
		tier_result("self", "FAIL", "open /dev/vgfb: %s", strerror(errno));
		return;
	}
	rc = tier_kmod_version(dev, &v);
	if (rc || !(v.features & VGFB_FEATURE_XEN_GRANTS)) {
		tier_result("self", "FAIL", "VGFB_FEATURE_XEN_GRANTS not announced under Xen (rc %d, features %#llx)",
			    rc, (unsigned long long)v.features);
		goto out;
	}
	used0 = (long)v.pages_in_use;

	afd = open("/dev/xen/gntalloc", O_RDWR | O_CLOEXEC);
	if (afd < 0) {
		tier_result("self", "SKIP", "/dev/xen/gntalloc: %s (modprobe xen-gntalloc)",
			    strerror(errno));
		goto out;
	}
	ga = calloc(1, sizeof(*ga) + npages * sizeof(uint32_t));
	if (!ga)
		goto out;
	if (self_grant(afd, npages, ga, &gd, &shared))
		goto out;

	/* Read-write buffer: both directions. */
	buf = create_grants(dev, 0, ga->gref_ids, npages, 0);
	if (buf < 0) {
		tier_result("self_create", "FAIL", "CREATE_XEN_GRANTS of %u own refs: %s",
			    npages, strerror(-buf));
		goto out;
	}
	tier_result("self_create", "PASS", "%u refs of d0 -> dma-buf fd %d, pages_in_use %+ld",
		    npages, buf, in_use_pages(dev) - used0);
	mine = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	if (mine == MAP_FAILED)
		tier_result("self_mmap", "FAIL", "mmap: %s", strerror(errno));
	else
		self_mmap(buf, mine, shared, npages);
	self_import_vgem(buf);
	self_readonly(dev, ga->gref_ids, npages, shared);
	self_hostile(dev, ga->gref_ids, npages);

out:
	free(ga);
	if (mine != MAP_FAILED)
		munmap(mine, len);
	if (buf >= 0)
		close(buf);
	if (shared != MAP_FAILED)
		munmap(shared, len);
	if (afd >= 0) {
		if (gd.count)
			ioctl(afd, KX_GNTALLOC_DEALLOC, &gd);
		close(afd);
	}
	if (dev >= 0) {
		/* release() ran when the last fd and mapping went. */
		long left = in_use_pages(dev);

		tier_result("self_released", left == 0 ? "PASS" : "FAIL",
			    "pages_in_use %ld after closing everything", left);
		close(dev);
	}
}

/* ---- guest / hold: a domU's grants ------------------------------------- */

static void
test_guest(uint32_t domid, const uint32_t *refs, uint32_t count,
	   const char *hold_file)
{
	const char *name = hold_file ? "hold" : "guest";
	unsigned char *mine = MAP_FAILED, *live = NULL, *snap = NULL;
	unsigned char *snap2 = NULL;
	size_t len = (size_t)count * PAGE;
	uint64_t index = 0;
	int dev, gfd = -1, buf = -1;
	char tag[64];

	dev = tier_kmod_open();
	if (dev < 0) {
		tier_result(name, "FAIL", "open /dev/vgfb: %s", strerror(errno));
		return;
	}
	buf = create_grants(dev, domid, refs, count, VGFB_CREATE_READONLY);
	if (buf < 0) {
		tier_result(name, "FAIL", "CREATE_XEN_GRANTS d%u, %u refs: %s", domid,
			    count, strerror(-buf));
		goto out;
	}
	mine = mmap(NULL, len, PROT_READ, MAP_SHARED, buf, 0);
	if (mine == MAP_FAILED) {
		tier_result(name, "FAIL", "mmap: %s", strerror(errno));
		goto out;
	}
	snap = malloc(len);
	if (!snap)
		goto out;
	memcpy(snap, mine, len);

	gfd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	if (gfd >= 0)
		live = gntdev_map(gfd, domid, refs, count, &index);
	if (!live)
		tier_result(name, "SKIP", "no gntdev mapping to compare with: %s",
			    strerror(errno));
	else if (!same_as_live(mine, live, len))
		tier_result(name, "FAIL", "d%u: %u refs differ between vgfb and gntdev",
			    domid, count);
	else
		tier_result(name, "PASS", "d%u: %u refs read through the dma-buf equal gntdev's mapping",
			    domid, count);
	if (live)
		gntdev_unmap(gfd, live, count, index);

	if (hold_file) {
		struct stat st;
		int waited = 0;

		printf("VGFB_INFO kmod-xen-test holding d%u's grants; waiting for %s\n",
		       domid, hold_file);
		fflush(stdout);
		while (stat(hold_file, &st) && waited < 600) {
			sleep(1);
			waited++;
		}
		snprintf(tag, sizeof(tag), "hold_after_destroy");
		/*
		 * The frames are the dead guest's, kept by our grant mapping:
		 * readable, and frozen now that nobody writes them.
		 */
		memcpy(snap, mine, len);
		sleep(1);
		snap2 = malloc(len);
		if (snap2)
			memcpy(snap2, mine, len);
		tier_result(tag, waited < 600 && snap2 && !memcmp(snap2, snap, len) ?
			    "PASS" : "FAIL",
			    "after %d s: mapping of d%u's %u refs %s", waited, domid,
			    count, waited >= 600 ? "timed out waiting" :
			    snap2 && !memcmp(snap2, snap, len) ?
			    "still readable and frozen" : "still changing");
	}

out:
	free(snap);
	free(snap2);
	if (mine != MAP_FAILED)
		munmap(mine, len);
	if (buf >= 0)
		close(buf);
	if (gfd >= 0)
		close(gfd);
	if (hold_file) {
		long left = in_use_pages(dev);

		tier_result("hold_released", left == 0 ? "PASS" : "FAIL",
			    "pages_in_use %ld after the dma-buf went", left);
	}
	close(dev);
}

/*
 * The foreign-frame form's contract in a PV dom0 with frames the domain
 * does not own (the hook passes made-up ones; real frames are exercised
 * through libvgfb by vgfb-dump): the buffer is created (ownership is
 * Xen's to check, at mmap), mmap is refused by Xen without harm, importers
 * get EOPNOTSUPP (no struct page to put in an sg table), the grant form
 * refuses the machine-frame flag, and nothing stays accounted.
 */
static void
test_foreign(uint32_t domid, char **argv, int argc)
{
	struct vgfb_create_xen_foreign c = { 0 };
	struct vgfb_create_xen_grants g = { 0 };
	uint32_t ref = 1;
	uint64_t *frames;
	long before;
	int dev, vgem, i;
	void *p;

	dev = tier_kmod_open();
	frames = calloc((size_t)argc, sizeof(*frames));
	if (dev < 0 || !frames || argc == 0) {
		tier_result("foreign", "FAIL", "setup: %s", strerror(errno));
		free(frames);
		return;
	}
	before = in_use_pages(dev);
	for (i = 0; i < argc; i++)
		frames[i] = strtoull(argv[i], NULL, 0);
	c.frames = (uintptr_t)frames;
	c.count = (uint32_t)argc;
	c.domid = domid;
	c.flags = VGFB_CREATE_READONLY | VGFB_CREATE_XEN_MACHINE_FRAMES;
	if (ioctl(dev, VGFB_IOC_CREATE_XEN_FOREIGN, &c)) {
		tier_result("foreign", "FAIL", "d%u: create: %s", domid,
			    strerror(errno));
		goto out;
	}
	tier_result("foreign", "PASS", "d%u: %d frames -> fd %d (mmap only)", domid,
		    argc, c.fd);

	p = mmap(NULL, (size_t)argc * 4096, PROT_READ, MAP_SHARED, c.fd, 0);
	if (p == MAP_FAILED)
		tier_result("foreign_unowned_mmap", "PASS",
			    "frames d%u does not own: mmap refused (%s)", domid,
			    strerror(errno));
	else
		tier_result("foreign_unowned_mmap", "FAIL",
			    "frames d%u does not own were mapped", domid);

	vgem = find_vgem();
	if (vgem < 0) {
		tier_result("foreign_import", "SKIP", "no vgem card");
	} else {
		struct drm_prime_handle h = { .fd = c.fd };

		if (!ioctl(vgem, DRM_IOCTL_PRIME_FD_TO_HANDLE, &h))
			tier_result("foreign_import", "FAIL",
				    "vgem imported a foreign buffer (handle %u)",
				    h.handle);
		else
			tier_result("foreign_import", errno == EOPNOTSUPP ? "PASS"
							      : "FAIL",
				    "vgem import refused: %s (want EOPNOTSUPP)",
				    strerror(errno));
		close(vgem);
	}
	close(c.fd);

	g.refs = (uintptr_t)&ref;
	g.count = 1;
	g.domid = domid;
	g.flags = VGFB_CREATE_XEN_MACHINE_FRAMES;
	errno = 0;
	if (ioctl(dev, VGFB_IOC_CREATE_XEN_GRANTS, &g) == 0) {
		tier_result("foreign_flag_on_grants", "FAIL",
			    "CREATE_XEN_GRANTS took the machine-frame flag (fd %d)",
			    g.fd);
		close(g.fd);
	} else {
		tier_result("foreign_flag_on_grants",
			    errno == EINVAL ? "PASS" : "FAIL",
			    "CREATE_XEN_GRANTS with the machine-frame flag: %s (want EINVAL)",
			    strerror(errno));
	}
	tier_result("foreign_released", in_use_pages(dev) == before ? "PASS" : "FAIL",
		    "pages_in_use %ld -> %ld", before, in_use_pages(dev));
out:
	free(frames);
	close(dev);
}

/*
 * A guest's own frames (its vfb framebuffer, listed by vfb-probe --frames)
 * held as a foreign dma-buf mapping while the hook destroys the guest:
 * the PTEs Xen wrote keep the frames, so the mapping stays readable and
 * frozen; closing it gives back exactly this buffer's pages (the grant
 * hold runs at the same time, so the check is relative).
 */
static void
test_hold_foreign(uint32_t domid, const char *hold_file, bool machine,
		  char **argv, int argc)
{
	struct vgfb_create_xen_foreign c = { 0 };
	unsigned char *map = MAP_FAILED, *snap = NULL;
	size_t len = (size_t)argc * PAGE;
	uint64_t *frames;
	long held, after;
	struct stat st;
	int dev, i, waited = 0;

	dev = tier_kmod_open();
	frames = calloc((size_t)argc, sizeof(*frames));
	snap = malloc(len);
	if (dev < 0 || !frames || !snap || argc == 0) {
		tier_result("hold_foreign", "FAIL", "setup: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < argc; i++)
		frames[i] = strtoull(argv[i], NULL, 0);
	c.frames = (uintptr_t)frames;
	c.count = (uint32_t)argc;
	c.domid = domid;
	c.flags = VGFB_CREATE_READONLY |
		  (machine ? VGFB_CREATE_XEN_MACHINE_FRAMES : 0);
	if (ioctl(dev, VGFB_IOC_CREATE_XEN_FOREIGN, &c)) {
		tier_result("hold_foreign", "FAIL", "create: %s", strerror(errno));
		goto out;
	}
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, c.fd, 0);
	if (map == MAP_FAILED) {
		tier_result("hold_foreign", "FAIL", "mmap of d%u's %d frames: %s",
			    domid, argc, strerror(errno));
		close(c.fd);
		goto out;
	}
	memcpy(snap, map, len);
	tier_result("hold_foreign", "PASS", "d%u: %d framebuffer frames mapped through a foreign dma-buf",
		    domid, argc);
	printf("VGFB_INFO kmod-xen-test holding d%u's frames; waiting for %s\n",
	       domid, hold_file);
	fflush(stdout);
	while (stat(hold_file, &st) && waited < 600) {
		sleep(1);
		waited++;
	}
	tier_result("hold_foreign_after_destroy",
		    waited < 600 && !memcmp(snap, map, len) ? "PASS" : "FAIL",
		    "after %d s: mapping of d%u's %d frames %s", waited, domid,
		    argc, waited >= 600 ? "timed out waiting" :
		    !memcmp(snap, map, len) ? "still readable, unchanged" :
		    "changed");
	held = in_use_pages(dev);
	munmap(map, len);
	close(c.fd);
	after = in_use_pages(dev);
	tier_result("hold_foreign_released", held - after == argc ? "PASS" : "FAIL",
		    "pages_in_use %ld -> %ld when the buffer went (%d frames)",
		    held, after, argc);
out:
	free(snap);
	free(frames);
	if (dev >= 0)
		close(dev);
}

int
main(int argc, char **argv)
{
	uint32_t *refs, count;

	tier_result_prefix("kmod_xen_");
	if (argc >= 2 && !strcmp(argv[1], "self")) {
		test_self(argc >= 3 ? (uint32_t)strtoul(argv[2], NULL, 0) : 16);
	} else if (argc >= 3 && !strcmp(argv[1], "guest")) {
		if (parse_refs(argc - 3, argv + 3, &refs, &count))
			return 2;
		test_guest((uint32_t)strtoul(argv[2], NULL, 0), refs, count,
			   NULL);
	} else if (argc >= 4 && !strcmp(argv[1], "hold")) {
		if (parse_refs(argc - 4, argv + 4, &refs, &count))
			return 2;
		test_guest((uint32_t)strtoul(argv[2], NULL, 0), refs, count,
			   argv[3]);
	} else if (argc >= 6 && !strcmp(argv[1], "hold-foreign")) {
		test_hold_foreign((uint32_t)strtoul(argv[2], NULL, 0), argv[3],
				  !strcmp(argv[4], "machine"), argv + 5,
				  argc - 5);
	} else if (argc >= 4 && !strcmp(argv[1], "foreign")) {
		test_foreign((uint32_t)strtoul(argv[2], NULL, 0), argv + 3,
			     argc - 3);
	} else {
		fprintf(stderr,
			"usage: %s self [PAGES] | guest DOMID [REF...] |\n"
			"       hold DOMID FILE [REF...] | foreign DOMID FRAME... |\n"
			"       hold-foreign DOMID FILE machine|guest FRAME...\n",
			argv[0]);
		return 2;
	}
	return tier_counts.fail ? 1 : 0;
}
