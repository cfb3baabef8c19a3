/*
 * The charging_history job: Tesla's own record of Supercharger sessions
 * and what they cost, per car, from the last known session on (90 days
 * the first time).  Sessions are upserted by Tesla's session id, with
 * cost_source 'tesla' (DESIGN §6: Tesla's billing is authoritative).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_parse.h"
#include "jobs.h"
#include "log.h"
#include "tesla.h"
#include "util.h"

static const struct db_stmt q_cars = { "charging_cars",
	"SELECT v.id, v.vin, to_char(coalesce((SELECT max(started_at) "
	"FROM charging_sessions c WHERE c.vehicle_id = v.id "
	"AND c.tesla_session_id IS NOT NULL) - interval '1 day', "
	"now() - interval '90 days'), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	"to_char(now(), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	"FROM vehicles v WHERE v.account_id = $1::uuid ORDER BY v.id",
	1 };

/* Tesla's record wins over what polling saw for the same session. */
static const struct db_stmt q_update = { "charging_update",
	"UPDATE charging_sessions SET ended_at = coalesce($3::timestamptz, "
	"ended_at), energy_added_kwh = coalesce($4::real, energy_added_kwh), "
	"cost = $5::numeric, currency = $6, cost_source = 'tesla', "
	"location_name = coalesce(nullif($7, ''), location_name), "
	"charge_type = 'dc', charger_type = 'Supercharger' "
	"WHERE tesla_session_id = $1 AND vehicle_id = $2::uuid",
	7 };

static const struct db_stmt q_insert = { "charging_insert",
	"INSERT INTO charging_sessions (tesla_session_id, vehicle_id, "
	"started_at, ended_at, energy_added_kwh, cost, currency, "
	"cost_source, location_name, charge_type, charger_type) "
	"VALUES ($1, $2::uuid, $8::timestamptz, $3::timestamptz, $4::real, "
	"$5::numeric, $6, CASE WHEN $5 IS NULL THEN NULL ELSE 'tesla' END, "
	"nullif($7, ''), 'dc', 'Supercharger') "
	"ON CONFLICT DO NOTHING",
	8 };

struct car {
	char id[40];
	char vin[18];
	char path[256];
	struct tesla_item item;
	struct fleet_sc_session *sessions;
	size_t n;
	int ok;
};

static int
history_done(
    void *vctx, const struct fleet_req *req, const struct fleet_result *res)
{
	const struct tesla_item *it = req->user;
	struct car *car = it->user;
	size_t skipped = 0;

	(void)vctx;
	if (res->outcome == FLEET_OK &&
	    fleet_parse_charging_history(
		res->body, &car->sessions, &car->n, &skipped) == 0)
		car->ok = 1;
	else
		log_warn("charging history: %s (HTTP %ld)",
		    res->outcome == FLEET_OK ? "unusable answer"
					     : fleet_outcome_name(res->outcome),
		    res->status);
	if (skipped > 0)
		log_warn("charging history: %zu session(s) skipped", skipped);
	return FLEET_CONTINUE;
}

static void
fmt_time(long long t, char *out, size_t n)
{
	if (t > 0)
		time_rfc3339(t, out, n);
	else
		out[0] = '\0';
}

/* Stores one car's sessions in one transaction; sessions stored or -1. */
static int
store_car(struct job_run *run, struct car *car)
{
	char start[32], stop[32], kwh[32], cost[32], err[256];
	const char *p[8];
	int st, n = 0;

	if (db_command(run->db, "BEGIN") == -1)
		return -1;
	for (size_t i = 0; i < car->n; i++) {
		const struct fleet_sc_session *s = &car->sessions[i];
		PGresult *res;

		if (s->start <= 0 || strcmp(s->vin, car->vin) != 0)
			continue;
		fmt_time(s->start, start, sizeof(start));
		fmt_time(s->stop, stop, sizeof(stop));
		snprintf(kwh, sizeof(kwh), "%.3f", s->energy_kwh);
		snprintf(cost, sizeof(cost), "%.2f", s->total_cost);
		p[0] = s->session_id;
		p[1] = car->id;
		p[2] = stop[0] ? stop : NULL;
		p[3] = s->energy_kwh == s->energy_kwh ? kwh : NULL;
		p[4] = s->total_cost == s->total_cost && s->currency[0] ? cost
									: NULL;
		p[5] = p[4] ? s->currency : NULL;
		p[6] = s->site_name;
		res = db_exec(run->db, &q_update, p, &st, err, sizeof(err));
		if (res != NULL && atoi(PQcmdTuples(res)) == 0) {
			PQclear(res);
			p[7] = start;
			res = db_exec(
			    run->db, &q_insert, p, &st, err, sizeof(err));
		}
		if (res == NULL) {
			log_error("Supercharger session not stored: %s", err);
			db_command(run->db, "ROLLBACK");
			return -1;
		}
		PQclear(res);
		n++;
	}
	if (db_command(run->db, "COMMIT") == -1)
		return -1;
	return n;
}

static int
sync_account(struct job_run *run, const char *account)
{
	struct tesla_session s;
	struct car *cars = NULL;
	struct fleet_req *reqs = NULL;
	PGresult *res = NULL;
	const char *p[1] = { account };
	char err[256];
	int st, n = 0, rc = -1, stored = 0;

	if (tesla_open(&s, run->db, run->cfg, account, run->id_text) == -1) {
		job_fail(run, "%s", s.error);
		goto out;
	}
	if ((res = db_exec(run->db, &q_cars, p, &st, err, sizeof(err))) ==
	    NULL) {
		job_fail(run, "%s", err);
		goto out;
	}
	n = PQntuples(res);
	if ((cars = calloc(n ? n : 1, sizeof(*cars))) == NULL ||
	    (reqs = calloc(n ? n : 1, sizeof(*reqs))) == NULL) {
		job_fail(run, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct car *car = &cars[i];

		snprintf(car->id, sizeof(car->id), "%s", PQgetvalue(res, i, 0));
		snprintf(
		    car->vin, sizeof(car->vin), "%s", PQgetvalue(res, i, 1));
		snprintf(car->path, sizeof(car->path),
		    "/api/1/dx/charging/history?vin=%s&startTime=%s"
		    "&endTime=%s&pageNo=1&pageSize=50&sortBy=start"
		    "&sortOrder=DESC",
		    car->vin, PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
		car->item.vehicle_id = car->id;
		car->item.user = car;
		reqs[i].method = "GET";
		reqs[i].path = car->path;
		reqs[i].cls = FLEET_DATA;
		reqs[i].endpoint = "/api/1/dx/charging/history";
		reqs[i].user = &car->item;
	}
	if (n > 0 && tesla_run(&s, reqs, (size_t)n, history_done, NULL) == -1) {
		job_fail(run, "Fleet API client failed");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		int k;

		if (!cars[i].ok) {
			run->items_failed++;
			continue;
		}
		if ((k = store_car(run, &cars[i])) < 0) {
			run->items_failed++;
			continue;
		}
		stored += k;
		run->items_ok++;
	}
	json_object_set_new(run->details, "sessions", json_integer(stored));
	rc = 0;
out:
	for (int i = 0; cars != NULL && i < n; i++)
		free(cars[i].sessions);
	PQclear(res);
	free(cars);
	free(reqs);
	tesla_close(&s);
	return rc;
}

int
job_charging_history(struct job_run *run)
{
	return job_each_account(run, sync_account);
}
