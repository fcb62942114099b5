/* The process-wide allocator behind every library allocation. */
#include <stdlib.h>

#include "alloc_internal.h"

static void *default_malloc(size_t size, void *user) { (void)user; return malloc(size); }
static void *default_realloc(void *ptr, size_t size, void *user) { (void)user; return realloc(ptr, size); }
static void default_free(void *ptr, void *user) { (void)user; free(ptr); }

static struct cf_allocator current = { default_malloc, default_realloc, default_free, NULL };

CF_API void cf_set_allocator(const struct cf_allocator *allocator)
{
	if (allocator)
		current = *allocator;
	else
		current = (struct cf_allocator){ default_malloc, default_realloc, default_free, NULL };
}

void *cf_mem_alloc(size_t size) { return current.malloc_fn(size ? size : 1, current.user); }

void *cf_mem_realloc(void *ptr, size_t size) { return current.realloc_fn(ptr, size ? size : 1, current.user); }

void *cf_mem_calloc(size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	void *p = cf_mem_alloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void cf_mem_free(void *ptr)
{
	if (ptr)
		current.free_fn(ptr, current.user);
}

CF_API void cf_free(void *ptr) { cf_mem_free(ptr); }
