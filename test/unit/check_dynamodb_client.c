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

#include "aws_rig.h"
#include "cartflow/aws_client.h"
#include "cartflow/dynamodb_client.h"
#include "cartflow/fake_transport.h"
#include "cartflow/transport.h"
#include "cartflow/update_item.h"
#include "test_support.h"

/* ---- a fake DynamoDB ---- */

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
	struct json_object *root = ts_json_parse_n(req->body, req->body_len), *key, *sk, *s;
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

struct fixture {
	struct aws_rig rig;
	struct ddb_server server;
};

/* The rig with the fake DynamoDB answering, its server reset. */
static void fx_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	aws_rig_init(&f->rig, &(struct aws_rig_options){ .handler = ddb_handler, .handler_user = &f->server });
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

/* make_updates, then cf_dynamodb_update_items on them with `opt` (NULL: the defaults), expecting CF_OK. */
static void make_and_update(struct fixture *f, struct updates *u, size_t n, const struct cf_dynamodb_options *opt,
			    struct cf_aws_result *res)
{
	make_updates(u, n);
	struct cf_error err;
	ck_assert_int_eq(cf_dynamodb_update_items(f->rig.client, u->r, n, opt, res, &err), CF_OK);
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
	struct cf_aws_result res[23];
	struct cf_dynamodb_options opt = { .max_in_flight = 4 };
	make_and_update(&f, &u, 23, &opt, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 23);
	ck_assert_uint_eq(f.rig.spy.batches, 1);
	ck_assert_uint_eq(f.rig.spy.last_count, 23);
	ck_assert_uint_eq(f.rig.spy.last_max_in_flight, 4);
	for (size_t i = 0; i < 23; i++) {
		assert_updated(&res[i], u.products[i], 1);
		const struct cf_http_request *r = cf_fake_transport_request(f.rig.fake, i);
		ck_assert_str_eq(r->url, "http://127.0.0.1:1/");
		ck_assert_uint_eq(r->body_len, u.r[i].body_len);
		ck_assert_mem_eq(r->body, u.r[i].body, u.r[i].body_len);
		ck_assert_str_eq(ar_header(r, "X-Amz-Target"), "DynamoDB_20120810.UpdateItem");
		cf_aws_result_clean_up(&res[i]);
	}
	ck_assert_uint_eq(f.rig.clk.sleep_count, 0);
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_condition_failure_is_permanent)
{
	struct fixture f;
	fx_init(&f);
	f.server.fail_product = "p7";
	struct updates u;
	struct cf_aws_result res[23];
	struct cf_dynamodb_options opt = { .max_in_flight = 4 };
	make_and_update(&f, &u, 23, &opt, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 23);
	for (size_t i = 0; i < 23; i++) {
		if (i == 7) {
			ar_assert_result(&res[i], CF_ERR_AWS, CF_AWS_PERMANENT, "ConditionalCheckFailedException", 1);
			ck_assert_int_eq(res[i].http_status, 400);
			ck_assert_str_eq(res[i].error_message, "The conditional request failed");
			ck_assert_ptr_null(res[i].body);
		} else {
			assert_updated(&res[i], u.products[i], 1);
		}
		cf_aws_result_clean_up(&res[i]);
	}
	ck_assert_uint_eq(f.rig.clk.sleep_count, 0);
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.rig.client), 500);
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_throttled_item_retried)
{
	struct fixture f;
	fx_init(&f);
	f.server.throttle_product = "p2";
	struct updates u;
	struct cf_aws_result res[5];
	make_and_update(&f, &u, 5, NULL, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 6);
	ck_assert_mem_eq(cf_fake_transport_request(f.rig.fake, 5)->body, u.r[2].body, u.r[2].body_len);
	ck_assert_uint_eq(f.rig.spy.last_max_in_flight, 32);
	ck_assert_uint_eq(f.rig.spy.last_count, 1);
	for (size_t i = 0; i < 5; i++) {
		assert_updated(&res[i], u.products[i], i == 2 ? 2 : 1);
		cf_aws_result_clean_up(&res[i]);
	}
	ar_assert_sleeps(&f.rig.clk, 1, (const int64_t[]){ 50 });
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_all_throttled)
{
	struct fixture f;
	fx_init(&f);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(f.rig.fake, 1, CF_FAKE_FAIL_THROTTLING), CF_OK);
	struct updates u;
	struct cf_aws_result res[4];
	make_and_update(&f, &u, 4, NULL, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 12);
	for (size_t i = 0; i < 4; i++) {
		ar_assert_result(&res[i], CF_ERR_AWS, CF_AWS_THROTTLING, "ThrottlingException", 3);
		cf_aws_result_clean_up(&res[i]);
	}
	/* One backoff per round, shared by the requests of that round. */
	ar_assert_sleeps(&f.rig.clk, 2, (const int64_t[]){ 50, 100 });
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.rig.client), 500 - 8 * 5);
	aws_rig_clean_up(&f.rig);
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
	ck_assert_int_eq(cf_dynamodb_update_items(f.rig.client, NULL, 1, NULL, res, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_dynamodb_update_items(f.rig.client, u.r, 1, NULL, NULL, NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_dynamodb_update_items(f.rig.client, NULL, 0, NULL, NULL, &err), CF_OK);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 0);

	/* A deadline already past: no request, every result a timeout. */
	struct cf_dynamodb_options opt = { .deadline_ms = AR_T0_MS - 1 };
	ck_assert_int_eq(cf_dynamodb_update_items(f.rig.client, u.r, 1, &opt, res, &err), CF_OK);
	ck_assert_int_eq(res[0].status, CF_ERR_TIMEOUT);
	ck_assert_uint_eq(res[0].attempts, 0);
	cf_aws_result_clean_up(&res[0]);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 0);
	aws_rig_clean_up(&f.rig);
}
END_TEST

struct alloc_case {
	struct ddb_server server;
	struct updates u;
};

static void alloc_round(struct aws_rig *rig, long n, void *user)
{
	struct alloc_case *c = user;
	c->server = (struct ddb_server){ .fail_product = "p4", .throttle_product = "p1" };
	struct cf_aws_result res[6];
	memset(res, 0, sizeof(res));
	struct cf_dynamodb_options opt = { .max_in_flight = 2 };
	struct cf_error err;
	enum cf_status st = cf_dynamodb_update_items(rig->client, c->u.r, 6, &opt, res, &err);
	if (st == CF_OK) {
		for (size_t i = 0; i < 6; i++) {
			if (!ts_alloc_failed() && i != 4)
				assert_updated(&res[i], c->u.products[i], i == 1 ? 2 : 1);
			if (res[i].status != CF_OK)
				ck_assert_ptr_null(res[i].body);
		}
		if (!ts_alloc_failed())
			ck_assert_str_eq(res[4].error_type, "ConditionalCheckFailedException");
	} else {
		ck_assert_msg(st == CF_ERR_NOMEM, "n=%ld: status %d", n, (int)st);
		ck_assert_int_eq(err.code, CF_ERR_NOMEM);
	}
	for (size_t i = 0; i < 6; i++)
		cf_aws_result_clean_up(&res[i]);
}

START_TEST(test_alloc_failures)
{
	struct alloc_case c;
	make_updates(&c.u, 6);
	const struct aws_rig_options opt = { .handler = ddb_handler, .handler_user = &c.server };
	ck_assert_int_gt(aws_rig_alloc_failures(&opt, alloc_round, &c), 10);
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
