/* Compact typed JSON output of attribute values. */
#include "alloc_internal.h"
#include "attr_internal.h"

static void append_type_open(struct cf_buf *buf, enum cf_attr_type type)
{
	cf_buf_append(buf, "{\"", 2);
	cf_buf_puts(buf, cf_attr_type_name(type));
	cf_buf_append(buf, "\":", 2);
}

static void append_text(struct cf_buf *buf, struct cf_str t) { cf_buf_json_string(buf, t.ptr, t.len); }

void cf_attr_append_item(struct cf_buf *buf, const struct cf_attr *item)
{
	cf_buf_putc(buf, '{');
	for (size_t i = 0; i < item->v.map.count; i++) {
		const struct cf_attr_member *m = &item->v.map.members[i];
		if (i)
			cf_buf_putc(buf, ',');
		append_text(buf, m->name);
		cf_buf_putc(buf, ':');
		cf_attr_append_value(buf, &m->value);
	}
	cf_buf_putc(buf, '}');
}

void cf_attr_append_value(struct cf_buf *buf, const struct cf_attr *attr)
{
	append_type_open(buf, attr->type);
	switch (attr->type) {
	case CF_ATTR_S:
	case CF_ATTR_N:
	case CF_ATTR_B:
		append_text(buf, attr->v.text);
		break;
	case CF_ATTR_BOOL:
		cf_buf_puts(buf, attr->v.boolean ? "true" : "false");
		break;
	case CF_ATTR_NULL:
		cf_buf_puts(buf, "true");
		break;
	case CF_ATTR_M:
		cf_attr_append_item(buf, attr);
		break;
	case CF_ATTR_L:
	case CF_ATTR_SS:
	case CF_ATTR_NS:
	case CF_ATTR_BS:
		cf_buf_putc(buf, '[');
		for (size_t i = 0; i < attr->v.list.count; i++) {
			const struct cf_attr *item = &attr->v.list.items[i];
			if (i)
				cf_buf_putc(buf, ',');
			if (attr->type == CF_ATTR_L)
				cf_attr_append_value(buf, item);
			else
				append_text(buf, item->v.text);
		}
		cf_buf_putc(buf, ']');
		break;
	}
	cf_buf_putc(buf, '}');
}

static enum cf_status finish(struct cf_buf *buf, char **out, size_t *out_len)
{
	*out = cf_buf_take(buf, out_len);
	return *out ? CF_OK : CF_ERR_NOMEM;
}

CF_API enum cf_status cf_attr_write_value(const struct cf_attr *attr, char **out, size_t *out_len)
{
	if (out)
		*out = NULL;
	if (!attr || !out)
		return CF_ERR_INVALID_ARG;
	struct cf_buf buf = { 0 };
	cf_attr_append_value(&buf, attr);
	return finish(&buf, out, out_len);
}

CF_API enum cf_status cf_attr_write_item(const struct cf_attr *item, char **out, size_t *out_len)
{
	if (out)
		*out = NULL;
	if (!item || !out)
		return CF_ERR_INVALID_ARG;
	if (item->type != CF_ATTR_M)
		return CF_ERR_TYPE;
	struct cf_buf buf = { 0 };
	cf_attr_append_item(&buf, item);
	return finish(&buf, out, out_len);
}
