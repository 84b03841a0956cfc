/* SPDX-License-Identifier: MIT */
/*
 * The local mediator: one guest's planes, in this process.
 *
 *   source get_plane -> validate -> cache (id) -> platform backing
 *     -> exporter ladder -> fd
 *
 * It owns the head numbering: the platform's sources in the order they
 * were registered, each contributing its heads.  Sources report guest
 * changes with vgfb__source_emit(); the mediator keeps per-plane damage
 * for extended queries and queues subscribed events.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-buf.h>

#include "cache.h"
#include "damage.h"
#include "event-queue.h"
#include "exporter.h"
#include "format.h"
#include "platform.h"
#include "region.h"
#include "validate.h"

#define CACHE_ENTRIES 16
#define EVENT_QUEUE_LEN 64
#define N_PLANE_KINDS 2		/* primary, cursor */

struct exporter {
	const struct vgfb_exporter_ops *ops;
	void *priv;
};

/* A registered plane source: the handle it and its platform hold. */
struct vgfb_source {
	struct vgfb_local *m;
	const struct vgfb_source_ops *ops;
	void *priv;
};

struct vgfb_local {
	struct vgfb *ctx;
	const struct vgfb_platform_ops *pf;
	void *pf_priv;
	struct vgfb_source sources[VGFB_MAX_SOURCES];
	unsigned int n_sources;
	struct vgfb_cache *cache;

	/* The ladder, top first: dma-buf exporters that probed fine. */
	struct exporter dmabuf[3];
	unsigned int n_dmabuf;
	bool have_region;	/* the floor (region.h) probed fine */
	uint64_t region_bytes_copied;	/* into every view, ever */

	int epoll_fd;		/* what consumers poll */
	int signal_fd;		/* eventfd: readable while events are queued */
	bool signalled;
	uint32_t subscribed;
	struct vgfb_event_queue *events;
	bool guest_gone;

	struct vgfb_damage damage[VGFB_MAX_HEADS][N_PLANE_KINDS];
};

static const struct vgfb_ctx_ops local_ops;

static struct vgfb_local *
local_of(struct vgfb *ctx)
{
	return ctx->priv;
}

struct vgfb *
vgfb__local_ctx(struct vgfb_local *m)
{
	return m->ctx;
}

static unsigned int
plane_index(uint32_t plane_type)
{
	return plane_type == DRM_PLANE_TYPE_CURSOR ? 1 : 0;
}

/* ---- events and damage ---- */

static void
sync_signal(struct vgfb_local *m)
{
	bool pending = vgfb__evq_len(m->events) > 0;
	uint64_t v = 1;

	if (pending && !m->signalled) {
		if (write(m->signal_fd, &v, sizeof(v)) == sizeof(v))
			m->signalled = true;
	} else if (!pending && m->signalled) {
		if (read(m->signal_fd, &v, sizeof(v)) == sizeof(v))
			m->signalled = false;
	}
}

static void
queue_event(struct vgfb_local *m, const struct vgfb_event *ev)
{
	if (m->subscribed & VGFB_EVENT_MASK(ev->type)) {
		vgfb__evq_push(m->events, ev);
		sync_signal(m);
	}
}

void
vgfb__local_guest_gone(struct vgfb_local *m)
{
	if (m->guest_gone)
		return;
	m->guest_gone = true;
	vgfb__cache_invalidate(m->cache);
	log_info(m->ctx, "guest gone: every plane id is now stale");
	queue_event(m, &(struct vgfb_event){ .type = VGFB_EVENT_GUEST_GONE });
}

void
vgfb__local_guest_reset(struct vgfb_local *m)
{
	if (m->guest_gone)
		return;
	vgfb__cache_invalidate(m->cache);
	log_info(m->ctx, "guest reset: every plane id is now stale");
}

/* ---- sources and head numbering ---- */

struct vgfb *
vgfb__source_ctx(struct vgfb_source *s)
{
	return s->m->ctx;
}

static uint32_t
total_heads(const struct vgfb_local *m)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < m->n_sources; i++)
		n += m->sources[i].ops->head_count(m->sources[i].priv);
	return n;
}

/* The first consumer head of source s. */
static uint32_t
first_head_of(const struct vgfb_source *s)
{
	const struct vgfb_local *m = s->m;
	uint32_t n = 0;

	for (const struct vgfb_source *o = m->sources; o != s; o++)
		n += o->ops->head_count(o->priv);
	return n;
}

/* A consumer's head -> (source, source-local head); NULL when none. */
static struct vgfb_source *
source_of_head(struct vgfb_local *m, uint32_t head, uint32_t *local)
{
	for (unsigned int i = 0; i < m->n_sources; i++) {
		struct vgfb_source *s = &m->sources[i];
		uint32_t n = s->ops->head_count(s->priv);

		if (head < n) {
			*local = head;
			return s;
		}
		head -= n;
	}
	return NULL;
}

int
vgfb__local_add_source(struct vgfb_local *m,
		       const struct vgfb_source_ops *ops, void *src,
		       struct vgfb_source **out)
{
	struct vgfb_source *s;

	if (m->n_sources == VGFB_MAX_SOURCES ||
	    total_heads(m) + ops->head_count(src) > VGFB_MAX_HEADS) {
		log_error(m->ctx, "%s: too many heads or sources (at most %u "
			  "heads)", ops->name, VGFB_MAX_HEADS);
		return -E2BIG;
	}
	s = &m->sources[m->n_sources++];
	*s = (struct vgfb_source){ .m = m, .ops = ops, .priv = src };
	*out = s;
	return 0;
}

void
vgfb__source_dispatch(struct vgfb_source *s, enum vgfb_source_event what,
		      uint32_t channel)
{
	if (s->ops->dispatch && !s->m->guest_gone)
		s->ops->dispatch(s->priv, what, channel);
}

/*
 * A change of (head, plane) reaches the region views of that plane's
 * buffers as pending damage: nothing is copied here, in the middle of a
 * source's event handling, and not for buffers that are no longer shown.
 * sync_shown() copies it for the buffer the plane shows.
 */
static void
damage_region(struct vgfb_cache_entry *e, void *data)
{
	const struct vgfb_event *ev = data;

	if (!e->region || e->key.head != ev->head ||
	    e->key.plane_type != ev->drm_plane_type)
		return;
	vgfb__region_damage(e->region, ev->type == VGFB_EVENT_DAMAGE ?
				       &ev->rect : NULL);
}

void
vgfb__source_emit(struct vgfb_source *s, const struct vgfb_event *src_ev)
{
	struct vgfb_local *m = s->m;
	struct vgfb_event ev = *src_ev;
	struct vgfb_damage *d;

	if (ev.head >= s->ops->head_count(s->priv))
		return;		/* not a head of this source: a source bug */
	ev.head += first_head_of(s);
	d = &m->damage[ev.head][plane_index(ev.drm_plane_type)];
	if (ev.type == VGFB_EVENT_DAMAGE)
		vgfb__damage_add_rect(d, &ev.rect);
	else
		vgfb__damage_all(d);
	if (m->cache)
		vgfb__cache_for_each(m->cache, damage_region, &ev);
	queue_event(m, &ev);
}

void
vgfb__source_forget_buffer(struct vgfb_source *s, uint64_t serial)
{
	if (s->m->cache)
		vgfb__cache_forget_serial(s->m->cache, serial);
}

static void
close_sources(struct vgfb_local *m)
{
	while (m->n_sources) {
		struct vgfb_source *s = &m->sources[--m->n_sources];

		s->ops->close(s->priv);
	}
}

/* ---- the exporter ladder ---- */

static void
release_entry(void *data, struct vgfb_cache_entry *e)
{
	struct vgfb_local *m = data;

	if (e->dmabuf_fd >= 0)
		close(e->dmabuf_fd);
	e->dmabuf_fd = -1;
	if (e->region) {
		vgfb__region_free(e->region);
		vgfb__local_unmap(m, &e->backing, e->region_src);
		e->region = NULL;
		e->region_src = NULL;
	}
	if (e->have_backing && m->pf->put_backing)
		m->pf->put_backing(m->pf_priv, &e->backing);
	e->have_backing = false;
}

static int
try_exporter(struct vgfb_local *m, const struct vgfb_exporter_ops *ops,
	     struct exporter *out)
{
	char why[256] = "";
	int rc;

	rc = ops->probe(m, &out->priv, why, sizeof(why));
	if (rc) {
		log_info(m->ctx, "exporter %s unavailable: %s", ops->name,
			 why[0] ? why : strerror(-rc));
		return rc;
	}
	out->ops = ops;
	log_info(m->ctx, "exporter %s ready", ops->name);
	return 0;
}

/* The floor: without it, and without a dma-buf rung, nothing is offered. */
static int
probe_region(struct vgfb_local *m)
{
	char why[256] = "";
	int rc;

	rc = vgfb__region_probe(why, sizeof(why));
	if (rc) {
		log_error(m->ctx, "exporter region unavailable: %s", why);
		return rc;
	}
	m->have_region = true;
	log_info(m->ctx, "exporter region ready");
	return 0;
}

/* The kernel rungs, best first; "exporter=" names one of them. */
static const struct vgfb_exporter_ops *const ladder[] = {
	&vgfb__exporter_vgfbko,
	&vgfb__exporter_udmabuf,
};

/* Can "exporter=want" be asked for at all: auto, region or a rung? */
static bool
exporter_name_known(const char *want)
{
	if (strcmp(want, "auto") == 0 || strcmp(want, "region") == 0)
		return true;
	for (size_t i = 0; i < sizeof(ladder) / sizeof(ladder[0]); i++)
		if (strcmp(want, ladder[i]->name) == 0)
			return true;
	return false;
}

static int
build_ladder(struct vgfb_local *m, const char *want)
{
	bool any = strcmp(want, "auto") == 0;
	int rc;

	for (size_t i = 0; i < sizeof(ladder) / sizeof(ladder[0]); i++) {
		if (!any && strcmp(want, ladder[i]->name) != 0)
			continue;
		rc = try_exporter(m, ladder[i], &m->dmabuf[m->n_dmabuf]);
		if (rc == 0)
			m->n_dmabuf++;
		else if (!any) {
			log_error(m->ctx, "exporter \"%s\" was asked for but "
				  "is unavailable", want);
			return rc;
		}
	}
	if (!any && strcmp(want, "region") != 0 && m->n_dmabuf == 0) {
		log_error(m->ctx, "unknown exporter \"%s\" (auto, vgfb, "
			  "udmabuf, region)", want);
		return -EINVAL;
	}
	/*
	 * A platform's own dma-bufs need no kernel help: the pass-through
	 * rung goes last, so a memfd rung above names the ladder.
	 */
	if (m->pf->gives_dmabufs && strcmp(want, "region") != 0 &&
	    try_exporter(m, &vgfb__exporter_dmabuf,
			 &m->dmabuf[m->n_dmabuf]) == 0)
		m->n_dmabuf++;
	if (m->n_dmabuf == 0)
		log_info(m->ctx, "no dma-buf exporter: planes are offered "
			 "as CPU-mappable regions only");
	return probe_region(m);
}

static int
ensure_backing(struct vgfb_local *m, struct vgfb_cache_entry *e)
{
	const struct vgfb_buffer buf = {
		.kind = e->key.buffer_kind,
		.gpa = e->key.gpa,
		.n_frames = e->key.n_frames,
		.frames = e->frames,
		.size = e->key.size,
		.serial = e->key.buffer_serial,
	};
	int rc;

	if (e->have_backing)
		return 0;
	rc = m->pf->get_backing(m->pf_priv, &buf, e->key.size, &e->backing);
	if (rc)
		return rc;
	e->have_backing = true;
	return 0;
}

/*
 * A dma-buf's pages from the one holding offset on, read-only: mmap
 * takes a page-aligned offset, the plane may start anywhere.
 */
static void
dmabuf_span(const struct vgfb_backing *b, uint64_t *start, uint64_t *len)
{
	uint64_t delta = b->dmabuf.offset % VGFB_PAGE_SIZE;

	*start = b->dmabuf.offset - delta;
	*len = (delta + b->size + VGFB_PAGE_SIZE - 1) &
	       ~(uint64_t)(VGFB_PAGE_SIZE - 1);
}

static int
map_dmabuf(const struct vgfb_backing *b, const void **addr)
{
	uint64_t start, len;
	void *p;

	dmabuf_span(b, &start, &len);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, b->dmabuf.fd, (off_t)start);
	if (p == MAP_FAILED)
		return -errno;
	*addr = (const uint8_t *)p + (b->dmabuf.offset - start);
	return 0;
}

int
vgfb__local_map(struct vgfb_local *m, const struct vgfb_backing *b,
		const void **addr)
{
	if (b->kind == VGFB_BACKING_MEMFD) {
		*addr = b->memfd.addr;
		return 0;
	}
	if (b->kind == VGFB_BACKING_DMABUF)
		return map_dmabuf(b, addr);
	if (!m->pf->map)
		return -ENOTSUP;
	return m->pf->map(m->pf_priv, b, addr);
}

void
vgfb__local_unmap(struct vgfb_local *m, const struct vgfb_backing *b,
		  const void *addr)
{
	if (b->kind == VGFB_BACKING_DMABUF && addr) {
		uint64_t start, len;

		dmabuf_span(b, &start, &len);
		munmap((uint8_t *)addr - (b->dmabuf.offset - start), len);
		return;
	}
	if (b->kind != VGFB_BACKING_MEMFD && m->pf->unmap)
		m->pf->unmap(m->pf_priv, b, addr);
}

/*
 * CPU reads of a dma-buf go between DMA_BUF_IOCTL_SYNC start and end, so
 * that an exporter with caches (or a GPU still writing) hands over
 * coherent bytes.  A failed sync is logged, not fatal: the copy is a
 * picture, and the next damage brings the next one.
 */
static void
cpu_access(struct vgfb_local *m, const struct vgfb_backing *b, bool start)
{
	struct dma_buf_sync sync = {
		.flags = DMA_BUF_SYNC_READ |
			 (start ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END),
	};
	int rc;

	if (b->kind != VGFB_BACKING_DMABUF)
		return;
	rc = vgfb__ioctl(b->dmabuf.fd, DMA_BUF_IOCTL_SYNC, &sync);
	if (rc)
		log_debug(m->ctx, "DMA_BUF_IOCTL_SYNC %s: %s",
			  start ? "start" : "end", strerror(-rc));
}

/* ---- ctx ops ---- */

static const char *
local_exporter_name(struct vgfb *ctx)
{
	struct vgfb_local *m = local_of(ctx);

	return m->n_dmabuf ? m->dmabuf[0].ops->name : "region";
}

static int
local_head_count(struct vgfb *ctx, uint32_t *count)
{
	struct vgfb_local *m = local_of(ctx);

	if (m->guest_gone)
		return -ENODEV;
	*count = total_heads(m);
	return 0;
}

static int
local_probe_mode(struct vgfb *ctx, uint32_t mode)
{
	struct vgfb_local *m = local_of(ctx);

	if (mode == VFIO_GFX_PLANE_TYPE_DMABUF)
		return m->n_dmabuf ? 0 : -EINVAL;
	return 0;	/* REGION: the CPU path always exists */
}

static void
zero_outputs(struct vfio_device_gfx_plane_info *info)
{
	uint32_t argsz = info->argsz, flags = info->flags;
	uint32_t type = info->drm_plane_type;

	memset(info, 0, sizeof(*info));
	info->argsz = argsz;
	info->flags = flags;
	info->drm_plane_type = type;
}

static void
cache_key_of(uint32_t head, uint32_t plane_type,
	     const struct vgfb_plane_desc *d, const struct vgfb_plane_geom *g,
	     struct vgfb_cache_key *k)
{
	memset(k, 0, sizeof(*k));
	k->head = head;
	k->plane_type = plane_type;
	k->drm_format = d->drm_format;
	k->modifier = d->modifier;
	k->width = d->width;
	k->height = d->height;
	k->stride = d->stride;
	k->size = g->size;
	k->buffer_kind = d->buf.kind;
	if (vgfb__buffer_is_list(d->buf.kind))
		k->n_frames = d->buf.n_frames;
	else
		k->gpa = d->buf.gpa;
	k->buffer_serial = d->buf.serial;
}

/*
 * What (head, type) shows now: the source's descriptor, validated, and its
 * cache key.  -ENODEV: the plane is disabled.  A refusal is logged only
 * when log_refusal (a consumer's query), not on the event path.
 */
static int
describe_plane(struct vgfb_local *m, uint32_t head, uint32_t type,
	       struct vgfb_plane_desc *desc, struct vgfb_plane_geom *geom,
	       struct vgfb_cache_key *key, bool log_refusal)
{
	struct vgfb_memmap map = { 0 };
	struct vgfb_source *src;
	uint32_t src_head;
	char why[256];
	int rc;

	src = source_of_head(m, head, &src_head);
	if (!src)
		return -EINVAL;
	rc = src->ops->get_plane(src->priv, src_head, type, desc);
	if (rc)
		return rc;
	rc = m->pf->get_memmap(m->pf_priv, &map);
	if (rc)
		return rc;
	rc = vgfb__validate_plane(type, desc, &map, geom, why, sizeof(why));
	if (rc) {
		if (log_refusal)
			log_error(m->ctx, "head %u %s plane refused: %s", head,
				  type == DRM_PLANE_TYPE_CURSOR ? "cursor" :
				  "primary", why);
		return rc;
	}
	cache_key_of(head, type, desc, geom, key);
	return 0;
}

/* ---- the region views (region.h) ---- */

/* Copy what changed into e's view; e must be the buffer its plane shows. */
static void
sync_entry(struct vgfb_local *m, struct vgfb_cache_entry *e)
{
	if (e->region && vgfb__region_pending(e->region)) {
		cpu_access(m, &e->backing, true);
		m->region_bytes_copied += vgfb__region_sync(e->region,
							    e->region_src);
		cpu_access(m, &e->backing, false);
	}
}

/*
 * Bring the view of the buffer that (head, type) shows now up to date.
 * Views of buffers not shown keep their damage until they are shown
 * again: what a guest draws into its back buffer is not yet its picture,
 * and copying it would be wasted (a flip makes all of it pending anyway).
 */
static void
sync_shown(struct vgfb_local *m, uint32_t head, uint32_t type)
{
	struct vgfb_plane_desc desc = { 0 };
	struct vgfb_plane_geom geom;
	struct vgfb_cache_key key;
	struct vgfb_cache_entry *e;

	if (describe_plane(m, head, type, &desc, &geom, &key, false))
		return;
	e = vgfb__cache_lookup(m->cache, &key, desc.buf.frames);
	if (e)
		sync_entry(m, e);
}

struct pending_planes {
	bool any;
	bool plane[VGFB_MAX_HEADS][N_PLANE_KINDS];
};

static void
note_pending(struct vgfb_cache_entry *e, void *data)
{
	struct pending_planes *pp = data;

	if (!e->region || !vgfb__region_pending(e->region) ||
	    e->key.head >= VGFB_MAX_HEADS)
		return;
	pp->plane[e->key.head][plane_index(e->key.plane_type)] = true;
	pp->any = true;
}

/*
 * Before a consumer sees an event, every plane it may be about: so a
 * consumer that reads its mapping after DAMAGE or FLIP sees that change,
 * and vgfbd's clients do too (vgfbd reads its events here first).
 */
static void
sync_pending(struct vgfb_local *m)
{
	struct pending_planes pp = { .any = false };

	vgfb__cache_for_each(m->cache, note_pending, &pp);
	if (!pp.any)
		return;
	for (uint32_t h = 0; h < VGFB_MAX_HEADS; h++)
		for (unsigned int p = 0; p < N_PLANE_KINDS; p++)
			if (pp.plane[h][p])
				sync_shown(m, h, p ? DRM_PLANE_TYPE_CURSOR :
						     DRM_PLANE_TYPE_PRIMARY);
}

/* e's view, made on its first GET: a full copy, then damage only. */
static int
make_region(struct vgfb_local *m, struct vgfb_cache_entry *e)
{
	const struct vgfb_region_geom g = {
		.width = e->key.width,
		.height = e->key.height,
		.stride = e->key.stride,
		.cpp = vgfb_format_cpp(e->key.drm_format),
		.size = e->key.size,
	};
	const void *src;
	int rc;

	rc = ensure_backing(m, e);
	if (rc)
		return rc;
	/* kept mapped while the view lives: Xen mappings cost a hypercall */
	rc = vgfb__local_map(m, &e->backing, &src);
	if (rc)
		return rc;
	cpu_access(m, &e->backing, true);
	rc = vgfb__region_new(&g, src, &e->region);
	cpu_access(m, &e->backing, false);
	if (rc) {
		vgfb__local_unmap(m, &e->backing, src);
		return rc;
	}
	e->region_src = src;
	m->region_bytes_copied += g.size;
	return 0;
}

uint64_t
vgfb__local_region_bytes_copied(struct vgfb *ctx)
{
	return ctx->ops == &local_ops ? local_of(ctx)->region_bytes_copied : 0;
}

/* ---- ctx ops: planes ---- */

/* The first dma-buf rung that exports b, or NULL. */
static const struct exporter *
rung_for(struct vgfb_local *m, const struct vgfb_backing *b)
{
	for (unsigned int i = 0; i < m->n_dmabuf; i++)
		if (m->dmabuf[i].ops->supports(m->dmabuf[i].priv, b))
			return &m->dmabuf[i];
	return NULL;
}

/*
 * A DMABUF query of a plane in a platform's fd: can any rung export it?
 * The platform's buffers differ per plane (a dma-buf at offset 0 passes
 * through, one at another offset cannot; a memfd needs vgfb.ko or
 * udmabuf), so this is answered here rather than at GET, where a consumer
 * could no longer fall back to REGION.  Logged once per plane id.
 */
static int
check_exportable(struct vgfb_local *m, uint32_t head,
		 struct vgfb_cache_entry *e)
{
	int rc;

	if (e->key.buffer_kind != VGFB_BUFFER_PLATFORM_FD)
		return 0;
	rc = ensure_backing(m, e);
	if (rc)
		return rc;
	if (rung_for(m, &e->backing))
		return 0;
	if (!e->refusal_logged)
		log_error(m->ctx, "head %u plane 0x%08x: no DMABUF: %s; "
			  "query it as REGION", head, e->id,
			  e->backing.kind == VGFB_BACKING_DMABUF ?
			  "it starts at an offset of its dma-buf, which the "
			  "VFIO plane record cannot carry" :
			  "no exporter here takes its memfd (vgfb.ko, "
			  "udmabuf)");
	e->refusal_logged = true;
	return -ENOTSUP;
}

static int
local_query(struct vgfb *ctx, uint32_t head,
	    struct vfio_device_gfx_plane_info *info, struct vgfb_plane_ext *ext)
{
	struct vgfb_local *m = local_of(ctx);
	const uint32_t type = info->drm_plane_type;
	struct vgfb_plane_desc desc = { 0 };
	struct vgfb_plane_geom geom;
	struct vgfb_cache_key key;
	struct vgfb_cache_entry *e;
	uint32_t src_head;
	int rc;

	/* Platforms with their own events (xenstore, rings) catch up first. */
	if (m->pf->dispatch && !m->guest_gone)
		m->pf->dispatch(m->pf_priv);
	if (m->guest_gone)
		return -ENODEV;
	if (!source_of_head(m, head, &src_head))
		return -EINVAL;
	if (info->flags == VFIO_GFX_PLANE_TYPE_DMABUF && !m->n_dmabuf)
		return -EINVAL;

	zero_outputs(info);
	if (ext) {
		uint32_t argsz = ext->argsz;

		memset(ext, 0, sizeof(*ext));
		ext->argsz = argsz;
		ext->head = head;
	}

	rc = describe_plane(m, head, type, &desc, &geom, &key, true);
	if (rc == -ENODEV) {
		/* Disabled plane: success with zeroed fields (VFIO rule). */
		if (ext)
			vgfb__damage_take(&m->damage[head][plane_index(type)],
					  ext);
		return 0;
	}
	if (rc)
		return rc;

	e = vgfb__cache_lookup(m->cache, &key, desc.buf.frames);
	if (!e) {
		rc = vgfb__cache_insert(m->cache, &key, desc.buf.frames, &e);
		if (rc)
			return rc;
		log_debug(ctx, "head %u: new plane id 0x%08x", head, e->id);
	}
	if (info->flags == VFIO_GFX_PLANE_TYPE_DMABUF) {
		rc = check_exportable(m, head, e);
		if (rc) {
			zero_outputs(info);
			return rc;
		}
	}
	/* the plane shows e: its view, if any, shows what the guest does */
	sync_entry(m, e);

	info->drm_format = desc.drm_format;
	info->drm_format_mod = desc.modifier;
	info->width = desc.width;
	info->height = desc.height;
	info->stride = desc.stride;
	info->size = geom.size;
	if (type == DRM_PLANE_TYPE_CURSOR) {
		info->x_pos = desc.x_pos;
		info->y_pos = desc.y_pos;
	}
	info->x_hot = geom.x_hot;
	info->y_hot = geom.y_hot;
	info->dmabuf_id = e->id;	/* the same field as region_index */
	if (ext) {
		ext->frame_seq = desc.frame_seq;
		vgfb__damage_take(&m->damage[head][plane_index(type)], ext);
	}
	return 0;
}

static int
local_get_dmabuf(struct vgfb *ctx, uint32_t id)
{
	struct vgfb_local *m = local_of(ctx);
	struct vgfb_cache_entry *e = vgfb__cache_find_id(m->cache, id);
	int rc;

	if (!e)
		return -ENOENT;
	if (!m->n_dmabuf)
		return -ENOTSUP;
	if (e->dmabuf_fd < 0) {
		const struct exporter *x = NULL;

		rc = ensure_backing(m, e);
		if (rc)
			return rc;
		x = rung_for(m, &e->backing);
		if (!x)
			return -ENOTSUP;
		rc = x->ops->export(x->priv, &e->backing);
		if (rc < 0) {
			log_error(ctx, "%s export of plane 0x%08x failed: %s",
				  x->ops->name, id, strerror(-rc));
			return rc;
		}
		e->dmabuf_fd = rc;
	}
	return vgfb__dup_cloexec(e->dmabuf_fd);
}

/* Every GET of one id: a new fd of the same live view. */
static int
local_get_region(struct vgfb *ctx, uint32_t id)
{
	struct vgfb_local *m = local_of(ctx);
	struct vgfb_cache_entry *e = vgfb__cache_find_id(m->cache, id);
	int rc;

	if (!e)
		return -ENOENT;
	if (!m->have_region)
		return -ENOTSUP;
	if (!e->region) {
		rc = make_region(m, e);
		if (rc) {
			log_error(ctx, "region view of plane 0x%08x failed: %s",
				  id, strerror(-rc));
			return rc;
		}
	} else if (vgfb__region_pending(e->region)) {
		sync_shown(m, e->key.head, e->key.plane_type);
	}
	return vgfb__region_fd(e->region);
}

static int
local_subscribe(struct vgfb *ctx, uint32_t mask)
{
	struct vgfb_local *m = local_of(ctx);

	m->subscribed = mask;
	/* Drop queued events the consumer no longer wants. */
	if (mask != VGFB_EVENT_MASK_ALL) {
		struct vgfb_event kept[EVENT_QUEUE_LEN], ev;
		unsigned int n = 0;

		while (vgfb__evq_pop(m->events, &ev) == 0)
			if (mask & VGFB_EVENT_MASK(ev.type))
				kept[n++] = ev;
		for (unsigned int i = 0; i < n; i++)
			vgfb__evq_push(m->events, &kept[i]);
		sync_signal(m);
	}
	return 0;
}

static int
local_event_fd(struct vgfb *ctx)
{
	return local_of(ctx)->epoll_fd;
}

static int
local_read_event(struct vgfb *ctx, struct vgfb_event *ev)
{
	struct vgfb_local *m = local_of(ctx);
	int rc;

	if (m->pf->dispatch && !m->guest_gone) {
		rc = m->pf->dispatch(m->pf_priv);
		if (rc < 0 && rc != -EAGAIN)
			log_error(ctx, "%s event handling failed: %s",
				  m->pf->name, strerror(-rc));
	}
	if (!m->guest_gone)
		sync_pending(m);
	rc = vgfb__evq_pop(m->events, ev);
	sync_signal(m);
	return rc;
}

/* ---- ctx ops: input ---- */

static int
local_send_input(struct vgfb *ctx, uint32_t head,
		 const struct vgfb_input_event *ev, uint32_t n)
{
	struct vgfb_local *m = local_of(ctx);
	struct vgfb_source *src;
	uint32_t src_head;

	if (m->guest_gone)
		return -ENODEV;
	src = source_of_head(m, head, &src_head);
	if (!src)
		return -EINVAL;
	if (!src->ops->send_input)
		return -ENOTSUP;
	return src->ops->send_input(src->priv, src_head, ev, n);
}

static void
local_close(struct vgfb *ctx)
{
	struct vgfb_local *m = local_of(ctx);

	if (!m)
		return;
	/*
	 * Sources first: closing one may drop its buffers from the cache
	 * (vgfb__source_forget_buffer), so the cache must still be there.
	 */
	close_sources(m);
	vgfb__cache_free(m->cache);
	m->cache = NULL;
	for (unsigned int i = 0; i < m->n_dmabuf; i++)
		if (m->dmabuf[i].ops->release)
			m->dmabuf[i].ops->release(m->dmabuf[i].priv);
	if (m->pf_priv)
		m->pf->close(m->pf_priv);
	vgfb__evq_free(m->events);
	if (m->epoll_fd >= 0)
		close(m->epoll_fd);
	if (m->signal_fd >= 0)
		close(m->signal_fd);
	free(m);
	ctx->priv = NULL;
}

static const struct vgfb_ctx_ops local_ops = {
	.name = "local",
	.close = local_close,
	.exporter_name = local_exporter_name,
	.head_count = local_head_count,
	.query = local_query,
	.probe_mode = local_probe_mode,
	.get_dmabuf = local_get_dmabuf,
	.get_region = local_get_region,
	.subscribe = local_subscribe,
	.event_fd = local_event_fd,
	.read_event = local_read_event,
	.send_input = local_send_input,
};

/* ---- open ---- */

/*
 * Take "exporter=NAME" out of the target's options; everything else goes to
 * the platform untouched, in order (the platform validates it).
 */
static int
split_exporter(const char *args, char *exporter, size_t exporter_len,
	       char *rest)
{
	const char *p = args;

	*rest = '\0';
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > 9 && strncmp(p, "exporter=", 9) == 0) {
			if (len - 9 >= exporter_len)
				return -EINVAL;
			memcpy(exporter, p + 9, len - 9);
			exporter[len - 9] = '\0';
		} else {
			if (*rest)
				strcat(rest, ",");
			strncat(rest, p, len);
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int
watch(int epoll_fd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };

	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int
vgfb__local_check_args(const struct vgfb_platform_ops *pf, const char *args)
{
	char exporter[16] = "auto", *rest = calloc(1, strlen(args) + 1);
	int rc;

	if (!rest)
		return -ENOMEM;
	rc = split_exporter(args, exporter, sizeof(exporter), rest);
	if (rc == 0 && !exporter_name_known(exporter))
		rc = -EINVAL;
	if (rc == 0 && pf->check_args)
		rc = pf->check_args(rest);
	free(rest);
	return rc;
}

int
vgfb__local_open(struct vgfb *ctx, const struct vgfb_platform_ops *pf,
		 const char *args)
{
	char exporter[16] = "auto", *rest;
	struct vgfb_local *m;
	int rc, pf_fd;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->ctx = ctx;
	m->pf = pf;
	m->epoll_fd = -1;
	m->signal_fd = -1;
	ctx->priv = m;
	ctx->ops = &local_ops;
	ctx->backend_name = pf->name;

	rest = calloc(1, strlen(args) + 1);
	if (!rest) {
		rc = -ENOMEM;
		goto out_close;
	}
	rc = split_exporter(args, exporter, sizeof(exporter), rest);
	if (rc) {
		log_error(ctx, "malformed exporter option in \"%s\"", args);
		goto out_close;
	}
	/* every option is checked before the guest is reached */
	if (!exporter_name_known(exporter)) {
		log_error(ctx, "unknown exporter \"%s\" (auto, vgfb, udmabuf, "
			  "region)", exporter);
		rc = -EINVAL;
		goto out_close;
	}

	rc = vgfb__evq_new(EVENT_QUEUE_LEN, &m->events);
	if (rc)
		goto out_close;
	m->signal_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	m->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (m->signal_fd < 0 || m->epoll_fd < 0) {
		rc = -errno;
		goto out_close;
	}
	rc = watch(m->epoll_fd, m->signal_fd);
	if (rc)
		goto out_close;
	rc = vgfb__cache_new(CACHE_ENTRIES, release_entry, m, &m->cache);
	if (rc)
		goto out_close;

	for (uint32_t h = 0; h < VGFB_MAX_HEADS; h++)
		for (unsigned int p = 0; p < N_PLANE_KINDS; p++)
			vgfb__damage_all(&m->damage[h][p]);
	rc = pf->open(m, rest, &m->pf_priv);
	if (rc) {
		m->pf_priv = NULL;
		goto out_close;
	}
	rc = pf->add_sources(m->pf_priv);
	if (rc)
		goto out_close;
	if (pf->event_fd && (pf_fd = pf->event_fd(m->pf_priv)) >= 0) {
		rc = watch(m->epoll_fd, pf_fd);
		if (rc)
			goto out_close;
	}

	rc = build_ladder(m, exporter);
	if (rc)
		goto out_close;
	free(rest);
	return 0;

out_close:
	free(rest);
	local_close(ctx);
	ctx->ops = NULL;
	return rc;
}

void *
vgfb__local_sim(struct vgfb *ctx)
{
	struct vgfb_local *m;

	if (ctx->ops != &local_ops)
		return NULL;
	m = local_of(ctx);
	return m->pf == &vgfb__platform_sim ? m->pf_priv : NULL;
}
