/*
 * HTTP/1.1 response parsing for the socket transport (RFC 9112): the head (status line and header
 * fields) and the chunked transfer coding. Pure functions over bytes already received; no I/O.
 */
#ifndef CF_HTTP1_PARSE_H
#define CF_HTTP1_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cartflow/transport.h"

/* Largest response head accepted (status line, header fields, blank line), as the curl transport. */
#define CF_HTTP1_MAX_HEAD_BYTES (64 * 1024)

enum cf_http1_progress {
	CF_HTTP1_NEED_MORE = 0, /* nothing wrong so far; call again with more bytes */
	CF_HTTP1_COMPLETE = 1,  /* parsed to the end of what was asked for */
	CF_HTTP1_FAILED = -1,   /* malformed or over a limit; `err` says what and where */
};

/* How the body of a response is delimited (RFC 9112 section 6.3). */
enum cf_http1_framing {
	CF_HTTP1_NO_BODY,     /* 1xx, 204, 304, or the answer to HEAD */
	CF_HTTP1_LENGTH,      /* Content-Length: exactly content_length bytes */
	CF_HTTP1_CHUNKED,     /* Transfer-Encoding: chunked */
	CF_HTTP1_UNTIL_CLOSE, /* neither: the body ends when the server closes the connection */
};

/* What a parsed head says. */
struct cf_http1_head {
	long status;
	size_t head_len; /* bytes of the head, blank line included: the body starts there */
	enum cf_http1_framing framing;
	uint64_t content_length; /* CF_HTTP1_LENGTH only */
	bool keep_alive;         /* the connection may carry another request after this response */
};

/*
 * Parse the response head at the start of `buf` (`len` bytes, borrowed). COMPLETE: `*head` filled and
 * every header field appended to `resp` (caller-owned; names and values copied, values without
 * surrounding whitespace). NEED_MORE: no blank line yet and under CF_HTTP1_MAX_HEAD_BYTES; `resp`
 * untouched. FAILED: `err` filled (CF_ERR_TRANSPORT for a malformed head, CF_ERR_TOO_LARGE, CF_ERR_NOMEM)
 * and `resp` may hold some headers (the caller cleans it up). `head_request`: the request was HEAD.
 */
enum cf_http1_progress cf_http1_parse_head(const char *buf, size_t len, bool head_request, struct cf_http1_head *head,
					   struct cf_http_response *resp, struct cf_error *err);

/* Decoder state for the chunked coding; start from {0} for each body. */
struct cf_http1_chunked {
	int state;
	uint64_t left;    /* bytes left in the current chunk, or the size being read */
	uint64_t total;   /* chunk data announced so far */
	size_t line_len;  /* length of the size line or trailer line so far */
	bool size_digits; /* the size line has at least one hex digit */
};

/*
 * Decode chunked bytes in place: reads buf[*in .. len) and writes the chunk data to buf[*out ..)
 * (`*out` <= `*in` always holds, so the data moves towards the front), advancing both. Returns
 * COMPLETE once the last chunk and the trailer section have been read (`*in` then points past them),
 * NEED_MORE when the bytes ran out first, FAILED (CF_ERR_TRANSPORT or CF_ERR_TOO_LARGE in `err`) for
 * a malformed coding or a chunk that would take the body over `max_body` bytes. Trailer fields are
 * read and dropped.
 */
enum cf_http1_progress cf_http1_chunked_decode(struct cf_http1_chunked *c, char *buf, size_t len, size_t *in,
					       size_t *out, size_t max_body, struct cf_error *err);

#endif
