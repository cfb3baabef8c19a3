/*
 * What the integration tests do to the stack that run.sh started, besides
 * HTTP through nginx (client.h): SQL through its psql.sh, a tessie-sync
 * job, the simulator's admin API, a simulator of a test's own, a login.
 * run.sh exports the places: $TEST_STACK_DIR (psql.sh, sync.log),
 * $TEST_BUILD_DIR (tessie-sync, tessie-sim) and $TEST_SIM_URL.
 *
 * SQL is given to psql as one argument, never through a shell: quotes,
 * dollars and backslashes reach PostgreSQL as they are written.  A psql
 * that fails prints the statement and its error as a TAP comment; the
 * value it returns is its first line of output, the error, so that a
 * comparison with a wanted value fails.
 */
#ifndef TESSIE_TEST_STACK_H
#define TESSIE_TEST_STACK_H

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "sbuf.h"
#include "util.h"

/* Not every test uses every helper. */
#pragma GCC diagnostic ignored "-Wunused-function"

#define STACK_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* The helpers that take a format: the compiler checks their callers. */
static int sh_run(struct sbuf *, const char *, ...) STACK_PRINTF(2, 3);
static char *sql(char *, size_t, const char *, ...) STACK_PRINTF(3, 4);
static char *sql_rows(char *, size_t, const char *, ...) STACK_PRINTF(3, 4);
static long sql_long(const char *, ...) STACK_PRINTF(1, 2);
static double sql_num(const char *, ...) STACK_PRINTF(1, 2);

/* The simulators' static Fleet API token (run.sh's -A). */
#define SIM_TOKEN "sim-test-token"

/*
 * Runs argv (argv[0] a path, no shell) with its standard input from the
 * file in (NULL: /dev/null) and its standard output and error appended to
 * out (NULL: dropped).  Returns its exit status, or -1.
 */
static int
stack_exec(struct sbuf *out, const char *in, const char *const argv[])
{
	char buf[8192];
	int fds[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) == -1)
		return -1;
	fflush(stdout);
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int fd = open(in ? in : "/dev/null", O_RDONLY);

		if (fd == -1 || dup2(fd, 0) == -1 || dup2(fds[1], 1) == -1 ||
		    dup2(fds[1], 2) == -1)
			_exit(127);
		close(fds[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
		if (n > 0 && out != NULL)
			sbuf_add(out, buf, (size_t)n);
		else if (n < 0 && errno != EINTR)
			break;
	}
	close(fds[0]);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Runs a shell command made from fmt; its standard output in out (reset
 * first; NULL: dropped, and a failure reported as a TAP comment).
 * Returns its exit status, or -1.
 */
static int
sh_run(struct sbuf *out, const char *fmt, ...)
{
	char cmd[4096], buf[4096];
	va_list ap;
	FILE *p;
	size_t n;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (out != NULL)
		sbuf_reset(out);
	fflush(stdout);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		if (out != NULL)
			sbuf_add(out, buf, n);
	st = pclose(p);
	st = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (st != 0 && out == NULL)
		printf("# command failed (%d): %s\n", st, cmd);
	return st;
}

/* Prints a failed psql's statement and output as TAP comments. */
static void
psql_report(const char *what, const char *output)
{
	const char *p = output;

	printf(
	    "# psql failed: %.300s%s\n", what, strlen(what) > 300 ? "..." : "");
	while (p != NULL && *p != '\0') {
		int k = (int)strcspn(p, "\n");

		printf("#   %.*s\n", k, p);
		p += k;
		if (*p == '\n')
			p++;
	}
}

/*
 * Runs psql.sh with args (NULL-terminated), its input from the file in
 * (NULL: none); its output and errors in out (reset first; NULL: dropped).
 * Returns 0, or -1 when psql fails (reported as a TAP comment naming
 * what, the SQL).
 */
static int
psql_argv(struct sbuf *out, const char *in, const char *const args[],
    const char *what)
{
	struct sbuf own = SBUF_INIT(1 << 20);
	struct sbuf *o = out != NULL ? out : &own;
	const char *argv[32];
	char path[512];
	size_t i, k = 0;
	int st;

	snprintf(path, sizeof(path), "%s/psql.sh", getenv("TEST_STACK_DIR"));
	argv[k++] = path;
	for (i = 0; args[i] != NULL && k < nitems(argv) - 1; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	sbuf_reset(o);
	st = stack_exec(o, in, argv);
	if (st != 0)
		psql_report(what, o->buf);
	sbuf_release(&own);
	return st == 0 ? 0 : -1;
}

/* Runs sql (any number of statements, one transaction) with psql -c. */
static int
psql(struct sbuf *out, const char *sql)
{
	const char *args[] = { "-c", sql, NULL };

	return psql_argv(out, NULL, args, sql);
}

/*
 * Runs the file at path as a psql script on psql's input (statements one
 * by one, backslash commands and :variables allowed).
 */
static int
psql_file(struct sbuf *out, const char *path)
{
	const char *args[] = { NULL };

	return psql_argv(out, path, args, path);
}

/* Runs text as a psql script, from a file of our own on psql's input. */
static int
psql_script(struct sbuf *out, const char *text)
{
	char path[] = "/tmp/tessie-it-sql.XXXXXX";
	const char *args[] = { NULL };
	size_t len = strlen(text);
	int fd, rc = -1;

	if ((fd = mkstemp(path)) == -1)
		return -1;
	if (write(fd, text, len) == (ssize_t)len)
		rc = 0;
	close(fd);
	if (rc == 0)
		rc = psql_argv(out, path, args, text);
	else
		printf("# cannot write %s\n", path);
	unlink(path);
	return rc;
}

/* The output of the query made from fmt; out as psql left it. */
static int
vsql_run(struct sbuf *out, const char *fmt, va_list ap)
{
	struct sbuf q = SBUF_INIT(1 << 20);
	int rc;

	sbuf_vaddf(&q, fmt, ap);
	rc = psql(out, q.buf);
	sbuf_release(&q);
	return rc;
}

/* Copies s (len bytes) into out (n bytes), cut to fit. */
static char *
stack_copy(char *out, size_t n, const char *s, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

/* Runs the query made from fmt; its first line of output in out. */
static int
vsql_first(char *out, size_t n, const char *fmt, va_list ap)
{
	struct sbuf o = SBUF_INIT(8 << 20);
	int rc = vsql_run(&o, fmt, ap);

	stack_copy(out, n, o.buf, strcspn(o.buf, "\n"));
	sbuf_release(&o);
	return rc;
}

/*
 * The first line of what the query made from fmt prints (its first row,
 * fields split by '|'), in out; "" when it prints nothing, the error when
 * it fails.  Returns out.
 */
static char *
sql(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsql_first(out, n, fmt, ap);
	va_end(ap);
	return out;
}

/* Every line the query prints (one a row), without the last newline. */
static char *
sql_rows(char *out, size_t n, const char *fmt, ...)
{
	struct sbuf o = SBUF_INIT(8 << 20);
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsql_run(&o, fmt, ap);
	va_end(ap);
	for (len = o.len; len > 0 && o.buf[len - 1] == '\n'; len--)
		;
	stack_copy(out, n, o.buf, len);
	sbuf_release(&o);
	return out;
}

/* The query's first value as a number: -1 when it fails or has none. */
static long
sql_long(const char *fmt, ...)
{
	char buf[256], *end;
	va_list ap;
	long v;
	int rc;

	va_start(ap, fmt);
	rc = vsql_first(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	v = strtol(buf, &end, 10);
	return rc == 0 && end != buf ? v : -1;
}

/* The query's first value as a number: NAN when it fails or has none. */
static double
sql_num(const char *fmt, ...)
{
	char buf[256], *end;
	va_list ap;
	double v;
	int rc;

	va_start(ap, fmt);
	rc = vsql_first(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	v = strtod(buf, &end);
	return rc == 0 && end != buf ? v : NAN;
}

/* Field i (0-based) of a '|'-separated line, copied into buf; "" if none. */
static const char *
field(const char *line, int i, char *buf, size_t n)
{
	const char *p = line;

	while (i-- > 0 && p != NULL && (p = strchr(p, '|')) != NULL)
		p++;
	if (p == NULL)
		return "";
	return stack_copy(buf, n, p, strcspn(p, "|\n"));
}

/* 1 when s is a number within tol of want. */
static int
text_near(const char *s, double want, double tol)
{
	return s != NULL && *s != '\0' && fabs(atof(s) - want) <= tol;
}

/* Exit status of tessie-sync JOB; its output goes to sync.log. */
static int
sync_job(const char *job)
{
	char cmd[1024];
	int st;

	snprintf(cmd, sizeof(cmd), "%s/tessie-sync %s >>%s/sync.log 2>&1",
	    getenv("TEST_BUILD_DIR"), job, getenv("TEST_STACK_DIR"));
	fflush(stdout);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* tessie-sync JOB in the background (its output in sync.log): its pid. */
static pid_t
job_spawn(const char *job)
{
	char path[512], log[512];
	pid_t pid;

	snprintf(
	    path, sizeof(path), "%s/tessie-sync", getenv("TEST_BUILD_DIR"));
	snprintf(log, sizeof(log), "%s/sync.log", getenv("TEST_STACK_DIR"));
	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (freopen(log, "a", stdout) == NULL ||
		    freopen(log, "a", stderr) == NULL)
			_exit(127);
		execl(path, "tessie-sync", job, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Waits for a job_spawn() child: its exit status, 128 + signal if killed. */
static int
job_wait(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * Logs in as the admin; the token in token ("" on failure).  Returns the
 * HTTP status.
 */
static long
login(char *token, size_t n)
{
	char body[256];
	struct resp r;
	long st;

	snprintf(body, sizeof(body), "{\"password\":\"%s\"}",
	    getenv("TESSIE_ADMIN_PASSWORD"));
	st = http_post_json(&r, "/api/auth/login", NULL, body);
	snprintf(token, n, "%s",
	    json_string_value(json_object_get(r.json, "token")) ?: "");
	resp_free(&r);
	return st;
}

/*
 * A request to the simulator at $TEST_SIM_URL: its admin API, or its Fleet
 * API (paths under /api/) with the static token.  Fills *out (free it);
 * returns the status.
 */
static long
sim_send(
    struct resp *out, const char *method, const char *path, const char *body)
{
	return http_send_to(getenv("TEST_SIM_URL"), out, method, path,
	    strncmp(path, "/api/", 5) == 0 ? SIM_TOKEN : NULL,
	    body ? "application/json" : NULL, body, body ? strlen(body) : 0);
}

/* The JSON of a request to the simulator (caller frees), or NULL. */
static json_t *
sim(const char *method, const char *path, const char *body)
{
	struct resp r;
	json_t *j;

	sim_send(&r, method, path, body);
	j = json_incref(r.json);
	resp_free(&r);
	return j;
}

static void
sim_do(const char *method, const char *path, const char *body)
{
	json_decref(sim(method, path, body));
}

/* Puts the simulator's car (its Tesla id) in state: asleep, online... */
static void
set_state(const char *vehicle, const char *state)
{
	char body[128];

	snprintf(body, sizeof(body), "{\"vehicle\":%s,\"state\":\"%s\"}",
	    vehicle, state);
	sim_do("POST", "/sim/state", body);
}

/* Moves the simulator's clock to a local date-time, or by s seconds. */
static void
clock_set(const char *local)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"set\":\"%s\"}", local);
	sim_do("POST", "/sim/clock", body);
}

static void
clock_advance(long s)
{
	char body[64];

	snprintf(body, sizeof(body), "{\"advance_s\":%ld}", s);
	sim_do("POST", "/sim/clock", body);
}

/* How many times the simulator saw endpoint for a car (NULL: all cars). */
static long
calls(const char *vehicle, const char *endpoint)
{
	json_t *c = sim("GET", "/sim/calls", NULL), *v;
	long n;

	if (vehicle != NULL)
		v = json_object_get(
		    json_object_get(json_object_get(c, "by_vehicle"), vehicle),
		    endpoint);
	else
		v = json_object_get(
		    json_object_get(c, "by_endpoint"), endpoint);
	n = (long)json_integer_value(v);
	json_decref(c);
	return n;
}

/* Stops a simulator that sim_spawn() started. */
static void
sim_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/*
 * Starts a simulator of the test's own with the options args (after
 * "-p 0"), its output in $TEST_STACK_DIR/name; its URL in url once it
 * listens.  Returns its pid, or -1.
 */
static pid_t
sim_spawn(const char *name, const char *const args[], char *url, size_t n)
{
	char out[512], bin[512], line[256];
	const char *argv[32] = { bin, "-p", "0" };
	size_t k = 3;
	pid_t pid;
	FILE *f;

	snprintf(out, sizeof(out), "%s/%s", getenv("TEST_STACK_DIR"), name);
	snprintf(bin, sizeof(bin), "%s/tessie-sim", getenv("TEST_BUILD_DIR"));
	for (size_t i = 0; args[i] != NULL && k < nitems(argv) - 1; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (freopen(out, "w", stdout) == NULL)
			_exit(127);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < 200; i++) {
		int port = 0;

		if ((f = fopen(out, "r")) != NULL) {
			while (fgets(line, sizeof(line), f) != NULL)
				if (sscanf(line, "listening on 127.0.0.1:%d",
					&port) == 1)
					break;
			fclose(f);
		}
		if (port > 0) {
			snprintf(url, n, "http://127.0.0.1:%d", port);
			return pid;
		}
		usleep(50000);
	}
	sim_stop(pid);
	return -1;
}

#endif
