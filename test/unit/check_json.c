/* The internal validating JSON parser (libcartflow/src/model/json.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "json.h"
#include "test_support.h"

/* Parse `len` bytes into a fresh arena; the caller cleans the arena. */
static enum cf_status parse_n(struct cf_arena *arena, const char *text, size_t len, const struct cf_json **out,
			      struct cf_error *err)
{
	*arena = (struct cf_arena){ 0 };
	cf_error_clear(err);
	return cf_json_parse(arena, text, len, out, err);
}

static enum cf_status parse(struct cf_arena *arena, const char *text, const struct cf_json **out,
			    struct cf_error *err)
{
	return parse_n(arena, text, strlen(text), out, err);
}

/* ---- valid documents ---- */

static const char *const valid_docs[] = {
	"null",
	"true",
	"false",
	"0",
	"-0",
	"-0.0e+10",
	"1E400",
	"123456789012345678901234567890.123",
	"\"\"",
	"\"plain\"",
	"[]",
	"{}",
	"[[],{},[[]]]",
	"{\"a\":{\"b\":[1,2,{\"c\":null}]}}",
	" \t\r\n{ \"a\" : [ 1 , 2 ] } \t\r\n",
	"\xEF\xBB\xBF{\"bom\":true}",
	"\xEF\xBB\xBF  [1]",
	"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"",
	"\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\"",
	"{\"\":1}",
	"{\"a\":1,\"a\":2}",
	"[1e5,1E-5,1.5e+5,-1.25,0.0]",
};

START_TEST(test_valid_documents_parse)
{
	struct cf_arena arena;
	const struct cf_json *root;
	struct cf_error err;
	enum cf_status st = parse(&arena, valid_docs[_i], &root, &err);
	ck_assert_msg(st == CF_OK, "%s: %s", valid_docs[_i], err.message);
	ck_assert_ptr_nonnull(root);
	cf_arena_clean_up(&arena);
}
END_TEST

START_TEST(test_scalars)
{
	struct cf_arena arena;
	const struct cf_json *root;
	struct cf_error err;
	ck_assert_int_eq(parse(&arena, "null", &root, &err), CF_OK);
	ck_assert_int_eq(root->type, CF_JSON_NULL);
	cf_arena_clean_up(&arena);
	ck_assert_int_eq(parse(&arena, "true", &root, &err), CF_OK);
	ck_assert_int_eq(root->type, CF_JSON_TRUE);
	cf_arena_clean_up(&arena);
	ck_assert_int_eq(parse(&arena, " false ", &root, &err), CF_OK);
	ck_assert_int_eq(root->type, CF_JSON_FALSE);
	cf_arena_clean_up(&arena);
}
END_TEST

START_TEST(test_number_raw_text_is_kept)
{
	static const char *const numbers[] = {
		"0", "-0", "-0.0e+10", "1E400", "1e-400", "123456789012345678901234567890.123",
		"9.9999999999999999999999999999999999999E+125", "100000000000000000000000000000000000000000",
	};
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		char doc[128];
		snprintf(doc, sizeof(doc), "[ %s ]", numbers[i]);
		struct cf_arena arena;
		const struct cf_json *root;
		struct cf_error err;
		ck_assert_msg(parse(&arena, doc, &root, &err) == CF_OK, "%s: %s", doc, err.message);
		ck_assert_int_eq(root->type, CF_JSON_ARRAY);
		ck_assert_uint_eq(root->count, 1);
		const struct cf_json *n = &root->u.entries[0].value;
		ck_assert_int_eq(n->type, CF_JSON_NUMBER);
		ts_assert_cfstr_eq(n->u.text, numbers[i]);
		cf_arena_clean_up(&arena);
	}
}
END_TEST

START_TEST(test_object_members_in_order_and_get_first)
{
	struct cf_arena arena;
	const struct cf_json *root;
	struct cf_error err;
	ck_assert_int_eq(parse(&arena, "{\"z\":1,\"a\":\"x\",\"m\":[true],\"a\":2}", &root, &err), CF_OK);
	ck_assert_int_eq(root->type, CF_JSON_OBJECT);
	ck_assert_uint_eq(root->count, 4);
	ts_assert_cfstr_eq(root->u.entries[0].key, "z");
	ts_assert_cfstr_eq(root->u.entries[1].key, "a");
	ts_assert_cfstr_eq(root->u.entries[2].key, "m");
	ts_assert_cfstr_eq(root->u.entries[3].key, "a");
	const struct cf_json *a = cf_json_get(root, "a");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->type, CF_JSON_STRING);
	ts_assert_cfstr_eq(a->u.text, "x");
	const struct cf_json *m = cf_json_get(root, "m");
	ck_assert_int_eq(m->type, CF_JSON_ARRAY);
	ck_assert_uint_eq(m->count, 1);
	ck_assert_int_eq(m->u.entries[0].value.type, CF_JSON_TRUE);
	ck_assert_ptr_null(m->u.entries[0].key.ptr);
	ck_assert_ptr_null(cf_json_get(root, "missing"));
	ck_assert_ptr_null(cf_json_get(root, ""));
	ck_assert_ptr_null(cf_json_get(m, "a"));
	ck_assert_ptr_null(cf_json_get(NULL, "a"));
	cf_arena_clean_up(&arena);
}
END_TEST

START_TEST(test_unescaped_strings_borrow_the_input)
{
	/* json.h: the input must outlive the tree because strings without escapes point into it. */
	const char *text = "\xEF\xBB\xBF {\"a\" : {\"b\": [1, \"two\", \"t\\u0077o\"] } }  ";
	struct cf_arena arena;
	const struct cf_json *root;
	struct cf_error err;
	ck_assert_int_eq(parse(&arena, text, &root, &err), CF_OK);
	const struct cf_json *b = cf_json_get(cf_json_get(root, "a"), "b");
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(b->count, 3);
	ts_assert_cfstr_eq(b->u.entries[0].value.u.text, "1");
	ts_assert_cfstr_eq(b->u.entries[1].value.u.text, "two");
	ts_assert_cfstr_eq(b->u.entries[2].value.u.text, "two");
	ck_assert_ptr_eq(b->u.entries[1].value.u.text.ptr, strstr(text, "two"));
	ck_assert_ptr_eq(b->u.entries[0].value.u.text.ptr, strstr(text, "1"));
	/* The escaped one was decoded into the arena. */
	ck_assert(b->u.entries[2].value.u.text.ptr < text || b->u.entries[2].value.u.text.ptr > text + strlen(text));
	cf_arena_clean_up(&arena);
}
END_TEST

START_TEST(test_string_escapes_decode)
{
	struct cf_arena arena;
	const struct cf_json *root;
	struct cf_error err;
	ck_assert_int_eq(parse(&arena, "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"", &root, &err),
			 CF_OK);
	ck_assert_int_eq(root->type, CF_JSON_STRING);
	ts_assert_cfstr_eq(root->u.text, "\"\\/\b\f\n\r\tA\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
	cf_arena_clean_up(&arena);

	/* \u0000 keeps the length and puts a NUL in the middle. */
	ck_assert_int_eq(parse(&arena, "{\"k\\u0000ey\":\"a\\u0000b\"}", &root, &err), CF_OK);
	const struct cf_json_member *m = &root->u.entries[0];
	ck_assert_uint_eq(m->key.len, 4);
	ck_assert_mem_eq(m->key.ptr, "k\0ey", 4);
	ck_assert_uint_eq(m->value.u.text.len, 3);
	ck_assert_mem_eq(m->value.u.text.ptr, "a\0b", 3);
	cf_arena_clean_up(&arena);
}
END_TEST

START_TEST(test_surrogate_pairs_at_plane_edges_decode)
{
	/* Every pair is a code point, including those whose low 16 bits look like a surrogate
	 * (U+1D800, U+2DFFF): json-c 0.16 turns these into U+FFFD, see fuzz/fuzz_json.c. */
	static const struct {
		const char *json;
		const char *utf8;
	} cases[] = {
		{ "\"\\uD800\\uDC00\"", "\xF0\x90\x80\x80" },     /* U+10000 */
		{ "\"\\uD836\\uDC00\"", "\xF0\x9D\xA0\x80" },     /* U+1D800 */
		{ "\"\\ud837\\udfff\"", "\xF0\x9D\xBF\xBF" },     /* U+1DFFF */
		{ "\"\\uD877\\uDFFF\"", "\xF0\xAD\xBF\xBF" },     /* U+2DFFF */
		{ "\"\\uDBFF\\uDFFF\"", "\xF4\x8F\xBF\xBF" },     /* U+10FFFF */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cf_arena arena;
		const struct cf_json *root;
		struct cf_error err;
		ck_assert_int_eq(parse(&arena, cases[i].json, &root, &err), CF_OK);
		ck_assert_int_eq(root->type, CF_JSON_STRING);
		ts_assert_cfstr_eq(root->u.text, cases[i].utf8);
		cf_arena_clean_up(&arena);
	}
}
END_TEST

START_TEST(test_embedded_nul_bytes_in_input)
{
	/* The input is (ptr, len): a raw NUL inside a string is a control character, outside it is junk. */
	struct cf_arena arena;
	const struct cf_json *root;
	struct cf_error err;
	ck_assert_int_eq(parse_n(&arena, "\"a\0b\"", 5, &root, &err), CF_ERR_JSON);
	cf_arena_clean_up(&arena);
	ck_assert_int_eq(parse_n(&arena, "1\0", 2, &root, &err), CF_ERR_JSON);
	cf_arena_clean_up(&arena);
	/* Only `len` bytes are read: a valid prefix of a longer buffer parses. */
	ck_assert_int_eq(parse_n(&arena, "[1]garbage", 3, &root, &err), CF_OK);
	ck_assert_uint_eq(root->count, 1);
	cf_arena_clean_up(&arena);
}
END_TEST

/* ---- invalid documents ---- */

static const struct {
	const char *text;
	const char *why;
} invalid_docs[] = {
	{ "", "empty input" },
	{ "   \n\t ", "only whitespace" },
	{ "\xEF\xBB\xBF", "only a BOM" },
	{ "\xEF\xBB\xBF\xEF\xBB\xBF{}", "two BOMs" },
	{ "{} \xEF\xBB\xBF", "BOM at the end" },
	{ "\f{}", "form feed is not whitespace" },
	{ "\xC2\xA0{}", "NBSP is not whitespace" },
	{ "[1,]", "trailing comma in array" },
	{ "{\"a\":1,}", "trailing comma in object" },
	{ "[,1]", "leading comma" },
	{ "[1,,2]", "double comma" },
	{ "[1 2]", "missing comma" },
	{ "01", "leading zero" },
	{ "[01]", "leading zero in array" },
	{ "-01", "leading zero after minus" },
	{ "00", "double zero" },
	{ "-", "lone minus" },
	{ "+1", "plus sign" },
	{ ".5", "no integer part" },
	{ "1.", "no fraction digits" },
	{ "1.e5", "no fraction digits before exponent" },
	{ "1e", "no exponent digits" },
	{ "1e+", "no exponent digits after sign" },
	{ "0x10", "hex" },
	{ "NaN", "NaN" },
	{ "Infinity", "Infinity" },
	{ "-Infinity", "-Infinity" },
	{ "tru", "truncated literal" },
	{ "nulll", "literal with trailing letter" },
	{ "True", "capitalised literal" },
	{ "\"abc", "unterminated string" },
	{ "\"abc\\", "unterminated escape" },
	{ "[1,2", "unterminated array" },
	{ "{\"a\":1", "unterminated object" },
	{ "{\"a\"", "object key without colon" },
	{ "{\"a\":}", "object key without value" },
	{ "{\"a\" 1}", "missing colon" },
	{ "{a:1}", "unquoted key" },
	{ "{1:1}", "number key" },
	{ "{'a':1}", "single-quoted key" },
	{ "'a'", "single-quoted string" },
	{ "[1]]", "extra close" },
	{ "[1}", "mismatched close" },
	{ "{\"a\":1]", "mismatched close in object" },
	{ "1 2", "two values" },
	{ "{}{}", "two objects" },
	{ "[1] x", "trailing junk" },
	{ "/* c */ 1", "comment" },
	{ "\"a\nb\"", "raw newline in string" },
	{ "\"a\tb\"", "raw tab in string" },
	{ "\"a\x01" "b\"", "raw control character in string" },
	{ "\"a\x1f" "b\"", "raw 0x1F in string" },
	{ "\"\\x41\"", "unknown escape" },
	{ "\"\\u12\"", "short \\u escape" },
	{ "\"\\u12G4\"", "non-hex \\u escape" },
	{ "\"\\U0041\"", "capital \\U" },
	{ "\"\\ud83d\"", "lone high surrogate" },
	{ "\"\\ude00\"", "lone low surrogate" },
	{ "\"\\ud83dx\"", "high surrogate followed by text" },
	{ "\"\\ud83d\\ud83d\"", "two high surrogates" },
	{ "\"\\ud83d\\n\"", "high surrogate followed by another escape" },
	{ "\"\\ude00\\ud83d\"", "surrogates in the wrong order" },
	{ "\"\xFF\"", "0xFF byte" },
	{ "\"\x80\"", "lone continuation byte" },
	{ "\"\xC3\"", "truncated 2-byte sequence" },
	{ "\"\xE2\x82\"", "truncated 3-byte sequence" },
	{ "\"\xC0\xAF\"", "overlong '/'" },
	{ "\"\xE0\x80\xAF\"", "overlong 3-byte" },
	{ "\"\xF0\x80\x80\xAF\"", "overlong 4-byte" },
	{ "\"\xED\xA0\x80\"", "UTF-8 encoded surrogate" },
	{ "\"\xF4\x90\x80\x80\"", "above U+10FFFF" },
	{ "\"\xF5\x80\x80\x80\"", "F5 lead byte" },
	{ "{\"\xFF\":1}", "invalid UTF-8 in a key" },
	{ "\xFF", "invalid byte outside strings" },
};

START_TEST(test_invalid_documents_fail_with_offset)
{
	struct cf_arena arena;
	const struct cf_json *root = (const struct cf_json *)&arena;
	struct cf_error err;
	enum cf_status st = parse(&arena, invalid_docs[_i].text, &root, &err);
	ck_assert_msg(st == CF_ERR_JSON, "%s (%s): got %d", invalid_docs[_i].why, invalid_docs[_i].text, st);
	ck_assert_ptr_null(root);
	ck_assert_int_eq(err.code, CF_ERR_JSON);
	ck_assert_msg(strncmp(err.message, "offset ", 7) == 0, "%s: message \"%s\"", invalid_docs[_i].why, err.message);
	cf_arena_clean_up(&arena);
}
END_TEST

START_TEST(test_error_offsets)
{
	struct cf_arena arena;
	const struct cf_json *root;
	struct cf_error err;
	ck_assert_int_eq(parse(&arena, "[1,]", &root, &err), CF_ERR_JSON);
	ck_assert_str_eq(err.message, "offset 3: unexpected character");
	cf_arena_clean_up(&arena);
	ck_assert_int_eq(parse(&arena, "[1,2", &root, &err), CF_ERR_JSON);
	ck_assert_str_eq(err.message, "offset 4: expected ',' or end of container (input ends)");
	cf_arena_clean_up(&arena);
	ck_assert_int_eq(parse(&arena, "\"a\nb\"", &root, &err), CF_ERR_JSON);
	ck_assert_str_eq(err.message, "offset 2: control character in string");
	cf_arena_clean_up(&arena);
	ck_assert_int_eq(parse(&arena, "1 2", &root, &err), CF_ERR_JSON);
	ck_assert_str_eq(err.message, "offset 2: trailing characters after the JSON value");
	cf_arena_clean_up(&arena);
	ck_assert_int_eq(parse(&arena, "", &root, &err), CF_ERR_JSON);
	ck_assert_str_eq(err.message, "offset 0: expected a value (input ends)");
	cf_arena_clean_up(&arena);
}
END_TEST

/* `depth` nested arrays around a 1, built in a malloc'd buffer. */
static char *nested_arrays(size_t depth, size_t *len)
{
	char *s = malloc(2 * depth + 2);
	ck_assert_ptr_nonnull(s);
	memset(s, '[', depth);
	s[depth] = '1';
	memset(s + depth + 1, ']', depth);
	s[2 * depth + 1] = '\0';
	*len = 2 * depth + 1;
	return s;
}

START_TEST(test_depth_limit)
{
	struct cf_arena arena;
	const struct cf_json *root;
	struct cf_error err;
	size_t len;
	char *ok = nested_arrays(CF_JSON_MAX_DEPTH, &len);
	ck_assert_msg(parse_n(&arena, ok, len, &root, &err) == CF_OK, "%s", err.message);
	size_t depth = 0;
	for (const struct cf_json *n = root; n->type == CF_JSON_ARRAY; n = &n->u.entries[0].value)
		depth++;
	ck_assert_uint_eq(depth, CF_JSON_MAX_DEPTH);
	cf_arena_clean_up(&arena);
	free(ok);

	char *deep = nested_arrays(CF_JSON_MAX_DEPTH + 1, &len);
	ck_assert_int_eq(parse_n(&arena, deep, len, &root, &err), CF_ERR_JSON);
	ck_assert_ptr_null(root);
	ck_assert_str_eq(err.message, "offset 128: nesting too deep");
	cf_arena_clean_up(&arena);
	free(deep);

	/* Far too deep, objects and arrays mixed, never closed: a clean error, not a stack overflow. */
	size_t n = 1000000;
	char *huge = malloc(n * 6);
	ck_assert_ptr_nonnull(huge);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (i % 2) {
			memcpy(huge + o, "{\"a\":", 5);
			o += 5;
		} else {
			huge[o++] = '[';
		}
	}
	ck_assert_int_eq(parse_n(&arena, huge, o, &root, &err), CF_ERR_JSON);
	ck_assert_ptr_null(root);
	cf_arena_clean_up(&arena);
	free(huge);
}
END_TEST

START_TEST(test_large_flat_array)
{
	/* More entries than the scratch stack starts with, in nested containers. */
	size_t n = 5000;
	char *s = malloc(n * 8 + 16);
	ck_assert_ptr_nonnull(s);
	size_t o = 0;
	s[o++] = '[';
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(s + o, "%s[%zu]", i ? "," : "", i);
	s[o++] = ']';
	struct cf_arena arena;
	const struct cf_json *root;
	struct cf_error err;
	ck_assert_int_eq(parse_n(&arena, s, o, &root, &err), CF_OK);
	ck_assert_uint_eq(root->count, n);
	ts_assert_cfstr_eq(root->u.entries[4999].value.u.entries[0].value.u.text, "4999");
	cf_arena_clean_up(&arena);
	free(s);
}
END_TEST

START_TEST(test_null_arguments)
{
	struct cf_arena arena;
	const struct cf_json *root;
	struct cf_error err;
	ck_assert_int_eq(parse_n(&arena, NULL, 3, &root, &err), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(root);
	cf_arena_clean_up(&arena);
	ck_assert_int_eq(parse_n(&arena, NULL, 0, &root, &err), CF_ERR_JSON);
	cf_arena_clean_up(&arena);
	/* A NULL error detail is allowed. */
	arena = (struct cf_arena){ 0 };
	ck_assert_int_eq(cf_json_parse(&arena, "[", 1, &root, NULL), CF_ERR_JSON);
	cf_arena_clean_up(&arena);
}
END_TEST

START_TEST(test_type_names)
{
	ck_assert_str_eq(cf_json_type_name(CF_JSON_NULL), "null");
	ck_assert_str_eq(cf_json_type_name(CF_JSON_TRUE), "boolean");
	ck_assert_str_eq(cf_json_type_name(CF_JSON_FALSE), "boolean");
	ck_assert_str_eq(cf_json_type_name(CF_JSON_NUMBER), "number");
	ck_assert_str_eq(cf_json_type_name(CF_JSON_STRING), "string");
	ck_assert_str_eq(cf_json_type_name(CF_JSON_ARRAY), "array");
	ck_assert_str_eq(cf_json_type_name(CF_JSON_OBJECT), "object");
}
END_TEST

START_TEST(test_every_fixture_parses_or_is_the_malformed_one)
{
	/* The parser itself (not the event layer) over the real fixtures; only one is invalid JSON. */
	static const char *const names[] = {
		"events/dotnet-dynamodb-event.json", "events/powertools-java-dynamo_event_big.json",
		"events/rust-runtime-example-dynamodb-event.json", "events/powertools-python-getting_started_dynamodb_event.json",
		"events/java-libs-sqs_event_product.json",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t len;
		char *text = ts_read_data(names[i], &len);
		struct cf_arena arena;
		const struct cf_json *root;
		struct cf_error err;
		ck_assert_msg(parse_n(&arena, text, len, &root, &err) == CF_OK, "%s: %s", names[i], err.message);
		ck_assert_int_eq(root->type, CF_JSON_OBJECT);
		cf_arena_clean_up(&arena);
		free(text);
	}
	size_t len;
	char *text = ts_read_data("events/lambda-go-dynamodb-event-malformed.2.json", &len);
	struct cf_arena arena;
	const struct cf_json *root;
	struct cf_error err;
	ck_assert_int_eq(parse_n(&arena, text, len, &root, &err), CF_ERR_JSON);
	cf_arena_clean_up(&arena);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("valid");
	tcase_add_loop_test(tc, test_valid_documents_parse, 0, (int)(sizeof(valid_docs) / sizeof(valid_docs[0])));
	tcase_add_test(tc, test_scalars);
	tcase_add_test(tc, test_number_raw_text_is_kept);
	tcase_add_test(tc, test_object_members_in_order_and_get_first);
	tcase_add_test(tc, test_unescaped_strings_borrow_the_input);
	tcase_add_test(tc, test_string_escapes_decode);
	tcase_add_test(tc, test_surrogate_pairs_at_plane_edges_decode);
	tcase_add_test(tc, test_embedded_nul_bytes_in_input);
	tcase_add_test(tc, test_large_flat_array);
	tcase_add_test(tc, test_type_names);
	tcase_add_test(tc, test_every_fixture_parses_or_is_the_malformed_one);
	suite_add_tcase(s, tc);
	tc = tcase_create("invalid");
	tcase_add_loop_test(tc, test_invalid_documents_fail_with_offset, 0,
			    (int)(sizeof(invalid_docs) / sizeof(invalid_docs[0])));
	tcase_add_test(tc, test_error_offsets);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_null_arguments);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
