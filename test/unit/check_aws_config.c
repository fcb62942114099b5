/* AWS credentials, region and endpoints from the environment (cf_aws_config_from_env). */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cartflow/aws_config.h"
#include "test_support.h"

#define KEY "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "IQoJb3JpZ2luX2VjEXAMPLETOKEN"

/* A fake environment: NULL-terminated pairs of name, value. */
struct env {
	const char *vars[32][2];
};

static const char *env_get(const char *name, void *user)
{
	const struct env *e = user;
	for (size_t i = 0; i < 32 && e->vars[i][0]; i++)
		if (!strcmp(e->vars[i][0], name))
			return e->vars[i][1];
	return NULL;
}

/* Read `e` into `cfg`, expecting success. */
static void load_ok(struct env *e, bool need_credentials, struct cf_aws_config *cfg)
{
	struct cf_error err = { 0 };
	enum cf_status st = cf_aws_config_from_env(env_get, e, need_credentials, cfg, &err);
	ck_assert_msg(st == CF_OK, "cf_aws_config_from_env: %d %s", (int)st, err.message);
}

static bool all_zero(const struct cf_aws_config *cfg)
{
	return !cfg->access_key_id && !cfg->secret_access_key && !cfg->session_token && !cfg->region &&
	       !cfg->sqs_endpoint && !cfg->dynamodb_endpoint;
}

/* Expect CF_ERR_CONFIG naming `variable`, with no secret in the message and `cfg` zeroed. */
static void load_fails(struct env *e, bool need_credentials, const char *variable)
{
	struct cf_aws_config cfg;
	memset(&cfg, 0xA5, sizeof(cfg));
	struct cf_error err = { 0 };
	ck_assert_int_eq(cf_aws_config_from_env(env_get, e, need_credentials, &cfg, &err), CF_ERR_CONFIG);
	ck_assert_int_eq(err.code, CF_ERR_CONFIG);
	ck_assert_msg(strstr(err.message, variable) != NULL, "\"%s\" does not name %s", err.message, variable);
	ck_assert_msg(strstr(err.message, SECRET) == NULL, "secret leaked: %s", err.message);
	ck_assert_msg(strstr(err.message, TOKEN) == NULL, "session token leaked: %s", err.message);
	ck_assert(all_zero(&cfg));
}

START_TEST(test_every_variable)
{
	struct env e = { { { "AWS_ACCESS_KEY_ID", KEY },
			   { "AWS_SECRET_ACCESS_KEY", SECRET },
			   { "AWS_SESSION_TOKEN", TOKEN },
			   { "AWS_REGION", "eu-west-1" },
			   { "AWS_DEFAULT_REGION", "ap-south-1" },
			   { "AWS_ENDPOINT_URL", "https://generic.example.com" },
			   { "AWS_ENDPOINT_URL_SQS", "http://localhost:4566" },
			   { "AWS_ENDPOINT_URL_DYNAMODB", "https://ddb.example.com:8443/base" } } };
	struct cf_aws_config cfg;
	load_ok(&e, true, &cfg);
	ck_assert_str_eq(cfg.access_key_id, KEY);
	ck_assert_str_eq(cfg.secret_access_key, SECRET);
	ck_assert_str_eq(cfg.session_token, TOKEN);
	ck_assert_str_eq(cfg.region, "eu-west-1");
	ck_assert_str_eq(cfg.sqs_endpoint, "http://localhost:4566");
	ck_assert_str_eq(cfg.dynamodb_endpoint, "https://ddb.example.com:8443/base");
	cf_aws_config_clean_up(&cfg);
	ck_assert(all_zero(&cfg));
	cf_aws_config_clean_up(&cfg); /* twice is fine */
}
END_TEST

START_TEST(test_defaults_without_endpoints)
{
	struct env e = { { { "AWS_ACCESS_KEY_ID", KEY }, { "AWS_SECRET_ACCESS_KEY", SECRET }, { "AWS_REGION", "eu-west-1" } } };
	struct cf_aws_config cfg;
	load_ok(&e, true, &cfg);
	ck_assert_ptr_null(cfg.session_token);
	ck_assert_str_eq(cfg.sqs_endpoint, "https://sqs.eu-west-1.amazonaws.com");
	ck_assert_str_eq(cfg.dynamodb_endpoint, "https://dynamodb.eu-west-1.amazonaws.com");
	cf_aws_config_clean_up(&cfg);

	/* Empty values count as unset. */
	struct env empty = { { { "AWS_ACCESS_KEY_ID", KEY },
			       { "AWS_SECRET_ACCESS_KEY", SECRET },
			       { "AWS_SESSION_TOKEN", "" },
			       { "AWS_REGION", "us-west-2" },
			       { "AWS_ENDPOINT_URL", "" },
			       { "AWS_ENDPOINT_URL_SQS", "" } } };
	load_ok(&empty, true, &cfg);
	ck_assert_ptr_null(cfg.session_token);
	ck_assert_str_eq(cfg.sqs_endpoint, "https://sqs.us-west-2.amazonaws.com");
	ck_assert_str_eq(cfg.dynamodb_endpoint, "https://dynamodb.us-west-2.amazonaws.com");
	cf_aws_config_clean_up(&cfg);
}
END_TEST

START_TEST(test_default_region_fallback)
{
	struct env e = { { { "AWS_ACCESS_KEY_ID", KEY }, { "AWS_SECRET_ACCESS_KEY", SECRET }, { "AWS_DEFAULT_REGION", "ap-south-1" } } };
	struct cf_aws_config cfg;
	load_ok(&e, true, &cfg);
	ck_assert_str_eq(cfg.region, "ap-south-1");
	ck_assert_str_eq(cfg.sqs_endpoint, "https://sqs.ap-south-1.amazonaws.com");
	ck_assert_str_eq(cfg.dynamodb_endpoint, "https://dynamodb.ap-south-1.amazonaws.com");
	cf_aws_config_clean_up(&cfg);

	/* An empty AWS_REGION falls back too. */
	struct env e2 = { { { "AWS_ACCESS_KEY_ID", KEY },
			    { "AWS_SECRET_ACCESS_KEY", SECRET },
			    { "AWS_REGION", "" },
			    { "AWS_DEFAULT_REGION", "ca-central-1" } } };
	load_ok(&e2, true, &cfg);
	ck_assert_str_eq(cfg.region, "ca-central-1");
	cf_aws_config_clean_up(&cfg);
}
END_TEST

START_TEST(test_endpoint_precedence)
{
	struct cf_aws_config cfg;
	/* The generic URL serves both services. */
	struct env generic = { { { "AWS_ACCESS_KEY_ID", KEY },
				 { "AWS_SECRET_ACCESS_KEY", SECRET },
				 { "AWS_REGION", "us-east-1" },
				 { "AWS_ENDPOINT_URL", "http://127.0.0.1:4566" } } };
	load_ok(&generic, true, &cfg);
	ck_assert_str_eq(cfg.sqs_endpoint, "http://127.0.0.1:4566");
	ck_assert_str_eq(cfg.dynamodb_endpoint, "http://127.0.0.1:4566");
	cf_aws_config_clean_up(&cfg);

	/* A service's own URL beats the generic one, for that service only. */
	struct env sqs = { { { "AWS_ACCESS_KEY_ID", KEY },
			     { "AWS_SECRET_ACCESS_KEY", SECRET },
			     { "AWS_REGION", "us-east-1" },
			     { "AWS_ENDPOINT_URL", "http://127.0.0.1:4566" },
			     { "AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9324" } } };
	load_ok(&sqs, true, &cfg);
	ck_assert_str_eq(cfg.sqs_endpoint, "http://127.0.0.1:9324");
	ck_assert_str_eq(cfg.dynamodb_endpoint, "http://127.0.0.1:4566");
	cf_aws_config_clean_up(&cfg);

	struct env ddb = { { { "AWS_ACCESS_KEY_ID", KEY },
			     { "AWS_SECRET_ACCESS_KEY", SECRET },
			     { "AWS_REGION", "us-east-1" },
			     { "AWS_ENDPOINT_URL_DYNAMODB", "http://[::1]:8000" } } };
	load_ok(&ddb, true, &cfg);
	ck_assert_str_eq(cfg.sqs_endpoint, "https://sqs.us-east-1.amazonaws.com");
	ck_assert_str_eq(cfg.dynamodb_endpoint, "http://[::1]:8000");
	cf_aws_config_clean_up(&cfg);
}
END_TEST

START_TEST(test_trailing_slashes_stripped)
{
	struct env e = { { { "AWS_ACCESS_KEY_ID", KEY },
			   { "AWS_SECRET_ACCESS_KEY", SECRET },
			   { "AWS_REGION", "us-east-1" },
			   { "AWS_ENDPOINT_URL_SQS", "http://localhost:4566/" },
			   { "AWS_ENDPOINT_URL_DYNAMODB", "https://ddb.example.com/prefix//" } } };
	struct cf_aws_config cfg;
	load_ok(&e, true, &cfg);
	ck_assert_str_eq(cfg.sqs_endpoint, "http://localhost:4566");
	ck_assert_str_eq(cfg.dynamodb_endpoint, "https://ddb.example.com/prefix");
	cf_aws_config_clean_up(&cfg);
}
END_TEST

START_TEST(test_missing_values)
{
	struct env no_key = { { { "AWS_SECRET_ACCESS_KEY", SECRET }, { "AWS_SESSION_TOKEN", TOKEN }, { "AWS_REGION", "us-east-1" } } };
	load_fails(&no_key, true, "AWS_ACCESS_KEY_ID");
	struct env empty_key = { { { "AWS_ACCESS_KEY_ID", "" }, { "AWS_SECRET_ACCESS_KEY", SECRET }, { "AWS_REGION", "us-east-1" } } };
	load_fails(&empty_key, true, "AWS_ACCESS_KEY_ID");
	struct env no_secret = { { { "AWS_ACCESS_KEY_ID", KEY }, { "AWS_SESSION_TOKEN", TOKEN }, { "AWS_REGION", "us-east-1" } } };
	load_fails(&no_secret, true, "AWS_SECRET_ACCESS_KEY");
	struct env no_region = { { { "AWS_ACCESS_KEY_ID", KEY }, { "AWS_SECRET_ACCESS_KEY", SECRET }, { "AWS_SESSION_TOKEN", TOKEN } } };
	load_fails(&no_region, true, "AWS_REGION");
	struct env bad_region = { { { "AWS_ACCESS_KEY_ID", KEY }, { "AWS_SECRET_ACCESS_KEY", SECRET }, { "AWS_REGION", "us-east-1/../x" } } };
	load_fails(&bad_region, true, "AWS_REGION");
	struct env upper_region = { { { "AWS_ACCESS_KEY_ID", KEY }, { "AWS_SECRET_ACCESS_KEY", SECRET }, { "AWS_REGION", "US-EAST-1" } } };
	load_fails(&upper_region, true, "AWS_REGION");

	/* The secret as a bad endpoint: named by variable, its value never echoed. */
	struct env secret_url = { { { "AWS_ACCESS_KEY_ID", KEY },
				    { "AWS_SECRET_ACCESS_KEY", SECRET },
				    { "AWS_REGION", "us-east-1" },
				    { "AWS_ENDPOINT_URL", "ftp://" SECRET } } };
	load_fails(&secret_url, true, "AWS_ENDPOINT_URL");

	struct cf_error err;
	ck_assert_int_eq(cf_aws_config_from_env(env_get, &no_key, true, NULL, &err), CF_ERR_INVALID_ARG);
}
END_TEST

START_TEST(test_credentials_optional)
{
	struct env e = { { { "AWS_REGION", "eu-central-1" } } };
	struct cf_aws_config cfg;
	load_ok(&e, false, &cfg);
	ck_assert_ptr_null(cfg.access_key_id);
	ck_assert_ptr_null(cfg.secret_access_key);
	ck_assert_ptr_null(cfg.session_token);
	ck_assert_str_eq(cfg.region, "eu-central-1");
	ck_assert_str_eq(cfg.sqs_endpoint, "https://sqs.eu-central-1.amazonaws.com");
	cf_aws_config_clean_up(&cfg);

	/* Without credentials the region may be missing too; us-east-1 is assumed. */
	struct env nothing = { { { NULL, NULL } } };
	load_ok(&nothing, false, &cfg);
	ck_assert_ptr_null(cfg.access_key_id);
	ck_assert_str_eq(cfg.region, "us-east-1");
	ck_assert_str_eq(cfg.dynamodb_endpoint, "https://dynamodb.us-east-1.amazonaws.com");
	cf_aws_config_clean_up(&cfg);

	/* Keys that are present are still read. */
	struct env some = { { { "AWS_ACCESS_KEY_ID", KEY }, { "AWS_REGION", "us-east-1" } } };
	load_ok(&some, false, &cfg);
	ck_assert_str_eq(cfg.access_key_id, KEY);
	ck_assert_ptr_null(cfg.secret_access_key);
	cf_aws_config_clean_up(&cfg);
}
END_TEST

static void check_sqs_url(const char *url, bool accepted)
{
	struct env e = { { { "AWS_ACCESS_KEY_ID", KEY },
			   { "AWS_SECRET_ACCESS_KEY", SECRET },
			   { "AWS_REGION", "us-east-1" },
			   { "AWS_ENDPOINT_URL_SQS", url } } };
	struct cf_aws_config cfg;
	struct cf_error err = { 0 };
	enum cf_status st = cf_aws_config_from_env(env_get, &e, true, &cfg, &err);
	if (accepted) {
		ck_assert_msg(st == CF_OK, "%s refused: %s", url, err.message);
		cf_aws_config_clean_up(&cfg);
	} else {
		ck_assert_msg(st == CF_ERR_CONFIG, "%s accepted", url);
		ck_assert_msg(strstr(err.message, "AWS_ENDPOINT_URL_SQS") != NULL, "%s", err.message);
		ck_assert(all_zero(&cfg));
	}
}

START_TEST(test_plain_http_only_for_loopback)
{
	check_sqs_url("http://localhost", true);
	check_sqs_url("http://localhost:4566", true);
	check_sqs_url("http://127.0.0.1:1", true);
	check_sqs_url("http://127.10.20.30:8080/x", true);
	check_sqs_url("http://[::1]:4566", true);
	check_sqs_url("https://sqs.example.com", true);
	check_sqs_url("https://10.0.0.1:4566", true);

	check_sqs_url("http://sqs.us-east-1.amazonaws.com", false);
	check_sqs_url("http://10.0.0.1:4566", false);
	check_sqs_url("http://localhost.example.com", false);
	check_sqs_url("http://128.0.0.1", false);
	check_sqs_url("http://[::2]:4566", false);
	/* Hosts that merely start like a loopback address. */
	check_sqs_url("http://127.0.0.1.example.com/", false);
	check_sqs_url("http://127.evil.example", false);
	check_sqs_url("http://127.0.0.256", false);
	/* Userinfo: the real host is after the '@'. */
	check_sqs_url("http://127.0.0.1@evil.example/", false);
	check_sqs_url("http://127.0.0.1:80@evil.example/", false);
	check_sqs_url("http://localhost@evil.example", false);
}
END_TEST

START_TEST(test_garbage_urls)
{
	check_sqs_url("sqs.us-east-1.amazonaws.com", false);
	check_sqs_url("ftp://localhost", false);
	check_sqs_url("https://", false);
	check_sqs_url("http://", false);
	check_sqs_url("https:///path", false);
	check_sqs_url("https://host?x=1", false);
	check_sqs_url("https://host/#frag", false);
	check_sqs_url("https://ho st", false);
	check_sqs_url("https://host\r\nX-Evil: 1", false);
	check_sqs_url("https://[::1", false);
	check_sqs_url("https://host:", false);
	check_sqs_url("https://host:abc", false);
	check_sqs_url("https://host:443x/", false);
	check_sqs_url("https://host:443/", true);
}
END_TEST

START_TEST(test_clean_up_null)
{
	cf_aws_config_clean_up(NULL);
}
END_TEST

START_TEST(test_real_getenv)
{
	/* A NULL getenv_fn reads the process environment. */
	const char *names[] = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
				"AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_DYNAMODB" };
	char *saved[8];
	for (size_t i = 0; i < 8; i++) {
		const char *v = getenv(names[i]);
		saved[i] = v ? strdup(v) : NULL;
		unsetenv(names[i]);
	}
	setenv("AWS_ACCESS_KEY_ID", KEY, 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	setenv("AWS_REGION", "sa-east-1", 1);
	setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000/", 1);
	struct cf_aws_config cfg;
	struct cf_error err;
	enum cf_status st = cf_aws_config_from_env(NULL, NULL, true, &cfg, &err);
	for (size_t i = 0; i < 8; i++) {
		if (saved[i])
			setenv(names[i], saved[i], 1);
		else
			unsetenv(names[i]);
		free(saved[i]);
	}
	ck_assert_int_eq(st, CF_OK);
	ck_assert_str_eq(cfg.access_key_id, KEY);
	ck_assert_str_eq(cfg.secret_access_key, SECRET);
	ck_assert_ptr_null(cfg.session_token);
	ck_assert_str_eq(cfg.region, "sa-east-1");
	ck_assert_str_eq(cfg.sqs_endpoint, "https://sqs.sa-east-1.amazonaws.com");
	ck_assert_str_eq(cfg.dynamodb_endpoint, "http://localhost:8000");
	cf_aws_config_clean_up(&cfg);
}
END_TEST

START_TEST(test_alloc_failures)
{
	struct env e = { { { "AWS_ACCESS_KEY_ID", KEY },
			   { "AWS_SECRET_ACCESS_KEY", SECRET },
			   { "AWS_SESSION_TOKEN", TOKEN },
			   { "AWS_REGION", "eu-west-1" },
			   { "AWS_ENDPOINT_URL_SQS", "http://localhost:4566/" } } };
	long n;
	for (n = 0;; n++) {
		ts_alloc_install(n);
		struct cf_aws_config cfg;
		struct cf_error err = { 0 };
		enum cf_status st = cf_aws_config_from_env(env_get, &e, true, &cfg, &err);
		bool failed = ts_alloc_failed();
		if (st == CF_OK) {
			ck_assert_msg(!failed, "n=%ld: allocation failed but CF_OK returned", n);
			ck_assert_str_eq(cfg.session_token, TOKEN);
			ck_assert_str_eq(cfg.sqs_endpoint, "http://localhost:4566");
			ck_assert_str_eq(cfg.dynamodb_endpoint, "https://dynamodb.eu-west-1.amazonaws.com");
		} else {
			ck_assert_msg(st == CF_ERR_NOMEM, "n=%ld: status %d", n, (int)st);
			ck_assert_int_eq(err.code, CF_ERR_NOMEM);
			ck_assert(all_zero(&cfg));
		}
		cf_aws_config_clean_up(&cfg);
		if (ts_alloc_end_round(n))
			break;
	}
	ck_assert_int_eq(n, 6); /* six strings: key, secret, token, region, two endpoints */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("aws_config");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_every_variable);
	tcase_add_test(tc, test_defaults_without_endpoints);
	tcase_add_test(tc, test_default_region_fallback);
	tcase_add_test(tc, test_endpoint_precedence);
	tcase_add_test(tc, test_trailing_slashes_stripped);
	tcase_add_test(tc, test_missing_values);
	tcase_add_test(tc, test_credentials_optional);
	tcase_add_test(tc, test_plain_http_only_for_loopback);
	tcase_add_test(tc, test_garbage_urls);
	tcase_add_test(tc, test_clean_up_null);
	tcase_add_test(tc, test_real_getenv);
	tcase_add_test(tc, test_alloc_failures);
	suite_add_tcase(s, tc);
	return ts_run_suite(s);
}
