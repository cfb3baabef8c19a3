/*
 * Unit tests for lib/db.c's JSON writers, over results made with libpq's
 * PQmakeEmptyPGresult() / PQsetResultAttrs() / PQsetvalue(): no server.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "db.h"
#include "sbuf.h"
#include "util.h"

#include "../tap.h"

/* A column of a made result: name, type OID. */
struct col {
	const char *name;
	Oid type;
};

/*
 * A result of ncols columns and nrows rows whose values are vals, row by
 * row (NULL for SQL NULL); the caller PQclear()s it.
 */
static PGresult *
make_result(
    const struct col *cols, int ncols, const char *const *vals, int nrows)
{
	PGresAttDesc att[16];
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	int i, c;

	if (res == NULL || ncols > (int)nitems(att))
		return res;
	memset(att, 0, sizeof(att));
	for (c = 0; c < ncols; c++) {
		att[c].name = (char *)cols[c].name;
		att[c].typid = cols[c].type;
		att[c].typlen = -1;
		att[c].atttypmod = -1;
	}
	if (!PQsetResultAttrs(res, ncols, att))
		return res;
	for (i = 0; i < nrows; i++)
		for (c = 0; c < ncols; c++) {
			const char *v = vals[i * ncols + c];

			PQsetvalue(res, i, c, (char *)v,
			    v == NULL ? -1 : (int)strlen(v));
		}
	return res;
}

/* db_rows_json() of res from column c0, as a new string (or NULL). */
static char *
rows_json(const PGresult *res, int c0, size_t cap)
{
	struct sbuf sb = SBUF_INIT(cap);

	if (db_rows_json(&sb, res, c0) != 0) {
		sbuf_release(&sb);
		return NULL;
	}
	return sbuf_detach(&sb, NULL);
}

static void
t_types(void)
{
	static const struct col cols[] = {
		{ "tz", 25 },
		{ "b", 16 },
		{ "i8", 20 },
		{ "i2", 21 },
		{ "i4", 23 },
		{ "f4", 700 },
		{ "f8", 701 },
		{ "num", 1700 },
		{ "j", 114 },
		{ "jb", 3802 },
		{ "d", 1082 },
		{ "ts", 1184 },
		{ "t", 25 },
	};
	static const char *const vals[] = {
		"Europe/Berlin",
		"t",
		"-9223372036854775808",
		"-32768",
		"42",
		"0.9",
		"1.5e-07",
		"12.30",
		"{\"a\": [1, 2]}",
		"{\"b\": null}",
		"2026-03-29",
		"2026-03-29 01:00:00+00",
		"plain",
		/* Row 2. */
		"x",
		"f",
		"0",
		"7",
		"-1",
		"NaN",
		"Infinity",
		"NaN",
		"[]",
		"1",
		"0001-01-01",
		"2026-10-25 01:00:00+00",
		"",
		/* Row 3: NULLs and the other non-finite values. */
		"x",
		NULL,
		NULL,
		NULL,
		NULL,
		"-Infinity",
		"-Infinity",
		"Infinity",
		NULL,
		NULL,
		NULL,
		NULL,
		NULL,
	};
	PGresult *res = make_result(cols, nitems(cols), vals, 3);
	char *got;

	got = rows_json(res, 1, 1 << 20);
	is_str(got,
	    "[{\"b\":true,\"i8\":-9223372036854775808,\"i2\":-32768,"
	    "\"i4\":42,\"f4\":0.9,\"f8\":1.5e-07,\"num\":12.30,"
	    "\"j\":{\"a\": [1, 2]},\"jb\":{\"b\": null},\"d\":\"2026-03-29\","
	    "\"ts\":\"2026-03-29 01:00:00+00\",\"t\":\"plain\"},"
	    "{\"b\":false,\"i8\":0,\"i2\":7,\"i4\":-1,\"f4\":null,"
	    "\"f8\":null,\"num\":null,\"j\":[],\"jb\":1,\"d\":\"0001-01-01\","
	    "\"ts\":\"2026-10-25 01:00:00+00\",\"t\":\"\"},"
	    "{\"b\":null,\"i8\":null,\"i2\":null,\"i4\":null,\"f4\":null,"
	    "\"f8\":null,\"num\":null,\"j\":null,\"jb\":null,\"d\":null,"
	    "\"ts\":null,\"t\":null}]",
	    "every type, NULLs and non-finite numbers, from column 1");
	free(got);

	got = rows_json(res, 0, 1 << 20);
	ok(got != NULL &&
		strncmp(got, "[{\"tz\":\"Europe/Berlin\",\"b\":", 26) == 0,
	    "from column 0: the zone comes first");
	free(got);
	got = rows_json(res, nitems(cols), 1 << 20);
	is_str(got, "[{},{},{}]", "no columns: empty objects");
	free(got);
	got = rows_json(res, 1, 100);
	ok(got == NULL, "over the cap: -1");
	free(got);
	PQclear(res);
}

static void
t_escapes(void)
{
	static const struct col cols[] = { { "s", 25 },
		{ "q\"k\\ey\n", 1043 } };
	static const char *const vals[] = {
		"a\"b\\c/d",
		"\x01\x1f\t\n\r\x7f",
		"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x8b",
		"end\"",
	};
	PGresult *res = make_result(cols, nitems(cols), vals, 2);
	json_t *v, *row;
	char *got;

	got = rows_json(res, 0, 1 << 20);
	is_str(got,
	    "[{\"s\":\"a\\\"b\\\\c/d\",\"q\\\"k\\\\ey\\u000a\":"
	    "\"\\u0001\\u001f\\u0009\\u000a\\u000d\x7f\"},"
	    "{\"s\":\"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x8b\","
	    "\"q\\\"k\\\\ey\\u000a\":\"end\\\"\"}]",
	    "quotes, backslashes, control characters; UTF-8 as it is");
	/* And a JSON parser reads back the very strings. */
	v = got ? json_loads(got, 0, NULL) : NULL;
	row = json_array_get(v, 0);
	is_str(json_string_value(json_object_get(row, "s")), "a\"b\\c/d",
	    "parses back: s");
	is_str(json_string_value(json_object_get(row, "q\"k\\ey\n")),
	    "\x01\x1f\t\n\r\x7f", "parses back: the odd key");
	row = json_array_get(v, 1);
	is_str(json_string_value(json_object_get(row, "s")),
	    "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x8b",
	    "parses back: UTF-8");
	json_decref(v);
	free(got);
	PQclear(res);
}

static void
t_empty(void)
{
	static const struct col cols[] = { { "a", 23 } };
	PGresult *res = make_result(cols, nitems(cols), NULL, 0);
	struct sbuf sb = SBUF_INIT(1 << 10);
	char *got;

	got = rows_json(res, 0, 1 << 20);
	is_str(got, "[]", "no rows: []");
	free(got);
	sbuf_adds(&sb, "{\"data\":");
	is_int(db_rows_json(&sb, res, 0), 0, "appends to what is there");
	sbuf_adds(&sb, "}");
	is_str(sb.buf, "{\"data\":[]}", "after the head");
	sbuf_release(&sb);
	PQclear(res);

	sbuf_init(&sb, 1 << 10);
	is_int(db_json_str(&sb, "zone\"x", 6), 0, "db_json_str");
	is_str(sb.buf, "\"zone\\\"x\"", "a string escaped");
	sbuf_reset(&sb);
	db_json_str(&sb, "a\0b", 3);
	is_str(sb.buf, "\"a\\u0000b\"", "a NUL byte escaped, len honoured");
	ok(sb.len == 10, "all ten bytes");
	sbuf_release(&sb);
}

static const struct tap_test tests[] = {
	TAP(t_types),
	TAP(t_escapes),
	TAP(t_empty),
};

int
main(void)
{
	return tap_run(tests, nitems(tests));
}
