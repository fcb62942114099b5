/* libcartflow: pure function 3, an order to DynamoDB UpdateItem requests. */
#ifndef CARTFLOW_UPDATE_ITEM_H
#define CARTFLOW_UPDATE_ITEM_H

#include <stddef.h>

#include "bytes.h"
#include "export.h"
#include "order.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cf_update_options {
	const char *table_name;   /* required, borrowed */
	const char *status_value; /* value written to cartProductStatus; NULL means "ORDERED" */
};

/* One UpdateItem request body. `body` belongs to the batch; ids are borrowed from the order. */
struct cf_update_request {
	const char *body;         /* DynamoDB JSON, NUL-terminated */
	size_t body_len;
	struct cf_str user_id;
	struct cf_str product_id;
};

struct cf_update_batch {
	const struct cf_update_request *requests;
	size_t count;
};

/*
 * Pure function 3: one UpdateItem body per order item:
 *   {"TableName":T,"Key":{"PK":{"S":"USER#<userId>"},"SK":{"S":"PRODUCT#<productId>"}},
 *    "ConditionExpression":"attribute_exists(PK)",
 *    "UpdateExpression":"SET cartProductStatus = :cartProductStatus",
 *    "ExpressionAttributeValues":{":cartProductStatus":{"S":<status>}},"ReturnValues":"UPDATED_NEW"}
 * `order` and `opt` are borrowed, and the batch borrows ids from `order`: destroy the batch first.
 * On CF_OK `*out` is new, freed with cf_update_batch_destroy().
 */
CF_API enum cf_status cf_order_to_updates(const struct cf_order *order, const struct cf_update_options *opt,
					  struct cf_update_batch **out, struct cf_error *err) CF_WARN_UNUSED;

/* Release a batch. NULL is a no-op. */
CF_API void cf_update_batch_destroy(struct cf_update_batch *batch);

#ifdef __cplusplus
}
#endif

#endif
