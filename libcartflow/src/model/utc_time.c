/* UTC calendar fields from POSIX time, via Howard Hinnant's days-to-civil algorithm. */
#include "utc_time.h"

struct cf_utc cf_utc_from_epoch(int64_t t)
{
	if (t < 0)
		t = 0;
	if (t > CF_UTC_MAX_TIME_S)
		t = CF_UTC_MAX_TIME_S;
	int64_t days = t / 86400, secs = t % 86400;
	int64_t z = days + 719468; /* days since 0000-03-01 */
	int64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned month = mp < 10 ? mp + 3 : mp - 9;
	return (struct cf_utc){
		.year = (unsigned)(yoe + era * 400) + (month <= 2),
		.month = month,
		.day = doy - (153 * mp + 2) / 5 + 1,
		.hour = (unsigned)(secs / 3600),
		.minute = (unsigned)(secs / 60 % 60),
		.second = (unsigned)(secs % 60),
	};
}

void cf_utc_put_digits(char *dst, unsigned value, int count)
{
	while (count--) {
		dst[count] = (char)('0' + value % 10);
		value /= 10;
	}
}
