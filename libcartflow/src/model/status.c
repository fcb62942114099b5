/* Status names and error detail. */
#include <stdarg.h>
#include <stdio.h>

#include "cartflow/status.h"

CF_API const char *cf_strerror(enum cf_status status)
{
	switch (status) {
	case CF_OK: return "success";
	case CF_ERR_NOMEM: return "out of memory";
	case CF_ERR_INVALID_ARG: return "invalid argument";
	case CF_ERR_JSON: return "invalid JSON";
	case CF_ERR_TYPE: return "wrong type";
	case CF_ERR_MISSING: return "required field missing";
	case CF_ERR_NUMBER: return "invalid DynamoDB number";
	case CF_ERR_BASE64: return "invalid base64";
	case CF_ERR_NOT_EVENT: return "not the expected Lambda event";
	case CF_ERR_TOO_LARGE: return "too large";
	case CF_ERR_TRANSPORT: return "transport error";
	case CF_ERR_TIMEOUT: return "timed out";
	case CF_ERR_HTTP: return "unexpected HTTP status";
	case CF_ERR_AWS: return "AWS service error";
	case CF_ERR_CONFIG: return "configuration error";
	case CF_ERR_CRC: return "response checksum mismatch";
	case CF_ERR_HEADER: return "unsafe header";
	case CF_ERR_UNSUPPORTED: return "unsupported";
	case CF_STATUS_COUNT_: break;
	}
	return "unknown status";
}

CF_API void cf_error_clear(struct cf_error *err)
{
	if (!err)
		return;
	err->code = CF_OK;
	err->message[0] = '\0';
}

CF_API enum cf_status cf_error_set(struct cf_error *err, enum cf_status code, const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}
