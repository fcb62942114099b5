/* AWS configuration from the standard environment variables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_internal.h"
#include "cartflow/aws_config.h"

static const char *real_getenv(const char *name, void *user)
{
	(void)user;
	return getenv(name);
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s);
	char *p = cf_mem_alloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

static const char *nonempty(cf_getenv_fn get, void *user, const char *name)
{
	const char *v = get(name, user);
	return v && *v ? v : NULL;
}

/* 127.0.0.0/8 written as a dotted quad: four decimal parts, each at most 255, the first 127. */
static bool is_loopback_ipv4(const char *host, size_t len)
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part && (i >= len || host[i++] != '.'))
			return false;
		unsigned v = 0;
		size_t digits = 0;
		for (; i < len && host[i] >= '0' && host[i] <= '9' && digits < 4; i++, digits++)
			v = v * 10 + (unsigned)(host[i] - '0');
		if (digits == 0 || digits > 3 || v > 255 || (part == 0 && v != 127))
			return false;
	}
	return i == len;
}

static bool is_loopback_host(const char *host, size_t len)
{
	return (len == 9 && !strncmp(host, "localhost", 9)) || (len == 5 && !strncmp(host, "[::1]", 5)) ||
	       is_loopback_ipv4(host, len);
}

/* True when `s` (len bytes) is a port number: 1 to 5 digits, at most 65535. */
static bool is_port(const char *s, size_t len)
{
	unsigned long v = 0;
	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v <= 65535;
}

/* http(s)://host[:port][/path], no userinfo, query or fragment; plain http only for loopback. */
static enum cf_status check_endpoint(const char *name, const char *url, struct cf_error *err)
{
	const char *host;
	bool https = !strncmp(url, "https://", 8);
	if (https)
		host = url + 8;
	else if (!strncmp(url, "http://", 7))
		host = url + 7;
	else
		return cf_error_set(err, CF_ERR_CONFIG, "%s: expected an http:// or https:// URL", name);
	size_t authority_len = strcspn(host, "/");
	size_t host_len = strcspn(host, ":/");
	if (host[0] == '[') {
		const char *close = memchr(host, ']', authority_len);
		host_len = close ? (size_t)(close - host) + 1 : 0;
	}
	bool port_ok = host_len == authority_len ||
		       (host[host_len] == ':' && is_port(host + host_len + 1, authority_len - host_len - 1));
	if (host_len == 0 || !port_ok || memchr(host, '@', authority_len) || strpbrk(url, "?# \r\n\t"))
		return cf_error_set(err, CF_ERR_CONFIG, "%s: malformed endpoint URL", name);
	if (!https && !is_loopback_host(host, host_len))
		return cf_error_set(err, CF_ERR_CONFIG, "%s: plain http is allowed only for loopback endpoints", name);
	return CF_OK;
}

/* The endpoint for `service`: its own variable, then AWS_ENDPOINT_URL, then the regional default. */
static enum cf_status endpoint_for(cf_getenv_fn get, void *user, const char *var, const char *service,
				   const char *region, char **out, struct cf_error *err)
{
	const char *name = var;
	const char *url = nonempty(get, user, var);
	if (!url) {
		name = "AWS_ENDPOINT_URL";
		url = nonempty(get, user, name);
	}
	char buf[256];
	if (!url) {
		snprintf(buf, sizeof(buf), "https://%s.%s.amazonaws.com", service, region);
		url = buf;
		name = "AWS_REGION";
	}
	enum cf_status st = check_endpoint(name, url, err);
	if (st)
		return st;
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	if (!(*out = cf_mem_alloc(n + 1)))
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	memcpy(*out, url, n);
	(*out)[n] = '\0';
	return CF_OK;
}

static bool region_ok(const char *r)
{
	size_t n = strlen(r);
	if (n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
			return false;
	return true;
}

CF_API enum cf_status cf_aws_config_from_env(cf_getenv_fn get, void *user, bool need_credentials,
					     struct cf_aws_config *out, struct cf_error *err)
{
	if (!out)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL config");
	memset(out, 0, sizeof(*out));
	if (!get)
		get = real_getenv;
	const char *region = nonempty(get, user, "AWS_REGION");
	if (!region)
		region = nonempty(get, user, "AWS_DEFAULT_REGION");
	if (!region && need_credentials)
		return cf_error_set(err, CF_ERR_CONFIG, "AWS_REGION: not set (nor AWS_DEFAULT_REGION)");
	if (!region)
		region = "us-east-1";
	if (!region_ok(region))
		return cf_error_set(err, CF_ERR_CONFIG, "AWS_REGION: not a region name");
	const char *key = nonempty(get, user, "AWS_ACCESS_KEY_ID");
	const char *secret = nonempty(get, user, "AWS_SECRET_ACCESS_KEY");
	const char *token = nonempty(get, user, "AWS_SESSION_TOKEN");
	if (need_credentials && !key)
		return cf_error_set(err, CF_ERR_CONFIG, "AWS_ACCESS_KEY_ID: not set");
	if (need_credentials && !secret)
		return cf_error_set(err, CF_ERR_CONFIG, "AWS_SECRET_ACCESS_KEY: not set");
	enum cf_status st = CF_ERR_NOMEM;
	if (!(out->region = dup_str(region)) || (key && !(out->access_key_id = dup_str(key))) ||
	    (secret && !(out->secret_access_key = dup_str(secret))) || (token && !(out->session_token = dup_str(token)))) {
		cf_error_set(err, st, "out of memory");
		goto out_fail;
	}
	if ((st = endpoint_for(get, user, "AWS_ENDPOINT_URL_SQS", "sqs", region, &out->sqs_endpoint, err)) ||
	    (st = endpoint_for(get, user, "AWS_ENDPOINT_URL_DYNAMODB", "dynamodb", region, &out->dynamodb_endpoint, err)))
		goto out_fail;
	return CF_OK;
out_fail:
	cf_aws_config_clean_up(out);
	return st;
}

static void free_secret(char *s)
{
	if (!s)
		return;
	volatile char *v = s;
	while (*v)
		*v++ = '\0';
	cf_mem_free(s);
}

CF_API void cf_aws_config_clean_up(struct cf_aws_config *config)
{
	if (!config)
		return;
	cf_mem_free(config->access_key_id);
	free_secret(config->secret_access_key);
	free_secret(config->session_token);
	cf_mem_free(config->region);
	cf_mem_free(config->sqs_endpoint);
	cf_mem_free(config->dynamodb_endpoint);
	memset(config, 0, sizeof(*config));
}
