/*
 * The production transport: one curl multi handle (owner of the connection cache), a pool of easy
 * handles reused call after call, and a share handle for TLS sessions. send() is a batch of one.
 */
#include <curl/curl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cartflow/curl_transport.h"
#include "curl_transport_internal.h"
#include "model/alloc_internal.h"
#include "model/buf.h"
#include "transport_internal.h"

/* Total bytes of response header lines accepted per request. */
#define MAX_RESPONSE_HEADER_BYTES (64 * 1024)
/* Per-transfer curl buffers, see slot_prepare (curl's minimum for the send buffer is 16 KiB). */
#define RECV_BUFFER_BYTES 4096L
#define TLS_SEND_BUFFER_BYTES (16L * 1024)

static const char *const ca_bundle_candidates[] = {
	"/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu */
	"/etc/pki/tls/certs/ca-bundle.crt",   /* Amazon Linux 2023, Fedora */
};

/* One connection slot: an easy handle and what one transfer on it needs. */
struct slot {
	CURL *easy;
	struct curl_slist *headers;
	struct cf_buf body;
	struct cf_http_response *resp; /* borrowed from the caller while busy */
	const struct cf_http_request *req;
	size_t index;                  /* request index in the running batch */
	size_t max_body;
	size_t header_bytes;
	bool busy;
	bool body_too_large;
	bool headers_too_large;
	bool nomem;
	char errbuf[CURL_ERROR_SIZE];
};

struct curl_transport {
	CURLM *multi;
	CURLSH *share;
	struct slot *slots;
	size_t slot_count;
	long connect_timeout_ms;
	size_t max_response_bytes;
	char *ca_file; /* NULL = curl's built-in default */
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init_once(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct slot *s = user;
	size_t n = size * nmemb;
	if (n > s->max_body - s->body.len) {
		s->body_too_large = true;
		return 0;
	}
	if (s->body.cap == 0) {
		/* First chunk: size the buffer from Content-Length when the server sent one. */
		curl_off_t cl = -1;
		if (curl_easy_getinfo(s->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK && cl > 0 &&
		    (uint64_t)cl <= s->max_body)
			cf_buf_reserve(&s->body, (size_t)cl);
	}
	cf_buf_append(&s->body, ptr, n);
	if (s->body.failed) {
		s->nomem = true;
		return 0;
	}
	return n;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static size_t header_cb(char *line, size_t size, size_t nitems, void *user)
{
	struct slot *s = user;
	size_t n = size * nitems;
	s->header_bytes += n;
	if (s->header_bytes > MAX_RESPONSE_HEADER_BYTES) {
		s->headers_too_large = true;
		return 0;
	}
	size_t len = n;
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		/* A status line: any headers so far belonged to an interim (1xx) response. */
		cf_http_response_clear_headers(s->resp);
		return n;
	}
	if (len == 0 || is_ows(line[0]))
		return n; /* end of a header block, or obsolete line folding (ignored) */
	const char *colon = memchr(line, ':', len);
	if (!colon)
		return n;
	size_t name_len = (size_t)(colon - line);
	const char *value = colon + 1;
	const char *end = line + len;
	while (value < end && is_ows(*value))
		value++;
	while (end > value && is_ows(end[-1]))
		end--;
	if (cf_http_response_add_header_n(s->resp, line, name_len, value, (size_t)(end - value)) != CF_OK) {
		s->nomem = true;
		return 0;
	}
	return n;
}

/* Forget the last transfer's state; the easy handle (and its connection) stays. */
static void slot_release(struct slot *s)
{
	curl_slist_free_all(s->headers);
	s->headers = NULL;
	cf_buf_clean_up(&s->body);
	s->resp = NULL;
	s->req = NULL;
	s->busy = false;
}

/* The request headers as a curl list, plus blanks that stop curl adding Accept, Expect, Content-Type. */
static enum cf_status build_header_list(struct slot *s, const struct cf_http_request *req, struct cf_error *err)
{
	enum cf_status st = CF_OK;
	struct cf_buf line = { 0 };
	bool has_content_type = false, has_accept = false, has_expect = false;

	for (size_t i = 0; i < req->header_count; i++) {
		const struct cf_http_header *h = &req->headers[i];
		has_content_type |= strcasecmp(h->name, "Content-Type") == 0;
		has_accept |= strcasecmp(h->name, "Accept") == 0;
		has_expect |= strcasecmp(h->name, "Expect") == 0;
		line.len = 0;
		cf_buf_puts(&line, h->name);
		/* curl drops "Name:" as a removal; "Name;" is how it sends an empty value. */
		if (*h->value) {
			cf_buf_append(&line, ": ", 2);
			cf_buf_puts(&line, h->value);
		} else {
			cf_buf_putc(&line, ';');
		}
		cf_buf_putc(&line, '\0');
		if (line.failed)
			goto out_nomem;
		struct curl_slist *grown = curl_slist_append(s->headers, line.data);
		if (!grown)
			goto out_nomem;
		s->headers = grown;
	}
	static const char *const blanks[] = { "Content-Type:", "Accept:", "Expect:" };
	const bool given[] = { has_content_type, has_accept, has_expect };
	for (size_t i = 0; i < sizeof(blanks) / sizeof(blanks[0]); i++) {
		if (given[i])
			continue;
		struct curl_slist *grown = curl_slist_append(s->headers, blanks[i]);
		if (!grown)
			goto out_nomem;
		s->headers = grown;
	}
	goto out_free_line;

out_nomem:
	st = cf_error_set(err, CF_ERR_NOMEM, "%s %.*s: out of memory building request headers", req->method,
			  cf_url_len_for_message(req->url), req->url);
out_free_line:
	cf_buf_clean_up(&line);
	return st;
}

static bool method_is(const struct cf_http_request *req, const char *m)
{
	return strcmp(req->method, m) == 0;
}

#define SETOPT(opt, val)                                               \
	do {                                                           \
		if (rc == CURLE_OK)                                    \
			rc = curl_easy_setopt(s->easy, opt, val);      \
	} while (0)

/* Make `s` ready to perform `req` into `resp`. On failure the slot is released and `err` filled. */
static enum cf_status slot_prepare(struct curl_transport *ct, struct slot *s, const struct cf_http_request *req,
				   struct cf_http_response *resp, struct cf_error *err)
{
	enum cf_status st;
	if (!s->easy) {
		s->easy = curl_easy_init();
		if (!s->easy)
			return cf_error_set(err, CF_ERR_NOMEM, "curl_easy_init failed");
	} else {
		/* Resets options only; the connection cache lives in the multi handle. */
		curl_easy_reset(s->easy);
	}
	s->resp = resp;
	s->req = req;
	s->max_body = ct->max_response_bytes;
	s->header_bytes = 0;
	s->body_too_large = false;
	s->headers_too_large = false;
	s->nomem = false;
	s->errbuf[0] = '\0';

	st = build_header_list(s, req, err);
	if (st != CF_OK)
		goto out_release;

	long timeout_ms = req->timeout_ms > LONG_MAX ? LONG_MAX : (long)req->timeout_ms;
	CURLcode rc = CURLE_OK;
	SETOPT(CURLOPT_URL, req->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SETOPT(CURLOPT_HTTPHEADER, s->headers);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_TCP_NODELAY, 1L);
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, ct->connect_timeout_ms);
	SETOPT(CURLOPT_TIMEOUT_MS, timeout_ms);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	if (ct->ca_file)
		SETOPT(CURLOPT_CAINFO, ct->ca_file);
	SETOPT(CURLOPT_SHARE, ct->share);
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)ct->max_response_bytes);
	/*
	 * AWS answers us in a few hundred bytes (SendMessageBatch: under 2 KiB); curl's default 16 KiB
	 * receive buffer and 64 KiB TLS send buffer, allocated per transfer, spread the heap over
	 * pages a cold start then faults in. Smaller ones only mean more reads for a large answer.
	 * Not SETOPT: curl refuses a new size while a buffer is allocated, and this is only a hint.
	 */
	(void)curl_easy_setopt(s->easy, CURLOPT_BUFFERSIZE, RECV_BUFFER_BYTES);
	(void)curl_easy_setopt(s->easy, CURLOPT_UPLOAD_BUFFERSIZE, TLS_SEND_BUFFER_BYTES);
	SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(CURLOPT_WRITEDATA, (void *)s);
	SETOPT(CURLOPT_HEADERFUNCTION, header_cb);
	SETOPT(CURLOPT_HEADERDATA, (void *)s);
	SETOPT(CURLOPT_ERRORBUFFER, s->errbuf);
	SETOPT(CURLOPT_PRIVATE, (void *)s);

	if (method_is(req, "HEAD")) {
		SETOPT(CURLOPT_NOBODY, 1L);
	} else if (req->body_len || method_is(req, "POST") || method_is(req, "PUT") || method_is(req, "PATCH")) {
		/* POSTFIELDS is borrowed by curl; the request outlives the transfer. */
		SETOPT(CURLOPT_POST, 1L);
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		SETOPT(CURLOPT_POSTFIELDS, req->body_len ? req->body : "");
		if (!method_is(req, "POST"))
			SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
	} else {
		SETOPT(CURLOPT_HTTPGET, 1L);
		if (!method_is(req, "GET"))
			SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
	}
	if (rc != CURLE_OK) {
		st = cf_error_set(err, rc == CURLE_OUT_OF_MEMORY ? CF_ERR_NOMEM : CF_ERR_TRANSPORT,
				  "%s %.*s: curl_easy_setopt: %s", req->method, cf_url_len_for_message(req->url), req->url,
				  curl_easy_strerror(rc));
		goto out_release;
	}
	return CF_OK;

out_release:
	slot_release(s);
	return st;
}

#undef SETOPT

/* Turn a finished transfer into the caller's response or error, then free the slot. */
static enum cf_status slot_finish(struct curl_transport *ct, struct slot *s, CURLcode rc, struct cf_error *err)
{
	const struct cf_http_request *req = s->req;
	int url_len = cf_url_len_for_message(req->url);
	const char *detail = s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc);
	enum cf_status st = CF_OK;

	if (s->nomem || rc == CURLE_OUT_OF_MEMORY) {
		st = cf_error_set(err, CF_ERR_NOMEM, "%s %.*s: out of memory receiving the response", req->method,
				  url_len, req->url);
	} else if (s->body_too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		st = cf_error_set(err, CF_ERR_TOO_LARGE,
				  "%s %.*s: response body larger than max_response_bytes (%zu bytes)", req->method,
				  url_len, req->url, ct->max_response_bytes);
	} else if (s->headers_too_large) {
		st = cf_error_set(err, CF_ERR_TOO_LARGE, "%s %.*s: response headers larger than %d bytes",
				  req->method, url_len, req->url, MAX_RESPONSE_HEADER_BYTES);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		st = cf_error_set(err, CF_ERR_TIMEOUT, "%s %.*s: %s", req->method, url_len, req->url, detail);
	} else if (rc != CURLE_OK) {
		st = cf_error_set(err, CF_ERR_TRANSPORT, "%s %.*s: curl error %d: %s", req->method, url_len, req->url,
				  (int)rc, detail);
	} else {
		long code = 0;
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
		s->resp->status = code;
		if (s->body.len) {
			size_t len = 0;
			char *body = cf_buf_take(&s->body, &len);
			if (!body) {
				st = cf_error_set(err, CF_ERR_NOMEM, "%s %.*s: out of memory receiving the response",
						  req->method, url_len, req->url);
			} else {
				cf_mem_free(s->resp->body);
				s->resp->body = body;
				s->resp->body_len = len;
			}
		}
	}
	if (st != CF_OK)
		cf_http_response_clean_up(s->resp);
	else
		cf_error_clear(err);
	slot_release(s);
	return st;
}

static struct slot *free_slot(struct curl_transport *ct)
{
	for (size_t i = 0; i < ct->slot_count; i++) {
		if (!ct->slots[i].busy)
			return &ct->slots[i];
	}
	return NULL;
}

/* The multi handle itself failed: every transfer still running or not yet started gets `st`. */
static void abort_batch(struct curl_transport *ct, size_t next, size_t count, enum cf_status *statuses,
			struct cf_error *errs, enum cf_status st, const char *what, CURLMcode mc)
{
	for (size_t i = 0; i < ct->slot_count; i++) {
		struct slot *s = &ct->slots[i];
		if (!s->busy)
			continue;
		curl_multi_remove_handle(ct->multi, s->easy);
		cf_http_response_clean_up(s->resp);
		statuses[s->index] = st;
		if (errs)
			cf_error_set(&errs[s->index], st, "%s: %s", what, curl_multi_strerror(mc));
		slot_release(s);
	}
	for (size_t i = next; i < count; i++) {
		statuses[i] = st;
		if (errs)
			cf_error_set(&errs[i], st, "%s: %s", what, curl_multi_strerror(mc));
	}
}

static enum cf_status multi_status(CURLMcode mc)
{
	return mc == CURLM_OUT_OF_MEMORY ? CF_ERR_NOMEM : CF_ERR_TRANSPORT;
}

static void run_batch(struct curl_transport *ct, const struct cf_http_request *reqs, size_t count,
		      size_t max_in_flight, struct cf_http_response *resps, enum cf_status *statuses,
		      struct cf_error *errs)
{
	size_t limit = max_in_flight < ct->slot_count ? max_in_flight : ct->slot_count;
	size_t next = 0, active = 0;

	for (;;) {
		while (active < limit && next < count) {
			size_t i = next++;
			struct cf_error *e = errs ? &errs[i] : NULL;
			struct slot *s = free_slot(ct);
			enum cf_status st = cf_http_request_check(&reqs[i], e);
			if (st == CF_OK)
				st = slot_prepare(ct, s, &reqs[i], &resps[i], e);
			if (st == CF_OK) {
				CURLMcode mc = curl_multi_add_handle(ct->multi, s->easy);
				if (mc != CURLM_OK) {
					st = cf_error_set(e, multi_status(mc), "curl_multi_add_handle: %s",
							  curl_multi_strerror(mc));
					slot_release(s);
				}
			}
			statuses[i] = st;
			if (st != CF_OK)
				continue;
			s->busy = true;
			s->index = i;
			active++;
		}
		if (active == 0)
			return;

		int running = 0;
		CURLMcode mc = curl_multi_perform(ct->multi, &running);
		if (mc != CURLM_OK) {
			abort_batch(ct, next, count, statuses, errs, multi_status(mc), "curl_multi_perform", mc);
			return;
		}
		size_t finished = 0;
		CURLMsg *msg;
		int left = 0;
		while ((msg = curl_multi_info_read(ct->multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			CURL *easy = msg->easy_handle;
			CURLcode rc = msg->data.result;
			char *priv = NULL;
			curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
			struct slot *s = (struct slot *)(void *)priv;
			curl_multi_remove_handle(ct->multi, easy);
			statuses[s->index] = slot_finish(ct, s, rc, errs ? &errs[s->index] : NULL);
			active--;
			finished++;
		}
		if (active == 0 || (finished && next < count))
			continue;
		mc = curl_multi_poll(ct->multi, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK) {
			abort_batch(ct, next, count, statuses, errs, multi_status(mc), "curl_multi_poll", mc);
			return;
		}
	}
}

static enum cf_status start(struct curl_transport *ct, struct cf_error *err);

static enum cf_status curl_send(void *data, const struct cf_http_request *req, struct cf_http_response *resp,
				struct cf_error *err)
{
	if (!data || !req || !resp)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "curl transport: send needs a request and a response");
	enum cf_status st = start(data, err);
	if (st)
		return st;
	run_batch(data, req, 1, 1, resp, &st, err);
	return st;
}

static enum cf_status curl_send_many(void *data, const struct cf_http_request *reqs, size_t count,
				     size_t max_in_flight, struct cf_http_response *resps, enum cf_status *statuses,
				     struct cf_error *errs)
{
	enum cf_status st = cf_transport_check_batch(data, reqs, count, max_in_flight, resps, statuses, errs,
						    "curl transport: send_many");
	if (st || count == 0)
		return st;
	struct cf_error start_err;
	if ((st = start(data, &start_err)) != CF_OK) {
		cf_transport_fail_all(count, statuses, errs, st, start_err.message);
		return st;
	}
	run_batch(data, reqs, count, max_in_flight, resps, statuses, errs);
	return CF_OK;
}

static void curl_destroy(void *data)
{
	struct curl_transport *ct = data;
	if (!ct)
		return;
	for (size_t i = 0; i < ct->slot_count; i++) {
		struct slot *s = &ct->slots[i];
		if (s->busy)
			curl_multi_remove_handle(ct->multi, s->easy);
		slot_release(s);
		if (s->easy)
			curl_easy_cleanup(s->easy);
	}
	if (ct->multi)
		curl_multi_cleanup(ct->multi);
	if (ct->share)
		curl_share_cleanup(ct->share);
	cf_mem_free(ct->slots);
	cf_mem_free(ct->ca_file);
	cf_mem_free(ct);
}

static const struct cf_transport_methods curl_methods = {
	.version = CF_TRANSPORT_VERSION_1,
	.send = curl_send,
	.send_many = curl_send_many,
	.destroy = curl_destroy,
};

static char *copy_string(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = cf_mem_alloc(n);
	if (copy)
		memcpy(copy, s, n);
	return copy;
}

/* Decide the CA bundle once: explicit option, SSL_CERT_FILE, distribution bundles, curl's default. */
static enum cf_status pick_ca_file(const char *explicit_path, char **out, struct cf_error *err)
{
	*out = NULL;
	const char *path = explicit_path;
	const char *source = "ca_file";
	if (!path) {
		const char *env = getenv("SSL_CERT_FILE");
		if (env && *env) {
			path = env;
			source = "SSL_CERT_FILE";
		}
	}
	if (path) {
		if (access(path, R_OK) != 0)
			return cf_error_set(err, CF_ERR_CONFIG, "%s=%.200s: CA bundle not readable", source, path);
	} else {
		for (size_t i = 0; i < sizeof(ca_bundle_candidates) / sizeof(ca_bundle_candidates[0]); i++) {
			if (access(ca_bundle_candidates[i], R_OK) == 0) {
				path = ca_bundle_candidates[i];
				break;
			}
		}
		if (!path)
			return CF_OK;
	}
	*out = copy_string(path);
	if (!*out)
		return cf_error_set(err, CF_ERR_NOMEM, "curl transport: out of memory");
	return CF_OK;
}

CF_API enum cf_status cf_curl_transport_new(const struct cf_curl_transport_options *opt, struct cf_transport *out,
					    struct cf_error *err)
{
	if (!out)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "cf_curl_transport_new: out is NULL");
	*out = (struct cf_transport){ 0 };
	struct cf_curl_transport_options o = opt ? *opt : (struct cf_curl_transport_options){ 0 };
	if (o.connect_timeout_ms < 0 || o.connect_timeout_ms > LONG_MAX)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "cf_curl_transport_new: connect_timeout_ms out of range");
	if (o.max_connections > CF_CURL_MAX_CONNECTIONS_LIMIT)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "cf_curl_transport_new: max_connections over %d",
				    CF_CURL_MAX_CONNECTIONS_LIMIT);
	if (!o.max_connections)
		o.max_connections = CF_CURL_DEFAULT_MAX_CONNECTIONS;
	if (!o.connect_timeout_ms)
		o.connect_timeout_ms = CF_CURL_DEFAULT_CONNECT_TIMEOUT_MS;
	if (!o.max_response_bytes)
		o.max_response_bytes = CF_CURL_DEFAULT_MAX_RESPONSE_BYTES;

	enum cf_status st = CF_ERR_NOMEM;
	struct curl_transport *ct = cf_mem_calloc(1, sizeof(*ct));
	if (!ct)
		goto out_nomem;
	ct->slots = cf_mem_calloc(o.max_connections, sizeof(*ct->slots));
	if (!ct->slots)
		goto out_nomem;
	ct->slot_count = o.max_connections;
	ct->connect_timeout_ms = (long)o.connect_timeout_ms;
	ct->max_response_bytes = o.max_response_bytes;

	st = pick_ca_file(o.ca_file, &ct->ca_file, err);
	if (st == CF_OK && !o.defer_start)
		st = start(ct, err);
	if (st != CF_OK)
		goto out_destroy;
	out->methods = &curl_methods;
	out->data = ct;
	return CF_OK;

out_nomem:
	st = cf_error_set(err, CF_ERR_NOMEM, "cf_curl_transport_new: out of memory");
out_destroy:
	curl_destroy(ct);
	return st;
}

/*
 * libcurl itself: the process-wide init once, then this transport's multi and share handles. Started
 * when both exist: they are kept only once fully set up.
 */
static enum cf_status start(struct curl_transport *ct, struct cf_error *err)
{
	if (ct->multi)
		return CF_OK;
	pthread_once(&global_once, global_init_once);
	if (global_rc != CURLE_OK)
		return cf_error_set(err, CF_ERR_TRANSPORT, "curl_global_init: %s", curl_easy_strerror(global_rc));
	CURLM *multi = curl_multi_init();
	CURLSH *share = curl_share_init();
	if (!multi || !share || curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)ct->slot_count) != CURLM_OK ||
	    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)ct->slot_count) != CURLM_OK ||
	    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
		if (multi)
			curl_multi_cleanup(multi);
		if (share)
			curl_share_cleanup(share);
		return cf_error_set(err, CF_ERR_NOMEM, "curl transport: out of memory starting libcurl");
	}
	ct->multi = multi;
	ct->share = share;
	return CF_OK;
}

CF_API enum cf_status cf_curl_transport_start(const struct cf_transport *t, struct cf_error *err)
{
	if (!t || t->methods != &curl_methods || !t->data)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "cf_curl_transport_start: not a curl transport");
	return start(t->data, err);
}

const char *cf_curl_transport_ca_file(const struct cf_transport *t)
{
	if (!t || t->methods != &curl_methods || !t->data)
		return NULL;
	return ((const struct curl_transport *)t->data)->ca_file;
}
