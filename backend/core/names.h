/* SPDX-License-Identifier: MIT */
/*
 * The one rule for a daemon instance name, shared by the library (a
 * target that is just a name), vgfbd (--name) and vgfb-xen-backend (a
 * domain's name): [A-Za-z0-9_.-], 1..64 bytes, not starting with a dot,
 * so that /run/vgfb/NAME/socket is one safe path component.
 */
#ifndef VGFB_NAMES_H
#define VGFB_NAMES_H

#include <stdbool.h>

bool vgfb__valid_instance_name(const char *s);

#endif
