/* DynamoDB Streams Lambda events. */
#include <stdio.h>

#include "alloc_internal.h"
#include "attr_internal.h"
#include "cartflow/stream_event.h"
#include "event_records.h"
#include "json_fields.h"

struct stream_event_doc {
	struct cf_stream_event pub;
	struct cf_arena arena;
};

static enum cf_stream_event_name event_name_from(struct cf_str s)
{
	if (cf_str_eq(s, "INSERT"))
		return CF_STREAM_INSERT;
	if (cf_str_eq(s, "MODIFY"))
		return CF_STREAM_MODIFY;
	if (cf_str_eq(s, "REMOVE"))
		return CF_STREAM_REMOVE;
	return CF_STREAM_UNKNOWN;
}

/* An optional image (Keys, NewImage, OldImage) into a new M in the arena. */
static enum cf_status read_image(struct cf_arena *arena, const struct cf_json *dynamodb, const char *key,
				 const struct cf_attr **out, struct cf_path *path, struct cf_error *err)
{
	*out = NULL;
	const struct cf_json *node = cf_json_get(dynamodb, key);
	if (!node || node->type == CF_JSON_NULL)
		return CF_OK;
	struct cf_attr *attr = cf_arena_alloc(arena, sizeof(*attr));
	if (!attr)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	size_t mark = cf_path_push_key(path, (struct cf_str){ key, strlen(key) });
	enum cf_status st = cf_attr_item_from_json(arena, node, attr, path, err);
	cf_path_pop(path, mark);
	if (!st)
		*out = attr;
	return st;
}

static enum cf_status read_size_bytes(const struct cf_json *dynamodb, struct cf_stream_record *rec,
				      struct cf_path *path, struct cf_error *err)
{
	const struct cf_json *v = cf_json_get(dynamodb, "SizeBytes");
	if (!v || v->type == CF_JSON_NULL)
		return CF_OK;
	uint64_t n = 0;
	bool ok = v->type == CF_JSON_NUMBER && v->u.text.len <= 19;
	for (size_t i = 0; ok && i < v->u.text.len; i++) {
		char c = v->u.text.ptr[i];
		ok = c >= '0' && c <= '9';
		n = n * 10 + (uint64_t)(c - '0');
	}
	if (!ok)
		return cf_error_set(err, CF_ERR_TYPE, "%s.SizeBytes: expected a non-negative integer", cf_path_str(path));
	rec->has_size_bytes = true;
	rec->size_bytes = n;
	return CF_OK;
}

static bool view_has_new_image(struct cf_str view)
{
	return cf_str_eq(view, "NEW_IMAGE") || cf_str_eq(view, "NEW_AND_OLD_IMAGES");
}

/* Fill `rec` from `node`. SequenceNumber is read first so that a failed record can still be reported. */
static enum cf_status read_record(struct cf_arena *arena, const struct cf_json *node, void *record,
				  struct cf_path *path, struct cf_error *err)
{
	struct cf_stream_record *rec = record;
	if (node->type != CF_JSON_OBJECT)
		return cf_error_set(err, CF_ERR_TYPE, "%s: expected an object, got %s", cf_path_str(path),
				    cf_json_type_name(node->type));
	const struct cf_json *dynamodb = cf_json_get(node, "dynamodb");
	size_t mark = cf_path_push_key(path, (struct cf_str){ "dynamodb", 8 });
	enum cf_status st = CF_OK;
	if (!dynamodb || dynamodb->type != CF_JSON_OBJECT) {
		st = cf_error_set(err, dynamodb ? CF_ERR_TYPE : CF_ERR_MISSING, "%s: %s", cf_path_str(path),
				  dynamodb ? "expected an object" : "missing");
		goto out_pop;
	}
	if ((st = cf_json_string_member(dynamodb, "SequenceNumber", &rec->sequence_number, path, err)))
		goto out_pop;
	cf_path_pop(path, mark);
	if ((st = cf_json_string_member(node, "eventID", &rec->event_id, path, err)) ||
	    (st = cf_json_string_member(node, "eventName", &rec->event_name, path, err)) ||
	    (st = cf_json_string_member(node, "eventSourceARN", &rec->event_source_arn, path, err)) ||
	    (st = cf_json_string_member(node, "awsRegion", &rec->aws_region, path, err)))
		return st;
	rec->name = event_name_from(rec->event_name);
	mark = cf_path_push_key(path, (struct cf_str){ "dynamodb", 8 });
	if ((st = cf_json_string_member(dynamodb, "StreamViewType", &rec->stream_view_type, path, err)) ||
	    (st = read_size_bytes(dynamodb, rec, path, err)))
		goto out_pop;
	const struct cf_json *created = cf_json_get(dynamodb, "ApproximateCreationDateTime");
	if (created && created->type == CF_JSON_NUMBER)
		rec->approximate_creation_date_time = created->u.text;
	if ((st = read_image(arena, dynamodb, "Keys", &rec->keys, path, err)) ||
	    (st = read_image(arena, dynamodb, "NewImage", &rec->new_image, path, err)) ||
	    (st = read_image(arena, dynamodb, "OldImage", &rec->old_image, path, err)))
		goto out_pop;
	if (!rec->new_image && (rec->name == CF_STREAM_INSERT || rec->name == CF_STREAM_MODIFY) &&
	    view_has_new_image(rec->stream_view_type))
		st = cf_error_set(err, CF_ERR_MISSING, "%s.NewImage: missing although StreamViewType is %.*s",
				  cf_path_str(path), (int)rec->stream_view_type.len, rec->stream_view_type.ptr);
out_pop:
	cf_path_pop(path, mark);
	return st;
}

/* A record from another event source makes the whole event the wrong kind. */
static enum cf_status check_event_source(const struct cf_json *node, void *record, struct cf_path *path,
					 struct cf_error *err)
{
	(void)record;
	const struct cf_json *src = cf_json_get(node, "eventSource");
	if (!src || src->type != CF_JSON_STRING || cf_str_eq(src->u.text, "aws:dynamodb"))
		return CF_OK;
	return cf_error_set(err, CF_ERR_NOT_EVENT, "%s.eventSource: expected aws:dynamodb, got %.*s", cf_path_str(path),
			    (int)(src->u.text.len > 64 ? 64 : src->u.text.len), src->u.text.ptr);
}

static const struct cf_event_kind stream_kind = { sizeof(struct cf_stream_record), check_event_source, read_record };

CF_API enum cf_status cf_stream_event_parse(const char *json, size_t len, struct cf_stream_event **out,
					    struct cf_error *err)
{
	if (!out)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL output pointer");
	*out = NULL;
	struct stream_event_doc *doc = cf_mem_calloc(1, sizeof(*doc));
	if (!doc)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	void *records;
	enum cf_status st = cf_event_records_parse(&doc->arena, json, len, &stream_kind, &records, &doc->pub.count, err);
	if (st) {
		cf_stream_event_destroy(&doc->pub);
		return st;
	}
	doc->pub.records = records;
	*out = &doc->pub;
	return CF_OK;
}

CF_API void cf_stream_event_destroy(struct cf_stream_event *event)
{
	if (!event)
		return;
	struct stream_event_doc *doc = (struct stream_event_doc *)event;
	cf_arena_clean_up(&doc->arena);
	cf_mem_free(doc);
}
