/*
 * icecast_tls.so: the icecast output's TLS client with OpenSSL, on a socket
 * the plugin connected. A module of its own so that libssl is mapped only
 * by a daemon with a TLS output (tls.c opens it). The socket's I/O goes
 * through a BIO of ours that sends with MSG_NOSIGNAL: a server that closed
 * the connection costs an error, never a SIGPIPE.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls_api.h"

struct icecast_tls {
	SSL_CTX *ctx;
	SSL *ssl;
};

static BIO_METHOD *nosig_method;
static pthread_once_t nosig_once = PTHREAD_ONCE_INIT;

static int nosig_write(BIO *b, const char *buf, int len)
{
	ssize_t n = send(BIO_get_fd(b, NULL), buf, (size_t)len, MSG_NOSIGNAL);
	BIO_clear_retry_flags(b);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_write(b);
	return (int)n;
}

static int nosig_read(BIO *b, char *buf, int len)
{
	ssize_t n = recv(BIO_get_fd(b, NULL), buf, (size_t)len, 0);
	BIO_clear_retry_flags(b);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_read(b);
	return (int)n;
}

/* The socket BIO's methods with read and write replaced: made once by the
 * first output to connect (the module stays loaded; outputs connect from
 * their own player threads). */
static void nosig_make(void)
{
	const BIO_METHOD *sock = BIO_s_socket();
	BIO_METHOD *m = BIO_meth_new(BIO_TYPE_SOCKET, "icecast socket");
	if (!m)
		return;
	BIO_meth_set_write(m, nosig_write);
	BIO_meth_set_read(m, nosig_read);
	BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(sock));
	BIO_meth_set_create(m, BIO_meth_get_create(sock));
	BIO_meth_set_destroy(m, BIO_meth_get_destroy(sock));
	BIO_meth_set_puts(m, BIO_meth_get_puts(sock));
	nosig_method = m;
}

static BIO *nosig_bio(int fd)
{
	pthread_once(&nosig_once, nosig_make);
	if (!nosig_method)
		return NULL;
	BIO *b = BIO_new(nosig_method);
	if (b)
		BIO_set_fd(b, fd, BIO_NOCLOSE);
	return b;
}

static void tls_why(char *why, size_t n, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	if (e) {
		ERR_error_string_n(e, buf, sizeof buf);
		snprintf(why, n, "%s: %s", what, buf);
	} else {
		snprintf(why, n, "%s", what);
	}
	ERR_clear_error();
}

static void tls_free(struct icecast_tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl);
	SSL_CTX_free(t->ctx);
	free(t);
}

static struct icecast_tls *tls_client(int fd, const char *name, const char *ca_file,
				      const char *ca_dir, char *why, size_t why_len)
{
	struct icecast_tls *t = calloc(1, sizeof *t);
	unsigned char ip[16];
	BIO *bio;

	ERR_clear_error();
	if (!t) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx) {
		tls_why(why, why_len, "TLS context");
		goto fail;
	}
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	if (ca_file || ca_dir) {
		if (SSL_CTX_load_verify_locations(t->ctx, ca_file, ca_dir) != 1) {
			tls_why(why, why_len, "cannot read ca_file/ca_directory");
			goto fail;
		}
	} else if (SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		tls_why(why, why_len, "cannot read the system's CA certificates");
		goto fail;
	}
	t->ssl = SSL_new(t->ctx);
	bio = t->ssl ? nosig_bio(fd) : NULL;
	if (!bio) {
		tls_why(why, why_len, "TLS session");
		goto fail;
	}
	SSL_set_bio(t->ssl, bio, bio);
	SSL_set_mode(t->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
		     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), name) != 1) {
			tls_why(why, why_len, "TLS peer address");
			goto fail;
		}
	} else if (SSL_set_tlsext_host_name(t->ssl, name) != 1 ||
		   SSL_set1_host(t->ssl, name) != 1) {
		tls_why(why, why_len, "TLS server name");
		goto fail;
	}
	SSL_set_connect_state(t->ssl);
	return t;
fail:
	tls_free(t);
	return NULL;
}

/* What SSL_get_error says of a call that returned rc. */
static int tls_state(struct icecast_tls *t, int rc, const char *what, char *why, size_t why_len)
{
	int e = SSL_get_error(t->ssl, rc);
	long vr;

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return ICECAST_TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return ICECAST_TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		snprintf(why, why_len, "%s: the server closed the TLS connection", what);
		return ICECAST_TLS_CLOSED;
	default:
		vr = SSL_get_verify_result(t->ssl);
		if (vr != X509_V_OK) {
			snprintf(why, why_len, "%s: %s", what, X509_verify_cert_error_string(vr));
			ERR_clear_error();
			return ICECAST_TLS_BADCERT;
		}
		if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
			snprintf(why, why_len, "%s: %s", what,
				 errno ? strerror(errno) : "the server closed the connection");
			return errno ? ICECAST_TLS_FAILED : ICECAST_TLS_CLOSED;
		}
		tls_why(why, why_len, what);
		return ICECAST_TLS_FAILED;
	}
}

static int tls_handshake(struct icecast_tls *t, char *why, size_t why_len)
{
	ERR_clear_error();
	errno = 0;
	int rc = SSL_do_handshake(t->ssl);
	return rc == 1 ? ICECAST_TLS_DONE : tls_state(t, rc, "TLS handshake", why, why_len);
}

static ssize_t tls_send(struct icecast_tls *t, const void *buf, size_t len, int *state,
			char *why, size_t why_len)
{
	size_t done = 0;

	ERR_clear_error();
	errno = 0;
	int rc = SSL_write_ex(t->ssl, buf, len, &done);
	if (rc == 1)
		return (ssize_t)done;
	*state = tls_state(t, rc, "TLS send", why, why_len);
	return 0;
}

static ssize_t tls_recv(struct icecast_tls *t, void *buf, size_t len, int *state,
			char *why, size_t why_len)
{
	size_t done = 0;

	ERR_clear_error();
	errno = 0;
	int rc = SSL_read_ex(t->ssl, buf, len, &done);
	if (rc == 1)
		return (ssize_t)done;
	*state = tls_state(t, rc, "TLS receive", why, why_len);
	return 0;
}

extern const struct icecast_tls_module icecast_tls_module;
const struct icecast_tls_module icecast_tls_module = {
	.version = ICECAST_TLS_VERSION,
	.size = sizeof(struct icecast_tls_module),
	.client = tls_client,
	.handshake = tls_handshake,
	.send = tls_send,
	.recv = tls_recv,
	.free = tls_free,
};
