/*
 * Vehicle endpoints: the list, one vehicle, vehicle_data and wake_up, with
 * Tesla's field names and units (miles for ranges, odometer and speed, °C,
 * kW, bar, ms timestamps but gps_as_of in seconds).  Fields the model does
 * not drive come from the templates below; the values are the simulator's
 * own, the key sets follow the recorded responses in
 * shared/fixtures/fleet-api.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define KM_PER_MI 1.609344
#define API_VERSION 73
#define CAR_VERSION "2024.26.7 5c2a3ab1d6e4"

static const char charge_template[] =
    "{"
    "\"battery_heater_on\":false,\"charge_enable_request\":true,"
    "\"charge_limit_soc_max\":100,\"charge_limit_soc_min\":50,"
    "\"charge_limit_soc_std\":80,\"charge_port_cold_weather_mode\":false,"
    "\"charge_port_color\":\"<invalid>\",\"charge_to_max_range\":false,"
    "\"charging_schedule_override\":false,\"managed_charging_active\":false,"
    "\"managed_charging_start_time\":null,"
    "\"managed_charging_user_canceled\":false,"
    "\"max_range_charge_counter\":0,\"not_enough_power_to_heat\":null,"
    "\"off_peak_charging_enabled\":false,"
    "\"off_peak_charging_times\":\"all_week\","
    "\"off_peak_hours_end_time\":360,\"preconditioning_enabled\":false,"
    "\"preconditioning_times\":\"all_week\","
    "\"scheduled_charging_mode\":\"StartAt\","
    "\"scheduled_charging_start_time_app\":1320,"
    "\"scheduled_charging_start_time_minutes\":1320,"
    "\"scheduled_departure_time_minutes\":420,"
    "\"supercharger_session_trip_planner\":false,\"trip_charging\":false,"
    "\"user_charge_enable_request\":null}";

static const char climate_template[] =
    "{"
    "\"allow_cabin_overheat_protection\":true,"
    "\"auto_seat_climate_left\":true,\"auto_seat_climate_right\":true,"
    "\"auto_steering_wheel_heat\":false,\"battery_heater\":false,"
    "\"battery_heater_no_power\":null,"
    "\"cabin_overheat_protection\":\"FanOnly\","
    "\"cabin_overheat_protection_actively_cooling\":false,"
    "\"climate_keeper_mode\":\"off\","
    "\"cop_activation_temperature\":\"High\",\"defrost_mode\":0,"
    "\"hvac_auto_request\":\"On\",\"is_front_defroster_on\":false,"
    "\"is_preconditioning\":false,\"is_rear_defroster_on\":false,"
    "\"max_avail_temp\":28,\"min_avail_temp\":15,"
    "\"remote_heater_control_enabled\":false,\"seat_heater_left\":0,"
    "\"seat_heater_rear_center\":0,\"seat_heater_rear_left\":0,"
    "\"seat_heater_rear_right\":0,\"seat_heater_right\":0,"
    "\"side_mirror_heaters\":false,\"steering_wheel_heat_level\":0,"
    "\"steering_wheel_heater\":false,"
    "\"supports_fan_only_cabin_overheat_protection\":true,"
    "\"wiper_blade_heater\":false}";

static const char config_template[] =
    "{"
    "\"aux_park_lamps\":\"Eu\",\"badge_version\":1,"
    "\"can_accept_navigation_requests\":true,\"can_actuate_trunks\":true,"
    "\"car_special_type\":\"base\",\"cop_user_set_temp_supported\":true,"
    "\"dashcam_clip_save_supported\":true,\"default_charge_to_max\":false,"
    "\"driver_assist\":\"TeslaAP3\",\"ece_restrictions\":false,"
    "\"exterior_trim\":\"Black\",\"exterior_trim_override\":\"\","
    "\"has_ludicrous_mode\":false,\"has_seat_cooling\":false,"
    "\"headlamp_type\":\"Global\",\"interior_trim_type\":\"Black2\","
    "\"key_version\":2,\"motorized_charge_port\":true,"
    "\"paint_color_override\":\"\",\"performance_package\":\"Base\","
    "\"plg\":true,\"pws\":true,\"rear_seat_heaters\":1,"
    "\"rear_seat_type\":0,\"rhd\":false,\"roof_color\":\"RoofColorGlass\","
    "\"seat_type\":null,\"spoiler_type\":\"None\","
    "\"supports_qr_pairing\":false,\"third_row_seats\":\"None\","
    "\"use_range_badging\":true,\"webcam_selfie_supported\":true,"
    "\"webcam_supported\":true}";

static const char state_template[] =
    "{"
    "\"autopark_state_v2\":\"unavailable\",\"autopark_style\":\"dead_man\","
    "\"calendar_supported\":true,\"dashcam_clip_save_available\":true,"
    "\"df\":0,\"dr\":0,\"fd_window\":0,\"feature_bitmask\":\"fbdffbff,187f\","
    "\"fp_window\":0,\"ft\":0,\"homelink_device_count\":1,"
    "\"last_autopark_error\":\"no_error\","
    "\"media_info\":{\"a2dp_source_name\":\"Phone\",\"audio_volume\":2.3333,"
    "\"audio_volume_increment\":0.333333,\"audio_volume_max\":10.333333,"
    "\"media_playback_status\":\"Stopped\",\"now_playing_album\":\"\","
    "\"now_playing_artist\":\"\",\"now_playing_duration\":0,"
    "\"now_playing_elapsed\":0,\"now_playing_source\":\"Spotify\","
    "\"now_playing_station\":\"\",\"now_playing_title\":\"\"},"
    "\"media_state\":{\"remote_control_enabled\":true},"
    "\"notifications_supported\":true,\"parsed_calendar_supported\":true,"
    "\"pf\":0,\"pr\":0,\"rd_window\":0,\"remote_start\":false,"
    "\"remote_start_enabled\":true,\"remote_start_supported\":true,"
    "\"rp_window\":0,\"rt\":0,\"santa_mode\":0,"
    "\"sentry_mode_available\":true,\"service_mode\":false,"
    "\"service_mode_plus\":false,\"smart_summon_available\":true,"
    "\"software_update\":{\"download_perc\":0,"
    "\"expected_duration_sec\":2700,\"install_perc\":1,\"status\":\"\","
    "\"version\":\" \"},"
    "\"speed_limit_mode\":{\"active\":false,\"current_limit_mph\":85,"
    "\"max_limit_mph\":120,\"min_limit_mph\":50,\"pin_code_set\":false},"
    "\"summon_standby_mode_enabled\":false,\"sun_roof_percent_open\":0,"
    "\"sun_roof_state\":\"closed\","
    "\"vehicle_state_sun_roof_percent_open\":0,"
    "\"tpms_hard_warning_fl\":false,\"tpms_hard_warning_fr\":false,"
    "\"tpms_hard_warning_rl\":false,\"tpms_hard_warning_rr\":false,"
    "\"tpms_rcp_front_value\":2.9,\"tpms_rcp_rear_value\":2.9,"
    "\"tpms_soft_warning_fl\":false,\"tpms_soft_warning_fr\":false,"
    "\"tpms_soft_warning_rl\":false,\"tpms_soft_warning_rr\":false,"
    "\"valet_mode\":false,\"valet_pin_needed\":false,"
    "\"vehicle_self_test_progress\":0,"
    "\"vehicle_self_test_requested\":false,\"webcam_available\":true}";

struct model_look {
	const char *car_type, *trim, *wheel, *color, *rear_du, *front_du;
	const char *efficiency, *charge_port_us;
	int air, command_signing;
};

static const struct model_look looks[] = {
	[CM_MODEL3] = { "model3", "74d", "Pinwheel18CapKit", "MidnightSilver",
	    "PM216MOSFET", "PY02", "M32021", "US", 0, 1 },
	[CM_MODELY] = { "modely", "74d", "Gemini19", "PearlWhite",
	    "PM216MOSFET", "PY02", "MY2021", "US", 0, 1 },
	[CM_MODELS] = { "models", "100d", "Tempest19", "SolidBlack", "Large",
	    "PM216SIC", "Default", "US", 1, 0 },
};

static const char *const state_names[] = { "online", "asleep", "offline" };
static const char *const chg_names[] = { "Disconnected", "Stopped", "Charging",
	"Complete" };

/* Endpoint sections of vehicle_data. */
#define EPS_CHARGE 0x001
#define EPS_CLIMATE 0x002
#define EPS_DRIVE 0x004
#define EPS_GUI 0x008
#define EPS_LOCATION 0x010
#define EPS_CONFIG 0x020
#define EPS_STATE 0x040
#define EPS_SCHEDULE 0x080
#define EPS_PRECOND 0x100
#define EPS_DEFAULT                                                            \
	(EPS_CHARGE | EPS_CLIMATE | EPS_DRIVE | EPS_GUI | EPS_CONFIG |         \
	    EPS_STATE)

/* A copy of one car, taken under the lock, to build JSON without it. */
struct car_view {
	struct car_cfg c;
	struct car_st s;
	enum vstate state;
	int64_t now_ms;
	int utc_offset;
	int64_t sched_start; /* next off-peak start, s */
	int64_t departure; /* next 07:00, s */
};

static void
take_view(const struct model *m, int i, int64_t now_ms, struct car_view *v)
{
	const struct zone *z = m->cc[i].zone;
	struct ltime lt;
	int64_t now_s = now_ms / 1000;

	v->c = m->cc[i];
	v->s = m->cs[i];
	v->state = model_car_state(m, i, now_ms);
	v->now_ms = now_ms;
	tz_local(z, now_s, &lt);
	v->utc_offset = lt.off;
	v->sched_start = tz_mktime(z, lt.day, z->tariff->off_from * 3600);
	if (v->sched_start <= now_s)
		v->sched_start =
		    tz_mktime(z, lt.day + 1, z->tariff->off_from * 3600);
	v->departure = tz_mktime(z, lt.day, 7 * 3600);
	if (v->departure <= now_s)
		v->departure = tz_mktime(z, lt.day + 1, 7 * 3600);
}

static json_t *
config_json(const struct car_view *v)
{
	const struct model_look *lk = &looks[v->c.model];
	const struct zone *z = v->c.zone;
	json_t *o = jtemplate(config_template);

	jstr(o, "car_type", lk->car_type);
	jstr(o, "trim_badging", lk->trim);
	jstr(o, "wheel_type", lk->wheel);
	jstr(o, "exterior_color", lk->color);
	jstr(o, "rear_drive_unit", lk->rear_du);
	jstr(o, "front_drive_unit", lk->front_du);
	jstr(o, "efficiency_package", lk->efficiency);
	jbool(o, "has_air_suspension", lk->air);
	jbool(o, "sun_roof_installed", v->c.model == CM_MODELS);
	jbool(o, "eu_vehicle", strcmp(z->region, "eu") == 0);
	jstr(o, "charge_port_type",
	    strcmp(z->region, "eu") == 0 ? "CCS" : lk->charge_port_us);
	jbool(o, "rhd",
	    strcmp(z->country, "AU") == 0 || strcmp(z->country, "GB") == 0);
	jint(o, "utc_offset", v->utc_offset);
	jint(o, "timestamp", v->now_ms);
	return o;
}

static json_t *
summary_json(const struct car_view *v, int with_config)
{
	const struct model_look *lk = &looks[v->c.model];
	json_t *o = json_object();

	jint(o, "id", v->c.id);
	jint(o, "user_id", v->c.user_id);
	jint(o, "vehicle_id", v->c.vehicle_id);
	jstr(o, "vin", v->c.vin);
	jnull(o, "color");
	jstr(o, "access_type", "OWNER");
	jstr(o, "display_name", v->c.name);
	jnull(o, "option_codes");
	jstr(o, "cached_data", "");
	json_object_set_new(
	    o, "granular_access", json_pack("{s:b}", "hide_private", 0));
	json_object_set_new(
	    o, "tokens", json_pack("[s,s]", v->c.tokens[0], v->c.tokens[1]));
	jstr(o, "state", state_names[v->state]);
	jbool(o, "in_service", 0);
	jstr(o, "id_s", v->c.id_s);
	jbool(o, "calendar_enabled", 1);
	jint(o, "api_version", API_VERSION);
	jnull(o, "backseat_token");
	jnull(o, "backseat_token_updated_at");
	jbool(o, "ble_autopair_enrolled", 0);
	jstr(o, "command_signing", lk->command_signing ? "required" : "off");
	jbool(o, "release_notes_supported", 1);
	jbool(o, "mobile_access_disabled", 0);
	if (with_config)
		json_object_set_new(o, "vehicle_config", config_json(v));
	return o;
}

json_t *
vehicle_summary(const struct model *m, int i, int64_t now_ms, int with_config)
{
	struct car_view v;

	take_view(m, i, now_ms, &v);
	return summary_json(&v, with_config);
}

static json_t *
charge_json(const struct car_view *v)
{
	const struct car_cfg *c = &v->c;
	const struct car_st *s = &v->s;
	const struct zone *z = c->zone;
	json_t *o = jtemplate(charge_template);
	double soc, range, limit, hours = 0, kw = s->charger_kw;
	int level, plugged = s->plug != PLUG_NONE, dc = s->plug == PLUG_SC;
	int charging = s->chg == CHG_CHARGING;

	soc = s->e_kwh / c->cap_kwh;
	level = (int)lround(soc * 100);
	level = level < 0 ? 0 : level > 100 ? 100 : level;
	range = soc * c->range_mi;
	limit = c->cap_kwh * c->limit_soc / 100.0;
	if (charging && kw > 0)
		hours = (limit - s->e_kwh) / (kw * (dc ? 1 : 0.92));
	jint(o, "battery_level", level);
	jint(o, "usable_battery_level",
	    s->outside_c < 0 && level > 0 ? level - 1 : level);
	jreal(o, "battery_range", range, 2);
	jreal(o, "est_battery_range", range * (s->outside_c < 10 ? 0.88 : 0.95),
	    2);
	jreal(o, "ideal_battery_range", range, 2);
	jstr(o, "charging_state", chg_names[s->chg]);
	jreal(o, "charge_energy_added", s->added_kwh, 2);
	jreal(o, "charge_miles_added_rated", s->added_km / KM_PER_MI, 1);
	jreal(o, "charge_miles_added_ideal", s->added_km / KM_PER_MI, 1);
	jint(o, "charger_power", charging ? lround(kw) : 0);
	jint(o, "charger_voltage",
	    charging      ? (dc ? 398 : z->ac_volts)
		: plugged ? 2
			  : 0);
	jint(o, "charger_actual_current",
	    !charging ? 0
		: dc  ? lround(kw * 1000 / 398)
		      : z->ac_amps);
	jint(o, "charger_pilot_current", plugged && !dc ? z->ac_amps : 0);
	if (plugged && !dc && s->chg != CHG_STOPPED)
		jint(o, "charger_phases", z->ac_phases);
	else
		jnull(o, "charger_phases");
	jreal(o, "charge_rate",
	    charging ? kw * (dc ? 1 : 0.92) / c->eff / KM_PER_MI : 0, 1);
	jint(o, "charge_amps", z->ac_amps);
	jint(o, "charge_current_request", z->ac_amps);
	jint(o, "charge_current_request_max", z->ac_amps);
	jint(o, "charge_limit_soc", c->limit_soc);
	jbool(o, "charge_port_door_open", plugged);
	jstr(o, "charge_port_latch", plugged ? "Engaged" : "Disengaged");
	jstr(o, "conn_charge_cable",
	    !plugged                           ? "<invalid>"
		: strcmp(z->region, "eu") == 0 ? "IEC"
					       : "SAE");
	jbool(o, "fast_charger_present", dc);
	jstr(o, "fast_charger_type",
	    dc            ? "Supercharger"
		: plugged ? "ACSingleWireCAN"
			  : "<invalid>");
	jstr(o, "fast_charger_brand", dc ? "Tesla" : "<invalid>");
	jreal(o, "time_to_full_charge", hours, 2);
	jint(o, "minutes_to_full_charge", lround(hours * 60));
	jbool(o, "scheduled_charging_pending", s->chg == CHG_STOPPED);
	if (s->chg == CHG_STOPPED)
		jint(o, "scheduled_charging_start_time", v->sched_start);
	else
		jnull(o, "scheduled_charging_start_time");
	jint(o, "scheduled_departure_time", v->departure);
	jreal(o, "energy_remaining", s->e_kwh, 2);
	jreal(o, "lifetime_energy_used", s->lifetime_kwh, 3);
	jreal(o, "module_temp_min", s->inside_c + (charging ? 8 : 1), 1);
	jreal(o, "module_temp_max", s->inside_c + (charging ? 11 : 2.5), 1);
	jint(o, "timestamp", v->now_ms);
	return o;
}

static json_t *
climate_json(const struct car_view *v)
{
	const struct car_st *s = &v->s;
	int on = s->act != ACT_PARKED;
	json_t *o = jtemplate(climate_template);

	jreal(o, "inside_temp", s->inside_c, 1);
	jreal(o, "outside_temp", s->outside_c, 1);
	jbool(o, "is_climate_on", on);
	jbool(o, "is_auto_conditioning_on", on);
	jint(o, "fan_status", on ? 3 : 0);
	jreal(o, "driver_temp_setting", 21.5, 1);
	jreal(o, "passenger_temp_setting", 21.5, 1);
	jint(o, "left_temp_direction", on ? 148 : 0);
	jint(o, "right_temp_direction", on ? 148 : 0);
	jint(o, "timestamp", v->now_ms);
	return o;
}

static json_t *
drive_json(const struct car_view *v, int location)
{
	const struct car_cfg *c = &v->c;
	const struct car_st *s = &v->s;
	const struct place *dest;
	double left_km;
	int driving = s->act == ACT_DRIVING;
	json_t *o = json_object();

	jint(o, "power", lround(s->power_kw));
	if (driving) {
		jstr(o, "shift_state", "D");
		jint(o, "speed", lround(s->speed_kmh / KM_PER_MI));
	} else {
		jnull(o, "shift_state");
		jnull(o, "speed");
	}
	jint(o, "active_route_traffic_minutes_delay", 0);
	jint(o, "timestamp", v->now_ms);
	if (!location)
		return o;
	jint(o, "gps_as_of", v->now_ms / 1000);
	jint(o, "heading", lround(s->heading));
	jreal(o, "latitude", s->lat, 6);
	jreal(o, "longitude", s->lon, 6);
	jreal(o, "native_latitude", s->lat, 6);
	jreal(o, "native_longitude", s->lon, 6);
	jint(o, "native_location_supported", 1);
	jstr(o, "native_type", "wgs");
	dest = &c->pl[driving || s->act != ACT_PARKED ? s->to : s->at];
	left_km = s->act != ACT_PARKED ? s->trip_km - s->covered_km : 0;
	jstr(o, "active_route_destination", dest->name);
	jreal(o, "active_route_latitude", dest->lat, 6);
	jreal(o, "active_route_longitude", dest->lon, 6);
	jreal(o, "active_route_miles_to_arrival", left_km / KM_PER_MI, 3);
	jreal(o, "active_route_minutes_to_arrival",
	    s->avg_kmh > 0 ? left_km / s->avg_kmh * 60 : 0, 2);
	return o;
}

static json_t *
gui_json(const struct car_view *v)
{
	int metric = v->c.zone->metric;

	return json_pack("{s:b,s:s,s:s,s:s,s:s,s:s,s:b,s:I}",
	    "gui_24_hour_time", metric, "gui_charge_rate_units", "kW",
	    "gui_distance_units", metric ? "km/hr" : "mi/hr",
	    "gui_range_display", "Rated", "gui_temperature_units",
	    metric ? "C" : "F", "gui_tirepressure_units",
	    metric ? "Bar" : "Psi", "show_range_units", 0, "timestamp",
	    (json_int_t)v->now_ms);
}

static json_t *
vstate_json(const struct car_view *v)
{
	static const char *const wheels[] = { "fl", "fr", "rl", "rr" };
	const struct car_st *s = &v->s;
	json_t *o = jtemplate(state_template);
	char key[40];
	int w, driving = s->act == ACT_DRIVING;

	jint(o, "api_version", API_VERSION);
	jstr(o, "car_version", CAR_VERSION);
	jint(o, "center_display_state", driving ? 2 : 0);
	jstr(o, "dashcam_state", driving ? "Recording" : "Unavailable");
	jbool(o, "homelink_nearby", s->act == ACT_PARKED && s->at == PL_HOME);
	jbool(o, "is_user_present", driving);
	jbool(o, "locked", 1);
	jreal(o, "odometer", s->odo_km / KM_PER_MI, 6);
	jbool(o, "sentry_mode", v->c.role == ROLE_FLEET);
	jstr(o, "vehicle_name", v->c.name);
	for (w = 0; w < 4; w++) {
		snprintf(key, sizeof(key), "tpms_pressure_%s", wheels[w]);
		jreal(o, key, 2.85 + 0.025 * w + (driving ? 0.15 : 0), 3);
		snprintf(key, sizeof(key), "tpms_last_seen_pressure_time_%s",
		    wheels[w]);
		jint(o, key, v->now_ms / 1000 - 60 * (w + 1));
	}
	jint(o, "timestamp", v->now_ms);
	return o;
}

static json_t *
schedule_json(const struct car_view *v)
{
	return json_pack("{s:[],s:{s:I,s:i},s:i,s:i,s:b,s:b}",
	    "charge_schedules", "timestamp", "seconds",
	    (json_int_t)(v->now_ms / 1000), "nanos",
	    (int)(v->now_ms % 1000) * 1000000, "charge_buffer", 5,
	    "max_num_charge_schedules", 100, "next_schedule", 0,
	    "show_schedule_complete_state", 0);
}

/* Section flags from an endpoints parameter ("a;b" or "a,b"). */
static int
parse_endpoints(const char *p)
{
	static const struct {
		const char *name;
		int flag;
	} names[] = { { "charge_state", EPS_CHARGE },
		{ "climate_state", EPS_CLIMATE }, { "drive_state", EPS_DRIVE },
		{ "gui_settings", EPS_GUI }, { "location_data", EPS_LOCATION },
		{ "vehicle_config", EPS_CONFIG },
		{ "vehicle_state", EPS_STATE }, { "closures_state", EPS_STATE },
		{ "charge_schedule_data", EPS_SCHEDULE },
		{ "preconditioning_schedule_data", EPS_PRECOND } };
	size_t n, i;
	int flags = 0;

	if (p == NULL || *p == '\0')
		return EPS_DEFAULT;
	while (*p != '\0') {
		n = strcspn(p, ";,");
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n &&
			    strncmp(names[i].name, p, n) == 0)
				flags |= names[i].flag;
		p += n;
		if (*p != '\0')
			p++;
	}
	return flags;
}

int
h_vehicle_data(struct sreq *r)
{
	struct car_view *v;
	json_t *o;
	int eps, status;

	eps = parse_endpoints(sreq_arg(r, "endpoints"));
	v = malloc(sizeof(*v));
	if (v == NULL)
		return reply_error(r, 500, "internal_error", "out of memory");
	pthread_mutex_lock(&sim.lock);
	model_sync(&sim.m);
	r->now_ms = model_now_ms(&sim.m);
	take_view(&sim.m, r->car, r->now_ms, v);
	if (v->state == VS_ONLINE)
		model_car_touch(&sim.m, r->car, r->now_ms);
	pthread_mutex_unlock(&sim.lock);
	if (v->state != VS_ONLINE) {
		free(v);
		return reply_error(r, 408,
		    "vehicle unavailable: vehicle is offline or asleep", "");
	}
	o = summary_json(v, 0);
	if (eps & EPS_CHARGE)
		json_object_set_new(o, "charge_state", charge_json(v));
	if (eps & EPS_CLIMATE)
		json_object_set_new(o, "climate_state", climate_json(v));
	if (eps & (EPS_DRIVE | EPS_LOCATION))
		json_object_set_new(
		    o, "drive_state", drive_json(v, eps & EPS_LOCATION));
	if (eps & EPS_GUI)
		json_object_set_new(o, "gui_settings", gui_json(v));
	if (eps & EPS_CONFIG)
		json_object_set_new(o, "vehicle_config", config_json(v));
	if (eps & EPS_STATE)
		json_object_set_new(o, "vehicle_state", vstate_json(v));
	if (eps & EPS_SCHEDULE)
		json_object_set_new(
		    o, "charge_schedule_data", schedule_json(v));
	if (eps & EPS_PRECOND)
		json_object_set_new(o, "preconditioning_schedule_data",
		    json_pack("{s:[],s:i}", "precondition_schedules",
			"max_num_precondition_schedules", 50));
	free(v);
	status = reply_ok(r, o);
	return status;
}

/* Reads a positive integer query argument, or def. */
static int
int_arg(struct sreq *r, const char *name, int def, int max)
{
	const char *s = sreq_arg(r, name);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return def;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1)
		return -1;
	return v > max ? max : (int)v;
}

int
h_vehicles(struct sreq *r)
{
	json_t *list, *out, *pag;
	int page, per_page, pages, i, first;

	page = int_arg(r, "page", 1, 1000000);
	per_page = int_arg(r, "per_page", 100, 500);
	if (page < 0 || per_page < 0)
		return reply_error(r, 400, "invalid_field",
		    "page and per_page must be positive integers");
	list = json_array();
	pthread_mutex_lock(&sim.lock);
	model_sync(&sim.m);
	r->now_ms = model_now_ms(&sim.m);
	first = (page - 1) * per_page;
	for (i = first; i < sim.m.ncars && i < first + per_page; i++)
		json_array_append_new(
		    list, vehicle_summary(&sim.m, i, r->now_ms, 0));
	pages = (sim.m.ncars + per_page - 1) / per_page;
	pag = json_pack("{s:o,s:o,s:i,s:i,s:i,s:i}", "previous",
	    page > 1 ? json_integer(page - 1) : json_null(), "next",
	    page < pages ? json_integer(page + 1) : json_null(), "current",
	    page, "per_page", per_page, "count", sim.m.ncars, "pages", pages);
	out = json_pack("{s:o,s:o,s:i}", "response", list, "pagination", pag,
	    "count", sim.m.ncars);
	pthread_mutex_unlock(&sim.lock);
	return reply_json(r, 200, out);
}

int
h_vehicle(struct sreq *r)
{
	json_t *o;

	pthread_mutex_lock(&sim.lock);
	model_sync(&sim.m);
	r->now_ms = model_now_ms(&sim.m);
	o = vehicle_summary(&sim.m, r->car, r->now_ms, 0);
	pthread_mutex_unlock(&sim.lock);
	return reply_ok(r, o);
}

int
h_wake_up(struct sreq *r)
{
	json_t *o;

	pthread_mutex_lock(&sim.lock);
	model_sync(&sim.m);
	r->now_ms = model_now_ms(&sim.m);
	model_car_wake(&sim.m, r->car, r->now_ms);
	o = vehicle_summary(&sim.m, r->car, r->now_ms, 0);
	pthread_mutex_unlock(&sim.lock);
	return reply_ok(r, o);
}
