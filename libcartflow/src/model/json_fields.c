/* Shared field readers for the event and body parsers. */
#include "json_fields.h"

static enum cf_status string_member(const struct cf_json *obj, const char *key, struct cf_str *out, bool required,
				    struct cf_path *path, struct cf_error *err)
{
	const struct cf_json *v = cf_json_get(obj, key);
	*out = (struct cf_str){ NULL, 0 };
	if (!v || v->type == CF_JSON_NULL) {
		if (!required)
			return CF_OK;
		size_t mark = cf_path_push_key(path, (struct cf_str){ key, strlen(key) });
		enum cf_status st = cf_error_set(err, CF_ERR_MISSING, "%s: missing", cf_path_str(path));
		cf_path_pop(path, mark);
		return st;
	}
	if (v->type != CF_JSON_STRING) {
		size_t mark = cf_path_push_key(path, (struct cf_str){ key, strlen(key) });
		enum cf_status st = cf_error_set(err, CF_ERR_TYPE, "%s: expected a JSON string, got %s", cf_path_str(path),
						 cf_json_type_name(v->type));
		cf_path_pop(path, mark);
		return st;
	}
	*out = v->u.text;
	return CF_OK;
}

enum cf_status cf_json_string_member(const struct cf_json *obj, const char *key, struct cf_str *out,
				     struct cf_path *path, struct cf_error *err)
{
	return string_member(obj, key, out, false, path, err);
}

enum cf_status cf_json_required_string_member(const struct cf_json *obj, const char *key, struct cf_str *out,
					      struct cf_path *path, struct cf_error *err)
{
	return string_member(obj, key, out, true, path, err);
}

const char *cf_problem_copy(struct cf_arena *arena, const struct cf_error *err)
{
	return cf_arena_strndup(arena, err->message, strlen(err->message));
}

enum cf_status cf_json_parse_copy(struct cf_arena *arena, const char *text, size_t len, const struct cf_json **out,
				  struct cf_error *err)
{
	*out = NULL;
	if (!text && len)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL input");
	char *copy = cf_arena_strndup(arena, text ? text : "", len);
	if (!copy)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory copying input");
	return cf_json_parse(arena, copy, len, out, err);
}

enum cf_status cf_json_event_records(const struct cf_json *root, const struct cf_json **records,
				     struct cf_error *err)
{
	*records = NULL;
	if (root->type != CF_JSON_OBJECT)
		return cf_error_set(err, CF_ERR_NOT_EVENT, "$: expected an event object with a Records array, got %s",
				    cf_json_type_name(root->type));
	const struct cf_json *r = cf_json_get(root, "Records");
	if (!r)
		return cf_error_set(err, CF_ERR_NOT_EVENT, "Records: missing (not a Lambda event batch)");
	if (r->type != CF_JSON_ARRAY)
		return cf_error_set(err, CF_ERR_NOT_EVENT, "Records: expected an array, got %s",
				    cf_json_type_name(r->type));
	*records = r;
	return CF_OK;
}
