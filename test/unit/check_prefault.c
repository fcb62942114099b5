/* lambda/prefault.c: the executable's data, malloc's heap and the stack end up resident, with their contents. */
#include <check.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif

#include "lambda/prefault_internal.h"
#include "test_support.h"

/*
 * In .data and .bss of this executable: populating must keep what is there. mincore reports a
 * private file page as resident when the file's page is cached, so it is `zeroed` (bss, four of its
 * five pages untouched) that shows the populate happened.
 */
static char initialised[3 * 4096] = "kept";
static char zeroed[5 * 4096];

/* Every page of [start, start + bytes) is resident. */
static bool resident(void *start, size_t bytes)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), pages = (bytes + page - 1) / page;
	unsigned char *vec = malloc(pages ? pages : 1);
	ck_assert_ptr_nonnull(vec);
	ck_assert_int_eq(mincore(start, bytes, vec), 0);
	bool all = true;
	for (size_t i = 0; i < pages; i++)
		all = all && (vec[i] & 1);
	free(vec);
	return all;
}

/* valgrind grows the client's main stack itself and refuses to populate below what it has grown. */
static bool under_valgrind(void)
{
#if __has_include(<valgrind/valgrind.h>)
	return RUNNING_ON_VALGRIND;
#else
	const char *preload = getenv("LD_PRELOAD");
	return preload && strstr(preload, "vgpreload");
#endif
}

START_TEST(test_data_and_bss_become_resident_and_keep_their_values)
{
	zeroed[7] = 'x';
	struct cf_prefault_report r;
	cf_prefault_startup_memory(&r);
	if (!under_valgrind()) /* Linux >= 5.14, as on the CI machine */
		ck_assert_int_eq(r.failed, 0);
	ck_assert_ptr_nonnull(r.data);
	uintptr_t from = (uintptr_t)r.data, to = from + r.data_bytes;
	ck_assert_msg(from <= (uintptr_t)initialised && (uintptr_t)(zeroed + sizeof(zeroed)) <= to,
		      "the populated data %#lx-%#lx misses this file's .data or .bss", (unsigned long)from,
		      (unsigned long)to);
	ck_assert(resident(r.data, r.data_bytes));
	ck_assert_str_eq(initialised, "kept");
	ck_assert_int_eq(zeroed[7], 'x');
	ck_assert_int_eq(zeroed[sizeof(zeroed) - 1], 0);
}
END_TEST

START_TEST(test_the_heap_malloc_holds_becomes_resident)
{
	char *held = malloc(100);
	ck_assert_ptr_nonnull(held);
	strcpy(held, "still here");
	struct cf_prefault_report r;
	cf_prefault_startup_memory(&r);
	uintptr_t brk_end = (uintptr_t)sbrk(0), arena = mallinfo2().arena;
	if (arena && brk_end - arena <= (uintptr_t)held && (uintptr_t)held < brk_end) {
		/* glibc's malloc, which handed out a block in the brk heap: that heap is populated */
		ck_assert_uint_gt(r.heap_bytes, 0);
		ck_assert_msg((uintptr_t)r.heap <= (uintptr_t)held &&
				      (uintptr_t)held + 100 <= (uintptr_t)r.heap + r.heap_bytes,
			      "a block malloc handed out lies outside the populated heap");
		ck_assert_ptr_eq((char *)r.heap + r.heap_bytes, sbrk(0));
		ck_assert(resident(r.heap, r.heap_bytes));
	}
	/* else another malloc (valgrind, a sanitizer) handed out `held`: only its contents can be checked */
	ck_assert_str_eq(held, "still here");
	free(held);
}
END_TEST

START_TEST(test_the_stack_below_the_caller_becomes_resident)
{
	char here;
	struct cf_prefault_report r;
	cf_prefault_startup_memory(&r);
	if (under_valgrind())
		return;
	ck_assert_int_eq(r.failed, 0);
	ck_assert_uint_ge(r.stack_bytes, 16 << 10);
	ck_assert_msg((uintptr_t)r.stack < (uintptr_t)&here && (uintptr_t)r.stack + r.stack_bytes + 4096 > (uintptr_t)&here,
		      "the populated stack is not just below the caller's frame");
	ck_assert(resident(r.stack, r.stack_bytes));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prefault");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_data_and_bss_become_resident_and_keep_their_values);
	tcase_add_test(tc, test_the_heap_malloc_holds_becomes_resident);
	tcase_add_test(tc, test_the_stack_below_the_caller_becomes_resident);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
