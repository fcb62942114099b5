/* libcartflow: an order, as carried in an update-cart-status SQS message body. */
#ifndef CARTFLOW_ORDER_H
#define CARTFLOW_ORDER_H

#include <stddef.h>

#include "bytes.h"
#include "export.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One line of an order. Strings belong to the order; absent ones have ptr == NULL. */
struct cf_order_item {
	struct cf_str product_id;          /* required */
	struct cf_str user_id;             /* the item's userId, else the order's user_id: always present */
	struct cf_str quantity;            /* N text, or S as some writers store it */
	struct cf_str added_on;
	struct cf_str cart_product_status;
};

/* An order. Strings belong to the order; absent ones have ptr == NULL. */
struct cf_order {
	struct cf_str pk, sk, gsi1pk, gsi1sk;
	struct cf_str order_id;            /* required */
	struct cf_str user_id;
	struct cf_str order_status;
	struct cf_str order_date;
	struct cf_str order_total;         /* N text exactly as written, e.g. "7160" */
	const struct cf_order_item *items; /* order_items, in order */
	size_t item_count;
};

/*
 * Parse an SQS message body into an order. `body` (len bytes) is copied. Two shapes are accepted:
 *  - a bare item (what process-cart-products sends): {"order_id":{"S":"..."},"order_items":{"L":[...]},...}
 *  - a whole stream record: an object whose "dynamodb" object has NewImage (the item), Keys or
 *    SequenceNumber. (An item attribute named dynamodb is a typed value and does not count.)
 * The item must be valid DynamoDB typed JSON throughout. Unknown attributes are ignored; a known one
 * of the wrong type fails with its path, e.g. "$.order_items.L[2].M.productId: expected S, got N".
 * order_id and order_items are required; each item needs productId and a user (userId or user_id).
 * On CF_OK `*out` is new, freed with cf_order_destroy(); on failure it is NULL.
 */
CF_API enum cf_status cf_order_parse(const char *body, size_t len, struct cf_order **out,
				     struct cf_error *err) CF_WARN_UNUSED;

/* Release an order. NULL is a no-op. */
CF_API void cf_order_destroy(struct cf_order *order);

#ifdef __cplusplus
}
#endif

#endif
