/* SPDX-License-Identifier: MIT */
/*
 * The Xen platform: a guest's frames through foreign memory mapping and
 * its grants, its death (@releaseDomain), and one event fd whose xenstore
 * watches and event channel ports are routed to the source that asked for
 * them.  The sources: xen-vfb.c (xen-fbfront) and xen-vdispl.c
 * (xen-drm-front); their devices' xenbus life: xenbus.c.
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
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xen.h"

#define MAX_VIDEORAM_MIB 256u

/* ---- guest memory ---- */

int
vgfb__xen_map_frames(struct vgfb_xen *x, int prot, uint32_t n,
		     const uint64_t *frames, void **addr)
{
	xen_pfn_t *pfns;
	int *err;
	int rc = 0;

	*addr = NULL;
	pfns = calloc(n, sizeof(*pfns));
	err = calloc(n, sizeof(*err));
	if (!pfns || !err) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++)
		pfns[i] = (xen_pfn_t)frames[i];
	*addr = xenforeignmemory_map(x->fmem, x->domid, prot, n, pfns, err);
	if (!*addr) {
		rc = errno ? -errno : -EFAULT;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (err[i]) {
			rc = err[i] < 0 ? err[i] : -EFAULT;
			log_error(vgfb__xen_ctx(x), "xen: domain %u frame %u "
				  "(0x%llx) cannot be mapped: %s", x->domid, i,
				  (unsigned long long)frames[i],
				  strerror(-rc));
			xenforeignmemory_unmap(x->fmem, *addr, n);
			*addr = NULL;
			break;
		}
	}
out:
	free(pfns);
	free(err);
	return rc;
}

void
vgfb__xen_unmap_frames(struct vgfb_xen *x, void *addr, uint32_t n)
{
	if (addr)
		xenforeignmemory_unmap(x->fmem, addr, n);
}

int
vgfb__xen_map_grants(struct vgfb_xen *x, int prot, uint32_t n,
		     const uint32_t *refs, void **addr)
{
	/* libxengnttab takes the array as non-const; it does not write it */
	*addr = xengnttab_map_domain_grant_refs(x->xgt, n, x->domid,
						(uint32_t *)refs, prot);
	if (*addr)
		return 0;
	/* Not logged: the caller says why in terms of its protocol. */
	return errno ? -errno : -EFAULT;
}

void
vgfb__xen_unmap_grants(struct vgfb_xen *x, void *addr, uint32_t n)
{
	if (addr)
		xengnttab_unmap(x->xgt, addr, n);
}

/* ---- event channels, routed to the device that bound them ---- */

int
vgfb__xen_bind_port(struct vgfb_xen_device *d, uint32_t remote_port,
		    evtchn_port_t *port)
{
	struct vgfb_xen *x = d->x;
	xenevtchn_port_or_error_t p;

	if (x->n_ports == VGFB_XEN_MAX_PORTS)
		return -E2BIG;
	p = xenevtchn_bind_interdomain(x->xce, x->domid, remote_port);
	if (p < 0) {
		int rc = errno ? -errno : -EINVAL;

		log_error(vgfb__xen_ctx(x), "%s: cannot bind event channel %u "
			  "of domain %u: %s", d->type, remote_port, x->domid,
			  strerror(-rc));
		return rc;
	}
	x->ports[x->n_ports++] = (struct vgfb_xen_port){
		.port = (evtchn_port_t)p, .dev = d,
	};
	*port = (evtchn_port_t)p;
	return 0;
}

void
vgfb__xen_unbind_port(struct vgfb_xen_device *d, evtchn_port_t port)
{
	struct vgfb_xen *x = d->x;

	for (uint32_t i = 0; i < x->n_ports; i++) {
		if (x->ports[i].port == port && x->ports[i].dev == d) {
			x->ports[i] = x->ports[--x->n_ports];
			xenevtchn_unbind(x->xce, port);
			return;
		}
	}
}

void
vgfb__xen_notify(struct vgfb_xen_device *d, evtchn_port_t port)
{
	if (xenevtchn_notify(d->x->xce, port) < 0)
		log_debug(vgfb__xen_ctx(d->x), "%s: notify on port %u failed: "
			  "%s", d->type, port, strerror(errno));
}

void
vgfb__xen_kick_port(struct vgfb_xen_device *d, evtchn_port_t port)
{
	struct vgfb_xen *x = d->x;
	uint64_t one = 1;

	for (uint32_t i = 0; i < x->n_ports; i++) {
		if (x->ports[i].port == port && x->ports[i].dev == d) {
			x->ports[i].kicked = true;
			/* a full counter still polls readable: nothing lost */
			if (write(x->kick_fd, &one, sizeof(one)) < 0 &&
			    errno != EAGAIN)
				log_error(vgfb__xen_ctx(x), "%s: cannot re-arm "
					  "port %u: %s", d->type, port,
					  strerror(errno));
			return;
		}
	}
}

static struct vgfb_xen_device *
device_of_port(struct vgfb_xen *x, evtchn_port_t port)
{
	for (uint32_t i = 0; i < x->n_ports; i++)
		if (x->ports[i].port == port)
			return x->ports[i].dev;
	return NULL;
}

static struct vgfb_xen_device *
device_of_token(struct vgfb_xen *x, const char *token)
{
	for (size_t i = 0; i < VGFB_XEN_MAX_DEVICES; i++)
		if (x->devices[i] && strcmp(x->devices[i]->type, token) == 0)
			return x->devices[i];
	return NULL;
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
	log_info(vgfb__xen_ctx(x), "xen: domain %u is gone", x->domid);
	vgfb__local_guest_gone(x->m);
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
		v = vgfb__xen_read(x, dir, "name");
		if (v && strcmp(v, name) == 0) {
			id = strtoul(doms[i], &end, 10);
			if (*end == '\0' && id < VGFB_DOMID_LIMIT) {
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
		    x->n_new_connectors >= VGFB_XEN_MAX_CONNECTORS)
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
device_mode(const char *value, enum vgfb_xen_device_mode *mode)
{
	if (strcmp(value, "auto") == 0)
		*mode = VGFB_XEN_DEVICE_AUTO;
	else if (strcmp(value, "existing") == 0)
		*mode = VGFB_XEN_DEVICE_EXISTING;
	else if (strcmp(value, "off") == 0)
		*mode = VGFB_XEN_DEVICE_OFF;
	else if (strcmp(value, "create") == 0)
		*mode = VGFB_XEN_DEVICE_CREATE;
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
		return device_mode(value, &x->vfb_mode);
	if (strcmp(key, "vdispl") == 0)
		return device_mode(value, &x->vdispl_mode);
	if (strcmp(key, "vkbd") == 0)
		return device_mode(value, &x->vkbd_mode);
	if (strcmp(key, "connectors") == 0)
		return parse_connectors(x, value);
	return -EINVAL;
}

/*
 * "DOMID" or "NAME", then ",key=value" options, into x; a name is left in
 * who (*by_name) for lookup_name(), which needs xenstore.
 */
static int
parse_target_syntax(struct vgfb_xen *x, const char *args, char who[65],
		    bool *by_name)
{
	const char *comma = strchr(args, ',');
	size_t len = comma ? (size_t)(comma - args) : strlen(args);
	char *end;
	unsigned long id;

	*by_name = false;
	if (len == 0 || len >= 65)
		return -EINVAL;
	memcpy(who, args, len);
	who[len] = '\0';
	errno = 0;
	id = strtoul(who, &end, 10);
	if (*end == '\0' && !errno) {
		if (id == 0 || id >= VGFB_DOMID_LIMIT)
			return -EINVAL;
		x->domid = (uint32_t)id;
	} else {
		*by_name = true;
	}
	return comma ? vgfb__parse_options(comma + 1, xen_option, x) : 0;
}

static int
parse_target(struct vgfb_xen *x, const char *args)
{
	char who[65];
	bool by_name;
	int rc;

	rc = parse_target_syntax(x, args, who, &by_name);
	if (rc || !by_name)
		return rc;
	rc = lookup_name(x, who, &x->domid);
	if (rc)
		log_error(vgfb__xen_ctx(x), "xen: no domain named \"%s\"", who);
	return rc;
}

static int
xen_check_args(const char *args)
{
	struct vgfb_xen *x = calloc(1, sizeof(*x));
	char who[65];
	bool by_name;
	int rc;

	if (!x)
		return -ENOMEM;
	rc = parse_target_syntax(x, args, who, &by_name);
	free(x);
	return rc;
}

/* ---- the platform ---- */

static void xen_close(void *priv);

static int
watch_fd(struct vgfb_xen *x, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(x->epoll_fd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
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
	x->kick_fd = -1;
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
	x->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (x->kick_fd < 0) {
		rc = -errno;
		goto out_close;
	}
	rc = watch_fd(x, xs_fileno(x->xs));
	if (rc == 0)
		rc = watch_fd(x, xenevtchn_fd(x->xce));
	if (rc == 0)
		rc = watch_fd(x, x->kick_fd);
	if (rc)
		goto out_close;
	if (!xs_watch(x->xs, "@releaseDomain", "release")) {
		rc = -errno;
		goto out_close;
	}
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
	if (x->epoll_fd >= 0)
		close(x->epoll_fd);
	if (x->kick_fd >= 0)
		close(x->kick_fd);
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

/*
 * The sources the target asks for, in head order: the vfb screen, then
 * one head per vdispl connector.  At least one must be there.
 */
static int
xen_add_sources(void *priv)
{
	struct vgfb_xen *x = priv;
	bool vfb = false, vdispl = false;
	int rc;

	if (x->vfb_mode != VGFB_XEN_DEVICE_OFF) {
		rc = vgfb__xen_vfb_open(x);
		if (rc && (rc != -ENODEV || x->vfb_mode != VGFB_XEN_DEVICE_AUTO))
			return rc;
		vfb = rc == 0;
	}
	if (x->vdispl_mode != VGFB_XEN_DEVICE_OFF) {
		rc = vgfb__xen_vdispl_open(x);
		if (rc &&
		    (rc != -ENODEV || x->vdispl_mode != VGFB_XEN_DEVICE_AUTO))
			return rc;
		vdispl = rc == 0;
	}
	if (!vfb && !vdispl) {
		log_error(vgfb__xen_ctx(x), "xen: domain %u has no display "
			  "device to serve (no vfb or vdispl device; "
			  "vfb=create adds one)", x->domid);
		return -ENODEV;
	}
	/* input for the heads above: never a reason to serve no screen */
	if (x->vkbd_mode != VGFB_XEN_DEVICE_OFF) {
		rc = vgfb__xen_vkbd_open(x);
		if (rc && (rc != -ENODEV || x->vkbd_mode != VGFB_XEN_DEVICE_AUTO))
			return rc;
	}
	log_info(vgfb__xen_ctx(x), "xen: serving domain %u (%s guest): %s%s%s",
		 x->domid, x->pv ? "PV" : "PVH/HVM", vfb ? "vfb " : "",
		 vdispl ? "vdispl " : "", x->vkbd ? "vkbd" : "");
	return 0;
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
xen_get_backing(void *priv, const struct vgfb_buffer *buf, uint64_t size,
		struct vgfb_backing *out)
{
	struct vgfb_xen *x = priv;

	if (x->gone)
		return -ENODEV;
	if (!buf->n_frames || (uint64_t)buf->n_frames * VGFB_PAGE_SIZE < size)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	switch (buf->kind) {
	case VGFB_BUFFER_GFN_LIST:
		out->kind = VGFB_BACKING_XEN_GFNS;
		break;
	case VGFB_BUFFER_MFN_LIST:
		out->kind = VGFB_BACKING_XEN_MFNS;
		break;
	case VGFB_BUFFER_GRANT_LIST:
		out->kind = VGFB_BACKING_XEN_GRANTS;
		break;
	default:
		return -EINVAL;	/* Xen sources name frames, never ranges */
	}
	out->size = size;
	out->xen.domid = x->domid;
	out->xen.count = (uint32_t)(size / VGFB_PAGE_SIZE);
	out->xen.frames = buf->frames;
	return 0;
}

static int
xen_map(void *priv, const struct vgfb_backing *b, const void **addr)
{
	struct vgfb_xen *x = priv;
	uint32_t *refs;
	void *p;
	int rc;

	if (b->kind == VGFB_BACKING_XEN_GFNS ||
	    b->kind == VGFB_BACKING_XEN_MFNS) {
		rc = vgfb__xen_map_frames(x, PROT_READ, b->xen.count,
					  b->xen.frames, &p);
	} else if (b->kind == VGFB_BACKING_XEN_GRANTS) {
		refs = calloc(b->xen.count, sizeof(*refs));
		if (!refs)
			return -ENOMEM;
		for (uint32_t i = 0; i < b->xen.count; i++)
			refs[i] = (uint32_t)b->xen.frames[i];
		rc = vgfb__xen_map_grants(x, PROT_READ, b->xen.count, refs, &p);
		free(refs);
	} else {
		return -ENOTSUP;
	}
	if (rc == 0)
		*addr = p;
	return rc;
}

static void
xen_unmap(void *priv, const struct vgfb_backing *b, const void *addr)
{
	if (b->kind == VGFB_BACKING_XEN_GRANTS)
		vgfb__xen_unmap_grants(priv, (void *)addr, b->xen.count);
	else
		vgfb__xen_unmap_frames(priv, (void *)addr, b->xen.count);
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

/*
 * The ports kicked before this dispatch, each once: a source that kicks
 * again while it is served is served on the next dispatch, so one guest
 * never holds the caller's loop for more than one budget per port.
 */
static void
dispatch_kicked(struct vgfb_xen *x)
{
	evtchn_port_t kicked[VGFB_XEN_MAX_PORTS];
	uint32_t n = 0;
	uint64_t count;
	struct vgfb_xen_device *d;

	if (read(x->kick_fd, &count, sizeof(count)) < 0)
		return;		/* EAGAIN: nothing kicked */
	for (uint32_t i = 0; i < x->n_ports; i++) {
		if (x->ports[i].kicked) {
			x->ports[i].kicked = false;
			kicked[n++] = x->ports[i].port;
		}
	}
	/* a dispatch may unbind ports: look each one up again */
	for (uint32_t i = 0; i < n; i++) {
		d = device_of_port(x, kicked[i]);
		if (!x->gone && d && d->owner)
			vgfb__source_dispatch(d->owner, VGFB_SOURCE_DOORBELL,
					      (uint32_t)kicked[i]);
	}
}

/*
 * Everything the guest said since the last call: its death, then each
 * watch and port to the source whose device asked for it, then the ports
 * their sources left work on last time.
 */
static int
xen_dispatch(void *priv)
{
	struct vgfb_xen *x = priv;
	struct vgfb_xen_device *d;
	char **w;

	while ((w = xs_check_watch(x->xs))) {
		if (strcmp(w[XS_WATCH_TOKEN], "release") == 0)
			check_alive(x);
		else if (!x->gone &&
			 (d = device_of_token(x, w[XS_WATCH_TOKEN])) &&
			 d->owner)
			vgfb__source_dispatch(d->owner,
					      VGFB_SOURCE_CONFIG_CHANGED, 0);
		free(w);
	}
	while (readable(xenevtchn_fd(x->xce))) {
		xenevtchn_port_or_error_t port = xenevtchn_pending(x->xce);

		if (port < 0)
			break;
		d = device_of_port(x, (evtchn_port_t)port);
		if (!x->gone && d && d->owner)
			vgfb__source_dispatch(d->owner, VGFB_SOURCE_DOORBELL,
					      (uint32_t)port);
		xenevtchn_unmask(x->xce, (evtchn_port_t)port);
	}
	dispatch_kicked(x);
	return 0;
}

const struct vgfb_platform_ops vgfb__platform_xen = {
	.name = "xen",
	.open = xen_open,
	.check_args = xen_check_args,
	.add_sources = xen_add_sources,
	.close = xen_close,
	.get_memmap = xen_get_memmap,
	.get_backing = xen_get_backing,
	.map = xen_map,
	.unmap = xen_unmap,
	.event_fd = xen_event_fd,
	.dispatch = xen_dispatch,
};
