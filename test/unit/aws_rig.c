/* The AWS test rig. See aws_rig.h. */
#include <string.h>
#include <strings.h>

#include <check.h>

#include "aws_rig.h"
#include "test_support.h"

/* ---- clock ---- */

static int64_t clock_now(void *user) { return ((struct ar_clock *)user)->now_ms; }

static void clock_sleep(int64_t ms, void *user)
{
	struct ar_clock *c = user;
	ck_assert_uint_lt(c->sleep_count, AR_MAX_SLEEPS);
	c->sleeps[c->sleep_count++] = ms;
	c->now_ms += ms;
}

static double clock_random(void *user) { return ((struct ar_clock *)user)->random; }

void ar_clock_init(struct ar_clock *c, int64_t now_ms)
{
	memset(c, 0, sizeof(*c));
	c->now_ms = now_ms;
	c->random = 0.5;
	c->cf = (struct cf_clock){ clock_now, clock_sleep, clock_random, c };
}

void ar_assert_sleeps(const struct ar_clock *c, size_t n, const int64_t *want)
{
	ck_assert_uint_eq(c->sleep_count, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(c->sleeps[i] == want[i], "sleep %zu: %lld ms, want %lld", i, (long long)c->sleeps[i],
			      (long long)want[i]);
}

/* ---- environment and requests ---- */

const char *ar_env_get(const char *name, void *user)
{
	const char *const *vars = user;
	size_t n = strlen(name);
	for (size_t i = 0; vars[i]; i++)
		if (!strncmp(vars[i], name, n) && vars[i][n] == '=')
			return vars[i] + n + 1;
	return NULL;
}

const char *const ar_handler_env[] = {
	"AWS_ACCESS_KEY_ID=" AR_ACCESS_KEY_ID,
	"AWS_SECRET_ACCESS_KEY=" AR_SECRET_ACCESS_KEY,
	"AWS_REGION=us-east-1",
	"TABLE_NAME=orders",
	"UPDATE_CART_PRODUCT_SQS=" AR_QUEUE_URL,
	NULL,
};

const char *ar_header(const struct cf_http_request *req, const char *name)
{
	for (size_t i = 0; i < req->header_count; i++)
		if (!strcasecmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

void ar_assert_result(const struct cf_aws_result *r, enum cf_status status, enum cf_aws_error_class cls,
		      const char *type, unsigned attempts)
{
	ck_assert_int_eq(r->status, status);
	ck_assert_int_eq(r->error_class, cls);
	ck_assert_str_eq(r->error_type, type);
	ck_assert_uint_eq(r->attempts, attempts);
}

/* ---- the spy ---- */

static enum cf_status spy_send(void *data, const struct cf_http_request *req, struct cf_http_response *resp,
			       struct cf_error *err)
{
	struct ar_spy *s = data;
	return s->inner.methods->send(s->inner.data, req, resp, err);
}

static enum cf_status spy_send_many(void *data, const struct cf_http_request *reqs, size_t count, size_t max_in_flight,
				    struct cf_http_response *resps, enum cf_status *statuses, struct cf_error *errs)
{
	struct ar_spy *s = data;
	s->batches++;
	s->last_count = count;
	s->last_max_in_flight = max_in_flight;
	if (s->fail_batch_with) {
		for (size_t i = 0; i < count; i++) {
			statuses[i] = s->fail_batch_with;
			if (errs)
				cf_error_set(&errs[i], s->fail_batch_with, "spy: batch refused");
		}
		return s->fail_batch_with;
	}
	return s->inner.methods->send_many(s->inner.data, reqs, count, max_in_flight, resps, statuses, errs);
}

static const struct cf_transport_methods spy_methods = { CF_TRANSPORT_VERSION_1, spy_send, spy_send_many, NULL };

/* ---- the fixture ---- */

/* cf_aws_config holds char *, so the strings it points to live here. */
static char cfg_key[] = AR_ACCESS_KEY_ID;
static char cfg_secret[] = AR_SECRET_ACCESS_KEY;
static char cfg_token[] = AR_SESSION_TOKEN;
static char cfg_region[] = "us-east-1";
static char cfg_endpoint[] = AR_ENDPOINT;
static char cfg_sqs_endpoint[] = AR_SQS_ENDPOINT;

static enum cf_status new_client(struct aws_rig *rig, struct cf_error *err)
{
	const struct cf_aws_client_options opt = {
		.config = &rig->config,
		.transport = { &spy_methods, &rig->spy },
		.clock = &rig->clk.cf,
		.retry = rig->opt.retry,
		.safety_margin_ms = rig->opt.safety_margin_ms,
		.attempt_timeout_ms = rig->opt.attempt_timeout_ms,
	};
	return cf_aws_client_new(&opt, &rig->client, err);
}

enum cf_status aws_rig_try_init(struct aws_rig *rig, const struct aws_rig_options *opt, struct cf_error *err)
{
	memset(rig, 0, sizeof(*rig));
	if (opt)
		rig->opt = *opt;
	ar_clock_init(&rig->clk, AR_T0_MS);
	rig->config = (struct cf_aws_config){ cfg_key,
					      cfg_secret,
					      rig->opt.session_token ? cfg_token : NULL,
					      cfg_region,
					      rig->opt.separate_sqs_endpoint ? cfg_sqs_endpoint : cfg_endpoint,
					      cfg_endpoint };
	enum cf_status st = cf_fake_transport_new(&rig->fake);
	if (st != CF_OK)
		return cf_error_set(err, st, "aws rig: cannot create the fake transport");
	if (rig->opt.handler)
		cf_fake_transport_set_handler(rig->fake, rig->opt.handler, rig->opt.handler_user);
	rig->spy.inner = cf_fake_transport_as_transport(rig->fake);
	return new_client(rig, err);
}

void aws_rig_init(struct aws_rig *rig, const struct aws_rig_options *opt)
{
	struct cf_error err = { 0 };
	enum cf_status st = aws_rig_try_init(rig, opt, &err);
	ck_assert_msg(st == CF_OK, "aws rig: %d %s", (int)st, err.message);
}

void aws_rig_new_client(struct aws_rig *rig, const struct cf_retry_policy *retry)
{
	cf_aws_client_destroy(rig->client);
	rig->client = NULL;
	rig->opt.retry = *retry;
	struct cf_error err = { 0 };
	enum cf_status st = new_client(rig, &err);
	ck_assert_msg(st == CF_OK, "aws rig: %d %s", (int)st, err.message);
}

void aws_rig_clean_up(struct aws_rig *rig)
{
	cf_aws_client_destroy(rig->client);
	cf_fake_transport_destroy(rig->fake);
	rig->client = NULL;
	rig->fake = NULL;
}

long aws_rig_alloc_failures(const struct aws_rig_options *opt, void (*round)(struct aws_rig *rig, long n, void *user),
			    void *user)
{
	for (long n = 0;; n++) {
		ts_alloc_install(n);
		struct aws_rig rig;
		struct cf_error err = { 0 };
		if (aws_rig_try_init(&rig, opt, &err) == CF_OK)
			round(&rig, n, user);
		else
			ck_assert_msg(err.code == CF_ERR_NOMEM, "n=%ld: %d %s", n, (int)err.code, err.message);
		aws_rig_clean_up(&rig);
		if (ts_alloc_end_round(n))
			return n;
	}
}
