/*
 * Request arena: a chain of blocks handed out by bumping a pointer, plus a
 * list of deferred destructors run on reset.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_BLOCK 8192
#define ARENA_ALIGN 16

struct block {
	struct block *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct defer {
	struct defer *next;
	void (*fn)(void *);
	void *p;
};

struct arena {
	struct block *blocks;
	struct defer *defers;
	size_t cap;
	size_t used;
};

struct arena *
arena_new(size_t cap)
{
	struct arena *a = calloc(1, sizeof(*a));

	if (a != NULL)
		a->cap = cap;
	return a;
}

void *
arena_alloc(struct arena *a, size_t size)
{
	struct block *b = a->blocks;
	size_t need, bsize;
	void *p;

	if (size == 0)
		size = 1;
	need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need < size || need > a->cap || a->used > a->cap - need)
		return NULL;
	if (b == NULL || b->size - b->used < need) {
		bsize = need > ARENA_BLOCK ? need : ARENA_BLOCK;
		if (bsize > SIZE_MAX - sizeof(*b))
			return NULL;
		b = malloc(sizeof(*b) + bsize);
		if (b == NULL)
			return NULL;
		b->size = bsize;
		b->used = 0;
		b->next = a->blocks;
		a->blocks = b;
	}
	p = b->data + b->used;
	b->used += need;
	a->used += need;
	memset(p, 0, size);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		return NULL;
	p = arena_alloc(a, n + 1);
	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

int
arena_defer(struct arena *a, void (*fn)(void *), void *p)
{
	/* Deferral records are malloc'd so that they never count to cap. */
	struct defer *d = malloc(sizeof(*d));

	if (d == NULL) {
		fn(p);
		return -1;
	}
	d->fn = fn;
	d->p = p;
	d->next = a->defers;
	a->defers = d;
	return 0;
}

void
arena_reset(struct arena *a)
{
	struct defer *d;
	struct block *b;

	while ((d = a->defers) != NULL) {
		a->defers = d->next;
		d->fn(d->p);
		free(d);
	}
	while ((b = a->blocks) != NULL) {
		a->blocks = b->next;
		free(b);
	}
	a->used = 0;
}

size_t
arena_used(const struct arena *a)
{
	return a->used;
}

void
arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	arena_reset(a);
	free(a);
}
