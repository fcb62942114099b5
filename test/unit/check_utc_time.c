/* model/utc_time.c: calendar fields from POSIX time, against dates computed independently. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "test_support.h"
#include "utc_time.h"

static void check_utc(int64_t t, const char *want)
{
	struct cf_utc u = cf_utc_from_epoch(t);
	char got[32];
	snprintf(got, sizeof(got), "%04u-%02u-%02uT%02u:%02u:%02u", u.year, u.month, u.day, u.hour, u.minute, u.second);
	ck_assert_msg(!strcmp(got, want), "%lld: got %s, want %s", (long long)t, got, want);
}

START_TEST(test_known_dates)
{
	check_utc(0, "1970-01-01T00:00:00");
	check_utc(951782400, "2000-02-29T00:00:00");   /* leap day of a year divisible by 400 */
	check_utc(1440938160, "2015-08-30T12:36:00");  /* the SigV4 suite's time */
	check_utc(1709164799, "2024-02-28T23:59:59");
	check_utc(1709251199, "2024-02-29T23:59:59");
	check_utc(4102444800, "2100-01-01T00:00:00");  /* 2100 is not a leap year */
	check_utc(CF_UTC_MAX_TIME_S, "9999-12-31T23:59:59");
}
END_TEST

START_TEST(test_out_of_range_is_clamped)
{
	check_utc(-1, "1970-01-01T00:00:00");
	check_utc(CF_UTC_MAX_TIME_S + 1, "9999-12-31T23:59:59");
}
END_TEST

/* Every day from 1970 to 2200 at 23:59:59 agrees with glibc's gmtime_r. */
START_TEST(test_agrees_with_gmtime_for_every_day)
{
	for (int64_t t = 86399; t < INT64_C(7258118400); t += 86400) {
		time_t tt = (time_t)t;
		struct tm tm;
		ck_assert_ptr_nonnull(gmtime_r(&tt, &tm));
		struct cf_utc u = cf_utc_from_epoch(t);
		ck_assert_msg(u.year == (unsigned)tm.tm_year + 1900 && u.month == (unsigned)tm.tm_mon + 1 &&
				      u.day == (unsigned)tm.tm_mday && u.hour == 23 && u.minute == 59 && u.second == 59,
			      "%lld: %u-%u-%u", (long long)t, u.year, u.month, u.day);
	}
}
END_TEST

START_TEST(test_put_digits_pads_and_truncates)
{
	char out[8] = "xxxxxxx";
	cf_utc_put_digits(out, 7, 3);
	ck_assert_mem_eq(out, "007x", 4);
	cf_utc_put_digits(out, 12345, 2);
	ck_assert_mem_eq(out, "457x", 4);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("utc_time");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_known_dates);
	tcase_add_test(tc, test_out_of_range_is_clamped);
	tcase_add_test(tc, test_agrees_with_gmtime_for_every_day);
	tcase_add_test(tc, test_put_digits_pads_and_truncates);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
