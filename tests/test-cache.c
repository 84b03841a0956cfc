/* SPDX-License-Identifier: MIT */
/* Plane descriptor -> id: stable, unique, stale after eviction, unguessable. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <drm_fourcc.h>

#include "cache.h"
#include "test-common.h"

static int released;

static void
count_release(void *data, struct vgfb_cache_entry *e)
{
	released++;
}

static struct vgfb_cache_key
key_at(uint64_t gpa)
{
	struct vgfb_cache_key k = {
		.plane_type = 1, .drm_format = DRM_FORMAT_XRGB8888,
		.width = 64, .height = 64, .stride = 256, .size = 16384,
		.buffer_kind = VGFB_BUFFER_GUEST_RANGE, .gpa = gpa,
	};
	return k;
}

START_TEST(same_descriptor_same_id)
{
	struct vgfb_cache *c;
	struct vgfb_cache_entry *a, *b;
	struct vgfb_cache_key k = key_at(0x10000), k2;

	ck_assert_int_eq(vgfb__cache_new(4, count_release, NULL, &c), 0);
	ck_assert_ptr_null(vgfb__cache_lookup(c, &k, NULL));
	ck_assert_int_eq(vgfb__cache_insert(c, &k, NULL, &a), 0);
	ck_assert_uint_ne(a->id, 0);
	ck_assert_ptr_eq(vgfb__cache_lookup(c, &k, NULL), a);
	ck_assert_ptr_eq(vgfb__cache_find_id(c, a->id), a);
	/* Every field of the descriptor matters. */
	k2 = k; k2.stride = 512;
	ck_assert_ptr_null(vgfb__cache_lookup(c, &k2, NULL));
	k2 = k; k2.head = 1;
	ck_assert_ptr_null(vgfb__cache_lookup(c, &k2, NULL));
	k2 = k; k2.modifier = 1;
	ck_assert_ptr_null(vgfb__cache_lookup(c, &k2, NULL));
	k2 = k; k2.drm_format = DRM_FORMAT_ARGB8888;
	ck_assert_ptr_null(vgfb__cache_lookup(c, &k2, NULL));
	ck_assert_int_eq(vgfb__cache_insert(c, &k2, NULL, &b), 0);
	ck_assert_uint_ne(a->id, b->id);
	ck_assert_ptr_null(vgfb__cache_find_id(c, 0));
	vgfb__cache_free(c);
}
END_TEST

START_TEST(frame_lists_compared_exactly)
{
	uint64_t f1[] = { 1, 2, 3, 4 }, f2[] = { 1, 2, 3, 5 };
	struct vgfb_cache_key k = key_at(0);
	struct vgfb_cache_entry *a, *b;
	struct vgfb_cache *c;

	k.buffer_kind = VGFB_BUFFER_GFN_LIST;
	k.gpa = 0;
	k.n_frames = 4;
	ck_assert_int_eq(vgfb__cache_new(4, NULL, NULL, &c), 0);
	ck_assert_int_eq(vgfb__cache_insert(c, &k, f1, &a), 0);
	f1[3] = 4;	/* the cache keeps its own copy */
	ck_assert_ptr_eq(vgfb__cache_lookup(c, &k, f1), a);
	ck_assert_ptr_null(vgfb__cache_lookup(c, &k, f2));
	ck_assert_int_eq(vgfb__cache_insert(c, &k, f2, &b), 0);
	ck_assert_uint_ne(a->id, b->id);
	vgfb__cache_free(c);
}
END_TEST

/*
 * Grant references come back after a vdispl buffer is destroyed: the same
 * list then names another buffer, told apart only by its serial.
 */
START_TEST(reused_frames_new_serial_new_id)
{
	uint64_t refs[] = { 8, 9, 10, 11 };
	struct vgfb_cache_key k = key_at(0);
	struct vgfb_cache_entry *a, *b, *other;
	struct vgfb_cache *c;
	uint32_t a_id;

	k.n_frames = 4;
	k.buffer_kind = VGFB_BUFFER_GRANT_LIST;
	k.buffer_serial = 1;
	released = 0;
	ck_assert_int_eq(vgfb__cache_new(4, count_release, NULL, &c), 0);
	ck_assert_int_eq(vgfb__cache_insert(c, &k, refs, &a), 0);
	a_id = a->id;
	k.buffer_serial = 3;
	ck_assert_int_eq(vgfb__cache_insert(c, &k, refs, &other), 0);
	k.buffer_serial = 2;
	ck_assert_ptr_null(vgfb__cache_lookup(c, &k, refs));
	ck_assert_int_eq(vgfb__cache_insert(c, &k, refs, &b), 0);
	ck_assert_uint_ne(a_id, b->id);
	/* Forgetting buffer 1 drops exactly its entry, and its id is stale. */
	vgfb__cache_forget_serial(c, 1);
	ck_assert_int_eq(released, 1);
	ck_assert_ptr_null(vgfb__cache_find_id(c, a_id));
	ck_assert_ptr_eq(vgfb__cache_find_id(c, b->id), b);
	ck_assert_ptr_eq(vgfb__cache_find_id(c, other->id), other);
	/* Serial 0 means "no serial": never a wildcard. */
	vgfb__cache_forget_serial(c, 0);
	ck_assert_uint_eq(vgfb__cache_count(c), 2);
	vgfb__cache_free(c);
}
END_TEST

START_TEST(lru_eviction_makes_ids_stale)
{
	struct vgfb_cache_entry *e[5];
	struct vgfb_cache *c;
	uint32_t first;

	released = 0;
	ck_assert_int_eq(vgfb__cache_new(4, count_release, NULL, &c), 0);
	for (int i = 0; i < 4; i++) {
		struct vgfb_cache_key k = key_at(0x10000 * (i + 1));

		ck_assert_int_eq(vgfb__cache_insert(c, &k, NULL, &e[i]), 0);
	}
	first = e[0]->id;
	/* Touch entry 0: entry 1 is now the least recently used. */
	struct vgfb_cache_key k0 = key_at(0x10000);
	ck_assert_ptr_eq(vgfb__cache_lookup(c, &k0, NULL), e[0]);
	uint32_t second = e[1]->id;
	struct vgfb_cache_key k5 = key_at(0x90000);
	ck_assert_int_eq(vgfb__cache_insert(c, &k5, NULL, &e[4]), 0);
	ck_assert_int_eq(released, 1);
	ck_assert_ptr_null(vgfb__cache_find_id(c, second));
	ck_assert_ptr_nonnull(vgfb__cache_find_id(c, first));
	ck_assert_uint_eq(vgfb__cache_count(c), 4);
	/* Coming back later gives a new id: the old one stays stale. */
	struct vgfb_cache_key k1 = key_at(0x20000);
	struct vgfb_cache_entry *again;
	ck_assert_int_eq(vgfb__cache_insert(c, &k1, NULL, &again), 0);
	ck_assert_uint_ne(again->id, second);
	vgfb__cache_invalidate(c);
	ck_assert_uint_eq(vgfb__cache_count(c), 0);
	ck_assert_ptr_null(vgfb__cache_find_id(c, first));
	ck_assert_int_eq(released, 6);
	vgfb__cache_free(c);
}
END_TEST

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

START_TEST(ids_unique_nonzero_not_sequential)
{
	enum { N = 2000 };
	uint32_t *ids = calloc(N, sizeof(*ids));
	struct vgfb_cache *c, *c2;
	struct vgfb_cache_entry *e;
	int sequential = 0, same_as_other = 0;

	ck_assert_int_eq(vgfb__cache_new(2, NULL, NULL, &c), 0);
	ck_assert_int_eq(vgfb__cache_new(2, NULL, NULL, &c2), 0);
	for (int i = 0; i < N; i++) {
		struct vgfb_cache_key k = key_at(0x1000ull * (i + 1));

		ck_assert_int_eq(vgfb__cache_insert(c, &k, NULL, &e), 0);
		ids[i] = e->id;
		ck_assert_uint_ne(ids[i], 0);
		ck_assert_int_eq(vgfb__cache_insert(c2, &k, NULL, &e), 0);
		same_as_other += e->id == ids[i];
		if (i && (ids[i] == ids[i - 1] + 1 || ids[i] + 1 == ids[i - 1]))
			sequential++;
	}
	/* Unique: sorted, no two neighbours equal (O(N log N), not N^2
	 * assertions, which took seconds on a loaded machine). */
	qsort(ids, N, sizeof(*ids), cmp_u32);
	for (int i = 1; i < N; i++)
		ck_assert_uint_ne(ids[i - 1], ids[i]);
	/* Another cache (context) draws a different key. */
	ck_assert_int_lt(same_as_other, 5);
	ck_assert_int_lt(sequential, 5);
	free(ids);
	vgfb__cache_free(c);
	vgfb__cache_free(c2);
}
END_TEST

START_TEST(bad_capacity)
{
	struct vgfb_cache *c;

	ck_assert_int_lt(vgfb__cache_new(0, NULL, NULL, &c), 0);
	ck_assert_int_lt(vgfb__cache_new(100000, NULL, NULL, &c), 0);
	vgfb__cache_free(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("cache");

	tcase_add_test(tc, same_descriptor_same_id);
	tcase_add_test(tc, frame_lists_compared_exactly);
	tcase_add_test(tc, reused_frames_new_serial_new_id);
	tcase_add_test(tc, lru_eviction_makes_ids_stale);
	tcase_add_test(tc, ids_unique_nonzero_not_sequential);
	tcase_add_test(tc, bad_capacity);
	suite_add_tcase(s, tc);
	return test_run(s);
}
