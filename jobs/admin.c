/*
 * tessie-admin: set-up tasks for a person or a script.
 *
 *	tessie-admin migrate [-d sql-dir]
 *	tessie-admin set-password [-u user] [--stdin]
 *	tessie-admin gen-secrets
 *	tessie-admin gen-password
 *	tessie-admin check-config
 *
 * Configuration comes from the environment and $TESSIE_ENV_FILE as for
 * every program.  Exit codes follow sysexits(3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auth.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "util.h"

#ifndef TESSIE_SQL_DIR
#define TESSIE_SQL_DIR "/usr/local/share/tessie-stats/sql"
#endif

#define EX_USAGE 64
#define EX_DATAERR 65
#define EX_UNAVAILABLE 69
#define EX_SOFTWARE 70
#define EX_CONFIG 78

#define PASSWORD_MIN 8

static const struct db_stmt q_set_password = { "admin_set_password",
	"INSERT INTO accounts (username, password_hash) VALUES ($1, $2) "
	"ON CONFLICT (username) DO UPDATE SET password_hash = "
	"EXCLUDED.password_hash, updated_at = now()",
	2 };

static void
usage(void)
{
	fprintf(stderr,
	    "usage: tessie-admin migrate [-d sql-dir]\n"
	    "       tessie-admin set-password [-u user] [--stdin]\n"
	    "       tessie-admin gen-secrets\n"
	    "       tessie-admin gen-password\n"
	    "       tessie-admin check-config\n");
	exit(EX_USAGE);
}

static int
load(struct config *cfg, int need)
{
	char err[512];

	if (config_load(cfg, NULL, err, sizeof(err)) == -1 ||
	    config_require(cfg, need, err, sizeof(err)) == -1) {
		fprintf(stderr, "tessie-admin: %s\n", err);
		return -1;
	}
	log_init("tessie-admin", cfg->log_level);
	return 0;
}

static struct db *
connect_db(const struct config *cfg)
{
	struct db *db = db_new(cfg->database_url);

	if (db == NULL || db_ensure(db) == -1) {
		fprintf(stderr,
		    "tessie-admin: cannot connect to the database "
		    "named by DATABASE_URL\n");
		db_free(db);
		return NULL;
	}
	return db;
}

static int
cmd_migrate(int argc, char *argv[])
{
	const char *dir = getenv("TESSIE_SQL_DIR");
	struct config cfg;
	struct stat st;
	struct db *db;
	char err[1024];
	int n;

	if (argc == 3 && strcmp(argv[1], "-d") == 0)
		dir = argv[2];
	else if (argc != 1)
		usage();
	if (dir == NULL)
		dir = stat("sql", &st) == 0 && S_ISDIR(st.st_mode)
		    ? "sql"
		    : TESSIE_SQL_DIR;
	if (load(&cfg, CFG_NEED_DB) == -1)
		return EX_CONFIG;
	if ((db = connect_db(&cfg)) == NULL) {
		config_free(&cfg);
		return EX_UNAVAILABLE;
	}
	n = migrate_run(db_conn(db), dir, err, sizeof(err));
	if (n < 0)
		fprintf(stderr, "tessie-admin: %s\n", err);
	else
		printf("%d migration%s applied\n", n, n == 1 ? "" : "s");
	db_free(db);
	config_free(&cfg);
	return n < 0 ? EX_DATAERR : 0;
}

static int
read_password_stdin(char *buf, size_t len)
{
	size_t n;

	if (fgets(buf, (int)len, stdin) == NULL)
		return -1;
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == len - 1)
		return -1; /* longer than the buffer */
	buf[n] = '\0';
	return 0;
}

static int
cmd_set_password(int argc, char *argv[])
{
	const char *user = "admin", *pw = NULL, *p[2];
	char line[1100], hash[PASSWORD_HASH_MAX], err[256];
	int from_stdin = 0, status, rc = EX_SOFTWARE;
	struct config cfg;
	PGresult *res;
	struct db *db;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--stdin") == 0)
			from_stdin = 1;
		else if (strcmp(argv[i], "-u") == 0 && i + 1 < argc)
			user = argv[++i];
		else
			usage();
	}
	if (load(&cfg, CFG_NEED_DB) == -1)
		return EX_CONFIG;
	if (from_stdin) {
		if (read_password_stdin(line, sizeof(line)) == -1) {
			fprintf(stderr,
			    "tessie-admin: no password on standard "
			    "input (or longer than 1024 bytes)\n");
			rc = EX_DATAERR;
			goto out;
		}
		pw = line;
	} else {
		pw = cfg.admin_password;
	}
	if (pw == NULL) {
		fprintf(stderr,
		    "tessie-admin: set TESSIE_ADMIN_PASSWORD or "
		    "pass --stdin\n");
		rc = EX_USAGE;
		goto out;
	}
	if (strlen(pw) < PASSWORD_MIN || strlen(pw) > 1024) {
		fprintf(stderr,
		    "tessie-admin: the password must be %d to "
		    "1024 bytes long\n",
		    PASSWORD_MIN);
		rc = EX_DATAERR;
		goto out;
	}
	if (password_hash(pw, hash, sizeof(hash)) == -1) {
		fprintf(stderr, "tessie-admin: cannot hash the password\n");
		goto out;
	}
	if ((db = connect_db(&cfg)) == NULL) {
		rc = EX_UNAVAILABLE;
		goto out;
	}
	p[0] = user;
	p[1] = hash;
	res = db_exec(db, &q_set_password, p, &status, err, sizeof(err));
	if (res == NULL) {
		fprintf(stderr,
		    "tessie-admin: cannot store the password: %s "
		    "(did \"tessie-admin migrate\" run?)\n",
		    err);
	} else {
		printf("password set for \"%s\"\n", user);
		rc = 0;
	}
	PQclear(res);
	db_free(db);
out:
	explicit_bzero(line, sizeof(line));
	config_free(&cfg);
	return rc;
}

static int
print_random_hex(const char *name, size_t n)
{
	uint8_t raw[64];
	char hex[129];

	if (n > sizeof(raw) || random_bytes(raw, n) == -1)
		return -1;
	hex_encode(raw, n, hex);
	printf("%s%s%s\n", name ? name : "", name ? "=" : "", hex);
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(hex, sizeof(hex));
	return 0;
}

static int
cmd_gen_secrets(void)
{
	if (print_random_hex("JWT_SECRET", 32) == -1 ||
	    print_random_hex("ENCRYPTION_KEY", 32) == -1) {
		fprintf(stderr, "tessie-admin: no randomness available\n");
		return EX_SOFTWARE;
	}
	return 0;
}

static int
cmd_gen_password(void)
{
	uint8_t raw[15];
	char pw[32];

	if (random_bytes(raw, sizeof(raw)) == -1 ||
	    b64url_encode(raw, sizeof(raw), pw, sizeof(pw)) < 0) {
		fprintf(stderr, "tessie-admin: no randomness available\n");
		return EX_SOFTWARE;
	}
	printf("%s\n", pw);
	return 0;
}

static int
cmd_check_config(void)
{
	struct config cfg;

	if (load(&cfg, CFG_NEED_DB | CFG_NEED_JWT) == -1)
		return EX_CONFIG;
	printf("configuration is valid (%d workers, port %d%s)\n", cfg.workers,
	    cfg.http_port,
	    cfg.has_encryption_key ? "" : ", no ENCRYPTION_KEY yet");
	config_free(&cfg);
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc < 2)
		usage();
	log_init("tessie-admin", LOGL_WARN);
	if (strcmp(argv[1], "migrate") == 0)
		return cmd_migrate(argc - 1, argv + 1);
	if (strcmp(argv[1], "set-password") == 0)
		return cmd_set_password(argc - 1, argv + 1);
	if (strcmp(argv[1], "gen-secrets") == 0 && argc == 2)
		return cmd_gen_secrets();
	if (strcmp(argv[1], "gen-password") == 0 && argc == 2)
		return cmd_gen_password();
	if (strcmp(argv[1], "check-config") == 0 && argc == 2)
		return cmd_check_config();
	usage();
	return EX_USAGE;
}
