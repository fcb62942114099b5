/* cartflow-local: the bootstrap processes, started, restarted and (on request) killed as Lambda would. */
#ifndef CFL_SUPERVISOR_H
#define CFL_SUPERVISOR_H

#include <stdbool.h>
#include <sys/types.h>

struct cfl_run;
struct cfl_function;

struct cfl_bootstrap {
	const char *name;           /* the executable in --bin-dir */
	unsigned instance;          /* 0, 1, ...: logs go to <name>.log, then <name>-1.log, ... */
	struct cfl_function *fn;
	pid_t pid;
	unsigned starts;
	unsigned init_errors;
	unsigned kills;             /* SIGKILLs sent by us, mid-invocation */
	unsigned unexpected_exits;  /* exits we did not cause: crashes */
	bool killing;               /* the current process was killed by us */
	unsigned kills_planned;
	unsigned long kill_step;    /* invocations between two kills */
	unsigned long next_kill_at; /* kill when running invocation number >= this; 0 = no more */
};

/* Start `b` with the environment Lambda gives; its stdout/stderr go to its log file in --log-dir. */
bool cfl_bootstrap_spawn(struct cfl_run *run, struct cfl_bootstrap *b);

/*
 * Reap exited bootstraps, report crashes, and start them again as Lambda would. False when one keeps
 * failing its initialisation (three init errors).
 */
bool cfl_bootstrap_supervise(struct cfl_run *run, struct cfl_bootstrap *boots, size_t n);

/*
 * Spread `kills` SIGKILLs over the bootstraps: the first during the consumer's 3rd invocation, then
 * alternating with the producer's 1st, the consumer's 13th, the producer's 3rd, ...
 */
void cfl_bootstrap_plan_kills(struct cfl_bootstrap *producer, struct cfl_bootstrap *consumer, unsigned kills);

/* SIGKILL any bootstrap that is in the middle of the invocation its plan names. */
void cfl_bootstrap_kill_due(struct cfl_bootstrap *boots, size_t n);

/* SIGTERM every bootstrap and wait for it. */
void cfl_bootstrap_stop_all(struct cfl_bootstrap *boots, size_t n);

#endif
