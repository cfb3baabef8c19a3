/*
 * route_find() over the real route table (handlers/routes.c).
 *
 * Input: "<allow buffer length byte><method> <path>"; the path is taken
 * as it comes out of http_percent_decode(), so anything but NUL.
 */
#include "arena.h"
#define FUZZ_OWN_INIT
#include "fuzz.h"
#include "handlers.h"
#include "router.h"

static struct arena *arena;

/* The number of ":name" segments of pattern. */
static size_t
nparams_of(const char *pattern)
{
	size_t n = 0;

	for (const char *p = pattern; *p != '\0'; p++)
		if (*p == ':' && p[-1] == '/')
			n++;
	return n;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup();
	arena = arena_new(1 << 20);
	return arena == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *params[REQ_MAX_PARAMS];
	const struct route *found;
	char *text, *allow, *path;
	size_t allowlen, np = 0;
	enum route_match m;

	if (size == 0)
		return 0;
	allowlen = data[0] % 160;
	if ((text = malloc(size)) == NULL ||
	    (allow = malloc(allowlen > 0 ? allowlen : 1)) == NULL) {
		free(text);
		return 0;
	}
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	path = strchr(text, ' ');
	if (path != NULL)
		*path++ = '\0';
	else
		path = text + strlen(text);
	m = route_find(routes, nroutes, text, path, arena, &found, params, &np,
	    allow, allowlen);
	switch (m) {
	case ROUTE_FOUND:
		FUZZ_CHECK(found != NULL && strcmp(found->method, text) == 0);
		FUZZ_CHECK(np == nparams_of(found->pattern));
		for (size_t i = 0; i < np; i++)
			FUZZ_CHECK(params[i][0] != '\0' &&
			    strchr(params[i], '/') == NULL);
		break;
	case ROUTE_BAD_METHOD:
		FUZZ_CHECK(found == NULL);
		if (allowlen > 0)
			FUZZ_CHECK(strlen(allow) < allowlen);
		if (allowlen >= 8)
			FUZZ_CHECK(allow[0] != '\0');
		break;
	case ROUTE_NOT_FOUND:
		FUZZ_CHECK(found == NULL);
		break;
	}
	arena_reset(arena);
	free(allow);
	free(text);
	return 0;
}
