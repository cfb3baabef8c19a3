/* Sessions with Tesla: tokens, refresh, ledger. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "tesla.h"
#include "util.h"

#define REFRESH_MARGIN_S 300

static const struct db_stmt q_ledger = { "tesla_ledger",
	"INSERT INTO fleet_api_calls (ts, account_id, endpoint_class, "
	"endpoint, vehicle_id, site_id, sync_run_id, http_status, latency_ms, "
	"cost, error) VALUES (to_timestamp($1::float8 / 1000), $2::uuid, $3, "
	"$4, $5::uuid, $6::uuid, $7::bigint, nullif($8::int, 0), $9::int, "
	"$10::numeric, $11)",
	11 };

static const struct db_stmt q_lock_tokens = { "tesla_lock_tokens",
	"SELECT 1 FROM tesla_tokens WHERE account_id = $1::uuid FOR UPDATE",
	1 };

static const struct db_stmt q_token_error = { "tesla_token_error",
	"UPDATE tesla_tokens SET last_error = $2, "
	"needs_login = needs_login OR $3::boolean WHERE account_id = $1::uuid",
	3 };

static const struct db_stmt q_region = { "tesla_region",
	"UPDATE tesla_tokens SET region = $2, last_error = $3 "
	"WHERE account_id = $1::uuid",
	3 };

static const struct db_stmt q_rate_limited = { "tesla_rate_limited",
	"UPDATE tesla_tokens SET rate_limited_until = greatest("
	"rate_limited_until, now() + make_interval(secs => $2::int)) "
	"WHERE account_id = $1::uuid",
	2 };

static void
ledger(void *ctx, const struct fleet_req *req, const struct fleet_attempt *a)
{
	struct tesla_session *s = ctx;
	const struct tesla_item *it = req->user;
	char sent[32], status[16], lat[16], cost[32], err[128];
	const char *p[11];
	PGresult *res;
	int st;

	snprintf(sent, sizeof(sent), "%lld", a->sent_ms);
	snprintf(status, sizeof(status), "%ld", a->status);
	snprintf(lat, sizeof(lat), "%ld", a->latency_ms);
	snprintf(cost, sizeof(cost), "%.4f", a->cost);
	p[0] = sent;
	p[1] = s->account_id;
	p[2] = fleet_class_name(req->cls);
	p[3] = req->endpoint;
	p[4] = it ? it->vehicle_id : NULL;
	p[5] = it ? it->site_id : NULL;
	p[6] = s->run_id;
	p[7] = status;
	p[8] = lat;
	p[9] = cost;
	p[10] = a->error;
	res = db_exec(s->db, &q_ledger, p, &st, err, sizeof(err));
	if (res == NULL)
		log_error("cannot record a Fleet API call: %s", err);
	PQclear(res);
	s->calls++;
	s->cost += a->cost;
}

static int
set_token_error(struct tesla_session *s, const char *msg, int login)
{
	const char *p[3] = { s->account_id, msg, login ? "true" : "false" };
	char err[128];
	int st;

	PQclear(db_exec(s->db, &q_token_error, p, &st, err, sizeof(err)));
	snprintf(s->error, sizeof(s->error), "%s", msg);
	return -1;
}

/* The ledger hook for a token call made outside a fleet client. */
static int
token_done(
    void *ctx, const struct fleet_req *req, const struct fleet_result *res)
{
	(void)ctx;
	(void)req;
	(void)res;
	return FLEET_CONTINUE;
}

int
tesla_refresh(struct tesla_session *s)
{
	struct fleet_hooks h = { ledger, token_done, s };
	struct fleet_token t;
	const char *p[1] = { s->account_id };
	struct tesla_tokens cur;
	char err[256];
	enum fleet_token_rc rc = FLEET_TOKEN_FAIL;
	int st, ret = -1, loaded;

	memset(&t, 0, sizeof(t));
	if (db_command(s->db, "BEGIN") == -1) {
		snprintf(s->error, sizeof(s->error), "database unavailable");
		return -1;
	}
	PQclear(db_exec(s->db, &q_lock_tokens, p, &st, err, sizeof(err)));
	/* Another process may have refreshed while we waited for the lock. */
	loaded =
	    tokens_load(s->db, s->cfg, s->account_id, &cur, err, sizeof(err));
	if (loaded != 1) {
		snprintf(s->error, sizeof(s->error), "%s",
		    loaded == 0 ? "no Tesla account is connected" : err);
		goto out;
	}
	if (cur.needs_login) {
		snprintf(s->error, sizeof(s->error),
		    "Tesla needs a new login for this account");
		tokens_release(&cur);
		goto out;
	}
	if (strcmp(cur.refresh_token, s->tok.refresh_token) != 0 &&
	    cur.access_token != NULL &&
	    cur.expires_at > (long long)time(NULL) + REFRESH_MARGIN_S) {
		tokens_release(&s->tok);
		s->tok = cur;
		ret = 0;
		goto out;
	}
	tokens_release(&s->tok);
	s->tok = cur;
	rc = fleet_oauth_refresh(s->cfg->tesla_auth_url,
	    s->cfg->tesla_client_id ? s->cfg->tesla_client_id : "",
	    s->tok.refresh_token, &t, &h);
	switch (rc) {
	case FLEET_TOKEN_OK:
		st = tokens_store(s->db, s->cfg, s->account_id,
		    t.refresh_token ? t.refresh_token : s->tok.refresh_token,
		    t.access_token, t.expires_in, NULL, err, sizeof(err));
		if (st != 0) {
			snprintf(s->error, sizeof(s->error),
			    "cannot store the new tokens: %.200s", err);
			goto out;
		}
		free(s->tok.access_token);
		s->tok.access_token = strdup(t.access_token);
		if (t.refresh_token != NULL) {
			explicit_bzero(
			    s->tok.refresh_token, strlen(s->tok.refresh_token));
			free(s->tok.refresh_token);
			s->tok.refresh_token = strdup(t.refresh_token);
		}
		s->tok.expires_at = (long long)time(NULL) + t.expires_in;
		s->refreshed = 1;
		log_info("tesla tokens refreshed");
		ret = 0;
		break;
	case FLEET_TOKEN_LOGIN:
		set_token_error(s,
		    "Tesla refused the refresh token: sign in "
		    "to Tesla again",
		    1);
		break;
	case FLEET_TOKEN_RETRY:
		set_token_error(s,
		    "token refresh failed for now; will try "
		    "again",
		    0);
		break;
	default:
		set_token_error(s,
		    "token refresh refused (check "
		    "TESLA_CLIENT_ID and TESLA_AUTH_URL)",
		    0);
		break;
	}
out:
	fleet_token_clear(&t);
	/* An aborted transaction turns this into a rollback. */
	if (db_command(s->db, "COMMIT") == -1 && ret == 0) {
		snprintf(s->error, sizeof(s->error), "database unavailable");
		ret = -1;
	}
	if (ret == 0 && s->fleet != NULL &&
	    fleet_set_token(s->fleet, s->tok.access_token) == -1)
		ret = -1;
	return ret;
}

int
tesla_open(struct tesla_session *s, struct db *db, const struct config *cfg,
    const char *account_id, const char *run_id)
{
	struct fleet_opts o;
	char err[256];
	int loaded;

	memset(s, 0, sizeof(*s));
	s->db = db;
	s->cfg = cfg;
	s->run_id = run_id;
	snprintf(s->account_id, sizeof(s->account_id), "%s", account_id);
	if (!cfg->has_encryption_key) {
		snprintf(s->error, sizeof(s->error),
		    "ENCRYPTION_KEY is not configured");
		return -1;
	}
	loaded = tokens_load(db, cfg, account_id, &s->tok, err, sizeof(err));
	if (loaded != 1) {
		snprintf(s->error, sizeof(s->error), "%s",
		    loaded == 0 ? "no Tesla account is connected" : err);
		return -1;
	}
	if (s->tok.needs_login) {
		snprintf(s->error, sizeof(s->error),
		    "Tesla needs a new login for this account");
		return -1;
	}
	fleet_opts_init(&o);
	o.base_url = cfg->tesla_api_base_url;
	if (o.base_url == NULL)
		o.base_url = fleet_region_base_url(
		    s->tok.region[0] ? s->tok.region : "na");
	if (s->tok.access_token == NULL ||
	    s->tok.expires_at <= (long long)time(NULL) + REFRESH_MARGIN_S) {
		if (tesla_refresh(s) == -1)
			return -1;
	}
	o.access_token = s->tok.access_token;
	if (cfg->fleet_max_inflight > 0)
		o.max_inflight = cfg->fleet_max_inflight;
	if ((s->fleet = fleet_new(&o, err, sizeof(err))) == NULL) {
		snprintf(s->error, sizeof(s->error), "Fleet API client: %.200s",
		    err);
		return -1;
	}
	return 0;
}

struct run_ctx {
	struct tesla_session *s;
	int (*on_done)(
	    void *, const struct fleet_req *, const struct fleet_result *);
	void *ctx;
	size_t *retry; /* indexes of requests answered 401 */
	size_t nretry;
	const struct fleet_req *base;
	int second; /* the re-run after a refresh */
};

static void
run_ledger(
    void *ctx, const struct fleet_req *req, const struct fleet_attempt *a)
{
	struct run_ctx *rc = ctx;

	ledger(rc->s, req, a);
}

static int
run_done(void *ctx, const struct fleet_req *req, const struct fleet_result *res)
{
	struct run_ctx *rc = ctx;

	if (res->outcome == FLEET_ERR_RATE && res->retry_after_s > 0 &&
	    res->retry_after_s > rc->s->rate_limited_s)
		rc->s->rate_limited_s = res->retry_after_s;
	if (res->outcome == FLEET_ERR_REGION)
		rc->s->wrong_region = 1;
	if (res->outcome == FLEET_ERR_AUTH && !rc->second) {
		rc->retry[rc->nretry++] = (size_t)(req - rc->base);
		return FLEET_CONTINUE;
	}
	return rc->on_done(rc->ctx, req, res);
}

struct region_ctx {
	struct tesla_session *s;
	char region[8];
};

static void
region_ledger(
    void *ctx, const struct fleet_req *req, const struct fleet_attempt *a)
{
	ledger(((struct region_ctx *)ctx)->s, req, a);
}

static int
region_done(
    void *ctx, const struct fleet_req *req, const struct fleet_result *res)
{
	struct region_ctx *rc = ctx;
	const char *r = json_string_value(json_object_get(res->body, "region"));

	(void)req;
	if (res->outcome == FLEET_OK && r != NULL &&
	    fleet_region_base_url(r) != NULL)
		snprintf(rc->region, sizeof(rc->region), "%s", r);
	return FLEET_CONTINUE;
}

/*
 * A 421 says the account lives in another region: ask Tesla which, and
 * keep it for the next session (this one's client stays where it is).
 */
static void
fix_region(struct tesla_session *s)
{
	struct tesla_item none = { NULL, NULL, NULL };
	struct fleet_req req = { "GET", "/api/1/users/region", NULL, FLEET_FREE,
		"/api/1/users/region", 0, &none };
	struct region_ctx rc = { s, "" };
	struct fleet_hooks h = { region_ledger, region_done, &rc };
	char *region = rc.region, msg[160], err[128];
	const char *p[3];
	int st;

	s->wrong_region = 0;
	if (s->cfg->tesla_api_base_url != NULL) {
		snprintf(s->error, sizeof(s->error),
		    "Tesla answered 421 (wrong region) for TESLA_API_BASE_URL");
		return;
	}
	if (fleet_run(s->fleet, &req, 1, &h) == -1 || region[0] == '\0' ||
	    strcmp(region, s->tok.region) == 0) {
		snprintf(s->error, sizeof(s->error),
		    "Tesla answered 421 (wrong region) and did not say which");
		return;
	}
	snprintf(msg, sizeof(msg),
	    "the account is in Tesla's \"%s\" region: switched to it", region);
	p[0] = s->account_id;
	p[1] = region;
	p[2] = msg;
	PQclear(db_exec(s->db, &q_region, p, &st, err, sizeof(err)));
	snprintf(s->error, sizeof(s->error), "%s", msg);
	log_warn("%s", msg);
}

int
tesla_run(struct tesla_session *s, const struct fleet_req *reqs, size_t n,
    int (*on_done)(
	void *ctx, const struct fleet_req *req, const struct fleet_result *res),
    void *ctx)
{
	struct fleet_hooks h;
	struct run_ctx rc;
	struct fleet_req *again = NULL;
	int ret;

	memset(&rc, 0, sizeof(rc));
	rc.s = s;
	rc.on_done = on_done;
	rc.ctx = ctx;
	rc.base = reqs;
	if (n > 0 && (rc.retry = calloc(n, sizeof(*rc.retry))) == NULL)
		return -1;
	h.on_attempt = run_ledger;
	h.on_done = run_done;
	h.ctx = &rc;
	ret = fleet_run(s->fleet, reqs, n, &h);
	if (ret == 0 && rc.nretry > 0) {
		/* 401: refresh once, then run those requests again. */
		int refreshed = tesla_refresh(s) == 0;

		if ((again = calloc(rc.nretry, sizeof(*again))) == NULL) {
			ret = -1;
			goto out;
		}
		for (size_t i = 0; i < rc.nretry; i++)
			again[i] = reqs[rc.retry[i]];
		rc.second = 1;
		rc.base = again;
		if (refreshed) {
			ret = fleet_run(s->fleet, again, rc.nretry, &h);
		} else {
			struct fleet_result r;

			memset(&r, 0, sizeof(r));
			r.outcome = FLEET_ERR_AUTH;
			r.status = 401;
			r.error = "401";
			r.retry_after_s = -1;
			for (size_t i = 0; i < rc.nretry; i++)
				on_done(ctx, &again[i], &r);
		}
	}
	if (s->wrong_region)
		fix_region(s);
	if (s->rate_limited_s > 0) {
		char secs[24], err[128];
		const char *p[2] = { s->account_id, secs };
		int st;

		snprintf(secs, sizeof(secs), "%ld", s->rate_limited_s);
		PQclear(
		    db_exec(s->db, &q_rate_limited, p, &st, err, sizeof(err)));
	}
out:
	free(again);
	free(rc.retry);
	return ret;
}

void
tesla_close(struct tesla_session *s)
{
	fleet_free(s->fleet);
	s->fleet = NULL;
	tokens_release(&s->tok);
}
