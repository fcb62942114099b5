/* SHA-256 (FIPS 180-4 examples) and HMAC-SHA256 (RFC 4231 test cases) of model/sha256.c. */
#include <check.h>
#include <string.h>

#include "sha256.h"
#include "test_support.h"

static void hex_of(const unsigned char md[CF_SHA256_LEN], char out[2 * CF_SHA256_LEN + 1])
{
	cf_hex_lower(md, CF_SHA256_LEN, out);
}

static void check_sha256(const struct cf_str *parts, size_t count, const char *want)
{
	unsigned char md[CF_SHA256_LEN];
	char hex[2 * CF_SHA256_LEN + 1];
	cf_sha256(parts, count, md);
	hex_of(md, hex);
	ck_assert_str_eq(hex, want);
}

START_TEST(test_sha256_examples)
{
	check_sha256(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_sha256(&(struct cf_str){ "abc", 3 }, 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	check_sha256(&(struct cf_str){ two_blocks, sizeof(two_blocks) - 1 }, 1,
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(test_sha256_of_parts_is_sha256_of_their_concatenation)
{
	const struct cf_str parts[] = { { "abcdbcdecdefdefg", 16 }, { "", 0 }, { NULL, 0 },
					{ "efghfghighijhijkijkljklmklmnlmnomnopnopq", 40 } };
	check_sha256(parts, 4, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

static void check_hmac(const void *key, size_t key_len, const char *data, const char *want)
{
	unsigned char mac[CF_SHA256_LEN];
	char hex[2 * CF_SHA256_LEN + 1];
	cf_hmac_sha256(key, key_len, data, strlen(data), mac);
	hex_of(mac, hex);
	ck_assert_str_eq(hex, want);
}

START_TEST(test_hmac_rfc4231)
{
	unsigned char key[131];
	memset(key, 0x0b, 20);
	check_hmac(key, 20, "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	check_hmac("Jefe", 4, "what do ya want for nothing?",
		   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, sizeof(key)); /* longer than a block: the key is hashed first */
	check_hmac(key, sizeof(key), "Test Using Larger Than Block-Size Key - Hash Key First",
		   "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}
END_TEST

START_TEST(test_hmac_key_of_exactly_one_block_is_used_as_is)
{
	unsigned char key[64];
	memset(key, 'k', sizeof(key));
	check_hmac(key, sizeof(key), "exactly one block of key",
		   "baa93ea4ccc7062ed6870c5e7937dbd35ad7791df4e29df9addeb429ff491acf");
}
END_TEST

START_TEST(test_hmac_output_may_alias_key_or_data)
{
	unsigned char buf[CF_SHA256_LEN], want[CF_SHA256_LEN];
	memset(buf, 0x0b, sizeof(buf));
	cf_hmac_sha256(buf, 20, "Hi There", 8, want);
	cf_hmac_sha256(buf, 20, "Hi There", 8, buf); /* out == key */
	ck_assert_mem_eq(buf, want, sizeof(want));

	unsigned char data[CF_SHA256_LEN];
	memcpy(data, "0123456789abcdef0123456789abcdef", sizeof(data));
	cf_hmac_sha256("Jefe", 4, data, sizeof(data), want);
	cf_hmac_sha256("Jefe", 4, data, sizeof(data), data); /* out == data */
	ck_assert_mem_eq(data, want, sizeof(want));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_sha256_examples);
	tcase_add_test(tc, test_sha256_of_parts_is_sha256_of_their_concatenation);
	tcase_add_test(tc, test_hmac_rfc4231);
	tcase_add_test(tc, test_hmac_key_of_exactly_one_block_is_used_as_is);
	tcase_add_test(tc, test_hmac_output_may_alias_key_or_data);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
