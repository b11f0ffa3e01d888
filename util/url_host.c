/*
 * Which host a URL names, as far as deciding whether it stays on this
 * machine (include/playout/util.h): the notify plugins accept plain text
 * (SMTP without STARTTLS, http://) only towards a loopback address.
 * Not a URL parser: no path, query or escaping is looked at.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include <playout/util.h>

int playout_url_is_loopback(const char *url)
{
	const char *h = url ? strstr(url, "://") : NULL;
	char host[256];
	size_t n = 0;
	struct in_addr a4;
	struct in6_addr a6;
	if (!h)
		return 0;
	h += 3;
	/* user:password@ before the first '/' is not the host */
	const char *at = strchr(h, '@');
	if (at && at < h + strcspn(h, "/"))
		h = at + 1;
	if (*h == '[') {
		h++;
		while (h[n] && h[n] != ']' && n < sizeof host - 1)
			n++;
	} else {
		while (h[n] && h[n] != ':' && h[n] != '/' && n < sizeof host - 1)
			n++;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	/* numeric only: a name such as 127.example.org can point anywhere */
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return !strcasecmp(host, "localhost");
}
