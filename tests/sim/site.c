/*
 * The energy sites: solar following the sun, a house load with a morning
 * and an evening peak plus appliances, the household's cars charging at the
 * wall connectors, and a Powerwall in self-consumption mode (it stores
 * surplus solar and covers the house, never the cars, down to its reserve).
 * Powers are whole watts with Tesla's signs, so that
 * load = solar + battery + grid holds exactly, and every step's energy
 * flows go into the site's 5-minute buckets.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define DEG (M_PI / 180.0)

static int
in_hours(int h, int from, int to)
{
	return from <= to ? h >= from && h < to : h >= from || h < to;
}

int
tariff_period(const struct tariff *tf, int hour)
{
	if (in_hours(hour, tf->on_from, tf->on_to))
		return 2;
	if (in_hours(hour, tf->off_from, tf->off_to))
		return 0;
	return 1;
}

int
tariff_season(const struct tariff *tf, int mon)
{
	return in_hours(mon, tf->summer_from, tf->summer_to + 1) ? 0 : 1;
}

void
site_init(struct model *m, int s)
{
	struct site_cfg *c = &m->sc[s];
	struct site_st *st = &m->ss[s];
	unsigned long long h, h2;
	int zi, w;

	memset(c, 0, sizeof(*c));
	zi = tz_household_index(m->zone);
	c->zone = tz_household(zi + s);
	c->lat = c->zone->lat;
	c->lon = c->zone->lon;
	if (s >= 3) /* another house in the same town */
		geo_move(c->lat, c->lon, 90, 2.0 * s, &c->lat, &c->lon);
	h = (unsigned long long)sim_hash(m->seed, (uint64_t)s, 'S', 0);
	c->id = 100000000000LL + (int64_t)(h % 899999999999ULL);
	snprintf(c->serial, sizeof(c->serial), "TG12%010llu", h % 10000000000);
	snprintf(c->gw_din, sizeof(c->gw_din), "1232100-00-E--%s", c->serial);
	snprintf(c->id_s, sizeof(c->id_s), "%s", c->gw_din);
	snprintf(c->gateway_id, sizeof(c->gateway_id), "%s", c->gw_din);
	h2 = (unsigned long long)sim_hash(m->seed, (uint64_t)s, 'U', 0);
	snprintf(c->asset_id, sizeof(c->asset_id),
	    "%08llx-%04llx-4%03llx-a%03llx-%012llx", h >> 32,
	    (h >> 16) & 0xffff, h & 0xfff, h2 >> 52, h2 & 0xffffffffffffULL);
	snprintf(c->warp, sizeof(c->warp), "STE%05llu-%05llu", h % 100000,
	    (h >> 20) % 100000);
	if (s == 0)
		snprintf(c->name, sizeof(c->name), "Home");
	else
		snprintf(c->name, sizeof(c->name), "Site %d", s + 1);
	for (w = 0; w < 2; w++)
		snprintf(c->pw_din[w], sizeof(c->pw_din[w]),
		    "3012170-10-B--TG12%010llu", (h >> (w + 1)) % 10000000000);
	c->solar_w = s % 3 == 0 ? 8200 : s % 3 == 1 ? 9600 : 6600;
	c->pw_count = s % 3 == 1 ? 2 : 1;
	c->pw_wh = 13500.0 * c->pw_count;
	c->pw_max_w = 5000 * c->pw_count;
	c->reserve_pct = 20;
	c->nwc = s == 0 && m->nhouse > 0 ? m->nhouse : 1;
	for (w = 0; w < c->nwc; w++)
		snprintf(c->wc_din[w], sizeof(c->wc_din[w]),
		    "1734411-02-F--PGT%010llu", (h >> (8 + w)) % 10000000000);
	c->installed = m->epoch;

	memset(st, 0, sizeof(*st));
	st->soc_wh = c->pw_wh / 2;
	for (w = 0; w < SIM_MAX_WC; w++)
		st->wc_car[w] = -1;
}

/* Clear-sky solar output with the day's clouds, W. */
static int
solar_power(const struct model *m, int s, int64_t t, const struct ltime *lt)
{
	const struct site_cfg *c = &m->sc[s];
	double decl, solar_h, ha, sin_el, clouds, day_clear, dip;

	decl = 23.44 * sin(2 * M_PI * (284 + lt->yday + 1) / 365.0);
	solar_h = (double)(t % 86400) / 3600 + c->lon / 15;
	ha = 15 * (solar_h - 12);
	sin_el = sin(c->lat * DEG) * sin(decl * DEG) +
	    cos(c->lat * DEG) * cos(decl * DEG) * cos(ha * DEG);
	if (sin_el <= 0.01)
		return 0;
	day_clear = 0.3 +
	    0.7 *
		sqrt(sim_unit(
		    sim_hash(m->seed, (uint64_t)s, 'W', (uint64_t)lt->day)));
	dip = sim_noise(sim_hash(m->seed, (uint64_t)s, 'C', 0), t / 900.0);
	clouds = 1 - (1 - day_clear) * 1.3 * dip;
	if (clouds < 0.08)
		clouds = 0.08;
	return (int)lround(c->solar_w * 0.92 * pow(sin_el, 1.15) * clouds);
}

static double
bump(double x, double center, double width)
{
	double d = (x - center) / width;

	return exp(-d * d);
}

/* The house without the cars, W. */
static int
house_load(const struct model *m, int s, int64_t t, const struct ltime *lt)
{
	double h, w;
	uint64_t slot, a;
	int start, len, minute;

	h = lt->hour + lt->min / 60.0;
	w = 240 +
	    140 * sim_noise(sim_hash(m->seed, (uint64_t)s, 'B', 0), t / 3600.0);
	if ((t / 60) % 40 < 14)
		w += 95; /* the fridge */
	w += 650 * bump(h, 7.2, 0.8) + 1300 * bump(h, 19.5, 1.8);
	slot = (uint64_t)(t / 3600);
	a = sim_hash(m->seed, (uint64_t)s, 'A', slot);
	if (lt->hour >= 7 && lt->hour < 23 && sim_unit(a) < 0.25) {
		start = (int)(sim_unit(sim_hash(a, 1, 0, 0)) * 40);
		len = 15 + (int)(sim_unit(sim_hash(a, 2, 0, 0)) * 30);
		minute = lt->min;
		if (minute >= start && minute < start + len)
			w += 1500 + 900 * sim_unit(sim_hash(a, 3, 0, 0));
	}
	return (int)lround(w);
}

void
site_step(struct model *m, int s, int64_t t)
{
	const struct site_cfg *c = &m->sc[s];
	struct site_st *st = &m->ss[s];
	struct bucket *bk;
	struct ltime lt;
	double dt_h = SIM_STEP / 3600.0, room, avail;
	int S, H, L, B, G, cars = 0, i, w;
	int s2h, s2b, s2g, b2h, b2g, g2h, g2b;

	tz_local(c->zone, t, &lt);
	S = solar_power(m, s, t, &lt);
	H = house_load(m, s, t, &lt);
	for (w = 0; w < SIM_MAX_WC; w++) {
		st->wc_w[w] = 0;
		st->wc_car[w] = -1;
	}
	for (i = 0; i < m->ncars; i++) {
		w = m->cc[i].wc;
		if (m->cc[i].site != s || w < 0 || w >= c->nwc ||
		    m->cs[i].plug != PLUG_HOME)
			continue;
		st->wc_car[w] = i;
		st->wc_w[w] = (int)lround(m->cs[i].charger_kw * 1000);
		cars += st->wc_w[w];
	}
	L = H + cars;

	/* Self-consumption: store surplus, cover the house, keep reserve. */
	B = 0;
	if (S > L) {
		room = (c->pw_wh - st->soc_wh) / dt_h;
		B = -(int)fmin(fmin(S - L, c->pw_max_w), fmax(room, 0));
	} else if (H > S) {
		avail = (st->soc_wh - c->pw_wh * c->reserve_pct / 100.0) / dt_h;
		B = (int)fmin(fmin(H - S, c->pw_max_w), fmax(avail, 0));
	}
	G = L - S - B;
	st->soc_wh -= B * dt_h;
	st->solar = S;
	st->load = L;
	st->battery = B;
	st->grid = G;

	/* Who fed whom, for calendar_history. */
	s2b = B < 0 ? (-B < S ? -B : S) : 0;
	g2b = B < 0 ? -B - s2b : 0;
	s2h = S - s2b < L ? S - s2b : L;
	s2g = S - s2b - s2h;
	b2h = B > 0 ? (B < L - s2h ? B : L - s2h) : 0;
	b2g = B > 0 ? B - b2h : 0;
	g2h = L - s2h - b2h;
	bk = &m->bk[s][m->k * SIM_STEP / SIM_BUCKET];
	bk->f[F_S2H] += s2h * dt_h;
	bk->f[F_S2B] += s2b * dt_h;
	bk->f[F_S2G] += s2g * dt_h;
	bk->f[F_B2H] += b2h * dt_h;
	bk->f[F_B2G] += b2g * dt_h;
	bk->f[F_G2H] += g2h * dt_h;
	bk->f[F_G2B] += g2b * dt_h;
}
