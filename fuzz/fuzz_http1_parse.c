/*
 * Target 9: the socket transport's HTTP/1.1 response parser. The input is what a server sent:
 * cf_http1_parse_head reads the head; when it is complete with chunked framing, cf_http1_chunked_decode
 * reads the rest, once in one call and once a byte at a time as a slow connection would deliver it
 * (chunked bodies of a head with an odd status are limited to 64 bytes, the others are not).
 * Checks: the verdict follows from where the first blank line is; a complete head's headers are its
 * lines, names tokens and values trimmed, in order; the framing and keep_alive follow RFC 9112 from
 * those headers; the head alone parses the same, one byte less is NEED_MORE, and as the answer to HEAD
 * it has no body; both chunked decodings agree byte for byte, cursors and verdict included, and
 * leave the bytes after the end untouched. One input in 16 also runs with allocation failures.
 */
#include "fuzz_common.h"

#include "transport/http1_parse.h"

enum { ODD_STATUS_MAX_BODY = 64 };

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The comma-separated `list` holds `token` (ASCII case-insensitive, OWS around items ignored). */
static bool list_has(const char *list, const char *token)
{
	size_t want = strlen(token);
	for (const char *p = list;;) {
		while (is_ows(*p))
			p++;
		size_t n = strcspn(p, ",");
		size_t m = n;
		while (m && is_ows(p[m - 1]))
			m--;
		if (m == want && strncasecmp(p, token, want) == 0)
			return true;
		if (!p[n])
			return false;
		p += n + 1;
	}
}

/*
 * Parse again into a response of its own (released here). False when the allocation failure the
 * sweep injected hit this call; then the run ends with CF_ERR_NOMEM.
 */
static bool reparse(const char *buf, size_t len, bool head_request, struct cf_http1_head *head, size_t *headers,
		    enum cf_http1_progress *p)
{
	struct cf_http_response resp = { 0 };
	struct cf_error err;
	cf_error_clear(&err);
	*p = cf_http1_parse_head(buf, len, head_request, head, &resp, &err);
	*headers = resp.header_count;
	cf_http_response_clean_up(&resp);
	if (*p == CF_HTTP1_FAILED && err.code == CF_ERR_NOMEM) {
		FUZZ_CHECK(fuzz_alloc.failed, "CF_ERR_NOMEM without an injected failure");
		return false;
	}
	return true;
}

/* `body` (len bytes, after a chunked head): one call and byte by byte must agree exactly. */
static void check_chunked(const char *body, size_t len, size_t max_body)
{
	char *a = fuzz_strndup(body, len), *b = fuzz_strndup(body, len);
	struct cf_http1_chunked ca = { 0 }, cb = { 0 };
	struct cf_error ea, eb;
	cf_error_clear(&ea);
	cf_error_clear(&eb);
	size_t ia = 0, oa = 0, ib = 0, ob = 0;
	enum cf_http1_progress pa = cf_http1_chunked_decode(&ca, a, len, &ia, &oa, max_body, &ea);
	FUZZ_CHECK(oa <= ia && ia <= len, "cursors in %zu out %zu of %zu", ia, oa, len);
	FUZZ_CHECK(pa != CF_HTTP1_NEED_MORE || ia == len, "NEED_MORE with %zu of %zu bytes read", ia, len);
	if (pa == CF_HTTP1_FAILED)
		FUZZ_CHECK(ea.code == CF_ERR_TRANSPORT || ea.code == CF_ERR_TOO_LARGE, "decode failed with %d",
			   ea.code);
	else
		FUZZ_CHECK(ea.code == CF_OK, "%d with code %d", pa, ea.code);
	if (pa == CF_HTTP1_COMPLETE) {
		/* At least "0\r\n\r\n", ended by CRLF, within the limit. */
		FUZZ_CHECK(ia >= 5 && !memcmp(body + ia - 2, "\r\n", 2), "COMPLETE after %zu bytes", ia);
		FUZZ_CHECK(oa == ca.total && oa <= max_body, "decoded %zu, announced %llu, limit %zu", oa,
			   (unsigned long long)ca.total, max_body);
	}
	/* What was not read is as it came. */
	FUZZ_CHECK(!memcmp(a + ia, body + ia, len - ia), "bytes after the cursor changed");

	enum cf_http1_progress pb = CF_HTTP1_NEED_MORE;
	for (size_t have = 1; have <= len && pb == CF_HTTP1_NEED_MORE; have++) {
		pb = cf_http1_chunked_decode(&cb, b, have, &ib, &ob, max_body, &eb);
		FUZZ_CHECK(ob <= ib && ib <= have, "byte by byte: in %zu out %zu of %zu", ib, ob, have);
		FUZZ_CHECK(pb != CF_HTTP1_NEED_MORE || ib == have, "byte by byte: NEED_MORE at %zu of %zu", ib, have);
	}
	FUZZ_CHECK(pa == pb && ia == ib && oa == ob && ea.code == eb.code,
		   "one call: %d in %zu out %zu code %d; byte by byte: %d in %zu out %zu code %d", pa, ia, oa, ea.code,
		   pb, ib, ob, eb.code);
	FUZZ_CHECK(!memcmp(a, b, oa), "decoded bytes differ");
	free(a);
	free(b);
}

/* A complete head: the headers are its lines, the framing and keep_alive follow from them. */
static void check_head(const char *buf, const struct cf_http1_head *head, const struct cf_http_response *resp)
{
	FUZZ_CHECK(head->status >= 100 && head->status <= 999, "status %ld", head->status);
	FUZZ_CHECK(!memcmp(buf, "HTTP/1.", 7) && buf[7] >= '0' && buf[7] <= '9', "version");
	const char *end = buf + head->head_len - 2; /* the blank line */
	const char *line = (const char *)memmem(buf, head->head_len, "\r\n", 2) + 2;
	bool has_length = false, has_te = false, conn_close = false, conn_keep_alive = false;
	size_t i = 0;
	for (; line < end; i++) {
		const char *eol = memmem(line, (size_t)(end - line), "\r\n", 2);
		FUZZ_CHECK(eol && i < resp->header_count, "line %zu has no header", i);
		const struct cf_http_header *h = &resp->headers[i];
		size_t name_len = strlen(h->name);
		FUZZ_CHECK(name_len && name_len < (size_t)(eol - line) && line[name_len] == ':' &&
				   !memcmp(line, h->name, name_len),
			   "header %zu: name %s", i, h->name);
		for (size_t k = 0; k < name_len; k++)
			FUZZ_CHECK(is_tchar((unsigned char)h->name[k]), "header %zu: name byte %zu", i, k);
		const char *v = line + name_len + 1, *v_end = eol;
		while (v < v_end && is_ows(*v))
			v++;
		while (v_end > v && is_ows(v_end[-1]))
			v_end--;
		size_t value_len = strlen(h->value);
		FUZZ_CHECK(value_len == (size_t)(v_end - v) && !memcmp(v, h->value, value_len) &&
				   !strpbrk(h->value, "\r\n"),
			   "header %zu (%s): value", i, h->name);
		if (!strcasecmp(h->name, "Content-Length")) {
			FUZZ_CHECK(value_len && strspn(h->value, "0123456789") == value_len &&
					   strtoull(h->value, NULL, 10) == head->content_length,
				   "Content-Length %s, parsed %llu", h->value,
				   (unsigned long long)head->content_length);
			has_length = true;
		} else if (!strcasecmp(h->name, "Transfer-Encoding")) {
			has_te = true;
		} else if (!strcasecmp(h->name, "Connection")) {
			conn_close |= list_has(h->value, "close");
			conn_keep_alive |= list_has(h->value, "keep-alive");
		}
		line = eol + 2;
	}
	FUZZ_CHECK(i == resp->header_count, "%zu lines, %zu headers", i, resp->header_count);

	bool no_body = head->status < 200 || head->status == 204 || head->status == 304;
	bool keep_alive = !conn_close && (buf[7] != '0' || conn_keep_alive);
	switch (head->framing) {
	case CF_HTTP1_NO_BODY:
		FUZZ_CHECK(no_body, "no body for status %ld", head->status);
		FUZZ_CHECK(head->keep_alive == keep_alive, "NO_BODY keep_alive %d", head->keep_alive);
		break;
	case CF_HTTP1_LENGTH:
		FUZZ_CHECK(!no_body && has_length && !has_te, "LENGTH");
		FUZZ_CHECK(head->keep_alive == keep_alive, "LENGTH keep_alive %d", head->keep_alive);
		break;
	case CF_HTTP1_CHUNKED:
		FUZZ_CHECK(!no_body && has_te, "CHUNKED");
		/* with a length too, or from HTTP/1.0: closed afterwards */
		FUZZ_CHECK(head->keep_alive == (keep_alive && !has_length && buf[7] != '0'), "CHUNKED keep_alive %d",
			   head->keep_alive);
		break;
	case CF_HTTP1_UNTIL_CLOSE:
		FUZZ_CHECK(!no_body && !has_length && !has_te && !head->keep_alive, "UNTIL_CLOSE");
		break;
	default:
		FUZZ_CHECK(false, "framing %d", (int)head->framing);
	}
}

static enum cf_status run(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct cf_http1_head head;
	struct cf_http_response resp = { 0 };
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_http1_progress p = cf_http1_parse_head(buf, size, false, &head, &resp, &err);
	size_t window = size < CF_HTTP1_MAX_HEAD_BYTES ? size : CF_HTTP1_MAX_HEAD_BYTES;
	const char *blank = memmem(buf, window, "\r\n\r\n", 4);
	enum cf_status st = CF_OK;

	if (p == CF_HTTP1_NEED_MORE) {
		FUZZ_CHECK(!blank && size < CF_HTTP1_MAX_HEAD_BYTES, "NEED_MORE with a blank line or %zu bytes", size);
		FUZZ_CHECK(!resp.headers && !resp.header_count, "NEED_MORE touched the response");
		goto out;
	}
	if (p == CF_HTTP1_FAILED) {
		st = err.code;
		if (st == CF_ERR_NOMEM) {
			FUZZ_CHECK(fuzz_alloc.failed, "CF_ERR_NOMEM without an injected failure");
			goto out;
		}
		FUZZ_CHECK(st == CF_ERR_TRANSPORT || st == CF_ERR_TOO_LARGE, "failed with %d (%s)", st, err.message);
		FUZZ_CHECK((st == CF_ERR_TOO_LARGE) == !blank, "%d (%s), blank line %s", st, err.message,
			   blank ? "found" : "missing");
		goto out;
	}
	FUZZ_CHECK(p == CF_HTTP1_COMPLETE, "progress %d", p);
	FUZZ_CHECK(blank && head.head_len == (size_t)(blank - buf) + 4, "head_len %zu", head.head_len);
	FUZZ_CHECK(err.code == CF_OK, "COMPLETE with code %d", err.code);
	check_head(buf, &head, &resp);

	/* The head alone parses the same; one byte less is not enough. */
	struct cf_http1_head again;
	size_t headers;
	enum cf_http1_progress q;
	if (!reparse(buf, head.head_len, false, &again, &headers, &q)) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	FUZZ_CHECK(q == CF_HTTP1_COMPLETE && again.status == head.status && again.head_len == head.head_len &&
			   again.framing == head.framing && again.content_length == head.content_length &&
			   again.keep_alive == head.keep_alive && headers == resp.header_count,
		   "the head alone parses differently");
	FUZZ_CHECK(reparse(buf, head.head_len - 1, false, &again, &headers, &q) && q == CF_HTTP1_NEED_MORE && !headers,
		   "one byte short: %d", q);

	/* As the answer to HEAD: the same head without a body. */
	if (!reparse(buf, size, true, &again, &headers, &q)) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	FUZZ_CHECK(q == CF_HTTP1_COMPLETE && again.framing == CF_HTTP1_NO_BODY && again.status == head.status &&
			   again.head_len == head.head_len && headers == resp.header_count,
		   "answer to HEAD: %d framing %d", q, again.framing);
	if (head.framing != CF_HTTP1_UNTIL_CLOSE && head.framing != CF_HTTP1_CHUNKED)
		FUZZ_CHECK(again.keep_alive == head.keep_alive, "answer to HEAD: keep_alive %d", again.keep_alive);

	if (head.framing == CF_HTTP1_CHUNKED)
		check_chunked(buf + head.head_len, size - head.head_len,
			      head.status % 2 ? (size_t)ODD_STATUS_MAX_BODY : SIZE_MAX);
out:
	cf_http_response_clean_up(&resp);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_run_with_sweep(run, data, size);
	return 0;
}
