/*
 * Integration tests of tessie-api through nginx against a real PostgreSQL
 * (started by tests/integration/run.sh, which also loads fixtures.sql).
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../tap.h"
#include "auth.h"
#include "stack.h"
#include "util.h"

#define V1 "11111111-1111-4111-8111-111111111111"
#define V2 "22222222-2222-4222-8222-222222222222"
#define V_OTHER "33333333-3333-4333-8333-333333333333"

static char token[2048];

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
login_ok(void)
{
	char body[256];
	struct resp r;

	snprintf(body, sizeof(body), "{\"password\":\"%s\"}",
	    getenv("TESSIE_ADMIN_PASSWORD"));
	http_post_json(&r, "/api/auth/login", NULL, body);
	is_int(r.status, 200, "right password logs in");
	ok(json_is_string(json_object_get(r.json, "token")), "token returned");
	ok(json_is_string(json_object_get(r.json, "expires_at")),
	    "expires_at returned");
	snprintf(token, sizeof(token), "%s",
	    json_string_value(json_object_get(r.json, "token")) ?: "");
	resp_free(&r);
}

static void
t_health(void)
{
	struct resp r;

	http_get(&r, "/api/health", NULL);
	is_int(r.status, 200, "health answers 200 without a token");
	is_str(json_string_value(json_object_get(r.json, "database")), "ok",
	    "database reachable");
	resp_free(&r);
}

static void
t_login(void)
{
	struct resp r;
	char big[200 * 1024];

	http_post_json(
	    &r, "/api/auth/login", NULL, "{\"password\":\"not the password\"}");
	is_int(r.status, 401, "wrong password is 401");
	is_str(resp_error_code(&r), "invalid_credentials", "error code");
	ok(json_is_string(
	       json_object_get(json_object_get(r.json, "error"), "message")),
	    "error has a message");
	resp_free(&r);

	login_ok();

	http_post_json(&r, "/api/auth/login", NULL, "{\"password\": ");
	is_int(r.status, 400, "malformed JSON is 400");
	is_str(resp_error_code(&r), "invalid_json", "malformed JSON code");
	resp_free(&r);
	http_post_json(&r, "/api/auth/login", NULL, "[\"password\"]");
	is_int(r.status, 400, "a JSON array body is 400");
	resp_free(&r);
	http_post_json(&r, "/api/auth/login", NULL, "{\"password\":123}");
	is_int(r.status, 400, "password of the wrong type is 400");
	is_str(resp_error_code(&r), "invalid_field", "wrong type code");
	resp_free(&r);
	http_post_json(&r, "/api/auth/login", NULL, "{}");
	is_int(r.status, 400, "missing password is 400");
	is_str(resp_error_code(&r), "missing_field", "missing field code");
	resp_free(&r);
	http_post_json(
	    &r, "/api/auth/login", NULL, "{\"password\":\"x\",\"admin\":true}");
	is_int(r.status, 400, "unknown field is 400");
	resp_free(&r);
	http_send(&r, "POST", "/api/auth/login", NULL, "text/plain",
	    "{\"password\":\"x\"}", 16);
	is_int(r.status, 415, "text/plain body is 415");
	resp_free(&r);
	http_send(
	    &r, "POST", "/api/auth/login", NULL, "application/json", NULL, 0);
	is_int(r.status, 411, "POST without a body is 411");
	resp_free(&r);

	memset(big, ' ', sizeof(big));
	big[0] = '{';
	big[sizeof(big) - 1] = '}';
	http_send(&r, "POST", "/api/auth/login", NULL, "application/json", big,
	    100 * 1024);
	is_int(r.status, 413, "100 KiB body is 413 from the API");
	is_str(resp_error_code(&r), "payload_too_large", "413 code (API)");
	resp_free(&r);
	http_send(&r, "POST", "/api/auth/login", NULL, "application/json", big,
	    sizeof(big));
	is_int(r.status, 413, "200 KiB body is 413 from nginx");
	is_str(resp_error_code(&r), "payload_too_large", "413 is JSON too");
	resp_free(&r);
}

static void
t_vehicles(void)
{
	struct resp r, r2;
	const char *cursor;
	char path[256];
	json_t *data;

	http_get(&r, "/api/vehicles", token);
	is_int(r.status, 200, "vehicle list is 200");
	data = json_object_get(r.json, "data");
	is_int(json_array_size(data), 2, "two vehicles of this account");
	ok(strstr(r.body.buf, "Not Yours") == NULL,
	    "another account's vehicle is not listed");
	ok(strstr(r.body.buf, "Red Rocket") != NULL, "vehicle name listed");
	ok(json_is_null(json_object_get(r.json, "next_cursor")),
	    "one page only");
	resp_free(&r);

	http_get(&r, "/api/vehicles?limit=1", token);
	is_int(json_array_size(json_object_get(r.json, "data")), 1,
	    "limit=1 gives one");
	cursor = json_string_value(json_object_get(r.json, "next_cursor"));
	ok(cursor != NULL, "next_cursor given");
	snprintf(path, sizeof(path), "/api/vehicles?limit=1&cursor=%s",
	    cursor ? cursor : "");
	http_get(&r2, path, token);
	is_int(json_array_size(json_object_get(r2.json, "data")), 1,
	    "second page has the other");
	is_str(json_string_value(json_object_get(
		   json_array_get(json_object_get(r2.json, "data"), 0), "id")),
	    V2, "second page is the second vehicle");
	ok(json_is_null(json_object_get(r2.json, "next_cursor")),
	    "no third page");
	resp_free(&r);
	resp_free(&r2);

	http_get(&r, "/api/vehicles?limit=0", token);
	is_int(r.status, 400, "limit=0 is 400");
	resp_free(&r);
	http_get(&r, "/api/vehicles?limit=abc", token);
	is_int(r.status, 400, "limit=abc is 400");
	resp_free(&r);
	http_get(&r, "/api/vehicles?cursor=nope", token);
	is_int(r.status, 400, "bad cursor is 400");
	resp_free(&r);
	http_get(&r, "/api/vehicles?limit=%zz", token);
	is_int(r.status, 400, "bad percent-escape is 400");
	resp_free(&r);

	http_get(&r, "/api/vehicles/" V1, token);
	is_int(r.status, 200, "one vehicle is 200");
	is_str(json_string_value(json_object_get(r.json, "vin")),
	    "5YJ3E1EA7KF000001", "its VIN");
	is_int(json_integer_value(json_object_get(r.json, "battery_level")), 71,
	    "latest battery level");
	resp_free(&r);
	http_get(&r, "/api/vehicles/not-a-uuid", token);
	is_int(r.status, 400, "non-UUID id is 400");
	is_str(resp_error_code(&r), "invalid_id", "invalid_id code");
	resp_free(&r);
	http_get(
	    &r, "/api/vehicles/44444444-4444-4444-8444-444444444444", token);
	is_int(r.status, 404, "unknown id is 404");
	is_str(resp_error_code(&r), "not_found", "not_found code");
	resp_free(&r);
	http_get(&r, "/api/vehicles/" V_OTHER, token);
	is_int(r.status, 404, "another account's vehicle is 404");
	resp_free(&r);
}

static void
t_state(void)
{
	struct resp r;

	http_get(&r, "/api/vehicles/" V1 "/state", token);
	is_int(r.status, 200, "state is 200");
	ok(json_number_value(json_object_get(r.json, "odometer_km")) == 12400.0,
	    "latest odometer in km");
	is_int(json_integer_value(json_object_get(r.json, "battery_level")), 71,
	    "latest battery");
	is_str(json_string_value(json_object_get(r.json, "shift_state")), "D",
	    "latest shift state");
	ok(json_object_get(r.json, "vehicle_id") == NULL,
	    "no internal key leaks");
	is_str(json_string_value(json_object_get(r.json, "sleep_state")),
	    "online", "with the car's sleep state");
	ok(json_integer_value(json_object_get(r.json, "age_s")) > 3 * 86400,
	    "and the age of the data (fixtures are days old)");
	{
		/* The state names its columns: a new one must be named too. */
		char cols[4096], keys[4096] = "";
		const char *k, *names[64] = { NULL };
		json_t *v;
		size_t m = 0;

		sql(cols, sizeof(cols),
		    "SELECT string_agg(column_name, ',' ORDER BY column_name "
		    "COLLATE \"C\") FROM information_schema.columns WHERE "
		    "table_name = 'vehicle_states' AND column_name <> "
		    "'vehicle_id'");
		json_object_foreach(r.json, k, v)
		{
			(void)v;
			if (m < 64 && strcmp(k, "age_s") != 0 &&
			    strcmp(k, "sleep_state") != 0 &&
			    strcmp(k, "state_changed_at") != 0)
				names[m++] = k;
		}
		qsort(names, m, sizeof(names[0]), cmp_str);
		for (size_t i = 0; i < m; i++)
			snprintf(keys + strlen(keys),
			    sizeof(keys) - strlen(keys), "%s%s", i ? "," : "",
			    names[i]);
		ok(m > 30, "the state has every reading");
		is_str(keys, cols,
		    "the state's keys are vehicle_states' columns but "
		    "vehicle_id");
	}
	resp_free(&r);

	http_get(&r, "/api/vehicles/" V1 "/state?units=imperial", token);
	is_int(r.status, 200, "imperial state is 200");
	ok(json_object_get(r.json, "odometer_km") == NULL,
	    "no km field in imperial");
	{
		double mi =
		    json_number_value(json_object_get(r.json, "odometer_mi"));

		ok(mi > 7704.9 && mi < 7705.1, "odometer converted to miles");
	}
	{
		double f =
		    json_number_value(json_object_get(r.json, "inside_temp_f"));

		ok(f > 70.6 && f < 70.8, "temperature converted to °F");
	}
	resp_free(&r);
	http_get(&r, "/api/vehicles/" V1 "/state?units=furlongs", token);
	is_int(r.status, 400, "unknown units is 400");
	resp_free(&r);
	http_get(&r, "/api/vehicles/" V2 "/state", token);
	is_int(r.status, 404, "no state yet is 404");
	is_str(resp_error_code(&r), "no_state", "no_state code");
	resp_free(&r);
	http_get(&r, "/api/vehicles/" V_OTHER "/state", token);
	is_int(r.status, 404, "another account's state is 404");
	resp_free(&r);
}

/* A token with the given header and payload, signed HMAC-md. */
static void
craft(char *out, size_t n, const char *header, const char *payload,
    const EVP_MD *md, const char *secret)
{
	char h[512], p[512], sig[256];
	unsigned char mac[64];
	unsigned int maclen = 0;
	char signing[1100];

	b64url_encode((const uint8_t *)header, strlen(header), h, sizeof(h));
	b64url_encode((const uint8_t *)payload, strlen(payload), p, sizeof(p));
	snprintf(signing, sizeof(signing), "%s.%s", h, p);
	if (md != NULL) {
		HMAC(md, secret, (int)strlen(secret),
		    (const unsigned char *)signing, strlen(signing), mac,
		    &maclen);
		b64url_encode(mac, maclen, sig, sizeof(sig));
	} else {
		snprintf(sig, sizeof(sig), "%s", secret);
	}
	snprintf(out, n, "%s.%s", signing, sig);
}

static void
expect_401(const char *tok, const char *msg)
{
	struct resp r;

	http_get(&r, "/api/vehicles", tok);
	is_int(r.status, 401, msg);
	ok(r.json != NULL && json_object_get(r.json, "error") != NULL,
	    "401 body is a JSON error");
	resp_free(&r);
}

static void
t_jwt(void)
{
	const char *secret = getenv("JWT_SECRET");
	char t[2048], payload[256], *issued = NULL;
	time_t now = time(NULL), exp;
	const char *sub = "00000000-0000-4000-8000-000000000001";

	expect_401(NULL, "no token is 401");
	expect_401("abc", "malformed token is 401");
	expect_401("a.b.c", "garbage token is 401");

	jwt_issue((const uint8_t *)secret, strlen(secret), sub, now - 7200, 60,
	    &issued, &exp);
	expect_401(issued, "expired token is 401");
	free(issued);
	jwt_issue((const uint8_t *)"another secret of at least 32 bytes!", 36,
	    sub, now, 3600, &issued, &exp);
	expect_401(issued, "token signed with another secret is 401");
	free(issued);

	snprintf(payload, sizeof(payload),
	    "{\"iss\":\"tessie-stats\",\"sub\":\"%s\",\"iat\":%lld,"
	    "\"exp\":%lld}",
	    sub, (long long)now, (long long)now + 3600);
	craft(t, sizeof(t), "{\"alg\":\"none\",\"typ\":\"JWT\"}", payload, NULL,
	    "");
	expect_401(t, "alg none is 401");
	craft(t, sizeof(t), "{\"alg\":\"HS384\",\"typ\":\"JWT\"}", payload,
	    EVP_sha384(), secret);
	expect_401(t, "alg HS384 is 401");
	craft(t, sizeof(t), "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", payload,
	    EVP_sha256(), secret);
	expect_401(t, "alg RS256 (HMAC-signed) is 401");
	/* The control: the same crafting with HS256 is accepted. */
	craft(t, sizeof(t), "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload,
	    EVP_sha256(), secret);
	{
		struct resp r;

		http_get(&r, "/api/vehicles", t);
		is_int(r.status, 200, "hand-made HS256 token is accepted");
		is_int(json_array_size(json_object_get(r.json, "data")), 0,
		    "and sees no vehicles of an unknown account");
		resp_free(&r);
	}
}

static void
t_settings(void)
{
	struct resp r;

	http_get(&r, "/api/settings", token);
	is_int(r.status, 200, "settings");
	is_str(json_string_value(json_object_get(r.json, "units")), "si",
	    "SI by default");
	ok(json_number_value(
	       json_object_get(r.json, "fleet_api_monthly_budget_usd")) == 10.0,
	    "the default budget");
	resp_free(&r);
	http_send(&r, "PUT", "/api/settings", token, "application/json",
	    "{\"units\":\"imperial\"}", strlen("{\"units\":\"imperial\"}"));
	is_int(r.status, 200, "save imperial");
	resp_free(&r);
	http_get(&r, "/api/vehicles/" V1 "/state", token);
	ok(json_object_get(r.json, "odometer_mi") != NULL &&
		json_object_get(r.json, "odometer_km") == NULL,
	    "the saved setting converts without ?units=");
	resp_free(&r);
	http_get(&r, "/api/vehicles/" V1 "/state?units=si", token);
	ok(json_object_get(r.json, "odometer_km") != NULL,
	    "?units=si still wins");
	resp_free(&r);
	http_send(&r, "PUT", "/api/settings", token, "application/json",
	    "{\"units\":\"furlongs\"}", strlen("{\"units\":\"furlongs\"}"));
	is_int(r.status, 400, "unknown units are 400");
	resp_free(&r);
	http_send(&r, "PUT", "/api/settings", token, "application/json",
	    "{\"fleet_api_monthly_budget_usd\":-1}",
	    strlen("{\"fleet_api_monthly_budget_usd\":-1}"));
	is_int(r.status, 400, "a negative budget is 400");
	resp_free(&r);
	http_send(&r, "PUT", "/api/settings", token, "application/json",
	    "{\"theme\":\"dark\"}", strlen("{\"theme\":\"dark\"}"));
	is_int(r.status, 400, "an unknown setting is 400");
	resp_free(&r);
	http_get(&r, "/api/settings", token);
	is_str(json_string_value(json_object_get(r.json, "units")), "imperial",
	    "refused changes stored nothing");
	resp_free(&r);
	http_send(&r, "PUT", "/api/settings", token, "application/json",
	    "{\"units\":\"si\",\"fleet_api_monthly_budget_usd\":25}",
	    strlen("{\"units\":\"si\",\"fleet_api_monthly_budget_usd\":25}"));
	is_int(r.status, 200, "save both");
	ok(json_number_value(
	       json_object_get(r.json, "fleet_api_monthly_budget_usd")) == 25.0,
	    "the budget is saved");
	resp_free(&r);
	http_get(&r, "/api/auth/status", token);
	ok(json_number_value(json_object_get(r.json, "month_budget_usd")) ==
		25.0,
	    "and used by the account status");
	resp_free(&r);
	http_send(&r, "PUT", "/api/settings", token, "application/json",
	    "{\"fleet_api_monthly_budget_usd\":10}",
	    strlen("{\"fleet_api_monthly_budget_usd\":10}"));
	resp_free(&r);
}

static void
t_routes(void)
{
	struct resp r;
	char allow[64] = "";

	http_get(&r, "/api/nope", token);
	is_int(r.status, 404, "unknown path is 404");
	is_str(resp_error_code(&r), "not_found", "404 code");
	resp_free(&r);
	http_send(&r, "DELETE", "/api/vehicles", token, NULL, NULL, 0);
	is_int(r.status, 405, "DELETE on the list is 405");
	resp_header(&r, "Allow", allow, sizeof(allow));
	is_str(allow, "GET", "Allow lists GET");
	resp_free(&r);
	http_get(&r, "/api/auth/login", NULL);
	is_int(r.status, 405, "GET on login is 405");
	resp_header(&r, "Allow", allow, sizeof(allow));
	is_str(allow, "POST", "Allow lists POST");
	resp_free(&r);
}

static void
t_rate_limit(void)
{
	char body[256], retry[16] = "";
	struct resp r;
	int i, n401 = 0;

	for (i = 0; i < 5; i++) {
		http_post_json(
		    &r, "/api/auth/login", NULL, "{\"password\":\"guess\"}");
		n401 += r.status == 401;
		resp_free(&r);
	}
	is_int(n401, 5, "five wrong passwords are 401");
	snprintf(body, sizeof(body), "{\"password\":\"%s\"}",
	    getenv("TESSIE_ADMIN_PASSWORD"));
	http_post_json(&r, "/api/auth/login", NULL, body);
	is_int(r.status, 429, "then even the right one is 429");
	is_str(resp_error_code(&r), "rate_limited", "rate_limited code");
	ok(strstr(r.body.buf, "failed logins") != NULL,
	    "the API (not nginx) refused it");
	ok(resp_header(&r, "Retry-After", retry, sizeof(retry)) &&
		atoi(retry) > 0,
	    "Retry-After given");
	resp_free(&r);
	psql(NULL, "DELETE FROM login_attempts");
	login_ok();
}

static void
t_db_down(void)
{
	struct resp r;
	int good = 0;

	sh_run(NULL, "%s/pg-stop.sh", getenv("TEST_STACK_DIR"));
	http_get(&r, "/api/vehicles", token);
	is_int(r.status, 503, "database down: 503");
	is_str(resp_error_code(&r), "unavailable", "503 is a JSON error");
	resp_free(&r);
	http_get(&r, "/api/health", NULL);
	is_int(r.status, 503, "health says 503 when the database is down");
	is_str(json_string_value(json_object_get(r.json, "database")),
	    "unreachable", "health names the database");
	resp_free(&r);
	sh_run(NULL, "%s/pg-start.sh", getenv("TEST_STACK_DIR"));
	/* Enough requests to reach every worker. */
	for (int i = 0; i < 12; i++) {
		http_get(&r, "/api/vehicles", token);
		good += r.status == 200;
		resp_free(&r);
	}
	is_int(good, 12, "after a restart every request succeeds again");
}

/* The worker pids of the master, via pgrep; returns how many. */
static int
workers(pid_t master, pid_t *out, int max)
{
	char cmd[64], line[32];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "pgrep -P %d", (int)master);
	if ((p = popen(cmd, "r")) == NULL)
		return 0;
	while (n < max && fgets(line, sizeof(line), p) != NULL)
		out[n++] = (pid_t)atoi(line);
	pclose(p);
	return n;
}

static void
t_worker_respawn(void)
{
	pid_t api = (pid_t)atoi(getenv("TEST_API_PID")), w[16], w2[16];
	int n, n2 = 0, good = 0, replaced = 1;
	struct resp r;

	n = workers(api, w, 16);
	is_int(n, atoi(getenv("TESSIE_WORKERS")), "TESSIE_WORKERS workers");
	if (n == 0)
		return;
	ok(kill(w[0], SIGKILL) == 0, "a worker is killed with SIGKILL");
	for (int i = 0; i < 50; i++) {
		usleep(100 * 1000);
		n2 = workers(api, w2, 16);
		replaced = n2 == n;
		for (int j = 0; j < n2; j++)
			if (w2[j] == w[0])
				replaced = 0;
		if (replaced)
			break;
	}
	ok(replaced, "the master starts another in its place");
	for (int i = 0; i < 12; i++) {
		http_get(&r, "/api/vehicles", token);
		good += r.status == 200;
		resp_free(&r);
	}
	is_int(good, 12, "and every request is answered");
}

static void
t_sigterm_in_flight(void)
{
	pid_t api = (pid_t)atoi(getenv("TEST_API_PID")), child;
	int fds[2], status, gone = 0;
	long got = 0;

	/* Hold the vehicles table so that a request waits in the database. */
	sh_run(NULL,
	    "%s/psql.sh -c 'BEGIN; LOCK TABLE vehicles; "
	    "SELECT pg_sleep(2); COMMIT;' >/dev/null 2>&1 &",
	    getenv("TEST_STACK_DIR"));
	usleep(500 * 1000);
	if (pipe(fds) == -1)
		return;
	if ((child = fork()) == 0) {
		struct resp r;
		long st;

		close(fds[0]);
		st = http_get(&r, "/api/vehicles", token);
		if (write(fds[1], &st, sizeof(st)) < 0)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	usleep(500 * 1000);
	ok(kill(api, SIGTERM) == 0, "SIGTERM sent to tessie-api");
	if (read(fds[0], &got, sizeof(got)) != sizeof(got))
		got = -1;
	waitpid(child, &status, 0);
	close(fds[0]);
	is_int(got, 200, "the request in flight completes with 200");
	for (int i = 0; i < 100 && !gone; i++) {
		gone = kill(api, 0) == -1;
		usleep(100 * 1000);
	}
	ok(gone, "tessie-api exits after SIGTERM");
}

static const struct tap_test tests[] = {
	TAP(t_health),
	TAP(t_login),
	TAP(t_vehicles),
	TAP(t_state),
	TAP(t_settings),
	TAP(t_jwt),
	TAP(t_routes),
	TAP(t_rate_limit),
	TAP(t_db_down),
	TAP(t_worker_respawn),
	TAP(t_sigterm_in_flight),
};

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return tap_run(tests, nitems(tests));
}
