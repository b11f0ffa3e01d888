/*
 * The icecast output: streams the player's MP3 frames, or the whole Ogg
 * pages of a re-encoding output, to one Icecast mount with a source client
 * of its own (source.c says what, conn.c carries the bytes; the player
 * paces, so nothing here waits for the clock).
 *
 * The socket is non-blocking, so that a server that accepts TCP and never
 * answers, or stops reading, costs this output a timeout and a retry, never
 * the player thread: open connects and logs in within connect_timeout_s,
 * write hands its bytes over within write_timeout_s, both in polls that look
 * at host->stopping so the daemon stops within 2 s. The socket's send buffer
 * is bounded so a stalled server shows soon. The title goes by title.c on a
 * thread and a socket of its own.
 *
 * TLS (the tls setting) comes from icecast_tls.so, a helper this plugin
 * opens only when a connection needs it (tls.c), so that a plain
 * configuration maps no OpenSSL. Writes use send(MSG_NOSIGNAL): a server that
 * closed the connection is an error, never a SIGPIPE (a plugin may not change
 * the process's signal dispositions).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <playout/plugin.h>

#include "conn.h"
#include "source.h"
#include "title.h"

#define ICECAST_SNDBUF 32768      /* the kernel doubles it: 64 KiB, about 4 s of
				     128 kbit/s, is all a stalled server hides */
#define ICECAST_LOG_REPEAT_MS 60000 /* connect timeouts: one warning a minute */
#define ICECAST_HEAD_MAX 4096       /* the server's answer to a login */
#define ICECAST_TEARDOWN_MS 2000    /* how long Icecast may take to free the mount
				       of a source that closed */
#define ICECAST_RELOGIN_MS 50       /* between logins while it does */
#define ICECAST_TITLE_DELAY_MS 100  /* from an item's first write to the one
				       that sends its title: the player's next
				       batch, after the opening burst of every
				       output starting at that instant */

extern const struct playout_plugin playout_plugin;

enum icecast_tls_mode { TLS_DISABLED, TLS_AUTO, TLS_AUTO_NO_PLAIN, TLS_RFC2818, TLS_RFC2817 };

struct icecast {
	const struct playout_host *host;
	char *hostname, *mount, *user;
	char *password_ref; /* the setting; the value is asked for at each open */
	char *password;     /* the value of the last open */
	char *ca_directory, *ca_file;
	char *name, *description, *genre, *url;
	unsigned short port;
	int icy;            /* protocol "icy": Shoutcast's login on port + 1 */
	int tls;            /* enum icecast_tls_mode */
	int public_;
	int connect_timeout_s, write_timeout_s;
	struct icecast_conn conn;
	int connected;
	int ogg;                     /* this connection carries Ogg pages (contract 2.2):
	                                the title is in each logical stream's
	                                comment header, never a metadata request */
	struct icecast_title *title; /* the title sender; its thread starts at the
	                                first connect */
	int titles_off;              /* TLS modes the title sender cannot do */
	int64_t closed_ms;           /* monotonic, when this instance last closed a
	                                connection; 0: never */
	int64_t timeout_logged_ms;   /* monotonic; 0: never */
	int timeouts_unlogged;
	/* A title is held by the sender until the first write at least
	 * ICECAST_TITLE_DELAY_MS after the item's first: a metadata request
	 * is a separate HTTP exchange, and even the sender thread's wake
	 * must not take a core from another output's first write. */
	int title_held;
	int64_t title_first_write_ms; /* monotonic; 0: no write since the title */
};

/* The names the settings table accepts (enum icecast_tls_mode's order). */
static const char *const icecast_protocol_names[] = { "http", "icy", NULL };
static const char *const icecast_tls_names[] = {
	"disabled", "auto", "auto_no_plain", "rfc2818", "rfc2817", NULL
};
static const struct playout_setting icecast_settings[] = {
	{ .name = "host", .type = PLAYOUT_SET_STRING, .def = "127.0.0.1", .help = "Icecast server" },
	{ .name = "port", .type = PLAYOUT_SET_INT, .min = 1, .max = 65535, .def = "8000",
	  .help = "Icecast port" },
	{ .name = "mount", .type = PLAYOUT_SET_STRING, .required = 1,
	  .help = "mount point, starting with '/'" },
	{ .name = "user", .type = PLAYOUT_SET_STRING, .def = "source", .help = "source user" },
	{ .name = "password", .type = PLAYOUT_SET_SECRET, .required = 1,
	  .help = "source password: literal, file:/path, env:NAME or ssm:/name" },
	{ .name = "protocol", .type = PLAYOUT_SET_STRING, .choices = icecast_protocol_names,
	  .def = "http", .help = "source protocol" },
	{ .name = "tls", .type = PLAYOUT_SET_STRING, .choices = icecast_tls_names,
	  .def = "disabled", .help = "TLS on the source connection" },
	{ .name = "ca_directory", .type = PLAYOUT_SET_STRING,
	  .help = "CA certificates directory for the TLS source connection (titles go "
		  "through the daemon's HTTP client: system CAs)" },
	{ .name = "ca_file", .type = PLAYOUT_SET_STRING,
	  .help = "CA certificates file for the TLS source connection (titles: system CAs)" },
	{ .name = "stream_name", .type = PLAYOUT_SET_STRING, .help = "stream name shown to listeners" },
	{ .name = "description", .type = PLAYOUT_SET_STRING, .help = "stream description" },
	{ .name = "genre", .type = PLAYOUT_SET_STRING, .help = "stream genre" },
	{ .name = "url", .type = PLAYOUT_SET_STRING, .help = "station web site" },
	{ .name = "public", .type = PLAYOUT_SET_BOOL, .def = "false",
	  .help = "list the stream in directories" },
	{ .name = "connect_timeout_s", .type = PLAYOUT_SET_INT, .min = 1, .max = 300, .def = "5",
	  .help = "seconds to connect and log in before giving up and retrying" },
	{ .name = "write_timeout_s", .type = PLAYOUT_SET_INT, .min = 1, .max = 300, .def = "5",
	  .help = "seconds the server may take no data before the connection is dropped "
		  "and made again" },
	{ .name = NULL },
};

/* ---- small helpers ----------------------------------------------------- */

/* The daemon is stopping: a wait on the server must end now. */
static int icecast_stopping(const struct icecast *ic)
{
	return ic->host->stopping && ic->host->stopping(ic->host);
}

static void icecast_wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Where name stands in names (the core checked it is there). */
static size_t icecast_index(const char *const *names, const char *name)
{
	size_t i = 0;
	while (names[i + 1] && strcmp(names[i], name) != 0)
		i++;
	return i;
}

/* Copy a string setting (NULL when absent). 0, or -1 when out of memory. */
static int icecast_dup_setting(const config_setting_t *conf, const char *key, char **out)
{
	const char *v = playout_conf_str(conf, key);

	*out = NULL;
	if (!v)
		return 0;
	*out = strdup(v);
	return *out ? 0 : -1;
}

/* ---- create / destroy -------------------------------------------------- */

static void icecast_destroy(void *inst)
{
	struct icecast *ic = inst;

	if (!ic)
		return;
	icecast_title_free(ic->title);
	icecast_conn_close(&ic->conn);
	icecast_wipe_free(ic->password);
	icecast_wipe_free(ic->password_ref); /* a literal is the password */
	free(ic->hostname);
	free(ic->mount);
	free(ic->user);
	free(ic->ca_directory);
	free(ic->ca_file);
	free(ic->name);
	free(ic->description);
	free(ic->genre);
	free(ic->url);
	free(ic);
}

static int icecast_create(const config_setting_t *conf, const struct playout_host *host,
			  void **instance, struct playout_error *err)
{
	const char *mount = playout_conf_str(conf, "mount"); /* required */
	const char *password_ref = playout_conf_str(conf, "password"); /* required */
	const char *s;
	int rc;
	struct icecast *ic;

	/* Types, ranges and choices were checked by the core against
	 * icecast_settings, and the defaults filled in. */
	*instance = NULL;
	if (mount[0] != '/')
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "mount \"%s\" must start with '/' (e.g. \"/prerec\")", mount);
	ic = calloc(1, sizeof *ic);
	if (!ic)
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	ic->host = host;
	icecast_conn_init(&ic->conn, host);
	ic->port = (unsigned short)playout_conf_int(conf, "port");
	ic->connect_timeout_s = (int)playout_conf_int(conf, "connect_timeout_s");
	ic->write_timeout_s = (int)playout_conf_int(conf, "write_timeout_s");
	ic->icy = icecast_index(icecast_protocol_names, playout_conf_str(conf, "protocol")) == 1;
	s = playout_conf_str(conf, "tls");
	ic->tls = (int)icecast_index(icecast_tls_names, s);
	ic->public_ = playout_conf_bool(conf, "public");
	/* An ICY login is no HTTP request: nothing to upgrade to TLS. */
	if (ic->icy && (ic->tls == TLS_AUTO_NO_PLAIN || ic->tls == TLS_RFC2817)) {
		rc = playout_error_set(err, PLAYOUT_ECONFIG,
				       "tls \"%s\" needs protocol \"http\" (an ICY source can only "
				       "use \"rfc2818\", \"auto\" or \"disabled\")", s);
		goto fail;
	}
	/* Titles go through the title sender (see title.c), which speaks plain
	 * HTTP or HTTPS but cannot upgrade a plain connection to TLS. */
	if (ic->tls == TLS_AUTO_NO_PLAIN || ic->tls == TLS_RFC2817) {
		ic->titles_off = 1;
		host->log(host, PLAYOUT_LOG_WARN,
			  "tls \"%s\": stream titles will not be sent (only \"rfc2818\", "
			  "\"auto\" or \"disabled\" allow them)", s);
	}
	ic->title = icecast_title_new(host);
	if (!ic->title) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
		goto fail;
	}

	if (icecast_dup_setting(conf, "host", &ic->hostname) ||
	    icecast_dup_setting(conf, "mount", &ic->mount) ||
	    icecast_dup_setting(conf, "user", &ic->user) ||
	    icecast_dup_setting(conf, "password", &ic->password_ref) ||
	    icecast_dup_setting(conf, "ca_directory", &ic->ca_directory) ||
	    icecast_dup_setting(conf, "ca_file", &ic->ca_file) ||
	    icecast_dup_setting(conf, "stream_name", &ic->name) ||
	    icecast_dup_setting(conf, "description", &ic->description) ||
	    icecast_dup_setting(conf, "genre", &ic->genre) ||
	    icecast_dup_setting(conf, "url", &ic->url)) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
		goto fail;
	}

	if (!host->secret) {
		rc = playout_error_set(err, PLAYOUT_ECONFIG,
				       "the host offers no secret resolver for \"password\"");
		goto fail;
	}
	/* Read now so a bad reference stops the start; each open asks again. */
	rc = host->secret(host, password_ref, &ic->password, err);
	if (rc != PLAYOUT_OK)
		goto fail;

	*instance = ic;
	return PLAYOUT_OK;
fail:
	icecast_destroy(ic);
	return rc;
}

/* ---- output operations ------------------------------------------------- */

/* The password as the host has it now: a memory read, which follows a
 * password changed in SSM (or its file) once playoutd had a SIGHUP. When the
 * host cannot say, the last value stays. */
static void icecast_take_password(struct icecast *ic)
{
	struct playout_error e = { 0 };
	char *pw = NULL;

	if (ic->host->secret(ic->host, ic->password_ref, &pw, &e) != PLAYOUT_OK) {
		ic->host->log(ic->host, PLAYOUT_LOG_WARN, "password: %s (using the one read before)",
			      e.msg);
		return;
	}
	icecast_wipe_free(ic->password);
	ic->password = pw;
}

/* Build the stream title's request now, before the item's first write,
 * and hold it until a batch after that write (icecast_write); a failure is
 * a warning (the audio matters more). */
static void icecast_queue_title(struct icecast *ic, const struct playout_item_meta *meta)
{
	struct icecast_title_target to;
	const char *title = NULL;

	/* Ogg: Icecast reads the title from the stream's comment header. */
	if (ic->ogg || !ic->connected || ic->titles_off) {
		icecast_title_drop(ic->title);
		ic->title_held = 0;
		return;
	}
	if (meta)
		title = meta->title && *meta->title ? meta->title : meta->pid;
	if (!title || !*title) {
		icecast_title_drop(ic->title);
		ic->title_held = 0;
		return;
	}
	memset(&to, 0, sizeof to);
	to.hostname = ic->hostname;
	to.port = ic->port;
	to.mount = ic->mount;
	to.user = ic->user;
	to.password = ic->password;
	to.icy = ic->icy;
	to.https = ic->tls == TLS_RFC2818;
	icecast_title_post(ic->title, &to, title);
	ic->title_held = 1;
	ic->title_first_write_ms = 0;
}

static void icecast_close(void *inst)
{
	struct icecast *ic = inst;

	if (ic->connected)
		ic->closed_ms = icecast_conn_now_ms();
	icecast_conn_close(&ic->conn);
	ic->connected = 0;
	if (ic->title_held)
		icecast_title_drop(ic->title);
	ic->title_held = 0;
}

/* A connect that timed out: a warning now, then one a minute while it
 * lasts (the player retries every second and says nothing itself). msg is
 * the error's text, which starts with the instance name the log adds too. */
static void icecast_log_timeout(struct icecast *ic, const char *msg)
{
	int64_t now = icecast_conn_now_ms();
	if (ic->timeout_logged_ms && now - ic->timeout_logged_ms < ICECAST_LOG_REPEAT_MS) {
		ic->timeouts_unlogged++;
		return;
	}
	if (ic->timeouts_unlogged)
		ic->host->log(ic->host, PLAYOUT_LOG_WARN, "%s (and %d more times since the last "
			      "warning)", msg, ic->timeouts_unlogged);
	else
		ic->host->log(ic->host, PLAYOUT_LOG_WARN, "%s", msg);
	ic->timeout_logged_ms = now;
	ic->timeouts_unlogged = 0;
}

/* A failed step of a connection (conn.h's rc) as the output's error. */
static int icecast_conn_fail(struct icecast *ic, int rc, struct playout_error *err)
{
	const char *h = ic->hostname, *m = ic->mount;
	unsigned p = ic->port;
	const char *why = ic->conn.why;

	switch (rc) {
	case ICECAST_CONN_STOPPED:
		return playout_error_set(err, PLAYOUT_EUNAVAIL,
					 "connect %s:%u%s: given up, the daemon is stopping", h, p, m);
	case ICECAST_CONN_TIMEOUT:
		playout_error_set(err, PLAYOUT_ETIMEOUT,
				  "connect %s:%u%s: no answer within %d s (connect_timeout_s): is "
				  "Icecast running there and not overloaded? A wrong port behind a "
				  "firewall looks the same", h, p, m, ic->connect_timeout_s);
		icecast_log_timeout(ic, err->msg);
		return PLAYOUT_ETIMEOUT;
	case ICECAST_CONN_REFUSED:
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "connect %s:%u%s: Couldn't connect: "
					 "%s (is Icecast running and listening there?)", h, p, m, why);
	case ICECAST_CONN_NOTLS:
		return playout_error_set(err, PLAYOUT_EPROTO, "connect %s:%u%s: %s (TLS cannot be "
					 "used: check the tls setting and that icecast_tls.so is "
					 "installed)", h, p, m, why);
	case ICECAST_CONN_BADCERT:
		return playout_error_set(err, PLAYOUT_EPROTO, "connect %s:%u%s: %s (the server "
					 "certificate is not trusted: check ca_file/ca_directory)",
					 h, p, m, why);
	case ICECAST_CONN_NOMEM:
		return playout_error_set(err, PLAYOUT_ENOMEM, "connect %s:%u%s: out of memory",
					 h, p, m);
	default:
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "connect %s:%u%s: Socket error: %s "
					 "(the connection failed or the server closed it)", h, p, m,
					 why);
	}
}

/* Send req and read the answer's head into head; a conn.h rc. */
static int icecast_exchange(struct icecast *ic, const char *req, size_t len, char *head,
			    int64_t deadline_ms)
{
	size_t got;
	int rc = icecast_conn_send(&ic->conn, req, len, deadline_ms, NULL);

	if (rc == ICECAST_CONN_OK)
		rc = icecast_conn_read_head(&ic->conn, head, ICECAST_HEAD_MAX, &got, deadline_ms);
	return rc;
}

/* RFC 2817: ask a plain connection to turn TLS. 1 when it did, 0 when the
 * server said no (or closed: auto then connects again, plainly), or a
 * negative conn.h rc. */
static int icecast_upgrade(struct icecast *ic, char *head, int64_t deadline_ms)
{
	char req[512];
	size_t len = icecast_source_upgrade_request(ic->hostname, ic->port, req, sizeof req);
	int rc;

	if (!len) {
		snprintf(ic->conn.why, sizeof ic->conn.why, "host name too long");
		return ICECAST_CONN_FAILED;
	}
	rc = icecast_exchange(ic, req, len, head, deadline_ms);
	if (rc != ICECAST_CONN_OK)
		return rc;
	if (!icecast_source_upgraded(head))
		return 0;
	rc = icecast_conn_tls(&ic->conn, ic->hostname, ic->ca_file, ic->ca_directory, deadline_ms);
	return rc == ICECAST_CONN_OK ? 1 : rc;
}

/* Connect, with TLS as the tls setting says: PLAYOUT_OK or the error. */
static int icecast_connect(struct icecast *ic, char *head, int64_t deadline_ms,
			   struct playout_error *err)
{
	unsigned port = ic->icy ? ic->port + 1u : ic->port;
	int rc = icecast_conn_open(&ic->conn, ic->hostname, port, ICECAST_SNDBUF, deadline_ms);

	if (rc == ICECAST_CONN_OK && ic->tls == TLS_RFC2818)
		rc = icecast_conn_tls(&ic->conn, ic->hostname, ic->ca_file, ic->ca_directory,
				      deadline_ms);
	if (rc == ICECAST_CONN_OK && !ic->icy && ic->tls != TLS_DISABLED && ic->tls != TLS_RFC2818) {
		rc = icecast_upgrade(ic, head, deadline_ms);
		if (rc == 0 && ic->tls != TLS_AUTO)
			return playout_error_set(err, PLAYOUT_EPROTO, "connect %s:%u%s: TLS requested "
						 "but not supported by peer (the server does not offer "
						 "TLS: check the tls setting)", ic->hostname,
						 (unsigned)ic->port, ic->mount);
		if (rc == 0) /* auto: plain, on a connection of its own */
			rc = icecast_conn_open(&ic->conn, ic->hostname, port, ICECAST_SNDBUF,
					       deadline_ms);
		else if (rc == 1)
			rc = ICECAST_CONN_OK;
	}
	return rc == ICECAST_CONN_OK ? PLAYOUT_OK : icecast_conn_fail(ic, rc, err);
}

/* Log in to the mount on the connection: PLAYOUT_OK or the error. */
static int icecast_login(struct icecast *ic, const struct playout_item_meta *first, char *head,
			 int64_t deadline_ms, struct playout_error *err)
{
	struct icecast_source_req r = {
		.hostname = ic->hostname, .port = ic->port, .mount = ic->mount,
		.user = ic->user, .password = ic->password, .agent = "playout/" PACKAGE_VERSION,
		.content_type = ic->ogg ? "audio/ogg" : "audio/mpeg",
		.name = ic->name, .description = ic->description, .genre = ic->genre,
		.url = ic->url, .public_ = ic->public_,
	};
	char req[8192], what[256];
	const char *advice;
	size_t len;
	int rc;

	if (first) {
		r.bitrate_kbps = first->bitrate_kbps;
		r.sample_rate = first->sample_rate;
		r.channels = first->channels;
	}
	len = icecast_source_request(&r, ic->icy, req, sizeof req);
	if (!len)
		return playout_error_set(err, PLAYOUT_ECONFIG, "connect %s:%u%s: the login request "
					 "is over %zu bytes: shorten the stream's texts",
					 ic->hostname, (unsigned)ic->port, ic->mount, sizeof req);
	rc = icecast_exchange(ic, req, len, head, deadline_ms);
	explicit_bzero(req, sizeof req);
	if (rc != ICECAST_CONN_OK)
		return icecast_conn_fail(ic, rc, err);
	rc = icecast_source_answer(head, ic->icy, what, sizeof what, &advice);
	if (rc != PLAYOUT_OK)
		return playout_error_set(err, rc, "connect %s:%u%s: %s (%s)", ic->hostname,
					 (unsigned)ic->port, ic->mount, what, advice);
	return PLAYOUT_OK;
}

static void icecast_nap(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A 403 just after this instance closed its own connection to the mount:
 * Icecast frees a mount once its source thread has seen the close, a few
 * milliseconds later, so an immediate reconnect may find our previous
 * connection still holding it. 1 when a new login is worth a try. */
static int icecast_mount_busy_with_us(const struct icecast *ic, int rc, const char *head,
				      int64_t deadline_ms)
{
	int64_t now = icecast_conn_now_ms();

	return rc == PLAYOUT_EAUTH && !ic->icy && ic->closed_ms &&
	       now - ic->closed_ms < ICECAST_TEARDOWN_MS &&
	       now + ICECAST_RELOGIN_MS < deadline_ms && strstr(head, " 403") &&
	       !icecast_stopping(ic);
}

static int icecast_open(void *inst, const struct playout_item_meta *first,
			struct playout_error *err)
{
	struct icecast *ic = inst;
	char *head;
	int64_t deadline;
	int rc;

	icecast_close(ic);
	if (icecast_stopping(ic))
		return playout_error_set(err, PLAYOUT_EUNAVAIL,
					 "connect %s:%u%s: not tried, the daemon is stopping", ic->hostname, (unsigned)ic->port,
					 ic->mount);
	head = malloc(ICECAST_HEAD_MAX);
	if (!head)
		return playout_error_set(err, PLAYOUT_ENOMEM, "connect %s:%u%s: out of memory",
					 ic->hostname, (unsigned)ic->port, ic->mount);
	icecast_take_password(ic);
	ic->ogg = first && (first->format == PLAYOUT_STREAM_OGG_VORBIS ||
			    first->format == PLAYOUT_STREAM_OGG_OPUS);
	deadline = icecast_conn_now_ms() + (int64_t)ic->connect_timeout_s * 1000;
	for (;;) {
		rc = icecast_connect(ic, head, deadline, err);
		if (rc == PLAYOUT_OK)
			rc = icecast_login(ic, first, head, deadline, err);
		if (!icecast_mount_busy_with_us(ic, rc, head, deadline))
			break;
		icecast_conn_close(&ic->conn);
		icecast_nap(ICECAST_RELOGIN_MS);
	}
	free(head);
	if (rc != PLAYOUT_OK) {
		icecast_conn_close(&ic->conn);
		return rc;
	}
	ic->connected = 1;
	if (ic->timeout_logged_ms)
		ic->host->log(ic->host, PLAYOUT_LOG_NOTICE, "%s:%u%s answers again",
			      ic->hostname, (unsigned)ic->port, ic->mount);
	ic->timeout_logged_ms = 0;
	ic->timeouts_unlogged = 0;
	ic->host->log(ic->host, PLAYOUT_LOG_INFO, "connected to %s:%u%s", ic->hostname,
		      (unsigned)ic->port, ic->mount);
	if (!ic->ogg && !ic->titles_off)
		icecast_title_start(ic->title); /* now, not at the instant */
	icecast_queue_title(ic, first);
	return PLAYOUT_OK;
}

static int icecast_start(void *inst, const struct playout_item_meta *meta,
			 struct playout_error *err)
{
	struct icecast *ic = inst;

	if (!ic->connected)
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "start on %s:%u%s: not connected", ic->hostname, (unsigned)ic->port,
					 ic->mount);
	icecast_queue_title(ic, meta);
	return PLAYOUT_OK;
}

/* Hand buf to the server within write_timeout_s: one send() when the
 * socket has room, which is the rule while the server keeps up. */
static int icecast_write(void *inst, const uint8_t *buf, size_t len,
			 struct playout_error *err)
{
	struct icecast *ic = inst;
	const char *h = ic->hostname, *m = ic->mount;
	unsigned p = ic->port;
	size_t sent = 0;
	int64_t now;
	int rc;

	if (!ic->connected)
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "send to %s:%u%s: not connected",
					 h, p, m);
	now = icecast_conn_now_ms();
	rc = icecast_conn_send(&ic->conn, buf, len, now + (int64_t)ic->write_timeout_s * 1000,
			       &sent);
	switch (rc) {
	case ICECAST_CONN_OK:
		break;
	case ICECAST_CONN_STOPPED:
		return playout_error_set(err, PLAYOUT_EUNAVAIL,
					 "send to %s:%u%s: given up, the daemon is stopping", h, p, m);
	case ICECAST_CONN_TIMEOUT:
		return playout_error_set(err, PLAYOUT_ETIMEOUT,
					 "send to %s:%u%s: the server took no data for %d s "
					 "(write_timeout_s; %zu bytes waiting): is Icecast hung "
					 "or overloaded, or the network down?", h, p, m,
					 ic->write_timeout_s, len - sent);
	default:
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "send to %s:%u%s: Socket error: "
					 "%s (the connection failed or the server closed it)", h, p,
					 m, ic->conn.why);
	}
	if (ic->title_held && !ic->title_first_write_ms) {
		ic->title_first_write_ms = now ? now : 1;
	} else if (ic->title_held && now - ic->title_first_write_ms >= ICECAST_TITLE_DELAY_MS) {
		icecast_title_release(ic->title);
		ic->title_held = 0;
	}
	return PLAYOUT_OK;
}

static const struct playout_output_ops icecast_ops = {
	.size = sizeof(struct playout_output_ops),
	.open = icecast_open,
	.start = icecast_start,
	.write = icecast_write,
	.close = icecast_close,
};

const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "icecast",
	.kind = PLAYOUT_KIND_OUTPUT,
	.description = "streams MP3 or Ogg (Vorbis, Opus) to an Icecast mount",
	.settings = icecast_settings,
	.create = icecast_create,
	.destroy = icecast_destroy,
	.ops.output = &icecast_ops,
};
