/* SPDX-License-Identifier: MIT */
/*
 * Plane descriptor -> exported object, under a generation-tagged id.
 *
 * The key is everything that decides which bytes a consumer sees: head,
 * plane type, format, modifier, width, height, stride, size and where the
 * buffer lives (guest address or the exact frame/grant list).  Cursor
 * position and hotspot are not part of it: a moving cursor keeps its id, so
 * a consumer does not re-import its image on every mouse move.
 *
 * Ids are a keyed 32-bit permutation of a per-cache counter: unique until
 * 2^32 entries were made, never 0, and not guessable from another id without
 * the per-cache random key.  An id whose entry was evicted or invalidated
 * is stale forever (the counter never goes back).
 */
#ifndef VGFB_CACHE_H
#define VGFB_CACHE_H

#include "platform.h"

struct vgfb_region;

struct vgfb_cache_key {
	uint32_t head;
	uint32_t plane_type;
	uint32_t drm_format;
	uint32_t width;
	uint32_t height;
	uint32_t stride;
	uint32_t size;
	uint32_t n_frames;	/* list kinds: frames[] entries, else 0 */
	uint64_t modifier;
	uint32_t buffer_kind;	/* enum vgfb_buffer_kind */
	uint64_t gpa;		/* GUEST_RANGE: base, else 0 */
	uint64_t buffer_serial;
};

struct vgfb_cache_entry {
	struct vgfb_cache_key key;
	uint64_t *frames;	/* own copy of the frame list, n_frames long */
	uint32_t id;
	uint64_t last_used;
	/* Owned by the mediator, released through the cache's callback: */
	int dmabuf_fd;		/* -1 until first exported */
	bool have_backing;
	struct vgfb_backing backing;
	struct vgfb_region *region;	/* NULL until the first region GET */
	const void *region_src;		/* CPU mapping of backing, with region */
	bool refusal_logged;		/* a DMABUF query's refusal, once */
};

typedef void (*vgfb_cache_release_t)(void *data, struct vgfb_cache_entry *e);

struct vgfb_cache;

int vgfb__cache_new(unsigned int capacity, vgfb_cache_release_t release,
		    void *data, struct vgfb_cache **out);
void vgfb__cache_free(struct vgfb_cache *c);

/* Same buffer as before?  Returns the entry (marked used) or NULL. */
struct vgfb_cache_entry *vgfb__cache_lookup(struct vgfb_cache *c,
					    const struct vgfb_cache_key *key,
					    const uint64_t *frames);

/* A new entry with a fresh id, evicting the least recently used if full. */
int vgfb__cache_insert(struct vgfb_cache *c, const struct vgfb_cache_key *key,
		       const uint64_t *frames, struct vgfb_cache_entry **out);

/* The live entry with this id, or NULL (unknown or stale). */
struct vgfb_cache_entry *vgfb__cache_find_id(struct vgfb_cache *c,
					     uint32_t id);

/* Drop every entry (guest reset or death): all ids become stale. */
void vgfb__cache_invalidate(struct vgfb_cache *c);

/* Drop the entries of one source buffer (buffer_serial != 0). */
void vgfb__cache_forget_serial(struct vgfb_cache *c, uint64_t buffer_serial);

unsigned int vgfb__cache_count(const struct vgfb_cache *c);

/* Call fn for every live entry; fn must not insert or drop entries. */
void vgfb__cache_for_each(struct vgfb_cache *c,
			  void (*fn)(struct vgfb_cache_entry *e, void *data),
			  void *data);

#endif
