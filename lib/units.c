/* SI to imperial conversion of JSON objects by field-name suffix. */
#include <string.h>

#include "db.h"
#include "http.h"
#include "units.h"
#include "util.h"

static const struct {
	const char *si; /* suffix of the SI field */
	const char *imp; /* suffix that replaces it */
	double mul, add; /* imperial = si * mul + add */
} suffixes[] = {
	/* First, so that a per-km figure is not taken for a distance. */
	{ "_wh_per_km", "_wh_per_mi", 1.609344, 0 },
	{ "_kmh", "_mph", 0.621371192237334, 0 },
	{ "_km", "_mi", 0.621371192237334, 0 },
	{ "_m", "_ft", 3.28083989501312, 0 },
	{ "_c", "_f", 1.8, 32 },
};

/* The account's saved choice, for requests without ?units=. */
static const struct db_stmt q_saved = { "units_saved",
	"SELECT value #>> '{}' FROM settings WHERE account_id = $1::uuid "
	"AND key = 'units'",
	1 };

int
units_from_query_only(struct req *r, int *imperial)
{
	if (req_query(r, "units") == NULL) {
		*imperial = -1;
		return 0;
	}
	return units_from_query(r, imperial);
}

int
units_from_query(struct req *r, int *imperial)
{
	const char *u = req_query(r, "units");

	*imperial = 0;
	if (u == NULL && r->account_id[0] != '\0') {
		const char *p[1] = { r->account_id };
		PGresult *res = req_exec(r, &q_saved, p);

		if (res == NULL)
			return r->status;
		*imperial = PQntuples(res) == 1 &&
		    strcmp(PQgetvalue(res, 0, 0), "imperial") == 0;
		return 0;
	}
	if (u == NULL || strcmp(u, "si") == 0 || strcmp(u, "metric") == 0)
		return 0;
	if (strcmp(u, "imperial") == 0) {
		*imperial = 1;
		return 0;
	}
	return reply_error(r, 400, "invalid_parameter",
	    "\"units\" must be \"si\" or \"imperial\"");
}

static void
convert(json_t *obj)
{
	const char *key;
	json_t *v, *renamed = json_object();
	void *tmp;

	json_object_foreach_safe(obj, tmp, key, v)
	{
		size_t klen = strlen(key);

		if (json_is_object(v) || json_is_array(v)) {
			units_to_imperial(v);
			continue;
		}
		for (size_t i = 0; i < nitems(suffixes); i++) {
			size_t slen = strlen(suffixes[i].si);
			char name[128];

			if (klen <= slen || klen - slen + 5 > sizeof(name) ||
			    strcmp(key + klen - slen, suffixes[i].si) != 0)
				continue;
			memcpy(name, key, klen - slen);
			strcpy(name + klen - slen, suffixes[i].imp);
			if (json_is_number(v))
				json_object_set_new(renamed, name,
				    json_real(
					json_number_value(v) * suffixes[i].mul +
					suffixes[i].add));
			else
				json_object_set(renamed, name, v);
			json_object_del(obj, key);
			break;
		}
	}
	json_object_update(obj, renamed);
	json_decref(renamed);
}

void
units_to_imperial(json_t *j)
{
	if (json_is_object(j))
		convert(j);
	else if (json_is_array(j))
		for (size_t i = 0; i < json_array_size(j); i++)
			units_to_imperial(json_array_get(j, i));
}
