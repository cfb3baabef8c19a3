/*
 * AES-256-GCM sealing of secrets at rest (DESIGN §7): a random 12-byte IV
 * per message, a full 16-byte tag required on open, AAD binding the row
 * (e.g. "tesla_tokens|refresh_token|<account id>|<key version>").
 *
 * Sealed format: version (1 byte) | iv (12) | ciphertext | tag (16).
 */
#ifndef TESSIE_CRYPTO_H
#define TESSIE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_IV_LEN 12
#define CRYPTO_TAG_LEN 16
#define CRYPTO_OVERHEAD (1 + CRYPTO_IV_LEN + CRYPTO_TAG_LEN)

/*
 * Seals pt under key (32 bytes) and key_version, binding aad.  On success
 * returns 0 and *out (malloc'd, caller frees) of *outlen =
 * ptlen + CRYPTO_OVERHEAD bytes.
 */
int crypto_seal(const uint8_t key[32], uint8_t key_version, const uint8_t *aad,
    size_t aadlen, const uint8_t *pt, size_t ptlen, uint8_t **out,
    size_t *outlen);

/*
 * Opens a sealed message.  Refuses (returns -1, *pt untouched) a message
 * that is too short, whose version is not key_version, whose tag is not the
 * full 16 bytes or does not verify, or whose aad differs.  On success
 * returns 0 and *pt (malloc'd with a trailing NUL not counted in *ptlen).
 */
int crypto_open(const uint8_t key[32], uint8_t key_version, const uint8_t *aad,
    size_t aadlen, const uint8_t *in, size_t inlen, uint8_t **pt,
    size_t *ptlen);

#endif
