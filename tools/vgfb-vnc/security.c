/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <neatvnc.h>

#include "security.h"

/*
 * neatvnc before 0.8.1 lets a viewer answer the server's offer of VeNCrypt
 * with security type None and skip authentication (CVE-2024-42458, fixed
 * by upstream commit cc71650 "Add sanity check for chosen security type").
 * Debian 12 ships 0.5.4 without the fix.
 */
bool
vnc_security_neatvnc_enforces_auth(const char *v)
{
	unsigned int major = 0, minor = 0, patch = 0;

	if (*v == 'v')
		v++;
	if (sscanf(v, "%u.%u.%u", &major, &minor, &patch) < 2)
		return false;
	if (major != 0)
		return true;
	return minor > 8 || (minor == 8 && patch >= 1);
}

int
vnc_security_check(const struct vnc_listen *l, const struct vnc_security *s,
		   const char *neatvnc_version, char *why, size_t why_len)
{
	bool tls = s->tls_cert || s->tls_key || s->auth_file;

	if (!tls && l->is_loopback)
		return 0;
	if (!tls) {
		bool v6 = strchr(l->host, ':') != NULL;

		snprintf(why, why_len, "refusing to listen on %s%s%s:%u, which "
			 "is not loopback, without TLS and a password "
			 "(--tls-cert, --tls-key, --auth-file); loopback "
			 "addresses and unix: sockets need neither",
			 v6 ? "[" : "", l->host, v6 ? "]" : "", l->port);
		return -EPERM;
	}
	if (!s->tls_cert || !s->tls_key || !s->auth_file) {
		snprintf(why, why_len, "--tls-cert, --tls-key and --auth-file "
			 "go together");
		return -EINVAL;
	}
	if (!nvnc_has_auth()) {
		snprintf(why, why_len, "this neatvnc was built without TLS "
			 "(gnutls): it cannot authenticate viewers");
		return -EPERM;
	}
	if (!vnc_security_neatvnc_enforces_auth(neatvnc_version)) {
		snprintf(why, why_len, "neatvnc %s lets a viewer skip the "
			 "password by choosing security type None "
			 "(CVE-2024-42458, fixed in neatvnc 0.8.1), so it "
			 "cannot protect a network address; listen on "
			 "loopback or a unix: socket and reach it through "
			 "ssh -L or a TLS proxy", neatvnc_version);
		return -EPERM;
	}
	/*
	 * Unreachable with the neatvnc 0.5 configure accepts.  A port to a
	 * neatvnc that enforces its offer would read the auth file here,
	 * call nvnc_enable_auth(), and teach rfb-guard.c VeNCrypt.
	 */
	snprintf(why, why_len, "TLS is not implemented for neatvnc %s",
		 neatvnc_version);
	return -ENOTSUP;
}
