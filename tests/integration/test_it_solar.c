/*
 * Solar share and the real cost of home charging (issue 5,
 * docs/solar-share-and-costs.md, sql/017_solar_share_costs.sql), against
 * figures worked out by hand in the comments.
 *
 * The scene: an energy site "Solar Test" (Europe/Berlin, CEST = UTC+2 in
 * June) with a Tesla tariff in the shape of site_info.tariff_content_v2:
 *   Summer (1 Apr - 30 Sep), Winter (1 Oct - 31 Mar, wraps the year end);
 *   OFF_PEAK 22:00-06:00 every day (wraps midnight),
 *   ON_PEAK 17:00-21:00 Monday-Friday (fromDayOfWeek 0 = Monday .. 4),
 *   PARTIAL_PEAK the rest (weekdays 06-17 and 21-22, weekends 06-22);
 *   buy  Summer 0.20 / 0.30 / 0.45, Winter 0.22 / 0.32 / 0.50 EUR/kWh;
 *   sell Summer 0.08, Winter 0.06 (sell_tariff without its own seasons).
 * The place "Solar home" is linked to the site; the car "Solar Test"
 * charges there four times (a state a minute, Charging from t0 to t0 +
 * minutes, at a constant power), and the site reports a sample every 5
 * minutes around each charge (load = solar + battery + grid; the rest of
 * the house + the car = load).
 */
#include <sys/wait.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "stack.h"
#include "util.h"

#define CAR "'77777777-7777-4777-8777-000000000003'"
#define TARIFF "'77777777-7777-4777-8777-000000000001'"
#define SITE "'77777777-7777-4777-8777-000000000002'"

static char token[2048];
static char qout[65536]; /* the output of the last sql_rows() */

/*
 * The sessions (UTC; Berlin is UTC+2):
 *  1. Wed 12 June 10:00-11:00 (12-13 local, partial peak), 11 kW; solar
 *     9000 W, battery 0, rest of the house 1000 W.
 *  2. Wed 12 June 21:00-23:00 (23-01 local, off-peak), 11 kW; night: no
 *     solar, battery 0, rest 500 W.
 *  3. Thu 13 June 14:30:30-15:30:30 (16:30:30-17:30:30 local: partial
 *     peak, then on-peak from 17:00), 8 kW; no solar, rest 500 W.
 *  4. Sat 15 June 17:00-18:00 (19-20 local, weekend partial peak), 10 kW;
 *     solar 2000 W, Powerwall discharging 5000 W, rest 1000 W.
 */
static const char scene[] =
    "INSERT INTO tariffs (id, account_id, name, currency, kind,"
    " content, source)\n"
    "SELECT '77777777-7777-4777-8777-000000000001', id, 'Tesla"
    " 777', 'EUR', 'tou',"
    " '{\"version\":1,\"code\":\"T-TOU\",\"name\":\"Test"
    " TOU\",\"utility\":\"Test\",\"currency\":\"EUR\","
    " \"daily_charges\":[{\"name\":\"Charge\",\"amount\":0.5}],"
    " \"demand_charges\":{\"ALL\":{\"rates\":{\"ALL\":0}},\"Summe"
    "r\":{\"rates\":{}},\"Winter\":{\"rates\":{}}},"
    " \"energy_charges\":{\"ALL\":{\"rates\":{\"ALL\":0}},  "
    " \"Summer\":{\"rates\":{\"OFF_PEAK\":0.20,\"PARTIAL_PEAK\":0"
    ".30,\"ON_PEAK\":0.45}},  "
    " \"Winter\":{\"rates\":{\"OFF_PEAK\":0.22,\"PARTIAL_PEAK\":0"
    ".32,\"ON_PEAK\":0.50}}}, \"seasons\":{  "
    " \"Summer\":{\"fromMonth\":4,\"fromDay\":1,\"toMonth\":9,\"t"
    "oDay\":30,\"tou_periods\":{    "
    " \"OFF_PEAK\":{\"periods\":[{\"fromDayOfWeek\":0,\"toDayOfWe"
    "ek\":6,\"fromHour\":22,\"fromMinute\":0,\"toHour\":6,\"toMin"
    "ute\":0}]},    "
    " \"PARTIAL_PEAK\":{\"periods\":[{\"fromDayOfWeek\":0,\"toDay"
    "OfWeek\":4,\"fromHour\":6,\"toHour\":17},{\"fromDayOfWeek\":"
    "0,\"toDayOfWeek\":4,\"fromHour\":21,\"toHour\":22},{\"fromDa"
    "yOfWeek\":5,\"fromHour\":6,\"toHour\":22}]},    "
    " \"ON_PEAK\":{\"periods\":[{\"toDayOfWeek\":4,\"fromHour\":1"
    "7,\"toHour\":21}]}}},  "
    " \"Winter\":{\"fromMonth\":10,\"fromDay\":1,\"toMonth\":3,\""
    "toDay\":31,\"tou_periods\":{    "
    " \"OFF_PEAK\":[{\"fromDayOfWeek\":0,\"toDayOfWeek\":6,\"from"
    "Hour\":22,\"toHour\":6}],    "
    " \"PARTIAL_PEAK\":[{\"toDayOfWeek\":4,\"fromHour\":6,\"toHou"
    "r\":17},{\"toDayOfWeek\":4,\"fromHour\":21,\"toHour\":22},{"
    "\"fromDayOfWeek\":5,\"toDayOfWeek\":6,\"fromHour\":6,\"toHou"
    "r\":22}],    "
    " \"ON_PEAK\":[{\"fromDayOfWeek\":0,\"toDayOfWeek\":4,\"fromH"
    "our\":17,\"toHour\":21}]}}},"
    " \"sell_tariff\":{\"name\":\"Feed-in\",\"utility\":\"Test\","
    "   \"energy_charges\":{\"ALL\":{\"rates\":{\"ALL\":0}},    "
    " \"Summer\":{\"rates\":{\"OFF_PEAK\":0.08,\"PARTIAL_PEAK\":0"
    ".08,\"ON_PEAK\":0.08}},    "
    " \"Winter\":{\"rates\":{\"OFF_PEAK\":0.06,\"PARTIAL_PEAK\":0"
    ".06,\"ON_PEAK\":0.06}}}}}', 'tesla' FROM accounts WHERE"
    " username = 'admin';\n"
    "INSERT INTO energy_sites (id, account_id, tesla_site_id,"
    " site_name, time_zone, has_solar, has_battery, tariff_id)\n"
    "SELECT '77777777-7777-4777-8777-000000000002', id,"
    " 777000777, 'Solar Test', 'Europe/Berlin', true, true,"
    " '77777777-7777-4777-8777-000000000001' FROM accounts WHERE"
    " username = 'admin';\n"
    "INSERT INTO places (account_id, name, latitude, longitude,"
    " radius_m, energy_site_id)\n"
    "SELECT id, 'Solar home', 48.0, 11.0, 100,"
    " '77777777-7777-4777-8777-000000000002' FROM accounts WHERE"
    " username = 'admin';\n"
    "INSERT INTO vehicles (id, account_id, tesla_id, vin,"
    " display_name, state)\n"
    "SELECT '77777777-7777-4777-8777-000000000003', id,"
    " 7777777777777777, '5YJ3E1EA1KF777777', 'Solar Test',"
    " 'online' FROM accounts WHERE username = 'admin';\n"
    "-- charging samples: (start, minutes, kW), every minute,"
    " then Complete\n"
    "CREATE TEMP TABLE ch (t0 timestamptz, mins int, kw real,"
    " off interval);\n"
    "INSERT INTO ch VALUES ('2024-06-12 10:00+00', 60, 11, '0'),"
    " ('2024-06-12 21:00+00', 120, 11, '0'),\n"
    " ('2024-06-13 14:30:30+00', 60, 8, '0'), ('2024-06-15"
    " 17:00+00', 60, 10, '0');\n"
    "INSERT INTO vehicle_states (vehicle_id, ts, shift_state,"
    " charging_state, charge_energy_added_kwh, charger_power_kw,\n"
    "  charger_voltage, charger_actual_current, charger_phases,"
    " battery_level, rated_range_km, fast_charger_present,"
    " latitude, longitude)\n"
    "SELECT '77777777-7777-4777-8777-000000000003', t0 + i *"
    " interval '1 minute', 'P',\n"
    "  CASE WHEN i < 0 THEN 'Stopped' WHEN i <= mins THEN"
    " 'Charging' ELSE 'Complete' END,\n"
    "  kw * greatest(least(i, mins), 0) / 60.0, CASE WHEN i"
    " BETWEEN 0 AND mins THEN kw ELSE 0 END, 230, 16, 3,\n"
    "  50, 300, false, 48.0, 11.0\n"
    "FROM ch, generate_series(-2, mins + 2) i;\n"
    "-- site samples every 5 minutes around each session: (from,"
    " to, solar, battery, rest)\n"
    "CREATE TEMP TABLE ss (t0 timestamptz, t1 timestamptz, solar"
    " real, bat real, rest real, car real);\n"
    "INSERT INTO ss VALUES ('2024-06-12 09:55+00', '2024-06-12"
    " 11:05+00', 9000, 0, 1000, 11000),\n"
    " ('2024-06-12 20:55+00', '2024-06-12 23:05+00', 0, 0, 500,"
    " 11000),\n"
    " ('2024-06-13 14:25+00', '2024-06-13 15:35+00', 0, 0, 500,"
    " 8000),\n"
    " ('2024-06-15 16:55+00', '2024-06-15 18:05+00', 2000, 5000,"
    " 1000, 10000);\n"
    "INSERT INTO energy_states (site_id, ts, solar_power_w,"
    " battery_power_w, grid_power_w, load_power_w,"
    " wall_connector_power_w)\n"
    "SELECT '77777777-7777-4777-8777-000000000002', g, solar,"
    " bat, rest + car - solar - bat, rest + car, car\n"
    "FROM ss, generate_series(t0, t1, interval '5 minutes') g;\n";

static void
t_load(void)
{
	ok(psql_script(NULL, scene) == 0,
	    "the site, its tariff and the charges");
	is_str(sql_rows(qout, sizeof(qout),
		   "SELECT valid FROM tariffs WHERE id = " TARIFF),
	    "t", "the Tesla tariff is valid");
	is_int(sync_job("analytics"), 0, "the analytics job runs");
}

/* Buy and sell price of the scene's tariff at an instant, "buy|sell". */
static const char *
price(const char *at)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s",
	    sql_rows(qout, sizeof(qout),
		"SELECT coalesce(buy::text, 'null') || '|' || "
		"coalesce(sell::text, 'null') FROM tessie_tesla_prices(("
		"SELECT content FROM tariffs WHERE id = " TARIFF
		"), '%s', 'Europe/Berlin')",
		at));
	return buf;
}

static void
t_prices(void)
{
	/* Wednesday noon in June: Summer, weekday partial peak. */
	is_str(price("2024-06-12 12:00+02"), "0.3|0.08", "summer partial");
	is_str(price("2024-06-12 18:00+02"), "0.45|0.08", "weekday on-peak");
	/* Saturday 18:00: ON_PEAK is Monday-Friday only. */
	is_str(price("2024-06-15 18:00+02"), "0.3|0.08", "weekend partial");
	/* 22:00-06:00 wraps midnight: 23:30 and 05:59 off-peak, not 06:00. */
	is_str(price("2024-06-12 23:30+02"), "0.2|0.08", "23:30 off-peak");
	is_str(price("2024-06-13 05:59+02"), "0.2|0.08", "05:59 off-peak");
	is_str(price("2024-06-13 06:00+02"), "0.3|0.08", "06:00 partial");
	/* [17:00, 21:00): 20:59 on-peak, 21:00 partial again. */
	is_str(price("2024-06-12 20:59+02"), "0.45|0.08", "20:59 on-peak");
	is_str(price("2024-06-12 21:00+02"), "0.3|0.08", "21:00 partial");
	/* Winter wraps the year end: 1 Oct - 31 Mar. */
	is_str(price("2024-12-31 23:30+01"), "0.22|0.06", "31 Dec winter");
	is_str(price("2025-01-01 12:00+01"), "0.32|0.06", "1 Jan winter");
	is_str(price("2024-03-31 12:00+02"), "0.32|0.06", "31 Mar winter");
	is_str(price("2024-04-01 12:00+02"), "0.3|0.08", "1 Apr summer");
	/* In the site's zone: 16:30 UTC is 18:30 in Berlin, on-peak. */
	is_str(price("2024-06-12 16:30+00"), "0.45|0.08", "the site's zone");
	is_str(sql_rows(qout, sizeof(qout),
		   "SELECT coalesce(buy::text, 'null') || '|' || "
		   "coalesce(sell::text, 'null') FROM tessie_tesla_prices(("
		   "SELECT jsonb_set(content, '{seasons,Summer,fromMonth}', "
		   "to_jsonb('April'::text)) FROM tariffs WHERE id = " TARIFF
		   "), '2024-06-12 12:00+02', 'Europe/Berlin')"),
	    "null|null", "a malformed tariff has no prices");
	is_str(sql_rows(qout, sizeof(qout),
		   "SELECT coalesce(buy::text, 'null') || '|' || "
		   "coalesce(sell::text, 'null') FROM tessie_tesla_prices(("
		   "SELECT jsonb_set(content, "
		   "'{seasons,Summer,tou_periods,OFF_PEAK,periods}', "
		   "'[]') FROM tariffs WHERE id = " TARIFF
		   "), '2024-06-12 23:00+02', 'Europe/Berlin')"),
	    "null|null", "no period at that instant: no price");
	is_str(
	    sql_rows(qout, sizeof(qout),
		"SELECT coalesce(buy::text, 'null') || '|' || "
		"coalesce(sell::text, 'null') FROM tessie_tesla_prices(("
		"SELECT content - 'sell_tariff' FROM tariffs WHERE id = " TARIFF
		"), '2024-06-12 12:00+02', 'Europe/Berlin')"),
	    "0.3|0", "no sell_tariff: exports are paid nothing");
	is_str(sql_rows(qout, sizeof(qout),
		   "SELECT tessie_tesla_tariff_problem(jsonb_set(content, "
		   "'{energy_charges,Summer,rates,ON_PEAK}', "
		   "to_jsonb('high'::text))) FROM tariffs WHERE id = " TARIFF),
	    "rate \"Summer/ON_PEAK\" is not a number", "a problem is named");
}

/* Shares, kWh, coverage and cost of the session starting at hhmm (UTC). */
static const char *
session(const char *start)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s",
	    sql_rows(qout, sizeof(qout),
		"SELECT round(solar_share::numeric, 4), "
		"round(battery_share::numeric, 4), round(grid_share::numeric, "
		"4), round(solar_kwh::numeric, 3), round(battery_kwh::numeric, "
		"3), round(grid_kwh::numeric, 3), coalesce(cost::text, "
		"'null'), coalesce(currency, '-'), coalesce(cost_source, '-'), "
		"site_id = " SITE ", coalesce(tariff_id::text, '-') FROM "
		"charging_sessions WHERE vehicle_id = " CAR " AND derived AND "
		"started_at = '%s'",
		start));
	return buf;
}

static void
t_sessions(void)
{
	char b[64];
	const char *s;

	/*
	 * 1. Afternoon sun.  load = 1000 + 11000 = 12000 W, rest = load - car
	 * = 1000 W; solar for the car = clamp(9000 - 1000, 0, 11000) = 8000
	 * W; battery 0; grid = 11000 - 8000 = 3000 W.  Over one hour: 8 kWh
	 * solar, 3 kWh grid; shares 8/11 = 0.7273, 3/11 = 0.2727.
	 * Cost (export_price, the default): grid 3 kWh x 0.30 (partial peak)
	 * = 0.90, plus the solar's foregone export 8 kWh x 0.08 = 0.64:
	 * 1.54 EUR.
	 */
	s = session("2024-06-12 10:00+00");
	is_str(field(s, 0, b, sizeof(b)), "0.7273", "sun: solar share 8/11");
	is_str(field(s, 1, b, sizeof(b)), "0.0000", "sun: no Powerwall");
	is_str(field(s, 2, b, sizeof(b)), "0.2727", "sun: grid share 3/11");
	is_str(field(s, 3, b, sizeof(b)), "8.000", "sun: 8 kWh of solar");
	is_str(field(s, 5, b, sizeof(b)), "3.000", "sun: 3 kWh of grid");
	is_str(field(s, 6, b, sizeof(b)), "1.54", "sun: 0.90 + 0.64 EUR");
	is_str(field(s, 7, b, sizeof(b)), "EUR", "sun: in the tariff's EUR");
	is_str(field(s, 8, b, sizeof(b)), "tariff", "sun: cost from a tariff");
	is_str(field(s, 9, b, sizeof(b)), "t", "sun: at the site");
	is_str(field(s, 10, b, sizeof(b)),
	    "77777777-7777-4777-8777-000000000001", "sun: the site's tariff");
	/*
	 * 2. Night, off-peak.  No solar, no battery: all 11 kW from the
	 * grid for two hours = 22 kWh x 0.20 = 4.40 EUR.
	 */
	s = session("2024-06-12 21:00+00");
	is_str(field(s, 0, b, sizeof(b)), "0.0000", "night: no solar");
	is_str(field(s, 2, b, sizeof(b)), "1.0000", "night: all grid");
	is_str(field(s, 5, b, sizeof(b)), "22.000", "night: 22 kWh");
	is_str(field(s, 6, b, sizeof(b)), "4.40", "night: 22 x 0.20 = 4.40");
	/*
	 * 3. Across 17:00 local.  8 kW from 16:30:30 to 17:30:30: 29.5
	 * minutes at 0.30 and 30.5 minutes at 0.45, split at the boundary
	 * itself (not at the session's own minutes):
	 * 8 x (29.5 x 0.30 + 30.5 x 0.45) / 60 = 8 x 0.37625 = 3.01 EUR.
	 * (Pricing each minute of the session at its start would give
	 * 30 + 30 minutes: 3.00.)
	 */
	s = session("2024-06-13 14:30:30+00");
	is_str(field(s, 5, b, sizeof(b)), "8.000", "boundary: 8 kWh of grid");
	is_str(field(s, 6, b, sizeof(b)), "3.01",
	    "boundary: priced on each side of 17:00, 3.01 EUR");
	/*
	 * 4. The Powerwall helps.  load = 1000 + 10000 = 11000 W, rest =
	 * 1000 W; solar for the car = clamp(2000 - 1000, 0, 10000) = 1000;
	 * battery for the car = clamp(5000 - max(1000 - 2000, 0), 0, 10000 -
	 * 1000) = 5000; grid = 10000 - 1000 - 5000 = 4000 W (the site's grid
	 * = 11000 - 2000 - 5000 = 4000 W too).  Shares 0.1 / 0.5 / 0.4.
	 * Cost: (5 + 4) kWh x 0.30 (Saturday: partial) = 2.70, plus 1 kWh x
	 * 0.08 = 0.08: 2.78 EUR.
	 */
	s = session("2024-06-15 17:00+00");
	is_str(field(s, 0, b, sizeof(b)), "0.1000", "powerwall: solar 0.1");
	is_str(field(s, 1, b, sizeof(b)), "0.5000", "powerwall: battery 0.5");
	is_str(field(s, 2, b, sizeof(b)), "0.4000", "powerwall: grid 0.4");
	is_str(field(s, 4, b, sizeof(b)), "5.000", "powerwall: 5 kWh");
	is_str(field(s, 6, b, sizeof(b)), "2.78", "powerwall: 2.70 + 0.08");
}

static void
t_no_samples(void)
{
	char b[64];
	const char *s;

	/*
	 * Without the site's samples the shares are not guessed: null.  The
	 * cost stays at the site's tariff, all energy taken as grid: 11 kWh
	 * x 0.30 = 3.30 EUR.
	 */
	ok(psql_script(NULL,
	       "CREATE TABLE solar_keep AS SELECT * FROM "
	       "energy_states WHERE site_id = " SITE " AND ts < "
	       "'2024-06-12 12:00+00';\n"
	       "DELETE FROM energy_states WHERE site_id = " SITE
	       " AND ts < '2024-06-12 12:00+00';\n") == 0,
	    "the samples of the sunny charge are gone");
	is_int(sync_job("recompute"), 0, "recompute");
	s = session("2024-06-12 10:00+00");
	is_str(field(s, 0, b, sizeof(b)), "", "no samples: no solar share");
	is_str(field(s, 3, b, sizeof(b)), "", "no samples: no solar kWh");
	is_str(field(s, 6, b, sizeof(b)), "3.30",
	    "no samples: priced as grid, 11 x 0.30");
	ok(psql_script(NULL,
	       "INSERT INTO energy_states SELECT * FROM solar_keep;\n"
	       "DROP TABLE solar_keep;\n") == 0,
	    "the samples are back");
	is_int(sync_job("recompute"), 0, "recompute");
	is_str(field(session("2024-06-12 10:00+00"), 6, b, sizeof(b)), "1.54",
	    "the sunny charge costs 1.54 again");
}

static void
t_api(void)
{
	json_t *d, *t;
	struct resp r;
	char path[256], id[64];

	http_get(&r,
	    "/api/charging/sessions?vehicle_id="
	    "77777777-7777-4777-8777-000000000003",
	    token);
	is_int(r.status, 200, "the car's sessions");
	/* Newest first: the Saturday charge with the Powerwall. */
	d = json_array_get(json_object_get(r.json, "data"), 0);
	ok(fabs(json_number_value(json_object_get(d, "solar_share")) - 0.1) <
		    1e-4 &&
		fabs(json_number_value(json_object_get(d, "battery_share")) -
		    0.5) < 1e-4 &&
		fabs(json_number_value(json_object_get(d, "grid_share")) -
		    0.4) < 1e-4,
	    "shares 0.1 / 0.5 / 0.4 in the list");
	ok(fabs(json_number_value(json_object_get(d, "battery_kwh")) - 5) <
		1e-3,
	    "5 kWh from the Powerwall");
	t = json_object_get(d, "tariff");
	is_str(json_string_value(json_object_get(t, "name")), "Tesla 777",
	    "the tariff used, by name");
	is_str(json_string_value(json_object_get(t, "source")), "tesla",
	    "and its source");
	snprintf(id, sizeof(id), "%s",
	    json_string_value(json_object_get(d, "id")) ?: "");
	resp_free(&r);
	snprintf(path, sizeof(path), "/api/charging/sessions/%s", id);
	http_get(&r, path, token);
	is_int(r.status, 200, "one session");
	ok(fabs(json_number_value(json_object_get(r.json, "grid_kwh")) - 4) <
		1e-3,
	    "4 kWh from the grid");
	is_str(json_string_value(json_object_get(r.json, "site_id")),
	    "77777777-7777-4777-8777-000000000002", "at the site");
	is_str(json_string_value(
		   json_object_get(json_object_get(r.json, "tariff"), "id")),
	    "77777777-7777-4777-8777-000000000001", "the tariff's id");
	resp_free(&r);
}

static void
put_settings(struct resp *r, const char *body)
{
	http_send(r, "PUT", "/api/settings", token, "application/json", body,
	    strlen(body));
}

static void
t_mode(void)
{
	struct resp r;
	char b[64];

	http_get(&r, "/api/settings", token);
	is_str(json_string_value(json_object_get(r.json, "solar_cost_mode")),
	    "export_price", "solar is priced at the export price by default");
	resp_free(&r);
	put_settings(&r, "{\"solar_cost_mode\": \"free\"}");
	is_int(r.status, 200, "solar_cost_mode = free");
	is_str(json_string_value(json_object_get(r.json, "solar_cost_mode")),
	    "free", "saved");
	resp_free(&r);
	http_send(
	    &r, "POST", "/api/charging/recompute-costs", token, NULL, NULL, 0);
	is_int(r.status, 200, "recompute the costs on request");
	/* Only the two charges with solar change. */
	is_int(json_integer_value(json_object_get(r.json, "changed")), 2,
	    "two sessions change");
	resp_free(&r);
	/* 3 kWh x 0.30 = 0.90; 9 kWh x 0.30 = 2.70: solar for free. */
	is_str(field(session("2024-06-12 10:00+00"), 6, b, sizeof(b)), "0.90",
	    "sun: only the grid's 0.90 EUR");
	is_str(field(session("2024-06-15 17:00+00"), 6, b, sizeof(b)), "2.70",
	    "powerwall: 2.70 EUR");
	is_str(field(session("2024-06-12 21:00+00"), 6, b, sizeof(b)), "4.40",
	    "night: no solar, no change");

	put_settings(&r, "{\"solar_cost_mode\": \"gratis\"}");
	is_int(r.status, 400, "an unknown mode is 400");
	resp_free(&r);
	put_settings(&r, "{\"solar_cost_mode\": 0}");
	is_int(r.status, 400, "a number is 400");
	resp_free(&r);
	put_settings(&r, "{\"units\": \"si\", \"solar_cost_mode\": \"\"}");
	is_int(r.status, 400, "an empty mode is 400");
	resp_free(&r);
	is_str(sql_rows(qout, sizeof(qout),
		   "SELECT value #>> '{}' FROM settings s JOIN accounts a ON "
		   "a.id = s.account_id WHERE a.username = 'admin' AND key = "
		   "'solar_cost_mode'"),
	    "free", "nothing stored by bad input");

	put_settings(&r, "{\"solar_cost_mode\": \"export_price\"}");
	is_int(r.status, 200, "back to export_price");
	resp_free(&r);
	/* The next analytics run sees the setting changed. */
	is_int(sync_job("analytics"), 0, "analytics");
	is_str(field(session("2024-06-12 10:00+00"), 6, b, sizeof(b)), "1.54",
	    "the next analytics run prices solar at 0.08 again");
}

static void
t_malformed(void)
{
	char b[64];
	const char *s;

	/* As lib/sites.c stores site_info's tariff_content_v2 verbatim. */
	ok(psql_script(NULL,
	       "UPDATE tariffs SET content = jsonb_set(content, "
	       "'{seasons,Summer,tou_periods,ON_PEAK}', "
	       "'{\"periods\": [{\"fromHour\": \"five\"}]}') WHERE id = " TARIFF
	       ";\n") == 0,
	    "a malformed tariff is stored");
	is_str(sql_rows(qout, sizeof(qout),
		   "SELECT valid, problem FROM tariffs WHERE id = " TARIFF),
	    "f|period \"Summer/ON_PEAK\": \"fromHour\" is not an integer "
	    "0..24",
	    "flagged, with the problem");
	is_int(sync_job("analytics"), 0, "analytics runs through it");
	s = session("2024-06-12 10:00+00");
	is_str(field(s, 6, b, sizeof(b)), "null", "no cost from it");
	is_str(field(s, 10, b, sizeof(b)), "-", "nor a tariff");
	is_str(field(s, 0, b, sizeof(b)), "0.7273", "the shares stay");
	ok(psql_script(NULL,
	       "INSERT INTO tariffs (account_id, name, currency, kind, "
	       "content, source) SELECT id, 'Tesla broken', 'EUR', "
	       "'tou', '{\"energy_charges\": [1, 2]}', 'tesla' FROM "
	       "accounts WHERE username = 'admin';\n") == 0,
	    "another one is stored");
	is_str(sql_rows(qout, sizeof(qout),
		   "SELECT valid, problem FROM tariffs WHERE name = "
		   "'Tesla broken'"),
	    "f|\"energy_charges\" is missing or not an object",
	    "and flagged too");
	ok(psql_script(NULL,
	       "UPDATE tariffs SET content = jsonb_set(content, "
	       "'{seasons,Summer,tou_periods,ON_PEAK}', "
	       "'{\"periods\": [{\"toDayOfWeek\": 4, \"fromHour\": 17, "
	       "\"toHour\": 21}]}') WHERE id = " TARIFF ";\n"
	       "DELETE FROM tariffs WHERE name = 'Tesla broken';\n") == 0,
	    "the tariff is mended");
	is_str(sql_rows(qout, sizeof(qout),
		   "SELECT valid FROM tariffs WHERE id = " TARIFF),
	    "t", "valid again");
	is_int(sync_job("analytics"), 0, "analytics");
	is_str(field(session("2024-06-12 10:00+00"), 6, b, sizeof(b)), "1.54",
	    "a tariff change is picked up by the next run");
}

static void
t_daily(void)
{
	/*
	 * Tesla's 5-minute buckets of Wednesday 12 June (local): import 1 kWh
	 * at 12:00 (0.30), 2 kWh at 18:00 (0.45), 1 kWh at 23:30 (0.20);
	 * export 3 kWh of solar at 13:00 (0.08).  Cost 0.30 + 0.90 + 0.20 =
	 * 1.40 EUR; export value 3 x 0.08 = 0.24 EUR.  The bucket at 00:10 on
	 * the 13th belongs to the next day, which has no row here.  Thursday
	 * has a row and no buckets: nothing to price.
	 */
	ok(psql_script(NULL,
	       "INSERT INTO energy_daily (site_id, local_date, source) "
	       "VALUES (" SITE ", '2024-06-12', 'samples'), (" SITE
	       ", '2024-06-14', 'samples');\n"
	       "INSERT INTO energy_history (site_id, period, ts, "
	       "grid_energy_imported_kwh, "
	       "grid_energy_exported_from_solar_kwh) VALUES "
	       "(" SITE ", '5min', '2024-06-12 12:00+02', 1, 0), "
	       "(" SITE ", '5min', '2024-06-12 13:00+02', 0, 3), "
	       "(" SITE ", '5min', '2024-06-12 18:00+02', 2, 0), "
	       "(" SITE ", '5min', '2024-06-12 23:30+02', 1, 0), "
	       "(" SITE ", '5min', '2024-06-13 00:10+02', 5, 0);\n") == 0,
	    "two days, five buckets");
	is_int(sync_job("recompute"), 0, "recompute");
	is_str(sql_rows(qout, sizeof(qout),
		   "SELECT grid_import_cost, grid_export_value, currency FROM "
		   "energy_daily WHERE site_id = " SITE
		   " AND local_date = '2024-06-12'"),
	    "1.4000|0.2400|EUR", "1.40 EUR imported, 0.24 EUR exported");
	is_str(sql_rows(qout, sizeof(qout),
		   "SELECT coalesce(grid_import_cost::text, 'null'), "
		   "coalesce(currency, '-') FROM energy_daily WHERE site_id "
		   "= " SITE " AND local_date = '2024-06-14'"),
	    "null|-", "no buckets, no money");
	is_str(sql_rows(qout, sizeof(qout),
		   "SELECT count(*) FROM energy_daily WHERE site_id = " SITE),
	    "2", "no row is added");
}

static void
t_recompute(void)
{
	static char before[8192];
	const char *snap =
	    "SELECT started_at, site_id, solar_share, battery_share, "
	    "grid_share, solar_kwh, battery_kwh, grid_kwh, cost, currency, "
	    "cost_source, tariff_id FROM charging_sessions WHERE vehicle_id "
	    "= " CAR " ORDER BY started_at";

	snprintf(before, sizeof(before), "%s",
	    sql_rows(qout, sizeof(qout), "%s", snap));
	is_int(sync_job("recompute"), 0, "recompute");
	is_str(sql_rows(qout, sizeof(qout), "%s", snap), before,
	    "the same answer");
	is_int(sync_job("recompute"), 0, "recompute again");
	is_str(sql_rows(qout, sizeof(qout), "%s", snap), before,
	    "the same answer twice");
}

static const struct tap_test tests[] = {
	TAP(t_load),
	TAP(t_prices),
	TAP(t_sessions),
	TAP(t_no_samples),
	TAP(t_api),
	TAP(t_mode),
	TAP(t_malformed),
	TAP(t_daily),
	TAP(t_recompute),
};

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	login(token, sizeof(token));
	return tap_run(tests, nitems(tests));
}
