/* SQS Lambda events. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartflow/sqs_event.h"
#include "test_support.h"

static struct cf_sqs_event *parse_ok(const char *json, size_t len)
{
	struct cf_sqs_event *ev = NULL;
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_status st = cf_sqs_event_parse(json, len, &ev, &err);
	ts_assert_ok(st, ev, &err);
	return ev;
}

static struct cf_sqs_event *parse_fixture(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "events/%s", name);
	size_t len;
	char *text = ts_read_data(path, &len);
	struct cf_sqs_event *ev = parse_ok(text, len);
	free(text);
	return ev;
}

static void expect_event_error(const char *json, enum cf_status status, const char *message)
{
	struct cf_sqs_event *ev = (struct cf_sqs_event *)&ev;
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_status st = cf_sqs_event_parse(json, strlen(json), &ev, &err);
	ts_assert_failed(json, st, ev, &err, status, message);
}

static void expect_record_error(const char *record, enum cf_status status, const char *problem)
{
	char json[2048];
	snprintf(json, sizeof(json), "{\"Records\":[{\"messageId\":\"m-1\"%s%s}]}", *record ? "," : "", record);
	struct cf_sqs_event *ev = parse_ok(json, strlen(json));
	ck_assert_uint_eq(ev->count, 1);
	ts_assert_cfstr_eq(ev->records[0].message_id, "m-1");
	ts_assert_record_failed(record, ev->records[0].status, ev->records[0].problem, status, problem);
	cf_sqs_event_destroy(ev);
}

static const char full_event[] =
	"{\"Records\":[{\"messageId\":\"059f36b4-87a3-44ab-83d2-661975830a7d\","
	"\"receiptHandle\":\"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...\","
	"\"body\":\"{\\\"order_id\\\":{\\\"S\\\":\\\"o1\\\"}}\\n\","
	"\"attributes\":{\"ApproximateReceiveCount\":\"2\",\"SentTimestamp\":\"1545082649183\","
	"\"SequenceNumber\":\"18873177232222703872\",\"MessageGroupId\":\"o1\",\"MessageDeduplicationId\":\"e-1\"},"
	"\"messageAttributes\":{},\"md5OfBody\":\"wrong\",\"eventSource\":\"aws:sqs\","
	"\"eventSourceARN\":\"arn:aws:sqs:us-east-2:123456789012:orders.fifo\",\"awsRegion\":\"us-east-2\"},"
	"{\"messageId\":\"m2\",\"body\":\"\",\"eventSourceARN\":\"arn:aws:sqs:us-east-2:123456789012:orders\"}]}";

START_TEST(test_every_field)
{
	struct cf_sqs_event *ev = parse_ok(full_event, sizeof(full_event) - 1);
	ck_assert_uint_eq(ev->count, 2);
	const struct cf_sqs_record *r = &ev->records[0];
	ck_assert_int_eq(r->status, CF_OK);
	ck_assert_ptr_null(r->problem);
	ts_assert_cfstr_eq(r->message_id, "059f36b4-87a3-44ab-83d2-661975830a7d");
	ts_assert_cfstr_eq(r->receipt_handle, "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...");
	ts_assert_cfstr_eq(r->body, "{\"order_id\":{\"S\":\"o1\"}}\n");
	ts_assert_cfstr_eq(r->event_source_arn, "arn:aws:sqs:us-east-2:123456789012:orders.fifo");
	ts_assert_cfstr_eq(r->aws_region, "us-east-2");
	ts_assert_cfstr_eq(r->approximate_receive_count, "2");
	ts_assert_cfstr_eq(r->message_group_id, "o1");
	ts_assert_cfstr_eq(r->message_deduplication_id, "e-1");
	ts_assert_cfstr_eq(r->sequence_number, "18873177232222703872");
	ck_assert(cf_sqs_record_is_fifo(r));

	r = &ev->records[1];
	ck_assert_int_eq(r->status, CF_OK);
	ck_assert_ptr_nonnull(r->body.ptr); /* present but empty */
	ck_assert_uint_eq(r->body.len, 0);
	ck_assert_ptr_null(r->receipt_handle.ptr);
	ck_assert_ptr_null(r->message_group_id.ptr);
	ck_assert_ptr_null(r->sequence_number.ptr);
	ck_assert(!cf_sqs_record_is_fifo(r));
	cf_sqs_event_destroy(ev);
}
END_TEST

START_TEST(test_input_is_copied)
{
	char *copy = malloc(sizeof(full_event));
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, full_event, sizeof(full_event));
	struct cf_sqs_event *ev = parse_ok(copy, sizeof(full_event) - 1);
	memset(copy, '#', sizeof(full_event) - 1);
	free(copy);
	ts_assert_cfstr_eq(ev->records[0].message_id, "059f36b4-87a3-44ab-83d2-661975830a7d");
	ts_assert_cfstr_eq(ev->records[1].message_id, "m2");
	cf_sqs_event_destroy(ev);
}
END_TEST

START_TEST(test_fifo_fixture)
{
	struct cf_sqs_event *ev = parse_fixture("powertools-python-snsSqsFifoEvent.json");
	ck_assert_uint_eq(ev->count, 1);
	const struct cf_sqs_record *r = &ev->records[0];
	ck_assert(cf_sqs_record_is_fifo(r));
	ts_assert_cfstr_eq(r->sequence_number, "18873177232222703872");
	ts_assert_cfstr_eq(r->message_group_id, "powertools-test");
	ts_assert_cfstr_eq(r->message_deduplication_id,
			   "4e0a0f61eed277a4b9e4c01d5722b07b0725e42fe782102abee5711adfac701f");
	ck_assert_uint_gt(r->body.len, 0);
	ck_assert_int_eq(strncmp(r->body.ptr, "{\n  \"Type\" : \"Notification\"", 27), 0);
	cf_sqs_event_destroy(ev);

	/* MessageGroupId on a queue whose ARN does not end in .fifo: the ARN decides. */
	ev = parse_fixture("powertools-java-sqs_fifo_event.json");
	ck_assert_uint_eq(ev->count, 3);
	ck_assert_ptr_nonnull(ev->records[0].message_group_id.ptr);
	ck_assert(!cf_sqs_record_is_fifo(&ev->records[0]));
	cf_sqs_event_destroy(ev);
}
END_TEST

START_TEST(test_body_quirks)
{
	struct cf_sqs_event *ev = parse_fixture("java-libs-sqs_event_nobody.json");
	ck_assert_int_eq(ev->records[0].status, CF_OK);
	ck_assert_ptr_nonnull(ev->records[0].body.ptr);
	ck_assert_uint_eq(ev->records[0].body.len, 0);
	cf_sqs_event_destroy(ev);

	ev = parse_fixture("powertools-java-sqs_event_no_body.json");
	ck_assert_int_eq(ev->records[0].status, CF_ERR_MISSING);
	ck_assert_str_eq(ev->records[0].problem, "Records[0].body: missing");
	ck_assert_ptr_null(ev->records[0].body.ptr);
	ck_assert_uint_gt(ev->records[0].message_id.len, 0);
	cf_sqs_event_destroy(ev);

	/* Pretty-printed JSON inside the body: escapes decoded. */
	ev = parse_fixture("java-libs-sqs_event_product.json");
	ck_assert_ptr_nonnull(memchr(ev->records[0].body.ptr, '\n', ev->records[0].body.len));
	ck_assert_ptr_null(memchr(ev->records[0].body.ptr, '\\', ev->records[0].body.len));
	cf_sqs_event_destroy(ev);

	/* Duplicate messageIds in one batch are kept as they are. */
	ev = parse_fixture("powertools-ts-gettingStartedSQSEnvelopeEvent.json");
	ck_assert_uint_eq(ev->count, 2);
	ts_assert_cfstr_same(ev->records[0].message_id, ev->records[1].message_id);
	ts_assert_cfstr_eq(ev->records[0].approximate_receive_count, "3");
	cf_sqs_event_destroy(ev);

	/* BOM, binaryValue null and lists in messageAttributes. */
	ev = parse_fixture("dotnet-sqs-event.json");
	ck_assert_uint_eq(ev->count, 1);
	ck_assert_int_eq(ev->records[0].status, CF_OK);
	cf_sqs_event_destroy(ev);
}
END_TEST

START_TEST(test_record_errors)
{
	expect_record_error("", CF_ERR_MISSING, "Records[0].body: missing");
	expect_record_error("\"body\":null", CF_ERR_MISSING, "Records[0].body: missing");
	expect_record_error("\"body\":{\"a\":1}", CF_ERR_TYPE, "Records[0].body: expected a JSON string, got object");
	expect_record_error("\"body\":12", CF_ERR_TYPE, "Records[0].body: expected a JSON string, got number");
	expect_record_error("\"body\":\"x\",\"receiptHandle\":7", CF_ERR_TYPE,
			    "Records[0].receiptHandle: expected a JSON string, got number");
	expect_record_error("\"body\":\"x\",\"attributes\":[]", CF_ERR_TYPE, "Records[0].attributes: expected an object");
	expect_record_error("\"body\":\"x\",\"attributes\":{\"ApproximateReceiveCount\":2}", CF_ERR_TYPE,
			    "Records[0].attributes.ApproximateReceiveCount: expected a JSON string, got number");
	expect_record_error("\"body\":\"x\",\"attributes\":{\"SequenceNumber\":18873177232222703872}", CF_ERR_TYPE,
			    "Records[0].attributes.SequenceNumber: expected a JSON string, got number");
}
END_TEST

START_TEST(test_not_an_sqs_event)
{
	expect_event_error("[]", CF_ERR_NOT_EVENT, "$: expected an event object with a Records array, got array");
	expect_event_error("{}", CF_ERR_NOT_EVENT, "Records: missing (not a Lambda event batch)");
	expect_event_error("{\"Messages\":[{\"Body\":\"x\",\"MessageId\":\"1\"}]}", CF_ERR_NOT_EVENT,
			   "Records: missing (not a Lambda event batch)");
	expect_event_error("{\"Records\":\"x\"}", CF_ERR_NOT_EVENT, "Records: expected an array, got string");
	expect_event_error("{\"Records\":[{\"eventSource\":\"aws:dynamodb\",\"dynamodb\":{}}]}", CF_ERR_NOT_EVENT,
			   "Records[0].eventSource: expected aws:sqs, got aws:dynamodb");
	expect_event_error("{\"Records\":[{\"messageId\":\"1\",\"body\":\"a\"},{\"body\":\"b\"}]}", CF_ERR_NOT_EVENT,
			   "Records[1].messageId: missing (the record could not be reported)");
	expect_event_error("{\"Records\":[{\"messageId\":7,\"body\":\"a\"}]}", CF_ERR_NOT_EVENT,
			   "Records[0].messageId: expected a JSON string, got number (the record could not be reported)");
	expect_event_error("{\"Records\":[{\"messageId\":null,\"body\":\"a\"}]}", CF_ERR_NOT_EVENT,
			   "Records[0].messageId: missing (the record could not be reported)");
	expect_event_error("{\"Records\":[\"m\"]}", CF_ERR_NOT_EVENT, "Records[0]: expected an object, got string");
	expect_event_error("{\"batchItemFailures\":[]}", CF_ERR_NOT_EVENT, "Records: missing (not a Lambda event batch)");
	expect_event_error("{\"Records\":[{\"messageId\":\"1\"", CF_ERR_JSON, NULL);
	expect_event_error("", CF_ERR_JSON, NULL);
}
END_TEST

START_TEST(test_empty_and_lenient)
{
	struct cf_sqs_event *ev = parse_ok("{\"Records\":[]}", 14);
	ck_assert_uint_eq(ev->count, 0);
	cf_sqs_event_destroy(ev);
	/* No eventSource at all is accepted; null strings are absent. */
	const char *json = "{\"Records\":[{\"messageId\":\"1\",\"body\":\"b\",\"awsRegion\":null,\"attributes\":null}]}";
	ev = parse_ok(json, strlen(json));
	ck_assert_int_eq(ev->records[0].status, CF_OK);
	ck_assert_ptr_null(ev->records[0].aws_region.ptr);
	cf_sqs_event_destroy(ev);
}
END_TEST

START_TEST(test_is_fifo)
{
	struct cf_sqs_record r;
	memset(&r, 0, sizeof(r));
	ck_assert(!cf_sqs_record_is_fifo(NULL));
	ck_assert(!cf_sqs_record_is_fifo(&r));
	static const struct {
		const char *arn;
		bool fifo;
	} cases[] = {
		{ "arn:aws:sqs:eu-west-1:1:q.fifo", true },
		{ ".fifo", true },
		{ "fifo", false },
		{ "arn:aws:sqs:eu-west-1:1:q.FIFO", false },
		{ "arn:aws:sqs:eu-west-1:1:q.fifo.dlq", false },
		{ "arn:aws:sqs:eu-west-1:1:qfifo", false },
		{ "", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r.event_source_arn = (struct cf_str){ cases[i].arn, strlen(cases[i].arn) };
		ck_assert_msg(cf_sqs_record_is_fifo(&r) == cases[i].fifo, "%s", cases[i].arn);
	}
}
END_TEST

START_TEST(test_arguments)
{
	struct cf_sqs_event *ev = (struct cf_sqs_event *)&ev;
	ck_assert_int_eq(cf_sqs_event_parse("{}", 2, NULL, NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_sqs_event_parse(NULL, 3, &ev, NULL), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(ev);
	cf_sqs_event_destroy(NULL);
}
END_TEST

START_TEST(test_big_batch_fixture)
{
	struct cf_sqs_event *ev = parse_fixture("powertools-java-sqs_event_big.json");
	ck_assert_uint_eq(ev->count, 25);
	for (size_t i = 0; i < ev->count; i++) {
		ck_assert_int_eq(ev->records[i].status, CF_OK);
		ck_assert_uint_gt(ev->records[i].message_id.len, 0);
	}
	cf_sqs_event_destroy(ev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sqs_event");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_every_field);
	tcase_add_test(tc, test_input_is_copied);
	tcase_add_test(tc, test_fifo_fixture);
	tcase_add_test(tc, test_body_quirks);
	tcase_add_test(tc, test_empty_and_lenient);
	tcase_add_test(tc, test_is_fifo);
	tcase_add_test(tc, test_big_batch_fixture);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_record_errors);
	tcase_add_test(tc, test_not_an_sqs_event);
	tcase_add_test(tc, test_arguments);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
