/* Growable byte buffer. */
#include <stdint.h>

#include "alloc_internal.h"
#include "buf.h"
#include "swar.h"

bool cf_buf_reserve(struct cf_buf *buf, size_t extra)
{
	if (buf->failed)
		return false;
	if (buf->cap - buf->len >= extra)
		return true;
	if (extra > SIZE_MAX / 2 - buf->len) {
		buf->failed = true;
		return false;
	}
	size_t cap = buf->cap ? buf->cap : 256;
	while (cap - buf->len < extra + 1)
		cap *= 2;
	char *p = cf_mem_realloc(buf->data, cap);
	if (!p) {
		buf->failed = true;
		return false;
	}
	buf->data = p;
	buf->cap = cap;
	return true;
}

static const char hex_digits[] = "0123456789abcdef";

void cf_buf_json_escape(struct cf_buf *buf, const char *s, size_t len)
{
	if (!cf_buf_reserve(buf, len))
		return;
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		while (i + 8 <= len && !cf_swar_needs_escape(cf_swar_load(s + i)))
			i += 8;
		if (i >= len)
			break;
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		cf_buf_append(buf, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': cf_buf_append(buf, "\\\"", 2); break;
		case '\\': cf_buf_append(buf, "\\\\", 2); break;
		case '\n': cf_buf_append(buf, "\\n", 2); break;
		case '\r': cf_buf_append(buf, "\\r", 2); break;
		case '\t': cf_buf_append(buf, "\\t", 2); break;
		case '\b': cf_buf_append(buf, "\\b", 2); break;
		case '\f': cf_buf_append(buf, "\\f", 2); break;
		default: {
			char esc[6] = { '\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 15] };
			cf_buf_append(buf, esc, 6);
		}
		}
	}
	cf_buf_append(buf, s + run, len - run);
}

void cf_buf_json_string(struct cf_buf *buf, const char *s, size_t len)
{
	if (!cf_buf_reserve(buf, len + 2))
		return;
	cf_buf_putc(buf, '"');
	cf_buf_json_escape(buf, s, len);
	cf_buf_putc(buf, '"');
}

char *cf_buf_take(struct cf_buf *buf, size_t *len_out)
{
	if (buf->failed || !cf_buf_reserve(buf, 1)) {
		cf_buf_clean_up(buf);
		return NULL;
	}
	buf->data[buf->len] = '\0';
	char *out = buf->data;
	if (len_out)
		*len_out = buf->len;
	*buf = (struct cf_buf){ 0 };
	return out;
}

void cf_buf_clean_up(struct cf_buf *buf)
{
	if (!buf)
		return;
	cf_mem_free(buf->data);
	*buf = (struct cf_buf){ 0 };
}
