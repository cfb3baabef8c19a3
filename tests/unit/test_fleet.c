/*
 * Unit tests for lib/fleet.c.  No network: the request, retry, 429,
 * timeout, size-cap and concurrency tests talk to a throwaway HTTP server
 * on 127.0.0.1 in a thread of this process, which answers with scripted
 * raw responses and counts its open connections.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fleet.h"
#include "log.h"
#include "util.h"

#include "../tap.h"

#define is_near(got, want, tol, msg)                                           \
	do {                                                                   \
		double g_ = (got), w_ = (want);                                \
		if (!ok(g_ - w_ <= (tol) && w_ - g_ <= (tol), msg))            \
			printf("#   got %.9g, want %.9g\n", g_, w_);           \
	} while (0)

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the throwaway server ------------------------------------------- */

#define SRV_MAXC 64
#define SRV_REQ_MAX 8192

struct sconn {
	int fd;
	char buf[SRV_REQ_MAX];
	size_t len;
	int ready; /* a whole request was read */
	long long due; /* when to answer, monotonic ms */
	const char *resp;
};

struct srv {
	int lfd;
	int port;
	int wake[2];
	pthread_t th;
	const char *const *script; /* responses in order; the last repeats */
	size_t nscript;
	int delay_ms; /* hold each answer this long */
	int silent; /* read requests, never answer */
	/* Observations: read them after srv_stop(). */
	int nreq;
	int cur, maxcur; /* open connections now / at most */
	char first[SRV_REQ_MAX];
	char last[SRV_REQ_MAX];
};

/* 1 when buf holds the head and Content-Length bytes of body. */
static int
request_complete(const char *buf, size_t len)
{
	const char *end, *cl;
	size_t body = 0;

	if ((end = strstr(buf, "\r\n\r\n")) == NULL)
		return 0;
	cl = strcasestr(buf, "\r\ncontent-length:");
	if (cl != NULL && cl < end)
		body = (size_t)strtoul(cl + 17, NULL, 10);
	return len >= (size_t)(end + 4 - buf) + body;
}

static void
conn_close(struct srv *s, struct sconn *c, int *nc, int i)
{
	close(c[i].fd);
	s->cur--;
	c[i] = c[--*nc];
}

/* Sends all of resp; errors (the client went away) end it. */
static void
send_all(int fd, const char *resp)
{
	size_t len = strlen(resp), off = 0;
	ssize_t w;

	while (off < len) {
		w = send(fd, resp + off, len - off, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	struct sconn *c;
	struct pollfd pfd[SRV_MAXC + 2];
	int nc = 0, i, n, fd, timeout;
	long long now;
	ssize_t r;

	if ((c = calloc(SRV_MAXC, sizeof(*c))) == NULL)
		return NULL;
	for (;;) {
		pfd[0].fd = s->wake[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = s->lfd;
		pfd[1].events = nc < SRV_MAXC ? POLLIN : 0;
		timeout = -1;
		now = now_ms();
		for (i = 0; i < nc; i++) {
			pfd[i + 2].fd = c[i].fd;
			pfd[i + 2].events = c[i].ready ? 0 : POLLIN;
			if (c[i].ready && !s->silent &&
			    (timeout == -1 || c[i].due - now < timeout))
				timeout = c[i].due - now < 0
				    ? 0
				    : (int)(c[i].due - now);
		}
		n = nc + 2;
		if (poll(pfd, (nfds_t)n, timeout) < 0)
			continue;
		if (pfd[0].revents)
			break;
		for (i = nc - 1; i >= 0; i--) {
			if (!(pfd[i + 2].revents &
				(POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(c[i].fd, c[i].buf + c[i].len,
			    sizeof(c[i].buf) - 1 - c[i].len);
			if (r <= 0) {
				conn_close(s, c, &nc, i);
				continue;
			}
			c[i].len += (size_t)r;
			c[i].buf[c[i].len] = '\0';
			if (!request_complete(c[i].buf, c[i].len))
				continue;
			c[i].ready = 1;
			c[i].due = now_ms() + s->delay_ms;
			c[i].resp = s->script[(size_t)s->nreq < s->nscript
				? (size_t)s->nreq
				: s->nscript - 1];
			if (s->nreq++ == 0)
				memcpy(s->first, c[i].buf, c[i].len + 1);
			memcpy(s->last, c[i].buf, c[i].len + 1);
		}
		if (pfd[1].revents & POLLIN) {
			fd = accept(s->lfd, NULL, NULL);
			if (fd >= 0) {
				memset(&c[nc], 0, sizeof(c[nc]));
				c[nc++].fd = fd;
				if (++s->cur > s->maxcur)
					s->maxcur = s->cur;
			}
		}
		now = now_ms();
		for (i = nc - 1; i >= 0; i--) {
			if (!c[i].ready || s->silent || c[i].due > now)
				continue;
			send_all(c[i].fd, c[i].resp);
			conn_close(s, c, &nc, i);
		}
	}
	while (nc > 0)
		conn_close(s, c, &nc, nc - 1);
	free(c);
	return NULL;
}

/*
 * Starts a server answering with script (n responses), each after
 * delay_ms, or never when silent; 0 or -1.
 */
static int
srv_start(struct srv *s, const char *const *script, size_t n, int delay_ms,
    int silent)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	memset(s, 0, sizeof(*s));
	s->script = script;
	s->nscript = n;
	s->delay_ms = delay_ms;
	s->silent = silent;
	if ((s->lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->lfd, 128) < 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&sa, &sl) < 0 ||
	    pipe(s->wake) < 0) {
		close(s->lfd);
		return -1;
	}
	s->port = ntohs(sa.sin_port);
	if (pthread_create(&s->th, NULL, srv_main, s) != 0) {
		close(s->lfd);
		close(s->wake[0]);
		close(s->wake[1]);
		return -1;
	}
	return 0;
}

/* Stops the server and waits for its thread. */
static void
srv_stop(struct srv *s)
{
	ssize_t w;

	w = write(s->wake[1], "x", 1);
	(void)w;
	pthread_join(s->th, NULL);
	close(s->lfd);
	close(s->wake[0]);
	close(s->wake[1]);
}

/* ---- the client side ------------------------------------------------- */

#define MAXREQ 64

/* What the hooks saw. */
struct rec {
	int ndone;
	int nattempt;
	int done_for[MAXREQ]; /* on_done calls per request (user index) */
	int tried_for[MAXREQ]; /* attempts per request (user index) */
	enum fleet_outcome outcome;
	long status;
	int attempts;
	long latency_ms;
	long retry_after_s;
	double cost;
	char error[32];
	char api_error[128];
	int body_a; /* body's "a" member, -1 without, -2 for JSON null */
	int stop; /* return FLEET_STOP from on_done */
	struct fleet_attempt att[16];
	char att_error[16][32];
	const char *att_class[16];
};

static void
on_attempt(
    void *ctx, const struct fleet_req *req, const struct fleet_attempt *a)
{
	struct rec *r = ctx;
	intptr_t i = (intptr_t)req->user;

	if (i >= 0 && i < MAXREQ)
		r->tried_for[i]++;
	if (r->nattempt < 16) {
		r->att[r->nattempt] = *a;
		snprintf(r->att_error[r->nattempt], 32, "%s",
		    a->error ? a->error : "");
		r->att[r->nattempt].error = NULL;
		r->att_class[r->nattempt] = fleet_class_name(req->cls);
	}
	r->nattempt++;
}

static int
on_done(void *ctx, const struct fleet_req *req, const struct fleet_result *res)
{
	struct rec *r = ctx;
	intptr_t i = (intptr_t)req->user;
	json_t *a;

	if (i >= 0 && i < MAXREQ)
		r->done_for[i]++;
	r->ndone++;
	r->outcome = res->outcome;
	r->status = res->status;
	r->attempts = res->attempts;
	r->latency_ms = res->latency_ms;
	r->retry_after_s = res->retry_after_s;
	r->cost = res->cost;
	snprintf(
	    r->error, sizeof(r->error), "%s", res->error ? res->error : "");
	snprintf(r->api_error, sizeof(r->api_error), "%s",
	    res->api_error ? res->api_error : "");
	r->body_a = -1;
	if (json_is_null(res->body))
		r->body_a = -2;
	else if (json_is_integer(a = json_object_get(res->body, "a")))
		r->body_a = (int)json_integer_value(a);
	return r->stop ? FLEET_STOP : FLEET_CONTINUE;
}

/* Options for the test server at port, quick to give up. */
static void
test_opts(struct fleet_opts *o, char *url, size_t urllen, int port)
{
	snprintf(url, urllen, "http://127.0.0.1:%d", port);
	fleet_opts_init(o);
	o->base_url = url;
	o->access_token = "tok-123";
	o->connect_timeout_ms = 2000;
	o->timeout_ms = 5000;
	o->backoff_base_ms = 10;
	o->backoff_max_ms = 40;
}

/*
 * Runs one GET of path (class cls) against a server with script and
 * fills r; o_edit may change the options.  Returns fleet_run's value.
 */
static int
run_one(struct srv *s, const char *const *script, size_t n, const char *path,
    enum fleet_class cls, struct rec *r, void (*o_edit)(struct fleet_opts *))
{
	struct fleet_req req = { "GET", path, NULL, cls, "/api/1/test", 0,
		(void *)0 };
	struct fleet_hooks h = { on_attempt, on_done, r };
	struct fleet_opts o;
	struct fleet *f;
	char url[64], err[128];
	int rc = -2;

	memset(r, 0, sizeof(*r));
	if (srv_start(s, script, n, 0, 0) == -1) {
		ok(0, "server starts");
		return -2;
	}
	test_opts(&o, url, sizeof(url), s->port);
	if (o_edit != NULL)
		o_edit(&o);
	if ((f = fleet_new(&o, err, sizeof(err))) != NULL) {
		rc = fleet_run(f, &req, 1, &h);
		fleet_free(f);
	} else
		printf("# fleet_new: %s\n", err);
	srv_stop(s);
	return rc;
}

#define R200(body)                                                             \
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"                \
	"Connection: close\r\nContent-Length: " #body "\r\n\r\n"
#define OKBODY "{\"response\":{\"a\":1},\"error\":null}"
static const char resp_ok[] = "HTTP/1.1 200 OK\r\n"
			      "Content-Type: application/json\r\n"
			      "Connection: close\r\n"
			      "Content-Length: 33\r\n\r\n" OKBODY;
static const char resp_503[] = "HTTP/1.1 503 Service Unavailable\r\n"
			       "Connection: close\r\n"
			       "Content-Length: 0\r\n\r\n";

/* ---- pure functions -------------------------------------------------- */

static void
t_base_url(void)
{
	static const struct {
		const char *url;
		int rc, loopback;
	} cases[] = {
		{ "https://fleet-api.prd.na.vn.cloud.tesla.com", 0, 0 },
		{ "https://fleet-api.prd.eu.vn.cloud.tesla.com/", 0, 0 },
		{ "https://example.com:8443", 0, 0 },
		{ "HTTPS://EXAMPLE.COM", 0, 0 },
		{ "http://127.0.0.1:8099", 0, 1 },
		{ "http://127.0.0.1", 0, 1 },
		{ "http://localhost:1234/", 0, 1 },
		{ "http://[::1]:8099", 0, 1 },
		{ "https://127.0.0.1:8099", 0, 1 },
		{ "http://example.com", -1, 0 },
		{ "http://127.0.0.2:80", -1, 0 },
		{ "http://localhost.example.com", -1, 0 },
		{ "http://127.0.0.1.nip.io", -1, 0 },
		{ "ftp://127.0.0.1", -1, 0 },
		{ "ftp://example.com", -1, 0 },
		{ "file:///etc/passwd", -1, 0 },
		{ "https://", -1, 0 },
		{ "https:///path", -1, 0 },
		{ "https://example.com/api", -1, 0 },
		{ "https://example.com?x=1", -1, 0 },
		{ "https://example.com#f", -1, 0 },
		{ "https://user:pw@example.com", -1, 0 },
		{ "https://exa mple.com", -1, 0 },
		{ "example.com", -1, 0 },
		{ "garbage", -1, 0 },
		{ "", -1, 0 },
		{ "//example.com", -1, 0 },
	};
	char msg[96];
	size_t i;
	int lo;

	for (i = 0; i < nitems(cases); i++) {
		lo = 42;
		snprintf(msg, sizeof(msg), "base URL \"%s\"", cases[i].url);
		is_int(
		    fleet_base_url_check(cases[i].url, &lo), cases[i].rc, msg);
		if (cases[i].rc == 0)
			is_int(lo, cases[i].loopback, "loopback flag");
	}
	is_int(fleet_base_url_check(NULL, NULL), -1, "NULL");
}

static void
t_region(void)
{
	int lo = 42;

	is_str(fleet_region_base_url("na"),
	    "https://fleet-api.prd.na.vn.cloud.tesla.com", "na");
	is_str(fleet_region_base_url("eu"),
	    "https://fleet-api.prd.eu.vn.cloud.tesla.com", "eu");
	is_str(fleet_region_base_url("cn"),
	    "https://fleet-api.prd.cn.vn.cloud.tesla.cn", "cn");
	ok(fleet_region_base_url("NA") == NULL, "case matters");
	ok(fleet_region_base_url("ap") == NULL, "unknown region");
	ok(fleet_region_base_url(NULL) == NULL, "NULL");
	is_int(fleet_base_url_check(fleet_region_base_url("cn"), &lo), 0,
	    "region URLs pass the check");
	is_int(lo, 0, "not loopback");
}

static void
t_pkce(void)
{
	char v[FLEET_PKCE_VERIFIER_LEN + 1], c[FLEET_PKCE_CHALLENGE_LEN + 1];
	char v2[FLEET_PKCE_VERIFIER_LEN + 1], c2[FLEET_PKCE_CHALLENGE_LEN + 1];
	char again[FLEET_PKCE_CHALLENGE_LEN + 1];
	char longv[130];

	/*
	 * RFC 7636 appendix B: these 32 octets, base64url-encoded, are the
	 * verifier, whose challenge is E9Melhoa...  (The verifier often
	 * quoted for it, dBjftJeZ4CVP-mJ92K5xcWB8KWy9h8fl5fAq9SX8fSU, is a
	 * mis-copy: its S256 challenge is KyOJ4zhh..., as `openssl dgst
	 * -sha256 -binary | base64` agrees.)
	 */
	static const uint8_t octets[32] = { 116, 24, 223, 180, 151, 153, 224,
		37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105,
		214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121 };
	char rfcv[64];

	ok(b64url_encode(octets, sizeof(octets), rfcv, sizeof(rfcv)) == 43,
	    "encodes the RFC octets");
	is_str(rfcv, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
	    "RFC 7636 appendix B verifier");
	ok(fleet_pkce_challenge(rfcv, c) == 0, "RFC verifier accepted");
	is_str(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
	    "RFC 7636 appendix B challenge");
	ok(fleet_pkce_challenge(
	       "dBjftJeZ4CVP-mJ92K5xcWB8KWy9h8fl5fAq9SX8fSU", c) == 0,
	    "the mis-copied verifier is still a valid verifier");
	is_str(c, "KyOJ4zhhwsyEs8CWHqD7kGYhkWx979NNxVSBgVfBxKI",
	    "and has its own challenge");

	ok(fleet_pkce_new(v, c) == 0, "new pair");
	is_int(strlen(v), 64, "verifier of 64 characters");
	ok(strspn(v,
	       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	       "0123456789-_") == 64,
	    "base64url alphabet");
	is_int(strlen(c), 43, "challenge of 43 characters");
	ok(fleet_pkce_challenge(v, again) == 0 && strcmp(again, c) == 0,
	    "challenge = base64url(SHA-256(verifier))");
	ok(fleet_pkce_new(v2, c2) == 0 && strcmp(v, v2) != 0 &&
		strcmp(c, c2) != 0,
	    "random each time");

	ok(fleet_pkce_challenge("short", c) == -1, "42 or fewer refused");
	ok(fleet_pkce_challenge(
	       "dBjftJeZ4CVP-mJ92K5xcWB8KWy9h8fl5fAq9SX8fS", c) == -1,
	    "42 characters refused");
	ok(fleet_pkce_challenge(
	       "dBjftJeZ4CVP-mJ92K5xcWB8KWy9h8fl5fAq9SX8fS+", c) == -1,
	    "'+' refused");
	memset(longv, 'a', 129);
	longv[129] = '\0';
	ok(fleet_pkce_challenge(longv, c) == -1, "129 characters refused");
	longv[128] = '\0';
	ok(fleet_pkce_challenge(longv, c) == 0, "128 characters accepted");
	ok(fleet_pkce_challenge(NULL, c) == -1, "NULL refused");
}

static void
t_authorize_url(void)
{
	char *u;

	u = fleet_authorize_url(NULL, "my-client",
	    "https://stats.example.com/api/auth/tesla/callback?x=1&y=2",
	    "openid offline_access vehicle_device_data", "s+t/a=te&",
	    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
	is_str(u,
	    "https://auth.tesla.com/oauth2/v3/authorize?response_type=code"
	    "&client_id=my-client"
	    "&redirect_uri=https%3A%2F%2Fstats.example.com%2Fapi%2Fauth%2F"
	    "tesla%2Fcallback%3Fx%3D1%26y%3D2"
	    "&scope=openid%20offline_access%20vehicle_device_data"
	    "&state=s%2Bt%2Fa%3Dte%26"
	    "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	    "&code_challenge_method=S256",
	    "every value percent-encoded");
	free(u);
	u = fleet_authorize_url("https://auth.tesla.cn/oauth2/v3/authorize",
	    "c", "r", "s", "t", "x");
	ok(u != NULL && strncmp(u, "https://auth.tesla.cn/", 22) == 0,
	    "another base");
	free(u);
	ok(fleet_authorize_url(NULL, "c", NULL, "s", "t", "x") == NULL,
	    "a missing value refused");
}

static void
t_prices(void)
{
	is_near(FLEET_PRICE_DATA, 0.002, 1e-12, "data $0.002");
	is_near(FLEET_PRICE_WAKE, 0.02, 1e-12, "wake $0.02");
	is_near(FLEET_PRICE_COMMAND, 0.001, 1e-12, "command $0.001");
	is_near(FLEET_PRICE_AUTH, 0, 0, "auth free");
	is_near(FLEET_PRICE_ENERGY, 0, 0, "energy free today");
	is_near(fleet_price(FLEET_DATA, 200), 0.002, 1e-12, "200 billed");
	is_near(fleet_price(FLEET_DATA, 408), 0.002, 1e-12, "408 billed");
	is_near(fleet_price(FLEET_DATA, 429), 0.002, 1e-12, "429 billed");
	is_near(fleet_price(FLEET_DATA, 499), 0.002, 1e-12, "499 billed");
	is_near(fleet_price(FLEET_DATA, 500), 0, 0, "500 free");
	is_near(fleet_price(FLEET_DATA, 503), 0, 0, "503 free");
	is_near(fleet_price(FLEET_DATA, 540), 0, 0, "540 free");
	is_near(fleet_price(FLEET_DATA, 0), 0, 0, "transport error free");
	is_near(fleet_price(FLEET_WAKE, 200), 0.02, 1e-12, "wake 200");
	is_near(fleet_price(FLEET_COMMAND, 401), 0.001, 1e-12, "command 401");
	is_near(fleet_price(FLEET_AUTH, 200), 0, 0, "auth 200");
	is_near(fleet_price(FLEET_ENERGY, 200), 0, 0, "energy 200");
	is_str(fleet_class_name(FLEET_DATA), "data", "data");
	is_str(fleet_class_name(FLEET_WAKE), "wake", "wake");
	is_str(fleet_class_name(FLEET_COMMAND), "command", "command");
	is_str(fleet_class_name(FLEET_AUTH), "auth", "auth");
	is_str(fleet_class_name(FLEET_ENERGY), "energy", "energy");
	is_str(fleet_outcome_name(FLEET_ERR_ASLEEP), "asleep", "outcome name");
	is_str(fleet_outcome_name(FLEET_ERR_CANCELLED), "cancelled",
	    "last outcome name");
}

static void
t_backoff(void)
{
	static const uint32_t rnds[] = { 0, 1, 2, 7, 1000, 65535, 0x7fffffff,
		UINT32_MAX };
	struct fleet_opts o;
	long d, lo, hi, got, base;
	int k, bad = 0, hit_lo = 0, hit_hi = 0;
	size_t i;
	uint8_t b[4];

	fleet_opts_init(&o);
	is_int(fleet_backoff_ms(&o, 1, 0), 250, "first retry: at least 250");
	is_int(fleet_backoff_ms(&o, 1, 250), 500, "first retry: at most 500");
	for (k = 1; k <= 12; k++) {
		base = o.backoff_base_ms;
		for (d = base;
		     d < o.backoff_max_ms && k > 1 && d < base << (k - 1);)
			d *= 2;
		if (d > o.backoff_max_ms)
			d = o.backoff_max_ms;
		lo = d - d / 2;
		hi = d;
		for (i = 0; i < nitems(rnds) + 200; i++) {
			uint32_t rv = i < nitems(rnds)
			    ? rnds[i]
			    : (random_bytes(b, 4) == 0 ? (uint32_t)b[0] << 24 |
					  b[1] << 16 | b[2] << 8 | b[3]
						       : 0);
			got = fleet_backoff_ms(&o, k, rv);
			if (got < lo || got > hi) {
				bad++;
				printf("# attempt %d rnd %u: %ld not in "
				       "[%ld, %ld]\n",
				    k, rv, got, lo, hi);
			}
			hit_lo += got == lo;
			hit_hi += got == hi;
		}
	}
	is_int(bad, 0, "every delay within [D/2, D], D = min(max, base*2^k)");
	ok(hit_lo > 0 && hit_hi > 0, "both bounds reachable");
	is_int(fleet_backoff_ms(&o, 100, UINT32_MAX) <= 30000, 1,
	    "capped at backoff_max");
	is_int(fleet_backoff_ms(&o, 7, 0), 15000, "7th retry: 30 s cap / 2");
	o.backoff_base_ms = 0;
	is_int(fleet_backoff_ms(&o, 3, 12345), 0, "zero base: no wait");
}

static void
t_new_refuses(void)
{
	struct fleet_opts o;
	struct fleet *f;
	char err[160];

	fleet_opts_init(&o);
	o.base_url = "http://example.com";
	o.access_token = "SECRET-TOKEN-1";
	f = fleet_new(&o, err, sizeof(err));
	ok(f == NULL, "plain http to a public host refused");
	ok(strstr(err, "SECRET") == NULL && err[0] != '\0',
	    "the reason never names the token");
	o.base_url = "https://example.com";
	o.max_inflight = 0;
	ok(fleet_new(&o, err, sizeof(err)) == NULL, "max_inflight 0 refused");
	o.max_inflight = 4;
	o.max_body = 0;
	ok(fleet_new(&o, err, sizeof(err)) == NULL, "max_body 0 refused");
	o.max_body = 1024;
	o.max_retries = 11;
	ok(fleet_new(&o, err, sizeof(err)) == NULL, "11 retries refused");
	o.max_retries = 0;
	ok((f = fleet_new(&o, err, sizeof(err))) != NULL, "then accepted");
	ok(fleet_set_token(f, "t2") == 0, "token replaced");
	ok(fleet_set_token(f, NULL) == 0, "token cleared");
	fleet_free(f);
	fleet_free(NULL);
}

/* ---- against the server ---------------------------------------------- */

static void
t_ok_and_headers(void)
{
	static const char *const script[] = { resp_ok };
	struct srv s;
	struct rec r = { 0 };
	long long t0 = (long long)time(NULL) * 1000;

	is_int(run_one(&s, script, 1, "/api/1/vehicles?page=1", FLEET_DATA, &r,
		   NULL),
	    0, "runs");
	is_int(r.ndone, 1, "one on_done");
	is_int(r.outcome, FLEET_OK, "ok");
	is_int(r.status, 200, "200");
	is_int(r.attempts, 1, "one attempt");
	is_str(r.error, "", "no error");
	is_int(r.body_a, 1, "body is the envelope's response");
	is_near(r.cost, 0.002, 1e-12, "a data call costs $0.002");
	is_int(r.retry_after_s, -1, "no Retry-After");
	is_int(r.nattempt, 1, "one ledger row");
	is_int(r.att[0].status, 200, "ledger status");
	is_near(r.att[0].cost, 0.002, 1e-12, "ledger cost");
	is_str(r.att_class[0], "data", "ledger class");
	ok(r.att[0].sent_ms >= t0 - 1000 && r.att[0].sent_ms <= t0 + 10000,
	    "ledger time is wall clock ms");
	ok(r.att[0].latency_ms >= 0 && r.att[0].latency_ms < 5000, "latency");
	ok(strncmp(s.first, "GET /api/1/vehicles?page=1 HTTP/1.1\r\n", 37) == 0,
	    "method, path and query");
	ok(strstr(s.first, "\r\nAuthorization: Bearer tok-123\r\n") != NULL,
	    "bearer token sent");
	ok(strstr(s.first, "\r\nUser-Agent: tessie-stats/0.1\r\n") != NULL,
	    "user agent");
	ok(strstr(s.first, "\r\nAccept: application/json\r\n") != NULL,
	    "accepts JSON");
	ok(strstr(s.first, "\r\nContent-Type: application/json\r\n") != NULL,
	    "content type");
}

static void
t_post_wake(void)
{
	static const char *const script[] = { resp_ok };
	struct fleet_req req = { "POST", "/api/1/vehicles/5/wake_up", NULL,
		FLEET_WAKE, "/api/1/vehicles/{id}/wake_up", 0, NULL };
	struct fleet_hooks h = { on_attempt, on_done, NULL };
	struct fleet_opts o;
	struct fleet *f;
	struct srv s;
	struct rec r = { 0 };
	char url[64], err[128];

	memset(&r, 0, sizeof(r));
	h.ctx = &r;
	if (!ok(srv_start(&s, script, 1, 0, 0) == 0, "server"))
		return;
	test_opts(&o, url, sizeof(url), s.port);
	if ((f = fleet_new(&o, err, sizeof(err))) != NULL) {
		is_int(fleet_run(f, &req, 1, &h), 0, "runs");
		fleet_free(f);
	}
	srv_stop(&s);
	is_int(r.outcome, FLEET_OK, "ok");
	is_near(r.cost, 0.02, 1e-12, "a wake costs $0.02");
	ok(strncmp(s.first, "POST /api/1/vehicles/5/wake_up HTTP/1.1", 39) == 0,
	    "POST");
	ok(strcasestr(s.first, "\r\nContent-Length: 0\r\n") != NULL,
	    "empty body");
}

static void
t_503_then_200(void)
{
	static const char *const script[] = { resp_503, resp_ok };
	struct srv s;
	struct rec r = { 0 };

	is_int(run_one(&s, script, 2, "/api/1/vehicles", FLEET_DATA, &r, NULL),
	    0, "runs");
	is_int(r.outcome, FLEET_OK, "ok after a retry");
	is_int(r.status, 200, "final 200");
	is_int(r.attempts, 2, "two attempts");
	is_int(s.nreq, 2, "the server saw two");
	is_int(r.nattempt, 2, "two ledger rows");
	is_int(r.att[0].status, 503, "first row 503");
	is_str(r.att_error[0], "503", "first row error");
	is_near(r.att[0].cost, 0, 0, "503 is free");
	is_int(r.att[1].attempt, 2, "second row is attempt 2");
	is_near(r.att[1].cost, 0.002, 1e-12, "200 is billed");
	is_near(r.cost, 0.002, 1e-12, "total");
}

static void
edit_two_retries(struct fleet_opts *o)
{
	o->max_retries = 2;
}

static void
t_503_exhausted(void)
{
	static const char *const script[] = { resp_503 };
	struct srv s;
	struct rec r = { 0 };

	run_one(
	    &s, script, 1, "/api/1/vehicles", FLEET_DATA, &r, edit_two_retries);
	is_int(r.outcome, FLEET_ERR_SERVER, "server error");
	is_int(r.status, 503, "503");
	is_int(r.attempts, 3, "1 + 2 retries");
	is_int(s.nreq, 3, "the server saw three");
	is_str(r.error, "503", "ledger code");
	is_near(r.cost, 0, 0, "free");
}

static void
t_429_retry_after(void)
{
	static const char *const script[] = {
		"HTTP/1.1 429 Too Many Requests\r\nretry-after:1 \r\n"
		"Connection: close\r\nContent-Length: 0\r\n\r\n",
		resp_ok
	};
	struct srv s;
	struct rec r = { 0 };

	run_one(&s, script, 2, "/api/1/energy_sites/1/live_status",
	    FLEET_ENERGY, &r, NULL);
	is_int(r.outcome, FLEET_OK, "ok after waiting");
	is_int(r.attempts, 2, "two attempts");
	ok(r.latency_ms >= 1000, "waited Retry-After: 1");
	ok(r.latency_ms < 4000, "but not much longer");
	is_int(r.att[0].status, 429, "429 in the ledger");
	is_near(r.cost, 0, 0, "energy is free");
}

static void
t_429_over_cap(void)
{
	static const char *const script[] = {
		"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 120\r\n"
		"Connection: close\r\nContent-Length: 0\r\n\r\n",
		resp_ok
	};
	static const char *const script2[] = {
		"HTTP/1.1 429 Too Many Requests\r\n"
		"Connection: close\r\nContent-Length: 0\r\n\r\n",
		resp_ok
	};
	static char dated[256];
	static const char *const script3[] = { dated, resp_ok };
	char date[64];
	time_t t = time(NULL) + 3600;
	struct tm tm;
	struct srv s;
	struct rec r = { 0 };

	run_one(&s, script, 2, "/api/1/vehicles", FLEET_DATA, &r, NULL);
	is_int(r.outcome, FLEET_ERR_RATE, "rate limited");
	is_int(r.status, 429, "429");
	is_int(r.attempts, 1, "not retried past the cap");
	is_int(r.retry_after_s, 120, "Retry-After reported");
	is_str(r.error, "429", "ledger code");
	is_near(r.cost, 0.002, 1e-12, "429 is billed");
	is_int(s.nreq, 1, "one request");

	run_one(&s, script2, 2, "/api/1/vehicles", FLEET_DATA, &r, NULL);
	is_int(r.outcome, FLEET_ERR_RATE, "no Retry-After: rate limited");
	is_int(r.attempts, 1, "not retried");
	is_int(r.retry_after_s, -1, "no Retry-After");

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(dated, sizeof(dated),
	    "HTTP/1.1 429 Too Many Requests\r\nRetry-After: %s\r\n"
	    "Connection: close\r\nContent-Length: 0\r\n\r\n",
	    date);
	run_one(&s, script3, 2, "/api/1/vehicles", FLEET_DATA, &r, NULL);
	is_int(r.attempts, 1, "HTTP-date an hour ahead: not retried");
	ok(r.retry_after_s >= 3590 && r.retry_after_s <= 3600,
	    "HTTP-date converted to seconds");
}

static void
edit_small_body(struct fleet_opts *o)
{
	o->max_body = 1024;
}

static void
t_too_large(void)
{
	static char big_cl[8192], big_eof[70000], exact[8192];
	static const char *const s1[] = { big_cl };
	static const char *const s2[] = { big_eof };
	static const char *const s3[] = { exact };
	char body[5001];
	struct srv s;
	struct rec r = { 0 };
	int n;

	memset(body, ' ', 5000);
	body[5000] = '\0';
	snprintf(big_cl, sizeof(big_cl),
	    "HTTP/1.1 200 OK\r\nConnection: close\r\n"
	    "Content-Length: 5000\r\n\r\n%s",
	    body);
	run_one(&s, s1, 1, "/api/1/vehicles", FLEET_DATA, &r, edit_small_body);
	is_int(r.outcome, FLEET_ERR_BODY, "announced 5000 > 1024: refused");
	is_str(r.error, "too_large", "too_large");
	is_int(r.attempts, 1, "not retried");
	is_int(r.status, 200, "status kept");
	is_near(r.cost, 0.002, 1e-12, "billed all the same");

	n = snprintf(big_eof, sizeof(big_eof),
	    "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
	memset(big_eof + n, 'x', 65536);
	big_eof[n + 65536] = '\0';
	run_one(&s, s2, 1, "/api/1/vehicles", FLEET_DATA, &r, edit_small_body);
	is_int(r.outcome, FLEET_ERR_BODY, "unannounced 64 KiB: aborted");
	is_str(r.error, "too_large", "too_large");

	/* {"response":{"a":1},"x":"...."} of exactly 1024 bytes. */
	memset(body, 'y', 1024);
	memcpy(body, "{\"response\":{\"a\":1},\"x\":\"", 25);
	memcpy(body + 1022, "\"}", 2);
	body[1024] = '\0';
	snprintf(exact, sizeof(exact),
	    "HTTP/1.1 200 OK\r\nConnection: close\r\n"
	    "Content-Length: 1024\r\n\r\n%s",
	    body);
	run_one(&s, s3, 1, "/api/1/vehicles", FLEET_DATA, &r, edit_small_body);
	is_int(r.outcome, FLEET_OK, "exactly max_body is fine");
	is_int(r.body_a, 1, "and parsed");
}

static void
edit_quick_timeout(struct fleet_opts *o)
{
	o->timeout_ms = 200;
	o->max_retries = 1;
}

static void
t_timeout(void)
{
	static const char *const script[] = { resp_ok };
	struct srv s;
	struct rec r = { 0 };
	long long t0;

	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	t0 = now_ms();
	if (srv_start(&s, script, 1, 0, 1) == 0) {
		struct fleet_req req = { "GET", "/api/1/vehicles", NULL,
			FLEET_DATA, "/api/1/vehicles", 0, NULL };
		struct fleet_hooks h = { on_attempt, on_done, &r };
		struct fleet_opts o;
		struct fleet *f;
		char url[64], err[128];

		test_opts(&o, url, sizeof(url), s.port);
		edit_quick_timeout(&o);
		if ((f = fleet_new(&o, err, sizeof(err))) != NULL) {
			fleet_run(f, &req, 1, &h);
			fleet_free(f);
		}
		srv_stop(&s);
	}
	is_int(r.outcome, FLEET_ERR_TRANSPORT, "transport error");
	is_str(r.error, "timeout", "timeout");
	is_int(r.status, 0, "no status");
	is_int(r.attempts, 2, "retried once");
	is_int(s.nreq, 2, "the server saw both");
	is_near(r.cost, 0, 0, "not billed");
	ok(now_ms() - t0 >= 400, "two 200 ms timeouts");
	ok(now_ms() - t0 < 3000, "and no more");
}

static void
t_status_codes(void)
{
	static const char *const s401[] = { "HTTP/1.1 401 Unauthorized\r\n"
					    "Connection: close\r\n"
					    "Content-Length: 0\r\n\r\n" };
	static const char *const s408[] = {
		"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
		"Content-Length: 100\r\n\r\n"
		"{\"response\":null,\"error\":\"vehicle unavailable: vehicle "
		"is "
		"offline or asleep\",\"error_description\":\"\"}"
	};
	static const char *const s421[] = { "HTTP/1.1 421 Misdirected\r\n"
					    "Connection: close\r\n"
					    "Content-Length: 0\r\n\r\n" };
	static const char *const s404[] = { "HTTP/1.1 404 Not Found\r\n"
					    "Connection: close\r\n"
					    "Content-Length: 0\r\n\r\n" };
	struct srv s;
	struct rec r = { 0 };

	run_one(&s, s401, 1, "/api/1/vehicles", FLEET_DATA, &r, NULL);
	is_int(r.outcome, FLEET_ERR_AUTH, "401: auth");
	is_int(r.attempts, 1, "401 not retried");
	is_int(s.nreq, 1, "one request");
	is_str(r.error, "401", "ledger code 401");
	is_near(r.cost, 0.002, 1e-12, "401 billed (status < 500)");

	run_one(&s, s408, 1, "/api/1/vehicles/1/vehicle_data", FLEET_DATA, &r,
	    NULL);
	is_int(r.outcome, FLEET_ERR_ASLEEP, "408: asleep");
	is_int(r.attempts, 1, "408 not retried");
	is_int(s.nreq, 1, "and no wake_up");
	is_str(r.api_error, "vehicle unavailable: vehicle is offline or asleep",
	    "envelope error");
	is_int(r.body_a, -2, "response null");

	run_one(&s, s421, 1, "/api/1/vehicles", FLEET_DATA, &r, NULL);
	is_int(r.outcome, FLEET_ERR_REGION, "421: region");
	is_int(r.attempts, 1, "421 not retried");

	run_one(&s, s404, 1, "/api/1/vehicles", FLEET_DATA, &r, NULL);
	is_int(r.outcome, FLEET_ERR_CLIENT, "404: client");
	is_int(r.attempts, 1, "404 not retried");
}

static void
t_bad_json(void)
{
	static const char *const s1[] = { R200(9) "{not json" };
	static const char *const s2[] = { R200(9) "{\"foo\":1}" };
	static const char *const s3[] = { R200(3) "[1]" };
	static const char *const s4[] = { R200(0) };
	static const char *const s5[] = { R200(
	    39) "{\"response\":{\"a\":1},\"response\":{\"a\":2}}" };
	struct srv s;
	struct rec r = { 0 };

	run_one(&s, s1, 1, "/api/1/vehicles", FLEET_DATA, &r, NULL);
	is_int(r.outcome, FLEET_ERR_BODY, "malformed JSON");
	is_str(r.error, "malformed_json", "ledger code");
	is_int(r.attempts, 1, "not retried (it was billed)");
	is_near(r.cost, 0.002, 1e-12, "billed");
	is_int(r.nattempt, 1, "one ledger row");
	is_str(r.att_error[0], "malformed_json", "ledger row code");

	run_one(&s, s2, 1, "/api/1/vehicles", FLEET_DATA, &r, NULL);
	is_str(r.error, "bad_envelope", "no \"response\"");
	run_one(&s, s3, 1, "/api/1/vehicles", FLEET_DATA, &r, NULL);
	is_str(r.error, "bad_envelope", "an array");
	run_one(&s, s4, 1, "/api/1/vehicles", FLEET_DATA, &r, NULL);
	is_str(r.error, "malformed_json", "empty body");
	run_one(&s, s5, 1, "/api/1/vehicles", FLEET_DATA, &r, NULL);
	is_int(r.outcome, FLEET_OK, "duplicate keys load");
	is_int(r.body_a, 2, "the last one wins");
}

/* Runs n GETs with at most inflight at once; fills r and s. */
static void
run_many(struct srv *s, int n, int inflight, int stop, struct rec *r)
{
	static const char *const script[] = { resp_ok };
	struct fleet_req reqs[MAXREQ];
	struct fleet_hooks h = { on_attempt, on_done, r };
	struct fleet_opts o;
	struct fleet *f;
	char url[64], err[128];
	int i;

	memset(r, 0, sizeof(*r));
	r->stop = stop;
	for (i = 0; i < n; i++) {
		reqs[i] = (struct fleet_req){ "GET", "/api/1/vehicles/1", NULL,
			FLEET_DATA, "/api/1/vehicles/{id}", 0,
			(void *)(intptr_t)i };
	}
	if (srv_start(s, script, 1, 30, 0) == -1)
		return;
	test_opts(&o, url, sizeof(url), s->port);
	o.max_inflight = inflight;
	if ((f = fleet_new(&o, err, sizeof(err))) != NULL) {
		fleet_run(f, reqs, (size_t)n, &h);
		fleet_free(f);
	}
	srv_stop(s);
}

static void
t_concurrency(void)
{
	struct srv s;
	struct rec r = { 0 };
	int i, once = 1;

	run_many(&s, 40, 4, 0, &r);
	is_int(r.ndone, 40, "forty done");
	for (i = 0; i < 40; i++)
		once &= r.done_for[i] == 1;
	ok(once, "on_done exactly once per request");
	is_int(s.nreq, 40, "forty requests served");
	ok(s.maxcur <= 4, "never more than 4 connections at once");
	is_int(s.maxcur, 4, "and 4 were reached");
	is_near(r.cost, 0.002, 1e-12, "each cost $0.002");

	run_many(&s, 5, 1, 0, &r);
	is_int(s.maxcur, 1, "max_inflight 1: one at a time");
	is_int(r.ndone, 5, "five done");

	run_many(&s, 30, 16, 0, &r);
	ok(s.maxcur <= 16 && s.maxcur >= 8, "16 in flight (8 at least seen)");
	is_int(r.ndone, 30, "thirty done");
}

static void
t_stop(void)
{
	struct srv s;
	struct rec r = { 0 };
	int i, once = 1;

	run_many(&s, 6, 1, 1, &r);
	is_int(r.ndone, 6, "every request ends");
	for (i = 0; i < 6; i++)
		once &= r.done_for[i] == 1;
	ok(once, "exactly once each");
	is_int(s.nreq, 1, "only the first was sent");
	is_int(r.outcome, FLEET_ERR_CANCELLED, "the rest cancelled");
	is_str(r.error, "cancelled", "ledger code");
	is_int(r.attempts, 0, "no attempt");
	is_int(r.nattempt, 1, "one ledger row");
}

/* A loopback port that was free a moment ago: connecting is refused. */
static int
dead_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd, port = 0;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/*
 * The API gone dark: the requests in flight fail and wait for their
 * retries, and no new one joins them; on_done stopping the run cancels
 * the rest, never sent.  Without a stop every request still ends, each
 * after its retries.
 */
static void
t_dark(void)
{
	struct fleet_req reqs[12];
	struct rec r;
	struct fleet_hooks h = { on_attempt, on_done, &r };
	struct fleet_opts o;
	struct fleet *f;
	char url[64], err[128];
	int i, later = 0, all = 1;

	for (i = 0; i < 12; i++)
		reqs[i] = (struct fleet_req){ "GET", "/api/1/vehicles/1", NULL,
			FLEET_DATA, "/api/1/vehicles/{id}", 0,
			(void *)(intptr_t)i };
	test_opts(&o, url, sizeof(url), dead_port());
	o.max_inflight = 4;
	o.max_retries = 2;
	if (!ok((f = fleet_new(&o, err, sizeof(err))) != NULL, "client"))
		return;
	memset(&r, 0, sizeof(r));
	r.stop = 1;
	is_int(fleet_run(f, reqs, 12, &h), 0, "runs");
	is_int(r.ndone, 12, "every request ends");
	for (i = 4; i < 12; i++)
		later += r.tried_for[i];
	is_int(later, 0, "none joins the four in flight once it is dark");
	ok(r.nattempt >= 4 && r.nattempt <= 12,
	    "the four and their retries, no more");
	is_int(r.outcome, FLEET_ERR_CANCELLED, "the rest cancelled");

	memset(&r, 0, sizeof(r));
	is_int(fleet_run(f, reqs, 12, &h), 0, "without a stop");
	is_int(r.ndone, 12, "every request ends");
	for (i = 0; i < 12; i++)
		all &= r.tried_for[i] == 3 && r.done_for[i] == 1;
	ok(all, "each after its three attempts");
	is_str(r.error, "connect", "refused");
	fleet_free(f);
}

static void
t_connect_refused(void)
{
	struct fleet_req req = { "GET", "/api/1/vehicles", NULL, FLEET_DATA,
		"/api/1/vehicles", 0, NULL };
	struct fleet_req bad = { "PUT", "/api/1/vehicles", NULL, FLEET_DATA,
		"/api/1/vehicles", 0, NULL };
	struct fleet_hooks h = { on_attempt, on_done, NULL };
	struct fleet_opts o;
	struct fleet *f;
	struct rec r = { 0 };
	char url[64], err[128];
	int port = dead_port();

	memset(&r, 0, sizeof(r));
	h.ctx = &r;
	test_opts(&o, url, sizeof(url), port);
	o.max_retries = 2;
	if (!ok((f = fleet_new(&o, err, sizeof(err))) != NULL, "client"))
		return;
	is_int(fleet_run(f, &req, 1, &h), 0, "runs");
	is_int(r.outcome, FLEET_ERR_TRANSPORT, "transport");
	is_str(r.error, "connect", "connect");
	is_int(r.attempts, 3, "retried twice");
	is_int(r.status, 0, "no status");

	memset(&r, 0, sizeof(r));
	is_int(fleet_run(f, &bad, 1, &h), -1, "a PUT is refused");
	is_int(r.ndone, 1, "still ends once");
	is_str(r.error, "internal", "as internal");
	is_int(r.nattempt, 0, "no attempt");
	is_int(fleet_run(f, NULL, 0, &h), 0, "an empty batch");
	fleet_free(f);
}

/* ---- OAuth ----------------------------------------------------------- */

static int saved_stderr = -1;
static char cap_path[64];

/* Sends stderr (the log) to a file until capture_end(). */
static void
capture_start(void)
{
	int fd;

	fflush(stderr);
	snprintf(cap_path, sizeof(cap_path), "/tmp/test_fleet_log_XXXXXX");
	if ((fd = mkstemp(cap_path)) < 0)
		return;
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

/* Restores stderr and returns what was logged (malloc'd). */
static char *
capture_end(void)
{
	char *buf = NULL;
	FILE *fp;
	long len;

	fflush(stderr);
	if (saved_stderr < 0)
		return strdup("");
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
	if ((fp = fopen(cap_path, "rb")) != NULL) {
		fseek(fp, 0, SEEK_END);
		len = ftell(fp);
		fseek(fp, 0, SEEK_SET);
		if (len >= 0 && (buf = calloc(1, (size_t)len + 1)) != NULL &&
		    fread(buf, 1, (size_t)len, fp) != (size_t)len)
			buf[0] = '\0';
		fclose(fp);
	}
	unlink(cap_path);
	return buf != NULL ? buf : strdup("");
}

#define TOK_BODY                                                               \
	"{\"access_token\":\"AT-new.secret\",\"refresh_token\":"               \
	"\"RT-new.secret\",\"id_token\":\"x\",\"expires_in\":28800,"           \
	"\"token_type\":\"Bearer\"}"

static void
t_oauth_refresh(void)
{
	static const char *const script[] = {
		"HTTP/1.1 200 OK\r\n"
		"Connection: close\r\n"
		"Content-Length: 120\r\n\r\n" TOK_BODY
	};
	struct fleet_token t = { 0 };
	struct fleet_hooks h = { on_attempt, NULL, NULL };
	struct srv s;
	struct rec r = { 0 };
	char url[64];
	enum fleet_token_rc rc;

	memset(&r, 0, sizeof(r));
	h.ctx = &r;
	if (!ok(srv_start(&s, script, 1, 0, 0) == 0, "server"))
		return;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	rc = fleet_oauth_refresh(url, "cid", "RT-old/+=&", &t, &h);
	srv_stop(&s);
	is_int(rc, FLEET_TOKEN_OK, "refreshed");
	is_str(t.access_token, "AT-new.secret", "access token");
	is_str(t.refresh_token, "RT-new.secret", "the new refresh token");
	is_int(t.expires_in, 28800, "expires_in");
	is_int(t.status, 200, "status");
	ok(strncmp(s.first, "POST /oauth2/v3/token HTTP/1.1\r\n", 32) == 0,
	    "POST to the token path");
	ok(strstr(s.first,
	       "\r\nContent-Type: application/x-www-form-urlencoded"
	       "\r\n") != NULL,
	    "form content type");
	ok(strstr(s.first,
	       "\r\n\r\ngrant_type=refresh_token&client_id=cid"
	       "&refresh_token=RT-old%2F%2B%3D%26") != NULL,
	    "form body, escaped");
	ok(strstr(s.first, "Authorization") == NULL, "no bearer on auth");
	is_int(r.nattempt, 1, "one ledger row");
	is_str(r.att_class[0], "auth", "class auth");
	is_near(r.att[0].cost, 0, 0, "free");
	fleet_token_clear(&t);
}

static void
t_oauth_failures(void)
{
	static const char *const s401[] = {
		"HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n"
		"Content-Length: 71\r\n\r\n"
		"{\"error\":\"login_required\",\"error_description\":\"RT-old-"
		"secret was used\"}"
	};
	static const char *const s400g[] = {
		"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
		"Content-Length: 25\r\n\r\n{\"error\":\"invalid_grant\"}"
	};
	static const char *const s400c[] = {
		"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
		"Content-Length: 26\r\n\r\n{\"error\":\"invalid_client\"}"
	};
	static const char *const s200bad[] = {
		"HTTP/1.1 200 OK\r\nConnection: close\r\n"
		"Content-Length: "
		"34\r\n\r\n{\"access_token\":\"AT-new-secret\"}  "
	};
	struct fleet_token t = { 0 };
	struct srv s;
	char url[64], *logged;
	enum fleet_token_rc rc;

	log_init("test_fleet", LOGL_DEBUG);
	capture_start();

	srv_start(&s, s401, 1, 0, 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	rc = fleet_oauth_refresh(url, "cid", "RT-old-secret", &t, NULL);
	srv_stop(&s);
	is_int(rc, FLEET_TOKEN_LOGIN, "401 login_required: sign in again");
	is_int(t.login_required, 1, "flag set");
	is_int(t.status, 401, "status");
	is_str(t.error, "login_required", "error code");
	ok(t.access_token == NULL, "no token");

	srv_start(&s, s400g, 1, 0, 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	rc = fleet_oauth_refresh(url, "cid", "RT-old-secret", &t, NULL);
	srv_stop(&s);
	is_int(rc, FLEET_TOKEN_LOGIN, "400 invalid_grant: sign in again");

	srv_start(&s, s400c, 1, 0, 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	rc = fleet_oauth_refresh(url, "cid", "RT-old-secret", &t, NULL);
	srv_stop(&s);
	is_int(rc, FLEET_TOKEN_FAIL, "400 invalid_client: configuration");
	is_int(t.login_required, 0, "not a login problem");

	srv_start(&s, (const char *const[]){ resp_503 }, 1, 0, 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	rc = fleet_oauth_refresh(url, "cid", "RT-old-secret", &t, NULL);
	srv_stop(&s);
	is_int(rc, FLEET_TOKEN_RETRY, "503: try later");
	is_int(s.nreq, 1, "a sent refresh is never repeated");

	srv_start(&s, s200bad, 1, 0, 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	rc = fleet_oauth_refresh(url, "cid", "RT-old-secret", &t, NULL);
	srv_stop(&s);
	is_int(rc, FLEET_TOKEN_FAIL, "200 without expires_in: refused");
	ok(t.access_token == NULL, "nothing kept");

	rc = fleet_oauth_refresh(
	    "http://example.com", "cid", "RT-old-secret", &t, NULL);
	is_int(rc, FLEET_TOKEN_FAIL, "public http auth URL refused");
	rc = fleet_oauth_refresh(NULL, NULL, "RT-old-secret", &t, NULL);
	is_int(rc, FLEET_TOKEN_FAIL, "no client id");

	logged = capture_end();
	log_init("test_fleet", LOGL_ERROR);
	ok(logged[0] != '\0', "failures were logged");
	ok(strstr(logged, "secret") == NULL, "no token in the log");
	ok(strstr(logged, "RT-old") == NULL, "not even part of one");
	free(logged);
	fleet_token_clear(&t);
}

static void
t_oauth_exchange(void)
{
	static const char *const script[] = {
		"HTTP/1.1 200 OK\r\n"
		"Connection: close\r\n"
		"Content-Length: 120\r\n\r\n" TOK_BODY
	};
	struct fleet_token t = { 0 };
	struct srv s;
	char url[64];
	const char *b;
	enum fleet_token_rc rc;

	if (!ok(srv_start(&s, script, 1, 0, 0) == 0, "server"))
		return;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	rc = fleet_oauth_exchange_code(url, "cid", "c s", "NA_code",
	    "https://x.example/cb",
	    "dBjftJeZ4CVP-mJ92K5xcWB8KWy9h8fl5fAq9SX8fSU",
	    fleet_region_base_url("eu"), &t, NULL);
	srv_stop(&s);
	is_int(rc, FLEET_TOKEN_OK, "exchanged");
	is_str(t.refresh_token, "RT-new.secret", "refresh token");
	b = strstr(s.first, "\r\n\r\n");
	is_str(b ? b + 4 : NULL,
	    "grant_type=authorization_code&client_id=cid&client_secret=c%20s"
	    "&code=NA_code"
	    "&code_verifier=dBjftJeZ4CVP-mJ92K5xcWB8KWy9h8fl5fAq9SX8fSU"
	    "&redirect_uri=https%3A%2F%2Fx.example%2Fcb"
	    "&audience=https%3A%2F%2Ffleet-api.prd.eu.vn.cloud.tesla.com",
	    "form body");
	fleet_token_clear(&t);
}

static const struct tap_test tests[] = {
	TAP(t_base_url),
	TAP(t_region),
	TAP(t_pkce),
	TAP(t_authorize_url),
	TAP(t_prices),
	TAP(t_backoff),
	TAP(t_new_refuses),
	TAP(t_ok_and_headers),
	TAP(t_post_wake),
	TAP(t_503_then_200),
	TAP(t_503_exhausted),
	TAP(t_429_retry_after),
	TAP(t_429_over_cap),
	TAP(t_too_large),
	TAP(t_timeout),
	TAP(t_status_codes),
	TAP(t_bad_json),
	TAP(t_concurrency),
	TAP(t_stop),
	TAP(t_connect_refused),
	TAP(t_dark),
	TAP(t_oauth_refresh),
	TAP(t_oauth_failures),
	TAP(t_oauth_exchange),
};

int
main(void)
{
	int rc;

	log_init("test_fleet",
	    getenv("TEST_VERBOSE") != NULL ? LOGL_DEBUG : LOGL_ERROR);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = tap_run(tests, nitems(tests));
	curl_global_cleanup();
	return rc;
}
