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

#include "db.h"
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
