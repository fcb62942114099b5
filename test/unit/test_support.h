/*
 * Helpers shared by the unit tests: reading fixtures, a fault-injecting allocator, JSON parsing and
 * comparison. Compiled into every test executable (see test/unit/meson.build).
 */
#ifndef CF_TEST_SUPPORT_H
#define CF_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "cartflow/bytes.h"
#include "cartflow/log.h"
#include "cartflow/status.h"

/*
 * Read a whole file. Returns a malloc'd buffer (free with free()) holding `*len` bytes plus a NUL
 * after them. Fails the current test when the file cannot be read.
 */
char *ts_read_file(const char *path, size_t *len);

/* ts_read_file on CF_TEST_DATA_DIR "/" `relative`. */
char *ts_read_data(const char *relative, size_t *len);

/*
 * The fault-injecting allocator, installed with cf_set_allocator. Every malloc_fn and realloc_fn call
 * counts as one allocation attempt, numbered from 0; attempt number `fail_at` returns NULL (negative:
 * never fail). It counts live blocks so a test can check that nothing leaked, and checks that every
 * block it frees is one it handed out.
 */
void ts_alloc_install(long fail_at);
/*
 * The same allocator, but one that runs out: attempt number `budget` and every attempt after it return
 * NULL (negative: never fail).
 */
void ts_alloc_install_budget(long budget);
/* Stop failing from now on (keep counting), e.g. to destroy an output. */
void ts_alloc_stop_failing(void);
/* Back to malloc/realloc/free. Call only when ts_alloc_live() is 0. */
void ts_alloc_uninstall(void);
/* Blocks allocated through the test allocator and not yet freed. */
long ts_alloc_live(void);
/* Allocation attempts since ts_alloc_install. */
long ts_alloc_attempts(void);
/* True when the injected failure has happened since ts_alloc_install. */
bool ts_alloc_failed(void);
/*
 * End round `n` of a loop that fails allocation n = 0, 1, 2...: assert that nothing is left allocated,
 * go back to malloc, and return true when allocation n never happened (every allocation has now been
 * failed once, so the loop is done).
 */
bool ts_alloc_end_round(long n);

/*
 * Copy of `json` (NUL-terminated) with the whitespace outside strings removed: the compact form of a
 * valid document. malloc'd; free with free().
 */
char *ts_json_compact(const char *json);

struct json_object;

/*
 * Parse `len` bytes of JSON that need not be NUL-terminated (a request body is borrowed as is; NULL reads
 * as ""). Returns NULL when they are not JSON; put the result with json_object_put.
 */
struct json_object *ts_json_parse_n(const char *text, size_t len);

/*
 * True when `a` (a_len bytes) and `b` (NUL-terminated) both parse with json-c and are equal as JSON
 * values (object member order ignored). On false, prints both to stderr.
 */
bool ts_json_equal(const char *a, size_t a_len, const char *b);

/*
 * The outcome of a call that fills an out-parameter and a struct cf_error: `st` is what it returned,
 * `out` what it left in the out-parameter. ts_assert_ok: CF_OK and an output. ts_assert_failed: `want`,
 * exactly `message` (unless NULL) in `err`, and the output left NULL; `what` names the input in messages.
 */
void ts_assert_ok(enum cf_status st, const void *out, const struct cf_error *err);
void ts_assert_failed(const char *what, enum cf_status st, const void *out, const struct cf_error *err,
		      enum cf_status want, const char *message);

/* A batch record that failed on its own with `st` and `problem`: they are `want` and `want_problem`. */
void ts_assert_record_failed(const char *what, enum cf_status st, const char *problem, enum cf_status want,
			     const char *want_problem);

/* Assert that the byte range `s` holds exactly the NUL-terminated `lit`, printing both when not. */
#define ts_assert_cfstr_eq(s, lit)                                                                              \
	do {                                                                                                    \
		struct cf_str ts_s_ = (s);                                                                      \
		const char *ts_l_ = (lit);                                                                      \
		ck_assert_msg(cf_str_eq(ts_s_, ts_l_), "%s: got \"%.*s\" (len %zu), want \"%s\"", #s,          \
			      ts_s_.ptr ? (int)ts_s_.len : 6, ts_s_.ptr ? ts_s_.ptr : "(null)", ts_s_.len, ts_l_); \
	} while (0)

/* Assert that two byte ranges are both absent, or both present with the same bytes. */
#define ts_assert_cfstr_same(a, b)                                                                              \
	do {                                                                                                    \
		struct cf_str ts_a_ = (a), ts_b_ = (b);                                                         \
		ck_assert_msg((!ts_a_.ptr && !ts_b_.ptr) ||                                                     \
				      (ts_a_.ptr && ts_b_.ptr && ts_a_.len == ts_b_.len &&                      \
				       memcmp(ts_a_.ptr, ts_b_.ptr, ts_a_.len) == 0),                            \
			      "%s != %s", #a, #b);                                                              \
	} while (0)

/* A logger writing into memory. */
struct ts_log_sink {
	struct cf_logger log;
	FILE *stream;
	char *buf;
	size_t len;
};

/* Open `s`; its logger reads its settings through `getenv_fn` and `user`, as cf_logger_init does. */
void ts_log_sink_open(struct ts_log_sink *s, cf_getenv_fn getenv_fn, void *user);
/* Everything logged so far (NUL-terminated, owned by the sink). */
const char *ts_log_sink_text(struct ts_log_sink *s);
void ts_log_sink_close(struct ts_log_sink *s);

/* The usual main(): run `suite` (taken), return EXIT_SUCCESS or EXIT_FAILURE. */
int ts_run_suite(Suite *suite);

#endif
