/* Building attribute values from the JSON tree, and writing them, for the rest of the library. */
#ifndef CF_ATTR_INTERNAL_H
#define CF_ATTR_INTERNAL_H

#include "arena.h"
#include "buf.h"
#include "cartflow/attr.h"
#include "json.h"
#include "path.h"

/*
 * Convert the typed value `node` into `*out`, allocating in `arena`. Errors name `path` (borrowed,
 * extended and restored during the walk).
 */
enum cf_status cf_attr_from_json(struct cf_arena *arena, const struct cf_json *node, struct cf_attr *out,
				 struct cf_path *path, struct cf_error *err);

/* Convert an item (object of name -> typed value) into an M in `*out`. */
enum cf_status cf_attr_item_from_json(struct cf_arena *arena, const struct cf_json *node, struct cf_attr *out,
				      struct cf_path *path, struct cf_error *err);

/* True when `text` is strict base64: A-Z a-z 0-9 + /, length a multiple of 4, '=' only as 1-2 final pad. */
bool cf_base64_is_valid(const char *text, size_t len);

/* Append `attr` as a typed value / an M as an item. Check buf->failed afterwards. */
void cf_attr_append_value(struct cf_buf *buf, const struct cf_attr *attr);
void cf_attr_append_item(struct cf_buf *buf, const struct cf_attr *item);

#endif
