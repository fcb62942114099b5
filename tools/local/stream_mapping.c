/* cartflow-local: the DynamoDB stream event source mapping for process-cart-products. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aws_json.h"
#include "local.h"

/* The filter of template.yaml: {"dynamodb":{"NewImage":{"order_status":{"S":["ORDERED"]}}}}. */
static bool passes_filter(struct json_object *record)
{
	struct json_object *d, *img, *status;
	if (!json_object_object_get_ex(record, "dynamodb", &d) || !json_object_object_get_ex(d, "NewImage", &img) ||
	    !json_object_object_get_ex(img, "order_status", &status))
		return false;
	const char *s = cfl_get_string(status, "S");
	return s && !strcmp(s, "ORDERED");
}

static const char *sequence_of(struct json_object *record)
{
	struct json_object *d;
	return json_object_object_get_ex(record, "dynamodb", &d) ? cfl_get_string(d, "SequenceNumber") : NULL;
}

/* Index in `batch` of the record with the lowest reported SequenceNumber, or -1 when none is reported. */
static long lowest_failure(struct json_object *batch, const char *response)
{
	struct json_object *doc = json_tokener_parse(response ? response : ""), *failures;
	long lowest = -1;
	if (doc && json_object_object_get_ex(doc, "batchItemFailures", &failures)) {
		for (size_t f = 0; f < json_object_array_length(failures); f++) {
			const char *id = cfl_get_string(json_object_array_get_idx(failures, f), "itemIdentifier");
			for (size_t i = 0; id && i < json_object_array_length(batch); i++) {
				const char *seq = sequence_of(json_object_array_get_idx(batch, i));
				if (seq && !strcmp(seq, id) && (lowest < 0 || (long)i < lowest))
					lowest = (long)i;
			}
		}
	}
	json_object_put(doc);
	return lowest;
}

/* Invoke with records [from, end) of `batch`; returns the index to retry from, or -1 when done. */
static long invoke_once(struct cfl_run *run, struct json_object *batch, size_t from)
{
	struct json_object *event = json_object_new_object(), *records = json_object_new_array();
	for (size_t i = from; i < json_object_array_length(batch); i++)
		json_object_array_add(records, json_object_get(json_object_array_get_idx(batch, i)));
	json_object_object_add(event, "Records", records);
	size_t len;
	const char *text = json_object_to_json_string_length(event, JSON_C_TO_STRING_PLAIN, &len);
	struct cfl_invoke_result res;
	bool answered = cfl_function_invoke(run->producer, text, len, (int64_t)run->opt.function_timeout_s * 1000, &res);
	json_object_put(event);
	pthread_mutex_lock(&run->lock);
	run->stream_invocations++;
	long retry_from;
	if (!answered || !res.ok) {
		run->invocation_errors++;
		retry_from = (long)from; /* the whole batch failed: retry all of it */
	} else {
		struct json_object *sub = json_object_new_array();
		for (size_t i = from; i < json_object_array_length(batch); i++)
			json_object_array_add(sub, json_object_get(json_object_array_get_idx(batch, i)));
		long low = lowest_failure(sub, res.body);
		json_object_put(sub);
		retry_from = low < 0 ? -1 : (long)from + low;
		if (low >= 0)
			run->stream_failures_reported++;
	}
	pthread_mutex_unlock(&run->lock);
	free(res.body);
	return retry_from;
}

/*
 * Records [from, end) of `batch` go to the on-failure destination: one line each in
 * <log-dir>/stream-on-failure.jsonl (SequenceNumber, order id, why), and their orders are marked.
 */
static void send_to_on_failure(struct cfl_run *run, struct json_object *batch, size_t from, unsigned retries)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/stream-on-failure.jsonl", run->opt.log_dir);
	FILE *out = fopen(path, "a");
	pthread_mutex_lock(&run->lock);
	for (size_t i = from; i < json_object_array_length(batch); i++) {
		struct json_object *r = json_object_array_get_idx(batch, i), *d, *img, *oid;
		const char *order = json_object_object_get_ex(r, "dynamodb", &d) &&
					    json_object_object_get_ex(d, "NewImage", &img) &&
					    json_object_object_get_ex(img, "order_id", &oid)
				    ? cfl_get_string(oid, "S")
				    : NULL;
		long k = cfl_order_index(run, order);
		if (k >= 0)
			run->orders[k].on_failure = true;
		run->stream_records_abandoned++;
		if (out)
			fprintf(out, "{\"sequenceNumber\":\"%s\",\"orderId\":\"%s\",\"reason\":\"retries exhausted (%u)\"}\n",
				sequence_of(r) ? sequence_of(r) : "", k >= 0 ? order : "", retries);
	}
	pthread_mutex_unlock(&run->lock);
	if (out)
		fclose(out);
}

/* Deliver `batch` as Lambda does with ReportBatchItemFailures: retry from the lowest failure. */
static void deliver(struct cfl_run *run, struct json_object *batch)
{
	size_t from = 0;
	for (unsigned attempt = 0; !run->stop; attempt++) {
		long again = invoke_once(run, batch, from);
		if (again < 0)
			return;
		if (attempt >= run->opt.stream_retries) {
			send_to_on_failure(run, batch, (size_t)again, attempt);
			fprintf(stderr, "stream: giving up on %zu records after %u retries (on-failure destination)\n",
				json_object_array_length(batch) - (size_t)again, attempt);
			return;
		}
		from = (size_t)again;
		usleep(100000u << (attempt < 5 ? attempt : 5));
	}
}

static char *shard_iterator(struct cfl_run *run, struct cfl_aws *aws, const char *shard)
{
	struct json_object *req = json_object_new_object();
	json_object_object_add(req, "StreamArn", json_object_new_string(run->stream_arn));
	json_object_object_add(req, "ShardId", json_object_new_string(shard));
	json_object_object_add(req, "ShardIteratorType", json_object_new_string("TRIM_HORIZON"));
	struct json_object *ans = cfl_call(aws, CF_AWS_DYNAMODB, "DynamoDBStreams_20120810.GetShardIterator", req, NULL, 0);
	const char *it = cfl_get_string(ans, "ShardIterator");
	char *copy = it ? strdup(it) : NULL;
	json_object_put(ans);
	return copy;
}

/* The first shard of the stream (DynamoDB Local keeps one open shard per table). */
static bool first_shard(struct cfl_run *run, struct cfl_aws *aws, char *shard, size_t cap)
{
	struct json_object *req = json_object_new_object();
	json_object_object_add(req, "StreamArn", json_object_new_string(run->stream_arn));
	struct json_object *ans = cfl_call(aws, CF_AWS_DYNAMODB, "DynamoDBStreams_20120810.DescribeStream", req, NULL, 0);
	struct json_object *desc, *shards;
	bool ok = ans && json_object_object_get_ex(ans, "StreamDescription", &desc) &&
		  json_object_object_get_ex(desc, "Shards", &shards) && json_object_array_length(shards) > 0;
	if (ok)
		snprintf(shard, cap, "%s", cfl_get_string(json_object_array_get_idx(shards, 0), "ShardId"));
	json_object_put(ans);
	return ok;
}

void *cfl_stream_mapping(void *arg)
{
	struct cfl_run *run = arg;
	struct cfl_aws aws;
	if (!cfl_aws_open(&aws, &run->config))
		return NULL;
	char shard[256];
	char *iterator = NULL;
	while (!run->stop && !iterator) {
		if (first_shard(run, &aws, shard, sizeof(shard)))
			iterator = shard_iterator(run, &aws, shard);
		if (!iterator)
			usleep(200000);
	}
	while (!run->stop && iterator) {
		struct json_object *req = json_object_new_object();
		json_object_object_add(req, "ShardIterator", json_object_new_string(iterator));
		json_object_object_add(req, "Limit", json_object_new_int((int)run->opt.stream_batch));
		struct json_object *ans = cfl_call(&aws, CF_AWS_DYNAMODB, "DynamoDBStreams_20120810.GetRecords", req, NULL, 0);
		struct json_object *records;
		if (!ans || !json_object_object_get_ex(ans, "Records", &records)) {
			json_object_put(ans);
			usleep(200000);
			continue;
		}
		struct json_object *batch = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(records); i++) {
			struct json_object *r = json_object_array_get_idx(records, i);
			if (!passes_filter(r))
				continue;
			json_object_object_add(r, "eventSourceARN", json_object_new_string(run->stream_arn));
			json_object_array_add(batch, json_object_get(r));
		}
		pthread_mutex_lock(&run->lock);
		run->stream_records_seen += json_object_array_length(records);
		run->stream_records_forwarded += json_object_array_length(batch);
		pthread_mutex_unlock(&run->lock);
		if (json_object_array_length(batch))
			deliver(run, batch);
		json_object_put(batch);
		const char *next = cfl_get_string(ans, "NextShardIterator");
		free(iterator);
		iterator = next ? strdup(next) : NULL;
		if (!json_object_array_length(records))
			usleep(50000);
		json_object_put(ans);
	}
	free(iterator);
	cfl_aws_close(&aws);
	return NULL;
}
