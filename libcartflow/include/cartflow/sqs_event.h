/* libcartflow: SQS Lambda events. */
#ifndef CARTFLOW_SQS_EVENT_H
#define CARTFLOW_SQS_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "bytes.h"
#include "export.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One message. Every pointer belongs to the event; absent strings have ptr == NULL. */
struct cf_sqs_record {
	enum cf_status status;         /* CF_OK, or why the record is unusable (e.g. body missing) */
	const char *problem;           /* NULL when status is CF_OK */
	struct cf_str message_id;      /* required: the batchItemFailures identifier */
	struct cf_str receipt_handle;  /* secret-ish: never log it */
	struct cf_str body;            /* decoded JSON string; absent when the event had no body */
	struct cf_str event_source_arn;
	struct cf_str aws_region;
	struct cf_str approximate_receive_count;
	struct cf_str message_group_id;         /* FIFO only */
	struct cf_str message_deduplication_id; /* FIFO only */
	struct cf_str sequence_number;          /* FIFO only, text (> 64 bits) */
};

struct cf_sqs_event {
	const struct cf_sqs_record *records;
	size_t count;
};

/*
 * Parse an SQS Lambda event ({"Records":[...]}, leading UTF-8 BOM allowed). `json` is copied.
 * On CF_OK `*out` is new, freed with cf_sqs_event_destroy(). A record without a string messageId
 * makes the whole event fail (CF_ERR_NOT_EVENT), since it could not be reported; a record with a
 * missing or non-string body is kept with status CF_ERR_MISSING / CF_ERR_TYPE.
 */
CF_API enum cf_status cf_sqs_event_parse(const char *json, size_t len, struct cf_sqs_event **out,
					 struct cf_error *err) CF_WARN_UNUSED;

/* True when the record came from a FIFO queue (its eventSourceARN ends in ".fifo"). `rec` borrowed. */
CF_API bool cf_sqs_record_is_fifo(const struct cf_sqs_record *rec);

/* Release an event. NULL is a no-op. */
CF_API void cf_sqs_event_destroy(struct cf_sqs_event *event);

#ifdef __cplusplus
}
#endif

#endif
