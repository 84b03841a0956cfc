/* SPDX-License-Identifier: MIT */
/*
 * The embedded simulated guest ("sim" targets): hypervisor backend and plane
 * source in one.  See sim.h for the guest's shape and docs/test-pattern.md
 * for what it draws.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <drm_fourcc.h>

#include "format.h"
#include "pattern.h"
#include "sim.h"

#define SIM_MAX_HEADS 4
#define SIM_MAX_RAM_MIB 4096u
#define SIM_STRIDE_ALIGN 64u

struct sim_head {
	struct vgfb_sim_plane_regs primary;
	struct vgfb_sim_plane_regs cursor;
	uint64_t fb_offset[2];	/* memfd offsets of the two buffers */
	uint64_t fb_bytes;	/* 0: no buffers allocated */
	unsigned int front;
	uint64_t cursor_offset;
	uint64_t frame_seq;
};

struct sim_input {
	uint32_t head;
	struct vgfb_input_event ev;
};

struct vgfb_sim {
	struct vgfb_local *m;
	struct vgfb_source *src;	/* the sim is its own one source */
	int ram_fd;
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t n_pages;
	uint8_t *page_used;	/* one byte a page: simple and small */
	struct vgfb_mem_range ranges[2];
	uint32_t n_heads;
	struct sim_head heads[SIM_MAX_HEADS];
	bool gone;
	/* the input device: a ring of the latest events received */
	bool has_input;
	struct sim_input *input;	/* VGFB_SIM_INPUT_QUEUE entries */
	unsigned int input_first, input_len;
	uint64_t input_dropped;
};

struct sim_options {
	uint32_t width, height, format, heads, ram_mib;
	bool cursor;
	bool input;
};

/* ---- guest physical <-> memfd offset ---- */

static uint64_t
half(const struct vgfb_sim *sim)
{
	return sim->ram_size / 2;
}

static uint64_t
offset_to_gpa(const struct vgfb_sim *sim, uint64_t offset)
{
	return offset < half(sim) ? offset
				  : VGFB_SIM_HIGH_BASE + (offset - half(sim));
}

/* -EINVAL unless [gpa, gpa + size) lies in one RAM half. */
static int
gpa_to_offset(const struct vgfb_sim *sim, uint64_t gpa, uint64_t size,
	      uint64_t *offset)
{
	uint64_t h = half(sim);

	if (gpa <= h && size <= h - gpa) {
		*offset = gpa;
		return 0;
	}
	if (gpa >= VGFB_SIM_HIGH_BASE && gpa - VGFB_SIM_HIGH_BASE <= h &&
	    size <= h - (gpa - VGFB_SIM_HIGH_BASE)) {
		*offset = h + (gpa - VGFB_SIM_HIGH_BASE);
		return 0;
	}
	return -EINVAL;
}

void *
vgfb__sim_gpa_to_host(struct vgfb_sim *sim, uint64_t gpa, uint64_t size)
{
	uint64_t off;

	if (sim->gone || gpa_to_offset(sim, gpa, size, &off))
		return NULL;
	return sim->ram + off;
}

/* ---- the guest driver's page allocator (first fit, within one half) ---- */

static int
alloc_pages(struct vgfb_sim *sim, uint64_t bytes, uint64_t *offset)
{
	uint64_t need = (bytes + VGFB_PAGE_SIZE - 1) / VGFB_PAGE_SIZE;
	uint64_t half_pages = sim->n_pages / 2;

	for (int h = 1; h >= 0; h--) {	/* high half first, like a PC BIOS */
		uint64_t start = h ? half_pages : 0;
		uint64_t end = h ? sim->n_pages : half_pages;
		uint64_t run = 0;

		for (uint64_t p = start; p < end; p++) {
			run = sim->page_used[p] ? 0 : run + 1;
			if (run == need) {
				uint64_t first = p + 1 - need;

				memset(sim->page_used + first, 1, need);
				*offset = first * VGFB_PAGE_SIZE;
				return 0;
			}
		}
	}
	return -ENOSPC;
}

static void
free_pages(struct vgfb_sim *sim, uint64_t offset, uint64_t bytes)
{
	uint64_t n = (bytes + VGFB_PAGE_SIZE - 1) / VGFB_PAGE_SIZE;

	memset(sim->page_used + offset / VGFB_PAGE_SIZE, 0, n);
}

/* ---- events ---- */

static void
emit(struct vgfb_sim *sim, uint32_t type, uint32_t head, uint32_t plane,
     const struct vgfb_rect *rect)
{
	struct vgfb_event ev = {
		.type = type,
		.head = head,
		.drm_plane_type = plane,
		.frame_seq = head < sim->n_heads ? sim->heads[head].frame_seq : 0,
	};

	if (rect)
		ev.rect = *rect;
	if (sim->src)		/* not before it is registered */
		vgfb__source_emit(sim->src, &ev);
}

/* ---- the display ---- */

static void
point_primary(struct vgfb_sim *sim, struct sim_head *h)
{
	uint64_t off = h->fb_offset[h->front];

	h->primary.base = offset_to_gpa(sim, off);
	h->primary.buffer_size = h->fb_bytes;
}

static int
check_head(struct vgfb_sim *sim, uint32_t head)
{
	if (sim->gone)
		return -ENODEV;
	return head < sim->n_heads ? 0 : -EINVAL;
}

/* The head, when its primary plane shows a buffer (-ENODEV when off). */
static int
showing_head(struct vgfb_sim *sim, uint32_t head, struct sim_head **out)
{
	int rc = check_head(sim, head);

	if (rc)
		return rc;
	*out = &sim->heads[head];
	return (*out)->primary.enable && (*out)->fb_bytes ? 0 : -ENODEV;
}

int
vgfb__sim_set_mode(struct vgfb_sim *sim, uint32_t head, uint32_t width,
		   uint32_t height, uint32_t drm_format)
{
	unsigned int cpp = vgfb_format_cpp(drm_format);
	struct sim_head *h;
	uint64_t stride, bytes;
	int rc;

	rc = check_head(sim, head);
	if (rc)
		return rc;
	h = &sim->heads[head];
	if (width && (!cpp || height == 0 || width > 8192 || height > 8192))
		return -EINVAL;

	if (h->fb_bytes) {
		free_pages(sim, h->fb_offset[0], h->fb_bytes);
		free_pages(sim, h->fb_offset[1], h->fb_bytes);
		h->fb_bytes = 0;
	}
	memset(&h->primary, 0, sizeof(h->primary));
	if (width == 0) {
		emit(sim, VGFB_EVENT_PLANE_DISABLED, head,
		     DRM_PLANE_TYPE_PRIMARY, NULL);
		return 0;
	}

	stride = ((uint64_t)width * cpp + SIM_STRIDE_ALIGN - 1) &
		 ~(uint64_t)(SIM_STRIDE_ALIGN - 1);
	bytes = (stride * height + VGFB_PAGE_SIZE - 1) &
		~(uint64_t)(VGFB_PAGE_SIZE - 1);
	rc = alloc_pages(sim, bytes, &h->fb_offset[0]);
	if (rc == 0) {
		rc = alloc_pages(sim, bytes, &h->fb_offset[1]);
		if (rc)
			free_pages(sim, h->fb_offset[0], bytes);
	}
	if (rc) {
		emit(sim, VGFB_EVENT_PLANE_DISABLED, head,
		     DRM_PLANE_TYPE_PRIMARY, NULL);
		return rc;
	}
	h->fb_bytes = bytes;
	h->front = 0;
	h->frame_seq++;
	vgfb_pattern_draw(sim->ram + h->fb_offset[0], drm_format, width,
			  height, (uint32_t)stride, h->frame_seq, NULL);

	h->primary.enable = 1;
	h->primary.drm_format = drm_format;
	h->primary.modifier = DRM_FORMAT_MOD_LINEAR;
	h->primary.width = width;
	h->primary.height = height;
	h->primary.stride = (uint32_t)stride;
	h->primary.x_hot = h->primary.y_hot = 0xFFFFFFFFu;
	point_primary(sim, h);
	emit(sim, VGFB_EVENT_PLANE_CHANGED, head, DRM_PLANE_TYPE_PRIMARY, NULL);
	return 0;
}

int
vgfb__sim_flip(struct vgfb_sim *sim, uint32_t head)
{
	struct sim_head *h;
	int rc;

	rc = showing_head(sim, head, &h);
	if (rc)
		return rc;
	h->frame_seq++;
	vgfb_pattern_draw(sim->ram + h->fb_offset[!h->front],
			  h->primary.drm_format, h->primary.width,
			  h->primary.height, h->primary.stride, h->frame_seq,
			  NULL);
	h->front = !h->front;
	point_primary(sim, h);
	emit(sim, VGFB_EVENT_FLIP, head, DRM_PLANE_TYPE_PRIMARY, NULL);
	return 0;
}

int
vgfb__sim_update(struct vgfb_sim *sim, uint32_t head,
		 const struct vgfb_rect *rect)
{
	struct vgfb_rect r;
	struct sim_head *h;
	int rc;

	rc = showing_head(sim, head, &h);
	if (rc)
		return rc;
	if (rect->x >= h->primary.width || rect->y >= h->primary.height ||
	    rect->width == 0 || rect->height == 0)
		return -EINVAL;
	r = *rect;
	if (r.width > h->primary.width - r.x)
		r.width = h->primary.width - r.x;
	if (r.height > h->primary.height - r.y)
		r.height = h->primary.height - r.y;
	h->frame_seq++;
	vgfb_pattern_draw(sim->ram + h->fb_offset[h->front],
			  h->primary.drm_format, h->primary.width,
			  h->primary.height, h->primary.stride, h->frame_seq,
			  &r);
	emit(sim, VGFB_EVENT_DAMAGE, head, DRM_PLANE_TYPE_PRIMARY, &r);
	return 0;
}

int
vgfb__sim_set_cursor(struct vgfb_sim *sim, uint32_t head, bool visible,
		     uint32_t x, uint32_t y)
{
	struct sim_head *h;
	int rc;

	rc = check_head(sim, head);
	if (rc)
		return rc;
	h = &sim->heads[head];
	if (!h->cursor_offset)
		return -ENODEV;		/* started with cursor=off */
	h->cursor.enable = visible;
	h->cursor.x_pos = x;
	h->cursor.y_pos = y;
	emit(sim, visible ? VGFB_EVENT_PLANE_CHANGED
			  : VGFB_EVENT_PLANE_DISABLED,
	     head, DRM_PLANE_TYPE_CURSOR, NULL);
	return 0;
}

int
vgfb__sim_destroy_guest(struct vgfb_sim *sim)
{
	if (sim->gone)
		return -ENODEV;
	/* Consumers first: the mediator drops every id before RAM goes. */
	vgfb__local_guest_gone(sim->m);
	sim->gone = true;
	munmap(sim->ram, sim->ram_size);
	sim->ram = NULL;
	close(sim->ram_fd);
	sim->ram_fd = -1;
	return 0;
}

/* ---- the input device ---- */

static void
record_input(struct vgfb_sim *sim, uint32_t head,
	     const struct vgfb_input_event *ev)
{
	unsigned int slot;

	if (sim->input_len == VGFB_SIM_INPUT_QUEUE) {
		/* a consumer that sends and nobody reads: keep the latest */
		sim->input_first = (sim->input_first + 1) % VGFB_SIM_INPUT_QUEUE;
		sim->input_len--;
		sim->input_dropped++;
	}
	slot = (sim->input_first + sim->input_len) % VGFB_SIM_INPUT_QUEUE;
	sim->input[slot].head = head;
	sim->input[slot].ev = *ev;
	sim->input_len++;
}

int
vgfb__sim_read_input(struct vgfb_sim *sim, uint32_t *head,
		     struct vgfb_input_event *ev)
{
	const struct sim_input *in;

	if (!sim->has_input)
		return -ENOTSUP;
	if (!sim->input_len)
		return -EAGAIN;
	in = &sim->input[sim->input_first];
	*head = in->head;
	*ev = in->ev;
	sim->input_first = (sim->input_first + 1) % VGFB_SIM_INPUT_QUEUE;
	sim->input_len--;
	return 0;
}

uint64_t
vgfb__sim_input_dropped(struct vgfb_sim *sim)
{
	return sim->input_dropped;
}

/* The source's send_input: events were checked by the core (input.h). */
static int
sim_send_input(void *priv, uint32_t head, const struct vgfb_input_event *ev,
	       uint32_t n)
{
	struct vgfb_sim *sim = priv;
	int rc = check_head(sim, head);

	if (rc)
		return rc;
	for (uint32_t i = 0; i < n; i++)
		record_input(sim, head, &ev[i]);
	return 0;
}

static struct vgfb_sim_plane_regs *
regs_of(struct vgfb_sim *sim, uint32_t head, uint32_t plane_type)
{
	if (head >= sim->n_heads)
		return NULL;
	if (plane_type == DRM_PLANE_TYPE_PRIMARY)
		return &sim->heads[head].primary;
	if (plane_type == DRM_PLANE_TYPE_CURSOR)
		return &sim->heads[head].cursor;
	return NULL;
}

int
vgfb__sim_read_regs(struct vgfb_sim *sim, uint32_t head, uint32_t plane_type,
		    struct vgfb_sim_plane_regs *regs)
{
	struct vgfb_sim_plane_regs *r = regs_of(sim, head, plane_type);

	if (!r)
		return -EINVAL;
	*regs = *r;
	return 0;
}

int
vgfb__sim_write_regs(struct vgfb_sim *sim, uint32_t head, uint32_t plane_type,
		     const struct vgfb_sim_plane_regs *regs)
{
	struct vgfb_sim_plane_regs *r = regs_of(sim, head, plane_type);

	if (!r || sim->gone)
		return -EINVAL;
	*r = *regs;
	emit(sim, VGFB_EVENT_PLANE_CHANGED, head, plane_type, NULL);
	return 0;
}

/* ---- backend ops ---- */

static uint32_t
sim_head_count(void *priv)
{
	struct vgfb_sim *sim = priv;

	return sim->n_heads;
}

static int
sim_get_plane(void *priv, uint32_t head, uint32_t plane_type,
	      struct vgfb_plane_desc *desc)
{
	struct vgfb_sim *sim = priv;
	const struct vgfb_sim_plane_regs *r = regs_of(sim, head, plane_type);

	if (!r)
		return -EINVAL;
	if (sim->gone || !r->enable)
		return -ENODEV;
	memset(desc, 0, sizeof(*desc));
	desc->drm_format = r->drm_format;
	desc->modifier = r->modifier;
	desc->width = r->width;
	desc->height = r->height;
	desc->stride = r->stride;
	desc->buf.kind = VGFB_BUFFER_GUEST_RANGE;
	desc->buf.gpa = r->base;
	desc->buf.size = r->buffer_size;
	desc->x_pos = r->x_pos;
	desc->y_pos = r->y_pos;
	desc->x_hot = r->x_hot;
	desc->y_hot = r->y_hot;
	desc->frame_seq = sim->heads[head].frame_seq;
	return 0;
}

static int
sim_get_memmap(void *priv, struct vgfb_memmap *map)
{
	struct vgfb_sim *sim = priv;

	map->ranges = sim->ranges;
	map->n_ranges = 2;
	return 0;
}

static int
sim_get_backing(void *priv, const struct vgfb_buffer *buf, uint64_t size,
		struct vgfb_backing *out)
{
	struct vgfb_sim *sim = priv;
	uint64_t off;

	if (sim->gone)
		return -ENODEV;
	if (buf->kind != VGFB_BUFFER_GUEST_RANGE)
		return -EINVAL;	/* the sim's planes are contiguous */
	if (gpa_to_offset(sim, buf->gpa, size, &off))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->kind = VGFB_BACKING_MEMFD;
	out->size = size;
	out->memfd.fd = sim->ram_fd;
	out->memfd.offset = off;
	out->memfd.addr = sim->ram + off;
	return 0;
}

static int
parse_mode(const char *v, uint32_t *w, uint32_t *h)
{
	char *end;
	unsigned long a, b;

	errno = 0;
	a = strtoul(v, &end, 10);
	if (errno || end == v || *end != 'x')
		return -EINVAL;
	b = strtoul(end + 1, &end, 10);
	if (errno || *end || a == 0 || b == 0 || a > 8192 || b > 8192)
		return -EINVAL;
	*w = (uint32_t)a;
	*h = (uint32_t)b;
	return 0;
}

static int
parse_uint(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max || v[0] == '-')
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

static int
sim_option(void *data, const char *key, const char *value)
{
	struct sim_options *o = data;

	if (strcmp(key, "mode") == 0)
		return parse_mode(value, &o->width, &o->height);
	if (strcmp(key, "format") == 0) {
		o->format = vgfb_format_from_name(value);
		return o->format ? 0 : -EINVAL;
	}
	if (strcmp(key, "heads") == 0)
		return parse_uint(value, 1, SIM_MAX_HEADS, &o->heads);
	if (strcmp(key, "ram") == 0)
		return parse_uint(value, 1, SIM_MAX_RAM_MIB, &o->ram_mib);
	if (strcmp(key, "cursor") == 0) {
		if (strcmp(value, "on") && strcmp(value, "off"))
			return -EINVAL;
		o->cursor = strcmp(value, "on") == 0;
		return 0;
	}
	if (strcmp(key, "input") == 0) {
		if (strcmp(value, "on") && strcmp(value, "off"))
			return -EINVAL;
		o->input = strcmp(value, "on") == 0;
		return 0;
	}
	return -EINVAL;
}

static void sim_close(void *priv);

static int
make_ram(struct vgfb_sim *sim)
{
	const unsigned int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

	sim->ram_fd = memfd_create("vgfb-sim-guest-ram",
				   MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (sim->ram_fd < 0)
		return -errno;
	if (ftruncate(sim->ram_fd, (off_t)sim->ram_size) < 0 ||
	    fcntl(sim->ram_fd, F_ADD_SEALS, seals) < 0)
		return -errno;
	sim->ram = mmap(NULL, sim->ram_size, PROT_READ | PROT_WRITE,
			MAP_SHARED, sim->ram_fd, 0);
	if (sim->ram == MAP_FAILED) {
		sim->ram = NULL;
		return -errno;
	}
	return 0;
}

static int
setup_cursor(struct vgfb_sim *sim, struct sim_head *h)
{
	const uint32_t stride = VGFB_CURSOR_SIZE * 4;
	const uint64_t bytes = (uint64_t)stride * VGFB_CURSOR_SIZE;
	int rc;

	rc = alloc_pages(sim, bytes, &h->cursor_offset);
	if (rc)
		return rc;
	vgfb_cursor_draw(sim->ram + h->cursor_offset, stride);
	h->cursor.enable = 1;
	h->cursor.drm_format = DRM_FORMAT_ARGB8888;
	h->cursor.modifier = DRM_FORMAT_MOD_LINEAR;
	h->cursor.width = VGFB_CURSOR_SIZE;
	h->cursor.height = VGFB_CURSOR_SIZE;
	h->cursor.stride = stride;
	h->cursor.base = offset_to_gpa(sim, h->cursor_offset);
	h->cursor.buffer_size = bytes;
	h->cursor.x_pos = h->primary.width / 2;
	h->cursor.y_pos = h->primary.height / 2;
	h->cursor.x_hot = VGFB_CURSOR_HOT_X;
	h->cursor.y_hot = VGFB_CURSOR_HOT_Y;
	return 0;
}

static const struct sim_options sim_defaults = {
	.width = 1024, .height = 768, .format = DRM_FORMAT_XRGB8888,
	.heads = 1, .ram_mib = 64, .cursor = true, .input = true,
};

static int
sim_check_args(const char *args)
{
	struct sim_options o = sim_defaults;

	return vgfb__parse_options(args, sim_option, &o);
}

static int
sim_open(struct vgfb_local *m, const char *args, void **priv)
{
	struct sim_options o = sim_defaults;
	struct vgfb_sim *sim;
	int rc;

	rc = vgfb__parse_options(args, sim_option, &o);
	if (rc) {
		log_error(vgfb__local_ctx(m), "sim: bad options \"%s\" "
			  "(mode=WxH, format=NAME, heads=1..%d, ram=MiB, "
			  "cursor=on|off, input=on|off)", args, SIM_MAX_HEADS);
		return rc;
	}
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return -ENOMEM;
	sim->m = m;
	sim->ram_fd = -1;
	sim->n_heads = o.heads;
	sim->ram_size = (uint64_t)o.ram_mib << 20;
	sim->n_pages = sim->ram_size / VGFB_PAGE_SIZE;
	sim->ranges[0].start = 0;
	sim->ranges[0].size = half(sim);
	sim->ranges[1].start = VGFB_SIM_HIGH_BASE;
	sim->ranges[1].size = sim->ram_size - half(sim);
	sim->page_used = calloc(sim->n_pages, 1);
	if (!sim->page_used) {
		rc = -ENOMEM;
		goto out_free;
	}
	sim->has_input = o.input;
	if (sim->has_input) {
		sim->input = calloc(VGFB_SIM_INPUT_QUEUE, sizeof(*sim->input));
		if (!sim->input) {
			rc = -ENOMEM;
			goto out_free;
		}
	}
	/* Page 0 stays unused: a zero base is what a broken driver writes. */
	sim->page_used[0] = 1;
	rc = make_ram(sim);
	if (rc)
		goto out_free;
	for (uint32_t i = 0; i < sim->n_heads; i++) {
		rc = vgfb__sim_set_mode(sim, i, o.width, o.height, o.format);
		if (rc == 0 && o.cursor)
			rc = setup_cursor(sim, &sim->heads[i]);
		if (rc) {
			log_error(vgfb__local_ctx(m), "sim: %u MiB of guest "
				  "RAM cannot hold %u heads of %ux%u",
				  o.ram_mib, o.heads, o.width, o.height);
			goto out_free;
		}
	}
	*priv = sim;
	return 0;

out_free:
	sim_close(sim);
	return rc;
}

static void
sim_close(void *priv)
{
	struct vgfb_sim *sim = priv;

	if (!sim)
		return;
	if (sim->ram)
		munmap(sim->ram, sim->ram_size);
	if (sim->ram_fd >= 0)
		close(sim->ram_fd);
	free(sim->page_used);
	free(sim->input);
	free(sim);
}

/* The source half: the platform owns everything, closing it is a no-op. */
static void
sim_source_close(void *priv)
{
	struct vgfb_sim *sim = priv;

	sim->src = NULL;
}

static const struct vgfb_source_ops sim_source = {
	.name = "sim",
	.head_count = sim_head_count,
	.get_plane = sim_get_plane,
	.close = sim_source_close,
	.send_input = sim_send_input,
};

/* input=off: a guest without an input channel (no send_input op) */
static const struct vgfb_source_ops sim_source_no_input = {
	.name = "sim",
	.head_count = sim_head_count,
	.get_plane = sim_get_plane,
	.close = sim_source_close,
};

static int
sim_add_sources(void *priv)
{
	struct vgfb_sim *sim = priv;

	return vgfb__local_add_source(sim->m, sim->has_input ? &sim_source
							     : &sim_source_no_input,
				      sim, &sim->src);
}

const struct vgfb_platform_ops vgfb__platform_sim = {
	.name = "sim",
	.open = sim_open,
	.check_args = sim_check_args,
	.add_sources = sim_add_sources,
	.close = sim_close,
	.get_memmap = sim_get_memmap,
	.get_backing = sim_get_backing,
};
