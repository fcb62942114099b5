/* SigV4 cryptography: the HMAC-SHA256 key chain and the signing key cache. */
#include <openssl/crypto.h>
#include <string.h>

#include "sigv4_internal.h"

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
static void derive_key(const struct cf_sigv4_params *p, const char *date8, unsigned char key[CF_SHA256_LEN])
{
	const char *secret = p->creds.secret_access_key;
	size_t secret_len = strlen(secret);  /* checked against CF_SIGV4_SECRET_MAX by the caller */
	unsigned char k0[4 + CF_SIGV4_SECRET_MAX], k[CF_SHA256_LEN];
	memcpy(k0, "AWS4", 4);
	memcpy(k0 + 4, secret, secret_len);
	cf_hmac_sha256(k0, 4 + secret_len, date8, 8, k);
	cf_hmac_sha256(k, sizeof(k), p->region, strlen(p->region), k);
	cf_hmac_sha256(k, sizeof(k), p->service, strlen(p->service), k);
	cf_hmac_sha256(k, sizeof(k), "aws4_request", 12, key);
	OPENSSL_cleanse(k0, sizeof(k0));
	OPENSSL_cleanse(k, sizeof(k));
}

/* The cache key: SHA-256 over date, region, service and secret ('\n' cannot occur in the first three). */
static void cache_id(const struct cf_sigv4_params *p, const char *date8, unsigned char id[CF_SHA256_LEN])
{
	const struct cf_str parts[] = {
		{ date8, 8 }, { "\n", 1 }, { p->region, strlen(p->region) }, { "\n", 1 },
		{ p->service, strlen(p->service) }, { "\n", 1 },
		{ p->creds.secret_access_key, strlen(p->creds.secret_access_key) },
	};
	cf_sha256(parts, sizeof(parts) / sizeof(parts[0]), id);
}

/* The signing key, from p->key_cache when it holds the one for these inputs (and stored there if not). */
static void signing_key(const struct cf_sigv4_params *p, const char *date8, unsigned char key[CF_SHA256_LEN])
{
	struct cf_sigv4_key_cache *cache = p->key_cache;
	unsigned char id[CF_SHA256_LEN];
	if (!cache) {
		derive_key(p, date8, key);
		return;
	}
	cache_id(p, date8, id);
	if (cache->valid_ && CRYPTO_memcmp(cache->id_, id, sizeof(id)) == 0) {
		memcpy(key, cache->key_, CF_SHA256_LEN);
		return;
	}
	derive_key(p, date8, key);
	memcpy(cache->id_, id, sizeof(id));
	memcpy(cache->key_, key, CF_SHA256_LEN);
	cache->valid_ = true;
}

void cf_sigv4_signature(const struct cf_sigv4_params *p, const char *date8, struct cf_str string_to_sign,
			char sig_hex[65])
{
	unsigned char key[CF_SHA256_LEN], mac[CF_SHA256_LEN];
	signing_key(p, date8, key);
	cf_hmac_sha256(key, sizeof(key), string_to_sign.ptr, string_to_sign.len, mac);
	cf_hex_lower(mac, sizeof(mac), sig_hex);
	OPENSSL_cleanse(key, sizeof(key));
}

CF_API void cf_sigv4_key_cache_clean_up(struct cf_sigv4_key_cache *cache)
{
	if (!cache)
		return;
	OPENSSL_cleanse(cache, sizeof(*cache));
	cache->valid_ = false;
}
