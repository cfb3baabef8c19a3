/* The table of sync jobs. */
#include <stdio.h>
#include <string.h>

#include "syncjobs.h"
#include "util.h"

const struct sync_job_def sync_jobs[] = {
	{ "vehicles", 300, "vehicle list, then data of the online cars" },
	{ "energy_live", 60, "live status of every energy site" },
	{ "energy_history", 900,
	    "energy history of today, yesterday and "
	    "missing days" },
	{ "analytics", 300, "drives and charging sessions from the states" },
	{ "rollup", 300, "daily energy totals of the days whose data changed" },
	{ "charging_history", 86400,
	    "Supercharger sessions and their cost "
	    "(billed per car: once a day)" },
};

const size_t nsync_jobs = nitems(sync_jobs);

const struct sync_job_def *
sync_job_find(const char *name)
{
	for (size_t i = 0; i < nsync_jobs; i++)
		if (strcmp(sync_jobs[i].name, name) == 0)
			return &sync_jobs[i];
	return NULL;
}

void
sync_jobs_arrays(char *names, size_t nlen, char *intervals, size_t ilen)
{
	size_t a = 0, b = 0;

	for (size_t i = 0; i < nsync_jobs; i++) {
		int k = snprintf(names + a, nlen - a, "%s%s", i ? "," : "{",
		    sync_jobs[i].name);
		int m = snprintf(intervals + b, ilen - b, "%s%d", i ? "," : "{",
		    sync_jobs[i].interval_s);

		if (k > 0 && (size_t)k < nlen - a)
			a += (size_t)k;
		if (m > 0 && (size_t)m < ilen - b)
			b += (size_t)m;
	}
	snprintf(names + a, nlen - a, "}");
	snprintf(intervals + b, ilen - b, "}");
}
