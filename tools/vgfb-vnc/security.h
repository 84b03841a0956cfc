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

struct nvnc;

struct vnc_security {
	const char *tls_cert;	/* PEM files, NULL: none */
	const char *tls_key;
	const char *auth_file;	/* one line "user:password", NULL: none */
	char user[128];
	char password[128];
};

/*
 * May vgfb-vnc serve on l with s?  0, or -EPERM / -EINVAL / -errno (an
 * unreadable auth file) with the reason in why.  Reads s->auth_file.
 * neatvnc_version is the library's own (nvnc_version).
 */
int vnc_security_check(const struct vnc_listen *l, struct vnc_security *s,
		       const char *neatvnc_version, char *why,
		       size_t why_len);

/* True when this neatvnc refuses a security type it did not offer. */
bool vnc_security_neatvnc_enforces_auth(const char *neatvnc_version);

/* nvnc_enable_auth() with s, after vnc_security_check() said yes. */
int vnc_security_enable(struct nvnc *server, struct vnc_security *s);

#endif
