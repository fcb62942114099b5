/*
 * bench_compare: the C bootstraps side by side with the Python/boto3 reference (tools/bench/reference/),
 * each started as Lambda starts it, against the integration tests' Runtime API server
 * (test/integration/runtime_api_server.c) and a fake AWS endpoint in this program, measured in the
 * same run:
 *
 *   cold start   spawn (posix_spawn) -> first GET /next, and -> first POST .../response of a 1-record event
 *                (AWS calls answered by the fake endpoint directly: no network cost)
 *   memory       peak RSS (wait4 ru_maxrss) after 1,000 invocations of the 1-record event
 *   latency      one warm invocation through delay_proxy (tools/bench/delay_proxy.c: DELAY ms added to every AWS
 *                call): stream batches of 1, 10, 25, 50, 100 records (3-item orders), SQS batches of
 *                1, 5, 10 messages (3-item orders); time from the GET /next that hands out the event to
 *                the POST of its result, as the Runtime API server records them
 *
 * Prints Markdown tables (medians, ratios, targets) and writes DIR/latency-stream.dat and
 * DIR/latency-sqs.dat for tools/bench/plot.gp.
 *
 * The fake AWS endpoint answers what both sides send: DynamoDB UpdateItem (JSON 1.0), SQS
 * SendMessageBatch and SendMessage in the JSON protocol (libcartflow, newer botocore) and SendMessage
 * in the query protocol (Debian 12's botocore 1.29: form body in, XML out). The Runtime API server's
 * own AWS answers cannot serve the reference (it knows SendMessageBatch only).
 *
 * The reference's update-cart-status reads a plain-JSON order per message (see
 * tools/bench/reference/README.md); it is fed the same orders in that form.
 *
 * Usage: bench_compare --out-dir DIR [--quick] [--delay-ms 10] [--python PATH] [--reference DIR]
 *                      [--delay-proxy PATH] [--floor PROTOCOL-FLOOR]
 *                      [--c LABEL PROCESS-CART-PRODUCTS UPDATE-CART-STATUS]...
 * The first --c is the build measured everywhere and held to the targets ("as deployed"); further
 * ones get cold start and memory only. Without --c: the bootstraps of this build tree. --floor:
 * tools/bench/protocol_floor.c's program joins the cold-start rounds in both functions' places, and
 * the report gives the first build's cost to /response over it (what the bootstrap's own work adds).
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>

/* The generated events, the env, the statistics and file helpers of bench_bootstrap. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#define main bench_bootstrap_main
#include "bench_bootstrap.c"
#undef main
#pragma GCC diagnostic pop

#define NEXT_PATH "/2018-06-01/runtime/invocation/next"
#define MAX_C 4
#define MAX_SAMPLES 64

/* ---- the fake AWS endpoint ---- */

struct fake_aws {
	struct MHD_Daemon *daemon;
	unsigned short port;
	pthread_mutex_t mu;
	size_t update_item, send_batch, send_batch_entries, send_message, bad;
};

struct body {
	char *data;
	size_t len, cap;
};

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *text, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "x-amzn-RequestId", "BENCH00000000000000000000000000000000000000000000000");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void count(struct fake_aws *f, size_t *field, size_t n)
{
	pthread_mutex_lock(&f->mu);
	*field += n;
	pthread_mutex_unlock(&f->mu);
}

static enum MHD_Result fake_send_batch(struct fake_aws *f, struct MHD_Connection *c, const struct body *b)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root = tok ? json_tokener_parse_ex(tok, b->data ? b->data : "", (int)b->len) : NULL;
	json_tokener_free(tok);
	struct json_object *entries;
	if (!root || !json_object_object_get_ex(root, "Entries", &entries) ||
	    !json_object_is_type(entries, json_type_array)) {
		json_object_put(root);
		count(f, &f->bad, 1);
		return answer(c, 400, "{\"__type\":\"com.amazonaws.sqs#InvalidParameterValue\",\"message\":\"Entries\"}",
			      "application/x-amz-json-1.0");
	}
	struct json_object *out = json_object_new_object(), *ok = json_object_new_array();
	size_t n = json_object_array_length(entries);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object(), *id = NULL;
		json_object_object_get_ex(json_object_array_get_idx(entries, i), "Id", &id);
		json_object_object_add(e, "Id", json_object_new_string(id ? json_object_get_string(id) : ""));
		json_object_object_add(e, "MessageId", json_object_new_string("00000000-0000-4000-8000-000000000000"));
		json_object_object_add(e, "MD5OfMessageBody", json_object_new_string("d41d8cd98f00b204e9800998ecf8427e"));
		json_object_array_add(ok, e);
	}
	json_object_object_add(out, "Successful", ok);
	json_object_object_add(out, "Failed", json_object_new_array());
	enum MHD_Result ret =
		answer(c, 200, json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN), "application/x-amz-json-1.0");
	json_object_put(out);
	json_object_put(root);
	count(f, &f->send_batch, 1);
	count(f, &f->send_batch_entries, n);
	return ret;
}

static enum MHD_Result fake_handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				   const char *version, const char *upload_data, size_t *upload_data_size,
				   void **con_cls)
{
	(void)url;
	(void)version;
	struct fake_aws *f = cls;
	struct body *b = *con_cls;
	if (!b) {
		if (!(b = calloc(1, sizeof(*b))))
			return MHD_NO;
		*con_cls = b;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (b->len + n + 1 > b->cap) {
			size_t cap = b->cap ? b->cap : 4096;
			while (cap < b->len + n + 1)
				cap *= 2;
			char *grown = realloc(b->data, cap);
			if (!grown)
				return MHD_NO;
			b->data = grown;
			b->cap = cap;
		}
		memcpy(b->data + b->len, upload_data, n);
		b->len += n;
		b->data[b->len] = '\0';
		return MHD_YES;
	}
	const char *target = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Target");
	if (strcmp(method, "POST")) {
		count(f, &f->bad, 1);
		return answer(c, 404, "{\"message\":\"not found\"}", "application/json");
	}
	if (target && !strcmp(target, "DynamoDB_20120810.UpdateItem")) {
		count(f, &f->update_item, 1);
		return answer(c, 200, "{\"Attributes\":{\"cartProductStatus\":{\"S\":\"ORDERED\"}}}",
			      "application/x-amz-json-1.0");
	}
	if (target && !strcmp(target, "AmazonSQS.SendMessageBatch"))
		return fake_send_batch(f, c, b);
	if (target && !strcmp(target, "AmazonSQS.SendMessage")) {
		count(f, &f->send_message, 1);
		return answer(c, 200,
			      "{\"MD5OfMessageBody\":\"d41d8cd98f00b204e9800998ecf8427e\","
			      "\"MessageId\":\"00000000-0000-4000-8000-000000000000\"}",
			      "application/x-amz-json-1.0");
	}
	if (!target && b->data && !strncmp(b->data, "Action=SendMessage&", strlen("Action=SendMessage&"))) {
		count(f, &f->send_message, 1);
		return answer(c, 200,
			      "<?xml version=\"1.0\"?><SendMessageResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
			      "<SendMessageResult><MD5OfMessageBody>d41d8cd98f00b204e9800998ecf8427e</MD5OfMessageBody>"
			      "<MessageId>00000000-0000-4000-8000-000000000000</MessageId></SendMessageResult>"
			      "<ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000001</RequestId>"
			      "</ResponseMetadata></SendMessageResponse>",
			      "text/xml");
	}
	count(f, &f->bad, 1);
	return answer(c, 400, "{\"__type\":\"UnknownOperationException\"}", "application/x-amz-json-1.0");
}

static void fake_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct body *b = *con_cls;
	if (b)
		free(b->data);
	free(b);
	*con_cls = NULL;
}

static bool fake_start(struct fake_aws *f)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->mu, NULL);
	struct sockaddr_in addr = { 0 };
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* One polling thread (the handler never waits): no thread created per connection in the measured path. */
	f->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0,
				     NULL, NULL, fake_handle, f, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				     MHD_OPTION_NOTIFY_COMPLETED, fake_completed, f, MHD_OPTION_CONNECTION_TIMEOUT,
				     (unsigned int)120, MHD_OPTION_END);
	if (!f->daemon)
		return false;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(f->daemon, MHD_DAEMON_INFO_BIND_PORT);
	f->port = info ? info->port : 0;
	return f->port != 0;
}

/* Calls answered since the last take, as "N UpdateItem, N SendMessageBatch (N entries), N SendMessage". */
static size_t fake_take(struct fake_aws *f, char *out, size_t cap)
{
	pthread_mutex_lock(&f->mu);
	snprintf(out, cap, "%zu UpdateItem, %zu SendMessageBatch (%zu entries), %zu SendMessage, %zu refused",
		 f->update_item, f->send_batch, f->send_batch_entries, f->send_message, f->bad);
	size_t bad = f->bad;
	f->update_item = f->send_batch = f->send_batch_entries = f->send_message = f->bad = 0;
	pthread_mutex_unlock(&f->mu);
	return bad;
}

/* ---- the delay proxy (tools/bench/delay_proxy.c), on a pipe: it exits when we close it ---- */

struct proxy {
	pid_t pid;
	int stdin_fd;
	unsigned port;
};

static bool proxy_start(struct proxy *p, const char *program, unsigned upstream_port, int delay_ms)
{
	int in[2], out[2];
	if (pipe(in) || pipe(out))
		return false;
	char up[64], delay[16];
	snprintf(up, sizeof(up), "http://127.0.0.1:%u", upstream_port);
	snprintf(delay, sizeof(delay), "%d", delay_ms);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl(program, program, "--upstream", up, "--delay-ms", delay, "--port", "0", "--exit-on-stdin-eof",
		      (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	p->pid = pid;
	p->stdin_fd = in[1];
	FILE *f = fdopen(out[0], "r");
	char line[128] = "";
	bool ok = f && fgets(line, sizeof(line), f) && sscanf(line, "delay-proxy listening %u", &p->port) == 1;
	if (f)
		fclose(f);
	return ok;
}

static void proxy_stop(struct proxy *p)
{
	if (p->pid <= 0)
		return;
	close(p->stdin_fd);
	kill(p->pid, SIGTERM);
	rapi_wait_exit(p->pid, 10000, NULL, NULL);
	p->pid = 0;
}

/* ---- subjects ---- */

enum function { PCP, UCS };
static const char *const function_names[] = { "process-cart-products", "update-cart-status" };

struct subject {
	const char *label; /* "C (static, dist zip)", "Python reference" */
	bool reference;
	enum function fn;
	char *argv[4];
};

struct events {
	char *data[2][8]; /* [fn][size index] */
	size_t len[2][8];
};

static const int stream_sizes[] = { 1, 10, 25, 50, 100 };
static const int sqs_sizes[] = { 1, 5, 10 };
#define N_STREAM (sizeof(stream_sizes) / sizeof(stream_sizes[0]))
#define N_SQS (sizeof(sqs_sizes) / sizeof(sqs_sizes[0]))

/* `messages` SQS messages whose bodies are the same orders as write_sqs_event's, in plain JSON. */
static bool write_sqs_event_plain(const char *path, int messages)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	fputs("{\"Records\":[", f);
	for (int i = 0; i < messages; i++) {
		fprintf(f, "%s{\"messageId\":\"00000000-0000-4000-8000-%012d\",\"receiptHandle\":\"AQEB%d\",\"body\":\"",
			i ? "," : "", i, i);
		fprintf(f,
			"{\\\"PK\\\":\\\"USER#u-%d\\\",\\\"SK\\\":\\\"ORDER#o-%d\\\",\\\"GSI1PK\\\":\\\"ORDER#o-%d\\\","
			"\\\"GSI1SK\\\":\\\"USER#u-%d\\\",\\\"order_id\\\":\\\"o-%d\\\",\\\"user_id\\\":\\\"u-%d\\\","
			"\\\"order_status\\\":\\\"ORDERED\\\",\\\"order_date\\\":\\\"2026-11-24T06:00:00Z\\\","
			"\\\"order_total\\\":7160,\\\"order_items\\\":[",
			i, i, i, i, i, i);
		for (int k = 0; k < 3; k++)
			fprintf(f,
				"%s{\\\"productId\\\":\\\"p-%d-%d\\\",\\\"userId\\\":\\\"u-%d\\\",\\\"quantity\\\":2,"
				"\\\"addedOn\\\":\\\"2026-11-23T10:00:00Z\\\",\\\"cartProductStatus\\\":\\\"PENDING\\\"}",
				k ? "," : "", i, k, i);
		fputs("]}\",\"attributes\":{\"ApproximateReceiveCount\":\"1\"},\"messageAttributes\":{},"
		      "\"eventSource\":\"aws:sqs\",\"eventSourceARN\":\"arn:aws:sqs:us-east-1:123456789012:update-cart-product\","
		      "\"awsRegion\":\"us-east-1\"}",
		      f);
	}
	fputs("]}\n", f);
	return fclose(f) == 0;
}

/* Events for one side: [PCP][i] stream batches, [UCS][i] SQS batches (typed or plain bodies). */
static bool make_events(const char *dir, bool plain, struct events *ev)
{
	char path[256];
	for (size_t i = 0; i < N_STREAM; i++) {
		snprintf(path, sizeof(path), "%s/stream-%d.json", dir, stream_sizes[i]);
		if (!write_stream_event(path, stream_sizes[i]) || !(ev->data[PCP][i] = read_file(path, &ev->len[PCP][i])))
			return false;
		unlink(path);
	}
	for (size_t i = 0; i < N_SQS; i++) {
		snprintf(path, sizeof(path), "%s/sqs-%d.json", dir, sqs_sizes[i]);
		if (!(plain ? write_sqs_event_plain(path, sqs_sizes[i]) : write_sqs_event(path, sqs_sizes[i])) ||
		    !(ev->data[UCS][i] = read_file(path, &ev->len[UCS][i])))
			return false;
		unlink(path);
	}
	return true;
}

static pid_t subject_spawn(const struct subject *s, const struct rapi_server *srv, unsigned aws_port)
{
	struct env e;
	env_init(&e, srv);
	snprintf(e.endpoint, sizeof(e.endpoint), "AWS_ENDPOINT_URL=http://127.0.0.1:%u", aws_port);
	size_t n = 0;
	while (e.vars[n])
		n++;
	e.vars[n++] = "AWS_DEFAULT_REGION=us-east-1"; /* Lambda sets both; botocore 1.29 reads only this one */
	e.vars[n++] = "AWS_EC2_METADATA_DISABLED=true";
	e.vars[n++] = "PYTHONDONTWRITEBYTECODE=1"; /* as on Lambda, where /var/task is read-only */
	e.vars[n] = NULL;
	return rapi_spawn(s->argv, e.vars, getenv("BENCH_VERBOSE") == NULL);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

/* Cold start: exec -> first /next and -> first /response of the 1-record event. */
static bool cold_run(struct rapi_server *srv, const struct subject *s, const struct events *ev, unsigned aws_port,
		     double *to_next, double *to_response, double *cpu_ms, double *faults)
{
	rapi_server_reset(srv);
	rapi_server_set_recording(srv, true);
	if (!rapi_server_autoserve(srv, ev->data[s->fn][0], ev->len[s->fn][0], 1))
		return false;
	rapi_server_set_exhausted_status(srv, 500);
	int64_t t0 = rapi_now_ns();
	pid_t pid = subject_spawn(s, srv, aws_port);
	if (pid < 0)
		return false;
	struct rapi_request r;
	bool ok = rapi_server_wait(srv, "POST", NULL, 60000, &r);
	if (ok && !rapi_server_first_next_ns(srv)) {
		fprintf(stderr, "%s %s: cold start: %s: %.*s\n", s->label, function_names[s->fn], r.path,
			(int)(r.body_len > 600 ? 600 : r.body_len), r.body);
		rapi_request_clean_up(&r);
		ok = false;
	} else if (ok) {
		*to_next = (double)(rapi_server_first_next_ns(srv) - t0) / 1e6;
		*to_response = (double)(r.at_ns - t0) / 1e6;
		if (!ends_with(r.path, "/response") || (r.body && strstr(r.body, "itemIdentifier"))) {
			fprintf(stderr, "%s %s: cold start: %s: %.*s\n", s->label, function_names[s->fn], r.path,
				(int)(r.body_len > 300 ? 300 : r.body_len), r.body);
			ok = false;
		}
		rapi_request_clean_up(&r);
	} else {
		fprintf(stderr, "%s %s: cold start: no result within 60 s\n", s->label, function_names[s->fn]);
	}
	int status = 0;
	struct rusage ru;
	if (!rapi_wait_exit(pid, 30000, &status, &ru))
		ok = false;
	*cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		  (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	*faults = (double)(ru.ru_minflt + ru.ru_majflt);
	return ok;
}

/*
 * Instructions (callgrind) of a whole cold process: start, one invocation of the 1-record event, /next
 * answering 500, exit. Deterministic where wall time is not. Negative on failure.
 */
static double callgrind_run(struct rapi_server *srv, const struct subject *s, const struct events *ev,
			    unsigned aws_port, const char *valgrind, const char *out_dir)
{
	char out[1024], opt[1100];
	snprintf(out, sizeof(out), "%s/callgrind.%s.%s.out", out_dir, s->reference ? "reference" : "c",
		 function_names[s->fn]);
	snprintf(opt, sizeof(opt), "--callgrind-out-file=%s", out);
	char *argv[8] = { (char *)valgrind, "--tool=callgrind", opt };
	for (size_t i = 0; i < 4 && s->argv[i]; i++)
		argv[3 + i] = s->argv[i];
	rapi_server_reset(srv);
	rapi_server_set_recording(srv, false);
	if (!rapi_server_autoserve(srv, ev->data[s->fn][0], ev->len[s->fn][0], 1))
		return -1;
	rapi_server_set_exhausted_status(srv, 500);
	struct env e;
	env_init(&e, srv);
	snprintf(e.endpoint, sizeof(e.endpoint), "AWS_ENDPOINT_URL=http://127.0.0.1:%u", aws_port);
	size_t n = 0;
	while (e.vars[n])
		n++;
	e.vars[n++] = "AWS_DEFAULT_REGION=us-east-1";
	e.vars[n++] = "AWS_EC2_METADATA_DISABLED=true";
	e.vars[n++] = "PYTHONDONTWRITEBYTECODE=1";
	e.vars[n] = NULL;
	pid_t pid = rapi_spawn(argv, e.vars, true);
	int status = 0;
	if (pid < 0 || !rapi_wait_exit(pid, 300000, &status, NULL) || rapi_server_results(srv) != 1) {
		fprintf(stderr, "%s %s: callgrind run failed (status 0x%x)\n", s->label, function_names[s->fn], status);
		return -1;
	}
	FILE *f = fopen(out, "r");
	char line[256];
	double total = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "totals:", 7))
			total = strtod(line + 7, NULL);
	if (f)
		fclose(f);
	unlink(out);
	return total;
}

/* Memory: `invocations` of the 1-record event; peak RSS in MiB and the wall time of the invocations. */
static bool memory_run(struct rapi_server *srv, const struct subject *s, const struct events *ev, unsigned aws_port,
		       size_t invocations, double *rss_mib, double *serve_ms)
{
	rapi_server_reset(srv);
	rapi_server_set_recording(srv, false);
	if (!rapi_server_autoserve(srv, ev->data[s->fn][0], ev->len[s->fn][0], invocations))
		return false;
	rapi_server_set_exhausted_status(srv, 500);
	pid_t pid = subject_spawn(s, srv, aws_port);
	if (pid < 0 || !rapi_server_wait_first_next(srv, 60000))
		return false;
	int64_t first = rapi_server_first_next_ns(srv);
	int status = 0;
	struct rusage ru;
	if (!rapi_wait_exit(pid, 300000, &status, &ru)) {
		fprintf(stderr, "%s %s: memory run: still running after 300 s (killed)\n", s->label, function_names[s->fn]);
		return false;
	}
	*serve_ms = (double)(rapi_now_ns() - first) / 1e6;
	*rss_mib = (double)ru.ru_maxrss / 1024.0;
	size_t results = rapi_server_results(srv);
	if (results != invocations) {
		fprintf(stderr, "%s %s: %zu results, want %zu (status 0x%x)\n", s->label, function_names[s->fn], results,
			invocations, status);
		return false;
	}
	return true;
}

/*
 * Latency: one process; a warm-up invocation, then `reps` rounds of every batch size; ms[size][rep] gets
 * the time from the /next that handed the event out to the POST of its result.
 */
static bool latency_run(struct rapi_server *srv, const struct subject *s, const struct events *ev, unsigned aws_port,
			int reps, double ms[8][MAX_SAMPLES])
{
	size_t sizes = s->fn == PCP ? N_STREAM : N_SQS;
	rapi_server_reset(srv);
	rapi_server_set_recording(srv, true);
	bool ok = rapi_server_queue(srv, "warm-up", ev->data[s->fn][0], ev->len[s->fn][0], NULL, 0);
	for (int r = 0; r < reps && ok; r++)
		for (size_t i = 0; i < sizes && ok; i++) {
			char id[32];
			snprintf(id, sizeof(id), "size%zu-rep%d", i, r);
			ok = rapi_server_queue(srv, id, ev->data[s->fn][i], ev->len[s->fn][i], NULL, 0);
		}
	rapi_server_set_exhausted_status(srv, 500);
	if (!ok)
		return false;
	pid_t pid = subject_spawn(s, srv, aws_port);
	if (pid < 0)
		return false;
	int status = 0;
	if (!rapi_wait_exit(pid, 300000, &status, NULL)) {
		fprintf(stderr, "%s %s: latency run: still running after 300 s (killed)\n", s->label, function_names[s->fn]);
		return false;
	}
	for (int k = -1; k < reps * (int)sizes && ok; k++) {
		struct rapi_request next, result;
		if (!rapi_server_wait(srv, "GET", NEXT_PATH, 0, &next))
			return false;
		ok = rapi_server_wait(srv, "POST", NULL, 0, &result);
		if (ok && (!ends_with(result.path, "/response") || (result.body && strstr(result.body, "itemIdentifier")))) {
			fprintf(stderr, "%s %s: latency: %s: %.*s\n", s->label, function_names[s->fn], result.path,
				(int)(result.body_len > 300 ? 300 : result.body_len), result.body);
			ok = false;
		}
		if (ok && k >= 0)
			ms[k % sizes][k / sizes] = (double)(result.at_ns - next.at_ns) / 1e6;
		rapi_request_clean_up(&next);
		rapi_request_clean_up(&result);
	}
	if (!ok)
		fprintf(stderr, "%s %s: latency: missing results (exit status 0x%x)\n", s->label, function_names[s->fn],
			status);
	return ok;
}

/* spawn/exec/exit of `argv` (stdout/stderr to /dev/null), ms; negative on failure. */
static double exec_ms(char *const argv[])
{
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	int64_t t0 = rapi_now_ns();
	pid_t pid = rapi_spawn(argv, envp, true);
	int status = 0;
	if (pid < 0 || !rapi_wait_exit(pid, 10000, &status, NULL))
		return -1;
	return (double)(rapi_now_ns() - t0) / 1e6;
}

/* `order` = 0 .. n-1 in a pseudo-random order; `seed` (a fixed start: runs are repeatable) advances. */
static void shuffle(size_t *order, size_t n, uint32_t *seed)
{
	for (size_t j = 0; j < n; j++)
		order[j] = j;
	for (size_t j = n; j > 1; j--) {
		*seed = *seed * 1664525u + 1013904223u; /* LCG, Numerical Recipes */
		size_t r = (*seed >> 16) % j, t = order[j - 1];
		order[j - 1] = order[r];
		order[r] = t;
	}
}

static double median_of(const double *v, int n)
{
	double copy[MAX_SAMPLES];
	memcpy(copy, v, (size_t)n * sizeof(*v));
	return stats_of(copy, (size_t)n).median;
}

static const char *met(bool ok) { return ok ? "**met**" : "**missed**"; }

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s --out-dir DIR [--quick] [--delay-ms N] [--python PATH] [--reference DIR]\n"
		"          [--delay-proxy PATH] [--callgrind VALGRIND] [--floor PROTOCOL-FLOOR]\n"
		"          [--c LABEL PROCESS-CART-PRODUCTS UPDATE-CART-STATUS]...\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *out_dir = NULL, *python = "/usr/bin/python3", *reference = BENCH_SOURCE_DIR "/reference",
		   *proxy_program = BENCH_DELAY_PROXY, *valgrind = NULL, *floor_program = NULL;
	const char *c_label[MAX_C], *c_pcp[MAX_C], *c_ucs[MAX_C];
	int c_count = 0, delay_ms = 10;
	bool quick = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--c") && i + 3 < argc && c_count < MAX_C) {
			c_label[c_count] = argv[++i];
			c_pcp[c_count] = argv[++i];
			c_ucs[c_count++] = argv[++i];
		} else if (i + 1 < argc && !strcmp(argv[i], "--out-dir"))
			out_dir = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--delay-ms"))
			delay_ms = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "--python"))
			python = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--reference"))
			reference = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--callgrind"))
			valgrind = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--delay-proxy"))
			proxy_program = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--floor"))
			floor_program = argv[++i];
		else
			usage(argv[0]);
	}
	if (!out_dir)
		usage(argv[0]);
	if (!c_count) {
		c_label[0] = "C (this build tree)";
		c_pcp[0] = BENCH_PROCESS_CART_PRODUCTS;
		c_ucs[0] = BENCH_UPDATE_CART_STATUS;
		c_count = 1;
	}
	/* Runs per measurement: the C processes cost milliseconds, the reference's up to seconds. */
	const int cold_c = quick ? 7 : 21, cold_ref = quick ? 3 : 7, mem_c = quick ? 3 : 5, mem_ref = quick ? 1 : 3,
		  lat_c = quick ? 5 : 11, lat_ref_stream = quick ? 1 : 3, lat_ref_sqs = quick ? 3 : 5;
	const size_t invocations = quick ? 200 : INVOCATIONS;

	char runtime_py[1024];
	snprintf(runtime_py, sizeof(runtime_py), "%s/runtime.py", reference);
	struct subject subjects[2 * (MAX_C + 2)];
	size_t n_subjects = 0;
	for (int k = 0; k < c_count; k++)
		for (int fn = PCP; fn <= UCS; fn++)
			subjects[n_subjects++] = (struct subject){ c_label[k], false, fn,
								   { (char *)(fn == PCP ? c_pcp[k] : c_ucs[k]), NULL } };
	size_t ref0 = n_subjects;
	subjects[n_subjects++] = (struct subject){ "Python reference", true, PCP,
						   { (char *)python, runtime_py, "process_cart_products", NULL } };
	subjects[n_subjects++] = (struct subject){ "Python reference", true, UCS,
						   { (char *)python, runtime_py, "update_cart_status", NULL } };
	/* The protocol floor, cold start only: after the reference, so every other index stays as it was. */
	const size_t floor0 = n_subjects;
	for (int fn = PCP; fn <= UCS && floor_program; fn++)
		subjects[n_subjects++] = (struct subject){ "protocol floor", false, fn, { (char *)floor_program, NULL } };

	char dir[] = "/tmp/bench_compare.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	struct events ev_c = { 0 }, ev_ref = { 0 };
	if (!make_events(dir, false, &ev_c) || !make_events(dir, true, &ev_ref)) {
		fprintf(stderr, "cannot write the generated events in %s\n", dir);
		return 1;
	}
	rmdir(dir);

	struct rapi_server *srv = rapi_server_start();
	struct fake_aws aws;
	struct proxy proxy = { 0 };
	if (!srv || !fake_start(&aws)) {
		fprintf(stderr, "cannot start the local servers\n");
		return 1;
	}
	if (!proxy_start(&proxy, proxy_program, aws.port, delay_ms)) {
		fprintf(stderr, "cannot start %s\n", proxy_program);
		proxy_stop(&proxy);
		return 1;
	}
	int rc = 0;
	char calls[256];

	/* The floor: spawn/exec/exit of /bin/true, and of each C bootstrap printing its usage (exit 2). */
	double floor_true, floor_true_min, floor_usage[MAX_C];
	{
		double v[MAX_SAMPLES];
		char *true_argv[] = { "/bin/true", NULL };
		for (int i = 0; i < cold_c && !rc; i++)
			if ((v[i] = exec_ms(true_argv)) < 0)
				rc = 1;
		floor_true = rc ? 0 : median_of(v, cold_c);
		floor_true_min = rc ? 0 : stats_of(v, (size_t)cold_c).min;
		for (int k = 0; k < c_count && !rc; k++) {
			const struct bootstrap b = { .name = function_names[PCP], .path = c_pcp[k] };
			if (timed_exec(&b, true) < 0)
				rc = 1;
			for (int i = 0; i < cold_c && !rc; i++)
				if ((v[i] = timed_exec(&b, true)) < 0)
					rc = 1;
			floor_usage[k] = rc ? 0 : median_of(v, cold_c);
		}
	}

	/*
	 * Cold start, every subject, interleaved: each round runs every subject once in a shuffled order,
	 * the reference (fewer runs) every (C runs / reference runs)th round, so all meet the same machine
	 * load and none always runs right after the same one (a 50 MiB Python process, say). One
	 * unmeasured round first: page cache, Python's imports.
	 */
	double cold_next[2 * (MAX_C + 2)], cold_resp[2 * (MAX_C + 2)], rss[2 * (MAX_C + 2)], serve[2 * (MAX_C + 2)];
	double cold_next_min[2 * (MAX_C + 2)], cold_resp_min[2 * (MAX_C + 2)], cold_cpu[2 * (MAX_C + 2)],
		cold_faults[2 * (MAX_C + 2)];
	static double next[2 * (MAX_C + 2)][MAX_SAMPLES], resp[2 * (MAX_C + 2)][MAX_SAMPLES],
		cpu[2 * (MAX_C + 2)][MAX_SAMPLES], faults[2 * (MAX_C + 2)][MAX_SAMPLES];
	static char cold_calls[2 * (MAX_C + 2)][256];
	int done[2 * (MAX_C + 2)] = { 0 };
	const int ref_stride = cold_ref < cold_c ? cold_c / cold_ref : 1;
	size_t order[2 * (MAX_C + 2)];
	uint32_t seed = 12345;
	for (int i = -1; i < cold_c && !rc; i++) {
		shuffle(order, n_subjects, &seed);
		for (size_t step = 0; step < n_subjects && !rc; step++) {
			size_t k = order[step];
			const struct subject *s = &subjects[k];
			bool warm_up = i < 0;
			if (s->reference && !warm_up && (i % ref_stride != 0 || done[k] == cold_ref))
				continue;
			double v[4] = { 0 };
			if (!cold_run(srv, s, s->reference ? &ev_ref : &ev_c, aws.port, &v[0], &v[1], &v[2], &v[3])) {
				rc = 1;
				break;
			}
			fake_take(&aws, cold_calls[k], sizeof(cold_calls[k])); /* what the last run called */
			if (warm_up)
				continue;
			int j = done[k]++;
			next[k][j] = v[0], resp[k][j] = v[1], cpu[k][j] = v[2], faults[k][j] = v[3];
		}
	}
	for (size_t k = 0; k < n_subjects && !rc; k++) {
		const struct subject *s = &subjects[k];
		int runs = s->reference ? cold_ref : cold_c;
		cold_next[k] = median_of(next[k], runs);
		cold_resp[k] = median_of(resp[k], runs);
		cold_cpu[k] = median_of(cpu[k], runs);
		cold_faults[k] = median_of(faults[k], runs);
		cold_next_min[k] = stats_of(next[k], (size_t)runs).min;
		cold_resp_min[k] = stats_of(resp[k], (size_t)runs).min;
		fprintf(stderr, "  cold start %-24s %-22s /next %8.2f ms, /response %8.2f ms, CPU %7.2f ms (%d runs; last: %s)\n",
			s->label, function_names[s->fn], cold_next[k], cold_resp[k], cold_cpu[k], runs, cold_calls[k]);
	}

	/* Memory, every subject but the floor. */
	for (size_t k = 0; k < floor0 && !rc; k++) {
		const struct subject *s = &subjects[k];
		const struct events *ev = s->reference ? &ev_ref : &ev_c;
		int runs = s->reference ? mem_ref : mem_c;
		double r[MAX_SAMPLES], t[MAX_SAMPLES];
		for (int i = 0; i < runs && !rc; i++)
			if (!memory_run(srv, s, ev, aws.port, invocations, &r[i], &t[i]))
				rc = 1;
		if (rc)
			break;
		rss[k] = median_of(r, runs);
		serve[k] = median_of(t, runs);
		if (fake_take(&aws, calls, sizeof(calls)))
			rc = 1;
		fprintf(stderr, "  memory     %-24s %-22s %.1f MiB, %zu invocations in %.0f ms (%d runs; %s)\n", s->label,
			function_names[s->fn], rss[k], invocations, serve[k], runs, calls);
	}

	/* Instructions of a cold process (with --callgrind): the first C build and the reference. */
	double instr[4] = { 0 };
	const size_t instr_subject[4] = { 0, 1, ref0, ref0 + 1 };
	for (int j = 0; j < 4 && valgrind && !rc; j++) {
		const struct subject *s = &subjects[instr_subject[j]];
		if ((instr[j] = callgrind_run(srv, s, s->reference ? &ev_ref : &ev_c, aws.port, valgrind, out_dir)) < 0)
			rc = 1;
		fake_take(&aws, calls, sizeof(calls));
		fprintf(stderr, "  callgrind  %-24s %-22s %.0f instructions (start, 1 invocation, exit; %s)\n", s->label,
			function_names[s->fn], instr[j], calls);
	}

	/* Latency through the delay proxy: the first C build and the reference. */
	static double lat[4][8][MAX_SAMPLES];
	double lat_med[4][8];
	int lat_reps[4];
	const size_t lat_subject[4] = { 0, 1, ref0, ref0 + 1 };
	for (int j = 0; j < 4 && !rc; j++) {
		const struct subject *s = &subjects[lat_subject[j]];
		lat_reps[j] = !s->reference ? lat_c : s->fn == PCP ? lat_ref_stream : lat_ref_sqs;
		if (!latency_run(srv, s, s->reference ? &ev_ref : &ev_c, proxy.port, lat_reps[j], lat[j])) {
			rc = 1;
			break;
		}
		if (fake_take(&aws, calls, sizeof(calls)))
			rc = 1;
		size_t sizes = s->fn == PCP ? N_STREAM : N_SQS;
		for (size_t i = 0; i < sizes; i++)
			lat_med[j][i] = median_of(lat[j][i], lat_reps[j]);
		fprintf(stderr, "  latency    %-24s %-22s largest batch %.1f ms (%d reps; %s)\n", s->label,
			function_names[s->fn], lat_med[j][sizes - 1], lat_reps[j], calls);
	}
	proxy_stop(&proxy);
	rapi_server_stop(srv);
	MHD_stop_daemon(aws.daemon);
	if (rc)
		return rc;

	/* ---- report ---- */
	bool primary_static = strstr(c_label[0], "static") != NULL;
	printf("### Cold start\n\n"
	       "spawn (posix_spawn, no copy of the harness process) of the bootstrap to its first `GET /next`, and to the `POST …/response` of its first\n"
	       "invocation (a 1-record event: one 3-item order); the AWS calls go straight to the fake endpoint.\n"
	       "CPU = user + system time of the whole process (start, 1 invocation, exit; `wait4`), faults = its\n"
	       "page faults (minor + major): what the start costs, less dependent on what else the machine is\n"
	       "doing (faults not at all). Median (and min) of %d runs (C) and %d runs (reference), interleaved\n"
	       "(rounds of every subject in a shuffled order, the reference every few rounds, so all meet the\n"
	       "same machine load and none always follows the same one), after one unmeasured round.\n\n",
	       cold_c, cold_ref);
	printf("| function | build | exec → first /next (min) | exec → first /response (min) | CPU | faults | reference /next | reference /response | reference CPU | reference faults | ratio /next | ratio /response | ratio CPU |\n"
	       "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t k = 0; k < ref0; k++) {
		size_t r = ref0 + subjects[k].fn;
		printf("| %s | %s | %.2f ms (%.2f) | %.2f ms (%.2f) | %.2f ms | %.0f | %.0f ms | %.0f ms | %.0f ms | %.0f | %.0f× | %.0f× | %.0f× |\n",
		       function_names[subjects[k].fn], subjects[k].label, cold_next[k], cold_next_min[k], cold_resp[k],
		       cold_resp_min[k], cold_cpu[k], cold_faults[k], cold_next[r], cold_resp[r], cold_cpu[r], cold_faults[r],
		       cold_next[r] / cold_next[k],
		       cold_resp[r] / cold_resp[k], cold_cpu[r] / cold_cpu[k]);
	}
	if (floor_program) {
		printf("\nThe protocol floor in the same rounds (tools/bench/protocol_floor.c, static: `GET /next` and a fixed\n"
		       "`/response` over one connection, no TLS, no AWS call; the least any bootstrap does), and what the\n"
		       "work of %s adds to it:\n\n"
		       "| function | floor: exec → first /next (min) | floor: exec → first /response (min) | floor: ratio /response | %s over the floor, /response |\n"
		       "|---|---:|---:|---:|---:|\n",
		       c_label[0], c_label[0]);
		for (int fn = PCP; fn <= UCS; fn++) {
			size_t f = floor0 + (size_t)fn, r = ref0 + (size_t)fn;
			printf("| %s | %.2f ms (%.2f) | %.2f ms (%.2f) | %.0f× | %+.2f ms |\n", function_names[fn], cold_next[f],
			       cold_next_min[f], cold_resp[f], cold_resp_min[f], cold_resp[r] / cold_resp[f],
			       cold_resp[fn] - cold_resp[f]);
		}
	}
	printf("\nThe floor on this machine in the same run: spawn/exec/exit of `/bin/true` %.2f ms (min %.2f)", floor_true,
	       floor_true_min);
	for (int k = 0; k < c_count; k++)
		printf("; of the %s process-cart-products with `--no-such-option` (exec, loading, usage message, exit) %.2f ms",
		       c_label[k], floor_usage[k]);
	printf(".\n\nTargets (%s): ≤ 5 ms to /next%s; ≥ 100× faster than the reference.\n\n", c_label[0],
	       primary_static ? "" : " (set for the static build; this is not one)");
	printf("| function | ≤ 5 ms to /next (median) | ≥ 100× (/next) | ≥ 100× (/response) | ≥ 100× (CPU) |\n|---|---|---|---|---|\n");
	for (int fn = PCP; fn <= UCS; fn++) {
		size_t r = ref0 + (size_t)fn;
		printf("| %s | %s (%.2f ms) | %s (%.0f×) | %s (%.0f×) | %s (%.0f×) |\n", function_names[fn],
		       met(cold_next[fn] <= 5.0), cold_next[fn], met(cold_next[r] / cold_next[fn] >= 100),
		       cold_next[r] / cold_next[fn], met(cold_resp[r] / cold_resp[fn] >= 100), cold_resp[r] / cold_resp[fn],
		       met(cold_cpu[r] / cold_cpu[fn] >= 100), cold_cpu[r] / cold_cpu[fn]);
	}
	if (valgrind) {
		printf("\nInstructions executed by the whole cold process (start, the 1-record invocation, `/next` answering\n"
		       "500, exit), counted by callgrind, one run each (the count hardly varies):\n\n"
		       "| function | C (%s) | reference | ratio | ≥ 100× |\n|---|---:|---:|---:|---|\n",
		       c_label[0]);
		for (int fn = PCP; fn <= UCS; fn++)
			printf("| %s | %.1f M | %.1f M | %.0f× | %s |\n", function_names[fn], instr[fn] / 1e6, instr[2 + fn] / 1e6,
			       instr[2 + fn] / instr[fn], met(instr[2 + fn] / instr[fn] >= 100));
	}

	printf("\n### Memory\n\n"
	       "Peak RSS (`wait4` ru_maxrss) of the process after %zu invocations of the 1-record event (AWS calls\n"
	       "to the fake endpoint, no delay), and the wall time of those invocations. Median of %d runs (C),\n"
	       "%d (reference). Target ≤ 8 MiB.\n\n",
	       invocations, mem_c, mem_ref);
	printf("| function | build | peak RSS | %zu invocations | reference RSS | reference time | RSS ratio | time ratio | ≤ 8 MiB |\n"
	       "|---|---|---:|---:|---:|---:|---:|---:|---|\n",
	       invocations);
	for (size_t k = 0; k < ref0; k++) {
		size_t r = ref0 + subjects[k].fn;
		printf("| %s | %s | %.1f MiB | %.0f ms | %.1f MiB | %.0f ms | %.1f× | %.0f× | %s |\n",
		       function_names[subjects[k].fn], subjects[k].label, rss[k], serve[k], rss[r], serve[r], rss[r] / rss[k],
		       serve[r] / serve[k], met(rss[k] <= 8.0));
	}

	printf("\n### Round trips under latency\n\n"
	       "One warm invocation, `GET /next` handing out the event → `POST …/response`, with %d ms added to\n"
	       "every AWS call by tools/bench/delay_proxy.c in front of the fake endpoint. %s. Median of %d\n"
	       "invocations (C) and %d / %d (reference, stream / SQS), after one warm-up invocation.\n"
	       "Each order has 3 items: a stream record is 1 SQS message for C (packed 10 per SendMessageBatch)\n"
	       "and 3 `send_message` calls for the reference; an SQS message is 3 UpdateItem calls for both.\n\n",
	       delay_ms, c_label[0], lat_c, lat_ref_stream, lat_ref_sqs);
	printf("| function | batch | C | reference | ratio |\n|---|---|---:|---:|---:|\n");
	for (size_t i = 0; i < N_STREAM; i++)
		printf("| process-cart-products | %d records | %.1f ms | %.0f ms | %.0f× |\n", stream_sizes[i], lat_med[0][i],
		       lat_med[2][i], lat_med[2][i] / lat_med[0][i]);
	for (size_t i = 0; i < N_SQS; i++)
		printf("| update-cart-status | %d messages × 3 items | %.1f ms | %.0f ms | %.0f× |\n", sqs_sizes[i],
		       lat_med[1][i], lat_med[3][i], lat_med[3][i] / lat_med[1][i]);
	printf("\n| target | C | met |\n|---|---:|---|\n");
	printf("| 100-record stream batch ≤ 35 ms | %.1f ms | %s |\n", lat_med[0][N_STREAM - 1],
	       met(lat_med[0][N_STREAM - 1] <= 35));
	printf("| 10-message SQS batch of 3-item orders ≤ 25 ms | %.1f ms | %s |\n", lat_med[1][N_SQS - 1],
	       met(lat_med[1][N_SQS - 1] <= 25));

	/* The summary rows for run-all.sh: measurement, C, reference, ratio, target, verdict (tab-separated). */
	char path[1024];
	snprintf(path, sizeof(path), "%s/compare.tsv", out_dir);
	FILE *t = fopen(path, "w");
	if (!t) {
		fprintf(stderr, "cannot write %s\n", path);
		return 1;
	}
	for (int fn = PCP; fn <= UCS; fn++) {
		size_t r = ref0 + (size_t)fn;
		double ratio = cold_next[r] / cold_next[fn];
		fprintf(t, "Cold start, %s: exec → first /next\t%.2f ms (exec floor %.2f)\t%.0f ms\t%.0f×\t≤ 5 ms%s; ≥ 100×\t%s; %s\n",
			function_names[fn], cold_next[fn], floor_true, cold_next[r], ratio,
			primary_static ? "" : " (static build)", met(cold_next[fn] <= 5.0), met(ratio >= 100));
	}
	for (int fn = PCP; fn <= UCS; fn++) {
		size_t r = ref0 + (size_t)fn;
		double ratio = cold_resp[r] / cold_resp[fn];
		char floor_note[64] = "";
		if (floor_program)
			snprintf(floor_note, sizeof(floor_note), " (protocol floor %.2f)", cold_resp[floor0 + (size_t)fn]);
		fprintf(t, "Cold start, %s: exec → first /response (1 record)\t%.2f ms%s\t%.0f ms\t%.0f×\t≥ 100×\t%s\n",
			function_names[fn], cold_resp[fn], floor_note, cold_resp[r], ratio, met(ratio >= 100));
	}
	for (int fn = PCP; fn <= UCS; fn++) {
		size_t r = ref0 + (size_t)fn;
		double ratio = cold_cpu[r] / cold_cpu[fn];
		fprintf(t, "Cold start, %s: CPU time, start + 1 invocation + exit\t%.2f ms\t%.0f ms\t%.0f×\t≥ 100×\t%s\n",
			function_names[fn], cold_cpu[fn], cold_cpu[r], ratio, met(ratio >= 100));
	}
	for (int fn = PCP; fn <= UCS && valgrind; fn++) {
		double ratio = instr[2 + fn] / instr[fn];
		fprintf(t, "Cold start, %s: instructions, start + 1 invocation + exit (callgrind)\t%.1f M\t%.0f M\t%.0f×\t≥ 100×\t%s\n",
			function_names[fn], instr[fn] / 1e6, instr[2 + fn] / 1e6, ratio, met(ratio >= 100));
	}
	for (int fn = PCP; fn <= UCS; fn++) {
		size_t r = ref0 + (size_t)fn;
		fprintf(t, "Peak RSS, %s, %zu invocations\t%.1f MiB\t%.1f MiB\t%.1f×\t≤ 8 MiB\t%s\n", function_names[fn],
			invocations, rss[fn], rss[r], rss[r] / rss[fn], met(rss[fn] <= 8.0));
	}
	fprintf(t, "100-record stream batch, %d ms per AWS call\t%.1f ms\t%.0f ms\t%.0f×\t≤ 35 ms (reference ~3.1 s)\t%s\n",
		delay_ms, lat_med[0][N_STREAM - 1], lat_med[2][N_STREAM - 1], lat_med[2][N_STREAM - 1] / lat_med[0][N_STREAM - 1],
		met(lat_med[0][N_STREAM - 1] <= 35));
	fprintf(t, "10-message SQS batch of 3-item orders, %d ms per AWS call\t%.1f ms\t%.0f ms\t%.0f×\t≤ 25 ms (reference ~285 ms)\t%s\n",
		delay_ms, lat_med[1][N_SQS - 1], lat_med[3][N_SQS - 1], lat_med[3][N_SQS - 1] / lat_med[1][N_SQS - 1],
		met(lat_med[1][N_SQS - 1] <= 25));
	fclose(t);

	snprintf(path, sizeof(path), "%s/latency-stream.dat", out_dir);
	FILE *f = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/latency-sqs.dat", out_dir);
	FILE *g = fopen(path, "w");
	if (!f || !g) {
		fprintf(stderr, "cannot write the .dat files in %s\n", out_dir);
		return 1;
	}
	fprintf(f, "# records C_ms reference_ms (medians, %d ms per AWS call)\n", delay_ms);
	for (size_t i = 0; i < N_STREAM; i++)
		fprintf(f, "%d %.3f %.3f\n", stream_sizes[i], lat_med[0][i], lat_med[2][i]);
	fprintf(g, "# messages C_ms reference_ms (medians, %d ms per AWS call, 3-item orders)\n", delay_ms);
	for (size_t i = 0; i < N_SQS; i++)
		fprintf(g, "%d %.3f %.3f\n", sqs_sizes[i], lat_med[1][i], lat_med[3][i]);
	fclose(f);
	fclose(g);
	for (int fn = PCP; fn <= UCS; fn++)
		for (size_t i = 0; i < 8; i++) {
			free(ev_c.data[fn][i]);
			free(ev_ref.data[fn][i]);
		}
	return 0;
}
