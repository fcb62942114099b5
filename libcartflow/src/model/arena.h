/* A bump allocator: many small allocations released together. */
#ifndef CF_ARENA_H
#define CF_ARENA_H

#include <stddef.h>

struct cf_arena_chunk;

/* Caller-allocated; zero-initialised ({0}) is a valid empty arena. */
struct cf_arena {
	struct cf_arena_chunk *head;
	char *cursor;
	char *end;
	size_t next_size;
};

/* Aligned to max_align_t; NULL on allocation failure. Memory lives until cf_arena_clean_up. */
void *cf_arena_alloc(struct cf_arena *arena, size_t size);
/* Copy `len` bytes into the arena and add a NUL after them; NULL on allocation failure. */
char *cf_arena_strndup(struct cf_arena *arena, const char *src, size_t len);
/* Release every chunk; the arena is empty again and reusable. NULL is a no-op. */
void cf_arena_clean_up(struct cf_arena *arena);

#endif
