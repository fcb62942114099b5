/* cartflow-local: shared state of one run. */
#ifndef CFL_LOCAL_H
#define CFL_LOCAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cartflow/aws_config.h>

#include "runtime_server.h"

struct cfl_options {
	unsigned orders;
	unsigned items;
	unsigned long seed;
	unsigned timeout_s;
	unsigned stream_batch;   /* records per process-cart-products invocation */
	unsigned sqs_batch;      /* messages per update-cart-status invocation */
	unsigned sqs_concurrency; /* update-cart-status instances, each with its own poller (Lambda scales out) */
	unsigned stream_retries; /* MaximumRetryAttempts of the stream mapping */
	unsigned function_timeout_s;   /* each function's timeout (Lambda-Runtime-Deadline-Ms) */
	unsigned visibility_timeout_s; /* the queue's VisibilityTimeout: how long a failed message waits */
	unsigned kills;          /* SIGKILL a bootstrap in the middle of an invocation this many times */
	unsigned missing_lines;  /* orders whose first cart line is not seeded: they must be dead-lettered */
	const char *function_endpoint; /* AWS endpoint given to the bootstraps; NULL = cartflow-local's own */
	const char *bin_dir;
	const char *log_dir;
	const char *table;
	const char *queue;
};

/* One seeded order: its id, when it was written, and when its message succeeded. */
struct cfl_order {
	char id[32];
	char user[16];
	int64_t written_ms;
	int64_t done_ms;     /* 0 until update-cart-status succeeded for it */
	bool missing_line;   /* seeded without its first cart line (--missing-lines) */
	bool forwarded;      /* a message of it was received from the queue or found in the DLQ */
	bool dead_lettered;  /* a message of it is in the DLQ */
	bool on_failure;     /* its stream record went to the on-failure destination */
	bool reason_logged;  /* update-cart-status logged a failure naming it */
	unsigned lines_ordered;     /* cart lines read back ORDERED at the end */
	bool first_line_created;    /* its first cart line exists at the end */
};

struct cfl_run {
	struct cfl_options opt;
	struct cf_aws_config config;
	struct cfl_function *producer;   /* process-cart-products */
	char stream_arn[512];
	char queue_url[512];
	char queue_arn[512];
	char dlq_url[512];
	struct cfl_order *orders;
	pthread_mutex_t lock;            /* guards the counters and orders[].done_ms */
	atomic_bool stop;                /* read by every thread without the lock */
	atomic_bool sqs_pollers_done;    /* set after the SQS pollers ended: nothing moves to the DLQ now */
	unsigned long stream_records_seen;
	unsigned long stream_records_forwarded;
	unsigned long stream_invocations;
	unsigned long stream_failures_reported;
	unsigned long stream_records_abandoned;
	unsigned long messages_received;
	unsigned long messages_succeeded;
	unsigned long messages_failed;
	unsigned long sqs_invocations;
	unsigned long invocation_errors;
	unsigned long dlq_messages_seen;
	unsigned long dlq_messages_unknown; /* DLQ messages whose body names none of our orders */
	bool seeding_finished;           /* cfl_seed returned; seeding_ok says how */
	bool seeding_ok;
};


/* Index of order `id` in run->orders, or -1. Orders are named order-<index>. */
long cfl_order_index(const struct cfl_run *run, const char *id);

/* Table, queue and DLQ; false with a message on stderr. */
bool cfl_provision(struct cfl_run *run);
/* Cart lines, then the orders (written_ms recorded); false with a message on stderr. */
bool cfl_seed(struct cfl_run *run);
/* cfl_seed as a thread: sets seeding_finished and seeding_ok under run->lock when done. */
void *cfl_seed_thread(void *run);
/* Read every cart line back into orders[].lines_ordered and .first_line_created; false on error. */
bool cfl_verify(struct cfl_run *run);
/* Approximate number of messages in the DLQ (visible and in flight), or -1. */
long cfl_dlq_depth(struct cfl_run *run);

/*
 * Reads the DLQ while the run goes on, as an operator inspecting it would: each message is received
 * with a 12-hour visibility timeout and left there (not deleted); its order is marked dead-lettered
 * and a line {"messageId","orderId","receiveCount"} appended to <log-dir>/dead-letters.jsonl.
 * Runs until sqs_pollers_done, then reads the DLQ until it answers empty, so that every message
 * the DLQ holds at the end has been seen.
 */
void *cfl_dlq_watch(void *run);

/* One poller of the SQS event source mapping and the update-cart-status instance it invokes. */
struct cfl_sqs_poller {
	struct cfl_run *run;
	struct cfl_function *consumer;
};

/* Event source mappings; each runs until run->stop. The SQS one takes a struct cfl_sqs_poller. */
void *cfl_stream_mapping(void *run);
void *cfl_sqs_mapping(void *poller);

int64_t cfl_now_ms(void);

#endif
