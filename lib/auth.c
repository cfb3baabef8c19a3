/*
 * Login tokens and password hashing (DESIGN §7).
 *
 * libjwt 1.10.2 checks the signature and the JSON syntax and nothing else:
 * it accepts any token when given a NULL key, matches "alg" without regard
 * to case, verifies HS384/HS512 tokens under our HS256 key, accepts a JSON
 * array as payload and reads a claim of the wrong type as 0 without setting
 * errno.  So jwt_verify() does it all itself: the structure, the raw
 * header, the HMAC (OpenSSL, compared in constant time) and every claim
 * (jansson, strictly typed); libjwt only issues tokens.  (It also parsed
 * every token a second time: a tenth of the state endpoint's CPU.)
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"
#include "util.h"

/* Longest token jwt_verify() looks at. */
#define JWT_TOKEN_MAX 4096
/* HS256 secrets: at least the hash size (RFC 7518 §3.2), fits an int. */
#define JWT_SECRET_MIN 32
#define JWT_SECRET_MAX 1024
/* Seconds of clock skew allowed on iat and nbf. */
#define JWT_LEEWAY 60
/* An HS256 signature, decoded. */
#define JWT_HS256_LEN 32

/* scrypt parameters of new hashes. */
#define PW_N 32768
#define PW_R 8
#define PW_P 1
#define PW_SALT_LEN 16
#define PW_HASH_LEN 32
/* Stored parameters outside these bounds are refused as corrupt. */
#define PW_N_MIN 1024
#define PW_N_MAX (1 << 20)
#define PW_R_MAX 32
#define PW_P_MAX 16
#define PW_MEM_MAX ((uint64_t)1 << 30)
/* Longest password hashed or verified. */
#define PW_LEN_MAX 1024

/*
 * Decodes the base64url segment seg (len characters, not NUL-terminated)
 * into a JSON object, refusing duplicate keys.  Returns a new reference or
 * NULL.
 */
static json_t *
segment_json(const char *seg, size_t len)
{
	char text[JWT_TOKEN_MAX + 1];
	uint8_t raw[JWT_TOKEN_MAX];
	json_t *obj = NULL;
	int n;

	if (len == 0 || len > JWT_TOKEN_MAX)
		goto out;
	memcpy(text, seg, len);
	text[len] = '\0';
	if ((n = b64url_decode(text, raw, sizeof(raw))) <= 0)
		goto out;
	obj = json_loadb(
	    (const char *)raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
	if (obj != NULL && !json_is_object(obj)) {
		json_decref(obj);
		obj = NULL;
	}
out:
	return obj;
}

/* 1 when the JSON value v is the string s exactly, else 0. */
static int
json_str_is(const json_t *v, const char *s)
{
	size_t len = strlen(s);

	return json_is_string(v) && json_string_length(v) == len &&
	    memcmp(json_string_value(v), s, len) == 0;
}

/*
 * Reads the optional integer claim name of payload into *v.  Returns 1 when
 * present, 0 when absent, -1 when present but not a JSON integer.
 */
static int
claim_int(const json_t *payload, const char *name, long long *v)
{
	const json_t *c;

	if ((c = json_object_get(payload, name)) == NULL)
		return 0;
	if (!json_is_integer(c))
		return -1;
	*v = json_integer_value(c);
	return 1;
}

/* 1 when t lies more than JWT_LEEWAY seconds after now, else 0. */
static int
too_early(long long t, time_t now)
{
	if (t < LLONG_MIN + JWT_LEEWAY)
		return 0;
	return t - JWT_LEEWAY > (long long)now;
}

/* Checks the claims of a verified payload and copies sub out. */
static enum jwt_status
check_claims(const json_t *payload, time_t now, char *sub, size_t subsz)
{
	const json_t *s;
	long long t;
	size_t len;
	int r;

	if ((r = claim_int(payload, "exp", &t)) == 0)
		return JWT_EXPIRED;
	if (r == -1)
		return JWT_BAD_CLAIMS;
	if (t <= (long long)now)
		return JWT_EXPIRED;
	if ((r = claim_int(payload, "nbf", &t)) == -1)
		return JWT_BAD_CLAIMS;
	if (r == 1 && too_early(t, now))
		return JWT_NOT_YET;
	if ((r = claim_int(payload, "iat", &t)) == -1)
		return JWT_BAD_CLAIMS;
	if (r == 1 && too_early(t, now))
		return JWT_NOT_YET;
	if (!json_str_is(json_object_get(payload, "iss"), JWT_ISSUER))
		return JWT_BAD_CLAIMS;
	s = json_object_get(payload, "sub");
	if (!json_is_string(s))
		return JWT_BAD_CLAIMS;
	len = json_string_length(s);
	if (len == 0 || len > JWT_SUB_MAX)
		return JWT_BAD_CLAIMS;
	if (sub != NULL) {
		if (subsz < len + 1)
			return JWT_ERROR;
		memcpy(sub, json_string_value(s), len + 1);
	}
	return JWT_OK;
}

/*
 * Issues an HS256 token with iss, sub, iat = now and exp = now + ttl.
 * Refuses a secret shorter than 32 bytes, an empty or over-long sub and a
 * ttl that is not positive.  On 0, *token is malloc'd (free() it).
 */
int
jwt_issue(const uint8_t *secret, size_t secret_len, const char *sub, time_t now,
    long ttl, char **token, time_t *exp)
{
	jwt_t *jwt = NULL;
	char *s;
	size_t sublen;
	int rc = -1;

	if (secret == NULL || secret_len < JWT_SECRET_MIN ||
	    secret_len > JWT_SECRET_MAX)
		goto out;
	if (sub == NULL || token == NULL || exp == NULL)
		goto out;
	sublen = strnlen(sub, JWT_SUB_MAX + 1);
	if (sublen == 0 || sublen > JWT_SUB_MAX)
		goto out;
	if (ttl <= 0 || now < 0 || (long long)now > LONG_MAX - ttl)
		goto out;
	if (jwt_new(&jwt) != 0)
		goto out;
	if (jwt_add_grant(jwt, "iss", JWT_ISSUER) != 0 ||
	    jwt_add_grant(jwt, "sub", sub) != 0 ||
	    jwt_add_grant_int(jwt, "iat", (long)now) != 0 ||
	    jwt_add_grant_int(jwt, "exp", (long)now + ttl) != 0)
		goto out;
	if (jwt_set_alg(jwt, JWT_ALG_HS256, secret, (int)secret_len) != 0)
		goto out;
	if ((s = jwt_encode_str(jwt)) == NULL)
		goto out;
	*token = s;
	*exp = (time_t)((long)now + ttl);
	rc = 0;
out:
	jwt_free(jwt);
	return rc;
}

/*
 * Verifies token at time now.  Checks, in order: the secret (JWT_ERROR),
 * at most JWT_TOKEN_MAX bytes in three dot-separated parts whose header and
 * payload are base64url JSON objects without duplicate keys
 * (JWT_MALFORMED), a header "alg" of exactly "HS256" and no "crit"
 * (JWT_BAD_ALG), a 32-byte signature that libjwt verifies under secret
 * (JWT_BAD_SIG, also when libjwt refuses the token for any other reason,
 * such as a "typ" other than "JWT"), then the claims: integer exp > now
 * (JWT_EXPIRED), integer nbf and iat, if present, <= now + 60 (JWT_NOT_YET),
 * iss equal to JWT_ISSUER and a sub of 1 to JWT_SUB_MAX bytes (JWT_BAD_CLAIMS;
 * also for a claim of the wrong type).  sub may be NULL; when too small for the
 * subject, JWT_ERROR is returned.
 */
enum jwt_status
jwt_verify(const uint8_t *secret, size_t secret_len, const char *token,
    time_t now, char *sub, size_t subsz)
{
	uint8_t sig[JWT_TOKEN_MAX];
	char sigtext[JWT_TOKEN_MAX + 1];
	unsigned char mac[EVP_MAX_MD_SIZE];
	json_t *header = NULL, *payload = NULL;
	const char *dot1, *dot2, *sigseg;
	unsigned int maclen = 0;
	enum jwt_status st;
	size_t len;

	if (secret == NULL || secret_len < JWT_SECRET_MIN ||
	    secret_len > JWT_SECRET_MAX) {
		st = JWT_ERROR;
		goto out;
	}
	st = JWT_MALFORMED;
	if (token == NULL)
		goto out;
	if ((len = strnlen(token, JWT_TOKEN_MAX + 1)) > JWT_TOKEN_MAX)
		goto out;
	if ((dot1 = memchr(token, '.', len)) == NULL)
		goto out;
	if ((dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token))) ==
	    NULL)
		goto out;
	sigseg = dot2 + 1;
	if (memchr(sigseg, '.', len - (size_t)(sigseg - token)) != NULL)
		goto out;
	if ((header = segment_json(token, (size_t)(dot1 - token))) == NULL)
		goto out;
	if ((payload = segment_json(dot1 + 1, (size_t)(dot2 - dot1 - 1))) ==
	    NULL)
		goto out;

	st = JWT_BAD_ALG;
	if (!json_str_is(json_object_get(header, "alg"), "HS256") ||
	    json_object_get(header, "crit") != NULL)
		goto out;

	st = JWT_BAD_SIG;
	memcpy(sigtext, sigseg, len - (size_t)(sigseg - token) + 1);
	if (b64url_decode(sigtext, sig, sizeof(sig)) != JWT_HS256_LEN)
		goto out;
	/* HMAC-SHA256 of "header.payload", compared in constant time. */
	if (HMAC(EVP_sha256(), secret, (int)secret_len,
		(const unsigned char *)token, (size_t)(dot2 - token), mac,
		&maclen) == NULL ||
	    maclen != JWT_HS256_LEN) {
		st = JWT_ERROR;
		goto out;
	}
	if (CRYPTO_memcmp(mac, sig, JWT_HS256_LEN) != 0)
		goto out;
	st = check_claims(payload, now, sub, subsz);
out:
	json_decref(payload);
	json_decref(header);
	return st;
}

/* A short lowercase reason for st; never NULL. */
const char *
jwt_status_str(enum jwt_status st)
{
	switch (st) {
	case JWT_OK:
		return "ok";
	case JWT_MALFORMED:
		return "malformed token";
	case JWT_BAD_ALG:
		return "algorithm not allowed";
	case JWT_BAD_SIG:
		return "bad signature";
	case JWT_EXPIRED:
		return "token expired";
	case JWT_NOT_YET:
		return "token not yet valid";
	case JWT_BAD_CLAIMS:
		return "bad claims";
	case JWT_ERROR:
		return "internal error";
	}
	return "unknown status";
}

/*
 * Derives PW_HASH_LEN bytes from password with scrypt(N, r, p), allowing
 * just the memory those parameters need.  0 or -1.
 */
static int
scrypt_derive(const char *password, size_t pwlen, const uint8_t *salt,
    uint64_t N, uint64_t r, uint64_t p, uint8_t *key)
{
	uint64_t maxmem;

	/* OpenSSL needs 128 r (N + 2) + 128 r p bytes; add some slack. */
	maxmem = 128 * r * (N + 2) + 128 * r * p + (1 << 20);
	if (EVP_PBE_scrypt(password, pwlen, salt, PW_SALT_LEN, N, r, p, maxmem,
		key, PW_HASH_LEN) != 1)
		return -1;
	return 0;
}

/*
 * Hashes password (at most 1024 bytes) with scrypt N=32768 r=8 p=1 and a
 * 16-byte random salt into out as "scrypt$N$r$p$salt$hash".  0 or -1.
 */
int
password_hash(const char *password, char *out, size_t outsz)
{
	uint8_t salt[PW_SALT_LEN], key[PW_HASH_LEN];
	char salt64[32], key64[48];
	size_t pwlen;
	int n, rc = -1;

	if (password == NULL || out == NULL || outsz < PASSWORD_HASH_MAX)
		goto out;
	if ((pwlen = strnlen(password, PW_LEN_MAX + 1)) > PW_LEN_MAX)
		goto out;
	if (random_bytes(salt, sizeof(salt)) == -1)
		goto out;
	if (scrypt_derive(password, pwlen, salt, PW_N, PW_R, PW_P, key) == -1)
		goto out;
	if (b64url_encode(salt, sizeof(salt), salt64, sizeof(salt64)) == -1 ||
	    b64url_encode(key, sizeof(key), key64, sizeof(key64)) == -1)
		goto out;
	n = snprintf(out, outsz, "scrypt$%d$%d$%d$%s$%s", PW_N, PW_R, PW_P,
	    salt64, key64);
	if (n < 0 || (size_t)n >= outsz)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(key64, sizeof(key64));
	return rc;
}

/*
 * Parses a decimal number of 1 to 7 digits without sign or leading zero
 * from *sp up to a '$', which it skips.  Returns 0 and the value in *v, or
 * -1.
 */
static int
parse_param(const char **sp, uint64_t *v)
{
	const char *s = *sp;
	uint64_t n = 0;
	size_t i;

	if (s[0] == '0')
		return -1;
	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i == 7)
			return -1;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0 || s[i] != '$')
		return -1;
	*sp = s + i + 1;
	*v = n;
	return 0;
}

/*
 * Decodes the base64url field of *sp up to delim (a '$' is skipped, a NUL
 * is not) into exactly n bytes of out.  0 or -1.
 */
static int
parse_b64(const char **sp, char delim, uint8_t *out, size_t n)
{
	char text[PASSWORD_HASH_MAX];
	uint8_t raw[PASSWORD_HASH_MAX];
	const char *end;
	size_t len;

	if ((end = strchr(*sp, delim)) == NULL)
		return -1;
	if ((len = (size_t)(end - *sp)) >= sizeof(text))
		return -1;
	memcpy(text, *sp, len);
	text[len] = '\0';
	if (b64url_decode(text, raw, sizeof(raw)) != (int)n)
		return -1;
	memcpy(out, raw, n);
	*sp = delim == '\0' ? end : end + 1;
	return 0;
}

/*
 * Checks password against a stored "scrypt$N$r$p$salt$hash".  The stored
 * string is parsed strictly: N a power of two in [2^10, 2^20], r in [1, 32],
 * p in [1, 16], at most 1 GiB of scrypt memory, a 16-byte salt and a
 * 32-byte hash, nothing else.  Returns 1 on a match (compared in constant
 * time), 0 on a mismatch or a password over 1024 bytes, -1 when stored is
 * malformed or scrypt fails.
 */
int
password_verify(const char *password, const char *stored)
{
	uint8_t salt[PW_SALT_LEN], want[PW_HASH_LEN], got[PW_HASH_LEN];
	uint64_t N, r, p;
	const char *s;
	size_t pwlen;
	int rc = -1;

	if (password == NULL || stored == NULL)
		goto out;
	if (strnlen(stored, PASSWORD_HASH_MAX) >= PASSWORD_HASH_MAX)
		goto out;
	if (strncmp(stored, "scrypt$", 7) != 0)
		goto out;
	s = stored + 7;
	if (parse_param(&s, &N) == -1 || parse_param(&s, &r) == -1 ||
	    parse_param(&s, &p) == -1)
		goto out;
	if (N < PW_N_MIN || N > PW_N_MAX || (N & (N - 1)) != 0)
		goto out;
	if (r < 1 || r > PW_R_MAX || p < 1 || p > PW_P_MAX)
		goto out;
	if (128 * r * N > PW_MEM_MAX)
		goto out;
	if (parse_b64(&s, '$', salt, sizeof(salt)) == -1 ||
	    parse_b64(&s, '\0', want, sizeof(want)) == -1)
		goto out;
	if ((pwlen = strnlen(password, PW_LEN_MAX + 1)) > PW_LEN_MAX) {
		rc = 0;
		goto out;
	}
	if (scrypt_derive(password, pwlen, salt, N, r, p, got) == -1)
		goto out;
	rc = ct_memcmp(got, want, sizeof(got)) == 0;
out:
	OPENSSL_cleanse(got, sizeof(got));
	return rc;
}
