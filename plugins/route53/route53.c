/*
 * route53: point one DNS A record at this machine. update() finds the public
 * IPv4 (instance metadata, a fixed address or a "what is my IP" URL), UPSERTs
 * the record through the Route53 REST API (SigV4 via host->http) when it
 * changed, and polls the change until INSYNC (bounded). Not a DNS resolver.
 */
#include <playout/plugin.h>

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define R53_API "2013-04-01"
#define R53_XMLNS "https://route53.amazonaws.com/doc/2013-04-01/"
#define R53_REGION "us-east-1" /* Route53 is global; it signs in us-east-1 */
#define R53_IP_MAX 16          /* "255.255.255.255" + NUL */

/* kv keys (namespaced per instance by the host) */
#define R53_KV_ADDRESS "address" /* the last address we UPSERTed */
#define R53_KV_CHANGE "change"   /* its change id, "C123..." */
#define R53_KV_STATUS "status"   /* "PENDING" or "INSYNC" */

enum route53_ip_source { R53_IP_IMDS, R53_IP_CONFIG, R53_IP_URL };

struct route53_inst {
	const struct playout_host *host;
	char *zone_id;      /* bare id, "Z123" (a "/hostedzone/" prefix is removed) */
	char *record;       /* FQDN without the trailing dot */
	int ttl_s;
	int ip_source;      /* enum route53_ip_source */
	char ip[R53_IP_MAX];/* for R53_IP_CONFIG */
	char *ip_url;
	char *endpoint;     /* without a trailing slash */
	int insync_timeout_s;
	int poll_interval_ms;
};

/* What Route53 said about a change. */
struct route53_change {
	char id[64];        /* bare: "C2682N5HXP0BZ4" */
	char status[16];    /* "PENDING", "INSYNC" */
};

/* ---- addresses -------------------------------------------------------------- */

/* Parse a dotted quad strictly ("1.2.3.4": no leading zeros, no spaces). */
static int route53_parse_ipv4(const char *s, uint8_t q[4])
{
	for (int i = 0; i < 4; i++) {
		if (!isdigit((unsigned char)*s))
			return 0;
		unsigned v = 0;
		const char *start = s;
		while (isdigit((unsigned char)*s)) {
			v = v * 10 + (unsigned)(*s - '0');
			if (v > 255)
				return 0;
			s++;
		}
		if (s - start > 1 && *start == '0')
			return 0;
		q[i] = (uint8_t)v;
		if (i < 3 && *s++ != '.')
			return 0;
	}
	return *s == '\0';
}

/* Why an address cannot be this machine's public one, or NULL when it can. */
static const char *route53_not_public(const uint8_t q[4])
{
	if (q[0] == 0)
		return "a \"this network\" address (0.0.0.0/8)";
	if (q[0] == 10 || (q[0] == 172 && (q[1] & 0xf0) == 16) || (q[0] == 192 && q[1] == 168))
		return "a private address (RFC 1918)";
	if (q[0] == 127)
		return "a loopback address";
	if (q[0] == 169 && q[1] == 254)
		return "a link-local address";
	if (q[0] == 100 && (q[1] & 0xc0) == 64)
		return "a carrier-grade NAT address (100.64.0.0/10)";
	if (q[0] >= 224)
		return "a multicast or reserved address";
	return NULL;
}

/* Trim the blanks and newline a "what is my IP" answer carries into out. */
static int route53_trim_ip(const char *in, char *out, size_t outsz)
{
	while (*in && isspace((unsigned char)*in))
		in++;
	size_t n = strlen(in);
	while (n && isspace((unsigned char)in[n - 1]))
		n--;
	if (n == 0 || n >= outsz)
		return 0;
	memcpy(out, in, n);
	out[n] = '\0';
	return 1;
}

/* Find this machine's IPv4 as configured; validated. */
static int route53_find_ip(struct route53_inst *ri, char ip[R53_IP_MAX], struct playout_error *err)
{
	const struct playout_host *h = ri->host;
	char *raw = NULL;
	const char *from;
	int rc;

	if (ri->ip_source == R53_IP_CONFIG) {
		snprintf(ip, R53_IP_MAX, "%s", ri->ip);
		return PLAYOUT_OK; /* checked at create; private addresses allowed */
	}
	if (ri->ip_source == R53_IP_IMDS) {
		from = "instance metadata meta-data/public-ipv4";
		rc = h->instance_metadata(h, "meta-data/public-ipv4", &raw, err);
		if (rc == PLAYOUT_ENOTFOUND) {
			char why[160];
			snprintf(why, sizeof why, "%.150s", err ? err->msg : "");
			return playout_error_set(err, rc, "record %s: no public IPv4 from %s (not on "
						 "EC2, or the instance has no public address; set "
						 "ip_source = \"url\" or \"config\"): %s",
						 ri->record, from, why);
		}
		if (rc != PLAYOUT_OK)
			return rc; /* err says what */
	} else {
		struct playout_http_request req = {
			.method = "GET", .url = ri->ip_url, .timeout_s = 10,
		};
		struct playout_http_response resp = { 0 };
		from = ri->ip_url;
		rc = h->http(h, &req, &resp, err);
		if (rc != PLAYOUT_OK)
			return rc;
		if (resp.status != 200) {
			rc = playout_error_set(err, PLAYOUT_EUNAVAIL, "record %s: GET %s: HTTP %ld",
					       ri->record, from, resp.status);
			playout_http_response_free(&resp);
			return rc;
		}
		raw = resp.body;
		resp.body = NULL;
		playout_http_response_free(&resp);
	}
	uint8_t q[4];
	int ok = raw && route53_trim_ip(raw, ip, R53_IP_MAX) && route53_parse_ipv4(ip, q);
	if (!ok) {
		rc = playout_error_set(err, PLAYOUT_EPROTO,
				       "record %s: %s answered \"%.32s\", not an IPv4 address",
				       ri->record, from, raw ? raw : "");
		free(raw);
		return rc;
	}
	free(raw);
	const char *why = route53_not_public(q);
	if (why)
		return playout_error_set(err, PLAYOUT_EPROTO,
					 "record %s: %s answered %s, %s: not publishing it (set "
					 "ip_source = \"config\" to publish a private address)",
					 ri->record, from, ip, why);
	return PLAYOUT_OK;
} /* route53_find_ip */

/* ---- XML ------------------------------------------------------------------------- */

/* First element named name (local name, any namespace) under n, depth first. */
static xmlNode *route53_xml_find(xmlNode *n, const char *name)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
			return n;
		xmlNode *c = route53_xml_find(n->children, name);
		if (c)
			return c;
	}
	return NULL;
}

/* Text of the first element name under n into out ("" when absent). */
static void route53_xml_text(xmlNode *n, const char *name, char *out, size_t outsz)
{
	xmlNode *e = route53_xml_find(n, name);
	xmlChar *t = e ? xmlNodeGetContent(e) : NULL;

	snprintf(out, outsz, "%s", t ? (const char *)t : "");
	xmlFree(t);
}

static xmlDoc *route53_xml_parse(const struct playout_http_response *resp)
{
	if (!resp->body || resp->body_len == 0 || resp->body_len > 1024 * 1024)
		return NULL;
	return xmlReadMemory(resp->body, (int)resp->body_len, "route53.xml", NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* A non-2xx answer: turn Route53's ErrorResponse into a message with a hint. */
static int route53_error(struct route53_inst *ri, const char *what,
			 const struct playout_http_response *resp, struct playout_error *err)
{
	char code[64] = "", msg[160] = "";
	xmlDoc *doc = route53_xml_parse(resp);

	if (doc) {
		xmlNode *root = xmlDocGetRootElement(doc);
		route53_xml_text(root, "Code", code, sizeof code);
		route53_xml_text(root, "Message", msg, sizeof msg);
		xmlFreeDoc(doc);
	}
	int rc = PLAYOUT_EPROTO;
	const char *hint = "";
	if (!strcmp(code, "NoSuchHostedZone")) {
		rc = PLAYOUT_ECONFIG;
		hint = " (check zone_id)";
	} else if (!strcmp(code, "InvalidChangeBatch") || !strcmp(code, "InvalidInput")) {
		rc = PLAYOUT_EINVAL;
		hint = " (check name: it must lie inside the hosted zone)";
	} else if (!strcmp(code, "AccessDenied") || !strcmp(code, "SignatureDoesNotMatch") ||
		   !strcmp(code, "InvalidClientTokenId") || !strcmp(code, "ExpiredToken") ||
		   resp->status == 401 || resp->status == 403) {
		rc = PLAYOUT_EAUTH;
		hint = " (check the instance role allows route53:ChangeResourceRecordSets and "
		       "route53:GetChange)";
	} else if (!strcmp(code, "Throttling") || !strcmp(code, "PriorRequestNotComplete") ||
		   resp->status == 429 || resp->status >= 500) {
		rc = PLAYOUT_EUNAVAIL;
		hint = " (will try again at the next planning round)";
	} else if (!strcmp(code, "NoSuchChange")) {
		rc = PLAYOUT_ENOTFOUND;
	}
	return playout_error_set(err, rc, "record %s: %s: HTTP %ld %s%s%s%s", ri->record, what,
				 resp->status, code[0] ? code : "(no error code)", msg[0] ? ": " : "",
				 msg, hint);
}

/* A 2xx answer holding ChangeInfo: its Id (without "/change/") and Status. */
static int route53_parse_change(struct route53_inst *ri, const char *what,
				const struct playout_http_response *resp, struct route53_change *ch,
				struct playout_error *err)
{
	char id[96] = "";
	xmlDoc *doc = route53_xml_parse(resp);

	if (!doc)
		return playout_error_set(err, PLAYOUT_EPROTO, "record %s: %s: the answer is not XML",
					 ri->record, what);
	xmlNode *info = route53_xml_find(xmlDocGetRootElement(doc), "ChangeInfo");
	if (info) {
		route53_xml_text(info->children, "Id", id, sizeof id);
		route53_xml_text(info->children, "Status", ch->status, sizeof ch->status);
	}
	xmlFreeDoc(doc);
	const char *bare = strncmp(id, "/change/", 8) == 0 ? id + 8 : id;
	int ok = bare[0] && strlen(bare) < sizeof ch->id && ch->status[0];
	for (const char *c = bare; ok && *c; c++)
		ok = isalnum((unsigned char)*c) || *c == '_' || *c == '-';
	if (!ok)
		return playout_error_set(err, PLAYOUT_EPROTO,
					 "record %s: %s: no usable ChangeInfo Id/Status in the answer",
					 ri->record, what);
	snprintf(ch->id, sizeof ch->id, "%s", bare);
	return PLAYOUT_OK;
}

/* ---- the API -------------------------------------------------------------------- */

static int route53_upsert(struct route53_inst *ri, const char *ip, struct route53_change *ch,
			  struct playout_error *err)
{
	static const char *const headers[] = { "Content-Type: text/xml", NULL };
	char url[1024], body[1024], what[96];
	struct playout_http_response resp = { 0 };

	snprintf(url, sizeof url, "%s/" R53_API "/hostedzone/%s/rrset", ri->endpoint, ri->zone_id);
	int n = snprintf(body, sizeof body,
			 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			 "<ChangeResourceRecordSetsRequest xmlns=\"" R53_XMLNS "\">"
			 "<ChangeBatch><Comment>playout: %s</Comment><Changes><Change>"
			 "<Action>UPSERT</Action><ResourceRecordSet>"
			 "<Name>%s.</Name><Type>A</Type><TTL>%d</TTL>"
			 "<ResourceRecords><ResourceRecord><Value>%s</Value></ResourceRecord>"
			 "</ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch>"
			 "</ChangeResourceRecordSetsRequest>\n",
			 ri->host->instance, ri->record, ri->ttl_s, ip);
	if (n < 0 || (size_t)n >= sizeof body)
		return playout_error_set(err, PLAYOUT_EINVAL, "record %s: request too long", ri->record);
	struct playout_http_request req = {
		.method = "POST", .url = url, .headers = headers,
		.body = body, .body_len = (size_t)n,
		.aws_service = "route53", .aws_region = R53_REGION, .timeout_s = 30,
	};
	snprintf(what, sizeof what, "UPSERT A %s in zone %s", ip, ri->zone_id);
	int rc = ri->host->http(ri->host, &req, &resp, err);
	if (rc != PLAYOUT_OK)
		return rc;
	if (resp.status / 100 != 2)
		rc = route53_error(ri, what, &resp, err);
	else
		rc = route53_parse_change(ri, what, &resp, ch, err);
	playout_http_response_free(&resp);
	return rc;
}

static int route53_get_change(struct route53_inst *ri, struct route53_change *ch,
			      struct playout_error *err)
{
	char url[1024], what[96];
	struct playout_http_response resp = { 0 };

	snprintf(url, sizeof url, "%s/" R53_API "/change/%s", ri->endpoint, ch->id);
	struct playout_http_request req = {
		.method = "GET", .url = url,
		.aws_service = "route53", .aws_region = R53_REGION, .timeout_s = 15,
	};
	snprintf(what, sizeof what, "GetChange %s", ch->id);
	int rc = ri->host->http(ri->host, &req, &resp, err);
	if (rc != PLAYOUT_OK)
		return rc;
	if (resp.status / 100 != 2)
		rc = route53_error(ri, what, &resp, err);
	else
		rc = route53_parse_change(ri, what, &resp, ch, err);
	playout_http_response_free(&resp);
	return rc;
}

static int64_t route53_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void route53_sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Poll the change until INSYNC, at most insync_timeout_s (real time, even
 * under a rehearsal clock). ch->status holds the last answer. */
static int route53_wait_insync(struct route53_inst *ri, struct route53_change *ch,
			       struct playout_error *err)
{
	int64_t deadline = route53_mono_ms() + (int64_t)ri->insync_timeout_s * 1000;

	while (strcmp(ch->status, "INSYNC") != 0) {
		int64_t left = deadline - route53_mono_ms();
		if (left <= 0)
			break;
		route53_sleep_ms(left < ri->poll_interval_ms ? left : ri->poll_interval_ms);
		int rc = route53_get_change(ri, ch, err);
		if (rc != PLAYOUT_OK)
			return rc;
	}
	return PLAYOUT_OK;
}

/* ---- update ------------------------------------------------------------------------ */

static void route53_remember(struct route53_inst *ri, const char *ip,
			     const struct route53_change *ch)
{
	const struct playout_host *h = ri->host;
	if (h->kv_put(h, R53_KV_ADDRESS, ip) != PLAYOUT_OK ||
	    h->kv_put(h, R53_KV_CHANGE, ch->id) != PLAYOUT_OK ||
	    h->kv_put(h, R53_KV_STATUS, ch->status) != PLAYOUT_OK)
		h->log(h, PLAYOUT_LOG_WARN, "%s: cannot record the change in the state store; "
		       "the next round will send it again", ri->record);
}

static int route53_update(void *inst, struct playout_error *err)
{
	struct route53_inst *ri = inst;
	const struct playout_host *h = ri->host;
	char ip[R53_IP_MAX];
	char *last = NULL, *status = NULL, *change = NULL;
	struct route53_change ch = { .id = "", .status = "" };
	int rc = route53_find_ip(ri, ip, err);

	if (rc != PLAYOUT_OK)
		return rc;
	h->kv_get(h, R53_KV_ADDRESS, &last);
	h->kv_get(h, R53_KV_STATUS, &status);
	h->kv_get(h, R53_KV_CHANGE, &change);
	int same = last && !strcmp(last, ip);
	if (same && status && !strcmp(status, "INSYNC")) {
		rc = PLAYOUT_OK; /* the cheap path: nothing changed */
		goto out;
	}
	if (same && change && change[0] && strlen(change) < sizeof ch.id) {
		/* our earlier UPSERT was still PENDING: one look, no new change */
		snprintf(ch.id, sizeof ch.id, "%s", change);
		rc = route53_get_change(ri, &ch, err);
		if (rc == PLAYOUT_OK) {
			route53_remember(ri, ip, &ch);
			if (!strcmp(ch.status, "INSYNC"))
				h->log(h, PLAYOUT_LOG_NOTICE, "%s A %s: change %s is INSYNC",
				       ri->record, ip, ch.id);
			goto out;
		}
		if (rc != PLAYOUT_ENOTFOUND)
			goto out;
		/* Route53 forgot the change: send the record again */
	}
	h->log(h, PLAYOUT_LOG_NOTICE, "%s: pointing A at %s (was %s)", ri->record, ip,
	       last ? last : "unknown");
	rc = route53_upsert(ri, ip, &ch, err);
	if (rc != PLAYOUT_OK)
		goto out;
	route53_remember(ri, ip, &ch);
	rc = route53_wait_insync(ri, &ch, err);
	if (rc != PLAYOUT_OK)
		goto out;
	route53_remember(ri, ip, &ch);
	if (!strcmp(ch.status, "INSYNC"))
		h->log(h, PLAYOUT_LOG_NOTICE, "%s A %s: change %s is INSYNC", ri->record, ip, ch.id);
	else
		h->log(h, PLAYOUT_LOG_WARN, "%s A %s: change %s still %s after %d s; checking "
		       "again at the next planning round", ri->record, ip, ch.id, ch.status,
		       ri->insync_timeout_s);
out:
	free(last);
	free(status);
	free(change);
	return rc;
} /* route53_update */

/* ---- instance ------------------------------------------------------------------------ */

static const char *route53_file(const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);
	return f ? f : "config";
}

/* Letters, digits, '-', '_', '*' and dots: nothing that needs XML escaping. */
static int route53_valid_fqdn(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253 || s[0] == '.' || strstr(s, ".."))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.*", *s))
			return 0;
	return 1;
}

static int route53_valid_url(const char *s)
{
	return !strncmp(s, "https://", 8) || !strncmp(s, "http://", 7);
}

static void route53_destroy(void *instance)
{
	struct route53_inst *ri = instance;
	if (!ri)
		return;
	free(ri->zone_id);
	free(ri->record);
	free(ri->ip_url);
	free(ri->endpoint);
	free(ri);
}

static int route53_create(const config_setting_t *conf, const struct playout_host *host,
			  void **instance, struct playout_error *err)
{
	/* Types, ranges and ip_source's choices were checked by the core, and
	 * the defaults filled in; what is left is the form of the values. */
	const char *zone = playout_conf_str(conf, "zone_id"), *fqdn = playout_conf_str(conf, "name");
	const char *src = playout_conf_str(conf, "ip_source"), *ip = playout_conf_str(conf, "ip");
	const char *ip_url = playout_conf_str(conf, "ip_url");
	const char *endpoint = playout_conf_str(conf, "endpoint");
	const char *s;
	const char *file = route53_file(conf);
	int line = config_setting_source_line(conf);

	if (!strncmp(zone, "/hostedzone/", 12))
		zone += 12;
	for (s = zone; *s; s++)
		if (!isalnum((unsigned char)*s))
			break;
	if (!*zone || *s)
		return playout_error_set(err, PLAYOUT_ECONFIG, "%s:%d: zone_id \"%.64s\" is "
					 "not a hosted zone id (letters and digits, like Z123ABC)",
					 file, line, zone);
	if (!route53_valid_fqdn(fqdn))
		return playout_error_set(err, PLAYOUT_ECONFIG, "%s:%d: name \"%.64s\" is not a "
					 "DNS name", file, line, fqdn);
	int source = !strcmp(src, "config") ? R53_IP_CONFIG :
		     !strcmp(src, "url")    ? R53_IP_URL : R53_IP_IMDS;
	uint8_t q[4];
	if (source == R53_IP_CONFIG && (!ip || strlen(ip) >= R53_IP_MAX || !route53_parse_ipv4(ip, q)))
		return playout_error_set(err, PLAYOUT_ECONFIG, "%s:%d: ip_source = \"config\" "
					 "needs ip = \"a.b.c.d\"; (an IPv4 address)", file, line);
	if (!route53_valid_url(ip_url) || !route53_valid_url(endpoint))
		return playout_error_set(err, PLAYOUT_ECONFIG, "%s:%d: endpoint and ip_url "
					 "must be http:// or https:// URLs", file, line);

	struct route53_inst *ri = calloc(1, sizeof *ri);
	if (!ri)
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	ri->host = host;
	ri->ttl_s = (int)playout_conf_int(conf, "ttl");
	ri->ip_source = source;
	ri->insync_timeout_s = (int)playout_conf_int(conf, "insync_timeout_s");
	ri->poll_interval_ms = (int)playout_conf_int(conf, "poll_interval_ms");
	if (source == R53_IP_CONFIG)
		snprintf(ri->ip, sizeof ri->ip, "%s", ip);
	ri->zone_id = strdup(zone);
	ri->record = strdup(fqdn);
	ri->ip_url = strdup(ip_url);
	ri->endpoint = strdup(endpoint);
	if (!ri->zone_id || !ri->record || !ri->ip_url || !ri->endpoint) {
		route53_destroy(ri);
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	}
	size_t n = strlen(ri->record);
	if (ri->record[n - 1] == '.')
		ri->record[n - 1] = '\0';
	for (n = strlen(ri->endpoint); n > 0 && ri->endpoint[n - 1] == '/'; n--)
		ri->endpoint[n - 1] = '\0';
	if (!host->http || !host->kv_get || !host->kv_put ||
	    (source == R53_IP_IMDS && !host->instance_metadata)) {
		route53_destroy(ri);
		return playout_error_set(err, PLAYOUT_EINVAL, "the host lacks the http, "
					 "instance metadata or kv service");
	}
	*instance = ri;
	return PLAYOUT_OK;
} /* route53_create */

static const char *const route53_ip_sources[] = { "imds", "config", "url", NULL };

static const struct playout_setting route53_settings[] = {
	{ .name = "zone_id", .type = PLAYOUT_SET_STRING, .required = 1,
	  .help = "the hosted zone id, like Z0123456789ABC" },
	{ .name = "name", .type = PLAYOUT_SET_STRING, .required = 1,
	  .help = "the A record to keep pointing here, like playout.example.org" },
	{ .name = "ttl", .type = PLAYOUT_SET_INT, .min = 1, .max = 86400, .def = "60",
	  .help = "record TTL in seconds" },
	{ .name = "ip_source", .type = PLAYOUT_SET_STRING, .choices = route53_ip_sources,
	  .def = "imds", .help = "\"imds\" (EC2 public IPv4), \"config\" (ip) or \"url\" (ip_url)" },
	{ .name = "ip", .type = PLAYOUT_SET_STRING,
	  .help = "the address to publish with ip_source = \"config\"" },
	{ .name = "ip_url", .type = PLAYOUT_SET_STRING, .def = "https://checkip.amazonaws.com",
	  .help = "what-is-my-IP URL for ip_source = \"url\"" },
	{ .name = "endpoint", .type = PLAYOUT_SET_STRING, .def = "https://route53.amazonaws.com",
	  .help = "Route53 API URL" },
	{ .name = "insync_timeout_s", .type = PLAYOUT_SET_INT, .min = 0, .max = 600, .def = "60",
	  .help = "seconds to wait for the change to reach INSYNC" },
	{ .name = "poll_interval_ms", .type = PLAYOUT_SET_INT, .min = 10, .max = 60000,
	  .def = "2000", .help = "how often to ask whether the change is INSYNC" },
	{ .name = NULL },
};

static const struct playout_dns_ops route53_ops = {
	.size = sizeof(struct playout_dns_ops),
	.update = route53_update,
};

extern const struct playout_plugin playout_plugin;
const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "route53",
	.kind = PLAYOUT_KIND_DNS,
	.description = "keeps a Route53 A record (name, the instance name) pointing at this machine",
	.settings = route53_settings,
	.create = route53_create,
	.destroy = route53_destroy,
	.ops.dns = &route53_ops,
};
