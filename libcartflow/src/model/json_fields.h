/* Reading members of JSON objects with path-named errors. */
#ifndef CF_JSON_FIELDS_H
#define CF_JSON_FIELDS_H

#include "arena.h"
#include "json.h"
#include "path.h"

/*
 * Member `key` of `obj` as a string. Absent or JSON null -> out->ptr NULL and CF_OK.
 * Any other non-string -> CF_ERR_TYPE naming path.key.
 */
enum cf_status cf_json_string_member(const struct cf_json *obj, const char *key, struct cf_str *out,
				     struct cf_path *path, struct cf_error *err);

/* Like cf_json_string_member, but an absent or null member is CF_ERR_MISSING. */
enum cf_status cf_json_required_string_member(const struct cf_json *obj, const char *key, struct cf_str *out,
					      struct cf_path *path, struct cf_error *err);

/* Copy err->message into `arena` for a record's `problem`; NULL if that allocation fails. */
const char *cf_problem_copy(struct cf_arena *arena, const struct cf_error *err);

/*
 * Copy `len` bytes of `text` into `arena` and parse the copy there: the shared opening of every
 * event and body parser, so that what they return never borrows the caller's input.
 */
enum cf_status cf_json_parse_copy(struct cf_arena *arena, const char *text, size_t len, const struct cf_json **out,
				  struct cf_error *err);

/* The Records array of a Lambda event, or CF_ERR_NOT_EVENT naming what was found instead. */
enum cf_status cf_json_event_records(const struct cf_json *root, const struct cf_json **records,
				     struct cf_error *err);

#endif
