/* A small libmicrohttpd server for the curl transport tests. See http_test_server.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "http_test_server.h"

#define MAX_RECORDED_HEADERS 64

struct test_server {
	struct MHD_Daemon *daemon;
	unsigned short port;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping;
	unsigned connections;
	unsigned requests;
	unsigned in_sleep;
	unsigned max_in_sleep;
	/* The last request's headers, as received. */
	char names[MAX_RECORDED_HEADERS][64];
	char values[MAX_RECORDED_HEADERS][256];
	unsigned header_count;
	size_t body_len;
};

/* Per request: the body length seen so far. */
struct req_state {
	size_t body_len;
};

struct header_copy {
	char names[MAX_RECORDED_HEADERS][64];
	char values[MAX_RECORDED_HEADERS][256];
	unsigned count;
};

static enum MHD_Result copy_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct header_copy *hc = cls;
	if (hc->count == MAX_RECORDED_HEADERS)
		return MHD_NO;
	snprintf(hc->names[hc->count], sizeof(hc->names[0]), "%s", key);
	snprintf(hc->values[hc->count], sizeof(hc->values[0]), "%s", value ? value : "");
	hc->count++;
	return MHD_YES;
}

static unsigned long query_ulong(struct MHD_Connection *c, const char *key, unsigned long dflt)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
	return v ? strtoul(v, NULL, 10) : dflt;
}

static void sleep_ms(struct test_server *srv, unsigned long ms)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += (time_t)(ms / 1000);
	deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&srv->mu);
	srv->in_sleep++;
	if (srv->in_sleep > srv->max_in_sleep)
		srv->max_in_sleep = srv->in_sleep;
	while (!srv->stopping) {
		if (pthread_cond_timedwait(&srv->cv, &srv->mu, &deadline) == ETIMEDOUT)
			break;
	}
	srv->in_sleep--;
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

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (r)
		MHD_add_response_header(r, "Content-Type", "application/json");
	return reply(c, status, r);
}

static ssize_t big_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	uint64_t total = *(uint64_t *)cls;
	if (pos >= total)
		return MHD_CONTENT_READER_END_OF_STREAM;
	size_t n = total - pos < max ? (size_t)(total - pos) : max;
	memset(buf, 'x', n);
	return (ssize_t)n;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)version;
	(void)upload_data;
	struct test_server *srv = cls;
	struct req_state *rs = *con_cls;
	if (!rs) {
		rs = calloc(1, sizeof(*rs));
		if (!rs)
			return MHD_NO;
		*con_cls = rs;
		return MHD_YES;
	}
	if (*upload_data_size) {
		rs->body_len += *upload_data_size;
		*upload_data_size = 0;
		return MHD_YES;
	}

	struct header_copy hc = { .count = 0 };
	MHD_get_connection_values(c, MHD_HEADER_KIND, copy_header, &hc);
	pthread_mutex_lock(&srv->mu);
	memcpy(srv->names, hc.names, sizeof(hc.names));
	memcpy(srv->values, hc.values, sizeof(hc.values));
	srv->header_count = hc.count;
	srv->body_len = rs->body_len;
	srv->requests++;
	pthread_mutex_unlock(&srv->mu);

	char body[256];
	if (strcmp(url, "/echo") == 0) {
		snprintf(body, sizeof(body), "{\"method\":\"%s\",\"path\":\"%s\",\"body_len\":%zu}", method, url,
			 rs->body_len);
		struct MHD_Response *r =
			MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY);
		if (r) {
			MHD_add_response_header(r, "X-Reply", "hello");
			MHD_add_response_header(r, "X-Method", method);
			MHD_add_response_header(r, "Content-Type", "application/json");
		}
		return reply(c, MHD_HTTP_OK, r);
	}
	if (strcmp(url, "/sleep") == 0) {
		sleep_ms(srv, query_ulong(c, "ms", 100));
		return reply_text(c, MHD_HTTP_OK, "{}");
	}
	if (strcmp(url, "/big") == 0) {
		uint64_t *total = malloc(sizeof(*total));
		if (!total)
			return MHD_NO;
		*total = query_ulong(c, "bytes", 0);
		struct MHD_Response *r;
		if (query_ulong(c, "chunked", 0))
			r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, big_reader, total, free);
		else
			r = MHD_create_response_from_callback(*total, 16384, big_reader, total, free);
		if (!r)
			free(total);
		return reply(c, MHD_HTTP_OK, r);
	}
	if (strcmp(url, "/status") == 0) {
		unsigned code = (unsigned)query_ulong(c, "code", 200);
		snprintf(body, sizeof(body), "{\"code\":%u}", code);
		return reply_text(c, code, body);
	}
	return reply_text(c, MHD_HTTP_NOT_FOUND, "{\"error\":\"not found\"}");
}

static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	(void)c;
	(void)socket_context;
	struct test_server *srv = cls;
	if (toe != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	pthread_mutex_lock(&srv->mu);
	srv->connections++;
	pthread_mutex_unlock(&srv->mu);
}

struct test_server *test_server_start(void)
{
	struct test_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	pthread_mutex_init(&srv->mu, NULL);
	pthread_cond_init(&srv->cv, NULL);
	struct sockaddr_in addr = { 0 };
	addr.sin_family = AF_INET;
	addr.sin_port = 0;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO,
				       0, NULL, NULL, handle, srv,
				       MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				       MHD_OPTION_NOTIFY_CONNECTION, notify_connection, srv,
				       MHD_OPTION_NOTIFY_COMPLETED, request_completed, srv,
				       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
				       MHD_OPTION_END);
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

void test_server_stop(struct test_server *srv)
{
	if (!srv)
		return;
	pthread_mutex_lock(&srv->mu);
	srv->stopping = true;
	pthread_cond_broadcast(&srv->cv);
	pthread_mutex_unlock(&srv->mu);
	MHD_stop_daemon(srv->daemon);
	pthread_cond_destroy(&srv->cv);
	pthread_mutex_destroy(&srv->mu);
	free(srv);
}

void test_server_url(const struct test_server *srv, const char *path, char *out, size_t out_len)
{
	snprintf(out, out_len, "http://127.0.0.1:%u%s", (unsigned)srv->port, path);
}

unsigned short test_server_port(const struct test_server *srv)
{
	return srv->port;
}

#define LOCKED_READ(field)                             \
	do {                                           \
		pthread_mutex_lock(&srv->mu);          \
		unsigned v_ = srv->field;              \
		pthread_mutex_unlock(&srv->mu);        \
		return v_;                             \
	} while (0)

unsigned test_server_connections(struct test_server *srv)
{
	LOCKED_READ(connections);
}

unsigned test_server_requests(struct test_server *srv)
{
	LOCKED_READ(requests);
}

unsigned test_server_max_concurrent(struct test_server *srv)
{
	LOCKED_READ(max_in_sleep);
}

unsigned test_server_last_header_count(struct test_server *srv)
{
	LOCKED_READ(header_count);
}

size_t test_server_last_body_len(struct test_server *srv)
{
	pthread_mutex_lock(&srv->mu);
	size_t v = srv->body_len;
	pthread_mutex_unlock(&srv->mu);
	return v;
}

void test_server_reset_counters(struct test_server *srv)
{
	pthread_mutex_lock(&srv->mu);
	srv->connections = 0;
	srv->requests = 0;
	srv->max_in_sleep = 0;
	pthread_mutex_unlock(&srv->mu);
}

unsigned test_server_last_header(struct test_server *srv, const char *name, char *value, size_t value_len)
{
	unsigned found = 0;
	pthread_mutex_lock(&srv->mu);
	for (unsigned i = 0; i < srv->header_count; i++) {
		if (strcasecmp(srv->names[i], name) != 0)
			continue;
		if (found++ == 0 && value)
			snprintf(value, value_len, "%s", srv->values[i]);
	}
	pthread_mutex_unlock(&srv->mu);
	return found;
}
