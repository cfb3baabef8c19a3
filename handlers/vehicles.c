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

/*
 * The latest state, how old it is, and whether the car sleeps now.  The
 * columns are named (every one of vehicle_states but vehicle_id; a test
 * compares them with the table): row_to_json writes them as text in one
 * pass, where to_jsonb, a key removed and an object concatenated built
 * and sorted three binary objects first (22 against 13 us of PostgreSQL
 * per request, pgbench -M prepared).
 */
static const struct db_stmt q_state = { "vehicles_state",
	"SELECT (SELECT row_to_json(x) FROM (SELECT s.ts, s.odometer_km, "
	"s.latitude, s.longitude, s.rated_range_km, s.ideal_range_km, "
	"s.est_range_km, s.charge_energy_added_kwh, s.charger_power_kw, "
	"s.charge_rate_kmh, s.time_to_full_charge_h, s.speed_kmh, s.power_kw, "
	"s.elevation_m, s.inside_temp_c, s.outside_temp_c, s.battery_level, "
	"s.usable_battery_level, s.charge_limit_soc, s.charger_voltage, "
	"s.charger_actual_current, s.charger_phases, s.heading, "
	"s.is_climate_on, s.locked, s.sentry_mode, s.fast_charger_present, "
	"s.state, s.shift_state, s.charging_state, s.fast_charger_type, "
	"s.conn_charge_cable, s.software_version, "
	"greatest(0, floor(extract(epoch FROM now() - s.ts)))::bigint AS "
	"age_s, v.state AS sleep_state, v.state_changed_at "
	"FROM vehicle_states s WHERE s.vehicle_id = v.id "
	"ORDER BY s.ts DESC LIMIT 1) x), " UNITS_SAVED_SQL " "
	"FROM vehicles v WHERE v.account_id = $1 AND v.id = $2::uuid",
	2 };

int
h_vehicles_list(struct req *r)
{
	return reply_id_list(r, &q_list, 1);
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
	if ((res = req_exec(r, &q_get, p)) == NULL ||
	    (v = req_row_json(r, res, "vehicle")) == NULL)
		return r->status;
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
	if (PQgetisnull(res, 0, 0))
		return reply_error(r, 404, "no_state",
		    "no state recorded for this vehicle yet");
	/* SI as stored: PostgreSQL's JSON goes out as it is. */
	if (!imperial)
		return reply_json_text(r, 200, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
	if ((s = db_json(res, 0, 0)) == NULL)
		return reply_error(r, 500, NULL, "malformed row");
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
 * buckets of interval_s seconds, each the average of its samples per
 * field, except speed_kmh, which is the maximum: an average would smear a
 * 20-minute drive over a long bucket into a crawl, while a speed chart is
 * read for its peaks.  A field with no value in a bucket is null; a bucket
 * with no sample at all is omitted, so the points are sparse where the car
 * sent nothing.  docs/analytics.md ("History") has the whole story.
 *
 * Long buckets come from vehicle_rollups (sql/014_vehicle_rollups.sql):
 * sums and counts per car per 5 minutes, hour and 6 hours, kept by
 * triggers.  The interval is then rounded up to whole rollup buckets (the
 * coarsest rollup that adds at most a quarter) and the buckets are aligned
 * on that rollup's grid; only the partial rollup buckets at the two ends of
 * [from, to) are read from the raw rows, as the same fixed-point values
 * (tessie_fixed), so that rollup and raw rows agree to the last digit.
 * Shorter intervals read raw rows only, in buckets aligned on from, with a
 * plain avg().  A year in 500 points reads 1,460 six-hour rows instead of
 * 525,600 raw ones.  The statements are below (hist_sql); the numbers go
 * into the response as PostgreSQL wrote them.
 */
#define HIST_MAX_RANGE_S (400L * 86400)
#define HIST_MAX_POINTS 2000
#define HIST_MIN_INTERVAL_S 60
#define HIST_BODY_MAX (4 << 20)

static const char *const hist_fields[] = { "battery_level",
	"usable_battery_level", "odometer_km", "rated_range_km", "speed_kmh",
	"power_kw", "inside_temp_c", "outside_temp_c", "charger_power_kw",
	"charge_energy_added_kwh", "latitude", "longitude", "elevation_m" };

static const char hist_default[] =
    "battery_level,odometer_km,rated_range_km,speed_kmh,power_kw";

/* The rollups' bucket lengths, coarsest first. */
static const long hist_spans[] = { 21600, 3600, 300 };

/* Each field's fixed-point scale in the rollups; 0: the maximum (speed). */
static const double hist_scale[] = { 1, 1, 1e6, 1e6, 0, 1e6, 1e6, 1e6, 1e6, 1e6,
	1e9, 1e9, 1e6 };

/*
 * The statements are written for the set of fields asked (mask, a bit per
 * hist_fields[] entry): PostgreSQL reads and adds only those, where one
 * statement of all thirteen did two and a half times the work for the five
 * by default (two for the web app's chart).  Every statement has the same
 * columns -- 0 the bucket's start (epoch seconds), then hist_fields[] in
 * order, null where not asked, then whether the saved units are imperial
 * -- and the same parameters:
 *
 * $3 from, $4 to, $5 interval, $6 origin of the buckets, $7 and $8 the
 * part [$7, $8) read from the rollup of span $9 (all epoch seconds); the
 * rest of [$3, $4) comes from the raw rows, as the same fixed-point values
 * (tessie_fixed), so that rollup and raw rows agree to the last digit.
 * The raw statement (no rollup: an interval shorter than the smallest)
 * reads [$3, $4) with a plain avg(): with no rollup in the answer the
 * fixed-point sums would only triple the cost.
 *
 * The sums are added as float8, exact while a bucket's sum stays under
 * 2^53 (an odometer of 500,000 km for 12 days of one-minute rows; beyond,
 * a relative error of 1e-16), where numeric sums went through a decimal
 * string each; the interval and the origin are computed once per
 * execution (the sub-selects), not per row; the plan is made once per
 * connection (req_exec_generic).  make bench measures it (tests/bench/run.sh).
 */
#define HIST_BIN(ts)                                                           \
	"date_bin((SELECT make_interval(secs => $5::int)), " ts ", "           \
	"(SELECT to_timestamp($6::bigint)))"

static void
hist_sql_head(struct sbuf *sb, unsigned mask)
{
	size_t i;

	sbuf_adds(sb, "SELECT extract(epoch FROM b.t)::bigint");
	for (i = 0; i < nitems(hist_fields); i++)
		if (mask & 1u << i)
			sbuf_addf(sb, ", b.%s", hist_fields[i]);
		else
			sbuf_adds(sb, ", NULL::float8");
	sbuf_adds(sb,
	    ", " UNITS_SAVED_SQL " FROM vehicles v LEFT JOIN "
	    "LATERAL (SELECT ");
}

/* The rows of vehicle_states in [lo, hi) as rollup rows. */
static void
hist_sql_raw_part(
    struct sbuf *sb, unsigned mask, const char *lo, const char *hi)
{
	size_t i;

	sbuf_adds(sb, " UNION ALL SELECT " HIST_BIN("s.ts"));
	for (i = 0; i < nitems(hist_fields); i++) {
		const char *f = hist_fields[i];

		if (!(mask & 1u << i))
			continue;
		if (hist_scale[i] == 0)
			sbuf_addf(sb, ", s.%s", f);
		else
			sbuf_addf(sb,
			    ", (s.%s IS NOT NULL)::int, tessie_fixed(s.%s, "
			    "%g)",
			    f, f, hist_scale[i]);
	}
	sbuf_addf(sb,
	    " FROM vehicle_states s WHERE s.vehicle_id = v.id AND "
	    "s.ts >= to_timestamp(%s::bigint) AND "
	    "s.ts < to_timestamp(%s::bigint)",
	    lo, hi);
}

/* The statement over the rollup of span $9 (raw == 0) or raw rows. */
static char *
hist_sql(unsigned mask, int raw)
{
	struct sbuf sb;
	size_t i;

	sbuf_init(&sb, 1 << 16);
	hist_sql_head(&sb, mask);
	if (raw) {
		sbuf_adds(&sb, HIST_BIN("s.ts") " AS t");
		for (i = 0; i < nitems(hist_fields); i++)
			if (mask & 1u << i)
				/* float8: avg(smallint) is numeric */
				sbuf_addf(&sb, ", %s(s.%s%s) AS %s",
				    hist_scale[i] == 0 ? "max" : "avg",
				    hist_fields[i],
				    hist_scale[i] == 1 ? "::float8" : "",
				    hist_fields[i]);
		sbuf_adds(&sb,
		    " FROM vehicle_states s WHERE s.vehicle_id = "
		    "v.id AND s.ts >= to_timestamp($3::bigint) AND "
		    "s.ts < to_timestamp($4::bigint) GROUP BY 1");
	} else {
		sbuf_adds(&sb, "x.t");
		for (i = 0; i < nitems(hist_fields); i++) {
			const char *f = hist_fields[i];

			if (!(mask & 1u << i))
				continue;
			if (hist_scale[i] == 0)
				sbuf_addf(&sb, ", max(x.%s_max) AS %s", f, f);
			else
				sbuf_addf(&sb,
				    ", sum(x.%s_sum::float8) / (nullif(sum("
				    "x.%s_n), 0) * %g::float8) AS %s",
				    f, f, hist_scale[i], f);
		}
		sbuf_adds(&sb, " FROM (SELECT " HIST_BIN("r.bucket") " AS t");
		for (i = 0; i < nitems(hist_fields); i++) {
			const char *f = hist_fields[i];

			if (!(mask & 1u << i))
				continue;
			if (hist_scale[i] == 0)
				sbuf_addf(&sb, ", r.%s_max", f);
			else
				sbuf_addf(&sb, ", r.%s_n, r.%s_sum", f, f);
		}
		sbuf_adds(&sb,
		    " FROM vehicle_rollups r WHERE r.vehicle_id = v.id AND "
		    "r.span_s = $9::int AND r.bucket >= to_timestamp("
		    "$7::bigint) AND r.bucket < to_timestamp($8::bigint)");
		hist_sql_raw_part(&sb, mask, "$3", "$7");
		hist_sql_raw_part(&sb, mask, "$8", "$4");
		sbuf_adds(&sb, ") x GROUP BY x.t");
	}
	sbuf_adds(&sb,
	    ") b ON true WHERE v.account_id = $1::uuid AND v.id = "
	    "$2::uuid ORDER BY b.t");
	return sb.failed ? (sbuf_release(&sb), NULL) : sbuf_detach(&sb, NULL);
}

/*
 * The statement for mask, written once per worker.  At most HIST_CACHED
 * sets of fields are kept per kind; any other set is read with all of them
 * (the last entry), so a worker prepares a bounded number of statements.
 */
#define HIST_CACHED 16
static struct hist_stmt {
	unsigned mask;
	char name[32];
	struct db_stmt stmt;
} hist_cache[2][HIST_CACHED + 1];

static const struct db_stmt *
hist_stmt(unsigned mask, int raw)
{
	struct hist_stmt *c = hist_cache[raw != 0];
	const unsigned all = (1u << nitems(hist_fields)) - 1;
	char *sql;
	int i;

	for (;;) {
		for (i = 0; i < HIST_CACHED && c[i].stmt.sql != NULL; i++)
			if (c[i].mask == mask)
				return &c[i].stmt;
		if (i < HIST_CACHED)
			break; /* a free entry */
		if (mask == all) {
			if (c[i].stmt.sql != NULL)
				return &c[i].stmt;
			break;
		}
		mask = all;
	}
	if ((sql = hist_sql(mask, raw)) == NULL)
		return NULL;
	c[i].mask = mask;
	snprintf(c[i].name, sizeof(c[i].name), "vehicles_history%s_%x",
	    raw ? "_raw" : "", mask);
	c[i].stmt.name = c[i].name;
	c[i].stmt.nparams = raw ? 6 : 9;
	c[i].stmt.sql = sql;
	return &c[i].stmt;
}

/* The parsed query of a history request, and the buckets it makes. */
struct hist_query {
	long long from, to; /* epoch seconds, from < to */
	long interval; /* seconds per bucket */
	long span; /* the rollup's bucket length; 0: raw rows only */
	long long origin; /* the buckets start at origin + k * interval */
	long long roll_from, roll_to; /* the part read from the rollup */
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

/* t rounded down to a multiple of g (g > 0), for negative t as well. */
static long long
floor_to(long long t, long g)
{
	long long m = t % g;

	return m < 0 ? t - m - g : t - m;
}

/*
 * Lays the buckets out.  q->interval is what was asked, or what points
 * (0 for an explicit interval) make of the range.  With a rollup whose
 * span rounds the interval up by at most a quarter, the interval becomes
 * a whole number of spans and the buckets follow the span's grid, starting
 * at the one that holds from; otherwise they start at from.
 */
static void
hist_grid(struct hist_query *q, long points)
{
	long g = 0, up = 0;
	size_t i;

	for (i = 0; i < nitems(hist_spans); i++) {
		g = hist_spans[i];
		up = (q->interval + g - 1) / g * g;
		if (q->interval >= g && up * 4 <= q->interval * 5)
			break;
	}
	if (i == nitems(hist_spans)) {
		q->span = 0;
		q->origin = q->from;
		q->roll_from = q->roll_to = q->to;
		return;
	}
	q->span = g;
	q->origin = floor_to(q->from, g);
	if (points > 0)
		up = (long)((q->to - q->origin + points * g - 1) /
		    (points * g) * g);
	/* The grid may hold one bucket more than the range: never 2001. */
	while ((q->to - q->origin + up - 1) / up > HIST_MAX_POINTS)
		up += g;
	q->interval = up;
	q->roll_from = floor_to(q->from + g - 1, g);
	if (q->roll_from > q->to)
		q->roll_from = q->to;
	q->roll_to = floor_to(q->to, g);
	if (q->roll_to < q->roll_from)
		q->roll_to = q->roll_from;
}

/* Fills q from the query string; 0, or the status after replying 400. */
static int
hist_parse(struct req *r, struct hist_query *q)
{
	long points;
	long long range;
	int given;

	if (hist_time(r, "to", (long long)time(NULL), &q->to) != 0 ||
	    hist_time(r, "from", q->to - 86400, &q->from) != 0 ||
	    hist_interval(r, &q->interval) != 0 || hist_field_list(r, q) != 0)
		return r->status;
	if ((given = q->interval > 0) && req_query(r, "points") != NULL)
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
	if (!given) {
		q->interval = (long)((range + points - 1) / points);
		if (q->interval < HIST_MIN_INTERVAL_S)
			q->interval = HIST_MIN_INTERVAL_S;
	} else if ((range + q->interval - 1) / q->interval > HIST_MAX_POINTS)
		return reply_error(r, 400, "invalid_parameter",
		    "\"interval\" must be at least %llds for this range (at "
		    "most %d points)",
		    (range + HIST_MAX_POINTS - 1) / HIST_MAX_POINTS,
		    HIST_MAX_POINTS);
	hist_grid(q, given ? 0 : points);
	return 0;
}

/*
 * Whether s is a JSON number: PostgreSQL writes finite floats that way
 * ("82", "10.5", "1e-05"), and the averages of finite values are finite.
 */
static int
json_number_text(const char *s)
{
	const char *p = s + (*s == '-');

	if (*p < '0' || *p > '9')
		return 0;
	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p += p[1] == '+' || p[1] == '-' ? 2 : 1;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

/* Appends d, finite, in the fewest digits that read back as d. */
static void
hist_add_double(struct sbuf *sb, double d)
{
	char buf[32];

	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (prec == 17 || strtod(buf, NULL) == d)
			break;
	}
	sbuf_adds(sb, buf);
}

/*
 * The names the points carry (renamed in imperial units, where
 * units_to_imperial() says so) into name[k], and whether field k changes
 * unit into conv[k].
 */
static void
hist_names(const struct hist_query *q, int imperial, char name[][40], int *conv)
{
	for (int k = 0; k < q->nfield; k++) {
		const char *si = hist_fields[q->field[k]];
		json_t *o;

		snprintf(name[k], 40, "%s", si);
		conv[k] = 0;
		if (!imperial)
			continue;
		o = json_pack("{s:f}", si, 0.0);
		units_to_imperial(o);
		snprintf(name[k], 40, "%s",
		    json_object_iter_key(json_object_iter(o)));
		conv[k] = strcmp(name[k], si) != 0;
		json_decref(o);
	}
}

/*
 * Appends point i of res as a JSON object.  Numbers go out as PostgreSQL
 * wrote them, except in fields that change unit: those are converted by
 * units_to_imperial(), as every other response does.  0, or -1 for a value
 * that is not a number.
 */
static int
hist_add_point(struct sbuf *sb, PGresult *res, int i,
    const struct hist_query *q, char name[][40], const int *conv, int nconv)
{
	json_t *o = NULL;
	char ts[24];
	long long t;
	int k, rc = 0;

	/* The first bucket may start before from: its point is at from. */
	t = atoll(PQgetvalue(res, i, 0));
	time_rfc3339(t > q->from ? t : q->from, ts, sizeof(ts));
	sbuf_add(sb, "{\"ts\":\"", 7);
	sbuf_add(sb, ts, strlen(ts));
	sbuf_addc(sb, '"');
	if (nconv > 0) {
		o = json_object();
		for (k = 0; k < q->nfield; k++)
			if (conv[k] && !PQgetisnull(res, i, 1 + q->field[k]))
				json_object_set_new(o, hist_fields[q->field[k]],
				    json_real(strtod(
					PQgetvalue(res, i, 1 + q->field[k]),
					NULL)));
		units_to_imperial(o);
	}
	for (k = 0; k < q->nfield; k++) {
		int col = 1 + q->field[k];
		const char *v = PQgetvalue(res, i, col);

		sbuf_add(sb, ",\"", 2);
		sbuf_adds(sb, name[k]);
		sbuf_add(sb, "\":", 2);
		if (PQgetisnull(res, i, col))
			sbuf_add(sb, "null", 4);
		else if (conv[k])
			hist_add_double(
			    sb, json_number_value(json_object_get(o, name[k])));
		else if (json_number_text(v))
			sbuf_add(sb, v, (size_t)PQgetlength(res, i, col));
		else
			rc = -1;
	}
	sbuf_addc(sb, '}');
	json_decref(o);
	return rc;
}

int
h_vehicles_history(struct req *r)
{
	char from[24], to[24], interval[24], origin[24], rfrom[24], rto[24],
	    span[24], name[nitems(hist_fields)][40];
	const char *p[9];
	struct hist_query q;
	struct sbuf sb;
	PGresult *res;
	const struct db_stmt *stmt;
	unsigned mask = 0;
	int i, k, imperial, rc, conv[nitems(hist_fields)], nconv = 0, n = 0;

	if ((p[1] = req_uuid_param(r, 0, "vehicle id")) == NULL ||
	    units_from_query_only(r, &imperial) != 0 || hist_parse(r, &q) != 0)
		return r->status;
	snprintf(from, sizeof(from), "%lld", q.from);
	snprintf(to, sizeof(to), "%lld", q.to);
	snprintf(interval, sizeof(interval), "%ld", q.interval);
	snprintf(origin, sizeof(origin), "%lld", q.origin);
	snprintf(rfrom, sizeof(rfrom), "%lld", q.roll_from);
	snprintf(rto, sizeof(rto), "%lld", q.roll_to);
	snprintf(span, sizeof(span), "%ld", q.span);
	p[0] = r->account_id;
	p[2] = from;
	p[3] = to;
	p[4] = interval;
	p[5] = origin;
	p[6] = rfrom;
	p[7] = rto;
	p[8] = span;
	for (k = 0; k < q.nfield; k++)
		mask |= 1u << q.field[k];
	if ((stmt = hist_stmt(mask, q.span == 0)) == NULL)
		return reply_error(r, 500, NULL, "out of memory");
	if ((res = req_exec_generic(r, stmt, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "vehicle not found");
	if (imperial == -1)
		imperial =
		    PQgetvalue(res, 0, 1 + nitems(hist_fields))[0] == 't';
	hist_names(&q, imperial, name, conv);
	for (k = 0; k < q.nfield; k++)
		nconv += conv[k];

	/* The vehicle id was checked to be a UUID, the names are ours. */
	sbuf_init(&sb, HIST_BODY_MAX);
	time_rfc3339(q.from, from, sizeof(from));
	time_rfc3339(q.to, to, sizeof(to));
	sbuf_addf(&sb,
	    "{\"vehicle_id\":\"%s\",\"from\":\"%s\",\"to\":\"%s\","
	    "\"interval_s\":%ld,\"fields\":[",
	    p[1], from, to, q.interval);
	for (k = 0; k < q.nfield; k++)
		sbuf_addf(&sb, "%s\"%s\"", k > 0 ? "," : "", name[k]);
	sbuf_adds(&sb, "],\"points\":[");
	for (i = 0, rc = 0; i < PQntuples(res) && rc == 0; i++) {
		if (PQgetisnull(res, i, 0))
			continue; /* no bucket: the LEFT JOIN's empty row */
		if (n++ > 0)
			sbuf_addc(&sb, ',');
		rc = hist_add_point(&sb, res, i, &q, name, conv, nconv);
	}
	sbuf_adds(&sb, "]}");
	if (rc != 0 || sb.failed)
		rc = reply_error(r, 500, NULL,
		    rc != 0 ? "malformed row" : "answer too large");
	else
		rc = reply_json_text(r, 200, sb.buf, sb.len);
	sbuf_release(&sb);
	return rc;
}
