/* Unit tests for lib/auth.c: JWT issue/verify and password hashing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"
#include "util.h"

#include "../tap.h"

#define NOW ((time_t)1800000000)

static const char secret[] = "0123456789abcdef0123456789abcdef";
static const char other_secret[] = "0123456789abcdef0123456789abcdeF";
#define SECRET ((const uint8_t *)secret)
#define SECRET_LEN (sizeof(secret) - 1)

enum sign {
	SIGN_HS256, /* HMAC-SHA256 under the secret given */
	SIGN_HS384, /* HMAC-SHA384 under the secret given */
	SIGN_JUNK, /* 256 base64url bytes that sign nothing */
	SIGN_NONE /* empty signature, as for alg "none" */
};

/*
 * Builds "b64(header).b64(payload).sig" by hand, signing with key when
 * asked.  Returns a malloc'd token (caller frees) or NULL.
 */
static char *
craft(const char *header, const char *payload, enum sign how, const char *key)
{
	uint8_t mac[EVP_MAX_MD_SIZE], junk[256];
	const uint8_t *sig = NULL;
	unsigned int maclen = 0;
	size_t hlen = strlen(header), plen = strlen(payload), cap, siglen = 0;
	char *tok;
	int n, m;

	cap = 4 * (hlen + plen + sizeof(junk)) / 3 + 16;
	if ((tok = malloc(cap)) == NULL)
		return NULL;
	if ((n = b64url_encode((const uint8_t *)header, hlen, tok, cap)) < 0)
		goto fail;
	tok[n++] = '.';
	if ((m = b64url_encode(
		 (const uint8_t *)payload, plen, tok + n, cap - (size_t)n)) < 0)
		goto fail;
	n += m;
	switch (how) {
	case SIGN_HS256:
	case SIGN_HS384:
		if (HMAC(how == SIGN_HS256 ? EVP_sha256() : EVP_sha384(), key,
			(int)strlen(key), (const uint8_t *)tok, (size_t)n, mac,
			&maclen) == NULL)
			goto fail;
		sig = mac;
		siglen = maclen;
		break;
	case SIGN_JUNK:
		memset(junk, 0xa5, sizeof(junk));
		sig = junk;
		siglen = sizeof(junk);
		break;
	case SIGN_NONE:
		break;
	}
	tok[n++] = '.';
	if (b64url_encode(sig, siglen, tok + n, cap - (size_t)n) < 0)
		goto fail;
	return tok;
fail:
	free(tok);
	return NULL;
}

/* Verifies tok (which may be NULL: then "setup" fails) at NOW. */
static void
check_verify(const char *tok, enum jwt_status want, const char *what)
{
	char sub[JWT_SUB_MAX + 1], msg[128];
	enum jwt_status st;

	snprintf(msg, sizeof(msg), "%s: %s", what, jwt_status_str(want));
	if (tok == NULL) {
		ok(0, msg);
		printf("#   could not build the token\n");
		return;
	}
	st = jwt_verify(SECRET, SECRET_LEN, tok, NOW, sub, sizeof(sub));
	if (!ok(st == want, msg))
		printf("#   got %s\n", jwt_status_str(st));
}

static void
t_issue_verify(void)
{
	char *tok = NULL, sub[JWT_SUB_MAX + 1], small[4];
	time_t exp = 0;

	is_int(jwt_issue(SECRET, SECRET_LEN, "user-42", NOW, 3600, &tok, &exp),
	    0, "issue");
	if (!ok(tok != NULL, "token returned"))
		return;
	is_int(exp, NOW + 3600, "exp = now + ttl");
	is_int(jwt_verify(SECRET, SECRET_LEN, tok, NOW, sub, sizeof(sub)),
	    JWT_OK, "verify at issue time");
	is_str(sub, "user-42", "subject copied");
	is_int(
	    jwt_verify(SECRET, SECRET_LEN, tok, NOW + 3599, sub, sizeof(sub)),
	    JWT_OK, "verify 1 s before exp");
	is_int(
	    jwt_verify(SECRET, SECRET_LEN, tok, NOW + 3600, sub, sizeof(sub)),
	    JWT_EXPIRED, "verify at exp");
	is_int(
	    jwt_verify(SECRET, SECRET_LEN, tok, NOW + 86400, sub, sizeof(sub)),
	    JWT_EXPIRED, "verify a day later");
	is_int(jwt_verify(SECRET, SECRET_LEN, tok, NOW - 60, sub, sizeof(sub)),
	    JWT_OK, "iat 60 s ahead is within the leeway");
	is_int(jwt_verify(SECRET, SECRET_LEN, tok, NOW - 61, sub, sizeof(sub)),
	    JWT_NOT_YET, "iat 61 s ahead");
	is_int(jwt_verify((const uint8_t *)other_secret, SECRET_LEN, tok, NOW,
		   sub, sizeof(sub)),
	    JWT_BAD_SIG, "other secret");
	is_int(jwt_verify(SECRET, SECRET_LEN, tok, NOW, NULL, 0), JWT_OK,
	    "sub may be NULL");
	is_int(jwt_verify(SECRET, SECRET_LEN, tok, NOW, small, sizeof(small)),
	    JWT_ERROR, "sub buffer too small");
	free(tok);
}

/* The header of an issued token says exactly HS256. */
static void
t_issued_header(void)
{
	char *tok = NULL, *dot;
	uint8_t raw[256];
	json_t *h = NULL;
	time_t exp;
	int n;

	if (jwt_issue(SECRET, SECRET_LEN, "u", NOW, 60, &tok, &exp) != 0 ||
	    (dot = strchr(tok, '.')) == NULL) {
		ok(0, "setup");
		free(tok);
		return;
	}
	*dot = '\0';
	n = b64url_decode(tok, raw, sizeof(raw));
	if (n > 0)
		h = json_loadb((const char *)raw, (size_t)n, 0, NULL);
	is_str(json_string_value(json_object_get(h, "alg")), "HS256",
	    "issued alg is HS256");
	json_decref(h);
	free(tok);
}

static void
t_issue_refused(void)
{
	static const char sub64[] = "0123456789012345678901234567890123456789"
				    "012345678901234567890123";
	static const char sub65[] = "0123456789012345678901234567890123456789"
				    "0123456789012345678901234";
	static const struct {
		const char *what;
		const char *secret;
		size_t secret_len;
		const char *sub;
		long ttl;
		int want;
	} cases[] = {
		{ "secret of 31 bytes", secret, 31, "u", 60, -1 },
		{ "empty secret", secret, 0, "u", 60, -1 },
		{ "NULL secret", NULL, 32, "u", 60, -1 },
		{ "secret of 32 bytes", secret, 32, "u", 60, 0 },
		{ "NULL sub", secret, 32, NULL, 60, -1 },
		{ "empty sub", secret, 32, "", 60, -1 },
		{ "sub of 64 bytes", secret, 32, sub64, 60, 0 },
		{ "sub of 65 bytes", secret, 32, sub65, 60, -1 },
		{ "ttl 0", secret, 32, "u", 0, -1 },
		{ "negative ttl", secret, 32, "u", -60, -1 },
	};
	char *tok, sub[JWT_SUB_MAX + 1], msg[64];
	time_t exp;
	size_t i;
	int rc;

	for (i = 0; i < nitems(cases); i++) {
		tok = NULL;
		rc = jwt_issue((const uint8_t *)cases[i].secret,
		    cases[i].secret_len, cases[i].sub, NOW, cases[i].ttl, &tok,
		    &exp);
		snprintf(msg, sizeof(msg), "issue with %s", cases[i].what);
		is_int(rc, cases[i].want, msg);
		if (rc == 0)
			is_int(jwt_verify((const uint8_t *)cases[i].secret,
				   cases[i].secret_len, tok, NOW, sub,
				   sizeof(sub)),
			    JWT_OK, "and it verifies");
		else
			ok(tok == NULL, "no token");
		free(tok);
	}
	is_int(jwt_issue(SECRET, SECRET_LEN, "u", NOW, 60, NULL, &exp), -1,
	    "issue without token pointer");
}

static void
t_verify_short_secret(void)
{
	char *tok = NULL, sub[JWT_SUB_MAX + 1];
	time_t exp;

	/* Signed by hand with a 31-byte key: libjwt alone would take it. */
	tok = craft("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
	    "{\"iss\":\"tessie-stats\",\"sub\":\"u\",\"exp\":1900000000}",
	    SIGN_HS256, "0123456789abcdef0123456789abcde");
	ok(tok != NULL, "token built");
	is_int(jwt_verify(SECRET, 31, tok, NOW, sub, sizeof(sub)), JWT_ERROR,
	    "verify with a 31-byte secret");
	is_int(jwt_verify(SECRET, 0, tok, NOW, sub, sizeof(sub)), JWT_ERROR,
	    "verify with an empty secret");
	is_int(jwt_verify(NULL, 32, tok, NOW, sub, sizeof(sub)), JWT_ERROR,
	    "verify with a NULL secret");
	free(tok);
	if (jwt_issue(SECRET, SECRET_LEN, "u", NOW, 60, &tok, &exp) == 0) {
		is_int(jwt_verify(SECRET, 31, tok, NOW, sub, sizeof(sub)),
		    JWT_ERROR, "good token, secret cut to 31 bytes");
		free(tok);
	}
}

/* Hand-built tokens, each wrong in one way (or right, to check craft()). */
static void
t_crafted(void)
{
#define HDR "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define CLAIMS(x) "{\"iss\":\"tessie-stats\",\"sub\":\"u1\"" x "}"
#define EXP ",\"exp\":1800003600"
	static const struct {
		const char *what;
		const char *header;
		const char *payload;
		enum sign how;
		const char *key;
		enum jwt_status want;
	} cases[] = {
		{ "hand-made good token", HDR,
		    CLAIMS(EXP ",\"iat\":1800000000"), SIGN_HS256, secret,
		    JWT_OK },
		{ "no typ", "{\"alg\":\"HS256\"}", CLAIMS(EXP), SIGN_HS256,
		    secret, JWT_OK },
		/* time claims */
		{ "expired", HDR, CLAIMS(",\"exp\":1799999999"), SIGN_HS256,
		    secret, JWT_EXPIRED },
		{ "exp = now", HDR, CLAIMS(",\"exp\":1800000000"), SIGN_HS256,
		    secret, JWT_EXPIRED },
		{ "exp 0", HDR, CLAIMS(",\"exp\":0"), SIGN_HS256, secret,
		    JWT_EXPIRED },
		{ "exp negative", HDR, CLAIMS(",\"exp\":-1"), SIGN_HS256,
		    secret, JWT_EXPIRED },
		{ "missing exp", HDR, CLAIMS(""), SIGN_HS256, secret,
		    JWT_EXPIRED },
		{ "exp as string", HDR, CLAIMS(",\"exp\":\"1800003600\""),
		    SIGN_HS256, secret, JWT_BAD_CLAIMS },
		{ "exp as real", HDR, CLAIMS(",\"exp\":1800003600.5"),
		    SIGN_HS256, secret, JWT_BAD_CLAIMS },
		{ "exp null", HDR, CLAIMS(",\"exp\":null"), SIGN_HS256, secret,
		    JWT_BAD_CLAIMS },
		{ "nbf an hour ahead", HDR, CLAIMS(EXP ",\"nbf\":1800003600"),
		    SIGN_HS256, secret, JWT_NOT_YET },
		{ "nbf 61 s ahead", HDR, CLAIMS(EXP ",\"nbf\":1800000061"),
		    SIGN_HS256, secret, JWT_NOT_YET },
		{ "nbf 60 s ahead", HDR, CLAIMS(EXP ",\"nbf\":1800000060"),
		    SIGN_HS256, secret, JWT_OK },
		{ "nbf past", HDR, CLAIMS(EXP ",\"nbf\":1700000000"),
		    SIGN_HS256, secret, JWT_OK },
		{ "nbf as string", HDR, CLAIMS(EXP ",\"nbf\":\"later\""),
		    SIGN_HS256, secret, JWT_BAD_CLAIMS },
		{ "iat an hour ahead", HDR, CLAIMS(EXP ",\"iat\":1800003600"),
		    SIGN_HS256, secret, JWT_NOT_YET },
		{ "iat as bool", HDR, CLAIMS(EXP ",\"iat\":true"), SIGN_HS256,
		    secret, JWT_BAD_CLAIMS },
		/* iss and sub */
		{ "wrong iss", HDR, "{\"iss\":\"evil\",\"sub\":\"u1\"" EXP "}",
		    SIGN_HS256, secret, JWT_BAD_CLAIMS },
		{ "iss in other case", HDR,
		    "{\"iss\":\"Tessie-Stats\",\"sub\":\"u1\"" EXP "}",
		    SIGN_HS256, secret, JWT_BAD_CLAIMS },
		{ "iss with suffix", HDR,
		    "{\"iss\":\"tessie-stats2\",\"sub\":\"u1\"" EXP "}",
		    SIGN_HS256, secret, JWT_BAD_CLAIMS },
		{ "missing iss", HDR, "{\"sub\":\"u1\"" EXP "}", SIGN_HS256,
		    secret, JWT_BAD_CLAIMS },
		{ "iss as array", HDR,
		    "{\"iss\":[\"tessie-stats\"],\"sub\":\"u1\"" EXP "}",
		    SIGN_HS256, secret, JWT_BAD_CLAIMS },
		{ "missing sub", HDR, "{\"iss\":\"tessie-stats\"" EXP "}",
		    SIGN_HS256, secret, JWT_BAD_CLAIMS },
		{ "empty sub", HDR,
		    "{\"iss\":\"tessie-stats\",\"sub\":\"\"" EXP "}",
		    SIGN_HS256, secret, JWT_BAD_CLAIMS },
		{ "sub as number", HDR,
		    "{\"iss\":\"tessie-stats\",\"sub\":42" EXP "}", SIGN_HS256,
		    secret, JWT_BAD_CLAIMS },
		{ "sub of 65 bytes", HDR,
		    "{\"iss\":\"tessie-stats\",\"sub\":\"01234567890123456789"
		    "012345678901234567890123456789012345678901234\"" EXP "}",
		    SIGN_HS256, secret, JWT_BAD_CLAIMS },
		/* algorithms */
		{ "alg none", "{\"alg\":\"none\",\"typ\":\"JWT\"}", CLAIMS(EXP),
		    SIGN_NONE, NULL, JWT_BAD_ALG },
		{ "alg none, HS256 signature",
		    "{\"alg\":\"none\",\"typ\":\"JWT\"}", CLAIMS(EXP),
		    SIGN_HS256, secret, JWT_BAD_ALG },
		{ "alg HS384 under our secret",
		    "{\"alg\":\"HS384\",\"typ\":\"JWT\"}", CLAIMS(EXP),
		    SIGN_HS384, secret, JWT_BAD_ALG },
		{ "alg RS256", "{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
		    CLAIMS(EXP), SIGN_JUNK, NULL, JWT_BAD_ALG },
		{ "alg hs256 lowercase", "{\"alg\":\"hs256\",\"typ\":\"JWT\"}",
		    CLAIMS(EXP), SIGN_HS256, secret, JWT_BAD_ALG },
		{ "alg Hs256", "{\"alg\":\"Hs256\",\"typ\":\"JWT\"}",
		    CLAIMS(EXP), SIGN_HS256, secret, JWT_BAD_ALG },
		{ "alg \"HS256 \"", "{\"alg\":\"HS256 \"}", CLAIMS(EXP),
		    SIGN_HS256, secret, JWT_BAD_ALG },
		{ "no alg", "{\"typ\":\"JWT\"}", CLAIMS(EXP), SIGN_HS256,
		    secret, JWT_BAD_ALG },
		{ "alg as array", "{\"alg\":[\"HS256\"]}", CLAIMS(EXP),
		    SIGN_HS256, secret, JWT_BAD_ALG },
		{ "crit header", "{\"alg\":\"HS256\",\"crit\":[\"x\"],\"x\":1}",
		    CLAIMS(EXP), SIGN_HS256, secret, JWT_BAD_ALG },
		/* signatures */
		{ "signed with another secret", HDR, CLAIMS(EXP), SIGN_HS256,
		    other_secret, JWT_BAD_SIG },
		{ "junk signature", HDR, CLAIMS(EXP), SIGN_JUNK, NULL,
		    JWT_BAD_SIG },
		{ "empty signature", HDR, CLAIMS(EXP), SIGN_NONE, NULL,
		    JWT_BAD_SIG },
		/* JSON */
		{ "duplicate alg", "{\"alg\":\"none\",\"alg\":\"HS256\"}",
		    CLAIMS(EXP), SIGN_HS256, secret, JWT_MALFORMED },
		{ "duplicate exp", HDR, CLAIMS(",\"exp\":1,\"exp\":1800003600"),
		    SIGN_HS256, secret, JWT_MALFORMED },
		{ "header not JSON", "alg=HS256", CLAIMS(EXP), SIGN_HS256,
		    secret, JWT_MALFORMED },
		{ "header a JSON array", "[\"HS256\"]", CLAIMS(EXP), SIGN_HS256,
		    secret, JWT_MALFORMED },
		{ "payload a JSON array", HDR, "[1,2]", SIGN_HS256, secret,
		    JWT_MALFORMED },
		{ "payload truncated JSON", HDR, "{\"iss\":\"tessie-stats\"",
		    SIGN_HS256, secret, JWT_MALFORMED },
		{ "payload with trailing junk", HDR, CLAIMS(EXP) "x",
		    SIGN_HS256, secret, JWT_MALFORMED },
		{ "empty payload", HDR, "", SIGN_HS256, secret, JWT_MALFORMED },
		{ "NUL inside sub", HDR,
		    "{\"iss\":\"tessie-stats\",\"sub\":\"u\\u0000x\"" EXP "}",
		    SIGN_HS256, secret, JWT_MALFORMED },
	};
	char *tok;
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		tok = craft(cases[i].header, cases[i].payload, cases[i].how,
		    cases[i].key);
		check_verify(tok, cases[i].want, cases[i].what);
		free(tok);
	}
#undef HDR
#undef CLAIMS
#undef EXP
}

/* Tokens broken as strings rather than as JSON. */
static void
t_malformed(void)
{
	static const struct {
		const char *what;
		const char *tok;
		enum jwt_status want;
	} cases[] = {
		{ "empty", "", JWT_MALFORMED },
		{ "one part", "abc", JWT_MALFORMED },
		{ "two parts", "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9",
		    JWT_MALFORMED },
		{ "two parts, trailing dot", "eyJhbGciOiJIUzI1NiJ9.",
		    JWT_MALFORMED },
		{ "garbage base64", "!!!.@@@.###", JWT_MALFORMED },
		{ "only dots", "..", JWT_MALFORMED },
		{ "empty header", ".eyJleHAiOjF9.AAAA", JWT_MALFORMED },
		{ "padded header", "eyJhbGciOiJIUzI1NiJ9==.eyJleHAiOjF9.AAAA",
		    JWT_MALFORMED },
		{ "standard base64 chars", "eyJhbGciOiJIUzI1NiJ9+/.e30.AAAA",
		    JWT_MALFORMED },
		{ "space inside", "eyJhbGciOiJIU zI1NiJ9.e30.AAAA",
		    JWT_MALFORMED },
	};
	char *good = NULL, *bad = NULL, sub[JWT_SUB_MAX + 1], *huge;
	size_t i, len;
	time_t exp;

	for (i = 0; i < nitems(cases); i++)
		check_verify(cases[i].tok, cases[i].want, cases[i].what);
	is_int(jwt_verify(SECRET, SECRET_LEN, NULL, NOW, sub, sizeof(sub)),
	    JWT_MALFORMED, "NULL token");

	if (jwt_issue(SECRET, SECRET_LEN, "u", NOW, 60, &good, &exp) != 0) {
		ok(0, "setup");
		return;
	}
	len = strlen(good);
	if ((bad = malloc(len + 8)) == NULL) {
		ok(0, "setup");
		free(good);
		return;
	}
	snprintf(bad, len + 8, "%s.x", good);
	check_verify(bad, JWT_MALFORMED, "four parts");
	snprintf(bad, len + 8, "%s", good);
	bad[len - 1] = bad[len - 1] == 'A' ? 'B' : 'A';
	check_verify(bad, JWT_BAD_SIG, "last signature char changed");
	bad[len - 1] = '\0';
	check_verify(bad, JWT_BAD_SIG, "signature cut by a char");
	bad[len - 4] = '\0';
	check_verify(bad, JWT_BAD_SIG, "signature cut by 4 chars");
	snprintf(bad, len + 8, "%sAAAA", good);
	check_verify(bad, JWT_BAD_SIG, "signature made longer");
	snprintf(bad, len + 8, "%s", good);
	*strchr(bad, '.') = ',';
	check_verify(bad, JWT_MALFORMED, "first dot replaced");
	free(bad);

	/* A good token padded with whitespace-free junk past 4096 bytes. */
	if ((huge = malloc(8192)) == NULL) {
		ok(0, "setup");
		free(good);
		return;
	}
	memset(huge, 'A', 8191);
	huge[8191] = '\0';
	memcpy(huge, good, len);
	check_verify(huge, JWT_MALFORMED, "8191-byte token");
	huge[4097] = '\0';
	check_verify(huge, JWT_MALFORMED, "4097-byte token");
	free(huge);
	free(good);
}

/* A token of exactly 4096 bytes is still looked at (and verifies). */
static void
t_size_limit(void)
{
	char sub[JWT_SUB_MAX + 1], *payload, *tok;
	size_t fill, len = 0;

	/* Grow a padding claim until the whole token is 4096 bytes. */
	for (fill = 2900; fill < 3200; fill++) {
		if ((payload = malloc(fill + 128)) == NULL)
			break;
		snprintf(payload, fill + 128,
		    "{\"iss\":\"tessie-stats\",\"sub\":\"u\","
		    "\"exp\":1800003600,\"pad\":\"%0*d\"}",
		    (int)fill, 0);
		tok = craft("{\"alg\":\"HS256\"}", payload, SIGN_HS256, secret);
		free(payload);
		if (tok == NULL)
			break;
		len = strlen(tok);
		if (len == 4096) {
			is_int(jwt_verify(SECRET, SECRET_LEN, tok, NOW, sub,
				   sizeof(sub)),
			    JWT_OK, "4096-byte token verifies");
			free(tok);
			return;
		}
		free(tok);
		if (len > 4096)
			break;
	}
	ok(0, "could not build a 4096-byte token");
}

static void
t_status_str(void)
{
	const char *s, *prev[JWT_ERROR + 1] = { NULL };
	int good = 1, st, j;

	for (st = JWT_OK; st <= JWT_ERROR; st++) {
		s = jwt_status_str((enum jwt_status)st);
		if (s == NULL || *s == '\0') {
			good = 0;
			continue;
		}
		for (j = 0; s[j] != '\0'; j++)
			if (s[j] >= 'A' && s[j] <= 'Z')
				good = 0;
		for (j = 0; j < st; j++)
			if (prev[j] != NULL && strcmp(prev[j], s) == 0)
				good = 0;
		prev[st] = s;
	}
	ok(good, "every status has a distinct lowercase string");
	ok(jwt_status_str((enum jwt_status)99) != NULL, "unknown status");
}

static void
t_password(void)
{
	char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];

	is_int(password_hash("correct horse battery staple", h1, sizeof(h1)), 0,
	    "hash");
	ok(strncmp(h1, "scrypt$32768$8$1$", 17) == 0, "format and params");
	is_int(strlen(h1), 17 + 22 + 1 + 43, "22-char salt, 43-char hash");
	is_int(password_verify("correct horse battery staple", h1), 1,
	    "right password");
	is_int(password_verify("correct horse battery stapl", h1), 0,
	    "password cut short");
	is_int(password_verify("Correct horse battery staple", h1), 0,
	    "other case");
	is_int(password_verify("", h1), 0, "empty password");
	is_int(password_hash("correct horse battery staple", h2, sizeof(h2)), 0,
	    "hash again");
	ok(strcmp(h1, h2) != 0, "two hashes of one password differ");
	is_int(password_verify("correct horse battery staple", h2), 1,
	    "second hash verifies too");
	is_int(password_hash("", h2, sizeof(h2)), 0, "hash empty password");
	is_int(password_verify("", h2), 1, "empty password verifies");
	is_int(password_verify("x", h2), 0, "and nothing else does");
	is_int(password_hash("pw", h2, PASSWORD_HASH_MAX - 1), -1,
	    "output buffer too small");
	is_int(password_hash(NULL, h2, sizeof(h2)), -1, "NULL password");
	is_int(password_verify(NULL, h1), -1, "verify NULL password");
}

static void
t_password_long(void)
{
	char h[PASSWORD_HASH_MAX], pw[1026];

	memset(pw, 'p', sizeof(pw) - 1);
	pw[sizeof(pw) - 1] = '\0';
	is_int(password_hash(pw, h, sizeof(h)), -1, "1025-byte password");
	pw[1024] = '\0';
	is_int(password_hash(pw, h, sizeof(h)), 0, "1024-byte password");
	is_int(password_verify(pw, h), 1, "1024-byte password verifies");
	pw[1024] = 'p';
	is_int(password_verify(pw, h), 0, "1025-byte password never matches");
}

/* A stored hash with other (valid) parameters, made here with OpenSSL. */
static void
t_password_params(void)
{
	static const uint8_t salt[16] = "saltsaltsaltsalt";
	uint8_t key[32];
	char salt64[32], key64[48], stored[PASSWORD_HASH_MAX];

	if (EVP_PBE_scrypt("pw", 2, salt, sizeof(salt), 1024, 4, 2, 64 << 20,
		key, sizeof(key)) != 1 ||
	    b64url_encode(salt, sizeof(salt), salt64, sizeof(salt64)) < 0 ||
	    b64url_encode(key, sizeof(key), key64, sizeof(key64)) < 0) {
		ok(0, "setup");
		return;
	}
	snprintf(
	    stored, sizeof(stored), "scrypt$1024$4$2$%s$%s", salt64, key64);
	is_int(password_verify("pw", stored), 1, "stored N, r, p are used");
	is_int(password_verify("pW", stored), 0, "and a wrong password fails");
	snprintf(
	    stored, sizeof(stored), "scrypt$2048$4$2$%s$%s", salt64, key64);
	is_int(password_verify("pw", stored), 0, "other N does not match");
}

/*
 * Expands a template: '<' becomes salt, '>' becomes hash and '~' becomes
 * hash without its last 4 characters.
 */
static void
expand(const char *tmpl, const char *salt, const char *hash, char *out,
    size_t outsz)
{
	size_t o = 0, hl = strlen(hash);
	const char *ins;
	size_t n;

	for (; *tmpl != '\0'; tmpl++) {
		ins = tmpl;
		n = 1;
		if (*tmpl == '<') {
			ins = salt;
			n = strlen(salt);
		} else if (*tmpl == '>') {
			ins = hash;
			n = hl;
		} else if (*tmpl == '~') {
			ins = hash;
			n = hl - 4;
		}
		if (o + n >= outsz)
			break;
		memcpy(out + o, ins, n);
		o += n;
	}
	out[o] = '\0';
}

static void
t_password_malformed(void)
{
	/* Built around a real salt and hash so only the named part is bad. */
	static const struct {
		const char *what;
		const char *tmpl;
	} cases[] = {
		{ "empty", "" },
		{ "prefix only", "scrypt" },
		{ "prefix and $", "scrypt$" },
		{ "other scheme", "bcrypt$32768$8$1$<$>" },
		{ "scheme in capitals", "SCRYPT$32768$8$1$<$>" },
		{ "N not a power of 2", "scrypt$32767$8$1$<$>" },
		{ "N = 2^21", "scrypt$2097152$8$1$<$>" },
		{ "N = 2^30", "scrypt$1073741824$8$1$<$>" },
		{ "N of 20 digits", "scrypt$99999999999999999999$8$1$<$>" },
		{ "N = 0", "scrypt$0$8$1$<$>" },
		{ "N = 1", "scrypt$1$8$1$<$>" },
		{ "N = 512", "scrypt$512$8$1$<$>" },
		{ "N with leading zero", "scrypt$032768$8$1$<$>" },
		{ "N with plus sign", "scrypt$+32768$8$1$<$>" },
		{ "N with minus sign", "scrypt$-32768$8$1$<$>" },
		{ "N with space", "scrypt$ 32768$8$1$<$>" },
		{ "N in hex", "scrypt$0x8000$8$1$<$>" },
		{ "N empty", "scrypt$$8$1$<$>" },
		{ "r = 0", "scrypt$32768$0$1$<$>" },
		{ "r = 33", "scrypt$32768$33$1$<$>" },
		{ "p = 0", "scrypt$32768$8$0$<$>" },
		{ "p = 17", "scrypt$32768$8$17$<$>" },
		{ "over 1 GiB", "scrypt$1048576$16$1$<$>" },
		{ "missing p", "scrypt$32768$8$<$>" },
		{ "salt too short", "scrypt$32768$8$1$AAAA$>" },
		{ "salt too long", "scrypt$32768$8$1$<AAAA$>" },
		{ "salt empty", "scrypt$32768$8$1$$>" },
		{ "salt padded", "scrypt$32768$8$1$<==$>" },
		{ "hash too long", "scrypt$32768$8$1$<$>AAAA" },
		{ "hash cut short", "scrypt$32768$8$1$<$~" },
		{ "hash missing", "scrypt$32768$8$1$<" },
		{ "hash empty", "scrypt$32768$8$1$<$" },
		{ "bad char in hash", "scrypt$32768$8$1$<$~AAA!" },
		{ "standard base64 in hash", "scrypt$32768$8$1$<$~AAA+" },
		{ "trailing $", "scrypt$32768$8$1$<$>$" },
		{ "extra field", "scrypt$32768$8$1$<$>$x" },
		{ "trailing newline", "scrypt$32768$8$1$<$>\n" },
		{ "leading space", " scrypt$32768$8$1$<$>" },
		{ "hash as salt", "scrypt$32768$8$1$>$<" },
	};
	char good[PASSWORD_HASH_MAX], salt[32], hash[64];
	char stored[2 * PASSWORD_HASH_MAX], msg[96], *p;
	size_t i;

	if (password_hash("pw", good, sizeof(good)) != 0) {
		ok(0, "setup");
		return;
	}
	/* good = scrypt$32768$8$1$<salt>$<hash> */
	p = good + strlen("scrypt$32768$8$1$");
	snprintf(salt, sizeof(salt), "%.*s", (int)strcspn(p, "$"), p);
	snprintf(hash, sizeof(hash), "%s", strchr(p, '$') + 1);
	expand("scrypt$32768$8$1$<$>", salt, hash, stored, sizeof(stored));
	is_int(password_verify("pw", stored), 1, "template rebuilds the hash");
	for (i = 0; i < nitems(cases); i++) {
		expand(cases[i].tmpl, salt, hash, stored, sizeof(stored));
		snprintf(
		    msg, sizeof(msg), "stored with %s refused", cases[i].what);
		is_int(password_verify("pw", stored), -1, msg);
	}
	memset(stored, 'a', sizeof(stored) - 1);
	stored[sizeof(stored) - 1] = '\0';
	is_int(password_verify("pw", stored), -1, "stored too long");
	is_int(password_verify("pw", NULL), -1, "stored NULL");
}

static const struct tap_test tests[] = {
	TAP(t_issue_verify),
	TAP(t_issued_header),
	TAP(t_issue_refused),
	TAP(t_verify_short_secret),
	TAP(t_crafted),
	TAP(t_malformed),
	TAP(t_size_limit),
	TAP(t_status_str),
	TAP(t_password),
	TAP(t_password_long),
	TAP(t_password_params),
	TAP(t_password_malformed),
};

int
main(void)
{
	return tap_run(tests, nitems(tests));
}
