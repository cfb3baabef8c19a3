/*
 * A fake FastCGI request source for the unit tests (and the request fuzz
 * target), over struct req_io
 * (lib/http.h): fixed CGI variables, a body, the captured response, and
 * helpers that pick a captured response apart.
 *
 *	struct fake f;
 *	struct req_io io = { fake_getparam, fake_read, fake_write, &f };
 *
 *	fake_init(&f, env, body);
 *	... req_init(r, a, cfg, NULL, &io) ...
 *	resp_status(f.out.buf);
 *	sbuf_release(&f.out);
 *
 * Everything is static, as in tests/tap.h; a test need not use it all.
 */
#ifndef TESSIE_FAKEIO_H
#define TESSIE_FAKEIO_H

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "http.h"
#include "sbuf.h"
#include "util.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

/*
 * A request source: fixed CGI variables, a body handed out chunk bytes at
 * a time (0: all it is asked for), and the captured response.
 */
struct fake {
	const char *env[2 * 64 + 1]; /* name, value, ..., NULL */
	const char *body;
	size_t body_len, pos;
	int chunk;
	int fail; /* read returns -1 once the body is used up */
	int reads; /* read calls */
	struct sbuf out;
};

static const char *
fake_getparam(void *ctx, const char *name)
{
	struct fake *f = ctx;

	for (size_t i = 0; i + 1 < nitems(f->env) && f->env[i] != NULL; i += 2)
		if (strcmp(f->env[i], name) == 0)
			return f->env[i + 1];
	return NULL;
}

/* Adds name=value to f's variables (dropped when they are full). */
static void
fake_setenv(struct fake *f, const char *name, const char *value)
{
	size_t i = 0;

	while (f->env[i] != NULL)
		i += 2;
	if (i + 2 < nitems(f->env)) {
		f->env[i] = name;
		f->env[i + 1] = value;
	}
}

static int
fake_read(void *ctx, char *buf, int n)
{
	struct fake *f = ctx;
	size_t k = f->body_len - f->pos;

	f->reads++;
	if (n <= 0)
		return -1;
	if (k == 0)
		return f->fail ? -1 : 0;
	if (k > (size_t)n)
		k = (size_t)n;
	if (f->chunk > 0 && k > (size_t)f->chunk)
		k = (size_t)f->chunk;
	memcpy(buf, f->body + f->pos, k);
	f->pos += k;
	return (int)k;
}

static int
fake_write(void *ctx, const char *buf, int n)
{
	struct fake *f = ctx;

	return sbuf_add(&f->out, buf, (size_t)n) == 0 ? n : -1;
}

/* Resets f to the variables env (name, value, ..., NULL) and body. */
static void
fake_init(struct fake *f, const char *const *env, const char *body)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0;
	     i + 1 < nitems(f->env) && env != NULL && env[i] != NULL; i++)
		f->env[i] = env[i];
	f->body = body;
	f->body_len = body != NULL ? strlen(body) : 0;
	sbuf_init(&f->out, 64 * 1024);
}

/* The status of a captured response, or -1. */
static int
resp_status(const char *out)
{
	int st;

	if (sscanf(out, "Status: %d ", &st) != 1)
		return -1;
	return st;
}

/* The value of header name in out, copied into buf; NULL when absent. */
static const char *
resp_header(const char *out, const char *name, char *buf, size_t len)
{
	size_t nlen = strlen(name);
	const char *p = out, *eol;

	while ((eol = strstr(p, "\r\n")) != NULL && eol != p) {
		if ((size_t)(eol - p) > nlen + 1 &&
		    strncmp(p, name, nlen) == 0 && p[nlen] == ':' &&
		    p[nlen + 1] == ' ') {
			snprintf(buf, len, "%.*s", (int)(eol - p - nlen - 2),
			    p + nlen + 2);
			return buf;
		}
		p = eol + 2;
	}
	return NULL;
}

/* The body of out, after the blank line, or NULL. */
static const char *
resp_text(const char *out)
{
	const char *p = strstr(out, "\r\n\r\n");

	return p == NULL ? NULL : p + 4;
}

/* The JSON body of out (caller decrefs), or NULL. */
static json_t *
resp_body(const char *out)
{
	const char *p = resp_text(out);

	return p == NULL ? NULL : json_loads(p, 0, NULL);
}

/* The error code of out's body, copied into buf, or "". */
static const char *
resp_code(const char *out, char *buf, size_t len)
{
	json_t *j = resp_body(out);
	const char *c = json_string_value(
	    json_object_get(json_object_get(j, "error"), "code"));

	snprintf(buf, len, "%s", c ? c : "");
	json_decref(j);
	return buf;
}

#pragma GCC diagnostic pop

#endif
