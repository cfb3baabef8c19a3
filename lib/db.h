/*
 * PostgreSQL access: one connection per process, reconnected when the
 * server comes back, statements prepared once per connection on first use,
 * parameters only, results checked.
 */
#ifndef TESSIE_DB_H
#define TESSIE_DB_H

#include <jansson.h>
#include <libpq-fe.h>

struct req;
struct sbuf;

/* A statement: constant SQL text, prepared under name on first use. */
struct db_stmt {
	const char *name;
	const char *sql;
	int nparams;
};

struct db;

/* A handle for conninfo (copied); connects lazily.  NULL: out of memory. */
struct db *db_new(const char *conninfo);
void db_free(struct db *db);

/* Connects (or reconnects) when needed.  0 when usable, else -1. */
int db_ensure(struct db *db);

/* The connection (NULL before db_ensure() succeeded). */
PGconn *db_conn(struct db *db);

/*
 * Runs stmt with params (text, NULL for SQL NULL).  Returns the result (the
 * caller PQclear()s it) on PGRES_TUPLES_OK or PGRES_COMMAND_OK; else NULL
 * with *status set to the HTTP status the error maps to (409 unique
 * violation, 400 invalid input, 503 connection lost, 500 other) and a
 * message for the client in err.  A lost connection outside a transaction
 * is re-established and the statement retried once.
 */
PGresult *db_exec(struct db *db, const struct db_stmt *stmt,
    const char *const *params, int *status, char *err, size_t errlen);

/* Runs constant, parameterless SQL (BEGIN, COMMIT...); 0 or -1. */
int db_command(struct db *db, const char *sql);

/* Maps a SQLSTATE (or NULL) to the HTTP status of db_exec(). */
int db_sqlstate_status(const char *sqlstate);

/*
 * Parses the json/jsonb text at (row, col) of res; a new reference, or NULL
 * for SQL NULL or a parse failure.
 */
json_t *db_json(const PGresult *res, int row, int col);

/*
 * Replies 200 {"data": [...], "next_cursor": ...} with the JSON in column 0
 * of the first n rows of res, which holds up to n + 1 rows: one more means
 * there is a next page, whose cursor is column 1 of the last row listed
 * when res has one (a cursor made only for paging), else the value of
 * cursor_key in that row's JSON; null without a next page.  The rows go out
 * as PostgreSQL wrote them; imperial converts them first.
 */
int reply_page(struct req *r, const PGresult *res, long n,
    const char *cursor_key, int imperial);

/*
 * Appends len bytes of s to sb as a JSON string: '"' and '\\' escaped,
 * control characters as \u00XX, other bytes (UTF-8) as they are.
 * Returns 0, or -1 when sb has failed.
 */
int db_json_str(struct sbuf *sb, const char *s, size_t len);

/*
 * Appends the rows of res to sb as a JSON array of objects, one per row,
 * keyed by column name with columns c0 to the last, in order.  Values go
 * out as PostgreSQL wrote them, by column type: int2/4/8, float4/8 and
 * numeric as numbers (NaN and infinities as null), bool as true/false,
 * json/jsonb as they are, anything else as a JSON string; SQL NULL as
 * null.  Returns 0, or -1 when sb has failed (over its cap, out of memory).
 */
int db_rows_json(struct sbuf *sb, const PGresult *res, int c0);

/*
 * db_exec for a handler: on failure replies with the mapped error and
 * returns NULL; on success the result is freed with the request arena.
 */
PGresult *req_exec(
    struct req *r, const struct db_stmt *stmt, const char *const *params);

/*
 * req_exec with the statement's plan made once for the connection
 * (plan_cache_mode force_generic_plan while it runs; the setting is sent
 * only when the previous statement ran in the other mode).  PostgreSQL
 * re-plans on every execution a statement whose generic plan it guesses
 * dearer than plans for the values at hand: the history's, whose generic
 * plan is the same index scans, spent 0.34 ms of a 1.3 ms request
 * planning (a week in 500 points: 1,300 against 1,900 requests/s).  Not
 * for everything: the sync of 500 cars took 99 s instead of 3.6 s with
 * every statement (and the PL/pgSQL under it) planned generically.
 */
PGresult *req_exec_generic(
    struct req *r, const struct db_stmt *stmt, const char *const *params);

/*
 * The JSON of column 0 of the one row a handler asked for (caller owns
 * it), or NULL after replying: 404 "<what> not found" without a row, 500
 * when the column is not JSON.
 */
json_t *req_row_json(struct req *r, const PGresult *res, const char *what);

/*
 * GET of one of the account's lists keyed by uuid: ?limit (1 to 500, 100)
 * and ?cursor (the previous page's next_cursor), and ?units when units is
 * set; stmt takes ($1 account, $2 cursor or NULL, $3 limit + 1) and returns
 * a JSON row per item with its "id".  Replies with the page (reply_page).
 */
int reply_id_list(struct req *r, const struct db_stmt *stmt, int units);

#endif
