/*
 * Helpers shared by the libFuzzer targets: a hard assertion that survives NDEBUG, an allocator that
 * fails its Nth allocation, a reader for the small "HTTP response" input format, json-c helpers.
 * Header-only: each target is one translation unit plus the library.
 */
#ifndef CF_FUZZ_COMMON_H
#define CF_FUZZ_COMMON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cartflow/alloc.h"
#include "cartflow/status.h"
#include "cartflow/transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken oracle: print what and where, then abort so libFuzzer keeps the input as a crash. */
#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* ---- an allocator that fails allocation number `fail_at` (1-based; 0 = never) ---- */

static struct {
	unsigned long count;
	unsigned long fail_at;
	bool failed;
} fuzz_alloc;

/* FUZZ_TRACE_ALLOC=1 in the environment prints the stack of every allocation the sweep fails. */
void __sanitizer_print_stack_trace(void);
static void fuzz_alloc_failing(void)
{
	fuzz_alloc.failed = true;
	static int trace = -1;
	if (trace < 0)
		trace = getenv("FUZZ_TRACE_ALLOC") != NULL;
	if (trace) {
		fprintf(stderr, "failing allocation %lu:\n", fuzz_alloc.fail_at);
		__sanitizer_print_stack_trace();
	}
}

static void *fuzz_malloc(size_t size, void *user)
{
	(void)user;
	if (fuzz_alloc.fail_at && ++fuzz_alloc.count == fuzz_alloc.fail_at) {
		fuzz_alloc_failing();
		return NULL;
	}
	return malloc(size);
}

static void *fuzz_realloc(void *ptr, size_t size, void *user)
{
	(void)user;
	if (fuzz_alloc.fail_at && ++fuzz_alloc.count == fuzz_alloc.fail_at) {
		fuzz_alloc_failing();
		return NULL;
	}
	return realloc(ptr, size);
}

static void fuzz_free(void *ptr, void *user)
{
	(void)user;
	free(ptr);
}

/* Fail the library's allocation number `n` from now on (counting from 1); 0 restores malloc. */
static inline void fuzz_fail_allocation(unsigned long n)
{
	fuzz_alloc.count = 0;
	fuzz_alloc.fail_at = n;
	fuzz_alloc.failed = false;
	if (n) {
		static const struct cf_allocator a = { fuzz_malloc, fuzz_realloc, fuzz_free, NULL };
		cf_set_allocator(&a);
	} else {
		cf_set_allocator(NULL);
	}
}

/*
 * Whether this input also gets an allocation-failure sweep: about one input in 16, chosen by a hash
 * of the bytes so that replaying an input repeats exactly what happened.
 */
static inline bool fuzz_sweep_allocations(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return (h & 15) == 0;
}

/* Upper bound of the allocations a sweep fails, one run each. */
enum { FUZZ_SWEEP_MAX = 48 };

/* `st` must be CF_OK, or CF_ERR_NOMEM because the sweep failed an allocation. */
#define FUZZ_CHECK_OK(st, what)                                                                    \
	FUZZ_CHECK((st) == CF_OK || ((st) == CF_ERR_NOMEM && fuzz_alloc.failed), "%s: status %d", what, \
		   (int)(st))

/*
 * Run `run` once normally, then (for one input in 16) again failing allocation 1, 2, ... until a run
 * gets through without a failure or FUZZ_SWEEP_MAX is reached. A run that hit a failure must end in
 * CF_ERR_NOMEM (or in the normal run's error, when it had one); leaks are LeakSanitizer's to find.
 */
static inline void fuzz_run_with_sweep(enum cf_status (*run)(const uint8_t *, size_t), const uint8_t *data,
				       size_t size)
{
	enum cf_status want = run(data, size);
	if (!fuzz_sweep_allocations(data, size))
		return;
	for (unsigned long k = 1; k <= FUZZ_SWEEP_MAX; k++) {
		fuzz_fail_allocation(k);
		enum cf_status st = run(data, size);
		bool failed = fuzz_alloc.failed;
		fuzz_fail_allocation(0);
		if (!failed) {
			FUZZ_CHECK(st == want, "without an injected failure: status %d, normal run %d", st, want);
			break;
		}
		FUZZ_CHECK(st == CF_ERR_NOMEM || (st == want && want != CF_OK),
			   "allocation %lu failed: status %d, normal run %d", k, st, want);
	}
}

/* ---- json-c ---- */

/*
 * Parse `len` bytes with json-c's tokener (`flags`, nesting limit `depth`), requiring the whole input
 * to be one value. json-c waits for more input after a number at the very end, so the end is
 * signalled with a final NUL; a NUL inside the input stops json-c early, which counts as a refusal
 * here. True when accepted; then `*out` is a new reference (NULL for the JSON text "null").
 */
static inline bool fuzz_jsonc_parse(const char *text, size_t len, int flags, int depth, struct json_object **out)
{
	*out = NULL;
	if (len > INT32_MAX)
		return false;
	struct json_tokener *tok = json_tokener_new_ex(depth);
	if (!tok)
		abort();
	json_tokener_set_flags(tok, flags);
	struct json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error e = json_tokener_get_error(tok);
	if (e == json_tokener_continue) {
		obj = json_tokener_parse_ex(tok, "", 1);
		e = json_tokener_get_error(tok);
	} else if (e == json_tokener_success && json_tokener_get_parse_end(tok) != len) {
		e = json_tokener_error_parse_unexpected;
	}
	json_tokener_free(tok);
	if (e != json_tokener_success) {
		json_object_put(obj);
		return false;
	}
	*out = obj;
	return true;
}

/* The strict tokener as the targets use it to check the library's output. New reference or NULL. */
static inline struct json_object *fuzz_jsonc_strict(const char *text, size_t len)
{
	struct json_object *obj;
	return fuzz_jsonc_parse(text, len, JSON_TOKENER_STRICT, 1024, &obj) ? obj : NULL;
}

/* Member `key` of object `obj` as a string (bytes and length), or false. */
static inline bool fuzz_jsonc_string(struct json_object *obj, const char *key, const char **s, size_t *len)
{
	struct json_object *v;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return false;
	*s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	return true;
}

/* ---- bytes ---- */

/*
 * The UTF-8 sequence at the start of `s` (len > 0 bytes): its length, with its code point in *cp, or 0
 * when it is not well-formed (RFC 3629: no overlongs, surrogates or > U+10FFFF).
 */
static inline size_t fuzz_utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		n = 2;
		*cp = c & 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3;
		*cp = c & 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4;
		*cp = c & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[k] & 0x3F);
	}
	static const uint32_t min_for_len[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (*cp < min_for_len[n] || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
		return 0;
	return n;
}

/* True when `s` (len bytes) is well-formed UTF-8. */
static inline bool fuzz_utf8_valid(const unsigned char *s, size_t len)
{
	uint32_t cp;
	for (size_t i = 0, n; i < len; i += n) {
		n = fuzz_utf8_next(s + i, len - i, &cp);
		if (n == 0)
			return false;
	}
	return true;
}

/* A NUL-terminated copy of `len` bytes (the fuzz input is not terminated). Freed with free(). */
static inline char *fuzz_strndup(const void *p, size_t len)
{
	char *s = malloc(len + 1);
	if (!s)
		abort();
	if (len)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/* ---- the HTTP response input format of the runtime and aws targets ----
 *
 *   <status digits>[ <option digits>]\n
 *   <name>: <value>\n          (zero or more header lines; a line without ':' is a name with value "")
 *   \n
 *   <body: every remaining byte>
 *
 * Missing pieces are empty. NUL bytes in header lines end that name or value (headers are C strings).
 */
struct fuzz_http {
	long status;
	unsigned long option;  /* the digits after the status, for the target's own use; 0 when absent */
	struct cf_http_header headers[32];
	size_t header_count;
	char *strings;          /* the header names and values live here */
	const char *body;
	size_t body_len;
};

static inline const uint8_t *fuzz_line(const uint8_t *p, const uint8_t *end, size_t *len)
{
	const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
	*len = (size_t)((nl ? nl : end) - p);
	return nl ? nl + 1 : end;
}

static inline void fuzz_http_read(struct fuzz_http *h, const uint8_t *data, size_t size)
{
	memset(h, 0, sizeof(*h));
	const uint8_t *p = data, *end = data + size;
	size_t n;
	const uint8_t *next = fuzz_line(p, end, &n);
	size_t i = 0;
	for (; i < n && i < 9 && p[i] >= '0' && p[i] <= '9'; i++)
		h->status = h->status * 10 + (p[i] - '0');
	if (i < n && p[i] == ' ')
		for (i++; i < n && p[i] >= '0' && p[i] <= '9' && h->option < 100000000ul; i++)
			h->option = h->option * 10 + (unsigned long)(p[i] - '0');
	p = next;
	h->strings = malloc(size + 2 * 32 + 1);
	if (!h->strings)
		abort();
	char *w = h->strings;
	while (p < end) {
		next = fuzz_line(p, end, &n);
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			p = next;
			break;
		}
		if (h->header_count < 32) {
			const uint8_t *colon = memchr(p, ':', n);
			size_t name_len = colon ? (size_t)(colon - p) : n;
			const uint8_t *v = colon ? colon + 1 : p + n;
			const uint8_t *vend = p + n;
			while (v < vend && (*v == ' ' || *v == '\t'))
				v++;
			struct cf_http_header *hd = &h->headers[h->header_count++];
			memcpy(w, p, name_len);
			w[name_len] = '\0';
			hd->name = w;
			w += name_len + 1;
			memcpy(w, v, (size_t)(vend - v));
			w[vend - v] = '\0';
			hd->value = w;
			w += (vend - v) + 1;
		}
		p = next;
	}
	h->body = (const char *)p;
	h->body_len = (size_t)(end - p);
}

static inline void fuzz_http_free(struct fuzz_http *h)
{
	free(h->strings);
	h->strings = NULL;
}

/* The first header named `name` (ASCII case-insensitive), as a transport would look it up, or NULL. */
static inline const char *fuzz_http_header(const struct fuzz_http *h, const char *name)
{
	for (size_t i = 0; i < h->header_count; i++)
		if (strcasecmp(h->headers[i].name, name) == 0)
			return h->headers[i].value;
	return NULL;
}

#endif
