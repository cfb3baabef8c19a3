/*
 * The energy_history job: calendar_history (kind=energy) of today and
 * yesterday on each site's own calendar, plus the missing or flagged days
 * of the last tessie.energy_lookback_days (a few per run, so that a gap
 * closes by itself over a few runs).  Buckets are upserted keyed (site_id,
 * period, ts); a bucket that Tesla did not change is not written again.
 * Past days whose samples cover too little of the day get Tesla's power
 * history (kind=power) as samples.  Each fetch of a day is recorded in
 * energy_fetches: a day whose last fetch brought nothing new is asked for
 * again only after tessie.energy_retry_hours, at most
 * tessie.energy_max_retries times (docs/energy.md, "Backfill").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_parse.h"
#include "jobs.h"
#include "log.h"
#include "sites.h"

#define DETAILS_MAX 60 /* days listed in the run's details */

/*
 * Whether a missing or flagged day may be fetched again (f: its
 * energy_fetches row, if any): never fetched, or the last fetch changed
 * something, or it is time for another try.
 */
#define FETCH_ELIGIBLE                                                         \
	"(f.site_id IS NULL OR f.fruitless = 0 OR (f.fruitless <= "            \
	"tessie_energy_setting('max_retries', 3, 0, 100) AND f.fetched_at < "  \
	"now() - make_interval(hours => tessie_energy_setting("                \
	"'retry_hours', 24, 0, 10000)::int))) "

/*
 * Days to fetch, newest first; start and end as UTC instants.  Today and
 * yesterday always; an older day of the window when Tesla's buckets do not
 * cover it or the rollup flagged it.
 */
static const struct db_stmt q_days = { "history_days",
	"SELECT id, tesla_site_id, time_zone, day::text, "
	"to_char(day::timestamp AT TIME ZONE time_zone, "
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	"to_char((day + 1)::timestamp AT TIME ZONE time_zone "
	"- interval '1 second', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), why "
	"FROM (SELECT s.id, s.tesla_site_id, s.time_zone, d.day, "
	"CASE WHEN d.day >= (now() AT TIME ZONE s.time_zone)::date - 1 "
	"THEN 'recent' WHEN y.flagged THEN 'flagged' ELSE 'missing' END "
	"AS why, row_number() OVER (PARTITION BY s.id ORDER BY d.day DESC) "
	"AS n FROM energy_sites s CROSS JOIN LATERAL (SELECT g::date AS day "
	"FROM generate_series((now() AT TIME ZONE s.time_zone)::date - "
	"tessie_energy_setting('lookback_days', 14, 1, 3650)::int, "
	"(now() AT TIME ZONE s.time_zone)::date, interval '1 day') g) d "
	"LEFT JOIN energy_fetches f ON f.site_id = s.id "
	"AND f.local_date = d.day AND f.kind = 'energy' "
	"LEFT JOIN energy_daily y ON y.site_id = s.id "
	"AND y.local_date = d.day "
	"WHERE s.account_id = $1::uuid "
	"AND (d.day >= (now() AT TIME ZONE s.time_zone)::date - 1 "
	"OR ((coalesce(y.flagged, false) OR (SELECT coalesce(sum(CASE "
	"h.period WHEN '5min' THEN 300 WHEN '15min' THEN 900 WHEN 'hour' "
	"THEN 3600 ELSE 86400 END), 0) FROM energy_history h "
	"WHERE h.site_id = s.id "
	"AND h.ts >= d.day::timestamp AT TIME ZONE s.time_zone "
	"AND h.ts < (d.day + 1)::timestamp AT TIME ZONE s.time_zone) < "
	"extract(epoch FROM (d.day + 1)::timestamp AT TIME ZONE s.time_zone "
	"- d.day::timestamp AT TIME ZONE s.time_zone)) AND " FETCH_ELIGIBLE
	"))) x WHERE n <= tessie_energy_setting('fetch_days', 9, 1, 1000)::int "
	"ORDER BY id, day DESC",
	1 };

/* A bucket Tesla did not change is not written again. */
static const struct db_stmt q_upsert = { "history_upsert",
	"INSERT INTO energy_history AS e (site_id, "
	"period, " FLEET_EBUCKET_COLUMNS ") "
	"VALUES ($1::uuid, $2, " FLEET_EBUCKET_VALUES ") "
	"ON CONFLICT (site_id, period, ts) DO UPDATE SET "
	"solar_energy_exported_kwh = EXCLUDED.solar_energy_exported_kwh, "
	"generator_energy_exported_kwh = "
	"EXCLUDED.generator_energy_exported_kwh, "
	"grid_energy_imported_kwh = EXCLUDED.grid_energy_imported_kwh, "
	"grid_services_energy_imported_kwh = "
	"EXCLUDED.grid_services_energy_imported_kwh, "
	"grid_services_energy_exported_kwh = "
	"EXCLUDED.grid_services_energy_exported_kwh, "
	"grid_energy_exported_from_solar_kwh = "
	"EXCLUDED.grid_energy_exported_from_solar_kwh, "
	"grid_energy_exported_from_generator_kwh = "
	"EXCLUDED.grid_energy_exported_from_generator_kwh, "
	"grid_energy_exported_from_battery_kwh = "
	"EXCLUDED.grid_energy_exported_from_battery_kwh, "
	"battery_energy_exported_kwh = EXCLUDED.battery_energy_exported_kwh, "
	"battery_energy_imported_from_grid_kwh = "
	"EXCLUDED.battery_energy_imported_from_grid_kwh, "
	"battery_energy_imported_from_solar_kwh = "
	"EXCLUDED.battery_energy_imported_from_solar_kwh, "
	"battery_energy_imported_from_generator_kwh = "
	"EXCLUDED.battery_energy_imported_from_generator_kwh, "
	"consumer_energy_imported_from_grid_kwh = "
	"EXCLUDED.consumer_energy_imported_from_grid_kwh, "
	"consumer_energy_imported_from_solar_kwh = "
	"EXCLUDED.consumer_energy_imported_from_solar_kwh, "
	"consumer_energy_imported_from_battery_kwh = "
	"EXCLUDED.consumer_energy_imported_from_battery_kwh, "
	"consumer_energy_imported_from_generator_kwh = "
	"EXCLUDED.consumer_energy_imported_from_generator_kwh, "
	"fetched_at = now() "
	"WHERE to_jsonb(e) - 'fetched_at' "
	"IS DISTINCT FROM to_jsonb(EXCLUDED) - 'fetched_at'",
	2 + FLEET_EBUCKET_NCOLS };

/*
 * Complete past days of the window whose samples cover less of the day
 * than tessie.energy_min_completeness: their power history fills the gaps.
 */
static const struct db_stmt q_gap_days = { "history_gap_days",
	"SELECT id, tesla_site_id, time_zone, day::text, "
	"to_char(b, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	"to_char(e - interval '1 second', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	"FROM (SELECT s.id, s.tesla_site_id, s.time_zone, d.day, "
	"d.day::timestamp AT TIME ZONE s.time_zone AS b, "
	"(d.day + 1)::timestamp AT TIME ZONE s.time_zone AS e, "
	"row_number() OVER (PARTITION BY s.id ORDER BY d.day DESC) AS n "
	"FROM energy_sites s CROSS JOIN LATERAL (SELECT g::date AS day "
	"FROM generate_series((now() AT TIME ZONE s.time_zone)::date - "
	"tessie_energy_setting('lookback_days', 14, 1, 3650)::int, "
	"(now() AT TIME ZONE s.time_zone)::date - 1, interval '1 day') g) d "
	"LEFT JOIN energy_fetches f ON f.site_id = s.id "
	"AND f.local_date = d.day AND f.kind = 'power' "
	"WHERE s.account_id = $1::uuid AND " FETCH_ELIGIBLE
	"AND tessie_energy_coverage(s.id, d.day, s.time_zone) < "
	"tessie_energy_setting('min_completeness', 0.95, 0, 1)) y "
	"WHERE n <= tessie_energy_setting('power_days', 3, 0, 1000)::int "
	"ORDER BY id, day DESC",
	1 };

/* One fetch of a day: what Tesla sent and what it changed here. */
static const struct db_stmt q_fetched = { "history_fetched",
	"INSERT INTO energy_fetches AS f (site_id, local_date, kind, "
	"received, changed, fruitless) VALUES ($1::uuid, $2::date, $3, "
	"$4::int, $5::int, CASE WHEN $5::int > 0 THEN 0 ELSE 1 END) "
	"ON CONFLICT (site_id, local_date, kind) DO UPDATE SET "
	"fetched_at = now(), received = EXCLUDED.received, "
	"changed = EXCLUDED.changed, fetches = f.fetches + 1, "
	"fruitless = CASE WHEN EXCLUDED.changed > 0 THEN 0 "
	"ELSE f.fruitless + 1 END",
	5 };

/* What remains: past days of the window still missing, flagged, given up. */
static const struct db_stmt q_remaining = { "history_remaining",
	"SELECT count(*) FILTER (WHERE y.site_id IS NULL "
	"OR y.source <> 'tesla'), "
	"count(*) FILTER (WHERE y.flagged), "
	"count(*) FILTER (WHERE (y.site_id IS NULL OR y.flagged "
	"OR y.source <> 'tesla') AND "
	"f.fruitless > tessie_energy_setting('max_retries', 3, 0, 100)) "
	"FROM energy_sites s CROSS JOIN LATERAL (SELECT g::date AS day "
	"FROM generate_series((now() AT TIME ZONE s.time_zone)::date - "
	"tessie_energy_setting('lookback_days', 14, 1, 3650)::int, "
	"(now() AT TIME ZONE s.time_zone)::date - 1, interval '1 day') g) d "
	"LEFT JOIN energy_daily y ON y.site_id = s.id AND y.local_date = d.day "
	"LEFT JOIN energy_fetches f ON f.site_id = s.id "
	"AND f.local_date = d.day AND f.kind = 'energy' "
	"WHERE s.account_id = $1::uuid",
	1 };

static const struct db_stmt q_backfill = { "history_backfill",
	"INSERT INTO energy_states (site_id, source, " FLEET_LIVE_COLUMNS ") "
	"VALUES ($1::uuid, 'history', " FLEET_LIVE_VALUES ") "
	"ON CONFLICT (site_id, ts) DO NOTHING",
	1 + FLEET_LIVE_NCOLS };

struct day {
	char site_id[40];
	char date[16];
	char why[16]; /* recent, missing or flagged */
	char path[512];
	struct tesla_item item;
	struct fleet_ehistory h;
	struct fleet_live *power; /* kind=power samples */
	size_t npower;
	int changed; /* rows inserted or changed */
	int ok;
};

/* Percent-encodes an IANA zone name for a query string. */
static void
escape(const char *s, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *s != '\0' && o + 4 < outsz; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outsz - o, "%%%02X", c);
	}
	out[o] = '\0';
}

static const char *
period_name(long bucket_s, size_t n)
{
	if (n <= 1 || bucket_s == 86400)
		return "day";
	if (bucket_s == 300)
		return "5min";
	if (bucket_s == 900)
		return "15min";
	if (bucket_s == 3600)
		return "hour";
	return NULL;
}

static int
day_done(
    void *vctx, const struct fleet_req *req, const struct fleet_result *res)
{
	const struct tesla_item *it = req->user;
	struct day *d = it->user;

	(void)vctx;
	if (res->outcome == FLEET_OK &&
	    fleet_parse_energy_history(res->body, &d->h) == 0)
		d->ok = 1;
	else
		log_warn("calendar_history: %s (HTTP %ld)",
		    res->outcome == FLEET_OK ? "unusable answer"
					     : fleet_outcome_name(res->outcome),
		    res->status);
	return FLEET_CONTINUE;
}

/*
 * Records a fetch of day d (kind energy or power, received buckets or
 * samples) in energy_fetches and in the run's details.
 */
static void
record_fetch(
    struct job_run *run, const struct day *d, const char *kind, long received)
{
	char rec[16], chg[16], err[256];
	const char *p[5];
	json_t *list;
	PGresult *res;
	int st;

	snprintf(rec, sizeof(rec), "%ld", received);
	snprintf(chg, sizeof(chg), "%d", d->changed);
	p[0] = d->site_id;
	p[1] = d->date;
	p[2] = kind;
	p[3] = rec;
	p[4] = chg;
	if ((res = db_exec(run->db, &q_fetched, p, &st, err, sizeof(err))) ==
	    NULL)
		log_warn("fetch of %s not recorded: %s", d->date, err);
	PQclear(res);
	if ((list = json_object_get(run->details, "fetched")) == NULL) {
		list = json_array();
		json_object_set_new(run->details, "fetched", list);
	}
	if (json_array_size(list) < DETAILS_MAX)
		json_array_append_new(list,
		    json_pack("{s:s, s:s, s:s, s:i, s:i}", "date", d->date,
			"kind", kind, "why", d->why[0] ? d->why : "gap",
			"received", (json_int_t)received, "changed",
			(json_int_t)d->changed));
}

/* Stores one day's buckets; the number stored, or -1. */
static int
store_day(struct job_run *run, struct day *d)
{
	const char *p[2 + FLEET_EBUCKET_NCOLS];
	const char *period = period_name(d->h.bucket_s, d->h.n);
	struct fleet_params fp;
	char err[256];
	int st, n = 0;

	if (period == NULL) {
		log_warn("calendar_history: buckets of %ld s not stored",
		    d->h.bucket_s);
		return -1;
	}
	for (size_t i = 0; i < d->h.n; i++) {
		PGresult *res;

		fleet_ebucket_params(&d->h.b[i], &fp);
		p[0] = d->site_id;
		p[1] = period;
		for (int k = 0; k < fp.n; k++)
			p[2 + k] = fp.v[k];
		res = db_exec(run->db, &q_upsert, p, &st, err, sizeof(err));
		if (res == NULL) {
			log_error("energy history not stored: %s", err);
			return -1;
		}
		if (atoi(PQcmdTuples(res)) > 0)
			d->changed++;
		PQclear(res);
		n++;
	}
	return n;
}

static int
power_done(
    void *vctx, const struct fleet_req *req, const struct fleet_result *res)
{
	const struct tesla_item *it = req->user;
	struct day *d = it->user;
	int warnings = 0;

	(void)vctx;
	if (res->outcome == FLEET_OK &&
	    fleet_parse_power_history(
		res->body, &d->power, &d->npower, &warnings) == 0)
		d->ok = 1;
	else
		log_warn("power history: %s (HTTP %ld)",
		    res->outcome == FLEET_OK ? "unusable answer"
					     : fleet_outcome_name(res->outcome),
		    res->status);
	return FLEET_CONTINUE;
}

/*
 * Fills gaps in the live samples of complete past days from Tesla's power
 * history (15-minute samples), a day per transaction.  Returns the samples
 * stored, or -1.
 */
static int
backfill(struct job_run *run, struct tesla_session *s, const char *account)
{
	const char *p[1 + FLEET_LIVE_NCOLS];
	struct fleet_params fp;
	struct day *days = NULL;
	struct fleet_req *reqs = NULL;
	char tz[200], err[256];
	PGresult *res;
	int n, st, stored = 0;

	p[0] = account;
	if ((res = db_exec(run->db, &q_gap_days, p, &st, err, sizeof(err))) ==
	    NULL)
		return job_fail(run, "%s", err);
	n = PQntuples(res);
	if (n == 0 || (days = calloc(n, sizeof(*days))) == NULL ||
	    (reqs = calloc(n, sizeof(*reqs))) == NULL)
		goto out;
	for (int i = 0; i < n; i++) {
		struct day *d = &days[i];

		snprintf(d->site_id, sizeof(d->site_id), "%s",
		    PQgetvalue(res, i, 0));
		snprintf(d->date, sizeof(d->date), "%s", PQgetvalue(res, i, 3));
		escape(PQgetvalue(res, i, 2), tz, sizeof(tz));
		snprintf(d->path, sizeof(d->path),
		    "/api/1/energy_sites/%s/calendar_history?kind=power"
		    "&period=day&start_date=%s&end_date=%s&time_zone=%s",
		    PQgetvalue(res, i, 1), PQgetvalue(res, i, 4),
		    PQgetvalue(res, i, 5), tz);
		d->item.site_id = d->site_id;
		d->item.user = d;
		reqs[i].method = "GET";
		reqs[i].path = d->path;
		reqs[i].cls = FLEET_ENERGY;
		reqs[i].endpoint = "/api/1/energy_sites/{id}/calendar_history";
		reqs[i].user = &d->item;
	}
	if (tesla_run(s, reqs, (size_t)n, power_done, NULL) == -1) {
		stored = job_fail(run, "Fleet API client failed");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		int k = 0;

		if (!days[i].ok || db_command(run->db, "BEGIN") == -1)
			continue;
		for (size_t j = 0; j < days[i].npower; j++) {
			PGresult *r2;

			fleet_live_params(&days[i].power[j], &fp);
			p[0] = days[i].site_id;
			for (int c = 0; c < fp.n; c++)
				p[1 + c] = fp.v[c];
			r2 = db_exec(
			    run->db, &q_backfill, p, &st, err, sizeof(err));
			if (r2 == NULL) {
				log_error("power history not stored: %s", err);
				k = -1;
				break;
			}
			k += atoi(PQcmdTuples(r2));
			PQclear(r2);
		}
		if (db_command(run->db, k < 0 ? "ROLLBACK" : "COMMIT") == 0 &&
		    k >= 0) {
			stored += k;
			days[i].changed = k;
			record_fetch(
			    run, &days[i], "power", (long)days[i].npower);
		}
	}
out:
	for (int i = 0; days != NULL && i < n; i++)
		free(days[i].power);
	PQclear(res);
	free(days);
	free(reqs);
	return stored;
}

/* Puts what remains missing, flagged or given up into the run's details. */
static void
remaining(struct job_run *run, const char *account)
{
	const char *p[1] = { account };
	char err[256];
	PGresult *res;
	int st;

	if ((res = db_exec(run->db, &q_remaining, p, &st, err, sizeof(err))) ==
	    NULL) {
		log_warn("remaining days not counted: %s", err);
		return;
	}
	json_object_set_new(run->details, "missing_days",
	    json_integer(atol(PQgetvalue(res, 0, 0))));
	json_object_set_new(run->details, "flagged_days",
	    json_integer(atol(PQgetvalue(res, 0, 1))));
	json_object_set_new(run->details, "given_up_days",
	    json_integer(atol(PQgetvalue(res, 0, 2))));
	PQclear(res);
}

static int
sync_account(struct job_run *run, const char *account)
{
	struct tesla_session s;
	struct day *days = NULL;
	struct fleet_req *reqs = NULL;
	PGresult *res = NULL;
	char err[256], tz[200];
	const char *p[1];
	int st, n = 0, rc = -1, buckets = 0, filled;

	if (tesla_open(&s, run->db, run->cfg, account, run->id_text) == -1 ||
	    sites_refresh(&s, 0) == -1) {
		job_fail(run, "%s", s.error);
		goto out;
	}
	p[0] = account;
	if ((res = db_exec(run->db, &q_days, p, &st, err, sizeof(err))) ==
	    NULL) {
		job_fail(run, "%s", err);
		goto out;
	}
	n = PQntuples(res);
	if ((days = calloc(n ? n : 1, sizeof(*days))) == NULL ||
	    (reqs = calloc(n ? n : 1, sizeof(*reqs))) == NULL) {
		job_fail(run, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct day *d = &days[i];

		snprintf(d->site_id, sizeof(d->site_id), "%s",
		    PQgetvalue(res, i, 0));
		snprintf(d->date, sizeof(d->date), "%s", PQgetvalue(res, i, 3));
		snprintf(d->why, sizeof(d->why), "%s", PQgetvalue(res, i, 6));
		escape(PQgetvalue(res, i, 2), tz, sizeof(tz));
		snprintf(d->path, sizeof(d->path),
		    "/api/1/energy_sites/%s/calendar_history?kind=energy"
		    "&period=day&start_date=%s&end_date=%s&time_zone=%s",
		    PQgetvalue(res, i, 1), PQgetvalue(res, i, 4),
		    PQgetvalue(res, i, 5), tz);
		d->item.site_id = d->site_id;
		d->item.user = d;
		reqs[i].method = "GET";
		reqs[i].path = d->path;
		reqs[i].cls = FLEET_ENERGY;
		reqs[i].endpoint = "/api/1/energy_sites/{id}/calendar_history";
		reqs[i].user = &d->item;
	}
	if (n > 0 && tesla_run(&s, reqs, (size_t)n, day_done, NULL) == -1) {
		job_fail(run, "Fleet API client failed");
		goto out;
	}
	/* One transaction per day: a day is stored whole or not at all. */
	for (int i = 0; i < n; i++) {
		int k;

		if (!days[i].ok) {
			run->items_failed++;
			continue;
		}
		if (db_command(run->db, "BEGIN") == -1) {
			job_fail(run, "database unavailable");
			goto out;
		}
		k = store_day(run, &days[i]);
		if (db_command(run->db, k < 0 ? "ROLLBACK" : "COMMIT") == -1 ||
		    k < 0) {
			run->items_failed++;
			continue;
		}
		buckets += k;
		run->items_ok++;
		record_fetch(run, &days[i], "energy", (long)days[i].h.n);
	}
	if ((filled = backfill(run, &s, account)) < 0)
		goto out;
	remaining(run, account);
	json_object_set_new(
	    run->details, "backfilled_samples", json_integer(filled));
	json_object_set_new(run->details, "days", json_integer(n));
	json_object_set_new(run->details, "buckets", json_integer(buckets));
	rc = 0;
out:
	for (int i = 0; days != NULL && i < n; i++)
		fleet_ehistory_clear(&days[i].h);
	PQclear(res);
	free(days);
	free(reqs);
	tesla_close(&s);
	return rc;
}

int
job_energy_history(struct job_run *run)
{
	return job_each_account(run, sync_account);
}
