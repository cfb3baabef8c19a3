/*
 * Small helpers shared by every part: identifiers, hex and base64url
 * codecs, randomness, time formatting and constant-time comparison.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "util.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The 6-bit value of base64url character c, or -1. */
static int
b64url_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Returns 1 when s is 8-4-4-4-12 hex digits (either case) separated by
 * hyphens and nothing else, else 0 (also for NULL).
 */
int
is_uuid(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (hex_digit((unsigned char)s[i]) < 0)
			return 0;
	}
	return s[36] == '\0';
}

/*
 * Decodes exactly 2*n hex digits (either case) into out.  The input is
 * checked in full before out is written, so out is untouched on -1.
 */
int
hex_decode(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	if (s == NULL || (n > 0 && out == NULL) || n > SIZE_MAX / 2)
		return -1;
	if (strnlen(s, 2 * n + 1) != 2 * n)
		return -1;
	for (i = 0; i < 2 * n; i++)
		if (hex_digit((unsigned char)s[i]) < 0)
			return -1;
	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(hex_digit((unsigned char)s[2 * i]) << 4 |
		    hex_digit((unsigned char)s[2 * i + 1]));
	return 0;
}

/* Writes 2*n lowercase hex digits and a NUL into out. */
void
hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/*
 * Encodes n bytes as unpadded base64url.  Needs ceil(4n/3)+1 bytes of out
 * (so the 4*ceil(n/3)+1 of the header always suffices); returns the length
 * written without the NUL, or -1 when out is too small or the result would
 * not fit an int.
 */
int
b64url_encode(const uint8_t *in, size_t n, char *out, size_t outlen)
{
	size_t need, i, o;
	uint32_t v;

	if (out == NULL || (n > 0 && in == NULL))
		return -1;
	if (n > ((size_t)INT_MAX / 4) * 3)
		return -1;
	need = n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
	if (outlen < need + 1)
		return -1;
	for (i = 0, o = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = b64url_alphabet[v >> 18 & 0x3f];
		out[o++] = b64url_alphabet[v >> 12 & 0x3f];
		out[o++] = b64url_alphabet[v >> 6 & 0x3f];
		out[o++] = b64url_alphabet[v & 0x3f];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64url_alphabet[v >> 18 & 0x3f];
		out[o++] = b64url_alphabet[v >> 12 & 0x3f];
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64url_alphabet[v >> 18 & 0x3f];
		out[o++] = b64url_alphabet[v >> 12 & 0x3f];
		out[o++] = b64url_alphabet[v >> 6 & 0x3f];
	}
	out[o] = '\0';
	return (int)o;
}

/*
 * Decodes unpadded base64url.  Refuses padding, whitespace, characters
 * outside the alphabet, a length of 1 mod 4, non-zero trailing bits (so
 * every byte string has exactly one accepted encoding) and output that
 * does not fit outlen.  Returns the number of bytes written or -1; on -1
 * out may have been partly written.
 */
int
b64url_decode(const char *in, uint8_t *out, size_t outlen)
{
	size_t len, need, i, o;
	uint32_t v;
	int c, k;

	if (in == NULL)
		return -1;
	len = strlen(in);
	if (len % 4 == 1 || len / 4 >= (size_t)INT_MAX / 3)
		return -1;
	need = len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
	if (need > outlen || (need > 0 && out == NULL))
		return -1;
	v = 0;
	for (i = 0, o = 0, k = 0; i < len; i++) {
		if ((c = b64url_value((unsigned char)in[i])) < 0)
			return -1;
		v = v << 6 | (uint32_t)c;
		if (++k == 4) {
			out[o++] = (uint8_t)(v >> 16);
			out[o++] = (uint8_t)(v >> 8);
			out[o++] = (uint8_t)v;
			v = 0;
			k = 0;
		}
	}
	if (k == 2) {
		if (v & 0x0f)
			return -1;
		out[o++] = (uint8_t)(v >> 4);
	} else if (k == 3) {
		if (v & 0x03)
			return -1;
		out[o++] = (uint8_t)(v >> 10);
		out[o++] = (uint8_t)(v >> 2);
	}
	return (int)o;
}

/* Fills out with n bytes from OpenSSL's CSPRNG; 0 or -1. */
int
random_bytes(uint8_t *out, size_t n)
{
	size_t chunk;

	if (n > 0 && out == NULL)
		return -1;
	while (n > 0) {
		chunk = n > INT_MAX ? INT_MAX : n;
		if (RAND_bytes(out, (int)chunk) != 1)
			return -1;
		out += chunk;
		n -= chunk;
	}
	return 0;
}

/*
 * Formats t as RFC 3339 UTC.  When out is shorter than 21 bytes, or t is
 * outside the years 0000-9999, out becomes the empty string (if outlen > 0).
 */
void
time_rfc3339(long long t, char *out, size_t outlen)
{
	long long days, era, y, doe, yoe, doy, mp, sec;
	int f[6], w[6] = { 4, 2, 2, 2, 2, 2 };
	static const char sep[] = "--T::Z";
	char *p = out;

	if (out == NULL || outlen == 0)
		return;
	out[0] = '\0';
	/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
	if (outlen < 21 || t < -62167219200LL || t > 253402300799LL)
		return;
	/*
	 * The civil date of a day count (days since 1970-01-01), in eras
	 * of 400 years that start on March 1st, so that the leap day comes
	 * last: the proleptic Gregorian calendar, as gmtime has it, without
	 * its lock on the time zone (a history writes a time per point).
	 */
	sec = t % 86400;
	days = t / 86400 - (sec < 0);
	sec += sec < 0 ? 86400 : 0;
	days += 719468; /* from 0000-03-01 */
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	f[2] = (int)(doy - (153 * mp + 2) / 5 + 1);
	f[1] = (int)(mp < 10 ? mp + 3 : mp - 9);
	f[0] = (int)(y + (f[1] <= 2));
	f[3] = (int)(sec / 3600);
	f[4] = (int)(sec / 60 % 60);
	f[5] = (int)(sec % 60);
	for (int i = 0; i < 6; i++) {
		for (int d = w[i] - 1, v = f[i]; d >= 0; d--, v /= 10)
			p[d] = (char)('0' + v % 10);
		p += w[i];
		*p++ = sep[i];
	}
	*p = '\0';
}

/* Compares n bytes in a time that depends on n only; 0 when equal, else 1. */
int
ct_memcmp(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return 0;
	return CRYPTO_memcmp(a, b, n) != 0;
}
