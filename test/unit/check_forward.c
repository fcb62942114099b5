/* Pure function 1: the forward rule and stream records to SQS messages. */
#include <check.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartflow/forward.h"
#include "cartflow/stream_event.h"
#include "test_support.h"

/* ---- building events ---- */

/* printf into a new malloc'd string. */
static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	char *s = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* One stream record as JSON; NULL event_id / images are left out. malloc'd. */
static char *record_json_view(const char *view, const char *event_id, const char *event_name, const char *seq,
			      const char *new_image, const char *old_image)
{
	char *id = event_id ? format("\"eventID\":\"%s\",", event_id) : strdup("");
	char *ni = new_image ? format(",\"NewImage\":%s", new_image) : strdup("");
	char *oi = old_image ? format(",\"OldImage\":%s", old_image) : strdup("");
	char *r = format("{%s\"eventName\":\"%s\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\","
			 "\"dynamodb\":{\"Keys\":{\"PK\":{\"S\":\"USER#u1\"}},\"SequenceNumber\":\"%s\","
			 "\"StreamViewType\":\"%s\"%s%s}}",
			 id, event_name, seq, view, ni, oi);
	free(id);
	free(ni);
	free(oi);
	return r;
}

static char *record_json(const char *event_id, const char *event_name, const char *seq, const char *new_image,
			 const char *old_image)
{
	return record_json_view("NEW_AND_OLD_IMAGES", event_id, event_name, seq, new_image, old_image);
}

/* Parse an event made of `n` records (each freed here). */
static struct cf_stream_event *event_of(char **records, size_t n)
{
	size_t total = 32;
	for (size_t i = 0; i < n; i++)
		total += strlen(records[i]) + 1;
	char *json = malloc(total);
	ck_assert_ptr_nonnull(json);
	strcpy(json, "{\"Records\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(json, ",");
		strcat(json, records[i]);
		free(records[i]);
	}
	strcat(json, "]}");
	struct cf_stream_event *ev = NULL;
	struct cf_error err;
	ck_assert_msg(cf_stream_event_parse(json, strlen(json), &ev, &err) == CF_OK, "%s", err.message);
	free(json);
	return ev;
}

static struct cf_forward_batch *forward_ok(const struct cf_stream_event *ev, bool fifo)
{
	struct cf_forward_options opt = { .fifo = fifo };
	struct cf_forward_batch *batch = NULL;
	struct cf_error err;
	ck_assert_msg(cf_forward_event(ev, &opt, &batch, &err) == CF_OK, "%s", err.message);
	ck_assert_ptr_nonnull(batch);
	ck_assert_uint_eq(batch->outcome_count, ev->count);
	return batch;
}

#define ORDERED_IMAGE                                                                                        \
	"{\"PK\":{\"S\":\"USER#u1\"},\"SK\":{\"S\":\"ORDER#o1\"},\"order_id\":{\"S\":\"o1\"},\"user_id\":{\"S\":\"u1\"}," \
	"\"order_status\":{\"S\":\"ORDERED\"},\"order_total\":{\"N\":\"7160\"},\"order_items\":{\"L\":[{\"M\":{"   \
	"\"productId\":{\"S\":\"p1\"},\"quantity\":{\"N\":\"2\"}}}]}}"
#define PENDING_IMAGE "{\"order_id\":{\"S\":\"o1\"},\"order_status\":{\"S\":\"PENDING\"}}"
#define NO_STATUS_IMAGE "{\"order_id\":{\"S\":\"o1\"}}"

/* ---- the rule ---- */

static const struct {
	const char *event_name;
	const char *new_image;
	const char *old_image;
	enum cf_forward_decision want;
} rule_cases[] = {
	{ "INSERT", ORDERED_IMAGE, NULL, CF_FORWARD },
	{ "INSERT", ORDERED_IMAGE, PENDING_IMAGE, CF_FORWARD },
	{ "INSERT", PENDING_IMAGE, NULL, CF_SKIP_NOT_ORDERED },
	{ "INSERT", NO_STATUS_IMAGE, NULL, CF_SKIP_NOT_ORDERED },
	{ "INSERT", "{\"order_status\":{\"S\":\"ordered\"}}", NULL, CF_SKIP_NOT_ORDERED },
	{ "INSERT", "{\"order_status\":{\"S\":\"ORDERED \"}}", NULL, CF_SKIP_NOT_ORDERED },
	{ "INSERT", "{\"order_status\":{\"SS\":[\"ORDERED\"]}}", NULL, CF_SKIP_NOT_ORDERED },
	{ "INSERT", "{\"order_status\":{\"L\":[{\"S\":\"ORDERED\"}]}}", NULL, CF_SKIP_NOT_ORDERED },
	{ "INSERT", "{\"status\":{\"S\":\"ORDERED\"}}", NULL, CF_SKIP_NOT_ORDERED },
	{ "INSERT", NULL, NULL, CF_SKIP_NO_NEW_IMAGE },
	{ "MODIFY", ORDERED_IMAGE, PENDING_IMAGE, CF_FORWARD },
	{ "MODIFY", ORDERED_IMAGE, NO_STATUS_IMAGE, CF_FORWARD },
	{ "MODIFY", ORDERED_IMAGE, "{}", CF_FORWARD },
	{ "MODIFY", ORDERED_IMAGE, "{\"order_status\":{\"N\":\"1\"}}", CF_FORWARD },
	{ "MODIFY", ORDERED_IMAGE, ORDERED_IMAGE, CF_SKIP_ALREADY_ORDERED },
	{ "MODIFY", ORDERED_IMAGE, NULL, CF_SKIP_NO_OLD_IMAGE },
	{ "MODIFY", PENDING_IMAGE, ORDERED_IMAGE, CF_SKIP_NOT_ORDERED },
	{ "MODIFY", PENDING_IMAGE, PENDING_IMAGE, CF_SKIP_NOT_ORDERED },
	{ "MODIFY", NULL, PENDING_IMAGE, CF_SKIP_NO_NEW_IMAGE },
	{ "REMOVE", NULL, ORDERED_IMAGE, CF_SKIP_REMOVE },
	{ "REMOVE", ORDERED_IMAGE, PENDING_IMAGE, CF_SKIP_REMOVE },
	{ "REMOVE", NULL, NULL, CF_SKIP_REMOVE },
	{ "UPSERT", ORDERED_IMAGE, NULL, CF_SKIP_UNKNOWN_EVENT },
	{ "insert", ORDERED_IMAGE, NULL, CF_SKIP_UNKNOWN_EVENT },
};

START_TEST(test_forward_rule)
{
	/* A stream view that does not promise a NewImage, so that records without one parse. */
	char *rec = record_json_view("OLD_IMAGE", "e1", rule_cases[_i].event_name, "1", rule_cases[_i].new_image,
				     rule_cases[_i].old_image);
	struct cf_stream_event *ev = event_of(&rec, 1);
	ck_assert_int_eq(ev->records[0].status, CF_OK);
	enum cf_forward_decision got = cf_forward_decide(&ev->records[0]);
	ck_assert_msg(got == rule_cases[_i].want, "%s new=%s old=%s: got %s, want %s", rule_cases[_i].event_name,
		      rule_cases[_i].new_image ? rule_cases[_i].new_image : "-",
		      rule_cases[_i].old_image ? rule_cases[_i].old_image : "-", cf_forward_decision_name(got),
		      cf_forward_decision_name(rule_cases[_i].want));
	/* cf_forward_event agrees with the rule. */
	struct cf_forward_batch *batch = forward_ok(ev, false);
	ck_assert_int_eq(batch->outcomes[0].status, CF_OK);
	ck_assert_int_eq(batch->outcomes[0].decision, rule_cases[_i].want);
	ck_assert_ptr_null(batch->outcomes[0].problem);
	ck_assert_uint_eq(batch->message_count, rule_cases[_i].want == CF_FORWARD ? 1 : 0);
	cf_forward_batch_destroy(batch);
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_decision_names)
{
	static const char *const names[] = {
		"forward", "skip: REMOVE", "skip: no NewImage", "skip: order_status is not ORDERED",
		"skip: MODIFY without OldImage", "skip: already ORDERED before", "skip: unknown eventName",
	};
	for (int d = CF_FORWARD; d <= CF_SKIP_UNKNOWN_EVENT; d++)
		ck_assert_str_eq(cf_forward_decision_name((enum cf_forward_decision)d), names[d]);
	ck_assert_str_eq(cf_forward_decision_name((enum cf_forward_decision)99), "unknown decision");
}
END_TEST

/* ---- messages ---- */

static bool entry_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n < 1 || n > 80)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static void check_entry_ids(const struct cf_forward_batch *batch)
{
	for (size_t i = 0; i < batch->message_count; i++) {
		ck_assert_msg(entry_id_ok(batch->messages[i].id), "bad entry id \"%s\"", batch->messages[i].id);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(batch->messages[i].id, batch->messages[j].id);
	}
}

START_TEST(test_mixed_batch)
{
	static const char pretty_image[] =
		"{ \"order_id\" : { \"S\" : \"o 2\" } ,\n\t\"order_status\": {\"S\":\"ORDERED\"},\r\n"
		"  \"note\": {\"S\": \"tab\\there \\u00e9 \\\"q\\\" <\\/b>\"},\n"
		"  \"items\": {\"L\": [ {\"M\": {\"productId\": {\"S\": \"p1\"}}} , {\"NULL\": true} ] } }";
	char *recs[] = {
		record_json("e0", "INSERT", "100", ORDERED_IMAGE, NULL),
		record_json("e1", "REMOVE", "101", NULL, ORDERED_IMAGE),
		record_json("e2", "MODIFY", "102", pretty_image, PENDING_IMAGE),
		record_json("e3", "INSERT", "103", "{\"order_status\":{\"S\":\"ORDERED\"},\"bad\":{\"N\":\"1e\"}}", NULL),
		record_json("e4", "MODIFY", "104", ORDERED_IMAGE, ORDERED_IMAGE),
		record_json("e5", "INSERT", "105", ORDERED_IMAGE, NULL),
	};
	struct cf_stream_event *ev = event_of(recs, 6);
	struct cf_forward_batch *batch = forward_ok(ev, false);

	ck_assert_uint_eq(batch->message_count, 3);
	const struct cf_record_outcome *oc = batch->outcomes;
	ck_assert_int_eq(oc[0].status, CF_OK);
	ck_assert_int_eq(oc[0].decision, CF_FORWARD);
	ck_assert_uint_eq(oc[0].message_index, 0);
	ck_assert_int_eq(oc[1].status, CF_OK);
	ck_assert_int_eq(oc[1].decision, CF_SKIP_REMOVE);
	ck_assert_int_eq(oc[2].decision, CF_FORWARD);
	ck_assert_uint_eq(oc[2].message_index, 1);
	/* The bad record is a failure, reported by its sequence number, never dropped. */
	ck_assert_int_eq(oc[3].status, CF_ERR_NUMBER);
	ck_assert_str_eq(oc[3].problem, "Records[3].dynamodb.NewImage.bad.N: invalid number: no digits in exponent");
	ts_assert_cfstr_eq(ev->records[3].sequence_number, "103");
	ck_assert_int_eq(oc[4].decision, CF_SKIP_ALREADY_ORDERED);
	ck_assert_int_eq(oc[5].decision, CF_FORWARD);
	ck_assert_uint_eq(oc[5].message_index, 2);

	const struct cf_sqs_message *m = batch->messages;
	ck_assert_uint_eq(m[0].record_index, 0);
	ck_assert_uint_eq(m[1].record_index, 2);
	ck_assert_uint_eq(m[2].record_index, 5);
	ck_assert_str_eq(m[0].body, ORDERED_IMAGE);
	ck_assert_uint_eq(m[0].body_len, strlen(ORDERED_IMAGE));
	ck_assert_str_eq(m[2].body, ORDERED_IMAGE);
	/* The body is the NewImage as compact typed JSON: the input with its whitespace removed, and escapes
	 * normalised (\t kept, \u00e9 and \/ written as plain characters). */
	char *compact = ts_json_compact(pretty_image);
	ck_assert_str_eq(compact, "{\"order_id\":{\"S\":\"o 2\"},\"order_status\":{\"S\":\"ORDERED\"},"
				  "\"note\":{\"S\":\"tab\\there \\u00e9 \\\"q\\\" <\\/b>\"},"
				  "\"items\":{\"L\":[{\"M\":{\"productId\":{\"S\":\"p1\"}}},{\"NULL\":true}]}}");
	ck_assert_str_eq(m[1].body, "{\"order_id\":{\"S\":\"o 2\"},\"order_status\":{\"S\":\"ORDERED\"},"
				    "\"note\":{\"S\":\"tab\\there \xC3\xA9 \\\"q\\\" </b>\"},"
				    "\"items\":{\"L\":[{\"M\":{\"productId\":{\"S\":\"p1\"}}},{\"NULL\":true}]}}");
	ck_assert(ts_json_equal(m[1].body, m[1].body_len, compact));
	ck_assert_uint_eq(strlen(m[1].body), m[1].body_len);
	free(compact);
	for (size_t i = 0; i < batch->message_count; i++) {
		ck_assert_ptr_null(m[i].group_id);
		ck_assert_ptr_null(m[i].deduplication_id);
	}
	check_entry_ids(batch);

	/* The batch owns its memory: it outlives the event. */
	cf_stream_event_destroy(ev);
	ck_assert_str_eq(m[2].body, ORDERED_IMAGE);
	ck_assert_str_eq(oc[3].problem, "Records[3].dynamodb.NewImage.bad.N: invalid number: no digits in exponent");
	cf_forward_batch_destroy(batch);
}
END_TEST

START_TEST(test_every_record_forwarded_in_a_big_batch)
{
	enum { N = 300 };
	char *recs[N];
	for (size_t i = 0; i < N; i++) {
		char id[32], seq[32];
		snprintf(id, sizeof(id), "event-%zu", i);
		snprintf(seq, sizeof(seq), "%zu", 5000 + i);
		recs[i] = record_json(id, "INSERT", seq, ORDERED_IMAGE, NULL);
	}
	struct cf_stream_event *ev = event_of(recs, N);
	struct cf_forward_batch *batch = forward_ok(ev, true);
	ck_assert_uint_eq(batch->message_count, N);
	check_entry_ids(batch);
	for (size_t i = 0; i < N; i++) {
		ck_assert_uint_eq(batch->outcomes[i].message_index, i);
		ck_assert_uint_eq(batch->messages[i].record_index, i);
		ck_assert_str_eq(batch->messages[i].body, ORDERED_IMAGE);
		char id[32];
		snprintf(id, sizeof(id), "event-%zu", i);
		ck_assert_str_eq(batch->messages[i].deduplication_id, id);
	}
	cf_forward_batch_destroy(batch);
	cf_stream_event_destroy(ev);
}
END_TEST

/* ---- FIFO ---- */

static void sha256_hex(const char *s, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)s, len, md);
	for (size_t i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

START_TEST(test_fifo_ids)
{
	char long_ok[129], too_long[130];
	memset(long_ok, 'a', 128);
	long_ok[128] = '\0';
	memset(too_long, 'b', 129);
	too_long[129] = '\0';
	char *recs[] = {
		record_json("c81e728d9d4c2f636f067f89cc14862c", "INSERT", "1", ORDERED_IMAGE, NULL),
		record_json("has space", "INSERT", "2", ORDERED_IMAGE, NULL),
		record_json(long_ok, "INSERT", "3", ORDERED_IMAGE, NULL),
		record_json(too_long, "INSERT", "4", ORDERED_IMAGE, NULL),
		record_json("punct!#$%&'()*+,-./:;<=>?@[]^_`{|}~", "INSERT", "5", ORDERED_IMAGE, NULL),
		record_json("caf\xC3\xA9", "INSERT", "6", ORDERED_IMAGE, NULL),
	};
	struct cf_stream_event *ev = event_of(recs, 6);
	struct cf_forward_batch *batch = forward_ok(ev, true);
	ck_assert_uint_eq(batch->message_count, 6);
	const struct cf_sqs_message *m = batch->messages;
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(m[i].group_id, "o1");
	ck_assert_str_eq(m[0].deduplication_id, "c81e728d9d4c2f636f067f89cc14862c");
	char hex[65];
	sha256_hex("has space", 9, hex);
	ck_assert_str_eq(m[1].deduplication_id, hex);
	ck_assert_str_eq(m[2].deduplication_id, long_ok);
	sha256_hex(too_long, 129, hex);
	ck_assert_str_eq(m[3].deduplication_id, hex);
	ck_assert_uint_eq(strlen(m[3].deduplication_id), 64);
	ck_assert_str_eq(m[4].deduplication_id, "punct!#$%&'()*+,-./:;<=>?@[]^_`{|}~");
	sha256_hex("caf\xC3\xA9", 5, hex);
	ck_assert_str_eq(m[5].deduplication_id, hex);
	check_entry_ids(batch);
	cf_forward_batch_destroy(batch);
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_fifo_group_id_from_order_id)
{
	char *recs[] = {
		record_json("e1", "INSERT", "1",
			    "{\"order_id\":{\"S\":\"order 7\"},\"order_status\":{\"S\":\"ORDERED\"}}", NULL),
		record_json("e2", "INSERT", "2",
			    "{\"order_id\":{\"S\":\"o-42_x\"},\"order_status\":{\"S\":\"ORDERED\"}}", NULL),
	};
	struct cf_stream_event *ev = event_of(recs, 2);
	struct cf_forward_batch *batch = forward_ok(ev, true);
	ck_assert_uint_eq(batch->message_count, 2);
	char hex[65];
	sha256_hex("order 7", 7, hex);
	ck_assert_str_eq(batch->messages[0].group_id, hex);
	ck_assert_str_eq(batch->messages[1].group_id, "o-42_x");
	cf_forward_batch_destroy(batch);
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_fifo_without_order_id_fails_the_record)
{
	char *recs[] = {
		record_json("e0", "INSERT", "10", "{\"order_status\":{\"S\":\"ORDERED\"}}", NULL),
		record_json("e1", "INSERT", "11", ORDERED_IMAGE, NULL),
		record_json("e2", "INSERT", "12", "{\"order_id\":{\"N\":\"1\"},\"order_status\":{\"S\":\"ORDERED\"}}", NULL),
		record_json("e3", "INSERT", "13", "{\"order_id\":{\"S\":\"\"},\"order_status\":{\"S\":\"ORDERED\"}}", NULL),
		record_json(NULL, "INSERT", "14", ORDERED_IMAGE, NULL),
		record_json("", "INSERT", "15", ORDERED_IMAGE, NULL),
		record_json("e6", "INSERT", "16", ORDERED_IMAGE, NULL),
	};
	struct cf_stream_event *ev = event_of(recs, 7);
	struct cf_forward_batch *batch = forward_ok(ev, true);
	const struct cf_record_outcome *oc = batch->outcomes;
	const char *no_order_id = "dynamodb.NewImage.order_id: missing S, needed as MessageGroupId";
	const char *no_event_id = "eventID: missing, needed for MessageDeduplicationId";
	static const size_t failed[] = { 0, 2, 3, 4, 5 };
	for (size_t k = 0; k < sizeof(failed) / sizeof(failed[0]); k++) {
		size_t i = failed[k];
		ck_assert_int_eq(oc[i].status, CF_ERR_MISSING);
		char want[256];
		snprintf(want, sizeof(want), "Records[%zu].%s", i, i < 4 ? no_order_id : no_event_id);
		ck_assert_str_eq(oc[i].problem, want);
	}
	ck_assert_uint_eq(batch->message_count, 2);
	ck_assert_int_eq(oc[1].status, CF_OK);
	ck_assert_uint_eq(oc[1].message_index, 0);
	ck_assert_int_eq(oc[6].status, CF_OK);
	ck_assert_uint_eq(oc[6].message_index, 1);
	ck_assert_uint_eq(batch->messages[1].record_index, 6);
	/* A failed FIFO record leaves no trace in the next message's body. */
	ck_assert_str_eq(batch->messages[0].body, ORDERED_IMAGE);
	ck_assert_str_eq(batch->messages[1].body, ORDERED_IMAGE);
	ck_assert_str_eq(batch->messages[1].deduplication_id, "e6");
	cf_forward_batch_destroy(batch);

	/* The same records on a standard queue need neither. */
	batch = forward_ok(ev, false);
	ck_assert_uint_eq(batch->message_count, 7);
	for (size_t i = 0; i < 7; i++)
		ck_assert_int_eq(batch->outcomes[i].status, CF_OK);
	cf_forward_batch_destroy(batch);
	cf_stream_event_destroy(ev);
}
END_TEST

/* ---- failures and arguments ---- */

START_TEST(test_malformed_typed_value_fixture)
{
	size_t len;
	char *text = ts_read_data("events/powertools-ts-parser_DynamoDB.json", &len);
	struct cf_stream_event *ev = NULL;
	ck_assert_int_eq(cf_stream_event_parse(text, len, &ev, NULL), CF_OK);
	free(text);
	struct cf_forward_batch *batch = forward_ok(ev, false);
	ck_assert_uint_eq(batch->message_count, 0);
	static const char *const seq[] = { "3275880929", "8640712661" };
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(batch->outcomes[i].status, CF_ERR_TYPE);
		char want[128];
		snprintf(want, sizeof(want), "Records[%zu].dynamodb.NewImage.age.N: expected a JSON string, got number", i);
		ck_assert_str_eq(batch->outcomes[i].problem, want);
		ts_assert_cfstr_eq(ev->records[i].sequence_number, seq[i]);
	}
	cf_forward_batch_destroy(batch);
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_empty_event_and_arguments)
{
	struct cf_stream_event *ev = NULL;
	ck_assert_int_eq(cf_stream_event_parse("{\"Records\":[]}", 14, &ev, NULL), CF_OK);
	struct cf_forward_batch *batch = (struct cf_forward_batch *)&batch;
	ck_assert_int_eq(cf_forward_event(ev, NULL, &batch, NULL), CF_OK);
	ck_assert_uint_eq(batch->message_count, 0);
	ck_assert_uint_eq(batch->outcome_count, 0);
	cf_forward_batch_destroy(batch);
	struct cf_error err;
	ck_assert_int_eq(cf_forward_event(NULL, NULL, &batch, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(err.code, CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_forward_event(ev, NULL, NULL, &err), CF_ERR_INVALID_ARG);
	cf_forward_batch_destroy(NULL);
	cf_stream_event_destroy(ev);
}
END_TEST

START_TEST(test_failed_call_clears_out)
{
	/* STYLE.md: "On failure an out-parameter is left zeroed with nothing to free." */
	struct cf_forward_batch *batch = (struct cf_forward_batch *)&batch;
	ck_assert_int_eq(cf_forward_event(NULL, NULL, &batch, NULL), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(batch);
}
END_TEST

START_TEST(test_null_options_mean_standard_queue)
{
	char *rec = record_json("e", "INSERT", "1", ORDERED_IMAGE, NULL);
	struct cf_stream_event *ev = event_of(&rec, 1);
	struct cf_forward_batch *batch = NULL;
	ck_assert_int_eq(cf_forward_event(ev, NULL, &batch, NULL), CF_OK);
	ck_assert_uint_eq(batch->message_count, 1);
	ck_assert_ptr_null(batch->messages[0].group_id);
	ck_assert_ptr_null(batch->messages[0].deduplication_id);
	cf_forward_batch_destroy(batch);
	cf_stream_event_destroy(ev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("forward");
	TCase *tc = tcase_create("rule");
	tcase_add_loop_test(tc, test_forward_rule, 0, (int)(sizeof(rule_cases) / sizeof(rule_cases[0])));
	tcase_add_test(tc, test_decision_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("messages");
	tcase_add_test(tc, test_mixed_batch);
	tcase_add_test(tc, test_every_record_forwarded_in_a_big_batch);
	tcase_add_test(tc, test_null_options_mean_standard_queue);
	suite_add_tcase(s, tc);
	tc = tcase_create("fifo");
	tcase_add_test(tc, test_fifo_ids);
	tcase_add_test(tc, test_fifo_group_id_from_order_id);
	tcase_add_test(tc, test_fifo_without_order_id_fails_the_record);
	suite_add_tcase(s, tc);
	tc = tcase_create("failures");
	tcase_add_test(tc, test_malformed_typed_value_fixture);
	tcase_add_test(tc, test_empty_event_and_arguments);
	tcase_add_test(tc, test_failed_call_clears_out);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
