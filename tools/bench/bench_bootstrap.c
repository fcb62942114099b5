/*
 * The two bootstraps as Lambda runs them: started against a local Runtime API (the integration tests'
 * server, test/integration/runtime_api_server.c), which also plays SQS and DynamoDB.
 *
 * For each bootstrap, RUNS times: time from spawn to its first GET /next (cold start of the
 * process), then 1,000 invocations of a small event, then /next answers 500 and the process exits:
 * its peak RSS comes from wait4's ru_maxrss. Then the local dry run (`BOOTSTRAP --event FILE --dry-run`)
 * on a generated 100-record stream batch and a 10-message SQS batch of 3-item orders.
 * Prints Markdown tables.
 *
 * Usage: bench_bootstrap [PATH/process-cart-products PATH/update-cart-status]
 * (defaults: the bootstraps of the build tree this was built in)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime_api_server.h"

enum { RUNS = 20, INVOCATIONS = 1000 };

struct stats {
	double median, min, max;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static struct stats stats_of(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	struct stats s = { .min = v[0], .max = v[n - 1] };
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

/* ---- generated events ---- */

static void write_item(FILE *f, int order, int items)
{
	fprintf(f,
		"{\"PK\":{\"S\":\"USER#u-%d\"},\"SK\":{\"S\":\"ORDER#o-%d\"},\"GSI1PK\":{\"S\":\"ORDER#o-%d\"},"
		"\"GSI1SK\":{\"S\":\"USER#u-%d\"},\"order_id\":{\"S\":\"o-%d\"},\"user_id\":{\"S\":\"u-%d\"},"
		"\"order_status\":{\"S\":\"ORDERED\"},\"order_date\":{\"S\":\"2026-11-24T06:00:00Z\"},"
		"\"order_total\":{\"N\":\"7160\"},\"order_items\":{\"L\":[",
		order, order, order, order, order, order);
	for (int k = 0; k < items; k++)
		fprintf(f,
			"%s{\"M\":{\"productId\":{\"S\":\"p-%d-%d\"},\"userId\":{\"S\":\"u-%d\"},\"quantity\":{\"N\":\"2\"},"
			"\"addedOn\":{\"S\":\"2026-11-23T10:00:00Z\"},\"cartProductStatus\":{\"S\":\"PENDING\"}}}",
			k ? "," : "", order, k, order);
	fputs("]}}", f);
}

/* `records` INSERT records of ORDERED 3-item orders: every one is forwarded. */
static bool write_stream_event(const char *path, int records)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	fputs("{\"Records\":[", f);
	for (int i = 0; i < records; i++) {
		fprintf(f,
			"%s{\"eventID\":\"ev-%d\",\"eventName\":\"INSERT\",\"eventVersion\":\"1.1\","
			"\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
			"\"ApproximateCreationDateTime\":1700000000,\"Keys\":{\"PK\":{\"S\":\"USER#u-%d\"},"
			"\"SK\":{\"S\":\"ORDER#o-%d\"}},\"NewImage\":",
			i ? "," : "", i, i, i);
		write_item(f, i, 3);
		fprintf(f,
			",\"SequenceNumber\":\"4421584500000000017450%06d\",\"SizeBytes\":512,"
			"\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},\"eventSourceARN\":"
			"\"arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-11-24T00:00:00.000\"}",
			i);
	}
	fputs("]}\n", f);
	return fclose(f) == 0;
}

/* `messages` SQS messages, each body a 3-item order as process-cart-products sends it. */
static bool write_sqs_event(const char *path, int messages)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	fputs("{\"Records\":[", f);
	for (int i = 0; i < messages; i++) {
		char *body = NULL;
		size_t body_len = 0;
		FILE *b = open_memstream(&body, &body_len);
		if (!b) {
			fclose(f);
			return false;
		}
		write_item(b, i, 3);
		fclose(b);
		fprintf(f, "%s{\"messageId\":\"00000000-0000-4000-8000-%012d\",\"receiptHandle\":\"AQEB%d\",\"body\":\"",
			i ? "," : "", i, i);
		for (size_t k = 0; k < body_len; k++) {
			if (body[k] == '"' || body[k] == '\\')
				fputc('\\', f);
			fputc(body[k], f);
		}
		free(body);
		fputs("\",\"attributes\":{\"ApproximateReceiveCount\":\"1\"},\"messageAttributes\":{},"
		      "\"eventSource\":\"aws:sqs\",\"eventSourceARN\":\"arn:aws:sqs:us-east-1:123456789012:update-cart-product\","
		      "\"awsRegion\":\"us-east-1\"}",
		      f);
	}
	fputs("]}\n", f);
	return fclose(f) == 0;
}

/* ---- runs ---- */

struct bootstrap {
	const char *name;
	const char *path;
	const char *small_event; /* under CF_TEST_DATA_DIR */
	const char *dry_event;   /* generated */
	const char *dry_label;
};

struct env {
	char api[96], endpoint[128];
	char *vars[16];
};

static void env_init(struct env *e, const struct rapi_server *srv)
{
	char buf[64];
	memset(e, 0, sizeof(*e));
	size_t n = 0;
	if (srv) {
		rapi_server_api(srv, buf, sizeof(buf));
		snprintf(e->api, sizeof(e->api), "AWS_LAMBDA_RUNTIME_API=%s", buf);
		rapi_server_endpoint(srv, buf, sizeof(buf));
		snprintf(e->endpoint, sizeof(e->endpoint), "AWS_ENDPOINT_URL=%s", buf);
		e->vars[n++] = e->api;
		e->vars[n++] = e->endpoint;
		e->vars[n++] = "AWS_ACCESS_KEY_ID=AKIDEXAMPLE";
		e->vars[n++] = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	}
	e->vars[n++] = "AWS_REGION=us-east-1";
	e->vars[n++] = "TABLE_NAME=orders";
	e->vars[n++] = "UPDATE_CART_PRODUCT_SQS=https://sqs.us-east-1.amazonaws.com/123456789012/cart-products";
	e->vars[n++] = "PATH=/usr/bin:/bin";
	e->vars[n] = NULL;
}

struct runtime_result {
	double start_ms[RUNS];
	double rss_mib[RUNS];
	double serve_ms[RUNS];
};

/* One run: start, first /next, INVOCATIONS invocations, 500, exit. False on any failure. */
static bool runtime_run(struct rapi_server *srv, const struct bootstrap *b, const char *event, size_t len,
			size_t invocations, struct runtime_result *out, int i)
{
	rapi_server_reset(srv);
	rapi_server_set_recording(srv, false);
	if (!rapi_server_autoserve(srv, event, len, invocations))
		return false;
	rapi_server_set_exhausted_status(srv, 500);
	struct env e;
	env_init(&e, srv);
	char *argv[] = { (char *)b->path, NULL };
	int64_t t0 = rapi_now_ns();
	pid_t pid = rapi_spawn(argv, e.vars, true);
	if (pid < 0)
		return false;
	if (!rapi_server_wait_first_next(srv, 10000)) {
		fprintf(stderr, "%s: no GET /next within 10 s\n", b->name);
		rapi_wait_exit(pid, 0, NULL, NULL);
		return false;
	}
	int64_t first = rapi_server_first_next_ns(srv);
	int status = 0;
	struct rusage ru;
	if (!rapi_wait_exit(pid, 120000, &status, &ru)) {
		fprintf(stderr, "%s: still running after 120 s (killed)\n", b->name);
		return false;
	}
	int64_t end = rapi_now_ns();
	size_t results = rapi_server_results(srv);
	if (results != invocations) {
		fprintf(stderr, "%s: %zu results posted, want %zu (exit status 0x%x)\n", b->name, results, invocations,
			status);
		return false;
	}
	out->start_ms[i] = (double)(first - t0) / 1e6;
	out->serve_ms[i] = (double)(end - first) / 1e6;
	out->rss_mib[i] = (double)ru.ru_maxrss / 1024.0;
	return true;
}

/*
 * One process run, timed from spawn to exit: the dry run, or with `usage_only` an unknown option, which
 * exits at once with a usage message (exit 2): the cost of exec and dynamic linking alone.
 * Negative on failure.
 */
static double timed_exec(const struct bootstrap *b, bool usage_only)
{
	struct env e;
	env_init(&e, NULL);
	char *dry_argv[] = { (char *)b->path, "--event", (char *)b->dry_event, "--dry-run", NULL };
	char *floor_argv[] = { (char *)b->path, "--no-such-option", NULL };
	char **argv = usage_only ? floor_argv : dry_argv;
	int64_t t0 = rapi_now_ns();
	pid_t pid = rapi_spawn(argv, e.vars, true);
	if (pid < 0)
		return -1;
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	int64_t t1 = rapi_now_ns();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != (usage_only ? 2 : 0)) {
		fprintf(stderr, "%s %s: exit status 0x%x\n", b->name, argv[1], status);
		return -1;
	}
	return (double)(t1 - t0) / 1e6;
}

int main(int argc, char **argv)
{
	const char *pcp = BENCH_PROCESS_CART_PRODUCTS, *ucs = BENCH_UPDATE_CART_STATUS;
	if (argc == 3) {
		pcp = argv[1];
		ucs = argv[2];
	} else if (argc != 1) {
		fprintf(stderr, "usage: %s [PATH/process-cart-products PATH/update-cart-status]\n", argv[0]);
		return 2;
	}
	char dir[] = "/tmp/bench_bootstrap.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char stream_path[128], sqs_path[128];
	snprintf(stream_path, sizeof(stream_path), "%s/stream-100.json", dir);
	snprintf(sqs_path, sizeof(sqs_path), "%s/sqs-10x3.json", dir);
	if (!write_stream_event(stream_path, 100) || !write_sqs_event(sqs_path, 10)) {
		fprintf(stderr, "cannot write the generated events in %s\n", dir);
		return 1;
	}
	const struct bootstrap boots[] = {
		{ "process-cart-products", pcp, "orders/stream_insert_ordered.json", stream_path,
		  "100-record stream batch, all forwarded (10 SendMessageBatch)" },
		{ "update-cart-status", ucs, "orders/sqs_two_orders.json", sqs_path,
		  "10-message SQS batch of 3-item orders (30 UpdateItem)" },
	};
	struct rapi_server *srv = rapi_server_start();
	if (!srv) {
		fprintf(stderr, "cannot start the Runtime API server\n");
		return 1;
	}
	int rc = 0;
	struct runtime_result res[2];
	double dry[2][RUNS], floor_ms[2][RUNS], one_rss[2];
	for (size_t k = 0; k < 2 && !rc; k++) {
		const struct bootstrap *b = &boots[k];
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", CF_TEST_DATA_DIR, b->small_event);
		size_t len = 0;
		char *event = read_file(path, &len);
		if (!event) {
			fprintf(stderr, "cannot read %s\n", path);
			rc = 1;
			break;
		}
		/* The first run warms the page cache; the one-invocation runs give the RSS to compare with. */
		struct runtime_result one;
		for (int i = 0; i < RUNS && !rc; i++)
			if (!runtime_run(srv, b, event, len, 1, &one, i))
				rc = 1;
		one_rss[k] = rc ? 0 : stats_of(one.rss_mib, RUNS).median;
		for (int i = 0; i < RUNS && !rc; i++)
			if (!runtime_run(srv, b, event, len, INVOCATIONS, &res[k], i))
				rc = 1;
		free(event);
		if (!rc && timed_exec(b, false) < 0)
			rc = 1;
		for (int i = 0; i < RUNS && !rc; i++)
			if ((dry[k][i] = timed_exec(b, false)) < 0 || (floor_ms[k][i] = timed_exec(b, true)) < 0)
				rc = 1;
	}
	rapi_server_stop(srv);
	unlink(stream_path);
	unlink(sqs_path);
	rmdir(dir);
	if (rc)
		return rc;

	printf("Runtime API loop: %d runs per bootstrap; each run serves %d invocations of a small event over\n"
	       "HTTP on 127.0.0.1 (AWS calls answered by the same local server), then /next answers 500.\n\n",
	       RUNS, INVOCATIONS);
	printf("| bootstrap | small event | spawn -> first GET /next, median | min | peak RSS after %d invocations, median | max | after 1 invocation, median | %d invocations, median |\n",
	       INVOCATIONS, INVOCATIONS);
	printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
	for (size_t k = 0; k < 2; k++) {
		struct stats s = stats_of(res[k].start_ms, RUNS), r = stats_of(res[k].rss_mib, RUNS),
			     t = stats_of(res[k].serve_ms, RUNS);
		printf("| %s | %s | %.2f ms | %.2f ms | %.1f MiB | %.1f MiB | %.1f MiB | %.0f ms (%.0f/s) |\n", boots[k].name,
		       boots[k].small_event, s.median, s.min, r.median, r.max, one_rss[k], t.median,
		       INVOCATIONS / (t.median / 1e3));
	}
	printf("\nLocal dry run (`BOOTSTRAP --event FILE --dry-run`, whole process, spawn to exit), %d runs; the floor is\n"
	       "`BOOTSTRAP --no-such-option` (exec, dynamic linking, usage message, exit):\n\n",
	       RUNS);
	printf("| bootstrap | event | median | min | floor median | floor min |\n|---|---|---:|---:|---:|---:|\n");
	for (size_t k = 0; k < 2; k++) {
		struct stats d = stats_of(dry[k], RUNS), f = stats_of(floor_ms[k], RUNS);
		printf("| %s | %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms |\n", boots[k].name, boots[k].dry_label, d.median,
		       d.min, f.median, f.min);
	}
	double load[3];
	if (getloadavg(load, 3) == 3)
		printf("\nLoad average at the end: %.2f %.2f %.2f on %ld CPUs.\n", load[0], load[1], load[2],
		       sysconf(_SC_NPROCESSORS_ONLN));
	return 0;
}
