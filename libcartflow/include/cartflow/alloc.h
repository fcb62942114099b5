/* libcartflow: the allocator every library allocation goes through. */
#ifndef CARTFLOW_ALLOC_H
#define CARTFLOW_ALLOC_H

#include <stddef.h>

#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A malloc family for the library, as in curl_global_init_mem() or SQLITE_CONFIG_MALLOC.
 * `free_fn` must accept NULL. `user` is passed back to every call.
 */
struct cf_allocator {
	void *(*malloc_fn)(size_t size, void *user);
	void *(*realloc_fn)(void *ptr, size_t size, void *user);
	void (*free_fn)(void *ptr, void *user);
	void *user;
};

/*
 * Install `allocator` (copied) for all later library allocations; NULL restores malloc/realloc/free.
 * Not thread-safe: call it before any other libcartflow function, and release every libcartflow
 * object allocated under one allocator before switching to another.
 * Third-party libraries (json-c, libcurl, OpenSSL) keep their own allocators.
 */
CF_API void cf_set_allocator(const struct cf_allocator *allocator);

/* Free memory the library returned to the caller (strings, buffers). `ptr` is taken; NULL is a no-op. */
CF_API void cf_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif
