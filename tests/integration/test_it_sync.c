/*
 * The Tesla account and sync-run API: storing a refresh token (sealed,
 * never returned), the account status, forgetting it; queuing sync runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "stack.h"
#include "util.h"

#define REFRESH "NA_0123456789abcdef-refresh-token-plaintext"

static char token[2048];

static void
t_token(void)
{
	struct sbuf dump = SBUF_INIT(64 << 20);
	struct resp r;

	/* Another test binary may have connected the account. */
	http_send(&r, "DELETE", "/api/auth/token", token, NULL, NULL, 0);
	resp_free(&r);
	http_get(&r, "/api/auth/status", token);
	is_int(r.status, 200, "status before a token");
	ok(json_is_false(json_object_get(r.json, "connected")),
	    "not connected yet");
	ok(json_number_value(json_object_get(r.json, "month_budget_usd")) ==
		10.0,
	    "default monthly budget is $10");
	resp_free(&r);

	http_post_json(&r, "/api/auth/token", token,
	    "{\"refresh_token\":\"" REFRESH "\",\"region\":\"eu\"}");
	is_int(r.status, 201, "refresh token stored");
	ok(strstr(r.body.buf, REFRESH) == NULL, "and not echoed");
	resp_free(&r);

	http_get(&r, "/api/auth/status", token);
	ok(json_is_true(json_object_get(r.json, "connected")), "connected");
	is_str(json_string_value(json_object_get(r.json, "region")), "eu",
	    "region kept");
	ok(strstr(r.body.buf, REFRESH) == NULL &&
		strstr(r.body.buf, "token\":\"") == NULL,
	    "status shows no token");
	resp_free(&r);

	/* Nothing in the whole database holds the plaintext. */
	sh_run(&dump,
	    "%s/psql.sh -c 'SELECT 1' >/dev/null"
	    " && runuser -u postgres -- true 2>/dev/null; "
	    "PGBIN=$(ls -d /usr/lib/postgresql/*/bin | tail -n 1); "
	    "if [ $(id -u) -eq 0 ]; then R='runuser -u postgres --'; "
	    "fi; cd / && $R $PGBIN/pg_dump -h %s/pg/sock -U tessie "
	    "tessie",
	    getenv("TEST_STACK_DIR"), getenv("TEST_STACK_DIR"));
	ok(strstr(dump.buf, "tesla_tokens") != NULL,
	    "the dump has the tokens table");
	ok(strstr(dump.buf, REFRESH) == NULL,
	    "a database dump contains no plaintext token");
	psql(&dump, "SELECT octet_length(refresh_token_enc) FROM tesla_tokens");
	is_int(atoi(dump.buf), (int)strlen(REFRESH) + 29,
	    "sealed: version, IV, ciphertext, 16-byte tag");

	http_post_json(&r, "/api/auth/token", token, "{\"refresh_token\":42}");
	is_int(r.status, 400, "a number as refresh token is 400");
	resp_free(&r);
	http_post_json(&r, "/api/auth/token", token,
	    "{\"refresh_token\":\"has a space in it, 1234\"}");
	is_int(r.status, 400, "a token with spaces is 400");
	resp_free(&r);
	http_post_json(&r, "/api/auth/token", token,
	    "{\"refresh_token\":\"" REFRESH "\",\"region\":\"mars\"}");
	is_int(r.status, 400, "an unknown region is 400");
	resp_free(&r);
	http_post_json(&r, "/api/auth/token", token,
	    "{\"refresh_token\":\"" REFRESH "\",\"access_token\":\"x\"}");
	is_int(r.status, 400, "an unknown field is 400");
	resp_free(&r);
	http_post_json(
	    &r, "/api/auth/token", NULL, "{\"refresh_token\":\"" REFRESH "\"}");
	is_int(r.status, 401, "storing needs a login");
	resp_free(&r);

	http_send(&r, "DELETE", "/api/auth/token", token, NULL, NULL, 0);
	is_int(r.status, 204, "forgotten");
	resp_free(&r);
	http_get(&r, "/api/auth/status", token);
	ok(json_is_false(json_object_get(r.json, "connected")),
	    "not connected after DELETE");
	resp_free(&r);
	psql(&dump, "SELECT count(*) FROM tesla_tokens");
	is_int(atoi(dump.buf), 0, "the row is gone");
	sbuf_release(&dump);
}

static void
t_trigger(void)
{
	struct resp r, r2;
	json_t *jobs;
	long long id;

	http_post_json(
	    &r, "/api/sync/trigger", token, "{\"job\":\"vehicles\"}");
	is_int(r.status, 202, "trigger is 202");
	is_str(json_string_value(json_object_get(r.json, "status")), "queued",
	    "queued");
	ok(json_is_false(json_object_get(r.json, "already_queued")),
	    "a new run");
	id = json_integer_value(json_object_get(r.json, "id"));
	ok(id > 0, "with an id");
	http_post_json(
	    &r2, "/api/sync/trigger", token, "{\"job\":\"vehicles\"}");
	is_int(r2.status, 202, "second trigger is 202");
	is_int(json_integer_value(json_object_get(r2.json, "id")), id,
	    "and returns the pending run");
	ok(json_is_true(json_object_get(r2.json, "already_queued")),
	    "marked already_queued");
	resp_free(&r);
	resp_free(&r2);

	http_post_json(&r, "/api/sync/trigger", token, "{\"job\":\"all\"}");
	is_int(r.status, 202, "trigger all is 202");
	is_int(json_array_size(json_object_get(r.json, "data")), 6,
	    "one run per job");
	resp_free(&r);

	http_post_json(&r, "/api/sync/trigger", token, "{\"job\":\"nope\"}");
	is_int(r.status, 400, "unknown job is 400");
	ok(strstr(r.body.buf, "vehicles") != NULL, "and lists the jobs");
	resp_free(&r);
	http_post_json(&r, "/api/sync/trigger", token, "{\"job\":7}");
	is_int(r.status, 400, "job of the wrong type is 400");
	resp_free(&r);
	http_post_json(&r, "/api/sync/trigger", token, "{}");
	is_int(r.status, 400, "missing job is 400");
	resp_free(&r);

	http_get(&r, "/api/sync/status", token);
	is_int(r.status, 200, "status is 200");
	jobs = json_object_get(r.json, "jobs");
	is_int(json_array_size(jobs), 6, "six jobs");
	{
		json_t *v = json_array_get(jobs, 0);

		is_str(json_string_value(json_object_get(v, "job")), "vehicles",
		    "first is vehicles");
		is_int(json_integer_value(
			   json_object_get(json_object_get(v, "queued"), "id")),
		    id, "its queued run is shown");
		ok(json_is_string(json_object_get(v, "next_run_at")),
		    "with the next scheduled time");
	}
	ok(json_is_object(json_object_get(r.json, "account")),
	    "and the account's state");
	resp_free(&r);
}

static const struct tap_test tests[] = {
	TAP(t_token),
	TAP(t_trigger),
};

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	login(token, sizeof(token));
	return tap_run(tests, nitems(tests));
}
