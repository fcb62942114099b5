/* What the SQS and DynamoDB clients share with the generic call machinery. */
#ifndef CF_AWS_INTERNAL_H
#define CF_AWS_INTERNAL_H

#include "cartflow/aws_client.h"
#include "cartflow/sigv4.h"

struct cf_aws_client {
	const struct cf_aws_config *config;
	struct cf_transport transport;
	const struct cf_clock *clock;
	struct cf_retry_policy retry;
	int64_t safety_margin_ms;
	int64_t attempt_timeout_ms;
	unsigned tokens;
	char *trace_id;
	struct cf_sigv4_key_cache key_cache;
};

/* Take the tokens for one retry after a failure of `cls` (timeouts cost more); false when the quota is spent. */
bool cf_retry_take_tokens(struct cf_aws_client *client, bool after_timeout);

/* Give back one token after a success. */
void cf_retry_refund(struct cf_aws_client *client);

/* Full-jitter delay before retry number `retry` (1 = the first retry). */
int64_t cf_retry_delay_ms(const struct cf_aws_client *client, unsigned retry);

/* The usable end of a deadline: deadline minus the safety margin (0 stays 0 = none). */
int64_t cf_aws_effective_deadline(const struct cf_aws_client *client, int64_t deadline_ms);

/* The largest error body cf_aws_parse_error_body reads; a longer one leaves type and message empty. */
#define CF_AWS_MAX_ERROR_BODY 65536

/* Fill error_type/error_message of `res` from an AWS JSON error body ("__type", "message"/"Message"). */
void cf_aws_parse_error_body(const char *body, size_t len, struct cf_aws_result *res);

/* Copy `src` into a fixed buffer, truncating; non-printable bytes become '?'. */
void cf_copy_text(char *dst, size_t cap, const char *src, size_t len);

#endif
