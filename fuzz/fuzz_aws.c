/*
 * Target 5: AWS responses. The input is an HTTP response in the format of fuzz_common.h (status line,
 * header lines, blank line, body). It goes to:
 *   - cf_aws_parse_error_body (internal): error type and message must be NUL-terminated, printable,
 *     the type without its "namespace#" prefix, and equal to __type/message for plain strict JSON
 *     (read with the library's own parser, which fuzz_json checks against json-c);
 *   - the same function on an error body that json-c writes from two strings cut from the input: it
 *     must give back exactly those strings (an oracle that shares no code with the library);
 *   - cf_aws_check_crc32 against an independent bitwise CRC-32: an all-digit x-amz-crc32 header must
 *     match exactly when its value equals the body's CRC, and nothing else may pass but a header whose
 *     digits are that value;
 *   - a whole DynamoDB call (cf_aws_call_many) and an SQS SendMessageBatch (cf_sqs_send_messages)
 *     through the fake transport, which answers with this response (three times, then "200 {}"):
 *     every result must be consistent with what came back.
 */
#include "fuzz_common.h"

#include "arena.h"
#include "aws/aws_internal.h"
#include "json.h"
#include "cartflow/aws_client.h"
#include "cartflow/fake_transport.h"
#include "cartflow/sqs_client.h"

static uint32_t crc32_bitwise(const unsigned char *p, size_t n)
{
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* Fixed-size text from the library: terminated inside its array, no control bytes. */
static void check_text(const char *s, size_t cap, const char *what)
{
	const char *nul = memchr(s, '\0', cap);
	FUZZ_CHECK(nul, "%s is not terminated", what);
	for (const char *p = s; p < nul; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p != 0x7F, "%s holds byte 0x%02x", what,
			   (unsigned char)*p);
}

/* A string cf_aws_parse_error_body gives back as it is (from a body it reads): no control bytes, fits `cap`. */
static bool kept_as_is(const char *s, size_t len, size_t cap)
{
	if (len >= cap)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7F)
			return false;
	return true;
}

/*
 * A string member kept as it is. The body is read with the library's own parser, as
 * cf_aws_parse_error_body reads it (UTF-8 checked, first of duplicate keys); that parser is checked
 * against json-c by fuzz_json.
 */
static bool plain_member(const struct cf_json *root, const char *key, size_t cap, const char **s, size_t *len)
{
	const struct cf_json *v = cf_json_get(root, key);
	if (!v || v->type != CF_JSON_STRING || !kept_as_is(v->u.text.ptr, v->u.text.len, cap))
		return false;
	*s = v->u.text.ptr;
	*len = v->u.text.len;
	return true;
}

/* How many bytes of a body a failure message shows. */
static int shown(size_t body_len)
{
	return body_len > 300 ? 300 : (int)body_len;
}

/* The error type read must be `type` (len bytes) after its last '#'; `body` names the input in a failure. */
static void expect_type(const struct cf_aws_result *res, const char *type, size_t len, const char *body, size_t body_len)
{
	size_t from = len;
	while (from > 0 && type[from - 1] != '#')
		from--;
	FUZZ_CHECK(strlen(res->error_type) == len - from && !memcmp(res->error_type, type + from, len - from),
		   "error_type \"%s\" from the body %.*s", res->error_type, shown(body_len), body);
}

/* The error message read must be `message` (len bytes). */
static void expect_message(const struct cf_aws_result *res, const char *message, size_t len, const char *body,
			   size_t body_len)
{
	FUZZ_CHECK(strlen(res->error_message) == len && !memcmp(res->error_message, message, len),
		   "error_message \"%s\" from the body %.*s", res->error_message, shown(body_len), body);
}

static void check_error_body(const struct fuzz_http *h)
{
	struct cf_aws_result res;
	memset(&res, 0xA5, sizeof(res));
	cf_aws_parse_error_body(h->body, h->body_len, &res);
	check_text(res.error_type, sizeof(res.error_type), "error_type");
	check_text(res.error_message, sizeof(res.error_message), "error_message");
	FUZZ_CHECK(!strchr(res.error_type, '#'), "error_type keeps its namespace: %s", res.error_type);

	struct cf_arena arena = { 0 };
	const struct cf_json *root = NULL;
	struct cf_error err;
	if (h->body_len && h->body_len <= CF_AWS_MAX_ERROR_BODY && cf_json_parse(&arena, h->body, h->body_len, &root, &err) == CF_OK &&
	    root->type == CF_JSON_OBJECT) {
		const char *type, *message;
		size_t type_len, message_len;
		if (plain_member(root, "__type", sizeof(res.error_type), &type, &type_len))
			expect_type(&res, type, type_len, h->body, h->body_len);
		const struct cf_json *lower = cf_json_get(root, "message");
		if (plain_member(root, "message", sizeof(res.error_message), &message, &message_len) ||
		    ((!lower || lower->type != CF_JSON_STRING) &&
		     plain_member(root, "Message", sizeof(res.error_message), &message, &message_len)))
			expect_message(&res, message, message_len, h->body, h->body_len);
	} else {
		FUZZ_CHECK(!res.error_type[0] && !res.error_message[0], "type or message from a body that is not a JSON object");
	}
	cf_arena_clean_up(&arena);
}

/* json_object_object_add that gives up (abort, as the targets do on a failed allocation) on failure. */
static void add_member(struct json_object *obj, const char *key, struct json_object *value)
{
	if (!value || json_object_object_add(obj, key, value))
		abort();
}

/*
 * The body's first byte chooses the form, the rest is the error type up to the first newline and
 * the message after it. json-c writes {"__type":TYPE,"message":MESSAGE} from them: "Message" instead
 * (bit 0), the message first (bit 1), a nested object holding its own "message" and "__type" ahead of
 * both (bit 2), "/" left unescaped (bit 3), a "namespace#" prefix on the type (bit 4).
 */
static void check_error_body_written_by_json_c(const struct fuzz_http *h)
{
	if (!h->body_len)
		return;
	unsigned form = (unsigned char)h->body[0];
	const char *type = h->body + 1, *nl = memchr(type, '\n', h->body_len - 1);
	size_t type_len = nl ? (size_t)(nl - type) : h->body_len - 1;
	const char *message = nl ? nl + 1 : type + type_len;
	size_t message_len = (size_t)(h->body + h->body_len - message);
	char prefixed[512];
	if ((form & 16) && type_len < sizeof(prefixed) - 32) {
		int n = snprintf(prefixed, sizeof(prefixed), "com.amazonaws.dynamodb.v20120810#%.*s", (int)type_len, type);
		type = prefixed;
		type_len = (size_t)n;
	}
	struct json_object *body = json_object_new_object();
	if (!body)
		abort();
	if (form & 4) {
		struct json_object *nested = json_object_new_object();
		if (!nested)
			abort();
		add_member(nested, "message", json_object_new_string("nested"));
		add_member(nested, "__type", json_object_new_string("Nested"));
		add_member(body, "detail", nested);
	}
	const char *message_key = (form & 1) ? "Message" : "message";
	struct json_object *t = json_object_new_string_len(type, (int)type_len);
	struct json_object *m = json_object_new_string_len(message, (int)message_len);
	if (form & 2) {
		add_member(body, message_key, m);
		add_member(body, "__type", t);
	} else {
		add_member(body, "__type", t);
		add_member(body, message_key, m);
	}
	size_t text_len;
	const char *text = json_object_to_json_string_length(
		body, JSON_C_TO_STRING_PLAIN | ((form & 8) ? JSON_C_TO_STRING_NOSLASHESCAPE : 0), &text_len);

	struct cf_aws_result res;
	memset(&res, 0xA5, sizeof(res));
	cf_aws_parse_error_body(text, text_len, &res);
	check_text(res.error_type, sizeof(res.error_type), "error_type");
	check_text(res.error_message, sizeof(res.error_message), "error_message");
	/* The library reads error bodies up to CF_AWS_MAX_ERROR_BODY and refuses one that is not UTF-8
	 * whole (json-c writes such bytes as they are): nothing is read from either. */
	if (text_len > CF_AWS_MAX_ERROR_BODY || !fuzz_utf8_valid((const unsigned char *)type, type_len) ||
	    !fuzz_utf8_valid((const unsigned char *)message, message_len)) {
		FUZZ_CHECK(!res.error_type[0] && !res.error_message[0], "type or message from a body over 64 KiB or not UTF-8");
	} else {
		if (kept_as_is(type, type_len, sizeof(res.error_type)))
			expect_type(&res, type, type_len, text, text_len);
		if (kept_as_is(message, message_len, sizeof(res.error_message)))
			expect_message(&res, message, message_len, text, text_len);
	}
	json_object_put(body);
}

static void check_crc(const struct fuzz_http *h)
{
	struct cf_http_response resp = { 0 };
	for (size_t i = 0; i < h->header_count; i++)
		if (cf_http_response_add_header(&resp, h->headers[i].name, h->headers[i].value) != CF_OK)
			abort();
	if (cf_http_response_set_body(&resp, h->body, h->body_len) != CF_OK)
		abort();
	enum cf_status st = cf_aws_check_crc32(&resp);
	FUZZ_CHECK(st == CF_OK || st == CF_ERR_CRC, "status %d", st);

	const char *v = fuzz_http_header(h, "x-amz-crc32");
	uint32_t crc = crc32_bitwise((const unsigned char *)h->body, h->body_len);
	if (!v) {
		FUZZ_CHECK(st == CF_OK, "no header, yet CF_ERR_CRC");
	} else {
		size_t digits = strspn(v, "0123456789");
		unsigned long long value = 0;
		bool fits = true;
		for (size_t i = 0; i < digits; i++) {
			value = value * 10 + (unsigned long long)(v[i] - '0');
			if (value > 0xFFFFFFFFull) {
				fits = false;
				break;
			}
		}
		bool canonical = digits > 0 && v[digits] == '\0' && fits;
		if (canonical)
			FUZZ_CHECK((st == CF_OK) == (value == crc), "x-amz-crc32 %s, body CRC %u: status %d", v, crc, st);
		else
			FUZZ_CHECK(st == CF_ERR_CRC, "malformed x-amz-crc32 \"%s\" accepted (body CRC %u)", v, crc);
	}
	cf_http_response_clean_up(&resp);
}

static int64_t fake_now(void *user)
{
	(void)user;
	return INT64_C(1700000000000);
}
static void fake_sleep(int64_t ms, void *user)
{
	(void)ms;
	(void)user;
}
static double fake_random(void *user)
{
	(void)user;
	return 0.5;
}
static const struct cf_clock fake_clock = { fake_now, fake_sleep, fake_random, NULL };

static struct cf_aws_config config = {
	.access_key_id = (char *)"AKIDEXAMPLE",
	.secret_access_key = (char *)"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	.region = (char *)"us-east-1",
	.sqs_endpoint = (char *)"https://sqs.us-east-1.amazonaws.com",
	.dynamodb_endpoint = (char *)"https://dynamodb.us-east-1.amazonaws.com",
};

static void push(struct cf_fake_transport *fake, const struct fuzz_http *h, int times)
{
	struct cf_fake_response r = { h->status, h->headers, h->header_count, h->body, h->body_len };
	for (int i = 0; i < times; i++)
		if (cf_fake_transport_push_response(fake, &r) != CF_OK)
			abort();
}

static void check_call(const struct fuzz_http *h)
{
	struct cf_fake_transport *fake;
	if (cf_fake_transport_new(&fake) != CF_OK)
		abort();
	push(fake, h, 3);
	struct cf_aws_client_options opt = { .config = &config, .transport = cf_fake_transport_as_transport(fake),
					     .clock = &fake_clock };
	struct cf_aws_client *client;
	struct cf_error err;
	if (cf_aws_client_new(&opt, &client, &err) != CF_OK)
		abort();
	struct cf_aws_request req = { "{\"TableName\":\"t\"}", 16 };
	struct cf_aws_result res;
	enum cf_status st = cf_aws_call_many(client, CF_AWS_DYNAMODB, "DynamoDB_20120810.UpdateItem", &req, 1, 1, 0, &res);
	FUZZ_CHECK(st == CF_OK, "cf_aws_call_many: %d", st);
	FUZZ_CHECK(res.attempts >= 1 && res.attempts <= 3, "%u attempts", res.attempts);
	FUZZ_CHECK(cf_fake_transport_request_count(fake) == res.attempts, "%zu requests for %u attempts",
		   cf_fake_transport_request_count(fake), res.attempts);
	check_text(res.error_type, sizeof(res.error_type), "error_type");
	check_text(res.error_message, sizeof(res.error_message), "error_message");
	long status = h->status ? h->status : 200;
	if (res.status == CF_OK) {
		FUZZ_CHECK(res.error_class == CF_AWS_OK && res.body && res.body[res.body_len] == '\0', "success");
		FUZZ_CHECK(res.http_status >= 200 && res.http_status < 300, "success with HTTP %ld", res.http_status);
		if (res.attempts == 1)
			FUZZ_CHECK(h->body_len ? res.body_len == h->body_len && !memcmp(res.body, h->body, h->body_len)
					       : !strcmp(res.body, "{}"),
				   "body not passed on");
	} else {
		FUZZ_CHECK(!res.body && res.error_type[0], "failure with a body or without a type");
		FUZZ_CHECK(res.status == CF_ERR_AWS || res.status == CF_ERR_CRC, "status %d", res.status);
		FUZZ_CHECK(res.http_status == status, "HTTP %ld, answered %ld", res.http_status, status);
		if (res.status == CF_ERR_AWS)
			FUZZ_CHECK(res.error_class == cf_aws_classify(res.http_status, res.error_type), "class");
		if (res.error_class == CF_AWS_PERMANENT)
			FUZZ_CHECK(res.attempts == 1, "a permanent error retried");
	}
	cf_aws_result_clean_up(&res);

	/* SendMessageBatch: the same answer, now read as the batch result. */
	cf_fake_transport_reset(fake);
	push(fake, h, 3);
	static const struct cf_sqs_message msgs[3] = {
		{ .id = "m0", .body = "{}", .body_len = 2 },
		{ .id = "m1", .body = "{\"a\":{\"S\":\"b\"}}", .body_len = 15 },
		{ .id = "m-2_x", .body = "[]", .body_len = 2 },
	};
	struct cf_sqs_send_options sopt = { .queue_url = "https://sqs.us-east-1.amazonaws.com/1/q" };
	struct cf_sqs_send_result results[3];
	st = cf_sqs_send_messages(client, &sopt, msgs, 3, results, &err);
	FUZZ_CHECK(st == CF_OK, "cf_sqs_send_messages: %d (%s)", st, err.message);
	for (int i = 0; i < 3; i++) {
		check_text(results[i].code, sizeof(results[i].code), "code");
		check_text(results[i].message, sizeof(results[i].message), "message");
		check_text(results[i].message_id, sizeof(results[i].message_id), "message_id");
		FUZZ_CHECK(results[i].attempts >= 1, "message %d never sent", i);
		FUZZ_CHECK((results[i].status == CF_OK) == (results[i].error_class == CF_AWS_OK), "message %d: class", i);
	}
	cf_aws_client_destroy(client);
	cf_fake_transport_destroy(fake);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_http h;
	fuzz_http_read(&h, data, size);
	check_error_body(&h);
	check_error_body_written_by_json_c(&h);
	check_crc(&h);
	check_call(&h);
	fuzz_http_free(&h);
	return 0;
}
