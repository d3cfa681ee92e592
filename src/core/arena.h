/* Per-request arena: allocate freely, free everything at once.
 * Memory from an arena lives until arena_reset() or arena_release(). */
#ifndef GH_ARENA_H
#define GH_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head; /* newest chunk first */
	size_t total;             /* bytes handed out, for limits and tests */
};

void arena_init(struct arena *a);
/* Returns 16-byte aligned memory; aborts on out-of-memory (a request cannot
 * recover from it, and every caller would otherwise need the same check). */
void *arena_alloc(struct arena *a, size_t n);
void *arena_calloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);
/* Frees all but the first chunk, so a thread's next request reuses it. */
void arena_reset(struct arena *a);
void arena_release(struct arena *a);

#endif
