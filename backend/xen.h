/* SPDX-License-Identifier: MIT */
/*
 * The Xen hypervisor backend ("xen:DOMID" or "xen:NAME" targets): the
 * glue to libxenctrl, libxenforeignmemory, libxenevtchn and libxenstore
 * (xen.c), and the plane sources speaking the guest's own display
 * protocols (xen-vfb.c; vdispl follows).
 */
#ifndef VGFB_XEN_H
#define VGFB_XEN_H

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "private.h"

struct xen_vfb;

struct vgfb_xen {
	struct vgfb_local *m;
	uint32_t domid;
	bool pv;		/* frames are machine frames */
	bool gone;
	struct xentoollog_logger *xtl;	/* keeps the Xen libraries quiet */
	xc_interface *xc;
	xenforeignmemory_handle *fmem;
	xenevtchn_handle *xce;
	struct xs_handle *xs;
	int epoll_fd;
	struct vgfb_mem_range ram;	/* PVH/HVM: [0, max_gpfn] */
	uint64_t videoram_limit;	/* bytes, 0 = protocol maximum */
	bool create_vfb;		/* add the vfb device ourselves */
	struct xen_vfb *vfb;
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

/* The vfb source (xen-vfb.c). */
int xen_vfb_new(struct vgfb_xen *x, struct xen_vfb **out);
void xen_vfb_free(struct xen_vfb *v);
void xen_vfb_watch_fired(struct xen_vfb *v);
bool xen_vfb_port_fired(struct xen_vfb *v, evtchn_port_t port);
int xen_vfb_get_plane(struct xen_vfb *v, uint32_t plane_type,
		      struct vgfb_plane_desc *d);

#endif
