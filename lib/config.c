/*
 * Configuration: an optional env file, then the environment on top.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "util.h"

#define ENV_FILE_MAX (64 * 1024)

/* Every variable we read, so that the env file can be looked up by name. */
static const char *const config_names[] = { "DATABASE_URL", "JWT_SECRET",
	"ENCRYPTION_KEY", "ENCRYPTION_KEY_VERSION", "TESLA_CLIENT_ID",
	"TESLA_CLIENT_SECRET", "TESLA_API_BASE_URL", "TESLA_AUTH_URL",
	"TESLA_REDIRECT_URI", "TESSIE_ADMIN_PASSWORD", "TESSIE_FCGI_SOCKET",
	"TESSIE_HTTP_PORT", "TESSIE_WORKERS", "TESSIE_BODY_MAX",
	"TESSIE_JWT_TTL", "TESSIE_LOGIN_MAX_FAILURES", "TESSIE_LOGIN_WINDOW",
	"TESSIE_LOG_LEVEL", "TESSIE_FLEET_BUDGET_USD",
	"TESSIE_FLEET_MAX_INFLIGHT" };

#define NNAMES (sizeof(config_names) / sizeof(config_names[0]))

struct fileval {
	char *v[NNAMES];
};

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
config_parse_env(const char *text,
    int (*fn)(void *ctx, const char *name, const char *value), void *ctx,
    char *err, size_t errlen)
{
	char name[128], value[4096];
	const char *p = text;
	int line = 0;

	while (*p != '\0') {
		const char *eol = strchr(p, '\n'), *q, *ns;
		size_t nlen = 0, vlen = 0;

		if (eol == NULL)
			eol = p + strlen(p);
		line++;
		q = p;
		while (q < eol && isspace((unsigned char)*q))
			q++;
		if (q == eol || *q == '#')
			goto next;
		if ((size_t)(eol - q) > 7 && strncmp(q, "export ", 7) == 0)
			q += 7;
		ns = q;
		while (q < eol && (isalnum((unsigned char)*q) || *q == '_'))
			q++;
		nlen = (size_t)(q - ns);
		if (nlen == 0 || nlen >= sizeof(name) || q == eol ||
		    *q != '=' || isdigit((unsigned char)*ns)) {
			seterr(
			    err, errlen, "line %d: expected NAME=value", line);
			return -1;
		}
		memcpy(name, ns, nlen);
		name[nlen] = '\0';
		q++;
		if (q < eol && (*q == '"' || *q == '\'')) {
			char quote = *q++;
			const char *end = q;

			while (end < eol && *end != quote)
				end++;
			if (end == eol) {
				seterr(err, errlen,
				    "line %d: unterminated quote in \"%s\"",
				    line, name);
				return -1;
			}
			for (const char *t = end + 1; t < eol; t++)
				if (!isspace((unsigned char)*t)) {
					seterr(err, errlen,
					    "line %d: text after the closing "
					    "quote of \"%s\"",
					    line, name);
					return -1;
				}
			vlen = (size_t)(end - q);
		} else {
			const char *end = eol;

			while (end > q && isspace((unsigned char)end[-1]))
				end--;
			vlen = (size_t)(end - q);
		}
		if (vlen >= sizeof(value)) {
			seterr(err, errlen, "line %d: value of \"%s\" too long",
			    line, name);
			return -1;
		}
		memcpy(value, q, vlen);
		value[vlen] = '\0';
		if (fn(ctx, name, value) == -1) {
			seterr(err, errlen, "line %d: out of memory", line);
			return -1;
		}
	next:
		p = *eol ? eol + 1 : eol;
	}
	return 0;
}

static int
file_cb(void *ctx, const char *name, const char *value)
{
	struct fileval *fv = ctx;

	for (size_t i = 0; i < NNAMES; i++)
		if (strcmp(config_names[i], name) == 0) {
			free(fv->v[i]);
			if ((fv->v[i] = strdup(value)) == NULL)
				return -1;
		}
	return 0;
}

static int
read_env_file(const char *path, struct fileval *fv, char *err, size_t errlen)
{
	char *text = NULL, e2[256];
	size_t n;
	FILE *f;
	int rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		seterr(err, errlen, "cannot open env file \"%s\": %s", path,
		    strerror(errno));
		return -1;
	}
	if ((text = malloc(ENV_FILE_MAX + 1)) == NULL) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	n = fread(text, 1, ENV_FILE_MAX + 1, f);
	if (ferror(f) || n > ENV_FILE_MAX) {
		seterr(err, errlen, "env file \"%s\": %s", path,
		    ferror(f) ? "read error" : "larger than 64 KiB");
		goto out;
	}
	text[n] = '\0';
	if (memchr(text, '\0', n) != NULL) {
		seterr(
		    err, errlen, "env file \"%s\": contains a NUL byte", path);
		goto out;
	}
	if (config_parse_env(text, file_cb, fv, e2, sizeof(e2)) == -1) {
		seterr(err, errlen, "env file \"%s\": %s", path, e2);
		goto out;
	}
	rc = 0;
out:
	free(text);
	fclose(f);
	return rc;
}

static const char *
lookup(const struct fileval *fv, const char *name)
{
	const char *v = getenv(name);

	if (v != NULL)
		return v;
	for (size_t i = 0; i < NNAMES; i++)
		if (strcmp(config_names[i], name) == 0)
			return fv->v[i];
	return NULL;
}

static int
get_str(const struct fileval *fv, const char *name, char **out, char *err,
    size_t errlen)
{
	const char *v = lookup(fv, name);

	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	if ((*out = strdup(v)) == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
get_long(const struct fileval *fv, const char *name, long def, long min,
    long max, long *out, char *err, size_t errlen)
{
	const char *v = lookup(fv, name);
	char *end;
	long n;

	*out = def;
	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max) {
		seterr(err, errlen,
		    "%s must be a whole number from %ld to %ld, not \"%s\"",
		    name, min, max, v);
		return -1;
	}
	*out = n;
	return 0;
}

int
config_load(struct config *cfg, const char *env_file, char *err, size_t errlen)
{
	struct fileval fv;
	const char *v;
	long n, cores;
	int rc = -1;

	memset(cfg, 0, sizeof(*cfg));
	memset(&fv, 0, sizeof(fv));
	if (env_file == NULL)
		env_file = getenv("TESSIE_ENV_FILE");
	if (env_file != NULL && *env_file != '\0' &&
	    read_env_file(env_file, &fv, err, errlen) == -1)
		goto out;

	if (get_str(&fv, "DATABASE_URL", &cfg->database_url, err, errlen) ||
	    get_str(
		&fv, "TESLA_CLIENT_ID", &cfg->tesla_client_id, err, errlen) ||
	    get_str(&fv, "TESLA_CLIENT_SECRET", &cfg->tesla_client_secret, err,
		errlen) ||
	    get_str(&fv, "TESLA_API_BASE_URL", &cfg->tesla_api_base_url, err,
		errlen) ||
	    get_str(&fv, "TESLA_AUTH_URL", &cfg->tesla_auth_url, err, errlen) ||
	    get_str(&fv, "TESLA_REDIRECT_URI", &cfg->tesla_redirect_uri, err,
		errlen) ||
	    get_str(&fv, "TESSIE_ADMIN_PASSWORD", &cfg->admin_password, err,
		errlen) ||
	    get_str(&fv, "TESSIE_FCGI_SOCKET", &cfg->fcgi_socket, err, errlen))
		goto out;

	if ((v = lookup(&fv, "JWT_SECRET")) != NULL && *v != '\0') {
		size_t len = strlen(v);

		if (len < CONFIG_JWT_SECRET_MIN ||
		    len > CONFIG_JWT_SECRET_MAX) {
			seterr(err, errlen,
			    "JWT_SECRET must be %d to %d bytes long, not %zu "
			    "(generate one with \"tessie-admin gen-secrets\")",
			    CONFIG_JWT_SECRET_MIN, CONFIG_JWT_SECRET_MAX, len);
			goto out;
		}
		memcpy(cfg->jwt_secret, v, len);
		cfg->jwt_secret_len = len;
	}
	if ((v = lookup(&fv, "ENCRYPTION_KEY")) != NULL && *v != '\0') {
		if (strlen(v) != 64 ||
		    hex_decode(v, cfg->encryption_key, 32) == -1) {
			seterr(err, errlen,
			    "ENCRYPTION_KEY must be 64 hex digits (32 bytes), "
			    "got %zu characters (generate one with "
			    "\"tessie-admin gen-secrets\")",
			    strlen(v));
			goto out;
		}
		cfg->has_encryption_key = 1;
	}
	if (get_long(&fv, "ENCRYPTION_KEY_VERSION", 1, 1, 255, &n, err, errlen))
		goto out;
	cfg->encryption_key_version = (int)n;
	if (get_long(&fv, "TESSIE_HTTP_PORT", 8080, 1, 65535, &n, err, errlen))
		goto out;
	cfg->http_port = (int)n;
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores < 1)
		cores = 1;
	if (cores > 128)
		cores = 128;
	if (get_long(&fv, "TESSIE_WORKERS", 2 * cores, 1, 256, &n, err, errlen))
		goto out;
	cfg->workers = (int)n;
	if (get_long(&fv, "TESSIE_BODY_MAX", 65536, 1024, 16 * 1024 * 1024,
		&cfg->body_max, err, errlen))
		goto out;
	if (get_long(&fv, "TESSIE_JWT_TTL", 86400, 60, 30 * 86400,
		&cfg->jwt_ttl, err, errlen))
		goto out;
	if (get_long(
		&fv, "TESSIE_LOGIN_MAX_FAILURES", 5, 1, 1000, &n, err, errlen))
		goto out;
	cfg->login_max_failures = (int)n;
	if (get_long(
		&fv, "TESSIE_LOGIN_WINDOW", 900, 1, 86400, &n, err, errlen))
		goto out;
	cfg->login_window = (int)n;
	if (get_long(
		&fv, "TESSIE_FLEET_BUDGET_USD", 10, 0, 100000, &n, err, errlen))
		goto out;
	cfg->fleet_budget_usd = (double)n;
	if (get_long(
		&fv, "TESSIE_FLEET_MAX_INFLIGHT", 16, 1, 256, &n, err, errlen))
		goto out;
	cfg->fleet_max_inflight = (int)n;
	cfg->log_level = LOGL_INFO;
	if ((v = lookup(&fv, "TESSIE_LOG_LEVEL")) != NULL && *v != '\0') {
		if ((cfg->log_level = log_level_parse(v)) == -1) {
			seterr(err, errlen,
			    "TESSIE_LOG_LEVEL must be error, warn, info or "
			    "debug, not \"%s\"",
			    v);
			goto out;
		}
	}
	rc = 0;
out:
	for (size_t i = 0; i < NNAMES; i++)
		free(fv.v[i]);
	if (rc == -1)
		config_free(cfg);
	return rc;
}

int
config_require(const struct config *cfg, int need, char *err, size_t errlen)
{
	if ((need & CFG_NEED_DB) && cfg->database_url == NULL) {
		seterr(err, errlen,
		    "DATABASE_URL is not set (e.g. "
		    "postgresql:///tessie?host=/run/postgresql)");
		return -1;
	}
	if ((need & CFG_NEED_JWT) && cfg->jwt_secret_len == 0) {
		seterr(err, errlen,
		    "JWT_SECRET is not set (generate one with "
		    "\"tessie-admin gen-secrets\")");
		return -1;
	}
	if ((need & CFG_NEED_ENC) && !cfg->has_encryption_key) {
		seterr(err, errlen,
		    "ENCRYPTION_KEY is not set (generate one "
		    "with \"tessie-admin gen-secrets\")");
		return -1;
	}
	return 0;
}

void
config_free(struct config *cfg)
{
	free(cfg->database_url);
	free(cfg->tesla_client_id);
	free(cfg->tesla_client_secret);
	free(cfg->tesla_api_base_url);
	free(cfg->tesla_auth_url);
	free(cfg->tesla_redirect_uri);
	if (cfg->admin_password != NULL) {
		explicit_bzero(
		    cfg->admin_password, strlen(cfg->admin_password));
		free(cfg->admin_password);
	}
	free(cfg->fcgi_socket);
	explicit_bzero(cfg, sizeof(*cfg));
}
