/* A growable byte buffer for writing JSON and HTTP bodies. */
#ifndef CF_BUF_H
#define CF_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Caller-allocated; {0} is empty. Once `failed` is set every append is a no-op (check it once at the end). */
struct cf_buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
};

/* Make room for `extra` more bytes; false (and `failed` set) on allocation failure. */
bool cf_buf_reserve(struct cf_buf *buf, size_t extra);

static inline void cf_buf_append(struct cf_buf *buf, const void *data, size_t len)
{
	if (buf->cap - buf->len < len && !cf_buf_reserve(buf, len))
		return;
	if (len)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
}

static inline void cf_buf_putc(struct cf_buf *buf, char c)
{
	if (buf->cap == buf->len && !cf_buf_reserve(buf, 1))
		return;
	buf->data[buf->len++] = c;
}

static inline void cf_buf_puts(struct cf_buf *buf, const char *s) { cf_buf_append(buf, s, strlen(s)); }

/* Append the JSON escaping of `s` without quotes: '"', '\\' and control bytes escaped, the rest as is. */
void cf_buf_json_escape(struct cf_buf *buf, const char *s, size_t len);

/* Append `s` as a JSON string literal with quotes: escapes '"', '\\' and control bytes only. */
void cf_buf_json_string(struct cf_buf *buf, const char *s, size_t len);

/*
 * Hand the bytes to the caller, NUL-terminated (the NUL is not counted in *len_out).
 * Returns NULL if any append failed; the buffer is empty afterwards either way.
 * The result is freed with cf_mem_free / cf_free.
 */
char *cf_buf_take(struct cf_buf *buf, size_t *len_out);

/* Release the bytes; the buffer is empty again. NULL is a no-op. */
void cf_buf_clean_up(struct cf_buf *buf);

#endif
