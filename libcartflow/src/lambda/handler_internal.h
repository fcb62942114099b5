/* The parts every handler shares. */
#ifndef CF_HANDLER_INTERNAL_H
#define CF_HANDLER_INTERNAL_H

#include "cartflow/aws_client.h"
#include "cartflow/handler.h"

struct cf_handler {
	enum cf_status (*invoke)(struct cf_handler *h, const struct cf_invocation *inv, char **response,
				 size_t *response_len, struct cf_error *err);
	struct cf_aws_config config;
	struct cf_aws_client *client;
	struct cf_logger *log;
	char *target;          /* the queue URL or the table name */
	size_t max_in_flight;
	bool fifo;
};

/*
 * Allocate a handler with its AWS config (from env, credentials optional in dry runs) and client, and
 * `target` copied from the environment variable `target_var`, which must be set. On failure nothing
 * is left to free.
 */
enum cf_status cf_handler_create(const struct cf_handler_env *env, const char *target_var,
				 enum cf_status (*invoke)(struct cf_handler *, const struct cf_invocation *, char **,
							  size_t *, struct cf_error *),
				 struct cf_handler **out, struct cf_error *err);

#endif
