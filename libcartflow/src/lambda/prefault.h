/* Cold start: map the pages a bootstrap is about to write in one system call instead of one fault each. */
#ifndef CF_PREFAULT_H
#define CF_PREFAULT_H

#include <stddef.h>

/* What cf_prefault_startup_memory populated (page-aligned ranges; NULL, 0 when none), for tests. */
struct cf_prefault_report {
	void *data;        /* the executable's writable data and bss after RELRO */
	size_t data_bytes;
	void *heap;        /* what malloc has already taken from the kernel with brk */
	size_t heap_bytes;
	void *stack;       /* the main thread's stack just below the caller's frame */
	size_t stack_bytes;
	int failed;        /* madvise calls refused (a kernel before 5.14: EINVAL); harmless */
};

/*
 * Populates (MADV_POPULATE_WRITE) the main executable's writable data and bss past its RELRO part,
 * the heap that malloc has already reserved with brk but not yet touched, and the 32 KiB of stack
 * below the caller (within what the kernel mapped for the main thread at exec), so that the first
 * invocation does not take a page fault for each of those pages. Process-wide and best effort:
 * failures change nothing but speed. `report` (borrowed, may be NULL) receives what was done.
 */
void cf_prefault_startup_memory(struct cf_prefault_report *report);

#endif
