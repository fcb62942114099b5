/*
 * Target 1: DynamoDB typed JSON. The input is parsed as a value (cf_attr_doc_parse_value) and as an
 * item (cf_attr_doc_parse_item). What parses must hold the attribute rules (N valid, B decodable, S
 * valid UTF-8, set members of the set's type), write back as JSON that json-c's strict mode accepts,
 * and round-trip: write(parse(write(parse(x)))) == write(parse(x)) byte for byte, with equal trees.
 */
#include "fuzz_common.h"

#include "cartflow/attr.h"

static bool str_equal(struct cf_str a, struct cf_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* The rules every parsed value keeps. Returns CF_ERR_NOMEM when decoding a B hit the sweep's failure. */
static enum cf_status check_attr(const struct cf_attr *a)
{
	enum cf_status st = CF_OK;
	switch (a->type) {
	case CF_ATTR_S:
		FUZZ_CHECK(a->v.text.ptr && fuzz_utf8_valid((const unsigned char *)a->v.text.ptr, a->v.text.len),
			   "S is not UTF-8");
		return CF_OK;
	case CF_ATTR_N:
		FUZZ_CHECK(!cf_attr_number_problem(a->v.text.ptr, a->v.text.len), "N %.*s: %s", (int)a->v.text.len,
			   a->v.text.ptr, cf_attr_number_problem(a->v.text.ptr, a->v.text.len));
		return CF_OK;
	case CF_ATTR_B: {
		unsigned char *bytes = NULL;
		size_t n = 0;
		struct cf_error err;
		st = cf_attr_binary_decode(a, &bytes, &n, &err);
		FUZZ_CHECK_OK(st, "decoding a B value that parsed");
		if (st == CF_OK) {
			size_t len = a->v.text.len;
			size_t pad = len && a->v.text.ptr[len - 1] == '=' ? (len > 1 && a->v.text.ptr[len - 2] == '=' ? 2 : 1) : 0;
			FUZZ_CHECK(n == len / 4 * 3 - pad, "B of %zu characters decoded to %zu bytes", len, n);
		}
		cf_free(bytes);
		return st;
	}
	case CF_ATTR_BOOL:
	case CF_ATTR_NULL:
		return CF_OK;
	case CF_ATTR_M:
		for (size_t i = 0; i < a->v.map.count; i++) {
			const struct cf_attr_member *m = &a->v.map.members[i];
			FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *)m->name.ptr, m->name.len), "name is not UTF-8");
			if (check_attr(&m->value) != CF_OK)
				st = CF_ERR_NOMEM;
		}
		return st;
	case CF_ATTR_L:
	case CF_ATTR_SS:
	case CF_ATTR_NS:
	case CF_ATTR_BS: {
		enum cf_attr_type member = a->type == CF_ATTR_SS ? CF_ATTR_S
					   : a->type == CF_ATTR_NS ? CF_ATTR_N
					   : a->type == CF_ATTR_BS ? CF_ATTR_B
								   : (enum cf_attr_type)-1;
		for (size_t i = 0; i < a->v.list.count; i++) {
			if (a->type != CF_ATTR_L)
				FUZZ_CHECK(a->v.list.items[i].type == member, "%s member of type %s",
					   cf_attr_type_name(a->type), cf_attr_type_name(a->v.list.items[i].type));
			if (check_attr(&a->v.list.items[i]) != CF_OK)
				st = CF_ERR_NOMEM;
		}
		return st;
	}
	}
	FUZZ_CHECK(false, "unknown attribute type %d", (int)a->type);
	return st;
}

static void check_same(const struct cf_attr *a, const struct cf_attr *b)
{
	FUZZ_CHECK(a->type == b->type, "types %s and %s", cf_attr_type_name(a->type), cf_attr_type_name(b->type));
	switch (a->type) {
	case CF_ATTR_S:
	case CF_ATTR_N:
	case CF_ATTR_B:
		FUZZ_CHECK(str_equal(a->v.text, b->v.text), "%s values differ after the round trip",
			   cf_attr_type_name(a->type));
		return;
	case CF_ATTR_BOOL:
		FUZZ_CHECK(a->v.boolean == b->v.boolean, "BOOL differs");
		return;
	case CF_ATTR_NULL:
		return;
	case CF_ATTR_M:
		FUZZ_CHECK(a->v.map.count == b->v.map.count, "M sizes differ");
		for (size_t i = 0; i < a->v.map.count; i++) {
			FUZZ_CHECK(str_equal(a->v.map.members[i].name, b->v.map.members[i].name), "M names differ");
			check_same(&a->v.map.members[i].value, &b->v.map.members[i].value);
		}
		return;
	default:
		FUZZ_CHECK(a->v.list.count == b->v.list.count, "list sizes differ");
		for (size_t i = 0; i < a->v.list.count; i++)
			check_same(&a->v.list.items[i], &b->v.list.items[i]);
	}
}

typedef enum cf_status (*parse_fn)(const char *, size_t, struct cf_attr_doc **, struct cf_error *);

static enum cf_status write_doc(bool item, const struct cf_attr *root, char **out, size_t *len)
{
	return item ? cf_attr_write_item(root, out, len) : cf_attr_write_value(root, out, len);
}

static enum cf_status round_trip(const uint8_t *data, size_t size, bool item)
{
	parse_fn parse = item ? cf_attr_doc_parse_item : cf_attr_doc_parse_value;
	struct cf_attr_doc *doc = (struct cf_attr_doc *)&doc, *doc2 = NULL;
	struct cf_error err;
	cf_error_clear(&err);
	enum cf_status st = parse((const char *)data, size, &doc, &err);
	FUZZ_CHECK((st == CF_OK) == (doc != NULL), "status %d with document %p", st, (void *)doc);
	if (st != CF_OK) {
		FUZZ_CHECK(st == CF_ERR_JSON || st == CF_ERR_TYPE || st == CF_ERR_NUMBER || st == CF_ERR_BASE64 ||
				   st == CF_ERR_NOMEM,
			   "unexpected status %d (%s)", st, err.message);
		FUZZ_CHECK(err.code == st && memchr(err.message, '\0', sizeof(err.message)), "error detail");
		return st;
	}
	const struct cf_attr *root = cf_attr_doc_root(doc);
	FUZZ_CHECK(!item || root->type == CF_ATTR_M, "an item's root is %s", cf_attr_type_name(root->type));
	char *out1 = NULL, *out2 = NULL, *wrapped = NULL;
	size_t len1 = 0, len2 = 0, wrapped_len = 0;
	if ((st = check_attr(root)) != CF_OK)
		goto out;
	if ((st = write_doc(item, root, &out1, &len1)) != CF_OK) {
		FUZZ_CHECK_OK(st, "writing");
		goto out;
	}
	/* Control bytes, NUL included, are written escaped: the text holds no NUL of its own. */
	FUZZ_CHECK(strlen(out1) == len1, "written JSON holds a raw NUL");
	struct json_object *jc = fuzz_jsonc_strict(out1, len1);
	FUZZ_CHECK(jc && json_object_is_type(jc, json_type_object), "json-c refuses our output: %s", out1);
	json_object_put(jc);

	st = parse(out1, len1, &doc2, &err);
	if (st != CF_OK) {
		FUZZ_CHECK(st == CF_ERR_NOMEM && fuzz_alloc.failed, "our output does not parse again (%s): %s",
			   err.message, out1);
		goto out;
	}
	check_same(root, cf_attr_doc_root(doc2));
	if ((st = write_doc(item, cf_attr_doc_root(doc2), &out2, &len2)) != CF_OK) {
		FUZZ_CHECK_OK(st, "writing again");
		goto out;
	}
	FUZZ_CHECK(len1 == len2 && memcmp(out1, out2, len1) == 0, "round trip changed the bytes:\n%s\n%s", out1, out2);

	/* The same M as a value is the item wrapped in {"M":...}, and the other way round. */
	if (root->type == CF_ATTR_M) {
		if ((st = write_doc(!item, root, &wrapped, &wrapped_len)) != CF_OK) {
			FUZZ_CHECK_OK(st, "writing the other shape");
			goto out;
		}
		const char *value = item ? wrapped : out1, *as_item = item ? out1 : wrapped;
		size_t value_len = item ? wrapped_len : len1, item_len = item ? len1 : wrapped_len;
		FUZZ_CHECK(value_len == item_len + 6 && memcmp(value, "{\"M\":", 5) == 0 &&
				   memcmp(value + 5, as_item, item_len) == 0 && value[value_len - 1] == '}',
			   "value and item writers disagree:\n%s\n%s", value, as_item);
	} else {
		FUZZ_CHECK(cf_attr_write_item(root, &wrapped, &wrapped_len) == CF_ERR_TYPE && !wrapped,
			   "writing a non-M as an item");
	}
out:
	cf_free(wrapped);
	cf_free(out2);
	cf_free(out1);
	cf_attr_doc_destroy(doc2);
	cf_attr_doc_destroy(doc);
	return st;
}

static enum cf_status run(const uint8_t *data, size_t size)
{
	enum cf_status a = round_trip(data, size, false);
	enum cf_status b = round_trip(data, size, true);
	return a == CF_ERR_NOMEM || b == CF_ERR_NOMEM ? CF_ERR_NOMEM : a != CF_OK ? a : b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_run_with_sweep(run, data, size);
	return 0;
}
