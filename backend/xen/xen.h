/* SPDX-License-Identifier: MIT */
/*
 * The Xen hypervisor backend ("xen:DOMID" or "xen:NAME" targets): the
 * glue to libxenctrl, libxenforeignmemory, libxenevtchn and libxenstore
 * (xen.c), and the plane sources speaking the guest's own display
 * protocols (xen-vfb.c for xen-fbfront, xen-vdispl.c for xen-drm-front).
 */
#ifndef VGFB_XEN_H
#define VGFB_XEN_H

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "private.h"

struct xen_vfb;
struct xen_vdispl;

/* What to do about one kind of display device of the guest. */
enum xen_device_mode {
	XEN_DEVICE_AUTO,	/* serve it when the guest has it */
	XEN_DEVICE_EXISTING,	/* serve it; an error when it is absent */
	XEN_DEVICE_CREATE,	/* add it when absent (vfb only) */
	XEN_DEVICE_OFF,		/* leave it alone */
};

struct vgfb_xen {
	struct vgfb_local *m;
	uint32_t domid;
	bool pv;		/* frames are machine frames */
	bool gone;
	struct xentoollog_logger *xtl;	/* keeps the Xen libraries quiet */
	xc_interface *xc;
	xenforeignmemory_handle *fmem;
	xenevtchn_handle *xce;
	xengnttab_handle *xgt;
	struct xs_handle *xs;
	int epoll_fd;
	struct vgfb_mem_range ram;	/* PVH/HVM: [0, max_gpfn] */
	uint64_t videoram_limit;	/* bytes, 0 = protocol maximum */
	enum xen_device_mode vfb_mode;
	enum xen_device_mode vdispl_mode;
	/* vdispl=create: the connectors' resolutions, "WxH" each */
	uint32_t n_new_connectors;
	char new_connectors[8][24];
	struct xen_vfb *vfb;		/* head 0 when present */
	struct xen_vdispl *vdispl;	/* heads after vfb's, one per connector */
};

struct vgfb *xen_ctx(struct vgfb_xen *x);

/* xenstore: strings are malloc'd; NULL when the node is absent. */
char *xen_read(struct vgfb_xen *x, const char *dir, const char *node);
int xen_read_uint(struct vgfb_xen *x, const char *dir, const char *node,
		  uint64_t max, uint64_t *out);
int xen_write(struct vgfb_xen *x, const char *dir, const char *node,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Map n of the guest's frames (GFNs, or MFNs for a PV guest).  NULL with
 * errno set unless every frame mapped: a frame the guest does not own is
 * refused by Xen and fails the whole mapping.
 */
void *xen_map_frames(struct vgfb_xen *x, int prot, uint32_t n,
		     const uint64_t *frames);
void xen_unmap_frames(struct vgfb_xen *x, void *addr, uint32_t n);

/*
 * Map n grant references of the guest (one mapping, all or nothing); NULL
 * with errno set.  Unmap with xen_unmap_grants().
 */
void *xen_map_grants(struct vgfb_xen *x, int prot, uint32_t n,
		     const uint32_t *refs);
void xen_unmap_grants(struct vgfb_xen *x, void *addr, uint32_t n);

/* Both device kinds' xenbus states, as in xen/include/public/io/xenbus.h. */
enum xenbus_state {
	XB_UNKNOWN = 0,
	XB_INITIALISING = 1,
	XB_INIT_WAIT = 2,
	XB_INITIALISED = 3,
	XB_CONNECTED = 4,
	XB_CLOSING = 5,
	XB_CLOSED = 6,
};


/*
 * One PV device of the guest (devid 0) that a plane source is the backend
 * of: its two xenstore directories, and whether we added it ourselves.
 */
struct xen_device {
	struct vgfb_xen *x;
	const char *type;	/* "vfb", "vdispl": xenstore type, watch token */
	char be[96];
	char fe[96];
	bool created;		/* we added the device: we remove it */
	bool watching;
};

/*
 * Find the guest's device of this type and check that its backend names
 * the frontend we expect; with mode XEN_DEVICE_CREATE add it when it is
 * absent (fe_nodes as for xen_create_device()).  Then watch the
 * frontend's state (token: the type).  -ENODEV when the device is absent
 * (logged when mode is XEN_DEVICE_EXISTING); on any failure nothing is
 * left behind.  After success, xen_device_close() (or, before any state
 * was written, xen_device_abandon()) undoes it.
 */
int xen_device_open(struct vgfb_xen *x, const char *type,
		    enum xen_device_mode mode, const char *const *fe_nodes,
		    struct xen_device *d);
/* Stop watching and remove the device if we added it; no state written. */
void xen_device_abandon(struct xen_device *d);
/* Go Closed (unless the guest is gone), then abandon the device. */
void xen_device_close(struct xen_device *d);

/* Write a backend directory's state node (errors are logged). */
void xen_set_state(struct vgfb_xen *x, const char *be, enum xenbus_state s);

/*
 * The backend's half of the xenbus handshake, the same for every device
 * kind: called when the frontend's state node changed.  connect() maps
 * and binds what the frontend published (0: go Connected; on failure it
 * has undone itself and the backend goes Closed); disconnect() drops a
 * connection and tells consumers.
 */
void xen_frontend_changed(struct vgfb_xen *x, const char *fe, const char *be,
			  bool connected, int (*connect)(void *dev),
			  void (*disconnect)(void *dev), void *dev);

/*
 * The vfb source (xen-vfb.c).  xen_vfb_new: -ENODEV when the guest has no
 * vfb device and x->vfb_mode does not ask to create one.
 */
int xen_vfb_new(struct vgfb_xen *x, struct xen_vfb **out);
void xen_vfb_free(struct xen_vfb *v);
void xen_vfb_watch_fired(struct xen_vfb *v);
bool xen_vfb_port_fired(struct xen_vfb *v, evtchn_port_t port);
int xen_vfb_get_plane(struct xen_vfb *v, uint32_t plane_type,
		      struct vgfb_plane_desc *d);

/*
 * The vdispl source (xen-vdispl.c): one head per connector, from
 * first_head on.  xen_vdispl_new: -ENODEV when the guest has no vdispl
 * device.
 */
int xen_vdispl_new(struct vgfb_xen *x, uint32_t first_head,
		   struct xen_vdispl **out);
void xen_vdispl_free(struct xen_vdispl *v);
uint32_t xen_vdispl_head_count(const struct xen_vdispl *v);
void xen_vdispl_watch_fired(struct xen_vdispl *v);
bool xen_vdispl_port_fired(struct xen_vdispl *v, evtchn_port_t port);
int xen_vdispl_get_plane(struct xen_vdispl *v, uint32_t head,
			 uint32_t plane_type, struct vgfb_plane_desc *d);

#endif
