/*
 * A whole API request: req_init() and route_dispatch() over the real route
 * table (handlers/routes.c), so method, path, query, headers and every
 * JSON body the handlers accept, with a database that is never there
 * (whatever gets past validation answers 503).
 *
 * Input, like an HTTP/1 request as nginx would pass it on:
 *
 *	METHOD /path?query\n
 *	Header-Name: value\n		(becomes HTTP_HEADER_NAME)
 *	CGI_NAME=value\n		(a FastCGI parameter as it is)
 *	\n
 *	body
 *
 * Without an Authorization header a valid token is sent, without a
 * Content-Type "application/json" and without a Content-Length the body's
 * own, so that the fuzzer spends its time inside the handlers.  Every
 * answer must be one well-formed response, a JSON object when it has a
 * body, and never a 5xx other than the database's 503.  With FUZZ_SHOW
 * set in the environment each response is printed on stderr.
 */
#include <ctype.h>
#include <time.h>

#include "arena.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#define FUZZ_OWN_INIT
#include "fuzz.h"
#include "handlers.h"
#include "http.h"
#include "router.h"
#include "../unit/fakeio.h"

#define ACCOUNT "4f6c5e2a-8c1d-4b7e-9a3f-2d1e0c9b8a71"

static struct config cfg;
static struct arena *arena;
static struct db *db;
static char bearer[1024];
static int show; /* FUZZ_SHOW set: print each response on stderr */
/* A socket directory that does not exist: connecting fails at once. */
static char database_url[] =
    "host=/nonexistent/tessie-fuzz port=1 connect_timeout=1";
static char client_id[] = "fuzz-client";
static char redirect_uri[] = "https://tessie.example/api/auth/tesla/callback";

/*
 * Turns one header line into a FastCGI parameter in place: "Name: value"
 * becomes HTTP_NAME (CONTENT_TYPE, CONTENT_LENGTH), "NAME=value" stays.
 */
static void
header_line(struct fake *f, char *line)
{
	char *colon = strchr(line, ':'), *eq = strchr(line, '='), *name;
	size_t len;

	if (eq != NULL && (colon == NULL || eq < colon)) {
		*eq = '\0';
		fake_setenv(f, line, eq + 1);
		return;
	}
	if (colon == NULL)
		return;
	*colon = '\0';
	len = strlen(line);
	if ((name = arena_alloc(arena, len + 6)) == NULL)
		return;
	if (strcasecmp(line, "content-type") == 0 ||
	    strcasecmp(line, "content-length") == 0) {
		name[0] = '\0';
	} else {
		memcpy(name, "HTTP_", 6);
	}
	for (size_t i = 0, o = strlen(name); i <= len; i++, o++)
		name[o] = line[i] == '-'
		    ? '_'
		    : (char)toupper((unsigned char)line[i]);
	for (colon++; *colon == ' '; colon++)
		;
	fake_setenv(f, name, colon);
}

/* Checks that out is one response: status line, headers, a JSON body. */
static void
response_ok(const char *out, size_t len, int status)
{
	const char *body;
	json_t *j;
	int st;

	FUZZ_CHECK(sscanf(out, "Status: %d ", &st) == 1 && st == status);
	FUZZ_CHECK(status >= 200 && status < 600);
	FUZZ_CHECK(status < 500 || status == 503);
	FUZZ_CHECK((body = strstr(out, "\r\n\r\n")) != NULL);
	body += 4;
	FUZZ_CHECK(strstr(out, "\r\n\r\nStatus:") == NULL);
	if ((size_t)(body - out) == len)
		return;
	j = json_loadb(body, len - (size_t)(body - out), 0, NULL);
	FUZZ_CHECK(json_is_object(j));
	json_decref(j);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *token = NULL;
	time_t exp;

	(void)argc;
	(void)argv;
	fuzz_setup();
	show = getenv("FUZZ_SHOW") != NULL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.database_url = database_url;
	memcpy(cfg.jwt_secret, "fuzz-secret-0123456789abcdefghijklmnop", 37);
	cfg.jwt_secret_len = 37;
	memset(cfg.encryption_key, 0x5a, sizeof(cfg.encryption_key));
	cfg.has_encryption_key = 1;
	cfg.encryption_key_version = 1;
	cfg.tesla_client_id = client_id;
	cfg.tesla_redirect_uri = redirect_uri;
	cfg.workers = 1;
	cfg.body_max = 65536;
	cfg.jwt_ttl = 86400;
	cfg.login_max_failures = 5;
	cfg.login_window = 900;
	cfg.log_level = LOGL_ERROR;
	cfg.fleet_budget_usd = 10;
	cfg.fleet_max_inflight = 1;
	if (jwt_issue(cfg.jwt_secret, cfg.jwt_secret_len, ACCOUNT, time(NULL),
		10 * 365 * 86400L, &token, &exp) != 0)
		return 1;
	snprintf(bearer, sizeof(bearer), "Bearer %s", token);
	free(token);
	arena = arena_new(32 << 20);
	db = db_new(cfg.database_url);
	return arena == NULL || db == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req_io io = { fake_getparam, fake_read, fake_write, NULL };
	char *text, *line, *next, *sp, len[24];
	struct fake f;
	struct req r;
	int status, in_body = 0;

	memset(&f, 0, sizeof(f));
	sbuf_init(&f.out, 16 << 20);
	io.ctx = &f;
	if ((text = arena_alloc(arena, size + 1)) == NULL)
		goto out;
	memcpy(text, data, size);
	text[size] = '\0';

	/* The request line, then headers up to an empty line, then body. */
	line = text;
	next = memchr(line, '\n', size);
	if (next != NULL)
		*next++ = '\0';
	if ((sp = strchr(line, ' ')) != NULL)
		*sp++ = '\0';
	fake_setenv(&f, "REQUEST_METHOD", line);
	fake_setenv(&f, "REQUEST_URI", sp != NULL ? sp : "");
	while (next != NULL && !in_body) {
		line = next;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (*line == '\0')
			in_body = 1;
		else
			header_line(&f, line);
	}
	if (in_body && next != NULL) {
		f.body = next;
		f.body_len = size - (size_t)(next - text);
	}
	if (fake_getparam(&f, "HTTP_AUTHORIZATION") == NULL)
		fake_setenv(&f, "HTTP_AUTHORIZATION", bearer);
	if (fake_getparam(&f, "CONTENT_TYPE") == NULL)
		fake_setenv(&f, "CONTENT_TYPE", "application/json");
	if (fake_getparam(&f, "CONTENT_LENGTH") == NULL) {
		snprintf(len, sizeof(len), "%zu", f.body_len);
		fake_setenv(&f, "CONTENT_LENGTH", len);
	}
	fake_setenv(&f, "REMOTE_ADDR", "192.0.2.1");

	status = req_init(&r, arena, &cfg, db, &io);
	if (status == 0)
		status = route_dispatch(&r, routes, nroutes);
	req_release(&r);
	if (show)
		fprintf(stderr, "%s\n", f.out.buf);
	FUZZ_CHECK(!f.out.failed);
	response_ok(f.out.buf, f.out.len, status);
out:
	sbuf_release(&f.out);
	arena_reset(arena);
	return 0;
}
