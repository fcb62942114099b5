/* libcartflow: Lambda partial batch responses. */
#ifndef CARTFLOW_BATCH_RESPONSE_H
#define CARTFLOW_BATCH_RESPONSE_H

#include <stddef.h>

#include "bytes.h"
#include "export.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Write {"batchItemFailures":[{"itemIdentifier":"<id>"},...]} for `count` identifiers (borrowed):
 * SQS messageIds for an SQS event source, SequenceNumbers for a DynamoDB stream. Order is kept,
 * duplicates are written once. count 0 gives {"batchItemFailures":[]}.
 * On CF_OK `*out` is a new NUL-terminated string of `*out_len` bytes, freed with cf_free().
 */
CF_API enum cf_status cf_batch_response_write(const struct cf_str *identifiers, size_t count, char **out,
					      size_t *out_len) CF_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
