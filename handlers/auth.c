/*
 * Login: POST /api/auth/login {"password": "...", "username": optional}.
 *
 * Failures are counted per client address in login_attempts (the workers
 * share no memory); over TESSIE_LOGIN_MAX_FAILURES within
 * TESSIE_LOGIN_WINDOW seconds the answer is 429 with Retry-After, before
 * the password is even looked at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "db.h"
#include "handlers.h"
#include "log.h"
#include "util.h"

#define PASSWORD_MAX 1024

static const struct db_stmt q_failures = { "login_failures",
	"SELECT count(*), coalesce(ceil(extract(epoch FROM "
	"min(attempted_at) + make_interval(secs => $2::int) - now())), 0) "
	"FROM login_attempts WHERE remote_addr = $1 AND NOT succeeded "
	"AND attempted_at > now() - make_interval(secs => $2::int)",
	2 };

static const struct db_stmt q_account = { "login_account",
	"SELECT id, password_hash FROM accounts WHERE username = $1", 1 };

static const struct db_stmt q_attempt = { "login_attempt",
	"INSERT INTO login_attempts (remote_addr, succeeded) "
	"VALUES ($1, $2::boolean)",
	2 };

static const struct db_stmt q_forget = { "login_forget",
	"DELETE FROM login_attempts WHERE remote_addr = $1 OR "
	"attempted_at < now() - interval '1 day'",
	1 };

/* The fields a login body may have, and their JSON types. */
static const struct {
	const char *name;
	json_type type;
	int required;
} login_fields[] = {
	{ "password", JSON_STRING, 1 },
	{ "username", JSON_STRING, 0 },
};

static int
check_fields(struct req *r, json_t *body)
{
	const char *key;
	json_t *v;

	json_object_foreach(body, key, v)
	{
		size_t i;

		for (i = 0; i < nitems(login_fields); i++)
			if (strcmp(login_fields[i].name, key) == 0)
				break;
		if (i == nitems(login_fields))
			return reply_error(r, 400, "unknown_field",
			    "unknown field \"%s\"", key);
		if (json_typeof(v) != login_fields[i].type)
			return reply_error(r, 400, "invalid_field",
			    "\"%s\" must be a string", key);
	}
	for (size_t i = 0; i < nitems(login_fields); i++)
		if (login_fields[i].required &&
		    json_object_get(body, login_fields[i].name) == NULL)
			return reply_error(r, 400, "missing_field",
			    "\"%s\" is required", login_fields[i].name);
	return 0;
}

static int
record(struct req *r, int ok)
{
	const char *p[2] = { r->remote_addr, ok ? "true" : "false" };

	return req_exec(r, &q_attempt, p) == NULL ? -1 : 0;
}

int
h_auth_login(struct req *r)
{
	const char *password, *username = "admin", *stored;
	char window[24], limit[24], expires[32], *token = NULL;
	const char *pw[2];
	PGresult *res;
	json_t *body, *u;
	time_t exp;
	int rc, match;

	if ((body = req_json(r)) == NULL)
		return r->status;
	if ((rc = check_fields(r, body)) != 0)
		return rc;
	password = json_string_value(json_object_get(body, "password"));
	if ((u = json_object_get(body, "username")) != NULL)
		username = json_string_value(u);
	if (*password == '\0' || strlen(password) > PASSWORD_MAX)
		return reply_error(r, 400, "invalid_field",
		    "\"password\" must be 1 to %d bytes", PASSWORD_MAX);

	snprintf(window, sizeof(window), "%d", r->cfg->login_window);
	pw[0] = r->remote_addr;
	pw[1] = window;
	if ((res = req_exec(r, &q_failures, pw)) == NULL)
		return r->status;
	if (atol(PQgetvalue(res, 0, 0)) >= r->cfg->login_max_failures) {
		long wait = atol(PQgetvalue(res, 0, 1));

		snprintf(limit, sizeof(limit), "%ld", wait > 0 ? wait : 1);
		reply_header(r, "Retry-After", limit);
		log_warn("login refused: too many failures from this client");
		return reply_error(r, 429, NULL,
		    "too many failed logins; try again in %s seconds", limit);
	}

	pw[0] = username;
	if ((res = req_exec(r, &q_account, pw)) == NULL)
		return r->status;
	stored = PQntuples(res) == 1 && !PQgetisnull(res, 0, 1)
	    ? PQgetvalue(res, 0, 1)
	    : NULL;
	if (stored == NULL) {
		/* Same cost as a real check, so timing tells nothing. */
		password_verify(password,
		    "scrypt$32768$8$1$"
		    "AAAAAAAAAAAAAAAAAAAAAA$"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
		match = 0;
	} else {
		match = password_verify(password, stored) == 1;
	}
	if (!match) {
		if (record(r, 0) == -1)
			return r->status;
		log_info("login failed");
		return reply_error(
		    r, 401, "invalid_credentials", "wrong password");
	}
	if (jwt_issue(r->cfg->jwt_secret, r->cfg->jwt_secret_len,
		PQgetvalue(res, 0, 0), time(NULL), r->cfg->jwt_ttl, &token,
		&exp) == -1)
		return reply_error(r, 500, NULL, "cannot issue a token");
	pw[0] = r->remote_addr;
	if (req_exec(r, &q_forget, pw) == NULL) {
		free(token);
		return r->status;
	}
	time_rfc3339((long long)exp, expires, sizeof(expires));
	rc = reply_json(r, 200,
	    json_pack("{s:s,s:s,s:s}", "token", token, "token_type", "Bearer",
		"expires_at", expires));
	free(token);
	return rc;
}
