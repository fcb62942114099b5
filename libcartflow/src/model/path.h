/* A JSON path for error messages: "Records[3].dynamodb.NewImage.order_items.L[2].M.productId". */
#ifndef CF_PATH_H
#define CF_PATH_H

#include <stddef.h>

#include "cartflow/bytes.h"
#include "cartflow/status.h"

struct cf_path {
	char text[CF_ERROR_MESSAGE_MAX];
	size_t len;
};

/* Start a path at `root` (NUL-terminated, copied). */
void cf_path_init(struct cf_path *path, const char *root);
/* Append ".name" (name borrowed, non-printable bytes shown as '?'); returns the length to restore with cf_path_pop. */
size_t cf_path_push_key(struct cf_path *path, struct cf_str name);
/* Append "[index]"; returns the length to restore. */
size_t cf_path_push_index(struct cf_path *path, size_t index);
/* Go back to a length returned by a push. */
static inline void cf_path_pop(struct cf_path *path, size_t mark) { path->len = mark; path->text[mark] = '\0'; }

#endif
