/* The real clock, sleep and random source behind a NULL struct cf_clock. */
#include <errno.h>
#include <time.h>

#include "cartflow/clock.h"

CF_API int64_t cf_clock_now_ms(const struct cf_clock *clock)
{
	if (clock && clock->now_ms)
		return clock->now_ms(clock->user);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

CF_API void cf_clock_sleep_ms(const struct cf_clock *clock, int64_t ms)
{
	if (ms <= 0)
		return;
	if (clock && clock->sleep_ms) {
		clock->sleep_ms(ms, clock->user);
		return;
	}
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* xorshift64*: plenty for backoff jitter, which needs spread, not secrecy. */
static uint64_t jitter_state;

CF_API double cf_clock_random_unit(const struct cf_clock *clock)
{
	if (clock && clock->random_unit)
		return clock->random_unit(clock->user);
	if (!jitter_state) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		jitter_state = ((uint64_t)ts.tv_sec * 1000000007u) ^ (uint64_t)ts.tv_nsec ^ 0x9E3779B97F4A7C15u;
	}
	jitter_state ^= jitter_state >> 12;
	jitter_state ^= jitter_state << 25;
	jitter_state ^= jitter_state >> 27;
	return (double)((jitter_state * 0x2545F4914F6CDD1Du) >> 11) / 9007199254740992.0;
}
