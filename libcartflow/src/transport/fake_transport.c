/* A scriptable in-memory transport: FIFO of responses, a handler, scheduled failures, a request log. */
#include <assert.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cartflow/fake_transport.h"
#include "model/alloc_internal.h"
#include "transport_internal.h"

struct fail_rule {
	size_t call;  /* 1-based */
	bool and_later;
	enum cf_fake_failure failure;
};

struct cf_fake_transport {
	/* Recorded requests; each is one allocation holding the struct, its header array and strings. */
	struct cf_http_request **records;
	size_t record_count;
	size_t record_cap;

	/* Scripted responses: queue[head .. head + queued). */
	struct cf_http_response *queue;
	size_t queue_head;
	size_t queued;
	size_t queue_cap;

	struct fail_rule *rules;
	size_t rule_count;

	cf_fake_handler_fn handler;
	void *handler_user;
};

static const char internal_failure_body[] =
	"{\"__type\":\"InternalFailure\",\"message\":\"The request processing has failed because of an unknown "
	"error, exception or failure.\"}";
static const char throttling_body[] =
	"{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\",\"message\":\"Rate exceeded\"}";

CF_API enum cf_status cf_fake_transport_new(struct cf_fake_transport **out)
{
	if (!out)
		return CF_ERR_INVALID_ARG;
	*out = cf_mem_calloc(1, sizeof(**out));
	return *out ? CF_OK : CF_ERR_NOMEM;
}

static void clear_queue(struct cf_fake_transport *fake)
{
	for (size_t i = 0; i < fake->queued; i++)
		cf_http_response_clean_up(&fake->queue[fake->queue_head + i]);
	cf_mem_free(fake->queue);
	fake->queue = NULL;
	fake->queue_head = fake->queued = fake->queue_cap = 0;
}

CF_API void cf_fake_transport_reset(struct cf_fake_transport *fake)
{
	if (!fake)
		return;
	for (size_t i = 0; i < fake->record_count; i++)
		cf_mem_free(fake->records[i]);
	cf_mem_free(fake->records);
	fake->records = NULL;
	fake->record_count = fake->record_cap = 0;
	clear_queue(fake);
	cf_fake_transport_clear_failures(fake);
	fake->handler = NULL;
	fake->handler_user = NULL;
}

CF_API void cf_fake_transport_destroy(struct cf_fake_transport *fake)
{
	if (!fake)
		return;
	cf_fake_transport_reset(fake);
	cf_mem_free(fake);
}

CF_API void cf_fake_transport_clear_failures(struct cf_fake_transport *fake)
{
	if (!fake)
		return;
	cf_mem_free(fake->rules);
	fake->rules = NULL;
	fake->rule_count = 0;
}

CF_API void cf_fake_transport_set_handler(struct cf_fake_transport *fake, cf_fake_handler_fn fn, void *user)
{
	if (!fake)
		return;
	fake->handler = fn;
	fake->handler_user = fn ? user : NULL;
}

CF_API size_t cf_fake_transport_pending_responses(const struct cf_fake_transport *fake)
{
	return fake ? fake->queued : 0;
}

CF_API size_t cf_fake_transport_request_count(const struct cf_fake_transport *fake)
{
	return fake ? fake->record_count : 0;
}

CF_API const struct cf_http_request *cf_fake_transport_request(const struct cf_fake_transport *fake, size_t index)
{
	if (!fake || index >= fake->record_count)
		return NULL;
	return fake->records[index];
}

/* Fill `out` with a copy of a scripted response. On failure `out` is left empty. */
static enum cf_status build_response(const struct cf_fake_response *src, struct cf_http_response *out)
{
	*out = (struct cf_http_response){ 0 };
	out->status = src->status ? src->status : 200;
	for (size_t i = 0; i < src->header_count; i++) {
		enum cf_status st = cf_http_response_add_header(out, src->headers[i].name, src->headers[i].value);
		if (st != CF_OK) {
			cf_http_response_clean_up(out);
			return st;
		}
	}
	enum cf_status st = cf_http_response_set_body(out, src->body, src->body_len);
	if (st != CF_OK)
		cf_http_response_clean_up(out);
	return st;
}

CF_API enum cf_status cf_fake_transport_push_response(struct cf_fake_transport *fake,
						      const struct cf_fake_response *resp)
{
	if (!fake || !resp || (!resp->body && resp->body_len) || (!resp->headers && resp->header_count))
		return CF_ERR_INVALID_ARG;
	for (size_t i = 0; i < resp->header_count; i++) {
		if (!resp->headers[i].name || !resp->headers[i].value)
			return CF_ERR_INVALID_ARG;
	}
	if (fake->queue_head + fake->queued == fake->queue_cap) {
		if (fake->queue_head) {
			/* Slide the live entries to the front before growing. */
			memmove(fake->queue, fake->queue + fake->queue_head, fake->queued * sizeof(*fake->queue));
			fake->queue_head = 0;
		}
		if (fake->queued == fake->queue_cap) {
			size_t cap = fake->queue_cap ? fake->queue_cap * 2 : 8;
			struct cf_http_response *grown = NULL;
			if (cap <= SIZE_MAX / sizeof(*grown))
				grown = cf_mem_realloc(fake->queue, cap * sizeof(*grown));
			if (!grown)
				return CF_ERR_NOMEM;
			fake->queue = grown;
			fake->queue_cap = cap;
		}
	}
	enum cf_status st = build_response(resp, &fake->queue[fake->queue_head + fake->queued]);
	if (st != CF_OK)
		return st;
	fake->queued++;
	return CF_OK;
}

CF_API enum cf_status cf_fake_transport_push_body(struct cf_fake_transport *fake, long status, const char *body)
{
	if (!body)
		return CF_ERR_INVALID_ARG;
	struct cf_fake_response r = { .status = status, .body = body, .body_len = strlen(body) };
	return cf_fake_transport_push_response(fake, &r);
}

static enum cf_status add_rule(struct cf_fake_transport *fake, size_t n, enum cf_fake_failure failure,
			       bool and_later)
{
	if (!fake || n == 0 || failure < CF_FAKE_FAIL_TRANSPORT || failure > CF_FAKE_FAIL_THROTTLING)
		return CF_ERR_INVALID_ARG;
	struct fail_rule *grown = NULL;
	if (fake->rule_count < SIZE_MAX / sizeof(*grown) - 1)
		grown = cf_mem_realloc(fake->rules, (fake->rule_count + 1) * sizeof(*grown));
	if (!grown)
		return CF_ERR_NOMEM;
	fake->rules = grown;
	fake->rules[fake->rule_count++] = (struct fail_rule){ n, and_later, failure };
	return CF_OK;
}

CF_API enum cf_status cf_fake_transport_fail_call(struct cf_fake_transport *fake, size_t n,
						  enum cf_fake_failure failure)
{
	return add_rule(fake, n, failure, false);
}

CF_API enum cf_status cf_fake_transport_fail_from_call(struct cf_fake_transport *fake, size_t n,
						       enum cf_fake_failure failure)
{
	return add_rule(fake, n, failure, true);
}

static size_t add_size(size_t a, size_t b, bool *overflow)
{
	if (a > SIZE_MAX - b)
		*overflow = true;
	return a + b;
}

static char *put(char **cursor, const char *s, size_t len)
{
	char *start = *cursor;
	if (len)
		memcpy(start, s, len);
	start[len] = '\0';
	*cursor = start + len + 1;
	return start;
}

/* One allocation: the request struct, its header array, then every string. NULL on failure. */
static struct cf_http_request *copy_request(const struct cf_http_request *req)
{
	bool overflow = false;
	size_t method_len = strlen(req->method), url_len = strlen(req->url);
	size_t size = sizeof(struct cf_http_request);
	if (req->header_count > SIZE_MAX / sizeof(struct cf_http_header))
		return NULL;
	size = add_size(size, req->header_count * sizeof(struct cf_http_header), &overflow);
	size = add_size(size, method_len + 1, &overflow);
	size = add_size(size, url_len + 1, &overflow);
	size = add_size(size, add_size(req->body_len, 1, &overflow), &overflow);
	for (size_t i = 0; i < req->header_count; i++) {
		size = add_size(size, strlen(req->headers[i].name) + 1, &overflow);
		size = add_size(size, strlen(req->headers[i].value) + 1, &overflow);
	}
	if (overflow)
		return NULL;

	static_assert(sizeof(struct cf_http_request) % alignof(struct cf_http_header) == 0,
		      "header array follows the request struct");
	char *mem = cf_mem_alloc(size);
	if (!mem)
		return NULL;
	struct cf_http_request *copy = (struct cf_http_request *)(void *)mem;
	struct cf_http_header *headers = (struct cf_http_header *)(void *)(mem + sizeof(*copy));
	char *cursor = (char *)(headers + req->header_count);
	for (size_t i = 0; i < req->header_count; i++) {
		headers[i].name = put(&cursor, req->headers[i].name, strlen(req->headers[i].name));
		headers[i].value = put(&cursor, req->headers[i].value, strlen(req->headers[i].value));
	}
	*copy = (struct cf_http_request){
		.method = put(&cursor, req->method, method_len),
		.url = put(&cursor, req->url, url_len),
		.headers = req->header_count ? headers : NULL,
		.header_count = req->header_count,
		.body = put(&cursor, req->body, req->body_len),
		.body_len = req->body_len,
		.timeout_ms = req->timeout_ms,
	};
	return copy;
}

static enum cf_status record(struct cf_fake_transport *fake, const struct cf_http_request *req, struct cf_error *err)
{
	if (fake->record_count == fake->record_cap) {
		size_t cap = fake->record_cap ? fake->record_cap * 2 : 16;
		struct cf_http_request **grown = NULL;
		if (cap <= SIZE_MAX / sizeof(*grown))
			grown = cf_mem_realloc(fake->records, cap * sizeof(*grown));
		if (!grown)
			return cf_error_set(err, CF_ERR_NOMEM, "fake transport: out of memory recording a request");
		fake->records = grown;
		fake->record_cap = cap;
	}
	struct cf_http_request *copy = copy_request(req);
	if (!copy)
		return cf_error_set(err, CF_ERR_NOMEM, "fake transport: out of memory recording a request");
	fake->records[fake->record_count++] = copy;
	return CF_OK;
}

static const struct fail_rule *rule_for(const struct cf_fake_transport *fake, size_t call)
{
	for (size_t i = 0; i < fake->rule_count; i++) {
		const struct fail_rule *r = &fake->rules[i];
		if (r->call == call || (r->and_later && call > r->call))
			return r;
	}
	return NULL;
}

static enum cf_status aws_error(struct cf_http_response *resp, long status, const char *body, size_t call,
				struct cf_error *err)
{
	char request_id[48];
	snprintf(request_id, sizeof(request_id), "fake-request-%zu", call);
	resp->status = status;
	if (cf_http_response_add_header(resp, "Content-Type", "application/x-amz-json-1.0") != CF_OK ||
	    cf_http_response_add_header(resp, "x-amzn-RequestId", request_id) != CF_OK ||
	    cf_http_response_set_body(resp, body, strlen(body)) != CF_OK)
		return cf_error_set(err, CF_ERR_NOMEM, "fake transport: out of memory building call %zu", call);
	return CF_OK;
}

static enum cf_status apply_failure(enum cf_fake_failure failure, size_t call, struct cf_http_response *resp,
				    struct cf_error *err)
{
	switch (failure) {
	case CF_FAKE_FAIL_TRANSPORT:
		return cf_error_set(err, CF_ERR_TRANSPORT, "fake transport: call %zu: connection reset (scripted)",
				    call);
	case CF_FAKE_FAIL_TIMEOUT:
		return cf_error_set(err, CF_ERR_TIMEOUT, "fake transport: call %zu: timed out (scripted)", call);
	case CF_FAKE_FAIL_5XX:
		return aws_error(resp, 500, internal_failure_body, call, err);
	case CF_FAKE_FAIL_THROTTLING:
		return aws_error(resp, 400, throttling_body, call, err);
	}
	return cf_error_set(err, CF_ERR_INVALID_ARG, "fake transport: unknown failure %d", (int)failure);
}

static enum cf_status answer(struct cf_fake_transport *fake, const struct cf_http_request *req,
			     struct cf_http_response *resp, struct cf_error *err)
{
	size_t call = fake->record_count;
	const struct fail_rule *rule = rule_for(fake, call);
	if (rule)
		return apply_failure(rule->failure, call, resp, err);
	if (fake->queued) {
		*resp = fake->queue[fake->queue_head];
		fake->queue[fake->queue_head] = (struct cf_http_response){ 0 };
		fake->queue_head++;
		if (--fake->queued == 0)
			fake->queue_head = 0;
		return CF_OK;
	}
	if (fake->handler) {
		cf_error_clear(err);
		enum cf_status st = fake->handler(fake->handler_user, req, resp, err);
		if (st != CF_OK && err && err->code != st)
			cf_error_set(err, st, "fake transport: call %zu: handler failed: %s", call, cf_strerror(st));
		return st;
	}
	resp->status = 200;
	if (cf_http_response_set_body(resp, "{}", 2) != CF_OK)
		return cf_error_set(err, CF_ERR_NOMEM, "fake transport: out of memory building call %zu", call);
	return CF_OK;
}

static enum cf_status fake_send(void *data, const struct cf_http_request *req, struct cf_http_response *resp,
				struct cf_error *err)
{
	struct cf_fake_transport *fake = data;
	if (!fake || !resp)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "fake transport: send needs a response");
	enum cf_status st = cf_http_request_check(req, err);
	if (st == CF_OK)
		st = record(fake, req, err);
	if (st == CF_OK)
		st = answer(fake, req, resp, err);
	if (st != CF_OK)
		cf_http_response_clean_up(resp);
	else
		cf_error_clear(err);
	return st;
}

static enum cf_status fake_send_many(void *data, const struct cf_http_request *reqs, size_t count,
				     size_t max_in_flight, struct cf_http_response *resps, enum cf_status *statuses,
				     struct cf_error *errs)
{
	enum cf_status st = cf_transport_check_batch(data, reqs, count, max_in_flight, resps, statuses, errs,
						    "fake transport: send_many");
	if (st || count == 0)
		return st;
	for (size_t i = 0; i < count; i++)
		statuses[i] = fake_send(data, &reqs[i], &resps[i], errs ? &errs[i] : NULL);
	return CF_OK;
}

static const struct cf_transport_methods fake_methods = {
	.version = CF_TRANSPORT_VERSION_1,
	.send = fake_send,
	.send_many = fake_send_many,
	.destroy = NULL, /* the fake is owned by its creator, see cf_fake_transport_destroy */
};

CF_API struct cf_transport cf_fake_transport_as_transport(struct cf_fake_transport *fake)
{
	return (struct cf_transport){ .methods = &fake_methods, .data = fake };
}
