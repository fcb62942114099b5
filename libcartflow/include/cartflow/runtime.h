/* libcartflow: the Lambda Runtime API client (2018-06-01). */
#ifndef CARTFLOW_RUNTIME_H
#define CARTFLOW_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "export.h"
#include "status.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest response Lambda accepts for a synchronous invocation. */
#define CF_RUNTIME_MAX_RESPONSE ((size_t)6 * 1024 * 1024)

/* One invocation from /next. Every string is owned and released by cf_invocation_clean_up(). */
struct cf_invocation {
	char *request_id;          /* Lambda-Runtime-Aws-Request-Id, always set */
	int64_t deadline_ms;       /* Lambda-Runtime-Deadline-Ms, epoch ms; 0 when absent */
	char *function_arn;        /* the rest: NULL when the header is absent */
	char *trace_id;
	char *client_context;
	char *cognito_identity;
	char *tenant_id;
	char *event;               /* the event body, NUL-terminated */
	size_t event_len;
};

/* Free and zero. NULL is a no-op. */
CF_API void cf_invocation_clean_up(struct cf_invocation *inv);

struct cf_runtime_options {
	const char *api;                 /* AWS_LAMBDA_RUNTIME_API, "host:port"; copied */
	struct cf_transport transport;   /* borrowed */
	const struct cf_clock *clock;    /* borrowed; NULL = real (used for retry backoff) */
	unsigned next_attempts;          /* transport errors tolerated on /next before giving up; 0 = 5 */
};

struct cf_runtime;

/* Create a client. CF_ERR_CONFIG when `api` is missing or malformed. `*out` freed with cf_runtime_destroy(). */
CF_API enum cf_status cf_runtime_new(const struct cf_runtime_options *opt, struct cf_runtime **out,
				     struct cf_error *err) CF_WARN_UNUSED;

/* NULL is a no-op. */
CF_API void cf_runtime_destroy(struct cf_runtime *rt);

/*
 * GET /next (no total timeout) into `inv` (caller-owned, zeroed on entry). Transport errors are
 * retried with backoff up to next_attempts times, then CF_ERR_TRANSPORT. A response without a
 * request id is CF_ERR_MISSING (the caller may go on to the next one); any non-200 is CF_ERR_HTTP
 * (500 means the runtime must exit).
 */
CF_API enum cf_status cf_runtime_next(struct cf_runtime *rt, struct cf_invocation *inv, struct cf_error *err)
	CF_WARN_UNUSED;

/*
 * POST /invocation/<id>/response with `body` (borrowed); `request_id` is borrowed too. A body over CF_RUNTIME_MAX_RESPONSE is not
 * posted: CF_ERR_TOO_LARGE, and the caller reports an error instead. 413 -> CF_ERR_TOO_LARGE (do not
 * post again); other 4xx (400 bad request, 403 forbidden) -> CF_ERR_INVALID_ARG (this invocation is
 * lost to us, the next one may work); 5xx -> CF_ERR_HTTP (the runtime must exit promptly).
 */
CF_API enum cf_status cf_runtime_respond(struct cf_runtime *rt, const char *request_id, const char *body, size_t len,
					 struct cf_error *err) CF_WARN_UNUSED;

/*
 * POST /invocation/<id>/error with {"errorMessage","errorType","stackTrace":[]} and the header
 * Lambda-Runtime-Function-Error-Type. Strings borrowed.
 */
CF_API enum cf_status cf_runtime_fail(struct cf_runtime *rt, const char *request_id, const char *error_type,
				      const char *message, struct cf_error *err) CF_WARN_UNUSED;

/* POST /runtime/init/error, same body and header, strings borrowed; the caller exits afterwards. */
CF_API enum cf_status cf_runtime_init_error(struct cf_runtime *rt, const char *error_type, const char *message,
					    struct cf_error *err) CF_WARN_UNUSED;

/*
 * Write the error document {"errorMessage":...,"errorType":...,"stackTrace":[]} from `error_type`
 * and `message` (borrowed); on CF_OK `*out` (`*out_len` bytes) is new, freed with cf_free().
 */
CF_API enum cf_status cf_runtime_error_document(const char *error_type, const char *message, char **out,
						size_t *out_len) CF_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
