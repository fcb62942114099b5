/*
 * Target 3: SQS events and order bodies. The input is parsed as an SQS event (cf_sqs_event_parse);
 * each readable record's body goes through cf_order_parse and cf_order_to_updates. The input itself is
 * also parsed as a body, so the order seeds work directly. Checks: one UpdateItem body per order item,
 * each accepted by json-c's strict mode with TableName, Key.PK.S = "USER#" + userId, Key.SK.S =
 * "PRODUCT#" + productId (byte for byte, NULs included), the condition and the status value; every
 * order field the parser fills is consistent (items have productId and a user).
 */
#include "fuzz_common.h"

#include "cartflow/batch_response.h"
#include "cartflow/order.h"
#include "cartflow/sqs_event.h"
#include "cartflow/update_item.h"

static const char table[] = "carts-\"table\"";

static bool has_prefixed(struct json_object *obj, const char *prefix, struct cf_str id)
{
	const char *s;
	size_t len, plen = strlen(prefix);
	return fuzz_jsonc_string(obj, "S", &s, &len) && len == plen + id.len && memcmp(s, prefix, plen) == 0 &&
	       (id.len == 0 || memcmp(s + plen, id.ptr, id.len) == 0);
}

static void check_update_body(const struct cf_update_request *r, const struct cf_order_item *item, const char *status)
{
	FUZZ_CHECK(r->body[r->body_len] == '\0' && strlen(r->body) == r->body_len, "body framing");
	FUZZ_CHECK(r->user_id.ptr == item->user_id.ptr && r->user_id.len == item->user_id.len &&
			   r->product_id.ptr == item->product_id.ptr && r->product_id.len == item->product_id.len,
		   "request ids are not the item's");
	struct json_object *root = fuzz_jsonc_strict(r->body, r->body_len);
	FUZZ_CHECK(root && json_object_is_type(root, json_type_object), "json-c refuses UpdateItem body %s", r->body);
	const char *s;
	size_t len;
	struct json_object *key, *pk, *sk, *values, *v;
	FUZZ_CHECK(fuzz_jsonc_string(root, "TableName", &s, &len) && len == strlen(table) && !memcmp(s, table, len),
		   "TableName");
	FUZZ_CHECK(json_object_object_get_ex(root, "Key", &key) && json_object_object_length(key) == 2 &&
			   json_object_object_get_ex(key, "PK", &pk) && json_object_object_get_ex(key, "SK", &sk),
		   "Key");
	FUZZ_CHECK(has_prefixed(pk, "USER#", item->user_id), "Key.PK is not USER#<userId>: %s", r->body);
	FUZZ_CHECK(has_prefixed(sk, "PRODUCT#", item->product_id), "Key.SK is not PRODUCT#<productId>: %s", r->body);
	FUZZ_CHECK(fuzz_jsonc_string(root, "ConditionExpression", &s, &len) && !strcmp(s, "attribute_exists(PK)"),
		   "ConditionExpression");
	FUZZ_CHECK(json_object_object_get_ex(root, "ExpressionAttributeValues", &values) &&
			   json_object_object_get_ex(values, ":cartProductStatus", &v) &&
			   fuzz_jsonc_string(v, "S", &s, &len) && !strcmp(s, status),
		   "ExpressionAttributeValues");
	FUZZ_CHECK(json_object_object_length(root) == 6, "UpdateItem body has %d members",
		   json_object_object_length(root));
	json_object_put(root);
}

static enum cf_status check_order(const char *body, size_t len)
{
	struct cf_order *order = (struct cf_order *)&order;
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_status st = cf_order_parse(body, len, &order, &err);
	FUZZ_CHECK((st == CF_OK) == (order != NULL), "status %d with order %p", st, (void *)order);
	if (st != CF_OK) {
		FUZZ_CHECK(st == CF_ERR_JSON || st == CF_ERR_TYPE || st == CF_ERR_MISSING || st == CF_ERR_NUMBER ||
				   st == CF_ERR_BASE64 || st == CF_ERR_NOMEM,
			   "status %d (%s)", st, err.message);
		FUZZ_CHECK(err.code == st, "error detail");
		return st == CF_ERR_NOMEM ? st : CF_OK;
	}
	FUZZ_CHECK(order->order_id.ptr, "order without order_id");
	FUZZ_CHECK(order->item_count == 0 || order->items, "items missing");
	for (size_t i = 0; i < order->item_count; i++)
		FUZZ_CHECK(order->items[i].product_id.ptr && order->items[i].user_id.ptr, "item %zu without ids", i);

	/* Status values come from configuration; exercise the default and one that needs escaping. */
	const char *status = order->item_count % 2 ? "ORDERED" : "PAID \"now\"\n";
	struct cf_update_options opt = { .table_name = table, .status_value = order->item_count % 2 ? NULL : status };
	struct cf_update_batch *batch = NULL;
	st = cf_order_to_updates(order, &opt, &batch, &err);
	FUZZ_CHECK_OK(st, "cf_order_to_updates");
	if (st == CF_OK) {
		FUZZ_CHECK(batch->count == order->item_count, "%zu bodies for %zu items", batch->count,
			   order->item_count);
		for (size_t i = 0; i < batch->count; i++)
			check_update_body(&batch->requests[i], &order->items[i], status);
	}
	cf_update_batch_destroy(batch);
	cf_order_destroy(order);
	return st;
}

static enum cf_status run(const uint8_t *data, size_t size)
{
	enum cf_status st = check_order((const char *)data, size);
	if (st != CF_OK)
		return st;

	struct cf_sqs_event *ev = (struct cf_sqs_event *)&ev;
	struct cf_error err;
	cf_error_clear(&err);
	st = cf_sqs_event_parse((const char *)data, size, &ev, &err);
	FUZZ_CHECK((st == CF_OK) == (ev != NULL), "status %d with event %p", st, (void *)ev);
	if (st != CF_OK) {
		FUZZ_CHECK(st == CF_ERR_JSON || st == CF_ERR_NOT_EVENT || st == CF_ERR_NOMEM, "status %d (%s)", st,
			   err.message);
		FUZZ_CHECK(err.code == st, "error detail");
		return st == CF_ERR_NOMEM ? st : CF_OK;
	}
	struct cf_str *failed = calloc(ev->count + 1, sizeof(*failed));
	if (!failed)
		abort();
	size_t nfailed = 0;
	for (size_t i = 0; i < ev->count && st == CF_OK; i++) {
		const struct cf_sqs_record *r = &ev->records[i];
		FUZZ_CHECK(r->message_id.ptr, "record %zu without messageId", i);
		FUZZ_CHECK((r->status == CF_OK) == (r->problem == NULL), "record %zu: status and problem", i);
		FUZZ_CHECK(r->status != CF_OK || r->body.ptr, "record %zu: CF_OK without a body", i);
		(void)cf_sqs_record_is_fifo(r);
		if (r->status != CF_OK) {
			failed[nfailed++] = r->message_id;
			continue;
		}
		st = check_order(r->body.ptr, r->body.len);
	}
	if (st == CF_OK) {
		char *out = NULL;
		size_t len = 0;
		st = cf_batch_response_write(failed, nfailed, &out, &len);
		FUZZ_CHECK_OK(st, "cf_batch_response_write");
		if (st == CF_OK) {
			struct json_object *jc = fuzz_jsonc_strict(out, len);
			FUZZ_CHECK(jc, "json-c refuses the batch response %s", out);
			json_object_put(jc);
		}
		cf_free(out);
	}
	free(failed);
	cf_sqs_event_destroy(ev);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_run_with_sweep(run, data, size);
	return 0;
}
