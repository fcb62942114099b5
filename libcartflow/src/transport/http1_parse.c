/* HTTP/1.1 response heads and the chunked transfer coding (RFC 9112 sections 4, 5, 6 and 7.1). */
#include <string.h>
#include <strings.h>

#include "http1_parse.h"
#include "transport_internal.h"
#include "model/hex.h"

/* Longest chunk-size line (with extensions) or trailer line accepted. */
#define MAX_CHUNK_LINE 4096

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/* True when the comma-separated list `v` (len bytes) holds the token `want` (case-insensitive). */
static bool list_has(const char *v, size_t len, const char *want)
{
	const char *end = v + len;
	while (v < end) {
		const char *comma = memchr(v, ',', (size_t)(end - v));
		const char *item_end = comma ? comma : end;
		const char *a = v, *b = item_end;
		while (a < b && is_ows(*a))
			a++;
		while (b > a && is_ows(b[-1]))
			b--;
		if (name_is(a, (size_t)(b - a), want))
			return true;
		v = comma ? comma + 1 : end;
	}
	return false;
}

/* Content-Length: 1*DIGIT, no sign, no list (RFC 9110 section 8.6). */
static bool parse_length(const char *v, size_t len, uint64_t *out)
{
	if (!len)
		return false;
	uint64_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(v[i]) || n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	*out = n;
	return true;
}

/* "HTTP/1.x SP 3DIGIT [SP reason]": the status, and whether the version is 1.1 or later. */
static bool parse_status_line(const char *line, size_t len, long *status, bool *http11)
{
	if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 || !is_digit(line[7]) || line[8] != ' ' ||
	    !is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11]) || (len > 12 && line[12] != ' '))
		return false;
	for (size_t i = 12; i < len; i++) {
		if (line[i] == '\0' || line[i] == '\n')
			return false;
	}
	*status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	*http11 = line[7] != '0';
	return *status >= 100;
}

enum cf_http1_progress cf_http1_parse_head(const char *buf, size_t len, bool head_request, struct cf_http1_head *head,
					   struct cf_http_response *resp, struct cf_error *err)
{
	if (!buf || len == 0)
		return CF_HTTP1_NEED_MORE;
	size_t window = len < CF_HTTP1_MAX_HEAD_BYTES ? len : CF_HTTP1_MAX_HEAD_BYTES;
	const char *blank = memmem(buf, window, "\r\n\r\n", 4);
	if (!blank) {
		if (len >= CF_HTTP1_MAX_HEAD_BYTES) {
			cf_error_set(err, CF_ERR_TOO_LARGE, "response head larger than %d bytes", CF_HTTP1_MAX_HEAD_BYTES);
			return CF_HTTP1_FAILED;
		}
		return CF_HTTP1_NEED_MORE;
	}
	*head = (struct cf_http1_head){ .head_len = (size_t)(blank - buf) + 4 };
	const char *end = blank + 2; /* each line below ends with its CRLF */
	const char *eol = memmem(buf, (size_t)(end - buf), "\r\n", 2);
	bool http11 = false;
	if (!parse_status_line(buf, (size_t)(eol - buf), &head->status, &http11)) {
		cf_error_set(err, CF_ERR_TRANSPORT, "malformed status line: %.*s", (int)((eol - buf) > 40 ? 40 : eol - buf),
			     buf);
		return CF_HTTP1_FAILED;
	}
	bool chunked = false, has_length = false, conn_close = false, conn_keep_alive = false;
	for (const char *line = eol + 2; line < end; line = eol + 2) {
		eol = memmem(line, (size_t)(end - line), "\r\n", 2);
		size_t line_len = (size_t)(eol - line);
		size_t line_no = resp->header_count + 1;
		if (is_ows(line[0])) {
			cf_error_set(err, CF_ERR_TRANSPORT, "header line %zu: obsolete line folding", line_no);
			return CF_HTTP1_FAILED;
		}
		const char *colon = memchr(line, ':', line_len);
		size_t name_len = colon ? (size_t)(colon - line) : 0;
		for (size_t i = 0; i < name_len; i++) {
			if (!cf_http_is_tchar((unsigned char)line[i]))
				name_len = 0;
		}
		if (!name_len) {
			cf_error_set(err, CF_ERR_TRANSPORT, "header line %zu: not a field name followed by ':'", line_no);
			return CF_HTTP1_FAILED;
		}
		const char *v = colon + 1, *v_end = eol;
		while (v < v_end && is_ows(*v))
			v++;
		while (v_end > v && is_ows(v_end[-1]))
			v_end--;
		size_t v_len = (size_t)(v_end - v);
		if (memchr(v, '\0', v_len) || memchr(v, '\n', v_len) || memchr(v, '\r', v_len)) {
			cf_error_set(err, CF_ERR_TRANSPORT, "header %.*s: NUL, CR or LF in its value", (int)name_len, line);
			return CF_HTTP1_FAILED;
		}
		if (name_is(line, name_len, "Content-Length")) {
			uint64_t n = 0;
			if (!parse_length(v, v_len, &n) || (has_length && n != head->content_length)) {
				cf_error_set(err, CF_ERR_TRANSPORT, "Content-Length %.*s is not one decimal number",
					     (int)(v_len > 30 ? 30 : v_len), v);
				return CF_HTTP1_FAILED;
			}
			head->content_length = n;
			has_length = true;
		} else if (name_is(line, name_len, "Transfer-Encoding")) {
			/* Only chunked alone is decoded: any other coding (gzip, chunked) would reach the caller
			 * still coded. */
			if (chunked || !name_is(v, v_len, "chunked")) {
				cf_error_set(err, CF_ERR_TRANSPORT, "unsupported Transfer-Encoding %.*s",
					     (int)(v_len > 30 ? 30 : v_len), v);
				return CF_HTTP1_FAILED;
			}
			chunked = true;
		} else if (name_is(line, name_len, "Connection")) {
			conn_close |= list_has(v, v_len, "close");
			conn_keep_alive |= list_has(v, v_len, "keep-alive");
		}
		if (cf_http_response_add_header_n(resp, line, name_len, v, v_len) != CF_OK) {
			cf_error_set(err, CF_ERR_NOMEM, "out of memory reading the response head");
			return CF_HTTP1_FAILED;
		}
	}
	head->keep_alive = !conn_close && (http11 || conn_keep_alive);
	if (head_request || head->status < 200 || head->status == 204 || head->status == 304) {
		head->framing = CF_HTTP1_NO_BODY;
	} else if (chunked) {
		head->framing = CF_HTTP1_CHUNKED;
		/* With a length too, or from HTTP/1.0: close after it (RFC 9112 sections 6.1 and 6.3). */
		head->keep_alive &= !has_length && http11;
	} else if (has_length) {
		head->framing = CF_HTTP1_LENGTH;
	} else {
		head->framing = CF_HTTP1_UNTIL_CLOSE;
		head->keep_alive = false;
	}
	return CF_HTTP1_COMPLETE;
}

enum { SIZE, SIZE_BWS, EXT, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER, TRAILER_LF };

static enum cf_http1_progress chunk_error(struct cf_error *err, const char *what)
{
	cf_error_set(err, CF_ERR_TRANSPORT, "chunked body: %s", what);
	return CF_HTTP1_FAILED;
}

enum cf_http1_progress cf_http1_chunked_decode(struct cf_http1_chunked *c, char *buf, size_t len, size_t *in,
					       size_t *out, size_t max_body, struct cf_error *err)
{
	size_t i = *in, o = *out;
	enum cf_http1_progress progress = CF_HTTP1_NEED_MORE;
	while (i < len && progress == CF_HTTP1_NEED_MORE) {
		char ch = buf[i];
		if (c->state == DATA) {
			size_t n = len - i < c->left ? len - i : (size_t)c->left;
			memmove(buf + o, buf + i, n);
			o += n;
			i += n;
			c->left -= n;
			if (!c->left)
				c->state = DATA_CR;
			continue;
		}
		i++;
		if ((c->state == SIZE || c->state == SIZE_BWS || c->state == EXT || c->state == TRAILER) &&
		    ++c->line_len > MAX_CHUNK_LINE) {
			progress = chunk_error(err, "size or trailer line too long");
			break;
		}
		switch (c->state) {
		case SIZE: {
			int h = cf_hex_value(ch);
			if (h >= 0) {
				if (c->left > (UINT64_MAX >> 4)) {
					progress = chunk_error(err, "chunk size overflows");
					break;
				}
				c->left = c->left << 4 | (uint64_t)h;
				c->size_digits = true;
			} else if (c->size_digits && ch == ';') {
				c->state = EXT;
			} else if (c->size_digits && is_ows(ch)) {
				c->state = SIZE_BWS;
			} else if (c->size_digits && ch == '\r') {
				c->state = SIZE_LF;
			} else {
				progress = chunk_error(err, "malformed chunk size");
			}
			break;
		}
		case SIZE_BWS: /* whitespace after the size: only more of it, an extension or the end */
			if (ch == ';')
				c->state = EXT;
			else if (ch == '\r')
				c->state = SIZE_LF;
			else if (!is_ows(ch))
				progress = chunk_error(err, "malformed chunk size");
			break;
		case EXT:
			if (ch == '\r')
				c->state = SIZE_LF;
			else if (ch == '\n' || ch == '\0')
				progress = chunk_error(err, "LF or NUL in a chunk extension");
			break;
		case SIZE_LF:
			if (ch != '\n') {
				progress = chunk_error(err, "chunk size line not ended by CRLF");
			} else if (c->left > max_body - c->total) {
				cf_error_set(err, CF_ERR_TOO_LARGE, "chunked body larger than %zu bytes", max_body);
				progress = CF_HTTP1_FAILED;
			} else {
				c->total += c->left;
				c->line_len = 0;
				c->state = c->left ? DATA : TRAILER;
			}
			break;
		case DATA_CR:
		case DATA_LF:
			if (ch != (c->state == DATA_CR ? '\r' : '\n')) {
				progress = chunk_error(err, "chunk data not followed by CRLF");
			} else if (c->state == DATA_CR) {
				c->state = DATA_LF;
			} else {
				c->state = SIZE;
				c->size_digits = false;
				c->line_len = 0;
			}
			break;
		case TRAILER:
			if (ch == '\r')
				c->state = TRAILER_LF;
			break;
		case TRAILER_LF:
			if (ch != '\n')
				progress = chunk_error(err, "trailer line not ended by CRLF");
			else if (c->line_len == 1) /* the CR of an empty line */
				progress = CF_HTTP1_COMPLETE;
			else
				c->line_len = 0, c->state = TRAILER;
			break;
		}
	}
	*in = i;
	*out = o;
	return progress;
}
