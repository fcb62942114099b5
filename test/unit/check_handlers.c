/*
 * The two handlers (cf_process_cart_products_new, cf_update_cart_status_new, cf_handler_invoke) over
 * the event fixtures and generated events, with a fake transport playing SQS and DynamoDB.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "aws_rig.h"
#include "cartflow/alloc.h"
#include "cartflow/fake_transport.h"
#include "cartflow/handler.h"
#include "lambda/dry_run.h"
#include "test_support.h"

#define NOW_MS INT64_C(1764000000000)
#define FIFO_QUEUE_URL "https://sqs.us-east-1.amazonaws.com/123456789012/cart-products.fifo"
#define SQS_ARN "arn:aws:sqs:us-east-1:123456789012:update-cart-product"
#define FIRST_MESSAGE_ID "059f36b4-87a3-44ab-83d2-661975830a7d"
#define SECOND_MESSAGE_ID "2e1424d4-f796-459a-8184-9c92662be6da"

/* ---- environment (the standard one is ar_handler_env) ---- */

static const char *const fifo_env[] = {
	"AWS_ACCESS_KEY_ID=" AR_ACCESS_KEY_ID,
	"AWS_SECRET_ACCESS_KEY=" AR_SECRET_ACCESS_KEY,
	"AWS_REGION=us-east-1",
	"UPDATE_CART_PRODUCT_SQS=" FIFO_QUEUE_URL,
	NULL,
};

/* A dry run: no credentials at all. */
static const char *const dry_env[] = {
	"AWS_REGION=us-east-1",
	"TABLE_NAME=orders",
	"UPDATE_CART_PRODUCT_SQS=" AR_QUEUE_URL,
	NULL,
};

/* ---- the AWS peer: answers SendMessageBatch and UpdateItem, failing what it is told to ---- */

#define MAX_RULES 16

struct peer {
	/* SQS: entry Ids that always fail with SenderFault true. */
	const char *sender_fault_ids[MAX_RULES];
	/* SQS: entry Ids that fail with SenderFault false this many more times. */
	const char *transient_ids[MAX_RULES];
	int transient_left[MAX_RULES];
	/* DynamoDB: product ids whose UpdateItem fails. */
	const char *ccf_products[MAX_RULES];
	const char *error_500_products[MAX_RULES];
};

static bool listed(const char *const *list, const char *s)
{
	for (size_t i = 0; i < MAX_RULES && list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

static const char *member_string(struct json_object *obj, const char *key)
{
	struct json_object *v;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static enum cf_status set_body(struct cf_http_response *resp, long status, const char *body)
{
	resp->status = status;
	if (cf_http_response_add_header(resp, "Content-Type", "application/x-amz-json-1.0") ||
	    cf_http_response_set_body(resp, body, strlen(body)))
		return CF_ERR_NOMEM;
	return CF_OK;
}

static enum cf_status answer_sqs(struct peer *p, struct json_object *root, struct cf_http_response *resp)
{
	struct json_object *entries;
	if (!json_object_object_get_ex(root, "Entries", &entries))
		return set_body(resp, 400, "{\"__type\":\"com.amazonaws.sqs#MissingParameter\",\"message\":\"Entries\"}");
	struct json_object *out = json_object_new_object(), *ok = json_object_new_array(),
			   *failed = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(entries); i++) {
		const char *id = member_string(json_object_array_get_idx(entries, i), "Id");
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "Id", json_object_new_string(id));
		bool transient = false;
		for (size_t k = 0; k < MAX_RULES && p->transient_ids[k]; k++)
			if (!strcmp(p->transient_ids[k], id) && p->transient_left[k] > 0) {
				p->transient_left[k]--;
				transient = true;
			}
		if (listed(p->sender_fault_ids, id) || transient) {
			bool sender = !transient;
			json_object_object_add(e, "SenderFault", json_object_new_boolean(sender));
			json_object_object_add(e, "Code", json_object_new_string(sender ? "InvalidParameterValue" : "InternalError"));
			json_object_object_add(e, "Message", json_object_new_string("scripted failure"));
			json_object_array_add(failed, e);
		} else {
			char mid[64];
			snprintf(mid, sizeof(mid), "mid-%s", id);
			json_object_object_add(e, "MessageId", json_object_new_string(mid));
			json_object_object_add(e, "MD5OfMessageBody", json_object_new_string("0"));
			json_object_array_add(ok, e);
		}
	}
	json_object_object_add(out, "Successful", ok);
	json_object_object_add(out, "Failed", failed);
	enum cf_status st = set_body(resp, 200, json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	return st;
}

/* The product id of an UpdateItem body: Key.SK.S without "PRODUCT#". */
static const char *update_product(struct json_object *root)
{
	struct json_object *key, *sk;
	if (!json_object_object_get_ex(root, "Key", &key) || !json_object_object_get_ex(key, "SK", &sk))
		return NULL;
	const char *s = member_string(sk, "S");
	return s && !strncmp(s, "PRODUCT#", 8) ? s + 8 : NULL;
}

static enum cf_status answer_dynamodb(struct peer *p, struct json_object *root, struct cf_http_response *resp)
{
	const char *product = update_product(root);
	if (!product)
		return set_body(resp, 400, "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"Key\"}");
	if (listed(p->ccf_products, product))
		return set_body(resp, 400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
					   "\"message\":\"The conditional request failed\"}");
	if (listed(p->error_500_products, product))
		return set_body(resp, 500, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\","
					   "\"message\":\"Internal server error\"}");
	return set_body(resp, 200, "{\"Attributes\":{\"cartProductStatus\":{\"S\":\"ORDERED\"}}}");
}

static enum cf_status peer_answer(void *user, const struct cf_http_request *req, struct cf_http_response *resp,
				  struct cf_error *err)
{
	struct peer *p = user;
	const char *target = ar_header(req, "X-Amz-Target");
	struct json_object *root = ts_json_parse_n(req->body, req->body_len);
	enum cf_status st;
	if (!root)
		st = set_body(resp, 400, "{\"__type\":\"SerializationException\"}");
	else if (target && !strcmp(target, "AmazonSQS.SendMessageBatch"))
		st = answer_sqs(p, root, resp);
	else if (target && !strcmp(target, "DynamoDB_20120810.UpdateItem"))
		st = answer_dynamodb(p, root, resp);
	else
		st = set_body(resp, 400, "{\"__type\":\"UnknownOperationException\"}");
	json_object_put(root);
	return st ? cf_error_set(err, st, "peer: out of memory") : CF_OK;
}

/* ---- a handler on a fake ---- */

struct rig {
	struct cf_fake_transport *fake;
	struct peer peer;
	struct ar_clock clock;
	struct ts_log_sink logs;
	/* A dry run's printed requests. */
	FILE *printed_stream;
	char *printed;
	size_t printed_len;
	struct cf_handler *handler;
	char *response;
	size_t response_len;
	struct cf_error err;
};

/* A handler built by `new_handler` with `env`; a dry run prints its requests into the rig. */
static void rig_open(struct rig *r, cf_handler_new_fn new_handler, const char *const *env, bool dry_run)
{
	memset(r, 0, sizeof(*r));
	ar_clock_init(&r->clock, NOW_MS);
	ck_assert_int_eq(cf_fake_transport_new(&r->fake), CF_OK);
	cf_fake_transport_set_handler(r->fake, peer_answer, &r->peer);
	static const char *const log_env[] = { "AWS_LAMBDA_LOG_FORMAT=JSON", NULL };
	ts_log_sink_open(&r->logs, ar_env_get, (void *)log_env);
	const struct cf_handler_env henv = { .getenv_fn = ar_env_get, .getenv_user = (void *)env,
					     .transport = cf_fake_transport_as_transport(r->fake), .clock = &r->clock.cf,
					     .log = &r->logs.log, .dry_run = dry_run };
	struct cf_error err = { 0 };
	ck_assert_msg(new_handler(&henv, &r->handler, &err) == CF_OK, "%s", err.message);
	if (dry_run) {
		r->printed_stream = open_memstream(&r->printed, &r->printed_len);
		ck_assert_ptr_nonnull(r->printed_stream);
		cf_dry_run_attach(r->fake, r->printed_stream);
	}
}

static const char *rig_log(struct rig *r) { return ts_log_sink_text(&r->logs); }

/* What a dry run has printed so far (NUL-terminated; its length in r->printed_len). */
static const char *rig_printed(struct rig *r)
{
	ck_assert_int_eq(fflush(r->printed_stream), 0);
	return r->printed;
}

/* One invocation of `event` (len bytes, NUL-terminated); the response stays in the rig. */
static enum cf_status rig_invoke(struct rig *r, const char *event, size_t len)
{
	cf_free(r->response);
	r->response = NULL;
	r->response_len = 0;
	const struct cf_invocation inv = { .request_id = "test-request", .event = (char *)event, .event_len = len };
	cf_error_clear(&r->err);
	enum cf_status st = cf_handler_invoke(r->handler, &inv, &r->response, &r->response_len, &r->err);
	if (st) {
		ck_assert_ptr_null(r->response);
		ck_assert_int_eq(r->err.code, st);
	} else {
		ck_assert_ptr_nonnull(r->response);
		ck_assert_uint_eq(strlen(r->response), r->response_len);
	}
	return st;
}

/* rig_invoke expecting CF_OK, with `event` (NUL-terminated; taken, freed here). */
static void rig_invoke_ok(struct rig *r, char *event)
{
	ck_assert_int_eq(rig_invoke(r, event, strlen(event)), CF_OK);
	free(event);
}

static void rig_close(struct rig *r)
{
	cf_free(r->response);
	cf_handler_destroy(r->handler);
	cf_fake_transport_destroy(r->fake);
	ts_log_sink_close(&r->logs);
	if (r->printed_stream)
		fclose(r->printed_stream);
	free(r->printed);
}

/* ---- assertions on requests and responses ---- */

static struct json_object *request_json(struct rig *r, size_t i)
{
	const struct cf_http_request *q = cf_fake_transport_request(r->fake, i);
	ck_assert_msg(q != NULL, "no request %zu", i);
	struct json_object *root = json_tokener_parse(q->body);
	ck_assert_msg(root != NULL, "request %zu is not JSON: %s", i, q->body);
	return root;
}

/* Request i is a signed SendMessageBatch to QueueUrl `queue`; returns its Entries (borrowed from *root). */
static struct json_object *sqs_entries(struct rig *r, size_t i, const char *queue, struct json_object **root)
{
	const struct cf_http_request *q = cf_fake_transport_request(r->fake, i);
	ck_assert_ptr_nonnull(q);
	ck_assert_str_eq(q->method, "POST");
	ck_assert_str_eq(q->url, "https://sqs.us-east-1.amazonaws.com/");
	ck_assert_str_eq(ar_header(q, "X-Amz-Target"), "AmazonSQS.SendMessageBatch");
	ck_assert_str_eq(ar_header(q, "Content-Type"), "application/x-amz-json-1.0");
	ck_assert_ptr_nonnull(ar_header(q, "Authorization"));
	*root = request_json(r, i);
	ck_assert_str_eq(member_string(*root, "QueueUrl"), queue);
	struct json_object *entries;
	ck_assert(json_object_object_get_ex(*root, "Entries", &entries));
	ck_assert(json_object_is_type(entries, json_type_array));
	ck_assert_uint_ge(json_object_array_length(entries), 1);
	ck_assert_uint_le(json_object_array_length(entries), 10);
	return entries;
}

/* The entry Ids of SendMessageBatch request i, comma-separated, e.g. "r0,r2". */
static void entry_ids(struct rig *r, size_t i, char *out, size_t cap)
{
	struct json_object *root = request_json(r, i), *entries;
	ck_assert(json_object_object_get_ex(root, "Entries", &entries));
	out[0] = '\0';
	for (size_t k = 0; k < json_object_array_length(entries); k++) {
		size_t n = strlen(out);
		snprintf(out + n, cap - n, "%s%s", k ? "," : "", member_string(json_object_array_get_idx(entries, k), "Id"));
	}
	json_object_put(root);
}

/*
 * The response is {"batchItemFailures":[...]} holding exactly the `n` identifiers in `want`, in that
 * order, each once.
 */
static void assert_reported(const char *response, const char *const *want, size_t n)
{
	struct json_object *root = json_tokener_parse(response), *list;
	ck_assert_msg(root != NULL, "response is not JSON: %s", response);
	ck_assert_int_eq(json_object_object_length(root), 1);
	ck_assert(json_object_object_get_ex(root, "batchItemFailures", &list));
	ck_assert(json_object_is_type(list, json_type_array));
	ck_assert_msg(json_object_array_length(list) == n, "%zu reported, want %zu: %s", json_object_array_length(list),
		      n, response);
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i);
		ck_assert_int_eq(json_object_object_length(item), 1);
		const char *id = member_string(item, "itemIdentifier");
		ck_assert_ptr_nonnull(id);
		ck_assert_msg(!strcmp(id, want[i]), "item %zu is %s, want %s: %s", i, id, want[i], response);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(id, want[j]), "%s reported twice", id);
	}
	json_object_put(root);
}

static size_t count_in(const char *haystack, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* ---- generated events ---- */

/*
 * A stream event from a spec, one letter per record:
 *   O  INSERT with order_status ORDERED (forwarded)     P  INSERT with PENDING (skipped)
 *   M  MODIFY PENDING -> ORDERED (forwarded)             K  MODIFY ORDERED -> ORDERED (skipped)
 *   R  REMOVE (skipped)                                  X  unreadable: an N given as a JSON number
 * Record i has eventID "ev-i", order id "o-i" and SequenceNumber seq_of(i). Free with free().
 */
static const char *seq_of(size_t i, char buf[32])
{
	snprintf(buf, 32, "4421584500000000%012u", (unsigned)(17450439000u % 1000000000u + i));
	return buf;
}

static char *stream_event(const char *spec)
{
	size_t cap = 4096 + strlen(spec) * 1024, n = 0;
	char *out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	n += (size_t)snprintf(out + n, cap - n, "{\"Records\":[");
	for (size_t i = 0; spec[i]; i++) {
		char seq[32];
		char image[512], old_image[512];
		const char *name = "INSERT", *status = "ORDERED", *old_status = NULL, *total = "{\"N\":\"7160\"}";
		switch (spec[i]) {
		case 'O': break;
		case 'P': status = "PENDING"; break;
		case 'M': name = "MODIFY"; old_status = "PENDING"; break;
		case 'K': name = "MODIFY"; old_status = "ORDERED"; break;
		case 'R': name = "REMOVE"; old_status = "ORDERED"; break;
		case 'X': total = "{\"N\":7160}"; break;
		default: ck_abort_msg("bad spec letter %c", spec[i]);
		}
		const char *fmt = "{\"PK\":{\"S\":\"USER#u-1\"},\"SK\":{\"S\":\"ORDER#o-%zu\"},\"order_id\":{\"S\":\"o-%zu\"},"
				  "\"user_id\":{\"S\":\"u-1\"},\"order_status\":{\"S\":\"%s\"},\"order_total\":%s,"
				  "\"order_items\":{\"L\":[{\"M\":{\"productId\":{\"S\":\"p-%zu\"},\"quantity\":{\"N\":\"1\"}}}]}}";
		snprintf(image, sizeof(image), fmt, i, i, status, total, i);
		if (old_status)
			snprintf(old_image, sizeof(old_image), fmt, i, i, old_status, "{\"N\":\"7160\"}", i);
		n += (size_t)snprintf(out + n, cap - n,
				      "%s{\"eventID\":\"ev-%zu\",\"eventName\":\"%s\",\"eventVersion\":\"1.1\","
				      "\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
				      "\"ApproximateCreationDateTime\":1700000000,"
				      "\"Keys\":{\"PK\":{\"S\":\"USER#u-1\"},\"SK\":{\"S\":\"ORDER#o-%zu\"}},"
				      "%s%s%s%s%s%s"
				      "\"SequenceNumber\":\"%s\",\"SizeBytes\":100,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},"
				      "\"eventSourceARN\":\"arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/x\"}",
				      i ? "," : "", i, name, i, spec[i] == 'R' ? "" : "\"NewImage\":",
				      spec[i] == 'R' ? "" : image, spec[i] == 'R' ? "" : ",", old_status ? "\"OldImage\":" : "",
				      old_status ? old_image : "", old_status ? "," : "", seq_of(i, seq));
		ck_assert_uint_lt(n, cap);
	}
	n += (size_t)snprintf(out + n, cap - n, "]}");
	ck_assert_uint_lt(n, cap);
	return out;
}

/* An order body with `items` lines, products "p-<order>-<k>". */
static char *order_body(int order, int items)
{
	char *out = malloc(4096);
	ck_assert_ptr_nonnull(out);
	size_t n = (size_t)snprintf(out, 4096,
				    "{\"order_id\":{\"S\":\"o-%d\"},\"user_id\":{\"S\":\"u-1\"},\"order_status\":{\"S\":"
				    "\"ORDERED\"},\"order_total\":{\"N\":\"100\"},\"order_items\":{\"L\":[",
				    order);
	for (int k = 0; k < items; k++)
		n += (size_t)snprintf(out + n, 4096 - n,
				      "%s{\"M\":{\"productId\":{\"S\":\"p-%d-%d\"},\"userId\":{\"S\":\"u-1\"},"
				      "\"quantity\":{\"N\":\"1\"},\"cartProductStatus\":{\"S\":\"PENDING\"}}}",
				      k ? "," : "", order, k);
	snprintf(out + n, 4096 - n, "]}}");
	return out;
}

/*
 * An SQS event of `count` messages with ids "msg-<i>" whose bodies are `bodies[i]` (NULL: an order of
 * `items` lines), from queue `arn`. Free with free().
 */
static char *sqs_event(size_t count, const char *const *bodies, int items, const char *arn)
{
	struct json_object *root = json_object_new_object(), *records = json_object_new_array();
	for (size_t i = 0; i < count; i++) {
		struct json_object *rec = json_object_new_object();
		char id[32], *made = NULL;
		snprintf(id, sizeof(id), "msg-%zu", i);
		const char *body = bodies && bodies[i] ? bodies[i] : (made = order_body((int)i, items));
		json_object_object_add(rec, "messageId", json_object_new_string(id));
		json_object_object_add(rec, "receiptHandle", json_object_new_string("AQEBsecret-receipt-handle"));
		json_object_object_add(rec, "body", json_object_new_string(body));
		struct json_object *attrs = json_object_new_object();
		json_object_object_add(attrs, "ApproximateReceiveCount", json_object_new_string("1"));
		if (strstr(arn, ".fifo")) {
			json_object_object_add(attrs, "MessageGroupId", json_object_new_string("u-1"));
			json_object_object_add(attrs, "MessageDeduplicationId", json_object_new_string(id));
			json_object_object_add(attrs, "SequenceNumber", json_object_new_string("18849496460467696128"));
		}
		json_object_object_add(rec, "attributes", attrs);
		json_object_object_add(rec, "messageAttributes", json_object_new_object());
		json_object_object_add(rec, "eventSource", json_object_new_string("aws:sqs"));
		json_object_object_add(rec, "eventSourceARN", json_object_new_string(arn));
		json_object_object_add(rec, "awsRegion", json_object_new_string("us-east-1"));
		json_object_array_add(records, rec);
		free(made);
	}
	json_object_object_add(root, "Records", records);
	char *out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	ck_assert_ptr_nonnull(out);
	json_object_put(root);
	return out;
}

/* The product ids of every UpdateItem sent, in order, comma-separated. */
static void updated_products(struct rig *r, char *out, size_t cap)
{
	out[0] = '\0';
	for (size_t i = 0; i < cf_fake_transport_request_count(r->fake); i++) {
		const struct cf_http_request *q = cf_fake_transport_request(r->fake, i);
		ck_assert_str_eq(ar_header(q, "X-Amz-Target"), "DynamoDB_20120810.UpdateItem");
		struct json_object *root = request_json(r, i);
		size_t n = strlen(out);
		snprintf(out + n, cap - n, "%s%s", i ? "," : "", update_product(root));
		json_object_put(root);
	}
}

/* ======== (a) process-cart-products over the fixtures, as a dry run ======== */

/* Stream fixtures that parse, and what each reports. Every other file must be refused as a whole. */
static const struct {
	const char *file;
	const char *reported[2];
} stream_fixtures[] = {
	{ "ankcorn-dynamodb-streams-test-README-KEYS_ONLY-INSERT.json", { NULL } },
	{ "ankcorn-dynamodb-streams-test-README-KEYS_ONLY-MODIFY.json", { NULL } },
	{ "ankcorn-dynamodb-streams-test-README-KEYS_ONLY-REMOVE.json", { NULL } },
	{ "ankcorn-dynamodb-streams-test-README-NEW_AND_OLD_IMAGES-INSERT.json", { NULL } },
	{ "ankcorn-dynamodb-streams-test-README-NEW_AND_OLD_IMAGES-MODIFY.json", { NULL } },
	{ "ankcorn-dynamodb-streams-test-README-NEW_AND_OLD_IMAGES-REMOVE.json", { NULL } },
	{ "ankcorn-dynamodb-streams-test-README-NEW_IMAGE-INSERT.json", { NULL } },
	{ "ankcorn-dynamodb-streams-test-README-NEW_IMAGE-MODIFY.json", { NULL } },
	{ "ankcorn-dynamodb-streams-test-README-NEW_IMAGE-REMOVE.json", { NULL } },
	{ "ankcorn-dynamodb-streams-test-README-OLD_IMAGE-INSERT.json", { NULL } },
	{ "ankcorn-dynamodb-streams-test-README-OLD_IMAGE-MODIFY.json", { NULL } },
	{ "ankcorn-dynamodb-streams-test-README-OLD_IMAGE-REMOVE.json", { NULL } },
	{ "dotnet-dynamodb-event.json", { NULL } },
	{ "dotnet-dynamodb-timewindow-event.json", { NULL } },
	{ "dotnet-dynamodb-with-ms-event.json", { NULL } },
	{ "dotnet-testtool-dynamodb-update.json", { NULL } },
	{ "java-libs-dynamo_event.json", { NULL } },
	{ "java-libs-dynamo_event_roundtrip.json", { NULL } },
	{ "java-libs-dynamo_time_window_event.json", { NULL } },
	{ "lambda-go-dynamodb-time-window-event.json", { NULL } },
	{ "powertools-java-dynamo_event_big.json", { NULL } },
	{ "powertools-python-dynamoStreamEvent.json", { NULL } },
	{ "powertools-python-getting_started_dynamodb_event.json", { NULL } },
	{ "powertools-python-pydantic_dynamodb_event.json", { NULL } },
	{ "powertools-ts-parser-dynamodb-base.json", { NULL } },
	{ "powertools-ts-parser_DynamoDB.json", { "3275880929", "8640712661" } },
	{ "rust-runtime-example-dynamodb-event.json", { NULL } },
	{ "sam-cli-DynamoDBUpdate.json", { NULL } },
};

static const char *const invalid_json_fixtures[] = { "lambda-go-dynamodb-event-malformed.2.json" };

/* Files of test/data/events, sorted; `*count` of them. Free with free_names(). */
static char **event_files(size_t *count)
{
	DIR *d = opendir(CF_TEST_DATA_DIR "/events");
	ck_assert_ptr_nonnull(d);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		ck_assert_ptr_nonnull(names);
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	*count = n;
	return names;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static char *read_event(const char *name, size_t *len)
{
	char rel[512];
	snprintf(rel, sizeof(rel), "events/%s", name);
	return ts_read_data(rel, len);
}

START_TEST(test_stream_fixtures_dry_run)
{
	size_t count;
	char **names = event_files(&count);
	ck_assert_uint_ge(count, 60);
	size_t seen_ok = 0;
	for (size_t f = 0; f < count; f++) {
		struct rig r;
		rig_open(&r, cf_process_cart_products_new, dry_env, true);
		size_t len;
		char *event = read_event(names[f], &len);
		enum cf_status st = rig_invoke(&r, event, len);
		size_t k;
		for (k = 0; k < sizeof(stream_fixtures) / sizeof(stream_fixtures[0]); k++)
			if (!strcmp(stream_fixtures[k].file, names[f]))
				break;
		if (k < sizeof(stream_fixtures) / sizeof(stream_fixtures[0])) {
			seen_ok++;
			ck_assert_msg(st == CF_OK, "%s: %s (%s)", names[f], cf_strerror(st), r.err.message);
			size_t n = 0;
			while (n < 2 && stream_fixtures[k].reported[n])
				n++;
			assert_reported(r.response, stream_fixtures[k].reported, n);
			/* No fixture holds an ORDERED order, so nothing is sent. */
			ck_assert_msg(cf_fake_transport_request_count(r.fake) == 0, "%s: %zu requests", names[f],
				      cf_fake_transport_request_count(r.fake));
		} else {
			bool bad_json = !strcmp(names[f], invalid_json_fixtures[0]);
			ck_assert_msg(st == (bad_json ? CF_ERR_JSON : CF_ERR_NOT_EVENT), "%s: %s (%s)", names[f],
				      cf_strerror(st), r.err.message);
			ck_assert_str_eq(cf_handler_error_type(st), "InvalidEvent");
			ck_assert_uint_gt(strlen(r.err.message), 0);
			ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 0);
		}
		rig_printed(&r);
		ck_assert_uint_eq(r.printed_len, 0);
		free(event);
		rig_close(&r);
	}
	ck_assert_uint_eq(seen_ok, sizeof(stream_fixtures) / sizeof(stream_fixtures[0]));
	free_names(names, count);
}
END_TEST

START_TEST(test_stream_insert_ordered_message)
{
	struct rig r;
	rig_open(&r, cf_process_cart_products_new, dry_env, true);
	size_t len, body_len;
	char *event = ts_read_data("orders/stream_insert_ordered.json", &len);
	char *want_body = ts_read_data("orders/stream_insert_ordered.body.json", &body_len);
	while (body_len && (want_body[body_len - 1] == '\n' || want_body[body_len - 1] == '\r'))
		want_body[--body_len] = '\0';
	ck_assert_int_eq(rig_invoke(&r, event, len), CF_OK);
	ck_assert_str_eq(r.response, "{\"batchItemFailures\":[]}");
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 1);
	struct json_object *root;
	struct json_object *entries = sqs_entries(&r, 0, AR_QUEUE_URL, &root);
	ck_assert_uint_eq(json_object_array_length(entries), 1);
	struct json_object *e = json_object_array_get_idx(entries, 0);
	ck_assert_int_eq(json_object_object_length(e), 2);
	ck_assert_str_eq(member_string(e, "Id"), "r0");
	ck_assert_str_eq(member_string(e, "MessageBody"), want_body);
	ck_assert_ptr_null(member_string(e, "MessageGroupId"));
	json_object_put(root);
	/* The dry run printed that request as one line. */
	const char *printed = rig_printed(&r);
	ck_assert_uint_eq(count_in(printed, "\n"), 1);
	struct json_object *line = json_tokener_parse(printed), *body;
	ck_assert_ptr_nonnull(line);
	ck_assert_str_eq(member_string(line, "service"), "sqs");
	ck_assert_str_eq(member_string(line, "target"), "AmazonSQS.SendMessageBatch");
	ck_assert(json_object_object_get_ex(line, "body", &body));
	ck_assert(ts_json_equal(cf_fake_transport_request(r.fake, 0)->body, cf_fake_transport_request(r.fake, 0)->body_len,
				json_object_to_json_string(body)));
	json_object_put(line);
	free(want_body);
	free(event);
	rig_close(&r);
}
END_TEST

/* ======== (b) process-cart-products with injected failures ======== */

/* The response reports the SequenceNumbers of records [from, strlen(spec)), in order. Returns how many. */
static size_t assert_reported_from(const struct rig *r, const char *spec, size_t from)
{
	const char *want[16];
	char bufs[16][32];
	size_t n = 0;
	for (size_t i = from; spec[i]; i++, n++) {
		ck_assert_uint_lt(n, 16);
		want[n] = seq_of(i, bufs[n]);
	}
	assert_reported(r->response, want, n);
	return n;
}

START_TEST(test_stream_all_sent)
{
	struct rig r;
	rig_open(&r, cf_process_cart_products_new, ar_handler_env, false);
	rig_invoke_ok(&r, stream_event("OPMRKO"));
	assert_reported(r.response, NULL, 0);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 1);
	char ids[256];
	entry_ids(&r, 0, ids, sizeof(ids));
	ck_assert_str_eq(ids, "r0,r2,r5");
	rig_close(&r);
}
END_TEST

START_TEST(test_stream_transient_entry_retried)
{
	struct rig r;
	rig_open(&r, cf_process_cart_products_new, ar_handler_env, false);
	r.peer.transient_ids[0] = "r1";
	r.peer.transient_left[0] = 1;
	rig_invoke_ok(&r, stream_event("OOO"));
	assert_reported(r.response, NULL, 0);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 2);
	char ids[256];
	entry_ids(&r, 0, ids, sizeof(ids));
	ck_assert_str_eq(ids, "r0,r1,r2");
	entry_ids(&r, 1, ids, sizeof(ids));
	ck_assert_str_eq(ids, "r1"); /* only the failed entry goes again */
	ck_assert_uint_eq(r.clock.sleep_count, 1);
	rig_close(&r);
}
END_TEST

START_TEST(test_stream_transient_entry_exhausted)
{
	static const char spec[] = "OOO";
	struct rig r;
	rig_open(&r, cf_process_cart_products_new, ar_handler_env, false);
	r.peer.transient_ids[0] = "r1";
	r.peer.transient_left[0] = 1000;
	rig_invoke_ok(&r, stream_event(spec));
	assert_reported_from(&r, spec, 1);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 3); /* the client's max attempts */
	rig_close(&r);
}
END_TEST

START_TEST(test_stream_sender_fault_reports_from_record)
{
	static const char spec[] = "OORPOMKO";
	/* Fail the message of each forwarded record in turn. */
	for (size_t k = 0; spec[k]; k++) {
		if (spec[k] != 'O' && spec[k] != 'M')
			continue;
		struct rig r;
		rig_open(&r, cf_process_cart_products_new, ar_handler_env, false);
		char id[16];
		snprintf(id, sizeof(id), "r%zu", k);
		r.peer.sender_fault_ids[0] = id;
		rig_invoke_ok(&r, stream_event(spec));
		assert_reported_from(&r, spec, k);
		/* SenderFault: not retried. */
		ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 1);
		ck_assert_uint_eq(r.clock.sleep_count, 0);
		ck_assert_ptr_nonnull(strstr(rig_log(&r), "\"message\":\"message not sent\""));
		rig_close(&r);
	}
}
END_TEST

START_TEST(test_stream_whole_call_500)
{
	/* Thirteen records, eleven forwarded: two SendMessageBatch calls, both failing every attempt. */
	static const char spec[] = "RPOOOOOOOOOOO";
	struct rig r;
	rig_open(&r, cf_process_cart_products_new, ar_handler_env, false);
	ck_assert_int_eq(cf_fake_transport_fail_from_call(r.fake, 1, CF_FAKE_FAIL_5XX), CF_OK);
	rig_invoke_ok(&r, stream_event(spec));
	ck_assert_uint_eq(assert_reported_from(&r, spec, 2), 11);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 6); /* 2 batches x 3 attempts */
	char ids[256];
	entry_ids(&r, 0, ids, sizeof(ids));
	ck_assert_str_eq(ids, "r2,r3,r4,r5,r6,r7,r8,r9,r10,r11");
	entry_ids(&r, 1, ids, sizeof(ids));
	ck_assert_str_eq(ids, "r12");
	rig_close(&r);
}
END_TEST

START_TEST(test_stream_second_batch_fails)
{
	/* The first batch (r0..r9) goes through; the second (r10, r11) fails for good. */
	static const char spec[] = "OOOOOOOOOOOO";
	struct rig r;
	rig_open(&r, cf_process_cart_products_new, ar_handler_env, false);
	ck_assert_int_eq(cf_fake_transport_fail_call(r.fake, 2, CF_FAKE_FAIL_5XX), CF_OK);
	ck_assert_int_eq(cf_fake_transport_fail_call(r.fake, 3, CF_FAKE_FAIL_5XX), CF_OK);
	ck_assert_int_eq(cf_fake_transport_fail_call(r.fake, 4, CF_FAKE_FAIL_5XX), CF_OK);
	rig_invoke_ok(&r, stream_event(spec));
	assert_reported_from(&r, spec, 10);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 4);
	rig_close(&r);
}
END_TEST

START_TEST(test_stream_throttled_then_success)
{
	struct rig r;
	rig_open(&r, cf_process_cart_products_new, ar_handler_env, false);
	ck_assert_int_eq(cf_fake_transport_fail_call(r.fake, 1, CF_FAKE_FAIL_THROTTLING), CF_OK);
	ck_assert_int_eq(cf_fake_transport_fail_call(r.fake, 2, CF_FAKE_FAIL_TRANSPORT), CF_OK);
	rig_invoke_ok(&r, stream_event("OO"));
	assert_reported(r.response, NULL, 0);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 3);
	rig_close(&r);
}
END_TEST

START_TEST(test_stream_unreadable_record)
{
	/* Record 3 cannot be read: it and every later record are reported, whatever became of them. */
	static const char spec[] = "OORXOP";
	struct rig r;
	rig_open(&r, cf_process_cart_products_new, ar_handler_env, false);
	rig_invoke_ok(&r, stream_event(spec));
	assert_reported_from(&r, spec, 3);
	ck_assert_ptr_nonnull(strstr(rig_log(&r), "record cannot be forwarded"));
	rig_close(&r);
}
END_TEST

START_TEST(test_stream_duplicate_sequence_numbers_reported_once)
{
	/* Two records sharing one SequenceNumber (as in some fixtures), both failing: one identifier. */
	static const char spec[] = "OO";
	char *event = stream_event(spec);
	char seq0[32], seq1[32];
	seq_of(0, seq0);
	seq_of(1, seq1);
	char *p = strstr(event, seq1);
	ck_assert_ptr_nonnull(p);
	memcpy(p, seq0, strlen(seq0));
	struct rig r;
	rig_open(&r, cf_process_cart_products_new, ar_handler_env, false);
	r.peer.sender_fault_ids[0] = "r0";
	ck_assert_int_eq(rig_invoke(&r, event, strlen(event)), CF_OK);
	const char *want[] = { seq0 };
	assert_reported(r.response, want, 1);
	free(event);
	rig_close(&r);
}
END_TEST

START_TEST(test_stream_failed_record_without_sequence_number)
{
	/* A failed record with no SequenceNumber cannot be reported: the whole invocation fails instead. */
	static const char spec[] = "OXO";
	char *event = stream_event(spec);
	char seq[32], field[64];
	snprintf(field, sizeof(field), "\"SequenceNumber\":\"%s\",", seq_of(1, seq));
	char *p = strstr(event, field);
	ck_assert_ptr_nonnull(p);
	memmove(p, p + strlen(field), strlen(p + strlen(field)) + 1);
	struct rig r;
	rig_open(&r, cf_process_cart_products_new, ar_handler_env, false);
	enum cf_status st = rig_invoke(&r, event, strlen(event));
	ck_assert_msg(st == CF_ERR_MISSING, "%s: %s", cf_strerror(st), st ? r.err.message : r.response);
	ck_assert_ptr_nonnull(strstr(r.err.message, "Records[1]"));
	free(event);
	rig_close(&r);
}
END_TEST

START_TEST(test_stream_fifo_queue)
{
	static const char spec[] = "OPM";
	struct rig r;
	rig_open(&r, cf_process_cart_products_new, fifo_env, false);
	char *event = stream_event(spec);
	ck_assert_int_eq(rig_invoke(&r, event, strlen(event)), CF_OK);
	assert_reported(r.response, NULL, 0);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 1);
	struct json_object *root;
	struct json_object *entries = sqs_entries(&r, 0, FIFO_QUEUE_URL, &root);
	ck_assert_uint_eq(json_object_array_length(entries), 2);
	static const char *const ids[] = { "r0", "r2" }, *const groups[] = { "o-0", "o-2" },
				 *const dedup[] = { "ev-0", "ev-2" };
	for (size_t i = 0; i < 2; i++) {
		struct json_object *e = json_object_array_get_idx(entries, i);
		ck_assert_int_eq(json_object_object_length(e), 4);
		ck_assert_str_eq(member_string(e, "Id"), ids[i]);
		ck_assert_str_eq(member_string(e, "MessageGroupId"), groups[i]);
		ck_assert_str_eq(member_string(e, "MessageDeduplicationId"), dedup[i]);
		ck_assert_ptr_nonnull(member_string(e, "MessageBody"));
	}
	json_object_put(root);
	/* The standard queue gets neither field. */
	struct rig s;
	rig_open(&s, cf_process_cart_products_new, ar_handler_env, false);
	ck_assert_int_eq(rig_invoke(&s, event, strlen(event)), CF_OK);
	entries = sqs_entries(&s, 0, AR_QUEUE_URL, &root);
	for (size_t i = 0; i < json_object_array_length(entries); i++) {
		ck_assert_ptr_null(member_string(json_object_array_get_idx(entries, i), "MessageGroupId"));
		ck_assert_ptr_null(member_string(json_object_array_get_idx(entries, i), "MessageDeduplicationId"));
	}
	json_object_put(root);
	rig_close(&s);
	free(event);
	rig_close(&r);
}
END_TEST

/* ======== (c) update-cart-status ======== */

static const char *const expected_update_p1 =
	"{\"TableName\":\"orders\",\"Key\":{\"PK\":{\"S\":\"USER#u-42\"},\"SK\":{\"S\":\"PRODUCT#p-1\"}},"
	"\"ConditionExpression\":\"attribute_exists(PK)\","
	"\"UpdateExpression\":\"SET cartProductStatus = :cartProductStatus\","
	"\"ExpressionAttributeValues\":{\":cartProductStatus\":{\"S\":\"ORDERED\"}},\"ReturnValues\":\"UPDATED_NEW\"}";
static const char *const expected_update_p2 =
	"{\"TableName\":\"orders\",\"Key\":{\"PK\":{\"S\":\"USER#u-42\"},\"SK\":{\"S\":\"PRODUCT#p-2\"}},"
	"\"ConditionExpression\":\"attribute_exists(PK)\","
	"\"UpdateExpression\":\"SET cartProductStatus = :cartProductStatus\","
	"\"ExpressionAttributeValues\":{\":cartProductStatus\":{\"S\":\"ORDERED\"}},\"ReturnValues\":\"UPDATED_NEW\"}";

START_TEST(test_sqs_two_orders)
{
	struct rig r;
	rig_open(&r, cf_update_cart_status_new, ar_handler_env, false);
	size_t len;
	char *event = ts_read_data("orders/sqs_two_orders.json", &len);
	ck_assert_int_eq(rig_invoke(&r, event, len), CF_OK);
	const char *want[] = { SECOND_MESSAGE_ID };
	assert_reported(r.response, want, 1);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 2);
	const char *expected[] = { expected_update_p1, expected_update_p2 };
	for (size_t i = 0; i < 2; i++) {
		const struct cf_http_request *q = cf_fake_transport_request(r.fake, i);
		ck_assert_str_eq(q->method, "POST");
		ck_assert_str_eq(q->url, "https://dynamodb.us-east-1.amazonaws.com/");
		ck_assert_str_eq(ar_header(q, "X-Amz-Target"), "DynamoDB_20120810.UpdateItem");
		ck_assert_str_eq(ar_header(q, "Content-Type"), "application/x-amz-json-1.0");
		const char *auth = ar_header(q, "Authorization");
		ck_assert_ptr_nonnull(auth);
		ck_assert_ptr_nonnull(strstr(auth, "Credential=AKIDEXAMPLE/20251124/us-east-1/dynamodb/aws4_request"));
		ck_assert_str_eq(ar_header(q, "X-Amz-Date"), "20251124T160000Z");
		ck_assert(ts_json_equal(q->body, q->body_len, expected[i]));
		/* Every member checked by name too, so a reordering cannot hide a missing one. */
		struct json_object *root = request_json(&r, i), *v, *w;
		ck_assert_int_eq(json_object_object_length(root), 6);
		ck_assert_str_eq(member_string(root, "TableName"), "orders");
		ck_assert_str_eq(member_string(root, "ConditionExpression"), "attribute_exists(PK)");
		ck_assert_str_eq(member_string(root, "UpdateExpression"), "SET cartProductStatus = :cartProductStatus");
		ck_assert_str_eq(member_string(root, "ReturnValues"), "UPDATED_NEW");
		ck_assert(json_object_object_get_ex(root, "Key", &v));
		ck_assert_int_eq(json_object_object_length(v), 2);
		ck_assert(json_object_object_get_ex(v, "PK", &w));
		ck_assert_str_eq(member_string(w, "S"), "USER#u-42");
		ck_assert(json_object_object_get_ex(root, "ExpressionAttributeValues", &v));
		ck_assert_int_eq(json_object_object_length(v), 1);
		ck_assert(json_object_object_get_ex(v, ":cartProductStatus", &w));
		ck_assert_str_eq(member_string(w, "S"), "ORDERED");
		json_object_put(root);
	}
	/* The unreadable message is logged at WARN by messageId, without the receipt handle. */
	const char *log = rig_log(&r);
	ck_assert_ptr_nonnull(strstr(log, "\"messageId\":\"" SECOND_MESSAGE_ID "\""));
	ck_assert_ptr_nonnull(strstr(log, "\"level\":\"WARN\""));
	ck_assert_ptr_null(strstr(log, "AQEB"));
	ck_assert_ptr_null(strstr(log, "wJalrXUtnFEMI"));
	free(event);
	rig_close(&r);
}
END_TEST

START_TEST(test_sqs_two_orders_dry_run)
{
	struct rig r;
	rig_open(&r, cf_update_cart_status_new, dry_env, true);
	size_t len;
	char *event = ts_read_data("orders/sqs_two_orders.json", &len);
	ck_assert_int_eq(rig_invoke(&r, event, len), CF_OK);
	const char *want[] = { SECOND_MESSAGE_ID };
	assert_reported(r.response, want, 1);
	const char *printed = rig_printed(&r);
	ck_assert_uint_eq(count_in(printed, "\n"), 2);
	ck_assert_uint_eq(count_in(printed, "{\"service\":\"dynamodb\",\"target\":\"DynamoDB_20120810.UpdateItem\""), 2);
	/* Dry runs sign with placeholder keys, never real ones. */
	const char *auth = ar_header(cf_fake_transport_request(r.fake, 0), "Authorization");
	ck_assert_ptr_nonnull(strstr(auth, "Credential=AKIDDRYRUN/"));
	free(event);
	rig_close(&r);
}
END_TEST

START_TEST(test_sqs_conditional_check_failed)
{
	struct rig r;
	rig_open(&r, cf_update_cart_status_new, ar_handler_env, false);
	r.peer.ccf_products[0] = "p-1-1";
	rig_invoke_ok(&r, sqs_event(3, NULL, 2, SQS_ARN));
	const char *want[] = { "msg-1" };
	assert_reported(r.response, want, 1);
	/* Permanent: not retried; every other update still made. */
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 6);
	char products[256];
	updated_products(&r, products, sizeof(products));
	ck_assert_str_eq(products, "p-0-0,p-0-1,p-1-0,p-1-1,p-2-0,p-2-1");
	ck_assert_uint_eq(r.clock.sleep_count, 0);
	const char *log = rig_log(&r);
	ck_assert_ptr_nonnull(strstr(log, "\"message\":\"message failed permanently\""));
	ck_assert_ptr_nonnull(strstr(log, "\"orderId\":\"o-1\""));
	ck_assert_ptr_nonnull(strstr(log, "ConditionalCheckFailedException"));
	ck_assert_ptr_null(strstr(log, "secret-receipt-handle"));
	rig_close(&r);
}
END_TEST

START_TEST(test_sqs_throttled_then_success)
{
	struct rig r;
	rig_open(&r, cf_update_cart_status_new, ar_handler_env, false);
	ck_assert_int_eq(cf_fake_transport_fail_call(r.fake, 1, CF_FAKE_FAIL_THROTTLING), CF_OK);
	size_t len;
	char *event = ts_read_data("orders/sqs_two_orders.json", &len);
	ck_assert_int_eq(rig_invoke(&r, event, len), CF_OK);
	const char *want[] = { SECOND_MESSAGE_ID };
	assert_reported(r.response, want, 1);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 3);
	const struct cf_http_request *first = cf_fake_transport_request(r.fake, 0);
	const struct cf_http_request *retry = cf_fake_transport_request(r.fake, 2);
	ck_assert_uint_eq(first->body_len, retry->body_len);
	ck_assert_int_eq(memcmp(first->body, retry->body, first->body_len), 0);
	ck_assert_uint_eq(r.clock.sleep_count, 1);
	free(event);
	rig_close(&r);
}
END_TEST

START_TEST(test_sqs_persistent_500_fails_one_message)
{
	struct rig r;
	rig_open(&r, cf_update_cart_status_new, ar_handler_env, false);
	r.peer.error_500_products[0] = "p-2-0";
	rig_invoke_ok(&r, sqs_event(4, NULL, 1, SQS_ARN));
	const char *want[] = { "msg-2" };
	assert_reported(r.response, want, 1);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 4 + 2);
	ck_assert_ptr_nonnull(strstr(rig_log(&r), "\"message\":\"message failed, will be retried\""));
	rig_close(&r);
}
END_TEST

START_TEST(test_sqs_fifo_stops_at_first_failure)
{
	struct rig r;
	rig_open(&r, cf_update_cart_status_new, ar_handler_env, false);
	r.peer.ccf_products[0] = "p-1-0";
	rig_invoke_ok(&r, sqs_event(3, NULL, 1, SQS_ARN ".fifo"));
	const char *want[] = { "msg-1", "msg-2" };
	assert_reported(r.response, want, 2);
	char products[256];
	updated_products(&r, products, sizeof(products));
	ck_assert_str_eq(products, "p-0-0,p-1-0"); /* the third message's update is never sent */
	ck_assert_ptr_nonnull(strstr(rig_log(&r), "an earlier message of this FIFO batch failed"));
	rig_close(&r);
}
END_TEST

START_TEST(test_sqs_fifo_unreadable_body)
{
	struct rig r;
	rig_open(&r, cf_update_cart_status_new, ar_handler_env, false);
	const char *bodies[] = { NULL, "{\"order_id\":{\"S\":\"o-1\"}}", NULL, NULL };
	rig_invoke_ok(&r, sqs_event(4, bodies, 2, SQS_ARN ".fifo"));
	const char *want[] = { "msg-1", "msg-2", "msg-3" };
	assert_reported(r.response, want, 3);
	char products[256];
	updated_products(&r, products, sizeof(products));
	ck_assert_str_eq(products, "p-0-0,p-0-1");
	rig_close(&r);
}
END_TEST

START_TEST(test_sqs_fifo_all_succeed)
{
	struct rig r;
	rig_open(&r, cf_update_cart_status_new, ar_handler_env, false);
	rig_invoke_ok(&r, sqs_event(3, NULL, 2, SQS_ARN ".fifo"));
	assert_reported(r.response, NULL, 0);
	char products[256];
	updated_products(&r, products, sizeof(products));
	ck_assert_str_eq(products, "p-0-0,p-0-1,p-1-0,p-1-1,p-2-0,p-2-1");
	rig_close(&r);
}
END_TEST

START_TEST(test_sqs_empty_records)
{
	struct rig r;
	rig_open(&r, cf_update_cart_status_new, ar_handler_env, false);
	static const char event[] = "{\"Records\":[]}";
	ck_assert_int_eq(rig_invoke(&r, event, strlen(event)), CF_OK);
	ck_assert_str_eq(r.response, "{\"batchItemFailures\":[]}");
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 0);
	rig_close(&r);
	/* The stream handler answers an empty batch the same way. */
	rig_open(&r, cf_process_cart_products_new, ar_handler_env, false);
	ck_assert_int_eq(rig_invoke(&r, event, strlen(event)), CF_OK);
	ck_assert_str_eq(r.response, "{\"batchItemFailures\":[]}");
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 0);
	rig_close(&r);
}
END_TEST

START_TEST(test_sqs_invalid_events)
{
	static const char *const events[] = { "", "not json", "{\"Records\":[", "[]", "{}", "{\"Records\":{}}",
					      "{\"Records\":[{\"body\":\"x\",\"eventSource\":\"aws:sqs\"}]}" };
	struct rig r;
	rig_open(&r, cf_update_cart_status_new, ar_handler_env, false);
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		enum cf_status st = rig_invoke(&r, events[i], strlen(events[i]));
		ck_assert_msg(st == CF_ERR_JSON || st == CF_ERR_NOT_EVENT || st == CF_ERR_TYPE || st == CF_ERR_MISSING,
			      "event %zu: %s", i, cf_strerror(st));
		ck_assert_str_eq(cf_handler_error_type(st), "InvalidEvent");
	}
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 0);
	rig_close(&r);
}
END_TEST

/* SQS fixtures: each parses, and every message (none holds an order) is reported once by messageId. */
static const char *const sqs_fixtures[] = {
	"awsdocs-lambda-guide-sqs-record.json",
	"dotnet-sqs-event.json",
	"java-libs-sqs_event_nobody.json",
	"java-libs-sqs_event_product.json",
	"powertools-java-sqs_event.json",
	"powertools-java-sqs_event_big.json",
	"powertools-java-sqs_event_no_body.json",
	"powertools-java-sqs_fifo_event.json",
	"powertools-java-sqs_invalid_messages.json",
	"powertools-java-sqs_message.json",
	"powertools-python-getting_started_sqs_event.json",
	"powertools-python-pydantic_sqs_event.json",
	"powertools-python-s3SqsEvent.json",
	"powertools-python-snsSqsEvent.json",
	"powertools-python-snsSqsFifoEvent.json",
	"powertools-python-sqsDlqTriggerEvent.json",
	"powertools-python-sqsEvent.json",
	"powertools-ts-gettingStartedSQSEnvelopeEvent.json",
	"powertools-ts-parser-sqs-base.json",
	"powertools-ts-parser-sqs-sns-body.json",
	"rust-runtime-example-sqs-event-obj.json",
	"rust-runtime-example-sqs-event.json",
	"sam-cli-Sqs.json",
};

/* The distinct messageIds of a fixture, in order of first appearance, read with json-c. */
static size_t fixture_message_ids(const char *json, size_t len, char ids[][64], size_t cap)
{
	if (len >= 3 && !memcmp(json, "\xEF\xBB\xBF", 3)) {
		json += 3;
		len -= 3;
	}
	struct json_object *root = ts_json_parse_n(json, len), *records;
	ck_assert_ptr_nonnull(root);
	ck_assert(json_object_object_get_ex(root, "Records", &records));
	size_t n = 0;
	for (size_t i = 0; i < json_object_array_length(records); i++) {
		const char *id = member_string(json_object_array_get_idx(records, i), "messageId");
		ck_assert_ptr_nonnull(id);
		bool dup = false;
		for (size_t j = 0; j < n; j++)
			dup |= !strcmp(ids[j], id);
		if (dup)
			continue;
		ck_assert_uint_lt(n, cap);
		snprintf(ids[n++], 64, "%s", id);
	}
	json_object_put(root);
	return n;
}

START_TEST(test_sqs_fixtures)
{
	for (size_t f = 0; f < sizeof(sqs_fixtures) / sizeof(sqs_fixtures[0]); f++) {
		struct rig r;
		rig_open(&r, cf_update_cart_status_new, ar_handler_env, false);
		size_t len;
		char *event = read_event(sqs_fixtures[f], &len);
		enum cf_status st = rig_invoke(&r, event, len);
		ck_assert_msg(st == CF_OK, "%s: %s (%s)", sqs_fixtures[f], cf_strerror(st), r.err.message);
		char ids[32][64];
		size_t n = fixture_message_ids(event, len, ids, 32);
		ck_assert_uint_ge(n, 1);
		const char *want[32];
		for (size_t i = 0; i < n; i++)
			want[i] = ids[i];
		assert_reported(r.response, want, n);
		ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 0);
		ck_assert_ptr_null(strstr(rig_log(&r), "\"receiptHandle\""));
		free(event);
		rig_close(&r);
	}
}
END_TEST

/* Every file through update-cart-status: SQS events answer, everything else fails cleanly. */
START_TEST(test_every_fixture_update_cart_status)
{
	size_t count;
	char **names = event_files(&count);
	size_t ok = 0;
	for (size_t f = 0; f < count; f++) {
		struct rig r;
		rig_open(&r, cf_update_cart_status_new, ar_handler_env, false);
		size_t len;
		char *event = read_event(names[f], &len);
		enum cf_status st = rig_invoke(&r, event, len);
		bool is_sqs = false;
		for (size_t k = 0; k < sizeof(sqs_fixtures) / sizeof(sqs_fixtures[0]); k++)
			is_sqs |= !strcmp(sqs_fixtures[k], names[f]);
		if (is_sqs) {
			ck_assert_msg(st == CF_OK, "%s: %s", names[f], r.err.message);
			ok++;
		} else {
			ck_assert_msg(st == CF_ERR_JSON || st == CF_ERR_NOT_EVENT, "%s: %s (%s)", names[f], cf_strerror(st),
				      r.err.message);
		}
		ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 0);
		free(event);
		rig_close(&r);
	}
	ck_assert_uint_eq(ok, sizeof(sqs_fixtures) / sizeof(sqs_fixtures[0]));
	free_names(names, count);
}
END_TEST

START_TEST(test_sqs_many_messages_nothing_lost)
{
	/* 10 messages of 3 items; failures spread over them; each message reported at most once. */
	struct rig r;
	rig_open(&r, cf_update_cart_status_new, ar_handler_env, false);
	r.peer.ccf_products[0] = "p-3-2";
	r.peer.ccf_products[1] = "p-3-0"; /* two failed updates, one message */
	r.peer.error_500_products[0] = "p-7-1";
	const char *bodies[10] = { NULL, NULL, NULL, NULL, NULL, "{\"order_id\":{\"S\":\"o-5\"},\"order_items\":{\"S\":\"x\"}}" };
	rig_invoke_ok(&r, sqs_event(10, bodies, 3, SQS_ARN));
	const char *want[] = { "msg-3", "msg-5", "msg-7" };
	assert_reported(r.response, want, 3);
	ck_assert_uint_eq(cf_fake_transport_request_count(r.fake), 27 + 2);
	rig_close(&r);
}
END_TEST

START_TEST(test_handler_new_checks_config)
{
	struct cf_fake_transport *fake;
	ck_assert_int_eq(cf_fake_transport_new(&fake), CF_OK);
	struct cf_logger log;
	cf_logger_init(&log, NULL, ar_env_get, (void *)dry_env);
	static const char *const no_creds[] = { "AWS_REGION=us-east-1", "TABLE_NAME=orders", NULL };
	static const char *const bad_table[] = { "AWS_REGION=us-east-1", "TABLE_NAME=a\nb", NULL };
	struct cf_handler_env env = { .getenv_fn = ar_env_get, .getenv_user = (void *)no_creds,
				      .transport = cf_fake_transport_as_transport(fake), .log = &log };
	struct cf_handler *h = (struct cf_handler *)1;
	struct cf_error err = { 0 };
	ck_assert_int_eq(cf_update_cart_status_new(&env, &h, &err), CF_ERR_CONFIG);
	ck_assert_ptr_null(h);
	ck_assert_ptr_nonnull(strstr(err.message, "AWS_ACCESS_KEY_ID"));
	env.dry_run = true; /* a dry run needs no credentials */
	ck_assert_int_eq(cf_update_cart_status_new(&env, &h, &err), CF_OK);
	cf_handler_destroy(h);
	env.getenv_user = (void *)bad_table;
	ck_assert_int_eq(cf_update_cart_status_new(&env, &h, &err), CF_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.message, "TABLE_NAME"));
	env.log = NULL;
	ck_assert_int_eq(cf_update_cart_status_new(&env, &h, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_update_cart_status_new(NULL, &h, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_handler_invoke(NULL, NULL, NULL, NULL, &err), CF_ERR_INVALID_ARG);
	cf_handler_destroy(NULL);
	ck_assert_str_eq(cf_handler_error_type(CF_ERR_JSON), "InvalidEvent");
	ck_assert_str_eq(cf_handler_error_type(CF_ERR_NOT_EVENT), "InvalidEvent");
	ck_assert_str_eq(cf_handler_error_type(CF_ERR_NOMEM), "OutOfMemory");
	ck_assert_str_eq(cf_handler_error_type(CF_ERR_TOO_LARGE), "ResponseTooLarge");
	ck_assert_str_eq(cf_handler_error_type(CF_ERR_TRANSPORT), "HandlerError");
	cf_fake_transport_destroy(fake);
}
END_TEST

/* Each allocation of an invocation failing in turn: a clean status, never a crash or a leak. */
static void allocation_failures(cf_handler_new_fn new_handler, const char *event, const char *want)
{
	bool failed = true;
	long fail_at;
	for (fail_at = 0; failed && fail_at < 20000; fail_at++) {
		ts_alloc_install(-1);
		struct rig r;
		rig_open(&r, new_handler, ar_handler_env, false);
		r.peer.ccf_products[0] = "p-1-0";
		long held = ts_alloc_live();
		ts_alloc_install(fail_at);
		const struct cf_invocation inv = { .request_id = "oom", .event = (char *)event, .event_len = strlen(event) };
		enum cf_status st = cf_handler_invoke(r.handler, &inv, &r.response, &r.response_len, &r.err);
		failed = ts_alloc_failed();
		ts_alloc_stop_failing();
		if (st == CF_OK)
			ck_assert_ptr_nonnull(r.response);
		else
			ck_assert_msg(st == CF_ERR_NOMEM, "fail_at %ld: %s (%s)", fail_at, cf_strerror(st), r.err.message);
		if (!failed)
			ck_assert_str_eq(r.response, want);
		rig_close(&r);
		ck_assert_msg(ts_alloc_live() == -held, "fail_at %ld: %ld blocks leaked", fail_at, ts_alloc_live() + held);
		ts_alloc_uninstall();
	}
	ck_assert_msg(!failed, "still failing after %ld allocations", fail_at);
	ck_assert_int_gt(fail_at, 20);
}

START_TEST(test_allocation_failures_update_cart_status)
{
	char *event = sqs_event(3, NULL, 2, SQS_ARN);
	allocation_failures(cf_update_cart_status_new, event, "{\"batchItemFailures\":[{\"itemIdentifier\":\"msg-1\"}]}");
	free(event);
}
END_TEST

START_TEST(test_allocation_failures_process_cart_products)
{
	char *event = stream_event("OPRXO");
	char seq3[32], seq4[32], want[256];
	snprintf(want, sizeof(want), "{\"batchItemFailures\":[{\"itemIdentifier\":\"%s\"},{\"itemIdentifier\":\"%s\"}]}",
		 seq_of(3, seq3), seq_of(4, seq4));
	allocation_failures(cf_process_cart_products_new, event, want);
	free(event);
}
END_TEST

static Suite *handlers_suite(void)
{
	Suite *s = suite_create("handlers");
	TCase *stream = tcase_create("process_cart_products");
	tcase_set_timeout(stream, 120);
	tcase_add_test(stream, test_stream_fixtures_dry_run);
	tcase_add_test(stream, test_stream_insert_ordered_message);
	tcase_add_test(stream, test_stream_all_sent);
	tcase_add_test(stream, test_stream_transient_entry_retried);
	tcase_add_test(stream, test_stream_transient_entry_exhausted);
	tcase_add_test(stream, test_stream_sender_fault_reports_from_record);
	tcase_add_test(stream, test_stream_whole_call_500);
	tcase_add_test(stream, test_stream_second_batch_fails);
	tcase_add_test(stream, test_stream_throttled_then_success);
	tcase_add_test(stream, test_stream_unreadable_record);
	tcase_add_test(stream, test_stream_duplicate_sequence_numbers_reported_once);
	tcase_add_test(stream, test_stream_failed_record_without_sequence_number);
	tcase_add_test(stream, test_stream_fifo_queue);
	tcase_add_test(stream, test_allocation_failures_process_cart_products);
	suite_add_tcase(s, stream);
	TCase *sqs = tcase_create("update_cart_status");
	tcase_set_timeout(sqs, 120);
	tcase_add_test(sqs, test_sqs_two_orders);
	tcase_add_test(sqs, test_sqs_two_orders_dry_run);
	tcase_add_test(sqs, test_sqs_conditional_check_failed);
	tcase_add_test(sqs, test_sqs_throttled_then_success);
	tcase_add_test(sqs, test_sqs_persistent_500_fails_one_message);
	tcase_add_test(sqs, test_sqs_fifo_stops_at_first_failure);
	tcase_add_test(sqs, test_sqs_fifo_unreadable_body);
	tcase_add_test(sqs, test_sqs_fifo_all_succeed);
	tcase_add_test(sqs, test_sqs_empty_records);
	tcase_add_test(sqs, test_sqs_invalid_events);
	tcase_add_test(sqs, test_sqs_fixtures);
	tcase_add_test(sqs, test_every_fixture_update_cart_status);
	tcase_add_test(sqs, test_sqs_many_messages_nothing_lost);
	tcase_add_test(sqs, test_handler_new_checks_config);
	tcase_add_test(sqs, test_allocation_failures_update_cart_status);
	suite_add_tcase(s, sqs);
	return s;
}

int main(void) { return ts_run_suite(handlers_suite()); }
