/*
 * tessie-sim: the Fleet API simulator's command line.
 *
 *	tessie-sim [-l host:port | -p port] [-v vehicles] [-s sites]
 *	    [-L latency_ms] [-t start] [-S seed] [-P pidfile] [-R token]
 *	    [-A token] [-Z zone] [-H days] [-d]
 *
 * Prints "listening on HOST:PORT" on stdout once it serves (-p 0 picks a
 * free port) and runs until SIGTERM or SIGINT.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sim.h"

struct sim sim = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
usage(void)
{
	fprintf(stderr,
	    "usage: tessie-sim [-l host:port | -p port] [-v vehicles] "
	    "[-s sites]\n"
	    "           [-L latency_ms] [-t start RFC3339] [-S seed] "
	    "[-P pidfile]\n"
	    "           [-R refresh_token] [-A access_token] [-Z zone] "
	    "[-H history_days] [-d]\n");
	exit(64);
}

/* Parses an integer option within [lo, hi] or exits. */
static long
num_opt(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "tessie-sim: %s must be %ld to %ld\n", what, lo,
		    hi);
		exit(64);
	}
	return v;
}

static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int64_t
real_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	const char *start = NULL, *pidfile = NULL, *refresh0, *access0 = NULL;
	const struct zone *zone;
	int ch, port = 8090, ncars = 3, nsites = 1, days = 14, sig, status = 1;
	unsigned long long seed = 1;
	sigset_t set;
	int64_t start_ms;
	char *colon;
	FILE *fp;

	log_init("tessie-sim", LOGL_INFO);
	refresh0 = "sim-refresh-token-0";
	zone = tz_find("Europe/Berlin");
	snprintf(sim.host, sizeof(sim.host), "127.0.0.1");
	while ((ch = getopt(argc, argv, "A:dH:L:l:P:p:R:S:s:t:v:Z:")) != -1) {
		switch (ch) {
		case 'A':
			access0 = optarg;
			break;
		case 'd':
			sim.debug = 1;
			break;
		case 'H':
			days = (int)num_opt(optarg, 1, 400, "-H history days");
			break;
		case 'L':
			sim.latency_ms =
			    (int)num_opt(optarg, 0, 600000, "-L latency");
			break;
		case 'l':
			colon = strrchr(optarg, ':');
			if (colon == NULL || colon == optarg ||
			    (size_t)(colon - optarg) >= sizeof(sim.host))
				usage();
			snprintf(sim.host, sizeof(sim.host), "%.*s",
			    (int)(colon - optarg), optarg);
			port = (int)num_opt(colon + 1, 0, 65535, "port");
			break;
		case 'P':
			pidfile = optarg;
			break;
		case 'p':
			port = (int)num_opt(optarg, 0, 65535, "-p port");
			break;
		case 'R':
			refresh0 = optarg;
			break;
		case 'S':
			seed = (unsigned long long)num_opt(
			    optarg, 0, LONG_MAX, "-S seed");
			break;
		case 's':
			nsites = (int)num_opt(optarg, 0, 50, "-s sites");
			break;
		case 't':
			start = optarg;
			break;
		case 'v':
			ncars = (int)num_opt(optarg, 0, 5000, "-v vehicles");
			break;
		case 'Z':
			zone = tz_find(optarg);
			if (zone == NULL ||
			    tz_household(tz_household_index(zone)) != zone) {
				fprintf(stderr,
				    "tessie-sim: -Z: use "
				    "Europe/Berlin, "
				    "America/Los_Angeles or "
				    "Australia/Sydney\n");
				return 64;
			}
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	start_ms = real_now_ms();
	if (start != NULL) {
		int64_t t;

		if (tz_parse(start, zone, &t) == -1) {
			fprintf(stderr, "tessie-sim: -t: not RFC 3339: %s\n",
			    start);
			return 64;
		}
		start_ms = t * 1000;
	}

	/* Signals are taken by sigwait below; threads inherit the mask. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	raise_fd_limit();
	json_object_seed(0);

	if (model_init(&sim.m, seed, ncars, nsites, zone, start_ms, days) ||
	    calls_init(ncars, nsites) || oauth_init(refresh0, access0)) {
		log_error("out of memory");
		goto out;
	}
	sim.port = http_start(sim.host, port);
	if (sim.port < 0)
		goto out;
	printf("listening on %s:%d\n", sim.host, sim.port);
	fflush(stdout);
	log_info("%d vehicles, %d energy sites, %s, seed %llu", ncars, nsites,
	    zone->name, seed);
	if (pidfile != NULL) {
		fp = fopen(pidfile, "w");
		if (fp == NULL || fprintf(fp, "%d\n", (int)getpid()) < 0 ||
		    fclose(fp) != 0) {
			log_error("cannot write pid file \"%s\"", pidfile);
			http_stop();
			goto out;
		}
	}
	do {
		if (sigwait(&set, &sig) != 0)
			break;
	} while (sig == SIGHUP);
	log_info("stopping on signal %d", sig);
	atomic_store(&sim.stopping, 1);
	http_stop();
	if (pidfile != NULL)
		unlink(pidfile);
	status = 0;
out:
	oauth_free();
	faults_free();
	calls_free();
	model_free(&sim.m);
	return status;
}
