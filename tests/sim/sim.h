/*
 * tessie-sim: a stand-in for Tesla's Fleet API servers (tests and `make run`
 * without a Tesla account).  One process holds one household model (cars and
 * energy sites), driven by a simulated clock, behind libmicrohttpd with one
 * thread per connection.  Every shared structure below is guarded by
 * sim.lock; the model is deterministic from (seed, start time, sim time).
 */
#ifndef TESSIE_SIM_H
#define TESSIE_SIM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sbuf.h"

/* ---- time zones (tz.c) --------------------------------------------------
 * Built-in zones with their DST rules, so that the model does not depend on
 * the host's tzdata.  A zone also carries the household's locale: country,
 * currency, charging equipment and the places its cars drive to.
 */
enum zone_rule { ZR_NONE, ZR_EU, ZR_US, ZR_AU };

struct tariff {
	const char *name;
	const char *utility;
	const char *code;
	int off_from, off_to; /* off-peak hours [from, to), may wrap */
	int on_from, on_to; /* on-peak hours; the rest is partial peak */
	int summer_from, summer_to; /* months, inclusive, may wrap */
	double buy[2][3]; /* [summer, winter][off, partial, on] per kWh */
	double sell; /* export price per kWh */
	double daily; /* fixed charge per day */
};

struct zone {
	const char *name; /* IANA name */
	int std_off; /* seconds east of UTC, standard time */
	enum zone_rule rule;
	const char *region; /* "eu" or "na" */
	const char *country; /* ISO 3166-1 alpha-2 */
	const char *currency;
	double lat, lon; /* the household's home */
	int metric; /* GUI units: km and °C, else miles and °F */
	int ac_volts, ac_amps, ac_phases; /* home wall connector */
	double sc_rate; /* Supercharger price per kWh */
	const char *far_name, *sc_name, *work_name, *shop_name;
	const struct tariff *tariff;
};

struct ltime {
	int year, mon, mday, hour, min, sec; /* mon 1-12 */
	int wday; /* 0 = Sunday */
	int yday; /* 0-based */
	int off; /* UTC offset in seconds */
	int sod; /* seconds since local midnight */
	int64_t day; /* local days since 1970-01-01 */
};

/* Returns the built-in zone called name, or NULL. */
const struct zone *tz_find(const char *name);

/* Returns the i-th built-in household zone (cycles). */
const struct zone *tz_household(int i);

/* Index of z among the household zones, or 0. */
int tz_household_index(const struct zone *z);

/* Returns the UTC offset of z, in seconds east, at instant t. */
int tz_offset(const struct zone *z, int64_t t);

/* Breaks instant t down into z's local time. */
void tz_local(const struct zone *z, int64_t t, struct ltime *lt);

/* Returns the instant of local day `day` at `sod` seconds in zone z. */
int64_t tz_mktime(const struct zone *z, int64_t day, int sod);

/* Writes t as "2024-06-12T20:30:00+02:00" in z's local time. */
void tz_format(const struct zone *z, int64_t t, char *buf, size_t len);

/* Writes ms as UTC "2024-06-12T18:30:00.000Z". */
void tz_format_utc_ms(int64_t ms, char *buf, size_t len);

/*
 * Parses RFC 3339 ("...Z", "...+02:00", with optional fraction) or a bare
 * date or date-time, read as local time in z.  0 and *t, or -1.
 */
int tz_parse(const char *s, const struct zone *z, int64_t *t);

/* Days since 1970-01-01 of a civil date, and back. */
int64_t tz_days(int year, int mon, int mday);
void tz_civil(int64_t day, int *year, int *mon, int *mday);

/* ---- helpers (util.c) ---------------------------------------------------- */
uint64_t sim_hash(uint64_t a, uint64_t b, uint64_t c, uint64_t d);
/* A uniform number in [0, 1) from a hash. */
double sim_unit(uint64_t h);
/* Smooth noise in [0, 1] of x, continuous, one knot per unit of x. */
double sim_noise(uint64_t key, double x);
double geo_km(double lat1, double lon1, double lat2, double lon2);
double geo_bearing(double lat1, double lon1, double lat2, double lon2);
void geo_move(double lat, double lon, double bearing, double km, double *olat,
    double *olon);
/* Rounds v to n decimals. */
double round_to(double v, int n);
/* Monotonic milliseconds. */
int64_t mono_ms(void);
/* Sleeps ms milliseconds, less if the process is stopping. */
void sleep_ms(int ms);

/* Setters that take care of the jansson reference. */
void jint(json_t *o, const char *k, int64_t v);
void jreal(json_t *o, const char *k, double v, int decimals);
void jstr(json_t *o, const char *k, const char *v);
void jbool(json_t *o, const char *k, int v);
void jnull(json_t *o, const char *k);
/* Parses a JSON template that is known to be valid; aborts if not. */
json_t *jtemplate(const char *text);

/*
 * Finds name in an application/x-www-form-urlencoded body or query string
 * and decodes its value into out.  Returns 0, or -1 when absent.
 */
int form_get(const char *form, const char *name, char *out, size_t outlen);

/* ---- the model (model.c, car.c, site.c) --------------------------------- */
#define SIM_STEP 60 /* seconds of one model step */
#define SIM_BUCKET 300 /* seconds of one calendar_history bucket */
#define SIM_MAX_WC 3
#define SIM_AWAKE_S 900 /* a car falls asleep after 15 idle minutes */

enum car_model { CM_MODEL3, CM_MODELY, CM_MODELS };
enum car_role { ROLE_COMMUTER, ROLE_FAMILY, ROLE_TRIPPER, ROLE_FLEET };
enum place_kind { PL_HOME, PL_WORK, PL_SHOP, PL_FAR, PL_SC, PL_N };
enum activity { ACT_PARKED, ACT_DRIVING, ACT_SUPERCHARGING, ACT_UNLATCH };
enum chg_state { CHG_DISCONNECTED, CHG_STOPPED, CHG_CHARGING, CHG_COMPLETE };
enum plug_kind { PLUG_NONE, PLUG_HOME, PLUG_SC, PLUG_DEST };
enum vstate { VS_AUTO = -1, VS_ONLINE, VS_ASLEEP, VS_OFFLINE };

struct place {
	double lat, lon;
	const char *name;
};

/* What does not change: identity, hardware, places. */
struct car_cfg {
	int64_t id, vehicle_id, user_id;
	char id_s[24];
	char vin[18];
	char name[32];
	char tokens[2][20];
	enum car_model model;
	enum car_role role;
	int site; /* home energy site index, -1 for none */
	int wc; /* wall connector index at that site, -1 for none */
	const struct zone *zone;
	double cap_kwh; /* usable battery */
	double range_mi; /* rated range at 100 % */
	double eff; /* kWh/km in town; highway is 1.25 times */
	double dc_max_kw;
	int limit_soc;
	struct place pl[PL_N];
	double far_km; /* road km home <-> far place */
	double sc_km; /* road km from home to the Supercharger */
};

struct trip {
	int depart; /* local seconds since midnight */
	int dest; /* enum place_kind */
	double speed; /* average km/h */
};

/* What the model changes every step (snapshotted). */
struct car_st {
	enum activity act;
	enum chg_state chg;
	enum plug_kind plug;
	int at; /* place while parked */
	int from, to; /* places of the current trip */
	int sc_checked;
	int online; /* the model's own awake state */
	int session; /* running Supercharger session, -1 */
	int nplan, next;
	struct trip plan[8];
	int64_t plan_day;
	int64_t last_active; /* sim s */
	int64_t resume_at; /* end of ACT_UNLATCH */
	int64_t charge_start;
	double trip_km, covered_km, avg_kmh, speed_kmh, power_kw;
	double lat, lon, heading;
	double odo_km, e_kwh, added_kwh, added_km, lifetime_kwh;
	double charger_kw;
	double inside_c, outside_c;
};

/*
 * What requests change.  forced and awake_* only change what clients see;
 * hold changes the model, in the steps computed while it is set (moving
 * the clock back recomputes them with the hold as it is then).
 */
struct car_ovl {
	enum vstate forced;
	int64_t awake_from, awake_until; /* sim ms */
	int hold; /* parked for good: no trips, no app checks, no charging */
};

struct site_cfg {
	int64_t id; /* energy_site_id */
	char id_s[40], gateway_id[40], asset_id[40], warp[24], name[32];
	char serial[24], gw_din[40], pw_din[2][40];
	char wc_din[SIM_MAX_WC][40];
	const struct zone *zone;
	double lat, lon;
	int solar_w; /* peak */
	int pw_count;
	double pw_wh; /* usable, all Powerwalls */
	int pw_max_w;
	int reserve_pct;
	int nwc;
	int64_t installed;
};

struct site_st {
	double soc_wh;
	int solar, load, battery, grid; /* W, this step */
	int wc_w[SIM_MAX_WC];
	int wc_car[SIM_MAX_WC]; /* -1 when nothing is plugged */
};

/* Energy flows of a bucket, Wh. */
enum flow { F_S2H, F_S2B, F_S2G, F_B2H, F_B2G, F_G2H, F_G2B, F_N };
struct bucket {
	double f[F_N];
};

struct sc_session {
	int car;
	int64_t start, stop, unlatch; /* sim s; stop 0 while charging */
	double kwh;
	double lat, lon;
	const char *name;
};

struct snap {
	int64_t k;
	size_t nsess;
	struct car_st *cs;
	struct site_st *ss;
	struct sc_session *sess; /* a running session changes later */
};

struct model {
	uint64_t seed;
	int ncars, nsites, nhouse;
	int history_days;
	const struct zone *zone; /* the household's */
	struct car_cfg *cc;
	struct car_st *cs;
	struct car_ovl *co;
	struct site_cfg *sc;
	struct site_st *ss;
	struct bucket **bk; /* per site, indexed from epoch */
	size_t nbk;
	struct sc_session *sess;
	size_t nsess, asess;
	struct snap *snaps;
	size_t nsnaps, asnaps;
	int64_t epoch; /* UTC s of step 0, a local midnight */
	int64_t k; /* steps computed; the live one is k - 1 */
	int64_t base_sim_ms, base_mono_ms;
};

/*
 * Builds the household: ncars cars (the first three are the family's, the
 * others fleet cars that never sleep), nsites sites, site 0 in zone z.  The
 * clock starts at start_ms.  Returns 0, or -1 when out of memory.
 */
int model_init(struct model *m, uint64_t seed, int ncars, int nsites,
    const struct zone *z, int64_t start_ms, int history_days);
void model_free(struct model *m);

/* Sim time now, ms. */
int64_t model_now_ms(const struct model *m);

/* Moves the clock to t_ms (either way) and runs the model up to it. */
int model_set_clock(struct model *m, int64_t t_ms);

/* Runs the model up to the current sim time; 0 or -1 (out of memory). */
int model_sync(struct model *m);

/* The state a client sees for car i at now_ms (overlays applied). */
enum vstate model_car_state(const struct model *m, int i, int64_t now_ms);

/* Wakes car i: online 10 s later, for 15 minutes. */
void model_car_wake(struct model *m, int i, int64_t now_ms);

/* A served vehicle_data keeps the car awake another 15 minutes. */
void model_car_touch(struct model *m, int i, int64_t now_ms);

/* Car index of an id or VIN, or -1. */
int model_find_car(const struct model *m, const char *key);
int model_find_site(const struct model *m, const char *key);

/* Bucket b of site s, or NULL when not computed yet. */
const struct bucket *model_bucket(const struct model *m, int s, int64_t b);

/* Car step and plans (car.c); site step (site.c). */
void car_init(struct model *m, int i);
/* One step of car i at t, local time lt, outside temperature out_c. */
void car_step(
    struct model *m, int i, int64_t t, const struct ltime *lt, double out_c);
/* The household's outside temperature at t, °C. */
double outside_temp(const struct model *m, const struct ltime *lt);
void site_init(struct model *m, int s);
void site_step(struct model *m, int s, int64_t t);
int tariff_period(const struct tariff *tf, int hour);
int tariff_season(const struct tariff *tf, int mon);
int model_add_session(struct model *m, const struct sc_session *ss);
int model_grow_buckets(struct model *m, size_t need);

/* ---- HTTP (http.c) --------------------------------------------------------
 */
enum endpoint {
	EP_TOKEN,
	EP_AUTHORIZE,
	EP_REGION,
	EP_ME,
	EP_VEHICLES,
	EP_VEHICLE,
	EP_VEHICLE_DATA,
	EP_WAKE_UP,
	EP_PRODUCTS,
	EP_SITE_INFO,
	EP_LIVE_STATUS,
	EP_CALENDAR_HISTORY,
	EP_CHARGING_HISTORY,
	EP_NOT_FOUND,
	EP_N
};

extern const char *const endpoint_names[EP_N];

struct MHD_Connection;

/* One request: built by http.c, filled by a handler. */
struct sreq {
	struct MHD_Connection *conn;
	char method[16];
	char path[512];
	char *seg[8]; /* path segments, in segbuf */
	char *segbuf;
	int nseg;
	struct sbuf body;
	int loopback;
	int ep; /* enum endpoint, -1 for admin */
	int car, site; /* resolved from the path or query, -1 */
	int64_t now_ms; /* sim time when the request was taken */
	/* response */
	int status;
	json_t *resp;
	int retry_after; /* -1: no header */
	char location[1024];
};

/* Value of query argument name, or NULL. */
const char *sreq_arg(struct sreq *r, const char *name);
/* Value of request header name, or NULL. */
const char *sreq_header(struct sreq *r, const char *name);

/* {"response": response} with status 200; steals response. */
int reply_ok(struct sreq *r, json_t *response);
/* {"response": null, "error": error, "error_description": desc}. */
int reply_error(
    struct sreq *r, int status, const char *error, const char *desc);
/* Any body (stolen) with any status. */
int reply_json(struct sreq *r, int status, json_t *body);

/* Starts the HTTP daemon on host:port (0 picks one); returns the port. */
int http_start(const char *host, int port);
void http_stop(void);

/* ---- handlers --------------------------------------------------------------
 */
int h_token(struct sreq *r);
int h_authorize(struct sreq *r);
int h_region(struct sreq *r);
int h_me(struct sreq *r);
int h_vehicles(struct sreq *r);
int h_vehicle(struct sreq *r);
int h_vehicle_data(struct sreq *r);
int h_wake_up(struct sreq *r);
int h_products(struct sreq *r);
int h_site_info(struct sreq *r);
int h_live_status(struct sreq *r);
int h_calendar_history(struct sreq *r);
int h_charging_history(struct sreq *r);

int h_sim_clock_get(struct sreq *r);
int h_sim_clock_post(struct sreq *r);
int h_sim_faults_get(struct sreq *r);
int h_sim_faults_post(struct sreq *r);
int h_sim_faults_delete(struct sreq *r);
int h_sim_calls(struct sreq *r);
int h_sim_reset_calls(struct sreq *r);
int h_sim_state_get(struct sreq *r);
int h_sim_state_post(struct sreq *r);
int h_sim_expire_token(struct sreq *r);

/* JSON of vehicle summaries (api_vehicles.c), for products. */
json_t *vehicle_summary(
    const struct model *m, int i, int64_t now_ms, int with_config);
json_t *site_product(const struct model *m, int s, int64_t now_ms);

/* ---- OAuth (oauth.c) ------------------------------------------------------
 */
/* 1 when bearer is a valid, unexpired access token (lock held). */
int oauth_check(const char *bearer, int64_t now_ms, const char **why);
void oauth_expire_all(void);
int oauth_init(const char *refresh0, const char *static_access);
void oauth_free(void);

/* ---- faults and call counters (admin.c) -----------------------------------
 */
enum fault_kind {
	FK_STATUS,
	FK_SLOW,
	FK_MALFORMED,
	FK_TRUNCATED,
	FK_WRONG_TYPES,
	FK_DISCONNECT
};

struct fault {
	int id;
	char path[128];
	int car, site; /* -1: any */
	int status;
	int retry_after;
	enum fault_kind kind;
	int delay_ms;
	int count; /* -1: until cleared */
	char *body; /* raw body to send instead, or NULL */
};

/*
 * Takes the first fault matching r (lock held): copies it into *f (f->body
 * is then a new copy the caller frees) and counts it down.  1 when found.
 */
int fault_take(const struct sreq *r, struct fault *f);
void faults_free(void);
int calls_init(int ncars, int nsites);
void calls_count(const struct sreq *r);
void calls_status(int status);
void calls_free(void);

/* ---- the process ----------------------------------------------------------
 */
struct sim {
	pthread_mutex_t lock;
	_Atomic int stopping; /* set on SIGTERM: sleeps end early */
	struct model m;
	int latency_ms;
	int port;
	char host[64];
	int debug;
};

extern struct sim sim;

#endif
