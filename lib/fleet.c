/*
 * Tesla Fleet API client: bounded concurrent requests over one libcurl
 * multi handle, retries with backoff and jitter, the per-attempt ledger
 * hook, OAuth token calls and PKCE.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "fleet.h"
#include "log.h"
#include "sbuf.h"
#include "util.h"

#define BASE_URL_MAX 256
#define TOKEN_BODY_MAX (64 * 1024)
/* Extra random wait after a Retry-After, so that retries do not align. */
#define RETRY_AFTER_JITTER_MS 250
/* Longest single wait of the event loop. */
#define POLL_MAX_MS 1000

/* A reusable transfer: one easy handle and its buffers. */
struct xfer {
	CURL *easy;
	int busy;
	size_t idx; /* request index in the run */
	struct sbuf body;
	struct curl_slist *hdrs;
	char *url;
	long retry_after; /* seconds, -1 when none */
	int too_large;
	int oom;
	long long t0; /* monotonic ms at the start */
	long long sent_ms; /* wall clock ms at the start */
};

struct fleet {
	struct fleet_opts o;
	char *base_url; /* normalised: scheme://host[:port] */
	char *token;
	int loopback;
	int https;
	CURLM *multi;
	CURLSH *share;
	struct xfer *x; /* o.max_inflight of them */
};

enum sstate { S_WAIT, S_RUN, S_DONE };

/* Per-request progress. */
struct slot {
	enum sstate state;
	int attempts;
	int retries; /* backoff retries used */
	int rate_retried; /* the one Retry-After retry was used */
	long long not_before; /* monotonic ms */
	long long first_ms; /* monotonic ms of the first send */
	double cost;
	long retry_after;
	char code[16]; /* ledger code storage */
};

/* One fleet_run() call. */
struct run {
	struct fleet *f;
	const struct fleet_req *reqs;
	size_t n;
	const struct fleet_hooks *h;
	struct slot *s;
	size_t ndone;
	size_t next; /* first request never started */
	size_t nwait; /* requests waiting for a retry */
	int running;
	int stop;
	int rc;
	int dark; /* the last attempt got no HTTP answer at all */
};

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t
rnd32(void)
{
	uint8_t b[4];

	if (random_bytes(b, sizeof(b)) == -1)
		return 0;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

/* Wipes and frees a malloc'd string. */
static void
wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Wipes and frees a header list (it may carry the bearer token). */
static void
wipe_slist(struct curl_slist *l)
{
	struct curl_slist *p;

	for (p = l; p != NULL; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

const char *
fleet_class_name(enum fleet_class cls)
{
	switch (cls) {
	case FLEET_DATA:
		return "data";
	case FLEET_WAKE:
		return "wake";
	case FLEET_COMMAND:
		return "command";
	case FLEET_AUTH:
		return "auth";
	case FLEET_ENERGY:
		return "energy";
	case FLEET_FREE:
		return "free";
	}
	return "data";
}

double
fleet_price(enum fleet_class cls, long status)
{
	if (status <= 0 || status >= 500)
		return 0;
	switch (cls) {
	case FLEET_DATA:
		return FLEET_PRICE_DATA;
	case FLEET_WAKE:
		return FLEET_PRICE_WAKE;
	case FLEET_COMMAND:
		return FLEET_PRICE_COMMAND;
	case FLEET_AUTH:
		return FLEET_PRICE_AUTH;
	case FLEET_ENERGY:
		return FLEET_PRICE_ENERGY;
	case FLEET_FREE:
		return 0;
	}
	return 0;
}

const char *
fleet_outcome_name(enum fleet_outcome o)
{
	static const char *const names[] = { "ok", "auth", "asleep", "region",
		"rate", "client", "server", "transport", "body", "cancelled" };

	if ((size_t)o < nitems(names))
		return names[o];
	return "unknown";
}

const char *
fleet_region_base_url(const char *region)
{
	if (region == NULL)
		return NULL;
	if (strcmp(region, "na") == 0)
		return "https://fleet-api.prd.na.vn.cloud.tesla.com";
	if (strcmp(region, "eu") == 0)
		return "https://fleet-api.prd.eu.vn.cloud.tesla.com";
	if (strcmp(region, "cn") == 0)
		return "https://fleet-api.prd.cn.vn.cloud.tesla.cn";
	return NULL;
}

/* 1 when curl_url_get(u, part) finds nothing there. */
static int
url_part_absent(CURLU *u, CURLUPart part)
{
	char *v = NULL;
	CURLUcode rc;

	rc = curl_url_get(u, part, &v, 0);
	curl_free(v);
	return rc != CURLUE_OK;
}

/*
 * Checks url as fleet_base_url_check() and, when norm is not NULL, returns
 * in it the malloc'd scheme://host[:port].  Returns 1 for https, 0 for
 * http, -1 when refused.
 */
static int
base_url_parse(const char *url, int *loopback, char **norm)
{
	char *scheme = NULL, *host = NULL, *path = NULL, *port = NULL;
	const char *p;
	CURLU *u = NULL;
	int rc = -1, lo;
	size_t len;

	/* scheme://host, not scheme:///... which curl would forgive. */
	if (url == NULL || strlen(url) > BASE_URL_MAX ||
	    (p = strstr(url, "://")) == NULL || p[3] == '/' || p[3] == '\0')
		goto out;
	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host[0] == '\0')
		goto out;
	if (!url_part_absent(u, CURLUPART_USER) ||
	    !url_part_absent(u, CURLUPART_PASSWORD) ||
	    !url_part_absent(u, CURLUPART_QUERY) ||
	    !url_part_absent(u, CURLUPART_FRAGMENT) ||
	    !url_part_absent(u, CURLUPART_ZONEID))
		goto out;
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
	    strcmp(path, "/") != 0 && path[0] != '\0')
		goto out;
	lo = strcasecmp(host, "127.0.0.1") == 0 ||
	    strcasecmp(host, "[::1]") == 0 ||
	    strcasecmp(host, "localhost") == 0;
	if (strcasecmp(scheme, "https") != 0 &&
	    !(strcasecmp(scheme, "http") == 0 && lo))
		goto out;
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	if (norm != NULL) {
		len = strlen(scheme) + strlen(host) + 5 +
		    (port ? strlen(port) : 0);
		if ((*norm = malloc(len)) == NULL)
			goto out;
		snprintf(*norm, len, "%s://%s%s%s", scheme, host,
		    port ? ":" : "", port ? port : "");
	}
	if (loopback != NULL)
		*loopback = lo;
	rc = strcasecmp(scheme, "https") == 0 ? 1 : 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(path);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

int
fleet_base_url_check(const char *url, int *loopback)
{
	return base_url_parse(url, loopback, NULL) == -1 ? -1 : 0;
}

void
fleet_opts_init(struct fleet_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = 10000;
	o->timeout_ms = 30000;
	o->max_body = 1024 * 1024;
	o->max_inflight = 16;
	o->max_retries = 3;
	o->backoff_base_ms = 500;
	o->backoff_max_ms = 30000;
	o->retry_after_cap_s = 10;
}

long
fleet_backoff_ms(const struct fleet_opts *o, int attempt, uint32_t rnd)
{
	long d = o->backoff_base_ms, half;
	int i;

	for (i = 1; i < attempt && d < o->backoff_max_ms; i++)
		d = d > LONG_MAX / 2 ? LONG_MAX : d * 2;
	if (d > o->backoff_max_ms)
		d = o->backoff_max_ms;
	if (d < 0)
		d = 0;
	half = d / 2;
	return d - half +
	    (long)((unsigned long long)rnd % ((unsigned long long)half + 1));
}

/* Checks the numbers of o; NULL, or what is wrong. */
static const char *
opts_problem(const struct fleet_opts *o)
{
	if (o->connect_timeout_ms <= 0 || o->timeout_ms <= 0)
		return "timeouts must be positive";
	if (o->max_body == 0 || o->max_body > 256 * 1024 * 1024)
		return "max_body must be 1 byte to 256 MiB";
	if (o->max_inflight < 1 || o->max_inflight > 1024)
		return "max_inflight must be 1 to 1024";
	if (o->max_retries < 0 || o->max_retries > 10)
		return "max_retries must be 0 to 10";
	if (o->backoff_base_ms < 0 || o->backoff_max_ms < o->backoff_base_ms ||
	    o->backoff_max_ms > 3600 * 1000)
		return "backoff must be 0 <= base <= max <= 1 hour";
	if (o->retry_after_cap_s < 0 || o->retry_after_cap_s > 3600)
		return "retry_after_cap_s must be 0 to 3600";
	return NULL;
}

struct fleet *
fleet_new(const struct fleet_opts *o, char *err, size_t errlen)
{
	struct fleet *f = NULL;
	const char *why;
	int i;

	if ((why = opts_problem(o)) != NULL) {
		snprintf(err, errlen, "fleet options: %s", why);
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init failed");
		return NULL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		goto oom;
	f->o = *o;
	f->o.base_url = NULL;
	f->o.access_token = NULL;
	if ((f->https = base_url_parse(
		 o->base_url, &f->loopback, &f->base_url)) == -1) {
		snprintf(err, errlen,
		    "base URL must be https://host[:port] (http:// only on "
		    "loopback)");
		goto fail;
	}
	if (o->access_token != NULL && fleet_set_token(f, o->access_token))
		goto oom;
	if ((f->multi = curl_multi_init()) == NULL ||
	    (f->share = curl_share_init()) == NULL ||
	    (f->x = calloc((size_t)o->max_inflight, sizeof(*f->x))) == NULL)
		goto oom;
	curl_multi_setopt(
	    f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)o->max_inflight);
	curl_multi_setopt(
	    f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)o->max_inflight);
	curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(
	    f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	for (i = 0; i < o->max_inflight; i++)
		sbuf_init(&f->x[i].body, o->max_body);
	return f;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	fleet_free(f);
	if (f == NULL)
		curl_global_cleanup();
	return NULL;
}

int
fleet_set_token(struct fleet *f, const char *access_token)
{
	char *t = NULL;

	if (access_token != NULL && (t = strdup(access_token)) == NULL)
		return -1;
	wipe_free(f->token);
	f->token = t;
	return 0;
}

void
fleet_free(struct fleet *f)
{
	int i;

	if (f == NULL)
		return;
	if (f->x != NULL) {
		for (i = 0; i < f->o.max_inflight; i++) {
			if (f->x[i].easy != NULL) {
				if (f->x[i].busy)
					curl_multi_remove_handle(
					    f->multi, f->x[i].easy);
				curl_easy_cleanup(f->x[i].easy);
			}
			sbuf_release(&f->x[i].body);
			wipe_slist(f->x[i].hdrs);
			free(f->x[i].url);
		}
		free(f->x);
	}
	curl_multi_cleanup(f->multi);
	curl_share_cleanup(f->share);
	wipe_free(f->token);
	free(f->base_url);
	free(f);
	curl_global_cleanup();
}

/* ---- one transfer ---------------------------------------------------- */

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;

	if (n > x->body.cap - x->body.len) {
		x->too_large = 1;
		return 0;
	}
	if (sbuf_add(&x->body, p, n) == -1) {
		x->oom = 1;
		return 0;
	}
	return n;
}

/* Picks Retry-After (delta seconds or an HTTP date) out of the headers. */
static size_t
on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	static const char name[] = "retry-after:";
	struct xfer *x = ud;
	size_t n = size * nmemb, i;
	char val[64];
	long long v;
	time_t t;

	if (n < sizeof(name) || strncasecmp(p, name, sizeof(name) - 1) != 0)
		return n;
	for (i = sizeof(name) - 1; i < n && (p[i] == ' ' || p[i] == '\t');)
		i++;
	snprintf(val, sizeof(val), "%.*s", (int)(n - i), p + i);
	val[strcspn(val, "\r\n")] = '\0';
	for (i = strlen(val);
	     i > 0 && (val[i - 1] == ' ' || val[i - 1] == '\t');)
		val[--i] = '\0';
	if (val[0] >= '0' && val[0] <= '9' &&
	    strspn(val, "0123456789") == strlen(val)) {
		v = strlen(val) > 9 ? 999999999 : atoll(val);
		x->retry_after = (long)v;
	} else if ((t = curl_getdate(val, NULL)) != -1) {
		v = (long long)t - (long long)time(NULL);
		x->retry_after =
		    v < 0 ? 0 : (long)(v > 999999999 ? 999999999 : v);
	}
	return n;
}

/* Builds the headers of req; NULL when out of memory. */
static struct curl_slist *
make_headers(const struct fleet *f, const struct fleet_req *req)
{
	struct curl_slist *l = NULL, *n;
	char *auth;
	size_t len;

	if ((n = curl_slist_append(l, "Accept: application/json")) == NULL)
		goto fail;
	l = n;
	if ((n = curl_slist_append(l, "Expect:")) == NULL)
		goto fail;
	l = n;
	n = curl_slist_append(l,
	    req->flags & FLEET_REQ_FORM
		? "Content-Type: application/x-www-form-urlencoded"
		: "Content-Type: application/json");
	if (n == NULL)
		goto fail;
	l = n;
	if (req->cls != FLEET_AUTH && f->token != NULL) {
		len = strlen(f->token) + sizeof("Authorization: Bearer ");
		if ((auth = malloc(len)) == NULL)
			goto fail;
		snprintf(auth, len, "Authorization: Bearer %s", f->token);
		n = curl_slist_append(l, auth);
		wipe_free(auth);
		if (n == NULL)
			goto fail;
		l = n;
	}
	return l;
fail:
	wipe_slist(l);
	return NULL;
}

/* Sets every option of one attempt; 0 or -1. */
static int
setup_easy(struct fleet *f, struct xfer *x, const struct fleet_req *req)
{
	CURL *e = x->easy;
	CURLcode rc = CURLE_OK;
	size_t len;

	curl_easy_reset(e);
	len = strlen(f->base_url) + strlen(req->path) + 1;
	free(x->url);
	if ((x->url = malloc(len)) == NULL)
		return -1;
	snprintf(x->url, len, "%s%s", f->base_url, req->path);
	wipe_slist(x->hdrs);
	if ((x->hdrs = make_headers(f, req)) == NULL)
		return -1;
	sbuf_reset(&x->body);
	x->too_large = x->oom = 0;
	x->retry_after = -1;

	rc |= curl_easy_setopt(e, CURLOPT_URL, x->url);
	rc |= curl_easy_setopt(
	    e, CURLOPT_PROTOCOLS_STR, f->https ? "https" : "http");
	rc |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	rc |= curl_easy_setopt(
	    e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/*
	 * Wait for a connection that may multiplex (HTTP/2 over TLS) rather
	 * than open another; plain http (the simulator) is HTTP/1.1 only.
	 */
	rc |= curl_easy_setopt(e, CURLOPT_PIPEWAIT, (long)f->https);
	rc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(
	    e, CURLOPT_CONNECTTIMEOUT_MS, f->o.connect_timeout_ms);
	rc |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, f->o.timeout_ms);
	rc |= curl_easy_setopt(e, CURLOPT_USERAGENT, FLEET_USER_AGENT);
	rc |= curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	rc |= curl_easy_setopt(
	    e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->o.max_body);
	rc |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	rc |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	rc |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	rc |= curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	rc |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
	rc |= curl_easy_setopt(e, CURLOPT_SHARE, f->share);
	rc |= curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	if (strcmp(req->method, "POST") == 0) {
		rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(req->body ? strlen(req->body) : 0));
		rc |= curl_easy_setopt(
		    e, CURLOPT_POSTFIELDS, req->body ? req->body : "");
	}
	return rc == CURLE_OK ? 0 : -1;
}

/* 1 when req can be sent at all. */
static int
req_ok(const struct fleet_req *req)
{
	const char *p;

	if (req->method == NULL || req->path == NULL || req->endpoint == NULL)
		return 0;
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0)
		return 0;
	if (req->path[0] != '/' || strlen(req->path) > 4096)
		return 0;
	for (p = req->path; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return 0;
	return 1;
}

/* ---- the run --------------------------------------------------------- */

/* Ends request i: calls on_done with res and updates the run. */
static void
finish(struct run *r, size_t i, struct fleet_result *res)
{
	struct slot *s = &r->s[i];

	res->attempts = s->attempts;
	res->cost = s->cost;
	res->retry_after_s = s->retry_after;
	res->latency_ms = s->attempts > 0 ? (long)(mono_ms() - s->first_ms) : 0;
	s->state = S_DONE;
	r->ndone++;
	if (r->h->on_done(r->h->ctx, &r->reqs[i], res) == FLEET_STOP)
		r->stop = 1;
}

/* Ends request i without a response. */
static void
finish_empty(struct run *r, size_t i, enum fleet_outcome o, const char *code)
{
	struct fleet_result res;

	memset(&res, 0, sizeof(res));
	res.outcome = o;
	res.error = code;
	finish(r, i, &res);
}

/* Cancels every request that waits, after on_done asked to stop. */
static void
cancel_waiting(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (r->s[i].state != S_WAIT)
			continue;
		if (r->s[i].attempts > 0)
			r->nwait--;
		finish_empty(r, i, FLEET_ERR_CANCELLED, "cancelled");
	}
	r->next = r->n;
}

/* Starts request i on a free transfer; ends it on failure. */
static void
start(struct run *r, size_t i)
{
	struct fleet *f = r->f;
	struct xfer *x = NULL;
	int k;

	for (k = 0; k < f->o.max_inflight; k++)
		if (!f->x[k].busy) {
			x = &f->x[k];
			break;
		}
	if (x == NULL ||
	    (x->easy == NULL && (x->easy = curl_easy_init()) == NULL) ||
	    setup_easy(f, x, &r->reqs[i]) == -1 ||
	    curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
		log_error("fleet: %s %s: cannot start the request",
		    r->reqs[i].method, r->reqs[i].endpoint);
		r->rc = -1;
		finish_empty(r, i, FLEET_ERR_TRANSPORT, "internal");
		return;
	}
	x->busy = 1;
	x->idx = i;
	x->t0 = mono_ms();
	x->sent_ms = wall_ms();
	if (r->s[i].attempts == 0)
		r->s[i].first_ms = x->t0;
	r->s[i].state = S_RUN;
	r->running++;
}

/*
 * Starts what may start now.  Returns the ms until the next retry is due
 * (POLL_MAX_MS when none is waiting).
 */
static long
start_ready(struct run *r)
{
	long long now, wait = POLL_MAX_MS;
	size_t i;

	if (r->stop)
		cancel_waiting(r);
	now = mono_ms();
	for (i = 0; r->nwait > 0 && i < r->n; i++) {
		if (r->s[i].state != S_WAIT || r->s[i].attempts == 0)
			continue;
		if (r->s[i].not_before > now) {
			if (r->s[i].not_before - now < wait)
				wait = r->s[i].not_before - now;
			continue;
		}
		if (r->running >= r->f->o.max_inflight)
			break;
		r->nwait--;
		start(r, i);
	}
	/*
	 * While the API gives no answer at all (refused, timed out, DNS),
	 * no new request joins those in flight or waiting for their retry:
	 * one goes at a time, so that a dark API is not hammered by every
	 * car of the run at once (and on_done may stop the run).
	 */
	while (r->next < r->n && r->running < r->f->o.max_inflight &&
	    !(r->dark && (r->running > 0 || r->nwait > 0))) {
		i = r->next++;
		if (!req_ok(&r->reqs[i])) {
			log_error("fleet: refusing a malformed request");
			r->rc = -1;
			finish_empty(r, i, FLEET_ERR_TRANSPORT, "internal");
			continue;
		}
		start(r, i);
	}
	return (long)wait;
}

/* The ledger code of a transport error, and whether to retry it. */
static const char *
transport_code(CURLcode cc, int *retry)
{
	*retry = 1;
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_COULDNT_RESOLVE_HOST:
		return "dns";
	case CURLE_COULDNT_CONNECT:
		return "connect";
	case CURLE_SSL_CONNECT_ERROR:
		return "tls";
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
		*retry = 0;
		return "tls";
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return "transport";
	default:
		*retry = 0;
		return "transport";
	}
}

/* The outcome of a non-2xx status, and whether to retry it. */
static enum fleet_outcome
status_outcome(long status, int *retry)
{
	*retry = 0;
	switch (status) {
	case 401:
		return FLEET_ERR_AUTH;
	case 408:
		return FLEET_ERR_ASLEEP;
	case 421:
		return FLEET_ERR_REGION;
	case 429:
		return FLEET_ERR_RATE;
	}
	if (status >= 500) {
		*retry = 1;
		return FLEET_ERR_SERVER;
	}
	return FLEET_ERR_CLIENT;
}

/*
 * Parses x's body into res (root, body, api_error).  For a 2xx answer a
 * body that is not the expected JSON sets the outcome and code.
 */
static void
parse_body(const struct fleet_req *req, struct xfer *x, long status,
    struct fleet_result *res)
{
	int ok = status >= 200 && status < 300;
	int api = strncmp(req->path, "/api/", 5) == 0;
	json_error_t jerr;
	json_t *e;

	res->root = json_loadb(x->body.buf, x->body.len, 0, &jerr);
	if (res->root == NULL) {
		if (ok) {
			res->outcome = FLEET_ERR_BODY;
			res->error = "malformed_json";
			log_warn("fleet: %s %s: body is not JSON (line %d)",
			    req->method, req->endpoint, jerr.line);
		}
		return;
	}
	if (json_is_object(res->root) &&
	    json_is_string(e = json_object_get(res->root, "error")))
		res->api_error = json_string_value(e);
	if (api && json_is_object(res->root) &&
	    json_object_get(res->root, "response") != NULL)
		res->body = json_object_get(res->root, "response");
	else if (!api && json_is_object(res->root))
		res->body = res->root;
	else if (ok) {
		res->outcome = FLEET_ERR_BODY;
		res->error = "bad_envelope";
		log_warn("fleet: %s %s: no response envelope", req->method,
		    req->endpoint);
	}
}

/* Schedules another attempt of request i after delay ms. */
static void
retry_later(struct run *r, size_t i, long delay, const char *why)
{
	struct slot *s = &r->s[i];

	log_info("fleet: %s %s: %s, attempt %d in %ld ms", r->reqs[i].method,
	    r->reqs[i].endpoint, why, s->attempts + 1, delay);
	s->state = S_WAIT;
	s->not_before = mono_ms() + delay;
	r->nwait++;
}

/* Handles the end of one attempt on x. */
static void
attempt_done(struct run *r, struct xfer *x, CURLcode cc)
{
	const struct fleet_req *req = &r->reqs[x->idx];
	struct slot *s = &r->s[x->idx];
	struct fleet_attempt a;
	struct fleet_result res;
	curl_off_t pre = 0;
	long status = 0;
	int retry = 0;
	size_t i = x->idx;

	curl_multi_remove_handle(r->f->multi, x->easy);
	x->busy = 0;
	r->running--;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_PRETRANSFER_TIME_T, &pre);
	memset(&res, 0, sizeof(res));
	res.status = status;
	if (cc != CURLE_OK) {
		if (x->too_large || cc == CURLE_FILESIZE_EXCEEDED) {
			res.outcome = FLEET_ERR_BODY;
			res.error = "too_large";
		} else {
			res.outcome = FLEET_ERR_TRANSPORT;
			res.error =
			    x->oom ? "internal" : transport_code(cc, &retry);
			/* A request the server may have seen goes once. */
			if ((req->flags & FLEET_REQ_ONCE) && pre > 0)
				retry = 0;
		}
	} else if (status >= 200 && status < 300) {
		res.outcome = FLEET_OK;
		parse_body(req, x, status, &res);
	} else {
		res.outcome = status_outcome(status, &retry);
		if (req->flags & FLEET_REQ_ONCE)
			retry = 0;
		snprintf(s->code, sizeof(s->code), "%ld", status);
		res.error = s->code;
		parse_body(req, x, status, &res);
	}

	if (status > 0)
		r->dark = 0;
	else if (res.outcome == FLEET_ERR_TRANSPORT && !x->oom)
		r->dark = 1;
	s->attempts++;
	s->retry_after = x->retry_after;
	memset(&a, 0, sizeof(a));
	a.attempt = s->attempts;
	a.sent_ms = x->sent_ms;
	a.status = status;
	a.latency_ms = (long)(mono_ms() - x->t0);
	a.cost = fleet_price(req->cls, status);
	a.error = res.error;
	s->cost += a.cost;
	if (r->h->on_attempt != NULL)
		r->h->on_attempt(r->h->ctx, req, &a);

	if (!r->stop && status == 429 && x->retry_after >= 0 &&
	    x->retry_after <= r->f->o.retry_after_cap_s && !s->rate_retried &&
	    !(req->flags & FLEET_REQ_ONCE)) {
		s->rate_retried = 1;
		retry_later(r, i,
		    x->retry_after * 1000 +
			(long)(rnd32() % RETRY_AFTER_JITTER_MS),
		    "429");
	} else if (!r->stop && retry && s->retries < r->f->o.max_retries) {
		s->retries++;
		retry_later(r, i,
		    fleet_backoff_ms(&r->f->o, s->retries, rnd32()), res.error);
	} else {
		if (res.outcome != FLEET_OK)
			log_info("fleet: %s %s: %s after %d attempt(s)",
			    req->method, req->endpoint, res.error, s->attempts);
		finish(r, i, &res);
	}
	json_decref(res.root);
}

/* Collects finished transfers; returns how many there were. */
static int
drain(struct run *r)
{
	struct xfer *x;
	CURLMsg *m;
	int q, n = 0;

	while ((m = curl_multi_info_read(r->f->multi, &q)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &x);
		if (x == NULL)
			continue;
		attempt_done(r, x, m->data.result);
		n++;
	}
	return n;
}

/* Ends every running transfer after a multi-handle failure. */
static void
abort_running(struct run *r)
{
	struct fleet *f = r->f;
	int k;

	for (k = 0; k < f->o.max_inflight; k++) {
		if (!f->x[k].busy)
			continue;
		curl_multi_remove_handle(f->multi, f->x[k].easy);
		f->x[k].busy = 0;
		r->running--;
		finish_empty(r, f->x[k].idx, FLEET_ERR_TRANSPORT, "internal");
	}
	r->stop = 1;
	cancel_waiting(r);
}

int
fleet_run(struct fleet *f, const struct fleet_req *reqs, size_t n,
    const struct fleet_hooks *h)
{
	struct run r;
	long wait;
	int still;

	memset(&r, 0, sizeof(r));
	r.f = f;
	r.reqs = reqs;
	r.n = n;
	r.h = h;
	if (n == 0)
		return 0;
	if ((r.s = calloc(n, sizeof(*r.s))) == NULL) {
		log_error("fleet: out of memory");
		return -1;
	}
	while (r.ndone < n) {
		wait = start_ready(&r);
		if (r.ndone == n)
			break;
		if (curl_multi_perform(f->multi, &still) != CURLM_OK) {
			log_error("fleet: curl_multi_perform failed");
			r.rc = -1;
			abort_running(&r);
			continue;
		}
		if (drain(&r) > 0)
			continue;
		if (curl_multi_poll(f->multi, NULL, 0, (int)wait, NULL) !=
		    CURLM_OK) {
			log_error("fleet: curl_multi_poll failed");
			r.rc = -1;
			abort_running(&r);
		}
	}
	free(r.s);
	return r.rc;
}

/* ---- OAuth ----------------------------------------------------------- */

struct tokctx {
	struct fleet_token *out;
	const struct fleet_hooks *user;
	enum fleet_token_rc rc;
};

static void
tok_attempt(
    void *ctx, const struct fleet_req *req, const struct fleet_attempt *a)
{
	struct tokctx *t = ctx;

	if (t->user != NULL && t->user->on_attempt != NULL)
		t->user->on_attempt(t->user->ctx, req, a);
}

/* Keeps a short, printable copy of a token endpoint's error code. */
static void
tok_error(struct fleet_token *out, const char *e)
{
	size_t i;

	snprintf(out->error, sizeof(out->error), "%s", e);
	for (i = 0; out->error[i] != '\0'; i++)
		if ((unsigned char)out->error[i] < 0x20 ||
		    (unsigned char)out->error[i] > 0x7e)
			out->error[i] = '?';
}

static int
tok_done(void *ctx, const struct fleet_req *req, const struct fleet_result *res)
{
	struct tokctx *t = ctx;
	long st = res->status;

	(void)req;
	t->out->status = st;
	if (res->outcome == FLEET_OK) {
		if (fleet_token_parse(res->root, t->out) == 0)
			t->rc = FLEET_TOKEN_OK;
		else
			t->rc = FLEET_TOKEN_FAIL;
		t->out->status = st;
		return FLEET_CONTINUE;
	}
	tok_error(t->out, res->api_error ? res->api_error : res->error);
	if (st == 0 || st >= 500 || st == 429 || st == 408)
		t->rc = res->outcome == FLEET_ERR_BODY ? FLEET_TOKEN_FAIL
						       : FLEET_TOKEN_RETRY;
	else if (fleet_token_login_required(st, res->api_error)) {
		t->out->login_required = 1;
		t->rc = FLEET_TOKEN_LOGIN;
	} else
		t->rc = FLEET_TOKEN_FAIL;
	/* The code only: Tesla's description could echo what we sent. */
	log_warn(
	    "fleet: token request failed: status %ld, %s", st, t->out->error);
	return FLEET_CONTINUE;
}

/*
 * Builds a form body from n key/value pairs (NULL values are left out);
 * malloc'd, or NULL.  The caller wipes it.
 */
static char *
form_body(const char *const *kv, size_t n)
{
	char *esc[16], *body = NULL, *p;
	size_t i, len = 1;

	if (n > nitems(esc))
		return NULL;
	memset(esc, 0, sizeof(esc));
	for (i = 0; i < n; i++) {
		if (kv[2 * i + 1] == NULL)
			continue;
		if ((esc[i] = curl_easy_escape(NULL, kv[2 * i + 1], 0)) == NULL)
			goto out;
		len += strlen(kv[2 * i]) + strlen(esc[i]) + 2;
	}
	if ((body = malloc(len)) == NULL)
		goto out;
	p = body;
	for (i = 0; i < n; i++) {
		if (esc[i] == NULL)
			continue;
		p += sprintf(
		    p, "%s%s=%s", p == body ? "" : "&", kv[2 * i], esc[i]);
	}
	*p = '\0';
out:
	for (i = 0; i < n; i++) {
		if (esc[i] != NULL) {
			explicit_bzero(esc[i], strlen(esc[i]));
			curl_free(esc[i]);
		}
	}
	return body;
}

/* POSTs a token request with body form; see fleet_oauth_refresh(). */
static enum fleet_token_rc
token_call(const char *auth_base, char *form, struct fleet_token *out,
    const struct fleet_hooks *h)
{
	struct tokctx t = { out, h, FLEET_TOKEN_FAIL };
	struct fleet_hooks th = { tok_attempt, tok_done, &t };
	struct fleet_req req = { "POST", FLEET_TOKEN_PATH, form, FLEET_AUTH,
		FLEET_TOKEN_PATH, FLEET_REQ_FORM | FLEET_REQ_ONCE, NULL };
	struct fleet_opts o;
	struct fleet *f;
	char err[160];

	fleet_token_clear(out);
	out->status = 0;
	if (form == NULL) {
		tok_error(out, "internal");
		return FLEET_TOKEN_FAIL;
	}
	fleet_opts_init(&o);
	o.base_url = auth_base != NULL ? auth_base : FLEET_AUTH_URL_DEFAULT;
	o.max_inflight = 1;
	o.max_body = TOKEN_BODY_MAX;
	o.retry_after_cap_s = 0;
	if ((f = fleet_new(&o, err, sizeof(err))) == NULL) {
		log_error("fleet: token endpoint: %s", err);
		tok_error(out, "internal");
		return FLEET_TOKEN_FAIL;
	}
	if (fleet_run(f, &req, 1, &th) == -1 && t.rc == FLEET_TOKEN_OK)
		t.rc = FLEET_TOKEN_FAIL;
	fleet_free(f);
	return t.rc;
}

enum fleet_token_rc
fleet_oauth_refresh(const char *auth_base_url, const char *client_id,
    const char *refresh_token, struct fleet_token *out,
    const struct fleet_hooks *h)
{
	const char *kv[] = { "grant_type", "refresh_token", "client_id",
		client_id, "refresh_token", refresh_token };
	enum fleet_token_rc rc;
	char *form = NULL;

	if (client_id != NULL && refresh_token != NULL)
		form = form_body(kv, nitems(kv) / 2);
	rc = token_call(auth_base_url, form, out, h);
	wipe_free(form);
	return rc;
}

enum fleet_token_rc
fleet_oauth_exchange_code(const char *auth_base_url, const char *client_id,
    const char *client_secret, const char *code, const char *redirect_uri,
    const char *code_verifier, const char *audience, struct fleet_token *out,
    const struct fleet_hooks *h)
{
	const char *kv[] = { "grant_type", "authorization_code", "client_id",
		client_id, "client_secret", client_secret, "code", code,
		"code_verifier", code_verifier, "redirect_uri", redirect_uri,
		"audience", audience };
	enum fleet_token_rc rc;
	char *form = NULL;

	if (client_id != NULL && code != NULL && redirect_uri != NULL)
		form = form_body(kv, nitems(kv) / 2);
	rc = token_call(auth_base_url, form, out, h);
	wipe_free(form);
	return rc;
}

/* ---- PKCE and the authorize URL ------------------------------------- */

int
fleet_pkce_challenge(const char *verifier, char *challenge)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t len;

	if (verifier == NULL)
		return -1;
	len = strlen(verifier);
	if (len < 43 || len > 128 ||
	    strspn(verifier,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789-._~") != len)
		return -1;
	if (EVP_Digest(verifier, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return -1;
	if (b64url_encode(md, mdlen, challenge, FLEET_PKCE_CHALLENGE_LEN + 1) !=
	    FLEET_PKCE_CHALLENGE_LEN)
		return -1;
	return 0;
}

int
fleet_pkce_new(char *verifier, char *challenge)
{
	uint8_t r[48];
	int rc = -1;

	if (random_bytes(r, sizeof(r)) == -1)
		goto out;
	if (b64url_encode(r, sizeof(r), verifier,
		FLEET_PKCE_VERIFIER_LEN + 1) != FLEET_PKCE_VERIFIER_LEN)
		goto out;
	rc = fleet_pkce_challenge(verifier, challenge);
out:
	explicit_bzero(r, sizeof(r));
	return rc;
}

char *
fleet_authorize_url(const char *base, const char *client_id,
    const char *redirect_uri, const char *scope, const char *state,
    const char *code_challenge)
{
	const char *kv[] = { "response_type", "code", "client_id", client_id,
		"redirect_uri", redirect_uri, "scope", scope, "state", state,
		"code_challenge", code_challenge, "code_challenge_method",
		"S256" };
	struct sbuf sb = SBUF_INIT(16384);
	char *esc, *url;
	size_t i;

	if (base == NULL)
		base = FLEET_AUTHORIZE_URL;
	for (i = 1; i < nitems(kv); i += 2)
		if (kv[i] == NULL)
			return NULL;
	sbuf_adds(&sb, base);
	for (i = 0; i < nitems(kv); i += 2) {
		if ((esc = curl_easy_escape(NULL, kv[i + 1], 0)) == NULL) {
			sb.failed = 1;
			break;
		}
		sbuf_addf(&sb, "%c%s=%s", i == 0 ? '?' : '&', kv[i], esc);
		curl_free(esc);
	}
	url = sbuf_detach(&sb, NULL);
	sbuf_release(&sb);
	return url;
}
