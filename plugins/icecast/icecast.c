/*
 * The icecast output: streams the player's MP3 frames to one Icecast mount
 * through libshout (the player paces, so never shout_sync).
 *
 * libshout runs in non-blocking mode (SHOUT_BLOCKING_NONE) so that a server
 * that accepts TCP and never answers, or stops reading, costs this output a
 * timeout and a retry, never the player thread: open waits for
 * shout_get_connected() up to connect_timeout_s, write waits for
 * shout_queuelen() to drain up to write_timeout_s, both in short naps that
 * look at host->stopping so the daemon stops within 2 s. The title goes by
 * title.c (libshout's metadata call blocks without limit), and sock.c bounds
 * the socket's send buffer so a stalled server shows in the queue soon.
 *
 * libshout's shout_init()/shout_shutdown() are not reference counted (2.4.6:
 * a plain "initialized" flag; on POSIX they only prepare the resolver and
 * keep no allocation). shout_new() calls shout_init() itself. So each
 * instance calls shout_init() once in create (on the control thread, where
 * instances are created one at a time) and nobody calls shout_shutdown():
 * one instance shutting the library down would pull it from under the others.
 *
 * libshout 2.4.6's shout_free() frees nothing unless the shout_t is connected
 * (and then leaks the connection). So each instance keeps one shout_t for its
 * whole life and reuses it for every connection (shout_open/shout_close, both
 * fine to repeat since 2.4.3): nothing leaks per connection, and only that
 * one shout_t per instance is lost at destroy (tests suppress it for LSan).
 *
 * Writing to a socket the server closed raises SIGPIPE. A plugin may not
 * change the process's signal dispositions, so every libshout call that does
 * network I/O runs with SIGPIPE blocked in the calling thread, and a SIGPIPE
 * it raised is consumed before unblocking; the failure then comes back as an
 * ordinary libshout error.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <shout/shout.h>

#include <playout/plugin.h>

#include "sock.h"
#include "title.h"

#define ICECAST_NAP_CONNECT_MS 20 /* between looks at a connection in progress */
#define ICECAST_NAP_WRITE_MS 10   /* between pushes of a queue the socket refused */
#define ICECAST_SNDBUF 32768      /* the kernel doubles it: 64 KiB, about 4 s of
				     128 kbit/s, is all a stalled server hides */
#define ICECAST_LOG_REPEAT_MS 60000 /* connect timeouts: one warning a minute */

extern const struct playout_plugin playout_plugin;

struct icecast {
	const struct playout_host *host;
	char *hostname, *mount, *user;
	char *password_ref; /* the setting; the value is asked for at each open */
	char *password;     /* the value of the last open */
	char *ca_directory, *ca_file;
	char *name, *description, *genre, *url;
	unsigned short port;
	unsigned protocol;
	int tls;
	int public_;
	int connect_timeout_s, write_timeout_s;
	shout_t *shout; /* created on the first open, kept until destroy */
	int connected;
	struct icecast_title *title; /* the title sender; its thread starts lazily */
	int titles_off;              /* TLS modes the host's HTTP client cannot do */
	int64_t timeout_logged_ms;   /* monotonic; 0: never */
	int timeouts_unlogged;
	/* The title goes out after the item's first bytes: a metadata request
	 * is a separate HTTP exchange and must not delay the start. */
	char pending_title[PLAYOUT_TITLE_MAX];
};

/* The names the settings table accepts, and the libshout value of each
 * (same order). */
static const char *const icecast_protocol_names[] = { "http", "icy", NULL };
static const int icecast_protocol_values[] = { SHOUT_PROTOCOL_HTTP, SHOUT_PROTOCOL_ICY };
static const char *const icecast_tls_names[] = {
	"disabled", "auto", "auto_no_plain", "rfc2818", "rfc2817", NULL
};
static const int icecast_tls_values[] = {
	SHOUT_TLS_DISABLED, SHOUT_TLS_AUTO, SHOUT_TLS_AUTO_NO_PLAIN, SHOUT_TLS_RFC2818,
	SHOUT_TLS_RFC2817
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

struct icecast_nopipe {
	sigset_t old;
	int pending_before;
};

/* Block SIGPIPE in this thread for the duration of some network I/O. */
static void icecast_nopipe_begin(struct icecast_nopipe *np)
{
	sigset_t pipe_set, pending;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigemptyset(&pending);
	sigpending(&pending);
	np->pending_before = sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &pipe_set, &np->old);
}

/* Consume a SIGPIPE the I/O raised (not one that was already pending) and
 * restore the thread's mask. */
static void icecast_nopipe_end(struct icecast_nopipe *np)
{
	sigset_t pipe_set, pending;
	const struct timespec zero = { 0, 0 };

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	if (!np->pending_before) {
		sigemptyset(&pending);
		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE) == 1) {
			while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
				;
		}
	}
	pthread_sigmask(SIG_SETMASK, &np->old, NULL);
}

static int64_t icecast_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The daemon is stopping: a wait on the server must end now. */
static int icecast_stopping(const struct icecast *ic)
{
	return ic->host->stopping && ic->host->stopping(ic->host);
}

/* Sleep ms (short: the callers look at icecast_stopping between naps). */
static void icecast_nap(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
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

/* What a libshout error code means for us, and what a person should check. */
static int icecast_code(int shout_err, const char **advice)
{
	switch (shout_err) {
	case SHOUTERR_NOCONNECT:
		*advice = "is Icecast running and listening there?";
		return PLAYOUT_EUNAVAIL;
	case SHOUTERR_NOLOGIN:
		*advice = "check the password and user, and that no other source holds the mount";
		return PLAYOUT_EAUTH;
	case SHOUTERR_SOCKET:
		*advice = "the connection failed or the server closed it";
		return PLAYOUT_EUNAVAIL;
	case SHOUTERR_MALLOC:
		*advice = "out of memory";
		return PLAYOUT_ENOMEM;
	case SHOUTERR_NOTLS:
		*advice = "the server does not offer TLS: check the tls setting";
		return PLAYOUT_EPROTO;
	case SHOUTERR_TLSBADCERT:
		*advice = "the server certificate is not trusted: check ca_file/ca_directory";
		return PLAYOUT_EPROTO;
	case SHOUTERR_UNSUPPORTED:
		*advice = "this libshout does not support a configured option";
		return PLAYOUT_ECONFIG;
	case SHOUTERR_INSANE:
		*advice = "a setting was refused by libshout";
		return PLAYOUT_ECONFIG;
	case SHOUTERR_UNCONNECTED:
		*advice = "not connected";
		return PLAYOUT_EUNAVAIL;
	default:
		*advice = "unexpected answer from the server";
		return PLAYOUT_EPROTO;
	}
}

/* libshout's words for rc. Not shout_get_error(): in non-blocking mode a
 * failure found while pushing the queue is the connection's, and the shout_t
 * still says "No error". */
static const char *icecast_shout_text(int rc)
{
	switch (rc) {
	case SHOUTERR_INSANE: return "Nonsensical arguments";
	case SHOUTERR_NOCONNECT: return "Couldn't connect";
	case SHOUTERR_NOLOGIN: return "Login failed";
	case SHOUTERR_SOCKET: return "Socket error";
	case SHOUTERR_MALLOC: return "Out of memory";
	case SHOUTERR_UNCONNECTED: return "Not connected";
	case SHOUTERR_UNSUPPORTED: return "This libshout doesn't support the requested option";
	case SHOUTERR_NOTLS: return "TLS requested but not supported by peer";
	case SHOUTERR_TLSBADCERT: return "TLS connection can not be established because of bad certificate";
	default: return "Unexpected libshout error";
	}
}

static int icecast_fail(struct icecast *ic, int rc, const char *what,
			struct playout_error *err)
{
	const char *advice = "";
	int code = icecast_code(rc, &advice);

	return playout_error_set(err, code, "%s %s:%u%s: %s (%s)",
				 what, ic->hostname, (unsigned)ic->port, ic->mount,
				 icecast_shout_text(rc), advice);
}

/* ---- create / destroy -------------------------------------------------- */

static void icecast_destroy(void *inst)
{
	struct icecast *ic = inst;

	if (!ic)
		return;
	icecast_title_free(ic->title);
	if (ic->shout) {
		struct icecast_nopipe np;
		icecast_nopipe_begin(&np);
		if (ic->connected)
			shout_close(ic->shout);
		icecast_nopipe_end(&np);
		shout_set_password(ic->shout, ""); /* drop its copy of the secret */
		shout_free(ic->shout);
	}
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
	ic->port = (unsigned short)playout_conf_int(conf, "port");
	ic->connect_timeout_s = (int)playout_conf_int(conf, "connect_timeout_s");
	ic->write_timeout_s = (int)playout_conf_int(conf, "write_timeout_s");
	ic->protocol = (unsigned)icecast_protocol_values[icecast_index(
		icecast_protocol_names, playout_conf_str(conf, "protocol"))];
	s = playout_conf_str(conf, "tls");
	ic->tls = icecast_tls_values[icecast_index(icecast_tls_names, s)];
	ic->public_ = playout_conf_bool(conf, "public");
	/* Titles go through the host's HTTP client (see title.c), which speaks
	 * plain HTTP or HTTPS but cannot upgrade a plain connection to TLS. */
	if (ic->tls == SHOUT_TLS_AUTO_NO_PLAIN || ic->tls == SHOUT_TLS_RFC2817) {
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

	shout_init();
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

/* Apply every setting to a fresh shout_t. */
static int icecast_configure(struct icecast *ic, shout_t *s,
			     const struct playout_item_meta *first,
			     struct playout_error *err)
{
	char num[32];
	int rc;

#define PO_SHOUT_TRY(call, what)                                                      \
	do {                                                                          \
		rc = (call);                                                          \
		if (rc != SHOUTERR_SUCCESS)                                           \
			return icecast_fail(ic, rc, "set " what " for", err);         \
	} while (0)

	PO_SHOUT_TRY(shout_set_host(s, ic->hostname), "host");
	PO_SHOUT_TRY(shout_set_port(s, ic->port), "port");
	PO_SHOUT_TRY(shout_set_user(s, ic->user), "user");
	PO_SHOUT_TRY(shout_set_password(s, ic->password), "password");
	PO_SHOUT_TRY(shout_set_mount(s, ic->mount), "mount");
	PO_SHOUT_TRY(shout_set_protocol(s, ic->protocol), "protocol");
	PO_SHOUT_TRY(shout_set_agent(s, "playout/" PACKAGE_VERSION), "agent");
	if (ic->tls != SHOUT_TLS_DISABLED)
		PO_SHOUT_TRY(shout_set_tls(s, ic->tls), "tls");
	if (ic->ca_directory)
		PO_SHOUT_TRY(shout_set_ca_directory(s, ic->ca_directory), "ca_directory");
	if (ic->ca_file)
		PO_SHOUT_TRY(shout_set_ca_file(s, ic->ca_file), "ca_file");
	PO_SHOUT_TRY(shout_set_content_format(s, SHOUT_FORMAT_MP3, SHOUT_USAGE_AUDIO, NULL),
		     "format");
	PO_SHOUT_TRY(shout_set_nonblocking(s, SHOUT_BLOCKING_NONE), "non-blocking mode");
	PO_SHOUT_TRY(shout_set_public(s, (unsigned)ic->public_), "public");
	if (ic->name)
		PO_SHOUT_TRY(shout_set_meta(s, SHOUT_META_NAME, ic->name), "name");
	if (ic->description)
		PO_SHOUT_TRY(shout_set_meta(s, SHOUT_META_DESCRIPTION, ic->description),
			     "description");
	if (ic->genre)
		PO_SHOUT_TRY(shout_set_meta(s, SHOUT_META_GENRE, ic->genre), "genre");
	if (ic->url)
		PO_SHOUT_TRY(shout_set_meta(s, SHOUT_META_URL, ic->url), "url");
	if (first && first->bitrate_kbps > 0) {
		snprintf(num, sizeof num, "%d", first->bitrate_kbps);
		PO_SHOUT_TRY(shout_set_audio_info(s, SHOUT_AI_BITRATE, num), "bitrate");
	}
	if (first && first->sample_rate > 0) {
		snprintf(num, sizeof num, "%d", first->sample_rate);
		PO_SHOUT_TRY(shout_set_audio_info(s, SHOUT_AI_SAMPLERATE, num), "samplerate");
	}
	if (first && first->channels > 0) {
		snprintf(num, sizeof num, "%d", first->channels);
		PO_SHOUT_TRY(shout_set_audio_info(s, SHOUT_AI_CHANNELS, num), "channels");
	}
#undef PO_SHOUT_TRY
	return PLAYOUT_OK;
}

/* Set the stream title; a failure is a warning (the audio matters more). */
static void icecast_queue_title(struct icecast *ic, const struct playout_item_meta *meta)
{
	const char *title = NULL;
	if (meta)
		title = meta->title && *meta->title ? meta->title : meta->pid;
	snprintf(ic->pending_title, sizeof ic->pending_title, "%s", title ? title : "");
}

/* Hand the pending title to the sender thread: no network here. */
static void icecast_send_title(struct icecast *ic)
{
	struct icecast_title_target to;

	if (!ic->pending_title[0] || !ic->connected || ic->titles_off) {
		ic->pending_title[0] = '\0';
		return;
	}
	memset(&to, 0, sizeof to);
	to.hostname = ic->hostname;
	to.port = ic->port;
	to.mount = ic->mount;
	to.user = ic->user;
	to.password = ic->password;
	to.icy = ic->protocol == SHOUT_PROTOCOL_ICY;
	to.https = ic->tls == SHOUT_TLS_RFC2818;
	icecast_title_post(ic->title, &to, ic->pending_title);
	ic->pending_title[0] = '\0';
}

static void icecast_close(void *inst)
{
	struct icecast *ic = inst;
	struct icecast_nopipe np;

	if (!ic->connected)
		return;
	icecast_nopipe_begin(&np);
	shout_close(ic->shout);
	icecast_nopipe_end(&np);
	ic->connected = 0;
}

/* A connect that timed out: a warning now, then one a minute while it
 * lasts (the player retries every second and says nothing itself). msg is
 * the error's text, which starts with the instance name the log adds too. */
static void icecast_log_timeout(struct icecast *ic, const char *msg)
{
	int64_t now = icecast_mono_ms();
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

/* Wait for the connection shout_open began: up to connect_timeout_s, looking
 * at host->stopping between naps. rc is shout_open's answer. */
static int icecast_await_connect(struct icecast *ic, int rc, struct playout_error *err)
{
	int64_t deadline = icecast_mono_ms() + (int64_t)ic->connect_timeout_s * 1000;

	while (rc == SHOUTERR_BUSY || rc == SHOUTERR_RETRY) {
		int64_t left = deadline - icecast_mono_ms();
		if (icecast_stopping(ic))
			return playout_error_set(err, PLAYOUT_EUNAVAIL,
						 "connect %s:%u%s: given up, the daemon is stopping", ic->hostname, (unsigned)ic->port,
						 ic->mount);
		if (left <= 0) {
			playout_error_set(err, PLAYOUT_ETIMEOUT,
					  "connect %s:%u%s: no answer within %d s "
					  "(connect_timeout_s): is Icecast running there and not "
					  "overloaded? A wrong port behind a firewall looks the same", ic->hostname, (unsigned)ic->port,
					  ic->mount, ic->connect_timeout_s);
			icecast_log_timeout(ic, err->msg);
			return PLAYOUT_ETIMEOUT;
		}
		icecast_nap(left < ICECAST_NAP_CONNECT_MS ? left : ICECAST_NAP_CONNECT_MS);
		rc = shout_get_connected(ic->shout);
	}
	/* Non-blocking, a refused or unreachable port shows as a socket error
	 * of the connection in progress: say what it means. */
	if (rc == SHOUTERR_SOCKET)
		rc = SHOUTERR_NOCONNECT;
	if (rc != SHOUTERR_SUCCESS && rc != SHOUTERR_CONNECTED)
		return icecast_fail(ic, rc, "connect", err);
	return PLAYOUT_OK;
}

/* Bound the kernel's send buffer of the new connection, so a server that
 * stops reading fills libshout's queue (and trips write_timeout_s) within
 * seconds, not after the minutes of audio an autotuned buffer holds. And
 * turn Nagle off: the opening burst and each paced write are due now, not
 * when the previous segment is acknowledged. */
static void icecast_cap_sndbuf(struct icecast *ic, const struct icecast_sockset *before)
{
	unsigned port = ic->protocol == SHOUT_PROTOCOL_ICY ? ic->port + 1u : ic->port;
	int fd = icecast_sock_find_new(before, port);
	int size = ICECAST_SNDBUF, one = 1;

	if (fd >= 0 && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
		ic->host->log(ic->host, PLAYOUT_LOG_DEBUG, "TCP_NODELAY on %s:%u%s: %s",
			      ic->hostname, (unsigned)ic->port, ic->mount, strerror(errno));
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) != 0)
		ic->host->log(ic->host, PLAYOUT_LOG_DEBUG,
			      "send buffer of %s:%u%s left as is (socket not identified): a "
			      "stalled server shows only once the kernel's buffer is full",
			      ic->hostname, (unsigned)ic->port, ic->mount);
}

static int icecast_open(void *inst, const struct playout_item_meta *first,
			struct playout_error *err)
{
	struct icecast *ic = inst;
	struct icecast_nopipe np;
	struct icecast_sockset before = { NULL, 0, 0 };
	int rc, listed;

	icecast_close(ic);
	if (icecast_stopping(ic))
		return playout_error_set(err, PLAYOUT_EUNAVAIL,
					 "connect %s:%u%s: not tried, the daemon is stopping", ic->hostname, (unsigned)ic->port,
					 ic->mount);
	if (!ic->shout && !(ic->shout = shout_new()))
		return playout_error_set(err, PLAYOUT_ENOMEM, "connect %s:%u%s: out of memory", ic->hostname, (unsigned)ic->port,
					 ic->mount);
	icecast_take_password(ic);
	rc = icecast_configure(ic, ic->shout, first, err);
	if (rc != PLAYOUT_OK)
		return rc;
	listed = icecast_sock_snapshot(&before) == 0;
	icecast_nopipe_begin(&np);
	rc = icecast_await_connect(ic, shout_open(ic->shout), err);
	if (rc != PLAYOUT_OK) {
		/* libshout keeps its connection object after a failed open;
		 * shout_close releases it so the next open starts clean. */
		shout_close(ic->shout);
	}
	icecast_nopipe_end(&np);
	if (rc == PLAYOUT_OK && listed)
		icecast_cap_sndbuf(ic, &before);
	icecast_sockset_free(&before);
	if (rc != PLAYOUT_OK)
		return rc;
	ic->connected = 1;
	if (ic->timeout_logged_ms)
		ic->host->log(ic->host, PLAYOUT_LOG_NOTICE, "%s:%u%s answers again",
			      ic->hostname, (unsigned)ic->port, ic->mount);
	ic->timeout_logged_ms = 0;
	ic->timeouts_unlogged = 0;
	ic->host->log(ic->host, PLAYOUT_LOG_INFO, "connected to %s:%u%s", ic->hostname,
		      (unsigned)ic->port, ic->mount);
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

static int icecast_send_error(struct icecast *ic, int rc, struct playout_error *err)
{
	const char *advice = "";

	icecast_code(rc, &advice);
	return playout_error_set(err, PLAYOUT_EUNAVAIL, "send to %s:%u%s: %s (%s)", ic->hostname, (unsigned)ic->port, ic->mount,
				 icecast_shout_text(rc), advice);
}

/* Push libshout's queue to the socket until it is empty: up to
 * write_timeout_s, looking at host->stopping between naps. In non-blocking
 * mode shout_send() queues and reports nothing of the socket; a send of
 * nothing pushes the queue and returns the socket's error. */
static int icecast_drain(struct icecast *ic, struct playout_error *err)
{
	int64_t deadline = icecast_mono_ms() + (int64_t)ic->write_timeout_s * 1000;

	for (;;) {
		int rc = shout_send(ic->shout, NULL, 0);
		ssize_t queued;
		int64_t left;

		if (rc != SHOUTERR_SUCCESS && rc != SHOUTERR_BUSY && rc != SHOUTERR_RETRY)
			return icecast_send_error(ic, rc, err);
		queued = shout_queuelen(ic->shout);
		if (queued == 0)
			return PLAYOUT_OK;
		if (queued < 0)
			return icecast_send_error(ic, (int)queued, err);
		if (icecast_stopping(ic))
			return playout_error_set(err, PLAYOUT_EUNAVAIL,
						 "send to %s:%u%s: given up, the daemon is stopping", ic->hostname, (unsigned)ic->port,
						 ic->mount);
		left = deadline - icecast_mono_ms();
		if (left <= 0)
			return playout_error_set(err, PLAYOUT_ETIMEOUT,
						 "send to %s:%u%s: the server took no data for %d s "
						 "(write_timeout_s; %zd bytes waiting): is Icecast hung "
						 "or overloaded, or the network down?", ic->hostname, (unsigned)ic->port,
						 ic->mount, ic->write_timeout_s, queued);
		icecast_nap(left < ICECAST_NAP_WRITE_MS ? left : ICECAST_NAP_WRITE_MS);
	}
}

static int icecast_write(void *inst, const uint8_t *buf, size_t len,
			 struct playout_error *err)
{
	struct icecast *ic = inst;
	struct icecast_nopipe np;
	int rc;

	if (!ic->connected)
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "send to %s:%u%s: not connected", ic->hostname, (unsigned)ic->port,
					 ic->mount);
	icecast_nopipe_begin(&np);
	rc = shout_send(ic->shout, buf, len);
	if (rc != SHOUTERR_SUCCESS && rc != SHOUTERR_BUSY && rc != SHOUTERR_RETRY)
		rc = icecast_send_error(ic, rc, err);
	else
		rc = icecast_drain(ic, err);
	icecast_nopipe_end(&np);
	if (rc != PLAYOUT_OK)
		return rc;
	if (ic->pending_title[0])
		icecast_send_title(ic);
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
	.description = "streams MP3 to an Icecast mount (libshout)",
	.settings = icecast_settings,
	.create = icecast_create,
	.destroy = icecast_destroy,
	.ops.output = &icecast_ops,
};
