/* SPDX-License-Identifier: MIT */
/*
 * The one check of an input event (include/vgfb/vgfb.h), shared by the
 * public entry point, the wire parser and every backend: whoever sent the
 * event (a caller, a daemon client), nothing past this point sees an
 * event it did not pass.
 */
#ifndef VGFB_INPUT_H
#define VGFB_INPUT_H

#include <stdbool.h>
#include <vgfb/vgfb.h>

bool vgfb__input_event_valid(const struct vgfb_input_event *ev);

#endif
