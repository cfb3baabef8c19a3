/*
 * The energy API against rows inserted here, in an account of its own (so
 * that the sites the sync tests discover do not count): sites and their
 * tariffs priced now, live samples and their age, history on the local
 * calendar (a Berlin spring day of 23 hours and an autumn day of 25,
 * Sydney's months), the household of two sites summed, solar stats, every
 * bad input refused, and another account's site invisible.  Every figure
 * below is worked out by hand from the rows inserted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "auth.h"
#include "stack.h"
#include "util.h"

#define ACCT "e0e0e0e0-0000-4000-8000-0000000000ac"
#define OTHER "00000000-0000-4000-8000-00000000000b"
#define BERLIN "e0e0e0e0-0000-4000-8000-000000000001"
#define SYDNEY "e0e0e0e0-0000-4000-8000-000000000002"
#define OTHERS "e0e0e0e0-0000-4000-8000-000000000003"
#define FLAT "e0e0e0e0-0000-4000-8000-000000000011"
#define TOU "e0e0e0e0-0000-4000-8000-000000000012"
#define CAR "e0e0e0e0-0000-4000-8000-000000000021"
#define NO_SUCH "99999999-9999-4999-8999-999999999999"

static char token[2048];

static void
sql_ok(const char *sql, const char *what)
{
	struct sbuf out = SBUF_INIT(1 << 16);

	if (!ok(psql_script(&out, sql) == 0 &&
		    strstr(out.buf, "ERROR") == NULL &&
		    strstr(out.buf, "No such file") == NULL,
		what))
		printf("#   %s\n", out.buf);
	sbuf_release(&out);
}

/* 1 when the database has table.column (a concurrent migration's). */
static int
has_column(const char *table, const char *column)
{
	struct sbuf out = SBUF_INIT(4096);
	char sql[256];
	int yes;

	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM information_schema.columns WHERE "
	    "table_name = '%s' AND column_name = '%s';",
	    table, column);
	yes = psql(&out, sql) == 0 && atoi(out.buf) > 0;
	sbuf_release(&out);
	return yes;
}

static const char seed[] =
    "INSERT INTO accounts (id, username) VALUES ('" ACCT "', 'energy-it');\n"
    "INSERT INTO tariffs (id, account_id, name, currency, kind, content, "
    "source) VALUES ('" FLAT "', '" ACCT "', 'it-flat', 'EUR', 'flat', "
    "'{\"per_kwh\": 0.30}', 'manual'), ('" TOU "', '" ACCT "', 'it-tesla', "
    "'AUD', 'tou', '{\"currency\": \"AUD\", \"seasons\": {\"Year\": "
    "{\"fromMonth\": 1, \"fromDay\": 1, \"toMonth\": 12, \"toDay\": 31, "
    "\"tou_periods\": {\"ON_PEAK\": {\"periods\": [{\"fromDayOfWeek\": 0, "
    "\"toDayOfWeek\": 6, \"fromHour\": 0, \"fromMinute\": 0, \"toHour\": "
    "0, \"toMinute\": 0}]}}}}, \"energy_charges\": {\"ALL\": {\"rates\": "
    "{\"ALL\": 0.02}}, \"Year\": {\"rates\": {\"ON_PEAK\": 0.40}}}, "
    "\"sell_tariff\": {\"energy_charges\": {\"Year\": {\"rates\": "
    "{\"ON_PEAK\": 0.08}}}}}', 'tesla');\n"
    "INSERT INTO energy_sites (id, account_id, tesla_site_id, site_name, "
    "time_zone, battery_count, total_capacity_kwh, nameplate_power_kw, "
    "has_solar, has_battery, tariff_id, created_at) VALUES "
    "('" BERLIN "', '" ACCT "', 9100000001, 'it-berlin', 'Europe/Berlin', "
    "2, 27, 10, true, true, '" FLAT "', '2020-01-01T00:00:00Z'), "
    "('" SYDNEY "', '" ACCT "', 9100000002, 'it-sydney', "
    "'Australia/Sydney', 1, 13.5, 5, true, true, '" TOU "', "
    "'2021-01-01T00:00:00Z'), "
    "('" OTHERS "', '" OTHER "', 9100000003, 'not-yours', 'UTC', 1, 13.5, "
    "5, true, true, NULL, '2019-01-01T00:00:00Z');\n"
    /* Berlin's spring day (23 h) and autumn day (25 h), 5-min buckets. */
    "INSERT INTO energy_history (site_id, period, ts, "
    "solar_energy_exported_kwh, grid_energy_imported_kwh, "
    "consumer_energy_imported_from_grid_kwh, "
    "consumer_energy_imported_from_solar_kwh, "
    "grid_energy_exported_from_solar_kwh) SELECT '" BERLIN
    "'::uuid, '5min', t, "
    "0.01, 0.02, 0.015, 0.005, 0.001 FROM generate_series("
    "'2026-03-28T23:00:00Z'::timestamptz, '2026-03-29T21:55:00Z', "
    "'5 minutes') t UNION ALL SELECT '" BERLIN
    "'::uuid, '5min', t, 0.01, 0.02, "
    "0.015, 0.005, 0.001 FROM generate_series("
    "'2026-10-24T22:00:00Z'::timestamptz, '2026-10-25T22:55:00Z', "
    "'5 minutes') t;\n"
    /* Sydney too, on the same instants as Berlin's first hour. */
    "INSERT INTO energy_history (site_id, period, ts, "
    "solar_energy_exported_kwh) SELECT '" SYDNEY "', '5min', t, 0.1 FROM "
    "generate_series('2026-03-28T23:00:00Z'::timestamptz, "
    "'2026-03-28T23:55:00Z', '5 minutes') t;\n"
    "INSERT INTO energy_daily (site_id, local_date, solar_produced_kwh, "
    "solar_exported_kwh, grid_imported_kwh, grid_exported_kwh, "
    "home_consumed_kwh, source, completeness, flagged, fetched_at) VALUES "
    "('" BERLIN "', '2026-03-28', 1, 0, 5, 0, 6, 'tesla', 1, false, now()), "
    "('" BERLIN "', '2026-03-29', 12, 2, 4, 2, 14, 'tesla', 1, false, "
    "now()), "
    "('" BERLIN "', '2026-03-30', 20, 5, 3, 5, 18, 'samples', 0.5, true, "
    "NULL), "
    "('" BERLIN "', '2026-04-01', 10, 4, 2, 4, 8, 'tesla', 1, false, now()), "
    "('" SYDNEY "', '2026-03-31', 30, 10, 1, 10, 21, 'tesla', 1, false, "
    "now()), "
    "('" SYDNEY "', '2026-04-01', 20, 6, 2, 6, 16, 'tesla', 0.9, true, "
    "now()), "
    "('" SYDNEY "', '2026-04-05', 25, 5, 1, 5, 21, 'tesla', 1, false, "
    "now()), "
    "('" OTHERS "', '2026-04-01', 99, 0, 0, 0, 99, 'tesla', 1, false, "
    "now());\n"
    "INSERT INTO vehicles (id, account_id, tesla_id, vin, display_name, "
    "model, state) VALUES ('" CAR "', '" ACCT "', 9100000099, "
    "'5YJ3E1EA7KF009999', 'it-energy', 'Model 3', 'asleep');\n"
    /* Home on solar 60 % of 10 kWh; a Supercharger stop of 30 kWh. */
    "INSERT INTO charging_sessions (vehicle_id, started_at, ended_at, "
    "energy_added_kwh, energy_used_kwh, solar_share, derived) VALUES "
    "('" CAR "', '2026-03-29T10:00:00Z', '2026-03-29T12:00:00Z', 9, 10, "
    "0.6, true), ('" CAR "', '2026-04-01T10:00:00Z', "
    "'2026-04-01T10:30:00Z', 29, 30, NULL, true);\n";

static void
setup(void)
{
	const char *secret = getenv("JWT_SECRET");
	char *issued = NULL;
	time_t exp;

	sql_ok(seed, "seed rows inserted");
	if (has_column("charging_sessions", "site_id"))
		sql_ok("UPDATE charging_sessions SET site_id = '" BERLIN "' "
		       "WHERE vehicle_id = '" CAR "' AND solar_share IS NOT "
		       "NULL;",
		    "the home session is at the Berlin site");
	jwt_issue((const uint8_t *)secret, strlen(secret), ACCT, time(NULL),
	    3600, &issued, &exp);
	snprintf(token, sizeof(token), "%s", issued ? issued : "");
	free(issued);
}

/* GETs path; the status must be want (else diagnostics). */
static void
get(struct resp *r, const char *path, long want, const char *what)
{
	http_get(r, path, token);
	if (r->status != want)
		printf("#   %s -> %ld %.300s\n", path, r->status, r->body.buf);
	is_int(r->status, want, what);
}

static double
num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int
near(double a, double b)
{
	return fabs(a - b) < 1e-6;
}

static json_t *
data(const struct resp *r)
{
	return json_object_get(r->json, "data");
}

static void
t_sites(void)
{
	struct resp r;
	json_t *t;
	char next[64];

	get(&r, "/api/energy/sites", 200, "GET /api/energy/sites");
	is_int(json_array_size(data(&r)), 2, "the account's two sites");
	resp_free(&r);
	get(&r, "/api/energy/sites?limit=1", 200, "a page of one");
	is_int(json_array_size(data(&r)), 1, "one site");
	is_str(str(json_array_get(data(&r), 0), "id"), BERLIN, "by id");
	snprintf(next, sizeof(next), "%s",
	    str(r.json, "next_cursor") ? str(r.json, "next_cursor") : "");
	is_str(next, BERLIN, "next_cursor is the last id");
	resp_free(&r);
	{
		char url[128];

		snprintf(url, sizeof(url),
		    "/api/energy/sites?limit=1&cursor=%s", next);
		get(&r, url, 200, "the second page");
		is_str(str(json_array_get(data(&r), 0), "id"), SYDNEY,
		    "holds the other site");
		ok(json_is_null(json_object_get(r.json, "next_cursor")),
		    "and is the last");
		resp_free(&r);
	}

	get(&r, "/api/energy/sites/" BERLIN, 200, "GET a site");
	is_str(str(r.json, "time_zone"), "Europe/Berlin", "its time zone");
	ok(near(num(r.json, "battery_count"), 2), "battery count 2");
	ok(near(num(r.json, "total_capacity_kwh"), 27), "capacity 27 kWh");
	t = json_object_get(r.json, "tariff");
	is_str(str(t, "name"), "it-flat", "tariff name");
	is_str(str(t, "currency"), "EUR", "tariff currency");
	is_str(str(t, "source"), "manual", "tariff source");
	ok(near(num(t, "buy_per_kwh"), 0.30), "flat: buys at 0.30 now");
	ok(json_is_null(json_object_get(t, "sell_per_kwh")),
	    "a manual tariff has no sell price");
	resp_free(&r);

	get(&r, "/api/energy/sites/" SYDNEY, 200, "GET the Tesla-tariff site");
	t = json_object_get(r.json, "tariff");
	is_str(str(t, "source"), "tesla", "Tesla's tariff");
	ok(json_is_true(json_object_get(t, "valid")), "valid");
	ok(near(num(t, "buy_per_kwh"), 0.42), "buy = 0.40 + the 0.02 base");
	ok(near(num(t, "sell_per_kwh"), 0.08), "sell = 0.08");
	resp_free(&r);
}

static void
t_live(void)
{
	struct resp r;
	json_t *l;
	double age;

	get(&r, "/api/energy/sites/" BERLIN "/live", 404,
	    "no sample yet is 404");
	is_str(resp_error_code(&r), "no_state", "code no_state");
	resp_free(&r);
	sql_ok("INSERT INTO energy_states (site_id, ts, solar_power_w, "
	       "battery_power_w, grid_power_w, load_power_w, energy_left_kwh, "
	       "total_pack_energy_kwh, battery_percent) VALUES "
	       "('" BERLIN "', now() - interval '600 seconds', 1, 0, 0, 1, "
	       "1, 27, 3.7), "
	       "('" BERLIN "', now() - interval '90 seconds', 4000, -1000, "
	       "-500, 2500, 13.5, 27, 50), "
	       "('" SYDNEY "', now() - interval '30 seconds', 2000, 500, 100, "
	       "2600, 6.75, 13.5, 50);",
	    "live samples inserted");
	get(&r, "/api/energy/sites/" BERLIN "/live", 200, "GET live");
	ok(near(num(r.json, "solar_power_w"), 4000), "the latest sample");
	age = num(r.json, "age_s");
	ok(age >= 90 && age < 150, "its age in seconds (90 and a bit)");
	resp_free(&r);

	get(&r, "/api/energy/household", 200, "GET /api/energy/household");
	is_int(num(r.json, "site_count"), 2, "two sites");
	is_str(
	    str(r.json, "time_zone"), "Europe/Berlin", "the first site's zone");
	ok(near(num(r.json, "battery_count"), 3), "3 batteries");
	ok(near(num(r.json, "total_capacity_kwh"), 40.5), "40.5 kWh");
	l = json_object_get(r.json, "live");
	ok(near(num(l, "solar_power_w"), 6000), "live solar 4000 + 2000 W");
	ok(near(num(l, "grid_power_w"), -400), "live grid -500 + 100 W");
	ok(near(num(l, "battery_percent"), 50), "20.25 of 40.5 kWh: 50 %");
	age = num(l, "age_s");
	ok(age >= 90 && age < 150, "age of the oldest latest sample");
	resp_free(&r);
}

/* The hours of Berlin's spring and autumn days. */
static void
t_history_hours(void)
{
	struct resp r;
	json_t *d;

	get(&r,
	    "/api/energy/sites/" BERLIN "/history?granularity=hour&"
	    "from=2026-03-29T00:00:00%2B01:00&to=2026-03-30T00:00:00%2B02:00",
	    200, "hours of 2026-03-29 in Berlin");
	d = data(&r);
	is_int(json_array_size(d), 23, "23 local hours");
	is_str(str(json_array_get(d, 0), "start"), "2026-03-29T00:00:00+01:00",
	    "the first at local midnight");
	is_str(str(json_array_get(d, 1), "start"), "2026-03-29T01:00:00+01:00",
	    "then 01:00");
	is_str(str(json_array_get(d, 2), "start"), "2026-03-29T03:00:00+02:00",
	    "then 03:00 summer time");
	is_str(str(json_array_get(d, 22), "start"), "2026-03-29T23:00:00+02:00",
	    "the last at 23:00");
	ok(near(num(json_array_get(d, 5), "solar_produced_kwh"), 0.12),
	    "12 buckets of 0.01 kWh solar");
	ok(near(num(json_array_get(d, 5), "home_consumed_kwh"), 0.24),
	    "home 12 x (0.015 + 0.005)");
	ok(near(num(json_array_get(d, 5), "grid_exported_kwh"), 0.012),
	    "export 12 x 0.001");
	is_int(num(json_array_get(d, 5), "buckets"), 12, "12 buckets");
	is_str(str(r.json, "time_zone"), "Europe/Berlin", "the zone");
	resp_free(&r);

	get(&r,
	    "/api/energy/sites/" BERLIN "/history?granularity=hour&"
	    "from=2026-10-24T22:00:00Z&to=2026-10-25T23:00:00Z",
	    200, "hours of 2026-10-25 in Berlin");
	d = data(&r);
	is_int(json_array_size(d), 25, "25 local hours");
	is_str(str(json_array_get(d, 2), "start"), "2026-10-25T02:00:00+02:00",
	    "02:00 summer time");
	is_str(str(json_array_get(d, 3), "start"), "2026-10-25T02:00:00+01:00",
	    "and 02:00 again, winter time");
	resp_free(&r);

	get(&r,
	    "/api/energy/sites/" BERLIN "/history?granularity=hour&"
	    "from=2026-03-29T00:30:00Z&to=2026-03-29T03:00:00Z",
	    200, "from in the middle of an hour");
	d = data(&r);
	is_int(json_array_size(d), 2, "only the hours starting in range");
	is_str(str(json_array_get(d, 0), "start"), "2026-03-29T03:00:00+02:00",
	    "the first whole one");
	resp_free(&r);

	get(&r,
	    "/api/energy/sites/" BERLIN "/history?granularity=5min&"
	    "from=2026-03-29T00:00:00Z&to=2026-03-29T02:00:00Z",
	    200, "5-minute buckets");
	is_int(json_array_size(data(&r)), 24, "24 in two hours");
	is_str(str(json_array_get(data(&r), 0), "start"),
	    "2026-03-29T01:00:00+01:00", "local start with offset");
	resp_free(&r);

	get(&r,
	    "/api/energy/household/history?granularity=hour&"
	    "from=2026-03-28T23:00:00Z&to=2026-03-29T01:00:00Z",
	    200, "the household's hours");
	d = data(&r);
	is_int(json_array_size(d), 2, "two hours");
	ok(near(num(json_array_get(d, 0), "solar_produced_kwh"), 0.12 + 1.2),
	    "Berlin's 0.12 + Sydney's 1.2 kWh in the same hour");
	ok(near(num(json_array_get(d, 1), "solar_produced_kwh"), 0.12),
	    "then Berlin's alone");
	resp_free(&r);
}

static void
t_history_days(void)
{
	struct resp r;
	json_t *d, *p;

	get(&r,
	    "/api/energy/sites/" BERLIN "/history?granularity=day&"
	    "from=2026-03-29T00:00:00%2B01:00&to=2026-03-31T00:00:00%2B02:00",
	    200, "days in Berlin");
	d = data(&r);
	is_int(json_array_size(d), 2, "the 29th and the 30th");
	p = json_array_get(d, 0);
	is_str(str(p, "date"), "2026-03-29", "the 29th");
	is_str(str(p, "start"), "2026-03-29T00:00:00+01:00", "starts +01:00");
	ok(near(num(p, "solar_produced_kwh"), 12), "12 kWh solar");
	ok(json_is_false(json_object_get(p, "flagged")), "not flagged");
	p = json_array_get(d, 1);
	is_str(str(p, "start"), "2026-03-30T00:00:00+02:00", "the 30th +02:00");
	ok(json_is_true(json_object_get(p, "flagged")), "flagged");
	ok(near(num(p, "completeness"), 0.5), "completeness 0.5");
	is_str(str(p, "source"), "samples", "from the samples");
	resp_free(&r);

	get(&r,
	    "/api/energy/sites/" SYDNEY "/history?granularity=month&"
	    "from=2026-03-01T00:00:00%2B11:00&to=2026-05-01T00:00:00%2B10:00",
	    200, "months in Sydney");
	d = data(&r);
	is_int(json_array_size(d), 2, "March and April");
	p = json_array_get(d, 0);
	is_str(str(p, "month"), "2026-03", "March");
	is_str(str(p, "start"), "2026-03-01T00:00:00+11:00", "starts AEDT");
	ok(near(num(p, "solar_produced_kwh"), 30), "the 31st's 30 kWh");
	p = json_array_get(d, 1);
	is_str(str(p, "start"), "2026-04-01T00:00:00+11:00",
	    "April starts before DST ends (5 April)");
	ok(near(num(p, "solar_produced_kwh"), 45), "20 + 25 kWh");
	is_int(num(p, "days"), 2, "two days with data");
	is_int(num(p, "days_in_month"), 30, "of 30");
	is_int(num(p, "flagged_days"), 1, "one flagged");
	resp_free(&r);

	get(&r,
	    "/api/energy/sites/" SYDNEY "/history?granularity=month&"
	    "from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z",
	    200, "months from 1 March UTC (11:00 in Sydney)");
	is_int(json_array_size(data(&r)), 1, "March started before: April");
	is_str(str(json_array_get(data(&r), 0), "month"), "2026-04", "April");
	resp_free(&r);

	get(&r,
	    "/api/energy/household/history?granularity=day&"
	    "from=2026-04-01T00:00:00%2B02:00&to=2026-04-02T00:00:00%2B02:00",
	    200, "the household's day");
	p = json_array_get(data(&r), 0);
	is_int(json_array_size(data(&r)), 1, "one day");
	ok(near(num(p, "solar_produced_kwh"), 30), "10 + 20 kWh, two sites");
	is_int(num(p, "sites"), 2, "from two sites");
	ok(json_is_true(json_object_get(p, "flagged")),
	    "flagged when one site's day is");
	ok(near(num(p, "completeness"), 0.9), "the lowest completeness");
	resp_free(&r);
}

static void
t_stats(void)
{
	int money = has_column("energy_daily", "grid_import_cost");
	struct resp r;
	json_t *p;

	if (money)
		sql_ok(
		    "UPDATE energy_daily SET grid_import_cost = "
		    "grid_imported_kwh * 0.25, grid_export_value = "
		    "grid_exported_kwh * 0.1, currency = 'EUR' WHERE site_id "
		    "= '" BERLIN "';",
		    "Berlin's days costed");
	get(&r,
	    "/api/energy/solar/stats?period=month&site_id=" BERLIN
	    "&from=2026-03-01T00:00:00%2B01:00&to=2026-05-01T00:00:00%2B02:00",
	    200, "Berlin's solar stats by month");
	is_int(json_array_size(data(&r)), 2, "March and April");
	p = json_array_get(data(&r), 0);
	is_str(str(p, "period"), "2026-03-01", "March");
	ok(near(num(p, "solar_produced_kwh"), 33), "1 + 12 + 20 kWh");
	ok(near(num(p, "self_consumed_kwh"), 26), "33 - 7 exported");
	ok(near(num(p, "grid_imported_kwh"), 12), "5 + 4 + 3 imported");
	ok(near(num(p, "charging_kwh"), 10), "10 kWh charged in March");
	/* A session's site comes with sql/017; until then none is here. */
	ok(near(num(p, "charging_solar_share"),
	       has_column("charging_sessions", "site_id") ? 0.6 : 0),
	    "60 % of it solar from this site");
	if (money) {
		ok(near(num(p, "import_cost"), 3), "12 kWh at 0.25");
		ok(near(num(p, "export_value"), 0.7), "7 kWh at 0.10");
		ok(near(num(p, "money_saved"), 26 * 0.25 + 0.7),
		    "26 kWh at 0.25 + 0.70");
	} else {
		ok(json_is_null(json_object_get(p, "money_saved")),
		    "no costs yet (sql/017 not applied)");
	}
	p = json_array_get(data(&r), 1);
	ok(near(num(p, "charging_kwh"), 30), "April: the Supercharger's 30");
	ok(near(num(p, "charging_solar_share"), 0), "none of it solar");
	resp_free(&r);

	get(&r,
	    "/api/energy/solar/stats?period=year&"
	    "from=2026-01-01T00:00:00%2B01:00&to=2027-01-01T00:00:00%2B01:00",
	    200, "the household's year");
	p = json_array_get(data(&r), 0);
	is_int(json_array_size(data(&r)), 1, "one year");
	ok(near(num(p, "solar_produced_kwh"), 43 + 75), "both sites' solar");
	ok(near(num(p, "charging_solar_share"), 6.0 / 40), "6 of 40 kWh");
	resp_free(&r);
}

/* GET path is refused with status and code. */
static void
refused(const char *path, long status, const char *code, const char *what)
{
	char msg[256];
	struct resp r;

	http_get(&r, path, token);
	snprintf(msg, sizeof(msg), "%s: %ld", what, status);
	if (r.status != status)
		printf("#   %s -> %ld %.300s\n", path, r.status, r.body.buf);
	is_int(r.status, status, msg);
	snprintf(msg, sizeof(msg), "%s: code %s", what, code);
	is_str(resp_error_code(&r), code, msg);
	resp_free(&r);
}

#define H "/api/energy/sites/" BERLIN "/history"

static void
t_bad(void)
{
	struct resp r;

	refused("/api/energy/sites/" NO_SUCH, 404, "not_found", "unknown site");
	refused("/api/energy/sites/" NO_SUCH "/live", 404, "not_found",
	    "unknown site's live");
	refused("/api/energy/sites/" NO_SUCH "/history", 404, "not_found",
	    "unknown site's history");
	refused("/api/energy/sites/" OTHERS, 404, "not_found",
	    "another account's site");
	refused("/api/energy/sites/" OTHERS "/live", 404, "not_found",
	    "another account's live");
	refused("/api/energy/sites/" OTHERS "/history?granularity=day&"
		"from=2026-04-01T00:00:00Z&to=2026-04-02T00:00:00Z",
	    404, "not_found", "another account's history");
	refused("/api/energy/solar/stats?site_id=" OTHERS, 404, "not_found",
	    "another account's stats");
	refused("/api/energy/solar/stats?site_id=" NO_SUCH, 404, "not_found",
	    "an unknown site's stats");
	refused(
	    "/api/energy/sites/not-a-uuid", 400, "invalid_id", "a non-UUID id");
	refused(
	    "/api/energy/sites/1234/live", 400, "invalid_id", "a number as id");
	refused("/api/energy/sites/not-a-uuid/history", 400, "invalid_id",
	    "a non-UUID id in history");
	refused("/api/energy/solar/stats?site_id=42", 400, "invalid_parameter",
	    "a non-UUID site_id");
	refused(H "?granularity=week", 400, "invalid_parameter",
	    "granularity week");
	refused(H "?granularity=", 400, "invalid_parameter",
	    "an empty granularity");
	refused(H "?granularity=HOUR", 400, "invalid_parameter",
	    "granularity in capitals");
	refused("/api/energy/solar/stats?period=week", 400, "invalid_parameter",
	    "period week");
	refused(
	    H "?from=yesterday", 400, "invalid_parameter", "from=yesterday");
	refused(
	    H "?to=2026-13-01T00:00:00Z", 400, "invalid_parameter", "month 13");
	refused(H "?from=1700000000", 400, "invalid_parameter",
	    "epoch seconds as from");
	refused(H "?from=2026-04-02T00:00:00Z&to=2026-04-01T00:00:00Z", 400,
	    "invalid_parameter", "from after to");
	refused(H "?from=2026-04-01T00:00:00Z&to=2026-04-01T00:00:00Z", 400,
	    "invalid_parameter", "from equal to to");
	refused(H "?granularity=5min&from=2026-01-01T00:00:00Z&"
		  "to=2026-02-01T00:00:01Z",
	    400, "range_too_long", "5min over 31 days");
	get(&r,
	    H "?granularity=5min&from=2026-01-01T00:00:00Z&"
	      "to=2026-02-01T00:00:00Z",
	    200, "5min over exactly 31 days");
	resp_free(&r);
	refused(H "?granularity=hour&from=2025-01-01T00:00:00Z&"
		  "to=2026-01-02T00:00:01Z",
	    400, "range_too_long", "hour over 366 days");
	refused(H "?granularity=day&from=2010-01-01T00:00:00Z&"
		  "to=2021-01-01T00:00:00Z",
	    400, "range_too_long", "day over 10 years");
	refused(H "?granularity=month&from=1970-01-01T00:00:00Z&"
		  "to=2026-01-01T00:00:00Z",
	    400, "range_too_long", "month over 50 years");
	refused("/api/energy/solar/stats?period=day&"
		"from=2010-01-01T00:00:00Z&to=2021-01-01T00:00:00Z",
	    400, "range_too_long", "stats by day over 10 years");
	refused(
	    "/api/energy/sites?limit=0", 400, "invalid_parameter", "limit 0");
	refused("/api/energy/sites?limit=ten", 400, "invalid_parameter",
	    "limit ten");
	refused("/api/energy/sites?cursor=zzz", 400, "invalid_parameter",
	    "a malformed cursor");
	get(&r, "/api/energy/sites", 200, "the list");
	ok(!strstr(r.body.buf, OTHERS), "another account's site not listed");
	resp_free(&r);
	get(&r, "/api/energy/household", 200, "the household");
	ok(!strstr(r.body.buf, OTHERS), "another account's site not in it");
	resp_free(&r);
	http_get(&r, "/api/energy/sites", NULL);
	is_int(r.status, 401, "no token is 401");
	resp_free(&r);
}

static const struct tap_test tests[] = {
	TAP(t_sites),
	TAP(t_live),
	TAP(t_history_hours),
	TAP(t_history_days),
	TAP(t_stats),
	TAP(t_bad),
};

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	client_pace_us = 25 * 1000; /* nginx's request rate: wait our turn */
	tap_current = "setup";
	setup();
	return tap_run(tests, nitems(tests));
}
