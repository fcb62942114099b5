/* libcartflow: the production transport, built on libcurl. */
#ifndef CARTFLOW_CURL_TRANSPORT_H
#define CARTFLOW_CURL_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export.h"
#include "status.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults used for zero fields of struct cf_curl_transport_options. */
#define CF_CURL_DEFAULT_MAX_CONNECTIONS 32
#define CF_CURL_DEFAULT_CONNECT_TIMEOUT_MS 5000
#define CF_CURL_DEFAULT_MAX_RESPONSE_BYTES ((size_t)8 * 1024 * 1024)
/* Upper bound accepted for max_connections. */
#define CF_CURL_MAX_CONNECTIONS_LIMIT 1024

/*
 * Options for cf_curl_transport_new(). Zero (or a NULL pointer for the whole struct) means the
 * default for every field.
 *
 * There is deliberately no way to turn TLS peer or host verification off.
 */
struct cf_curl_transport_options {
	/*
	 * Connection slots: easy handles kept for reuse, open connections kept alive between calls, and
	 * the cap on requests in flight in send_many (a larger max_in_flight is lowered to this).
	 * 0 = CF_CURL_DEFAULT_MAX_CONNECTIONS; at most CF_CURL_MAX_CONNECTIONS_LIMIT.
	 */
	size_t max_connections;
	/* TCP plus TLS handshake deadline per new connection. 0 = CF_CURL_DEFAULT_CONNECT_TIMEOUT_MS. */
	int64_t connect_timeout_ms;
	/* Largest response body accepted; more is CF_ERR_TOO_LARGE. 0 = CF_CURL_DEFAULT_MAX_RESPONSE_BYTES. */
	size_t max_response_bytes;
	/*
	 * PEM CA bundle for https (borrowed during the call; the path is copied). NULL = the SSL_CERT_FILE
	 * environment variable if set, else the first that exists of /etc/ssl/certs/ca-certificates.crt
	 * (Debian, Ubuntu) and /etc/pki/tls/certs/ca-bundle.crt (Amazon Linux 2023), else curl's built-in
	 * default. An explicit path or SSL_CERT_FILE that cannot be read is CF_ERR_CONFIG.
	 */
	const char *ca_file;
	/*
	 * false: cf_curl_transport_new starts libcurl (curl_global_init, which initialises OpenSSL, and
	 * the multi and share handles). true: it only checks the options and picks the CA bundle, and
	 * libcurl starts in cf_curl_transport_start() or the first send, whichever comes first; a start
	 * that fails then fails that call. For a program that overlaps the start with other waiting (the
	 * bootstrap starts it while its first /next is in flight). Appended in 0.1: the struct has no
	 * size field, so callers rebuild against this header.
	 */
	bool defer_start;
};

/*
 * Create a libcurl transport into `out` (caller-owned; released with cf_transport_destroy()).
 * `opt` borrowed, may be NULL. The environment (SSL_CERT_FILE) is read here, once, never per request.
 *
 * Behaviour:
 * - http and https only; redirects are not followed; HTTP/1.1 with keep-alive. Connections persist
 *   between calls (one curl multi handle owns them, a pool of easy handles is reused, TLS sessions are
 *   shared), so a run of sequential calls to one host uses one connection.
 * - TLS peer and host name are always verified. Plain http is allowed (the Lambda Runtime API,
 *   local DynamoDB or LocalStack endpoints).
 * - request.timeout_ms bounds the whole exchange (0 = none, for the Runtime API's /next long poll);
 *   the connect timeout applies either way.
 * - Exactly the caller's headers are sent, plus Host and Content-Length: curl's own Accept, Expect
 *   and form Content-Type are suppressed so nothing unsigned reaches AWS. No User-Agent is added.
 * - send errors: CF_ERR_TIMEOUT (deadline passed), CF_ERR_TRANSPORT (DNS, connect, TLS, reset;
 *   the curl message is in `err`), CF_ERR_TOO_LARGE (body over max_response_bytes, or response headers
 *   over 64 KiB), CF_ERR_HEADER (CR or LF in a header), CF_ERR_NOMEM.
 * - send_many runs at most min(max_in_flight, max_connections) requests at once over curl_multi.
 *
 * Threads: a transport must be used by one thread at a time. Starting libcurl (in this call, or
 * with defer_start in cf_curl_transport_start or the first send) runs
 * curl_global_init(CURL_GLOBAL_DEFAULT) once per process (guarded by pthread_once); with a libcurl
 * older than 7.84 that call is not thread-safe against other threads using curl or OpenSSL, so a
 * multi-threaded program should call curl_global_init itself before starting threads. The library
 * never calls curl_global_cleanup; a program that wants a clean exit (valgrind) calls it last, after
 * destroying every transport.
 *
 * Errors: CF_ERR_INVALID_ARG (NULL `out`, negative timeout, too many connections), CF_ERR_CONFIG (CA
 * bundle unreadable), CF_ERR_NOMEM, CF_ERR_TRANSPORT (curl_global_init failed; not with defer_start).
 * On failure `*out` is zeroed.
 */
CF_API enum cf_status cf_curl_transport_new(const struct cf_curl_transport_options *opt, struct cf_transport *out,
					    struct cf_error *err) CF_WARN_UNUSED;

/*
 * Start libcurl for a transport made with defer_start (a no-op when it has started already).
 * `t` and `err` borrowed (`err` may be NULL); `t` must come from cf_curl_transport_new (else
 * CF_ERR_INVALID_ARG). Errors: CF_ERR_NOMEM (the next start or send tries again), CF_ERR_TRANSPORT
 * (curl_global_init failed: final for the process, every later start and send reports it).
 */
CF_API enum cf_status cf_curl_transport_start(const struct cf_transport *t, struct cf_error *err) CF_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
