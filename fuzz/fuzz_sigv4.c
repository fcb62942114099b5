/*
 * Target 7: the SigV4 signer (cf_sigv4_sign) with a fuzzed request and parameters.
 *
 * Input: one flags byte, then fields separated by NUL bytes (header names and values are C strings,
 * so NUL is the one byte they cannot hold):
 *   url, method, body, region, service, access key id, secret, session token, time, then header
 *   name/value pairs. An empty field takes a default (the AWS SigV4 test suite's), except the token.
 *   Flags: 1 add_content_sha256, 2 omit_session_token, 4 keep_dot_segments, 8 single_encode_path,
 *   16 sign through a key cache.
 *
 * Checks: the status is CF_OK, CF_ERR_INVALID_ARG or CF_ERR_HEADER; a header name that is not a token,
 * a CR or LF in a value or credential, or a URL with control bytes is never CF_OK (a space is signed
 * as %20, as in the AWS suite's get-space case). On CF_OK:
 * the headers are the request's then the documented added ones, all safe to send; X-Amz-Date matches
 * gmtime; the canonical request has exactly its 6 + N lines, a canonical URI and query made of
 * unreserved bytes and %XX only (equal to an independent encoding when dot segments are kept, and to
 * an independent canonical query), sorted unique lowercase header names equal to SignedHeaders; the
 * string to sign holds SHA-256 of the canonical request; the signature equals an independent
 * HMAC-SHA256 key chain; signing again (through the cache) gives the same result.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <time.h>

#include "fuzz_common.h"

#include "cartflow/sigv4.h"

enum { MAX_HEADERS = 64 };

struct input {
	char *fields[9 + 2 * MAX_HEADERS];
	size_t count;
	uint8_t flags;
	char *copy;
};

static void read_input(struct input *in, const uint8_t *data, size_t size)
{
	memset(in, 0, sizeof(*in));
	if (!size)
		return;
	in->flags = data[0];
	in->copy = fuzz_strndup(data + 1, size - 1);
	char *p = in->copy, *end = in->copy + (size - 1);
	while (in->count < sizeof(in->fields) / sizeof(in->fields[0])) {
		in->fields[in->count++] = p;
		p += strlen(p);
		if (p >= end)
			break;
		p++;
	}
}

static const char *field(const struct input *in, size_t i, const char *fallback)
{
	return i < in->count && in->fields[i][0] ? in->fields[i] : fallback;
}

static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr("!#$%&'*+-.^_`|~", c))))
			return false;
	}
	return true;
}

static bool is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_' || c == '~';
}

static int hexval(unsigned char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool is_upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

/* Text of `len` bytes made of unreserved bytes, %XX with uppercase hex, and bytes in `extra`. */
static bool is_encoded(const char *s, size_t len, const char *extra)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_unreserved(c) || (c && strchr(extra, c)))
			continue;
		if (c != '%' || len - i < 3 || !is_upper_hex(s[i + 1]) || !is_upper_hex(s[i + 2]))
			return false;
		i += 2;
	}
	return true;
}

struct text {
	char *p;
	size_t len, cap;
};

static void put(struct text *t, const void *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		if (!t->p)
			abort();
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void put_pct(struct text *t, unsigned char c)
{
	char e[3] = { '%', "0123456789ABCDEF"[c >> 4], "0123456789ABCDEF"[c & 15] };
	put(t, e, 3);
}

/* The canonical URI of a path kept as it is: every byte but unreserved ones and '/' encoded. */
static void encode_path(struct text *t, const char *path, size_t len, bool single)
{
	if (len == 0) {
		put(t, "/", 1);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];
		if (is_unreserved(c) || c == '/') {
			put(t, &path[i], 1);
		} else if (single && c == '%' && i + 2 < len && hexval((unsigned char)path[i + 1]) >= 0 &&
			   hexval((unsigned char)path[i + 2]) >= 0) {
			put_pct(t, (unsigned char)(hexval((unsigned char)path[i + 1]) * 16 + hexval((unsigned char)path[i + 2])));
			i += 2;
		} else {
			put_pct(t, c);
		}
	}
}

struct param {
	struct text name, value;
};

/* Form-decode ('+' is a space, %XX a byte) and encode again. */
static void reencode(struct text *t, const char *s, size_t len)
{
	put(t, "", 0);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%' && i + 2 < len && hexval((unsigned char)s[i + 1]) >= 0 &&
			   hexval((unsigned char)s[i + 2]) >= 0) {
			c = (unsigned char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
			i += 2;
		}
		if (is_unreserved(c))
			put(t, &c, 1);
		else
			put_pct(t, c);
	}
}

static int text_cmp(const struct text *a, const struct text *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->p, b->p, n);
	return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int param_cmp(const void *pa, const void *pb)
{
	const struct param *a = pa, *b = pb;
	int c = text_cmp(&a->name, &b->name);
	return c ? c : text_cmp(&a->value, &b->value);
}

static void canonical_query(struct text *out, const char *q, size_t len)
{
	size_t cap = 1;
	for (size_t i = 0; i < len; i++)
		cap += q[i] == '&';
	struct param *ps = calloc(cap, sizeof(*ps));
	if (!ps)
		abort();
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && q[i] != '&')
			continue;
		if (i > start) {
			const char *piece = q + start, *eq = memchr(piece, '=', i - start);
			size_t name_len = eq ? (size_t)(eq - piece) : i - start;
			reencode(&ps[n].name, piece, name_len);
			reencode(&ps[n].value, eq ? eq + 1 : piece, eq ? i - start - name_len - 1 : 0);
			n++;
		}
		start = i + 1;
	}
	qsort(ps, n, sizeof(*ps), param_cmp);
	put(out, "", 0);
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(out, "&", 1);
		put(out, ps[i].name.p, ps[i].name.len);
		put(out, "=", 1);
		put(out, ps[i].value.p, ps[i].value.len);
		free(ps[i].name.p);
		free(ps[i].value.p);
	}
	free(ps);
}

static void hex(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
}

static void hmac(const void *key, size_t key_len, const void *data, size_t len, unsigned char out[32])
{
	unsigned int n = 0;
	if (!HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &n) || n != 32)
		abort();
}

/* Everything checked on a successful signature. */
static void check_result(const struct cf_http_request *req, const struct cf_sigv4_params *p, uint8_t flags,
			 const struct cf_sigv4_result *out)
{
	bool token = p->creds.session_token && *p->creds.session_token;
	size_t n = req->header_count;
	FUZZ_CHECK(out->header_count == n + out->added_count && out->added == out->headers + n, "header counts");
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(out->headers[i].name == req->headers[i].name && out->headers[i].value == req->headers[i].value,
			   "request header %zu not kept", i);
	const char *names[4];
	size_t k = 0;
	names[k++] = "X-Amz-Date";
	if (token)
		names[k++] = "X-Amz-Security-Token";
	if (p->add_content_sha256)
		names[k++] = "X-Amz-Content-Sha256";
	names[k++] = "Authorization";
	FUZZ_CHECK(out->added_count == k, "%zu added headers, want %zu", out->added_count, k);
	for (size_t i = 0; i < k; i++)
		FUZZ_CHECK(!strcmp(out->added[i].name, names[i]), "added header %zu is %s", i, out->added[i].name);
	for (size_t i = 0; i < out->header_count; i++)
		FUZZ_CHECK(is_token(out->headers[i].name) && cf_http_header_value_is_safe(out->headers[i].value),
			   "unsafe header %s", out->headers[i].name);
	if (token)
		FUZZ_CHECK(!strcmp(out->added[1].value, p->creds.session_token), "X-Amz-Security-Token value");

	/* X-Amz-Date against gmtime. */
	char amz[32];
	time_t t = (time_t)p->time_s;
	struct tm tm;
	FUZZ_CHECK(gmtime_r(&t, &tm), "gmtime");
	strftime(amz, sizeof(amz), "%Y%m%dT%H%M%SZ", &tm);
	FUZZ_CHECK(!strcmp(out->added[0].value, amz), "X-Amz-Date %s, gmtime %s", out->added[0].value, amz);

	/* The canonical request, line by line. */
	const char *creq = out->canonical_request;
	FUZZ_CHECK(creq && strlen(creq) == out->canonical_request_len, "canonical request framing");
	const char *lines[8 + 2 * MAX_HEADERS + 8];
	size_t lens[sizeof(lines) / sizeof(lines[0])], nl = 0;
	for (const char *s = creq;;) {
		const char *e = strchr(s, '\n');
		FUZZ_CHECK(nl < sizeof(lines) / sizeof(lines[0]), "too many lines in the canonical request");
		lines[nl] = s;
		lens[nl++] = e ? (size_t)(e - s) : strlen(s);
		if (!e)
			break;
		s = e + 1;
	}
	FUZZ_CHECK(nl >= 7, "canonical request of %zu lines:\n%s", nl, creq);
	size_t nh = nl - 6;
	FUZZ_CHECK(lens[0] == strlen(req->method) && !memcmp(lines[0], req->method, lens[0]), "method line");
	FUZZ_CHECK(lens[1] >= 1 && lines[1][0] == '/' && is_encoded(lines[1], lens[1], "/"), "canonical URI %.*s",
		   (int)lens[1], lines[1]);
	FUZZ_CHECK(is_encoded(lines[2], lens[2], "=&"), "canonical query %.*s", (int)lens[2], lines[2]);
	FUZZ_CHECK(lens[3 + nh] == 0, "no blank line after the headers:\n%s", creq);

	/* URL pieces, found the simple way (the URL is known to be absolute and clean here). */
	const char *url = req->url;
	const char *auth = strstr(url, "://") + 3;
	const char *path = auth + strcspn(auth, "/?#");
	size_t path_len = strcspn(path, "?#");
	struct text want = { 0 };
	if (p->keep_dot_segments) {
		encode_path(&want, path, path_len, p->single_encode_path);
		FUZZ_CHECK(want.len == lens[1] && !memcmp(want.p, lines[1], want.len), "canonical URI %.*s, want %s",
			   (int)lens[1], lines[1], want.p);
	} else {
		/* Normalised: no empty, "." or ".." segments left (but the root and a final '/'). */
		for (size_t i = 1; i < lens[1]; i++)
			FUZZ_CHECK(!(lines[1][i] == '/' && lines[1][i - 1] == '/'), "empty segment in %.*s", (int)lens[1],
				   lines[1]);
		const char *seg = lines[1];
		for (size_t i = 0; i <= lens[1]; i++) {
			if (i < lens[1] && lines[1][i] != '/')
				continue;
			size_t sl = (size_t)(lines[1] + i - seg);
			FUZZ_CHECK(!(sl == 1 && seg[0] == '.') && !(sl == 2 && seg[0] == '.' && seg[1] == '.'),
				   "dot segment in %.*s", (int)lens[1], lines[1]);
			seg = lines[1] + i + 1;
		}
	}
	want.len = 0;
	if (path[path_len] == '?') {
		const char *q = path + path_len + 1;
		canonical_query(&want, q, strcspn(q, "#"));
	} else {
		put(&want, "", 0);
	}
	FUZZ_CHECK(want.len == lens[2] && !memcmp(want.p, lines[2], want.len), "canonical query %.*s, want %s",
		   (int)lens[2], lines[2], want.p);
	free(want.p);

	/* Headers: sorted, unique, lowercase tokens; SignedHeaders lists exactly them. */
	struct text signed_list = { 0 };
	put(&signed_list, "", 0);
	bool has_host = false, has_date = false, has_token = false, has_sha = false;
	for (size_t i = 0; i < nh; i++) {
		const char *h = lines[3 + i];
		const char *colon = memchr(h, ':', lens[3 + i]);
		FUZZ_CHECK(colon, "header line without ':'");
		size_t name_len = (size_t)(colon - h);
		char *name = fuzz_strndup(h, name_len);
		FUZZ_CHECK(is_token(name), "header name %s", name);
		for (size_t j = 0; j < name_len; j++)
			FUZZ_CHECK(!(name[j] >= 'A' && name[j] <= 'Z'), "header name %s not lowercase", name);
		if (i) {
			const char *prev = lines[2 + i];
			size_t prev_len = strcspn(prev, ":");
			int c = memcmp(prev, name, prev_len < name_len ? prev_len : name_len);
			FUZZ_CHECK(c < 0 || (c == 0 && prev_len < name_len), "headers not sorted and unique: %.*s, %s",
				   (int)prev_len, prev, name);
		}
		has_host |= !strcmp(name, "host");
		has_date |= !strcmp(name, "x-amz-date");
		has_token |= !strcmp(name, "x-amz-security-token");
		has_sha |= !strcmp(name, "x-amz-content-sha256");
		if (i)
			put(&signed_list, ";", 1);
		put(&signed_list, name, name_len);
		free(name);
	}
	FUZZ_CHECK(has_host && has_date, "host or x-amz-date not signed");
	bool own_token = false; /* without a token of its own, the signer signs the request's header like any other */
	for (size_t i = 0; i < n; i++)
		own_token |= !strcasecmp(req->headers[i].name, "x-amz-security-token");
	FUZZ_CHECK(has_token == ((token && !p->omit_session_token) || own_token), "x-amz-security-token signed: %d",
		   has_token);
	FUZZ_CHECK(!p->add_content_sha256 || has_sha, "x-amz-content-sha256 not signed");
	FUZZ_CHECK(signed_list.len == lens[4 + nh] && !memcmp(signed_list.p, lines[4 + nh], signed_list.len),
		   "SignedHeaders %.*s, headers %s", (int)lens[4 + nh], lines[4 + nh], signed_list.p);

	/* Authorization. */
	char date8[9];
	memcpy(date8, amz, 8);
	date8[8] = '\0';
	struct text auth_want = { 0 };
	const char *parts[] = { "AWS4-HMAC-SHA256 Credential=", p->creds.access_key_id, "/", date8, "/", p->region, "/",
				p->service, "/aws4_request, SignedHeaders=", signed_list.p, ", Signature=", out->signature };
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		put(&auth_want, parts[i], strlen(parts[i]));
	FUZZ_CHECK(out->authorization == out->added[k - 1].value && !strcmp(out->authorization, auth_want.p),
		   "Authorization %s\nwant %s", out->authorization, auth_want.p);
	free(auth_want.p);
	free(signed_list.p);

	/* String to sign and signature, recomputed. */
	unsigned char md[32];
	char md_hex[65];
	SHA256((const unsigned char *)creq, out->canonical_request_len, md);
	hex(md, 32, md_hex);
	struct text sts = { 0 };
	const char *sparts[] = { "AWS4-HMAC-SHA256\n", amz, "\n", date8, "/", p->region, "/", p->service,
				 "/aws4_request\n", md_hex };
	for (size_t i = 0; i < sizeof(sparts) / sizeof(sparts[0]); i++)
		put(&sts, sparts[i], strlen(sparts[i]));
	FUZZ_CHECK(out->string_to_sign_len == sts.len && !memcmp(out->string_to_sign, sts.p, sts.len),
		   "string to sign:\n%.*s\nwant:\n%s", (int)out->string_to_sign_len, out->string_to_sign, sts.p);
	char k0[4 + CF_SIGV4_SECRET_MAX + 1];
	snprintf(k0, sizeof(k0), "AWS4%s", p->creds.secret_access_key);
	unsigned char a[32], b[32];
	hmac(k0, strlen(k0), date8, 8, a);
	hmac(a, 32, p->region, strlen(p->region), b);
	hmac(b, 32, p->service, strlen(p->service), a);
	hmac(a, 32, "aws4_request", 12, b);
	hmac(b, 32, sts.p, sts.len, a);
	char sig[65];
	hex(a, 32, sig);
	FUZZ_CHECK(!strcmp(sig, out->signature), "signature %s, want %s", out->signature, sig);
	free(sts.p);

	/* The payload hash line. */
	const char *hash = lines[5 + nh];
	if (p->add_content_sha256 || !has_sha) {
		unsigned char body_md[32];
		char body_hex[65];
		SHA256((const unsigned char *)(req->body ? req->body : ""), req->body_len, body_md);
		hex(body_md, 32, body_hex);
		FUZZ_CHECK(lens[5 + nh] == 64 && !memcmp(hash, body_hex, 64), "payload hash %.*s", (int)lens[5 + nh], hash);
	}
	(void)flags;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in;
	read_input(&in, data, size);
	const char *url = field(&in, 0, "https://example.amazonaws.com/");
	const char *method = field(&in, 1, "GET");
	const char *body = field(&in, 2, "");
	const char *time_text = field(&in, 8, "1440938160");
	char *end;
	long long time_s = strtoll(time_text, &end, 10);
	struct cf_sigv4_key_cache cache = { 0 };
	struct cf_sigv4_params p = {
		.creds = { field(&in, 5, "AKIDEXAMPLE"), field(&in, 6, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
			   in.count > 7 ? in.fields[7] : NULL },
		.region = field(&in, 3, "us-east-1"),
		.service = field(&in, 4, "service"),
		.time_s = (int64_t)time_s,
		.add_content_sha256 = in.flags & 1,
		.omit_session_token = in.flags & 2,
		.keep_dot_segments = in.flags & 4,
		.single_encode_path = in.flags & 8,
		.key_cache = in.flags & 16 ? &cache : NULL,
	};
	struct cf_http_header headers[MAX_HEADERS];
	size_t nh = 0;
	for (size_t i = 9; i < in.count && nh < MAX_HEADERS; i += 2)
		headers[nh++] = (struct cf_http_header){ in.fields[i], i + 1 < in.count ? in.fields[i + 1] : "" };
	struct cf_http_request req = { .method = method, .url = url, .headers = headers, .header_count = nh,
				       .body = body, .body_len = strlen(body) };

	struct cf_sigv4_result out;
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_status st = cf_sigv4_sign(&req, &p, &out, &err);
	FUZZ_CHECK(st == CF_OK || st == CF_ERR_INVALID_ARG || st == CF_ERR_HEADER, "status %d (%s)", st, err.message);
	bool unsafe = strpbrk(p.creds.access_key_id, "\r\n") || (p.creds.session_token && strpbrk(p.creds.session_token, "\r\n"));
	for (size_t i = 0; i < nh; i++)
		unsafe |= !is_token(headers[i].name) || strpbrk(headers[i].value, "\r\n");
	for (const char *c = url; *c; c++)
		unsafe |= (unsigned char)*c < ' ' || *c == 0x7F;
	if (unsafe)
		FUZZ_CHECK(st != CF_OK, "unsafe input signed");
	if (st != CF_OK) {
		FUZZ_CHECK(out.headers == NULL && out.canonical_request == NULL && out.header_count == 0,
			   "failure leaves a result");
		FUZZ_CHECK(err.code == st && err.message[0], "error detail");
		goto out;
	}
	check_result(&req, &p, in.flags, &out);

	/* Again, through the cache when there is one: the same bytes. */
	struct cf_sigv4_result again;
	FUZZ_CHECK(cf_sigv4_sign(&req, &p, &again, &err) == CF_OK, "second signature failed: %s", err.message);
	FUZZ_CHECK(!strcmp(again.signature, out.signature) && !strcmp(again.canonical_request, out.canonical_request),
		   "signing twice differs");
	cf_sigv4_result_clean_up(&again);
	cf_sigv4_result_clean_up(&out);
out:
	cf_sigv4_key_cache_clean_up(&cache);
	free(in.copy);
	return 0;
}
