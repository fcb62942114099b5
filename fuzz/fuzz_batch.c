/*
 * Target 8: the partial batch response writer (cf_batch_response_write) with fuzzed identifiers.
 * Input: the first byte is a separator, the rest is split on it into identifiers; an identifier that
 * is the single byte 0xFF stands for an absent one (ptr NULL). Checks: the output is byte for byte the
 * documented text (duplicates and absent ids dropped, order kept, only '"', '\\' and control bytes
 * escaped), json-c's strict mode reads it back to exactly the unique identifiers, and when every
 * identifier is UTF-8 our own parser and json-c's UTF-8 validation accept it as well.
 */
#include "fuzz_common.h"

#include "arena.h"
#include "cartflow/batch_response.h"
#include "json.h"

enum { MAX_IDS = 4096 };

struct text {
	char *p;
	size_t len, cap;
};

static void put(struct text *t, const void *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		if (!t->p)
			abort();
	}
	if (n)
		memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void put_escaped(struct text *t, struct cf_str s)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		char e[7];
		switch (c) {
		case '"': put(t, "\\\"", 2); break;
		case '\\': put(t, "\\\\", 2); break;
		case '\n': put(t, "\\n", 2); break;
		case '\r': put(t, "\\r", 2); break;
		case '\t': put(t, "\\t", 2); break;
		case '\b': put(t, "\\b", 2); break;
		case '\f': put(t, "\\f", 2); break;
		default:
			if (c < 0x20) {
				snprintf(e, sizeof(e), "\\u%04x", c);
				put(t, e, 6);
			} else {
				put(t, &s.ptr[i], 1);
			}
		}
	}
}

static bool same(struct cf_str a, struct cf_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* An exact-size copy, so that ASan sees any read past an identifier. */
	char *copy = malloc(size);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	char sep = copy[0];
	struct cf_str *ids = calloc(MAX_IDS, sizeof(*ids));
	if (!ids)
		abort();
	size_t n = 0, start = 1;
	for (size_t i = 1; i <= size && n < MAX_IDS; i++) {
		if (i < size && copy[i] != sep)
			continue;
		struct cf_str id = { copy + start, i - start };
		if (id.len == 1 && (unsigned char)id.ptr[0] == 0xFF)
			id.ptr = NULL;
		ids[n++] = id;
		start = i + 1;
	}

	/* What the writer must produce, built independently. */
	struct text want = { 0 };
	put(&want, "{\"batchItemFailures\":[", 22);
	struct cf_str *unique = calloc(n + 1, sizeof(*unique));
	size_t nu = 0;
	bool utf8 = true;
	for (size_t i = 0; i < n; i++) {
		if (!ids[i].ptr)
			continue;
		bool dup = false;
		for (size_t j = 0; j < nu && !dup; j++)
			dup = same(unique[j], ids[i]);
		if (dup)
			continue;
		utf8 &= fuzz_utf8_valid((const unsigned char *)ids[i].ptr, ids[i].len);
		put(&want, nu ? ",{\"itemIdentifier\":\"" : "{\"itemIdentifier\":\"", nu ? 20 : 19);
		put_escaped(&want, ids[i]);
		put(&want, "\"}", 2);
		unique[nu++] = ids[i];
	}
	put(&want, "]}", 2);

	char *out = NULL;
	size_t len = 0;
	enum cf_status st = cf_batch_response_write(ids, n, &out, &len);
	FUZZ_CHECK(st == CF_OK, "status %d", st);
	FUZZ_CHECK(out[len] == '\0' && strlen(out) == len, "output framing");
	FUZZ_CHECK(len == want.len && !memcmp(out, want.p, len), "output\n%s\nwant\n%s", out, want.p);

	struct json_object *root = fuzz_jsonc_strict(out, len), *list;
	FUZZ_CHECK(root && json_object_object_get_ex(root, "batchItemFailures", &list) &&
			   json_object_is_type(list, json_type_array) && json_object_object_length(root) == 1,
		   "json-c reads %s", out);
	FUZZ_CHECK(json_object_array_length(list) == nu, "%zu entries for %zu unique ids", json_object_array_length(list),
		   nu);
	for (size_t i = 0; i < nu; i++) {
		struct json_object *e = json_object_array_get_idx(list, i);
		const char *s;
		size_t slen;
		FUZZ_CHECK(json_object_object_length(e) == 1 && fuzz_jsonc_string(e, "itemIdentifier", &s, &slen) &&
				   same((struct cf_str){ s, slen }, unique[i]),
			   "entry %zu is not identifier %zu", i, i);
	}
	json_object_put(root);

	if (utf8) {
		struct cf_arena arena = { 0 };
		const struct cf_json *tree;
		struct cf_error err;
		FUZZ_CHECK(cf_json_parse(&arena, out, len, &tree, &err) == CF_OK, "our parser refuses %s: %s", out,
			   err.message);
		cf_arena_clean_up(&arena);
		struct json_object *v;
		FUZZ_CHECK(fuzz_jsonc_parse(out, len, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8, 64, &v),
			   "json-c's UTF-8 check refuses %s", out);
		json_object_put(v);
	}
	cf_free(out);
	free(want.p);
	free(unique);
	free(ids);
	free(copy);
	return 0;
}
