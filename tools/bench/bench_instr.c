/*
 * bench_instr: the stream transform (cf_stream_event_parse + cf_forward_event) on bench_transform's
 * generated 100-record batch of 3-item orders, N times, for counting instructions with callgrind:
 * tools/bench/run-all.sh runs it with N = 1 and N = 11 and divides the difference by 10 × the input
 * size, so start-up and input generation cancel out.
 *
 *   bench_instr N             run the transform N times; prints the input size and messages made
 *   bench_instr --write FILE  write the input to FILE (the Rust comparison parses the same bytes)
 */
/* The generator and run_stream() of bench_transform. */
#define main bench_transform_main
#include "bench_transform.c"
#undef main

int main(int argc, char **argv)
{
	struct text in = stream_event(100, 3);
	if (argc == 3 && !strcmp(argv[1], "--write")) {
		FILE *f = fopen(argv[2], "wb");
		if (!f || fwrite(in.data, 1, in.len, f) != in.len || fclose(f)) {
			perror(argv[2]);
			return 1;
		}
		free(in.data);
		return 0;
	}
	long n = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
	if (n < 1) {
		fprintf(stderr, "usage: %s N | --write FILE\n", argv[0]);
		return 2;
	}
	size_t messages = 0;
	for (long i = 0; i < n; i++)
		messages += run_stream(&in);
	printf("%zu bytes, %zu messages\n", in.len, messages);
	free(in.data);
	return 0;
}
