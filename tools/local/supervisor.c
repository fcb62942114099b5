/* cartflow-local: the bootstrap processes, started, restarted and (on request) killed as Lambda would. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "local.h"
#include "supervisor.h"

enum { CONSUMER_FIRST_KILL = 3, CONSUMER_KILL_STEP = 10, PRODUCER_FIRST_KILL = 1, PRODUCER_KILL_STEP = 2 };

static void set_env(char **env, size_t *n, const char *key, const char *value)
{
	if (!value)
		return;
	size_t len = strlen(key) + strlen(value) + 2;
	env[*n] = malloc(len);
	if (env[*n])
		snprintf(env[(*n)++], len, "%s=%s", key, value);
}

bool cfl_bootstrap_spawn(struct cfl_run *run, struct cfl_bootstrap *b)
{
	char path[1024], log_path[1024];
	snprintf(path, sizeof(path), "%s/%s", run->opt.bin_dir, b->name);
	if (b->instance)
		snprintf(log_path, sizeof(log_path), "%s/%s-%u.log", run->opt.log_dir, b->name, b->instance);
	else
		snprintf(log_path, sizeof(log_path), "%s/%s.log", run->opt.log_dir, b->name);
	const char *fe = run->opt.function_endpoint;
	char *env[24];
	size_t n = 0;
	set_env(env, &n, "AWS_LAMBDA_RUNTIME_API", cfl_function_api(b->fn));
	set_env(env, &n, "_HANDLER", "bootstrap");
	set_env(env, &n, "AWS_LAMBDA_FUNCTION_NAME", b->name);
	set_env(env, &n, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128");
	set_env(env, &n, "AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
	set_env(env, &n, "AWS_ACCESS_KEY_ID", run->config.access_key_id);
	set_env(env, &n, "AWS_SECRET_ACCESS_KEY", run->config.secret_access_key);
	set_env(env, &n, "AWS_SESSION_TOKEN", run->config.session_token);
	set_env(env, &n, "AWS_REGION", run->config.region);
	set_env(env, &n, "AWS_DEFAULT_REGION", run->config.region);
	set_env(env, &n, "AWS_ENDPOINT_URL_SQS", fe ? fe : run->config.sqs_endpoint);
	set_env(env, &n, "AWS_ENDPOINT_URL_DYNAMODB", fe ? fe : run->config.dynamodb_endpoint);
	set_env(env, &n, "TABLE_NAME", run->opt.table);
	set_env(env, &n, "UPDATE_CART_PRODUCT_SQS", run->queue_url);
	set_env(env, &n, "AWS_LAMBDA_LOG_FORMAT", getenv("AWS_LAMBDA_LOG_FORMAT"));
	set_env(env, &n, "AWS_LAMBDA_LOG_LEVEL", getenv("AWS_LAMBDA_LOG_LEVEL"));
	set_env(env, &n, "PATH", "/usr/bin:/bin");
	env[n] = NULL;
	/* Opened before fork: between fork and exec the child of a threaded process may only make
	 * async-signal-safe calls. It keeps stdin, its log and nothing else (no server or curl sockets). */
	int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	char *args[] = { path, NULL };
	fflush(NULL);
	pid_t pid = log < 0 ? -1 : fork();
	if (pid == 0) {
		dup2(log, 1);
		dup2(log, 2);
		close_range(3, ~0U, 0);
		execve(path, args, env);
		_exit(127);
	}
	if (log >= 0)
		close(log);
	for (size_t i = 0; i < n; i++)
		free(env[i]);
	if (pid < 0) {
		fprintf(stderr, "cartflow-local: cannot start %s (log %s): %s\n", path, log_path, strerror(errno));
		return false;
	}
	b->pid = pid;
	b->killing = false;
	b->starts++;
	return true;
}

/* Count an exit we did not cause, and say what it was. */
static void note_exit(struct cfl_run *run, struct cfl_bootstrap *b, int status)
{
	if (run->stop || (b->killing && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
		return;
	b->unexpected_exits++;
	if (WIFSIGNALED(status))
		fprintf(stderr, "%s: crashed with signal %d (%s)\n", b->name, WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		fprintf(stderr, "%s: exited with status %d\n", b->name, WEXITSTATUS(status));
}

bool cfl_bootstrap_supervise(struct cfl_run *run, struct cfl_bootstrap *boots, size_t n)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < n; i++) {
			struct cfl_bootstrap *b = &boots[i];
			if (b->pid != pid)
				continue;
			b->pid = 0;
			cfl_function_process_exited(b->fn);
			char msg[512];
			if (cfl_function_take_init_error(b->fn, msg, sizeof(msg))) {
				fprintf(stderr, "%s: init error: %s\n", b->name, msg);
				if (++b->init_errors >= 3)
					return false;
			} else {
				note_exit(run, b, status);
			}
			if (!run->stop && !cfl_bootstrap_spawn(run, b))
				return false;
		}
	}
	return true;
}

void cfl_bootstrap_plan_kills(struct cfl_bootstrap *producer, struct cfl_bootstrap *consumer, unsigned kills)
{
	consumer->kills_planned = (kills + 1) / 2;
	consumer->kill_step = CONSUMER_KILL_STEP;
	consumer->next_kill_at = consumer->kills_planned ? CONSUMER_FIRST_KILL : 0;
	producer->kills_planned = kills / 2;
	producer->kill_step = PRODUCER_KILL_STEP;
	producer->next_kill_at = producer->kills_planned ? PRODUCER_FIRST_KILL : 0;
}

void cfl_bootstrap_kill_due(struct cfl_bootstrap *boots, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cfl_bootstrap *b = &boots[i];
		if (b->pid <= 0 || !b->next_kill_at || b->killing)
			continue;
		unsigned long running = cfl_function_running(b->fn);
		if (running < b->next_kill_at)
			continue;
		if (kill(b->pid, SIGKILL))
			continue;
		b->killing = true;
		b->kills++;
		b->next_kill_at = b->kills < b->kills_planned ? running + b->kill_step : 0;
		fprintf(stderr, "%s: SIGKILL in the middle of invocation %lu\n", b->name, running);
	}
}

void cfl_bootstrap_stop_all(struct cfl_bootstrap *boots, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (boots[i].pid > 0)
			kill(boots[i].pid, SIGTERM);
	for (size_t i = 0; i < n; i++)
		if (boots[i].pid > 0)
			waitpid(boots[i].pid, NULL, 0);
}
