/*
 * cartflow-local: plays the Lambda service for the two real bootstraps against local AWS peers.
 * Provisions the table (with a stream), the queue and its DLQ; seeds cart lines and orders; serves
 * the Runtime API for each function and restarts a bootstrap that exits; runs the stream and SQS
 * event source mappings; watches the DLQ; then reads every cart line back and accounts for every
 * order. Exit 0 only if nothing was lost: every order was updated (all its cart lines ORDERED) or
 * dead-lettered with a logged reason, the orders seeded with a missing cart line were dead-lettered,
 * and no bootstrap crashed (the SIGKILLs of --kill aside).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounting.h"
#include "local.h"
#include "supervisor.h"

/* The most update-cart-status instances --sqs-concurrency may ask for. */
#define CFL_MAX_CONSUMERS 8

#ifndef CFL_DEFAULT_BIN_DIR
#define CFL_DEFAULT_BIN_DIR "build/shims"
#endif

static volatile sig_atomic_t interrupted;
static void on_signal(int sig) { (void)sig; interrupted = 1; }

static void usage(void)
{
	fprintf(stderr,
		"usage: cartflow-local [--orders N] [--items N] [--seed N] [--timeout SECONDS] [--bin-dir DIR]\n"
		"                      [--log-dir DIR] [--stream-batch N] [--sqs-batch N] [--function-timeout SECONDS]\n"
		"                      [--visibility-timeout SECONDS] [--function-endpoint URL] [--kill N]\n"
		"                      [--missing-lines N] [--sqs-concurrency N]\n"
		"Needs AWS_ENDPOINT_URL (the local peers), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION.\n"
		"--function-endpoint: the AWS endpoint the bootstraps use (e.g. a fault-injecting proxy); default\n"
		"  AWS_ENDPOINT_URL. --kill N: SIGKILL a bootstrap in the middle of an invocation N times.\n"
		"--missing-lines N: N orders are seeded without their first cart line; they must end in the DLQ.\n"
		"--sqs-concurrency N (1-8): update-cart-status instances, each with its own SQS poller.\n");
}

static bool parse_options(int argc, char **argv, struct cfl_options *o)
{
	*o = (struct cfl_options){ .orders = 200, .items = 3, .seed = 1, .timeout_s = 300, .stream_batch = 100,
				   .sqs_batch = 5, .sqs_concurrency = 1, .stream_retries = 5, .function_timeout_s = 10, .visibility_timeout_s = 20,
				   .bin_dir = CFL_DEFAULT_BIN_DIR, .log_dir = ".",
				   .table = "cartflow-orders", .queue = "update-cart-product" };
	static const struct option longs[] = {
		{ "orders", required_argument, 0, 'o' },       { "items", required_argument, 0, 'i' },
		{ "seed", required_argument, 0, 's' },         { "timeout", required_argument, 0, 't' },
		{ "bin-dir", required_argument, 0, 'b' },      { "log-dir", required_argument, 0, 'l' },
		{ "stream-batch", required_argument, 0, 'S' }, { "sqs-batch", required_argument, 0, 'Q' },
		{ "function-timeout", required_argument, 0, 'T' }, { "visibility-timeout", required_argument, 0, 'V' },
		{ "function-endpoint", required_argument, 0, 'e' }, { "kill", required_argument, 0, 'k' },
		{ "missing-lines", required_argument, 0, 'm' }, { "sqs-concurrency", required_argument, 0, 'C' },
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
		case 'C': o->sqs_concurrency = (unsigned)(v > CFL_MAX_CONSUMERS ? CFL_MAX_CONSUMERS : v); break;
		case 'T': o->function_timeout_s = (unsigned)(v > 900 ? 900 : v); break;
		case 'V': o->visibility_timeout_s = (unsigned)(v > 43200 ? 43200 : v); break;
		case 'k': o->kills = (unsigned)v; number_ok = optarg && end && !*end; break;
		case 'm': o->missing_lines = (unsigned)v; number_ok = optarg && end && !*end; break;
		case 'e': o->function_endpoint = optarg; number_ok = true; break;
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
	if (o->visibility_timeout_s < o->function_timeout_s) {
		/* As Lambda requires: else a message reappears while its invocation still runs. */
		fprintf(stderr, "cartflow-local: --visibility-timeout %u is shorter than --function-timeout %u\n",
			o->visibility_timeout_s, o->function_timeout_s);
		return false;
	}
	if (o->missing_lines > o->orders) {
		fprintf(stderr, "cartflow-local: --missing-lines %u is more than --orders %u\n", o->missing_lines, o->orders);
		return false;
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
	struct cfl_order_counts counts;
	cfl_count_orders(run, &counts);
	double s = (double)(cfl_now_ms() - started) / 1000.0;
	fprintf(stderr, "%s[%6.1fs] stream %lu seen / %lu forwarded, %lu invocations | sqs %lu ok / %lu failed, %lu invocations | orders done %lu/%u%s",
		tty ? "\r" : "", s, run->stream_records_seen, run->stream_records_forwarded, run->stream_invocations,
		run->messages_succeeded, run->messages_failed, run->sqs_invocations, counts.done, run->opt.orders,
		tty ? "   " : "\n");
	pthread_mutex_unlock(&run->lock);
}

struct tally {
	unsigned restarts, kills, crashes;
};

/* Restarts, kills and crashes of bootstraps [from, to), summed. */
static struct tally tally(const struct cfl_bootstrap *boots, size_t from, size_t to)
{
	struct tally t = { 0 };
	for (size_t i = from; i < to; i++) {
		t.restarts += boots[i].starts ? boots[i].starts - 1 : 0;
		t.kills += boots[i].kills;
		t.crashes += boots[i].unexpected_exits;
	}
	return t;
}

static void summary(struct cfl_run *run, const struct cfl_bootstrap *boots, size_t n_boots, int64_t elapsed_ms,
		    long dlq)
{
	int64_t *lat = calloc(run->opt.orders ? run->opt.orders : 1, sizeof(*lat));
	size_t n = 0;
	unsigned long lines = 0, ordered = 0;
	for (unsigned i = 0; i < run->opt.orders; i++) {
		const struct cfl_order *o = &run->orders[i];
		lines += run->opt.items;
		ordered += o->lines_ordered;
		if (lat && o->done_ms && o->written_ms)
			lat[n++] = o->done_ms - o->written_ms;
	}
	if (lat)
		qsort(lat, n, sizeof(*lat), cmp_i64);
	int64_t p50 = n ? lat[(n - 1) / 2] : -1, p99 = n ? lat[(n * 99 + 99) / 100 - 1] : -1;
	printf("\ncartflow-local summary\n");
	printf("  orders written            %u (%u items each, %u without their first cart line)\n", run->opt.orders,
	       run->opt.items, run->opt.missing_lines);
	printf("  stream records seen       %lu\n", run->stream_records_seen);
	printf("  stream records forwarded  %lu in %lu invocations\n", run->stream_records_forwarded, run->stream_invocations);
	printf("  messages processed        %lu ok, %lu failed (retried), %lu invocations\n", run->messages_succeeded,
	       run->messages_failed, run->sqs_invocations);
	printf("  invocation errors         %lu\n", run->invocation_errors);
	printf("  stream records abandoned  %lu\n", run->stream_records_abandoned);
	struct tally p = tally(boots, 0, 1), c = tally(boots, 1, n_boots);
	printf("  bootstrap restarts        %s %u (%u killed), %s x%zu %u (%u killed); crashes %u\n", boots[0].name,
	       p.restarts, p.kills, boots[1].name, n_boots - 1, c.restarts, c.kills, p.crashes + c.crashes);
	printf("  cart lines checked        %lu, ORDERED %lu, not ORDERED %lu\n", lines, ordered, lines - ordered);
	printf("  DLQ depth                 %ld\n", dlq);
	struct cfl_order_counts counts;
	cfl_count_orders(run, &counts);
	printf("  orders completed          %lu/%u\n", counts.done, run->opt.orders);
	printf("  write-to-ORDERED latency  p50 %lld ms, p99 %lld ms\n", (long long)p50, (long long)p99);
	printf("  elapsed                   %.1f s (%.1f orders/s)\n", (double)elapsed_ms / 1000.0,
	       elapsed_ms > 0 ? run->opt.orders * 1000.0 / (double)elapsed_ms : 0.0);
	free(lat);
}

/* Orders seeded without their first cart line, spread evenly over the run. */
static void choose_missing_lines(struct cfl_run *run)
{
	unsigned m = run->opt.missing_lines, n = run->opt.orders;
	for (unsigned k = 0; k < m; k++)
		run->orders[(unsigned)(((unsigned long)k * n + n / 2) / m)].missing_line = true;
}

/* Wait until every order is accounted for, the run times out or is interrupted; kills as planned. */
static bool drive(struct cfl_run *run, struct cfl_bootstrap *boots, size_t n_boots, int64_t started)
{
	bool tty = isatty(2);
	int64_t deadline = started + (int64_t)run->opt.timeout_s * 1000, last_progress = 0, last_count = 0;
	bool accounted = false, seeding_failed = false;
	while (!interrupted && cfl_now_ms() < deadline) {
		if (!cfl_bootstrap_supervise(run, boots, n_boots))
			break;
		cfl_bootstrap_kill_due(boots, n_boots);
		/* Kills are looked for every 2 ms; the walk over every order (under the lock the mappings
		 * need) only every 100 ms. */
		if (cfl_now_ms() - last_count >= 100) {
			pthread_mutex_lock(&run->lock);
			seeding_failed = run->seeding_finished && !run->seeding_ok;
			accounted = run->seeding_finished && run->seeding_ok && cfl_all_accounted(run);
			pthread_mutex_unlock(&run->lock);
			last_count = cfl_now_ms();
		}
		if (accounted || seeding_failed)
			break;
		if (cfl_now_ms() - last_progress >= (tty ? 200 : 2000)) {
			progress(run, tty, started);
			last_progress = cfl_now_ms();
		}
		usleep(run->opt.kills ? 2000 : 20000);
	}
	progress(run, tty, started);
	if (tty)
		fputc('\n', stderr);
	if (!accounted && !seeding_failed)
		fprintf(stderr, "cartflow-local: %s before every order was accounted for\n",
			interrupted ? "interrupted" : "timed out");
	return accounted;
}

/* The verdict, after the run: prints the accounting and a last line OK or FAILED. */
static bool judge(struct cfl_run *run, const struct cfl_bootstrap *boots, size_t n_boots, bool seeded,
		  bool accounted, long dlq)
{
	bool reasons = cfl_read_failure_reasons(run);
	bool balanced = cfl_reconcile(run, stdout);
	struct cfl_order_counts counts;
	cfl_count_orders(run, &counts);
	struct tally all = tally(boots, 0, n_boots);
	const char *why = !seeded ? "seeding failed"
			  : !accounted ? "not every order was updated or dead-lettered in time"
			  : !reasons ? "cannot read update-cart-status.log"
			  : !balanced ? "the orders do not reconcile (see PROBLEM above)"
			  : run->stream_records_abandoned ? "stream records were given up (on-failure destination): orders not updated"
			  : dlq < 0 || (unsigned long)dlq != run->dlq_messages_seen
				  ? "the DLQ holds messages that were not inspected (depth differs from messages seen)"
			  : run->dlq_messages_unknown ? "the DLQ holds messages that name none of the orders"
			  : all.crashes ? "a bootstrap crashed"
			  : all.kills < run->opt.kills ? "fewer SIGKILLs than asked for"
						   : NULL;
	if (why)
		printf("FAILED: %s\n", why);
	else if (counts.dead_lettered)
		printf("OK: nothing lost: every order was updated or dead-lettered with a logged reason\n");
	else
		printf("OK: every cart line of every order is ORDERED\n");
	return !why;
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
	if (run.orders)
		choose_missing_lines(&run);
	struct cfl_bootstrap boots[1 + CFL_MAX_CONSUMERS] = { { .name = "process-cart-products" } };
	struct cfl_sqs_poller pollers[CFL_MAX_CONSUMERS];
	size_t n_boots = 1 + run.opt.sqs_concurrency;
	for (unsigned k = 0; k < run.opt.sqs_concurrency; k++)
		boots[1 + k] = (struct cfl_bootstrap){ .name = "update-cart-status", .instance = k };
	cfl_bootstrap_plan_kills(&boots[0], &boots[1], run.opt.kills);
	int rc = 1;
	bool servers = run.orders != NULL;
	for (size_t i = 0; servers && i < n_boots; i++)
		servers = (boots[i].fn = cfl_function_start(boots[i].name)) != NULL;
	if (!servers) {
		fprintf(stderr, "cartflow-local: cannot start the Runtime API servers\n");
		goto out;
	}
	run.producer = boots[0].fn;
	fprintf(stderr, "provisioning table %s, queue %s and its DLQ\n", run.opt.table, run.opt.queue);
	bool spawned = cfl_provision(&run);
	for (size_t i = 0; spawned && i < n_boots; i++)
		spawned = cfl_bootstrap_spawn(&run, &boots[i]);
	if (!spawned)
		goto out;
	pthread_t stream_thread, sqs_threads[CFL_MAX_CONSUMERS], dlq_thread, seed_thread;
	pthread_create(&stream_thread, NULL, cfl_stream_mapping, &run);
	for (unsigned k = 0; k < run.opt.sqs_concurrency; k++) {
		pollers[k] = (struct cfl_sqs_poller){ .run = &run, .consumer = boots[1 + k].fn };
		pthread_create(&sqs_threads[k], NULL, cfl_sqs_mapping, &pollers[k]);
	}
	pthread_create(&dlq_thread, NULL, cfl_dlq_watch, &run);
	fprintf(stderr, "seeding %u orders of %u items (seed %lu)\n", run.opt.orders, run.opt.items, run.opt.seed);
	int64_t started = cfl_now_ms();
	pthread_create(&seed_thread, NULL, cfl_seed_thread, &run);
	bool accounted = drive(&run, boots, n_boots, started);
	int64_t elapsed = cfl_now_ms() - started;
	run.stop = true;
	pthread_join(seed_thread, NULL);
	pthread_mutex_lock(&run.lock);
	bool seeded = run.seeding_ok;
	pthread_mutex_unlock(&run.lock);
	pthread_join(stream_thread, NULL);
	for (unsigned k = 0; k < run.opt.sqs_concurrency; k++)
		pthread_join(sqs_threads[k], NULL);
	run.sqs_pollers_done = true;
	pthread_join(dlq_thread, NULL);
	bool verified = cfl_verify(&run);
	long dlq = cfl_dlq_depth(&run);
	summary(&run, boots, n_boots, elapsed, dlq);
	rc = verified && judge(&run, boots, n_boots, seeded, accounted, dlq) ? 0 : 1;
	if (!verified)
		printf("FAILED: could not read the cart lines back\n");
out:
	run.stop = true;
	cfl_bootstrap_stop_all(boots, n_boots);
	for (size_t i = 0; i < n_boots; i++)
		cfl_function_stop(boots[i].fn);
	cf_aws_config_clean_up(&run.config);
	free(run.orders);
	return rc;
}
