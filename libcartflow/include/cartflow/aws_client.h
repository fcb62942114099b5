/* libcartflow: signed AWS JSON-protocol calls with the SDKs' standard retry behaviour. */
#ifndef CARTFLOW_AWS_CLIENT_H
#define CARTFLOW_AWS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws_config.h"
#include "clock.h"
#include "export.h"
#include "status.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How an AWS failure should be treated. */
enum cf_aws_error_class {
	CF_AWS_OK,          /* not an error */
	CF_AWS_THROTTLING,  /* retry after backoff */
	CF_AWS_TRANSIENT,   /* 5xx, connection reset, timeout: retry after backoff */
	CF_AWS_PERMANENT,   /* retrying cannot help (validation, condition, auth, missing resource) */
};

/* Static name: "ok", "throttling", "transient", "permanent". */
CF_API const char *cf_aws_error_class_name(enum cf_aws_error_class c);

/*
 * Classify an error code such as "ThrottlingException" (namespace already stripped, borrowed; NULL
 * or "" classifies by the status alone) with its HTTP status.
 */
CF_API enum cf_aws_error_class cf_aws_classify(long http_status, const char *error_type);

/* Retry settings; zero fields take the defaults shown. */
struct cf_retry_policy {
	unsigned max_attempts;       /* 3: the first try and two retries */
	int64_t base_delay_ms;       /* 100: full-jitter backoff is random * min(base * 2^retry, max) */
	int64_t max_backoff_ms;      /* 20000 */
	unsigned quota_capacity;     /* 500 retry tokens */
	unsigned retry_cost;         /* 5 tokens per retry */
	unsigned timeout_retry_cost; /* 10 tokens per retry after a timeout or transport error */
};

struct cf_aws_client_options {
	const struct cf_aws_config *config; /* borrowed; must outlive the client */
	struct cf_transport transport;      /* borrowed (not destroyed by the client) */
	const struct cf_clock *clock;       /* borrowed; NULL = real clock */
	struct cf_retry_policy retry;
	int64_t safety_margin_ms;           /* kept back from every deadline; 0 = 500 ms */
	/*
	 * Bound on one attempt (one HTTP exchange), so that a request that hangs is abandoned and
	 * retried instead of using up the whole deadline; 0 = CF_AWS_DEFAULT_ATTEMPT_TIMEOUT_MS.
	 * An attempt never runs past the deadline either.
	 */
	int64_t attempt_timeout_ms;
};

/* Default bound on one attempt: far above DynamoDB's and SQS's normal latency (milliseconds). */
#define CF_AWS_DEFAULT_ATTEMPT_TIMEOUT_MS 3000

struct cf_aws_client;

/*
 * Create a client. `opt` is read; what it points to is borrowed. `*out` freed with cf_aws_client_destroy().
 * CF_ERR_INVALID_ARG without a config or transport, or with a negative timeout or margin.
 */
CF_API enum cf_status cf_aws_client_new(const struct cf_aws_client_options *opt, struct cf_aws_client **out,
					struct cf_error *err) CF_WARN_UNUSED;

/* Release the client (not its transport or config). NULL is a no-op. */
CF_API void cf_aws_client_destroy(struct cf_aws_client *client);

/*
 * The X-Amzn-Trace-Id sent with every following call (copied); NULL or "" sends none.
 * Values with CR or LF are refused (CF_ERR_HEADER) and the previous value is dropped.
 */
CF_API enum cf_status cf_aws_client_set_trace_id(struct cf_aws_client *client, const char *trace_id) CF_WARN_UNUSED;

/* Retry tokens left in the client's quota (for tests and metrics). */
CF_API unsigned cf_aws_client_retry_tokens(const struct cf_aws_client *client);

/* The outcome of one call (after retries). Caller-allocated; released by cf_aws_result_clean_up(). */
struct cf_aws_result {
	enum cf_status status;            /* CF_OK on a 2xx answer */
	enum cf_aws_error_class error_class;
	long http_status;                 /* 0 when no HTTP response arrived */
	char error_type[64];              /* e.g. "ConditionalCheckFailedException", namespace stripped */
	char error_message[256];          /* AWS's message or the transport's; never secrets */
	char *body;                       /* 2xx response body ("{}" when empty), owned; NULL otherwise */
	size_t body_len;
	unsigned attempts;
};

/* Free what `res` holds and zero it. NULL is a no-op. */
CF_API void cf_aws_result_clean_up(struct cf_aws_result *res);

/* One JSON-protocol request: "POST /" to an endpoint with an X-Amz-Target. */
struct cf_aws_request {
	const char *body;   /* borrowed */
	size_t body_len;
};

enum cf_aws_service {
	CF_AWS_SQS,
	CF_AWS_DYNAMODB,
};

/*
 * Send `count` requests with target `target` (e.g. "DynamoDB_20120810.UpdateItem") to `service`,
 * at most `max_in_flight` at once, retrying throttling and transient failures by the client's
 * policy, never past `deadline_ms` (epoch ms, minus the safety margin; 0 = no deadline).
 * `results` (caller-owned, `count` entries, zeroed on entry) gets one outcome per request.
 * `target` and `requests` (and the bodies they point to) are borrowed for the call. Returns CF_OK
 * when every request was attempted (see each result), else a status for the call as a whole
 * (CF_ERR_INVALID_ARG, CF_ERR_NOMEM).
 */
CF_API enum cf_status cf_aws_call_many(struct cf_aws_client *client, enum cf_aws_service service, const char *target,
				       const struct cf_aws_request *requests, size_t count, size_t max_in_flight,
				       int64_t deadline_ms, struct cf_aws_result *results) CF_WARN_UNUSED;

/*
 * Check a response body against its x-amz-crc32 header (decimal CRC-32 of the body), if present.
 * CF_OK when absent or matching, CF_ERR_CRC otherwise (also for anything but ASCII digits, such as a
 * sign or spaces). `resp` borrowed.
 */
CF_API enum cf_status cf_aws_check_crc32(const struct cf_http_response *resp) CF_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
