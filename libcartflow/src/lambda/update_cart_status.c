/* update-cart-status: SQS messages -> orders -> UpdateItem per order item, reported by messageId. */
#include <stdio.h>
#include <string.h>

#include "alloc_internal.h"
#include "cartflow/batch_response.h"
#include "cartflow/dynamodb_client.h"
#include "cartflow/order.h"
#include "cartflow/sqs_event.h"
#include "cartflow/update_item.h"
#include "handler_internal.h"

/* What happened to one message of the batch. */
struct message_state {
	struct cf_order *order;
	struct cf_update_batch *updates;
	bool failed;
};

static void text(char *buf, size_t cap, struct cf_str s)
{
	snprintf(buf, cap, "%.*s", (int)(s.len > cap - 1 ? cap - 1 : s.len), s.ptr ? s.ptr : "");
}

static void log_failure(struct cf_handler *h, const struct cf_sqs_record *rec, const struct cf_order *order,
			const struct cf_update_request *update, bool permanent, const char *reason)
{
	char message_id[128], order_id[128] = "", product_id[128] = "";
	text(message_id, sizeof(message_id), rec->message_id);
	if (order)
		text(order_id, sizeof(order_id), order->order_id);
	if (update)
		text(product_id, sizeof(product_id), update->product_id);
	struct cf_log_field f[] = { { "messageId", message_id }, { "orderId", order_id }, { "productId", product_id },
				    { "permanent", permanent ? "true" : "false" }, { "reason", reason } };
	cf_log(h->log, CF_LOG_WARN, permanent ? "message failed permanently" : "message failed, will be retried", f, 5);
}

/* Parse message i and build its UpdateItem requests; a message that cannot be read fails permanently. */
static enum cf_status prepare(struct cf_handler *h, const struct cf_sqs_record *rec, struct message_state *ms,
			      struct cf_error *err)
{
	struct cf_error why;
	enum cf_status st = rec->status;
	if (st) {
		log_failure(h, rec, NULL, NULL, true, rec->problem);
	} else if ((st = cf_order_parse(rec->body.ptr, rec->body.len, &ms->order, &why))) {
		log_failure(h, rec, NULL, NULL, st != CF_ERR_NOMEM, why.message);
	} else {
		const struct cf_update_options uopt = { .table_name = h->target };
		if ((st = cf_order_to_updates(ms->order, &uopt, &ms->updates, &why)))
			log_failure(h, rec, ms->order, NULL, false, why.message);
	}
	ms->failed = st != CF_OK;
	return st == CF_ERR_NOMEM ? cf_error_set(err, st, "out of memory preparing updates") : CF_OK;
}

/* Run the updates of messages [from, to) together; a message fails if any of its updates does. */
static enum cf_status run_updates(struct cf_handler *h, const struct cf_invocation *inv,
				  const struct cf_sqs_event *event, size_t from, size_t to, struct message_state *states,
				  struct cf_error *err)
{
	size_t total = 0;
	for (size_t i = from; i < to; i++)
		total += states[i].updates ? states[i].updates->count : 0;
	if (!total)
		return CF_OK;
	struct cf_update_request *reqs = cf_mem_calloc(total, sizeof(*reqs));
	size_t *owner = cf_mem_calloc(total, sizeof(*owner));
	struct cf_aws_result *results = cf_mem_calloc(total, sizeof(*results));
	enum cf_status st = CF_ERR_NOMEM;
	if (!reqs || !owner || !results) {
		cf_error_set(err, st, "out of memory");
		goto out;
	}
	size_t k = 0;
	for (size_t i = from; i < to; i++)
		for (size_t j = 0; states[i].updates && j < states[i].updates->count; j++, k++) {
			reqs[k] = states[i].updates->requests[j];
			owner[k] = i;
		}
	const struct cf_dynamodb_options dopt = { .max_in_flight = h->max_in_flight, .deadline_ms = inv->deadline_ms };
	if ((st = cf_dynamodb_update_items(h->client, reqs, total, &dopt, results, err)))
		goto out;
	for (k = 0; k < total; k++) {
		if (results[k].status == CF_OK)
			continue;
		struct message_state *ms = &states[owner[k]];
		char reason[400];
		snprintf(reason, sizeof(reason), "%s: %s", results[k].error_type, results[k].error_message);
		log_failure(h, &event->records[owner[k]], ms->order, &reqs[k],
			    results[k].error_class == CF_AWS_PERMANENT, reason);
		ms->failed = true;
	}
out:
	for (k = 0; results && k < total; k++)
		cf_aws_result_clean_up(&results[k]);
	cf_mem_free(results);
	cf_mem_free(owner);
	cf_mem_free(reqs);
	return st;
}

static bool event_is_fifo(const struct cf_sqs_event *event)
{
	for (size_t i = 0; i < event->count; i++)
		if (cf_sqs_record_is_fifo(&event->records[i]))
			return true;
	return false;
}

/*
 * Standard queue: every message at once. FIFO: one message at a time, in order; the first failure
 * stops the batch and every later message is reported unprocessed.
 */
static enum cf_status process(struct cf_handler *h, const struct cf_invocation *inv, const struct cf_sqs_event *event,
			      struct message_state *states, struct cf_error *err)
{
	enum cf_status st = CF_OK;
	bool fifo = event_is_fifo(event);
	size_t step = fifo ? 1 : event->count;
	for (size_t from = 0; from < event->count && !st; from += step) {
		size_t to = from + step;
		for (size_t i = from; i < to && !st; i++)
			st = prepare(h, &event->records[i], &states[i], err);
		if (!st)
			st = run_updates(h, inv, event, from, to, states, err);
		if (fifo && states[from].failed) {
			for (size_t i = to; i < event->count; i++) {
				states[i].failed = true;
				log_failure(h, &event->records[i], NULL, NULL, false,
					    "not processed: an earlier message of this FIFO batch failed");
			}
			break;
		}
	}
	return st;
}

static enum cf_status respond(struct cf_handler *h, const struct cf_sqs_event *event,
			      const struct message_state *states, char **response, size_t *response_len,
			      struct cf_error *err)
{
	struct cf_str *ids = cf_mem_calloc(event->count ? event->count : 1, sizeof(*ids));
	if (!ids)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	size_t n = 0, updates = 0;
	for (size_t i = 0; i < event->count; i++) {
		if (states[i].failed)
			ids[n++] = event->records[i].message_id;
		else if (states[i].updates)
			updates += states[i].updates->count;
	}
	char messages[24], failed[24], updated[24];
	snprintf(messages, sizeof(messages), "%zu", event->count);
	snprintf(failed, sizeof(failed), "%zu", n);
	snprintf(updated, sizeof(updated), "%zu", updates);
	struct cf_log_field f[] = { { "messages", messages }, { "cartLinesUpdated", updated }, { "reportedFailures", failed } };
	cf_log(h->log, CF_LOG_INFO, "SQS batch processed", f, 3);
	enum cf_status st = cf_batch_response_write(ids, n, response, response_len);
	cf_mem_free(ids);
	return st ? cf_error_set(err, st, "out of memory writing the response") : CF_OK;
}

static enum cf_status invoke(struct cf_handler *h, const struct cf_invocation *inv, char **response,
			     size_t *response_len, struct cf_error *err)
{
	struct cf_sqs_event *event = NULL;
	struct message_state *states = NULL;
	enum cf_status st = cf_sqs_event_parse(inv->event, inv->event_len, &event, err);
	if (st)
		return st;
	if (!(states = cf_mem_calloc(event->count ? event->count : 1, sizeof(*states)))) {
		st = cf_error_set(err, CF_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (!(st = process(h, inv, event, states, err)))
		st = respond(h, event, states, response, response_len, err);
out:
	for (size_t i = 0; states && i < event->count; i++) {
		cf_update_batch_destroy(states[i].updates);
		cf_order_destroy(states[i].order);
	}
	cf_mem_free(states);
	cf_sqs_event_destroy(event);
	return st;
}

CF_API enum cf_status cf_update_cart_status_new(const struct cf_handler_env *env, struct cf_handler **out,
						struct cf_error *err)
{
	return cf_handler_create(env, "TABLE_NAME", invoke, out, err);
}
