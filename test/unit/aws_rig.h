/*
 * The rig shared by the AWS-client, handler and runtime tests: a deterministic clock, an environment read
 * from a list, header lookup, and a fixture that builds config, fake transport (behind a spy) and client in
 * one call. Compiled into the Check programs built by the loop in test/unit/meson.build.
 */
#ifndef CF_AWS_RIG_H
#define CF_AWS_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cartflow/aws_client.h"
#include "cartflow/aws_config.h"
#include "cartflow/clock.h"
#include "cartflow/fake_transport.h"
#include "cartflow/transport.h"

/* 2015-08-30T12:36:00Z: the time the AWS rig's clock starts at. */
#define AR_T0_MS INT64_C(1440938160000)

#define AR_ACCESS_KEY_ID "AKIDEXAMPLE"
#define AR_SECRET_ACCESS_KEY "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define AR_SESSION_TOKEN "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
/* The rig's DynamoDB endpoint, and its SQS endpoint unless told to use a separate one. */
#define AR_ENDPOINT "http://127.0.0.1:1"
#define AR_SQS_ENDPOINT "http://127.0.0.1:2/sqs"

/* The queue of the handler environment. */
#define AR_QUEUE_URL "https://sqs.us-east-1.amazonaws.com/123456789012/cart-products"

/* ---- a deterministic clock: fixed time that advances only when sleeping ---- */

#define AR_MAX_SLEEPS 64

struct ar_clock {
	int64_t now_ms;
	int64_t sleeps[AR_MAX_SLEEPS]; /* every sleep, in order (more than AR_MAX_SLEEPS fails the test) */
	size_t sleep_count;
	double random;                 /* what random_unit returns: 0.5 unless a test changes it */
	struct cf_clock cf;            /* this clock for the library (borrows the struct: do not copy it) */
};

/* Start `c` at `now_ms` with no sleeps and random 0.5. */
void ar_clock_init(struct ar_clock *c, int64_t now_ms);

/* Assert that exactly `n` sleeps happened, of `want[0..n)` ms. */
void ar_assert_sleeps(const struct ar_clock *c, size_t n, const int64_t *want);

/* ---- environment and requests ---- */

/* A cf_getenv_fn over `user`, a NULL-terminated list of "NAME=value" strings. */
const char *ar_env_get(const char *name, void *user);

/* The environment both handlers run with: credentials, region, TABLE_NAME=orders, the queue AR_QUEUE_URL. */
extern const char *const ar_handler_env[];

/* The first header of `req` named `name` (any case), or NULL. Borrowed from `req`. */
const char *ar_header(const struct cf_http_request *req, const char *name);

/* The call behind `r` ended with `status`, `cls` and error type `type` after `attempts` attempts. */
void ar_assert_result(const struct cf_aws_result *r, enum cf_status status, enum cf_aws_error_class cls,
		      const char *type, unsigned attempts);

/* ---- the fixture: config, fake transport behind a spy, clock, client ---- */

/* Wraps the fake to see what send_many is asked for, and optionally to fail whole batches. */
struct ar_spy {
	struct cf_transport inner;
	size_t batches;
	size_t last_count;
	size_t last_max_in_flight;
	enum cf_status fail_batch_with; /* CF_OK: pass through */
};

struct aws_rig_options {
	cf_fake_handler_fn handler;   /* NULL: the fake answers with scripted responses only */
	void *handler_user;
	struct cf_retry_policy retry; /* zero: the client's defaults */
	bool session_token;           /* sign with AR_SESSION_TOKEN too */
	bool separate_sqs_endpoint;   /* SQS at AR_SQS_ENDPOINT rather than AR_ENDPOINT */
	int64_t safety_margin_ms;
	int64_t attempt_timeout_ms;    /* 0: the client's default */
};

struct aws_rig {
	struct ar_clock clk;         /* starts at AR_T0_MS */
	struct cf_aws_config config; /* borrowed by the client: a test may change it */
	struct cf_fake_transport *fake;
	struct ar_spy spy;
	struct cf_aws_client *client;
	struct aws_rig_options opt;
};

/* Build the rig with `opt` (NULL: all defaults), failing the test if anything fails. */
void aws_rig_init(struct aws_rig *rig, const struct aws_rig_options *opt);

/*
 * The same without assertions, for allocation-failure loops: on failure fills `err` and returns its code,
 * leaving what was built for aws_rig_clean_up.
 */
enum cf_status aws_rig_try_init(struct aws_rig *rig, const struct aws_rig_options *opt, struct cf_error *err);

/* Replace the client by one with retry policy `retry`; the clock, fake and spy stay as they are. */
void aws_rig_new_client(struct aws_rig *rig, const struct cf_retry_policy *retry);

/* Release what the rig holds; fine after a failed aws_rig_try_init. */
void aws_rig_clean_up(struct aws_rig *rig);

/*
 * Every allocation failing in turn: for n = 0, 1, 2... build a rig from `opt` with allocation n failing
 * (ts_alloc_install), and when that works let `round` make its calls on it and check their results (it
 * frees what it got); a rig that cannot be built must have failed with CF_ERR_NOMEM. After each round
 * nothing may be left allocated. Stops after the first round that never reached allocation n; returns n.
 */
long aws_rig_alloc_failures(const struct aws_rig_options *opt, void (*round)(struct aws_rig *rig, long n, void *user),
			    void *user);

#endif
