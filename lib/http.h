/*
 * One HTTP request over FastCGI (or over any struct req_io, for tests and
 * fuzzing): parsing of method, path, query and headers, a capped body read,
 * and JSON responses.  Every string hangs off r->arena.
 */
#ifndef TESSIE_HTTP_H
#define TESSIE_HTTP_H

#include <stddef.h>

#include <jansson.h>

#include "arena.h"
#include "config.h"
#include "sbuf.h"

#define REQ_MAX_PARAMS 4

struct db;

/* Where a request comes from and where its response goes. */
struct req_io {
	/* CGI-style variable (REQUEST_METHOD, HTTP_AUTHORIZATION...), or NULL
	 */
	const char *(*getparam)(void *ctx, const char *name);
	/* Reads up to n bytes; returns the count, 0 at end, -1 on error. */
	int (*read)(void *ctx, char *buf, int n);
	/* Writes n bytes; returns n or -1. */
	int (*write)(void *ctx, const char *buf, int n);
	void *ctx;
};

struct kv {
	const char *name;
	const char *value;
};

struct req {
	struct arena *arena;
	const struct config *cfg;
	struct db *db;
	struct req_io io;

	const char *method;
	const char *path; /* decoded, without the query */
	const char *remote_addr;
	char request_id[33];
	struct kv *query; /* decoded query parameters */
	size_t nquery;
	const char *params[REQ_MAX_PARAMS]; /* ":id" parts of the route */
	size_t nparams;
	char *body; /* NUL-terminated; NULL until read */
	size_t body_len;
	char account_id[64]; /* the JWT subject on authenticated routes */

	struct sbuf headers; /* extra response header lines */
	int status; /* 0 until a response is written */
};

/*
 * Fills r for the request behind io.  Returns 0, or an HTTP status (400)
 * after replying itself when the request line or query is malformed.
 */
int req_init(struct req *r, struct arena *a, const struct config *cfg,
    struct db *db, const struct req_io *io);

/* Releases what req_init() took outside the arena. */
void req_release(struct req *r);

/* The request header name (any case, "-" or "_"), or NULL. */
const char *req_header(struct req *r, const char *name);

/* The first query parameter called name, or NULL. */
const char *req_query(struct req *r, const char *name);

/*
 * Reads the body against CONTENT_LENGTH and cap.  Returns 0, or the status
 * it replied with: 411 without a length on a body route, 413 over cap, 400
 * for a malformed length or a short body.
 */
int req_read_body(struct req *r, long cap);

/*
 * Reads and parses a JSON object body.  Returns it (freed with the arena),
 * or NULL after replying 415 (not application/json), 400 (malformed, not an
 * object), 411 or 413.
 */
json_t *req_json(struct req *r);

/*
 * Decodes percent-encoding of len bytes of src into dst (at least len+1
 * bytes), "+" as space when plus is set.  Returns the decoded length or -1
 * for a bad escape or an encoded NUL.
 */
long http_percent_decode(char *dst, const char *src, size_t len, int plus);

/*
 * Splits a query string into decoded pairs in arena a.  Returns 0, or -1
 * when an escape is malformed or there are more than 64 parameters.
 */
int http_query_parse(
    struct arena *a, const char *qs, struct kv **out, size_t *n);

/*
 * The route parameter i as a UUID, or NULL after replying 400 naming what
 * (e.g. "vehicle id") is malformed.
 */
const char *req_uuid_param(struct req *r, size_t i, const char *what);

/*
 * The integer query parameter name, def when absent.  Returns 0, or the
 * status after replying 400 for a value that is not a whole number within
 * [min, max].
 */
int req_query_long(
    struct req *r, const char *name, long def, long min, long max, long *out);

/*
 * The optional `from` and `to` query parameters as RFC 3339 times: each is
 * set to the parameter or NULL when absent.  Returns 0, or the status after
 * replying 400 for a malformed time or `from` not before `to`.
 */
int req_time_range(struct req *r, const char **from, const char **to);

/*
 * The `cursor` query parameter of a keyset-paginated list, which is the
 * next_cursor of a previous page: "<µs since the epoch>_<uuid>".  Sets
 * *us (the digits, in a buffer of uslen) and *id, or both NULL when there
 * is no cursor.  Returns 0, or the status after replying 400.
 */
int req_keyset_cursor(struct req *r, char *us, size_t uslen,
    const char **us_out, const char **id);

/*
 * The `cursor` query parameter of a list paged by id: *cursor is the
 * UUID, or NULL without one.  Returns 0, or the status after replying 400.
 */
int req_uuid_cursor(struct req *r, const char **cursor);

/* Adds a response header line; names and values must not contain CR/LF. */
void reply_header(struct req *r, const char *name, const char *value);

/* Writes status and body (stolen; NULL for none).  Returns status. */
int reply_json(struct req *r, int status, json_t *body);
/*
 * Replies with text, a JSON document already serialised (by PostgreSQL,
 * say), as it is: no parse, no copy.  NULL text: no body.
 */
int reply_json_text(struct req *r, int status, const char *text, size_t len);

/*
 * Writes {"error":{"code":code,"message":...}} with status; code NULL picks
 * the usual one for status.  Returns status.
 */
int reply_error(struct req *r, int status, const char *code, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/* The reason phrase for status ("Not Found"). */
const char *http_status_text(int status);

#endif
