/* libcartflow: AWS Signature Version 4 (AWS4-HMAC-SHA256) signing of request headers. */
#ifndef CARTFLOW_SIGV4_H
#define CARTFLOW_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export.h"
#include "status.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* AWS credentials. All strings are borrowed, NUL-terminated, and must not contain CR or LF. */
struct cf_credentials {
	const char *access_key_id;
	const char *secret_access_key;  /* at most CF_SIGV4_SECRET_MAX bytes */
	const char *session_token;      /* NULL or "" when the credentials are not temporary */
};

#define CF_SIGV4_SECRET_MAX 256

/*
 * A one-entry cache of the derived signing key, keyed by date, region, service and secret (the
 * secret itself is not stored, only a SHA-256 over all four). Caller-allocated, start from {0}.
 * Not thread-safe: give each thread its own. Wipe it with cf_sigv4_key_cache_clean_up().
 */
struct cf_sigv4_key_cache {
	unsigned char id_[32];
	unsigned char key_[32];
	bool valid_;
};

/*
 * What to sign with. Every field is borrowed for the duration of cf_sigv4_sign(). Zero values give
 * the DynamoDB/SQS behaviour: path normalised and double-encoded, session token signed, no
 * x-amz-content-sha256 header.
 */
struct cf_sigv4_params {
	struct cf_credentials creds;
	const char *region;                    /* "us-east-1" */
	const char *service;                   /* signing name: "dynamodb", "sqs" */
	int64_t time_s;                        /* signing time, seconds since the Unix epoch (UTC) */
	bool add_content_sha256;               /* add and sign x-amz-content-sha256: <hex sha256(body)> */
	bool omit_session_token;               /* add X-Amz-Security-Token after signing, unsigned */
	bool keep_dot_segments;                /* do not remove "."/".." or collapse "//" in the path */
	bool single_encode_path;               /* S3: the URL path is already encoded; do not encode '%XX' again */
	struct cf_sigv4_key_cache *key_cache;  /* optional; NULL derives the key every time */
};

/*
 * The result of signing. Caller-allocated; start from {0}. Everything inside is owned by the result
 * and released by cf_sigv4_result_clean_up(), except the names and values of the request's own
 * headers, which `headers` borrows from the request passed to cf_sigv4_sign().
 */
struct cf_sigv4_result {
	/* The request's headers, in order, then the added ones: ready to use as the signed request's. */
	struct cf_http_header *headers;
	size_t header_count;
	/* The added headers (the tail of `headers`), in this order: X-Amz-Date, X-Amz-Security-Token
	 * (with a session token), X-Amz-Content-Sha256 (with add_content_sha256), Authorization. */
	const struct cf_http_header *added;
	size_t added_count;
	const char *authorization;             /* value of the Authorization header (points into `added`) */
	/* For tests and debugging; never log these above DEBUG. */
	char *canonical_request;
	size_t canonical_request_len;
	char *string_to_sign;
	size_t string_to_sign_len;
	char signature[65];                    /* 64 lowercase hex digits and a NUL */
};

/*
 * Sign `req` for header authentication at p->time_s. `req` and `p` are borrowed (req->timeout_ms is
 * ignored); `out` is caller-owned, and filled on success. On failure `out` is left zeroed and `err`
 * (borrowed, may be NULL) says why.
 *
 * Signs every request header except hop-by-hop and proxy-mutated ones (Connection, Expect,
 * Keep-Alive, Proxy-Authorization, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade,
 * User-Agent, X-Amzn-Trace-Id), plus Host (from the URL, with the port when it is not the
 * scheme's default, when `req` has none; the result does not add a Host header, the transport
 * sends the same value), X-Amz-Date and the optional headers above. Query parameters are decoded (as form data: '+' is a space) and
 * re-encoded. A request header x-amz-content-sha256 (e.g. UNSIGNED-PAYLOAD) is used as the
 * payload hash instead of hashing the body. Header values are trimmed and inner runs of spaces and
 * tabs collapse to one space; a multi-line (obs-fold) value must be unfolded by the caller first.
 *
 * Returns CF_OK; CF_ERR_INVALID_ARG for a NULL or malformed argument, a URL that is not
 * absolute or holds a control byte (spaces are signed as %20), or a request header the signer adds itself (Authorization, X-Amz-Date, and the optional
 * ones it was asked to add); CF_ERR_HEADER for a header name that is not an HTTP token or a header
 * value or credential containing CR, LF; CF_ERR_NOMEM.
 */
CF_API enum cf_status cf_sigv4_sign(const struct cf_http_request *req, const struct cf_sigv4_params *p,
				    struct cf_sigv4_result *out, struct cf_error *err) CF_WARN_UNUSED;

/* Release what `res` holds and zero it. `res` is borrowed; NULL is a no-op. */
CF_API void cf_sigv4_result_clean_up(struct cf_sigv4_result *res);

/* Wipe the cached key and mark the cache empty. `cache` is borrowed; NULL is a no-op. */
CF_API void cf_sigv4_key_cache_clean_up(struct cf_sigv4_key_cache *cache);

#ifdef __cplusplus
}
#endif

#endif
