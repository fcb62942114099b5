/* SHA-256 and HMAC-SHA256 on OpenSSL's direct functions (see sha256.h for why not EVP). */
#define OPENSSL_API_COMPAT 10101 /* keeps SHA256_Init & co. declared without deprecation warnings */

#include "sha256.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

#if defined(OPENSSL_NO_DEPRECATED_3_0)
#error "libcartflow needs OpenSSL's SHA256_Init/Update/Final (an OpenSSL built without the 3.0 API lacks them)"
#endif

_Static_assert(SHA256_DIGEST_LENGTH == CF_SHA256_LEN, "SHA-256 is 32 bytes");

enum { BLOCK = SHA256_CBLOCK };

void cf_sha256(const struct cf_str *parts, size_t count, unsigned char out[CF_SHA256_LEN])
{
	SHA256_CTX ctx;
	SHA256_Init(&ctx);
	for (size_t i = 0; i < count; i++)
		SHA256_Update(&ctx, parts[i].ptr, parts[i].len);
	SHA256_Final(out, &ctx);
}

void cf_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, unsigned char out[CF_SHA256_LEN])
{
	unsigned char pad[BLOCK], inner[CF_SHA256_LEN];
	memset(pad, 0, sizeof(pad));
	if (key_len > BLOCK)
		cf_sha256(&(struct cf_str){ key, key_len }, 1, pad);
	else
		memcpy(pad, key, key_len);
	for (size_t i = 0; i < BLOCK; i++)
		pad[i] ^= 0x36;
	SHA256_CTX ctx;
	SHA256_Init(&ctx);
	SHA256_Update(&ctx, pad, BLOCK);
	SHA256_Update(&ctx, data, len);
	SHA256_Final(inner, &ctx);
	for (size_t i = 0; i < BLOCK; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	SHA256_Init(&ctx);
	SHA256_Update(&ctx, pad, BLOCK);
	SHA256_Update(&ctx, inner, sizeof(inner));
	SHA256_Final(out, &ctx);
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
	OPENSSL_cleanse(&ctx, sizeof(ctx));
}

void cf_hex_lower(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}
