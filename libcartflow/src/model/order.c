/* SQS message bodies to orders. */
#include "alloc_internal.h"
#include "attr_internal.h"
#include "cartflow/order.h"
#include "json_fields.h"

struct order_doc {
	struct cf_order pub;
	struct cf_arena arena;
};

/*
 * Attribute `name` of map `m` as text. `want` is S or N; `also` a second accepted type (or `want`).
 * Absent -> ptr NULL, or CF_ERR_MISSING when `required`.
 */
static enum cf_status text_attr(const struct cf_attr *m, const char *name, enum cf_attr_type want,
				enum cf_attr_type also, bool required, struct cf_str *out, struct cf_path *path,
				struct cf_error *err)
{
	const struct cf_attr *a = cf_attr_get(m, name);
	*out = (struct cf_str){ NULL, 0 };
	size_t mark = cf_path_push_key(path, (struct cf_str){ name, strlen(name) });
	enum cf_status st = CF_OK;
	if (!a) {
		if (required)
			st = cf_error_set(err, CF_ERR_MISSING, "%s: missing", cf_path_str(path));
	} else if (a->type != want && a->type != also) {
		st = cf_error_set(err, CF_ERR_TYPE, "%s: expected %s, got %s", cf_path_str(path), cf_attr_type_name(want),
				  cf_attr_type_name(a->type));
	} else {
		*out = a->v.text;
	}
	cf_path_pop(path, mark);
	return st;
}

#define S_ATTR(m, name, required, out) text_attr(m, name, CF_ATTR_S, CF_ATTR_S, required, out, path, err)

static enum cf_status read_item(const struct cf_attr *line, const struct cf_order *order, struct cf_order_item *item,
				struct cf_path *path, struct cf_error *err)
{
	if (line->type != CF_ATTR_M)
		return cf_error_set(err, CF_ERR_TYPE, "%s: expected M, got %s", cf_path_str(path), cf_attr_type_name(line->type));
	size_t mark = cf_path_push_key(path, (struct cf_str){ "M", 1 });
	enum cf_status st;
	if ((st = S_ATTR(line, "productId", true, &item->product_id)) ||
	    (st = S_ATTR(line, "userId", false, &item->user_id)) ||
	    (st = text_attr(line, "quantity", CF_ATTR_N, CF_ATTR_S, false, &item->quantity, path, err)) ||
	    (st = S_ATTR(line, "addedOn", false, &item->added_on)) ||
	    (st = S_ATTR(line, "cartProductStatus", false, &item->cart_product_status)))
		goto out_pop;
	if (!item->user_id.ptr)
		item->user_id = order->user_id;
	if (!item->user_id.ptr)
		st = cf_error_set(err, CF_ERR_MISSING, "%s.userId: missing, and the order has no user_id", cf_path_str(path));
out_pop:
	cf_path_pop(path, mark);
	return st;
}

static enum cf_status read_items(struct cf_arena *arena, const struct cf_attr *m, struct cf_order *order,
				 struct cf_path *path, struct cf_error *err)
{
	const struct cf_attr *list = cf_attr_get(m, "order_items");
	size_t mark = cf_path_push_key(path, (struct cf_str){ "order_items", 11 });
	enum cf_status st = CF_OK;
	if (!list) {
		st = cf_error_set(err, CF_ERR_MISSING, "%s: missing", cf_path_str(path));
		goto out_pop;
	}
	if (list->type != CF_ATTR_L) {
		st = cf_error_set(err, CF_ERR_TYPE, "%s: expected L, got %s", cf_path_str(path), cf_attr_type_name(list->type));
		goto out_pop;
	}
	struct cf_order_item *items = NULL;
	if (list->v.list.count && !(items = cf_arena_alloc(arena, list->v.list.count * sizeof(*items)))) {
		st = cf_error_set(err, CF_ERR_NOMEM, "out of memory");
		goto out_pop;
	}
	cf_path_push_key(path, (struct cf_str){ "L", 1 });
	for (size_t i = 0; i < list->v.list.count; i++) {
		size_t item_mark = cf_path_push_index(path, i);
		memset(&items[i], 0, sizeof(items[i]));
		st = read_item(&list->v.list.items[i], order, &items[i], path, err);
		cf_path_pop(path, item_mark);
		if (st)
			goto out_pop;
	}
	order->items = items;
	order->item_count = list->v.list.count;
out_pop:
	cf_path_pop(path, mark);
	return st;
}

static enum cf_status read_order(const struct cf_attr *m, struct cf_order *o, struct cf_path *path,
				 struct cf_error *err)
{
	enum cf_status st;
	if ((st = S_ATTR(m, "order_id", true, &o->order_id)) || (st = S_ATTR(m, "PK", false, &o->pk)) ||
	    (st = S_ATTR(m, "SK", false, &o->sk)) || (st = S_ATTR(m, "GSI1PK", false, &o->gsi1pk)) ||
	    (st = S_ATTR(m, "GSI1SK", false, &o->gsi1sk)) || (st = S_ATTR(m, "user_id", false, &o->user_id)) ||
	    (st = S_ATTR(m, "order_status", false, &o->order_status)) ||
	    (st = S_ATTR(m, "order_date", false, &o->order_date)) ||
	    (st = text_attr(m, "order_total", CF_ATTR_N, CF_ATTR_N, false, &o->order_total, path, err)))
		return st;
	return CF_OK;
}

/* The item node of a body: the body itself, or dynamodb.NewImage of a whole stream record. */
static enum cf_status find_item(const struct cf_json *root, const struct cf_json **item, struct cf_path *path,
				struct cf_error *err)
{
	if (root->type != CF_JSON_OBJECT)
		return cf_error_set(err, CF_ERR_TYPE, "$: expected a JSON object, got %s", cf_json_type_name(root->type));
	/* A stream record's "dynamodb" holds NewImage/Keys/SequenceNumber; an item's attribute of that
	 * name is a typed value such as {"S":"x"} and keeps the body a bare item. */
	const struct cf_json *dynamodb = cf_json_get(root, "dynamodb");
	bool record = dynamodb && dynamodb->type == CF_JSON_OBJECT &&
		      (cf_json_get(dynamodb, "NewImage") || cf_json_get(dynamodb, "Keys") ||
		       cf_json_get(dynamodb, "SequenceNumber"));
	if (!record) {
		*item = root;
		return CF_OK;
	}
	cf_path_init(path, "$.dynamodb.NewImage");
	*item = cf_json_get(dynamodb, "NewImage");
	if (!*item)
		return cf_error_set(err, CF_ERR_MISSING, "%s: missing (a stream record body needs its NewImage)",
				    cf_path_str(path));
	return CF_OK;
}

CF_API enum cf_status cf_order_parse(const char *body, size_t len, struct cf_order **out, struct cf_error *err)
{
	if (!out)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL output pointer");
	*out = NULL;
	if (len == 0)
		return cf_error_set(err, CF_ERR_JSON, "$: empty body");
	struct order_doc *doc = cf_mem_calloc(1, sizeof(*doc));
	if (!doc)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	const struct cf_json *root, *item_node;
	struct cf_attr item;
	struct cf_path path;
	cf_path_init(&path, "$");
	enum cf_status st = cf_json_parse_copy(&doc->arena, body, len, &root, err);
	if (st || (st = find_item(root, &item_node, &path, err)) ||
	    (st = cf_attr_item_from_json(&doc->arena, item_node, &item, &path, err)) ||
	    (st = read_order(&item, &doc->pub, &path, err)) ||
	    (st = read_items(&doc->arena, &item, &doc->pub, &path, err)))
		goto out_destroy;
	*out = &doc->pub;
	return CF_OK;
out_destroy:
	cf_order_destroy(&doc->pub);
	return st;
}

CF_API void cf_order_destroy(struct cf_order *order)
{
	if (!order)
		return;
	struct order_doc *doc = (struct order_doc *)order;
	cf_arena_clean_up(&doc->arena);
	cf_mem_free(doc);
}
