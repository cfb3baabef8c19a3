/*
 * libpq access with reconnection and lazily prepared statements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"

/* A page of up to 500 rows of a few KB each. */
#define PAGE_BODY_MAX (16 << 20)
#include "http.h"
#include "log.h"
#include "sbuf.h"
#include "units.h"

#define DB_MAX_PREPARED 128

struct db {
	char *conninfo;
	PGconn *conn;
	const struct db_stmt *prepared[DB_MAX_PREPARED];
	size_t nprepared;
	int generic; /* the session plans prepared statements once */
	time_t down_since, down_logged; /* connection failures, logged */
};

struct db *
db_new(const char *conninfo)
{
	struct db *db = calloc(1, sizeof(*db));

	if (db == NULL)
		return NULL;
	if ((db->conninfo = strdup(conninfo ? conninfo : "")) == NULL) {
		free(db);
		return NULL;
	}
	return db;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->conninfo);
	free(db);
}

static void
db_notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("postgres: %s", msg);
}

/*
 * Whether a failed result (or none) means the connection is gone: libpq
 * keeps CONNECTION_OK after "server closed the connection unexpectedly"
 * (PostgreSQL restarted or killed under us) until the next call, so the
 * status alone does not tell.  A client-side error has no SQLSTATE.
 */
static int
conn_lost(struct db *db, const PGresult *res)
{
	const char *st;

	if (PQstatus(db->conn) != CONNECTION_OK || res == NULL)
		return 1;
	if (PQresultStatus(res) != PGRES_FATAL_ERROR)
		return 0;
	st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	return st == NULL || strncmp(st, "08", 2) == 0 ||
	    strcmp(st, "57P01") == 0 || strcmp(st, "57P02") == 0 ||
	    strcmp(st, "57P03") == 0;
}

/* Drops a lost connection: the next db_ensure() makes a new one. */
static void
conn_drop(struct db *db)
{
	PQfinish(db->conn);
	db->conn = NULL;
}

static int
db_command_raw(struct db *db, const char *sql)
{
	PGresult *res = PQexec(db->conn, sql);
	int rc = 0;

	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_error("\"%s\" failed: %s", sql,
		    res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
		rc = -1;
	}
	PQclear(res);
	return rc;
}

int
db_ensure(struct db *db)
{
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	db->nprepared = 0;
	db->generic = 0;
	if (db->conn != NULL) {
		PQreset(db->conn);
	} else {
		db->conn = PQconnectdb(db->conninfo);
		if (db->conn != NULL)
			PQsetNoticeProcessor(db->conn, db_notice, NULL);
	}
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		/*
		 * Once, then once a minute while it lasts: an outage under
		 * load would otherwise write a line per request (30,000 in
		 * three seconds, tests/integration/faults.sh).
		 */
		time_t now = time(NULL);

		if (db->down_since == 0 || now - db->down_logged >= 60) {
			log_error("database connection failed%s: %s",
			    db->down_since ? " (still)" : "",
			    db->conn ? PQerrorMessage(db->conn)
				     : "out of memory");
			db->down_logged = now;
		}
		if (db->down_since == 0)
			db->down_since = now;
		return -1;
	}
	if (db->down_since != 0) {
		log_warn("database connection back after %lld s",
		    (long long)(time(NULL) - db->down_since));
		db->down_since = 0;
	}
	/* Every timestamp leaves the database as RFC 3339 in UTC. */
	if (db_command_raw(db, "SET TIME ZONE 'UTC'") == -1) {
		PQfinish(db->conn);
		db->conn = NULL;
		return -1;
	}
	log_debug("connected to the database");
	return 0;
}

PGconn *
db_conn(struct db *db)
{
	return db->conn;
}

int
db_sqlstate_status(const char *st)
{
	if (st == NULL)
		return 503;
	if (strcmp(st, "23505") == 0) /* unique_violation */
		return 409;
	if (strncmp(st, "22", 2) == 0) /* data exception: bad input */
		return 400;
	if (strcmp(st, "23503") == 0 || strcmp(st, "23514") == 0 ||
	    strcmp(st, "23502") == 0) /* foreign key, check, not null */
		return 422;
	if (strncmp(st, "08", 2) == 0 || strcmp(st, "57P01") == 0 ||
	    strcmp(st, "57P02") == 0 || strcmp(st, "57P03") == 0)
		return 503; /* connection, admin shutdown */
	return 500;
}

static int
is_prepared(struct db *db, const struct db_stmt *stmt)
{
	for (size_t i = 0; i < db->nprepared; i++)
		if (db->prepared[i] == stmt)
			return 1;
	return 0;
}

static PGresult *
exec_once(struct db *db, const struct db_stmt *stmt, const char *const *params,
    int generic)
{
	PGresult *res;

	if (db->generic != generic) {
		res = PQexec(db->conn,
		    generic ? "SET plan_cache_mode = force_generic_plan"
			    : "SET plan_cache_mode = auto");
		if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
			return res;
		PQclear(res);
		db->generic = generic;
	}

	if (!is_prepared(db, stmt)) {
		res = PQprepare(
		    db->conn, stmt->name, stmt->sql, stmt->nparams, NULL);
		if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
			return res;
		PQclear(res);
		if (db->nprepared < DB_MAX_PREPARED)
			db->prepared[db->nprepared++] = stmt;
		else
			log_warn("more than %d statements prepared",
			    DB_MAX_PREPARED);
	}
	return PQexecPrepared(
	    db->conn, stmt->name, stmt->nparams, params, NULL, NULL, 0);
}

static PGresult *
db_exec_as(struct db *db, const struct db_stmt *stmt, const char *const *params,
    int generic, int *status, char *err, size_t errlen)
{
	const char *state;
	PGresult *res = NULL;
	int attempt, idle;

	for (attempt = 0; attempt < 2; attempt++) {
		if (db_ensure(db) == -1) {
			*status = 503;
			snprintf(err, errlen, "database unavailable");
			return NULL;
		}
		idle = PQtransactionStatus(db->conn) == PQTRANS_IDLE;
		res = exec_once(db, stmt, params, generic);
		if (res != NULL &&
		    (PQresultStatus(res) == PGRES_TUPLES_OK ||
			PQresultStatus(res) == PGRES_COMMAND_OK))
			return res;
		/* Retry once on a connection that died between requests. */
		if (idle && attempt == 0 && conn_lost(db, res)) {
			PQclear(res);
			res = NULL;
			conn_drop(db);
			log_warn("database connection lost; reconnecting");
			continue;
		}
		break;
	}
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	*status = PQstatus(db->conn) != CONNECTION_OK
	    ? 503
	    : db_sqlstate_status(state);
	if (*status >= 500)
		log_error("statement \"%s\" failed: %s", stmt->name,
		    res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
	switch (*status) {
	case 409:
		snprintf(err, errlen, "already exists");
		break;
	case 400:
		snprintf(err, errlen, "invalid value: %s",
		    res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
			: "unknown");
		break;
	case 422:
		snprintf(err, errlen, "constraint violated: %s",
		    res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
			: "unknown");
		break;
	case 503:
		snprintf(err, errlen, "database unavailable");
		break;
	default:
		snprintf(err, errlen, "database error");
	}
	PQclear(res);
	return NULL;
}

PGresult *
db_exec(struct db *db, const struct db_stmt *stmt, const char *const *params,
    int *status, char *err, size_t errlen)
{
	return db_exec_as(db, stmt, params, 0, status, err, errlen);
}

int
db_command(struct db *db, const char *sql)
{
	PGresult *res;
	int idle;

	if (db_ensure(db) == -1)
		return -1;
	idle = PQtransactionStatus(db->conn) == PQTRANS_IDLE;
	res = PQexec(db->conn, sql);
	/* Retry once on a connection that died between requests. */
	if (idle && (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) &&
	    conn_lost(db, res)) {
		PQclear(res);
		conn_drop(db);
		log_warn("database connection lost; reconnecting");
		if (db_ensure(db) == -1)
			return -1;
		res = PQexec(db->conn, sql);
	}
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_error("\"%s\" failed: %s", sql,
		    res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

static void
clear_result(void *p)
{
	PQclear(p);
}

static PGresult *
req_exec_as(struct req *r, const struct db_stmt *stmt,
    const char *const *params, int generic)
{
	char err[256];
	PGresult *res;
	int status;

	res =
	    db_exec_as(r->db, stmt, params, generic, &status, err, sizeof(err));
	if (res == NULL) {
		if (status == 503)
			reply_header(r, "Retry-After", "5");
		reply_error(r, status, NULL, "%s", err);
		return NULL;
	}
	arena_defer(r->arena, clear_result, res);
	return res;
}

PGresult *
req_exec(struct req *r, const struct db_stmt *stmt, const char *const *params)
{
	return req_exec_as(r, stmt, params, 0);
}

PGresult *
req_exec_generic(
    struct req *r, const struct db_stmt *stmt, const char *const *params)
{
	return req_exec_as(r, stmt, params, 1);
}

int
reply_id_list(struct req *r, const struct db_stmt *stmt, int units)
{
	const char *p[3];
	char limit[24];
	PGresult *res;
	long n;
	int imperial = 0;

	if (req_query_long(r, "limit", 100, 1, 500, &n) != 0 ||
	    (units && units_from_query(r, &imperial) != 0) ||
	    req_uuid_cursor(r, &p[1]) != 0)
		return r->status;
	snprintf(limit, sizeof(limit), "%ld", n + 1);
	p[0] = r->account_id;
	p[2] = limit;
	if ((res = req_exec(r, stmt, p)) == NULL)
		return r->status;
	return reply_page(r, res, n, "id", imperial);
}

json_t *
req_row_json(struct req *r, const PGresult *res, const char *what)
{
	json_t *v;

	if (PQntuples(res) == 0) {
		reply_error(r, 404, NULL, "%s not found", what);
		return NULL;
	}
	if ((v = db_json(res, 0, 0)) == NULL)
		reply_error(r, 500, NULL, "malformed row");
	return v;
}

json_t *
db_json(const PGresult *res, int row, int col)
{
	if (row >= PQntuples(res) || col >= PQnfields(res) ||
	    PQgetisnull(res, row, col))
		return NULL;
	return json_loadb(PQgetvalue(res, row, col),
	    (size_t)PQgetlength(res, row, col), 0, NULL);
}

/* The next page's cursor as JSON text (a new string, "null" when none). */
static char *
page_cursor(const PGresult *res, long n, const char *cursor_key)
{
	json_t *row, *v = NULL;
	char *text;

	if (PQntuples(res) <= n || n < 1)
		return strdup("null");
	if (PQnfields(res) > 1) /* in its own column */
		v = PQgetisnull(res, (int)n - 1, 1)
		    ? json_null()
		    : json_string(PQgetvalue(res, (int)n - 1, 1));
	else if ((row = db_json(res, (int)n - 1, 0)) != NULL) {
		v = json_incref(json_object_get(row, cursor_key));
		json_decref(row);
	}
	text = json_dumps(v ? v : json_null(), JSON_ENCODE_ANY);
	json_decref(v);
	return text;
}

int
reply_page(struct req *r, const PGresult *res, long n, const char *cursor_key,
    int imperial)
{
	struct sbuf sb;
	char *cursor, *text;
	int rows = PQntuples(res), status;

	sbuf_init(&sb, PAGE_BODY_MAX);
	sbuf_adds(&sb, "{\"data\":[");
	for (int i = 0; i < rows && i < n; i++) {
		json_t *v;

		if (i > 0)
			sbuf_adds(&sb, ",");
		if (PQgetisnull(res, i, 0)) {
			sbuf_adds(&sb, "null");
		} else if (!imperial) {
			/* PostgreSQL's JSON as it is: no parse, no copy. */
			sbuf_add(&sb, PQgetvalue(res, i, 0),
			    (size_t)PQgetlength(res, i, 0));
		} else if ((v = db_json(res, i, 0)) == NULL) {
			sbuf_adds(&sb, "null");
		} else {
			units_to_imperial(v);
			text = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
			json_decref(v);
			if (text == NULL || sbuf_adds(&sb, text) == -1)
				sb.failed = 1;
			free(text);
		}
	}
	cursor = page_cursor(res, n, cursor_key);
	sbuf_adds(&sb, "],\"next_cursor\":");
	if (cursor == NULL)
		sb.failed = 1;
	else
		sbuf_adds(&sb, cursor);
	free(cursor);
	sbuf_adds(&sb, "}");
	status = sb.failed
	    ? reply_error(r, 500, NULL, "the page does not fit in a response")
	    : reply_json_text(r, 200, sb.buf, sb.len);
	sbuf_release(&sb);
	return status;
}

/* The PostgreSQL types db_rows_json() writes other than as strings. */
#define OID_BOOL 16
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_JSON 114
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700
#define OID_JSONB 3802

enum json_kind { JK_STRING, JK_NUMBER, JK_BOOL, JK_JSON };

static enum json_kind
json_kind(Oid type)
{
	switch (type) {
	case OID_BOOL:
		return JK_BOOL;
	case OID_INT8:
	case OID_INT2:
	case OID_INT4:
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		return JK_NUMBER;
	case OID_JSON:
	case OID_JSONB:
		return JK_JSON;
	default:
		return JK_STRING;
	}
}

/*
 * A chunk of output in front of an sbuf: small appends are plain copies,
 * the sbuf sees one append per chunk.
 */
struct jbuf {
	struct sbuf *sb;
	size_t n;
	char buf[8192];
};

static void
jb_flush(struct jbuf *j)
{
	sbuf_add(j->sb, j->buf, j->n);
	j->n = 0;
}

static void
jb_put(struct jbuf *j, const char *s, size_t len)
{
	if (len > sizeof(j->buf) - j->n) {
		jb_flush(j);
		if (len > sizeof(j->buf)) {
			sbuf_add(j->sb, s, len);
			return;
		}
	}
	memcpy(j->buf + j->n, s, len);
	j->n += len;
}

/* Appends s as a JSON string (see db_json_str()). */
static void
jb_str(struct jbuf *j, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t i, done = 0;
	unsigned char c;

	jb_put(j, "\"", 1);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jb_put(j, s + done, i - done);
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			jb_put(j, esc, 2);
			esc[1] = 'u';
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			jb_put(j, esc, 6);
		}
		done = i + 1;
	}
	jb_put(j, s + done, len - done);
	jb_put(j, "\"", 1);
}

int
db_json_str(struct sbuf *sb, const char *s, size_t len)
{
	struct jbuf j;

	j.sb = sb;
	j.n = 0;
	jb_str(&j, s, len);
	jb_flush(&j);
	return sb->failed ? -1 : 0;
}

/* A column of db_rows_json(): its key as ',"name":' in keys, its kind. */
struct json_col {
	size_t off, len;
	enum json_kind kind;
};

/* Appends the value at (row, col) of res as JSON of kind k. */
static void
json_value(
    struct jbuf *j, const PGresult *res, int row, int col, enum json_kind k)
{
	const char *v;
	size_t n;

	if (PQgetisnull(res, row, col)) {
		jb_put(j, "null", 4);
		return;
	}
	v = PQgetvalue(res, row, col);
	n = (size_t)PQgetlength(res, row, col);
	switch (k) {
	case JK_NUMBER:
		/* NaN, Infinity and -Infinity have no JSON number. */
		if (n == 0 || v[0] == 'N' || v[0] == 'I' ||
		    (v[0] == '-' && v[1] == 'I'))
			jb_put(j, "null", 4);
		else
			jb_put(j, v, n);
		break;
	case JK_BOOL:
		if (v[0] == 't')
			jb_put(j, "true", 4);
		else
			jb_put(j, "false", 5);
		break;
	case JK_JSON:
		jb_put(j, v, n);
		break;
	default:
		jb_str(j, v, n);
	}
}

int
db_rows_json(struct sbuf *sb, const PGresult *res, int c0)
{
	struct sbuf keys = SBUF_INIT(1 << 20);
	struct json_col *cols = NULL;
	int ncols, rows = PQntuples(res), i, c;
	const char *name;
	struct jbuf *j;

	if (c0 < 0)
		c0 = 0;
	ncols = PQnfields(res) > c0 ? PQnfields(res) - c0 : 0;
	if ((j = malloc(sizeof(*j))) == NULL ||
	    (ncols > 0 &&
		(cols = calloc((size_t)ncols, sizeof(*cols))) == NULL))
		sb->failed = 1;
	for (c = 0; cols != NULL && c < ncols; c++) {
		name = PQfname(res, c0 + c);
		cols[c].off = keys.len;
		sbuf_addc(&keys, ',');
		db_json_str(&keys, name, strlen(name));
		sbuf_addc(&keys, ':');
		cols[c].len = keys.len - cols[c].off;
		cols[c].kind = json_kind(PQftype(res, c0 + c));
	}
	if (keys.failed)
		sb->failed = 1;
	if (j != NULL && !sb->failed) {
		j->sb = sb;
		j->n = 0;
		jb_put(j, "[", 1);
		for (i = 0; i < rows && !sb->failed; i++) {
			jb_put(j, i > 0 ? ",{" : "{", i > 0 ? 2 : 1);
			for (c = 0; c < ncols; c++) {
				/* The first key goes without its comma. */
				jb_put(j, keys.buf + cols[c].off + (c == 0),
				    cols[c].len - (c == 0));
				json_value(j, res, i, c0 + c, cols[c].kind);
			}
			jb_put(j, "}", 1);
		}
		jb_put(j, "]", 1);
		jb_flush(j);
	}
	free(j);
	free(cols);
	sbuf_release(&keys);
	return sb->failed ? -1 : 0;
}
