/* libcartflow: SendMessageBatch over SQS's JSON protocol. */
#ifndef CARTFLOW_SQS_CLIENT_H
#define CARTFLOW_SQS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "aws_client.h"
#include "export.h"
#include "forward.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CF_SQS_MAX_BATCH_ENTRIES 10
#define CF_SQS_DEFAULT_MAX_PAYLOAD ((size_t)1024 * 1024)

struct cf_sqs_send_options {
	const char *queue_url;     /* required; goes in the body, its host is never contacted */
	size_t max_payload_bytes;  /* per batch and per message; 0 = 1 MiB (lower it for queues set lower) */
	size_t max_in_flight;      /* concurrent SendMessageBatch calls; 0 = 10 (a 100-record batch in one round) */
	int64_t deadline_ms;       /* epoch ms; 0 = none */
};

/* Per-message outcome. Caller-allocated; plain data, nothing to free. */
struct cf_sqs_send_result {
	enum cf_status status;     /* CF_OK when SQS accepted the message */
	enum cf_aws_error_class error_class;
	char code[64];             /* SQS's code (Failed[].Code or the call's error type) */
	char message[256];
	char message_id[128];      /* SQS's MessageId on success */
	unsigned attempts;         /* SendMessageBatch calls that carried this message */
};

/*
 * Send `count` messages (borrowed) to opt->queue_url: packed into batches of at most 10 entries and
 * max_payload_bytes, sent concurrently, entries SQS lists under Failed retried when SenderFault is
 * false (up to the client's max attempts), whole calls retried by the client's policy. A message
 * larger than the limit fails alone with CF_ERR_TOO_LARGE. `results` (caller-owned, `count`
 * entries) gets one outcome per message, in the same order. `opt` is required and, with the queue
 * URL it points to, borrowed for the call. Returns CF_OK when every message has an
 * outcome; CF_ERR_INVALID_ARG or CF_ERR_NOMEM (in `err`) when the call as a whole could not run.
 */
CF_API enum cf_status cf_sqs_send_messages(struct cf_aws_client *client, const struct cf_sqs_send_options *opt,
					   const struct cf_sqs_message *messages, size_t count,
					   struct cf_sqs_send_result *results, struct cf_error *err) CF_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
