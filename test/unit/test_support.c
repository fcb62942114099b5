/* Helpers shared by the unit tests. See test_support.h. */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cartflow/alloc.h"
#include "test_support.h"

char *ts_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	for (;;) {
		if (cap - n < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	ck_assert_msg(!ferror(f), "cannot read %s", path);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

char *ts_read_data(const char *relative, size_t *len)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s/%s", CF_TEST_DATA_DIR, relative);
	ck_assert(n > 0 && (size_t)n < sizeof(path));
	return ts_read_file(path, len);
}

/* ---- the fault-injecting allocator ---- */

enum { MAGIC_LIVE = 0x5eed1e55, MAGIC_FREED = 0xdeadf1ee };

/* Each block starts with this header, padded so that the caller's bytes stay max_align_t aligned. */
struct header {
	uint32_t magic;
	size_t size;
};
#define HEADER_SIZE ((sizeof(struct header) + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t))

static struct {
	long fail_at;
	bool run_out; /* fail every attempt from fail_at on, not only that one */
	long attempts;
	long live;
	bool failed;
} state;

/* True when this attempt is the one to fail. */
static bool attempt(void)
{
	long n = state.attempts++;
	if (state.fail_at >= 0 && (n == state.fail_at || (state.run_out && n > state.fail_at))) {
		state.failed = true;
		return true;
	}
	return false;
}

static struct header *header_of(void *ptr)
{
	struct header *h = (struct header *)((char *)ptr - HEADER_SIZE);
	if (h->magic != MAGIC_LIVE) {
		fprintf(stderr, "test allocator: %p was not allocated by it, or was freed twice\n", ptr);
		abort();
	}
	return h;
}

static void *ts_malloc(size_t size, void *user)
{
	(void)user;
	if (attempt() || size > SIZE_MAX - HEADER_SIZE)
		return NULL;
	struct header *h = malloc(HEADER_SIZE + size);
	if (!h)
		return NULL;
	h->magic = MAGIC_LIVE;
	h->size = size;
	state.live++;
	return (char *)h + HEADER_SIZE;
}

static void *ts_realloc(void *ptr, size_t size, void *user)
{
	if (!ptr)
		return ts_malloc(size, user);
	struct header *h = header_of(ptr);
	if (attempt() || size > SIZE_MAX - HEADER_SIZE)
		return NULL;
	struct header *grown = realloc(h, HEADER_SIZE + size);
	if (!grown)
		return NULL;
	grown->size = size;
	return (char *)grown + HEADER_SIZE;
}

static void ts_free(void *ptr, void *user)
{
	(void)user;
	if (!ptr)
		return;
	struct header *h = header_of(ptr);
	h->magic = MAGIC_FREED;
	state.live--;
	free(h);
}

static void install(long fail_at, bool run_out)
{
	state.fail_at = fail_at;
	state.run_out = run_out;
	state.attempts = 0;
	state.live = 0;
	state.failed = false;
	const struct cf_allocator a = { ts_malloc, ts_realloc, ts_free, NULL };
	cf_set_allocator(&a);
}

void ts_alloc_install(long fail_at) { install(fail_at, false); }

void ts_alloc_install_budget(long budget) { install(budget, true); }

void ts_alloc_stop_failing(void) { state.fail_at = -1; }

void ts_alloc_uninstall(void) { cf_set_allocator(NULL); }

long ts_alloc_live(void) { return state.live; }

long ts_alloc_attempts(void) { return state.attempts; }

bool ts_alloc_failed(void) { return state.failed; }

bool ts_alloc_end_round(long n)
{
	bool failed = state.failed;
	ck_assert_msg(state.live == 0, "n=%ld: %ld blocks leaked", n, state.live);
	ts_alloc_uninstall();
	return !failed;
}

/* ---- JSON ---- */

char *ts_json_compact(const char *json)
{
	size_t n = strlen(json);
	char *out = malloc(n + 1);
	ck_assert_ptr_nonnull(out);
	size_t o = 0;
	bool in_string = false, escaped = false;
	for (size_t i = 0; i < n; i++) {
		char c = json[i];
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			continue;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

struct json_object *ts_json_parse_n(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	ck_assert_ptr_nonnull(tok);
	struct json_object *root = json_tokener_parse_ex(tok, text ? text : "", (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

static struct json_object *parse_exact(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	ck_assert_ptr_nonnull(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

bool ts_json_equal(const char *a, size_t a_len, const char *b)
{
	struct json_object *ja = parse_exact(a, a_len);
	struct json_object *jb = parse_exact(b, strlen(b));
	bool same = ja && jb && json_object_equal(ja, jb);
	if (!same)
		fprintf(stderr, "JSON differs (%s/%s):\n  got:  %.*s\n  want: %s\n", ja ? "parsed" : "INVALID",
			jb ? "parsed" : "INVALID", (int)a_len, a, b);
	json_object_put(ja);
	json_object_put(jb);
	return same;
}

/* ---- outcomes ---- */

void ts_assert_ok(enum cf_status st, const void *out, const struct cf_error *err)
{
	ck_assert_msg(st == CF_OK, "%d: %s", st, err->message);
	ck_assert_ptr_nonnull(out);
}

void ts_assert_failed(const char *what, enum cf_status st, const void *out, const struct cf_error *err,
		      enum cf_status want, const char *message)
{
	ck_assert_msg(st == want, "%s: got %d (%s), want %d", what, st, err->message, want);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(err->code, want);
	if (message)
		ck_assert_msg(strcmp(err->message, message) == 0, "%s: got \"%s\", want \"%s\"", what, err->message,
			      message);
}

void ts_assert_record_failed(const char *what, enum cf_status st, const char *problem, enum cf_status want,
			     const char *want_problem)
{
	ck_assert_msg(st == want, "%s: got %d (%s), want %d", what, st, problem ? problem : "-", want);
	ck_assert_ptr_nonnull(problem);
	ck_assert_str_eq(problem, want_problem);
}

/* ---- logs ---- */

void ts_log_sink_open(struct ts_log_sink *s, cf_getenv_fn getenv_fn, void *user)
{
	memset(s, 0, sizeof(*s));
	s->stream = open_memstream(&s->buf, &s->len);
	ck_assert_ptr_nonnull(s->stream);
	cf_logger_init(&s->log, s->stream, getenv_fn, user);
}

const char *ts_log_sink_text(struct ts_log_sink *s)
{
	ck_assert_int_eq(fflush(s->stream), 0);
	return s->buf;
}

void ts_log_sink_close(struct ts_log_sink *s)
{
	fclose(s->stream);
	free(s->buf);
}

int ts_run_suite(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
