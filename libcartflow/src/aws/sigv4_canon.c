/* SigV4 canonicalisation of the URL: scheme and host, canonical URI, canonical query string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4_internal.h"
#include "model/hex.h"

static const char upper_hex[] = "0123456789ABCDEF";

static bool is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '.' || c == '_' || c == '~';
}

/* The byte "%XX" at s[i] stands for, or -1 when s[i] does not start a valid escape. */
static int escape_at(struct cf_str s, size_t i)
{
	if (s.ptr[i] != '%' || i + 2 >= s.len)
		return -1;
	int hi = cf_hex_value((unsigned char)s.ptr[i + 1]), lo = cf_hex_value((unsigned char)s.ptr[i + 2]);
	return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

static bool is_scheme_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
	       c == '-' || c == '.';
}

static enum cf_status parse_authority(struct cf_str auth, struct cf_sigv4_url *out, struct cf_error *err)
{
	const char *at = NULL;
	for (size_t i = 0; i < auth.len; i++)
		if (auth.ptr[i] == '@')
			at = auth.ptr + i;
	if (at) {
		auth.len -= (size_t)(at + 1 - auth.ptr);
		auth.ptr = at + 1;
	}
	out->host_port = auth;
	size_t host_end = 0;
	if (auth.len && auth.ptr[0] == '[') {
		const char *close = memchr(auth.ptr, ']', auth.len);
		if (!close)
			return cf_error_set(err, CF_ERR_INVALID_ARG, "url: unterminated IPv6 literal");
		host_end = (size_t)(close + 1 - auth.ptr);
	} else {
		while (host_end < auth.len && auth.ptr[host_end] != ':')
			host_end++;
	}
	if (host_end == 0)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "url: empty host");
	out->host = (struct cf_str){ auth.ptr, host_end };
	if (host_end == auth.len)
		return CF_OK;
	if (auth.ptr[host_end] != ':')
		return cf_error_set(err, CF_ERR_INVALID_ARG, "url: junk after the host");
	out->port = (struct cf_str){ auth.ptr + host_end + 1, auth.len - host_end - 1 };
	for (size_t i = 0; i < out->port.len; i++)
		if (out->port.ptr[i] < '0' || out->port.ptr[i] > '9')
			return cf_error_set(err, CF_ERR_INVALID_ARG, "url: port is not a number");
	return CF_OK;
}

enum cf_status cf_sigv4_parse_url(const char *url, struct cf_sigv4_url *out, struct cf_error *err)
{
	*out = (struct cf_sigv4_url){ 0 };
	/* A CR or LF in the host would add lines to the canonical request; the transport refuses them anyway. */
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7F)
			return cf_error_set(err, CF_ERR_INVALID_ARG, "url: control byte at offset %zu", (size_t)(c - url));
	const char *sep = strstr(url, "://");
	if (!sep || sep == url)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "url: not absolute (scheme://host/path)");
	for (const char *c = url; c < sep; c++)
		if (!is_scheme_char((unsigned char)*c))
			return cf_error_set(err, CF_ERR_INVALID_ARG, "url: bad scheme");
	out->scheme = (struct cf_str){ url, (size_t)(sep - url) };
	const char *auth = sep + 3;
	size_t auth_len = strcspn(auth, "/?#");
	enum cf_status st = parse_authority((struct cf_str){ auth, auth_len }, out, err);
	if (st != CF_OK)
		return st;
	const char *path = auth + auth_len;
	size_t path_len = strcspn(path, "?#");
	out->path = (struct cf_str){ path, path_len };
	if (path[path_len] == '?') {
		const char *q = path + path_len + 1;
		out->query = (struct cf_str){ q, strcspn(q, "#") };
	}
	return CF_OK;
}

static bool port_is_default(const struct cf_sigv4_url *url)
{
	if (!url->port.len)
		return true;  /* "host:" means the default port */
	unsigned long port = 0;
	for (size_t i = 0; i < url->port.len && port <= 65535; i++)
		port = port * 10 + (unsigned long)(url->port.ptr[i] - '0');
	return (port == 443 && cf_sigv4_name_is(url->scheme, "https")) ||
	       (port == 80 && cf_sigv4_name_is(url->scheme, "http"));
}

struct cf_str cf_sigv4_url_host_value(const struct cf_sigv4_url *url)
{
	return port_is_default(url) ? url->host : url->host_port;
}

/* Write `path` with dot segments removed and empty segments dropped to `dst` (room for len + 1). */
static size_t normalise_path(char *dst, struct cf_str path)
{
	size_t n = 0, i = 0;
	bool dir = true;  /* the last segment names a directory: end with '/' */
	while (i < path.len) {
		size_t start = i;
		while (i < path.len && path.ptr[i] != '/')
			i++;
		size_t len = i - start;
		const char *seg = path.ptr + start;
		if (i < path.len)
			i++;
		if (len == 0 || (len == 1 && seg[0] == '.')) {
			dir = true;
		} else if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			while (n > 0 && dst[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			dir = true;
		} else {
			dst[n++] = '/';
			memcpy(dst + n, seg, len);
			n += len;
			dir = false;
		}
	}
	if (path.len && path.ptr[path.len - 1] == '/')
		dir = true;
	if (dir || n == 0)
		dst[n++] = '/';
	return n;
}

static void put_encoded_path(struct cf_buf *out, struct cf_str path, bool single_encode)
{
	if (path.len > SIZE_MAX / 3) {
		out->failed = true;
		return;
	}
	if (!cf_buf_reserve(out, path.len * 3))
		return;
	char *d = out->data + out->len;
	for (size_t i = 0; i < path.len; i++) {
		unsigned char c = (unsigned char)path.ptr[i];
		int e = single_encode ? escape_at(path, i) : -1;
		if (is_unreserved(c) || c == '/') {
			*d++ = (char)c;
		} else if (e >= 0) {
			*d++ = '%';
			*d++ = upper_hex[e >> 4];
			*d++ = upper_hex[e & 15];
			i += 2;
		} else {
			*d++ = '%';
			*d++ = upper_hex[c >> 4];
			*d++ = upper_hex[c & 15];
		}
	}
	out->len = (size_t)(d - out->data);
}

bool cf_sigv4_put_path(struct cf_buf *out, struct cf_str path, bool keep_dots, bool single_encode,
		       struct cf_arena *scratch)
{
	if (path.len == 0) {
		cf_buf_putc(out, '/');
		return !out->failed;
	}
	if (!keep_dots) {
		char *norm = cf_arena_alloc(scratch, path.len + 1);
		if (!norm)
			return false;
		path = (struct cf_str){ norm, normalise_path(norm, path) };
	}
	put_encoded_path(out, path, single_encode);
	return !out->failed;
}

/* One query parameter, encoded, as offsets into the encoding area. */
struct query_param {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* Decode `s` (percent escapes, '+' as space) and encode it again into `dst`; returns the length. */
static size_t reencode(char *dst, struct cf_str s)
{
	size_t n = 0;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		int e = escape_at(s, i);
		if (c == '+') {
			c = ' ';
		} else if (e >= 0) {
			c = (unsigned char)e;
			i += 2;
		}
		if (is_unreserved(c)) {
			dst[n++] = (char)c;
		} else {
			dst[n++] = '%';
			dst[n++] = upper_hex[c >> 4];
			dst[n++] = upper_hex[c & 15];
		}
	}
	return n;
}

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int cmp_param(const void *pa, const void *pb)
{
	const struct query_param *a = pa, *b = pb;
	int c = cmp_bytes(a->name, a->name_len, b->name, b->name_len);
	return c ? c : cmp_bytes(a->value, a->value_len, b->value, b->value_len);
}

/* Split `query` into `params` (room for every '&'-separated piece), encoding into `enc`. */
static size_t split_query(struct cf_str query, struct query_param *params, char *enc)
{
	size_t count = 0, i = 0;
	while (i <= query.len) {
		size_t start = i;
		while (i < query.len && query.ptr[i] != '&')
			i++;
		struct cf_str piece = { query.ptr + start, i - start };
		i++;
		if (piece.len == 0)
			continue;
		const char *eq = memchr(piece.ptr, '=', piece.len);
		size_t name_len = eq ? (size_t)(eq - piece.ptr) : piece.len;
		struct query_param *p = &params[count++];
		p->name = enc;
		p->name_len = reencode(enc, (struct cf_str){ piece.ptr, name_len });
		enc += p->name_len;
		p->value = enc;
		p->value_len = eq ? reencode(enc, (struct cf_str){ eq + 1, piece.len - name_len - 1 }) : 0;
		enc += p->value_len;
	}
	return count;
}

bool cf_sigv4_put_query(struct cf_buf *out, struct cf_str query, struct cf_arena *scratch)
{
	if (query.len == 0)
		return true;
	size_t pieces = 1;
	for (size_t i = 0; i < query.len; i++)
		pieces += query.ptr[i] == '&';
	if (query.len > SIZE_MAX / 4 || pieces > SIZE_MAX / sizeof(struct query_param))
		return false;
	struct query_param *params = cf_arena_alloc(scratch, pieces * sizeof(*params));
	char *enc = cf_arena_alloc(scratch, query.len * 3);
	if (!params || !enc)
		return false;
	size_t count = split_query(query, params, enc);
	qsort(params, count, sizeof(*params), cmp_param);
	for (size_t i = 0; i < count; i++) {
		if (i)
			cf_buf_putc(out, '&');
		cf_buf_append(out, params[i].name, params[i].name_len);
		cf_buf_putc(out, '=');
		cf_buf_append(out, params[i].value, params[i].value_len);
	}
	return !out->failed;
}
