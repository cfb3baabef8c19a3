/*
 * Vehicles: GET /api/vehicles, /api/vehicles/:id, /api/vehicles/:id/state.
 * Every query is filtered by the account of the login token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* The latest state, how old it is, and whether the car sleeps now. */
static const struct db_stmt q_state = { "vehicles_state",
	"SELECT (SELECT to_jsonb(s) - 'vehicle_id' || jsonb_build_object("
	"'age_s', greatest(0, floor(extract(epoch FROM now() - s.ts)))"
	"::bigint, 'sleep_state', v.state, 'state_changed_at', "
	"v.state_changed_at) FROM vehicle_states s "
	"WHERE s.vehicle_id = v.id ORDER BY s.ts DESC LIMIT 1) "
	", " UNITS_SAVED_SQL " "
	"FROM vehicles v WHERE v.account_id = $1 AND v.id = $2::uuid",
	2 };

int
h_vehicles_list(struct req *r)
{
	const char *p[3], *cursor;
	char limit[24];
	PGresult *res;
	long n;
	int imperial;

	if (req_query_long(r, "limit", 100, 1, 500, &n) != 0 ||
	    units_from_query(r, &imperial) != 0)
		return r->status;
	if (req_uuid_cursor(r, &cursor) != 0)
		return r->status;
	snprintf(limit, sizeof(limit), "%ld", n + 1);
	p[0] = r->account_id;
	p[1] = cursor;
	p[2] = limit;
	if ((res = req_exec(r, &q_list, p)) == NULL)
		return r->status;
	return reply_page(r, res, n, "id", 0, imperial);
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

	/* The saved units come with the state: one round trip. */
	if ((p[1] = req_uuid_param(r, 0, "vehicle id")) == NULL ||
	    units_from_query_only(r, &imperial) != 0)
		return r->status;
	p[0] = r->account_id;
	if ((res = req_exec(r, &q_state, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "vehicle not found");
	if (imperial == -1)
		imperial = PQgetvalue(res, 0, 1)[0] == 't';
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

/*
 * GET /api/vehicles/:id/history: the states of [from, to) downsampled into
 * buckets of interval_s seconds, aligned on from (date_bin), each the
 * average of its samples per field, except speed_kmh, which is the maximum:
 * an average would smear a 20-minute drive over a long bucket into a crawl,
 * while a speed chart is read for its peaks.  A field with no value in a
 * bucket is null; a bucket with no sample at all is omitted, so the points
 * are sparse where the car sent nothing.
 *
 * One prepared statement computes every whitelisted field for each bucket
 * and only the requested ones are emitted: the SQL stays constant.  The
 * extra aggregates cost a fifth to a third more than the five default
 * fields on a year of one-minute states (525,600 rows: 0.55-0.64 s against
 * 0.45-0.47 s in make bench), nothing that shows on a day or a week (a few
 * ms).  The planner sorts the year's rows for the GROUP BY (it cannot tell
 * that date_bin makes few groups), which is most of that time.
 * Columns: 0 the bucket start (epoch seconds), then hist_fields[] in order.
 */
#define HIST_MAX_RANGE_S (400L * 86400)
#define HIST_MAX_POINTS 2000
#define HIST_MIN_INTERVAL_S 60

static const char *const hist_fields[] = { "battery_level",
	"usable_battery_level", "odometer_km", "rated_range_km", "speed_kmh",
	"power_kw", "inside_temp_c", "outside_temp_c", "charger_power_kw",
	"charge_energy_added_kwh", "latitude", "longitude", "elevation_m" };

static const char hist_default[] =
    "battery_level,odometer_km,rated_range_km,speed_kmh,power_kw";

static const struct db_stmt q_history = { "vehicles_history",
	"SELECT extract(epoch FROM b.t)::bigint, b.battery_level, "
	"b.usable_battery_level, b.odometer_km, b.rated_range_km, b.speed_kmh, "
	"b.power_kw, b.inside_temp_c, b.outside_temp_c, b.charger_power_kw, "
	"b.charge_energy_added_kwh, b.latitude, b.longitude, b.elevation_m "
	"FROM vehicles v LEFT JOIN LATERAL (SELECT date_bin(make_interval("
	"secs => $5::int), s.ts, to_timestamp($3::bigint)) AS t, "
	"avg(s.battery_level)::float8 AS battery_level, "
	"avg(s.usable_battery_level)::float8 AS usable_battery_level, "
	"avg(s.odometer_km) AS odometer_km, "
	"avg(s.rated_range_km) AS rated_range_km, "
	"max(s.speed_kmh) AS speed_kmh, avg(s.power_kw) AS power_kw, "
	"avg(s.inside_temp_c) AS inside_temp_c, "
	"avg(s.outside_temp_c) AS outside_temp_c, "
	"avg(s.charger_power_kw) AS charger_power_kw, "
	"avg(s.charge_energy_added_kwh) AS charge_energy_added_kwh, "
	"avg(s.latitude) AS latitude, avg(s.longitude) AS longitude, "
	"avg(s.elevation_m) AS elevation_m "
	"FROM vehicle_states s WHERE s.vehicle_id = v.id "
	"AND s.ts >= to_timestamp($3::bigint) "
	"AND s.ts < to_timestamp($4::bigint) GROUP BY 1) b ON true "
	"WHERE v.account_id = $1::uuid AND v.id = $2::uuid ORDER BY b.t",
	5 };

/* The parsed query of a history request. */
struct hist_query {
	long long from, to; /* epoch seconds, from < to */
	long interval; /* seconds per bucket */
	int field[nitems(hist_fields)]; /* indexes into hist_fields */
	int nfield;
};

/*
 * Reads the RFC 3339 time parameter name into *t (def when absent).  "+"
 * decodes to a space in a query, so a space before the offset counts as
 * "+".  Returns 0, or the status after replying 400.
 */
static int
hist_time(struct req *r, const char *name, long long def, long long *t)
{
	const char *v = req_query(r, name);
	char buf[64];
	size_t i, n;

	*t = def;
	if (v == NULL)
		return 0;
	if ((n = strlen(v)) < sizeof(buf)) {
		memcpy(buf, v, n + 1);
		for (i = 19; i < n; i++)
			if (buf[i] == ' ')
				buf[i] = '+';
		/* Years 0001 to 9999 in UTC, as the answer writes them. */
		if (fleet_parse_time(buf, t) == 0 && *t >= -62135596800LL &&
		    *t <= 253402300799LL)
			return 0;
	}
	return reply_error(r, 400, "invalid_parameter",
	    "\"%s\" must be an RFC 3339 time such as 2025-01-31T00:00:00Z",
	    name);
}

/*
 * Reads ?interval= (a whole number and s, m, h or d) into *secs, 0 when
 * absent.  Returns 0, or the status after replying 400.
 */
static int
hist_interval(struct req *r, long *secs)
{
	static const struct {
		char unit;
		long mul;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	const char *v = req_query(r, "interval");
	long n = 0;
	size_t i;

	*secs = 0;
	if (v == NULL)
		return 0;
	for (i = 0; v[i] >= '0' && v[i] <= '9' && n <= HIST_MAX_RANGE_S; i++)
		n = n * 10 + (v[i] - '0');
	if (i > 0 && v[i] != '\0' && v[i + 1] == '\0')
		for (size_t u = 0; u < nitems(units); u++)
			if (v[i] == units[u].unit && n <= HIST_MAX_RANGE_S) {
				*secs = n * units[u].mul;
				break;
			}
	if (*secs < HIST_MIN_INTERVAL_S || *secs > HIST_MAX_RANGE_S)
		return reply_error(r, 400, "invalid_parameter",
		    "\"interval\" must be a duration from 60s to 400d, such "
		    "as 60s, 5m, 1h or 1d");
	return 0;
}

/*
 * Reads ?fields= (comma-separated names of hist_fields, in the order given,
 * repeats ignored) into q.  Returns 0, or the status after replying 400.
 */
static int
hist_field_list(struct req *r, struct hist_query *q)
{
	const char *v = req_query(r, "fields"), *p;
	unsigned seen = 0;
	size_t len, i;

	if (v == NULL)
		v = hist_default;
	q->nfield = 0;
	for (p = v;; p += len + 1) {
		len = strcspn(p, ",");
		for (i = 0; i < nitems(hist_fields); i++)
			if (strlen(hist_fields[i]) == len &&
			    strncmp(p, hist_fields[i], len) == 0)
				break;
		if (i == nitems(hist_fields) && len == 0)
			return reply_error(r, 400, "invalid_parameter",
			    "\"fields\" has an empty name");
		if (i == nitems(hist_fields))
			return reply_error(r, 400, "invalid_parameter",
			    "\"fields\": unknown field \"%.*s\"",
			    (int)(len > 40 ? 40 : len), p);
		if (!(seen & 1u << i))
			q->field[q->nfield++] = (int)i;
		seen |= 1u << i;
		if (p[len] == '\0')
			return 0;
	}
}

/* Fills q from the query string; 0, or the status after replying 400. */
static int
hist_parse(struct req *r, struct hist_query *q)
{
	long points;
	long long range;

	if (hist_time(r, "to", (long long)time(NULL), &q->to) != 0 ||
	    hist_time(r, "from", q->to - 86400, &q->from) != 0 ||
	    hist_interval(r, &q->interval) != 0 || hist_field_list(r, q) != 0)
		return r->status;
	if (q->interval > 0 && req_query(r, "points") != NULL)
		return reply_error(r, 400, "invalid_parameter",
		    "give \"points\" or \"interval\", not both");
	if (req_query_long(r, "points", 500, 1, HIST_MAX_POINTS, &points) != 0)
		return r->status;
	if (q->from >= q->to)
		return reply_error(r, 400, "invalid_parameter",
		    "\"from\" must be before \"to\"");
	if ((range = q->to - q->from) > HIST_MAX_RANGE_S)
		return reply_error(r, 400, "invalid_parameter",
		    "\"from\" and \"to\" must be at most 400 days apart");
	if (q->interval == 0) {
		q->interval = (long)((range + points - 1) / points);
		if (q->interval < HIST_MIN_INTERVAL_S)
			q->interval = HIST_MIN_INTERVAL_S;
	} else if ((range + q->interval - 1) / q->interval > HIST_MAX_POINTS)
		return reply_error(r, 400, "invalid_parameter",
		    "\"interval\" must be at least %llds for this range (at "
		    "most %d points)",
		    (range + HIST_MAX_POINTS - 1) / HIST_MAX_POINTS,
		    HIST_MAX_POINTS);
	return 0;
}

int
h_vehicles_history(struct req *r)
{
	char from[24], to[24], interval[24], ts[24];
	const char *p[5];
	struct hist_query q;
	PGresult *res;
	json_t *fields, *points;
	int i, k, imperial;

	if ((p[1] = req_uuid_param(r, 0, "vehicle id")) == NULL ||
	    units_from_query(r, &imperial) != 0 || hist_parse(r, &q) != 0)
		return r->status;
	snprintf(from, sizeof(from), "%lld", q.from);
	snprintf(to, sizeof(to), "%lld", q.to);
	snprintf(interval, sizeof(interval), "%ld", q.interval);
	p[0] = r->account_id;
	p[2] = from;
	p[3] = to;
	p[4] = interval;
	if ((res = req_exec(r, &q_history, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "vehicle not found");
	points = json_array();
	for (i = 0; i < PQntuples(res); i++) {
		json_t *pt;

		if (PQgetisnull(res, i, 0))
			continue; /* no bucket: the LEFT JOIN's empty row */
		time_rfc3339(atoll(PQgetvalue(res, i, 0)), ts, sizeof(ts));
		pt = json_pack("{s:s}", "ts", ts);
		for (k = 0; k < q.nfield; k++) {
			int col = 1 + q.field[k];

			json_object_set_new(pt, hist_fields[q.field[k]],
			    PQgetisnull(res, i, col)
				? json_null()
				: json_real(
				      strtod(PQgetvalue(res, i, col), NULL)));
		}
		json_array_append_new(points, pt);
	}
	fields = json_array();
	for (k = 0; k < q.nfield; k++) {
		json_t *o = json_pack("{s:i}", hist_fields[q.field[k]], 0);

		/* The name the points carry, renamed like their keys. */
		if (imperial)
			units_to_imperial(o);
		json_array_append_new(fields,
		    json_string(json_object_iter_key(json_object_iter(o))));
		json_decref(o);
	}
	if (imperial)
		units_to_imperial(points);
	time_rfc3339(q.from, from, sizeof(from));
	time_rfc3339(q.to, to, sizeof(to));
	return reply_json(r, 200,
	    json_pack("{s:s,s:s,s:s,s:I,s:o,s:o}", "vehicle_id", p[1], "from",
		from, "to", to, "interval_s", (json_int_t)q.interval, "fields",
		fields, "points", points));
}
