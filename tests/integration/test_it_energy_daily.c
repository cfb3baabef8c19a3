/*
 * Daily energy aggregates (issue 5, docs/energy.md): tessie-sync rollup,
 * rollup_full and the backfill of energy_history.
 *
 * The simulated days run on a simulator of our own (seed 42, Berlin), so
 * that moving its clock back and forth leaves run.sh's simulator alone.
 * Each figure is checked against the simulator's own calendar_history,
 * fetched directly and summed here, or against numbers worked out by hand
 * in the comments: never against our rollup read back as truth.
 *
 *   t_sunny, t_cloudy: a day of energy_live every 5 minutes and
 *	energy_history every hour, then the rollup.
 *   t_disagree: Tesla's buckets of a day changed behind our back: flagged
 *	with a reason, then re-fetched and right again.
 *   t_gap: a day without samples from 10:00 to 12:00: flagged and
 *	incomplete, then filled by energy_history's backfill.
 *   t_dst, t_sydney, t_half_hour: hand-made days with hand-worked totals.
 *   t_idempotent, t_incremental, t_bad_input.
 */
#include <sys/wait.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "stack.h"
#include "util.h"

#define ZONE "Europe/Berlin"
#define STEP_S 300 /* energy_live every 5 minutes */

static char token[2048];
static char sim_url[128];
static pid_t sim_pid = -1;
static int connected_before; /* someone else's account: leave it be */
static char sunny[16], cloudy[16]; /* local dates */
static char site[24]; /* Tesla id of our simulator's site, as text */

/* The Tesla site id of the household's site. */
static long long
site_tesla_id(void)
{
	json_t *st = sim("GET", "/api/1/products", NULL), *v;
	long long id = 0;
	size_t i;

	json_array_foreach(json_object_get(st, "response"), i, v)
	{
		if (json_object_get(v, "energy_site_id") != NULL && id == 0)
			id = json_integer_value(
			    json_object_get(v, "energy_site_id"));
	}
	json_decref(st);
	return id;
}

/*
 * The simulator's own calendar_history of local day date, summed: solar
 * (solar_energy_exported), home (consumer_*), grid import, in kWh;
 * -1 when it has none.  The truth the rollup must match.
 */
struct truth {
	double solar, home, grid_in, grid_out, charged, discharged;
	int buckets;
};

static int
sim_truth(const char *date, struct truth *t)
{
	char path[512], from[32], to[32];
	json_t *h, *b;
	size_t i;

	memset(t, 0, sizeof(*t));
	/* The day's first and last second in UTC, as energy_history asks. */
	sql(from, sizeof(from),
	    "SELECT to_char('%s'::date::timestamp AT TIME ZONE '" ZONE
	    "' AT TIME ZONE 'UTC', 'YYYY-MM-DD') || 'T' || to_char('%s'::date"
	    "::timestamp AT TIME ZONE '" ZONE "' AT TIME ZONE 'UTC', "
	    "'HH24:MI:SS') || 'Z'",
	    date, date);
	sql(to, sizeof(to),
	    "SELECT to_char(('%s'::date + 1)::timestamp AT TIME ZONE '" ZONE
	    "' AT TIME ZONE 'UTC' - interval '1 second', 'YYYY-MM-DD') || 'T' "
	    "|| to_char(('%s'::date + 1)::timestamp AT TIME ZONE '" ZONE
	    "' AT TIME ZONE 'UTC' - interval '1 second', 'HH24:MI:SS') || 'Z'",
	    date, date);
	snprintf(path, sizeof(path),
	    "/api/1/energy_sites/%lld/calendar_history?kind=energy"
	    "&period=day&start_date=%s&end_date=%s&time_zone=Europe%%2FBerlin",
	    site_tesla_id(), from, to);
	h = sim("GET", path, NULL);
	json_array_foreach(
	    json_object_get(json_object_get(h, "response"), "time_series"), i,
	    b)
	{
#define F(k) json_number_value(json_object_get(b, k)) / 1000
		t->solar += F("solar_energy_exported");
		t->home += F("consumer_energy_imported_from_grid") +
		    F("consumer_energy_imported_from_solar") +
		    F("consumer_energy_imported_from_battery") +
		    F("consumer_energy_imported_from_generator");
		t->grid_in += F("grid_energy_imported");
		t->grid_out += F("grid_energy_exported_from_solar") +
		    F("grid_energy_exported_from_generator") +
		    F("grid_energy_exported_from_battery");
		t->charged += F("battery_energy_imported_from_grid") +
		    F("battery_energy_imported_from_solar") +
		    F("battery_energy_imported_from_generator");
		t->discharged += F("battery_energy_exported");
#undef F
		t->buckets++;
	}
	json_decref(h);
	return t->buckets > 0 ? 0 : -1;
}

/*
 * Runs the jobs through local day date as cron would: energy_live every
 * 5 minutes from 23:55 the evening before to 00:05 the day after, except
 * in [gap_from, gap_to) hours; energy_history every hour when hourly.
 */
static int
run_day(const char *date, int hourly, int gap_from, int gap_to)
{
	char t0[64];
	int failed = 0;

	/*
	 * Forget what earlier runs stored of this day and their fetches of
	 * it (while simulating another day, the day may have been in the
	 * simulator's future or past): its clock goes back, which Tesla's
	 * never does.
	 */
	sql(t0, sizeof(t0),
	    "DELETE FROM energy_fetches WHERE local_date = '%s'; DELETE FROM "
	    "energy_states WHERE (ts AT TIME ZONE '" ZONE "')::date = '%s'; "
	    "DELETE FROM energy_history WHERE (ts AT TIME ZONE '" ZONE
	    "')::date = '%s'",
	    date, date, date);
	snprintf(t0, sizeof(t0), "%sT00:00:00", date);
	clock_set(t0);
	clock_advance(-STEP_S);
	for (int step = 0; step <= 24 * 3600 / STEP_S + 1; step++) {
		int h = (step - 1) * STEP_S / 3600;

		if (!(step >= 1 && h >= gap_from && h < gap_to))
			failed += sync_job("energy_live") != 0;
		/* Not at 23:55 the day before: Tesla has nothing of
		 * the day yet, and a fruitless fetch is not repeated
		 * for a day. */
		if (hourly && step > 0 && step % 12 == 0)
			failed += sync_job("energy_history") != 0;
		clock_advance(STEP_S);
	}
	return failed;
}

#define DAILY(col, date)                                                       \
	sql_num("SELECT " col " FROM energy_daily WHERE local_date = '%s' "    \
		"AND site_id = (SELECT id FROM energy_sites WHERE "            \
		"tesla_site_id = %s)",                                         \
	    date, site)

/* Checks a simulated day's row against the simulator's own sums. */
static void
check_day(const char *date, const char *what)
{
	struct truth t;
	char msg[160], buf[256];

	if (sim_truth(date, &t) == -1) {
		ok(0, "the simulator has that day's calendar_history");
		return;
	}
	snprintf(msg, sizeof(msg),
	    "%s: Tesla's solar = the simulator's "
	    "calendar_history sum (%.3f kWh)",
	    what, t.solar);
	ok(fabs(DAILY("solar_produced_kwh", date) - t.solar) < 0.001, msg);
	snprintf(msg, sizeof(msg),
	    "%s: home consumed = the sum of the "
	    "consumer_* buckets (%.3f kWh)",
	    what, t.home);
	ok(fabs(DAILY("home_consumed_kwh", date) - t.home) < 0.001, msg);
	snprintf(msg, sizeof(msg), "%s: grid import and export (%.3f, %.3f)",
	    what, t.grid_in, t.grid_out);
	ok(fabs(DAILY("grid_imported_kwh", date) - t.grid_in) < 0.001 &&
		fabs(DAILY("grid_exported_kwh", date) - t.grid_out) < 0.001,
	    msg);
	snprintf(msg, sizeof(msg),
	    "%s: battery charged and discharged "
	    "(%.3f, %.3f)",
	    what, t.charged, t.discharged);
	ok(fabs(DAILY("battery_charged_kwh", date) - t.charged) < 0.001 &&
		fabs(DAILY("battery_discharged_kwh", date) - t.discharged) <
		    0.001,
	    msg);
	snprintf(msg, sizeof(msg), "%s: 288 buckets, source tesla", what);
	ok(t.buckets == 288 &&
		strcmp(sql(buf, sizeof(buf),
			   "SELECT source FROM energy_daily WHERE local_date "
			   "= '%s'",
			   date),
		    "tesla") == 0,
	    msg);
	snprintf(msg, sizeof(msg), "%s: samples cover the day", what);
	ok(DAILY("completeness", date) >= 0.99, msg);
	sql(buf, sizeof(buf),
	    "SELECT samples_solar_produced_kwh || ' ' || "
	    "samples_home_consumed_kwh || ' ' || samples_grid_imported_kwh "
	    "|| ' / ' || coalesce(flag_reason, '-') FROM energy_daily WHERE "
	    "local_date = '%s'",
	    date);
	printf("#   %s samples: %s\n", what, buf);
	snprintf(msg, sizeof(msg),
	    "%s: samples agree with Tesla: "
	    "not flagged",
	    what);
	ok(strcmp(sql(buf, sizeof(buf),
		      "SELECT flagged FROM energy_daily WHERE local_date = "
		      "'%s'",
		      date),
	       "f") == 0,
	    msg);
	snprintf(msg, sizeof(msg),
	    "%s: self-consumption = 100 (solar - "
	    "solar exported) / solar",
	    what);
	ok(t.solar <= 0 ||
		fabs(DAILY("self_consumption_pct", date) -
		    100 * (t.solar - DAILY("solar_exported_kwh", date)) /
			t.solar) < 0.01,
	    msg);
}

/* The days of the simulator's history with the most and least sun. */
static void
pick_days(void)
{
	char buf[64];
	double best = -1, worst = 1e9;
	struct truth t;

	for (int back = 3; back <= 12; back++) {
		sql(buf, sizeof(buf),
		    "SELECT ((now() AT TIME ZONE '" ZONE "')::date - %d)::text",
		    back);
		if (sim_truth(buf, &t) == -1)
			continue;
		if (t.solar > best) {
			best = t.solar;
			snprintf(sunny, sizeof(sunny), "%.10s", buf);
		}
		if (t.solar < worst) {
			worst = t.solar;
			snprintf(cloudy, sizeof(cloudy), "%.10s", buf);
		}
	}
	printf("# sunny %s (%.2f kWh of solar), cloudy %s (%.2f kWh)\n", sunny,
	    best, cloudy, worst);
}

static void
t_sunny(void)
{
	is_int(run_day(sunny, 1, 99, 99), 0, "every job run of the day");
	is_int(sync_job("energy_history"), 0, "the day's last history");
	is_int(sync_job("rollup"), 0, "rollup");
	check_day(sunny, "sunny day");
}

static void
t_cloudy(void)
{
	is_int(run_day(cloudy, 1, 99, 99), 0, "every job run of the day");
	is_int(sync_job("energy_history"), 0, "the day's last history");
	is_int(sync_job("rollup"), 0, "rollup");
	check_day(cloudy, "cloudy day");
	ok(DAILY("solar_produced_kwh", cloudy) <
		DAILY("solar_produced_kwh", sunny),
	    "less sun on the cloudy day");
}

/*
 * Tesla's buckets of the sunny day, 50 % more solar after the fact (as if
 * Tesla had sent wrong figures): the samples no longer agree, the day is
 * flagged with the figure that differs; energy_history fetches the
 * flagged day again and Tesla's true figures put it right.
 */
static void
t_disagree(void)
{
	char buf[256];
	struct truth t;

	/* The simulator back to (almost) now: every day is in its past. */
	sql(buf, sizeof(buf),
	    "SELECT to_char(now() AT TIME ZONE '" ZONE "' - interval '1 "
	    "minute', 'YYYY-MM-DD') || 'T' || to_char(now() AT TIME ZONE '" ZONE
	    "' - interval '1 minute', 'HH24:MI:SS')%s",
	    "");
	clock_set(buf);
	sim_truth(sunny, &t);
	sql(buf, sizeof(buf),
	    "UPDATE energy_history SET solar_energy_exported_kwh = 1.5 * "
	    "solar_energy_exported_kwh WHERE (ts AT TIME ZONE '" ZONE
	    "')::date = '%s'",
	    sunny);
	is_int(sync_job("rollup"), 0, "rollup");
	is_str(sql(buf, sizeof(buf),
		   "SELECT flagged FROM energy_daily WHERE local_date = '%s'",
		   sunny),
	    "t", "a day whose samples disagree with Tesla is flagged");
	sql(buf, sizeof(buf),
	    "SELECT flag_reason FROM energy_daily WHERE local_date = '%s'",
	    sunny);
	printf("#   %s\n", buf);
	ok(strstr(buf, "samples disagree with Tesla: solar") != NULL,
	    "with the reason: the solar figures");
	is_int(sync_job("energy_history"), 0, "energy_history");
	is_int(sync_job("rollup"), 0, "rollup");
	ok(fabs(DAILY("solar_produced_kwh", sunny) - t.solar) < 0.001,
	    "the flagged day was fetched again: Tesla's true solar");
	is_str(sql(buf, sizeof(buf),
		   "SELECT flagged FROM energy_daily WHERE local_date = '%s'",
		   sunny),
	    "f", "and the flag is gone");
}

/*
 * A day (the one before the cloudy day) without samples 10:00-12:00 and
 * without energy_history during the day: 22 of 24 hours covered.
 */
static void
t_gap(void)
{
	char day[16], buf[512];
	double c;

	sql(day, sizeof(day), "SELECT ('%s'::date - 1)::text", cloudy);
	if (strcmp(day, sunny) == 0)
		sql(day, sizeof(day), "SELECT ('%s'::date + 1)::text", cloudy);
	is_int(run_day(day, 0, 10, 12), 0, "a day with a two-hour gap");
	is_int(sync_job("rollup"), 0, "rollup");
	c = DAILY("completeness", day);
	/* The samples of 10:00 to 11:55 are missing: the 09:55 sample's
	 * next is at 12:00, 125 minutes later, more than the 15-minute
	 * maximum gap, so 09:55-12:00 is not covered: 24 h - 2 h 5 min =
	 * 21.9167 h, 91.3 % of the day. */
	if (!ok(fabs(c - 21.9167 / 24) < 0.002,
		"completeness 21 h 55 min of 24 h"))
		printf("#   completeness %.5f\n", c);
	sql(buf, sizeof(buf),
	    "SELECT flagged || ' ' || flag_reason FROM energy_daily WHERE "
	    "local_date = '%s'",
	    day);
	printf("#   %s\n", buf);
	ok(strncmp(buf, "true ", 5) == 0 &&
		strstr(buf, "no calendar_history from Tesla") != NULL &&
		strstr(buf, "samples cover 91.3 % of the day") != NULL,
	    "flagged: no Tesla history, samples cover 91.3 %");
	is_int(sync_job("energy_history"), 0, "energy_history backfills");
	is_int(sync_job("rollup"), 0, "rollup");
	c = DAILY("completeness", day);
	if (!ok(c >= 0.999, "the gap is filled from the power history"))
		printf("#   completeness %.5f\n", c);
	sql(buf, sizeof(buf),
	    "SELECT flagged || ' ' || source || ' ' || (fetched_at IS NOT "
	    "NULL) FROM energy_daily WHERE local_date = '%s'",
	    day);
	is_str(
	    buf, "false tesla true", "unflagged, Tesla's totals, fetched_at");
	check_day(day, "backfilled day");
	sql(buf, sizeof(buf),
	    "SELECT count(*) FROM sync_runs, jsonb_array_elements(details->"
	    "'fetched') f WHERE job = 'energy_history' AND id = (SELECT "
	    "max(id) FROM sync_runs WHERE job = 'energy_history') AND "
	    "f->>'date' = '%s'",
	    day);
	is_str(buf, "2", "the run's details list the day's two fetches");
	sql(buf, sizeof(buf),
	    "SELECT string_agg(kind || ':' || changed, ',' ORDER BY kind) "
	    "FROM energy_fetches WHERE local_date = '%s'",
	    day);
	ok(strncmp(buf, "energy:288,power:", 17) == 0 && atoi(buf + 17) > 0,
	    "energy_fetches: 288 buckets and the missing samples stored");
}

/*
 * Hand-made sites: zone z, local day d, 1 kW of solar used by the house
 * from local midnight to midnight, a sample every minute (the one at the
 * next midnight closes the day) and a 5-minute bucket of 1/12 kWh.
 */
static void
hand_day(long long tesla_id, const char *zone, const char *day)
{
	char buf[512];

	sql(buf, sizeof(buf),
	    "INSERT INTO energy_sites (account_id, tesla_site_id, time_zone) "
	    "SELECT id, %lld, '%s' FROM accounts ORDER BY created_at LIMIT 1 "
	    "ON CONFLICT (tesla_site_id) DO NOTHING",
	    tesla_id, zone);
	sql(buf, sizeof(buf),
	    "INSERT INTO energy_states (site_id, ts, solar_power_w, "
	    "battery_power_w, grid_power_w, load_power_w) SELECT s.id, g, "
	    "1000, 0, 0, 1000 FROM energy_sites s, generate_series('%s'::date"
	    "::timestamp AT TIME ZONE '%s', ('%s'::date + 1)::timestamp AT "
	    "TIME ZONE '%s', interval '1 minute') g WHERE s.tesla_site_id = "
	    "%lld; INSERT INTO energy_history (site_id, period, ts, "
	    "solar_energy_exported_kwh, "
	    "consumer_energy_imported_from_solar_kwh, "
	    "grid_energy_exported_from_solar_kwh) SELECT s.id, '5min', g, "
	    "1.0 / 12, 1.0 / 12, 0 FROM energy_sites s, generate_series('%s'"
	    "::date::timestamp AT TIME ZONE '%s', ('%s'::date + 1)::timestamp "
	    "AT TIME ZONE '%s' - interval '5 minutes', interval '5 minutes') g "
	    "WHERE s.tesla_site_id = %lld",
	    day, zone, day, zone, tesla_id, day, zone, day, zone, tesla_id);
}

/* "solar samples completeness day_hours flagged" of a hand-made day. */
static const char *
hand_row(char *buf, size_t n, long long tesla_id, const char *day)
{
	return sql(buf, n,
	    "SELECT solar_produced_kwh || ' ' || samples_solar_produced_kwh "
	    "|| ' ' || completeness || ' ' || day_hours || ' ' || flagged || "
	    "' ' || home_from_solar_kwh || ' ' || self_consumption_pct FROM "
	    "energy_daily d JOIN energy_sites s ON s.id = d.site_id WHERE "
	    "s.tesla_site_id = %lld AND local_date = '%s'",
	    tesla_id, day);
}

static void
t_dst(void)
{
	static const struct {
		long long id;
		const char *zone, *day, *want;
	} days[] = {
		/* 23 h: 276 buckets of 1/12 kWh = 23 kWh; samples held a
		 * minute each, 1380 of them: 23 kWh; all of it used at
		 * home: 100 % self-consumption. */
		{ 990001, "America/Los_Angeles", "2021-03-14",
		    "23 23 1 23 false 23 100" },
		/* 25 h: 300 buckets, 1500 minutes: 25 kWh. */
		{ 990001, "America/Los_Angeles", "2021-11-07",
		    "25 25 1 25 false 25 100" },
		{ 990002, "Europe/Berlin", "2021-03-28",
		    "23 23 1 23 false 23 100" },
		{ 990002, "Europe/Berlin", "2021-10-31",
		    "25 25 1 25 false 25 100" },
		/* Sydney, UTC+10/+11: its spring-forward day (23 h) and its
		 * autumn day (25 h), both far from UTC's dates. */
		{ 990003, "Australia/Sydney", "2021-10-03",
		    "23 23 1 23 false 23 100" },
		{ 990003, "Australia/Sydney", "2021-04-04",
		    "25 25 1 25 false 25 100" },
	};
	char buf[256], msg[128];

	for (size_t i = 0; i < nitems(days); i++)
		hand_day(days[i].id, days[i].zone, days[i].day);
	is_int(sync_job("rollup"), 0, "rollup");
	for (size_t i = 0; i < nitems(days); i++) {
		snprintf(msg, sizeof(msg), "%s %s: %s", days[i].zone,
		    days[i].day, days[i].want);
		is_str(hand_row(buf, sizeof(buf), days[i].id, days[i].day),
		    days[i].want, msg);
	}
	/* The samples at the closing midnights open no day of their own,
	 * and no day between is invented. */
	is_str(sql(buf, sizeof(buf),
		   "SELECT string_agg(local_date::text, ',' ORDER BY "
		   "local_date) FROM energy_daily d JOIN energy_sites s ON "
		   "s.id = d.site_id WHERE s.tesla_site_id = 990001%s",
		   ""),
	    "2021-03-14,2021-11-07", "two days in Los Angeles, no more");
}

/*
 * Sydney, a plain winter day (UTC+10): the sun from local 00:00 to 12:00
 * only, i.e. from 14:00 UTC the day before to 02:00 UTC: 12 kWh, all on
 * the local date (a UTC date would split it 10 + 2).
 */
static void
t_sydney(void)
{
	char buf[256];

	hand_day(990004, "Australia/Sydney", "2021-07-01");
	sql(buf, sizeof(buf),
	    "UPDATE energy_states x SET solar_power_w = 0, load_power_w = 0 "
	    "FROM energy_sites s WHERE s.id = x.site_id AND s.tesla_site_id "
	    "= 990004 AND x.ts >= '2021-07-01 02:00Z'; UPDATE energy_history "
	    "x SET solar_energy_exported_kwh = 0, "
	    "consumer_energy_imported_from_solar_kwh = 0 FROM energy_sites s "
	    "WHERE s.id = x.site_id AND s.tesla_site_id = 990004 AND x.ts >= "
	    "'2021-07-01 02:00Z'%s",
	    "");
	is_int(sync_job("rollup"), 0, "rollup");
	is_str(hand_row(buf, sizeof(buf), 990004, "2021-07-01"),
	    "12 12 1 24 false 12 100", "Sydney: 12 kWh on 1 July, local");
}

/*
 * Half-hour zones: Lord Howe Island moves its clocks by 30 minutes, so
 * its spring day has 23.5 hours (23.5 kWh); Kolkata is UTC+05:30 all
 * year (24 h).
 */
static void
t_half_hour(void)
{
	char buf[256];

	hand_day(990005, "Australia/Lord_Howe", "2021-10-03");
	hand_day(990006, "Asia/Kolkata", "2021-01-01");
	hand_day(990006, "Asia/Kolkata", "2021-01-05");
	is_int(sync_job("rollup"), 0, "rollup");
	is_str(hand_row(buf, sizeof(buf), 990005, "2021-10-03"),
	    "23.5 23.5 1 23.5 false 23.5 100", "Lord Howe: a 23.5-hour day");
	is_str(hand_row(buf, sizeof(buf), 990006, "2021-01-01"),
	    "24 24 1 24 false 24 100", "Kolkata (+05:30): 24 kWh");
	is_str(sql(buf, sizeof(buf),
		   "SELECT count(*) FROM energy_daily d JOIN energy_sites s "
		   "ON s.id = d.site_id WHERE s.tesla_site_id = 990006%s",
		   ""),
	    "2", "the three days between, without data, are not invented");
}

/*
 * A second run writes nothing; a full rebuild gives the same rows (ours:
 * other tests' sites may hold rows made by hand, without inputs, which a
 * rebuild drops), and a second full rebuild writes nothing at all.
 */
#define OURS                                                                   \
	"FROM energy_daily d JOIN energy_sites s ON s.id = d.site_id WHERE "   \
	"s.tesla_site_id BETWEEN 990000 AND 990099 OR s.tesla_site_id = "

static void
t_idempotent(void)
{
	char before[128], after[128], buf[64];

	sql(before, sizeof(before),
	    "SELECT count(*) || ' ' || max(d.updated_at) " OURS "%s", site);
	is_int(sync_job("rollup"), 0, "rollup again");
	sql(after, sizeof(after),
	    "SELECT count(*) || ' ' || max(d.updated_at) " OURS "%s", site);
	is_str(after, before, "changes nothing (updated_at unchanged)");
	is_int(sync_job("rollup_full"), 0, "rollup_full");
	sql(after, sizeof(after),
	    "SELECT count(*) || ' ' || max(d.updated_at) " OURS "%s", site);
	is_str(after, before, "a full rebuild gives the same rows");
	is_int(sync_job("rollup_full"), 0, "rollup_full again");
	is_str(sql(buf, sizeof(buf),
		   "SELECT details->>'written' FROM sync_runs WHERE job = "
		   "'rollup_full' ORDER BY id DESC LIMIT 1%s",
		   ""),
	    "0", "writes none");
}

/*
 * One sample of Los Angeles' 23-hour day doubled (2 kW for one minute):
 * only that day is marked and re-rolled; samples 23 + 1/60 kWh.
 */
static void
t_incremental(void)
{
	char buf[256];

	sql(buf, sizeof(buf),
	    "UPDATE energy_states x SET solar_power_w = 2000 FROM "
	    "energy_sites s WHERE s.id = x.site_id AND s.tesla_site_id = "
	    "990001 AND x.ts = '2021-03-14 12:00'::timestamp AT TIME ZONE "
	    "'America/Los_Angeles'%s",
	    "");
	is_str(sql(buf, sizeof(buf),
		   "SELECT string_agg(local_date::text, ',') FROM "
		   "energy_daily_dirty d JOIN energy_sites s ON s.id = "
		   "d.site_id WHERE s.tesla_site_id = 990001%s",
		   ""),
	    "2021-03-14", "the change marks that one day");
	sql(buf, sizeof(buf), "SELECT max(updated_at) FROM energy_daily%s", "");
	is_int(sync_job("rollup"), 0, "rollup");
	is_str(sql(buf + 64, sizeof(buf) - 64,
		   "SELECT string_agg(local_date::text, ',') FROM "
		   "energy_daily WHERE updated_at > '%s'",
		   buf),
	    "2021-03-14", "only that day's row is written");
	is_str(hand_row(buf, sizeof(buf), 990001, "2021-03-14"),
	    "23 23.016667 1 23 false 23 100", "samples: 23 + 1/60 kWh");
	is_str(sql(buf, sizeof(buf),
		   "SELECT count(*) FROM energy_daily_dirty d JOIN "
		   "energy_sites s ON s.id = d.site_id WHERE "
		   "s.tesla_site_id = 990001%s",
		   ""),
	    "0", "the mark is consumed");
}

static void
t_bad_input(void)
{
	char buf[256];

	sql(buf, sizeof(buf),
	    "INSERT INTO energy_sites (account_id, tesla_site_id, time_zone) "
	    "SELECT id, 990099, 'Mars/Olympus_Mons' FROM accounts LIMIT 1%s",
	    "");
	ok(strstr(buf, "ERROR") != NULL,
	    "a site in an unknown zone is refused");
	is_str(sql(buf, sizeof(buf),
		   "SELECT count(*) FROM energy_sites WHERE tesla_site_id = "
		   "990099%s",
		   ""),
	    "0", "and not stored");
	sql(buf, sizeof(buf),
	    "SET tessie.energy_tolerance_pct = 'lots'; SELECT "
	    "tessie_energy_rollup(id, NULL, NULL) FROM energy_sites LIMIT 1%s",
	    "");
	ok(strstr(buf, "tessie.energy_tolerance_pct") != NULL,
	    "a bad setting is an error naming it");
}

static const struct tap_test tests[] = {
	TAP(t_sunny),
	TAP(t_cloudy),
	TAP(t_disagree),
	TAP(t_gap),
	TAP(t_dst),
	TAP(t_sydney),
	TAP(t_half_hour),
	TAP(t_idempotent),
	TAP(t_incremental),
	TAP(t_bad_input),
};

static const char *const sim_args[] = { "-S", "42", "-H", "16", "-A", SIM_TOKEN,
	"-Z", ZONE, NULL };

static void
cleanup(void)
{
	char buf[256];
	struct resp r;

	/* Our sites and our account's token go: the next tests start
	 * from run.sh's simulator as if we had never been. */
	sql(buf, sizeof(buf),
	    "DELETE FROM energy_sites WHERE tesla_site_id BETWEEN 990000 AND "
	    "990099 OR tesla_site_id = %s",
	    site);
	if (!connected_before) {
		http_send(
		    &r, "DELETE", "/api/auth/token", token, NULL, NULL, 0);
		resp_free(&r);
	}
	sim_stop(sim_pid);
}

int
main(void)
{
	struct resp r;
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	login(token, sizeof(token));
	http_get(&r, "/api/auth/status", token);
	connected_before = json_is_true(json_object_get(r.json, "connected"));
	resp_free(&r);
	if (connected_before) {
		/* Our simulator would not know that account's tokens. */
		printf("1..0 # SKIP a Tesla account is already connected\n");
		return 0;
	}
	if ((sim_pid = sim_spawn(
		 "sim-energy.out", sim_args, sim_url, sizeof(sim_url))) == -1) {
		printf("1..0 # SKIP the simulator did not start\n");
		return 1;
	}
	setenv("TEST_SIM_URL", sim_url, 1); /* sim() and clock_set() */
	setenv("TESLA_API_BASE_URL", sim_url, 1);
	setenv("TESLA_AUTH_URL", sim_url, 1);
	http_post_json(&r, "/api/auth/token", token,
	    "{\"refresh_token\":\"sim-refresh-token-0\"}");
	resp_free(&r);
	snprintf(site, sizeof(site), "%lld", site_tesla_id());
	pick_days();
	rc = tap_run(tests, nitems(tests));
	cleanup();
	return rc;
}
