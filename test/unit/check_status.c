/* Status names and error detail. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cartflow/status.h"
#include "test_support.h"

START_TEST(test_every_status_has_a_name)
{
	for (int s = CF_OK; s < CF_STATUS_COUNT_; s++)
		ck_assert_str_ne(cf_strerror((enum cf_status)s), "unknown status");
	ck_assert_str_eq(cf_strerror(CF_STATUS_COUNT_), "unknown status");
}
END_TEST

START_TEST(test_error_set_formats_and_truncates)
{
	struct cf_error err;
	cf_error_clear(&err);
	ck_assert_int_eq(err.code, CF_OK);
	ck_assert_int_eq(cf_error_set(&err, CF_ERR_TYPE, "a.%s: expected %s", "b", "S"), CF_ERR_TYPE);
	ck_assert_str_eq(err.message, "a.b: expected S");
	char big[600];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cf_error_set(&err, CF_ERR_JSON, "%s", big);
	ck_assert_uint_eq(strlen(err.message), CF_ERROR_MESSAGE_MAX - 1);
	ck_assert_int_eq(cf_error_set(NULL, CF_ERR_NOMEM, "x"), CF_ERR_NOMEM);
	cf_error_clear(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_every_status_has_a_name);
	tcase_add_test(tc, test_error_set_formats_and_truncates);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
