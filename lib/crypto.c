/*
 * AES-256-GCM sealing of secrets at rest (DESIGN §7) through OpenSSL 3 EVP.
 *
 * Sealed format: version (1 byte) | iv (12) | ciphertext | tag (16).  The
 * version byte is authenticated too: GCM's AAD is the version byte followed
 * by the caller's aad.  The tag is always the full 16 bytes; OpenSSL would
 * accept a shorter one if asked, so its length is never taken from input.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "util.h"

#define CRYPTO_KEY_LEN 32

/* Largest plaintext or ciphertext we hand to EVP in one int-sized call. */
#define CRYPTO_MAX_LEN ((size_t)INT_MAX - CRYPTO_OVERHEAD - 1)

/*
 * Sets up ctx for encryption (enc = 1) or decryption (enc = 0) under key
 * and iv and feeds it the AAD (version byte, then aad).  0 or -1.
 */
static int
gcm_init(EVP_CIPHER_CTX *ctx, int enc, const uint8_t *key, const uint8_t *iv,
    uint8_t version, const uint8_t *aad, size_t aadlen)
{
	int n;

	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) !=
	    1)
		return -1;
	if (EVP_CIPHER_CTX_ctrl(
		ctx, EVP_CTRL_GCM_SET_IVLEN, CRYPTO_IV_LEN, NULL) != 1)
		return -1;
	if (EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, enc) != 1)
		return -1;
	if (EVP_CipherUpdate(ctx, NULL, &n, &version, 1) != 1)
		return -1;
	if (aadlen > 0 &&
	    EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1)
		return -1;
	return 0;
}

/*
 * Seals pt under key and key_version, binding aad.  On success *out is
 * malloc'd (caller frees) and holds *outlen = ptlen + CRYPTO_OVERHEAD bytes;
 * on -1 *out and *outlen are untouched.
 */
int
crypto_seal(const uint8_t key[32], uint8_t key_version, const uint8_t *aad,
    size_t aadlen, const uint8_t *pt, size_t ptlen, uint8_t **out,
    size_t *outlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *buf = NULL, *iv, *ct, *tag;
	int n, fin, rc = -1;

	if (key == NULL || out == NULL || outlen == NULL)
		goto out;
	if ((aad == NULL && aadlen > 0) || aadlen > CRYPTO_MAX_LEN)
		goto out;
	if ((pt == NULL && ptlen > 0) || ptlen > CRYPTO_MAX_LEN)
		goto out;
	if ((buf = malloc(ptlen + CRYPTO_OVERHEAD)) == NULL)
		goto out;
	iv = buf + 1;
	ct = iv + CRYPTO_IV_LEN;
	tag = ct + ptlen;
	buf[0] = key_version;
	if (random_bytes(iv, CRYPTO_IV_LEN) == -1)
		goto out;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if (gcm_init(ctx, 1, key, iv, key_version, aad, aadlen) == -1)
		goto out;
	n = 0;
	if (ptlen > 0 && EVP_EncryptUpdate(ctx, ct, &n, pt, (int)ptlen) != 1)
		goto out;
	if (EVP_EncryptFinal_ex(ctx, ct + n, &fin) != 1 ||
	    (size_t)n + (size_t)fin != ptlen)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(
		ctx, EVP_CTRL_GCM_GET_TAG, CRYPTO_TAG_LEN, tag) != 1)
		goto out;
	*out = buf;
	*outlen = ptlen + CRYPTO_OVERHEAD;
	buf = NULL;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	free(buf);
	return rc;
}

/*
 * Opens a sealed message.  Returns -1, leaving *pt and *ptlen untouched,
 * when the message is shorter than CRYPTO_OVERHEAD, its version byte is not
 * key_version, or the 16-byte tag does not verify under key and aad (which
 * also catches any change to the iv, ciphertext or a cut-off tag).  The
 * plaintext decrypted before a failed tag check is wiped, never returned.
 * On 0, *pt is malloc'd (caller frees) with a NUL after its *ptlen bytes.
 */
int
crypto_open(const uint8_t key[32], uint8_t key_version, const uint8_t *aad,
    size_t aadlen, const uint8_t *in, size_t inlen, uint8_t **pt, size_t *ptlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	const uint8_t *iv, *ct, *tag;
	uint8_t tagbuf[CRYPTO_TAG_LEN];
	uint8_t *buf = NULL;
	size_t ctlen = 0;
	int n, fin, rc = -1;

	if (key == NULL || in == NULL || pt == NULL || ptlen == NULL)
		goto out;
	if ((aad == NULL && aadlen > 0) || aadlen > CRYPTO_MAX_LEN)
		goto out;
	if (inlen < CRYPTO_OVERHEAD || inlen - CRYPTO_OVERHEAD > CRYPTO_MAX_LEN)
		goto out;
	if (in[0] != key_version)
		goto out;
	ctlen = inlen - CRYPTO_OVERHEAD;
	iv = in + 1;
	ct = iv + CRYPTO_IV_LEN;
	tag = ct + ctlen;
	/* EVP wants a writable tag; copy it rather than cast away const. */
	memcpy(tagbuf, tag, CRYPTO_TAG_LEN);
	if ((buf = malloc(ctlen + 1)) == NULL)
		goto out;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if (gcm_init(ctx, 0, key, iv, key_version, aad, aadlen) == -1)
		goto out;
	n = 0;
	if (ctlen > 0 && EVP_DecryptUpdate(ctx, buf, &n, ct, (int)ctlen) != 1)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(
		ctx, EVP_CTRL_GCM_SET_TAG, CRYPTO_TAG_LEN, tagbuf) != 1)
		goto out;
	if (EVP_DecryptFinal_ex(ctx, buf + n, &fin) != 1 ||
	    (size_t)n + (size_t)fin != ctlen)
		goto out;
	buf[ctlen] = '\0';
	*pt = buf;
	*ptlen = ctlen;
	buf = NULL;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (buf != NULL) {
		OPENSSL_cleanse(buf, ctlen + 1);
		free(buf);
	}
	return rc;
}
