/*
 * Scenarios on the simulator's clock (issue 4), the jobs run as cron would,
 * each figure checked against what the simulator says happened (its
 * ground truth, GET /sim/state, and its charging history fetched directly)
 * or against numbers worked out by hand from its documented model
 * (tests/sim/README.md), never against our own API read back as truth.
 *
 *   t_road_trip: the touring car's weekend, 440 km each way with one
 *	Supercharger stop each way (250 km from home on that road).
 *   t_asleep: a car parked (held) for three days, then released.
 *
 * Both are in the past of the real clock: samples may not be ahead of it.
 */
#include <sys/wait.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "stack.h"
#include "util.h"

#define ZONE "Europe/Berlin"
#define TRIPPER 2 /* the touring Model S */
#define SLEEPER 0 /* the commuter, parked for three days */
#define SC_KM 250.0 /* road km from home to the Supercharger */
#define FAR_KM 440.0 /* road km from home to the far place */
#define FINE_S 180 /* step while the touring car is on the road */
#define DC_MAX_KW 150.0 /* the Model S's DC peak */
#define STANDBY_KW 0.02 /* an asleep car's drain */
#define CAP_KWH 75.0 /* the commuter's usable battery */

static char token[2048];
static char car_id[3][24]; /* Tesla ids */
static char car_vin[3][18];
static char car_uuid[3][40]; /* ours */

/* Sim time now, s. */
static long long
clock_now(void)
{
	json_t *c = sim("GET", "/sim/clock", NULL);
	long long t = json_integer_value(json_object_get(c, "now_ms")) / 1000;

	json_decref(c);
	return t;
}

/* The simulator's truth about car i (caller frees). */
static json_t *
truth(int car)
{
	json_t *st = sim("GET", "/sim/state", NULL);
	json_t *v = json_incref(
	    json_array_get(json_object_get(st, "vehicles"), (size_t)car));

	json_object_set(v, "supercharger_sessions",
	    json_object_get(st, "supercharger_sessions"));
	json_decref(st);
	return v;
}

static double
num(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static long
states_of(int car)
{
	char buf[64];

	return atol(sql(buf, sizeof(buf),
	    "SELECT count(*) FROM vehicle_states WHERE vehicle_id = '%s'",
	    car_uuid[car]));
}

/* Great-circle km between two points. */
static double
km_between(double lat1, double lon1, double lat2, double lon2)
{
	double r = M_PI / 180, a;

	a = pow(sin((lat2 - lat1) * r / 2), 2) +
	    cos(lat1 * r) * cos(lat2 * r) * pow(sin((lon2 - lon1) * r / 2), 2);
	return 2 * 6371 * asin(sqrt(a));
}

/* Unix time of an RFC 3339 string, through PostgreSQL. */
static long long
epoch_of(const char *t)
{
	char buf[64];

	return atoll(sql(buf, sizeof(buf),
	    "SELECT extract(epoch FROM '%s'::timestamptz)::bigint", t));
}

/* ---- the road trip --------------------------------------------------- */

struct trip_truth {
	double odo0, odo1; /* odometer at the start and the end, km */
	double home[2], sc[2], far[2]; /* positions seen */
	double kwh[2]; /* each Supercharger session's energy, kWh */
	int nsc;
};

/* Watches the touring car at each step; returns its truth (caller frees). */
static json_t *
observe(struct trip_truth *tt, int *was_sc)
{
	json_t *v = truth(TRIPPER);
	const char *act = str(v, "activity");

	if (strcmp(act, "supercharging") == 0) {
		if (!*was_sc && tt->nsc < 2)
			tt->nsc++;
		*was_sc = 1;
		tt->sc[0] = num(v, "latitude");
		tt->sc[1] = num(v, "longitude");
	} else if (*was_sc && strcmp(act, "driving") == 0) {
		/* The counter keeps the session's total until the next. */
		tt->kwh[tt->nsc - 1] = num(v, "charge_energy_added");
		*was_sc = 0;
	}
	if (strcmp(act, "parked") == 0 && strcmp(str(v, "place"), "far") == 0) {
		tt->far[0] = num(v, "latitude");
		tt->far[1] = num(v, "longitude");
	}
	return v;
}

/*
 * The two stays in which the touring car is parked, not charging and not
 * moving, so that the vehicles job must let it sleep: [0] at the far place
 * once its charge is Complete, until it leaves; [1] at home on Sunday
 * evening, plugged in and Stopped until the off-peak start.  Counts the
 * vehicle_data calls the simulator saw for it meanwhile, and how long it
 * was seen asleep (a step is counted by the state at its start).
 */
struct park_watch {
	int in; /* the stay we are in, or -1 */
	long polls[2]; /* vehicle_data calls in each stay */
	long span_s[2], asleep_s[2]; /* each stay's length, asleep part */
	long n0; /* calls when the stay began */
	long long t_prev; /* the previous step's time since Saturday, s */
	int asleep_prev; /* the car was asleep at the previous step */
};

static void
parked_idle(struct park_watch *w, const json_t *v, long long dt)
{
	int parked = strcmp(str(v, "activity"), "parked") == 0;
	const char *place = str(v, "place"), *cs = str(v, "charging_state");
	int now = -1;

	if (parked && strcmp(place, "far") == 0 && strcmp(cs, "Complete") == 0)
		now = 0;
	else if (parked && strcmp(place, "home") == 0 && dt > 86400 &&
	    strcmp(cs, "Stopped") == 0)
		now = 1;
	if (w->in >= 0) {
		w->span_s[w->in] += (long)(dt - w->t_prev);
		if (w->asleep_prev)
			w->asleep_s[w->in] += (long)(dt - w->t_prev);
	}
	if (now != w->in) {
		if (w->in >= 0)
			w->polls[w->in] +=
			    calls(car_id[TRIPPER], "vehicle_data") - w->n0;
		if (now >= 0)
			w->n0 = calls(car_id[TRIPPER], "vehicle_data");
		w->in = now;
	}
	w->t_prev = dt;
	w->asleep_prev = strcmp(str(v, "state"), "asleep") == 0;
}

/*
 * The step to the next run: short while the touring car may leave or is
 * on the road or awake, a quarter hour while it charges at the hotel,
 * half an hour while it sleeps.
 */
static long
next_step(const json_t *v, long long t, long long sat)
{
	long long dt = t - sat; /* seconds since Saturday 00:00 local */
	const char *act = str(v, "activity");

	if ((dt >= 8.75 * 3600 && dt < 10.25 * 3600) ||
	    (dt >= 86400 + 13.75 * 3600 && dt < 86400 + 15.25 * 3600))
		return FINE_S;
	if (strcmp(act, "parked") != 0)
		return FINE_S;
	if (strcmp(str(v, "charging_state"), "Charging") == 0)
		return 900;
	if (strcmp(str(v, "state"), "online") == 0)
		return FINE_S;
	return 1800;
}

static void
t_road_trip(void)
{
	char buf[512], sat[16], from[40], to[40], path[512];
	struct trip_truth tt;
	long long t, t_sat, t_end;
	json_t *v, *hist, *list, *s, *d;
	struct park_watch pi;
	int failed = 0, runs = 0, was_sc = 0;
	size_t i, k;

	memset(&tt, 0, sizeof(tt));
	memset(&pi, 0, sizeof(pi));
	pi.in = -1;
	/* The latest trip Saturday (day / 7 even) whose weekend is over. */
	sql(sat, sizeof(sat),
	    "SELECT max(d)::date FROM generate_series((now() AT TIME ZONE "
	    "'" ZONE "')::date - 20, (now() AT TIME ZONE '" ZONE "')::date, "
	    "'1 day') d WHERE extract(isodow FROM d) = 6 AND ((d::date - "
	    "date '1970-01-01') / 7) %% 2 = 0 AND d + interval '2 days' <= "
	    "now() AT TIME ZONE '" ZONE "'");
	v = sim("GET", "/sim/clock", NULL);
	if (!ok(strlen(sat) == 10 &&
		    strncmp(str(v, "history_from"), sat, 10) <= 0,
		"the last trip weekend is within the simulator's history")) {
		printf("#   weekend %s, history from %s (raise -H)\n", sat,
		    str(v, "history_from"));
		json_decref(v);
		return;
	}
	json_decref(v);
	printf("# the weekend of %s\n", sat);
	snprintf(buf, sizeof(buf), "%sT00:00:00", sat);
	clock_set(buf);
	t_sat = clock_now();
	snprintf(from, sizeof(from), "%s",
	    sql(buf, sizeof(buf),
		"SELECT to_char(('%s'::date)::timestamp AT TIME ZONE '" ZONE
		"', "
		"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
		sat));
	snprintf(to, sizeof(to), "%s",
	    sql(buf, sizeof(buf),
		"SELECT to_char(('%s'::date + 2)::timestamp AT TIME ZONE '" ZONE
		"', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
		sat));
	t_end = epoch_of(to);
	snprintf(buf, sizeof(buf), "%sT08:30:00", sat);
	clock_set(buf);
	for (int c = 0; c < 3; c++)
		set_state(car_id[c], "auto");
	sim_do("POST", "/sim/reset-calls", "{}");
	v = truth(TRIPPER);
	tt.odo0 = num(v, "odometer_km");
	tt.home[0] = num(v, "latitude");
	tt.home[1] = num(v, "longitude");
	ok(strcmp(str(v, "place"), "home") == 0 &&
		strcmp(str(v, "activity"), "parked") == 0,
	    "Saturday 08:30: the touring car is parked at home");
	json_decref(v);
	/* The owner's app shows the car before they leave: a parked state to
	 * start from (the car was polled before, as any car is). */
	set_state(car_id[TRIPPER], "asleep");
	sync_job("vehicles");
	set_state(car_id[TRIPPER], "online");
	sync_job("vehicles");
	set_state(car_id[TRIPPER], "auto");

	/* Saturday 08:30 to Monday 00:00, vehicles at every step as cron
	 * would run it, the others now and then. */
	for (t = clock_now(); t < t_end;) {
		long step;

		v = observe(&tt, &was_sc);
		parked_idle(&pi, v, t - t_sat);
		step = next_step(v, t, t_sat);
		if (getenv("SCEN_DEBUG"))
			printf("# %lld %ld %s %s %s\n", t - t_sat, step,
			    str(v, "activity"), str(v, "state"),
			    str(v, "charging_state"));
		json_decref(v);
		if (t + step > t_end)
			step = (long)(t_end - t);
		clock_advance(step);
		t += step;
		failed += sync_job("vehicles") != 0;
		if (++runs % 40 == 0)
			failed += sync_job("analytics") != 0;
	}
	v = observe(&tt, &was_sc);
	parked_idle(&pi, v, t - t_sat);
	tt.odo1 = num(v, "odometer_km");
	json_decref(v);
	printf("# %d vehicles runs, %.1f km driven, sessions %.2f and %.2f "
	       "kWh\n",
	    runs, tt.odo1 - tt.odo0, tt.kwh[0], tt.kwh[1]);
	is_int(failed, 0, "every run of the weekend succeeds");
	is_int(calls(NULL, "wake_up"), 0, "no wake_up all weekend");
	ok(fabs(tt.odo1 - tt.odo0 - 2 * FAR_KM) < 0.01,
	    "the simulator's odometer: 880 km there and back");
	is_int(tt.nsc, 2, "the simulator saw two Supercharger stops");
	/* Parked and unchanged, the car is left alone and falls asleep. */
	snprintf(buf, sizeof(buf),
	    "at the far place, charged: left to sleep (%ld vehicle_data in "
	    "%.1f h, asleep %.1f h)",
	    pi.polls[0], pi.span_s[0] / 3600.0, pi.asleep_s[0] / 3600.0);
	ok(pi.span_s[0] > 12 * 3600 && pi.polls[0] <= 12 &&
		pi.asleep_s[0] > 0.8 * pi.span_s[0],
	    buf);
	snprintf(buf, sizeof(buf),
	    "home on Sunday, waiting for off-peak: left to sleep (%ld "
	    "vehicle_data in %.1f h, asleep %.1f h)",
	    pi.polls[1], pi.span_s[1] / 3600.0, pi.asleep_s[1] / 3600.0);
	ok(pi.span_s[1] > 3600 && pi.polls[1] <= 6 &&
		pi.asleep_s[1] > pi.span_s[1] - 3600,
	    buf);

	/* Tesla's bill, fetched from the simulator directly. */
	snprintf(path, sizeof(path),
	    "/api/1/dx/charging/history?vin=%s&startTime=%s&endTime=%s"
	    "&sortOrder=ASC",
	    car_vin[TRIPPER], from, to);
	v = sim("GET", path, NULL);
	hist = json_incref(
	    json_object_get(json_object_get(v, "response"), "data"));
	json_decref(v);
	is_int(json_array_size(hist), 2,
	    "Tesla's charging history has two sessions that weekend");

	is_int(sync_job("charging_history"), 0, "charging_history runs");
	/* Other tests stored later days already: the weekend is older than
	 * the latest derived drive, so it is derived as after a backfill. */
	is_int(sync_job("recompute"), 0, "recompute derives the weekend");
	is_int(sync_job("analytics"), 0, "and analytics after it");

	/* Charging sessions as the API lists them. */
	{
		struct resp r;
		int ndc = 0, nac_far = 0;
		json_t *sess[2] = { NULL, NULL };

		snprintf(path, sizeof(path),
		    "/api/charging/sessions?vehicle_id=%s&from=%s&to=%s"
		    "&limit=50",
		    car_uuid[TRIPPER], from, to);
		http_get(&r, path, token);
		list = json_object_get(r.json, "data");
		json_array_foreach(list, i, s)
		{
			if (strcmp(str(s, "charge_type"), "dc") == 0) {
				if (ndc < 2)
					sess[ndc] = s;
				ndc++;
			} else if (strcmp(str(s, "charge_type"), "ac") == 0 &&
			    strcmp(str(s, "source"), "states") == 0) {
				nac_far += 1;
			}
		}
		is_int(ndc, 2, "exactly two DC sessions listed that weekend");
		ok(nac_far >= 1, "and the night on the hotel's AC charger");
		/* Listed newest first: sess[1] is the outbound stop. */
		for (k = 0; k < 2 && ndc == 2; k++) {
			json_t *x = sess[1 - k],
			       *bill = json_array_get(hist, k);
			json_t *fees = json_object_get(bill, "fees"), *f;
			double due = 0, tol;
			const char *cur = "";
			size_t j;

			json_array_foreach(fees, j, f)
			{
				due += num(f, "totalDue");
				if (strcmp(str(f, "feeType"), "CHARGING") == 0)
					cur = str(f, "currencyCode");
			}
			/* The last Charging sample can be up to a step before
			 * the end: under 2.5 kWh in 3 minutes, so from 77 %
			 * on, where the car takes at most its power at 75 %,
			 * 150 kW x (1 - 0.45 x 1.5) = 48.75 kW. */
			tol = FINE_S / 3600.0 * DC_MAX_KW * (1 - 0.45 * 1.5) +
			    0.02;
			snprintf(buf, sizeof(buf),
			    "stop %zu: %.2f kWh stored, %.2f kWh in the "
			    "simulator (-%.2f)",
			    k + 1, num(x, "energy_added_kwh"), tt.kwh[k], tol);
			ok(num(x, "energy_added_kwh") <= tt.kwh[k] + 0.01 &&
				num(x, "energy_added_kwh") >= tt.kwh[k] - tol,
			    buf);
			ok(fabs(round(tt.kwh[k]) -
			       num(json_array_get(fees, 0), "usageBase")) <
				0.001,
			    "Tesla billed the simulator's kWh, rounded");
			snprintf(buf, sizeof(buf),
			    "stop %zu: cost %.2f %s is Tesla's bill %.2f %s",
			    k + 1, num(x, "cost"), str(x, "currency"), due,
			    cur);
			ok(json_is_number(json_object_get(x, "cost")) &&
				fabs(num(x, "cost") - due) < 0.005 &&
				strcmp(str(x, "currency"), cur) == 0 &&
				strcmp(str(x, "cost_source"), "tesla") == 0,
			    buf);
			ok(strcmp(str(x, "charger_type"), "Supercharger") ==
				    0 &&
				strcmp(str(x, "location_name"),
				    str(bill, "siteLocationName")) == 0,
			    "a Supercharger, named as in Tesla's history");
		}
		resp_free(&r);
	}

	/* Drives: from the stored rows, positions against the simulator's. */
	snprintf(path, sizeof(path),
	    "/api/drives?vehicle_id=%s&from=%s&to=%s&limit=50",
	    car_uuid[TRIPPER], from, to);
	{
		struct resp r;
		double sum = 0;

		http_get(&r, path, token);
		list = json_object_get(r.json, "data");
		json_array_foreach(list, i, d) sum += num(d, "distance_km");
		snprintf(buf, sizeof(buf),
		    "the weekend's %zu drives add up to the odometer (%.2f "
		    "of %.2f km)",
		    json_array_size(list), sum, tt.odo1 - tt.odo0);
		ok(fabs(sum - (tt.odo1 - tt.odo0)) < 0.5, buf);
		resp_free(&r);
	}
	sql(buf, sizeof(buf),
	    "SELECT string_agg(format('%%s %%s %%s %%s %%s %%s %%s %%s', "
	    "round(distance_km::numeric, 2), start_latitude, "
	    "start_longitude, end_latitude, end_longitude, "
	    "extract(epoch FROM started_at)::bigint, "
	    "extract(epoch FROM ended_at)::bigint, end_odometer_km), ';' "
	    "ORDER BY started_at) FROM drives WHERE vehicle_id = '%s' AND "
	    "started_at >= '%s' AND started_at < '%s'",
	    car_uuid[TRIPPER], from, to);
	{
		/* Hand-worked: home -250 km- SC -190 km- far, and back. */
		static const double want_km[4] = { SC_KM, FAR_KM - SC_KM,
			FAR_KM - SC_KM, SC_KM };
		static const double want_odo[4] = { SC_KM, FAR_KM,
			2 * FAR_KM - SC_KM, 2 * FAR_KM };
		static const char *const names[4] = { "home to the "
						      "Supercharger",
			"Supercharger to the far place",
			"far place to the Supercharger",
			"Supercharger to home" };
		const double *want_a[4] = { tt.home, tt.sc, tt.far, tt.sc };
		const double *want_b[4] = { tt.sc, tt.far, tt.sc, tt.home };
		double dk[16][6];
		long long ts[16][2], c[2][2] = { { 0, 0 }, { 0, 0 } };
		int n = 0, leg[4] = { -1, -1, -1, -1 }, nsat = 0;
		char *p = buf;

		while (n < 16 && p != NULL && *p != '\0' &&
		    sscanf(p, "%lf %lf %lf %lf %lf %lld %lld %lf", &dk[n][0],
			&dk[n][1], &dk[n][2], &dk[n][3], &dk[n][4], &ts[n][0],
			&ts[n][1], &dk[n][5]) == 8) {
			nsat += ts[n][0] < t_sat + 86400;
			printf(
			    "#   drive %d: %.2f km, ends at odometer +%.2f\n",
			    n + 1, dk[n][0], dk[n][5] - tt.odo0);
			n++;
			p = strchr(p, ';');
			p = p ? p + 1 : NULL;
		}
		/* Each leg's end: where and at which odometer it arrived. */
		for (k = 0; k < 4; k++) {
			for (int m = 0; m < n; m++)
				if (km_between(dk[m][3], dk[m][4], want_b[k][0],
					want_b[k][1]) < 0.5 &&
				    fabs(dk[m][5] - tt.odo0 - want_odo[k]) <
					0.3)
					leg[k] = m;
			snprintf(buf, sizeof(buf),
			    "%s: a drive ends there at +%.0f km", names[k],
			    want_odo[k]);
			ok(leg[k] >= 0, buf);
		}
		/* Each leg is one drive, from where the car was parked. */
		for (k = 0; k < 4; k++) {
			int m = leg[k];

			snprintf(buf, sizeof(buf),
			    "%s is one drive of %.0f km from where the car "
			    "stood (%.2f km)",
			    names[k], want_km[k], m >= 0 ? dk[m][0] : 0.0);
			ok(m >= 0 && fabs(dk[m][0] - want_km[k]) < 0.3 &&
				km_between(dk[m][1], dk[m][2], want_a[k][0],
				    want_a[k][1]) < 0.5,
			    buf);
		}
		/* drive, charge, drive: the DC sessions sit between legs */
		sql(path, sizeof(path),
		    "SELECT string_agg(format('%%s %%s', extract(epoch FROM "
		    "started_at)::bigint, extract(epoch FROM ended_at)::bigint)"
		    ", ';' ORDER BY started_at) FROM charging_sessions WHERE "
		    "vehicle_id = '%s' AND derived AND charge_type = 'dc' AND "
		    "started_at >= '%s' AND started_at < '%s'",
		    car_uuid[TRIPPER], from, to);
		sscanf(path, "%lld %lld;%lld %lld", &c[0][0], &c[0][1],
		    &c[1][0], &c[1][1]);
		ok(leg[0] >= 0 && leg[1] >= 0 && leg[2] >= 0 && leg[3] >= 0 &&
			ts[leg[0]][1] <= c[0][0] && c[0][1] <= ts[leg[1]][0] &&
			ts[leg[2]][1] <= c[1][0] && c[1][1] <= ts[leg[3]][0],
		    "each way: drive, Supercharger, drive");
		is_int(nsat, 2,
		    "Saturday's drives: two, split only at the Supercharger");
	}
	json_decref(hist);
}

/* ---- a car asleep for three days -------------------------------------- */

/*
 * The latest app check of the commuter before t_max: the car turns online
 * while parked and not charging.  Found by walking the simulator's clock
 * over the day before (ground truth, no client call).
 */
static long long
last_app_check(long long t_from, long long t_max)
{
	char iso[40];
	long long t, found = 0;
	int was_online = 1;
	time_t tt;

	for (t = t_from; t <= t_max; t += 600) {
		json_t *v;
		int on;

		tt = (time_t)t;
		strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", gmtime(&tt));
		clock_set(iso);
		v = truth(SLEEPER);
		on = strcmp(str(v, "model_state"), "online") == 0;
		if (on && !was_online &&
		    strcmp(str(v, "activity"), "parked") == 0 &&
		    strcmp(str(v, "charging_state"), "Charging") != 0)
			found = t;
		was_online = on;
		json_decref(v);
	}
	return found;
}

static void
t_asleep(void)
{
	char buf[512], t0s[40];
	long long now = (long long)time(NULL), app, t0, rel, t;
	long before, vd_other[3];
	double odo0, bat0, age;
	int failed = 0, polled = 0;
	json_t *v;
	time_t tt;

	for (int c = 0; c < 3; c++)
		set_state(car_id[c], "auto");
	/* On whole minutes, so that the walk lands in each 10-minute check. */
	app = last_app_check((now - 31 * 3600) / 60 * 60, now - 900);
	if (!ok(app > 0, "the commuter's last app check before now"))
		return;
	rel = app - 1200; /* released 20 minutes before it */
	t0 = rel - 3 * 86400;
	tt = (time_t)t0;
	strftime(t0s, sizeof(t0s), "%Y-%m-%dT%H:%M:%SZ", gmtime(&tt));
	printf("# parked from %s for three days\n", t0s);
	/*
	 * Other tests stored this car's states in these days, from a world in
	 * which it drove: this scenario relives them with the car parked, so
	 * those rows go (the other cars' stay; the model is the same for
	 * them).
	 */
	sql(buf, sizeof(buf),
	    "WITH a AS (DELETE FROM vehicle_states WHERE vehicle_id = '%s' "
	    "AND ts >= '%s'::timestamptz - interval '1 minute' RETURNING 1), "
	    "b AS (DELETE FROM drives WHERE vehicle_id = '%s' AND ended_at >= "
	    "'%s'::timestamptz - interval '1 minute' RETURNING 1), c AS "
	    "(DELETE FROM charging_sessions WHERE vehicle_id = '%s' AND "
	    "coalesce(ended_at, started_at) >= '%s'::timestamptz - interval "
	    "'1 minute' RETURNING 1) SELECT (SELECT count(*) FROM a) + "
	    "(SELECT count(*) FROM b) + (SELECT count(*) FROM c)",
	    car_uuid[SLEEPER], t0s, car_uuid[SLEEPER], t0s, car_uuid[SLEEPER],
	    t0s);
	printf("# %s rows of the other tests dropped\n", buf);

	/* A fresh state at t0: the owner walks up to the car, then leaves it
	 * for three days. */
	clock_set(t0s);
	set_state(car_id[SLEEPER], "asleep");
	sync_job("vehicles");
	set_state(car_id[SLEEPER], "online");
	before = states_of(SLEEPER);
	is_int(sync_job("vehicles"), 0, "t0: the car is polled once more");
	is_int(states_of(SLEEPER), before + 1, "and its state stored");
	v = truth(SLEEPER);
	odo0 = num(v, "odometer_km");
	bat0 = num(v, "battery_kwh");
	json_decref(v);
	set_state(car_id[SLEEPER], "parked");
	v = truth(SLEEPER);
	ok(json_is_true(json_object_get(v, "held")), "the simulator holds it");
	json_decref(v);
	sim_do("POST", "/sim/reset-calls", "{}");
	before = states_of(SLEEPER);

	/* Three days, the jobs every 30 simulated minutes. */
	for (int step = 1; step <= 144; step++) {
		clock_advance(1800);
		failed += sync_job("vehicles") != 0;
		if (step % 12 == 0)
			failed += sync_job("analytics") != 0;
		if (step % 48 == 0)
			failed += sync_job("charging_history") != 0;
	}
	is_int(failed, 0, "every run of the three days succeeds");
	is_int(calls(car_id[SLEEPER], "vehicle_data"), 0,
	    "the parked car: no vehicle_data in three days");
	is_int(calls(NULL, "wake_up"), 0, "no wake_up for any car");
	vd_other[1] = calls(car_id[1], "vehicle_data");
	vd_other[2] = calls(car_id[2], "vehicle_data");
	ok(vd_other[1] > 0 && vd_other[2] > 0,
	    "the other cars were still polled");
	printf("#   vehicle_data: %ld and %ld\n", vd_other[1], vd_other[2]);
	is_int(calls(NULL, "vehicles"), 144, "the free list at every run");
	is_int(states_of(SLEEPER), before, "no state stored for it");
	is_str(
	    sql(buf, sizeof(buf), "SELECT state FROM vehicles WHERE id = '%s'",
		car_uuid[SLEEPER]),
	    "asleep", "it is recorded asleep");
	is_int(sync_job("analytics"), 0, "analytics over the three days");
	is_str(sql(buf, sizeof(buf),
		   "SELECT (SELECT count(*) FROM drives WHERE vehicle_id = "
		   "'%s' AND ended_at > '%s') || '/' || (SELECT count(*) FROM "
		   "charging_sessions WHERE vehicle_id = '%s' AND "
		   "coalesce(ended_at, started_at) > '%s')",
		   car_uuid[SLEEPER], t0s, car_uuid[SLEEPER], t0s),
	    "0/0", "no drive and no charging session in those days");
	{
		struct resp r;
		char path[128];
		long long real = (long long)time(NULL);

		snprintf(path, sizeof(path), "/api/vehicles/%s/state",
		    car_uuid[SLEEPER]);
		http_get(&r, path, token);
		age = num(r.json, "age_s");
		is_str(str(r.json, "sleep_state"), "asleep",
		    "GET /api/vehicles/:id/state: asleep");
		snprintf(buf, sizeof(buf),
		    "with data %.1f days old (t0 was %.1f days ago)",
		    age / 86400, (double)(real - t0) / 86400);
		ok(fabs(age - (double)(real - t0)) < 120 && age >= 3 * 86400 &&
			age < 4.5 * 86400,
		    buf);
		ok(fabs(num(r.json, "odometer_km") - odo0) < 0.01,
		    "and the odometer of t0");
		resp_free(&r);
	}

	/* Released: the next online poll is its app check. */
	set_state(car_id[SLEEPER], "auto");
	before = states_of(SLEEPER);
	for (t = clock_now(); t < app + 1800 && !polled; t += 300) {
		clock_advance(300);
		sync_job("vehicles");
		polled = calls(car_id[SLEEPER], "vehicle_data") > 0;
	}
	ok(polled, "released, it is polled when it wakes by itself");
	is_int(calls(NULL, "wake_up"), 0, "still without a wake_up");
	ok(states_of(SLEEPER) > before, "its state is stored again");
	v = truth(SLEEPER);
	is_int(sync_job("analytics"), 0, "analytics after the release");
	is_str(sql(buf, sizeof(buf),
		   "SELECT count(*) FROM drives WHERE vehicle_id = '%s' AND "
		   "ended_at > '%s'",
		   car_uuid[SLEEPER], t0s),
	    "0", "no ghost drive: the odometer did not move");
	sql(buf, sizeof(buf),
	    "SELECT odometer_km || ' ' || battery_level FROM vehicle_states "
	    "WHERE vehicle_id = '%s' ORDER BY ts DESC LIMIT 1",
	    car_uuid[SLEEPER]);
	{
		double odo = 0, lvl = 0, drop;
		/* Asleep: 0.02 kWh an hour of a 75 kWh battery. */
		double hours = (double)(clock_now() - t0) / 3600;

		sscanf(buf, "%lf %lf", &odo, &lvl);
		ok(fabs(odo - odo0) < 0.01 &&
			fabs(num(v, "odometer_km") - odo0) < 0.01,
		    "the stored odometer is t0's, as in the simulator");
		drop = bat0 / CAP_KWH * 100 - lvl;
		snprintf(buf, sizeof(buf),
		    "battery continuous: %.1f %% at t0, %.0f %% now (at most "
		    "%.2f %% standby loss, and the rounding)",
		    bat0 / CAP_KWH * 100, lvl,
		    STANDBY_KW * hours / CAP_KWH * 100);
		ok(drop >= -0.5 &&
			drop <= STANDBY_KW * hours / CAP_KWH * 100 + 0.5 &&
			fabs(lvl - num(v, "battery_level")) <= 0.5,
		    buf);
	}
	json_decref(v);
}

static const struct tap_test tests[] = {
	TAP(t_road_trip),
	TAP(t_asleep),
};

/* Back to the real clock, every car to the model, for the tests after. */
static void
restore(void)
{
	char iso[40];
	time_t now = time(NULL);

	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	for (int c = 0; c < 3; c++)
		set_state(car_id[c], "auto");
	clock_set(iso);
}

int
main(void)
{
	char buf[64];
	struct resp r;
	json_t *st;
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	login(token, sizeof(token));
	http_get(&r, "/api/auth/status", token);
	if (!json_is_true(json_object_get(r.json, "connected"))) {
		/* Run alone: the simulator's first refresh token. */
		resp_free(&r);
		http_post_json(&r, "/api/auth/token", token,
		    "{\"refresh_token\":\"sim-refresh-token-0\"}");
	}
	resp_free(&r);
	st = sim("GET", "/sim/state", NULL);
	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_array_get(json_object_get(st, "vehicles"), i);

		snprintf(car_id[i], sizeof(car_id[i]), "%lld",
		    (long long)json_integer_value(json_object_get(v, "id")));
		snprintf(car_vin[i], sizeof(car_vin[i]), "%s", str(v, "vin"));
	}
	json_decref(st);
	sync_job("vehicles"); /* the cars are known to us */
	for (int i = 0; i < 3; i++)
		snprintf(car_uuid[i], sizeof(car_uuid[i]), "%s",
		    sql(buf, sizeof(buf),
			"SELECT id FROM vehicles WHERE tesla_id = %s",
			car_id[i]));
	rc = tap_run(tests, nitems(tests));
	restore();
	return rc;
}
