/* Typed attribute values from the JSON tree, and the standalone attribute document. */
#include <string.h>

#include "alloc_internal.h"
#include "attr_internal.h"

static const struct {
	const char *key;
	enum cf_attr_type type;
} type_keys[] = {
	{ "S", CF_ATTR_S },       { "N", CF_ATTR_N },   { "B", CF_ATTR_B },   { "BOOL", CF_ATTR_BOOL },
	{ "NULL", CF_ATTR_NULL }, { "M", CF_ATTR_M },   { "L", CF_ATTR_L },   { "SS", CF_ATTR_SS },
	{ "NS", CF_ATTR_NS },     { "BS", CF_ATTR_BS },
};

CF_API const char *cf_attr_type_name(enum cf_attr_type type)
{
	for (size_t i = 0; i < sizeof(type_keys) / sizeof(type_keys[0]); i++)
		if (type_keys[i].type == type)
			return type_keys[i].key;
	return "?";
}

static bool type_from_key(struct cf_str key, enum cf_attr_type *out)
{
	for (size_t i = 0; i < sizeof(type_keys) / sizeof(type_keys[0]); i++) {
		if (cf_str_eq(key, type_keys[i].key)) {
			*out = type_keys[i].type;
			return true;
		}
	}
	return false;
}

static enum cf_status expect_json(const struct cf_json *node, enum cf_json_type want, struct cf_path *path,
				  struct cf_error *err)
{
	if (node->type == want)
		return CF_OK;
	return cf_error_set(err, CF_ERR_TYPE, "%s: expected a JSON %s, got %s", cf_path_str(path), cf_json_type_name(want),
			    cf_json_type_name(node->type));
}

/* A scalar S, N or B value (also a set member) from a JSON string. */
static enum cf_status scalar_from_json(const struct cf_json *node, enum cf_attr_type type, struct cf_attr *out,
				       struct cf_path *path, struct cf_error *err)
{
	enum cf_status st = expect_json(node, CF_JSON_STRING, path, err);
	if (st)
		return st;
	struct cf_str t = node->u.text;
	if (type == CF_ATTR_N) {
		const char *why = cf_attr_number_problem(t.ptr, t.len);
		if (why)
			return cf_error_set(err, CF_ERR_NUMBER, "%s: invalid number: %s", cf_path_str(path), why);
	} else if (type == CF_ATTR_B && !cf_base64_is_valid(t.ptr, t.len)) {
		return cf_error_set(err, CF_ERR_BASE64, "%s: invalid base64", cf_path_str(path));
	}
	out->type = type;
	out->v.text = t;
	return CF_OK;
}

static enum cf_status list_from_json(struct cf_arena *arena, const struct cf_json *node, enum cf_attr_type type,
				     struct cf_attr *out, struct cf_path *path, struct cf_error *err)
{
	enum cf_status st = expect_json(node, CF_JSON_ARRAY, path, err);
	if (st)
		return st;
	struct cf_attr *items = NULL;
	if (node->count) {
		items = cf_arena_alloc(arena, node->count * sizeof(*items));
		if (!items)
			return cf_error_set(err, CF_ERR_NOMEM, "%s: out of memory", cf_path_str(path));
	}
	enum cf_attr_type member = type == CF_ATTR_SS ? CF_ATTR_S : type == CF_ATTR_NS ? CF_ATTR_N : CF_ATTR_B;
	for (size_t i = 0; i < node->count; i++) {
		size_t mark = cf_path_push_index(path, i);
		const struct cf_json *item = &node->u.entries[i].value;
		st = type == CF_ATTR_L ? cf_attr_from_json(arena, item, &items[i], path, err)
				       : scalar_from_json(item, member, &items[i], path, err);
		cf_path_pop(path, mark);
		if (st)
			return st;
	}
	out->type = type;
	out->v.list.items = items;
	out->v.list.count = node->count;
	return CF_OK;
}

enum cf_status cf_attr_item_from_json(struct cf_arena *arena, const struct cf_json *node, struct cf_attr *out,
				      struct cf_path *path, struct cf_error *err)
{
	enum cf_status st = expect_json(node, CF_JSON_OBJECT, path, err);
	if (st)
		return st;
	struct cf_attr_member *members = NULL;
	if (node->count) {
		members = cf_arena_alloc(arena, node->count * sizeof(*members));
		if (!members)
			return cf_error_set(err, CF_ERR_NOMEM, "%s: out of memory", cf_path_str(path));
	}
	for (size_t i = 0; i < node->count; i++) {
		const struct cf_json_member *m = &node->u.entries[i];
		size_t mark = cf_path_push_key(path, m->key);
		members[i].name = m->key;
		st = cf_attr_from_json(arena, &m->value, &members[i].value, path, err);
		cf_path_pop(path, mark);
		if (st)
			return st;
	}
	out->type = CF_ATTR_M;
	out->v.map.members = members;
	out->v.map.count = node->count;
	return CF_OK;
}

enum cf_status cf_attr_from_json(struct cf_arena *arena, const struct cf_json *node, struct cf_attr *out,
				 struct cf_path *path, struct cf_error *err)
{
	enum cf_status st = CF_OK;
	if (node->type != CF_JSON_OBJECT)
		return cf_error_set(err, CF_ERR_TYPE, "%s: expected a typed value such as {\"S\":\"...\"}, got %s",
				    cf_path_str(path), cf_json_type_name(node->type));
	if (node->count != 1)
		return cf_error_set(err, CF_ERR_TYPE, "%s: expected exactly one type key, got %u", cf_path_str(path),
				    node->count);
	const struct cf_json_member *m = &node->u.entries[0];
	enum cf_attr_type type;
	if (!type_from_key(m->key, &type)) {
		size_t mark = cf_path_push_key(path, m->key);
		st = cf_error_set(err, CF_ERR_TYPE, "%s: unknown attribute type", cf_path_str(path));
		cf_path_pop(path, mark);
		return st;
	}
	const struct cf_json *v = &m->value;
	size_t mark = cf_path_push_key(path, m->key);
	switch (type) {
	case CF_ATTR_S:
	case CF_ATTR_N:
	case CF_ATTR_B:
		st = scalar_from_json(v, type, out, path, err);
		break;
	case CF_ATTR_BOOL:
		if (v->type != CF_JSON_TRUE && v->type != CF_JSON_FALSE) {
			st = cf_error_set(err, CF_ERR_TYPE, "%s: expected a JSON boolean, got %s", cf_path_str(path),
					  cf_json_type_name(v->type));
			break;
		}
		out->type = CF_ATTR_BOOL;
		out->v.boolean = v->type == CF_JSON_TRUE;
		break;
	case CF_ATTR_NULL:
		if (v->type != CF_JSON_TRUE) {
			st = cf_error_set(err, CF_ERR_TYPE, "%s: NULL must be true", cf_path_str(path));
			break;
		}
		out->type = CF_ATTR_NULL;
		break;
	case CF_ATTR_M:
		st = cf_attr_item_from_json(arena, v, out, path, err);
		break;
	case CF_ATTR_L:
	case CF_ATTR_SS:
	case CF_ATTR_NS:
	case CF_ATTR_BS:
		st = list_from_json(arena, v, type, out, path, err);
		break;
	}
	cf_path_pop(path, mark);
	return st;
}

CF_API const struct cf_attr *cf_attr_get(const struct cf_attr *m, const char *name)
{
	if (!m || m->type != CF_ATTR_M || !name)
		return NULL;
	for (size_t i = 0; i < m->v.map.count; i++)
		if (cf_str_eq(m->v.map.members[i].name, name))
			return &m->v.map.members[i].value;
	return NULL;
}

struct cf_attr_doc {
	struct cf_arena arena;
	struct cf_attr root;
};

static enum cf_status doc_parse(const char *json, size_t len, bool item, struct cf_attr_doc **out,
				struct cf_error *err)
{
	if (!out)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL output pointer");
	*out = NULL;
	if (!json && len)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL JSON text");
	struct cf_attr_doc *doc = cf_mem_calloc(1, sizeof(*doc));
	if (!doc)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	enum cf_status st = CF_ERR_NOMEM;
	char *copy = cf_arena_strndup(&doc->arena, json ? json : "", len);
	if (!copy) {
		cf_error_set(err, st, "out of memory");
		goto out_destroy;
	}
	const struct cf_json *node;
	st = cf_json_parse(&doc->arena, copy, len, &node, err);
	if (st)
		goto out_destroy;
	struct cf_path path;
	cf_path_init(&path, "$");
	st = item ? cf_attr_item_from_json(&doc->arena, node, &doc->root, &path, err)
		  : cf_attr_from_json(&doc->arena, node, &doc->root, &path, err);
	if (st)
		goto out_destroy;
	*out = doc;
	return CF_OK;
out_destroy:
	cf_attr_doc_destroy(doc);
	return st;
}

CF_API enum cf_status cf_attr_doc_parse_value(const char *json, size_t len, struct cf_attr_doc **out,
					      struct cf_error *err)
{
	return doc_parse(json, len, false, out, err);
}

CF_API enum cf_status cf_attr_doc_parse_item(const char *json, size_t len, struct cf_attr_doc **out,
					     struct cf_error *err)
{
	return doc_parse(json, len, true, out, err);
}

CF_API const struct cf_attr *cf_attr_doc_root(const struct cf_attr_doc *doc) { return doc ? &doc->root : NULL; }

CF_API void cf_attr_doc_destroy(struct cf_attr_doc *doc)
{
	if (!doc)
		return;
	cf_arena_clean_up(&doc->arena);
	cf_mem_free(doc);
}
