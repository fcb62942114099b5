/* Signed JSON-protocol calls, many at once, with standard-mode retries. */
#include <stdio.h>
#include <string.h>

#include "alloc_internal.h"
#include "aws_internal.h"

/* Per-call scratch arrays, one entry per request of the call. */
struct call_state {
	size_t *pending;                 /* indices still to send */
	size_t pending_count;
	struct cf_http_request *http;
	struct cf_http_response *resps;
	enum cf_status *statuses;
	struct cf_error *errs;
	struct cf_sigv4_result *sigs;
	bool *after_timeout;
	char *url;
};

static void state_free(struct call_state *s)
{
	cf_mem_free(s->pending);
	cf_mem_free(s->http);
	cf_mem_free(s->resps);
	cf_mem_free(s->statuses);
	cf_mem_free(s->errs);
	cf_mem_free(s->sigs);
	cf_mem_free(s->after_timeout);
	cf_mem_free(s->url);
}

static bool state_alloc(struct call_state *s, size_t n, const char *endpoint)
{
	memset(s, 0, sizeof(*s));
	s->pending = cf_mem_calloc(n, sizeof(*s->pending));
	s->http = cf_mem_calloc(n, sizeof(*s->http));
	s->resps = cf_mem_calloc(n, sizeof(*s->resps));
	s->statuses = cf_mem_calloc(n, sizeof(*s->statuses));
	s->errs = cf_mem_calloc(n, sizeof(*s->errs));
	s->sigs = cf_mem_calloc(n, sizeof(*s->sigs));
	s->after_timeout = cf_mem_calloc(n, sizeof(*s->after_timeout));
	size_t len = strlen(endpoint);
	s->url = cf_mem_alloc(len + 2);
	if (!s->pending || !s->http || !s->resps || !s->statuses || !s->errs || !s->sigs || !s->after_timeout || !s->url)
		return false;
	memcpy(s->url, endpoint, len);
	memcpy(s->url + len, "/", 2);
	for (size_t i = 0; i < n; i++)
		s->pending[i] = i;
	s->pending_count = n;
	return true;
}

static void fail_result(struct cf_aws_result *res, enum cf_status st, enum cf_aws_error_class cls, const char *type,
			const char *message)
{
	res->status = st;
	res->error_class = cls;
	cf_copy_text(res->error_type, sizeof(res->error_type), type, strlen(type));
	cf_copy_text(res->error_message, sizeof(res->error_message), message, strlen(message));
}

/* Turn what the transport returned for one request into its result. */
static void record_outcome(struct cf_http_response *resp, enum cf_status sent, const struct cf_error *send_err,
			   struct cf_aws_result *res, bool *after_timeout)
{
	cf_mem_free(res->body);
	res->body = NULL;
	res->body_len = 0;
	res->http_status = resp->status;
	*after_timeout = false;
	if (sent != CF_OK) {
		bool retryable = sent == CF_ERR_TIMEOUT || sent == CF_ERR_TRANSPORT;
		*after_timeout = retryable;
		res->http_status = 0;
		fail_result(res, sent, retryable ? CF_AWS_TRANSIENT : CF_AWS_PERMANENT,
			    sent == CF_ERR_TIMEOUT ? "Timeout" : "TransportError", send_err->message);
		return;
	}
	if (resp->status >= 200 && resp->status < 300) {
		if (cf_aws_check_crc32(resp) != CF_OK) {
			fail_result(res, CF_ERR_CRC, CF_AWS_TRANSIENT, "CRC32CheckFailed",
				    "response body does not match its x-amz-crc32 header");
			return;
		}
		res->status = CF_OK;
		res->error_class = CF_AWS_OK;
		res->error_type[0] = res->error_message[0] = '\0';
		if (resp->body_len) {
			res->body = resp->body;
			res->body_len = resp->body_len;
			resp->body = NULL;
			resp->body_len = 0;
		} else if ((res->body = cf_mem_alloc(3))) {
			memcpy(res->body, "{}", 3);
			res->body_len = 2;
		} else {
			fail_result(res, CF_ERR_NOMEM, CF_AWS_PERMANENT, "OutOfMemory", "out of memory");
		}
		return;
	}
	cf_aws_parse_error_body(resp->body, resp->body_len, res);
	if (!res->error_type[0])
		snprintf(res->error_type, sizeof(res->error_type), "HTTP%ld", resp->status);
	if (!res->error_message[0])
		snprintf(res->error_message, sizeof(res->error_message), "HTTP status %ld", resp->status);
	res->status = CF_ERR_AWS;
	res->error_class = cf_aws_classify(resp->status, res->error_type);
}

static const char *endpoint_of(const struct cf_aws_client *c, enum cf_aws_service service)
{
	return service == CF_AWS_SQS ? c->config->sqs_endpoint : c->config->dynamodb_endpoint;
}

/* Sign `req` for this attempt into slot `slot` of the http and sigs arrays. */
static enum cf_status prepare(struct cf_aws_client *c, struct call_state *s, enum cf_aws_service service,
			      const struct cf_http_header *base, size_t base_count, const struct cf_aws_request *req,
			      size_t slot, int64_t now_ms, int64_t timeout_ms, struct cf_error *err)
{
	struct cf_http_request *h = &s->http[slot];
	*h = (struct cf_http_request){ .method = "POST", .url = s->url, .headers = base, .header_count = base_count,
				       .body = req->body, .body_len = req->body_len, .timeout_ms = timeout_ms };
	if (!c->config->access_key_id || !c->config->secret_access_key)
		return cf_error_set(err, CF_ERR_CONFIG, "no AWS credentials to sign with");
	struct cf_sigv4_params p = {
		.creds = { c->config->access_key_id, c->config->secret_access_key, c->config->session_token },
		.region = c->config->region,
		.service = service == CF_AWS_SQS ? "sqs" : "dynamodb",
		.time_s = now_ms / 1000,
		.key_cache = &c->key_cache,
	};
	enum cf_status st = cf_sigv4_sign(h, &p, &s->sigs[slot], err);
	if (st)
		return st;
	h->headers = s->sigs[slot].headers;
	h->header_count = s->sigs[slot].header_count;
	return CF_OK;
}

/* Send every pending request once; keep in `pending` only those worth another attempt. */
static void attempt_round(struct cf_aws_client *c, struct call_state *s, enum cf_aws_service service,
			  const char *target, const struct cf_aws_request *reqs, size_t max_in_flight,
			  int64_t deadline, unsigned attempt, struct cf_aws_result *results)
{
	struct cf_http_header base[3] = { { "Content-Type", "application/x-amz-json-1.0" }, { "X-Amz-Target", target } };
	size_t base_count = 2;
	if (c->trace_id)
		base[base_count++] = (struct cf_http_header){ "X-Amzn-Trace-Id", c->trace_id };
	int64_t now = cf_clock_now_ms(c->clock);
	int64_t timeout = c->attempt_timeout_ms;
	if (deadline && deadline - now < timeout)
		timeout = deadline - now;
	if (timeout < 1)
		timeout = 1; /* the clock moved past the deadline since it was checked: 0 would mean no timeout */
	size_t ready = 0;
	for (size_t k = 0; k < s->pending_count; k++) {
		size_t i = s->pending[k];
		struct cf_error err;
		results[i].attempts = attempt;
		if (prepare(c, s, service, base, base_count, &reqs[i], ready, now, timeout, &err)) {
			fail_result(&results[i], err.code, CF_AWS_PERMANENT, "SigningFailed", err.message);
			continue;
		}
		s->pending[ready++] = i; /* slot `ready` of http/sigs now describes request i */
	}
	for (size_t k = 0; k < ready; k++) {
		memset(&s->resps[k], 0, sizeof(s->resps[k]));
		s->statuses[k] = CF_OK;
		cf_error_clear(&s->errs[k]);
	}
	enum cf_status st = ready ? cf_transport_send_many(&c->transport, s->http, ready, max_in_flight, s->resps,
							   s->statuses, s->errs)
				  : CF_OK;
	size_t keep = 0;
	for (size_t k = 0; k < ready; k++) {
		size_t i = s->pending[k];
		if (st) {
			s->statuses[k] = st;
			cf_error_set(&s->errs[k], st, "transport could not run the batch");
		}
		record_outcome(&s->resps[k], s->statuses[k], &s->errs[k], &results[i], &s->after_timeout[k]);
		cf_http_response_clean_up(&s->resps[k]);
		cf_sigv4_result_clean_up(&s->sigs[k]);
		if (results[i].status == CF_OK)
			cf_retry_refund(c);
		else if (results[i].error_class == CF_AWS_THROTTLING || results[i].error_class == CF_AWS_TRANSIENT) {
			s->after_timeout[keep] = s->after_timeout[k];
			s->pending[keep++] = i;
		}
	}
	s->pending_count = keep;
}

/* Spend retry tokens for the requests left; those that cannot get any stop here with their last error. */
static void take_retry_tokens(struct cf_aws_client *c, struct call_state *s, struct cf_aws_result *results)
{
	size_t keep = 0;
	for (size_t k = 0; k < s->pending_count; k++) {
		size_t i = s->pending[k];
		if (cf_retry_take_tokens(c, s->after_timeout[k])) {
			s->pending[keep++] = i;
			continue;
		}
		size_t n = strlen(results[i].error_message);
		snprintf(results[i].error_message + n, sizeof(results[i].error_message) - n, " (retry quota exhausted)");
	}
	s->pending_count = keep;
}

static void give_up_pending(struct call_state *s, struct cf_aws_result *results, const char *why)
{
	for (size_t k = 0; k < s->pending_count; k++) {
		struct cf_aws_result *r = &results[s->pending[k]];
		size_t n = strlen(r->error_message);
		snprintf(r->error_message + n, sizeof(r->error_message) - n, " (%s)", why);
	}
	s->pending_count = 0;
}

CF_API enum cf_status cf_aws_call_many(struct cf_aws_client *c, enum cf_aws_service service, const char *target,
				       const struct cf_aws_request *reqs, size_t count, size_t max_in_flight,
				       int64_t deadline_ms, struct cf_aws_result *results)
{
	if (!c || !target || (count && (!reqs || !results)))
		return CF_ERR_INVALID_ARG;
	if (!count)
		return CF_OK;
	memset(results, 0, count * sizeof(*results));
	struct call_state s;
	if (!state_alloc(&s, count, endpoint_of(c, service))) {
		state_free(&s);
		return CF_ERR_NOMEM;
	}
	int64_t deadline = cf_aws_effective_deadline(c, deadline_ms);
	for (unsigned attempt = 1; s.pending_count; attempt++) {
		if (deadline && cf_clock_now_ms(c->clock) >= deadline) {
			for (size_t k = 0; k < s.pending_count; k++)
				if (attempt == 1)
					fail_result(&results[s.pending[k]], CF_ERR_TIMEOUT, CF_AWS_TRANSIENT, "Timeout",
						    "deadline passed before the request could be sent");
			give_up_pending(&s, results, "deadline reached");
			break;
		}
		attempt_round(c, &s, service, target, reqs, max_in_flight ? max_in_flight : 1, deadline, attempt, results);
		if (!s.pending_count)
			break;
		if (attempt >= c->retry.max_attempts) {
			give_up_pending(&s, results, "out of attempts");
			break;
		}
		/* Decide on the deadline before spending tokens, and sleep only when something will be retried. */
		int64_t delay = cf_retry_delay_ms(c, attempt);
		if (deadline && cf_clock_now_ms(c->clock) + delay >= deadline) {
			give_up_pending(&s, results, "no time left to retry");
			break;
		}
		take_retry_tokens(c, &s, results);
		if (!s.pending_count)
			break;
		cf_clock_sleep_ms(c->clock, delay);
	}
	state_free(&s);
	return CF_OK;
}
