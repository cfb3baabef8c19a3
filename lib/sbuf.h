/*
 * Bounded string builder.  buf is never NULL (an empty builder points at a
 * shared empty string), every append is refused past cap, and a failed
 * append sets a sticky flag so that callers check once at the end.
 */
#ifndef TESSIE_SBUF_H
#define TESSIE_SBUF_H

#include <stdarg.h>
#include <stddef.h>

struct sbuf {
	char *buf; /* NUL-terminated; never NULL */
	size_t len; /* bytes used, without the NUL */
	size_t alloc; /* bytes allocated, 0 while buf is the shared "" */
	size_t cap; /* most bytes len may reach */
	int failed; /* sticky: an append was refused */
};

extern char sbuf_empty[];

#define SBUF_INIT(c)                                                           \
	{                                                                      \
		sbuf_empty, 0, 0, (c), 0                                       \
	}

void sbuf_init(struct sbuf *sb, size_t cap);

/* Appends; 0 on success, -1 (and failed set) when over cap or out of memory. */
int sbuf_add(struct sbuf *sb, const void *data, size_t len);
int sbuf_adds(struct sbuf *sb, const char *s);
int sbuf_addc(struct sbuf *sb, char c);
int sbuf_addf(struct sbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap);

/* Empties the contents, keeps the memory; failed is cleared. */
void sbuf_reset(struct sbuf *sb);

/*
 * Hands the buffer to the caller (free() it) and re-initialises sb.
 * Returns NULL when the builder has failed.
 */
char *sbuf_detach(struct sbuf *sb, size_t *len);

/* Frees the memory and re-initialises sb with the same cap. */
void sbuf_release(struct sbuf *sb);

#endif
