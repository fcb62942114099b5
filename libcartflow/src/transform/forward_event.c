/* Pure function 1: a stream event to SQS messages, one per forwarded record. */
#include <stdint.h>
#include <stdio.h>

#include "alloc_internal.h"
#include "arena.h"
#include "attr_internal.h"
#include "buf.h"
#include "cartflow/forward.h"
#include "sha256.h"

struct forward_doc {
	struct cf_forward_batch pub;
	struct cf_arena arena;
	struct cf_buf bodies; /* every message body, each followed by a NUL */
};

enum { FIFO_TOKEN_MAX = 128 };

/* MessageGroupId and MessageDeduplicationId allow 1-128 printable ASCII punctuation or alphanumerics. */
static bool fifo_token_ok(struct cf_str s)
{
	if (s.len == 0 || s.len > FIFO_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (s.ptr[i] <= ' ' || s.ptr[i] >= 0x7F)
			return false;
	return true;
}

/* `s` itself when it is a valid FIFO token, else its SHA-256 in hex (64 characters). */
static const char *fifo_token(struct cf_arena *arena, struct cf_str s)
{
	if (fifo_token_ok(s))
		return cf_arena_strndup(arena, s.ptr, s.len);
	unsigned char md[CF_SHA256_LEN];
	cf_sha256(&s, 1, md);
	char *hex = cf_arena_alloc(arena, 2 * CF_SHA256_LEN + 1);
	if (hex)
		cf_hex_lower(md, sizeof(md), hex);
	return hex;
}

/* Fill FIFO fields of `msg`; CF_ERR_MISSING when the record lacks what they derive from. */
static enum cf_status set_fifo_fields(struct cf_arena *arena, const struct cf_stream_record *rec,
				      struct cf_sqs_message *msg, struct cf_error *err)
{
	const struct cf_attr *order_id = cf_attr_get(rec->new_image, "order_id");
	if (!order_id || order_id->type != CF_ATTR_S || order_id->v.text.len == 0)
		return cf_error_set(err, CF_ERR_MISSING, "dynamodb.NewImage.order_id: missing S, needed as MessageGroupId");
	if (!rec->event_id.ptr || rec->event_id.len == 0)
		return cf_error_set(err, CF_ERR_MISSING, "eventID: missing, needed for MessageDeduplicationId");
	msg->group_id = fifo_token(arena, order_id->v.text);
	msg->deduplication_id = fifo_token(arena, rec->event_id);
	if (!msg->group_id || !msg->deduplication_id)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	return CF_OK;
}

/*
 * Append the body to doc->bodies; msg->body holds its offset until every body is written, since
 * the buffer may still move (see point_bodies_into_buffer).
 */
static enum cf_status build_message(struct forward_doc *doc, const struct cf_stream_record *rec, size_t index,
				    bool fifo, struct cf_sqs_message *msg, struct cf_error *err)
{
	memset(msg, 0, sizeof(*msg));
	snprintf(msg->id, sizeof(msg->id), "r%zu", index);
	msg->record_index = index;
	size_t start = doc->bodies.len;
	cf_attr_append_item(&doc->bodies, rec->new_image);
	msg->body_len = doc->bodies.len - start;
	cf_buf_putc(&doc->bodies, '\0');
	if (doc->bodies.failed)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	msg->body = (const char *)(uintptr_t)start;
	return fifo ? set_fifo_fields(&doc->arena, rec, msg, err) : CF_OK;
}

static void point_bodies_into_buffer(struct forward_doc *doc, struct cf_sqs_message *messages)
{
	for (size_t i = 0; i < doc->pub.message_count; i++)
		messages[i].body = doc->bodies.data + (uintptr_t)messages[i].body;
}

/* Decide one record and, when forwarded, append its message. */
static enum cf_status process_record(struct forward_doc *doc, const struct cf_stream_record *rec, size_t index, bool fifo,
				     struct cf_sqs_message *messages, struct cf_record_outcome *outcome)
{
	memset(outcome, 0, sizeof(*outcome));
	if (rec->status) {
		outcome->status = rec->status;
		outcome->problem = cf_arena_strndup(&doc->arena, rec->problem, strlen(rec->problem));
		return outcome->problem ? CF_OK : CF_ERR_NOMEM;
	}
	outcome->decision = cf_forward_decide(rec);
	if (outcome->decision != CF_FORWARD)
		return CF_OK;
	struct cf_error rec_err;
	size_t m = doc->pub.message_count;
	size_t mark = doc->bodies.len;
	enum cf_status st = build_message(doc, rec, index, fifo, &messages[m], &rec_err);
	if (st == CF_ERR_NOMEM)
		return st;
	if (st) {
		doc->bodies.len = mark;
		char prefix[32];
		int n = snprintf(prefix, sizeof(prefix), "Records[%zu].", index);
		char *problem = cf_arena_alloc(&doc->arena, (size_t)n + strlen(rec_err.message) + 1);
		if (!problem)
			return CF_ERR_NOMEM;
		memcpy(problem, prefix, (size_t)n);
		strcpy(problem + n, rec_err.message);
		outcome->status = st;
		outcome->problem = problem;
		return CF_OK;
	}
	outcome->message_index = m;
	doc->pub.message_count++;
	return CF_OK;
}

CF_API enum cf_status cf_forward_event(const struct cf_stream_event *event, const struct cf_forward_options *opt,
				       struct cf_forward_batch **out, struct cf_error *err)
{
	if (out)
		*out = NULL;
	if (!out || !event)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL argument");
	*out = NULL;
	bool fifo = opt && opt->fifo;
	struct forward_doc *doc = cf_mem_calloc(1, sizeof(*doc));
	if (!doc)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	enum cf_status st = CF_ERR_NOMEM;
	size_t n = event->count;
	struct cf_sqs_message *messages = n ? cf_arena_alloc(&doc->arena, n * sizeof(*messages)) : NULL;
	struct cf_record_outcome *outcomes = n ? cf_arena_alloc(&doc->arena, n * sizeof(*outcomes)) : NULL;
	if (n && (!messages || !outcomes))
		goto out_fail;
	doc->pub.messages = messages;
	doc->pub.outcomes = outcomes;
	doc->pub.outcome_count = n;
	for (size_t i = 0; i < n; i++)
		if ((st = process_record(doc, &event->records[i], i, fifo, messages, &outcomes[i])))
			goto out_fail;
	point_bodies_into_buffer(doc, messages);
	*out = &doc->pub;
	return CF_OK;
out_fail:
	cf_forward_batch_destroy(&doc->pub);
	return cf_error_set(err, CF_ERR_NOMEM, "out of memory building messages");
}

CF_API void cf_forward_batch_destroy(struct cf_forward_batch *batch)
{
	if (!batch)
		return;
	struct forward_doc *doc = (struct forward_doc *)batch;
	cf_arena_clean_up(&doc->arena);
	cf_buf_clean_up(&doc->bodies);
	cf_mem_free(doc);
}
