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

/* Converts and renames every SI-suffixed number of obj, recursively. */
void units_to_imperial(json_t *obj);

#endif
