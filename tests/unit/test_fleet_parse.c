/*
 * Unit tests for lib/fleet_parse.c: one test per recorded response in
 * ../shared/fixtures/fleet-api (or $FIXTURES), with the expected SI values
 * worked out by hand from each file, then bad input.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet_parse.h"
#include "log.h"
#include "util.h"

#include "../tap.h"

#define MI 1.609344

#define is_near(got, want, tol, msg)                                           \
	do {                                                                   \
		double g_ = (got), w_ = (want);                                \
		if (!ok(fabs(g_ - w_) <= (tol), msg))                          \
			printf("#   got %.12g, want %.12g\n", g_, w_);         \
	} while (0)
#define is_nan(got, msg) ok(isnan(got), msg)

static const char *
fixdir(void)
{
	const char *d = getenv("FIXTURES");

	return d != NULL && d[0] != '\0' ? d : "../shared/fixtures/fleet-api";
}

/* Reads a whole file (malloc'd, NUL-terminated); NULL on failure. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE *fp;
	char *buf = NULL;
	long len;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)len + 1)) != NULL) {
		if (fread(buf, 1, (size_t)len, fp) != (size_t)len) {
			free(buf);
			buf = NULL;
		} else {
			buf[len] = '\0';
			if (lenp != NULL)
				*lenp = (size_t)len;
		}
	}
	fclose(fp);
	return buf;
}

/* Loads a fixture as JSON; NULL (and a diagnostic) on failure. */
static json_t *
fixture(const char *name)
{
	char path[512];
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof(path), "%s/%s", fixdir(), name);
	if ((j = json_load_file(path, 0, &e)) == NULL)
		printf("# cannot load %s: %s\n", path, e.text);
	return j;
}

/* Parses JSON text written in the test; aborts the test run if bad. */
static json_t *
js(const char *text)
{
	json_error_t e;
	json_t *j;

	if ((j = json_loads(text, JSON_DECODE_ANY, &e)) == NULL) {
		printf("# bad test JSON: %s\n", e.text);
		exit(2);
	}
	return j;
}

/* Parses a vehicle_data fixture's response into s; 0 or -1. */
static int
vdata(const char *name, struct fleet_vstate *s)
{
	json_t *root = fixture(name);
	int rc;

	if (root == NULL)
		return -1;
	rc = fleet_parse_vehicle_data(fleet_response(root), s);
	json_decref(root);
	return rc;
}

/* ---- vehicle_data fixtures ------------------------------------------ */

static void
t_vd_ha(void)
{
	struct fleet_vstate s;

	if (!ok(vdata("ha_tesla_fleet__vehicle_data.json", &s) == 0, "parses"))
		return;
	is_int(s.warnings, 0, "no warnings");
	is_int(s.tesla_id, 1234, "id");
	is_str(s.vin, "LRWXF7EK4KC700000", "vin");
	is_str(s.state, "online", "state");
	/* Every sub-object says 1705707520649 ms. */
	is_int(s.ts_ms, 1705707520649LL, "ts");
	is_int(s.gps_as_of, 1701129612LL, "gps_as_of in seconds");
	/* 6481.019282 mi x 1.609344 = 10430.189495 km */
	is_near(s.odometer_km, 10430.189495, 1e-5, "odometer km");
	is_near(s.latitude, -30.222626, 1e-9, "latitude");
	is_near(s.longitude, -97.6236871, 1e-9, "longitude");
	is_int(s.heading, 185, "heading");
	/* 266.87 mi = 429.485633 km; est 275.04 mi = 442.633974 km */
	is_near(s.rated_range_km, 429.485633, 1e-5, "rated range km");
	is_near(s.ideal_range_km, 429.485633, 1e-5, "ideal range km");
	is_near(s.est_range_km, 442.633974, 1e-5, "est range km");
	is_near(s.charge_energy_added_kwh, 0, 0, "energy added");
	is_near(s.charger_power_kw, 0, 0, "charger power");
	is_near(s.charge_rate_kmh, 0, 0, "charge rate");
	is_near(s.time_to_full_charge_h, 0, 0, "time to full");
	is_nan(s.speed_kmh, "speed null while parked");
	is_near(s.power_kw, -7, 0, "power -7 kW (into the battery)");
	is_nan(s.elevation_m, "no elevation in vehicle_data");
	is_near(s.inside_temp_c, 29.8, 1e-9, "inside temp");
	is_near(s.outside_temp_c, 30, 0, "outside temp");
	is_int(s.battery_level, 77, "battery level");
	is_int(s.usable_battery_level, 77, "usable level");
	is_int(s.charge_limit_soc, 80, "charge limit");
	is_int(s.charger_voltage, 2, "idle voltage");
	is_int(s.charger_actual_current, 0, "current");
	is_int(s.charger_phases, FLEET_NOINT, "phases null");
	is_int(s.is_climate_on, 1, "climate on");
	is_int(s.locked, 0, "unlocked");
	is_int(s.sentry_mode, 0, "sentry off");
	is_int(s.fast_charger_present, 0, "no fast charger");
	is_str(s.shift_state, "", "shift null");
	is_str(s.charging_state, "Stopped", "charging state");
	is_str(s.fast_charger_type, "ACSingleWireCAN", "charger type");
	is_str(s.conn_charge_cable, "IEC", "cable");
	is_str(s.software_version, "2023.44.30.8 06f534d46010", "version");
}

static void
t_vd_ha_alt(void)
{
	struct fleet_vstate s;

	if (!ok(vdata("ha_tesla_fleet__vehicle_data_alt.json", &s) == 0,
		"parses despite a null timestamp"))
		return;
	/* charge_state.timestamp null, time_to_full_charge null. */
	is_int(s.warnings, 2, "two warnings");
	is_int(s.ts_ms, 1705707520649LL, "ts from the other parts");
	is_nan(s.time_to_full_charge_h, "time to full dropped");
	is_int(s.battery_level, 77, "the rest of charge_state is kept");
	is_int(s.is_climate_on, 0, "climate off");
	is_str(s.charging_state, "Stopped", "charging state");
	is_near(s.odometer_km, 10430.189495, 1e-5, "odometer km");
}

static void
t_vd_tessie(void)
{
	struct fleet_vstate s;

	/* Tessie's /state: no envelope, no "id", a placeholder VIN. */
	if (!ok(vdata("ha_tessie__online_charging.json", &s) == 0, "parses"))
		return;
	is_int(s.warnings, 1, "one warning (VINVINVIN)");
	is_str(s.vin, "", "placeholder VIN dropped");
	is_int(s.tesla_id, 123456789, "id from id_s");
	is_int(s.ts_ms, 1701139037461LL, "ts");
	is_str(s.charging_state, "Charging", "charging");
	/* 5454.495383 mi = 8778.159418 km */
	is_near(s.odometer_km, 8778.159418, 1e-5, "odometer km");
	/* charge_rate 30.6 mph of range = 49.245926 km/h */
	is_near(s.charge_rate_kmh, 49.245926, 1e-5, "charge rate km/h");
	is_near(s.charger_power_kw, 7, 0, "7 kW");
	is_int(s.charger_voltage, 224, "224 V");
	is_int(s.charger_actual_current, 32, "32 A");
	is_int(s.charger_phases, 1, "one phase");
	is_near(s.charge_energy_added_kwh, 18.47, 1e-9, "18.47 kWh added");
	is_near(s.time_to_full_charge_h, 0.5, 1e-9, "half an hour to full");
	is_int(s.battery_level, 75, "battery 75 %");
	/* 263.68 mi = 424.351826 km; est 324.73 mi = 522.602277 km */
	is_near(s.rated_range_km, 424.351826, 1e-5, "rated km");
	is_near(s.est_range_km, 522.602277, 1e-5, "est km");
	is_near(s.outside_temp_c, 30.5, 1e-9, "outside");
	is_int(s.locked, 1, "locked");
	is_str(s.software_version, "2023.38.6 c1f85ddb415f", "version");
}

static void
t_vd_bitcoin(void)
{
	struct fleet_vstate s;

	if (!ok(vdata("teslatte__vehicle_data_BitcoinLightning_2023_10_09.json",
		    &s) == 0,
		"parses"))
		return;
	is_int(s.warnings, 0, "no warnings");
	is_int(s.tesla_id, 1492932717794313LL, "16-digit id exact");
	is_str(s.vin, "5YJSA2DN0DFP21224", "vin");
	is_int(s.ts_ms, 1696881258123LL, "ts is the latest part");
	is_int(s.gps_as_of, 1696881257LL, "gps_as_of");
	/* 169816.533912 mi = 273293.219952 km */
	is_near(s.odometer_km, 273293.219952, 1e-5, "odometer km");
	is_str(s.charging_state, "Disconnected", "disconnected");
	is_near(s.charge_energy_added_kwh, 7.62, 1e-9, "counter kept");
	/* 152.22 mi = 244.974344 km */
	is_near(s.rated_range_km, 244.974344, 1e-5, "rated km");
	is_str(s.conn_charge_cable, "", "<invalid> cable absent");
	is_str(s.fast_charger_type, "", "<invalid> type absent");
	is_int(s.fast_charger_present, FLEET_NOBOOL, "null present flag");
	is_nan(s.charger_power_kw, "null charger power");
	is_nan(s.outside_temp_c, "null outside temp");
	is_int(s.sentry_mode, FLEET_NOBOOL, "no sentry_mode on 2022.8");
	is_int(s.heading, 125, "heading");
	is_int(s.battery_level, 52, "battery");
}

static void
t_vd_htlc_0919(void)
{
	struct fleet_vstate s;

	if (!ok(vdata("teslatte__vehicle_data_HTLC_2023_09_19.json", &s) == 0,
		"parses"))
		return;
	is_int(s.warnings, 0, "no warnings");
	is_int(s.ts_ms, 1695129645307LL, "ts");
	/* 104374.713449 mi = 167974.818841 km */
	is_near(s.odometer_km, 167974.818841, 1e-5, "odometer km");
	is_str(s.charging_state, "Complete", "complete");
	is_near(s.charge_energy_added_kwh, 15.59, 1e-9, "15.59 kWh");
	is_int(s.charger_voltage, 0, "0 V");
	is_int(s.charger_phases, FLEET_NOINT, "phases null");
	is_int(s.fast_charger_present, 0, "present false");
	is_str(s.conn_charge_cable, "IEC", "IEC");
	is_near(s.outside_temp_c, 19.5, 1e-9, "outside");
	/* 218.21 mi = 351.174954 km; ideal 174.57 mi = 280.943182 km */
	is_near(s.rated_range_km, 351.174954, 1e-5, "rated km");
	is_near(s.ideal_range_km, 280.943182, 1e-5, "ideal km");
}

static void
t_vd_htlc_1009(void)
{
	struct fleet_vstate s;
	struct fleet_params p;

	if (!ok(vdata("teslatte__vehicle_data_HTLC_2023_10_09.json", &s) == 0,
		"parses"))
		return;
	is_int(s.warnings, 0, "no warnings");
	/* vehicle_config (1696881260450) does not count: not a state. */
	is_int(s.ts_ms, 1696881260449LL, "ts");
	/* 104885.252853 mi = 168796.452367 km (GUI in km: still miles) */
	is_near(s.odometer_km, 168796.452367, 1e-5, "odometer km");
	/* 62.2 mi = 100.101197 km, ideal 49.76 mi = 80.080957 km,
	 * est 51.96 mi = 83.621514 km */
	is_near(s.rated_range_km, 100.101197, 1e-5, "rated km");
	is_near(s.ideal_range_km, 80.080957, 1e-5, "ideal km");
	is_near(s.est_range_km, 83.621514, 1e-5, "est km");
	is_str(s.charging_state, "Stopped", "stopped");
	is_nan(s.charger_power_kw, "charger power null when stopped");
	is_int(s.charger_voltage, FLEET_NOINT, "voltage null");
	is_nan(s.outside_temp_c, "outside null");
	is_near(s.inside_temp_c, 23.1, 1e-9, "inside");
	is_int(s.battery_level, 23, "battery");
	is_int(s.charge_limit_soc, 100, "limit");
	is_near(s.latitude, 47.004158, 1e-9, "latitude");

	fleet_vstate_params(&s, &p);
	is_int(p.n, FLEET_VSTATE_NCOLS, "33 parameters");
	is_str(p.v[0], "2023-10-09T19:54:20.449Z", "ts text, UTC with ms");
	ok(p.v[1] != NULL && fabs(strtod(p.v[1], NULL) - 168796.452367) < 1e-5,
	    "odometer text");
	ok(p.v[8] == NULL, "charger_power NULL");
	ok(p.v[13] == NULL, "elevation NULL");
	is_str(p.v[16], "23", "battery_level text");
	ok(p.v[21] == NULL, "charger_phases NULL");
	is_str(p.v[22], "107", "heading text");
	is_str(p.v[23], "false", "is_climate_on text");
	is_str(p.v[24], "true", "locked text");
	ok(p.v[25] == NULL, "sentry_mode NULL");
	is_str(p.v[27], "online", "state text");
	ok(p.v[28] == NULL, "shift_state NULL");
	is_str(p.v[29], "Stopped", "charging_state text");
	ok(p.v[31] == NULL, "conn_charge_cable NULL");
	is_str(p.v[32], "2022.8.10.16 7477b4ff8e78", "software_version");
}

static void
t_vd_gak(void)
{
	struct fleet_vstate s;

	/* Fetched without location_data, VIN sanitised to "XXX". */
	if (!ok(vdata("teslatte__vehicle_data_gak_2023_11_11.json", &s) == 0,
		"parses"))
		return;
	is_int(s.warnings, 1, "one warning (the VIN)");
	is_str(s.vin, "", "VIN dropped");
	is_int(s.tesla_id, 123, "id");
	is_int(s.ts_ms, 1699653893260LL, "ts");
	is_int(s.gps_as_of, 0, "no gps_as_of");
	is_nan(s.latitude, "no latitude");
	is_nan(s.longitude, "no longitude");
	is_int(s.heading, FLEET_NOINT, "no heading");
	/* 11643.048901 mi = 18737.670891 km */
	is_near(s.odometer_km, 18737.670891, 1e-5, "odometer km");
	/* 276.41 mi = 444.838775 km; est 227.57 mi = 366.238414 km */
	is_near(s.rated_range_km, 444.838775, 1e-5, "rated km");
	is_near(s.est_range_km, 366.238414, 1e-5, "est km");
	is_int(s.charger_phases, 2, "phases 2 on a Complete record");
	is_near(s.charge_energy_added_kwh, 0.13, 1e-9, "0.13 kWh");
	is_int(s.sentry_mode, 1, "sentry on");
	is_str(s.software_version, "2023.38.6 c1f85ddb415f", "version");
}

/* ---- vehicle lists and products ------------------------------------- */

static void
t_vehicles_swift(void)
{
	struct fleet_vehicle *v = NULL;
	json_t *root = fixture("teslaswift__Vehicles.json");
	size_t n = 99, skipped = 99;

	if (!ok(root != NULL, "loads"))
		return;
	ok(fleet_parse_vehicles(fleet_response(root), &v, &n, &skipped) == 0,
	    "parses");
	is_int(n, 1, "one car");
	is_int(skipped, 0, "none skipped");
	if (n == 1) {
		is_int(v[0].tesla_id, 321, "id");
		is_int(v[0].vehicle_id, 1234567890, "vehicle_id");
		is_str(v[0].vin, "5YJSA1CN5CFP01657", "vin");
		is_str(v[0].display_name, "mockCar", "name");
		is_str(v[0].state, "online", "state");
		is_int(v[0].in_service, 1, "in service");
		is_int(v[0].warnings, 0, "no warnings");
	}
	free(v);
	json_decref(root);
}

static void
t_wakeup_swift(void)
{
	struct fleet_vehicle v;
	json_t *root = fixture("teslaswift__WakeUp.json");

	if (!ok(root != NULL, "loads"))
		return;
	ok(fleet_parse_vehicle(fleet_response(root), &v) == 0, "parses");
	is_int(v.tesla_id, 321, "id");
	is_str(v.vin, "5YJSA1CN5CFP01657", "vin");
	is_str(v.state, "online", "online after wake_up");
	json_decref(root);
}

static void
t_products_gak(void)
{
	struct fleet_product *p = NULL;
	json_t *root = fixture("teslatte__products_gak_2024_01_20.json");
	size_t n = 0, skipped = 0;
	const struct fleet_site *s;

	if (!ok(root != NULL, "loads"))
		return;
	ok(fleet_parse_products(fleet_response(root), &p, &n, &skipped) == 0,
	    "parses");
	/* The car's VIN was sanitised to "LR": it cannot be stored. */
	is_int(n, 1, "one usable product");
	is_int(skipped, 1, "the car with VIN \"LR\" skipped");
	if (n == 1 && ok(p[0].kind == FLEET_PRODUCT_SITE, "a site")) {
		s = &p[0].u.site;
		is_int(s->energy_site_id, 247079748146LL, "12-digit site id");
		is_str(s->site_name, "", "empty name");
		is_str(s->resource_type, "battery", "battery");
		is_int(s->has_battery, 1, "battery");
		is_int(s->has_solar, 1, "solar");
		is_int(s->has_grid, 1, "grid");
		is_int(s->has_load_meter, 1, "load meter");
		is_int(s->wall_connectors, 1, "one wall connector");
		/* 13136.26315789474 Wh; 41671 Wh */
		is_near(s->energy_left_kwh, 13.13626315789474, 1e-9, "kWh");
		is_near(s->total_pack_energy_kwh, 41.671, 1e-9, "pack kWh");
		is_near(s->percentage_charged, 31.52375310862408, 1e-9, "%");
		is_near(s->battery_power_w, 3520, 0, "W");
		is_int(s->warnings, 0, "no warnings");
	}
	free(p);
	json_decref(root);
}

static void
t_products_ulr(void)
{
	struct fleet_product *p = NULL;
	json_t *root = fixture("teslatte__products_ulr_2024_08_14.json");
	size_t n = 0, skipped = 0;

	if (!ok(root != NULL, "loads"))
		return;
	ok(fleet_parse_products(fleet_response(root), &p, &n, &skipped) == 0,
	    "parses");
	is_int(n, 2, "two cars");
	is_int(skipped, 0, "none skipped");
	if (n == 2) {
		ok(p[0].kind == FLEET_PRODUCT_VEHICLE, "a car");
		is_int(p[0].u.vehicle.tesla_id, 1492932717794313LL, "id 1");
		is_int(p[0].u.vehicle.vehicle_id, 415321864, "vehicle_id 1");
		is_str(p[0].u.vehicle.vin, "5YJSA2DN0DFP21224", "vin 1");
		is_str(p[0].u.vehicle.state, "asleep", "asleep 1");
		is_str(p[0].u.vehicle.display_name, "", "no name");
		is_int(p[1].u.vehicle.tesla_id, 1492931365719407LL, "id 2");
		is_str(p[1].u.vehicle.vin, "5YJSA7H4XFF088491", "vin 2");
		is_str(p[1].u.vehicle.state, "asleep", "asleep 2");
		is_int(p[1].u.vehicle.in_service, 0, "not in service");
	}
	free(p);
	json_decref(root);
}

static void
t_products_teslemetry(void)
{
	struct fleet_product *p = NULL;
	json_t *root = fixture("ha_teslemetry__products.json");
	size_t n = 0, skipped = 0;

	if (!ok(root != NULL, "loads"))
		return;
	ok(fleet_parse_products(fleet_response(root), &p, &n, &skipped) == 0,
	    "parses");
	is_int(n, 3, "a car and two sites");
	is_int(skipped, 0, "none skipped");
	if (n == 3) {
		ok(p[0].kind == FLEET_PRODUCT_VEHICLE, "first is the car");
		is_str(p[0].u.vehicle.vin, "LRW3F7EK4NC700000", "vin");
		is_str(p[0].u.vehicle.state, "asleep", "asleep");
		is_str(p[0].u.vehicle.display_name, "Test", "name");
		ok(p[1].kind == FLEET_PRODUCT_SITE, "second is a site");
		is_int(p[1].u.site.energy_site_id, 123456, "site id");
		is_str(p[1].u.site.site_name, "Energy Site", "site name");
		is_int(p[1].u.site.wall_connectors, 2, "two connectors");
		/* 23286.105263157893 Wh; 40804 Wh */
		is_near(p[1].u.site.energy_left_kwh, 23.286105263157893, 1e-9,
		    "energy left kWh");
		is_near(p[1].u.site.total_pack_energy_kwh, 40.804, 1e-9,
		    "pack kWh");
		is_near(p[1].u.site.battery_power_w, 14990, 0, "W");
		ok(p[2].kind == FLEET_PRODUCT_SITE, "third is a site");
		is_int(p[2].u.site.energy_site_id, 98765, "bare site id");
		is_int(p[2].u.site.has_battery, 0, "no battery");
		is_int(p[2].u.site.has_solar, 0, "no solar");
		is_int(p[2].u.site.wall_connectors, 0, "no connectors");
		is_str(p[2].u.site.site_name, "", "no name");
		is_nan(p[2].u.site.percentage_charged, "no percentage");
		is_int(p[2].u.site.warnings, 0, "absent is not a warning");
	}
	free(p);
	json_decref(root);
}

/* ---- energy ----------------------------------------------------------- */

static void
t_site_info(void)
{
	struct fleet_site_info si;
	json_t *root = fixture("ha_tesla_fleet__site_info.json");

	if (!ok(root != NULL, "loads"))
		return;
	ok(fleet_parse_site_info(fleet_response(root), &si) == 0, "parses");
	is_int(si.warnings, 0, "no warnings");
	is_str(si.site_name, "Site", "name");
	is_str(si.time_zone, "", "empty installation_time_zone is absent");
	is_int(si.battery_count, 2, "two batteries");
	/* nameplate_energy 40500 Wh, nameplate_power 15000 W */
	is_near(si.total_capacity_kwh, 40.5, 1e-12, "40.5 kWh");
	is_near(si.nameplate_power_kw, 15.0, 1e-12, "15 kW");
	is_int(si.has_solar, 1, "solar");
	is_int(si.has_battery, 1, "battery");
	is_int(si.has_grid, 1, "grid");
	is_int(si.backup_reserve_pct, 0, "backup reserve 0 %");
	is_str(si.operation_mode, "self_consumption", "operation mode");
	ok(si.tariff == NULL, "no tariff in this fixture");
	fleet_site_info_clear(&si);
	json_decref(root);
}

/* Checks one live_status fixture against the given values. */
static void
check_live(const char *name, long long ts, double solar, double battery,
    double grid, double load, double pct, double left_kwh, double pack_kwh)
{
	struct fleet_live l;
	json_t *root = fixture(name);

	if (!ok(root != NULL, "loads"))
		return;
	ok(fleet_parse_live_status(fleet_response(root), &l) == 0, "parses");
	is_int(l.ts, ts, "timestamp with offset to epoch");
	is_near(l.solar_power_w, solar, 0, "solar W");
	is_near(l.battery_power_w, battery, 0, "battery W");
	is_near(l.grid_power_w, grid, 0, "grid W");
	is_near(l.load_power_w, load, 0, "load W");
	is_near(l.generator_power_w, 0, 0, "generator W");
	is_near(l.battery_percent, pct, 1e-12, "percent");
	if (isnan(left_kwh))
		is_nan(l.energy_left_kwh, "no energy_left");
	else
		is_near(l.energy_left_kwh, left_kwh, 1e-9, "energy left kWh");
	if (isnan(pack_kwh))
		is_nan(l.total_pack_energy_kwh, "no total_pack_energy");
	else
		is_near(l.total_pack_energy_kwh, pack_kwh, 1e-9, "pack kWh");
	is_near(l.wall_connector_power_w, 0, 0, "wall connectors idle");
	is_str(l.grid_status, "Active", "grid status");
	is_str(l.island_status, "on_grid", "island status");
	is_int(l.storm_mode_active, 0, "no storm mode");
	is_int(l.balanced, 1, "load = solar + battery + grid + generator");
	is_int(l.warnings, 0, "no warnings");
	json_decref(root);
}

static void
t_live_teslemetry(void)
{
	/* 1185 + 5060 + 0 = 6245 W; 2024-01-01T00:00:00+00:00 */
	check_live("ha_teslemetry__live_status.json", 1704067200LL, 1185, 5060,
	    0, 6245, 95.50537403739663, NAN, NAN);
}

static void
t_live_plugged_in(void)
{
	/* 16176 - 13950 + 0 = 2226 W (Powerwall charging);
	 * 2023-11-06T10:30:11+11:00 = 2023-11-05T23:30:11Z */
	check_live(
	    "teslatte__energy_sites_live_status_gak_plugged_in_2023_11_06.json",
	    1699227011LL, 16176, -13950, 0, 2226, 90.21333866145918,
	    37.78405263157895, 41.883);
}

static void
t_live_unplugged(void)
{
	/* 16854 + 0 - 12949 = 3905 W (exporting); 11:51:17+11:00 */
	check_live(
	    "teslatte__energy_sites_live_status_gak_unplugged_2023_11_06.json",
	    1699231877LL, 16854, 0, -12949, 3905, 100, 41.88, 41.88);
}

static void
t_history(void)
{
	struct fleet_ehistory h;
	json_t *root = fixture("ha_tesla_fleet__energy_history.json");
	struct fleet_params p;

	if (!ok(root != NULL, "loads"))
		return;
	ok(fleet_parse_energy_history(fleet_response(root), &h) == 0, "parses");
	is_str(h.period, "day", "period");
	is_str(h.time_zone, "America/Los_Angeles", "zone");
	is_int(h.n, 2, "two buckets");
	is_int(h.bucket_s, 300, "five-minute buckets");
	is_int(h.warnings, 0, "no warnings");
	if (h.n == 2) {
		/* 2023-06-01T01:00:00-07:00 = 08:00Z */
		is_int(h.b[0].ts, 1685606400LL, "bucket 0 start");
		is_int(h.b[1].ts, 1685606700LL, "bucket 1 start");
		is_near(h.b[0].kwh[FLEET_E_SOLAR_EXPORTED], 70.94, 1e-12,
		    "70940 Wh solar");
		is_near(h.b[0].kwh[FLEET_E_GRID_SERVICES_IMPORTED], 0.01753125,
		    1e-15, "17.53125 Wh fractional");
		is_near(h.b[0].kwh[FLEET_E_GRID_SERVICES_EXPORTED],
		    0.00380859375, 1e-15, "3.80859375 Wh");
		is_near(h.b[0].kwh[FLEET_E_CONSUMER_IMPORTED_FROM_BATTERY],
		    10.011, 1e-12, "10011 Wh home from battery");
		is_near(h.b[0].kwh[FLEET_E_GRID_EXPORTED_FROM_BATTERY], 0.019,
		    1e-12, "19 Wh");
		is_near(h.b[1].kwh[FLEET_E_SOLAR_EXPORTED], 140.94, 1e-12,
		    "140940 Wh solar");
		is_near(h.b[1].kwh[FLEET_E_GENERATOR_EXPORTED], 0.001, 1e-15,
		    "1 Wh generator");
		is_near(h.b[1].kwh[FLEET_E_BATTERY_IMPORTED_FROM_GRID], 0, 0,
		    "0 Wh");
		fleet_ebucket_params(&h.b[0], &p);
		is_int(p.n, FLEET_EBUCKET_NCOLS, "17 parameters");
		is_str(p.v[0], "2023-06-01T08:00:00Z", "ts text");
		is_str(p.v[1], "70.94", "solar kWh text");
	}
	fleet_ehistory_clear(&h);
	json_decref(root);
}

static void
t_history_overnight(void)
{
	struct fleet_ehistory h;
	json_t *root = fixture("ha_tesla_fleet__energy_history_overnight.json");
	double grid = 0;
	size_t i;

	if (!ok(root != NULL, "loads"))
		return;
	ok(fleet_parse_energy_history(fleet_response(root), &h) == 0, "parses");
	is_str(h.time_zone, "Europe/London", "zone");
	is_int(h.n, 4, "four buckets");
	is_int(h.bucket_s, 300, "five minutes");
	is_int(h.warnings, 0, "missing total_* keys are not warnings");
	if (h.n == 4) {
		/* 2026-09-12T00:00:00+01:00 = 2026-09-11T23:00:00Z */
		is_int(h.b[0].ts, 1789167600LL, "first bucket");
		is_int(h.b[3].ts, 1789168500LL, "last bucket");
		for (i = 0; i < h.n; i++)
			grid += h.b[i].kwh[FLEET_E_GRID_IMPORTED];
		/* 1250 + 1340 + 1310 + 1200 Wh */
		is_near(grid, 5.1, 1e-12, "5.1 kWh imported");
		is_near(h.b[0].kwh[FLEET_E_BATTERY_IMPORTED_FROM_GRID], 1.0,
		    1e-12, "battery from grid");
		is_near(h.b[0].kwh[FLEET_E_CONSUMER_IMPORTED_FROM_GRID], 0.25,
		    1e-12, "home from grid");
		is_near(h.b[2].kwh[FLEET_E_SOLAR_EXPORTED], 0, 0, "no sun");
	}
	fleet_ehistory_clear(&h);
	json_decref(root);
}

static void
t_history_empty(void)
{
	struct fleet_ehistory h;
	json_t *root = fixture("ha_teslemetry__energy_history_empty.json");

	if (!ok(root != NULL, "loads"))
		return;
	ok(fleet_parse_energy_history(fleet_response(root), &h) == 0,
	    "time_series null is not an error");
	is_int(h.n, 0, "zero buckets");
	ok(h.b == NULL, "nothing allocated");
	is_str(h.time_zone, "Australia/Brisbane", "zone");
	is_int(h.warnings, 0, "no warnings");
	fleet_ehistory_clear(&h);
	json_decref(root);
}

/*
 * calendar_history?kind=power: there is no recorded response, so this
 * document is project-authored, in the shape the Owner-API community docs
 * give (15-minute samples in W, timestamps with the site's offset, no
 * load).  The expected values below are worked out by hand.
 */
static const char power_doc[] =
    "{\"response\":{\"serial_number\":\"TG000000000000\","
    "\"installation_time_zone\":\"Australia/Sydney\",\"time_series\":["
    "{\"timestamp\":\"2023-11-06T10:00:00+11:00\",\"solar_power\":5230.5,"
    "\"battery_power\":-2100,\"grid_power\":-1500,"
    "\"grid_services_power\":0,\"generator_power\":0},"
    "{\"timestamp\":\"2023-11-06T10:15:00+11:00\",\"solar_power\":0,"
    "\"battery_power\":850,\"grid_power\":420,"
    "\"grid_services_power\":0,\"generator_power\":0},"
    "{\"timestamp\":\"2023-11-06T10:30:00+11:00\",\"solar_power\":1200,"
    "\"battery_power\":0,\"grid_power\":300,"
    "\"grid_services_power\":-50}]}}";

static void
t_power_history(void)
{
	struct fleet_live *l = NULL;
	struct fleet_params p;
	json_t *root = js(power_doc);
	size_t n = 99;
	int w = 99, i, nulls;

	ok(fleet_parse_power_history(fleet_response(root), &l, &n, &w) == 0,
	    "parses");
	is_int(n, 3, "three samples");
	is_int(w, 0, "no warnings");
	if (n == 3) {
		/* 2023-11-06T10:00:00+11:00 = 2023-11-05T23:00:00Z */
		is_int(l[0].ts, 1699225200LL, "sample 0 at 23:00Z");
		is_int(l[1].ts, 1699226100LL, "sample 1 15 minutes later");
		is_int(l[2].ts, 1699227000LL, "sample 2 at 23:30Z");
		is_near(l[0].solar_power_w, 5230.5, 0, "solar W");
		is_near(
		    l[0].battery_power_w, -2100, 0, "charging the Powerwall");
		is_near(l[0].grid_power_w, -1500, 0, "exporting");
		/* 5230.5 - 2100 - 1500 + 0 */
		is_near(l[0].load_power_w, 1630.5, 0, "load computed");
		is_near(l[0].generator_power_w, 0, 0, "generator 0 W");
		is_near(l[0].grid_services_power_w, 0, 0, "grid services 0 W");
		/* 0 + 850 + 420 + 0 */
		is_near(l[1].load_power_w, 1270, 0, "night: battery + grid");
		is_near(l[1].battery_power_w, 850, 0, "discharging");
		/* 1200 + 0 + 300, the absent generator counting 0 */
		is_near(l[2].load_power_w, 1500, 0, "load without generator");
		is_nan(l[2].generator_power_w, "generator absent");
		is_near(l[2].grid_services_power_w, -50, 0, "grid services");
		for (i = 0; i < 3; i++) {
			is_nan(
			    l[i].wall_connector_power_w, "no wall connectors");
			is_nan(l[i].battery_percent, "no percentage");
			is_nan(l[i].energy_left_kwh, "no energy left");
			is_nan(l[i].total_pack_energy_kwh, "no pack energy");
			is_int(
			    l[i].storm_mode_active, FLEET_NOBOOL, "no storm");
			is_str(l[i].grid_status, "", "no grid status");
			is_str(l[i].island_status, "", "no island status");
			is_int(l[i].balanced, -1, "load computed, not checked");
			is_int(l[i].warnings, 0, "sample without warnings");
		}

		fleet_live_params(&l[0], &p);
		is_int(p.n, FLEET_LIVE_NCOLS, "14 parameters");
		is_str(p.v[0], "2023-11-05T23:00:00Z", "ts text");
		is_str(p.v[1], "5230.5", "solar text");
		is_str(p.v[2], "-2100", "battery text");
		is_str(p.v[3], "-1500", "grid text");
		is_str(p.v[4], "1630.5", "load text");
		is_str(p.v[5], "0", "generator text");
		is_str(p.v[6], "0", "grid services text");
		for (nulls = 0, i = 7; i < p.n; i++)
			nulls += p.v[i] == NULL;
		is_int(nulls, 7, "the other seven columns are NULL");

		fleet_live_params(&l[2], &p);
		ok(p.v[5] == NULL, "absent generator is NULL");
		is_str(p.v[4], "1500", "load text");
		is_str(p.v[6], "-50", "grid services text");
	}
	free(l);
	json_decref(root);
}

/* Parses one document; returns the sample count (-1 on failure). */
static long
power_n(const char *text, struct fleet_live **l, int *w)
{
	json_t *j = js(text);
	size_t n = 0;
	int rc;

	*l = NULL;
	*w = -1;
	rc = fleet_parse_power_history(j, l, &n, w);
	json_decref(j);
	return rc == -1 ? -1 : (long)n;
}

#define PS "{\"timestamp\":\"2023-11-06T10:00:00+11:00\","

static void
t_power_history_bad(void)
{
	static const struct {
		const char *sample;
		const char *why;
	} dropped[] = {
		{ PS "\"solar_power\":\"5230\",\"battery_power\":0,"
		     "\"grid_power\":0}",
		    "string solar_power" },
		{ PS "\"solar_power\":1,\"battery_power\":\"-2100\","
		     "\"grid_power\":0}",
		    "string battery_power" },
		{ PS "\"solar_power\":1,\"battery_power\":0,\"grid_power\":"
		     "\"<invalid>\"}",
		    "<invalid> grid_power" },
		{ PS "\"solar_power\":1,\"battery_power\":0,\"grid_power\":0,"
		     "\"generator_power\":\"0\"}",
		    "string generator_power" },
		{ PS "\"solar_power\":1,\"battery_power\":0,\"grid_power\":0,"
		     "\"grid_services_power\":true}",
		    "boolean grid_services_power" },
		{ PS "\"solar_power\":1,\"battery_power\":0}",
		    "no grid_power" },
		{ PS "\"solar_power\":1,\"battery_power\":null,"
		     "\"grid_power\":0}",
		    "null battery_power" },
		{ PS "\"solar_power\":2e7,\"battery_power\":0,"
		     "\"grid_power\":0}",
		    "solar out of range" },
		{ "{\"solar_power\":1,\"battery_power\":0,\"grid_power\":0}",
		    "no timestamp" },
		{ "{\"timestamp\":null,\"solar_power\":1,\"battery_power\":0,"
		  "\"grid_power\":0}",
		    "null timestamp" },
		{ "{\"timestamp\":\"2023-11-06 10:00\",\"solar_power\":1,"
		  "\"battery_power\":0,\"grid_power\":0}",
		    "timestamp without seconds or offset" },
		{ "{\"timestamp\":1699225200,\"solar_power\":1,"
		  "\"battery_power\":0,\"grid_power\":0}",
		    "number timestamp" },
		{ "7", "not an object" },
		{ "[]", "an array" },
	};
	struct fleet_live *l;
	char text[512];
	size_t i;
	int w = 0;

	for (i = 0; i < nitems(dropped); i++) {
		/* The bad sample between two good ones. */
		snprintf(text, sizeof(text),
		    "{\"time_series\":[" PS "\"solar_power\":1,"
		    "\"battery_power\":2,\"grid_power\":3},%s,"
		    "{\"timestamp\":\"2023-11-06T10:30:00+11:00\","
		    "\"solar_power\":4,\"battery_power\":5,\"grid_power\":6}"
		    "]}",
		    dropped[i].sample);
		is_int(power_n(text, &l, &w), 2, dropped[i].why);
		is_int(w, 1, "dropped with one warning");
		if (l != NULL) {
			is_near(l[0].load_power_w, 6, 0, "1 + 2 + 3 kept");
			is_near(l[1].load_power_w, 15, 0, "4 + 5 + 6 kept");
		}
		free(l);
	}

	is_int(power_n("{\"time_series\":[" PS "\"solar_power\":1,"
		       "\"battery_power\":0,\"grid_power\":0,"
		       "\"generator_power\":null,\"grid_services_power\":null}"
		       "]}",
		   &l, &w),
	    1, "null generator and grid services: kept");
	is_int(w, 0, "silently");
	if (l != NULL) {
		is_nan(l[0].generator_power_w, "generator absent");
		is_nan(l[0].grid_services_power_w, "grid services absent");
		is_near(l[0].load_power_w, 1, 0, "load 1 W");
	}
	free(l);

	is_int(power_n("{\"time_series\":[" PS "\"solar_power\":9e6,"
		       "\"battery_power\":9e6,\"grid_power\":0}]}",
		   &l, &w),
	    1, "18 MW load: sample kept");
	is_int(w, 1, "one warning");
	if (l != NULL) {
		is_nan(l[0].load_power_w, "load out of the column's range");
		is_near(l[0].solar_power_w, 9e6, 0, "solar kept");
		is_int(l[0].warnings, 1, "counted on the sample too");
	}
	free(l);

	/* DST end in Europe/Berlin: 02:45+02:00, then 02:00+01:00. */
	is_int(power_n("{\"time_series\":["
		       "{\"timestamp\":\"2024-10-27T02:45:00+02:00\","
		       "\"solar_power\":0,\"battery_power\":300,"
		       "\"grid_power\":0},"
		       "{\"timestamp\":\"2024-10-27T02:00:00+01:00\","
		       "\"solar_power\":0,\"battery_power\":280,"
		       "\"grid_power\":0}]}",
		   &l, &w),
	    2, "a DST-end pair");
	if (l != NULL)
		is_int(l[1].ts - l[0].ts, 900, "15 minutes apart in UTC");
	free(l);

	is_int(
	    power_n("{\"serial_number\":\"x\",\"time_series\":null}", &l, &w),
	    0, "time_series null: no samples");
	is_int(w, 0, "not a warning");
	ok(l == NULL, "nothing allocated");
	is_int(power_n("{\"serial_number\":\"x\"}", &l, &w), 0,
	    "time_series missing: no samples");
	is_int(w, 0, "not a warning");
	is_int(power_n("{\"time_series\":[]}", &l, &w), 0, "empty list");
	ok(l == NULL, "nothing allocated");
	is_int(power_n("{\"time_series\":\"x\"}", &l, &w), 0,
	    "time_series a string: no samples");
	is_int(w, 1, "one warning");
	is_int(power_n("{\"time_series\":[{},7]}", &l, &w), 0,
	    "only unusable samples");
	is_int(w, 2, "one warning each");
	ok(l == NULL, "nothing allocated when nothing is kept");

	is_int(power_n("[]", &l, &w), -1, "an array is not a response");
	ok(l == NULL, "out is NULL");
	is_int(power_n("\"x\"", &l, &w), -1, "a string is not a response");
	is_int(power_n("null", &l, &w), -1, "null is not a response");
	{
		size_t n = 5;

		w = 0;
		is_int(fleet_parse_power_history(NULL, &l, &n, &w), -1,
		    "NULL is not a response");
		is_int(n, 0, "no samples");
		is_int(w, 1, "one warning");
	}
}

static void
t_power_history_cap(void)
{
	struct fleet_live *l = NULL;
	size_t i, n = 0, len = FLEET_LIST_MAX + 5;
	json_t *arr = json_array(), *j;
	char when[32];
	int w = 0;

	/* 10005 quarter hours from 2023-06-01T00:00:00Z (1685577600). */
	for (i = 0; i < len; i++) {
		time_rfc3339(
		    1685577600LL + 900LL * (long long)i, when, sizeof(when));
		json_array_append_new(arr,
		    json_pack("{s:s,s:i,s:i,s:i}", "timestamp", when,
			"solar_power", (int)i, "battery_power", 0, "grid_power",
			1));
	}
	j = json_pack("{s:o}", "time_series", arr);
	ok(fleet_parse_power_history(j, &l, &n, &w) == 0, "parses");
	is_int(n, FLEET_LIST_MAX, "capped at FLEET_LIST_MAX");
	is_int(w, 1, "one warning for the cap");
	if (n == FLEET_LIST_MAX) {
		is_int(l[n - 1].ts - l[0].ts, 900LL * (FLEET_LIST_MAX - 1),
		    "the first ones kept");
		is_near(l[n - 1].load_power_w, FLEET_LIST_MAX, 0,
		    "last load (FLEET_LIST_MAX - 1) + 1");
	}
	free(l);
	json_decref(j);
}

/* ---- OAuth ------------------------------------------------------------ */

/*
 * Returns the response body of a VCR cassette: the last "string: '...'"
 * (YAML single-quoted, '' is a quote).  malloc'd or NULL.
 */
static char *
cassette_body(const char *text)
{
	const char *p, *last = NULL;
	char *out, *o;

	for (p = text; (p = strstr(p, "string: '")) != NULL; p++)
		last = p + strlen("string: '");
	if (last == NULL || (out = malloc(strlen(last) + 1)) == NULL)
		return NULL;
	for (o = out, p = last; *p != '\0'; p++) {
		if (*p == '\'' && p[1] == '\'')
			*o++ = *p++;
		else if (*p == '\'')
			break;
		else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

static void
t_cassette_refresh(void)
{
	struct fleet_token t = { 0 };
	char path[512], *text, *body;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/timdorr__cassette_client-refresh.yml",
	    fixdir());
	if (!ok((text = slurp(path, NULL)) != NULL, "reads the cassette"))
		return;
	body = cassette_body(text);
	ok(body != NULL && body[0] == '{', "finds the response body");
	doc = body != NULL ? json_loads(body, 0, NULL) : NULL;
	if (ok(doc != NULL, "the body is JSON")) {
		ok(fleet_token_parse(doc, &t) == 0, "token response parses");
		is_str(t.access_token, "acess", "access token");
		is_str(t.refresh_token, "<TESLA_REFRESH_TOKEN>",
		    "the new refresh token");
		is_int(t.expires_in, 28800, "8 hours");
	}
	fleet_token_clear(&t);
	ok(t.access_token == NULL && t.refresh_token == NULL, "cleared");
	json_decref(doc);
	free(body);
	free(text);
}

static void
t_token_bad(void)
{
	static const char *const bad[] = {
		"{\"refresh_token\":\"r\",\"expires_in\":10}",
		"{\"access_token\":\"\",\"expires_in\":10}",
		"{\"access_token\":\"a b\",\"expires_in\":10}",
		"{\"access_token\":\"a\\r\\nX-Evil: 1\",\"expires_in\":10}",
		"{\"access_token\":7,\"expires_in\":10}",
		"{\"access_token\":\"a\",\"expires_in\":\"10\"}",
		"{\"access_token\":\"a\",\"expires_in\":0}",
		"{\"access_token\":\"a\"}",
		"{\"access_token\":\"a\",\"expires_in\":10,"
		"\"token_type\":\"mac\"}",
		"{\"access_token\":\"a\",\"expires_in\":10,"
		"\"refresh_token\":\"\\u00e9\"}",
		"[\"access_token\"]",
		"\"access_token\"",
	};
	struct fleet_token t = { 0 };
	char msg[64];
	json_t *j;
	size_t i;

	for (i = 0; i < nitems(bad); i++) {
		j = js(bad[i]);
		snprintf(msg, sizeof(msg), "bad token response %zu refused", i);
		ok(fleet_token_parse(j, &t) == -1 && t.access_token == NULL &&
			t.refresh_token == NULL,
		    msg);
		json_decref(j);
	}
	j = js("{\"access_token\":\"a.b-c_d\",\"expires_in\":10,"
	       "\"token_type\":\"bearer\",\"refresh_token\":null}");
	ok(fleet_token_parse(j, &t) == 0, "no refresh token is fine");
	ok(t.refresh_token == NULL, "refresh token NULL");
	fleet_token_clear(&t);
	json_decref(j);

	is_int(fleet_token_login_required(401, NULL), 1, "401");
	is_int(fleet_token_login_required(401, "login_required"), 1,
	    "401 login_required");
	is_int(fleet_token_login_required(400, "invalid_grant"), 1,
	    "400 invalid_grant");
	is_int(fleet_token_login_required(400, "login_required"), 1,
	    "400 login_required");
	is_int(fleet_token_login_required(400, "invalid_request"), 0,
	    "400 invalid_request");
	is_int(fleet_token_login_required(400, NULL), 0, "400 bare");
	is_int(fleet_token_login_required(503, "login_required"), 0,
	    "503 is transient");
	is_int(fleet_token_login_required(0, NULL), 0, "transport error");
}

/* ---- bad input ------------------------------------------------------- */

/* A minimal vehicle_data with every state; fmt gets extra members. */
static json_t *
vd_with(const char *charge, const char *vehicle)
{
	char text[4096];

	snprintf(text, sizeof(text),
	    "{\"id\":5,\"vin\":\"5YJSA7H4XFF088491\",\"state\":\"online\","
	    "\"charge_state\":{\"timestamp\":1696881260449,"
	    "\"battery_level\":50,\"usable_battery_level\":50,"
	    "\"battery_range\":100,\"ideal_battery_range\":100,"
	    "\"est_battery_range\":100,\"charge_energy_added\":1,"
	    "\"charge_limit_soc\":80,\"charge_rate\":0,"
	    "\"charging_state\":\"Stopped\",\"time_to_full_charge\":0%s},"
	    "\"climate_state\":{\"timestamp\":1696881260449,"
	    "\"inside_temp\":20,\"is_climate_on\":false},"
	    "\"drive_state\":{\"timestamp\":1696881260449,\"power\":0},"
	    "\"vehicle_state\":{\"timestamp\":1696881260449,"
	    "\"odometer\":10,\"car_version\":\"1\",\"locked\":true%s}}",
	    charge, vehicle);
	return js(text);
}

static void
t_vd_clean_base(void)
{
	struct fleet_vstate s;
	json_t *j = vd_with("", "");

	ok(fleet_parse_vehicle_data(j, &s) == 0, "base parses");
	is_int(s.warnings, 0, "the base document is clean");
	is_int(s.tesla_id, 5, "id");
	json_decref(j);
}

static void
t_vd_wrong_types(void)
{
	struct fleet_vstate s;
	json_t *j;

	j = vd_with(",\"battery_level\":\"77\",\"charger_power\":\"7\","
		    "\"fast_charger_present\":1,\"charging_state\":5",
	    ",\"odometer\":\"12\",\"locked\":\"yes\"");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "parses");
	is_int(s.battery_level, FLEET_NOINT, "string battery level dropped");
	is_nan(s.charger_power_kw, "string charger power dropped");
	is_int(s.fast_charger_present, FLEET_NOBOOL, "number bool dropped");
	is_str(s.charging_state, "", "number charging_state dropped");
	is_nan(s.odometer_km, "string odometer dropped");
	is_int(s.locked, FLEET_NOBOOL, "string bool dropped");
	is_int(s.warnings, 6, "six warnings");
	json_decref(j);
}

static void
t_vd_ranges(void)
{
	struct fleet_vstate s;
	json_t *j;

	/* Later duplicate keys win in jansson: the values under test. */
	j = vd_with(",\"battery_level\":101,\"usable_battery_level\":-1,"
		    "\"charger_phases\":4,\"battery_range\":1e300",
	    ",\"odometer\":-0.5");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "parses");
	is_int(s.battery_level, FLEET_NOINT, "101 % dropped");
	is_int(s.usable_battery_level, FLEET_NOINT, "-1 % dropped");
	is_int(s.charger_phases, FLEET_NOINT, "4 phases dropped");
	is_nan(s.rated_range_km, "1e300 miles dropped");
	is_nan(s.odometer_km, "negative odometer dropped");
	is_int(s.warnings, 5, "five warnings");
	json_decref(j);

	j = js("{\"charge_state\":{\"timestamp\":1696881260449},"
	       "\"drive_state\":{\"latitude\":91,\"longitude\":8.6,"
	       "\"heading\":361,\"speed\":1e308}}");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "parses");
	is_nan(s.latitude, "latitude 91 dropped");
	is_nan(s.longitude, "longitude without latitude dropped");
	is_int(s.heading, FLEET_NOINT, "heading 361 dropped");
	is_nan(s.speed_kmh, "1e308 mph overflows to inf: dropped");
	json_decref(j);

	j = js("{\"charge_state\":{\"timestamp\":1696881260449},"
	       "\"drive_state\":{\"latitude\":-45,\"longitude\":-181}}");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "parses");
	ok(isnan(s.latitude) && isnan(s.longitude), "longitude -181 dropped");
	json_decref(j);

	/* Outside the int64 range: jansson refuses the whole document. */
	ok(json_loads("{\"id\":99999999999999999999}", 0, NULL) == NULL,
	    "huge integer refused by the loader");
	ok(json_loads("{\"odometer\":1e400}", 0, NULL) == NULL,
	    "real overflow refused by the loader");
}

static void
t_vd_sentinels(void)
{
	struct fleet_vstate s;
	json_t *j;

	j = vd_with(",\"conn_charge_cable\":\"<invalid>\","
		    "\"fast_charger_type\":\"<invalid>\","
		    "\"battery_level\":\"<invalid>\",\"charger_power\":null",
	    ",\"sentry_mode\":null");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "parses");
	is_str(s.conn_charge_cable, "", "<invalid> cable is absent");
	is_str(s.fast_charger_type, "", "<invalid> type is absent");
	is_int(s.battery_level, FLEET_NOINT, "<invalid> level is absent");
	is_int(s.warnings, 1, "only the required battery_level warns");
	json_decref(j);
}

static void
t_vd_strings(void)
{
	struct fleet_vstate s;
	json_t *j;
	int w;

	j = vd_with(",\"charging_state\":\"Preparing\"", "");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "parses");
	is_str(s.charging_state, "Preparing", "unknown word kept as sent");
	is_int(s.warnings, 1, "but warned");
	json_decref(j);

	j = vd_with(",\"charging_state\":\"Char ging!\"", "");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "parses");
	is_str(s.charging_state, "", "malformed charging_state dropped");
	is_int(s.warnings, 1, "one warning");
	json_decref(j);

	j = js("{\"charge_state\":{\"timestamp\":1696881260449},"
	       "\"drive_state\":{\"shift_state\":\"SNA\"}}");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "parses");
	is_str(s.shift_state, "", "SNA is no gear");
	w = s.warnings;
	json_decref(j);

	j = js("{\"charge_state\":{\"timestamp\":1696881260449},"
	       "\"drive_state\":{\"shift_state\":\"D\"}}");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "parses");
	is_str(s.shift_state, "D", "D");
	is_int(w, s.warnings, "SNA warns no more than D");
	json_decref(j);

	j = js("{\"charge_state\":{\"timestamp\":1696881260449},"
	       "\"drive_state\":{\"shift_state\":\"Drive\"}}");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "parses");
	is_str(s.shift_state, "", "Drive is not a gear letter");
	is_int(s.warnings, w + 1, "and warns");
	json_decref(j);

	j = vd_with("", ",\"car_version\":\"2023\\u0001\"");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "parses");
	is_str(s.software_version, "", "control character refused");
	is_int(s.warnings, 1, "one warning");
	json_decref(j);
}

static void
t_vd_state(void)
{
	struct fleet_vstate s;
	json_t *j;

	j = js("{\"state\":\"sleeping\",\"vin\":\"5YJSA7H4XFF088491\","
	       "\"charge_state\":{\"timestamp\":1696881260449}}");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "parses");
	is_str(s.state, "unknown", "unknown state string");
	json_decref(j);
	j = js("{\"state\":null,\"charge_state\":{\"timestamp\":"
	       "1696881260449}}");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "parses");
	is_str(s.state, "unknown", "null state");
	json_decref(j);
}

static void
t_vd_missing(void)
{
	struct fleet_vstate s;
	json_t *j;

	j = js("{\"climate_state\":{\"timestamp\":1696881260449},"
	       "\"drive_state\":{\"timestamp\":1696881260449}}");
	is_int(fleet_parse_vehicle_data(j, &s), -1,
	    "no charge_state nor vehicle_state");
	json_decref(j);

	j = js("{\"charge_state\":\"x\",\"vehicle_state\":[]}");
	is_int(
	    fleet_parse_vehicle_data(j, &s), -1, "parts that are not objects");
	json_decref(j);

	j = js("{\"vehicle_state\":{\"timestamp\":1696881260449,"
	       "\"odometer\":1}}");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "vehicle_state alone");
	is_near(s.odometer_km, MI, 1e-12, "1 mi");
	is_int(s.battery_level, FLEET_NOINT, "no charge_state: no level");
	json_decref(j);

	j = js("{\"charge_state\":{\"timestamp\":null},"
	       "\"vehicle_state\":{\"timestamp\":\"1696881260449\"}}");
	is_int(fleet_parse_vehicle_data(j, &s), -1, "no usable timestamp");
	json_decref(j);

	j = js("{\"charge_state\":{\"timestamp\":1696881260},"
	       "\"vehicle_state\":{}}");
	is_int(fleet_parse_vehicle_data(j, &s), -1,
	    "seconds where ms belong (1970)");
	json_decref(j);

	{
		char text[160];

		snprintf(text, sizeof(text),
		    "{\"charge_state\":{\"timestamp\":%lld000}}",
		    (long long)time(NULL) + 10 * 86400);
		j = js(text);
		is_int(fleet_parse_vehicle_data(j, &s), -1,
		    "timestamp ten days ahead");
		json_decref(j);
	}

	j = js("{\"timestamp\":1696881260449,\"charge_state\":{}}");
	ok(fleet_parse_vehicle_data(j, &s) == 0, "top-level timestamp");
	is_int(s.ts_ms, 1696881260449LL, "taken from the top level");
	json_decref(j);
}

static void
t_non_objects(void)
{
	struct fleet_vstate s;
	struct fleet_vehicle v, *vs = NULL;
	struct fleet_product *p = NULL;
	struct fleet_site_info si;
	struct fleet_live l;
	struct fleet_ehistory h;
	struct fleet_sc_session *sc = NULL;
	size_t n, sk;
	json_t *arr = js("[1,2]"), *str = js("\"x\""), *obj = js("{}");

	is_int(fleet_parse_vehicle_data(arr, &s), -1, "vehicle_data array");
	is_int(fleet_parse_vehicle_data(str, &s), -1, "vehicle_data string");
	is_int(fleet_parse_vehicle_data(NULL, &s), -1, "vehicle_data NULL");
	is_int(fleet_parse_vehicle_data(obj, &s), -1, "vehicle_data {}");
	is_int(fleet_parse_vehicle(arr, &v), -1, "vehicle array");
	is_int(fleet_parse_vehicles(obj, &vs, &n, &sk), -1, "list object");
	ok(fleet_parse_vehicles(arr, &vs, &n, &sk) == 0 && n == 0 && sk == 2,
	    "list of numbers: all skipped");
	free(vs);
	is_int(fleet_parse_products(str, &p, &n, &sk), -1, "products string");
	is_int(fleet_parse_site_info(arr, &si), -1, "site_info array");
	is_int(fleet_parse_live_status(arr, &l), -1, "live_status array");
	is_int(fleet_parse_energy_history(str, &h), -1, "history string");
	is_int(fleet_parse_charging_history(str, &sc, &n, &sk), -1,
	    "charging history string");
	ok(fleet_response(arr) == arr, "no envelope: the root itself");
	json_decref(arr);
	json_decref(str);
	json_decref(obj);
}

static void
t_list_cap(void)
{
	struct fleet_vehicle *v = (struct fleet_vehicle *)&v;
	size_t i, n = 1, skipped = 0, len = FLEET_LIST_MAX + 5;
	char *text;
	json_t *j;

	/* A body of "{}," items must not become that many structs. */
	if ((text = malloc(3 * len + 2)) == NULL)
		return;
	text[0] = '[';
	for (i = 0; i < len; i++)
		memcpy(text + 1 + 3 * i, i + 1 < len ? "{}," : "{}]", 3);
	text[3 * len + 1] = '\0';
	j = js(text);
	ok(fleet_parse_vehicles(j, &v, &n, &skipped) == 0, "parses");
	is_int(n, 0, "nothing usable");
	is_int(skipped, len, "everything skipped, capped ones too");
	ok(v == NULL, "nothing allocated when nothing is kept");
	json_decref(j);
	free(text);
}

static void
t_truncated(void)
{
	char path[512], *text, *end;
	size_t len = 0, k;
	json_t *j;

	snprintf(path, sizeof(path), "%s/ha_tesla_fleet__vehicle_data.json",
	    fixdir());
	if (!ok((text = slurp(path, &len)) != NULL, "reads the fixture"))
		return;
	if (!ok((end = strrchr(text, '}')) != NULL, "has an end"))
		goto out;
	/* Cut at the last brace, then ever earlier. */
	for (k = 0; k < (size_t)(end - text); k += (size_t)(end - text) / 7) {
		j = json_loadb(text, (size_t)(end - text) - k, 0, NULL);
		if (!ok(j == NULL, "truncated document refused"))
			json_decref(j);
	}
	j = json_loadb(text, (size_t)(end - text) + 1, 0, NULL);
	ok(j != NULL, "the whole document loads");
	json_decref(j);
out:
	free(text);
}

static void
t_vehicle_items(void)
{
	struct fleet_vehicle v;
	char text[512], name[256];
	json_t *j;

	j = js("{\"id_s\":\"1492931365719407\",\"vin\":\"5YJSA7H4XFF088491\","
	       "\"state\":\"offline\"}");
	ok(fleet_parse_vehicle(j, &v) == 0, "id from id_s");
	is_int(v.tesla_id, 1492931365719407LL, "exact");
	is_str(v.state, "offline", "offline");
	is_int(v.warnings, 0, "no warnings");
	json_decref(j);

	j = js("{\"id\":-4,\"vin\":\"5YJSA7H4XFF088491\"}");
	is_int(fleet_parse_vehicle(j, &v), -1, "negative id");
	json_decref(j);
	j = js("{\"id\":1.5,\"vin\":\"5YJSA7H4XFF088491\"}");
	is_int(fleet_parse_vehicle(j, &v), -1, "real id");
	json_decref(j);
	j = js("{\"id_s\":\"12a\",\"vin\":\"5YJSA7H4XFF088491\"}");
	is_int(fleet_parse_vehicle(j, &v), -1, "bad id_s");
	json_decref(j);
	j = js("{\"id_s\":\"99999999999999999999\",\"vin\":"
	       "\"5YJSA7H4XFF088491\"}");
	is_int(fleet_parse_vehicle(j, &v), -1, "id_s overflow");
	json_decref(j);
	j = js("{\"id\":1,\"vin\":\"5YJSA7H4XFF08849I\"}");
	is_int(fleet_parse_vehicle(j, &v), -1, "VIN with I");
	json_decref(j);

	j = js("{\"id\":1,\"vin\":\"5YJSA7H4XFF088491\",\"state\":\"busy\"}");
	ok(fleet_parse_vehicle(j, &v) == 0, "unknown state still stored");
	is_str(v.state, "unknown", "as unknown");
	is_int(v.warnings, 1, "and warned");
	json_decref(j);

	memset(name, 'n', 101);
	name[101] = '\0';
	snprintf(text, sizeof(text),
	    "{\"id\":1,\"vin\":\"5YJSA7H4XFF088491\",\"state\":\"online\","
	    "\"display_name\":\"%s\"}",
	    name);
	j = js(text);
	ok(fleet_parse_vehicle(j, &v) == 0, "parses");
	is_str(v.display_name, "", "101 characters: too long");
	json_decref(j);

	/* 100 characters of two bytes each fit. */
	name[0] = '\0';
	for (int i = 0; i < 100; i++)
		strcat(name, i < 60 ? "\xc3\xa9" : "e");
	snprintf(text, sizeof(text),
	    "{\"id\":1,\"vin\":\"5YJSA7H4XFF088491\",\"state\":\"online\","
	    "\"display_name\":\"%s\"}",
	    name);
	j = js(text);
	ok(fleet_parse_vehicle(j, &v) == 0, "parses");
	is_str(v.display_name, name, "100 characters in 160 bytes kept");
	json_decref(j);
}

static void
t_live_bad(void)
{
	struct fleet_live l;
	json_t *j;

	j = js("{\"solar_power\":1,\"battery_power\":0,\"grid_power\":0,"
	       "\"load_power\":1}");
	is_int(fleet_parse_live_status(j, &l), -1, "no timestamp");
	json_decref(j);
	j = js("{\"timestamp\":\"2023-11-06 10:30\",\"load_power\":1}");
	is_int(fleet_parse_live_status(j, &l), -1, "bad timestamp");
	json_decref(j);
	j = js("{\"timestamp\":1699227011}");
	is_int(fleet_parse_live_status(j, &l), -1, "number timestamp");
	json_decref(j);

	j = js("{\"timestamp\":\"2023-11-06T10:30:11+11:00\","
	       "\"solar_power\":5000,\"battery_power\":0,\"grid_power\":0,"
	       "\"load_power\":2000,\"generator_power\":0}");
	ok(fleet_parse_live_status(j, &l) == 0, "parses");
	is_int(l.balanced, 0, "3000 W unaccounted: unbalanced");
	is_int(l.warnings, 1, "one warning");
	is_near(l.load_power_w, 2000, 0, "values kept");
	json_decref(j);

	j = js("{\"timestamp\":\"2023-11-06T10:30:11+11:00\","
	       "\"solar_power\":5000,\"battery_power\":-3000,"
	       "\"grid_power\":\"0\",\"load_power\":2000,"
	       "\"percentage_charged\":100.5}");
	ok(fleet_parse_live_status(j, &l) == 0, "parses");
	is_int(l.balanced, -1, "grid missing: no check");
	is_nan(l.battery_percent, "100.5 % dropped");
	is_int(l.warnings, 2, "two warnings");
	json_decref(j);

	j = js("{\"timestamp\":\"2023-11-06T10:30:11Z\","
	       "\"solar_power\":1000,\"battery_power\":0,\"grid_power\":"
	       "1050,\"load_power\":2000,\"wall_connectors\":[{"
	       "\"wall_connector_power\":7000},{\"wall_connector_power\":"
	       "400.5},{}]}");
	ok(fleet_parse_live_status(j, &l) == 0, "parses");
	is_int(l.balanced, 1, "50 W off is within tolerance");
	is_near(l.wall_connector_power_w, 7400.5, 1e-9, "connectors summed");
	json_decref(j);
}

static void
t_history_bad(void)
{
	struct fleet_ehistory h;
	json_t *j;

	j = js("{\"time_series\":\"x\"}");
	ok(fleet_parse_energy_history(j, &h) == 0, "parses");
	is_int(h.n, 0, "no buckets");
	is_int(h.warnings, 1, "warned");
	fleet_ehistory_clear(&h);
	json_decref(j);

	j = js("{\"installation_time_zone\":\"../etc/passwd\",\"time_series\":"
	       "[{\"solar_energy_exported\":5},"
	       "{\"timestamp\":\"2023-06-01T01:00:00-07:00\","
	       "\"solar_energy_exported\":-5,\"grid_energy_imported\":"
	       "\"12\",\"battery_energy_exported\":2500},7]}");
	ok(fleet_parse_energy_history(j, &h) == 0, "parses");
	is_str(h.time_zone, "", "path-like zone refused");
	is_int(h.n, 1, "buckets without timestamp dropped");
	if (h.n == 1) {
		is_nan(h.b[0].kwh[FLEET_E_SOLAR_EXPORTED], "negative dropped");
		is_nan(h.b[0].kwh[FLEET_E_GRID_IMPORTED], "string dropped");
		is_near(h.b[0].kwh[FLEET_E_BATTERY_EXPORTED], 2.5, 1e-12,
		    "2.5 kWh kept");
		is_nan(h.b[0].kwh[FLEET_E_GRID_EXPORTED_FROM_SOLAR],
		    "missing is absent");
	}
	/* zone, missing timestamp, negative, string, not an object */
	is_int(h.warnings, 5, "five warnings");
	is_int(h.bucket_s, 0, "one bucket: no step");
	fleet_ehistory_clear(&h);
	json_decref(j);
}

static void
t_site_info_bad(void)
{
	struct fleet_site_info si;
	json_t *j;

	j = js("{\"installation_time_zone\":\"America/New_York\","
	       "\"tariff_content_v2\":{\"version\":1},"
	       "\"tariff_content\":{\"version\":0},\"battery_count\":-1,"
	       "\"nameplate_energy\":\"13500\",\"backup_reserve_percent\":120,"
	       "\"default_real_mode\":\"Self Powered\"}");
	ok(fleet_parse_site_info(j, &si) == 0, "parses");
	is_str(si.time_zone, "America/New_York", "zone");
	ok(si.tariff != NULL &&
		json_integer_value(json_object_get(si.tariff, "version")) == 1,
	    "v2 tariff preferred");
	is_int(si.battery_count, FLEET_NOINT, "negative count dropped");
	is_nan(si.total_capacity_kwh, "string energy dropped");
	is_int(si.backup_reserve_pct, FLEET_NOINT, "reserve over 100 dropped");
	is_str(si.operation_mode, "", "a mode that is no name dropped");
	is_int(si.warnings, 4, "four warnings");
	json_decref(j);
	ok(si.tariff != NULL && si.tariff->refcount == 1,
	    "the tariff outlives the document");
	fleet_site_info_clear(&si);
	ok(si.tariff == NULL, "cleared");

	j = js("{\"tariff_content\":{\"version\":0}}");
	ok(fleet_parse_site_info(j, &si) == 0, "parses");
	ok(si.tariff != NULL, "falls back to tariff_content");
	fleet_site_info_clear(&si);
	json_decref(j);

	j = js("{\"tariff_content_v2\":[1]}");
	ok(fleet_parse_site_info(j, &si) == 0, "parses");
	ok(si.tariff == NULL, "array tariff refused");
	is_int(si.warnings, 1, "warned");
	fleet_site_info_clear(&si);
	json_decref(j);
}

/*
 * Project-authored: no recorded /api/1/dx/charging/history response is
 * public (research/fleet-api.md §12).  Shape from Tesla's 2023 example as
 * described in §7.
 */
static const char sc_history[] =
    "{\"data\":[{\"sessionId\":1234567,\"vin\":\"5YJSA7H4XFF088491\","
    "\"siteLocationName\":\"Truckee, CA - Soaring Way\","
    "\"chargeStartDateTime\":\"2023-07-27T11:43:45-07:00\","
    "\"chargeStopDateTime\":\"2023-07-27T12:30:10-07:00\","
    "\"unlatchDateTime\":\"2023-07-27T12:31:00-07:00\","
    "\"countryCode\":\"US\",\"fees\":["
    "{\"sessionFeeId\":1,\"feeType\":\"CHARGING\",\"currencyCode\":\"USD\","
    "\"pricingType\":\"PAYMENT\",\"rateBase\":0.46,\"usageBase\":40,"
    "\"totalBase\":18.4,\"totalDue\":18.4,\"uom\":\"kwh\","
    "\"isPaid\":true,\"status\":\"PAID\"},"
    "{\"sessionFeeId\":2,\"feeType\":\"PARKING\",\"currencyCode\":\"USD\","
    "\"pricingType\":\"NO_CHARGE\",\"usageBase\":0,\"totalDue\":0,"
    "\"uom\":\"min\"}],\"billingType\":\"IMMEDIATE\"},"
    "{\"sessionId\":\"abc-9\",\"vin\":\"5YJSA7H4XFF088491\",\"fees\":["
    "{\"feeType\":\"CHARGING\",\"uom\":\"min\",\"usageBase\":20,"
    "\"totalDue\":5.5,\"currencyCode\":\"EUR\"},"
    "{\"feeType\":\"CONGESTION\",\"uom\":\"min\",\"usageBase\":3,"
    "\"totalDue\":1.5,\"currencyCode\":\"USD\"}]},"
    "{\"vin\":\"5YJSA7H4XFF088491\"},"
    "{\"sessionId\":5,\"vin\":\"BAD\"}],\"totalResults\":4}";

static void
t_sc_history(void)
{
	struct fleet_sc_session *s = NULL;
	size_t n = 0, skipped = 0;
	json_t *j = js(sc_history), *arr;

	ok(fleet_parse_charging_history(j, &s, &n, &skipped) == 0, "parses");
	is_int(n, 2, "two sessions");
	is_int(skipped, 2, "no id, bad VIN skipped");
	if (n == 2) {
		is_str(s[0].session_id, "1234567", "numeric id as text");
		is_str(s[0].vin, "5YJSA7H4XFF088491", "vin");
		is_str(s[0].site_name, "Truckee, CA - Soaring Way", "site");
		/* 11:43:45-07:00 = 18:43:45Z */
		is_int(s[0].start, 1690483425LL, "start");
		is_int(s[0].stop, 1690486210LL, "stop");
		is_int(s[0].unlatch, 1690486260LL, "unlatch");
		is_near(s[0].energy_kwh, 40, 0, "usageBase of the kWh fee");
		is_near(s[0].total_cost, 18.4, 1e-12, "total due");
		is_str(s[0].currency, "USD", "currency");
		is_int(s[0].warnings, 0, "no warnings");
		is_str(s[1].session_id, "abc-9", "string id");
		is_nan(s[1].energy_kwh, "per-minute billing: no energy");
		is_near(s[1].total_cost, 7.0, 1e-12, "fees added");
		is_str(s[1].currency, "EUR", "first currency");
		is_int(s[1].warnings, 1, "mixed currencies warned");
		is_int(s[1].start, 0, "no start time");
	}
	free(s);
	arr = json_object_get(j, "data");
	ok(fleet_parse_charging_history(arr, &s, &n, &skipped) == 0 && n == 2,
	    "a bare array too");
	free(s);
	json_decref(j);
	j = js("{\"data\":null}");
	ok(fleet_parse_charging_history(j, &s, &n, &skipped) == 0 && n == 0,
	    "data null: nothing");
	json_decref(j);
}

/* ---- helpers ----------------------------------------------------------- */

static void
t_parse_time(void)
{
	static const struct {
		const char *s;
		int rc;
		long long want;
	} cases[] = {
		{ "1970-01-01T00:00:00Z", 0, 0 },
		{ "2024-01-01T00:00:00+00:00", 0, 1704067200LL },
		{ "2023-11-06T10:30:11+11:00", 0, 1699227011LL },
		{ "2023-06-01T01:00:00-07:00", 0, 1685606400LL },
		{ "2023-06-01t01:00:00.123456-07:00", 0, 1685606400LL },
		{ "2023-06-01 08:00:00z", 0, 1685606400LL },
		{ "2000-02-29T00:00:00Z", 0, 951782400LL },
		{ "2016-12-31T23:59:59Z", 0, 1483228799LL },
		{ "2021-03-28T01:30:00+05:45", 0, 1616874300LL },
		{ "1900-02-29T00:00:00Z", -1, 0 },
		{ "2023-02-30T00:00:00Z", -1, 0 },
		{ "2023-13-01T00:00:00Z", -1, 0 },
		{ "2023-06-01T24:00:00Z", -1, 0 },
		{ "2023-06-01T01:00:00", -1, 0 },
		{ "2023-06-01T01:00:00+0700", -1, 0 },
		{ "2023-06-01T01:00:00Zjunk", -1, 0 },
		{ "2023-06-01T01:00:00.Z", -1, 0 },
		{ "2023-6-01T01:00:00Z", -1, 0 },
		{ "", -1, 0 },
	};
	long long t;
	char msg[80];
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		t = -12345;
		snprintf(msg, sizeof(msg), "time \"%s\"", cases[i].s);
		if (cases[i].rc == 0) {
			if (ok(fleet_parse_time(cases[i].s, &t) == 0, msg))
				is_int(t, cases[i].want, msg);
		} else
			ok(fleet_parse_time(cases[i].s, &t) == -1 &&
				t == -12345,
			    msg);
	}
	is_int(fleet_parse_time(NULL, &t), -1, "NULL");
}

static void
t_vin(void)
{
	is_int(fleet_vin_ok("5YJSA7H4XFF088491"), 1, "real VIN");
	is_int(fleet_vin_ok("LRW3F7EK4NC700000"), 1, "placeholder digits");
	is_int(fleet_vin_ok("5YJSA7H4XFF08849"), 0, "16 characters");
	is_int(fleet_vin_ok("5YJSA7H4XFF0884911"), 0, "18 characters");
	is_int(fleet_vin_ok("5YJSA7H4XFF08849O"), 0, "O");
	is_int(fleet_vin_ok("5YJSA7H4XFF08849Q"), 0, "Q");
	is_int(fleet_vin_ok("5yjsa7h4xff088491"), 0, "lowercase");
	is_int(fleet_vin_ok(NULL), 0, "NULL");
}

/*
 * The column names of table in a migration, in order, as one string
 * "a, b, c" leaving out those in skip (space separated).
 */
static int
schema_columns(const char *file, const char *table, const char *skip, char *out,
    size_t outlen)
{
	char path[256], head[128], *text, *p, *end, name[64], pad[66];
	size_t len;

	snprintf(path, sizeof(path), "sql/%s", file);
	if ((text = slurp(path, NULL)) == NULL)
		return -1;
	/* lint-ok: a text to search the schema file for, not a query */
	snprintf(head, sizeof(head), "CREATE TABLE %s (\n", table);
	if ((p = strstr(text, head)) == NULL ||
	    (end = strstr(p, "\n);")) == NULL) {
		free(text);
		return -1;
	}
	out[0] = '\0';
	for (p = strchr(p, '\n'); p != NULL && p < end;
	     p = strchr(p + 1, '\n')) {
		if (p[1] != '\t' || p[2] < 'a' || p[2] > 'z')
			continue;
		len = strcspn(p + 2, " \t");
		if (len >= sizeof(name))
			continue;
		memcpy(name, p + 2, len);
		name[len] = '\0';
		snprintf(pad, sizeof(pad), " %s ", name);
		if (strstr(skip, pad) != NULL)
			continue;
		if (out[0] != '\0')
			strncat(out, ", ", outlen - strlen(out) - 1);
		strncat(out, name, outlen - strlen(out) - 1);
	}
	free(text);
	return 0;
}

/* 1 when vals is "$first, $first+1, ..." with n placeholders. */
static int
placeholders_ok(const char *vals, int first, int n)
{
	char want[512] = "", one[16];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(one, sizeof(one), "%s$%d", i ? ", " : "", first + i);
		strncat(want, one, sizeof(want) - strlen(want) - 1);
	}
	return strcmp(want, vals) == 0;
}

static void
t_columns_match_schema(void)
{
	char cols[2048], name[64];
	size_t i;

	ok(schema_columns("003_places_vehicles.sql", "vehicle_states",
	       " vehicle_id ", cols, sizeof(cols)) == 0,
	    "reads vehicle_states");
	is_str(FLEET_VSTATE_COLUMNS, cols, "vehicle_states columns in order");
	ok(placeholders_ok(FLEET_VSTATE_VALUES, 2, FLEET_VSTATE_NCOLS),
	    "vehicle_states placeholders");

	ok(schema_columns("002_tariffs_energy.sql", "energy_states",
	       " site_id ", cols, sizeof(cols)) == 0,
	    "reads energy_states");
	is_str(FLEET_LIVE_COLUMNS, cols, "energy_states columns in order");
	ok(placeholders_ok(FLEET_LIVE_VALUES, 2, FLEET_LIVE_NCOLS),
	    "energy_states placeholders");

	ok(schema_columns("002_tariffs_energy.sql", "energy_history",
	       " site_id period fetched_at ", cols, sizeof(cols)) == 0,
	    "reads energy_history");
	is_str(FLEET_EBUCKET_COLUMNS, cols, "energy_history columns in order");
	ok(placeholders_ok(FLEET_EBUCKET_VALUES, 3, FLEET_EBUCKET_NCOLS),
	    "energy_history placeholders");
	for (i = 0; i < FLEET_E_NFIELDS; i++) {
		snprintf(name, sizeof(name), " %s_kwh,", fleet_efield_names[i]);
		if (i + 1 == FLEET_E_NFIELDS)
			name[strlen(name) - 1] = '\0';
		ok(strstr(FLEET_EBUCKET_COLUMNS, name) != NULL,
		    "field name + _kwh is the column");
	}
}

static void
t_params_absent(void)
{
	struct fleet_live l;
	struct fleet_params p;
	json_t *j;
	int i, nulls = 0;

	j = js("{\"timestamp\":\"2023-11-06T10:30:11+11:00\"}");
	ok(fleet_parse_live_status(j, &l) == 0, "bare sample parses");
	fleet_live_params(&l, &p);
	is_int(p.n, FLEET_LIVE_NCOLS, "14 parameters");
	is_str(p.v[0], "2023-11-05T23:30:11Z", "ts text");
	for (i = 1; i < p.n; i++)
		nulls += p.v[i] == NULL;
	is_int(nulls, FLEET_LIVE_NCOLS - 1, "every absent value is NULL");
	json_decref(j);
}

static void
t_vehicle_model(void)
{
	json_t *root = fixture("ha_tesla_fleet__vehicle_data.json"), *bad;
	char model[16] = "x";

	fleet_vehicle_model(fleet_response(root), model, sizeof(model));
	is_str(model, "Model 3", "vehicle_config.car_type model3");
	json_decref(root);
	root = fixture("ha_tessie__online_charging.json");
	fleet_vehicle_model(fleet_response(root), model, sizeof(model));
	is_str(model, "Model 3", "the Tessie body too");
	json_decref(root);
	bad = json_pack("{s:{s:i}}", "vehicle_config", "car_type", 3);
	fleet_vehicle_model(bad, model, sizeof(model));
	is_str(model, "", "a number is no model");
	json_decref(bad);
	bad = json_pack("{s:{s:s}}", "vehicle_config", "car_type", "modelq");
	fleet_vehicle_model(bad, model, sizeof(model));
	is_str(model, "", "an unknown car_type is no model");
	json_decref(bad);
	fleet_vehicle_model(NULL, model, sizeof(model));
	is_str(model, "", "no document, no model");
}

static const struct tap_test tests[] = {
	TAP(t_vehicle_model),
	TAP(t_vd_ha),
	TAP(t_vd_ha_alt),
	TAP(t_vd_tessie),
	TAP(t_vd_bitcoin),
	TAP(t_vd_htlc_0919),
	TAP(t_vd_htlc_1009),
	TAP(t_vd_gak),
	TAP(t_vehicles_swift),
	TAP(t_wakeup_swift),
	TAP(t_products_gak),
	TAP(t_products_ulr),
	TAP(t_products_teslemetry),
	TAP(t_site_info),
	TAP(t_live_teslemetry),
	TAP(t_live_plugged_in),
	TAP(t_live_unplugged),
	TAP(t_history),
	TAP(t_history_overnight),
	TAP(t_history_empty),
	TAP(t_power_history),
	TAP(t_cassette_refresh),
	TAP(t_token_bad),
	TAP(t_vd_clean_base),
	TAP(t_vd_wrong_types),
	TAP(t_vd_ranges),
	TAP(t_vd_sentinels),
	TAP(t_vd_strings),
	TAP(t_vd_state),
	TAP(t_vd_missing),
	TAP(t_non_objects),
	TAP(t_list_cap),
	TAP(t_truncated),
	TAP(t_vehicle_items),
	TAP(t_live_bad),
	TAP(t_history_bad),
	TAP(t_power_history_bad),
	TAP(t_power_history_cap),
	TAP(t_site_info_bad),
	TAP(t_sc_history),
	TAP(t_parse_time),
	TAP(t_vin),
	TAP(t_columns_match_schema),
	TAP(t_params_absent),
};

int
main(void)
{
	log_init("test_fleet_parse",
	    getenv("TEST_VERBOSE") != NULL ? LOGL_DEBUG : LOGL_ERROR);
	return tap_run(tests, nitems(tests));
}
