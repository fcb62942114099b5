/* The transport front door (header checks, send_many fallback) and the response helpers. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "model/alloc_internal.h"
#include "transport_internal.h"

/*
 * Response headers: each header is one allocation "name\0value\0" whose start is `name`; the array
 * holds max(4, next power of two >= header_count) slots, so its capacity follows from the count.
 */
static bool headers_full(size_t count)
{
	return count == 0 || (count >= 4 && (count & (count - 1)) == 0);
}

void cf_http_response_clear_headers(struct cf_http_response *resp)
{
	for (size_t i = 0; i < resp->header_count; i++)
		cf_mem_free((void *)resp->headers[i].name);
	cf_mem_free(resp->headers);
	resp->headers = NULL;
	resp->header_count = 0;
}

CF_API void cf_http_response_clean_up(struct cf_http_response *resp)
{
	if (!resp)
		return;
	cf_http_response_clear_headers(resp);
	cf_mem_free(resp->body);
	*resp = (struct cf_http_response){ 0 };
}

CF_API const char *cf_http_response_header(const struct cf_http_response *resp, const char *name)
{
	if (!resp || !name)
		return NULL;
	for (size_t i = 0; i < resp->header_count; i++) {
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	}
	return NULL;
}

enum cf_status cf_http_response_add_header_n(struct cf_http_response *resp, const char *name, size_t name_len,
					     const char *value, size_t value_len)
{
	if (name_len > SIZE_MAX / 2 - 2 || value_len > SIZE_MAX / 2)
		return CF_ERR_NOMEM;
	char *block = cf_mem_alloc(name_len + value_len + 2);
	if (!block)
		return CF_ERR_NOMEM;
	if (name_len)
		memcpy(block, name, name_len);
	block[name_len] = '\0';
	if (value_len)
		memcpy(block + name_len + 1, value, value_len);
	block[name_len + 1 + value_len] = '\0';

	size_t count = resp->header_count;
	if (headers_full(count)) {
		size_t cap = count ? count * 2 : 4;
		struct cf_http_header *grown = NULL;
		if (cap <= SIZE_MAX / sizeof(*grown))
			grown = cf_mem_realloc(resp->headers, cap * sizeof(*grown));
		if (!grown) {
			cf_mem_free(block);
			return CF_ERR_NOMEM;
		}
		resp->headers = grown;
	}
	resp->headers[count] = (struct cf_http_header){ block, block + name_len + 1 };
	resp->header_count = count + 1;
	return CF_OK;
}

CF_API enum cf_status cf_http_response_add_header(struct cf_http_response *resp, const char *name,
						  const char *value)
{
	if (!resp || !name || !value)
		return CF_ERR_INVALID_ARG;
	return cf_http_response_add_header_n(resp, name, strlen(name), value, strlen(value));
}

CF_API enum cf_status cf_http_response_set_body(struct cf_http_response *resp, const char *body, size_t len)
{
	if (!resp || (!body && len))
		return CF_ERR_INVALID_ARG;
	char *copy = NULL;
	if (len) {
		if (len == SIZE_MAX)
			return CF_ERR_NOMEM;
		copy = cf_mem_alloc(len + 1);
		if (!copy)
			return CF_ERR_NOMEM;
		memcpy(copy, body, len);
		copy[len] = '\0';
	}
	cf_mem_free(resp->body);
	resp->body = copy;
	resp->body_len = len;
	return CF_OK;
}

CF_API bool cf_http_header_value_is_safe(const char *value)
{
	if (!value)
		return false;
	return value[strcspn(value, "\r\n")] == '\0';
}

/* RFC 9110 tchar. */
static bool is_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (!cf_http_is_tchar((unsigned char)*s))
			return false;
	}
	return true;
}

enum cf_status cf_http_request_check(const struct cf_http_request *req, struct cf_error *err)
{
	if (!req || !req->method || !req->url)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "request: method and url are required");
	if (!is_token(req->method))
		return cf_error_set(err, CF_ERR_INVALID_ARG, "request: method is not an HTTP token");
	if (!*req->url)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "request: url is empty");
	for (const char *p = req->url; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c == 0x7f)
			return cf_error_set(err, CF_ERR_INVALID_ARG,
					    "request: url holds a space or control byte at offset %zu",
					    (size_t)(p - req->url));
	}
	if (!req->body && req->body_len)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "request: body is NULL but body_len is %zu",
				    req->body_len);
	if (req->timeout_ms < 0)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "request: timeout_ms is negative");
	if (!req->headers && req->header_count)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "request: headers is NULL but header_count is %zu",
				    req->header_count);
	for (size_t i = 0; i < req->header_count; i++) {
		const struct cf_http_header *h = &req->headers[i];
		if (!is_token(h->name))
			return cf_error_set(err, CF_ERR_HEADER, "request header %zu: name is not an HTTP token", i);
		if (!cf_http_header_value_is_safe(h->value))
			return cf_error_set(err, CF_ERR_HEADER, "request header %zu (%.64s): value %s", i, h->name,
					    h->value ? "contains CR or LF" : "is NULL");
	}
	return CF_OK;
}

static bool transport_ok(const struct cf_transport *t)
{
	return t && t->methods && t->methods->version >= CF_TRANSPORT_VERSION_1 && t->methods->send;
}

/* One send() with the guarantees the front door gives: empty `resp` and a filled `err` on failure. */
static enum cf_status call_send(const struct cf_transport *t, const struct cf_http_request *req,
				struct cf_http_response *resp, struct cf_error *err)
{
	enum cf_status st = t->methods->send(t->data, req, resp, err);
	if (st != CF_OK) {
		cf_http_response_clean_up(resp);
		if (err && err->code != st)
			cf_error_set(err, st, "transport: %s", cf_strerror(st));
	}
	return st;
}

CF_API enum cf_status cf_transport_send(const struct cf_transport *t, const struct cf_http_request *req,
					struct cf_http_response *resp, struct cf_error *err)
{
	cf_error_clear(err);
	if (!transport_ok(t) || !resp)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "cf_transport_send: transport and response are required");
	enum cf_status st = cf_http_request_check(req, err);
	if (st != CF_OK)
		return st;
	return call_send(t, req, resp, err);
}

void cf_transport_fail_all(size_t count, enum cf_status *statuses, struct cf_error *errs, enum cf_status st,
			   const char *what)
{
	for (size_t i = 0; i < count; i++) {
		statuses[i] = st;
		if (errs)
			cf_error_set(&errs[i], st, "%s", what);
	}
}

/* Entry `i` of a batch that did not run: empty response, status `st`, a message saying so. */
static void mark_not_run(struct cf_http_response *resps, enum cf_status *statuses, struct cf_error *errs,
			 size_t i, enum cf_status st)
{
	cf_http_response_clean_up(&resps[i]);
	statuses[i] = st;
	if (errs && errs[i].code != st)
		cf_error_set(&errs[i], st, "send_many: batch not run: %s", cf_strerror(st));
}

/*
 * Hand only the requests that passed the checks to t->send_many: compact them into scratch arrays,
 * run, and move each result back to its original index.
 */
static enum cf_status send_many_subset(const struct cf_transport *t, const struct cf_http_request *reqs,
				       size_t count, size_t ok_count, size_t max_in_flight,
				       struct cf_http_response *resps, enum cf_status *statuses,
				       struct cf_error *errs)
{
	enum cf_status st = CF_ERR_NOMEM;
	size_t *index = cf_mem_calloc(ok_count, sizeof(*index));
	struct cf_http_request *sub_reqs = cf_mem_calloc(ok_count, sizeof(*sub_reqs));
	struct cf_http_response *sub_resps = cf_mem_calloc(ok_count, sizeof(*sub_resps));
	enum cf_status *sub_statuses = cf_mem_calloc(ok_count, sizeof(*sub_statuses));
	struct cf_error *sub_errs = errs ? cf_mem_calloc(ok_count, sizeof(*sub_errs)) : NULL;
	if (!index || !sub_reqs || !sub_resps || !sub_statuses || (errs && !sub_errs)) {
		for (size_t i = 0; i < count; i++) {
			if (statuses[i] == CF_OK)
				mark_not_run(resps, statuses, errs, i, st);
		}
		goto out_free;
	}

	size_t j = 0;
	for (size_t i = 0; i < count; i++) {
		if (statuses[i] != CF_OK)
			continue;
		index[j] = i;
		sub_reqs[j++] = reqs[i];
	}
	st = t->methods->send_many(t->data, sub_reqs, ok_count, max_in_flight, sub_resps, sub_statuses, sub_errs);
	for (j = 0; j < ok_count; j++) {
		size_t i = index[j];
		resps[i] = sub_resps[j];
		statuses[i] = sub_statuses[j];
		if (errs)
			errs[i] = sub_errs[j];
		if (st != CF_OK)
			mark_not_run(resps, statuses, errs, i, st);
	}
out_free:
	cf_mem_free(sub_errs);
	cf_mem_free(sub_statuses);
	cf_mem_free(sub_resps);
	cf_mem_free(sub_reqs);
	cf_mem_free(index);
	return st;
}

enum cf_status cf_transport_check_batch(const void *state, const struct cf_http_request *reqs, size_t count,
					size_t max_in_flight, const struct cf_http_response *resps,
					enum cf_status *statuses, struct cf_error *errs, const char *who)
{
	if (count == 0)
		return CF_OK;
	if (!statuses)
		return CF_ERR_INVALID_ARG;
	if (state && reqs && resps && max_in_flight > 0)
		return CF_OK;
	char why[160];
	snprintf(why, sizeof(why), "%s: needs a transport, requests, responses and max_in_flight > 0", who);
	cf_transport_fail_all(count, statuses, errs, CF_ERR_INVALID_ARG, why);
	return CF_ERR_INVALID_ARG;
}

CF_API enum cf_status cf_transport_send_many(const struct cf_transport *t, const struct cf_http_request *reqs,
					     size_t count, size_t max_in_flight, struct cf_http_response *resps,
					     enum cf_status *statuses, struct cf_error *errs)
{
	enum cf_status st = cf_transport_check_batch(transport_ok(t) ? t : NULL, reqs, count, max_in_flight, resps,
						    statuses, errs, "cf_transport_send_many");
	if (st || count == 0)
		return st;

	size_t ok_count = 0;
	for (size_t i = 0; i < count; i++) {
		struct cf_error *e = errs ? &errs[i] : NULL;
		cf_error_clear(e);
		statuses[i] = cf_http_request_check(&reqs[i], e);
		if (statuses[i] == CF_OK)
			ok_count++;
	}
	if (ok_count == 0)
		return CF_OK;

	if (t->methods->version >= CF_TRANSPORT_VERSION_1 && t->methods->send_many) {
		if (ok_count < count)
			return send_many_subset(t, reqs, count, ok_count, max_in_flight, resps, statuses, errs);
		st = t->methods->send_many(t->data, reqs, count, max_in_flight, resps, statuses, errs);
		if (st != CF_OK) {
			for (size_t i = 0; i < count; i++)
				mark_not_run(resps, statuses, errs, i, st);
		}
		return st;
	}

	for (size_t i = 0; i < count; i++) {
		if (statuses[i] == CF_OK)
			statuses[i] = call_send(t, &reqs[i], &resps[i], errs ? &errs[i] : NULL);
	}
	return CF_OK;
}

CF_API void cf_transport_destroy(struct cf_transport *t)
{
	if (!t)
		return;
	if (t->methods && t->methods->destroy)
		t->methods->destroy(t->data);
	*t = (struct cf_transport){ 0 };
}
