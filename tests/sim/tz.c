/*
 * Time zones for the simulator: a few IANA zones with their daylight saving
 * rules written out (EU since 1996, US since 1987, south-eastern Australia
 * since 2008), so that the model and its local calendar days do not depend
 * on the host's tzdata.  Calendar arithmetic is done by hand too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static const struct tariff tariff_de = {
	.name = "Sim Zeitvariabel",
	.utility = "Stadtwerke Simulation",
	.code = "SIM-DE-TOU",
	.off_from = 22,
	.off_to = 6,
	.on_from = 17,
	.on_to = 21,
	.summer_from = 4,
	.summer_to = 9,
	.buy = { { 0.24, 0.31, 0.39 }, { 0.26, 0.33, 0.42 } },
	.sell = 0.081,
	.daily = 0.43,
};

static const struct tariff tariff_us = {
	.name = "Sim EV2-A",
	.utility = "Simulated Gas & Electric",
	.code = "SIM-US-EV2A",
	.off_from = 0,
	.off_to = 15,
	.on_from = 16,
	.on_to = 21,
	.summer_from = 6,
	.summer_to = 9,
	.buy = { { 0.31, 0.51, 0.62 }, { 0.31, 0.48, 0.50 } },
	.sell = 0.05,
	.daily = 0.39,
};

static const struct tariff tariff_au = {
	.name = "Sim Time of Use",
	.utility = "Simulated Energy",
	.code = "SIM-AU-TOU",
	.off_from = 22,
	.off_to = 7,
	.on_from = 14,
	.on_to = 20,
	.summer_from = 11,
	.summer_to = 3,
	.buy = { { 0.22, 0.27, 0.55 }, { 0.22, 0.27, 0.49 } },
	.sell = 0.05,
	.daily = 1.05,
};

static const struct zone zones[] = {
	{ "Europe/Berlin", 3600, ZR_EU, "eu", "DE", "EUR", 52.4381, 13.2626, 1,
	    230, 16, 3, 0.56, "Nuremberg", "Hermsdorf, Germany", "Berlin Mitte",
	    "Zehlendorf Markt", &tariff_de },
	{ "America/Los_Angeles", -28800, ZR_US, "na", "US", "USD", 37.4419,
	    -122.1430, 0, 240, 48, 1, 0.45, "Lake Tahoe", "Rancho Cordova, CA",
	    "Mountain View", "Town & Country Village", &tariff_us },
	{ "Australia/Sydney", 36000, ZR_AU, "na", "AU", "AUD", -33.7969,
	    151.1803, 1, 230, 32, 1, 0.69, "Canberra", "Goulburn, NSW",
	    "Sydney CBD", "Chatswood Chase", &tariff_au },
	/* Accepted as a time_zone parameter, never a household. */
	{ "Europe/London", 0, ZR_EU, "eu", "GB", "GBP", 51.5, -0.12, 1, 230, 32,
	    1, 0.5, "Bath", "Membury, UK", "The City", "High Street",
	    &tariff_de },
	{ "America/New_York", -18000, ZR_US, "na", "US", "USD", 40.71, -74.0, 0,
	    240, 48, 1, 0.45, "Albany", "Kingston, NY", "Midtown",
	    "Main Street", &tariff_us },
	{ "Australia/Brisbane", 36000, ZR_NONE, "na", "AU", "AUD", -27.47,
	    153.02, 1, 230, 32, 1, 0.69, "Noosa", "Caboolture, QLD", "CBD",
	    "Mall", &tariff_au },
	{ "UTC", 0, ZR_NONE, "eu", "DE", "EUR", 52.4381, 13.2626, 1, 230, 16, 3,
	    0.56, "Nuremberg", "Hermsdorf, Germany", "Berlin Mitte",
	    "Zehlendorf Markt", &tariff_de },
};

#define NHOUSEHOLD_ZONES 3

const struct zone *
tz_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strcmp(zones[i].name, name) == 0)
			return &zones[i];
	if (strcmp(name, "Etc/UTC") == 0 || strcmp(name, "Z") == 0)
		return tz_find("UTC");
	return NULL;
}

const struct zone *
tz_household(int i)
{
	return &zones[i % NHOUSEHOLD_ZONES];
}

int
tz_household_index(const struct zone *z)
{
	int i;

	for (i = 0; i < NHOUSEHOLD_ZONES; i++)
		if (z == &zones[i])
			return i;
	return 0;
}

/*
 * Days from 1970-01-01 to a proleptic Gregorian date: count whole 400-year
 * eras, then years of the era starting in March (so that the leap day is
 * the era-year's last day), then days of that year.  Pure arithmetic:
 * glibc's timegm() keeps a static cache, which threads would share.
 */
int64_t
tz_days(int year, int mon, int mday)
{
	int64_t y, era, yoe, doy, doe;

	y = (int64_t)year - (mon <= 2);
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * ((mon + 9) % 12) + 2) / 5 + mday - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of tz_days(), by the same eras and March-based years. */
void
tz_civil(int64_t day, int *year, int *mon, int *mday)
{
	int64_t z, era, doe, yoe, doy, mp;

	z = day + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	*mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int)(yoe + era * 400 + (*mon <= 2));
}

/* Weekday (0 = Sunday) of a day number. */
static int
weekday(int64_t day)
{
	int w;

	w = (int)((day + 4) % 7); /* 1970-01-01 was a Thursday */
	return w < 0 ? w + 7 : w;
}

/* Day number of the n-th (1-based) Sunday of a month, or the last (n=0). */
static int64_t
sunday(int year, int mon, int n)
{
	int64_t d;

	if (n == 0) {
		d = mon == 12 ? tz_days(year + 1, 1, 1)
			      : tz_days(year, mon + 1, 1);
		d--;
		return d - weekday(d);
	}
	d = tz_days(year, mon, 1);
	d += (7 - weekday(d)) % 7;
	return d + 7 * (n - 1);
}

int
tz_offset(const struct zone *z, int64_t t)
{
	int64_t start, end;
	int year, mon, mday;

	if (z->rule == ZR_NONE)
		return z->std_off;
	tz_civil((t + z->std_off) / 86400, &year, &mon, &mday);
	switch (z->rule) {
	case ZR_EU:
		/* Last Sunday of March to last Sunday of October, 01:00 UTC. */
		start = sunday(year, 3, 0) * 86400 + 3600;
		end = sunday(year, 10, 0) * 86400 + 3600;
		return t >= start && t < end ? z->std_off + 3600 : z->std_off;
	case ZR_US:
		/* 2nd Sunday of March 02:00 to 1st Sunday of November 02:00
		 * (before 2007: 1st Sunday of April to last of October). */
		start =
		    (year < 2007 ? sunday(year, 4, 1) : sunday(year, 3, 2)) *
			86400 +
		    7200 - z->std_off;
		end =
		    (year < 2007 ? sunday(year, 10, 0) : sunday(year, 11, 1)) *
			86400 +
		    7200 - z->std_off - 3600;
		return t >= start && t < end ? z->std_off + 3600 : z->std_off;
	case ZR_AU:
		/* 1st Sunday of October 02:00 to 1st Sunday of April 03:00
		 * (the rule since 2008). */
		end = sunday(year, 4, 1) * 86400 + 10800 - z->std_off - 3600;
		start = sunday(year, 10, 1) * 86400 + 7200 - z->std_off;
		return t < end || t >= start ? z->std_off + 3600 : z->std_off;
	case ZR_NONE:
		break;
	}
	return z->std_off;
}

void
tz_local(const struct zone *z, int64_t t, struct ltime *lt)
{
	int64_t l;

	lt->off = tz_offset(z, t);
	l = t + lt->off;
	lt->day = l >= 0 ? l / 86400 : (l - 86399) / 86400;
	lt->sod = (int)(l - lt->day * 86400);
	tz_civil(lt->day, &lt->year, &lt->mon, &lt->mday);
	lt->hour = lt->sod / 3600;
	lt->min = lt->sod / 60 % 60;
	lt->sec = lt->sod % 60;
	lt->wday = weekday(lt->day);
	lt->yday = (int)(lt->day - tz_days(lt->year, 1, 1));
}

int64_t
tz_mktime(const struct zone *z, int64_t day, int sod)
{
	int64_t l, t;
	int off;

	l = day * 86400 + sod;
	t = l - z->std_off;
	off = tz_offset(z, t);
	t = l - off;
	if (tz_offset(z, t) != off) /* inside a gap: take the later side */
		t = l - tz_offset(z, t);
	return t;
}

void
tz_format(const struct zone *z, int64_t t, char *buf, size_t len)
{
	struct ltime lt;
	int off;

	tz_local(z, t, &lt);
	off = lt.off < 0 ? -lt.off : lt.off;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", lt.year,
	    lt.mon, lt.mday, lt.hour, lt.min, lt.sec, lt.off < 0 ? '-' : '+',
	    off / 3600, off / 60 % 60);
}

void
tz_format_utc_ms(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000, day;
	int y, mo, d, sod;

	day = s >= 0 ? s / 86400 : (s - 86399) / 86400;
	sod = (int)(s - day * 86400);
	tz_civil(day, &y, &mo, &d);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, d,
	    sod / 3600, sod / 60 % 60, sod % 60, (int)(ms - s * 1000));
}

/* Reads exactly n digits at *p into *v; advances *p. */
static int
digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

/* Expects character c at *p and steps over it. */
static int
expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

int
tz_parse(const char *s, const struct zone *z, int64_t *t)
{
	int y, mo, d, h = 0, mi = 0, se = 0, oh, om, sign;
	const char *p = s;
	int64_t day;

	if (s == NULL || digits(&p, 4, &y) || expect(&p, '-') ||
	    digits(&p, 2, &mo) || expect(&p, '-') || digits(&p, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	day = tz_days(y, mo, d);
	if (*p == '\0') {
		*t = tz_mktime(z, day, 0);
		return 0;
	}
	if ((*p != 'T' && *p != ' ') || (p++, digits(&p, 2, &h)) ||
	    expect(&p, ':') || digits(&p, 2, &mi))
		return -1;
	if (*p == ':' && (p++, digits(&p, 2, &se)))
		return -1;
	if (h > 23 || mi > 59 || se > 60)
		return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == '\0') {
		*t = tz_mktime(z, day, h * 3600 + mi * 60 + se);
		return 0;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*t = day * 86400 + h * 3600 + mi * 60 + se;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (digits(&p, 2, &oh))
		return -1;
	if (*p == ':')
		p++;
	if (digits(&p, 2, &om) || *p != '\0' || oh > 23 || om > 59)
		return -1;
	*t = day * 86400 + h * 3600 + mi * 60 + se -
	    sign * (oh * 3600 + om * 60);
	return 0;
}
