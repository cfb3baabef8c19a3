/*
 * Request arena: every per-request allocation comes from here and is freed
 * at once by arena_reset() after the response.  Foreign objects (PGresult,
 * json_t) are released by a deferred callback.
 */
#ifndef TESSIE_ARENA_H
#define TESSIE_ARENA_H

#include <stddef.h>

struct arena;

/*
 * Returns a new arena that will hand out at most cap bytes in all, or NULL
 * when out of memory.  Free it with arena_free().
 */
struct arena *arena_new(size_t cap);

/*
 * Returns size bytes aligned for any type, zeroed, or NULL when the arena's
 * cap would be exceeded or memory is short.  Freed by arena_reset().
 */
void *arena_alloc(struct arena *a, size_t size);

/* Copies of s (or its first n bytes, NUL-terminated); NULL on failure. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);

/*
 * Runs fn(p) at the next arena_reset(), in reverse order of registration.
 * When registration fails, fn(p) runs at once and -1 is returned.
 */
int arena_defer(struct arena *a, void (*fn)(void *), void *p);

/* Runs deferred callbacks and frees every block; the arena stays usable. */
void arena_reset(struct arena *a);

/* Bytes handed out since the last reset. */
size_t arena_used(const struct arena *a);

/* arena_reset() and frees the arena itself; NULL is allowed. */
void arena_free(struct arena *a);

#endif
