/*
 * The Tesla tokens of an account, sealed with AES-256-GCM in tesla_tokens
 * (DESIGN §7).  Plaintext tokens exist only in memory: they are never
 * logged, returned by the API or written to sync_runs.
 */
#ifndef TESSIE_TOKENS_H
#define TESSIE_TOKENS_H

#include <stddef.h>

#include "config.h"
#include "db.h"

#define TOKEN_MAX 8192

struct tesla_tokens {
	char *refresh_token; /* malloc'd, wiped by tokens_release() */
	char *access_token; /* NULL when none is stored */
	long long expires_at; /* access token expiry, epoch s; 0 if none */
	char region[8]; /* "na", "eu", "cn" or "" */
	int needs_login;
};

/*
 * Builds the AAD of a sealed column: "tesla_tokens|<column>|<account>|<v>".
 * Returns its length.
 */
size_t tokens_aad(char *out, size_t outsz, const char *column,
    const char *account_id, int key_version);

/*
 * Seals value for column of account_id as a bytea text literal ("\x..."),
 * malloc'd in *out.  Returns 0 or -1.
 */
int tokens_seal_hex(const struct config *cfg, const char *column,
    const char *account_id, const char *value, char **out);

/*
 * Opens a bytea text literal sealed by tokens_seal_hex().  Returns the
 * malloc'd plaintext, or NULL when it does not open (wrong key, tampered,
 * another row's value).
 */
char *tokens_open_hex(const struct config *cfg, const char *column,
    const char *account_id, const char *hex);

/*
 * Stores a refresh token (and optionally an access token valid for
 * expires_in seconds) for account_id, replacing what was there and
 * clearing needs_login and last_error.  region may be NULL.  Returns 0,
 * or the HTTP status of the failure (db_exec's mapping) with err set.
 */
int tokens_store(struct db *db, const struct config *cfg,
    const char *account_id, const char *refresh_token, const char *access_token,
    long expires_in, const char *region, char *err, size_t errlen);

/*
 * Loads and opens the tokens of account_id.  Returns 1 when found, 0 when
 * the account has none, -1 on a database error or a value that will not
 * open (then err says which).
 */
int tokens_load(struct db *db, const struct config *cfg, const char *account_id,
    struct tesla_tokens *out, char *err, size_t errlen);

/* Wipes and frees the tokens. */
void tokens_release(struct tesla_tokens *t);

#endif
