/*
 * Allocation failures: every transform is run under an allocator that fails its Nth allocation, for
 * N = 0, 1, 2, ... until the call gets through without a failure. Each failing N must give
 * CF_ERR_NOMEM, a NULL output and no live allocation; the successful run must leak nothing either.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "cartflow/alloc.h"
#include "cartflow/attr.h"
#include "cartflow/batch_response.h"
#include "cartflow/forward.h"
#include "cartflow/order.h"
#include "cartflow/sqs_event.h"
#include "cartflow/stream_event.h"
#include "cartflow/update_item.h"
#include "json.h"
#include "test_support.h"

/* One call under test. Inputs are prepared with the default allocator before the loop starts. */
struct alloc_case {
	const char *name;
	enum cf_status (*call)(const struct alloc_case *c, void **out, struct cf_error *err);
	void (*destroy)(void *out);
	bool has_err;          /* the call fills a struct cf_error */
	enum cf_status want;   /* status once no allocation fails (CF_OK, or an input error) */
	const char *text;      /* JSON input */
	size_t len;
	const void *obj;       /* prepared input object */
	size_t count;
	bool fifo;
};

static char sentinel;
#define NOT_SET ((void *)&sentinel)

static void fail_each_allocation(const struct alloc_case *c)
{
	long n;
	for (n = 0;; n++) {
		ck_assert_msg(n < 1000000, "%s: never got through", c->name);
		void *out = NOT_SET;
		struct cf_error err;
		cf_error_clear(&err);
		ts_alloc_install(n);
		enum cf_status st = c->call(c, &out, &err);
		bool injected = ts_alloc_failed();
		ts_alloc_stop_failing();
		if (!injected) {
			ck_assert_msg(st == c->want, "%s: without failures got %d (%s), want %d", c->name, st, err.message,
				      c->want);
			if (st == CF_OK) {
				ck_assert_ptr_nonnull(out);
				ck_assert_ptr_ne(out, NOT_SET);
				c->destroy(out);
			} else {
				ck_assert_ptr_null(out);
			}
			ck_assert_msg(ts_alloc_live() == 0, "%s: %ld blocks leaked after success", c->name, ts_alloc_live());
			ts_alloc_uninstall();
			break;
		}
		ck_assert_msg(st == CF_ERR_NOMEM, "%s: allocation %ld failed, but the call returned %d (%s)", c->name, n, st,
			      err.message);
		ck_assert_msg(out == NULL, "%s: allocation %ld failed, but *out was not set to NULL", c->name, n);
		if (c->has_err)
			ck_assert_msg(err.code == CF_ERR_NOMEM, "%s: allocation %ld: err.code %d", c->name, n, err.code);
		ck_assert_msg(ts_alloc_live() == 0, "%s: allocation %ld failed and %ld blocks leaked", c->name, n,
			      ts_alloc_live());
		ts_alloc_uninstall();
	}
	ck_assert_msg(n > 0, "%s: made no allocation at all", c->name);
}

static void teardown(void)
{
	/* After a failed assertion (CK_FORK=no), later tests must not run under the test allocator. */
	ts_alloc_uninstall();
}

/* ---- calls ---- */

static enum cf_status call_parse_item(const struct alloc_case *c, void **out, struct cf_error *err)
{
	return cf_attr_doc_parse_item(c->text, c->len, (struct cf_attr_doc **)out, err);
}

static enum cf_status call_parse_value(const struct alloc_case *c, void **out, struct cf_error *err)
{
	return cf_attr_doc_parse_value(c->text, c->len, (struct cf_attr_doc **)out, err);
}

static void destroy_doc(void *out) { cf_attr_doc_destroy(out); }

static enum cf_status call_write_item(const struct alloc_case *c, void **out, struct cf_error *err)
{
	(void)err;
	char *s = NOT_SET;
	size_t len;
	enum cf_status st = cf_attr_write_item(c->obj, &s, &len);
	*out = s;
	return st;
}

static enum cf_status call_write_value(const struct alloc_case *c, void **out, struct cf_error *err)
{
	(void)err;
	char *s = NOT_SET;
	size_t len;
	enum cf_status st = cf_attr_write_value(c->obj, &s, &len);
	*out = s;
	return st;
}

static enum cf_status call_binary_decode(const struct alloc_case *c, void **out, struct cf_error *err)
{
	unsigned char *bytes = NOT_SET;
	size_t len;
	enum cf_status st = cf_attr_binary_decode(c->obj, &bytes, &len, err);
	*out = bytes;
	return st;
}

static void destroy_string(void *out) { cf_free(out); }

static enum cf_status call_stream_parse(const struct alloc_case *c, void **out, struct cf_error *err)
{
	return cf_stream_event_parse(c->text, c->len, (struct cf_stream_event **)out, err);
}

static void destroy_stream(void *out) { cf_stream_event_destroy(out); }

static enum cf_status call_forward(const struct alloc_case *c, void **out, struct cf_error *err)
{
	struct cf_forward_options opt = { .fifo = c->fifo };
	return cf_forward_event(c->obj, &opt, (struct cf_forward_batch **)out, err);
}

static void destroy_forward(void *out) { cf_forward_batch_destroy(out); }

static enum cf_status call_sqs_parse(const struct alloc_case *c, void **out, struct cf_error *err)
{
	return cf_sqs_event_parse(c->text, c->len, (struct cf_sqs_event **)out, err);
}

static void destroy_sqs(void *out) { cf_sqs_event_destroy(out); }

static enum cf_status call_order_parse(const struct alloc_case *c, void **out, struct cf_error *err)
{
	return cf_order_parse(c->text, c->len, (struct cf_order **)out, err);
}

static void destroy_order(void *out) { cf_order_destroy(out); }

static enum cf_status call_order_to_updates(const struct alloc_case *c, void **out, struct cf_error *err)
{
	struct cf_update_options opt = { .table_name = "carts", .status_value = c->fifo ? "CANCELLED" : NULL };
	return cf_order_to_updates(c->obj, &opt, (struct cf_update_batch **)out, err);
}

static void destroy_updates(void *out) { cf_update_batch_destroy(out); }

static enum cf_status call_batch_response(const struct alloc_case *c, void **out, struct cf_error *err)
{
	(void)err;
	char *s = NOT_SET;
	size_t len;
	enum cf_status st = cf_batch_response_write(c->obj, c->count, &s, &len);
	*out = s;
	return st;
}

/* The internal JSON parser: the arena is the caller's, cleaned here on failure as a caller would. */
struct json_result {
	struct cf_arena arena;
	const struct cf_json *root;
};

static enum cf_status call_json_parse(const struct alloc_case *c, void **out, struct cf_error *err)
{
	struct json_result *r = malloc(sizeof(*r)); /* test bookkeeping, not a library allocation */
	ck_assert_ptr_nonnull(r);
	r->arena = (struct cf_arena){ 0 };
	enum cf_status st = cf_json_parse(&r->arena, c->text, c->len, &r->root, err);
	if (st) {
		ck_assert_ptr_null(r->root);
		cf_arena_clean_up(&r->arena);
		free(r);
		*out = NULL;
		return st;
	}
	*out = r;
	return st;
}

static void destroy_json(void *out)
{
	struct json_result *r = out;
	cf_arena_clean_up(&r->arena);
	free(r);
}

/* ---- inputs ---- */

/* An item with every type and `extra` more string members: large enough for several arena chunks. */
static char *big_item(size_t extra, size_t *len)
{
	size_t cap = 1024 + extra * 64;
	char *s = malloc(cap);
	ck_assert_ptr_nonnull(s);
	size_t o = (size_t)snprintf(s, cap,
				    "{\"s\":{\"S\":\"te\\u0000xt \\ud83d\\ude00\"},\"n\":{\"N\":\"-1.5E+10\"},\"b\":{\"B\":\"aGVsbG8=\"},"
				    "\"t\":{\"BOOL\":true},\"nul\":{\"NULL\":true},\"m\":{\"M\":{\"inner\":{\"L\":[{\"N\":\"1\"},"
				    "{\"SS\":[\"a\",\"b\"]}]}}},\"ns\":{\"NS\":[\"1\",\"2\"]},\"bs\":{\"BS\":[\"AAAA\"]}");
	for (size_t i = 0; i < extra; i++)
		o += (size_t)snprintf(s + o, cap - o, ",\"attribute_%04zu\":{\"S\":\"value \\\"%zu\\\"\"}", i, i);
	o += (size_t)snprintf(s + o, cap - o, "}");
	*len = o;
	return s;
}

static struct cf_attr_doc *parse_doc(const char *text, size_t len, bool item)
{
	struct cf_attr_doc *doc = NULL;
	struct cf_error err;
	enum cf_status st = item ? cf_attr_doc_parse_item(text, len, &doc, &err) : cf_attr_doc_parse_value(text, len, &doc, &err);
	ck_assert_msg(st == CF_OK, "%s", err.message);
	return doc;
}

#define ORDERED_IMAGE(order_id)                                                                                \
	"{\"order_id\":" order_id ",\"user_id\":{\"S\":\"u1\"},\"order_status\":{\"S\":\"ORDERED\"},"             \
	"\"order_total\":{\"N\":\"7160\"},\"order_items\":{\"L\":[{\"M\":{\"productId\":{\"S\":\"p1\"},"          \
	"\"quantity\":{\"N\":\"2\"}}}]}}"

/* Records that take every path of cf_forward_event: forwarded, skipped, unreadable, FIFO-unusable. */
static const char forward_event_json[] =
	"{\"Records\":["
	"{\"eventID\":\"e0\",\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\",\"NewImage\":" ORDERED_IMAGE("{\"S\":\"o1\"}") "}},"
	"{\"eventID\":\"e1\",\"eventName\":\"REMOVE\",\"dynamodb\":{\"SequenceNumber\":\"2\"}},"
	"{\"eventID\":\"e2\",\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"3\",\"NewImage\":{\"a\":{\"N\":\"x\"}}}},"
	"{\"eventID\":\"e3\",\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"4\",\"NewImage\":" ORDERED_IMAGE("{\"N\":\"1\"}") "}},"
	"{\"eventID\":\"event id with spaces\",\"eventName\":\"MODIFY\",\"dynamodb\":{\"SequenceNumber\":\"5\","
	"\"NewImage\":" ORDERED_IMAGE("{\"S\":\"order 5\"}") ",\"OldImage\":{\"order_status\":{\"S\":\"PENDING\"}}}},"
	"{\"eventID\":\"e5\",\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"6\",\"NewImage\":" ORDERED_IMAGE("{\"S\":\"o6\"}") "}}"
	"]}";

/* ---- tests ---- */

START_TEST(test_attr_doc_parse)
{
	size_t len;
	char *item = big_item(200, &len);
	struct alloc_case c = { .name = "cf_attr_doc_parse_item", .call = call_parse_item, .destroy = destroy_doc,
				.has_err = true, .text = item, .len = len };
	fail_each_allocation(&c);
	const char *value = "{\"L\":[{\"M\":{\"a\":{\"S\":\"x\\n\"}}},{\"NS\":[\"1\"]},{\"B\":\"AAAA\"}]}";
	c = (struct alloc_case){ .name = "cf_attr_doc_parse_value", .call = call_parse_value, .destroy = destroy_doc,
				 .has_err = true, .text = value, .len = strlen(value) };
	fail_each_allocation(&c);
	/* Input errors found after some allocations are reported as themselves once memory suffices. */
	const char *bad = "{\"a\":{\"S\":\"x\"},\"b\":{\"M\":{\"c\":{\"N\":\"1e\"}}}}";
	c = (struct alloc_case){ .name = "cf_attr_doc_parse_item (bad number)", .call = call_parse_item,
				 .destroy = destroy_doc, .has_err = true, .want = CF_ERR_NUMBER, .text = bad,
				 .len = strlen(bad) };
	fail_each_allocation(&c);
	free(item);
}
END_TEST

START_TEST(test_attr_write)
{
	size_t len;
	char *item = big_item(300, &len);
	struct cf_attr_doc *doc = parse_doc(item, len, true);
	struct alloc_case c = { .name = "cf_attr_write_item", .call = call_write_item, .destroy = destroy_string,
				.obj = cf_attr_doc_root(doc) };
	fail_each_allocation(&c);
	c.name = "cf_attr_write_value";
	c.call = call_write_value;
	fail_each_allocation(&c);
	cf_attr_doc_destroy(doc);
	free(item);
}
END_TEST

START_TEST(test_attr_binary_decode)
{
	struct cf_attr_doc *doc = parse_doc("{\"B\":\"aGVsbG8gd29ybGQ=\"}", 24, false);
	struct alloc_case c = { .name = "cf_attr_binary_decode", .call = call_binary_decode, .destroy = destroy_string,
				.has_err = true, .obj = cf_attr_doc_root(doc) };
	fail_each_allocation(&c);
	cf_attr_doc_destroy(doc);
}
END_TEST

START_TEST(test_stream_event_parse)
{
	static const char *const files[] = {
		"events/powertools-java-dynamo_event_big.json",     /* 12 records */
		"events/rust-runtime-example-dynamodb-event.json",  /* every attribute type */
		"events/powertools-ts-parser_DynamoDB.json",        /* records that fail: problems are copied */
		"events/dotnet-dynamodb-timewindow-event.json",     /* BOM */
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *text = ts_read_data(files[i], &len);
		struct alloc_case c = { .name = files[i], .call = call_stream_parse, .destroy = destroy_stream,
					.has_err = true, .text = text, .len = len };
		fail_each_allocation(&c);
		free(text);
	}
	/* Whole-event errors after allocations. */
	size_t len;
	char *text = ts_read_data("events/awsdocs-lambda-guide-sqs-record.json", &len);
	struct alloc_case c = { .name = "stream parse of an SQS event", .call = call_stream_parse,
				.destroy = destroy_stream, .has_err = true, .want = CF_ERR_NOT_EVENT, .text = text,
				.len = len };
	fail_each_allocation(&c);
	free(text);
	text = ts_read_data("events/lambda-go-dynamodb-event-malformed.2.json", &len);
	c = (struct alloc_case){ .name = "stream parse of broken JSON", .call = call_stream_parse,
				 .destroy = destroy_stream, .has_err = true, .want = CF_ERR_JSON, .text = text, .len = len };
	fail_each_allocation(&c);
	free(text);
}
END_TEST

static void forward_under_failures(bool fifo, const char *text, size_t len, const char *name)
{
	struct cf_stream_event *ev = NULL;
	struct cf_error err;
	ck_assert_msg(cf_stream_event_parse(text, len, &ev, &err) == CF_OK, "%s", err.message);
	struct alloc_case c = { .name = name, .call = call_forward, .destroy = destroy_forward, .has_err = true,
				.obj = ev, .fifo = fifo };
	fail_each_allocation(&c);
	cf_stream_event_destroy(ev);
}

START_TEST(test_forward_event_standard)
{
	forward_under_failures(false, forward_event_json, sizeof(forward_event_json) - 1, "cf_forward_event");
	/* Many messages: the body buffer grows several times. */
	size_t cap = 200 * 400 + 64;
	char *big = malloc(cap);
	ck_assert_ptr_nonnull(big);
	size_t o = (size_t)snprintf(big, cap, "{\"Records\":[");
	for (int i = 0; i < 200; i++)
		o += (size_t)snprintf(big + o, cap - o,
				      "%s{\"eventID\":\"e%d\",\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"%d\","
				      "\"NewImage\":" ORDERED_IMAGE("{\"S\":\"o%d\"}") "}}",
				      i ? "," : "", i, i, i);
	o += (size_t)snprintf(big + o, cap - o, "]}");
	forward_under_failures(false, big, o, "cf_forward_event (200 messages)");
	forward_under_failures(true, big, o, "cf_forward_event FIFO (200 messages)");
	free(big);
}
END_TEST

START_TEST(test_forward_event_fifo)
{
	forward_under_failures(true, forward_event_json, sizeof(forward_event_json) - 1, "cf_forward_event FIFO");
}
END_TEST

START_TEST(test_sqs_event_parse)
{
	static const char *const files[] = {
		"events/powertools-java-sqs_event_big.json",      /* 25 records */
		"events/powertools-java-sqs_event_no_body.json",  /* a failing record: problem copied */
		"events/powertools-python-snsSqsFifoEvent.json",  /* FIFO attributes, escaped body */
		"events/dotnet-sqs-event.json",                   /* BOM */
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *text = ts_read_data(files[i], &len);
		struct alloc_case c = { .name = files[i], .call = call_sqs_parse, .destroy = destroy_sqs,
					.has_err = true, .text = text, .len = len };
		fail_each_allocation(&c);
		free(text);
	}
	const char *no_id = "{\"Records\":[{\"messageId\":\"1\",\"body\":\"x\"},{\"body\":\"y\"}]}";
	struct alloc_case c = { .name = "SQS event without messageId", .call = call_sqs_parse, .destroy = destroy_sqs,
				.has_err = true, .want = CF_ERR_NOT_EVENT, .text = no_id, .len = strlen(no_id) };
	fail_each_allocation(&c);
}
END_TEST

START_TEST(test_order_parse)
{
	static const char *const files[] = { "orders/order_o1.item.json", "orders/order_o1.record.json",
					     "orders/order_special.item.json" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *text = ts_read_data(files[i], &len);
		struct alloc_case c = { .name = files[i], .call = call_order_parse, .destroy = destroy_order,
					.has_err = true, .text = text, .len = len };
		fail_each_allocation(&c);
		free(text);
	}
	const char *bad = "{\"order_id\":{\"S\":\"o1\"},\"user_id\":{\"S\":\"u1\"},\"order_items\":{\"L\":["
			  "{\"M\":{\"productId\":{\"S\":\"p\"}}},{\"M\":{\"productId\":{\"S\":\"q\"}}},{\"M\":{}}]}}";
	struct alloc_case c = { .name = "order with a missing productId", .call = call_order_parse,
				.destroy = destroy_order, .has_err = true, .want = CF_ERR_MISSING, .text = bad,
				.len = strlen(bad) };
	fail_each_allocation(&c);
}
END_TEST

START_TEST(test_order_to_updates)
{
	size_t len;
	char *text = ts_read_data("orders/order_special.item.json", &len);
	struct cf_order *order = NULL;
	ck_assert_int_eq(cf_order_parse(text, len, &order, NULL), CF_OK);
	free(text);
	struct alloc_case c = { .name = "cf_order_to_updates", .call = call_order_to_updates, .destroy = destroy_updates,
				.has_err = true, .obj = order };
	fail_each_allocation(&c);
	c.fifo = true; /* custom status value */
	fail_each_allocation(&c);
	cf_order_destroy(order);

	/* An order with many items: the body buffer grows several times. */
	size_t cap = 300 * 64 + 128;
	char *body = malloc(cap);
	ck_assert_ptr_nonnull(body);
	size_t o = (size_t)snprintf(body, cap, "{\"order_id\":{\"S\":\"o\"},\"user_id\":{\"S\":\"u\"},\"order_items\":{\"L\":[");
	for (int i = 0; i < 300; i++)
		o += (size_t)snprintf(body + o, cap - o, "%s{\"M\":{\"productId\":{\"S\":\"p%d\"}}}", i ? "," : "", i);
	o += (size_t)snprintf(body + o, cap - o, "]}}");
	ck_assert_int_eq(cf_order_parse(body, o, &order, NULL), CF_OK);
	free(body);
	c = (struct alloc_case){ .name = "cf_order_to_updates (300 items)", .call = call_order_to_updates,
				 .destroy = destroy_updates, .has_err = true, .obj = order };
	fail_each_allocation(&c);
	cf_order_destroy(order);

	const char *empty = "{\"order_id\":{\"S\":\"o\"},\"order_items\":{\"L\":[]}}";
	ck_assert_int_eq(cf_order_parse(empty, strlen(empty), &order, NULL), CF_OK);
	c.name = "cf_order_to_updates (no items)";
	c.obj = order;
	fail_each_allocation(&c);
	cf_order_destroy(order);
}
END_TEST

START_TEST(test_batch_response_write)
{
	enum { N = 400 };
	static char storage[N][48];
	static struct cf_str ids[N];
	for (size_t i = 0; i < N; i++) {
		int n = snprintf(storage[i], sizeof(storage[i]), "059f36b4-87a3-44ab-83d2-%012zu\"", i % 300);
		ids[i] = (struct cf_str){ storage[i], (size_t)n };
	}
	struct alloc_case c = { .name = "cf_batch_response_write", .call = call_batch_response,
				.destroy = destroy_string, .obj = ids, .count = N };
	fail_each_allocation(&c);
	c.name = "cf_batch_response_write (empty)";
	c.count = 0;
	fail_each_allocation(&c);
}
END_TEST

START_TEST(test_json_parse)
{
	size_t len;
	char *text = ts_read_data("events/powertools-java-sqs_event_big.json", &len);
	struct alloc_case c = { .name = "cf_json_parse", .call = call_json_parse, .destroy = destroy_json,
				.has_err = true, .text = text, .len = len };
	fail_each_allocation(&c);
	free(text);
}
END_TEST

START_TEST(test_allocator_counts_and_restores)
{
	/* The helper itself: attempts are counted and the Nth one fails. */
	ts_alloc_install(1);
	char *a = NULL, *b = NULL;
	size_t len;
	struct cf_str id = { "x", 1 };
	ck_assert_int_eq(cf_batch_response_write(&id, 1, &a, &len), CF_OK); /* one realloc from NULL */
	ck_assert_int_eq(ts_alloc_live(), 1);
	ck_assert_int_eq(cf_batch_response_write(&id, 1, &b, &len), CF_ERR_NOMEM);
	ck_assert(ts_alloc_failed());
	ck_assert_ptr_null(b);
	cf_free(a);
	ck_assert_int_eq(ts_alloc_live(), 0);
	ck_assert_int_eq(ts_alloc_attempts(), 2);
	ts_alloc_uninstall();
	/* Back on malloc: memory from the default allocator is freed by the default allocator. */
	ck_assert_int_eq(cf_batch_response_write(&id, 1, &a, &len), CF_OK);
	cf_free(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("alloc_failures");
	TCase *tc = tcase_create("transforms");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_allocator_counts_and_restores);
	tcase_add_test(tc, test_attr_doc_parse);
	tcase_add_test(tc, test_attr_write);
	tcase_add_test(tc, test_attr_binary_decode);
	tcase_add_test(tc, test_stream_event_parse);
	tcase_add_test(tc, test_forward_event_standard);
	tcase_add_test(tc, test_forward_event_fifo);
	tcase_add_test(tc, test_sqs_event_parse);
	tcase_add_test(tc, test_order_parse);
	tcase_add_test(tc, test_order_to_updates);
	tcase_add_test(tc, test_batch_response_write);
	tcase_add_test(tc, test_json_parse);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
