/*
 * The energy_live job: live_status of every energy site (free), stored as
 * energy_states keyed (site_id, ts).  Sites are discovered on the first
 * run and described again once a day (lib/sites.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_parse.h"
#include "jobs.h"
#include "log.h"
#include "sites.h"

static const struct db_stmt q_sites = { "live_sites",
	"SELECT id, tesla_site_id FROM energy_sites "
	"WHERE account_id = $1::uuid ORDER BY id",
	1 };

static const struct db_stmt q_insert = { "live_insert",
	"INSERT INTO energy_states (site_id, " FLEET_LIVE_COLUMNS ") "
	"VALUES ($1::uuid, " FLEET_LIVE_VALUES ") "
	"ON CONFLICT (site_id, ts) DO NOTHING",
	1 + FLEET_LIVE_NCOLS };

struct site {
	char id[40];
	char path[96];
	struct tesla_item item;
	struct fleet_live live;
	int ok;
};

static int
live_done(
    void *vctx, const struct fleet_req *req, const struct fleet_result *res)
{
	const struct tesla_item *it = req->user;
	struct site *site = it->user;

	(void)vctx;
	if (res->outcome == FLEET_OK &&
	    fleet_parse_live_status(res->body, &site->live) == 0)
		site->ok = 1;
	else
		log_warn("live_status: %s (HTTP %ld)",
		    res->outcome == FLEET_OK ? "unusable answer"
					     : fleet_outcome_name(res->outcome),
		    res->status);
	return FLEET_CONTINUE;
}

static int
sync_account(struct job_run *run, const char *account)
{
	const char *p[1 + FLEET_LIVE_NCOLS];
	struct fleet_params fp;
	struct tesla_session s;
	struct site *sites = NULL;
	struct fleet_req *reqs = NULL;
	PGresult *res = NULL;
	char err[256];
	int st, n = 0, rc = -1;

	if (tesla_open(&s, run->db, run->cfg, account, run->id_text) == -1 ||
	    sites_refresh(&s, 0) == -1) {
		job_fail(run, "%s", s.error);
		goto out;
	}
	p[0] = account;
	if ((res = db_exec(run->db, &q_sites, p, &st, err, sizeof(err))) ==
	    NULL) {
		job_fail(run, "%s", err);
		goto out;
	}
	n = PQntuples(res);
	if ((sites = calloc(n ? n : 1, sizeof(*sites))) == NULL ||
	    (reqs = calloc(n ? n : 1, sizeof(*reqs))) == NULL) {
		job_fail(run, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		snprintf(sites[i].id, sizeof(sites[i].id), "%s",
		    PQgetvalue(res, i, 0));
		snprintf(sites[i].path, sizeof(sites[i].path),
		    "/api/1/energy_sites/%s/live_status",
		    PQgetvalue(res, i, 1));
		sites[i].item.site_id = sites[i].id;
		sites[i].item.user = &sites[i];
		reqs[i].method = "GET";
		reqs[i].path = sites[i].path;
		reqs[i].cls = FLEET_ENERGY;
		reqs[i].endpoint = "/api/1/energy_sites/{id}/live_status";
		reqs[i].user = &sites[i].item;
	}
	if (n > 0 && tesla_run(&s, reqs, (size_t)n, live_done, NULL) == -1) {
		job_fail(run, "Fleet API client failed");
		goto out;
	}
	if (db_command(run->db, "BEGIN") == -1) {
		job_fail(run, "database unavailable");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		PGresult *r2;

		if (!sites[i].ok) {
			run->items_failed++;
			continue;
		}
		fleet_live_params(&sites[i].live, &fp);
		p[0] = sites[i].id;
		for (int k = 0; k < fp.n; k++)
			p[1 + k] = fp.v[k];
		r2 = db_exec(run->db, &q_insert, p, &st, err, sizeof(err));
		if (r2 == NULL) {
			log_error("energy state not stored: %s", err);
			run->items_failed++;
			continue;
		}
		PQclear(r2);
		run->items_ok++;
	}
	if (db_command(run->db, "COMMIT") == -1) {
		job_fail(run, "database unavailable while storing");
		goto out;
	}
	json_object_set_new(run->details, "sites", json_integer(n));
	rc = 0;
out:
	PQclear(res);
	free(sites);
	free(reqs);
	tesla_close(&s);
	return rc;
}

int
job_energy_live(struct job_run *run)
{
	return job_each_account(run, sync_account);
}
