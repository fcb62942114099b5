/* The loop every Lambda event parser shares: Records[] into per-record structs with their own status. */
#ifndef CF_EVENT_RECORDS_H
#define CF_EVENT_RECORDS_H

#include "arena.h"
#include "json.h"
#include "path.h"

/* How one kind of event reads its records. Every record struct starts with status, then problem. */
struct cf_event_kind {
	size_t record_size;
	/* Whole-event check of one record (wrong event source, unreportable): non-CF_OK fails the event. */
	enum cf_status (*check)(const struct cf_json *node, void *record, struct cf_path *path, struct cf_error *err);
	/* Read one record; a failure other than CF_ERR_NOMEM becomes the record's status and problem. */
	enum cf_status (*read)(struct cf_arena *arena, const struct cf_json *node, void *record, struct cf_path *path,
			       struct cf_error *err);
};

/* The head every record struct shares (struct cf_stream_record, struct cf_sqs_record). */
struct cf_record_head {
	enum cf_status status;
	const char *problem;
};

/*
 * Copy and parse `json` into `arena`, find Records, and read each with `kind`. On CF_OK `*records`
 * (in the arena) holds `*count` records. Fails with CF_ERR_JSON, CF_ERR_NOT_EVENT (also from
 * kind->check) or CF_ERR_NOMEM.
 */
enum cf_status cf_event_records_parse(struct cf_arena *arena, const char *json, size_t len,
				      const struct cf_event_kind *kind, void **records, size_t *count,
				      struct cf_error *err);

#endif
