/* SigV4 cryptography: SHA-256, the HMAC-SHA256 key chain, the signing key cache. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "sigv4_internal.h"

bool cf_sigv4_sha256(const struct cf_str *parts, size_t count, unsigned char out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t i = 0; ok && i < count; i++)
		ok = parts[i].len == 0 || EVP_DigestUpdate(ctx, parts[i].ptr, parts[i].len);
	unsigned int len = 0;
	ok = ok && EVP_DigestFinal_ex(ctx, out, &len) && len == 32;
	EVP_MD_CTX_free(ctx);
	return ok;
}

void cf_sigv4_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

/* An HMAC-SHA256 context, reused for every step of one signature. */
struct hmac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
};

static enum cf_status hmac_open(struct hmac *h, struct cf_error *err)
{
	h->mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (!h->mac)
		return cf_error_set(err, CF_ERR_UNSUPPORTED, "sigv4: OpenSSL offers no HMAC");
	h->ctx = EVP_MAC_CTX_new(h->mac);
	if (!h->ctx)
		return cf_error_set(err, CF_ERR_NOMEM, "sigv4: OpenSSL could not allocate an HMAC context");
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	if (!EVP_MAC_CTX_set_params(h->ctx, params))
		return cf_error_set(err, CF_ERR_UNSUPPORTED, "sigv4: OpenSSL offers no HMAC-SHA256");
	return CF_OK;
}

static void hmac_close(struct hmac *h)
{
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
}

/* out = HMAC-SHA256(key, data); `out` may not alias `key`. */
static bool hmac(struct hmac *h, const void *key, size_t key_len, const void *data, size_t len,
		 unsigned char out[32])
{
	size_t out_len = 0;
	return EVP_MAC_init(h->ctx, key, key_len, NULL) && EVP_MAC_update(h->ctx, data, len) &&
	       EVP_MAC_final(h->ctx, out, &out_len, 32) && out_len == 32;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
static bool derive_key(struct hmac *h, const struct cf_sigv4_params *p, const char *date8, unsigned char key[32])
{
	const char *secret = p->creds.secret_access_key;
	size_t secret_len = strlen(secret);  /* checked against CF_SIGV4_SECRET_MAX by the caller */
	unsigned char k0[4 + CF_SIGV4_SECRET_MAX], a[32], b[32];
	memcpy(k0, "AWS4", 4);
	memcpy(k0 + 4, secret, secret_len);
	bool ok = hmac(h, k0, 4 + secret_len, date8, 8, a) && hmac(h, a, 32, p->region, strlen(p->region), b) &&
		  hmac(h, b, 32, p->service, strlen(p->service), a) && hmac(h, a, 32, "aws4_request", 12, key);
	OPENSSL_cleanse(k0, sizeof(k0));
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
	return ok;
}

/* The cache key: SHA-256 over date, region, service and secret ('\n' cannot occur in the first three). */
static bool cache_id(const struct cf_sigv4_params *p, const char *date8, unsigned char id[32])
{
	const struct cf_str parts[] = {
		{ date8, 8 }, { "\n", 1 }, { p->region, strlen(p->region) }, { "\n", 1 },
		{ p->service, strlen(p->service) }, { "\n", 1 },
		{ p->creds.secret_access_key, strlen(p->creds.secret_access_key) },
	};
	return cf_sigv4_sha256(parts, sizeof(parts) / sizeof(parts[0]), id);
}

/* The signing key, from p->key_cache when it holds the one for these inputs (and stored there if not). */
static bool signing_key(struct hmac *h, const struct cf_sigv4_params *p, const char *date8, unsigned char key[32])
{
	struct cf_sigv4_key_cache *cache = p->key_cache;
	unsigned char id[32];
	if (!cache)
		return derive_key(h, p, date8, key);
	if (!cache_id(p, date8, id))
		return false;
	if (cache->valid_ && CRYPTO_memcmp(cache->id_, id, sizeof(id)) == 0) {
		memcpy(key, cache->key_, 32);
		return true;
	}
	cache->valid_ = false;
	if (!derive_key(h, p, date8, key))
		return false;
	memcpy(cache->id_, id, sizeof(id));
	memcpy(cache->key_, key, 32);
	cache->valid_ = true;
	return true;
}

enum cf_status cf_sigv4_signature(const struct cf_sigv4_params *p, const char *date8, struct cf_str string_to_sign,
				  char sig_hex[65], struct cf_error *err)
{
	struct hmac h = { 0 };
	unsigned char key[32], mac[32];
	enum cf_status st = hmac_open(&h, err);
	if (st != CF_OK)
		goto out_close;
	if (!signing_key(&h, p, date8, key) || !hmac(&h, key, 32, string_to_sign.ptr, string_to_sign.len, mac)) {
		st = cf_error_set(err, CF_ERR_NOMEM, "sigv4: OpenSSL HMAC-SHA256 failed");
		goto out_wipe;
	}
	cf_sigv4_hex(mac, sizeof(mac), sig_hex);
out_wipe:
	OPENSSL_cleanse(key, sizeof(key));
out_close:
	hmac_close(&h);
	return st;
}

CF_API void cf_sigv4_key_cache_clean_up(struct cf_sigv4_key_cache *cache)
{
	if (!cache)
		return;
	OPENSSL_cleanse(cache, sizeof(*cache));
	cache->valid_ = false;
}
