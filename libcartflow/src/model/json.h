/*
 * A small validating JSON parser (RFC 8259, UTF-8 checked) that builds a read-only tree in an arena.
 * It keeps what the pipeline needs and json-c drops: the exact text of every number, string lengths
 * with embedded NULs, and member order.
 */
#ifndef CF_JSON_H
#define CF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "cartflow/bytes.h"
#include "cartflow/status.h"

enum cf_json_type {
	CF_JSON_NULL,
	CF_JSON_FALSE,
	CF_JSON_TRUE,
	CF_JSON_NUMBER,
	CF_JSON_STRING,
	CF_JSON_ARRAY,
	CF_JSON_OBJECT,
};

struct cf_json_member;

/* One value. Strings are decoded; numbers are the input text. All memory belongs to the arena. */
struct cf_json {
	uint32_t type;                         /* enum cf_json_type, kept small: trees hold many nodes */
	uint32_t count;                        /* ARRAY, OBJECT: number of entries */
	union {
		struct cf_str text;            /* STRING (decoded), NUMBER (as written) */
		struct cf_json_member *entries; /* ARRAY (keys empty), OBJECT */
	} u;
};

struct cf_json_member {
	struct cf_str key;
	struct cf_json value;
};

enum { CF_JSON_MAX_DEPTH = 128 };

/*
 * Parse `len` bytes at `text` (borrowed; must stay alive and unchanged as long as the tree: strings
 * without escapes point into it). A leading UTF-8 BOM and surrounding whitespace are accepted.
 * The tree is allocated in `arena` (borrowed); `*out` points into it.
 * CF_ERR_JSON with "offset N: what" in `err`, or CF_ERR_NOMEM.
 */
enum cf_status cf_json_parse(struct cf_arena *arena, const char *text, size_t len, const struct cf_json **out,
			     struct cf_error *err);

/* First member named `key` of an OBJECT, or NULL (also when `obj` is NULL or not an object). */
const struct cf_json *cf_json_get(const struct cf_json *obj, const char *key);

/* "string", "number", ... for messages. */
const char *cf_json_type_name(enum cf_json_type type);

#endif
