/*
 * DynamoDB UpdateItem calls (cf_dynamodb_update_items) against the fake transport. A handler plays
 * DynamoDB: it reads each request's Key and answers with the item's new attributes, or with
 * ConditionalCheckFailedException for the items told to fail.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cartflow/aws_client.h"
#include "cartflow/clock.h"
#include "cartflow/dynamodb_client.h"
#include "cartflow/fake_transport.h"
#include "cartflow/transport.h"
#include "cartflow/update_item.h"
#include "test_support.h"

#define T0_MS INT64_C(1440938160000) /* 2015-08-30T12:36:00Z */

/* ---- deterministic clock ---- */

struct test_clock {
	int64_t now_ms;
	int64_t sleeps[64];
	size_t sleep_count;
	double random;
};

static int64_t tc_now(void *user) { return ((struct test_clock *)user)->now_ms; }

static void tc_sleep(int64_t ms, void *user)
{
	struct test_clock *c = user;
	ck_assert_uint_lt(c->sleep_count, 64);
	c->sleeps[c->sleep_count++] = ms;
	c->now_ms += ms;
}

static double tc_random(void *user) { return ((struct test_clock *)user)->random; }

/* ---- a fake DynamoDB ---- */

/* Parse `len` bytes of JSON (not NUL-terminated: the request body is borrowed as is). NULL if invalid. */
static struct json_object *parse_n(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	ck_assert_ptr_nonnull(tok);
	struct json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

struct ddb_server {
	const char *fail_product;      /* ConditionalCheckFailedException for this product id */
	const char *throttle_product;  /* ThrottlingException the first time this product is seen */
	bool throttled;
	size_t calls;
};

/* The answer UpdateItem gives for `product` (UPDATED_NEW). */
static void expected_body(char *out, size_t cap, const char *product)
{
	snprintf(out, cap, "{\"Attributes\":{\"cartProductStatus\":{\"S\":\"ORDERED\"},\"productId\":{\"S\":\"%s\"}}}",
		 product);
}

static enum cf_status ddb_handler(void *user, const struct cf_http_request *req, struct cf_http_response *resp,
				  struct cf_error *err)
{
	(void)err;
	struct ddb_server *sv = user;
	sv->calls++;
	struct json_object *root = parse_n(req->body, req->body_len), *key, *sk, *s;
	ck_assert_ptr_nonnull(root);
	ck_assert(json_object_object_get_ex(root, "Key", &key));
	ck_assert(json_object_object_get_ex(key, "SK", &sk));
	ck_assert(json_object_object_get_ex(sk, "S", &s));
	const char *sk_value = json_object_get_string(s);
	ck_assert(!strncmp(sk_value, "PRODUCT#", 8));
	char product[64], body[256];
	snprintf(product, sizeof(product), "%s", sk_value + 8);
	json_object_put(root);
	if (sv->fail_product && !strcmp(product, sv->fail_product)) {
		resp->status = 400;
		snprintf(body, sizeof(body),
			 "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
			 "\"message\":\"The conditional request failed\"}");
	} else if (sv->throttle_product && !sv->throttled && !strcmp(product, sv->throttle_product)) {
		sv->throttled = true;
		resp->status = 400;
		snprintf(body, sizeof(body),
			 "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\","
			 "\"message\":\"The level of configured provisioned throughput for the table was exceeded.\"}");
	} else {
		resp->status = 200;
		expected_body(body, sizeof(body), product);
	}
	return cf_http_response_set_body(resp, body, strlen(body));
}

/* ---- fixture ---- */

struct spy {
	struct cf_transport inner;
	size_t batches;
	size_t last_count;
	size_t last_max_in_flight;
};

static enum cf_status spy_send(void *data, const struct cf_http_request *req, struct cf_http_response *resp,
			       struct cf_error *err)
{
	struct spy *s = data;
	return s->inner.methods->send(s->inner.data, req, resp, err);
}

static enum cf_status spy_send_many(void *data, const struct cf_http_request *reqs, size_t count, size_t max_in_flight,
				    struct cf_http_response *resps, enum cf_status *statuses, struct cf_error *errs)
{
	struct spy *s = data;
	s->batches++;
	s->last_count = count;
	s->last_max_in_flight = max_in_flight;
	return s->inner.methods->send_many(s->inner.data, reqs, count, max_in_flight, resps, statuses, errs);
}

static const struct cf_transport_methods spy_methods = { CF_TRANSPORT_VERSION_1, spy_send, spy_send_many, NULL };

static char cfg_key[] = "AKIDEXAMPLE";
static char cfg_secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
static char cfg_region[] = "us-east-1";
static char cfg_endpoint[] = "http://127.0.0.1:1";

struct fixture {
	struct test_clock clk;
	struct cf_clock clock;
	struct cf_aws_config config;
	struct cf_fake_transport *fake;
	struct spy spy;
	struct ddb_server server;
	struct cf_aws_client *client;
};

static void fx_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->clk = (struct test_clock){ .now_ms = T0_MS, .random = 0.5 };
	f->clock = (struct cf_clock){ tc_now, tc_sleep, tc_random, &f->clk };
	f->config = (struct cf_aws_config){ cfg_key, cfg_secret, NULL, cfg_region, cfg_endpoint, cfg_endpoint };
	ck_assert_int_eq(cf_fake_transport_new(&f->fake), CF_OK);
	cf_fake_transport_set_handler(f->fake, ddb_handler, &f->server);
	f->spy.inner = cf_fake_transport_as_transport(f->fake);
	struct cf_aws_client_options opt = { .config = &f->config, .transport = { &spy_methods, &f->spy }, .clock = &f->clock };
	struct cf_error err;
	ck_assert_int_eq(cf_aws_client_new(&opt, &f->client, &err), CF_OK);
}

static void fx_clean_up(struct fixture *f)
{
	cf_aws_client_destroy(f->client);
	cf_fake_transport_destroy(f->fake);
}

/* UpdateItem bodies for products p0..p<n-1> of user u1, in the shape cf_order_to_updates writes. */
struct updates {
	struct cf_update_request r[32];
	char bodies[32][512];
	char products[32][16];
};

static void make_updates(struct updates *u, size_t n)
{
	ck_assert_uint_le(n, 32);
	memset(u, 0, sizeof(*u));
	for (size_t i = 0; i < n; i++) {
		snprintf(u->products[i], sizeof(u->products[i]), "p%zu", i);
		int len = snprintf(u->bodies[i], sizeof(u->bodies[i]),
				   "{\"TableName\":\"carts\",\"Key\":{\"PK\":{\"S\":\"USER#u1\"},\"SK\":{\"S\":\"PRODUCT#%s\"}},"
				   "\"ConditionExpression\":\"attribute_exists(PK)\","
				   "\"UpdateExpression\":\"SET cartProductStatus = :cartProductStatus\","
				   "\"ExpressionAttributeValues\":{\":cartProductStatus\":{\"S\":\"ORDERED\"}},"
				   "\"ReturnValues\":\"UPDATED_NEW\"}",
				   u->products[i]);
		u->r[i] = (struct cf_update_request){ .body = u->bodies[i],
						      .body_len = (size_t)len,
						      .user_id = { "u1", 2 },
						      .product_id = { u->products[i], strlen(u->products[i]) } };
	}
}

static void assert_updated(const struct cf_aws_result *r, const char *product, unsigned attempts)
{
	char want[256];
	expected_body(want, sizeof(want), product);
	ck_assert_msg(r->status == CF_OK, "%s: %d %s %s", product, (int)r->status, r->error_type, r->error_message);
	ck_assert_int_eq(r->error_class, CF_AWS_OK);
	ck_assert_int_eq(r->http_status, 200);
	ck_assert_str_eq(r->body, want);
	ck_assert_uint_eq(r->body_len, strlen(want));
	ck_assert_uint_eq(r->attempts, attempts);
}

START_TEST(test_many_updates)
{
	struct fixture f;
	fx_init(&f);
	struct updates u;
	make_updates(&u, 23);
	struct cf_aws_result res[23];
	struct cf_dynamodb_options opt = { .max_in_flight = 4 };
	struct cf_error err;
	ck_assert_int_eq(cf_dynamodb_update_items(f.client, u.r, 23, &opt, res, &err), CF_OK);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 23);
	ck_assert_uint_eq(f.spy.batches, 1);
	ck_assert_uint_eq(f.spy.last_count, 23);
	ck_assert_uint_eq(f.spy.last_max_in_flight, 4);
	for (size_t i = 0; i < 23; i++) {
		assert_updated(&res[i], u.products[i], 1);
		const struct cf_http_request *r = cf_fake_transport_request(f.fake, i);
		ck_assert_str_eq(r->url, "http://127.0.0.1:1/");
		ck_assert_uint_eq(r->body_len, u.r[i].body_len);
		ck_assert_mem_eq(r->body, u.r[i].body, u.r[i].body_len);
		const char *target = NULL;
		for (size_t h = 0; h < r->header_count; h++)
			if (!strcasecmp(r->headers[h].name, "X-Amz-Target"))
				target = r->headers[h].value;
		ck_assert_str_eq(target, "DynamoDB_20120810.UpdateItem");
		cf_aws_result_clean_up(&res[i]);
	}
	ck_assert_uint_eq(f.clk.sleep_count, 0);
	fx_clean_up(&f);
}
END_TEST

START_TEST(test_condition_failure_is_permanent)
{
	struct fixture f;
	fx_init(&f);
	f.server.fail_product = "p7";
	struct updates u;
	make_updates(&u, 23);
	struct cf_aws_result res[23];
	struct cf_dynamodb_options opt = { .max_in_flight = 4 };
	struct cf_error err;
	ck_assert_int_eq(cf_dynamodb_update_items(f.client, u.r, 23, &opt, res, &err), CF_OK);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 23);
	for (size_t i = 0; i < 23; i++) {
		if (i == 7) {
			ck_assert_int_eq(res[i].status, CF_ERR_AWS);
			ck_assert_int_eq(res[i].error_class, CF_AWS_PERMANENT);
			ck_assert_int_eq(res[i].http_status, 400);
			ck_assert_str_eq(res[i].error_type, "ConditionalCheckFailedException");
			ck_assert_str_eq(res[i].error_message, "The conditional request failed");
			ck_assert_ptr_null(res[i].body);
			ck_assert_uint_eq(res[i].attempts, 1);
		} else {
			assert_updated(&res[i], u.products[i], 1);
		}
		cf_aws_result_clean_up(&res[i]);
	}
	ck_assert_uint_eq(f.clk.sleep_count, 0);
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.client), 500);
	fx_clean_up(&f);
}
END_TEST

START_TEST(test_throttled_item_retried)
{
	struct fixture f;
	fx_init(&f);
	f.server.throttle_product = "p2";
	struct updates u;
	make_updates(&u, 5);
	struct cf_aws_result res[5];
	struct cf_error err;
	ck_assert_int_eq(cf_dynamodb_update_items(f.client, u.r, 5, NULL, res, &err), CF_OK);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 6);
	ck_assert_mem_eq(cf_fake_transport_request(f.fake, 5)->body, u.r[2].body, u.r[2].body_len);
	ck_assert_uint_eq(f.spy.last_max_in_flight, 16);
	ck_assert_uint_eq(f.spy.last_count, 1);
	for (size_t i = 0; i < 5; i++) {
		assert_updated(&res[i], u.products[i], i == 2 ? 2 : 1);
		cf_aws_result_clean_up(&res[i]);
	}
	ck_assert_uint_eq(f.clk.sleep_count, 1);
	ck_assert_int_eq(f.clk.sleeps[0], 50);
	fx_clean_up(&f);
}
END_TEST

START_TEST(test_all_throttled)
{
	struct fixture f;
	fx_init(&f);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(f.fake, 1, CF_FAKE_FAIL_THROTTLING), CF_OK);
	struct updates u;
	make_updates(&u, 4);
	struct cf_aws_result res[4];
	struct cf_error err;
	ck_assert_int_eq(cf_dynamodb_update_items(f.client, u.r, 4, NULL, res, &err), CF_OK);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 12);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(res[i].status, CF_ERR_AWS);
		ck_assert_int_eq(res[i].error_class, CF_AWS_THROTTLING);
		ck_assert_str_eq(res[i].error_type, "ThrottlingException");
		ck_assert_uint_eq(res[i].attempts, 3);
		cf_aws_result_clean_up(&res[i]);
	}
	/* One backoff per round, shared by the requests of that round. */
	ck_assert_uint_eq(f.clk.sleep_count, 2);
	ck_assert_int_eq(f.clk.sleeps[0], 50);
	ck_assert_int_eq(f.clk.sleeps[1], 100);
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.client), 500 - 8 * 5);
	fx_clean_up(&f);
}
END_TEST

START_TEST(test_arguments)
{
	struct fixture f;
	fx_init(&f);
	struct updates u;
	make_updates(&u, 1);
	struct cf_aws_result res[1];
	struct cf_error err;
	ck_assert_int_eq(cf_dynamodb_update_items(NULL, u.r, 1, NULL, res, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(err.code, CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_dynamodb_update_items(f.client, NULL, 1, NULL, res, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_dynamodb_update_items(f.client, u.r, 1, NULL, NULL, NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_dynamodb_update_items(f.client, NULL, 0, NULL, NULL, &err), CF_OK);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 0);

	/* A deadline already past: no request, every result a timeout. */
	struct cf_dynamodb_options opt = { .deadline_ms = T0_MS - 1 };
	ck_assert_int_eq(cf_dynamodb_update_items(f.client, u.r, 1, &opt, res, &err), CF_OK);
	ck_assert_int_eq(res[0].status, CF_ERR_TIMEOUT);
	ck_assert_uint_eq(res[0].attempts, 0);
	cf_aws_result_clean_up(&res[0]);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.fake), 0);
	fx_clean_up(&f);
}
END_TEST

START_TEST(test_alloc_failures)
{
	struct updates u;
	make_updates(&u, 6);
	long n;
	for (n = 0;; n++) {
		ts_alloc_install(n);
		struct fixture f;
		memset(&f, 0, sizeof(f));
		f.clk = (struct test_clock){ .now_ms = T0_MS, .random = 0.5 };
		f.clock = (struct cf_clock){ tc_now, tc_sleep, tc_random, &f.clk };
		f.config = (struct cf_aws_config){ cfg_key, cfg_secret, NULL, cfg_region, cfg_endpoint, cfg_endpoint };
		f.server.fail_product = "p4";
		f.server.throttle_product = "p1";
		struct cf_aws_result res[6];
		memset(res, 0, sizeof(res));
		if (cf_fake_transport_new(&f.fake) != CF_OK)
			goto out;
		cf_fake_transport_set_handler(f.fake, ddb_handler, &f.server);
		struct cf_aws_client_options copt = { .config = &f.config,
						      .transport = cf_fake_transport_as_transport(f.fake),
						      .clock = &f.clock };
		struct cf_error err;
		if (cf_aws_client_new(&copt, &f.client, &err) != CF_OK)
			goto out;
		struct cf_dynamodb_options opt = { .max_in_flight = 2 };
		enum cf_status st = cf_dynamodb_update_items(f.client, u.r, 6, &opt, res, &err);
		if (st == CF_OK) {
			for (size_t i = 0; i < 6; i++) {
				if (!ts_alloc_failed() && i != 4)
					assert_updated(&res[i], u.products[i], i == 1 ? 2 : 1);
				if (res[i].status != CF_OK)
					ck_assert_ptr_null(res[i].body);
			}
			if (!ts_alloc_failed())
				ck_assert_str_eq(res[4].error_type, "ConditionalCheckFailedException");
		} else {
			ck_assert_msg(st == CF_ERR_NOMEM, "n=%ld: status %d", n, (int)st);
			ck_assert_int_eq(err.code, CF_ERR_NOMEM);
		}
	out:
		for (size_t i = 0; i < 6; i++)
			cf_aws_result_clean_up(&res[i]);
		cf_aws_client_destroy(f.client);
		cf_fake_transport_destroy(f.fake);
		bool failed = ts_alloc_failed();
		ck_assert_msg(ts_alloc_live() == 0, "n=%ld: %ld blocks leaked", n, ts_alloc_live());
		ts_alloc_uninstall();
		if (!failed)
			break;
	}
	ck_assert_int_gt(n, 10);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dynamodb_client");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_many_updates);
	tcase_add_test(tc, test_condition_failure_is_permanent);
	tcase_add_test(tc, test_throttled_item_retried);
	tcase_add_test(tc, test_all_throttled);
	tcase_add_test(tc, test_arguments);
	tcase_add_test(tc, test_alloc_failures);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
