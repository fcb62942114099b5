/*
 * stream_to_messages: read a DynamoDB Streams Lambda event from a file (or "-" for stdin) and print,
 * one per line, the SQS message body libcartflow would send for each forwarded record. Skipped and
 * failed records are described on stderr. Exit 0 when every record was forwarded or skipped, 1 when
 * some record failed, 2 when the event itself could not be read.
 *
 * Build against an installed libcartflow:  cc stream_to_messages.c $(pkg-config --cflags --libs cartflow)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cartflow/forward.h>
#include <cartflow/stream_event.h>

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		char *grown = realloc(buf, cap *= 2);
		if (!grown)
			free(buf);
		buf = grown;
	}
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s EVENT.json|-\n", argv[0]);
		return 2;
	}
	FILE *f = strcmp(argv[1], "-") ? fopen(argv[1], "rb") : stdin;
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	size_t len;
	char *json = read_all(f, &len);
	if (f != stdin)
		fclose(f);
	if (!json) {
		fprintf(stderr, "%s: out of memory\n", argv[1]);
		return 2;
	}

	int rc = 2;
	struct cf_error err;
	struct cf_stream_event *event;
	struct cf_forward_batch *batch;
	if (cf_stream_event_parse(json, len, &event, &err)) {
		fprintf(stderr, "%s: %s: %s\n", argv[1], cf_strerror(err.code), err.message);
		goto out_free_json;
	}
	if (cf_forward_event(event, NULL, &batch, &err)) {
		fprintf(stderr, "%s: %s\n", argv[1], err.message);
		goto out_destroy_event;
	}
	rc = 0;
	for (size_t i = 0; i < batch->outcome_count; i++) {
		const struct cf_record_outcome *o = &batch->outcomes[i];
		if (o->status) {
			fprintf(stderr, "record %zu failed: %s\n", i, o->problem);
			rc = 1;
		} else if (o->decision == CF_FORWARD) {
			printf("%s\n", batch->messages[o->message_index].body);
		} else {
			fprintf(stderr, "record %zu %s\n", i, cf_forward_decision_name(o->decision));
		}
	}
	cf_forward_batch_destroy(batch);
out_destroy_event:
	cf_stream_event_destroy(event);
out_free_json:
	free(json);
	return rc;
}
