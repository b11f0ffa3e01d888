/*
 * http.listen parsing (listen_addr.h). Literals only, so a config check
 * never waits on a resolver and "is it loopback" has a sure answer.
 */
#include "listen_addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <playout/plugin.h>

static int fail(char *why, size_t why_len, const char *msg)
{
	snprintf(why, why_len, "%s", msg);
	return PLAYOUT_EINVAL;
}

int po_listen_parse(const char *s, struct po_listen_addr *out, char *why, size_t why_len)
{
	char host[64];
	const char *colon;
	memset(out, 0, sizeof *out);
	if (!s || !*s)
		return fail(why, why_len, "expected host:port");
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return fail(why, why_len, "an IPv6 address is written [addr]:port, like [::1]:8080");
		if ((size_t)(close - s - 1) >= sizeof host)
			return fail(why, why_len, "the address is too long");
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s)
			return fail(why, why_len, "expected host:port, like 127.0.0.1:8080");
		if (memchr(s, ':', (size_t)(colon - s)))
			return fail(why, why_len, "an IPv6 address is written [addr]:port, like [::1]:8080");
		if ((size_t)(colon - s) >= sizeof host)
			return fail(why, why_len, "the address is too long");
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	const char *p = colon + 1;
	char *end;
	if (*p < '0' || *p > '9')
		return fail(why, why_len, "the port must be a number 1..65535");
	long port = strtol(p, &end, 10);
	if (*end || port < 1 || port > 65535)
		return fail(why, why_len, "the port must be a number 1..65535");

	struct sockaddr_in *v4 = (struct sockaddr_in *)&out->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->sa;
	if (s[0] != '[' && strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	if (s[0] != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		out->len = sizeof *v4;
		out->loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
		return 0;
	}
	if (s[0] == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		out->len = sizeof *v6;
		const unsigned char *b = v6->sin6_addr.s6_addr;
		/* ::ffff:127.x.y.z is the IPv4 loopback seen through IPv6 */
		out->loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr) ||
				(IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr) && b[12] == 127);
		return 0;
	}
	memset(out, 0, sizeof *out);
	return fail(why, why_len, "the host must be an IPv4 or IPv6 address or localhost "
		    "(no name lookups)");
}
