/* Private view into the libcurl transport, for tests. */
#ifndef CF_CURL_TRANSPORT_INTERNAL_H
#define CF_CURL_TRANSPORT_INTERNAL_H

#include "cartflow/transport.h"

/* The CA bundle path chosen at creation (borrowed from `t`), or NULL for curl's built-in default. */
const char *cf_curl_transport_ca_file(const struct cf_transport *t);

#endif
