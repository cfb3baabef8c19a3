/*
 * tessie-sync against the Fleet API simulator (started by run.sh at a
 * fixed time and seed): what is stored, what is never called, and how
 * faults end.  Each check reads the simulator's call counters, the
 * fleet_api_calls ledger or the stored rows.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "stack.h"
#include "util.h"

static char token[2048];
static char car_id[3][24]; /* Tesla ids of the three cars */

/*
 * Puts a car to sleep for one vehicles run and wakes it, as when its owner
 * walks up to it: the next run asks for its data whatever it did before.
 */
static void
wake(int car)
{
	set_state(car_id[car], "asleep");
	sync_job("vehicles");
	set_state(car_id[car], "online");
}

static long
states_of(int car)
{
	return sql_long("SELECT count(*) FROM vehicle_states s JOIN vehicles v "
			"ON v.id = s.vehicle_id WHERE v.tesla_id = %s",
	    car_id[car]);
}

static void
connect_account(const char *refresh)
{
	char body[256];
	struct resp r;

	snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", refresh);
	http_post_json(&r, "/api/auth/token", token, body);
	if (r.status != 201)
		printf("# storing the token: HTTP %ld\n", r.status);
	resp_free(&r);
}

static void
t_asleep_never_polled(void)
{
	long before0;

	sim_do("POST", "/sim/reset-calls", "{}");
	set_state(car_id[0], "asleep");
	set_state(car_id[1], "online");
	set_state(car_id[2], "online");
	before0 = states_of(0);
	is_int(sync_job("vehicles"), 0, "vehicles job succeeds");
	is_int(calls(car_id[0], "vehicle_data"), 0,
	    "an asleep car is never sent "
	    "vehicle_data");
	is_int(calls(NULL, "wake_up"), 0, "and no car is ever woken");
	is_int(calls(car_id[1], "vehicle_data"), 1,
	    "an online car is polled once");
	is_int(states_of(0), before0, "nothing stored for the asleep car");
	ok(states_of(1) >= 1 && states_of(2) >= 1,
	    "the online cars' states are stored");
	is_int(sql_long("SELECT count(*) FROM vehicles WHERE tesla_id = %s AND "
			"model IN ('Model 3', 'Model Y', 'Model S')",
		   car_id[1]),
	    1, "the model comes from vehicle_config");
	is_int(sql_long("SELECT count(*) FROM vehicles WHERE state = "
			"'asleep' AND tesla_id = %s",
		   car_id[0]),
	    1, "the asleep state is recorded");
	is_int(sql_long("SELECT count(*) FROM fleet_api_calls WHERE "
			"endpoint = '/api/1/vehicles' AND endpoint_class = "
			"'free' AND cost = 0%s",
		   ""),
	    sql_long("SELECT count(*) FROM fleet_api_calls WHERE endpoint "
		     "= '/api/1/vehicles'%s",
		""),
	    "the vehicle list is recorded as free");
	ok(sql_long("SELECT count(*) FROM fleet_api_calls WHERE endpoint = "
		    "'/api/1/vehicles/{id}/vehicle_data' AND cost = 0.002%s",
	       "") >= 2,
	    "each vehicle_data is recorded at $0.002");
}

static void
t_idempotent(void)
{
	char before[128], after[128];
	json_t *clk = sim("GET", "/sim/clock", NULL);
	char body[128];

	/* Back one hour, on a whole minute, so nothing moves meanwhile. */
	snprintf(body, sizeof(body), "{\"advance_s\":%d}",
	    -3600 -
		(int)(json_integer_value(json_object_get(clk, "now_ms")) /
		    1000 % 60));
	json_decref(clk);
	sim_do("POST", "/sim/clock", body);
	/* Missing days come a few at a time: fetch until none is missing. */
	for (int i = 0; i < 3; i++)
		sync_job("energy_history");
	is_int(sync_job("energy_history"), 0, "energy history is fetched");
	sql(before, sizeof(before),
	    "SELECT count(*) || ' ' || max(fetched_at) FROM energy_history");
	ok(atoi(before) > 0, "and stored");
	is_int(sync_job("energy_history"), 0, "and fetched again");
	sql(after, sizeof(after),
	    "SELECT count(*) || ' ' || max(fetched_at) FROM energy_history");
	is_str(after, before, "re-polling the same buckets changes nothing");
}

/* Sum over the cars of the simulator's odometers, km. */
static double
sim_odometers(void)
{
	json_t *st = sim("GET", "/sim/state", NULL), *v;
	double km = 0;
	size_t i;

	json_array_foreach(json_object_get(st, "vehicles"), i, v) km +=
	    json_number_value(json_object_get(v, "odometer_km"));
	json_decref(st);
	return km;
}

static void
t_day(void)
{
	char buf[256], body[128], t0[64];
	double truth;
	int failed = 0;

	/*
	 * The latest weekday 05:00 in Berlin that is not in the future, so
	 * that samples are never ahead of our clock and the day has commutes.
	 */
	sql(buf, sizeof(buf),
	    "SELECT to_char(max(d + time '05:00') AT TIME ZONE "
	    "'Europe/Berlin', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	    "FROM generate_series((now() AT TIME ZONE 'Europe/Berlin')::date "
	    "- 4, (now() AT TIME ZONE 'Europe/Berlin')::date, '1 day') d "
	    "WHERE extract(isodow FROM d) <= 5 AND d + time '05:00' <= "
	    "now() AT TIME ZONE 'Europe/Berlin'");
	snprintf(t0, sizeof(t0), "%.40s", buf);
	snprintf(body, sizeof(body), "{\"set\":\"%s\"}", t0);
	sim_do("POST", "/sim/clock", body);
	for (int i = 0; i < 3; i++)
		set_state(car_id[i], "auto");
	truth = sim_odometers();
	/* 20 hours in 20-minute steps, the jobs running as cron would. */
	for (int step = 0; step < 60; step++) {
		sim_do("POST", "/sim/clock", "{\"advance_s\":1200}");
		failed += sync_job("vehicles") != 0;
		failed += sync_job("energy_live") != 0;
		if (step % 6 == 5)
			failed += sync_job("energy_history") != 0;
	}
	truth = sim_odometers() - truth;
	is_int(failed, 0, "every run of a simulated day succeeds");
	ok(truth > 10, "the household drove that day (simulator's odometers)");
	sql(buf, sizeof(buf),
	    "SELECT sum(d) FROM (SELECT max(odometer_km) - min(odometer_km) "
	    "AS d FROM vehicle_states WHERE ts >= '%s'::timestamptz "
	    "GROUP BY vehicle_id) x",
	    t0);
	if (!ok(atof(buf) >= 0.8 * truth && atof(buf) <= truth + 0.5,
		"the stored odometers account for the distance driven"))
		printf("#   stored %s km, driven %.1f km\n", buf, truth);
	sql(buf, sizeof(buf),
	    "SELECT count(DISTINCT battery_level) FROM vehicle_states");
	ok(atoi(buf) > 3, "battery levels changed through the day");
	ok(sql_long("SELECT count(*) FROM vehicle_states WHERE latitude IS "
		    "NOT NULL AND odometer_km > 0%s",
	       "") > 5,
	    "states carry position and odometer");
	ok(sql_long("SELECT count(*) FROM energy_states%s", "") >= 55,
	    "an energy state per run");
	{
		/* The Powerwall's reserve and mode, as the simulator says. */
		char id[64], site[64], path[128];
		json_t *root, *si;
		struct resp r;

		/* A site of the simulator's (the fixtures have others). */
		json_t *prod = sim("GET", "/api/1/products", NULL), *it;
		size_t k;

		id[0] = '\0';
		json_array_foreach(json_object_get(prod, "response"), k, it)
		{
			if (id[0] == '\0' &&
			    json_is_integer(
				json_object_get(it, "energy_site_id")))
				snprintf(id, sizeof(id), "%lld",
				    (long long)json_integer_value(
					json_object_get(it, "energy_site_id")));
		}
		json_decref(prod);
		sql(site, sizeof(site),
		    "SELECT id FROM energy_sites WHERE tesla_site_id = %s",
		    id[0] ? id : "0");
		snprintf(
		    path, sizeof(path), "/api/1/energy_sites/%s/site_info", id);
		root = sim("GET", path, NULL);
		si = json_object_get(root, "response");
		snprintf(path, sizeof(path), "/api/energy/sites/%s/live", site);
		http_get(&r, path, token);
		ok(json_is_integer(
		       json_object_get(si, "backup_reserve_percent")),
		    "the simulator's site_info has a reserve");
		ok(json_equal(json_object_get(r.json, "backup_reserve_percent"),
		       json_object_get(si, "backup_reserve_percent")),
		    "live: the Powerwall's backup reserve from site_info");
		is_str(json_string_value(
			   json_object_get(r.json, "operation_mode")),
		    json_string_value(json_object_get(si, "default_real_mode")),
		    "live: its operation mode");
		resp_free(&r);
		json_decref(root);
	}
	ok(sql_long("SELECT count(*) FROM energy_states WHERE abs(load_power_w "
		    "- solar_power_w - battery_power_w - grid_power_w - "
		    "coalesce(generator_power_w, 0)) > 1%s",
	       "") == 0,
	    "every stored energy state balances");
	ok(sql_long("SELECT max(n) FROM (SELECT count(*) AS n FROM "
		    "energy_history WHERE period = '5min' GROUP BY (ts AT TIME "
		    "ZONE 'Europe/Berlin')::date) x%s",
	       "") >= 288,
	    "a whole day of 5-minute energy history");
	is_int(calls(NULL, "wake_up"), 0, "no wake_up in a whole day");
	/* The drives of that day add up to what the cars drove. */
	is_int(sync_job("analytics"), 0, "analytics over the day");
	sql(buf, sizeof(buf),
	    "SELECT coalesce(sum(distance_km), 0) FROM drives d JOIN "
	    "vehicles v ON v.id = d.vehicle_id WHERE v.tesla_id IN (%s, %s, "
	    "%s) AND d.started_at >= '%s'::timestamptz",
	    car_id[0], car_id[1], car_id[2], t0);
	if (!ok(atof(buf) >= 0.8 * truth && atof(buf) <= truth + 0.5,
		"the day's drives add up to the distance driven"))
		printf("#   drives %s km, driven %.1f km\n", buf, truth);
	sql(buf, sizeof(buf),
	    "SELECT count(*) || ' ' || min(n) || ' ' || max(n) FROM (SELECT "
	    "count(*) AS n FROM energy_states WHERE source = 'history' GROUP "
	    "BY (ts AT TIME ZONE 'Europe/Berlin')::date) x");
	{
		int days = 0, lo = 0, hi = 0;

		sscanf(buf, "%d %d %d", &days, &lo, &hi);
		ok(days >= 3, "gaps of past days filled from power history");
		ok(lo >= 92 && hi <= 100,
		    "each with its day of 15-minute samples, once");
	}
	ok(sql_long("SELECT count(*) FROM energy_states WHERE source = "
		    "'history' AND abs(load_power_w - solar_power_w - "
		    "battery_power_w - grid_power_w) > 1%s",
	       "") == 0,
	    "backfilled samples balance too");
}

/*
 * A parked car that is polled every five minutes would never sleep: after
 * ten minutes without change it is left alone, and falls asleep.  Also when
 * a sample stamped ahead of the car's clock is stored (a clock that ran
 * ahead once; the parser takes up to a day): its last state is the one we
 * got last, not the latest stamped.
 */
static void
t_let_sleep(void)
{
	char ahead[128];
	json_t *st, *v;
	int car = -1, n0, polls;
	size_t i;

	/* The night after that day: wait for a car that is done charging
	 * (samples must stay within a day of our clock). */
	for (int tries = 0; tries < 6 && car < 0; tries++) {
		st = sim("GET", "/sim/state", NULL);
		json_array_foreach(json_object_get(st, "vehicles"), i, v)
		{
			const char *cs = json_string_value(
			    json_object_get(v, "charging_state"));
			const char *act =
			    json_string_value(json_object_get(v, "activity"));

			if (car < 0 && i < 3 && act != NULL &&
			    strcmp(act, "parked") == 0 &&
			    (cs == NULL ||
				(strcmp(cs, "Charging") != 0 &&
				    strcmp(cs, "Starting") != 0)))
				car = (int)i;
		}
		json_decref(st);
		if (car < 0)
			sim_do("POST", "/sim/clock", "{\"advance_s\":1800}");
	}
	if (!ok(car >= 0, "a parked car that is not charging"))
		return;
	for (int k = 0; k < 3; k++)
		set_state(car_id[k], k == car ? "auto" : "asleep");
	/* Its latest sample again, six hours ahead of the car's clock. */
	sql(ahead, sizeof(ahead),
	    "INSERT INTO vehicle_states SELECT (jsonb_populate_record("
	    "NULL::vehicle_states, to_jsonb(s) || jsonb_build_object('ts', "
	    "s.ts + interval '6 hours'))).* FROM vehicle_states s JOIN "
	    "vehicles v ON v.id = s.vehicle_id WHERE v.tesla_id = %s ORDER "
	    "BY s.ts DESC LIMIT 1 RETURNING ts",
	    car_id[car]);
	ok(strncmp(ahead, "20", 2) == 0,
	    "a sample stamped ahead of the car's clock");
	/* The owner opens the app: the car wakes (the simulator's model). */
	{
		char path[96];
		struct resp r;

		snprintf(path, sizeof(path), "/api/1/vehicles/%s/wake_up",
		    car_id[car]);
		sim_send(&r, "POST", path, NULL);
		is_int(r.status, 200, "the car is woken by its owner");
		resp_free(&r);
	}
	sim_do("POST", "/sim/clock", "{\"advance_s\":30}");
	n0 = (int)calls(car_id[car], "vehicle_data");
	for (int run = 0; run < 6; run++) {
		sync_job("vehicles");
		sim_do("POST", "/sim/clock", "{\"advance_s\":300}");
	}
	polls = (int)calls(car_id[car], "vehicle_data") - n0;
	sql(ahead, sizeof(ahead),
	    "DELETE FROM vehicle_states WHERE vehicle_id = (SELECT id FROM "
	    "vehicles WHERE tesla_id = %s) AND ts = '%s'",
	    car_id[car], ahead);
	is_int(polls, 3, "polled three times in 30 minutes, then left alone");
	is_int(sql_long("SELECT count(*) FROM vehicles WHERE tesla_id = %s "
			"AND state = 'asleep'",
		   car_id[car]),
	    1, "and the car fell asleep");
	ok(sql_long("SELECT count(*) FROM sync_runs WHERE job = 'vehicles' "
		    "AND (details->>'idle')::int > 0%s",
	       "") > 0,
	    "the runs say they let it be");
	for (int k = 0; k < 3; k++)
		set_state(car_id[k], "auto");
}

static void
t_401_refresh(void)
{
	long refreshes;

	wake(1);
	refreshes = sql_long("SELECT count(*) FROM fleet_api_calls WHERE "
			     "endpoint = '/oauth2/v3/token'%s",
	    "");
	sim_do("POST", "/sim/expire-token", "{}");
	is_int(sync_job("vehicles"), 0, "after a 401 the run succeeds");
	is_int(sql_long("SELECT count(*) FROM fleet_api_calls WHERE endpoint "
			"= '/oauth2/v3/token'%s",
		   ""),
	    refreshes + 1, "with exactly one refresh");
	ok(sql_long("SELECT count(*) FROM fleet_api_calls WHERE http_status "
		    "= 401 AND ts > now() - interval '1 minute'%s",
	       "") >= 1,
	    "and the 401 is in the ledger");
}

static void
t_429(void)
{
	long before = sql_long("SELECT count(*) FROM fleet_api_calls WHERE "
			       "http_status = 429%s",
	    "");
	char body[160];

	wake(1);
	snprintf(body, sizeof(body),
	    "{\"path\":\"vehicle_data\",\"vehicle\":%s,\"kind\":\"status\","
	    "\"status\":429,\"retry_after\":1,\"count\":1}",
	    car_id[1]);
	sim_do("POST", "/sim/faults", body);
	is_int(sync_job("vehicles"), 0,
	    "a 429 with Retry-After: 1 is waited "
	    "out");
	is_int(sql_long("SELECT count(*) FROM fleet_api_calls WHERE "
			"http_status = 429%s",
		   ""),
	    before + 1, "the 429 is recorded");
	is_int(sql_long("SELECT items_failed FROM sync_runs WHERE job = "
			"'vehicles' ORDER BY id DESC LIMIT 1%s",
		   ""),
	    0, "and the retry succeeded");
	sim_do("DELETE", "/sim/faults", NULL);
}

static void
t_5xx(void)
{
	char buf[256];

	set_state(car_id[0], "asleep");
	set_state(car_id[2], "asleep");
	wake(1);
	sim_do("POST", "/sim/faults",
	    "{\"path\":\"vehicle_data\",\"kind\":\"status\",\"status\":503}");
	is_int(sync_job("vehicles"), 0, "503s fail the item, not the run");
	sql(buf, sizeof(buf),
	    "SELECT items_failed || '/' || api_calls FROM sync_runs WHERE job "
	    "= 'vehicles' ORDER BY id DESC LIMIT 1");
	is_str(buf, "1/5", "one item failed after 4 attempts (+ the list)");
	sim_do("DELETE", "/sim/faults", NULL);
}

static void
t_malformed(void)
{
	char body[160], buf[64];
	long s2 = states_of(2);

	set_state(car_id[1], "asleep");
	set_state(car_id[2], "asleep");
	sync_job("vehicles");
	set_state(car_id[1], "online");
	set_state(car_id[2], "online");
	s2 = states_of(2);
	snprintf(body, sizeof(body),
	    "{\"path\":\"vehicle_data\",\"vehicle\":%s,\"kind\":\"malformed\","
	    "\"count\":1}",
	    car_id[1]);
	sim_do("POST", "/sim/faults", body);
	is_int(sync_job("vehicles"), 0, "malformed JSON for one car");
	sql(buf, sizeof(buf),
	    "SELECT items_ok || '/' || items_failed FROM sync_runs WHERE job "
	    "= 'vehicles' ORDER BY id DESC LIMIT 1");
	is_str(buf, "1/1", "that item skipped, the other stored");
	is_int(states_of(2), s2 + 1, "the other car's state is stored");
	snprintf(body, sizeof(body),
	    "{\"path\":\"vehicle_data\",\"vehicle\":%s,"
	    "\"kind\":\"wrong_types\",\"count\":1}",
	    car_id[1]);
	sim_do("POST", "/sim/faults", body);
	set_state(car_id[2], "asleep");
	wake(1);
	is_int(sync_job("vehicles"), 0, "wrong types for one car");
	is_int(sql_long("SELECT count(*) FROM vehicle_states s JOIN vehicles v "
			"ON v.id = s.vehicle_id WHERE v.tesla_id = %s AND "
			"s.ts > now() - interval '100 years' AND "
			"s.odometer_km IS NULL",
		   car_id[1]),
	    1, "a string odometer is stored as NULL, never as a number");
	sim_do("DELETE", "/sim/faults", NULL);
}

static void
t_overlap_and_kill(void)
{
	char buf[256];
	long before;
	pid_t pid;

	wake(1);
	before = states_of(1);
	sim_do("POST", "/sim/faults",
	    "{\"path\":\"vehicle_data\",\"kind\":\"slow\",\"delay_ms\":4000}");
	pid = job_spawn("vehicles");
	usleep(1000 * 1000);
	is_int(sync_job("vehicles"), 75, "an overlapping run exits 75");
	sql(buf, sizeof(buf),
	    "SELECT status || ': ' || message FROM sync_runs WHERE job = "
	    "'vehicles' ORDER BY id DESC LIMIT 1");
	ok(strncmp(buf, "skipped: another vehicles run is in progress", 44) ==
		0,
	    "and says why in its run record");
	kill(pid, SIGKILL);
	job_wait(pid);
	is_int(sql_long("SELECT count(*) FROM sync_runs WHERE status = "
			"'running'%s",
		   ""),
	    1, "a killed run is left running");
	is_int(states_of(1), before, "nothing of the killed run was stored");
	sim_do("DELETE", "/sim/faults", NULL);
	before = states_of(1);
	set_state(car_id[1], "asleep");
	sync_job("vehicles");
	set_state(car_id[1], "online");
	is_int(sync_job("vehicles"), 0, "the next run completes");
	is_int(states_of(1), before + 1, "and stores the state");
	sql(buf, sizeof(buf),
	    "SELECT status || ': ' || error FROM sync_runs WHERE job = "
	    "'vehicles' AND error LIKE 'interrupted%%' LIMIT 1");
	ok(strncmp(buf, "failed: interrupted", 19) == 0,
	    "the killed run is marked failed: interrupted");
}

static void
t_budget(void)
{
	char buf[512];

	wake(1);
	sim_do("POST", "/sim/reset-calls", "{}");
	sql(buf, sizeof(buf),
	    "INSERT INTO settings (account_id, key, value) SELECT id, "
	    "'fleet_api_monthly_budget_usd', '0.001' FROM accounts WHERE "
	    "username = 'admin' ON CONFLICT (account_id, key) DO UPDATE SET "
	    "value = EXCLUDED.value");
	is_int(sync_job("vehicles"), 0, "over budget, the run succeeds");
	is_int(calls(car_id[1], "vehicle_data"), 0,
	    "but asks for no vehicle data");
	sql(buf, sizeof(buf),
	    "SELECT message FROM sync_runs WHERE job = 'vehicles' ORDER BY id "
	    "DESC LIMIT 1");
	ok(strstr(buf, "budget") != NULL, "and says so in its run record");
	is_str(sql(buf, sizeof(buf),
		   "SELECT details->>'throttled' FROM sync_runs WHERE job = "
		   "'vehicles' ORDER BY id DESC LIMIT 1"),
	    "true", "details.throttled");
	sql(buf, sizeof(buf), "DELETE FROM settings");
	wake(1);
	sim_do("POST", "/sim/reset-calls", "{}");
	is_int(sync_job("vehicles"), 0, "under budget again");
	is_int(calls(car_id[1], "vehicle_data"), 1,
	    "vehicle data is fetched again");
}

static void
t_queue(void)
{
	struct resp r;
	char buf[128];
	long long id;

	http_post_json(
	    &r, "/api/sync/trigger", token, "{\"job\":\"energy_live\"}");
	id = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	ok(id > 0, "a manual run is queued");
	is_int(sync_job("queue"), 0, "tessie-sync queue runs it");
	snprintf(buf, sizeof(buf), "%lld", id);
	is_str(sql(buf, sizeof(buf),
		   "SELECT status || '/' || trigger FROM sync_runs WHERE id = "
		   "%lld",
		   id),
	    "succeeded/manual", "and it succeeded as a manual run");
}

/* The optional worker starts a queued run at once (LISTEN/NOTIFY). */
static void
t_worker(void)
{
	char path[512], buf[64];
	struct resp r;
	long long id;
	pid_t pid;
	int st, i;

	if ((pid = fork()) == 0) {
		snprintf(path, sizeof(path), "%s/tessie-sync",
		    getenv("TEST_BUILD_DIR"));
		execl(path, "tessie-sync", "worker", (char *)NULL);
		_exit(127);
	}
	usleep(700 * 1000); /* its LISTEN is in place */
	http_post_json(
	    &r, "/api/sync/trigger", token, "{\"job\":\"energy_live\"}");
	id = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	ok(id > 0, "a manual run is queued");
	for (i = 0; i < 50; i++) {
		sql(buf, sizeof(buf),
		    "SELECT status FROM sync_runs WHERE id = "
		    "%lld",
		    id);
		if (strcmp(buf, "succeeded") == 0)
			break;
		usleep(100 * 1000);
	}
	is_str(buf, "succeeded", "the worker ran it within seconds");
	if (i < 50)
		printf("# started after about %d ms\n", i * 100);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "the worker stops cleanly on SIGTERM");
}

static void
t_tampered(void)
{
	char saved[4096], buf[512];

	sql(saved, sizeof(saved),
	    "SELECT encode(refresh_token_enc, 'hex') FROM tesla_tokens");
	sql(buf, sizeof(buf),
	    "UPDATE tesla_tokens SET refresh_token_enc = set_byte("
	    "refresh_token_enc, 20, get_byte(refresh_token_enc, 20) # 1), "
	    "expires_at = now()");
	is_int(sync_job("vehicles"), 70, "a tampered token fails the run");
	sql(buf, sizeof(buf),
	    "SELECT error FROM sync_runs WHERE job = 'vehicles' ORDER BY id "
	    "DESC LIMIT 1");
	ok(strstr(buf, "does not open") != NULL, "the ciphertext is refused");
	sql(buf, sizeof(buf),
	    "UPDATE tesla_tokens SET refresh_token_enc = decode('%s', 'hex')",
	    saved);
}

static void
t_refresh_rejected(void)
{
	struct resp r;
	char buf[512];

	connect_account("a-refresh-token-tesla-never-issued");
	is_int(sync_job("vehicles"), 70, "a rejected refresh fails the run");
	sql(buf, sizeof(buf),
	    "SELECT error FROM sync_runs WHERE job = 'vehicles' ORDER BY id "
	    "DESC LIMIT 1");
	ok(strstr(buf, "sign in") != NULL, "saying to sign in again");
	ok(strstr(buf, "never-issued") == NULL, "without the token");
	http_get(&r, "/api/auth/status", token);
	ok(json_is_true(json_object_get(r.json, "needs_login")),
	    "the account is flagged as needing a login");
	resp_free(&r);
	is_int(sync_job("vehicles"), 0, "the next run does not loop");
	is_int(sql_long("SELECT count(*) FROM fleet_api_calls WHERE endpoint "
			"= '/oauth2/v3/token' AND http_status = 401%s",
		   ""),
	    1, "one refused refresh, not one per run");
}

static void
t_421(void)
{
	char buf[256];

	sim_do("POST", "/sim/faults",
	    "{\"path\":\"/api/1/vehicles\",\"kind\":\"status\","
	    "\"status\":421,\"count\":1}");
	is_int(sync_job("vehicles"), 70, "a 421 (wrong region) fails the run");
	sql(buf, sizeof(buf),
	    "SELECT error FROM sync_runs WHERE job = 'vehicles' ORDER BY id "
	    "DESC LIMIT 1");
	ok(strstr(buf, "421") != NULL && strstr(buf, "region") != NULL,
	    "and says the region is wrong");
	sim_do("DELETE", "/sim/faults", NULL);
	is_int(sync_job("vehicles"), 0, "the next run is fine");
}

static void
t_wake(void)
{
	char path[128], uuid[64], retry[16] = "";
	struct resp r;

	sim_do("POST", "/sim/reset-calls", "{}");
	set_state(car_id[0], "auto");
	sql(uuid, sizeof(uuid), "SELECT id FROM vehicles WHERE tesla_id = %s",
	    car_id[0]);
	snprintf(path, sizeof(path), "/api/vehicles/%s/wake", uuid);
	http_send(&r, "POST", path, token, NULL, NULL, 0);
	is_int(r.status, 202, "wake on request is 202");
	ok(json_is_string(json_object_get(r.json, "state")),
	    "with the state Tesla reported");
	resp_free(&r);
	is_int(calls(car_id[0], "wake_up"), 1, "one wake_up reached Tesla");
	is_int(sql_long("SELECT count(*) FROM fleet_api_calls WHERE "
			"endpoint_class = 'wake' AND cost = 0.02 AND "
			"vehicle_id = '%s'",
		   uuid),
	    1, "recorded at $0.02");
	http_send(&r, "POST", path, token, NULL, NULL, 0);
	is_int(r.status, 429, "a second wake at once is refused");
	ok(resp_header(&r, "Retry-After", retry, sizeof(retry)) &&
		atoi(retry) > 0,
	    "with Retry-After");
	resp_free(&r);
	is_int(calls(car_id[0], "wake_up"), 1, "and never reaches Tesla");
	http_send(&r, "POST",
	    "/api/vehicles/44444444-4444-4444-8444-444444444444/wake", token,
	    NULL, NULL, 0);
	is_int(r.status, 404, "waking an unknown car is 404");
	resp_free(&r);
	http_send(&r, "POST", "/api/vehicles/1/wake", token, NULL, NULL, 0);
	is_int(r.status, 400, "a non-UUID id is 400");
	resp_free(&r);
	http_send(&r, "POST", path, NULL, NULL, NULL, 0);
	is_int(r.status, 401, "waking needs a login");
	resp_free(&r);
}

/* Signing in with Tesla again (after the refused refresh). */
static void
t_oauth(void)
{
	char loc[2048] = "", sim_path[2048];
	const char *url, *base = getenv("TEST_SIM_URL");
	struct resp r, a;

	http_get(&r, "/api/auth/tesla/start", token);
	is_int(r.status, 200, "start of the Tesla login");
	url = json_string_value(json_object_get(r.json, "authorize_url"));
	ok(url != NULL && strncmp(url, base, strlen(base)) == 0 &&
		strstr(url, "code_challenge_method=S256") != NULL &&
		strstr(url, "offline_access") != NULL,
	    "an authorize URL with PKCE and the scopes");
	snprintf(
	    sim_path, sizeof(sim_path), "%s", url ? url + strlen(base) : "/");
	resp_free(&r);
	sim_send(&a, "GET", sim_path, NULL);
	is_int(a.status, 302, "Tesla sends the browser back");
	resp_header(&a, "Location", loc, sizeof(loc));
	resp_free(&a);
	{
		const char *cb = strstr(loc, "/api/auth/tesla/callback");
		char path[2048];

		snprintf(path, sizeof(path), "%s", cb ? cb : "/nope");
		http_get(&r, path, NULL);
		is_int(r.status, 302, "the callback answers with a redirect");
		resp_header(&r, "Location", loc, sizeof(loc));
		is_str(loc, "/?tesla=connected", "to the dashboard, connected");
		resp_free(&r);
		http_get(&r, path, NULL);
		is_int(r.status, 400, "the same state twice is refused");
		resp_free(&r);
	}
	http_get(&r, "/api/auth/tesla/callback?code=NA_x&state=forged", NULL);
	is_int(r.status, 400, "an unknown state is refused");
	is_str(resp_error_code(&r), "invalid_state", "invalid_state");
	resp_free(&r);
	http_get(&r, "/api/auth/status", token);
	ok(json_is_true(json_object_get(r.json, "connected")) &&
		json_is_false(json_object_get(r.json, "needs_login")),
	    "the account is connected again");
	resp_free(&r);
	is_int(sync_job("vehicles"), 0, "and the jobs run with the new tokens");
}

static const struct tap_test tests[] = {
	TAP(t_asleep_never_polled),
	TAP(t_idempotent),
	TAP(t_day),
	TAP(t_let_sleep),
	TAP(t_401_refresh),
	TAP(t_429),
	TAP(t_5xx),
	TAP(t_malformed),
	TAP(t_overlap_and_kill),
	TAP(t_budget),
	TAP(t_queue),
	TAP(t_worker),
	TAP(t_421),
	TAP(t_wake),
	TAP(t_tampered),
	TAP(t_refresh_rejected),
	TAP(t_oauth),
};

int
main(void)
{
	json_t *st;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	login(token, sizeof(token));
	st = sim("GET", "/sim/state", NULL);
	for (size_t i = 0; i < 3; i++)
		snprintf(car_id[i], sizeof(car_id[i]), "%lld",
		    (long long)json_integer_value(json_object_get(
			json_array_get(json_object_get(st, "vehicles"), i),
			"id")));
	json_decref(st);
	connect_account("sim-refresh-token-0");
	return tap_run(tests, nitems(tests));
}
