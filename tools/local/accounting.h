/* cartflow-local: where every order ended up, and whether that adds up. */
#ifndef CFL_ACCOUNTING_H
#define CFL_ACCOUNTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cfl_run;

/* The order_id of an SQS message body (bare NewImage or whole record) into `id`; false if unreadable. */
bool cfl_body_order_id(const char *body, char *id, size_t cap);

/* Under run->lock: order `id` reached the queue (received or dead-lettered). Returns its index or -1. */
long cfl_mark_forwarded(struct cfl_run *run, const char *id);

/* Under run->lock: whether every order is done, dead-lettered or at the stream's on-failure destination. */
bool cfl_all_accounted(const struct cfl_run *run);

/*
 * Marks orders[].reason_logged from <log-dir>/update-cart-status.log (and update-cart-status-<k>.log
 * of the other instances): every line of a failed message
 * ("message failed ...", text or JSON format) that names the order. False when the log cannot be read.
 */
bool cfl_read_failure_reasons(struct cfl_run *run);

/* Where the orders ended up, counted from their flags after cfl_verify. */
struct cfl_order_counts {
	unsigned long done;            /* every message of it processed without error (done_ms set) */
	unsigned long forwarded;       /* received from the queue or found in the DLQ */
	unsigned long on_failure;      /* given up by the stream mapping */
	unsigned long on_failure_only; /* ... and never on the queue */
	unsigned long updated;         /* every cart line ORDERED */
	unsigned long dead_lettered;
	unsigned long both;            /* updated and dead-lettered (a duplicate message) */
	unsigned long missing_line;    /* seeded without a cart line */
};
void cfl_count_orders(const struct cfl_run *run, struct cfl_order_counts *c);

/*
 * After cfl_verify and cfl_read_failure_reasons: prints the accounting to `out` and returns whether it
 * holds: every order written was forwarded or sent to the stream's on-failure destination; every
 * forwarded order was updated (all its cart lines ORDERED) or dead-lettered with a logged reason; every
 * order seeded with a missing cart line was dead-lettered and that line was not created.
 */
bool cfl_reconcile(const struct cfl_run *run, FILE *out);

#endif
