/* SPDX-License-Identifier: MIT */
/*
 * xenstore access and the life of one PV device whose backend a plane
 * source is: finding it (or adding it as libxl would), watching its
 * frontend, and the backend's half of the xenbus handshake
 * (xen/include/public/io/xenbus.h), the same for vfb and vdispl.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen.h"

/* ---- xenstore ---- */

static int
node_path(char *path, size_t len, const char *dir, const char *node)
{
	return snprintf(path, len, "%s/%s", dir, node) < (int)len ? 0
								  : -ENAMETOOLONG;
}

char *
vgfb__xen_read(struct vgfb_xen *x, const char *dir, const char *node)
{
	char path[256];
	unsigned int len;
	char *v;

	if (node_path(path, sizeof(path), dir, node))
		return NULL;
	v = xs_read(x->xs, XBT_NULL, path, &len);
	if (v && strlen(v) != len) {	/* embedded NUL: not a value of ours */
		free(v);
		return NULL;
	}
	return v;
}

int
vgfb__xen_read_uint(struct vgfb_xen *x, const char *dir, const char *node,
		    uint64_t max, uint64_t *out)
{
	char *v = vgfb__xen_read(x, dir, node), *end;
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
vgfb__xen_write(struct vgfb_xen *x, const char *dir, const char *node,
		const char *fmt, ...)
{
	char path[256], value[128];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	rc = node_path(path, sizeof(path), dir, node);
	if (rc == 0 && !xs_write(x->xs, XBT_NULL, path, value, strlen(value)))
		rc = -errno;
	if (rc)
		log_error(vgfb__xen_ctx(x), "xen: cannot write %s/%s = %s: %s",
			  dir, node, value, strerror(-rc));
	return rc;
}

static bool
write_node(struct xs_handle *xs, xs_transaction_t t, const char *dir,
	   const char *node, const char *value)
{
	char path[256];

	if (node_path(path, sizeof(path), dir, node))
		return false;
	return xs_write(xs, t, path, value, strlen(value));
}

/* ---- the device ---- */

/*
 * Add a PV device to the guest the way libxl's libxl__device_generic_add()
 * does, for guests whose xl.cfg has none: frontend and backend directories,
 * their cross-references, state Initialising, the permissions (frontend
 * owned by the guest and readable by dom0, backend the other way round),
 * all in one transaction: a frontend that saw the nodes before their
 * permissions would give up for good.
 */
static int
create_device(struct vgfb_xen *x, const char *fe, const char *be,
	      const char *const *fe_nodes, const char *const *be_nodes)
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
	for (size_t i = 0; ok && be_nodes && be_nodes[i]; i += 2)
		ok = write_node(xs, t, be, be_nodes[i], be_nodes[i + 1]);
	if (!xs_transaction_end(xs, t, !ok)) {
		if (errno == EAGAIN)
			goto again;
		return -errno;
	}
	return ok ? 0 : -EIO;
}

static void
remove_device(struct vgfb_xen_device *d)
{
	if (!xs_rm(d->x->xs, XBT_NULL, d->be) ||
	    !xs_rm(d->x->xs, XBT_NULL, d->fe))
		log_error(vgfb__xen_ctx(d->x), "%s: cannot remove the device "
			  "we added (%s, %s): %s", d->type, d->be, d->fe,
			  strerror(errno));
	d->created = false;
}

static int
watch_state(struct vgfb_xen_device *d, bool on)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/state", d->fe);
	if (on ? xs_watch(d->x->xs, path, d->type)
	       : xs_unwatch(d->x->xs, path, d->type))
		return 0;
	log_error(vgfb__xen_ctx(d->x), "%s: cannot %swatch %s: %s", d->type,
		  on ? "" : "un", path, strerror(errno));
	return -errno;
}

/* The platform routes watches with the device's type as token. */
static int
add_to_platform(struct vgfb_xen_device *d)
{
	struct vgfb_xen *x = d->x;

	for (size_t i = 0; i < VGFB_XEN_MAX_DEVICES; i++) {
		if (!x->devices[i]) {
			x->devices[i] = d;
			return 0;
		}
	}
	return -E2BIG;
}

static void
remove_from_platform(struct vgfb_xen_device *d)
{
	for (size_t i = 0; i < VGFB_XEN_MAX_DEVICES; i++)
		if (d->x->devices[i] == d)
			d->x->devices[i] = NULL;
}

int
vgfb__xen_device_open(struct vgfb_xen *x, const char *type,
		      enum vgfb_xen_device_mode mode,
		      const char *const *fe_nodes,
		      const struct vgfb_xen_device_ops *ops,
		      struct vgfb_xen_device *d)
{
	return vgfb__xen_device_open_with(x, type, mode, NULL, fe_nodes, NULL,
					  ops, d);
}

/* d->be for a backend of this kind, devid 0. */
static void
set_backend_path(struct vgfb_xen_device *d, const char *kind)
{
	snprintf(d->be, sizeof(d->be), "/local/domain/0/backend/%s/%u/0", kind,
		 d->x->domid);
}

int
vgfb__xen_device_open_with(struct vgfb_xen *x, const char *type,
			   enum vgfb_xen_device_mode mode,
			   const char *const *be_kinds,
			   const char *const *fe_nodes,
			   const char *const *be_nodes,
			   const struct vgfb_xen_device_ops *ops,
			   struct vgfb_xen_device *d)
{
	const char *const own_kind[] = { type, NULL };
	char *frontend = NULL;
	int rc;

	memset(d, 0, sizeof(*d));
	d->x = x;
	d->ops = ops;
	d->type = type;
	snprintf(d->fe, sizeof(d->fe), "/local/domain/%u/device/%s/0",
		 x->domid, type);
	if (!be_kinds)
		be_kinds = own_kind;
	/*
	 * The backend directory is dom0's: only the toolstack (or we) can
	 * have written its frontend node, so it, not the guest's
	 * device/<type>/0/backend, says which kind the device was added as.
	 */
	for (size_t i = 0; !frontend && be_kinds[i]; i++) {
		set_backend_path(d, be_kinds[i]);
		frontend = vgfb__xen_read(x, d->be, "frontend");
	}
	if (!frontend && mode == VGFB_XEN_DEVICE_CREATE) {
		set_backend_path(d, be_kinds[0]);
		rc = create_device(x, d->fe, d->be, fe_nodes, be_nodes);
		if (rc) {
			log_error(vgfb__xen_ctx(x), "%s: cannot add a %s device "
				  "to domain %u: %s", type, type, x->domid,
				  strerror(-rc));
			return rc;
		}
		d->created = true;
		frontend = strdup(d->fe);
	}
	if (!frontend) {
		if (mode == VGFB_XEN_DEVICE_EXISTING)
			log_error(vgfb__xen_ctx(x), "%s: domain %u has no %s "
				  "device (add %s= to its xl.cfg, or use the "
				  "target option %s=create)", type, x->domid,
				  type, type, type);
		rc = -ENODEV;
		goto out_abandon;
	}
	rc = strcmp(frontend, d->fe) ? -EPROTO : 0;
	if (rc)
		log_error(vgfb__xen_ctx(x), "%s: backend names frontend %s, "
			  "expected %s", type, frontend, d->fe);
	free(frontend);
	if (rc == 0)
		rc = add_to_platform(d);
	if (rc)
		goto out_abandon;
	rc = watch_state(d, true);
	if (rc)
		goto out_abandon;
	d->watching = true;
	return 0;

out_abandon:
	vgfb__xen_device_abandon(d);
	return rc;
}

void
vgfb__xen_device_abandon(struct vgfb_xen_device *d)
{
	if (d->watching)
		watch_state(d, false);
	d->watching = false;
	remove_from_platform(d);
	if (d->created)
		remove_device(d);
}

void
vgfb__xen_device_close(struct vgfb_xen_device *d)
{
	if (!d->x->gone)
		vgfb__xen_set_state(d, XenbusStateClosed);
	vgfb__xen_device_abandon(d);
}

int
vgfb__xen_set_state(struct vgfb_xen_device *d, enum xenbus_state s)
{
	return vgfb__xen_write(d->x, d->be, "state", "%d", s);
}

static enum xenbus_state
read_state(struct vgfb_xen_device *d, const char *dir)
{
	uint64_t s;

	if (vgfb__xen_read_uint(d->x, dir, "state", XenbusStateReconfigured,
				&s))
		return XenbusStateUnknown;
	return (enum xenbus_state)s;
}

void
vgfb__xen_frontend_changed(struct vgfb_xen_device *d)
{
	enum xenbus_state fe_state = read_state(d, d->fe);
	enum xenbus_state be_state = read_state(d, d->be);
	int rc;

	switch (fe_state) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (d->connected || be_state == XenbusStateClosed)
			break;
		rc = d->ops->connect(d);
		d->connected = rc == 0;
		d->was_connected |= d->connected;
		vgfb__xen_set_state(d, rc == 0 ? XenbusStateConnected
					       : XenbusStateClosed);
		break;
	case XenbusStateInitialising:
		/* A new frontend instance (the guest reloaded its driver). */
		if (d->connected)
			d->ops->disconnect(d);
		d->connected = false;
		if (be_state != XenbusStateInitWait)
			vgfb__xen_set_state(d, XenbusStateInitWait);
		break;
	default:	/* Closing, Closed, Unknown, or nonsense */
		if (d->connected) {
			d->ops->disconnect(d);
			d->connected = false;
			vgfb__xen_set_state(d, XenbusStateClosed);
		} else if (!d->was_connected && fe_state == XenbusStateClosed &&
			   be_state == XenbusStateClosed) {
			/*
			 * The frontend closed with an earlier backend (vgfbd
			 * or its service restarted under the running guest):
			 * offer the device again, as a backend's probe does.
			 * xen-kbdfront connects again on InitWait (its ring is
			 * kept); a frontend whose driver is gone ignores it.
			 * Not after we served it: a frontend that closes
			 * while we serve it stays closed.
			 */
			vgfb__xen_set_state(d, XenbusStateInitWait);
		}
		break;
	}
}

void
vgfb__xen_refuse_frontend(struct vgfb_xen_device *d)
{
	if (d->connected)
		d->ops->disconnect(d);
	d->connected = false;
	vgfb__xen_set_state(d, XenbusStateClosed);
}
