/*
 * The icecast output: streams the player's MP3 frames to one Icecast mount
 * through libshout (blocking mode; the player paces, so never shout_sync).
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

#include <shout/shout.h>

#include <playout/plugin.h>

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
	shout_t *shout; /* created on the first open, kept until destroy */
	int connected;
	/* The title goes out after the item's first bytes: a metadata request
	 * is a separate HTTP exchange and must not delay the start. */
	char pending_title[PLAYOUT_TITLE_MAX];
};

struct icecast_named {
	const char *name;
	int value;
};

static const struct icecast_named icecast_protocols[] = {
	{ "http", SHOUT_PROTOCOL_HTTP },
	{ "icy", SHOUT_PROTOCOL_ICY },
	{ NULL, 0 },
};

static const struct icecast_named icecast_tls_modes[] = {
	{ "disabled", SHOUT_TLS_DISABLED },
	{ "auto", SHOUT_TLS_AUTO },
	{ "auto_no_plain", SHOUT_TLS_AUTO_NO_PLAIN },
	{ "rfc2818", SHOUT_TLS_RFC2818 },
	{ "rfc2817", SHOUT_TLS_RFC2817 },
	{ NULL, 0 },
};

static const struct playout_setting icecast_settings[] = {
	{ .name = "host", .type = PLAYOUT_SET_STRING, .help = "Icecast server (default 127.0.0.1)" },
	{ .name = "port", .type = PLAYOUT_SET_INT, .min = 1, .max = 65535,
	  .help = "Icecast port (default 8000)" },
	{ .name = "mount", .type = PLAYOUT_SET_STRING, .required = 1,
	  .help = "mount point, starting with '/'" },
	{ .name = "user", .type = PLAYOUT_SET_STRING, .help = "source user (default \"source\")" },
	{ .name = "password", .type = PLAYOUT_SET_SECRET, .required = 1,
	  .help = "source password: literal, file:/path, env:NAME or ssm:/name" },
	{ .name = "protocol", .type = PLAYOUT_SET_STRING, .help = "\"http\" (default) or \"icy\"" },
	{ .name = "tls", .type = PLAYOUT_SET_STRING,
	  .help = "\"disabled\" (default), \"auto\", \"auto_no_plain\", \"rfc2818\" or \"rfc2817\"" },
	{ .name = "ca_directory", .type = PLAYOUT_SET_STRING, .help = "CA certificates directory for TLS" },
	{ .name = "ca_file", .type = PLAYOUT_SET_STRING, .help = "CA certificates file for TLS" },
	{ .name = "stream_name", .type = PLAYOUT_SET_STRING, .help = "stream name shown to listeners" },
	{ .name = "description", .type = PLAYOUT_SET_STRING, .help = "stream description" },
	{ .name = "genre", .type = PLAYOUT_SET_STRING, .help = "stream genre" },
	{ .name = "url", .type = PLAYOUT_SET_STRING, .help = "station web site" },
	{ .name = "public", .type = PLAYOUT_SET_BOOL, .help = "list the stream in directories (default false)" },
	{ .name = "format", .type = PLAYOUT_SET_STRING, .help = "\"mp3\" (the only format for now)" },
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

static void icecast_wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static int icecast_lookup_named(const struct icecast_named *t, const char *name, int *value)
{
	for (; t->name; t++) {
		if (strcmp(t->name, name) == 0) {
			*value = t->value;
			return 1;
		}
	}
	return 0;
}

/* Copy an optional string setting (NULL when absent). 0, or -1 when out of
 * memory. */
static int icecast_dup_setting(const config_setting_t *conf, const char *key,
			       const char *def, char **out)
{
	const char *v = def;

	config_setting_lookup_string(conf, key, &v);
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

static int icecast_fail(struct icecast *ic, shout_t *s, int rc, const char *what,
			struct playout_error *err)
{
	const char *advice = "";
	int code = icecast_code(rc, &advice);

	return playout_error_set(err, code, "%s: %s %s:%u%s: %s (%s)", ic->host->instance,
				 what, ic->hostname, (unsigned)ic->port, ic->mount,
				 s ? shout_get_error(s) : "no connection", advice);
}

/* ---- create / destroy -------------------------------------------------- */

static void icecast_destroy(void *inst)
{
	struct icecast *ic = inst;

	if (!ic)
		return;
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
	const char *who = host->instance;
	const char *mount = NULL, *password_ref = NULL, *s;
	int port = 8000, v, pub = 0, rc;
	struct icecast *ic;

	*instance = NULL;
	if (!config_setting_lookup_string(conf, "mount", &mount) || mount[0] != '/')
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "%s: setting \"mount\" is required and must start with '/' (e.g. \"/prerec\")",
					 who);
	if (!config_setting_lookup_string(conf, "password", &password_ref) || !*password_ref)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "%s: setting \"password\" (the source password) is required", who);
	if (config_setting_lookup_int(conf, "port", &port) && (port < 1 || port > 65535))
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "%s: port %d is outside 1..65535", who, port);
	s = "mp3";
	config_setting_lookup_string(conf, "format", &s);
	if (strcmp(s, "mp3") != 0)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "%s: format \"%s\" is not supported (only \"mp3\" for now)",
					 who, s);

	ic = calloc(1, sizeof *ic);
	if (!ic)
		return playout_error_set(err, PLAYOUT_ENOMEM, "%s: out of memory", who);
	ic->host = host;
	ic->port = (unsigned short)port;
	ic->protocol = SHOUT_PROTOCOL_HTTP;
	ic->tls = SHOUT_TLS_DISABLED;

	s = "http";
	config_setting_lookup_string(conf, "protocol", &s);
	if (!icecast_lookup_named(icecast_protocols, s, &v)) {
		rc = playout_error_set(err, PLAYOUT_ECONFIG,
				       "%s: protocol \"%s\" is not \"http\" or \"icy\"", who, s);
		goto fail;
	}
	ic->protocol = (unsigned)v;
	s = "disabled";
	config_setting_lookup_string(conf, "tls", &s);
	if (!icecast_lookup_named(icecast_tls_modes, s, &ic->tls)) {
		rc = playout_error_set(err, PLAYOUT_ECONFIG,
				       "%s: tls \"%s\" is not one of disabled, auto, auto_no_plain, rfc2818, rfc2817",
				       who, s);
		goto fail;
	}
	if (config_setting_lookup_bool(conf, "public", &pub))
		ic->public_ = pub != 0;

	if (icecast_dup_setting(conf, "host", "127.0.0.1", &ic->hostname) ||
	    icecast_dup_setting(conf, "mount", NULL, &ic->mount) ||
	    icecast_dup_setting(conf, "user", "source", &ic->user) ||
	    icecast_dup_setting(conf, "password", NULL, &ic->password_ref) ||
	    icecast_dup_setting(conf, "ca_directory", NULL, &ic->ca_directory) ||
	    icecast_dup_setting(conf, "ca_file", NULL, &ic->ca_file) ||
	    icecast_dup_setting(conf, "stream_name", NULL, &ic->name) ||
	    icecast_dup_setting(conf, "description", NULL, &ic->description) ||
	    icecast_dup_setting(conf, "genre", NULL, &ic->genre) ||
	    icecast_dup_setting(conf, "url", NULL, &ic->url)) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "%s: out of memory", who);
		goto fail;
	}

	if (!host->secret) {
		rc = playout_error_set(err, PLAYOUT_ECONFIG,
				       "%s: the host offers no secret resolver for \"password\"", who);
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
			return icecast_fail(ic, s, rc, "set " what " for", err);      \
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
	PO_SHOUT_TRY(shout_set_nonblocking(s, SHOUT_BLOCKING_FULL), "blocking mode");
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

static void icecast_send_title(struct icecast *ic)
{
	const char *title = ic->pending_title;
	shout_metadata_t *md;
	struct icecast_nopipe np;
	int rc;

	if (!*title || !ic->connected)
		return;
	md = shout_metadata_new();
	if (!md) {
		ic->host->log(ic->host, PLAYOUT_LOG_WARN, "metadata %s:%u%s: out of memory",
			      ic->hostname, (unsigned)ic->port, ic->mount);
		return;
	}
	rc = shout_metadata_add(md, "song", title);
	if (rc == SHOUTERR_SUCCESS) {
		icecast_nopipe_begin(&np);
		rc = shout_set_metadata_utf8(ic->shout, md);
		icecast_nopipe_end(&np);
	}
	if (rc != SHOUTERR_SUCCESS)
		ic->host->log(ic->host, PLAYOUT_LOG_WARN,
			      "set title \"%s\" on %s:%u%s: %s (listeners keep the old title)",
			      title, ic->hostname, (unsigned)ic->port, ic->mount,
			      shout_get_error(ic->shout));
	shout_metadata_free(md);
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

static int icecast_open(void *inst, const struct playout_item_meta *first,
			struct playout_error *err)
{
	struct icecast *ic = inst;
	struct icecast_nopipe np;
	int rc;

	icecast_close(ic);
	if (!ic->shout && !(ic->shout = shout_new()))
		return playout_error_set(err, PLAYOUT_ENOMEM, "%s: connect %s:%u%s: out of memory",
					 ic->host->instance, ic->hostname, (unsigned)ic->port,
					 ic->mount);
	icecast_take_password(ic);
	rc = icecast_configure(ic, ic->shout, first, err);
	if (rc != PLAYOUT_OK)
		return rc;
	icecast_nopipe_begin(&np);
	rc = shout_open(ic->shout);
	if (rc != SHOUTERR_SUCCESS) {
		rc = icecast_fail(ic, ic->shout, rc, "connect", err);
		/* libshout keeps its connection object after a failed open;
		 * shout_close releases it so the next open starts clean. */
		shout_close(ic->shout);
	}
	icecast_nopipe_end(&np);
	if (rc != PLAYOUT_OK)
		return rc;
	ic->connected = 1;
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
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "%s: start on %s:%u%s: not connected",
					 ic->host->instance, ic->hostname, (unsigned)ic->port,
					 ic->mount);
	icecast_queue_title(ic, meta);
	return PLAYOUT_OK;
}

static int icecast_write(void *inst, const uint8_t *buf, size_t len,
			 struct playout_error *err)
{
	struct icecast *ic = inst;
	struct icecast_nopipe np;
	int rc;

	if (!ic->connected)
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "%s: send to %s:%u%s: not connected",
					 ic->host->instance, ic->hostname, (unsigned)ic->port,
					 ic->mount);
	icecast_nopipe_begin(&np);
	rc = shout_send(ic->shout, buf, len);
	icecast_nopipe_end(&np);
	if (rc != SHOUTERR_SUCCESS) {
		const char *advice = "";
		icecast_code(rc, &advice);
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "%s: send to %s:%u%s: %s (%s)",
					 ic->host->instance, ic->hostname, (unsigned)ic->port,
					 ic->mount, shout_get_error(ic->shout), advice);
	}
	if (ic->pending_title[0])
		icecast_send_title(ic);
	return PLAYOUT_OK;
}

static const struct playout_output_ops icecast_ops = {
	.open = icecast_open,
	.start = icecast_start,
	.write = icecast_write,
	.close = icecast_close,
};

const struct playout_plugin playout_plugin = {
	.abi = PLAYOUT_PLUGIN_ABI,
	.name = "icecast",
	.kind = PLAYOUT_KIND_OUTPUT,
	.description = "streams MP3 to an Icecast mount (libshout)",
	.settings = icecast_settings,
	.create = icecast_create,
	.destroy = icecast_destroy,
	.ops = &icecast_ops,
};
