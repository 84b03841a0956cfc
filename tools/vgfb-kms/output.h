/* SPDX-License-Identifier: MIT */
/*
 * The display vgfb-kms drives: a DRM device it is master of, one
 * connector, the CRTC behind it and the mode on it, and what that CRTC
 * showed before, to put back on exit.
 */
#ifndef VGFB_KMS_OUTPUT_H
#define VGFB_KMS_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <xf86drmMode.h>

#include "layout.h"

#define KMS_MAX_MODES 64

struct kms_output {
	int fd;
	char device[64];
	char driver[32];	/* the kernel driver's name: "cirrus", ... */
	uint32_t connector_id;
	char connector_name[32];
	uint32_t crtc_id;
	drmModeModeInfo modes[KMS_MAX_MODES];
	unsigned int n_modes;
	drmModeModeInfo mode;	/* what we drive, once mode_valid */
	bool mode_valid;
	uint32_t shown_fb;	/* the fb our last SetCrtc put up, 0: none */
	drmModeCrtcPtr saved;	/* the CRTC as we found it */
	uint32_t saved_connectors[8];
	int n_saved_connectors;
};

/*
 * Open `device` (NULL: the first /dev/dri/cardN with a connected
 * connector), become its DRM master, and take `connector` (a name such as
 * "VGA-1"; NULL: the first connected one) and a CRTC for it.  Every error
 * is said on stderr; 0 or a negative errno (-EACCES without DRM master).
 */
int kms_output_open(struct kms_output *o, const char *device,
		    const char *connector);

/* The mode the policy picks for a guest of guest_w x guest_h. */
int kms_output_pick(const struct kms_output *o, enum kms_mode_policy policy,
		    uint32_t want_w, uint32_t want_h, uint32_t guest_w,
		    uint32_t guest_h, drmModeModeInfo *mode);

/* SetCrtc: fb on our connector in `mode`.  0 or a negative errno. */
int kms_output_set(struct kms_output *o, uint32_t fb_id,
		   const drmModeModeInfo *mode);

/*
 * Put back what the CRTC showed when we opened it (or turn it off when
 * it was off), and hide the cursor.  Safe to call more than once.
 */
void kms_output_restore(struct kms_output *o);

void kms_output_close(struct kms_output *o);

#endif
