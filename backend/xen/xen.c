/* SPDX-License-Identifier: MIT */
/*
 * The Xen hypervisor backend: a guest's frames through foreign memory
 * mapping, its xenstore devices, event channels, and its death
 * (@releaseDomain).  Plane sources live in xen-vfb.c (xen-fbfront) and
 * xen-vdispl.c (xen-drm-front).
 *
 * Target: "xen:DOMID" or "xen:NAME", then options:
 *   videoram=MiB           cap on the framebuffer (vfb) or one display
 *                          buffer (vdispl) a guest may hand us
 *   vfb=auto|existing|create|off
 *                          auto (default): serve the vfb device if the
 *                          guest has one; create: add it ourselves when
 *                          the toolstack did not (no QEMU needed)
 *   vdispl=auto|existing|create|off
 *                          the same for the vdispl device; create adds
 *                          one with be-alloc=0 and
 *   connectors=WxH[+WxH...] its connectors' resolutions (default
 *                          1024x768)
 * Heads: the vfb screen first (when served), then one per vdispl
 * connector.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xen.h"

#define MAX_VIDEORAM_MIB 256u

struct vgfb *
xen_ctx(struct vgfb_xen *x)
{
	return vgfb__local_ctx(x->m);
}

char *
xen_read(struct vgfb_xen *x, const char *dir, const char *node)
{
	char path[256];
	unsigned int len;
	char *v;

	if (snprintf(path, sizeof(path), "%s/%s", dir, node) >= (int)sizeof(path))
		return NULL;
	v = xs_read(x->xs, XBT_NULL, path, &len);
	if (v && strlen(v) != len) {	/* embedded NUL: not a value of ours */
		free(v);
		return NULL;
	}
	return v;
}

int
xen_read_uint(struct vgfb_xen *x, const char *dir, const char *node,
	      uint64_t max, uint64_t *out)
{
	char *v = xen_read(x, dir, node), *end;
	unsigned long long n;
	int rc = 0;

	if (!v)
		return -ENOENT;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || n > max)
		rc = -EINVAL;
	else
		*out = n;
	free(v);
	return rc;
}

int
xen_write(struct vgfb_xen *x, const char *dir, const char *node,
	  const char *fmt, ...)
{
	char path[256], value[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (snprintf(path, sizeof(path), "%s/%s", dir, node) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return xs_write(x->xs, XBT_NULL, path, value, strlen(value)) ? 0
								     : -errno;
}

void *
xen_map_frames(struct vgfb_xen *x, int prot, uint32_t n,
	       const uint64_t *frames)
{
	xen_pfn_t *pfns;
	int *err;
	void *addr = NULL;

	pfns = calloc(n, sizeof(*pfns));
	err = calloc(n, sizeof(*err));
	if (!pfns || !err) {
		errno = ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++)
		pfns[i] = (xen_pfn_t)frames[i];
	addr = xenforeignmemory_map(x->fmem, x->domid, prot, n, pfns, err);
	if (!addr)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		if (err[i]) {
			log_error(xen_ctx(x), "xen: domain %u frame %u "
				  "(0x%llx) cannot be mapped: %s", x->domid, i,
				  (unsigned long long)frames[i],
				  strerror(-err[i]));
			xenforeignmemory_unmap(x->fmem, addr, n);
			addr = NULL;
			errno = -err[i];
			break;
		}
	}
out:
	free(pfns);
	free(err);
	return addr;
}

void
xen_unmap_frames(struct vgfb_xen *x, void *addr, uint32_t n)
{
	if (addr)
		xenforeignmemory_unmap(x->fmem, addr, n);
}

void *
xen_map_grants(struct vgfb_xen *x, int prot, uint32_t n, const uint32_t *refs)
{
	/* libxengnttab takes the array as non-const; it does not write it */
	return xengnttab_map_domain_grant_refs(x->xgt, n, x->domid,
					       (uint32_t *)refs, prot);
}

void
xen_unmap_grants(struct vgfb_xen *x, void *addr, uint32_t n)
{
	if (addr)
		xengnttab_unmap(x->xgt, addr, n);
}

static bool
write_node(struct xs_handle *xs, xs_transaction_t t, const char *dir,
	   const char *node, const char *value)
{
	char path[256];

	if (snprintf(path, sizeof(path), "%s/%s", dir, node) >= (int)sizeof(path))
		return false;
	return xs_write(xs, t, path, value, strlen(value));
}

/*
 * Add a PV device to the guest the way libxl's libxl__device_generic_add()
 * does, for guests whose xl.cfg has none: frontend and backend directories,
 * their cross-references, state Initialising, the permissions (frontend
 * owned by the guest and readable by dom0, backend the other way round),
 * all in one transaction: a frontend that saw the nodes before their
 * permissions would give up for good.  fe_nodes: NULL, or "name", "value"
 * pairs ending with NULL, written into the frontend directory.
 */
static int
create_device(struct vgfb_xen *x, const char *fe, const char *be,
	      const char *const *fe_nodes)
{
	struct xs_permissions fe_perms[2] = {
		{ .id = x->domid, .perms = XS_PERM_NONE },
		{ .id = 0, .perms = XS_PERM_READ },
	};
	struct xs_permissions be_perms[2] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = x->domid, .perms = XS_PERM_READ },
	};
	struct xs_handle *xs = x->xs;
	xs_transaction_t t;
	char id[16];
	bool ok;

	snprintf(id, sizeof(id), "%u", x->domid);
again:
	t = xs_transaction_start(xs);
	if (t == XBT_NULL)
		return -errno;
	ok = xs_mkdir(xs, t, fe) && xs_set_permissions(xs, t, fe, fe_perms, 2) &&
	     xs_mkdir(xs, t, be) && xs_set_permissions(xs, t, be, be_perms, 2) &&
	     write_node(xs, t, fe, "backend", be) &&
	     write_node(xs, t, fe, "backend-id", "0") &&
	     write_node(xs, t, fe, "state", "1") &&
	     write_node(xs, t, be, "frontend", fe) &&
	     write_node(xs, t, be, "frontend-id", id) &&
	     write_node(xs, t, be, "online", "1") &&
	     write_node(xs, t, be, "state", "1");
	for (size_t i = 0; ok && fe_nodes && fe_nodes[i]; i += 2)
		ok = write_node(xs, t, fe, fe_nodes[i], fe_nodes[i + 1]);
	if (!xs_transaction_end(xs, t, !ok)) {
		if (errno == EAGAIN)
			goto again;
		return -errno;
	}
	return ok ? 0 : -EIO;
}

static void
remove_device(struct xen_device *d)
{
	xs_rm(d->x->xs, XBT_NULL, d->be);
	xs_rm(d->x->xs, XBT_NULL, d->fe);
	d->created = false;
}

static bool
watch_state(struct xen_device *d, bool on)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/state", d->fe);
	return on ? xs_watch(d->x->xs, path, d->type)
		  : xs_unwatch(d->x->xs, path, d->type);
}

int
xen_device_open(struct vgfb_xen *x, const char *type,
		enum xen_device_mode mode, const char *const *fe_nodes,
		struct xen_device *d)
{
	char *frontend;
	int rc;

	memset(d, 0, sizeof(*d));
	d->x = x;
	d->type = type;
	snprintf(d->be, sizeof(d->be), "/local/domain/0/backend/%s/%u/0", type,
		 x->domid);
	snprintf(d->fe, sizeof(d->fe), "/local/domain/%u/device/%s/0",
		 x->domid, type);
	frontend = xen_read(x, d->be, "frontend");
	if (!frontend && mode == XEN_DEVICE_CREATE) {
		rc = create_device(x, d->fe, d->be, fe_nodes);
		if (rc) {
			log_error(xen_ctx(x), "%s: cannot add a %s device to "
				  "domain %u: %s", type, type, x->domid,
				  strerror(-rc));
			return rc;
		}
		d->created = true;
		frontend = strdup(d->fe);
	}
	if (!frontend) {
		if (mode == XEN_DEVICE_EXISTING)
			log_error(xen_ctx(x), "%s: domain %u has no %s device "
				  "(add %s= to its xl.cfg, or use the target "
				  "option %s=create)", type, x->domid, type,
				  type, type);
		rc = -ENODEV;
		goto out_remove;
	}
	rc = strcmp(frontend, d->fe) ? -EPROTO : 0;
	if (rc)
		log_error(xen_ctx(x), "%s: backend names frontend %s, expected "
			  "%s", type, frontend, d->fe);
	free(frontend);
	if (rc)
		goto out_remove;
	if (!watch_state(d, true)) {
		rc = -errno;
		goto out_remove;
	}
	d->watching = true;
	return 0;

out_remove:
	xen_device_abandon(d);
	return rc;
}

void
xen_device_abandon(struct xen_device *d)
{
	if (d->watching)
		watch_state(d, false);
	d->watching = false;
	if (d->created)
		remove_device(d);
}

void
xen_device_close(struct xen_device *d)
{
	if (!d->x->gone)
		xen_set_state(d->x, d->be, XB_CLOSED);
	xen_device_abandon(d);
}

void
xen_set_state(struct vgfb_xen *x, const char *be, enum xenbus_state s)
{
	if (xen_write(x, be, "state", "%d", s))
		log_error(xen_ctx(x), "xen: cannot write %s/state", be);
}

void
xen_frontend_changed(struct vgfb_xen *x, const char *fe, const char *be,
		     bool connected, int (*connect)(void *dev),
		     void (*disconnect)(void *dev), void *dev)
{
	uint64_t fe_state = XB_UNKNOWN, be_state = XB_UNKNOWN;

	if (xen_read_uint(x, fe, "state", XB_CLOSED, &fe_state))
		fe_state = XB_UNKNOWN;
	xen_read_uint(x, be, "state", XB_CLOSED, &be_state);

	switch (fe_state) {
	case XB_INITIALISED:
	case XB_CONNECTED:
		if (connected || be_state == XB_CLOSED)
			break;
		xen_set_state(x, be, connect(dev) == 0 ? XB_CONNECTED
						       : XB_CLOSED);
		break;
	case XB_INITIALISING:
		/* A new frontend instance (the guest reloaded its driver). */
		if (connected)
			disconnect(dev);
		if (be_state != XB_INIT_WAIT)
			xen_set_state(x, be, XB_INIT_WAIT);
		break;
	case XB_CLOSING:
	case XB_CLOSED:
	case XB_UNKNOWN:
	default:
		if (connected) {
			disconnect(dev);
			xen_set_state(x, be, XB_CLOSED);
		}
		break;
	}
}

/* ---- the guest's life ---- */

static int
domain_info(struct vgfb_xen *x, xc_dominfo_t *info)
{
	if (xc_domain_getinfo(x->xc, x->domid, 1, info) != 1 ||
	    info->domid != x->domid)
		return -ESRCH;
	return 0;
}

static void
check_alive(struct vgfb_xen *x)
{
	xc_dominfo_t info;

	if (x->gone)
		return;
	if (domain_info(x, &info) == 0 && !info.dying && !info.shutdown)
		return;
	x->gone = true;
	log_info(xen_ctx(x), "xen: domain %u is gone", x->domid);
	vgfb__emit(x->m, &(struct vgfb_event){ .type = VGFB_EVENT_GUEST_GONE });
}

/* ---- target parsing ---- */

static int
lookup_name(struct vgfb_xen *x, const char *name, uint32_t *domid)
{
	unsigned int n = 0;
	char **doms = xs_directory(x->xs, XBT_NULL, "/local/domain", &n);
	int rc = -ENOENT;

	for (unsigned int i = 0; doms && i < n; i++) {
		char dir[64], *v;
		unsigned long id;
		char *end;

		snprintf(dir, sizeof(dir), "/local/domain/%s", doms[i]);
		v = xen_read(x, dir, "name");
		if (v && strcmp(v, name) == 0) {
			id = strtoul(doms[i], &end, 10);
			if (*end == '\0' && id < 0x7ff0) {
				*domid = (uint32_t)id;
				rc = 0;
			}
		}
		free(v);
		if (rc == 0)
			break;
	}
	free(doms);
	return rc;
}

/* "WxH[+WxH...]": the connectors vdispl=create adds, checked later. */
static int
parse_connectors(struct vgfb_xen *x, const char *value)
{
	const char *p = value;

	x->n_new_connectors = 0;
	while (*p) {
		size_t len = strcspn(p, "+");
		char *c;

		if (len == 0 || len >= sizeof(x->new_connectors[0]) ||
		    x->n_new_connectors >= 8)
			return -EINVAL;
		c = x->new_connectors[x->n_new_connectors++];
		memcpy(c, p, len);
		c[len] = '\0';
		p += len;
		if (*p == '+' && *++p == '\0')
			return -EINVAL;
	}
	return x->n_new_connectors ? 0 : -EINVAL;
}

static int
device_mode(const char *value, bool can_create, enum xen_device_mode *mode)
{
	if (strcmp(value, "auto") == 0)
		*mode = XEN_DEVICE_AUTO;
	else if (strcmp(value, "existing") == 0)
		*mode = XEN_DEVICE_EXISTING;
	else if (strcmp(value, "off") == 0)
		*mode = XEN_DEVICE_OFF;
	else if (can_create && strcmp(value, "create") == 0)
		*mode = XEN_DEVICE_CREATE;
	else
		return -EINVAL;
	return 0;
}

static int
xen_option(void *data, const char *key, const char *value)
{
	struct vgfb_xen *x = data;
	char *end;
	unsigned long n;

	if (strcmp(key, "videoram") == 0) {
		errno = 0;
		n = strtoul(value, &end, 10);
		if (errno || *end || n == 0 || n > MAX_VIDEORAM_MIB)
			return -EINVAL;
		x->videoram_limit = (uint64_t)n << 20;
		return 0;
	}
	if (strcmp(key, "vfb") == 0)
		return device_mode(value, true, &x->vfb_mode);
	if (strcmp(key, "vdispl") == 0)
		return device_mode(value, true, &x->vdispl_mode);
	if (strcmp(key, "connectors") == 0)
		return parse_connectors(x, value);
	return -EINVAL;
}

static int
parse_target(struct vgfb_xen *x, const char *args)
{
	const char *comma = strchr(args, ',');
	size_t len = comma ? (size_t)(comma - args) : strlen(args);
	char who[65];
	char *end;
	unsigned long id;
	int rc;

	if (len == 0 || len >= sizeof(who))
		return -EINVAL;
	memcpy(who, args, len);
	who[len] = '\0';
	errno = 0;
	id = strtoul(who, &end, 10);
	if (*end == '\0' && !errno) {
		if (id == 0 || id >= 0x7ff0)	/* DOMID_FIRST_RESERVED */
			return -EINVAL;
		x->domid = (uint32_t)id;
	} else {
		rc = lookup_name(x, who, &x->domid);
		if (rc) {
			log_error(xen_ctx(x), "xen: no domain named \"%s\"", who);
			return rc;
		}
	}
	return comma ? vgfb__parse_options(comma + 1, xen_option, x) : 0;
}

/* ---- backend ops ---- */

static void xen_close(void *priv);

static int
watch_fd(struct vgfb_xen *x, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(x->epoll_fd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* The plane sources the target asks for; at least one must be there. */
static int
open_sources(struct vgfb_xen *x)
{
	int rc;

	if (x->vfb_mode != XEN_DEVICE_OFF) {
		rc = xen_vfb_new(x, &x->vfb);
		if (rc && (rc != -ENODEV || x->vfb_mode != XEN_DEVICE_AUTO))
			return rc;
	}
	if (x->vdispl_mode != XEN_DEVICE_OFF) {
		rc = xen_vdispl_new(x, x->vfb ? 1 : 0, &x->vdispl);
		if (rc && (rc != -ENODEV || x->vdispl_mode != XEN_DEVICE_AUTO))
			return rc;
	}
	if (!x->vfb && !x->vdispl) {
		log_error(xen_ctx(x), "xen: domain %u has no display device to "
			  "serve (no vfb or vdispl device; vfb=create adds one)",
			  x->domid);
		return -ENODEV;
	}
	return 0;
}

static int
xen_open(struct vgfb_local *m, const char *args, void **priv)
{
	struct vgfb_xen *x;
	xc_dominfo_t info;
	xen_pfn_t max_gpfn = 0;
	int rc;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->m = m;
	x->epoll_fd = -1;
	/*
	 * The Xen libraries print their own errors to stderr by default; we
	 * report failures through the context's log instead, so theirs only
	 * speak up for critical trouble.
	 */
	x->xtl = (struct xentoollog_logger *)
		xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
	x->xs = xs_open(0);
	x->xc = xc_interface_open(x->xtl, x->xtl, 0);
	x->fmem = xenforeignmemory_open(x->xtl, 0);
	x->xce = xenevtchn_open(x->xtl, 0);
	x->xgt = xengnttab_open(x->xtl, 0);
	if (!x->xs || !x->xc || !x->fmem || !x->xce || !x->xgt) {
		/* No Xen here (or not dom0): the hypervisor is missing. */
		log_error(vgfb__local_ctx(m), "xen: cannot open the Xen "
			  "interfaces (not dom0, or xenstored not running): %s",
			  strerror(errno ? errno : ENODEV));
		rc = -ENOTSUP;
		goto out_close;
	}
	rc = parse_target(x, args);
	if (rc) {
		if (rc == -EINVAL)
			log_error(vgfb__local_ctx(m), "xen: bad target "
				  "\"xen:%s\" (DOMID or NAME, then videoram=MiB,"
				  " vfb=auto|existing|create|off, "
				  "vdispl=auto|existing|create|off, "
				  "connectors=WxH[+WxH...])", args);
		goto out_close;
	}
	rc = domain_info(x, &info);
	if (rc) {
		log_error(vgfb__local_ctx(m), "xen: no domain %u", x->domid);
		goto out_close;
	}
	x->pv = !info.hvm;
	if (!x->pv) {
		if (xc_domain_maximum_gpfn(x->xc, x->domid, &max_gpfn) < 0) {
			rc = -errno;
			goto out_close;
		}
		x->ram.start = 0;
		x->ram.size = ((uint64_t)max_gpfn + 1) * VGFB_PAGE_SIZE;
	}

	x->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (x->epoll_fd < 0) {
		rc = -errno;
		goto out_close;
	}
	rc = watch_fd(x, xs_fileno(x->xs));
	if (rc == 0)
		rc = watch_fd(x, xenevtchn_fd(x->xce));
	if (rc)
		goto out_close;
	if (!xs_watch(x->xs, "@releaseDomain", "release")) {
		rc = -errno;
		goto out_close;
	}
	rc = open_sources(x);
	if (rc)
		goto out_close;
	log_info(vgfb__local_ctx(m), "xen: serving domain %u (%s guest): %s%s",
		 x->domid, x->pv ? "PV" : "PVH/HVM", x->vfb ? "vfb " : "",
		 x->vdispl ? "vdispl" : "");
	*priv = x;
	return 0;

out_close:
	xen_close(x);
	return rc;
}

static void
xen_close(void *priv)
{
	struct vgfb_xen *x = priv;

	if (!x)
		return;
	xen_vdispl_free(x->vdispl);
	xen_vfb_free(x->vfb);
	if (x->epoll_fd >= 0)
		close(x->epoll_fd);
	if (x->xgt)
		xengnttab_close(x->xgt);
	if (x->xce)
		xenevtchn_close(x->xce);
	if (x->fmem)
		xenforeignmemory_close(x->fmem);
	if (x->xc)
		xc_interface_close(x->xc);
	if (x->xs)
		xs_close(x->xs);
	xtl_logger_destroy(x->xtl);
	free(x);
}

static uint32_t
xen_head_count(void *priv)
{
	struct vgfb_xen *x = priv;

	return (x->vfb ? 1 : 0) + xen_vdispl_head_count(x->vdispl);
}

static int
xen_get_plane(void *priv, uint32_t head, uint32_t plane_type,
	      struct vgfb_plane_desc *desc)
{
	struct vgfb_xen *x = priv;

	if (x->gone)
		return -ENODEV;
	if (x->vfb && head == 0)
		return xen_vfb_get_plane(x->vfb, plane_type, desc);
	if (x->vdispl)
		return xen_vdispl_get_plane(x->vdispl, head, plane_type, desc);
	return -ENODEV;
}

static int
xen_get_memmap(void *priv, struct vgfb_memmap *map)
{
	struct vgfb_xen *x = priv;

	/* PV planes carry machine frames, checked by Xen at map time. */
	map->ranges = x->pv ? NULL : &x->ram;
	map->n_ranges = x->pv ? 0 : 1;
	return 0;
}

static int
xen_get_backing(void *priv, const struct vgfb_plane_desc *desc, uint64_t size,
		struct vgfb_backing *out)
{
	struct vgfb_xen *x = priv;

	if (x->gone)
		return -ENODEV;
	if (!desc->n_frames || (uint64_t)desc->n_frames * VGFB_PAGE_SIZE < size)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->kind = desc->frames_are_grants ? VGFB_BACKING_XEN_GRANTS
					    : VGFB_BACKING_XEN_FOREIGN;
	out->size = size;
	out->xen.domid = x->domid;
	out->xen.count = (uint32_t)(size / VGFB_PAGE_SIZE);
	out->xen.frames = desc->frames;
	out->xen.machine = desc->frames_are_machine;
	return 0;
}

static int
xen_map(void *priv, const struct vgfb_backing *b, const void **addr)
{
	struct vgfb_xen *x = priv;
	uint32_t *refs;
	void *p;

	if (b->kind == VGFB_BACKING_XEN_FOREIGN) {
		p = xen_map_frames(x, PROT_READ, b->xen.count, b->xen.frames);
	} else if (b->kind == VGFB_BACKING_XEN_GRANTS) {
		refs = calloc(b->xen.count, sizeof(*refs));
		if (!refs)
			return -ENOMEM;
		for (uint32_t i = 0; i < b->xen.count; i++)
			refs[i] = (uint32_t)b->xen.frames[i];
		p = xen_map_grants(x, PROT_READ, b->xen.count, refs);
		free(refs);
	} else {
		return -ENOTSUP;
	}
	if (!p)
		return errno ? -errno : -EFAULT;
	*addr = p;
	return 0;
}

static void
xen_unmap(void *priv, const struct vgfb_backing *b, const void *addr)
{
	if (b->kind == VGFB_BACKING_XEN_GRANTS)
		xen_unmap_grants(priv, (void *)addr, b->xen.count);
	else
		xen_unmap_frames(priv, (void *)addr, b->xen.count);
}

static int
xen_event_fd(void *priv)
{
	return ((struct vgfb_xen *)priv)->epoll_fd;
}

static bool
readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

static int
xen_dispatch(void *priv)
{
	struct vgfb_xen *x = priv;
	char **w;

	while ((w = xs_check_watch(x->xs))) {
		if (strcmp(w[XS_WATCH_TOKEN], "release") == 0)
			check_alive(x);
		else if (strcmp(w[XS_WATCH_TOKEN], "vfb") == 0 && !x->gone &&
			 x->vfb)
			xen_vfb_watch_fired(x->vfb);
		else if (strcmp(w[XS_WATCH_TOKEN], "vdispl") == 0 &&
			 !x->gone && x->vdispl)
			xen_vdispl_watch_fired(x->vdispl);
		free(w);
	}
	while (readable(xenevtchn_fd(x->xce))) {
		xenevtchn_port_or_error_t port = xenevtchn_pending(x->xce);

		if (port < 0)
			break;
		if (!x->gone &&
		    !(x->vfb && xen_vfb_port_fired(x->vfb, (evtchn_port_t)port)) &&
		    x->vdispl)
			xen_vdispl_port_fired(x->vdispl, (evtchn_port_t)port);
		xenevtchn_unmask(x->xce, (evtchn_port_t)port);
	}
	return 0;
}

const struct vgfb_backend_ops vgfb__backend_xen = {
	.name = "xen",
	.open = xen_open,
	.close = xen_close,
	.head_count = xen_head_count,
	.get_plane = xen_get_plane,
	.get_memmap = xen_get_memmap,
	.get_backing = xen_get_backing,
	.map = xen_map,
	.unmap = xen_unmap,
	.event_fd = xen_event_fd,
	.dispatch = xen_dispatch,
};
