/*
 * Throughput of the libcurl transport against a local libmicrohttpd server on 127.0.0.1:
 * 1,000 POSTs of a ~300-byte JSON body answered 200 with a small JSON body, sent one by one and then
 * with send_many (32 in flight). Prints requests/second and the TCP connections the server accepted,
 * median of 5 runs, each run on a fresh transport.
 *
 *   build/tools/bench/bench_transport [requests] [runs]
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cartflow/curl_transport.h"
#include "cartflow/transport.h"

#define IN_FLIGHT 32
#define MAX_RUNS 15

static const char reply_body[] = "{\"ConsumedCapacity\":{\"TableName\":\"orders\",\"CapacityUnits\":1.0}}";

struct server {
	struct MHD_Daemon *daemon;
	unsigned short port;
	pthread_mutex_t mu;
	unsigned connections;
	unsigned requests;
};

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	static int marker;
	struct server *srv = cls;
	if (!*con_cls) {
		*con_cls = &marker;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&srv->mu);
	srv->requests++;
	pthread_mutex_unlock(&srv->mu);
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(reply_body) - 1, (void *)reply_body,
								 MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/x-amz-json-1.0");
	MHD_add_response_header(r, "x-amzn-RequestId", "BENCH0000000000000000000000000000000000000000000000");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	(void)c;
	(void)socket_context;
	struct server *srv = cls;
	if (toe != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	pthread_mutex_lock(&srv->mu);
	srv->connections++;
	pthread_mutex_unlock(&srv->mu);
}

static int server_start(struct server *srv)
{
	pthread_mutex_init(&srv->mu, NULL);
	struct sockaddr_in addr = { 0 };
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO,
				       0, NULL, NULL, handle, srv,
				       MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				       MHD_OPTION_NOTIFY_CONNECTION, notify_connection, srv,
				       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
				       MHD_OPTION_END);
	if (!srv->daemon)
		return -1;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (!info)
		return -1;
	srv->port = info->port;
	return 0;
}

static unsigned take_connections(struct server *srv, unsigned *requests)
{
	pthread_mutex_lock(&srv->mu);
	unsigned n = srv->connections;
	*requests = srv->requests;
	srv->connections = 0;
	srv->requests = 0;
	pthread_mutex_unlock(&srv->mu);
	return n;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return (x > y) - (x < y);
}

/* One run: a fresh transport, `n` requests; returns requests/second or a negative value on failure. */
static double run_once(struct server *srv, const struct cf_http_request *reqs, size_t n, size_t in_flight,
		       unsigned *connections)
{
	struct cf_transport t;
	struct cf_error err;
	struct cf_curl_transport_options opt = { .max_connections = IN_FLIGHT };
	if (cf_curl_transport_new(&opt, &t, &err) != CF_OK) {
		fprintf(stderr, "cf_curl_transport_new: %s\n", err.message);
		return -1;
	}
	struct cf_http_response *resps = calloc(n, sizeof(*resps));
	enum cf_status *statuses = calloc(n, sizeof(*statuses));
	struct cf_error *errs = calloc(n, sizeof(*errs));
	double rate = -1;
	if (!resps || !statuses || !errs)
		goto out;

	unsigned requests = 0;
	take_connections(srv, &requests);
	double start = now_s();
	if (in_flight == 0) {
		for (size_t i = 0; i < n; i++)
			statuses[i] = cf_transport_send(&t, &reqs[i], &resps[i], &errs[i]);
	} else if (cf_transport_send_many(&t, reqs, n, in_flight, resps, statuses, errs) != CF_OK) {
		fprintf(stderr, "send_many failed: %s\n", errs[0].message);
		goto out;
	}
	double elapsed = now_s() - start;
	*connections = take_connections(srv, &requests);

	size_t ok = 0;
	for (size_t i = 0; i < n; i++) {
		if (statuses[i] == CF_OK && resps[i].status == 200 && resps[i].body_len == sizeof(reply_body) - 1)
			ok++;
		else if (ok == i)
			fprintf(stderr, "request %zu: %s (status %ld)\n", i, errs[i].message, resps[i].status);
		cf_http_response_clean_up(&resps[i]);
	}
	if (ok != n || requests != n) {
		fprintf(stderr, "only %zu of %zu requests succeeded (server saw %u)\n", ok, n, requests);
		goto out;
	}
	rate = (double)n / elapsed;
out:
	free(errs);
	free(statuses);
	free(resps);
	cf_transport_destroy(&t);
	return rate;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	if (n == 0 || runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: %s [requests > 0] [runs 1..%d]\n", argv[0], MAX_RUNS);
		return 2;
	}
	static const char *const proxy_vars[] = { "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY" };
	for (size_t i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++)
		unsetenv(proxy_vars[i]);

	struct server srv = { 0 };
	if (server_start(&srv) != 0) {
		fprintf(stderr, "cannot start the local server\n");
		return 1;
	}
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", (unsigned)srv.port);

	/* A DynamoDB UpdateItem-shaped body of about 300 bytes, with signed-request-shaped headers. */
	char body[512];
	int body_len = snprintf(body, sizeof(body),
				"{\"TableName\":\"orders\",\"Key\":{\"orderId\":{\"S\":\"ord-000000000042\"}},"
				"\"UpdateExpression\":\"SET #s = :s, updatedAt = :u ADD itemCount :n\","
				"\"ConditionExpression\":\"attribute_exists(orderId)\","
				"\"ExpressionAttributeNames\":{\"#s\":\"status\"},"
				"\"ExpressionAttributeValues\":{\":s\":{\"S\":\"FORWARDED\"},"
				"\":u\":{\"S\":\"2024-01-01T00:00:00Z\"},\":n\":{\"N\":\"1\"}}}");
	const struct cf_http_header headers[] = {
		{ "Content-Type", "application/x-amz-json-1.0" },
		{ "X-Amz-Target", "DynamoDB_20120810.UpdateItem" },
		{ "X-Amz-Date", "20240101T000000Z" },
		{ "Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/dynamodb/aws4_request, "
				   "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
				   "Signature=0000000000000000000000000000000000000000000000000000000000000000" },
	};
	struct cf_http_request *reqs = calloc(n, sizeof(*reqs));
	if (!reqs)
		return 1;
	for (size_t i = 0; i < n; i++)
		reqs[i] = (struct cf_http_request){ .method = "POST", .url = url, .headers = headers,
						    .header_count = sizeof(headers) / sizeof(headers[0]),
						    .body = body, .body_len = (size_t)body_len, .timeout_ms = 10000 };

	printf("bench_transport: %zu POSTs (%d-byte body), 127.0.0.1, libcurl %s, median of %d runs\n", n, body_len,
	       curl_version_info(CURLVERSION_NOW)->version, runs);
	static const struct {
		const char *name;
		size_t in_flight;
	} modes[] = { { "sequential send", 0 }, { "send_many, 32 in flight", IN_FLIGHT } };
	int status = 0;
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		double rates[MAX_RUNS];
		unsigned conns[MAX_RUNS];
		for (int r = 0; r < runs; r++) {
			rates[r] = run_once(&srv, reqs, n, modes[m].in_flight, &conns[r]);
			if (rates[r] < 0) {
				status = 1;
				goto out;
			}
		}
		qsort(rates, (size_t)runs, sizeof(rates[0]), cmp_double);
		qsort(conns, (size_t)runs, sizeof(conns[0]), cmp_unsigned);
		printf("  %-24s %9.0f req/s   (min %.0f, max %.0f)   connections per run: %u (range %u-%u)\n",
		       modes[m].name, rates[runs / 2], rates[0], rates[runs - 1], conns[runs / 2], conns[0],
		       conns[runs - 1]);
	}
out:
	free(reqs);
	MHD_stop_daemon(srv.daemon);
	pthread_mutex_destroy(&srv.mu);
	curl_global_cleanup();
	return status;
}
