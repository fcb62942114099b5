/*
 * Every file in test/data/events/, table-driven. The table below is the decision made for each fixture;
 * a file in the directory without a row (or a row without a file) fails, so a new fixture forces a
 * decision. Each file goes through both event parsers: the matching one must accept it, the other
 * must refuse it cleanly.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartflow/forward.h"
#include "cartflow/order.h"
#include "cartflow/sqs_event.h"
#include "cartflow/stream_event.h"
#include "test_support.h"

#define EVENTS_DIR CF_TEST_DATA_DIR "/events"

enum parser {
	STREAM,  /* a DynamoDB Streams event: cf_stream_event_parse accepts it, cf_sqs_event_parse refuses it */
	SQS,     /* an SQS event: the other way round */
	NEITHER, /* both refuse it with `status` (batch responses, foreign shapes, broken JSON) */
};

/*
 * `outcomes` has one character per record:
 *   STREAM records, as cf_forward_event decides them (standard and FIFO queue alike):
 *     F forward, R skip REMOVE, K skip no NewImage, O skip not ORDERED, P skip MODIFY without OldImage,
 *     A skip already ORDERED, U skip unknown eventName;
 *   a record that cannot be read (stream or SQS): its status as a digit, e.g. '4' = CF_ERR_TYPE,
 *     '5' = CF_ERR_MISSING, '6' = CF_ERR_NUMBER, '7' = CF_ERR_BASE64;
 *   SQS records that can be read: what cf_order_parse makes of the body (none of these is an order):
 *     j CF_ERR_JSON, t CF_ERR_TYPE, m CF_ERR_MISSING, n CF_ERR_NUMBER, b CF_ERR_BASE64.
 */
static const struct fixture {
	const char *file;
	enum parser parser;
	enum cf_status status; /* of the matching parser (STREAM, SQS) or of both (NEITHER) */
	size_t count;          /* records */
	const char *outcomes;
} fixtures[] = {
	{ "ankcorn-dynamodb-streams-test-README-KEYS_ONLY-INSERT.json", STREAM, CF_OK, 1, "K" },
	{ "ankcorn-dynamodb-streams-test-README-KEYS_ONLY-MODIFY.json", STREAM, CF_OK, 1, "K" },
	{ "ankcorn-dynamodb-streams-test-README-KEYS_ONLY-REMOVE.json", STREAM, CF_OK, 1, "R" },
	{ "ankcorn-dynamodb-streams-test-README-NEW_AND_OLD_IMAGES-INSERT.json", STREAM, CF_OK, 1, "O" },
	{ "ankcorn-dynamodb-streams-test-README-NEW_AND_OLD_IMAGES-MODIFY.json", STREAM, CF_OK, 1, "O" },
	{ "ankcorn-dynamodb-streams-test-README-NEW_AND_OLD_IMAGES-REMOVE.json", STREAM, CF_OK, 1, "R" },
	{ "ankcorn-dynamodb-streams-test-README-NEW_IMAGE-INSERT.json", STREAM, CF_OK, 1, "O" },
	{ "ankcorn-dynamodb-streams-test-README-NEW_IMAGE-MODIFY.json", STREAM, CF_OK, 1, "O" },
	{ "ankcorn-dynamodb-streams-test-README-NEW_IMAGE-REMOVE.json", STREAM, CF_OK, 1, "R" },
	{ "ankcorn-dynamodb-streams-test-README-OLD_IMAGE-INSERT.json", STREAM, CF_OK, 1, "K" },
	{ "ankcorn-dynamodb-streams-test-README-OLD_IMAGE-MODIFY.json", STREAM, CF_OK, 1, "K" },
	{ "ankcorn-dynamodb-streams-test-README-OLD_IMAGE-REMOVE.json", STREAM, CF_OK, 1, "R" },
	{ "awsdocs-lambda-guide-sqs-record.json", SQS, CF_OK, 1, "j" },
	{ "dotnet-dynamodb-batchitemfailures-response.json", NEITHER, CF_ERR_NOT_EVENT, 0, "" },
	{ "dotnet-dynamodb-event.json", STREAM, CF_OK, 2, "OR" },
	{ "dotnet-dynamodb-timewindow-event.json", STREAM, CF_OK, 3, "OOR" },
	{ "dotnet-dynamodb-timewindow-response.json", NEITHER, CF_ERR_NOT_EVENT, 0, "" },
	{ "dotnet-dynamodb-with-ms-event.json", STREAM, CF_OK, 2, "OR" },
	{ "dotnet-sqs-event.json", SQS, CF_OK, 1, "j" },
	{ "dotnet-sqs-response.json", NEITHER, CF_ERR_NOT_EVENT, 0, "" },
	{ "dotnet-testtool-dynamodb-update.json", STREAM, CF_OK, 3, "OOR" },
	{ "java-libs-dynamo_ddb_stream_record.json", NEITHER, CF_ERR_NOT_EVENT, 0, "" },
	{ "java-libs-dynamo_event.json", STREAM, CF_OK, 3, "OOR" },
	{ "java-libs-dynamo_event_roundtrip.json", STREAM, CF_OK, 3, "OOR" },
	{ "java-libs-dynamo_time_window_event.json", STREAM, CF_OK, 2, "OO" },
	{ "java-libs-sqs_batch_response.json", NEITHER, CF_ERR_NOT_EVENT, 0, "" },
	{ "java-libs-sqs_event_nobody.json", SQS, CF_OK, 1, "j" },
	{ "java-libs-sqs_event_product.json", SQS, CF_OK, 1, "t" },
	{ "java-libs-time_window_event_response.json", NEITHER, CF_ERR_NOT_EVENT, 0, "" },
	{ "lambda-go-dynamodb-event-malformed.2.json", NEITHER, CF_ERR_JSON, 0, "" },
	{ "lambda-go-dynamodb-time-window-event.json", STREAM, CF_OK, 3, "OOR" },
	{ "powertools-java-dynamo_event_big.json", STREAM, CF_OK, 12, "OOROOROOROOR" },
	{ "powertools-java-sqs_event.json", SQS, CF_OK, 3, "ttt" },
	{ "powertools-java-sqs_event_big.json", SQS, CF_OK, 25, "ttttttttttttttttttttttttt" },
	{ "powertools-java-sqs_event_no_body.json", SQS, CF_OK, 1, "5" },
	{ "powertools-java-sqs_fifo_event.json", SQS, CF_OK, 3, "ttt" },
	{ "powertools-java-sqs_invalid_messages.json", SQS, CF_OK, 4, "tttt" },
	{ "powertools-java-sqs_message.json", SQS, CF_OK, 1, "t" },
	{ "powertools-python-dynamoStreamEvent.json", STREAM, CF_OK, 2, "OO" },
	{ "powertools-python-getting_started_dynamodb_event.json", STREAM, CF_OK, 2, "OO" },
	{ "powertools-python-getting_started_dynamodb_response.json", NEITHER, CF_ERR_NOT_EVENT, 0, "" },
	{ "powertools-python-getting_started_sqs_event.json", SQS, CF_OK, 2, "tj" },
	{ "powertools-python-getting_started_sqs_response.json", NEITHER, CF_ERR_NOT_EVENT, 0, "" },
	{ "powertools-python-pydantic_dynamodb_event.json", STREAM, CF_OK, 2, "OO" },
	{ "powertools-python-pydantic_sqs_event.json", SQS, CF_OK, 2, "tt" },
	{ "powertools-python-s3SqsEvent.json", SQS, CF_OK, 1, "t" },
	{ "powertools-python-snsSqsEvent.json", SQS, CF_OK, 1, "t" },
	{ "powertools-python-snsSqsFifoEvent.json", SQS, CF_OK, 1, "t" },
	{ "powertools-python-sqsDlqTriggerEvent.json", SQS, CF_OK, 1, "j" },
	{ "powertools-python-sqsEvent.json", SQS, CF_OK, 2, "jt" },
	{ "powertools-ts-gettingStartedSQSEnvelopeEvent.json", SQS, CF_OK, 2, "tt" },
	{ "powertools-ts-parser-dynamodb-base.json", STREAM, CF_OK, 2, "OO" },
	{ "powertools-ts-parser-kinesis-dynamodb-stream.json", NEITHER, CF_ERR_NOT_EVENT, 0, "" },
	{ "powertools-ts-parser-sqs-base.json", SQS, CF_OK, 2, "jt" },
	{ "powertools-ts-parser-sqs-sns-body.json", SQS, CF_OK, 1, "t" },
	{ "powertools-ts-parser_DynamoDB.json", STREAM, CF_OK, 2, "44" },
	{ "rust-runtime-example-dynamodb-event-record-with-optional-fields.json", NEITHER, CF_ERR_NOT_EVENT, 0, "" },
	{ "rust-runtime-example-dynamodb-event.json", STREAM, CF_OK, 2, "OO" },
	{ "rust-runtime-example-sqs-api-event-obj.json", NEITHER, CF_ERR_NOT_EVENT, 0, "" },
	{ "rust-runtime-example-sqs-batch-response.json", NEITHER, CF_ERR_NOT_EVENT, 0, "" },
	{ "rust-runtime-example-sqs-event-obj.json", SQS, CF_OK, 1, "t" },
	{ "rust-runtime-example-sqs-event.json", SQS, CF_OK, 1, "j" },
	{ "sam-cli-DynamoDBUpdate.json", STREAM, CF_OK, 3, "OOR" },
	{ "sam-cli-Sqs.json", SQS, CF_OK, 1, "j" },
};

enum { FIXTURE_COUNT = sizeof(fixtures) / sizeof(fixtures[0]) };

static const struct fixture *find(const char *file)
{
	for (size_t i = 0; i < FIXTURE_COUNT; i++)
		if (strcmp(fixtures[i].file, file) == 0)
			return &fixtures[i];
	return NULL;
}

static bool is_json_name(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

START_TEST(test_table_matches_directory)
{
	DIR *dir = opendir(EVENTS_DIR);
	ck_assert_msg(dir != NULL, "cannot list %s", EVENTS_DIR);
	bool listed[FIXTURE_COUNT] = { false };
	char missing[4096] = "";
	size_t files = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (!is_json_name(e->d_name))
			continue;
		files++;
		const struct fixture *f = find(e->d_name);
		if (!f) {
			strncat(missing, "\n  ", sizeof(missing) - strlen(missing) - 1);
			strncat(missing, e->d_name, sizeof(missing) - strlen(missing) - 1);
			continue;
		}
		listed[f - fixtures] = true;
	}
	closedir(dir);
	ck_assert_msg(missing[0] == '\0', "fixtures without an expectation in check_fixtures.c:%s", missing);
	for (size_t i = 0; i < FIXTURE_COUNT; i++) {
		ck_assert_msg(listed[i], "expectation for a file that is not in %s: %s", EVENTS_DIR, fixtures[i].file);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(fixtures[i].file, fixtures[j].file);
	}
	ck_assert_uint_eq(files, FIXTURE_COUNT);
}
END_TEST

static char code_for_decision(enum cf_forward_decision d)
{
	static const char codes[] = "FRKOPAU";
	ck_assert_int_ge(d, CF_FORWARD);
	ck_assert_int_le(d, CF_SKIP_UNKNOWN_EVENT);
	return codes[d];
}

static char code_for_order_status(enum cf_status st)
{
	switch (st) {
	case CF_ERR_JSON: return 'j';
	case CF_ERR_TYPE: return 't';
	case CF_ERR_MISSING: return 'm';
	case CF_ERR_NUMBER: return 'n';
	case CF_ERR_BASE64: return 'b';
	default: return '?';
	}
}

static char code_for_failure(enum cf_status st)
{
	ck_assert_int_gt(st, CF_OK);
	ck_assert_int_lt(st, 10);
	return (char)('0' + st);
}

/* The failure is reported with a problem naming the record. */
static void check_problem(const char *file, size_t i, const char *problem)
{
	ck_assert_msg(problem != NULL, "%s: record %zu failed without a problem", file, i);
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "Records[%zu]", i);
	ck_assert_msg(strncmp(problem, prefix, strlen(prefix)) == 0, "%s: problem \"%s\" does not start with %s", file,
		      problem, prefix);
}

static void check_stream(const struct fixture *f, const char *text, size_t len)
{
	struct cf_stream_event *ev = NULL;
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_status st = cf_stream_event_parse(text, len, &ev, &err);
	ck_assert_msg(st == f->status, "%s: stream parser: %d (%s), want %d", f->file, st, err.message, f->status);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->count, f->count);
	ck_assert_uint_eq(strlen(f->outcomes), f->count);
	for (int fifo = 0; fifo <= 1; fifo++) {
		struct cf_forward_options opt = { .fifo = fifo };
		struct cf_forward_batch *batch = NULL;
		ck_assert_int_eq(cf_forward_event(ev, &opt, &batch, &err), CF_OK);
		ck_assert_uint_eq(batch->outcome_count, ev->count);
		char got[256] = "";
		size_t forwarded = 0;
		for (size_t i = 0; i < ev->count && i < sizeof(got) - 1; i++) {
			const struct cf_record_outcome *oc = &batch->outcomes[i];
			const struct cf_stream_record *rec = &ev->records[i];
			if (oc->status) {
				got[i] = code_for_failure(oc->status);
				check_problem(f->file, i, oc->problem);
				/* A record that could not be read keeps its own status and problem. */
				ck_assert_int_eq(rec->status, oc->status);
				ck_assert_str_eq(rec->problem, oc->problem);
			} else {
				ck_assert_int_eq(rec->status, CF_OK);
				ck_assert_ptr_null(rec->problem);
				got[i] = code_for_decision(oc->decision);
				ck_assert_int_eq(oc->decision, cf_forward_decide(rec));
				if (oc->decision == CF_FORWARD)
					forwarded++;
			}
		}
		ck_assert_msg(strcmp(got, f->outcomes) == 0, "%s (%s): outcomes \"%s\", want \"%s\"", f->file,
			      fifo ? "FIFO" : "standard", got, f->outcomes);
		ck_assert_uint_eq(batch->message_count, forwarded);
		cf_forward_batch_destroy(batch);
	}
	cf_stream_event_destroy(ev);
}

static void check_sqs(const struct fixture *f, const char *text, size_t len)
{
	struct cf_sqs_event *ev = NULL;
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_status st = cf_sqs_event_parse(text, len, &ev, &err);
	ck_assert_msg(st == f->status, "%s: SQS parser: %d (%s), want %d", f->file, st, err.message, f->status);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->count, f->count);
	ck_assert_uint_eq(strlen(f->outcomes), f->count);
	char got[256] = "";
	for (size_t i = 0; i < ev->count && i < sizeof(got) - 1; i++) {
		const struct cf_sqs_record *rec = &ev->records[i];
		ck_assert_msg(rec->message_id.ptr && rec->message_id.len, "%s: record %zu has no messageId", f->file, i);
		if (rec->status) {
			got[i] = code_for_failure(rec->status);
			check_problem(f->file, i, rec->problem);
			continue;
		}
		ck_assert_ptr_null(rec->problem);
		ck_assert_ptr_nonnull(rec->body.ptr);
		struct cf_order *order = (struct cf_order *)&order;
		cf_error_clear(&err);
		enum cf_status ost = cf_order_parse(rec->body.ptr, rec->body.len, &order, &err);
		ck_assert_ptr_null(order);
		ck_assert_int_eq(err.code, ost);
		ck_assert_msg(err.message[0] != '\0', "%s: record %zu: order error without a message", f->file, i);
		got[i] = code_for_order_status(ost);
	}
	ck_assert_msg(strcmp(got, f->outcomes) == 0, "%s: outcomes \"%s\", want \"%s\"", f->file, got, f->outcomes);
	cf_sqs_event_destroy(ev);
}

/* The parser that does not match must refuse the file cleanly. */
static void check_refused(const char *file, const char *text, size_t len, bool stream, enum cf_status want)
{
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_status st;
	if (stream) {
		struct cf_stream_event *ev = (struct cf_stream_event *)&ev;
		st = cf_stream_event_parse(text, len, &ev, &err);
		ck_assert_ptr_null(ev);
	} else {
		struct cf_sqs_event *ev = (struct cf_sqs_event *)&ev;
		st = cf_sqs_event_parse(text, len, &ev, &err);
		ck_assert_ptr_null(ev);
	}
	ck_assert_msg(st == want, "%s: %s parser: %d (%s), want %d", file, stream ? "stream" : "SQS", st, err.message,
		      want);
	ck_assert_int_eq(err.code, want);
	ck_assert_msg(err.message[0] != '\0', "%s: refused without a message", file);
}

START_TEST(test_fixture)
{
	const struct fixture *f = &fixtures[_i];
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", EVENTS_DIR, f->file);
	size_t len;
	char *text = ts_read_file(path, &len);
	switch (f->parser) {
	case STREAM:
		check_stream(f, text, len);
		check_refused(f->file, text, len, false, CF_ERR_NOT_EVENT);
		break;
	case SQS:
		check_sqs(f, text, len);
		check_refused(f->file, text, len, true, CF_ERR_NOT_EVENT);
		break;
	case NEITHER:
		ck_assert_msg(f->status == CF_ERR_NOT_EVENT || f->status == CF_ERR_JSON, "%s: bad table row", f->file);
		check_refused(f->file, text, len, true, f->status);
		check_refused(f->file, text, len, false, f->status);
		break;
	}
	free(text);
}
END_TEST

START_TEST(test_bom_files_parse)
{
	/* Every file that starts with a UTF-8 BOM is valid JSON for the parsers (an event, or a response). */
	size_t boms = 0;
	for (size_t i = 0; i < FIXTURE_COUNT; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", EVENTS_DIR, fixtures[i].file);
		size_t len;
		char *text = ts_read_file(path, &len);
		if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
			boms++;
			ck_assert_msg(fixtures[i].status != CF_ERR_JSON, "%s has a BOM and is expected to be invalid JSON",
				      fixtures[i].file);
			/* Without the BOM the result is the same. */
			struct cf_stream_event *a = NULL, *b = NULL;
			ck_assert_int_eq(cf_stream_event_parse(text, len, &a, NULL),
					 cf_stream_event_parse(text + 3, len - 3, &b, NULL));
			cf_stream_event_destroy(a);
			cf_stream_event_destroy(b);
		}
		free(text);
	}
	ck_assert_uint_ge(boms, 7); /* the dotnet-* files */
}
END_TEST

START_TEST(test_malformed_typed_value_problems)
{
	size_t len;
	char *text = ts_read_data("events/powertools-ts-parser_DynamoDB.json", &len);
	struct cf_stream_event *ev = NULL;
	ck_assert_int_eq(cf_stream_event_parse(text, len, &ev, NULL), CF_OK);
	free(text);
	ck_assert_uint_eq(ev->count, 2);
	ck_assert_int_eq(ev->records[0].status, CF_ERR_TYPE);
	ck_assert_str_eq(ev->records[0].problem, "Records[0].dynamodb.NewImage.age.N: expected a JSON string, got number");
	ck_assert_int_eq(ev->records[1].status, CF_ERR_TYPE);
	ck_assert_str_eq(ev->records[1].problem, "Records[1].dynamodb.NewImage.age.N: expected a JSON string, got number");
	/* Both share eventID "1": the SequenceNumber is what identifies them. */
	ts_assert_cfstr_same(ev->records[0].event_id, ev->records[1].event_id);
	ts_assert_cfstr_eq(ev->records[0].sequence_number, "3275880929");
	ts_assert_cfstr_eq(ev->records[1].sequence_number, "8640712661");
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_malformed_file_is_json_error)
{
	size_t len;
	char *text = ts_read_data("events/lambda-go-dynamodb-event-malformed.2.json", &len);
	struct cf_error err;
	struct cf_stream_event *ev = (struct cf_stream_event *)&ev;
	ck_assert_int_eq(cf_stream_event_parse(text, len, &ev, &err), CF_ERR_JSON);
	ck_assert_ptr_null(ev);
	ck_assert_int_eq(strncmp(err.message, "offset ", 7), 0);
	ck_assert_ptr_nonnull(strstr(err.message, "(input ends)"));
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fixtures");
	TCase *tc = tcase_create("events");
	tcase_add_test(tc, test_table_matches_directory);
	tcase_add_loop_test(tc, test_fixture, 0, FIXTURE_COUNT);
	tcase_add_test(tc, test_bom_files_parse);
	tcase_add_test(tc, test_malformed_typed_value_problems);
	tcase_add_test(tc, test_malformed_file_is_json_error);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
