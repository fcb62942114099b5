/* The Runtime API loop: fetch, handle, post, until the Runtime API says stop. */
#include <stdlib.h>

#include "cartflow/alloc.h"
#include "cartflow/handler.h"

/* Export the trace id for this invocation as Lambda's runtimes do (unset when absent). */
static void set_trace_env(const char *trace_id)
{
	if (trace_id && *trace_id)
		setenv("_X_AMZN_TRACE_ID", trace_id, 1);
	else
		unsetenv("_X_AMZN_TRACE_ID");
}

/* Post the handler's answer for one invocation; false when the process must exit. */
static bool finish_invocation(struct cf_runtime *rt, struct cf_logger *log, const struct cf_invocation *inv,
			      enum cf_status st, const char *response, size_t len, const struct cf_error *handler_err)
{
	struct cf_error err = { 0 };
	enum cf_status posted;
	if (st == CF_OK && len > CF_RUNTIME_MAX_RESPONSE) {
		st = CF_ERR_TOO_LARGE;
		cf_error_set(&err, st, "response of %zu bytes exceeds Lambda's 6 MB limit", len);
		handler_err = &err;
	}
	if (st == CF_OK) {
		posted = cf_runtime_respond(rt, inv->request_id, response, len, &err);
	} else {
		struct cf_log_field f[] = { { "errorType", cf_handler_error_type(st) }, { "reason", handler_err->message } };
		cf_log(log, CF_LOG_ERROR, "invocation failed", f, 2);
		posted = cf_runtime_fail(rt, inv->request_id, cf_handler_error_type(st), handler_err->message, &err);
	}
	if (posted == CF_OK)
		return true;
	struct cf_log_field f[] = { { "reason", err.message } };
	cf_log(log, CF_LOG_ERROR, "could not post the invocation result", f, 1);
	return posted != CF_ERR_HTTP && posted != CF_ERR_TRANSPORT;
}

CF_API enum cf_status cf_runtime_serve(struct cf_runtime *rt, struct cf_handler *handler, struct cf_logger *log,
				       size_t max_invocations)
{
	struct cf_error err = { 0 };
	for (size_t served = 0; !max_invocations || served < max_invocations;) {
		struct cf_invocation inv;
		enum cf_status st = cf_runtime_next(rt, &inv, &err);
		if (st == CF_ERR_MISSING) {
			struct cf_log_field f[] = { { "reason", err.message } };
			cf_log(log, CF_LOG_ERROR, "invocation without a request id ignored", f, 1);
			continue;
		}
		if (st) {
			struct cf_log_field f[] = { { "reason", err.message } };
			cf_log(log, CF_LOG_FATAL, "Runtime API unusable, exiting", f, 1);
			return st;
		}
		served++;
		set_trace_env(inv.trace_id);
		cf_logger_set_request_id(log, inv.request_id);
		char *response = NULL;
		size_t len = 0;
		struct cf_error herr = { 0 };
		st = cf_handler_invoke(handler, &inv, &response, &len, &herr);
		bool keep_going = finish_invocation(rt, log, &inv, st, response, len, &herr);
		cf_free(response);
		cf_logger_set_request_id(log, NULL);
		cf_invocation_clean_up(&inv);
		set_trace_env(NULL);
		if (!keep_going)
			return CF_ERR_HTTP;
	}
	return CF_OK;
}
