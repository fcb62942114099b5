/* Partial batch responses for SQS and DynamoDB Streams event sources. */
#include "alloc_internal.h"
#include "buf.h"
#include "cartflow/batch_response.h"

static bool seen_before(const struct cf_str *ids, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (ids[j].ptr && ids[j].len == ids[i].len && memcmp(ids[j].ptr, ids[i].ptr, ids[i].len) == 0)
			return true;
	return false;
}

CF_API enum cf_status cf_batch_response_write(const struct cf_str *identifiers, size_t count, char **out,
					      size_t *out_len)
{
	if (out)
		*out = NULL;
	if (!out || (count && !identifiers))
		return CF_ERR_INVALID_ARG;
	*out = NULL;
	struct cf_buf buf = { 0 };
	cf_buf_puts(&buf, "{\"batchItemFailures\":[");
	bool first = true;
	for (size_t i = 0; i < count; i++) {
		if (!identifiers[i].ptr)
			continue;
		if (seen_before(identifiers, i))
			continue;
		if (!first)
			cf_buf_putc(&buf, ',');
		first = false;
		cf_buf_puts(&buf, "{\"itemIdentifier\":");
		cf_buf_json_string(&buf, identifiers[i].ptr, identifiers[i].len);
		cf_buf_putc(&buf, '}');
	}
	cf_buf_puts(&buf, "]}");
	*out = cf_buf_take(&buf, out_len);
	return *out ? CF_OK : CF_ERR_NOMEM;
}
