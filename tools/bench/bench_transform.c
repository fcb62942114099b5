/*
 * bench_transform: throughput of the pure transforms on generated, realistic inputs.
 *   stream event -> SQS messages   (cf_stream_event_parse + cf_forward_event)
 *   SQS event -> UpdateItem bodies (cf_sqs_event_parse + cf_order_parse + cf_order_to_updates)
 * each on a 100-record batch of 3-item orders and on one order with 2,000 items, next to json-c
 * parsing and re-serialising the same bytes (the naive approach) measured in the same run.
 * Prints the median of 11 samples; each sample repeats the work for about 40 ms.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cartflow/forward.h"
#include "cartflow/order.h"
#include "cartflow/sqs_event.h"
#include "cartflow/stream_event.h"
#include "cartflow/update_item.h"

enum { SAMPLES = 11 };

struct text {
	char *data;
	size_t len, cap;
};

static void put(struct text *t, const char *s)
{
	size_t n = strlen(s);
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->data = realloc(t->data, t->cap);
		if (!t->data)
			exit(2);
	}
	memcpy(t->data + t->len, s, n + 1);
	t->len += n;
}

/* A NewImage like the product's orders, with `items` order lines. */
static void put_new_image(struct text *t, unsigned order, unsigned items)
{
	char buf[512];
	snprintf(buf, sizeof(buf),
		 "{\"PK\":{\"S\":\"USER#user-%u\"},\"SK\":{\"S\":\"ORDER#order-%08u\"},\"GSI1PK\":{\"S\":\"ORDER#order-%08u\"},"
		 "\"GSI1SK\":{\"S\":\"USER#user-%u\"},\"order_id\":{\"S\":\"order-%08u\"},\"user_id\":{\"S\":\"user-%u\"},"
		 "\"order_status\":{\"S\":\"ORDERED\"},\"order_date\":{\"S\":\"2026-11-24T06:%02u:00.000Z\"},"
		 "\"order_total\":{\"N\":\"%u\"},\"order_items\":{\"L\":[",
		 order % 1000, order, order, order % 1000, order, order % 1000, order % 60, 1000 + order * 7);
	put(t, buf);
	for (unsigned i = 0; i < items; i++) {
		snprintf(buf, sizeof(buf),
			 "%s{\"M\":{\"productId\":{\"S\":\"product-%05u\"},\"userId\":{\"S\":\"user-%u\"},"
			 "\"quantity\":{\"N\":\"%u\"},\"addedOn\":{\"S\":\"2026-11-23T10:%02u:00.000Z\"},"
			 "\"cartProductStatus\":{\"S\":\"PENDING\"}}}",
			 i ? "," : "", (order * 31 + i) % 100000, order % 1000, 1 + i % 5, i % 60);
		put(t, buf);
	}
	put(t, "]}}");
}

static struct text stream_event(unsigned records, unsigned items)
{
	struct text t = { 0 };
	char buf[512];
	put(&t, "{\"Records\":[");
	for (unsigned r = 0; r < records; r++) {
		snprintf(buf, sizeof(buf),
			 "%s{\"eventID\":\"%032x\",\"eventName\":\"INSERT\",\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\","
			 "\"awsRegion\":\"us-east-1\",\"dynamodb\":{\"ApproximateCreationDateTime\":1764000000,"
			 "\"Keys\":{\"PK\":{\"S\":\"USER#user-%u\"},\"SK\":{\"S\":\"ORDER#order-%08u\"}},\"NewImage\":",
			 r ? "," : "", r * 2654435761u, r % 1000, r);
		put(&t, buf);
		put_new_image(&t, r, items);
		snprintf(buf, sizeof(buf),
			 ",\"SequenceNumber\":\"%024u\",\"SizeBytes\":%u,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},"
			 "\"eventSourceARN\":\"arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-11-24T00:00:00.000\"}",
			 1000 + r, 300 + items * 150);
		put(&t, buf);
	}
	put(&t, "]}");
	return t;
}

static struct text sqs_event(unsigned records, unsigned items)
{
	struct text t = { 0 };
	char buf[1024];
	put(&t, "{\"Records\":[");
	for (unsigned r = 0; r < records; r++) {
		struct text image = { 0 };
		put_new_image(&image, r, items);
		snprintf(buf, sizeof(buf),
			 "%s{\"messageId\":\"%08x-1111-2222-3333-%012u\",\"receiptHandle\":\"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a%u\","
			 "\"body\":",
			 r ? "," : "", r * 2654435761u, r, r);
		put(&t, buf);
		struct json_object *s = json_object_new_string_len(image.data, (int)image.len);
		put(&t, json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(s);
		free(image.data);
		snprintf(buf, sizeof(buf),
			 ",\"attributes\":{\"ApproximateReceiveCount\":\"1\",\"SentTimestamp\":\"1764000000000\","
			 "\"SenderId\":\"AIDAIENQZJOLO23YVJ4VO\",\"ApproximateFirstReceiveTimestamp\":\"1764000000001\"},"
			 "\"messageAttributes\":{},\"md5OfBody\":\"e4e68fb7bd0e697a0ae8f1bb342846b3\",\"eventSource\":\"aws:sqs\","
			 "\"eventSourceARN\":\"arn:aws:sqs:us-east-1:123456789012:update-cart-product\",\"awsRegion\":\"us-east-1\"}");
		put(&t, buf);
	}
	put(&t, "]}");
	return t;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef size_t (*work_fn)(const struct text *input); /* returns records produced, for a sanity check */

static size_t run_stream(const struct text *in)
{
	struct cf_stream_event *ev;
	struct cf_forward_batch *batch;
	if (cf_stream_event_parse(in->data, in->len, &ev, NULL) || cf_forward_event(ev, NULL, &batch, NULL))
		exit(3);
	size_t n = batch->message_count;
	cf_forward_batch_destroy(batch);
	cf_stream_event_destroy(ev);
	return n;
}

static size_t run_sqs(const struct text *in)
{
	struct cf_sqs_event *ev;
	if (cf_sqs_event_parse(in->data, in->len, &ev, NULL))
		exit(3);
	const struct cf_update_options opt = { .table_name = "orders" };
	size_t updates = 0;
	for (size_t i = 0; i < ev->count; i++) {
		struct cf_order *order;
		struct cf_update_batch *batch;
		if (cf_order_parse(ev->records[i].body.ptr, ev->records[i].body.len, &order, NULL) ||
		    cf_order_to_updates(order, &opt, &batch, NULL))
			exit(3);
		updates += batch->count;
		cf_update_batch_destroy(batch);
		cf_order_destroy(order);
	}
	cf_sqs_event_destroy(ev);
	return updates;
}

static size_t run_json_c(const struct text *in)
{
	struct json_object *root = json_tokener_parse(in->data);
	if (!root)
		exit(3);
	size_t n = strlen(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return n ? 1 : 0;
}

/* The naive SQS path: json-c parses the event, then each body, and re-serialises each body. */
static size_t run_json_c_sqs(const struct text *in)
{
	struct json_object *root = json_tokener_parse(in->data), *records;
	if (!root || !json_object_object_get_ex(root, "Records", &records))
		exit(3);
	size_t n = 0;
	for (size_t i = 0; i < json_object_array_length(records); i++) {
		struct json_object *body;
		if (!json_object_object_get_ex(json_object_array_get_idx(records, i), "body", &body))
			exit(3);
		struct json_object *order = json_tokener_parse(json_object_get_string(body));
		n += strlen(json_object_to_json_string_ext(order, JSON_C_TO_STRING_PLAIN));
		json_object_put(order);
	}
	json_object_put(root);
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median seconds per call of `fn` on `in`. */
static double measure(work_fn fn, const struct text *in)
{
	double samples[SAMPLES];
	size_t reps = 1;
	double t0 = now_s();
	fn(in);
	double once = now_s() - t0;
	if (once < 0.04)
		reps = (size_t)(0.04 / (once > 1e-7 ? once : 1e-7)) + 1;
	for (int s = 0; s < SAMPLES; s++) {
		t0 = now_s();
		for (size_t r = 0; r < reps; r++)
			fn(in);
		samples[s] = (now_s() - t0) / (double)reps;
	}
	qsort(samples, SAMPLES, sizeof(samples[0]), cmp_double);
	return samples[SAMPLES / 2];
}

static void report(const char *name, const struct text *in, size_t records, work_fn fn, work_fn naive_fn)
{
	double ours = measure(fn, in);
	double naive = measure(naive_fn, in);
	double mb = (double)in->len / 1e6;
	printf("| %-38s | %9zu | %9.1f | %12.0f | %11.1f | %5.2fx |\n", name, in->len, mb / ours,
	       (double)records / ours, mb / naive, naive / ours);
}

int main(void)
{
	struct text stream_batch = stream_event(100, 3), stream_big = stream_event(1, 2000);
	struct text sqs_batch = sqs_event(100, 3), sqs_big = sqs_event(1, 2000);
	if (run_stream(&stream_batch) != 100 || run_stream(&stream_big) != 1 || run_sqs(&sqs_batch) != 300 ||
	    run_sqs(&sqs_big) != 2000) {
		fprintf(stderr, "sanity check failed\n");
		return 1;
	}
	printf("median of %d samples; records/s counts event records; json-c = the naive DOM way on the "
	       "same bytes:\njson_tokener_parse + json_object_to_json_string_ext (for SQS: of the event, then of each body)\n\n",
	       SAMPLES);
	printf("| %-38s | %9s | %9s | %12s | %11s | %6s |\n", "workload", "bytes", "MB/s", "records/s", "json-c MB/s",
	       "ratio");
	printf("|%s|%s|%s|%s|%s|%s|\n", "----------------------------------------", "-----------", "-----------",
	       "--------------", "-------------", "--------");
	report("stream -> messages, 100 records", &stream_batch, 100, run_stream, run_json_c);
	report("stream -> messages, 2,000-item order", &stream_big, 1, run_stream, run_json_c);
	report("SQS -> UpdateItem, 100 records", &sqs_batch, 100, run_sqs, run_json_c_sqs);
	report("SQS -> UpdateItem, 2,000-item order", &sqs_big, 1, run_sqs, run_json_c_sqs);
	free(stream_batch.data);
	free(stream_big.data);
	free(sqs_batch.data);
	free(sqs_big.data);
	return 0;
}
