/* Lambda partial batch responses. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartflow/alloc.h"
#include "cartflow/batch_response.h"
#include "test_support.h"

#define ID(lit) ((struct cf_str){ lit, sizeof(lit) - 1 })

static void expect_response(const struct cf_str *ids, size_t count, const char *want)
{
	char *out = (char *)"stale";
	size_t len = 12345;
	ck_assert_int_eq(cf_batch_response_write(ids, count, &out, &len), CF_OK);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, want);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert(ts_json_equal(out, len, want));
	cf_free(out);
}

START_TEST(test_empty)
{
	expect_response(NULL, 0, "{\"batchItemFailures\":[]}");
	struct cf_str one = ID("x");
	expect_response(&one, 0, "{\"batchItemFailures\":[]}");
}
END_TEST

START_TEST(test_several_in_order)
{
	const struct cf_str ids[] = { ID("059f36b4-87a3-44ab-83d2-661975830a7d"), ID("4421584500000000017450439091"),
				      ID("b") };
	expect_response(ids, 3,
			"{\"batchItemFailures\":[{\"itemIdentifier\":\"059f36b4-87a3-44ab-83d2-661975830a7d\"},"
			"{\"itemIdentifier\":\"4421584500000000017450439091\"},{\"itemIdentifier\":\"b\"}]}");
}
END_TEST

START_TEST(test_duplicates_written_once)
{
	const struct cf_str ids[] = { ID("a"), ID("b"), ID("a"), ID("c"), ID("b"), ID("a") };
	expect_response(ids, 6,
			"{\"batchItemFailures\":[{\"itemIdentifier\":\"a\"},{\"itemIdentifier\":\"b\"},"
			"{\"itemIdentifier\":\"c\"}]}");
	/* Same bytes only: a prefix or a different case is another id. */
	const struct cf_str near[] = { ID("ab"), ID("a"), ID("AB"), ID("ab") };
	expect_response(near, 4,
			"{\"batchItemFailures\":[{\"itemIdentifier\":\"ab\"},{\"itemIdentifier\":\"a\"},"
			"{\"itemIdentifier\":\"AB\"}]}");
}
END_TEST

START_TEST(test_escaping)
{
	const struct cf_str ids[] = { ID("say \"hi\""), ID("back\\slash"), ID("tab\tnl\n"), ID("ctl\x01"),
				      ID("\xF0\x9F\xA6\x8A</x>"), { "nul\0in", 6 } };
	expect_response(ids, 6,
			"{\"batchItemFailures\":[{\"itemIdentifier\":\"say \\\"hi\\\"\"},"
			"{\"itemIdentifier\":\"back\\\\slash\"},{\"itemIdentifier\":\"tab\\tnl\\n\"},"
			"{\"itemIdentifier\":\"ctl\\u0001\"},{\"itemIdentifier\":\"\xF0\x9F\xA6\x8A</x>\"},"
			"{\"itemIdentifier\":\"nul\\u0000in\"}]}");
}
END_TEST

START_TEST(test_absent_and_empty_identifiers)
{
	/* An absent id (ptr NULL) is skipped. */
	const struct cf_str absent[] = { ID("a"), { NULL, 0 }, ID("b") };
	expect_response(absent, 3, "{\"batchItemFailures\":[{\"itemIdentifier\":\"a\"},{\"itemIdentifier\":\"b\"}]}");
	/* An empty id is written (Lambda then treats the whole batch as failed), also after an absent one. */
	const struct cf_str empty[] = { ID("") };
	expect_response(empty, 1, "{\"batchItemFailures\":[{\"itemIdentifier\":\"\"}]}");
	const struct cf_str absent_then_empty[] = { { NULL, 0 }, ID(""), ID("") };
	expect_response(absent_then_empty, 3, "{\"batchItemFailures\":[{\"itemIdentifier\":\"\"}]}");
}
END_TEST

START_TEST(test_many)
{
	enum { N = 2000 };
	static char storage[N][8];
	static struct cf_str ids[2 * N];
	for (size_t i = 0; i < N; i++) {
		int n = snprintf(storage[i], sizeof(storage[i]), "m%zu", i);
		ids[i] = (struct cf_str){ storage[i], (size_t)n };
		ids[N + i] = ids[i]; /* every id twice */
	}
	char *out;
	size_t len;
	ck_assert_int_eq(cf_batch_response_write(ids, 2 * N, &out, &len), CF_OK);
	ck_assert_ptr_nonnull(strstr(out, "{\"itemIdentifier\":\"m1999\"}]}"));
	size_t count = 0;
	for (const char *p = out; (p = strstr(p, "itemIdentifier")); p++)
		count++;
	ck_assert_uint_eq(count, N);
	cf_free(out);
}
END_TEST

START_TEST(test_arguments)
{
	char *out = NULL;
	size_t len;
	ck_assert_int_eq(cf_batch_response_write(NULL, 2, &out, &len), CF_ERR_INVALID_ARG);
	const struct cf_str one = ID("x");
	ck_assert_int_eq(cf_batch_response_write(&one, 1, NULL, &len), CF_ERR_INVALID_ARG);
	/* out_len may be NULL. */
	ck_assert_int_eq(cf_batch_response_write(&one, 1, &out, NULL), CF_OK);
	ck_assert_str_eq(out, "{\"batchItemFailures\":[{\"itemIdentifier\":\"x\"}]}");
	cf_free(out);
}
END_TEST

START_TEST(test_failed_call_clears_out)
{
	/* STYLE.md: "On failure an out-parameter is left zeroed with nothing to free." */
	char *out = (char *)"stale";
	size_t len;
	ck_assert_int_eq(cf_batch_response_write(NULL, 2, &out, &len), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("batch_response");
	TCase *tc = tcase_create("write");
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_several_in_order);
	tcase_add_test(tc, test_duplicates_written_once);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_absent_and_empty_identifiers);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_arguments);
	tcase_add_test(tc, test_failed_call_clears_out);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
