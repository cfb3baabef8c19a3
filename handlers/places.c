/*
 * Places, the named circles drives and charges are matched to:
 *	GET    /api/places[?cursor=&limit=&units=]
 *	POST   /api/places
 *	GET    /api/places/:id
 *	PUT    /api/places/:id
 *	DELETE /api/places/:id
 * A body is {"name": 1..100 characters, "latitude": -90..90, "longitude":
 * -180..180, "radius_m": > 0 and <= 100000, "tariff_id": uuid or null}.
 * PUT is a full replace: it takes the same body as POST, and an absent
 * "tariff_id" clears it.  Names are unique per account (409), a tariff_id
 * must be one of the account's tariffs (422).  Every query is filtered by
 * the account of the login token: another account's place is 404.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "fields.h"
#include "handlers.h"
#include "units.h"
#include "util.h"

#define PLACE_JSON                                                             \
	"json_build_object('id', id, 'name', name, 'latitude', latitude, "     \
	"'longitude', longitude, 'radius_m', radius_m, 'tariff_id', "          \
	"tariff_id, 'created_at', created_at, 'updated_at', updated_at)"

static const struct db_stmt q_list = { "places_list",
	"SELECT " PLACE_JSON " FROM places "
	"WHERE account_id = $1::uuid AND ($2::uuid IS NULL OR id > $2::uuid) "
	"ORDER BY id LIMIT $3::int",
	3 };

static const struct db_stmt q_get = { "places_get",
	"SELECT " PLACE_JSON " FROM places "
	"WHERE account_id = $1::uuid AND id = $2::uuid",
	2 };

static const struct db_stmt q_insert = { "places_insert",
	"INSERT INTO places (id, account_id, name, latitude, longitude, "
	"radius_m, tariff_id) VALUES (coalesce($2::uuid, gen_random_uuid()), "
	"$1::uuid, $3, $4::float8, $5::float8, $6::real, $7::uuid) "
	"RETURNING " PLACE_JSON,
	7 };

static const struct db_stmt q_update = { "places_update",
	"UPDATE places SET name = $3, latitude = $4::float8, longitude = "
	"$5::float8, radius_m = $6::real, tariff_id = $7::uuid "
	"WHERE account_id = $1::uuid AND id = $2::uuid RETURNING " PLACE_JSON,
	7 };

static const struct db_stmt q_delete = { "places_delete",
	"DELETE FROM places WHERE account_id = $1::uuid AND id = $2::uuid "
	"RETURNING id",
	2 };

static const struct field place_fields[] = {
	{ "name", FIELD_STRING, FIELD_REQUIRED, 1, 100 },
	{ "latitude", FIELD_NUMBER, FIELD_REQUIRED, -90, 90 },
	{ "longitude", FIELD_NUMBER, FIELD_REQUIRED, -180, 180 },
	{ "radius_m", FIELD_NUMBER, FIELD_REQUIRED | FIELD_MIN_EXCLUSIVE, 0,
	    100000 },
	{ "tariff_id", FIELD_UUID_OR_NULL, 0, 0, 0 },
};

/* A validated body as statement parameters $3..$7. */
struct place_in {
	char lat[32], lon[32], radius[32];
	const char *p[7];
};

static int
place_body(struct req *r, struct place_in *in)
{
	json_t *body;

	if ((body = req_json(r)) == NULL ||
	    fields_check_or_reply(
		r, body, "", place_fields, nitems(place_fields)) != 0)
		return r->status;
	snprintf(
	    in->lat, sizeof(in->lat), "%.17g", fields_number(body, "latitude"));
	snprintf(in->lon, sizeof(in->lon), "%.17g",
	    fields_number(body, "longitude"));
	snprintf(in->radius, sizeof(in->radius), "%.9g",
	    fields_number(body, "radius_m"));
	in->p[0] = r->account_id;
	in->p[2] = json_string_value(json_object_get(body, "name"));
	in->p[3] = in->lat;
	in->p[4] = in->lon;
	in->p[5] = in->radius;
	in->p[6] = json_string_value(json_object_get(body, "tariff_id"));
	return 0;
}

/*
 * Runs an insert or update of in and replies with the place (status ok),
 * 404 when no row matched, 409 for a taken name, 422 for a tariff_id that
 * is not the account's.  Returns the status.
 */
static int
place_write(
    struct req *r, const struct db_stmt *stmt, struct place_in *in, int ok)
{
	char err[256];
	PGresult *res;
	json_t *v;
	int status, imperial;

	if (units_from_query(r, &imperial) != 0)
		return r->status;
	res = db_exec(r->db, stmt, in->p, &status, err, sizeof(err));
	if (res == NULL && status == 409)
		return reply_error(r, 409, "name_taken",
		    "a place named \"%s\" already exists", in->p[2]);
	if (res == NULL && status == 422 && in->p[6] != NULL)
		return reply_error(r, 422, "unknown_tariff",
		    "tariff \"%s\" not found", in->p[6]);
	if (res == NULL) {
		if (status == 503)
			reply_header(r, "Retry-After", "5");
		return reply_error(r, status, NULL, "%s", err);
	}
	v = PQntuples(res) == 1 ? db_json(res, 0, 0) : NULL;
	status = PQntuples(res);
	PQclear(res);
	if (status == 0)
		return reply_error(r, 404, NULL, "place not found");
	if (v == NULL)
		return reply_error(r, 500, NULL, "malformed row");
	if (imperial)
		units_to_imperial(v);
	return reply_json(r, ok, v);
}

int
h_places_list(struct req *r)
{
	return reply_id_list(r, &q_list, 1);
}

int
h_places_create(struct req *r)
{
	struct place_in in;

	if (place_body(r, &in) != 0)
		return r->status;
	in.p[1] = NULL;
	return place_write(r, &q_insert, &in, 201);
}

int
h_places_get(struct req *r)
{
	const char *p[2];
	PGresult *res;
	json_t *v;
	int imperial;

	if ((p[1] = req_uuid_param(r, 0, "place id")) == NULL ||
	    units_from_query(r, &imperial) != 0)
		return r->status;
	p[0] = r->account_id;
	if ((res = req_exec(r, &q_get, p)) == NULL ||
	    (v = req_row_json(r, res, "place")) == NULL)
		return r->status;
	if (imperial)
		units_to_imperial(v);
	return reply_json(r, 200, v);
}

int
h_places_update(struct req *r)
{
	struct place_in in;
	const char *id;

	if ((id = req_uuid_param(r, 0, "place id")) == NULL ||
	    place_body(r, &in) != 0)
		return r->status;
	in.p[1] = id;
	return place_write(r, &q_update, &in, 200);
}

int
h_places_delete(struct req *r)
{
	const char *p[2];
	PGresult *res;

	if ((p[1] = req_uuid_param(r, 0, "place id")) == NULL)
		return r->status;
	p[0] = r->account_id;
	if ((res = req_exec(r, &q_delete, p)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, 404, NULL, "place not found");
	return reply_json(r, 204, NULL);
}
