/* Lambda-style logging (cf_logger_*, cf_log): text and JSON lines, levels, escaping. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cartflow/log.h"
#include "test_support.h"

/* A fake environment: NULL-terminated pairs of name, value. */
struct env {
	const char *vars[8][2];
};

static const char *env_get(const char *name, void *user)
{
	const struct env *e = user;
	for (size_t i = 0; i < 8 && e->vars[i][0]; i++)
		if (!strcmp(e->vars[i][0], name))
			return e->vars[i][1];
	return NULL;
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

/* Line `index` (0-based) of `text`, copied into `out`. */
static void nth_line(const char *text, size_t index, char *out, size_t cap)
{
	for (size_t i = 0; i < index; i++) {
		text = strchr(text, '\n');
		ck_assert_ptr_nonnull(text);
		text++;
	}
	const char *end = strchr(text, '\n');
	ck_assert_ptr_nonnull(end);
	size_t n = (size_t)(end - text);
	ck_assert_uint_lt(n, cap);
	memcpy(out, text, n);
	out[n] = '\0';
}

/* `ts` is "YYYY-MM-DDTHH:MM:SS.mmmZ" (RFC 3339, UTC, milliseconds) and within a minute of now. */
static void assert_timestamp(const char *ts)
{
	ck_assert_msg(strlen(ts) == 24, "timestamp \"%s\" is not 24 characters", ts);
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	for (size_t i = 0; i < 24; i++) {
		if (shape[i] == 'd')
			ck_assert_msg(isdigit((unsigned char)ts[i]), "timestamp \"%s\": digit expected at %zu", ts, i);
		else
			ck_assert_msg(ts[i] == shape[i], "timestamp \"%s\": '%c' expected at %zu", ts, shape[i], i);
	}
	struct tm tm = { 0 };
	ck_assert_ptr_nonnull(strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm));
	time_t then = timegm(&tm), now = time(NULL);
	ck_assert_msg(then <= now + 1 && then >= now - 60, "timestamp \"%s\" is not now", ts);
}

static const char *get_string(struct json_object *obj, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	ck_assert_msg(json_object_is_type(v, json_type_string), "%s is not a string", key);
	return json_object_get_string(v);
}

/* Parse one JSON log line strictly; the caller puts the result. */
static struct json_object *parse_line(const char *line)
{
	struct json_tokener *tok = json_tokener_new();
	ck_assert_ptr_nonnull(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *obj = json_tokener_parse_ex(tok, line, (int)strlen(line));
	ck_assert_msg(obj && json_tokener_get_error(tok) == json_tokener_success &&
			      json_tokener_get_parse_end(tok) == strlen(line),
		      "not one JSON document: %s", line);
	json_tokener_free(tok);
	ck_assert(json_object_is_type(obj, json_type_object));
	return obj;
}

START_TEST(test_json_line)
{
	struct env e = { { { "AWS_LAMBDA_LOG_FORMAT", "JSON" } } };
	struct ts_log_sink s;
	ts_log_sink_open(&s, env_get, &e);
	ck_assert(s.log.json);
	ck_assert_int_eq(s.log.min_level, CF_LOG_INFO);
	cf_logger_set_request_id(&s.log, "8476a536-e9f4-5d4b-9b1c-4a3e5b2d1c0f");
	const struct cf_log_field f[] = { { "orderId", "o-1001" }, { "messages", "2" }, { "empty", NULL } };
	cf_log(&s.log, CF_LOG_INFO, "SQS batch processed", f, 3);
	const char *text = ts_log_sink_text(&s);
	ck_assert_uint_eq(count_char(text, '\n'), 1);
	char line[1024];
	nth_line(text, 0, line, sizeof(line));
	struct json_object *obj = parse_line(line);
	ck_assert_int_eq(json_object_object_length(obj), 7);
	assert_timestamp(get_string(obj, "timestamp"));
	ck_assert_str_eq(get_string(obj, "level"), "INFO");
	ck_assert_str_eq(get_string(obj, "message"), "SQS batch processed");
	ck_assert_str_eq(get_string(obj, "requestId"), "8476a536-e9f4-5d4b-9b1c-4a3e5b2d1c0f");
	ck_assert_str_eq(get_string(obj, "orderId"), "o-1001");
	ck_assert_str_eq(get_string(obj, "messages"), "2");
	ck_assert_str_eq(get_string(obj, "empty"), "");
	/* The documented member order: timestamp, level, message, requestId, fields. */
	ck_assert_msg(strncmp(line, "{\"timestamp\":\"", 14) == 0, "%s", line);
	ck_assert_ptr_nonnull(strstr(line, "\",\"level\":\"INFO\",\"message\":\"SQS batch processed\",\"requestId\":"));
	json_object_put(obj);
	ts_log_sink_close(&s);
}
END_TEST

START_TEST(test_json_without_request_id)
{
	struct env e = { { { "AWS_LAMBDA_LOG_FORMAT", "json" } } };
	struct ts_log_sink s;
	ts_log_sink_open(&s, env_get, &e);
	ck_assert(s.log.json);
	cf_logger_set_request_id(&s.log, "r-1");
	cf_logger_set_request_id(&s.log, NULL);
	cf_log(&s.log, CF_LOG_ERROR, "outside an invocation", NULL, 0);
	char line[512];
	nth_line(ts_log_sink_text(&s), 0, line, sizeof(line));
	struct json_object *obj = parse_line(line);
	ck_assert_ptr_null(get_string(obj, "requestId"));
	ck_assert_str_eq(get_string(obj, "level"), "ERROR");
	ck_assert_int_eq(json_object_object_length(obj), 3);
	json_object_put(obj);
	ts_log_sink_close(&s);
}
END_TEST

START_TEST(test_text_line)
{
	struct env e = { { { NULL, NULL } } };
	struct ts_log_sink s;
	ts_log_sink_open(&s, env_get, &e);
	ck_assert(!s.log.json);
	cf_log(&s.log, CF_LOG_WARN, "before", NULL, 0);
	cf_logger_set_request_id(&s.log, "req-7");
	const struct cf_log_field f[] = { { "messageId", "m-1" }, { "reason", "ConditionalCheckFailedException" } };
	cf_log(&s.log, CF_LOG_WARN, "message failed permanently", f, 2);
	const char *text = ts_log_sink_text(&s);
	ck_assert_uint_eq(count_char(text, '\n'), 2);
	char line[512];
	nth_line(text, 0, line, sizeof(line));
	ck_assert_uint_gt(strlen(line), 25);
	line[24] = '\0';
	assert_timestamp(line);
	ck_assert_str_eq(line + 25, "WARN\t-\tbefore");
	nth_line(text, 1, line, sizeof(line));
	ck_assert_int_eq(line[24], '\t');
	line[24] = '\0';
	assert_timestamp(line);
	ck_assert_str_eq(line + 25,
			 "WARN\treq-7\tmessage failed permanently messageId=m-1 reason=ConditionalCheckFailedException");
	ts_log_sink_close(&s);
}
END_TEST

/* Lines written at each level with AWS_LAMBDA_LOG_LEVEL = `level` (NULL: unset), as a bit mask. */
static unsigned written_levels(const char *format, const char *level)
{
	struct env e = { { { "AWS_LAMBDA_LOG_FORMAT", format }, { "AWS_LAMBDA_LOG_LEVEL", level } } };
	if (!level)
		e.vars[1][0] = NULL;
	struct ts_log_sink s;
	ts_log_sink_open(&s, env_get, &e);
	static const char *const names[] = { "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" };
	for (int l = CF_LOG_TRACE; l <= CF_LOG_FATAL; l++)
		cf_log(&s.log, (enum cf_log_level)l, names[l], NULL, 0);
	const char *text = ts_log_sink_text(&s);
	unsigned mask = 0;
	size_t lines = count_char(text, '\n');
	for (size_t i = 0; i < lines; i++) {
		char line[512];
		nth_line(text, i, line, sizeof(line));
		for (int l = CF_LOG_TRACE; l <= CF_LOG_FATAL; l++) {
			char want[64];
			snprintf(want, sizeof(want), strcmp(format, "JSON") ? "\t%s\t-\t%s" : "\"level\":\"%s\",\"message\":\"%s\"",
				 names[l], names[l]);
			if (strstr(line, want))
				mask |= 1u << l;
		}
	}
	ck_assert_uint_eq(lines, (size_t)__builtin_popcount(mask));
	for (int l = CF_LOG_TRACE; l <= CF_LOG_FATAL; l++)
		ck_assert(cf_logger_enabled(&s.log, (enum cf_log_level)l) == !!(mask & (1u << l)));
	ts_log_sink_close(&s);
	return mask;
}

START_TEST(test_level_filtering)
{
	static const char *const formats[] = { "JSON", "Text" };
	for (size_t i = 0; i < 2; i++) {
		const char *fmt = formats[i];
		ck_assert_uint_eq(written_levels(fmt, NULL), 0x3Cu); /* default INFO */
		ck_assert_uint_eq(written_levels(fmt, "TRACE"), 0x3Fu);
		ck_assert_uint_eq(written_levels(fmt, "debug"), 0x3Eu);
		ck_assert_uint_eq(written_levels(fmt, "INFO"), 0x3Cu);
		ck_assert_uint_eq(written_levels(fmt, "WARN"), 0x38u);
		ck_assert_uint_eq(written_levels(fmt, "Error"), 0x30u);
		ck_assert_uint_eq(written_levels(fmt, "FATAL"), 0x20u);
		ck_assert_uint_eq(written_levels(fmt, "LOUD"), 0x3Cu); /* unknown: the default */
		ck_assert_uint_eq(written_levels(fmt, ""), 0x3Cu);
	}
}
END_TEST

START_TEST(test_no_stream_writes_nothing)
{
	struct cf_logger log;
	struct env e = { { { "AWS_LAMBDA_LOG_LEVEL", "TRACE" } } };
	cf_logger_init(&log, NULL, env_get, &e);
	ck_assert(!cf_logger_enabled(&log, CF_LOG_FATAL));
	ck_assert(!cf_logger_enabled(NULL, CF_LOG_FATAL));
	cf_log(&log, CF_LOG_FATAL, "nowhere", NULL, 0); /* must not crash */
}
END_TEST

static const char nasty[] = "line1\nline2\r\ttab \x01\x1f quote\" back\\slash \xf0\x9f\xa6\x8a end";

START_TEST(test_json_escapes_control_characters)
{
	struct env e = { { { "AWS_LAMBDA_LOG_FORMAT", "JSON" } } };
	struct ts_log_sink s;
	ts_log_sink_open(&s, env_get, &e);
	cf_logger_set_request_id(&s.log, "id\nwith newline");
	const struct cf_log_field f[] = { { "reason", nasty }, { "key\nnl", "v" } };
	cf_log(&s.log, CF_LOG_WARN, nasty, f, 2);
	const char *text = ts_log_sink_text(&s);
	ck_assert_uint_eq(count_char(text, '\n'), 1);
	ck_assert_uint_eq(count_char(text, '\r'), 0);
	ck_assert_uint_eq(count_char(text, '\t'), 0);
	ck_assert_uint_eq(count_char(text, '\x01'), 0);
	char line[1024];
	nth_line(text, 0, line, sizeof(line));
	struct json_object *obj = parse_line(line);
	ck_assert_str_eq(get_string(obj, "message"), nasty);
	ck_assert_str_eq(get_string(obj, "reason"), nasty);
	ck_assert_str_eq(get_string(obj, "requestId"), "id\nwith newline");
	ck_assert_str_eq(get_string(obj, "key\nnl"), "v");
	json_object_put(obj);
	ts_log_sink_close(&s);
}
END_TEST

START_TEST(test_text_escapes_control_characters)
{
	struct env e = { { { "AWS_LAMBDA_LOG_FORMAT", "TEXT" } } };
	struct ts_log_sink s;
	ts_log_sink_open(&s, env_get, &e);
	cf_logger_set_request_id(&s.log, "id\nwith\ttab");
	const struct cf_log_field f[] = { { "reason", nasty }, { "key\nnl", "v" } };
	cf_log(&s.log, CF_LOG_WARN, nasty, f, 2);
	const char *text = ts_log_sink_text(&s);
	ck_assert_uint_eq(count_char(text, '\n'), 1);
	ck_assert_uint_eq(count_char(text, '\r'), 0);
	ck_assert_uint_eq(count_char(text, '\x01'), 0);
	ck_assert_uint_eq(count_char(text, '\x1f'), 0);
	/* The three separators between timestamp, level, request id and message, and nothing else. */
	ck_assert_uint_eq(count_char(text, '\t'), 3);
	ck_assert_ptr_nonnull(strstr(text, "\tWARN\tid\\nwith\\ttab\t"));
	ck_assert_ptr_nonnull(strstr(text, "line1\\nline2\\r\\ttab \\u0001\\u001f quote"));
	ck_assert_ptr_nonnull(strstr(text, "\xf0\x9f\xa6\x8a end reason=line1\\nline2"));
	ck_assert_ptr_nonnull(strstr(text, " key\\nnl=v\n"));
	ts_log_sink_close(&s);
}
END_TEST

START_TEST(test_request_id_truncated)
{
	struct env e = { { { "AWS_LAMBDA_LOG_FORMAT", "JSON" } } };
	struct ts_log_sink s;
	ts_log_sink_open(&s, env_get, &e);
	char id[300];
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	cf_logger_set_request_id(&s.log, id);
	ck_assert_uint_eq(strlen(s.log.request_id), sizeof(s.log.request_id) - 1);
	cf_log(&s.log, CF_LOG_INFO, "x", NULL, 0);
	char line[1024];
	nth_line(ts_log_sink_text(&s), 0, line, sizeof(line));
	struct json_object *obj = parse_line(line);
	ck_assert_uint_eq(strlen(get_string(obj, "requestId")), sizeof(s.log.request_id) - 1);
	json_object_put(obj);
	ts_log_sink_close(&s);
}
END_TEST

/* Many lines, each one JSON document: nothing interleaves or splits. */
START_TEST(test_one_line_per_event)
{
	struct env e = { { { "AWS_LAMBDA_LOG_FORMAT", "JSON" }, { "AWS_LAMBDA_LOG_LEVEL", "DEBUG" } } };
	struct ts_log_sink s;
	ts_log_sink_open(&s, env_get, &e);
	char value[64];
	for (int i = 0; i < 100; i++) {
		snprintf(value, sizeof(value), "v%d\n", i);
		const struct cf_log_field f[] = { { "i", value } };
		cf_log(&s.log, i % 2 ? CF_LOG_DEBUG : CF_LOG_TRACE, "tick", f, 1);
	}
	const char *text = ts_log_sink_text(&s);
	ck_assert_uint_eq(count_char(text, '\n'), 50);
	for (size_t i = 0; i < 50; i++) {
		char line[256];
		nth_line(text, i, line, sizeof(line));
		struct json_object *obj = parse_line(line);
		snprintf(value, sizeof(value), "v%zu\n", 2 * i + 1);
		ck_assert_str_eq(get_string(obj, "i"), value);
		ck_assert_str_eq(get_string(obj, "level"), "DEBUG");
		json_object_put(obj);
	}
	ts_log_sink_close(&s);
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_json_line);
	tcase_add_test(tc, test_json_without_request_id);
	tcase_add_test(tc, test_text_line);
	tcase_add_test(tc, test_level_filtering);
	tcase_add_test(tc, test_no_stream_writes_nothing);
	tcase_add_test(tc, test_json_escapes_control_characters);
	tcase_add_test(tc, test_text_escapes_control_characters);
	tcase_add_test(tc, test_request_id_truncated);
	tcase_add_test(tc, test_one_line_per_event);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return ts_run_suite(log_suite()); }
