/*
 * What every tessie-sync job gets and reports.  jobs/main.c runs one job
 * per invocation under an advisory lock and records it in sync_runs.
 */
#ifndef TESSIE_JOBS_H
#define TESSIE_JOBS_H

#include <jansson.h>

#include "config.h"
#include "db.h"

struct job_run {
	struct db *db;
	const struct config *cfg;
	const char *job;
	long long id; /* sync_runs.id */
	char id_text[24];
	int manual; /* started from the queue */
	int items_ok;
	int items_failed;
	int items_skipped;
	json_t *details; /* job-specific counters, stored as jsonb */
	char message[512]; /* for people: no tokens, no places */
	char error[512]; /* why the run failed */
};

/* A job: 0 when it succeeded (items may have failed), -1 when it failed. */
typedef int (*job_fn)(struct job_run *run);

int job_vehicles(struct job_run *run);
int job_energy_live(struct job_run *run);
int job_energy_history(struct job_run *run);
int job_charging_history(struct job_run *run);
int job_analytics(struct job_run *run);
int job_recompute(struct job_run *run);
int job_rollup(struct job_run *run);
int job_rollup_full(struct job_run *run);

/*
 * Calls fn for every account with a usable Tesla connection (not flagged
 * for a new login, not rate-limited).  Returns -1 when any call failed.
 */
int job_each_account(struct job_run *run,
    int (*fn)(struct job_run *run, const char *account_id));

/* Sets run->error (printf-style) and returns -1, for "return fail(...)". */
int job_fail(struct job_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
