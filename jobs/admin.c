/*
 * tessie-admin: set-up tasks for a person or a script.
 *
 *	tessie-admin migrate [-d sql-dir]
 *	tessie-admin set-password [-u user] [--stdin]
 *	tessie-admin gen-secrets
 *	tessie-admin gen-password
 *	tessie-admin check-config
 *	tessie-admin backup DIR
 *	tessie-admin restore FILE.dump [--clean]
 *
 * Configuration comes from the environment and $TESSIE_ENV_FILE as for
 * every program.  Exit codes follow sysexits(3).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "tokens.h"
#include "util.h"

#ifndef TESSIE_SQL_DIR
#define TESSIE_SQL_DIR "/usr/local/share/tessie-stats/sql"
#endif

#define EX_USAGE 64
#define EX_DATAERR 65
#define EX_NOINPUT 66
#define EX_UNAVAILABLE 69
#define EX_CANTCREAT 73
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
	    "       tessie-admin check-config\n"
	    "       tessie-admin backup DIR\n"
	    "       tessie-admin restore FILE.dump [--clean]\n");
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

/* Runs argv (a PostgreSQL client program) and waits; its exit status. */
static int
run_tool(const char *const argv[])
{
	pid_t pid;
	int st;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "tessie-admin: cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * backup DIR: DIR/tessie-<UTC time>.dump, PostgreSQL's custom format
 * (pg_dump; restore with the restore command or pg_restore), and beside
 * it, readable by its owner only, <same>.keys: the ENCRYPTION_KEY and its
 * version, without which the Tesla tokens in the dump cannot be opened.
 * The key belongs somewhere else than the dump: with both, anyone can use
 * the Tesla account; without the key, a restored service asks for the
 * Tesla login again and keeps all its data.
 */
static int
cmd_backup(int argc, char *argv[])
{
	char stamp[32], dump[4096], keys[4096], hex[65];
	const char *pg[] = { "pg_dump", "--format=custom", "--no-owner",
		"--no-privileges", "--file", dump, "--dbname", NULL, NULL };
	struct config cfg;
	struct stat st;
	struct tm tm;
	time_t now = time(NULL);
	FILE *f;
	int fd, rc;

	if (argc != 2)
		usage();
	if (load(&cfg, CFG_NEED_DB) == -1)
		return EX_CONFIG;
	if (mkdir(argv[1], 0700) == -1 && errno != EEXIST) {
		fprintf(stderr, "tessie-admin: cannot create %s: %s\n", argv[1],
		    strerror(errno));
		config_free(&cfg);
		return EX_CANTCREAT;
	}
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
	snprintf(dump, sizeof(dump), "%s/tessie-%s.dump", argv[1], stamp);
	snprintf(keys, sizeof(keys), "%s/tessie-%s.keys", argv[1], stamp);
	pg[7] = cfg.database_url;
	if ((rc = run_tool(pg)) != 0) {
		fprintf(stderr,
		    "tessie-admin: pg_dump failed (%d); no backup\n", rc);
		unlink(dump);
		config_free(&cfg);
		return EX_UNAVAILABLE;
	}
	if (!cfg.has_encryption_key) {
		printf(
		    "database: %s\nno ENCRYPTION_KEY is set: the dump holds no "
		    "Tesla token to open\n",
		    dump);
		config_free(&cfg);
		return 0;
	}
	fd = open(keys, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "tessie-admin: cannot write %s: %s\n", keys,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		config_free(&cfg);
		return EX_CANTCREAT;
	}
	hex_encode(cfg.encryption_key, sizeof(cfg.encryption_key), hex);
	fprintf(f,
	    "# The key of the Tesla tokens in %s.\n"
	    "# Keep this file apart from the dump: with both, anyone can use "
	    "the\n# Tesla account.  Restore: put these lines in the service's "
	    "environment.\nENCRYPTION_KEY=%s\nENCRYPTION_KEY_VERSION=%d\n",
	    dump, hex, cfg.encryption_key_version);
	explicit_bzero(hex, sizeof(hex));
	rc = fclose(f);
	if (rc != 0 || stat(dump, &st) != 0) {
		fprintf(stderr, "tessie-admin: cannot write %s\n", keys);
		config_free(&cfg);
		return EX_CANTCREAT;
	}
	printf("database: %s (%lld bytes)\n"
	       "key:      %s\n"
	       "Keep the key apart from the dump (another disk, a password "
	       "manager):\nwith both, anyone can use the Tesla account; "
	       "without the key, a restored\nservice keeps all its data and "
	       "asks for the Tesla login again.\n",
	    dump, (long long)st.st_size, keys);
	config_free(&cfg);
	return 0;
}

static const struct db_stmt q_tables = { "admin_tables",
	"SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", 0 };
static const struct db_stmt q_sealed = { "admin_sealed",
	"SELECT account_id, encode(refresh_token_enc, 'hex'), key_version "
	"FROM tesla_tokens",
	0 };

/* Whether the configured key opens every token stored; prints it. */
static void
check_tokens(struct db *db, const struct config *cfg)
{
	char err[256], hex[16384];
	PGresult *res;
	int st, n, good = 0;

	if ((res = db_exec(db, &q_sealed, NULL, &st, err, sizeof(err))) ==
	    NULL) {
		printf("Tesla tokens: not checked (%s)\n", err);
		return;
	}
	n = PQntuples(res);
	for (int i = 0; i < n && cfg->has_encryption_key; i++) {
		struct config c = *cfg;
		char *plain;

		c.encryption_key_version = atoi(PQgetvalue(res, i, 2));
		snprintf(hex, sizeof(hex), "\\x%s", PQgetvalue(res, i, 1));
		plain = tokens_open_hex(
		    &c, "refresh_token", PQgetvalue(res, i, 0), hex);
		if (plain != NULL) {
			good++;
			explicit_bzero(plain, strlen(plain));
			free(plain);
		}
	}
	PQclear(res);
	if (n == 0)
		printf("Tesla tokens: none in the backup\n");
	else if (good == n)
		printf("Tesla tokens: %d, opened by this ENCRYPTION_KEY\n", n);
	else
		printf("Tesla tokens: %d of %d do not open with this "
		       "ENCRYPTION_KEY: set the one of the backup's .keys "
		       "file, or log in to Tesla again (Settings)\n",
		    n - good, n);
}

/*
 * restore FILE.dump [--clean]: into the database of DATABASE_URL, which
 * must hold no table unless --clean (then what the dump has replaces what
 * is there); then the migrations this version has beyond the dump's, and
 * whether the configured key opens the Tesla tokens.
 */
static int
cmd_restore(int argc, char *argv[])
{
	const char *pg[] = { "pg_restore", "--no-owner", "--no-privileges",
		"--exit-on-error", "--single-transaction", "--dbname", NULL,
		NULL, NULL, NULL, NULL };
	const char *dir = getenv("TESSIE_SQL_DIR");
	struct config cfg;
	struct stat st;
	struct db *db;
	PGresult *res;
	char err[1024];
	int clean = 0, rc, n, k = 7;

	if (argc == 3 && strcmp(argv[2], "--clean") == 0)
		clean = 1;
	else if (argc != 2)
		usage();
	if (stat(argv[1], &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(
		    stderr, "tessie-admin: %s: no such dump file\n", argv[1]);
		return EX_NOINPUT;
	}
	if (load(&cfg, CFG_NEED_DB) == -1)
		return EX_CONFIG;
	if ((db = connect_db(&cfg)) == NULL) {
		config_free(&cfg);
		return EX_UNAVAILABLE;
	}
	res = db_exec(db, &q_tables, NULL, &rc, err, sizeof(err));
	n = res ? atoi(PQgetvalue(res, 0, 0)) : -1;
	PQclear(res);
	if (n != 0 && !clean) {
		fprintf(stderr,
		    "tessie-admin: the database %s; restore into an empty one, "
		    "or give --clean to replace what it holds\n",
		    n < 0 ? "cannot be read" : "is not empty");
		db_free(db);
		config_free(&cfg);
		return EX_DATAERR;
	}
	pg[6] = cfg.database_url;
	if (clean) {
		pg[k++] = "--clean";
		pg[k++] = "--if-exists";
	}
	pg[k] = argv[1];
	if ((rc = run_tool(pg)) != 0) {
		fprintf(stderr,
		    "tessie-admin: pg_restore failed (%d); nothing was "
		    "restored\n",
		    rc);
		db_free(db);
		config_free(&cfg);
		return EX_DATAERR;
	}
	if (dir == NULL)
		dir = stat("sql", &st) == 0 && S_ISDIR(st.st_mode)
		    ? "sql"
		    : TESSIE_SQL_DIR;
	db_free(db); /* the prepared statements went with --clean */
	if ((db = connect_db(&cfg)) == NULL) {
		config_free(&cfg);
		return EX_UNAVAILABLE;
	}
	n = migrate_run(db_conn(db), dir, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "tessie-admin: restored, but %s\n", err);
		db_free(db);
		config_free(&cfg);
		return EX_DATAERR;
	}
	printf("restored %s (%d migration%s applied since)\n", argv[1], n,
	    n == 1 ? "" : "s");
	check_tokens(db, &cfg);
	db_free(db);
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
	if (strcmp(argv[1], "backup") == 0)
		return cmd_backup(argc - 1, argv + 1);
	if (strcmp(argv[1], "restore") == 0)
		return cmd_restore(argc - 1, argv + 1);
	usage();
	return EX_USAGE;
}
