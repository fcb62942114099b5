/* SigV4 internals: URL splitting and the pieces of the canonical request. */
#ifndef CF_SIGV4_INTERNAL_H
#define CF_SIGV4_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "cartflow/bytes.h"
#include "cartflow/sigv4.h"
#include "model/arena.h"
#include "model/buf.h"
#include "model/sha256.h"

/* The parts of an absolute URL, all borrowed from the URL string. */
struct cf_sigv4_url {
	struct cf_str scheme;
	struct cf_str host_port;  /* host[:port] as written, without userinfo */
	struct cf_str host;       /* host alone; IPv6 literals keep their brackets */
	struct cf_str port;       /* digits; ptr NULL when the URL has no port */
	struct cf_str path;       /* from the first '/' to '?' or '#'; len 0 when absent */
	struct cf_str query;      /* after '?' up to '#'; ptr NULL when absent */
};

/* Split `url` (borrowed) into `out`. CF_ERR_INVALID_ARG, with `err` filled, when it is not absolute. */
enum cf_status cf_sigv4_parse_url(const char *url, struct cf_sigv4_url *out, struct cf_error *err);

/* The Host header value `url` implies: host, plus ":port" when the port is not the scheme's default. */
struct cf_str cf_sigv4_url_host_value(const struct cf_sigv4_url *url);

/*
 * Append the canonical URI of `path` to `out`. Unless `keep_dots`, remove "." and ".." segments and
 * collapse repeated '/'. Every byte but unreserved ones and '/' is %XX-encoded, including '%' itself
 * unless `single_encode` (then a valid "%XX" is kept, with its hex digits uppercased).
 * `scratch` holds the normalised copy. False on allocation failure.
 */
bool cf_sigv4_put_path(struct cf_buf *out, struct cf_str path, bool keep_dots, bool single_encode,
		       struct cf_arena *scratch);

/*
 * Append the canonical query string of `query` (may be absent) to `out`: each parameter decoded ('+'
 * is a space) and re-encoded, sorted by encoded name then encoded value, joined with '&'.
 * `scratch` holds the encoded parameters. False on allocation failure.
 */
bool cf_sigv4_put_query(struct cf_buf *out, struct cf_str query, struct cf_arena *scratch);

/* One header to sign; name and value borrowed, the name in any case, the value untrimmed. */
struct cf_sigv4_hdr {
	struct cf_str name;
	struct cf_str value;
	size_t order;
};

/* Sort `hdrs` by lowercased name, keeping the given order among equal names. */
void cf_sigv4_sort_headers(struct cf_sigv4_hdr *hdrs, size_t count);

/*
 * Append the canonical headers of the sorted `hdrs` (one "name:value[,value...]\n" per name), an
 * empty line, then the signed header list; its offset and length in `out` go to the last two.
 */
void cf_sigv4_put_headers(struct cf_buf *out, const struct cf_sigv4_hdr *hdrs, size_t count,
			  size_t *signed_off, size_t *signed_len);

/* ASCII case-insensitive equality of `a` and the lowercase literal `lower`. */
bool cf_sigv4_name_is(struct cf_str a, const char *lower);

/* `s` with leading and trailing spaces and tabs removed. */
struct cf_str cf_sigv4_trim(struct cf_str s);

/*
 * Derive the signing key for `date8` (YYYYMMDD), p->region, p->service and the secret (through
 * p->key_cache when set), then write hex(HMAC-SHA256(key, string_to_sign)) and a NUL to `sig_hex`.
 * Everything is borrowed.
 */
void cf_sigv4_signature(const struct cf_sigv4_params *p, const char *date8, struct cf_str string_to_sign,
			char sig_hex[65]);

#endif
