/*
 * A JSON path for error messages: "Records[3].dynamodb.NewImage.order_items.L[2].M.productId".
 * Walking records and attributes pushes and pops segments on every value, but the text is only
 * needed when something fails, so pushes just record the segment and cf_path_str() renders it.
 */
#ifndef CF_PATH_H
#define CF_PATH_H

#include <stddef.h>

#include "cartflow/bytes.h"
#include "cartflow/status.h"

enum { CF_PATH_MAX_SEGMENTS = 160 };

struct cf_path_segment {
	struct cf_str name; /* a key; ptr NULL for an index */
	size_t index;
};

struct cf_path {
	const char *root;   /* borrowed, e.g. "$" or "Records[3]" (copied into root_buf when needed) */
	char root_buf[32];
	size_t depth;       /* segments pushed; those beyond CF_PATH_MAX_SEGMENTS are counted, not kept */
	struct cf_path_segment segments[CF_PATH_MAX_SEGMENTS];
	char text[CF_ERROR_MESSAGE_MAX];
};

/* Start a path at `root` (NUL-terminated, copied). */
void cf_path_init(struct cf_path *path, const char *root);

/* Append ".name" (borrowed until popped); returns the mark to restore with cf_path_pop. */
static inline size_t cf_path_push_key(struct cf_path *path, struct cf_str name)
{
	size_t mark = path->depth;
	if (path->depth < CF_PATH_MAX_SEGMENTS)
		path->segments[path->depth] = (struct cf_path_segment){ name, 0 };
	path->depth++;
	return mark;
}

/* Append "[index]"; returns the mark to restore. */
static inline size_t cf_path_push_index(struct cf_path *path, size_t index)
{
	size_t mark = path->depth;
	if (path->depth < CF_PATH_MAX_SEGMENTS)
		path->segments[path->depth] = (struct cf_path_segment){ { NULL, 0 }, index };
	path->depth++;
	return mark;
}

/* Go back to a mark returned by a push. */
static inline void cf_path_pop(struct cf_path *path, size_t mark) { path->depth = mark; }

/*
 * The path as text, at most 160 characters (longer ones end in "..."), names with control bytes
 * shown as '?' and cut at 64 bytes. Rendered into path->text; valid until the next push or pop.
 */
const char *cf_path_str(struct cf_path *path);

#endif
