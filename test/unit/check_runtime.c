/*
 * The Lambda Runtime API client (cf_runtime_*) and the serve loop (cf_runtime_serve), with a fake
 * transport playing the Runtime API and a second fake playing SQS and DynamoDB.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "alloc_internal.h"
#include "aws_rig.h"
#include "cartflow/fake_transport.h"
#include "cartflow/handler.h"
#include "cartflow/runtime.h"
#include "lambda/handler_internal.h"
#include "test_support.h"

#define API "127.0.0.1:9001"
#define BASE "http://127.0.0.1:9001/2018-06-01/runtime"
#define NOW_MS INT64_C(1764000000000)
#define TRACE_1 "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
#define TRACE_2 "Root=1-6759e988-cd862e3fe1be46a994272794;Parent=63995c3f42cd8ad8;Sampled=0"
#define SECOND_MESSAGE_ID "2e1424d4-f796-459a-8184-9c92662be6da"
#define FIRST_MESSAGE_ID "059f36b4-87a3-44ab-83d2-661975830a7d"

/* ---- the fake AWS side: answers like SQS and DynamoDB, notes the environment during each call ---- */

struct aws_call {
	char trace_env[256]; /* _X_AMZN_TRACE_ID while the call was made; "" when unset */
	bool trace_env_set;
};

struct aws_side {
	struct aws_call calls[64];
	size_t count;
};

static enum cf_status aws_answer(void *user, const struct cf_http_request *req, struct cf_http_response *resp,
				 struct cf_error *err)
{
	struct aws_side *side = user;
	if (side->count < 64) {
		struct aws_call *c = &side->calls[side->count];
		const char *env = getenv("_X_AMZN_TRACE_ID");
		c->trace_env_set = env != NULL;
		snprintf(c->trace_env, sizeof(c->trace_env), "%s", env ? env : "");
	}
	side->count++;
	const char *target = ar_header(req, "X-Amz-Target");
	resp->status = 200;
	if (target && !strcmp(target, "AmazonSQS.SendMessageBatch")) {
		struct json_object *root = ts_json_parse_n(req->body, req->body_len), *entries;
		char body[4096] = "{\"Successful\":[";
		size_t n = strlen(body);
		if (root && json_object_object_get_ex(root, "Entries", &entries))
			for (size_t i = 0; i < json_object_array_length(entries); i++) {
				struct json_object *id;
				json_object_object_get_ex(json_object_array_get_idx(entries, i), "Id", &id);
				n += (size_t)snprintf(body + n, sizeof(body) - n,
						      "%s{\"Id\":\"%s\",\"MessageId\":\"m-%zu\",\"MD5OfMessageBody\":\"x\"}",
						      i ? "," : "", json_object_get_string(id), i);
			}
		snprintf(body + n, sizeof(body) - n, "],\"Failed\":[]}");
		json_object_put(root);
		return cf_http_response_set_body(resp, body, strlen(body)) ? cf_error_set(err, CF_ERR_NOMEM, "oom")
									    : CF_OK;
	}
	static const char attrs[] = "{\"Attributes\":{\"cartProductStatus\":{\"S\":\"ORDERED\"}}}";
	return cf_http_response_set_body(resp, attrs, strlen(attrs)) ? cf_error_set(err, CF_ERR_NOMEM, "oom") : CF_OK;
}

/* ---- scripting the Runtime API ---- */

struct next_spec {
	const char *id;
	const char *deadline;
	const char *arn;
	const char *trace;
	const char *client_context;
	const char *cognito;
	const char *tenant;
	const char *body;
	size_t body_len; /* 0: strlen(body) */
};

static void push_next(struct cf_fake_transport *f, const struct next_spec *n)
{
	struct cf_http_header h[8];
	size_t k = 0;
	h[k++] = (struct cf_http_header){ "Content-Type", "application/json" };
	if (n->id)
		h[k++] = (struct cf_http_header){ "Lambda-Runtime-Aws-Request-Id", n->id };
	if (n->deadline)
		h[k++] = (struct cf_http_header){ "Lambda-Runtime-Deadline-Ms", n->deadline };
	if (n->arn)
		h[k++] = (struct cf_http_header){ "Lambda-Runtime-Invoked-Function-Arn", n->arn };
	if (n->trace)
		h[k++] = (struct cf_http_header){ "Lambda-Runtime-Trace-Id", n->trace };
	if (n->client_context)
		h[k++] = (struct cf_http_header){ "Lambda-Runtime-Client-Context", n->client_context };
	if (n->cognito)
		h[k++] = (struct cf_http_header){ "Lambda-Runtime-Cognito-Identity", n->cognito };
	if (n->tenant)
		h[k++] = (struct cf_http_header){ "Lambda-Runtime-Aws-Tenant-Id", n->tenant };
	const char *body = n->body ? n->body : "{}";
	const struct cf_fake_response r = { .status = 200, .headers = h, .header_count = k, .body = body,
					    .body_len = n->body_len ? n->body_len : strlen(body) };
	ck_assert_int_eq(cf_fake_transport_push_response(f, &r), CF_OK);
}

static void push_status(struct cf_fake_transport *f, long status)
{
	ck_assert_int_eq(cf_fake_transport_push_body(f, status, status == 202 ? "{\"status\":\"OK\"}" : "{}"), CF_OK);
}

/* The Runtime API telling the runtime to exit: /next answers 500. */
static void push_exit(struct cf_fake_transport *f)
{
	ck_assert_int_eq(cf_fake_transport_push_body(f, 500, "{\"errorMessage\":\"container error\",\"errorType\":"
							      "\"Runtime.ExitError\"}"),
			 CF_OK);
}

/* Request `i` of `f` is `method` on BASE `suffix`. Returns it. */
static const struct cf_http_request *assert_request(struct cf_fake_transport *f, size_t i, const char *method,
						    const char *suffix)
{
	const struct cf_http_request *r = cf_fake_transport_request(f, i);
	ck_assert_msg(r != NULL, "no request %zu", i);
	char url[512];
	snprintf(url, sizeof(url), BASE "%s", suffix);
	ck_assert_str_eq(r->method, method);
	ck_assert_str_eq(r->url, url);
	return r;
}

static void assert_next_request(struct cf_fake_transport *f, size_t i)
{
	const struct cf_http_request *r = assert_request(f, i, "GET", "/invocation/next");
	ck_assert_int_eq(r->timeout_ms, 0);
	ck_assert_uint_eq(r->body_len, 0);
}

static void assert_body_eq(const struct cf_http_request *r, const char *want)
{
	ck_assert_msg(r->body_len == strlen(want) && !memcmp(r->body, want, r->body_len), "body %.*s, want %s",
		      (int)r->body_len, r->body, want);
}

/* The request is an error post of `type`: header, and a body {"errorMessage","errorType","stackTrace":[]}. */
static void assert_error_post(const struct cf_http_request *r, const char *type, const char *message_part)
{
	ck_assert_str_eq(ar_header(r, "Lambda-Runtime-Function-Error-Type"), type);
	ck_assert_str_eq(ar_header(r, "Content-Type"), "application/json");
	struct json_object *doc = json_tokener_parse(r->body), *v;
	ck_assert_msg(doc != NULL, "error body is not JSON: %s", r->body);
	ck_assert_int_eq(json_object_object_length(doc), 3);
	ck_assert(json_object_object_get_ex(doc, "errorType", &v));
	ck_assert_str_eq(json_object_get_string(v), type);
	ck_assert(json_object_object_get_ex(doc, "errorMessage", &v));
	ck_assert(json_object_is_type(v, json_type_string));
	ck_assert_uint_gt(strlen(json_object_get_string(v)), 0);
	if (message_part)
		ck_assert_msg(strstr(json_object_get_string(v), message_part), "errorMessage \"%s\" lacks \"%s\"",
			      json_object_get_string(v), message_part);
	ck_assert(json_object_object_get_ex(doc, "stackTrace", &v));
	ck_assert(json_object_is_type(v, json_type_array));
	ck_assert_uint_eq(json_object_array_length(v), 0);
	json_object_put(doc);
}

/* ---- a test rig: the runtime on one fake, a handler on another, logs in memory ---- */

struct rig {
	struct cf_fake_transport *api, *aws;
	struct aws_side side;
	struct ar_clock clock;
	struct cf_runtime *rt;
	struct cf_handler *handler;
	struct ts_log_sink logs;
};

/* The runtime; with a handler built by `new_handler` (NULL: none) over ar_handler_env. */
static void rig_open(struct rig *r, unsigned next_attempts, cf_handler_new_fn new_handler)
{
	memset(r, 0, sizeof(*r));
	unsetenv("_X_AMZN_TRACE_ID");
	ar_clock_init(&r->clock, NOW_MS);
	ck_assert_int_eq(cf_fake_transport_new(&r->api), CF_OK);
	ck_assert_int_eq(cf_fake_transport_new(&r->aws), CF_OK);
	cf_fake_transport_set_handler(r->aws, aws_answer, &r->side);
	static const char *const log_env[] = { "AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL=DEBUG", NULL };
	ts_log_sink_open(&r->logs, ar_env_get, (void *)log_env);
	const struct cf_runtime_options opt = { .api = API, .transport = cf_fake_transport_as_transport(r->api),
						.clock = &r->clock.cf, .next_attempts = next_attempts };
	struct cf_error err = { 0 };
	ck_assert_msg(cf_runtime_new(&opt, &r->rt, &err) == CF_OK, "%s", err.message);
	if (!new_handler)
		return;
	const struct cf_handler_env env = { .getenv_fn = ar_env_get, .getenv_user = (void *)ar_handler_env,
					    .transport = cf_fake_transport_as_transport(r->aws), .clock = &r->clock.cf,
					    .log = &r->logs.log };
	ck_assert_msg(new_handler(&env, &r->handler, &err) == CF_OK, "%s", err.message);
}

static const char *rig_log(struct rig *r) { return ts_log_sink_text(&r->logs); }

/* cf_runtime_serve over the rig's runtime, handler and logger. */
static enum cf_status rig_serve(struct rig *r, unsigned max_invocations)
{
	return cf_runtime_serve(r->rt, r->handler, &r->logs.log, max_invocations);
}

/* The Runtime API tells the runtime to exit once what is queued is served: serving ends with CF_ERR_HTTP. */
static void rig_serve_until_exit(struct rig *r)
{
	push_exit(r->api);
	ck_assert_int_eq(rig_serve(r, 0), CF_ERR_HTTP);
}

static void rig_close(struct rig *r)
{
	cf_handler_destroy(r->handler);
	cf_runtime_destroy(r->rt);
	cf_fake_transport_destroy(r->api);
	cf_fake_transport_destroy(r->aws);
	ts_log_sink_close(&r->logs);
	unsetenv("_X_AMZN_TRACE_ID");
}

static char *deadline_text(char buf[32], int64_t ms)
{
	snprintf(buf, 32, "%lld", (long long)ms);
	return buf;
}

/* ======== the client ======== */

START_TEST(test_new_checks_api)
{
	struct cf_fake_transport *f;
	ck_assert_int_eq(cf_fake_transport_new(&f), CF_OK);
	static const char *const bad[] = { "", "127.0.0.1:9001/x", "host port", "a?b", "a#b", "a\r\nb" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cf_runtime *rt = (struct cf_runtime *)1;
		struct cf_error err = { 0 };
		const struct cf_runtime_options opt = { .api = bad[i], .transport = cf_fake_transport_as_transport(f) };
		ck_assert_int_eq(cf_runtime_new(&opt, &rt, &err), CF_ERR_CONFIG);
		ck_assert_ptr_null(rt);
		ck_assert_ptr_nonnull(strstr(err.message, "AWS_LAMBDA_RUNTIME_API"));
	}
	struct cf_runtime *rt = NULL;
	const struct cf_runtime_options none = { .api = NULL, .transport = cf_fake_transport_as_transport(f) };
	ck_assert_int_eq(cf_runtime_new(&none, &rt, NULL), CF_ERR_CONFIG);
	const struct cf_runtime_options no_transport = { .api = API };
	ck_assert_int_eq(cf_runtime_new(&no_transport, &rt, NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_runtime_new(NULL, &rt, NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_runtime_new(&none, NULL, NULL), CF_ERR_INVALID_ARG);
	cf_runtime_destroy(NULL);
	cf_invocation_clean_up(NULL);
	ck_assert_uint_eq(cf_fake_transport_request_count(f), 0);
	cf_fake_transport_destroy(f);
}
END_TEST

START_TEST(test_next_reads_every_header)
{
	struct rig r;
	rig_open(&r, 0, NULL);
	static const char event[] = "{\"Records\":[]}";
	push_next(r.api, &(struct next_spec){ .id = "8476a536-e9f4-5d4b-9b1c-4a3e5b2d1c0f",
					      .deadline = "1764000060000",
					      .arn = "arn:aws:lambda:us-east-1:123456789012:function:update-cart-status",
					      .trace = TRACE_1,
					      .client_context = "{\"client\":{\"app_title\":\"cart\"}}",
					      .cognito = "{\"cognitoIdentityId\":\"us-east-1:abc\"}",
					      .tenant = "tenant-42",
					      .body = event });
	struct cf_invocation inv;
	memset(&inv, 0xA5, sizeof(inv));
	struct cf_error err = { 0 };
	ck_assert_msg(cf_runtime_next(r.rt, &inv, &err) == CF_OK, "%s", err.message);
	ck_assert_str_eq(inv.request_id, "8476a536-e9f4-5d4b-9b1c-4a3e5b2d1c0f");
	ck_assert_int_eq(inv.deadline_ms, INT64_C(1764000060000));
	ck_assert_str_eq(inv.function_arn, "arn:aws:lambda:us-east-1:123456789012:function:update-cart-status");
	ck_assert_str_eq(inv.trace_id, TRACE_1);
	ck_assert_str_eq(inv.client_context, "{\"client\":{\"app_title\":\"cart\"}}");
	ck_assert_str_eq(inv.cognito_identity, "{\"cognitoIdentityId\":\"us-east-1:abc\"}");
	ck_assert_str_eq(inv.tenant_id, "tenant-42");
	ck_assert_uint_eq(inv.event_len, strlen(event));
	ck_assert_str_eq(inv.event, event);
	/* Exactly one request: GET .../invocation/next, no total timeout, no body. */
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 1);
	assert_next_request(r.api, 0);
	ck_assert_uint_eq(r.clock.sleep_count, 0);
	cf_invocation_clean_up(&inv);
	ck_assert_ptr_null(inv.request_id);
	ck_assert_ptr_null(inv.event);
	cf_invocation_clean_up(&inv); /* twice is fine */
	rig_close(&r);
}
END_TEST

START_TEST(test_next_optional_headers_absent)
{
	struct rig r;
	rig_open(&r, 0, NULL);
	push_next(r.api, &(struct next_spec){ .id = "id-1", .body = "{}" });
	push_next(r.api, &(struct next_spec){ .id = "id-2", .deadline = "soon" });
	push_next(r.api, &(struct next_spec){ .id = "id-3", .deadline = "1764000060000x" });
	struct cf_invocation inv;
	ck_assert_int_eq(cf_runtime_next(r.rt, &inv, NULL), CF_OK);
	ck_assert_str_eq(inv.request_id, "id-1");
	ck_assert_int_eq(inv.deadline_ms, 0);
	ck_assert_ptr_null(inv.function_arn);
	ck_assert_ptr_null(inv.trace_id);
	ck_assert_ptr_null(inv.client_context);
	ck_assert_ptr_null(inv.cognito_identity);
	ck_assert_ptr_null(inv.tenant_id);
	cf_invocation_clean_up(&inv);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(cf_runtime_next(r.rt, &inv, NULL), CF_OK);
		ck_assert_int_eq(inv.deadline_ms, 0); /* malformed: treated as absent */
		cf_invocation_clean_up(&inv);
	}
	rig_close(&r);
}
END_TEST

START_TEST(test_next_empty_body)
{
	struct rig r;
	rig_open(&r, 0, NULL);
	ck_assert_int_eq(cf_fake_transport_push_response(r.api, &(struct cf_fake_response){
				 .status = 200,
				 .headers = (const struct cf_http_header[]){ { "Lambda-Runtime-Aws-Request-Id", "e" } },
				 .header_count = 1 }),
			 CF_OK);
	struct cf_invocation inv;
	ck_assert_int_eq(cf_runtime_next(r.rt, &inv, NULL), CF_OK);
	ck_assert_ptr_nonnull(inv.event);
	ck_assert_uint_eq(inv.event_len, 0);
	ck_assert_str_eq(inv.event, "");
	cf_invocation_clean_up(&inv);
	rig_close(&r);
}
END_TEST

START_TEST(test_next_missing_or_bad_request_id)
{
	struct rig r;
	rig_open(&r, 0, NULL);
	push_next(r.api, &(struct next_spec){ .trace = TRACE_1 });
	push_next(r.api, &(struct next_spec){ .id = "" });
	push_next(r.api, &(struct next_spec){ .id = "../../init/error" });
	push_next(r.api, &(struct next_spec){ .id = "a b" });
	for (int i = 0; i < 4; i++) {
		struct cf_invocation inv;
		struct cf_error err = { 0 };
		ck_assert_int_eq(cf_runtime_next(r.rt, &inv, &err), CF_ERR_MISSING);
		ck_assert_int_eq(err.code, CF_ERR_MISSING);
		ck_assert_ptr_nonnull(strstr(err.message, "Lambda-Runtime-Aws-Request-Id"));
		ck_assert_ptr_null(inv.request_id);
		ck_assert_ptr_null(inv.event);
		ck_assert_ptr_null(inv.trace_id);
	}
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 4);
	rig_close(&r);
}
END_TEST

START_TEST(test_next_http_error)
{
	struct rig r;
	rig_open(&r, 0, NULL);
	push_exit(r.api);
	push_status(r.api, 403);
	struct cf_invocation inv;
	struct cf_error err = { 0 };
	ck_assert_int_eq(cf_runtime_next(r.rt, &inv, &err), CF_ERR_HTTP);
	ck_assert_ptr_nonnull(strstr(err.message, "500"));
	ck_assert_int_eq(cf_runtime_next(r.rt, &inv, &err), CF_ERR_HTTP);
	ck_assert_ptr_nonnull(strstr(err.message, "403"));
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 2); /* HTTP errors are not retried */
	ck_assert_uint_eq(r.clock.sleep_count, 0);
	rig_close(&r);
}
END_TEST

START_TEST(test_next_retries_transport_errors)
{
	struct rig r;
	rig_open(&r, 0, NULL);
	ck_assert_int_eq(cf_fake_transport_fail_call(r.api, 1, CF_FAKE_FAIL_TRANSPORT), CF_OK);
	ck_assert_int_eq(cf_fake_transport_fail_call(r.api, 2, CF_FAKE_FAIL_TIMEOUT), CF_OK);
	ck_assert_int_eq(cf_fake_transport_fail_call(r.api, 3, CF_FAKE_FAIL_TRANSPORT), CF_OK);
	push_next(r.api, &(struct next_spec){ .id = "after-retries" });
	struct cf_invocation inv;
	ck_assert_int_eq(cf_runtime_next(r.rt, &inv, NULL), CF_OK);
	ck_assert_str_eq(inv.request_id, "after-retries");
	cf_invocation_clean_up(&inv);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 4);
	for (size_t i = 0; i < 4; i++)
		assert_next_request(r.api, i);
	/* Exponential backoff between attempts, through the injected clock. */
	ar_assert_sleeps(&r.clock, 3, (const int64_t[]){ 50, 100, 200 });
	rig_close(&r);
}
END_TEST

START_TEST(test_next_gives_up)
{
	/* next_attempts 0 means 5. */
	static const unsigned attempts[] = { 0, 1, 3 };
	static const size_t expected[] = { 5, 1, 3 };
	for (size_t k = 0; k < 3; k++) {
		struct rig r;
		rig_open(&r, attempts[k], NULL);
		ck_assert_int_eq(cf_fake_transport_fail_from_call(r.api, 1, CF_FAKE_FAIL_TRANSPORT), CF_OK);
		push_next(r.api, &(struct next_spec){ .id = "never-seen" });
		struct cf_invocation inv;
		struct cf_error err = { 0 };
		ck_assert_int_eq(cf_runtime_next(r.rt, &inv, &err), CF_ERR_TRANSPORT);
		ck_assert_int_eq(err.code, CF_ERR_TRANSPORT);
		ck_assert_ptr_null(inv.request_id);
		ck_assert_uint_eq(cf_fake_transport_request_count(r.api), expected[k]);
		ck_assert_uint_eq(r.clock.sleep_count, expected[k] - 1);
		for (size_t i = 0; i + 1 < expected[k]; i++)
			ck_assert_int_eq(r.clock.sleeps[i], INT64_C(50) << i);
		rig_close(&r);
	}
}
END_TEST

START_TEST(test_respond_posts_exact_body)
{
	struct rig r;
	rig_open(&r, 0, NULL);
	push_status(r.api, 202);
	static const char body[] = "{\"batchItemFailures\":[{\"itemIdentifier\":\"" SECOND_MESSAGE_ID "\"}]}";
	struct cf_error err = { 0 };
	ck_assert_int_eq(cf_runtime_respond(r.rt, "req-1", body, strlen(body), &err), CF_OK);
	const struct cf_http_request *q = assert_request(r.api, 0, "POST", "/invocation/req-1/response");
	assert_body_eq(q, body);
	ck_assert_str_eq(ar_header(q, "Content-Type"), "application/json");
	ck_assert_ptr_null(ar_header(q, "Lambda-Runtime-Function-Error-Type"));
	/* Any 2xx is accepted; bodies are bytes, not strings. */
	push_status(r.api, 200);
	static const char with_nul[] = { '"', 'a', '\0', 'b', '"' };
	ck_assert_int_eq(cf_runtime_respond(r.rt, "req-2", with_nul, sizeof(with_nul), &err), CF_OK);
	q = cf_fake_transport_request(r.api, 1);
	ck_assert_uint_eq(q->body_len, sizeof(with_nul));
	ck_assert_int_eq(memcmp(q->body, with_nul, sizeof(with_nul)), 0);
	/* An empty body is posted as empty. */
	push_status(r.api, 202);
	ck_assert_int_eq(cf_runtime_respond(r.rt, "req-3", NULL, 0, &err), CF_OK);
	ck_assert_uint_eq(cf_fake_transport_request(r.api, 2)->body_len, 0);
	rig_close(&r);
}
END_TEST

START_TEST(test_respond_status_mapping)
{
	struct rig r;
	rig_open(&r, 0, NULL);
	static const struct {
		long status;
		enum cf_status want;
	} cases[] = { { 202, CF_OK }, { 413, CF_ERR_TOO_LARGE }, { 500, CF_ERR_HTTP }, { 400, CF_ERR_INVALID_ARG },
		      { 403, CF_ERR_INVALID_ARG }, { 302, CF_ERR_HTTP }, { 503, CF_ERR_HTTP } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		push_status(r.api, cases[i].status);
		struct cf_error err = { 0 };
		ck_assert_int_eq(cf_runtime_respond(r.rt, "req", "{}", 2, &err), cases[i].want);
		if (cases[i].want)
			ck_assert_int_eq(err.code, cases[i].want);
	}
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), sizeof(cases) / sizeof(cases[0]));
	/* Transport failures on a post are not retried (the result may have arrived). */
	ck_assert_int_eq(cf_fake_transport_fail_call(r.api, 8, CF_FAKE_FAIL_TRANSPORT), CF_OK);
	ck_assert_int_eq(cf_runtime_respond(r.rt, "req", "{}", 2, NULL), CF_ERR_TRANSPORT);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 8);
	ck_assert_uint_eq(r.clock.sleep_count, 0);
	rig_close(&r);
}
END_TEST

START_TEST(test_respond_refuses_bad_ids)
{
	struct rig r;
	rig_open(&r, 0, NULL);
	static const char *const bad[] = { "", "a/b", "../next", "a?b", "a b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(cf_runtime_respond(r.rt, bad[i], "{}", 2, NULL), CF_ERR_INVALID_ARG);
		ck_assert_int_eq(cf_runtime_fail(r.rt, bad[i], "T", "m", NULL), CF_ERR_INVALID_ARG);
	}
	ck_assert_int_eq(cf_runtime_respond(r.rt, NULL, "{}", 2, NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_runtime_respond(NULL, "id", "{}", 2, NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_runtime_fail(r.rt, "id", NULL, "m", NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_runtime_fail(r.rt, "id", "T", NULL, NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_runtime_init_error(r.rt, NULL, "m", NULL), CF_ERR_INVALID_ARG);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 0);
	rig_close(&r);
}
END_TEST

START_TEST(test_respond_over_6mb_not_posted)
{
	struct rig r;
	rig_open(&r, 0, NULL);
	char *big = malloc(CF_RUNTIME_MAX_RESPONSE + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', CF_RUNTIME_MAX_RESPONSE + 1);
	big[0] = '0';
	struct cf_error err = { 0 };
	ck_assert_int_eq(cf_runtime_respond(r.rt, "req", big, CF_RUNTIME_MAX_RESPONSE + 1, &err), CF_ERR_TOO_LARGE);
	ck_assert_int_eq(err.code, CF_ERR_TOO_LARGE);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 0);
	/* Exactly the limit is allowed. */
	push_status(r.api, 202);
	ck_assert_int_eq(cf_runtime_respond(r.rt, "req", big, CF_RUNTIME_MAX_RESPONSE, &err), CF_OK);
	ck_assert_uint_eq(cf_fake_transport_request(r.api, 0)->body_len, CF_RUNTIME_MAX_RESPONSE);
	free(big);
	rig_close(&r);
}
END_TEST

START_TEST(test_fail_posts_error_document)
{
	struct rig r;
	rig_open(&r, 0, NULL);
	push_status(r.api, 202);
	static const char message[] = "Records[0]: \"body\" is not JSON\n\tat line 1";
	ck_assert_int_eq(cf_runtime_fail(r.rt, "req-9", "InvalidEvent", message, NULL), CF_OK);
	const struct cf_http_request *q = assert_request(r.api, 0, "POST", "/invocation/req-9/error");
	assert_body_eq(q, "{\"errorMessage\":\"Records[0]: \\\"body\\\" is not JSON\\n\\tat line 1\","
			  "\"errorType\":\"InvalidEvent\",\"stackTrace\":[]}");
	assert_error_post(q, "InvalidEvent", "is not JSON\n\tat");
	/* The same document from the helper. */
	char *doc = NULL;
	size_t len = 0;
	ck_assert_int_eq(cf_runtime_error_document("InvalidEvent", message, &doc, &len), CF_OK);
	ck_assert_uint_eq(len, q->body_len);
	ck_assert_int_eq(memcmp(doc, q->body, len), 0);
	cf_free(doc);
	ck_assert_int_eq(cf_runtime_error_document(NULL, message, &doc, &len), CF_ERR_INVALID_ARG);
	/* An error type that cannot be a header value is refused before anything is sent. */
	struct cf_error err = { 0 };
	ck_assert_int_eq(cf_runtime_fail(r.rt, "req-9", "Bad\r\nX-Injected: 1", "m", &err), CF_ERR_HEADER);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 1);
	/* 500 on /error is the same exit signal as on /response. */
	push_exit(r.api);
	ck_assert_int_eq(cf_runtime_fail(r.rt, "req-10", "HandlerError", "m", &err), CF_ERR_HTTP);
	rig_close(&r);
}
END_TEST

START_TEST(test_init_error)
{
	struct rig r;
	rig_open(&r, 0, NULL);
	push_status(r.api, 202);
	/* What the bootstrap does when a handler cannot be built: update-cart-status without TABLE_NAME. */
	static const char *const no_table[] = { "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=s",
						"AWS_REGION=us-east-1", NULL };
	const struct cf_handler_env env = { .getenv_fn = ar_env_get, .getenv_user = (void *)no_table,
					    .transport = cf_fake_transport_as_transport(r.aws), .log = &r.logs.log };
	struct cf_handler *h = (struct cf_handler *)1;
	struct cf_error err = { 0 };
	ck_assert_int_eq(cf_update_cart_status_new(&env, &h, &err), CF_ERR_CONFIG);
	ck_assert_ptr_null(h);
	ck_assert_str_eq(cf_handler_error_type(err.code), "ConfigurationError");
	struct cf_error post_err = { 0 };
	ck_assert_int_eq(cf_runtime_init_error(r.rt, cf_handler_error_type(err.code), err.message, &post_err), CF_OK);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 1);
	const struct cf_http_request *q = assert_request(r.api, 0, "POST", "/init/error");
	ck_assert_str_eq(q->url, "http://127.0.0.1:9001/2018-06-01/runtime/init/error");
	assert_error_post(q, "ConfigurationError", "TABLE_NAME");
	/* process-cart-products names its own variable. */
	ck_assert_int_eq(cf_process_cart_products_new(&env, &h, &err), CF_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.message, "UPDATE_CART_PRODUCT_SQS"));
	rig_close(&r);
}
END_TEST

/* ======== the serve loop ======== */

START_TEST(test_serve_normal_invocation)
{
	struct rig r;
	rig_open(&r, 0, cf_update_cart_status_new);
	size_t len;
	char *event = ts_read_data("orders/sqs_two_orders.json", &len);
	char deadline[32];
	push_next(r.api, &(struct next_spec){ .id = "req-1", .deadline = deadline_text(deadline, NOW_MS + 60000),
					      .arn = "arn:aws:lambda:us-east-1:123456789012:function:ucs",
					      .trace = TRACE_1, .body = event });
	push_status(r.api, 202);
	rig_serve_until_exit(&r);
	/* GET next, POST response, GET next (500: stop). */
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 3);
	assert_next_request(r.api, 0);
	const struct cf_http_request *q = assert_request(r.api, 1, "POST", "/invocation/req-1/response");
	assert_body_eq(q, "{\"batchItemFailures\":[{\"itemIdentifier\":\"" SECOND_MESSAGE_ID "\"}]}");
	assert_next_request(r.api, 2);
	/* The handler's two UpdateItem calls carried the trace id and the invocation's deadline. */
	ck_assert_uint_eq(cf_fake_transport_request_count(r.aws), 2);
	for (size_t i = 0; i < 2; i++) {
		const struct cf_http_request *a = cf_fake_transport_request(r.aws, i);
		ck_assert_str_eq(a->url, "https://dynamodb.us-east-1.amazonaws.com/");
		ck_assert_str_eq(ar_header(a, "X-Amz-Target"), "DynamoDB_20120810.UpdateItem");
		ck_assert_str_eq(ar_header(a, "X-Amzn-Trace-Id"), TRACE_1);
		/* The deadline is a minute away: each attempt gets the client's attempt bound. */
		ck_assert_int_eq(a->timeout_ms, CF_AWS_DEFAULT_ATTEMPT_TIMEOUT_MS);
		ck_assert(r.side.calls[i].trace_env_set);
		ck_assert_str_eq(r.side.calls[i].trace_env, TRACE_1);
	}
	/* After the loop: no trace id left in the environment; the log names the request. */
	ck_assert_ptr_null(getenv("_X_AMZN_TRACE_ID"));
	const char *log = rig_log(&r);
	ck_assert_ptr_nonnull(strstr(log, "\"requestId\":\"req-1\""));
	ck_assert_ptr_nonnull(strstr(log, "Runtime API unusable"));
	ck_assert_ptr_null(strstr(log, "AQEB")); /* receipt handles are never logged */
	ck_assert_ptr_null(strstr(log, "wJalrXUtnFEMI"));
	free(event);
	rig_close(&r);
}
END_TEST

START_TEST(test_serve_max_invocations)
{
	struct rig r;
	rig_open(&r, 0, cf_update_cart_status_new);
	for (int i = 0; i < 3; i++) {
		char id[16];
		snprintf(id, sizeof(id), "req-%d", i);
		push_next(r.api, &(struct next_spec){ .id = id, .body = "{\"Records\":[]}" });
		push_status(r.api, 202);
	}
	ck_assert_int_eq(rig_serve(&r, 2), CF_OK);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 4);
	assert_request(r.api, 1, "POST", "/invocation/req-0/response");
	assert_body_eq(cf_fake_transport_request(r.api, 1), "{\"batchItemFailures\":[]}");
	assert_request(r.api, 3, "POST", "/invocation/req-1/response");
	ck_assert_uint_eq(cf_fake_transport_pending_responses(r.api), 2);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.aws), 0);
	rig_close(&r);
}
END_TEST

START_TEST(test_serve_handler_failure_posts_error)
{
	struct rig r;
	rig_open(&r, 0, cf_update_cart_status_new);
	push_next(r.api, &(struct next_spec){ .id = "bad-json", .body = "{\"Records\":[" });
	push_status(r.api, 202);
	push_next(r.api, &(struct next_spec){ .id = "not-sqs", .body = "{\"Messages\":[]}" });
	push_status(r.api, 202);
	push_next(r.api, &(struct next_spec){ .id = "good", .body = "{\"Records\":[]}" });
	push_status(r.api, 202);
	rig_serve_until_exit(&r);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 7);
	assert_error_post(assert_request(r.api, 1, "POST", "/invocation/bad-json/error"), "InvalidEvent", NULL);
	assert_error_post(assert_request(r.api, 3, "POST", "/invocation/not-sqs/error"), "InvalidEvent", "Records");
	assert_body_eq(assert_request(r.api, 5, "POST", "/invocation/good/response"), "{\"batchItemFailures\":[]}");
	ck_assert_ptr_nonnull(strstr(rig_log(&r), "\"message\":\"invocation failed\""));
	rig_close(&r);
}
END_TEST

START_TEST(test_serve_skips_missing_request_id)
{
	struct rig r;
	rig_open(&r, 0, cf_update_cart_status_new);
	push_next(r.api, &(struct next_spec){ .body = "{\"Records\":[]}" });
	push_next(r.api, &(struct next_spec){ .id = "bad/id", .body = "{\"Records\":[]}" });
	push_next(r.api, &(struct next_spec){ .id = "req-2", .body = "{\"Records\":[]}" });
	push_status(r.api, 202);
	rig_serve_until_exit(&r);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 5);
	assert_next_request(r.api, 0);
	assert_next_request(r.api, 1);
	assert_next_request(r.api, 2);
	assert_request(r.api, 3, "POST", "/invocation/req-2/response");
	assert_next_request(r.api, 4);
	const char *log = rig_log(&r);
	const char *first = strstr(log, "invocation without a request id ignored");
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(strstr(first + 1, "invocation without a request id ignored"));
	rig_close(&r);
}
END_TEST

START_TEST(test_serve_413_not_posted_again)
{
	struct rig r;
	rig_open(&r, 0, cf_update_cart_status_new);
	push_next(r.api, &(struct next_spec){ .id = "req-1", .body = "{\"Records\":[]}" });
	push_status(r.api, 413);
	push_next(r.api, &(struct next_spec){ .id = "req-2", .body = "{\"Records\":[]}" });
	push_status(r.api, 202);
	rig_serve_until_exit(&r);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 5);
	assert_next_request(r.api, 0);
	assert_request(r.api, 1, "POST", "/invocation/req-1/response");
	assert_next_request(r.api, 2); /* neither /response again nor /error for req-1 */
	assert_request(r.api, 3, "POST", "/invocation/req-2/response");
	assert_next_request(r.api, 4);
	ck_assert_ptr_nonnull(strstr(rig_log(&r), "could not post the invocation result"));
	rig_close(&r);
}
END_TEST

START_TEST(test_serve_exits_on_500_from_response)
{
	struct rig r;
	rig_open(&r, 0, cf_update_cart_status_new);
	push_next(r.api, &(struct next_spec){ .id = "req-1", .body = "{\"Records\":[]}" });
	push_exit(r.api);
	push_next(r.api, &(struct next_spec){ .id = "req-2", .body = "{\"Records\":[]}" });
	ck_assert_int_eq(rig_serve(&r, 0), CF_ERR_HTTP);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 2);
	assert_request(r.api, 1, "POST", "/invocation/req-1/response");
	ck_assert_uint_eq(cf_fake_transport_pending_responses(r.api), 1);
	rig_close(&r);
}
END_TEST

START_TEST(test_serve_exits_on_500_from_error)
{
	struct rig r;
	rig_open(&r, 0, cf_update_cart_status_new);
	push_next(r.api, &(struct next_spec){ .id = "req-1", .body = "nope" });
	push_exit(r.api);
	push_next(r.api, &(struct next_spec){ .id = "req-2", .body = "{\"Records\":[]}" });
	ck_assert_int_eq(rig_serve(&r, 0), CF_ERR_HTTP);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 2);
	assert_request(r.api, 1, "POST", "/invocation/req-1/error");
	rig_close(&r);
}
END_TEST

START_TEST(test_serve_exits_when_api_vanishes_during_post)
{
	struct rig r;
	rig_open(&r, 0, cf_update_cart_status_new);
	push_next(r.api, &(struct next_spec){ .id = "req-1", .body = "{\"Records\":[]}" });
	push_next(r.api, &(struct next_spec){ .id = "req-2", .body = "{\"Records\":[]}" });
	ck_assert_int_eq(cf_fake_transport_fail_call(r.api, 2, CF_FAKE_FAIL_TRANSPORT), CF_OK);
	enum cf_status st = rig_serve(&r, 0);
	ck_assert_int_ne(st, CF_OK);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 2);
	rig_close(&r);
}
END_TEST

START_TEST(test_serve_next_retries_then_gives_up)
{
	struct rig r;
	rig_open(&r, 3, cf_update_cart_status_new);
	/* One invocation after a transient failure, then the Runtime API is gone for good. */
	ck_assert_int_eq(cf_fake_transport_fail_call(r.api, 1, CF_FAKE_FAIL_TRANSPORT), CF_OK);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(r.api, 4, CF_FAKE_FAIL_TRANSPORT), CF_OK);
	push_next(r.api, &(struct next_spec){ .id = "req-1", .body = "{\"Records\":[]}" });
	push_status(r.api, 202);
	ck_assert_int_eq(rig_serve(&r, 0), CF_ERR_TRANSPORT);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 6);
	assert_next_request(r.api, 0);
	assert_next_request(r.api, 1);
	assert_request(r.api, 2, "POST", "/invocation/req-1/response");
	for (size_t i = 3; i < 6; i++)
		assert_next_request(r.api, i);
	ar_assert_sleeps(&r.clock, 3, (const int64_t[]){ 50, 50, 100 });
	ck_assert_ptr_nonnull(strstr(rig_log(&r), "\"level\":\"FATAL\""));
	rig_close(&r);
}
END_TEST

START_TEST(test_serve_trace_id_environment)
{
	struct rig r;
	rig_open(&r, 0, cf_update_cart_status_new);
	setenv("_X_AMZN_TRACE_ID", "stale-from-before", 1);
	size_t len;
	char *event = ts_read_data("orders/sqs_two_orders.json", &len);
	push_next(r.api, &(struct next_spec){ .id = "with-trace", .trace = TRACE_1, .body = event });
	push_status(r.api, 202);
	push_next(r.api, &(struct next_spec){ .id = "no-trace", .body = event });
	push_status(r.api, 202);
	push_next(r.api, &(struct next_spec){ .id = "other-trace", .trace = TRACE_2, .body = event });
	push_status(r.api, 202);
	rig_serve_until_exit(&r);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.aws), 6);
	ck_assert_uint_eq(r.side.count, 6);
	for (size_t i = 0; i < 6; i++) {
		const struct cf_http_request *a = cf_fake_transport_request(r.aws, i);
		const char *want = i < 2 ? TRACE_1 : i < 4 ? NULL : TRACE_2;
		if (want) {
			ck_assert_str_eq(ar_header(a, "X-Amzn-Trace-Id"), want);
			ck_assert(r.side.calls[i].trace_env_set);
			ck_assert_str_eq(r.side.calls[i].trace_env, want);
		} else {
			ck_assert_ptr_null(ar_header(a, "X-Amzn-Trace-Id"));
			ck_assert_msg(!r.side.calls[i].trace_env_set, "_X_AMZN_TRACE_ID still \"%s\"",
				      r.side.calls[i].trace_env);
		}
	}
	ck_assert_ptr_null(getenv("_X_AMZN_TRACE_ID"));
	free(event);
	rig_close(&r);
}
END_TEST

START_TEST(test_serve_trace_id_on_sqs_calls)
{
	struct rig r;
	rig_open(&r, 0, cf_process_cart_products_new);
	size_t len;
	char *event = ts_read_data("orders/stream_insert_ordered.json", &len);
	char deadline[32];
	push_next(r.api, &(struct next_spec){ .id = "s-1", .trace = TRACE_2, .body = event,
					      .deadline = deadline_text(deadline, NOW_MS + 2000) });
	push_status(r.api, 202);
	push_next(r.api, &(struct next_spec){ .id = "s-2", .body = event });
	push_status(r.api, 202);
	rig_serve_until_exit(&r);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.aws), 2);
	const struct cf_http_request *a = cf_fake_transport_request(r.aws, 0);
	ck_assert_str_eq(a->url, "https://sqs.us-east-1.amazonaws.com/");
	ck_assert_str_eq(ar_header(a, "X-Amz-Target"), "AmazonSQS.SendMessageBatch");
	ck_assert_str_eq(ar_header(a, "X-Amzn-Trace-Id"), TRACE_2);
	ck_assert_int_eq(a->timeout_ms, 2000 - 500); /* the deadline minus the client's safety margin */
	ck_assert_str_eq(r.side.calls[0].trace_env, TRACE_2);
	a = cf_fake_transport_request(r.aws, 1);
	ck_assert_ptr_null(ar_header(a, "X-Amzn-Trace-Id"));
	ck_assert(!r.side.calls[1].trace_env_set);
	ck_assert_int_eq(a->timeout_ms, CF_AWS_DEFAULT_ATTEMPT_TIMEOUT_MS); /* no deadline: the attempt bound */
	assert_body_eq(assert_request(r.api, 1, "POST", "/invocation/s-1/response"), "{\"batchItemFailures\":[]}");
	assert_body_eq(assert_request(r.api, 3, "POST", "/invocation/s-2/response"), "{\"batchItemFailures\":[]}");
	free(event);
	rig_close(&r);
}
END_TEST

START_TEST(test_serve_deadline_passed_skips_aws_calls)
{
	struct rig r;
	rig_open(&r, 0, cf_update_cart_status_new);
	size_t len;
	char *event = ts_read_data("orders/sqs_two_orders.json", &len);
	char past[32], close[32];
	push_next(r.api, &(struct next_spec){ .id = "late", .deadline = deadline_text(past, NOW_MS - 1000), .body = event });
	push_status(r.api, 202);
	/* Inside the safety margin counts as passed too. */
	push_next(r.api, &(struct next_spec){ .id = "tight", .deadline = deadline_text(close, NOW_MS + 400), .body = event });
	push_status(r.api, 202);
	rig_serve_until_exit(&r);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.aws), 0);
	static const char both[] = "{\"batchItemFailures\":[{\"itemIdentifier\":\"" FIRST_MESSAGE_ID
				   "\"},{\"itemIdentifier\":\"" SECOND_MESSAGE_ID "\"}]}";
	assert_body_eq(assert_request(r.api, 1, "POST", "/invocation/late/response"), both);
	assert_body_eq(assert_request(r.api, 3, "POST", "/invocation/tight/response"), both);
	free(event);
	rig_close(&r);
}
END_TEST

START_TEST(test_serve_deadline_passed_stream)
{
	struct rig r;
	rig_open(&r, 0, cf_process_cart_products_new);
	size_t len;
	char *event = ts_read_data("orders/stream_insert_ordered.json", &len);
	char past[32];
	push_next(r.api, &(struct next_spec){ .id = "late", .deadline = deadline_text(past, NOW_MS - 1), .body = event });
	push_status(r.api, 202);
	rig_serve_until_exit(&r);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.aws), 0);
	assert_body_eq(assert_request(r.api, 1, "POST", "/invocation/late/response"),
		       "{\"batchItemFailures\":[{\"itemIdentifier\":\"111100000000000000000001\"}]}");
	free(event);
	rig_close(&r);
}
END_TEST

/* ---- a tiny handler of our own: the event "<n>" answers a JSON string of n bytes ---- */

struct sized_seen {
	char trace_env[256];
	bool trace_env_set;
};
static struct sized_seen sized_seen[8];
static size_t sized_calls;

static enum cf_status sized_invoke(struct cf_handler *h, const struct cf_invocation *inv, char **response,
				   size_t *response_len, struct cf_error *err)
{
	(void)h;
	if (sized_calls < 8) {
		const char *env = getenv("_X_AMZN_TRACE_ID");
		sized_seen[sized_calls].trace_env_set = env != NULL;
		snprintf(sized_seen[sized_calls].trace_env, sizeof(sized_seen[0].trace_env), "%s", env ? env : "");
	}
	sized_calls++;
	size_t n = strtoul(inv->event, NULL, 10);
	if (n < 2)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "sized handler: %zu bytes is too small", n);
	char *out = cf_mem_alloc(n + 1);
	if (!out)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	memset(out, 'x', n);
	out[0] = out[n - 1] = '"';
	out[n] = '\0';
	*response = out;
	*response_len = n;
	return CF_OK;
}

static enum cf_status sized_new(const struct cf_handler_env *env, struct cf_handler **out, struct cf_error *err)
{
	return cf_handler_create(env, "TABLE_NAME", sized_invoke, out, err);
}

START_TEST(test_serve_response_over_6mb_becomes_error)
{
	struct rig r;
	rig_open(&r, 0, sized_new);
	sized_calls = 0;
	char over[32], exact[32];
	snprintf(over, sizeof(over), "%zu", CF_RUNTIME_MAX_RESPONSE + 1);
	snprintf(exact, sizeof(exact), "%zu", CF_RUNTIME_MAX_RESPONSE);
	push_next(r.api, &(struct next_spec){ .id = "too-big", .body = over, .trace = TRACE_1 });
	push_status(r.api, 202);
	push_next(r.api, &(struct next_spec){ .id = "just-fits", .body = exact });
	push_status(r.api, 202);
	push_next(r.api, &(struct next_spec){ .id = "fails", .body = "1" });
	push_status(r.api, 202);
	rig_serve_until_exit(&r);
	ck_assert_uint_eq(sized_calls, 3);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.api), 7);
	const struct cf_http_request *q = assert_request(r.api, 1, "POST", "/invocation/too-big/error");
	assert_error_post(q, "ResponseTooLarge", "6 MB");
	q = assert_request(r.api, 3, "POST", "/invocation/just-fits/response");
	ck_assert_uint_eq(q->body_len, CF_RUNTIME_MAX_RESPONSE);
	assert_error_post(assert_request(r.api, 5, "POST", "/invocation/fails/error"), "HandlerError", "too small");
	/* The custom handler saw the trace id in the environment only while its invocation had one. */
	ck_assert(sized_seen[0].trace_env_set);
	ck_assert_str_eq(sized_seen[0].trace_env, TRACE_1);
	ck_assert(!sized_seen[1].trace_env_set);
	ck_assert(!sized_seen[2].trace_env_set);
	rig_close(&r);
}
END_TEST

/* Every allocation of one invocation failing in turn: no crash, no leak, a clean outcome each time. */
START_TEST(test_serve_allocation_failures)
{
	size_t len;
	char *event = ts_read_data("orders/sqs_two_orders.json", &len);
	bool failed = true;
	long fail_at;
	for (fail_at = 0; failed && fail_at < 5000; fail_at++) {
		ts_alloc_install(-1);
		struct rig r;
		rig_open(&r, 1, cf_update_cart_status_new);
		push_next(r.api, &(struct next_spec){ .id = "req-1", .trace = TRACE_1, .body = event });
		push_status(r.api, 202);
		push_status(r.api, 202);
		/* Count from here: what the rig holds now is freed by rig_close, which takes `held` off. */
		long held = ts_alloc_live();
		ts_alloc_install(fail_at);
		enum cf_status st = rig_serve(&r, 1);
		failed = ts_alloc_failed();
		ts_alloc_stop_failing();
		ck_assert_msg(st == CF_OK || st == CF_ERR_NOMEM || st == CF_ERR_HTTP, "fail_at %ld: %s", fail_at,
			      cf_strerror(st));
		if (!failed) {
			ck_assert_int_eq(st, CF_OK);
			assert_body_eq(assert_request(r.api, 1, "POST", "/invocation/req-1/response"),
				       "{\"batchItemFailures\":[{\"itemIdentifier\":\"" SECOND_MESSAGE_ID "\"}]}");
		}
		rig_close(&r);
		ck_assert_msg(ts_alloc_live() == -held, "fail_at %ld: %ld blocks leaked", fail_at, ts_alloc_live() + held);
		ts_alloc_uninstall();
	}
	ck_assert_msg(!failed, "still failing after %ld allocations", fail_at);
	ck_assert_int_gt(fail_at, 10);
	free(event);
}
END_TEST

static Suite *runtime_suite(void)
{
	Suite *s = suite_create("runtime");
	TCase *client = tcase_create("client");
	tcase_add_test(client, test_new_checks_api);
	tcase_add_test(client, test_next_reads_every_header);
	tcase_add_test(client, test_next_optional_headers_absent);
	tcase_add_test(client, test_next_empty_body);
	tcase_add_test(client, test_next_missing_or_bad_request_id);
	tcase_add_test(client, test_next_http_error);
	tcase_add_test(client, test_next_retries_transport_errors);
	tcase_add_test(client, test_next_gives_up);
	tcase_add_test(client, test_respond_posts_exact_body);
	tcase_add_test(client, test_respond_status_mapping);
	tcase_add_test(client, test_respond_refuses_bad_ids);
	tcase_add_test(client, test_respond_over_6mb_not_posted);
	tcase_add_test(client, test_fail_posts_error_document);
	tcase_add_test(client, test_init_error);
	suite_add_tcase(s, client);
	TCase *serve = tcase_create("serve");
	tcase_set_timeout(serve, 60);
	tcase_add_test(serve, test_serve_normal_invocation);
	tcase_add_test(serve, test_serve_max_invocations);
	tcase_add_test(serve, test_serve_handler_failure_posts_error);
	tcase_add_test(serve, test_serve_skips_missing_request_id);
	tcase_add_test(serve, test_serve_413_not_posted_again);
	tcase_add_test(serve, test_serve_exits_on_500_from_response);
	tcase_add_test(serve, test_serve_exits_on_500_from_error);
	tcase_add_test(serve, test_serve_exits_when_api_vanishes_during_post);
	tcase_add_test(serve, test_serve_next_retries_then_gives_up);
	tcase_add_test(serve, test_serve_trace_id_environment);
	tcase_add_test(serve, test_serve_trace_id_on_sqs_calls);
	tcase_add_test(serve, test_serve_deadline_passed_skips_aws_calls);
	tcase_add_test(serve, test_serve_deadline_passed_stream);
	tcase_add_test(serve, test_serve_response_over_6mb_becomes_error);
	tcase_add_test(serve, test_serve_allocation_failures);
	suite_add_tcase(s, serve);
	return s;
}

int main(void) { return ts_run_suite(runtime_suite()); }
