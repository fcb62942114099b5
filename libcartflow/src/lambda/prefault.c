/*
 * Populate the pages a cold bootstrap writes anyway, in two system calls.
 *
 * A page fault is a trap, a fresh page and a return; on the CI machine kind (a 2-core VM whose page
 * tables are shadowed by the hypervisor) it costs 10 us, a populated page 0.5 us (bench_faults).
 * A cold update-cart-status took about 50 faults on its executable's data and bss and on the heap
 * between main and its first /response; docs/performance.md has what this saved. Only memory that
 * the process has already been given is populated: the heap is what malloc has reserved with brk
 * (glibc's first 132 KiB), not more, so peak RSS does not grow.
 */
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prefault.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/*
 * A heap beyond this was not reserved by a fresh process's malloc: leave it alone. The stack: a cold
 * invocation reaches about 12 KiB below main's frame (perf record); the kernel maps 128 KiB at exec.
 */
enum { MAX_HEAP_BYTES = 1 << 20, STACK_BYTES = 32 << 10 };

/* Populates the pages overlapping [from, to) and sets *start, *bytes to them (NULL, 0 when empty). */
static void populate(uintptr_t from, uintptr_t to, void **start, size_t *bytes, int *failed)
{
	const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	from &= ~(page - 1);
	to = (to + page - 1) & ~(page - 1);
	if (to <= from)
		return;
	if (madvise((void *)from, to - from, MADV_POPULATE_WRITE))
		(*failed)++;
	*start = (void *)from;
	*bytes = to - from;
}

/*
 * The main executable's writable PT_LOAD segment, less its PT_GNU_RELRO head (read-only by now: a
 * write populate would fail there). dl_iterate_phdr reports the executable first, static or not.
 */
static int populate_data(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	struct cf_prefault_report *r = ctx;
	uintptr_t data_from = 0, data_to = 0, relro_to = 0;
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W) && !data_to) {
			data_from = info->dlpi_addr + ph->p_vaddr;
			data_to = data_from + ph->p_memsz;
		} else if (ph->p_type == PT_GNU_RELRO) {
			relro_to = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
		}
	}
	if (relro_to > data_from && relro_to <= data_to)
		data_from = relro_to;
	populate(data_from, data_to, &r->data, &r->data_bytes, &r->failed);
	return 1; /* the executable only */
}

/* The heap malloc holds: [break - bytes it took with brk, break), when that looks like a fresh heap. */
static void populate_heap(struct cf_prefault_report *r)
{
	free(malloc(1)); /* the heap exists from here on, if it did not yet */
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
