/* Unit tests for lib/crypto.c (AES-256-GCM sealing). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto.h"
#include "util.h"

#include "../tap.h"

static const uint8_t key[33] = "0123456789abcdef0123456789abcdef";
static const uint8_t other_key[33] = "0123456789abcdef0123456789abcdeF";
static const char aad[] = "tesla_tokens|refresh_token|42|1";
static const uint8_t ver = 1;

/* A pointer no allocator returns, to see that outputs stay untouched. */
static uint8_t sentinel_byte;
#define SENTINEL (&sentinel_byte)

/* Seals the NUL-terminated s under key/ver/aad; NULL on failure. */
static uint8_t *
seal_str(const char *s, size_t *len)
{
	uint8_t *out = NULL;

	if (crypto_seal(key, ver, (const uint8_t *)aad, strlen(aad),
		(const uint8_t *)s, strlen(s), &out, len) != 0)
		return NULL;
	return out;
}

/* Tries to open in; 0 or -1 as crypto_open, checking the failure rules. */
static int
try_open(
    const uint8_t *k, uint8_t v, const char *a, const uint8_t *in, size_t inlen)
{
	uint8_t *pt = SENTINEL;
	size_t ptlen = 12345;
	int rc;

	rc = crypto_open(k, v, (const uint8_t *)a, a == NULL ? 0 : strlen(a),
	    in, inlen, &pt, &ptlen);
	if (rc == 0) {
		free(pt);
		return 0;
	}
	if (pt != SENTINEL || ptlen != 12345)
		return -2;
	return rc;
}

static void
t_round_trip(void)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 31, 64, 1000, 4096 };
	uint8_t *pt, *sealed, *opened;
	size_t i, slen, olen;
	char msg[64];
	int rc;

	for (i = 0; i < nitems(lens); i++) {
		if ((pt = malloc(lens[i] + 1)) == NULL ||
		    random_bytes(pt, lens[i]) == -1) {
			ok(0, "setup");
			free(pt);
			return;
		}
		sealed = opened = NULL;
		rc = crypto_seal(key, ver, (const uint8_t *)aad, strlen(aad),
		    pt, lens[i], &sealed, &slen);
		snprintf(msg, sizeof(msg), "seal %zu bytes", lens[i]);
		is_int(rc, 0, msg);
		is_int(slen, lens[i] + CRYPTO_OVERHEAD, "sealed length");
		ok(rc == 0 && sealed[0] == ver, "version byte first");
		rc = crypto_open(key, ver, (const uint8_t *)aad, strlen(aad),
		    sealed, slen, &opened, &olen);
		snprintf(msg, sizeof(msg), "open %zu bytes", lens[i]);
		is_int(rc, 0, msg);
		ok(rc == 0 && olen == lens[i] &&
			memcmp(opened, pt, lens[i]) == 0 &&
			opened[olen] == '\0',
		    "plaintext back, NUL after it");
		if (lens[i] >= 16)
			ok(memmem(sealed, slen, pt, lens[i]) == NULL,
			    "plaintext not in the sealed message");
		free(opened);
		free(sealed);
		free(pt);
	}
}

static void
t_empty_plaintext(void)
{
	uint8_t *sealed = NULL, *opened = NULL;
	size_t slen = 0, olen = 99;
	int rc;

	rc = crypto_seal(key, ver, NULL, 0, NULL, 0, &sealed, &slen);
	is_int(rc, 0, "seal NULL, 0 without aad");
	is_int(slen, CRYPTO_OVERHEAD, "only the overhead");
	rc = crypto_open(key, ver, NULL, 0, sealed, slen, &opened, &olen);
	is_int(rc, 0, "open empty");
	ok(rc == 0 && olen == 0 && opened != NULL && opened[0] == '\0',
	    "empty NUL-terminated plaintext");
	is_int(try_open(key, ver, "x", sealed, slen), -1,
	    "empty message, aad added on open");
	free(opened);
	free(sealed);
}

static void
t_fresh_iv(void)
{
	uint8_t *a, *b;
	size_t alen = 0, blen = 0;

	a = seal_str("same secret", &alen);
	b = seal_str("same secret", &blen);
	ok(a != NULL && b != NULL, "sealed twice");
	ok(a != NULL && b != NULL && alen == blen &&
		memcmp(a + 1, b + 1, CRYPTO_IV_LEN) != 0,
	    "different ivs");
	ok(a != NULL && b != NULL && memcmp(a, b, alen) != 0,
	    "different messages");
	free(a);
	free(b);
}

static void
t_tampered(void)
{
	static const char secret[] = "refresh-token-abcdefghijklmnop";
	static const struct {
		const char *what;
		long off; /* from the start, or from the end when < 0 */
		uint8_t mask;
	} cases[] = {
		{ "version byte", 0, 0x01 },
		{ "version byte high bit", 0, 0x80 },
		{ "first iv byte", 1, 0x01 },
		{ "last iv byte", CRYPTO_IV_LEN, 0x80 },
		{ "first ciphertext byte", 1 + CRYPTO_IV_LEN, 0x01 },
		{ "last ciphertext byte", -CRYPTO_TAG_LEN - 1, 0x40 },
		{ "first tag byte", -CRYPTO_TAG_LEN, 0x01 },
		{ "last tag byte", -1, 0x01 },
	};
	uint8_t *sealed, *copy;
	size_t slen = 0, i, off;
	char msg[64];

	if ((sealed = seal_str(secret, &slen)) == NULL ||
	    (copy = malloc(slen)) == NULL) {
		ok(0, "setup");
		free(sealed);
		return;
	}
	is_int(try_open(key, ver, aad, sealed, slen), 0, "untampered opens");
	for (i = 0; i < nitems(cases); i++) {
		memcpy(copy, sealed, slen);
		off = cases[i].off >= 0 ? (size_t)cases[i].off
					: slen - (size_t)-cases[i].off;
		copy[off] ^= cases[i].mask;
		snprintf(
		    msg, sizeof(msg), "tampered %s refused", cases[i].what);
		is_int(try_open(key, ver, aad, copy, slen), -1, msg);
	}
	free(copy);
	free(sealed);
}

static void
t_truncated(void)
{
	static const size_t cuts[] = { 1, 4, 12, CRYPTO_TAG_LEN };
	uint8_t *sealed;
	size_t slen = 0, i;
	char msg[64];

	if ((sealed = seal_str("some token", &slen)) == NULL) {
		ok(0, "setup");
		return;
	}
	for (i = 0; i < nitems(cuts); i++) {
		snprintf(msg, sizeof(msg), "cut by %zu bytes refused", cuts[i]);
		is_int(
		    try_open(key, ver, aad, sealed, slen - cuts[i]), -1, msg);
	}
	is_int(try_open(key, ver, aad, sealed, CRYPTO_OVERHEAD - 1), -1,
	    "shorter than the overhead refused");
	is_int(try_open(key, ver, aad, sealed, 1), -1, "1 byte refused");
	is_int(try_open(key, ver, aad, sealed, 0), -1, "0 bytes refused");
	free(sealed);
}

static void
t_wrong_context(void)
{
	static const struct {
		const char *what;
		const uint8_t *key;
		uint8_t ver;
		const char *aad;
	} cases[] = {
		{ "wrong key", other_key, 1, aad },
		{ "wrong key version", key, 2, aad },
		{ "key version 0", key, 0, aad },
		{ "other row in aad", key, 1,
		    "tesla_tokens|refresh_token|43|1" },
		{ "other column in aad", key, 1,
		    "tesla_tokens|access_token|42|1" },
		{ "aad cut short", key, 1, "tesla_tokens|refresh_token|42|" },
		{ "aad longer", key, 1, "tesla_tokens|refresh_token|42|1|" },
		{ "no aad", key, 1, NULL },
	};
	uint8_t *sealed;
	size_t slen = 0, i;
	char msg[64];

	if ((sealed = seal_str("some token", &slen)) == NULL) {
		ok(0, "setup");
		return;
	}
	for (i = 0; i < nitems(cases); i++) {
		snprintf(msg, sizeof(msg), "%s refused", cases[i].what);
		is_int(try_open(cases[i].key, cases[i].ver, cases[i].aad,
			   sealed, slen),
		    -1, msg);
	}
	free(sealed);
}

/*
 * Opens a sealed message with raw EVP calls, to pin the documented layout:
 * ver | iv | ct | tag, with the version byte and aad as GCM's AAD.
 */
static void
t_layout(void)
{
	static const char secret[] = "layout check";
	EVP_CIPHER_CTX *ctx;
	uint8_t *sealed, out[sizeof(secret)], hdr = ver;
	size_t slen = 0, ctlen;
	int n = 0, fin = 0, good;

	if ((sealed = seal_str(secret, &slen)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL) {
		ok(0, "setup");
		free(sealed);
		return;
	}
	ctlen = slen - CRYPTO_OVERHEAD;
	good = ctlen == strlen(secret) &&
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, sealed + 1) ==
		1 &&
	    EVP_DecryptUpdate(ctx, NULL, &n, &hdr, 1) == 1 &&
	    EVP_DecryptUpdate(
		ctx, NULL, &n, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
	    EVP_DecryptUpdate(
		ctx, out, &n, sealed + 1 + CRYPTO_IV_LEN, (int)ctlen) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CRYPTO_TAG_LEN,
		sealed + slen - CRYPTO_TAG_LEN) == 1 &&
	    EVP_DecryptFinal_ex(ctx, out + n, &fin) == 1;
	ok(good && (size_t)(n + fin) == ctlen &&
		memcmp(out, secret, ctlen) == 0,
	    "raw EVP opens ver|iv|ct|tag with aad = ver || aad");
	EVP_CIPHER_CTX_free(ctx);
	free(sealed);
}

static void
t_bad_args(void)
{
	uint8_t *out = SENTINEL, buf[CRYPTO_OVERHEAD] = { 1 };
	size_t outlen = 7;

	is_int(crypto_seal(NULL, ver, NULL, 0, buf, 1, &out, &outlen), -1,
	    "seal without key");
	is_int(crypto_seal(key, ver, NULL, 5, buf, 1, &out, &outlen), -1,
	    "seal NULL aad with a length");
	is_int(crypto_seal(key, ver, NULL, 0, NULL, 5, &out, &outlen), -1,
	    "seal NULL pt with a length");
	is_int(crypto_seal(key, ver, NULL, 0, buf, 1, NULL, &outlen), -1,
	    "seal without out");
	ok(out == SENTINEL && outlen == 7, "outputs untouched");
	is_int(crypto_open(NULL, ver, NULL, 0, buf, sizeof(buf), &out, &outlen),
	    -1, "open without key");
	is_int(crypto_open(key, ver, NULL, 0, NULL, sizeof(buf), &out, &outlen),
	    -1, "open NULL input");
	is_int(try_open(key, ver, NULL, buf, sizeof(buf)), -1,
	    "all-zero iv/tag refused");
	ok(out == SENTINEL && outlen == 7, "outputs untouched");
}

static const struct tap_test tests[] = {
	TAP(t_round_trip),
	TAP(t_empty_plaintext),
	TAP(t_fresh_iv),
	TAP(t_tampered),
	TAP(t_truncated),
	TAP(t_wrong_context),
	TAP(t_layout),
	TAP(t_bad_args),
};

int
main(void)
{
	return tap_run(tests, nitems(tests));
}
