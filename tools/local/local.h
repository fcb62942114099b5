/* cartflow-local: shared state of one run. */
#ifndef CFL_LOCAL_H
#define CFL_LOCAL_H

#include <pthread.h>
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
	unsigned stream_retries; /* MaximumRetryAttempts of the stream mapping */
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
};

struct cfl_run {
	struct cfl_options opt;
	struct cf_aws_config config;
	struct cfl_function *producer;   /* process-cart-products */
	struct cfl_function *consumer;   /* update-cart-status */
	char stream_arn[512];
	char queue_url[512];
	char queue_arn[512];
	char dlq_url[512];
	struct cfl_order *orders;
	pthread_mutex_t lock;            /* guards the counters and orders[].done_ms */
	volatile bool stop;
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
	unsigned long orders_done;
};

/* Index of order `id` in run->orders, or -1. Orders are named order-<index>. */
long cfl_order_index(const struct cfl_run *run, const char *id);

/* Table, queue and DLQ; false with a message on stderr. */
bool cfl_provision(struct cfl_run *run);
/* Cart lines, then the orders (written_ms recorded); false with a message on stderr. */
bool cfl_seed(struct cfl_run *run);
/* Read every cart line back; returns how many are not ORDERED (and prints a few). -1 on error. */
long cfl_verify(struct cfl_run *run, unsigned long *lines_checked);
/* Approximate number of messages in the DLQ, or -1. */
long cfl_dlq_depth(struct cfl_run *run);

/* Event source mappings; each runs until run->stop. */
void *cfl_stream_mapping(void *run);
void *cfl_sqs_mapping(void *run);

int64_t cfl_now_ms(void);

#endif
