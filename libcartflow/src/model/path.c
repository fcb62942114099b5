/* Rendering a path for an error message; a path too long to show ends in "...". */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "path.h"

/* Paths stop at 160 characters so that an error message keeps room for what went wrong. */
enum { PATH_ROOM = 160, NAME_ROOM = 64 };

void cf_path_init(struct cf_path *path, const char *root)
{
	snprintf(path->root_buf, sizeof(path->root_buf), "%s", root);
	path->root = path->root_buf;
	path->depth = 0;
	path->text[0] = '\0';
}

struct writer {
	char *out;
	size_t len;
	bool full;
};

static void put(struct writer *w, const char *s, size_t n)
{
	if (w->full)
		return;
	if (n > PATH_ROOM - w->len) {
		memcpy(w->out + w->len, s, PATH_ROOM - w->len);
		memcpy(w->out + PATH_ROOM, "...", 4);
		w->len = PATH_ROOM + 3;
		w->full = true;
		return;
	}
	memcpy(w->out + w->len, s, n);
	w->len += n;
	w->out[w->len] = '\0';
}

static void put_name(struct writer *w, struct cf_str name)
{
	char shown[NAME_ROOM];
	size_t n = name.len < sizeof(shown) ? name.len : sizeof(shown);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name.ptr[i];
		shown[i] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
	}
	put(w, ".", 1);
	put(w, shown, n);
	if (n < name.len)
		put(w, "...", 3);
}

const char *cf_path_str(struct cf_path *path)
{
	struct writer w = { path->text, 0, false };
	path->text[0] = '\0';
	put(&w, path->root, strlen(path->root));
	size_t kept = path->depth < CF_PATH_MAX_SEGMENTS ? path->depth : CF_PATH_MAX_SEGMENTS;
	for (size_t i = 0; i < kept && !w.full; i++) {
		const struct cf_path_segment *s = &path->segments[i];
		if (s->name.ptr) {
			put_name(&w, s->name);
		} else {
			char buf[32];
			int n = snprintf(buf, sizeof(buf), "[%zu]", s->index);
			put(&w, buf, (size_t)n);
		}
	}
	if (kept < path->depth)
		put(&w, "...", 3);
	return path->text;
}
