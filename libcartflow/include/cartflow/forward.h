/* libcartflow: pure function 1, stream records to SQS messages, and the rule that picks them. */
#ifndef CARTFLOW_FORWARD_H
#define CARTFLOW_FORWARD_H

#include <stdbool.h>
#include <stddef.h>

#include "export.h"
#include "status.h"
#include "stream_event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the forward rule decided for one record. */
enum cf_forward_decision {
	CF_FORWARD,                /* send the NewImage to the queue */
	CF_SKIP_REMOVE,            /* REMOVE records are never forwarded */
	CF_SKIP_NO_NEW_IMAGE,      /* INSERT/MODIFY without NewImage (KEYS_ONLY or OLD_IMAGE stream) */
	CF_SKIP_NOT_ORDERED,       /* NewImage.order_status is not S "ORDERED" */
	CF_SKIP_NO_OLD_IMAGE,      /* MODIFY without OldImage: cannot tell it is a transition */
	CF_SKIP_ALREADY_ORDERED,   /* MODIFY whose OldImage was already ORDERED: not a transition */
	CF_SKIP_UNKNOWN_EVENT,     /* eventName other than INSERT, MODIFY, REMOVE */
};

/* Static name of a decision, e.g. "skip: REMOVE". */
CF_API const char *cf_forward_decision_name(enum cf_forward_decision decision);

/*
 * The forward rule, a pure predicate over one record (borrowed):
 *   INSERT -> forward when NewImage.order_status is S "ORDERED";
 *   MODIFY -> forward when NewImage.order_status is S "ORDERED" and the OldImage is present with an
 *             order_status that is not S "ORDERED" (a transition into ORDERED);
 *   REMOVE and anything else -> skip.
 * Records whose status is not CF_OK are not judged here (the caller reports them as failures).
 */
CF_API enum cf_forward_decision cf_forward_decide(const struct cf_stream_record *rec);

/* Longest SendMessageBatch entry Id. */
#define CF_SQS_ENTRY_ID_MAX 80

/* A message ready for SendMessageBatch. Strings belong to the batch that holds the message. */
struct cf_sqs_message {
	char id[CF_SQS_ENTRY_ID_MAX + 1]; /* unique in the batch, [A-Za-z0-9_-] */
	const char *body;                 /* the NewImage as compact typed JSON, NUL-terminated */
	size_t body_len;
	const char *group_id;             /* FIFO: the order id; NULL for standard queues */
	const char *deduplication_id;     /* FIFO: derived from eventID; NULL for standard queues */
	size_t record_index;              /* which record of the event it came from */
};

/* What happened to one record of the event. */
struct cf_record_outcome {
	enum cf_status status;            /* CF_OK: decided (forwarded or skipped); else failed */
	enum cf_forward_decision decision;/* meaningful when status is CF_OK */
	const char *problem;              /* failure text, NULL when status is CF_OK; owned by the batch */
	size_t message_index;             /* index into messages when decision is CF_FORWARD */
};

/* The result of turning an event into messages. Owns everything it points to. */
struct cf_forward_batch {
	const struct cf_sqs_message *messages;
	size_t message_count;
	const struct cf_record_outcome *outcomes; /* one per event record, same order */
	size_t outcome_count;
};

struct cf_forward_options {
	bool fifo; /* set MessageGroupId (order_id) and MessageDeduplicationId (from eventID) */
};

/*
 * Pure function 1: apply the forward rule to every record of `event` (borrowed) and build one
 * message per forwarded record. A record that cannot be read, or forwarded without a usable body
 * (FIFO without an order id), gets a failed outcome, never a silent drop. `opt` may be NULL
 * (standard queue). On CF_OK `*out` is new and freed with cf_forward_batch_destroy(); it does not
 * borrow from `event`. Fails only with CF_ERR_NOMEM / CF_ERR_INVALID_ARG.
 */
CF_API enum cf_status cf_forward_event(const struct cf_stream_event *event, const struct cf_forward_options *opt,
				       struct cf_forward_batch **out, struct cf_error *err) CF_WARN_UNUSED;

/* Release a batch. NULL is a no-op. */
CF_API void cf_forward_batch_destroy(struct cf_forward_batch *batch);

#ifdef __cplusplus
}
#endif

#endif
