/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cache.h"

struct vgfb_cache {
	unsigned int capacity;
	struct vgfb_cache_entry **entries;	/* capacity slots, NULL = free */
	uint32_t key[4];			/* id permutation key */
	uint32_t counter;			/* generation */
	uint64_t clock;				/* LRU */
	vgfb_cache_release_t release;
	void *data;
};

/* Four Feistel rounds over 16-bit halves: a bijection on 32 bits. */
static uint32_t
permute(const struct vgfb_cache *c, uint32_t v)
{
	uint16_t l = v >> 16, r = v & 0xffff;

	for (int i = 0; i < 4; i++) {
		uint16_t f = (uint16_t)(((uint32_t)(r ^ c->key[i]) *
					 0x9e3779b1u) >> 16);
		uint16_t t = r;

		r = l ^ f;
		l = t;
	}
	return (uint32_t)l << 16 | r;
}

static void
seed_key(struct vgfb_cache *c)
{
	if (getrandom(c->key, sizeof(c->key), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(c->key)) {
		/* No entropy yet (early boot): ids stay unique, just guessable. */
		uintptr_t p = (uintptr_t)c;

		c->key[0] = (uint32_t)p;
		c->key[1] = (uint32_t)(p >> 16) ^ 0x5bd1e995u;
		c->key[2] = 0x27d4eb2fu;
		c->key[3] = 0x165667b1u;
	}
}

int
vgfb__cache_new(unsigned int capacity, vgfb_cache_release_t release,
		void *data, struct vgfb_cache **out)
{
	struct vgfb_cache *c;

	if (capacity == 0 || capacity > 256)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->entries = calloc(capacity, sizeof(*c->entries));
	if (!c->entries) {
		free(c);
		return -ENOMEM;
	}
	c->capacity = capacity;
	c->release = release;
	c->data = data;
	seed_key(c);
	*out = c;
	return 0;
}

static void
drop(struct vgfb_cache *c, unsigned int slot)
{
	struct vgfb_cache_entry *e = c->entries[slot];

	if (!e)
		return;
	if (c->release)
		c->release(c->data, e);
	free(e->frames);
	free(e);
	c->entries[slot] = NULL;
}

void
vgfb__cache_invalidate(struct vgfb_cache *c)
{
	for (unsigned int i = 0; i < c->capacity; i++)
		drop(c, i);
}

void
vgfb__cache_forget_serial(struct vgfb_cache *c, uint64_t buffer_serial)
{
	if (buffer_serial == 0)
		return;
	for (unsigned int i = 0; i < c->capacity; i++)
		if (c->entries[i] &&
		    c->entries[i]->key.buffer_serial == buffer_serial)
			drop(c, i);
}

void
vgfb__cache_free(struct vgfb_cache *c)
{
	if (!c)
		return;
	vgfb__cache_invalidate(c);
	free(c->entries);
	free(c);
}

static bool
key_equal(const struct vgfb_cache_entry *e, const struct vgfb_cache_key *k,
	  const uint64_t *frames)
{
	const struct vgfb_cache_key *a = &e->key;

	if (a->head != k->head || a->plane_type != k->plane_type ||
	    a->drm_format != k->drm_format || a->width != k->width ||
	    a->height != k->height || a->stride != k->stride ||
	    a->size != k->size || a->n_frames != k->n_frames ||
	    a->modifier != k->modifier ||
	    a->buffer_kind != k->buffer_kind ||
	    a->buffer_serial != k->buffer_serial)
		return false;
	if (!vgfb__buffer_is_list(k->buffer_kind))
		return a->gpa == k->gpa;
	return memcmp(e->frames, frames, k->n_frames * sizeof(*frames)) == 0;
}

struct vgfb_cache_entry *
vgfb__cache_lookup(struct vgfb_cache *c, const struct vgfb_cache_key *key,
		   const uint64_t *frames)
{
	for (unsigned int i = 0; i < c->capacity; i++) {
		struct vgfb_cache_entry *e = c->entries[i];

		if (e && key_equal(e, key, frames)) {
			e->last_used = ++c->clock;
			return e;
		}
	}
	return NULL;
}

struct vgfb_cache_entry *
vgfb__cache_find_id(struct vgfb_cache *c, uint32_t id)
{
	if (id == 0)
		return NULL;
	for (unsigned int i = 0; i < c->capacity; i++)
		if (c->entries[i] && c->entries[i]->id == id)
			return c->entries[i];
	return NULL;
}

static uint32_t
next_id(struct vgfb_cache *c)
{
	uint32_t id;

	do {
		id = permute(c, ++c->counter);
	} while (id == 0 || vgfb__cache_find_id(c, id));
	return id;
}

static unsigned int
free_slot(struct vgfb_cache *c)
{
	unsigned int victim = 0;

	for (unsigned int i = 0; i < c->capacity; i++) {
		if (!c->entries[i])
			return i;
		if (c->entries[i]->last_used < c->entries[victim]->last_used)
			victim = i;
	}
	drop(c, victim);
	return victim;
}

int
vgfb__cache_insert(struct vgfb_cache *c, const struct vgfb_cache_key *key,
		   const uint64_t *frames, struct vgfb_cache_entry **out)
{
	struct vgfb_cache_entry *e;
	unsigned int slot;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	if (key->n_frames) {
		e->frames = malloc(key->n_frames * sizeof(*frames));
		if (!e->frames) {
			free(e);
			return -ENOMEM;
		}
		memcpy(e->frames, frames, key->n_frames * sizeof(*frames));
	}
	e->key = *key;
	e->dmabuf_fd = -1;
	slot = free_slot(c);
	e->id = next_id(c);
	e->last_used = ++c->clock;
	c->entries[slot] = e;
	*out = e;
	return 0;
}

unsigned int
vgfb__cache_count(const struct vgfb_cache *c)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < c->capacity; i++)
		n += c->entries[i] != NULL;
	return n;
}

void
vgfb__cache_for_each(struct vgfb_cache *c,
		     void (*fn)(struct vgfb_cache_entry *e, void *data),
		     void *data)
{
	for (unsigned int i = 0; i < c->capacity; i++)
		if (c->entries[i])
			fn(c->entries[i], data);
}
