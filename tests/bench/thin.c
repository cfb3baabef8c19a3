/*
 * The benchmark's reference: the thinnest FastCGI handlers of
 * GET /api/vehicles/:id/state and GET /api/vehicles/:id/history that are
 * still honest -- prefork workers, one prepared query each, the JWT
 * checked (HS256 pinned, exp), jansson for the JSON.  No router, no
 * logging, no validation beyond the id, no arena.  The history is the
 * plain query over the raw one-minute rows: date_bin and avg (max for the
 * speed) of the five default fields, buckets aligned on from.
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

/* The value of query parameter name in uri (up to & or the end), or "". */
static void
query_param(const char *uri, const char *name, char *buf, size_t len)
{
	const char *q = uri ? strchr(uri, '?') : NULL;
	size_t n = strlen(name);

	buf[0] = '\0';
	while (q != NULL) {
		q++;
		if (strncmp(q, name, n) == 0 && q[n] == '=') {
			snprintf(buf, len, "%.*s", (int)strcspn(q + n + 1, "&"),
			    q + n + 1);
			return;
		}
		q = strchr(q, '&');
	}
}

/* The raw history: {"vehicle_id",...,"points":[{"ts",...}]} or NULL. */
static json_t *
history(PGconn *db, const char *uuid, const char *uri)
{
	static const char *const names[] = { "battery_level", "odometer_km",
		"rated_range_km", "speed_kmh", "power_kw" };
	char from[40], to[40], points[16], ts[24];
	const char *p[4] = { uuid, from, to, points };
	json_t *j = NULL, *pts;
	PGresult *res;
	time_t t;

	query_param(uri, "from", from, sizeof(from));
	query_param(uri, "to", to, sizeof(to));
	query_param(uri, "points", points, sizeof(points));
	res = PQexecPrepared(db, "history", 4, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) == 0) {
		PQclear(res);
		return NULL;
	}
	pts = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *pt;
		struct tm tm;

		if (PQgetisnull(res, i, 1))
			continue;
		t = (time_t)atoll(PQgetvalue(res, i, 1));
		strftime(
		    ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		pt = json_pack("{s:s}", "ts", ts);
		for (int k = 0; k < 5; k++)
			json_object_set_new(pt, names[k],
			    PQgetisnull(res, i, 2 + k)
				? json_null()
				: json_real(
				      strtod(PQgetvalue(res, i, 2 + k), NULL)));
		json_array_append_new(pts, pt);
	}
	j = json_pack("{s:s,s:s,s:s,s:I,s:[sssss],s:o}", "vehicle_id", uuid,
	    "from", from, "to", to, "interval_s",
	    (json_int_t)atoll(PQgetvalue(res, 0, 0)), "fields", names[0],
	    names[1], names[2], names[3], names[4], "points", pts);
	PQclear(res);
	return j;
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
	/* $2, $3 RFC 3339, $4 points: the interval is range / points. */
	PQclear(PQprepare(db, "history",
	    "WITH q AS (SELECT $2::timestamptz AS f, $3::timestamptz AS t, "
	    "greatest(60, ceil(extract(epoch FROM $3::timestamptz - "
	    "$2::timestamptz) / $4::int))::int AS iv) "
	    "SELECT q.iv, extract(epoch FROM b.t)::bigint, b.battery_level, "
	    "b.odometer_km, b.rated_range_km, b.speed_kmh, b.power_kw "
	    "FROM q LEFT JOIN LATERAL (SELECT date_bin(make_interval(secs => "
	    "q.iv), s.ts, q.f) AS t, avg(s.battery_level)::float8 AS "
	    "battery_level, avg(s.odometer_km) AS odometer_km, "
	    "avg(s.rated_range_km) AS rated_range_km, max(s.speed_kmh) AS "
	    "speed_kmh, avg(s.power_kw) AS power_kw FROM vehicle_states s "
	    "WHERE s.vehicle_id = $1::uuid AND s.ts >= q.f AND s.ts < q.t "
	    "GROUP BY 1) b ON true ORDER BY b.t",
	    4, NULL));
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
		if (strstr(uri, "/history") != NULL) {
			j = history(db, uuid, uri);
		} else {
			const char *p[1] = { uuid };

			res = PQexecPrepared(db, "state", 1, p, NULL, NULL, 0);
			j = PQntuples(res) == 1
			    ? json_loads(PQgetvalue(res, 0, 0), 0, NULL)
			    : NULL;
			PQclear(res);
		}
		out = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (out == NULL) {
			FCGX_PutS("Status: 404 Not Found\r\n\r\n", fr.out);
		} else {
			/* (FCGX_FPrintF knows no %zu: it stops there.) */
			char head[128];
			int n = snprintf(head, sizeof(head),
			    "Status: 200 OK\r\nContent-Type: application/json"
			    "\r\nContent-Length: %zu\r\n\r\n",
			    strlen(out));

			FCGX_PutStr(head, n, fr.out);
			FCGX_PutS(out, fr.out);
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
