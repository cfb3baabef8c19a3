/* Sealed Tesla tokens in tesla_tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "tokens.h"
#include "util.h"

static const struct db_stmt q_store = { "tokens_store",
	"INSERT INTO tesla_tokens (account_id, refresh_token_enc, "
	"access_token_enc, key_version, region, expires_at, last_refresh_at, "
	"needs_login, last_error) "
	"VALUES ($1::uuid, $2::bytea, $3::bytea, $4::smallint, $5, "
	"CASE WHEN $3 IS NULL THEN NULL "
	"ELSE now() + make_interval(secs => $6::int) END, "
	"CASE WHEN $3 IS NULL THEN NULL ELSE now() END, false, NULL) "
	"ON CONFLICT (account_id) DO UPDATE SET "
	"refresh_token_enc = EXCLUDED.refresh_token_enc, "
	"access_token_enc = EXCLUDED.access_token_enc, "
	"key_version = EXCLUDED.key_version, "
	"region = coalesce(EXCLUDED.region, tesla_tokens.region), "
	"expires_at = EXCLUDED.expires_at, "
	"last_refresh_at = coalesce(EXCLUDED.last_refresh_at, "
	"tesla_tokens.last_refresh_at), "
	"needs_login = false, last_error = NULL",
	6 };

static const struct db_stmt q_load = { "tokens_load",
	"SELECT refresh_token_enc, access_token_enc, "
	"coalesce(extract(epoch FROM expires_at)::bigint, 0), "
	"coalesce(region, ''), needs_login "
	"FROM tesla_tokens WHERE account_id = $1::uuid",
	1 };

size_t
tokens_aad(char *out, size_t outsz, const char *column, const char *account_id,
    int key_version)
{
	int n = snprintf(out, outsz, "tesla_tokens|%s|%s|%d", column,
	    account_id, key_version);

	return n < 0 ? 0 : (size_t)n < outsz ? (size_t)n : outsz - 1;
}

int
tokens_seal_hex(const struct config *cfg, const char *column,
    const char *account_id, const char *value, char **out)
{
	uint8_t *sealed = NULL;
	size_t len, aadlen;
	char aad[160];

	*out = NULL;
	if (!cfg->has_encryption_key || strlen(value) > TOKEN_MAX)
		return -1;
	aadlen = tokens_aad(
	    aad, sizeof(aad), column, account_id, cfg->encryption_key_version);
	if (crypto_seal(cfg->encryption_key,
		(uint8_t)cfg->encryption_key_version, (const uint8_t *)aad,
		aadlen, (const uint8_t *)value, strlen(value), &sealed,
		&len) == -1)
		return -1;
	if ((*out = malloc(2 * len + 3)) != NULL) {
		memcpy(*out, "\\x", 2);
		hex_encode(sealed, len, *out + 2);
	}
	free(sealed);
	return *out ? 0 : -1;
}

char *
tokens_open_hex(const struct config *cfg, const char *column,
    const char *account_id, const char *hex)
{
	uint8_t *raw = NULL, *pt = NULL;
	size_t n, ptlen, aadlen;
	char aad[160];

	if (!cfg->has_encryption_key || strncmp(hex, "\\x", 2) != 0)
		return NULL;
	n = (strlen(hex) - 2) / 2;
	if (n == 0 || n > 2 * TOKEN_MAX || (raw = malloc(n)) == NULL)
		return NULL;
	if (hex_decode(hex + 2, raw, n) == -1)
		goto out;
	aadlen = tokens_aad(
	    aad, sizeof(aad), column, account_id, cfg->encryption_key_version);
	if (crypto_open(cfg->encryption_key,
		(uint8_t)cfg->encryption_key_version, (const uint8_t *)aad,
		aadlen, raw, n, &pt, &ptlen) == -1)
		pt = NULL;
out:
	free(raw);
	return (char *)pt;
}

int
tokens_store(struct db *db, const struct config *cfg, const char *account_id,
    const char *refresh_token, const char *access_token, long expires_in,
    const char *region, char *err, size_t errlen)
{
	char *rt = NULL, *at = NULL, ver[8], secs[24];
	const char *p[6];
	PGresult *res;
	int status = 0;

	if (tokens_seal_hex(
		cfg, "refresh_token", account_id, refresh_token, &rt) == -1 ||
	    (access_token != NULL &&
		tokens_seal_hex(cfg, "access_token", account_id, access_token,
		    &at) == -1)) {
		snprintf(err, errlen,
		    "cannot seal the token (is "
		    "ENCRYPTION_KEY set?)");
		status = 500;
		goto out;
	}
	snprintf(ver, sizeof(ver), "%d", cfg->encryption_key_version);
	snprintf(secs, sizeof(secs), "%ld", expires_in);
	p[0] = account_id;
	p[1] = rt;
	p[2] = at;
	p[3] = ver;
	p[4] = region;
	p[5] = secs;
	res = db_exec(db, &q_store, p, &status, err, errlen);
	if (res != NULL)
		status = 0;
	PQclear(res);
out:
	if (rt != NULL)
		explicit_bzero(rt, strlen(rt));
	if (at != NULL)
		explicit_bzero(at, strlen(at));
	free(rt);
	free(at);
	return status;
}

int
tokens_load(struct db *db, const struct config *cfg, const char *account_id,
    struct tesla_tokens *out, char *err, size_t errlen)
{
	const char *p[1] = { account_id };
	PGresult *res;
	int status, rc = -1;

	memset(out, 0, sizeof(*out));
	if ((res = db_exec(db, &q_load, p, &status, err, errlen)) == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		rc = 0;
		goto out;
	}
	out->refresh_token = tokens_open_hex(
	    cfg, "refresh_token", account_id, PQgetvalue(res, 0, 0));
	if (out->refresh_token == NULL) {
		snprintf(err, errlen,
		    "the stored refresh token does not open "
		    "with this ENCRYPTION_KEY");
		goto out;
	}
	if (!PQgetisnull(res, 0, 1) &&
	    (out->access_token = tokens_open_hex(cfg, "access_token",
		 account_id, PQgetvalue(res, 0, 1))) == NULL) {
		snprintf(err, errlen,
		    "the stored access token does not open "
		    "with this ENCRYPTION_KEY");
		goto out;
	}
	out->expires_at = atoll(PQgetvalue(res, 0, 2));
	snprintf(out->region, sizeof(out->region), "%s", PQgetvalue(res, 0, 3));
	out->needs_login = PQgetvalue(res, 0, 4)[0] == 't';
	rc = 1;
out:
	PQclear(res);
	if (rc == -1)
		tokens_release(out);
	return rc;
}

void
tokens_release(struct tesla_tokens *t)
{
	if (t->refresh_token != NULL) {
		explicit_bzero(t->refresh_token, strlen(t->refresh_token));
		free(t->refresh_token);
	}
	if (t->access_token != NULL) {
		explicit_bzero(t->access_token, strlen(t->access_token));
		free(t->access_token);
	}
	memset(t, 0, sizeof(*t));
}
