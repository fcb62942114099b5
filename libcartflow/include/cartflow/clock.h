/* libcartflow: time, sleep and randomness as injectable inputs. */
#ifndef CARTFLOW_CLOCK_H
#define CARTFLOW_CLOCK_H

#include <stdint.h>

#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What the I/O layers ask of the outside world besides the network. Any NULL slot means the real
 * one: wall clock (CLOCK_REALTIME), nanosleep, and a xorshift generator seeded from the clock.
 * Tests supply their own to make retries and signatures deterministic.
 */
struct cf_clock {
	int64_t (*now_ms)(void *user);          /* milliseconds since the Unix epoch */
	void (*sleep_ms)(int64_t ms, void *user);
	double (*random_unit)(void *user);       /* uniform in [0, 1) */
	void *user;
};

/* Milliseconds since the epoch from `clock` (borrowed; NULL = the real clock). */
CF_API int64_t cf_clock_now_ms(const struct cf_clock *clock);

/* Sleep `ms` milliseconds through `clock` (borrowed; NULL = nanosleep). ms <= 0 returns at once. */
CF_API void cf_clock_sleep_ms(const struct cf_clock *clock, int64_t ms);

/* A number in [0, 1) from `clock` (borrowed; NULL = the built-in generator). */
CF_API double cf_clock_random_unit(const struct cf_clock *clock);

#ifdef __cplusplus
}
#endif

#endif
