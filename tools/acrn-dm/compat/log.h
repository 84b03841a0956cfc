/* SPDX-License-Identifier: MIT */
/* acrn-dm's log.h, as far as the sink uses it: printf-like, to stderr. */
#ifndef VGFB_COMPAT_LOG_H
#define VGFB_COMPAT_LOG_H

#include <stdio.h>

#define pr_err(...) fprintf(stderr, "acrn-dm: " __VA_ARGS__)
#define pr_warn(...) fprintf(stderr, "acrn-dm: " __VA_ARGS__)
#define pr_info(...) fprintf(stderr, "acrn-dm: " __VA_ARGS__)
#define pr_dbg(...) do { } while (0)

#endif
