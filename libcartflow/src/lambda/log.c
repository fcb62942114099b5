/* One-line Lambda logs in text or JSON. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "utc_time.h"
#include "cartflow/log.h"

static const char *const level_names[] = { "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" };

static const char *env(cf_getenv_fn get, void *user, const char *name) { return get ? get(name, user) : getenv(name); }

CF_API void cf_logger_init(struct cf_logger *log, FILE *stream, cf_getenv_fn get, void *user)
{
	memset(log, 0, sizeof(*log));
	log->stream = stream;
	log->min_level = CF_LOG_INFO;
	const char *format = env(get, user, "AWS_LAMBDA_LOG_FORMAT");
	log->json = format && !strcasecmp(format, "JSON");
	const char *level = env(get, user, "AWS_LAMBDA_LOG_LEVEL");
	for (size_t i = 0; level && i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcasecmp(level, level_names[i]))
			log->min_level = (enum cf_log_level)i;
}

CF_API void cf_logger_set_request_id(struct cf_logger *log, const char *request_id)
{
	if (!request_id) {
		log->request_id[0] = '\0';
		return;
	}
	snprintf(log->request_id, sizeof(log->request_id), "%s", request_id);
}

CF_API bool cf_logger_enabled(const struct cf_logger *log, enum cf_log_level level)
{
	return log && log->stream && level >= log->min_level;
}

static void timestamp(char out[32])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct cf_utc u = cf_utc_from_epoch(ts.tv_sec);
	const struct {
		unsigned value;
		int digits;
		char after;
	} parts[] = { { u.year, 4, '-' },   { u.month, 2, '-' },  { u.day, 2, 'T' },
		      { u.hour, 2, ':' },   { u.minute, 2, ':' }, { u.second, 2, '.' },
		      { (unsigned)(ts.tv_nsec / 1000000), 3, 'Z' } };
	char *p = out;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		cf_utc_put_digits(p, parts[i].value, parts[i].digits);
		p += parts[i].digits;
		*p++ = parts[i].after;
	}
	*p = '\0';
}

/* Text values: printable as is, control characters as JSON-style escapes, so the line stays one line. */
static void text_value(struct cf_buf *b, const char *s)
{
	struct cf_buf tmp = { 0 };
	cf_buf_json_escape(&tmp, s, strlen(s));
	if (!tmp.failed)
		cf_buf_append(b, tmp.data, tmp.len);
	cf_buf_clean_up(&tmp);
}

CF_API void cf_log(const struct cf_logger *log, enum cf_log_level level, const char *message,
		   const struct cf_log_field *fields, size_t n)
{
	if (!cf_logger_enabled(log, level) || level > CF_LOG_FATAL)
		return;
	char ts[32];
	timestamp(ts);
	struct cf_buf b = { 0 };
	const char *lvl = level_names[level];
	if (log->json) {
		cf_buf_puts(&b, "{\"timestamp\":\"");
		cf_buf_puts(&b, ts);
		cf_buf_puts(&b, "\",\"level\":\"");
		cf_buf_puts(&b, lvl);
		cf_buf_puts(&b, "\",\"message\":");
		cf_buf_json_string(&b, message, strlen(message));
		if (log->request_id[0]) {
			cf_buf_puts(&b, ",\"requestId\":");
			cf_buf_json_string(&b, log->request_id, strlen(log->request_id));
		}
		for (size_t i = 0; i < n; i++) {
			cf_buf_putc(&b, ',');
			cf_buf_json_string(&b, fields[i].key, strlen(fields[i].key));
			cf_buf_putc(&b, ':');
			cf_buf_json_string(&b, fields[i].value ? fields[i].value : "", fields[i].value ? strlen(fields[i].value) : 0);
		}
		cf_buf_putc(&b, '}');
	} else {
		cf_buf_puts(&b, ts);
		cf_buf_putc(&b, '\t');
		cf_buf_puts(&b, lvl);
		cf_buf_putc(&b, '\t');
		text_value(&b, log->request_id[0] ? log->request_id : "-");
		cf_buf_putc(&b, '\t');
		text_value(&b, message);
		for (size_t i = 0; i < n; i++) {
			cf_buf_putc(&b, ' ');
			text_value(&b, fields[i].key);
			cf_buf_putc(&b, '=');
			text_value(&b, fields[i].value ? fields[i].value : "");
		}
	}
	cf_buf_putc(&b, '\n');
	if (!b.failed) {
		fwrite(b.data, 1, b.len, log->stream);
		fflush(log->stream);
	}
	cf_buf_clean_up(&b);
}
