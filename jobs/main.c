/*
 * tessie-sync: runs one sync job per invocation and exits.
 *
 *	tessie-sync JOB       run JOB now (from cron); takes over a queued
 *	                      manual run of JOB when there is one
 *	tessie-sync queue     run every queued manual run
 *	tessie-sync worker    LISTEN for queued runs and run them at once
 *	tessie-sync list      the jobs and their schedule
 *
 * A job never overlaps with itself: a second run of the same job finds the
 * advisory lock taken, records a 'skipped' run saying why, and exits 75.
 * Exit codes follow sysexits(3).
 */
#include <sys/resource.h>
#include <sys/select.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobs.h"
#include "log.h"
#include "syncjobs.h"
#include "util.h"

#define EX_USAGE 64
#define EX_UNAVAILABLE 69
#define EX_SOFTWARE 70
#define EX_TEMPFAIL 75
#define EX_CONFIG 78

static const struct {
	const char *name;
	job_fn fn;
} job_fns[] = {
	{ "vehicles", job_vehicles },
	{ "energy_live", job_energy_live },
	{ "energy_history", job_energy_history },
	{ "charging_history", job_charging_history },
	{ "analytics", job_analytics },
	{ "recompute", job_recompute },
	{ "rollup", job_rollup },
	{ "rollup_full", job_rollup_full },
};

static const struct db_stmt q_lock = { "sync_lock",
	"SELECT pg_try_advisory_lock(7351002, hashtext($1))", 1 };

static const struct db_stmt q_unlock = { "sync_unlock",
	"SELECT pg_advisory_unlock(7351002, hashtext($1))", 1 };

/* Runs left 'running' by a process that died: we hold the lock now. */
static const struct db_stmt q_orphans = { "sync_orphans",
	"UPDATE sync_runs SET status = 'failed', finished_at = now(), "
	"error = 'interrupted: the process running it died' "
	"WHERE job = $1 AND status = 'running'",
	1 };

static const struct db_stmt q_claim = { "sync_claim",
	"UPDATE sync_runs SET status = 'running', started_at = now() "
	"WHERE id = (SELECT id FROM sync_runs WHERE job = $1 "
	"AND status = 'queued' ORDER BY queued_at "
	"FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id",
	1 };

static const struct db_stmt q_start = { "sync_start",
	"INSERT INTO sync_runs (job, trigger, status, started_at) "
	"VALUES ($1, 'cron', 'running', now()) RETURNING id",
	1 };

static const struct db_stmt q_skip = { "sync_skip",
	"INSERT INTO sync_runs (job, trigger, status, finished_at, message) "
	"VALUES ($1, $2, 'skipped', now(), $3)",
	3 };

static const struct db_stmt q_finish = { "sync_finish",
	"UPDATE sync_runs SET status = $2, finished_at = now(), "
	"items_ok = $3::int, items_failed = $4::int, items_skipped = $5::int, "
	"details = $6::jsonb, error = $7, message = $8, "
	"api_calls = (SELECT count(*) FROM fleet_api_calls "
	"WHERE sync_run_id = $1::bigint), "
	"api_cost = (SELECT coalesce(sum(cost), 0) FROM fleet_api_calls "
	"WHERE sync_run_id = $1::bigint) "
	"WHERE id = $1::bigint",
	8 };

static const struct db_stmt q_queued = { "sync_queued",
	"SELECT DISTINCT job FROM sync_runs WHERE status = 'queued'", 0 };

static volatile sig_atomic_t stopping;

int
job_fail(struct job_run *run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(run->error, sizeof(run->error), fmt, ap);
	va_end(ap);
	return -1;
}

static const struct db_stmt q_accounts = { "sync_accounts",
	"SELECT account_id FROM tesla_tokens WHERE NOT needs_login "
	"AND (rate_limited_until IS NULL OR rate_limited_until < now()) "
	"ORDER BY account_id",
	0 };

int
job_each_account(
    struct job_run *run, int (*fn)(struct job_run *run, const char *account_id))
{
	char err[256];
	PGresult *res;
	int st, failed = 0, n;

	res = db_exec(run->db, &q_accounts, NULL, &st, err, sizeof(err));
	if (res == NULL)
		return job_fail(run, "%s", err);
	n = PQntuples(res);
	for (int i = 0; i < n; i++)
		if (fn(run, PQgetvalue(res, i, 0)) == -1)
			failed++;
	PQclear(res);
	if (n == 0)
		snprintf(run->message, sizeof(run->message),
		    "no Tesla account connected (or every one needs a new "
		    "login or is rate-limited)");
	return failed > 0 ? -1 : 0;
}

static job_fn
find_fn(const char *job)
{
	for (size_t i = 0; i < nitems(job_fns); i++)
		if (strcmp(job_fns[i].name, job) == 0)
			return job_fns[i].fn;
	return NULL;
}

/* Runs a query whose single value is a boolean; 1, 0 or -1. */
static int
query_bool(struct db *db, const struct db_stmt *st, const char *arg)
{
	const char *p[1] = { arg };
	char err[256];
	PGresult *res;
	int status, rc;

	if ((res = db_exec(db, st, p, &status, err, sizeof(err))) == NULL)
		return -1;
	rc = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return rc;
}

static long long
query_id(struct db *db, const struct db_stmt *st, const char *arg)
{
	const char *p[1] = { arg };
	char err[256];
	PGresult *res;
	long long id = 0;
	int status;

	if ((res = db_exec(db, st, p, &status, err, sizeof(err))) == NULL)
		return -1;
	if (PQntuples(res) == 1)
		id = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return id;
}

static void
finish(struct job_run *run, const char *status)
{
	char ok[16], failed[16], skipped[16], err[256];
	const char *p[8];
	struct rusage ru;
	char *details;
	PGresult *res;
	int st;

	/* Peak memory of the job, for the run record and make bench. */
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		json_object_set_new(
		    run->details, "peak_rss_kb", json_integer(ru.ru_maxrss));
	snprintf(ok, sizeof(ok), "%d", run->items_ok);
	snprintf(failed, sizeof(failed), "%d", run->items_failed);
	snprintf(skipped, sizeof(skipped), "%d", run->items_skipped);
	details = json_dumps(run->details, JSON_COMPACT);
	p[0] = run->id_text;
	p[1] = status;
	p[2] = ok;
	p[3] = failed;
	p[4] = skipped;
	p[5] = details ? details : "{}";
	p[6] = run->error[0] ? run->error : NULL;
	p[7] = run->message[0] ? run->message : NULL;
	res = db_exec(run->db, &q_finish, p, &st, err, sizeof(err));
	if (res == NULL)
		log_error(
		    "cannot record the end of run %s: %s", run->id_text, err);
	PQclear(res);
	free(details);
}

/*
 * Runs job once under its lock.  from_queue: only a queued run, if any.
 * Returns an exit status.
 */
static int
run_job(
    struct db *db, const struct config *cfg, const char *job, int from_queue)
{
	struct job_run run;
	const char *p[3];
	char msg[128];
	job_fn fn = find_fn(job);
	int got, rc, st;

	if (fn == NULL) {
		fprintf(stderr,
		    "tessie-sync: unknown job \"%s\" (see "
		    "\"tessie-sync list\")\n",
		    job);
		return EX_USAGE;
	}
	if ((got = query_bool(db, &q_lock, job)) == -1)
		return EX_UNAVAILABLE;
	if (got == 0) {
		if (from_queue)
			return 0; /* the running one's next turn takes it */
		snprintf(msg, sizeof(msg),
		    "another %s run is in progress; this one sat out", job);
		p[0] = job;
		p[1] = "cron";
		p[2] = msg;
		PQclear(db_exec(db, &q_skip, p, &st, msg, sizeof(msg)));
		fprintf(stderr,
		    "tessie-sync: %s: another run of this job is "
		    "in progress; skipped\n",
		    job);
		return EX_TEMPFAIL;
	}
	memset(&run, 0, sizeof(run));
	run.db = db;
	run.cfg = cfg;
	run.job = job;
	p[0] = job;
	PQclear(db_exec(db, &q_orphans, p, &st, msg, sizeof(msg)));
	run.id = query_id(db, &q_claim, job);
	run.manual = run.id > 0;
	if (run.id == 0 && !from_queue)
		run.id = query_id(db, &q_start, job);
	if (run.id <= 0) {
		query_bool(db, &q_unlock, job);
		return run.id == 0 ? 0 : EX_UNAVAILABLE;
	}
	snprintf(run.id_text, sizeof(run.id_text), "%lld", run.id);
	run.details = json_object();
	log_info("%s: run %lld started (%s)", job, run.id,
	    run.manual ? "manual" : "cron");
	rc = fn(&run);
	finish(&run, rc == 0 ? "succeeded" : "failed");
	if (rc == 0)
		log_info("%s: run %lld succeeded: %d ok, %d failed, %d "
			 "skipped%s%s",
		    job, run.id, run.items_ok, run.items_failed,
		    run.items_skipped, run.message[0] ? "; " : "", run.message);
	else
		log_error("%s: run %lld failed: %s", job, run.id, run.error);
	json_decref(run.details);
	query_bool(db, &q_unlock, job);
	return rc == 0 ? 0 : EX_SOFTWARE;
}

/* Runs every queued run; returns the worst exit status. */
static int
run_queue(struct db *db, const struct config *cfg)
{
	char err[256], jobs[16][40];
	int status, n = 0, rc = 0, r;
	PGresult *res;

	if ((res = db_exec(db, &q_queued, NULL, &status, err, sizeof(err))) ==
	    NULL)
		return EX_UNAVAILABLE;
	for (int i = 0; i < PQntuples(res) && n < 16; i++)
		snprintf(
		    jobs[n++], sizeof(jobs[0]), "%s", PQgetvalue(res, i, 0));
	PQclear(res);
	for (int i = 0; i < n && !stopping; i++) {
		if (find_fn(jobs[i]) == NULL)
			continue;
		if ((r = run_job(db, cfg, jobs[i], 1)) > rc)
			rc = r;
	}
	return rc;
}

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static int
worker(struct db *db, const struct config *cfg)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	log_info("worker: listening for queued runs");
	while (!stopping) {
		PGnotify *n;
		fd_set fds;
		struct timeval tv = { 60, 0 };
		int fd;

		if (db_ensure(db) == -1 ||
		    db_command(db, "LISTEN tessie_sync") == -1) {
			sleep(5);
			continue;
		}
		run_queue(db, cfg);
		fd = PQsocket(db_conn(db));
		FD_ZERO(&fds);
		FD_SET(fd, &fds);
		if (select(fd + 1, &fds, NULL, NULL, &tv) < 0 && errno != EINTR)
			break;
		PQconsumeInput(db_conn(db));
		while ((n = PQnotifies(db_conn(db))) != NULL)
			PQfreemem(n);
	}
	log_info("worker: stopped");
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: tessie-sync JOB | queue | worker | list\n");
	exit(EX_USAGE);
}

int
main(int argc, char *argv[])
{
	struct config cfg;
	struct db *db;
	char err[512];
	int rc;

	if (argc != 2)
		usage();
	if (strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < nsync_jobs; i++)
			printf("%-18s every %4d s  %s\n", sync_jobs[i].name,
			    sync_jobs[i].interval_s, sync_jobs[i].what);
		return 0;
	}
	if (config_load(&cfg, NULL, err, sizeof(err)) == -1 ||
	    config_require(&cfg, CFG_NEED_DB, err, sizeof(err)) == -1) {
		fprintf(stderr, "tessie-sync: %s\n", err);
		return EX_CONFIG;
	}
	log_init("tessie-sync", cfg.log_level);
	if ((db = db_new(cfg.database_url)) == NULL || db_ensure(db) == -1) {
		fprintf(stderr,
		    "tessie-sync: cannot connect to the database "
		    "named by DATABASE_URL\n");
		db_free(db);
		config_free(&cfg);
		return EX_UNAVAILABLE;
	}
	if (strcmp(argv[1], "queue") == 0)
		rc = run_queue(db, &cfg);
	else if (strcmp(argv[1], "worker") == 0)
		rc = worker(db, &cfg);
	else
		rc = run_job(db, &cfg, argv[1], 0);
	db_free(db);
	config_free(&cfg);
	return rc;
}
