/* SPDX-License-Identifier: MIT */
/*
 * Who may watch: loopback and UNIX sockets need nothing (the machine's
 * users and the socket's permissions decide); any other address needs TLS
 * and a password, and a neatvnc that really enforces them.
 */
#ifndef VGFB_VNC_SECURITY_H
#define VGFB_VNC_SECURITY_H

#include <stdbool.h>
#include <stddef.h>

#include "listen.h"

struct vnc_security {
	const char *tls_cert;	/* PEM files, NULL: none */
	const char *tls_key;
	const char *auth_file;	/* one line "user:password", NULL: none */
};

/*
 * May vgfb-vnc serve on l with s?  0, or -EPERM / -EINVAL / -ENOTSUP
 * with the reason in why.  neatvnc_version is the library's own
 * (nvnc_version).  With the neatvnc 0.5 this program is built for, only
 * loopback and UNIX sockets without TLS are served: its authentication
 * can be skipped by any viewer (security.c).
 */
int vnc_security_check(const struct vnc_listen *l,
		       const struct vnc_security *s,
		       const char *neatvnc_version, char *why,
		       size_t why_len);

/* True when this neatvnc refuses a security type it did not offer. */
bool vnc_security_neatvnc_enforces_auth(const char *neatvnc_version);

#endif
