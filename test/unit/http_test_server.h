/* A small HTTP/1.1 server on 127.0.0.1 (ephemeral port) for the curl transport tests (libmicrohttpd). */
#ifndef CF_HTTP_TEST_SERVER_H
#define CF_HTTP_TEST_SERVER_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Routes:
 *   /echo             200, headers X-Reply: hello and X-Method: <method>, body
 *                     {"method":"<m>","path":"/echo","body_len":<n>}
 *   /sleep?ms=N       waits N ms (woken early by test_server_stop), then 200 {}
 *   /big?bytes=N      200 with N bytes of 'x'; add &chunked=1 for a body without Content-Length
 *   /status?code=N    that status with body {"code":N}
 *   anything else     404
 * One thread per connection, so slow handlers run concurrently.
 */
struct test_server;

/* NULL on failure. */
struct test_server *test_server_start(void);
/* Wakes sleeping handlers, closes connections, joins threads, frees. NULL is a no-op. */
void test_server_stop(struct test_server *srv);

/* "http://127.0.0.1:<port>" plus `path`, written into `out`. */
void test_server_url(const struct test_server *srv, const char *path, char *out, size_t out_len);
unsigned short test_server_port(const struct test_server *srv);

/* TCP connections accepted so far. */
unsigned test_server_connections(struct test_server *srv);
/* Requests fully received so far. */
unsigned test_server_requests(struct test_server *srv);
/* Most /sleep handlers seen running at once. */
unsigned test_server_max_concurrent(struct test_server *srv);
void test_server_reset_counters(struct test_server *srv);

/*
 * Headers of the last request received, as received: how many carry `name` (case-insensitive), and
 * the value of the first into `value` (may be NULL).
 */
unsigned test_server_last_header(struct test_server *srv, const char *name, char *value, size_t value_len);
/* Number of headers of the last request, and the request body length. */
unsigned test_server_last_header_count(struct test_server *srv);
size_t test_server_last_body_len(struct test_server *srv);

#endif
