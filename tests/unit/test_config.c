/* Unit tests for lib/config.c: the env file parser and config_load. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "sbuf.h"
#include "util.h"

#include "../tap.h"

/* Every variable config_load reads, plus the one naming the env file. */
static const char *const all_names[] = { "DATABASE_URL", "JWT_SECRET",
	"ENCRYPTION_KEY", "ENCRYPTION_KEY_VERSION", "TESLA_CLIENT_ID",
	"TESLA_CLIENT_SECRET", "TESLA_API_BASE_URL", "TESLA_AUTH_URL",
	"TESSIE_ADMIN_PASSWORD", "TESSIE_FCGI_SOCKET", "TESSIE_HTTP_PORT",
	"TESSIE_WORKERS", "TESSIE_BODY_MAX", "TESSIE_JWT_TTL",
	"TESSIE_LOGIN_MAX_FAILURES", "TESSIE_LOGIN_WINDOW", "TESSIE_LOG_LEVEL",
	"TESSIE_ENV_FILE" };

#define SECRET32 "0123456789abcdef0123456789abcdef"
#define KEY64                                                                  \
	"000102030405060708090a0b0c0d0e0f"                                     \
	"F0E1D2C3B4A5968778695A4B3C2D1E0F"

static void
clear_env(void)
{
	for (size_t i = 0; i < nitems(all_names); i++)
		unsetenv(all_names[i]);
}

/* Copies s into buf (n bytes) with non-printable bytes as '?', for TAP. */
static const char *
vis(const char *s, char *buf, size_t n)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < n; i++)
		buf[i] = s[i] >= ' ' && s[i] <= '~' ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* Collects "NAME=value;" for each pair into the sbuf ctx. */
static int
collect(void *ctx, const char *name, const char *value)
{
	struct sbuf *sb = ctx;

	return sbuf_addf(sb, "%s=%s;", name, value);
}

static int
refuse(void *ctx, const char *name, const char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return -1;
}

static void
t_parse_env(void)
{
	static const struct {
		const char *text;
		int want;
		const char *pairs; /* on success */
		const char *err; /* a part of the message, on failure */
	} cases[] = {
		{ "", 0, "", NULL },
		{ "A=1", 0, "A=1;", NULL },
		{ "A=1\nB=2\n", 0, "A=1;B=2;", NULL },
		{ "A=1\r\nB=2\r\n", 0, "A=1;B=2;", NULL },
		{ "# comment\n\nA=1\n   # indented\n\t\n", 0, "A=1;", NULL },
		{ "#A=1\n", 0, "", NULL },
		{ "  A=1  \n", 0, "A=1;", NULL },
		{ "export X=1\n", 0, "X=1;", NULL },
		{ "export=1\n", 0, "export=1;", NULL },
		{ "exported=1\n", 0, "exported=1;", NULL },
		{ "A=\"hello world\"\n", 0, "A=hello world;", NULL },
		{ "A='it # is'\n", 0, "A=it # is;", NULL },
		{ "A=\"it's\"\n", 0, "A=it's;", NULL },
		{ "A='say \"hi\"'\n", 0, "A=say \"hi\";", NULL },
		{ "A=\"x\"   \n", 0, "A=x;", NULL },
		{ "A=\"\"\n", 0, "A=;", NULL },
		{ "A=\n", 0, "A=;", NULL },
		{ "A=x=y\n", 0, "A=x=y;", NULL },
		{ "A_B9=1\n_X=2\n", 0, "A_B9=1;_X=2;", NULL },
		{ "A=1\nA=2\n", 0, "A=1;A=2;", NULL },
		{ "A=\"unterminated\n", -1, NULL, "line 1" },
		{ "A=1\nB='oops\nC=3'\n", -1, NULL, "line 2" },
		{ "A=\"x\" trailing\n", -1, NULL, "line 1" },
		{ "\n# c\nA='x'y\n", -1, NULL, "line 3" },
		{ "1X=2\n", -1, NULL, "line 1" },
		{ "A=1\n\n\nNOEQUALS\n", -1, NULL, "line 4" },
		{ "A B=1\n", -1, NULL, "line 1" },
		{ "=1\n", -1, NULL, "line 1" },
		{ "A-B=1\n", -1, NULL, "line 1" },
		{ "A.B=1\n", -1, NULL, "line 1" },
		{ "A =1\n", -1, NULL, "line 1" },
		{ "export \n", -1, NULL, "line 1" },
		{ "A=1\nB=2\n3=x\n", -1, NULL, "line 3" },
	};
	struct sbuf sb;
	char err[256], msg[128], v[64];
	int rc;

	for (size_t i = 0; i < nitems(cases); i++) {
		sbuf_init(&sb, 4096);
		err[0] = '\0';
		rc = config_parse_env(
		    cases[i].text, collect, &sb, err, sizeof(err));
		snprintf(msg, sizeof(msg), "parse \"%s\"",
		    vis(cases[i].text, v, sizeof(v)));
		is_int(rc, cases[i].want, msg);
		if (cases[i].want == 0) {
			is_str(sb.buf, cases[i].pairs, "pairs");
		} else if (!ok(strstr(err, cases[i].err) != NULL,
			       "error names the line")) {
			printf(
			    "#   err \"%s\", want \"%s\"\n", err, cases[i].err);
		}
		sbuf_release(&sb);
	}
}

static void
t_parse_env_limits(void)
{
	char *text, err[256];
	struct sbuf sb;
	size_t n;

	/* A value of 4095 bytes fits, 4096 does not. */
	if ((text = malloc(8192)) == NULL) {
		ok(0, "malloc");
		return;
	}
	for (n = 4095; n <= 4096; n++) {
		memcpy(text, "V=", 2);
		memset(text + 2, 'v', n);
		text[2 + n] = '\0';
		sbuf_init(&sb, 16384);
		is_int(config_parse_env(text, collect, &sb, err, sizeof(err)),
		    n == 4095 ? 0 : -1,
		    n == 4095 ? "4095-byte value" : "4096-byte value refused");
		sbuf_release(&sb);
	}
	/* A 127-byte name fits, 128 does not. */
	for (n = 127; n <= 128; n++) {
		memset(text, 'N', n);
		memcpy(text + n, "=1", 3);
		sbuf_init(&sb, 16384);
		is_int(config_parse_env(text, collect, &sb, err, sizeof(err)),
		    n == 127 ? 0 : -1,
		    n == 127 ? "127-byte name" : "128-byte name refused");
		sbuf_release(&sb);
	}
	free(text);
	is_int(config_parse_env("A=1\nB=2\n", refuse, NULL, err, sizeof(err)),
	    -1, "callback failure is an error");
	ok(strstr(err, "line 1") != NULL, "at the first line");
}

/* Writes text to a new file in /tmp; its name goes into path. */
static int
write_tmp(const char *text, char *path, size_t len)
{
	size_t n = strlen(text);
	int fd;

	snprintf(path, len, "/tmp/tessie-test-config-XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return -1;
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

struct load_case {
	const char *env[8]; /* name, value, ..., NULL */
	const char *file; /* env file text, or NULL for none */
	int want;
	const char *err; /* a part of the message, on failure */
};

/*
 * Sets the case's environment and env file and runs config_load.  Returns
 * what it returned; err holds its message.
 */
static int
load(const struct load_case *c, struct config *cfg, char *err, size_t len)
{
	char path[64];
	int rc;

	clear_env();
	for (size_t i = 0; i + 1 < nitems(c->env) && c->env[i] != NULL; i += 2)
		setenv(c->env[i], c->env[i + 1], 1);
	err[0] = '\0';
	if (c->file == NULL) {
		rc = config_load(cfg, NULL, err, len);
	} else if (write_tmp(c->file, path, sizeof(path)) == -1) {
		snprintf(err, len, "cannot write a temporary file");
		rc = -2;
	} else {
		rc = config_load(cfg, path, err, len);
		unlink(path);
	}
	clear_env();
	return rc;
}

static void
t_load_errors(void)
{
	static const struct load_case cases[] = {
		{ { "JWT_SECRET", "short" }, NULL, -1, "JWT_SECRET" },
		{ { "JWT_SECRET", "0123456789abcdef0123456789abcde" }, NULL, -1,
		    "JWT_SECRET" },
		{ { "ENCRYPTION_KEY", "0" }, NULL, -1, "ENCRYPTION_KEY" },
		{ { "ENCRYPTION_KEY",
		      "000102030405060708090a0b0c0d0e0f"
		      "000102030405060708090a0b0c0d0e0" },
		    NULL, -1, "ENCRYPTION_KEY" },
		{ { "ENCRYPTION_KEY",
		      "000102030405060708090a0b0c0d0e0f"
		      "000102030405060708090a0b0c0d0e0f0" },
		    NULL, -1, "ENCRYPTION_KEY" },
		{ { "ENCRYPTION_KEY",
		      "000102030405060708090a0b0c0d0e0f"
		      "000102030405060708090a0b0c0d0e0g" },
		    NULL, -1, "ENCRYPTION_KEY" },
		{ { "ENCRYPTION_KEY",
		      "000102030405060708090a0b0c0d0e0f"
		      "000102030405060708090a0b0c0d0e 0" },
		    NULL, -1, "ENCRYPTION_KEY" },
		{ { "TESSIE_HTTP_PORT", "0" }, NULL, -1, "TESSIE_HTTP_PORT" },
		{ { "TESSIE_HTTP_PORT", "70000" }, NULL, -1,
		    "TESSIE_HTTP_PORT" },
		{ { "TESSIE_HTTP_PORT", "65536" }, NULL, -1,
		    "TESSIE_HTTP_PORT" },
		{ { "TESSIE_HTTP_PORT", "80x" }, NULL, -1, "TESSIE_HTTP_PORT" },
		{ { "TESSIE_HTTP_PORT", "-80" }, NULL, -1, "TESSIE_HTTP_PORT" },
		{ { "TESSIE_HTTP_PORT", "x" }, NULL, -1, "TESSIE_HTTP_PORT" },
		{ { "TESSIE_HTTP_PORT", "99999999999999999999999" }, NULL, -1,
		    "TESSIE_HTTP_PORT" },
		{ { "TESSIE_LOG_LEVEL", "loud" }, NULL, -1,
		    "TESSIE_LOG_LEVEL" },
		{ { "TESSIE_LOG_LEVEL", "INFO" }, NULL, -1,
		    "TESSIE_LOG_LEVEL" },
		{ { "TESSIE_WORKERS", "0" }, NULL, -1, "TESSIE_WORKERS" },
		{ { "TESSIE_BODY_MAX", "1023" }, NULL, -1, "TESSIE_BODY_MAX" },
		{ { "TESSIE_JWT_TTL", "59" }, NULL, -1, "TESSIE_JWT_TTL" },
		{ { "ENCRYPTION_KEY_VERSION", "256" }, NULL, -1,
		    "ENCRYPTION_KEY_VERSION" },
		/* An error after strings were taken frees them. */
		{ { "DATABASE_URL", "postgresql:///t", "TESLA_CLIENT_ID", "c",
		      "TESSIE_HTTP_PORT", "0" },
		    NULL, -1, "TESSIE_HTTP_PORT" },
		/* Bad values from the file are errors too. */
		{ { NULL }, "TESSIE_HTTP_PORT=abc\n", -1, "TESSIE_HTTP_PORT" },
		{ { NULL }, "JWT_SECRET=short\n", -1, "JWT_SECRET" },
		/* A file syntax error names the file and the line. */
		{ { NULL }, "# ok\nDATABASE_URL='x\n", -1, "line 2" },
		{ { NULL }, "A=1\nnot a line\n", -1,
		    "/tmp/tessie-test-config-" },
		/* A missing file named by TESSIE_ENV_FILE. */
		{ { "TESSIE_ENV_FILE", "/tmp/tessie-test-config-missing.env" },
		    NULL, -1, "/tmp/tessie-test-config-missing.env" },
	};
	struct config cfg;
	char err[512], msg[128];
	int rc;

	for (size_t i = 0; i < nitems(cases); i++) {
		memset(&cfg, 0x5a, sizeof(cfg));
		rc = load(&cases[i], &cfg, err, sizeof(err));
		snprintf(msg, sizeof(msg), "case %zu: %s=\"%s\"%s", i,
		    cases[i].env[0] ? cases[i].env[0] : "(file)",
		    cases[i].env[1] ? cases[i].env[1] : "",
		    cases[i].file ? " (file)" : "");
		is_int(rc, -1, msg);
		if (!ok(strstr(err, cases[i].err) != NULL, "error names it"))
			printf(
			    "#   err \"%s\", want \"%s\"\n", err, cases[i].err);
		ok(cfg.database_url == NULL && cfg.tesla_client_id == NULL &&
			cfg.jwt_secret_len == 0,
		    "cfg is cleared on failure");
		if (rc == 0)
			config_free(&cfg);
	}
}

static void
t_load_missing_file(void)
{
	static const char path[] = "/tmp/tessie-test-config-no-such-file.env";
	struct config cfg;
	char err[512];

	clear_env();
	unlink(path);
	is_int(
	    config_load(&cfg, path, err, sizeof(err)), -1, "missing env file");
	ok(strstr(err, path) != NULL, "error names the file");
	ok(strstr(err, "cannot open") != NULL, "and says why");
}

static void
t_load_values(void)
{
	static const uint8_t key[32] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
		0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
		0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69,
		0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f };
	static const struct {
		struct load_case c;
		int port;
		const char *db;
		size_t secret_len;
		int has_key;
		int log_level;
	} cases[] = {
		/* Defaults. */
		{ { { NULL }, NULL, 0, NULL }, 8080, NULL, 0, 0, LOGL_INFO },
		{ { { "TESSIE_HTTP_PORT", "" }, NULL, 0, NULL }, 8080, NULL, 0,
		    0, LOGL_INFO },
		{ { { "TESSIE_HTTP_PORT", "1" }, NULL, 0, NULL }, 1, NULL, 0, 0,
		    LOGL_INFO },
		{ { { "TESSIE_HTTP_PORT", "65535" }, NULL, 0, NULL }, 65535,
		    NULL, 0, 0, LOGL_INFO },
		{ { { "TESSIE_LOG_LEVEL", "debug" }, NULL, 0, NULL }, 8080,
		    NULL, 0, 0, LOGL_DEBUG },
		{ { { "TESSIE_LOG_LEVEL", "error" }, NULL, 0, NULL }, 8080,
		    NULL, 0, 0, LOGL_ERROR },
		{ { { "JWT_SECRET", SECRET32, "ENCRYPTION_KEY", KEY64 }, NULL,
		      0, NULL },
		    8080, NULL, 32, 1, LOGL_INFO },
		/* File values when the environment has none. */
		{ { { NULL },
		      "# settings\nexport DATABASE_URL='postgresql:///f'\n"
		      "JWT_SECRET=\"" SECRET32 "\"\nENCRYPTION_KEY=" KEY64
		      "\nTESSIE_HTTP_PORT=9000\nTESSIE_LOG_LEVEL=warn\n"
		      "UNKNOWN_NAME=ignored\n",
		      0, NULL },
		    9000, "postgresql:///f", 32, 1, LOGL_WARN },
		/* The environment wins over the file. */
		{ { { "TESSIE_HTTP_PORT", "9100", "DATABASE_URL",
			"postgresql:///env" },
		      "DATABASE_URL=postgresql:///f\nTESSIE_HTTP_PORT=9000\n"
		      "TESSIE_LOG_LEVEL=debug\n",
		      0, NULL },
		    9100, "postgresql:///env", 0, 0, LOGL_DEBUG },
		/* A bad file value is never read when the environment wins. */
		{ { { "TESSIE_HTTP_PORT", "9100" }, "TESSIE_HTTP_PORT=0\n", 0,
		      NULL },
		    9100, NULL, 0, 0, LOGL_INFO },
		/* The last of two file lines wins. */
		{ { { NULL }, "TESSIE_HTTP_PORT=1\nTESSIE_HTTP_PORT=2\n", 0,
		      NULL },
		    2, NULL, 0, 0, LOGL_INFO },
	};
	struct config cfg;
	char err[512], msg[64];
	int rc;

	for (size_t i = 0; i < nitems(cases); i++) {
		rc = load(&cases[i].c, &cfg, err, sizeof(err));
		snprintf(msg, sizeof(msg), "case %zu loads", i);
		if (!ok(rc == 0, msg)) {
			printf("#   err \"%s\"\n", err);
			continue;
		}
		is_int(cfg.http_port, cases[i].port, "http_port");
		is_str(cfg.database_url, cases[i].db, "database_url");
		is_int(
		    cfg.jwt_secret_len, cases[i].secret_len, "jwt_secret_len");
		if (cases[i].secret_len == 32)
			ok(memcmp(cfg.jwt_secret, SECRET32, 32) == 0,
			    "jwt_secret bytes");
		is_int(cfg.has_encryption_key, cases[i].has_key,
		    "has_encryption_key");
		if (cases[i].has_key)
			ok(memcmp(cfg.encryption_key, key, 32) == 0,
			    "encryption_key decoded from hex");
		is_int(cfg.log_level, cases[i].log_level, "log_level");
		is_int(cfg.body_max, 65536, "body_max default");
		is_int(cfg.jwt_ttl, 86400, "jwt_ttl default");
		is_int(cfg.encryption_key_version, 1, "key version default");
		is_int(cfg.login_max_failures, 5, "login_max_failures");
		is_int(cfg.login_window, 900, "login_window default");
		is_int(cfg.workers, 2 * sysconf(_SC_NPROCESSORS_ONLN),
		    "workers default: 2 x cores");
		config_free(&cfg);
	}
}

static void
t_load_secret_bounds(void)
{
	static const struct {
		size_t len;
		int want;
	} cases[] = {
		{ 31, -1 },
		{ 32, 0 },
		{ 33, 0 },
		{ 256, 0 },
		{ 257, -1 },
	};
	char secret[300], err[512], msg[64];
	struct config cfg;
	int rc;

	for (size_t i = 0; i < nitems(cases); i++) {
		memset(secret, 's', cases[i].len);
		secret[cases[i].len] = '\0';
		clear_env();
		setenv("JWT_SECRET", secret, 1);
		rc = config_load(&cfg, NULL, err, sizeof(err));
		clear_env();
		snprintf(
		    msg, sizeof(msg), "JWT_SECRET of %zu bytes", cases[i].len);
		is_int(rc, cases[i].want, msg);
		if (rc == 0) {
			is_int(cfg.jwt_secret_len, cases[i].len, "length");
			config_free(&cfg);
		} else {
			ok(strstr(err, "JWT_SECRET") != NULL, "error names it");
		}
	}
}

static void
t_require(void)
{
	static const struct {
		int db, jwt, enc; /* present */
		int need;
		int want;
		const char *err;
	} cases[] = {
		{ 0, 0, 0, 0, 0, NULL },
		{ 0, 0, 0, CFG_NEED_DB, -1, "DATABASE_URL" },
		{ 0, 0, 0, CFG_NEED_JWT, -1, "JWT_SECRET" },
		{ 0, 0, 0, CFG_NEED_ENC, -1, "ENCRYPTION_KEY" },
		{ 1, 0, 0, CFG_NEED_DB | CFG_NEED_JWT, -1, "JWT_SECRET" },
		{ 0, 1, 0, CFG_NEED_DB | CFG_NEED_JWT, -1, "DATABASE_URL" },
		{ 1, 1, 0, CFG_NEED_DB | CFG_NEED_JWT | CFG_NEED_ENC, -1,
		    "ENCRYPTION_KEY" },
		{ 1, 1, 0, CFG_NEED_DB | CFG_NEED_JWT, 0, NULL },
		{ 1, 1, 1, CFG_NEED_DB | CFG_NEED_JWT | CFG_NEED_ENC, 0, NULL },
		{ 0, 0, 1, CFG_NEED_ENC, 0, NULL },
	};
	static char url[] = "postgresql:///t";
	struct config cfg;
	char err[256], msg[64];
	int rc;

	for (size_t i = 0; i < nitems(cases); i++) {
		memset(&cfg, 0, sizeof(cfg));
		if (cases[i].db)
			cfg.database_url = url;
		if (cases[i].jwt)
			cfg.jwt_secret_len = 32;
		cfg.has_encryption_key = cases[i].enc;
		err[0] = '\0';
		rc = config_require(&cfg, cases[i].need, err, sizeof(err));
		snprintf(
		    msg, sizeof(msg), "case %zu: need %#x", i, cases[i].need);
		is_int(rc, cases[i].want, msg);
		if (cases[i].err != NULL)
			ok(strstr(err, cases[i].err) != NULL, cases[i].err);
	}
}

static const struct tap_test tests[] = {
	TAP(t_parse_env),
	TAP(t_parse_env_limits),
	TAP(t_load_errors),
	TAP(t_load_missing_file),
	TAP(t_load_values),
	TAP(t_load_secret_bounds),
	TAP(t_require),
};

int
main(void)
{
	/* The harness may carry real settings: start from none. */
	clear_env();
	return tap_run(tests, nitems(tests));
}
