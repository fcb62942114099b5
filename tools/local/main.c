/*
 * cartflow-local: plays the Lambda service for the two real bootstraps against local AWS peers.
 * Provisions the table (with a stream), the queue and its DLQ; seeds cart lines and orders; serves
 * the Runtime API for each function and restarts a bootstrap that exits; runs the stream and SQS
 * event source mappings; then reads every cart line back. Exit 0 only if every cart line of every
 * order is ORDERED and nothing was lost.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "local.h"

#ifndef CFL_DEFAULT_BIN_DIR
#define CFL_DEFAULT_BIN_DIR "build/shims"
#endif

struct bootstrap {
	const char *name;
	struct cfl_function *fn;
	pid_t pid;
	unsigned starts;
	unsigned init_errors;
};

static volatile sig_atomic_t interrupted;
static void on_signal(int sig) { (void)sig; interrupted = 1; }

static void usage(void)
{
	fprintf(stderr,
		"usage: cartflow-local [--orders N] [--items N] [--seed N] [--timeout SECONDS] [--bin-dir DIR]\n"
		"                      [--log-dir DIR] [--stream-batch N] [--sqs-batch N]\n"
		"Needs AWS_ENDPOINT_URL (the local peers), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION.\n");
}

static bool parse_options(int argc, char **argv, struct cfl_options *o)
{
	*o = (struct cfl_options){ .orders = 200, .items = 3, .seed = 1, .timeout_s = 300, .stream_batch = 100,
				   .sqs_batch = 5, .stream_retries = 5, .bin_dir = CFL_DEFAULT_BIN_DIR, .log_dir = ".",
				   .table = "cartflow-orders", .queue = "update-cart-product" };
	static const struct option longs[] = {
		{ "orders", required_argument, 0, 'o' },       { "items", required_argument, 0, 'i' },
		{ "seed", required_argument, 0, 's' },         { "timeout", required_argument, 0, 't' },
		{ "bin-dir", required_argument, 0, 'b' },      { "log-dir", required_argument, 0, 'l' },
		{ "stream-batch", required_argument, 0, 'S' }, { "sqs-batch", required_argument, 0, 'Q' },
		{ "help", no_argument, 0, 'h' },               { 0, 0, 0, 0 },
	};
	int c, which = 0;
	while ((c = getopt_long(argc, argv, "", longs, &which)) != -1) {
		char *end = NULL;
		unsigned long v = optarg ? strtoul(optarg, &end, 10) : 0;
		bool number_ok = optarg && end && !*end && v > 0 && v < 10000000;
		switch (c) {
		case 'o': o->orders = (unsigned)v; break;
		case 'i': o->items = (unsigned)v; break;
		case 's': o->seed = v; number_ok = optarg && end && !*end; break;
		case 't': o->timeout_s = (unsigned)v; break;
		case 'S': o->stream_batch = (unsigned)(v > 1000 ? 1000 : v); break;
		case 'Q': o->sqs_batch = (unsigned)(v > 10 ? 10 : v); break;
		case 'b': o->bin_dir = optarg; number_ok = true; break;
		case 'l': o->log_dir = optarg; number_ok = true; break;
		default: usage(); return false;
		}
		if (!number_ok) {
			fprintf(stderr, "cartflow-local: bad value for --%s: %s\n", longs[which].name, optarg);
			usage();
			return false;
		}
	}
	if (optind != argc) {
		usage();
		return false;
	}
	return true;
}

static void set_env(char **env, size_t *n, const char *key, const char *value)
{
	if (!value)
		return;
	size_t len = strlen(key) + strlen(value) + 2;
	env[*n] = malloc(len);
	if (env[*n])
		snprintf(env[(*n)++], len, "%s=%s", key, value);
}

/* Start the bootstrap with the environment Lambda gives it; its stdout/stderr go to <log-dir>/<name>.log. */
static bool spawn(struct cfl_run *run, struct bootstrap *b)
{
	char path[1024], log_path[1024];
	snprintf(path, sizeof(path), "%s/%s", run->opt.bin_dir, b->name);
	snprintf(log_path, sizeof(log_path), "%s/%s.log", run->opt.log_dir, b->name);
	char *env[24];
	size_t n = 0;
	set_env(env, &n, "AWS_LAMBDA_RUNTIME_API", cfl_function_api(b->fn));
	set_env(env, &n, "_HANDLER", "bootstrap");
	set_env(env, &n, "AWS_LAMBDA_FUNCTION_NAME", b->name);
	set_env(env, &n, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128");
	set_env(env, &n, "AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
	set_env(env, &n, "AWS_ACCESS_KEY_ID", run->config.access_key_id);
	set_env(env, &n, "AWS_SECRET_ACCESS_KEY", run->config.secret_access_key);
	set_env(env, &n, "AWS_SESSION_TOKEN", run->config.session_token);
	set_env(env, &n, "AWS_REGION", run->config.region);
	set_env(env, &n, "AWS_DEFAULT_REGION", run->config.region);
	set_env(env, &n, "AWS_ENDPOINT_URL_SQS", run->config.sqs_endpoint);
	set_env(env, &n, "AWS_ENDPOINT_URL_DYNAMODB", run->config.dynamodb_endpoint);
	set_env(env, &n, "TABLE_NAME", run->opt.table);
	set_env(env, &n, "UPDATE_CART_PRODUCT_SQS", run->queue_url);
	set_env(env, &n, "AWS_LAMBDA_LOG_FORMAT", getenv("AWS_LAMBDA_LOG_FORMAT"));
	set_env(env, &n, "AWS_LAMBDA_LOG_LEVEL", getenv("AWS_LAMBDA_LOG_LEVEL"));
	set_env(env, &n, "PATH", "/usr/bin:/bin");
	env[n] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		FILE *log = fopen(log_path, "a");
		if (log) {
			dup2(fileno(log), 1);
			dup2(fileno(log), 2);
		}
		char *args[] = { path, NULL };
		execve(path, args, env);
		fprintf(stderr, "cannot exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	for (size_t i = 0; i < n; i++)
		free(env[i]);
	if (pid < 0)
		return false;
	b->pid = pid;
	b->starts++;
	return true;
}

/* Reap exited bootstraps and start them again, as Lambda would. False when one keeps failing to init. */
static bool supervise(struct cfl_run *run, struct bootstrap *boots, size_t n)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < n; i++) {
			if (boots[i].pid != pid)
				continue;
			boots[i].pid = 0;
			cfl_function_process_exited(boots[i].fn);
			char msg[512];
			if (cfl_function_take_init_error(boots[i].fn, msg, sizeof(msg))) {
				fprintf(stderr, "%s: init error: %s\n", boots[i].name, msg);
				if (++boots[i].init_errors >= 3)
					return false;
			}
			if (!run->stop && !spawn(run, &boots[i]))
				return false;
		}
	}
	return true;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void progress(struct cfl_run *run, bool tty, int64_t started)
{
	pthread_mutex_lock(&run->lock);
	double s = (double)(cfl_now_ms() - started) / 1000.0;
	fprintf(stderr, "%s[%6.1fs] stream %lu seen / %lu forwarded, %lu invocations | sqs %lu ok / %lu failed, %lu invocations | orders done %lu/%u%s",
		tty ? "\r" : "", s, run->stream_records_seen, run->stream_records_forwarded, run->stream_invocations,
		run->messages_succeeded, run->messages_failed, run->sqs_invocations, run->orders_done, run->opt.orders,
		tty ? "   " : "\n");
	pthread_mutex_unlock(&run->lock);
}

static void summary(struct cfl_run *run, int64_t elapsed_ms, long dlq, unsigned long lines, long bad)
{
	int64_t *lat = calloc(run->opt.orders ? run->opt.orders : 1, sizeof(*lat));
	size_t n = 0;
	for (unsigned i = 0; lat && i < run->opt.orders; i++)
		if (run->orders[i].done_ms && run->orders[i].written_ms)
			lat[n++] = run->orders[i].done_ms - run->orders[i].written_ms;
	if (lat)
		qsort(lat, n, sizeof(*lat), cmp_i64);
	int64_t p50 = n ? lat[(n - 1) / 2] : -1, p99 = n ? lat[(n * 99 + 99) / 100 - 1] : -1;
	printf("\ncartflow-local summary\n");
	printf("  orders written            %u (%u items each)\n", run->opt.orders, run->opt.items);
	printf("  stream records seen       %lu\n", run->stream_records_seen);
	printf("  stream records forwarded  %lu in %lu invocations\n", run->stream_records_forwarded, run->stream_invocations);
	printf("  messages processed        %lu ok, %lu failed (retried), %lu invocations\n", run->messages_succeeded,
	       run->messages_failed, run->sqs_invocations);
	printf("  invocation errors         %lu\n", run->invocation_errors);
	printf("  stream records abandoned  %lu\n", run->stream_records_abandoned);
	printf("  cart lines checked        %lu, ORDERED %lu, not ORDERED %ld\n", lines, lines - (unsigned long)(bad < 0 ? 0 : bad), bad);
	printf("  DLQ depth                 %ld\n", dlq);
	printf("  orders completed          %lu/%u\n", run->orders_done, run->opt.orders);
	printf("  write-to-ORDERED latency  p50 %lld ms, p99 %lld ms\n", (long long)p50, (long long)p99);
	printf("  elapsed                   %.1f s (%.1f orders/s)\n", (double)elapsed_ms / 1000.0,
	       elapsed_ms > 0 ? run->opt.orders * 1000.0 / (double)elapsed_ms : 0.0);
	free(lat);
}

int main(int argc, char **argv)
{
	struct cfl_run run = { 0 };
	if (!parse_options(argc, argv, &run.opt))
		return 2;
	struct cf_error err = { 0 };
	if (cf_aws_config_from_env(NULL, NULL, true, &run.config, &err)) {
		fprintf(stderr, "cartflow-local: %s\n", err.message);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&run.lock, NULL);
	run.orders = calloc(run.opt.orders, sizeof(*run.orders));
	srand48((long)run.opt.seed);
	for (unsigned i = 0; run.orders && i < run.opt.orders; i++) {
		snprintf(run.orders[i].id, sizeof(run.orders[i].id), "order-%u", i);
		snprintf(run.orders[i].user, sizeof(run.orders[i].user), "user-%ld", lrand48() % 100);
	}
	struct bootstrap boots[2] = { { .name = "process-cart-products" }, { .name = "update-cart-status" } };
	int rc = 1;
	int64_t started = cfl_now_ms();
	run.producer = boots[0].fn = cfl_function_start(boots[0].name);
	run.consumer = boots[1].fn = cfl_function_start(boots[1].name);
	if (!run.orders || !run.producer || !run.consumer) {
		fprintf(stderr, "cartflow-local: cannot start the Runtime API servers\n");
		goto out;
	}
	fprintf(stderr, "provisioning table %s, queue %s and its DLQ\n", run.opt.table, run.opt.queue);
	if (!cfl_provision(&run) || !spawn(&run, &boots[0]) || !spawn(&run, &boots[1]))
		goto out;
	pthread_t stream_thread, sqs_thread;
	pthread_create(&stream_thread, NULL, cfl_stream_mapping, &run);
	pthread_create(&sqs_thread, NULL, cfl_sqs_mapping, &run);
	fprintf(stderr, "seeding %u orders of %u items (seed %lu)\n", run.opt.orders, run.opt.items, run.opt.seed);
	started = cfl_now_ms();
	bool seeded = cfl_seed(&run);
	bool tty = isatty(2);
	int64_t deadline = started + (int64_t)run.opt.timeout_s * 1000, last_progress = 0;
	while (seeded && !interrupted && cfl_now_ms() < deadline) {
		if (!supervise(&run, boots, 2))
			break;
		pthread_mutex_lock(&run.lock);
		bool all_done = run.orders_done == run.opt.orders;
		pthread_mutex_unlock(&run.lock);
		if (all_done)
			break;
		if (cfl_now_ms() - last_progress >= (tty ? 200 : 2000)) {
			progress(&run, tty, started);
			last_progress = cfl_now_ms();
		}
		usleep(20000);
	}
	int64_t elapsed = cfl_now_ms() - started;
	progress(&run, tty, started);
	if (tty)
		fputc('\n', stderr);
	run.stop = true;
	pthread_join(stream_thread, NULL);
	pthread_join(sqs_thread, NULL);
	unsigned long lines = 0;
	long bad = cfl_verify(&run, &lines);
	long dlq = cfl_dlq_depth(&run);
	summary(&run, elapsed, dlq, lines, bad);
	bool lost = run.orders_done != run.opt.orders;
	rc = seeded && bad == 0 && !lost ? 0 : 1;
	if (rc)
		printf("FAILED: %s\n", !seeded ? "seeding failed" : bad ? "cart lines not ORDERED" : "orders not completed");
	else
		printf("OK: every cart line of every order is ORDERED\n");
out:
	run.stop = true;
	for (size_t i = 0; i < 2; i++)
		if (boots[i].pid > 0)
			kill(boots[i].pid, SIGTERM);
	for (size_t i = 0; i < 2; i++)
		if (boots[i].pid > 0)
			waitpid(boots[i].pid, NULL, 0);
	cfl_function_stop(run.producer);
	cfl_function_stop(run.consumer);
	cf_aws_config_clean_up(&run.config);
	free(run.orders);
	return rc;
}
