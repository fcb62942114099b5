/* Orders from SQS message bodies. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartflow/order.h"
#include "test_support.h"

static struct cf_order *parse_ok(const char *body, size_t len)
{
	struct cf_order *order = NULL;
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_status st = cf_order_parse(body, len, &order, &err);
	ts_assert_ok(st, order, &err);
	return order;
}

static struct cf_order *parse_file(const char *name)
{
	size_t len;
	char *text = ts_read_data(name, &len);
	struct cf_order *order = parse_ok(text, len);
	memset(text, '#', len); /* the order must not borrow the body */
	free(text);
	return order;
}

static void check_o1(const struct cf_order *o)
{
	ts_assert_cfstr_eq(o->pk, "USER#u1");
	ts_assert_cfstr_eq(o->sk, "ORDER#o1");
	ts_assert_cfstr_eq(o->gsi1pk, "ORDER#o1");
	ts_assert_cfstr_eq(o->gsi1sk, "USER#u1");
	ts_assert_cfstr_eq(o->order_id, "o1");
	ts_assert_cfstr_eq(o->user_id, "u1");
	ts_assert_cfstr_eq(o->order_status, "ORDERED");
	ts_assert_cfstr_eq(o->order_date, "2024-01-01T00:00:00Z");
	ts_assert_cfstr_eq(o->order_total, "7160");
	ck_assert_uint_eq(o->item_count, 3);
	const struct cf_order_item *it = o->items;
	ts_assert_cfstr_eq(it[0].product_id, "p1");
	ts_assert_cfstr_eq(it[0].user_id, "u1");
	ts_assert_cfstr_eq(it[0].quantity, "2");
	ts_assert_cfstr_eq(it[0].added_on, "2023-12-31T23:00:00Z");
	ts_assert_cfstr_eq(it[0].cart_product_status, "PENDING");
	/* quantity given as S. */
	ts_assert_cfstr_eq(it[1].product_id, "p2");
	ts_assert_cfstr_eq(it[1].quantity, "1");
	ts_assert_cfstr_eq(it[1].added_on, "2023-12-31T23:05:00Z");
	/* No userId: the order's user_id; absent optional fields stay absent. */
	ts_assert_cfstr_eq(it[2].product_id, "p3");
	ts_assert_cfstr_eq(it[2].user_id, "u1");
	ts_assert_cfstr_eq(it[2].quantity, "10");
	ck_assert_ptr_null(it[2].added_on.ptr);
	ck_assert_ptr_null(it[2].cart_product_status.ptr);
}

START_TEST(test_bare_item)
{
	struct cf_order *o = parse_file("orders/order_o1.item.json");
	check_o1(o);
	cf_order_destroy(o);
}
END_TEST

START_TEST(test_whole_stream_record)
{
	struct cf_order *o = parse_file("orders/order_o1.record.json");
	check_o1(o);
	cf_order_destroy(o);
}
END_TEST

START_TEST(test_both_shapes_give_identical_fields)
{
	struct cf_order *a = parse_file("orders/order_o1.item.json");
	struct cf_order *b = parse_file("orders/order_o1.record.json");
	ts_assert_cfstr_same(a->pk, b->pk);
	ts_assert_cfstr_same(a->sk, b->sk);
	ts_assert_cfstr_same(a->gsi1pk, b->gsi1pk);
	ts_assert_cfstr_same(a->gsi1sk, b->gsi1sk);
	ts_assert_cfstr_same(a->order_id, b->order_id);
	ts_assert_cfstr_same(a->user_id, b->user_id);
	ts_assert_cfstr_same(a->order_status, b->order_status);
	ts_assert_cfstr_same(a->order_date, b->order_date);
	ts_assert_cfstr_same(a->order_total, b->order_total);
	ck_assert_uint_eq(a->item_count, b->item_count);
	for (size_t i = 0; i < a->item_count; i++) {
		ts_assert_cfstr_same(a->items[i].product_id, b->items[i].product_id);
		ts_assert_cfstr_same(a->items[i].user_id, b->items[i].user_id);
		ts_assert_cfstr_same(a->items[i].quantity, b->items[i].quantity);
		ts_assert_cfstr_same(a->items[i].added_on, b->items[i].added_on);
		ts_assert_cfstr_same(a->items[i].cart_product_status, b->items[i].cart_product_status);
	}
	cf_order_destroy(a);
	cf_order_destroy(b);
}
END_TEST

START_TEST(test_minimal_and_odd_orders)
{
	/* Only what is required; user_id only on the order. */
	const char *min = "{\"order_id\":{\"S\":\"o\"},\"user_id\":{\"S\":\"u\"},\"order_items\":{\"L\":[{\"M\":{\"productId\":{\"S\":\"p\"}}}]}}";
	struct cf_order *o = parse_ok(min, strlen(min));
	ck_assert_ptr_null(o->pk.ptr);
	ck_assert_ptr_null(o->order_total.ptr);
	ck_assert_uint_eq(o->item_count, 1);
	ts_assert_cfstr_eq(o->items[0].user_id, "u");
	ck_assert_ptr_null(o->items[0].quantity.ptr);
	cf_order_destroy(o);

	/* userId on every item and no user_id on the order is fine. */
	const char *no_order_user =
		"{\"order_id\":{\"S\":\"o\"},\"order_items\":{\"L\":[{\"M\":{\"productId\":{\"S\":\"p\"},\"userId\":{\"S\":\"x\"}}}]}}";
	o = parse_ok(no_order_user, strlen(no_order_user));
	ck_assert_ptr_null(o->user_id.ptr);
	ts_assert_cfstr_eq(o->items[0].user_id, "x");
	cf_order_destroy(o);

	/* No items at all. */
	const char *empty = "{\"order_id\":{\"S\":\"o\"},\"order_items\":{\"L\":[]}}";
	o = parse_ok(empty, strlen(empty));
	ck_assert_uint_eq(o->item_count, 0);
	cf_order_destroy(o);

	/* BOM, whitespace, escapes and non-ASCII ids. */
	const char *fancy = "\xEF\xBB\xBF\n{ \"order_id\" : {\"S\":\"o\\\"1\\\\\"}, \"user_id\":{\"S\":\"\\u00fc\xF0\x9F\x98\x80\"},"
			    " \"order_items\":{\"L\":[{\"M\":{\"productId\":{\"S\":\"p\\u0000x\"}}}]} }\n";
	o = parse_ok(fancy, strlen(fancy));
	ts_assert_cfstr_eq(o->order_id, "o\"1\\");
	ts_assert_cfstr_eq(o->user_id, "\xC3\xBC\xF0\x9F\x98\x80");
	ck_assert_uint_eq(o->items[0].product_id.len, 3);
	ck_assert_mem_eq(o->items[0].product_id.ptr, "p\0x", 3);
	cf_order_destroy(o);
}
END_TEST

START_TEST(test_unknown_attributes_ignored)
{
	const char *body =
		"{\"zzz\":{\"BS\":[\"AAAA\"]},\"order_id\":{\"S\":\"o\"},\"extra\":{\"M\":{\"productId\":{\"N\":\"1\"}}},"
		"\"order_items\":{\"L\":[{\"M\":{\"productId\":{\"S\":\"p\"},\"userId\":{\"S\":\"u\"},\"colour\":{\"S\":\"red\"},"
		"\"price\":{\"N\":\"9.99\"}}}]},\"Order_Id\":{\"N\":\"1\"}}";
	struct cf_order *o = parse_ok(body, strlen(body));
	ts_assert_cfstr_eq(o->order_id, "o");
	ck_assert_uint_eq(o->item_count, 1);
	cf_order_destroy(o);
}
END_TEST

#define ITEM_OK "{\"M\":{\"productId\":{\"S\":\"p\"},\"userId\":{\"S\":\"u\"},\"quantity\":{\"N\":\"1\"}}}"
#define HEAD "{\"order_id\":{\"S\":\"o1\"},\"user_id\":{\"S\":\"u1\"},"

static const struct {
	const char *body;
	enum cf_status status;
	const char *message; /* exact; NULL: any message starting "offset " */
} order_errors[] = {
	{ "", CF_ERR_JSON, "$: empty body" },
	{ "{}", CF_ERR_MISSING, "$.order_id: missing" },
	{ "not json", CF_ERR_JSON, NULL },
	{ "   ", CF_ERR_JSON, NULL },
	{ "{\"order_id\":{\"S\":\"o1\"}", CF_ERR_JSON, NULL },
	{ "{{{body}}}", CF_ERR_JSON, NULL },
	{ "[]", CF_ERR_TYPE, "$: expected a JSON object, got array" },
	{ "\"order\"", CF_ERR_TYPE, "$: expected a JSON object, got string" },
	{ "{\"user_id\":{\"S\":\"u1\"},\"order_items\":{\"L\":[" ITEM_OK "]}}", CF_ERR_MISSING, "$.order_id: missing" },
	{ "{\"order_id\":{\"N\":\"1\"},\"order_items\":{\"L\":[" ITEM_OK "]}}", CF_ERR_TYPE, "$.order_id: expected S, got N" },
	{ "{\"order_id\":\"o1\"}", CF_ERR_TYPE, "$.order_id: expected a typed value such as {\"S\":\"...\"}, got string" },
	{ HEAD "\"x\":1}", CF_ERR_TYPE, "$.x: expected a typed value such as {\"S\":\"...\"}, got number" },
	{ HEAD "\"order_status\":{\"S\":\"ORDERED\"}}", CF_ERR_MISSING, "$.order_items: missing" },
	{ HEAD "\"order_items\":{\"M\":{}}}", CF_ERR_TYPE, "$.order_items: expected L, got M" },
	{ HEAD "\"order_items\":{\"SS\":[\"p\"]}}", CF_ERR_TYPE, "$.order_items: expected L, got SS" },
	{ HEAD "\"order_items\":{\"L\":[" ITEM_OK ",{\"S\":\"p2\"}]}}", CF_ERR_TYPE, "$.order_items.L[1]: expected M, got S" },
	{ HEAD "\"order_items\":{\"L\":[" ITEM_OK "," ITEM_OK ",{\"M\":{\"userId\":{\"S\":\"u\"}}}]}}", CF_ERR_MISSING,
	  "$.order_items.L[2].M.productId: missing" },
	{ HEAD "\"order_items\":{\"L\":[" ITEM_OK "," ITEM_OK ",{\"M\":{\"productId\":{\"N\":\"3\"}}}]}}", CF_ERR_TYPE,
	  "$.order_items.L[2].M.productId: expected S, got N" },
	{ "{\"order_id\":{\"S\":\"o1\"},\"order_items\":{\"L\":[{\"M\":{\"productId\":{\"S\":\"p\"}}}]}}", CF_ERR_MISSING,
	  "$.order_items.L[0].M.userId: missing, and the order has no user_id" },
	{ HEAD "\"order_items\":{\"L\":[{\"M\":{\"productId\":{\"S\":\"p\"},\"userId\":{\"N\":\"7\"}}}]}}", CF_ERR_TYPE,
	  "$.order_items.L[0].M.userId: expected S, got N" },
	{ HEAD "\"order_items\":{\"L\":[{\"M\":{\"productId\":{\"S\":\"p\"},\"quantity\":{\"BOOL\":true}}}]}}", CF_ERR_TYPE,
	  "$.order_items.L[0].M.quantity: expected N, got BOOL" },
	{ HEAD "\"order_items\":{\"L\":[{\"M\":{\"productId\":{\"S\":\"p\"},\"addedOn\":{\"N\":\"1\"}}}]}}", CF_ERR_TYPE,
	  "$.order_items.L[0].M.addedOn: expected S, got N" },
	{ HEAD "\"order_items\":{\"L\":[{\"M\":{\"productId\":{\"S\":\"p\"},\"quantity\":{\"N\":\"two\"}}}]}}", CF_ERR_NUMBER,
	  "$.order_items.L[0].M.quantity.N: invalid number: no digits" },
	{ HEAD "\"order_total\":{\"S\":\"7160\"},\"order_items\":{\"L\":[]}}", CF_ERR_TYPE, "$.order_total: expected N, got S" },
	{ "{\"order_id\":{\"S\":\"o1\"},\"user_id\":{\"NULL\":true},\"order_items\":{\"L\":[]}}", CF_ERR_TYPE,
	  "$.user_id: expected S, got NULL" },
	{ HEAD "\"order_status\":{\"N\":\"1\"},\"order_items\":{\"L\":[]}}", CF_ERR_TYPE, "$.order_status: expected S, got N" },
	{ HEAD "\"junk\":{\"N\":\"abc\"},\"order_items\":{\"L\":[]}}", CF_ERR_NUMBER, "$.junk.N: invalid number: no digits" },
	{ HEAD "\"blob\":{\"B\":\"!!\"},\"order_items\":{\"L\":[]}}", CF_ERR_BASE64, "$.blob.B: invalid base64" },
	/* A whole stream record. */
	{ "{\"eventID\":\"1\",\"dynamodb\":{\"Keys\":{}}}", CF_ERR_MISSING,
	  "$.dynamodb.NewImage: missing (a stream record body needs its NewImage)" },
	{ "{\"dynamodb\":{\"NewImage\":[]}}", CF_ERR_TYPE, "$.dynamodb.NewImage: expected a JSON object, got array" },
	{ "{\"dynamodb\":{\"NewImage\":{}}}", CF_ERR_MISSING, "$.dynamodb.NewImage.order_id: missing" },
	{ "{\"dynamodb\":{\"NewImage\":" HEAD "\"order_items\":{\"L\":[" ITEM_OK "," ITEM_OK
	  ",{\"M\":{\"userId\":{\"S\":\"u\"}}}]}}}}",
	  CF_ERR_MISSING, "$.dynamodb.NewImage.order_items.L[2].M.productId: missing" },
	{ "{\"dynamodb\":{\"NewImage\":{\"order_id\":{\"S\":1}}}}", CF_ERR_TYPE,
	  "$.dynamodb.NewImage.order_id.S: expected a JSON string, got number" },
};

START_TEST(test_order_errors)
{
	struct cf_order *o = (struct cf_order *)&o;
	struct cf_error err;
	cf_error_clear(&err);
	const char *body = order_errors[_i].body;
	enum cf_status st = cf_order_parse(body, strlen(body), &o, &err);
	ts_assert_failed(body, st, o, &err, order_errors[_i].status, order_errors[_i].message);
	if (!order_errors[_i].message)
		ck_assert_msg(strncmp(err.message, "offset ", 7) == 0, "%s: \"%s\"", body, err.message);
}
END_TEST

START_TEST(test_arguments)
{
	struct cf_order *o = (struct cf_order *)&o;
	ck_assert_int_eq(cf_order_parse("{}", 2, NULL, NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_order_parse(NULL, 0, &o, NULL), CF_ERR_JSON);
	ck_assert_ptr_null(o);
	o = (struct cf_order *)&o;
	ck_assert_int_eq(cf_order_parse(NULL, 5, &o, NULL), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(o);
	cf_order_destroy(NULL);
}
END_TEST

START_TEST(test_large_order)
{
	size_t n = 2000;
	size_t cap = n * 120 + 256;
	char *body = malloc(cap);
	ck_assert_ptr_nonnull(body);
	size_t o = (size_t)snprintf(body, cap, HEAD "\"order_items\":{\"L\":[");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(body + o, cap - o, "%s{\"M\":{\"productId\":{\"S\":\"p%zu\"},\"quantity\":{\"N\":\"%zu\"}}}",
				      i ? "," : "", i, i + 1);
	o += (size_t)snprintf(body + o, cap - o, "]}}");
	struct cf_order *order = parse_ok(body, o);
	free(body);
	ck_assert_uint_eq(order->item_count, n);
	ts_assert_cfstr_eq(order->items[1999].product_id, "p1999");
	ts_assert_cfstr_eq(order->items[1999].quantity, "2000");
	ts_assert_cfstr_eq(order->items[1999].user_id, "u1");
	cf_order_destroy(order);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("order");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_bare_item);
	tcase_add_test(tc, test_whole_stream_record);
	tcase_add_test(tc, test_both_shapes_give_identical_fields);
	tcase_add_test(tc, test_minimal_and_odd_orders);
	tcase_add_test(tc, test_unknown_attributes_ignored);
	tcase_add_test(tc, test_large_order);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_order_errors, 0, (int)(sizeof(order_errors) / sizeof(order_errors[0])));
	tcase_add_test(tc, test_arguments);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
