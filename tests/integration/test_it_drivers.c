/*
 * Drivers and the attribution of drives to them, over the two drives that
 * test_it_derive.c derived from derive.sql (it runs first): drive 1 starts
 * Tuesday 2024-03-05 07:09 UTC at home and ends at work, 15 km, 3.3559 kWh,
 * 31 minutes; drive 2 starts 07:49 at work and ends there, 5 km, 1.1186
 * kWh, 20 minutes.  The account's time zone is set to Europe/Berlin for
 * the run (UTC+1 in March: drive 1 starts 08:09 local, drive 2 08:49) and
 * restored afterwards.  Rules, docs/analytics.md "Drivers".
 */
#include <sys/wait.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "stack.h"
#include "util.h"

#define CAR "55555555-5555-4555-8555-555555555555"
#define OTHER "00000000-0000-4000-8000-00000000000b"
#define OTHER_CAR "33333333-3333-4333-8333-333333333333"
#define OTHER_DRIVER "0d0d0d0d-0000-4000-8000-000000000001"
#define OTHER_DRIVE "0d0d0d0d-0000-4000-8000-000000000002"
#define NO_SUCH "99999999-9999-4999-8999-999999999999"

static char token[2048];
static char tz[128];
static char home[40], work[40], d1[40], d2[40];
static char alice[40], bob[40], carol[40], dave[40];
static char r_a[40], r_d[40], r_e[40];
static struct resp last;
static char qout[4096]; /* the first line of the last sql() */

/* Sends body (NULL: none) to path; the answer stays in `last`. */
static long
call(const char *method, const char *path, const char *body)
{
	resp_free(&last);
	return http_send(&last, method, path, token,
	    body ? "application/json" : NULL, body, body ? strlen(body) : 0);
}

/* A string member of the last answer, or "". */
static const char *
got(const char *key)
{
	const char *s = json_string_value(json_object_get(last.json, key));

	return s ? s : "";
}

/* The error code of the last answer, or "". */
static const char *
code(void)
{
	return json_string_value(
		   json_object_get(json_object_get(last.json, "error"), "code"))
	    ?: "";
}

/* The driver name, attribution and rule id of a drive, '|'-separated. */
static const char *
who(const char *drive)
{
	return sql(qout, sizeof(qout),
	    "SELECT coalesce((SELECT name FROM drivers WHERE id = "
	    "d.driver_id), '-') || '|' || coalesce(attribution, '-') || "
	    "'|' || coalesce(driver_rule_id::text, '-') FROM drives d "
	    "WHERE id = '%s'",
	    drive);
}

static void
expect(const char *drive, const char *name, const char *how, const char *rule,
    const char *msg)
{
	char want[160];

	snprintf(want, sizeof(want), "%s|%s|%s", name, how, rule);
	is_str(who(drive), want, msg);
}

static void
new_driver(const char *name, char *id)
{
	char body[128];

	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	is_int(call("POST", "/api/drivers", body), 201, name);
	snprintf(id, 40, "%s", got("id"));
}

/* POSTs a rule for driver; its id into id (may be NULL).  The status. */
static long
new_rule(const char *driver, const char *body, char *id)
{
	char path[128];
	long st;

	snprintf(path, sizeof(path), "/api/drivers/%s/rules", driver);
	st = call("POST", path, body);
	if (id != NULL)
		snprintf(id, 40, "%s", got("id"));
	return st;
}

/* POST /api/drives/attribute with body; the count changed, or -1. */
static long
attribute(const char *body)
{
	if (call("POST", "/api/drives/attribute", body) != 200)
		return -1;
	return (long)json_integer_value(json_object_get(last.json, "changed"));
}

static void
t_setup(void)
{
	snprintf(tz, sizeof(tz), "%s",
	    sql(qout, sizeof(qout),
		"SELECT time_zone FROM accounts WHERE username = 'admin'"));
	sql(qout, sizeof(qout),
	    "UPDATE accounts SET time_zone = 'Europe/Berlin' "
	    "WHERE username = 'admin'");
	snprintf(home, sizeof(home), "%s",
	    sql(qout, sizeof(qout),
		"SELECT id FROM places WHERE name = 'Derive home'"));
	snprintf(work, sizeof(work), "%s",
	    sql(qout, sizeof(qout),
		"SELECT id FROM places WHERE name = 'Derive work'"));
	snprintf(d1, sizeof(d1), "%s",
	    sql(qout, sizeof(qout),
		"SELECT id FROM drives WHERE vehicle_id = '" CAR
		"' ORDER BY started_at LIMIT 1"));
	snprintf(d2, sizeof(d2), "%s",
	    sql(qout, sizeof(qout),
		"SELECT id FROM drives WHERE vehicle_id = '" CAR
		"' ORDER BY started_at OFFSET 1 LIMIT 1"));
	ok(is_uuid(home) && is_uuid(work), "the fixture places exist");
	ok(is_uuid(d1) && is_uuid(d2), "the fixture drives exist");
	sql(qout, sizeof(qout),
	    "INSERT INTO drivers (id, account_id, name) VALUES ('" OTHER_DRIVER
	    "', '" OTHER "', 'Theirs') ON CONFLICT DO NOTHING");
}

static void
t_drivers(void)
{
	char path[128];

	new_driver("Alice", alice);
	new_driver("Bob", bob);
	new_driver("Carol", carol);
	new_driver("Dave", dave);
	ok(is_uuid(alice) && is_uuid(dave), "drivers get ids");
	is_int(call("GET", "/api/drivers", NULL), 200, "list");
	is_int(json_array_size(json_object_get(last.json, "data")), 4,
	    "four drivers listed, not the other account's");
	is_int(call("GET", "/api/drivers?limit=3", NULL), 200, "a page");
	is_int(
	    json_array_size(json_object_get(last.json, "data")), 3, "of three");
	ok(json_is_string(json_object_get(last.json, "next_cursor")),
	    "with a next_cursor");
	snprintf(path, sizeof(path), "/api/drivers/%s", bob);
	is_int(call("PUT", path, "{\"name\":\"Robert\"}"), 200, "rename");
	is_str(got("name"), "Robert", "renamed");
	is_int(call("PUT", path, "{\"name\":\"Bob\"}"), 200, "and back");
}

static void
t_drivers_bad(void)
{
	static const char *const bodies[] = { "{}", "{\"name\":\"\"}",
		"{\"name\":5}", "{\"name\":null}", "{\"name\":\"x\",\"age\":1}",
		"[\"x\"]", "{\"name\":", "{\"name\":\"\\u0001\"}" };
	const char *n0 =
	    sql(qout, sizeof(qout), "SELECT count(*) FROM drivers");
	char before[32], path[128];

	snprintf(before, sizeof(before), "%s", n0);
	for (size_t i = 0; i < nitems(bodies); i++) {
		is_int(call("POST", "/api/drivers", bodies[i]), 400, bodies[i]);
		snprintf(path, sizeof(path), "/api/drivers/%s", alice);
		is_int(call("PUT", path, bodies[i]), 400, bodies[i]);
	}
	is_int(call("POST", "/api/drivers", "{\"name\":\"Alice\"}"), 409,
	    "a taken name is 409");
	is_str(code(), "name_taken", "name_taken");
	snprintf(path, sizeof(path), "/api/drivers/%s", bob);
	is_int(call("PUT", path, "{\"name\":\"Alice\"}"), 409,
	    "renaming to a taken name is 409");
	is_int(call("PUT", "/api/drivers/nope", "{\"name\":\"Z\"}"), 400,
	    "a malformed id is 400");
	is_int(call("PUT", "/api/drivers/" NO_SUCH, "{\"name\":\"Z\"}"), 404,
	    "an unknown driver is 404");
	is_int(call("PUT", "/api/drivers/" OTHER_DRIVER, "{\"name\":\"Z\"}"),
	    404, "another account's driver is 404");
	is_int(call("DELETE", "/api/drivers/" OTHER_DRIVER, NULL), 404,
	    "and cannot be deleted");
	is_int(call("DELETE", "/api/drivers/" NO_SUCH, NULL), 404,
	    "deleting an unknown driver is 404");
	is_int(call("DELETE", "/api/drivers/x", NULL), 400,
	    "deleting a malformed id is 400");
	is_int(call("GET", "/api/drivers?cursor=x", NULL), 400, "bad cursor");
	is_int(call("GET", "/api/drivers?limit=0", NULL), 400, "bad limit");
	is_str(sql(qout, sizeof(qout), "SELECT count(*) FROM drivers"), before,
	    "nothing stored");
	is_str(sql(qout, sizeof(qout),
		   "SELECT name FROM drivers WHERE id = '%s'", bob),
	    "Bob", "Bob is still Bob");
	is_str(sql(qout, sizeof(qout),
		   "SELECT name FROM drivers WHERE id = '" OTHER_DRIVER "'"),
	    "Theirs", "theirs untouched");
}

/* Stage 1: the analytics job attributes by the first rules. */
static void
t_job(void)
{
	char body[512], path[128];

	/* Specificity 1 (Tuesday), priority 100. */
	is_int(new_rule(alice, "{\"name\":\"Tuesdays\",\"weekdays\":[2]}", r_a),
	    201, "a weekday rule");
	is_str(got("name"), "Tuesdays", "named");
	is_int(json_integer_value(json_object_get(last.json, "priority")), 100,
	    "priority 100 by default");
	is_int(json_integer_value(json_object_get(last.json, "specificity")), 1,
	    "specificity 1");
	usleep(10 * 1000);
	/* Specificity 1 (home), priority 100, newer: loses the tie. */
	snprintf(body, sizeof(body), "{\"place_id\":\"%s\"}", home);
	is_int(new_rule(bob, body, NULL), 201, "a place rule");
	/* Would win drive 1 (specificity 3) but is disabled. */
	snprintf(body, sizeof(body),
	    "{\"vehicle_id\":\"" CAR "\",\"place_id\":\"%s\",\"start_time\":"
	    "\"08:00\",\"end_time\":\"09:00\",\"enabled\":false}",
	    home);
	is_int(new_rule(dave, body, NULL), 201, "a disabled rule");
	ok(json_is_false(json_object_get(last.json, "enabled")), "disabled");
	/* Mondays only: matches neither. */
	is_int(new_rule(dave, "{\"weekdays\":[1],\"priority\":0}", NULL), 201,
	    "a Monday rule");
	snprintf(path, sizeof(path), "/api/drivers/%s/rules", dave);
	is_int(call("GET", path, NULL), 200, "Dave's rules");
	is_int(json_array_size(json_object_get(last.json, "data")), 2, "two");

	is_int(sync_job("analytics"), 0, "the analytics job runs");
	expect(d1, "Alice", "rule", r_a,
	    "drive 1: Alice's Tuesday rule and Bob's home rule are equally "
	    "specific with the same priority: the older rule wins");
	expect(d2, "Alice", "rule", r_a, "drive 2: only Tuesdays matches");
}

/* Stages 2-5: more rules, applied in bulk. */
static void
t_rules(void)
{
	char body[512], path[160];

	/* Specificity 1 (work: drive 1 ends there, drive 2 is there). */
	snprintf(
	    body, sizeof(body), "{\"place_id\":\"%s\",\"priority\":10}", work);
	is_int(new_rule(carol, body, NULL), 201, "a work rule, priority 10");
	is_int(
	    attribute("{\"vehicle_id\":\"" CAR "\"}"), 2, "both drives change");
	expect(d1, "Carol", "rule",
	    sql(qout, sizeof(qout),
		"SELECT id FROM driver_rules WHERE "
		"driver_id = '%s'",
		carol),
	    "drive 1: at equal specificity the lower priority number wins");
	is_str(sql(qout, sizeof(qout),
		   "SELECT count(*) FROM drives WHERE driver_id = '%s' AND "
		   "vehicle_id = '" CAR "'",
		   carol),
	    "2", "drive 2 too");

	/* Specificity 2, priority 1000; 08:09 local but 07:09 UTC. */
	is_int(new_rule(dave,
		   "{\"vehicle_id\":\"" CAR "\",\"start_time\":\"08:00\","
		   "\"end_time\":\"08:30\",\"priority\":1000}",
		   r_d),
	    201, "a vehicle and window rule");
	is_int(attribute("{\"vehicle_id\":\"" CAR "\"}"), 1, "one changes");
	expect(d1, "Dave", "rule", r_d,
	    "drive 1: more specific beats a lower priority number, in local "
	    "time");
	is_str(who(d2),
	    sql(qout, sizeof(qout),
		"SELECT 'Carol|rule|' || id FROM driver_rules "
		"WHERE driver_id = '%s'",
		carol),
	    "drive 2 at 08:49 local is outside the window");

	/* Specificity 3, a window over midnight. */
	snprintf(body, sizeof(body),
	    "{\"vehicle_id\":\"" CAR "\",\"place_id\":\"%s\",\"start_time\":"
	    "\"22:00\",\"end_time\":\"08:30\",\"weekdays\":[2,1]}",
	    home);
	is_int(new_rule(bob, body, r_e), 201, "a window over midnight");
	is_int(json_integer_value(json_object_get(last.json, "specificity")), 4,
	    "specificity 4");
	is_int(attribute("{\"from\":\"2024-03-05T07:30:00Z\"}"), 0,
	    "a range after drive 1 changes nothing");
	is_int(attribute("{\"vehicle_id\":\"" CAR
			 "\",\"to\":\"2024-03-05T07:30:00Z\"}"),
	    1, "a range with drive 1 changes it");
	expect(d1, "Bob", "rule", r_e, "drive 1: 08:09 is in 22:00-08:30");
	is_int(attribute("{\"vehicle_id\":\"" CAR "\"}"), 0,
	    "attributing again changes nothing");

	snprintf(path, sizeof(path), "/api/drivers/%s/rules/%s", alice, r_e);
	is_int(call("DELETE", path, NULL), 404,
	    "a rule under another driver is 404");
	snprintf(path, sizeof(path), "/api/drivers/%s/rules/%s", bob, r_e);
	is_int(call("DELETE", path, NULL), 204, "delete the rule");
	expect(d1, "Bob", "rule", "-",
	    "drive 1 keeps its driver until the next attribution");
	is_int(call("DELETE", path, NULL), 404, "gone");
	is_int(attribute("{}"), 1, "re-attribution changes drive 1 back");
	expect(d1, "Dave", "rule", r_d, "drive 1: Dave again");
}

static void
t_rules_bad(void)
{
	static const char *const b400[] = { "{\"weekdays\":[0]}",
		"{\"weekdays\":[8]}", "{\"weekdays\":[1,1]}",
		"{\"weekdays\":[\"1\"]}", "{\"weekdays\":[]}",
		"{\"weekdays\":[1,2,3,4,5,6,7,1]}", "{\"weekdays\":\"mon\"}",
		"{\"weekdays\":[1.5]}",
		"{\"start_time\":\"25:00\","
		"\"end_time\":\"08:00\"}",
		"{\"start_time\":\"7:30\",\"end_time\":\"08:00\"}",
		"{\"start_time\":\"07:60\",\"end_time\":\"08:00\"}",
		"{\"start_time\":730,\"end_time\":800}", "{\"priority\":-1}",
		"{\"priority\":1000001}", "{\"priority\":1.5}",
		"{\"priority\":\"1\"}", "{\"enabled\":\"yes\"}",
		"{\"enabled\":null}", "{\"vehicle_id\":\"x\"}",
		"{\"place_id\":5}", "{\"name\":\"\"}",
		"{\"driver_id\":\"" NO_SUCH "\"}", "[]", "{" };
	static const char *const b422[] = { "{\"start_time\":\"08:00\"}",
		"{\"end_time\":\"08:00\"}",
		"{\"start_time\":\"08:00\",\"end_time\":\"08:00\"}",
		"{\"vehicle_id\":\"" OTHER_CAR "\"}",
		"{\"vehicle_id\":\"" NO_SUCH "\"}",
		"{\"place_id\":\"" NO_SUCH "\"}" };
	char before[32], path[160], id[40];

	snprintf(before, sizeof(before), "%s",
	    sql(qout, sizeof(qout), "SELECT count(*) FROM driver_rules"));
	for (size_t i = 0; i < nitems(b400); i++)
		is_int(new_rule(alice, b400[i], NULL), 400, b400[i]);
	for (size_t i = 0; i < nitems(b422); i++)
		is_int(new_rule(alice, b422[i], NULL), 422, b422[i]);
	is_int(new_rule(NO_SUCH, "{}", NULL), 404, "unknown driver: 404");
	is_int(new_rule(OTHER_DRIVER, "{}", NULL), 404,
	    "another account's driver: 404");
	is_int(new_rule("x", "{}", NULL), 400, "malformed driver id: 400");
	/* Dave's window rule again, for Alice: a contradiction. */
	is_int(new_rule(alice,
		   "{\"vehicle_id\":\"" CAR "\",\"start_time\":\"08:00\","
		   "\"end_time\":\"08:30\",\"priority\":1000}",
		   NULL),
	    409, "the same criteria and priority as another driver's rule");
	is_str(code(), "contradictory_rule", "contradictory_rule");
	ok(strstr(json_string_value(json_object_get(
		      json_object_get(last.json, "error"), "message"))
		   ?: "",
	       r_d) != NULL,
	    "the message names the other rule");
	is_str(sql(qout, sizeof(qout), "SELECT count(*) FROM driver_rules"),
	    before, "nothing stored");
	is_int(new_rule(alice,
		   "{\"vehicle_id\":\"" CAR "\",\"start_time\":\"08:00\","
		   "\"end_time\":\"08:30\",\"priority\":1000,\"enabled\":"
		   "false}",
		   id),
	    201, "disabled, it contradicts nothing");
	snprintf(path, sizeof(path), "/api/drivers/%s/rules/%s", alice, id);
	is_int(call("DELETE", path, NULL), 204, "deleted again");
	is_int(call("GET", "/api/drivers/" OTHER_DRIVER "/rules", NULL), 404,
	    "another account's rules: 404");
	is_int(call("GET", "/api/drivers/x/rules", NULL), 400, "bad id: 400");
	snprintf(path, sizeof(path), "/api/drivers/%s/rules/x", alice);
	is_int(call("DELETE", path, NULL), 400, "bad rule id: 400");
	snprintf(path, sizeof(path), "/api/drivers/%s/rules/" NO_SUCH, alice);
	is_int(call("DELETE", path, NULL), 404, "unknown rule: 404");
}

/* Stage 6: by hand. */
static void
t_manual(void)
{
	char path[128], body[128], id2[40];

	snprintf(path, sizeof(path), "/api/drives/%s/driver", d2);
	snprintf(body, sizeof(body), "{\"driver_id\":\"%s\"}", alice);
	is_int(call("PUT", path, body), 200, "assign drive 2 to Alice");
	is_str(got("attribution"), "manual", "manual");
	expect(d2, "Alice", "manual", "-", "stored");
	snprintf(path, sizeof(path), "/api/drives/%s", d2);
	is_int(call("GET", path, NULL), 200, "GET the drive");
	is_str(
	    got("attribution"), "manual", "it says its driver was set by hand");
	ok(json_is_null(json_object_get(last.json, "driver_rule_id")),
	    "by no rule");
	snprintf(path, sizeof(path), "/api/drives/%s", d1);
	is_int(call("GET", path, NULL), 200, "GET the other drive");
	is_str(got("attribution"), "rule", "its driver came from a rule");
	is_str(got("driver_rule_id"), r_d, "and says which");
	snprintf(path, sizeof(path), "/api/drives/%s/driver", d2);
	is_int(attribute("{}"), 0, "rules leave a manual drive alone");
	expect(d2, "Alice", "manual", "-", "still Alice");
	is_int(sync_job("recompute"), 0, "tessie-sync recompute runs");
	snprintf(id2, sizeof(id2), "%s",
	    sql(qout, sizeof(qout),
		"SELECT id FROM drives WHERE vehicle_id = '" CAR
		"' ORDER BY started_at OFFSET 1 LIMIT 1"));
	is_str(id2, d2, "drive 2 keeps its id");
	expect(d2, "Alice", "manual", "-", "and its manual driver");
	expect(d1, "Dave", "rule", r_d, "drive 1 keeps its rule");
	is_int(sync_job("analytics"), 0, "the analytics job runs");
	expect(d2, "Alice", "manual", "-", "still Alice after the job");

	is_int(call("PUT", path, "{\"driver_id\":null}"), 200, "clear it");
	ok(json_is_null(json_object_get(last.json, "attribution")),
	    "no attribution");
	is_int(
	    attribute("{\"vehicle_id\":\"" CAR "\"}"), 1, "back to the rules");
	is_str(who(d2),
	    sql(qout, sizeof(qout),
		"SELECT 'Carol|rule|' || id FROM driver_rules "
		"WHERE driver_id = '%s'",
		carol),
	    "drive 2: Carol's work rule again");
}

static void
t_manual_bad(void)
{
	char path[128], before[160];

	/* After the recompute, which would have deleted it. */
	sql(qout, sizeof(qout),
	    "INSERT INTO drives (id, vehicle_id, started_at, ended_at) VALUES "
	    "('" OTHER_DRIVE "', '" OTHER_CAR "', '2024-03-05 07:00+00', "
	    "'2024-03-05 07:30+00') ON CONFLICT DO NOTHING");
	is_str(sql(qout, sizeof(qout),
		   "SELECT count(*) FROM drives WHERE id = '" OTHER_DRIVE "'"),
	    "1", "another account's drive");
	snprintf(before, sizeof(before), "%s", who(d2));
	snprintf(path, sizeof(path), "/api/drives/%s/driver", d2);
	is_int(call("PUT", path, "{}"), 400, "driver_id is required");
	is_int(call("PUT", path, "{\"driver_id\":\"x\"}"), 400, "not a UUID");
	is_int(call("PUT", path, "{\"driver_id\":5}"), 400, "a number");
	is_int(call("PUT", path, "{\"driver_id\":null,\"x\":1}"), 400,
	    "an unknown field");
	is_int(call("PUT", path, "{\"driver_id\":\"" NO_SUCH "\"}"), 422,
	    "an unknown driver");
	is_str(code(), "unknown_driver", "unknown_driver");
	is_int(call("PUT", path, "{\"driver_id\":\"" OTHER_DRIVER "\"}"), 422,
	    "another account's driver");
	is_int(call("PUT", "/api/drives/x/driver", "{\"driver_id\":null}"), 400,
	    "a malformed drive id");
	is_int(call("PUT", "/api/drives/" NO_SUCH "/driver",
		   "{\"driver_id\":null}"),
	    404, "an unknown drive");
	is_int(call("PUT", "/api/drives/" OTHER_DRIVE "/driver",
		   "{\"driver_id\":null}"),
	    404, "another account's drive");
	is_str(who(d2), before, "drive 2 unchanged");
	is_str(sql(qout, sizeof(qout),
		   "SELECT coalesce(attribution, '-') FROM drives WHERE id = "
		   "'" OTHER_DRIVE "'"),
	    "-", "theirs unchanged");

	is_int(
	    call("POST", "/api/drives/attribute", "{\"from\":\"yesterday\"}"),
	    400, "a malformed from");
	is_int(call("POST", "/api/drives/attribute", "{\"to\":5}"), 400,
	    "a number to");
	is_int(call("POST", "/api/drives/attribute", "{\"vehicle_id\":\"x\"}"),
	    400, "a malformed vehicle_id");
	is_int(call("POST", "/api/drives/attribute", "{\"all\":true}"), 400,
	    "an unknown field");
	is_int(call("POST", "/api/drives/attribute",
		   "{\"from\":\"2024-03-06T00:00:00Z\","
		   "\"to\":\"2024-03-05T00:00:00Z\"}"),
	    422, "from after to");
	is_int(call("POST", "/api/drives/attribute",
		   "{\"vehicle_id\":\"" OTHER_CAR "\"}"),
	    422, "another account's vehicle");
	is_str(code(), "unknown_vehicle", "unknown_vehicle");
}

/* A number member of data[i] of the last answer, or NAN. */
static double
num(size_t i, const char *key)
{
	json_t *v = json_object_get(
	    json_array_get(json_object_get(last.json, "data"), i), key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void
t_stats(void)
{
	char path[256], body[128];

	/* Drive 2 to Dave by hand: he has both. */
	snprintf(path, sizeof(path), "/api/drives/%s/driver", d2);
	snprintf(body, sizeof(body), "{\"driver_id\":\"%s\"}", dave);
	is_int(call("PUT", path, body), 200, "drive 2 to Dave");
	snprintf(
	    path, sizeof(path), "/api/drivers/%s/stats?period=month", dave);
	is_int(call("GET", path, NULL), 200, "Dave's monthly stats");
	is_int(json_array_size(json_object_get(last.json, "data")), 1,
	    "one month");
	is_str(json_string_value(json_object_get(
		   json_array_get(json_object_get(last.json, "data"), 0),
		   "period")),
	    "2024-03-01", "March 2024");
	ok(num(0, "drives") == 2, "2 drives");
	ok(fabs(num(0, "distance_km") - 20) < 1e-6, "15 + 5 = 20 km");
	ok(fabs(num(0, "energy_kwh") - 4.4745) < 1e-3,
	    "3.3559 + 1.1186 = 4.4745 kWh");
	/* 4474.5 Wh / 20 km. */
	ok(fabs(num(0, "efficiency_wh_per_km") - 223.73) < 0.05, "223.7 Wh/km");
	ok(num(0, "duration_s") == 3060, "31 + 20 minutes = 3060 s");
	ok(json_is_null(json_object_get(
	       json_array_get(json_object_get(last.json, "data"), 0), "cost")),
	    "cost is null");

	snprintf(path, sizeof(path),
	    "/api/drivers/%s/stats?period=day&units=imperial", dave);
	is_int(call("GET", path, NULL), 200, "daily, imperial");
	ok(fabs(num(0, "distance_mi") - 12.4274) < 1e-3, "20 km = 12.427 mi");
	/* 223.725 Wh/km / 0.621371 mi per km. */
	ok(fabs(num(0, "efficiency_wh_per_mi") - 360.05) < 0.1, "360.0 Wh/mi");
	ok(isnan(num(0, "distance_km")), "no km left");

	snprintf(path, sizeof(path),
	    "/api/drivers/%s/stats?period=year&from=2024-03-05T07:30:00Z",
	    dave);
	is_int(call("GET", path, NULL), 200, "from 07:30");
	ok(num(0, "drives") == 1 && fabs(num(0, "distance_km") - 5) < 1e-6,
	    "drive 2 only: 5 km");
	ok(fabs(num(0, "efficiency_wh_per_km") - 223.73) < 0.05,
	    "1118.6 Wh / 5 km");
	is_str(json_string_value(json_object_get(
		   json_array_get(json_object_get(last.json, "data"), 0),
		   "period")),
	    "2024-01-01", "2024");
	snprintf(path, sizeof(path), "/api/drivers/%s/stats", alice);
	is_int(call("GET", path, NULL), 200, "Alice's stats");
	is_int(json_array_size(json_object_get(last.json, "data")), 0,
	    "no drives now");

	snprintf(
	    path, sizeof(path), "/api/drivers/%s/stats?period=fortnight", dave);
	is_int(call("GET", path, NULL), 400, "an unknown period");
	snprintf(
	    path, sizeof(path), "/api/drivers/%s/stats?from=yesterday", dave);
	is_int(call("GET", path, NULL), 400, "a malformed from");
	snprintf(
	    path, sizeof(path), "/api/drivers/%s/stats?units=furlongs", dave);
	is_int(call("GET", path, NULL), 400, "unknown units");
	is_int(call("GET", "/api/drivers/x/stats", NULL), 400, "bad id");
	is_int(call("GET", "/api/drivers/" NO_SUCH "/stats", NULL), 404,
	    "unknown driver");
	is_int(call("GET", "/api/drivers/" OTHER_DRIVER "/stats", NULL), 404,
	    "another account's driver");
}

/* Deleting drivers: the drives stay, without them. */
static void
t_delete(void)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/drivers/%s", dave);
	is_int(call("DELETE", path, NULL), 204, "delete Dave");
	is_int(call("DELETE", path, NULL), 404, "gone");
	is_str(sql(qout, sizeof(qout),
		   "SELECT count(*) FROM drives WHERE vehicle_id = '" CAR "' "
		   "AND driver_id IS NULL"),
	    "2", "both drives stay, without a driver");
	is_str(sql(qout, sizeof(qout),
		   "SELECT count(*) FROM driver_rules WHERE driver_id = "
		   "'%s'",
		   dave),
	    "0", "his rules went with him");
	is_int(attribute("{\"vehicle_id\":\"" CAR "\"}"), 1,
	    "drive 1 goes back to the rules; drive 2 stays manual");
	expect(d1, "Carol", "rule",
	    sql(qout, sizeof(qout),
		"SELECT id FROM driver_rules WHERE driver_id = '%s'", carol),
	    "drive 1: Carol's work rule");
	expect(d2, "-", "manual", "-", "drive 2: manual, nobody");
	snprintf(path, sizeof(path), "/api/drives/%s/driver", d2);
	call("PUT", path, NULL);
	ok(last.status == 411 || last.status == 415,
	    "a body route without a body");
	is_int(call("GET", "/api/drivers", NULL), 200, "list");
	is_int(json_array_size(json_object_get(last.json, "data")), 3,
	    "three left");
	resp_free(&last);
	is_int(http_send(&last, "GET", "/api/drivers", NULL, NULL, NULL, 0),
	    401, "no token: 401");
}

static const struct tap_test tests[] = {
	TAP(t_setup),
	TAP(t_drivers),
	TAP(t_drivers_bad),
	TAP(t_job),
	TAP(t_rules),
	TAP(t_rules_bad),
	TAP(t_manual),
	TAP(t_manual_bad),
	TAP(t_stats),
	TAP(t_delete),
};

int
main(void)
{
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	client_pace_us = 25 * 1000; /* nginx's request rate */
	login(token, sizeof(token));
	rc = tap_run(tests, nitems(tests));
	/* Leave the account as test_it_derive.c left it. */
	sql(qout, sizeof(qout),
	    "DELETE FROM drivers WHERE name IN ('Alice', 'Bob', 'Carol', "
	    "'Dave'); DELETE FROM drives WHERE id = '" OTHER_DRIVE "'; "
	    "DELETE FROM drivers WHERE id = '" OTHER_DRIVER "'; "
	    "UPDATE drives SET attribution = NULL, driver_rule_id = NULL "
	    "WHERE vehicle_id = '" CAR "'; UPDATE accounts SET time_zone = "
	    "'%s' WHERE username = 'admin'",
	    tz[0] ? tz : "UTC");
	resp_free(&last);
	return rc;
}
