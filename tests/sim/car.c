/*
 * The cars: who they are, what they do each day, and one model step.
 *
 * A day's plan is drawn from (seed, car, local date): commuters drive to
 * work and back on weekdays, the family car does school runs, the touring
 * car drives 440 km to a far place every other Saturday (stopping at a
 * Supercharger when the rest of the way would leave less than 20 %) and
 * comes back on Sunday, after a night on the hotel's destination charger.
 * Parked at home the cars plug in and charge in the tariff's off-peak hours
 * up to their limit.  A car is awake while it drives or charges and for 15
 * minutes after; fleet cars never sleep.  A car on hold (POST /sim/state
 * "parked") stays where it is, asleep: no trips, no app checks, no charge.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define KM_PER_MI 1.609344
#define FAR_KM 440.0
#define SC_KM 250.0
#define ROAD_FACTOR 1.3
#define AC_EFFICIENCY 0.92

struct model_spec {
	const char *wmi_vds[3]; /* per household zone: eu, us, au */
	char year, plant[3];
	double cap_kwh, range_mi, eff, dc_max_kw;
	int limit_soc;
};

static const struct model_spec specs[] = {
	[CM_MODEL3] = { { "LRW3E7EK", "5YJ3E1EA", "LRW3E7EK" }, 'P',
	    { 'C', 'F', 'C' }, 75, 333, 0.145, 170, 80 },
	[CM_MODELY] = { { "XP7YGCEK", "7SAYGDEE", "LRWYGCEK" }, 'R',
	    { 'B', 'A', 'C' }, 75, 310, 0.160, 170, 80 },
	[CM_MODELS] = { { "5YJSA7E2", "5YJSA1E2", "5YJSA7E2" }, 'L',
	    { 'F', 'F', 'F' }, 95, 405, 0.175, 150, 90 },
};

static const char *const house_names[] = { "Midnight", "Kiwi", "Long Haul" };

/* The transliteration value of a VIN character (ISO 3779). */
static int
vin_value(char ch)
{
	static const char letters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
	static const int values[] = { 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7,
		9, 2, 3, 4, 5, 6, 7, 8, 9 };
	const char *p;

	if (ch >= '0' && ch <= '9')
		return ch - '0';
	p = strchr(letters, ch);
	return p != NULL ? values[p - letters] : 0;
}

/* Writes a 17-character VIN with a valid check digit into vin[18]. */
static void
make_vin(
    char vin[18], const char *wmi_vds, char year, char plant, unsigned serial)
{
	static const int weights[17] = { 8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6,
		5, 4, 3, 2 };
	int i, sum = 0;

	snprintf(
	    vin, 18, "%.8s0%c%c%06u", wmi_vds, year, plant, serial % 1000000);
	for (i = 0; i < 17; i++)
		sum += vin_value(vin[i]) * weights[i];
	vin[8] = sum % 11 == 10 ? 'X' : (char)('0' + sum % 11);
}

static double
unit(const struct model *m, int i, uint64_t a, uint64_t b)
{
	return sim_unit(sim_hash(m->seed, (uint64_t)i, a, b));
}

/* Identity, hardware and places of car i. */
static void
car_config(struct model *m, int i)
{
	struct car_cfg *c = &m->cc[i];
	const struct model_spec *sp;
	const struct zone *z = m->zone;
	double b, home_lat, home_lon;
	int zi;

	memset(c, 0, sizeof(*c));
	c->role = i >= m->nhouse ? ROLE_FLEET
	    : i == 0             ? ROLE_COMMUTER
	    : i == 1             ? ROLE_FAMILY
				 : ROLE_TRIPPER;
	c->model = i < m->nhouse ? (enum car_model)i : (enum car_model)(i % 3);
	c->zone = z;
	c->site = i < m->nhouse && m->nsites > 0 ? 0 : -1;
	c->wc = c->site >= 0 ? i : -1;
	c->id = 1000000000000000LL +
	    (int64_t)(sim_hash(m->seed, (uint64_t)i, 'i', 0) %
		2700000000000000ULL);
	c->vehicle_id = 100000000LL +
	    (int64_t)(sim_hash(m->seed, (uint64_t)i, 'v', 0) % 3900000000ULL);
	c->user_id = 100000 + (int64_t)(sim_hash(m->seed, 'u', 0, 0) % 900000);
	snprintf(c->id_s, sizeof(c->id_s), "%lld", (long long)c->id);
	sp = &specs[c->model];
	zi = tz_household_index(z);
	make_vin(c->vin, sp->wmi_vds[zi], sp->year, sp->plant[zi],
	    (unsigned)(100000 +
		sim_hash(m->seed, (uint64_t)i, 'n', 0) % 800000));
	if (i < m->nhouse)
		snprintf(c->name, sizeof(c->name), "%s", house_names[i]);
	else
		snprintf(c->name, sizeof(c->name), "Fleet %04d", i);
	snprintf(c->tokens[0], sizeof(c->tokens[0]), "%016llx",
	    (unsigned long long)sim_hash(m->seed, (uint64_t)i, 't', 1));
	snprintf(c->tokens[1], sizeof(c->tokens[1]), "%016llx",
	    (unsigned long long)sim_hash(m->seed, (uint64_t)i, 't', 2));
	c->cap_kwh = sp->cap_kwh;
	c->range_mi = sp->range_mi;
	c->eff = sp->eff;
	c->dc_max_kw = sp->dc_max_kw;
	c->limit_soc = sp->limit_soc;

	/* Places: home is the site's; fleet cars live at a depot nearby. */
	home_lat = m->nsites > 0 ? m->sc[0].lat : z->lat;
	home_lon = m->nsites > 0 ? m->sc[0].lon : z->lon;
	if (c->role == ROLE_FLEET)
		geo_move(home_lat, home_lon, 360 * unit(m, i, 'd', 0),
		    1 + 3 * unit(m, i, 'd', 1), &home_lat, &home_lon);
	c->pl[PL_HOME] = (struct place){ home_lat, home_lon, "Home" };
	geo_move(home_lat, home_lon, 360 * unit(m, i, 'w', 0),
	    8 + 12 * unit(m, i, 'w', 1), &c->pl[PL_WORK].lat,
	    &c->pl[PL_WORK].lon);
	c->pl[PL_WORK].name = z->work_name;
	geo_move(home_lat, home_lon, 360 * unit(m, i, 's', 0),
	    1.5 + 3 * unit(m, i, 's', 1), &c->pl[PL_SHOP].lat,
	    &c->pl[PL_SHOP].lon);
	c->pl[PL_SHOP].name = z->shop_name;
	b = 150 + 60 * unit(m, 0, 'f', 0); /* one far place per household */
	c->far_km = FAR_KM;
	c->sc_km = SC_KM;
	geo_move(home_lat, home_lon, b, FAR_KM / 1.25, &c->pl[PL_FAR].lat,
	    &c->pl[PL_FAR].lon);
	c->pl[PL_FAR].name = z->far_name;
	geo_move(home_lat, home_lon, b, SC_KM / 1.25, &c->pl[PL_SC].lat,
	    &c->pl[PL_SC].lon);
	c->pl[PL_SC].name = z->sc_name;
}

void
car_init(struct model *m, int i)
{
	struct car_cfg *c;
	struct car_st *s = &m->cs[i];

	car_config(m, i);
	c = &m->cc[i];
	memset(s, 0, sizeof(*s));
	s->act = ACT_PARKED;
	s->at = PL_HOME;
	s->plug = PLUG_HOME;
	s->chg = CHG_COMPLETE;
	s->session = -1;
	s->plan_day = INT64_MIN;
	s->last_active = m->epoch - 3600;
	s->lat = c->pl[PL_HOME].lat;
	s->lon = c->pl[PL_HOME].lon;
	s->heading = floor(360 * unit(m, i, 'h', 0));
	s->e_kwh =
	    c->cap_kwh * (c->limit_soc / 100.0 - 0.04 * unit(m, i, 'e', 0));
	s->odo_km = (6000 + 30000 * unit(m, i, 'o', 0)) * KM_PER_MI;
	s->lifetime_kwh = s->odo_km * c->eff * 1.1;
	s->added_kwh = round_to(4 + 20 * unit(m, i, 'a', 0), 2);
	s->added_km = s->added_kwh / c->eff;
}

/* Appends a trip to the day's plan. */
static void
add_trip(struct car_st *s, double depart, int dest, double speed)
{
	if (s->nplan >= (int)(sizeof(s->plan) / sizeof(s->plan[0])))
		return;
	s->plan[s->nplan].depart = (int)depart;
	s->plan[s->nplan].dest = dest;
	s->plan[s->nplan].speed = speed;
	s->nplan++;
}

/* Draws the plan of local day lt->day. */
static void
plan_day(struct model *m, int i, const struct ltime *lt)
{
	const struct car_cfg *c = &m->cc[i];
	struct car_st *s = &m->cs[i];
	int weekday = lt->wday >= 1 && lt->wday <= 5;
	uint64_t d = (uint64_t)lt->day;
	double dep;

	s->plan_day = lt->day;
	s->nplan = 0;
	s->next = 0;
	if (s->at == PL_FAR || (s->act != ACT_PARKED && s->to == PL_FAR)) {
		add_trip(s, 14 * 3600 + 3600 * unit(m, i, d, 1), PL_HOME, 105);
		return;
	}
	if (c->role == ROLE_TRIPPER && lt->wday == 6 && lt->day / 7 % 2 == 0) {
		add_trip(s, 9 * 3600 + 3600 * unit(m, i, d, 2), PL_FAR, 105);
		return;
	}
	if (weekday && c->role == ROLE_FAMILY) {
		dep = 7.75 * 3600 + 1800 * unit(m, i, d, 3);
		add_trip(s, dep, PL_SHOP, 28);
		add_trip(s, dep + 1200 + 600 * unit(m, i, d, 4), PL_HOME, 28);
		dep = 15 * 3600 + 3600 * unit(m, i, d, 5);
		add_trip(s, dep, PL_SHOP, 28);
		add_trip(s, dep + 2700 + 2700 * unit(m, i, d, 6), PL_HOME, 28);
	} else if (weekday) {
		add_trip(s, 7 * 3600 + 3600 * unit(m, i, d, 3), PL_WORK, 38);
		add_trip(s, 16 * 3600 + 7200 * unit(m, i, d, 4), PL_HOME, 38);
		if (unit(m, i, d, 5) < 0.3) {
			dep = 19 * 3600 + 3600 * unit(m, i, d, 6);
			add_trip(s, dep, PL_SHOP, 30);
			add_trip(s, dep + 1800 + 1800 * unit(m, i, d, 7),
			    PL_HOME, 30);
		}
	} else if (unit(m, i, d, 8) < 0.6) {
		dep = 10 * 3600 + 4 * 3600 * unit(m, i, d, 9);
		add_trip(s, dep, PL_SHOP, 30);
		add_trip(s, dep + 3600 + 3600 * unit(m, i, d, 10), PL_HOME, 30);
	}
}

/* 1 for a trip between home and the far place. */
static int
highway(const struct car_st *s)
{
	return (s->from == PL_HOME && s->to == PL_FAR) ||
	    (s->from == PL_FAR && s->to == PL_HOME);
}

/* Consumption in kWh/km: highway speeds and cold weather cost more. */
static double
consumption(const struct car_cfg *c, const struct car_st *s)
{
	double e = c->eff * (highway(s) ? 1.25 : 1.0);

	if (s->outside_c < 12)
		e *= 1 + 0.012 * (12 - s->outside_c);
	return e;
}

static void
start_trip(struct model *m, int i, const struct trip *tr)
{
	const struct car_cfg *c = &m->cc[i];
	struct car_st *s = &m->cs[i];
	double km;

	if (s->plug != PLUG_NONE) {
		s->plug = PLUG_NONE;
		s->chg = CHG_DISCONNECTED;
		s->charger_kw = 0;
	}
	s->from = s->at;
	s->to = tr->dest;
	if (highway(s)) {
		s->trip_km = c->far_km;
	} else {
		km = geo_km(c->pl[s->from].lat, c->pl[s->from].lon,
		    c->pl[s->to].lat, c->pl[s->to].lon);
		s->trip_km = km * ROAD_FACTOR < 1 ? 1 : km * ROAD_FACTOR;
	}
	s->covered_km = 0;
	s->sc_checked = 0;
	s->avg_kmh = tr->speed;
	s->act = ACT_DRIVING;
	s->heading = round(geo_bearing(c->pl[s->from].lat, c->pl[s->from].lon,
	    c->pl[s->to].lat, c->pl[s->to].lon));
}

/* Moves d km along the trip, spending energy. */
static void
move(struct model *m, int i, double d, double secs)
{
	const struct car_cfg *c = &m->cc[i];
	struct car_st *s = &m->cs[i];
	const struct place *a = &c->pl[s->from], *b = &c->pl[s->to];
	double e, f;

	e = d * consumption(c, s);
	s->e_kwh = s->e_kwh - e < 0.5 ? 0.5 : s->e_kwh - e;
	s->lifetime_kwh += e;
	s->odo_km += d;
	s->covered_km += d;
	f = s->trip_km > 0 ? s->covered_km / s->trip_km : 1;
	s->lat = a->lat + (b->lat - a->lat) * f;
	s->lon = a->lon + (b->lon - a->lon) * f;
	s->power_kw = secs > 0 ? e / (secs / 3600) : 0;
}

/* Stops at the Supercharger and opens a session. */
static void
start_supercharge(struct model *m, int i, int64_t t)
{
	const struct car_cfg *c = &m->cc[i];
	struct car_st *s = &m->cs[i];
	struct sc_session ss;

	s->act = ACT_SUPERCHARGING;
	s->plug = PLUG_SC;
	s->chg = CHG_CHARGING;
	s->added_kwh = 0;
	s->added_km = 0;
	s->charge_start = t + SIM_STEP;
	s->speed_kmh = 0;
	s->lat = c->pl[PL_SC].lat;
	s->lon = c->pl[PL_SC].lon;
	memset(&ss, 0, sizeof(ss));
	ss.car = i;
	ss.start = t + SIM_STEP;
	ss.lat = c->pl[PL_SC].lat;
	ss.lon = c->pl[PL_SC].lon;
	ss.name = c->pl[PL_SC].name;
	s->session = model_add_session(m, &ss);
}

static void
arrive(struct model *m, int i)
{
	const struct car_cfg *c = &m->cc[i];
	struct car_st *s = &m->cs[i];

	s->act = ACT_PARKED;
	s->at = s->to;
	s->speed_kmh = 0;
	s->power_kw = 0;
	s->lat = c->pl[s->at].lat;
	s->lon = c->pl[s->at].lon;
	if (s->at == PL_HOME) {
		s->plug = PLUG_HOME;
		s->chg = CHG_STOPPED; /* waiting for the off-peak start */
	} else if (s->at == PL_FAR) {
		/* The hotel's destination charger, at once: without it the
		 * way back could not reach the Supercharger. */
		s->plug = PLUG_DEST;
		s->chg = CHG_STOPPED;
	}
}

static void
drive(struct model *m, int i, int64_t t, double secs)
{
	const struct car_cfg *c = &m->cc[i];
	struct car_st *s = &m->cs[i];
	double v, d, sc_at, need;

	v = s->avg_kmh * (0.75 + 0.5 * unit(m, i, (uint64_t)t, 'v'));
	d = v * secs / 3600;
	s->speed_kmh = v;
	s->last_active = t + SIM_STEP;
	if (highway(s) && !s->sc_checked) {
		sc_at = s->to == PL_FAR ? c->sc_km : c->far_km - c->sc_km;
		if (s->covered_km + d >= sc_at) {
			move(m, i, sc_at - s->covered_km, secs);
			s->sc_checked = 1;
			need = (s->trip_km - sc_at) * consumption(c, s);
			if (s->e_kwh - need < 0.2 * c->cap_kwh)
				start_supercharge(m, i, t);
			return;
		}
	}
	if (s->covered_km + d >= s->trip_km) {
		move(m, i, s->trip_km - s->covered_km, secs);
		arrive(m, i);
		return;
	}
	move(m, i, d, secs);
}

/* DC power the car takes at state of charge soc, kW. */
static double
dc_curve(const struct car_cfg *c, double soc)
{
	if (soc < 0.3)
		return c->dc_max_kw;
	if (soc < 0.8)
		return c->dc_max_kw * (1 - (soc - 0.3) * 1.5);
	return c->dc_max_kw * 0.2;
}

static void
supercharge(struct model *m, int i, int64_t t)
{
	const struct car_cfg *c = &m->cc[i];
	struct car_st *s = &m->cs[i];
	struct sc_session *ss = &m->sess[s->session];
	double p, e, target;

	target = 0.8 * c->cap_kwh;
	p = dc_curve(c, s->e_kwh / c->cap_kwh);
	e = p * SIM_STEP / 3600;
	if (s->e_kwh + e >= target) {
		e = target - s->e_kwh > 0 ? target - s->e_kwh : 0;
		s->chg = CHG_COMPLETE;
		s->act = ACT_UNLATCH;
		ss->stop = t + SIM_STEP;
		s->resume_at = t + SIM_STEP + 180;
		ss->unlatch = s->resume_at;
	}
	s->charger_kw = e / ((double)SIM_STEP / 3600);
	s->power_kw = -s->charger_kw;
	s->e_kwh += e;
	s->added_kwh += e;
	s->added_km += e / c->eff;
	ss->kwh += e;
	s->last_active = t + SIM_STEP;
}

/*
 * Plugged in on AC: at home it waits for off-peak hours, at the far place's
 * destination charger it starts at once; it charges to the limit.
 */
static void
home_charge(struct model *m, int i, int64_t t, const struct ltime *lt)
{
	const struct car_cfg *c = &m->cc[i];
	struct car_st *s = &m->cs[i];
	const struct zone *z = c->zone;
	double limit, p, e;

	limit = c->cap_kwh * c->limit_soc / 100.0;
	s->charger_kw = 0;
	if (m->co[i].hold) {
		if (s->chg == CHG_CHARGING)
			s->chg = CHG_STOPPED; /* resumes after the hold */
		return;
	}
	if (s->chg == CHG_STOPPED &&
	    (s->plug == PLUG_DEST || tariff_period(z->tariff, lt->hour) == 0)) {
		if (s->e_kwh < limit - 0.01 * c->cap_kwh) {
			s->chg = CHG_CHARGING;
			s->added_kwh = 0;
			s->added_km = 0;
			s->charge_start = t;
		} else {
			s->chg = CHG_COMPLETE;
		}
		s->last_active = t + SIM_STEP;
	}
	if (s->chg != CHG_CHARGING)
		return;
	p = z->ac_volts * z->ac_amps * z->ac_phases / 1000.0;
	e = p * AC_EFFICIENCY * SIM_STEP / 3600;
	if (s->e_kwh + e >= limit) {
		e = limit - s->e_kwh > 0 ? limit - s->e_kwh : 0;
		s->chg = CHG_COMPLETE;
	}
	s->charger_kw = e / AC_EFFICIENCY / ((double)SIM_STEP / 3600);
	s->e_kwh += e;
	s->added_kwh += e;
	s->added_km += e / c->eff;
	s->last_active = t + SIM_STEP;
}

double
outside_temp(const struct model *m, const struct ltime *lt)
{
	const struct zone *z = m->zone;
	double season, mean, amp, h;

	season = cos(2 * M_PI * (lt->yday - 196) / 365.0);
	if (z->lat < 0)
		season = -season;
	mean = z->lat > 45 ? 10.5 : 16;
	amp = z->lat > 45 ? 9.5 : 5.5;
	h = lt->hour + lt->min / 60.0;
	return mean + amp * season + 4.5 * sin(2 * M_PI * (h - 9) / 24) +
	    6 * (sim_unit(sim_hash(m->seed, 'T', (uint64_t)lt->day, 0)) - 0.5);
}

void
car_step(
    struct model *m, int i, int64_t t, const struct ltime *ltp, double out_c)
{
	const struct car_cfg *c = &m->cc[i];
	struct car_st *s = &m->cs[i];
	const struct ltime lt = *ltp;
	int held = m->co[i].hold && s->act == ACT_PARKED;
	double drain, app;

	if (s->plan_day != lt.day)
		plan_day(m, i, &lt);
	s->outside_c = out_c;
	s->charger_kw = 0;
	switch (s->act) {
	case ACT_PARKED:
		s->speed_kmh = 0;
		s->power_kw = 0;
		if (s->next < s->nplan && lt.sod >= s->plan[s->next].depart) {
			if (!held && s->plan[s->next].dest != s->at) {
				start_trip(m, i, &s->plan[s->next++]);
				drive(m, i, t, SIM_STEP);
				break;
			}
			s->next++;
		}
		if (s->plug == PLUG_HOME || s->plug == PLUG_DEST)
			home_charge(m, i, t, &lt);
		drain = (s->online ? 0.25 : 0.02) * SIM_STEP / 3600;
		if (s->chg != CHG_CHARGING && s->e_kwh > drain + 0.5)
			s->e_kwh -= drain;
		s->power_kw = -s->charger_kw * AC_EFFICIENCY;
		break;
	case ACT_DRIVING:
		drive(m, i, t, SIM_STEP);
		break;
	case ACT_SUPERCHARGING:
		supercharge(m, i, t);
		break;
	case ACT_UNLATCH:
		s->power_kw = 0;
		if (t >= s->resume_at) {
			s->plug = PLUG_NONE;
			s->chg = CHG_DISCONNECTED;
			s->session = -1;
			s->act = ACT_DRIVING;
			drive(m, i, t, SIM_STEP);
		}
		break;
	}
	s->inside_c = s->act == ACT_PARKED ? s->outside_c + 2.5 : 21.5;
	app = 12 * 3600 + 5400 * unit(m, i, (uint64_t)lt.day, 'p');
	if (held) /* falls asleep as usual, and nothing wakes it */
		s->online = t < s->last_active + SIM_AWAKE_S;
	else
		s->online = c->role == ROLE_FLEET || s->act != ACT_PARKED ||
		    s->chg == CHG_CHARGING ||
		    t < s->last_active + SIM_AWAKE_S ||
		    (lt.sod >= app && lt.sod < app + 600);
}
