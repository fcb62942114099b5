/* A local Lambda Runtime API and AWS stand-in on libmicrohttpd. See runtime_api_server.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime_api_server.h"

#define RUNTIME_PREFIX "/2018-06-01/runtime/"
#define NEXT_PATH RUNTIME_PREFIX "invocation/next"
#define MAX_BODY ((size_t)16 * 1024 * 1024)

struct queued {
	char *id;
	char *event;
	size_t len;
	char *trace;
	int64_t deadline_ms;
};

struct rapi_server {
	struct MHD_Daemon *daemon;
	unsigned short port;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* broadcast on every change a waiter may be waiting for */
	bool stopping;
	struct queued *queue;
	size_t q_head, q_count, q_cap;
	char *auto_event;
	size_t auto_len, auto_left, auto_seq;
	unsigned exhausted_status;
	bool record;
	struct rapi_request *records;
	bool *taken;
	size_t rec_count, rec_cap;
	size_t results;
	int64_t first_next_ns;
	struct MHD_Connection **waiting; /* suspended GET /next requests, resumed on every change */
	size_t n_waiting, waiting_cap;
};

/* Per request: the body received so far. */
struct req_state {
	char *body;
	size_t len, cap;
	bool too_big;
	bool recorded; /* a resumed GET /next comes back through the handler */
};

int64_t rapi_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *dup_bytes(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		if (n)
			memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static void queued_free(struct queued *q)
{
	free(q->id);
	free(q->event);
	free(q->trace);
	memset(q, 0, sizeof(*q));
}

void rapi_request_clean_up(struct rapi_request *r)
{
	if (!r)
		return;
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static void copy_header(struct MHD_Connection *c, const char *name, char *out, size_t cap, bool *present)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
	snprintf(out, cap, "%s", v ? v : "");
	if (present)
		*present = v != NULL;
}

/* Append the finished request to the records (under the lock). */
static void record_request(struct rapi_server *srv, struct MHD_Connection *c, const char *method, const char *url,
			   const struct req_state *rs)
{
	struct rapi_request r = { 0 };
	snprintf(r.method, sizeof(r.method), "%s", method);
	snprintf(r.path, sizeof(r.path), "%s", url);
	copy_header(c, "Lambda-Runtime-Function-Error-Type", r.error_type, sizeof(r.error_type), NULL);
	copy_header(c, "Content-Type", r.content_type, sizeof(r.content_type), NULL);
	copy_header(c, "X-Amzn-Trace-Id", r.trace_header, sizeof(r.trace_header), &r.has_trace_header);
	copy_header(c, "X-Amz-Target", r.target, sizeof(r.target), NULL);
	copy_header(c, "Authorization", r.authorization, sizeof(r.authorization), NULL);
	r.at_ns = rapi_now_ns();
	pthread_mutex_lock(&srv->mu);
	if (srv->record) {
		if (srv->rec_count == srv->rec_cap) {
			size_t cap = srv->rec_cap ? 2 * srv->rec_cap : 64;
			struct rapi_request *recs = realloc(srv->records, cap * sizeof(*recs));
			if (recs)
				srv->records = recs;
			bool *taken = recs ? realloc(srv->taken, cap * sizeof(*taken)) : NULL;
			if (taken)
				srv->taken = taken;
			if (recs && taken)
				srv->rec_cap = cap;
		}
		if (srv->rec_count < srv->rec_cap && (r.body = dup_bytes(rs->body ? rs->body : "", rs->len))) {
			r.body_len = rs->len;
			srv->taken[srv->rec_count] = false;
			srv->records[srv->rec_count++] = r;
		}
	}
	pthread_cond_broadcast(&srv->cv);
	pthread_mutex_unlock(&srv->mu);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
	if (!r)
		return MHD_NO;
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, const char *body, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (r)
		MHD_add_response_header(r, "Content-Type", type);
	return reply(c, status, r);
}

/*
 * Broadcast a change to the waiting threads and to the suspended GET /next requests, then unlock.
 * The requests are resumed outside the lock: MHD may run the handler, which takes it, meanwhile.
 */
static void changed_unlock(struct rapi_server *srv)
{
	pthread_cond_broadcast(&srv->cv);
	struct MHD_Connection **waiting = srv->waiting;
	size_t n = srv->n_waiting;
	srv->waiting = NULL;
	srv->n_waiting = srv->waiting_cap = 0;
	pthread_mutex_unlock(&srv->mu);
	for (size_t i = 0; i < n; i++)
		MHD_resume_connection(waiting[i]);
	free(waiting);
}

/*
 * GET /next: hand out the next invocation, or the exhausted status; with neither, the request is
 * suspended (no thread waits) until a change resumes it and it comes back here.
 */
static enum MHD_Result serve_next(struct rapi_server *srv, struct MHD_Connection *c)
{
	struct queued q = { 0 };
	unsigned status = 0;
	pthread_mutex_lock(&srv->mu);
	if (srv->q_count) {
		q = srv->queue[srv->q_head];
		srv->queue[srv->q_head] = (struct queued){ 0 };
		srv->q_head++;
		if (--srv->q_count == 0)
			srv->q_head = 0;
	} else if (srv->auto_left) {
		char id[32];
		snprintf(id, sizeof(id), "auto-%zu", srv->auto_seq++);
		srv->auto_left--;
		q.id = dup_bytes(id, strlen(id));
		q.event = dup_bytes(srv->auto_event, srv->auto_len);
		q.len = srv->auto_len;
	} else if (srv->stopping || srv->exhausted_status) {
		status = srv->stopping ? 500 : srv->exhausted_status;
	} else {
		if (srv->n_waiting == srv->waiting_cap) {
			size_t cap = srv->waiting_cap ? 2 * srv->waiting_cap : 8;
			struct MHD_Connection **grown = realloc(srv->waiting, cap * sizeof(*grown));
			if (!grown) {
				pthread_mutex_unlock(&srv->mu);
				return MHD_NO;
			}
			srv->waiting = grown;
			srv->waiting_cap = cap;
		}
		srv->waiting[srv->n_waiting++] = c;
		MHD_suspend_connection(c);
		pthread_mutex_unlock(&srv->mu);
		return MHD_YES;
	}
	pthread_mutex_unlock(&srv->mu);
	if (status)
		return reply_json(c, status, "{\"errorMessage\":\"no more invocations\",\"errorType\":\"Runtime.Exhausted\"}",
				  "application/json");
	if (!q.id || !q.event) {
		queued_free(&q);
		return MHD_NO;
	}
	char deadline[32];
	snprintf(deadline, sizeof(deadline), "%lld", (long long)(q.deadline_ms ? q.deadline_ms : wall_ms() + 60000));
	struct MHD_Response *r = MHD_create_response_from_buffer(q.len, q.event, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		queued_free(&q);
		return MHD_NO;
	}
	q.event = NULL; /* the response owns it now */
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Lambda-Runtime-Aws-Request-Id", q.id);
	MHD_add_response_header(r, "Lambda-Runtime-Deadline-Ms", deadline);
	MHD_add_response_header(r, "Lambda-Runtime-Invoked-Function-Arn",
				"arn:aws:lambda:us-east-1:123456789012:function:integration-test");
	if (q.trace)
		MHD_add_response_header(r, "Lambda-Runtime-Trace-Id", q.trace);
	queued_free(&q);
	return reply(c, MHD_HTTP_OK, r);
}

static const char *member_string(struct json_object *obj, const char *key)
{
	struct json_object *v;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* SendMessageBatch: every entry Successful. */
static enum MHD_Result serve_sqs(struct MHD_Connection *c, const struct req_state *rs)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root = tok ? json_tokener_parse_ex(tok, rs->body ? rs->body : "", (int)rs->len) : NULL;
	json_tokener_free(tok);
	struct json_object *entries;
	if (!root || !json_object_object_get_ex(root, "Entries", &entries) ||
	    !json_object_is_type(entries, json_type_array)) {
		json_object_put(root);
		return reply_json(c, 400, "{\"__type\":\"com.amazonaws.sqs#InvalidParameterValue\",\"message\":\"Entries\"}",
				  "application/x-amz-json-1.0");
	}
	struct json_object *out = json_object_new_object(), *ok = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(entries); i++) {
		struct json_object *e = json_object_new_object();
		const char *id = member_string(json_object_array_get_idx(entries, i), "Id");
		char mid[64];
		snprintf(mid, sizeof(mid), "00000000-0000-4000-8000-%012zu", i);
		json_object_object_add(e, "Id", json_object_new_string(id ? id : ""));
		json_object_object_add(e, "MessageId", json_object_new_string(mid));
		json_object_object_add(e, "MD5OfMessageBody", json_object_new_string("d41d8cd98f00b204e9800998ecf8427e"));
		json_object_array_add(ok, e);
	}
	json_object_object_add(out, "Successful", ok);
	json_object_object_add(out, "Failed", json_object_new_array());
	enum MHD_Result ret =
		reply_json(c, 200, json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN), "application/x-amz-json-1.0");
	json_object_put(out);
	json_object_put(root);
	return ret;
}

static bool is_result_path(const char *url)
{
	if (!strcmp(url, RUNTIME_PREFIX "init/error"))
		return true;
	if (strncmp(url, RUNTIME_PREFIX "invocation/", strlen(RUNTIME_PREFIX "invocation/")))
		return false;
	size_t n = strlen(url);
	return (n > 9 && !strcmp(url + n - 9, "/response")) || (n > 6 && !strcmp(url + n - 6, "/error"));
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct rapi_server *srv = cls;
	struct req_state *rs = *con_cls;
	if (!rs) {
		if (!(rs = calloc(1, sizeof(*rs))))
			return MHD_NO;
		*con_cls = rs;
		if (!strcmp(method, "GET") && !strcmp(url, NEXT_PATH)) {
			int64_t now = rapi_now_ns();
			pthread_mutex_lock(&srv->mu);
			if (!srv->first_next_ns) {
				srv->first_next_ns = now;
				pthread_cond_broadcast(&srv->cv);
			}
			pthread_mutex_unlock(&srv->mu);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (rs->too_big || rs->len + n > MAX_BODY) {
			rs->too_big = true;
			return MHD_YES;
		}
		if (rs->len + n + 1 > rs->cap) {
			size_t cap = rs->cap ? rs->cap : 4096;
			while (cap < rs->len + n + 1)
				cap *= 2;
			char *grown = realloc(rs->body, cap);
			if (!grown)
				return MHD_NO;
			rs->body = grown;
			rs->cap = cap;
		}
		memcpy(rs->body + rs->len, upload_data, n);
		rs->len += n;
		rs->body[rs->len] = '\0';
		return MHD_YES;
	}
	if (rs->too_big)
		return reply_json(c, 413, "{\"errorMessage\":\"payload too large\"}", "application/json");

	if (!rs->recorded) {
		record_request(srv, c, method, url, rs);
		rs->recorded = true;
	}
	if (!strcmp(method, "GET") && !strcmp(url, NEXT_PATH))
		return serve_next(srv, c);
	if (!strcmp(method, "POST") && is_result_path(url)) {
		pthread_mutex_lock(&srv->mu);
		srv->results++;
		pthread_cond_broadcast(&srv->cv);
		pthread_mutex_unlock(&srv->mu);
		return reply_json(c, 202, "{\"status\":\"OK\"}", "application/json");
	}
	if (!strcmp(method, "POST") && !strcmp(url, "/")) {
		const char *target = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Target");
		if (target && !strcmp(target, "DynamoDB_20120810.UpdateItem"))
			return reply_json(c, 200, "{\"Attributes\":{}}", "application/x-amz-json-1.0");
		if (target && !strcmp(target, "AmazonSQS.SendMessageBatch"))
			return serve_sqs(c, rs);
		return reply_json(c, 400, "{\"__type\":\"UnknownOperationException\"}", "application/x-amz-json-1.0");
	}
	return reply_json(c, 404, "{\"errorMessage\":\"not found\"}", "application/json");
}

static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct req_state *rs = *con_cls;
	if (rs)
		free(rs->body);
	free(rs);
	*con_cls = NULL;
}

struct rapi_server *rapi_server_start(void)
{
	struct rapi_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	pthread_mutex_init(&srv->mu, NULL);
	pthread_cond_init(&srv->cv, NULL);
	srv->record = true;
	struct sockaddr_in addr = { 0 };
	addr.sin_family = AF_INET;
	addr.sin_port = 0;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* One polling thread, no thread per connection: a new connection costs the measured process nothing
	 * but the accept (tools/bench times cold starts against this server). */
	srv->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME, 0,
				       NULL, NULL, handle, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				       MHD_OPTION_NOTIFY_COMPLETED, request_completed, srv,
				       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120, MHD_OPTION_END);
	if (!srv->daemon)
		goto out_free;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (!info || !info->port)
		goto out_stop;
	srv->port = info->port;
	return srv;

out_stop:
	MHD_stop_daemon(srv->daemon);
out_free:
	pthread_cond_destroy(&srv->cv);
	pthread_mutex_destroy(&srv->mu);
	free(srv);
	return NULL;
}

/* Drop queue and records (under the lock, or when no thread runs). */
static void forget_everything(struct rapi_server *srv)
{
	for (size_t i = 0; i < srv->q_count; i++)
		queued_free(&srv->queue[srv->q_head + i]);
	free(srv->queue);
	srv->queue = NULL;
	srv->q_head = srv->q_count = srv->q_cap = 0;
	free(srv->auto_event);
	srv->auto_event = NULL;
	srv->auto_len = srv->auto_left = srv->auto_seq = 0;
	for (size_t i = 0; i < srv->rec_count; i++)
		rapi_request_clean_up(&srv->records[i]);
	free(srv->records);
	free(srv->taken);
	srv->records = NULL;
	srv->taken = NULL;
	srv->rec_count = srv->rec_cap = 0;
	srv->results = 0;
	srv->first_next_ns = 0;
}

void rapi_server_stop(struct rapi_server *srv)
{
	if (!srv)
		return;
	pthread_mutex_lock(&srv->mu);
	srv->stopping = true;
	changed_unlock(srv);
	MHD_stop_daemon(srv->daemon);
	forget_everything(srv);
	pthread_cond_destroy(&srv->cv);
	pthread_mutex_destroy(&srv->mu);
	free(srv);
}

unsigned short rapi_server_port(const struct rapi_server *srv) { return srv->port; }

void rapi_server_api(const struct rapi_server *srv, char *out, size_t cap)
{
	snprintf(out, cap, "127.0.0.1:%u", (unsigned)srv->port);
}

void rapi_server_endpoint(const struct rapi_server *srv, char *out, size_t cap)
{
	snprintf(out, cap, "http://127.0.0.1:%u", (unsigned)srv->port);
}

bool rapi_server_queue(struct rapi_server *srv, const char *request_id, const char *event, size_t len,
		       const char *trace_id, int64_t deadline_ms)
{
	struct queued q = { .id = dup_bytes(request_id, strlen(request_id)), .event = dup_bytes(event, len), .len = len,
			    .trace = trace_id ? dup_bytes(trace_id, strlen(trace_id)) : NULL, .deadline_ms = deadline_ms };
	if (!q.id || !q.event || (trace_id && !q.trace)) {
		queued_free(&q);
		return false;
	}
	pthread_mutex_lock(&srv->mu);
	if (srv->q_head + srv->q_count == srv->q_cap) {
		if (srv->q_head) { /* compact first */
			memmove(srv->queue, srv->queue + srv->q_head, srv->q_count * sizeof(*srv->queue));
			srv->q_head = 0;
		}
		if (srv->q_count == srv->q_cap) {
			size_t cap = srv->q_cap ? 2 * srv->q_cap : 16;
			struct queued *grown = realloc(srv->queue, cap * sizeof(*grown));
			if (!grown) {
				pthread_mutex_unlock(&srv->mu);
				queued_free(&q);
				return false;
			}
			srv->queue = grown;
			srv->q_cap = cap;
		}
	}
	srv->queue[srv->q_head + srv->q_count++] = q;
	changed_unlock(srv);
	return true;
}

bool rapi_server_autoserve(struct rapi_server *srv, const char *event, size_t len, size_t count)
{
	char *copy = dup_bytes(event, len);
	if (!copy)
		return false;
	pthread_mutex_lock(&srv->mu);
	free(srv->auto_event);
	srv->auto_event = copy;
	srv->auto_len = len;
	srv->auto_left = count;
	changed_unlock(srv);
	return true;
}

void rapi_server_set_exhausted_status(struct rapi_server *srv, unsigned status)
{
	pthread_mutex_lock(&srv->mu);
	srv->exhausted_status = status;
	changed_unlock(srv);
}

void rapi_server_set_recording(struct rapi_server *srv, bool record)
{
	pthread_mutex_lock(&srv->mu);
	srv->record = record;
	pthread_mutex_unlock(&srv->mu);
}

void rapi_server_reset(struct rapi_server *srv)
{
	pthread_mutex_lock(&srv->mu);
	forget_everything(srv);
	srv->exhausted_status = 0;
	pthread_mutex_unlock(&srv->mu);
}

/* An absolute CLOCK_REALTIME time `ms` from now, for pthread_cond_timedwait. */
static struct timespec deadline_in(int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

bool rapi_server_wait(struct rapi_server *srv, const char *method, const char *path, int timeout_ms,
		      struct rapi_request *out)
{
	memset(out, 0, sizeof(*out));
	struct timespec until = deadline_in(timeout_ms);
	bool found = false;
	pthread_mutex_lock(&srv->mu);
	for (;;) {
		for (size_t i = 0; i < srv->rec_count && !found; i++) {
			const struct rapi_request *r = &srv->records[i];
			if (srv->taken[i] || strcmp(r->method, method) || (path && strcmp(r->path, path)))
				continue;
			*out = *r;
			out->body = dup_bytes(r->body, r->body_len);
			srv->taken[i] = true;
			found = true;
		}
		if (found || pthread_cond_timedwait(&srv->cv, &srv->mu, &until) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&srv->mu);
	return found;
}

size_t rapi_server_count(struct rapi_server *srv, const char *method, const char *path, bool prefix)
{
	size_t n = 0;
	pthread_mutex_lock(&srv->mu);
	for (size_t i = 0; i < srv->rec_count; i++)
		if (!strcmp(srv->records[i].method, method) &&
		    !(prefix ? strncmp(srv->records[i].path, path, strlen(path)) : strcmp(srv->records[i].path, path)))
			n++;
	pthread_mutex_unlock(&srv->mu);
	return n;
}

size_t rapi_server_results(struct rapi_server *srv)
{
	pthread_mutex_lock(&srv->mu);
	size_t n = srv->results;
	pthread_mutex_unlock(&srv->mu);
	return n;
}

int64_t rapi_server_first_next_ns(struct rapi_server *srv)
{
	pthread_mutex_lock(&srv->mu);
	int64_t t = srv->first_next_ns;
	pthread_mutex_unlock(&srv->mu);
	return t;
}

bool rapi_server_wait_first_next(struct rapi_server *srv, int timeout_ms)
{
	struct timespec until = deadline_in(timeout_ms);
	pthread_mutex_lock(&srv->mu);
	while (!srv->first_next_ns && pthread_cond_timedwait(&srv->cv, &srv->mu, &until) != ETIMEDOUT)
		;
	bool seen = srv->first_next_ns != 0;
	pthread_mutex_unlock(&srv->mu);
	return seen;
}

pid_t rapi_spawn(char *const argv[], char *const envp[], bool quiet)
{
	/* posix_spawn (vfork-like): the parent's page tables are not copied, so what is timed from here is
	 * the child's exec and start, not the cost of duplicating this (threaded) process. */
	posix_spawn_file_actions_t actions;
	if (posix_spawn_file_actions_init(&actions))
		return -1;
	if (quiet && (posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0) ||
		      posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO))) {
		posix_spawn_file_actions_destroy(&actions);
		return -1;
	}
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &actions, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&actions);
	return rc ? -1 : pid;
}

bool rapi_wait_exit(pid_t pid, int timeout_ms, int *status, struct rusage *usage)
{
	int st = 0;
	struct rusage ru;
	int64_t until = rapi_now_ns() + (int64_t)timeout_ms * 1000000;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	pid_t got;
	for (;;) {
		got = wait4(pid, &st, WNOHANG, &ru);
		if (got == pid)
			break;
		if (got < 0 && errno != EINTR)
			break;
		if (rapi_now_ns() >= until) {
			kill(pid, SIGKILL);
			while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
				;
			got = -1;
			break;
		}
		/* Sleep until the child exits (its pidfd becomes readable: seen at once) or the time is up;
		 * where pidfds are missing, in 1 ms naps. */
		int64_t left_ms = (until - rapi_now_ns()) / 1000000 + 1;
		if (pidfd < 0 || poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, (int)left_ms) < 0) {
			struct timespec nap = { 0, 1000000 };
			nanosleep(&nap, NULL);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	if (status)
		*status = st;
	if (usage)
		*usage = ru;
	return got == pid;
}
