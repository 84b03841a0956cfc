/* SPDX-License-Identifier: MIT */
/*
 * The platform and plane-source contracts (backend/core/platform.h), with
 * a fake platform of two sources: the core numbers their heads, maps a
 * consumer's head to (source, local head) and back for events, bounds the
 * heads, closes sources before anything they may still call into, and
 * keeps a region view's CPU mapping of a platform's backing for its life.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <drm_fourcc.h>

#include "platform.h"
#include "private.h"
#include "test-common.h"

#define RAM_BYTES (1u << 20)
#define PLANE_W 64u
#define PLANE_H 32u
#define SERIAL 7u

struct fake_source {
	struct fake_platform *pf;
	struct vgfb_source *handle;
	uint32_t heads;
	uint32_t width;		/* tells the sources' planes apart */
	bool forget_on_close;	/* as vdispl drops its buffers */
};

struct fake_platform {
	struct vgfb_local *m;
	int ram_fd;
	void *ram;
	struct vgfb_mem_range range;
	struct fake_source src[3];
	unsigned int n_src;
	bool too_many_heads;
	/* what the contract promises, observed */
	unsigned int sources_closed;
	bool closing_source;
	unsigned int put_while_closing_source;
	unsigned int put_after_sources_closed;
};

static struct fake_platform *last;	/* the one a test inspects */

static uint32_t
fake_head_count(void *priv)
{
	return ((struct fake_source *)priv)->heads;
}

static int
fake_get_plane(void *priv, uint32_t head, uint32_t plane_type,
	       struct vgfb_plane_desc *d)
{
	struct fake_source *s = priv;

	ck_assert_uint_lt(head, s->heads);	/* always source-local */
	if (plane_type != DRM_PLANE_TYPE_PRIMARY)
		return -ENODEV;
	memset(d, 0, sizeof(*d));
	d->drm_format = DRM_FORMAT_XRGB8888;
	d->width = s->width;
	d->height = PLANE_H;
	d->stride = s->width * 4;
	d->buf.kind = VGFB_BUFFER_GUEST_RANGE;
	d->buf.gpa = 0;
	d->buf.size = RAM_BYTES;
	d->buf.serial = SERIAL;
	d->x_hot = d->y_hot = 0xFFFFFFFFu;
	return 0;
}

static void
fake_source_close(void *priv)
{
	struct fake_source *s = priv;

	s->pf->closing_source = true;
	if (s->forget_on_close)
		vgfb__source_forget_buffer(s->handle, SERIAL);
	s->pf->closing_source = false;
	s->pf->sources_closed++;
}

static const struct vgfb_source_ops fake_source_ops = {
	.name = "fake",
	.head_count = fake_head_count,
	.get_plane = fake_get_plane,
	.close = fake_source_close,
};

static int
fake_open(struct vgfb_local *m, const char *args, void **priv)
{
	struct fake_platform *pf = calloc(1, sizeof(*pf));

	ck_assert_ptr_nonnull(pf);
	pf->m = m;
	pf->too_many_heads = strcmp(args, "too-many-heads") == 0;
	pf->ram_fd = memfd_create("fake-ram", MFD_CLOEXEC);
	ck_assert_int_ge(pf->ram_fd, 0);
	ck_assert_int_eq(ftruncate(pf->ram_fd, RAM_BYTES), 0);
	pf->ram = mmap(NULL, RAM_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		       pf->ram_fd, 0);
	ck_assert_ptr_ne(pf->ram, MAP_FAILED);
	pf->range.size = RAM_BYTES;
	last = pf;
	*priv = pf;
	return 0;
}

static int
add(struct fake_platform *pf, uint32_t heads, uint32_t width, bool forget)
{
	struct fake_source *s = &pf->src[pf->n_src];
	int rc;

	*s = (struct fake_source){ .pf = pf, .heads = heads, .width = width,
				   .forget_on_close = forget };
	rc = vgfb__local_add_source(pf->m, &fake_source_ops, s, &s->handle);
	if (rc == 0)
		pf->n_src++;
	return rc;
}

/* Heads 0-1 from the first source, head 2 from the second. */
static int
fake_add_sources(void *priv)
{
	struct fake_platform *pf = priv;
	int rc;

	rc = add(pf, 2, PLANE_W, false);
	if (rc == 0)
		rc = add(pf, 1, PLANE_W * 2, true);
	if (rc == 0 && pf->too_many_heads)
		rc = add(pf, VGFB_MAX_HEADS - 2, PLANE_W, false);
	return rc;
}

static void
fake_close(void *priv)
{
	struct fake_platform *pf = priv;

	munmap(pf->ram, RAM_BYTES);
	close(pf->ram_fd);
	free(pf);
}

static int
fake_get_memmap(void *priv, struct vgfb_memmap *map)
{
	struct fake_platform *pf = priv;

	map->ranges = &pf->range;
	map->n_ranges = 1;
	return 0;
}

static int
fake_get_backing(void *priv, const struct vgfb_buffer *buf, uint64_t size,
		 struct vgfb_backing *out)
{
	struct fake_platform *pf = priv;

	ck_assert_int_eq(buf->kind, VGFB_BUFFER_GUEST_RANGE);
	ck_assert_uint_eq(buf->serial, SERIAL);
	memset(out, 0, sizeof(*out));
	out->kind = VGFB_BACKING_MEMFD;
	out->size = size;
	out->memfd.fd = pf->ram_fd;
	out->memfd.addr = pf->ram;
	return 0;
}

static void
fake_put_backing(void *priv, struct vgfb_backing *b)
{
	struct fake_platform *pf = priv;

	if (pf->closing_source)
		pf->put_while_closing_source++;
	else if (pf->sources_closed)
		pf->put_after_sources_closed++;
}

static const struct vgfb_platform_ops fake_platform = {
	.name = "fake",
	.open = fake_open,
	.add_sources = fake_add_sources,
	.close = fake_close,
	.get_memmap = fake_get_memmap,
	.get_backing = fake_get_backing,
	.put_backing = fake_put_backing,
};

static struct vgfb *
open_fake(const char *args, int *rc)
{
	struct vgfb *ctx;

	ck_assert_int_eq(vgfb__ctx_new(NULL, &ctx), 0);
	vgfb_set_log_priority(ctx, VGFB_LOG_ERROR);
	*rc = vgfb__local_open(ctx, &fake_platform, args);
	return ctx;
}

START_TEST(heads_numbered_across_sources)
{
	struct vfio_device_gfx_plane_info info;
	uint32_t count = 0;
	int rc;
	struct vgfb *ctx = open_fake("exporter=region", &rc);

	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(vgfb_get_head_count(ctx, &count), 0);
	ck_assert_uint_eq(count, 3);
	for (uint32_t h = 0; h < 3; h++) {
		ck_assert_int_eq(vgfb_set_head(ctx, h), 0);
		ck_assert_int_eq(test_query(ctx, VFIO_GFX_PLANE_TYPE_REGION,
					    DRM_PLANE_TYPE_PRIMARY, &info, NULL), 0);
		/* head 2 is the second source's head 0 */
		ck_assert_uint_eq(info.width, h < 2 ? PLANE_W : PLANE_W * 2);
	}
	ck_assert_int_eq(vgfb_set_head(ctx, 3), -EINVAL);
	vgfb_close(ctx);
}
END_TEST

START_TEST(events_carry_consumer_heads)
{
	const struct vgfb_rect r = { .x = 1, .y = 2, .width = 3, .height = 4 };
	struct vfio_device_gfx_plane_info info;
	struct vgfb_plane_ext ext;
	struct vgfb_event ev;
	int rc;
	struct vgfb *ctx = open_fake("exporter=region", &rc);
	struct vgfb_source *second;

	ck_assert_int_eq(rc, 0);
	second = last->src[1].handle;
	ck_assert_int_eq(vgfb_subscribe(ctx, VGFB_EVENT_MASK_ALL), 0);
	ck_assert_int_eq(vgfb_set_head(ctx, 2), 0);
	/* a first extended query takes the "everything" of a new context */
	ck_assert_int_eq(test_query(ctx, VFIO_GFX_PLANE_TYPE_REGION,
				    DRM_PLANE_TYPE_PRIMARY, &info, &ext), 0);
	ck_assert_uint_eq(ext.flags & VGFB_PLANE_EXT_DAMAGE_ALL,
			  VGFB_PLANE_EXT_DAMAGE_ALL);

	vgfb__source_emit(second, &(struct vgfb_event){
		.type = VGFB_EVENT_DAMAGE, .head = 0,
		.drm_plane_type = DRM_PLANE_TYPE_PRIMARY, .rect = r });
	/* a head the source does not have is dropped, not misnumbered */
	vgfb__source_emit(second, &(struct vgfb_event){
		.type = VGFB_EVENT_DAMAGE, .head = 1,
		.drm_plane_type = DRM_PLANE_TYPE_PRIMARY, .rect = r });
	ck_assert_int_eq(vgfb_read_event(ctx, &ev), 0);
	ck_assert_uint_eq(ev.type, VGFB_EVENT_DAMAGE);
	ck_assert_uint_eq(ev.head, 2);
	ck_assert_int_eq(vgfb_read_event(ctx, &ev), -EAGAIN);

	ck_assert_int_eq(test_query(ctx, VFIO_GFX_PLANE_TYPE_REGION,
				    DRM_PLANE_TYPE_PRIMARY, &info, &ext), 0);
	ck_assert_uint_eq(ext.head, 2);
	ck_assert_uint_eq(ext.flags & VGFB_PLANE_EXT_DAMAGE_ALL, 0);
	ck_assert_uint_eq(ext.n_damage, 1);
	ck_assert_mem_eq(&ext.damage[0], &r, sizeof(r));
	/* heads 0 and 1 saw none of it */
	ck_assert_int_eq(vgfb_set_head(ctx, 1), 0);
	ck_assert_int_eq(test_query(ctx, VFIO_GFX_PLANE_TYPE_REGION,
				    DRM_PLANE_TYPE_PRIMARY, &info, &ext), 0);
	ck_assert_uint_eq(ext.n_damage, 0);
	vgfb_close(ctx);
}
END_TEST

/*
 * A source that drops its buffers while it is closed (vdispl does) must
 * find the cache alive: the core closes sources first, and the backing of
 * the forgotten buffer is released right then, not after.  Counters that
 * outlive the platform:
 */
static unsigned int seen_put_while_closing;

static void
count_close(void *priv)
{
	struct fake_platform *pf = priv;

	seen_put_while_closing = pf->put_while_closing_source;
	ck_assert_uint_eq(pf->put_after_sources_closed, 0);
	ck_assert_uint_eq(pf->sources_closed, pf->n_src);
	fake_close(priv);
}

START_TEST(source_forget_on_close_releases_backing)
{
	struct vgfb_platform_ops ops = fake_platform;
	struct vfio_device_gfx_plane_info info;
	struct vgfb *ctx;
	int fd;

	ops.close = count_close;
	seen_put_while_closing = 0;
	ck_assert_int_eq(vgfb__ctx_new(NULL, &ctx), 0);
	ck_assert_int_eq(vgfb__local_open(ctx, &ops, "exporter=region"), 0);
	ck_assert_int_eq(vgfb_set_head(ctx, 2), 0);
	ck_assert_int_eq(test_query(ctx, VFIO_GFX_PLANE_TYPE_REGION,
				    DRM_PLANE_TYPE_PRIMARY, &info, NULL), 0);
	fd = vgfb_get_region_fd(ctx, info.dmabuf_id);
	ck_assert_int_ge(fd, 0);
	close(fd);
	vgfb_close(ctx);
	ck_assert_uint_eq(seen_put_while_closing, 1);
}
END_TEST

/*
 * A region view over a backing the platform maps for the CPU (the Xen
 * kinds): one mapping per view, made on the first GET and held while the
 * view lives, let go before the backing; a source's damage rectangle
 * reaches the view clipped to the plane.  Counters that outlive the
 * platform:
 */
static struct {
	unsigned int maps, unmaps, puts, unmapped_before_put;
	const void *addr;
} mapped;

static int
mapped_get_backing(void *priv, const struct vgfb_buffer *buf, uint64_t size,
		   struct vgfb_backing *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = VGFB_BACKING_XEN_GFNS;
	out->size = size;
	return 0;
}

static void
mapped_put_backing(void *priv, struct vgfb_backing *b)
{
	mapped.puts++;
	mapped.unmapped_before_put = mapped.unmaps;
}

static int
mapped_map(void *priv, const struct vgfb_backing *b, const void **addr)
{
	struct fake_platform *pf = priv;

	ck_assert_int_eq(b->kind, VGFB_BACKING_XEN_GFNS);
	mapped.maps++;
	*addr = mapped.addr = pf->ram;
	return 0;
}

static void
mapped_unmap(void *priv, const struct vgfb_backing *b, const void *addr)
{
	ck_assert_ptr_eq(addr, mapped.addr);
	mapped.unmaps++;
}

START_TEST(region_view_holds_one_mapping)
{
	/* one pixel inside the plane, the rest far outside it */
	const struct vgfb_rect hostile = {
		.x = PLANE_W - 1, .y = PLANE_H - 1,
		.width = UINT32_MAX, .height = UINT32_MAX,
	};
	const size_t last_px = (PLANE_H - 1) * PLANE_W * 4 + (PLANE_W - 1) * 4;
	struct vgfb_platform_ops ops = fake_platform;
	struct vfio_device_gfx_plane_info info;
	struct vgfb_event ev;
	const uint8_t *view;
	uint64_t copied;
	struct vgfb *ctx;
	int fd1, fd2;

	ops.get_backing = mapped_get_backing;
	ops.put_backing = mapped_put_backing;
	ops.map = mapped_map;
	ops.unmap = mapped_unmap;
	memset(&mapped, 0, sizeof(mapped));
	ck_assert_int_eq(vgfb__ctx_new(NULL, &ctx), 0);
	ck_assert_int_eq(vgfb__local_open(ctx, &ops, "exporter=region"), 0);
	ck_assert_int_eq(vgfb_subscribe(ctx, VGFB_EVENT_MASK_ALL), 0);
	ck_assert_int_eq(test_query(ctx, VFIO_GFX_PLANE_TYPE_REGION,
				    DRM_PLANE_TYPE_PRIMARY, &info, NULL), 0);
	fd1 = vgfb_get_region_fd(ctx, info.region_index);
	fd2 = vgfb_get_region_fd(ctx, info.region_index);
	ck_assert_int_ge(fd1, 0);
	ck_assert_int_ge(fd2, 0);
	ck_assert_uint_eq(mapped.maps, 1);
	ck_assert_uint_eq(mapped.unmaps, 0);
	view = test_map(fd1, info.size);
	ck_assert_ptr_nonnull(view);
	ck_assert_uint_eq(view[last_px], 0);

	memset(last->ram, 0x5a, info.size);
	copied = vgfb__local_region_bytes_copied(ctx);
	vgfb__source_emit(last->src[0].handle, &(struct vgfb_event){
		.type = VGFB_EVENT_DAMAGE, .head = 0,
		.drm_plane_type = DRM_PLANE_TYPE_PRIMARY, .rect = hostile });
	ck_assert_int_eq(vgfb_read_event(ctx, &ev), 0);
	ck_assert_uint_eq(vgfb__local_region_bytes_copied(ctx) - copied, 4);
	ck_assert_uint_eq(view[last_px], 0x5a);
	ck_assert_uint_eq(view[last_px + 3], 0x5a);
	ck_assert_uint_eq(view[last_px - 1], 0);

	munmap((void *)view, info.size);
	close(fd1);
	close(fd2);
	vgfb_close(ctx);
	ck_assert_uint_eq(mapped.unmaps, 1);
	ck_assert_uint_eq(mapped.puts, 1);
	ck_assert_uint_eq(mapped.unmapped_before_put, 1);
}
END_TEST

START_TEST(too_many_heads_refused_and_unwound)
{
	struct vgfb_platform_ops ops = fake_platform;
	struct vgfb *ctx;

	ops.close = count_close;	/* checks every source was closed */
	ck_assert_int_eq(vgfb__ctx_new(NULL, &ctx), 0);
	ck_assert_int_eq(vgfb__local_open(ctx, &ops, "too-many-heads"), -E2BIG);
	free(ctx);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("platform");
	TCase *tc = tcase_create("contracts");

	test_add_fd_leak_check(tc);
	tcase_add_test(tc, heads_numbered_across_sources);
	tcase_add_test(tc, events_carry_consumer_heads);
	tcase_add_test(tc, source_forget_on_close_releases_backing);
	tcase_add_test(tc, region_view_holds_one_mapping);
	tcase_add_test(tc, too_many_heads_refused_and_unwound);
	suite_add_tcase(s, tc);
	return test_run(s);
}
