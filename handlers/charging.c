/*
 * Charging sessions (derived by the analytics job, plus Supercharger
 * sessions from Tesla's history; docs/analytics.md):
 *	GET /api/charging/sessions?vehicle_id=&from=&to=&limit=&cursor=
 *	GET /api/charging/sessions/:id        with its curve
 *	GET /api/charging/stats?vehicle_id=&from=&to=&period=month
 * Newest first, keyset-paginated like the drives.  A session at an energy
 * site carries its solar/Powerwall/grid split and the tariff it was
 * costed with (docs/solar-share-and-costs.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "handlers.h"
#include "units.h"
#include "util.h"

#define SESSION_JSON                                                           \
	"json_build_object('id', c.id, 'vehicle_id', c.vehicle_id, "           \
	"'started_at', c.started_at, 'ended_at', c.ended_at, "                 \
	"'complete', c.complete, 'duration_s', extract(epoch FROM "            \
	"c.ended_at - c.started_at)::int, 'energy_added_kwh', "                \
	"c.energy_added_kwh, 'energy_used_kwh', c.energy_used_kwh, "           \
	"'max_power_kw', c.max_power_kw, 'avg_power_kw', c.avg_power_kw, "     \
	"'charge_type', c.charge_type, 'charger_type', c.charger_type, "       \
	"'cable', c.cable, 'start_battery_level', c.start_battery_level, "     \
	"'end_battery_level', c.end_battery_level, "                           \
	"'start_rated_range_km', c.start_rated_range_km, "                     \
	"'end_rated_range_km', c.end_rated_range_km, 'place', (SELECT "        \
	"name FROM places WHERE id = c.place_id), 'location_name', "           \
	"c.location_name, 'cost', c.cost, 'currency', c.currency, "            \
	"'cost_source', c.cost_source, 'solar_share', c.solar_share, "         \
	"'battery_share', c.battery_share, 'grid_share', c.grid_share, "       \
	"'solar_kwh', c.solar_kwh, 'battery_kwh', c.battery_kwh, "             \
	"'grid_kwh', c.grid_kwh, 'site_id', c.site_id, 'tariff', (SELECT "     \
	"json_build_object('id', t.id, 'name', t.name, 'source', t.source) "   \
	"FROM tariffs t WHERE t.id = c.tariff_id), "                           \
	"'source', CASE WHEN c.derived THEN 'states' ELSE 'tesla' END) "

/* The keyset cursor of a listed session, a column of its own. */
#define SESSION_CURSOR                                                         \
	", (extract(epoch FROM c.started_at) * 1000000)::bigint || '_' || "    \
	"c.id "

/* Tesla's own rows that a derived session already stands for are left
 * out, so that a Supercharger stop is listed once. */
#define NOT_SHADOWED                                                           \
	"AND (c.derived OR NOT EXISTS (SELECT 1 FROM charging_sessions d "     \
	"WHERE d.vehicle_id = c.vehicle_id AND d.derived AND d.cost_source "   \
	"= 'tesla' AND d.started_at < coalesce(c.ended_at, c.started_at) "     \
	"+ interval '10 minutes' AND coalesce(d.ended_at, d.started_at) > "    \
	"c.started_at - interval '10 minutes')) "

static const struct db_stmt q_list = { "charging_list",
	"SELECT " SESSION_JSON SESSION_CURSOR "FROM charging_sessions c JOIN "
	"vehicles v ON "
	"v.id = c.vehicle_id WHERE v.account_id = $1::uuid "
	"AND ($2::uuid IS NULL OR c.vehicle_id = $2::uuid) "
	"AND ($3::timestamptz IS NULL OR c.started_at >= $3::timestamptz) "
	"AND ($4::timestamptz IS NULL OR c.started_at < $4::timestamptz) "
	"AND ($5::bigint IS NULL OR (c.started_at, c.id) < "
	"(to_timestamp($5::bigint / 1000000.0), $6::uuid)) " NOT_SHADOWED
	"ORDER BY c.started_at DESC, c.id DESC LIMIT $7::int",
	7 };

static const struct db_stmt q_get = { "charging_get",
	"SELECT " SESSION_JSON ", (SELECT json_agg(json_build_object("
	"'ts', s.ts, 'power_kw', s.charger_power_kw, 'energy_added_kwh', "
	"s.charge_energy_added_kwh, 'battery_level', s.battery_level, "
	"'rated_range_km', s.rated_range_km, 'voltage', s.charger_voltage, "
	"'current', s.charger_actual_current, 'phases', s.charger_phases) "
	"ORDER BY s.ts) FROM charging_samples s WHERE s.session_id = c.id) "
	"FROM charging_sessions c JOIN vehicles v ON v.id = c.vehicle_id "
	"WHERE v.account_id = $1::uuid AND c.id = $2::uuid",
	2 };

static const struct db_stmt q_stats = { "charging_stats",
	"SELECT json_build_object('period', to_char(date_trunc($5, "
	"c.started_at), 'YYYY-MM-DD'), 'vehicle_id', c.vehicle_id, "
	"'sessions', count(*), 'energy_added_kwh', coalesce(sum("
	"c.energy_added_kwh::numeric), 0), 'ac_kwh', coalesce(sum("
	"c.energy_added_kwh::numeric) FILTER (WHERE c.charge_type = 'ac'), "
	"0), 'dc_kwh', coalesce(sum(c.energy_added_kwh::numeric) FILTER "
	"(WHERE c.charge_type = 'dc'), 0), "
	"'cost', (SELECT coalesce(json_object_agg(cur, total), '{}') FROM "
	"(SELECT c2.currency AS cur, sum(c2.cost) AS total FROM "
	"charging_sessions c2 WHERE c2.vehicle_id = c.vehicle_id AND "
	"c2.id = ANY (array_agg(c.id)) AND c2.cost IS NOT NULL GROUP BY "
	"c2.currency) t), 'by_place', (SELECT coalesce(json_object_agg("
	"coalesce(pl, 'elsewhere'), kwh), '{}') FROM (SELECT (SELECT name "
	"FROM places WHERE id = c3.place_id) AS pl, "
	"sum(c3.energy_added_kwh::numeric) "
	"AS kwh FROM charging_sessions c3 WHERE c3.id = ANY (array_agg("
	"c.id)) GROUP BY 1) t)) "
	"FROM charging_sessions c JOIN vehicles v ON v.id = c.vehicle_id "
	"WHERE v.account_id = $1::uuid "
	"AND ($2::uuid IS NULL OR c.vehicle_id = $2::uuid) "
	"AND ($3::timestamptz IS NULL OR c.started_at >= $3::timestamptz) "
	"AND ($4::timestamptz IS NULL OR c.started_at < "
	"$4::timestamptz) " NOT_SHADOWED
	"GROUP BY c.vehicle_id, date_trunc($5, c.started_at) "
	"ORDER BY date_trunc($5, c.started_at) DESC, c.vehicle_id",
	5 };

/* The list of sessions, or of stats rows, as {"data": [...]}. */
int
h_charging_list(struct req *r)
{
	const char *p[7], *veh;
	char limit[24], us[24];
	PGresult *res;
	long n;
	int imperial;

	if (req_query_long(r, "limit", 50, 1, 500, &n) != 0 ||
	    units_from_query(r, &imperial) != 0 ||
	    req_time_range(r, &p[2], &p[3]) != 0 ||
	    req_keyset_cursor(r, us, sizeof(us), &p[4], &p[5]) != 0)
		return r->status;
	if ((veh = req_query(r, "vehicle_id")) != NULL && !is_uuid(veh))
		return reply_error(r, 400, "invalid_parameter",
		    "\"vehicle_id\" must be a UUID");
	snprintf(limit, sizeof(limit), "%ld", n + 1);
	p[0] = r->account_id;
	p[1] = veh;
	p[6] = limit;
	if ((res = req_exec(r, &q_list, p)) == NULL)
		return r->status;
	return reply_page(r, res, n, NULL, imperial);
}

int
h_charging_get(struct req *r)
{
	const char *p[2];
	PGresult *res;
	json_t *c, *curve;
	int imperial;

	if ((p[1] = req_uuid_param(r, 0, "session id")) == NULL ||
	    units_from_query(r, &imperial) != 0)
		return r->status;
	p[0] = r->account_id;
	if ((res = req_exec(r, &q_get, p)) == NULL ||
	    (c = req_row_json(r, res, "charging session")) == NULL)
		return r->status;
	curve = db_json(res, 0, 1);
	json_object_set_new(c, "curve", curve ? curve : json_array());
	if (imperial)
		units_to_imperial(c);
	return reply_json(r, 200, c);
}

int
h_charging_stats(struct req *r)
{
	static const char *const periods[] = { "day", "week", "month", "year" };
	const char *p[5], *veh, *period = req_query(r, "period");
	PGresult *res;
	json_t *data;
	size_t i;

	if (period == NULL)
		period = "month";
	for (i = 0; i < nitems(periods); i++)
		if (strcmp(period, periods[i]) == 0)
			break;
	if (i == nitems(periods))
		return reply_error(r, 400, "invalid_parameter",
		    "\"period\" must be day, week, month or year");
	if (req_time_range(r, &p[2], &p[3]) != 0)
		return r->status;
	if ((veh = req_query(r, "vehicle_id")) != NULL && !is_uuid(veh))
		return reply_error(r, 400, "invalid_parameter",
		    "\"vehicle_id\" must be a UUID");
	p[0] = r->account_id;
	p[1] = veh;
	p[4] = periods[i];
	if ((res = req_exec(r, &q_stats, p)) == NULL)
		return r->status;
	data = json_array();
	for (int k = 0; k < PQntuples(res); k++) {
		json_t *row = db_json(res, k, 0);

		if (row != NULL)
			json_array_append_new(data, row);
	}
	return reply_json(r, 200, json_pack("{s:o}", "data", data));
}

/*
 * POST /api/charging/recompute-costs: computes every session's energy
 * site, solar/Powerwall/grid shares and cost again (the site's Tesla
 * tariff, else its place's tariff), and prices the account's sites' days,
 * after a tariff, a place or the solar_cost_mode setting changed
 * (docs/solar-share-and-costs.md).  Returns {"changed": n}, the sessions
 * whose cost or tariff changed.  Tesla-billed Supercharger sessions are
 * left as billed.
 */
static const struct db_stmt q_recost = { "charging_recost",
	"SELECT tessie_cost_sessions($1::uuid, '-infinity'), (SELECT "
	"count(tessie_energy_daily_money(id, NULL, NULL)) FROM energy_sites "
	"WHERE account_id = $1::uuid)",
	1 };

int
h_charging_recompute_costs(struct req *r)
{
	const char *p[1] = { r->account_id };
	PGresult *res;

	if ((res = req_exec(r, &q_recost, p)) == NULL)
		return r->status;
	return reply_json(
	    r, 200, json_pack("{s:i}", "changed", atoi(PQgetvalue(res, 0, 0))));
}
