/* DynamoDB Streams Lambda events. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartflow/stream_event.h"
#include "test_support.h"

/* Parse expecting CF_OK. */
static struct cf_stream_event *parse_ok(const char *json, size_t len)
{
	struct cf_stream_event *ev = NULL;
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_status st = cf_stream_event_parse(json, len, &ev, &err);
	ts_assert_ok(st, ev, &err);
	return ev;
}

/* Parse expecting the whole event to fail with `status` and exactly `message` (unless NULL). */
static void expect_event_error(const char *json, enum cf_status status, const char *message)
{
	struct cf_stream_event *ev = (struct cf_stream_event *)&ev;
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_status st = cf_stream_event_parse(json, strlen(json), &ev, &err);
	ts_assert_failed(json, st, ev, &err, status, message);
}

/* A one-record event whose record body is `record` (an object's members, without braces). */
static void expect_record_error(const char *record, enum cf_status status, const char *problem)
{
	char json[2048];
	snprintf(json, sizeof(json), "{\"Records\":[{%s}]}", record);
	struct cf_stream_event *ev = parse_ok(json, strlen(json));
	ck_assert_uint_eq(ev->count, 1);
	ts_assert_record_failed(record, ev->records[0].status, ev->records[0].problem, status, problem);
	cf_stream_event_destroy(ev);
}

static const char full_event[] =
	"{\"Records\":[{"
	"\"eventID\":\"c81e728d9d4c2f636f067f89cc14862c\",\"eventName\":\"MODIFY\",\"eventVersion\":\"1.1\","
	"\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"eu-west-1\","
	"\"dynamodb\":{\"ApproximateCreationDateTime\":1.635734407123456789E9,"
	"\"Keys\":{\"PK\":{\"S\":\"USER#u1\"},\"SK\":{\"S\":\"ORDER#o1\"}},"
	"\"NewImage\":{\"order_id\":{\"S\":\"o1\"},\"order_status\":{\"S\":\"ORDERED\"}},"
	"\"OldImage\":{\"order_id\":{\"S\":\"o1\"},\"order_status\":{\"S\":\"PENDING\"}},"
	"\"SequenceNumber\":\"111122223333444455556666777788889999\",\"SizeBytes\":18446744073709551,"
	"\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},"
	"\"eventSourceARN\":\"arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000\"},"
	"{\"eventID\":\"2\",\"eventName\":\"REMOVE\",\"eventSource\":\"aws:dynamodb\","
	"\"dynamodb\":{\"Keys\":{\"PK\":{\"S\":\"USER#u1\"}},\"SequenceNumber\":\"2\",\"StreamViewType\":\"KEYS_ONLY\"}}"
	"]}";

START_TEST(test_every_field)
{
	struct cf_stream_event *ev = parse_ok(full_event, sizeof(full_event) - 1);
	ck_assert_uint_eq(ev->count, 2);
	const struct cf_stream_record *r = &ev->records[0];
	ck_assert_int_eq(r->status, CF_OK);
	ck_assert_ptr_null(r->problem);
	ck_assert_int_eq(r->name, CF_STREAM_MODIFY);
	ts_assert_cfstr_eq(r->event_id, "c81e728d9d4c2f636f067f89cc14862c");
	ts_assert_cfstr_eq(r->event_name, "MODIFY");
	ts_assert_cfstr_eq(r->event_source_arn,
			   "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000");
	ts_assert_cfstr_eq(r->aws_region, "eu-west-1");
	ts_assert_cfstr_eq(r->sequence_number, "111122223333444455556666777788889999");
	ts_assert_cfstr_eq(r->stream_view_type, "NEW_AND_OLD_IMAGES");
	ts_assert_cfstr_eq(r->approximate_creation_date_time, "1.635734407123456789E9");
	ck_assert(r->has_size_bytes);
	ck_assert_uint_eq(r->size_bytes, 18446744073709551ULL);
	ck_assert_ptr_nonnull(r->keys);
	ck_assert_int_eq(r->keys->type, CF_ATTR_M);
	ts_assert_cfstr_eq(cf_attr_get(r->keys, "SK")->v.text, "ORDER#o1");
	ck_assert_ptr_nonnull(r->new_image);
	ts_assert_cfstr_eq(cf_attr_get(r->new_image, "order_status")->v.text, "ORDERED");
	ck_assert_ptr_nonnull(r->old_image);
	ts_assert_cfstr_eq(cf_attr_get(r->old_image, "order_status")->v.text, "PENDING");

	r = &ev->records[1];
	ck_assert_int_eq(r->status, CF_OK);
	ck_assert_int_eq(r->name, CF_STREAM_REMOVE);
	ck_assert_ptr_null(r->aws_region.ptr);
	ck_assert_ptr_null(r->event_source_arn.ptr);
	ck_assert_ptr_null(r->approximate_creation_date_time.ptr);
	ck_assert(!r->has_size_bytes);
	ck_assert_ptr_nonnull(r->keys);
	ck_assert_ptr_null(r->new_image);
	ck_assert_ptr_null(r->old_image);
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_input_is_copied)
{
	char *copy = malloc(sizeof(full_event));
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, full_event, sizeof(full_event));
	struct cf_stream_event *ev = parse_ok(copy, sizeof(full_event) - 1);
	memset(copy, '#', sizeof(full_event) - 1);
	free(copy);
	ts_assert_cfstr_eq(ev->records[0].event_id, "c81e728d9d4c2f636f067f89cc14862c");
	ts_assert_cfstr_eq(cf_attr_get(ev->records[0].new_image, "order_id")->v.text, "o1");
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_fixture_fields)
{
	size_t len;
	char *text = ts_read_data("events/java-libs-dynamo_event.json", &len);
	struct cf_stream_event *ev = parse_ok(text, len);
	free(text);
	ck_assert_uint_eq(ev->count, 3);
	static const enum cf_stream_event_name names[] = { CF_STREAM_INSERT, CF_STREAM_MODIFY, CF_STREAM_REMOVE };
	static const char *const seq[] = { "4421584500000000017450439091", "4421584500000000017450439092",
					   "4421584500000000017450439093" };
	static const char *const created[] = { "1428537600", "1.635734407123456789E9", "1428537600" };
	static const uint64_t sizes[] = { 26, 59, 38 };
	for (size_t i = 0; i < 3; i++) {
		const struct cf_stream_record *r = &ev->records[i];
		ck_assert_int_eq(r->status, CF_OK);
		ck_assert_int_eq(r->name, names[i]);
		ts_assert_cfstr_eq(r->sequence_number, seq[i]);
		ts_assert_cfstr_eq(r->approximate_creation_date_time, created[i]);
		ck_assert_uint_eq(r->size_bytes, sizes[i]);
		ts_assert_cfstr_eq(r->aws_region, "eu-central-1");
		ts_assert_cfstr_eq(cf_attr_get(r->keys, "Id")->v.text, "101");
	}
	ck_assert_ptr_null(ev->records[0].old_image);
	ck_assert_ptr_null(ev->records[2].new_image);
	ts_assert_cfstr_eq(cf_attr_get(ev->records[1].new_image, "Message")->v.text, "This item has changed");
	ts_assert_cfstr_eq(cf_attr_get(ev->records[1].old_image, "Message")->v.text, "New item!");
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_creation_time_forms_kept_as_text)
{
	/* Integer, float, exponent (more digits than a double) and milliseconds, each exactly as written. */
	size_t len;
	char *text = ts_read_data("events/java-libs-dynamo_event_roundtrip.json", &len);
	struct cf_stream_event *ev = parse_ok(text, len);
	free(text);
	ts_assert_cfstr_eq(ev->records[0].approximate_creation_date_time, "1.4285376E9");
	cf_stream_event_destroy(ev);
	text = ts_read_data("events/dotnet-dynamodb-with-ms-event.json", &len);
	ev = parse_ok(text, len);
	free(text);
	ts_assert_cfstr_eq(ev->records[0].approximate_creation_date_time, "1480642020000");
	cf_stream_event_destroy(ev);
	text = ts_read_data("events/powertools-python-dynamoStreamEvent.json", &len);
	ev = parse_ok(text, len);
	free(text);
	ts_assert_cfstr_eq(ev->records[0].approximate_creation_date_time, "1693997155.0");
	ck_assert_ptr_null(ev->records[1].approximate_creation_date_time.ptr);
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_every_attribute_type_fixture)
{
	size_t len;
	char *text = ts_read_data("events/rust-runtime-example-dynamodb-event.json", &len);
	struct cf_stream_event *ev = parse_ok(text, len);
	free(text);
	ck_assert_uint_eq(ev->count, 2);
	for (size_t i = 0; i < ev->count; i++)
		ck_assert_int_eq(ev->records[i].status, CF_OK);
	/* Every type appears somewhere in the second NewImage; check that the set of types is complete. */
	unsigned seen = 0;
	const struct cf_attr *stack[64];
	size_t top = 0;
	stack[top++] = ev->records[1].new_image;
	while (top) {
		const struct cf_attr *a = stack[--top];
		seen |= 1u << a->type;
		if (a->type == CF_ATTR_M)
			for (size_t i = 0; i < a->v.map.count && top < 64; i++)
				stack[top++] = &a->v.map.members[i].value;
		else if (a->type == CF_ATTR_L)
			for (size_t i = 0; i < a->v.list.count && top < 64; i++)
				stack[top++] = &a->v.list.items[i];
	}
	ck_assert_msg(seen == 0x3FF, "types seen: %#x", seen);
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_bom_and_blank_line)
{
	size_t len;
	char *text = ts_read_data("events/dotnet-dynamodb-event.json", &len);
	ck_assert_mem_eq(text, "\xEF\xBB\xBF", 3);
	struct cf_stream_event *ev = parse_ok(text, len);
	ck_assert_uint_eq(ev->count, 2);
	/* A TTL delete: REMOVE with OldImage only, on an OLD_IMAGE stream. */
	ck_assert_int_eq(ev->records[1].name, CF_STREAM_REMOVE);
	ck_assert_ptr_nonnull(ev->records[1].old_image);
	ck_assert_ptr_null(ev->records[1].new_image);
	cf_stream_event_destroy(ev);
	free(text);
	text = ts_read_data("events/powertools-python-getting_started_dynamodb_event.json", &len);
	ck_assert_int_eq(text[0], '\n');
	ev = parse_ok(text, len);
	ck_assert_uint_eq(ev->count, 2);
	cf_stream_event_destroy(ev);
	free(text);
}
END_TEST

START_TEST(test_not_a_stream_event)
{
	expect_event_error("[]", CF_ERR_NOT_EVENT, "$: expected an event object with a Records array, got array");
	expect_event_error("\"Records\"", CF_ERR_NOT_EVENT, "$: expected an event object with a Records array, got string");
	expect_event_error("{}", CF_ERR_NOT_EVENT, "Records: missing (not a Lambda event batch)");
	expect_event_error("{\"records\":[]}", CF_ERR_NOT_EVENT, "Records: missing (not a Lambda event batch)");
	expect_event_error("{\"Records\":{}}", CF_ERR_NOT_EVENT, "Records: expected an array, got object");
	expect_event_error("{\"Records\":null}", CF_ERR_NOT_EVENT, "Records: expected an array, got null");
	expect_event_error("{\"Records\":[{\"eventSource\":\"aws:sqs\",\"messageId\":\"m\"}]}", CF_ERR_NOT_EVENT,
			   "Records[0].eventSource: expected aws:dynamodb, got aws:sqs");
	/* One foreign record spoils the batch even after good ones. */
	expect_event_error("{\"Records\":[{\"eventSource\":\"aws:dynamodb\",\"dynamodb\":{}},"
			   "{\"eventSource\":\"aws:kinesis\"}]}",
			   CF_ERR_NOT_EVENT, "Records[1].eventSource: expected aws:dynamodb, got aws:kinesis");
	expect_event_error("{\"batchItemFailures\":[{\"itemIdentifier\":\"1\"}]}", CF_ERR_NOT_EVENT,
			   "Records: missing (not a Lambda event batch)");
}
END_TEST

START_TEST(test_invalid_json)
{
	expect_event_error("", CF_ERR_JSON, NULL);
	expect_event_error("{\"Records\":[", CF_ERR_JSON, NULL);
	expect_event_error("{\"Records\":[]", CF_ERR_JSON, NULL);
	expect_event_error("{\"Records\":[{\"dynamodb\":{\"NewImage\":{\"a\":{\"S\":\"\\ud800\"}}}}]}", CF_ERR_JSON, NULL);
	expect_event_error("\xEF\xBB\xBF", CF_ERR_JSON, NULL);
}
END_TEST

START_TEST(test_empty_batch)
{
	struct cf_stream_event *ev = parse_ok("{\"Records\":[]}", 14);
	ck_assert_uint_eq(ev->count, 0);
	cf_stream_event_destroy(ev);
	const char *padded = "\xEF\xBB\xBF {\"Records\" : [ ] , \"window\":{}} ";
	ev = parse_ok(padded, strlen(padded));
	ck_assert_uint_eq(ev->count, 0);
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_record_errors)
{
	expect_record_error("\"eventName\":\"INSERT\"", CF_ERR_MISSING, "Records[0].dynamodb: missing");
	expect_record_error("\"dynamodb\":[]", CF_ERR_TYPE, "Records[0].dynamodb: expected an object");
	expect_record_error("\"dynamodb\":{\"SequenceNumber\":1}", CF_ERR_TYPE,
			    "Records[0].dynamodb.SequenceNumber: expected a JSON string, got number");
	expect_record_error("\"eventName\":5,\"dynamodb\":{}", CF_ERR_TYPE,
			    "Records[0].eventName: expected a JSON string, got number");
	expect_record_error("\"eventID\":{},\"dynamodb\":{}", CF_ERR_TYPE,
			    "Records[0].eventID: expected a JSON string, got object");
	expect_record_error("\"dynamodb\":{\"StreamViewType\":true}", CF_ERR_TYPE,
			    "Records[0].dynamodb.StreamViewType: expected a JSON string, got boolean");
	expect_record_error("\"dynamodb\":{\"SizeBytes\":-1}", CF_ERR_TYPE,
			    "Records[0].dynamodb.SizeBytes: expected a non-negative integer");
	expect_record_error("\"dynamodb\":{\"SizeBytes\":1.5}", CF_ERR_TYPE,
			    "Records[0].dynamodb.SizeBytes: expected a non-negative integer");
	expect_record_error("\"dynamodb\":{\"SizeBytes\":\"26\"}", CF_ERR_TYPE,
			    "Records[0].dynamodb.SizeBytes: expected a non-negative integer");
	expect_record_error("\"dynamodb\":{\"SizeBytes\":18446744073709551615}", CF_ERR_TYPE,
			    "Records[0].dynamodb.SizeBytes: expected a non-negative integer");
	expect_record_error("\"dynamodb\":{\"Keys\":[]}", CF_ERR_TYPE,
			    "Records[0].dynamodb.Keys: expected a JSON object, got array");
	expect_record_error("\"dynamodb\":{\"NewImage\":{\"age\":{\"N\":20}}}", CF_ERR_TYPE,
			    "Records[0].dynamodb.NewImage.age.N: expected a JSON string, got number");
	expect_record_error("\"dynamodb\":{\"OldImage\":{\"q\":{\"N\":\"1e\"}}}", CF_ERR_NUMBER,
			    "Records[0].dynamodb.OldImage.q.N: invalid number: no digits in exponent");
	expect_record_error("\"dynamodb\":{\"NewImage\":{\"bin\":{\"B\":\"base64Str\"}}}", CF_ERR_BASE64,
			    "Records[0].dynamodb.NewImage.bin.B: invalid base64");
	expect_record_error("\"eventName\":\"INSERT\",\"dynamodb\":{\"StreamViewType\":\"NEW_IMAGE\"}", CF_ERR_MISSING,
			    "Records[0].dynamodb.NewImage: missing although StreamViewType is NEW_IMAGE");
	expect_record_error("\"eventName\":\"MODIFY\",\"dynamodb\":{\"StreamViewType\":\"NEW_AND_OLD_IMAGES\",\"OldImage\":{}}",
			    CF_ERR_MISSING,
			    "Records[0].dynamodb.NewImage: missing although StreamViewType is NEW_AND_OLD_IMAGES");
}
END_TEST

START_TEST(test_record_that_is_not_an_object)
{
	const char *json = "{\"Records\":[42,{\"dynamodb\":{}},null]}";
	struct cf_stream_event *ev = parse_ok(json, strlen(json));
	ck_assert_uint_eq(ev->count, 3);
	ck_assert_int_eq(ev->records[0].status, CF_ERR_TYPE);
	ck_assert_str_eq(ev->records[0].problem, "Records[0]: expected an object, got number");
	ck_assert_int_eq(ev->records[1].status, CF_OK);
	ck_assert_int_eq(ev->records[2].status, CF_ERR_TYPE);
	ck_assert_str_eq(ev->records[2].problem, "Records[2]: expected an object, got null");
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_failed_record_keeps_sequence_number_and_neighbours)
{
	const char *json =
		"{\"Records\":["
		"{\"eventID\":\"a\",\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"100\",\"NewImage\":{\"x\":{\"S\":\"1\"}}}},"
		"{\"eventID\":\"b\",\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"200\",\"NewImage\":{\"x\":{\"N\":\"bad\"}}}},"
		"{\"eventID\":\"c\",\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"300\",\"NewImage\":{\"x\":{\"S\":\"3\"}}}}"
		"]}";
	struct cf_stream_event *ev = parse_ok(json, strlen(json));
	ck_assert_uint_eq(ev->count, 3);
	ck_assert_int_eq(ev->records[0].status, CF_OK);
	ck_assert_int_eq(ev->records[1].status, CF_ERR_NUMBER);
	ck_assert_str_eq(ev->records[1].problem, "Records[1].dynamodb.NewImage.x.N: invalid number: no digits");
	ts_assert_cfstr_eq(ev->records[1].sequence_number, "200");
	ck_assert_int_eq(ev->records[2].status, CF_OK);
	ts_assert_cfstr_eq(cf_attr_get(ev->records[2].new_image, "x")->v.text, "3");
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_lenient_shapes)
{
	/* No eventSource, null images, null userIdentity, unknown eventName, KEYS_ONLY without images. */
	const char *json =
		"{\"Records\":["
		"{\"eventName\":\"INSERT\",\"userIdentity\":null,\"dynamodb\":{\"NewImage\":null,\"OldImage\":null,"
		"\"StreamViewType\":\"KEYS_ONLY\",\"SizeBytes\":null,\"ApproximateCreationDateTime\":\"soon\"}},"
		"{\"eventName\":\"UPSERT\",\"dynamodb\":{\"SizeBytes\":0,\"SequenceNumber\":null}},"
		"{\"eventName\":null,\"dynamodb\":{}}"
		"]}";
	struct cf_stream_event *ev = parse_ok(json, strlen(json));
	ck_assert_uint_eq(ev->count, 3);
	ck_assert_int_eq(ev->records[0].status, CF_OK);
	ck_assert_int_eq(ev->records[0].name, CF_STREAM_INSERT);
	ck_assert_ptr_null(ev->records[0].new_image);
	ck_assert_ptr_null(ev->records[0].old_image);
	ck_assert(!ev->records[0].has_size_bytes);
	ck_assert_ptr_null(ev->records[0].approximate_creation_date_time.ptr);
	ck_assert_int_eq(ev->records[1].status, CF_OK);
	ck_assert_int_eq(ev->records[1].name, CF_STREAM_UNKNOWN);
	ts_assert_cfstr_eq(ev->records[1].event_name, "UPSERT");
	ck_assert(ev->records[1].has_size_bytes);
	ck_assert_uint_eq(ev->records[1].size_bytes, 0);
	ck_assert_ptr_null(ev->records[1].sequence_number.ptr);
	ck_assert_int_eq(ev->records[2].name, CF_STREAM_UNKNOWN);
	ck_assert_ptr_null(ev->records[2].event_name.ptr);
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_arguments)
{
	struct cf_stream_event *ev = (struct cf_stream_event *)&ev;
	struct cf_error err;
	ck_assert_int_eq(cf_stream_event_parse("{}", 2, NULL, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_stream_event_parse(NULL, 10, &ev, &err), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(ev);
	ck_assert_int_eq(cf_stream_event_parse(NULL, 0, &ev, NULL), CF_ERR_JSON);
	ck_assert_int_eq(cf_stream_event_parse("{\"Records\":[]}", 14, &ev, NULL), CF_OK);
	cf_stream_event_destroy(ev);
	cf_stream_event_destroy(NULL);
}
END_TEST

START_TEST(test_many_records)
{
	/* More records than the first arena chunk holds; every record independent. */
	size_t n = 500;
	size_t cap = n * 200 + 32;
	char *json = malloc(cap);
	ck_assert_ptr_nonnull(json);
	size_t o = (size_t)snprintf(json, cap, "{\"Records\":[");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(json + o, cap - o,
				      "%s{\"eventID\":\"e%zu\",\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"%zu\","
				      "\"NewImage\":{\"i\":{\"N\":\"%zu\"}}}}",
				      i ? "," : "", i, 1000 + i, i);
	o += (size_t)snprintf(json + o, cap - o, "]}");
	struct cf_stream_event *ev = parse_ok(json, o);
	free(json);
	ck_assert_uint_eq(ev->count, n);
	for (size_t i = 0; i < n; i++) {
		char want[32];
		snprintf(want, sizeof(want), "%zu", 1000 + i);
		ts_assert_cfstr_eq(ev->records[i].sequence_number, want);
		snprintf(want, sizeof(want), "%zu", i);
		ts_assert_cfstr_eq(cf_attr_get(ev->records[i].new_image, "i")->v.text, want);
	}
	cf_stream_event_destroy(ev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stream_event");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_every_field);
	tcase_add_test(tc, test_input_is_copied);
	tcase_add_test(tc, test_fixture_fields);
	tcase_add_test(tc, test_creation_time_forms_kept_as_text);
	tcase_add_test(tc, test_every_attribute_type_fixture);
	tcase_add_test(tc, test_bom_and_blank_line);
	tcase_add_test(tc, test_empty_batch);
	tcase_add_test(tc, test_lenient_shapes);
	tcase_add_test(tc, test_many_records);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_not_a_stream_event);
	tcase_add_test(tc, test_invalid_json);
	tcase_add_test(tc, test_record_errors);
	tcase_add_test(tc, test_record_that_is_not_an_object);
	tcase_add_test(tc, test_failed_record_keeps_sequence_number_and_neighbours);
	tcase_add_test(tc, test_arguments);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
