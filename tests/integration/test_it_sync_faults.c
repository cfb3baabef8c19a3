/*
 * Sync under faults that end a run in the middle (issue 7), against a
 * simulator of the test's own (43 cars, 2 energy sites):
 *   - the Fleet API goes dark (the simulator is killed) while the vehicles
 *     job fetches: the run fails saying so, every answer received before is
 *     stored, and the next run completes;
 *   - the job is killed after its fetches, before its commit (held by a
 *     lock on vehicle_states): nothing of the batch is stored, the calls
 *     are in the ledger, and the next run stores its own batch;
 *   - PostgreSQL is killed (pg_ctl -m immediate) while the rollup writes a
 *     site's days (held by a row lock): every site is either as before the
 *     run or as a full rebuild makes it, never between, and the next run
 *     repairs the rest.
 * Everything the test adds (its cars, sites, the account's token) goes at
 * the end, so that the tests after it see run.sh's simulator only.
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

#define NCARS 43 /* three of the family's and 40 fleet cars */
#define EX_SOFTWARE_ 70 /* a failed run (sysexits.h EX_SOFTWARE) */

static const char *const sim_args[] = { "-S", "9", "-v", "43", "-s", "2", "-H",
	"3", "-L", "200", NULL };

static char token[2048];
static char sim_url[128];
static pid_t sim_pid = -1;
static char cars[2048]; /* the simulator's Tesla ids: "1,2,..." */
static char sites[256];

/* The simulator's ids of kind ("vehicles", "sites") as "id,id,...". */
static void
sim_ids(const char *kind, char *out, size_t n)
{
	json_t *st = sim("GET", "/sim/state", NULL), *v;
	size_t i, len = 0;

	out[0] = '\0';
	json_array_foreach(json_object_get(st, kind), i, v)
	{
		len += (size_t)snprintf(out + len, n - len, "%s%lld",
		    len ? "," : "",
		    (long long)json_integer_value(json_object_get(v, "id")));
		if (len >= n)
			break;
	}
	json_decref(st);
}

/* Points the jobs and sim() at a new simulator and connects the account. */
static int
sim_up(const char *const args[])
{
	struct resp r;
	long st;

	static int starts;
	char out[32];

	/* Each start its own output: the last one's names the old port. */
	snprintf(out, sizeof(out), "sim-faults-%d.out", ++starts);
	if ((sim_pid = sim_spawn(out, args, sim_url, sizeof(sim_url))) == -1) {
		printf("# the simulator did not start (%s)\n", out);
		return -1;
	}
	setenv("TEST_SIM_URL", sim_url, 1);
	setenv("TESLA_API_BASE_URL", sim_url, 1);
	setenv("TESLA_AUTH_URL", sim_url, 1);
	/* A simulator forgets the tokens it issued when it stops (Tesla
	 * would not): the account is connected with its first token. */
	http_post_json(&r, "/api/auth/token", token,
	    "{\"refresh_token\":\"sim-refresh-token-0\"}");
	st = r.status;
	if (st != 201)
		printf("# connecting the account: HTTP %ld %s\n", st,
		    r.body.buf ? r.body.buf : "");
	resp_free(&r);
	return st == 201 ? 0 : -1;
}

/* Waits up to 30 s for a backend waiting on a lock in a query like pat. */
static int
wait_blocked(const char *pat)
{
	for (int i = 0; i < 600; i++) {
		if (sql_long("SELECT count(*) FROM pg_stat_activity WHERE "
			     "wait_event_type = 'Lock' AND query LIKE '%%%s%%'",
			pat) > 0)
			return 1;
		usleep(50000);
	}
	return 0;
}

/* Waits up to 30 s for no job to hold its advisory lock. */
static int
wait_unlocked(void)
{
	for (int i = 0; i < 600; i++) {
		if (sql_long("SELECT count(*) FROM pg_locks WHERE locktype = "
			     "'advisory'%s",
			"") == 0)
			return 1;
		usleep(50000);
	}
	return 0;
}

/* A second session that takes a lock and holds it until locker_end(). */
static FILE *
locker_begin(const char *stmt)
{
	char cmd[1024];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s/psql.sh >/dev/null 2>&1",
	    getenv("TEST_STACK_DIR"));
	fflush(stdout);
	if ((f = popen(cmd, "w")) == NULL)
		return NULL;
	fprintf(f, "BEGIN;\n%s;\n", stmt);
	fflush(f);
	return f;
}

static void
locker_end(FILE *f)
{
	if (f == NULL)
		return;
	fputs("ROLLBACK;\n", f);
	pclose(f);
}

/* Ends a check that cannot go on: the job killed, the lock let go. */
static void
give_up(pid_t job, FILE *lock)
{
	kill(job, SIGKILL);
	job_wait(job);
	locker_end(lock);
}

static long
states_of_ours(void)
{
	return sql_long("SELECT count(*) FROM vehicle_states s JOIN vehicles v "
			"ON v.id = s.vehicle_id WHERE v.tesla_id IN (%s)",
	    cars);
}

/* vehicle_data answers of the last vehicles run that came back whole. */
static long
answered_last_run(void)
{
	return sql_long("SELECT count(*) FROM fleet_api_calls WHERE "
			"endpoint = '/api/1/vehicles/{id}/vehicle_data' AND "
			"http_status = 200 AND error IS NULL AND sync_run_id "
			"= (SELECT max(id) FROM sync_runs WHERE job = "
			"'vehicles')%s",
	    "");
}

static void
all_online(void)
{
	char one[24];
	const char *p = cars;

	while (*p != '\0') {
		size_t k = strcspn(p, ",");

		snprintf(one, sizeof(one), "%.*s", (int)k, p);
		set_state(one, "online");
		p += k + (p[k] == ',');
	}
}

static void
t_dark(void)
{
	char buf[512];
	long before = states_of_ours(), stored, answered;
	pid_t job;
	int i;

	all_online();
	sim_do("POST", "/sim/reset-calls", "{}");
	job = job_spawn("vehicles");
	/* 4 in flight at 200 ms each: about 20 answers a second. */
	for (i = 0; i < 400 && calls(NULL, "vehicle_data") < 12; i++)
		usleep(25000);
	ok(i < 400, "the run asks for vehicle data");
	kill(sim_pid, SIGKILL);
	waitpid(sim_pid, NULL, 0);
	sim_pid = -1;
	is_int(job_wait(job), EX_SOFTWARE_,
	    "the Fleet API gone dark mid-run: the run fails");
	sql(buf, sizeof(buf),
	    "SELECT status || ': ' || error FROM sync_runs WHERE job = "
	    "'vehicles' ORDER BY id DESC LIMIT 1");
	if (!ok(strncmp(buf, "failed: Fleet API unreachable (connect)", 39) ==
			0 &&
		    strstr(buf, "stored, the next run asks again") != NULL,
		"and says the API was out of reach and what it kept"))
		printf("# %s\n", buf);
	stored = states_of_ours() - before;
	answered = answered_last_run();
	ok(answered >= 8 && answered < NCARS,
	    "some cars answered before the dark, not all");
	is_int(stored, answered, "every answer received is stored");
	is_int(sql_long("SELECT items_ok FROM sync_runs WHERE job = "
			"'vehicles' ORDER BY id DESC LIMIT 1%s",
		   ""),
	    answered, "and counted");
	snprintf(buf, sizeof(buf), "%ld of %d car(s) not fetched",
	    NCARS - answered, NCARS);
	ok(strstr(sql(buf + 128, sizeof(buf) - 128,
		      "SELECT error FROM sync_runs WHERE job = 'vehicles' "
		      "ORDER BY id DESC LIMIT 1"),
	       buf) != NULL,
	    "the error counts the cars left for the next run");
	ok(sql_long("SELECT count(DISTINCT vehicle_id) FROM fleet_api_calls "
		    "WHERE sync_run_id = (SELECT max(id) FROM sync_runs "
		    "WHERE job = 'vehicles') AND endpoint LIKE "
		    "'%%vehicle_data'%s",
	       "") <= answered + 4,
	    "no car joins the 4 in flight once the API is dark");

	/* The API back: the next run completes. */
	if (!ok(sim_up(sim_args) == 0, "the simulator back"))
		return;
	all_online();
	before = states_of_ours();
	is_int(sync_job("vehicles"), 0, "the next run completes");
	is_int(sql_long("SELECT count(DISTINCT s.vehicle_id) FROM "
			"vehicle_states s JOIN vehicles v ON v.id = "
			"s.vehicle_id WHERE v.tesla_id IN (%s)",
		   cars),
	    NCARS, "every car has a state now");
	is_int(states_of_ours() - before, answered_last_run(),
	    "each answer of that run stored once");
}

/* The run of job before the last, killed, marked so by the last. */
static void
killed_run_marked(const char *job)
{
	char buf[256];

	sql(buf, sizeof(buf),
	    "SELECT status || ': ' || error FROM sync_runs WHERE job = '%s' "
	    "ORDER BY id DESC OFFSET 1 LIMIT 1",
	    job);
	ok(strncmp(buf, "failed: interrupted", 19) == 0,
	    "the killed run is marked failed: interrupted");
}

static void
t_kill_before_commit(void)
{
	long before, fetched;
	FILE *lock;
	pid_t job;

	all_online();
	before = states_of_ours();
	lock = locker_begin("LOCK TABLE vehicle_states IN EXCLUSIVE MODE");
	job = job_spawn("vehicles");
	if (!ok(wait_blocked("vehicle_states"),
		"the job has fetched and waits to store"))
		return give_up(job, lock);
	fetched = answered_last_run();
	kill(job, SIGKILL);
	job_wait(job);
	locker_end(lock);
	ok(wait_unlocked(), "its session ends with it");
	ok(fetched > 0, "the calls it made are in the ledger");
	is_int(states_of_ours(), before,
	    "killed before its commit: nothing of its batch is stored");
	is_int(sync_job("vehicles"), 0, "the next run completes");
	fetched = answered_last_run();
	ok(fetched > 0, "it fetches again");
	is_int(states_of_ours(), before + fetched, "and stores its batch");
	is_int(sql_long("SELECT count(*) - count(DISTINCT (vehicle_id, ts)) "
			"FROM vehicle_states%s",
		   ""),
	    0, "no state twice");
	killed_run_marked("vehicles");
}

/* md5 of a site's days (updated_at aside), or of every site's (NULL). */
static void
days_md5(const char *site, char *out, size_t n)
{
	sql(out, n,
	    "SELECT coalesce(md5(string_agg((to_jsonb(d) - 'updated_at')::"
	    "text, ',' ORDER BY site_id, local_date)), 'none') FROM "
	    "energy_daily d WHERE %s%s%s",
	    site ? "site_id = '" : "true", site ? site : "", site ? "'" : "");
}

static void
t_db_killed_in_rollup(void)
{
	char rows[4096], ref[16][40], pre[16][40], now[40], id[16][40];
	char buf[256], *line, *save = NULL;
	int nsites = 0, locked = -1, whole = 0;
	FILE *lock;
	pid_t job;

	is_int(sync_job("energy_live"), 0, "energy_live");
	is_int(sync_job("energy_history"), 0, "energy_history");
	is_int(sync_job("rollup_full"), 0, "a full rebuild: the reference");
	sql_rows(rows, sizeof(rows),
	    "SELECT site_id FROM energy_daily GROUP BY site_id ORDER BY "
	    "site_id");
	for (line = strtok_r(rows, "\n", &save); line && nsites < 16;
	     line = strtok_r(NULL, "\n", &save)) {
		snprintf(id[nsites], sizeof(id[0]), "%s", line);
		days_md5(id[nsites], ref[nsites], sizeof(ref[0]));
		nsites++;
	}
	if (!ok(nsites >= 2, "two sites with days"))
		return;
	/* Wrong totals on every day, every day marked for the rollup. */
	sql(buf, sizeof(buf),
	    "UPDATE energy_daily SET home_consumed_kwh = "
	    "coalesce(home_consumed_kwh, 0) + 100");
	sql(buf, sizeof(buf),
	    "INSERT INTO energy_daily_dirty (site_id, local_date) SELECT "
	    "site_id, local_date FROM energy_daily ON CONFLICT DO NOTHING");
	for (int i = 0; i < nsites; i++)
		days_md5(id[i], pre[i], sizeof(pre[0]));
	/* The last site's last day held: the rollup writes the sites before
	 * it, then waits in the middle of that site's transaction. */
	locked = nsites - 1;
	/* The test cluster commits asynchronously (run.sh): a crash would
	 * lose the last commits, which a real server keeps. */
	sql(buf, sizeof(buf),
	    "ALTER DATABASE tessie SET synchronous_commit = on");
	snprintf(rows, sizeof(rows),
	    "SELECT 1 FROM energy_daily WHERE site_id = '%s' AND local_date = "
	    "(SELECT max(local_date) FROM energy_daily WHERE site_id = '%s') "
	    "FOR UPDATE",
	    id[locked], id[locked]);
	lock = locker_begin(rows);
	job = job_spawn("rollup");
	if (!ok(wait_blocked("rollup"), "the rollup is writing the last site"))
		return give_up(job, lock);
	days_md5(id[0], now, sizeof(now));
	is_str(now, ref[0], "the first site is rolled up and committed");
	ok(sh_run(NULL, "%s/pg-kill.sh", getenv("TEST_STACK_DIR")) == 0,
	    "PostgreSQL killed in the middle of the rollup");
	ok(job_wait(job) != 0, "the run ends failed");
	locker_end(lock);
	ok(sh_run(NULL, "%s/pg-start.sh", getenv("TEST_STACK_DIR")) == 0,
	    "PostgreSQL back (crash recovery)");
	/* Every worker's connection died with it: each answers anyway. */
	for (int i = 0, good = 0; i < 12; i++) {
		struct resp r;

		http_get(&r, "/api/vehicles", token);
		good += r.status == 200;
		resp_free(&r);
		if (i == 11)
			is_int(good, 12,
			    "tessie-api answers at once, on new connections");
	}
	for (int i = 0; i < nsites; i++) {
		days_md5(id[i], now, sizeof(now));
		if (strcmp(now, ref[i]) == 0)
			whole++;
		else if (strcmp(now, pre[i]) != 0)
			printf("# site %s: neither as before nor rebuilt\n",
			    id[i]);
		if (i == locked)
			is_str(now, pre[i],
			    "the site killed in its transaction is as "
			    "before the run");
	}
	is_int(
	    whole, nsites - 1, "every other site whole: no day half-written");
	ok(sql_long("SELECT count(*) FROM energy_daily_dirty WHERE site_id = "
		    "'%s'",
	       id[locked]) > 0,
	    "its days still marked for the next run");
	sql(buf, sizeof(buf), "ALTER DATABASE tessie RESET synchronous_commit");
	is_int(sync_job("rollup"), 0, "the next run completes");
	for (int i = 0, same = 0; i < nsites; i++) {
		days_md5(id[i], now, sizeof(now));
		same += strcmp(now, ref[i]) == 0;
		if (i == nsites - 1)
			is_int(same, nsites,
			    "and every site's days are those of a full "
			    "rebuild");
	}
	is_int(sql_long("SELECT count(*) - count(DISTINCT (site_id, "
			"local_date)) FROM energy_daily%s",
		   ""),
	    0, "no day twice");
	killed_run_marked("rollup");
}

static const struct tap_test tests[] = {
	TAP(t_dark),
	TAP(t_kill_before_commit),
	TAP(t_db_killed_in_rollup),
};

static void
cleanup(void)
{
	char buf[256];
	struct resp r;

	if (cars[0] != '\0')
		sql(buf, sizeof(buf),
		    "DELETE FROM vehicles WHERE tesla_id IN (%s)", cars);
	if (sites[0] != '\0')
		sql(buf, sizeof(buf),
		    "DELETE FROM energy_sites WHERE tesla_site_id IN (%s)",
		    sites);
	http_send(&r, "DELETE", "/api/auth/token", token, NULL, NULL, 0);
	resp_free(&r);
	sim_stop(sim_pid);
}

int
main(void)
{
	struct resp r;
	int rc, connected;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	login(token, sizeof(token));
	http_get(&r, "/api/auth/status", token);
	connected = json_is_true(json_object_get(r.json, "connected"));
	resp_free(&r);
	if (connected) {
		/* Our simulator would not know that account's tokens. */
		printf("1..1\nnot ok 1 - a Tesla account is connected "
		       "already: run after test_it_sync, which forgets it\n");
		return 1;
	}
	setenv("TESSIE_FLEET_MAX_INFLIGHT", "4", 1);
	setenv("TESSIE_FLEET_BUDGET_USD", "100000", 1);
	if (sim_up(sim_args) == -1) {
		printf("1..1\nnot ok 1 - the simulator did not start\n");
		cleanup();
		return 1;
	}
	sim_ids("vehicles", cars, sizeof(cars));
	sim_ids("sites", sites, sizeof(sites));
	rc = tap_run(tests, nitems(tests));
	cleanup();
	return rc;
}
