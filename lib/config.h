/*
 * Configuration from the environment and an optional env file (named by
 * TESSIE_ENV_FILE or given to config_load).  The environment wins over the
 * file.  Values are validated as they are read: a bad value is an error
 * naming the variable, never a silent default.
 */
#ifndef TESSIE_CONFIG_H
#define TESSIE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_JWT_SECRET_MIN 32
#define CONFIG_JWT_SECRET_MAX 256

struct config {
	char *database_url; /* DATABASE_URL */
	uint8_t jwt_secret[CONFIG_JWT_SECRET_MAX]; /* JWT_SECRET (raw bytes) */
	size_t jwt_secret_len; /* 0 when unset */
	uint8_t encryption_key[32]; /* ENCRYPTION_KEY (64 hex digits) */
	int has_encryption_key;
	int encryption_key_version; /* ENCRYPTION_KEY_VERSION, default 1 */
	char *tesla_client_id; /* TESLA_CLIENT_ID */
	char *tesla_client_secret; /* TESLA_CLIENT_SECRET */
	char *tesla_api_base_url; /* TESLA_API_BASE_URL */
	char *tesla_auth_url; /* TESLA_AUTH_URL */
	char *tesla_redirect_uri; /* TESLA_REDIRECT_URI (the callback) */
	char *admin_password; /* TESSIE_ADMIN_PASSWORD */
	char *fcgi_socket; /* TESSIE_FCGI_SOCKET */
	int http_port; /* TESSIE_HTTP_PORT, default 8080 */
	int workers; /* TESSIE_WORKERS, default 2 x cores */
	long body_max; /* TESSIE_BODY_MAX bytes, default 65536 */
	long jwt_ttl; /* TESSIE_JWT_TTL seconds, default 86400 */
	int login_max_failures; /* TESSIE_LOGIN_MAX_FAILURES, default 5 */
	int login_window; /* TESSIE_LOGIN_WINDOW seconds, def. 900 */
	int log_level; /* TESSIE_LOG_LEVEL, default info */
	double fleet_budget_usd; /* TESSIE_FLEET_BUDGET_USD, default 10 */
	int fleet_max_inflight; /* TESSIE_FLEET_MAX_INFLIGHT, default 16 */
};

/* What a program needs to be present; checked by config_require(). */
#define CFG_NEED_DB 0x1
#define CFG_NEED_JWT 0x2
#define CFG_NEED_ENC 0x4

/*
 * Fills cfg from env_file (NULL: $TESSIE_ENV_FILE, or none) and the
 * environment.  Returns 0, or -1 with a message for a person in err.
 * Release with config_free().
 */
int config_load(
    struct config *cfg, const char *env_file, char *err, size_t errlen);

/* Returns 0 when every value in need is present, else -1 and err. */
int config_require(
    const struct config *cfg, int need, char *err, size_t errlen);

void config_free(struct config *cfg);

/*
 * Parses an env file's text into name=value pairs, calling fn for each;
 * lines are NAME=value, optional "export ", # comments, single or double
 * quotes.  Returns 0, or -1 with the line number in err.
 */
int config_parse_env(const char *text,
    int (*fn)(void *ctx, const char *name, const char *value), void *ctx,
    char *err, size_t errlen);

#endif
