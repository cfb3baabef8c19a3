/*
 * HTTP over FastCGI: request parsing and JSON responses.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_parse.h"
#include "http.h"
#include "log.h"
#include "util.h"

#define QUERY_MAX_PARAMS 64
#define HEADERS_CAP 4096

static const struct {
	int status;
	const char *text;
	const char *code;
} statuses[] = {
	{ 200, "OK", NULL },
	{ 201, "Created", NULL },
	{ 202, "Accepted", NULL },
	{ 204, "No Content", NULL },
	{ 302, "Found", NULL },
	{ 400, "Bad Request", "bad_request" },
	{ 401, "Unauthorized", "unauthorized" },
	{ 403, "Forbidden", "forbidden" },
	{ 404, "Not Found", "not_found" },
	{ 405, "Method Not Allowed", "method_not_allowed" },
	{ 409, "Conflict", "conflict" },
	{ 411, "Length Required", "length_required" },
	{ 413, "Payload Too Large", "payload_too_large" },
	{ 415, "Unsupported Media Type", "unsupported_media_type" },
	{ 422, "Unprocessable Content", "unprocessable" },
	{ 429, "Too Many Requests", "rate_limited" },
	{ 500, "Internal Server Error", "internal" },
	{ 502, "Bad Gateway", "bad_gateway" },
	{ 503, "Service Unavailable", "unavailable" },
};

const char *
http_status_text(int status)
{
	for (size_t i = 0; i < nitems(statuses); i++)
		if (statuses[i].status == status)
			return statuses[i].text;
	return "Unknown";
}

static const char *
status_code(int status)
{
	for (size_t i = 0; i < nitems(statuses); i++)
		if (statuses[i].status == status && statuses[i].code)
			return statuses[i].code;
	return status >= 500 ? "internal" : "bad_request";
}

long
http_percent_decode(char *dst, const char *src, size_t len, int plus)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)src[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -1;
			hi = hex_digit((unsigned char)src[i + 1]);
			lo = hex_digit((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			c = hi * 16 + lo;
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		} else if (c == '\0') {
			return -1;
		}
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return (long)o;
}

int
http_query_parse(struct arena *a, const char *qs, struct kv **out, size_t *n)
{
	struct kv *kv;
	size_t count = 0, cap = 0;
	const char *p = qs;

	*out = NULL;
	*n = 0;
	if (qs == NULL || *qs == '\0')
		return 0;
	for (const char *s = qs; *s; s++)
		if (*s == '&')
			cap++;
	cap++;
	if (cap > QUERY_MAX_PARAMS)
		return -1;
	if ((kv = arena_alloc(a, cap * sizeof(*kv))) == NULL)
		return -1;
	while (*p != '\0') {
		const char *amp = strchr(p, '&'), *eq;
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		size_t nlen, vlen;
		char *name, *value;

		if (len == 0)
			goto next;
		eq = memchr(p, '=', len);
		nlen = eq ? (size_t)(eq - p) : len;
		vlen = eq ? len - nlen - 1 : 0;
		name = arena_alloc(a, nlen + 1);
		value = arena_alloc(a, vlen + 1);
		if (name == NULL || value == NULL ||
		    http_percent_decode(name, p, nlen, 1) < 0 ||
		    (eq && http_percent_decode(value, eq + 1, vlen, 1) < 0))
			return -1;
		if (*name == '\0')
			return -1;
		kv[count].name = name;
		kv[count].value = value;
		count++;
	next:
		if (amp == NULL)
			break;
		p = amp + 1;
	}
	*out = kv;
	*n = count;
	return 0;
}

static const char *
param(struct req *r, const char *name)
{
	return r->io.getparam(r->io.ctx, name);
}

static void
make_request_id(struct req *r)
{
	const char *id = param(r, "REQUEST_ID");
	uint8_t raw[8];
	size_t len;

	if (id != NULL && (len = strlen(id)) >= 8 &&
	    len < sizeof(r->request_id)) {
		int okid = 1;

		for (size_t i = 0; i < len; i++)
			if (!isalnum((unsigned char)id[i]) && id[i] != '-')
				okid = 0;
		if (okid) {
			memcpy(r->request_id, id, len + 1);
			return;
		}
	}
	if (random_bytes(raw, sizeof(raw)) == -1)
		memset(raw, 0, sizeof(raw));
	hex_encode(raw, sizeof(raw), r->request_id);
}

int
req_init(struct req *r, struct arena *a, const struct config *cfg,
    struct db *db, const struct req_io *io)
{
	const char *uri, *qs, *q;
	char *path;
	size_t len;

	memset(r, 0, sizeof(*r));
	r->arena = a;
	r->cfg = cfg;
	r->db = db;
	r->io = *io;
	sbuf_init(&r->headers, HEADERS_CAP);
	make_request_id(r);
	log_set_request_id(r->request_id);

	r->method = param(r, "REQUEST_METHOD");
	if (r->method == NULL || *r->method == '\0')
		r->method = "GET";
	r->remote_addr = param(r, "REMOTE_ADDR");
	if (r->remote_addr == NULL)
		r->remote_addr = "";

	/*
	 * The raw REQUEST_URI is authoritative: its path is decoded here once,
	 * so that "%2F" cannot turn into a separator after routing.
	 */
	uri = param(r, "REQUEST_URI");
	if (uri == NULL || *uri == '\0')
		uri = param(r, "DOCUMENT_URI");
	if (uri == NULL || *uri != '/')
		return reply_error(r, 400, NULL, "request has no path");
	q = strchr(uri, '?');
	len = q ? (size_t)(q - uri) : strlen(uri);
	qs = q ? q + 1 : param(r, "QUERY_STRING");
	if ((path = arena_alloc(a, len + 1)) == NULL)
		return reply_error(r, 500, NULL, "out of memory");
	if (http_percent_decode(path, uri, len, 0) < 0)
		return reply_error(r, 400, NULL, "malformed escape in path");
	r->path = path;
	if (http_query_parse(a, qs, &r->query, &r->nquery) == -1)
		return reply_error(r, 400, NULL,
		    "malformed query string (bad escape or over %d "
		    "parameters)",
		    QUERY_MAX_PARAMS);
	return 0;
}

void
req_release(struct req *r)
{
	sbuf_release(&r->headers);
	log_set_request_id(NULL);
}

const char *
req_header(struct req *r, const char *name)
{
	char key[128];
	size_t i, n = strlen(name);

	if (n + 6 >= sizeof(key))
		return NULL;
	if (strcasecmp(name, "content-type") == 0)
		return param(r, "CONTENT_TYPE");
	if (strcasecmp(name, "content-length") == 0)
		return param(r, "CONTENT_LENGTH");
	memcpy(key, "HTTP_", 5);
	for (i = 0; i < n; i++)
		key[5 + i] = name[i] == '-'
		    ? '_'
		    : (char)toupper((unsigned char)name[i]);
	key[5 + n] = '\0';
	return param(r, key);
}

const char *
req_query(struct req *r, const char *name)
{
	for (size_t i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].name, name) == 0)
			return r->query[i].value;
	return NULL;
}

int
req_read_body(struct req *r, long cap)
{
	const char *cl = param(r, "CONTENT_LENGTH");
	unsigned long long n;
	size_t got = 0;
	char *end;

	if (r->body != NULL)
		return 0;
	if (cl == NULL || *cl == '\0')
		return reply_error(
		    r, 411, NULL, "a body with a Content-Length is required");
	if (!isdigit((unsigned char)*cl))
		return reply_error(r, 400, NULL, "malformed Content-Length");
	errno = 0;
	n = strtoull(cl, &end, 10);
	if (errno != 0 || *end != '\0')
		return reply_error(r, 400, NULL, "malformed Content-Length");
	if (n > (unsigned long long)cap)
		return reply_error(r, 413, NULL,
		    "body of %llu bytes is over the limit of %ld", n, cap);
	if ((r->body = arena_alloc(r->arena, (size_t)n + 1)) == NULL)
		return reply_error(r, 413, NULL, "body too large");
	while (got < n) {
		int k = r->io.read(r->io.ctx, r->body + got, (int)(n - got));

		if (k <= 0)
			break;
		got += (size_t)k;
	}
	if (got != n) {
		r->body = NULL;
		return reply_error(
		    r, 400, NULL, "body ended after %zu of %llu bytes", got, n);
	}
	r->body[n] = '\0';
	r->body_len = (size_t)n;
	return 0;
}

static void
json_release(void *p)
{
	json_decref(p);
}

json_t *
req_json(struct req *r)
{
	const char *ct = param(r, "CONTENT_TYPE");
	json_error_t jerr;
	json_t *j;
	size_t n;

	if (ct == NULL || (n = strcspn(ct, "; \t")) != 16 ||
	    strncasecmp(ct, "application/json", 16) != 0) {
		reply_error(
		    r, 415, NULL, "Content-Type must be application/json");
		return NULL;
	}
	if (req_read_body(r, r->cfg ? r->cfg->body_max : 65536) != 0)
		return NULL;
	j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		reply_error(r, 400, "invalid_json",
		    "malformed JSON at line %d, column %d: %s", jerr.line,
		    jerr.column, jerr.text);
		return NULL;
	}
	arena_defer(r->arena, json_release, j);
	if (!json_is_object(j)) {
		reply_error(
		    r, 400, "invalid_json", "the body must be a JSON object");
		return NULL;
	}
	return j;
}

void
reply_header(struct req *r, const char *name, const char *value)
{
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return;
	sbuf_addf(&r->headers, "%s: %s\r\n", name, value);
}

int
reply_json(struct req *r, int status, json_t *body)
{
	char *text = NULL;

	if (r->status != 0) {
		/* A second reply would corrupt the stream. */
		log_error(
		    "second reply (%d after %d) suppressed", status, r->status);
		json_decref(body);
		return r->status;
	}
	if (body != NULL) {
		text = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);
		json_decref(body);
		if (text == NULL) {
			status = 500;
			text = strdup("{\"error\":{\"code\":\"internal\","
				      "\"message\":\"out of memory\"}}");
		}
	}
	status = reply_json_text(r, status, text, text ? strlen(text) : 0);
	free(text);
	return status;
}

int
reply_json_text(struct req *r, int status, const char *text, size_t len)
{
	struct sbuf head = SBUF_INIT(8192);

	if (r->status != 0) {
		log_error(
		    "second reply (%d after %d) suppressed", status, r->status);
		return r->status;
	}
	r->status = status;
	sbuf_addf(&head, "Status: %d %s\r\n", status, http_status_text(status));
	if (text != NULL)
		sbuf_addf(&head,
		    "Content-Type: application/json; charset=utf-8\r\n"
		    "Content-Length: %zu\r\n",
		    len + 1);
	sbuf_addf(&head, "Cache-Control: no-store\r\nX-Request-Id: %s\r\n",
	    r->request_id);
	if (!r->headers.failed)
		sbuf_add(&head, r->headers.buf, r->headers.len);
	sbuf_adds(&head, "\r\n");
	/* head holds the header lines only (capped): the body goes as it is. */
	if (head.failed ||
	    r->io.write(r->io.ctx, head.buf, (int)head.len) < 0 ||
	    (text != NULL &&
		(len > INT_MAX || r->io.write(r->io.ctx, text, (int)len) < 0 ||
		    r->io.write(r->io.ctx, "\n", 1) < 0)))
		log_warn("response write failed (client gone?)");
	sbuf_release(&head);
	return status;
}

int
reply_error(struct req *r, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *body;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (code == NULL)
		code = status_code(status);
	body =
	    json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	if (body == NULL) /* the message was not UTF-8 */
		body = json_pack("{s:{s:s,s:s}}", "error", "code", code,
		    "message", http_status_text(status));
	return reply_json(r, status, body);
}

const char *
req_uuid_param(struct req *r, size_t i, const char *what)
{
	const char *v = i < r->nparams ? r->params[i] : NULL;

	if (v == NULL || !is_uuid(v)) {
		reply_error(r, 400, "invalid_id", "%s must be a UUID", what);
		return NULL;
	}
	return v;
}

int
req_query_long(
    struct req *r, const char *name, long def, long min, long max, long *out)
{
	const char *v = req_query(r, name);
	char *end;
	long n;

	*out = def;
	if (v == NULL)
		return 0;
	errno = 0;
	n = (isdigit((unsigned char)*v) || *v == '-') ? strtol(v, &end, 10) : 0;
	if (!isdigit((unsigned char)*v) && *v != '-')
		end = (char *)v;
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
		return reply_error(r, 400, "invalid_parameter",
		    "\"%s\" must be a whole number from %ld to %ld", name, min,
		    max);
	*out = n;
	return 0;
}

int
req_time_range(struct req *r, const char **from, const char **to)
{
	long long a = 0, b = 0;

	*from = req_query(r, "from");
	*to = req_query(r, "to");
	if (*from != NULL && fleet_parse_time(*from, &a) == -1)
		return reply_error(r, 400, "invalid_parameter",
		    "\"from\" must be an RFC 3339 time such as "
		    "2026-01-31T00:00:00Z");
	if (*to != NULL && fleet_parse_time(*to, &b) == -1)
		return reply_error(r, 400, "invalid_parameter",
		    "\"to\" must be an RFC 3339 time such as "
		    "2026-01-31T00:00:00Z");
	if (*from != NULL && *to != NULL && a >= b)
		return reply_error(r, 400, "invalid_parameter",
		    "\"from\" must be before \"to\"");
	return 0;
}

int
req_keyset_cursor(
    struct req *r, char *us, size_t uslen, const char **us_out, const char **id)
{
	const char *c = req_query(r, "cursor"), *sep;
	size_t n;

	*us_out = NULL;
	*id = NULL;
	if (c == NULL)
		return 0;
	sep = strchr(c, '_');
	if (sep == NULL || (n = (size_t)(sep - c)) == 0 || n >= uslen ||
	    !is_uuid(sep + 1))
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)c[i]))
			goto bad;
	memcpy(us, c, n);
	us[n] = '\0';
	*us_out = us;
	*id = sep + 1;
	return 0;
bad:
	return reply_error(r, 400, "invalid_parameter",
	    "\"cursor\" must be the next_cursor of a previous page");
}

int
req_uuid_cursor(struct req *r, const char **cursor)
{
	*cursor = req_query(r, "cursor");
	if (*cursor != NULL && !is_uuid(*cursor))
		return reply_error(r, 400, "invalid_parameter",
		    "\"cursor\" must be the next_cursor of a previous page");
	return 0;
}
