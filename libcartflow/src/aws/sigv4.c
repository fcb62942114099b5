/* SigV4 header signing: checks, the canonical request, the string to sign, the signed headers. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "model/alloc_internal.h"
#include "model/utc_time.h"
#include "sigv4_internal.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define SCOPE_TERMINATOR "aws4_request"
#define LIT_LEN(s) (sizeof(s) - 1)

/* Headers never signed: hop-by-hop, or commonly added or rewritten between client and AWS. */
static const char *const unsigned_headers[] = {
	"connection", "expect", "keep-alive", "proxy-authorization", "proxy-connection", "te",
	"trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
};

/* The state of one cf_sigv4_sign() call. */
struct signer {
	const struct cf_http_request *req;
	const struct cf_sigv4_params *p;
	struct cf_error *err;
	struct cf_sigv4_url url;
	bool has_token;             /* a session token is given */
	char amz_date[17];          /* YYYYMMDDTHHMMSSZ */
	char body_sha[65];          /* hex SHA-256 of the body, when computed */
	struct cf_str payload_hash; /* body_sha, or the request's own x-amz-content-sha256 */
	struct cf_sigv4_hdr *hdrs;  /* the headers to sign, sorted once collected */
	size_t hdr_count;
	size_t creq_estimate;       /* an upper bound of the canonical request's length */
	struct cf_arena scratch;
	struct cf_buf creq;
	size_t signed_off;          /* the signed header list inside creq */
	size_t signed_len;
};

static bool is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A non-empty HTTP token (RFC 9110 5.6.2): what header names and methods are made of. */
static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return false;
	return true;
}

static bool has_crlf(const char *s) { return strpbrk(s, "\r\n") != NULL; }

/* Region and service go into the credential scope: no '/', no spaces, no control bytes. */
static bool is_scope_part(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '/' || *s == 0x7f)
			return false;
	return true;
}

static enum cf_status check_creds(const struct cf_credentials *c, struct cf_error *err)
{
	if (!c->access_key_id || !*c->access_key_id || !c->secret_access_key || !*c->secret_access_key)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "sigv4: access key id and secret key are required");
	if (strlen(c->secret_access_key) > CF_SIGV4_SECRET_MAX)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "sigv4: secret key longer than %d bytes",
				    CF_SIGV4_SECRET_MAX);
	if (has_crlf(c->access_key_id) || strpbrk(c->access_key_id, " ,/"))
		return cf_error_set(err, CF_ERR_HEADER, "sigv4: access key id contains CR, LF, space, ',' or '/'");
	if (c->session_token && has_crlf(c->session_token))
		return cf_error_set(err, CF_ERR_HEADER, "sigv4: session token contains CR or LF");
	return CF_OK;
}

static enum cf_status check_args(const struct cf_http_request *req, const struct cf_sigv4_params *p,
				 struct cf_error *err)
{
	if (!req || !p || !req->method || !req->url || (!req->body && req->body_len) ||
	    (!req->headers && req->header_count))
		return cf_error_set(err, CF_ERR_INVALID_ARG, "sigv4: NULL request, params, method, url, body or headers");
	if (req->header_count > SIZE_MAX / (4 * sizeof(struct cf_sigv4_hdr)))
		return cf_error_set(err, CF_ERR_INVALID_ARG, "sigv4: too many headers");
	if (!is_token(req->method))
		return cf_error_set(err, CF_ERR_INVALID_ARG, "sigv4: method \"%s\" is not an HTTP token", req->method);
	if (!p->region || !is_scope_part(p->region) || !p->service || !is_scope_part(p->service))
		return cf_error_set(err, CF_ERR_INVALID_ARG, "sigv4: region and service must be non-empty, "
				    "without '/', spaces or control bytes");
	if (p->time_s < 0 || p->time_s > CF_UTC_MAX_TIME_S)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "sigv4: time_s %lld is outside years 1970-9999",
				    (long long)p->time_s);
	return check_creds(&p->creds, err);
}

/* X-Amz-Date for `t` (0 <= t <= CF_UTC_MAX_TIME_S). */
static void format_amz_date(int64_t t, char out[17])
{
	struct cf_utc u = cf_utc_from_epoch(t);
	cf_utc_put_digits(out, u.year, 4);
	cf_utc_put_digits(out + 4, u.month, 2);
	cf_utc_put_digits(out + 6, u.day, 2);
	out[8] = 'T';
	cf_utc_put_digits(out + 9, u.hour, 2);
	cf_utc_put_digits(out + 11, u.minute, 2);
	cf_utc_put_digits(out + 13, u.second, 2);
	out[15] = 'Z';
	out[16] = '\0';
}

static void add_hdr(struct signer *s, struct cf_str name, struct cf_str value)
{
	s->hdrs[s->hdr_count] = (struct cf_sigv4_hdr){ name, value, s->hdr_count };
	s->hdr_count++;
	s->creq_estimate += 2 * name.len + value.len + 3;
}

static struct cf_str str_of(const char *s) { return (struct cf_str){ s, strlen(s) }; }

/* True for a request header the signer adds itself with these params. */
static bool is_added_by_signer(const struct signer *s, struct cf_str name)
{
	return cf_sigv4_name_is(name, "authorization") || cf_sigv4_name_is(name, "x-amz-date") ||
	       (s->has_token && cf_sigv4_name_is(name, "x-amz-security-token")) ||
	       (s->p->add_content_sha256 && cf_sigv4_name_is(name, "x-amz-content-sha256"));
}

static bool is_unsigned(struct cf_str name)
{
	for (size_t i = 0; i < sizeof(unsigned_headers) / sizeof(unsigned_headers[0]); i++)
		if (cf_sigv4_name_is(name, unsigned_headers[i]))
			return true;
	return false;
}

/* Check request header `i` and queue it for signing unless it is one never signed. */
static enum cf_status take_request_header(struct signer *s, size_t i, bool *has_host)
{
	const struct cf_http_header *h = &s->req->headers[i];
	if (!h->name || !h->value)
		return cf_error_set(s->err, CF_ERR_INVALID_ARG, "sigv4: headers[%zu]: NULL name or value", i);
	if (!is_token(h->name))
		return cf_error_set(s->err, CF_ERR_HEADER, "sigv4: headers[%zu]: name \"%s\" is not an HTTP token",
				    i, h->name);
	if (has_crlf(h->value))
		return cf_error_set(s->err, CF_ERR_HEADER, "sigv4: headers[%zu] (%s): value contains CR or LF", i,
				    h->name);
	struct cf_str name = str_of(h->name), value = str_of(h->value);
	if (is_added_by_signer(s, name))
		return cf_error_set(s->err, CF_ERR_INVALID_ARG, "sigv4: headers[%zu]: %s is added by the signer", i,
				    h->name);
	if (is_unsigned(name))
		return CF_OK;
	if (cf_sigv4_name_is(name, "host"))
		*has_host = true;
	if (cf_sigv4_name_is(name, "x-amz-content-sha256") && !s->payload_hash.ptr)
		s->payload_hash = cf_sigv4_trim(value);
	add_hdr(s, name, value);
	return CF_OK;
}

/* Gather the request's headers and the signer's, sorted for the canonical request. */
static enum cf_status collect_headers(struct signer *s)
{
	const struct cf_sigv4_params *p = s->p;
	s->hdrs = cf_arena_alloc(&s->scratch, (s->req->header_count + 4) * sizeof(*s->hdrs));
	if (!s->hdrs)
		return cf_error_set(s->err, CF_ERR_NOMEM, "sigv4: out of memory");
	bool has_host = false;
	for (size_t i = 0; i < s->req->header_count; i++) {
		enum cf_status st = take_request_header(s, i, &has_host);
		if (st != CF_OK)
			return st;
	}
	if (!has_host)
		add_hdr(s, str_of("host"), cf_sigv4_url_host_value(&s->url));
	add_hdr(s, str_of("x-amz-date"), str_of(s->amz_date));
	if (s->has_token && !p->omit_session_token)
		add_hdr(s, str_of("x-amz-security-token"), str_of(p->creds.session_token));
	if (p->add_content_sha256 || !s->payload_hash.ptr) {
		const struct cf_str body = { s->req->body, s->req->body_len };
		unsigned char md[32];
		cf_sha256(&body, 1, md);
		cf_hex_lower(md, sizeof(md), s->body_sha);
		s->payload_hash = (struct cf_str){ s->body_sha, 64 };
	}
	if (p->add_content_sha256)
		add_hdr(s, str_of("x-amz-content-sha256"), s->payload_hash);
	cf_sigv4_sort_headers(s->hdrs, s->hdr_count);
	return CF_OK;
}

/* Method, canonical URI, canonical query, canonical headers, signed headers, payload hash. */
static enum cf_status build_canonical_request(struct signer *s)
{
	const struct cf_sigv4_url *u = &s->url;
	size_t method_len = strlen(s->req->method);
	size_t estimate = s->creq_estimate + method_len + 3 * u->path.len + 4 * u->query.len + 128;
	if (!cf_buf_reserve(&s->creq, estimate))
		goto out_nomem;
	cf_buf_append(&s->creq, s->req->method, method_len);
	cf_buf_putc(&s->creq, '\n');
	if (!cf_sigv4_put_path(&s->creq, u->path, s->p->keep_dot_segments, s->p->single_encode_path, &s->scratch))
		goto out_nomem;
	cf_buf_putc(&s->creq, '\n');
	if (!cf_sigv4_put_query(&s->creq, u->query, &s->scratch))
		goto out_nomem;
	cf_buf_putc(&s->creq, '\n');
	cf_sigv4_put_headers(&s->creq, s->hdrs, s->hdr_count, &s->signed_off, &s->signed_len);
	cf_buf_putc(&s->creq, '\n');
	cf_buf_append(&s->creq, s->payload_hash.ptr, s->payload_hash.len);
	if (s->creq.failed)
		goto out_nomem;
	return CF_OK;
out_nomem:
	return cf_error_set(s->err, CF_ERR_NOMEM, "sigv4: out of memory building the canonical request");
}

static char *put(char *dst, const char *src, size_t len)
{
	memcpy(dst, src, len);
	return dst + len;
}

/* "YYYYMMDD/region/service/aws4_request" */
static char *put_scope(char *dst, const struct signer *s)
{
	dst = put(dst, s->amz_date, 8);
	*dst++ = '/';
	dst = put(dst, s->p->region, strlen(s->p->region));
	*dst++ = '/';
	dst = put(dst, s->p->service, strlen(s->p->service));
	*dst++ = '/';
	return put(dst, SCOPE_TERMINATOR, LIT_LEN(SCOPE_TERMINATOR));
}

/* Sizes of what the result block holds after its header array. */
struct block_layout {
	size_t added_count;
	size_t scope_len;
	size_t sts_len;
	size_t token_len;
	size_t auth_len;
	size_t bytes;
};

static struct block_layout plan_block(const struct signer *s)
{
	const struct cf_sigv4_params *p = s->p;
	struct block_layout l = { 0 };
	bool add_sha = p->add_content_sha256;
	l.added_count = 2 + s->has_token + add_sha;
	l.scope_len = 8 + 1 + strlen(p->region) + 1 + strlen(p->service) + 1 + LIT_LEN(SCOPE_TERMINATOR);
	l.sts_len = LIT_LEN(ALGORITHM "\n") + 16 + 1 + l.scope_len + 1 + 64;
	l.token_len = s->has_token ? strlen(p->creds.session_token) : 0;
	l.auth_len = LIT_LEN(ALGORITHM " Credential=") + strlen(p->creds.access_key_id) + 1 + l.scope_len +
		     LIT_LEN(", SignedHeaders=") + s->signed_len + LIT_LEN(", Signature=") + 64;
	l.bytes = (s->req->header_count + l.added_count) * sizeof(struct cf_http_header) + l.sts_len + 1 + 17 +
		  (s->has_token ? l.token_len + 1 : 0) + (add_sha ? 65 : 0) + l.auth_len + 1;
	return l;
}

/* Write the string to sign at `dst`; returns the byte after its NUL. */
static char *put_string_to_sign(char *dst, const struct signer *s, const char *creq_hash)
{
	dst = put(dst, ALGORITHM "\n", LIT_LEN(ALGORITHM "\n"));
	dst = put(dst, s->amz_date, 16);
	*dst++ = '\n';
	dst = put_scope(dst, s);
	*dst++ = '\n';
	dst = put(dst, creq_hash, 64);
	*dst++ = '\0';
	return dst;
}

/* Write the Authorization value at `dst`; returns the byte after its NUL. */
static char *put_authorization(char *dst, const struct signer *s, const char *signature)
{
	const char *akid = s->p->creds.access_key_id;
	dst = put(dst, ALGORITHM " Credential=", LIT_LEN(ALGORITHM " Credential="));
	dst = put(dst, akid, strlen(akid));
	*dst++ = '/';
	dst = put_scope(dst, s);
	dst = put(dst, ", SignedHeaders=", LIT_LEN(", SignedHeaders="));
	dst = put(dst, s->creq.data + s->signed_off, s->signed_len);
	dst = put(dst, ", Signature=", LIT_LEN(", Signature="));
	dst = put(dst, signature, 64);
	*dst++ = '\0';
	return dst;
}

/* Copy `value` (len bytes) to `*cursor` as a header named `name`, appended to the result's added list. */
static void add_result_header(struct cf_sigv4_result *out, char **cursor, const char *name, const char *value,
			      size_t len)
{
	char *v = *cursor;
	*cursor = put(v, value, len);
	*(*cursor)++ = '\0';
	out->headers[out->header_count++] = (struct cf_http_header){ name, v };
	out->added_count++;
}

/* The added headers, in the documented order; the Authorization value is already in place. Returns the end. */
static char *fill_added_headers(const struct signer *s, struct cf_sigv4_result *out, char *cursor, const char *auth)
{
	const struct cf_sigv4_params *p = s->p;
	add_result_header(out, &cursor, "X-Amz-Date", s->amz_date, 16);
	if (s->has_token)
		add_result_header(out, &cursor, "X-Amz-Security-Token", p->creds.session_token,
				  strlen(p->creds.session_token));
	if (p->add_content_sha256)
		add_result_header(out, &cursor, "X-Amz-Content-Sha256", s->payload_hash.ptr, s->payload_hash.len);
	out->headers[out->header_count++] = (struct cf_http_header){ "Authorization", auth };
	out->added_count++;
	out->authorization = auth;
	return cursor;
}

/*
 * Sign and fill `out`: one block holds the header array (so `out->headers` is what to free), the
 * string to sign, the added header values and the Authorization value.
 */
static enum cf_status sign_into_result(struct signer *s, struct cf_sigv4_result *out)
{
	unsigned char md[32];
	char creq_hash[65];
	cf_sha256(&(struct cf_str){ s->creq.data, s->creq.len }, 1, md);
	cf_hex_lower(md, sizeof(md), creq_hash);
	struct block_layout l = plan_block(s);
	char *block = cf_mem_alloc(l.bytes);
	if (!block)
		return cf_error_set(s->err, CF_ERR_NOMEM, "sigv4: out of memory for the result");
	out->headers = (struct cf_http_header *)(void *)block;
	char *cursor = block + (s->req->header_count + l.added_count) * sizeof(struct cf_http_header);
	out->string_to_sign = cursor;
	out->string_to_sign_len = l.sts_len;
	cursor = put_string_to_sign(cursor, s, creq_hash);
	cf_sigv4_signature(s->p, s->amz_date, (struct cf_str){ out->string_to_sign, l.sts_len }, out->signature);
	char *auth = cursor;
	cursor = put_authorization(cursor, s, out->signature);
	if (s->req->header_count)
		memcpy(out->headers, s->req->headers, s->req->header_count * sizeof(struct cf_http_header));
	out->header_count = s->req->header_count;
	out->added = out->headers + out->header_count;
	cursor = fill_added_headers(s, out, cursor, auth);
	assert(cursor == block + l.bytes);
	return CF_OK;
}

static enum cf_status run(struct signer *s, struct cf_sigv4_result *out)
{
	enum cf_status st = check_args(s->req, s->p, s->err);
	if (st != CF_OK)
		return st;
	s->has_token = s->p->creds.session_token && *s->p->creds.session_token;
	st = cf_sigv4_parse_url(s->req->url, &s->url, s->err);
	if (st != CF_OK)
		return st;
	format_amz_date(s->p->time_s, s->amz_date);
	st = collect_headers(s);
	if (st != CF_OK)
		return st;
	st = build_canonical_request(s);
	if (st != CF_OK)
		return st;
	st = sign_into_result(s, out);
	if (st != CF_OK)
		return st;
	out->canonical_request_len = s->creq.len;
	out->canonical_request = cf_buf_take(&s->creq, NULL);  /* room for the NUL was reserved */
	if (!out->canonical_request)
		return cf_error_set(s->err, CF_ERR_NOMEM, "sigv4: out of memory for the canonical request");
	return CF_OK;
}

CF_API enum cf_status cf_sigv4_sign(const struct cf_http_request *req, const struct cf_sigv4_params *p,
				    struct cf_sigv4_result *out, struct cf_error *err)
{
	if (!out)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "sigv4: NULL result");
	*out = (struct cf_sigv4_result){ 0 };
	struct signer s = { .req = req, .p = p, .err = err };
	enum cf_status st = run(&s, out);
	if (st != CF_OK)
		cf_sigv4_result_clean_up(out);
	cf_buf_clean_up(&s.creq);
	cf_arena_clean_up(&s.scratch);
	return st;
}

CF_API void cf_sigv4_result_clean_up(struct cf_sigv4_result *res)
{
	if (!res)
		return;
	cf_mem_free(res->headers);  /* the block holding every string but the canonical request */
	cf_mem_free(res->canonical_request);
	*res = (struct cf_sigv4_result){ 0 };
}
