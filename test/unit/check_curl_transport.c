/* The libcurl transport against a real HTTP server on 127.0.0.1 (libmicrohttpd, see http_test_server.c). */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cartflow/curl_transport.h"
#include "cartflow/transport.h"
#include "http_test_server.h"
#include "test_support.h"
#include "transport/curl_transport_internal.h"

static struct test_server *srv;
static struct cf_transport t;

static void setup(void)
{
	srv = test_server_start();
	ck_assert_ptr_nonnull(srv);
	struct cf_error err;
	ck_assert_int_eq(cf_curl_transport_new(NULL, &t, &err), CF_OK);
}

static void teardown(void)
{
	cf_transport_destroy(&t);
	test_server_stop(srv);
	srv = NULL;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void assert_body(const struct cf_http_response *r, const char *expected)
{
	ck_assert_uint_eq(r->body_len, strlen(expected));
	ck_assert_ptr_nonnull(r->body);
	ck_assert_int_eq(memcmp(r->body, expected, r->body_len), 0);
	ck_assert_int_eq(r->body[r->body_len], '\0');
}

START_TEST(test_response_headers_and_body)
{
	char url[128], expected[256];
	test_server_url(srv, "/echo", url, sizeof(url));
	const char *body = "{\"QueueUrl\":\"q\"}";
	struct cf_http_request req = { .method = "POST", .url = url, .body = body, .body_len = strlen(body),
				       .timeout_ms = 5000 };
	struct cf_http_response resp = { 0 };
	struct cf_error err;
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_OK);
	ck_assert_int_eq(err.code, CF_OK);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(cf_http_response_header(&resp, "x-reply"), "hello");
	ck_assert_str_eq(cf_http_response_header(&resp, "X-Method"), "POST");
	ck_assert_str_eq(cf_http_response_header(&resp, "content-type"), "application/json");
	ck_assert_ptr_nonnull(cf_http_response_header(&resp, "Content-Length"));
	snprintf(expected, sizeof(expected), "{\"method\":\"POST\",\"path\":\"/echo\",\"body_len\":%zu}", strlen(body));
	assert_body(&resp, expected);
	cf_http_response_clean_up(&resp);

	static const char *const methods[] = { "GET", "PUT", "DELETE", "PATCH" };
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		struct cf_http_request r = { .method = methods[i], .url = url };
		if (strcmp(methods[i], "PUT") == 0) {
			r.body = "abc";
			r.body_len = 3;
		}
		ck_assert_int_eq(cf_transport_send(&t, &r, &resp, &err), CF_OK);
		ck_assert_int_eq(resp.status, 200);
		ck_assert_str_eq(cf_http_response_header(&resp, "X-Method"), methods[i]);
		snprintf(expected, sizeof(expected), "{\"method\":\"%s\",\"path\":\"/echo\",\"body_len\":%zu}",
			 methods[i], r.body_len);
		assert_body(&resp, expected);
		cf_http_response_clean_up(&resp);
	}

	struct cf_http_request head = { .method = "HEAD", .url = url };
	ck_assert_int_eq(cf_transport_send(&t, &head, &resp, &err), CF_OK);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(cf_http_response_header(&resp, "X-Method"), "HEAD");
	ck_assert_ptr_null(resp.body);
	cf_http_response_clean_up(&resp);

	/* Any HTTP status is CF_OK at this layer. */
	test_server_url(srv, "/status?code=503", url, sizeof(url));
	struct cf_http_request get = { .method = "GET", .url = url };
	ck_assert_int_eq(cf_transport_send(&t, &get, &resp, &err), CF_OK);
	ck_assert_int_eq(resp.status, 503);
	assert_body(&resp, "{\"code\":503}");
	cf_http_response_clean_up(&resp);
}
END_TEST

/* Only the caller's headers plus Host and Content-Length reach the server. */
START_TEST(test_no_headers_added)
{
	char url[128], value[256];
	test_server_url(srv, "/echo", url, sizeof(url));
	char body[300];
	memset(body, 'b', sizeof(body));
	const struct cf_http_header signed_headers[] = {
		{ "X-Amz-Date", "20240101T000000Z" },
		{ "X-Amz-Target", "DynamoDB_20120810.UpdateItem" },
		{ "Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/dynamodb/aws4_request, "
				   "SignedHeaders=host;x-amz-date;x-amz-target, Signature=abc" },
	};
	struct cf_http_request req = { .method = "POST", .url = url, .headers = signed_headers, .header_count = 3,
				       .body = body, .body_len = sizeof(body) };
	struct cf_http_response resp = { 0 };
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_OK);
	cf_http_response_clean_up(&resp);
	static const char *const never[] = { "Content-Type", "Accept", "Expect", "User-Agent", "Accept-Encoding",
					     "Transfer-Encoding", "Connection", "TE" };
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		ck_assert_msg(test_server_last_header(srv, never[i], NULL, 0) == 0, "curl added %s", never[i]);
	ck_assert_uint_eq(test_server_last_header(srv, "Host", value, sizeof(value)), 1);
	ck_assert_uint_eq(test_server_last_header(srv, "Content-Length", value, sizeof(value)), 1);
	ck_assert_str_eq(value, "300");
	ck_assert_uint_eq(test_server_last_header(srv, "X-Amz-Target", value, sizeof(value)), 1);
	ck_assert_str_eq(value, "DynamoDB_20120810.UpdateItem");
	ck_assert_uint_eq(test_server_last_header_count(srv), 5);
	ck_assert_uint_eq(test_server_last_body_len(srv), sizeof(body));

	/* A caller's Content-Type and Accept go out once, unchanged; an empty value is sent empty. */
	const struct cf_http_header with_type[] = {
		{ "Content-Type", "application/x-amz-json-1.0" },
		{ "Accept", "application/json" },
		{ "X-Empty", "" },
	};
	req.headers = with_type;
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_OK);
	cf_http_response_clean_up(&resp);
	ck_assert_uint_eq(test_server_last_header(srv, "Content-Type", value, sizeof(value)), 1);
	ck_assert_str_eq(value, "application/x-amz-json-1.0");
	ck_assert_uint_eq(test_server_last_header(srv, "Accept", value, sizeof(value)), 1);
	ck_assert_str_eq(value, "application/json");
	ck_assert_uint_eq(test_server_last_header(srv, "X-Empty", value, sizeof(value)), 1);
	ck_assert_str_eq(value, "");
	ck_assert_uint_eq(test_server_last_header(srv, "Expect", NULL, 0), 0);

	/* curl adds Expect: 100-continue to large POSTs by default; not here. */
	size_t big_len = 2u * 1024 * 1024;
	char *big = malloc(big_len);
	ck_assert_ptr_nonnull(big);
	memset(big, '{', big_len);
	req.headers = signed_headers;
	req.body = big;
	req.body_len = big_len;
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, NULL), CF_OK);
	ck_assert_int_eq(resp.status, 200);
	cf_http_response_clean_up(&resp);
	free(big);
	ck_assert_uint_eq(test_server_last_header(srv, "Expect", NULL, 0), 0);
	ck_assert_uint_eq(test_server_last_header(srv, "Content-Type", NULL, 0), 0);
	ck_assert_uint_eq(test_server_last_body_len(srv), big_len);

	/* A GET carries no Content-Length either. */
	struct cf_http_request get = { .method = "GET", .url = url, .headers = signed_headers, .header_count = 3 };
	ck_assert_int_eq(cf_transport_send(&t, &get, &resp, NULL), CF_OK);
	cf_http_response_clean_up(&resp);
	ck_assert_uint_eq(test_server_last_header_count(srv), 4);
}
END_TEST

START_TEST(test_keep_alive_reuse)
{
	char url[128];
	test_server_url(srv, "/echo", url, sizeof(url));
	test_server_reset_counters(srv);
	const char *body = "{\"Item\":{}}";
	for (int i = 0; i < 50; i++) {
		struct cf_http_request req = { .method = i % 2 ? "GET" : "POST", .url = url, .timeout_ms = 5000 };
		if (i % 2 == 0) {
			req.body = body;
			req.body_len = strlen(body);
		}
		struct cf_http_response resp = { 0 };
		struct cf_error err;
		ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_OK);
		ck_assert_int_eq(resp.status, 200);
		cf_http_response_clean_up(&resp);
	}
	ck_assert_uint_eq(test_server_requests(srv), 50);
	ck_assert_uint_eq(test_server_connections(srv), 1);
}
END_TEST

START_TEST(test_send_many_concurrency)
{
	char url[128];
	test_server_url(srv, "/sleep?ms=100", url, sizeof(url));
	test_server_reset_counters(srv);
	enum { N = 20 };
	struct cf_http_request reqs[N];
	struct cf_http_response resps[N] = { 0 };
	enum cf_status statuses[N];
	struct cf_error errs[N];
	for (int i = 0; i < N; i++)
		reqs[i] = (struct cf_http_request){ .method = "POST", .url = url, .body = "{}", .body_len = 2,
						    .timeout_ms = 10000 };
	double start = now_ms();
	ck_assert_int_eq(cf_transport_send_many(&t, reqs, N, 10, resps, statuses, errs), CF_OK);
	double elapsed = now_ms() - start;
	for (int i = 0; i < N; i++) {
		ck_assert_msg(statuses[i] == CF_OK, "request %d: %s", i, errs[i].message);
		ck_assert_int_eq(resps[i].status, 200);
		assert_body(&resps[i], "{}");
		cf_http_response_clean_up(&resps[i]);
	}
	unsigned concurrent = test_server_max_concurrent(srv);
	unsigned connections = test_server_connections(srv);
	fprintf(stderr, "send_many: 20 x 100 ms, 10 in flight: %.0f ms, %u concurrent, %u connections\n", elapsed,
		concurrent, connections);
	ck_assert_msg(elapsed < 1000.0, "took %.0f ms", elapsed);
	ck_assert_uint_le(concurrent, 10);
	ck_assert_uint_ge(concurrent, 2);
	ck_assert_uint_le(connections, 10);

	/* A second batch reuses the connections of the first. */
	ck_assert_int_eq(cf_transport_send_many(&t, reqs, N, 10, resps, statuses, errs), CF_OK);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(statuses[i], CF_OK);
		cf_http_response_clean_up(&resps[i]);
	}
	ck_assert_uint_eq(test_server_connections(srv), connections);
	ck_assert_uint_eq(test_server_requests(srv), 2 * N);
}
END_TEST

START_TEST(test_in_flight_capped_by_max_connections)
{
	struct cf_transport small;
	struct cf_curl_transport_options opt = { .max_connections = 3 };
	ck_assert_int_eq(cf_curl_transport_new(&opt, &small, NULL), CF_OK);
	char url[128];
	test_server_url(srv, "/sleep?ms=50", url, sizeof(url));
	test_server_reset_counters(srv);
	enum { N = 9 };
	struct cf_http_request reqs[N];
	struct cf_http_response resps[N] = { 0 };
	enum cf_status statuses[N];
	for (int i = 0; i < N; i++)
		reqs[i] = (struct cf_http_request){ .method = "GET", .url = url, .timeout_ms = 10000 };
	ck_assert_int_eq(cf_transport_send_many(&small, reqs, N, 32, resps, statuses, NULL), CF_OK);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(statuses[i], CF_OK);
		cf_http_response_clean_up(&resps[i]);
	}
	ck_assert_uint_le(test_server_max_concurrent(srv), 3);
	ck_assert_uint_le(test_server_connections(srv), 3);
	cf_transport_destroy(&small);
}
END_TEST

START_TEST(test_timeout)
{
	char url[128];
	test_server_url(srv, "/sleep?ms=2000", url, sizeof(url));
	struct cf_http_request req = { .method = "GET", .url = url, .timeout_ms = 200 };
	struct cf_http_response resp = { 0 };
	struct cf_error err;
	double start = now_ms();
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_ERR_TIMEOUT);
	double elapsed = now_ms() - start;
	ck_assert_msg(elapsed < 1500.0, "timeout took %.0f ms", elapsed);
	ck_assert_int_eq(err.code, CF_ERR_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(err.message, "timed out"));
	ck_assert_ptr_nonnull(strstr(err.message, "GET http://127.0.0.1:"));
	ck_assert_ptr_null(strstr(err.message, "ms=2000")); /* the query is not quoted */
	ck_assert_int_eq(resp.status, 0);
	ck_assert_ptr_null(resp.body);
	ck_assert_ptr_null(resp.headers);

	/* In a batch, the slow one times out and the quick one is unaffected. */
	char quick[128];
	test_server_url(srv, "/echo", quick, sizeof(quick));
	struct cf_http_request reqs[2] = { req, { .method = "GET", .url = quick, .timeout_ms = 5000 } };
	struct cf_http_response resps[2] = { 0 };
	enum cf_status statuses[2];
	struct cf_error errs[2];
	ck_assert_int_eq(cf_transport_send_many(&t, reqs, 2, 2, resps, statuses, errs), CF_OK);
	ck_assert_int_eq(statuses[0], CF_ERR_TIMEOUT);
	ck_assert_int_eq(errs[0].code, CF_ERR_TIMEOUT);
	ck_assert_int_eq(statuses[1], CF_OK);
	ck_assert_int_eq(resps[1].status, 200);
	cf_http_response_clean_up(&resps[0]);
	cf_http_response_clean_up(&resps[1]);

	/* The transport is still usable. */
	req.url = quick;
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_OK);
	ck_assert_int_eq(resp.status, 200);
	cf_http_response_clean_up(&resp);
}
END_TEST

START_TEST(test_body_larger_than_the_receive_buffer_arrives_whole)
{
	/* curl reads into a 4 KiB buffer (RECV_BUFFER_BYTES): a long answer takes many reads. */
	static const char *const paths[] = { "/big?bytes=200000", "/big?bytes=200000&chunked=1" };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char url[128];
		struct cf_http_response resp = { 0 };
		struct cf_error err;
		test_server_url(srv, paths[i], url, sizeof(url));
		struct cf_http_request req = { .method = "GET", .url = url, .timeout_ms = 5000 };
		ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_OK);
		ck_assert_uint_eq(resp.body_len, 200000);
		size_t same = 0;
		while (same < resp.body_len && resp.body[same] == 'x')
			same++;
		ck_assert_uint_eq(same, resp.body_len);
		cf_http_response_clean_up(&resp);
	}
}
END_TEST

START_TEST(test_oversize_body)
{
	struct cf_transport capped;
	struct cf_curl_transport_options opt = { .max_response_bytes = 1024 };
	ck_assert_int_eq(cf_curl_transport_new(&opt, &capped, NULL), CF_OK);
	char url[128];
	struct cf_http_response resp = { 0 };
	struct cf_error err;

	test_server_url(srv, "/big?bytes=1024", url, sizeof(url));
	struct cf_http_request req = { .method = "GET", .url = url, .timeout_ms = 5000 };
	ck_assert_int_eq(cf_transport_send(&capped, &req, &resp, &err), CF_OK);
	ck_assert_uint_eq(resp.body_len, 1024);
	cf_http_response_clean_up(&resp);

	static const char *const paths[] = { "/big?bytes=1025", "/big?bytes=1025&chunked=1",
					     "/big?bytes=100000&chunked=1" };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		test_server_url(srv, paths[i], url, sizeof(url));
		ck_assert_int_eq(cf_transport_send(&capped, &req, &resp, &err), CF_ERR_TOO_LARGE);
		ck_assert_int_eq(err.code, CF_ERR_TOO_LARGE);
		ck_assert_ptr_nonnull(strstr(err.message, "max_response_bytes (1024 bytes)"));
		ck_assert_ptr_null(resp.body);
		ck_assert_ptr_null(resp.headers);
	}

	/* The default cap is 8 MiB. */
	test_server_url(srv, "/big?bytes=9000000", url, sizeof(url));
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_ERR_TOO_LARGE);
	ck_assert_ptr_nonnull(strstr(err.message, "8388608"));

	/* Both transports still work afterwards. */
	test_server_url(srv, "/big?bytes=10", url, sizeof(url));
	ck_assert_int_eq(cf_transport_send(&capped, &req, &resp, &err), CF_OK);
	assert_body(&resp, "xxxxxxxxxx");
	cf_http_response_clean_up(&resp);
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_OK);
	cf_http_response_clean_up(&resp);
	cf_transport_destroy(&capped);
}
END_TEST

/* defer_start: libcurl starts in cf_curl_transport_start, or in the first send without it. */
START_TEST(test_deferred_start)
{
	char url[128];
	test_server_url(srv, "/echo", url, sizeof(url));
	struct cf_error err;
	for (int explicit_start = 0; explicit_start < 2; explicit_start++) {
		struct cf_transport deferred;
		ck_assert_int_eq(cf_curl_transport_new(&(struct cf_curl_transport_options){ .defer_start = true },
						       &deferred, &err),
				 CF_OK);
		if (explicit_start) {
			ck_assert_int_eq(cf_curl_transport_start(&deferred, &err), CF_OK);
			ck_assert_int_eq(cf_curl_transport_start(&deferred, &err), CF_OK); /* again: a no-op */
		}
		struct cf_http_request reqs[2] = { { .method = "GET", .url = url, .timeout_ms = 5000 },
						   { .method = "GET", .url = url, .timeout_ms = 5000 } };
		struct cf_http_response resps[2] = { { 0 } };
		enum cf_status statuses[2];
		if (explicit_start)
			ck_assert_int_eq(cf_transport_send(&deferred, &reqs[0], &resps[0], &err), CF_OK);
		else /* the batch path starts it too */
			ck_assert_int_eq(cf_transport_send_many(&deferred, reqs, 2, 2, resps, statuses, NULL), CF_OK);
		ck_assert_int_eq(resps[0].status, 200);
		cf_http_response_clean_up(&resps[0]);
		cf_http_response_clean_up(&resps[1]);
		cf_transport_destroy(&deferred);
	}
	/* Only a curl transport can be started. */
	struct cf_transport other = { 0 };
	ck_assert_int_eq(cf_curl_transport_start(&other, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_curl_transport_start(NULL, &err), CF_ERR_INVALID_ARG);
}
END_TEST

START_TEST(test_transport_errors)
{
	/* A port nobody listens on. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in addr = { 0 };
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	socklen_t len = sizeof(addr);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	close(fd);
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", (unsigned)ntohs(addr.sin_port));
	struct cf_http_request req = { .method = "GET", .url = url, .timeout_ms = 5000 };
	struct cf_http_response resp = { 0 };
	struct cf_error err;
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_ERR_TRANSPORT);
	ck_assert_ptr_nonnull(strstr(err.message, "curl error 7"));

	/* https is verified TLS: a plain HTTP server on the other end is a transport error, not a response. */
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/echo", (unsigned)test_server_port(srv));
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_ERR_TRANSPORT);
	ck_assert_ptr_null(resp.body);

	/* Other schemes are refused. */
	req.url = "file:///etc/passwd";
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_ERR_TRANSPORT);
	ck_assert_ptr_null(resp.body);
}
END_TEST

/* Called through the vtable directly (no front door), the curl transport still refuses CR/LF. */
START_TEST(test_header_refused_before_sending)
{
	char url[128];
	test_server_url(srv, "/echo", url, sizeof(url));
	test_server_reset_counters(srv);
	static const struct cf_http_header bad[] = { { "X-Amz-Date", "1\r\nX-Injected: yes" } };
	struct cf_http_request req = { .method = "GET", .url = url, .headers = bad, .header_count = 1 };
	struct cf_http_response resp = { 0 };
	struct cf_error err;
	ck_assert_int_eq(t.methods->send(t.data, &req, &resp, &err), CF_ERR_HEADER);
	ck_assert_int_eq(err.code, CF_ERR_HEADER);
	ck_assert_int_eq(cf_transport_send(&t, &req, &resp, &err), CF_ERR_HEADER);
	struct cf_http_request reqs[2] = { req, { .method = "GET", .url = url } };
	struct cf_http_response resps[2] = { 0 };
	enum cf_status statuses[2];
	ck_assert_int_eq(t.methods->send_many(t.data, reqs, 2, 2, resps, statuses, NULL), CF_OK);
	ck_assert_int_eq(statuses[0], CF_ERR_HEADER);
	ck_assert_int_eq(statuses[1], CF_OK);
	cf_http_response_clean_up(&resps[1]);
	ck_assert_uint_eq(test_server_requests(srv), 1);
	ck_assert_uint_eq(test_server_connections(srv), 1);
}
END_TEST

START_TEST(test_options_and_ca_bundle)
{
	struct cf_transport x;
	struct cf_error err;
	struct cf_curl_transport_options opt = { .connect_timeout_ms = -1 };
	ck_assert_int_eq(cf_curl_transport_new(&opt, &x, &err), CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(x.methods);
	opt = (struct cf_curl_transport_options){ .max_connections = CF_CURL_MAX_CONNECTIONS_LIMIT + 1 };
	ck_assert_int_eq(cf_curl_transport_new(&opt, &x, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(cf_curl_transport_new(NULL, NULL, &err), CF_ERR_INVALID_ARG);

	char *saved = getenv("SSL_CERT_FILE") ? strdup(getenv("SSL_CERT_FILE")) : NULL;
	unsetenv("SSL_CERT_FILE");
	ck_assert_int_eq(cf_curl_transport_new(NULL, &x, &err), CF_OK);
	const char *expected = NULL;
	if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0)
		expected = "/etc/ssl/certs/ca-certificates.crt";
	else if (access("/etc/pki/tls/certs/ca-bundle.crt", R_OK) == 0)
		expected = "/etc/pki/tls/certs/ca-bundle.crt";
	if (expected)
		ck_assert_str_eq(cf_curl_transport_ca_file(&x), expected);
	else
		ck_assert_ptr_null(cf_curl_transport_ca_file(&x));
	cf_transport_destroy(&x);

	char path[] = "/tmp/cf_ca_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	setenv("SSL_CERT_FILE", path, 1);
	ck_assert_int_eq(cf_curl_transport_new(NULL, &x, &err), CF_OK);
	/* Read once at creation: later changes do not matter. */
	setenv("SSL_CERT_FILE", "/nonexistent/ca.pem", 1);
	ck_assert_str_eq(cf_curl_transport_ca_file(&x), path);
	cf_transport_destroy(&x);

	ck_assert_int_eq(cf_curl_transport_new(NULL, &x, &err), CF_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.message, "SSL_CERT_FILE=/nonexistent/ca.pem"));
	ck_assert_ptr_null(x.methods);

	/* An explicit option wins over the environment. */
	opt = (struct cf_curl_transport_options){ .ca_file = path };
	ck_assert_int_eq(cf_curl_transport_new(&opt, &x, &err), CF_OK);
	ck_assert_str_eq(cf_curl_transport_ca_file(&x), path);
	cf_transport_destroy(&x);
	struct cf_transport other = { 0 };
	ck_assert_ptr_null(cf_curl_transport_ca_file(&other));

	unlink(path);
	if (saved)
		setenv("SSL_CERT_FILE", saved, 1);
	else
		unsetenv("SSL_CERT_FILE");
	free(saved);
}
END_TEST

/* ---- allocation failures inside the transport (curl's own allocations are not ours to fail) ---- */

START_TEST(test_alloc_failure)
{
	char url[128];
	test_server_url(srv, "/echo", url, sizeof(url));
	static const struct cf_http_header h[] = { { "X-Amz-Date", "20240101T000000Z" }, { "X-Empty", "" } };
	struct cf_http_request req = { .method = "POST", .url = url, .headers = h, .header_count = 2,
				       .body = "{}", .body_len = 2, .timeout_ms = 5000 };
	bool completed = false;
	for (long budget = 0; !completed; budget++) {
		ck_assert_int_lt(budget, 1000);
		ts_alloc_install_budget(budget);
		struct cf_transport x;
		struct cf_error err;
		enum cf_status st = cf_curl_transport_new(NULL, &x, &err);
		if (st == CF_OK) {
			struct cf_http_response resp = { 0 };
			st = cf_transport_send(&x, &req, &resp, &err);
			if (st == CF_OK) {
				ck_assert_int_eq(resp.status, 200);
				ck_assert_str_eq(cf_http_response_header(&resp, "X-Reply"), "hello");
				ck_assert_ptr_nonnull(resp.body);
			} else {
				ck_assert_ptr_null(resp.body);
				ck_assert_ptr_null(resp.headers);
			}
			cf_http_response_clean_up(&resp);
			cf_transport_destroy(&x);
		} else {
			ck_assert_ptr_null(x.methods);
		}
		if (st != CF_OK) {
			ck_assert_int_eq(st, CF_ERR_NOMEM);
			ck_assert_int_eq(err.code, CF_ERR_NOMEM);
		}
		ck_assert_int_eq(ts_alloc_live(), 0);
		ts_alloc_uninstall();
		completed = st == CF_OK;
	}
}
END_TEST

int main(void)
{
	/* Requests go straight to 127.0.0.1 whatever the environment says about proxies. */
	static const char *const proxy_vars[] = { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
						  "all_proxy", "ALL_PROXY" };
	for (size_t i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++)
		unsetenv(proxy_vars[i]);

	Suite *s = suite_create("curl_transport");
	TCase *tc = tcase_create("local server");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_response_headers_and_body);
	tcase_add_test(tc, test_no_headers_added);
	tcase_add_test(tc, test_keep_alive_reuse);
	tcase_add_test(tc, test_send_many_concurrency);
	tcase_add_test(tc, test_in_flight_capped_by_max_connections);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_body_larger_than_the_receive_buffer_arrives_whole);
	tcase_add_test(tc, test_oversize_body);
	tcase_add_test(tc, test_deferred_start);
	tcase_add_test(tc, test_transport_errors);
	tcase_add_test(tc, test_header_refused_before_sending);
	tcase_add_test(tc, test_options_and_ca_bundle);
	tcase_add_test(tc, test_alloc_failure);
	suite_add_tcase(s, tc);
	int status = ts_run_suite(s);
	/* The library never calls this; a program that wants a clean valgrind report does, last. */
	curl_global_cleanup();
	return status;
}
