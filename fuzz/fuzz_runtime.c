/*
 * Target 6: the Lambda Runtime API client. The input is the /next response in the format of
 * fuzz_common.h; the digits after the status choose the scenario: option % 10 transport failures
 * before the answer, (option / 10) % 10 the attempts allowed (0 = the default 5), option / 100 the
 * status of the later posts (0 = 202). cf_runtime_next runs against the fake transport, then
 * cf_runtime_respond and cf_runtime_fail for the invocation it returned. Checks: the status follows
 * from the answer (retries, non-200, missing or malformed request id), every header lands in its
 * field unchanged, the event is the body byte for byte, post statuses map as documented, the error
 * document is JSON holding the type and message, and an error type with CR or LF is refused.
 */
#include "fuzz_common.h"

#include "cartflow/fake_transport.h"
#include "cartflow/runtime.h"

static const char base[] = "http://127.0.0.1:9001/2018-06-01/runtime";

static void fake_sleep(int64_t ms, void *user)
{
	(void)ms;
	(void)user;
}
static const struct cf_clock fake_clock = { NULL, fake_sleep, NULL, NULL };

static bool id_ok(const char *id)
{
	size_t n = strlen(id);
	return n >= 1 && n <= 100 &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

static void check_field(const char *got, const char *want, const char *name)
{
	FUZZ_CHECK(want ? got && !strcmp(got, want) : !got, "%s: got %s, header %s", name, got ? got : "NULL",
		   want ? want : "absent");
}

static void check_url(const struct cf_http_request *r, const char *method, const char *suffix, const char *id,
		      const char *tail)
{
	char want[512];
	snprintf(want, sizeof(want), "%s%s%s%s", base, suffix, id ? id : "", tail ? tail : "");
	FUZZ_CHECK(r && !strcmp(r->method, method) && !strcmp(r->url, want), "request %s %s, want %s %s",
		   r ? r->method : "-", r ? r->url : "-", method, want);
}

static enum cf_status post_status(long status)
{
	if (status == 413)
		return CF_ERR_TOO_LARGE;
	if (status >= 400 && status < 500)
		return CF_ERR_INVALID_ARG;
	if (status < 200 || status >= 300)
		return CF_ERR_HTTP;
	return CF_OK;
}

static void check_posts(struct cf_runtime *rt, struct cf_fake_transport *fake, const struct cf_invocation *inv,
			long status)
{
	struct cf_error err;
	long answered = status ? status : 202;
	enum cf_status want = post_status(answered);

	cf_fake_transport_reset(fake);
	if (cf_fake_transport_push_body(fake, status ? status : 202, "{\"status\":\"OK\"}") != CF_OK)
		abort();
	enum cf_status st = cf_runtime_respond(rt, inv->request_id, inv->event, inv->event_len, &err);
	FUZZ_CHECK(st == want, "respond: status %d for HTTP %ld, want %d (%s)", st, answered, want, err.message);
	const struct cf_http_request *r = cf_fake_transport_request(fake, 0);
	check_url(r, "POST", "/invocation/", inv->request_id, "/response");
	FUZZ_CHECK(r->body_len == inv->event_len && !memcmp(r->body, inv->event, r->body_len), "posted body");

	/* An error report whose type and message come from the invocation's headers and event. */
	const char *type = inv->trace_id ? inv->trace_id : "Runtime.Unknown";
	const char *message = inv->client_context ? inv->client_context : inv->event;
	cf_fake_transport_reset(fake);
	if (cf_fake_transport_push_body(fake, answered, "") != CF_OK)
		abort();
	st = cf_runtime_fail(rt, inv->request_id, type, message, &err);
	if (strpbrk(type, "\r\n")) {
		FUZZ_CHECK(st == CF_ERR_HEADER && cf_fake_transport_request_count(fake) == 0,
			   "error type with CR or LF: status %d", st);
		return;
	}
	FUZZ_CHECK(st == want, "fail: status %d for HTTP %ld, want %d (%s)", st, answered, want, err.message);
	r = cf_fake_transport_request(fake, 0);
	check_url(r, "POST", "/invocation/", inv->request_id, "/error");
	const char *h = NULL;
	for (size_t i = 0; i < r->header_count; i++)
		if (!strcasecmp(r->headers[i].name, "Lambda-Runtime-Function-Error-Type"))
			h = r->headers[i].value;
	FUZZ_CHECK(h && !strcmp(h, type), "Lambda-Runtime-Function-Error-Type");
	struct json_object *doc = fuzz_jsonc_strict(r->body, r->body_len), *trace;
	FUZZ_CHECK(doc && json_object_is_type(doc, json_type_object), "error document: %s", r->body);
	const char *s;
	size_t len;
	FUZZ_CHECK(fuzz_jsonc_string(doc, "errorType", &s, &len) && len == strlen(type) && !memcmp(s, type, len),
		   "errorType");
	FUZZ_CHECK(fuzz_jsonc_string(doc, "errorMessage", &s, &len) && len == strlen(message) &&
			   !memcmp(s, message, len),
		   "errorMessage");
	FUZZ_CHECK(json_object_object_get_ex(doc, "stackTrace", &trace) && json_object_is_type(trace, json_type_array) &&
			   json_object_array_length(trace) == 0,
		   "stackTrace");
	json_object_put(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_http h;
	fuzz_http_read(&h, data, size);
	unsigned failures = (unsigned)(h.option % 10), attempts = (unsigned)(h.option / 10 % 10);
	long post = (long)(h.option / 100 % 1000);
	unsigned allowed = attempts ? attempts : 5;

	struct cf_fake_transport *fake;
	if (cf_fake_transport_new(&fake) != CF_OK)
		abort();
	for (unsigned i = 1; i <= failures; i++)
		if (cf_fake_transport_fail_call(fake, i, i % 2 ? CF_FAKE_FAIL_TRANSPORT : CF_FAKE_FAIL_TIMEOUT) != CF_OK)
			abort();
	struct cf_fake_response r = { h.status, h.headers, h.header_count, h.body, h.body_len };
	if (cf_fake_transport_push_response(fake, &r) != CF_OK)
		abort();
	struct cf_runtime_options opt = { .api = "127.0.0.1:9001", .transport = cf_fake_transport_as_transport(fake),
					  .clock = &fake_clock, .next_attempts = attempts };
	struct cf_runtime *rt;
	struct cf_error err;
	if (cf_runtime_new(&opt, &rt, &err) != CF_OK)
		abort();

	struct cf_invocation inv;
	memset(&inv, 0x5A, sizeof(inv));
	enum cf_status st = cf_runtime_next(rt, &inv, &err);
	size_t calls = cf_fake_transport_request_count(fake);
	for (size_t i = 0; i < calls; i++)
		check_url(cf_fake_transport_request(fake, i), "GET", "/invocation/next", NULL, NULL);

	long status = h.status ? h.status : 200;
	const char *id = fuzz_http_header(&h, "Lambda-Runtime-Aws-Request-Id");
	enum cf_status want = failures >= allowed ? (allowed % 2 ? CF_ERR_TRANSPORT : CF_ERR_TIMEOUT)
			      : status != 200	  ? CF_ERR_HTTP
			      : !id || !id_ok(id) ? CF_ERR_MISSING
						  : CF_OK;
	FUZZ_CHECK(st == want, "cf_runtime_next: %d, want %d (%s)", st, want, err.message);
	FUZZ_CHECK(calls == (failures >= allowed ? allowed : failures + 1), "%zu calls", calls);
	if (st != CF_OK) {
		FUZZ_CHECK(!inv.request_id && !inv.event && !inv.function_arn, "failure leaves fields set");
		goto out;
	}
	check_field(inv.request_id, id, "request_id");
	check_field(inv.function_arn, fuzz_http_header(&h, "Lambda-Runtime-Invoked-Function-Arn"), "function_arn");
	check_field(inv.trace_id, fuzz_http_header(&h, "Lambda-Runtime-Trace-Id"), "trace_id");
	check_field(inv.client_context, fuzz_http_header(&h, "Lambda-Runtime-Client-Context"), "client_context");
	check_field(inv.cognito_identity, fuzz_http_header(&h, "Lambda-Runtime-Cognito-Identity"), "cognito_identity");
	check_field(inv.tenant_id, fuzz_http_header(&h, "Lambda-Runtime-Aws-Tenant-Id"), "tenant_id");
	FUZZ_CHECK(inv.event && inv.event_len == h.body_len && !memcmp(inv.event, h.body, h.body_len) &&
			   inv.event[inv.event_len] == '\0',
		   "event is not the body");
	const char *deadline = fuzz_http_header(&h, "Lambda-Runtime-Deadline-Ms");
	if (!deadline)
		FUZZ_CHECK(inv.deadline_ms == 0, "deadline without a header");
	else if (*deadline && strspn(deadline, "0123456789") == strlen(deadline) && strlen(deadline) <= 18)
		FUZZ_CHECK(inv.deadline_ms == strtoll(deadline, NULL, 10), "deadline %lld from %s",
			   (long long)inv.deadline_ms, deadline);
	check_posts(rt, fake, &inv, post);
out:
	cf_invocation_clean_up(&inv);
	cf_runtime_destroy(rt);
	cf_fake_transport_destroy(fake);
	fuzz_http_free(&h);
	return 0;
}
