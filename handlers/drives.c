/*
 * Drives (derived by the analytics job, docs/analytics.md):
 *	GET /api/drives?vehicle_id=&from=&to=&limit=&cursor=&units=
 *	GET /api/drives/:id?points=&units=
 * Newest first, keyset-paginated: next_cursor is "<started_at µs>_<id>".
 * A drive's path is its states' positions, downsampled to at most
 * `points` (default 200, 2..2000) in SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "handlers.h"
#include "units.h"
#include "util.h"

#define DRIVE_JSON                                                             \
	"json_build_object('id', d.id, 'vehicle_id', d.vehicle_id, "           \
	"'started_at', d.started_at, 'ended_at', d.ended_at, "                 \
	"'complete', d.complete, 'duration_s', extract(epoch FROM "            \
	"d.ended_at - d.started_at)::int, 'distance_km', d.distance_km, "      \
	"'start_odometer_km', d.start_odometer_km, 'end_odometer_km', "        \
	"d.end_odometer_km, 'energy_used_kwh', d.energy_used_kwh, "            \
	"'efficiency_wh_per_km', CASE WHEN d.distance_km > 0.1 THEN "          \
	"1000 * d.energy_used_kwh / d.distance_km END, "                       \
	"'max_speed_kmh', d.max_speed_kmh, 'avg_speed_kmh', "                  \
	"d.avg_speed_kmh, 'start_battery_level', d.start_battery_level, "      \
	"'end_battery_level', d.end_battery_level, "                           \
	"'start_rated_range_km', d.start_rated_range_km, "                     \
	"'end_rated_range_km', d.end_rated_range_km, "                         \
	"'start_place', (SELECT name FROM places WHERE id = "                  \
	"d.start_place_id), 'end_place', (SELECT name FROM places WHERE "      \
	"id = d.end_place_id), 'driver_id', d.driver_id, 'attribution', "      \
	"d.attribution, 'driver_rule_id', d.driver_rule_id) "

/* The keyset cursor of a listed drive, a column of its own. */
#define DRIVE_CURSOR                                                           \
	", (extract(epoch FROM d.started_at) * 1000000)::bigint || '_' || "    \
	"d.id "

static const struct db_stmt q_list = { "drives_list",
	"SELECT " DRIVE_JSON DRIVE_CURSOR
	"FROM drives d JOIN vehicles v ON v.id = "
	"d.vehicle_id WHERE v.account_id = $1::uuid "
	"AND ($2::uuid IS NULL OR d.vehicle_id = $2::uuid) "
	"AND ($3::timestamptz IS NULL OR d.started_at >= $3::timestamptz) "
	"AND ($4::timestamptz IS NULL OR d.started_at < $4::timestamptz) "
	"AND ($5::bigint IS NULL OR (d.started_at, d.id) < "
	"(to_timestamp($5::bigint / 1000000.0), $6::uuid)) "
	"ORDER BY d.started_at DESC, d.id DESC LIMIT $7::int",
	7 };

static const struct db_stmt q_get = { "drives_get",
	"SELECT " DRIVE_JSON ", (SELECT json_agg(json_build_array("
	"p.ts, p.lat, p.lon, p.speed) ORDER BY p.ts) FROM (SELECT "
	"min(s.ts) AS ts, avg(s.latitude) AS lat, avg(s.longitude) AS lon, "
	"max(s.speed_kmh) AS speed FROM vehicle_states s "
	"WHERE s.vehicle_id = d.vehicle_id AND s.ts >= d.started_at "
	"AND s.ts <= d.ended_at AND s.latitude IS NOT NULL "
	"GROUP BY date_bin(greatest(interval '1 second', (d.ended_at - "
	"d.started_at) / $3::int), s.ts, d.started_at)) p) "
	"FROM drives d JOIN vehicles v ON v.id = d.vehicle_id "
	"WHERE v.account_id = $1::uuid AND d.id = $2::uuid",
	3 };

int
h_drives_list(struct req *r)
{
	const char *p[7], *veh;
	char limit[24], us[24];
	PGresult *res;
	long n;
	int imperial;

	if (req_query_long(r, "limit", 50, 1, 500, &n) != 0 ||
	    units_from_query(r, &imperial) != 0 ||
	    req_time_range(r, &p[2], &p[3]) != 0)
		return r->status;
	if ((veh = req_query(r, "vehicle_id")) != NULL && !is_uuid(veh))
		return reply_error(r, 400, "invalid_parameter",
		    "\"vehicle_id\" must be a UUID");
	if (req_keyset_cursor(r, us, sizeof(us), &p[4], &p[5]) != 0)
		return r->status;
	snprintf(limit, sizeof(limit), "%ld", n + 1);
	p[0] = r->account_id;
	p[1] = veh;
	p[6] = limit;
	if ((res = req_exec(r, &q_list, p)) == NULL)
		return r->status;
	return reply_page(r, res, n, NULL, imperial);
}

int
h_drives_get(struct req *r)
{
	const char *p[3];
	char pts[24];
	PGresult *res;
	json_t *d, *path;
	long n;
	int imperial;

	if ((p[1] = req_uuid_param(r, 0, "drive id")) == NULL ||
	    req_query_long(r, "points", 200, 2, 2000, &n) != 0 ||
	    units_from_query(r, &imperial) != 0)
		return r->status;
	snprintf(pts, sizeof(pts), "%ld", n);
	p[0] = r->account_id;
	p[2] = pts;
	if ((res = req_exec(r, &q_get, p)) == NULL ||
	    (d = req_row_json(r, res, "drive")) == NULL)
		return r->status;
	path = db_json(res, 0, 1);
	json_object_set_new(d, "path_fields",
	    json_pack("[s,s,s,s]", "ts", "latitude", "longitude",
		imperial ? "max_speed_mph" : "max_speed_kmh"));
	if (imperial) {
		units_to_imperial(d);
		for (size_t i = 0; path && i < json_array_size(path); i++) {
			json_t *pt = json_array_get(path, i);
			json_t *v = json_array_get(pt, 3);

			if (json_is_number(v))
				json_array_set_new(pt, 3,
				    json_real(json_number_value(v) *
					0.621371192237334));
		}
	}
	json_object_set_new(d, "path", path ? path : json_array());
	return reply_json(r, 200, d);
}
