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
	{ "GET", "/api/vehicles/:id/history", h_vehicles_history, R_AUTH },
	{ "POST", "/api/vehicles/:id/wake", h_vehicles_wake, R_AUTH },
	{ "GET", "/api/drives", h_drives_list, R_AUTH },
	{ "GET", "/api/drives/:id", h_drives_get, R_AUTH },
	{ "GET", "/api/charging/sessions", h_charging_list, R_AUTH },
	{ "GET", "/api/charging/sessions/:id", h_charging_get, R_AUTH },
	{ "GET", "/api/charging/stats", h_charging_stats, R_AUTH },
	{ "POST", "/api/charging/recompute-costs", h_charging_recompute_costs,
	    R_AUTH },
	{ "GET", "/api/drivers", h_drivers_list, R_AUTH },
	{ "POST", "/api/drivers", h_drivers_create, R_AUTH },
	{ "PUT", "/api/drivers/:id", h_drivers_update, R_AUTH },
	{ "DELETE", "/api/drivers/:id", h_drivers_delete, R_AUTH },
	{ "GET", "/api/drivers/:id/stats", h_drivers_stats, R_AUTH },
	{ "GET", "/api/drivers/:id/rules", h_drivers_rules_list, R_AUTH },
	{ "POST", "/api/drivers/:id/rules", h_drivers_rules_create, R_AUTH },
	{ "DELETE", "/api/drivers/:id/rules/:rule_id", h_drivers_rules_delete,
	    R_AUTH },
	{ "PUT", "/api/drives/:id/driver", h_drives_driver_set, R_AUTH },
	{ "POST", "/api/drives/attribute", h_drives_attribute, R_AUTH },
	{ "GET", "/api/settings", h_settings_get, R_AUTH },
	{ "PUT", "/api/settings", h_settings_put, R_AUTH },
	{ "GET", "/api/places", h_places_list, R_AUTH },
	{ "POST", "/api/places", h_places_create, R_AUTH },
	{ "GET", "/api/places/:id", h_places_get, R_AUTH },
	{ "PUT", "/api/places/:id", h_places_update, R_AUTH },
	{ "DELETE", "/api/places/:id", h_places_delete, R_AUTH },
	{ "GET", "/api/tariffs", h_tariffs_list, R_AUTH },
	{ "POST", "/api/tariffs", h_tariffs_create, R_AUTH },
	{ "GET", "/api/tariffs/:id", h_tariffs_get, R_AUTH },
	{ "PUT", "/api/tariffs/:id", h_tariffs_update, R_AUTH },
	{ "DELETE", "/api/tariffs/:id", h_tariffs_delete, R_AUTH },
};

const size_t nroutes = nitems(routes);
