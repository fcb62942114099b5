/* Pure function 3: an order to one UpdateItem body per order item. */
#include "alloc_internal.h"
#include "buf.h"
#include "cartflow/update_item.h"

struct update_doc {
	struct cf_update_batch pub;
	struct cf_update_request *requests;
	char *bodies;
};

static void append_s(struct cf_buf *buf, const char *prefix, struct cf_str value)
{
	/* {"S":"<prefix><value>"}; the prefix is plain ASCII and needs no escaping. */
	cf_buf_append(buf, "{\"S\":\"", 6);
	cf_buf_puts(buf, prefix);
	cf_buf_json_escape(buf, value.ptr, value.len);
	cf_buf_append(buf, "\"}", 2);
}

static void append_body(struct cf_buf *buf, const char *table, const char *status, const struct cf_order_item *item)
{
	cf_buf_puts(buf, "{\"TableName\":");
	cf_buf_json_string(buf, table, strlen(table));
	cf_buf_puts(buf, ",\"Key\":{\"PK\":");
	append_s(buf, "USER#", item->user_id);
	cf_buf_puts(buf, ",\"SK\":");
	append_s(buf, "PRODUCT#", item->product_id);
	cf_buf_puts(buf, "},\"ConditionExpression\":\"attribute_exists(PK)\","
			 "\"UpdateExpression\":\"SET cartProductStatus = :cartProductStatus\","
			 "\"ExpressionAttributeValues\":{\":cartProductStatus\":{\"S\":");
	cf_buf_json_string(buf, status, strlen(status));
	cf_buf_puts(buf, "}},\"ReturnValues\":\"UPDATED_NEW\"}");
}

CF_API enum cf_status cf_order_to_updates(const struct cf_order *order, const struct cf_update_options *opt,
					  struct cf_update_batch **out, struct cf_error *err)
{
	if (!out)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL output pointer");
	*out = NULL;
	if (!order || !opt || !opt->table_name || !*opt->table_name)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "order and table name are required");
	const char *status = opt->status_value ? opt->status_value : "ORDERED";
	size_t n = order->item_count;
	struct update_doc *doc = cf_mem_calloc(1, sizeof(*doc));
	struct cf_update_request *reqs = cf_mem_calloc(n ? n : 1, sizeof(*reqs));
	size_t *ends = cf_mem_calloc(n ? n : 1, sizeof(*ends));
	struct cf_buf buf = { 0 };
	if (!doc || !reqs || !ends)
		goto out_nomem;
	for (size_t i = 0; i < n; i++) {
		append_body(&buf, opt->table_name, status, &order->items[i]);
		cf_buf_putc(&buf, '\0');
		ends[i] = buf.len;
	}
	size_t total;
	char *bodies = cf_buf_take(&buf, &total);
	if (!bodies)
		goto out_nomem;
	for (size_t i = 0, start = 0; i < n; start = ends[i], i++) {
		reqs[i].body = bodies + start;
		reqs[i].body_len = ends[i] - start - 1;
		reqs[i].user_id = order->items[i].user_id;
		reqs[i].product_id = order->items[i].product_id;
	}
	cf_mem_free(ends);
	doc->requests = reqs;
	doc->bodies = bodies;
	doc->pub.requests = reqs;
	doc->pub.count = n;
	*out = &doc->pub;
	return CF_OK;
out_nomem:
	cf_buf_clean_up(&buf);
	cf_mem_free(ends);
	cf_mem_free(reqs);
	cf_mem_free(doc);
	return cf_error_set(err, CF_ERR_NOMEM, "out of memory building UpdateItem requests");
}

CF_API void cf_update_batch_destroy(struct cf_update_batch *batch)
{
	if (!batch)
		return;
	struct update_doc *doc = (struct update_doc *)batch;
	cf_mem_free(doc->bodies);
	cf_mem_free(doc->requests);
	cf_mem_free(doc);
}
