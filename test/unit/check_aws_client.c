/*
 * The AWS call machinery against the fake transport: classification, the CRC check, signing and
 * request shape, error bodies, retries with backoff, the retry quota, deadlines and concurrency.
 * A deterministic clock makes every backoff exact: random_unit is 0.5, so with the default 100 ms
 * base the sleeps are 50, 100, 200... ms.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_rig.h"
#include "cartflow/aws_client.h"
#include "cartflow/dynamodb_client.h"
#include "cartflow/fake_transport.h"
#include "cartflow/sigv4.h"
#include "cartflow/transport.h"
#include "test_support.h"

#define DDB_TARGET "DynamoDB_20120810.UpdateItem"

/*
 * The rig as these tests use it: SQS at its own endpoint; `retry` may be NULL (defaults), `session` adds a
 * session token.
 */
static void fx_init_with(struct aws_rig *f, const struct cf_retry_policy *retry, bool session, int64_t margin_ms)
{
	struct aws_rig_options opt = { .session_token = session, .separate_sqs_endpoint = true,
				       .safety_margin_ms = margin_ms };
	if (retry)
		opt.retry = *retry;
	aws_rig_init(f, &opt);
}

static void fx_init(struct aws_rig *f) { fx_init_with(f, NULL, false, 0); }

/* One DynamoDB request through cf_aws_call_many. */
static struct cf_aws_result call_one(struct aws_rig *f, const char *body, int64_t deadline_ms)
{
	struct cf_aws_request req = { body, strlen(body) };
	struct cf_aws_result res;
	ck_assert_int_eq(cf_aws_call_many(f->client, CF_AWS_DYNAMODB, DDB_TARGET, &req, 1, 1, deadline_ms, &res), CF_OK);
	return res;
}

static void assert_contains(const char *s, const char *part)
{
	ck_assert_msg(strstr(s, part) != NULL, "\"%s\" does not contain \"%s\"", s, part);
}

static void push(struct aws_rig *f, long status, const char *body)
{
	ck_assert_int_eq(cf_fake_transport_push_body(f->fake, status, body), CF_OK);
}

/* ---- classification and CRC ---- */

START_TEST(test_classify)
{
	const char *throttling[] = { "ThrottlingException", "ProvisionedThroughputExceededException",
				     "RequestLimitExceeded", "TooManyRequestsException", "Throttling" };
	for (size_t i = 0; i < sizeof(throttling) / sizeof(*throttling); i++)
		ck_assert_msg(cf_aws_classify(400, throttling[i]) == CF_AWS_THROTTLING, "%s", throttling[i]);
	const char *permanent[] = { "ConditionalCheckFailedException", "ValidationException",
				    "ResourceNotFoundException", "AccessDeniedException", "QueueDoesNotExist",
				    "InvalidSignatureException", "ExpiredTokenException", "SomethingNew", "" };
	for (size_t i = 0; i < sizeof(permanent) / sizeof(*permanent); i++)
		ck_assert_msg(cf_aws_classify(400, permanent[i]) == CF_AWS_PERMANENT, "%s", permanent[i]);
	ck_assert_int_eq(cf_aws_classify(403, "InvalidSignatureException"), CF_AWS_PERMANENT);
	ck_assert_int_eq(cf_aws_classify(404, NULL), CF_AWS_PERMANENT);
	long transient_status[] = { 500, 502, 503, 504 };
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(cf_aws_classify(transient_status[i], ""), CF_AWS_TRANSIENT);
		ck_assert_int_eq(cf_aws_classify(transient_status[i], NULL), CF_AWS_TRANSIENT);
		ck_assert_int_eq(cf_aws_classify(transient_status[i], "SomethingNew"), CF_AWS_TRANSIENT);
	}
	ck_assert_int_eq(cf_aws_classify(500, "InternalServerError"), CF_AWS_TRANSIENT);
	ck_assert_int_eq(cf_aws_classify(400, "InternalServerError"), CF_AWS_TRANSIENT);
	ck_assert_int_eq(cf_aws_classify(500, "InternalFailure"), CF_AWS_TRANSIENT);
	ck_assert_int_eq(cf_aws_classify(503, "ServiceUnavailable"), CF_AWS_TRANSIENT);
	ck_assert_int_eq(cf_aws_classify(429, ""), CF_AWS_THROTTLING);
	ck_assert_int_eq(cf_aws_classify(429, "SomethingNew"), CF_AWS_THROTTLING);
	/* A throttling code wins over a 5xx status. */
	ck_assert_int_eq(cf_aws_classify(503, "ThrottlingException"), CF_AWS_THROTTLING);
	ck_assert_int_eq(cf_aws_classify(200, ""), CF_AWS_OK);
	ck_assert_int_eq(cf_aws_classify(204, NULL), CF_AWS_OK);
	ck_assert_int_eq(cf_aws_classify(501, ""), CF_AWS_PERMANENT);

	ck_assert_str_eq(cf_aws_error_class_name(CF_AWS_OK), "ok");
	ck_assert_str_eq(cf_aws_error_class_name(CF_AWS_THROTTLING), "throttling");
	ck_assert_str_eq(cf_aws_error_class_name(CF_AWS_TRANSIENT), "transient");
	ck_assert_str_eq(cf_aws_error_class_name(CF_AWS_PERMANENT), "permanent");
}
END_TEST

static enum cf_status crc_of(const char *body, const char *crc_header)
{
	struct cf_http_response resp = { 0 };
	resp.status = 200;
	if (crc_header)
		ck_assert_int_eq(cf_http_response_add_header(&resp, "x-amz-crc32", crc_header), CF_OK);
	ck_assert_int_eq(cf_http_response_set_body(&resp, body, strlen(body)), CF_OK);
	enum cf_status st = cf_aws_check_crc32(&resp);
	cf_http_response_clean_up(&resp);
	return st;
}

START_TEST(test_crc32)
{
	ck_assert_int_eq(crc_of("123456789", "3421780262"), CF_OK);
	ck_assert_int_eq(crc_of("{}", "2745614147"), CF_OK);
	ck_assert_int_eq(crc_of("", "0"), CF_OK);
	ck_assert_int_eq(crc_of("123456789", NULL), CF_OK);
	ck_assert_int_eq(crc_of("123456789", "3421780263"), CF_ERR_CRC);
	ck_assert_int_eq(crc_of("{}", "3421780262"), CF_ERR_CRC);
	ck_assert_int_eq(crc_of("123456789", ""), CF_ERR_CRC);
	ck_assert_int_eq(crc_of("123456789", "abc"), CF_ERR_CRC);
	ck_assert_int_eq(crc_of("123456789", "3421780262x"), CF_ERR_CRC);
	ck_assert_int_eq(crc_of("123456789", "0x CBF43926"), CF_ERR_CRC);
	ck_assert_int_eq(crc_of("123456789", "7716747558"), CF_ERR_CRC); /* 3421780262 + 2^32 */
	ck_assert_int_eq(crc_of("123456789", "-1"), CF_ERR_CRC);

	/* The header name is matched without regard to case. */
	struct cf_http_response resp = { 0 };
	ck_assert_int_eq(cf_http_response_add_header(&resp, "X-Amz-Crc32", "1"), CF_OK);
	ck_assert_int_eq(cf_http_response_set_body(&resp, "{}", 2), CF_OK);
	ck_assert_int_eq(cf_aws_check_crc32(&resp), CF_ERR_CRC);
	cf_http_response_clean_up(&resp);
}
END_TEST

/* ---- client lifecycle ---- */

START_TEST(test_client_new_arguments)
{
	struct aws_rig f;
	aws_rig_init(&f, NULL);
	struct cf_aws_client_options opt = { .config = &f.config, .transport = cf_fake_transport_as_transport(f.fake) };
	struct cf_aws_client *c = (struct cf_aws_client *)&opt;
	struct cf_error err;

	ck_assert_int_eq(cf_aws_client_new(&opt, NULL, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_aws_client_new(NULL, &c, &err), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(err.code, CF_ERR_INVALID_ARG);
	struct cf_aws_client_options no_config = opt;
	no_config.config = NULL;
	ck_assert_int_eq(cf_aws_client_new(&no_config, &c, &err), CF_ERR_INVALID_ARG);
	struct cf_aws_client_options no_transport = opt;
	no_transport.transport = (struct cf_transport){ 0 };
	ck_assert_int_eq(cf_aws_client_new(&no_transport, &c, &err), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(c);
	struct cf_aws_client_options negative = opt;
	negative.attempt_timeout_ms = -1;
	ck_assert_int_eq(cf_aws_client_new(&negative, &c, &err), CF_ERR_INVALID_ARG);
	negative = opt;
	negative.safety_margin_ms = -1;
	ck_assert_int_eq(cf_aws_client_new(&negative, &c, &err), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(c);

	ck_assert_int_eq(cf_aws_client_new(&opt, &c, &err), CF_OK);
	ck_assert_uint_eq(cf_aws_client_retry_tokens(c), 500);
	cf_aws_client_destroy(c);

	cf_aws_client_destroy(NULL);
	ck_assert_uint_eq(cf_aws_client_retry_tokens(NULL), 0);
	ck_assert_int_eq(cf_aws_client_set_trace_id(NULL, "x"), CF_ERR_INVALID_ARG);
	cf_aws_result_clean_up(NULL);
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_call_many_arguments)
{
	struct aws_rig f;
	fx_init(&f);
	struct cf_aws_request req = { "{}", 2 };
	struct cf_aws_result res;
	ck_assert_int_eq(cf_aws_call_many(NULL, CF_AWS_DYNAMODB, DDB_TARGET, &req, 1, 1, 0, &res), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_aws_call_many(f.client, CF_AWS_DYNAMODB, NULL, &req, 1, 1, 0, &res), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_aws_call_many(f.client, CF_AWS_DYNAMODB, DDB_TARGET, NULL, 1, 1, 0, &res), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_aws_call_many(f.client, CF_AWS_DYNAMODB, DDB_TARGET, &req, 1, 1, 0, NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_aws_call_many(f.client, CF_AWS_DYNAMODB, DDB_TARGET, NULL, 0, 1, 0, NULL), CF_OK);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 0);

	struct cf_error err;
	ck_assert_int_eq(cf_dynamodb_update_items(NULL, NULL, 0, NULL, NULL, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(err.code, CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_dynamodb_update_items(f.client, NULL, 1, NULL, &res, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_dynamodb_update_items(f.client, NULL, 0, NULL, NULL, &err), CF_OK);
	aws_rig_clean_up(&f);
}
END_TEST

/* ---- request shape ---- */

/* The Authorization cf_sigv4_sign gives for `headers` and `body` at T0 with the fixture's credentials. */
static char *expected_authorization(const struct aws_rig *f, const char *url, const char *service,
				    const struct cf_http_header *headers, size_t n, const char *body)
{
	struct cf_http_request req = { "POST", url, headers, n, body, strlen(body), 0 };
	struct cf_sigv4_params p = { .creds = { f->config.access_key_id, f->config.secret_access_key,
						f->config.session_token },
				     .region = "us-east-1",
				     .service = service,
				     .time_s = AR_T0_MS / 1000 };
	struct cf_sigv4_result sig = { 0 };
	struct cf_error err;
	ck_assert_int_eq(cf_sigv4_sign(&req, &p, &sig, &err), CF_OK);
	char *auth = strdup(sig.authorization);
	cf_sigv4_result_clean_up(&sig);
	return auth;
}

START_TEST(test_request_shape_dynamodb)
{
	struct aws_rig f;
	fx_init_with(&f, NULL, true, 0);
	ck_assert_int_eq(cf_aws_client_set_trace_id(f.client, "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"),
			 CF_OK);
	const char *body = "{\"TableName\":\"carts\",\"Key\":{\"PK\":{\"S\":\"USER#u1\"},\"SK\":{\"S\":\"PRODUCT#p1\"}}}";
	struct cf_update_request ureq = { .body = body, .body_len = strlen(body) };
	struct cf_aws_result res;
	struct cf_error err;
	ck_assert_int_eq(cf_dynamodb_update_items(f.client, &ureq, 1, NULL, &res, &err), CF_OK);
	ck_assert_int_eq(res.status, CF_OK);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 1);

	const struct cf_http_request *r = cf_fake_transport_request(f.fake, 0);
	ck_assert_str_eq(r->method, "POST");
	ck_assert_str_eq(r->url, "http://127.0.0.1:1/");
	ck_assert_uint_eq(r->body_len, strlen(body));
	ck_assert_mem_eq(r->body, body, strlen(body));
	ck_assert_int_eq(r->timeout_ms, CF_AWS_DEFAULT_ATTEMPT_TIMEOUT_MS);
	/* Exactly these headers, in this order. */
	const char *names[] = { "Content-Type",		"X-Amz-Target",		"X-Amzn-Trace-Id",
				"X-Amz-Date",		"X-Amz-Security-Token", "Authorization" };
	ck_assert_uint_eq(r->header_count, 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(r->headers[i].name, names[i]);
	ck_assert_str_eq(ar_header(r, "Content-Type"), "application/x-amz-json-1.0");
	ck_assert_str_eq(ar_header(r, "X-Amz-Target"), "DynamoDB_20120810.UpdateItem");
	ck_assert_str_eq(ar_header(r, "X-Amzn-Trace-Id"), "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
	ck_assert_str_eq(ar_header(r, "X-Amz-Date"), "20150830T123600Z");
	ck_assert_str_eq(ar_header(r, "X-Amz-Security-Token"), AR_SESSION_TOKEN);
	const char *auth = ar_header(r, "Authorization");
	const char *prefix = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/dynamodb/aws4_request, "
			     "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=";
	ck_assert_msg(!strncmp(auth, prefix, strlen(prefix)), "Authorization: %s", auth);
	ck_assert_uint_eq(strlen(auth), strlen(prefix) + 64);
	/* The signature is the one the signer computes for the same request (trace id unsigned). */
	struct cf_http_header h[] = { { "Content-Type", "application/x-amz-json-1.0" },
				      { "X-Amz-Target", "DynamoDB_20120810.UpdateItem" } };
	char *want = expected_authorization(&f, "http://127.0.0.1:1/", "dynamodb", h, 2, body);
	ck_assert_str_eq(auth, want);
	free(want);
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_request_shape_sqs_minimal)
{
	struct aws_rig f;
	fx_init(&f);
	const char *body = "{\"QueueUrl\":\"https://sqs.us-east-1.amazonaws.com/1/q\",\"Entries\":[]}";
	struct cf_aws_request req = { body, strlen(body) };
	struct cf_aws_result res;
	ck_assert_int_eq(cf_aws_call_many(f.client, CF_AWS_SQS, "AmazonSQS.SendMessageBatch", &req, 1, 1, 0, &res), CF_OK);
	ck_assert_int_eq(res.status, CF_OK);
	const struct cf_http_request *r = cf_fake_transport_request(f.fake, 0);
	ck_assert_str_eq(r->method, "POST");
	ck_assert_str_eq(r->url, "http://127.0.0.1:2/sqs/");
	ck_assert_mem_eq(r->body, body, strlen(body));
	const char *names[] = { "Content-Type", "X-Amz-Target", "X-Amz-Date", "Authorization" };
	ck_assert_uint_eq(r->header_count, 4);
	for (size_t i = 0; i < 4; i++)
		ck_assert_str_eq(r->headers[i].name, names[i]);
	ck_assert_ptr_null(ar_header(r, "X-Amz-Security-Token"));
	ck_assert_ptr_null(ar_header(r, "X-Amzn-Trace-Id"));
	ck_assert_str_eq(ar_header(r, "X-Amz-Target"), "AmazonSQS.SendMessageBatch");
	struct cf_http_header h[] = { { "Content-Type", "application/x-amz-json-1.0" },
				      { "X-Amz-Target", "AmazonSQS.SendMessageBatch" } };
	char *want = expected_authorization(&f, "http://127.0.0.1:2/sqs/", "sqs", h, 2, body);
	ck_assert_str_eq(ar_header(r, "Authorization"), want);
	const char *prefix = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sqs/aws4_request, ";
	ck_assert_msg(!strncmp(want, prefix, strlen(prefix)), "%s", want);
	free(want);
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_trace_id)
{
	struct aws_rig f;
	fx_init(&f);
	struct cf_aws_result res;
	ck_assert_int_eq(cf_aws_client_set_trace_id(f.client, "Root=1-abc"), CF_OK);
	res = call_one(&f, "{}", 0);
	cf_aws_result_clean_up(&res);
	ck_assert_str_eq(ar_header(cf_fake_transport_request(f.fake, 0), "X-Amzn-Trace-Id"), "Root=1-abc");

	/* CR or LF: refused, and the previous value is dropped. */
	ck_assert_int_eq(cf_aws_client_set_trace_id(f.client, "Root=1-abc\r\nX-Evil: 1"), CF_ERR_HEADER);
	res = call_one(&f, "{}", 0);
	cf_aws_result_clean_up(&res);
	ck_assert_int_eq(res.status, CF_OK);
	ck_assert_ptr_null(ar_header(cf_fake_transport_request(f.fake, 1), "X-Amzn-Trace-Id"));
	ck_assert_int_eq(cf_aws_client_set_trace_id(f.client, "a\nb"), CF_ERR_HEADER);
	ck_assert_int_eq(cf_aws_client_set_trace_id(f.client, "a\rb"), CF_ERR_HEADER);

	/* NULL and "" both send none. */
	ck_assert_int_eq(cf_aws_client_set_trace_id(f.client, "Root=2"), CF_OK);
	ck_assert_int_eq(cf_aws_client_set_trace_id(f.client, ""), CF_OK);
	res = call_one(&f, "{}", 0);
	cf_aws_result_clean_up(&res);
	ck_assert_ptr_null(ar_header(cf_fake_transport_request(f.fake, 2), "X-Amzn-Trace-Id"));
	ck_assert_int_eq(cf_aws_client_set_trace_id(f.client, "Root=3"), CF_OK);
	ck_assert_int_eq(cf_aws_client_set_trace_id(f.client, NULL), CF_OK);
	res = call_one(&f, "{}", 0);
	cf_aws_result_clean_up(&res);
	ck_assert_ptr_null(ar_header(cf_fake_transport_request(f.fake, 3), "X-Amzn-Trace-Id"));
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_no_credentials)
{
	struct aws_rig f;
	fx_init(&f);
	f.config.access_key_id = NULL;
	f.config.secret_access_key = NULL;
	struct cf_aws_result res = call_one(&f, "{}", 0);
	ar_assert_result(&res, CF_ERR_CONFIG, CF_AWS_PERMANENT, "SigningFailed", 1);
	ck_assert_ptr_null(res.body);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 0);
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

/* ---- responses ---- */

struct error_case {
	long status;
	const char *body;
	const char *type;
	const char *message;
	enum cf_aws_error_class cls;
};

START_TEST(test_error_bodies)
{
	const struct error_case cases[] = {
		{ 400,
		  "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
		  "\"message\":\"The conditional request failed\"}",
		  "ConditionalCheckFailedException", "The conditional request failed", CF_AWS_PERMANENT },
		{ 400, "{\"__type\":\"ValidationException\",\"Message\":\"One or more parameter values were invalid\"}",
		  "ValidationException", "One or more parameter values were invalid", CF_AWS_PERMANENT },
		{ 400, "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\",\"message\":\"The specified queue does not exist.\"}",
		  "QueueDoesNotExist", "The specified queue does not exist.", CF_AWS_PERMANENT },
		{ 400, "{\"__type\":\"com.amazon.coral.service#AccessDeniedException\"}", "AccessDeniedException",
		  "HTTP status 400", CF_AWS_PERMANENT },
		{ 403, "{\"__type\":\"InvalidSignatureException\",\"message\":\"line1\\nline2\"}",
		  "InvalidSignatureException", "line1?line2", CF_AWS_PERMANENT },
		{ 403, "<html>forbidden</html>", "HTTP403", "HTTP status 403", CF_AWS_PERMANENT },
		{ 404, "", "HTTP404", "HTTP status 404", CF_AWS_PERMANENT },
		{ 400, "{\"__type\":42,\"message\":7}", "HTTP400", "HTTP status 400", CF_AWS_PERMANENT },
		/* U+1D800 as a surrogate pair: json-c 0.16 decoded it to U+FFFD (docs/reliability.md) */
		{ 400, "{\"__type\":\"ValidationException\",\"message\":\"a\\uD836\\uDC00b\"}", "ValidationException",
		  "a\xF0\x9D\xA0\x80" "b", CF_AWS_PERMANENT },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct aws_rig f;
		fx_init(&f);
		push(&f, cases[i].status, cases[i].body);
		struct cf_aws_result res = call_one(&f, "{}", 0);
		ck_assert_msg(res.status == CF_ERR_AWS, "case %zu: status %d", i, (int)res.status);
		ck_assert_int_eq(res.http_status, cases[i].status);
		ck_assert_str_eq(res.error_type, cases[i].type);
		ck_assert_str_eq(res.error_message, cases[i].message);
		ck_assert_int_eq(res.error_class, cases[i].cls);
		ck_assert_uint_eq(res.attempts, 1);
		ck_assert_ptr_null(res.body);
		ck_assert_uint_eq(res.body_len, 0);
		ck_assert_uint_eq(f.clk.sleep_count, 0);
		ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 1);
		ck_assert_uint_eq(cf_aws_client_retry_tokens(f.client), 500);
		cf_aws_result_clean_up(&res);
		aws_rig_clean_up(&f);
	}
}
END_TEST

START_TEST(test_long_error_message_truncated)
{
	struct aws_rig f;
	fx_init(&f);
	char body[700];
	char msg[501];
	memset(msg, 'm', 500);
	msg[500] = '\0';
	snprintf(body, sizeof(body), "{\"__type\":\"ValidationException\",\"message\":\"%s\"}", msg);
	push(&f, 400, body);
	struct cf_aws_result res = call_one(&f, "{}", 0);
	ck_assert_uint_eq(strlen(res.error_message), sizeof(res.error_message) - 1);
	ck_assert_int_eq(res.error_message[0], 'm');
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_success_bodies)
{
	struct aws_rig f;
	fx_init(&f);
	push(&f, 200, "");
	push(&f, 200, "{\"Attributes\":{\"cartProductStatus\":{\"S\":\"ORDERED\"}}}");
	struct cf_aws_result res = call_one(&f, "{}", 0);
	ar_assert_result(&res, CF_OK, CF_AWS_OK, "", 1);
	ck_assert_int_eq(res.http_status, 200);
	ck_assert_uint_eq(res.body_len, 2);
	ck_assert_str_eq(res.body, "{}");
	ck_assert_str_eq(res.error_message, "");
	cf_aws_result_clean_up(&res);
	ck_assert_ptr_null(res.body);

	res = call_one(&f, "{}", 0);
	ck_assert_int_eq(res.status, CF_OK);
	ck_assert_str_eq(res.body, "{\"Attributes\":{\"cartProductStatus\":{\"S\":\"ORDERED\"}}}");
	ck_assert_uint_eq(res.body_len, strlen(res.body));
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

static void push_with_crc(struct aws_rig *f, const char *body, const char *crc)
{
	struct cf_http_header h = { "x-amz-crc32", crc };
	struct cf_fake_response r = { 200, &h, 1, body, strlen(body) };
	ck_assert_int_eq(cf_fake_transport_push_response(f->fake, &r), CF_OK);
}

START_TEST(test_crc_mismatch_retried)
{
	struct aws_rig f;
	fx_init(&f);
	/* Bad, then good: the retry succeeds. */
	push_with_crc(&f, "{}", "12345");
	push_with_crc(&f, "{}", "2745614147");
	struct cf_aws_result res = call_one(&f, "{}", 0);
	ck_assert_int_eq(res.status, CF_OK);
	ck_assert_uint_eq(res.attempts, 2);
	ck_assert_str_eq(res.body, "{}");
	ar_assert_sleeps(&f.clk, 1, (const int64_t[]){ 50 });
	cf_aws_result_clean_up(&res);

	/* Bad three times: CF_ERR_CRC. */
	for (int i = 0; i < 3; i++)
		push_with_crc(&f, "{}", "garbage");
	res = call_one(&f, "{}", 0);
	ar_assert_result(&res, CF_ERR_CRC, CF_AWS_TRANSIENT, "CRC32CheckFailed", 3);
	ck_assert_int_eq(res.http_status, 200);
	ck_assert_ptr_null(res.body);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 5);
	ar_assert_sleeps(&f.clk, 3, (const int64_t[]){ 50, 50, 100 });
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

/* ---- retries ---- */

START_TEST(test_throttling_then_success)
{
	struct aws_rig f;
	fx_init(&f);
	ck_assert_int_eq(cf_fake_transport_fail_call(f.fake, 1, CF_FAKE_FAIL_THROTTLING), CF_OK);
	struct cf_aws_result res = call_one(&f, "{\"k\":1}", 0);
	ar_assert_result(&res, CF_OK, CF_AWS_OK, "", 2);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 2);
	ar_assert_sleeps(&f.clk, 1, (const int64_t[]){ 50 });
	/* Both attempts carried the same body, each freshly signed. */
	for (size_t i = 0; i < 2; i++) {
		const struct cf_http_request *r = cf_fake_transport_request(f.fake, i);
		ck_assert_str_eq(r->body, "{\"k\":1}");
		ck_assert_ptr_nonnull(ar_header(r, "Authorization"));
	}
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.client), 500 - 5 + 1);
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_throttled_out_of_attempts)
{
	struct aws_rig f;
	fx_init(&f);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(f.fake, 1, CF_FAKE_FAIL_THROTTLING), CF_OK);
	struct cf_aws_result res = call_one(&f, "{}", 0);
	ar_assert_result(&res, CF_ERR_AWS, CF_AWS_THROTTLING, "ThrottlingException", 3);
	assert_contains(res.error_message, "Rate exceeded");
	ck_assert_int_eq(res.http_status, 400);
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_three_500s)
{
	struct aws_rig f;
	fx_init(&f);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(f.fake, 1, CF_FAKE_FAIL_5XX), CF_OK);
	struct cf_aws_result res = call_one(&f, "{}", 0);
	ar_assert_result(&res, CF_ERR_AWS, CF_AWS_TRANSIENT, "InternalFailure", 3);
	ck_assert_int_eq(res.http_status, 500);
	assert_contains(res.error_message, "The request processing has failed");
	assert_contains(res.error_message, "out of attempts");
	ck_assert_ptr_null(res.body);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 3);
	ar_assert_sleeps(&f.clk, 2, (const int64_t[]){ 50, 100 });
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.client), 490);
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_backoff_growth_and_cap)
{
	struct aws_rig f;
	struct cf_retry_policy retry = { .max_attempts = 6, .base_delay_ms = 100, .max_backoff_ms = 300 };
	fx_init_with(&f, &retry, false, 0);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(f.fake, 1, CF_FAKE_FAIL_5XX), CF_OK);
	struct cf_aws_result res = call_one(&f, "{}", 0);
	ck_assert_uint_eq(res.attempts, 6);
	ar_assert_sleeps(&f.clk, 5, (const int64_t[]){ 50, 100, 150, 150, 150 });
	cf_aws_result_clean_up(&res);

	/* The jitter scales the capped delay: random 0.25 of 100, 200. */
	f.clk.sleep_count = 0;
	f.clk.random = 0.25;
	aws_rig_new_client(&f, &(struct cf_retry_policy){ .max_attempts = 3 });
	res = call_one(&f, "{}", 0);
	ck_assert_uint_eq(res.attempts, 3);
	ar_assert_sleeps(&f.clk, 2, (const int64_t[]){ 25, 50 });
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_permanent_not_retried)
{
	struct aws_rig f;
	fx_init(&f);
	push(&f, 400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\"message\":\"no table\"}");
	struct cf_aws_result res = call_one(&f, "{}", 0);
	ar_assert_result(&res, CF_ERR_AWS, CF_AWS_PERMANENT, "ResourceNotFoundException", 1);
	ck_assert_str_eq(res.error_message, "no table");
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 1);
	ck_assert_uint_eq(f.clk.sleep_count, 0);
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.client), 500);
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

/*
 * On a fresh rig whose every call fails with `failure`: one call ends with `status`, transient, no HTTP
 * status, `type`, a message holding `message_part`, after three attempts. Returns the retry tokens left.
 */
static unsigned every_call_fails(enum cf_fake_failure failure, enum cf_status status, const char *type,
				 const char *message_part)
{
	struct aws_rig f;
	fx_init(&f);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(f.fake, 1, failure), CF_OK);
	struct cf_aws_result res = call_one(&f, "{}", 0);
	ar_assert_result(&res, status, CF_AWS_TRANSIENT, type, 3);
	ck_assert_int_eq(res.http_status, 0);
	assert_contains(res.error_message, message_part);
	unsigned tokens = cf_aws_client_retry_tokens(f.client);
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
	return tokens;
}

START_TEST(test_transport_errors_retried)
{
	struct aws_rig f;
	fx_init(&f);
	ck_assert_int_eq(cf_fake_transport_fail_call(f.fake, 1, CF_FAKE_FAIL_TRANSPORT), CF_OK);
	ck_assert_int_eq(cf_fake_transport_fail_call(f.fake, 2, CF_FAKE_FAIL_TIMEOUT), CF_OK);
	struct cf_aws_result res = call_one(&f, "{}", 0);
	ck_assert_int_eq(res.status, CF_OK);
	ck_assert_uint_eq(res.attempts, 3);
	ck_assert_int_eq(res.http_status, 200);
	ar_assert_sleeps(&f.clk, 2, (const int64_t[]){ 50, 100 });
	/* Timeouts and transport errors cost 10 tokens each. */
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.client), 500 - 10 - 10 + 1);
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);

	ck_assert_uint_eq(every_call_fails(CF_FAKE_FAIL_TRANSPORT, CF_ERR_TRANSPORT, "TransportError",
					   "connection reset (scripted)"),
			  480);
	every_call_fails(CF_FAKE_FAIL_TIMEOUT, CF_ERR_TIMEOUT, "Timeout", "timed out (scripted)");
}
END_TEST

START_TEST(test_batch_failure_not_retried)
{
	/* A transport failure other than a timeout or transport error (here a whole batch refused) is permanent. */
	struct aws_rig f;
	fx_init(&f);
	f.spy.fail_batch_with = CF_ERR_NOMEM;
	struct cf_aws_result res = call_one(&f, "{}", 0);
	ck_assert_int_eq(res.status, CF_ERR_NOMEM);
	ck_assert_int_eq(res.error_class, CF_AWS_PERMANENT);
	ck_assert_uint_eq(res.attempts, 1);
	ck_assert_uint_eq(f.spy.batches, 1);
	ck_assert_uint_eq(f.clk.sleep_count, 0);
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_mixed_batch)
{
	struct aws_rig f;
	fx_init(&f);
	ck_assert_int_eq(cf_fake_transport_fail_call(f.fake, 2, CF_FAKE_FAIL_THROTTLING), CF_OK);
	push(&f, 200, "{\"n\":0}");
	push(&f, 200, "{\"n\":2}");
	push(&f, 400, "{\"__type\":\"ValidationException\",\"message\":\"bad\"}");
	push(&f, 200, "{\"n\":1}");
	struct cf_aws_request reqs[] = { { "{\"i\":0}", 7 }, { "{\"i\":1}", 7 }, { "{\"i\":2}", 7 }, { "{\"i\":3}", 7 } };
	struct cf_aws_result res[4];
	ck_assert_int_eq(cf_aws_call_many(f.client, CF_AWS_DYNAMODB, DDB_TARGET, reqs, 4, 2, 0, res), CF_OK);
	ck_assert_int_eq(res[0].status, CF_OK);
	ck_assert_str_eq(res[0].body, "{\"n\":0}");
	ck_assert_uint_eq(res[0].attempts, 1);
	ck_assert_int_eq(res[1].status, CF_OK);
	ck_assert_str_eq(res[1].body, "{\"n\":1}");
	ck_assert_uint_eq(res[1].attempts, 2);
	ck_assert_int_eq(res[2].status, CF_OK);
	ck_assert_str_eq(res[2].body, "{\"n\":2}");
	ck_assert_int_eq(res[3].status, CF_ERR_AWS);
	ck_assert_str_eq(res[3].error_type, "ValidationException");
	ck_assert_uint_eq(res[3].attempts, 1);
	/* Calls: i0, i1 (throttled), i2, i3, then i1 again. */
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 5);
	ck_assert_str_eq(cf_fake_transport_request(f.fake, 4)->body, "{\"i\":1}");
	ar_assert_sleeps(&f.clk, 1, (const int64_t[]){ 50 });
	ck_assert_uint_eq(f.spy.batches, 2);
	ck_assert_uint_eq(f.spy.last_count, 1);
	for (int i = 0; i < 4; i++)
		cf_aws_result_clean_up(&res[i]);
	aws_rig_clean_up(&f);
}
END_TEST

/* ---- the retry quota ---- */

START_TEST(test_retry_quota)
{
	struct aws_rig f;
	struct cf_retry_policy retry = { .quota_capacity = 10, .retry_cost = 5 };
	fx_init_with(&f, &retry, false, 0);
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.client), 10);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(f.fake, 1, CF_FAKE_FAIL_5XX), CF_OK);

	/* Two retries take the whole quota. */
	struct cf_aws_result res = call_one(&f, "{}", 0);
	ck_assert_uint_eq(res.attempts, 3);
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.client), 0);
	ck_assert_ptr_null(strstr(res.error_message, "retry quota exhausted"));
	cf_aws_result_clean_up(&res);
	ar_assert_sleeps(&f.clk, 2, (const int64_t[]){ 50, 100 });

	/* Later failures are not retried, and nothing waits for a retry that will not happen. */
	for (int i = 0; i < 3; i++) {
		res = call_one(&f, "{}", 0);
		ck_assert_int_eq(res.status, CF_ERR_AWS);
		ck_assert_int_eq(res.error_class, CF_AWS_TRANSIENT);
		ck_assert_uint_eq(res.attempts, 1);
		assert_contains(res.error_message, "retry quota exhausted");
		cf_aws_result_clean_up(&res);
	}
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 6);
	ck_assert_uint_eq(f.clk.sleep_count, 2);

	/* Each success refunds one token, up to the capacity. */
	cf_fake_transport_clear_failures(f.fake);
	for (unsigned i = 1; i <= 12; i++) {
		res = call_one(&f, "{}", 0);
		ck_assert_int_eq(res.status, CF_OK);
		cf_aws_result_clean_up(&res);
		ck_assert_uint_eq(cf_aws_client_retry_tokens(f.client), i < 10 ? i : 10);
	}
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_retry_quota_shared_by_requests)
{
	struct aws_rig f;
	struct cf_retry_policy retry = { .quota_capacity = 10, .retry_cost = 5 };
	fx_init_with(&f, &retry, false, 0);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(f.fake, 1, CF_FAKE_FAIL_5XX), CF_OK);
	struct cf_aws_request reqs[3] = { { "{}", 2 }, { "{}", 2 }, { "{}", 2 } };
	struct cf_aws_result res[3];
	ck_assert_int_eq(cf_aws_call_many(f.client, CF_AWS_DYNAMODB, DDB_TARGET, reqs, 3, 3, 0, res), CF_OK);
	/* Round 1: three failures, tokens for two retries; round 2: two failures, none left. */
	ck_assert_uint_eq(res[0].attempts, 2);
	ck_assert_uint_eq(res[1].attempts, 2);
	ck_assert_uint_eq(res[2].attempts, 1);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(res[i].status, CF_ERR_AWS);
		assert_contains(res[i].error_message, "retry quota exhausted");
		cf_aws_result_clean_up(&res[i]);
	}
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 5);
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.client), 0);
	ar_assert_sleeps(&f.clk, 1, (const int64_t[]){ 50 });
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_retry_quota_timeout_cost)
{
	struct aws_rig f;
	struct cf_retry_policy retry = { .quota_capacity = 10, .retry_cost = 5, .timeout_retry_cost = 10 };
	fx_init_with(&f, &retry, false, 0);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(f.fake, 1, CF_FAKE_FAIL_TIMEOUT), CF_OK);
	struct cf_aws_result res = call_one(&f, "{}", 0);
	ck_assert_int_eq(res.status, CF_ERR_TIMEOUT);
	ck_assert_uint_eq(res.attempts, 2);
	assert_contains(res.error_message, "retry quota exhausted");
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.client), 0);
	ar_assert_sleeps(&f.clk, 1, (const int64_t[]){ 50 });
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

/* ---- deadlines ---- */

START_TEST(test_deadline_already_past)
{
	struct aws_rig f;
	fx_init(&f);
	int64_t deadlines[] = { AR_T0_MS - 1000, AR_T0_MS, AR_T0_MS + 500, AR_T0_MS + 400 }; /* the margin is 500 ms */
	for (size_t i = 0; i < 4; i++) {
		struct cf_aws_result res = call_one(&f, "{}", deadlines[i]);
		ar_assert_result(&res, CF_ERR_TIMEOUT, CF_AWS_TRANSIENT, "Timeout", 0);
		assert_contains(res.error_message, "deadline");
		ck_assert_int_eq(res.http_status, 0);
		ck_assert_ptr_null(res.body);
		cf_aws_result_clean_up(&res);
	}
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 0);
	ck_assert_uint_eq(f.spy.batches, 0);
	ck_assert_uint_eq(f.clk.sleep_count, 0);
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.client), 500);

	/* Through the DynamoDB client as well. */
	struct cf_update_request u[2] = { { .body = "{}", .body_len = 2 }, { .body = "{}", .body_len = 2 } };
	struct cf_dynamodb_options opt = { .deadline_ms = AR_T0_MS };
	struct cf_aws_result res[2];
	struct cf_error err;
	ck_assert_int_eq(cf_dynamodb_update_items(f.client, u, 2, &opt, res, &err), CF_OK);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(res[i].status, CF_ERR_TIMEOUT);
		cf_aws_result_clean_up(&res[i]);
	}
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 0);
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_deadline_leaves_no_time_for_backoff)
{
	struct aws_rig f;
	fx_init(&f);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(f.fake, 1, CF_FAKE_FAIL_5XX), CF_OK);
	/* 40 ms usable after the 500 ms margin; the first backoff is 50 ms. */
	struct cf_aws_result res = call_one(&f, "{}", AR_T0_MS + 540);
	ar_assert_result(&res, CF_ERR_AWS, CF_AWS_TRANSIENT, "InternalFailure", 1);
	assert_contains(res.error_message, "no time left to retry");
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 1);
	ck_assert_int_eq(cf_fake_transport_request(f.fake, 0)->timeout_ms, 40);
	ck_assert_uint_eq(f.clk.sleep_count, 0);
	/* No retry happened, so no retry token was spent. */
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.client), 500);
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_deadline_with_room_to_retry)
{
	struct aws_rig f;
	fx_init_with(&f, NULL, false, 100);
	ck_assert_int_eq(cf_fake_transport_fail_call(f.fake, 1, CF_FAKE_FAIL_5XX), CF_OK);
	ck_assert_int_eq(cf_fake_transport_fail_call(f.fake, 2, CF_FAKE_FAIL_5XX), CF_OK);
	/* 1000 ms usable after a 100 ms margin: tries at T0, T0+50 and T0+150, each timeout what is left. */
	struct cf_aws_result res = call_one(&f, "{}", AR_T0_MS + 1100);
	ck_assert_int_eq(res.status, CF_OK);
	ck_assert_uint_eq(res.attempts, 3);
	ck_assert_int_eq(cf_fake_transport_request(f.fake, 0)->timeout_ms, 1000);
	ck_assert_int_eq(cf_fake_transport_request(f.fake, 1)->timeout_ms, 950);
	ck_assert_int_eq(cf_fake_transport_request(f.fake, 2)->timeout_ms, 850);
	ar_assert_sleeps(&f.clk, 2, (const int64_t[]){ 50, 100 });
	cf_aws_result_clean_up(&res);

	/* A deadline that allows the first retry but not the second. */
	f.clk.sleep_count = 0;
	ck_assert_int_eq(cf_fake_transport_fail_from_call(f.fake, 4, CF_FAKE_FAIL_5XX), CF_OK);
	int64_t start = f.clk.now_ms;
	res = call_one(&f, "{}", start + 100 + 120); /* usable: 120 ms; 50 fits, then 50 + 100 does not */
	ck_assert_int_eq(res.status, CF_ERR_AWS);
	ck_assert_uint_eq(res.attempts, 2);
	assert_contains(res.error_message, "no time left to retry");
	ar_assert_sleeps(&f.clk, 1, (const int64_t[]){ 50 });
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

START_TEST(test_attempt_timeout_bounds_each_try)
{
	struct aws_rig f;
	aws_rig_init(&f, &(struct aws_rig_options){ .separate_sqs_endpoint = true, .attempt_timeout_ms = 250 });
	/* A hung first attempt times out after 250 ms and is retried; the deadline is far away. */
	ck_assert_int_eq(cf_fake_transport_fail_call(f.fake, 1, CF_FAKE_FAIL_TIMEOUT), CF_OK);
	struct cf_aws_result res = call_one(&f, "{}", AR_T0_MS + 60000);
	ck_assert_int_eq(res.status, CF_OK);
	ck_assert_uint_eq(res.attempts, 2);
	ck_assert_int_eq(cf_fake_transport_request(f.fake, 0)->timeout_ms, 250);
	ck_assert_int_eq(cf_fake_transport_request(f.fake, 1)->timeout_ms, 250);
	cf_aws_result_clean_up(&res);
	/* Near the deadline the attempt gets only what is left: 100 ms usable after the 500 ms margin. */
	res = call_one(&f, "{}", f.clk.now_ms + 600);
	ck_assert_int_eq(res.status, CF_OK);
	ck_assert_int_eq(cf_fake_transport_request(f.fake, 2)->timeout_ms, 100);
	cf_aws_result_clean_up(&res);
	/* Without a deadline the attempt timeout still applies. */
	res = call_one(&f, "{}", 0);
	ck_assert_int_eq(cf_fake_transport_request(f.fake, 3)->timeout_ms, 250);
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

/* A clock that moves 60 ms every time it is read. */
static int64_t ticking_now(void *user)
{
	struct ar_clock *c = user;
	return c->now_ms += 60;
}

START_TEST(test_attempt_timeout_never_zero)
{
	struct aws_rig f;
	fx_init(&f);
	f.clk.cf.now_ms = ticking_now;
	/* Usable until T0+100: the deadline check reads T0+60 and sends; the round reads T0+120, past the
	 * deadline. The attempt gets 1 ms, not 0 (which the transport would take as "no timeout"). */
	struct cf_aws_result res = call_one(&f, "{}", AR_T0_MS + 600);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 1);
	ck_assert_int_eq(cf_fake_transport_request(f.fake, 0)->timeout_ms, 1);
	cf_aws_result_clean_up(&res);
	aws_rig_clean_up(&f);
}
END_TEST

/* ---- concurrency ---- */

START_TEST(test_max_in_flight)
{
	struct aws_rig f;
	fx_init(&f);
	struct cf_aws_request reqs[23];
	struct cf_update_request u[23];
	for (int i = 0; i < 23; i++) {
		reqs[i] = (struct cf_aws_request){ "{}", 2 };
		u[i] = (struct cf_update_request){ .body = "{}", .body_len = 2 };
	}
	struct cf_aws_result res[23];
	struct cf_error err;

	ck_assert_int_eq(cf_aws_call_many(f.client, CF_AWS_DYNAMODB, DDB_TARGET, reqs, 23, 7, 0, res), CF_OK);
	ck_assert_uint_eq(f.spy.last_count, 23);
	ck_assert_uint_eq(f.spy.last_max_in_flight, 7);
	for (int i = 0; i < 23; i++)
		cf_aws_result_clean_up(&res[i]);
	ck_assert_int_eq(cf_aws_call_many(f.client, CF_AWS_DYNAMODB, DDB_TARGET, reqs, 23, 0, 0, res), CF_OK);
	ck_assert_uint_eq(f.spy.last_max_in_flight, 1);
	for (int i = 0; i < 23; i++)
		cf_aws_result_clean_up(&res[i]);

	ck_assert_int_eq(cf_dynamodb_update_items(f.client, u, 23, NULL, res, &err), CF_OK);
	ck_assert_uint_eq(f.spy.last_max_in_flight, 32);
	for (int i = 0; i < 23; i++)
		cf_aws_result_clean_up(&res[i]);
	struct cf_dynamodb_options opt = { .max_in_flight = 4 };
	ck_assert_int_eq(cf_dynamodb_update_items(f.client, u, 23, &opt, res, &err), CF_OK);
	ck_assert_uint_eq(f.spy.last_max_in_flight, 4);
	ck_assert_uint_eq(f.spy.last_count, 23);
	for (int i = 0; i < 23; i++) {
		ck_assert_int_eq(res[i].status, CF_OK);
		cf_aws_result_clean_up(&res[i]);
	}
	ck_assert_uint_eq(f.spy.batches, 4);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 4 * 23);
	aws_rig_clean_up(&f);
}
END_TEST

/* ---- allocation failures ---- */

static void alloc_round(struct aws_rig *f, long n, void *user)
{
	(void)user;
	if (cf_fake_transport_fail_call(f->fake, 2, CF_FAKE_FAIL_5XX) != CF_OK ||
	    cf_fake_transport_push_body(f->fake, 200, "{\"a\":1}") != CF_OK)
		return;
	if (cf_aws_client_set_trace_id(f->client, "Root=1-abc") != CF_OK)
		return;
	struct cf_aws_request reqs[3] = { { "{\"i\":0}", 7 }, { "{\"i\":1}", 7 }, { "{\"i\":2}", 7 } };
	struct cf_aws_result res[3];
	memset(res, 0, sizeof(res));
	enum cf_status st = cf_aws_call_many(f->client, CF_AWS_DYNAMODB, DDB_TARGET, reqs, 3, 2, 0, res);
	if (st == CF_OK) {
		for (int i = 0; i < 3; i++) {
			if (!ts_alloc_failed())
				ck_assert_msg(res[i].status == CF_OK, "n=%ld: result %d: %s", n, i, res[i].error_message);
			if (res[i].status == CF_OK)
				ck_assert_ptr_nonnull(res[i].body);
			else
				ck_assert_ptr_null(res[i].body);
		}
	} else {
		ck_assert_msg(st == CF_ERR_NOMEM, "n=%ld: status %d", n, (int)st);
	}
	for (int i = 0; i < 3; i++)
		cf_aws_result_clean_up(&res[i]);
}

START_TEST(test_alloc_failures)
{
	const struct aws_rig_options opt = { .session_token = true, .separate_sqs_endpoint = true };
	ck_assert_int_gt(aws_rig_alloc_failures(&opt, alloc_round, NULL), 10);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("aws_client");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_crc32);
	tcase_add_test(tc, test_client_new_arguments);
	tcase_add_test(tc, test_call_many_arguments);
	tcase_add_test(tc, test_request_shape_dynamodb);
	tcase_add_test(tc, test_request_shape_sqs_minimal);
	tcase_add_test(tc, test_trace_id);
	tcase_add_test(tc, test_no_credentials);
	tcase_add_test(tc, test_error_bodies);
	tcase_add_test(tc, test_long_error_message_truncated);
	tcase_add_test(tc, test_success_bodies);
	tcase_add_test(tc, test_crc_mismatch_retried);
	tcase_add_test(tc, test_throttling_then_success);
	tcase_add_test(tc, test_throttled_out_of_attempts);
	tcase_add_test(tc, test_three_500s);
	tcase_add_test(tc, test_backoff_growth_and_cap);
	tcase_add_test(tc, test_permanent_not_retried);
	tcase_add_test(tc, test_transport_errors_retried);
	tcase_add_test(tc, test_batch_failure_not_retried);
	tcase_add_test(tc, test_mixed_batch);
	tcase_add_test(tc, test_retry_quota);
	tcase_add_test(tc, test_retry_quota_shared_by_requests);
	tcase_add_test(tc, test_retry_quota_timeout_cost);
	tcase_add_test(tc, test_deadline_already_past);
	tcase_add_test(tc, test_deadline_leaves_no_time_for_backoff);
	tcase_add_test(tc, test_deadline_with_room_to_retry);
	tcase_add_test(tc, test_attempt_timeout_bounds_each_try);
	tcase_add_test(tc, test_attempt_timeout_never_zero);
	tcase_add_test(tc, test_max_in_flight);
	tcase_add_test(tc, test_alloc_failures);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
