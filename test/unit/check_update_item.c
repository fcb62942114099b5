/* Pure function 3: an order to UpdateItem request bodies, compared as parsed JSON with golden files. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cartflow/order.h"
#include "cartflow/update_item.h"
#include "test_support.h"

static struct cf_order *order_from_file(const char *name)
{
	size_t len;
	char *text = ts_read_data(name, &len);
	struct cf_order *order = NULL;
	struct cf_error err;
	ck_assert_msg(cf_order_parse(text, len, &order, &err) == CF_OK, "%s: %s", name, err.message);
	free(text);
	return order;
}

static struct cf_update_batch *updates_ok(const struct cf_order *order, const char *table, const char *status)
{
	struct cf_update_options opt = { .table_name = table, .status_value = status };
	struct cf_update_batch *batch = NULL;
	struct cf_error err;
	ck_assert_msg(cf_order_to_updates(order, &opt, &batch, &err) == CF_OK, "%s", err.message);
	ck_assert_ptr_nonnull(batch);
	ck_assert_uint_eq(batch->count, order->item_count);
	return batch;
}

/* Compare every body with the matching element of the JSON array in test/data/update_item/`name`. */
static void expect_bodies(const struct cf_update_batch *batch, const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "update_item/%s", name);
	size_t len;
	char *text = ts_read_data(path, &len);
	struct json_object *want = json_tokener_parse(text);
	free(text);
	ck_assert_msg(want && json_object_is_type(want, json_type_array), "%s is not a JSON array", path);
	ck_assert_uint_eq(json_object_array_length(want), batch->count);
	for (size_t i = 0; i < batch->count; i++) {
		const struct cf_update_request *r = &batch->requests[i];
		ck_assert_ptr_nonnull(r->body);
		ck_assert_uint_eq(strlen(r->body), r->body_len);
		const char *expected = json_object_to_json_string_ext(json_object_array_get_idx(want, i),
								      JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		ck_assert_msg(ts_json_equal(r->body, r->body_len, expected), "%s[%zu] differs", path, i);
	}
	json_object_put(want);
}

START_TEST(test_default_status)
{
	struct cf_order *order = order_from_file("orders/order_o1.item.json");
	struct cf_update_batch *batch = updates_ok(order, "carts", NULL);
	expect_bodies(batch, "order_o1.json");
	/* The ids are borrowed from the order, the third one from the order's user_id. */
	for (size_t i = 0; i < batch->count; i++) {
		ck_assert_ptr_eq(batch->requests[i].product_id.ptr, order->items[i].product_id.ptr);
		ck_assert_ptr_eq(batch->requests[i].user_id.ptr, order->items[i].user_id.ptr);
	}
	ts_assert_cfstr_eq(batch->requests[2].user_id, "u1");
	ts_assert_cfstr_eq(batch->requests[2].product_id, "p3");
	/* The exact bytes of one body, for the record. */
	ck_assert_str_eq(batch->requests[0].body,
			 "{\"TableName\":\"carts\",\"Key\":{\"PK\":{\"S\":\"USER#u1\"},\"SK\":{\"S\":\"PRODUCT#p1\"}},"
			 "\"ConditionExpression\":\"attribute_exists(PK)\","
			 "\"UpdateExpression\":\"SET cartProductStatus = :cartProductStatus\","
			 "\"ExpressionAttributeValues\":{\":cartProductStatus\":{\"S\":\"ORDERED\"}},"
			 "\"ReturnValues\":\"UPDATED_NEW\"}");
	cf_update_batch_destroy(batch);
	cf_order_destroy(order);
}
END_TEST

START_TEST(test_custom_table_and_status)
{
	struct cf_order *order = order_from_file("orders/order_o1.record.json");
	struct cf_update_batch *batch = updates_ok(order, "prod-carts_v2", "CANCELLED");
	expect_bodies(batch, "order_o1.cancelled.json");
	cf_update_batch_destroy(batch);
	cf_order_destroy(order);
}
END_TEST

START_TEST(test_special_characters_escaped)
{
	struct cf_order *order = order_from_file("orders/order_special.item.json");
	struct cf_update_batch *batch = updates_ok(order, "t\"able\\x", "ORDERED \"now\"");
	expect_bodies(batch, "order_special.json");
	/* Only '"', '\\' and control characters are escaped; other UTF-8 is written as is. */
	const char *b0 = batch->requests[0].body;
	ck_assert_ptr_nonnull(strstr(b0, "\"TableName\":\"t\\\"able\\\\x\""));
	ck_assert_ptr_nonnull(strstr(b0, "\"S\":\"USER#u\\\"1\\\\ \xC3\xBC\xF0\x9F\x98\x80\\n\\u0001\""));
	ck_assert_ptr_nonnull(strstr(b0, "\"S\":\"PRODUCT#p/\\\"q\\\"</script>\""));
	ck_assert_ptr_nonnull(strstr(b0, "{\"S\":\"ORDERED \\\"now\\\"\"}"));
	const char *b1 = batch->requests[1].body;
	ck_assert_ptr_nonnull(strstr(b1, "\"S\":\"USER#other\\\\user\\t\""));
	ck_assert_ptr_nonnull(strstr(b1, "\"S\":\"PRODUCT#caf\xC3\xA9 \xE2\x80\xA8\""));
	cf_update_batch_destroy(batch);
	cf_order_destroy(order);
}
END_TEST

START_TEST(test_nul_in_ids_survives)
{
	const char *body = "{\"order_id\":{\"S\":\"o\"},\"user_id\":{\"S\":\"u\\u0000v\"},"
			   "\"order_items\":{\"L\":[{\"M\":{\"productId\":{\"S\":\"p\\u0000\"}}}]}}";
	struct cf_order *order = NULL;
	ck_assert_int_eq(cf_order_parse(body, strlen(body), &order, NULL), CF_OK);
	struct cf_update_batch *batch = updates_ok(order, "carts", NULL);
	ck_assert_ptr_nonnull(strstr(batch->requests[0].body, "\"PK\":{\"S\":\"USER#u\\u0000v\"}"));
	ck_assert_ptr_nonnull(strstr(batch->requests[0].body, "\"SK\":{\"S\":\"PRODUCT#p\\u0000\"}"));
	ck_assert_uint_eq(strlen(batch->requests[0].body), batch->requests[0].body_len);
	cf_update_batch_destroy(batch);
	cf_order_destroy(order);
}
END_TEST

START_TEST(test_order_without_items)
{
	const char *body = "{\"order_id\":{\"S\":\"o\"},\"order_items\":{\"L\":[]}}";
	struct cf_order *order = NULL;
	ck_assert_int_eq(cf_order_parse(body, strlen(body), &order, NULL), CF_OK);
	struct cf_update_batch *batch = updates_ok(order, "carts", NULL);
	ck_assert_uint_eq(batch->count, 0);
	cf_update_batch_destroy(batch);
	cf_order_destroy(order);
}
END_TEST

START_TEST(test_many_items_each_body_separate)
{
	size_t n = 1000;
	size_t cap = n * 80 + 128;
	char *body = malloc(cap);
	ck_assert_ptr_nonnull(body);
	size_t o = (size_t)snprintf(body, cap, "{\"order_id\":{\"S\":\"o\"},\"user_id\":{\"S\":\"u\"},\"order_items\":{\"L\":[");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(body + o, cap - o, "%s{\"M\":{\"productId\":{\"S\":\"p%zu\"}}}", i ? "," : "", i);
	o += (size_t)snprintf(body + o, cap - o, "]}}");
	struct cf_order *order = NULL;
	ck_assert_int_eq(cf_order_parse(body, o, &order, NULL), CF_OK);
	free(body);
	struct cf_update_batch *batch = updates_ok(order, "carts", NULL);
	for (size_t i = 0; i < n; i++) {
		char want[512];
		snprintf(want, sizeof(want),
			 "{\"TableName\":\"carts\",\"Key\":{\"PK\":{\"S\":\"USER#u\"},\"SK\":{\"S\":\"PRODUCT#p%zu\"}},"
			 "\"ConditionExpression\":\"attribute_exists(PK)\","
			 "\"UpdateExpression\":\"SET cartProductStatus = :cartProductStatus\","
			 "\"ExpressionAttributeValues\":{\":cartProductStatus\":{\"S\":\"ORDERED\"}},"
			 "\"ReturnValues\":\"UPDATED_NEW\"}",
			 i);
		ck_assert_str_eq(batch->requests[i].body, want);
		ck_assert_uint_eq(batch->requests[i].body_len, strlen(want));
	}
	cf_update_batch_destroy(batch);
	cf_order_destroy(order);
}
END_TEST

START_TEST(test_arguments)
{
	struct cf_order *order = order_from_file("orders/order_o1.item.json");
	struct cf_update_batch *batch = (struct cf_update_batch *)&batch;
	struct cf_error err;
	struct cf_update_options no_table = { .table_name = NULL };
	struct cf_update_options empty_table = { .table_name = "" };
	struct cf_update_options ok = { .table_name = "t" };
	ck_assert_int_eq(cf_order_to_updates(order, NULL, &batch, &err), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(batch);
	batch = (struct cf_update_batch *)&batch;
	ck_assert_int_eq(cf_order_to_updates(order, &no_table, &batch, &err), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(batch);
	ck_assert_int_eq(cf_order_to_updates(order, &empty_table, &batch, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_order_to_updates(NULL, &ok, &batch, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(err.code, CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_order_to_updates(order, &ok, NULL, NULL), CF_ERR_INVALID_ARG);
	cf_update_batch_destroy(NULL);
	cf_order_destroy(order);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("update_item");
	TCase *tc = tcase_create("bodies");
	tcase_add_test(tc, test_default_status);
	tcase_add_test(tc, test_custom_table_and_status);
	tcase_add_test(tc, test_special_characters_escaped);
	tcase_add_test(tc, test_nul_in_ids_survives);
	tcase_add_test(tc, test_order_without_items);
	tcase_add_test(tc, test_many_items_each_body_separate);
	tcase_add_test(tc, test_arguments);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
