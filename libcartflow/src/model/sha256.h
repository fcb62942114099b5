/*
 * SHA-256 and HMAC-SHA256 through OpenSSL's direct SHA-256 functions, without EVP.
 *
 * Why not EVP: the first EVP fetch of a process builds OpenSSL's name map from every legacy cipher and
 * digest name, 3.0 M instructions (60 % of a bootstrap's whole cold start), and every later
 * EVP_DigestInit / EVP_MAC_init does a fetch and an allocation. SigV4 needs 3 digests and 1 HMAC per
 * request (5 HMACs when the signing key is derived again) and nothing else of OpenSSL's algorithm
 * machinery; the direct functions run the same
 * assembly (SHA-NI where the CPU has it) with the context on the stack. They are deprecated in
 * OpenSSL 3 in favour of EVP, but present in every 3.x build that keeps the 3.0 API (Debian's does);
 * sha256.c says so to the compiler in one place.
 */
#ifndef CF_SHA256_H
#define CF_SHA256_H

#include <stddef.h>

#include "cartflow/bytes.h"

enum { CF_SHA256_LEN = 32 };

/* out (caller's, 32 bytes) = SHA-256 of the concatenation of `count` byte ranges (borrowed; a range may be empty). */
void cf_sha256(const struct cf_str *parts, size_t count, unsigned char out[CF_SHA256_LEN]);

/*
 * out (caller's, 32 bytes) = HMAC-SHA256(key, data) (RFC 2104); `key` and `data` are borrowed, `out`
 * may alias either.
 * The key's padded copies are wiped before returning.
 */
void cf_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, unsigned char out[CF_SHA256_LEN]);

/* Write `len` bytes (borrowed) as lowercase hex plus a NUL to the caller's `out` (room for 2 * len + 1). */
void cf_hex_lower(const unsigned char *in, size_t len, char *out);

#endif
