/*
 * transport/socket_transport.c against a real TCP server on 127.0.0.1 that runs in a thread of the
 * test: each test gives it a script (accept, read a request, write these bytes, close...) and looks
 * afterwards at what the server received and how many connections it accepted.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cartflow/socket_transport.h"
#include "cartflow/transport.h"
#include "test_support.h"

/* ---- the scripted server ---- */

#define MAX_REQUESTS 8
#define REQUEST_MAX 8192
/* How long the server waits for the client before it calls the test failed (valgrind is slow). */
#define WAIT_MS 3000

struct server {
	int lfd;
	unsigned short port;
	pthread_t thread;
	void (*script)(struct server *);
	const void *arg; /* the script's own input */

	/* Counters the test and the script wait on, each way. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned from_client, from_server;

	/* Results, read by the test after server_join(). */
	char failure[512];
	unsigned accepted;
	unsigned request_count;
	char requests[MAX_REQUESTS][REQUEST_MAX];
	size_t request_len[MAX_REQUESTS];
};

/* Record the script's first failure; the test reports it after joining. */
__attribute__((format(printf, 2, 3))) static void srv_fail(struct server *s, const char *fmt, ...)
{
	if (s->failure[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->failure, sizeof(s->failure), fmt, ap);
	va_end(ap);
}

static int srv_accept(struct server *s)
{
	struct pollfd p = { .fd = s->lfd, .events = POLLIN };
	if (poll(&p, 1, WAIT_MS) != 1) {
		srv_fail(s, "no connection %u within %d ms", s->accepted + 1, WAIT_MS);
		return -1;
	}
	int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		srv_fail(s, "accept: %s", strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->accepted++;
	return fd;
}

/* The value of Content-Length in a request head (0 when absent). */
static size_t request_content_length(const char *head, size_t head_len)
{
	static const char name[] = "\r\ncontent-length:";
	for (size_t i = 0; i + sizeof(name) - 1 < head_len; i++) {
		if (strncasecmp(head + i, name, sizeof(name) - 1) == 0)
			return (size_t)strtoul(head + i + sizeof(name) - 1, NULL, 10);
	}
	return 0;
}

/*
 * Read one whole request (head, then Content-Length bytes) and keep it in s->requests.
 * 1: a request; 0: the client closed before sending a byte; -1: anything else (`why` says what).
 */
static int srv_read_request(struct server *s, int fd, const char **why)
{
	char buf[REQUEST_MAX];
	size_t len = 0, need = 0;
	*why = "";
	if (fd < 0) {
		*why = "no connection";
		return -1;
	}
	while (!need || len < need) {
		if (!need) {
			const char *blank = memmem(buf, len, "\r\n\r\n", 4);
			if (blank) {
				size_t head_len = (size_t)(blank - buf) + 4;
				need = head_len + request_content_length(buf, head_len);
				continue;
			}
		}
		if (len == sizeof(buf)) {
			*why = "request too long for the test server";
			return -1;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, WAIT_MS) != 1) {
			*why = "no complete request in time";
			return -1;
		}
		ssize_t n = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && len == 0)
			return 0;
		if (n <= 0) {
			*why = n == 0 ? "connection closed inside a request" : strerror(errno);
			return -1;
		}
		len += (size_t)n;
	}
	if (len > need) {
		*why = "bytes after the request";
		return -1;
	}
	if (s->request_count < MAX_REQUESTS) {
		memcpy(s->requests[s->request_count], buf, len);
		s->request_len[s->request_count] = len;
	}
	s->request_count++;
	return 1;
}

static bool srv_expect_request(struct server *s, int fd)
{
	const char *why;
	int r = srv_read_request(s, fd, &why);
	if (r != 1)
		srv_fail(s, "request %u: %s", s->request_count + 1, r == 0 ? "connection closed, no request" : why);
	return r == 1;
}

/* Write `len` bytes; a failure is the test's failure unless `quiet`. */
static void srv_write(struct server *s, int fd, const char *data, size_t len, bool quiet)
{
	while (fd >= 0 && len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (!quiet)
				srv_fail(s, "send: %s", strerror(errno));
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

static void srv_send(struct server *s, int fd, const char *text) { srv_write(s, fd, text, strlen(text), false); }

/* Read one request on `fd`, then send `answer`. */
static void srv_answer(struct server *s, int fd, const char *answer)
{
	if (srv_expect_request(s, fd))
		srv_send(s, fd, answer);
}

/* Accept a connection and answer its first request; returns its descriptor (-1 if none came). */
static int srv_accept_answer(struct server *s, const char *answer)
{
	int fd = srv_accept(s);
	srv_answer(s, fd, answer);
	return fd;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Write each piece separately, a few milliseconds apart, so the client reads them one by one. */
static void srv_send_pieces(struct server *s, int fd, const char *const *pieces, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (i)
			pause_ms(5);
		srv_send(s, fd, pieces[i]);
	}
}

/* Wait for the client to close `fd` (reading nothing more), then close it too. */
static void srv_wait_close(struct server *s, int fd)
{
	if (fd < 0)
		return;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, WAIT_MS) != 1) {
			srv_fail(s, "the client did not close its connection");
			break;
		}
		char c;
		ssize_t n = recv(fd, &c, 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0)
			srv_fail(s, "unexpected bytes from the client: %c...", c);
		break;
	}
	close(fd);
}

/* No connection is waiting to be accepted. */
static void srv_expect_no_connection(struct server *s)
{
	struct pollfd p = { .fd = s->lfd, .events = POLLIN };
	if (poll(&p, 1, 0) != 0)
		srv_fail(s, "an unexpected connection (%u accepted before)", s->accepted);
}

static void srv_tell_client(struct server *s)
{
	pthread_mutex_lock(&s->mu);
	s->from_server++;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void client_tell_server(struct server *s)
{
	pthread_mutex_lock(&s->mu);
	s->from_client++;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* Wait until `*counter` reaches `n`; false after WAIT_MS. */
static bool wait_counter(struct server *s, const unsigned *counter, unsigned n)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&s->mu);
	int rc = 0;
	while (*counter < n && rc == 0)
		rc = pthread_cond_timedwait(&s->cv, &s->mu, &until);
	bool ok = *counter >= n;
	pthread_mutex_unlock(&s->mu);
	return ok;
}

static void srv_wait_for_client(struct server *s, unsigned n)
{
	if (!wait_counter(s, &s->from_client, n))
		srv_fail(s, "no signal %u from the client", n);
}

static void client_wait_for_server(struct server *s, unsigned n)
{
	ck_assert_msg(wait_counter(s, &s->from_server, n), "no signal %u from the server", n);
}

static void *server_main(void *arg)
{
	struct server *s = arg;
	s->script(s);
	return NULL;
}

static struct server *server_start(void (*script)(struct server *), const void *arg)
{
	struct server *s = calloc(1, sizeof(*s));
	ck_assert_ptr_nonnull(s);
	s->script = script;
	s->arg = arg;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s->lfd, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	ck_assert_int_eq(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(s->lfd, 8), 0);
	ck_assert_int_eq(getsockname(s->lfd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, server_main, s), 0);
	return s;
}

/* Wait for the script to end and fail the test with its failure, if any. `s` stays readable. */
static void server_join(struct server *s)
{
	ck_assert_int_eq(pthread_join(s->thread, NULL), 0);
	close(s->lfd);
	s->lfd = -1;
	ck_assert_msg(!s->failure[0], "server: %s", s->failure);
}

static void server_free(struct server *s)
{
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* ---- client helpers ---- */

/* "http://127.0.0.1:<port><path>" into `out` (128 bytes). */
static void url(const struct server *s, const char *path, char *out)
{
	snprintf(out, 128, "http://127.0.0.1:%u%s", s->port, path);
}

static struct cf_transport new_transport(const struct cf_socket_transport_options *opt)
{
	struct cf_transport t;
	struct cf_error err;
	ck_assert_msg(cf_socket_transport_new(opt, &t, &err) == CF_OK, "%s", err.message);
	ck_assert_ptr_nonnull(t.methods);
	return t;
}

/* A request without headers or body, with a 2 s timeout. */
static struct cf_http_request simple(const char *method, const char *u)
{
	return (struct cf_http_request){ .method = method, .url = u, .timeout_ms = 2000 };
}

static void send_ok(struct cf_transport *t, const struct cf_http_request *req, struct cf_http_response *resp)
{
	struct cf_error err;
	enum cf_status st = cf_transport_send(t, req, resp, &err);
	ck_assert_msg(st == CF_OK, "%s %s: status %d (%s)", req->method, req->url, st, err.message);
	ck_assert_int_eq(err.code, CF_OK);
}

/* Send and require `want` with `fragment` in the message and an empty response. */
static void send_fails(struct cf_transport *t, const struct cf_http_request *req, enum cf_status want,
		       const char *fragment)
{
	struct cf_http_response resp = { 0 };
	struct cf_error err;
	enum cf_status st = cf_transport_send(t, req, &resp, &err);
	ck_assert_msg(st == want, "%s %s: status %d, want %d (%s)", req->method, req->url, st, want, err.message);
	ck_assert_int_eq(err.code, want);
	ck_assert_msg(strstr(err.message, fragment), "message \"%s\" lacks \"%s\"", err.message, fragment);
	/* The message names the method and URL. */
	char prefix[160];
	snprintf(prefix, sizeof(prefix), "%s %s", req->method, req->url);
	ck_assert_msg(strncmp(err.message, prefix, strlen(prefix)) == 0, "message \"%s\" does not start with \"%s\"",
		      err.message, prefix);
	ck_assert_int_eq(resp.status, 0);
	ck_assert_ptr_null(resp.headers);
	ck_assert_uint_eq(resp.header_count, 0);
	ck_assert_ptr_null(resp.body);
	ck_assert_uint_eq(resp.body_len, 0);
}

static void assert_body(const struct cf_http_response *r, const char *expected, size_t len)
{
	ck_assert_uint_eq(r->body_len, len);
	if (!len) {
		ck_assert_ptr_null(r->body);
		return;
	}
	ck_assert_ptr_nonnull(r->body);
	ck_assert_msg(memcmp(r->body, expected, len) == 0, "body \"%.*s\", want \"%.*s\"", (int)r->body_len, r->body,
		      (int)len, expected);
	ck_assert_int_eq(r->body[len], '\0');
}

#define ASSERT_BODY(r, lit) assert_body(r, lit, sizeof(lit) - 1)

/* Send `req` on `t`, require success, the status `status` and the body `body`, release the response. */
static void expect_answer(struct cf_transport *t, const struct cf_http_request *req, int status, const char *body,
			  size_t len)
{
	struct cf_http_response resp = { 0 };
	send_ok(t, req, &resp);
	ck_assert_int_eq(resp.status, status);
	assert_body(&resp, body, len);
	cf_http_response_clean_up(&resp);
}
#define EXPECT_ANSWER(t, req, status, lit) expect_answer(t, req, status, lit, sizeof(lit) - 1)
#define EXPECT_BODY(t, req, lit) EXPECT_ANSWER(t, req, 200, lit)

/* Destroy the client's transport, wait for the server's script, require `accepted` connections. */
static void finish(struct server *s, struct cf_transport *t, unsigned accepted)
{
	cf_transport_destroy(t);
	server_join(s);
	ck_assert_uint_eq(s->accepted, accepted);
}

/* "Host: 127.0.0.1:<port>" into `out` (`cap` bytes). */
static void host_line(const struct server *s, char *out, size_t cap)
{
	snprintf(out, cap, "Host: 127.0.0.1:%u", s->port);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/*
 * Request `i` as the server received it: exactly the request line `line`, exactly the header lines
 * in `headers` (NULL-terminated, "Name: value", any order, each once) and the body `body`.
 */
static void assert_request(const struct server *s, unsigned i, const char *line, const char *const *headers,
			   const char *body)
{
	ck_assert_uint_lt(i, s->request_count);
	const char *r = s->requests[i];
	size_t len = s->request_len[i];
	const char *blank = memmem(r, len, "\r\n\r\n", 4);
	ck_assert_ptr_nonnull(blank);
	const char *eol = memmem(r, len, "\r\n", 2);
	ck_assert_msg((size_t)(eol - r) == strlen(line) && memcmp(r, line, strlen(line)) == 0,
		      "request %u: line \"%.*s\", want \"%s\"", i, (int)(eol - r), r, line);
	size_t want_count = 0;
	while (headers[want_count])
		want_count++;
	bool seen[16] = { false };
	ck_assert_uint_le(want_count, 16);
	size_t count = 0;
	for (const char *h = eol + 2; h < blank + 2; h = eol + 2) {
		eol = memmem(h, (size_t)(blank + 2 - h), "\r\n", 2);
		size_t n = (size_t)(eol - h);
		size_t k = 0;
		while (k < want_count && (strlen(headers[k]) != n || memcmp(headers[k], h, n) != 0))
			k++;
		ck_assert_msg(k < want_count, "request %u: unexpected header line \"%.*s\"", i, (int)n, h);
		ck_assert_msg(!seen[k], "request %u: header line \"%s\" twice", i, headers[k]);
		seen[k] = true;
		count++;
	}
	ck_assert_msg(count == want_count, "request %u: %zu header lines, want %zu", i, count, want_count);
	size_t head_len = (size_t)(blank - r) + 4;
	ck_assert_msg(len - head_len == strlen(body) && memcmp(r + head_len, body, len - head_len) == 0,
		      "request %u: body \"%.*s\", want \"%s\"", i, (int)(len - head_len), r + head_len, body);
}

/* ---- answers ---- */

static void script_content_length(struct server *s)
{
	int fd = srv_accept_answer(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Reply:  hello  \r\n"
					   "Content-Length: 11\r\n\r\n{\"ok\":true}");
	srv_wait_close(s, fd);
}

START_TEST(test_content_length_answer)
{
	struct server *s = server_start(script_content_length, NULL);
	struct cf_transport t = new_transport(NULL);
	char u[128];
	url(s, "/2018-06-01/runtime/invocation/next", u);
	struct cf_http_request req = simple("GET", u);
	struct cf_http_response resp = { 0 };
	send_ok(&t, &req, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_uint_eq(resp.header_count, 3);
	ck_assert_str_eq(resp.headers[0].name, "Content-Type");
	ck_assert_str_eq(resp.headers[0].value, "application/json");
	ck_assert_str_eq(cf_http_response_header(&resp, "x-reply"), "hello");
	ck_assert_str_eq(cf_http_response_header(&resp, "Content-Length"), "11");
	ASSERT_BODY(&resp, "{\"ok\":true}");
	cf_http_response_clean_up(&resp);
	/* Destroying the transport closes the kept-alive connection. */
	finish(s, &t, 1);
	char host[64];
	host_line(s, host, sizeof(host));
	assert_request(s, 0, "GET /2018-06-01/runtime/invocation/next HTTP/1.1", (const char *const[]){ host, NULL },
		       "");
	server_free(s);
}
END_TEST

#define BIG_CHUNKED 70000

static void script_chunked(struct server *s)
{
	int fd = srv_accept(s);
	static const char *const pieces[] = {
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r",
		"\n\r\n5\r\nhel",
		"lo\r\n1",
		"0;ext=1\r\n0123456789abcdef\r",
		"\n0\r\nX-Trailer: t\r\n",
		"\r\n",
	};
	if (srv_expect_request(s, fd))
		srv_send_pieces(s, fd, pieces, sizeof(pieces) / sizeof(pieces[0]));
	/* The same connection, a second answer in one write. */
	srv_answer(s, fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
	/* A body larger than the first read buffer, in two chunks written in several pieces. */
	if (srv_expect_request(s, fd)) {
		static char big[BIG_CHUNKED];
		for (size_t i = 0; i < sizeof(big); i++)
			big[i] = (char)('A' + i % 23);
		srv_send(s, fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7530\r\n"); /* 30000 */
		srv_write(s, fd, big, 12345, false);
		pause_ms(5);
		srv_write(s, fd, big + 12345, 30000 - 12345, false);
		srv_send(s, fd, "\r\n9c40\r\n"); /* 40000 */
		pause_ms(5);
		srv_write(s, fd, big + 30000, 40000, false);
		srv_send(s, fd, "\r\n0\r\n\r\n");
	}
	srv_wait_close(s, fd);
}

START_TEST(test_chunked_answer_in_pieces)
{
	struct server *s = server_start(script_chunked, NULL);
	struct cf_transport t = new_transport(NULL);
	char u[128];
	url(s, "/chunked", u);
	struct cf_http_request req = simple("GET", u);
	struct cf_http_response resp = { 0 };
	send_ok(&t, &req, &resp);
	ck_assert_int_eq(resp.status, 200);
	ASSERT_BODY(&resp, "hello0123456789abcdef");
	ck_assert_str_eq(cf_http_response_header(&resp, "X-A"), "1");
	/* Trailer fields are dropped. */
	ck_assert_ptr_null(cf_http_response_header(&resp, "X-Trailer"));
	ck_assert_uint_eq(resp.header_count, 2);
	cf_http_response_clean_up(&resp);

	EXPECT_BODY(&t, &req, "abc");

	send_ok(&t, &req, &resp);
	static char big[BIG_CHUNKED];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('A' + i % 23);
	assert_body(&resp, big, BIG_CHUNKED);
	cf_http_response_clean_up(&resp);
	finish(s, &t, 1);
	ck_assert_uint_eq(s->request_count, 3);
	server_free(s);
}
END_TEST

static void script_interim(struct server *s)
{
	int fd = srv_accept(s);
	if (srv_expect_request(s, fd)) {
		srv_send(s, fd, "HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n");
		pause_ms(5);
		/* A second interim answer and the final one in the same write. */
		srv_send(s, fd,
			 "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
			 "HTTP/1.1 201 Created\r\nX-Final: yes\r\nContent-Length: 2\r\n\r\nok");
	}
	srv_answer(s, fd, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
	srv_wait_close(s, fd);
}

START_TEST(test_interim_answers_skipped)
{
	struct server *s = server_start(script_interim, NULL);
	struct cf_transport t = new_transport(NULL);
	char u[128];
	url(s, "/post", u);
	struct cf_http_request req = simple("POST", u);
	req.body = "{}";
	req.body_len = 2;
	struct cf_http_response resp = { 0 };
	send_ok(&t, &req, &resp);
	ck_assert_int_eq(resp.status, 201);
	ck_assert_uint_eq(resp.header_count, 2);
	ck_assert_str_eq(cf_http_response_header(&resp, "X-Final"), "yes");
	ck_assert_ptr_null(cf_http_response_header(&resp, "X-Interim"));
	ck_assert_ptr_null(cf_http_response_header(&resp, "Link"));
	ASSERT_BODY(&resp, "ok");
	cf_http_response_clean_up(&resp);
	/* The connection is still in step: the next answer is read whole. */
	send_ok(&t, &req, &resp);
	ck_assert_int_eq(resp.status, 202);
	ck_assert_uint_eq(resp.header_count, 1);
	ASSERT_BODY(&resp, "");
	cf_http_response_clean_up(&resp);
	finish(s, &t, 1);
	server_free(s);
}
END_TEST

static void script_until_close(struct server *s)
{
	int fd = srv_accept(s);
	static const char *const pieces[] = { "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst part, ",
					      "second part" };
	if (srv_expect_request(s, fd))
		srv_send_pieces(s, fd, pieces, 2);
	if (fd >= 0)
		close(fd);
	/* The connection cannot be reused: the next request comes on a new one. */
	fd = srv_accept_answer(s, "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nold server");
	if (fd >= 0)
		close(fd);
	/* An empty body ended by the close. */
	fd = srv_accept_answer(s, "HTTP/1.1 500 Internal Server Error\r\n\r\n");
	if (fd >= 0)
		close(fd);
}

START_TEST(test_answer_until_close)
{
	struct server *s = server_start(script_until_close, NULL);
	struct cf_transport t = new_transport(NULL);
	char u[128];
	url(s, "/close", u);
	struct cf_http_request req = simple("GET", u);
	struct cf_http_response resp = { 0 };
	EXPECT_ANSWER(&t, &req, 200, "first part, second part");
	send_ok(&t, &req, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(cf_http_response_header(&resp, "Server"), "old");
	ASSERT_BODY(&resp, "old server");
	cf_http_response_clean_up(&resp);
	EXPECT_ANSWER(&t, &req, 500, "");
	finish(s, &t, 3);
	server_free(s);
}
END_TEST

/* ---- connections ---- */

static void script_keep_alive(struct server *s)
{
	int fd = srv_accept_answer(s, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none");
	srv_answer(s, fd, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo");
	srv_expect_no_connection(s);
	srv_wait_close(s, fd);
}

START_TEST(test_keep_alive_reuse)
{
	struct server *s = server_start(script_keep_alive, NULL);
	struct cf_transport t = new_transport(NULL);
	char u1[128], u2[128];
	url(s, "/a", u1);
	url(s, "/b", u2);
	struct cf_http_request req = simple("GET", u1);
	EXPECT_BODY(&t, &req, "one");
	req = simple("POST", u2);
	req.body = "x";
	req.body_len = 1;
	EXPECT_BODY(&t, &req, "two");
	finish(s, &t, 1);
	ck_assert_uint_eq(s->request_count, 2);
	char host[64];
	host_line(s, host, sizeof(host));
	assert_request(s, 0, "GET /a HTTP/1.1", (const char *const[]){ host, NULL }, "");
	assert_request(s, 1, "POST /b HTTP/1.1", (const char *const[]){ host, "Content-Length: 1", NULL }, "x");
	server_free(s);
}
END_TEST

/* Answers after which the connection must not be reused. */
static void script_not_reusable(struct server *s)
{
	static const char *const answers[] = {
		"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na",
		"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb",
		/* More bytes than announced: the connection is out of step. */
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ncd",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ne",
	};
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		int fd = srv_accept_answer(s, answers[i]);
		/* The client closes it (the last one when the transport is destroyed). */
		srv_wait_close(s, fd);
	}
}

START_TEST(test_connection_not_reused)
{
	struct server *s = server_start(script_not_reusable, NULL);
	struct cf_transport t = new_transport(NULL);
	char u[128];
	url(s, "/x", u);
	struct cf_http_request req = simple("GET", u);
	static const char *const bodies[] = { "a", "b", "c", "e" };
	for (size_t i = 0; i < 4; i++) {
		struct cf_http_response resp = { 0 };
		send_ok(&t, &req, &resp);
		ck_assert_int_eq(resp.status, 200);
		assert_body(&resp, bodies[i], 1);
		cf_http_response_clean_up(&resp);
	}
	finish(s, &t, 4);
	server_free(s);
}
END_TEST

/* `s->arg` points to a bool: reset the idle connection (RST) rather than close it (FIN). */
static void script_idle_close(struct server *s)
{
	int fd = srv_accept_answer(s, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none");
	/* The idle connection is closed by the server, then the client sends its next request. */
	if (fd >= 0 && *(const bool *)s->arg) {
		struct linger reset = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
	}
	if (fd >= 0)
		close(fd);
	srv_tell_client(s);
	fd = srv_accept_answer(s, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo");
	srv_wait_for_client(s, 1);
	srv_expect_no_connection(s);
	srv_wait_close(s, fd);
}

/*
 * The server closes the kept-alive connection while it is idle: the next request is sent once more
 * on a new connection. With a FIN the write succeeds and the answer is missing; with a RST (loop
 * index 1) the write itself fails.
 */
START_TEST(test_idle_close_retried_once)
{
	static const bool reset[2] = { false, true };
	struct server *s = server_start(script_idle_close, &reset[_i]);
	struct cf_transport t = new_transport(NULL);
	char u1[128], u2[128];
	url(s, "/first", u1);
	url(s, "/second", u2);
	struct cf_http_request req = simple("GET", u1);
	EXPECT_BODY(&t, &req, "one");
	client_wait_for_server(s, 1);
	pause_ms(20); /* let the FIN arrive */
	req = simple("POST", u2);
	req.body = "payload";
	req.body_len = 7;
	EXPECT_ANSWER(&t, &req, 200, "two");
	client_tell_server(s);
	finish(s, &t, 2);
	/* The request went again, whole, on the new connection. */
	ck_assert_uint_eq(s->request_count, 2);
	char host[64];
	host_line(s, host, sizeof(host));
	assert_request(s, 1, "POST /second HTTP/1.1", (const char *const[]){ host, "Content-Length: 7", NULL },
		       "payload");
	server_free(s);
}
END_TEST

/* When the failure is not the idle close of a reused connection, there is no second attempt. */
static void script_no_retry(struct server *s)
{
	/* A new connection closed with no answer. */
	int fd = srv_accept(s);
	srv_expect_request(s, fd);
	if (fd >= 0)
		close(fd);
	srv_wait_for_client(s, 1);
	srv_expect_no_connection(s);
	srv_tell_client(s);
	/* A reused connection closed in the middle of the answer. */
	fd = srv_accept_answer(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	srv_answer(s, fd, "HTTP/1.1 200 OK\r\nContent-Le");
	if (fd >= 0)
		close(fd);
	srv_wait_for_client(s, 2);
	srv_expect_no_connection(s);
	srv_tell_client(s);
	/* A reused connection that stays silent until the deadline. */
	fd = srv_accept_answer(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	srv_expect_request(s, fd);
	srv_wait_close(s, fd);
	srv_wait_for_client(s, 3);
	srv_expect_no_connection(s);
	srv_tell_client(s);
	/* A reused connection that sends an interim answer, then closes: the request arrived. */
	fd = srv_accept_answer(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	srv_answer(s, fd, "HTTP/1.1 100 Continue\r\n\r\n");
	if (fd >= 0)
		close(fd);
	srv_wait_for_client(s, 4);
	srv_expect_no_connection(s);
}

START_TEST(test_no_retry_otherwise)
{
	struct server *s = server_start(script_no_retry, NULL);
	struct cf_transport t = new_transport(NULL);
	char u[128];
	url(s, "/r", u);
	struct cf_http_request req = simple("GET", u);
	send_fails(&t, &req, CF_ERR_TRANSPORT, "connection closed before the answer ended");
	client_tell_server(s);
	client_wait_for_server(s, 1);

	struct cf_http_response resp = { 0 };
	EXPECT_BODY(&t, &req, "ok");
	send_fails(&t, &req, CF_ERR_TRANSPORT, "connection closed before the answer ended");
	client_tell_server(s);
	client_wait_for_server(s, 2);

	send_ok(&t, &req, &resp);
	cf_http_response_clean_up(&resp);
	req.timeout_ms = 100;
	send_fails(&t, &req, CF_ERR_TIMEOUT, "no complete answer before the deadline");
	client_tell_server(s);
	client_wait_for_server(s, 3);

	req.timeout_ms = 0;
	send_ok(&t, &req, &resp);
	cf_http_response_clean_up(&resp);
	send_fails(&t, &req, CF_ERR_TRANSPORT, "connection closed before the answer ended");
	client_tell_server(s);
	finish(s, &t, 4);
	ck_assert_uint_eq(s->request_count, 7);
	server_free(s);
}
END_TEST

/*
 * The server answers 413 after the request's head, without reading its body, and closes: the client's
 * write fails part-way, and the answer must still reach the caller. `s->arg`: a bool, answer (true)
 * or close without one (false).
 */
static void script_early_answer(struct server *s)
{
	int fd = srv_accept(s);
	char head[REQUEST_MAX];
	size_t len = 0;
	while (fd >= 0 && len < sizeof(head) && !memmem(head, len, "\r\n\r\n", 4)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n = poll(&p, 1, WAIT_MS) == 1 ? recv(fd, head + len, sizeof(head) - len, 0) : -1;
		if (n <= 0) {
			srv_fail(s, "no request head");
			break;
		}
		len += (size_t)n;
	}
	if (*(const bool *)s->arg)
		srv_send(s, fd, "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 8\r\n\r\ntoo big!");
	if (fd >= 0)
		close(fd); /* with the body unread: the client's next writes fail */
}

/* Loop index 0: the early 413 is the answer; 1: no answer, the send fails (and is not repeated). */
START_TEST(test_early_answer_while_sending)
{
	static const bool answer[2] = { true, false };
	enum { BODY = 32 << 20 }; /* more than loopback buffers take: the write is still going on */
	struct server *s = server_start(script_early_answer, &answer[_i]);
	struct cf_transport t = new_transport(NULL);
	char u[128];
	url(s, "/2018-06-01/runtime/invocation/r1/response", u);
	char *body = calloc(1, BODY);
	ck_assert_ptr_nonnull(body);
	struct cf_http_request req = simple("POST", u);
	req.body = body;
	req.body_len = BODY;
	if (answer[_i])
		EXPECT_ANSWER(&t, &req, 413, "too big!");
	else
		send_fails(&t, &req, CF_ERR_TRANSPORT, "sending the request");
	finish(s, &t, 1);
	free(body);
	server_free(s);
}
END_TEST

/* A HEAD answer has no body whatever its Content-Length says; the connection stays in step. */
static void script_head(struct server *s)
{
	int fd = srv_accept_answer(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
	srv_answer(s, fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
	srv_wait_close(s, fd);
}

START_TEST(test_head_request)
{
	struct server *s = server_start(script_head, NULL);
	struct cf_transport t = new_transport(NULL);
	char u[128];
	url(s, "/h", u);
	struct cf_http_request req = simple("HEAD", u);
	struct cf_http_response resp = { 0 };
	send_ok(&t, &req, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(cf_http_response_header(&resp, "Content-Length"), "5");
	ASSERT_BODY(&resp, "");
	cf_http_response_clean_up(&resp);
	req = simple("GET", u);
	EXPECT_BODY(&t, &req, "hello");
	finish(s, &t, 1);
	char host[64];
	host_line(s, host, sizeof(host));
	assert_request(s, 0, "HEAD /h HTTP/1.1", (const char *const[]){ host, NULL }, "");
	server_free(s);
}
END_TEST

/* A request to another host:port does not go on the open connection. */
static void script_two_authorities(struct server *s)
{
	int fd = srv_accept_answer(s, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
	int fd2 = srv_accept(s);
	if (srv_expect_request(s, fd2))
		srv_send(s, fd2, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
	/* The first connection was closed when the second was opened. */
	srv_wait_close(s, fd);
	srv_wait_close(s, fd2);
}

static void count_call(void *ctx)
{
	(*(unsigned *)ctx)++;
}

START_TEST(test_other_authority_new_connection)
{
	struct server *s = server_start(script_two_authorities, NULL);
	unsigned lookups = 0;
	struct cf_socket_transport_options opt = { .before_first_lookup = count_call, .hook_ctx = &lookups };
	struct cf_transport t = new_transport(&opt);
	char u1[128], u2[128];
	url(s, "/", u1);
	snprintf(u2, sizeof(u2), "http://localhost:%u/", s->port);
	struct cf_http_request req = simple("GET", u1);
	EXPECT_BODY(&t, &req, "1");
	ck_assert_uint_eq(lookups, 0); /* an address needs no lookup */
	req = simple("GET", u2);
	EXPECT_BODY(&t, &req, "2");
	ck_assert_uint_eq(lookups, 1); /* localhost: once, before getaddrinfo */
	finish(s, &t, 2);
	char host[64];
	snprintf(host, sizeof(host), "Host: localhost:%u", s->port);
	assert_request(s, 1, "GET / HTTP/1.1", (const char *const[]){ host, NULL }, "");
	server_free(s);
}
END_TEST

/* ---- failures ---- */

static const struct {
	const char *answer;
	bool server_closes;
	const char *fragment;
} malformed[] = {
	{ "HTTP/1.1 abc OK\r\n\r\n", false, "malformed status line" },
	{ "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", false, "not a field name" },
	{ "HTTP/1.1 200 OK\r\nX-Fold: a\r\n b\r\n\r\n", false, "obsolete line folding" },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", false, "Content-Length 2" },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, "unsupported Transfer-Encoding" },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZ\r\n", false, "malformed chunk size" },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", false, "chunk data not followed" },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true, "connection closed before the answer ended" },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", true, "connection closed before" },
	{ "HTTP/1.1 200 OK\r\nContent", true, "connection closed before" },
};
#define MALFORMED_COUNT (sizeof(malformed) / sizeof(malformed[0]))

static void script_malformed(struct server *s)
{
	for (size_t i = 0; i < MALFORMED_COUNT; i++) {
		int fd = srv_accept_answer(s, malformed[i].answer);
		if (malformed[i].server_closes) {
			if (fd >= 0)
				close(fd);
		} else {
			/* The client gives up the connection after a malformed answer. */
			srv_wait_close(s, fd);
		}
	}
}

START_TEST(test_malformed_answer)
{
	struct server *s = server_start(script_malformed, NULL);
	struct cf_transport t = new_transport(NULL);
	char u[128];
	url(s, "/m", u);
	struct cf_http_request req = simple("GET", u);
	for (size_t i = 0; i < MALFORMED_COUNT; i++)
		send_fails(&t, &req, CF_ERR_TRANSPORT, malformed[i].fragment);
	finish(s, &t, MALFORMED_COUNT);
	server_free(s);
}
END_TEST

static const struct {
	const char *answer;
	bool ok;
	const char *body;
} sized[] = {
	{ "HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n0123456789abcdef", true, "0123456789abcdef" },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n0123456789abcdefg", false, NULL },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", false, NULL },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n", true,
	  "0123456789abcdef" },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n01234567\r\n9\r\n89abcdefg\r\n0\r\n\r\n", false,
	  NULL },
	{ "HTTP/1.1 200 OK\r\n\r\n0123456789abcdef", true, "0123456789abcdef" },
	{ "HTTP/1.1 200 OK\r\n\r\n0123456789abcdefg", false, NULL },
};
#define SIZED_COUNT (sizeof(sized) / sizeof(sized[0]))

static void script_too_large(struct server *s)
{
	for (size_t i = 0; i < SIZED_COUNT; i++) {
		int fd = srv_accept_answer(s, sized[i].answer);
		if (fd >= 0)
			close(fd);
	}
	/* A head over 64 KiB (with the default options). */
	int fd = srv_accept(s);
	if (srv_expect_request(s, fd)) {
		static char head[70 * 1024];
		size_t n = (size_t)snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n");
		while (n + 100 < sizeof(head)) {
			memcpy(head + n, "X-Filler: ", 10);
			memset(head + n + 10, 'f', 88);
			memcpy(head + n + 98, "\r\n", 2);
			n += 100;
		}
		/* The client may stop reading and close before all of it is written. */
		srv_write(s, fd, head, n, true);
	}
	if (fd >= 0)
		close(fd);
}

START_TEST(test_too_large)
{
	struct server *s = server_start(script_too_large, NULL);
	struct cf_socket_transport_options opt = { .max_response_bytes = 16 };
	struct cf_transport t = new_transport(&opt);
	char u[128];
	url(s, "/big", u);
	struct cf_http_request req = simple("GET", u);
	for (size_t i = 0; i < SIZED_COUNT; i++) {
		if (sized[i].ok) {
			struct cf_http_response resp = { 0 };
			send_ok(&t, &req, &resp);
			assert_body(&resp, sized[i].body, strlen(sized[i].body));
			cf_http_response_clean_up(&resp);
		} else {
			send_fails(&t, &req, CF_ERR_TOO_LARGE, "larger than 16 bytes");
		}
	}
	cf_transport_destroy(&t);
	t = new_transport(NULL);
	send_fails(&t, &req, CF_ERR_TOO_LARGE, "response head larger than 65536 bytes");
	finish(s, &t, SIZED_COUNT + 1);
	server_free(s);
}
END_TEST

static void script_silent(struct server *s)
{
	/* Silent after the request. */
	int fd = srv_accept(s);
	srv_expect_request(s, fd);
	srv_wait_close(s, fd);
	/* Silent in the middle of the body. */
	fd = srv_accept_answer(s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
	srv_wait_close(s, fd);
}

START_TEST(test_timeout)
{
	struct server *s = server_start(script_silent, NULL);
	struct cf_transport t = new_transport(NULL);
	char u[128];
	url(s, "/slow", u);
	struct cf_http_request req = simple("GET", u);
	req.timeout_ms = 150;
	double start = now_ms();
	send_fails(&t, &req, CF_ERR_TIMEOUT, "no complete answer before the deadline");
	double elapsed = now_ms() - start;
	ck_assert_msg(elapsed >= 145 && elapsed < 900, "timed out after %.0f ms, want 150", elapsed);
	req.timeout_ms = 100;
	start = now_ms();
	send_fails(&t, &req, CF_ERR_TIMEOUT, "no complete answer before the deadline");
	elapsed = now_ms() - start;
	ck_assert_msg(elapsed >= 95 && elapsed < 900, "timed out after %.0f ms, want 100", elapsed);
	finish(s, &t, 2);
	server_free(s);
}
END_TEST

/* The server expects no connection at all: the request must fail before connecting. */
static void script_no_connection(struct server *s)
{
	srv_wait_for_client(s, 1);
	srv_expect_no_connection(s);
}

START_TEST(test_unsupported_urls)
{
	struct server *s = server_start(script_no_connection, NULL);
	struct cf_transport t = new_transport(NULL);
	char urls[13][128];
	size_t n = 0;
	snprintf(urls[n++], 128, "https://127.0.0.1:%u/", s->port);
	snprintf(urls[n++], 128, "HTTPS://127.0.0.1:%u/", s->port);
	snprintf(urls[n++], 128, "ftp://127.0.0.1:%u/", s->port);
	snprintf(urls[n++], 128, "http://user@127.0.0.1:%u/", s->port);
	snprintf(urls[n++], 128, "http://127.0.0.1:%u0000/", s->port); /* port over 65535 */
	snprintf(urls[n++], 128, "http://127.0.0.1:0/");
	snprintf(urls[n++], 128, "http://127.0.0.1:/");
	snprintf(urls[n++], 128, "http://127.0.0.1:8o/");
	snprintf(urls[n++], 128, "http:///path");
	snprintf(urls[n++], 128, "http://[::1/");
	snprintf(urls[n++], 128, "http://[::1]x/");
	snprintf(urls[n++], 128, "127.0.0.1:%u/", s->port);
	snprintf(urls[n++], 128, "http:\\\\127.0.0.1:%u/", s->port); /* backslashes, same length as "//" */
	for (size_t i = 0; i < n; i++) {
		struct cf_http_request req = simple("GET", urls[i]);
		send_fails(&t, &req, CF_ERR_UNSUPPORTED, "http://host[:port]/path URLs only");
	}
	client_tell_server(s);
	finish(s, &t, 0);
	server_free(s);
}
END_TEST

START_TEST(test_reserved_headers)
{
	struct server *s = server_start(script_no_connection, NULL);
	struct cf_transport t = new_transport(NULL);
	char u[128];
	url(s, "/h", u);
	static const char *const names[] = { "Host", "host", "Content-Length", "TRANSFER-ENCODING", "Connection" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct cf_http_header h[] = { { "X-Fine", "1" }, { names[i], "127.0.0.1" } };
		struct cf_http_request req = simple("POST", u);
		req.headers = h;
		req.header_count = 2;
		send_fails(&t, &req, CF_ERR_HEADER, "is the transport's to set");
	}
	client_tell_server(s);
	finish(s, &t, 0);
	server_free(s);
}
END_TEST

static void script_request_bytes(struct server *s)
{
	int fd = srv_accept(s);
	for (int i = 0; i < 5; i++) {
		srv_answer(s, fd, "HTTP/1.1 204 No Content\r\n\r\n");
	}
	srv_wait_close(s, fd);
}

START_TEST(test_request_bytes)
{
	struct server *s = server_start(script_request_bytes, NULL);
	struct cf_transport t = new_transport(NULL);
	char u[5][128], host[64];
	url(s, "/2018-06-01/runtime/invocation/abc/response?x=1&y=%2F#fragment", u[0]);
	url(s, "", u[1]);
	url(s, "?q", u[2]);
	url(s, "/p", u[3]);
	url(s, "/g", u[4]);
	snprintf(host, sizeof(host), "Host: 127.0.0.1:%u", s->port);
	const struct cf_http_header h[] = {
		{ "X-One", "1" },
		{ "Lambda-Runtime-Function-Error-Type", "Runtime.Unhandled" },
		{ "x-empty", "" },
	};
	struct cf_http_request reqs[5] = {
		{ .method = "POST", .url = u[0], .headers = h, .header_count = 3, .body = "{\"a\":1}", .body_len = 7 },
		{ .method = "GET", .url = u[1] },
		{ .method = "POST", .url = u[2] },
		{ .method = "DELETE", .url = u[3] },
		{ .method = "GET", .url = u[4], .body = "x\0y", .body_len = 3 },
	};
	for (size_t i = 0; i < 5; i++) {
		struct cf_http_response resp = { 0 };
		send_ok(&t, &reqs[i], &resp);
		ck_assert_int_eq(resp.status, 204);
		ASSERT_BODY(&resp, "");
		cf_http_response_clean_up(&resp);
	}
	finish(s, &t, 1);
	assert_request(s, 0, "POST /2018-06-01/runtime/invocation/abc/response?x=1&y=%2F HTTP/1.1",
		       (const char *const[]){ host, "X-One: 1", "Lambda-Runtime-Function-Error-Type: Runtime.Unhandled",
					      "x-empty: ", "Content-Length: 7", NULL },
		       "{\"a\":1}");
	assert_request(s, 1, "GET / HTTP/1.1", (const char *const[]){ host, NULL }, "");
	assert_request(s, 2, "POST /?q HTTP/1.1", (const char *const[]){ host, "Content-Length: 0", NULL }, "");
	assert_request(s, 3, "DELETE /p HTTP/1.1", (const char *const[]){ host, "Content-Length: 0", NULL }, "");
	/* A GET with a body says how long it is; the body is bytes, NUL included. */
	ck_assert_uint_eq(s->request_count, 5);
	const char *r = s->requests[4];
	size_t len = s->request_len[4];
	ck_assert_uint_gt(len, 3);
	ck_assert_int_eq(memcmp(r + len - 3, "x\0y", 3), 0);
	ck_assert_ptr_nonnull(memmem(r, len, "\r\nContent-Length: 3\r\n", 21));
	server_free(s);
}
END_TEST

struct first_wait {
	struct server *s;
	unsigned calls;
	void *ctx_seen;
};

static void on_first_wait(void *ctx)
{
	struct first_wait *w = ctx;
	w->calls++;
	w->ctx_seen = ctx;
	/* The server answers only after this: the hook runs before the client waits for the answer. */
	client_tell_server(w->s);
}

static void script_first_wait(struct server *s)
{
	int fd = srv_accept(s);
	if (srv_expect_request(s, fd)) {
		srv_wait_for_client(s, 1);
		srv_send(s, fd, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
	}
	srv_answer(s, fd, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
	srv_wait_close(s, fd);
}

START_TEST(test_on_first_wait_once)
{
	struct server *s = server_start(script_first_wait, NULL);
	struct first_wait w = { .s = s };
	struct cf_socket_transport_options opt = { .on_first_wait = on_first_wait, .hook_ctx = &w };
	struct cf_transport t = new_transport(&opt);
	char u[128];
	url(s, "/next", u);
	/* A request refused before anything is written does not count. */
	const struct cf_http_header bad[] = { { "Connection", "close" } };
	struct cf_http_request req = simple("GET", u);
	req.headers = bad;
	req.header_count = 1;
	send_fails(&t, &req, CF_ERR_HEADER, "Connection");
	ck_assert_uint_eq(w.calls, 0);
	req = simple("GET", u);
	EXPECT_BODY(&t, &req, "1");
	ck_assert_uint_eq(w.calls, 1);
	ck_assert_ptr_eq(w.ctx_seen, &w);
	EXPECT_BODY(&t, &req, "2");
	ck_assert_uint_eq(w.calls, 1);
	cf_transport_destroy(&t);
	server_join(s);
	ck_assert_uint_eq(w.calls, 1);
	server_free(s);
}
END_TEST

/* ---- allocation failures ---- */

/* Whether the client has signalled the server `n` times yet (without waiting). */
static bool client_has_told(struct server *s, unsigned n)
{
	pthread_mutex_lock(&s->mu);
	bool told = s->from_client >= n;
	pthread_mutex_unlock(&s->mu);
	return told;
}

/* Serves any number of connections, each any number of requests, until the client signals. */
static void script_serve_all(struct server *s)
{
	/* A 100 Continue, several header lines and a chunked body: every allocation the reader makes. */
	static const char answer[] = "HTTP/1.1 100 Continue\r\n\r\n"
				     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nX-B: 2\r\n\r\n"
				     "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
	while (!client_has_told(s, 1)) {
		struct pollfd p = { .fd = s->lfd, .events = POLLIN };
		if (poll(&p, 1, 20) != 1)
			continue;
		int fd = srv_accept(s);
		const char *why;
		/* The client may give up anywhere (its allocation failed): no request is not a failure. */
		while (srv_read_request(s, fd, &why) == 1)
			srv_write(s, fd, answer, sizeof(answer) - 1, true);
		if (fd >= 0)
			close(fd);
	}
}

START_TEST(test_alloc_failure)
{
	struct server *s = server_start(script_serve_all, NULL);
	char u[128];
	url(s, "/alloc", u);
	static const struct cf_http_header h[] = { { "Content-Type", "application/json" }, { "X-Empty", "" } };
	const struct cf_http_request post = { .method = "POST", .url = u, .headers = h, .header_count = 2,
					      .body = "{\"a\":1}", .body_len = 7, .timeout_ms = 2000 };
	const struct cf_http_request get = simple("GET", u);
	bool completed = false;
	for (long n = 0; !completed; n++) {
		ck_assert_int_lt(n, 1000);
		ts_alloc_install(n);
		struct cf_transport t = { 0 };
		struct cf_error err;
		enum cf_status st = cf_socket_transport_new(NULL, &t, &err);
		/* Two exchanges: the second reuses the connection. */
		for (int i = 0; i < 2 && st == CF_OK; i++) {
			struct cf_http_response resp = { 0 };
			st = cf_transport_send(&t, i ? &get : &post, &resp, &err);
			ck_assert_msg(st != CF_OK || !ts_alloc_failed(), "allocation %ld failed, but the send succeeded", n);
			if (st == CF_OK) {
				ck_assert_int_eq(resp.status, 200);
				ck_assert_str_eq(cf_http_response_header(&resp, "X-B"), "2");
				assert_body(&resp, "hello world", 11);
			} else {
				ck_assert_ptr_null(resp.body);
				ck_assert_ptr_null(resp.headers);
			}
			cf_http_response_clean_up(&resp);
		}
		cf_transport_destroy(&t);
		ts_alloc_stop_failing();
		if (st != CF_OK) {
			ck_assert_msg(st == CF_ERR_NOMEM, "allocation %ld: status %d (%s)", n, st, err.message);
			ck_assert_int_eq(err.code, CF_ERR_NOMEM);
		}
		completed = ts_alloc_end_round(n);
		ck_assert_msg(!completed || st == CF_OK, "no failure injected, but status %d (%s)", st, err.message);
	}
	client_tell_server(s);
	server_join(s);
	ck_assert_uint_ge(s->accepted, 1);
	server_free(s);
}
END_TEST

START_TEST(test_connection_refused)
{
	/* A port that is bound but not listening refuses connections. */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	char u[128];
	snprintf(u, sizeof(u), "http://127.0.0.1:%u/next", ntohs(a.sin_port));
	struct cf_transport t = new_transport(NULL);
	struct cf_http_request req = simple("GET", u);
	send_fails(&t, &req, CF_ERR_TRANSPORT, "cannot connect: Connection refused");
	/* The same again: nothing was left half open. */
	send_fails(&t, &req, CF_ERR_TRANSPORT, "cannot connect");
	cf_transport_destroy(&t);
	close(fd);
}
END_TEST

START_TEST(test_new_arguments)
{
	struct cf_error err;
	ck_assert_int_eq(cf_socket_transport_new(NULL, NULL, &err), CF_ERR_INVALID_ARG);
	struct cf_transport t;
	memset(&t, 0x5a, sizeof(t));
	struct cf_socket_transport_options opt = { .connect_timeout_ms = -1 };
	ck_assert_int_eq(cf_socket_transport_new(&opt, &t, &err), CF_ERR_INVALID_ARG);
	ck_assert_int_eq(err.code, CF_ERR_INVALID_ARG);
	ck_assert_ptr_null(t.methods);
	ck_assert_ptr_null(t.data);
	t = new_transport(NULL);
	/* No send_many: callers fall back to send(). */
	ck_assert_ptr_null(t.methods->send_many);
	struct cf_http_request req = simple("GET", "http://127.0.0.1:9/");
	ck_assert_int_eq(cf_transport_send(&t, &req, NULL, &err), CF_ERR_INVALID_ARG);
	cf_transport_destroy(&t);
	ck_assert_ptr_null(t.methods);
	cf_transport_destroy(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("socket_transport");
	TCase *answers = tcase_create("answers");
	tcase_add_test(answers, test_content_length_answer);
	tcase_add_test(answers, test_chunked_answer_in_pieces);
	tcase_add_test(answers, test_interim_answers_skipped);
	tcase_add_test(answers, test_answer_until_close);
	tcase_add_test(answers, test_head_request);
	suite_add_tcase(s, answers);
	TCase *connections = tcase_create("connections");
	tcase_add_test(connections, test_keep_alive_reuse);
	tcase_add_test(connections, test_connection_not_reused);
	tcase_add_loop_test(connections, test_idle_close_retried_once, 0, 2);
	tcase_add_test(connections, test_no_retry_otherwise);
	tcase_add_loop_test(connections, test_early_answer_while_sending, 0, 2);
	tcase_add_test(connections, test_other_authority_new_connection);
	tcase_add_test(connections, test_on_first_wait_once);
	suite_add_tcase(s, connections);
	TCase *requests = tcase_create("requests");
	tcase_add_test(requests, test_request_bytes);
	tcase_add_test(requests, test_unsupported_urls);
	tcase_add_test(requests, test_reserved_headers);
	tcase_add_test(requests, test_new_arguments);
	suite_add_tcase(s, requests);
	TCase *failures = tcase_create("failures");
	tcase_add_test(failures, test_malformed_answer);
	tcase_add_test(failures, test_too_large);
	tcase_add_test(failures, test_timeout);
	tcase_add_test(failures, test_connection_refused);
	tcase_add_test(failures, test_alloc_failure);
	suite_add_tcase(s, failures);
	return ts_run_suite(s);
}
