/*
 * protocol_floor: the least any Lambda bootstrap has to do, for bench_compare to measure beside the
 * real ones in both functions' places (tools/bench/run-all.sh passes it):
 *   bench_compare --out-dir D --floor build/tools/bench/protocol_floor --c deployed PCP UCS
 * It takes the next event from the Runtime API, ignores it and answers {"batchItemFailures":[]},
 * over one keep-alive connection with blocking sockets: no TLS, no AWS call, no JSON, no
 * allocation. Linked statically, as the bootstraps are. Its exec → first /response is what this
 * machine charges for a process and two HTTP exchanges on loopback; what a bootstrap takes beyond
 * it is its own work. It reads responses with a dozen lines of its own rather than libcartflow's
 * HTTP/1.1 parser on purpose: linking the library would put part of what is measured into the floor.
 * Not a product: it answers every event the same way and stops at the first error.
 *
 *   AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 protocol_floor
 *
 * Exit status: 1 when the Runtime API cannot be reached or answers anything but 200 to /next (what
 * ends a bench run), 2 for a missing or malformed AWS_LAMBDA_RUNTIME_API.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define RUNTIME_PATH "/2018-06-01/runtime/invocation/"
#define RESPONSE_BODY "{\"batchItemFailures\":[]}"

enum { HEAD_MAX = 8192, ID_MAX = 128 };

static int connect_runtime(const char *api)
{
	char host[64];
	const char *colon = strrchr(api, ':');
	if (!colon || (size_t)(colon - api) >= sizeof(host))
		return -2;
	memcpy(host, api, (size_t)(colon - api));
	host[colon - api] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	if (*end || port < 1 || port > 65535 || inet_pton(AF_INET, host, &addr.sin_addr) != 1)
		return -2;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The value of header NAME in HEAD (a status line and header lines, NUL-terminated), copied into OUT; 0 if found. */
static int header_value(const char *head, const char *name, char *out, size_t cap)
{
	size_t name_len = strlen(name);
	for (const char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
		const char *p = line + 2;
		if (strncasecmp(p, name, name_len) || p[name_len] != ':')
			continue;
		p += name_len + 1;
		p += strspn(p, " \t");
		size_t n = strcspn(p, "\r");
		if (n >= cap)
			return -1;
		memcpy(out, p, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

/*
 * Reads one response: its status, and the Lambda-Runtime-Aws-Request-Id header into ID when ID is
 * not NULL; its body (Content-Length bytes) is read and dropped. BUF holds HEAD_MAX bytes; bytes
 * past this response stay at its start, *HAVE counting them. Returns the status, -1 on error.
 */
static int read_response(int fd, char *buf, size_t *have, char *id)
{
	char *end;
	buf[*have] = '\0';
	while (!(end = strstr(buf, "\r\n\r\n"))) {
		if (*have >= HEAD_MAX - 1)
			return -1;
		ssize_t r = recv(fd, buf + *have, HEAD_MAX - 1 - *have, 0);
		if (r <= 0)
			return -1;
		*have += (size_t)r;
		buf[*have] = '\0';
	}
	end[2] = '\0'; /* the header block ends with its last line's CRLF */
	int status = 0;
	char length[32];
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1 || header_value(buf, "Content-Length", length, sizeof(length)))
		return -1;
	if (id && header_value(buf, "Lambda-Runtime-Aws-Request-Id", id, ID_MAX))
		return -1;
	size_t head_len = (size_t)(end + 4 - buf), body = strtoul(length, NULL, 10);
	size_t buffered = *have - head_len;
	if (buffered >= body) {
		*have = buffered - body;
		memmove(buf, end + 4 + body, *have);
		return status;
	}
	for (body -= buffered, *have = 0; body;) {
		ssize_t r = recv(fd, buf, body < HEAD_MAX ? body : HEAD_MAX, 0);
		if (r <= 0)
			return -1;
		body -= (size_t)r;
	}
	return status;
}

int main(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	if (!api) {
		fputs("protocol_floor: AWS_LAMBDA_RUNTIME_API is not set\n", stderr);
		return 2;
	}
	int fd = connect_runtime(api);
	if (fd == -2) {
		fprintf(stderr, "protocol_floor: AWS_LAMBDA_RUNTIME_API is not IPv4-address:port: %s\n", api);
		return 2;
	}
	if (fd < 0) {
		perror("protocol_floor: connect");
		return 1;
	}
	static char buf[HEAD_MAX], req[512];
	char id[ID_MAX];
	size_t have = 0;
	for (;;) {
		int n = snprintf(req, sizeof(req), "GET " RUNTIME_PATH "next HTTP/1.1\r\nHost: %s\r\n\r\n", api);
		if (send_all(fd, req, (size_t)n) || read_response(fd, buf, &have, id) != 200)
			break;
		n = snprintf(req, sizeof(req),
			     "POST " RUNTIME_PATH "%s/response HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
			     "Content-Length: %zu\r\n\r\n" RESPONSE_BODY,
			     id, api, sizeof(RESPONSE_BODY) - 1);
		if (n < 0 || (size_t)n >= sizeof(req) || send_all(fd, req, (size_t)n) ||
		    read_response(fd, buf, &have, NULL) != 202) {
			fputs("protocol_floor: /response not accepted\n", stderr);
			break;
		}
	}
	close(fd);
	return 1;
}
