/* libcartflow: a plain-HTTP/1.1 transport on one socket, for the Lambda Runtime API. */
#ifndef CARTFLOW_SOCKET_TRANSPORT_H
#define CARTFLOW_SOCKET_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "export.h"
#include "status.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults used for zero fields of struct cf_socket_transport_options. */
#define CF_SOCKET_DEFAULT_CONNECT_TIMEOUT_MS 5000
#define CF_SOCKET_DEFAULT_MAX_RESPONSE_BYTES ((size_t)8 * 1024 * 1024)

/*
 * A hook the transport calls once, on the thread that is sending, from inside cf_transport_send; it
 * must not use the transport. `ctx` is the options' hook_ctx.
 */
typedef void (*cf_socket_hook_fn)(void *ctx);

/*
 * Options for cf_socket_transport_new(). Zero (or a NULL pointer for the whole struct) means the
 * default. Appended to in later versions (the struct has no size field: rebuild against the header).
 */
struct cf_socket_transport_options {
	/* TCP connect deadline. 0 = CF_SOCKET_DEFAULT_CONNECT_TIMEOUT_MS. */
	int64_t connect_timeout_ms;
	/* Largest response body accepted; more is CF_ERR_TOO_LARGE. 0 = CF_SOCKET_DEFAULT_MAX_RESPONSE_BYTES. */
	size_t max_response_bytes;
	/*
	 * Called once, the first time a request has been written and its answer is about to be awaited:
	 * work that can run while the peer answers (the bootstrap starts libcurl there while its first
	 * /next is in flight). NULL = nothing.
	 */
	cf_socket_hook_fn on_first_wait;
	/*
	 * Called once, just before the first host name is looked up (getaddrinfo); never when every URL
	 * names its host by address (the bootstrap configures glibc's name services there). NULL = nothing.
	 */
	cf_socket_hook_fn before_first_lookup;
	/* Passed to both hooks; borrowed: it must stay valid until both have run or the transport is destroyed. */
	void *hook_ctx;
};

/*
 * Create a socket transport into `out` (caller-owned; released with cf_transport_destroy()). `opt`
 * borrowed, may be NULL. Nothing is connected until the first send.
 *
 * What it is for: a peer on the same host that speaks plain HTTP/1.1, the Lambda Runtime API above
 * all (AWS_LAMBDA_RUNTIME_API). It starts in microseconds and touches a few pages where libcurl
 * initialises OpenSSL and its connection cache; it has no TLS, no proxy, no redirects and no
 * send_many. Use the curl transport for anything else.
 *
 * Behaviour:
 * - http:// URLs only (anything else is CF_ERR_UNSUPPORTED); the host is an IPv4 address, a
 *   bracketed IPv6 address or a name (getaddrinfo); no user info.
 * - One connection, kept alive while the server allows it and the next request goes to the same
 *   host and port. A request that fails on a reused connection before any byte of its answer arrived
 *   (the server had closed the idle connection) is sent once more on a new one, as curl does.
 * - Exactly the caller's headers are sent, plus Host and, for a body or a method other than GET and
 *   HEAD, Content-Length. Callers may not set Host, Content-Length, Transfer-Encoding or Connection
 *   (CF_ERR_HEADER).
 * - Answers framed by Content-Length, the chunked coding or the end of the connection; interim 1xx
 *   answers are skipped. A malformed answer is CF_ERR_TRANSPORT and closes the connection.
 * - A server that answers before it has read the whole request and closes (413 for a body it will
 *   not take) fails the rest of the upload: on a new connection, the answer it sent is returned as
 *   the answer (the connection is then closed); if none came, the send fails as CF_ERR_TRANSPORT.
 * - request.timeout_ms bounds the whole exchange (0 = none, for /next's long poll); the connect
 *   timeout applies either way. A host name lookup (getaddrinfo) is not bounded by either.
 * - send errors: CF_ERR_TIMEOUT, CF_ERR_TRANSPORT (resolve, connect, reset, malformed answer),
 *   CF_ERR_TOO_LARGE (body over max_response_bytes, head over 64 KiB), CF_ERR_UNSUPPORTED,
 *   CF_ERR_HEADER, CF_ERR_NOMEM; the message names the method and URL.
 *
 * Threads: one thread at a time per transport. Errors from new (`err` borrowed, may be NULL):
 * CF_ERR_INVALID_ARG (NULL `out`, connect_timeout_ms negative or over INT64_MAX / 1000000),
 * CF_ERR_NOMEM; on failure `*out` is zeroed.
 */
CF_API enum cf_status cf_socket_transport_new(const struct cf_socket_transport_options *opt, struct cf_transport *out,
					      struct cf_error *err) CF_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
