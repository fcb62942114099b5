/* cartflow-local: the SQS event source mapping for update-cart-status. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "accounting.h"
#include "aws_json.h"
#include "local.h"

/* One SQS Lambda record from a ReceiveMessage message. */
static struct json_object *lambda_record(struct cfl_run *run, struct json_object *m)
{
	struct json_object *r = json_object_new_object(), *attrs, *a = json_object_new_object();
	json_object_object_add(r, "messageId", json_object_new_string(cfl_string_or_empty(m, "MessageId")));
	json_object_object_add(r, "receiptHandle", json_object_new_string(cfl_string_or_empty(m, "ReceiptHandle")));
	json_object_object_add(r, "body", json_object_new_string(cfl_string_or_empty(m, "Body")));
	if (json_object_object_get_ex(m, "Attributes", &attrs)) {
		json_object_object_foreach(attrs, k, v)
			json_object_object_add(a, k, json_object_get(v));
	}
	json_object_object_add(r, "attributes", a);
	json_object_object_add(r, "messageAttributes", json_object_new_object());
	json_object_object_add(r, "md5OfBody", json_object_new_string(cfl_string_or_empty(m, "MD5OfBody")));
	json_object_object_add(r, "eventSource", json_object_new_string("aws:sqs"));
	json_object_object_add(r, "eventSourceARN", json_object_new_string(run->queue_arn));
	json_object_object_add(r, "awsRegion", json_object_new_string(run->config.region));
	return r;
}

static bool reported(struct json_object *failures, const char *id)
{
	for (size_t i = 0; failures && i < json_object_array_length(failures); i++) {
		const char *f = cfl_get_string(json_object_array_get_idx(failures, i), "itemIdentifier");
		if (f && id && !strcmp(f, id))
			return true;
	}
	return false;
}

/* Under run->lock: a message of an order was received; `succeeded` when its updates all went through. */
static void account(struct cfl_run *run, const char *body, bool succeeded)
{
	char id[64];
	long i = cfl_body_order_id(body, id, sizeof(id)) ? cfl_mark_forwarded(run, id) : -1;
	if (succeeded && i >= 0 && !run->orders[i].done_ms)
		run->orders[i].done_ms = cfl_now_ms();
}

static void delete_messages(struct cfl_aws *aws, struct cfl_run *run, struct json_object *entries)
{
	if (!json_object_array_length(entries)) {
		json_object_put(entries);
		return;
	}
	struct json_object *req = json_object_new_object();
	json_object_object_add(req, "QueueUrl", json_object_new_string(run->queue_url));
	json_object_object_add(req, "Entries", entries);
	json_object_put(cfl_call(aws, CF_AWS_SQS, "AmazonSQS.DeleteMessageBatch", req, NULL, 0));
}

/* Invoke with the received messages; delete those that succeeded, leave the rest to come back. */
static void deliver(struct cfl_run *run, struct cfl_function *consumer, struct cfl_aws *aws,
		    struct json_object *messages)
{
	struct json_object *event = json_object_new_object(), *records = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(messages); i++)
		json_object_array_add(records, lambda_record(run, json_object_array_get_idx(messages, i)));
	json_object_object_add(event, "Records", records);
	size_t len;
	const char *text = json_object_to_json_string_length(event, JSON_C_TO_STRING_PLAIN, &len);
	struct cfl_invoke_result res;
	bool answered = cfl_function_invoke(consumer, text, len, (int64_t)run->opt.function_timeout_s * 1000, &res);
	json_object_put(event);
	struct json_object *doc = answered && res.ok ? json_tokener_parse(res.body) : NULL, *failures = NULL;
	if (doc)
		json_object_object_get_ex(doc, "batchItemFailures", &failures);
	struct json_object *to_delete = json_object_new_array();
	pthread_mutex_lock(&run->lock);
	run->sqs_invocations++;
	run->messages_received += json_object_array_length(messages);
	if (!doc)
		run->invocation_errors++;
	for (size_t i = 0; i < json_object_array_length(messages); i++) {
		struct json_object *m = json_object_array_get_idx(messages, i);
		bool ok = doc && !reported(failures, cfl_get_string(m, "MessageId"));
		account(run, cfl_string_or_empty(m, "Body"), ok);
		if (!doc)
			continue;
		if (!ok) {
			run->messages_failed++;
			continue;
		}
		run->messages_succeeded++;
		struct json_object *e = json_object_new_object();
		char id[32];
		snprintf(id, sizeof(id), "d%zu", i);
		json_object_object_add(e, "Id", json_object_new_string(id));
		json_object_object_add(e, "ReceiptHandle", json_object_new_string(cfl_string_or_empty(m, "ReceiptHandle")));
		json_object_array_add(to_delete, e);
	}
	pthread_mutex_unlock(&run->lock);
	json_object_put(doc);
	free(res.body);
	delete_messages(aws, run, to_delete);
}

void *cfl_sqs_mapping(void *arg)
{
	struct cfl_sqs_poller *poller = arg;
	struct cfl_run *run = poller->run;
	struct cfl_aws aws;
	if (!cfl_aws_open(&aws, &run->config))
		return NULL;
	while (!run->stop) {
		struct json_object *req = json_object_new_object(), *names = json_object_new_array();
		json_object_array_add(names, json_object_new_string("All"));
		json_object_object_add(req, "QueueUrl", json_object_new_string(run->queue_url));
		json_object_object_add(req, "MaxNumberOfMessages", json_object_new_int((int)run->opt.sqs_batch));
		json_object_object_add(req, "WaitTimeSeconds", json_object_new_int(1));
		json_object_object_add(req, "AttributeNames", names);
		struct json_object *ans = cfl_call(&aws, CF_AWS_SQS, "AmazonSQS.ReceiveMessage", req, NULL, 0), *messages;
		if (ans && json_object_object_get_ex(ans, "Messages", &messages) && json_object_array_length(messages))
			deliver(run, poller->consumer, &aws, messages);
		else if (!ans)
			usleep(200000);
		json_object_put(ans);
	}
	cfl_aws_close(&aws);
	return NULL;
}
