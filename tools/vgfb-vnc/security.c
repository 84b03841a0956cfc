/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdint.h>
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

static int
read_auth_file(struct vnc_security *s, char *why, size_t why_len)
{
	char line[300], *colon;
	FILE *f = fopen(s->auth_file, "re");
	int rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(why, why_len, "%s: %s", s->auth_file, strerror(-rc));
		return rc;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	colon = strchr(line, ':');
	if (!colon || colon == line || !colon[1] ||
	    (size_t)(colon - line) >= sizeof(s->user) ||
	    strlen(colon + 1) >= sizeof(s->password)) {
		snprintf(why, why_len, "%s: expected one line USER:PASSWORD "
			 "(each under 128 bytes)", s->auth_file);
		rc = -EINVAL;
	} else {
		*colon = '\0';
		strcpy(s->user, line);
		strcpy(s->password, colon + 1);
	}
	memset(line, 0, sizeof(line));
	return rc;
}

int
vnc_security_check(const struct vnc_listen *l, struct vnc_security *s,
		   const char *neatvnc_version, char *why, size_t why_len)
{
	bool tls = s->tls_cert || s->tls_key || s->auth_file;

	if (!tls && l->is_loopback)
		return 0;
	if (!tls) {
		snprintf(why, why_len, "refusing to listen on %s:%u, which is "
			 "not loopback, without TLS and a password "
			 "(--tls-cert, --tls-key, --auth-file); loopback "
			 "addresses and unix: sockets need neither", l->host,
			 l->port);
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
	return read_auth_file(s, why, why_len);
}

/* Compares every byte whatever the first difference: no timing oracle. */
static bool
same_secret(const char *a, const char *b, size_t max)
{
	size_t la = strnlen(a, max), lb = strnlen(b, max);
	unsigned char d = la != lb;

	for (size_t i = 0; i < max; i++)
		d |= (unsigned char)((i < la ? a[i] : 0) ^ (i < lb ? b[i] : 0));
	return d == 0;
}

static bool
on_auth(const char *user, const char *password, void *data)
{
	struct vnc_security *s = data;
	bool ok = same_secret(user, s->user, sizeof(s->user));

	return same_secret(password, s->password, sizeof(s->password)) && ok;
}

int
vnc_security_enable(struct nvnc *server, struct vnc_security *s)
{
	if (!s->auth_file)
		return 0;
	return nvnc_enable_auth(server, s->tls_key, s->tls_cert, on_auth, s)
	       ? -EINVAL : 0;
}
