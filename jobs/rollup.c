/*
 * The rollup job: daily energy aggregates (energy_daily) per site per local
 * date, by the SQL functions of sql/016_energy_daily.sql (docs/energy.md),
 * one site per transaction.  `tessie-sync rollup` re-rolls the days whose
 * inputs changed (marked by triggers in energy_daily_dirty);
 * `tessie-sync rollup_full` rebuilds every day of every site.  Either
 * writes only the rows whose values change, so a rerun writes nothing.
 */
#include <stdio.h>
#include <stdlib.h>

#include "jobs.h"
#include "log.h"

static const struct db_stmt q_sites = { "rollup_sites",
	"SELECT id FROM energy_sites ORDER BY id", 0 };

static const struct db_stmt q_dirty = { "rollup_dirty",
	"SELECT days, written FROM tessie_energy_rollup_dirty($1::uuid)", 1 };

static const struct db_stmt q_full = { "rollup_full",
	"SELECT (SELECT count(*) FROM energy_daily_dirty WHERE site_id = "
	"$1::uuid), tessie_energy_rollup($1::uuid, NULL, NULL)",
	1 };

static const struct db_stmt q_flagged = { "rollup_flagged",
	"SELECT count(*) FILTER (WHERE flagged), count(*) FROM energy_daily",
	0 };

/* Rolls up one site in a transaction; adds to days and written. */
static int
rollup_site(
    struct job_run *run, const char *site, int full, long *days, long *written)
{
	const char *p[1] = { site };
	char err[256];
	PGresult *res;
	int st;

	if (db_command(run->db, "BEGIN") == -1)
		return -1;
	res = db_exec(
	    run->db, full ? &q_full : &q_dirty, p, &st, err, sizeof(err));
	if (res == NULL) {
		log_error("energy rollup failed for a site: %s", err);
		db_command(run->db, "ROLLBACK");
		return -1;
	}
	*days += atol(PQgetvalue(res, 0, 0));
	*written += atol(PQgetvalue(res, 0, 1));
	PQclear(res);
	return db_command(run->db, "COMMIT");
}

static int
rollup(struct job_run *run, int full)
{
	long days = 0, written = 0;
	char err[256];
	PGresult *res;
	int st;

	if ((res = db_exec(run->db, &q_sites, NULL, &st, err, sizeof(err))) ==
	    NULL)
		return job_fail(run, "%s", err);
	for (int i = 0; i < PQntuples(res); i++) {
		if (rollup_site(run, PQgetvalue(res, i, 0), full, &days,
			&written) == -1)
			run->items_failed++;
		else
			run->items_ok++;
	}
	PQclear(res);
	json_object_set_new(run->details, "full", json_boolean(full));
	json_object_set_new(run->details, "days", json_integer(days));
	json_object_set_new(run->details, "written", json_integer(written));
	if ((res = db_exec(run->db, &q_flagged, NULL, &st, err, sizeof(err))) !=
	    NULL) {
		json_object_set_new(run->details, "flagged_days",
		    json_integer(atol(PQgetvalue(res, 0, 0))));
		json_object_set_new(run->details, "total_days",
		    json_integer(atol(PQgetvalue(res, 0, 1))));
		PQclear(res);
	}
	snprintf(run->message, sizeof(run->message),
	    "%ld day(s) rolled up, %ld row(s) written", days, written);
	return run->items_failed > 0
	    ? job_fail(run, "%d site(s) failed", run->items_failed)
	    : 0;
}

int
job_rollup(struct job_run *run)
{
	return rollup(run, 0);
}

int
job_rollup_full(struct job_run *run)
{
	return rollup(run, 1);
}
