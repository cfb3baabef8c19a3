/*
 * A session with Tesla for one account: its tokens (refreshed when close
 * to expiry, and once more on a 401), a Fleet API client on the right base
 * URL, and the fleet_api_calls ledger: every HTTP attempt is one row with
 * its price.  Shared by the sync jobs and the API's wake and OAuth routes.
 */
#ifndef TESSIE_TESLA_H
#define TESSIE_TESLA_H

#include "config.h"
#include "db.h"
#include "fleet.h"
#include "tokens.h"

/* What a request is about, for the ledger: uuids or NULL. */
struct tesla_item {
	const char *vehicle_id;
	const char *site_id;
	void *user; /* the caller's */
};

struct tesla_session {
	struct db *db;
	const struct config *cfg;
	char account_id[40];
	const char *run_id; /* sync_runs.id as text, or NULL */
	struct tesla_tokens tok;
	struct fleet *fleet;
	int refreshed; /* tokens refreshed in this session */
	int calls; /* ledger rows written */
	double cost; /* their price, USD */
	long rate_limited_s; /* largest Retry-After seen, 0 when none */
	int wrong_region; /* a 421 was seen: look the region up again */
	char error[256]; /* why the last call failed, for people */
};

/*
 * Opens a session for account_id: loads and opens its tokens, refreshes
 * the access token when it expires within five minutes, and makes the
 * client.  Returns 0, or -1 with s->error set (no account connected,
 * needs a new login, refresh refused, database down).  Call tesla_close()
 * either way.
 */
int tesla_open(struct tesla_session *s, struct db *db, const struct config *cfg,
    const char *account_id, const char *run_id);

/*
 * Refreshes the tokens under a row lock (refresh tokens are single use, so
 * two processes must not both spend one).  A refusal that needs a new
 * login flags the account (needs_login) instead of trying again.
 * Returns 0 or -1 with s->error.
 */
int tesla_refresh(struct tesla_session *s);

/*
 * Runs reqs (each req.user a struct tesla_item *) through the client,
 * writing the ledger.  Requests answered 401 are re-run once after a
 * token refresh; on_done sees only final results, with the struct
 * tesla_item as req->user.  Returns 0, or -1 when the client failed.
 */
int tesla_run(struct tesla_session *s, const struct fleet_req *reqs, size_t n,
    int (*on_done)(
	void *ctx, const struct fleet_req *req, const struct fleet_result *res),
    void *ctx);

/* Frees the client and wipes the tokens. */
void tesla_close(struct tesla_session *s);

#endif
