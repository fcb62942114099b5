/* SigV4 canonical headers: sorting, trimming, joining repeated names, the signed header list. */
#include <stdlib.h>

#include "sigv4_internal.h"

static inline unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c; }

static inline bool is_space(char c) { return c == ' ' || c == '\t'; }

bool cf_sigv4_name_is(struct cf_str a, const char *lower_lit)
{
	size_t i = 0;
	for (; i < a.len; i++)
		if (!lower_lit[i] || lower((unsigned char)a.ptr[i]) != (unsigned char)lower_lit[i])
			return false;
	return lower_lit[i] == '\0';
}

struct cf_str cf_sigv4_trim(struct cf_str s)
{
	while (s.len && is_space(s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len && is_space(s.ptr[s.len - 1]))
		s.len--;
	return s;
}

static int cmp_name(struct cf_str a, struct cf_str b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	for (size_t i = 0; i < n; i++) {
		unsigned char x = lower((unsigned char)a.ptr[i]), y = lower((unsigned char)b.ptr[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return a.len < b.len ? -1 : a.len > b.len;
}

static int cmp_hdr(const void *pa, const void *pb)
{
	const struct cf_sigv4_hdr *a = pa, *b = pb;
	int c = cmp_name(a->name, b->name);
	if (c)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

void cf_sigv4_sort_headers(struct cf_sigv4_hdr *hdrs, size_t count)
{
	qsort(hdrs, count, sizeof(*hdrs), cmp_hdr);
}

static void put_lower(struct cf_buf *out, struct cf_str s)
{
	if (!cf_buf_reserve(out, s.len))
		return;
	for (size_t i = 0; i < s.len; i++)
		out->data[out->len + i] = (char)lower((unsigned char)s.ptr[i]);
	out->len += s.len;
}

/* Append `v` trimmed, each run of spaces and tabs inside it written as one space. */
static void put_value(struct cf_buf *out, struct cf_str v)
{
	v = cf_sigv4_trim(v);
	size_t run = 0;
	for (size_t i = 0; i < v.len; i++) {
		if (!is_space(v.ptr[i]))
			continue;
		cf_buf_append(out, v.ptr + run, i - run);
		cf_buf_putc(out, ' ');
		while (i + 1 < v.len && is_space(v.ptr[i + 1]))
			i++;
		run = i + 1;
	}
	cf_buf_append(out, v.ptr + run, v.len - run);
}

void cf_sigv4_put_headers(struct cf_buf *out, const struct cf_sigv4_hdr *hdrs, size_t count,
			  size_t *signed_off, size_t *signed_len)
{
	for (size_t i = 0; i < count; i++) {
		bool repeat = i > 0 && cmp_name(hdrs[i - 1].name, hdrs[i].name) == 0;
		if (repeat) {
			cf_buf_putc(out, ',');
		} else {
			if (i > 0)
				cf_buf_putc(out, '\n');
			put_lower(out, hdrs[i].name);
			cf_buf_putc(out, ':');
		}
		put_value(out, hdrs[i].value);
	}
	cf_buf_append(out, "\n\n", 2);
	*signed_off = out->len;
	for (size_t i = 0; i < count; i++) {
		if (i > 0 && cmp_name(hdrs[i - 1].name, hdrs[i].name) == 0)
			continue;
		if (i > 0)
			cf_buf_putc(out, ';');
		put_lower(out, hdrs[i].name);
	}
	*signed_len = out->len - *signed_off;
}
