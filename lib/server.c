/*
 * Prefork FastCGI server.
 *
 * The master opens the listening socket, forks the workers and waits.  A
 * worker that dies is replaced.  On SIGTERM/SIGINT the master shuts the
 * listening socket down (which wakes every worker blocked in accept), tells
 * the workers to stop, and waits for them: a worker finishes the request
 * it is serving before it exits.  libfcgi ignores SIGTERM while blocked,
 * hence our own handlers.  A worker's handler only sets a flag and restarts
 * the system call it interrupted (SA_RESTART; libpq retries an interrupted
 * poll), so a request in flight is never cut and no signal mask is changed
 * per request (two system calls fewer each time); an idle worker leaves
 * accept() because the master shuts the listening socket down.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "db.h"
#include "http.h"
#include "log.h"
#include "server.h"

#define ARENA_CAP (32 * 1024 * 1024)
#define MAX_WORKERS 256

static volatile sig_atomic_t stopping;
static int listen_fd = -1;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
	if (listen_fd >= 0)
		shutdown(listen_fd, SHUT_RDWR);
}

/* A worker only notes the request: accept() is interrupted by it. */
static void
on_worker_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static const char *
fcgi_getparam(void *ctx, const char *name)
{
	FCGX_Request *fr = ctx;

	return FCGX_GetParam(name, fr->envp);
}

static int
fcgi_read(void *ctx, char *buf, int n)
{
	FCGX_Request *fr = ctx;

	return FCGX_GetStr(buf, n, fr->in);
}

static int
fcgi_write(void *ctx, const char *buf, int n)
{
	FCGX_Request *fr = ctx;

	return FCGX_PutStr(buf, n, fr->out) == n ? n : -1;
}

static void
serve_one(FCGX_Request *fr, struct arena *a, const struct config *cfg,
    struct db *db, const struct route *routes, size_t nroutes)
{
	struct req_io io = { fcgi_getparam, fcgi_read, fcgi_write, fr };
	struct timespec t0, t1;
	struct req r;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	status = req_init(&r, a, cfg, db, &io);
	if (status == 0)
		status = route_dispatch(&r, routes, nroutes);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("%s %s %d %.1fms", r.method ? r.method : "-",
	    r.path ? r.path : "-", status,
	    (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	req_release(&r);
	arena_reset(a);
}

static int
worker(int sock, const struct config *cfg, const struct route *routes,
    size_t nroutes)
{
	FCGX_Request fr;
	struct arena *a;
	struct db *db;

	set_handler(SIGTERM, on_worker_stop, SA_RESTART);
	set_handler(SIGINT, SIG_IGN, 0); /* the master decides */
	signal(SIGPIPE, SIG_IGN);
	a = arena_new(ARENA_CAP);
	db = db_new(cfg->database_url);
	if (a == NULL || db == NULL ||
	    FCGX_InitRequest(&fr, sock, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_error("worker: out of memory");
		return 1;
	}
	db_ensure(db); /* early, but a database that is down is fine */
	while (!stopping) {
		if (FCGX_Accept_r(&fr) < 0)
			break;
		serve_one(&fr, a, cfg, db, routes, nroutes);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	db_free(db);
	arena_free(a);
	return 0;
}

static pid_t
spawn(int sock, const struct config *cfg, const struct route *routes,
    size_t nroutes)
{
	pid_t pid = fork();

	if (pid == 0) {
		listen_fd = -1;
		_exit(worker(sock, cfg, routes, nroutes));
	}
	if (pid < 0)
		log_error("fork: %s", strerror(errno));
	return pid;
}

static int
open_socket(const char *where)
{
	int fd;

	if (where[0] == '/') {
		/* A socket left by a crash would make bind() fail. */
		struct stat st;

		if (lstat(where, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(where);
	}
	fd = FCGX_OpenSocket(where, 1024);
	if (fd < 0)
		return -1;
	if (where[0] == '/' && chmod(where, 0660) == -1)
		log_warn("chmod \"%s\": %s", where, strerror(errno));
	return fd;
}

int
server_run(const struct config *cfg, const struct route *routes, size_t nroutes)
{
	pid_t pids[MAX_WORKERS];
	int n = cfg->workers, alive = 0, i, status;
	time_t window = time(NULL);
	int deaths = 0, signalled = 0;
	pid_t pid;

	if (n > MAX_WORKERS)
		n = MAX_WORKERS;
	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		return 1;
	}
	if ((listen_fd = open_socket(cfg->fcgi_socket)) < 0) {
		log_error("cannot listen on \"%s\": %s", cfg->fcgi_socket,
		    strerror(errno));
		return 1;
	}
	set_handler(SIGTERM, on_stop, 0); /* no SA_RESTART: leave waitpid */
	set_handler(SIGINT, on_stop, 0);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++)
		if ((pids[i] = spawn(listen_fd, cfg, routes, nroutes)) > 0)
			alive++;
	log_info("listening on \"%s\" with %d workers", cfg->fcgi_socket, n);

	while (alive > 0) {
		if (stopping && !signalled) {
			/* Busy workers finish their request; idle ones exit. */
			for (i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGTERM);
			signalled = 1;
		}
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n && pids[i] != pid; i++)
			;
		if (i == n)
			continue;
		alive--;
		pids[i] = -1;
		if (stopping)
			continue;
		log_error("worker %d %s %d; starting another", (int)pid,
		    WIFSIGNALED(status) ? "killed by signal" : "exited with",
		    WIFSIGNALED(status) ? WTERMSIG(status)
					: WEXITSTATUS(status));
		if (time(NULL) - window > 10) {
			window = time(NULL);
			deaths = 0;
		}
		if (++deaths > 2 * n)
			sleep(1); /* a crash loop: do not spin */
		if (!stopping &&
		    (pids[i] = spawn(listen_fd, cfg, routes, nroutes)) > 0)
			alive++;
	}
	close(listen_fd);
	if (cfg->fcgi_socket[0] == '/')
		unlink(cfg->fcgi_socket);
	log_info("stopped");
	return 0;
}
