/* libcartflow: DynamoDB Streams Lambda events. */
#ifndef CARTFLOW_STREAM_EVENT_H
#define CARTFLOW_STREAM_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"
#include "bytes.h"
#include "export.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cf_stream_event_name {
	CF_STREAM_UNKNOWN,
	CF_STREAM_INSERT,
	CF_STREAM_MODIFY,
	CF_STREAM_REMOVE,
};

/*
 * One record. Every pointer belongs to the event it came from. Absent strings have ptr == NULL;
 * absent images are NULL.
 */
struct cf_stream_record {
	enum cf_status status;          /* CF_OK, or why this record could not be read */
	const char *problem;            /* NULL when status is CF_OK, else "Records[2].dynamodb.NewImage...: ..." */
	enum cf_stream_event_name name;
	struct cf_str event_id;
	struct cf_str event_name;       /* as written, e.g. "INSERT" */
	struct cf_str event_source_arn;
	struct cf_str aws_region;
	struct cf_str sequence_number;  /* kept as text: it exceeds 64 bits */
	struct cf_str stream_view_type;
	struct cf_str approximate_creation_date_time; /* number text as written (seconds, maybe ms or exponent) */
	bool has_size_bytes;
	uint64_t size_bytes;
	const struct cf_attr *keys;      /* M or NULL */
	const struct cf_attr *new_image; /* M or NULL */
	const struct cf_attr *old_image; /* M or NULL */
};

/* A parsed event: `count` records in input order. Opaque memory behind it. */
struct cf_stream_event {
	const struct cf_stream_record *records;
	size_t count;
};

/*
 * Parse a DynamoDB Streams Lambda event ({"Records":[...]}, leading UTF-8 BOM allowed). `json` (len
 * bytes) is copied. On CF_OK `*out` is new and freed with cf_stream_event_destroy(); records that
 * cannot be read are kept with their own status and problem, so the caller can report them by
 * SequenceNumber. The whole event fails with CF_ERR_JSON (not JSON), CF_ERR_NOT_EVENT (no Records
 * array, or a record whose eventSource is not aws:dynamodb) or CF_ERR_NOMEM, leaving `*out` NULL.
 */
CF_API enum cf_status cf_stream_event_parse(const char *json, size_t len, struct cf_stream_event **out,
					    struct cf_error *err) CF_WARN_UNUSED;

/* Release an event and all its records. NULL is a no-op. */
CF_API void cf_stream_event_destroy(struct cf_stream_event *event);

#ifdef __cplusplus
}
#endif

#endif
