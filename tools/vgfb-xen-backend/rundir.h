/* SPDX-License-Identifier: MIT */
/*
 * The runtime directory vgfb-xen-backend keeps: each vgfbd makes
 * RUN_DIR/<name>/socket itself; this adds RUN_DIR/by-domid/<domid> (a
 * symlink to ../<name>), moves a renamed domain's directory, and removes
 * what a gone domain left.
 */
#ifndef VGFB_XEN_BACKEND_RUNDIR_H
#define VGFB_XEN_BACKEND_RUNDIR_H

#include <stdbool.h>
#include <stdint.h>

#define XB_DEFAULT_RUN_DIR "/run/vgfb"

/* RUN_DIR/by-domid/<domid> -> ../<name>, replacing what was there. */
void xb_rundir_link(const char *run_dir, uint32_t domid, const char *name);

/* RUN_DIR/<old> becomes RUN_DIR/<new> (unless <new> exists), and the link. */
void xb_rundir_rename(const char *run_dir, uint32_t domid, const char *old,
		      const char *new_name);

/*
 * The domain is gone and its vgfbd stopped: its link (if it still points
 * to name), and, unless keep_dir (another domain now uses the name),
 * RUN_DIR/<name>/socket (when nobody listens) and the directory.
 */
void xb_rundir_remove(const char *run_dir, uint32_t domid, const char *name,
		      bool keep_dir);

#endif
