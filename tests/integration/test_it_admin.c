/*
 * tessie-admin against the test cluster: migrations in order, idempotent,
 * refused when an applied one was edited, all-or-nothing when one fails;
 * password and configuration errors a person can act on.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "stack.h"
#include "util.h"

static char sqldir[256], dburl[1024], admin[1024], first[512];

static int
count_sql_files(void)
{
	struct sbuf o = SBUF_INIT(1 << 16);
	int n;

	sh_run(&o, "ls sql/[0-9][0-9][0-9]_*.sql | wc -l");
	n = atoi(o.buf);
	sbuf_release(&o);
	return n;
}

static void
t_migrate(void)
{
	struct sbuf o = SBUF_INIT(1 << 20);
	char want[64];
	int n = count_sql_files();

	ok(n >= 1, "there are migrations");
	is_int(sh_run(&o, "DATABASE_URL='%s' %s migrate -d %s 2>&1", dburl,
		   admin, sqldir),
	    0, "first migrate succeeds");
	snprintf(want, sizeof(want), "%d migrations applied", n);
	ok(strstr(o.buf, want) != NULL, "every migration applied once");
	is_int(sh_run(&o, "DATABASE_URL='%s' %s migrate -d %s 2>&1", dburl,
		   admin, sqldir),
	    0, "second migrate succeeds");
	ok(strstr(o.buf, "0 migrations applied") != NULL,
	    "second migrate applies nothing");
	sh_run(&o,
	    "%s/psql.sh -d mig_test -c 'SELECT count(*) FROM "
	    "schema_migrations WHERE length(checksum) = 64'",
	    getenv("TEST_STACK_DIR"));
	is_int(atoi(o.buf), n, "each recorded with a SHA-256 checksum");

	/* An applied migration edited afterwards is refused. */
	sh_run(
	    &o, "cp %s %s.bak && echo '-- edited' >> %s", first, first, first);
	is_int(sh_run(&o, "DATABASE_URL='%s' %s migrate -d %s 2>&1", dburl,
		   admin, sqldir),
	    65, "edited migration: exit 65");
	ok(strstr(o.buf, "edited after it was applied") != NULL,
	    "and says which was edited");
	sh_run(&o, "mv %s.bak %s", first, first);

	/* A failing migration leaves nothing behind. */
	sh_run(&o,
	    "printf 'CREATE TABLE half_done (x int);\\nSELECT 1/0;\\n' > "
	    "%s/900_broken.sql",
	    sqldir);
	is_int(sh_run(&o, "DATABASE_URL='%s' %s migrate -d %s 2>&1", dburl,
		   admin, sqldir),
	    65, "failing migration: exit 65");
	ok(strstr(o.buf, "900_broken.sql") != NULL &&
		strstr(o.buf, "division by zero") != NULL,
	    "names the file and the error");
	sh_run(&o,
	    "%s/psql.sh -d mig_test -c \"SELECT "
	    "to_regclass('half_done') IS NULL, max(version) FROM "
	    "schema_migrations\"",
	    getenv("TEST_STACK_DIR"));
	ok(strncmp(o.buf, "t|", 2) == 0, "nothing of it was applied");
	ok(strstr(o.buf, "|900") == NULL, "and it is not recorded");
	sh_run(&o, "rm %s/900_broken.sql", sqldir);

	/* Two migrations with one number. */
	sh_run(&o, "cp %s %s/001_again.sql", first, sqldir);
	is_int(sh_run(&o, "DATABASE_URL='%s' %s migrate -d %s 2>&1", dburl,
		   admin, sqldir),
	    65, "duplicate numbers: exit 65");
	ok(strstr(o.buf, "two migrations numbered 001") != NULL, "and says so");
	sh_run(&o, "rm %s/001_again.sql", sqldir);

	is_int(sh_run(&o, "DATABASE_URL='%s' %s migrate -d /nonexistent 2>&1",
		   dburl, admin),
	    65, "missing folder: exit 65");
	ok(strstr(o.buf, "/nonexistent") != NULL, "names the folder");
	sbuf_release(&o);
}

static void
t_errors(void)
{
	struct sbuf o = SBUF_INIT(1 << 16);

	is_int(sh_run(&o, "TESSIE_ADMIN_PASSWORD=short %s set-password 2>&1",
		   admin),
	    65, "a short password is refused");
	ok(strstr(o.buf, "8 to 1024") != NULL, "with the rule");
	is_int(sh_run(&o,
		   "echo 'a long enough one' | %s set-password --stdin "
		   "-u stdin-user 2>&1",
		   admin),
	    0, "password from standard input");
	is_int(sh_run(&o,
		   "DATABASE_URL='postgresql:///x?host=/nonexistent' "
		   "TESSIE_ADMIN_PASSWORD=long-enough %s set-password "
		   "2>&1",
		   admin),
	    69, "database unreachable: exit 69");
	is_int(sh_run(&o, "JWT_SECRET=tooshort %s check-config 2>&1", admin),
	    78, "short JWT secret: exit 78");
	ok(strstr(o.buf, "JWT_SECRET must be 32 to 256 bytes") != NULL,
	    "names JWT_SECRET and the rule");
	is_int(sh_run(&o, "ENCRYPTION_KEY=abc %s check-config 2>&1", admin), 78,
	    "bad encryption key: exit 78");
	ok(strstr(o.buf, "ENCRYPTION_KEY must be 64 hex digits") != NULL,
	    "names ENCRYPTION_KEY and the rule");
	is_int(sh_run(&o,
		   "TESSIE_ENV_FILE=/nonexistent.env %s check-config "
		   "2>&1",
		   admin),
	    78, "missing env file: exit 78");
	ok(strstr(o.buf, "/nonexistent.env") != NULL, "names the env file");
	is_int(sh_run(&o, "%s gen-secrets", admin), 0, "gen-secrets");
	ok(strncmp(o.buf, "JWT_SECRET=", 11) == 0 &&
		strstr(o.buf, "\nENCRYPTION_KEY=") != NULL &&
		o.len == 11 + 64 + 1 + 15 + 64 + 1,
	    "prints two 64-hex-digit secrets");
	is_int(
	    sh_run(&o, "%s frobnicate 2>&1", admin), 64, "unknown command: 64");
	sbuf_release(&o);
}

static const struct tap_test tests[] = {
	TAP(t_migrate),
	TAP(t_errors),
};

int
main(void)
{
	struct sbuf o = SBUF_INIT(1 << 16);
	const char *url = getenv("DATABASE_URL");
	const char *q;
	int rc;

	/* A database of our own, so the API's tests are not disturbed. */
	snprintf(
	    admin, sizeof(admin), "%s/tessie-admin", getenv("TEST_BUILD_DIR"));
	sh_run(&o,
	    "%s/psql.sh -c 'DROP DATABASE IF EXISTS mig_test' -c "
	    "'CREATE DATABASE mig_test'",
	    getenv("TEST_STACK_DIR"));
	q = strchr(url, '?');
	snprintf(dburl, sizeof(dburl), "postgresql:///mig_test%s", q ? q : "");
	snprintf(
	    sqldir, sizeof(sqldir), "%s/sql-copy", getenv("TEST_STACK_DIR"));
	sh_run(&o, "rm -rf %s && cp -R sql %s", sqldir, sqldir);
	sh_run(&o, "ls %s/001_*.sql | head -n 1", sqldir);
	snprintf(
	    first, sizeof(first), "%.*s", (int)strcspn(o.buf, "\n"), o.buf);
	rc = tap_run(tests, nitems(tests));
	sbuf_release(&o);
	return rc;
}
