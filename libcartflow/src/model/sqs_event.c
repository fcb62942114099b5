/* SQS Lambda events. */
#include <stdio.h>

#include "alloc_internal.h"
#include "cartflow/sqs_event.h"
#include "event_records.h"
#include "json_fields.h"

struct sqs_event_doc {
	struct cf_sqs_event pub;
	struct cf_arena arena;
};

static enum cf_status read_attributes(const struct cf_json *node, struct cf_sqs_record *rec, struct cf_path *path,
				      struct cf_error *err)
{
	const struct cf_json *attrs = cf_json_get(node, "attributes");
	if (!attrs || attrs->type == CF_JSON_NULL)
		return CF_OK;
	size_t mark = cf_path_push_key(path, (struct cf_str){ "attributes", 10 });
	enum cf_status st;
	if (attrs->type != CF_JSON_OBJECT)
		st = cf_error_set(err, CF_ERR_TYPE, "%s: expected an object", cf_path_str(path));
	else if (!(st = cf_json_string_member(attrs, "ApproximateReceiveCount", &rec->approximate_receive_count, path, err)) &&
		 !(st = cf_json_string_member(attrs, "MessageGroupId", &rec->message_group_id, path, err)) &&
		 !(st = cf_json_string_member(attrs, "MessageDeduplicationId", &rec->message_deduplication_id, path, err)))
		st = cf_json_string_member(attrs, "SequenceNumber", &rec->sequence_number, path, err);
	cf_path_pop(path, mark);
	return st;
}

/* Everything but messageId, which the caller has read. */
static enum cf_status read_record(struct cf_arena *arena, const struct cf_json *node, void *record,
				  struct cf_path *path, struct cf_error *err)
{
	(void)arena;
	struct cf_sqs_record *rec = record;
	enum cf_status st;
	if ((st = cf_json_string_member(node, "receiptHandle", &rec->receipt_handle, path, err)) ||
	    (st = cf_json_string_member(node, "eventSourceARN", &rec->event_source_arn, path, err)) ||
	    (st = cf_json_string_member(node, "awsRegion", &rec->aws_region, path, err)) ||
	    (st = read_attributes(node, rec, path, err)))
		return st;
	return cf_json_required_string_member(node, "body", &rec->body, path, err);
}

/* A record whose source is not SQS, or that has no messageId, makes the whole event unusable. */
static enum cf_status check_record(const struct cf_json *node, void *record, struct cf_path *path, struct cf_error *err)
{
	struct cf_sqs_record *rec = record;
	if (node->type != CF_JSON_OBJECT)
		return cf_error_set(err, CF_ERR_NOT_EVENT, "%s: expected an object, got %s", cf_path_str(path),
				    cf_json_type_name(node->type));
	const struct cf_json *src = cf_json_get(node, "eventSource");
	if (src && src->type == CF_JSON_STRING && !cf_str_eq(src->u.text, "aws:sqs"))
		return cf_error_set(err, CF_ERR_NOT_EVENT, "%s.eventSource: expected aws:sqs, got %.*s", cf_path_str(path),
				    (int)(src->u.text.len > 64 ? 64 : src->u.text.len), src->u.text.ptr);
	struct cf_error why;
	if (cf_json_required_string_member(node, "messageId", &rec->message_id, path, &why))
		return cf_error_set(err, CF_ERR_NOT_EVENT, "%s (the record could not be reported)", why.message);
	return CF_OK;
}

static const struct cf_event_kind sqs_kind = { sizeof(struct cf_sqs_record), check_record, read_record };

CF_API enum cf_status cf_sqs_event_parse(const char *json, size_t len, struct cf_sqs_event **out,
					 struct cf_error *err)
{
	if (!out)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL output pointer");
	*out = NULL;
	struct sqs_event_doc *doc = cf_mem_calloc(1, sizeof(*doc));
	if (!doc)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	void *records;
	enum cf_status st = cf_event_records_parse(&doc->arena, json, len, &sqs_kind, &records, &doc->pub.count, err);
	if (st) {
		cf_sqs_event_destroy(&doc->pub);
		return st;
	}
	doc->pub.records = records;
	*out = &doc->pub;
	return CF_OK;
}

CF_API bool cf_sqs_record_is_fifo(const struct cf_sqs_record *rec)
{
	struct cf_str arn = rec ? rec->event_source_arn : (struct cf_str){ NULL, 0 };
	return arn.ptr && arn.len >= 5 && memcmp(arn.ptr + arn.len - 5, ".fifo", 5) == 0;
}

CF_API void cf_sqs_event_destroy(struct cf_sqs_event *event)
{
	if (!event)
		return;
	struct sqs_event_doc *doc = (struct sqs_event_doc *)event;
	cf_arena_clean_up(&doc->arena);
	cf_mem_free(doc);
}
