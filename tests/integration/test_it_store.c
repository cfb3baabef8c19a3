/*
 * Every vehicle_data fixture recorded from the real Fleet API, parsed and
 * stored through the same INSERT as the vehicles job, then read back from
 * PostgreSQL: the stored values are the SI values written out by hand
 * below (miles x 1.609344, °C kept).  The fixtures are in
 * ../shared/fixtures/fleet-api (or $FIXTURES).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "../tap.h"
#include "fleet_parse.h"
#include "util.h"

/* Blue Whale of fixtures.sql: a car with no state of its own. */
#define CAR "22222222-2222-4222-8222-222222222222"

static const struct {
	const char *file;
	int battery_level;
	double odometer_km; /* vehicle_state.odometer mi x 1.609344 */
	double rated_range_km; /* charge_state.battery_range x 1.609344 */
	double inside_temp_c;
} cases[] = {
	{ "ha_tesla_fleet__vehicle_data.json", 77, 10430.189495, 429.485633,
	    29.8 },
	{ "ha_tesla_fleet__vehicle_data_alt.json", 77, 10430.189495, 429.485633,
	    29.8 },
	{ "teslatte__vehicle_data_BitcoinLightning_2023_10_09.json", 52,
	    273293.219952, 244.974344, 22.2 },
	{ "teslatte__vehicle_data_HTLC_2023_09_19.json", 80, 167974.818841,
	    351.174954, 23.9 },
	{ "teslatte__vehicle_data_HTLC_2023_10_09.json", 23, 168796.452367,
	    100.101197, 23.1 },
	{ "teslatte__vehicle_data_gak_2023_11_11.json", 80, 18737.670891,
	    444.838775, 24.2 },
	{ "ha_tessie__online_charging.json", 75, 8778.159418, 424.351826,
	    30.4 },
};

static PGconn *conn;

static void
t_fixtures_stored(void)
{
	const char *dir = getenv("FIXTURES") ? getenv("FIXTURES")
					     : "../shared/fixtures/fleet-api";

	for (size_t i = 0; i < nitems(cases); i++) {
		const char *p[1 + FLEET_VSTATE_NCOLS];
		struct fleet_params fp;
		struct fleet_vstate s;
		char path[512], msg[160];
		json_error_t jerr;
		PGresult *res;
		json_t *root;

		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].file);
		root = json_load_file(path, 0, &jerr);
		snprintf(msg, sizeof(msg), "%s parses", cases[i].file);
		if (!ok(root != NULL &&
			    fleet_parse_vehicle_data(
				fleet_response(root), &s) == 0,
			msg)) {
			json_decref(root);
			continue;
		}
		fleet_vstate_params(&s, &fp);
		p[0] = CAR;
		for (int k = 0; k < fp.n; k++)
			p[1 + k] = fp.v[k];
		res = PQexecParams(conn,
		    "INSERT INTO vehicle_states "
		    "(vehicle_id, " FLEET_VSTATE_COLUMNS
		    ") VALUES ($1::uuid, " FLEET_VSTATE_VALUES
		    ") ON CONFLICT DO NOTHING",
		    1 + fp.n, NULL, p, NULL, NULL, 0);
		snprintf(msg, sizeof(msg), "%s stored", cases[i].file);
		ok(PQresultStatus(res) == PGRES_COMMAND_OK, msg);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			printf("#   %s", PQerrorMessage(conn));
		PQclear(res);
		p[1] = fp.v[0]; /* the sample's ts */
		res = PQexecParams(conn,
		    "SELECT battery_level, odometer_km, rated_range_km, "
		    "inside_temp_c FROM vehicle_states WHERE vehicle_id = "
		    "$1::uuid AND ts = $2::timestamptz",
		    2, NULL, p, NULL, NULL, 0);
		snprintf(
		    msg, sizeof(msg), "%s: stored SI values", cases[i].file);
		if (!ok(PQntuples(res) == 1 &&
			    atoi(PQgetvalue(res, 0, 0)) ==
				cases[i].battery_level &&
			    fabs(atof(PQgetvalue(res, 0, 1)) -
				cases[i].odometer_km) < 1e-5 &&
			    fabs(atof(PQgetvalue(res, 0, 2)) -
				cases[i].rated_range_km) < 1e-3 &&
			    fabs(atof(PQgetvalue(res, 0, 3)) -
				cases[i].inside_temp_c) < 1e-9,
			msg) &&
		    PQntuples(res) == 1)
			printf("#   got %s %% %s km %s km %s C\n",
			    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
			    PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
		PQclear(res);
		json_decref(root);
	}
}

/* live_status fixtures: powers in W as Tesla sends them, signs kept. */
static const struct {
	const char *file;
	double solar, battery, grid, load, percent;
	const char *ts; /* the sample's instant, UTC */
} live_cases[] = {
	{ "ha_teslemetry__live_status.json", 1185, 5060, 0, 6245,
	    95.50537403739663, "2024-01-01 00:00:00+00" },
	{ "teslatte__energy_sites_live_status_gak_plugged_in_2023_11_06.json",
	    16176, -13950, 0, 2226, 90.21333866145918,
	    "2023-11-05 23:30:11+00" },
	{ "teslatte__energy_sites_live_status_gak_unplugged_2023_11_06.json",
	    16854, 0, -12949, 3905, 100, "2023-11-06 00:51:17+00" },
};

static void
t_live_fixtures_stored(void)
{
	const char *dir = getenv("FIXTURES") ? getenv("FIXTURES")
					     : "../shared/fixtures/fleet-api";
	char site[40] = "";
	PGresult *res;

	res = PQexec(conn,
	    "INSERT INTO energy_sites (account_id, "
	    "tesla_site_id, site_name) SELECT id, 999000111, "
	    "'fixture site' FROM accounts WHERE username = "
	    "'admin' RETURNING id");
	if (PQntuples(res) == 1)
		snprintf(site, sizeof(site), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!ok(site[0] != '\0', "a site to store into"))
		return;
	for (size_t i = 0; i < nitems(live_cases); i++) {
		const char *p[1 + FLEET_LIVE_NCOLS];
		struct fleet_params fp;
		struct fleet_live l;
		char path[512], msg[200];
		json_t *root;

		snprintf(path, sizeof(path), "%s/%s", dir, live_cases[i].file);
		root = json_load_file(path, 0, NULL);
		snprintf(msg, sizeof(msg), "%s parses", live_cases[i].file);
		if (!ok(root != NULL &&
			    fleet_parse_live_status(fleet_response(root), &l) ==
				0,
			msg)) {
			json_decref(root);
			continue;
		}
		fleet_live_params(&l, &fp);
		p[0] = site;
		for (int k = 0; k < fp.n; k++)
			p[1 + k] = fp.v[k];
		res = PQexecParams(conn,
		    "INSERT INTO energy_states (site_id, " FLEET_LIVE_COLUMNS
		    ") VALUES ($1::uuid, " FLEET_LIVE_VALUES ")",
		    1 + fp.n, NULL, p, NULL, NULL, 0);
		snprintf(msg, sizeof(msg), "%s stored", live_cases[i].file);
		if (!ok(PQresultStatus(res) == PGRES_COMMAND_OK, msg))
			printf("#   %s", PQerrorMessage(conn));
		PQclear(res);
		p[1] = live_cases[i].ts;
		res = PQexecParams(conn,
		    "SELECT solar_power_w, battery_power_w, grid_power_w, "
		    "load_power_w, battery_percent FROM energy_states "
		    "WHERE site_id = $1::uuid AND ts = $2::timestamptz",
		    2, NULL, p, NULL, NULL, 0);
		snprintf(msg, sizeof(msg), "%s: stored at its instant, in W",
		    live_cases[i].file);
		ok(PQntuples(res) == 1 &&
			atof(PQgetvalue(res, 0, 0)) == live_cases[i].solar &&
			atof(PQgetvalue(res, 0, 1)) == live_cases[i].battery &&
			atof(PQgetvalue(res, 0, 2)) == live_cases[i].grid &&
			atof(PQgetvalue(res, 0, 3)) == live_cases[i].load &&
			fabs(atof(PQgetvalue(res, 0, 4)) -
			    live_cases[i].percent) < 1e-3,
		    msg);
		PQclear(res);
		json_decref(root);
	}
}

static const struct tap_test tests[] = {
	TAP(t_fixtures_stored),
	TAP(t_live_fixtures_stored),
};

int
main(void)
{
	int rc;

	conn = PQconnectdb(getenv("DATABASE_URL"));
	if (PQstatus(conn) != CONNECTION_OK) {
		printf("not ok 1 - cannot connect: %s", PQerrorMessage(conn));
		return 1;
	}
	rc = tap_run(tests, nitems(tests));
	PQfinish(conn);
	return rc;
}
