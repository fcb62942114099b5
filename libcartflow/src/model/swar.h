/* Eight bytes at a time: find the bytes a JSON string scanner must stop at. */
#ifndef CF_SWAR_H
#define CF_SWAR_H

#include <stdint.h>
#include <string.h>

#define CF_SWAR_ONES 0x0101010101010101ull
#define CF_SWAR_HIGH 0x8080808080808080ull

static inline uint64_t cf_swar_load(const void *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Nonzero when some byte of v equals b (may also flag a byte after a true match: callers recheck). */
static inline uint64_t cf_swar_has_byte(uint64_t v, unsigned char b)
{
	uint64_t x = v ^ (CF_SWAR_ONES * b);
	return (x - CF_SWAR_ONES) & ~x & CF_SWAR_HIGH;
}

/* Nonzero when some byte of v is below n (n <= 128), or (harmlessly) after such a byte. */
static inline uint64_t cf_swar_has_less(uint64_t v, unsigned char n)
{
	return (v - CF_SWAR_ONES * n) & ~v & CF_SWAR_HIGH;
}

/* Nonzero when any of 8 bytes is '"', '\\' or a control character: all must be escaped in JSON. */
static inline uint64_t cf_swar_needs_escape(uint64_t v)
{
	return cf_swar_has_byte(v, '"') | cf_swar_has_byte(v, '\\') | cf_swar_has_less(v, 0x20);
}

#endif
