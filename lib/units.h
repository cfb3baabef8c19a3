/*
 * Units: SI is stored and served; ?units=imperial converts at the edge.
 * A field's unit is the suffix of its name (odometer_km, speed_kmh,
 * inside_temp_c, efficiency_wh_per_km), and conversion renames it
 * (odometer_mi, speed_mph, inside_temp_f, efficiency_wh_per_mi) so that a
 * number never travels without its unit.
 */
#ifndef TESSIE_UNITS_H
#define TESSIE_UNITS_H

#include <jansson.h>

struct req;

/*
 * Reads ?units= ("si", "metric" or "imperial"; absent means SI).  Returns
 * 0 and *imperial, or the status after replying 400.
 */
int units_from_query(struct req *r, int *imperial);

/*
 * As units_from_query(), but without the query for the saved setting:
 * *imperial is -1 when there is no ?units=, for a handler that reads the
 * setting in its own query (UNITS_SAVED_SQL) and saves a round trip.
 */
int units_from_query_only(struct req *r, int *imperial);

/* A column that is true when the saved setting of account $1 is imperial. */
#define UNITS_SAVED_SQL                                                        \
	"coalesce((SELECT value #>> '{}' = 'imperial' FROM settings "          \
	"WHERE account_id = $1::uuid AND key = 'units'), false)"

/* Converts and renames every SI-suffixed number of obj, recursively. */
void units_to_imperial(json_t *obj);

#endif
