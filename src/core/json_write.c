#include "json_write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

void jw_init(struct jw *w, struct arena *a)
{
	memset(w, 0, sizeof(*w));
	w->arena = a;
}

void jw_release(struct jw *w)
{
	if (!w->arena)
		free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

void jw_reset(struct jw *w)
{
	w->len = 0;
	w->depth = 0;
	w->after_key = 0;
	w->has_items = 0;
}

static void grow(struct jw *w, size_t need)
{
	size_t cap = w->cap ? w->cap : 256;
	while (cap - w->len < need)
		cap *= 2;
	char *nb;
	if (w->arena) {
		nb = arena_alloc(w->arena, cap);
		if (w->len)
			memcpy(nb, w->buf, w->len);
	} else {
		nb = realloc(w->buf, cap);
		if (!nb) {
			fputs("gonghui: out of memory\n", stderr);
			abort();
		}
	}
	w->buf = nb;
	w->cap = cap;
}

static inline void put(struct jw *w, const char *s, size_t n)
{
	/* one spare byte so the buffer can always be NUL-terminated */
	if (w->cap - w->len < n + 1)
		grow(w, n + 1);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static inline void putc1(struct jw *w, char c)
{
	if (w->cap - w->len < 2)
		grow(w, 2);
	w->buf[w->len++] = c;
	w->buf[w->len] = '\0';
}

/* Called before every value: writes the separating comma if needed. */
static void before_value(struct jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	uint64_t bit = (uint64_t)1 << (w->depth & 63);
	if (w->depth > 0 && (w->has_items & bit))
		putc1(w, ',');
	w->has_items |= bit;
}

static void open(struct jw *w, char c)
{
	before_value(w);
	putc1(w, c);
	w->depth++;
	w->has_items &= ~((uint64_t)1 << (w->depth & 63));
}

static void close_(struct jw *w, char c)
{
	putc1(w, c);
	if (w->depth > 0)
		w->depth--;
}

void jw_obj(struct jw *w)
{
	open(w, '{');
}
void jw_obj_end(struct jw *w)
{
	close_(w, '}');
}
void jw_arr(struct jw *w)
{
	open(w, '[');
}
void jw_arr_end(struct jw *w)
{
	close_(w, ']');
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is invalid:
 * overlong forms, surrogates and code points above U+10FFFF are refused. */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0; /* UTF-16 surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xF4 && s[1] >= 0x90)
			return 0; /* above U+10FFFF */
		return 4;
	}
	return 0;
}

void jw_escape(struct jw *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		/* copy the longest run that needs no escaping in one go */
		size_t run = i;
		while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		if (run > i) {
			put(w, (const char *)s + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = s[i];
		if (c >= 0x80) {
			size_t len = utf8_valid_len(s + i, n - i);
			if (len) {
				put(w, (const char *)s + i, len);
				i += len;
			} else {
				put(w, "\xEF\xBF\xBD", 3);
				i++;
			}
			continue;
		}
		switch (c) {
		case '"':
			put(w, "\\\"", 2);
			break;
		case '\\':
			put(w, "\\\\", 2);
			break;
		case '\b':
			put(w, "\\b", 2);
			break;
		case '\f':
			put(w, "\\f", 2);
			break;
		case '\n':
			put(w, "\\n", 2);
			break;
		case '\r':
			put(w, "\\r", 2);
			break;
		case '\t':
			put(w, "\\t", 2);
			break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			put(w, u, 6);
		}
		}
		i++;
	}
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
	before_value(w);
	putc1(w, '"');
	jw_escape(w, s, n);
	putc1(w, '"');
}

void jw_str(struct jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_strn(w, s, strlen(s));
}

void jw_key(struct jw *w, const char *key)
{
	jw_str(w, key);
	putc1(w, ':');
	w->after_key = 1;
}

void jw_int(struct jw *w, int64_t v)
{
	char tmp[24];
	char *p = tmp + sizeof(tmp);
	/* negate in unsigned space so INT64_MIN is not undefined behaviour */
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	before_value(w);
	put(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void jw_double(struct jw *w, double v)
{
	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%.17g", v);
	before_value(w);
	put(w, tmp, (size_t)n);
}

void jw_bool(struct jw *w, int v)
{
	before_value(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jw_null(struct jw *w)
{
	before_value(w);
	put(w, "null", 4);
}

void jw_raw(struct jw *w, const char *json, size_t n)
{
	before_value(w);
	put(w, json, n);
}

void jw_kstr(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void jw_kint(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_kbool(struct jw *w, const char *key, int v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void jw_knull(struct jw *w, const char *key)
{
	jw_key(w, key);
	jw_null(w);
}
