/*
 * Places and tariffs: create, read, list by pages, replace and delete;
 * every kind of bad input refused with its status and code and nothing
 * stored; another account's rows invisible; Tesla's tariffs read-only; a
 * deleted tariff cleared from the places that used it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "stack.h"
#include "util.h"

#define OTHER "00000000-0000-4000-8000-00000000000b"
#define NO_SUCH "99999999-9999-4999-8999-999999999999"
#define OTHER_PLACE "0b0b0b0b-0000-4000-8000-000000000001"
#define OTHER_TARIFF "0b0b0b0b-0000-4000-8000-000000000002"
#define TESLA_TARIFF "7e5a7e5a-0000-4000-8000-000000000003"

static char token[2048];

static long
http_put_json(
    struct resp *out, const char *path, const char *tok, const char *body)
{
	return http_send(
	    out, "PUT", path, tok, "application/json", body, strlen(body));
}

static long
http_delete(struct resp *out, const char *path)
{
	return http_send(out, "DELETE", path, token, NULL, NULL, 0);
}

/* The number of rows listed at path (one page of up to 500). */
static int
list_count(const char *path)
{
	char url[256];
	struct resp r;
	int n = -1;

	snprintf(url, sizeof(url), "%s?limit=500", path);
	if (http_get(&r, url, token) == 200)
		n = (int)json_array_size(json_object_get(r.json, "data"));
	resp_free(&r);
	return n;
}

/* 1 when the list at path has a row with id. */
static int
listed(const char *path, const char *id)
{
	char url[256];
	struct resp r;
	size_t i;
	json_t *v;
	int found = 0;

	snprintf(url, sizeof(url), "%s?limit=500", path);
	http_get(&r, url, token);
	json_array_foreach(json_object_get(r.json, "data"), i, v)
	{
		const char *s = json_string_value(json_object_get(v, "id"));

		if (s != NULL && strcmp(s, id) == 0)
			found = 1;
	}
	resp_free(&r);
	return found;
}

/* POSTs body to path: status and error code as wanted, list unchanged. */
static void
refused(const char *path, const char *body, long status, const char *code,
    const char *what)
{
	char msg[256];
	struct resp r;
	int before = list_count(path);

	http_post_json(&r, path, token, body);
	snprintf(msg, sizeof(msg), "%s: %ld", what, status);
	is_int(r.status, status, msg);
	snprintf(msg, sizeof(msg), "%s: code %s", what, code);
	is_str(resp_error_code(&r), code, msg);
	resp_free(&r);
	snprintf(msg, sizeof(msg), "%s: nothing stored", what);
	is_int(list_count(path), before, msg);
}

/* Creates at path; returns the new id in id[37] (empty on failure). */
static void
create(const char *path, const char *body, char *id)
{
	struct resp r;

	http_post_json(&r, path, token, body);
	snprintf(id, 37, "%s",
	    r.status == 201
		? json_string_value(json_object_get(r.json, "id")) ?: ""
		: "");
	if (r.status != 201)
		printf("# POST %s: %ld %s\n", path, r.status, r.body.buf);
	resp_free(&r);
}

/*
 * Another account's row id at path (a kind): not listed, GET, PUT of body
 * and DELETE are 404, and query still prints want.
 */
static void
not_ours(const char *path, const char *id, const char *kind, const char *body,
    const char *query, const char *want)
{
	struct sbuf out = SBUF_INIT(1 << 16);
	char url[256], msg[128];
	struct resp r;

	snprintf(url, sizeof(url), "%s/%s", path, id);
	ok(!listed(path, id), "not in the list");
	http_get(&r, url, token);
	snprintf(msg, sizeof(msg), "another account's %s: GET 404", kind);
	is_int(r.status, 404, msg);
	resp_free(&r);
	http_put_json(&r, url, token, body);
	is_int(r.status, 404, "PUT 404");
	resp_free(&r);
	http_delete(&r, url);
	is_int(r.status, 404, "DELETE 404");
	resp_free(&r);
	psql(&out, query);
	is_str(out.buf, want, "and it is untouched");
	sbuf_release(&out);
}

#define PLACE(name, extra)                                                     \
	"{\"name\":\"" name "\",\"latitude\":48.8584,\"longitude\":2.2945,"    \
	"\"radius_m\":150" extra "}"

static void
t_places_good(void)
{
	char id[37], id2[37], id3[37], url[256];
	const char *next;
	struct resp r;
	int before = list_count("/api/places");

	ok(before >= 0, "places list answers");
	http_post_json(&r, "/api/places", token, PLACE("it-home", ""));
	is_int(r.status, 201, "POST /api/places is 201");
	snprintf(id, sizeof(id), "%s",
	    json_string_value(json_object_get(r.json, "id")) ?: "");
	ok(is_uuid(id), "with the new id");
	is_str(json_string_value(json_object_get(r.json, "name")), "it-home",
	    "and its name");
	ok(json_number_value(json_object_get(r.json, "radius_m")) == 150,
	    "radius_m in metres");
	ok(json_number_value(json_object_get(r.json, "latitude")) == 48.8584,
	    "latitude kept");
	ok(json_is_null(json_object_get(r.json, "tariff_id")),
	    "no tariff by default");
	ok(json_is_string(json_object_get(r.json, "created_at")), "created_at");
	resp_free(&r);
	is_int(list_count("/api/places"), before + 1, "listed");

	snprintf(url, sizeof(url), "/api/places/%s", id);
	http_get(&r, url, token);
	is_int(r.status, 200, "GET /api/places/:id");
	is_str(json_string_value(json_object_get(r.json, "id")), id, "same id");
	resp_free(&r);

	snprintf(url, sizeof(url), "/api/places/%s?units=imperial", id);
	http_get(&r, url, token);
	ok(json_object_get(r.json, "radius_m") == NULL &&
		json_number_value(json_object_get(r.json, "radius_ft")) >
		    492.1 &&
		json_number_value(json_object_get(r.json, "radius_ft")) < 492.2,
	    "?units=imperial: radius_ft");
	resp_free(&r);
	http_get(&r, "/api/places?units=imperial", token);
	ok(json_object_get(json_array_get(json_object_get(r.json, "data"), 0),
	       "radius_ft") != NULL,
	    "the list converts too");
	resp_free(&r);
	http_get(&r, "/api/places?units=furlongs", token);
	is_int(r.status, 400, "?units=furlongs is 400");
	resp_free(&r);

	/* Pages. */
	create("/api/places", PLACE("it-work", ""), id2);
	create("/api/places",
	    "{\"name\":\"it-region\",\"latitude\":0,\"longitude\":0,"
	    "\"radius_m\":100000}",
	    id3);
	ok(is_uuid(id3), "a radius of 100 km is accepted");
	http_get(&r, "/api/places?limit=2", token);
	is_int(json_array_size(json_object_get(r.json, "data")), 2,
	    "limit=2: two places");
	next = json_string_value(json_object_get(r.json, "next_cursor"));
	ok(next != NULL && is_uuid(next), "and a next_cursor");
	snprintf(url, sizeof(url), "/api/places?limit=500&cursor=%s",
	    next ? next : "");
	resp_free(&r);
	http_get(&r, url, token);
	is_int(json_array_size(json_object_get(r.json, "data")), before + 3 - 2,
	    "the next page has the rest");
	ok(json_is_null(json_object_get(r.json, "next_cursor")),
	    "and no next_cursor");
	resp_free(&r);
	http_get(&r, "/api/places?cursor=zzz", token);
	is_int(r.status, 400, "a malformed cursor is 400");
	resp_free(&r);

	/* Full replace. */
	snprintf(url, sizeof(url), "/api/places/%s", id2);
	http_put_json(&r, url, token,
	    "{\"name\":\"it-office\",\"latitude\":-33.8568,"
	    "\"longitude\":151.2153,\"radius_m\":75.5,\"tariff_id\":null}");
	is_int(r.status, 200, "PUT /api/places/:id");
	is_str(json_string_value(json_object_get(r.json, "name")), "it-office",
	    "name replaced");
	ok(json_number_value(json_object_get(r.json, "radius_m")) == 75.5,
	    "radius replaced");
	resp_free(&r);
	http_put_json(&r, url, token, "{\"name\":\"it-office\"}");
	is_int(r.status, 400, "PUT is a full replace: missing fields are 400");
	is_str(resp_error_code(&r), "missing_field", "missing_field");
	resp_free(&r);
	http_put_json(&r, url, token, PLACE("it-home", ""));
	is_int(r.status, 409, "PUT to another place's name is 409");
	is_str(resp_error_code(&r), "name_taken", "name_taken");
	resp_free(&r);
	http_get(&r, url, token);
	is_str(json_string_value(json_object_get(r.json, "name")), "it-office",
	    "a refused PUT changes nothing");
	resp_free(&r);

	/* Delete. */
	snprintf(url, sizeof(url), "/api/places/%s", id3);
	http_delete(&r, url);
	is_int(r.status, 204, "DELETE /api/places/:id is 204");
	resp_free(&r);
	http_get(&r, url, token);
	is_int(r.status, 404, "then it is gone");
	resp_free(&r);
	http_delete(&r, url);
	is_int(r.status, 404, "and a second DELETE is 404");
	resp_free(&r);
	is_int(list_count("/api/places"), before + 2, "two places left");
}

static void
t_places_bad(void)
{
	char name101[160], body[512];
	struct resp r;
	const char *m;

	memset(name101, 'n', 101);
	name101[101] = '\0';
	refused("/api/places", PLACE("it-home", ""), 409, "name_taken",
	    "a duplicate name");
	refused("/api/places", PLACE("", ""), 400, "invalid_field",
	    "an empty name");
	snprintf(body, sizeof(body),
	    "{\"name\":\"%s\",\"latitude\":1,\"longitude\":1,\"radius_m\":1}",
	    name101);
	refused("/api/places", body, 400, "invalid_field",
	    "a name of 101 characters");
	refused("/api/places",
	    "{\"name\":42,\"latitude\":1,\"longitude\":1,\"radius_m\":1}", 400,
	    "invalid_field", "a number as name");
	refused("/api/places",
	    "{\"name\":\"a\\u0001b\",\"latitude\":1,\"longitude\":1,"
	    "\"radius_m\":1}",
	    400, "invalid_field", "a control character in the name");
	refused("/api/places",
	    "{\"name\":\"x\",\"latitude\":90.5,\"longitude\":1,\"radius_m\":1}",
	    400, "invalid_field", "latitude 90.5");
	refused("/api/places",
	    "{\"name\":\"x\",\"latitude\":\"1\",\"longitude\":1,"
	    "\"radius_m\":1}",
	    400, "invalid_field", "a string as latitude");
	refused("/api/places",
	    "{\"name\":\"x\",\"latitude\":1,\"longitude\":-181,\"radius_m\":1}",
	    400, "invalid_field", "longitude -181");
	refused("/api/places",
	    "{\"name\":\"x\",\"latitude\":1,\"longitude\":1,\"radius_m\":-5}",
	    400, "invalid_field", "a negative radius");
	refused("/api/places",
	    "{\"name\":\"x\",\"latitude\":1,\"longitude\":1,\"radius_m\":0}",
	    400, "invalid_field", "a zero radius");
	refused("/api/places",
	    "{\"name\":\"x\",\"latitude\":1,\"longitude\":1,"
	    "\"radius_m\":100000.5}",
	    400, "invalid_field", "a radius over 100 km");
	refused("/api/places",
	    "{\"name\":\"x\",\"latitude\":1,\"longitude\":1,"
	    "\"radius_m\":null}",
	    400, "invalid_field", "a null radius");
	refused("/api/places", PLACE("x", ",\"tariff_id\":\"nope\""), 400,
	    "invalid_field", "a malformed tariff_id");
	refused("/api/places", PLACE("x", ",\"tariff_id\":\"" NO_SUCH "\""),
	    422, "unknown_tariff", "an unknown tariff_id");
	refused("/api/places",
	    PLACE("x", ",\"tariff_id\":\"" OTHER_TARIFF "\""), 422,
	    "unknown_tariff", "another account's tariff_id");
	refused("/api/places", PLACE("x", ",\"colour\":\"red\""), 400,
	    "unknown_field", "an unknown field");
	refused("/api/places",
	    "{\"name\":\"x\",\"longitude\":1,\"radius_m\":1}", 400,
	    "missing_field", "a missing latitude");
	refused(
	    "/api/places", "{\"name\":", 400, "invalid_json", "malformed JSON");
	refused("/api/places", "[1,2]", 400, "invalid_json", "an array body");
	refused("/api/places",
	    "{\"name\":\"x\",\"name\":\"y\",\"latitude\":1,\"longitude\":1,"
	    "\"radius_m\":1}",
	    400, "invalid_json", "a duplicate key");

	http_send(&r, "POST", "/api/places", token, "text/plain",
	    PLACE("x", ""), strlen(PLACE("x", "")));
	is_int(r.status, 415, "a text/plain body is 415");
	resp_free(&r);
	http_get(&r, "/api/places", NULL);
	is_int(r.status, 401, "no token is 401");
	resp_free(&r);
	http_post_json(&r, "/api/places", NULL, PLACE("x", ""));
	is_int(r.status, 401, "POST without a token is 401");
	resp_free(&r);

	http_get(&r, "/api/places/not-a-uuid", token);
	is_int(r.status, 400, "GET a malformed id is 400");
	m = json_string_value(
	    json_object_get(json_object_get(r.json, "error"), "message"));
	ok(m != NULL && strstr(m, "place id") != NULL,
	    "the message names the place id");
	resp_free(&r);
	http_put_json(&r, "/api/places/not-a-uuid", token, PLACE("x", ""));
	is_int(r.status, 400, "PUT a malformed id is 400");
	resp_free(&r);
	http_delete(&r, "/api/places/not-a-uuid");
	is_int(r.status, 400, "DELETE a malformed id is 400");
	resp_free(&r);
	http_get(&r, "/api/places/" NO_SUCH, token);
	is_int(r.status, 404, "GET an unknown id is 404");
	is_str(resp_error_code(&r), "not_found", "not_found");
	resp_free(&r);
	http_put_json(&r, "/api/places/" NO_SUCH, token, PLACE("x", ""));
	is_int(r.status, 404, "PUT an unknown id is 404");
	resp_free(&r);
	http_delete(&r, "/api/places/" NO_SUCH);
	is_int(r.status, 404, "DELETE an unknown id is 404");
	resp_free(&r);
	is_int(listed("/api/places", NO_SUCH), 0, "PUT created nothing");

	not_ours("/api/places", OTHER_PLACE, "place", PLACE("it-stolen", ""),
	    "SELECT name FROM places WHERE id = '" OTHER_PLACE "'", "Theirs\n");
	{
		char id[37];

		create("/api/places", PLACE("Theirs", ""), id);
		ok(is_uuid(id), "another account's name is free here");
	}
}

#define FLAT(name, content)                                                    \
	"{\"name\":\"" name "\",\"currency\":\"EUR\",\"kind\":\"flat\","       \
	"\"content\":" content "}"
#define TOU(periods)                                                           \
	"{\"name\":\"it-tou-bad\",\"currency\":\"EUR\",\"kind\":\"tou\","      \
	"\"content\":{\"default_per_kwh\":0.3,\"periods\":" periods "}}"
#define P(days, from, to)                                                      \
	"{\"days\":" days ",\"from\":\"" from "\",\"to\":\"" to                \
	"\",\"per_kwh\":0.1}"

static void
t_tariffs_good(void)
{
	char id[37], tou[37], url[256];
	const char *next;
	struct resp r;
	json_t *c;
	int before = list_count("/api/tariffs");

	ok(before >= 0, "tariffs list answers");
	http_post_json(&r, "/api/tariffs", token,
	    FLAT("it-flat", "{\"per_kwh\":0.25,\"session_fee\":1}"));
	is_int(r.status, 201, "POST /api/tariffs (flat) is 201");
	snprintf(id, sizeof(id), "%s",
	    json_string_value(json_object_get(r.json, "id")) ?: "");
	ok(is_uuid(id), "with an id");
	is_str(json_string_value(json_object_get(r.json, "source")), "manual",
	    "source manual");
	is_str(json_string_value(json_object_get(r.json, "currency")), "EUR",
	    "currency");
	c = json_object_get(r.json, "content");
	ok(json_number_value(json_object_get(c, "per_kwh")) == 0.25 &&
		json_number_value(json_object_get(c, "session_fee")) == 1,
	    "content kept");
	resp_free(&r);

	http_post_json(&r, "/api/tariffs", token,
	    "{\"name\":\"it-tou\",\"currency\":\"GBP\",\"kind\":\"tou\","
	    "\"content\":{\"default_per_kwh\":0.3,\"periods\":[" P(
		"[1,2,3,4,5]", "00:00", "07:00") "," P("[1,2,3,4,5]", "07:00",
		"24:00") "," P("[6,7]", "10:00", "16:00") "]}}");
	is_int(r.status, 201, "a tou tariff with adjacent windows is 201");
	snprintf(tou, sizeof(tou), "%s",
	    json_string_value(json_object_get(r.json, "id")) ?: "");
	is_int(json_array_size(json_object_get(
		   json_object_get(r.json, "content"), "periods")),
	    3, "its three periods");
	resp_free(&r);
	is_int(list_count("/api/tariffs"), before + 2, "both listed");

	snprintf(url, sizeof(url), "/api/tariffs/%s", id);
	http_get(&r, url, token);
	is_int(r.status, 200, "GET /api/tariffs/:id");
	is_str(
	    json_string_value(json_object_get(r.json, "kind")), "flat", "kind");
	resp_free(&r);

	http_get(&r, "/api/tariffs?limit=1", token);
	is_int(json_array_size(json_object_get(r.json, "data")), 1,
	    "limit=1: one tariff");
	next = json_string_value(json_object_get(r.json, "next_cursor"));
	ok(next != NULL && is_uuid(next), "and a next_cursor");
	snprintf(url, sizeof(url), "/api/tariffs?limit=500&cursor=%s",
	    next ? next : "");
	resp_free(&r);
	http_get(&r, url, token);
	is_int(json_array_size(json_object_get(r.json, "data")), before + 1,
	    "the next page has the rest");
	resp_free(&r);

	snprintf(url, sizeof(url), "/api/tariffs/%s", id);
	http_put_json(&r, url, token,
	    "{\"name\":\"it-flat-2\",\"currency\":\"USD\",\"kind\":\"tou\","
	    "\"content\":{\"default_per_kwh\":0.2,\"periods\":[" P(
		"[7]", "22:00", "24:00") "]}}");
	is_int(r.status, 200, "PUT /api/tariffs/:id");
	is_str(json_string_value(json_object_get(r.json, "kind")), "tou",
	    "kind replaced");
	is_str(json_string_value(json_object_get(r.json, "name")), "it-flat-2",
	    "name replaced");
	resp_free(&r);
	http_put_json(&r, url, token,
	    "{\"name\":\"it-flat-2\",\"currency\":\"USD\",\"kind\":\"tou\","
	    "\"content\":{\"default_per_kwh\":0.2,\"periods\":[" P(
		"[7]", "22:00", "25:00") "]}}");
	is_int(r.status, 400, "a PUT with a bad time is 400");
	resp_free(&r);
	http_put_json(&r, url, token, FLAT("it-tou", "{\"per_kwh\":1}"));
	is_int(r.status, 409, "a PUT to a taken name is 409");
	resp_free(&r);
	http_get(&r, url, token);
	is_str(json_string_value(json_object_get(r.json, "currency")), "USD",
	    "refused PUTs change nothing");
	resp_free(&r);

	http_delete(&r, url);
	is_int(r.status, 204, "DELETE /api/tariffs/:id is 204");
	resp_free(&r);
	http_get(&r, url, token);
	is_int(r.status, 404, "then it is gone");
	resp_free(&r);
	is_int(list_count("/api/tariffs"), before + 1, "one left");
}

static void
t_tariffs_bad(void)
{
	char body[512], name101[160];
	struct resp r;
	const char *m;

	memset(name101, 't', 101);
	name101[101] = '\0';
	refused("/api/tariffs", FLAT("it-tou", "{\"per_kwh\":1}"), 409,
	    "name_taken", "a duplicate name");
	snprintf(body, sizeof(body), FLAT("%s", "{\"per_kwh\":1}"), name101);
	refused("/api/tariffs", body, 400, "invalid_field",
	    "a name of 101 characters");
	refused("/api/tariffs", FLAT("", "{\"per_kwh\":1}"), 400,
	    "invalid_field", "an empty name");
	refused("/api/tariffs",
	    "{\"name\":\"x\",\"currency\":\"eur\",\"kind\":\"flat\","
	    "\"content\":{\"per_kwh\":1}}",
	    400, "invalid_field", "a lowercase currency");
	refused("/api/tariffs",
	    "{\"name\":\"x\",\"currency\":\"EURO\",\"kind\":\"flat\","
	    "\"content\":{\"per_kwh\":1}}",
	    400, "invalid_field", "a four-letter currency");
	refused("/api/tariffs",
	    "{\"name\":\"x\",\"currency\":978,\"kind\":\"flat\","
	    "\"content\":{\"per_kwh\":1}}",
	    400, "invalid_field", "a numeric currency");
	refused("/api/tariffs",
	    "{\"name\":\"x\",\"currency\":\"E1R\",\"kind\":\"flat\","
	    "\"content\":{\"per_kwh\":1}}",
	    400, "invalid_field", "a digit in the currency");
	refused("/api/tariffs",
	    "{\"name\":\"x\",\"currency\":\"EUR\",\"kind\":\"hourly\","
	    "\"content\":{\"per_kwh\":1}}",
	    400, "invalid_field", "an unknown kind");
	refused("/api/tariffs", FLAT("x", "[1]"), 400, "invalid_field",
	    "content not an object");
	refused("/api/tariffs",
	    "{\"name\":\"x\",\"currency\":\"EUR\",\"kind\":\"flat\"}", 400,
	    "missing_field", "no content");
	refused("/api/tariffs", FLAT("x", "{}"), 400, "missing_field",
	    "flat without per_kwh");
	refused("/api/tariffs", FLAT("x", "{\"per_kwh\":-0.01}"), 400,
	    "invalid_field", "a negative price");
	refused("/api/tariffs", FLAT("x", "{\"per_kwh\":1e7}"), 400,
	    "invalid_field", "a price over the cap");
	refused("/api/tariffs", FLAT("x", "{\"per_kwh\":\"0.3\"}"), 400,
	    "invalid_field", "a string price");
	refused("/api/tariffs", FLAT("x", "{\"per_kwh\":1,\"per_minute\":-1}"),
	    400, "invalid_field", "a negative per_minute");
	refused("/api/tariffs", FLAT("x", "{\"energy_charge\":1}"), 400,
	    "unknown_field", "an unknown content field");
	refused("/api/tariffs",
	    "{\"name\":\"y\",\"currency\":\"EUR\",\"kind\":\"flat\","
	    "\"content\":{\"per_kwh\":1},\"vat\":20}",
	    400, "unknown_field", "an unknown field");
	refused("/api/tariffs",
	    "{\"name\":\"y\",\"currency\":\"EUR\",\"kind\":\"tou\","
	    "\"content\":{\"per_kwh\":1}}",
	    400, "unknown_field", "flat content for a tou tariff");
	refused("/api/tariffs", TOU("[" P("[1]", "25:00", "26:00") "]"), 400,
	    "invalid_field", "time 25:00");
	refused("/api/tariffs", TOU("[" P("[1]", "8:00", "09:00") "]"), 400,
	    "invalid_field", "time 8:00");
	refused("/api/tariffs", TOU("[" P("[1]", "08:60", "09:00") "]"), 400,
	    "invalid_field", "time 08:60");
	refused("/api/tariffs", TOU("[" P("[1]", "24:00", "24:00") "]"), 400,
	    "invalid_field", "from 24:00");
	refused("/api/tariffs", TOU("[" P("[1]", "10:00", "09:00") "]"), 422,
	    "invalid_period", "from after to");
	refused("/api/tariffs", TOU("[" P("[1]", "10:00", "10:00") "]"), 422,
	    "invalid_period", "from equal to to");
	refused("/api/tariffs", TOU("[" P("[0]", "10:00", "11:00") "]"), 400,
	    "invalid_field", "weekday 0");
	refused("/api/tariffs", TOU("[" P("[8]", "10:00", "11:00") "]"), 400,
	    "invalid_field", "weekday 8");
	refused("/api/tariffs", TOU("[" P("[1,1]", "10:00", "11:00") "]"), 400,
	    "invalid_field", "a weekday twice");
	refused("/api/tariffs", TOU("[" P("[]", "10:00", "11:00") "]"), 400,
	    "invalid_field", "no weekdays");
	refused("/api/tariffs", TOU("[" P("[\"Mon\"]", "10:00", "11:00") "]"),
	    400, "invalid_field", "a weekday name");
	refused("/api/tariffs", TOU("[]"), 400, "invalid_field", "no periods");
	refused("/api/tariffs", TOU("[42]"), 400, "invalid_field",
	    "a period that is not an object");
	refused("/api/tariffs",
	    TOU("[{\"days\":[1],\"from\":\"10:00\",\"to\":\"11:00\"}]"), 400,
	    "missing_field", "a period without per_kwh");
	refused("/api/tariffs",
	    "{\"name\":\"x\",\"currency\":\"EUR\",\"kind\":\"tou\","
	    "\"content\":{\"periods\":[" P("[1]", "10:00", "11:00") "]}}",
	    400, "missing_field", "tou without default_per_kwh");

	/* Overlaps name both windows. */
	http_post_json(&r, "/api/tariffs", token,
	    TOU("[" P("[1,2]", "08:00", "12:00") "," P(
		"[3]", "09:00", "10:00") "," P("[2,6]", "11:00", "13:00") "]"));
	is_int(r.status, 422, "overlapping windows are 422");
	is_str(
	    resp_error_code(&r), "overlapping_periods", "overlapping_periods");
	m = json_string_value(
	    json_object_get(json_object_get(r.json, "error"), "message"));
	ok(m != NULL && strstr(m, "periods[0] (Tue 08:00-12:00)") != NULL &&
		strstr(m, "periods[2] (Tue 11:00-13:00)") != NULL,
	    "the message names the two windows and the day");
	if (m != NULL)
		printf("# %s\n", m);
	resp_free(&r);
	ok(!listed("/api/tariffs", NO_SUCH) && list_count("/api/tariffs") >= 0,
	    "list still answers");
	refused("/api/tariffs",
	    TOU("[" P("[1]", "00:00", "24:00") "," P(
		"[1]", "23:59", "24:00") "]"),
	    422, "overlapping_periods", "a window inside a whole day");

	/* Ids. */
	http_get(&r, "/api/tariffs/12345", token);
	is_int(r.status, 400, "GET a malformed id is 400");
	m = json_string_value(
	    json_object_get(json_object_get(r.json, "error"), "message"));
	ok(m != NULL && strstr(m, "tariff id") != NULL,
	    "the message names the tariff id");
	resp_free(&r);
	http_put_json(
	    &r, "/api/tariffs/12345", token, FLAT("x", "{\"per_kwh\":1}"));
	is_int(r.status, 400, "PUT a malformed id is 400");
	resp_free(&r);
	http_delete(&r, "/api/tariffs/12345");
	is_int(r.status, 400, "DELETE a malformed id is 400");
	resp_free(&r);
	http_get(&r, "/api/tariffs/" NO_SUCH, token);
	is_int(r.status, 404, "GET an unknown id is 404");
	resp_free(&r);
	http_put_json(&r, "/api/tariffs/" NO_SUCH, token,
	    FLAT("it-none", "{\"per_kwh\":1}"));
	is_int(r.status, 404, "PUT an unknown id is 404");
	resp_free(&r);
	http_delete(&r, "/api/tariffs/" NO_SUCH);
	is_int(r.status, 404, "DELETE an unknown id is 404");
	resp_free(&r);
	http_get(&r, "/api/tariffs", NULL);
	is_int(r.status, 401, "no token is 401");
	resp_free(&r);

	not_ours("/api/tariffs", OTHER_TARIFF, "tariff",
	    FLAT("it-stolen", "{\"per_kwh\":1}"),
	    "SELECT name, content->>'per_kwh' FROM tariffs WHERE id = "
	    "'" OTHER_TARIFF "'",
	    "Their tariff|0.5\n");
}

static void
t_tesla_tariff(void)
{
	char url[256];
	struct sbuf out = SBUF_INIT(1 << 16);
	struct resp r;

	ok(listed("/api/tariffs", TESLA_TARIFF), "Tesla's tariff is listed");
	snprintf(url, sizeof(url), "/api/tariffs/%s", TESLA_TARIFF);
	http_get(&r, url, token);
	is_str(json_string_value(json_object_get(r.json, "source")), "tesla",
	    "with source tesla");
	resp_free(&r);
	http_put_json(&r, url, token, FLAT("it-mine-now", "{\"per_kwh\":1}"));
	is_int(r.status, 409, "PUT of Tesla's tariff is 409");
	is_str(resp_error_code(&r), "read_only", "read_only");
	ok(strstr(r.body.buf, "imported from Tesla") != NULL,
	    "the message says why");
	resp_free(&r);
	http_delete(&r, url);
	is_int(r.status, 409, "DELETE of Tesla's tariff is 409");
	is_str(resp_error_code(&r), "read_only", "read_only");
	resp_free(&r);
	psql(&out,
	    "SELECT name, kind FROM tariffs WHERE id = '" TESLA_TARIFF "'");
	is_str(out.buf, "it-tesla|tou\n", "it is untouched");
	http_put_json(&r, url, token, FLAT("it-mine-now", "{\"per_kwh\":-1}"));
	is_int(r.status, 400, "a bad body is still 400 first");
	resp_free(&r);
	sbuf_release(&out);
}

static void
t_tariff_in_use(void)
{
	char tid[37], pid[37], body[512], url[256];
	struct resp r;

	create("/api/tariffs", FLAT("it-home-rate", "{\"per_kwh\":0.2}"), tid);
	ok(is_uuid(tid), "a tariff");
	snprintf(body, sizeof(body),
	    PLACE("it-cottage", ",\"tariff_id\":\"%s\""), tid);
	http_post_json(&r, "/api/places", token, body);
	is_int(r.status, 201, "a place using it");
	is_str(json_string_value(json_object_get(r.json, "tariff_id")), tid,
	    "with its tariff_id");
	snprintf(pid, sizeof(pid), "%s",
	    json_string_value(json_object_get(r.json, "id")) ?: "");
	resp_free(&r);

	snprintf(url, sizeof(url), "/api/tariffs/%s", tid);
	http_delete(&r, url);
	is_int(r.status, 204, "the tariff in use can be deleted");
	resp_free(&r);
	snprintf(url, sizeof(url), "/api/places/%s", pid);
	http_get(&r, url, token);
	is_int(r.status, 200, "the place stays");
	ok(json_is_null(json_object_get(r.json, "tariff_id")),
	    "with tariff_id null (ON DELETE SET NULL)");
	resp_free(&r);

	snprintf(body, sizeof(body),
	    PLACE("it-cottage", ",\"tariff_id\":\"%s\""), tid);
	http_put_json(&r, url, token, body);
	is_int(r.status, 422, "the deleted tariff cannot be set again");
	is_str(resp_error_code(&r), "unknown_tariff", "unknown_tariff");
	resp_free(&r);
}

static const struct tap_test tests[] = {
	TAP(t_places_good),
	TAP(t_places_bad),
	TAP(t_tariffs_good),
	TAP(t_tariffs_bad),
	TAP(t_tesla_tariff),
	TAP(t_tariff_in_use),
};

int
main(void)
{
	struct sbuf out = SBUF_INIT(1 << 16);

	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* Hundreds of requests: each waits its turn at nginx (limit_req). */
	client_pace_us = 25 * 1000;
	login(token, sizeof(token));
	/* Rows of another account, and a tariff imported from Tesla. */
	psql(&out,
	    "INSERT INTO tariffs (id, account_id, name, currency, kind, "
	    "content) VALUES ('" OTHER_TARIFF "', '" OTHER "', 'Their tariff', "
	    "'EUR', 'flat', '{\"per_kwh\": 0.5}') ON CONFLICT DO NOTHING; "
	    "INSERT INTO places (id, account_id, name, latitude, longitude) "
	    "VALUES ('" OTHER_PLACE "', '" OTHER "', 'Theirs', 1, 2) "
	    "ON CONFLICT DO NOTHING; "
	    "INSERT INTO tariffs (id, account_id, name, currency, kind, "
	    "content, source) SELECT '" TESLA_TARIFF "', id, 'it-tesla', "
	    "'USD', 'tou', '{\"version\": 1}', 'tesla' FROM accounts "
	    "WHERE username = 'admin' ON CONFLICT DO NOTHING");
	sbuf_release(&out);
	return tap_run(tests, nitems(tests));
}
