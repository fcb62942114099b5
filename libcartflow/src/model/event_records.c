/* Records[] of a Lambda event, each read into its own struct. */
#include <stdio.h>
#include <string.h>

#include "event_records.h"
#include "json_fields.h"

enum cf_status cf_event_records_parse(struct cf_arena *arena, const char *json, size_t len,
				      const struct cf_event_kind *kind, void **records, size_t *count,
				      struct cf_error *err)
{
	*records = NULL;
	*count = 0;
	const struct cf_json *root, *list;
	enum cf_status st = cf_json_parse_copy(arena, json, len, &root, err);
	if (st || (st = cf_json_event_records(root, &list, err)))
		return st;
	char *recs = NULL;
	if (list->count && !(recs = cf_arena_alloc(arena, list->count * kind->record_size)))
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < list->count; i++) {
		const struct cf_json *node = &list->u.entries[i].value;
		void *rec = recs + i * kind->record_size;
		struct cf_record_head *head = rec;
		struct cf_path path;
		char root_name[32];
		snprintf(root_name, sizeof(root_name), "Records[%zu]", i);
		cf_path_init(&path, root_name);
		memset(rec, 0, kind->record_size);
		if ((st = kind->check(node, rec, &path, err)))
			return st;
		struct cf_error rec_err;
		enum cf_status rst = kind->read(arena, node, rec, &path, &rec_err);
		if (rst == CF_ERR_NOMEM)
			return cf_error_set(err, CF_ERR_NOMEM, "%s", rec_err.message);
		if (rst) {
			head->status = rst;
			if (!(head->problem = cf_problem_copy(arena, &rec_err)))
				return cf_error_set(err, CF_ERR_NOMEM, "out of memory");
		}
	}
	*records = recs;
	*count = list->count;
	return CF_OK;
}
