/*
 * The route table's matcher and dispatcher.  handlers/routes.c holds the one
 * table; method, auth and 404/405 are decided here before a handler runs.
 */
#ifndef TESSIE_ROUTER_H
#define TESSIE_ROUTER_H

#include <stddef.h>

#include "http.h"

#define R_AUTH 0x1 /* needs a valid login token */

struct route {
	const char *method; /* "GET", "POST", ... */
	const char *pattern; /* "/api/vehicles/:id/state" */
	int (*fn)(struct req *r); /* returns the HTTP status it sent */
	unsigned flags;
};

enum route_match { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };

/*
 * Matches method and path.  On ROUTE_FOUND *found is set and the ":name"
 * segments are stored in params (at most REQ_MAX_PARAMS, strings in a).
 * On ROUTE_BAD_METHOD allow holds the comma-separated methods that would.
 */
enum route_match route_find(const struct route *rt, size_t n,
    const char *method, const char *path, struct arena *a,
    const struct route **found, const char **params, size_t *nparams,
    char *allow, size_t allowlen);

/* Routes r: 404/405/401 replies, else the handler.  Returns the status. */
int route_dispatch(struct req *r, const struct route *rt, size_t n);

/* Checks the Authorization header; 0 and r->account_id, or replies 401. */
int route_authenticate(struct req *r);

#endif
