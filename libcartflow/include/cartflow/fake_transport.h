/* libcartflow: a scriptable in-memory transport for tests (ours and yours). */
#ifndef CARTFLOW_FAKE_TRANSPORT_H
#define CARTFLOW_FAKE_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "export.h"
#include "status.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A fake transport records every request it receives and answers each call, in this order of
 * precedence:
 *   1. a failure scheduled for that call number (cf_fake_transport_fail_call / _fail_from_call);
 *   2. the oldest scripted response still queued (cf_fake_transport_push_response), consumed;
 *   3. the handler, when one is set (cf_fake_transport_set_handler);
 *   4. otherwise status 200 with the body "{}" and no headers.
 * A scheduled failure does not consume a scripted response. Calls are numbered from 1 and counted
 * whether or not they fail. Requests refused for unsafe headers are neither counted nor recorded.
 * send_many answers its requests one after another in index order, each exactly as send() would.
 * Not thread-safe.
 */
struct cf_fake_transport;

/* A scripted answer. Everything is copied by cf_fake_transport_push_response(). */
struct cf_fake_response {
	long status;                          /* 0 means 200 */
	const struct cf_http_header *headers; /* header_count entries */
	size_t header_count;
	const char *body;                     /* body_len bytes, may be NULL when body_len is 0 */
	size_t body_len;
};

/*
 * What a scheduled failure does to the call it hits. The two HTTP ones answer like DynamoDB, with
 * Content-Type: application/x-amz-json-1.0 and x-amzn-RequestId headers:
 *   5XX:        500 {"__type":"InternalFailure","message":"The request processing has failed ..."}
 *   THROTTLING: 400 {"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException",
 *                    "message":"Rate exceeded"}
 */
enum cf_fake_failure {
	CF_FAKE_FAIL_TRANSPORT = 1,  /* send returns CF_ERR_TRANSPORT, no response */
	CF_FAKE_FAIL_TIMEOUT = 2,    /* send returns CF_ERR_TIMEOUT, no response */
	CF_FAKE_FAIL_5XX = 3,        /* send returns CF_OK with the 500 above */
	CF_FAKE_FAIL_THROTTLING = 4, /* send returns CF_OK with the 400 above */
};

/*
 * Answers a call when no failure or scripted response applies. `req` is borrowed for the call; fill
 * `resp` (zeroed on entry) with cf_http_response_add_header/set_body and set `resp->status`. A status
 * other than CF_OK is returned by send as is, `resp` emptied; fill `err` to say why.
 */
typedef enum cf_status (*cf_fake_handler_fn)(void *user, const struct cf_http_request *req,
					     struct cf_http_response *resp, struct cf_error *err);

/* Create an empty fake into `*out` (freed with cf_fake_transport_destroy). CF_ERR_NOMEM; *out NULL then. */
CF_API enum cf_status cf_fake_transport_new(struct cf_fake_transport **out) CF_WARN_UNUSED;

/* Free the fake, its recorded requests and queued responses. `fake` taken; NULL is a no-op. */
CF_API void cf_fake_transport_destroy(struct cf_fake_transport *fake);

/*
 * The fake as a transport (version 1 with send_many). The result borrows `fake`: it is valid until
 * cf_fake_transport_destroy(), and cf_transport_destroy() on it does not free the fake.
 */
CF_API struct cf_transport cf_fake_transport_as_transport(struct cf_fake_transport *fake);

/* Queue a scripted response (copied) at the back of the FIFO. CF_ERR_NOMEM / CF_ERR_INVALID_ARG. */
CF_API enum cf_status cf_fake_transport_push_response(struct cf_fake_transport *fake,
						      const struct cf_fake_response *resp) CF_WARN_UNUSED;

/* Shorthand: queue `status` with the NUL-terminated `body` (copied) and no headers. */
CF_API enum cf_status cf_fake_transport_push_body(struct cf_fake_transport *fake, long status,
						  const char *body) CF_WARN_UNUSED;

/* Number of scripted responses not yet consumed. */
CF_API size_t cf_fake_transport_pending_responses(const struct cf_fake_transport *fake);

/* Set (or with NULL `fn`, remove) the handler. `user` is borrowed and passed back to every call. */
CF_API void cf_fake_transport_set_handler(struct cf_fake_transport *fake, cf_fake_handler_fn fn, void *user);

/* Make call number `n` (1-based) fail with `failure`. CF_ERR_INVALID_ARG for n == 0 or an unknown failure. */
CF_API enum cf_status cf_fake_transport_fail_call(struct cf_fake_transport *fake, size_t n,
						  enum cf_fake_failure failure) CF_WARN_UNUSED;

/* Make call number `n` (1-based) and every later call fail with `failure`. Earlier rules win on overlap. */
CF_API enum cf_status cf_fake_transport_fail_from_call(struct cf_fake_transport *fake, size_t n,
						       enum cf_fake_failure failure) CF_WARN_UNUSED;

/* Remove every scheduled failure. */
CF_API void cf_fake_transport_clear_failures(struct cf_fake_transport *fake);

/* Number of calls received (and requests recorded) so far. NULL gives 0. */
CF_API size_t cf_fake_transport_request_count(const struct cf_fake_transport *fake);

/*
 * Recorded request `index` (0-based; call number index + 1), or NULL when out of range. Borrowed from
 * `fake` until cf_fake_transport_reset/destroy. Method, url, headers and body are copies; the body is
 * followed by a NUL not counted in body_len (body is never NULL in a record).
 */
CF_API const struct cf_http_request *cf_fake_transport_request(const struct cf_fake_transport *fake,
							       size_t index);

/* Forget recorded requests, queued responses, failures and the handler; call numbering restarts at 1. */
CF_API void cf_fake_transport_reset(struct cf_fake_transport *fake);

#ifdef __cplusplus
}
#endif

#endif
