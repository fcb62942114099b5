/* SendMessageBatch: packing, sending concurrently, and retrying the entries SQS could not take. */
#include <stdio.h>
#include <string.h>

#include "alloc_internal.h"
#include "aws_internal.h"
#include "arena.h"
#include "buf.h"
#include "json.h"
#include "cartflow/sqs_client.h"

/* One SendMessageBatch call: up to ten message indices. */
struct batch {
	size_t members[CF_SQS_MAX_BATCH_ENTRIES];
	size_t count;
	struct cf_buf body;
};

struct send_state {
	const struct cf_sqs_message *messages;
	struct cf_sqs_send_result *results;
	size_t *pending;
	size_t pending_count;
	struct batch *batches;
	size_t batch_count;
};

/* `code` and `message` borrowed; copied, control bytes (NUL included) shown as '?'. */
static void set_result_str(struct cf_sqs_send_result *r, enum cf_status st, enum cf_aws_error_class cls,
			   struct cf_str code, struct cf_str message)
{
	r->status = st;
	r->error_class = cls;
	cf_copy_text(r->code, sizeof(r->code), code.ptr, code.len);
	cf_copy_text(r->message, sizeof(r->message), message.ptr, message.len);
}

static void set_result(struct cf_sqs_send_result *r, enum cf_status st, enum cf_aws_error_class cls, const char *code,
		       const char *message)
{
	set_result_str(r, st, cls, (struct cf_str){ code, strlen(code) }, (struct cf_str){ message, strlen(message) });
}

static bool entry_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > CF_SQS_ENTRY_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9') ||
		      id[i] == '-' || id[i] == '_'))
			return false;
	return true;
}

static bool id_in_batch(const struct batch *b, const struct cf_sqs_message *msgs, const char *id)
{
	for (size_t k = 0; k < b->count; k++)
		if (!strcmp(msgs[b->members[k]].id, id))
			return true;
	return false;
}

/* Greedy packing in message order: ten entries, `limit` bytes of bodies, unique Ids per batch. */
static size_t pack(struct send_state *s, size_t limit)
{
	size_t nb = 0, bytes = 0;
	for (size_t k = 0; k < s->pending_count; k++) {
		const struct cf_sqs_message *m = &s->messages[s->pending[k]];
		struct batch *b = nb ? &s->batches[nb - 1] : NULL;
		if (!b || b->count == CF_SQS_MAX_BATCH_ENTRIES || bytes + m->body_len > limit || id_in_batch(b, s->messages, m->id)) {
			b = &s->batches[nb++];
			b->count = 0;
			bytes = 0;
		}
		b->members[b->count++] = s->pending[k];
		bytes += m->body_len;
	}
	return nb;
}

static void write_body(struct batch *b, const struct cf_sqs_message *msgs, const char *queue_url)
{
	struct cf_buf *buf = &b->body;
	buf->len = 0;
	cf_buf_puts(buf, "{\"QueueUrl\":");
	cf_buf_json_string(buf, queue_url, strlen(queue_url));
	cf_buf_puts(buf, ",\"Entries\":[");
	for (size_t k = 0; k < b->count; k++) {
		const struct cf_sqs_message *m = &msgs[b->members[k]];
		cf_buf_puts(buf, k ? ",{\"Id\":" : "{\"Id\":");
		cf_buf_json_string(buf, m->id, strlen(m->id));
		cf_buf_puts(buf, ",\"MessageBody\":");
		cf_buf_json_string(buf, m->body, m->body_len);
		if (m->group_id) {
			cf_buf_puts(buf, ",\"MessageGroupId\":");
			cf_buf_json_string(buf, m->group_id, strlen(m->group_id));
		}
		if (m->deduplication_id) {
			cf_buf_puts(buf, ",\"MessageDeduplicationId\":");
			cf_buf_json_string(buf, m->deduplication_id, strlen(m->deduplication_id));
		}
		cf_buf_putc(buf, '}');
	}
	cf_buf_puts(buf, "]}");
}

/* The string member `key` of `obj`, or an empty one (ptr NULL) when missing or not a string. */
static struct cf_str json_str(const struct cf_json *obj, const char *key)
{
	const struct cf_json *v = cf_json_get(obj, key);
	return v && v->type == CF_JSON_STRING ? v->u.text : (struct cf_str){ 0 };
}

/* Index into msgs of the batch member whose Id is `id`, or SIZE_MAX. */
static size_t member_by_id(const struct batch *b, const struct cf_sqs_message *msgs, struct cf_str id)
{
	for (size_t k = 0; k < b->count; k++)
		if (cf_str_eq(id, msgs[b->members[k]].id))
			return b->members[k];
	return SIZE_MAX;
}

/* The array member `key` of `root`, or NULL. */
static const struct cf_json *json_array(const struct cf_json *root, const char *key)
{
	const struct cf_json *v = cf_json_get(root, key);
	return v && v->type == CF_JSON_ARRAY ? v : NULL;
}

/*
 * Apply a 2xx SendMessageBatch answer to the batch's members; members left undecided (or all of them,
 * when the answer is not JSON or memory runs out) stay transient failures, to be sent again.
 */
static void apply_response(struct send_state *s, const struct batch *b, const struct cf_aws_result *res)
{
	for (size_t k = 0; k < b->count; k++)
		set_result(&s->results[b->members[k]], CF_ERR_AWS, CF_AWS_TRANSIENT, "MissingFromResponse",
			   "SendMessageBatch answer did not mention this entry");
	struct cf_arena arena = { 0 };
	const struct cf_json *root = NULL, *list;
	struct cf_error err;
	if (!res->body || cf_json_parse(&arena, res->body, res->body_len, &root, &err) != CF_OK)
		goto out;
	if ((list = json_array(root, "Successful"))) {
		for (uint32_t j = 0; j < list->count; j++) {
			const struct cf_json *e = &list->u.entries[j].value;
			size_t i = member_by_id(b, s->messages, json_str(e, "Id"));
			if (i == SIZE_MAX)
				continue;
			set_result(&s->results[i], CF_OK, CF_AWS_OK, "", "");
			struct cf_str mid = json_str(e, "MessageId");
			cf_copy_text(s->results[i].message_id, sizeof(s->results[i].message_id), mid.ptr, mid.len);
		}
	}
	if ((list = json_array(root, "Failed"))) {
		for (uint32_t j = 0; j < list->count; j++) {
			const struct cf_json *e = &list->u.entries[j].value;
			size_t i = member_by_id(b, s->messages, json_str(e, "Id"));
			if (i == SIZE_MAX)
				continue;
			const struct cf_json *fault = cf_json_get(e, "SenderFault");
			bool sender = fault && fault->type == CF_JSON_TRUE;
			struct cf_str code = json_str(e, "Code"), msg = json_str(e, "Message");
			if (!code.ptr)
				code = (struct cf_str){ "Failed", strlen("Failed") };
			if (!msg.ptr)
				msg = (struct cf_str){ "SQS did not accept the entry", strlen("SQS did not accept the entry") };
			set_result_str(&s->results[i], CF_ERR_AWS, sender ? CF_AWS_PERMANENT : CF_AWS_TRANSIENT, code, msg);
		}
	}
out:
	cf_arena_clean_up(&arena);
}

/* Send every pending message once; keep pending only the entries worth another round. */
static enum cf_status send_round(struct cf_aws_client *c, struct send_state *s, const struct cf_sqs_send_options *opt,
				 size_t limit, unsigned round)
{
	size_t nb = pack(s, limit);
	struct cf_aws_request *reqs = cf_mem_calloc(nb, sizeof(*reqs));
	struct cf_aws_result *res = cf_mem_calloc(nb, sizeof(*res));
	enum cf_status st = CF_ERR_NOMEM;
	if (!reqs || !res)
		goto out_free;
	for (size_t b = 0; b < nb; b++) {
		write_body(&s->batches[b], s->messages, opt->queue_url);
		if (s->batches[b].body.failed)
			goto out_free;
		reqs[b] = (struct cf_aws_request){ s->batches[b].body.data, s->batches[b].body.len };
	}
	size_t in_flight = opt->max_in_flight ? opt->max_in_flight : 10;
	if ((st = cf_aws_call_many(c, CF_AWS_SQS, "AmazonSQS.SendMessageBatch", reqs, nb, in_flight, opt->deadline_ms, res)))
		goto out_free;
	size_t keep = 0;
	for (size_t b = 0; b < nb; b++) {
		const struct batch *batch = &s->batches[b];
		if (res[b].status == CF_OK)
			apply_response(s, batch, &res[b]);
		for (size_t k = 0; k < batch->count; k++) {
			struct cf_sqs_send_result *r = &s->results[batch->members[k]];
			r->attempts += res[b].attempts;
			if (res[b].status != CF_OK)
				set_result(r, res[b].status, res[b].error_class, res[b].error_type, res[b].error_message);
			else if (r->status != CF_OK && r->error_class == CF_AWS_TRANSIENT && round < c->retry.max_attempts)
				s->pending[keep++] = batch->members[k];
		}
	}
	s->pending_count = keep;
out_free:
	for (size_t b = 0; res && b < nb; b++)
		cf_aws_result_clean_up(&res[b]);
	cf_mem_free(reqs);
	cf_mem_free(res);
	return st;
}

/* Spend retry tokens for the entries left; those the quota cannot cover keep their last failure. */
static void take_retry_tokens(struct cf_aws_client *c, struct send_state *s)
{
	size_t keep = 0;
	for (size_t k = 0; k < s->pending_count; k++) {
		size_t i = s->pending[k];
		if (cf_retry_take_tokens(c, false)) {
			s->pending[keep++] = i;
			continue;
		}
		char *msg = s->results[i].message;
		size_t n = strlen(msg);
		snprintf(msg + n, sizeof(s->results[i].message) - n, " (retry quota exhausted)");
	}
	s->pending_count = keep;
}

/* Decide up front what cannot be sent at all; the rest becomes pending. */
static void screen_messages(struct send_state *s, size_t count, size_t limit)
{
	for (size_t i = 0; i < count; i++) {
		const struct cf_sqs_message *m = &s->messages[i];
		char why[128];
		if (!entry_id_ok(m->id)) {
			set_result(&s->results[i], CF_ERR_INVALID_ARG, CF_AWS_PERMANENT, "InvalidBatchEntryId",
				   "entry Id must be 1-80 characters of [A-Za-z0-9_-]");
		} else if (m->body_len > limit) {
			snprintf(why, sizeof(why), "message body of %zu bytes exceeds the %zu-byte limit", m->body_len, limit);
			set_result(&s->results[i], CF_ERR_TOO_LARGE, CF_AWS_PERMANENT, "MessageTooLong", why);
		} else {
			s->pending[s->pending_count++] = i;
		}
	}
}

CF_API enum cf_status cf_sqs_send_messages(struct cf_aws_client *client, const struct cf_sqs_send_options *opt,
					   const struct cf_sqs_message *messages, size_t count,
					   struct cf_sqs_send_result *results, struct cf_error *err)
{
	if (!client || !opt || !opt->queue_url || !*opt->queue_url || (count && (!messages || !results)))
		return cf_error_set(err, CF_ERR_INVALID_ARG, "client, queue URL, messages and results are required");
	if (!count)
		return CF_OK;
	memset(results, 0, count * sizeof(*results));
	size_t limit = opt->max_payload_bytes ? opt->max_payload_bytes : CF_SQS_DEFAULT_MAX_PAYLOAD;
	struct send_state s = { .messages = messages, .results = results };
	s.pending = cf_mem_calloc(count, sizeof(*s.pending));
	s.batches = cf_mem_calloc(count, sizeof(*s.batches));
	enum cf_status st = CF_ERR_NOMEM;
	if (!s.pending || !s.batches)
		goto out_free;
	screen_messages(&s, count, limit);
	st = CF_OK;
	for (unsigned round = 1; s.pending_count && !st; round++) {
		if (round > 1) {
			int64_t delay = cf_retry_delay_ms(client, round - 1);
			int64_t deadline = cf_aws_effective_deadline(client, opt->deadline_ms);
			if (deadline && cf_clock_now_ms(client->clock) + delay >= deadline)
				break;
			/* Tokens only for retries that will happen, after the deadline check. */
			take_retry_tokens(client, &s);
			if (!s.pending_count)
				break;
			cf_clock_sleep_ms(client->clock, delay);
		}
		st = send_round(client, &s, opt, limit, round);
	}
out_free:
	for (size_t b = 0; s.batches && b < count; b++)
		cf_buf_clean_up(&s.batches[b].body);
	cf_mem_free(s.batches);
	cf_mem_free(s.pending);
	if (st)
		return cf_error_set(err, st, "SendMessageBatch could not run: %s", cf_strerror(st));
	return CF_OK;
}
