/*
 * delay_proxy: a latency-injecting HTTP/1.1 proxy for the benchmarks. Every request is read whole,
 * held DELAY ms, then sent upstream; answers are relayed back byte for byte as they come. Each client
 * connection gets its own thread and its own upstream connection, so concurrent requests wait their
 * DELAY ms in parallel: a fixed network round trip per AWS call, as from a Lambda to SQS or DynamoDB.
 * In front of bench_compare's fake AWS endpoint, or of the local peers (tools/peers/peers.sh).
 *
 *   delay_proxy --upstream http://127.0.0.1:PORT [--delay-ms 10] [--port 0] [--exit-on-stdin-eof]
 *
 * Listens on 127.0.0.1 only and forwards only to a loopback address. Prints "delay-proxy listening PORT"
 * once ready. Ends on SIGTERM/SIGINT, or with --exit-on-stdin-eof when its standard input closes, so
 * a program that starts it on a pipe cannot leave it behind. Request bodies are framed by
 * Content-Length (or chunked); answers are not parsed at all.
 * (C rather than node: under load a node proxy added 3-7 ms per request of its own.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in upstream;
static long delay_ns;

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* Length of the first complete request in buf[0, len), 0 when it is not complete yet, -1 if unreadable. */
static long request_length(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return len > 65536 ? -1 : 0;
	size_t head = (size_t)(end - buf) + 4;
	long body = 0;
	bool chunked = false;
	for (const char *line = memchr(buf, '\n', head); line && line < end; line = memchr(line, '\n', (size_t)(end - line))) {
		line++;
		if (!strncasecmp(line, "content-length:", 15))
			body = strtol(line + 15, NULL, 10);
		else if (!strncasecmp(line, "transfer-encoding:", 18) && memmem(line, (size_t)(end - line), "chunked", 7))
			chunked = true;
	}
	if (chunked) {
		const char *last = memmem(buf + head - 2, len - head + 2, "\r\n0\r\n\r\n", 7);
		return last ? (long)(last - buf) + 7 : 0;
	}
	if (body < 0)
		return -1;
	return len >= head + (size_t)body ? (long)(head + (size_t)body) : 0;
}

static void *serve(void *arg)
{
	int c = (int)(intptr_t)arg, u = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	char *req = NULL, chunk[65536];
	size_t len = 0, cap = 0;
	if (u < 0 || connect(u, (struct sockaddr *)&upstream, sizeof(upstream)))
		goto out;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct pollfd p[2] = { { .fd = c, .events = POLLIN }, { .fd = u, .events = POLLIN } };
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents) {
			ssize_t n = recv(u, chunk, sizeof(chunk), 0);
			if (n <= 0 || !write_all(c, chunk, (size_t)n))
				break;
		}
		if (p[0].revents) {
			ssize_t n = recv(c, chunk, sizeof(chunk), 0);
			if (n <= 0)
				break;
			if (len + (size_t)n > cap) {
				cap = (len + (size_t)n) * 2;
				char *grown = realloc(req, cap);
				if (!grown)
					break;
				req = grown;
			}
			memcpy(req + len, chunk, (size_t)n);
			len += (size_t)n;
			long whole;
			while ((whole = request_length(req, len)) > 0) {
				struct timespec d = { delay_ns / 1000000000L, delay_ns % 1000000000L };
				while (clock_nanosleep(CLOCK_MONOTONIC, 0, &d, &d) == EINTR)
					;
				if (!write_all(u, req, (size_t)whole))
					goto out;
				memmove(req, req + whole, len - (size_t)whole);
				len -= (size_t)whole;
			}
			if (whole < 0)
				break;
		}
	}
out:
	free(req);
	if (u >= 0)
		close(u);
	close(c);
	return NULL;
}

static void *watch_stdin(void *arg)
{
	(void)arg;
	char b[256];
	while (read(STDIN_FILENO, b, sizeof(b)) > 0 || errno == EINTR)
		;
	_exit(0);
}

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: delay_proxy --upstream http://127.0.0.1:PORT [--delay-ms 10] [--port 0] "
			"[--exit-on-stdin-eof]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *up = NULL;
	long delay_ms = 10, port = 0;
	bool stdin_eof = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--exit-on-stdin-eof"))
			stdin_eof = true;
		else if (i + 1 < argc && !strcmp(argv[i], "--upstream"))
			up = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--delay-ms"))
			delay_ms = strtol(argv[++i], NULL, 10);
		else if (i + 1 < argc && !strcmp(argv[i], "--port"))
			port = strtol(argv[++i], NULL, 10);
		else
			usage();
	}
	char host[64];
	unsigned up_port;
	if (!up || sscanf(up, "http://%63[0-9.]:%u", host, &up_port) != 2 || up_port > 65535 || delay_ms < 0 ||
	    port < 0 || port > 65535)
		usage();
	upstream.sin_family = AF_INET;
	upstream.sin_port = htons((unsigned short)up_port);
	if (inet_pton(AF_INET, host, &upstream.sin_addr) != 1 || (ntohl(upstream.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "delay_proxy: the upstream must be a loopback address (127.x.x.x)\n");
		return 2;
	}
	delay_ns = delay_ms * 1000000L;

	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof(addr);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) || listen(s, 256) ||
	    getsockname(s, (struct sockaddr *)&addr, &alen)) {
		perror("delay_proxy: listen");
		return 1;
	}
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_t t;
	if (stdin_eof && pthread_create(&t, &attr, watch_stdin, NULL)) {
		perror("delay_proxy: pthread_create");
		return 1;
	}
	printf("delay-proxy listening %u\n", (unsigned)ntohs(addr.sin_port));
	fflush(stdout);
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			perror("delay_proxy: accept");
			return 1;
		}
		if (pthread_create(&t, &attr, serve, (void *)(intptr_t)c))
			close(c);
	}
}
