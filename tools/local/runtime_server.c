/* cartflow-local: the Lambda Runtime API (2018-06-01) for one function, over libmicrohttpd. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime_server.h"

enum state { IDLE, QUEUED, RUNNING, DONE };

struct cfl_function {
	char name[40];
	char api[64];
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	enum state state;
	unsigned long sequence;
	unsigned long generation; /* bootstrap processes that have exited: a /next of an earlier one is stale */
	int64_t deadline_ms;     /* of the queued or running invocation */
	char request_id[64];
	char *event;
	size_t event_len;
	struct cfl_invoke_result result;
	bool init_error;
	char init_message[512];
	bool stopping;
};

/* Body of an upload being received, per connection. */
struct upload {
	char *data;
	size_t len;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* GET /next: wait until an invocation is queued, then hand it over. */
static enum MHD_Result serve_next(struct cfl_function *fn, struct MHD_Connection *c)
{
	pthread_mutex_lock(&fn->lock);
	unsigned long generation = fn->generation;
	while (fn->state != QUEUED && !fn->stopping && fn->generation == generation)
		pthread_cond_wait(&fn->changed, &fn->lock);
	if (fn->stopping || fn->generation != generation) {
		/* A /next of a process that died while it waited must not take the next event. */
		pthread_mutex_unlock(&fn->lock);
		return reply(c, 500, "{\"errorMessage\":\"shutting down\"}");
	}
	fn->state = RUNNING;
	struct MHD_Response *r = MHD_create_response_from_buffer(fn->event_len, fn->event, MHD_RESPMEM_MUST_COPY);
	char deadline[32], arn[160];
	snprintf(deadline, sizeof(deadline), "%lld", (long long)fn->deadline_ms);
	snprintf(arn, sizeof(arn), "arn:aws:lambda:us-east-1:000000000000:function:%s", fn->name);
	MHD_add_response_header(r, "Lambda-Runtime-Aws-Request-Id", fn->request_id);
	MHD_add_response_header(r, "Lambda-Runtime-Deadline-Ms", deadline);
	MHD_add_response_header(r, "Lambda-Runtime-Invoked-Function-Arn", arn);
	MHD_add_response_header(r, "Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0");
	MHD_add_response_header(r, "Content-Type", "application/json");
	pthread_mutex_unlock(&fn->lock);
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* POST /invocation/<id>/response or /error: complete the running invocation. */
static enum MHD_Result serve_result(struct cfl_function *fn, struct MHD_Connection *c, const char *id, bool ok,
				    struct upload *up)
{
	pthread_mutex_lock(&fn->lock);
	if (fn->state != RUNNING || strcmp(id, fn->request_id)) {
		pthread_mutex_unlock(&fn->lock);
		return reply(c, 400, "{\"errorMessage\":\"unknown or finished request id\"}");
	}
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Runtime-Function-Error-Type");
	fn->result.ok = ok;
	fn->result.body = up->data;
	fn->result.body_len = up->len;
	snprintf(fn->result.error_type, sizeof(fn->result.error_type), "%s", ok ? "" : type ? type : "Unhandled");
	up->data = NULL;
	fn->state = DONE;
	pthread_cond_broadcast(&fn->changed);
	pthread_mutex_unlock(&fn->lock);
	return reply(c, 202, "{\"status\":\"OK\"}");
}

static enum MHD_Result serve_init_error(struct cfl_function *fn, struct MHD_Connection *c, struct upload *up)
{
	pthread_mutex_lock(&fn->lock);
	fn->init_error = true;
	snprintf(fn->init_message, sizeof(fn->init_message), "%.*s", (int)(up->len > 500 ? 500 : up->len),
		 up->data ? up->data : "");
	pthread_mutex_unlock(&fn->lock);
	return reply(c, 202, "{\"status\":\"OK\"}");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *data, size_t *data_size, void **con_cls)
{
	(void)version;
	struct cfl_function *fn = cls;
	struct upload *up = *con_cls;
	if (!up) {
		if (!(up = calloc(1, sizeof(*up))))
			return MHD_NO;
		*con_cls = up;
		return MHD_YES;
	}
	if (*data_size) {
		char *grown = realloc(up->data, up->len + *data_size + 1);
		if (!grown)
			return MHD_NO;
		memcpy(grown + up->len, data, *data_size);
		up->data = grown;
		up->len += *data_size;
		up->data[up->len] = '\0';
		*data_size = 0;
		return MHD_YES;
	}
	static const char prefix[] = "/2018-06-01/runtime";
	if (strncmp(url, prefix, sizeof(prefix) - 1))
		return reply(c, 404, "{\"errorMessage\":\"not found\"}");
	const char *path = url + sizeof(prefix) - 1;
	if (!strcmp(method, "GET") && !strcmp(path, "/invocation/next"))
		return serve_next(fn, c);
	if (!strcmp(method, "POST") && !strcmp(path, "/init/error"))
		return serve_init_error(fn, c, up);
	if (!strcmp(method, "POST") && !strncmp(path, "/invocation/", 12)) {
		char id[64];
		const char *slash = strchr(path + 12, '/');
		size_t n = slash ? (size_t)(slash - (path + 12)) : 0;
		if (slash && n < sizeof(id)) {
			memcpy(id, path + 12, n);
			id[n] = '\0';
			if (!strcmp(slash, "/response"))
				return serve_result(fn, c, id, true, up);
			if (!strcmp(slash, "/error"))
				return serve_result(fn, c, id, false, up);
		}
	}
	return reply(c, 404, "{\"errorMessage\":\"not found\"}");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	struct upload *up = *con_cls;
	if (up) {
		free(up->data);
		free(up);
	}
	*con_cls = NULL;
}

struct cfl_function *cfl_function_start(const char *name)
{
	struct cfl_function *fn = calloc(1, sizeof(*fn));
	if (!fn)
		return NULL;
	snprintf(fn->name, sizeof(fn->name), "%s", name);
	pthread_mutex_init(&fn->lock, NULL);
	pthread_cond_init(&fn->changed, NULL);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	fn->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
				      handle, fn, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				      MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
				      (unsigned)0, MHD_OPTION_END);
	if (!fn->daemon) {
		free(fn);
		return NULL;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(fn->daemon, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(fn->api, sizeof(fn->api), "127.0.0.1:%u", info ? info->port : 0);
	return fn;
}

const char *cfl_function_api(const struct cfl_function *fn) { return fn->api; }

bool cfl_function_invoke(struct cfl_function *fn, const char *event, size_t len, int64_t timeout_ms,
			 struct cfl_invoke_result *result)
{
	memset(result, 0, sizeof(*result));
	char *copy = malloc(len + 1);
	if (!copy)
		return false;
	memcpy(copy, event, len);
	copy[len] = '\0';
	pthread_mutex_lock(&fn->lock);
	free(fn->event);
	fn->event = copy;
	fn->event_len = len;
	snprintf(fn->request_id, sizeof(fn->request_id), "%s-%08lu", fn->name, ++fn->sequence);
	fn->deadline_ms = now_ms() + timeout_ms;
	memset(&fn->result, 0, sizeof(fn->result));
	fn->state = QUEUED;
	pthread_cond_broadcast(&fn->changed);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	int rc = 0;
	while (fn->state != DONE && rc == 0)
		rc = pthread_cond_timedwait(&fn->changed, &fn->lock, &until);
	bool done = fn->state == DONE;
	if (done)
		*result = fn->result;
	else
		snprintf(result->error_type, sizeof(result->error_type), "Sandbox.Timedout");
	memset(&fn->result, 0, sizeof(fn->result));
	fn->state = IDLE;
	pthread_mutex_unlock(&fn->lock);
	return done;
}

unsigned long cfl_function_running(struct cfl_function *fn)
{
	pthread_mutex_lock(&fn->lock);
	unsigned long seq = fn->state == RUNNING ? fn->sequence : 0;
	pthread_mutex_unlock(&fn->lock);
	return seq;
}

void cfl_function_process_exited(struct cfl_function *fn)
{
	pthread_mutex_lock(&fn->lock);
	fn->generation++;
	pthread_cond_broadcast(&fn->changed);
	if (fn->state == RUNNING) {
		memset(&fn->result, 0, sizeof(fn->result));
		snprintf(fn->result.error_type, sizeof(fn->result.error_type), "Runtime.ExitError");
		fn->state = DONE;
		pthread_cond_broadcast(&fn->changed);
	}
	pthread_mutex_unlock(&fn->lock);
}

bool cfl_function_take_init_error(struct cfl_function *fn, char *message, size_t cap)
{
	pthread_mutex_lock(&fn->lock);
	bool had = fn->init_error;
	if (had)
		snprintf(message, cap, "%s", fn->init_message);
	fn->init_error = false;
	pthread_mutex_unlock(&fn->lock);
	return had;
}

void cfl_function_stop(struct cfl_function *fn)
{
	if (!fn)
		return;
	pthread_mutex_lock(&fn->lock);
	fn->stopping = true;
	pthread_cond_broadcast(&fn->changed);
	pthread_mutex_unlock(&fn->lock);
	MHD_stop_daemon(fn->daemon);
	free(fn->event);
	free(fn->result.body);
	pthread_cond_destroy(&fn->changed);
	pthread_mutex_destroy(&fn->lock);
	free(fn);
}
