/*
 * Unit tests for lib/http.c (decoding, query strings, request parsing,
 * bodies, JSON, error replies) and lib/units.c, through a fake req_io.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "config.h"
#include "http.h"
#include "sbuf.h"
#include "units.h"
#include "util.h"

#include "../tap.h"
#include "fakeio.h"

/* Copies s into buf (n bytes) with non-printable bytes as '?', for TAP. */
static const char *
vis(const char *s, char *buf, size_t n)
{
	size_t i;

	if (s == NULL)
		s = "(null)";
	for (i = 0; s[i] != '\0' && i + 1 < n; i++)
		buf[i] = s[i] >= ' ' && s[i] <= '~' ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static const struct req_io fake_io = { fake_getparam, fake_read, fake_write,
	NULL };

/* req_init() over f; returns its result. */
static int
fake_req(
    struct fake *f, struct req *r, struct arena *a, const struct config *cfg)
{
	struct req_io io = fake_io;

	io.ctx = f;
	return req_init(r, a, cfg, NULL, &io);
}

#define NO_LEN ((long)-1)

static void
t_percent_decode(void)
{
	static const struct {
		const char *src;
		long len; /* NO_LEN: strlen(src) */
		int plus;
		long want;
		const char *out;
	} cases[] = {
		{ "abc", NO_LEN, 0, 3, "abc" },
		{ "", NO_LEN, 0, 0, "" },
		{ "%41", NO_LEN, 0, 1, "A" },
		{ "x%41y", NO_LEN, 0, 3, "xAy" },
		{ "%4a%4A", NO_LEN, 0, 2, "JJ" },
		{ "%e2%82%AC", NO_LEN, 0, 3, "\xe2\x82\xac" },
		{ "%20", NO_LEN, 1, 1, " " },
		{ "%ff", NO_LEN, 0, 1, "\xff" },
		{ "%01", NO_LEN, 0, 1, "\x01" },
		{ "a+b", NO_LEN, 1, 3, "a b" },
		{ "a+b", NO_LEN, 0, 3, "a+b" },
		{ "%2B", NO_LEN, 1, 1, "+" },
		{ "++", NO_LEN, 1, 2, "  " },
		{ "abc%41", 3, 0, 3, "abc" },
		{ "%4", NO_LEN, 0, -1, NULL },
		{ "%41", 2, 0, -1, NULL },
		{ "%zz", NO_LEN, 0, -1, NULL },
		{ "%g1", NO_LEN, 0, -1, NULL },
		{ "%1g", NO_LEN, 0, -1, NULL },
		{ "%-1", NO_LEN, 0, -1, NULL },
		{ "% 1", NO_LEN, 0, -1, NULL },
		{ "%00", NO_LEN, 0, -1, NULL },
		{ "a%00b", NO_LEN, 1, -1, NULL },
		{ "%", NO_LEN, 0, -1, NULL },
		{ "abc%", NO_LEN, 0, -1, NULL },
		{ "a\0b", 3, 0, -1, NULL },
	};
	char dst[32], msg[96], v[32];
	size_t len;
	long rc;

	for (size_t i = 0; i < nitems(cases); i++) {
		len = cases[i].len == NO_LEN ? strlen(cases[i].src)
					     : (size_t)cases[i].len;
		memset(dst, 'Z', sizeof(dst));
		rc = http_percent_decode(dst, cases[i].src, len, cases[i].plus);
		snprintf(msg, sizeof(msg), "decode \"%s\" (len %zu, plus %d)",
		    vis(cases[i].src, v, sizeof(v)), len, cases[i].plus);
		is_int(rc, cases[i].want, msg);
		if (cases[i].out != NULL && rc >= 0) {
			ok(memcmp(dst, cases[i].out, (size_t)rc + 1) == 0,
			    "decoded bytes and NUL");
		}
	}
}

static void
t_query_parse(void)
{
	static const struct {
		const char *qs;
		int want;
		size_t n;
		const char *kv[6]; /* name, value, ... */
	} cases[] = {
		{ NULL, 0, 0, { NULL } },
		{ "", 0, 0, { NULL } },
		{ "a=1", 0, 1, { "a", "1" } },
		{ "a=1&b=2&c=3", 0, 3, { "a", "1", "b", "2", "c", "3" } },
		{ "a=", 0, 1, { "a", "" } },
		{ "a", 0, 1, { "a", "" } },
		{ "a&b=2", 0, 2, { "a", "", "b", "2" } },
		{ "&&", 0, 0, { NULL } },
		{ "&a=1&&b=2&", 0, 2, { "a", "1", "b", "2" } },
		{ "q=a+b%20c", 0, 1, { "q", "a b c" } },
		{ "%61%62=x%3Dy", 0, 1, { "ab", "x=y" } },
		{ "a=b=c", 0, 1, { "a", "b=c" } },
		{ "a=1&a=2", 0, 2, { "a", "1", "a", "2" } },
		{ "=x", -1, 0, { NULL } },
		{ "=", -1, 0, { NULL } },
		{ "a=1&=x", -1, 0, { NULL } },
		{ "a=%zz", -1, 0, { NULL } },
		{ "a=%4", -1, 0, { NULL } },
		{ "a=%", -1, 0, { NULL } },
		{ "%zz=1", -1, 0, { NULL } },
		{ "a=%00", -1, 0, { NULL } },
		{ "b=1&a=%2", -1, 0, { NULL } },
	};
	struct arena *a = arena_new(64 * 1024);
	struct kv *kv;
	size_t n;
	char msg[96], v[32];
	int rc;

	if (a == NULL) {
		ok(0, "arena_new");
		return;
	}
	for (size_t i = 0; i < nitems(cases); i++) {
		n = 99;
		rc = http_query_parse(a, cases[i].qs, &kv, &n);
		snprintf(msg, sizeof(msg), "query \"%s\"",
		    vis(cases[i].qs, v, sizeof(v)));
		is_int(rc, cases[i].want, msg);
		is_int(n, cases[i].n, "count");
		if (rc == -1)
			ok(kv == NULL, "no pairs on failure");
		for (size_t j = 0; rc == 0 && j < cases[i].n; j++) {
			is_str(kv[j].name, cases[i].kv[2 * j], "name");
			is_str(kv[j].value, cases[i].kv[2 * j + 1], "value");
		}
		arena_reset(a);
	}
	arena_free(a);
}

static void
t_query_limit(void)
{
	static const struct {
		int pairs;
		int want;
	} cases[] = {
		{ 63, 0 },
		{ 64, 0 },
		{ 65, -1 },
		{ 200, -1 },
	};
	struct arena *a = arena_new(64 * 1024);
	struct kv *kv;
	char qs[2048], msg[64];
	size_t n, len;

	for (size_t i = 0; i < nitems(cases); i++) {
		len = 0;
		for (int k = 0; k < cases[i].pairs; k++)
			len += (size_t)snprintf(qs + len, sizeof(qs) - len,
			    "%sk%d=%d", k ? "&" : "", k, k);
		snprintf(msg, sizeof(msg), "%d parameters", cases[i].pairs);
		is_int(http_query_parse(a, qs, &kv, &n), cases[i].want, msg);
		if (cases[i].want == 0) {
			is_int(n, cases[i].pairs, "all of them");
			snprintf(msg, sizeof(msg), "k%d", cases[i].pairs - 1);
			is_str(kv[n - 1].name, msg, "the last name");
		}
		arena_reset(a);
	}
	arena_free(a);
}

static void
t_req_init(void)
{
	static const struct {
		const char *env[8];
		int want;
		const char *method;
		const char *path;
		size_t nquery;
		const char *qname, *qvalue;
	} cases[] = {
		{ { "REQUEST_METHOD", "GET", "REQUEST_URI",
		      "/api/vehicles?limit=5&units=imperial" },
		    0, "GET", "/api/vehicles", 2, "units", "imperial" },
		{ { "REQUEST_METHOD", "POST", "REQUEST_URI", "/api/x" }, 0,
		    "POST", "/api/x", 0, NULL, NULL },
		{ { "REQUEST_URI", "/api/x" }, 0, "GET", "/api/x", 0, NULL,
		    NULL },
		{ { "REQUEST_URI", "/api/a%20b/%41" }, 0, "GET", "/api/a b/A",
		    0, NULL, NULL },
		{ { "REQUEST_URI", "/api/a+b?q=a+b" }, 0, "GET", "/api/a+b", 1,
		    "q", "a b" },
		{ { "REQUEST_URI", "/api/x?" }, 0, "GET", "/api/x", 0, NULL,
		    NULL },
		{ { "REQUEST_URI", "/api/x?a=1?b" }, 0, "GET", "/api/x", 1, "a",
		    "1?b" },
		{ { "REQUEST_URI", "", "DOCUMENT_URI", "/doc", "QUERY_STRING",
		      "d=4" },
		    0, "GET", "/doc", 1, "d", "4" },
		{ { "REQUEST_URI", "/api/bad%zz" }, 400, NULL, NULL, 0, NULL,
		    NULL },
		{ { "REQUEST_URI", "/api/bad%2" }, 400, NULL, NULL, 0, NULL,
		    NULL },
		{ { "REQUEST_URI", "/api/nul%00" }, 400, NULL, NULL, 0, NULL,
		    NULL },
		{ { "REQUEST_URI", "/api/x?a=%zz" }, 400, NULL, NULL, 0, NULL,
		    NULL },
		{ { "REQUEST_URI", "/api/x?=1" }, 400, NULL, NULL, 0, NULL,
		    NULL },
		{ { "REQUEST_URI", "api/x" }, 400, NULL, NULL, 0, NULL, NULL },
		{ { "REQUEST_METHOD", "GET" }, 400, NULL, NULL, 0, NULL, NULL },
		{ { NULL }, 400, NULL, NULL, 0, NULL, NULL },
	};
	struct arena *a = arena_new(64 * 1024);
	struct fake f;
	struct req r;
	char msg[96], code[64], v[48];
	int rc;

	for (size_t i = 0; i < nitems(cases); i++) {
		fake_init(&f, cases[i].env, NULL);
		rc = fake_req(&f, &r, a, NULL);
		snprintf(msg, sizeof(msg), "req_init \"%s\"",
		    vis(fake_getparam(&f, "REQUEST_URI"), v, sizeof(v)));
		is_int(rc, cases[i].want, msg);
		is_int(r.status, cases[i].want, "r->status");
		if (rc == 0) {
			is_int(f.out.len, 0, "nothing written");
			is_str(r.method, cases[i].method, "method");
			is_str(r.path, cases[i].path, "path");
			is_int(r.nquery, cases[i].nquery, "nquery");
			if (cases[i].qname != NULL)
				is_str(req_query(&r, cases[i].qname),
				    cases[i].qvalue, "query value");
			ok(req_query(&r, "absent") == NULL, "absent query");
			ok(strlen(r.request_id) == 16, "a request id");
		} else {
			is_int(resp_status(f.out.buf), rc, "Status: line");
			is_str(resp_code(f.out.buf, code, sizeof(code)),
			    "bad_request", "code bad_request");
		}
		req_release(&r);
		sbuf_release(&f.out);
		arena_reset(a);
	}
	arena_free(a);
}

static void
t_req_header(void)
{
	static const char *const env[] = { "REQUEST_URI", "/",
		"HTTP_AUTHORIZATION", "Bearer t", "HTTP_X_REQUEST_ID", "rid-1",
		"CONTENT_TYPE", "application/json", "CONTENT_LENGTH", "12",
		"HTTP_ACCEPT", "*/*", NULL };
	static const struct {
		const char *name;
		const char *want;
	} cases[] = {
		{ "Authorization", "Bearer t" },
		{ "authorization", "Bearer t" },
		{ "AUTHORIZATION", "Bearer t" },
		{ "X-Request-Id", "rid-1" },
		{ "x-request-id", "rid-1" },
		{ "X_Request_Id", "rid-1" },
		{ "Content-Type", "application/json" },
		{ "content-type", "application/json" },
		{ "Content-Length", "12" },
		{ "Accept", "*/*" },
		{ "X-Missing", NULL },
		{ "Request-Id", NULL },
		{ "", NULL },
		{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "x"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		    NULL },
	};
	struct arena *a = arena_new(4096);
	struct fake f;
	struct req r;
	char msg[96], v[32];

	fake_init(&f, env, NULL);
	ok(fake_req(&f, &r, a, NULL) == 0, "req_init");
	for (size_t i = 0; i < nitems(cases); i++) {
		snprintf(msg, sizeof(msg), "req_header(\"%s\")",
		    vis(cases[i].name, v, sizeof(v)));
		is_str(req_header(&r, cases[i].name), cases[i].want, msg);
	}
	req_release(&r);
	sbuf_release(&f.out);
	arena_free(a);
}

static void
t_read_body(void)
{
	static const struct {
		const char *cl; /* CONTENT_LENGTH, or NULL */
		const char *body;
		int chunk;
		int fail;
		long cap;
		int want;
	} cases[] = {
		{ "5", "hello", 0, 0, 100, 0 },
		{ "5", "hello", 2, 0, 100, 0 },
		{ "5", "hello", 1, 0, 5, 0 },
		{ "0", "", 0, 0, 100, 0 },
		{ "3", "hello", 0, 0, 100, 0 },
		{ "000005", "hello", 0, 0, 100, 0 },
		{ NULL, "hello", 0, 0, 100, 411 },
		{ "", "hello", 0, 0, 100, 411 },
		{ "abc", "hello", 0, 0, 100, 400 },
		{ "-1", "hello", 0, 0, 100, 400 },
		{ "12x", "hello", 0, 0, 100, 400 },
		{ "5 ", "hello", 0, 0, 100, 400 },
		{ " 5", "hello", 0, 0, 100, 400 },
		{ "+5", "hello", 0, 0, 100, 400 },
		{ "0x5", "hello", 0, 0, 100, 400 },
		{ "99999999999999999999999", "hello", 0, 0, 100, 400 },
		{ "6", "hello", 0, 0, 5, 413 },
		{ "18446744073709551615", "hello", 0, 0, 100, 413 },
		{ "10", "hello", 0, 0, 100, 400 },
		{ "10", "hello", 2, 0, 100, 400 },
		{ "10", "hello", 0, 1, 100, 400 },
		{ "1", "", 0, 0, 100, 400 },
	};
	struct arena *a = arena_new(64 * 1024);
	struct fake f;
	struct req r;
	char msg[96], v[32];
	const char *env[6];
	size_t want_len;
	int rc;

	for (size_t i = 0; i < nitems(cases); i++) {
		memset(env, 0, sizeof(env));
		env[0] = "REQUEST_URI";
		env[1] = "/api/x";
		if (cases[i].cl != NULL) {
			env[2] = "CONTENT_LENGTH";
			env[3] = cases[i].cl;
		}
		fake_init(&f, env, cases[i].body);
		f.chunk = cases[i].chunk;
		f.fail = cases[i].fail;
		if (fake_req(&f, &r, a, NULL) != 0) {
			ok(0, "req_init");
			continue;
		}
		rc = req_read_body(&r, cases[i].cap);
		snprintf(msg, sizeof(msg),
		    "Content-Length \"%s\", %zu body bytes, cap %ld",
		    vis(cases[i].cl, v, sizeof(v)), f.body_len, cases[i].cap);
		is_int(rc, cases[i].want, msg);
		if (rc == 0) {
			want_len = strtoul(cases[i].cl, NULL, 10);
			is_int(r.body_len, want_len, "body_len");
			ok(r.body != NULL &&
				memcmp(r.body, cases[i].body, want_len) == 0 &&
				r.body[want_len] == '\0',
			    "body and NUL");
			is_int(f.out.len, 0, "nothing written");
			is_int(req_read_body(&r, cases[i].cap), 0,
			    "second call is a no-op");
		} else {
			ok(r.body == NULL, "no body");
			is_int(resp_status(f.out.buf), rc, "Status: line");
		}
		req_release(&r);
		sbuf_release(&f.out);
		arena_reset(a);
	}
	arena_free(a);
}

static void
t_req_json(void)
{
	static const struct {
		const char *ct;
		const char *body; /* CONTENT_LENGTH is its length */
		int want; /* 0: an object */
		const char *code;
	} cases[] = {
		{ "application/json", "{\"a\":1}", 0, NULL },
		{ "application/json; charset=utf-8", "{\"a\":1}", 0, NULL },
		{ "application/json;charset=utf-8", "{}", 0, NULL },
		{ "Application/JSON", " {\"a\":[1,2]} ", 0, NULL },
		{ NULL, "{}", 415, "unsupported_media_type" },
		{ "", "{}", 415, "unsupported_media_type" },
		{ "text/plain", "{}", 415, "unsupported_media_type" },
		{ "application/jsonx", "{}", 415, "unsupported_media_type" },
		{ "application/jso", "{}", 415, "unsupported_media_type" },
		{ "application/x-www-form-urlencoded", "a=1", 415,
		    "unsupported_media_type" },
		{ "application/json", "{", 400, "invalid_json" },
		{ "application/json", "", 400, "invalid_json" },
		{ "application/json", "{\"a\":1} x", 400, "invalid_json" },
		{ "application/json", "{'a':1}", 400, "invalid_json" },
		{ "application/json", "[1,2]", 400, "invalid_json" },
		{ "application/json", "\"s\"", 400, "invalid_json" },
		{ "application/json", "null", 400, "invalid_json" },
		{ "application/json", "{\"a\":1,\"a\":2}", 400,
		    "invalid_json" },
		{ "application/json", "{\"a\":\"\xff\"}", 400, "invalid_json" },
		{ "application/json",
		    "{\"pad\":\"01234567890123456789012345678901\"}", 413,
		    "payload_too_large" },
	};
	struct config cfg;
	struct arena *a = arena_new(64 * 1024);
	struct fake f;
	struct req r;
	char msg[96], code[64], cl[24], v[40];
	const char *env[8];
	json_t *j;

	memset(&cfg, 0, sizeof(cfg));
	cfg.body_max = 32;
	for (size_t i = 0; i < nitems(cases); i++) {
		memset(env, 0, sizeof(env));
		snprintf(cl, sizeof(cl), "%zu", strlen(cases[i].body));
		env[0] = "REQUEST_URI";
		env[1] = "/api/x";
		env[2] = "CONTENT_LENGTH";
		env[3] = cl;
		if (cases[i].ct != NULL) {
			env[4] = "CONTENT_TYPE";
			env[5] = cases[i].ct;
		}
		fake_init(&f, env, cases[i].body);
		if (fake_req(&f, &r, a, &cfg) != 0) {
			ok(0, "req_init");
			continue;
		}
		j = req_json(&r);
		snprintf(msg, sizeof(msg), "req_json \"%s\" %s",
		    vis(cases[i].ct, v, sizeof(v)), cases[i].body);
		if (cases[i].want == 0) {
			ok(json_is_object(j), msg);
			is_int(r.status, 0, "no reply");
			is_int(f.out.len, 0, "nothing written");
		} else {
			ok(j == NULL, msg);
			is_int(r.status, cases[i].want, "status");
			is_int(resp_status(f.out.buf), cases[i].want,
			    "Status: line");
			is_str(resp_code(f.out.buf, code, sizeof(code)),
			    cases[i].code, "error code");
		}
		req_release(&r);
		sbuf_release(&f.out);
		arena_reset(a);
	}

	/* A JSON route without a length, and the default cap without cfg. */
	env[0] = "REQUEST_URI";
	env[1] = "/api/x";
	env[2] = "CONTENT_TYPE";
	env[3] = "application/json";
	env[4] = NULL;
	fake_init(&f, env, "{}");
	ok(fake_req(&f, &r, a, NULL) == 0 && req_json(&r) == NULL &&
		r.status == 411,
	    "no Content-Length: 411");
	req_release(&r);
	sbuf_release(&f.out);
	arena_free(a);
}

static void
t_reply_error(void)
{
	static const struct {
		int status;
		const char *code;
		const char *arg;
		const char *want_code;
		const char *want_msg;
		const char *reason;
	} cases[] = {
		{ 404, NULL, "v1", "not_found", "vehicle \"v1\" not found",
		    "Not Found" },
		{ 400, NULL, "x", "bad_request", "vehicle \"x\" not found",
		    "Bad Request" },
		{ 409, "name_taken", "y", "name_taken",
		    "vehicle \"y\" not found", "Conflict" },
		{ 503, NULL, "z", "unavailable", "vehicle \"z\" not found",
		    "Service Unavailable" },
		{ 418, NULL, "t", "bad_request", "vehicle \"t\" not found",
		    "Unknown" },
		{ 599, NULL, "t", "internal", "vehicle \"t\" not found",
		    "Unknown" },
		/* A message that is not UTF-8 falls back to the reason. */
		{ 404, NULL, "\xff", "not_found", "Not Found", "Not Found" },
	};
	static const char *const env[] = { "REQUEST_URI", "/", NULL };
	struct arena *a = arena_new(4096);
	struct fake f;
	struct req r;
	char line[64], buf[128], code[64];
	const char *text;
	json_t *j, *e;
	size_t before;

	for (size_t i = 0; i < nitems(cases); i++) {
		fake_init(&f, env, NULL);
		ok(fake_req(&f, &r, a, NULL) == 0, "req_init");
		is_int(reply_error(&r, cases[i].status, cases[i].code,
			   "vehicle \"%s\" not found", cases[i].arg),
		    cases[i].status, "returns the status");
		snprintf(line, sizeof(line), "Status: %d %s\r\n",
		    cases[i].status, cases[i].reason);
		ok(strncmp(f.out.buf, line, strlen(line)) == 0,
		    "first line is the status");
		is_str(resp_header(f.out.buf, "Content-Type", buf, sizeof(buf)),
		    "application/json; charset=utf-8", "Content-Type");
		text = resp_text(f.out.buf);
		ok(text != NULL &&
			resp_header(f.out.buf, "Content-Length", buf,
			    sizeof(buf)) != NULL &&
			strtoul(buf, NULL, 10) == strlen(text),
		    "Content-Length is the body's");
		j = resp_body(f.out.buf);
		e = json_object_get(j, "error");
		ok(json_is_object(j) && json_object_size(j) == 1 &&
			json_is_object(e) && json_object_size(e) == 2,
		    "{\"error\":{code, message}} and nothing else");
		is_str(json_string_value(json_object_get(e, "code")),
		    cases[i].want_code, "code");
		is_str(json_string_value(json_object_get(e, "message")),
		    cases[i].want_msg, "message");
		json_decref(j);

		/* A second reply is suppressed and returns the first status. */
		before = f.out.len;
		is_int(reply_error(&r, 500, NULL, "again"), cases[i].status,
		    "second reply returns the first status");
		is_int(reply_json(&r, 200, json_object()), cases[i].status,
		    "second reply_json too");
		is_int(f.out.len, before, "nothing more written");
		is_int(r.status, cases[i].status, "status kept");
		is_str(resp_code(f.out.buf, code, sizeof(code)),
		    cases[i].want_code, "body unchanged");
		req_release(&r);
		sbuf_release(&f.out);
		arena_reset(a);
	}

	/* Extra headers, and header injection refused. */
	fake_init(&f, env, NULL);
	ok(fake_req(&f, &r, a, NULL) == 0, "req_init");
	reply_header(&r, "Location", "/api/x");
	reply_header(&r, "X-Evil", "a\r\nSet-Cookie: x=1");
	reply_header(&r, "X-Bad:Name", "v");
	reply_json(&r, 201, json_pack("{s:i}", "id", 7));
	is_str(resp_header(f.out.buf, "Location", buf, sizeof(buf)), "/api/x",
	    "extra header written");
	ok(strstr(f.out.buf, "Set-Cookie") == NULL, "CRLF in value refused");
	ok(strstr(f.out.buf, "X-Bad") == NULL, "colon in name refused");
	is_int(resp_status(f.out.buf), 201, "201");
	req_release(&r);
	sbuf_release(&f.out);
	arena_free(a);
}

static void
t_uuid_param(void)
{
	static const struct {
		const char *p0;
		size_t nparams;
		size_t i;
		int ok;
	} cases[] = {
		{ "123e4567-e89b-12d3-a456-426614174000", 1, 0, 1 },
		{ "123e4567-e89b-12d3-a456-426614174000", 1, 1, 0 },
		{ "123e4567-e89b-12d3-a456-42661417400", 1, 0, 0 },
		{ "not-a-uuid", 1, 0, 0 },
		{ "", 1, 0, 0 },
		{ NULL, 0, 0, 0 },
		{ "123e4567-e89b-12d3-a456-426614174000", 0, 0, 0 },
	};
	static const char *const env[] = { "REQUEST_URI", "/", NULL };
	struct arena *a = arena_new(4096);
	struct fake f;
	struct req r;
	char msg[96], code[32];
	const char *got;

	for (size_t i = 0; i < nitems(cases); i++) {
		fake_init(&f, env, NULL);
		ok(fake_req(&f, &r, a, NULL) == 0, "req_init");
		r.params[0] = cases[i].p0;
		r.nparams = cases[i].nparams;
		got = req_uuid_param(&r, cases[i].i, "vehicle id");
		snprintf(msg, sizeof(msg), "uuid param %zu of %zu \"%s\"",
		    cases[i].i, cases[i].nparams,
		    cases[i].p0 ? cases[i].p0 : "(null)");
		if (cases[i].ok) {
			ok(got == cases[i].p0, msg);
			is_int(f.out.len, 0, "nothing written");
		} else {
			ok(got == NULL, msg);
			is_int(resp_status(f.out.buf), 400, "400");
			is_str(resp_code(f.out.buf, code, sizeof(code)),
			    "invalid_id", "invalid_id");
			ok(strstr(f.out.buf, "vehicle id must be a UUID") !=
				NULL,
			    "message names what");
		}
		req_release(&r);
		sbuf_release(&f.out);
		arena_reset(a);
	}
	arena_free(a);
}

static void
t_query_long(void)
{
	static const struct {
		const char *uri;
		long def, min, max;
		int want;
		long out;
	} cases[] = {
		{ "/x", 50, 1, 100, 0, 50 },
		{ "/x?other=3", 50, 1, 100, 0, 50 },
		{ "/x?n=5", 50, 1, 100, 0, 5 },
		{ "/x?n=1", 50, 1, 100, 0, 1 },
		{ "/x?n=100", 50, 1, 100, 0, 100 },
		{ "/x?n=-3", 0, -5, 5, 0, -3 },
		{ "/x?n=0", 50, 1, 100, 400, 50 },
		{ "/x?n=101", 50, 1, 100, 400, 50 },
		{ "/x?n=-1", 50, 0, 100, 400, 50 },
		{ "/x?n=", 50, 1, 100, 400, 50 },
		{ "/x?n", 50, 1, 100, 400, 50 },
		{ "/x?n=abc", 50, 1, 100, 400, 50 },
		{ "/x?n=5x", 50, 1, 100, 400, 50 },
		{ "/x?n=5.0", 50, 1, 100, 400, 50 },
		{ "/x?n=99999999999999999999", 50, 1, 100, 400, 50 },
		{ "/x?n=9223372036854775807", 0, 0, 9223372036854775807L, 0,
		    9223372036854775807L },
		{ "/x?n=9223372036854775808", 0, 0, 9223372036854775807L, 400,
		    0 },
	};
	struct arena *a = arena_new(4096);
	struct fake f;
	struct req r;
	const char *env[4] = { "REQUEST_URI", NULL, NULL, NULL };
	char msg[96], code[32];
	long out;
	int rc;

	for (size_t i = 0; i < nitems(cases); i++) {
		env[1] = cases[i].uri;
		fake_init(&f, env, NULL);
		ok(fake_req(&f, &r, a, NULL) == 0, "req_init");
		out = 12345;
		rc = req_query_long(
		    &r, "n", cases[i].def, cases[i].min, cases[i].max, &out);
		snprintf(msg, sizeof(msg), "%s in [%ld, %ld]", cases[i].uri,
		    cases[i].min, cases[i].max);
		is_int(rc, cases[i].want, msg);
		is_int(out, cases[i].out, "value");
		if (rc != 0) {
			is_int(resp_status(f.out.buf), 400, "400 written");
			is_str(resp_code(f.out.buf, code, sizeof(code)),
			    "invalid_parameter", "invalid_parameter");
		} else {
			is_int(f.out.len, 0, "nothing written");
		}
		req_release(&r);
		sbuf_release(&f.out);
		arena_reset(a);
	}
	arena_free(a);
}

/* 1 when a and b agree to 1e-9 (relative). */
static int
near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

static void
t_units(void)
{
	static const struct {
		const char *in; /* one field */
		const char *key; /* the field afterwards */
		double want; /* NAN: compare the JSON text instead */
		const char *text;
	} cases[] = {
		{ "{\"odometer_km\":100}", "odometer_mi", 62.1371192237334,
		    NULL },
		{ "{\"odometer_km\":0}", "odometer_mi", 0, NULL },
		{ "{\"speed_kmh\":100}", "speed_mph", 62.1371192237334, NULL },
		/* 200 Wh per km is 321.87 Wh per mile: more per mile, not less
		 */
		{ "{\"efficiency_wh_per_km\":200}", "efficiency_wh_per_mi",
		    321.8688, NULL },
		{ "{\"inside_temp_c\":20}", "inside_temp_f", 68, NULL },
		{ "{\"inside_temp_c\":-40}", "inside_temp_f", -40, NULL },
		{ "{\"inside_temp_c\":21.5}", "inside_temp_f", 70.7, NULL },
		{ "{\"elevation_m\":10}", "elevation_ft", 32.8083989501312,
		    NULL },
		{ "{\"range_km\":\"n/a\"}", "range_mi", NAN, "\"n/a\"" },
		{ "{\"range_km\":null}", "range_mi", NAN, "null" },
		{ "{\"range_km\":true}", "range_mi", NAN, "true" },
		{ "{\"battery_level\":80}", "battery_level", 80, NULL },
		{ "{\"name\":\"car_c\"}", "name", NAN, "\"car_c\"" },
		{ "{\"_c\":5}", "_c", 5, NULL },
		{ "{\"km\":5}", "km", 5, NULL },
		{ "{\"c\":5}", "c", 5, NULL },
		{ "{\"odometerkm\":5}", "odometerkm", 5, NULL },
		{ "{\"energy_kwh\":5}", "energy_kwh", 5, NULL },
		{ "{\"power_kw\":5}", "power_kw", 5, NULL },
	};
	char msg[96], *s;
	json_t *j, *v;
	const char *gone;
	size_t klen;

	for (size_t i = 0; i < nitems(cases); i++) {
		j = json_loads(cases[i].in, 0, NULL);
		units_to_imperial(j);
		v = json_object_get(j, cases[i].key);
		snprintf(
		    msg, sizeof(msg), "%s -> %s", cases[i].in, cases[i].key);
		if (isnan(cases[i].want)) {
			s = json_dumps(v, JSON_ENCODE_ANY);
			is_str(s, cases[i].text, msg);
			free(s);
		} else {
			if (!ok(json_is_number(v) &&
				    near(json_number_value(v), cases[i].want),
				msg))
				printf("#   got %.12g\n", json_number_value(v));
		}
		is_int(json_object_size(j), 1, "one field left");
		/* The SI name is gone when it was renamed. */
		gone = cases[i].in + 2;
		klen = strcspn(gone, "\"");
		if (strncmp(gone, cases[i].key, klen) != 0 ||
		    cases[i].key[klen] != '\0')
			ok(json_object_getn(j, gone, klen) == NULL,
			    "SI name gone");
		json_decref(j);
	}
}

static void
t_units_nested(void)
{
	static const char in[] =
	    "{\"odometer_km\":10,\"vehicle\":{\"speed_kmh\":50,"
	    "\"climate\":{\"outside_temp_c\":0}},"
	    "\"points\":[{\"elevation_m\":1},{\"elevation_m\":2}],"
	    "\"list\":[[{\"inside_temp_c\":100}]],\"name\":\"x\"}";
	static const struct {
		const char *path; /* json_path-like: keys and [index] */
		double want;
	} cases[] = {
		{ "odometer_mi", 6.21371192237334 },
		{ "vehicle.speed_mph", 31.0685596118667 },
		{ "vehicle.climate.outside_temp_f", 32 },
		{ "points.0.elevation_ft", 3.28083989501312 },
		{ "points.1.elevation_ft", 6.56167979002624 },
		{ "list.0.0.inside_temp_f", 212 },
	};
	json_t *j = json_loads(in, 0, NULL), *v;
	char path[64], *tok, *save;

	units_to_imperial(j);
	for (size_t i = 0; i < nitems(cases); i++) {
		snprintf(path, sizeof(path), "%s", cases[i].path);
		v = j;
		for (tok = strtok_r(path, ".", &save); tok != NULL;
		     tok = strtok_r(NULL, ".", &save))
			v = json_is_array(v)
			    ? json_array_get(v, strtoul(tok, NULL, 10))
			    : json_object_get(v, tok);
		ok(json_is_number(v) &&
			near(json_number_value(v), cases[i].want),
		    cases[i].path);
	}
	ok(json_object_get(j, "odometer_km") == NULL, "top SI name gone");
	ok(json_object_get(json_object_get(j, "vehicle"), "speed_kmh") == NULL,
	    "nested SI name gone");
	is_str(json_string_value(json_object_get(j, "name")), "x",
	    "plain field kept");
	is_int(json_object_size(j), 5, "five top-level fields");
	json_decref(j);

	/* A top-level array of objects. */
	j = json_loads("[{\"speed_kmh\":10},{\"speed_kmh\":20}]", 0, NULL);
	units_to_imperial(j);
	ok(near(json_number_value(
		    json_object_get(json_array_get(j, 1), "speed_mph")),
	       12.4274238447467),
	    "array of objects");
	json_decref(j);
	units_to_imperial(NULL);
	ok(1, "units_to_imperial(NULL)");
}

static void
t_units_from_query(void)
{
	static const struct {
		const char *uri;
		int want;
		int imperial;
	} cases[] = {
		{ "/x", 0, 0 },
		{ "/x?units=si", 0, 0 },
		{ "/x?units=metric", 0, 0 },
		{ "/x?units=imperial", 0, 1 },
		{ "/x?units=Imperial", 400, 0 },
		{ "/x?units=", 400, 0 },
		{ "/x?units=furlongs", 400, 0 },
	};
	struct arena *a = arena_new(4096);
	struct fake f;
	struct req r;
	const char *env[4] = { "REQUEST_URI", NULL, NULL, NULL };
	int imp;

	for (size_t i = 0; i < nitems(cases); i++) {
		env[1] = cases[i].uri;
		fake_init(&f, env, NULL);
		ok(fake_req(&f, &r, a, NULL) == 0, "req_init");
		imp = -1;
		is_int(units_from_query(&r, &imp), cases[i].want, cases[i].uri);
		is_int(imp, cases[i].imperial, "imperial");
		is_int(r.status, cases[i].want, "status");
		req_release(&r);
		sbuf_release(&f.out);
		arena_reset(a);
	}
	arena_free(a);
}

static const struct tap_test tests[] = {
	TAP(t_percent_decode),
	TAP(t_query_parse),
	TAP(t_query_limit),
	TAP(t_req_init),
	TAP(t_req_header),
	TAP(t_read_body),
	TAP(t_req_json),
	TAP(t_reply_error),
	TAP(t_uuid_param),
	TAP(t_query_long),
	TAP(t_units),
	TAP(t_units_nested),
	TAP(t_units_from_query),
};

int
main(void)
{
	return tap_run(tests, nitems(tests));
}
