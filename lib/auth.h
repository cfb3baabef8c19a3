/*
 * Login tokens (JWT HS256 through libjwt 1.10.2, which validates nothing
 * itself: the rules of DESIGN §7 are enforced here) and password hashing
 * (scrypt from OpenSSL).
 */
#ifndef TESSIE_AUTH_H
#define TESSIE_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define JWT_ISSUER "tessie-stats"
#define JWT_SUB_MAX 64

enum jwt_status {
	JWT_OK = 0,
	JWT_MALFORMED, /* not three base64url parts, bad JSON, too long */
	JWT_BAD_ALG, /* header alg is not exactly HS256 */
	JWT_BAD_SIG, /* signature does not verify under our secret */
	JWT_EXPIRED, /* exp missing or not in the future */
	JWT_NOT_YET, /* nbf or iat in the future (60 s leeway) */
	JWT_BAD_CLAIMS, /* iss, sub missing or wrong */
	JWT_ERROR /* out of memory, bad secret */
};

/*
 * Issues a token for sub (at most JWT_SUB_MAX bytes) valid for ttl seconds
 * from now, signed HS256 with secret (at least 32 bytes).  On success
 * returns 0, *token is malloc'd (caller frees) and *exp is its expiry.
 */
int jwt_issue(const uint8_t *secret, size_t secret_len, const char *sub,
    time_t now, long ttl, char **token, time_t *exp);

/*
 * Verifies token at time now.  Only HS256 with exactly this secret, a valid
 * signature, iss = JWT_ISSUER, exp > now, iat/nbf <= now + 60 pass.  On
 * JWT_OK the subject is copied into sub (subsz bytes).
 */
enum jwt_status jwt_verify(const uint8_t *secret, size_t secret_len,
    const char *token, time_t now, char *sub, size_t subsz);

/* A short lowercase reason for a status, for logs and error messages. */
const char *jwt_status_str(enum jwt_status st);

#define PASSWORD_HASH_MAX 160

/*
 * Hashes password with scrypt and a random salt into out (outsz >=
 * PASSWORD_HASH_MAX) as "scrypt$N$r$p$salt$hash" (base64url parts).
 * Returns 0 or -1.
 */
int password_hash(const char *password, char *out, size_t outsz);

/* Returns 1 when password matches stored, 0 when not, -1 on bad stored. */
int password_verify(const char *password, const char *stored);

#endif
