/*
 * OAuth for the simulator, behaving like fleet-auth.prd.vn.cloud.tesla.com:
 * access tokens (unsigned JWT look-alikes carrying scp and exp) live 8 hours
 * of sim time; refresh tokens are single-use, each refresh hands out a new
 * one; authorization codes come from /oauth2/v3/authorize (a 302 to the
 * redirect_uri) and are checked against PKCE when a challenge was given.
 * Everything here is guarded by sim.lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "log.h"
#include "sim.h"
#include "util.h"

#define NACCESS 128
#define NREFRESH 128
#define NCODES 32
#define ACCESS_TTL_S 28800
#define CODE_TTL_S 600

struct access_tok {
	char *tok;
	int64_t exp_ms;
};

struct refresh_tok {
	char tok[96];
	int used;
};

struct auth_code {
	char code[80];
	char client_id[128];
	char redirect[512];
	char challenge[128];
	int s256;
	int used;
	int64_t exp_ms;
};

static struct access_tok access_toks[NACCESS];
static struct refresh_tok refresh_toks[NREFRESH];
static struct auth_code codes[NCODES];
static int access_next, refresh_next, code_next;
static uint64_t token_seq;
static char *static_access;

int
oauth_init(const char *refresh0, const char *static_tok)
{
	snprintf(
	    refresh_toks[0].tok, sizeof(refresh_toks[0].tok), "%s", refresh0);
	refresh_next = 1;
	if (static_tok != NULL && (static_access = strdup(static_tok)) == NULL)
		return -1;
	return 0;
}

void
oauth_free(void)
{
	int i;

	for (i = 0; i < NACCESS; i++) {
		free(access_toks[i].tok);
		access_toks[i].tok = NULL;
	}
	free(static_access);
	static_access = NULL;
}

int
oauth_check(const char *bearer, int64_t now_ms, const char **why)
{
	int i;

	*why = "invalid bearer token";
	if (static_access != NULL && strcmp(bearer, static_access) == 0)
		return 1;
	for (i = 0; i < NACCESS; i++) {
		if (access_toks[i].tok == NULL ||
		    strcmp(access_toks[i].tok, bearer) != 0)
			continue;
		if (access_toks[i].exp_ms > now_ms)
			return 1;
		*why = "token expired (401)";
		return 0;
	}
	return 0;
}

void
oauth_expire_all(void)
{
	int i;

	for (i = 0; i < NACCESS; i++)
		access_toks[i].exp_ms = 0;
}

/* Appends base64url(data) to sb. */
static void
add_b64(struct sbuf *sb, const void *data, size_t n)
{
	char out[2048];

	if (b64url_encode(data, n, out, sizeof(out)) < 0) {
		sb->failed = 1;
		return;
	}
	sbuf_adds(sb, out);
}

/* A JWT-shaped token (not signed) whose payload is claims; malloc'd. */
static char *
make_jwt(json_t *claims, uint64_t salt)
{
	static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\","
				     "\"kid\":\"tessie-sim\"}";
	struct sbuf sb = SBUF_INIT(8192);
	uint64_t sig[4];
	char *payload;
	int i;

	payload = json_dumps(claims, JSON_COMPACT);
	if (payload == NULL)
		return NULL;
	for (i = 0; i < 4; i++)
		sig[i] = sim_hash(sim.m.seed, salt, (uint64_t)i, 's');
	add_b64(&sb, header, strlen(header));
	sbuf_addc(&sb, '.');
	add_b64(&sb, payload, strlen(payload));
	sbuf_addc(&sb, '.');
	add_b64(&sb, sig, sizeof(sig));
	free(payload);
	return sbuf_detach(&sb, NULL);
}

/* Issues a new access, refresh and id token; the reply's body. */
static json_t *
issue_tokens(const char *client_id, int64_t now_ms)
{
	const char *region = sim.m.zone->region;
	char refresh[96], aud[128], *access = NULL, *id = NULL;
	json_t *claims, *out = NULL;
	int64_t now_s = now_ms / 1000;
	uint64_t n;

	n = ++token_seq;
	snprintf(aud, sizeof(aud),
	    "https://fleet-api.prd.%s.vn.cloud.tesla.com", region);
	claims = json_pack("{s:s,s:s,s:s,s:[s,s],s:[s,s,s,s,s,s,s],s:I,s:I,"
			   "s:s,s:s,s:I}",
	    "iss", "https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3/nts",
	    "azp", client_id, "sub", "5a8d0f5e-sim-user", "aud", aud,
	    "https://auth.tesla.com/oauth2/v3/userinfo", "scp", "openid",
	    "offline_access", "user_data", "vehicle_device_data",
	    "vehicle_location", "vehicle_charging_cmds", "energy_device_data",
	    "iat", (json_int_t)now_s, "exp", (json_int_t)(now_s + ACCESS_TTL_S),
	    "ou_code", strcmp(region, "eu") == 0 ? "EU" : "NA", "locale",
	    "en-US", "jti", (json_int_t)n);
	if (claims == NULL)
		return NULL;
	access = make_jwt(claims, n);
	json_object_set_new(claims, "aud", json_string(client_id));
	json_object_del(claims, "scp");
	id = make_jwt(claims, n + 0x1000000);
	json_decref(claims);
	if (access == NULL || id == NULL)
		goto out;
	snprintf(refresh, sizeof(refresh), "%s_%016llx%016llx",
	    strcmp(region, "eu") == 0 ? "EU" : "NA",
	    (unsigned long long)sim_hash(sim.m.seed, n, 'r', 1),
	    (unsigned long long)sim_hash(sim.m.seed, n, 'r', 2));
	out = json_pack("{s:s,s:s,s:s,s:i,s:s}", "access_token", access,
	    "refresh_token", refresh, "id_token", id, "expires_in",
	    ACCESS_TTL_S, "token_type", "Bearer");
	if (out == NULL)
		goto out;
	free(access_toks[access_next].tok);
	access_toks[access_next].tok = access;
	access_toks[access_next].exp_ms = now_ms + ACCESS_TTL_S * 1000LL;
	access_next = (access_next + 1) % NACCESS;
	access = NULL;
	memset(&refresh_toks[refresh_next], 0, sizeof(refresh_toks[0]));
	snprintf(refresh_toks[refresh_next].tok,
	    sizeof(refresh_toks[refresh_next].tok), "%s", refresh);
	refresh_next = (refresh_next + 1) % NREFRESH;
out:
	free(access);
	free(id);
	return out;
}

/* Reads field name of the token request body (form or JSON). */
static void
field(struct sreq *r, json_t *j, const char *name, char *out, size_t len)
{
	json_t *v;

	out[0] = '\0';
	if (j != NULL) {
		v = json_object_get(j, name);
		if (json_is_string(v))
			snprintf(out, len, "%s", json_string_value(v));
		return;
	}
	form_get(r->body.buf, name, out, len);
}

static int
oauth_error(struct sreq *r, int status, const char *error, const char *desc)
{
	return reply_json(r, status,
	    json_pack("{s:s,s:s}", "error", error, "error_description", desc));
}

/* 1 when verifier matches the stored PKCE challenge. */
static int
pkce_ok(const struct auth_code *c, const char *verifier)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char enc[64];

	if (c->challenge[0] == '\0')
		return 1;
	if (verifier[0] == '\0')
		return 0;
	if (!c->s256)
		return strcmp(c->challenge, verifier) == 0;
	SHA256((const unsigned char *)verifier, strlen(verifier), md);
	if (b64url_encode(md, sizeof(md), enc, sizeof(enc)) < 0)
		return 0;
	return strcmp(enc, c->challenge) == 0;
}

static int
grant_refresh(struct sreq *r, json_t *j, const char *client_id)
{
	char tok[512];
	json_t *out;
	int i;

	field(r, j, "refresh_token", tok, sizeof(tok));
	for (i = 0; i < NREFRESH; i++)
		if (tok[0] != '\0' && !refresh_toks[i].used &&
		    strcmp(refresh_toks[i].tok, tok) == 0)
			break;
	if (i == NREFRESH)
		return oauth_error(r, 401, "login_required",
		    "The refresh_token is invalid, expired or has already "
		    "been used");
	refresh_toks[i].used = 1;
	out = issue_tokens(client_id, r->now_ms);
	if (out == NULL)
		return oauth_error(r, 500, "server_error", "out of memory");
	return reply_json(r, 200, out);
}

static int
grant_code(struct sreq *r, json_t *j, const char *client_id)
{
	char code[128], secret[256], redirect[512], verifier[256];
	struct auth_code *c = NULL;
	json_t *out;
	int i;

	field(r, j, "client_secret", secret, sizeof(secret));
	field(r, j, "code", code, sizeof(code));
	field(r, j, "redirect_uri", redirect, sizeof(redirect));
	field(r, j, "code_verifier", verifier, sizeof(verifier));
	if (secret[0] == '\0')
		return oauth_error(
		    r, 401, "invalid_client", "client_secret is required");
	for (i = 0; i < NCODES; i++)
		if (code[0] != '\0' && strcmp(codes[i].code, code) == 0)
			c = &codes[i];
	if (c == NULL || c->used || c->exp_ms <= r->now_ms ||
	    strcmp(c->client_id, client_id) != 0 || !pkce_ok(c, verifier))
		return oauth_error(r, 400, "invalid_auth_code",
		    "The authorization code is invalid, expired or used");
	if (c->redirect[0] != '\0' && strcmp(c->redirect, redirect) != 0)
		return oauth_error(r, 400, "invalid_redirect_url",
		    "redirect_uri does not match the authorize request");
	c->used = 1;
	out = issue_tokens(client_id, r->now_ms);
	if (out == NULL)
		return oauth_error(r, 500, "server_error", "out of memory");
	return reply_json(r, 200, out);
}

int
h_token(struct sreq *r)
{
	char grant[64], client_id[128];
	const char *ct;
	json_t *j = NULL;
	int status;

	ct = sreq_header(r, "Content-Type");
	if (ct != NULL && strstr(ct, "json") != NULL) {
		j = json_loads(r->body.buf, 0, NULL);
		if (!json_is_object(j)) {
			json_decref(j);
			return oauth_error(r, 400, "invalid_request",
			    "the body is not a JSON object");
		}
	}
	field(r, j, "grant_type", grant, sizeof(grant));
	field(r, j, "client_id", client_id, sizeof(client_id));
	pthread_mutex_lock(&sim.lock);
	r->now_ms = model_now_ms(&sim.m);
	if (grant[0] == '\0' || client_id[0] == '\0')
		status = oauth_error(r, 400, "invalid_request",
		    "grant_type and client_id are required");
	else if (strcmp(grant, "refresh_token") == 0)
		status = grant_refresh(r, j, client_id);
	else if (strcmp(grant, "authorization_code") == 0)
		status = grant_code(r, j, client_id);
	else
		status = oauth_error(r, 400, "unsupported_grant_type", grant);
	pthread_mutex_unlock(&sim.lock);
	json_decref(j);
	return status;
}

/* Appends s percent-encoded (RFC 3986 unreserved characters kept). */
static void
add_escaped(struct sbuf *sb, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL)
			sbuf_addc(sb, (char)ch);
		else
			sbuf_addf(sb, "%%%02X", ch);
	}
}

int
h_authorize(struct sreq *r)
{
	const char *client_id, *redirect, *state, *challenge, *method;
	struct sbuf loc = SBUF_INIT(sizeof(r->location));
	struct auth_code *c;
	uint64_t n;

	client_id = sreq_arg(r, "client_id");
	redirect = sreq_arg(r, "redirect_uri");
	state = sreq_arg(r, "state");
	challenge = sreq_arg(r, "code_challenge");
	method = sreq_arg(r, "code_challenge_method");
	if (client_id == NULL || redirect == NULL || *redirect == '\0')
		return oauth_error(r, 400, "invalid_request",
		    "client_id and redirect_uri are required");
	pthread_mutex_lock(&sim.lock);
	r->now_ms = model_now_ms(&sim.m);
	n = ++token_seq;
	c = &codes[code_next];
	code_next = (code_next + 1) % NCODES;
	memset(c, 0, sizeof(*c));
	snprintf(c->code, sizeof(c->code), "%s_%016llx%08llx",
	    strcmp(sim.m.zone->region, "eu") == 0 ? "EU" : "NA",
	    (unsigned long long)sim_hash(sim.m.seed, n, 'c', 1),
	    (unsigned long long)(sim_hash(sim.m.seed, n, 'c', 2) >> 32));
	snprintf(c->client_id, sizeof(c->client_id), "%s", client_id);
	snprintf(c->redirect, sizeof(c->redirect), "%s", redirect);
	if (challenge != NULL)
		snprintf(c->challenge, sizeof(c->challenge), "%s", challenge);
	c->s256 = method == NULL || strcmp(method, "plain") != 0;
	c->exp_ms = r->now_ms + CODE_TTL_S * 1000LL;
	sbuf_adds(&loc, redirect);
	sbuf_addc(&loc, strchr(redirect, '?') != NULL ? '&' : '?');
	sbuf_adds(&loc, "code=");
	add_escaped(&loc, c->code);
	if (state != NULL) {
		sbuf_adds(&loc, "&state=");
		add_escaped(&loc, state);
	}
	sbuf_adds(&loc, "&issuer=");
	add_escaped(
	    &loc, "https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3");
	reply_json(r, 302, json_pack("{s:s}", "code", c->code));
	pthread_mutex_unlock(&sim.lock);
	if (loc.failed) {
		sbuf_release(&loc);
		return oauth_error(
		    r, 400, "invalid_request", "redirect_uri is too long");
	}
	snprintf(r->location, sizeof(r->location), "%s", loc.buf);
	sbuf_release(&loc);
	return 302;
}
