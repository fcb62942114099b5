/* The AWS client: configuration, retry quota and trace id shared by its calls. */
#include <string.h>

#include "alloc_internal.h"
#include "arena.h"
#include "aws_internal.h"
#include "json.h"

static void fill_retry_defaults(struct cf_retry_policy *r)
{
	if (!r->max_attempts)
		r->max_attempts = 3;
	if (!r->base_delay_ms)
		r->base_delay_ms = 100;
	if (!r->max_backoff_ms)
		r->max_backoff_ms = 20000;
	if (!r->quota_capacity)
		r->quota_capacity = 500;
	if (!r->retry_cost)
		r->retry_cost = 5;
	if (!r->timeout_retry_cost)
		r->timeout_retry_cost = 10;
}

CF_API enum cf_status cf_aws_client_new(const struct cf_aws_client_options *opt, struct cf_aws_client **out,
					struct cf_error *err)
{
	if (!out)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL output pointer");
	*out = NULL;
	if (!opt || !opt->config || !opt->transport.methods || !opt->transport.methods->send)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "client needs a config and a transport");
	if (opt->attempt_timeout_ms < 0 || opt->safety_margin_ms < 0)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "negative attempt timeout or safety margin");
	struct cf_aws_client *c = cf_mem_calloc(1, sizeof(*c));
	if (!c)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	c->config = opt->config;
	c->transport = opt->transport;
	c->clock = opt->clock;
	c->retry = opt->retry;
	fill_retry_defaults(&c->retry);
	c->safety_margin_ms = opt->safety_margin_ms ? opt->safety_margin_ms : 500;
	c->attempt_timeout_ms = opt->attempt_timeout_ms ? opt->attempt_timeout_ms : CF_AWS_DEFAULT_ATTEMPT_TIMEOUT_MS;
	c->tokens = c->retry.quota_capacity;
	*out = c;
	return CF_OK;
}

CF_API void cf_aws_client_destroy(struct cf_aws_client *client)
{
	if (!client)
		return;
	cf_sigv4_key_cache_clean_up(&client->key_cache);
	cf_mem_free(client->trace_id);
	cf_mem_free(client);
}

CF_API enum cf_status cf_aws_client_set_trace_id(struct cf_aws_client *client, const char *trace_id)
{
	if (!client)
		return CF_ERR_INVALID_ARG;
	cf_mem_free(client->trace_id);
	client->trace_id = NULL;
	if (!trace_id || !*trace_id)
		return CF_OK;
	if (!cf_http_header_value_is_safe(trace_id))
		return CF_ERR_HEADER;
	size_t n = strlen(trace_id);
	if (!(client->trace_id = cf_mem_alloc(n + 1)))
		return CF_ERR_NOMEM;
	memcpy(client->trace_id, trace_id, n + 1);
	return CF_OK;
}

CF_API unsigned cf_aws_client_retry_tokens(const struct cf_aws_client *client) { return client ? client->tokens : 0; }

bool cf_retry_take_tokens(struct cf_aws_client *client, bool after_timeout)
{
	unsigned cost = after_timeout ? client->retry.timeout_retry_cost : client->retry.retry_cost;
	if (client->tokens < cost)
		return false;
	client->tokens -= cost;
	return true;
}

void cf_retry_refund(struct cf_aws_client *client)
{
	if (client->tokens < client->retry.quota_capacity)
		client->tokens++;
}

int64_t cf_retry_delay_ms(const struct cf_aws_client *client, unsigned retry)
{
	int64_t cap = client->retry.base_delay_ms;
	for (unsigned i = 1; i < retry && cap < client->retry.max_backoff_ms; i++)
		cap *= 2;
	if (cap > client->retry.max_backoff_ms)
		cap = client->retry.max_backoff_ms;
	return (int64_t)(cf_clock_random_unit(client->clock) * (double)cap);
}

int64_t cf_aws_effective_deadline(const struct cf_aws_client *client, int64_t deadline_ms)
{
	return deadline_ms ? deadline_ms - client->safety_margin_ms : 0;
}

void cf_copy_text(char *dst, size_t cap, const char *src, size_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = c < 0x20 || c == 0x7F ? '?' : (char)c;
	}
	dst[n] = '\0';
}

/* The string member `key` of `obj`, or NULL. */
static const struct cf_json *string_member(const struct cf_json *obj, const char *key)
{
	const struct cf_json *v = cf_json_get(obj, key);
	return v && v->type == CF_JSON_STRING ? v : NULL;
}

void cf_aws_parse_error_body(const char *body, size_t len, struct cf_aws_result *res)
{
	res->error_type[0] = res->error_message[0] = '\0';
	if (!body || !len || len > CF_AWS_MAX_ERROR_BODY)
		return;
	struct cf_arena arena = { 0 };
	const struct cf_json *root, *v;
	struct cf_error err;
	if (cf_json_parse(&arena, body, len, &root, &err) != CF_OK)
		goto out;
	if ((v = string_member(root, "__type"))) {
		struct cf_str type = v->u.text; /* "namespace#Name": the name */
		for (size_t i = type.len; i > 0; i--)
			if (type.ptr[i - 1] == '#') {
				type = (struct cf_str){ type.ptr + i, type.len - i };
				break;
			}
		cf_copy_text(res->error_type, sizeof(res->error_type), type.ptr, type.len);
	}
	if ((v = string_member(root, "message")) || (v = string_member(root, "Message")))
		cf_copy_text(res->error_message, sizeof(res->error_message), v->u.text.ptr, v->u.text.len);
out:
	cf_arena_clean_up(&arena);
}

CF_API void cf_aws_result_clean_up(struct cf_aws_result *res)
{
	if (!res)
		return;
	cf_mem_free(res->body);
	memset(res, 0, sizeof(*res));
}
