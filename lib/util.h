/* Small helpers shared by every part. */
#ifndef TESSIE_UTIL_H
#define TESSIE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* 1 when s is a canonical UUID (8-4-4-4-12 hex digits), else 0. */
int is_uuid(const char *s);

/* The value of hex digit c (either case), or -1. */
int hex_digit(int c);

/* Decodes 2*n hex digits into out; 0, or -1 when s is not exactly that. */
int hex_decode(const char *s, uint8_t *out, size_t n);

/* Writes 2*n lowercase hex digits and a NUL into out (2*n+1 bytes). */
void hex_encode(const uint8_t *in, size_t n, char *out);

/*
 * Base64url without padding (RFC 4648 §5).  encode writes a NUL-terminated
 * string into out (outlen >= 4*ceil(n/3)+1) and returns its length, or -1.
 * decode returns the number of bytes written, or -1 on bad input.
 */
int b64url_encode(const uint8_t *in, size_t n, char *out, size_t outlen);
int b64url_decode(const char *in, uint8_t *out, size_t outlen);

/* Fills out with n cryptographically random bytes; 0 or -1. */
int random_bytes(uint8_t *out, size_t n);

/* Formats t as RFC 3339 UTC ("2026-11-24T01:02:03Z") into out[21+]. */
void time_rfc3339(long long t, char *out, size_t outlen);

/* Compares n bytes in constant time; 0 when equal. */
int ct_memcmp(const void *a, const void *b, size_t n);

#endif
