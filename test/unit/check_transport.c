/* The transport front door, the response helpers and the fake transport. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartflow/fake_transport.h"
#include "cartflow/transport.h"
#include "test_support.h"

/* ---- helpers ---- */

static const struct cf_http_header json_headers[] = {
	{ "Content-Type", "application/x-amz-json-1.0" },
	{ "X-Amz-Target", "DynamoDB_20120810.UpdateItem" },
};

static struct cf_http_request post(const char *url, const char *body)
{
	return (struct cf_http_request){
		.method = "POST",
		.url = url,
		.headers = json_headers,
		.header_count = 2,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.timeout_ms = 1500,
	};
}

static void assert_body(const struct cf_http_response *r, const char *expected)
{
	ck_assert_uint_eq(r->body_len, strlen(expected));
	ck_assert_ptr_nonnull(r->body);
	ck_assert_int_eq(memcmp(r->body, expected, r->body_len), 0);
	ck_assert_int_eq(r->body[r->body_len], '\0');
}

static struct cf_fake_transport *new_fake(void)
{
	struct cf_fake_transport *fake = NULL;
	ck_assert_int_eq(cf_fake_transport_new(&fake), CF_OK);
	ck_assert_ptr_nonnull(fake);
	return fake;
}

/* ---- response helpers ---- */

START_TEST(test_response_helpers)
{
	struct cf_http_response r = { 0 };
	ck_assert_ptr_null(cf_http_response_header(&r, "x"));
	ck_assert_ptr_null(cf_http_response_header(NULL, "x"));
	ck_assert_int_eq(cf_http_response_add_header(&r, "Content-Type", "application/json"), CF_OK);
	ck_assert_int_eq(cf_http_response_add_header(&r, "x-amz-crc32", "12345"), CF_OK);
	ck_assert_int_eq(cf_http_response_add_header(&r, "Empty", ""), CF_OK);
	ck_assert_str_eq(cf_http_response_header(&r, "content-type"), "application/json");
	ck_assert_str_eq(cf_http_response_header(&r, "X-AMZ-CRC32"), "12345");
	ck_assert_str_eq(cf_http_response_header(&r, "empty"), "");
	ck_assert_ptr_null(cf_http_response_header(&r, "Content"));
	/* Grow well past the first few capacities; earlier entries survive. */
	char name[32];
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "X-H%d", i);
		ck_assert_int_eq(cf_http_response_add_header(&r, name, name), CF_OK);
	}
	ck_assert_uint_eq(r.header_count, 43);
	ck_assert_str_eq(r.headers[0].name, "Content-Type");
	ck_assert_str_eq(cf_http_response_header(&r, "x-h39"), "X-H39");
	/* First match wins. */
	ck_assert_int_eq(cf_http_response_add_header(&r, "content-type", "text/plain"), CF_OK);
	ck_assert_str_eq(cf_http_response_header(&r, "Content-Type"), "application/json");

	ck_assert_int_eq(cf_http_response_set_body(&r, "{\"a\":1}", 7), CF_OK);
	assert_body(&r, "{\"a\":1}");
	/* Bodies are bytes: an embedded NUL survives. */
	ck_assert_int_eq(cf_http_response_set_body(&r, "a\0b", 3), CF_OK);
	ck_assert_uint_eq(r.body_len, 3);
	ck_assert_int_eq(memcmp(r.body, "a\0b", 4), 0);
	ck_assert_int_eq(cf_http_response_set_body(&r, NULL, 0), CF_OK);
	ck_assert_ptr_null(r.body);
	ck_assert_uint_eq(r.body_len, 0);

	ck_assert_int_eq(cf_http_response_set_body(&r, NULL, 3), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_http_response_set_body(NULL, "x", 1), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_http_response_add_header(&r, NULL, "x"), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_http_response_add_header(&r, "x", NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_http_response_add_header(NULL, "x", "y"), CF_ERR_INVALID_ARG);

	r.status = 200;
	cf_http_response_clean_up(&r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_null(r.headers);
	ck_assert_uint_eq(r.header_count, 0);
	ck_assert_ptr_null(r.body);
	cf_http_response_clean_up(&r);
	cf_http_response_clean_up(NULL);
}
END_TEST

START_TEST(test_header_value_is_safe)
{
	ck_assert(cf_http_header_value_is_safe(""));
	ck_assert(cf_http_header_value_is_safe("AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/sqs/aws4_request"));
	ck_assert(cf_http_header_value_is_safe("tab\tis fine"));
	ck_assert(!cf_http_header_value_is_safe("a\rb"));
	ck_assert(!cf_http_header_value_is_safe("a\nb"));
	ck_assert(!cf_http_header_value_is_safe("a\r\nX-Injected: 1"));
	ck_assert(!cf_http_header_value_is_safe(NULL));
}
END_TEST

/* The response helpers, every allocation failing in turn: state is unchanged and nothing leaks. */
START_TEST(test_response_helpers_alloc_failure)
{
	bool completed = false;
	for (long budget = 0; !completed; budget++) {
		ck_assert_int_lt(budget, 1000);
		ts_alloc_install_budget(budget);
		struct cf_http_response r = { 0 };
		size_t added = 0;
		enum cf_status st = CF_OK;
		char name[32];
		for (int i = 0; i < 10 && st == CF_OK; i++) {
			snprintf(name, sizeof(name), "H%d", i);
			st = cf_http_response_add_header(&r, name, "value");
			if (st == CF_OK)
				added++;
		}
		if (st == CF_OK) {
			st = cf_http_response_set_body(&r, "first", 5);
			if (st == CF_OK) {
				st = cf_http_response_set_body(&r, "second body", 11);
				if (st != CF_OK)
					assert_body(&r, "first");
				else
					assert_body(&r, "second body");
			} else {
				ck_assert_ptr_null(r.body);
			}
		}
		if (st != CF_OK)
			ck_assert_int_eq(st, CF_ERR_NOMEM);
		/* A failed add leaves the response as it was. */
		ck_assert_uint_eq(r.header_count, added);
		for (size_t i = 0; i < added; i++) {
			snprintf(name, sizeof(name), "H%zu", i);
			ck_assert_str_eq(r.headers[i].name, name);
			ck_assert_str_eq(r.headers[i].value, "value");
		}
		cf_http_response_clean_up(&r);
		ck_assert_int_eq(ts_alloc_live(), 0);
		completed = st == CF_OK;
		ts_alloc_uninstall();
	}
}
END_TEST

/* ---- the fake transport ---- */

START_TEST(test_fake_default_answer)
{
	struct cf_fake_transport *fake = new_fake();
	struct cf_transport t = cf_fake_transport_as_transport(fake);
	struct cf_http_request req = post("https://dynamodb.eu-west-1.amazonaws.com/", "{}");
	struct cf_http_response resp = { 0 };
	struct cf_error err;
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_OK);
	ck_assert_int_eq(err.code, CF_OK);
	ck_assert_int_eq(resp.status, 200);
	assert_body(&resp, "{}");
	ck_assert_uint_eq(resp.header_count, 0);
	cf_http_response_clean_up(&resp);
	ck_assert_uint_eq(cf_fake_transport_request_count(fake), 1);
	/* cf_transport_destroy does not free the fake; the fake's own destroy does. */
	cf_transport_destroy(&t);
	ck_assert_ptr_null(t.methods);
	ck_assert_uint_eq(cf_fake_transport_request_count(fake), 1);
	cf_fake_transport_destroy(fake);
	cf_fake_transport_destroy(NULL);
	ck_assert_uint_eq(cf_fake_transport_request_count(NULL), 0);
	ck_assert_int_eq(cf_fake_transport_new(NULL), CF_ERR_INVALID_ARG);
}
END_TEST

START_TEST(test_fake_scripted_fifo)
{
	struct cf_fake_transport *fake = new_fake();
	struct cf_transport t = cf_fake_transport_as_transport(fake);
	const struct cf_http_header h[] = { { "x-amz-crc32", "42" }, { "Content-Type", "application/json" } };
	struct cf_fake_response first = { .status = 201, .headers = h, .header_count = 2, .body = "one",
					  .body_len = 3 };
	ck_assert_int_eq(cf_fake_transport_push_response(fake, &first), CF_OK);
	ck_assert_int_eq(cf_fake_transport_push_body(fake, 404, "{\"two\":2}"), CF_OK);
	struct cf_fake_response no_status = { 0 };
	ck_assert_int_eq(cf_fake_transport_push_response(fake, &no_status), CF_OK);
	ck_assert_uint_eq(cf_fake_transport_pending_responses(fake), 3);

	struct cf_http_request req = post("http://localhost:8000/", "{}");
	struct cf_http_response resp = { 0 };
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_OK);
	ck_assert_int_eq(resp.status, 201);
	assert_body(&resp, "one");
	ck_assert_str_eq(cf_http_response_header(&resp, "X-Amz-Crc32"), "42");
	cf_http_response_clean_up(&resp);

	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_OK);
	ck_assert_int_eq(resp.status, 404);
	assert_body(&resp, "{\"two\":2}");
	cf_http_response_clean_up(&resp);

	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_OK);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_ptr_null(resp.body);
	cf_http_response_clean_up(&resp);
	ck_assert_uint_eq(cf_fake_transport_pending_responses(fake), 0);

	/* Queue drained: back to the documented default. */
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_OK);
	ck_assert_int_eq(resp.status, 200);
	assert_body(&resp, "{}");
	cf_http_response_clean_up(&resp);

	/* Many pushes interleaved with pops keep FIFO order across queue growth and compaction. */
	char body[16];
	int next_expected = 0;
	for (int i = 0; i < 100; i++) {
		snprintf(body, sizeof(body), "%d", i);
		ck_assert_int_eq(cf_fake_transport_push_body(fake, 200, body), CF_OK);
		if (i % 3 == 2) {
			ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_OK);
			snprintf(body, sizeof(body), "%d", next_expected++);
			assert_body(&resp, body);
			cf_http_response_clean_up(&resp);
		}
	}
	while (cf_fake_transport_pending_responses(fake)) {
		ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_OK);
		snprintf(body, sizeof(body), "%d", next_expected++);
		assert_body(&resp, body);
		cf_http_response_clean_up(&resp);
	}
	ck_assert_int_eq(next_expected, 100);

	ck_assert_int_eq(cf_fake_transport_push_response(fake, NULL), CF_ERR_INVALID_ARG);
	struct cf_fake_response bad = { .body = NULL, .body_len = 4 };
	ck_assert_int_eq(cf_fake_transport_push_response(fake, &bad), CF_ERR_INVALID_ARG);
	cf_fake_transport_destroy(fake);
}
END_TEST

START_TEST(test_fake_records_requests)
{
	struct cf_fake_transport *fake = new_fake();
	struct cf_transport t = cf_fake_transport_as_transport(fake);
	char name[] = "X-Amz-Date";
	char value[] = "20240101T000000Z";
	char body[] = "{\"TableName\":\"orders\"}\0tail";
	struct cf_http_header h[] = { { name, value }, { "Empty", "" } };
	struct cf_http_request req = {
		.method = "POST",
		.url = "https://sqs.eu-west-1.amazonaws.com/?a=b",
		.headers = h,
		.header_count = 2,
		.body = body,
		.body_len = sizeof(body) - 1,
		.timeout_ms = 2500,
	};
	struct cf_http_response resp = { 0 };
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_OK);
	cf_http_response_clean_up(&resp);
	struct cf_http_request get = { .method = "GET",
				       .url = "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next" };
	ck_assert_int_eq(cf_transport_send(&t, &get, &resp, NULL), CF_OK);
	cf_http_response_clean_up(&resp);

	/* The caller's buffers change afterwards; the records are copies. */
	memset(name, 'z', sizeof(name) - 1);
	memset(value, 'z', sizeof(value) - 1);
	memset(body, 'z', sizeof(body) - 1);

	ck_assert_uint_eq(cf_fake_transport_request_count(fake), 2);
	const struct cf_http_request *r0 = cf_fake_transport_request(fake, 0);
	ck_assert_ptr_nonnull(r0);
	ck_assert_str_eq(r0->method, "POST");
	ck_assert_str_eq(r0->url, "https://sqs.eu-west-1.amazonaws.com/?a=b");
	ck_assert_uint_eq(r0->header_count, 2);
	ck_assert_str_eq(r0->headers[0].name, "X-Amz-Date");
	ck_assert_str_eq(r0->headers[0].value, "20240101T000000Z");
	ck_assert_str_eq(r0->headers[1].name, "Empty");
	ck_assert_str_eq(r0->headers[1].value, "");
	ck_assert_uint_eq(r0->body_len, sizeof(body) - 1);
	ck_assert_int_eq(memcmp(r0->body, "{\"TableName\":\"orders\"}\0tail", r0->body_len), 0);
	ck_assert_int_eq(r0->body[r0->body_len], '\0');
	ck_assert_int_eq(r0->timeout_ms, 2500);

	const struct cf_http_request *r1 = cf_fake_transport_request(fake, 1);
	ck_assert_str_eq(r1->method, "GET");
	ck_assert_uint_eq(r1->header_count, 0);
	ck_assert_ptr_null(r1->headers);
	ck_assert_ptr_nonnull(r1->body);
	ck_assert_uint_eq(r1->body_len, 0);
	ck_assert_int_eq(r1->timeout_ms, 0);
	ck_assert_ptr_null(cf_fake_transport_request(fake, 2));
	ck_assert_ptr_null(cf_fake_transport_request(NULL, 0));

	/* Many records grow the log. */
	for (int i = 0; i < 50; i++) {
		ck_assert_int_eq(cf_transport_send(&t, &get, &resp, NULL), CF_OK);
		cf_http_response_clean_up(&resp);
	}
	ck_assert_uint_eq(cf_fake_transport_request_count(fake), 52);
	ck_assert_str_eq(cf_fake_transport_request(fake, 0)->method, "POST");

	cf_fake_transport_reset(fake);
	ck_assert_uint_eq(cf_fake_transport_request_count(fake), 0);
	cf_fake_transport_destroy(fake);
}
END_TEST

struct handler_state {
	int calls;
	enum cf_status fail_with;
	bool fill_err;
};

static enum cf_status echo_handler(void *user, const struct cf_http_request *req, struct cf_http_response *resp,
				   struct cf_error *err)
{
	struct handler_state *hs = user;
	hs->calls++;
	if (hs->fail_with != CF_OK) {
		/* Half-filled responses are emptied by the fake. */
		if (cf_http_response_set_body(resp, "partial", 7) != CF_OK)
			return CF_ERR_NOMEM;
		if (hs->fill_err)
			return cf_error_set(err, hs->fail_with, "handler says no");
		return hs->fail_with;
	}
	resp->status = 202;
	enum cf_status st = cf_http_response_add_header(resp, "X-Method", req->method);
	if (st == CF_OK)
		st = cf_http_response_set_body(resp, req->body, req->body_len);
	return st;
}

START_TEST(test_fake_handler)
{
	struct cf_fake_transport *fake = new_fake();
	struct cf_transport t = cf_fake_transport_as_transport(fake);
	struct handler_state hs = { 0 };
	cf_fake_transport_set_handler(fake, echo_handler, &hs);
	ck_assert_int_eq(cf_fake_transport_push_body(fake, 201, "scripted first"), CF_OK);

	struct cf_http_request req = post("http://localhost/", "{\"echo\":true}");
	struct cf_http_response resp = { 0 };
	struct cf_error err;
	/* The queue wins over the handler. */
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_OK);
	ck_assert_int_eq(resp.status, 201);
	ck_assert_int_eq(hs.calls, 0);
	cf_http_response_clean_up(&resp);

	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_OK);
	ck_assert_int_eq(hs.calls, 1);
	ck_assert_int_eq(resp.status, 202);
	ck_assert_str_eq(cf_http_response_header(&resp, "x-method"), "POST");
	assert_body(&resp, "{\"echo\":true}");
	cf_http_response_clean_up(&resp);

	hs.fail_with = CF_ERR_TRANSPORT;
	hs.fill_err = true;
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_ERR_TRANSPORT);
	ck_assert_int_eq(err.code, CF_ERR_TRANSPORT);
	ck_assert_str_eq(err.message, "handler says no");
	ck_assert_ptr_null(resp.body);

	hs.fill_err = false;
	hs.fail_with = CF_ERR_TIMEOUT;
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_ERR_TIMEOUT);
	ck_assert_int_eq(err.code, CF_ERR_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(err.message, "handler"));
	ck_assert_ptr_null(resp.body);

	cf_fake_transport_set_handler(fake, NULL, NULL);
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_OK);
	assert_body(&resp, "{}");
	cf_http_response_clean_up(&resp);
	ck_assert_int_eq(hs.calls, 3);
	cf_fake_transport_destroy(fake);
}
END_TEST

/* Each failure mode, on call 2 only; the scripted response waits for call 3. */
START_TEST(test_fake_fail_nth_each_mode)
{
	static const struct {
		enum cf_fake_failure failure;
		enum cf_status status;
		long http;
		const char *type;
	} modes[] = {
		{ CF_FAKE_FAIL_TRANSPORT, CF_ERR_TRANSPORT, 0, NULL },
		{ CF_FAKE_FAIL_TIMEOUT, CF_ERR_TIMEOUT, 0, NULL },
		{ CF_FAKE_FAIL_5XX, CF_OK, 500, "{\"__type\":\"InternalFailure\",\"message\":\"" },
		{ CF_FAKE_FAIL_THROTTLING, CF_OK, 400,
		  "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\","
		  "\"message\":\"Rate exceeded\"}" },
	};
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct cf_fake_transport *fake = new_fake();
		struct cf_transport t = cf_fake_transport_as_transport(fake);
		ck_assert_int_eq(cf_fake_transport_fail_call(fake, 2, modes[m].failure), CF_OK);
		ck_assert_int_eq(cf_fake_transport_push_body(fake, 200, "{\"n\":1}"), CF_OK);
		ck_assert_int_eq(cf_fake_transport_push_body(fake, 200, "{\"n\":2}"), CF_OK);
		struct cf_http_request req = post("http://localhost/", "{}");
		struct cf_http_response resp = { 0 };
		struct cf_error err;

		ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_OK);
		assert_body(&resp, "{\"n\":1}");
		cf_http_response_clean_up(&resp);

		ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), modes[m].status);
		if (modes[m].status != CF_OK) {
			ck_assert_int_eq(err.code, modes[m].status);
			ck_assert_ptr_nonnull(strstr(err.message, "call 2"));
			ck_assert_int_eq(resp.status, 0);
			ck_assert_ptr_null(resp.body);
			ck_assert_ptr_null(resp.headers);
		} else {
			ck_assert_int_eq(resp.status, modes[m].http);
			ck_assert_uint_ge(resp.body_len, strlen(modes[m].type));
			ck_assert_int_eq(memcmp(resp.body, modes[m].type, strlen(modes[m].type)), 0);
			ck_assert_int_eq(resp.body[resp.body_len - 1], '}');
			ck_assert_str_eq(cf_http_response_header(&resp, "content-type"), "application/x-amz-json-1.0");
			ck_assert_str_eq(cf_http_response_header(&resp, "x-amzn-requestid"), "fake-request-2");
		}
		cf_http_response_clean_up(&resp);

		ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_OK);
		assert_body(&resp, "{\"n\":2}");
		cf_http_response_clean_up(&resp);
		/* The failing call was counted and recorded too. */
		ck_assert_uint_eq(cf_fake_transport_request_count(fake), 3);
		cf_fake_transport_destroy(fake);
	}
}
END_TEST

START_TEST(test_fake_fail_from_call)
{
	struct cf_fake_transport *fake = new_fake();
	struct cf_transport t = cf_fake_transport_as_transport(fake);
	ck_assert_int_eq(cf_fake_transport_fail_call(fake, 4, CF_FAKE_FAIL_THROTTLING), CF_OK);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(fake, 3, CF_FAKE_FAIL_TIMEOUT), CF_OK);
	ck_assert_int_eq(cf_fake_transport_fail_call(fake, 0, CF_FAKE_FAIL_TIMEOUT), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_fake_transport_fail_call(fake, 1, (enum cf_fake_failure)99), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_fake_transport_fail_call(NULL, 1, CF_FAKE_FAIL_TIMEOUT), CF_ERR_INVALID_ARG);
	struct cf_http_request req = post("http://localhost/", "{}");
	struct cf_http_response resp = { 0 };
	enum cf_status expected[] = { CF_OK, CF_OK, CF_ERR_TIMEOUT, CF_OK, CF_ERR_TIMEOUT, CF_ERR_TIMEOUT };
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), expected[i]);
		if (i == 3) /* the earlier rule (throttle call 4) wins over the later "from 3" */
			ck_assert_int_eq(resp.status, 400);
		cf_http_response_clean_up(&resp);
	}
	cf_fake_transport_clear_failures(fake);
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_OK);
	cf_http_response_clean_up(&resp);
	cf_fake_transport_destroy(fake);
}
END_TEST

START_TEST(test_header_refusal)
{
	struct cf_fake_transport *fake = new_fake();
	struct cf_transport t = cf_fake_transport_as_transport(fake);
	static const struct cf_http_header bad_sets[][1] = {
		{ { "X-Amz-Date", "20240101\rX-Evil: 1" } },
		{ { "X-Amz-Date", "20240101\nX-Evil: 1" } },
		{ { "X-Amz-Date", "ends with crlf\r\n" } },
		{ { "X-Bad\r\nName", "v" } },
		{ { "X-Bad:Name", "v" } },
		{ { "X Bad", "v" } },
		{ { "", "v" } },
		{ { "X-Null", NULL } },
		{ { NULL, "v" } },
	};
	for (size_t i = 0; i < sizeof(bad_sets) / sizeof(bad_sets[0]); i++) {
		struct cf_http_request req = post("http://localhost/", "{}");
		req.headers = bad_sets[i];
		req.header_count = 1;
		struct cf_http_response resp = { 0 };
		struct cf_error err;
		ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_ERR_HEADER);
		ck_assert_int_eq(err.code, CF_ERR_HEADER);
		ck_assert_ptr_nonnull(strstr(err.message, "header 0"));
		ck_assert_ptr_null(resp.body);
		/* Also when the fake is called straight through its vtable. */
		ck_assert_int_eq(t.methods->send(t.data, &req, &resp, &err), CF_ERR_HEADER);
	}
	ck_assert_uint_eq(cf_fake_transport_request_count(fake), 0);

	/* Malformed method and url are refused too. */
	struct cf_http_request req = post("http://localhost/", "{}");
	struct cf_http_response resp = { 0 };
	req.method = "GET /x HTTP/1.1\r\n";
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_ERR_INVALID_ARG);
	req.method = "POST";
	req.url = "http://localhost/ HTTP/1.1";
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_ERR_INVALID_ARG);
	req.url = "http://localhost/";
	req.body = NULL;
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_ERR_INVALID_ARG);
	req.body = "{}";
	req.timeout_ms = -1;
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_transport_send(&t, NULL, &resp, NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_transport_send(NULL, &req, &resp, NULL), CF_ERR_INVALID_ARG);
	ck_assert_uint_eq(cf_fake_transport_request_count(fake), 0);
	cf_fake_transport_destroy(fake);
}
END_TEST

START_TEST(test_fake_send_many)
{
	struct cf_fake_transport *fake = new_fake();
	struct cf_transport t = cf_fake_transport_as_transport(fake);
	ck_assert_int_eq(cf_fake_transport_fail_call(fake, 2, CF_FAKE_FAIL_THROTTLING), CF_OK);
	ck_assert_int_eq(cf_fake_transport_push_body(fake, 200, "A"), CF_OK);
	ck_assert_int_eq(cf_fake_transport_push_body(fake, 200, "B"), CF_OK);
	static const struct cf_http_header crlf[] = { { "X-Amz-Date", "x\r\ny" } };
	struct cf_http_request reqs[4] = {
		post("http://localhost/0", "0"), post("http://localhost/1", "1"), post("http://localhost/2", "2"),
		post("http://localhost/3", "3"),
	};
	reqs[2].headers = crlf;
	reqs[2].header_count = 1;
	struct cf_http_response resps[4] = { 0 };
	enum cf_status statuses[4];
	struct cf_error errs[4];
	ck_assert_int_eq(cf_transport_send_many(&t, reqs, 4, 8, resps, statuses, errs), CF_OK);
	ck_assert_int_eq(statuses[0], CF_OK);
	assert_body(&resps[0], "A");
	ck_assert_int_eq(statuses[1], CF_OK);
	ck_assert_int_eq(resps[1].status, 400);
	ck_assert_int_eq(statuses[2], CF_ERR_HEADER);
	ck_assert_int_eq(errs[2].code, CF_ERR_HEADER);
	ck_assert_ptr_null(resps[2].body);
	ck_assert_int_eq(statuses[3], CF_OK);
	assert_body(&resps[3], "B");
	ck_assert_int_eq(errs[3].code, CF_OK);
	/* Sequential, in index order; the refused request never reached the fake. */
	ck_assert_uint_eq(cf_fake_transport_request_count(fake), 3);
	ck_assert_str_eq(cf_fake_transport_request(fake, 0)->url, "http://localhost/0");
	ck_assert_str_eq(cf_fake_transport_request(fake, 1)->url, "http://localhost/1");
	ck_assert_str_eq(cf_fake_transport_request(fake, 2)->url, "http://localhost/3");
	for (int i = 0; i < 4; i++)
		cf_http_response_clean_up(&resps[i]);

	/* errs may be NULL. */
	ck_assert_int_eq(cf_transport_send_many(&t, reqs, 2, 1, resps, statuses, NULL), CF_OK);
	ck_assert_int_eq(statuses[0], CF_OK);
	ck_assert_int_eq(statuses[1], CF_OK);
	for (int i = 0; i < 2; i++)
		cf_http_response_clean_up(&resps[i]);

	ck_assert_int_eq(cf_transport_send_many(&t, reqs, 0, 1, NULL, NULL, NULL), CF_OK);
	ck_assert_int_eq(cf_transport_send_many(&t, reqs, 2, 0, resps, statuses, errs), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(statuses[1], CF_ERR_INVALID_ARG);
	ck_assert_int_eq(errs[1].code, CF_ERR_INVALID_ARG);
	cf_fake_transport_destroy(fake);
}
END_TEST

/* A transport of our own: version 1, no send_many, counts calls and destroys. */
struct counting {
	int sends;
	int destroys;
	char order[16];
};

static enum cf_status counting_send(void *data, const struct cf_http_request *req, struct cf_http_response *resp,
				    struct cf_error *err)
{
	struct counting *c = data;
	c->order[c->sends++] = req->body[0];
	if (req->body[0] == 'x') {
		/* A sloppy transport: fails without filling err and leaves a body behind. */
		(void)err;
		if (cf_http_response_set_body(resp, "junk", 4) != CF_OK)
			return CF_ERR_NOMEM;
		return CF_ERR_TRANSPORT;
	}
	resp->status = 204;
	return CF_OK;
}

static void counting_destroy(void *data)
{
	((struct counting *)data)->destroys++;
}

static const struct cf_transport_methods counting_methods = {
	.version = CF_TRANSPORT_VERSION_1,
	.send = counting_send,
	.send_many = NULL,
	.destroy = counting_destroy,
};

START_TEST(test_send_many_fallback)
{
	struct counting c = { 0 };
	struct cf_transport t = { &counting_methods, &c };
	static const struct cf_http_header lf[] = { { "X-A", "1\n2" } };
	struct cf_http_request reqs[5] = {
		post("http://h/", "a"), post("http://h/", "b"), post("http://h/", "c"), post("http://h/", "x"),
		post("http://h/", "d"),
	};
	reqs[2].headers = lf;
	reqs[2].header_count = 1;
	struct cf_http_response resps[5] = { 0 };
	enum cf_status statuses[5];
	struct cf_error errs[5];
	ck_assert_int_eq(cf_transport_send_many(&t, reqs, 5, 3, resps, statuses, errs), CF_OK);
	ck_assert_int_eq(c.sends, 4);
	ck_assert_str_eq(c.order, "abxd");
	ck_assert_int_eq(statuses[0], CF_OK);
	ck_assert_int_eq(resps[0].status, 204);
	ck_assert_int_eq(statuses[1], CF_OK);
	ck_assert_int_eq(statuses[2], CF_ERR_HEADER);
	ck_assert_int_eq(statuses[3], CF_ERR_TRANSPORT);
	/* The front door empties the response and fills the message the transport forgot. */
	ck_assert_ptr_null(resps[3].body);
	ck_assert_int_eq(errs[3].code, CF_ERR_TRANSPORT);
	ck_assert_str_ne(errs[3].message, "");
	ck_assert_int_eq(statuses[4], CF_OK);
	for (int i = 0; i < 5; i++)
		cf_http_response_clean_up(&resps[i]);

	cf_transport_destroy(&t);
	ck_assert_int_eq(c.destroys, 1);
	ck_assert_ptr_null(t.methods);
	cf_transport_destroy(&t); /* zeroed: nothing happens */
	cf_transport_destroy(NULL);
	ck_assert_int_eq(c.destroys, 1);
}
END_TEST

/* A send_many that cannot run the batch. */
static enum cf_status broken_send_many(void *data, const struct cf_http_request *reqs, size_t count,
				       size_t max_in_flight, struct cf_http_response *resps, enum cf_status *statuses,
				       struct cf_error *errs)
{
	(void)data;
	(void)reqs;
	(void)count;
	(void)max_in_flight;
	(void)resps;
	(void)statuses;
	(void)errs;
	return CF_ERR_NOMEM;
}

static const struct cf_transport_methods broken_methods = {
	.version = CF_TRANSPORT_VERSION_1,
	.send = counting_send,
	.send_many = broken_send_many,
	.destroy = NULL,
};

START_TEST(test_send_many_batch_failure)
{
	struct counting c = { 0 };
	struct cf_transport t = { &broken_methods, &c };
	static const struct cf_http_header lf[] = { { "X-A", "1\n2" } };
	struct cf_http_request reqs[3] = { post("http://h/", "a"), post("http://h/", "b"), post("http://h/", "c") };
	struct cf_http_response resps[3] = { 0 };
	enum cf_status statuses[3];
	struct cf_error errs[3];
	ck_assert_int_eq(cf_transport_send_many(&t, reqs, 3, 2, resps, statuses, errs), CF_ERR_NOMEM);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(statuses[i], CF_ERR_NOMEM);
		ck_assert_int_eq(errs[i].code, CF_ERR_NOMEM);
	}
	/* With one request refused, the subset path keeps its CF_ERR_HEADER. */
	reqs[1].headers = lf;
	reqs[1].header_count = 1;
	ck_assert_int_eq(cf_transport_send_many(&t, reqs, 3, 2, resps, statuses, errs), CF_ERR_NOMEM);
	ck_assert_int_eq(statuses[0], CF_ERR_NOMEM);
	ck_assert_int_eq(statuses[1], CF_ERR_HEADER);
	ck_assert_int_eq(errs[1].code, CF_ERR_HEADER);
	ck_assert_int_eq(statuses[2], CF_ERR_NOMEM);
	ck_assert_int_eq(c.sends, 0);
}
END_TEST

/* The fake and the subset path under allocation failure: clean errors, no leaks. */
START_TEST(test_fake_alloc_failure)
{
	bool completed = false;
	for (long budget = 0; !completed; budget++) {
		ck_assert_int_lt(budget, 1000);
		ts_alloc_install_budget(budget);
		struct cf_fake_transport *fake = NULL;
		enum cf_status st = cf_fake_transport_new(&fake);
		if (st == CF_OK) {
			const struct cf_http_header h[] = { { "x-amz-crc32", "1" } };
			struct cf_fake_response r = { .status = 200, .headers = h, .header_count = 1, .body = "ok",
						      .body_len = 2 };
			st = cf_fake_transport_push_response(fake, &r);
			ck_assert_uint_eq(cf_fake_transport_pending_responses(fake), st == CF_OK ? 1 : 0);
		}
		if (st == CF_OK)
			st = cf_fake_transport_fail_call(fake, 2, CF_FAKE_FAIL_5XX);
		if (st == CF_OK) {
			struct cf_transport t = cf_fake_transport_as_transport(fake);
			static const struct cf_http_header lf[] = { { "X-A", "1\n2" } };
			struct cf_http_request reqs[3] = { post("http://h/", "a"), post("http://h/", "b"),
							   post("http://h/", "c") };
			reqs[2].headers = lf;
			reqs[2].header_count = 1;
			struct cf_http_response resps[3] = { 0 };
			enum cf_status statuses[3];
			struct cf_error errs[3];
			st = cf_transport_send_many(&t, reqs, 3, 4, resps, statuses, errs);
			for (int i = 0; i < 2 && st == CF_OK; i++) {
				if (statuses[i] != CF_OK) {
					ck_assert_int_eq(statuses[i], CF_ERR_NOMEM);
					ck_assert_int_eq(errs[i].code, CF_ERR_NOMEM);
					ck_assert_ptr_null(resps[i].body);
					st = CF_ERR_NOMEM;
				}
			}
			ck_assert_int_eq(statuses[2], CF_ERR_HEADER);
			if (st == CF_OK) {
				assert_body(&resps[0], "ok");
				ck_assert_int_eq(resps[1].status, 500);
			}
			for (int i = 0; i < 3; i++)
				cf_http_response_clean_up(&resps[i]);
		}
		if (st != CF_OK)
			ck_assert_int_eq(st, CF_ERR_NOMEM);
		cf_fake_transport_destroy(fake);
		ck_assert_int_eq(ts_alloc_live(), 0);
		completed = st == CF_OK;
		ts_alloc_uninstall();
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("transport");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_response_helpers);
	tcase_add_test(tc, test_header_value_is_safe);
	tcase_add_test(tc, test_response_helpers_alloc_failure);
	tcase_add_test(tc, test_fake_default_answer);
	tcase_add_test(tc, test_fake_scripted_fifo);
	tcase_add_test(tc, test_fake_records_requests);
	tcase_add_test(tc, test_fake_handler);
	tcase_add_test(tc, test_fake_fail_nth_each_mode);
	tcase_add_test(tc, test_fake_fail_from_call);
	tcase_add_test(tc, test_header_refusal);
	tcase_add_test(tc, test_fake_send_many);
	tcase_add_test(tc, test_send_many_fallback);
	tcase_add_test(tc, test_send_many_batch_failure);
	tcase_add_test(tc, test_fake_alloc_failure);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
