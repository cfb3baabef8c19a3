/*
 * Electricity tariffs of the account:
 *	GET    /api/tariffs[?cursor=&limit=]
 *	POST   /api/tariffs
 *	GET    /api/tariffs/:id
 *	PUT    /api/tariffs/:id
 *	DELETE /api/tariffs/:id
 * A body is {"name": 1..100 characters, "currency": ISO 4217 code (three
 * uppercase letters, "EUR"), "kind": "flat" | "tou", "content": object};
 * PUT is a full replace with the same body.  Names are unique per account
 * (409).  Prices are in currency units, 0 to 1000000.  content by kind:
 *
 *	flat	{"per_kwh": price of a kWh,
 *		 "per_minute": price of a minute plugged in (optional),
 *		 "session_fee": price of a session (optional)}
 *	tou	{"periods": [{"days": [ISO weekdays 1 (Mon) .. 7 (Sun), each
 *				  at most once],
 *			      "from": "HH:MM" (00:00..23:59),
 *			      "to": "HH:MM" after from (up to "24:00"),
 *			      "per_kwh": price of a kWh}, ... (1..64)],
 *		 "default_per_kwh": price of a kWh outside every period}
 *
 * A period covers [from, to) of each of its days, so from must be before
 * to; two periods sharing a day must not overlap.  Shape, type and range
 * errors are 400 naming the field ("content.periods[1].from"); a period
 * ending before it starts or two overlapping periods are 422 naming them.
 *
 * Tariffs imported from Tesla (source "tesla", content verbatim from
 * site_info) are listed but cannot be modified or deleted (409).  Deleting
 * a tariff clears tariff_id of the places and energy sites using it (the
 * schema's ON DELETE SET NULL).  Every query is filtered by the account of
 * the login token: another account's tariff is 404.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fields.h"
#include "handlers.h"
#include "util.h"

#define PRICE_MAX 1000000
#define PERIODS_MAX 64

#define TARIFF_JSON(t)                                                         \
	"json_build_object('id', " t ".id, 'name', " t ".name, "               \
	"'currency', " t ".currency, 'kind', " t ".kind, 'content', " t        \
	".content, 'source', " t ".source, 'created_at', " t                   \
	".created_at, 'updated_at', " t ".updated_at)"

static const struct db_stmt q_list = { "tariffs_list",
	"SELECT " TARIFF_JSON(
	    "t") " FROM tariffs t "
		 "WHERE t.account_id = $1::uuid AND ($2::uuid IS NULL OR "
		 "t.id > $2::uuid) ORDER BY t.id LIMIT $3::int",
	3 };

static const struct db_stmt q_get = { "tariffs_get",
	"SELECT " TARIFF_JSON(
	    "t") " FROM tariffs t "
		 "WHERE t.account_id = $1::uuid AND t.id = $2::uuid",
	2 };

/* Returns the new tariff (one row). */
static const struct db_stmt q_insert = { "tariffs_insert",
	"INSERT INTO tariffs AS t (id, account_id, name, currency, kind, "
	"content) VALUES (coalesce($2::uuid, gen_random_uuid()), $1::uuid, "
	"$3, $4, $5, $6::jsonb) RETURNING " TARIFF_JSON("t"),
	6 };

/*
 * Returns the tariff's source and, when it was manual and so replaced, the
 * new tariff; no row when the account has no such tariff.
 */
static const struct db_stmt q_update = { "tariffs_update",
	"WITH o AS (SELECT id, source FROM tariffs WHERE account_id = "
	"$1::uuid AND id = $2::uuid), "
	"u AS (UPDATE tariffs t SET name = $3, currency = $4, kind = $5, "
	"content = $6::jsonb FROM o WHERE t.id = o.id AND o.source = 'manual' "
	"RETURNING " TARIFF_JSON(
	    "t") " AS j) "
		 "SELECT o.source, (SELECT j FROM u) FROM o",
	6 };

/* Returns the tariff's source and name; deletes it when it was manual. */
static const struct db_stmt q_delete = { "tariffs_delete",
	"WITH o AS (SELECT id, source FROM tariffs WHERE account_id = "
	"$1::uuid AND id = $2::uuid), "
	"d AS (DELETE FROM tariffs t USING o WHERE t.id = o.id AND "
	"o.source = 'manual' RETURNING t.id) "
	"SELECT o.source, (SELECT count(*) FROM d) FROM o",
	2 };

static const struct field tariff_fields[] = {
	{ "name", FIELD_STRING, FIELD_REQUIRED, 1, 100 },
	{ "currency", FIELD_STRING, FIELD_REQUIRED, 3, 3 },
	{ "kind", FIELD_STRING, FIELD_REQUIRED, 1, 8 },
	{ "content", FIELD_OBJECT, FIELD_REQUIRED, 0, 0 },
};

static const struct field flat_fields[] = {
	{ "per_kwh", FIELD_NUMBER, FIELD_REQUIRED, 0, PRICE_MAX },
	{ "per_minute", FIELD_NUMBER, 0, 0, PRICE_MAX },
	{ "session_fee", FIELD_NUMBER, 0, 0, PRICE_MAX },
};

static const struct field tou_fields[] = {
	{ "periods", FIELD_ARRAY, FIELD_REQUIRED, 1, PERIODS_MAX },
	{ "default_per_kwh", FIELD_NUMBER, FIELD_REQUIRED, 0, PRICE_MAX },
};

static const struct field period_fields[] = {
	{ "days", FIELD_ARRAY, FIELD_REQUIRED, 1, 7 },
	{ "from", FIELD_STRING, FIELD_REQUIRED, 5, 5 },
	{ "to", FIELD_STRING, FIELD_REQUIRED, 5, 5 },
	{ "per_kwh", FIELD_NUMBER, FIELD_REQUIRED, 0, PRICE_MAX },
};

static const char *const day_names[] = { "", "Mon", "Tue", "Wed", "Thu", "Fri",
	"Sat", "Sun" };

/* A tou period: minutes since midnight and a bit per ISO weekday. */
struct period {
	int from, to;
	unsigned days;
};

/* Minutes of "HH:MM" (00:00..23:59, or 24:00 when end), else -1. */
static int
parse_hhmm(const char *s, int end)
{
	int h, m;

	if (strlen(s) != 5 || s[2] != ':' || !strchr("012", s[0]) ||
	    !strchr("0123456789", s[1]) || !strchr("012345", s[3]) ||
	    !strchr("0123456789", s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h < 24)
		return h * 60 + m;
	return end && h == 24 && m == 0 ? 24 * 60 : -1;
}

/* Checks period i of a tou content into *pd; 0 or the status replied. */
static int
check_period(struct req *r, const json_t *o, size_t i, struct period *pd)
{
	char where[48];
	size_t k;
	json_t *d;

	snprintf(where, sizeof(where), "content.periods[%zu]", i);
	if (!json_is_object(o))
		return reply_error(
		    r, 400, "invalid_field", "\"%s\" must be an object", where);
	snprintf(where, sizeof(where), "content.periods[%zu].", i);
	if (fields_check_or_reply(
		r, o, where, period_fields, nitems(period_fields)) != 0)
		return r->status;
	pd->days = 0;
	json_array_foreach(json_object_get(o, "days"), k, d)
	{
		json_int_t day = json_integer_value(d);

		if (!json_is_integer(d) || day < 1 || day > 7 ||
		    (pd->days & (1u << day)))
			return reply_error(r, 400, "invalid_field",
			    "\"%sdays\" must list ISO weekdays 1 (Monday) to "
			    "7 (Sunday), each at most once",
			    where);
		pd->days |= 1u << day;
	}
	pd->from = parse_hhmm(json_string_value(json_object_get(o, "from")), 0);
	pd->to = parse_hhmm(json_string_value(json_object_get(o, "to")), 1);
	if (pd->from < 0)
		return reply_error(r, 400, "invalid_field",
		    "\"%sfrom\" must be a time \"HH:MM\" from 00:00 to 23:59",
		    where);
	if (pd->to < 0)
		return reply_error(r, 400, "invalid_field",
		    "\"%sto\" must be a time \"HH:MM\" from 00:00 to 24:00",
		    where);
	if (pd->from >= pd->to)
		return reply_error(r, 422, "invalid_period",
		    "content.periods[%zu] must start before it ends "
		    "(from %s, to %s)",
		    i, json_string_value(json_object_get(o, "from")),
		    json_string_value(json_object_get(o, "to")));
	return 0;
}

/* The first weekday two periods share, or 0. */
static int
shared_day(const struct period *a, const struct period *b)
{
	for (int d = 1; d <= 7; d++)
		if ((a->days & b->days) & (1u << d))
			return d;
	return 0;
}

static int
check_tou(struct req *r, const json_t *content)
{
	struct period pd[PERIODS_MAX];
	const json_t *periods = json_object_get(content, "periods");
	size_t i, j, n = json_array_size(periods);
	int d;

	for (i = 0; i < n; i++)
		if (check_period(r, json_array_get(periods, i), i, &pd[i]) != 0)
			return r->status;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			if (pd[i].from >= pd[j].to || pd[j].from >= pd[i].to ||
			    (d = shared_day(&pd[i], &pd[j])) == 0)
				continue;
			return reply_error(r, 422, "overlapping_periods",
			    "content.periods[%zu] (%s %02d:%02d-%02d:%02d) and "
			    "content.periods[%zu] (%s %02d:%02d-%02d:%02d) "
			    "overlap",
			    i, day_names[d], pd[i].from / 60, pd[i].from % 60,
			    pd[i].to / 60, pd[i].to % 60, j, day_names[d],
			    pd[j].from / 60, pd[j].from % 60, pd[j].to / 60,
			    pd[j].to % 60);
		}
	return 0;
}

/* A validated body as statement parameters $3..$6. */
struct tariff_in {
	char *content; /* freed with the arena */
	const char *p[6];
};

static int
tariff_body(struct req *r, struct tariff_in *in)
{
	const char *cur, *kind;
	json_t *body, *content;

	if ((body = req_json(r)) == NULL ||
	    fields_check_or_reply(
		r, body, "", tariff_fields, nitems(tariff_fields)) != 0)
		return r->status;
	cur = json_string_value(json_object_get(body, "currency"));
	if (strspn(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
		return reply_error(r, 400, "invalid_field",
		    "\"currency\" must be an ISO 4217 code of three uppercase "
		    "letters, e.g. \"EUR\"");
	kind = json_string_value(json_object_get(body, "kind"));
	content = json_object_get(body, "content");
	if (strcmp(kind, "flat") == 0) {
		if (fields_check_or_reply(r, content, "content.", flat_fields,
			nitems(flat_fields)) != 0)
			return r->status;
	} else if (strcmp(kind, "tou") == 0) {
		if (fields_check_or_reply(r, content, "content.", tou_fields,
			nitems(tou_fields)) != 0 ||
		    check_tou(r, content) != 0)
			return r->status;
	} else
		return reply_error(r, 400, "invalid_field",
		    "\"kind\" must be \"flat\" or \"tou\"");
	if ((in->content = json_dumps(content, JSON_COMPACT)) == NULL)
		return reply_error(r, 500, NULL, "out of memory");
	arena_defer(r->arena, free, in->content);
	in->p[0] = r->account_id;
	in->p[1] = NULL;
	in->p[2] = json_string_value(json_object_get(body, "name"));
	in->p[3] = cur;
	in->p[4] = kind;
	in->p[5] = in->content;
	return 0;
}

static void
clear_result(void *res)
{
	PQclear(res);
}

/*
 * Runs stmt for in; on failure replies (409 name_taken for a taken name)
 * and returns NULL, else the result, freed with the request arena.
 */
static PGresult *
tariff_exec(struct req *r, const struct db_stmt *stmt, struct tariff_in *in)
{
	char err[256];
	PGresult *res;
	int status;

	res = db_exec(r->db, stmt, in->p, &status, err, sizeof(err));
	if (res == NULL && status == 409) {
		reply_error(r, 409, "name_taken",
		    "a tariff named \"%s\" already exists", in->p[2]);
		return NULL;
	}
	if (res == NULL) {
		if (status == 503)
			reply_header(r, "Retry-After", "5");
		reply_error(r, status, NULL, "%s", err);
		return NULL;
	}
	arena_defer(r->arena, clear_result, res);
	return res;
}

/* Replies with the tariff at column col of row 0 of res. */
static int
reply_tariff(struct req *r, int status, PGresult *res, int col)
{
	json_t *v;

	if ((v = db_json(res, 0, col)) == NULL)
		return reply_error(r, 500, NULL, "malformed row");
	return reply_json(r, status, v);
}

static int
read_only(struct req *r)
{
	return reply_error(r, 409, "read_only",
	    "this tariff was imported from Tesla and cannot be modified or "
	    "deleted; it follows the energy site's settings");
}

int
h_tariffs_list(struct req *r)
{
	return reply_id_list(r, &q_list, 0);
}

int
h_tariffs_create(struct req *r)
{
	struct tariff_in in;
	PGresult *res;

	if (tariff_body(r, &in) != 0 ||
	    (res = tariff_exec(r, &q_insert, &in)) == NULL)
		return r->status;
	return reply_tariff(r, 201, res, 0);
}

int
h_tariffs_get(struct req *r)
{
	const char *p[2];
	PGresult *res;

	if ((p[1] = req_uuid_param(r, 0, "tariff id")) == NULL)
		return r->status;
	p[0] = r->account_id;
	if ((res = req_exec(r, &q_get, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "tariff not found");
	return reply_tariff(r, 200, res, 0);
}

int
h_tariffs_update(struct req *r)
{
	struct tariff_in in;
	const char *id;
	PGresult *res;

	if ((id = req_uuid_param(r, 0, "tariff id")) == NULL ||
	    tariff_body(r, &in) != 0)
		return r->status;
	in.p[1] = id;
	if ((res = tariff_exec(r, &q_update, &in)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "tariff not found");
	if (strcmp(PQgetvalue(res, 0, 0), "manual") != 0)
		return read_only(r);
	return reply_tariff(r, 200, res, 1);
}

int
h_tariffs_delete(struct req *r)
{
	const char *p[2];
	PGresult *res;

	if ((p[1] = req_uuid_param(r, 0, "tariff id")) == NULL)
		return r->status;
	p[0] = r->account_id;
	if ((res = req_exec(r, &q_delete, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "tariff not found");
	if (strcmp(PQgetvalue(res, 0, 0), "manual") != 0)
		return read_only(r);
	return reply_json(r, 204, NULL);
}
