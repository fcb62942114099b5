/* libcartflow: the HTTP transport vtable every AWS and Runtime API call goes through. */
#ifndef CARTFLOW_TRANSPORT_H
#define CARTFLOW_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One header. Both strings are NUL-terminated; the owner is whoever holds the array. */
struct cf_http_header {
	const char *name;
	const char *value;
};

/* A request. Everything is borrowed from the caller for the duration of the send call. */
struct cf_http_request {
	const char *method;                    /* "GET", "POST", ... */
	const char *url;                       /* absolute: scheme://host[:port]/path[?query] */
	const struct cf_http_header *headers;  /* header_count entries; values must not contain CR, LF */
	size_t header_count;
	const char *body;                      /* body_len bytes, may be NULL when body_len is 0 */
	size_t body_len;
	int64_t timeout_ms;                    /* total time allowed; 0 = no total timeout */
};

/*
 * A response, filled by a transport. Caller-allocated; start from {0}. Every pointer inside is owned
 * by the response and released by cf_http_response_clean_up(). Transports (including users' own)
 * fill `headers` and `body` only through cf_http_response_add_header() and cf_http_response_set_body().
 */
struct cf_http_response {
	long status;                           /* HTTP status code */
	struct cf_http_header *headers;        /* header_count entries, names as received */
	size_t header_count;
	char *body;                            /* body_len bytes plus a NUL not counted; NULL when empty */
	size_t body_len;
};

/* Release what a response holds and zero it. NULL is a no-op. */
CF_API void cf_http_response_clean_up(struct cf_http_response *resp);

/* First header named `name` (ASCII case-insensitive), or NULL. Result borrowed from `resp`. */
CF_API const char *cf_http_response_header(const struct cf_http_response *resp, const char *name);

/*
 * Append a header to `resp` (both strings copied). For transports, including users' own.
 * CF_ERR_NOMEM on allocation failure, leaving `resp` as it was.
 */
CF_API enum cf_status cf_http_response_add_header(struct cf_http_response *resp, const char *name,
						  const char *value) CF_WARN_UNUSED;

/* Replace the body of `resp` with a copy of `body` (`len` bytes). CF_ERR_NOMEM on failure. */
CF_API enum cf_status cf_http_response_set_body(struct cf_http_response *resp, const char *body,
						size_t len) CF_WARN_UNUSED;

/* True when `value` holds no CR, LF or NUL byte, so it is safe in an HTTP header. `value` borrowed. */
CF_API bool cf_http_header_value_is_safe(const char *value);

#define CF_TRANSPORT_VERSION_1 1u

/*
 * A transport's methods: a const table whose first field is its version (as SQLite's
 * sqlite3_io_methods). Slots are only ever appended; a caller checks `version >= N && slot` before
 * using an optional slot. `data` below is the transport's own state.
 */
struct cf_transport_methods {
	uint32_t version;

	/*
	 * Required. Perform one request and fill `resp` (caller-owned, zeroed on entry).
	 * Returns CF_OK when an HTTP response arrived, whatever its status;
	 * CF_ERR_TIMEOUT, CF_ERR_TRANSPORT, CF_ERR_HEADER or CF_ERR_TOO_LARGE otherwise, with `resp` empty.
	 */
	enum cf_status (*send)(void *data, const struct cf_http_request *req, struct cf_http_response *resp,
			       struct cf_error *err);

	/*
	 * Optional. Perform `count` requests with at most `max_in_flight` outstanding at once.
	 * `resps`, `statuses` and `errs` are caller-owned arrays of `count` entries (`errs` may be NULL);
	 * entry i describes request i exactly as send() would. Returns CF_OK when every request was
	 * attempted (look at `statuses` for each), another status when the batch as a whole could not run;
	 * then nothing was sent and every entry of `statuses` (and `errs`) holds that status.
	 * Callers fall back to calling send() in a loop when the slot is NULL.
	 */
	enum cf_status (*send_many)(void *data, const struct cf_http_request *reqs, size_t count,
				    size_t max_in_flight, struct cf_http_response *resps,
				    enum cf_status *statuses, struct cf_error *errs);

	/* Optional. Release `data`. */
	void (*destroy)(void *data);
};

/* A transport: methods plus the state they act on. Copied by value; `methods` must outlive it. */
struct cf_transport {
	const struct cf_transport_methods *methods;
	void *data;
};

/*
 * Call t->send. Refuses unsafe header names or values with CF_ERR_HEADER (and a malformed method or url
 * with CF_ERR_INVALID_ARG) before the transport sees them. `err` is cleared first and filled on failure;
 * on failure `resp` is left empty.
 */
CF_API enum cf_status cf_transport_send(const struct cf_transport *t, const struct cf_http_request *req,
					struct cf_http_response *resp, struct cf_error *err) CF_WARN_UNUSED;

/*
 * Call t->send_many when the transport has it (`version >= 1 && send_many`), else send() one by one.
 * Same contract as send_many; `max_in_flight` must be at least 1 and `errs` may be NULL.
 * Requests with unsafe header values get CF_ERR_HEADER in their `statuses` entry and are not sent.
 */
CF_API enum cf_status cf_transport_send_many(const struct cf_transport *t, const struct cf_http_request *reqs,
					     size_t count, size_t max_in_flight, struct cf_http_response *resps,
					     enum cf_status *statuses, struct cf_error *errs) CF_WARN_UNUSED;

/* Call t->methods->destroy when present, then zero `*t`. `t` borrowed; NULL is a no-op. */
CF_API void cf_transport_destroy(struct cf_transport *t);

#ifdef __cplusplus
}
#endif

#endif
