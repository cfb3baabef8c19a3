/*
 * The one route table: method, path pattern, handler, flags.  Matched in
 * order by lib/router.c, which also answers 404, 405 and 401.
 */
#include "handlers.h"
#include "util.h"

const struct route routes[] = {
	{ "GET", "/api/health", h_health_get, 0 },
	{ "POST", "/api/auth/login", h_auth_login, 0 },
	{ "POST", "/api/auth/token", h_tesla_token_store, R_AUTH },
	{ "DELETE", "/api/auth/token", h_tesla_token_delete, R_AUTH },
	{ "GET", "/api/auth/status", h_tesla_status, R_AUTH },
	{ "GET", "/api/auth/tesla/start", h_tesla_start, R_AUTH },
	{ "GET", "/api/auth/tesla/callback", h_tesla_callback, 0 },
	{ "POST", "/api/sync/trigger", h_sync_trigger, R_AUTH },
	{ "GET", "/api/sync/status", h_sync_status, R_AUTH },
	{ "GET", "/api/vehicles", h_vehicles_list, R_AUTH },
	{ "GET", "/api/vehicles/:id", h_vehicles_get, R_AUTH },
	{ "GET", "/api/vehicles/:id/state", h_vehicles_state, R_AUTH },
	{ "POST", "/api/vehicles/:id/wake", h_vehicles_wake, R_AUTH },
};

const size_t nroutes = nitems(routes);
