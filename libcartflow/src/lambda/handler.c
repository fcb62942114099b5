/* Handler construction and dispatch shared by both functions. */
#include <stdlib.h>
#include <string.h>

#include "alloc_internal.h"
#include "handler_internal.h"

static const char *read_env(const struct cf_handler_env *env, const char *name)
{
	return env->getenv_fn ? env->getenv_fn(name, env->getenv_user) : getenv(name);
}

enum cf_status cf_handler_create(const struct cf_handler_env *env, const char *target_var,
				 enum cf_status (*invoke)(struct cf_handler *, const struct cf_invocation *, char **,
							  size_t *, struct cf_error *),
				 struct cf_handler **out, struct cf_error *err)
{
	if (!out)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL output pointer");
	*out = NULL;
	if (!env || !env->log)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "handler needs an environment and a logger");
	const char *target = read_env(env, target_var);
	if (!target || !*target)
		return cf_error_set(err, CF_ERR_CONFIG, "%s: not set", target_var);
	if (strlen(target) > 1024 || strpbrk(target, "\r\n"))
		return cf_error_set(err, CF_ERR_CONFIG, "%s: malformed", target_var);
	struct cf_handler *h = cf_mem_calloc(1, sizeof(*h));
	if (!h)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	h->invoke = invoke;
	h->log = env->log;
	h->max_in_flight = env->max_in_flight;
	enum cf_status st = cf_aws_config_from_env(env->getenv_fn, env->getenv_user, !env->dry_run, &h->config, err);
	if (st)
		goto out_destroy;
	if (env->dry_run && !h->config.access_key_id) {
		/* Dry runs sign with placeholder keys: the recording transport checks nothing. */
		h->config.access_key_id = cf_mem_alloc(sizeof("AKIDDRYRUN"));
		h->config.secret_access_key = cf_mem_alloc(sizeof("dry-run-secret"));
		if (!h->config.access_key_id || !h->config.secret_access_key) {
			st = cf_error_set(err, CF_ERR_NOMEM, "out of memory");
			goto out_destroy;
		}
		memcpy(h->config.access_key_id, "AKIDDRYRUN", sizeof("AKIDDRYRUN"));
		memcpy(h->config.secret_access_key, "dry-run-secret", sizeof("dry-run-secret"));
	}
	size_t n = strlen(target);
	if (!(h->target = cf_mem_alloc(n + 1))) {
		st = cf_error_set(err, CF_ERR_NOMEM, "out of memory");
		goto out_destroy;
	}
	memcpy(h->target, target, n + 1);
	h->fifo = n > 5 && !strcmp(target + n - 5, ".fifo");
	struct cf_aws_client_options copt = { .config = &h->config, .transport = env->transport, .clock = env->clock };
	if ((st = cf_aws_client_new(&copt, &h->client, err)))
		goto out_destroy;
	*out = h;
	return CF_OK;
out_destroy:
	cf_handler_destroy(h);
	return st;
}

CF_API enum cf_status cf_handler_invoke(struct cf_handler *h, const struct cf_invocation *inv, char **response,
					size_t *response_len, struct cf_error *err)
{
	if (!h || !inv || !response)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL argument");
	*response = NULL;
	if (cf_aws_client_set_trace_id(h->client, inv->trace_id) != CF_OK)
		cf_log(h->log, CF_LOG_WARN, "trace id not forwarded: unsafe or out of memory", NULL, 0);
	return h->invoke(h, inv, response, response_len, err);
}

CF_API const char *cf_handler_error_type(enum cf_status st)
{
	switch (st) {
	case CF_ERR_JSON:
	case CF_ERR_NOT_EVENT:
	case CF_ERR_TYPE:
	case CF_ERR_MISSING:
		return "InvalidEvent";
	case CF_ERR_NOMEM:
		return "OutOfMemory";
	case CF_ERR_TOO_LARGE:
		return "ResponseTooLarge";
	case CF_ERR_CONFIG:
		return "ConfigurationError";
	default:
		return "HandlerError";
	}
}

CF_API void cf_handler_destroy(struct cf_handler *h)
{
	if (!h)
		return;
	cf_aws_client_destroy(h->client);
	cf_aws_config_clean_up(&h->config);
	cf_mem_free(h->target);
	cf_mem_free(h);
}
