/*
 * The account's settings:
 *	GET /api/settings  -> {"units": "si"|"imperial",
 *	                       "fleet_api_monthly_budget_usd": number,
 *	                       "solar_cost_mode": "export_price"|"free"}
 *	PUT /api/settings  {"units"?, "fleet_api_monthly_budget_usd"?,
 *	                    "solar_cost_mode"?}
 * PUT changes only the fields it is given; absent settings read as their
 * defaults (SI, TESSIE_FLEET_BUDGET_USD and export_price).  The saved units
 * apply to every response that has no ?units= of its own (lib/units.c);
 * solar_cost_mode prices the solar part of home charges at the export
 * price it did not earn, or at zero, from the next analytics run or
 * POST /api/charging/recompute-costs (docs/solar-share-and-costs.md).
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "fields.h"
#include "handlers.h"
#include "util.h"

static const struct db_stmt q_get = { "settings_get",
	"SELECT json_build_object('units', coalesce((SELECT value #>> '{}' "
	"FROM settings WHERE account_id = $1::uuid AND key = 'units'), 'si'), "
	"'fleet_api_monthly_budget_usd', coalesce((SELECT (value #>> '{}')"
	"::float8 FROM settings WHERE account_id = $1::uuid AND key = "
	"'fleet_api_monthly_budget_usd'), $2::float8), 'solar_cost_mode', "
	"coalesce((SELECT value #>> '{}' FROM settings WHERE account_id = "
	"$1::uuid AND key = 'solar_cost_mode'), 'export_price'))",
	2 };

static const struct db_stmt q_put = { "settings_put",
	"INSERT INTO settings (account_id, key, value) VALUES ($1::uuid, $2, "
	"$3::jsonb) ON CONFLICT (account_id, key) DO UPDATE SET value = "
	"EXCLUDED.value",
	3 };

static const struct field settings_fields[] = {
	{ "units", FIELD_STRING, 0, 1, 16 },
	{ "fleet_api_monthly_budget_usd", FIELD_NUMBER, 0, 0, 100000 },
	{ "solar_cost_mode", FIELD_STRING, 0, 1, 16 },
};

int
h_settings_get(struct req *r)
{
	char budget[32];
	const char *p[2] = { r->account_id, budget };
	PGresult *res;
	json_t *body;

	snprintf(budget, sizeof(budget), "%.2f", r->cfg->fleet_budget_usd);
	if ((res = req_exec(r, &q_get, p)) == NULL)
		return r->status;
	if ((body = db_json(res, 0, 0)) == NULL)
		return reply_error(r, 500, NULL, "malformed row");
	return reply_json(r, 200, body);
}

int
h_settings_put(struct req *r)
{
	const char *units, *mode, *p[3];
	char value[64];
	json_t *body, *v;

	if ((body = req_json(r)) == NULL ||
	    fields_check_or_reply(
		r, body, "", settings_fields, nitems(settings_fields)) != 0)
		return r->status;
	v = json_object_get(body, "units");
	units = json_string_value(v);
	if (v != NULL && strcmp(units, "si") != 0 &&
	    strcmp(units, "imperial") != 0)
		return reply_error(r, 400, "invalid_field",
		    "\"units\" must be \"si\" or \"imperial\"");
	mode = json_string_value(json_object_get(body, "solar_cost_mode"));
	if (mode != NULL && strcmp(mode, "export_price") != 0 &&
	    strcmp(mode, "free") != 0)
		return reply_error(r, 400, "invalid_field",
		    "\"solar_cost_mode\" must be \"export_price\" or \"free\"");
	if (db_command(r->db, "BEGIN") == -1)
		return reply_error(r, 503, NULL, "database unavailable");
	p[0] = r->account_id;
	if (v != NULL) {
		snprintf(value, sizeof(value), "\"%s\"", units);
		p[1] = "units";
		p[2] = value;
		if (req_exec(r, &q_put, p) == NULL)
			goto fail;
	}
	if ((v = json_object_get(body, "fleet_api_monthly_budget_usd")) !=
	    NULL) {
		snprintf(value, sizeof(value), "%.4f", json_number_value(v));
		p[1] = "fleet_api_monthly_budget_usd";
		p[2] = value;
		if (req_exec(r, &q_put, p) == NULL)
			goto fail;
	}
	if (mode != NULL) {
		snprintf(value, sizeof(value), "\"%s\"", mode);
		p[1] = "solar_cost_mode";
		p[2] = value;
		if (req_exec(r, &q_put, p) == NULL)
			goto fail;
	}
	if (db_command(r->db, "COMMIT") == -1)
		return reply_error(r, 503, NULL, "database unavailable");
	return h_settings_get(r);
fail:
	db_command(r->db, "ROLLBACK");
	return r->status;
}
