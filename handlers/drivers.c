/*
 * Drivers, their attribution rules, and who drove a drive
 * (docs/analytics.md, "Drivers"):
 *	GET    /api/drivers[?cursor=&limit=]
 *	POST   /api/drivers			{"name"}
 *	PUT    /api/drivers/:id			{"name"}
 *	DELETE /api/drivers/:id
 *	GET    /api/drivers/:id/stats?from=&to=&period=&units=
 *	GET    /api/drivers/:id/rules
 *	POST   /api/drivers/:id/rules		a rule, below
 *	DELETE /api/drivers/:id/rules/:rule_id
 *	PUT    /api/drives/:id/driver		{"driver_id": uuid or null}
 *	POST   /api/drives/attribute		{"vehicle_id"?, "from"?, "to"?}
 * A rule is {"name"?, "vehicle_id"?, "place_id"?, "weekdays"?: ISO days
 * 1..7, unique, "start_time"?, "end_time"?: "HH:MM" (both or neither, not
 * equal), "priority"?: 0..1000000, "enabled"?: boolean}.  Names are unique
 * per account (409); a rule with the same criteria and priority as another
 * driver's enabled rule contradicts it (409).  Every query is filtered by
 * the account of the login token: another account's rows are 404, or 422
 * when referenced from a body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fields.h"
#include "fleet_parse.h"
#include "handlers.h"
#include "units.h"
#include "util.h"

#define DRIVER_JSON                                                            \
	"json_build_object('id', id, 'name', name, 'created_at', created_at, " \
	"'updated_at', updated_at)"

#define RULE_JSON                                                              \
	"json_build_object('id', id, 'driver_id', driver_id, 'name', name, "   \
	"'vehicle_id', vehicle_id, 'place_id', place_id, 'weekdays', "         \
	"weekdays, 'start_time', to_char(start_time, 'HH24:MI'), "             \
	"'end_time', to_char(end_time, 'HH24:MI'), 'priority', priority, "     \
	"'enabled', enabled, 'specificity', tessie_rule_specificity(x), "      \
	"'created_at', created_at)"

static const struct db_stmt q_list = { "drivers_list",
	"SELECT " DRIVER_JSON " FROM drivers "
	"WHERE account_id = $1::uuid AND ($2::uuid IS NULL OR id > $2::uuid) "
	"ORDER BY id LIMIT $3::int",
	3 };

static const struct db_stmt q_insert = { "drivers_insert",
	"INSERT INTO drivers (account_id, name) VALUES ($1::uuid, $2) "
	"RETURNING " DRIVER_JSON,
	2 };

static const struct db_stmt q_update = { "drivers_update",
	"UPDATE drivers SET name = $3 WHERE account_id = $1::uuid "
	"AND id = $2::uuid RETURNING " DRIVER_JSON,
	3 };

static const struct db_stmt q_delete = { "drivers_delete",
	"DELETE FROM drivers WHERE account_id = $1::uuid AND id = $2::uuid "
	"RETURNING id",
	2 };

static const struct db_stmt q_exists = { "drivers_exists",
	"SELECT 1 FROM drivers WHERE account_id = $1::uuid AND id = $2::uuid",
	2 };

/* Per local period of the account's time zone, newest first. */
static const struct db_stmt q_stats = { "drivers_stats",
	"SELECT json_build_object('period', to_char(date_trunc($5, "
	"d.started_at AT TIME ZONE a.time_zone), 'YYYY-MM-DD'), "
	"'drives', count(*), 'distance_km', coalesce(sum(d.distance_km::"
	"numeric), 0), 'energy_kwh', coalesce(sum(d.energy_used_kwh::numeric), "
	"0), 'efficiency_wh_per_km', (1000 * sum(d.energy_used_kwh::numeric) "
	"FILTER (WHERE d.distance_km > 0) / nullif(sum(d.distance_km::numeric) "
	"FILTER (WHERE d.distance_km > 0 AND d.energy_used_kwh IS NOT NULL), "
	"0))::float8, "
	"'duration_s', coalesce(sum("
	"extract(epoch FROM d.ended_at - d.started_at)), 0)::bigint, "
	"'cost', NULL::numeric) "
	"FROM drives d JOIN drivers r ON r.id = d.driver_id "
	"JOIN accounts a ON a.id = r.account_id "
	"WHERE r.account_id = $1::uuid AND r.id = $2::uuid "
	"AND ($3::timestamptz IS NULL OR d.started_at >= $3::timestamptz) "
	"AND ($4::timestamptz IS NULL OR d.started_at < $4::timestamptz) "
	"GROUP BY date_trunc($5, d.started_at AT TIME ZONE "
	"a.time_zone) ORDER BY date_trunc($5, d.started_at AT TIME ZONE "
	"a.time_zone) DESC",
	5 };

static const struct db_stmt q_rules = { "drivers_rules",
	"SELECT " RULE_JSON " FROM driver_rules x WHERE account_id = $1::uuid "
	"AND driver_id = $2::uuid ORDER BY priority, created_at, id",
	2 };

/*
 * One row: whether the driver, vehicle and place are the account's, the
 * enabled rule of another driver the new one would contradict, and the
 * new rule (NULL unless everything holds).
 */
static const struct db_stmt q_rule_insert = { "drivers_rule_insert",
	"WITH c AS (SELECT EXISTS (SELECT 1 FROM drivers WHERE account_id = "
	"$1::uuid AND id = $2::uuid) AS drv, ($4::uuid IS NULL OR EXISTS ("
	"SELECT 1 FROM vehicles WHERE account_id = $1::uuid AND id = "
	"$4::uuid)) AS veh, ($5::uuid IS NULL OR EXISTS (SELECT 1 FROM places "
	"WHERE account_id = $1::uuid AND id = $5::uuid)) AS pl, (SELECT "
	"json_build_object('id', o.id, 'name', o.name) FROM driver_rules o "
	"WHERE $10::boolean AND o.account_id = $1::uuid AND o.enabled AND "
	"o.driver_id <> $2::uuid AND o.vehicle_id IS NOT DISTINCT FROM "
	"$4::uuid AND o.place_id IS NOT DISTINCT FROM $5::uuid AND o.weekdays "
	"@> $6::smallint[] AND o.weekdays <@ $6::smallint[] AND o.start_time "
	"IS NOT DISTINCT FROM $7::time AND o.end_time IS NOT DISTINCT FROM "
	"$8::time AND o.priority = $9::int ORDER BY o.created_at, o.id "
	"LIMIT 1) AS clash), ins AS (INSERT INTO driver_rules AS x ("
	"account_id, driver_id, name, vehicle_id, place_id, weekdays, "
	"start_time, end_time, priority, enabled) SELECT $1::uuid, $2::uuid, "
	"$3, $4::uuid, $5::uuid, $6::smallint[], $7::time, $8::time, "
	"$9::int, $10::boolean FROM c WHERE c.drv AND c.veh AND c.pl AND "
	"c.clash IS NULL RETURNING " RULE_JSON ") "
	"SELECT c.drv, c.veh, c.pl, c.clash, (SELECT * FROM ins) FROM c",
	10 };

static const struct db_stmt q_rule_delete = { "drivers_rule_delete",
	"DELETE FROM driver_rules WHERE account_id = $1::uuid "
	"AND driver_id = $2::uuid AND id = $3::uuid RETURNING id",
	3 };

/* One row: whether the drive and the driver are the account's, the drive. */
static const struct db_stmt q_assign = { "drivers_assign",
	"WITH c AS (SELECT EXISTS (SELECT 1 FROM drives d JOIN vehicles v ON "
	"v.id = d.vehicle_id WHERE v.account_id = $1::uuid AND d.id = "
	"$2::uuid) AS drv, ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM "
	"drivers WHERE account_id = $1::uuid AND id = $3::uuid)) AS who), "
	"up AS (UPDATE drives d SET driver_id = $3::uuid, driver_rule_id = "
	"NULL, attribution = CASE WHEN $3::uuid IS NOT NULL THEN 'manual' END "
	"FROM c WHERE c.drv AND c.who AND d.id = $2::uuid RETURNING "
	"json_build_object('id', d.id, 'driver_id', d.driver_id, "
	"'driver_rule_id', d.driver_rule_id, 'attribution', d.attribution)) "
	"SELECT c.drv, c.who, (SELECT * FROM up) FROM c",
	3 };

static const struct db_stmt q_attribute = { "drivers_attribute",
	"SELECT ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM vehicles WHERE "
	"account_id = $1::uuid AND id = $2::uuid)), CASE WHEN $2::uuid IS "
	"NULL OR EXISTS (SELECT 1 FROM vehicles WHERE account_id = $1::uuid "
	"AND id = $2::uuid) THEN tessie_attribute($1::uuid, coalesce("
	"$3::timestamptz, '-infinity'), $4::timestamptz, $2::uuid) END",
	4 };

static const struct field driver_fields[] = {
	{ "name", FIELD_STRING, FIELD_REQUIRED, 1, 100 },
};

/* "enabled" is checked by rule_body() itself: fields.h has no booleans. */
static const struct field rule_fields[] = {
	{ "name", FIELD_STRING, 0, 1, 100 },
	{ "vehicle_id", FIELD_UUID_OR_NULL, 0, 0, 0 },
	{ "place_id", FIELD_UUID_OR_NULL, 0, 0, 0 },
	{ "weekdays", FIELD_ARRAY, 0, 1, 7 },
	{ "start_time", FIELD_STRING, 0, 5, 5 },
	{ "end_time", FIELD_STRING, 0, 5, 5 },
	{ "priority", FIELD_INTEGER, 0, 0, 1000000 },
};

static const struct field assign_fields[] = {
	{ "driver_id", FIELD_UUID_OR_NULL, FIELD_REQUIRED, 0, 0 },
};

static const struct field attribute_fields[] = {
	{ "vehicle_id", FIELD_UUID_OR_NULL, 0, 0, 0 },
	{ "from", FIELD_STRING, 0, 1, 64 },
	{ "to", FIELD_STRING, 0, 1, 64 },
};

/* Replies with the db_exec() failure in err and status; returns status. */
static int
reply_db_error(struct req *r, int status, const char *err)
{
	if (status == 503)
		reply_header(r, "Retry-After", "5");
	return reply_error(r, status, NULL, "%s", err);
}

/* 0 when the driver of route parameter 0 is the account's, else a reply. */
static int
driver_found(struct req *r, const char **id)
{
	const char *p[2];
	PGresult *res;

	if ((*id = req_uuid_param(r, 0, "driver id")) == NULL)
		return r->status;
	p[0] = r->account_id;
	p[1] = *id;
	if ((res = req_exec(r, &q_exists, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "driver not found");
	return 0;
}

/* Runs an insert or update of a driver named name; replies. */
static int
driver_write(struct req *r, const struct db_stmt *stmt, const char **p, int ok)
{
	const char *name = p[stmt->nparams - 1];
	char err[256];
	PGresult *res;
	json_t *v;
	int status;

	res = db_exec(r->db, stmt, p, &status, err, sizeof(err));
	if (res == NULL && status == 409)
		return reply_error(r, 409, "name_taken",
		    "a driver named \"%s\" already exists", name);
	if (res == NULL)
		return reply_db_error(r, status, err);
	v = PQntuples(res) == 1 ? db_json(res, 0, 0) : NULL;
	status = PQntuples(res);
	PQclear(res);
	if (status == 0)
		return reply_error(r, 404, NULL, "driver not found");
	if (v == NULL)
		return reply_error(r, 500, NULL, "malformed row");
	return reply_json(r, ok, v);
}

/* The validated name of a driver body, or NULL after replying. */
static const char *
driver_name(struct req *r)
{
	json_t *body;

	if ((body = req_json(r)) == NULL ||
	    fields_check_or_reply(
		r, body, "", driver_fields, nitems(driver_fields)) != 0)
		return NULL;
	return json_string_value(json_object_get(body, "name"));
}

int
h_drivers_list(struct req *r)
{
	return reply_id_list(r, &q_list, 0);
}

int
h_drivers_create(struct req *r)
{
	const char *p[2];

	if ((p[1] = driver_name(r)) == NULL)
		return r->status;
	p[0] = r->account_id;
	return driver_write(r, &q_insert, p, 201);
}

int
h_drivers_update(struct req *r)
{
	const char *p[3];

	if ((p[1] = req_uuid_param(r, 0, "driver id")) == NULL ||
	    (p[2] = driver_name(r)) == NULL)
		return r->status;
	p[0] = r->account_id;
	return driver_write(r, &q_update, p, 200);
}

int
h_drivers_delete(struct req *r)
{
	const char *p[2];
	PGresult *res;

	if ((p[1] = req_uuid_param(r, 0, "driver id")) == NULL)
		return r->status;
	p[0] = r->account_id;
	if ((res = req_exec(r, &q_delete, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "driver not found");
	return reply_json(r, 204, NULL);
}

int
h_drivers_stats(struct req *r)
{
	static const char *const periods[] = { "day", "week", "month", "year" };
	const char *p[5], *period = req_query(r, "period");
	PGresult *res;
	json_t *data;
	size_t i;
	int imperial;

	if (period == NULL)
		period = "month";
	for (i = 0; i < nitems(periods); i++)
		if (strcmp(period, periods[i]) == 0)
			break;
	if (i == nitems(periods))
		return reply_error(r, 400, "invalid_parameter",
		    "\"period\" must be day, week, month or year");
	if (req_time_range(r, &p[2], &p[3]) != 0 ||
	    units_from_query(r, &imperial) != 0 || driver_found(r, &p[1]) != 0)
		return r->status;
	p[0] = r->account_id;
	p[4] = periods[i];
	if ((res = req_exec(r, &q_stats, p)) == NULL)
		return r->status;
	data = json_array();
	for (int k = 0; k < PQntuples(res); k++) {
		json_t *row = db_json(res, k, 0);

		if (row == NULL)
			continue;
		if (imperial)
			units_to_imperial(row);
		json_array_append_new(data, row);
	}
	return reply_json(r, 200,
	    json_pack("{s:s,s:s,s:o}", "driver_id", p[1], "period", period,
		"data", data));
}

int
h_drivers_rules_list(struct req *r)
{
	const char *p[2];
	PGresult *res;
	json_t *data;

	if (driver_found(r, &p[1]) != 0)
		return r->status;
	p[0] = r->account_id;
	if ((res = req_exec(r, &q_rules, p)) == NULL)
		return r->status;
	data = json_array();
	for (int k = 0; k < PQntuples(res); k++) {
		json_t *row = db_json(res, k, 0);

		if (row != NULL)
			json_array_append_new(data, row);
	}
	return reply_json(
	    r, 200, json_pack("{s:o,s:n}", "data", data, "next_cursor"));
}

/* "HH:MM" into out ("HH:MM:00"); 0, or -1 when it is not a time of day. */
static int
parse_hhmm(const char *s, char *out, size_t n)
{
	if (strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' ||
	    s[1] < '0' || s[1] > '9' || s[3] < '0' || s[3] > '5' ||
	    s[4] < '0' || s[4] > '9' || (s[0] == '2' && s[1] > '3'))
		return -1;
	snprintf(out, n, "%s:00", s);
	return 0;
}

/* A validated rule body as statement parameters $3..$10. */
struct rule_in {
	char weekdays[32], start[16], end[16], priority[16];
	const char *p[10];
};

/* The weekdays array as "{1,2}" in in; 0, or the status after replying. */
static int
rule_weekdays(struct req *r, const json_t *a, struct rule_in *in)
{
	unsigned seen = 0;
	size_t i, k = 0;
	json_t *v;

	if (a == NULL) {
		snprintf(in->weekdays, sizeof(in->weekdays), "{1,2,3,4,5,6,7}");
		return 0;
	}
	in->weekdays[k++] = '{';
	json_array_foreach(a, i, v)
	{
		json_int_t d = json_is_integer(v) ? json_integer_value(v) : 0;

		if (d < 1 || d > 7 || (seen & (1u << d)))
			return reply_error(r, 400, "invalid_field",
			    "\"weekdays\" must hold unique whole numbers "
			    "from 1 (Monday) to 7 (Sunday)");
		seen |= 1u << d;
		in->weekdays[k++] = (char)('0' + d);
		in->weekdays[k++] = ',';
	}
	in->weekdays[k - 1] = '}';
	in->weekdays[k] = '\0';
	return 0;
}

static int
rule_body(struct req *r, struct rule_in *in)
{
	json_t *body, *en, *st, *et;

	if ((body = req_json(r)) == NULL)
		return r->status;
	if ((en = json_object_get(body, "enabled")) != NULL &&
	    !json_is_boolean(en))
		return reply_error(
		    r, 400, "invalid_field", "\"enabled\" must be a boolean");
	in->p[9] = en == NULL || json_is_true(en) ? "true" : "false";
	json_object_del(body, "enabled");
	if (fields_check_or_reply(
		r, body, "", rule_fields, nitems(rule_fields)) != 0 ||
	    rule_weekdays(r, json_object_get(body, "weekdays"), in) != 0)
		return r->status;
	st = json_object_get(body, "start_time");
	et = json_object_get(body, "end_time");
	if (st != NULL &&
	    parse_hhmm(json_string_value(st), in->start, sizeof(in->start)))
		return reply_error(r, 400, "invalid_field",
		    "\"start_time\" must be a time of day such as \"07:30\"");
	if (et != NULL &&
	    parse_hhmm(json_string_value(et), in->end, sizeof(in->end)))
		return reply_error(r, 400, "invalid_field",
		    "\"end_time\" must be a time of day such as \"07:30\"");
	if ((st == NULL) != (et == NULL))
		return reply_error(r, 422, "invalid_window",
		    "\"start_time\" and \"end_time\" go together");
	if (st != NULL && strcmp(in->start, in->end) == 0)
		return reply_error(r, 422, "invalid_window",
		    "\"start_time\" and \"end_time\" must differ");
	snprintf(in->priority, sizeof(in->priority), "%d",
	    json_object_get(body, "priority")
		? (int)json_integer_value(json_object_get(body, "priority"))
		: 100);
	in->p[0] = r->account_id;
	in->p[2] = json_string_value(json_object_get(body, "name"));
	in->p[3] = json_string_value(json_object_get(body, "vehicle_id"));
	in->p[4] = json_string_value(json_object_get(body, "place_id"));
	in->p[5] = in->weekdays;
	in->p[6] = st ? in->start : NULL;
	in->p[7] = et ? in->end : NULL;
	in->p[8] = in->priority;
	return 0;
}

int
h_drivers_rules_create(struct req *r)
{
	struct rule_in in;
	char other[256];
	PGresult *res;
	json_t *clash, *v;

	if ((in.p[1] = req_uuid_param(r, 0, "driver id")) == NULL ||
	    rule_body(r, &in) != 0)
		return r->status;
	if ((res = req_exec(r, &q_rule_insert, in.p)) == NULL)
		return r->status;
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		return reply_error(r, 404, NULL, "driver not found");
	if (strcmp(PQgetvalue(res, 0, 1), "t") != 0)
		return reply_error(r, 422, "unknown_vehicle",
		    "vehicle \"%s\" not found", in.p[3]);
	if (strcmp(PQgetvalue(res, 0, 2), "t") != 0)
		return reply_error(
		    r, 422, "unknown_place", "place \"%s\" not found", in.p[4]);
	if ((clash = db_json(res, 0, 3)) != NULL) {
		snprintf(other, sizeof(other), "\"%s\" (%s)",
		    json_string_value(json_object_get(clash, "id")),
		    json_string_value(json_object_get(clash, "name"))
			?: "unnamed");
		json_decref(clash);
		return reply_error(r, 409, "contradictory_rule",
		    "rule %s of another driver has the same criteria and "
		    "priority",
		    other);
	}
	if ((v = db_json(res, 0, 4)) == NULL)
		return reply_error(r, 500, NULL, "malformed row");
	return reply_json(r, 201, v);
}

int
h_drivers_rules_delete(struct req *r)
{
	const char *p[3];
	PGresult *res;

	if ((p[1] = req_uuid_param(r, 0, "driver id")) == NULL ||
	    (p[2] = req_uuid_param(r, 1, "rule id")) == NULL)
		return r->status;
	p[0] = r->account_id;
	if ((res = req_exec(r, &q_rule_delete, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "rule not found");
	return reply_json(r, 204, NULL);
}

int
h_drives_driver_set(struct req *r)
{
	const char *p[3];
	PGresult *res;
	json_t *body, *v;

	if ((p[1] = req_uuid_param(r, 0, "drive id")) == NULL ||
	    (body = req_json(r)) == NULL ||
	    fields_check_or_reply(
		r, body, "", assign_fields, nitems(assign_fields)) != 0)
		return r->status;
	p[0] = r->account_id;
	p[2] = json_string_value(json_object_get(body, "driver_id"));
	if ((res = req_exec(r, &q_assign, p)) == NULL)
		return r->status;
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		return reply_error(r, 404, NULL, "drive not found");
	if (strcmp(PQgetvalue(res, 0, 1), "t") != 0)
		return reply_error(
		    r, 422, "unknown_driver", "driver \"%s\" not found", p[2]);
	if ((v = db_json(res, 0, 2)) == NULL)
		return reply_error(r, 500, NULL, "malformed row");
	return reply_json(r, 200, v);
}

/* The optional RFC 3339 time body field name; 0, or a reply. */
static int
body_time(struct req *r, const json_t *body, const char *name, const char **out,
    long long *t)
{
	*out = json_string_value(json_object_get(body, name));
	if (*out != NULL && fleet_parse_time(*out, t) == -1)
		return reply_error(r, 400, "invalid_field",
		    "\"%s\" must be an RFC 3339 time such as "
		    "2026-01-31T00:00:00Z",
		    name);
	return 0;
}

int
h_drives_attribute(struct req *r)
{
	const char *p[4];
	long long a = 0, b = 0;
	PGresult *res;
	json_t *body;

	if ((body = req_json(r)) == NULL ||
	    fields_check_or_reply(
		r, body, "", attribute_fields, nitems(attribute_fields)) != 0 ||
	    body_time(r, body, "from", &p[2], &a) != 0 ||
	    body_time(r, body, "to", &p[3], &b) != 0)
		return r->status;
	if (p[2] != NULL && p[3] != NULL && a >= b)
		return reply_error(
		    r, 422, "invalid_range", "\"from\" must be before \"to\"");
	p[0] = r->account_id;
	p[1] = json_string_value(json_object_get(body, "vehicle_id"));
	if ((res = req_exec(r, &q_attribute, p)) == NULL)
		return r->status;
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		return reply_error(r, 422, "unknown_vehicle",
		    "vehicle \"%s\" not found", p[1]);
	return reply_json(
	    r, 200, json_pack("{s:i}", "changed", atoi(PQgetvalue(res, 0, 1))));
}
