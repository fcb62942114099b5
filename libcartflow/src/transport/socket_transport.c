/*
 * The socket transport: HTTP/1.1 over one kept-alive TCP connection, blocking calls bounded by
 * poll(). The response framing is parsed by http1_parse.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cartflow/socket_transport.h"
#include "http1_parse.h"
#include "model/alloc_internal.h"
#include "model/buf.h"
#include "transport_internal.h"

/* Longest host[:port] accepted. */
#define MAX_AUTHORITY 255
/* First read buffer: a Runtime API answer without a large event fits. */
#define FIRST_READ 4096

struct socket_transport {
	int fd;                           /* -1 when not connected */
	char authority[MAX_AUTHORITY + 1]; /* host[:port] of the open connection */
	int64_t connect_timeout_ms;
	size_t max_response_bytes;
	cf_socket_hook_fn on_first_wait;
	cf_socket_hook_fn before_first_lookup;
	void *hook_ctx;
};

/* The parts of an http:// URL, pointing into it. */
struct url_parts {
	const char *authority, *host, *port, *path;
	size_t authority_len, host_len, port_len;
};

/* One exchange's context for error messages. */
struct exchange {
	const struct cf_http_request *req;
	int url_len;
	int64_t deadline_ns; /* 0 = none */
};

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static bool split_url(const char *url, struct url_parts *u)
{
	if (strncasecmp(url, "http://", 7) != 0)
		return false;
	u->authority = url + 7;
	u->authority_len = strcspn(u->authority, "/?#");
	u->path = u->authority + u->authority_len;
	if (!u->authority_len || u->authority_len > MAX_AUTHORITY || memchr(u->authority, '@', u->authority_len))
		return false;
	const char *end = u->authority + u->authority_len;
	const char *colon;
	if (u->authority[0] == '[') {
		const char *close = memchr(u->authority, ']', u->authority_len);
		if (!close)
			return false;
		u->host = u->authority + 1;
		u->host_len = (size_t)(close - u->host);
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon && *colon != ':')
			return false;
	} else {
		u->host = u->authority;
		colon = memchr(u->authority, ':', u->authority_len);
		u->host_len = colon ? (size_t)(colon - u->host) : u->authority_len;
	}
	u->port = colon ? colon + 1 : "80";
	u->port_len = colon ? (size_t)(end - u->port) : 2;
	if (!u->host_len || !u->port_len || u->port_len > 5 || strspn(u->port, "0123456789") < u->port_len)
		return false;
	unsigned port = 0;
	for (size_t i = 0; i < u->port_len; i++)
		port = port * 10 + (unsigned)(u->port[i] - '0');
	return port >= 1 && port <= 65535;
}

static void close_connection(struct socket_transport *st)
{
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
	st->authority[0] = '\0';
}

/* now + ms as a deadline in ns; 0 (none) when ms is 0 or too far ahead to represent. */
static int64_t deadline_after(int64_t ms)
{
	int64_t now = now_ns();
	if (ms <= 0 || ms > (INT64_MAX - now) / 1000000)
		return 0;
	return now + ms * 1000000;
}

/* Milliseconds poll() may wait: until the deadline (at least 0), or -1 for none. */
static int poll_ms(int64_t deadline_ns)
{
	if (!deadline_ns)
		return -1;
	int64_t left = (deadline_ns - now_ns() + 999999) / 1000000;
	return left <= 0 ? 0 : left > 3600000 ? 3600000 : (int)left;
}

/* Wait for `events` on fd: 1 ready, 0 deadline passed, -1 error (errno). */
static int wait_fd(int fd, short events, int64_t deadline_ns)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int rc = poll(&p, 1, poll_ms(deadline_ns));
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
		if (rc == 0 && deadline_ns && now_ns() >= deadline_ns)
			return 0;
		/* interrupted, or one of poll_ms's hour-long slices ended: wait on */
	}
}

static enum cf_status fail(const struct exchange *x, struct cf_error *err, enum cf_status code, const char *what,
			   int errnum)
{
	return cf_error_set(err, code, "%s %.*s: %s%s%s", x->req->method, x->url_len, x->req->url, what,
			    errnum ? ": " : "", errnum ? strerror(errnum) : "");
}

/* The parser's complaint `detail`, prefixed with the request, into `err`. */
static enum cf_status with_request(const struct exchange *x, struct cf_error *err, const struct cf_error *detail)
{
	return fail(x, err, detail->code, detail->message, 0);
}

/*
 * Connect to one address within the deadline. The socket stays blocking (reads and writes pass
 * MSG_DONTWAIT), so connect() itself waits, bounded by SO_SNDTIMEO: on loopback the handshake is done
 * when connect() returns, where a non-blocking connect would sleep in poll() and wait to be woken.
 */
static int connect_addr(const struct sockaddr *sa, socklen_t sa_len, int64_t deadline_ns, int *errnum)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*errnum = errno;
		return -1;
	}
	int64_t left_us = deadline_ns ? (deadline_ns - now_ns()) / 1000 : 0;
	if (deadline_ns && left_us <= 0)
		left_us = 1; /* due already: a zero timeval would mean no timeout at all */
	struct timeval tv = { .tv_sec = left_us / 1000000, .tv_usec = left_us % 1000000 };
	int rc = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0 ? connect(fd, sa, sa_len) : -1;
	if (rc != 0 && errno == EINTR) { /* the handshake goes on: wait for it */
		int ready = wait_fd(fd, POLLOUT, deadline_ns);
		socklen_t len = sizeof(*errnum);
		*errnum = ready == 0 ? ETIMEDOUT : ready < 0 ? errno : 0;
		if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, errnum, &len) != 0)
			*errnum = errno;
		rc = *errnum ? -1 : 0;
	} else if (rc != 0) {
		*errnum = errno == EINPROGRESS || errno == EAGAIN ? ETIMEDOUT : errno; /* SO_SNDTIMEO ran out */
	}
	if (rc != 0) {
		close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static enum cf_status open_connection(struct socket_transport *st, const struct url_parts *u,
				      const struct exchange *x, struct cf_error *err)
{
	char host[MAX_AUTHORITY + 1], port[6];
	memcpy(host, u->host, u->host_len);
	host[u->host_len] = '\0';
	memcpy(port, u->port, u->port_len);
	port[u->port_len] = '\0';
	int64_t deadline = deadline_after(st->connect_timeout_ms);
	if (x->deadline_ns && (!deadline || x->deadline_ns < deadline))
		deadline = x->deadline_ns;
	int errnum = 0;
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} addr = { 0 };
	/* Address literals (the Runtime API's 127.0.0.1:9001) need no resolver. */
	if (inet_pton(AF_INET, host, &addr.in4.sin_addr) == 1) {
		addr.in4.sin_family = AF_INET;
		addr.in4.sin_port = htons((uint16_t)atoi(port));
		st->fd = connect_addr(&addr.sa, sizeof(addr.in4), deadline, &errnum);
	} else if (inet_pton(AF_INET6, host, &addr.in6.sin6_addr) == 1) {
		addr.in6.sin6_family = AF_INET6;
		addr.in6.sin6_port = htons((uint16_t)atoi(port));
		st->fd = connect_addr(&addr.sa, sizeof(addr.in6), deadline, &errnum);
	} else {
		if (st->before_first_lookup) {
			cf_socket_hook_fn hook = st->before_first_lookup;
			st->before_first_lookup = NULL;
			hook(st->hook_ctx);
		}
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *list = NULL;
		int rc = getaddrinfo(host, port, &hints, &list);
		if (rc != 0)
			return cf_error_set(err, CF_ERR_TRANSPORT, "%s %.*s: cannot resolve %s: %s", x->req->method,
					    x->url_len, x->req->url, host, gai_strerror(rc));
		for (struct addrinfo *a = list; a && st->fd < 0; a = a->ai_next)
			st->fd = connect_addr(a->ai_addr, a->ai_addrlen, deadline, &errnum);
		freeaddrinfo(list);
	}
	if (st->fd < 0)
		return fail(x, err, errnum == ETIMEDOUT ? CF_ERR_TIMEOUT : CF_ERR_TRANSPORT, "cannot connect", errnum);
	memcpy(st->authority, u->authority, u->authority_len);
	st->authority[u->authority_len] = '\0';
	return CF_OK;
}

static bool is_transport_header(const char *name)
{
	static const char *const reserved[] = { "Host", "Content-Length", "Transfer-Encoding", "Connection" };
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		if (strcasecmp(name, reserved[i]) == 0)
			return true;
	}
	return false;
}

static void build_head(struct cf_buf *head, const struct cf_http_request *req, const struct url_parts *u)
{
	cf_buf_puts(head, req->method);
	cf_buf_putc(head, ' ');
	if (u->path[0] != '/')
		cf_buf_putc(head, '/');
	cf_buf_append(head, u->path, strcspn(u->path, "#"));
	cf_buf_puts(head, " HTTP/1.1\r\nHost: ");
	cf_buf_append(head, u->authority, u->authority_len);
	cf_buf_puts(head, "\r\n");
	for (size_t i = 0; i < req->header_count; i++) {
		cf_buf_puts(head, req->headers[i].name);
		cf_buf_puts(head, ": ");
		cf_buf_puts(head, req->headers[i].value);
		cf_buf_puts(head, "\r\n");
	}
	if (req->body_len || (strcmp(req->method, "GET") && strcmp(req->method, "HEAD"))) {
		char line[48];
		cf_buf_append(head, line, (size_t)snprintf(line, sizeof(line), "Content-Length: %zu\r\n", req->body_len));
	}
	cf_buf_puts(head, "\r\n");
}

/* Write head and body. 0, or an errno value (ETIMEDOUT for the deadline). */
static int write_request(int fd, const struct cf_buf *head, const struct cf_http_request *req, int64_t deadline_ns)
{
	struct iovec iov[2] = { { head->data, head->len }, { (void *)req->body, req->body_len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = req->body_len ? 2 : 1 };
	while (msg.msg_iovlen) {
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return errno;
			int ready = wait_fd(fd, POLLOUT, deadline_ns);
			if (ready <= 0)
				return ready == 0 ? ETIMEDOUT : errno;
			continue;
		}
		while (msg.msg_iovlen && (size_t)n >= msg.msg_iov->iov_len) {
			n -= (ssize_t)msg.msg_iov->iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen) {
			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + n;
			msg.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* The reading side of one exchange. */
struct reader {
	struct cf_buf raw;  /* bytes received; the decoded body ends up at raw.data[head.head_len ..) */
	struct cf_http1_head head;
	struct cf_http1_chunked chunked;
	size_t in, out;     /* chunked decoding cursors into raw */
	size_t received;    /* bytes received in all, interim answers included */
	bool done;
};

/* The final (not interim) head has been parsed: the body comes next. */
static bool have_head(const struct reader *r)
{
	return r->head.status >= 200;
}

static enum cf_status body_too_large(const struct socket_transport *st, const struct exchange *x,
				     struct cf_error *err)
{
	return cf_error_set(err, CF_ERR_TOO_LARGE, "%s %.*s: response body larger than %zu bytes", x->req->method,
			    x->url_len, x->req->url, st->max_response_bytes);
}

/* Make sense of what `r->raw` holds so far. CF_OK (r->done says whether the answer is complete). */
static enum cf_status parse_more(struct socket_transport *st, struct reader *r, const struct exchange *x,
				 struct cf_http_response *resp, struct cf_error *err)
{
	bool head_req = strcmp(x->req->method, "HEAD") == 0;
	while (!have_head(r)) {
		struct cf_error detail;
		enum cf_http1_progress p = cf_http1_parse_head(r->raw.data, r->raw.len, head_req, &r->head, resp, &detail);
		if (p == CF_HTTP1_NEED_MORE)
			return CF_OK;
		if (p == CF_HTTP1_FAILED)
			return with_request(x, err, &detail);
		if (have_head(r)) {
			r->in = r->out = r->head.head_len;
			break;
		}
		/* An interim answer (100 Continue, 103 Early Hints): drop it, the real one follows. */
		r->raw.len -= r->head.head_len;
		memmove(r->raw.data, r->raw.data + r->head.head_len, r->raw.len);
		cf_http_response_clear_headers(resp);
	}
	size_t body_have = r->raw.len - r->head.head_len;
	switch (r->head.framing) {
	case CF_HTTP1_NO_BODY:
		r->out = r->head.head_len;
		r->done = true;
		break;
	case CF_HTTP1_LENGTH:
		if (r->head.content_length > st->max_response_bytes)
			return body_too_large(st, x, err);
		if (body_have >= r->head.content_length) {
			r->out = r->head.head_len + (size_t)r->head.content_length;
			r->done = true;
		}
		break;
	case CF_HTTP1_CHUNKED: {
		struct cf_error detail;
		enum cf_http1_progress p = cf_http1_chunked_decode(&r->chunked, r->raw.data, r->raw.len, &r->in, &r->out,
								   st->max_response_bytes, &detail);
		if (p == CF_HTTP1_FAILED)
			return with_request(x, err, &detail);
		/* Later bytes go where decoding left off, so the next call starts at the front of them. */
		memmove(r->raw.data + r->out, r->raw.data + r->in, r->raw.len - r->in);
		r->raw.len -= r->in - r->out;
		r->in = r->out;
		r->done = p == CF_HTTP1_COMPLETE;
		break;
	}
	case CF_HTTP1_UNTIL_CLOSE:
		if (body_have > st->max_response_bytes)
			return body_too_large(st, x, err);
		r->out = r->raw.len;
		break;
	}
	return CF_OK;
}

/* Receive one answer into `resp`. */
static enum cf_status read_response(struct socket_transport *st, struct reader *r, const struct exchange *x,
				    struct cf_http_response *resp, struct cf_error *err)
{
	while (!r->done) {
		/* Room for what is known to be missing (at least a first page), and the body's NUL. */
		size_t want = FIRST_READ - 1;
		if (have_head(r) && r->head.framing == CF_HTTP1_LENGTH) {
			size_t missing = (size_t)r->head.content_length - (r->raw.len - r->head.head_len) + 1;
			want = missing > want ? missing : want;
		}
		if (!cf_buf_reserve(&r->raw, want))
			return fail(x, err, CF_ERR_NOMEM, "out of memory receiving the response", 0);
		ssize_t n = recv(st->fd, r->raw.data + r->raw.len, r->raw.cap - r->raw.len - 1, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int ready = wait_fd(st->fd, POLLIN, x->deadline_ns);
			if (ready == 0)
				return fail(x, err, CF_ERR_TIMEOUT, "no complete answer before the deadline", 0);
			if (ready < 0)
				return fail(x, err, CF_ERR_TRANSPORT, "waiting for the answer", errno);
			continue;
		}
		if (n < 0)
			return fail(x, err, CF_ERR_TRANSPORT, "receiving the answer", errno);
		if (n == 0) {
			if (have_head(r) && r->head.framing == CF_HTTP1_UNTIL_CLOSE) {
				r->done = true;
				break;
			}
			return fail(x, err, CF_ERR_TRANSPORT, "connection closed before the answer ended", 0);
		}
		r->raw.len += (size_t)n;
		r->received += (size_t)n;
		enum cf_status s = parse_more(st, r, x, resp, err);
		if (s)
			return s;
	}
	return CF_OK;
}

/* Hand the decoded body to `resp`; true when the connection may carry the next request. */
static bool take_body(struct reader *r, struct cf_http_response *resp)
{
	bool reusable = r->head.keep_alive && r->out == r->raw.len; /* nothing after the answer */
	size_t body_len = r->out - r->head.head_len;
	if (body_len) {
		memmove(r->raw.data, r->raw.data + r->head.head_len, body_len);
		r->raw.data[body_len] = '\0'; /* reserve() always leaves a byte past len */
		cf_mem_free(resp->body);
		resp->body = r->raw.data;
		resp->body_len = body_len;
		r->raw = (struct cf_buf){ 0 };
	}
	return reusable;
}

/*
 * Read the answer on the current connection into `resp`; the connection is closed unless it may carry
 * the next request. *received: the bytes that came, interim answers included.
 */
static enum cf_status receive(struct socket_transport *st, const struct exchange *x, struct cf_http_response *resp,
			      size_t *received, struct cf_error *err)
{
	struct reader r = { 0 };
	enum cf_status s = read_response(st, &r, x, resp, err);
	if (s == CF_OK) {
		resp->status = r.head.status;
		if (!take_body(&r, resp))
			close_connection(st);
	} else {
		close_connection(st);
		cf_http_response_clean_up(resp);
	}
	*received = r.received;
	cf_buf_clean_up(&r.raw);
	return s;
}

/* One attempt on the current or a new connection. */
static enum cf_status exchange_once(struct socket_transport *st, const struct url_parts *u, const struct cf_buf *head,
				    const struct exchange *x, struct cf_http_response *resp, bool *retry,
				    struct cf_error *err)
{
	*retry = false;
	bool reused = st->fd >= 0;
	enum cf_status s = CF_OK;
	if (!reused && (s = open_connection(st, u, x, err)) != CF_OK)
		return s;
	size_t received = 0;
	int errnum = write_request(st->fd, head, x->req, x->deadline_ns);
	if (errnum) {
		/*
		 * A server may answer before it has read the whole request (413 for a body it will not
		 * take) and close. On a new connection that answer can only be this request's: it is read
		 * and returned. A reused connection may instead have been closed while idle: tried again.
		 */
		struct cf_error early_err;
		if (!reused && errnum != ETIMEDOUT && receive(st, x, resp, &received, &early_err) == CF_OK) {
			close_connection(st); /* the rest of the request was not sent */
			return CF_OK;
		}
		close_connection(st);
		*retry = reused && errnum != ETIMEDOUT;
		return fail(x, err, errnum == ETIMEDOUT ? CF_ERR_TIMEOUT : CF_ERR_TRANSPORT, "sending the request", errnum);
	}
	if (st->on_first_wait) {
		cf_socket_hook_fn hook = st->on_first_wait;
		st->on_first_wait = NULL;
		hook(st->hook_ctx);
	}
	s = receive(st, x, resp, &received, err);
	/* The server had closed the idle connection: it never saw the request. */
	*retry = reused && s == CF_ERR_TRANSPORT && received == 0;
	return s;
}

static enum cf_status socket_send(void *data, const struct cf_http_request *req, struct cf_http_response *resp,
				  struct cf_error *err)
{
	struct socket_transport *st = data;
	if (!st || !req || !resp)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "socket transport: send needs a request and a response");
	struct exchange x = { .req = req, .url_len = cf_url_len_for_message(req->url) };
	x.deadline_ns = deadline_after(req->timeout_ms);
	struct url_parts u;
	if (!split_url(req->url, &u))
		return fail(&x, err, CF_ERR_UNSUPPORTED, "the socket transport takes http://host[:port]/path URLs only", 0);
	for (size_t i = 0; i < req->header_count; i++) {
		if (is_transport_header(req->headers[i].name))
			return cf_error_set(err, CF_ERR_HEADER, "%s %.*s: header %s is the transport's to set", req->method,
					    x.url_len, req->url, req->headers[i].name);
	}
	if (st->fd >= 0 && (strlen(st->authority) != u.authority_len ||
			    strncasecmp(st->authority, u.authority, u.authority_len) != 0))
		close_connection(st);
	struct cf_buf head = { 0 };
	build_head(&head, req, &u);
	enum cf_status s = CF_OK;
	bool retry = false;
	if (head.failed)
		s = fail(&x, err, CF_ERR_NOMEM, "out of memory", 0);
	else if ((s = exchange_once(st, &u, &head, &x, resp, &retry, err)) != CF_OK && retry)
		s = exchange_once(st, &u, &head, &x, resp, &retry, err);
	if (s == CF_OK)
		cf_error_clear(err);
	cf_buf_clean_up(&head);
	return s;
}

static void socket_destroy(void *data)
{
	struct socket_transport *st = data;
	if (!st)
		return;
	close_connection(st);
	cf_mem_free(st);
}

static const struct cf_transport_methods socket_methods = {
	.version = CF_TRANSPORT_VERSION_1,
	.send = socket_send,
	.destroy = socket_destroy,
};

CF_API enum cf_status cf_socket_transport_new(const struct cf_socket_transport_options *opt, struct cf_transport *out,
					      struct cf_error *err)
{
	if (!out)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "cf_socket_transport_new: out is NULL");
	*out = (struct cf_transport){ 0 };
	struct cf_socket_transport_options o = opt ? *opt : (struct cf_socket_transport_options){ 0 };
	if (o.connect_timeout_ms < 0 || o.connect_timeout_ms > INT64_MAX / 1000000)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "cf_socket_transport_new: connect_timeout_ms out of range");
	struct socket_transport *st = cf_mem_calloc(1, sizeof(*st));
	if (!st)
		return cf_error_set(err, CF_ERR_NOMEM, "cf_socket_transport_new: out of memory");
	st->fd = -1;
	st->connect_timeout_ms = o.connect_timeout_ms ? o.connect_timeout_ms : CF_SOCKET_DEFAULT_CONNECT_TIMEOUT_MS;
	st->max_response_bytes = o.max_response_bytes ? o.max_response_bytes : CF_SOCKET_DEFAULT_MAX_RESPONSE_BYTES;
	st->on_first_wait = o.on_first_wait;
	st->before_first_lookup = o.before_first_lookup;
	st->hook_ctx = o.hook_ctx;
	out->methods = &socket_methods;
	out->data = st;
	return CF_OK;
}
