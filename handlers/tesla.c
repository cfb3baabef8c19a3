/*
 * The Tesla account of the logged-in user:
 *	POST   /api/auth/token   {"refresh_token": "...", "region": "na"}
 *	GET    /api/auth/status
 *	DELETE /api/auth/token
 * Tokens are stored sealed (lib/tokens.h) and never returned or logged.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "db.h"
#include "fleet.h"
#include "handlers.h"
#include "log.h"
#include "tokens.h"
#include "util.h"

static const struct db_stmt q_status = { "tesla_status",
	"SELECT json_build_object("
	"'connected', t.account_id IS NOT NULL AND NOT coalesce(t.needs_login, "
	"false), "
	"'needs_login', coalesce(t.needs_login, false), "
	"'region', t.region, "
	"'access_token_expires_at', t.expires_at, "
	"'last_refresh_at', t.last_refresh_at, "
	"'rate_limited_until', t.rate_limited_until, "
	"'last_error', t.last_error, "
	"'month_spend_usd', (SELECT coalesce(sum(cost), 0)::float8 "
	"FROM fleet_api_calls WHERE account_id = a.id "
	"AND ts >= date_trunc('month', now())), "
	"'month_calls', (SELECT count(*) FROM fleet_api_calls "
	"WHERE account_id = a.id AND ts >= date_trunc('month', now())), "
	"'month_budget_usd', coalesce((SELECT (value #>> '{}')::float8 "
	"FROM settings WHERE account_id = a.id "
	"AND key = 'fleet_api_monthly_budget_usd'), $2::float8)) "
	"FROM accounts a LEFT JOIN tesla_tokens t ON t.account_id = a.id "
	"WHERE a.id = $1::uuid",
	2 };

static const struct db_stmt q_forget = { "tesla_forget",
	"DELETE FROM tesla_tokens WHERE account_id = $1::uuid", 1 };

static int
valid_token_text(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n < 16 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i]))
			return 0;
	return 1;
}

int
h_tesla_token_store(struct req *r)
{
	const char *refresh, *region = NULL, *key;
	char err[256];
	json_t *body, *v;
	int status;

	if ((body = req_json(r)) == NULL)
		return r->status;
	json_object_foreach(body, key, v)
	{
		if (strcmp(key, "refresh_token") != 0 &&
		    strcmp(key, "region") != 0)
			return reply_error(r, 400, "unknown_field",
			    "unknown field \"%s\"", key);
	}
	v = json_object_get(body, "refresh_token");
	if (v == NULL)
		return reply_error(
		    r, 400, "missing_field", "\"refresh_token\" is required");
	if (!json_is_string(v) ||
	    !valid_token_text(json_string_value(v), TOKEN_MAX))
		return reply_error(r, 400, "invalid_field",
		    "\"refresh_token\" must be a string of 16 to %d printable "
		    "characters",
		    TOKEN_MAX);
	refresh = json_string_value(v);
	if ((v = json_object_get(body, "region")) != NULL) {
		region = json_string_value(v);
		if (region == NULL ||
		    (strcmp(region, "na") != 0 && strcmp(region, "eu") != 0 &&
			strcmp(region, "cn") != 0))
			return reply_error(r, 400, "invalid_field",
			    "\"region\" must be \"na\", \"eu\" or \"cn\"");
	}
	if (!r->cfg->has_encryption_key)
		return reply_error(r, 503, "not_configured",
		    "ENCRYPTION_KEY is not configured, so tokens cannot be "
		    "stored");
	status = tokens_store(r->db, r->cfg, r->account_id, refresh, NULL, 0,
	    region, err, sizeof(err));
	if (status != 0)
		return reply_error(r, status, NULL, "%s", err);
	log_info("tesla refresh token stored");
	return reply_json(
	    r, 201, json_pack("{s:b,s:s?}", "connected", 1, "region", region));
}

int
h_tesla_status(struct req *r)
{
	char budget[32];
	const char *p[2];
	PGresult *res;
	json_t *body;

	snprintf(budget, sizeof(budget), "%.2f", r->cfg->fleet_budget_usd);
	p[0] = r->account_id;
	p[1] = budget;
	if ((res = req_exec(r, &q_status, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "account not found");
	if ((body = db_json(res, 0, 0)) == NULL)
		return reply_error(r, 500, NULL, "malformed row");
	return reply_json(r, 200, body);
}

int
h_tesla_token_delete(struct req *r)
{
	const char *p[1] = { r->account_id };

	if (req_exec(r, &q_forget, p) == NULL)
		return r->status;
	log_info("tesla tokens forgotten");
	return reply_json(r, 204, NULL);
}

/*
 * The Tesla login, authorization code with PKCE:
 *	GET /api/auth/tesla/start     -> {"authorize_url", "state"}
 *	GET /api/auth/tesla/callback  <- Tesla's redirect with code and state
 * The state is random, single use and ten minutes long; only its hash is
 * stored, with the sealed PKCE verifier and the account it belongs to.
 * The callback carries no login token (it is a browser redirect from
 * Tesla): the state is what ties it to the account.
 */
#define TESLA_SCOPES                                                           \
	"openid offline_access vehicle_device_data vehicle_location "          \
	"vehicle_charging_cmds energy_device_data"

static const struct db_stmt q_state_new = { "tesla_state_new",
	"INSERT INTO oauth_states (state_hash, account_id, code_verifier_enc) "
	"VALUES (decode($1, 'hex'), $2::uuid, $3::bytea)",
	3 };

/* Takes the state (single use) and says whose it is. */
static const struct db_stmt q_state_take = { "tesla_state_take",
	"DELETE FROM oauth_states WHERE state_hash = decode($1, 'hex') "
	"RETURNING account_id, code_verifier_enc, expires_at > now()",
	1 };

static const struct db_stmt q_state_gc = { "tesla_state_gc",
	"DELETE FROM oauth_states WHERE expires_at < now() - "
	"interval '1 day'",
	0 };

static void
sha256_hex(const char *s, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	hex_encode(md, 32, out);
}

int
h_tesla_start(struct req *r)
{
	char verifier[FLEET_PKCE_VERIFIER_LEN + 1];
	char challenge[FLEET_PKCE_CHALLENGE_LEN + 1];
	char state[48], hash[65], aad_id[80], base[512];
	const char *p[3], *authorize = FLEET_AUTHORIZE_URL;
	uint8_t raw[24];
	char *sealed = NULL, *url = NULL;
	int rc;

	if (r->cfg->tesla_client_id == NULL ||
	    r->cfg->tesla_redirect_uri == NULL)
		return reply_error(r, 503, "not_configured",
		    "set TESLA_CLIENT_ID, TESLA_CLIENT_SECRET and "
		    "TESLA_REDIRECT_URI (this server's "
		    "/api/auth/tesla/callback) to sign in with Tesla");
	if (!r->cfg->has_encryption_key)
		return reply_error(r, 503, "not_configured",
		    "ENCRYPTION_KEY is not configured");
	if (random_bytes(raw, sizeof(raw)) == -1 ||
	    b64url_encode(raw, sizeof(raw), state, sizeof(state)) < 0 ||
	    fleet_pkce_new(verifier, challenge) == -1)
		return reply_error(r, 500, NULL, "no randomness available");
	sha256_hex(state, hash);
	snprintf(aad_id, sizeof(aad_id), "oauth_states.%s", hash);
	if (tokens_seal_hex(
		r->cfg, "code_verifier", aad_id, verifier, &sealed) == -1)
		return reply_error(r, 500, NULL, "cannot seal the verifier");
	p[0] = hash;
	p[1] = r->account_id;
	p[2] = sealed;
	if (req_exec(r, &q_state_new, p) == NULL) {
		free(sealed);
		return r->status;
	}
	free(sealed);
	PQclear(db_exec(r->db, &q_state_gc, NULL, &rc, base, sizeof(base)));
	/* A TESLA_AUTH_URL of our own (the simulator) serves both ends. */
	if (r->cfg->tesla_auth_url != NULL) {
		snprintf(base, sizeof(base), "%s/oauth2/v3/authorize",
		    r->cfg->tesla_auth_url);
		authorize = base;
	}
	url = fleet_authorize_url(authorize, r->cfg->tesla_client_id,
	    r->cfg->tesla_redirect_uri, TESLA_SCOPES, state, challenge);
	explicit_bzero(verifier, sizeof(verifier));
	if (url == NULL)
		return reply_error(r, 500, NULL, "cannot build the URL");
	rc = reply_json(r, 200,
	    json_pack("{s:s,s:s,s:i}", "authorize_url", url, "state", state,
		"expires_in", 600));
	free(url);
	return rc;
}

/* Back to the dashboard with the outcome in the query. */
static int
back_home(struct req *r, const char *outcome)
{
	char loc[128];

	snprintf(loc, sizeof(loc), "/?tesla=%s", outcome);
	reply_header(r, "Location", loc);
	return reply_json(r, 302, NULL);
}

int
h_tesla_callback(struct req *r)
{
	const char *code = req_query(r, "code"), *state = req_query(r, "state");
	const char *err_q = req_query(r, "error"), *p[1], *region;
	char hash[65], aad_id[80], err[256], account[40];
	struct fleet_token t;
	char *verifier = NULL;
	enum fleet_token_rc rc;
	PGresult *res;
	int st;

	if (state == NULL || strlen(state) > 128)
		return reply_error(r, 400, "invalid_state",
		    "the Tesla login came back without its state");
	sha256_hex(state, hash);
	p[0] = hash;
	if ((res = req_exec(r, &q_state_take, p)) == NULL)
		return r->status;
	if (PQntuples(res) != 1)
		return reply_error(r, 400, "invalid_state",
		    "unknown or already used login state: start again");
	if (PQgetvalue(res, 0, 2)[0] != 't')
		return reply_error(r, 400, "invalid_state",
		    "the Tesla login took too long: start again");
	snprintf(account, sizeof(account), "%s", PQgetvalue(res, 0, 0));
	if (err_q != NULL || code == NULL || *code == '\0' ||
	    strlen(code) > 2048) {
		log_warn("tesla login refused or cancelled");
		return back_home(r, "denied");
	}
	snprintf(aad_id, sizeof(aad_id), "oauth_states.%s", hash);
	verifier = tokens_open_hex(
	    r->cfg, "code_verifier", aad_id, PQgetvalue(res, 0, 1));
	if (verifier == NULL)
		return reply_error(
		    r, 500, NULL, "the login state does not open");
	/* Tesla's codes start with the region: NA_..., EU_..., CN_... */
	region = strncmp(code, "EU_", 3) == 0 ? "eu"
	    : strncmp(code, "CN_", 3) == 0    ? "cn"
					      : "na";
	memset(&t, 0, sizeof(t));
	rc = fleet_oauth_exchange_code(r->cfg->tesla_auth_url,
	    r->cfg->tesla_client_id,
	    r->cfg->tesla_client_secret ? r->cfg->tesla_client_secret : "",
	    code, r->cfg->tesla_redirect_uri, verifier,
	    r->cfg->tesla_api_base_url ? r->cfg->tesla_api_base_url
				       : fleet_region_base_url(region),
	    &t, NULL);
	explicit_bzero(verifier, strlen(verifier));
	free(verifier);
	if (rc != FLEET_TOKEN_OK || t.refresh_token == NULL) {
		log_warn("tesla code exchange failed: %s", t.error);
		fleet_token_clear(&t);
		return back_home(r, "error");
	}
	st = tokens_store(r->db, r->cfg, account, t.refresh_token,
	    t.access_token, t.expires_in, region, err, sizeof(err));
	fleet_token_clear(&t);
	if (st != 0)
		return reply_error(r, st, NULL, "%s", err);
	log_info("tesla account connected");
	return back_home(r, "connected");
}
