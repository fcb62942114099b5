/* AWS error responses: classification and the x-amz-crc32 check. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "cartflow/aws_client.h"

static const char *const throttling_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
	"TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
	"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
	"SlowDown", "PriorRequestNotComplete", "EC2ThrottledException", "KmsThrottled",
};

static const char *const transient_codes[] = {
	"RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
	"InternalServerError", "ServiceUnavailable", "InternalServerException", "ServiceUnavailableException",
};

static bool listed(const char *code, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(code, list[i]))
			return true;
	return false;
}

CF_API enum cf_aws_error_class cf_aws_classify(long http_status, const char *error_type)
{
	const char *code = error_type ? error_type : "";
	if (http_status >= 200 && http_status < 300)
		return CF_AWS_OK;
	if (listed(code, throttling_codes, sizeof(throttling_codes) / sizeof(throttling_codes[0])) || http_status == 429)
		return CF_AWS_THROTTLING;
	if (listed(code, transient_codes, sizeof(transient_codes) / sizeof(transient_codes[0])) || http_status == 500 ||
	    http_status == 502 || http_status == 503 || http_status == 504)
		return CF_AWS_TRANSIENT;
	return CF_AWS_PERMANENT;
}

CF_API const char *cf_aws_error_class_name(enum cf_aws_error_class c)
{
	switch (c) {
	case CF_AWS_OK: return "ok";
	case CF_AWS_THROTTLING: return "throttling";
	case CF_AWS_TRANSIENT: return "transient";
	case CF_AWS_PERMANENT: return "permanent";
	}
	return "unknown";
}

static uint32_t crc_table[256];
static pthread_once_t crc_table_once = PTHREAD_ONCE_INIT;

static void build_crc_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_ieee(const unsigned char *p, size_t n)
{
	pthread_once(&crc_table_once, build_crc_table);
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++)
		crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
	return crc ^ 0xFFFFFFFFu;
}

CF_API enum cf_status cf_aws_check_crc32(const struct cf_http_response *resp)
{
	const char *h = resp ? cf_http_response_header(resp, "x-amz-crc32") : NULL;
	if (!h)
		return CF_OK;
	/* Decimal digits only: strtoull would also take a sign or leading spaces ("-0", "+1"). */
	uint64_t want = 0;
	if (!*h)
		return CF_ERR_CRC;
	for (const char *p = h; *p; p++) {
		if (*p < '0' || *p > '9')
			return CF_ERR_CRC;
		want = want * 10 + (uint64_t)(*p - '0');
		if (want > 0xFFFFFFFFu)
			return CF_ERR_CRC;
	}
	uint32_t got = crc32_ieee((const unsigned char *)(resp->body ? resp->body : ""), resp->body_len);
	return got == (uint32_t)want ? CF_OK : CF_ERR_CRC;
}
