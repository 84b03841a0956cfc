/* SPDX-License-Identifier: MIT */
/* acrn-dm's dm.h, as far as the sink uses it: the VM name (main.c sets it
 * from argv after the options are parsed). */
#ifndef VGFB_COMPAT_DM_H
#define VGFB_COMPAT_DM_H

extern char *vmname;

#endif
