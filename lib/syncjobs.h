/*
 * The jobs tessie-sync runs and their default schedule, shared by the job
 * runner, the sync API and the schedules in deploy/.
 */
#ifndef TESSIE_SYNCJOBS_H
#define TESSIE_SYNCJOBS_H

#include <stddef.h>

struct sync_job_def {
	const char *name;
	int interval_s; /* cron period */
	const char *what; /* for people */
};

extern const struct sync_job_def sync_jobs[];
extern const size_t nsync_jobs;

/* The definition of job name, or NULL. */
const struct sync_job_def *sync_job_find(const char *name);

/*
 * The job names and intervals as PostgreSQL array literals ("{a,b}",
 * "{300,60}") for one query over every job.
 */
void sync_jobs_arrays(char *names, size_t nlen, char *intervals, size_t ilen);

#endif
