/*
 * The benchmark's reference: the thinnest FastCGI handler of
 * GET /api/vehicles/:id/state that is still honest -- prefork workers, one
 * prepared query, the JWT checked (HS256 pinned, exp), jansson for the
 * JSON.  No router, no logging, no validation beyond the id, no arena.
 * make bench runs it beside tessie-api; it is not part of the service.
 *
 *	thin-ref SOCKET WORKERS		(DATABASE_URL, JWT_SECRET)
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <jansson.h>
#include <jwt.h>
#include <libpq-fe.h>

static pid_t kids[256];
static int nkids, is_master = 1;

/* SIGTERM: the master passes it on to the workers; everyone exits. */
static void
on_term(int sig)
{
	(void)sig;
	if (is_master)
		for (int i = 0; i < nkids; i++)
			kill(kids[i], SIGTERM);
	_exit(0);
}

static const char *
authorized(FCGX_Request *fr, const char *secret)
{
	const char *h = FCGX_GetParam("HTTP_AUTHORIZATION", fr->envp);
	jwt_t *jwt = NULL;
	long exp;

	if (h == NULL || strncmp(h, "Bearer ", 7) != 0 ||
	    jwt_decode(&jwt, h + 7, (const unsigned char *)secret,
		(int)strlen(secret)) != 0)
		return NULL;
	exp = jwt_get_grant_int(jwt, "exp");
	if (jwt_get_alg(jwt) != JWT_ALG_HS256 || exp <= (long)time(NULL)) {
		jwt_free(jwt);
		return NULL;
	}
	jwt_free(jwt);
	return "ok";
}

static void
serve(int sock, const char *secret)
{
	PGconn *db = PQconnectdb(getenv("DATABASE_URL"));
	FCGX_Request fr;

	PQclear(PQprepare(db, "state",
	    "SELECT to_jsonb(s) - 'vehicle_id' FROM vehicle_states s "
	    "WHERE vehicle_id = $1::uuid ORDER BY ts DESC LIMIT 1",
	    1, NULL));
	FCGX_InitRequest(&fr, sock, 0);
	while (FCGX_Accept_r(&fr) >= 0) {
		const char *uri = FCGX_GetParam("REQUEST_URI", fr.envp);
		const char *id = uri ? strstr(uri, "/vehicles/") : NULL;
		char uuid[37] = "";
		PGresult *res;
		json_t *j;
		char *out;

		if (id != NULL)
			snprintf(uuid, sizeof(uuid), "%.36s", id + 10);
		if (!authorized(&fr, secret) || strlen(uuid) != 36) {
			FCGX_PutS("Status: 401 Unauthorized\r\n\r\n", fr.out);
			FCGX_Finish_r(&fr);
			continue;
		}
		const char *p[1] = { uuid };
		res = PQexecPrepared(db, "state", 1, p, NULL, NULL, 0);
		j = PQntuples(res) == 1
		    ? json_loads(PQgetvalue(res, 0, 0), 0, NULL)
		    : NULL;
		PQclear(res);
		out = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (out == NULL) {
			FCGX_PutS("Status: 404 Not Found\r\n\r\n", fr.out);
		} else {
			FCGX_FPrintF(fr.out,
			    "Status: 200 OK\r\nContent-Type: application/json"
			    "\r\nContent-Length: %zu\r\n\r\n%s",
			    strlen(out), out);
			free(out);
		}
		FCGX_Finish_r(&fr);
	}
	PQfinish(db);
}

int
main(int argc, char *argv[])
{
	const char *secret = getenv("JWT_SECRET");
	int sock, n;

	if (argc != 3 || secret == NULL || getenv("DATABASE_URL") == NULL) {
		fprintf(stderr,
		    "usage: thin-ref SOCKET WORKERS "
		    "(with DATABASE_URL and JWT_SECRET)\n");
		return 64;
	}
	signal(SIGTERM, on_term); /* before libfcgi puts in its own */
	FCGX_Init();
	unlink(argv[1]);
	if ((sock = FCGX_OpenSocket(argv[1], 1024)) < 0)
		return 1;
	n = atoi(argv[2]);
	if (n < 1 || n > 256)
		return 64;
	for (int i = 0; i < n; i++)
		if ((kids[nkids++] = fork()) == 0) {
			is_master = 0;
			serve(sock, secret);
			_exit(0);
		}
	while (wait(NULL) > 0)
		;
	return 0;
}
