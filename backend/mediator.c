/* SPDX-License-Identifier: MIT */
/*
 * The local mediator: one guest's planes, in this process.
 *
 *   backend get_plane -> validate -> cache (id) -> exporter ladder -> fd
 *
 * Backends report guest changes with vgfb__emit(); the mediator keeps
 * per-plane damage for extended queries and queues subscribed events.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cache.h"
#include "event-queue.h"
#include "private.h"
#include "validate.h"

#define CACHE_ENTRIES 16
#define EVENT_QUEUE_LEN 64
#define N_PLANE_KINDS 2		/* primary, cursor */

struct damage {
	bool all;
	uint32_t n;
	struct vgfb_rect rect[VGFB_MAX_DAMAGE];
};

struct exporter {
	const struct vgfb_exporter_ops *ops;
	void *priv;
};

struct vgfb_local {
	struct vgfb *ctx;
	const struct vgfb_backend_ops *be;
	void *be_priv;
	struct vgfb_cache *cache;

	/* The ladder, top first: dma-buf exporters that probed fine. */
	struct exporter dmabuf[2];
	unsigned int n_dmabuf;
	struct exporter region;

	int epoll_fd;		/* what consumers poll */
	int signal_fd;		/* eventfd: readable while events are queued */
	bool signalled;
	uint32_t subscribed;
	struct vgfb_event_queue *events;
	bool guest_gone;

	struct damage damage[VGFB_MAX_HEADS][N_PLANE_KINDS];
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
add_damage(struct damage *d, const struct vgfb_event *ev)
{
	switch (ev->type) {
	case VGFB_EVENT_DAMAGE:
		if (d->all)
			return;
		if (d->n == VGFB_MAX_DAMAGE) {
			d->all = true;
			d->n = 0;
			return;
		}
		d->rect[d->n++] = ev->rect;
		return;
	default:
		d->all = true;
		d->n = 0;
		return;
	}
}

void
vgfb__emit(struct vgfb_local *m, const struct vgfb_event *ev)
{
	if (ev->type == VGFB_EVENT_GUEST_GONE) {
		m->guest_gone = true;
		vgfb__cache_invalidate(m->cache);
		log_info(m->ctx, "guest gone: every plane id is now stale");
	} else if (ev->head < VGFB_MAX_HEADS) {
		add_damage(&m->damage[ev->head][plane_index(ev->drm_plane_type)],
			   ev);
	}
	if (m->subscribed & VGFB_EVENT_MASK(ev->type)) {
		vgfb__evq_push(m->events, ev);
		sync_signal(m);
	}
}

static void
take_damage(struct vgfb_local *m, uint32_t head, uint32_t plane_type,
	    struct vgfb_plane_ext *ext)
{
	struct damage *d = &m->damage[head][plane_index(plane_type)];

	ext->flags = d->all ? VGFB_PLANE_EXT_DAMAGE_ALL : 0;
	ext->n_damage = d->all ? 0 : d->n;
	memset(ext->damage, 0, sizeof(ext->damage));
	if (!d->all)
		memcpy(ext->damage, d->rect, d->n * sizeof(d->rect[0]));
	d->all = false;
	d->n = 0;
}

/* ---- the exporter ladder ---- */

static void
release_entry(void *data, struct vgfb_cache_entry *e)
{
	struct vgfb_local *m = data;

	if (e->dmabuf_fd >= 0)
		close(e->dmabuf_fd);
	e->dmabuf_fd = -1;
	if (e->have_backing && m->be->put_backing)
		m->be->put_backing(m->be_priv, &e->backing);
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

static int
build_ladder(struct vgfb_local *m, const char *want)
{
	static const struct vgfb_exporter_ops *const ladder[] = {
		&vgfb__exporter_vgfbko,
		&vgfb__exporter_udmabuf,
	};
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
	if (m->n_dmabuf == 0)
		log_info(m->ctx, "no dma-buf exporter: planes are offered "
			 "as CPU-mappable regions only");
	return try_exporter(m, &vgfb__exporter_region, &m->region);
}

static int
ensure_backing(struct vgfb_local *m, struct vgfb_cache_entry *e)
{
	struct vgfb_plane_desc d = {
		.drm_format = e->key.drm_format,
		.modifier = e->key.modifier,
		.width = e->key.width,
		.height = e->key.height,
		.stride = e->key.stride,
		.gpa = e->key.gpa,
		.buffer_size = e->key.size,
		.n_frames = e->key.n_frames,
		.frames = e->frames,
		.frames_are_grants = e->key.frames_are_grants,
		.frames_are_machine = e->key.frames_are_machine,
		.buffer_serial = e->key.buffer_serial,
	};
	int rc;

	if (e->have_backing)
		return 0;
	rc = m->be->get_backing(m->be_priv, &d, e->key.size, &e->backing);
	if (rc)
		return rc;
	e->have_backing = true;
	return 0;
}

void
vgfb__local_forget_buffer(struct vgfb_local *m, uint64_t buffer_serial)
{
	vgfb__cache_forget_serial(m->cache, buffer_serial);
}

int
vgfb__local_map(struct vgfb_local *m, const struct vgfb_backing *b,
		const void **addr)
{
	if (b->kind == VGFB_BACKING_MEMFD) {
		*addr = b->memfd.addr;
		return 0;
	}
	if (!m->be->map)
		return -ENOTSUP;
	return m->be->map(m->be_priv, b, addr);
}

void
vgfb__local_unmap(struct vgfb_local *m, const struct vgfb_backing *b,
		  const void *addr)
{
	if (b->kind != VGFB_BACKING_MEMFD && m->be->unmap)
		m->be->unmap(m->be_priv, b, addr);
}

/* ---- ctx ops ---- */

static const char *
local_exporter_name(struct vgfb *ctx)
{
	struct vgfb_local *m = local_of(ctx);

	return m->n_dmabuf ? m->dmabuf[0].ops->name : m->region.ops->name;
}

static int
local_head_count(struct vgfb *ctx, uint32_t *count)
{
	struct vgfb_local *m = local_of(ctx);

	if (m->guest_gone)
		return -ENODEV;
	*count = m->be->head_count(m->be_priv);
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
	k->n_frames = d->n_frames;
	k->gpa = d->n_frames ? 0 : d->gpa;
	k->frames_are_grants = d->frames_are_grants;
	k->frames_are_machine = d->frames_are_machine;
	k->buffer_serial = d->buffer_serial;
}

static int
local_query(struct vgfb *ctx, uint32_t head,
	    struct vfio_device_gfx_plane_info *info, struct vgfb_plane_ext *ext)
{
	struct vgfb_local *m = local_of(ctx);
	const uint32_t type = info->drm_plane_type;
	struct vgfb_plane_desc desc = { 0 };
	struct vgfb_plane_geom geom;
	struct vgfb_memmap map = { 0 };
	struct vgfb_cache_key key;
	struct vgfb_cache_entry *e;
	char why[256];
	int rc;

	/* Backends with their own events (xenstore, rings) catch up first. */
	if (m->be->dispatch && !m->guest_gone)
		m->be->dispatch(m->be_priv);
	if (m->guest_gone)
		return -ENODEV;
	if (head >= m->be->head_count(m->be_priv))
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

	rc = m->be->get_plane(m->be_priv, head, type, &desc);
	if (rc == -ENODEV) {
		/* Disabled plane: success with zeroed fields (VFIO rule). */
		if (ext)
			take_damage(m, head, type, ext);
		return 0;
	}
	if (rc)
		return rc;
	rc = m->be->get_memmap(m->be_priv, &map);
	if (rc)
		return rc;
	rc = vgfb__validate_plane(type, &desc, &map, &geom, why, sizeof(why));
	if (rc) {
		log_error(ctx, "head %u %s plane refused: %s", head,
			  type == DRM_PLANE_TYPE_CURSOR ? "cursor" : "primary",
			  why);
		return rc;
	}

	cache_key_of(head, type, &desc, &geom, &key);
	e = vgfb__cache_lookup(m->cache, &key, desc.frames);
	if (!e) {
		rc = vgfb__cache_insert(m->cache, &key, desc.frames, &e);
		if (rc)
			return rc;
		log_debug(ctx, "head %u: new plane id 0x%08x", head, e->id);
	}

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
		take_damage(m, head, type, ext);
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
		for (unsigned int i = 0; i < m->n_dmabuf && !x; i++)
			if (m->dmabuf[i].ops->supports(m->dmabuf[i].priv,
						       e->backing.kind))
				x = &m->dmabuf[i];
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

static int
local_get_region(struct vgfb *ctx, uint32_t id)
{
	struct vgfb_local *m = local_of(ctx);
	struct vgfb_cache_entry *e = vgfb__cache_find_id(m->cache, id);
	int rc;

	if (!e)
		return -ENOENT;
	rc = ensure_backing(m, e);
	if (rc)
		return rc;
	return m->region.ops->export(m->region.priv, &e->backing);
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

	if (m->be->dispatch && !m->guest_gone) {
		rc = m->be->dispatch(m->be_priv);
		if (rc < 0 && rc != -EAGAIN)
			log_error(ctx, "backend event handling failed: %s",
				  strerror(-rc));
	}
	rc = vgfb__evq_pop(m->events, ev);
	sync_signal(m);
	return rc;
}

static void
local_close(struct vgfb *ctx)
{
	struct vgfb_local *m = local_of(ctx);

	if (!m)
		return;
	/*
	 * Drop the cached mappings now, while the backend still has what
	 * they map; free the cache only after the backend's close, which
	 * forgets its buffers in it (xen-vdispl's free_dbuf ->
	 * vgfb__local_forget_buffer): freeing it first was a use after free
	 * (ThreadSanitizer in the xen tier's diagnostic mode, issue #14).
	 */
	if (m->cache)
		vgfb__cache_invalidate(m->cache);
	for (unsigned int i = 0; i < m->n_dmabuf; i++)
		if (m->dmabuf[i].ops->release)
			m->dmabuf[i].ops->release(m->dmabuf[i].priv);
	if (m->region.ops && m->region.ops->release)
		m->region.ops->release(m->region.priv);
	if (m->be_priv)
		m->be->close(m->be_priv);
	vgfb__cache_free(m->cache);
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
};

/* ---- open ---- */

/*
 * Take "exporter=NAME" out of the target's options; everything else goes to
 * the backend untouched, in order (the backend validates it).
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
vgfb__local_open(struct vgfb *ctx, const struct vgfb_backend_ops *be,
		 const char *args)
{
	char exporter[16] = "auto", *rest;
	struct vgfb_local *m;
	int rc, be_fd;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->ctx = ctx;
	m->be = be;
	m->epoll_fd = -1;
	m->signal_fd = -1;
	ctx->priv = m;
	ctx->ops = &local_ops;
	ctx->backend_name = be->name;

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

	rc = be->open(m, rest, &m->be_priv);
	if (rc) {
		m->be_priv = NULL;
		goto out_close;
	}
	if (be->event_fd && (be_fd = be->event_fd(m->be_priv)) >= 0) {
		rc = watch(m->epoll_fd, be_fd);
		if (rc)
			goto out_close;
	}
	for (uint32_t h = 0; h < VGFB_MAX_HEADS; h++)
		for (unsigned int p = 0; p < N_PLANE_KINDS; p++)
			m->damage[h][p].all = true;

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
	return m->be == &vgfb__backend_sim ? m->be_priv : NULL;
}
