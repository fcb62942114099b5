/* cartflow-local: watching the dead-letter queue while the run goes on. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "accounting.h"
#include "aws_json.h"
#include "local.h"

/* Twelve hours, SQS's maximum: a message read here stays in the DLQ, in flight, until the run ends. */
#define KEEP_IN_FLIGHT_S 43200

static void record(struct cfl_run *run, FILE *out, struct json_object *m)
{
	char id[64];
	struct json_object *attrs;
	const char *count = json_object_object_get_ex(m, "Attributes", &attrs)
				    ? cfl_get_string(attrs, "ApproximateReceiveCount")
				    : NULL;
	bool known = cfl_body_order_id(cfl_string_or_empty(m, "Body"), id, sizeof(id));
	pthread_mutex_lock(&run->lock);
	run->dlq_messages_seen++;
	long i = known ? cfl_mark_forwarded(run, id) : -1;
	if (i < 0)
		run->dlq_messages_unknown++;
	if (i >= 0)
		run->orders[i].dead_lettered = true;
	pthread_mutex_unlock(&run->lock);
	if (!out)
		return;
	struct json_object *line = json_object_new_object();
	json_object_object_add(line, "messageId", json_object_new_string(cfl_string_or_empty(m, "MessageId")));
	json_object_object_add(line, "orderId", known ? json_object_new_string(id) : NULL);
	json_object_object_add(line, "receiveCount", count ? json_object_new_string(count) : NULL);
	fprintf(out, "%s\n", json_object_to_json_string_ext(line, JSON_C_TO_STRING_PLAIN));
	fflush(out);
	json_object_put(line);
}

/* One ReceiveMessage on the DLQ (waiting up to `wait_s`); returns the messages it got, -1 on error. */
static long poll_once(struct cfl_run *run, struct cfl_aws *aws, FILE *out, int wait_s)
{
	struct json_object *req = json_object_new_object(), *names = json_object_new_array();
	json_object_array_add(names, json_object_new_string("ApproximateReceiveCount"));
	json_object_object_add(req, "QueueUrl", json_object_new_string(run->dlq_url));
	json_object_object_add(req, "MaxNumberOfMessages", json_object_new_int(10));
	json_object_object_add(req, "WaitTimeSeconds", json_object_new_int(wait_s));
	json_object_object_add(req, "VisibilityTimeout", json_object_new_int(KEEP_IN_FLIGHT_S));
	json_object_object_add(req, "AttributeNames", names);
	struct json_object *ans = cfl_call(aws, CF_AWS_SQS, "AmazonSQS.ReceiveMessage", req, NULL, 0), *messages;
	long got = ans ? 0 : -1;
	if (ans && json_object_object_get_ex(ans, "Messages", &messages)) {
		got = (long)json_object_array_length(messages);
		for (long i = 0; i < got; i++)
			record(run, out, json_object_array_get_idx(messages, (size_t)i));
	}
	json_object_put(ans);
	return got;
}

void *cfl_dlq_watch(void *arg)
{
	struct cfl_run *run = arg;
	struct cfl_aws aws;
	if (!cfl_aws_open(&aws, &run->config))
		return NULL;
	char path[1024];
	snprintf(path, sizeof(path), "%s/dead-letters.jsonl", run->opt.log_dir);
	FILE *out = fopen(path, "w");
	if (!out)
		fprintf(stderr, "cartflow-local: cannot write %s\n", path);
	while (!run->sqs_pollers_done) {
		if (poll_once(run, &aws, out, 1) < 0)
			usleep(200000);
	}
	for (int errors = 0; errors < 5;) {
		long got = poll_once(run, &aws, out, 0);
		if (got == 0)
			break;
		errors += got < 0;
	}
	if (out)
		fclose(out);
	cfl_aws_close(&aws);
	return NULL;
}
