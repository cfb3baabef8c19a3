/*
 * HTTP for the simulator: libmicrohttpd with one thread per connection, so
 * that hundreds of requests each sleeping for an injected latency are
 * served in parallel.  One route table; each request is counted, may meet
 * an injected fault, is authenticated (under /api/1), handled, and its body is
 * mangled as the fault asks.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "log.h"
#include "sim.h"

#define R_AUTH 0x01 /* needs a Bearer access token */
#define R_ADMIN 0x02 /* admin: loopback only, not counted */
#define R_CAR 0x04 /* segment 3 names a vehicle */
#define R_SITE 0x08 /* segment 3 names an energy site */
#define BODY_CAP (1 << 20)

const char *const endpoint_names[EP_N] = {
	[EP_TOKEN] = "token",
	[EP_AUTHORIZE] = "authorize",
	[EP_REGION] = "region",
	[EP_ME] = "me",
	[EP_VEHICLES] = "vehicles",
	[EP_VEHICLE] = "vehicle",
	[EP_VEHICLE_DATA] = "vehicle_data",
	[EP_WAKE_UP] = "wake_up",
	[EP_PRODUCTS] = "products",
	[EP_SITE_INFO] = "site_info",
	[EP_LIVE_STATUS] = "live_status",
	[EP_CALENDAR_HISTORY] = "calendar_history",
	[EP_CHARGING_HISTORY] = "charging_history",
	[EP_NOT_FOUND] = "not_found",
};

struct route {
	const char *method;
	const char *pattern; /* "*" matches one segment */
	int ep;
	int flags;
	int (*fn)(struct sreq *);
};

static const struct route routes[] = {
	{ "POST", "/oauth2/v3/token", EP_TOKEN, 0, h_token },
	{ "GET", "/oauth2/v3/authorize", EP_AUTHORIZE, 0, h_authorize },
	{ "GET", "/api/1/users/region", EP_REGION, R_AUTH, h_region },
	{ "GET", "/api/1/users/me", EP_ME, R_AUTH, h_me },
	{ "GET", "/api/1/vehicles", EP_VEHICLES, R_AUTH, h_vehicles },
	{ "GET", "/api/1/vehicles/*", EP_VEHICLE, R_AUTH | R_CAR, h_vehicle },
	{ "GET", "/api/1/vehicles/*/vehicle_data", EP_VEHICLE_DATA,
	    R_AUTH | R_CAR, h_vehicle_data },
	{ "POST", "/api/1/vehicles/*/wake_up", EP_WAKE_UP, R_AUTH | R_CAR,
	    h_wake_up },
	{ "GET", "/api/1/products", EP_PRODUCTS, R_AUTH, h_products },
	{ "GET", "/api/1/energy_sites/*/site_info", EP_SITE_INFO,
	    R_AUTH | R_SITE, h_site_info },
	{ "GET", "/api/1/energy_sites/*/live_status", EP_LIVE_STATUS,
	    R_AUTH | R_SITE, h_live_status },
	{ "GET", "/api/1/energy_sites/*/calendar_history", EP_CALENDAR_HISTORY,
	    R_AUTH | R_SITE, h_calendar_history },
	{ "GET", "/api/1/dx/charging/history", EP_CHARGING_HISTORY, R_AUTH,
	    h_charging_history },
	{ "GET", "/sim/clock", -1, R_ADMIN, h_sim_clock_get },
	{ "POST", "/sim/clock", -1, R_ADMIN, h_sim_clock_post },
	{ "GET", "/sim/faults", -1, R_ADMIN, h_sim_faults_get },
	{ "POST", "/sim/faults", -1, R_ADMIN, h_sim_faults_post },
	{ "DELETE", "/sim/faults", -1, R_ADMIN, h_sim_faults_delete },
	{ "GET", "/sim/calls", -1, R_ADMIN, h_sim_calls },
	{ "POST", "/sim/reset-calls", -1, R_ADMIN, h_sim_reset_calls },
	{ "GET", "/sim/state", -1, R_ADMIN, h_sim_state_get },
	{ "POST", "/sim/state", -1, R_ADMIN, h_sim_state_post },
	{ "POST", "/sim/expire-token", -1, R_ADMIN, h_sim_expire_token },
};

static struct MHD_Daemon *daemon_h;

/* Keys whose numbers the wrong_types fault turns into strings. */
static const char *const wrong_keys[] = { "battery_level", "odometer",
	"usable_battery_level", "battery_range", "charge_energy_added", "speed",
	"latitude", "solar_power", "battery_power", "grid_power", "load_power",
	"percentage_charged", "expires_in", "solar_energy_exported",
	"grid_energy_imported", "totalDue", "inside_temp" };

const char *
sreq_arg(struct sreq *r, const char *name)
{
	return MHD_lookup_connection_value(
	    r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
sreq_header(struct sreq *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int
reply_json(struct sreq *r, int status, json_t *body)
{
	json_decref(r->resp);
	r->resp = body;
	r->status = status;
	return status;
}

int
reply_ok(struct sreq *r, json_t *response)
{
	return reply_json(r, 200, json_pack("{s:o}", "response", response));
}

int
reply_error(struct sreq *r, int status, const char *error, const char *desc)
{
	return reply_json(r, status,
	    json_pack("{s:n,s:s,s:s}", "response", "error", error,
		"error_description", desc != NULL ? desc : ""));
}

/* 1 when the peer is on the loopback interface. */
static int
peer_is_loopback(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	const struct sockaddr_in6 *s6;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return 0;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)
				  ->sin_addr.s_addr) >>
			   24) == 127;
	if (sa->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
		    s6->sin6_addr.s6_addr[12] == 127;
	}
	return 0;
}

static struct sreq *
sreq_new(struct MHD_Connection *conn, const char *url, const char *method)
{
	struct sreq *r;
	char *p, *save = NULL;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->conn = conn;
	r->car = r->site = -1;
	r->retry_after = -1;
	r->ep = -1;
	sbuf_init(&r->body, BODY_CAP);
	snprintf(r->method, sizeof(r->method), "%s", method);
	snprintf(r->path, sizeof(r->path), "%s", url);
	r->loopback = peer_is_loopback(conn);
	r->segbuf = strdup(url);
	if (r->segbuf == NULL) {
		free(r);
		return NULL;
	}
	for (p = strtok_r(r->segbuf, "/", &save); p != NULL && r->nseg < 8;
	     p = strtok_r(NULL, "/", &save))
		r->seg[r->nseg++] = p;
	return r;
}

static void
sreq_free(struct sreq *r)
{
	if (r == NULL)
		return;
	free(r->segbuf);
	sbuf_release(&r->body);
	json_decref(r->resp);
	free(r);
}

/* 1 when the path's segments match pattern. */
static int
route_match(const struct route *rt, const struct sreq *r)
{
	const char *p = rt->pattern;
	size_t len;
	int i = 0;

	while (*p == '/') {
		p++;
		len = strcspn(p, "/");
		if (i >= r->nseg)
			return 0;
		if (!(len == 1 && *p == '*') &&
		    (strlen(r->seg[i]) != len || strncmp(r->seg[i], p, len)))
			return 0;
		p += len;
		i++;
	}
	return i == r->nseg;
}

/* Turns chosen numbers into strings; returns how many. */
static int
make_wrong_types(json_t *j, int all)
{
	const char *key;
	json_t *v;
	size_t i, k;
	int n = 0;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v) n += make_wrong_types(v, all);
		return n;
	}
	if (!json_is_object(j))
		return 0;
	json_object_foreach(j, key, v)
	{
		if (json_is_object(v) || json_is_array(v)) {
			n += make_wrong_types(v, all);
			continue;
		}
		if (!json_is_number(v))
			continue;
		for (k = 0;
		     !all && k < sizeof(wrong_keys) / sizeof(*wrong_keys); k++)
			if (strcmp(key, wrong_keys[k]) == 0)
				break;
		if (all || k < sizeof(wrong_keys) / sizeof(*wrong_keys)) {
			char buf[64];

			if (json_is_integer(v))
				snprintf(buf, sizeof(buf), "%lld",
				    (long long)json_integer_value(v));
			else
				snprintf(buf, sizeof(buf), "%.6g",
				    json_real_value(v));
			json_object_set_new(j, key, json_string(buf));
			n++;
		}
	}
	return n;
}

struct half_body {
	char *buf;
	size_t len, half;
};

/* Sends the first half of the body, then breaks the connection. */
static ssize_t
half_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct half_body *hb = cls;
	size_t n;

	if (pos >= hb->half)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = hb->half - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(out, hb->buf + pos, n);
	return (ssize_t)n;
}

static void
half_free(void *cls)
{
	struct half_body *hb = cls;

	free(hb->buf);
	free(hb);
}

/* The body of an injected error status. */
static void
fault_status_body(struct sreq *r, const struct fault *f)
{
	char desc[64];

	switch (f->status) {
	case 401:
		reply_error(r, 401, "token expired (401)", "");
		break;
	case 408:
		reply_error(r, 408,
		    "vehicle unavailable: vehicle is offline or asleep", "");
		break;
	case 429:
		reply_error(r, 429, "rate limit exceeded",
		    "Too many requests; retry after the Retry-After seconds");
		break;
	case 500:
		reply_error(r, 500, "upstream internal error", "");
		break;
	case 503:
		reply_error(r, 503, "upstream timeout",
		    "an internal service or the vehicle did not respond");
		break;
	default:
		snprintf(desc, sizeof(desc), "injected status %d", f->status);
		reply_error(r, f->status, "injected_fault", desc);
		break;
	}
	if (f->status == 429 || f->retry_after >= 0)
		r->retry_after = f->retry_after >= 0 ? f->retry_after : 30;
}

/* Serialises r's response, mangles it as f says and queues it. */
static enum MHD_Result
send_reply(struct sreq *r, const struct fault *f)
{
	struct MHD_Response *resp;
	struct half_body *hb;
	enum MHD_Result ret;
	char *body, num[16];
	size_t len;

	if (f != NULL && f->body != NULL) {
		body = strdup(f->body);
	} else {
		if (r->resp == NULL)
			r->resp = json_object();
		if (f != NULL && f->kind == FK_WRONG_TYPES &&
		    make_wrong_types(r->resp, 0) == 0)
			make_wrong_types(r->resp, 1);
		body =
		    json_dumps(r->resp, JSON_COMPACT | JSON_REAL_PRECISION(12));
	}
	if (body == NULL)
		return MHD_NO;
	len = strlen(body);
	if (f != NULL && f->kind == FK_MALFORMED) {
		char *colon = strchr(body, ':');

		if (colon != NULL)
			*colon = '=';
		else if (len > 0)
			body[0] = '<';
	}
	if (f != NULL && f->kind == FK_TRUNCATED)
		len /= 2;
	if (f != NULL && f->kind == FK_DISCONNECT) {
		hb = malloc(sizeof(*hb));
		if (hb == NULL) {
			free(body);
			return MHD_NO;
		}
		hb->buf = body;
		hb->len = len;
		hb->half = len / 2;
		resp = MHD_create_response_from_callback(
		    len, 4096, half_reader, hb, half_free);
		if (resp == NULL)
			half_free(hb);
	} else {
		resp = MHD_create_response_from_buffer(
		    len, body, MHD_RESPMEM_MUST_FREE);
		if (resp == NULL)
			free(body);
	}
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json; charset=utf-8");
	MHD_add_response_header(
	    resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->retry_after >= 0) {
		snprintf(num, sizeof(num), "%d", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	if (r->location[0] != '\0')
		MHD_add_response_header(
		    resp, MHD_HTTP_HEADER_LOCATION, r->location);
	ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Finds the car or site the request is about. */
static void
resolve(struct sreq *r, const struct route *rt)
{
	const char *vin;

	if (rt == NULL)
		return;
	if ((rt->flags & R_CAR) && r->nseg > 3)
		r->car = model_find_car(&sim.m, r->seg[3]);
	if ((rt->flags & R_SITE) && r->nseg > 3)
		r->site = model_find_site(&sim.m, r->seg[3]);
	if (rt->ep == EP_CHARGING_HISTORY && (vin = sreq_arg(r, "vin")) != NULL)
		r->car = model_find_car(&sim.m, vin);
}

/* Checks the Bearer token; 0 when fine, else the status replied. */
static int
authenticate(struct sreq *r)
{
	const char *h, *why = NULL;
	int ok;

	h = sreq_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return reply_error(r, 401, "invalid bearer token",
		    "missing Authorization: Bearer header");
	pthread_mutex_lock(&sim.lock);
	ok = oauth_check(h + 7, model_now_ms(&sim.m), &why);
	pthread_mutex_unlock(&sim.lock);
	if (!ok)
		return reply_error(r, 401, why, "");
	return 0;
}

static enum MHD_Result
serve_admin(struct sreq *r, const struct route *rt)
{
	if (!r->loopback)
		reply_error(
		    r, 403, "forbidden", "admin endpoints are loopback-only");
	else
		rt->fn(r);
	return send_reply(r, NULL);
}

static enum MHD_Result
serve(struct sreq *r)
{
	const struct route *rt = NULL, *path_only = NULL;
	struct fault f;
	enum MHD_Result ret;
	int have_fault = 0;
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!route_match(&routes[i], r))
			continue;
		if (strcmp(routes[i].method, r->method) == 0) {
			rt = &routes[i];
			break;
		}
		path_only = &routes[i];
	}
	if (rt != NULL && (rt->flags & R_ADMIN))
		return serve_admin(r, rt);
	if (rt == NULL && path_only != NULL && (path_only->flags & R_ADMIN)) {
		reply_error(r, 405, "method_not_allowed", r->method);
		return send_reply(r, NULL);
	}
	if (rt == NULL && r->nseg > 0 && strcmp(r->seg[0], "sim") == 0) {
		reply_error(r, 404, "not_found", "no such admin endpoint");
		return send_reply(r, NULL);
	}
	r->ep = rt != NULL      ? rt->ep
	    : path_only != NULL ? path_only->ep
				: EP_NOT_FOUND;

	pthread_mutex_lock(&sim.lock);
	if (model_sync(&sim.m) == -1)
		log_error("model: out of memory");
	r->now_ms = model_now_ms(&sim.m);
	resolve(r, rt != NULL ? rt : path_only);
	calls_count(r);
	have_fault = fault_take(r, &f);
	pthread_mutex_unlock(&sim.lock);

	sleep_ms(sim.latency_ms + (have_fault ? f.delay_ms : 0));
	if (have_fault && f.kind == FK_STATUS && f.status < 400)
		r->status = f.status; /* the fault's body, as a real answer */
	else if (have_fault && f.kind == FK_STATUS)
		fault_status_body(r, &f);
	else if (rt == NULL && path_only != NULL)
		reply_error(r, 405, "method_not_allowed", r->method);
	else if (rt == NULL)
		reply_error(r, 404, "not_found", "no such endpoint");
	else if (r->body.failed)
		reply_error(r, 413, "payload_too_large", "");
	else if ((rt->flags & R_AUTH) && authenticate(r) != 0)
		;
	else if ((rt->flags & R_CAR) && r->car < 0)
		reply_error(r, 404, "not_found", "vehicle not found");
	else if ((rt->flags & R_SITE) && r->site < 0)
		reply_error(r, 404, "not_found", "energy site not found");
	else
		rt->fn(r);

	pthread_mutex_lock(&sim.lock);
	calls_status(r->status);
	pthread_mutex_unlock(&sim.lock);
	if (sim.debug)
		log_info("%s %s -> %d%s", r->method, r->path, r->status,
		    have_fault ? " (fault)" : "");
	ret = send_reply(r, have_fault ? &f : NULL);
	if (have_fault)
		free(f.body);
	return ret;
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **ptr)
{
	struct sreq *r = *ptr;

	(void)cls;
	(void)version;
	if (r == NULL) {
		r = sreq_new(conn, url, method);
		if (r == NULL)
			return MHD_NO;
		*ptr = r;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		sbuf_add(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	return serve(r);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **ptr,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	sreq_free(*ptr);
	*ptr = NULL;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (sim.debug)
		log_warn("httpd: %s", line);
}

int
http_start(const char *host, int port)
{
	const union MHD_DaemonInfo *di;
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		log_error("listen address \"%s\" is not an IPv4 address", host);
		return -1;
	}
	daemon_h = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
		MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG,
	    (uint16_t)port, NULL, NULL, on_access, NULL, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
	    NULL, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)2048,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)(1 << 20), MHD_OPTION_END);
	if (daemon_h == NULL) {
		log_error("cannot listen on %s:%d", host, port);
		return -1;
	}
	di = MHD_get_daemon_info(daemon_h, MHD_DAEMON_INFO_BIND_PORT);
	return di != NULL && di->port != 0 ? di->port : port;
}

void
http_stop(void)
{
	if (daemon_h != NULL)
		MHD_stop_daemon(daemon_h);
	daemon_h = NULL;
}
