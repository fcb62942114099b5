/* Library-internal allocation through the installed cf_allocator. */
#ifndef CF_ALLOC_INTERNAL_H
#define CF_ALLOC_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "cartflow/alloc.h"

/* Each returns NULL on failure; the result is released with cf_mem_free. */
void *cf_mem_alloc(size_t size);
void *cf_mem_calloc(size_t count, size_t size);
void *cf_mem_realloc(void *ptr, size_t size);
/* NULL is a no-op. */
void cf_mem_free(void *ptr);

#endif
