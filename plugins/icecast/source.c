/*
 * What is said to open a mount, and what the server's answer means. Icecast
 * (2.4 and later) takes "PUT /mount HTTP/1.1" with Basic auth and answers
 * with a status line; a Shoutcast-style ICY source sends its password on a
 * line of its own to port + 1 and gets "OK2" or "invalid password". Header
 * values come from the configuration and the item: a CR or LF in them is
 * made a space so that nothing can add a header line.
 */
#include "config.h"

#include "source.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <playout/plugin.h>

struct out {
	char *buf;
	size_t cap, len;
	int over;
};

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->over = 1;
		return;
	}
	o->len += (size_t)n;
}

/* A header line "name: value" (name includes the separator), with control
 * characters in the value made spaces; nothing when value is NULL or empty. */
static void put_header(struct out *o, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	put(o, "%s", name);
	for (const char *p = value; *p && !o->over; p++) {
		char ch = (unsigned char)*p < 0x20 ? ' ' : *p;
		put(o, "%c", ch);
	}
	put(o, "\r\n");
}

static void put_base64(struct out *o, const unsigned char *in, size_t n)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		put(o, "%c%c%c%c", digits[(v >> 18) & 63], digits[(v >> 12) & 63],
		    i + 1 < n ? digits[(v >> 6) & 63] : '=', i + 2 < n ? digits[v & 63] : '=');
	}
}

static void put_host(struct out *o, const char *hostname, unsigned port)
{
	int v6 = strchr(hostname, ':') != NULL;
	put(o, "Host: %s%s%s:%u\r\n", v6 ? "[" : "", hostname, v6 ? "]" : "", port);
}

static void put_audio_info(struct out *o, const struct icecast_source_req *r, const char *name)
{
	char info[96];
	int n = 0;

	info[0] = '\0';
	if (r->bitrate_kbps > 0)
		n += snprintf(info + n, sizeof info - (size_t)n, "bitrate=%d", r->bitrate_kbps);
	if (r->sample_rate > 0)
		n += snprintf(info + n, sizeof info - (size_t)n, "%ssamplerate=%d", n ? ";" : "",
			      r->sample_rate);
	if (r->channels > 0)
		snprintf(info + n, sizeof info - (size_t)n, "%schannels=%d", n ? ";" : "",
			 r->channels);
	put_header(o, name, info);
}

static void put_http(struct out *o, const struct icecast_source_req *r)
{
	char login[1024];
	int n = snprintf(login, sizeof login, "%s:%s", r->user, r->password);

	if (n < 0 || (size_t)n >= sizeof login) {
		o->over = 1;
		return;
	}
	put(o, "PUT %s HTTP/1.1\r\n", r->mount);
	put_host(o, r->hostname, r->port);
	put(o, "Authorization: Basic ");
	put_base64(o, (const unsigned char *)login, (size_t)n);
	explicit_bzero(login, sizeof login);
	put(o, "\r\n");
	put_header(o, "User-Agent: ", r->agent);
	put_header(o, "Content-Type: ", r->content_type);
	put_header(o, "ice-name: ", r->name);
	put_header(o, "ice-description: ", r->description);
	put_header(o, "ice-genre: ", r->genre);
	put_header(o, "ice-url: ", r->url);
	put(o, "ice-public: %d\r\n", r->public_ ? 1 : 0);
	put_audio_info(o, r, "ice-audio-info: ");
	put(o, "\r\n");
}

/* Shoutcast v1: the password line, then icy-* headers, then an empty line.
 * The mount is the server's (Icecast's shoutcast-mount), not ours to name. */
static void put_icy(struct out *o, const struct icecast_source_req *r)
{
	char br[16];

	put_header(o, "", r->password);
	put_header(o, "icy-name:", r->name ? r->name : "");
	put_header(o, "icy-genre:", r->genre);
	put_header(o, "icy-url:", r->url);
	put(o, "icy-pub:%d\r\n", r->public_ ? 1 : 0);
	if (r->bitrate_kbps > 0) {
		snprintf(br, sizeof br, "%d", r->bitrate_kbps);
		put_header(o, "icy-br:", br);
	}
	put_header(o, "content-type:", r->content_type);
	put(o, "\r\n");
}

size_t icecast_source_request(const struct icecast_source_req *r, int icy, char *buf,
			      size_t cap)
{
	struct out o = { buf, cap, 0, 0 };

	if (icy)
		put_icy(&o, r);
	else
		put_http(&o, r);
	if (o.over) {
		explicit_bzero(buf, cap);
		return 0;
	}
	return o.len;
}

/* The first line of head, into line. */
static void first_line(const char *head, char *line, size_t n)
{
	size_t len = strcspn(head, "\r\n");
	if (len >= n)
		len = n - 1;
	memcpy(line, head, len);
	line[len] = '\0';
}

int icecast_source_answer(const char *head, int icy, char *what, size_t what_len,
			  const char **advice)
{
	char line[160];
	long status;

	first_line(head, line, sizeof line);
	*advice = "";
	if (icy) {
		if (!strncmp(line, "OK", 2))
			return PLAYOUT_OK;
		snprintf(what, what_len, "Login failed (the server said \"%s\")", line);
		*advice = "check the password, and that no other source holds the mount";
		return PLAYOUT_EAUTH;
	}
	if (!*head) {
		snprintf(what, what_len, "the server closed the connection without an answer");
		*advice = "is it an Icecast server (2.4 or later)?";
		return PLAYOUT_EPROTO;
	}
	if (strncmp(line, "HTTP/1.", 7) != 0 || sscanf(line + 8, " %3ld", &status) != 1) {
		snprintf(what, what_len, "not an HTTP answer (\"%.60s\")", line);
		*advice = "is it an Icecast server (2.4 or later)?";
		return PLAYOUT_EPROTO;
	}
	snprintf(what, what_len, "%s", line);
	if (status == 100 || (status >= 200 && status < 300))
		return PLAYOUT_OK;
	switch (status) {
	case 401:
		snprintf(what, what_len, "Login failed (%s)", line);
		*advice = "check the password and user";
		return PLAYOUT_EAUTH;
	case 403:
		snprintf(what, what_len, "Login failed (%s)", line);
		*advice = "check the password and user, and that no other source holds the "
			  "mount and the server's source limit is not reached";
		return PLAYOUT_EAUTH;
	case 404:
		*advice = "no such mount on the server: check mount and Icecast's <mount> settings";
		return PLAYOUT_ECONFIG;
	case 400: case 405: case 501:
		*advice = "the server does not take HTTP PUT sources (Icecast 2.4 or later "
			  "does): check the port, or use protocol = \"icy\"";
		return PLAYOUT_EPROTO;
	case 503:
		*advice = "the server is busy or at its source limit";
		return PLAYOUT_EUNAVAIL;
	default:
		*advice = "unexpected answer from the server";
		return PLAYOUT_EPROTO;
	}
}

size_t icecast_source_upgrade_request(const char *hostname, unsigned port, char *buf,
				      size_t cap)
{
	struct out o = { buf, cap, 0, 0 };

	put(&o, "OPTIONS * HTTP/1.1\r\n");
	put_host(&o, hostname, port);
	put(&o, "Connection: Upgrade\r\nUpgrade: TLS/1.0\r\n\r\n");
	return o.over ? 0 : o.len;
}

int icecast_source_upgraded(const char *head)
{
	long status = 0;
	return !strncmp(head, "HTTP/1.", 7) && sscanf(head + 8, " %3ld", &status) == 1 &&
	       status == 101;
}
