/*
 * Vehicles: GET /api/vehicles, /api/vehicles/:id, /api/vehicles/:id/state.
 * Every query is filtered by the account of the login token.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "handlers.h"
#include "units.h"
#include "util.h"

#define VEHICLE_JSON                                                           \
	"json_build_object('id', v.id, 'vin', v.vin, "                         \
	"'display_name', v.display_name, 'model', v.model, "                   \
	"'state', v.state, 'last_seen', v.last_seen_at, "                      \
	"'battery_level', s.battery_level, 'odometer_km', s.odometer_km, "     \
	"'state_at', s.ts) "                                                   \
	"FROM vehicles v LEFT JOIN LATERAL (SELECT battery_level, "            \
	"odometer_km, ts FROM vehicle_states WHERE vehicle_id = v.id "         \
	"ORDER BY ts DESC LIMIT 1) s ON true "

static const struct db_stmt q_list = { "vehicles_list",
	"SELECT " VEHICLE_JSON
	"WHERE v.account_id = $1 AND ($2::uuid IS NULL OR v.id > $2::uuid) "
	"ORDER BY v.id LIMIT $3::int",
	3 };

static const struct db_stmt q_get = { "vehicles_get",
	"SELECT " VEHICLE_JSON "WHERE v.account_id = $1 AND v.id = $2::uuid",
	2 };

static const struct db_stmt q_state = { "vehicles_state",
	"SELECT (SELECT to_jsonb(s) - 'vehicle_id' FROM vehicle_states s "
	"WHERE s.vehicle_id = v.id ORDER BY s.ts DESC LIMIT 1) "
	"FROM vehicles v WHERE v.account_id = $1 AND v.id = $2::uuid",
	2 };

int
h_vehicles_list(struct req *r)
{
	const char *p[3], *cursor = req_query(r, "cursor");
	char limit[24];
	PGresult *res;
	json_t *data, *next = json_null();
	long n;
	int i, rows, imperial;

	if (req_query_long(r, "limit", 100, 1, 500, &n) != 0 ||
	    units_from_query(r, &imperial) != 0)
		return r->status;
	if (cursor != NULL && !is_uuid(cursor))
		return reply_error(r, 400, "invalid_parameter",
		    "\"cursor\" must be the next_cursor of a previous page");
	snprintf(limit, sizeof(limit), "%ld", n + 1);
	p[0] = r->account_id;
	p[1] = cursor;
	p[2] = limit;
	if ((res = req_exec(r, &q_list, p)) == NULL)
		return r->status;
	rows = PQntuples(res);
	data = json_array();
	for (i = 0; i < rows && i < n; i++) {
		json_t *v = db_json(res, i, 0);

		if (v != NULL && imperial)
			units_to_imperial(v);
		json_array_append_new(data, v ? v : json_null());
	}
	if (rows > n) {
		json_decref(next);
		next = json_incref(
		    json_object_get(json_array_get(data, (size_t)n - 1), "id"));
	}
	return reply_json(
	    r, 200, json_pack("{s:o,s:o}", "data", data, "next_cursor", next));
}

int
h_vehicles_get(struct req *r)
{
	const char *p[2];
	PGresult *res;
	json_t *v;
	int imperial;

	if ((p[1] = req_uuid_param(r, 0, "vehicle id")) == NULL ||
	    units_from_query(r, &imperial) != 0)
		return r->status;
	p[0] = r->account_id;
	if ((res = req_exec(r, &q_get, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "vehicle not found");
	if ((v = db_json(res, 0, 0)) == NULL)
		return reply_error(r, 500, NULL, "malformed row");
	if (imperial)
		units_to_imperial(v);
	return reply_json(r, 200, v);
}

int
h_vehicles_state(struct req *r)
{
	const char *p[2];
	PGresult *res;
	json_t *s;
	int imperial;

	if ((p[1] = req_uuid_param(r, 0, "vehicle id")) == NULL ||
	    units_from_query(r, &imperial) != 0)
		return r->status;
	p[0] = r->account_id;
	if ((res = req_exec(r, &q_state, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "vehicle not found");
	if ((s = db_json(res, 0, 0)) == NULL)
		return reply_error(r, 404, "no_state",
		    "no state recorded for this vehicle yet");
	if (imperial)
		units_to_imperial(s);
	return reply_json(r, 200, s);
}
