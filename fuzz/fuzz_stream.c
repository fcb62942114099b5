/*
 * Target 2: DynamoDB Streams events. cf_stream_event_parse, then cf_forward_event for a standard and
 * for a FIFO queue. Checks: every record ends with exactly one outcome (forwarded, skipped or failed
 * with a problem), the outcome agrees with cf_forward_decide, every message is referenced by one
 * forwarded outcome and its body is the record's NewImage written as an item (json-c accepts it, our
 * parser reads it back), ids are unique SQS entry ids, FIFO group and deduplication ids are valid SQS
 * tokens (1-128 printable ASCII, no spaces), and the failed SequenceNumbers make a valid batch response.
 */
#include "fuzz_common.h"

#include "cartflow/attr.h"
#include "cartflow/batch_response.h"
#include "cartflow/forward.h"
#include "cartflow/stream_event.h"

static bool sqs_token_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7F)
			return false;
	return true;
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

static enum cf_status check_forward(const struct cf_stream_event *ev, bool fifo)
{
	struct cf_forward_options opt = { .fifo = fifo };
	struct cf_forward_batch *b = NULL;
	struct cf_error err;
	enum cf_status st = cf_forward_event(ev, &opt, &b, &err);
	FUZZ_CHECK_OK(st, "cf_forward_event");
	if (st != CF_OK) {
		FUZZ_CHECK(!b, "failed with a batch");
		return st;
	}
	FUZZ_CHECK(b->outcome_count == ev->count, "%zu outcomes for %zu records", b->outcome_count, ev->count);
	size_t forwarded = 0;
	enum cf_status nomem = CF_OK; /* an allocation the sweep failed in a check below */
	for (size_t i = 0; i < b->outcome_count; i++) {
		const struct cf_record_outcome *o = &b->outcomes[i];
		const struct cf_stream_record *rec = &ev->records[i];
		if (rec->status != CF_OK) {
			FUZZ_CHECK(o->status == rec->status && o->problem && !strcmp(o->problem, rec->problem),
				   "record %zu: failure not carried over", i);
			continue;
		}
		if (o->status != CF_OK) {
			/* Only a FIFO message without its order id or eventID fails here. */
			FUZZ_CHECK(fifo && o->status == CF_ERR_MISSING && o->problem && *o->problem,
				   "record %zu: failed outcome %d", i, o->status);
			FUZZ_CHECK(cf_forward_decide(rec) == CF_FORWARD, "record %zu: failed but not forwarded", i);
			continue;
		}
		FUZZ_CHECK(!o->problem, "record %zu: problem on success", i);
		FUZZ_CHECK(o->decision == cf_forward_decide(rec), "record %zu: decision %d, rule says %d", i,
			   o->decision, cf_forward_decide(rec));
		if (o->decision != CF_FORWARD)
			continue;
		forwarded++;
		FUZZ_CHECK(o->message_index < b->message_count, "record %zu: message index out of range", i);
		const struct cf_sqs_message *m = &b->messages[o->message_index];
		FUZZ_CHECK(m->record_index == i, "message %zu names record %zu, not %zu", o->message_index,
			   m->record_index, i);
		FUZZ_CHECK(rec->new_image && rec->new_image->type == CF_ATTR_M, "forwarded without a NewImage");
		FUZZ_CHECK(entry_id_ok(m->id), "entry id %s", m->id);
		FUZZ_CHECK(m->body && m->body[m->body_len] == '\0' && strlen(m->body) == m->body_len, "body framing");

		char *want = NULL;
		size_t want_len = 0;
		enum cf_status ws = cf_attr_write_item(rec->new_image, &want, &want_len);
		FUZZ_CHECK_OK(ws, "writing the NewImage");
		if (ws != CF_OK)
			nomem = ws;
		else
			FUZZ_CHECK(want_len == m->body_len && memcmp(want, m->body, want_len) == 0,
				   "body is not the NewImage");
		cf_free(want);
		struct json_object *jc = fuzz_jsonc_strict(m->body, m->body_len);
		FUZZ_CHECK(jc && json_object_is_type(jc, json_type_object), "json-c refuses body %s", m->body);
		json_object_put(jc);
		struct cf_attr_doc *doc = NULL;
		enum cf_status ps = cf_attr_doc_parse_item(m->body, m->body_len, &doc, &err);
		FUZZ_CHECK_OK(ps, "reading a body back");
		if (ps != CF_OK)
			nomem = ps;
		cf_attr_doc_destroy(doc);

		if (fifo) {
			FUZZ_CHECK(m->group_id && sqs_token_ok(m->group_id), "MessageGroupId %s", m->group_id);
			FUZZ_CHECK(m->deduplication_id && sqs_token_ok(m->deduplication_id), "MessageDeduplicationId %s",
				   m->deduplication_id);
		} else {
			FUZZ_CHECK(!m->group_id && !m->deduplication_id, "FIFO fields on a standard queue");
		}
	}
	FUZZ_CHECK(forwarded == b->message_count, "%zu forwarded outcomes, %zu messages", forwarded, b->message_count);
	for (size_t i = 0; i < b->message_count; i++)
		for (size_t j = i + 1; j < b->message_count; j++)
			FUZZ_CHECK(strcmp(b->messages[i].id, b->messages[j].id), "duplicate entry id %s", b->messages[i].id);
	cf_forward_batch_destroy(b);
	return nomem;
}

/* The failed records' SequenceNumbers, as the handler reports them. */
static enum cf_status check_failures_response(const struct cf_stream_event *ev)
{
	struct cf_str *ids = calloc(ev->count + 1, sizeof(*ids));
	if (!ids)
		abort();
	size_t n = 0;
	for (size_t i = 0; i < ev->count; i++)
		if (ev->records[i].status != CF_OK)
			ids[n++] = ev->records[i].sequence_number;
	char *out = NULL;
	size_t len = 0;
	enum cf_status st = cf_batch_response_write(ids, n, &out, &len);
	FUZZ_CHECK_OK(st, "cf_batch_response_write");
	if (st == CF_OK) {
		struct json_object *jc = fuzz_jsonc_strict(out, len);
		FUZZ_CHECK(jc, "json-c refuses the batch response %s", out);
		json_object_put(jc);
	}
	cf_free(out);
	free(ids);
	return st;
}

static enum cf_status run(const uint8_t *data, size_t size)
{
	struct cf_stream_event *ev = (struct cf_stream_event *)&ev;
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_status st = cf_stream_event_parse((const char *)data, size, &ev, &err);
	FUZZ_CHECK((st == CF_OK) == (ev != NULL), "status %d with event %p", st, (void *)ev);
	if (st != CF_OK) {
		FUZZ_CHECK(st == CF_ERR_JSON || st == CF_ERR_NOT_EVENT || st == CF_ERR_NOMEM, "status %d (%s)", st,
			   err.message);
		FUZZ_CHECK(err.code == st, "error detail");
		return st;
	}
	for (size_t i = 0; i < ev->count; i++) {
		const struct cf_stream_record *r = &ev->records[i];
		FUZZ_CHECK((r->status == CF_OK) == (r->problem == NULL), "record %zu: status %d, problem %s", i,
			   r->status, r->problem);
		FUZZ_CHECK(r->status != CF_ERR_NOMEM, "record %zu holds CF_ERR_NOMEM", i);
		if (r->status == CF_OK)
			FUZZ_CHECK((!r->new_image || r->new_image->type == CF_ATTR_M) &&
					   (!r->old_image || r->old_image->type == CF_ATTR_M) &&
					   (!r->keys || r->keys->type == CF_ATTR_M),
				   "record %zu: an image that is not an M", i);
	}
	if ((st = check_forward(ev, false)) == CF_OK && (st = check_forward(ev, true)) == CF_OK)
		st = check_failures_response(ev);
	cf_stream_event_destroy(ev);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_run_with_sweep(run, data, size);
	return 0;
}
