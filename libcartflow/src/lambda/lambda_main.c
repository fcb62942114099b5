/* The bootstrap's main: the Runtime API loop, or one local invocation. */
#include <nss.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_internal.h"
#include "cartflow/curl_transport.h"
#include "cartflow/handler.h"
#include "cartflow/socket_transport.h"
#include "dry_run.h"
#include "prefault_internal.h"

enum { EXIT_HANDLER_FAILED = 1, EXIT_USAGE = 2 };

/*
 * Cold start: curl_global_init initialises OpenSSL, which by default loads its error-string tables
 * (0.9 M instructions), registers every legacy cipher name (0.4 M) and frees all of it again in an
 * atexit handler (0.3 M). A bootstrap needs none of these, so it declines them before curl asks:
 * - error strings: it never prints OpenSSL's error queue (curl's TLS errors name the failure
 *   themselves, and certificate verification messages do not come from these tables);
 * - the legacy cipher names: TLS fetches its ciphers from the provider by name, so the client offers
 *   the same cipher list without them; the table is for decrypting PEM or PKCS#12 files by cipher
 *   name, which a bootstrap never does. The digest names stay: certificate signature checks look
 *   digests up in that table. Without them, OpenSSL 3.0 refuses every CA-signed certificate with
 *   "CA signature digest algorithm too weak". check_tls.sh's CA-signed case fails if they are declined;
 * - the atexit cleanup: the process is ending, the kernel takes the memory back.
 * The tls integration test and the zip checks (a real handshake, a refused untrusted certificate)
 * hold this to account. A process-wide choice, so it is made here in the bootstrap's main and not in
 * the library that other programs link.
 */
static void decline_unused_openssl_init(void)
{
	/* Not OPENSSL_init_ssl: it would also load openssl.cnf now, which is libcurl's choice to make. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ATEXIT,
			    NULL);
}

/*
 * Host names resolve from /etc/hosts, then DNS, whatever /etc/nsswitch.conf lists (set before the
 * first lookup: while the first /next is in flight, or before the Runtime API's name is looked up). The deployed
 * bootstrap links glibc statically: glibc has those two sources built in, but any other one named in
 * nsswitch.conf (myhostname, resolve, mymachines...) it would dlopen from the host, a shared library
 * built for another glibc, which can crash the process. The AWS endpoints need nothing but DNS.
 */
static void resolve_hosts_from_files_and_dns(void)
{
	(void)__nss_configure_lookup("hosts", "files dns");
}

static char *read_event(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = cf_mem_alloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - 1 - n, f);
		if (n < cap - 1)
			break;
		char *grown = cf_mem_realloc(buf, cap *= 2);
		if (!grown)
			cf_mem_free(buf);
		buf = grown;
	}
	bool failed = ferror(f);
	if (f != stdin)
		fclose(f);
	if (failed || !buf) {
		cf_mem_free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* One invocation without the Runtime API; the response (or error document) is stdout's last line. */
static int local_invoke(const char *function_name, cf_handler_new_fn new_handler, const char *path, bool dry_run)
{
	decline_unused_openssl_init(); /* before the dry run's MD5 or curl start OpenSSL */
	struct cf_logger log;
	cf_logger_init(&log, stderr, NULL, NULL);
	size_t len = 0;
	char *event = read_event(path, &len);
	if (!event) {
		fprintf(stderr, "%s: cannot read event file %s\n", function_name, path);
		return EXIT_USAGE;
	}
	int rc = EXIT_USAGE;
	struct cf_error err = { 0 };
	struct cf_fake_transport *fake = NULL;
	struct cf_transport transport = { 0 };
	struct cf_handler *handler = NULL;
	if (dry_run) {
		if (cf_fake_transport_new(&fake)) {
			fprintf(stderr, "%s: out of memory\n", function_name);
			goto out;
		}
		cf_dry_run_attach(fake, stdout);
		transport = cf_fake_transport_as_transport(fake);
	} else if (cf_curl_transport_new(NULL, &transport, &err)) {
		fprintf(stderr, "%s: %s\n", function_name, err.message);
		goto out;
	}
	const struct cf_handler_env env = { .transport = transport, .log = &log, .dry_run = dry_run };
	if (new_handler(&env, &handler, &err)) {
		fprintf(stderr, "%s: configuration error: %s\n", function_name, err.message);
		goto out;
	}
	struct cf_invocation inv = { .request_id = "local-invoke", .event = event, .event_len = len,
				     .trace_id = getenv("_X_AMZN_TRACE_ID") };
	cf_logger_set_request_id(&log, inv.request_id);
	char *response = NULL;
	size_t response_len = 0;
	enum cf_status st = cf_handler_invoke(handler, &inv, &response, &response_len, &err);
	if (st == CF_OK) {
		printf("%.*s\n", (int)response_len, response);
		rc = 0;
	} else {
		char *doc = NULL;
		size_t doc_len = 0;
		if (cf_runtime_error_document(cf_handler_error_type(st), err.message, &doc, &doc_len) == CF_OK)
			printf("%.*s\n", (int)doc_len, doc);
		cf_free(doc);
		rc = EXIT_HANDLER_FAILED;
	}
	cf_free(response);
out:
	cf_handler_destroy(handler);
	if (fake)
		cf_fake_transport_destroy(fake);
	else
		cf_transport_destroy(&transport);
	cf_mem_free(event);
	return rc;
}

/* What the Runtime API transport's hooks act on. */
struct runtime_hooks {
	struct cf_transport *aws;
	struct cf_logger *log;
};

/*
 * Called once the first /next is on the wire: libcurl and OpenSSL start while the Runtime API
 * answers, instead of before the bootstrap asks for work. A failure is logged; the first AWS call
 * then tries again (out of memory) or reports it (curl_global_init failed) for that invocation.
 */
static void start_aws_transport(void *ctx)
{
	const struct runtime_hooks *h = ctx;
	resolve_hosts_from_files_and_dns();
	decline_unused_openssl_init();
	struct cf_error err;
	if (cf_curl_transport_start(h->aws, &err) != CF_OK) {
		struct cf_log_field f[] = { { "reason", err.message } };
		cf_log(h->log, CF_LOG_WARN, "could not start libcurl yet", f, 1);
	}
}

/* Called before the Runtime API's host name is looked up (AWS_LAMBDA_RUNTIME_API not an address). */
static void before_runtime_api_lookup(void *ctx)
{
	(void)ctx;
	resolve_hosts_from_files_and_dns();
}

/*
 * Two transports: the Runtime API (plain HTTP on the same host) goes over a bare socket, which is
 * ready in microseconds; AWS goes over libcurl, started while the first /next is in flight.
 */
static int runtime_loop(const char *function_name, cf_handler_new_fn new_handler)
{
	struct cf_logger log;
	cf_logger_init(&log, stdout, NULL, NULL);
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	if (!api || !*api) {
		fprintf(stderr, "%s: AWS_LAMBDA_RUNTIME_API is not set (use --event FILE to run locally)\n", function_name);
		return EXIT_USAGE;
	}
	int rc = EXIT_HANDLER_FAILED;
	struct cf_error err = { 0 };
	struct cf_transport aws = { 0 }, runtime_api = { 0 };
	struct cf_runtime *rt = NULL;
	struct cf_handler *handler = NULL;
	struct runtime_hooks hooks = { .aws = &aws, .log = &log };
	const struct cf_socket_transport_options rapi_opt = { .on_first_wait = start_aws_transport,
							      .before_first_lookup = before_runtime_api_lookup,
							      .hook_ctx = &hooks };
	if (cf_curl_transport_new(&(struct cf_curl_transport_options){ .defer_start = true }, &aws, &err) ||
	    cf_socket_transport_new(&rapi_opt, &runtime_api, &err) ||
	    cf_runtime_new(&(struct cf_runtime_options){ .api = api, .transport = runtime_api }, &rt, &err)) {
		struct cf_log_field f[] = { { "reason", err.message } };
		cf_log(&log, CF_LOG_FATAL, "cannot reach the Runtime API", f, 1);
		goto out;
	}
	const struct cf_handler_env env = { .transport = aws, .log = &log };
	if (new_handler(&env, &handler, &err)) {
		struct cf_log_field f[] = { { "reason", err.message } };
		cf_log(&log, CF_LOG_FATAL, "initialisation failed", f, 1);
		struct cf_error post_err;
		if (cf_runtime_init_error(rt, cf_handler_error_type(err.code), err.message, &post_err))
			cf_log(&log, CF_LOG_ERROR, "could not report the init error", NULL, 0);
		goto out;
	}
	cf_runtime_serve(rt, handler, &log, 0);
out:
	cf_handler_destroy(handler);
	cf_runtime_destroy(rt);
	cf_transport_destroy(&runtime_api);
	cf_transport_destroy(&aws);
	return rc;
}

static int usage(const char *function_name)
{
	fprintf(stderr,
		"usage: %s                       run as a Lambda bootstrap (needs AWS_LAMBDA_RUNTIME_API)\n"
		"       %s --event FILE [--dry-run]  handle one event (FILE - = stdin); --dry-run prints the AWS\n"
		"                                 requests instead of sending them\n",
		function_name, function_name);
	return EXIT_USAGE;
}

CF_API int cf_lambda_main(int argc, char **argv, const char *function_name, cf_handler_new_fn new_handler)
{
	signal(SIGPIPE, SIG_IGN);
	cf_prefault_startup_memory(NULL); /* process-wide, so here in the bootstrap's main */
	if (argc == 1)
		return runtime_loop(function_name, new_handler);
	resolve_hosts_from_files_and_dns();
	const char *event = NULL;
	bool dry_run = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--event") && i + 1 < argc)
			event = argv[++i];
		else if (!strcmp(argv[i], "--dry-run"))
			dry_run = true;
		else
			return usage(function_name);
	}
	if (!event)
		return usage(function_name);
	return local_invoke(function_name, new_handler, event, dry_run);
}
