/*
 * Route matching (linear over the one table) and dispatch.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "log.h"
#include "router.h"

/*
 * Matches path against pattern segment by segment; ":x" matches one
 * non-empty segment.  Returns 1 and fills params, or 0.
 */
static int
match(const char *pattern, const char *path, struct arena *a,
    const char **params, size_t *nparams)
{
	const char *p = pattern, *s = path;
	size_t np = 0;

	while (*p != '\0' && *s != '\0') {
		if (*p == ':') {
			size_t len = strcspn(s, "/");

			if (len == 0 || np == REQ_MAX_PARAMS)
				return 0;
			if (params != NULL &&
			    (params[np] = arena_strndup(a, s, len)) == NULL)
				return 0;
			np++;
			s += len;
			p += strcspn(p, "/");
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	if (*p != '\0' || *s != '\0')
		return 0;
	if (nparams != NULL)
		*nparams = np;
	return 1;
}

enum route_match
route_find(const struct route *rt, size_t n, const char *method,
    const char *path, struct arena *a, const struct route **found,
    const char **params, size_t *nparams, char *allow, size_t allowlen)
{
	int path_seen = 0;
	size_t used = 0;

	*found = NULL;
	if (allowlen > 0)
		allow[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!match(rt[i].pattern, path, a, NULL, NULL))
			continue;
		if (strcmp(rt[i].method, method) == 0) {
			if (!match(rt[i].pattern, path, a, params, nparams))
				return ROUTE_NOT_FOUND;
			*found = &rt[i];
			return ROUTE_FOUND;
		}
		path_seen = 1;
		if (allowlen > used && strstr(allow, rt[i].method) == NULL) {
			int k = snprintf(allow + used, allowlen - used, "%s%s",
			    used ? ", " : "", rt[i].method);

			if (k > 0)
				used += (size_t)k;
			if (used >= allowlen)
				used = allowlen - 1;
		}
	}
	return path_seen ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}

int
route_authenticate(struct req *r)
{
	const char *h = req_header(r, "Authorization");
	enum jwt_status st;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0') {
		reply_header(r, "WWW-Authenticate", "Bearer");
		return reply_error(r, 401, "unauthorized",
		    "missing bearer token: log in at POST /api/auth/login");
	}
	st = jwt_verify(r->cfg->jwt_secret, r->cfg->jwt_secret_len, h + 7,
	    time(NULL), r->account_id, sizeof(r->account_id));
	if (st != JWT_OK) {
		reply_header(
		    r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		return reply_error(r, 401, "invalid_token", "token refused: %s",
		    jwt_status_str(st));
	}
	return 0;
}

int
route_dispatch(struct req *r, const struct route *rt, size_t n)
{
	const struct route *found;
	char allow[128];
	int rc;

	switch (route_find(rt, n, r->method, r->path, r->arena, &found,
	    r->params, &r->nparams, allow, sizeof(allow))) {
	case ROUTE_NOT_FOUND:
		return reply_error(
		    r, 404, NULL, "no route for \"%s\"", r->path);
	case ROUTE_BAD_METHOD:
		reply_header(r, "Allow", allow);
		return reply_error(r, 405, NULL,
		    "method %s not allowed on \"%s\" (allowed: %s)", r->method,
		    r->path, allow);
	case ROUTE_FOUND:
		break;
	}
	if ((found->flags & R_AUTH) && (rc = route_authenticate(r)) != 0)
		return rc;
	rc = found->fn(r);
	if (r->status == 0) {
		log_error("handler for %s %s sent no response", found->method,
		    found->pattern);
		rc = reply_error(r, 500, NULL, "no response");
	}
	return rc;
}
