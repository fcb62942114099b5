/* DynamoDB attribute values: parsing, validation, writing. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartflow/alloc.h"
#include "cartflow/attr.h"
#include "test_support.h"

/* Parse a value, write it back, and return the output (cf_free) or fail the test. */
static char *round_trip_value(const char *json, size_t len)
{
	struct cf_attr_doc *doc;
	struct cf_error err;
	enum cf_status st = cf_attr_doc_parse_value(json, len, &doc, &err);
	ck_assert_msg(st == CF_OK, "%.*s: %s", (int)len, json, err.message);
	char *out = NULL;
	size_t out_len = 0;
	ck_assert_int_eq(cf_attr_write_value(cf_attr_doc_root(doc), &out, &out_len), CF_OK);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(strlen(out), out_len);
	cf_attr_doc_destroy(doc);
	return out;
}

/* Parse a value expecting failure with `status` and exactly `message`. */
static void expect_value_error(const char *json, enum cf_status status, const char *message)
{
	struct cf_attr_doc *doc = (struct cf_attr_doc *)&doc;
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_status st = cf_attr_doc_parse_value(json, strlen(json), &doc, &err);
	ts_assert_failed(json, st, doc, &err, status, message);
}

/* ---- round trips ---- */

static const char *const compact_values[] = {
	"{\"S\":\"hello\"}",
	"{\"S\":\"\"}",
	"{\"N\":\"42\"}",
	"{\"N\":\"-0\"}",
	"{\"N\":\"123456789012345678901234567890.123\"}",
	"{\"N\":\"9.9999999999999999999999999999999999999E+125\"}",
	"{\"N\":\"1234567890123456789012345678901234567800\"}",
	"{\"N\":\"1E-130\"}",
	"{\"N\":\"-1.5e-3\"}",
	"{\"B\":\"aGVsbG8=\"}",
	"{\"B\":\"dGVzdA==\"}",
	"{\"B\":\"test\"}",
	"{\"B\":\"\"}",
	"{\"BOOL\":true}",
	"{\"BOOL\":false}",
	"{\"NULL\":true}",
	"{\"M\":{}}",
	"{\"M\":{\"z\":{\"S\":\"1\"},\"a\":{\"N\":\"2\"},\"m\":{\"NULL\":true}}}",
	"{\"L\":[]}",
	"{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"},{\"L\":[{\"BOOL\":false}]},{\"M\":{\"k\":{\"SS\":[\"x\"]}}}]}",
	"{\"SS\":[\"a\",\"b\",\"\"]}",
	"{\"SS\":[]}",
	"{\"NS\":[\"1\",\"-2.5\",\"1E+10\"]}",
	"{\"BS\":[\"AAAA\",\"aGVsbG8=\",\"AAAA\"]}",
	"{\"S\":\"</script>\"}",
	"{\"S\":\"a\\u0000b\"}",
	"{\"S\":\"\\\"quoted\\\" back\\\\slash\"}",
	"{\"S\":\"\\b\\f\\n\\r\\t\\u0001\\u001f\"}",
	"{\"S\":\"\xF0\x9F\x98\x80 \xC3\xA9 \xE2\x82\xAC\"}",
	"{\"M\":{\"\xF0\x9F\xA6\x8A\":{\"S\":\"fox\"},\"k\\\"ey\":{\"S\":\"v\"},\"\":{\"S\":\"empty name\"}}}",
};

START_TEST(test_compact_values_round_trip_byte_identical)
{
	const char *in = compact_values[_i];
	char *out = round_trip_value(in, strlen(in));
	ck_assert_str_eq(out, in);
	cf_free(out);
}
END_TEST

/* An item holding every type, written as items are: byte-identical when the input is compact. */
static const char every_type_item[] =
	"{\"s\":{\"S\":\"text\"},\"n\":{\"N\":\"123456789012345678901234567890.123\"},\"b\":{\"B\":\"aGVsbG8=\"},"
	"\"t\":{\"BOOL\":true},\"f\":{\"BOOL\":false},\"nul\":{\"NULL\":true},"
	"\"m\":{\"M\":{\"inner\":{\"L\":[{\"N\":\"1\"},{\"S\":\"2\"}]}}},\"l\":{\"L\":[{\"M\":{}},{\"NULL\":true}]},"
	"\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"2.5\"]},\"bs\":{\"BS\":[\"AAAA\",\"AQID\"]}}";

START_TEST(test_item_with_every_type)
{
	struct cf_attr_doc *doc;
	struct cf_error err;
	ck_assert_int_eq(cf_attr_doc_parse_item(every_type_item, sizeof(every_type_item) - 1, &doc, &err), CF_OK);
	const struct cf_attr *root = cf_attr_doc_root(doc);
	ck_assert_int_eq(root->type, CF_ATTR_M);
	ck_assert_uint_eq(root->v.map.count, 11);
	static const char *const names[] = { "s", "n", "b", "t", "f", "nul", "m", "l", "ss", "ns", "bs" };
	static const enum cf_attr_type types[] = { CF_ATTR_S, CF_ATTR_N, CF_ATTR_B, CF_ATTR_BOOL, CF_ATTR_BOOL,
						   CF_ATTR_NULL, CF_ATTR_M, CF_ATTR_L, CF_ATTR_SS, CF_ATTR_NS, CF_ATTR_BS };
	for (size_t i = 0; i < 11; i++) {
		ts_assert_cfstr_eq(root->v.map.members[i].name, names[i]);
		ck_assert_int_eq(root->v.map.members[i].value.type, types[i]);
	}
	ts_assert_cfstr_eq(cf_attr_get(root, "s")->v.text, "text");
	ts_assert_cfstr_eq(cf_attr_get(root, "n")->v.text, "123456789012345678901234567890.123");
	ts_assert_cfstr_eq(cf_attr_get(root, "b")->v.text, "aGVsbG8=");
	ck_assert(cf_attr_get(root, "t")->v.boolean);
	ck_assert(!cf_attr_get(root, "f")->v.boolean);
	const struct cf_attr *inner = cf_attr_get(cf_attr_get(root, "m"), "inner");
	ck_assert_int_eq(inner->type, CF_ATTR_L);
	ck_assert_uint_eq(inner->v.list.count, 2);
	ck_assert_int_eq(inner->v.list.items[0].type, CF_ATTR_N);
	ts_assert_cfstr_eq(inner->v.list.items[1].v.text, "2");
	const struct cf_attr *ss = cf_attr_get(root, "ss");
	ck_assert_uint_eq(ss->v.list.count, 2);
	ck_assert_int_eq(ss->v.list.items[0].type, CF_ATTR_S);
	ck_assert_int_eq(cf_attr_get(root, "ns")->v.list.items[1].type, CF_ATTR_N);
	ck_assert_int_eq(cf_attr_get(root, "bs")->v.list.items[1].type, CF_ATTR_B);

	char *out;
	size_t out_len;
	ck_assert_int_eq(cf_attr_write_item(root, &out, &out_len), CF_OK);
	ck_assert_str_eq(out, every_type_item);
	ck_assert_uint_eq(out_len, sizeof(every_type_item) - 1);
	cf_free(out);
	/* The same M written as a value is wrapped in {"M":...}. */
	ck_assert_int_eq(cf_attr_write_value(root, &out, &out_len), CF_OK);
	ck_assert_uint_eq(out_len, sizeof(every_type_item) - 1 + 6);
	ck_assert_int_eq(strncmp(out, "{\"M\":", 5), 0);
	ck_assert_int_eq(strncmp(out + 5, every_type_item, sizeof(every_type_item) - 1), 0);
	cf_free(out);
	cf_attr_doc_destroy(doc);
}
END_TEST

START_TEST(test_pretty_input_is_written_compact)
{
	const char *pretty = "\xEF\xBB\xBF\n{ \"a\" : { \"L\" : [ { \"S\" : \"x y\" } ,\n\t{ \"NULL\" : true } ] } ,\r\n \"b\":{\"N\":\"1\"} }\n";
	struct cf_attr_doc *doc;
	struct cf_error err;
	ck_assert_int_eq(cf_attr_doc_parse_item(pretty, strlen(pretty), &doc, &err), CF_OK);
	char *out;
	size_t out_len;
	ck_assert_int_eq(cf_attr_write_item(cf_attr_doc_root(doc), &out, &out_len), CF_OK);
	ck_assert_str_eq(out, "{\"a\":{\"L\":[{\"S\":\"x y\"},{\"NULL\":true}]},\"b\":{\"N\":\"1\"}}");
	cf_free(out);
	cf_attr_doc_destroy(doc);
}
END_TEST

START_TEST(test_input_is_copied)
{
	char *json = strdup("{\"M\":{\"name\":{\"S\":\"value\"}}}");
	ck_assert_ptr_nonnull(json);
	struct cf_attr_doc *doc;
	ck_assert_int_eq(cf_attr_doc_parse_value(json, strlen(json), &doc, NULL), CF_OK);
	memset(json, 'X', strlen(json));
	free(json);
	const struct cf_attr *v = cf_attr_get(cf_attr_doc_root(doc), "name");
	ck_assert_ptr_nonnull(v);
	ts_assert_cfstr_eq(v->v.text, "value");
	cf_attr_doc_destroy(doc);
}
END_TEST

/* ---- numbers ---- */

static const char *const good_numbers[] = {
	"0", "-0", "0.0", "00", "1", "-1", "42", "3.14", "-3.14", "1e5", "1E+5", "1e-5",
	"123456789012345678901234567890.123",
	"9.9999999999999999999999999999999999999E+125",
	"-9.9999999999999999999999999999999999999E+125",
	"1234567890123456789012345678901234567800",
	"12345678901234567890123456789012345678",
	"0.00000000000000000000000000000000000000000012345678901234567890123456789012345678",
	"1.0000000000000000000000000000000000000000000",
	"1E-130", "-1E-130", "0.1E-129", "10E-131", "1E+125", "0E+999999", "0.000E-5000",
};

START_TEST(test_valid_numbers)
{
	const char *n = good_numbers[_i];
	ck_assert_msg(cf_attr_number_problem(n, strlen(n)) == NULL, "%s: %s", n, cf_attr_number_problem(n, strlen(n)));
	char json[256];
	snprintf(json, sizeof(json), "{\"N\":\"%s\"}", n);
	char *out = round_trip_value(json, strlen(json));
	ck_assert_str_eq(out, json);
	cf_free(out);
}
END_TEST

static const struct {
	const char *text;
	const char *problem;
} bad_numbers[] = {
	{ "abc", "no digits" },
	{ "", "empty number" },
	{ "1e", "no digits in exponent" },
	{ "1E+", "no digits in exponent" },
	{ "--1", "no digits" },
	{ "NaN", "no digits" },
	{ "Infinity", "no digits" },
	{ "-", "no digits" },
	{ ".", "no digits" },
	{ "1.2.3", "not a number" },
	{ "0x10", "not a number" },
	{ "1 ", "not a number" },
	{ " 1", "no digits" },
	{ "1e5x", "not a number" },
	{ "1,5", "not a number" },
	{ "123456789012345678901234567890123456789", "more than 38 significant digits" },
	{ "1.23456789012345678901234567890123456789", "more than 38 significant digits" },
	{ "10000000000000000000000000000000000001", NULL }, /* 38 digits: fine, checked below */
	{ "100000000000000000000000000000000000001", "more than 38 significant digits" },
	{ "1E+126", "magnitude larger than 9.9999999999999999999999999999999999999E+125" },
	{ "10E+125", "magnitude larger than 9.9999999999999999999999999999999999999E+125" },
	{ "-1E+126", "magnitude larger than 9.9999999999999999999999999999999999999E+125" },
	{ "1E-131", "magnitude smaller than 1E-130" },
	{ "0.1E-130", "magnitude smaller than 1E-130" },
	{ "1E-99999999999999999999", "magnitude smaller than 1E-130" },
	{ "1E+99999999999999999999", "magnitude larger than 9.9999999999999999999999999999999999999E+125" },
};

START_TEST(test_number_problem_direct)
{
	const char *n = bad_numbers[_i].text;
	const char *why = cf_attr_number_problem(n, strlen(n));
	if (!bad_numbers[_i].problem)
		ck_assert_msg(why == NULL, "%s: %s", n, why);
	else
		ck_assert_msg(why && strcmp(why, bad_numbers[_i].problem) == 0, "%s: got %s, want %s", n,
			      why ? why : "(valid)", bad_numbers[_i].problem);
}
END_TEST

START_TEST(test_invalid_numbers_rejected_with_path)
{
	if (!bad_numbers[_i].problem)
		return;
	char json[256], message[512];
	snprintf(json, sizeof(json), "{\"N\":\"%s\"}", bad_numbers[_i].text);
	snprintf(message, sizeof(message), "$.N: invalid number: %s", bad_numbers[_i].problem);
	expect_value_error(json, CF_ERR_NUMBER, message);
	/* Inside a set and inside a map, the path names the element. */
	snprintf(json, sizeof(json), "{\"NS\":[\"1\",\"%s\"]}", bad_numbers[_i].text);
	snprintf(message, sizeof(message), "$.NS[1]: invalid number: %s", bad_numbers[_i].problem);
	expect_value_error(json, CF_ERR_NUMBER, message);
	snprintf(json, sizeof(json), "{\"M\":{\"price\":{\"N\":\"%s\"}}}", bad_numbers[_i].text);
	snprintf(message, sizeof(message), "$.M.price.N: invalid number: %s", bad_numbers[_i].problem);
	expect_value_error(json, CF_ERR_NUMBER, message);
}
END_TEST

START_TEST(test_number_problem_reads_only_len_bytes)
{
	ck_assert_ptr_null(cf_attr_number_problem("12abc", 2));
	ck_assert_ptr_null(cf_attr_number_problem("1E-131", 5)); /* "1E-13" */
	ck_assert_str_eq(cf_attr_number_problem("12", 0), "empty number");
	ck_assert_str_eq(cf_attr_number_problem(NULL, 0), "empty number");
	ck_assert_str_eq(cf_attr_number_problem(NULL, 5), "empty number");
	/* A number with a NUL inside is not a number. */
	ck_assert_str_eq(cf_attr_number_problem("1\0002", 3), "not a number");
}
END_TEST

/* ---- strings ---- */

START_TEST(test_string_with_nul)
{
	const char *json = "{\"S\":\"a\\u0000b\\u0000\"}";
	struct cf_attr_doc *doc;
	ck_assert_int_eq(cf_attr_doc_parse_value(json, strlen(json), &doc, NULL), CF_OK);
	const struct cf_attr *a = cf_attr_doc_root(doc);
	ck_assert_int_eq(a->type, CF_ATTR_S);
	ck_assert_uint_eq(a->v.text.len, 4);
	ck_assert_mem_eq(a->v.text.ptr, "a\0b\0", 4);
	char *out;
	size_t len;
	ck_assert_int_eq(cf_attr_write_value(a, &out, &len), CF_OK);
	ck_assert_str_eq(out, json);
	cf_free(out);
	cf_attr_doc_destroy(doc);
}
END_TEST

START_TEST(test_emoji_raw_and_escaped)
{
	const char *raw = "{\"S\":\"\xF0\x9F\x98\x80\"}";
	const char *escaped = "{\"S\":\"\\ud83d\\ude00\"}";
	const char *upper = "{\"S\":\"\\uD83D\\uDE00\"}";
	const char *inputs[] = { raw, escaped, upper };
	for (size_t i = 0; i < 3; i++) {
		struct cf_attr_doc *doc;
		ck_assert_int_eq(cf_attr_doc_parse_value(inputs[i], strlen(inputs[i]), &doc, NULL), CF_OK);
		const struct cf_attr *a = cf_attr_doc_root(doc);
		ck_assert_uint_eq(a->v.text.len, 4);
		ck_assert_mem_eq(a->v.text.ptr, "\xF0\x9F\x98\x80", 4);
		char *out;
		size_t len;
		ck_assert_int_eq(cf_attr_write_value(a, &out, &len), CF_OK);
		ck_assert_str_eq(out, raw);
		cf_free(out);
		cf_attr_doc_destroy(doc);
	}
}
END_TEST

START_TEST(test_escapes_written_minimally)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "{\"S\":\"<\\/script>\"}", "{\"S\":\"</script>\"}" },
		{ "{\"S\":\"\\u00e9\\u20ac\"}", "{\"S\":\"\xC3\xA9\xE2\x82\xAC\"}" },
		{ "{\"S\":\"\\u007f\"}", "{\"S\":\"\x7f\"}" },
		{ "{\"S\":\"\\u0041\\u000A\\u0009\"}", "{\"S\":\"A\\n\\t\"}" },
		{ "{\"S\":\"\\u001B[0m\"}", "{\"S\":\"\\u001b[0m\"}" },
		{ "{\"S\":\"\\u2028\\u2029\"}", "{\"S\":\"\xE2\x80\xA8\xE2\x80\xA9\"}" },
		{ "{\"M\":{\"a\\/b\":{\"S\":\"\\\"\"}}}", "{\"M\":{\"a/b\":{\"S\":\"\\\"\"}}}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = round_trip_value(cases[i].in, strlen(cases[i].in));
		ck_assert_str_eq(out, cases[i].out);
		cf_free(out);
	}
}
END_TEST

static const char *const bad_strings[] = {
	"{\"S\":\"\\ud83d\"}",
	"{\"S\":\"\\ude00\"}",
	"{\"S\":\"\\ud83d\\u0041\"}",
	"{\"S\":\"a\xFF\"}",
	"{\"S\":\"\xC3\"}",
	"{\"S\":\"\xC0\xAF\"}",
	"{\"S\":\"\xED\xA0\x80\"}",
	"{\"S\":\"\xF4\x90\x80\x80\"}",
	"{\"S\":\"\x80\"}",
	"{\"S\":\"tab\there\"}",
	"{\"M\":{\"\xFF\":{\"S\":\"x\"}}}",
};

START_TEST(test_bad_strings_rejected_as_json)
{
	expect_value_error(bad_strings[_i], CF_ERR_JSON, NULL);
}
END_TEST

/* ---- shape errors with exact paths ---- */

static const struct {
	const char *json;
	enum cf_status status;
	const char *message;
} shape_errors[] = {
	{ "{\"S\":\"a\",\"N\":\"1\"}", CF_ERR_TYPE, "$: expected exactly one type key, got 2" },
	{ "{}", CF_ERR_TYPE, "$: expected exactly one type key, got 0" },
	{ "{\"M\":{\"a\":{}}}", CF_ERR_TYPE, "$.M.a: expected exactly one type key, got 0" },
	{ "{\"X\":\"1\"}", CF_ERR_TYPE, "$.X: unknown attribute type" },
	{ "{\"s\":\"lower case\"}", CF_ERR_TYPE, "$.s: unknown attribute type" },
	{ "{\"M\":{\"a\":{\"STRING\":\"x\"}}}", CF_ERR_TYPE, "$.M.a.STRING: unknown attribute type" },
	{ "\"bare\"", CF_ERR_TYPE, "$: expected a typed value such as {\"S\":\"...\"}, got string" },
	{ "[]", CF_ERR_TYPE, "$: expected a typed value such as {\"S\":\"...\"}, got array" },
	{ "null", CF_ERR_TYPE, "$: expected a typed value such as {\"S\":\"...\"}, got null" },
	{ "{\"L\":[\"x\"]}", CF_ERR_TYPE, "$.L[0]: expected a typed value such as {\"S\":\"...\"}, got string" },
	{ "{\"M\":{\"a\":{\"L\":[{\"S\":1}]}}}", CF_ERR_TYPE, "$.M.a.L[0].S: expected a JSON string, got number" },
	{ "{\"S\":null}", CF_ERR_TYPE, "$.S: expected a JSON string, got null" },
	{ "{\"N\":20}", CF_ERR_TYPE, "$.N: expected a JSON string, got number" },
	{ "{\"B\":[]}", CF_ERR_TYPE, "$.B: expected a JSON string, got array" },
	{ "{\"BOOL\":\"true\"}", CF_ERR_TYPE, "$.BOOL: expected a JSON boolean, got string" },
	{ "{\"BOOL\":1}", CF_ERR_TYPE, "$.BOOL: expected a JSON boolean, got number" },
	{ "{\"NULL\":false}", CF_ERR_TYPE, "$.NULL: NULL must be true" },
	{ "{\"NULL\":null}", CF_ERR_TYPE, "$.NULL: NULL must be true" },
	{ "{\"M\":[]}", CF_ERR_TYPE, "$.M: expected a JSON object, got array" },
	{ "{\"L\":{}}", CF_ERR_TYPE, "$.L: expected a JSON array, got object" },
	{ "{\"SS\":\"a\"}", CF_ERR_TYPE, "$.SS: expected a JSON array, got string" },
	{ "{\"SS\":[\"a\",1]}", CF_ERR_TYPE, "$.SS[1]: expected a JSON string, got number" },
	{ "{\"SS\":[{\"S\":\"a\"}]}", CF_ERR_TYPE, "$.SS[0]: expected a JSON string, got object" },
	{ "{\"B\":\"abc\"}", CF_ERR_BASE64, "$.B: invalid base64" },
	{ "{\"B\":\"ab$=\"}", CF_ERR_BASE64, "$.B: invalid base64" },
	{ "{\"B\":\"a===\"}", CF_ERR_BASE64, "$.B: invalid base64" },
	{ "{\"B\":\"=AAA\"}", CF_ERR_BASE64, "$.B: invalid base64" },
	{ "{\"B\":\"A=A=\"}", CF_ERR_BASE64, "$.B: invalid base64" },
	{ "{\"B\":\"aGVs bG8=\"}", CF_ERR_BASE64, "$.B: invalid base64" },
	{ "{\"B\":\"aGVsbG8=\\n\"}", CF_ERR_BASE64, "$.B: invalid base64" },
	{ "{\"B\":\"aGVsbG8-\"}", CF_ERR_BASE64, "$.B: invalid base64" },
	{ "{\"BS\":[\"AAAA\",\"base64Str\"]}", CF_ERR_BASE64, "$.BS[1]: invalid base64" },
	{ "{\"M\":{\"bin\":{\"B\":\"!\"}}}", CF_ERR_BASE64, "$.M.bin.B: invalid base64" },
	{ "{\"NS\":[\"1\",\"x\"]}", CF_ERR_NUMBER, "$.NS[1]: invalid number: no digits" },
	{ "{\"L\":[{\"M\":{\"q\":{\"N\":\"1e\"}}}]}", CF_ERR_NUMBER, "$.L[0].M.q.N: invalid number: no digits in exponent" },
	{ "{\"S\":\"x\"", CF_ERR_JSON, NULL },
	{ "", CF_ERR_JSON, "offset 0: expected a value (input ends)" },
	{ "{\"S\":\"a\"} trailing", CF_ERR_JSON, NULL },
};

START_TEST(test_shape_errors)
{
	expect_value_error(shape_errors[_i].json, shape_errors[_i].status, shape_errors[_i].message);
}
END_TEST

START_TEST(test_item_errors)
{
	static const struct {
		const char *json;
		enum cf_status status;
		const char *message;
	} cases[] = {
		{ "[]", CF_ERR_TYPE, "$: expected a JSON object, got array" },
		{ "{\"S\":\"x\"}", CF_ERR_TYPE, "$.S: expected a typed value such as {\"S\":\"...\"}, got string" },
		{ "{\"a\":{\"S\":\"x\"},\"b\":{\"N\":1}}", CF_ERR_TYPE, "$.b.N: expected a JSON string, got number" },
		{ "{\"a\":{\"S\":\"x\",\"S\":\"y\"}}", CF_ERR_TYPE, "$.a: expected exactly one type key, got 2" },
		{ "{\"a\\u0001b\":{\"Q\":\"x\"}}", CF_ERR_TYPE, "$.a?b.Q: unknown attribute type" },
		{ "{\"a\":", CF_ERR_JSON, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cf_attr_doc *doc = (struct cf_attr_doc *)&doc;
		struct cf_error err;
		enum cf_status st = cf_attr_doc_parse_item(cases[i].json, strlen(cases[i].json), &doc, &err);
		ck_assert_msg(st == cases[i].status, "%s: %d %s", cases[i].json, st, err.message);
		ck_assert_ptr_null(doc);
		if (cases[i].message)
			ck_assert_str_eq(err.message, cases[i].message);
	}
	/* An empty item is an empty M. */
	struct cf_attr_doc *doc;
	ck_assert_int_eq(cf_attr_doc_parse_item("{}", 2, &doc, NULL), CF_OK);
	ck_assert_int_eq(cf_attr_doc_root(doc)->type, CF_ATTR_M);
	ck_assert_uint_eq(cf_attr_doc_root(doc)->v.map.count, 0);
	char *out;
	size_t len;
	ck_assert_int_eq(cf_attr_write_item(cf_attr_doc_root(doc), &out, &len), CF_OK);
	ck_assert_str_eq(out, "{}");
	cf_free(out);
	cf_attr_doc_destroy(doc);
}
END_TEST

START_TEST(test_long_and_odd_names_in_paths)
{
	/* A name longer than 64 bytes is cut and marked; control bytes show as '?'. */
	char name[101];
	memset(name, 'k', 100);
	name[100] = '\0';
	char json[256], want[256];
	snprintf(json, sizeof(json), "{\"M\":{\"%s\":{\"S\":1}}}", name);
	snprintf(want, sizeof(want), "$.M.%.64s....S: expected a JSON string, got number", name);
	expect_value_error(json, CF_ERR_TYPE, want);

	/* A very deep path is cut to fit the message, never overflowing it. */
	char deep[4096];
	size_t o = 0;
	for (int i = 0; i < 60; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "{\"M\":{\"level%02d\":", i);
	o += (size_t)snprintf(deep + o, sizeof(deep) - o, "{\"S\":1}");
	for (int i = 0; i < 60; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "}}");
	struct cf_attr_doc *doc;
	struct cf_error err;
	ck_assert_int_eq(cf_attr_doc_parse_value(deep, o, &doc, &err), CF_ERR_TYPE);
	ck_assert_uint_lt(strlen(err.message), CF_ERROR_MESSAGE_MAX);
	ck_assert_int_eq(strncmp(err.message, "$.M.level00.M.level01.", 22), 0);
	/* The path stops at 160 characters and is marked, so the reason still fits. */
	ck_assert_ptr_nonnull(strstr(err.message, "...: expected a JSON string, got number"));
}
END_TEST

START_TEST(test_deeply_nested_values)
{
	/* 63 nested L (126 JSON levels) parse; 65 (130 levels) exceed the JSON depth limit cleanly. */
	for (int depth = 63; depth <= 65; depth += 2) {
		char json[1024];
		size_t o = 0;
		for (int i = 0; i < depth; i++)
			o += (size_t)snprintf(json + o, sizeof(json) - o, "{\"L\":[");
		o += (size_t)snprintf(json + o, sizeof(json) - o, "{\"N\":\"1\"}");
		for (int i = 0; i < depth; i++)
			o += (size_t)snprintf(json + o, sizeof(json) - o, "]}");
		struct cf_attr_doc *doc;
		struct cf_error err;
		enum cf_status st = cf_attr_doc_parse_value(json, o, &doc, &err);
		if (depth == 63) {
			ck_assert_msg(st == CF_OK, "%s", err.message);
			char *out = round_trip_value(json, o);
			ck_assert_str_eq(out, json);
			cf_free(out);
			cf_attr_doc_destroy(doc);
		} else {
			ck_assert_int_eq(st, CF_ERR_JSON);
			ck_assert_ptr_null(doc);
		}
	}
}
END_TEST

/* ---- map order, cf_attr_get ---- */

START_TEST(test_map_order_and_get)
{
	const char *json = "{\"M\":{\"zeta\":{\"S\":\"1\"},\"alpha\":{\"S\":\"2\"},\"mid\":{\"S\":\"3\"},\"alpha\":{\"S\":\"4\"}}}";
	struct cf_attr_doc *doc;
	ck_assert_int_eq(cf_attr_doc_parse_value(json, strlen(json), &doc, NULL), CF_OK);
	const struct cf_attr *m = cf_attr_doc_root(doc);
	ck_assert_uint_eq(m->v.map.count, 4);
	ts_assert_cfstr_eq(m->v.map.members[0].name, "zeta");
	ts_assert_cfstr_eq(m->v.map.members[1].name, "alpha");
	ts_assert_cfstr_eq(m->v.map.members[2].name, "mid");
	ts_assert_cfstr_eq(m->v.map.members[3].name, "alpha");
	/* The first of duplicate names wins. */
	ts_assert_cfstr_eq(cf_attr_get(m, "alpha")->v.text, "2");
	ts_assert_cfstr_eq(cf_attr_get(m, "mid")->v.text, "3");
	ck_assert_ptr_null(cf_attr_get(m, "Alpha"));
	ck_assert_ptr_null(cf_attr_get(m, "alph"));
	ck_assert_ptr_null(cf_attr_get(m, ""));
	ck_assert_ptr_null(cf_attr_get(m, NULL));
	ck_assert_ptr_null(cf_attr_get(NULL, "alpha"));
	ck_assert_ptr_null(cf_attr_get(cf_attr_get(m, "mid"), "x")); /* not an M */
	char *out = round_trip_value(json, strlen(json));
	ck_assert_str_eq(out, json);
	cf_free(out);
	cf_attr_doc_destroy(doc);
}
END_TEST

/* ---- binary ---- */

static void expect_decode(const char *json, const char *bytes, size_t n)
{
	struct cf_attr_doc *doc;
	ck_assert_int_eq(cf_attr_doc_parse_value(json, strlen(json), &doc, NULL), CF_OK);
	const struct cf_attr *a = cf_attr_doc_root(doc);
	if (a->type == CF_ATTR_BS)
		a = &a->v.list.items[a->v.list.count - 1];
	unsigned char *out = (unsigned char *)"junk";
	size_t len = 99;
	struct cf_error err;
	ck_assert_int_eq(cf_attr_binary_decode(a, &out, &len, &err), CF_OK);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(len, n);
	if (n)
		ck_assert_mem_eq(out, bytes, n);
	cf_free(out);
	cf_attr_doc_destroy(doc);
}

START_TEST(test_binary_decode)
{
	expect_decode("{\"B\":\"aGVsbG8=\"}", "hello", 5);
	expect_decode("{\"B\":\"test\"}", "\xb5\xeb\x2d", 3);
	expect_decode("{\"B\":\"AA==\"}", "\0", 1);
	expect_decode("{\"B\":\"AAE=\"}", "\0\1", 2);
	expect_decode("{\"B\":\"+/+/\"}", "\xfb\xff\xbf", 3);
	expect_decode("{\"B\":\"\"}", "", 0);
	expect_decode("{\"BS\":[\"AAAA\",\"aGk=\"]}", "hi", 2);
}
END_TEST

START_TEST(test_binary_decode_errors)
{
	struct cf_attr_doc *doc;
	ck_assert_int_eq(cf_attr_doc_parse_value("{\"S\":\"aGVsbG8=\"}", 16, &doc, NULL), CF_OK);
	unsigned char *out = (unsigned char *)"junk";
	size_t len = 7;
	struct cf_error err;
	ck_assert_int_eq(cf_attr_binary_decode(cf_attr_doc_root(doc), &out, &len, &err), CF_ERR_TYPE);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
	cf_attr_doc_destroy(doc);
	ck_assert_int_eq(cf_attr_binary_decode(NULL, &out, &len, NULL), CF_ERR_TYPE);
	ck_assert_int_eq(cf_attr_binary_decode(NULL, NULL, &len, NULL), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_attr_binary_decode(NULL, &out, NULL, NULL), CF_ERR_INVALID_ARG);
	/* A hand-made B that never went through the parser is still checked. */
	struct cf_attr bad = { .type = CF_ATTR_B, .v.text = { "not base64!", 11 } };
	ck_assert_int_eq(cf_attr_binary_decode(&bad, &out, &len, &err), CF_ERR_BASE64);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(err.code, CF_ERR_BASE64);
}
END_TEST

/* ---- misc API ---- */

START_TEST(test_type_names)
{
	static const char *const names[] = { "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS" };
	for (int t = CF_ATTR_S; t <= CF_ATTR_BS; t++)
		ck_assert_str_eq(cf_attr_type_name((enum cf_attr_type)t), names[t]);
	ck_assert_str_eq(cf_attr_type_name((enum cf_attr_type)99), "?");
}
END_TEST

START_TEST(test_argument_errors)
{
	struct cf_attr_doc *doc = (struct cf_attr_doc *)&doc;
	struct cf_error err;
	ck_assert_int_eq(cf_attr_doc_parse_value(NULL, 4, &doc, &err), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(doc);
	ck_assert_int_eq(cf_attr_doc_parse_item("{}", 2, NULL, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_attr_doc_parse_value(NULL, 0, &doc, &err), CF_ERR_JSON);
	ck_assert_ptr_null(cf_attr_doc_root(NULL));
	cf_attr_doc_destroy(NULL);

	char *out = NULL;
	size_t len;
	ck_assert_int_eq(cf_attr_write_value(NULL, &out, &len), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_attr_write_item(NULL, &out, &len), CF_ERR_INVALID_ARG);
	struct cf_attr s = { .type = CF_ATTR_S, .v.text = { "x", 1 } };
	ck_assert_int_eq(cf_attr_write_value(&s, NULL, &len), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_attr_write_item(&s, &out, &len), CF_ERR_TYPE);
	ck_assert_ptr_null(out);
	/* out_len may be NULL. */
	ck_assert_int_eq(cf_attr_write_value(&s, &out, NULL), CF_OK);
	ck_assert_str_eq(out, "{\"S\":\"x\"}");
	cf_free(out);
	cf_free(NULL);
}
END_TEST

START_TEST(test_failed_call_clears_out)
{
	/* STYLE.md: "On failure an out-parameter is left zeroed with nothing to free." */
	struct cf_attr s = { .type = CF_ATTR_S, .v.text = { "x", 1 } };
	char *out = (char *)"stale";
	size_t len = 5;
	ck_assert_int_eq(cf_attr_write_item(&s, &out, &len), CF_ERR_TYPE);
	ck_assert_ptr_null(out);
	out = (char *)"stale";
	ck_assert_int_eq(cf_attr_write_value(NULL, &out, &len), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(out);
	out = (char *)"stale";
	ck_assert_int_eq(cf_attr_write_item(NULL, &out, &len), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(out);
	struct cf_attr b = { .type = CF_ATTR_B, .v.text = { "AAAA", 4 } };
	unsigned char *bytes = (unsigned char *)"stale";
	ck_assert_int_eq(cf_attr_binary_decode(&b, &bytes, NULL, NULL), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(bytes);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("attr");
	TCase *tc = tcase_create("round_trip");
	tcase_add_loop_test(tc, test_compact_values_round_trip_byte_identical, 0,
			    (int)(sizeof(compact_values) / sizeof(compact_values[0])));
	tcase_add_test(tc, test_item_with_every_type);
	tcase_add_test(tc, test_pretty_input_is_written_compact);
	tcase_add_test(tc, test_input_is_copied);
	tcase_add_test(tc, test_map_order_and_get);
	tcase_add_test(tc, test_deeply_nested_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("numbers");
	tcase_add_loop_test(tc, test_valid_numbers, 0, (int)(sizeof(good_numbers) / sizeof(good_numbers[0])));
	tcase_add_loop_test(tc, test_number_problem_direct, 0, (int)(sizeof(bad_numbers) / sizeof(bad_numbers[0])));
	tcase_add_loop_test(tc, test_invalid_numbers_rejected_with_path, 0,
			    (int)(sizeof(bad_numbers) / sizeof(bad_numbers[0])));
	tcase_add_test(tc, test_number_problem_reads_only_len_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("strings");
	tcase_add_test(tc, test_string_with_nul);
	tcase_add_test(tc, test_emoji_raw_and_escaped);
	tcase_add_test(tc, test_escapes_written_minimally);
	tcase_add_loop_test(tc, test_bad_strings_rejected_as_json, 0, (int)(sizeof(bad_strings) / sizeof(bad_strings[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_shape_errors, 0, (int)(sizeof(shape_errors) / sizeof(shape_errors[0])));
	tcase_add_test(tc, test_item_errors);
	tcase_add_test(tc, test_long_and_odd_names_in_paths);
	tcase_add_test(tc, test_argument_errors);
	tcase_add_test(tc, test_failed_call_clears_out);
	suite_add_tcase(s, tc);

	tc = tcase_create("binary");
	tcase_add_test(tc, test_binary_decode);
	tcase_add_test(tc, test_binary_decode_errors);
	tcase_add_test(tc, test_type_names);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
