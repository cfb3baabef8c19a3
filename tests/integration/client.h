/*
 * HTTP client for the integration tests: one request through nginx with
 * libcurl, the status, headers and parsed JSON body kept for assertions.
 */
#ifndef TESSIE_TEST_CLIENT_H
#define TESSIE_TEST_CLIENT_H

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "sbuf.h"

/* Not every test uses every helper. */
#pragma GCC diagnostic ignored "-Wunused-function"

struct resp {
	long status;
	struct sbuf body;
	struct sbuf headers;
	json_t *json; /* NULL when the body is not JSON */
};

static size_t
client_collect(char *p, size_t size, size_t n, void *ud)
{
	sbuf_add(ud, p, size * n);
	return size * n;
}

static void
resp_free(struct resp *r)
{
	sbuf_release(&r->body);
	sbuf_release(&r->headers);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/*
 * A test that sends hundreds of requests sets this: each one through nginx
 * then waits its turn (its limit_req), and the next test binaries find the
 * bucket full again.
 */
static useconds_t client_pace_us;

/*
 * Sends method path (relative to base) with an optional bearer token,
 * content type and body of len bytes.  Fills *out; returns status.
 */
static long
http_send_to(const char *base, struct resp *out, const char *method,
    const char *path, const char *token, const char *ctype, const char *body,
    size_t len)
{
	struct curl_slist *h = NULL;
	char url[2048], line[4096];
	CURL *c = curl_easy_init();

	memset(out, 0, sizeof(*out));
	sbuf_init(&out->body, 8 << 20);
	sbuf_init(&out->headers, 1 << 16);
	snprintf(url, sizeof(url), "%s%s", base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, client_collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, client_collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (token != NULL) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, line);
	}
	if (ctype != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", ctype);
		h = curl_slist_append(h, line);
	}
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(
		    c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		h = curl_slist_append(h, "Expect:");
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	out->json = json_loadb(out->body.buf, out->body.len, 0, NULL);
	return out->status;
}

/* http_send_to $TEST_BASE_URL (nginx), paced if the test asks. */
static long
http_send(struct resp *out, const char *method, const char *path,
    const char *token, const char *ctype, const char *body, size_t len)
{
	if (client_pace_us > 0)
		usleep(client_pace_us);
	return http_send_to(getenv("TEST_BASE_URL"), out, method, path, token,
	    ctype, body, len);
}

static long
http_get(struct resp *out, const char *path, const char *token)
{
	return http_send(out, "GET", path, token, NULL, NULL, 0);
}

static long
http_post_json(
    struct resp *out, const char *path, const char *token, const char *body)
{
	return http_send(
	    out, "POST", path, token, "application/json", body, strlen(body));
}

/* The error code of an error body, or "" */
static const char *
resp_error_code(const struct resp *r)
{
	const char *s = json_string_value(
	    json_object_get(json_object_get(r->json, "error"), "code"));

	return s ? s : "";
}

/* The value of header name (case-insensitive) in r, copied to out. */
static int
resp_header(const struct resp *r, const char *name, char *out, size_t n)
{
	size_t len = strlen(name);
	const char *p = r->headers.buf;

	while (p != NULL && *p) {
		if (strncasecmp(p, name, len) == 0 && p[len] == ':') {
			const char *v = p + len + 1;
			size_t k;

			while (*v == ' ')
				v++;
			k = strcspn(v, "\r\n");
			if (k >= n)
				k = n - 1;
			memcpy(out, v, k);
			out[k] = '\0';
			return 1;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/*
 * A TCP connection to the stack's nginx ($TEST_BASE_URL's port on
 * loopback), for requests sent byte for byte; the socket, or -1.
 */
static int
nginx_connect(void)
{
	const char *base = getenv("TEST_BASE_URL"), *colon;
	struct sockaddr_in sa;
	int fd;

	colon = base ? strrchr(base, ':') : NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)(colon ? atoi(colon + 1) : 0));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

#endif
