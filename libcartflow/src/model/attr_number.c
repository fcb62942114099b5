/* DynamoDB's number rules, applied to the text without converting it. */
#include <stdbool.h>
#include <stdint.h>

#include "cartflow/attr.h"

enum { MAX_SIGNIFICANT_DIGITS = 38, MIN_EXPONENT = -130, MAX_EXPONENT = 125 };

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

CF_API const char *cf_attr_number_problem(const char *s, size_t len)
{
	size_t i = 0;
	if (!s || len == 0)
		return "empty number";
	if (s[i] == '-' || s[i] == '+')
		i++;
	/* Position of the first non-zero digit and count of significant digits, over integer and fraction. */
	int64_t digits_before_point = 0;
	int64_t first_nonzero = -1;   /* index among all mantissa digits */
	int64_t last_nonzero = -1;
	int64_t ndigits = 0;
	bool seen_point = false;
	for (; i < len && (is_digit(s[i]) || (s[i] == '.' && !seen_point)); i++) {
		if (s[i] == '.') {
			seen_point = true;
			continue;
		}
		if (s[i] != '0') {
			if (first_nonzero < 0)
				first_nonzero = ndigits;
			last_nonzero = ndigits;
		}
		ndigits++;
		if (!seen_point)
			digits_before_point++;
	}
	if (ndigits == 0)
		return "no digits";
	int64_t exponent = 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		bool negative = false;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			negative = s[i++] == '-';
		if (i >= len)
			return "no digits in exponent";
		for (; i < len && is_digit(s[i]); i++) {
			if (exponent < 100000)
				exponent = exponent * 10 + (s[i] - '0');
		}
		if (negative)
			exponent = -exponent;
	}
	if (i != len)
		return "not a number";
	if (first_nonzero < 0)
		return NULL; /* zero */
	if (last_nonzero - first_nonzero + 1 > MAX_SIGNIFICANT_DIGITS)
		return "more than 38 significant digits";
	/* Decimal exponent of the leading significant digit in scientific notation. */
	int64_t magnitude = digits_before_point - first_nonzero - 1 + exponent;
	if (magnitude > MAX_EXPONENT)
		return "magnitude larger than 9.9999999999999999999999999999999999999E+125";
	if (magnitude < MIN_EXPONENT)
		return "magnitude smaller than 1E-130";
	return NULL;
}
