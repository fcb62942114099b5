/* The Lambda Runtime API client over the transport vtable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_internal.h"
#include "buf.h"
#include "cartflow/runtime.h"

struct cf_runtime {
	char *base;   /* "http://host:port/2018-06-01/runtime" */
	struct cf_transport transport;
	const struct cf_clock *clock;
	unsigned next_attempts;
};

static char *dup_or_null(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *p = cf_mem_alloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

CF_API void cf_invocation_clean_up(struct cf_invocation *inv)
{
	if (!inv)
		return;
	cf_mem_free(inv->request_id);
	cf_mem_free(inv->function_arn);
	cf_mem_free(inv->trace_id);
	cf_mem_free(inv->client_context);
	cf_mem_free(inv->cognito_identity);
	cf_mem_free(inv->tenant_id);
	cf_mem_free(inv->event);
	memset(inv, 0, sizeof(*inv));
}

CF_API enum cf_status cf_runtime_new(const struct cf_runtime_options *opt, struct cf_runtime **out,
				     struct cf_error *err)
{
	if (!out)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL output pointer");
	*out = NULL;
	if (!opt || !opt->transport.methods)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "runtime needs a transport");
	if (!opt->api || !*opt->api || strlen(opt->api) > 200 || strpbrk(opt->api, "/?# \r\n\t"))
		return cf_error_set(err, CF_ERR_CONFIG, "AWS_LAMBDA_RUNTIME_API: expected host:port");
	struct cf_runtime *rt = cf_mem_calloc(1, sizeof(*rt));
	size_t n = strlen(opt->api) + sizeof("http:///2018-06-01/runtime");
	if (!rt || !(rt->base = cf_mem_alloc(n))) {
		cf_mem_free(rt);
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	}
	snprintf(rt->base, n, "http://%s/2018-06-01/runtime", opt->api);
	rt->transport = opt->transport;
	rt->clock = opt->clock;
	rt->next_attempts = opt->next_attempts ? opt->next_attempts : 5;
	*out = rt;
	return CF_OK;
}

CF_API void cf_runtime_destroy(struct cf_runtime *rt)
{
	if (!rt)
		return;
	cf_mem_free(rt->base);
	cf_mem_free(rt);
}

/* base + suffix, or NULL. Request ids are checked to be URL-safe before they get here. */
static char *url_for(const struct cf_runtime *rt, const char *a, const char *b, const char *c)
{
	struct cf_buf buf = { 0 };
	cf_buf_puts(&buf, rt->base);
	cf_buf_puts(&buf, a);
	if (b)
		cf_buf_puts(&buf, b);
	if (c)
		cf_buf_puts(&buf, c);
	return cf_buf_take(&buf, NULL);
}

static bool request_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 100)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9') ||
		      id[i] == '-' || id[i] == '_' || id[i] == '.'))
			return false;
	return true;
}

static enum cf_status read_invocation(struct cf_http_response *resp, struct cf_invocation *inv, struct cf_error *err)
{
	const char *id = cf_http_response_header(resp, "Lambda-Runtime-Aws-Request-Id");
	if (!id || !request_id_ok(id))
		return cf_error_set(err, CF_ERR_MISSING, "/next: %s Lambda-Runtime-Aws-Request-Id header",
				    id ? "malformed" : "missing");
	const char *deadline = cf_http_response_header(resp, "Lambda-Runtime-Deadline-Ms");
	char *end = NULL;
	inv->deadline_ms = deadline ? strtoll(deadline, &end, 10) : 0;
	if (deadline && (end == deadline || *end))
		inv->deadline_ms = 0;
	static const struct {
		const char *header;
		size_t offset;
	} optional[] = {
		{ "Lambda-Runtime-Invoked-Function-Arn", offsetof(struct cf_invocation, function_arn) },
		{ "Lambda-Runtime-Trace-Id", offsetof(struct cf_invocation, trace_id) },
		{ "Lambda-Runtime-Client-Context", offsetof(struct cf_invocation, client_context) },
		{ "Lambda-Runtime-Cognito-Identity", offsetof(struct cf_invocation, cognito_identity) },
		{ "Lambda-Runtime-Aws-Tenant-Id", offsetof(struct cf_invocation, tenant_id) },
	};
	if (!(inv->request_id = dup_or_null(id)))
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
		const char *v = cf_http_response_header(resp, optional[i].header);
		char **slot = (char **)((char *)inv + optional[i].offset);
		if (v && !(*slot = dup_or_null(v)))
			return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	}
	inv->event = resp->body;
	inv->event_len = resp->body_len;
	resp->body = NULL;
	resp->body_len = 0;
	if (!inv->event && !(inv->event = dup_or_null("")))
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	return CF_OK;
}

CF_API enum cf_status cf_runtime_next(struct cf_runtime *rt, struct cf_invocation *inv, struct cf_error *err)
{
	if (!rt || !inv)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL argument");
	memset(inv, 0, sizeof(*inv));
	char *url = url_for(rt, "/invocation/next", NULL, NULL);
	if (!url)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	struct cf_http_request req = { .method = "GET", .url = url };
	struct cf_http_response resp = { 0 };
	enum cf_status st = CF_ERR_TRANSPORT;
	for (unsigned attempt = 1; attempt <= rt->next_attempts; attempt++) {
		st = cf_transport_send(&rt->transport, &req, &resp, err);
		if (st != CF_ERR_TRANSPORT && st != CF_ERR_TIMEOUT)
			break;
		if (attempt < rt->next_attempts)
			cf_clock_sleep_ms(rt->clock, 50LL << (attempt - 1));
	}
	cf_mem_free(url);
	if (st)
		goto out;
	if (resp.status != 200) {
		st = cf_error_set(err, CF_ERR_HTTP, "/next answered HTTP %ld", resp.status);
		goto out;
	}
	st = read_invocation(&resp, inv, err);
	if (st)
		cf_invocation_clean_up(inv);
out:
	cf_http_response_clean_up(&resp);
	return st;
}

/* POST to `url` and map the Runtime API's answer. */
static enum cf_status post(struct cf_runtime *rt, char *url, const struct cf_http_header *headers, size_t n,
			   const char *body, size_t len, struct cf_error *err)
{
	if (!url)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	struct cf_http_request req = { .method = "POST", .url = url, .headers = headers, .header_count = n,
				       .body = body, .body_len = len };
	struct cf_http_response resp = { 0 };
	enum cf_status st = cf_transport_send(&rt->transport, &req, &resp, err);
	if (!st && resp.status == 413)
		st = cf_error_set(err, CF_ERR_TOO_LARGE, "Runtime API refused the payload as too large (413)");
	else if (!st && resp.status >= 400 && resp.status < 500)
		st = cf_error_set(err, CF_ERR_INVALID_ARG, "Runtime API rejected the post (HTTP %ld)", resp.status);
	else if (!st && (resp.status < 200 || resp.status >= 300))
		st = cf_error_set(err, CF_ERR_HTTP, "Runtime API answered HTTP %ld", resp.status);
	cf_http_response_clean_up(&resp);
	cf_mem_free(url);
	return st;
}

CF_API enum cf_status cf_runtime_respond(struct cf_runtime *rt, const char *request_id, const char *body, size_t len,
					 struct cf_error *err)
{
	if (!rt || !request_id || !request_id_ok(request_id))
		return cf_error_set(err, CF_ERR_INVALID_ARG, "bad request id");
	if (len > CF_RUNTIME_MAX_RESPONSE)
		return cf_error_set(err, CF_ERR_TOO_LARGE, "response of %zu bytes exceeds Lambda's 6 MB limit", len);
	static const struct cf_http_header json[] = { { "Content-Type", "application/json" } };
	return post(rt, url_for(rt, "/invocation/", request_id, "/response"), json, 1, body, len, err);
}

CF_API enum cf_status cf_runtime_error_document(const char *error_type, const char *message, char **out,
						size_t *out_len)
{
	if (!error_type || !message || !out)
		return CF_ERR_INVALID_ARG;
	struct cf_buf b = { 0 };
	cf_buf_puts(&b, "{\"errorMessage\":");
	cf_buf_json_string(&b, message, strlen(message));
	cf_buf_puts(&b, ",\"errorType\":");
	cf_buf_json_string(&b, error_type, strlen(error_type));
	cf_buf_puts(&b, ",\"stackTrace\":[]}");
	*out = cf_buf_take(&b, out_len);
	return *out ? CF_OK : CF_ERR_NOMEM;
}

static enum cf_status post_error(struct cf_runtime *rt, char *url, const char *error_type, const char *message,
				 struct cf_error *err)
{
	char *doc;
	size_t len;
	if (!cf_http_header_value_is_safe(error_type)) {
		cf_mem_free(url);
		return cf_error_set(err, CF_ERR_HEADER, "error type contains CR or LF");
	}
	if (cf_runtime_error_document(error_type, message, &doc, &len)) {
		cf_mem_free(url);
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	}
	const struct cf_http_header headers[] = { { "Content-Type", "application/json" },
						  { "Lambda-Runtime-Function-Error-Type", error_type } };
	enum cf_status st = post(rt, url, headers, 2, doc, len, err);
	cf_mem_free(doc);
	return st;
}

CF_API enum cf_status cf_runtime_fail(struct cf_runtime *rt, const char *request_id, const char *error_type,
				      const char *message, struct cf_error *err)
{
	if (!rt || !request_id || !request_id_ok(request_id) || !error_type || !message)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "bad argument");
	return post_error(rt, url_for(rt, "/invocation/", request_id, "/error"), error_type, message, err);
}

CF_API enum cf_status cf_runtime_init_error(struct cf_runtime *rt, const char *error_type, const char *message,
					    struct cf_error *err)
{
	if (!rt || !error_type || !message)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "bad argument");
	return post_error(rt, url_for(rt, "/init/error", NULL, NULL), error_type, message, err);
}
