/* cartflow-local: AWS JSON calls through libcartflow's signed client, with json-c documents. */
#ifndef CFL_AWS_JSON_H
#define CFL_AWS_JSON_H

#include <json-c/json.h>
#include <stdbool.h>

#include <cartflow/aws_client.h>

/* A client with its own transport, for one thread. */
struct cfl_aws {
	struct cf_transport transport;
	struct cf_aws_client *client;
};

/* Create one from `config` (borrowed, must outlive it). False with a message on stderr on failure. */
bool cfl_aws_open(struct cfl_aws *aws, const struct cf_aws_config *config);
void cfl_aws_close(struct cfl_aws *aws);

/*
 * Call `target` with `request` (taken: released here). On success returns the parsed answer (caller
 * puts it). On failure returns NULL and, when `error_type` is given, copies AWS's error code there.
 */
struct json_object *cfl_call(struct cfl_aws *aws, enum cf_aws_service service, const char *target,
			     struct json_object *request, char *error_type, size_t cap);

/* Small builders: {"S": s}, {"N": n}. */
struct json_object *cfl_s(const char *s);
struct json_object *cfl_n(long long n);

/* obj[key] as a string, or NULL; the second form gives "" instead of NULL. */
const char *cfl_get_string(struct json_object *obj, const char *key);
const char *cfl_string_or_empty(struct json_object *obj, const char *key);

#endif
