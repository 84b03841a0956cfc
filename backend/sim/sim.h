/* SPDX-License-Identifier: MIT */
/*
 * The embedded simulated guest: its RAM is a sealed memfd (as QEMU's memfd
 * backend and acrn-dm allocate guest RAM), its display is a register block
 * per head (primary plane + cursor) that its "driver" programs, and it
 * draws the documented test pattern (docs/test-pattern.md).
 *
 * Guest-physical layout: RAM is split in two halves, the low half at GPA 0
 * and the high half at GPA 4 GiB, with a hole in between (like the PCI hole
 * of a PC), so that the memory-map checks have something to refuse.
 */
#ifndef VGFB_SIM_H
#define VGFB_SIM_H

#include "platform.h"

#define VGFB_SIM_HIGH_BASE (4ull << 30)

struct vgfb_sim;

int vgfb__sim_set_mode(struct vgfb_sim *sim, uint32_t head, uint32_t width,
		       uint32_t height, uint32_t drm_format);
int vgfb__sim_flip(struct vgfb_sim *sim, uint32_t head);
int vgfb__sim_update(struct vgfb_sim *sim, uint32_t head,
		     const struct vgfb_rect *rect);
int vgfb__sim_set_cursor(struct vgfb_sim *sim, uint32_t head, bool visible,
			 uint32_t x, uint32_t y);
int vgfb__sim_destroy_guest(struct vgfb_sim *sim);

/*
 * The guest's input device: what consumers sent, oldest first, the latest
 * VGFB_SIM_INPUT_QUEUE kept (older ones dropped and counted).  -EAGAIN
 * when empty.  A sim started with input=off has no input channel.
 */
#define VGFB_SIM_INPUT_QUEUE 256u
int vgfb__sim_read_input(struct vgfb_sim *sim, uint32_t *head,
			 struct vgfb_input_event *ev);
uint64_t vgfb__sim_input_dropped(struct vgfb_sim *sim);

/*
 * One plane's display registers exactly as the guest driver writes them.
 * Tests write hostile values here: nothing in it is trusted.
 */
struct vgfb_sim_plane_regs {
	uint32_t enable;
	uint32_t drm_format;
	uint64_t modifier;
	uint32_t width;
	uint32_t height;
	uint32_t stride;
	uint64_t base;		/* guest-physical address */
	uint64_t buffer_size;	/* bytes the driver allocated */
	uint32_t x_pos, y_pos;
	uint32_t x_hot, y_hot;
};

int vgfb__sim_read_regs(struct vgfb_sim *sim, uint32_t head,
			uint32_t plane_type, struct vgfb_sim_plane_regs *regs);
int vgfb__sim_write_regs(struct vgfb_sim *sim, uint32_t head,
			 uint32_t plane_type,
			 const struct vgfb_sim_plane_regs *regs);

/* Guest RAM as seen by the host: for tests that check what was drawn. */
void *vgfb__sim_gpa_to_host(struct vgfb_sim *sim, uint64_t gpa,
			    uint64_t size);

#endif
