/*
 * Vehicles: GET /api/vehicles, /api/vehicles/:id, /api/vehicles/:id/state.
 * Every query is filtered by the account of the login token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fleet_parse.h"
#include "handlers.h"
#include "tesla.h"
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

/*
 * POST /api/vehicles/:id/wake: wakes the car, on request only (a wake
 * costs $0.02 and Tesla allows few).  At most one every WAKE_GAP_S and
 * WAKE_DAY_MAX a day per car; 202 with what Tesla said of its state.
 */
#define WAKE_GAP_S 120
#define WAKE_DAY_MAX 15

static const struct db_stmt q_wake_car = { "vehicles_wake_car",
	"SELECT v.tesla_id, "
	"(SELECT count(*) FROM fleet_api_calls WHERE vehicle_id = v.id "
	"AND endpoint_class = 'wake' AND ts > now() - interval '1 day'), "
	"coalesce((SELECT ceil(extract(epoch FROM max(ts) + make_interval("
	"secs => $3::int) - now())) FROM fleet_api_calls WHERE vehicle_id = "
	"v.id AND endpoint_class = 'wake' AND ts > now() - make_interval("
	"secs => $3::int)), 0) "
	"FROM vehicles v WHERE v.account_id = $1::uuid AND v.id = $2::uuid",
	3 };

static const struct db_stmt q_wake_state = { "vehicles_wake_state",
	"UPDATE vehicles SET state = $2, state_changed_at = CASE WHEN "
	"state = $2 THEN state_changed_at ELSE now() END WHERE id = $1::uuid",
	2 };

struct wake_ctx {
	enum fleet_outcome outcome;
	long status;
	struct fleet_vehicle v;
	int parsed;
};

static int
wake_done(
    void *vctx, const struct fleet_req *req, const struct fleet_result *res)
{
	struct wake_ctx *w = vctx;

	(void)req;
	w->outcome = res->outcome;
	w->status = res->status;
	w->parsed = res->outcome == FLEET_OK &&
	    fleet_parse_vehicle(res->body, &w->v) == 0;
	return FLEET_CONTINUE;
}

int
h_vehicles_wake(struct req *r)
{
	char gap[16], path[96], retry[24];
	const char *p[3];
	struct tesla_session s;
	struct tesla_item item = { NULL, NULL, NULL };
	struct fleet_req req = { "POST", NULL, NULL, FLEET_WAKE,
		"/api/1/vehicles/{id}/wake_up", FLEET_REQ_ONCE, NULL };
	struct wake_ctx w;
	PGresult *res;
	long wait;
	int rc;

	if ((p[1] = req_uuid_param(r, 0, "vehicle id")) == NULL)
		return r->status;
	p[0] = r->account_id;
	snprintf(gap, sizeof(gap), "%d", WAKE_GAP_S);
	p[2] = gap;
	if ((res = req_exec(r, &q_wake_car, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "vehicle not found");
	if ((wait = atol(PQgetvalue(res, 0, 2))) > 0 ||
	    atol(PQgetvalue(res, 0, 1)) >= WAKE_DAY_MAX) {
		snprintf(retry, sizeof(retry), "%ld", wait > 0 ? wait : 3600);
		reply_header(r, "Retry-After", retry);
		return reply_error(r, 429, NULL,
		    wait > 0 ? "this car was woken moments ago (a wake costs "
			       "money): try again in %s seconds"
			     : "this car has been woken %s times today",
		    wait > 0 ? retry : PQgetvalue(res, 0, 1));
	}
	snprintf(path, sizeof(path), "/api/1/vehicles/%s/wake_up",
	    PQgetvalue(res, 0, 0));
	req.path = path;
	item.vehicle_id = p[1];
	req.user = &item;
	memset(&w, 0, sizeof(w));
	if (tesla_open(&s, r->db, r->cfg, r->account_id, NULL) == -1) {
		tesla_close(&s);
		return reply_error(r, 409, "not_connected", "%s", s.error);
	}
	rc = tesla_run(&s, &req, 1, wake_done, &w);
	tesla_close(&s);
	if (rc == -1 || w.outcome != FLEET_OK)
		return reply_error(r, w.outcome == FLEET_ERR_RATE ? 429 : 502,
		    "tesla_error",
		    "Tesla did not take the wake request (%s, "
		    "HTTP %ld)",
		    fleet_outcome_name(w.outcome), w.status);
	p[0] = p[1];
	p[1] = w.parsed ? w.v.state : "unknown";
	if (w.parsed && strcmp(w.v.state, "online") == 0)
		PQclear(db_exec(
		    r->db, &q_wake_state, p, &rc, retry, sizeof(retry)));
	return reply_json(r, 202,
	    json_pack("{s:s,s:s,s:s}", "vehicle_id", p[0], "state", p[1],
		"message",
		strcmp(p[1], "online") == 0
		    ? "the car is awake"
		    : "the car is waking up; it is usually online within a "
		      "minute"));
}
