/*
 * Calendar date and time of day (UTC) from seconds since the epoch, by arithmetic alone: no time
 * zone database, so nothing is read from /etc/localtime (glibc's gmtime_r loads it on first use, a
 * file read in the middle of a bootstrap's first invocation).
 */
#ifndef CF_UTC_TIME_H
#define CF_UTC_TIME_H

#include <stdint.h>

/* The last second this represents: 9999-12-31T23:59:59Z. */
#define CF_UTC_MAX_TIME_S INT64_C(253402300799)

struct cf_utc {
	unsigned year, month, day;     /* 1970-9999, 1-12, 1-31 */
	unsigned hour, minute, second; /* 0-23, 0-59, 0-59 (no leap seconds, as POSIX time has none) */
};

/* The UTC date and time of `t`, clamped to 0..CF_UTC_MAX_TIME_S. */
struct cf_utc cf_utc_from_epoch(int64_t t);

/* Write the last `count` decimal digits of `value`, zero-padded, to the caller's `dst` (no NUL). */
void cf_utc_put_digits(char *dst, unsigned value, int count);

#endif
