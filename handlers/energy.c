/*
 * Energy sites (Powerwall, solar) and the household they make together:
 *	GET /api/energy/sites[?cursor=&limit=]
 *	GET /api/energy/sites/:id              with its tariff, priced now
 *	GET /api/energy/sites/:id/live         the latest sample and its age
 *	GET /api/energy/sites/:id/history?from=&to=&granularity=
 *	GET /api/energy/household              every site summed, live too
 *	GET /api/energy/household/history?from=&to=&granularity=
 *	GET /api/energy/solar/stats?from=&to=&period=&site_id=
 * History and stats run on the local calendar of the site (of the first
 * site, for the household): docs/energy-api.md defines every figure, the
 * buckets, the caps on ranges and how sites in other zones are summed.
 * PostgreSQL does the calendar arithmetic; it writes the JSON of the
 * single-object answers, the series come as plain rows that
 * db_rows_json() writes.  Every query is filtered by the account of the
 * login token.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "fleet_parse.h"
#include "sbuf.h"
#include "handlers.h"
#include "util.h"

#define DAY_S 86400L

/* Most bytes of a series answer (8,928 points of 5 minutes take ~3 MB). */
#define SERIES_BODY_MAX (64 << 20)

#define SITE_JSON                                                              \
	"json_build_object('id', s.id, 'tesla_site_id', s.tesla_site_id, "     \
	"'site_name', s.site_name, 'time_zone', s.time_zone, "                 \
	"'battery_count', s.battery_count, 'total_capacity_kwh', "             \
	"s.total_capacity_kwh, 'nameplate_power_kw', s.nameplate_power_kw, "   \
	"'has_solar', s.has_solar, 'has_battery', s.has_battery, "             \
	"'backup_reserve_percent', s.backup_reserve_percent, "                 \
	"'operation_mode', s.operation_mode, 'tariff_id', s.tariff_id, "       \
	"'last_seen_at', s.last_seen_at, "                                     \
	"'created_at', s.created_at, 'updated_at', s.updated_at)"

static const struct db_stmt q_list = { "energy_sites_list",
	"SELECT " SITE_JSON " FROM energy_sites s "
	"WHERE s.account_id = $1::uuid AND ($2::uuid IS NULL OR s.id > "
	"$2::uuid) ORDER BY s.id LIMIT $3::int",
	3 };

/*
 * The site with its tariff priced now at the site's local time: Tesla's
 * by tessie_tesla_prices() (sql/017, as the charging costs are), a manual
 * flat one at its per_kwh, a manual tou one by tessie_tou_price().
 */
static const struct db_stmt q_get = { "energy_sites_get",
	"SELECT " SITE_JSON "::jsonb || jsonb_build_object('tariff', CASE "
	"WHEN t.id IS NOT NULL THEN jsonb_build_object('id', t.id, 'name', "
	"t.name, 'currency', t.currency, 'kind', t.kind, 'source', t.source, "
	"'valid', t.valid, 'problem', t.problem, 'local_time', to_char(now() "
	"AT TIME ZONE s.time_zone, 'YYYY-MM-DD\"T\"HH24:MI:SS'), "
	"'buy_per_kwh', CASE WHEN t.source = 'tesla' THEN p.buy WHEN t.kind = "
	"'flat' THEN (t.content->>'per_kwh')::float8 ELSE "
	"tessie_tou_price(t.content, now() AT TIME ZONE s.time_zone) END, "
	"'sell_per_kwh', p.sell) END) "
	"FROM energy_sites s LEFT JOIN tariffs t ON t.account_id = "
	"s.account_id AND t.id = s.tariff_id LEFT JOIN LATERAL (SELECT * FROM "
	"tessie_tesla_prices(t.content, now(), s.time_zone) WHERE t.source = "
	"'tesla') p ON true WHERE s.account_id = $1::uuid AND s.id = $2::uuid",
	2 };

static const struct db_stmt q_live = { "energy_sites_live",
	"SELECT (SELECT to_jsonb(e) || jsonb_build_object('age_s', "
	"greatest(0, floor(extract(epoch FROM now() - e.ts)))::bigint, "
	"'backup_reserve_percent', s.backup_reserve_percent, "
	"'operation_mode', s.operation_mode) "
	"FROM energy_states e WHERE e.site_id = s.id ORDER BY e.ts DESC "
	"LIMIT 1) FROM energy_sites s "
	"WHERE s.account_id = $1::uuid AND s.id = $2::uuid",
	2 };

/*
 * The household: every site of the account, oldest first, their sums, and
 * the sum of each site's latest sample.
 */
static const struct db_stmt q_household = { "energy_household",
	"SELECT json_build_object('time_zone', (array_agg(s.time_zone "
	"ORDER BY s.created_at, s.id))[1], 'site_count', count(*), "
	"'sites', coalesce(json_agg(" SITE_JSON " ORDER BY s.created_at, "
	"s.id), '[]'), 'battery_count', sum(s.battery_count), "
	"'total_capacity_kwh', sum(s.total_capacity_kwh), "
	"'nameplate_power_kw', sum(s.nameplate_power_kw), 'live', (SELECT "
	"CASE WHEN count(*) > 0 THEN json_build_object('sites_reporting', "
	"count(*), 'oldest_ts', min(e.ts), 'newest_ts', max(e.ts), 'age_s', "
	"greatest(0, floor(extract(epoch FROM now() - min(e.ts))))::bigint, "
	"'solar_power_w', sum(e.solar_power_w), 'battery_power_w', "
	"sum(e.battery_power_w), 'grid_power_w', sum(e.grid_power_w), "
	"'load_power_w', sum(e.load_power_w), 'generator_power_w', "
	"sum(e.generator_power_w), 'wall_connector_power_w', "
	"sum(e.wall_connector_power_w), 'energy_left_kwh', "
	"sum(e.energy_left_kwh), 'total_pack_energy_kwh', "
	"sum(e.total_pack_energy_kwh), 'battery_percent', 100 * "
	"sum(e.energy_left_kwh) / nullif(sum(e.total_pack_energy_kwh), 0)) "
	"END FROM energy_sites s2 CROSS JOIN LATERAL (SELECT * FROM "
	"energy_states x WHERE x.site_id = s2.id ORDER BY x.ts DESC LIMIT 1) "
	"e WHERE s2.account_id = $1::uuid)) "
	"FROM energy_sites s WHERE s.account_id = $1::uuid",
	1 };

/*
 * History and stats.  $1 account, $2 the site or NULL for all of them, $3
 * and $4 from and to (epoch seconds).  s: the sites; z: the zone of the
 * calendar (the site's, or the first site's); lim: the local days whose
 * midnight lies in [from, to), as [d0, d1), and the months likewise.
 */
#define CAL_CTE                                                                \
	"WITH s AS (SELECT id, time_zone, created_at FROM energy_sites "       \
	"WHERE account_id = $1::uuid AND ($2::uuid IS NULL OR id = "           \
	"$2::uuid)), z AS (SELECT time_zone AS tz FROM s ORDER BY "            \
	"created_at, id LIMIT 1), r AS (SELECT to_timestamp($3::bigint) AT "   \
	"TIME ZONE z.tz AS f, to_timestamp($4::bigint) AT TIME ZONE z.tz AS "  \
	"t FROM z), lim AS (SELECT f::date + (f::time > '00:00')::int AS d0, " \
	"t::date + (t::time > '00:00')::int AS d1, (date_trunc('month', f) + " \
	"CASE WHEN f > date_trunc('month', f) THEN interval '1 month' ELSE "   \
	"interval '0' END)::date AS m0, (date_trunc('month', t) + CASE WHEN "  \
	"t > date_trunc('month', t) THEN interval '1 month' ELSE interval "    \
	"'0' END)::date AS m1 FROM r) "

/*
 * The offset from UTC in whole seconds (an int) at the local midnight
 * that starts date d in zone tz, with one conversion: the midnight read as
 * UTC less the instant it is in tz.  A midnight the zone skips (a change
 * at 00:00) gets the offset before the change: the same instant as the
 * day's first local time.
 */
#define MIDNIGHT_OFF(d, tz)                                                    \
	"(date_part('epoch', (" d ")::timestamp) - date_part('epoch', "        \
	"(" d ")::timestamp AT TIME ZONE " tz "))::int"

/* The offset off (seconds) as "+HH:MM", its seconds dropped as by to_char. */
#define ISO_OFF(off)                                                           \
	"CASE WHEN " off " < 0 THEN '-' ELSE '+' END || lpad((abs(" off        \
	") / 3600)::text, 2, '0') || ':' || lpad((abs(" off                    \
	") / 60 % 60)::text, 2, '0')"

/* The local midnight of date text ds ('YYYY-MM-DD') at offset off. */
#define MIDNIGHT_ISO(ds, off) ds " || 'T00:00:00' || " ISO_OFF(off)

/*
 * An answer's rows: column 0 the zone of the calendar, then one column per
 * key of a point, in order (handlers write the head, db_rows_json() the
 * points).  A site with no points still has its row, every other column
 * NULL; no row: no such site.
 */
#define POINTS "SELECT z.tz, p.* FROM z LEFT JOIN LATERAL ("
#define POINTS_END ") p ON true"

/* Sums of Tesla's 5-minute buckets e (kWh), named as energy_daily's. */
#define BUCKET_SUMS                                                            \
	"sum(e.solar_energy_exported_kwh) AS solar_produced_kwh, "             \
	"sum(e.grid_energy_exported_from_solar_kwh) AS solar_exported_kwh, "   \
	"sum(e.grid_energy_imported_kwh) AS grid_imported_kwh, "               \
	"sum(coalesce(e.grid_energy_exported_from_solar_kwh, 0) + "            \
	"coalesce(e.grid_energy_exported_from_generator_kwh, 0) + "            \
	"coalesce(e.grid_energy_exported_from_battery_kwh, 0)) AS "            \
	"grid_exported_kwh, sum(coalesce("                                     \
	"e.battery_energy_imported_from_grid_kwh, 0) + coalesce("              \
	"e.battery_energy_imported_from_solar_kwh, 0) + coalesce("             \
	"e.battery_energy_imported_from_generator_kwh, 0)) AS "                \
	"battery_charged_kwh, sum(e.battery_energy_exported_kwh) AS "          \
	"battery_discharged_kwh, sum(coalesce("                                \
	"e.consumer_energy_imported_from_grid_kwh, 0) + coalesce("             \
	"e.consumer_energy_imported_from_solar_kwh, 0) + coalesce("            \
	"e.consumer_energy_imported_from_battery_kwh, 0) + coalesce("          \
	"e.consumer_energy_imported_from_generator_kwh, 0)) AS "               \
	"home_consumed_kwh, sum(e.consumer_energy_imported_from_solar_kwh) "   \
	"AS home_from_solar_kwh, "                                             \
	"sum(e.consumer_energy_imported_from_battery_kwh) AS "                 \
	"home_from_battery_kwh, "                                              \
	"sum(e.consumer_energy_imported_from_grid_kwh) AS home_from_grid_kwh "

/* Sums of energy_daily rows d. */
#define DAILY_SUMS                                                             \
	"sum(d.solar_produced_kwh) AS solar_produced_kwh, "                    \
	"sum(d.solar_exported_kwh) AS solar_exported_kwh, "                    \
	"sum(d.grid_imported_kwh) AS grid_imported_kwh, "                      \
	"sum(d.grid_exported_kwh) AS grid_exported_kwh, "                      \
	"sum(d.battery_charged_kwh) AS battery_charged_kwh, "                  \
	"sum(d.battery_discharged_kwh) AS battery_discharged_kwh, "            \
	"sum(d.home_consumed_kwh) AS home_consumed_kwh, "                      \
	"sum(" D_HOME_SOLAR ") AS home_from_solar_kwh, "                       \
	"sum(" D_HOME_BATTERY ") AS home_from_battery_kwh, "                   \
	"sum(" D_HOME_GRID ") AS home_from_grid_kwh "
#define D_HOME_SOLAR "d.home_from_solar_kwh"
#define D_HOME_BATTERY "d.home_from_battery_kwh"
#define D_HOME_GRID "d.home_from_grid_kwh"
#define D_IMPORT_COST "d.grid_import_cost::float8"
#define D_EXPORT_VALUE "d.grid_export_value::float8"
#define D_CURRENCY "d.currency"
#define C_SITE "c.site_id"

/* The energy figures of a point: the sums of a row g, under their names. */
#define ENERGY_COLS(g)                                                         \
	g ".solar_produced_kwh, " g ".solar_exported_kwh, " g                  \
	  ".grid_imported_kwh, " g ".grid_exported_kwh, " g                    \
	  ".battery_charged_kwh, " g ".battery_discharged_kwh, " g             \
	  ".home_consumed_kwh, " g ".home_from_solar_kwh, " g                  \
	  ".home_from_battery_kwh, " g ".home_from_grid_kwh"
#define H_COLS ENERGY_COLS("h")
#define G_COLS ENERGY_COLS("g")
#define D_COLS                                                                 \
	"d.solar_produced_kwh, d.solar_exported_kwh, d.grid_imported_kwh, "    \
	"d.grid_exported_kwh, d.battery_charged_kwh, "                         \
	"d.battery_discharged_kwh, d.home_consumed_kwh, " D_HOME_SOLAR         \
	" AS home_from_solar_kwh, " D_HOME_BATTERY " AS "                      \
	"home_from_battery_kwh, " D_HOME_GRID " AS home_from_grid_kwh"

/* Offsets: of a day's and of a month's midnight; of the instant h.b. */
#define D_OFF MIDNIGHT_OFF("d.local_date", "z.tz")
#define M_DATE "date_trunc('month', d.local_date)::date"
#define M_OFF MIDNIGHT_OFF(M_DATE, "z.tz")
#define H_OFF "(date_part('epoch', h.l) - date_part('epoch', h.b))::int"

/* The local starts of points: days, months, buckets. */
#define G_DAY_START MIDNIGHT_ISO("g.ds", "g.off")
#define G_MONTH_START MIDNIGHT_ISO("g.ms || '-01'", "g.off")
#define H_START "to_char(h.l, 'YYYY-MM-DD\"T\"HH24:MI:SS') || " ISO_OFF(H_OFF)

/*
 * Buckets of Tesla's 5-minute rows e, found at instants e.b, that start
 * in [from, to): b's local time l, one conversion per bucket.  Between
 * BUCKETS and BUCKETS_END: the rows e.
 */
#define BUCKETS                                                                \
	POINTS "SELECT " H_START " AS start, h.n AS buckets, " H_COLS " FROM " \
	       "(SELECT e.b, e.b AT TIME ZONE z.tz AS l, count(*) AS n, "      \
	       "" BUCKET_SUMS "FROM "
#define BUCKETS_END                                                            \
	" WHERE e.b >= to_timestamp($3::bigint) AND e.b < "                    \
	"to_timestamp($4::bigint) GROUP BY e.b) h ORDER BY h.b" POINTS_END

/* The 5-minute rows of the sites from instant since to to. */
#define BUCKET_ROWS(since)                                                     \
	"energy_history y WHERE y.site_id IN (SELECT id FROM s) AND "          \
	"y.period = '5min' AND y.ts >= " since " AND y.ts < "                  \
	"to_timestamp($4::bigint)"
#define ROWS_5MIN BUCKET_ROWS("to_timestamp($3::bigint)")
#define ROWS_HOUR BUCKET_ROWS("to_timestamp($3::bigint) - interval '1 hour'")

/* 5min from energy_history: the buckets as they are. */
static const struct db_stmt q_hist_5min = { "energy_hist_5min",
	CAL_CTE BUCKETS "(SELECT y.ts AS b, y.* FROM " ROWS_5MIN
			") e" BUCKETS_END,
	4 };

/*
 * hour from energy_history: an hour bucket starts at the instant minus its
 * local minutes and seconds, so the two 02:00 hours of an autumn night stay
 * apart.  One conversion per row (OFFSET 0 keeps l from being inlined
 * twice) and one per hour.
 */
static const struct db_stmt q_hist_hour = { "energy_hist_hour",
	CAL_CTE BUCKETS "(SELECT x.ts - (x.l - date_trunc('hour', x.l)) AS b, "
			"x.* FROM (SELECT y.*, y.ts AT TIME ZONE z.tz AS l "
			"FROM " ROWS_HOUR " OFFSET 0) x) e" BUCKETS_END,
	4 };

/* Local days from energy_daily, summed over the sites. */
static const struct db_stmt q_hist_day = { "energy_hist_day",
	CAL_CTE POINTS "SELECT g.ds AS date, " G_DAY_START " AS start, g.n AS "
		       "sites, " G_COLS ", g.source, g.flagged, "
		       "g.completeness FROM (SELECT d.local_date AS d, "
		       "to_char(d.local_date, 'YYYY-MM-DD') AS ds, " D_OFF
		       " AS off, count(*) AS n, " DAILY_SUMS ", CASE WHEN "
		       "bool_and(d.source = 'tesla') THEN 'tesla' WHEN "
		       "bool_and(d.source = 'samples') THEN 'samples' ELSE "
		       "'mixed' END AS source, bool_or(d.flagged) AS flagged, "
		       "min(d.completeness) AS completeness FROM energy_daily "
		       "d, lim WHERE d.site_id IN (SELECT id FROM s) AND "
		       "d.local_date >= lim.d0 AND d.local_date < lim.d1 GROUP "
		       "BY d.local_date) g ORDER BY g.d" POINTS_END,
	4 };

/*
 * The days of one site: energy_daily's rows as they are (a site has one a
 * day), figures as q_hist_day sums them.  OFFSET 0 keeps off from being
 * inlined three times.
 */
static const struct db_stmt q_hist_day_site = { "energy_hist_day_site",
	CAL_CTE POINTS "SELECT g.ds AS date, " G_DAY_START " AS start, "
		       "1::bigint AS sites, " G_COLS ", g.source, g.flagged, "
		       "g.completeness FROM (SELECT to_char(d.local_date, "
		       "'YYYY-MM-DD') AS ds, " D_OFF " AS off, " D_COLS
		       ", d.source, d.flagged, d.completeness FROM "
		       "energy_daily d, lim WHERE d.site_id IN (SELECT id FROM "
		       "s) AND d.local_date >= lim.d0 AND d.local_date < "
		       "lim.d1 ORDER BY d.local_date OFFSET 0) g" POINTS_END,
	4 };

/* Local calendar months: the sums of their days. */
static const struct db_stmt q_hist_month = { "energy_hist_month",
	CAL_CTE POINTS "SELECT g.ms AS month, " G_MONTH_START " AS start, "
		       "g.days, extract(day FROM g.m + interval '1 month' - "
		       "interval '1 day')::int AS days_in_month, "
		       "g.flagged_days, " G_COLS " FROM (SELECT " M_DATE
		       " AS m, to_char(" M_DATE ", 'YYYY-MM') AS ms, " M_OFF
		       " AS off, count(DISTINCT d.local_date) "
		       "AS days, count(DISTINCT d.local_date) FILTER (WHERE "
		       "d.flagged) AS flagged_days, " DAILY_SUMS "FROM "
		       "energy_daily d, lim WHERE d.site_id IN (SELECT id FROM "
		       "s) AND d.local_date >= lim.m0 AND d.local_date < "
		       "lim.m1 GROUP BY 1) g ORDER BY g.m" POINTS_END,
	4 };

/*
 * Solar stats per local day, month or year ($5) of the days in [d0, d1):
 * energy_daily summed (money only when one currency), and the charging of
 * the account's cars that started then.  Tesla's own rows that a derived
 * session stands for are left out, as in GET /api/charging/sessions.
 */
#define STATS_DAYS                                                             \
	"dd AS (SELECT date_trunc($5::text, d.local_date)::date AS p, "        \
	"count(DISTINCT d.local_date) AS days, " DAILY_SUMS ", "               \
	"sum(" D_IMPORT_COST ") AS import_cost, sum(" D_EXPORT_VALUE ") AS "   \
	"export_value, count(DISTINCT " D_CURRENCY ") AS ncur, "               \
	"min(" D_CURRENCY ") AS currency FROM energy_daily d, lim WHERE "      \
	"d.site_id IN (SELECT id FROM s) AND d.local_date >= lim.d0 AND "      \
	"d.local_date < lim.d1 GROUP BY 1) "

#define STATS_CHARGING                                                         \
	"cc AS (SELECT date_trunc($5::text, c.started_at AT TIME ZONE z.tz)"   \
	"::date AS p, count(*) AS sessions, sum(coalesce(c.energy_used_kwh, "  \
	"c.energy_added_kwh)::numeric) AS kwh, coalesce(sum(coalesce("         \
	"c.solar_share, 0)::numeric * coalesce(c.energy_used_kwh, "            \
	"c.energy_added_kwh)::numeric) FILTER (WHERE "                         \
	"$2::uuid IS NULL OR " C_SITE " = $2::uuid), 0) AS solar FROM "        \
	"charging_sessions c JOIN vehicles v ON v.id = c.vehicle_id, z, lim "  \
	"WHERE v.account_id = $1::uuid AND c.started_at >= "                   \
	"(lim.d0::timestamp AT TIME ZONE z.tz) AND c.started_at < "            \
	"(lim.d1::timestamp AT TIME ZONE z.tz) AND (c.derived OR NOT EXISTS "  \
	"(SELECT 1 FROM charging_sessions x WHERE x.vehicle_id = "             \
	"c.vehicle_id AND x.derived AND x.cost_source = 'tesla' AND "          \
	"x.started_at < coalesce(c.ended_at, c.started_at) + interval '10 "    \
	"minutes' AND coalesce(x.ended_at, x.started_at) > c.started_at - "    \
	"interval '10 minutes')) GROUP BY 1) "

/*
 * price: the period's average import price; self: solar used on site.
 * Materialized, so that off is worked out once per period.
 */
#define P_DATE "coalesce(dd.p, cc.p)"
#define P_OFF MIDNIGHT_OFF(P_DATE, "(SELECT tz FROM z)")
#define STATS_JOIN                                                             \
	"g AS MATERIALIZED (SELECT " P_DATE " AS per, to_char(" P_DATE ", "    \
	"'YYYY-MM-DD') AS ps, " P_OFF " AS off, dd.*, cc.sessions, cc.kwh, "   \
	"cc.solar, dd.solar_produced_kwh - coalesce(dd.solar_exported_kwh, "   \
	"0) AS self, CASE WHEN dd.ncur = 1 THEN dd.import_cost / "             \
	"nullif(dd.grid_imported_kwh, 0) END AS price FROM dd FULL JOIN cc "   \
	"ON cc.p = dd.p) "

#define G_PERIOD_START MIDNIGHT_ISO("g.ps", "g.off")
#define STATS_POINT                                                            \
	"g.ps AS period, " G_PERIOD_START " AS start, coalesce(g.days, 0) AS " \
	"days, g.solar_produced_kwh, g.self AS self_consumed_kwh, 100 * "      \
	"g.self / nullif(g.solar_produced_kwh, 0) AS self_consumption_pct, "   \
	"g.solar_exported_kwh, g.grid_exported_kwh, g.grid_imported_kwh, "     \
	"g.home_consumed_kwh, 100 * (g.home_consumed_kwh - "                   \
	"g.grid_imported_kwh) / nullif(g.home_consumed_kwh, 0) AS "            \
	"self_powered_pct, CASE WHEN g.ncur = 1 THEN g.currency END AS "       \
	"currency, CASE WHEN g.ncur = 1 THEN round(g.import_cost::numeric, "   \
	"2) END AS import_cost, CASE WHEN g.ncur = 1 THEN "                    \
	"round(g.export_value::numeric, 2) END AS export_value, "              \
	"round(g.price::numeric, 4) AS avg_import_price_per_kwh, "             \
	"round((g.self * g.price)::numeric, 2) AS avoided_import_cost, CASE "  \
	"WHEN g.ncur = 1 AND (g.price IS NOT NULL OR g.export_value IS NOT "   \
	"NULL) THEN round((coalesce(g.self * g.price, 0) + "                   \
	"coalesce(g.export_value, 0))::numeric, 2) END AS money_saved, "       \
	"coalesce(g.sessions, 0) AS charging_sessions, coalesce(g.kwh, 0) AS " \
	"charging_kwh, coalesce(g.solar, 0) AS charging_solar_kwh, (g.solar "  \
	"/ nullif(g.kwh, 0))::float8 AS charging_solar_share"

static const struct db_stmt q_stats = { "energy_solar_stats",
	CAL_CTE ", " STATS_DAYS ", " STATS_CHARGING ", " STATS_JOIN POINTS
		"SELECT " STATS_POINT " FROM g ORDER BY g.per" POINTS_END,
	5 };

/* ---- parameters ---- */

/*
 * Reads the RFC 3339 time parameter name into *t; *given says whether it
 * was there.  "+" decodes to a space in a query, so a space where an
 * offset starts counts as "+".  Returns 0, or the status after a 400.
 */
static int
energy_time(struct req *r, const char *name, long long *t, int *given)
{
	const char *v = req_query(r, name);
	char buf[64];
	size_t i, n;

	*given = v != NULL;
	if (v == NULL)
		return 0;
	if ((n = strlen(v)) < sizeof(buf)) {
		memcpy(buf, v, n + 1);
		for (i = 19; i < n; i++)
			if (buf[i] == ' ')
				buf[i] = '+';
		/* Years 0001 to 9999, as the answer writes them. */
		if (fleet_parse_time(buf, t) == 0 && *t >= -62135596800LL &&
		    *t <= 253402300799LL)
			return 0;
	}
	return reply_error(r, 400, "invalid_parameter",
	    "\"%s\" must be an RFC 3339 time such as 2026-01-31T00:00:00Z",
	    name);
}

/* A choice of granularity or period: its default range and its cap. */
struct span {
	const char *name;
	long def_days, max_days;
	const char *max_text; /* the cap, for messages */
	const struct db_stmt *stmt; /* for the household */
	const struct db_stmt *site_stmt; /* for one site */
};

static const struct span grans[] = {
	{ "5min", 1, 31, "31 days", &q_hist_5min, &q_hist_5min },
	{ "hour", 7, 366, "366 days", &q_hist_hour, &q_hist_hour },
	{ "day", 31, 3660, "10 years (3660 days)", &q_hist_day,
	    &q_hist_day_site },
	{ "month", 366, 50 * 366, "50 years (18300 days)", &q_hist_month,
	    &q_hist_month },
};

static const struct span periods[] = {
	{ "day", 31, 3660, "10 years (3660 days)", &q_stats, &q_stats },
	{ "month", 366, 50 * 366, "50 years (18300 days)", &q_stats, &q_stats },
	{ "year", 3660, 50 * 366, "50 years (18300 days)", &q_stats, &q_stats },
};

/*
 * The query parameter name as one of the n spans of tab (def when
 * absent), and from/to as epoch seconds in *from and *to: absent ones
 * default to now and the span's default range; to must be after from and
 * at most the span's cap later.  Returns the span, or NULL after a 400.
 */
static const struct span *
energy_range(struct req *r, const char *name, const struct span *tab, size_t n,
    const char *def, const char *list, long long *from, long long *to)
{
	const char *v = req_query(r, name);
	long long a, b;
	int has_a, has_b;
	size_t i;

	if (v == NULL)
		v = def;
	for (i = 0; i < n; i++)
		if (strcmp(v, tab[i].name) == 0)
			break;
	if (i == n) {
		reply_error(r, 400, "invalid_parameter", "\"%s\" must be %s",
		    name, list);
		return NULL;
	}
	if (energy_time(r, "from", &a, &has_a) != 0 ||
	    energy_time(r, "to", &b, &has_b) != 0)
		return NULL;
	if (!has_b)
		b = has_a ? a + tab[i].def_days * DAY_S : (long long)time(NULL);
	if (!has_a)
		a = b - tab[i].def_days * DAY_S;
	if (a >= b) {
		reply_error(r, 400, "invalid_parameter",
		    "\"from\" must be before \"to\"");
		return NULL;
	}
	if (b - a > tab[i].max_days * DAY_S) {
		reply_error(r, 400, "range_too_long",
		    "a range of %s %s is at most %s", name, tab[i].name,
		    tab[i].max_text);
		return NULL;
	}
	*from = a;
	*to = b;
	return &tab[i];
}

/* ---- handlers ---- */

int
h_energy_sites_list(struct req *r)
{
	return reply_id_list(r, &q_list, 0);
}

int
h_energy_sites_get(struct req *r)
{
	const char *p[2];
	PGresult *res;

	if ((p[1] = req_uuid_param(r, 0, "site id")) == NULL)
		return r->status;
	p[0] = r->account_id;
	if ((res = req_exec(r, &q_get, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "energy site not found");
	return reply_json_text(
	    r, 200, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

int
h_energy_sites_live(struct req *r)
{
	const char *p[2];
	PGresult *res;

	if ((p[1] = req_uuid_param(r, 0, "site id")) == NULL)
		return r->status;
	p[0] = r->account_id;
	if ((res = req_exec(r, &q_live, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "energy site not found");
	if (PQgetisnull(res, 0, 0))
		return reply_error(r, 404, "no_state",
		    "no live sample recorded for this site yet");
	return reply_json_text(
	    r, 200, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

int
h_energy_household(struct req *r)
{
	const char *p[1] = { r->account_id };
	PGresult *res;

	if ((res = req_exec(r, &q_household, p)) == NULL)
		return r->status;
	return reply_json_text(
	    r, 200, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

/*
 * Replies 200 with the answer of energy_series(): the head, then res's
 * points as "data" (columns 1 on; none when column 1 of the only row is
 * NULL).
 */
static int
energy_answer(struct req *r, const char *site, const char *name,
    const char *value, long long from, long long to, const PGresult *res)
{
	char id[40], ft[32], tt[32];
	struct sbuf sb;
	size_t i;
	int status;

	sbuf_init(&sb, SERIES_BODY_MAX);
	sbuf_adds(&sb, "{\"site_id\":");
	if (site == NULL) {
		sbuf_adds(&sb, "null");
	} else {
		/* As PostgreSQL writes a uuid: lower case. */
		for (i = 0; site[i] != '\0' && i + 1 < sizeof(id); i++)
			id[i] = (char)tolower((unsigned char)site[i]);
		id[i] = '\0';
		sbuf_addf(&sb, "\"%s\"", id);
	}
	sbuf_adds(&sb, ",\"time_zone\":");
	if (PQgetisnull(res, 0, 0))
		sbuf_adds(&sb, "null");
	else
		db_json_str(
		    &sb, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	time_rfc3339(from, ft, sizeof(ft));
	time_rfc3339(to, tt, sizeof(tt));
	sbuf_addf(&sb,
	    ",\"%s\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"data\":", name,
	    value, ft, tt);
	if (PQntuples(res) == 1 && PQgetisnull(res, 0, 1))
		sbuf_adds(&sb, "[]");
	else
		db_rows_json(&sb, res, 1);
	sbuf_adds(&sb, "}");
	status = sb.failed
	    ? reply_error(r, 500, NULL, "the answer does not fit in a response")
	    : reply_json_text(r, 200, sb.buf, sb.len);
	sbuf_release(&sb);
	return status;
}

/*
 * Runs a history or stats statement for site (NULL: the household) over
 * the range of the span of parameter name and replies with its points.
 * No site: 404 for a site, an empty answer for the household.
 */
static int
energy_series(struct req *r, const char *site, const char *name,
    const struct span *tab, size_t n, const char *def, const char *list)
{
	const struct span *sp;
	char from[24], to[24], empty[256];
	long long a, b;
	const char *p[5];
	PGresult *res;

	if ((sp = energy_range(r, name, tab, n, def, list, &a, &b)) == NULL)
		return r->status;
	snprintf(from, sizeof(from), "%lld", a);
	snprintf(to, sizeof(to), "%lld", b);
	p[0] = r->account_id;
	p[1] = site;
	p[2] = from;
	p[3] = to;
	p[4] = sp->name;
	if ((res = req_exec(r, site ? sp->site_stmt : sp->stmt, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0 && site != NULL)
		return reply_error(r, 404, NULL, "energy site not found");
	if (PQntuples(res) == 0) {
		snprintf(empty, sizeof(empty),
		    "{\"site_id\":null,\"time_zone\":null,\"%s\":\"%s\","
		    "\"data\":[]}",
		    name, sp->name);
		return reply_json_text(r, 200, empty, strlen(empty));
	}
	return energy_answer(r, site, name, sp->name, a, b, res);
}

#define GRAN_LIST "5min, hour, day or month"

int
h_energy_sites_history(struct req *r)
{
	const char *site;

	if ((site = req_uuid_param(r, 0, "site id")) == NULL)
		return r->status;
	return energy_series(
	    r, site, "granularity", grans, nitems(grans), "hour", GRAN_LIST);
}

int
h_energy_household_history(struct req *r)
{
	return energy_series(
	    r, NULL, "granularity", grans, nitems(grans), "hour", GRAN_LIST);
}

int
h_energy_solar_stats(struct req *r)
{
	const char *site = req_query(r, "site_id");

	if (site != NULL && !is_uuid(site))
		return reply_error(
		    r, 400, "invalid_parameter", "\"site_id\" must be a UUID");
	return energy_series(r, site, "period", periods, nitems(periods),
	    "month", "day, month or year");
}
