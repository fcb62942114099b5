/* Dry-run answers for SendMessageBatch and UpdateItem. */
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc_internal.h"
#include "buf.h"
#include "dry_run.h"
#include "sha256.h"

struct dry_run {
	FILE *out;
	unsigned long sequence;
};

static const char *header(const struct cf_http_request *req, const char *name)
{
	for (size_t i = 0; i < req->header_count; i++)
		if (!strcasecmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

static void md5_hex(const char *s, size_t n, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_Digest(s, n, md, &len, EVP_md5(), NULL);
	cf_hex_lower(md, len < 16 ? len : 16, out);
}

/* {"Successful":[{"Id","MessageId","MD5OfMessageBody"}...],"Failed":[]} for every entry. */
static void answer_send_batch(struct dry_run *d, struct json_object *req, struct cf_buf *b)
{
	struct json_object *entries;
	cf_buf_puts(b, "{\"Successful\":[");
	if (json_object_object_get_ex(req, "Entries", &entries) && json_object_is_type(entries, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(entries); i++) {
			struct json_object *e = json_object_array_get_idx(entries, i), *id, *body;
			if (!json_object_object_get_ex(e, "Id", &id) || !json_object_object_get_ex(e, "MessageBody", &body))
				continue;
			char md5[33] = "", mid[64];
			md5_hex(json_object_get_string(body), (size_t)json_object_get_string_len(body), md5);
			snprintf(mid, sizeof(mid), "dry-run-%08lu", ++d->sequence);
			cf_buf_puts(b, i ? ",{\"Id\":" : "{\"Id\":");
			cf_buf_json_string(b, json_object_get_string(id), (size_t)json_object_get_string_len(id));
			cf_buf_puts(b, ",\"MessageId\":\"");
			cf_buf_puts(b, mid);
			cf_buf_puts(b, "\",\"MD5OfMessageBody\":\"");
			cf_buf_puts(b, md5);
			cf_buf_puts(b, "\"}");
		}
	}
	cf_buf_puts(b, "],\"Failed\":[]}");
}

/* {"Attributes":{"cartProductStatus":<the value set>}}, as ReturnValues UPDATED_NEW gives. */
static void answer_update(struct json_object *req, struct cf_buf *b)
{
	struct json_object *values, *status;
	cf_buf_puts(b, "{\"Attributes\":{\"cartProductStatus\":");
	if (json_object_object_get_ex(req, "ExpressionAttributeValues", &values) &&
	    json_object_object_get_ex(values, ":cartProductStatus", &status))
		cf_buf_puts(b, json_object_to_json_string_ext(status, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		cf_buf_puts(b, "null");
	cf_buf_puts(b, "}}");
}

static enum cf_status handle(void *user, const struct cf_http_request *req, struct cf_http_response *resp,
			     struct cf_error *err)
{
	struct dry_run *d = user;
	const char *target = header(req, "X-Amz-Target");
	if (!target)
		return cf_error_set(err, CF_ERR_TRANSPORT, "dry run: request without X-Amz-Target");
	bool sqs = !strncmp(target, "AmazonSQS.", 10);
	fprintf(d->out, "{\"service\":\"%s\",\"target\":\"%s\",\"body\":%.*s}\n", sqs ? "sqs" : "dynamodb", target,
		(int)req->body_len, req->body ? req->body : "");
	fflush(d->out);
	/* Request bodies are (ptr, len): the bytes after body_len are not ours to read. */
	struct json_tokener *tok = json_tokener_new();
	struct json_object *body = tok ? json_tokener_parse_ex(tok, req->body ? req->body : "", (int)req->body_len) : NULL;
	json_tokener_free(tok);
	struct cf_buf b = { 0 };
	if (sqs)
		answer_send_batch(d, body, &b);
	else
		answer_update(body, &b);
	json_object_put(body);
	resp->status = 200;
	enum cf_status st = b.failed ? CF_ERR_NOMEM : cf_http_response_set_body(resp, b.data, b.len);
	cf_buf_clean_up(&b);
	return st ? cf_error_set(err, st, "out of memory") : CF_OK;
}

void cf_dry_run_attach(struct cf_fake_transport *fake, FILE *out)
{
	static struct dry_run state;
	state.out = out;
	state.sequence = 0;
	cf_fake_transport_set_handler(fake, handle, &state);
}
