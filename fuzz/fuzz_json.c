/*
 * Target 4: the internal JSON parser (model/json.c), checked three ways on every input:
 *   1. against a small reference validator written here (RFC 8259 plus the parser's documented
 *      policy: leading UTF-8 BOM allowed, strings valid UTF-8, no lone surrogate escapes, at most
 *      128 nested containers): acceptance must agree exactly;
 *   2. against json-c's strict tokener: acceptance must agree except for the documented differences
 *      (docs/reliability.md), each recognised by the reference validator's reason for refusing;
 *   3. when both accept, the trees must match (types, array lengths, object keys, decoded strings).
 */
#include "fuzz_common.h"

#include "arena.h"
#include "json.h"

/* Why the reference validator refused, in the order the differences are documented. */
enum ref_why {
	REF_OK,
	REF_SYNTAX,     /* anything else: json-c must refuse it too */
	REF_UTF8,       /* a string holds bytes that are not UTF-8 (json-c does not check) */
	REF_SURROGATE,  /* a \uD800-\uDFFF escape without its pair (json-c accepts it) */
	REF_DEPTH,      /* more than 128 nested containers (json-c is given a deeper limit) */
	REF_CONTROL,    /* a raw control byte inside a string (json-c accepts it) */
	REF_NUMBER,     /* a number RFC 8259 does not allow: 01, 1., -.5, 1.e3 (json-c accepts some) */
	REF_NAN_INF,    /* NaN, Infinity, -Infinity (json-c accepts them) */
	REF_SQUOTE,     /* a single-quoted string (json-c accepts them as object keys) */
};

static const char *const ref_why_name[] = { "ok", "syntax", "utf8", "surrogate", "depth", "control", "number",
					    "nan/inf", "single quote" };

enum { REF_MAX_DEPTH = 128 };

struct ref {
	const unsigned char *s;
	size_t n;
	size_t i;
	enum ref_why why;
	size_t where;
	size_t max_depth;
};

static bool ref_fail(struct ref *r, enum ref_why why)
{
	r->why = why;
	r->where = r->i;
	return false;
}

static void ref_ws(struct ref *r)
{
	while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' || r->s[r->i] == '\r'))
		r->i++;
}

static bool ref_is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static bool ref_hex4(const struct ref *r, size_t at, unsigned *out)
{
	if (at > r->n || r->n - at < 4)
		return false;
	unsigned v = 0;
	for (size_t k = 0; k < 4; k++) {
		unsigned char c = r->s[at + k];
		unsigned d;
		if (ref_is_digit(c))
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		v = v * 16 + d;
	}
	*out = v;
	return true;
}

static bool ref_string(struct ref *r)
{
	r->i++; /* the opening quote */
	for (;;) {
		if (r->i >= r->n)
			return ref_fail(r, REF_SYNTAX);
		unsigned char c = r->s[r->i];
		if (c == '"') {
			r->i++;
			return true;
		}
		if (c < 0x20)
			return ref_fail(r, REF_CONTROL);
		if (c == '\\') {
			if (r->i + 1 >= r->n)
				return ref_fail(r, REF_SYNTAX);
			unsigned char e = r->s[r->i + 1];
			if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
				r->i += 2;
				continue;
			}
			unsigned cp, lo;
			if (e != 'u' || !ref_hex4(r, r->i + 2, &cp))
				return ref_fail(r, REF_SYNTAX);
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return ref_fail(r, REF_SURROGATE);
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (r->i + 7 < r->n && r->s[r->i + 6] == '\\' && r->s[r->i + 7] == 'u' &&
				    ref_hex4(r, r->i + 8, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
					r->i += 12;
					continue;
				}
				return ref_fail(r, REF_SURROGATE);
			}
			r->i += 6;
			continue;
		}
		if (c < 0x80) {
			r->i++;
			continue;
		}
		uint32_t cp;
		size_t len = fuzz_utf8_next(r->s + r->i, r->n - r->i, &cp);
		if (!len)
			return ref_fail(r, REF_UTF8);
		r->i += len;
	}
}

static bool ref_number(struct ref *r)
{
	const unsigned char *s = r->s;
	size_t n = r->n;
	if (s[r->i] == '-')
		r->i++;
	if (r->i >= n || !ref_is_digit(s[r->i]))
		return ref_fail(r, REF_NUMBER);
	if (s[r->i] == '0')
		r->i++;
	else
		while (r->i < n && ref_is_digit(s[r->i]))
			r->i++;
	if (r->i < n && s[r->i] == '.') {
		r->i++;
		if (r->i >= n || !ref_is_digit(s[r->i]))
			return ref_fail(r, REF_NUMBER);
		while (r->i < n && ref_is_digit(s[r->i]))
			r->i++;
	}
	if (r->i < n && (s[r->i] == 'e' || s[r->i] == 'E')) {
		r->i++;
		if (r->i < n && (s[r->i] == '+' || s[r->i] == '-'))
			r->i++;
		if (r->i >= n || !ref_is_digit(s[r->i]))
			return ref_fail(r, REF_NUMBER);
		while (r->i < n && ref_is_digit(s[r->i]))
			r->i++;
	}
	/* "01", "0x1", "1.2.3": number bytes straight after a complete number. */
	if (r->i < n && (ref_is_digit(s[r->i]) || s[r->i] == '.' || s[r->i] == 'e' || s[r->i] == 'E' ||
			 s[r->i] == '+' || s[r->i] == '-'))
		return ref_fail(r, REF_NUMBER);
	return true;
}

static bool ref_starts(const struct ref *r, const char *word)
{
	size_t len = strlen(word);
	return r->n - r->i >= len && memcmp(r->s + r->i, word, len) == 0;
}

static bool ref_value(struct ref *r, size_t depth)
{
	ref_ws(r);
	if (r->i >= r->n)
		return ref_fail(r, REF_SYNTAX);
	unsigned char c = r->s[r->i];
	if (c == '{' || c == '[') {
		if (depth + 1 > REF_MAX_DEPTH)
			return ref_fail(r, REF_DEPTH);
		if (depth + 1 > r->max_depth)
			r->max_depth = depth + 1;
		unsigned char close = c == '{' ? '}' : ']';
		r->i++;
		ref_ws(r);
		if (r->i < r->n && r->s[r->i] == close) {
			r->i++;
			return true;
		}
		for (;;) {
			if (c == '{') {
				ref_ws(r);
				if (r->i >= r->n || r->s[r->i] != '"')
					return ref_fail(r, r->i < r->n && r->s[r->i] == '\'' ? REF_SQUOTE : REF_SYNTAX);
				if (!ref_string(r))
					return false;
				ref_ws(r);
				if (r->i >= r->n || r->s[r->i] != ':')
					return ref_fail(r, REF_SYNTAX);
				r->i++;
			}
			if (!ref_value(r, depth + 1))
				return false;
			ref_ws(r);
			if (r->i < r->n && r->s[r->i] == ',') {
				r->i++;
				continue;
			}
			if (r->i < r->n && r->s[r->i] == close) {
				r->i++;
				return true;
			}
			return ref_fail(r, REF_SYNTAX);
		}
	}
	if (c == '"')
		return ref_string(r);
	if (c == '-' || ref_is_digit(c)) {
		if (ref_starts(r, "-Infinity"))
			return ref_fail(r, REF_NAN_INF);
		return ref_number(r);
	}
	if (ref_starts(r, "true") || ref_starts(r, "null")) {
		r->i += 4;
		return true;
	}
	if (ref_starts(r, "false")) {
		r->i += 5;
		return true;
	}
	if (ref_starts(r, "NaN") || ref_starts(r, "Infinity"))
		return ref_fail(r, REF_NAN_INF);
	return ref_fail(r, c == '\'' ? REF_SQUOTE : REF_SYNTAX);
}

static enum ref_why ref_check(const uint8_t *data, size_t size, size_t *where)
{
	struct ref r = { data, size, 0, REF_OK, 0, 0 };
	if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		r.i = 3;
	if (ref_value(&r, 0)) {
		ref_ws(&r);
		if (r.i != r.n)
			ref_fail(&r, REF_SYNTAX);
	}
	*where = r.where;
	return r.why;
}

/* json-c keeps the last of duplicate keys and cuts keys at a NUL: compare only what it can hold. */
static bool key_has_nul(struct cf_str k) { return memchr(k.ptr, '\0', k.len) != NULL; }

/*
 * Whether json-c's decoding of a string equals ours. One difference is json-c's: it decodes a
 * surrogate pair whose code point has D800-DFFF as its low 16 bits (U+1D800-U+1DFFF, U+2D800-U+2DFFF,
 * ..., e.g. "\uD836\uDC00") to U+FFFD, because it tests the combined code point with a 16-bit
 * surrogate mask. Ours keeps the character; every other character must match byte for byte.
 */
static bool same_decoded_string(struct cf_str ours, const char *theirs, size_t theirs_len)
{
	const unsigned char *a = (const unsigned char *)ours.ptr, *b = (const unsigned char *)theirs;
	size_t j = 0;
	for (size_t i = 0, n; i < ours.len; i += n) {
		uint32_t cp;
		n = fuzz_utf8_next(a + i, ours.len - i, &cp);
		FUZZ_CHECK(n > 0, "our decoded string is not UTF-8 at byte %zu", i);
		if (j + n <= theirs_len && memcmp(a + i, b + j, n) == 0)
			j += n;
		else if (n == 4 && (cp & 0xF800u) == 0xD800u && j + 3 <= theirs_len && memcmp(b + j, "\xEF\xBF\xBD", 3) == 0)
			j += 3;
		else
			return false;
	}
	return j == theirs_len;
}

static void compare(const struct cf_json *ours, struct json_object *theirs, int depth)
{
	switch (ours->type) {
	case CF_JSON_NULL:
		FUZZ_CHECK(theirs == NULL || json_object_is_type(theirs, json_type_null), "null vs %s",
			   json_type_to_name(json_object_get_type(theirs)));
		return;
	case CF_JSON_TRUE:
	case CF_JSON_FALSE:
		FUZZ_CHECK(json_object_is_type(theirs, json_type_boolean), "boolean vs %s",
			   json_type_to_name(json_object_get_type(theirs)));
		FUZZ_CHECK(json_object_get_boolean(theirs) == (ours->type == CF_JSON_TRUE), "boolean value");
		return;
	case CF_JSON_NUMBER:
		FUZZ_CHECK(json_object_is_type(theirs, json_type_int) || json_object_is_type(theirs, json_type_double),
			   "number vs %s", json_type_to_name(json_object_get_type(theirs)));
		return;
	case CF_JSON_STRING:
		FUZZ_CHECK(json_object_is_type(theirs, json_type_string), "string vs %s",
			   json_type_to_name(json_object_get_type(theirs)));
		FUZZ_CHECK(same_decoded_string(ours->u.text, json_object_get_string(theirs),
					       (size_t)json_object_get_string_len(theirs)),
			   "decoded strings differ (ours %zu bytes, json-c %d)", ours->u.text.len,
			   json_object_get_string_len(theirs));
		return;
	case CF_JSON_ARRAY:
		FUZZ_CHECK(json_object_is_type(theirs, json_type_array), "array vs %s",
			   json_type_to_name(json_object_get_type(theirs)));
		FUZZ_CHECK(json_object_array_length(theirs) == ours->count, "array lengths %u vs %zu", ours->count,
			   json_object_array_length(theirs));
		for (uint32_t i = 0; i < ours->count; i++)
			compare(&ours->u.entries[i].value, json_object_array_get_idx(theirs, i), depth + 1);
		return;
	case CF_JSON_OBJECT: {
		FUZZ_CHECK(json_object_is_type(theirs, json_type_object), "object vs %s",
			   json_type_to_name(json_object_get_type(theirs)));
		for (uint32_t i = 0; i < ours->count; i++)
			if (key_has_nul(ours->u.entries[i].key))
				return;
		size_t distinct = 0;
		for (uint32_t i = 0; i < ours->count; i++) {
			const struct cf_json_member *m = &ours->u.entries[i];
			bool last = true;
			for (uint32_t j = i + 1; j < ours->count && last; j++)
				last = !(ours->u.entries[j].key.len == m->key.len &&
					 memcmp(ours->u.entries[j].key.ptr, m->key.ptr, m->key.len) == 0);
			if (!last)
				continue;
			distinct++;
			char *key = fuzz_strndup(m->key.ptr, m->key.len);
			struct json_object *v;
			bool found = json_object_object_get_ex(theirs, key, &v);
			free(key);
			FUZZ_CHECK(found, "json-c lost key %.*s", (int)m->key.len, m->key.ptr);
			compare(&m->value, v, depth + 1);
		}
		FUZZ_CHECK((size_t)json_object_object_length(theirs) == distinct, "object sizes %zu vs %d", distinct,
			   json_object_object_length(theirs));
		return;
	}
	}
	FUZZ_CHECK(false, "unknown node type %u", ours->type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The parser borrows its text: give it an exact-size heap copy so ASan sees any overread. */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	if (size)
		memcpy(text, data, size);

	struct cf_arena arena = { 0 };
	const struct cf_json *root = NULL;
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_status st = cf_json_parse(&arena, text, size, &root, &err);
	FUZZ_CHECK(st == CF_OK || st == CF_ERR_JSON, "status %d (%s)", st, err.message);
	FUZZ_CHECK((st == CF_OK) == (root != NULL), "root and status disagree");
	FUZZ_CHECK(st == CF_OK || err.code == st, "error detail not filled");

	size_t where = 0;
	enum ref_why why = ref_check(data, size, &where);
	FUZZ_CHECK((st == CF_OK) == (why == REF_OK), "ours %s, reference %s (%s at offset %zu): %s",
		   st == CF_OK ? "accepts" : "refuses", why == REF_OK ? "accepts" : "refuses", ref_why_name[why], where,
		   err.message);

	struct json_object *theirs = NULL;
	bool jc = fuzz_jsonc_parse(text, size, JSON_TOKENER_STRICT, 1024, &theirs);
	static int stats = -1;
	if (stats < 0)
		stats = getenv("FUZZ_JSON_STATS") != NULL;
	if (stats) /* FUZZ_JSON_STATS=1: one line per input, to tally the differences over a corpus */
		printf("json-c %s, ours %s, reference: %s\n", jc ? "accepts" : "refuses", st == CF_OK ? "accepts" : "refuses",
		       ref_why_name[why]);
	if (jc && why != REF_OK) {
		/* json-c's leniencies; anything else it accepts, we must accept too. */
		FUZZ_CHECK(why != REF_SYNTAX, "json-c accepts what we refuse (offset %zu): %s", where, err.message);
	} else if (!jc && why == REF_OK) {
		/* We accept a leading BOM; json-c does not. Nothing else. */
		bool bom = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0;
		FUZZ_CHECK(bom, "json-c refuses what we accept");
	}
	if (jc && st == CF_OK)
		compare(root, theirs, 0);
	json_object_put(theirs);
	cf_arena_clean_up(&arena);
	free(text);
	return 0;
}
