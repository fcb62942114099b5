/* libcartflow: status codes and caller-owned error detail. */
#ifndef CARTFLOW_STATUS_H
#define CARTFLOW_STATUS_H

#include <stddef.h>

#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every action function returns one of these. The list is append-only: values never change meaning
 * or number, new ones go at the end before CF_STATUS_COUNT_.
 */
enum cf_status {
	CF_OK = 0,
	CF_ERR_NOMEM = 1,          /* an allocation failed */
	CF_ERR_INVALID_ARG = 2,    /* a caller passed NULL or an out-of-range value */
	CF_ERR_JSON = 3,           /* the bytes are not valid JSON (or not UTF-8) */
	CF_ERR_TYPE = 4,           /* valid JSON, wrong shape or attribute type */
	CF_ERR_MISSING = 5,        /* a required field is absent */
	CF_ERR_NUMBER = 6,         /* a DynamoDB N value breaks DynamoDB's number syntax */
	CF_ERR_BASE64 = 7,         /* a B or BS value is not valid base64 */
	CF_ERR_NOT_EVENT = 8,      /* JSON, but not the Lambda event the caller asked for */
	CF_ERR_TOO_LARGE = 9,      /* input or output over a documented limit */
	CF_ERR_TRANSPORT = 10,     /* the request never got an HTTP response */
	CF_ERR_TIMEOUT = 11,       /* the deadline passed */
	CF_ERR_HTTP = 12,          /* an HTTP status the caller could not use */
	CF_ERR_AWS = 13,           /* AWS answered with a service error */
	CF_ERR_CONFIG = 14,        /* missing or malformed configuration (environment) */
	CF_ERR_CRC = 15,           /* a response failed its x-amz-crc32 check */
	CF_ERR_HEADER = 16,        /* a header name or value is unsafe (CR, LF, NUL) */
	CF_ERR_UNSUPPORTED = 17,   /* a vtable slot or feature the object does not offer */
	CF_STATUS_COUNT_
};

/* Static English name of a status, e.g. "invalid JSON". Never NULL; unknown values give "unknown status". */
CF_API const char *cf_strerror(enum cf_status status);

#define CF_ERROR_MESSAGE_MAX 256

/*
 * Error detail, owned by the caller (stack or embedded). On failure a function fills it with the
 * status and a message naming what failed and where, e.g.
 * "Records[3].dynamodb.NewImage.order_items.L[2].M.productId: expected S, got N".
 * Every function that takes one accepts NULL when the caller only wants the status.
 */
struct cf_error {
	enum cf_status code;
	char message[CF_ERROR_MESSAGE_MAX];
};

/* Reset to CF_OK with an empty message. `err` is borrowed; NULL is a no-op. */
CF_API void cf_error_clear(struct cf_error *err);

/*
 * Fill `err` (borrowed; NULL is a no-op) with `code` and a printf-style message, truncated to fit.
 * Returns `code` so callers can write `return cf_error_set(err, CF_ERR_TYPE, "...")`.
 */
CF_API enum cf_status cf_error_set(struct cf_error *err, enum cf_status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif

#endif
