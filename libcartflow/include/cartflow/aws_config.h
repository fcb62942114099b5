/* libcartflow: AWS credentials, region and endpoints from the standard environment. */
#ifndef CARTFLOW_AWS_CONFIG_H
#define CARTFLOW_AWS_CONFIG_H

#include <stdbool.h>

#include "export.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every string is owned by the config and freed by cf_aws_config_clean_up(). */
struct cf_aws_config {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;       /* NULL when not set */
	char *region;
	char *sqs_endpoint;        /* e.g. "https://sqs.eu-west-1.amazonaws.com", no trailing slash */
	char *dynamodb_endpoint;
};

/* Reads one environment variable; returns NULL when unset. `user` comes from cf_aws_config_from_env. */
typedef const char *(*cf_getenv_fn)(const char *name, void *user);

/*
 * Fill `out` (caller-owned, zeroed on entry and on failure) from the environment read through
 * `getenv_fn` (NULL = getenv): AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION
 * (else AWS_DEFAULT_REGION), AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL_DYNAMODB (else AWS_ENDPOINT_URL,
 * else https://<service>.<region>.amazonaws.com). With `need_credentials` false the keys may be absent
 * (dry runs). Endpoints must be http:// or https:// URLs without a query; http:// only for loopback
 * hosts (localhost, 127.0.0.0/8, [::1]). CF_ERR_CONFIG naming the variable, or CF_ERR_NOMEM.
 * Secrets never appear in error messages.
 */
CF_API enum cf_status cf_aws_config_from_env(cf_getenv_fn getenv_fn, void *user, bool need_credentials,
					     struct cf_aws_config *out, struct cf_error *err) CF_WARN_UNUSED;

/* Free and zero everything in `config` (borrowed); secrets are wiped first. NULL is a no-op. */
CF_API void cf_aws_config_clean_up(struct cf_aws_config *config);

#ifdef __cplusplus
}
#endif

#endif
