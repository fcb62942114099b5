/* transport/http1_parse.c: HTTP/1.1 response heads and the chunked transfer coding, byte for byte. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartflow/transport.h"
#include "test_support.h"
#include "transport/http1_parse.h"

/* ---- helpers ---- */

/* One parse of the NUL-terminated `text` (strlen bytes); the head and response are the caller's. */
static enum cf_http1_progress parse(const char *text, bool head_request, struct cf_http1_head *head,
				    struct cf_http_response *resp, struct cf_error *err)
{
	cf_error_clear(err);
	return cf_http1_parse_head(text, strlen(text), head_request, head, resp, err);
}

/* Parse `text` and require COMPLETE; `*resp` is filled and must be cleaned up by the caller. */
static struct cf_http1_head parse_ok(const char *text, bool head_request, struct cf_http_response *resp)
{
	struct cf_http1_head head;
	memset(&head, 0x5a, sizeof(head));
	struct cf_error err;
	enum cf_http1_progress p = parse(text, head_request, &head, resp, &err);
	ck_assert_msg(p == CF_HTTP1_COMPLETE, "%s: progress %d (%s)", text, p, err.message);
	return head;
}

/* Parse `text` and require FAILED with `code` and `fragment` in the message; the headers are dropped. */
static void parse_fails(const char *text, enum cf_status code, const char *fragment)
{
	struct cf_http1_head head;
	struct cf_http_response resp = { 0 };
	struct cf_error err;
	enum cf_http1_progress p = parse(text, false, &head, &resp, &err);
	ck_assert_msg(p == CF_HTTP1_FAILED, "%s: progress %d, want FAILED", text, p);
	ck_assert_msg(err.code == code, "%s: code %d, want %d (%s)", text, err.code, code, err.message);
	ck_assert_msg(strstr(err.message, fragment), "%s: message \"%s\" lacks \"%s\"", text, err.message, fragment);
	cf_http_response_clean_up(&resp);
}

static void assert_header(const struct cf_http_response *r, size_t i, const char *name, const char *value)
{
	ck_assert_uint_lt(i, r->header_count);
	ck_assert_str_eq(r->headers[i].name, name);
	ck_assert_str_eq(r->headers[i].value, value);
}

/* ---- heads ---- */

START_TEST(test_head_content_length)
{
	static const char text[] = "HTTP/1.1 200 OK\r\n"
				   "Content-Type: application/json\r\n"
				   "X-Padded:  \t two words \t \r\n"
				   "X-Empty:\r\n"
				   "x-lower:v\r\n"
				   "Content-Length: 5\r\n"
				   "\r\n"
				   "hello\r\n\r\nHTTP/1.1 500 Not Me\r\n\r\n";
	struct cf_http_response resp = { 0 };
	struct cf_http1_head h = parse_ok(text, false, &resp);
	ck_assert_int_eq(h.status, 200);
	ck_assert_uint_eq(h.head_len, strstr(text, "hello") - text);
	ck_assert_int_eq(h.framing, CF_HTTP1_LENGTH);
	ck_assert_uint_eq(h.content_length, 5);
	ck_assert(h.keep_alive);
	/* Names as received, values without surrounding whitespace, inner whitespace kept, order kept. */
	ck_assert_uint_eq(resp.header_count, 5);
	assert_header(&resp, 0, "Content-Type", "application/json");
	assert_header(&resp, 1, "X-Padded", "two words");
	assert_header(&resp, 2, "X-Empty", "");
	assert_header(&resp, 3, "x-lower", "v");
	assert_header(&resp, 4, "Content-Length", "5");
	ck_assert_int_eq(resp.status, 0);
	ck_assert_ptr_null(resp.body);
	cf_http_response_clean_up(&resp);
}
END_TEST

START_TEST(test_head_status_line_forms)
{
	static const struct {
		const char *text;
		long status;
	} cases[] = {
		{ "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 404 },
		{ "HTTP/1.1 503 Service Unavailable Right Now\r\nContent-Length: 0\r\n\r\n", 503 },
		{ "HTTP/1.1 202 \r\nContent-Length: 0\r\n\r\n", 202 }, /* empty reason */
		{ "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 200 },   /* no reason, no space: tolerated */
		{ "HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n", 999 },
		{ "HTTP/1.1 200 OK\r\n\r\n", 200 },                     /* no header at all */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cf_http_response resp = { 0 };
		struct cf_http1_head h = parse_ok(cases[i].text, false, &resp);
		ck_assert_msg(h.status == cases[i].status, "%s: status %ld", cases[i].text, h.status);
		ck_assert_uint_eq(h.head_len, strlen(cases[i].text));
		cf_http_response_clean_up(&resp);
	}
}
END_TEST

START_TEST(test_head_chunked)
{
	static const char *const texts[] = {
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\ntransfer-encoding:  CHUNKED \r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n5\r\nhello\r\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct cf_http_response resp = { 0 };
		struct cf_http1_head h = parse_ok(texts[i], false, &resp);
		ck_assert_msg(h.framing == CF_HTTP1_CHUNKED, "%s: framing %d", texts[i], h.framing);
		ck_assert_msg(h.keep_alive, "%s: not keep-alive", texts[i]);
		ck_assert_uint_eq(h.head_len, strstr(texts[i], "\r\n\r\n") - texts[i] + 4);
		ck_assert_str_eq(cf_http_response_header(&resp, "Transfer-Encoding"), i == 1 ? "CHUNKED" : "chunked");
		cf_http_response_clean_up(&resp);
	}
	/* Chunked and Content-Length both: chunked wins, and the connection is not trusted afterwards. */
	struct cf_http_response resp = { 0 };
	struct cf_http1_head h =
		parse_ok("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", false, &resp);
	ck_assert_int_eq(h.framing, CF_HTTP1_CHUNKED);
	ck_assert(!h.keep_alive);
	cf_http_response_clean_up(&resp);
	/* Chunked from HTTP/1.0, even with keep-alive: close afterwards (RFC 9112 section 6.1). */
	h = parse_ok("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n", false, &resp);
	ck_assert_int_eq(h.framing, CF_HTTP1_CHUNKED);
	ck_assert(!h.keep_alive);
	cf_http_response_clean_up(&resp);
}
END_TEST

START_TEST(test_head_until_close)
{
	static const char *const texts[] = {
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nand the rest",
		"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n",
		"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n",
		"HTTP/1.0 500 Oops\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct cf_http_response resp = { 0 };
		struct cf_http1_head h = parse_ok(texts[i], false, &resp);
		ck_assert_msg(h.framing == CF_HTTP1_UNTIL_CLOSE, "%s: framing %d", texts[i], h.framing);
		ck_assert_msg(!h.keep_alive, "%s: keep-alive without a length", texts[i]);
		cf_http_response_clean_up(&resp);
	}
}
END_TEST

/* Whether the connection survives: HTTP/1.1 unless "close"; HTTP/1.0 only with "keep-alive". */
START_TEST(test_head_keep_alive_rules)
{
	static const struct {
		const char *version, *connection;
		bool keep_alive;
	} cases[] = {
		{ "HTTP/1.1", NULL, true },
		{ "HTTP/1.1", "close", false },
		{ "HTTP/1.1", "Close", false },
		{ "HTTP/1.1", "keep-alive", true },
		{ "HTTP/1.1", "keep-alive, close", false },
		{ "HTTP/1.1", "Upgrade ,  close ", false },
		{ "HTTP/1.1", "closed", true },  /* a token, not a substring */
		{ "HTTP/1.1", "x-close", true },
		{ "HTTP/1.0", NULL, false },
		{ "HTTP/1.0", "keep-alive", true },
		{ "HTTP/1.0", "Keep-Alive", true },
		{ "HTTP/1.0", "te, keep-alive", true },
		{ "HTTP/1.0", "keep-alive-ish", false },
		{ "HTTP/1.0", "keep-alive, close", false },
		{ "HTTP/1.9", NULL, true },      /* a later 1.x is at least 1.1 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		if (cases[i].connection)
			snprintf(text, sizeof(text), "%s 200 OK\r\nConnection: %s\r\nContent-Length: 2\r\n\r\nok",
				 cases[i].version, cases[i].connection);
		else
			snprintf(text, sizeof(text), "%s 200 OK\r\nContent-Length: 2\r\n\r\nok", cases[i].version);
		struct cf_http_response resp = { 0 };
		struct cf_http1_head h = parse_ok(text, false, &resp);
		ck_assert_int_eq(h.framing, CF_HTTP1_LENGTH);
		ck_assert_msg(h.keep_alive == cases[i].keep_alive, "%s: keep_alive %d, want %d", text, h.keep_alive,
			      cases[i].keep_alive);
		cf_http_response_clean_up(&resp);
	}
}
END_TEST

/* HEAD, 1xx, 204 and 304 have no body whatever the head says. */
START_TEST(test_head_no_body)
{
	static const struct {
		const char *text;
		bool head_request;
		long status;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", true, 200 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, 200 },
		{ "HTTP/1.1 404 Not Found\r\n\r\n", true, 404 },
		{ "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", false, 204 },
		{ "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", false, 304 },
		{ "HTTP/1.1 100 Continue\r\n\r\n", false, 100 },
		{ "HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n", false, 103 },
		{ "HTTP/1.1 101 Switching Protocols\r\nContent-Length: 9\r\n\r\n", false, 101 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cf_http_response resp = { 0 };
		struct cf_http1_head h = parse_ok(cases[i].text, cases[i].head_request, &resp);
		ck_assert_int_eq(h.status, cases[i].status);
		ck_assert_msg(h.framing == CF_HTTP1_NO_BODY, "%s (HEAD %d): framing %d", cases[i].text,
			      cases[i].head_request, h.framing);
		ck_assert_msg(h.keep_alive, "%s: no body needs no close", cases[i].text);
		cf_http_response_clean_up(&resp);
	}
	/* The same head answering a GET has its body. */
	struct cf_http_response resp = { 0 };
	struct cf_http1_head h = parse_ok("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", false, &resp);
	ck_assert_int_eq(h.framing, CF_HTTP1_LENGTH);
	ck_assert_uint_eq(h.content_length, 1000);
	cf_http_response_clean_up(&resp);
}
END_TEST

START_TEST(test_head_content_length_values)
{
	static const struct {
		const char *value;
		uint64_t n;
	} cases[] = {
		{ "0", 0 },
		{ "007", 7 },
		{ " 12 ", 12 },
		{ "18446744073709551609", UINT64_C(18446744073709551609) },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "HTTP/1.1 200 OK\r\nContent-Length:%s\r\n\r\n", cases[i].value);
		struct cf_http_response resp = { 0 };
		struct cf_http1_head h = parse_ok(text, false, &resp);
		ck_assert_int_eq(h.framing, CF_HTTP1_LENGTH);
		ck_assert_msg(h.content_length == cases[i].n, "%s: %llu", text, (unsigned long long)h.content_length);
		cf_http_response_clean_up(&resp);
	}
	/* The same length twice is one length. */
	struct cf_http_response resp = { 0 };
	struct cf_http1_head h =
		parse_ok("HTTP/1.1 200 OK\r\nContent-Length: 4\r\ncontent-length: 04\r\n\r\n", false, &resp);
	ck_assert_int_eq(h.framing, CF_HTTP1_LENGTH);
	ck_assert_uint_eq(h.content_length, 4);
	ck_assert_uint_eq(resp.header_count, 2);
	cf_http_response_clean_up(&resp);
}
END_TEST

/* Every proper prefix of a head is NEED_MORE and leaves the response untouched; the whole is COMPLETE. */
START_TEST(test_head_need_more)
{
	static const char text[] = "HTTP/1.1 200 OK\r\nA: 1\r\nB:  2 \r\nContent-Length: 3\r\n\r\n";
	size_t len = strlen(text);
	for (size_t n = 0; n < len; n++) {
		struct cf_http1_head head = { .status = -7 };
		struct cf_http_response resp = { 0 };
		struct cf_error err;
		cf_error_clear(&err);
		enum cf_http1_progress p = cf_http1_parse_head(text, n, false, &head, &resp, &err);
		ck_assert_msg(p == CF_HTTP1_NEED_MORE, "prefix of %zu bytes: progress %d (%s)", n, p, err.message);
		ck_assert_uint_eq(resp.header_count, 0);
		ck_assert_ptr_null(resp.headers);
		ck_assert_int_eq(err.code, CF_OK);
	}
	struct cf_http1_head head;
	struct cf_http_response resp = { 0 };
	struct cf_error err;
	ck_assert_int_eq(cf_http1_parse_head(text, len, false, &head, &resp, &err), CF_HTTP1_COMPLETE);
	ck_assert_uint_eq(head.head_len, len);
	ck_assert_uint_eq(resp.header_count, 3);
	cf_http_response_clean_up(&resp);
	/* Bytes that are not HTTP at all still wait for a blank line: the decision needs the whole head. */
	ck_assert_int_eq(cf_http1_parse_head("garbage\r\n", 9, false, &head, &resp, &err), CF_HTTP1_NEED_MORE);
	ck_assert_int_eq(cf_http1_parse_head("HTTP/1.1 200 OK\r\n\n\n", 19, false, &head, &resp, &err),
			 CF_HTTP1_NEED_MORE);
}
END_TEST

START_TEST(test_head_malformed_status_line)
{
	static const char *const texts[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/2.0 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 099 Low\r\n\r\n",
		"HTTP/1.1 000 Zero\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"HTTP/1.x 200 OK\r\n\r\n",
		"HTTP/1. 200 OK\r\n\r\n",
		"ICY 200 OK\r\n\r\n",
		"HTTP/1.1 200 O\nK\r\n\r\n",
		" HTTP/1.1 200 OK\r\n\r\n",
		"\r\n\r\n",
		"\r\nHTTP/1.1 200 OK\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		parse_fails(texts[i], CF_ERR_TRANSPORT, "malformed status line");
	/* A NUL in the reason phrase. */
	static const char nul[] = "HTTP/1.1 200 O\0K\r\n\r\n";
	struct cf_http1_head head;
	struct cf_http_response resp = { 0 };
	struct cf_error err;
	ck_assert_int_eq(cf_http1_parse_head(nul, sizeof(nul) - 1, false, &head, &resp, &err), CF_HTTP1_FAILED);
	ck_assert_int_eq(err.code, CF_ERR_TRANSPORT);
	cf_http_response_clean_up(&resp);
}
END_TEST

START_TEST(test_head_obs_fold)
{
	parse_fails("HTTP/1.1 200 OK\r\nX-Long: one\r\n two\r\nContent-Length: 0\r\n\r\n", CF_ERR_TRANSPORT,
		    "header line 2: obsolete line folding");
	parse_fails("HTTP/1.1 200 OK\r\n\tX-Tab: one\r\n\r\n", CF_ERR_TRANSPORT,
		    "header line 1: obsolete line folding");
}
END_TEST

START_TEST(test_head_bad_field_name)
{
	static const char *const lines[] = {
		"Bad Name: x", ": no name", "NoColon", "X-A : spaced", "X(A): paren", "X\"A: quote",
		"X/A: slash",  "X\x80: high",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "HTTP/1.1 200 OK\r\nGood: 1\r\n%s\r\n\r\n", lines[i]);
		parse_fails(text, CF_ERR_TRANSPORT, "header line 2: not a field name followed by ':'");
	}
	/* Every tchar is fine in a name. */
	struct cf_http_response resp = { 0 };
	parse_ok("HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~09azAZ: v\r\nContent-Length: 0\r\n\r\n", false, &resp);
	assert_header(&resp, 0, "!#$%&'*+-.^_`|~09azAZ", "v");
	cf_http_response_clean_up(&resp);
}
END_TEST

START_TEST(test_head_bad_field_value)
{
	parse_fails("HTTP/1.1 200 OK\r\nX-A: one\ntwo\r\n\r\n", CF_ERR_TRANSPORT, "X-A: NUL, CR or LF in its value");
	parse_fails("HTTP/1.1 200 OK\r\nX-A: one\rtwo\r\n\r\n", CF_ERR_TRANSPORT, "X-A: NUL, CR or LF in its value");
	static const char nul[] = "HTTP/1.1 200 OK\r\nX-B: a\0b\r\n\r\n";
	struct cf_http1_head head;
	struct cf_http_response resp = { 0 };
	struct cf_error err;
	ck_assert_int_eq(cf_http1_parse_head(nul, sizeof(nul) - 1, false, &head, &resp, &err), CF_HTTP1_FAILED);
	ck_assert_int_eq(err.code, CF_ERR_TRANSPORT);
	ck_assert_ptr_nonnull(strstr(err.message, "X-B: NUL, CR or LF"));
	cf_http_response_clean_up(&resp);
}
END_TEST

START_TEST(test_head_bad_content_length)
{
	static const char *const values[] = {
		"", "abc", "-1", "+5", "5 5", "5,5", "5, 5", "0x10", "1e3", "5;", "99999999999999999999999",
		"18446744073709551616",
	};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\n", values[i]);
		parse_fails(text, CF_ERR_TRANSPORT, "is not one decimal number");
	}
	/* Two different lengths. */
	parse_fails("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\nContent-Length: 6\r\n\r\n", CF_ERR_TRANSPORT,
		    "Content-Length 6 is not one decimal number");
	parse_fails("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Length: 1\r\n\r\n", CF_ERR_TRANSPORT,
		    "Content-Length 1");
}
END_TEST

START_TEST(test_head_unsupported_transfer_encoding)
{
	/* Only chunked alone: "gzip, chunked" would hand the caller a body still gzip-coded. */
	static const char *const values[] = { "gzip",	      "chunked, gzip", "identity",	   "",
					       "chunked;q=1", "chunkedx",      "gzip, chunked", "chunked, chunked" };
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "HTTP/1.1 200 OK\r\nTransfer-Encoding: %s\r\n\r\n", values[i]);
		parse_fails(text, CF_ERR_TRANSPORT, "unsupported Transfer-Encoding");
	}
	/* A second field fails, chunked or not. */
	parse_fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		    CF_ERR_TRANSPORT, "unsupported Transfer-Encoding chunked");
	parse_fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
		    CF_ERR_TRANSPORT, "unsupported Transfer-Encoding gzip");
}
END_TEST

/* Fill `buf` with a head of exactly `total` bytes: a status line, filler headers, the blank line. */
static void make_head(char *buf, size_t total)
{
	static const char status[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n";
	size_t n = strlen(status);
	memcpy(buf, status, n);
	/* Header lines "X: aaaa...\r\n" of at most 1000 bytes until 2 bytes are left for the blank line. */
	while (total - n > 2) {
		size_t line = total - n - 2;
		if (line > 1000)
			line = 1000;
		if (line < 5) { /* too short for a header: widen the previous one */
			memset(buf + n - 2, 'b', line);
			n += line;
			memcpy(buf + n - 2, "\r\n", 2);
			continue;
		}
		memcpy(buf + n, "X: ", 3);
		memset(buf + n + 3, 'a', line - 5);
		memcpy(buf + n + line - 2, "\r\n", 2);
		n += line;
	}
	memcpy(buf + n, "\r\n", 2);
}

START_TEST(test_head_size_limit)
{
	size_t max = CF_HTTP1_MAX_HEAD_BYTES;
	char *buf = malloc(max + 16);
	ck_assert_ptr_nonnull(buf);
	struct cf_http1_head head;
	struct cf_http_response resp = { 0 };
	struct cf_error err;

	/* Exactly the limit: accepted, with more bytes after it. */
	make_head(buf, max);
	memcpy(buf + max, "body", 4);
	ck_assert_int_eq(cf_http1_parse_head(buf, max + 4, false, &head, &resp, &err), CF_HTTP1_COMPLETE);
	ck_assert_uint_eq(head.head_len, max);
	ck_assert_int_eq(head.framing, CF_HTTP1_LENGTH);
	ck_assert_uint_gt(resp.header_count, 60);
	cf_http_response_clean_up(&resp);

	/* One byte over: the whole head is there, but it is too large. */
	make_head(buf, max + 1);
	cf_error_clear(&err);
	ck_assert_int_eq(cf_http1_parse_head(buf, max + 1, false, &head, &resp, &err), CF_HTTP1_FAILED);
	ck_assert_int_eq(err.code, CF_ERR_TOO_LARGE);
	ck_assert_ptr_nonnull(strstr(err.message, "65536"));
	ck_assert_uint_eq(resp.header_count, 0);

	/* No blank line yet: waiting up to the limit, too large from the limit on. */
	memset(buf, 'a', max + 16);
	memcpy(buf, "HTTP/1.1 200 OK\r\nX: ", 20);
	ck_assert_int_eq(cf_http1_parse_head(buf, max - 1, false, &head, &resp, &err), CF_HTTP1_NEED_MORE);
	/* The blank line could still end exactly at the limit. */
	memcpy(buf + max - 4, "\r\n\r", 3);
	ck_assert_int_eq(cf_http1_parse_head(buf, max - 1, false, &head, &resp, &err), CF_HTTP1_NEED_MORE);
	memset(buf + max - 4, 'a', 3);
	cf_error_clear(&err);
	ck_assert_int_eq(cf_http1_parse_head(buf, max, false, &head, &resp, &err), CF_HTTP1_FAILED);
	ck_assert_int_eq(err.code, CF_ERR_TOO_LARGE);
	cf_error_clear(&err);
	ck_assert_int_eq(cf_http1_parse_head(buf, max + 16, false, &head, &resp, &err), CF_HTTP1_FAILED);
	ck_assert_int_eq(err.code, CF_ERR_TOO_LARGE);
	ck_assert_uint_eq(resp.header_count, 0);
	free(buf);
}
END_TEST

/* Out of memory while copying the headers: FAILED with CF_ERR_NOMEM, nothing leaked after clean-up. */
START_TEST(test_head_alloc_failure)
{
	static const char text[] = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n"
				   "Content-Length: 0\r\n\r\n";
	for (long n = 0;; n++) {
		ck_assert_int_lt(n, 100);
		ts_alloc_install(n);
		struct cf_http1_head head;
		struct cf_http_response resp = { 0 };
		struct cf_error err;
		enum cf_http1_progress p = parse(text, false, &head, &resp, &err);
		if (ts_alloc_failed()) {
			ck_assert_int_eq(p, CF_HTTP1_FAILED);
			ck_assert_int_eq(err.code, CF_ERR_NOMEM);
		} else {
			ck_assert_int_eq(p, CF_HTTP1_COMPLETE);
			ck_assert_uint_eq(resp.header_count, 6);
		}
		cf_http_response_clean_up(&resp);
		if (ts_alloc_end_round(n))
			break;
	}
}
END_TEST

/* ---- the chunked coding ---- */

struct decoded {
	enum cf_http1_progress progress;
	size_t in, out;
	enum cf_status code;
	char message[CF_ERROR_MESSAGE_MAX];
	char *bytes; /* the whole buffer after decoding (len bytes); free() */
	size_t len;
};

/* Decode `len` bytes of `wire` in one call. */
static struct decoded decode_once(const char *wire, size_t len, size_t max_body)
{
	struct decoded d = { .bytes = malloc(len + 1), .len = len };
	ck_assert_ptr_nonnull(d.bytes);
	memcpy(d.bytes, wire, len);
	struct cf_http1_chunked c = { 0 };
	struct cf_error err;
	cf_error_clear(&err);
	d.progress = cf_http1_chunked_decode(&c, d.bytes, len, &d.in, &d.out, max_body, &err);
	d.code = err.code;
	memcpy(d.message, err.message, sizeof(d.message));
	ck_assert_uint_le(d.out, d.in);
	ck_assert_uint_le(d.in, len);
	if (d.progress == CF_HTTP1_NEED_MORE)
		ck_assert_uint_eq(d.in, len);
	return d;
}

/* Decode `len` bytes of `wire` as they would arrive one at a time: one call per new byte. */
static struct decoded decode_bytewise(const char *wire, size_t len, size_t max_body)
{
	struct decoded d = { .bytes = malloc(len + 1), .len = len, .progress = CF_HTTP1_NEED_MORE };
	ck_assert_ptr_nonnull(d.bytes);
	memcpy(d.bytes, wire, len);
	struct cf_http1_chunked c = { 0 };
	struct cf_error err;
	cf_error_clear(&err);
	for (size_t have = 1; have <= len && d.progress == CF_HTTP1_NEED_MORE; have++) {
		d.progress = cf_http1_chunked_decode(&c, d.bytes, have, &d.in, &d.out, max_body, &err);
		ck_assert_uint_le(d.out, d.in);
		if (d.progress == CF_HTTP1_NEED_MORE)
			ck_assert_uint_eq(d.in, have);
	}
	d.code = err.code;
	memcpy(d.message, err.message, sizeof(d.message));
	return d;
}

/* Both ways agree exactly: progress, cursors, error, decoded bytes. */
static void assert_same(const struct decoded *a, const struct decoded *b, const char *what)
{
	ck_assert_msg(a->progress == b->progress && a->in == b->in && a->out == b->out && a->code == b->code,
		      "%s: one call %d in %zu out %zu code %d, byte by byte %d in %zu out %zu code %d", what,
		      a->progress, a->in, a->out, a->code, b->progress, b->in, b->out, b->code);
	ck_assert_msg(memcmp(a->bytes, b->bytes, a->out) == 0, "%s: decoded bytes differ", what);
}

/* Decode `wire` both ways; require COMPLETE with `body` decoded, and `rest` bytes left unread after it. */
static void assert_decodes(const char *wire, size_t len, size_t rest, const char *body, size_t body_len,
			   size_t max_body)
{
	struct decoded a = decode_once(wire, len, max_body), b = decode_bytewise(wire, len, max_body);
	ck_assert_msg(a.progress == CF_HTTP1_COMPLETE, "%.*s: progress %d (%s)", (int)len, wire, a.progress,
		      a.message);
	ck_assert_int_eq(a.code, CF_OK);
	ck_assert_msg(a.in == len - rest, "%.*s: in %zu, want %zu", (int)len, wire, a.in, len - rest);
	ck_assert_uint_eq(a.out, body_len);
	ck_assert_msg(memcmp(a.bytes, body, body_len) == 0, "decoded \"%.*s\", want \"%.*s\"", (int)a.out, a.bytes,
		      (int)body_len, body);
	/* Whatever follows the terminator is not touched. */
	ck_assert_int_eq(memcmp(a.bytes + a.in, wire + a.in, rest), 0);
	assert_same(&a, &b, wire);
	free(a.bytes);
	free(b.bytes);
}

#define DECODES(wire, body) assert_decodes(wire, sizeof(wire) - 1, 0, body, sizeof(body) - 1, SIZE_MAX)

/* Decode `wire` both ways; require FAILED with `code` and `fragment`, having read `at` bytes. */
static void assert_decode_fails(const char *wire, size_t len, size_t max_body, enum cf_status code,
				const char *fragment, size_t at)
{
	struct decoded a = decode_once(wire, len, max_body), b = decode_bytewise(wire, len, max_body);
	ck_assert_msg(a.progress == CF_HTTP1_FAILED, "%.*s: progress %d, want FAILED", (int)len, wire, a.progress);
	ck_assert_msg(a.code == code, "%.*s: code %d, want %d (%s)", (int)len, wire, a.code, code, a.message);
	ck_assert_msg(strstr(a.message, fragment), "%.*s: message \"%s\" lacks \"%s\"", (int)len, wire, a.message,
		      fragment);
	ck_assert_msg(a.in == at, "%.*s: failed after %zu bytes, want %zu", (int)len, wire, a.in, at);
	assert_same(&a, &b, wire);
	free(a.bytes);
	free(b.bytes);
}

#define DECODE_FAILS(wire, code, fragment, at) \
	assert_decode_fails(wire, sizeof(wire) - 1, SIZE_MAX, code, fragment, at)

START_TEST(test_chunked_basic)
{
	DECODES("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world");
	DECODES("0\r\n\r\n", "");
	DECODES("1\r\nx\r\n0\r\n\r\n", "x");
	DECODES("0005\r\nhello\r\n000\r\n\r\n", "hello");
	/* Chunk data is bytes: CR, LF, NUL and chunk-like text inside it are data. */
	DECODES("8\r\n\r\n0\r\n\r\n\0\r\n0\r\n\r\n", "\r\n0\r\n\r\n\0");
}
END_TEST

START_TEST(test_chunked_uppercase_hex)
{
	char wire[512], body[300];
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (char)('a' + i % 26);
	/* 0xA, 0x1F and 0xFB = 10 + 31 + 251 = 292 bytes, in upper, mixed and lower case. */
	int n = snprintf(wire, sizeof(wire), "A\r\n%.10s\r\n1f\r\n%.31s\r\nfB\r\n%.251s\r\n0\r\n\r\n", body, body + 10,
			 body + 41);
	ck_assert_int_gt(n, 0);
	assert_decodes(wire, (size_t)n, 0, body, 292, SIZE_MAX);
	DECODES("C\r\nhello world!\r\n0\r\n\r\n", "hello world!");
}
END_TEST

START_TEST(test_chunked_extensions)
{
	DECODES("5;name=value\r\nhello\r\n0;last\r\n\r\n", "hello");
	DECODES("5;a=\"quoted;\\\"value\";b\r\nhello\r\n0\r\n\r\n", "hello");
	DECODES("5 ;ext\r\nhello\r\n0\t\r\n\r\n", "hello"); /* BWS before an extension */
}
END_TEST

START_TEST(test_chunked_trailers)
{
	DECODES("3\r\nabc\r\n0\r\nX-Trailer: 1\r\nServer-Timing: a;dur=1\r\n\r\n", "abc");
	DECODES("0\r\nX: y\r\n\r\n", "");
}
END_TEST

/* The body is followed by the next response on the connection: decoding stops right after the end. */
START_TEST(test_chunked_stops_at_end)
{
	static const char wire[] = "4\r\nwxyz\r\n0\r\nT: 1\r\n\r\nHTTP/1.1 200 OK\r\n\r\n";
	assert_decodes(wire, sizeof(wire) - 1, strlen("HTTP/1.1 200 OK\r\n\r\n"), "wxyz", 4, SIZE_MAX);
	static const char wire2[] = "0\r\n\r\n0\r\n\r\n";
	assert_decodes(wire2, sizeof(wire2) - 1, 5, "", 0, SIZE_MAX);
}
END_TEST

/* Every proper prefix of a valid body is NEED_MORE, with what was decoded so far at the front. */
START_TEST(test_chunked_need_more)
{
	static const char wire[] = "5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nT: 1\r\n\r\n";
	static const char body[] = "hello world";
	size_t len = sizeof(wire) - 1;
	for (size_t n = 0; n < len; n++) {
		struct decoded d = decode_once(wire, n, SIZE_MAX);
		ck_assert_msg(d.progress == CF_HTTP1_NEED_MORE, "prefix %zu: progress %d", n, d.progress);
		ck_assert_uint_le(d.out, 11);
		ck_assert_int_eq(memcmp(d.bytes, body, d.out), 0);
		free(d.bytes);
	}
	/* Resuming where one call stopped gives the same result as one call, at every split point. */
	for (size_t split = 0; split <= len; split++) {
		char buf[sizeof(wire)];
		memcpy(buf, wire, len);
		struct cf_http1_chunked c = { 0 };
		struct cf_error err;
		size_t in = 0, out = 0;
		ck_assert_int_eq(cf_http1_chunked_decode(&c, buf, split, &in, &out, SIZE_MAX, &err),
				 split == len ? CF_HTTP1_COMPLETE : CF_HTTP1_NEED_MORE);
		if (split < len)
			ck_assert_int_eq(cf_http1_chunked_decode(&c, buf, len, &in, &out, SIZE_MAX, &err),
					 CF_HTTP1_COMPLETE);
		ck_assert_uint_eq(in, len);
		ck_assert_uint_eq(out, 11);
		ck_assert_int_eq(memcmp(buf, body, 11), 0);
	}
}
END_TEST

START_TEST(test_chunked_malformed_size)
{
	DECODE_FAILS("\r\n", CF_ERR_TRANSPORT, "malformed chunk size", 1);
	DECODE_FAILS("x\r\n", CF_ERR_TRANSPORT, "malformed chunk size", 1);
	DECODE_FAILS("-1\r\n", CF_ERR_TRANSPORT, "malformed chunk size", 1);
	DECODE_FAILS("+1\r\n", CF_ERR_TRANSPORT, "malformed chunk size", 1);
	DECODE_FAILS(";ext\r\n", CF_ERR_TRANSPORT, "malformed chunk size", 1);
	DECODE_FAILS(" 5\r\nhello\r\n", CF_ERR_TRANSPORT, "malformed chunk size", 1);
	DECODE_FAILS("5g\r\nhello\r\n", CF_ERR_TRANSPORT, "malformed chunk size", 2);
	DECODE_FAILS("0x5\r\nhello\r\n", CF_ERR_TRANSPORT, "malformed chunk size", 2);
	DECODE_FAILS("5\nhello\r\n", CF_ERR_TRANSPORT, "malformed chunk size", 2);
	DECODE_FAILS("5\rhello\r\n", CF_ERR_TRANSPORT, "chunk size line not ended by CRLF", 3);
	/* After whitespace following the size, only more whitespace, an extension or the line's end. */
	DECODE_FAILS("5 5\r\nhello\r\n", CF_ERR_TRANSPORT, "malformed chunk size", 3);
	DECODE_FAILS("5 junk\r\nhello\r\n", CF_ERR_TRANSPORT, "malformed chunk size", 3);
	DECODE_FAILS("5;a\nb\r\nhello\r\n", CF_ERR_TRANSPORT, "LF or NUL in a chunk extension", 4);
	/* The size line of the second chunk: a bad digit, no digit at all, only an extension. */
	DECODE_FAILS("1\r\na\r\nz\r\n", CF_ERR_TRANSPORT, "malformed chunk size", 7);
	DECODE_FAILS("1\r\na\r\n\r\n", CF_ERR_TRANSPORT, "malformed chunk size", 7);
	DECODE_FAILS("1\r\na\r\n;x\r\n0\r\n\r\n", CF_ERR_TRANSPORT, "malformed chunk size", 7);
	/* A size line longer than the decoder keeps (leading zeros or an extension). */
	char wire[5000];
	memset(wire, '0', sizeof(wire));
	assert_decode_fails(wire, sizeof(wire), SIZE_MAX, CF_ERR_TRANSPORT, "size or trailer line too long", 4097);
	memcpy(wire, "1;", 2);
	memset(wire + 2, 'e', sizeof(wire) - 2);
	assert_decode_fails(wire, sizeof(wire), SIZE_MAX, CF_ERR_TRANSPORT, "size or trailer line too long", 4097);
	/* ... and a trailer line. */
	memcpy(wire, "0\r\nX: ", 6);
	memset(wire + 6, 't', sizeof(wire) - 6);
	assert_decode_fails(wire, sizeof(wire), SIZE_MAX, CF_ERR_TRANSPORT, "size or trailer line too long", 3 + 4097);
}
END_TEST

START_TEST(test_chunked_missing_crlf_after_data)
{
	DECODE_FAILS("5\r\nhelloX\r\n0\r\n\r\n", CF_ERR_TRANSPORT, "chunk data not followed by CRLF", 9);
	DECODE_FAILS("5\r\nhello\rX0\r\n\r\n", CF_ERR_TRANSPORT, "chunk data not followed by CRLF", 10);
	DECODE_FAILS("5\r\nhello\n0\r\n\r\n", CF_ERR_TRANSPORT, "chunk data not followed by CRLF", 9);
	/* A chunk one byte shorter than announced: the next size line is read as data, then no CRLF. */
	DECODE_FAILS("6\r\nhello\r\n0\r\n\r\n", CF_ERR_TRANSPORT, "chunk data not followed by CRLF", 10);
	/* A trailer line ended by a lone CR. */
	DECODE_FAILS("0\r\nX: y\rZ", CF_ERR_TRANSPORT, "trailer line not ended by CRLF", 9);
	DECODE_FAILS("0\r\n\rZ", CF_ERR_TRANSPORT, "trailer line not ended by CRLF", 5);
}
END_TEST

START_TEST(test_chunked_size_overflow)
{
	/* 2^64: seventeen hex digits. */
	DECODE_FAILS("10000000000000000\r\n", CF_ERR_TRANSPORT, "chunk size overflows", 17);
	DECODE_FAILS("FFFFFFFFFFFFFFFFF\r\n", CF_ERR_TRANSPORT, "chunk size overflows", 17);
	/* 2^64 - 1 fits in the size but not in a body of at most 8 MiB. */
	assert_decode_fails("FFFFFFFFFFFFFFFF\r\n", 18, (size_t)8 << 20, CF_ERR_TOO_LARGE, "larger than 8388608 bytes",
			    18);
	/* Leading zeros do not count towards the overflow. */
	DECODE_FAILS("00000000000000000000001\r\nab", CF_ERR_TRANSPORT, "chunk data not followed by CRLF", 27);
}
END_TEST

START_TEST(test_chunked_max_body)
{
	static const char wire[] = "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n";
	size_t len = sizeof(wire) - 1;
	/* Exactly at the limit. */
	assert_decodes(wire, len, 0, "helloworld", 10, 10);
	/* One under: the second chunk is refused as soon as its size line ends, before its data. */
	struct decoded a = decode_once(wire, len, 9), b = decode_bytewise(wire, len, 9);
	ck_assert_int_eq(a.progress, CF_HTTP1_FAILED);
	ck_assert_int_eq(a.code, CF_ERR_TOO_LARGE);
	ck_assert_ptr_nonnull(strstr(a.message, "chunked body larger than 9 bytes"));
	ck_assert_uint_eq(a.in, 13);
	ck_assert_uint_eq(a.out, 5);
	assert_same(&a, &b, wire);
	free(a.bytes);
	free(b.bytes);
	/* A limit of zero allows only the empty body. */
	assert_decodes("0\r\n\r\n", 5, 0, "", 0, 0);
	assert_decode_fails("1\r\nx\r\n0\r\n\r\n", 10, 0, CF_ERR_TOO_LARGE, "larger than 0 bytes", 3);
}
END_TEST

/* A mix of every feature, each way, against a body built independently. */
START_TEST(test_chunked_bytewise_long)
{
	char wire[8192], body[4096];
	size_t wlen = 0, blen = 0;
	for (unsigned k = 1; k < 40; k++) {
		size_t n = (k * 37) % 97 + 1;
		wlen += (size_t)snprintf(wire + wlen, sizeof(wire) - wlen, k % 3 ? "%zX" : "%zx;k=%u", n, k);
		memcpy(wire + wlen, "\r\n", 2);
		wlen += 2;
		for (size_t i = 0; i < n; i++)
			body[blen++] = wire[wlen++] = (char)(k * 7 + i);
		memcpy(wire + wlen, "\r\n", 2);
		wlen += 2;
	}
	static const char end[] = "0\r\nA: b\r\n\r\nnext";
	memcpy(wire + wlen, end, sizeof(end) - 1);
	wlen += sizeof(end) - 1;
	ck_assert_uint_lt(wlen, sizeof(wire));
	assert_decodes(wire, wlen, 4, body, blen, SIZE_MAX);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("http1_parse");
	TCase *head = tcase_create("head");
	tcase_add_test(head, test_head_content_length);
	tcase_add_test(head, test_head_status_line_forms);
	tcase_add_test(head, test_head_chunked);
	tcase_add_test(head, test_head_until_close);
	tcase_add_test(head, test_head_keep_alive_rules);
	tcase_add_test(head, test_head_no_body);
	tcase_add_test(head, test_head_content_length_values);
	tcase_add_test(head, test_head_need_more);
	tcase_add_test(head, test_head_malformed_status_line);
	tcase_add_test(head, test_head_obs_fold);
	tcase_add_test(head, test_head_bad_field_name);
	tcase_add_test(head, test_head_bad_field_value);
	tcase_add_test(head, test_head_bad_content_length);
	tcase_add_test(head, test_head_unsupported_transfer_encoding);
	tcase_add_test(head, test_head_size_limit);
	tcase_add_test(head, test_head_alloc_failure);
	suite_add_tcase(s, head);
	TCase *chunked = tcase_create("chunked");
	tcase_add_test(chunked, test_chunked_basic);
	tcase_add_test(chunked, test_chunked_uppercase_hex);
	tcase_add_test(chunked, test_chunked_extensions);
	tcase_add_test(chunked, test_chunked_trailers);
	tcase_add_test(chunked, test_chunked_stops_at_end);
	tcase_add_test(chunked, test_chunked_need_more);
	tcase_add_test(chunked, test_chunked_malformed_size);
	tcase_add_test(chunked, test_chunked_missing_crlf_after_data);
	tcase_add_test(chunked, test_chunked_size_overflow);
	tcase_add_test(chunked, test_chunked_max_body);
	tcase_add_test(chunked, test_chunked_bytewise_long);
	suite_add_tcase(s, chunked);
	return ts_run_suite(s);
}
