/* Bounded path text for error messages; a path too long to show ends in "...". */
#include <stdio.h>
#include <string.h>

#include "path.h"

/* Paths stop at 160 characters so that an error message keeps room for what went wrong. */
enum { PATH_ROOM = 160 };

void cf_path_init(struct cf_path *path, const char *root)
{
	size_t n = strlen(root);
	if (n > PATH_ROOM)
		n = PATH_ROOM;
	memcpy(path->text, root, n);
	path->len = n;
	path->text[n] = '\0';
}

static void append(struct cf_path *path, const char *s, size_t n)
{
	if (path->len >= PATH_ROOM)
		return;
	if (n > PATH_ROOM - path->len) {
		memcpy(path->text + path->len, s, PATH_ROOM - path->len);
		memcpy(path->text + PATH_ROOM, "...", 4);
		path->len = PATH_ROOM + 3;
		return;
	}
	memcpy(path->text + path->len, s, n);
	path->len += n;
	path->text[path->len] = '\0';
}

size_t cf_path_push_key(struct cf_path *path, struct cf_str name)
{
	size_t mark = path->len;
	char shown[64] = { 0 };
	size_t n = name.len < sizeof(shown) ? name.len : sizeof(shown);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name.ptr[i];
		shown[i] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
	}
	append(path, ".", 1);
	append(path, shown, n);
	if (n < name.len)
		append(path, "...", 3);
	return mark;
}

size_t cf_path_push_index(struct cf_path *path, size_t index)
{
	size_t mark = path->len;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "[%zu]", index);
	append(path, buf, (size_t)n);
	return mark;
}
