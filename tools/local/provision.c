/* cartflow-local: provisioning, seeding and the final check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws_json.h"
#include "local.h"

int64_t cfl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long cfl_order_index(const struct cfl_run *run, const char *id)
{
	if (!id || strncmp(id, "order-", 6))
		return -1;
	char *end;
	long i = strtol(id + 6, &end, 10);
	return *end || i < 0 || (unsigned long)i >= run->opt.orders ? -1 : i;
}

static struct json_object *key_schema(const char *hash, const char *range)
{
	struct json_object *ks = json_object_new_array(), *h = json_object_new_object(), *r = json_object_new_object();
	json_object_object_add(h, "AttributeName", json_object_new_string(hash));
	json_object_object_add(h, "KeyType", json_object_new_string("HASH"));
	json_object_object_add(r, "AttributeName", json_object_new_string(range));
	json_object_object_add(r, "KeyType", json_object_new_string("RANGE"));
	json_object_array_add(ks, h);
	json_object_array_add(ks, r);
	return ks;
}

static bool create_table(struct cfl_run *run, struct cfl_aws *aws)
{
	struct json_object *req = json_object_new_object(), *defs = json_object_new_array();
	const char *names[] = { "PK", "SK", "GSI1PK", "GSI1SK" };
	for (size_t i = 0; i < 4; i++) {
		struct json_object *d = json_object_new_object();
		json_object_object_add(d, "AttributeName", json_object_new_string(names[i]));
		json_object_object_add(d, "AttributeType", json_object_new_string("S"));
		json_object_array_add(defs, d);
	}
	struct json_object *gsi = json_object_new_object(), *gsis = json_object_new_array(), *proj = json_object_new_object();
	json_object_object_add(gsi, "IndexName", json_object_new_string("GSI1"));
	json_object_object_add(gsi, "KeySchema", key_schema("GSI1PK", "GSI1SK"));
	json_object_object_add(proj, "ProjectionType", json_object_new_string("ALL"));
	json_object_object_add(gsi, "Projection", proj);
	json_object_array_add(gsis, gsi);
	struct json_object *stream = json_object_new_object();
	json_object_object_add(stream, "StreamEnabled", json_object_new_boolean(1));
	json_object_object_add(stream, "StreamViewType", json_object_new_string("NEW_AND_OLD_IMAGES"));
	json_object_object_add(req, "TableName", json_object_new_string(run->opt.table));
	json_object_object_add(req, "AttributeDefinitions", defs);
	json_object_object_add(req, "KeySchema", key_schema("PK", "SK"));
	json_object_object_add(req, "GlobalSecondaryIndexes", gsis);
	json_object_object_add(req, "BillingMode", json_object_new_string("PAY_PER_REQUEST"));
	json_object_object_add(req, "StreamSpecification", stream);
	struct json_object *ans = cfl_call(aws, CF_AWS_DYNAMODB, "DynamoDB_20120810.CreateTable", req, NULL, 0);
	if (!ans)
		return false;
	json_object_put(ans);
	for (int tries = 0; tries < 100; tries++) {
		req = json_object_new_object();
		json_object_object_add(req, "TableName", json_object_new_string(run->opt.table));
		ans = cfl_call(aws, CF_AWS_DYNAMODB, "DynamoDB_20120810.DescribeTable", req, NULL, 0);
		struct json_object *table;
		if (ans && json_object_object_get_ex(ans, "Table", &table)) {
			const char *status = cfl_get_string(table, "TableStatus");
			const char *arn = cfl_get_string(table, "LatestStreamArn");
			if (status && !strcmp(status, "ACTIVE") && arn) {
				snprintf(run->stream_arn, sizeof(run->stream_arn), "%s", arn);
				json_object_put(ans);
				return true;
			}
		}
		json_object_put(ans);
		usleep(100000);
	}
	fprintf(stderr, "cartflow-local: table %s never became ACTIVE with a stream\n", run->opt.table);
	return false;
}

static bool create_queue(struct cfl_aws *aws, const char *name, unsigned visibility_s, const char *redrive, char *url,
			 size_t cap, char *arn, size_t arn_cap)
{
	struct json_object *req = json_object_new_object(), *attrs = json_object_new_object();
	char visibility[16];
	snprintf(visibility, sizeof(visibility), "%u", visibility_s);
	json_object_object_add(req, "QueueName", json_object_new_string(name));
	json_object_object_add(attrs, "VisibilityTimeout", json_object_new_string(visibility));
	if (redrive)
		json_object_object_add(attrs, "RedrivePolicy", json_object_new_string(redrive));
	json_object_object_add(req, "Attributes", attrs);
	struct json_object *ans = cfl_call(aws, CF_AWS_SQS, "AmazonSQS.CreateQueue", req, NULL, 0);
	const char *u = cfl_get_string(ans, "QueueUrl");
	if (!u) {
		json_object_put(ans);
		return false;
	}
	snprintf(url, cap, "%s", u);
	json_object_put(ans);
	req = json_object_new_object();
	struct json_object *names = json_object_new_array();
	json_object_array_add(names, json_object_new_string("QueueArn"));
	json_object_object_add(req, "QueueUrl", json_object_new_string(url));
	json_object_object_add(req, "AttributeNames", names);
	ans = cfl_call(aws, CF_AWS_SQS, "AmazonSQS.GetQueueAttributes", req, NULL, 0);
	struct json_object *a;
	const char *qarn = ans && json_object_object_get_ex(ans, "Attributes", &a) ? cfl_get_string(a, "QueueArn") : NULL;
	snprintf(arn, arn_cap, "%s", qarn ? qarn : "");
	json_object_put(ans);
	return qarn != NULL;
}

bool cfl_provision(struct cfl_run *run)
{
	struct cfl_aws aws;
	if (!cfl_aws_open(&aws, &run->config))
		return false;
	char dlq_name[256], dlq_arn[512], redrive[700];
	snprintf(dlq_name, sizeof(dlq_name), "%s-dlq", run->opt.queue);
	bool ok = create_table(run, &aws) &&
		  create_queue(&aws, dlq_name, run->opt.visibility_timeout_s, NULL, run->dlq_url, sizeof(run->dlq_url), dlq_arn, sizeof(dlq_arn));
	if (ok) {
		snprintf(redrive, sizeof(redrive), "{\"deadLetterTargetArn\":\"%s\",\"maxReceiveCount\":\"5\"}", dlq_arn);
		ok = create_queue(&aws, run->opt.queue, run->opt.visibility_timeout_s, redrive, run->queue_url, sizeof(run->queue_url), run->queue_arn,
				  sizeof(run->queue_arn));
	}
	cfl_aws_close(&aws);
	return ok;
}

/* Items collected into JSON arrays of at most `limit`, each handed to `flush` (which takes it) when full. */
struct batch {
	struct cfl_run *run;
	struct cfl_aws *aws;
	size_t limit;
	bool (*flush)(struct cfl_run *run, struct cfl_aws *aws, struct json_object *items);
	struct json_object *items; /* NULL while empty */
	bool ok;
};

/* Add `item` (taken); dropped once a flush has failed. */
static void batch_add(struct batch *b, struct json_object *item)
{
	if (!b->ok) {
		json_object_put(item);
		return;
	}
	if (!b->items)
		b->items = json_object_new_array();
	json_object_array_add(b->items, item);
	if (json_object_array_length(b->items) == b->limit) {
		b->ok = b->flush(b->run, b->aws, b->items);
		b->items = NULL;
	}
}

/* Flush what is left; false when any flush failed. */
static bool batch_end(struct batch *b)
{
	if (b->ok && b->items)
		b->ok = b->flush(b->run, b->aws, b->items);
	else
		json_object_put(b->items);
	b->items = NULL;
	return b->ok;
}

/* Reads one answer of a DynamoDB batch call (borrowed). */
typedef void (*batch_answer_fn)(struct cfl_run *run, struct json_object *answer);

/*
 * A DynamoDB batch call (`target`) on `items` (taken: the RequestItems value), made again with what
 * each answer leaves unprocessed under `left_key`, at most `attempts` times, 50 ms << min(attempt,
 * max_shift) apart. `on_answer` (may be NULL) reads every answer. False when a call fails or items
 * are still left after the last attempt.
 */
static bool batch_until_processed(struct cfl_run *run, struct cfl_aws *aws, const char *target,
				  struct json_object *items, const char *left_key, int attempts, int max_shift,
				  batch_answer_fn on_answer)
{
	for (int attempt = 0; attempt < attempts; attempt++) {
		struct json_object *req = json_object_new_object();
		json_object_object_add(req, "RequestItems", items);
		struct json_object *ans = cfl_call(aws, CF_AWS_DYNAMODB, target, req, NULL, 0);
		if (!ans)
			return false;
		if (on_answer)
			on_answer(run, ans);
		struct json_object *left;
		if (!json_object_object_get_ex(ans, left_key, &left) || json_object_object_length(left) == 0) {
			json_object_put(ans);
			return true;
		}
		items = json_object_get(left);
		json_object_put(ans);
		if (attempt + 1 < attempts)
			usleep(50000u << (attempt < max_shift ? attempt : max_shift));
	}
	json_object_put(items);
	return false;
}

/* BatchWriteItem `puts` (taken), retrying UnprocessedItems with backoff. */
static bool batch_write(struct cfl_run *run, struct cfl_aws *aws, struct json_object *puts)
{
	struct json_object *items = json_object_new_object();
	json_object_object_add(items, run->opt.table, puts);
	return batch_until_processed(run, aws, "DynamoDB_20120810.BatchWriteItem", items, "UnprocessedItems", 10, 4, NULL);
}

static struct json_object *put_request(struct json_object *item)
{
	struct json_object *put = json_object_new_object(), *wrap = json_object_new_object();
	json_object_object_add(put, "Item", item);
	json_object_object_add(wrap, "PutRequest", put);
	return wrap;
}

static void product_id(char *buf, size_t cap, unsigned order, unsigned item)
{
	snprintf(buf, cap, "product-%u-%u", order, item);
}

static void line_key(const struct cfl_run *run, unsigned order, unsigned item, char *pk, char *sk, size_t cap)
{
	char pid[48];
	product_id(pid, sizeof(pid), order, item);
	snprintf(pk, cap, "USER#%s", run->orders[order].user);
	snprintf(sk, cap, "PRODUCT#%s", pid);
}

static struct json_object *cart_line(const struct cfl_run *run, unsigned order, unsigned item)
{
	const struct cfl_order *o = &run->orders[order];
	char pk[64], sk[64], pid[48];
	product_id(pid, sizeof(pid), order, item);
	line_key(run, order, item, pk, sk, sizeof(pk));
	struct json_object *it = json_object_new_object();
	json_object_object_add(it, "PK", cfl_s(pk));
	json_object_object_add(it, "SK", cfl_s(sk));
	json_object_object_add(it, "productId", cfl_s(pid));
	json_object_object_add(it, "userId", cfl_s(o->user));
	json_object_object_add(it, "quantity", cfl_n(1 + (order + item) % 4));
	json_object_object_add(it, "cartProductStatus", cfl_s("PENDING"));
	return it;
}

static struct json_object *order_item(const struct cfl_run *run, unsigned order)
{
	const struct cfl_order *o = &run->orders[order];
	char pk[64], sk[64], gsi1pk[64];
	snprintf(pk, sizeof(pk), "USER#%s", o->user);
	snprintf(sk, sizeof(sk), "ORDER#%s", o->id);
	snprintf(gsi1pk, sizeof(gsi1pk), "ORDER#%s", o->id);
	struct json_object *it = json_object_new_object(), *items = json_object_new_array();
	long long total = 0;
	for (unsigned i = 0; i < run->opt.items; i++) {
		char pid[48];
		product_id(pid, sizeof(pid), order, i);
		struct json_object *m = json_object_new_object(), *line = json_object_new_object();
		json_object_object_add(m, "productId", cfl_s(pid));
		json_object_object_add(m, "userId", cfl_s(o->user));
		json_object_object_add(m, "quantity", cfl_n(1 + (order + i) % 4));
		json_object_object_add(m, "addedOn", cfl_s("2026-11-24T06:00:00.000Z"));
		json_object_object_add(m, "cartProductStatus", cfl_s("PENDING"));
		json_object_object_add(line, "M", m);
		json_object_array_add(items, line);
		total += 1000 + (long long)((order * 37 + i * 11) % 9000);
	}
	struct json_object *list = json_object_new_object();
	json_object_object_add(list, "L", items);
	json_object_object_add(it, "PK", cfl_s(pk));
	json_object_object_add(it, "SK", cfl_s(sk));
	json_object_object_add(it, "GSI1PK", cfl_s(gsi1pk));
	json_object_object_add(it, "GSI1SK", cfl_s(pk));
	json_object_object_add(it, "order_id", cfl_s(o->id));
	json_object_object_add(it, "user_id", cfl_s(o->user));
	json_object_object_add(it, "order_status", cfl_s("ORDERED"));
	json_object_object_add(it, "order_date", cfl_s("2026-11-24T06:00:00.000Z"));
	json_object_object_add(it, "order_total", cfl_n(total));
	json_object_object_add(it, "order_items", list);
	return it;
}

bool cfl_seed(struct cfl_run *run)
{
	struct cfl_aws aws;
	if (!cfl_aws_open(&aws, &run->config))
		return false;
	struct batch puts = { run, &aws, 25, batch_write, NULL, true }; /* BatchWriteItem's limit */
	for (unsigned o = 0; o < run->opt.orders && puts.ok; o++)
		for (unsigned i = run->orders[o].missing_line ? 1 : 0; i < run->opt.items && puts.ok; i++)
			batch_add(&puts, put_request(cart_line(run, o, i)));
	bool ok = batch_end(&puts);
	/* Orders one by one, as a shop writes them; each becomes one stream INSERT. */
	for (unsigned o = 0; o < run->opt.orders && ok && !run->stop; o++) {
		struct json_object *req = json_object_new_object();
		json_object_object_add(req, "TableName", json_object_new_string(run->opt.table));
		json_object_object_add(req, "Item", order_item(run, o));
		struct json_object *ans = cfl_call(&aws, CF_AWS_DYNAMODB, "DynamoDB_20120810.PutItem", req, NULL, 0);
		ok = ans != NULL;
		json_object_put(ans);
		pthread_mutex_lock(&run->lock);
		if (ok)
			run->orders[o].written_ms = cfl_now_ms();
		pthread_mutex_unlock(&run->lock);
	}
	cfl_aws_close(&aws);
	return ok && !run->stop; /* stopped early: not every order was written */
}

/* Which order and item a returned cart line is, from its key; false if it is none of ours. */
static bool line_of(const struct cfl_run *run, struct json_object *item, unsigned *order, unsigned *line)
{
	struct json_object *sk_attr;
	const char *sk = json_object_object_get_ex(item, "SK", &sk_attr) ? cfl_get_string(sk_attr, "S") : NULL;
	unsigned o, i;
	int used = 0;
	if (!sk || sscanf(sk, "PRODUCT#product-%u-%u%n", &o, &i, &used) != 2 || sk[used] || o >= run->opt.orders ||
	    i >= run->opt.items)
		return false;
	*order = o;
	*line = i;
	return true;
}

/* Counts the cart lines a BatchGetItem answer holds: created, and how many say ORDERED. */
static void count_lines(struct cfl_run *run, struct json_object *answer)
{
	struct json_object *responses, *found;
	if (!json_object_object_get_ex(answer, "Responses", &responses) ||
	    !json_object_object_get_ex(responses, run->opt.table, &found))
		return;
	for (size_t k = 0; k < json_object_array_length(found); k++) {
		struct json_object *item = json_object_array_get_idx(found, k), *status;
		unsigned o, i;
		if (!line_of(run, item, &o, &i))
			continue;
		if (i == 0)
			run->orders[o].first_line_created = true;
		const char *s =
			json_object_object_get_ex(item, "cartProductStatus", &status) ? cfl_get_string(status, "S") : NULL;
		if (s && !strcmp(s, "ORDERED"))
			run->orders[o].lines_ordered++;
	}
}

/* BatchGetItem `keys` (taken), consistently, until nothing is left unprocessed; counts what it finds. */
static bool read_lines(struct cfl_run *run, struct cfl_aws *aws, struct json_object *keys)
{
	struct json_object *items = json_object_new_object(), *spec = json_object_new_object();
	json_object_object_add(spec, "Keys", keys);
	json_object_object_add(spec, "ConsistentRead", json_object_new_boolean(1));
	json_object_object_add(items, run->opt.table, spec);
	return batch_until_processed(run, aws, "DynamoDB_20120810.BatchGetItem", items, "UnprocessedKeys", 20, 0,
				     count_lines);
}

bool cfl_verify(struct cfl_run *run)
{
	struct cfl_aws aws;
	if (!cfl_aws_open(&aws, &run->config))
		return false;
	for (unsigned o = 0; o < run->opt.orders; o++) {
		run->orders[o].lines_ordered = 0;
		run->orders[o].first_line_created = false;
	}
	struct batch keys = { run, &aws, 100, read_lines, NULL, true }; /* BatchGetItem's limit */
	for (unsigned o = 0; o < run->opt.orders && keys.ok; o++) {
		for (unsigned i = 0; i < run->opt.items && keys.ok; i++) {
			char pk[64], sk[64];
			line_key(run, o, i, pk, sk, sizeof(pk));
			struct json_object *key = json_object_new_object();
			json_object_object_add(key, "PK", cfl_s(pk));
			json_object_object_add(key, "SK", cfl_s(sk));
			batch_add(&keys, key);
		}
	}
	bool ok = batch_end(&keys);
	cfl_aws_close(&aws);
	if (!ok)
		fprintf(stderr, "cartflow-local: could not read the cart lines back\n");
	return ok;
}

void *cfl_seed_thread(void *arg)
{
	struct cfl_run *run = arg;
	bool ok = cfl_seed(run);
	pthread_mutex_lock(&run->lock);
	run->seeding_ok = ok;
	run->seeding_finished = true;
	pthread_mutex_unlock(&run->lock);
	return NULL;
}

long cfl_dlq_depth(struct cfl_run *run)
{
	struct cfl_aws aws;
	if (!cfl_aws_open(&aws, &run->config))
		return -1;
	struct json_object *req = json_object_new_object(), *names = json_object_new_array();
	json_object_array_add(names, json_object_new_string("ApproximateNumberOfMessages"));
	json_object_array_add(names, json_object_new_string("ApproximateNumberOfMessagesNotVisible"));
	json_object_object_add(req, "QueueUrl", json_object_new_string(run->dlq_url));
	json_object_object_add(req, "AttributeNames", names);
	struct json_object *ans = cfl_call(&aws, CF_AWS_SQS, "AmazonSQS.GetQueueAttributes", req, NULL, 0), *a;
	bool got = ans && json_object_object_get_ex(ans, "Attributes", &a);
	const char *visible = got ? cfl_get_string(a, "ApproximateNumberOfMessages") : NULL;
	const char *in_flight = got ? cfl_get_string(a, "ApproximateNumberOfMessagesNotVisible") : NULL;
	long depth = visible ? atol(visible) + (in_flight ? atol(in_flight) : 0) : -1;
	json_object_put(ans);
	cfl_aws_close(&aws);
	return depth;
}
