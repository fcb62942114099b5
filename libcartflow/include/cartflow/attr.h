/* libcartflow: DynamoDB attribute values (typed JSON: S, N, B, BOOL, NULL, M, L, SS, NS, BS). */
#ifndef CARTFLOW_ATTR_H
#define CARTFLOW_ATTR_H

#include <stdbool.h>
#include <stddef.h>

#include "bytes.h"
#include "export.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cf_attr_type {
	CF_ATTR_S,
	CF_ATTR_N,
	CF_ATTR_B,
	CF_ATTR_BOOL,
	CF_ATTR_NULL,
	CF_ATTR_M,
	CF_ATTR_L,
	CF_ATTR_SS,
	CF_ATTR_NS,
	CF_ATTR_BS,
};

struct cf_attr_member;

/*
 * One attribute value. Read-only; every pointer inside belongs to the document it came from
 * (struct cf_attr_doc, or the event/order that parsed it) and lives as long as that document.
 */
struct cf_attr {
	enum cf_attr_type type;
	union {
		/* S: the decoded UTF-8 string, may hold NUL bytes. N: the number exactly as written.
		 * B: the base64 text exactly as written (see cf_attr_binary_decode). */
		struct cf_str text;
		bool boolean;                          /* BOOL */
		struct {
			const struct cf_attr_member *members; /* M, in input order */
			size_t count;
		} map;
		struct {
			const struct cf_attr *items;   /* L; SS, NS, BS hold items of type S, N, B */
			size_t count;
		} list;
	} v;
};

struct cf_attr_member {
	struct cf_str name;
	struct cf_attr value;
};

/* The wire name of a type: "S", "N", ..., "BS". Static string. */
CF_API const char *cf_attr_type_name(enum cf_attr_type type);

/*
 * The first member of map `m` named `name` (NUL-terminated, borrowed), or NULL when absent or `m` is
 * not an M. The result is borrowed from `m`'s document: valid until that document is destroyed.
 */
CF_API const struct cf_attr *cf_attr_get(const struct cf_attr *m, const char *name);

/*
 * Check `text` (len bytes, borrowed) against DynamoDB's number rules: optional sign, digits with an
 * optional fraction, optional exponent; at most 38 significant digits; magnitude 0 or between
 * 1E-130 and 9.9999999999999999999999999999999999999E+125. Returns NULL when valid, else a static
 * reason such as "more than 38 significant digits".
 */
CF_API const char *cf_attr_number_problem(const char *text, size_t len);

/*
 * Decode a B value (or a BS item) with OpenSSL. On CF_OK `*out` is a new buffer of `*out_len` bytes
 * that the caller frees with cf_free(). `attr` is borrowed. CF_ERR_TYPE if not B, CF_ERR_BASE64, CF_ERR_NOMEM.
 */
CF_API enum cf_status cf_attr_binary_decode(const struct cf_attr *attr, unsigned char **out, size_t *out_len,
					    struct cf_error *err) CF_WARN_UNUSED;

/* An attribute value (or an item) parsed from JSON, with the memory behind it. Opaque. */
struct cf_attr_doc;

/*
 * Parse one typed value, e.g. {"M":{"a":{"S":"x"}}}. `json` (len bytes) is copied, so the caller may
 * free it at once. On CF_OK `*out` is a new document freed with cf_attr_doc_destroy(); on failure
 * `*out` is NULL and `err` (may be NULL) names the path, e.g. "$.M.a: expected exactly one type key, got 2".
 */
CF_API enum cf_status cf_attr_doc_parse_value(const char *json, size_t len, struct cf_attr_doc **out,
					      struct cf_error *err) CF_WARN_UNUSED;

/*
 * Parse an item: a JSON object mapping attribute names to typed values, as a stream record's
 * NewImage, e.g. {"order_id":{"S":"1"}}. The root is then an M. Same ownership as above.
 */
CF_API enum cf_status cf_attr_doc_parse_item(const char *json, size_t len, struct cf_attr_doc **out,
					     struct cf_error *err) CF_WARN_UNUSED;

/* The root value, borrowed from `doc`. */
CF_API const struct cf_attr *cf_attr_doc_root(const struct cf_attr_doc *doc);

/* Release the document and everything its attributes point to. NULL is a no-op. */
CF_API void cf_attr_doc_destroy(struct cf_attr_doc *doc);

/*
 * Write `attr` (borrowed) as compact typed JSON ({"S":"x"}). Strings are written as UTF-8 with only
 * '"', '\\' and control characters escaped; numbers and base64 exactly as parsed; map order kept.
 * On CF_OK `*out` is a new NUL-terminated string of `*out_len` bytes, freed with cf_free().
 */
CF_API enum cf_status cf_attr_write_value(const struct cf_attr *attr, char **out, size_t *out_len) CF_WARN_UNUSED;

/* Write the M `item` (borrowed) as an item ({"name":{"S":"x"},...}); CF_ERR_TYPE if not an M. Same ownership. */
CF_API enum cf_status cf_attr_write_item(const struct cf_attr *item, char **out, size_t *out_len) CF_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
