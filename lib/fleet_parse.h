/*
 * Type-validating parsers for Tesla Fleet API responses.  Units become SI
 * here, once (miles -> km, mph -> km/h, Wh -> kWh, W stays W for energy
 * states as the schema says), so nothing past this boundary sees Tesla's
 * units.  Nothing here does I/O except log.h warnings, which name fields
 * but never print their values (no coordinates, no tokens).
 *
 * Absent values: doubles are NAN, ints are FLEET_NOINT, booleans are
 * FLEET_NOBOOL (-1), strings are "".  A field that Tesla documents as
 * possibly null or missing (speed while parked, location without the
 * location_data endpoint, "<invalid>" cable types ...) is silently absent.
 * A field that is required-by-shape but null or missing, of the wrong JSON
 * type, out of its column's range, or a string that fails validation is
 * absent too, and counts one warning with one log_warn line.
 *
 * The parsers take the value of the envelope's "response" (fleet_response()
 * unwraps it) and never keep references to it, except fleet_site_info's
 * tariff, which holds its own reference.
 */
#ifndef TESSIE_FLEET_PARSE_H
#define TESSIE_FLEET_PARSE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define FLEET_NOINT INT_MIN
#define FLEET_NOBOOL (-1)

/* Most items parsed from one list; the rest are counted as skipped. */
#define FLEET_LIST_MAX 10000

/* Miles to kilometres (international mile). */
#define FLEET_KM_PER_MILE 1.609344

/* Returns the "response" member of an envelope, else root (borrowed). */
json_t *fleet_response(json_t *root);

/*
 * 1 when s is a 17-character VIN in the ISO 3779 alphabet (A-H, J-N, P,
 * R-Z, 0-9: no I, O or Q), as the vehicles table checks; else 0.
 */
int fleet_vin_ok(const char *s);

/*
 * Parses an RFC 3339 time ("2023-11-06T10:30:11+11:00", "...Z", optional
 * fraction, which is dropped) into seconds since the epoch.  0 or -1.
 */
int fleet_parse_time(const char *s, long long *epoch);

/*
 * Text parameters for a parameterised INSERT, in the column order of one of
 * the *_COLUMNS constants below.  v[i] is NULL for an absent value (SQL
 * NULL), else points into buf or into the parsed struct, so p is valid
 * while that struct is.
 */
#define FLEET_PARAMS_MAX 40
struct fleet_params {
	int n; /* number of values */
	const char *v[FLEET_PARAMS_MAX]; /* NULL = SQL NULL */
	char buf[FLEET_PARAMS_MAX][40]; /* storage for numbers and times */
};

/* ---- OAuth token responses ---------------------------------------- */

/*
 * A token response.  The strings are malloc'd; fleet_token_clear() wipes
 * and frees them.  They are printable ASCII (no space, CR or LF: they go
 * into HTTP headers) of at most FLEET_TOKEN_MAX bytes.
 */
#define FLEET_TOKEN_MAX 8192
struct fleet_token {
	char *access_token; /* always set on success */
	char *refresh_token; /* NULL when the response had none */
	long expires_in; /* seconds, > 0 */
	long status; /* HTTP status of the call; 0 on transport error */
	int login_required; /* on failure: the user must sign in again */
	char error[48]; /* on failure: Tesla's "error" or a ledger code */
};

/*
 * Fills t (zeroed, or holding an earlier result, which is wiped) from a
 * token endpoint's JSON document.  Returns 0, or -1 when access_token or
 * expires_in is missing or invalid (t is then cleared).  token_type, when
 * present, must be "Bearer" (any case).  Logs field names, never values.
 */
int fleet_token_parse(const json_t *doc, struct fleet_token *t);

/* Wipes and frees the token strings; t can be reused.  NULL is allowed. */
void fleet_token_clear(struct fleet_token *t);

/*
 * 1 when a token endpoint failure means "sign in again": 401, or 400 with
 * error "login_required" or "invalid_grant".  Else 0 (try later).
 */
int fleet_token_login_required(long status, const char *error);

/* ---- vehicles --------------------------------------------------------- */

/* One item of GET /api/1/vehicles, /products, /vehicles/{id} or wake_up. */
struct fleet_vehicle {
	int64_t tesla_id; /* "id", or "id_s" when id is missing */
	int64_t vehicle_id; /* 0 when absent */
	char vin[18];
	char display_name[401]; /* at most 100 characters, UTF-8 */
	char state[8]; /* online, asleep, offline or unknown */
	int in_service; /* FLEET_NOBOOL when absent */
	int warnings;
};

/*
 * Parses one vehicle summary.  Returns 0, or -1 when the item cannot be
 * stored (not an object, no positive id, no valid VIN).  An unknown state
 * becomes "unknown" with a warning.
 */
int fleet_parse_vehicle(const json_t *item, struct fleet_vehicle *v);

/*
 * Parses the response array of GET /api/1/vehicles into *out (malloc'd,
 * caller frees; NULL when *n is 0).  Unusable items are skipped and
 * counted in *skipped.  Returns 0, or -1 when resp is not an array or
 * memory is short.
 */
int fleet_parse_vehicles(
    const json_t *resp, struct fleet_vehicle **out, size_t *n, size_t *skipped);

/* vehicle_data as a vehicle_states row (sql/003_places_vehicles.sql). */
struct fleet_vstate {
	int64_t tesla_id; /* 0 when absent */
	char vin[18]; /* "" when absent or invalid */
	long long ts_ms; /* sample time, ms since the epoch */
	long long gps_as_of; /* drive_state.gps_as_of, s; 0 when absent */
	double odometer_km;
	double latitude; /* degrees; personal data, never logged */
	double longitude;
	double rated_range_km; /* charge_state.battery_range */
	double ideal_range_km;
	double est_range_km;
	double charge_energy_added_kwh;
	double charger_power_kw;
	double charge_rate_kmh;
	double time_to_full_charge_h;
	double speed_kmh;
	double power_kw; /* > 0 consumption, < 0 into the battery */
	double elevation_m; /* vehicle_data has none: always absent */
	double inside_temp_c;
	double outside_temp_c;
	int battery_level;
	int usable_battery_level;
	int charge_limit_soc;
	int charger_voltage;
	int charger_actual_current;
	int charger_phases;
	int heading;
	int is_climate_on;
	int locked;
	int sentry_mode;
	int fast_charger_present;
	char state[8]; /* online, asleep, offline, unknown */
	char shift_state[8]; /* P, R, N, D or "" */
	char charging_state[33];
	char fast_charger_type[33];
	char conn_charge_cable[33];
	char software_version[65];
	int warnings; /* problems seen (see the top of this file) */
};

/* vehicle_states columns after vehicle_id, in fleet_vstate_params order. */
#define FLEET_VSTATE_NCOLS 33
#define FLEET_VSTATE_COLUMNS                                                   \
	"ts, odometer_km, latitude, longitude, rated_range_km, "               \
	"ideal_range_km, est_range_km, charge_energy_added_kwh, "              \
	"charger_power_kw, charge_rate_kmh, time_to_full_charge_h, "           \
	"speed_kmh, power_kw, elevation_m, inside_temp_c, outside_temp_c, "    \
	"battery_level, usable_battery_level, charge_limit_soc, "              \
	"charger_voltage, charger_actual_current, charger_phases, heading, "   \
	"is_climate_on, locked, sentry_mode, fast_charger_present, state, "    \
	"shift_state, charging_state, fast_charger_type, conn_charge_cable, "  \
	"software_version"
/* Their placeholders when $1 is the vehicle id. */
#define FLEET_VSTATE_VALUES                                                    \
	"$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "  \
	"$17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, "    \
	"$30, $31, $32, $33, $34"

/*
 * Parses a vehicle_data response.  Returns 0, or -1 (item skipped) when
 * data is not an object, has neither charge_state nor vehicle_state, or
 * has no usable timestamp.  ts_ms is the latest of the sub-objects'
 * timestamps and the top-level one.
 */
int fleet_parse_vehicle_data(const json_t *data, struct fleet_vstate *s);

/*
 * The model of a vehicle_data answer ("Model 3", "Model Y", "Model S",
 * "Model X", "Cybertruck", "Roadster") from vehicle_config.car_type, into
 * out (n bytes); "" when absent or not one Tesla is known to send.
 */
void fleet_vehicle_model(const json_t *data, char *out, size_t n);

/* Fills p with s's FLEET_VSTATE_COLUMNS values. */
void fleet_vstate_params(const struct fleet_vstate *s, struct fleet_params *p);

/* ---- products -------------------------------------------------------- */

/* An energy product of GET /api/1/products. */
struct fleet_site {
	int64_t energy_site_id;
	char site_name[801]; /* at most 200 characters */
	char resource_type[33]; /* "battery", "solar", ... */
	int has_battery; /* components flags, FLEET_NOBOOL when absent */
	int has_solar;
	int has_grid;
	int has_load_meter;
	int wall_connectors; /* number of components.wall_connectors */
	double percentage_charged;
	double energy_left_kwh;
	double total_pack_energy_kwh;
	double battery_power_w;
	int warnings;
};

enum fleet_product_kind { FLEET_PRODUCT_VEHICLE, FLEET_PRODUCT_SITE };

struct fleet_product {
	enum fleet_product_kind kind;
	union {
		struct fleet_vehicle vehicle;
		struct fleet_site site;
	} u;
};

/*
 * Parses the response array of GET /api/1/products.  Items with an
 * energy_site_id are sites, items with a vin or vehicle_id are cars,
 * anything else or anything unusable is skipped and counted.  *out is
 * malloc'd (caller frees; NULL when *n is 0).  Returns 0, or -1 as
 * fleet_parse_vehicles().
 */
int fleet_parse_products(
    const json_t *resp, struct fleet_product **out, size_t *n, size_t *skipped);

/* ---- energy sites ---------------------------------------------------- */

/* GET /api/1/energy_sites/{id}/site_info, for the energy_sites row. */
struct fleet_site_info {
	char site_name[801];
	char time_zone[65]; /* IANA installation_time_zone, "" when absent */
	int battery_count;
	double total_capacity_kwh; /* nameplate_energy Wh / 1000 */
	double nameplate_power_kw; /* nameplate_power W / 1000 */
	int has_solar;
	int has_battery;
	int has_grid;
	int backup_reserve_pct; /* 0..100, FLEET_NOINT when absent */
	char operation_mode[33]; /* default_real_mode, [a-z_]; "" absent */
	json_t *tariff; /* tariff_content_v2 or tariff_content; own reference */
	int warnings;
};

/*
 * Parses site_info.  Returns 0, or -1 when resp is not an object.  Release
 * with fleet_site_info_clear().
 */
int fleet_parse_site_info(const json_t *resp, struct fleet_site_info *si);

/* Drops the tariff reference. */
void fleet_site_info_clear(struct fleet_site_info *si);

/* live_status as an energy_states row (sql/002_tariffs_energy.sql). */
struct fleet_live {
	long long ts; /* sample time, s since the epoch */
	double solar_power_w;
	double battery_power_w; /* > 0 discharging */
	double grid_power_w; /* > 0 importing */
	double load_power_w;
	double generator_power_w;
	double grid_services_power_w;
	double wall_connector_power_w; /* sum over wall_connectors[] */
	double battery_percent;
	double energy_left_kwh;
	double total_pack_energy_kwh;
	int storm_mode_active;
	char grid_status[33];
	char island_status[33];
	int balanced; /* load = solar+battery+grid+generator: 1, 0, or -1 */
	int warnings;
};

/* Tolerance of the balance check: the larger of this and 3 % of load. */
#define FLEET_BALANCE_TOL_W 100.0

#define FLEET_LIVE_NCOLS 14
#define FLEET_LIVE_COLUMNS                                                     \
	"ts, solar_power_w, battery_power_w, grid_power_w, load_power_w, "     \
	"generator_power_w, grid_services_power_w, wall_connector_power_w, "   \
	"battery_percent, energy_left_kwh, total_pack_energy_kwh, "            \
	"storm_mode_active, grid_status, island_status"
/* Their placeholders when $1 is the site id. */
#define FLEET_LIVE_VALUES                                                      \
	"$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15"

/*
 * Parses live_status.  Returns 0, or -1 when resp is not an object or has
 * no valid timestamp.  An unbalanced sample is kept (balanced = 0) and
 * counts a warning; balanced is -1 when a term is missing.
 */
int fleet_parse_live_status(const json_t *resp, struct fleet_live *l);

/* Fills p with l's FLEET_LIVE_COLUMNS values. */
void fleet_live_params(const struct fleet_live *l, struct fleet_params *p);

/*
 * Parses calendar_history?kind=power (15-minute samples in W; the Owner-API
 * community docs describe it, the Fleet spec does not) into energy_states
 * rows for fleet_live_params(): *out is malloc'd, in Tesla's order (caller
 * frees; NULL when *n is 0).  Each sample gives ts, solar, battery, grid,
 * generator and grid_services power; Tesla sends no load here, so
 * load_power_w is computed as solar + battery + grid + generator (an absent
 * generator counts as 0; NAN with a warning when the sum is out of the
 * column's range) and balanced is -1.  Every other field is absent.
 * time_series null or missing gives zero samples (not an error).  A sample
 * that is not an object, has no valid timestamp, or has a solar, battery or
 * grid power that is missing, or any power that is not a number or out of
 * range, is dropped with one warning.  At most FLEET_LIST_MAX samples are
 * read (a warning when there are more).  *warnings counts every warning;
 * a kept sample's own are also in its warnings member.
 * Returns 0, or -1 when resp is not an object or memory is short.
 */
int fleet_parse_power_history(
    const json_t *resp, struct fleet_live **out, size_t *n, int *warnings);

/* calendar_history?kind=energy bucket fields, in energy_history order. */
enum fleet_efield {
	FLEET_E_SOLAR_EXPORTED,
	FLEET_E_GENERATOR_EXPORTED,
	FLEET_E_GRID_IMPORTED,
	FLEET_E_GRID_SERVICES_IMPORTED,
	FLEET_E_GRID_SERVICES_EXPORTED,
	FLEET_E_GRID_EXPORTED_FROM_SOLAR,
	FLEET_E_GRID_EXPORTED_FROM_GENERATOR,
	FLEET_E_GRID_EXPORTED_FROM_BATTERY,
	FLEET_E_BATTERY_EXPORTED,
	FLEET_E_BATTERY_IMPORTED_FROM_GRID,
	FLEET_E_BATTERY_IMPORTED_FROM_SOLAR,
	FLEET_E_BATTERY_IMPORTED_FROM_GENERATOR,
	FLEET_E_CONSUMER_IMPORTED_FROM_GRID,
	FLEET_E_CONSUMER_IMPORTED_FROM_SOLAR,
	FLEET_E_CONSUMER_IMPORTED_FROM_BATTERY,
	FLEET_E_CONSUMER_IMPORTED_FROM_GENERATOR,
	FLEET_E_NFIELDS
};

/* Tesla's field names ("solar_energy_exported", ...), by enum fleet_efield. */
extern const char *const fleet_efield_names[FLEET_E_NFIELDS];

struct fleet_ebucket {
	long long ts; /* bucket start, s since the epoch */
	double kwh[FLEET_E_NFIELDS]; /* NAN when absent */
};

#define FLEET_EBUCKET_NCOLS 17
#define FLEET_EBUCKET_COLUMNS                                                  \
	"ts, solar_energy_exported_kwh, generator_energy_exported_kwh, "       \
	"grid_energy_imported_kwh, grid_services_energy_imported_kwh, "        \
	"grid_services_energy_exported_kwh, "                                  \
	"grid_energy_exported_from_solar_kwh, "                                \
	"grid_energy_exported_from_generator_kwh, "                            \
	"grid_energy_exported_from_battery_kwh, battery_energy_exported_kwh, " \
	"battery_energy_imported_from_grid_kwh, "                              \
	"battery_energy_imported_from_solar_kwh, "                             \
	"battery_energy_imported_from_generator_kwh, "                         \
	"consumer_energy_imported_from_grid_kwh, "                             \
	"consumer_energy_imported_from_solar_kwh, "                            \
	"consumer_energy_imported_from_battery_kwh, "                          \
	"consumer_energy_imported_from_generator_kwh"
/* Their placeholders when $1 is the site id and $2 the period. */
#define FLEET_EBUCKET_VALUES                                                   \
	"$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, " \
	"$18, $19"

struct fleet_ehistory {
	char period[16]; /* the request's period, e.g. "day" */
	char time_zone[65]; /* installation_time_zone, "" when absent */
	struct fleet_ebucket *b; /* malloc'd, in Tesla's order */
	size_t n;
	long bucket_s; /* smallest step between buckets, 0 with < 2 */
	int warnings;
};

/*
 * Parses calendar_history?kind=energy.  time_series null or missing gives
 * zero buckets (not an error); a bucket without a valid timestamp is
 * dropped with a warning.  Returns 0, or -1 when resp is not an object or
 * memory is short.  Release with fleet_ehistory_clear().
 */
int fleet_parse_energy_history(const json_t *resp, struct fleet_ehistory *h);

void fleet_ehistory_clear(struct fleet_ehistory *h);

/* Fills p with b's FLEET_EBUCKET_COLUMNS values. */
void fleet_ebucket_params(
    const struct fleet_ebucket *b, struct fleet_params *p);

/* ---- Supercharger history ------------------------------------------- */

/* One item of GET /api/1/dx/charging/history. */
struct fleet_sc_session {
	char session_id[41]; /* sessionId, a number or a string */
	char vin[18];
	char site_name[801]; /* siteLocationName */
	long long start; /* chargeStartDateTime, s; 0 when absent */
	long long stop; /* chargeStopDateTime */
	long long unlatch; /* unlatchDateTime */
	double energy_kwh; /* usageBase of the CHARGING fee in kWh */
	double total_cost; /* sum of the fees' totalDue */
	char currency[4]; /* ISO 4217 of the fees, "" when absent */
	int warnings;
};

/*
 * Parses the charging history: resp is {"data":[...]} or the array.
 * Items without a session id or a valid VIN are skipped and counted.
 * *out is malloc'd (caller frees; NULL when *n is 0).  Returns 0 or -1.
 */
int fleet_parse_charging_history(const json_t *resp,
    struct fleet_sc_session **out, size_t *n, size_t *skipped);

#endif
