/*
 * fleet_token_parse() over an OAuth token endpoint's answer, loaded as
 * lib/fleet.c loads it.  On success the tokens must be header-safe text.
 */
#include <ctype.h>

#include "fuzz.h"

static void
token_text_ok(const char *s)
{
	size_t len = strlen(s);

	FUZZ_CHECK(len > 0 && len <= FLEET_TOKEN_MAX);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(isgraph((unsigned char)s[i]));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_token t;
	json_t *doc;

	if ((doc = fuzz_json(data, size)) == NULL)
		return 0;
	memset(&t, 0, sizeof(t));
	if (fleet_token_parse(doc, &t) == 0) {
		FUZZ_CHECK(t.access_token != NULL && t.expires_in > 0);
		token_text_ok(t.access_token);
		if (t.refresh_token != NULL)
			token_text_ok(t.refresh_token);
		/* A second parse into the same struct wipes the first. */
		(void)fleet_token_parse(doc, &t);
	} else {
		FUZZ_CHECK(t.access_token == NULL && t.refresh_token == NULL);
	}
	FUZZ_STR_OK(t.error);
	fleet_token_clear(&t);
	json_decref(doc);
	return 0;
}
