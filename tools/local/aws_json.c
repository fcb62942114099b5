/* cartflow-local: AWS JSON calls. */
#include <stdio.h>
#include <string.h>

#include <cartflow/curl_transport.h>

#include "aws_json.h"

bool cfl_aws_open(struct cfl_aws *aws, const struct cf_aws_config *config)
{
	struct cf_error err = { 0 };
	memset(aws, 0, sizeof(*aws));
	if (cf_curl_transport_new(NULL, &aws->transport, &err)) {
		fprintf(stderr, "cartflow-local: transport: %s\n", err.message);
		return false;
	}
	/* The local peers can be slow under load (DynamoDB Local on a busy machine): be patient with them. */
	struct cf_aws_client_options opt = { .config = config, .transport = aws->transport, .attempt_timeout_ms = 30000 };
	opt.retry.max_attempts = 5;
	if (cf_aws_client_new(&opt, &aws->client, &err)) {
		fprintf(stderr, "cartflow-local: client: %s\n", err.message);
		cf_transport_destroy(&aws->transport);
		return false;
	}
	return true;
}

void cfl_aws_close(struct cfl_aws *aws)
{
	cf_aws_client_destroy(aws->client);
	cf_transport_destroy(&aws->transport);
	memset(aws, 0, sizeof(*aws));
}

struct json_object *cfl_call(struct cfl_aws *aws, enum cf_aws_service service, const char *target,
			     struct json_object *request, char *error_type, size_t cap)
{
	size_t len;
	const char *text = json_object_to_json_string_length(request, JSON_C_TO_STRING_PLAIN, &len);
	struct cf_aws_request req = { text, len };
	struct cf_aws_result res;
	struct json_object *answer = NULL;
	if (error_type && cap)
		error_type[0] = '\0';
	if (cf_aws_call_many(aws->client, service, target, &req, 1, 1, 0, &res) == CF_OK) {
		if (res.status == CF_OK)
			answer = json_tokener_parse(res.body);
		else if (error_type)
			snprintf(error_type, cap, "%s", res.error_type);
		else
			fprintf(stderr, "cartflow-local: %s: %s: %s\n", target, res.error_type, res.error_message);
		cf_aws_result_clean_up(&res);
	}
	json_object_put(request);
	return answer;
}

struct json_object *cfl_s(const char *s)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "S", json_object_new_string(s));
	return o;
}

struct json_object *cfl_n(long long n)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", n);
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "N", json_object_new_string(buf));
	return o;
}

const char *cfl_get_string(struct json_object *obj, const char *key)
{
	struct json_object *v;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

const char *cfl_string_or_empty(struct json_object *obj, const char *key)
{
	const char *s = cfl_get_string(obj, key);
	return s ? s : "";
}
