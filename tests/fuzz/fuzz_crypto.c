/*
 * crypto_open() (lib/crypto.c), AES-256-GCM with a full tag.
 *
 * Input: a mode byte, an AAD length byte, the AAD, then
 *   mode 0: a sealed message, opened as it is;
 *   mode 1: a plaintext, sealed and opened again (it must come back the
 *           same), then opened with one bit flipped at a place the input
 *           picks, and under another AAD (both must be refused).
 */
#include "crypto.h"
#include "fuzz.h"

#define VERSION 1

static const uint8_t key[32] = { 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x0f, 0x1e, 0x2d, 0x3c,
	0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1,
	0xf0 };

static void
open_as_is(const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len)
{
	uint8_t *pt = NULL;
	size_t ptlen = 0;

	/* Copied so that ASan sees any read past the message. */
	uint8_t *msg = malloc(len > 0 ? len : 1);

	FUZZ_CHECK(msg != NULL);
	memcpy(msg, in, len);
	if (crypto_open(key, VERSION, aad, aadlen, msg, len, &pt, &ptlen) ==
	    0) {
		FUZZ_CHECK(len >= CRYPTO_OVERHEAD &&
		    ptlen == len - CRYPTO_OVERHEAD && pt[ptlen] == '\0');
		free(pt);
	} else {
		FUZZ_CHECK(pt == NULL && ptlen == 0);
	}
	free(msg);
}

static void
round_trip(const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t len)
{
	uint8_t *sealed = NULL, *out = NULL;
	size_t slen = 0, olen = 0, bit;
	uint8_t other[256];

	FUZZ_CHECK(crypto_seal(key, VERSION, aad, aadlen, pt, len, &sealed,
		       &slen) == 0);
	FUZZ_CHECK(slen == len + CRYPTO_OVERHEAD && sealed[0] == VERSION);
	FUZZ_CHECK(crypto_open(key, VERSION, aad, aadlen, sealed, slen, &out,
		       &olen) == 0);
	FUZZ_CHECK(olen == len && memcmp(out, pt, len) == 0);
	free(out);
	out = NULL;
	/* Another key version is refused. */
	FUZZ_CHECK(crypto_open(key, VERSION + 1, aad, aadlen, sealed, slen,
		       &out, &olen) == -1);
	/* Any flipped bit is refused; the place comes from the input. */
	bit = (len > 0 ? pt[0] * 131u + len : aadlen) % (slen * 8);
	sealed[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	FUZZ_CHECK(crypto_open(key, VERSION, aad, aadlen, sealed, slen, &out,
		       &olen) == -1);
	sealed[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	/* So is another AAD, and a cut-off tag. */
	memcpy(other, aad, aadlen);
	other[aadlen] = 'x';
	FUZZ_CHECK(crypto_open(key, VERSION, other, aadlen + 1, sealed, slen,
		       &out, &olen) == -1);
	FUZZ_CHECK(crypto_open(key, VERSION, aad, aadlen, sealed, slen - 1,
		       &out, &olen) == -1);
	FUZZ_CHECK(out == NULL);
	free(sealed);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t aadlen;

	if (size < 2)
		return 0;
	aadlen = data[1] % 128;
	if (aadlen > size - 2)
		aadlen = size - 2;
	if (data[0] & 1)
		round_trip(
		    data + 2, aadlen, data + 2 + aadlen, size - 2 - aadlen);
	else
		open_as_is(
		    data + 2, aadlen, data + 2 + aadlen, size - 2 - aadlen);
	return 0;
}
