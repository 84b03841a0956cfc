/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listen.h"

static bool
parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

int
vnc_listen_parse(const char *spec, struct vnc_listen *out, char *why,
		 size_t why_len)
{
	const char *colon, *host = spec;
	size_t host_len;
	struct in6_addr a6;
	struct in_addr a4;

	memset(out, 0, sizeof(*out));
	if (strncmp(spec, "unix:", 5) == 0) {
		if (!spec[5] || strlen(spec + 5) >= sizeof(out->path)) {
			snprintf(why, why_len, "a UNIX socket path needs 1 to %zu "
				 "bytes", sizeof(out->path) - 1);
			return -EINVAL;
		}
		out->is_unix = true;
		out->is_loopback = true;
		strcpy(out->path, spec + 5);
		return 0;
	}
	if (*spec == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':') {
			snprintf(why, why_len, "expected [IPV6]:PORT");
			return -EINVAL;
		}
		host = spec + 1;
		host_len = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon) {
			snprintf(why, why_len, "expected ADDRESS:PORT or unix:PATH");
			return -EINVAL;
		}
		host_len = (size_t)(colon - spec);
	}
	if (host_len == 0 || host_len >= sizeof(out->host)) {
		snprintf(why, why_len, "bad address");
		return -EINVAL;
	}
	memcpy(out->host, host, host_len);
	if (!parse_port(colon + 1, &out->port)) {
		snprintf(why, why_len, "bad port \"%s\"", colon + 1);
		return -EINVAL;
	}
	if (strcmp(out->host, "localhost") == 0)
		strcpy(out->host, "127.0.0.1");
	if (inet_pton(AF_INET, out->host, &a4) == 1) {
		out->is_loopback = (ntohl(a4.s_addr) >> 24) == 127;
	} else if (inet_pton(AF_INET6, out->host, &a6) == 1) {
		out->is_loopback = IN6_IS_ADDR_LOOPBACK(&a6);
	} else {
		snprintf(why, why_len, "\"%s\" is not a numeric address",
			 out->host);
		return -EINVAL;
	}
	return 0;
}
