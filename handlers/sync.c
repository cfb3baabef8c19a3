/*
 * Sync runs:
 *	POST /api/sync/trigger {"job": "vehicles" | ... | "all"}
 *	GET  /api/sync/status
 * A trigger queues a run (202); while one is queued for a job, a second
 * trigger returns that run.  tessie-sync picks queued runs up within a
 * minute from cron, at once when its worker is listening.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "handlers.h"
#include "syncjobs.h"
#include "util.h"

#define RUN_JSON                                                               \
	"json_build_object('id', id, 'job', job, 'status', status, "           \
	"'trigger', trigger, 'queued_at', queued_at, 'started_at', "           \
	"started_at, 'finished_at', finished_at, 'items_ok', items_ok, "       \
	"'items_failed', items_failed, 'items_skipped', items_skipped, "       \
	"'api_calls', api_calls, 'api_cost_usd', api_cost::float8, "           \
	"'error', error, 'message', message)"

/* Queues a run unless one is queued already; returns the queued run. */
static const struct db_stmt q_trigger = { "sync_trigger",
	"WITH ins AS (INSERT INTO sync_runs (job, trigger, requested_by) "
	"VALUES ($1, 'manual', $2::uuid) "
	"ON CONFLICT (job) WHERE status = 'queued' DO NOTHING "
	"RETURNING *) "
	"SELECT " RUN_JSON ", true FROM ins "
	"UNION ALL "
	"SELECT " RUN_JSON ", false FROM sync_runs "
	"WHERE job = $1 AND status = 'queued' AND NOT EXISTS "
	"(SELECT 1 FROM ins)",
	2 };

static const struct db_stmt q_status = { "sync_status",
	"SELECT json_build_object('job', j.name, 'interval_s', j.iv, "
	"'next_run_at', date_bin(make_interval(secs => j.iv), now(), "
	"'2000-01-01') + make_interval(secs => j.iv), "
	"'last_run', (SELECT " RUN_JSON " FROM sync_runs "
	"WHERE job = j.name AND status <> 'queued' "
	"ORDER BY coalesce(started_at, queued_at) DESC, id DESC LIMIT 1), "
	"'last_success_at', (SELECT max(finished_at) FROM sync_runs "
	"WHERE job = j.name AND status = 'succeeded'), "
	"'queued', (SELECT " RUN_JSON " FROM sync_runs "
	"WHERE job = j.name AND status = 'queued')) "
	"FROM unnest($1::text[], $2::int[]) AS j(name, iv)",
	2 };

static const struct db_stmt q_account = { "sync_account",
	"SELECT json_build_object('connected', t.account_id IS NOT NULL "
	"AND NOT t.needs_login, 'needs_login', coalesce(t.needs_login, "
	"false), 'last_error', t.last_error, 'rate_limited_until', "
	"t.rate_limited_until) "
	"FROM accounts a LEFT JOIN tesla_tokens t ON t.account_id = a.id "
	"WHERE a.id = $1::uuid",
	1 };

static json_t *
trigger_one(struct req *r, const char *job)
{
	const char *p[2] = { job, r->account_id };
	PGresult *res;
	json_t *run;

	if ((res = req_exec(r, &q_trigger, p)) == NULL)
		return NULL;
	if (PQntuples(res) != 1 || (run = db_json(res, 0, 0)) == NULL) {
		reply_error(r, 409, NULL,
		    "the run of \"%s\" changed state; "
		    "try again",
		    job);
		return NULL;
	}
	json_object_set_new(run, "already_queued",
	    json_boolean(PQgetvalue(res, 0, 1)[0] == 'f'));
	return run;
}

int
h_sync_trigger(struct req *r)
{
	json_t *body, *v, *runs, *run;
	const char *job, *key;

	if ((body = req_json(r)) == NULL)
		return r->status;
	json_object_foreach(body, key, v)
	{
		if (strcmp(key, "job") != 0)
			return reply_error(r, 400, "unknown_field",
			    "unknown field \"%s\"", key);
	}
	if ((v = json_object_get(body, "job")) == NULL)
		return reply_error(
		    r, 400, "missing_field", "\"job\" is required");
	if ((job = json_string_value(v)) == NULL)
		return reply_error(
		    r, 400, "invalid_field", "\"job\" must be a string");
	if (strcmp(job, "all") == 0) {
		runs = json_array();
		for (size_t i = 0; i < nsync_jobs; i++) {
			if ((run = trigger_one(r, sync_jobs[i].name)) == NULL) {
				json_decref(runs);
				return r->status;
			}
			json_array_append_new(runs, run);
		}
		return reply_json(r, 202, json_pack("{s:o}", "data", runs));
	}
	if (sync_job_find(job) == NULL) {
		char names[256], iv[128];

		sync_jobs_arrays(names, sizeof(names), iv, sizeof(iv));
		return reply_error(r, 400, "invalid_field",
		    "unknown job \"%.40s\": one of %s or \"all\"", job, names);
	}
	if ((run = trigger_one(r, job)) == NULL)
		return r->status;
	return reply_json(r, 202, run);
}

int
h_sync_status(struct req *r)
{
	char names[256], iv[128];
	const char *p[2] = { names, iv };
	PGresult *res;
	json_t *jobs, *account;

	sync_jobs_arrays(names, sizeof(names), iv, sizeof(iv));
	if ((res = req_exec(r, &q_status, p)) == NULL)
		return r->status;
	jobs = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *j = db_json(res, i, 0);

		if (j != NULL)
			json_array_append_new(jobs, j);
	}
	p[0] = r->account_id;
	if ((res = req_exec(r, &q_account, p)) == NULL) {
		json_decref(jobs);
		return r->status;
	}
	account = db_json(res, 0, 0);
	return reply_json(r, 200,
	    json_pack("{s:o,s:o}", "jobs", jobs, "account",
		account ? account : json_null()));
}
