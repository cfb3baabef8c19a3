/*
 * The vehicles job: the vehicle list first (free, wakes nothing), then
 * vehicle_data for the cars that are online (billed; never for an asleep
 * or offline car, and never a wake_up).  When the month's Fleet API spend
 * runs ahead of the budget line, vehicle_data is fetched less often and
 * the run says so.  States are stored in one transaction per batch, as
 * idempotent upserts keyed (vehicle_id, ts).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_parse.h"
#include "jobs.h"
#include "log.h"
#include "tesla.h"

#define BASE_INTERVAL_S 300
#define LIST_PAGE 100
#define LIST_PAGES_MAX 100
#define DATA_ENDPOINTS /* ";"-separated, percent-encoded */                    \
	"charge_state%3Bclimate_state%3Bdrive_state%3Bgui_settings%3B"         \
	"location_data%3Bvehicle_config%3Bvehicle_state"

static const struct db_stmt q_upsert_vehicle = { "vehicles_upsert",
	"INSERT INTO vehicles AS v (account_id, tesla_id, vin, display_name, "
	"state, state_changed_at, last_seen_at) "
	"VALUES ($1::uuid, $2::bigint, $3, nullif($4, ''), $5, now(), "
	"CASE WHEN $5 = 'online' THEN now() END) "
	"ON CONFLICT (tesla_id) DO UPDATE SET vin = EXCLUDED.vin, "
	"display_name = coalesce(EXCLUDED.display_name, v.display_name), "
	"state = EXCLUDED.state, "
	"state_changed_at = CASE WHEN v.state = EXCLUDED.state "
	"THEN v.state_changed_at ELSE now() END, "
	"last_seen_at = coalesce(EXCLUDED.last_seen_at, v.last_seen_at) "
	"WHERE v.account_id = EXCLUDED.account_id "
	"RETURNING id",
	5 };

static const struct db_stmt q_insert_state = { "vehicles_insert_state",
	"INSERT INTO vehicle_states (vehicle_id, " FLEET_VSTATE_COLUMNS ") "
	"VALUES ($1::uuid, " FLEET_VSTATE_VALUES ") "
	"ON CONFLICT (vehicle_id, ts) DO NOTHING",
	1 + FLEET_VSTATE_NCOLS };

static const struct db_stmt q_set_model = { "vehicles_set_model",
	"UPDATE vehicles SET model = $2 WHERE id = $1::uuid "
	"AND model IS DISTINCT FROM $2",
	2 };

static const struct db_stmt q_set_state = { "vehicles_set_state",
	"UPDATE vehicles SET state = $2, state_changed_at = CASE WHEN "
	"state = $2 THEN state_changed_at ELSE now() END, last_seen_at = "
	"CASE WHEN $2 = 'online' THEN now() ELSE last_seen_at END "
	"WHERE id = $1::uuid",
	2 };

/*
 * A car to leave alone so that it can fall asleep (polling vehicle_data
 * keeps a car awake): its last state is parked, not charging, with the
 * climate off, and a state ten or more minutes older had the same odometer;
 * and it has not been asleep or offline since we last asked for its data.
 * After 45 minutes it is asked again.  Sample times are Tesla's and are
 * compared only with each other; "since we last asked" is our own clock.
 *
 * "Its last state" is the sample of our last vehicle_data answer, found
 * through that call's run (details.sample_ts, written by store_states), not
 * the sample with the latest time: a sample stamped ahead of the car's
 * clock (the parser takes up to a day ahead) would otherwise stand as the
 * last state until the car's clock passed it, no fresh sample would have
 * one 10 to 45 minutes before it, and the car would be polled awake.
 */
static const struct db_stmt q_idle = { "vehicles_idle",
	"SELECT v.id FROM vehicles v "
	"JOIN LATERAL (SELECT ts AS at, sync_run_id FROM fleet_api_calls "
	"WHERE vehicle_id = v.id "
	"AND endpoint = '/api/1/vehicles/{id}/vehicle_data' "
	"AND http_status = 200 ORDER BY ts DESC LIMIT 1) c "
	"ON c.at > now() - interval '45 minutes' "
	"JOIN sync_runs r ON r.id = c.sync_run_id "
	"JOIN vehicle_states l ON l.vehicle_id = v.id "
	"AND l.ts = (r.details -> 'sample_ts' ->> v.id::text)::timestamptz "
	"WHERE v.account_id = $1::uuid "
	"AND coalesce(v.state_changed_at, '-infinity') <= c.at "
	"AND coalesce(l.shift_state, 'P') = 'P' "
	"AND coalesce(l.charging_state, '') NOT IN ('Charging', 'Starting') "
	"AND NOT coalesce(l.is_climate_on, false) "
	"AND EXISTS (SELECT 1 FROM vehicle_states o WHERE o.vehicle_id = v.id "
	"AND o.ts <= l.ts - interval '10 minutes' "
	"AND o.ts > l.ts - interval '45 minutes' "
	"AND o.odometer_km = l.odometer_km)",
	1 };

/*
 * The budget line: spend so far this month against budget x the elapsed
 * part of the month, and when vehicle_data was last asked for.
 */
static const struct db_stmt q_budget = { "vehicles_budget",
	"SELECT coalesce((SELECT sum(cost) FROM fleet_api_calls "
	"WHERE account_id = $1::uuid AND ts >= date_trunc('month', now())), "
	"0)::float8, "
	"coalesce((SELECT (value #>> '{}')::float8 FROM settings "
	"WHERE account_id = $1::uuid "
	"AND key = 'fleet_api_monthly_budget_usd'), $2::float8), "
	"extract(epoch FROM now() - date_trunc('month', now()))::float8, "
	"extract(epoch FROM date_trunc('month', now()) + interval '1 month' "
	"- date_trunc('month', now()))::float8, "
	"coalesce(extract(epoch FROM now() - (SELECT max(ts) FROM "
	"fleet_api_calls WHERE account_id = $1::uuid AND endpoint = "
	"'/api/1/vehicles/{id}/vehicle_data')), 1e9)::float8",
	2 };

struct car {
	struct fleet_vehicle v;
	char id[40]; /* our uuid */
	struct tesla_item item;
	char path[192];
	int have_state;
	struct fleet_vstate st;
	const char *outcome; /* for the state update: NULL, asleep... */
	int idle; /* parked and unchanged: let it fall asleep */
	char model[16]; /* from vehicle_config, "" when unknown */
};

struct ctx {
	struct job_run *run;
	struct car *cars;
	size_t ncars;
	int list_ok;
	json_t *list; /* every page's items */
	size_t page_items; /* items on the last page */
	json_int_t total; /* the list's "count", 0 when absent */
	size_t pages_ok; /* pages received */
	int auth_failed;
	char dark[16]; /* the ledger code of the transport error that ended
			  the fetches ("connect", "timeout"...), or "" */
	size_t unreached; /* out of reach, or cancelled because of it */
};

static int
list_done(
    void *vctx, const struct fleet_req *req, const struct fleet_result *res)
{
	struct ctx *c = vctx;

	(void)req;
	if (res->outcome == FLEET_OK && json_is_array(res->body)) {
		json_array_extend(c->list, res->body);
		c->page_items = json_array_size(res->body);
		c->total =
		    json_integer_value(json_object_get(res->root, "count"));
		c->list_ok = 1;
		c->pages_ok++;
	} else {
		c->auth_failed = res->outcome == FLEET_ERR_AUTH;
		job_fail(c->run, "vehicle list: %s (HTTP %ld)",
		    fleet_outcome_name(res->outcome), res->status);
	}
	return FLEET_CONTINUE;
}

static int
data_done(
    void *vctx, const struct fleet_req *req, const struct fleet_result *res)
{
	struct ctx *c = vctx;
	const struct tesla_item *it = req->user;
	struct car *car = it->user;

	switch (res->outcome) {
	case FLEET_OK:
		fleet_vehicle_model(res->body, car->model, sizeof(car->model));
		if (fleet_parse_vehicle_data(res->body, &car->st) == 0 &&
		    (car->st.vin[0] == '\0' ||
			strcmp(car->st.vin, car->v.vin) == 0)) {
			car->have_state = 1;
			if (car->st.warnings > 0)
				log_warn("vehicle_data: %d field(s) skipped",
				    car->st.warnings);
		} else {
			car->outcome = "unusable";
			log_warn("vehicle_data answer skipped: not a usable "
				 "state");
		}
		break;
	case FLEET_ERR_ASLEEP:
		car->outcome = "asleep"; /* fell asleep meanwhile */
		break;
	case FLEET_ERR_TRANSPORT:
		/*
		 * The API is out of reach after the retries (one host serves
		 * every car): the requests not sent yet are cancelled, what
		 * was fetched is stored, and the run fails saying so.
		 */
		car->outcome = fleet_outcome_name(res->outcome);
		c->unreached++;
		if (c->dark[0] == '\0') {
			snprintf(c->dark, sizeof(c->dark), "%s",
			    res->error != NULL ? res->error : "transport");
			log_warn("vehicle_data: the Fleet API is out of reach "
				 "(%s); the cars not asked yet wait for the "
				 "next run",
			    c->dark);
		}
		return FLEET_STOP;
	case FLEET_ERR_CANCELLED:
		car->outcome = fleet_outcome_name(res->outcome);
		c->unreached++;
		break;
	default:
		car->outcome = fleet_outcome_name(res->outcome);
		log_warn("vehicle_data failed: %s (HTTP %ld)",
		    fleet_outcome_name(res->outcome), res->status);
	}
	return FLEET_CONTINUE;
}

/* Stores the list; fills c->cars with our ids.  0 or -1. */
static int
store_list(struct ctx *c, const char *account)
{
	struct fleet_vehicle *v = NULL;
	size_t n = 0, skipped = 0;
	char tid[24], err[256];
	const char *p[5];
	int st;

	if (fleet_parse_vehicles(c->list, &v, &n, &skipped) == -1)
		return job_fail(c->run, "vehicle list: not an array");
	c->run->items_failed += (int)skipped;
	if (n > 0 && (c->cars = calloc(n, sizeof(*c->cars))) == NULL) {
		free(v);
		return job_fail(c->run, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		struct car *car = &c->cars[c->ncars];
		PGresult *res;

		car->v = v[i];
		snprintf(tid, sizeof(tid), "%lld", (long long)v[i].tesla_id);
		p[0] = account;
		p[1] = tid;
		p[2] = v[i].vin;
		p[3] = v[i].display_name;
		p[4] = v[i].state;
		res = db_exec(
		    c->run->db, &q_upsert_vehicle, p, &st, err, sizeof(err));
		if (res == NULL || PQntuples(res) != 1) {
			/* Another account's car, or a bad row. */
			log_warn("vehicle %s not stored: %s", tid,
			    res ? "owned by another account" : err);
			c->run->items_failed++;
			PQclear(res);
			continue;
		}
		snprintf(car->id, sizeof(car->id), "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		car->item.vehicle_id = car->id;
		car->item.user = car;
		c->ncars++;
	}
	free(v);
	return 0;
}

static int
mark_idle(struct ctx *c, const char *account)
{
	const char *p[1] = { account };
	char err[256];
	PGresult *res;
	int st;

	if ((res = db_exec(c->run->db, &q_idle, p, &st, err, sizeof(err))) ==
	    NULL)
		return job_fail(c->run, "%s", err);
	log_debug("%d car(s) idle", PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		for (size_t k = 0; k < c->ncars; k++)
			if (strcmp(c->cars[k].id, PQgetvalue(res, i, 0)) == 0)
				c->cars[k].idle = 1;
	PQclear(res);
	return 0;
}

/*
 * Stores the states and state changes in one transaction.  The run's
 * details.sample_ts maps each car stored to its sample's time, for q_idle.
 */
static int
store_states(struct ctx *c)
{
	struct fleet_params fp;
	const char *p[1 + FLEET_VSTATE_NCOLS];
	char err[256];
	int st, stored = 0, failed = 0;
	json_t *sampled = json_object_get(c->run->details, "sample_ts");

	if (sampled == NULL) {
		sampled = json_object();
		json_object_set_new(c->run->details, "sample_ts", sampled);
	}
	if (db_command(c->run->db, "BEGIN") == -1)
		return job_fail(c->run, "database unavailable");
	for (size_t i = 0; i < c->ncars; i++) {
		struct car *car = &c->cars[i];
		PGresult *res;

		if (car->have_state) {
			fleet_vstate_params(&car->st, &fp);
			p[0] = car->id;
			for (int k = 0; k < fp.n; k++)
				p[1 + k] = fp.v[k];
			res = db_exec(c->run->db, &q_insert_state, p, &st, err,
			    sizeof(err));
			if (res == NULL) {
				log_error("vehicle state not stored: %s", err);
				failed++;
				if (st == 503)
					break;
				continue;
			}
			PQclear(res);
			stored++;
			if (p[1] != NULL)
				json_object_set_new(
				    sampled, car->id, json_string(p[1]));
			if (car->model[0] != '\0') {
				p[1] = car->model;
				PQclear(db_exec(c->run->db, &q_set_model, p,
				    &st, err, sizeof(err)));
			}
		} else if (car->outcome != NULL &&
		    strcmp(car->outcome, "asleep") == 0) {
			p[0] = car->id;
			p[1] = "asleep";
			PQclear(db_exec(c->run->db, &q_set_state, p, &st, err,
			    sizeof(err)));
		}
	}
	if (db_command(c->run->db, "COMMIT") == -1)
		return job_fail(c->run, "database unavailable while storing");
	c->run->items_ok += stored;
	c->run->items_failed += failed;
	return 0;
}

/* How often vehicle_data may be asked for, given the budget; s. */
static double
budget_interval(struct ctx *c, const char *account, int online, json_t *details)
{
	char budget[32], err[256];
	const char *p[2] = { account, budget };
	double spend, cap, elapsed, month, since, line, interval;
	PGresult *res;
	int st;

	snprintf(budget, sizeof(budget), "%.4f", c->run->cfg->fleet_budget_usd);
	res = db_exec(c->run->db, &q_budget, p, &st, err, sizeof(err));
	if (res == NULL)
		return BASE_INTERVAL_S;
	spend = atof(PQgetvalue(res, 0, 0));
	cap = atof(PQgetvalue(res, 0, 1));
	elapsed = atof(PQgetvalue(res, 0, 2));
	month = atof(PQgetvalue(res, 0, 3));
	since = atof(PQgetvalue(res, 0, 4));
	PQclear(res);
	line = month > 0 ? cap * elapsed / month : cap;
	interval = BASE_INTERVAL_S;
	if (spend > line && online > 0) {
		/* Spread what is left over what is left of the month. */
		double left = cap - spend, per_poll = online * FLEET_PRICE_DATA;

		interval = left <= 0 ? INFINITY
				     : (month - elapsed) / (left / per_poll);
		if (interval < BASE_INTERVAL_S)
			interval = BASE_INTERVAL_S;
	}
	json_object_set_new(details, "budget_usd", json_real(cap));
	json_object_set_new(details, "month_spend_usd", json_real(spend));
	json_object_set_new(details, "budget_line_usd", json_real(line));
	json_object_set_new(details, "poll_interval_s",
	    isinf(interval) ? json_null() : json_real(round(interval)));
	json_object_set_new(
	    details, "throttled", json_boolean(interval > BASE_INTERVAL_S));
	if (interval > BASE_INTERVAL_S) {
		if (isinf(interval))
			snprintf(c->run->message, sizeof(c->run->message),
			    "monthly Fleet API budget of $%.2f spent ($%.2f): "
			    "vehicle data paused until next month",
			    cap, spend);
		else
			snprintf(c->run->message, sizeof(c->run->message),
			    "spend $%.2f is ahead of the budget line $%.2f "
			    "(of $%.2f): polling vehicle data every %.0f min "
			    "instead of %d",
			    spend, line, cap, interval / 60,
			    BASE_INTERVAL_S / 60);
	}
	if (interval <= BASE_INTERVAL_S)
		return 0; /* on budget: every run polls */
	/* Throttled: skip this run unless the longer interval has passed
	 * (30 s of slack so that cron jitter does not skip a turn). */
	return since + 30 >= interval ? 0 : interval;
}

static int
fetch_list(struct tesla_session *s, struct ctx *c)
{
	static struct tesla_item none = { NULL, NULL, NULL };
	char paths[LIST_PAGES_MAX][64];
	struct fleet_req reqs[LIST_PAGES_MAX];
	size_t pages, ok_pages = 0;

	memset(reqs, 0, sizeof(reqs));
	for (int i = 0; i < LIST_PAGES_MAX; i++) {
		snprintf(paths[i], sizeof(paths[i]),
		    "/api/1/vehicles?page=%d&per_page=%d", i + 1, LIST_PAGE);
		reqs[i].method = "GET";
		reqs[i].path = paths[i];
		reqs[i].cls = FLEET_FREE;
		reqs[i].endpoint = "/api/1/vehicles";
		reqs[i].user = &none;
	}
	c->list_ok = 0;
	if (tesla_run(s, reqs, 1, list_done, c) == -1 || !c->list_ok)
		goto fail;
	if (c->page_items < LIST_PAGE || c->total <= LIST_PAGE)
		return 0;
	pages = (size_t)((c->total + LIST_PAGE - 1) / LIST_PAGE);
	if (pages > LIST_PAGES_MAX)
		pages = LIST_PAGES_MAX;
	c->list_ok = 0;
	c->pages_ok = 0;
	if (tesla_run(s, reqs + 1, pages - 1, list_done, c) == -1)
		goto fail;
	ok_pages = c->pages_ok;
	if (ok_pages != pages - 1)
		goto fail;
	return 0;
fail:
	if (!c->run->error[0])
		job_fail(c->run, "vehicle list failed");
	return -1;
}

static int
sync_account(struct job_run *run, const char *account)
{
	struct tesla_session s;
	struct ctx c;
	struct fleet_req *reqs = NULL;
	size_t nreq = 0;
	int online = 0, rc = -1, idle = 0, stored;
	double wait;

	memset(&c, 0, sizeof(c));
	c.run = run;
	if ((c.list = json_array()) == NULL ||
	    tesla_open(&s, run->db, run->cfg, account, run->id_text) == -1) {
		job_fail(run, "%s", s.error);
		goto out;
	}
	/*
	 * The list comes in pages of LIST_PAGE; the first says how many cars
	 * there are ("count"), and the other pages are then asked for at once.
	 */
	if (fetch_list(&s, &c) == -1)
		goto out;
	if (store_list(&c, account) == -1 || mark_idle(&c, account) == -1)
		goto out;
	for (size_t i = 0; i < c.ncars; i++)
		online += strcmp(c.cars[i].v.state, "online") == 0;
	wait = budget_interval(&c, account, online, run->details);
	if ((reqs = calloc(c.ncars ? c.ncars : 1, sizeof(*reqs))) == NULL) {
		job_fail(run, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < c.ncars; i++) {
		struct car *car = &c.cars[i];

		if (strcmp(car->v.state, "online") != 0 || wait > 0 ||
		    car->idle) {
			/* Asleep: never polled.  Idle: let it fall asleep. */
			idle += car->idle && wait == 0 &&
			    strcmp(car->v.state, "online") == 0;
			run->items_skipped++;
			continue;
		}
		snprintf(car->path, sizeof(car->path),
		    "/api/1/vehicles/%lld/vehicle_data?endpoints=%s",
		    (long long)car->v.tesla_id, DATA_ENDPOINTS);
		reqs[nreq].method = "GET";
		reqs[nreq].path = car->path;
		reqs[nreq].cls = FLEET_DATA;
		reqs[nreq].endpoint = "/api/1/vehicles/{id}/vehicle_data";
		reqs[nreq].user = &car->item;
		nreq++;
	}
	if (nreq > 0 && tesla_run(&s, reqs, nreq, data_done, &c) == -1) {
		job_fail(run, "Fleet API client failed");
		goto out;
	}
	for (size_t i = 0; i < c.ncars; i++)
		if (c.cars[i].outcome != NULL &&
		    strcmp(c.cars[i].outcome, "asleep") != 0 &&
		    strcmp(c.cars[i].outcome, "unusable") != 0 &&
		    !c.cars[i].have_state)
			run->items_failed++;
		else if (c.cars[i].outcome != NULL &&
		    strcmp(c.cars[i].outcome, "unusable") == 0)
			run->items_failed++;
		else if (c.cars[i].outcome != NULL)
			run->items_skipped++;
	stored = run->items_ok;
	if (store_states(&c) == -1)
		goto out;
	json_object_set_new(
	    run->details, "vehicles", json_integer((json_int_t)c.ncars));
	json_object_set_new(run->details, "online", json_integer(online));
	json_object_set_new(run->details, "idle", json_integer(idle));
	if (s.rate_limited_s > 0)
		json_object_set_new(run->details, "rate_limited_s",
		    json_integer(s.rate_limited_s));
	if (c.dark[0] != '\0') {
		job_fail(run,
		    "Fleet API unreachable (%s): %zu of %zu car(s) not "
		    "fetched; the %d state(s) received before are stored, "
		    "the next run asks again",
		    c.dark, c.unreached, nreq, run->items_ok - stored);
		goto out;
	}
	rc = 0;
out:
	json_decref(c.list);
	free(c.cars);
	free(reqs);
	tesla_close(&s);
	return rc;
}

int
job_vehicles(struct job_run *run)
{
	return job_each_account(run, sync_account);
}
