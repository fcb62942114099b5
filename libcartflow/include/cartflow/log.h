/* libcartflow: Lambda-style logging, one line per event, text or JSON. */
#ifndef CARTFLOW_LOG_H
#define CARTFLOW_LOG_H

#include <stdbool.h>
#include <stdio.h>

#include "aws_config.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cf_log_level {
	CF_LOG_TRACE,
	CF_LOG_DEBUG,
	CF_LOG_INFO,
	CF_LOG_WARN,
	CF_LOG_ERROR,
	CF_LOG_FATAL,
};

/* A key and a string value added to a log line. Both borrowed for the call. */
struct cf_log_field {
	const char *key;
	const char *value;
};

/* A logger. Caller-allocated; fill with cf_logger_init(). Holds no heap memory. */
struct cf_logger {
	FILE *stream;              /* borrowed; stdout in Lambda */
	enum cf_log_level min_level;
	bool json;
	char request_id[128];      /* "" outside an invocation */
};

/*
 * Set up `log` from AWS_LAMBDA_LOG_FORMAT ("JSON" or text) and AWS_LAMBDA_LOG_LEVEL (TRACE, DEBUG,
 * INFO, WARN, ERROR, FATAL; default INFO) read through `getenv_fn` (NULL = getenv), writing to
 * `stream` (borrowed).
 */
CF_API void cf_logger_init(struct cf_logger *log, FILE *stream, cf_getenv_fn getenv_fn, void *user);

/* Set the requestId added to every line (copied; NULL clears it). */
CF_API void cf_logger_set_request_id(struct cf_logger *log, const char *request_id);

/* True when a line at `level` would be written. */
CF_API bool cf_logger_enabled(const struct cf_logger *log, enum cf_log_level level);

/*
 * Write one line: with JSON, {"timestamp":"<RFC 3339 UTC, ms>","level":"INFO","message":...,
 * "requestId":...,<fields>}; else "<timestamp>\t<LEVEL>\t<requestId>\t<message> key=value ...".
 * `message` and `fields` (n entries) are borrowed. Control characters are escaped, so a line stays
 * one line. Callers never pass secrets, receipt handles or whole payloads above DEBUG.
 */
CF_API void cf_log(const struct cf_logger *log, enum cf_log_level level, const char *message,
		   const struct cf_log_field *fields, size_t n);

#ifdef __cplusplus
}
#endif

#endif
