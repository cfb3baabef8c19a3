/* Unit tests for lib/router.c: matching, 404/405, dispatch and auth. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "arena.h"
#include "auth.h"
#include "config.h"
#include "http.h"
#include "router.h"
#include "sbuf.h"
#include "util.h"

#include "../tap.h"
#include "fakeio.h"

static const char secret[] = "router-test-secret-0123456789abcdef";
static const char other_secret[] = "router-test-secret-0123456789abcdeX";

static int handler_calls;
static char handler_seen[64];

static int
h_ok(struct req *r)
{
	handler_calls++;
	snprintf(handler_seen, sizeof(handler_seen), "%s", r->account_id);
	return reply_json(r, 200, json_pack("{s:s}", "ok", "yes"));
}

static int
h_silent(struct req *r)
{
	(void)r;
	handler_calls++;
	return 200;
}

static const struct route routes[] = {
	{ "GET", "/api/health", h_ok, 0 },
	{ "GET", "/api/vehicles", h_ok, R_AUTH },
	{ "GET", "/api/vehicles/:id", h_ok, R_AUTH },
	{ "PUT", "/api/vehicles/:id", h_ok, R_AUTH },
	{ "DELETE", "/api/vehicles/:id", h_ok, R_AUTH },
	{ "GET", "/api/vehicles/:id/state", h_ok, R_AUTH },
	{ "GET", "/api/drivers/:id/trips/:trip", h_ok, R_AUTH },
	{ "GET", "/api/things/special", h_ok, 0 },
	{ "GET", "/api/things/:id", h_ok, 0 },
	{ "PUT", "/api/things/:id", h_ok, 0 },
	{ "POST", "/api/sync/trigger", h_ok, R_AUTH },
	{ "GET", "/api/silent", h_silent, 0 },
	{ "GET", "/api/five/:a/:b/:c/:d/:e", h_ok, 0 },
	{ "GET", "/api/four/:a/:b/:c/:d", h_ok, 0 },
};

static void
t_route_find(void)
{
	static const struct {
		const char *method;
		const char *path;
		enum route_match want;
		int route; /* index into routes[] when found */
		size_t nparams;
		const char *p0, *p1;
		const char *allow; /* on ROUTE_BAD_METHOD */
	} cases[] = {
		{ "GET", "/api/health", ROUTE_FOUND, 0, 0, NULL, NULL, "" },
		{ "GET", "/api/vehicles", ROUTE_FOUND, 1, 0, NULL, NULL, "" },
		{ "GET", "/api/vehicles/abc", ROUTE_FOUND, 2, 1, "abc", NULL,
		    "" },
		{ "PUT", "/api/vehicles/abc", ROUTE_FOUND, 3, 1, "abc", NULL,
		    "" },
		{ "GET", "/api/vehicles/x-1/state", ROUTE_FOUND, 5, 1, "x-1",
		    NULL, "" },
		{ "GET", "/api/drivers/d1/trips/t22", ROUTE_FOUND, 6, 2, "d1",
		    "t22", "" },
		{ "GET", "/api/things/special", ROUTE_FOUND, 7, 0, NULL, NULL,
		    "" },
		{ "GET", "/api/things/other", ROUTE_FOUND, 8, 1, "other", NULL,
		    "" },
		{ "GET", "/api/four/a/b/c/d", ROUTE_FOUND, 13, 4, "a", "b",
		    "" },
		/* Not found: trailing slash, prefixes, empty segments. */
		{ "GET", "/api/health/", ROUTE_NOT_FOUND, -1, 0, NULL, NULL,
		    "" },
		{ "GET", "/api/vehicles/", ROUTE_NOT_FOUND, -1, 0, NULL, NULL,
		    "" },
		{ "GET", "/api/vehicles/abc/", ROUTE_NOT_FOUND, -1, 0, NULL,
		    NULL, "" },
		{ "GET", "/api/vehicles//state", ROUTE_NOT_FOUND, -1, 0, NULL,
		    NULL, "" },
		{ "GET", "/api/drivers//trips/t", ROUTE_NOT_FOUND, -1, 0, NULL,
		    NULL, "" },
		{ "GET", "/api/drivers/d/trips/", ROUTE_NOT_FOUND, -1, 0, NULL,
		    NULL, "" },
		{ "GET", "/api/veh", ROUTE_NOT_FOUND, -1, 0, NULL, NULL, "" },
		{ "GET", "/api/healthz", ROUTE_NOT_FOUND, -1, 0, NULL, NULL,
		    "" },
		{ "GET", "/api/vehicles/abc/sta", ROUTE_NOT_FOUND, -1, 0, NULL,
		    NULL, "" },
		{ "GET", "/api/vehicles/abc/state/x", ROUTE_NOT_FOUND, -1, 0,
		    NULL, NULL, "" },
		{ "GET", "/api", ROUTE_NOT_FOUND, -1, 0, NULL, NULL, "" },
		{ "GET", "/", ROUTE_NOT_FOUND, -1, 0, NULL, NULL, "" },
		{ "GET", "", ROUTE_NOT_FOUND, -1, 0, NULL, NULL, "" },
		{ "GET", "/nope", ROUTE_NOT_FOUND, -1, 0, NULL, NULL, "" },
		{ "POST", "/nope", ROUTE_NOT_FOUND, -1, 0, NULL, NULL, "" },
		{ "GET", "/API/health", ROUTE_NOT_FOUND, -1, 0, NULL, NULL,
		    "" },
		/* More parameters than REQ_MAX_PARAMS never match. */
		{ "GET", "/api/five/a/b/c/d/e", ROUTE_NOT_FOUND, -1, 0, NULL,
		    NULL, "" },
		/* 405 with each allowed method once. */
		{ "POST", "/api/health", ROUTE_BAD_METHOD, -1, 0, NULL, NULL,
		    "GET" },
		{ "get", "/api/health", ROUTE_BAD_METHOD, -1, 0, NULL, NULL,
		    "GET" },
		{ "POST", "/api/vehicles/abc", ROUTE_BAD_METHOD, -1, 0, NULL,
		    NULL, "GET, PUT, DELETE" },
		{ "PATCH", "/api/vehicles/abc/state", ROUTE_BAD_METHOD, -1, 0,
		    NULL, NULL, "GET" },
		{ "POST", "/api/things/special", ROUTE_BAD_METHOD, -1, 0, NULL,
		    NULL, "GET, PUT" },
		{ "GET", "/api/sync/trigger", ROUTE_BAD_METHOD, -1, 0, NULL,
		    NULL, "POST" },
	};
	struct arena *a = arena_new(64 * 1024);
	const struct route *found;
	const char *params[REQ_MAX_PARAMS];
	char allow[128], msg[128];
	size_t np;
	enum route_match m;

	if (a == NULL) {
		ok(0, "arena_new");
		return;
	}
	for (size_t i = 0; i < nitems(cases); i++) {
		memset(params, 0, sizeof(params));
		np = 99;
		memset(allow, 'x', sizeof(allow));
		m = route_find(routes, nitems(routes), cases[i].method,
		    cases[i].path, a, &found, params, &np, allow,
		    sizeof(allow));
		snprintf(msg, sizeof(msg), "%s \"%s\"", cases[i].method,
		    cases[i].path);
		is_int(m, cases[i].want, msg);
		if (cases[i].want == ROUTE_FOUND) {
			ok(m == ROUTE_FOUND && found == &routes[cases[i].route],
			    "the right route");
			is_int(np, cases[i].nparams, "nparams");
			if (cases[i].p0 != NULL)
				is_str(params[0], cases[i].p0, "param 0");
			if (cases[i].p1 != NULL)
				is_str(params[1], cases[i].p1, "param 1");
		} else {
			ok(found == NULL, "found is NULL");
		}
		if (cases[i].want == ROUTE_BAD_METHOD)
			is_str(allow, cases[i].allow, "Allow list");
		else if (cases[i].want == ROUTE_NOT_FOUND)
			is_str(allow, "", "Allow list empty");
		arena_reset(a);
	}
	arena_free(a);
}

static void
t_route_find_small_allow(void)
{
	struct arena *a = arena_new(4096);
	const struct route *found;
	const char *params[REQ_MAX_PARAMS];
	char allow[12];
	size_t np;

	memset(allow, 'x', sizeof(allow));
	is_int(route_find(routes, nitems(routes), "POST", "/api/vehicles/1", a,
		   &found, params, &np, allow, 8),
	    ROUTE_BAD_METHOD, "405 with a short Allow buffer");
	ok(memchr(allow, '\0', 8) != NULL, "Allow stays NUL-terminated");
	ok(allow[8] == 'x', "nothing written past allowlen");
	ok(strncmp(allow, "GET", 3) == 0, "starts with the first method");
	arena_free(a);
}

static const struct config *
test_config(void)
{
	static struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.jwt_secret, secret, sizeof(secret) - 1);
	cfg.jwt_secret_len = sizeof(secret) - 1;
	cfg.body_max = 65536;
	return &cfg;
}

/* A token for sub, issued at now + age (negative: in the past). */
static char *
token(const char *key, const char *sub, long age, long ttl)
{
	char *tok = NULL;
	time_t exp;

	if (jwt_issue((const uint8_t *)key, strlen(key), sub, time(NULL) + age,
		ttl, &tok, &exp) != 0)
		return NULL;
	return tok;
}

/*
 * Fills r for method path with the Authorization header auth (NULL for
 * none), the response going to f->out (caller releases both).  Returns
 * what req_init() returned.
 */
static int
prepare(struct fake *f, struct req *r, struct arena *a, const char *method,
    const char *path, const char *auth)
{
	struct req_io io = { fake_getparam, fake_read, fake_write, f };
	size_t k = 0;

	memset(f->env, 0, sizeof(f->env));
	f->env[k++] = "REQUEST_METHOD";
	f->env[k++] = method;
	f->env[k++] = "REQUEST_URI";
	f->env[k++] = path;
	if (auth != NULL) {
		f->env[k++] = "HTTP_AUTHORIZATION";
		f->env[k++] = auth;
	}
	sbuf_init(&f->out, 64 * 1024);
	return req_init(r, a, test_config(), NULL, &io);
}

/* prepare() and route_dispatch(); returns the status, -1 on a bad init. */
static int
dispatch(struct fake *f, struct req *r, struct arena *a, const char *method,
    const char *path, const char *auth)
{
	if (prepare(f, r, a, method, path, auth) != 0)
		return -1;
	return route_dispatch(r, routes, nitems(routes));
}

static void
t_dispatch(void)
{
	static const struct {
		const char *method;
		const char *path;
		int want;
		const char *code; /* error code, or NULL on success */
		const char *allow; /* Allow header, or NULL for none */
	} cases[] = {
		{ "GET", "/api/health", 200, NULL, NULL },
		{ "GET", "/api/things/42", 200, NULL, NULL },
		{ "GET", "/api/nothing", 404, "not_found", NULL },
		{ "GET", "/api/health/", 404, "not_found", NULL },
		{ "POST", "/api/health", 405, "method_not_allowed", "GET" },
		{ "PATCH", "/api/things/special", 405, "method_not_allowed",
		    "GET, PUT" },
		{ "POST", "/api/vehicles/v1", 405, "method_not_allowed",
		    "GET, PUT, DELETE" },
		/* Auth is checked after the method: no token here. */
		{ "GET", "/api/vehicles", 401, "unauthorized", NULL },
		/* A handler that forgets to reply gets a 500. */
		{ "GET", "/api/silent", 500, "internal", NULL },
	};
	struct arena *a = arena_new(64 * 1024);
	struct fake f = { .env = { NULL } };
	struct req r;
	char buf[128], code[64], msg[128];
	int rc, calls;
	json_t *body;

	for (size_t i = 0; i < nitems(cases); i++) {
		calls = handler_calls;
		rc = dispatch(&f, &r, a, cases[i].method, cases[i].path, NULL);
		snprintf(
		    msg, sizeof(msg), "%s %s", cases[i].method, cases[i].path);
		is_int(rc, cases[i].want, msg);
		is_int(r.status, cases[i].want, "r->status");
		is_int(resp_status(f.out.buf), cases[i].want, "Status: line");
		body = resp_body(f.out.buf);
		ok(json_is_object(body), "JSON body");
		json_decref(body);
		if (cases[i].code != NULL) {
			is_str(resp_code(f.out.buf, code, sizeof(code)),
			    cases[i].code, "error code");
		} else {
			is_str(resp_code(f.out.buf, code, sizeof(code)), "",
			    "no error");
		}
		if (cases[i].want == 200 || cases[i].want == 500)
			is_int(handler_calls, calls + 1, "handler ran once");
		else
			is_int(handler_calls, calls, "handler not run");
		is_str(resp_header(f.out.buf, "Allow", buf, sizeof(buf)),
		    cases[i].allow, "Allow header");
		req_release(&r);
		sbuf_release(&f.out);
		arena_reset(a);
	}
	arena_free(a);
}

static void
t_auth(void)
{
	char *good = token(secret, "acct-42", 0, 3600);
	char *expired = token(secret, "acct-42", -7200, 3600);
	char *foreign = token(other_secret, "acct-42", 0, 3600);
	char bearer[1024], lower[1024], expd[1024], forg[1024];
	const struct {
		const char *auth;
		int want;
		const char *www; /* WWW-Authenticate, on 401 */
	} cases[] = {
		{ bearer, 200, NULL },
		{ lower, 200, NULL },
		{ NULL, 401, "Bearer" },
		{ "", 401, "Bearer" },
		{ "Basic xyz", 401, "Bearer" },
		{ "Bearer", 401, "Bearer" },
		{ "Bearer ", 401, "Bearer" },
		{ "Bearerabc", 401, "Bearer" },
		{ expd, 401, "Bearer error=\"invalid_token\"" },
		{ forg, 401, "Bearer error=\"invalid_token\"" },
		{ "Bearer not.a.token", 401, "Bearer error=\"invalid_token\"" },
		{ "Bearer garbage", 401, "Bearer error=\"invalid_token\"" },
	};
	struct arena *a = arena_new(64 * 1024);
	struct fake f = { .env = { NULL } };
	struct req r;
	char buf[128], msg[128];
	int rc, calls;

	if (good == NULL || expired == NULL || foreign == NULL || a == NULL) {
		ok(0, "jwt_issue");
		goto out;
	}
	snprintf(bearer, sizeof(bearer), "Bearer %s", good);
	snprintf(lower, sizeof(lower), "bearer %s", good);
	snprintf(expd, sizeof(expd), "Bearer %s", expired);
	snprintf(forg, sizeof(forg), "Bearer %s", foreign);
	for (size_t i = 0; i < nitems(cases); i++) {
		calls = handler_calls;
		handler_seen[0] = '\0';
		rc = dispatch(
		    &f, &r, a, "GET", "/api/vehicles/v1/state", cases[i].auth);
		snprintf(msg, sizeof(msg), "case %zu: status", i);
		is_int(rc, cases[i].want, msg);
		is_int(resp_status(f.out.buf), cases[i].want, "Status: line");
		is_str(resp_header(
			   f.out.buf, "WWW-Authenticate", buf, sizeof(buf)),
		    cases[i].www, "WWW-Authenticate");
		if (cases[i].want == 200) {
			is_int(handler_calls, calls + 1, "handler ran");
			is_str(handler_seen, "acct-42", "account_id is sub");
			is_str(r.params[0], "v1", "param captured");
		} else {
			is_int(handler_calls, calls, "handler not run");
			ok(r.account_id[0] == '\0', "no account_id");
		}
		req_release(&r);
		sbuf_release(&f.out);
		arena_reset(a);
	}

	/* route_authenticate on its own. */
	ok(prepare(&f, &r, a, "GET", "/x", bearer) == 0, "req_init");
	is_int(route_authenticate(&r), 0, "route_authenticate: valid");
	is_str(r.account_id, "acct-42", "route_authenticate: sub");
	is_int(f.out.len, 0, "nothing written");
	is_int(r.status, 0, "no status");
	req_release(&r);
	sbuf_release(&f.out);
	arena_reset(a);
	ok(prepare(&f, &r, a, "GET", "/x", expd) == 0, "req_init");
	is_int(route_authenticate(&r), 401, "route_authenticate: expired");
	is_int(resp_status(f.out.buf), 401, "401 written");
	is_str(resp_code(f.out.buf, buf, sizeof(buf)), "invalid_token",
	    "code invalid_token");
	req_release(&r);
	sbuf_release(&f.out);
	arena_reset(a);
out:
	free(good);
	free(expired);
	free(foreign);
	arena_free(a);
}

static const struct tap_test tests[] = {
	TAP(t_route_find),
	TAP(t_route_find_small_allow),
	TAP(t_dispatch),
	TAP(t_auth),
};

int
main(void)
{
	return tap_run(tests, nitems(tests));
}
