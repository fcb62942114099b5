/*
 * A small Lambda Runtime API (2018-06-01) on 127.0.0.1, ephemeral port, built on libmicrohttpd, that
 * also answers the AWS calls the bootstraps make when AWS_ENDPOINT_URL points at it. For the
 * integration tests (test/integration) and the bootstrap benchmark (tools/bench).
 *
 * Routes:
 *   GET  /2018-06-01/runtime/invocation/next      the next queued invocation (200 with the Lambda-Runtime-*
 *                                                 headers); when none is left it waits (long poll), or
 *                                                 answers the "exhausted" status once one is set
 *   POST /2018-06-01/runtime/invocation/<id>/response, .../<id>/error, /2018-06-01/runtime/init/error
 *                                                 202 {"status":"OK"}
 *   POST / with X-Amz-Target DynamoDB_20120810.UpdateItem   200 {"Attributes":{}}
 *   POST / with X-Amz-Target AmazonSQS.SendMessageBatch     200, every entry Successful
 *   anything else                                 404 (or 400 for an unknown X-Amz-Target)
 * Every request is recorded (unless recording is off). One polling thread serves every connection (a
 * waiting /next is suspended, not blocked), so a new connection costs no thread. Thread-safe.
 */
#ifndef CF_RUNTIME_API_SERVER_H
#define CF_RUNTIME_API_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

struct rapi_server;

/* A recorded request. Strings are NUL-terminated copies; `body` is malloc'd (NUL after body_len). */
struct rapi_request {
	char method[8];
	char path[256];
	char error_type[128];    /* Lambda-Runtime-Function-Error-Type, "" when absent */
	char content_type[128];
	char trace_header[256];  /* X-Amzn-Trace-Id, "" when absent */
	bool has_trace_header;
	char target[128];        /* X-Amz-Target, "" when absent */
	char authorization[512]; /* Authorization, "" when absent */
	char *body;
	size_t body_len;
	int64_t at_ns;           /* CLOCK_MONOTONIC when the request was complete */
};

/* Free the body and zero `r`. NULL is a no-op. */
void rapi_request_clean_up(struct rapi_request *r);

/* Start on 127.0.0.1 with an ephemeral port. NULL on failure. */
struct rapi_server *rapi_server_start(void);

/*
 * Wake any waiting /next (it answers 500), stop the daemon, free everything. NULL is a no-op. Must
 * not run while another thread is still in a call on `srv` (a /next it resumes could still be
 * suspended when the daemon stops).
 */
void rapi_server_stop(struct rapi_server *srv);

unsigned short rapi_server_port(const struct rapi_server *srv);

/* "127.0.0.1:<port>" (for AWS_LAMBDA_RUNTIME_API) and "http://127.0.0.1:<port>" (for AWS_ENDPOINT_URL). */
void rapi_server_api(const struct rapi_server *srv, char *out, size_t cap);
void rapi_server_endpoint(const struct rapi_server *srv, char *out, size_t cap);

/*
 * Queue an invocation (strings copied). `trace_id` NULL sends no Lambda-Runtime-Trace-Id;
 * `deadline_ms` 0 means 60 s from when /next hands it out. Returns false when out of memory.
 */
bool rapi_server_queue(struct rapi_server *srv, const char *request_id, const char *event, size_t len,
		       const char *trace_id, int64_t deadline_ms);

/* After the queue, hand out `count` invocations of `event` (copied) with ids "auto-<n>". */
bool rapi_server_autoserve(struct rapi_server *srv, const char *event, size_t len, size_t count);

/*
 * What /next answers when nothing is left: 0 (the default) waits for more; any other status (e.g. 500)
 * is answered at once, also to a /next already waiting.
 */
void rapi_server_set_exhausted_status(struct rapi_server *srv, unsigned status);

/* Keep every request (the default) or only count them. */
void rapi_server_set_recording(struct rapi_server *srv, bool record);

/* Forget queued invocations, records and counters; the exhausted status goes back to 0. */
void rapi_server_reset(struct rapi_server *srv);

/*
 * Wait up to `timeout_ms` for the oldest recorded request not yet taken whose method and path match
 * (`path` NULL matches any), take it and copy it into `out` (release with rapi_request_clean_up).
 * False on timeout, `out` zeroed.
 */
bool rapi_server_wait(struct rapi_server *srv, const char *method, const char *path, int timeout_ms,
		      struct rapi_request *out);

/* Requests recorded so far (taken or not) whose method matches and whose path is `path` (or, with
 * `prefix`, starts with it). */
size_t rapi_server_count(struct rapi_server *srv, const char *method, const char *path, bool prefix);

/* Results posted so far (/response and /error), counted even when not recording. */
size_t rapi_server_results(struct rapi_server *srv);

/* CLOCK_MONOTONIC (ns) when the first GET /next since start or reset arrived; 0 when none has. */
int64_t rapi_server_first_next_ns(struct rapi_server *srv);

/* Wait up to `timeout_ms` until a GET /next has arrived; false on timeout. */
bool rapi_server_wait_first_next(struct rapi_server *srv, int timeout_ms);

/* ---- child processes ---- */

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t rapi_now_ns(void);

/*
 * posix_spawn `argv[0]` with `envp` (both borrowed). With `quiet` the child's stdout and stderr go to
 * /dev/null. Returns the pid, or -1.
 */
pid_t rapi_spawn(char *const argv[], char *const envp[], bool quiet);

/*
 * Wait up to `timeout_ms` for `pid` to exit; on timeout kill it (SIGKILL), reap it and return false.
 * `status` and `usage` (either may be NULL) get what wait4 reported.
 */
bool rapi_wait_exit(pid_t pid, int timeout_ms, int *status, struct rusage *usage);

#endif
