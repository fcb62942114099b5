/*
 * Populate the pages a cold bootstrap writes anyway, in three system calls.
 *
 * A page fault is a trap, a fresh page and a return. On the CI machine kind (a 2-core VM whose page
 * tables its hypervisor shadows) a fault on a fresh page costs 10-12 us; populated in bulk, the page
 * costs 0.5-0.8 us, and its first touch still 4-6 us (docs/performance.md). A cold
 * update-cart-status took about 50 faults on its data and bss, its heap and its stack between main
 * and its first /response. Only memory the process already has is populated: the heap is what malloc
 * has reserved with brk (glibc's first 132 KiB, most of which the first invocation writes), and the
 * stack is 16 KiB of the 128 KiB the kernel maps at exec.
 */
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prefault_internal.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 (mainline's number; an older kernel answers EINVAL) */
#endif

/*
 * A heap beyond this was not reserved by a fresh process's malloc: leave it alone. The stack: a cold
 * invocation reaches about 12 KiB below main's frame (perf record); the kernel maps 128 KiB at exec.
 */
enum { MAX_HEAP_BYTES = 1 << 20, STACK_BYTES = 16 << 10 };

/* Populates the pages overlapping [from, to); on success sets *start, *bytes to them, else counts a failure. */
static void populate(uintptr_t from, uintptr_t to, void **start, size_t *bytes, int *failed)
{
	const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	if (to <= from)
		return;
	from &= ~(page - 1);
	to = (to + page - 1) & ~(page - 1);
	if (madvise((void *)from, to - from, MADV_POPULATE_WRITE)) {
		(*failed)++;
		return;
	}
	*start = (void *)from;
	*bytes = to - from;
}

/*
 * The main executable's writable PT_LOAD segments, less their PT_GNU_RELRO part (read-only by now: a
 * write populate would fail there). GNU ld puts RELRO at the head of the one writable segment; lld
 * and mold give it a segment of its own, which is then left out whole. dl_iterate_phdr reports the
 * executable first, static or not.
 */
static int populate_data(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	struct cf_prefault_report *r = ctx;
	uintptr_t relro_from = 0, relro_to = 0;
	for (size_t i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO) {
			relro_from = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
			relro_to = relro_from + info->dlpi_phdr[i].p_memsz;
		}
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
			continue;
		uintptr_t from = info->dlpi_addr + ph->p_vaddr, to = from + ph->p_memsz;
		if (relro_from <= from && from < relro_to)
			from = relro_to < to ? relro_to : to;
		populate(from, to, &r->data, &r->data_bytes, &r->failed);
	}
	return 1; /* the executable only */
}

/* The heap malloc holds: [break - bytes it took with brk, break), when that looks like a fresh heap. */
static void populate_heap(struct cf_prefault_report *r)
{
	void *volatile first = malloc(1); /* the heap exists from here on (volatile: not optimised away) */
	free(first);
	struct mallinfo2 mi = mallinfo2();
	uintptr_t brk_end = (uintptr_t)sbrk(0);
	if (brk_end == (uintptr_t)-1 || mi.arena == 0 || mi.arena > MAX_HEAP_BYTES || mi.arena > brk_end)
		return;
	populate(brk_end - mi.arena, brk_end, &r->heap, &r->heap_bytes, &r->failed);
}

/* The stack below this function's frame (noinline: below its caller's). */
__attribute__((noinline)) static void populate_stack(struct cf_prefault_report *r)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	populate(sp - STACK_BYTES, sp, &r->stack, &r->stack_bytes, &r->failed);
}

void cf_prefault_startup_memory(struct cf_prefault_report *report)
{
	struct cf_prefault_report r = { 0 };
	(void)dl_iterate_phdr(populate_data, &r);
	populate_heap(&r);
	populate_stack(&r);
	if (report)
		*report = r;
}
