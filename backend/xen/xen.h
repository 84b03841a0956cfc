/* SPDX-License-Identifier: MIT */
/*
 * The Xen platform ("xen:DOMID" or "xen:NAME" targets) and what its plane
 * sources share:
 *
 *   xen.c         the platform: the Xen libraries, the guest's memory
 *                 (foreign frames, grants), its death (@releaseDomain),
 *                 and the routing of xenstore watches and event channel
 *                 ports to the source that asked for them
 *   xenbus.c      xenstore access and one PV device's life: find or add
 *                 it, watch its frontend, the backend's half of the
 *                 xenbus handshake
 *   xen-vfb.c     the source for xen-fbfront (io/fbif.h): one head
 *   xen-vdispl.c  the source for xen-drm-front (io/displif.h): one head a
 *                 connector
 *   xen-vkbd.c    the input device for xen-kbdfront (io/kbdif.h): no
 *                 heads, the input sent to any of them
 *
 * Every function here returns 0 or a negative errno unless it says
 * otherwise, and logs what went wrong.
 */
#ifndef VGFB_XEN_H
#define VGFB_XEN_H

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xentoollog.h>
#include <xen/io/xenbus.h>

#include "platform.h"

/* What to do about one kind of display device of the guest. */
enum vgfb_xen_device_mode {
	VGFB_XEN_DEVICE_AUTO,		/* serve it when the guest has it */
	VGFB_XEN_DEVICE_EXISTING,	/* serve it; an error when absent */
	VGFB_XEN_DEVICE_CREATE,		/* add it when absent */
	VGFB_XEN_DEVICE_OFF,		/* leave it alone */
};

#define VGFB_XEN_MAX_CONNECTORS 8
#define VGFB_XEN_MAX_DEVICES 3		/* vfb, vdispl, vkbd */
#define VGFB_XEN_MAX_PORTS (2 + 2 * VGFB_XEN_MAX_CONNECTORS)

struct vgfb_xen_device;
struct xen_vkbd;

/* An event channel port bound for a device, and who gets its events. */
struct vgfb_xen_port {
	evtchn_port_t port;
	struct vgfb_xen_device *dev;
	bool kicked;		/* vgfb__xen_kick_port(): dispatch it again */
};

struct vgfb_xen {
	struct vgfb_local *m;
	uint32_t domid;
	bool pv;		/* its buffers are machine frames */
	bool gone;
	struct xentoollog_logger *xtl;	/* keeps the Xen libraries quiet */
	xc_interface *xc;
	xenforeignmemory_handle *fmem;
	xenevtchn_handle *xce;
	xengnttab_handle *xgt;
	struct xs_handle *xs;
	int epoll_fd;
	int kick_fd;		/* eventfd in epoll_fd: a port was kicked */
	struct vgfb_mem_range ram;	/* PVH/HVM: [0, max_gpfn] */
	/* target options */
	uint64_t videoram_limit;	/* bytes, 0 = protocol maximum */
	enum vgfb_xen_device_mode vfb_mode;
	enum vgfb_xen_device_mode vdispl_mode;
	enum vgfb_xen_device_mode vkbd_mode;
	uint32_t n_new_connectors;	/* vdispl=create: "WxH" each */
	char new_connectors[VGFB_XEN_MAX_CONNECTORS][24];
	/* event routing */
	struct vgfb_xen_device *devices[VGFB_XEN_MAX_DEVICES];
	struct vgfb_xen_port ports[VGFB_XEN_MAX_PORTS];
	uint32_t n_ports;
	struct xen_vkbd *vkbd;		/* the input device, when served */
};

static inline struct vgfb *
vgfb__xen_ctx(struct vgfb_xen *x)
{
	return vgfb__local_ctx(x->m);
}

/* How a guest's framebuffer frames are addressed: decided here, once. */
static inline enum vgfb_buffer_kind
vgfb__xen_frame_kind(const struct vgfb_xen *x)
{
	return x->pv ? VGFB_BUFFER_MFN_LIST : VGFB_BUFFER_GFN_LIST;
}

/* ---- guest memory (xen.c) ---- */

/*
 * Map n of the guest's frames (GFNs, or MFNs for a PV guest), all or
 * nothing: a frame the guest does not own is refused by Xen.
 */
int vgfb__xen_map_frames(struct vgfb_xen *x, int prot, uint32_t n,
			 const uint64_t *frames, void **addr);
void vgfb__xen_unmap_frames(struct vgfb_xen *x, void *addr, uint32_t n);
/* Map n grant references of the guest in one mapping, all or nothing. */
int vgfb__xen_map_grants(struct vgfb_xen *x, int prot, uint32_t n,
			 const uint32_t *refs, void **addr);
void vgfb__xen_unmap_grants(struct vgfb_xen *x, void *addr, uint32_t n);

/* ---- event channels (xen.c): bound for a device, routed to its source */

int vgfb__xen_bind_port(struct vgfb_xen_device *d, uint32_t remote_port,
			evtchn_port_t *port);
void vgfb__xen_unbind_port(struct vgfb_xen_device *d, evtchn_port_t port);
void vgfb__xen_notify(struct vgfb_xen_device *d, evtchn_port_t port);
/*
 * A source stopped serving port with work left (its per-dispatch budget
 * ran out): hand the port to it again as a DOORBELL on the platform's
 * next dispatch, after the caller of dispatch (vgfbd's loop) had its turn
 * with everything else.  The guest's event channel is not involved, so
 * the guest cannot suppress or multiply the wake-up.
 */
void vgfb__xen_kick_port(struct vgfb_xen_device *d, evtchn_port_t port);

/* ---- xenstore (xenbus.c) ---- */

/* A malloc'd value; NULL when absent or not a plain string. */
char *vgfb__xen_read(struct vgfb_xen *x, const char *dir, const char *node);
/* A decimal value up to max: -ENOENT when absent, -EINVAL when not one. */
int vgfb__xen_read_uint(struct vgfb_xen *x, const char *dir,
			const char *node, uint64_t max, uint64_t *out);
/* Write dir/node; a failure is logged here, so callers may go on. */
int vgfb__xen_write(struct vgfb_xen *x, const char *dir, const char *node,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- one PV device a source is the backend of (xenbus.c) ---- */

struct vgfb_xen_device_ops {
	/* Map and bind what the frontend published; 0: go Connected. */
	int (*connect)(struct vgfb_xen_device *d);
	/* Drop the connection and tell consumers. */
	void (*disconnect)(struct vgfb_xen_device *d);
};

struct vgfb_xen_device {
	struct vgfb_xen *x;
	const struct vgfb_xen_device_ops *ops;
	const char *type;	/* "vfb", "vdispl", "vkbd": the frontend's
				 * device type, the watch token */
	struct vgfb_source *owner;	/* its source, once registered */
	char be[96];
	char fe[96];
	bool created;		/* we added the device: we remove it */
	bool watching;
	bool connected;
	bool was_connected;	/* connected once since we attached */
};

/*
 * Find the guest's device of this type (devid 0) and check that its
 * backend names the frontend we expect; with VGFB_XEN_DEVICE_CREATE add
 * it when absent (fe_nodes: NULL, or "name", "value" pairs ending with
 * NULL, written into the frontend directory).  Then watch the frontend's
 * state.  -ENODEV when the device is absent (logged when mode is
 * EXISTING); on failure nothing is left behind.  Undo with
 * vgfb__xen_device_close() or, before any state was written,
 * vgfb__xen_device_abandon().
 */
int vgfb__xen_device_open(struct vgfb_xen *x, const char *type,
			  enum vgfb_xen_device_mode mode,
			  const char *const *fe_nodes,
			  const struct vgfb_xen_device_ops *ops,
			  struct vgfb_xen_device *d);
/*
 * The same, and:
 *   be_kinds  the backend kinds (NULL-terminated) the toolstack may have
 *             added the device as, looked for in order; NULL: `type`
 *             only.  libxl puts `vkb = [ "backend-type=linux" ]` under
 *             backend/vinput for the frontend's device/vkbd.  A device we
 *             create gets the first kind.
 *   be_nodes  "name", "value" pairs ending with NULL, written into the
 *             backend directory in the transaction that creates the
 *             device (for frontends that read backend nodes once, at
 *             probe: vkbd).
 */
int vgfb__xen_device_open_with(struct vgfb_xen *x, const char *type,
			       enum vgfb_xen_device_mode mode,
			       const char *const *be_kinds,
			       const char *const *fe_nodes,
			       const char *const *be_nodes,
			       const struct vgfb_xen_device_ops *ops,
			       struct vgfb_xen_device *d);
/* Stop watching and remove the device if we added it; no state written. */
void vgfb__xen_device_abandon(struct vgfb_xen_device *d);
/* Go Closed (unless the guest is gone), then abandon the device. */
void vgfb__xen_device_close(struct vgfb_xen_device *d);

/* Write the backend's state node. */
int vgfb__xen_set_state(struct vgfb_xen_device *d, enum xenbus_state s);

/*
 * The backend's half of the xenbus handshake, the same for every device
 * kind: called when the frontend's state node changed; calls the
 * device's connect or disconnect and writes the backend's next state.
 */
void vgfb__xen_frontend_changed(struct vgfb_xen_device *d);

/* A frontend broke its protocol: drop the connection, go Closed. */
void vgfb__xen_refuse_frontend(struct vgfb_xen_device *d);

/* ---- the sources: create, register with the core, or -ENODEV ---- */

int vgfb__xen_vfb_open(struct vgfb_xen *x);
int vgfb__xen_vdispl_open(struct vgfb_xen *x);

/* ---- the input device (xen-vkbd.c): no heads, input for all of them */

int vgfb__xen_vkbd_open(struct vgfb_xen *x);

/*
 * Input sent to a head whose plane is plane_w x plane_h now (0 x 0:
 * unknown), events already checked: queued and written to the ring.
 * -ENOTSUP: the guest has no vkbd device served; -EAGAIN: its frontend is
 * not connected (yet).
 */
int vgfb__xen_vkbd_send(struct vgfb_xen *x, uint32_t plane_w,
			uint32_t plane_h, const struct vgfb_input_event *ev,
			uint32_t n);

#endif
