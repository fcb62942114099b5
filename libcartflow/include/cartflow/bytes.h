/* libcartflow: a borrowed byte range. */
#ifndef CARTFLOW_BYTES_H
#define CARTFLOW_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/*
 * A pointer and a length. Never assumed NUL-terminated; may contain NUL bytes.
 * Whoever hands one out says who owns the bytes and for how long (usually: the object it came from).
 * `ptr` is NULL only when the value is absent; an empty present value has a non-NULL ptr and len 0.
 */
struct cf_str {
	const char *ptr;
	size_t len;
};

static inline bool cf_str_present(struct cf_str s) { return s.ptr != NULL; }

/* True when `s` holds exactly the NUL-terminated `lit`. `lit` is borrowed. */
static inline bool cf_str_eq(struct cf_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.ptr != NULL && s.len == n && memcmp(s.ptr, lit, n) == 0;
}

#endif
