/* Shared by the transports: request checks and response building from (ptr, len) pieces. */
#ifndef CF_TRANSPORT_INTERNAL_H
#define CF_TRANSPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "cartflow/transport.h"

/*
 * CF_OK when `req` (borrowed) can go on the wire: method an HTTP token, url free of spaces and
 * control bytes, body and headers consistent with their counts, every header name a token and every
 * value free of CR, LF. Otherwise CF_ERR_INVALID_ARG or CF_ERR_HEADER with `err` filled.
 */
enum cf_status cf_http_request_check(const struct cf_http_request *req, struct cf_error *err);

/*
 * Append a header given as (ptr, len) pieces (copied, NUL-terminated in the copy).
 * CF_ERR_NOMEM on failure, leaving `resp` as it was.
 */
enum cf_status cf_http_response_add_header_n(struct cf_http_response *resp, const char *name, size_t name_len,
					     const char *value, size_t value_len);

/*
 * The argument check every send_many shares. CF_OK when the batch can run (count 0 included);
 * otherwise CF_ERR_INVALID_ARG, with every entry of `statuses` (and `errs`, when given) saying so,
 * in the name of `who`. `state` is the transport (or its data) and must not be NULL.
 */
enum cf_status cf_transport_check_batch(const void *state, const struct cf_http_request *reqs, size_t count,
					size_t max_in_flight, const struct cf_http_response *resps,
					enum cf_status *statuses, struct cf_error *errs, const char *who);

/* Longest stretch of a URL quoted in an error message. */
#define CF_URL_IN_MESSAGE_MAX 96

/* Length of the part of `url` fit for a message: no query or fragment, at most CF_URL_IN_MESSAGE_MAX. */
static inline int cf_url_len_for_message(const char *url)
{
	size_t n = strcspn(url, "?#");
	return (int)(n > CF_URL_IN_MESSAGE_MAX ? CF_URL_IN_MESSAGE_MAX : n);
}

/* Every entry of a batch gets status `st` (and, when `errs` is given, the message `what`). */
void cf_transport_fail_all(size_t count, enum cf_status *statuses, struct cf_error *errs, enum cf_status st,
			   const char *what);

/* RFC 9110 tchar: a byte of a method or header field name. */
static inline bool cf_http_is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Drop every header of `resp` (an interim 1xx response is being replaced by the next one). */
void cf_http_response_clear_headers(struct cf_http_response *resp);

#endif
