/*
 * Drives and charging sessions derived from a day of states written out in
 * derive.sql, against figures worked out by hand from those states (the
 * arithmetic is in the comments).  Definitions: docs/analytics.md.
 */
#include <sys/wait.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "stack.h"
#include "util.h"

#define CAR "'55555555-5555-4555-8555-555555555555'"

static char qout[65536]; /* the output of the last sql_rows() */

static void
t_load(void)
{
	ok(psql_file(NULL, "tests/integration/derive.sql") == 0,
	    "the day of states is stored");
	is_int(sync_job("analytics"), 0, "the analytics job runs");
}

static void
t_drives(void)
{
	char line[2][1024], b[128];
	char *out = sql_rows(qout, sizeof(qout),
	    "SELECT to_char(started_at AT TIME ZONE 'UTC', "
	    "'HH24:MI'), to_char(ended_at AT TIME ZONE 'UTC', "
	    "'HH24:MI'), complete, start_odometer_km, "
	    "end_odometer_km, distance_km, avg_speed_kmh, "
	    "max_speed_kmh, start_battery_level, end_battery_level, "
	    "start_rated_range_km, end_rated_range_km, "
	    "energy_used_kwh, (SELECT name FROM places WHERE id = "
	    "start_place_id), (SELECT name FROM places WHERE id = "
	    "end_place_id) FROM drives WHERE vehicle_id = " CAR
	    " ORDER BY started_at");
	char *nl = strchr(out, '\n');

	is_int(nl != NULL && strchr(nl + 1, '\n') == NULL, 1, "two drives");
	snprintf(
	    line[0], sizeof(line[0]), "%.*s", (int)(nl ? nl - out : 0), out);
	snprintf(line[1], sizeof(line[1]), "%s", nl ? nl + 1 : "");
	/* From the parked sample at 07:09 to the first parked one, 07:40. */
	is_str(field(line[0], 0, b, sizeof(b)), "07:09", "drive 1 starts");
	is_str(field(line[0], 1, b, sizeof(b)), "07:40", "drive 1 ends");
	is_str(field(line[0], 2, b, sizeof(b)), "t", "drive 1 complete");
	ok(text_near(field(line[0], 5, b, sizeof(b)), 15.0, 1e-6),
	    "drive 1: 1015 - 1000 = 15 km");
	/* 15 km in 31 minutes = 29.032 km/h. */
	ok(text_near(field(line[0], 6, b, sizeof(b)), 29.0323, 1e-3),
	    "drive 1: average 29.03 km/h");
	ok(text_near(field(line[0], 7, b, sizeof(b)), 60, 1e-6),
	    "drive 1: max 60");
	is_str(field(line[0], 8, b, sizeof(b)), "80", "drive 1: from 80 %");
	is_str(field(line[0], 9, b, sizeof(b)), "78", "drive 1: to 78 %");
	/*
	 * 18 rated km used x 186.4407 Wh per rated km (11 kWh added for 59
	 * rated km in the 20:05 charge) = 3.3559 kWh.
	 */
	ok(text_near(field(line[0], 12, b, sizeof(b)), 3.3559, 1e-3),
	    "drive 1: 3.356 kWh from rated range and the car's own charges");
	is_str(field(line[0], 13, b, sizeof(b)), "Derive home", "from home");
	is_str(field(line[0], 14, b, sizeof(b)), "Derive work", "to work");
	/* Parked at 07:49, 10 minutes of driving, then 51 minutes of
	 * nothing: closed at its last sample, 08:09, and marked so. */
	is_str(field(line[1], 0, b, sizeof(b)), "07:49", "drive 2 starts");
	is_str(field(line[1], 1, b, sizeof(b)), "08:09",
	    "drive 2 ends at its last sample, not stretched over the gap");
	is_str(field(line[1], 2, b, sizeof(b)), "f", "drive 2 incomplete");
	ok(text_near(field(line[1], 5, b, sizeof(b)), 5.0, 1e-6),
	    "drive 2: 1020 - 1015 = 5 km");
	ok(text_near(field(line[1], 12, b, sizeof(b)), 1.1186, 1e-3),
	    "drive 2: 6 rated km = 1.119 kWh");
}

static void
t_sessions(void)
{
	char b[128], *out, *l1, *l2;

	out = sql_rows(qout, sizeof(qout),
	    "SELECT to_char(started_at AT TIME ZONE 'UTC', 'DD HH24:MI'), "
	    "to_char(ended_at AT TIME ZONE 'UTC', 'HH24:MI'), complete, "
	    "energy_added_kwh, max_power_kw, avg_power_kw, charge_type, "
	    "charger_type, start_battery_level, end_battery_level, "
	    "start_rated_range_km, end_rated_range_km, cost, currency, "
	    "cost_source, (SELECT name FROM places WHERE id = place_id), "
	    "(SELECT count(*) FROM charging_samples s WHERE "
	    "s.session_id = c.id) FROM charging_sessions c WHERE "
	    "vehicle_id = " CAR " AND derived ORDER BY started_at");
	l1 = strchr(out, '\n');
	l2 = l1 ? strchr(l1 + 1, '\n') : NULL;
	ok(l2 != NULL && strchr(l2 + 1, '\n') == NULL,
	    "three sessions: home, home interrupted, Supercharger");
	if (l2 == NULL)
		return;
	*l1++ = '\0';
	*l2++ = '\0';
	/* First Charging sample 20:05, last 21:04. */
	is_str(field(out, 0, b, sizeof(b)), "05 20:05", "home charge starts");
	is_str(field(out, 1, b, sizeof(b)), "21:04", "and ends");
	ok(text_near(field(out, 3, b, sizeof(b)), 11.0, 1e-4),
	    "Tesla's counter: 11 kWh added");
	ok(text_near(field(out, 4, b, sizeof(b)), 11.0, 1e-4), "max 11 kW");
	/* 11 kWh in 59 minutes = 11.186 kW. */
	ok(text_near(field(out, 5, b, sizeof(b)), 11.1864, 1e-3),
	    "avg 11.19 kW");
	is_str(field(out, 6, b, sizeof(b)), "ac", "AC");
	is_str(field(out, 7, b, sizeof(b)), "wall connector", "wall connector");
	is_str(field(out, 8, b, sizeof(b)), "40", "from 40 %");
	is_str(field(out, 9, b, sizeof(b)), "60", "to 60 %");
	is_str(field(out, 15, b, sizeof(b)), "Derive home", "at home");
	is_str(field(out, 16, b, sizeof(b)), "60", "a 60-sample curve");
	/* 22:00-22:09 charging, stopped, 22:20-22:29 again: one session. */
	is_str(field(l1, 0, b, sizeof(b)), "05 22:00",
	    "the interrupted charge is one session");
	is_str(field(l1, 1, b, sizeof(b)), "22:29", "to its last Charging");
	ok(text_near(field(l1, 3, b, sizeof(b)), 2.0, 1e-4), "2 kWh in all");
	/* Supercharger: 50 kWh, 150 kW, 50 kWh in 19 minutes = 157.9 kW. */
	is_str(field(l2, 6, b, sizeof(b)), "dc", "DC");
	is_str(field(l2, 7, b, sizeof(b)), "Supercharger", "at a Supercharger");
	ok(text_near(field(l2, 3, b, sizeof(b)), 50.0, 1e-4), "50 kWh");
	ok(text_near(field(l2, 5, b, sizeof(b)), 157.8947, 1e-2),
	    "avg 157.9 kW");
	ok(text_near(field(l2, 12, b, sizeof(b)), 21.50, 1e-9) &&
		strcmp(field(l2, 13, b, sizeof(b)), "EUR") == 0,
	    "Tesla's bill: 21.50 EUR");
	is_str(field(l2, 14, b, sizeof(b)), "tesla", "cost from Tesla");
}

static void
t_recompute(void)
{
	char before[16384];
	const char *snap =
	    "SELECT string_agg(x::text, ';' ORDER BY x::text) "
	    "FROM (SELECT id, started_at, ended_at, distance_km, "
	    "energy_used_kwh, complete FROM drives UNION ALL "
	    "SELECT id, started_at, ended_at, energy_added_kwh, "
	    "cost, complete FROM charging_sessions) x";

	snprintf(before, sizeof(before), "%s",
	    sql_rows(qout, sizeof(qout), "%s", snap));
	is_int(sync_job("recompute"), 0, "recompute runs");
	is_str(sql_rows(qout, sizeof(qout), "%s", snap), before,
	    "and gives the same rows, with the same ids");
	is_int(sync_job("analytics"), 0, "the next analytics run");
	is_str(sql_rows(qout, sizeof(qout), "%s", snap), before,
	    "changes nothing either");
}

static char token[2048];

static void
t_api(void)
{
	const char *car = "55555555-5555-4555-8555-555555555555", *next;
	char path[512], id[64];
	struct resp r, r2;
	json_t *d;

	snprintf(path, sizeof(path), "/api/drives?vehicle_id=%s", car);
	http_get(&r, path, token);
	is_int(r.status, 200, "drives list");
	d = json_object_get(r.json, "data");
	is_int(json_array_size(d), 2, "two drives");
	is_str(json_string_value(
		   json_object_get(json_array_get(d, 0), "started_at")),
	    "2024-03-05T07:49:00+00:00", "newest first");
	ok(json_is_false(json_object_get(json_array_get(d, 0), "complete")),
	    "the cut drive says so");
	is_str(json_string_value(
		   json_object_get(json_array_get(d, 1), "start_place")),
	    "Derive home", "with place names");
	ok(fabs(json_number_value(json_object_get(
		    json_array_get(d, 1), "efficiency_wh_per_km")) -
	       223.73) < 0.1,
	    "efficiency: 3.3559 kWh / 15 km = 223.7 Wh/km");
	snprintf(id, sizeof(id), "%s",
	    json_string_value(json_object_get(json_array_get(d, 1), "id")));
	resp_free(&r);

	snprintf(path, sizeof(path), "/api/drives?vehicle_id=%s&limit=1", car);
	http_get(&r, path, token);
	next = json_string_value(json_object_get(r.json, "next_cursor"));
	ok(next != NULL, "limit=1 gives a next_cursor");
	snprintf(path, sizeof(path),
	    "/api/drives?vehicle_id=%s&limit=1&cursor=%s", car,
	    next ? next : "");
	http_get(&r2, path, token);
	is_str(json_string_value(json_object_get(
		   json_array_get(json_object_get(r2.json, "data"), 0), "id")),
	    id, "the next page has the older drive");
	ok(json_is_null(json_object_get(r2.json, "next_cursor")),
	    "and no page after it");
	resp_free(&r);
	resp_free(&r2);

	snprintf(path, sizeof(path), "/api/drives/%s?points=10", id);
	http_get(&r, path, token);
	is_int(r.status, 200, "one drive");
	ok(json_array_size(json_object_get(r.json, "path")) >= 2 &&
		json_array_size(json_object_get(r.json, "path")) <= 11,
	    "its path, downsampled to about 10 points");
	resp_free(&r);
	snprintf(path, sizeof(path), "/api/drives/%s?units=imperial", id);
	http_get(&r, path, token);
	ok(fabs(json_number_value(json_object_get(r.json, "distance_mi")) -
	       9.3206) < 1e-3,
	    "15 km = 9.321 mi in imperial");
	resp_free(&r);

	http_get(&r,
	    "/api/drives?from=2024-03-06T00:00:00Z&to=2024-03-05T00:00:00Z",
	    token);
	is_int(r.status, 400, "from after to is 400");
	resp_free(&r);
	http_get(&r, "/api/drives?from=yesterday", token);
	is_int(r.status, 400, "a malformed time is 400");
	resp_free(&r);
	http_get(&r, "/api/drives?cursor=abc", token);
	is_int(r.status, 400, "a forged cursor is 400");
	resp_free(&r);
	http_get(&r, "/api/drives?vehicle_id=7", token);
	is_int(r.status, 400, "a non-UUID vehicle is 400");
	resp_free(&r);
	http_get(&r, "/api/drives/44444444-4444-4444-8444-444444444444", token);
	is_int(r.status, 404, "an unknown drive is 404");
	resp_free(&r);
	http_get(&r, "/api/drives/x", token);
	is_int(r.status, 400, "a non-UUID drive is 400");
	resp_free(&r);
	http_get(&r, "/api/drives?limit=0", token);
	is_int(r.status, 400, "limit=0 is 400");
	resp_free(&r);

	snprintf(
	    path, sizeof(path), "/api/charging/sessions?vehicle_id=%s", car);
	http_get(&r, path, token);
	is_int(r.status, 200, "sessions list");
	d = json_object_get(r.json, "data");
	is_int(json_array_size(d), 3,
	    "three sessions: Tesla's own row is not listed twice");
	is_str(json_string_value(
		   json_object_get(json_array_get(d, 0), "currency")),
	    "EUR", "the Supercharger stop carries Tesla's bill");
	snprintf(id, sizeof(id), "%s",
	    json_string_value(json_object_get(json_array_get(d, 2), "id")));
	resp_free(&r);
	snprintf(path, sizeof(path), "/api/charging/sessions/%s", id);
	http_get(&r, path, token);
	if (!ok(json_array_size(json_object_get(r.json, "curve")) == 60,
		"a session with its 60-sample curve"))
		printf("#   %.300s\n", r.body.buf);
	resp_free(&r);
	snprintf(path, sizeof(path),
	    "/api/charging/stats?vehicle_id=%s&period=month", car);
	http_get(&r, path, token);
	is_int(r.status, 200, "charging stats");
	d = json_array_get(json_object_get(r.json, "data"), 0);
	is_int(json_integer_value(json_object_get(d, "sessions")), 3,
	    "3 sessions in March 2024");
	ok(fabs(json_number_value(json_object_get(d, "energy_added_kwh")) -
	       63.0) < 1e-3,
	    "11 + 2 + 50 = 63 kWh");
	ok(fabs(json_number_value(json_object_get(d, "dc_kwh")) - 50.0) < 1e-3,
	    "of which 50 kWh DC");
	ok(fabs(json_number_value(
		    json_object_get(json_object_get(d, "cost"), "EUR")) -
	       21.5) < 1e-9,
	    "costing 21.50 EUR");
	resp_free(&r);
	http_get(&r, "/api/charging/stats?period=fortnight", token);
	is_int(r.status, 400, "an unknown period is 400");
	resp_free(&r);
	http_get(&r,
	    "/api/charging/sessions/44444444-4444-4444-8444-444444444444",
	    token);
	is_int(r.status, 404, "an unknown session is 404");
	resp_free(&r);
}

static const char *
session_cost(const char *hhmm)
{
	return sql_rows(qout, sizeof(qout),
	    "SELECT coalesce(cost::text, 'null') || ' ' || "
	    "coalesce(currency, '-') || ' ' || coalesce(cost_source, "
	    "'-') FROM charging_sessions WHERE vehicle_id = " CAR
	    " AND derived AND to_char(started_at AT TIME ZONE 'UTC', "
	    "'DD HH24:MI') = '%s'",
	    hhmm);
}

static void
t_costs(void)
{
	struct resp r;
	char buf[128];

	/* Home charges at 0.30 EUR a kWh plus a 1.00 EUR fee. */
	psql_script(NULL,
	    "INSERT INTO tariffs (account_id, name, currency, kind, "
	    "content) SELECT id, 'Derive flat', 'EUR', 'flat', "
	    "'{\"per_kwh\": 0.30, \"session_fee\": 1.00}' FROM "
	    "accounts WHERE username = 'admin';\n"
	    "UPDATE places SET tariff_id = (SELECT id FROM tariffs "
	    "WHERE name = 'Derive flat') WHERE name = 'Derive home';\n");
	is_int(sync_job("analytics"), 0, "analytics costs the sessions");
	/* 11 kWh x 0.30 + 1.00 = 4.30; 2 kWh x 0.30 + 1.00 = 1.60 */
	snprintf(buf, sizeof(buf), "%s", session_cost("05 20:05"));
	is_str(strtok(buf, "\n"), "4.30 EUR tariff", "11 kWh flat: 4.30 EUR");
	snprintf(buf, sizeof(buf), "%s", session_cost("05 22:00"));
	is_str(strtok(buf, "\n"), "1.60 EUR tariff", "2 kWh flat: 1.60 EUR");
	snprintf(buf, sizeof(buf), "%s", session_cost("06 12:00"));
	is_str(strtok(buf, "\n"), "21.50 EUR tesla",
	    "the Supercharger keeps Tesla's bill");

	/*
	 * Time of use (the account's zone is UTC here): Tuesdays 20:00-22:00
	 * at 0.40, else 0.10.  20:05-21:04 is all in the window: 11 x 0.40 =
	 * 4.40; 22:00-22:29 is all outside: 2 x 0.10 = 0.20.
	 */
	psql_script(NULL,
	    "UPDATE tariffs SET kind = 'tou', content = "
	    "'{\"periods\": [{\"days\": [2], \"from\": \"20:00\", "
	    "\"to\": \"22:00\", \"per_kwh\": 0.40}], "
	    "\"default_per_kwh\": 0.10}' WHERE name = 'Derive flat';\n");
	http_send(
	    &r, "POST", "/api/charging/recompute-costs", token, NULL, NULL, 0);
	is_int(r.status, 200, "recompute the costs on request");
	is_int(json_integer_value(json_object_get(r.json, "changed")), 2,
	    "two sessions changed");
	resp_free(&r);
	snprintf(buf, sizeof(buf), "%s", session_cost("05 20:05"));
	is_str(strtok(buf, "\n"), "4.40 EUR tariff", "time of use: 4.40 EUR");
	snprintf(buf, sizeof(buf), "%s", session_cost("05 22:00"));
	is_str(strtok(buf, "\n"), "0.20 EUR tariff", "off-peak: 0.20 EUR");
	http_send(
	    &r, "POST", "/api/charging/recompute-costs", token, NULL, NULL, 0);
	is_int(json_integer_value(json_object_get(r.json, "changed")), 0,
	    "a second recompute changes nothing");
	resp_free(&r);

	psql_script(NULL,
	    "UPDATE places SET tariff_id = NULL WHERE name = "
	    "'Derive home';\n");
	http_send(
	    &r, "POST", "/api/charging/recompute-costs", token, NULL, NULL, 0);
	resp_free(&r);
	snprintf(buf, sizeof(buf), "%s", session_cost("05 20:05"));
	is_str(strtok(buf, "\n"), "null - -", "no tariff, no cost");
	http_send(
	    &r, "POST", "/api/charging/recompute-costs", NULL, NULL, NULL, 0);
	is_int(r.status, 401, "recomputing needs a login");
	resp_free(&r);
}

static const struct tap_test tests[] = {
	TAP(t_load),
	TAP(t_drives),
	TAP(t_sessions),
	TAP(t_recompute),
	TAP(t_api),
	TAP(t_costs),
};

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	login(token, sizeof(token));
	return tap_run(tests, nitems(tests));
}
