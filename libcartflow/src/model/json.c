/* Iterative validating JSON parser into an arena tree. See json.h. */
#include <string.h>

#include "alloc_internal.h"
#include "json.h"
#include "swar.h"
#include "hex.h"

/* Byte classes inside a string: 0 = plain ASCII, 1 = quote, 2 = backslash, 3 = control, 4 = non-ASCII. */
static const uint8_t string_class[256] = {
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

struct frame {
	enum cf_json_type type;
	size_t first;      /* index of this container's first entry on the scratch stack */
	struct cf_str key; /* OBJECT: key of the value being parsed */
};

struct parser {
	struct cf_arena *arena;
	const char *text;
	size_t len;
	size_t pos;
	struct cf_json_member *scratch;
	size_t scratch_len;
	size_t scratch_cap;
	struct frame frames[CF_JSON_MAX_DEPTH];
	size_t depth;
	struct cf_error *err;
};

static enum cf_status syntax_error(struct parser *p, const char *what)
{
	if (p->pos >= p->len)
		return cf_error_set(p->err, CF_ERR_JSON, "offset %zu: %s (input ends)", p->pos, what);
	return cf_error_set(p->err, CF_ERR_JSON, "offset %zu: %s", p->pos, what);
}

static enum cf_status nomem(struct parser *p)
{
	return cf_error_set(p->err, CF_ERR_NOMEM, "out of memory parsing JSON");
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->text[p->pos];
		if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
			return;
		p->pos++;
	}
}

/* Length of the valid UTF-8 sequence at s[0..avail), or 0 if invalid (overlong, surrogate, > U+10FFFF). */
static size_t utf8_sequence_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	if (c >= 0xC2 && c <= 0xDF)
		return avail >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0;
		if (c == 0xED && s[1] >= 0xA0)
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0;
		if (c == 0xF4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

static bool read_hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = cf_hex_value(s[i]);
		if (h < 0)
			return false;
		v = (v << 4) | (unsigned)h;
	}
	*out = v;
	return true;
}

static size_t put_utf8(char *dst, unsigned cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xC0 | (cp >> 6));
		dst[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xE0 | (cp >> 12));
		dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		dst[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	dst[0] = (char)(0xF0 | (cp >> 18));
	dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	dst[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decode the escape at p->pos (the backslash) into dst; advances p->pos. Returns bytes written or 0. */
static size_t decode_escape(struct parser *p, char *dst)
{
	const char *s = p->text + p->pos;
	size_t avail = p->len - p->pos;
	if (avail < 2)
		return 0;
	static const char simple_from[] = "\"\\/bfnrt";
	static const char simple_to[] = "\"\\/\b\f\n\r\t";
	const char *hit = s[1] ? strchr(simple_from, s[1]) : NULL;
	if (hit) {
		dst[0] = simple_to[hit - simple_from];
		p->pos += 2;
		return 1;
	}
	unsigned cp;
	if (s[1] != 'u' || avail < 6 || !read_hex4(s + 2, &cp))
		return 0;
	size_t used = 6;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return 0;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		unsigned low;
		if (avail < 12 || s[6] != '\\' || s[7] != 'u' || !read_hex4(s + 8, &low) || low < 0xDC00 || low > 0xDFFF)
			return 0;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
		used = 12;
	}
	p->pos += used;
	return put_utf8(dst, cp);
}

/* Parse the string starting at the opening quote at p->pos into *out (decoded). */
static enum cf_status parse_string(struct parser *p, struct cf_str *out)
{
	const unsigned char *t = (const unsigned char *)p->text;
	size_t start = ++p->pos;
	bool escaped = false;
	for (;;) {
		/* Plain ASCII eight bytes at a time, then byte by byte up to the next special byte. */
		while (p->pos + 8 <= p->len) {
			uint64_t v = cf_swar_load(t + p->pos);
			if (cf_swar_needs_escape(v) | (v & CF_SWAR_HIGH))
				break;
			p->pos += 8;
		}
		while (p->pos < p->len && string_class[t[p->pos]] == 0)
			p->pos++;
		if (p->pos >= p->len)
			return syntax_error(p, "unterminated string");
		switch (string_class[t[p->pos]]) {
		case 1:
			goto closed;
		case 2:
			escaped = true;
			if (p->pos + 1 >= p->len)
				return syntax_error(p, "unterminated string");
			p->pos += 2;
			break;
		case 3:
			return syntax_error(p, "control character in string");
		default: {
			size_t n = utf8_sequence_len(t + p->pos, p->len - p->pos);
			if (!n)
				return syntax_error(p, "invalid UTF-8 in string");
			p->pos += n;
		}
		}
	}
closed:;
	size_t end = p->pos++;
	if (!escaped) {
		*out = (struct cf_str){ p->text + start, end - start };
		return CF_OK;
	}
	char *dst = cf_arena_alloc(p->arena, end - start + 1);
	if (!dst)
		return nomem(p);
	size_t n = 0;
	p->pos = start;
	while (p->pos < end) {
		if (t[p->pos] != '\\') {
			const char *bs = memchr(p->text + p->pos, '\\', end - p->pos);
			size_t run = (bs ? (size_t)(bs - p->text) : end) - p->pos;
			memcpy(dst + n, p->text + p->pos, run);
			n += run;
			p->pos += run;
			continue;
		}
		size_t w = decode_escape(p, dst + n);
		if (!w)
			return syntax_error(p, "invalid escape in string");
		n += w;
	}
	p->pos = end + 1;
	dst[n] = '\0';
	*out = (struct cf_str){ dst, n };
	return CF_OK;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static enum cf_status parse_number(struct parser *p, struct cf_json *node)
{
	const char *s = p->text;
	size_t i = p->pos;
	if (i < p->len && s[i] == '-')
		i++;
	if (i >= p->len || !is_digit(s[i]))
		return syntax_error(p, "invalid number");
	if (s[i] == '0')
		i++;
	else
		while (i < p->len && is_digit(s[i]))
			i++;
	if (i < p->len && s[i] == '.') {
		i++;
		if (i >= p->len || !is_digit(s[i]))
			return syntax_error(p, "invalid number: digit expected after '.'");
		while (i < p->len && is_digit(s[i]))
			i++;
	}
	if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < p->len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= p->len || !is_digit(s[i]))
			return syntax_error(p, "invalid number: digit expected in exponent");
		while (i < p->len && is_digit(s[i]))
			i++;
	}
	node->type = CF_JSON_NUMBER;
	node->u.text = (struct cf_str){ s + p->pos, i - p->pos };
	p->pos = i;
	return CF_OK;
}

static enum cf_status parse_literal(struct parser *p, struct cf_json *node)
{
	static const struct {
		const char *word;
		enum cf_json_type type;
	} words[] = { { "true", CF_JSON_TRUE }, { "false", CF_JSON_FALSE }, { "null", CF_JSON_NULL } };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i].word);
		if (p->len - p->pos >= n && memcmp(p->text + p->pos, words[i].word, n) == 0) {
			node->type = words[i].type;
			p->pos += n;
			return CF_OK;
		}
	}
	return syntax_error(p, "unexpected character");
}

static enum cf_status push_entry(struct parser *p, struct cf_str key, const struct cf_json *value)
{
	if (p->scratch_len == p->scratch_cap) {
		size_t cap = p->scratch_cap ? p->scratch_cap * 2 : 64;
		struct cf_json_member *grown = cf_mem_realloc(p->scratch, cap * sizeof(*grown));
		if (!grown)
			return nomem(p);
		p->scratch = grown;
		p->scratch_cap = cap;
	}
	p->scratch[p->scratch_len].key = key;
	p->scratch[p->scratch_len].value = *value;
	p->scratch_len++;
	return CF_OK;
}

/* Pop the top frame into `node`, moving its entries from the scratch stack into the arena. */
static enum cf_status close_container(struct parser *p, struct cf_json *node)
{
	struct frame *f = &p->frames[--p->depth];
	size_t count = p->scratch_len - f->first;
	if (count > UINT32_MAX)
		return syntax_error(p, "too many entries in one container");
	node->type = f->type;
	node->count = (uint32_t)count;
	node->u.entries = NULL;
	if (count) {
		node->u.entries = cf_arena_alloc(p->arena, count * sizeof(struct cf_json_member));
		if (!node->u.entries)
			return nomem(p);
		memcpy(node->u.entries, p->scratch + f->first, count * sizeof(struct cf_json_member));
	}
	p->scratch_len = f->first;
	return CF_OK;
}

static enum cf_status open_container(struct parser *p, enum cf_json_type type)
{
	if (p->depth == CF_JSON_MAX_DEPTH)
		return syntax_error(p, "nesting too deep");
	p->frames[p->depth++] = (struct frame){ type, p->scratch_len, { NULL, 0 } };
	p->pos++;
	return CF_OK;
}

/* After '{' or ',' in an object: read `"key" :` into the top frame. */
static enum cf_status parse_key(struct parser *p)
{
	skip_ws(p);
	if (p->pos >= p->len || p->text[p->pos] != '"')
		return syntax_error(p, "expected string key");
	enum cf_status st = parse_string(p, &p->frames[p->depth - 1].key);
	if (st)
		return st;
	skip_ws(p);
	if (p->pos >= p->len || p->text[p->pos] != ':')
		return syntax_error(p, "expected ':'");
	p->pos++;
	return CF_OK;
}

static enum cf_status run(struct parser *p, struct cf_json *root)
{
	enum cf_status st;
	struct cf_json node;
value:
	skip_ws(p);
	if (p->pos >= p->len)
		return syntax_error(p, "expected a value");
	memset(&node, 0, sizeof(node));
	switch (p->text[p->pos]) {
	case '{':
	case '[': {
		enum cf_json_type type = p->text[p->pos] == '{' ? CF_JSON_OBJECT : CF_JSON_ARRAY;
		if ((st = open_container(p, type)))
			return st;
		skip_ws(p);
		char close = type == CF_JSON_OBJECT ? '}' : ']';
		if (p->pos < p->len && p->text[p->pos] == close) {
			p->pos++;
			if ((st = close_container(p, &node)))
				return st;
			goto done;
		}
		if (type == CF_JSON_OBJECT && (st = parse_key(p)))
			return st;
		goto value;
	}
	case '"':
		node.type = CF_JSON_STRING;
		st = parse_string(p, &node.u.text);
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		st = parse_number(p, &node);
		break;
	default:
		st = parse_literal(p, &node);
	}
	if (st)
		return st;
done:
	while (p->depth) {
		struct frame *f = &p->frames[p->depth - 1];
		if ((st = push_entry(p, f->type == CF_JSON_OBJECT ? f->key : (struct cf_str){ NULL, 0 }, &node)))
			return st;
		skip_ws(p);
		if (p->pos >= p->len)
			return syntax_error(p, "expected ',' or end of container");
		char c = p->text[p->pos];
		if (c == ',') {
			p->pos++;
			if (f->type == CF_JSON_OBJECT && (st = parse_key(p)))
				return st;
			goto value;
		}
		if (c != (f->type == CF_JSON_OBJECT ? '}' : ']'))
			return syntax_error(p, f->type == CF_JSON_OBJECT ? "expected ',' or '}'" : "expected ',' or ']'");
		p->pos++;
		if ((st = close_container(p, &node)))
			return st;
	}
	*root = node;
	return CF_OK;
}

enum cf_status cf_json_parse(struct cf_arena *arena, const char *text, size_t len, const struct cf_json **out,
			     struct cf_error *err)
{
	*out = NULL;
	if (!text && len)
		return cf_error_set(err, CF_ERR_INVALID_ARG, "NULL JSON text");
	struct parser *p = cf_mem_alloc(sizeof(*p));
	if (!p)
		return cf_error_set(err, CF_ERR_NOMEM, "out of memory parsing JSON");
	p->arena = arena;
	p->text = text ? text : "";
	p->len = len;
	p->pos = 0;
	p->scratch = NULL;
	p->scratch_len = p->scratch_cap = 0;
	p->depth = 0;
	p->err = err;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		p->pos = 3;
	enum cf_status st = CF_OK;
	struct cf_json *root = cf_arena_alloc(arena, sizeof(*root));
	if (!root) {
		st = nomem(p);
		goto out_free;
	}
	if ((st = run(p, root)))
		goto out_free;
	skip_ws(p);
	if (p->pos != p->len) {
		st = syntax_error(p, "trailing characters after the JSON value");
		goto out_free;
	}
	*out = root;
out_free:
	cf_mem_free(p->scratch);
	cf_mem_free(p);
	return st;
}

const struct cf_json *cf_json_get(const struct cf_json *obj, const char *key)
{
	if (!obj || obj->type != CF_JSON_OBJECT)
		return NULL;
	size_t n = strlen(key);
	for (size_t i = 0; i < obj->count; i++) {
		const struct cf_json_member *m = &obj->u.entries[i];
		if (m->key.len == n && memcmp(m->key.ptr, key, n) == 0)
			return &m->value;
	}
	return NULL;
}

const char *cf_json_type_name(enum cf_json_type type)
{
	switch (type) {
	case CF_JSON_NULL: return "null";
	case CF_JSON_FALSE:
	case CF_JSON_TRUE: return "boolean";
	case CF_JSON_NUMBER: return "number";
	case CF_JSON_STRING: return "string";
	case CF_JSON_ARRAY: return "array";
	case CF_JSON_OBJECT: return "object";
	}
	return "unknown";
}
