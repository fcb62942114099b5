/*
 * The real bootstraps over real HTTP: each is started as a child process against a local Runtime API
 * (runtime_api_server.c) that also plays DynamoDB and SQS through AWS_ENDPOINT_URL.
 * Usage: check_bootstrap_runtime PATH/process-cart-products PATH/update-cart-status
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "runtime_api_server.h"

#define NEXT "/2018-06-01/runtime/invocation/next"
#define INVOCATION "/2018-06-01/runtime/invocation/"
#define INIT_ERROR "/2018-06-01/runtime/init/error"
#define TRACE_1 "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
#define SECOND_MESSAGE_ID "2e1424d4-f796-459a-8184-9c92662be6da"
#define QUEUE_URL "https://sqs.us-east-1.amazonaws.com/123456789012/cart-products"
#define WAIT_MS 10000

static const char *process_cart_products_path;
static const char *update_cart_status_path;

/* ---- helpers ---- */

static char *read_data(const char *relative, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", CF_TEST_DATA_DIR, relative);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* The environment of a bootstrap: Lambda's variables for `srv`, fake credentials, endpoints on `srv`. */
struct child_env {
	char api[64], endpoint[96], runtime_api[96], aws_endpoint[128];
	char *vars[16];
};

static void child_env_init(struct child_env *e, const struct rapi_server *srv, bool with_table)
{
	memset(e, 0, sizeof(*e));
	rapi_server_api(srv, e->api, sizeof(e->api));
	rapi_server_endpoint(srv, e->endpoint, sizeof(e->endpoint));
	snprintf(e->runtime_api, sizeof(e->runtime_api), "AWS_LAMBDA_RUNTIME_API=%s", e->api);
	snprintf(e->aws_endpoint, sizeof(e->aws_endpoint), "AWS_ENDPOINT_URL=%s", e->endpoint);
	size_t n = 0;
	e->vars[n++] = e->runtime_api;
	e->vars[n++] = e->aws_endpoint;
	e->vars[n++] = "AWS_ACCESS_KEY_ID=AKIDEXAMPLE";
	e->vars[n++] = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	e->vars[n++] = "AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLETOKEN";
	e->vars[n++] = "AWS_REGION=us-east-1";
	e->vars[n++] = "AWS_LAMBDA_LOG_FORMAT=JSON";
	e->vars[n++] = "AWS_LAMBDA_FUNCTION_NAME=integration-test";
	e->vars[n++] = "UPDATE_CART_PRODUCT_SQS=" QUEUE_URL;
	if (with_table)
		e->vars[n++] = "TABLE_NAME=orders";
	e->vars[n++] = "PATH=/usr/bin:/bin";
	e->vars[n] = NULL;
}

static pid_t start_bootstrap(const char *path, struct child_env *e)
{
	char *argv[] = { (char *)path, NULL };
	pid_t pid = rapi_spawn(argv, e->vars, false);
	ck_assert_msg(pid > 0, "cannot start %s", path);
	return pid;
}

/* Wait for POST <INVOCATION><id>/<kind> and return it (clean up with rapi_request_clean_up). */
static struct rapi_request wait_result(struct rapi_server *srv, const char *id, const char *kind)
{
	char path[256];
	snprintf(path, sizeof(path), INVOCATION "%s/%s", id, kind);
	struct rapi_request r;
	ck_assert_msg(rapi_server_wait(srv, "POST", path, WAIT_MS, &r), "no POST %s within %d ms", path, WAIT_MS);
	return r;
}

static void assert_body(const struct rapi_request *r, const char *want)
{
	ck_assert_msg(r->body_len == strlen(want) && !memcmp(r->body, want, r->body_len), "%s: body %s, want %s",
		      r->path, r->body, want);
}

static const char *member_string(struct json_object *obj, const char *key)
{
	struct json_object *v;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* An error post: header and {"errorMessage","errorType","stackTrace":[]} body. */
static void assert_error_document(const struct rapi_request *r, const char *type, const char *message_part)
{
	ck_assert_str_eq(r->error_type, type);
	struct json_object *doc = json_tokener_parse(r->body), *trace;
	ck_assert_msg(doc != NULL, "not JSON: %s", r->body);
	ck_assert_int_eq(json_object_object_length(doc), 3);
	ck_assert_str_eq(member_string(doc, "errorType"), type);
	const char *message = member_string(doc, "errorMessage");
	ck_assert_ptr_nonnull(message);
	if (message_part)
		ck_assert_msg(strstr(message, message_part), "errorMessage \"%s\" lacks \"%s\"", message, message_part);
	ck_assert(json_object_object_get_ex(doc, "stackTrace", &trace));
	ck_assert(json_object_is_type(trace, json_type_array));
	ck_assert_uint_eq(json_object_array_length(trace), 0);
	json_object_put(doc);
}

/* Make /next answer 500 and expect the bootstrap to exit by itself, non-zero, within a few seconds. */
static void expect_exit_after_500(struct rapi_server *srv, pid_t pid)
{
	rapi_server_set_exhausted_status(srv, 500);
	int status = 0;
	bool exited = rapi_wait_exit(pid, 5000, &status, NULL);
	ck_assert_msg(exited, "the bootstrap did not exit within 5 s of /next answering 500 (killed)");
	ck_assert_msg(WIFEXITED(status), "the bootstrap did not exit normally (status 0x%x)", status);
	ck_assert_int_ne(WEXITSTATUS(status), 0);
}

/* Take the next AWS call (POST /) and check it is a signed `target` call carrying `trace` (NULL: none). */
static struct rapi_request take_aws_call(struct rapi_server *srv, const char *target, const char *service,
					 const char *trace)
{
	struct rapi_request r;
	ck_assert_msg(rapi_server_wait(srv, "POST", "/", WAIT_MS, &r), "no AWS call");
	ck_assert_str_eq(r.target, target);
	ck_assert_str_eq(r.content_type, "application/x-amz-json-1.0");
	char scope[128];
	snprintf(scope, sizeof(scope), "/us-east-1/%s/aws4_request", service);
	ck_assert_msg(strstr(r.authorization, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") == r.authorization,
		      "Authorization: %s", r.authorization);
	ck_assert_ptr_nonnull(strstr(r.authorization, scope));
	if (trace) {
		ck_assert(r.has_trace_header);
		ck_assert_str_eq(r.trace_header, trace);
	} else {
		ck_assert_msg(!r.has_trace_header, "unexpected X-Amzn-Trace-Id: %s", r.trace_header);
	}
	return r;
}

/* ---- tests ---- */

START_TEST(test_update_cart_status_invocations)
{
	struct rapi_server *srv = rapi_server_start();
	ck_assert_ptr_nonnull(srv);
	size_t len;
	char *event = read_data("orders/sqs_two_orders.json", &len);
	static const char bad[] = "{\"Records\": [ {\"messageId\": ";
	ck_assert(rapi_server_queue(srv, "req-1", event, len, TRACE_1, 0));
	ck_assert(rapi_server_queue(srv, "req-2", bad, strlen(bad), NULL, 0));
	ck_assert(rapi_server_queue(srv, "req-3", event, len, NULL, 0));
	struct child_env env;
	child_env_init(&env, srv, true);
	pid_t pid = start_bootstrap(update_cart_status_path, &env);

	static const char want[] = "{\"batchItemFailures\":[{\"itemIdentifier\":\"" SECOND_MESSAGE_ID "\"}]}";
	struct rapi_request r = wait_result(srv, "req-1", "response");
	assert_body(&r, want);
	ck_assert_str_eq(r.content_type, "application/json");
	rapi_request_clean_up(&r);
	r = wait_result(srv, "req-2", "error");
	assert_error_document(&r, "InvalidEvent", NULL);
	rapi_request_clean_up(&r);
	r = wait_result(srv, "req-3", "response");
	assert_body(&r, want);
	rapi_request_clean_up(&r);

	/* Two UpdateItem calls per good invocation, signed, the first pair with the trace id. */
	ck_assert_uint_eq(rapi_server_count(srv, "POST", "/", false), 4);
	for (int i = 0; i < 4; i++) {
		struct rapi_request a = take_aws_call(srv, "DynamoDB_20120810.UpdateItem", "dynamodb", i < 2 ? TRACE_1 : NULL);
		struct json_object *body = json_tokener_parse(a.body), *key, *sk;
		ck_assert_ptr_nonnull(body);
		ck_assert_str_eq(member_string(body, "TableName"), "orders");
		ck_assert_str_eq(member_string(body, "ConditionExpression"), "attribute_exists(PK)");
		ck_assert(json_object_object_get_ex(body, "Key", &key) && json_object_object_get_ex(key, "SK", &sk));
		const char *product = member_string(sk, "S");
		ck_assert_msg(!strcmp(product, "PRODUCT#p-1") || !strcmp(product, "PRODUCT#p-2"), "%s", product);
		json_object_put(body);
		rapi_request_clean_up(&a);
	}
	expect_exit_after_500(srv, pid);
	ck_assert_uint_eq(rapi_server_count(srv, "GET", NEXT, false), 4);
	ck_assert_uint_eq(rapi_server_results(srv), 3);
	free(event);
	rapi_server_stop(srv);
}
END_TEST

/* /next long-polls: an invocation queued while the bootstrap already waits is handed to it. */
START_TEST(test_event_queued_while_next_waits)
{
	struct rapi_server *srv = rapi_server_start();
	ck_assert_ptr_nonnull(srv);
	struct child_env env;
	child_env_init(&env, srv, true);
	pid_t pid = start_bootstrap(update_cart_status_path, &env);
	ck_assert_msg(rapi_server_wait_first_next(srv, WAIT_MS), "no GET /next");
	struct timespec pause = { 0, 100 * 1000000L };
	nanosleep(&pause, NULL);
	ck_assert_uint_eq(rapi_server_results(srv), 0);
	size_t len;
	char *event = read_data("orders/sqs_two_orders.json", &len);
	ck_assert(rapi_server_queue(srv, "late-1", event, len, NULL, 0));
	struct rapi_request r = wait_result(srv, "late-1", "response");
	rapi_request_clean_up(&r);
	expect_exit_after_500(srv, pid);
	ck_assert_uint_eq(rapi_server_count(srv, "GET", NEXT, false), 2);
	free(event);
	rapi_server_stop(srv);
}
END_TEST

START_TEST(test_process_cart_products_invocations)
{
	struct rapi_server *srv = rapi_server_start();
	ck_assert_ptr_nonnull(srv);
	size_t len, body_len, dyn_len;
	char *event = read_data("orders/stream_insert_ordered.json", &len);
	char *want_body = read_data("orders/stream_insert_ordered.body.json", &body_len);
	while (body_len && (want_body[body_len - 1] == '\n' || want_body[body_len - 1] == '\r'))
		want_body[--body_len] = '\0';
	char *malformed_types = read_data("events/powertools-ts-parser_DynamoDB.json", &dyn_len);
	ck_assert(rapi_server_queue(srv, "s-1", event, len, TRACE_1, 0));
	ck_assert(rapi_server_queue(srv, "s-2", "[]", 2, NULL, 0));
	ck_assert(rapi_server_queue(srv, "s-3", malformed_types, dyn_len, NULL, 0));
	ck_assert(rapi_server_queue(srv, "s-4", event, len, NULL, 0));
	struct child_env env;
	child_env_init(&env, srv, false);
	pid_t pid = start_bootstrap(process_cart_products_path, &env);

	struct rapi_request r = wait_result(srv, "s-1", "response");
	assert_body(&r, "{\"batchItemFailures\":[]}");
	rapi_request_clean_up(&r);
	r = wait_result(srv, "s-2", "error");
	assert_error_document(&r, "InvalidEvent", "Records");
	rapi_request_clean_up(&r);
	r = wait_result(srv, "s-3", "response");
	assert_body(&r, "{\"batchItemFailures\":[{\"itemIdentifier\":\"3275880929\"},{\"itemIdentifier\":\"8640712661\"}]}");
	rapi_request_clean_up(&r);
	r = wait_result(srv, "s-4", "response");
	assert_body(&r, "{\"batchItemFailures\":[]}");
	rapi_request_clean_up(&r);

	ck_assert_uint_eq(rapi_server_count(srv, "POST", "/", false), 2);
	for (int i = 0; i < 2; i++) {
		struct rapi_request a = take_aws_call(srv, "AmazonSQS.SendMessageBatch", "sqs", i == 0 ? TRACE_1 : NULL);
		struct json_object *body = json_tokener_parse(a.body), *entries;
		ck_assert_ptr_nonnull(body);
		ck_assert_str_eq(member_string(body, "QueueUrl"), QUEUE_URL);
		ck_assert(json_object_object_get_ex(body, "Entries", &entries));
		ck_assert_uint_eq(json_object_array_length(entries), 1);
		ck_assert_str_eq(member_string(json_object_array_get_idx(entries, 0), "MessageBody"), want_body);
		json_object_put(body);
		rapi_request_clean_up(&a);
	}
	expect_exit_after_500(srv, pid);
	free(malformed_types);
	free(want_body);
	free(event);
	rapi_server_stop(srv);
}
END_TEST

START_TEST(test_many_invocations_in_a_row)
{
	struct rapi_server *srv = rapi_server_start();
	ck_assert_ptr_nonnull(srv);
	size_t len;
	char *event = read_data("orders/sqs_two_orders.json", &len);
	ck_assert(rapi_server_autoserve(srv, event, len, 50));
	struct child_env env;
	child_env_init(&env, srv, true);
	pid_t pid = start_bootstrap(update_cart_status_path, &env);
	for (int i = 0; i < 50; i++) {
		char id[32];
		snprintf(id, sizeof(id), "auto-%d", i);
		struct rapi_request r = wait_result(srv, id, "response");
		assert_body(&r, "{\"batchItemFailures\":[{\"itemIdentifier\":\"" SECOND_MESSAGE_ID "\"}]}");
		rapi_request_clean_up(&r);
	}
	expect_exit_after_500(srv, pid);
	ck_assert_uint_eq(rapi_server_count(srv, "POST", "/", false), 100);
	ck_assert_uint_eq(rapi_server_count(srv, "POST", INVOCATION, true), 50);
	free(event);
	rapi_server_stop(srv);
}
END_TEST

START_TEST(test_init_error)
{
	struct rapi_server *srv = rapi_server_start();
	ck_assert_ptr_nonnull(srv);
	ck_assert(rapi_server_queue(srv, "never", "{\"Records\":[]}", 14, NULL, 0));
	struct child_env env;
	child_env_init(&env, srv, false); /* no TABLE_NAME */
	pid_t pid = start_bootstrap(update_cart_status_path, &env);
	struct rapi_request r;
	ck_assert_msg(rapi_server_wait(srv, "POST", INIT_ERROR, WAIT_MS, &r), "no POST " INIT_ERROR);
	assert_error_document(&r, "ConfigurationError", "TABLE_NAME");
	rapi_request_clean_up(&r);
	int status = 0;
	ck_assert_msg(rapi_wait_exit(pid, 5000, &status, NULL), "the bootstrap did not exit after its init error");
	ck_assert(WIFEXITED(status));
	ck_assert_int_ne(WEXITSTATUS(status), 0);
	ck_assert_uint_eq(rapi_server_count(srv, "GET", NEXT, false), 0);
	ck_assert_uint_eq(rapi_server_results(srv), 1);
	rapi_server_stop(srv);
}
END_TEST

START_TEST(test_runtime_api_unreachable)
{
	/* A port nobody listens on any more: /next fails, is retried, then the bootstrap gives up. */
	struct rapi_server *srv = rapi_server_start();
	ck_assert_ptr_nonnull(srv);
	struct child_env env;
	child_env_init(&env, srv, true);
	rapi_server_stop(srv);
	int64_t start = rapi_now_ns();
	pid_t pid = start_bootstrap(update_cart_status_path, &env);
	int status = 0;
	ck_assert_msg(rapi_wait_exit(pid, 15000, &status, NULL), "the bootstrap kept retrying an absent Runtime API");
	ck_assert(WIFEXITED(status));
	ck_assert_int_ne(WEXITSTATUS(status), 0);
	int64_t took_ms = (rapi_now_ns() - start) / 1000000;
	ck_assert_msg(took_ms >= 500, "gave up after %lld ms: no backoff between attempts?", (long long)took_ms);
}
END_TEST

START_TEST(test_no_runtime_api_variable)
{
	struct rapi_server *srv = rapi_server_start();
	ck_assert_ptr_nonnull(srv);
	struct child_env env;
	child_env_init(&env, srv, true);
	env.vars[0] = "AWS_LAMBDA_FUNCTION_VERSION=$LATEST"; /* drop AWS_LAMBDA_RUNTIME_API */
	pid_t pid = start_bootstrap(update_cart_status_path, &env);
	int status = 0;
	ck_assert(rapi_wait_exit(pid, 5000, &status, NULL));
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	ck_assert_uint_eq(rapi_server_count(srv, "GET", "/", true), 0);
	rapi_server_stop(srv);
}
END_TEST

static Suite *bootstrap_suite(void)
{
	Suite *s = suite_create("bootstrap_runtime");
	TCase *tc = tcase_create("real_http");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_update_cart_status_invocations);
	tcase_add_test(tc, test_process_cart_products_invocations);
	tcase_add_test(tc, test_event_queued_while_next_waits);
	tcase_add_test(tc, test_many_invocations_in_a_row);
	tcase_add_test(tc, test_init_error);
	tcase_add_test(tc, test_runtime_api_unreachable);
	tcase_add_test(tc, test_no_runtime_api_variable);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s PATH/process-cart-products PATH/update-cart-status\n", argv[0]);
		return EXIT_FAILURE;
	}
	process_cart_products_path = argv[1];
	update_cart_status_path = argv[2];
	signal(SIGPIPE, SIG_IGN);
	SRunner *sr = srunner_create(bootstrap_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
