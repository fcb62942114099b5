/* libcartflow: DynamoDB UpdateItem, many at once. */
#ifndef CARTFLOW_DYNAMODB_CLIENT_H
#define CARTFLOW_DYNAMODB_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "aws_client.h"
#include "export.h"
#include "status.h"
#include "update_item.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cf_dynamodb_options {
	size_t max_in_flight;  /* concurrent UpdateItem calls; 0 = 32 */
	int64_t deadline_ms;   /* epoch ms; 0 = none */
};

/*
 * Send `count` UpdateItem requests (borrowed bodies from cf_order_to_updates) with bounded
 * concurrency and the client's retries. `results` (caller-owned, `count` entries, released with
 * cf_aws_result_clean_up) get one outcome each: CF_OK with the response (its "Attributes") as body,
 * or a typed failure, e.g. error_type "ConditionalCheckFailedException" with class permanent.
 * `opt` may be NULL (client defaults, no deadline); it and `requests` are borrowed for the call.
 * Returns CF_OK when every request has an outcome.
 */
CF_API enum cf_status cf_dynamodb_update_items(struct cf_aws_client *client, const struct cf_update_request *requests,
					       size_t count, const struct cf_dynamodb_options *opt,
					       struct cf_aws_result *results, struct cf_error *err) CF_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
