/* A small streaming JSON writer into a growing buffer.
 *
 * Commas and nesting are tracked for the caller; strings are escaped per
 * RFC 8259, and invalid UTF-8 in input becomes U+FFFD so the output is
 * always valid JSON in valid UTF-8. The buffer comes from the arena given to
 * jw_init() (or malloc when the arena is NULL; then jw_release() frees it). */
#ifndef GH_JSON_WRITE_H
#define GH_JSON_WRITE_H

#include <stddef.h>
#include <stdint.h>

struct arena;

enum { JW_MAX_DEPTH = 64 };

struct jw {
	struct arena *arena;
	char *buf;
	size_t len, cap;
	int depth;
	int after_key;
	uint64_t has_items; /* bit d: the container at depth d already has an item */
};

void jw_init(struct jw *w, struct arena *a);
void jw_release(struct jw *w);
void jw_reset(struct jw *w);

void jw_obj(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s); /* NULL writes null */
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_double(struct jw *w, double v); /* NaN and infinities write null */
void jw_bool(struct jw *w, int v);
void jw_null(struct jw *w);
/* Inserts already-serialised JSON as one value; the caller vouches for it. */
void jw_raw(struct jw *w, const char *json, size_t n);

/* key + value in one call, for the common case in handlers */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, int64_t v);
void jw_kbool(struct jw *w, const char *key, int v);
void jw_knull(struct jw *w, const char *key);

/* Appends the escaped form of s (without quotes) to any writer; exposed for tests. */
void jw_escape(struct jw *w, const char *s, size_t n);

#endif
