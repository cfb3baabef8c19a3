/* Unit tests for lib/util.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#include "../tap.h"

/* Copies s into buf (n bytes) with non-printable bytes as '?', for TAP. */
static const char *
vis(const char *s, char *buf, size_t n)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < n; i++)
		buf[i] = s[i] >= ' ' && s[i] <= '~' ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static void
t_is_uuid(void)
{
	static const struct {
		const char *s;
		int want;
	} cases[] = {
		{ "123e4567-e89b-12d3-a456-426614174000", 1 },
		{ "00000000-0000-0000-0000-000000000000", 1 },
		{ "123E4567-E89B-12D3-A456-426614174000", 1 },
		{ "123e4567-E89b-12d3-a456-42661417400F", 1 },
		{ "", 0 },
		{ "123e4567-e89b-12d3-a456-42661417400", 0 },
		{ "123e4567-e89b-12d3-a456-4266141740000", 0 },
		{ "123e4567e89b12d3a456426614174000", 0 },
		{ "123e4567-e89b-12d3-a456_426614174000", 0 },
		{ "123e456-7e89b-12d3-a456-426614174000", 0 },
		{ "123e4567-e89b-12d3-a456-42661417400g", 0 },
		{ "{23e4567-e89b-12d3-a456-426614174000", 0 },
		{ " 123e4567-e89b-12d3-a456-426614174000", 0 },
		{ "123e4567-e89b-12d3-a456-426614174000\n", 0 },
		{ "123e4567-e89b-12d3-a456-426614174000}", 0 },
		{ "123e4567-e89b-12d3-a456--26614174000", 0 },
		{ "------------------------------------", 0 },
	};
	size_t i;
	char msg[96], v[48];

	for (i = 0; i < nitems(cases); i++) {
		snprintf(msg, sizeof(msg), "is_uuid(\"%s\")",
		    vis(cases[i].s, v, sizeof(v)));
		is_int(is_uuid(cases[i].s), cases[i].want, msg);
	}
	is_int(is_uuid(NULL), 0, "is_uuid(NULL)");
}

static void
t_hex_decode(void)
{
	static const struct {
		const char *s;
		size_t n;
		int want;
		uint8_t bytes[4];
	} cases[] = {
		{ "00ff10ab", 4, 0, { 0x00, 0xff, 0x10, 0xab } },
		{ "00FF10AB", 4, 0, { 0x00, 0xff, 0x10, 0xab } },
		{ "7f", 1, 0, { 0x7f } },
		{ "", 0, 0, { 0 } },
		{ "abc", 2, -1, { 0 } },
		{ "aabbcc", 2, -1, { 0 } },
		{ "aa", 2, -1, { 0 } },
		{ "", 1, -1, { 0 } },
		{ "zz", 1, -1, { 0 } },
		{ "0g", 1, -1, { 0 } },
		{ "0x", 1, -1, { 0 } },
		{ " a", 1, -1, { 0 } },
		{ "a ", 1, -1, { 0 } },
		{ "-1", 1, -1, { 0 } },
		{ "aabbcc\xc3\xa9", 4, -1, { 0 } },
	};
	uint8_t out[4];
	size_t i;
	char msg[96], v[48];
	int rc;

	for (i = 0; i < nitems(cases); i++) {
		memset(out, 0x5a, sizeof(out));
		rc = hex_decode(cases[i].s, out, cases[i].n);
		snprintf(msg, sizeof(msg), "hex_decode(\"%s\", %zu)",
		    vis(cases[i].s, v, sizeof(v)), cases[i].n);
		is_int(rc, cases[i].want, msg);
		if (rc == 0)
			ok(memcmp(out, cases[i].bytes, cases[i].n) == 0,
			    "decoded bytes");
		else
			ok(out[0] == 0x5a, "out untouched on failure");
	}
	is_int(hex_decode(NULL, out, 1), -1, "hex_decode(NULL)");
}

static void
t_hex_encode(void)
{
	static const uint8_t in[] = { 0x00, 0xab, 0xff, 0x10, 0x09 };
	uint8_t back[sizeof(in)];
	char out[2 * sizeof(in) + 1];

	hex_encode(in, sizeof(in), out);
	is_str(out, "00abff1009", "hex_encode lowercase");
	ok(hex_decode(out, back, sizeof(back)) == 0 &&
		memcmp(back, in, sizeof(in)) == 0,
	    "hex round trip");
	hex_encode(in, 0, out);
	is_str(out, "", "hex_encode of nothing");
}

static void
t_b64url_vectors(void)
{
	/* RFC 4648 §10, plus the two characters that differ from base64. */
	static const struct {
		const char *raw;
		const char *enc;
	} cases[] = {
		{ "", "" },
		{ "f", "Zg" },
		{ "fo", "Zm8" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg" },
		{ "fooba", "Zm9vYmE" },
		{ "foobar", "Zm9vYmFy" },
		{ "\xfb\xff\xbf", "-_-_" },
		{ "\xfb\xf0", "-_A" },
	};
	char enc[32], msg[64], v[32];
	uint8_t dec[32];
	size_t i, len;
	int n;

	for (i = 0; i < nitems(cases); i++) {
		len = strlen(cases[i].raw);
		n = b64url_encode(
		    (const uint8_t *)cases[i].raw, len, enc, sizeof(enc));
		snprintf(msg, sizeof(msg), "encode \"%s\"",
		    vis(cases[i].enc, v, sizeof(v)));
		is_int(n, strlen(cases[i].enc), msg);
		is_str(enc, cases[i].enc, msg);
		n = b64url_decode(cases[i].enc, dec, sizeof(dec));
		snprintf(msg, sizeof(msg), "decode \"%s\"",
		    vis(cases[i].enc, v, sizeof(v)));
		is_int(n, len, msg);
		ok(n >= 0 && memcmp(dec, cases[i].raw, len) == 0, msg);
	}
}

static void
t_b64url_round_trip(void)
{
	uint8_t in[256], dec[256];
	char enc[4 * 256 / 3 + 4];
	size_t n;
	int bad = 0, len;

	if (random_bytes(in, sizeof(in)) == -1)
		bad++;
	for (n = 0; n <= sizeof(in); n++) {
		len = b64url_encode(in, n, enc, sizeof(enc));
		if (len < 0 || (size_t)len != (4 * n + 2) / 3 ||
		    strlen(enc) != (size_t)len)
			bad++;
		else if (b64url_decode(enc, dec, sizeof(dec)) != (int)n ||
		    memcmp(dec, in, n) != 0)
			bad++;
	}
	is_int(bad, 0, "random round trips of 0..256 bytes");
}

static void
t_b64url_bad(void)
{
	static const struct {
		const char *in;
		size_t outlen;
	} cases[] = {
		{ "Zg==", 16 },
		{ "Zm8=", 16 },
		{ "Z", 16 },
		{ "Zm9vY", 16 },
		{ "Zh", 16 },
		{ "Zm9", 16 },
		{ "Zm9v+w", 16 },
		{ "Zm9/", 16 },
		{ "Zm 9v", 16 },
		{ "Zm9v\n", 16 },
		{ "Zm9v.", 16 },
		{ "Zm9v\xc3\xa9", 16 },
		{ "Zm9vYmFy", 5 },
		{ "Zg", 0 },
	};
	uint8_t out[16];
	size_t i;
	char msg[64], v[32];

	for (i = 0; i < nitems(cases); i++) {
		snprintf(msg, sizeof(msg), "decode refuses \"%s\" (outlen %zu)",
		    vis(cases[i].in, v, sizeof(v)), cases[i].outlen);
		is_int(
		    b64url_decode(cases[i].in, out, cases[i].outlen), -1, msg);
	}
	is_int(b64url_decode(NULL, out, sizeof(out)), -1, "decode NULL");
	is_int(b64url_decode("Zm9vYmFy", out, 6), 6, "decode exact fit");
}

static void
t_b64url_encode_outlen(void)
{
	static const uint8_t in[] = "foob";
	char out[8];

	is_int(b64url_encode(in, 4, out, 6), -1, "encode needs room for NUL");
	is_int(b64url_encode(in, 4, out, 7), 6, "encode exact fit");
	is_str(out, "Zm9vYg", "encode exact fit output");
	is_int(b64url_encode(in, 0, out, 1), 0, "encode nothing");
	is_int(b64url_encode(in, 0, out, 0), -1, "encode into nothing");
}

static void
t_random_bytes(void)
{
	uint8_t a[32], b[32];

	is_int(random_bytes(a, sizeof(a)), 0, "random_bytes a");
	is_int(random_bytes(b, sizeof(b)), 0, "random_bytes b");
	ok(memcmp(a, b, sizeof(a)) != 0, "two draws differ");
	is_int(random_bytes(a, 0), 0, "zero bytes");
}

static void
t_time_rfc3339(void)
{
	static const struct {
		long long t;
		size_t outlen;
		const char *want;
	} cases[] = {
		{ 0, 21, "1970-01-01T00:00:00Z" },
		{ 1795482123LL, 21, "2026-11-24T01:02:03Z" },
		{ 951782400LL, 32, "2000-02-29T00:00:00Z" },
		{ -1, 21, "1969-12-31T23:59:59Z" },
		{ 253402300799LL, 21, "9999-12-31T23:59:59Z" },
		{ -62167219200LL, 21, "0000-01-01T00:00:00Z" },
		{ 253402300800LL, 32, "" },
		{ -62167219201LL, 32, "" },
		{ 0, 20, "" },
		{ 0, 1, "" },
	};
	char out[32], msg[64];
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		memset(out, 'x', sizeof(out));
		time_rfc3339(cases[i].t, out, cases[i].outlen);
		snprintf(msg, sizeof(msg), "time_rfc3339(%lld, %zu)",
		    cases[i].t, cases[i].outlen);
		is_str(out, cases[i].want, msg);
	}
	memset(out, 'x', sizeof(out));
	time_rfc3339(0, out, 0);
	ok(out[0] == 'x', "outlen 0 writes nothing");

	/* The whole range against gmtime_r, in uneven steps. */
	{
		long long t, bad = 0, n = 0;
		char want[80];
		struct tm tm;

		for (t = -62167219200LL; t <= 253402300799LL;
		     t += 86400LL * 3 + 3607, n++) {
			time_t tt = (time_t)t;

			gmtime_r(&tt, &tm);
			snprintf(want, sizeof(want),
			    "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			    tm.tm_sec);
			time_rfc3339(t, out, sizeof(out));
			if (strcmp(out, want) != 0 && bad++ < 3)
				printf(
				    "#   %lld: %s, gmtime %s\n", t, out, want);
		}
		ok(n > 1000000 && bad == 0,
		    "years 0000-9999 as gmtime_r has them, every 3 days");
	}
}

static void
t_ct_memcmp(void)
{
	static const uint8_t a[] = { 1, 2, 3, 4 }, b[] = { 1, 2, 3, 5 };

	is_int(ct_memcmp(a, a, sizeof(a)), 0, "equal");
	ok(ct_memcmp(a, b, sizeof(a)) != 0, "last byte differs");
	ok(ct_memcmp(b, a, sizeof(a)) != 0, "differs, other order");
	is_int(ct_memcmp(a, b, 3), 0, "equal prefix");
	is_int(ct_memcmp(a, b, 0), 0, "zero length");
}

static const struct tap_test tests[] = {
	TAP(t_is_uuid),
	TAP(t_hex_decode),
	TAP(t_hex_encode),
	TAP(t_b64url_vectors),
	TAP(t_b64url_round_trip),
	TAP(t_b64url_bad),
	TAP(t_b64url_encode_outlen),
	TAP(t_random_bytes),
	TAP(t_time_rfc3339),
	TAP(t_ct_memcmp),
};

int
main(void)
{
	return tap_run(tests, nitems(tests));
}
