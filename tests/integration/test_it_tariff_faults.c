/*
 * A malformed tariff in site_info (issue 5: "stored, flagged, costs left
 * null; never a crash"), through the real path: our own simulator serves a
 * site_info whose tariff_content_v2 is broken (a POST /sim/faults with
 * status 200 and the body, tests/sim/README.md), tessie-sync energy_live
 * stores it (lib/sites.c), the trigger of sql/017 and sql/019 flags it,
 * analytics prices nothing with it and GET /api/energy/sites/:id shows it.
 *
 * Each case starts from the simulator's own, valid tariff.  The job must
 * succeed every time: the tariff is one optional part of site_info, and
 * a broken one must not stop the live samples of the site.
 *
 * The priced scene (Europe/Berlin, CEST): a car charges at 11 kW from
 * 12:00 to 13:00 local on Monday 10 June 2024 at a place linked to the
 * site: Summer PARTIAL_PEAK at 0.31 EUR/kWh (tests/sim/api_energy.c), so
 * 11 kWh cost 3.41 EUR.  The site's day (yesterday: analytics prices the
 * last three days) has one 5-minute bucket of 2 kWh imported at 12:00:
 * 0.62 EUR in summer, 0.66 in winter (PARTIAL_PEAK at 0.33).
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "client.h"
#include "util.h"

#define ZONE "Europe/Berlin"
#define CAR "'88888888-8888-4888-8888-000000000003'"
#define PLACE "'88888888-8888-4888-8888-000000000004'"
#define START "2024-06-10 10:00+00"

static char token[2048];
static char sim_url[128];
static pid_t sim_pid = -1;
static char site[24]; /* Tesla id of our simulator's site, as text */
static char tname[64]; /* the tariff's name, "Tesla <site>" */
static char site_id[64]; /* our energy_sites.id */
static char day[16], day_cost[16]; /* the priced day, its import cost */

/* The output of a query (rows on lines, fields split by '|'). */
static char *
sql(const char *fmt, ...)
{
	static char out[8192];
	char q[4096], cmd[4400];
	va_list ap;
	size_t k = 0;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s/psql.sh -c \"%s\" 2>&1",
	    getenv("TEST_STACK_DIR"), q);
	if ((p = popen(cmd, "r")) != NULL) {
		k = fread(out, 1, sizeof(out) - 1, p);
		pclose(p);
	}
	while (k > 0 && out[k - 1] == '\n')
		k--;
	out[k] = '\0';
	return out;
}

/* Runs SQL text from a file (JSON needs no shell quoting); its output. */
static char *
sql_file(const char *text)
{
	static char out[4096];
	char path[512], cmd[1200];
	size_t k = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tariff-faults.sql",
	    getenv("TEST_STACK_DIR"));
	out[0] = '\0';
	if ((f = fopen(path, "w")) == NULL)
		return out;
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s/psql.sh < %s 2>&1",
	    getenv("TEST_STACK_DIR"), path);
	if ((f = popen(cmd, "r")) != NULL) {
		k = fread(out, 1, sizeof(out) - 1, f);
		pclose(f);
	}
	while (k > 0 && out[k - 1] == '\n')
		k--;
	out[k] = '\0';
	return out;
}

/* Exit status of tessie-sync JOB; its output goes to tariff-sync.log. */
static int
job(const char *name)
{
	char cmd[1024];
	int st;

	snprintf(cmd, sizeof(cmd), "%s/tessie-sync %s >%s/tariff-sync.log 2>&1",
	    getenv("TEST_BUILD_DIR"), name, getenv("TEST_STACK_DIR"));
	st = system(cmd);
	snprintf(cmd, sizeof(cmd), "cat %s/tariff-sync.log >>%s/sync.log",
	    getenv("TEST_STACK_DIR"), getenv("TEST_STACK_DIR"));
	if (system(cmd) != 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Whether the last job's log has s. */
static int
job_log_has(const char *s)
{
	char path[512], line[4096];
	int found = 0;
	FILE *f;

	snprintf(
	    path, sizeof(path), "%s/tariff-sync.log", getenv("TEST_STACK_DIR"));
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, s) != NULL;
	fclose(f);
	return found;
}

/* A request to our simulator (admin, or Fleet API with its static token). */
static json_t *
sim(const char *method, const char *path, const char *body, long *status)
{
	char *saved = strdup(getenv("TEST_BASE_URL"));
	struct resp r;
	json_t *j;

	setenv("TEST_BASE_URL", sim_url, 1);
	http_send(&r, method, path,
	    strncmp(path, "/api/", 5) == 0 ? "sim-test-token" : NULL,
	    body ? "application/json" : NULL, body, body ? strlen(body) : 0);
	setenv("TEST_BASE_URL", saved, 1);
	free(saved);
	if (status != NULL)
		*status = r.status;
	j = json_incref(r.json);
	resp_free(&r);
	return j;
}

/* The simulator's own site_info answer (the envelope). */
static json_t *
site_info(void)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/1/energy_sites/%s/site_info", site);
	return sim("GET", path, NULL, NULL);
}

static json_t *
tariff_of(json_t *info)
{
	return json_object_get(
	    json_object_get(info, "response"), "tariff_content_v2");
}

/* The next site_info answers 200 with info as its body. */
static int
serve_once(const json_t *info)
{
	json_t *f;
	char *body;
	long st = 0;

	f = json_pack(
	    "{s:s,s:i,s:i}", "path", "site_info", "status", 200, "count", 1);
	body = json_dumps(info, JSON_COMPACT);
	json_object_set_new(f, "body", json_string(body));
	free(body);
	body = json_dumps(f, JSON_COMPACT);
	json_decref(sim("POST", "/sim/faults", body, &st));
	free(body);
	json_decref(f);
	return st == 200 ? 0 : -1;
}

/*
 * Makes lib/sites.c describe the sites again on the next run, as it does
 * once a day: the updated_at of the account's sites goes back two days
 * (all of them: sites_refresh() looks at the oldest, and earlier tests may
 * have left theirs; the trigger that sets it is off for that one
 * statement, in one transaction).
 */
static void
make_stale(void)
{
	sql_file("BEGIN;\nALTER TABLE energy_sites DISABLE TRIGGER "
		 "energy_sites_updated_at;\nUPDATE energy_sites SET updated_at "
		 "= now() - interval '2 days' WHERE account_id = (SELECT id "
		 "FROM accounts WHERE username = 'admin');\nALTER TABLE "
		 "energy_sites ENABLE TRIGGER energy_sites_updated_at;\n"
		 "COMMIT;\n");
}

/* energy_live with info served as site_info (NULL: the model's own). */
static int
run_live(const json_t *info)
{
	make_stale();
	if (info != NULL && serve_once(info) == -1)
		return -1;
	return job("energy_live");
}

/* Status of the last run of job. */
static const char *
last_run(const char *name)
{
	return sql("SELECT status FROM sync_runs WHERE job = '%s' ORDER BY "
		   "id DESC LIMIT 1",
	    name);
}

/* "t|f|problem": stored content equals what was sent, valid, problem. */
static const char *
stored(const json_t *tariff)
{
	static char out[512];
	struct sbuf q;
	char *js;

	sbuf_init(&q, 4 << 20);
	js = json_dumps(tariff, JSON_COMPACT);
	sbuf_adds(&q, "SELECT content = '");
	for (const char *p = js; p != NULL && *p; p++)
		sbuf_add(&q, *p == '\'' ? "''" : p, *p == '\'' ? 2 : 1);
	sbuf_adds(&q,
	    "'::jsonb, valid, coalesce(problem, '-') FROM tariffs "
	    "WHERE name = '");
	sbuf_adds(&q, tname);
	sbuf_adds(&q, "';\n");
	free(js);
	snprintf(out, sizeof(out), "%s", q.failed ? "" : sql_file(q.buf));
	sbuf_release(&q);
	return out;
}

/* "cost|tariff" of the scene's session, "null|-" when not priced. */
static const char *
session_cost(void)
{
	return sql(
	    "SELECT coalesce(cost::text, 'null') || '|' || "
	    "coalesce(currency, '-') FROM charging_sessions WHERE "
	    "vehicle_id = " CAR " AND derived AND started_at = '" START "'");
}

static const char *
day_money(void)
{
	return sql("SELECT coalesce(grid_import_cost::text, 'null') FROM "
		   "energy_daily WHERE local_date = '%s' AND site_id = '%s'",
	    day, site_id);
}

/* GET /api/energy/sites/:id: status, and the tariff's valid|problem|buy. */
static long
api_site(char *out, size_t n)
{
	char path[128];
	json_t *t, *p;
	struct resp r;
	long st;

	snprintf(path, sizeof(path), "/api/energy/sites/%s", site_id);
	st = http_get(&r, path, token);
	t = json_object_get(r.json, "tariff");
	p = json_object_get(t, "problem");
	snprintf(out, n, "%s|%s|%s",
	    json_is_true(json_object_get(t, "valid")) ? "t" : "f",
	    json_is_string(p) ? json_string_value(p) : "-",
	    json_is_number(json_object_get(t, "buy_per_kwh")) ? "priced"
							      : "null");
	resp_free(&r);
	return st;
}

static void
t_valid(void)
{
	json_t *info = site_info();
	char b[1024];

	ok(tariff_of(info) != NULL, "the simulator's site_info has a tariff");
	is_int(run_live(NULL), 0, "energy_live describes the site");
	is_str(last_run("energy_live"), "succeeded", "the run succeeded");
	snprintf(site_id, sizeof(site_id), "%s",
	    sql("SELECT id FROM energy_sites WHERE tesla_site_id = %s", site));
	is_str(stored(tariff_of(info)), "t|t|-", "its tariff stored, valid");
	/* The car and its charge at a place linked to the site. */
	snprintf(b, sizeof(b),
	    "INSERT INTO places (id, account_id, name, latitude, longitude, "
	    "radius_m, energy_site_id) SELECT " PLACE ", account_id, 'Tariff "
	    "home', 52.25, 13.25, 100, id FROM energy_sites WHERE "
	    "tesla_site_id = %s;\n",
	    site);
	is_str(sql_file(b), "", "a place at the site");
	is_str(
	    sql_file(
		"INSERT INTO vehicles (id, account_id, tesla_id, vin, "
		"display_name, state) SELECT " CAR
		", account_id, 8888888888888888, "
		"'5YJ3E1EA1KF888888', 'Tariff Test', 'online' FROM places "
		"WHERE "
		"id = " PLACE ";\n"
		"INSERT INTO vehicle_states (vehicle_id, ts, shift_state, "
		"charging_state, charge_energy_added_kwh, charger_power_kw, "
		"charger_voltage, charger_actual_current, charger_phases, "
		"battery_level, rated_range_km, fast_charger_present, "
		"latitude, "
		"longitude) SELECT " CAR ", '" START "'::timestamptz + i * "
		"interval '1 minute', 'P', CASE WHEN i < 0 THEN 'Stopped' WHEN "
		"i <= 60 THEN 'Charging' ELSE 'Complete' END, 11 * greatest("
		"least(i, 60), 0) / 60.0, CASE WHEN i BETWEEN 0 AND 60 THEN 11 "
		"ELSE 0 END, 230, 16, 3, 50, 300, false, 52.25, 13.25 FROM "
		"generate_series(-2, 62) i;\n"),
	    "", "the car charging there");
	/* Yesterday in Berlin: analytics prices the last 3 days only. */
	snprintf(day, sizeof(day), "%s",
	    sql("SELECT (now() AT TIME ZONE '" ZONE "')::date - 1"));
	snprintf(day_cost, sizeof(day_cost), "%s",
	    sql("SELECT to_char(2 * CASE WHEN extract(month FROM '%s'::date) "
		"BETWEEN 4 AND 9 THEN 0.31 ELSE 0.33 END, 'FM0.0000')",
		day));
	snprintf(b, sizeof(b),
	    "DELETE FROM energy_history WHERE site_id = '%s' AND ts >= "
	    "'%s'::date - 1;\nDELETE FROM energy_daily WHERE site_id = '%s' "
	    "AND local_date >= '%s'::date - 1;\n"
	    "INSERT INTO energy_history (site_id, period, ts, "
	    "grid_energy_imported_kwh) VALUES ('%s', '5min', ('%s'::date + "
	    "time '12:00') AT TIME ZONE '" ZONE "', 2);\nINSERT INTO "
	    "energy_daily (site_id, local_date, source, fetched_at) VALUES "
	    "('%s', '%s', 'tesla', now());\n",
	    site_id, day, site_id, day, site_id, day, site_id, day);
	is_str(sql_file(b), "", "a bucket of Tesla's and the day's row");
	is_int(job("analytics"), 0, "analytics");
	is_str(session_cost(), "3.41|EUR", "the charge costs 11 kWh x 0.31");
	is_str(day_money(), day_cost, "the day's import costs 2 kWh at noon");
	is_int(api_site(b, sizeof(b)), 200, "GET /api/energy/sites/:id");
	is_str(b, "t|-|priced", "the tariff valid and priced");
	json_decref(info);
}

/*
 * One malformed tariff: made by edit from the model's, served, stored as
 * sent, flagged with problem, priced nowhere, shown flagged by the API,
 * then mended by the next site_info.
 */
static void
check_malformed(const char *what, json_t *info, const char *problem)
{
	char want[512], b[512], msg[160];

	snprintf(msg, sizeof(msg), "%s: energy_live exits 0", what);
	is_int(run_live(info), 0, msg);
	snprintf(msg, sizeof(msg), "%s: the run succeeded", what);
	is_str(last_run("energy_live"), "succeeded", msg);
	snprintf(want, sizeof(want), "t|f|%s", problem);
	snprintf(msg, sizeof(msg), "%s: stored as sent, flagged", what);
	is_str(stored(tariff_of(info)), want, msg);
	snprintf(msg, sizeof(msg), "%s: still the site's tariff", what);
	is_str(sql("SELECT t.name FROM energy_sites s JOIN tariffs t ON t.id "
		   "= s.tariff_id WHERE s.tesla_site_id = %s",
		   site),
	    tname, msg);
	snprintf(msg, sizeof(msg), "%s: analytics runs through it", what);
	is_int(job("analytics"), 0, msg);
	snprintf(msg, sizeof(msg), "%s: the charge has no cost", what);
	is_str(session_cost(), "null|-", msg);
	snprintf(msg, sizeof(msg), "%s: nor the day's import", what);
	is_str(day_money(), "null", msg);
	snprintf(msg, sizeof(msg), "%s: GET /api/energy/sites/:id, 200", what);
	is_int(api_site(b, sizeof(b)), 200, msg);
	snprintf(want, sizeof(want), "f|%s|null", problem);
	snprintf(msg, sizeof(msg), "%s: shown flagged, without a price", what);
	is_str(b, want, msg);

	/* The next site_info has the tariff right again. */
	json_decref(info);
	info = site_info();
	snprintf(msg, sizeof(msg), "%s: mended by the next site_info", what);
	is_int(run_live(NULL), 0, msg);
	is_str(stored(tariff_of(info)), "t|t|-", "valid again");
	is_int(job("analytics"), 0, "analytics");
	is_str(session_cost(), "3.41|EUR", "the charge is priced again");
	is_str(day_money(), day_cost, "and the day");
	json_decref(info);
}

static void
t_hours(void)
{
	json_t *info = site_info(), *p;

	p = json_array_get(
	    json_object_get(
		json_object_get(
		    json_object_get(
			json_object_get(
			    json_object_get(tariff_of(info), "seasons"),
			    "Summer"),
			"tou_periods"),
		    "PARTIAL_PEAK"),
		"periods"),
	    0);
	json_object_set_new(p, "toHour", json_integer(25));
	check_malformed("hour 25", info,
	    "period \"Summer/PARTIAL_PEAK\": \"toHour\" is not an integer "
	    "0..24");
}

static void
t_no_seasons(void)
{
	json_t *info = site_info();

	json_object_del(tariff_of(info), "seasons");
	check_malformed("seasons missing", info,
	    "\"seasons\" is missing, but energy_charges has \"Summer\"");
}

static void
t_string_price(void)
{
	json_t *info = site_info();

	json_object_set_new(
	    json_object_get(json_object_get(json_object_get(tariff_of(info),
						"energy_charges"),
				"Summer"),
		"rates"),
	    "ON_PEAK", json_string("0.39"));
	check_malformed(
	    "string price", info, "rate \"Summer/ON_PEAK\" is not a number");
}

static void
t_huge(void)
{
	json_t *info = site_info(), *periods, *one;
	char want[128];
	char *js;

	/* The same off-peak range 3,300 times over: about 300 KB. */
	periods = json_object_get(
	    json_object_get(
		json_object_get(
		    json_object_get(
			json_object_get(tariff_of(info), "seasons"), "Winter"),
		    "tou_periods"),
		"OFF_PEAK"),
	    "periods");
	one = json_deep_copy(json_array_get(periods, 0));
	for (int i = 0; i < 3300; i++)
		json_array_append(periods, one);
	json_decref(one);
	js = json_dumps(tariff_of(info), JSON_COMPACT);
	ok(js != NULL && strlen(js) > 280000, "a tariff of over 280 kB");
	free(js);
	/* The size PostgreSQL counts is of its own text form: ask it. */
	js = json_dumps(tariff_of(info), JSON_COMPACT);
	{
		struct sbuf q;

		sbuf_init(&q, 4 << 20);
		sbuf_adds(&q, "SELECT octet_length('");
		sbuf_adds(&q, js);
		sbuf_adds(&q, "'::jsonb::text);\n");
		snprintf(want, sizeof(want),
		    "tariff is larger than 64 kB (%s bytes)", sql_file(q.buf));
		sbuf_release(&q);
	}
	free(js);
	check_malformed("300 KB", info, want);
}

static void
t_not_object(void)
{
	json_t *info = site_info(), *before = site_info();
	char was[64], msg[128];

	snprintf(was, sizeof(was), "%s",
	    sql("SELECT updated_at FROM tariffs WHERE name = '%s'", tname));
	json_object_set_new(json_object_get(info, "response"),
	    "tariff_content_v2", json_string("TOU-2024"));
	is_int(run_live(info), 0, "a string tariff: energy_live exits 0");
	is_str(last_run("energy_live"), "succeeded", "the run succeeded");
	ok(job_log_has("field \"tariff_content_v2\" is not an object: the "
		       "tariff is ignored"),
	    "a warning names the field");
	is_str(stored(tariff_of(before)), "t|t|-",
	    "the last tariff stays as it was");
	snprintf(msg, sizeof(msg), "%s",
	    sql("SELECT updated_at FROM tariffs WHERE name = '%s'", tname));
	is_str(msg, was, "not written at all");
	json_decref(before);
	json_decref(info);

	/* An array, and a tariff with no currency: warned about too. */
	info = site_info();
	json_object_set_new(json_object_get(info, "response"),
	    "tariff_content_v2", json_pack("[i]", 1));
	is_int(run_live(info), 0, "an array tariff: energy_live exits 0");
	ok(job_log_has("\"tariff_content_v2\" is not an object"), "warned");
	json_decref(info);
	info = site_info();
	json_object_del(tariff_of(info), "currency");
	is_int(run_live(info), 0, "no currency: energy_live exits 0");
	ok(job_log_has("has no \"currency\" of 3 letters; tariff not stored"),
	    "warned");
	json_decref(info);
	is_str(sql("SELECT updated_at FROM tariffs WHERE name = '%s'", tname),
	    was, "the last tariff still unchanged");
}

static const struct tap_test tests[] = {
	TAP(t_valid),
	TAP(t_hours),
	TAP(t_no_seasons),
	TAP(t_string_price),
	TAP(t_huge),
	TAP(t_not_object),
};

/* Our simulator on a free port; 0 when it listens. */
static int
sim_start(void)
{
	char out[512], line[256];
	FILE *f;

	snprintf(
	    out, sizeof(out), "%s/sim-tariff.out", getenv("TEST_STACK_DIR"));
	if ((sim_pid = fork()) == 0) {
		if (freopen(out, "w", stdout) == NULL)
			_exit(127);
		snprintf(line, sizeof(line), "%s/tessie-sim",
		    getenv("TEST_BUILD_DIR"));
		execl(line, "tessie-sim", "-p", "0", "-S", "42", "-H", "2",
		    "-A", "sim-test-token", "-Z", ZONE, "-t",
		    "2024-06-12T12:00:00", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		int port = 0;

		if ((f = fopen(out, "r")) != NULL) {
			while (fgets(line, sizeof(line), f) != NULL)
				if (sscanf(line, "listening on 127.0.0.1:%d",
					&port) == 1)
					break;
			fclose(f);
		}
		if (port > 0) {
			snprintf(sim_url, sizeof(sim_url),
			    "http://127.0.0.1:%d", port);
			return 0;
		}
		usleep(50000);
	}
	return -1;
}

static void
cleanup(void)
{
	char q[512];
	struct resp r;
	int st;

	/* Our rows go: the next tests start as if we had never been. */
	snprintf(q, sizeof(q),
	    "DELETE FROM vehicles WHERE id = " CAR ";\n"
	    "DELETE FROM places WHERE id = " PLACE ";\n"
	    "DELETE FROM energy_sites WHERE tesla_site_id = %s;\n"
	    "DELETE FROM tariffs WHERE name = '%s';\n",
	    site, tname);
	sql_file(q);
	http_send(&r, "DELETE", "/api/auth/token", token, NULL, NULL, 0);
	resp_free(&r);
	if (sim_pid > 0) {
		kill(sim_pid, SIGTERM);
		waitpid(sim_pid, &st, 0);
	}
}

int
main(void)
{
	char body[256];
	struct resp r;
	json_t *prods, *v;
	size_t i;
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(body, sizeof(body), "{\"password\":\"%s\"}",
	    getenv("TESSIE_ADMIN_PASSWORD"));
	http_post_json(&r, "/api/auth/login", NULL, body);
	snprintf(token, sizeof(token), "%s",
	    json_string_value(json_object_get(r.json, "token")) ?: "");
	resp_free(&r);
	http_get(&r, "/api/auth/status", token);
	if (json_is_true(json_object_get(r.json, "connected"))) {
		/* Our simulator would not know that account's tokens. */
		resp_free(&r);
		printf("1..0 # SKIP a Tesla account is already connected\n");
		return 0;
	}
	resp_free(&r);
	if (sim_start() == -1) {
		printf("1..0 # SKIP the simulator did not start\n");
		return 1;
	}
	setenv("TESLA_API_BASE_URL", sim_url, 1);
	setenv("TESLA_AUTH_URL", sim_url, 1);
	http_post_json(&r, "/api/auth/token", token,
	    "{\"refresh_token\":\"sim-refresh-token-0\"}");
	resp_free(&r);
	prods = sim("GET", "/api/1/products", NULL, NULL);
	json_array_foreach(json_object_get(prods, "response"), i, v)
	{
		if (json_object_get(v, "energy_site_id") != NULL &&
		    site[0] == '\0')
			snprintf(site, sizeof(site), "%lld",
			    (long long)json_integer_value(
				json_object_get(v, "energy_site_id")));
	}
	json_decref(prods);
	snprintf(tname, sizeof(tname), "Tesla %s", site);
	rc = tap_run(tests, nitems(tests));
	cleanup();
	return rc;
}
