/* cartflow-local: where every order ended up, and whether that adds up. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cartflow/order.h>

#include "accounting.h"
#include "local.h"

bool cfl_body_order_id(const char *body, char *id, size_t cap)
{
	struct cf_order *order;
	if (!body || cf_order_parse(body, strlen(body), &order, NULL))
		return false;
	size_t n = order->order_id.len < cap - 1 ? order->order_id.len : cap - 1;
	memcpy(id, order->order_id.ptr, n);
	id[n] = '\0';
	cf_order_destroy(order);
	return true;
}

long cfl_mark_forwarded(struct cfl_run *run, const char *id)
{
	long i = cfl_order_index(run, id);
	if (i >= 0)
		run->orders[i].forwarded = true;
	return i;
}

bool cfl_all_accounted(const struct cfl_run *run)
{
	for (unsigned i = 0; i < run->opt.orders; i++) {
		const struct cfl_order *o = &run->orders[i];
		if (!o->done_ms && !o->dead_lettered && !o->on_failure)
			return false;
	}
	return true;
}

/* The order id named by `key` in a log line: `key=order-7` (text) or `"key":"order-7"` (JSON). */
static long order_named(const struct cfl_run *run, const char *line, const char *key)
{
	const char *p = strstr(line, key);
	if (!p)
		return -1;
	p += strlen(key);
	if (*p == '=')
		p++;
	else if (!strncmp(p, "\":\"", 3))
		p += 3;
	else
		return -1;
	char id[32];
	size_t n = 0;
	while (n < sizeof(id) - 1 && (isalnum((unsigned char)p[n]) || p[n] == '-'))
		n++;
	memcpy(id, p, n);
	id[n] = '\0';
	return cfl_order_index(run, id);
}

static bool read_reasons_from(struct cfl_run *run, const char *path)
{
	FILE *in = fopen(path, "r");
	if (!in)
		return false;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, in) > 0) {
		if (!strstr(line, "message failed"))
			continue;
		long i = order_named(run, line, "orderId");
		if (i >= 0)
			run->orders[i].reason_logged = true;
	}
	free(line);
	fclose(in);
	return true;
}

bool cfl_read_failure_reasons(struct cfl_run *run)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/update-cart-status.log", run->opt.log_dir);
	if (!read_reasons_from(run, path))
		return false;
	for (unsigned k = 1; k < run->opt.sqs_concurrency; k++) {
		snprintf(path, sizeof(path), "%s/update-cart-status-%u.log", run->opt.log_dir, k);
		if (!read_reasons_from(run, path))
			return false;
	}
	return true;
}

/* Prints up to five order ids for which `bad` holds, after `what`; returns how many there are. */
static unsigned long list_bad(const struct cfl_run *run, FILE *out, const char *what,
			      bool (*bad)(const struct cfl_run *, const struct cfl_order *))
{
	unsigned long n = 0;
	for (unsigned i = 0; i < run->opt.orders; i++) {
		if (!bad(run, &run->orders[i]))
			continue;
		if (!n)
			fprintf(out, "  PROBLEM %s:", what);
		if (n < 5)
			fprintf(out, " %s", run->orders[i].id);
		n++;
	}
	if (n > 5)
		fprintf(out, " and %lu more", n - 5);
	if (n)
		fputc('\n', out);
	return n;
}

static bool updated(const struct cfl_run *run, const struct cfl_order *o)
{
	return o->done_ms && o->lines_ordered == run->opt.items;
}

static bool never_forwarded(const struct cfl_run *run, const struct cfl_order *o)
{
	(void)run;
	return !o->forwarded && !o->on_failure;
}

static bool unresolved(const struct cfl_run *run, const struct cfl_order *o)
{
	return o->forwarded && !updated(run, o) && !o->dead_lettered;
}

static bool dead_letter_without_reason(const struct cfl_run *run, const struct cfl_order *o)
{
	(void)run;
	return o->dead_lettered && !o->reason_logged;
}

static bool missing_line_mishandled(const struct cfl_run *run, const struct cfl_order *o)
{
	(void)run;
	return o->missing_line && (!o->dead_lettered || o->done_ms || o->first_line_created);
}

void cfl_count_orders(const struct cfl_run *run, struct cfl_order_counts *c)
{
	*c = (struct cfl_order_counts){ 0 };
	for (unsigned i = 0; i < run->opt.orders; i++) {
		const struct cfl_order *o = &run->orders[i];
		bool u = updated(run, o);
		c->done += o->done_ms != 0;
		c->forwarded += o->forwarded;
		c->on_failure += o->on_failure;
		c->on_failure_only += o->on_failure && !o->forwarded;
		c->updated += u;
		c->dead_lettered += o->dead_lettered;
		c->both += u && o->dead_lettered;
		c->missing_line += o->missing_line;
	}
}

bool cfl_reconcile(const struct cfl_run *run, FILE *out)
{
	struct cfl_order_counts c;
	cfl_count_orders(run, &c);
	fprintf(out, "  orders forwarded          %lu (distinct orders received from the queue or found in the DLQ)\n",
		c.forwarded);
	fprintf(out, "  orders updated            %lu (every cart line ORDERED)\n", c.updated);
	fprintf(out, "  orders dead-lettered      %lu (%lu seeded with a missing cart line)\n", c.dead_lettered,
		c.missing_line);
	fprintf(out, "  stream on-failure only    %lu (records given up by the stream mapping, never on the queue)\n",
		c.on_failure_only);
	fprintf(out, "  reconciled                %u written = %lu forwarded + %lu on-failure; "
		     "%lu forwarded = %lu updated + %lu dead-lettered - %lu both\n",
		run->opt.orders, c.forwarded, c.on_failure_only, c.forwarded, c.updated, c.dead_lettered, c.both);
	/* The two equations printed above hold exactly when none of these lists has an entry (updated and
	 * dead-lettered orders are always forwarded ones), so the lists are the check. */
	unsigned long problems = list_bad(run, out, "never forwarded", never_forwarded) +
				 list_bad(run, out, "neither updated nor dead-lettered", unresolved) +
				 list_bad(run, out, "dead-lettered without a logged reason", dead_letter_without_reason) +
				 list_bad(run, out, "missing cart line not dead-lettered (or its line created)",
					  missing_line_mishandled);
	return problems == 0;
}
