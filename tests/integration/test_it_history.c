/*
 * GET /api/vehicles/:id/history: a hand-made series of the fixture vehicle
 * V2 in March 2025 (a range no other test writes to), whose bucket
 * averages are worked out below, and every kind of bad input.  Then the
 * rollups (sql/014_vehicle_rollups.sql): a car of its own with eight days
 * of irregular samples, whose answers are compared with the same buckets
 * computed in SQL from the raw rows, before and after states are added,
 * changed, moved and deleted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "stack.h"
#include "fleet_parse.h"
#include "util.h"

#define V2 "22222222-2222-4222-8222-222222222222"
#define V_OTHER "33333333-3333-4333-8333-333333333333"
#define H2 "/api/vehicles/" V2 "/history"

/*
 * Samples, per 5-minute bucket from 2025-03-01T00:00:00Z:
 *   00:00  battery 80 81 85 -> 82; odometer 1000 1002 1004 -> 1002;
 *          range 300 301 302 -> 301; speed 0 30.5 60 -> max 60;
 *          power 1.5 10 20 -> 10.5; inside 20 21 22 -> 21
 *   00:05  battery 79 78 -> 78.5; odometer 1004.5 1005.5 -> 1005;
 *          range 299.5 298.5 -> 299; speed 10 12.5 -> 12.5;
 *          power -2.25 3.75 -> 0.75; inside none -> null
 *   00:10  no sample: omitted
 *   00:15  battery 77, odometer 1006, latitude 52.5, the rest null
 * and one sample on each side of [00:00, 00:20), which must not count.
 */
static const char series[] =
    "DELETE FROM vehicle_states WHERE vehicle_id = '" V2 "' AND ts >= "
    "'2025-02-28' AND ts < '2025-03-02'; "
    "INSERT INTO vehicle_states (vehicle_id, ts, battery_level, "
    "odometer_km, rated_range_km, speed_kmh, power_kw, inside_temp_c, "
    "latitude) VALUES "
    "('" V2 "', '2025-02-28T23:59:59Z', 1, 1, 1, 200, 1, 1, 1), "
    "('" V2 "', '2025-03-01T00:00:00Z', 80, 1000, 300, 0, 1.5, 20, NULL), "
    "('" V2 "', '2025-03-01T00:01:00Z', 81, 1002, 301, 30.5, 10, 21, NULL), "
    "('" V2 "', '2025-03-01T00:02:00Z', 85, 1004, 302, 60, 20, 22, NULL), "
    "('" V2 "', '2025-03-01T00:05:30Z', 79, 1004.5, 299.5, 10, -2.25, NULL, "
    "NULL), "
    "('" V2 "', '2025-03-01T00:07:00Z', 78, 1005.5, 298.5, 12.5, 3.75, "
    "NULL, NULL), "
    "('" V2 "', '2025-03-01T00:16:00Z', 77, 1006, NULL, NULL, NULL, NULL, "
    "52.5), "
    "('" V2 "', '2025-03-01T00:20:00Z', 1, 1, 1, 200, 1, 1, 1)";

#define RANGE "from=2025-03-01T00:00:00Z&to=2025-03-01T00:20:00Z"

static char token[2048];

/* The number at key of point i of a history answer (-12345 when absent). */
static double
pt_num(const struct resp *r, size_t i, const char *key)
{
	json_t *v = json_object_get(
	    json_array_get(json_object_get(r->json, "points"), i), key);

	return json_is_number(v) ? json_number_value(v) : -12345.0;
}

static json_t *
pt(const struct resp *r, size_t i)
{
	return json_array_get(json_object_get(r->json, "points"), i);
}

static size_t
npoints(const struct resp *r)
{
	return json_array_size(json_object_get(r->json, "points"));
}

static void
t_series(void)
{
	struct resp r;

	ok(psql(NULL, series) == 0, "series inserted");
	http_get(&r, H2 "?" RANGE "&points=4", token);
	is_int(r.status, 200, "history answers 200");
	is_str(json_string_value(json_object_get(r.json, "vehicle_id")), V2,
	    "vehicle_id");
	is_str(json_string_value(json_object_get(r.json, "from")),
	    "2025-03-01T00:00:00Z", "from");
	is_str(json_string_value(json_object_get(r.json, "to")),
	    "2025-03-01T00:20:00Z", "to");
	is_int(json_integer_value(json_object_get(r.json, "interval_s")), 300,
	    "20 minutes in 4 points: 300 s buckets");
	is_int(json_array_size(json_object_get(r.json, "fields")), 5,
	    "five default fields");
	is_str(json_string_value(
		   json_array_get(json_object_get(r.json, "fields"), 0)),
	    "battery_level", "fields in the default order");
	is_int(npoints(&r), 3, "empty bucket and samples outside omitted");
	is_str(json_string_value(json_object_get(pt(&r, 0), "ts")),
	    "2025-03-01T00:00:00Z", "first bucket start");
	is_str(json_string_value(json_object_get(pt(&r, 1), "ts")),
	    "2025-03-01T00:05:00Z", "second bucket start");
	is_str(json_string_value(json_object_get(pt(&r, 2), "ts")),
	    "2025-03-01T00:15:00Z", "third bucket start (00:10 is empty)");
	ok(pt_num(&r, 0, "battery_level") == 82, "battery average 82");
	ok(pt_num(&r, 0, "odometer_km") == 1002, "odometer average 1002");
	ok(pt_num(&r, 0, "rated_range_km") == 301, "range average 301");
	ok(pt_num(&r, 0, "speed_kmh") == 60, "speed is the bucket's maximum");
	ok(pt_num(&r, 0, "power_kw") == 10.5, "power average 10.5");
	ok(pt_num(&r, 1, "battery_level") == 78.5, "battery average 78.5");
	ok(pt_num(&r, 1, "odometer_km") == 1005, "odometer average 1005");
	ok(pt_num(&r, 1, "rated_range_km") == 299, "range average 299");
	ok(pt_num(&r, 1, "speed_kmh") == 12.5, "speed maximum 12.5");
	ok(pt_num(&r, 1, "power_kw") == 0.75, "power average 0.75");
	ok(pt_num(&r, 2, "battery_level") == 77, "one sample: its value");
	ok(json_is_null(json_object_get(pt(&r, 2), "speed_kmh")),
	    "no value in a bucket is null");
	ok(json_object_get(pt(&r, 0), "latitude") == NULL,
	    "fields not asked for are absent");
	resp_free(&r);

	http_get(&r, H2 "?" RANGE "&interval=5m", token);
	is_int(r.status, 200, "interval=5m answers 200");
	is_int(json_integer_value(json_object_get(r.json, "interval_s")), 300,
	    "5m is 300 s");
	is_int(npoints(&r), 3, "same buckets as points=4");
	ok(pt_num(&r, 0, "power_kw") == 10.5, "same averages");
	resp_free(&r);

	http_get(&r, H2 "?" RANGE, token);
	is_int(json_integer_value(json_object_get(r.json, "interval_s")), 60,
	    "500 points over 20 minutes: never below 60 s");
	is_int(npoints(&r), 6, "one point per minute with samples");
	is_str(json_string_value(json_object_get(pt(&r, 3), "ts")),
	    "2025-03-01T00:05:00Z", "00:05:30 falls in the 00:05 bucket");
	resp_free(&r);
}

static void
t_fields_units(void)
{
	struct resp r;
	json_t *f;

	http_get(&r,
	    H2 "?" RANGE "&points=4&fields=power_kw,latitude,power_kw,"
	       "inside_temp_c",
	    token);
	is_int(r.status, 200, "chosen fields answer 200");
	f = json_object_get(r.json, "fields");
	is_int(json_array_size(f), 3, "a repeated field counts once");
	is_str(json_string_value(json_array_get(f, 0)), "power_kw",
	    "in the order asked");
	is_str(json_string_value(json_array_get(f, 1)), "latitude",
	    "in the order asked (2)");
	is_int(json_object_size(pt(&r, 0)), 4, "ts and the three fields only");
	ok(pt_num(&r, 0, "inside_temp_c") == 21, "inside average 21");
	ok(json_is_null(json_object_get(pt(&r, 0), "latitude")),
	    "latitude null where absent");
	ok(pt_num(&r, 2, "latitude") == 52.5, "latitude 52.5");
	ok(json_is_null(json_object_get(pt(&r, 1), "inside_temp_c")),
	    "inside null in the second bucket");
	resp_free(&r);

	http_get(&r,
	    H2 "?" RANGE "&points=4&units=imperial&fields=odometer_km,"
	       "speed_kmh,inside_temp_c,battery_level",
	    token);
	is_int(r.status, 200, "imperial answers 200");
	f = json_object_get(r.json, "fields");
	is_str(json_string_value(json_array_get(f, 0)), "odometer_mi",
	    "fields renamed: odometer_mi");
	is_str(json_string_value(json_array_get(f, 1)), "speed_mph",
	    "fields renamed: speed_mph");
	is_str(json_string_value(json_array_get(f, 2)), "inside_temp_f",
	    "fields renamed: inside_temp_f");
	is_str(json_string_value(json_array_get(f, 3)), "battery_level",
	    "battery_level unchanged");
	ok(pt_num(&r, 0, "odometer_mi") == 1002 * 0.621371192237334,
	    "odometer in miles");
	ok(pt_num(&r, 0, "speed_mph") == 60 * 0.621371192237334,
	    "speed in mph");
	ok(pt_num(&r, 0, "inside_temp_f") == 21 * 1.8 + 32, "inside in F");
	ok(json_object_get(pt(&r, 0), "odometer_km") == NULL,
	    "no SI name left");
	resp_free(&r);

	/* "+01:00", encoded and as the space a bare "+" decodes to. */
	http_get(&r,
	    H2 "?from=2025-03-01T01:00:00%2B01:00&to=2025-03-01T00:20:00Z"
	       "&points=4",
	    token);
	is_int(r.status, 200, "an offset answers 200");
	is_str(json_string_value(json_object_get(r.json, "from")),
	    "2025-03-01T00:00:00Z", "from given with an offset, in UTC");
	is_int(npoints(&r), 3, "same three buckets");
	resp_free(&r);
	http_get(&r,
	    H2 "?from=2025-03-01T01:00:00.5+01:00&to=2025-03-01T00:20:00Z",
	    token);
	is_int(r.status, 200, "an unencoded + and a fraction answer 200");
	is_str(json_string_value(json_object_get(r.json, "from")),
	    "2025-03-01T00:00:00Z", "the fraction is dropped");
	resp_free(&r);
}

static void
t_defaults(void)
{
	struct resp r;
	long long from, to;
	const char *f, *t;

	http_get(&r, H2, token);
	is_int(r.status, 200, "no parameters: 200");
	is_int(json_integer_value(json_object_get(r.json, "interval_s")), 173,
	    "24 h in 500 points: 173 s");
	f = json_string_value(json_object_get(r.json, "from"));
	t = json_string_value(json_object_get(r.json, "to"));
	ok(f != NULL && t != NULL && strlen(f) == 20 && strlen(t) == 20,
	    "from and to in RFC 3339");
	if (fleet_parse_time(f, &from) == 0 && fleet_parse_time(t, &to) == 0) {
		is_int(to - from, 86400, "the last 24 h");
		ok(to - time(NULL) <= 1 && time(NULL) - to <= 5, "ending now");
	}
	ok(json_is_array(json_object_get(r.json, "points")), "points array");
	resp_free(&r);

	http_get(
	    &r, H2 "?from=2025-03-01T00:00:00Z&to=2026-04-05T00:00:00Z", token);
	is_int(r.status, 200, "exactly 400 days is allowed");
	/* 69,120 s asked; whole 6-hour rollup buckets, a quarter more. */
	is_int(json_integer_value(json_object_get(r.json, "interval_s")), 86400,
	    "400 days in 500 points: rounded up to whole 6 h");
	resp_free(&r);

	http_get(&r,
	    H2 "?from=2025-03-01T00:00:00Z&to=2025-03-31T00:00:00Z&points=500",
	    token);
	is_int(json_integer_value(json_object_get(r.json, "interval_s")), 5400,
	    "30 days in 500 points: 5184 s rounded up to 5-minute "
	    "buckets");
	resp_free(&r);
	http_get(&r, H2 "?" RANGE "&interval=7m", token);
	is_int(json_integer_value(json_object_get(r.json, "interval_s")), 420,
	    "7m: raw rows, as asked");
	resp_free(&r);
	http_get(&r, H2 "?" RANGE "&interval=1000s", token);
	is_int(json_integer_value(json_object_get(r.json, "interval_s")), 1200,
	    "1000s: rounded up to 4 five-minute buckets");
	resp_free(&r);
}

/* H2 + query answers status with code, and its message mentions what. */
static void
bad(const char *query, int status, const char *code, const char *what)
{
	char path[512], msg[600];
	const char *m;
	struct resp r;

	snprintf(path, sizeof(path), "%s%s", H2, query);
	http_get(&r, path, token);
	snprintf(msg, sizeof(msg), "%s: %d %s", query, status, code);
	is_int(r.status, status, msg);
	is_str(resp_error_code(&r), code, msg);
	m = json_string_value(
	    json_object_get(json_object_get(r.json, "error"), "message"));
	if (what != NULL && !ok(m != NULL && strstr(m, what) != NULL, msg))
		printf(
		    "#   message \"%s\" does not name %s\n", m ? m : "", what);
	resp_free(&r);
}

static void
t_bad_input(void)
{
	struct resp r;
	const char *ip = "invalid_parameter";

	bad("?" RANGE "&points=0", 400, ip, "\"points\"");
	bad("?" RANGE "&points=1000000", 400, ip, "\"points\"");
	bad("?" RANGE "&points=2001", 400, ip, "\"points\"");
	bad("?" RANGE "&points=-1", 400, ip, "\"points\"");
	bad("?" RANGE "&points=ten", 400, ip, "\"points\"");
	bad("?" RANGE "&points=", 400, ip, "\"points\"");
	bad("?" RANGE "&points=99999999999999999999999", 400, ip, "\"points\"");
	bad("?from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z", 400, ip,
	    "\"from\"");
	bad("?from=2025-03-01T00:00:00Z&to=2025-03-01T00:00:00Z", 400, ip,
	    "\"from\"");
	bad("?from=2025-03-01T00:00:00Z&to=2026-04-05T00:00:01Z", 400, ip,
	    "400 days");
	bad("?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z", 400, ip,
	    "400 days");
	bad("?from=2020-01-01T00:00:00Z", 400, ip, "400 days");
	bad("?from=2999-01-01T00:00:00Z", 400, ip, "\"from\"");
	bad("?from=yesterday", 400, ip, "\"from\"");
	bad("?from=2025-03-01", 400, ip, "\"from\"");
	bad("?from=2025-13-01T00:00:00Z", 400, ip, "\"from\"");
	bad("?to=2025-02-30T00:00:00Z", 400, ip, "\"to\"");
	bad("?to=2025-03-01T00:00:00", 400, ip, "\"to\"");
	bad("?to=1740787200", 400, ip, "\"to\"");
	bad("?to=", 400, ip, "\"to\"");
	bad("?to=9999-12-31T23:59:59-01:00", 400, ip, "\"to\"");
	bad("?from=0000-12-31T00:00:00Z&to=0001-01-02T00:00:00Z", 400, ip,
	    "\"from\"");
	bad("?" RANGE "&interval=59s", 400, ip, "\"interval\"");
	bad("?" RANGE "&interval=0m", 400, ip, "\"interval\"");
	bad("?" RANGE "&interval=60", 400, ip, "\"interval\"");
	bad("?" RANGE "&interval=5x", 400, ip, "\"interval\"");
	bad("?" RANGE "&interval=m", 400, ip, "\"interval\"");
	bad("?" RANGE "&interval=-5m", 400, ip, "\"interval\"");
	bad("?" RANGE "&interval=5mm", 400, ip, "\"interval\"");
	bad("?" RANGE "&interval=401d", 400, ip, "\"interval\"");
	bad("?" RANGE "&interval=99999999999999999999999d", 400, ip,
	    "\"interval\"");
	bad("?from=2025-03-01T00:00:00Z&to=2026-03-01T00:00:00Z&interval=60s",
	    400, ip, "\"interval\"");
	bad("?" RANGE "&interval=5m&points=4", 400, ip, "\"points\"");
	bad("?" RANGE "&fields=foo", 400, ip, "\"foo\"");
	bad("?" RANGE "&fields=battery_level,vehicle_id", 400, ip,
	    "\"vehicle_id\"");
	bad("?" RANGE "&fields=battery_level,,odometer_km", 400, ip,
	    "\"fields\"");
	bad("?" RANGE "&fields=", 400, ip, "\"fields\"");
	bad("?" RANGE "&fields=speed_kmh);DROP%20TABLE%20vehicles;--", 400, ip,
	    "\"speed_kmh);DROP TABLE vehicles;--\"");
	bad("?" RANGE "&units=furlongs", 400, ip, "\"units\"");

	http_get(&r, "/api/vehicles/not-a-uuid/history", token);
	is_int(r.status, 400, "a malformed id is 400");
	is_str(resp_error_code(&r), "invalid_id", "invalid_id");
	resp_free(&r);
	http_get(&r, "/api/vehicles/" V_OTHER "/history?" RANGE, token);
	is_int(r.status, 404, "another account's vehicle is 404");
	is_str(resp_error_code(&r), "not_found", "not_found");
	resp_free(&r);
	http_get(&r,
	    "/api/vehicles/44444444-4444-4444-8444-444444444444/history",
	    token);
	is_int(r.status, 404, "an unknown vehicle is 404");
	resp_free(&r);
	http_get(&r, H2, NULL);
	is_int(r.status, 401, "history needs a login");
	resp_free(&r);
	http_send(&r, "POST", H2, token, NULL, NULL, 0);
	is_int(r.status, 405, "POST is 405");
	resp_free(&r);

	http_get(&r, H2 "?" RANGE "&points=4", token);
	is_int(npoints(&r), 3, "bad requests changed nothing");
	resp_free(&r);
}

/* 2000 one-minute samples from 2025-04-01: the largest answer. */
static void
t_large(void)
{
	struct resp r;

	ok(psql(NULL,
	       "INSERT INTO vehicle_states (vehicle_id, ts, "
	       "battery_level, odometer_km, rated_range_km, speed_kmh, "
	       "power_kw, inside_temp_c, outside_temp_c, latitude, "
	       "longitude, elevation_m, usable_battery_level, "
	       "charger_power_kw, charge_energy_added_kwh) "
	       "SELECT '" V2 "', '2025-04-01T00:00:00Z'::timestamptz + "
	       "make_interval(mins => i), 50, 2000 + i, 250, 80, 12.5, "
	       "21, 9, 52.5, 13.25, 34, 48, 0, 0 "
	       "FROM generate_series(0, 1999) i "
	       "ON CONFLICT DO NOTHING") == 0,
	    "2000 samples inserted");
	http_get(&r,
	    H2 "?from=2025-04-01T00:00:00Z&to=2025-04-02T09:20:00Z"
	       "&points=2000&fields=battery_level,usable_battery_level,"
	       "odometer_km,rated_range_km,speed_kmh,power_kw,inside_temp_c,"
	       "outside_temp_c,charger_power_kw,charge_energy_added_kwh,"
	       "latitude,longitude,elevation_m",
	    token);
	is_int(r.status, 200, "2000 points of 13 fields answer 200");
	ok(r.body.len > 400000, "a body of over 400 kB arrives whole");
	is_int(npoints(&r), 2000, "2000 points");
	is_int(json_integer_value(json_object_get(r.json, "interval_s")), 60,
	    "one a minute");
	ok(pt_num(&r, 1999, "odometer_km") == 3999, "the last one");
	ok(pt_num(&r, 1999, "elevation_m") == 34, "its elevation");
	resp_free(&r);
}

/*
 * The rollups.  VR is a car of the test's own (deleted at the end, which
 * must take its rollup rows along): samples every 47 or so seconds from
 * 2025-05-01 for eight days, with nulls, negative and fractional values,
 * and no sample from 10:00 to 12:00 on 2025-05-02.
 */
#define VR "55555555-5555-4555-8555-555555555555"
#define HR "/api/vehicles/" VR "/history"
#define ALL_FIELDS                                                             \
	"battery_level,usable_battery_level,odometer_km,rated_range_km,"       \
	"speed_kmh,power_kw,inside_temp_c,outside_temp_c,charger_power_kw,"    \
	"charge_energy_added_kwh,latitude,longitude,elevation_m"
#define NFIELDS 13
#define MAY1 1746057600LL /* 2025-05-01T00:00:00Z */

static const char rollup_car[] =
    "INSERT INTO vehicles (id, account_id, tesla_id, vin, display_name, "
    "model, state) SELECT '" VR "', account_id, 5555555555555555, "
    "'5YJSA1E2XMF000055', 'Rollup', 'Model 3', 'asleep' FROM vehicles "
    "WHERE id = '" V2 "' ON CONFLICT DO NOTHING; "
    "DELETE FROM vehicle_states WHERE vehicle_id = '" VR "'; "
    "INSERT INTO vehicle_states (vehicle_id, ts, battery_level, "
    "usable_battery_level, odometer_km, rated_range_km, speed_kmh, "
    "power_kw, inside_temp_c, outside_temp_c, charger_power_kw, "
    "charge_energy_added_kwh, latitude, longitude, elevation_m) "
    "SELECT '" VR "', t, i * 7 % 101, greatest(i * 7 % 101 - 1, 0), "
    "5000 + i * 0.0137, 300 + 50 * sin(i), CASE WHEN i % 5 <> 0 THEN "
    "i * 13 % 200 + 0.25 END, i * 31 % 300 - 100.1, CASE WHEN i % 7 > 1 "
    "THEN 20 + cos(i) END, 10 * sin(i / 100.0), CASE WHEN i % 3 = 0 THEN "
    "0.123456 * (i % 10) END, i % 1000 / 7.0, 52.5 + i * 1e-7, "
    "13.4 - i * 3e-8, 35.5 + i % 17 "
    "FROM generate_series(0, 14000) i, LATERAL (SELECT "
    "'2025-05-01T00:00:00Z'::timestamptz + make_interval(secs => "
    "i * 47 + i % 3)) x(t) WHERE t < '2025-05-02T10:00:00Z' "
    "OR t >= '2025-05-02T12:00:00Z'";

/*
 * The buckets of [:f, :t) computed from the raw rows of car :v, interval
 * :iv, starting at :o: each point's time (not before :f), then per field
 * the average from the fixed-point values, as the API defines it, and the
 * plain avg() (the maximum twice for speed).
 */
static const char raw_buckets[] =
    "SELECT extract(epoch FROM greatest(date_bin(make_interval(secs => "
    ":iv), ts, to_timestamp(:o)), to_timestamp(:f)))::bigint,\n"
    "sum(tessie_fixed(battery_level, 1))::float8 / "
    "nullif(count(battery_level), 0), avg(battery_level),\n"
    "sum(tessie_fixed(usable_battery_level, 1))::float8 / "
    "nullif(count(usable_battery_level), 0), avg(usable_battery_level),\n"
    "sum(tessie_fixed(odometer_km, 1e6))::float8 / "
    "(nullif(count(odometer_km), 0) * 1e6::float8), avg(odometer_km),\n"
    "sum(tessie_fixed(rated_range_km, 1e6))::float8 / "
    "(nullif(count(rated_range_km), 0) * 1e6::float8), "
    "avg(rated_range_km),\n"
    "max(speed_kmh), max(speed_kmh),\n"
    "sum(tessie_fixed(power_kw, 1e6))::float8 / "
    "(nullif(count(power_kw), 0) * 1e6::float8), avg(power_kw),\n"
    "sum(tessie_fixed(inside_temp_c, 1e6))::float8 / "
    "(nullif(count(inside_temp_c), 0) * 1e6::float8), avg(inside_temp_c),\n"
    "sum(tessie_fixed(outside_temp_c, 1e6))::float8 / "
    "(nullif(count(outside_temp_c), 0) * 1e6::float8), "
    "avg(outside_temp_c),\n"
    "sum(tessie_fixed(charger_power_kw, 1e6))::float8 / "
    "(nullif(count(charger_power_kw), 0) * 1e6::float8), "
    "avg(charger_power_kw),\n"
    "sum(tessie_fixed(charge_energy_added_kwh, 1e6))::float8 / "
    "(nullif(count(charge_energy_added_kwh), 0) * 1e6::float8), "
    "avg(charge_energy_added_kwh),\n"
    "sum(tessie_fixed(latitude, 1e9))::float8 / "
    "(nullif(count(latitude), 0) * 1e9::float8), avg(latitude),\n"
    "sum(tessie_fixed(longitude, 1e9))::float8 / "
    "(nullif(count(longitude), 0) * 1e9::float8), avg(longitude),\n"
    "sum(tessie_fixed(elevation_m, 1e6))::float8 / "
    "(nullif(count(elevation_m), 0) * 1e6::float8), avg(elevation_m)\n"
    "FROM vehicle_states WHERE vehicle_id = :'v' "
    "AND ts >= to_timestamp(:f) AND ts < to_timestamp(:t)\n"
    "GROUP BY date_bin(make_interval(secs => :iv), ts, to_timestamp(:o))\n"
    "ORDER BY 1;\n";

/* The last line of what psql prints for sql as a number; -1 on failure. */
static long
psql_number(const char *sql)
{
	struct sbuf out = SBUF_INIT(1 << 20);
	char *p;
	long v = -1;

	if (psql(&out, sql) == 0) {
		for (p = out.buf + out.len; p > out.buf && p[-1] == '\n'; p--)
			p[-1] = '\0';
		if ((p = strrchr(out.buf, '\n')) == NULL)
			p = out.buf;
		v = strtol(p, NULL, 10);
	}
	sbuf_release(&out);
	return v;
}

/*
 * GET HR?query with every field; the answer must have the buckets of
 * [from, to) that SQL computes from the raw rows, with the interval the
 * answer gives and buckets starting at from rounded down to span (0: at
 * from), to the last digit of the fixed-point average with a rollup (to
 * 1e-12 of plain avg() without one: span 0), and within 1e-6 of plain
 * avg().
 */
static void
same_as_raw(const char *what, const char *query, long long from, long long to,
    long span, long want_interval)
{
	static const char *const names[NFIELDS] = { "battery_level",
		"usable_battery_level", "odometer_km", "rated_range_km",
		"speed_kmh", "power_kw", "inside_temp_c", "outside_temp_c",
		"charger_power_kw", "charge_energy_added_kwh", "latitude",
		"longitude", "elevation_m" };
	char path[512], file[256], msg[256], ts[24], c1[64], c2[64];
	char vv[64], vf[32], vt[32], viv[32], vo[32];
	const char *args[] = { "-v", vv, "-v", vf, "-v", vt, "-v", viv, "-v",
		vo, "-f", file, NULL };
	struct sbuf raw = SBUF_INIT(64 << 20);
	long long iv, origin;
	const char *out, *line;
	size_t i, n, bad = 0, far = 0;
	struct resp r;
	FILE *f;

	snprintf(path, sizeof(path), "%s?%s&fields=%s", HR, query, ALL_FIELDS);
	http_get(&r, path, token);
	snprintf(msg, sizeof(msg), "%s: 200", what);
	is_int(r.status, 200, msg);
	iv = json_integer_value(json_object_get(r.json, "interval_s"));
	snprintf(msg, sizeof(msg), "%s: interval_s", what);
	if (want_interval > 0)
		is_int(iv, want_interval, msg);
	origin = span > 0 ? from - ((from % span) + span) % span : from;
	snprintf(
	    file, sizeof(file), "%s/raw_buckets.sql", getenv("TEST_STACK_DIR"));
	if ((f = fopen(file, "w")) != NULL) {
		fputs(raw_buckets, f);
		fclose(f);
	}
	snprintf(vv, sizeof(vv), "v=%s", VR);
	snprintf(vf, sizeof(vf), "f=%lld", from);
	snprintf(vt, sizeof(vt), "t=%lld", to);
	snprintf(viv, sizeof(viv), "iv=%lld", iv > 0 ? iv : 60);
	snprintf(vo, sizeof(vo), "o=%lld", origin);
	if (!ok(iv > 0 && psql_argv(&raw, NULL, args, raw_buckets) == 0,
		"raw SQL ran")) {
		sbuf_release(&raw);
		resp_free(&r);
		return;
	}
	out = raw.buf;
	for (n = 0, line = out; (line = strchr(line, '\n')) != NULL; n++)
		line++;
	snprintf(
	    msg, sizeof(msg), "%s: %zu buckets, as from the raw rows", what, n);
	is_int(npoints(&r), n, msg);
	for (i = 0, line = out; i < n && i < npoints(&r); i++) {
		time_rfc3339(
		    atoll(field(line, 0, c1, sizeof(c1))), ts, sizeof(ts));
		if (strcmp(ts,
			json_string_value(json_object_get(pt(&r, i), "ts"))
			    ?: "") != 0)
			bad++;
		for (int k = 0; k < NFIELDS; k++) {
			json_t *v = json_object_get(pt(&r, i), names[k]);

			field(line, 1 + 2 * k, c1, sizeof(c1));
			field(line, 2 + 2 * k, c2, sizeof(c2));
			if (c1[0] == '\0') {
				bad += !json_is_null(v);
				continue;
			}
			/*
			 * Raw rows only (span 0): plain avg(), whose float
			 * sums depend on the order the rows come in, so
			 * to 1e-12 of the value rather than the last digit.
			 */
			if (!json_is_number(v) ||
			    (span > 0 ? json_number_value(v) != strtod(c1, NULL)
				      : fabs(json_number_value(v) -
					    strtod(c2, NULL)) > 1e-12 *
					    fmax(1, fabs(strtod(c2, NULL))))) {
				if (bad++ < 3)
					printf("#   %s %s: %.17g, raw rows "
					       "%s\n",
					    ts, names[k], json_number_value(v),
					    c1);
			}
			if (fabs(json_number_value(v) - strtod(c2, NULL)) >
			    1e-6)
				far++;
		}
		line = strchr(line, '\n') + 1;
	}
	snprintf(msg, sizeof(msg),
	    "%s: every point as from the raw rows, to the last digit", what);
	if (!ok(bad == 0, msg))
		printf("#   %zu differences\n", bad);
	snprintf(msg, sizeof(msg), "%s: within 1e-6 of avg()", what);
	ok(far == 0, msg);
	sbuf_release(&raw);
	resp_free(&r);
}

/*
 * Each set of fields is read by a statement of its own (at most 16 sets a
 * worker, then all fields): 40 sets, more than the workers keep, each with
 * exactly its fields, in the order asked, and the values of the answer
 * with every field.
 */
static void
same_fields(const char *what, const char *query)
{
	static const char *const names[NFIELDS] = { "battery_level",
		"usable_battery_level", "odometer_km", "rated_range_km",
		"speed_kmh", "power_kw", "inside_temp_c", "outside_temp_c",
		"charger_power_kw", "charge_energy_added_kwh", "latitude",
		"longitude", "elevation_m" };
	char path[1024], list[512], msg[256];
	size_t bad = 0, shape = 0, n = 0;
	struct resp all, r;

	snprintf(path, sizeof(path), "%s?%s&fields=%s", HR, query, ALL_FIELDS);
	http_get(&all, path, token);
	snprintf(msg, sizeof(msg), "%s: all fields, 200 with points", what);
	ok(all.status == 200 && npoints(&all) > 3, msg);
	for (unsigned set = 0; set < 40; set++) {
		/* Backwards every other time: the order asked is kept. */
		int pick[NFIELDS] = { 0 }, m = 0;

		list[0] = '\0';
		for (int k = 0; k < NFIELDS; k++)
			if (((set * 2654435761u) >> (k + 3) & 1) ||
			    k == (int)set % NFIELDS)
				pick[m++] = set % 2 ? NFIELDS - 1 - k : k;
		for (int k = 0; k < m; k++)
			snprintf(list + strlen(list),
			    sizeof(list) - strlen(list), "%s%s", k ? "," : "",
			    names[pick[k]]);
		snprintf(
		    path, sizeof(path), "%s?%s&fields=%s", HR, query, list);
		http_get(&r, path, token);
		n++;
		if (r.status != 200 || npoints(&r) != npoints(&all) ||
		    json_array_size(json_object_get(r.json, "fields")) !=
			(size_t)m) {
			shape++;
			resp_free(&r);
			continue;
		}
		for (int k = 0; k < m; k++)
			shape += strcmp(json_string_value(json_array_get(
					    json_object_get(r.json, "fields"),
					    (size_t)k))
					 ?: "",
				     names[pick[k]]) != 0;
		for (size_t i = 0; i < npoints(&r); i++) {
			json_t *a = pt(&all, i), *b = pt(&r, i);

			shape += json_object_size(b) != (size_t)m + 1;
			for (int k = 0; k < m; k++) {
				json_t *x = json_object_get(a, names[pick[k]]);
				json_t *y = json_object_get(b, names[pick[k]]);

				if (y == NULL ||
				    !(json_is_null(x) ? json_is_null(y)
						      : json_number_value(x) ==
						json_number_value(y)))
					bad++;
			}
		}
		resp_free(&r);
	}
	snprintf(msg, sizeof(msg), "%s: %zu sets of fields, each with its own",
	    what, n);
	ok(shape == 0, msg);
	snprintf(
	    msg, sizeof(msg), "%s: the same values as with every field", what);
	if (!ok(bad == 0, msg))
		printf("#   %zu differences\n", bad);
	resp_free(&all);
}

/* Whether the incremental rollup equals one recomputed from scratch. */
static void
rollup_is_fresh(const char *what)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "%s: rollup rows as if recomputed", what);
	is_int(psql_number(
		   "BEGIN; CREATE TEMP TABLE kept AS SELECT * FROM "
		   "vehicle_rollups WHERE vehicle_id = '" VR "'; "
		   "DELETE FROM vehicle_rollups WHERE vehicle_id = '" VR "'; "
		   "SELECT tessie_rollup_refresh(array_agg(v), array_agg(b)) "
		   "FROM (SELECT DISTINCT vehicle_id, date_bin('5 minutes', "
		   "ts, 'epoch'::timestamptz) FROM vehicle_states WHERE "
		   "vehicle_id = '" VR "') x(v, b); SELECT count(*) FROM "
		   "((TABLE kept EXCEPT SELECT * FROM vehicle_rollups WHERE "
		   "vehicle_id = '" VR "') UNION ALL (SELECT * FROM "
		   "vehicle_rollups WHERE vehicle_id = '" VR "' EXCEPT TABLE "
		   "kept)) d; ROLLBACK"),
	    0, msg);
}

static void
t_rollup(void)
{
	ok(psql(NULL, rollup_car) == 0, "eight days of samples inserted");
	is_int(psql_number("SELECT count(*) FROM vehicle_rollups WHERE "
			   "vehicle_id = '" VR "' AND span_s = 21600"),
	    31, "the insert filled the 6-hour rollup (31 buckets)");
	rollup_is_fresh("after a bulk insert");

	/* Aligned on every grid: 5-minute, hourly and 6-hour rollups. */
	same_as_raw("8 days, 500 points (5 min)",
	    "from=2025-05-01T00:00:00Z&to=2025-05-09T00:00:00Z", MAY1,
	    MAY1 + 8 * 86400, 300, 1500);
	same_as_raw("8 days, 100 points (1 h)",
	    "from=2025-05-01T00:00:00Z&to=2025-05-09T00:00:00Z&points=100",
	    MAY1, MAY1 + 8 * 86400, 3600, 7200);
	same_as_raw("8 days, 30 points (1 h)",
	    "from=2025-05-01T00:00:00Z&to=2025-05-09T00:00:00Z&points=30", MAY1,
	    MAY1 + 8 * 86400, 3600, 25200);
	same_as_raw("interval=6h",
	    "from=2025-05-01T00:00:00Z&to=2025-05-09T00:00:00Z&interval=6h",
	    MAY1, MAY1 + 8 * 86400, 21600, 21600);
	same_as_raw("interval=1d (6 h rollup)",
	    "from=2025-05-01T00:00:00Z&to=2025-05-09T00:00:00Z&interval=1d",
	    MAY1, MAY1 + 8 * 86400, 21600, 86400);
	/* Ends off the grid: the partial buckets come from the raw rows. */
	same_as_raw("straddling ends, 6 h",
	    "from=2025-05-01T03:17:31Z&to=2025-05-08T07:41:13Z&interval=6h",
	    MAY1 + 11851, MAY1 + 7 * 86400 + 27673, 21600, 21600);
	same_as_raw("straddling ends, 5 min",
	    "from=2025-05-01T00:02:10Z&to=2025-05-03T01:01:01Z&points=300",
	    MAY1 + 130, MAY1 + 2 * 86400 + 3661, 300, 600);
	same_as_raw("within one 6-hour bucket",
	    "from=2025-05-03T07:10:00Z&to=2025-05-03T09:50:00Z&interval=6h",
	    MAY1 + 2 * 86400 + 25800, MAY1 + 2 * 86400 + 35400, 21600, 21600);
	same_as_raw("raw rows only (7 min)",
	    "from=2025-05-01T00:02:10Z&to=2025-05-03T01:01:01Z&interval=7m",
	    MAY1 + 130, MAY1 + 2 * 86400 + 3661, 0, 420);
	same_fields("rollup",
	    "from=2025-05-01T03:17:31Z&to=2025-05-08T07:41:13Z&"
	    "interval=6h");
	same_fields("raw rows",
	    "from=2025-05-01T00:02:10Z&to=2025-05-03T01:01:01Z&"
	    "interval=7m");
}

static void
t_rollup_changes(void)
{
	const char *day2 =
	    "from=2025-05-02T00:00:00Z&to=2025-05-03T00:00:00Z&interval=1h";
	long long d2 = MAY1 + 86400;
	struct resp r;

	/* A sample in the empty hour, and one more in an hour with some. */
	ok(psql(NULL,
	       "INSERT INTO vehicle_states (vehicle_id, ts, "
	       "battery_level, speed_kmh, power_kw) VALUES ('" VR "', "
	       "'2025-05-02T10:30:00Z', 42, 123.5, 7.25), ('" VR "', "
	       "'2025-05-02T13:00:30Z', 99, 321, -5)") == 0,
	    "late samples inserted");
	same_as_raw("late samples", day2, d2, d2 + 86400, 3600, 3600);
	http_get(&r,
	    HR "?from=2025-05-02T10:00:00Z&to=2025-05-02T11:00:00Z"
	       "&interval=1h",
	    token);
	is_int(npoints(&r), 1, "the empty hour has a point now");
	ok(pt_num(&r, 0, "battery_level") == 42 &&
		pt_num(&r, 0, "speed_kmh") == 123.5 &&
		pt_num(&r, 0, "power_kw") == 7.25,
	    "with the late sample's values");
	resp_free(&r);

	ok(psql(NULL,
	       "UPDATE vehicle_states SET speed_kmh = 499, "
	       "battery_level = 0 WHERE vehicle_id = '" VR "' AND ts = "
	       "(SELECT min(ts) FROM vehicle_states WHERE vehicle_id = "
	       "'" VR "' AND ts >= '2025-05-02T15:00:00Z')") == 0,
	    "a sample updated");
	same_as_raw("updated sample", day2, d2, d2 + 86400, 3600, 3600);
	http_get(&r,
	    HR "?from=2025-05-02T15:00:00Z&to=2025-05-02T21:00:00Z"
	       "&interval=6h&fields=speed_kmh",
	    token);
	ok(pt_num(&r, 0, "speed_kmh") == 499, "the new maximum shows");
	resp_free(&r);

	ok(psql(NULL,
	       "UPDATE vehicle_states SET ts = '2025-05-02T11:59:00Z' "
	       "WHERE vehicle_id = '" VR "' AND ts = (SELECT max(ts) "
	       "FROM vehicle_states WHERE vehicle_id = '" VR "' AND ts < "
	       "'2025-05-02T20:00:00Z')") == 0,
	    "a sample moved to another hour");
	same_as_raw("moved sample", day2, d2, d2 + 86400, 3600, 3600);

	ok(psql(NULL,
	       "DELETE FROM vehicle_states WHERE vehicle_id = '" VR "' "
	       "AND ts >= '2025-05-02T16:00:00Z' AND ts < "
	       "'2025-05-02T17:00:00Z'; DELETE FROM vehicle_states WHERE "
	       "vehicle_id = '" VR "' AND ts = (SELECT min(ts) FROM "
	       "vehicle_states WHERE vehicle_id = '" VR "' AND ts >= "
	       "'2025-05-02T18:00:00Z')") == 0,
	    "an hour and one more sample deleted");
	same_as_raw("deleted samples", day2, d2, d2 + 86400, 3600, 3600);
	same_as_raw("deleted samples, 6 h",
	    "from=2025-05-01T00:00:00Z&to=2025-05-09T00:00:00Z&interval=6h",
	    MAY1, MAY1 + 8 * 86400, 21600, 21600);
	rollup_is_fresh("after inserts, updates and deletes");

	is_int(psql_number("BEGIN; TRUNCATE vehicle_states; SELECT count(*) "
			   "FROM vehicle_rollups; ROLLBACK"),
	    0, "TRUNCATE empties the rollup");
	ok(psql(NULL, "DELETE FROM vehicles WHERE id = '" VR "'") == 0,
	    "the car deleted");
	is_int(psql_number("SELECT count(*) FROM vehicle_rollups WHERE "
			   "vehicle_id = '" VR "'"),
	    0, "its rollup rows went with its states");
}

static const struct tap_test tests[] = {
	TAP(t_series),
	TAP(t_fields_units),
	TAP(t_large),
	TAP(t_defaults),
	TAP(t_bad_input),
	TAP(t_rollup),
	TAP(t_rollup_changes),
};

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	login(token, sizeof(token));
	return tap_run(tests, nitems(tests));
}
