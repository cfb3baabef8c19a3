/*
 * jwt_verify() (lib/auth.c): HS256 pinned, exp checked.
 *
 * Input: a mode byte, then
 *   mode 0: a token as it comes in the Authorization header;
 *   mode 1: "<header JSON>\n<payload JSON>\n<signature>", which is made
 *           into a token signed with our secret (so that the checks past
 *           the signature are reached), the signature part replacing ours
 *           when it is not empty.
 * Whatever jwt_verify() accepts must carry our HS256 signature, an "alg"
 * of exactly "HS256", the issuer, a subject and an exp after now.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"
#include "fuzz.h"
#include "util.h"

#define NOW 1700000000
#define TOKEN_MAX 8192

static const uint8_t secret[] = "fuzz-secret-0123456789abcdefghijklmnop";

/* The JSON object of base64url segment seg of len bytes, or NULL. */
static json_t *
segment(const char *seg, size_t len)
{
	char text[TOKEN_MAX + 1];
	uint8_t raw[TOKEN_MAX];
	int n;

	if (len > TOKEN_MAX)
		return NULL;
	memcpy(text, seg, len);
	text[len] = '\0';
	if ((n = b64url_decode(text, raw, sizeof(raw))) <= 0)
		return NULL;
	return json_loadb((const char *)raw, (size_t)n, 0, NULL);
}

/* Checks a token jwt_verify() accepted against everything it promises. */
static void
accepted_ok(const char *token, const char *sub)
{
	const char *dot1 = strchr(token, '.'), *dot2;
	unsigned char mac[EVP_MAX_MD_SIZE];
	char sig[64];
	unsigned int maclen = 0;
	json_t *h, *p;

	FUZZ_CHECK(dot1 != NULL && (dot2 = strchr(dot1 + 1, '.')) != NULL);
	FUZZ_CHECK(HMAC(EVP_sha256(), secret, sizeof(secret) - 1,
		       (const unsigned char *)token, (size_t)(dot2 - token),
		       mac, &maclen) != NULL);
	FUZZ_CHECK(b64url_encode(mac, maclen, sig, sizeof(sig)) > 0);
	FUZZ_CHECK(strcmp(dot2 + 1, sig) == 0);
	h = segment(token, (size_t)(dot1 - token));
	p = segment(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	FUZZ_CHECK(h != NULL && p != NULL);
	FUZZ_CHECK(json_is_string(json_object_get(h, "alg")) &&
	    strcmp(json_string_value(json_object_get(h, "alg")), "HS256") == 0);
	FUZZ_CHECK(json_is_integer(json_object_get(p, "exp")) &&
	    json_integer_value(json_object_get(p, "exp")) > NOW);
	FUZZ_CHECK(json_is_string(json_object_get(p, "iss")) &&
	    strcmp(json_string_value(json_object_get(p, "iss")), JWT_ISSUER) ==
		0);
	FUZZ_CHECK(json_is_string(json_object_get(p, "sub")) &&
	    strcmp(json_string_value(json_object_get(p, "sub")), sub) == 0);
	FUZZ_CHECK(sub[0] != '\0' && strlen(sub) <= JWT_SUB_MAX);
	json_decref(h);
	json_decref(p);
}

static void
verify(const char *token)
{
	char sub[JWT_SUB_MAX + 1];
	enum jwt_status st;

	st = jwt_verify(
	    secret, sizeof(secret) - 1, token, NOW, sub, sizeof(sub));
	FUZZ_CHECK(st >= JWT_OK && st <= JWT_ERROR);
	FUZZ_CHECK(jwt_status_str(st) != NULL);
	if (st == JWT_OK)
		accepted_ok(token, sub);
}

/* Mode 1: header and payload JSON made into a token we sign. */
static void
signed_token(const char *text, size_t len)
{
	const char *nl1 = memchr(text, '\n', len), *nl2;
	char *token = NULL;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t hl, pl, sl, cap, k;
	int n;

	if (nl1 == NULL ||
	    (nl2 = memchr(nl1 + 1, '\n', len - (size_t)(nl1 + 1 - text))) ==
		NULL)
		return;
	hl = (size_t)(nl1 - text);
	pl = (size_t)(nl2 - nl1 - 1);
	sl = len - (size_t)(nl2 + 1 - text);
	cap = 2 * (hl + pl) + sl + 64;
	if ((token = malloc(cap)) == NULL)
		return;
	if ((n = b64url_encode((const uint8_t *)text, hl, token, cap)) < 0)
		goto out;
	k = (size_t)n;
	token[k++] = '.';
	if ((n = b64url_encode(
		 (const uint8_t *)nl1 + 1, pl, token + k, cap - k)) < 0)
		goto out;
	k += (size_t)n;
	if (HMAC(EVP_sha256(), secret, sizeof(secret) - 1,
		(const unsigned char *)token, k, mac, &maclen) == NULL)
		goto out;
	token[k++] = '.';
	if (sl > 0) {
		memcpy(token + k, nl2 + 1, sl);
		token[k + sl] = '\0';
	} else if (b64url_encode(mac, maclen, token + k, cap - k) < 0)
		goto out;
	verify(token);
out:
	free(token);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size == 0 || size > TOKEN_MAX)
		return 0;
	if ((text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 1)
		signed_token(text, size - 1);
	else
		verify(text);
	free(text);
	return 0;
}
