/* Base64 for B and BS values: a strict alphabet check, decoding by OpenSSL. */
#include <openssl/evp.h>

#include "alloc_internal.h"
#include "attr_internal.h"

static bool is_b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

bool cf_base64_is_valid(const char *text, size_t len)
{
	if (len % 4)
		return false;
	size_t pad = 0;
	if (len >= 1 && text[len - 1] == '=')
		pad++;
	if (len >= 2 && text[len - 2] == '=')
		pad++;
	for (size_t i = 0; i < len - pad; i++)
		if (!is_b64_char((unsigned char)text[i]))
			return false;
	return true;
}

CF_API enum cf_status cf_attr_binary_decode(const struct cf_attr *attr, unsigned char **out, size_t *out_len,
					    struct cf_error *err)
{
	if (out)
		*out = NULL;
	if (!out || !out_len)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL output pointer");
	*out = NULL;
	*out_len = 0;
	if (!attr || attr->type != CF_ATTR_B)
		return cf_error_set(err, CF_ERR_TYPE, "expected a B value");
	struct cf_str t = attr->v.text;
	if (!cf_base64_is_valid(t.ptr, t.len) || t.len > (size_t)INT32_MAX)
		return cf_error_set(err, CF_ERR_BASE64, "invalid base64");
	unsigned char *bytes = cf_mem_alloc(t.len / 4 * 3 + 1);
	if (!bytes)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory decoding base64");
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	if (!ctx) {
		cf_mem_free(bytes);
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory decoding base64");
	}
	int n = 0, tail = 0;
	EVP_DecodeInit(ctx);
	int rc = EVP_DecodeUpdate(ctx, bytes, &n, (const unsigned char *)t.ptr, (int)t.len);
	if (rc >= 0)
		rc = EVP_DecodeFinal(ctx, bytes + n, &tail);
	EVP_ENCODE_CTX_free(ctx);
	if (rc < 0) {
		cf_mem_free(bytes);
		return cf_error_set(err, CF_ERR_BASE64, "invalid base64");
	}
	*out = bytes;
	*out_len = (size_t)(n + tail);
	return CF_OK;
}
