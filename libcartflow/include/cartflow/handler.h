/* libcartflow: the two Lambda handlers, process-cart-products and update-cart-status. */
#ifndef CARTFLOW_HANDLER_H
#define CARTFLOW_HANDLER_H

#include <stdbool.h>
#include <stddef.h>

#include "aws_config.h"
#include "clock.h"
#include "export.h"
#include "log.h"
#include "runtime.h"
#include "status.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a handler is built from. Everything is borrowed and must outlive the handler. */
struct cf_handler_env {
	cf_getenv_fn getenv_fn;        /* NULL = getenv */
	void *getenv_user;
	struct cf_transport transport; /* for the AWS calls */
	const struct cf_clock *clock;  /* NULL = real */
	struct cf_logger *log;         /* required */
	bool dry_run;                  /* AWS credentials and region may be absent */
	size_t max_in_flight;          /* concurrent AWS calls; 0 = the client default */
};

struct cf_handler;

/*
 * Creates a handler. `env` and what it points to are borrowed for the call; on CF_OK `*out` is new
 * and freed with cf_handler_destroy(). Each fails with CF_ERR_CONFIG naming the missing or bad variable.
 */
typedef enum cf_status (*cf_handler_new_fn)(const struct cf_handler_env *env, struct cf_handler **out,
					    struct cf_error *err);

/*
 * process-cart-products: a DynamoDB stream event -> forward rule -> SQS messages on the queue named
 * by UPDATE_CART_PRODUCT_SQS (a .fifo URL gets MessageGroupId/MessageDeduplicationId). Responds with
 * the streams partial-batch response: the SequenceNumber of the first failed record and of every
 * record after it (one shard per invocation, so ordering survives retries).
 */
/* A cf_handler_new_fn: see its comment for ownership. */
CF_API enum cf_status cf_process_cart_products_new(const struct cf_handler_env *env, struct cf_handler **out,
						   struct cf_error *err) CF_WARN_UNUSED;

/*
 * update-cart-status: an SQS event -> orders -> UpdateItem on TABLE_NAME for every order item, with
 * bounded concurrency across the batch. A message succeeds only when all its updates do; otherwise
 * its messageId is reported. Bodies that cannot be parsed and ConditionalCheckFailedException are
 * permanent failures, logged at WARN with the order id and reason. On a FIFO queue, processing stops
 * at the first failed message, which is reported with every later one.
 */
/* A cf_handler_new_fn: see its comment for ownership. */
CF_API enum cf_status cf_update_cart_status_new(const struct cf_handler_env *env, struct cf_handler **out,
						struct cf_error *err) CF_WARN_UNUSED;

/*
 * Handle one invocation (`inv` borrowed). On CF_OK `*response` (free with cf_free) is the JSON to
 * post to /response, e.g. {"batchItemFailures":[]}. Any other status means the invocation failed as
 * a whole (the event could not be read, or a failure could not be reported per record): `err` says
 * why and cf_handler_error_type() names it for the Runtime API.
 */
CF_API enum cf_status cf_handler_invoke(struct cf_handler *h, const struct cf_invocation *inv, char **response,
					size_t *response_len, struct cf_error *err) CF_WARN_UNUSED;

/* The errorType reported for a failed invocation with status `st`, e.g. "InvalidEvent". Static. */
CF_API const char *cf_handler_error_type(enum cf_status st);

/* Release the handler. NULL is a no-op. */
CF_API void cf_handler_destroy(struct cf_handler *h);

/*
 * Serve invocations from `rt` with `handler`, logging to `log` (all borrowed): GET /next, set
 * _X_AMZN_TRACE_ID (unset when absent), invoke, POST /response or /error (a response over 6 MB
 * becomes an error). A /next without a request id is logged and skipped. Returns CF_OK after
 * `max_invocations` (0 = never), else the status that made the loop stop: /next failing after its
 * retries, or the Runtime API answering 500 or vanishing while a result was posted (exit then).
 */
CF_API enum cf_status cf_runtime_serve(struct cf_runtime *rt, struct cf_handler *handler, struct cf_logger *log,
				       size_t max_invocations);

/*
 * The whole bootstrap: with no arguments, the Runtime API loop on AWS_LAMBDA_RUNTIME_API; with
 * `--event FILE [--dry-run]` (FILE "-" = stdin), one local invocation whose response is the last
 * line of stdout (exit 0; 1 when the invocation failed; 2 for usage or configuration errors).
 * `argv` borrowed. Returns the process exit code. Meant to be a process's main, called before any
 * other thread starts: it ignores SIGPIPE, makes host names resolve from /etc/hosts then DNS only,
 * initialises OpenSSL without its error strings, legacy cipher names and atexit cleanup, and
 * populates the executable's data, malloc's brk heap and some stack up front; all of this affects
 * everything else in the process (lambda_main.c and prefault.c say why). The Runtime API loop talks to the Runtime API through the socket
 * transport and to AWS through the curl transport, whose start (curl_global_init, OpenSSL) it
 * overlaps with its first /next. `argv` and `function_name` are borrowed and must outlive the call
 * (it returns only when the process is to exit, with the exit status).
 */
CF_API int cf_lambda_main(int argc, char **argv, const char *function_name, cf_handler_new_fn new_handler);

#ifdef __cplusplus
}
#endif

#endif
