/*
 * What nginx serves, against the project's own nginx template: the
 * security headers on every kind of answer (page, asset, API, API error,
 * nginx's own JSON errors), no version in the Server header, and nothing
 * outside the web root and /api -- no dotfile, no .git, no directory
 * listing, no path that climbs out of the root, however it is spelled.
 * The web root holds decoys (tests/integration/run.sh): a .git folder, a
 * .env file and a folder without an index.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "stack.h"
#include "util.h"

static const char *const sec_headers[][2] = {
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "DENY" },
	{ "Referrer-Policy", "strict-origin-when-cross-origin" },
	{ "Content-Security-Policy", "default-src 'self';" },
};

/* Every security header on r (the CSP by its start), and no version. */
static void
has_headers(const struct resp *r, const char *what)
{
	char v[512], msg[256];
	size_t i, missing = 0;

	for (i = 0; i < nitems(sec_headers); i++)
		if (!resp_header(r, sec_headers[i][0], v, sizeof(v)) ||
		    strncmp(v, sec_headers[i][1], strlen(sec_headers[i][1])) !=
			0) {
			if (missing++ == 0)
				printf(
				    "#   %s: no %s\n", what, sec_headers[i][0]);
		}
	snprintf(msg, sizeof(msg), "%s: every security header", what);
	ok(missing == 0, msg);
	snprintf(msg, sizeof(msg), "%s: Server says no version", what);
	ok(resp_header(r, "Server", v, sizeof(v)) && strcmp(v, "nginx") == 0,
	    msg);
}

static void
t_headers(void)
{
	static char big[200 * 1024];
	struct resp r;

	static const struct {
		const char *path;
		long status;
		const char *what;
	} gets[] = {
		{ "/", 200, "page" },
		{ "/assets/app.js", 200, "asset" },
		{ "/api/health", 200, "API answer" },
		{ "/api/vehicles", 401, "API 401" },
		{ "/api/no/such/route", 404, "API 404" },
		{ "/.git/config", 404, "dotfile 404" },
	};
	char msg[96];

	for (size_t i = 0; i < nitems(gets); i++) {
		http_get(&r, gets[i].path, NULL);
		snprintf(
		    msg, sizeof(msg), "%s: GET %s", gets[i].what, gets[i].path);
		is_int(r.status, gets[i].status, msg);
		has_headers(&r, gets[i].what);
		resp_free(&r);
	}

	/* Far over client_max_body_size: nginx's own JSON 413. */
	memset(big, 'a', sizeof(big));
	http_send(&r, "POST", "/api/drivers", NULL, "application/json", big,
	    sizeof(big));
	is_int(r.status, 413, "a 200 KB body stops at nginx");
	is_str(resp_error_code(&r), "payload_too_large", "as JSON");
	has_headers(&r, "nginx 413");
	resp_free(&r);
}

/*
 * Sends req as it is (no client tidies the path) to nginx; the status
 * into *status and the whole answer into out.
 */
static void
raw(const char *req, int *status, char *out, size_t n)
{
	size_t got = 0;
	ssize_t k;
	int fd;

	*status = 0;
	out[0] = '\0';
	if ((fd = nginx_connect()) < 0)
		return;
	if (write(fd, req, strlen(req)) == (ssize_t)strlen(req))
		while (
		    got + 1 < n && (k = read(fd, out + got, n - 1 - got)) > 0)
			got += (size_t)k;
	close(fd);
	out[got] = '\0';
	sscanf(out, "HTTP/1.%*d %d", status);
}

static void
t_outside(void)
{
	/* Each path, as sent, must not reach a decoy or a system file. */
	static const char *const paths[] = { "/.git/config", "/.git/HEAD",
		"/.git/", "/.env", "/assets/.env", "/%2egit/config",
		"/%2Egit/config", "/.%67it/config", "/assets/../.git/config",
		"/assets/%2e%2e/.git/config", "/api/../.git/config",
		"/api/..%2f.git/config", "/../../../../etc/passwd",
		"/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd",
		"/assets/../../../etc/passwd", "//etc/passwd",
		"/assets/listme/", "/assets/listme", "/assets/", "/./.env",
		"/assets/app.js/../../.env", "/.git%2fconfig",
		"/index.html/../.git/config" };
	char req[512], out[65536], msg[256];
	size_t i, leaked = 0, errors = 0;
	int status;

	for (i = 0; i < nitems(paths); i++) {
		snprintf(req, sizeof(req),
		    "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
		    "close\r\n\r\n",
		    paths[i]);
		raw(req, &status, out, sizeof(out));
		if (strstr(out, "decoy") != NULL ||
		    strstr(out, "DECOY_SECRET") != NULL ||
		    strstr(out, "root:") != NULL ||
		    strstr(out, "x.txt") != NULL ||
		    strstr(out, "Index of") != NULL) {
			leaked++;
			printf("#   %s: %d, served something it must not\n",
			    paths[i], status);
		}
		/* A 2xx is the app's own index.html, nothing else. */
		if (status == 0 || status >= 500 ||
		    (status < 300 &&
			strstr(out, "<!doctype html><title>t</title>") ==
			    NULL)) {
			errors++;
			printf("#   %s: %d\n", paths[i], status);
		}
	}
	snprintf(msg, sizeof(msg),
	    "%zu paths out of the root, dotfiles, listings: nothing served",
	    nitems(paths));
	ok(leaked == 0, msg);
	ok(errors == 0, "each a 4xx or the app's own page, never a 5xx");

	raw("GET /.git/config HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    &status, out, sizeof(out));
	is_int(status, 404, "a dotfile is 404");
	ok(strstr(out, "\"code\":\"not_found\"") != NULL, "with a JSON error");
	raw("GET /assets/listme/ HTTP/1.1\r\nHost: x\r\nConnection: "
	    "close\r\n\r\n",
	    &status, out, sizeof(out));
	ok(status == 403 || status == 404,
	    "a folder without an index is refused, not listed");
	raw("GET /assets/app.js HTTP/1.1\r\nHost: x\r\nConnection: "
	    "close\r\n\r\n",
	    &status, out, sizeof(out));
	ok(status == 200 && strstr(out, "console.log(1)") != NULL,
	    "while a real asset is served");
}

static const struct tap_test tests[] = {
	TAP(t_headers),
	TAP(t_outside),
};

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return tap_run(tests, nitems(tests));
}
