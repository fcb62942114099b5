/* Bump allocation in growing chunks. */
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "alloc_internal.h"
#include "arena.h"

struct cf_arena_chunk {
	struct cf_arena_chunk *next;
	alignas(max_align_t) char data[];
};

enum { ARENA_FIRST_CHUNK = 4096, ARENA_MAX_CHUNK = 1 << 20 };

static size_t align_up(size_t n)
{
	size_t a = alignof(max_align_t);
	return (n + a - 1) & ~(a - 1);
}

void *cf_arena_alloc(struct cf_arena *arena, size_t size)
{
	size_t need = align_up(size ? size : 1);
	if (need < size)
		return NULL;
	if ((size_t)(arena->end - arena->cursor) < need || !arena->cursor) {
		size_t chunk = arena->next_size ? arena->next_size : ARENA_FIRST_CHUNK;
		if (chunk < need)
			chunk = need;
		if (chunk > SIZE_MAX - sizeof(struct cf_arena_chunk))
			return NULL;
		struct cf_arena_chunk *c = cf_mem_alloc(sizeof(*c) + chunk);
		if (!c)
			return NULL;
		c->next = arena->head;
		arena->head = c;
		arena->cursor = c->data;
		arena->end = c->data + chunk;
		if (arena->next_size < ARENA_MAX_CHUNK)
			arena->next_size = chunk * 2 > ARENA_MAX_CHUNK ? ARENA_MAX_CHUNK : chunk * 2;
	}
	void *p = arena->cursor;
	arena->cursor += need;
	return p;
}

char *cf_arena_strndup(struct cf_arena *arena, const char *src, size_t len)
{
	if (len == SIZE_MAX)
		return NULL;
	char *p = cf_arena_alloc(arena, len + 1);
	if (!p)
		return NULL;
	if (len)
		memcpy(p, src, len);
	p[len] = '\0';
	return p;
}

void cf_arena_clean_up(struct cf_arena *arena)
{
	if (!arena)
		return;
	struct cf_arena_chunk *c = arena->head;
	while (c) {
		struct cf_arena_chunk *next = c->next;
		cf_mem_free(c);
		c = next;
	}
	*arena = (struct cf_arena){ 0 };
}
