/*
 * SendMessageBatch (cf_sqs_send_messages) against the fake transport. A handler plays SQS: it parses
 * each request body with json-c and answers Successful/Failed entries by a per-Id script.
 * The clock is deterministic (random_unit 0.5, 100 ms base: backoffs of 50, 100 ms).
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
#include "cartflow/fake_transport.h"
#include "cartflow/forward.h"
#include "cartflow/sqs_client.h"
#include "cartflow/transport.h"
#include "test_support.h"

#define QUEUE_URL "https://sqs.us-east-1.amazonaws.com/123456789012/update-cart-status"

/* ---- a fake SQS behind the fake transport ---- */

enum fate { FATE_OK, FATE_RETRYABLE, FATE_SENDER_FAULT, FATE_OMIT };

/* What happens to entry `id` the 1st, 2nd, 3rd (and later) time a 2xx answer covers it. */
struct rule {
	const char *id;
	enum fate fates[3];
};

struct sqs_server {
	const struct rule *rules;
	size_t rule_count;
	unsigned seen[32];              /* per rule */
	const char *fail_call_with_id;  /* answer 500 to every call carrying this Id */
	const char *permanent_call_error; /* answer 400 with this __type to every call */
	size_t calls;
};

static enum fate fate_of(struct sqs_server *sv, const char *id)
{
	for (size_t i = 0; i < sv->rule_count; i++) {
		if (strcmp(sv->rules[i].id, id))
			continue;
		unsigned n = sv->seen[i]++;
		return sv->rules[i].fates[n < 3 ? n : 2];
	}
	return FATE_OK;
}

static enum cf_status answer(struct cf_http_response *resp, long status, struct json_object *body)
{
	const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
	resp->status = status;
	enum cf_status st = cf_http_response_set_body(resp, text, strlen(text));
	json_object_put(body);
	return st;
}

static enum cf_status sqs_handler(void *user, const struct cf_http_request *req, struct cf_http_response *resp,
				  struct cf_error *err)
{
	(void)err;
	struct sqs_server *sv = user;
	sv->calls++;
	struct json_object *root = ts_json_parse_n(req->body, req->body_len), *entries, *v;
	ck_assert_ptr_nonnull(root);
	ck_assert(json_object_object_get_ex(root, "QueueUrl", &v));
	ck_assert_str_eq(json_object_get_string(v), QUEUE_URL);
	ck_assert(json_object_object_get_ex(root, "Entries", &entries));
	ck_assert(json_object_is_type(entries, json_type_array));
	size_t n = json_object_array_length(entries);
	ck_assert(n >= 1 && n <= 10);

	struct json_object *out = json_object_new_object();
	ck_assert_ptr_nonnull(out);
	if (sv->permanent_call_error || sv->fail_call_with_id) {
		bool fail = sv->permanent_call_error != NULL;
		for (size_t k = 0; k < n && !fail; k++) {
			json_object_object_get_ex(json_object_array_get_idx(entries, k), "Id", &v);
			fail = !strcmp(json_object_get_string(v), sv->fail_call_with_id);
		}
		if (fail) {
			json_object_object_add(out, "__type", json_object_new_string(sv->permanent_call_error
											 ? sv->permanent_call_error
											 : "InternalFailure"));
			json_object_object_add(out, "message", json_object_new_string("scripted call failure"));
			json_object_put(root);
			return answer(resp, sv->permanent_call_error ? 400 : 500, out);
		}
	}
	struct json_object *ok = json_object_new_array(), *failed = json_object_new_array();
	for (size_t k = 0; k < n; k++) {
		json_object_object_get_ex(json_object_array_get_idx(entries, k), "Id", &v);
		const char *id = json_object_get_string(v);
		char mid[128];
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "Id", json_object_new_string(id));
		switch (fate_of(sv, id)) {
		case FATE_OK:
			snprintf(mid, sizeof(mid), "mid-%s", id);
			json_object_object_add(e, "MessageId", json_object_new_string(mid));
			json_object_object_add(e, "MD5OfMessageBody", json_object_new_string("0123456789abcdef"));
			json_object_array_add(ok, e);
			break;
		case FATE_RETRYABLE:
			json_object_object_add(e, "SenderFault", json_object_new_boolean(0));
			json_object_object_add(e, "Code", json_object_new_string("InternalError"));
			json_object_object_add(e, "Message", json_object_new_string("try again"));
			json_object_array_add(failed, e);
			break;
		case FATE_SENDER_FAULT:
			json_object_object_add(e, "SenderFault", json_object_new_boolean(1));
			json_object_object_add(e, "Code", json_object_new_string("InvalidMessageContents"));
			json_object_object_add(e, "Message", json_object_new_string("bad characters"));
			json_object_array_add(failed, e);
			break;
		case FATE_OMIT:
			json_object_put(e);
			break;
		}
	}
	json_object_object_add(out, "Successful", ok);
	json_object_object_add(out, "Failed", failed);
	json_object_put(root);
	return answer(resp, 200, out);
}

/* ---- fixture ---- */

struct fixture {
	struct aws_rig rig;
	struct sqs_server server;
};

/* The rig with the fake SQS answering, its server reset. */
static void fx_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	aws_rig_init(&f->rig, &(struct aws_rig_options){ .handler = sqs_handler, .handler_user = &f->server });
}

/* Messages m0..m<n-1> with bodies {"n":<i>}; strings live in `store`. */
struct messages {
	struct cf_sqs_message m[64];
	char bodies[64][32];
};

static void make_messages(struct messages *ms, size_t n)
{
	ck_assert_uint_le(n, 64);
	memset(ms, 0, sizeof(*ms));
	for (size_t i = 0; i < n; i++) {
		snprintf(ms->m[i].id, sizeof(ms->m[i].id), "m%zu", i);
		snprintf(ms->bodies[i], sizeof(ms->bodies[i]), "{\"n\":%zu}", i);
		ms->m[i].body = ms->bodies[i];
		ms->m[i].body_len = strlen(ms->bodies[i]);
		ms->m[i].record_index = i;
	}
}

static enum cf_status send_ok(struct fixture *f, const struct cf_sqs_send_options *opt, const struct cf_sqs_message *m,
			   size_t n, struct cf_sqs_send_result *res)
{
	struct cf_sqs_send_options def = { .queue_url = QUEUE_URL };
	struct cf_error err = { 0 };
	enum cf_status st = cf_sqs_send_messages(f->rig.client, opt ? opt : &def, m, n, res, &err);
	ck_assert_msg(st == CF_OK, "cf_sqs_send_messages: %d %s", (int)st, err.message);
	return st;
}

/* make_messages, then send them with the default options (send_ok). */
static void make_and_send(struct fixture *f, struct messages *ms, size_t n, struct cf_sqs_send_result *res)
{
	make_messages(ms, n);
	send_ok(f, NULL, ms->m, n, res);
}

/* The parsed body of recorded call `i` (0-based); put it with json_object_put. */
static struct json_object *request_body(const struct fixture *f, size_t i)
{
	const struct cf_http_request *r = cf_fake_transport_request(f->rig.fake, i);
	ck_assert_ptr_nonnull(r);
	struct json_object *root = ts_json_parse_n(r->body, r->body_len);
	ck_assert_ptr_nonnull(root);
	return root;
}

static struct json_object *entries_of(struct json_object *root)
{
	struct json_object *e;
	ck_assert(json_object_object_get_ex(root, "Entries", &e));
	return e;
}

static const char *entry_str(struct json_object *entries, size_t k, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(json_object_array_get_idx(entries, k), key, &v))
		return NULL;
	return json_object_get_string(v);
}

/* Ids carried by call `i`, joined with commas. */
static void call_ids(const struct fixture *f, size_t i, char *out, size_t cap)
{
	struct json_object *root = request_body(f, i), *entries = entries_of(root);
	out[0] = '\0';
	for (size_t k = 0; k < json_object_array_length(entries); k++) {
		size_t len = strlen(out);
		snprintf(out + len, cap - len, "%s%s", k ? "," : "", entry_str(entries, k, "Id"));
	}
	json_object_put(root);
}

static void assert_call_ids(const struct fixture *f, size_t i, const char *want)
{
	char got[1024];
	call_ids(f, i, got, sizeof(got));
	ck_assert_msg(!strcmp(got, want), "call %zu carried [%s], want [%s]", i, got, want);
}

static void assert_sent(const struct cf_sqs_send_result *r, const char *id, unsigned attempts)
{
	char mid[128];
	snprintf(mid, sizeof(mid), "mid-%s", id);
	ck_assert_msg(r->status == CF_OK, "%s: status %d (%s: %s)", id, (int)r->status, r->code, r->message);
	ck_assert_int_eq(r->error_class, CF_AWS_OK);
	ck_assert_str_eq(r->message_id, mid);
	ck_assert_str_eq(r->code, "");
	ck_assert_str_eq(r->message, "");
	ck_assert_uint_eq(r->attempts, attempts);
}

/* Entry `r` failed with `status`, `cls` and `code` after `attempts` attempts. */
static void assert_failed(const struct cf_sqs_send_result *r, enum cf_status status, enum cf_aws_error_class cls,
			  const char *code, unsigned attempts)
{
	ck_assert_int_eq(r->status, status);
	ck_assert_int_eq(r->error_class, cls);
	ck_assert_str_eq(r->code, code);
	ck_assert_uint_eq(r->attempts, attempts);
}

/* ---- packing ---- */

START_TEST(test_batches_of_ten)
{
	struct fixture f;
	fx_init(&f);
	struct messages ms;
	struct cf_sqs_send_result res[25];
	make_and_send(&f, &ms, 25, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 3);
	ck_assert_uint_eq(f.rig.spy.batches, 1);
	ck_assert_uint_eq(f.rig.spy.last_max_in_flight, 10);
	const size_t sizes[3] = { 10, 10, 5 };
	size_t next = 0;
	for (size_t c = 0; c < 3; c++) {
		const struct cf_http_request *r = cf_fake_transport_request(f.rig.fake, c);
		ck_assert_str_eq(r->method, "POST");
		ck_assert_str_eq(r->url, "http://127.0.0.1:1/");
		ck_assert_str_eq(ar_header(r, "X-Amz-Target"), "AmazonSQS.SendMessageBatch");
		const char *auth = ar_header(r, "Authorization");
		const char *scope = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sqs/aws4_request, ";
		ck_assert_msg(!strncmp(auth, scope, strlen(scope)), "%s", auth);

		struct json_object *root = request_body(&f, c), *v;
		ck_assert_int_eq(json_object_object_length(root), 2);
		ck_assert(json_object_object_get_ex(root, "QueueUrl", &v));
		ck_assert_str_eq(json_object_get_string(v), QUEUE_URL);
		struct json_object *entries = entries_of(root);
		ck_assert_uint_eq(json_object_array_length(entries), sizes[c]);
		for (size_t k = 0; k < sizes[c]; k++, next++) {
			ck_assert_str_eq(entry_str(entries, k, "Id"), ms.m[next].id);
			ck_assert_str_eq(entry_str(entries, k, "MessageBody"), ms.bodies[next]);
			ck_assert_int_eq(json_object_object_length(json_object_array_get_idx(entries, k)), 2);
			ck_assert_ptr_null(entry_str(entries, k, "MessageGroupId"));
			ck_assert_ptr_null(entry_str(entries, k, "MessageDeduplicationId"));
		}
		json_object_put(root);
	}
	for (size_t i = 0; i < 25; i++)
		assert_sent(&res[i], ms.m[i].id, 1);
	ck_assert_uint_eq(f.rig.clk.sleep_count, 0);
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_fifo_fields)
{
	struct fixture f;
	fx_init(&f);
	struct messages ms;
	make_messages(&ms, 3);
	ms.m[0].group_id = "order-1";
	ms.m[0].deduplication_id = "dedup-1";
	ms.m[1].group_id = "order-2";
	ms.m[2].deduplication_id = "dedup-3";
	struct cf_sqs_send_result res[3];
	send_ok(&f, NULL, ms.m, 3, res);
	struct json_object *root = request_body(&f, 0), *entries = entries_of(root);
	ck_assert_str_eq(entry_str(entries, 0, "MessageGroupId"), "order-1");
	ck_assert_str_eq(entry_str(entries, 0, "MessageDeduplicationId"), "dedup-1");
	ck_assert_str_eq(entry_str(entries, 1, "MessageGroupId"), "order-2");
	ck_assert_ptr_null(entry_str(entries, 1, "MessageDeduplicationId"));
	ck_assert_ptr_null(entry_str(entries, 2, "MessageGroupId"));
	ck_assert_str_eq(entry_str(entries, 2, "MessageDeduplicationId"), "dedup-3");
	json_object_put(root);
	for (size_t i = 0; i < 3; i++)
		assert_sent(&res[i], ms.m[i].id, 1);
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_body_escaping)
{
	struct fixture f;
	fx_init(&f);
	static const char body[] = "{\"s\":\"q\\\"uote\"}\n\ttab \x01\x1f caf\xc3\xa9 \xe2\x82\xac \\ / \0nul";
	struct cf_sqs_message m = { .id = "esc", .body = body, .body_len = sizeof(body) - 1 };
	struct cf_sqs_send_result res;
	send_ok(&f, NULL, &m, 1, &res);
	assert_sent(&res, "esc", 1);
	struct json_object *root = request_body(&f, 0), *entries = entries_of(root), *v;
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(entries, 0), "MessageBody", &v));
	ck_assert_int_eq(json_object_get_string_len(v), (int)(sizeof(body) - 1));
	ck_assert_mem_eq(json_object_get_string(v), body, sizeof(body) - 1);
	json_object_put(root);
	aws_rig_clean_up(&f.rig);
}
END_TEST

static void fill_body(char *buf, size_t len, char c)
{
	memset(buf, c, len);
	buf[len] = '\0';
}

START_TEST(test_payload_limit)
{
	struct fixture f;
	fx_init(&f);
	static char b400[4][401], b1000[1001], b1001[1002];
	for (int i = 0; i < 4; i++)
		fill_body(b400[i], 400, (char)('a' + i));
	fill_body(b1000, 1000, 'x');
	fill_body(b1001, 1001, 'y');
	struct cf_sqs_message m[6] = {
		{ .id = "a", .body = b400[0], .body_len = 400 },   { .id = "b", .body = b400[1], .body_len = 400 },
		{ .id = "big", .body = b1001, .body_len = 1001 }, { .id = "c", .body = b400[2], .body_len = 400 },
		{ .id = "d", .body = b1000, .body_len = 1000 },   { .id = "e", .body = b400[3], .body_len = 400 },
	};
	struct cf_sqs_send_options opt = { .queue_url = QUEUE_URL, .max_payload_bytes = 1000 };
	struct cf_sqs_send_result res[6];
	send_ok(&f, &opt, m, 6, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 4);
	assert_call_ids(&f, 0, "a,b");
	assert_call_ids(&f, 1, "c");
	assert_call_ids(&f, 2, "d");
	assert_call_ids(&f, 3, "e");
	assert_sent(&res[0], "a", 1);
	assert_sent(&res[1], "b", 1);
	assert_failed(&res[2], CF_ERR_TOO_LARGE, CF_AWS_PERMANENT, "MessageTooLong", 0);
	ck_assert_str_eq(res[2].message, "message body of 1001 bytes exceeds the 1000-byte limit");
	ck_assert_str_eq(res[2].message_id, "");
	assert_sent(&res[3], "c", 1);
	assert_sent(&res[4], "d", 1);
	assert_sent(&res[5], "e", 1);
	aws_rig_clean_up(&f.rig);

	/* Five bodies of 400 under a 1000-byte limit: two per batch. */
	fx_init(&f);
	struct messages ms;
	make_messages(&ms, 5);
	static char five[5][401];
	for (size_t i = 0; i < 5; i++) {
		fill_body(five[i], 400, 'z');
		ms.m[i].body = five[i];
		ms.m[i].body_len = 400;
	}
	send_ok(&f, &opt, ms.m, 5, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 3);
	assert_call_ids(&f, 0, "m0,m1");
	assert_call_ids(&f, 1, "m2,m3");
	assert_call_ids(&f, 2, "m4");
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_default_payload_limit)
{
	struct fixture f;
	fx_init(&f);
	size_t big = CF_SQS_DEFAULT_MAX_PAYLOAD + 1;
	char *body = malloc(big + 1);
	ck_assert_ptr_nonnull(body);
	fill_body(body, big, 'q');
	struct cf_sqs_message m[2] = { { .id = "big", .body = body, .body_len = big },
				       { .id = "ok", .body = body, .body_len = CF_SQS_DEFAULT_MAX_PAYLOAD } };
	struct cf_sqs_send_result res[2];
	send_ok(&f, NULL, m, 2, res);
	ck_assert_int_eq(res[0].status, CF_ERR_TOO_LARGE);
	assert_sent(&res[1], "ok", 1);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 1);
	free(body);
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_duplicate_ids_split)
{
	struct fixture f;
	fx_init(&f);
	struct messages ms;
	make_messages(&ms, 5);
	const char *ids[5] = { "a", "b", "a", "c", "a" };
	for (size_t i = 0; i < 5; i++)
		snprintf(ms.m[i].id, sizeof(ms.m[i].id), "%s", ids[i]);
	struct cf_sqs_send_result res[5];
	send_ok(&f, NULL, ms.m, 5, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 3);
	assert_call_ids(&f, 0, "a,b");
	assert_call_ids(&f, 1, "a,c");
	assert_call_ids(&f, 2, "a");
	/* Bodies went with the right entries. */
	struct json_object *root = request_body(&f, 1), *entries = entries_of(root);
	ck_assert_str_eq(entry_str(entries, 0, "MessageBody"), ms.bodies[2]);
	json_object_put(root);
	for (size_t i = 0; i < 5; i++)
		assert_sent(&res[i], ids[i], 1);
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_invalid_ids)
{
	struct fixture f;
	fx_init(&f);
	struct messages ms;
	make_messages(&ms, 6);
	snprintf(ms.m[0].id, sizeof(ms.m[0].id), "%s", "");
	snprintf(ms.m[1].id, sizeof(ms.m[1].id), "%s", "has space");
	snprintf(ms.m[2].id, sizeof(ms.m[2].id), "%s", "dot.id");
	memset(ms.m[3].id, 'x', CF_SQS_ENTRY_ID_MAX);
	ms.m[3].id[CF_SQS_ENTRY_ID_MAX] = '\0';
	ms.m[3].id[0] = '-';
	ms.m[3].id[1] = '_';
	snprintf(ms.m[4].id, sizeof(ms.m[4].id), "%s", "caf\xc3\xa9");
	snprintf(ms.m[5].id, sizeof(ms.m[5].id), "%s", "Ok_9-z");
	struct cf_sqs_send_result res[6];
	send_ok(&f, NULL, ms.m, 6, res);
	for (size_t i = 0; i < 6; i++) {
		if (i == 3 || i == 5)
			continue;
		ck_assert_msg(res[i].status == CF_ERR_INVALID_ARG, "message %zu: %d", i, (int)res[i].status);
		ck_assert_int_eq(res[i].error_class, CF_AWS_PERMANENT);
		ck_assert_str_eq(res[i].code, "InvalidBatchEntryId");
		ck_assert_uint_eq(res[i].attempts, 0);
	}
	assert_sent(&res[3], ms.m[3].id, 1);
	assert_sent(&res[5], "Ok_9-z", 1);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 1);
	char want[200];
	snprintf(want, sizeof(want), "%s,Ok_9-z", ms.m[3].id);
	assert_call_ids(&f, 0, want);
	aws_rig_clean_up(&f.rig);
}
END_TEST

/* ---- per-entry failures ---- */

START_TEST(test_failed_entries_retried)
{
	struct fixture f;
	fx_init(&f);
	static const struct rule rules[] = { { "m1", { FATE_RETRYABLE, FATE_OK, FATE_OK } },
					     { "m3", { FATE_RETRYABLE, FATE_OK, FATE_OK } } };
	f.server.rules = rules;
	f.server.rule_count = 2;
	struct messages ms;
	struct cf_sqs_send_result res[5];
	make_and_send(&f, &ms, 5, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 2);
	assert_call_ids(&f, 0, "m0,m1,m2,m3,m4");
	assert_call_ids(&f, 1, "m1,m3");
	struct json_object *root = request_body(&f, 1), *entries = entries_of(root);
	ck_assert_str_eq(entry_str(entries, 0, "MessageBody"), "{\"n\":1}");
	ck_assert_str_eq(entry_str(entries, 1, "MessageBody"), "{\"n\":3}");
	json_object_put(root);
	assert_sent(&res[0], "m0", 1);
	assert_sent(&res[1], "m1", 2);
	assert_sent(&res[2], "m2", 1);
	assert_sent(&res[3], "m3", 2);
	assert_sent(&res[4], "m4", 1);
	ar_assert_sleeps(&f.rig.clk, 1, (const int64_t[]){ 50 });
	/* Full quota (refund capped), two entry retries at 5 each, one refund for the second call. */
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.rig.client), 500 - 10 + 1);
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_failed_entry_out_of_attempts)
{
	struct fixture f;
	fx_init(&f);
	static const struct rule rules[] = { { "m0", { FATE_RETRYABLE, FATE_RETRYABLE, FATE_RETRYABLE } } };
	f.server.rules = rules;
	f.server.rule_count = 1;
	struct messages ms;
	struct cf_sqs_send_result res[2];
	make_and_send(&f, &ms, 2, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 3);
	assert_call_ids(&f, 1, "m0");
	assert_call_ids(&f, 2, "m0");
	assert_failed(&res[0], CF_ERR_AWS, CF_AWS_TRANSIENT, "InternalError", 3);
	ck_assert_str_eq(res[0].message, "try again");
	ck_assert_str_eq(res[0].message_id, "");
	assert_sent(&res[1], "m1", 1);
	ar_assert_sleeps(&f.rig.clk, 2, (const int64_t[]){ 50, 100 });
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_sender_fault_not_retried)
{
	struct fixture f;
	fx_init(&f);
	static const struct rule rules[] = { { "m2", { FATE_SENDER_FAULT, FATE_OK, FATE_OK } } };
	f.server.rules = rules;
	f.server.rule_count = 1;
	struct messages ms;
	struct cf_sqs_send_result res[4];
	make_and_send(&f, &ms, 4, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 1);
	assert_failed(&res[2], CF_ERR_AWS, CF_AWS_PERMANENT, "InvalidMessageContents", 1);
	ck_assert_str_eq(res[2].message, "bad characters");
	ck_assert_str_eq(res[2].message_id, "");
	assert_sent(&res[0], "m0", 1);
	assert_sent(&res[1], "m1", 1);
	assert_sent(&res[3], "m3", 1);
	ck_assert_uint_eq(f.rig.clk.sleep_count, 0);
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_missing_entry_retried)
{
	struct fixture f;
	fx_init(&f);
	static const struct rule rules[] = { { "m0", { FATE_OMIT, FATE_OK, FATE_OK } },
					     { "m1", { FATE_OMIT, FATE_OMIT, FATE_OMIT } } };
	f.server.rules = rules;
	f.server.rule_count = 2;
	struct messages ms;
	struct cf_sqs_send_result res[3];
	make_and_send(&f, &ms, 3, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 3);
	assert_call_ids(&f, 1, "m0,m1");
	assert_call_ids(&f, 2, "m1");
	assert_sent(&res[0], "m0", 2);
	assert_failed(&res[1], CF_ERR_AWS, CF_AWS_TRANSIENT, "MissingFromResponse", 3);
	assert_sent(&res[2], "m2", 1);
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_unparsable_answer_retried)
{
	struct fixture f;
	fx_init(&f);
	ck_assert_int_eq(cf_fake_transport_push_body(f.rig.fake, 200, "not json"), CF_OK);
	struct messages ms;
	struct cf_sqs_send_result res[2];
	make_and_send(&f, &ms, 2, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 2);
	assert_call_ids(&f, 1, "m0,m1");
	assert_sent(&res[0], "m0", 2);
	assert_sent(&res[1], "m1", 2);
	aws_rig_clean_up(&f.rig);
}
END_TEST

/* ---- whole-call failures ---- */

START_TEST(test_whole_call_500s)
{
	struct fixture f;
	fx_init(&f);
	f.server.fail_call_with_id = "m0";
	struct messages ms;
	struct cf_sqs_send_result res[15];
	make_and_send(&f, &ms, 15, res);
	/* Batch 1 (m0..m9) three times, batch 2 (m10..m14) once. */
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 4);
	assert_call_ids(&f, 2, "m0,m1,m2,m3,m4,m5,m6,m7,m8,m9");
	assert_call_ids(&f, 3, "m0,m1,m2,m3,m4,m5,m6,m7,m8,m9");
	for (size_t i = 0; i < 10; i++) {
		assert_failed(&res[i], CF_ERR_AWS, CF_AWS_TRANSIENT, "InternalFailure", 3);
		ck_assert_msg(strstr(res[i].message, "scripted call failure") != NULL, "%s", res[i].message);
		ck_assert_str_eq(res[i].message_id, "");
	}
	for (size_t i = 10; i < 15; i++)
		assert_sent(&res[i], ms.m[i].id, 1);
	ar_assert_sleeps(&f.rig.clk, 2, (const int64_t[]){ 50, 100 });
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_whole_call_scheduled_failures)
{
	struct fixture f;
	fx_init(&f);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(f.rig.fake, 1, CF_FAKE_FAIL_5XX), CF_OK);
	struct messages ms;
	struct cf_sqs_send_result res[25];
	make_and_send(&f, &ms, 25, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 9);
	for (size_t i = 0; i < 25; i++) {
		assert_failed(&res[i], CF_ERR_AWS, CF_AWS_TRANSIENT, "InternalFailure", 3);
	}
	aws_rig_clean_up(&f.rig);

	/* Throttled once, then accepted. */
	fx_init(&f);
	ck_assert_int_eq(cf_fake_transport_fail_call(f.rig.fake, 1, CF_FAKE_FAIL_THROTTLING), CF_OK);
	send_ok(&f, NULL, ms.m, 3, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 2);
	for (size_t i = 0; i < 3; i++)
		assert_sent(&res[i], ms.m[i].id, 2);
	ar_assert_sleeps(&f.rig.clk, 1, (const int64_t[]){ 50 });
	aws_rig_clean_up(&f.rig);

	/* A transport error on the only call, three times. */
	fx_init(&f);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(f.rig.fake, 1, CF_FAKE_FAIL_TRANSPORT), CF_OK);
	send_ok(&f, NULL, ms.m, 2, res);
	for (size_t i = 0; i < 2; i++) {
		assert_failed(&res[i], CF_ERR_TRANSPORT, CF_AWS_TRANSIENT, "TransportError", 3);
	}
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_whole_call_permanent)
{
	struct fixture f;
	fx_init(&f);
	f.server.permanent_call_error = "com.amazonaws.sqs#QueueDoesNotExist";
	struct messages ms;
	struct cf_sqs_send_result res[12];
	make_and_send(&f, &ms, 12, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 2);
	for (size_t i = 0; i < 12; i++) {
		assert_failed(&res[i], CF_ERR_AWS, CF_AWS_PERMANENT, "QueueDoesNotExist", 1);
		ck_assert_str_eq(res[i].message, "scripted call failure");
	}
	ck_assert_uint_eq(f.rig.clk.sleep_count, 0);
	aws_rig_clean_up(&f.rig);
}
END_TEST

/* ---- options and arguments ---- */

START_TEST(test_deadline)
{
	struct fixture f;
	fx_init(&f);
	struct messages ms;
	make_messages(&ms, 3);
	struct cf_sqs_send_result res[3];
	struct cf_sqs_send_options opt = { .queue_url = QUEUE_URL, .deadline_ms = AR_T0_MS };
	send_ok(&f, &opt, ms.m, 3, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 0);
	for (size_t i = 0; i < 3; i++) {
		assert_failed(&res[i], CF_ERR_TIMEOUT, CF_AWS_TRANSIENT, "Timeout", 0);
	}
	aws_rig_clean_up(&f.rig);

	/* Time for the first call but not for retrying a failed entry (first backoff: 50 ms). */
	fx_init(&f);
	static const struct rule rules[] = { { "m0", { FATE_RETRYABLE, FATE_OK, FATE_OK } } };
	f.server.rules = rules;
	f.server.rule_count = 1;
	opt.deadline_ms = AR_T0_MS + 500 + 40;
	send_ok(&f, &opt, ms.m, 3, res);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 1);
	ck_assert_int_eq(cf_fake_transport_request(f.rig.fake, 0)->timeout_ms, 40);
	assert_failed(&res[0], CF_ERR_AWS, CF_AWS_TRANSIENT, "InternalError", 1);
	assert_sent(&res[1], "m1", 1);
	ck_assert_uint_eq(f.rig.clk.sleep_count, 0);
	/* No retry happened, so no retry token was spent. */
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.rig.client), 500);
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_entry_retries_use_the_quota)
{
	struct fixture f;
	fx_init(&f);
	aws_rig_new_client(&f.rig, &(struct cf_retry_policy){ .quota_capacity = 10, .retry_cost = 5 });
	static const struct rule rules[] = { { "m0", { FATE_RETRYABLE, FATE_OK, FATE_OK } },
					     { "m1", { FATE_RETRYABLE, FATE_OK, FATE_OK } },
					     { "m2", { FATE_RETRYABLE, FATE_OK, FATE_OK } } };
	f.server.rules = rules;
	f.server.rule_count = 3;
	struct messages ms;
	struct cf_sqs_send_result res[4];
	make_and_send(&f, &ms, 4, res);
	/* Tokens for two entry retries (10 / 5); the third entry keeps its failure. */
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 2);
	assert_call_ids(&f, 1, "m0,m1");
	assert_sent(&res[0], "m0", 2);
	assert_sent(&res[1], "m1", 2);
	assert_failed(&res[2], CF_ERR_AWS, CF_AWS_TRANSIENT, "InternalError", 1);
	ck_assert_str_eq(res[2].message, "try again (retry quota exhausted)");
	assert_sent(&res[3], "m3", 1);
	ck_assert_uint_eq(cf_aws_client_retry_tokens(f.rig.client), 1);
	ar_assert_sleeps(&f.rig.clk, 1, (const int64_t[]){ 50 });
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_max_in_flight)
{
	struct fixture f;
	fx_init(&f);
	struct messages ms;
	make_messages(&ms, 25);
	struct cf_sqs_send_result res[25];
	struct cf_sqs_send_options opt = { .queue_url = QUEUE_URL, .max_in_flight = 3 };
	send_ok(&f, &opt, ms.m, 25, res);
	ck_assert_uint_eq(f.rig.spy.last_max_in_flight, 3);
	ck_assert_uint_eq(f.rig.spy.batches, 1);
	aws_rig_clean_up(&f.rig);
}
END_TEST

START_TEST(test_arguments)
{
	struct fixture f;
	fx_init(&f);
	struct messages ms;
	make_messages(&ms, 1);
	struct cf_sqs_send_result res[1];
	struct cf_sqs_send_options opt = { .queue_url = QUEUE_URL };
	struct cf_sqs_send_options no_url = { 0 };
	struct cf_sqs_send_options empty_url = { .queue_url = "" };
	struct cf_error err;
	ck_assert_int_eq(cf_sqs_send_messages(NULL, &opt, ms.m, 1, res, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(err.code, CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_sqs_send_messages(f.rig.client, NULL, ms.m, 1, res, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_sqs_send_messages(f.rig.client, &no_url, ms.m, 1, res, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_sqs_send_messages(f.rig.client, &empty_url, ms.m, 1, res, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_sqs_send_messages(f.rig.client, &opt, NULL, 1, res, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_sqs_send_messages(f.rig.client, &opt, ms.m, 1, NULL, NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_sqs_send_messages(f.rig.client, &opt, NULL, 0, NULL, &err), CF_OK);
	ck_assert_uint_eq(cf_fake_transport_request_count(f.rig.fake), 0);
	aws_rig_clean_up(&f.rig);
}
END_TEST

/* ---- allocation failures ---- */

struct alloc_case {
	struct sqs_server server;
	struct messages ms;
};

static void alloc_round(struct aws_rig *rig, long n, void *user)
{
	static const struct rule rules[] = { { "m3", { FATE_RETRYABLE, FATE_OK, FATE_OK } },
					     { "m7", { FATE_SENDER_FAULT, FATE_OK, FATE_OK } } };
	struct alloc_case *c = user;
	c->server = (struct sqs_server){ .rules = rules, .rule_count = 2 };
	if (cf_fake_transport_fail_call(rig->fake, 2, CF_FAKE_FAIL_THROTTLING) != CF_OK)
		return;
	struct cf_sqs_send_result res[14];
	struct cf_sqs_send_options opt = { .queue_url = QUEUE_URL, .max_payload_bytes = 60 };
	struct cf_error err;
	enum cf_status st = cf_sqs_send_messages(rig->client, &opt, c->ms.m, 14, res, &err);
	if (st == CF_OK) {
		for (size_t i = 0; i < 14; i++) {
			bool expect_ok = i != 7;
			if (!ts_alloc_failed() && expect_ok)
				assert_sent(&res[i], c->ms.m[i].id, i == 3 || i >= 8 ? 2 : 1);
			if (res[i].status != CF_OK)
				ck_assert_str_eq(res[i].message_id, "");
		}
		if (!ts_alloc_failed())
			ck_assert_int_eq(res[7].status, CF_ERR_AWS);
	} else {
		ck_assert_msg(st == CF_ERR_NOMEM, "n=%ld: status %d", n, (int)st);
		ck_assert_int_eq(err.code, CF_ERR_NOMEM);
	}
}

START_TEST(test_alloc_failures)
{
	struct alloc_case c;
	make_messages(&c.ms, 14);
	const struct aws_rig_options opt = { .handler = sqs_handler, .handler_user = &c.server };
	ck_assert_int_gt(aws_rig_alloc_failures(&opt, alloc_round, &c), 10);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sqs_client");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_batches_of_ten);
	tcase_add_test(tc, test_fifo_fields);
	tcase_add_test(tc, test_body_escaping);
	tcase_add_test(tc, test_payload_limit);
	tcase_add_test(tc, test_default_payload_limit);
	tcase_add_test(tc, test_duplicate_ids_split);
	tcase_add_test(tc, test_invalid_ids);
	tcase_add_test(tc, test_failed_entries_retried);
	tcase_add_test(tc, test_failed_entry_out_of_attempts);
	tcase_add_test(tc, test_sender_fault_not_retried);
	tcase_add_test(tc, test_missing_entry_retried);
	tcase_add_test(tc, test_unparsable_answer_retried);
	tcase_add_test(tc, test_whole_call_500s);
	tcase_add_test(tc, test_whole_call_scheduled_failures);
	tcase_add_test(tc, test_whole_call_permanent);
	tcase_add_test(tc, test_deadline);
	tcase_add_test(tc, test_entry_retries_use_the_quota);
	tcase_add_test(tc, test_max_in_flight);
	tcase_add_test(tc, test_arguments);
	tcase_add_test(tc, test_alloc_failures);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
