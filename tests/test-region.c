/* SPDX-License-Identifier: MIT */
/*
 * The region view alone (backend/export/region.h): it copies exactly the
 * damage, clipped to the plane, never a byte before or after the source
 * plane (guard pages around it would fault), and hostile rectangles, as
 * a guest may send them, change nothing outside the plane.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "region.h"
#include "test-common.h"

#define PAGE 4096u

/* 100 x 50 pixels of 4 bytes, rows padded to 448 bytes: six pages. */
static const struct vgfb_region_geom geom = {
	.width = 100, .height = 50, .stride = 448, .cpp = 4,
	.size = 6 * PAGE,
};

/* geom.size bytes between two PROT_NONE pages. */
static uint8_t *
guarded_source(void)
{
	uint8_t *p = mmap(NULL, geom.size + 2 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert(p != MAP_FAILED);
	ck_assert_int_eq(mprotect(p, PAGE, PROT_NONE), 0);
	ck_assert_int_eq(mprotect(p + PAGE + geom.size, PAGE, PROT_NONE), 0);
	return p + PAGE;
}

static void
free_source(uint8_t *src)
{
	munmap(src - PAGE, geom.size + 2 * PAGE);
}

/* Bytes of the view that differ from c. */
static uint64_t
count_not(const uint8_t *view, uint8_t c)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < geom.size; i++)
		n += view[i] != c;
	return n;
}

START_TEST(copies_only_the_clipped_damage)
{
	static const struct vgfb_rect hostile[] = {
		{ 99, 49, UINT32_MAX, UINT32_MAX },	/* one pixel inside */
		{ 100, 0, 1, 1 },			/* right of the plane */
		{ 0, 50, 1, 1 },			/* below it */
		{ UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX },
		{ 5, 5, 0, 7 },				/* empty */
	};
	uint8_t *src = guarded_source();
	struct vgfb_region *r;
	const uint8_t *view;
	int fd;

	memset(src, 0x11, geom.size);
	ck_assert_int_eq(vgfb__region_new(&geom, src, &r), 0);
	ck_assert(!vgfb__region_pending(r));
	fd = vgfb__region_fd(r);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_END), geom.size);
	view = test_map(fd, geom.size);
	ck_assert_ptr_nonnull(view);
	ck_assert_uint_eq(count_not(view, 0x11), 0);

	/* nothing pending: nothing copied, even though the source changed */
	memset(src, 0x22, geom.size);
	ck_assert_uint_eq(vgfb__region_sync(r, src), 0);
	ck_assert_uint_eq(count_not(view, 0x11), 0);

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		vgfb__region_damage(r, &hostile[i]);
	ck_assert_uint_eq(vgfb__region_sync(r, src), 4);
	ck_assert_uint_eq(count_not(view, 0x11), 4);
	ck_assert_uint_eq(view[49 * 448 + 99 * 4], 0x22);
	ck_assert_uint_eq(view[49 * 448 + 99 * 4 + 3], 0x22);

	/* a full-width rectangle: rows' pixels, not the stride padding */
	vgfb__region_damage(r, &(struct vgfb_rect){ 0, 10, 100, 2 });
	ck_assert_uint_eq(vgfb__region_sync(r, src), 2 * 400);
	ck_assert_uint_eq(count_not(view, 0x11), 4 + 2 * 400);
	ck_assert_uint_eq(view[10 * 448 + 400], 0x11);

	/* everything: the whole plane, guard pages untouched */
	vgfb__region_damage(r, NULL);
	ck_assert_uint_eq(vgfb__region_sync(r, src), geom.size);
	ck_assert_uint_eq(count_not(view, 0x22), 0);

	munmap((void *)view, geom.size);
	close(fd);
	vgfb__region_free(r);
	free_source(src);
}
END_TEST

START_TEST(too_many_rectangles_become_all)
{
	uint8_t *src = guarded_source();
	struct vgfb_region *r;

	ck_assert_int_eq(vgfb__region_new(&geom, src, &r), 0);
	for (uint32_t i = 0; i <= VGFB_MAX_DAMAGE; i++)
		vgfb__region_damage(r, &(struct vgfb_rect){ i, 0, 1, 1 });
	ck_assert_uint_eq(vgfb__region_sync(r, src), geom.size);
	vgfb__region_free(r);
	vgfb__region_free(NULL);
	free_source(src);
}
END_TEST

START_TEST(inconsistent_geometry_is_refused)
{
	struct vgfb_region_geom g = geom;
	struct vgfb_region *r = NULL;

	g.stride = 399;		/* narrower than a row of pixels */
	ck_assert_int_eq(vgfb__region_new(&g, NULL, &r), -EINVAL);
	g = geom;
	g.size = 448 * 50 - 1;	/* smaller than the rows */
	ck_assert_int_eq(vgfb__region_new(&g, NULL, &r), -EINVAL);
	g = geom;
	g.cpp = 0;
	ck_assert_int_eq(vgfb__region_new(&g, NULL, &r), -EINVAL);
	ck_assert_ptr_null(r);
}
END_TEST

/* A source that cannot be read: an error, and nothing left behind. */
START_TEST(unreadable_source_is_an_error)
{
	uint8_t *src = guarded_source();
	struct vgfb_region *r = NULL;

	/* starts one page before the plane: the guard page */
	ck_assert_int_eq(vgfb__region_new(&geom, src - PAGE, &r), -EFAULT);
	ck_assert_ptr_null(r);
	free_source(src);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("region");
	TCase *tc = tcase_create("view");
	char why[128];

	if (vgfb__region_probe(why, sizeof(why)) != 0) {
		fprintf(stderr, "SKIP: %s\n", why);
		return 77;
	}
	test_add_fd_leak_check(tc);
	tcase_add_test(tc, copies_only_the_clipped_damage);
	tcase_add_test(tc, too_many_rectangles_become_all);
	tcase_add_test(tc, inconsistent_geometry_is_refused);
	tcase_add_test(tc, unreadable_source_is_an_error);
	suite_add_tcase(s, tc);
	return test_run(s);
}
