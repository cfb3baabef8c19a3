/*
 * Tesla Fleet API client over libcurl's multi interface.
 *
 * A batch of requests runs concurrently through one multi handle with at
 * most max_inflight transfers at once, reusing easy handles (and so the
 * connection, DNS and TLS session caches).  Each HTTP attempt is reported
 * to on_attempt (one fleet_api_calls row each, with its price), and each
 * request ends with exactly one on_done call.
 *
 * What happens per status (research/fleet-api.md §3, DESIGN §5):
 *   2xx      FLEET_OK; the JSON body is parsed ("malformed_json" if not)
 *   401      FLEET_ERR_AUTH: reported, never retried (refresh, re-run)
 *   408      FLEET_ERR_ASLEEP: reported, never retried, never woken
 *   421      FLEET_ERR_REGION: wrong regional base URL
 *   429      waits Retry-After and retries once when it is at most
 *            retry_after_cap_s, else FLEET_ERR_RATE with retry_after_s
 *   other 4xx FLEET_ERR_CLIENT
 *   5xx, timeouts and transport errors: up to max_retries retries with
 *            exponential backoff and jitter, then FLEET_ERR_SERVER or
 *            FLEET_ERR_TRANSPORT
 *   a body over max_body bytes: aborted, FLEET_ERR_BODY "too_large"
 *
 * Tokens never reach the log, not even on errors: messages name the
 * endpoint template, never a URL, header or body.
 */
#ifndef TESSIE_FLEET_H
#define TESSIE_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fleet_parse.h"

#define FLEET_USER_AGENT "tessie-stats/0.1"
#define FLEET_AUTH_URL_DEFAULT "https://fleet-auth.prd.vn.cloud.tesla.com"
#define FLEET_AUTHORIZE_URL "https://auth.tesla.com/oauth2/v3/authorize"
#define FLEET_TOKEN_PATH "/oauth2/v3/token"

/*
 * Price of one billed call, USD.  "All requests with a status codes below
 * 500 are counted as billable usage" (408 and 429 included).  Energy
 * endpoints are free today (DESIGN §1); auth endpoints are not billed.
 */
#define FLEET_PRICE_DATA 0.002
#define FLEET_PRICE_WAKE 0.02
#define FLEET_PRICE_COMMAND 0.001
#define FLEET_PRICE_AUTH 0.0
#define FLEET_PRICE_ENERGY 0.0

/* Pricing category, as fleet_api_calls.endpoint_class. */
enum fleet_class {
	FLEET_DATA,
	FLEET_WAKE,
	FLEET_COMMAND,
	FLEET_AUTH,
	FLEET_ENERGY,
	FLEET_FREE /* no charge: the vehicle list and summary (research §4) */
};

/* "data", "wake", "command", "auth", "energy" or "free" (static). */
const char *fleet_class_name(enum fleet_class cls);

/* The price of one call of cls answered with status (0: not billed). */
double fleet_price(enum fleet_class cls, long status);

/*
 * Tesla's Fleet API base URL for region "na", "eu" or "cn" (static
 * string), or NULL for any other region.
 */
const char *fleet_region_base_url(const char *region);

/*
 * Checks a base URL: https://host[:port] with no user, path, query or
 * fragment, or http:// only for 127.0.0.1, [::1] or localhost (the
 * simulator and tests).  Returns 0 and *loopback (when not NULL), or -1.
 */
int fleet_base_url_check(const char *url, int *loopback);

struct fleet_opts {
	const char *base_url; /* checked by fleet_base_url_check() */
	const char *access_token; /* copied; NULL: no Authorization */
	long connect_timeout_ms; /* default 10000 */
	long timeout_ms; /* whole attempt; default 30000 */
	size_t max_body; /* response bytes; default 1 MiB */
	int max_inflight; /* transfers at once; default 16 */
	int max_retries; /* after the first attempt; default 3 */
	long backoff_base_ms; /* first retry delay; default 500 */
	long backoff_max_ms; /* largest retry delay; default 30000 */
	long retry_after_cap_s; /* longest 429 wait honoured; default 10 */
};

/* Fills o with the defaults (base_url and access_token NULL). */
void fleet_opts_init(struct fleet_opts *o);

/*
 * The delay before retry number attempt (1, 2, ...): half of
 * min(backoff_max, backoff_base * 2^(attempt-1)) plus a jitter drawn from
 * rnd over the other half.  Exposed for tests.
 */
long fleet_backoff_ms(const struct fleet_opts *o, int attempt, uint32_t rnd);

struct fleet;

/*
 * Returns a client for o (copied), or NULL with a reason in err (never the
 * token).  Release with fleet_free().
 */
struct fleet *fleet_new(const struct fleet_opts *o, char *err, size_t errlen);

/* Replaces the access token (after a refresh); 0 or -1. */
int fleet_set_token(struct fleet *f, const char *access_token);

/* Wipes the token and frees everything; NULL is allowed. */
void fleet_free(struct fleet *f);

/* Request flags. */
#define FLEET_REQ_FORM 0x1 /* body is application/x-www-form-urlencoded */
#define FLEET_REQ_ONCE 0x2 /* not idempotent: retry only if never sent */

struct fleet_req {
	const char *method; /* "GET" or "POST" */
	const char *path; /* "/api/1/vehicles/1/vehicle_data?endpoints=..." */
	const char *body; /* POST body or NULL */
	enum fleet_class cls;
	const char *endpoint; /* ledger template, "/api/1/vehicles/{id}" */
	unsigned flags;
	void *user; /* the caller's */
};

/* One HTTP attempt, for the fleet_api_calls ledger. */
struct fleet_attempt {
	int attempt; /* 1, 2, ... */
	long long sent_ms; /* when it was sent, ms since the epoch */
	long status; /* HTTP status; 0 on a transport error (SQL NULL) */
	long latency_ms;
	double cost; /* fleet_price(cls, status) */
	const char *error; /* ledger code, NULL when 2xx with valid JSON */
};

enum fleet_outcome {
	FLEET_OK,
	FLEET_ERR_AUTH, /* 401 */
	FLEET_ERR_ASLEEP, /* 408: asleep or offline */
	FLEET_ERR_REGION, /* 421 */
	FLEET_ERR_RATE, /* 429 */
	FLEET_ERR_CLIENT, /* other 4xx (or 1xx/3xx) */
	FLEET_ERR_SERVER, /* 5xx after the retries */
	FLEET_ERR_TRANSPORT, /* timeout, DNS, connect, TLS ... */
	FLEET_ERR_BODY, /* too large, not JSON, no envelope */
	FLEET_ERR_CANCELLED /* not run: on_done asked to stop */
};

/* "ok", "auth", "asleep", ... (static string). */
const char *fleet_outcome_name(enum fleet_outcome o);

/*
 * The end of a request.  Ledger codes (error): "timeout", "dns",
 * "connect", "tls", "transport", "too_large", "malformed_json",
 * "bad_envelope", "cancelled", "internal", or the HTTP status in decimal
 * ("401", "408", "429", "503", ...).
 */
struct fleet_result {
	enum fleet_outcome outcome;
	long status; /* final HTTP status, 0 on a transport error */
	int attempts; /* HTTP attempts made */
	long latency_ms; /* first send to the end, waits included */
	long retry_after_s; /* last Retry-After, -1 when none */
	const char *error; /* ledger code; NULL when FLEET_OK */
	const char *api_error; /* the envelope's "error" string, or NULL */
	json_t *root; /* the parsed document or NULL (borrowed) */
	json_t *body; /* /api/ paths: root's "response", else root */
	double cost; /* sum over the attempts, USD */
};

/* on_done's return value: go on, or cancel every request not yet sent. */
#define FLEET_CONTINUE 0
#define FLEET_STOP 1

/*
 * Callbacks of fleet_run(); on_done is required.  Pointers they receive
 * (including res->root and res->body: json_incref() to keep them) are
 * valid during the call only.  They must not call fleet_run() on the same
 * client.  A cancelled request gets on_done with attempts 0 (or the
 * attempts it had made before waiting for a retry) and no on_attempt.
 */
struct fleet_hooks {
	void (*on_attempt)(void *ctx, const struct fleet_req *req,
	    const struct fleet_attempt *a); /* may be NULL */
	int (*on_done)(void *ctx, const struct fleet_req *req,
	    const struct fleet_result *res);
	void *ctx;
};

/*
 * Runs n requests (reqs must stay valid until it returns), at most
 * max_inflight at once (one at a time while the API gives no answer at
 * all, until an attempt gets an HTTP status again), and returns when each
 * has ended with one on_done call.  Returns 0, or -1 when something failed
 * inside the client or a request was malformed (such requests end as
 * FLEET_ERR_TRANSPORT "internal" without an attempt).
 */
int fleet_run(struct fleet *f, const struct fleet_req *reqs, size_t n,
    const struct fleet_hooks *h);

/* What a token call came to. */
enum fleet_token_rc {
	FLEET_TOKEN_OK, /* out holds the new tokens */
	FLEET_TOKEN_LOGIN, /* login required: the user must sign in again */
	FLEET_TOKEN_RETRY, /* transient (network, 5xx, 429): try later */
	FLEET_TOKEN_FAIL /* other refusal or bad response: a config problem */
};

/*
 * POSTs grant_type=refresh_token to auth_base_url (NULL: the default)
 * FLEET_TOKEN_PATH.  Tesla's refresh tokens are single use: on
 * FLEET_TOKEN_OK store out->refresh_token before using the access token.
 * out must be zeroed or hold an earlier result; on failure out->status,
 * out->error and out->login_required say why.  h (may be NULL) sees the
 * attempts for the ledger (its on_done is not used).  Not retried once the
 * request was sent: the refresh token may already be spent.
 */
enum fleet_token_rc fleet_oauth_refresh(const char *auth_base_url,
    const char *client_id, const char *refresh_token, struct fleet_token *out,
    const struct fleet_hooks *h);

/*
 * Exchanges an authorization code (grant_type=authorization_code with
 * client_secret, code, redirect_uri, code_verifier and audience, the
 * regional Fleet API base URL).  As fleet_oauth_refresh().
 */
enum fleet_token_rc fleet_oauth_exchange_code(const char *auth_base_url,
    const char *client_id, const char *client_secret, const char *code,
    const char *redirect_uri, const char *code_verifier, const char *audience,
    struct fleet_token *out, const struct fleet_hooks *h);

/* PKCE (RFC 7636): verifier of 64 base64url characters, S256 challenge. */
#define FLEET_PKCE_VERIFIER_LEN 64
#define FLEET_PKCE_CHALLENGE_LEN 43

/*
 * Fills verifier (FLEET_PKCE_VERIFIER_LEN + 1 bytes) from 48 random bytes
 * and challenge (FLEET_PKCE_CHALLENGE_LEN + 1) = base64url(SHA-256(
 * verifier)).  Returns 0 or -1.
 */
int fleet_pkce_new(char *verifier, char *challenge);

/*
 * The S256 challenge of a verifier of 43..128 unreserved characters
 * (ALPHA DIGIT - . _ ~).  Returns 0, or -1 for a bad verifier.
 */
int fleet_pkce_challenge(const char *verifier, char *challenge);

/*
 * Returns the authorize URL (malloc'd, caller frees; NULL on bad input or
 * out of memory): base (NULL: FLEET_AUTHORIZE_URL) ?response_type=code
 * &client_id= &redirect_uri= &scope= &state= &code_challenge=
 * &code_challenge_method=S256, every value percent-encoded.
 */
char *fleet_authorize_url(const char *base, const char *client_id,
    const char *redirect_uri, const char *scope, const char *state,
    const char *code_challenge);

#endif
