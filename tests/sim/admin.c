/*
 * The admin side of the simulator (/sim/..., loopback only): the clock,
 * injected faults, call counters, forced vehicle states, token expiry and
 * a ground-truth view of the model.  Faults and counters are guarded by
 * sim.lock like everything else.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define MAX_FAULTS 64
#define MAX_JUMP_S (366 * 86400LL) /* the model runs every minute */

static struct fault faults[MAX_FAULTS];
static int nfaults, fault_seq;

static int64_t calls_ep[EP_N];
static int64_t (*calls_car)[EP_N];
static int64_t (*calls_site)[EP_N];
static int64_t calls_by_status[600];
static int64_t calls_total;
static int calls_ncars, calls_nsites;

static const char *const kind_names[] = { "status", "slow", "malformed",
	"truncated", "wrong_types", "disconnect" };
static const char *const vstate_names[] = { "online", "asleep", "offline" };
static const char *const act_names[] = { "parked", "driving", "supercharging",
	"unlatching" };
static const char *const place_names[] = { "home", "work", "shop", "far",
	"supercharger" };
static const char *const chg_names[] = { "Disconnected", "Stopped", "Charging",
	"Complete" };

int
calls_init(int ncars, int nsites)
{
	calls_car = calloc((size_t)ncars + 1, sizeof(*calls_car));
	calls_site = calloc((size_t)nsites + 1, sizeof(*calls_site));
	calls_ncars = ncars;
	calls_nsites = nsites;
	return calls_car != NULL && calls_site != NULL ? 0 : -1;
}

void
calls_free(void)
{
	free(calls_car);
	free(calls_site);
	calls_car = NULL;
	calls_site = NULL;
}

void
calls_count(const struct sreq *r)
{
	if (r->ep < 0 || r->ep >= EP_N)
		return;
	calls_total++;
	calls_ep[r->ep]++;
	if (r->car >= 0 && r->car < calls_ncars)
		calls_car[r->car][r->ep]++;
	if (r->site >= 0 && r->site < calls_nsites)
		calls_site[r->site][r->ep]++;
}

void
calls_status(int status)
{
	if (status >= 100 && status < 600)
		calls_by_status[status]++;
}

void
faults_free(void)
{
	int i;

	for (i = 0; i < nfaults; i++)
		free(faults[i].body);
	nfaults = 0;
}

static void
fault_remove(int i)
{
	free(faults[i].body);
	memmove(&faults[i], &faults[i + 1],
	    (size_t)(nfaults - i - 1) * sizeof(faults[0]));
	nfaults--;
}

int
fault_take(const struct sreq *r, struct fault *f)
{
	struct fault *p;
	int i;

	for (i = 0; i < nfaults; i++) {
		p = &faults[i];
		if (p->path[0] != '\0' &&
		    !(r->ep >= 0 &&
			strcmp(endpoint_names[r->ep], p->path) == 0) &&
		    strstr(r->path, p->path) == NULL)
			continue;
		if ((p->car >= 0 && p->car != r->car) ||
		    (p->site >= 0 && p->site != r->site))
			continue;
		*f = *p;
		f->body = p->body != NULL ? strdup(p->body) : NULL;
		if (p->count > 0 && --p->count == 0)
			fault_remove(i);
		return 1;
	}
	return 0;
}

/* The request body as a JSON object, or NULL after replying 400. */
static json_t *
body_object(struct sreq *r)
{
	json_error_t err;
	json_t *j;

	j = json_loads(r->body.len > 0 ? r->body.buf : "{}", 0, &err);
	if (!json_is_object(j)) {
		json_decref(j);
		reply_error(r, 400, "invalid_json",
		    err.text[0] != '\0' ? err.text : "expected an object");
		return NULL;
	}
	return j;
}

/* A car named by a JSON id (number or string) or VIN; -1 if none. */
static int
json_car(const json_t *v)
{
	char buf[32];

	if (json_is_integer(v)) {
		snprintf(
		    buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return model_find_car(&sim.m, buf);
	}
	return json_is_string(v) ? model_find_car(&sim.m, json_string_value(v))
				 : -1;
}

static int
json_site(const json_t *v)
{
	char buf[32];

	if (json_is_integer(v)) {
		snprintf(
		    buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return model_find_site(&sim.m, buf);
	}
	return json_is_string(v) ? model_find_site(&sim.m, json_string_value(v))
				 : -1;
}

static json_t *
clock_json(void)
{
	char now[40], local[40], epoch[40];
	int64_t ms = model_now_ms(&sim.m);

	tz_format_utc_ms(ms, now, sizeof(now));
	tz_format(sim.m.zone, ms / 1000, local, sizeof(local));
	tz_format(sim.m.zone, sim.m.epoch, epoch, sizeof(epoch));
	return json_pack("{s:s,s:I,s:s,s:s,s:s}", "now", now, "now_ms",
	    (json_int_t)ms, "local", local, "time_zone", sim.m.zone->name,
	    "history_from", epoch);
}

int
h_sim_clock_get(struct sreq *r)
{
	json_t *o;

	pthread_mutex_lock(&sim.lock);
	o = clock_json();
	pthread_mutex_unlock(&sim.lock);
	return reply_json(r, 200, o);
}

int
h_sim_clock_post(struct sreq *r)
{
	json_t *j, *adv, *set, *o;
	int64_t t = 0;
	int rc = 0;

	if ((j = body_object(r)) == NULL)
		return r->status;
	adv = json_object_get(j, "advance_s");
	set = json_object_get(j, "set");
	if ((adv == NULL) == (set == NULL) || (adv && !json_is_number(adv)) ||
	    (adv && fabs(json_number_value(adv)) > 1e9) ||
	    (set && !json_is_string(set))) {
		json_decref(j);
		return reply_error(r, 400, "invalid_field",
		    "give either advance_s (number) or set (RFC 3339)");
	}
	if (set != NULL && tz_parse(json_string_value(set), sim.m.zone, &t)) {
		json_decref(j);
		return reply_error(r, 400, "invalid_field",
		    "set must be an RFC 3339 date-time");
	}
	pthread_mutex_lock(&sim.lock);
	if (adv != NULL)
		t = model_now_ms(&sim.m) +
		    (int64_t)llround(json_number_value(adv) * 1000);
	else
		t *= 1000;
	if (t - model_now_ms(&sim.m) > MAX_JUMP_S * 1000LL) {
		pthread_mutex_unlock(&sim.lock);
		json_decref(j);
		return reply_error(r, 400, "invalid_field",
		    "the clock moves forward at most 366 days at a time");
	}
	rc = model_set_clock(&sim.m, t);
	o = clock_json();
	pthread_mutex_unlock(&sim.lock);
	json_decref(j);
	if (rc == -1) {
		json_decref(o);
		return reply_error(r, 500, "internal_error", "out of memory");
	}
	return reply_json(r, 200, o);
}

static json_t *
fault_json(const struct fault *f)
{
	json_t *o = json_pack("{s:i,s:s,s:i,s:s,s:i,s:i,s:i}", "id", f->id,
	    "path", f->path, "status", f->status, "kind", kind_names[f->kind],
	    "retry_after", f->retry_after, "delay_ms", f->delay_ms, "count",
	    f->count);

	if (f->car >= 0)
		jint(o, "vehicle", sim.m.cc[f->car].id);
	if (f->site >= 0)
		jint(o, "site", sim.m.sc[f->site].id);
	if (f->body != NULL)
		jint(o, "body_bytes", (int64_t)strlen(f->body));
	return o;
}

int
h_sim_faults_get(struct sreq *r)
{
	json_t *a = json_array();
	int i;

	pthread_mutex_lock(&sim.lock);
	for (i = 0; i < nfaults; i++)
		json_array_append_new(a, fault_json(&faults[i]));
	pthread_mutex_unlock(&sim.lock);
	return reply_json(r, 200, json_pack("{s:o}", "faults", a));
}

/* Reads an optional integer member; def when absent, -2 when not one. */
static int
opt_int(const json_t *j, const char *k, int def)
{
	const json_t *v = json_object_get(j, k);

	if (v == NULL || json_is_null(v))
		return def;
	if (!json_is_integer(v))
		return -2;
	return (int)json_integer_value(v);
}

int
h_sim_faults_post(struct sreq *r)
{
	const char *kind = "status", *err = NULL;
	struct fault f;
	json_t *j, *v;
	size_t k;
	int known = 0;

	if ((j = body_object(r)) == NULL)
		return r->status;
	memset(&f, 0, sizeof(f));
	f.car = f.site = -1;
	if ((v = json_object_get(j, "path")) != NULL && json_is_string(v))
		snprintf(f.path, sizeof(f.path), "%s", json_string_value(v));
	if ((v = json_object_get(j, "kind")) != NULL && json_is_string(v))
		kind = json_string_value(v);
	for (k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (strcmp(kind, kind_names[k]) == 0) {
			f.kind = (enum fault_kind)k;
			known = 1;
		}
	f.status = opt_int(j, "status", f.kind == FK_STATUS ? -1 : 200);
	f.retry_after = opt_int(j, "retry_after", -1);
	f.delay_ms = opt_int(j, "delay_ms", f.kind == FK_SLOW ? 5000 : 0);
	f.count = opt_int(j, "count", -1);
	if (!known)
		err = "kind must be status, slow, malformed, truncated, "
		      "wrong_types or disconnect";
	else if (f.kind == FK_STATUS && (f.status < 200 || f.status > 599))
		err = "a status fault needs a status from 200 to 599";
	else if (f.kind == FK_STATUS && f.status < 400 &&
	    !json_is_string(json_object_get(j, "body")))
		err = "a status fault below 400 needs a \"body\"";
	else if (f.retry_after < -1 || f.delay_ms < 0 || f.delay_ms > 600000 ||
	    f.count == 0 || f.count < -1)
		err = "retry_after, delay_ms and count must be integers "
		      "(count > 0 or -1)";
	if ((v = json_object_get(j, "vehicle")) != NULL &&
	    (f.car = json_car(v)) < 0)
		err = "no such vehicle";
	if ((v = json_object_get(j, "site")) != NULL &&
	    (f.site = json_site(v)) < 0)
		err = "no such energy site";
	if ((v = json_object_get(j, "body")) != NULL && json_is_string(v))
		f.body = strdup(json_string_value(v));
	json_decref(j);
	if (err == NULL && nfaults == MAX_FAULTS)
		err = "too many faults";
	if (err != NULL) {
		free(f.body);
		return reply_error(r, 400, "invalid_field", err);
	}
	pthread_mutex_lock(&sim.lock);
	f.id = ++fault_seq;
	faults[nfaults++] = f;
	pthread_mutex_unlock(&sim.lock);
	return reply_json(r, 200, json_pack("{s:i}", "id", f.id));
}

int
h_sim_faults_delete(struct sreq *r)
{
	const char *id = sreq_arg(r, "id");
	int i, n = 0;

	pthread_mutex_lock(&sim.lock);
	if (id == NULL) {
		n = nfaults;
		faults_free();
	} else {
		for (i = nfaults - 1; i >= 0; i--)
			if (faults[i].id == atoi(id)) {
				fault_remove(i);
				n++;
			}
	}
	pthread_mutex_unlock(&sim.lock);
	return reply_json(r, 200, json_pack("{s:i}", "deleted", n));
}

/* {endpoint: n} for the endpoints listed in eps (ends with -1). */
static json_t *
counts_json(const int64_t *counts, const int *eps)
{
	json_t *o = json_object();

	for (; *eps >= 0; eps++)
		jint(o, endpoint_names[*eps], counts[*eps]);
	return o;
}

int
h_sim_calls(struct sreq *r)
{
	static const int all_eps[] = { EP_TOKEN, EP_AUTHORIZE, EP_REGION, EP_ME,
		EP_VEHICLES, EP_VEHICLE, EP_VEHICLE_DATA, EP_WAKE_UP,
		EP_PRODUCTS, EP_SITE_INFO, EP_LIVE_STATUS, EP_CALENDAR_HISTORY,
		EP_CHARGING_HISTORY, EP_NOT_FOUND, -1 };
	static const int car_eps[] = { EP_VEHICLE, EP_VEHICLE_DATA, EP_WAKE_UP,
		EP_CHARGING_HISTORY, -1 };
	static const int site_eps[] = { EP_SITE_INFO, EP_LIVE_STATUS,
		EP_CALENDAR_HISTORY, -1 };
	json_t *o, *cars, *sites, *st;
	char key[16];
	int i, e, any;

	cars = json_object();
	sites = json_object();
	st = json_object();
	pthread_mutex_lock(&sim.lock);
	for (i = 0; i < calls_ncars; i++) {
		for (any = 0, e = 0; e < EP_N; e++)
			any |= calls_car[i][e] != 0;
		if (any)
			json_object_set_new(cars, sim.m.cc[i].id_s,
			    counts_json(calls_car[i], car_eps));
	}
	for (i = 0; i < calls_nsites; i++) {
		for (any = 0, e = 0; e < EP_N; e++)
			any |= calls_site[i][e] != 0;
		snprintf(key, sizeof(key), "%lld", (long long)sim.m.sc[i].id);
		if (any)
			json_object_set_new(
			    sites, key, counts_json(calls_site[i], site_eps));
	}
	for (i = 100; i < 600; i++) {
		snprintf(key, sizeof(key), "%d", i);
		if (calls_by_status[i] != 0)
			jint(st, key, calls_by_status[i]);
	}
	o = json_pack("{s:I,s:o,s:o,s:o,s:o}", "total", (json_int_t)calls_total,
	    "by_endpoint", counts_json(calls_ep, all_eps), "by_vehicle", cars,
	    "by_site", sites, "by_status", st);
	pthread_mutex_unlock(&sim.lock);
	return reply_json(r, 200, o);
}

int
h_sim_reset_calls(struct sreq *r)
{
	pthread_mutex_lock(&sim.lock);
	memset(calls_ep, 0, sizeof(calls_ep));
	memset(calls_by_status, 0, sizeof(calls_by_status));
	memset(calls_car, 0, (size_t)calls_ncars * sizeof(*calls_car));
	memset(calls_site, 0, (size_t)calls_nsites * sizeof(*calls_site));
	calls_total = 0;
	pthread_mutex_unlock(&sim.lock);
	return reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

static json_t *
car_truth(int i, int64_t now_ms)
{
	const struct car_cfg *c = &sim.m.cc[i];
	const struct car_st *s = &sim.m.cs[i];
	enum vstate forced = sim.m.co[i].forced;

	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:f,s:f,"
			 "s:f,s:s,s:f,s:b,s:b}",
	    "id", (json_int_t)c->id, "vin", c->vin, "display_name", c->name,
	    "state", vstate_names[model_car_state(&sim.m, i, now_ms)],
	    "model_state", s->online ? "online" : "asleep", "forced",
	    forced == VS_AUTO ? "auto" : vstate_names[forced], "activity",
	    act_names[s->act], "place",
	    s->act == ACT_PARKED ? place_names[s->at] : place_names[s->to],
	    "latitude", s->lat, "longitude", s->lon, "odometer_km", s->odo_km,
	    "battery_kwh", s->e_kwh, "battery_level",
	    round_to(s->e_kwh / c->cap_kwh * 100, 2), "charging_state",
	    chg_names[s->chg], "charge_energy_added", s->added_kwh,
	    "plugged_in", s->plug != PLUG_NONE, "held", sim.m.co[i].hold);
}

int
h_sim_state_get(struct sreq *r)
{
	json_t *cars, *sites, *o;
	int i;

	cars = json_array();
	sites = json_array();
	pthread_mutex_lock(&sim.lock);
	model_sync(&sim.m);
	r->now_ms = model_now_ms(&sim.m);
	for (i = 0; i < sim.m.ncars; i++)
		json_array_append_new(cars, car_truth(i, r->now_ms));
	for (i = 0; i < sim.m.nsites; i++)
		json_array_append_new(sites,
		    json_pack("{s:I,s:s,s:i,s:i,s:i,s:i,s:f}", "id",
			(json_int_t)sim.m.sc[i].id, "time_zone",
			sim.m.sc[i].zone->name, "solar_power",
			sim.m.ss[i].solar, "load_power", sim.m.ss[i].load,
			"battery_power", sim.m.ss[i].battery, "grid_power",
			sim.m.ss[i].grid, "energy_left", sim.m.ss[i].soc_wh));
	o = json_pack("{s:o,s:o,s:I}", "vehicles", cars, "sites", sites,
	    "supercharger_sessions", (json_int_t)sim.m.nsess);
	pthread_mutex_unlock(&sim.lock);
	return reply_json(r, 200, o);
}

int
h_sim_state_post(struct sreq *r)
{
	const char *name;
	enum vstate st = VS_AUTO;
	json_t *j, *o = NULL;
	int car, hold = -1;

	if ((j = body_object(r)) == NULL)
		return r->status;
	pthread_mutex_lock(&sim.lock);
	car = json_car(json_object_get(j, "vehicle"));
	name = json_string_value(json_object_get(j, "state"));
	if (name != NULL && strcmp(name, "online") == 0)
		st = VS_ONLINE;
	else if (name != NULL && strcmp(name, "asleep") == 0)
		st = VS_ASLEEP;
	else if (name != NULL && strcmp(name, "offline") == 0)
		st = VS_OFFLINE;
	else if (name != NULL && strcmp(name, "parked") == 0)
		hold = 1;
	else if (name != NULL && strcmp(name, "auto") == 0)
		hold = 0;
	else
		car = -2;
	if (car >= 0) {
		model_sync(&sim.m);
		sim.m.co[car].forced = st;
		if (hold >= 0)
			sim.m.co[car].hold = hold;
		sim.m.co[car].awake_from = sim.m.co[car].awake_until = 0;
		o = car_truth(car, model_now_ms(&sim.m));
	}
	pthread_mutex_unlock(&sim.lock);
	json_decref(j);
	if (car == -1)
		return reply_error(r, 400, "invalid_field", "no such vehicle");
	if (car == -2)
		return reply_error(r, 400, "invalid_field",
		    "state must be online, asleep, offline, parked or auto");
	return reply_json(r, 200, o);
}

int
h_sim_expire_token(struct sreq *r)
{
	pthread_mutex_lock(&sim.lock);
	oauth_expire_all();
	pthread_mutex_unlock(&sim.lock);
	return reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}
