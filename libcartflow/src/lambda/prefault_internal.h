/* Cold start: populate the pages a bootstrap is about to write, a few system calls instead of a fault each. */
#ifndef CF_PREFAULT_INTERNAL_H
#define CF_PREFAULT_INTERNAL_H

#include <stddef.h>

/* What cf_prefault_startup_memory populated (page-aligned ranges; NULL, 0 when none or refused). */
struct cf_prefault_report {
	void *data; /* the executable's writable data and bss after RELRO (its last such segment) */
	size_t data_bytes;
	void *heap; /* what glibc's malloc has already taken from the kernel with brk */
	size_t heap_bytes;
	void *stack; /* the main thread's stack just below the caller's frame */
	size_t stack_bytes;
	int failed; /* madvise calls refused (before Linux 5.14: EINVAL); harmless */
};

/*
 * Populates (MADV_POPULATE_WRITE) the main executable's writable data and bss past its RELRO part,
 * the heap that malloc has already reserved with brk but not yet touched, and 16 KiB of stack
 * below the caller (within what the kernel mapped for the main thread at exec), so that the first
 * invocation does not take a page fault for each of those pages. Process-wide and best effort, so
 * it returns nothing: a refusal changes nothing but speed. Call it from the main thread before any
 * other thread starts (the heap range assumes malloc's main arena is the only one). `report`
 * (borrowed, may be NULL) receives what was done.
 */
void cf_prefault_startup_memory(struct cf_prefault_report *report);

#endif
