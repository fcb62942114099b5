/* process-cart-products: DynamoDB stream records -> SQS messages, reported by SequenceNumber. */
#include <stdio.h>
#include <string.h>

#include "alloc_internal.h"
#include "cartflow/batch_response.h"
#include "cartflow/forward.h"
#include "cartflow/sqs_client.h"
#include "cartflow/stream_event.h"
#include "handler_internal.h"

static char *seq_text(struct cf_str s, char buf[64])
{
	snprintf(buf, 64, "%.*s", (int)(s.len > 63 ? 63 : s.len), s.ptr ? s.ptr : "");
	return buf;
}

static void log_record(struct cf_handler *h, enum cf_log_level level, const char *message,
		       const struct cf_stream_record *rec, const char *reason)
{
	char seq[64], id[64];
	struct cf_log_field f[] = { { "sequenceNumber", seq_text(rec->sequence_number, seq) },
				    { "eventID", seq_text(rec->event_id, id) },
				    { "reason", reason } };
	cf_log(h->log, level, message, f, 3);
}

/*
 * Index of the first record that failed (unreadable, unsendable), or event->count when none did.
 * `sent` has one result per message of `batch`.
 */
static size_t first_failure(struct cf_handler *h, const struct cf_stream_event *event,
			    const struct cf_forward_batch *batch, const struct cf_sqs_send_result *sent)
{
	size_t first = event->count;
	for (size_t i = 0; i < batch->outcome_count; i++) {
		const struct cf_record_outcome *o = &batch->outcomes[i];
		const struct cf_stream_record *rec = &event->records[i];
		if (o->status) {
			log_record(h, CF_LOG_WARN, "record cannot be forwarded", rec, o->problem);
		} else if (o->decision == CF_FORWARD && sent[o->message_index].status) {
			const struct cf_sqs_send_result *r = &sent[o->message_index];
			char reason[400];
			snprintf(reason, sizeof(reason), "%s (%s): %s", r->code, cf_aws_error_class_name(r->error_class),
				 r->message);
			log_record(h, CF_LOG_WARN, "message not sent", rec, reason);
		} else {
			if (o->decision == CF_SKIP_NO_NEW_IMAGE)
				log_record(h, CF_LOG_WARN, "record skipped: the stream carries no NewImage", rec,
					   cf_forward_decision_name(o->decision));
			else if (cf_logger_enabled(h->log, CF_LOG_DEBUG))
				log_record(h, CF_LOG_DEBUG, "record handled", rec, cf_forward_decision_name(o->decision));
			continue;
		}
		if (i < first)
			first = i;
	}
	return first;
}

/* The SequenceNumbers from `first` on; CF_ERR_MISSING when a failed record has none to report. */
static enum cf_status failure_ids(const struct cf_stream_event *event, size_t first, struct cf_str *ids,
				  size_t *count, struct cf_error *err)
{
	*count = 0;
	for (size_t i = first; i < event->count; i++) {
		struct cf_str seq = event->records[i].sequence_number;
		if (seq.ptr && seq.len) {
			ids[(*count)++] = seq;
			continue;
		}
		if (i == first)
			return cf_error_set(err, CF_ERR_MISSING,
					    "Records[%zu] failed and has no dynamodb.SequenceNumber to report", i);
	}
	return CF_OK;
}

static void log_summary(struct cf_handler *h, const struct cf_stream_event *event,
			const struct cf_forward_batch *batch, size_t reported)
{
	char records[24], forwarded[24], failed[24];
	snprintf(records, sizeof(records), "%zu", event->count);
	snprintf(forwarded, sizeof(forwarded), "%zu", batch->message_count);
	snprintf(failed, sizeof(failed), "%zu", reported);
	struct cf_log_field f[] = { { "records", records }, { "messages", forwarded }, { "reportedFailures", failed } };
	cf_log(h->log, CF_LOG_INFO, "stream batch processed", f, 3);
}

static enum cf_status invoke(struct cf_handler *h, const struct cf_invocation *inv, char **response,
			     size_t *response_len, struct cf_error *err)
{
	struct cf_stream_event *event = NULL;
	struct cf_forward_batch *batch = NULL;
	struct cf_sqs_send_result *sent = NULL;
	struct cf_str *ids = NULL;
	enum cf_status st = cf_stream_event_parse(inv->event, inv->event_len, &event, err);
	if (st)
		goto out;
	const struct cf_forward_options fopt = { .fifo = h->fifo };
	if ((st = cf_forward_event(event, &fopt, &batch, err)))
		goto out;
	sent = cf_mem_calloc(batch->message_count ? batch->message_count : 1, sizeof(*sent));
	ids = cf_mem_calloc(event->count ? event->count : 1, sizeof(*ids));
	if (!sent || !ids) {
		st = cf_error_set(err, CF_ERR_NOMEM, "out of memory");
		goto out;
	}
	const struct cf_sqs_send_options sopt = { .queue_url = h->target, .max_in_flight = h->max_in_flight,
						  .deadline_ms = inv->deadline_ms };
	if ((st = cf_sqs_send_messages(h->client, &sopt, batch->messages, batch->message_count, sent, err)))
		goto out;
	size_t count;
	if ((st = failure_ids(event, first_failure(h, event, batch, sent), ids, &count, err)))
		goto out;
	log_summary(h, event, batch, count);
	if ((st = cf_batch_response_write(ids, count, response, response_len)))
		cf_error_set(err, st, "out of memory writing the response");
out:
	cf_mem_free(ids);
	cf_mem_free(sent);
	cf_forward_batch_destroy(batch);
	cf_stream_event_destroy(event);
	return st;
}

CF_API enum cf_status cf_process_cart_products_new(const struct cf_handler_env *env, struct cf_handler **out,
						   struct cf_error *err)
{
	return cf_handler_create(env, "UPDATE_CART_PRODUCT_SQS", invoke, out, err);
}
