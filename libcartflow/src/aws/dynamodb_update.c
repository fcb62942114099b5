/* DynamoDB UpdateItem calls for the UpdateItem bodies of an order. */
#include "alloc_internal.h"
#include "aws_internal.h"
#include "cartflow/dynamodb_client.h"

CF_API enum cf_status cf_dynamodb_update_items(struct cf_aws_client *client, const struct cf_update_request *requests,
					       size_t count, const struct cf_dynamodb_options *opt,
					       struct cf_aws_result *results, struct cf_error *err)
{
	if (!client || (count && (!requests || !results)))
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL argument");
	if (!count)
		return CF_OK;
	struct cf_aws_request *reqs = cf_mem_calloc(count, sizeof(*reqs));
	if (!reqs)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < count; i++)
		reqs[i] = (struct cf_aws_request){ requests[i].body, requests[i].body_len };
	size_t in_flight = opt && opt->max_in_flight ? opt->max_in_flight : 32;
	enum cf_status st = cf_aws_call_many(client, CF_AWS_DYNAMODB, "DynamoDB_20120810.UpdateItem", reqs, count,
					     in_flight, opt ? opt->deadline_ms : 0, results);
	cf_mem_free(reqs);
	if (st)
		return cf_error_set(err, st, "UpdateItem calls could not run: %s", cf_strerror(st));
	return CF_OK;
}
