/* cartflow-local: a Runtime API server for one function, and invoking it as Lambda would. */
#ifndef CFL_RUNTIME_SERVER_H
#define CFL_RUNTIME_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cfl_function;

/* Outcome of one invocation. `body` is malloc'ed (free it), the /response or /error document. */
struct cfl_invoke_result {
	bool ok;        /* /response was posted */
	char *body;
	size_t body_len;
	char error_type[128];
};

/* Start serving the Runtime API for `name` on 127.0.0.1 (ephemeral port). NULL on failure. */
struct cfl_function *cfl_function_start(const char *name);

/* "127.0.0.1:<port>", for AWS_LAMBDA_RUNTIME_API. Borrowed from the function. */
const char *cfl_function_api(const struct cfl_function *fn);

/*
 * Hand `event` (copied) to the bootstrap and wait for its answer, at most `timeout_ms` (the function's
 * timeout: Lambda-Runtime-Deadline-Ms is now + timeout_ms).
 * Returns false on timeout, or when the process died mid-invocation (result->error_type says which).
 */
bool cfl_function_invoke(struct cfl_function *fn, const char *event, size_t len, int64_t timeout_ms,
			 struct cfl_invoke_result *result);

/* The number (1, 2, ...) of the invocation the bootstrap is running now, or 0 when none is. */
unsigned long cfl_function_running(struct cfl_function *fn);

/* Tell the server the bootstrap process ended: a running invocation fails with Runtime.ExitError. */
void cfl_function_process_exited(struct cfl_function *fn);

/* Whether the bootstrap posted /runtime/init/error since the last call (then clears it). */
bool cfl_function_take_init_error(struct cfl_function *fn, char *message, size_t cap);

/* Stop serving and free. NULL is a no-op. */
void cfl_function_stop(struct cfl_function *fn);

#endif
