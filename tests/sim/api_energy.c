/*
 * Account and energy endpoints: users/region, users/me, products,
 * site_info (with a time-of-use tariff_content_v2 matching the model's
 * off-peak hours), live_status (watts, load = solar + battery + grid) and
 * calendar_history: kind=energy is the same power model integrated into
 * 5-minute buckets of Wh (or per local day or month for longer periods),
 * kind=power its average over each 15 minutes, in W.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define SITE_VERSION "24.12.3 aa6aa41b"

static const char components_template[] =
    "{"
    "\"solar\":true,\"solar_type\":\"pv_panel\",\"battery\":true,"
    "\"grid\":true,\"backup\":true,\"gateway\":\"teg\","
    "\"load_meter\":true,\"tou_capable\":true,\"storm_mode_capable\":true,"
    "\"flex_energy_request_capable\":false,"
    "\"car_charging_data_supported\":false,"
    "\"off_grid_vehicle_charging_reserve_supported\":true,"
    "\"vehicle_charging_performance_view_enabled\":false,"
    "\"vehicle_charging_solar_offset_view_enabled\":false,"
    "\"battery_solar_offset_view_enabled\":true,"
    "\"solar_value_enabled\":true,\"energy_value_header\":\"Energy Value\","
    "\"energy_value_subheader\":\"Estimated Value\","
    "\"energy_service_self_scheduling_enabled\":true,"
    "\"show_grid_import_battery_source_cards\":true,"
    "\"set_islanding_mode_enabled\":true,"
    "\"wifi_commissioning_enabled\":true,"
    "\"backup_time_remaining_enabled\":true,"
    "\"battery_type\":\"ac_powerwall\",\"configurable\":true,"
    "\"grid_services_enabled\":false,"
    "\"disallow_charge_from_grid_with_solar_installed\":true,"
    "\"customer_preferred_export_rule\":\"pv_only\","
    "\"net_meter_mode\":\"battery_ok\",\"system_alerts_enabled\":true}";

static const char user_settings_template[] =
    "{"
    "\"go_off_grid_test_banner_enabled\":false,"
    "\"storm_mode_enabled\":true,"
    "\"powerwall_onboarding_settings_set\":true,"
    "\"powerwall_tesla_electric_interested_in\":false,"
    "\"vpp_tour_enabled\":true,\"sync_grid_alert_enabled\":true,"
    "\"breaker_alert_enabled\":false}";

static const char *const period_names[] = { "OFF_PEAK", "PARTIAL_PEAK",
	"ON_PEAK" };
static const char *const period_targets[] = { "off_peak", "partial_peak",
	"peak" };

/* Locks the model, brings it up to now and stamps r. */
static void
enter(struct sreq *r)
{
	pthread_mutex_lock(&sim.lock);
	model_sync(&sim.m);
	r->now_ms = model_now_ms(&sim.m);
}

static void
leave(void)
{
	pthread_mutex_unlock(&sim.lock);
}

int
h_region(struct sreq *r)
{
	const char *host = sreq_header(r, "Host");
	char url[128];

	if (host != NULL && strlen(host) < 100)
		snprintf(url, sizeof(url), "http://%s", host);
	else
		snprintf(url, sizeof(url), "http://%s:%d", sim.host, sim.port);
	return reply_ok(r,
	    json_pack("{s:s,s:s}", "region", sim.m.zone->region,
		"fleet_api_base_url", url));
}

int
h_me(struct sreq *r)
{
	return reply_ok(r,
	    json_pack("{s:s,s:s,s:s,s:s}", "email", "owner@example.com",
		"full_name", "Sim Owner", "profile_image_url",
		"https://example.com/avatar.png", "vault_uuid",
		"b5c443af-a286-49eb-a4ad-35a97963155d"));
}

json_t *
site_product(const struct model *m, int s, int64_t now_ms)
{
	const struct site_cfg *c = &m->sc[s];
	const struct site_st *st = &m->ss[s];
	json_t *o, *comp, *wcs;
	int w;

	(void)now_ms;
	wcs = json_array();
	for (w = 0; w < c->nwc; w++)
		json_array_append_new(wcs,
		    json_pack("{s:s,s:s,s:b}", "device_id", c->wc_din[w] + 14,
			"din", c->wc_din[w], "is_active", 1));
	comp = json_pack("{s:b,s:s,s:b,s:s,s:b,s:b,s:s,s:o}", "battery", 1,
	    "battery_type", "ac_powerwall", "solar", 1, "solar_type",
	    "pv_panel", "grid", 1, "load_meter", 1, "market_type",
	    "residential", "wall_connectors", wcs);
	o = json_object();
	jint(o, "energy_site_id", c->id);
	jstr(o, "resource_type", "battery");
	jstr(o, "site_name", c->name);
	jstr(o, "id", c->id_s);
	jstr(o, "gateway_id", c->gateway_id);
	jstr(o, "asset_site_id", c->asset_id);
	jstr(o, "warp_site_number", c->warp);
	jreal(o, "energy_left", st->soc_wh, 2);
	jint(o, "total_pack_energy", (int64_t)c->pw_wh);
	jreal(o, "percentage_charged", st->soc_wh / c->pw_wh * 100, 4);
	jstr(o, "battery_type", "ac_powerwall");
	jbool(o, "backup_capable", 1);
	jint(o, "battery_power", st->battery);
	jnull(o, "go_off_grid_test_banner_enabled");
	jbool(o, "storm_mode_enabled", 1);
	jbool(o, "powerwall_onboarding_settings_set", 1);
	jnull(o, "powerwall_tesla_electric_interested_in");
	jnull(o, "vpp_tour_enabled");
	jbool(o, "sync_grid_alert_enabled", 1);
	jbool(o, "breaker_alert_enabled", 1);
	json_object_set_new(o, "components", comp);
	json_object_set_new(o, "features",
	    json_pack("{s:b}", "rate_plan_manager_no_pricing_constraint", 1));
	return o;
}

int
h_products(struct sreq *r)
{
	json_t *list;
	int i, n;

	list = json_array();
	enter(r);
	for (i = 0; i < sim.m.ncars; i++)
		json_array_append_new(
		    list, vehicle_summary(&sim.m, i, r->now_ms, 1));
	for (i = 0; i < sim.m.nsites; i++)
		json_array_append_new(list, site_product(&sim.m, i, r->now_ms));
	n = sim.m.ncars + sim.m.nsites;
	leave();
	return reply_json(
	    r, 200, json_pack("{s:o,s:i}", "response", list, "count", n));
}

/* The tariff's hours as [from, to) ranges of one period (wrapping). */
static json_t *
periods_json(const struct tariff *tf, int period)
{
	json_t *a = json_array();
	int from, to, h;

	for (h = 0; h < 24; h = to) {
		for (to = h;
		     to < 24 && tariff_period(tf, to) == tariff_period(tf, h);
		     to++)
			;
		if (tariff_period(tf, h) != period)
			continue;
		from = h;
		/* A range ending at midnight continues one starting at 0. */
		if (to == 24 && from > 0 && tariff_period(tf, 0) == period &&
		    json_array_size(a) > 0) {
			json_t *first = json_array_get(a, 0);

			json_object_set_new(
			    first, "fromHour", json_integer(from));
			continue;
		}
		json_array_append_new(a,
		    json_pack("{s:i,s:i,s:i,s:i,s:i,s:i}", "fromDayOfWeek", 0,
			"toDayOfWeek", 6, "fromHour", from, "fromMinute", 0,
			"toHour", to % 24, "toMinute", 0));
	}
	return a;
}

static int
month_days(int mon)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };

	return days[(mon - 1) % 12];
}

static json_t *
seasons_json(const struct tariff *tf)
{
	json_t *out = json_object(), *tou;
	int season, p, from, to;

	for (season = 0; season < 2; season++) {
		tou = json_object();
		for (p = 0; p < 3; p++)
			json_object_set_new(tou, period_names[p],
			    json_pack("{s:o}", "periods", periods_json(tf, p)));
		from = season == 0 ? tf->summer_from : tf->summer_to % 12 + 1;
		to = season == 0 ? tf->summer_to
				 : (tf->summer_from + 10) % 12 + 1;
		json_object_set_new(out, season == 0 ? "Summer" : "Winter",
		    json_pack("{s:i,s:i,s:i,s:i,s:o}", "fromMonth", from,
			"fromDay", 1, "toMonth", to, "toDay", month_days(to),
			"tou_periods", tou));
	}
	return out;
}

static json_t *
charges_json(const struct tariff *tf, int sell)
{
	json_t *out, *rates;
	int season, p;

	out = json_pack("{s:{s:{s:i}}}", "ALL", "rates", "ALL", 0);
	for (season = 0; season < 2; season++) {
		rates = json_object();
		for (p = 0; p < 3; p++)
			json_object_set_new(rates, period_names[p],
			    json_real(sell ? tf->sell : tf->buy[season][p]));
		json_object_set_new(out, season == 0 ? "Summer" : "Winter",
		    json_pack("{s:o}", "rates", rates));
	}
	return out;
}

static json_t *
tariff_json(const struct zone *z)
{
	const struct tariff *tf = z->tariff;
	json_t *demand, *sell;

	demand = json_pack("{s:{s:{s:i}},s:{s:{}},s:{s:{}}}", "ALL", "rates",
	    "ALL", 0, "Summer", "rates", "Winter", "rates");
	sell = json_pack("{s:s,s:s,s:[{s:s,s:i}],s:O,s:o,s:o}", "name",
	    tf->name, "utility", tf->utility, "daily_charges", "name", "Charge",
	    "amount", 0, "demand_charges", demand, "energy_charges",
	    charges_json(tf, 1), "seasons", seasons_json(tf));
	return json_pack("{s:i,s:s,s:s,s:s,s:s,s:[{s:s,s:f}],s:o,s:o,s:o,s:o}",
	    "version", 1, "code", tf->code, "name", tf->name, "utility",
	    tf->utility, "currency", z->currency, "daily_charges", "name",
	    "Charge", "amount", tf->daily, "demand_charges", demand,
	    "energy_charges", charges_json(tf, 0), "seasons", seasons_json(tf),
	    "sell_tariff", sell);
}

static json_t *
tou_schedule_json(const struct tariff *tf)
{
	json_t *a = json_array();
	int h, to;

	for (h = 0; h < 24; h = to) {
		for (to = h;
		     to < 24 && tariff_period(tf, to) == tariff_period(tf, h);
		     to++)
			;
		json_array_append_new(a,
		    json_pack("{s:s,s:[i,i,i,i,i,i,i],s:i,s:i}", "target",
			period_targets[tariff_period(tf, h)], "week_days", 1, 2,
			3, 4, 5, 6, 0, "start_seconds", h * 3600, "end_seconds",
			to % 24 * 3600));
	}
	return json_pack(
	    "{s:s,s:o}", "optimization_strategy", "economics", "schedule", a);
}

static json_t *
components_json(const struct site_cfg *c)
{
	json_t *o = jtemplate(components_template), *a;
	char when[40];
	int i;

	tz_format(c->zone, c->installed, when, sizeof(when));
	json_object_set_new(o, "gateways",
	    json_pack("[{s:s,s:s,s:s,s:s,s:i,s:s,s:b,s:s,s:s,s:s}]",
		"device_id", c->asset_id, "din", c->gw_din, "serial_number",
		c->serial, "part_number", "1152100-14-J", "part_type", 10,
		"part_name", "Tesla Backup Gateway 2", "is_active", 1,
		"site_id", c->asset_id, "firmware_version", SITE_VERSION,
		"updated_datetime", when));
	a = json_array();
	for (i = 0; i < c->pw_count; i++)
		json_array_append_new(a,
		    json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:i,s:i,s:i}",
			"device_id", c->pw_din[i] + 14, "din", c->pw_din[i],
			"serial_number", c->pw_din[i] + 14, "part_number",
			"3012170-10-B", "part_type", 2, "part_name",
			"Powerwall 2", "nameplate_max_charge_power", 5000,
			"nameplate_max_discharge_power", 5000,
			"nameplate_energy", 13500));
	json_object_set_new(o, "batteries", a);
	a = json_array();
	for (i = 0; i < c->nwc; i++)
		json_array_append_new(a,
		    json_pack("{s:s,s:s,s:s,s:b}", "device_id",
			c->wc_din[i] + 14, "din", c->wc_din[i], "part_name",
			"Gen 3 Wall Connector", "is_active", 1));
	json_object_set_new(o, "wall_connectors", a);
	return o;
}

int
h_site_info(struct sreq *r)
{
	const struct site_cfg *c;
	char when[40];
	json_t *o;

	enter(r);
	c = &sim.m.sc[r->site];
	tz_format(c->zone, c->installed, when, sizeof(when));
	o = json_object();
	jstr(o, "id", c->id_s);
	jstr(o, "site_name", c->name);
	jint(o, "backup_reserve_percent", c->reserve_pct);
	jstr(o, "default_real_mode", "self_consumption");
	jstr(o, "installation_date", when);
	json_object_set_new(
	    o, "user_settings", jtemplate(user_settings_template));
	json_object_set_new(o, "components", components_json(c));
	jstr(o, "version", SITE_VERSION);
	jint(o, "battery_count", c->pw_count);
	json_object_set_new(
	    o, "tou_settings", tou_schedule_json(c->zone->tariff));
	jint(o, "nameplate_power", c->pw_max_w);
	jint(o, "nameplate_energy", (int64_t)c->pw_wh);
	jstr(o, "installation_time_zone", c->zone->name);
	jint(o, "max_site_meter_power_ac", 1000000000);
	jint(o, "min_site_meter_power_ac", -1000000000);
	jint(o, "vpp_backup_reserve_percent", 0);
	jstr(o, "utility", c->zone->tariff->utility);
	json_object_set_new(o, "tariff_content_v2", tariff_json(c->zone));
	leave();
	return reply_ok(r, o);
}

int
h_live_status(struct sreq *r)
{
	const struct site_cfg *c;
	const struct site_st *st;
	char when[40];
	json_t *o, *wcs, *wc;
	int w, car;

	enter(r);
	c = &sim.m.sc[r->site];
	st = &sim.m.ss[r->site];
	tz_format(c->zone, r->now_ms / 1000, when, sizeof(when));
	o = json_object();
	jint(o, "solar_power", st->solar);
	jreal(o, "energy_left", st->soc_wh, 2);
	jint(o, "total_pack_energy", (int64_t)c->pw_wh);
	jreal(o, "percentage_charged", st->soc_wh / c->pw_wh * 100, 4);
	jint(o, "battery_power", st->battery);
	jint(o, "load_power", st->load);
	jstr(o, "grid_status", "Active");
	jbool(o, "grid_services_active", 0);
	jint(o, "grid_power", st->grid);
	jint(o, "grid_services_power", 0);
	jint(o, "generator_power", 0);
	jstr(o, "island_status", "on_grid");
	jbool(o, "storm_mode_active", 0);
	jbool(o, "backup_capable", 1);
	jstr(o, "timestamp", when);
	wcs = json_array();
	for (w = 0; w < c->nwc; w++) {
		car = st->wc_car[w];
		wc = json_object();
		jstr(wc, "din", c->wc_din[w]);
		if (car >= 0)
			jstr(wc, "vin", sim.m.cc[car].vin);
		jint(wc, "wall_connector_state",
		    car < 0               ? 2
			: st->wc_w[w] > 0 ? 11
					  : 4);
		jint(wc, "wall_connector_fault_state", 2);
		jint(wc, "wall_connector_power", st->wc_w[w]);
		json_array_append_new(wcs, wc);
	}
	json_object_set_new(o, "wall_connectors", wcs);
	leave();
	return reply_ok(r, o);
}

/* Floor division for possibly negative numerators. */
static int64_t
floordiv(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* Appends one time_series entry of energy totals f (Wh) at instant t. */
static void
add_entry(json_t *a, const struct zone *z, int64_t t, const double *f)
{
	long long v[F_N];
	char when[40];
	json_t *o;
	int i;

	for (i = 0; i < F_N; i++)
		v[i] = llround(f[i]);
	tz_format(z, t, when, sizeof(when));
	o = json_object();
	jstr(o, "timestamp", when);
	jint(o, "solar_energy_exported", v[F_S2H] + v[F_S2B] + v[F_S2G]);
	jint(o, "generator_energy_exported", 0);
	jint(o, "grid_energy_imported", v[F_G2H] + v[F_G2B]);
	jint(o, "grid_services_energy_imported", 0);
	jint(o, "grid_services_energy_exported", 0);
	jint(o, "grid_energy_exported_from_solar", v[F_S2G]);
	jint(o, "grid_energy_exported_from_generator", 0);
	jint(o, "grid_energy_exported_from_battery", v[F_B2G]);
	jint(o, "battery_energy_exported", v[F_B2H] + v[F_B2G]);
	jint(o, "battery_energy_imported_from_grid", v[F_G2B]);
	jint(o, "battery_energy_imported_from_solar", v[F_S2B]);
	jint(o, "battery_energy_imported_from_generator", 0);
	jint(o, "consumer_energy_imported_from_grid", v[F_G2H]);
	jint(o, "consumer_energy_imported_from_solar", v[F_S2H]);
	jint(o, "consumer_energy_imported_from_battery", v[F_B2H]);
	jint(o, "consumer_energy_imported_from_generator", 0);
	jint(o, "total_home_usage", v[F_S2H] + v[F_B2H] + v[F_G2H]);
	jint(o, "total_battery_charge", v[F_S2B] + v[F_G2B]);
	jint(o, "total_battery_discharge", v[F_B2H] + v[F_B2G]);
	jint(o, "total_solar_generation", v[F_S2H] + v[F_S2B] + v[F_S2G]);
	jint(o, "total_grid_energy_exported", v[F_S2G] + v[F_B2G]);
	json_array_append_new(a, o);
}

/* The start of the group (day or month) holding instant t, in zone z. */
static int64_t
group_start(const struct zone *z, int64_t t, int months)
{
	struct ltime lt;

	tz_local(z, t, &lt);
	if (months)
		return tz_mktime(z, tz_days(lt.year, lt.mon, 1), 0);
	return tz_mktime(z, lt.day, 0);
}

/* Sums the computed buckets of [from, to) into a time series. */
static json_t *
energy_series(const struct model *m, int s, const struct zone *z, int64_t from,
    int64_t to, int group)
{
	const struct bucket *bk;
	double sum[F_N];
	int64_t b, b0, b1, t, g = 0, cur = INT64_MIN;
	json_t *a = json_array();
	int i;

	b0 = floordiv(from - m->epoch + SIM_BUCKET - 1, SIM_BUCKET);
	b1 = floordiv(to - m->epoch + SIM_BUCKET - 1, SIM_BUCKET);
	if (b0 < 0)
		b0 = 0;
	memset(sum, 0, sizeof(sum));
	for (b = b0; b < b1 && (bk = model_bucket(m, s, b)) != NULL; b++) {
		t = m->epoch + b * SIM_BUCKET;
		if (group == 0) {
			add_entry(a, z, t, bk->f);
			continue;
		}
		g = group_start(z, t, group == 2);
		if (g != cur && cur != INT64_MIN) {
			add_entry(a, z, cur, sum);
			memset(sum, 0, sizeof(sum));
		}
		cur = g;
		for (i = 0; i < F_N; i++)
			sum[i] += bk->f[i];
	}
	if (group != 0 && cur != INT64_MIN)
		add_entry(a, z, cur, sum);
	if (json_array_size(a) == 0) {
		json_decref(a);
		return json_null();
	}
	return a;
}

/* Seconds of one kind=power sample, and the buckets it spans. */
#define POWER_STEP 900
#define POWER_BUCKETS (POWER_STEP / SIM_BUCKET)

/*
 * The kind=power samples starting in [from, to): one per local quarter
 * hour (the epoch is a local midnight and every zone's offset is whole
 * hours), each the average power of its 15 minutes, taken from the three
 * buckets' flows (Wh / 0.25 h = W).  A sample is listed once its 15
 * minutes are computed.  Tesla's signs as in live_status; grid is whatever
 * makes solar + battery + grid the load's average rounded to the watt.
 */
static json_t *
power_series(const struct model *m, int s, const struct zone *z, int64_t from,
    int64_t to)
{
	const double w_per_wh = 3600.0 / POWER_STEP;
	const struct bucket *bk;
	double f[F_N];
	int64_t q, q0, q1, b;
	long long solar, battery, load;
	char when[40];
	json_t *a = json_array(), *o;
	int i;

	q0 = floordiv(from - m->epoch + POWER_STEP - 1, POWER_STEP);
	q1 = floordiv(to - m->epoch + POWER_STEP - 1, POWER_STEP);
	if (q0 < 0)
		q0 = 0;
	for (q = q0; q < q1; q++) {
		memset(f, 0, sizeof(f));
		for (b = q * POWER_BUCKETS; b < (q + 1) * POWER_BUCKETS; b++) {
			if ((bk = model_bucket(m, s, b)) == NULL)
				goto done;
			for (i = 0; i < F_N; i++)
				f[i] += bk->f[i];
		}
		solar = llround((f[F_S2H] + f[F_S2B] + f[F_S2G]) * w_per_wh);
		battery = llround(
		    (f[F_B2H] + f[F_B2G] - f[F_S2B] - f[F_G2B]) * w_per_wh);
		load = llround((f[F_S2H] + f[F_B2H] + f[F_G2H]) * w_per_wh);
		tz_format(z, m->epoch + q * POWER_STEP, when, sizeof(when));
		o = json_object();
		jstr(o, "timestamp", when);
		jint(o, "solar_power", solar);
		jint(o, "battery_power", battery);
		jint(o, "grid_power", load - solar - battery);
		jint(o, "grid_services_power", 0);
		jint(o, "generator_power", 0);
		json_array_append_new(a, o);
	}
done:
	if (json_array_size(a) == 0) {
		json_decref(a);
		return json_null();
	}
	return a;
}

int
h_calendar_history(struct sreq *r)
{
	const char *kind, *period, *start_s, *end_s, *tzname;
	const struct site_cfg *c;
	const struct zone *z;
	int64_t start, end, now_s;
	struct ltime lt;
	json_t *series, *o;
	int group, power;

	kind = sreq_arg(r, "kind");
	period = sreq_arg(r, "period");
	start_s = sreq_arg(r, "start_date");
	end_s = sreq_arg(r, "end_date");
	tzname = sreq_arg(r, "time_zone");
	if (kind == NULL ||
	    (strcmp(kind, "energy") && strcmp(kind, "power") &&
		strcmp(kind, "backup")))
		return reply_error(r, 400, "invalid_field",
		    "kind must be energy, power or backup");
	if (strcmp(kind, "backup") == 0)
		return reply_ok(
		    r, json_pack("{s:[],s:i}", "events", "total_events", 0));
	power = strcmp(kind, "power") == 0;
	if (power && period != NULL && strcmp(period, "day") != 0)
		return reply_error(r, 400, "invalid_field",
		    "period must be day for kind=power");
	if (period == NULL || strcmp(period, "day") == 0)
		group = 0;
	else if (strcmp(period, "week") == 0 || strcmp(period, "month") == 0)
		group = 1;
	else if (strcmp(period, "year") == 0 || strcmp(period, "lifetime") == 0)
		group = 2;
	else
		return reply_error(r, 400, "invalid_field",
		    "period must be day, week, month, year or lifetime");
	enter(r);
	c = &sim.m.sc[r->site];
	z = tzname != NULL && tz_find(tzname) != NULL ? tz_find(tzname)
						      : c->zone;
	now_s = r->now_ms / 1000;
	tz_local(z, now_s, &lt);
	start = tz_mktime(z, lt.day, 0);
	end = now_s;
	if ((start_s != NULL && tz_parse(start_s, z, &start) == -1) ||
	    (end_s != NULL && tz_parse(end_s, z, &end) == -1) || end <= start) {
		leave();
		return reply_error(r, 400, "invalid_field",
		    "start_date and end_date must be RFC 3339, start first");
	}
	if (power) {
		series = power_series(&sim.m, r->site, z, start, end);
		o = json_pack("{s:s,s:s,s:o}", "serial_number", c->serial,
		    "installation_time_zone", c->zone->name, "time_series",
		    series);
		leave();
		return reply_ok(r, o);
	}
	series = energy_series(&sim.m, r->site, z, start, end, group);
	o = json_pack("{s:s,s:s,s:s,s:o}", "serial_number", c->serial, "period",
	    period != NULL ? period : "day", "installation_time_zone",
	    c->zone->name, "time_series", series);
	leave();
	return reply_ok(r, o);
}
