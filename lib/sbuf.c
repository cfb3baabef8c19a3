/* Bounded string builder with a sticky failure flag. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

char sbuf_empty[1];

void
sbuf_init(struct sbuf *sb, size_t cap)
{
	sb->buf = sbuf_empty;
	sb->len = 0;
	sb->alloc = 0;
	sb->cap = cap;
	sb->failed = 0;
}

static int
sbuf_grow(struct sbuf *sb, size_t extra)
{
	size_t want, n;
	char *p;

	if (sb->failed)
		return -1;
	if (extra > sb->cap || sb->len > sb->cap - extra)
		goto fail;
	want = sb->len + extra + 1;
	if (want <= sb->alloc)
		return 0;
	n = sb->alloc ? sb->alloc : 64;
	while (n < want)
		n = n > SIZE_MAX / 2 ? want : n * 2;
	if (n - 1 > sb->cap)
		n = sb->cap + 1;
	p = realloc(sb->alloc ? sb->buf : NULL, n);
	if (p == NULL)
		goto fail;
	if (sb->alloc == 0)
		p[0] = '\0';
	sb->buf = p;
	sb->alloc = n;
	return 0;
fail:
	sb->failed = 1;
	return -1;
}

int
sbuf_add(struct sbuf *sb, const void *data, size_t len)
{
	if (sbuf_grow(sb, len) == -1)
		return -1;
	if (len == 0)
		return 0;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int
sbuf_adds(struct sbuf *sb, const char *s)
{
	return sbuf_add(sb, s, strlen(s));
}

int
sbuf_addc(struct sbuf *sb, char c)
{
	return sbuf_add(sb, &c, 1);
}

int
sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (sb->failed)
		return -1;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || sbuf_grow(sb, (size_t)n) == -1) {
		sb->failed = 1;
		return -1;
	}
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int
sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return rc;
}

void
sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
	sb->failed = 0;
}

char *
sbuf_detach(struct sbuf *sb, size_t *len)
{
	char *p;

	if (sb->failed) {
		sbuf_release(sb);
		return NULL;
	}
	p = sb->alloc ? sb->buf : strdup("");
	if (len != NULL)
		*len = sb->len;
	sbuf_init(sb, sb->cap);
	return p;
}

void
sbuf_release(struct sbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	sbuf_init(sb, sb->cap);
}
