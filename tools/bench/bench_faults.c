/*
 * bench_faults: what this machine charges for the things a cold start is made of, so that the
 * cold-start figures can be read against it (tools/bench/run-all.sh prints them with the machine).
 *
 *   anonymous fault   first write to a fresh private anonymous page (heap, stack, .bss)
 *   file fault        first read of a page of a file already in the page cache (code, read-only data);
 *                     one fault maps the kernel's fault-around window, so it is timed per fault,
 *                     touching one page in every 64 KiB
 *   system call       getppid(2), the cheapest round trip into the kernel
 *
 * Usage: bench_faults [FILE]   (FILE: a file to map, ideally 4 MiB or more; default this program's
 * own executable, which is smaller: then fewer file faults are timed, at least one). Prints one
 * Markdown table row per measurement: median of 11 rounds, in microseconds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { ROUNDS = 11, ANON_PAGES = 512, SYSCALLS = 20000, WINDOW = 64 << 10 };

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Microseconds per first write to a fresh anonymous page; negative on failure. */
static double anonymous_fault(long page)
{
	size_t len = (size_t)ANON_PAGES * (size_t)page;
	volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	madvise((void *)p, len, MADV_NOHUGEPAGE); /* one fault per page, not one per 2 MiB */
	double t0 = now_us();
	for (size_t i = 0; i < len; i += (size_t)page)
		p[i] = 1;
	double per = (now_us() - t0) / ANON_PAGES;
	munmap((void *)p, len);
	return per;
}

/* Microseconds per read fault on a fresh mapping of `fd` (size `len`, cached); negative on failure. */
static double file_fault(int fd, size_t len, size_t *faults)
{
	volatile const char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	char sum = 0;
	size_t n = 0;
	double t0 = now_us();
	for (size_t off = 0; off < len; off += WINDOW, n++)
		sum += p[off];
	double per = (now_us() - t0) / (double)n;
	munmap((void *)p, len);
	*faults = n;
	return per + (sum & 0); /* keep the reads */
}

static double system_call(void)
{
	double t0 = now_us();
	for (int i = 0; i < SYSCALLS; i++)
		syscall(SYS_getppid);
	return (now_us() - t0) / SYSCALLS;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/proc/self/exe";
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < 1) {
		fprintf(stderr, "bench_faults: cannot map %s\n", path);
		return 1;
	}
	size_t len = (size_t)st.st_size < ((size_t)4 << 20) ? (size_t)st.st_size : ((size_t)4 << 20);
	char buf[1 << 16];
	while (read(fd, buf, sizeof(buf)) > 0) /* into the page cache first */
		;
	long page = sysconf(_SC_PAGESIZE);
	double anon[ROUNDS], file[ROUNDS], sys[ROUNDS];
	size_t faults = 0;
	for (int r = 0; r < ROUNDS; r++) {
		anon[r] = anonymous_fault(page);
		file[r] = file_fault(fd, len, &faults);
		sys[r] = system_call();
		if (anon[r] < 0 || file[r] < 0) {
			fprintf(stderr, "bench_faults: mmap failed\n");
			return 1;
		}
	}
	close(fd);
	printf("| page fault, fresh anonymous page (median of %d × %d) | %.2f µs |\n", ROUNDS, ANON_PAGES,
	       median(anon, ROUNDS));
	printf("| page fault, cached file page, one per 64 KiB (median of %d × %zu) | %.2f µs |\n", ROUNDS, faults,
	       median(file, ROUNDS));
	printf("| system call, getppid (median of %d × %d) | %.2f µs |\n", ROUNDS, SYSCALLS, median(sys, ROUNDS));
	return 0;
}
