/* The migration runner. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "log.h"
#include "migrate.h"
#include "util.h"

#define MIGRATION_MAX 1000
#define MIGRATION_FILE_MAX (4 * 1024 * 1024)

struct migration {
	int version;
	char name[256];
};

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Only NNN_lowercase_name.sql files are migrations. */
static int
parse_name(const char *name, int *version)
{
	size_t len = strlen(name);

	if (len < 9 || len >= 256 || strcmp(name + len - 4, ".sql") != 0)
		return 0;
	for (int i = 0; i < 3; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	if (name[3] != '_')
		return 0;
	for (size_t i = 4; i < len - 4; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
			(name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			return 0;
	*version =
	    (name[0] - '0') * 100 + (name[1] - '0') * 10 + (name[2] - '0');
	return 1;
}

static int
cmp_migration(const void *a, const void *b)
{
	return ((const struct migration *)a)->version -
	    ((const struct migration *)b)->version;
}

static int
list_dir(
    const char *dir, struct migration *m, size_t *n, char *err, size_t errlen)
{
	struct dirent *de;
	DIR *d;

	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		seterr(err, errlen, "cannot open migrations folder \"%s\": %s",
		    dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		int v;

		if (!parse_name(de->d_name, &v))
			continue;
		if (*n == MIGRATION_MAX) {
			closedir(d);
			seterr(err, errlen, "too many migrations");
			return -1;
		}
		m[*n].version = v;
		snprintf(m[*n].name, sizeof(m[*n].name), "%s", de->d_name);
		(*n)++;
	}
	closedir(d);
	qsort(m, *n, sizeof(*m), cmp_migration);
	for (size_t i = 1; i < *n; i++)
		if (m[i].version == m[i - 1].version) {
			seterr(err, errlen,
			    "two migrations numbered %03d: \"%s\" and \"%s\"",
			    m[i].version, m[i - 1].name, m[i].name);
			return -1;
		}
	return 0;
}

static char *
read_file(
    const char *dir, const char *name, size_t *len, char *err, size_t errlen)
{
	char path[4096], *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL) {
		seterr(err, errlen, "cannot open \"%s\": %s", path,
		    strerror(errno));
		return NULL;
	}
	buf = malloc(MIGRATION_FILE_MAX + 1);
	*len = buf ? fread(buf, 1, MIGRATION_FILE_MAX + 1, f) : 0;
	if (buf == NULL || ferror(f) || *len > MIGRATION_FILE_MAX) {
		seterr(err, errlen, "cannot read \"%s\" (over 4 MiB?)", path);
		free(buf);
		buf = NULL;
	} else {
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

static void
sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	hex_encode(md, 32, out);
}

/* Runs constant SQL; 0, or -1 with the server's message in err. */
static int
run(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		seterr(err, errlen, "%s", PQresultErrorMessage(res));
		rc = -1;
	}
	PQclear(res);
	return rc;
}

static int
apply(PGconn *conn, const char *dir, const struct migration *m, const char *sum,
    const char *sql, char *err, size_t errlen)
{
	char version[8], e2[512];
	const char *p[3];
	PGresult *res;

	if (run(conn, "BEGIN", e2, sizeof(e2)) == -1)
		goto fail;
	if (run(conn, sql, e2, sizeof(e2)) == -1) {
		run(conn, "ROLLBACK", err, errlen);
		goto fail;
	}
	snprintf(version, sizeof(version), "%d", m->version);
	p[0] = version;
	p[1] = m->name;
	p[2] = sum;
	res = PQexecParams(conn,
	    "INSERT INTO schema_migrations (version, name, checksum) "
	    "VALUES ($1::int, $2, $3)",
	    3, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(e2, sizeof(e2), "%s", PQresultErrorMessage(res));
		PQclear(res);
		run(conn, "ROLLBACK", err, errlen);
		goto fail;
	}
	PQclear(res);
	if (run(conn, "COMMIT", e2, sizeof(e2)) == -1)
		goto fail;
	log_info("applied migration %s", m->name);
	return 0;
fail:
	seterr(err, errlen,
	    "migration \"%s/%s\" failed, nothing of it "
	    "was applied: %s",
	    dir, m->name, e2);
	return -1;
}

int
migrate_run(PGconn *conn, const char *dir, char *err, size_t errlen)
{
	struct migration *m = NULL;
	PGresult *res = NULL;
	size_t n = 0, len;
	int applied = 0, rc = -1, locked = 0;
	char *sql = NULL, sum[65];

	if ((m = calloc(MIGRATION_MAX, sizeof(*m))) == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	if (list_dir(dir, m, &n, err, errlen) == -1)
		goto out;
	if (run(conn, "SELECT pg_advisory_lock(7351001)", err, errlen) == -1)
		goto out;
	locked = 1;
	if (run(conn,
		"SET client_min_messages = warning; "
		"CREATE TABLE IF NOT EXISTS schema_migrations ("
		"version int PRIMARY KEY, name text NOT NULL, "
		"checksum text NOT NULL, "
		"applied_at timestamptz NOT NULL DEFAULT now())",
		err, errlen) == -1)
		goto out;
	res = PQexec(conn,
	    "SELECT version, name, checksum "
	    "FROM schema_migrations ORDER BY version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		seterr(err, errlen, "%s", PQresultErrorMessage(res));
		goto out;
	}
	/* Every applied migration must still be there, unchanged. */
	for (int i = 0; i < PQntuples(res); i++) {
		int v = atoi(PQgetvalue(res, i, 0));
		size_t j;

		for (j = 0; j < n && m[j].version != v; j++)
			;
		if (j == n) {
			seterr(err, errlen,
			    "the database has migration %s applied, which is "
			    "not in \"%s\" (is this an older release?)",
			    PQgetvalue(res, i, 1), dir);
			goto out;
		}
		if ((sql = read_file(dir, m[j].name, &len, err, errlen)) ==
		    NULL)
			goto out;
		sha256_hex(sql, len, sum);
		free(sql);
		sql = NULL;
		if (strcmp(sum, PQgetvalue(res, i, 2)) != 0) {
			seterr(err, errlen,
			    "migration \"%s\" was edited after it was applied "
			    "(checksum differs): restore it and put the "
			    "change in a new migration",
			    m[j].name);
			goto out;
		}
		m[j].version = -m[j].version - 1; /* mark as applied */
	}
	for (size_t j = 0; j < n; j++) {
		if (m[j].version < 0)
			continue;
		if ((sql = read_file(dir, m[j].name, &len, err, errlen)) ==
		    NULL)
			goto out;
		if (strlen(sql) != len) {
			seterr(err, errlen, "\"%s\" contains a NUL byte",
			    m[j].name);
			goto out;
		}
		sha256_hex(sql, len, sum);
		if (apply(conn, dir, &m[j], sum, sql, err, errlen) == -1)
			goto out;
		free(sql);
		sql = NULL;
		applied++;
	}
	rc = applied;
out:
	if (locked)
		run(conn, "SELECT pg_advisory_unlock(7351001)", sum,
		    sizeof(sum));
	PQclear(res);
	free(sql);
	free(m);
	return rc;
}
