/*
 * The analytics job: drives and charging sessions derived from the stored
 * vehicle states by the SQL function tessie_derive() (sql/011_derive.sql,
 * docs/analytics.md), one vehicle per transaction.  Each run re-derives
 * from the start of each vehicle's latest drive or session, which may
 * still be growing; `tessie-sync recompute` re-derives everything, and
 * gives the same rows twice.  After deriving it attributes drivers, computes
 * each session's energy site, solar/Powerwall/grid shares and cost, and
 * prices each site's days (sql/017_solar_share_costs.sql,
 * docs/solar-share-and-costs.md): the sessions of the last two days and
 * any whose place, tariff or solar_cost_mode changed since, and the last
 * three local days; `recompute` does all of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "log.h"

/*
 * Where each car's re-derivation starts: the start of its latest drive or
 * session, moved back to the start of any drive or session still going
 * on around that point, so that the window never cuts one in two.
 */
static const struct db_stmt q_cars = { "analytics_cars",
	"SELECT v.id, CASE WHEN $1::boolean THEN '-infinity' ELSE "
	"coalesce(least(c.cut, (SELECT min(started_at) FROM drives d "
	"WHERE d.vehicle_id = v.id AND d.ended_at >= c.cut - "
	"interval '15 minutes'), (SELECT min(started_at) FROM "
	"charging_sessions s WHERE s.vehicle_id = v.id AND s.derived AND "
	"s.ended_at >= c.cut - interval '30 minutes')), '-infinity') END "
	"FROM vehicles v CROSS JOIN LATERAL (SELECT least((SELECT "
	"max(started_at) FROM drives d WHERE d.vehicle_id = v.id), (SELECT "
	"max(started_at) FROM charging_sessions s WHERE s.vehicle_id = v.id "
	"AND s.derived)) AS cut) c "
	"WHERE EXISTS (SELECT 1 FROM vehicle_states s "
	"WHERE s.vehicle_id = v.id) ORDER BY v.id",
	1 };

static const struct db_stmt q_derive = { "analytics_derive",
	"SELECT drives, sessions FROM tessie_derive($1::uuid, "
	"$2::timestamptz)",
	2 };

/* Drivers by rules, after deriving (sql/012_driver_attribution.sql). */
static const struct db_stmt q_attribute = { "analytics_attribute",
	"SELECT tessie_attribute(id, '-infinity') FROM accounts", 0 };

/* Sites, shares and costs of sessions (sql/013, sql/017). */
static const struct db_stmt q_cost = { "analytics_cost",
	"SELECT coalesce(sum(tessie_cost_sessions(id, CASE WHEN $1::boolean "
	"THEN '-infinity' ELSE now() - interval '2 days' END)), 0) "
	"FROM accounts",
	1 };

/* Grid import cost and export value of each site's days (sql/017). */
static const struct db_stmt q_money = { "analytics_money",
	"SELECT coalesce(sum(tessie_energy_daily_money(id, CASE WHEN "
	"$1::boolean THEN NULL ELSE (now() AT TIME ZONE time_zone)::date - 3 "
	"END, NULL)), 0) FROM energy_sites",
	1 };

static int
derive(struct job_run *run, int all)
{
	const char *p[2] = { all ? "true" : "false", NULL };
	int st, drives = 0, sessions = 0;
	char err[256];
	PGresult *res, *r2;

	if ((res = db_exec(run->db, &q_cars, p, &st, err, sizeof(err))) == NULL)
		return job_fail(run, "%s", err);
	for (int i = 0; i < PQntuples(res); i++) {
		p[0] = PQgetvalue(res, i, 0);
		p[1] = PQgetvalue(res, i, 1);
		if (db_command(run->db, "BEGIN") == -1) {
			PQclear(res);
			return job_fail(run, "database unavailable");
		}
		r2 = db_exec(run->db, &q_derive, p, &st, err, sizeof(err));
		if (r2 == NULL) {
			log_error("derivation failed for a vehicle: %s", err);
			db_command(run->db, "ROLLBACK");
			run->items_failed++;
			continue;
		}
		drives += atoi(PQgetvalue(r2, 0, 0));
		sessions += atoi(PQgetvalue(r2, 0, 1));
		PQclear(r2);
		if (db_command(run->db, "COMMIT") == -1) {
			run->items_failed++;
			continue;
		}
		run->items_ok++;
	}
	PQclear(res);
	if ((res = db_exec(
		 run->db, &q_attribute, NULL, &st, err, sizeof(err))) == NULL)
		return job_fail(run, "attribution: %s", err);
	PQclear(res);
	p[0] = all ? "true" : "false";
	if ((res = db_exec(run->db, &q_cost, p, &st, err, sizeof(err))) == NULL)
		return job_fail(run, "costs: %s", err);
	json_object_set_new(
	    run->details, "costed", json_integer(atoi(PQgetvalue(res, 0, 0))));
	PQclear(res);
	if ((res = db_exec(run->db, &q_money, p, &st, err, sizeof(err))) ==
	    NULL)
		return job_fail(run, "daily money: %s", err);
	json_object_set_new(run->details, "days_priced",
	    json_integer(atoi(PQgetvalue(res, 0, 0))));
	PQclear(res);
	json_object_set_new(run->details, "drives", json_integer(drives));
	json_object_set_new(run->details, "sessions", json_integer(sessions));
	return run->items_failed > 0
	    ? job_fail(run, "%d vehicle(s) failed", run->items_failed)
	    : 0;
}

int
job_analytics(struct job_run *run)
{
	return derive(run, 0);
}

int
job_recompute(struct job_run *run)
{
	return derive(run, 1);
}
