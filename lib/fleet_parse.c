/*
 * Fleet API response parsers: every value is type-checked and
 * range-checked against its column, and converted to SI once, here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fleet_parse.h"
#include "log.h"
#include "util.h"

/* Oldest plausible sample (2012-01-01, before the first Model S). */
#define MIN_TS_S 1325376000LL
/* Newest plausible sample: this much ahead of our clock. */
#define FUTURE_S 86400LL

/* F_OPT: the field may be null, missing or "<invalid>" without a warning. */
#define F_OPT 0x1

/* What is being parsed, for warnings, and the warning counter. */
struct pctx {
	const char *what;
	int *warnings;
};

static void
warn(const struct pctx *c, const char *on, const char *key, const char *why)
{
	(*c->warnings)++;
	log_warn("fleet: %s: field \"%s%s%s\" %s", c->what, on ? on : "",
	    on ? "." : "", key, why);
}

/*
 * Returns obj's member key, or NULL when it is absent: missing, null or
 * the string "<invalid>".  An absent field warns unless fl has F_OPT; a
 * NULL obj (a missing sub-object, warned about once) never warns.
 */
static const json_t *
field(const struct pctx *c, const json_t *obj, const char *on, const char *key,
    unsigned fl)
{
	const json_t *v;

	if (obj == NULL)
		return NULL;
	v = json_object_get(obj, key);
	if (v == NULL) {
		if (!(fl & F_OPT))
			warn(c, on, key, "is missing");
		return NULL;
	}
	if (json_is_null(v) ||
	    (json_is_string(v) &&
		strcmp(json_string_value(v), "<invalid>") == 0)) {
		if (!(fl & F_OPT))
			warn(c, on, key, "is null or <invalid>");
		return NULL;
	}
	return v;
}

/* A number times scale within [min, max], or NAN. */
static double
get_num(const struct pctx *c, const json_t *obj, const char *on,
    const char *key, double scale, double min, double max, unsigned fl)
{
	const json_t *v;
	double d;

	if ((v = field(c, obj, on, key, fl)) == NULL)
		return NAN;
	if (!json_is_number(v)) {
		warn(c, on, key, "is not a number");
		return NAN;
	}
	d = json_number_value(v) * scale;
	if (!isfinite(d) || d < min || d > max) {
		warn(c, on, key, "is out of range");
		return NAN;
	}
	return d;
}

/*
 * A number divided by div (Wh -> kWh, W -> kW: dividing keeps 70940 Wh
 * exactly 70.94 kWh) within [min, max] after division, or NAN.
 */
static double
get_div(const struct pctx *c, const json_t *obj, const char *on,
    const char *key, double div, double min, double max, unsigned fl)
{
	double d;

	d = get_num(c, obj, on, key, 1, min * div, max * div, fl);
	return isnan(d) ? NAN : d / div;
}

/* A number within [min, max] rounded to an int, or FLEET_NOINT. */
static int
get_int(const struct pctx *c, const json_t *obj, const char *on,
    const char *key, double min, double max, unsigned fl)
{
	double d;

	d = get_num(c, obj, on, key, 1.0, min, max, fl);
	return isnan(d) ? FLEET_NOINT : (int)lround(d);
}

/* 1, 0, or FLEET_NOBOOL. */
static int
get_bool(const struct pctx *c, const json_t *obj, const char *on,
    const char *key, unsigned fl)
{
	const json_t *v;

	if ((v = field(c, obj, on, key, fl)) == NULL)
		return FLEET_NOBOOL;
	if (!json_is_boolean(v)) {
		warn(c, on, key, "is not a boolean");
		return FLEET_NOBOOL;
	}
	return json_is_true(v);
}

/* Characters (not bytes) of the UTF-8 string s; jansson checked it. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * Copies a string of at most maxchars characters and no control characters
 * into out (size outsz).  out is "" when the field is absent or invalid;
 * returns 0 when a value was copied, else -1.
 */
static int
get_str(const struct pctx *c, const json_t *obj, const char *on,
    const char *key, char *out, size_t outsz, size_t maxchars, unsigned fl)
{
	const json_t *v;
	const char *s;
	size_t len, i;

	out[0] = '\0';
	if ((v = field(c, obj, on, key, fl)) == NULL)
		return -1;
	if (!json_is_string(v)) {
		warn(c, on, key, "is not a string");
		return -1;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (len >= outsz || utf8_chars(s) > maxchars) {
		warn(c, on, key, "is too long");
		return -1;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			warn(c, on, key, "has control characters");
			return -1;
		}
	}
	memcpy(out, s, len + 1);
	return 0;
}

/* 1 when s is non-empty printable ASCII, else 0. */
static int
is_printable(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* Parses a positive decimal int64 with nothing else around it. */
static int64_t
parse_id_s(const char *s)
{
	int64_t v = 0;
	size_t i;

	if (s[0] == '\0' || strlen(s) > 19)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (v > (INT64_MAX - (s[i] - '0')) / 10)
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* A positive 64-bit id from obj[key] (integer) or obj[skey] (string). */
static int64_t
get_id(const json_t *obj, const char *key, const char *skey)
{
	const json_t *v;

	v = json_object_get(obj, key);
	if (json_is_integer(v) && json_integer_value(v) > 0)
		return (int64_t)json_integer_value(v);
	if (skey != NULL && json_is_string(v = json_object_get(obj, skey)))
		return parse_id_s(json_string_value(v));
	return 0;
}

/* Validates a time in seconds; the upper bound follows our clock. */
static int
ts_ok(long long s)
{
	return s >= MIN_TS_S && s <= (long long)time(NULL) + FUTURE_S;
}

/* An RFC 3339 string field as epoch seconds, or 0. */
static long long
get_time(const struct pctx *c, const json_t *obj, const char *on,
    const char *key, unsigned fl)
{
	const json_t *v;
	long long t;

	if ((v = field(c, obj, on, key, fl)) == NULL)
		return 0;
	if (!json_is_string(v) ||
	    fleet_parse_time(json_string_value(v), &t) == -1) {
		warn(c, on, key, "is not an RFC 3339 time");
		return 0;
	}
	if (!ts_ok(t)) {
		warn(c, on, key, "is out of range");
		return 0;
	}
	return t;
}

/* The "state" member as online, asleep, offline or unknown. */
static void
get_state(const struct pctx *c, const json_t *obj, char out[8])
{
	static const char *const states[] = { "online", "asleep", "offline" };
	const json_t *v;
	size_t i;

	v = json_object_get(obj, "state");
	if (json_is_string(v))
		for (i = 0; i < nitems(states); i++)
			if (strcmp(json_string_value(v), states[i]) == 0) {
				snprintf(out, 8, "%s", states[i]);
				return;
			}
	snprintf(out, 8, "unknown");
	warn(c, NULL, "state", "is not online, asleep or offline");
}

/* The "vin" member when it is a valid VIN; else "" (and -1). */
static int
get_vin(const struct pctx *c, const json_t *obj, char out[18])
{
	if (get_str(c, obj, NULL, "vin", out, 18, 17, 0) == -1)
		return -1;
	if (!fleet_vin_ok(out)) {
		out[0] = '\0';
		warn(c, NULL, "vin", "is not a valid VIN");
		return -1;
	}
	return 0;
}

/*
 * The number of items of arr to parse: at most FLEET_LIST_MAX, so that a
 * 1 MiB body of "{}," cannot become hundreds of MB of structs; the rest
 * is counted in *skipped.
 */
static size_t
list_len(const json_t *arr, const char *what, size_t *skipped)
{
	size_t len = json_array_size(arr);

	if (len <= FLEET_LIST_MAX)
		return len;
	log_warn("fleet: %s: %zu items, only the first %d parsed", what, len,
	    FLEET_LIST_MAX);
	*skipped += len - FLEET_LIST_MAX;
	return FLEET_LIST_MAX;
}

json_t *
fleet_response(json_t *root)
{
	json_t *r;

	if (json_is_object(root) && (r = json_object_get(root, "response")))
		return r;
	return root;
}

int
fleet_vin_ok(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < 17; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			continue;
		if (s[i] < 'A' || s[i] > 'Z' || s[i] == 'I' || s[i] == 'O' ||
		    s[i] == 'Q')
			return 0;
	}
	return s[17] == '\0';
}

/* Reads n decimal digits at *p into *v and advances *p; 0 or -1. */
static int
digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	/* Count years from March so that the leap day ends the year. */
	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

int
fleet_parse_time(const char *s, long long *epoch)
{
	int y, mo, d, h, mi, sec, oh, om, sign;
	const char *p = s;

	if (s == NULL || digits(&p, 4, &y) == -1 || *p++ != '-' ||
	    digits(&p, 2, &mo) == -1 || *p++ != '-' || digits(&p, 2, &d) == -1)
		return -1;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if (digits(&p, 2, &h) == -1 || *p++ != ':' ||
	    digits(&p, 2, &mi) == -1 || *p++ != ':' ||
	    digits(&p, 2, &sec) == -1)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		oh = om = 0;
		sign = 1;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (digits(&p, 2, &oh) == -1 || *p++ != ':' ||
		    digits(&p, 2, &om) == -1 || *p != '\0' || oh > 23 ||
		    om > 59)
			return -1;
	} else
		return -1;
	*epoch = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    sign * (oh * 3600 + om * 60);
	return 0;
}

/* ---- parameters ------------------------------------------------------ */

static void
p_null(struct fleet_params *p)
{
	p->v[p->n++] = NULL;
}

static void
p_num(struct fleet_params *p, double d)
{
	if (isnan(d)) {
		p_null(p);
		return;
	}
	snprintf(p->buf[p->n], sizeof(p->buf[0]), "%.15g", d);
	p->v[p->n] = p->buf[p->n];
	p->n++;
}

static void
p_int(struct fleet_params *p, int i)
{
	if (i == FLEET_NOINT) {
		p_null(p);
		return;
	}
	snprintf(p->buf[p->n], sizeof(p->buf[0]), "%d", i);
	p->v[p->n] = p->buf[p->n];
	p->n++;
}

static void
p_bool(struct fleet_params *p, int b)
{
	if (b == FLEET_NOBOOL)
		p_null(p);
	else
		p->v[p->n++] = b ? "true" : "false";
}

static void
p_str(struct fleet_params *p, const char *s)
{
	p->v[p->n++] = s[0] == '\0' ? NULL : s;
}

/* A time in ms as RFC 3339 UTC with milliseconds. */
static void
p_time_ms(struct fleet_params *p, long long ms)
{
	char s[32];

	time_rfc3339(ms / 1000, s, sizeof(s));
	if (ms <= 0 || strlen(s) != 20) {
		p_null(p);
		return;
	}
	snprintf(p->buf[p->n], sizeof(p->buf[0]), "%.19s.%03dZ", s,
	    (int)(ms % 1000));
	p->v[p->n] = p->buf[p->n];
	p->n++;
}

static void
p_time(struct fleet_params *p, long long s)
{
	time_rfc3339(s, p->buf[p->n], sizeof(p->buf[0]));
	if (s <= 0 || p->buf[p->n][0] == '\0') {
		p_null(p);
		return;
	}
	p->v[p->n] = p->buf[p->n];
	p->n++;
}

/* ---- OAuth tokens ---------------------------------------------------- */

/* A malloc'd copy of a header-safe token string member, or NULL. */
static char *
token_dup(const json_t *doc, const char *key)
{
	const json_t *v = json_object_get(doc, key);
	const char *s;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	if (json_string_length(v) > FLEET_TOKEN_MAX || strchr(s, ' ') ||
	    !is_printable(s))
		return NULL;
	return strdup(s);
}

int
fleet_token_parse(const json_t *doc, struct fleet_token *t)
{
	const json_t *v;
	const char *why = NULL;

	fleet_token_clear(t);
	if (!json_is_object(doc)) {
		why = "is not an object";
		goto out;
	}
	if ((t->access_token = token_dup(doc, "access_token")) == NULL) {
		why = "has no valid access_token";
		goto out;
	}
	if (json_object_get(doc, "refresh_token") != NULL &&
	    !json_is_null(json_object_get(doc, "refresh_token")) &&
	    (t->refresh_token = token_dup(doc, "refresh_token")) == NULL) {
		why = "has an invalid refresh_token";
		goto out;
	}
	v = json_object_get(doc, "expires_in");
	if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
	    json_integer_value(v) > 10LL * 366 * 86400) {
		why = "has no valid expires_in";
		goto out;
	}
	t->expires_in = (long)json_integer_value(v);
	v = json_object_get(doc, "token_type");
	if (v != NULL &&
	    (!json_is_string(v) ||
		strcasecmp(json_string_value(v), "bearer") != 0)) {
		why = "has a token_type other than Bearer";
		goto out;
	}
out:
	if (why == NULL)
		return 0;
	/* Names the problem, never the value. */
	log_warn("fleet: token response %s", why);
	fleet_token_clear(t);
	snprintf(t->error, sizeof(t->error), "bad_token_response");
	return -1;
}

/* Wipes and frees *p. */
static void
wipe_free(char **p)
{
	if (*p != NULL) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

void
fleet_token_clear(struct fleet_token *t)
{
	if (t == NULL)
		return;
	wipe_free(&t->access_token);
	wipe_free(&t->refresh_token);
	t->expires_in = 0;
	t->login_required = 0;
	t->error[0] = '\0';
}

int
fleet_token_login_required(long status, const char *error)
{
	if (error != NULL &&
	    (strcmp(error, "login_required") == 0 ||
		strcmp(error, "invalid_grant") == 0))
		return status >= 400 && status < 500;
	return status == 401;
}

/* ---- vehicles -------------------------------------------------------- */

int
fleet_parse_vehicle(const json_t *item, struct fleet_vehicle *v)
{
	struct pctx c = { "vehicle", &v->warnings };

	memset(v, 0, sizeof(*v));
	if (!json_is_object(item)) {
		warn(&c, NULL, "(item)", "is not an object");
		return -1;
	}
	if ((v->tesla_id = get_id(item, "id", "id_s")) == 0) {
		warn(&c, NULL, "id", "is not a positive integer");
		return -1;
	}
	if (get_vin(&c, item, v->vin) == -1)
		return -1;
	v->vehicle_id = get_id(item, "vehicle_id", NULL);
	get_str(&c, item, NULL, "display_name", v->display_name,
	    sizeof(v->display_name), 100, F_OPT);
	get_state(&c, item, v->state);
	v->in_service = get_bool(&c, item, NULL, "in_service", F_OPT);
	return 0;
}

int
fleet_parse_vehicles(
    const json_t *resp, struct fleet_vehicle **out, size_t *n, size_t *skipped)
{
	struct fleet_vehicle *v = NULL;
	size_t i, len;

	*out = NULL;
	*n = *skipped = 0;
	if (!json_is_array(resp)) {
		log_warn("fleet: vehicle list is not an array");
		return -1;
	}
	if ((len = list_len(resp, "vehicles", skipped)) == 0)
		return 0;
	if ((v = calloc(len, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		if (fleet_parse_vehicle(json_array_get(resp, i), &v[*n]) == 0)
			(*n)++;
		else
			(*skipped)++;
	}
	if (*n == 0) {
		free(v);
		v = NULL;
	}
	*out = v;
	return 0;
}

/* ---- vehicle_data ---------------------------------------------------- */

enum vobj { O_CHARGE, O_CLIMATE, O_DRIVE, O_VEHICLE, O_GUI, O_NOBJ };

static const char *const vobj_names[O_NOBJ] = { "charge_state", "climate_state",
	"drive_state", "vehicle_state", "gui_settings" };

enum ftype { T_NUM, T_INT, T_BOOL, T_STR };

/*
 * How a string field's value is judged: 0 keep, 1 absent (silently), 2 keep
 * but count a warning, -1 invalid (absent with a warning).
 */
typedef int (*str_check)(const char *);

struct vfield {
	enum vobj obj;
	const char *key;
	enum ftype type;
	size_t off; /* in struct fleet_vstate */
	size_t size; /* T_STR: the member's size */
	double scale, min, max;
	unsigned flags;
	str_check check;
};

static const char *const charging_states[] = { "Starting", "Charging",
	"Stopped", "Complete", "Disconnected", "NoPower" };

/* Tesla's six states; other [A-Za-z_]{1,32} words are kept but warned. */
static int
check_charging(const char *s)
{
	size_t i;

	for (i = 0; i < nitems(charging_states); i++)
		if (strcmp(s, charging_states[i]) == 0)
			return 0;
	if (s[0] == '\0' ||
	    strspn(s,
		"abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != strlen(s))
		return -1;
	log_warn("fleet: vehicle_data: unknown charging_state kept as sent");
	return 2;
}

/* P, R, N, D; SNA, Invalid and "" mean none. */
static int
check_shift(const char *s)
{
	if (strcmp(s, "P") == 0 || strcmp(s, "R") == 0 || strcmp(s, "N") == 0 ||
	    strcmp(s, "D") == 0)
		return 0;
	if (s[0] == '\0' || strcmp(s, "SNA") == 0 || strcmp(s, "Invalid") == 0)
		return 1;
	return -1;
}

/* A printable word such as "ACSingleWireCAN"; "" means none. */
static int
check_printable(const char *s)
{
	if (s[0] == '\0')
		return 1;
	return is_printable(s) ? 0 : -1;
}

#define VS(m) offsetof(struct fleet_vstate, m)
#define VSZ(m) sizeof(((struct fleet_vstate *)0)->m)
#define NUM(o, k, m, sc, lo, hi, fl)                                           \
	{                                                                      \
		o, k, T_NUM, VS(m), 0, sc, lo, hi, fl, NULL                    \
	}
#define INT(o, k, m, lo, hi, fl)                                               \
	{                                                                      \
		o, k, T_INT, VS(m), 0, 1, lo, hi, fl, NULL                     \
	}
#define BOOL(o, k, m, fl)                                                      \
	{                                                                      \
		o, k, T_BOOL, VS(m), 0, 1, 0, 0, fl, NULL                      \
	}
#define STR(o, k, m, fl, chk)                                                  \
	{                                                                      \
		o, k, T_STR, VS(m), VSZ(m), 1, 0, 0, fl, chk                   \
	}
#define MI FLEET_KM_PER_MILE

/* Ranges are the vehicle_states CHECK constraints, in SI units. */
static const struct vfield vfields[] = {
	INT(O_CHARGE, "battery_level", battery_level, 0, 100, 0),
	INT(O_CHARGE, "usable_battery_level", usable_battery_level, 0, 100, 0),
	NUM(O_CHARGE, "battery_range", rated_range_km, MI, 0, 2000, 0),
	NUM(O_CHARGE, "ideal_battery_range", ideal_range_km, MI, 0, 2000, 0),
	NUM(O_CHARGE, "est_battery_range", est_range_km, MI, 0, 2000, 0),
	NUM(O_CHARGE, "charge_energy_added", charge_energy_added_kwh, 1, 0,
	    1000, 0),
	INT(O_CHARGE, "charge_limit_soc", charge_limit_soc, 0, 100, 0),
	NUM(O_CHARGE, "charge_rate", charge_rate_kmh, MI, 0, 10000, 0),
	NUM(O_CHARGE, "charger_power", charger_power_kw, 1, 0, 1000, F_OPT),
	INT(O_CHARGE, "charger_voltage", charger_voltage, 0, 2000, F_OPT),
	INT(O_CHARGE, "charger_actual_current", charger_actual_current, 0, 2000,
	    F_OPT),
	INT(O_CHARGE, "charger_phases", charger_phases, 0, 3, F_OPT),
	STR(O_CHARGE, "charging_state", charging_state, 0, check_charging),
	BOOL(O_CHARGE, "fast_charger_present", fast_charger_present, F_OPT),
	STR(O_CHARGE, "fast_charger_type", fast_charger_type, F_OPT,
	    check_printable),
	STR(O_CHARGE, "conn_charge_cable", conn_charge_cable, F_OPT,
	    check_printable),
	NUM(O_CHARGE, "time_to_full_charge", time_to_full_charge_h, 1, 0, 1000,
	    0),
	NUM(O_CLIMATE, "inside_temp", inside_temp_c, 1, -60, 100, 0),
	NUM(O_CLIMATE, "outside_temp", outside_temp_c, 1, -60, 70, F_OPT),
	BOOL(O_CLIMATE, "is_climate_on", is_climate_on, 0),
	NUM(O_DRIVE, "latitude", latitude, 1, -90, 90, F_OPT),
	NUM(O_DRIVE, "longitude", longitude, 1, -180, 180, F_OPT),
	INT(O_DRIVE, "heading", heading, 0, 360, F_OPT),
	NUM(O_DRIVE, "speed", speed_kmh, MI, 0, 500, F_OPT),
	NUM(O_DRIVE, "power", power_kw, 1, -1000, 2000, 0),
	STR(O_DRIVE, "shift_state", shift_state, F_OPT, check_shift),
	NUM(O_VEHICLE, "odometer", odometer_km, MI, 0, 1e7, 0),
	STR(O_VEHICLE, "car_version", software_version, 0, check_printable),
	BOOL(O_VEHICLE, "locked", locked, 0),
	BOOL(O_VEHICLE, "sentry_mode", sentry_mode, F_OPT),
};

/* Parses one vfields entry from its sub-object (NULL when missing). */
static void
vfield_parse(const struct pctx *c, const struct vfield *f, const json_t *o,
    struct fleet_vstate *s)
{
	const char *on = vobj_names[f->obj];
	char *base = (char *)s + f->off;
	int r;

	switch (f->type) {
	case T_NUM:
		*(double *)(void *)base = get_num(
		    c, o, on, f->key, f->scale, f->min, f->max, f->flags);
		break;
	case T_INT:
		*(int *)(void *)base =
		    get_int(c, o, on, f->key, f->min, f->max, f->flags);
		break;
	case T_BOOL:
		*(int *)(void *)base = get_bool(c, o, on, f->key, f->flags);
		break;
	case T_STR:
		if (get_str(c, o, on, f->key, base, f->size, f->size - 1,
			f->flags) == -1)
			break;
		r = f->check(base);
		if (r == 1)
			base[0] = '\0';
		else if (r == 2)
			(*c->warnings)++;
		else if (r == -1) {
			base[0] = '\0';
			warn(c, on, f->key, "has an invalid value");
		}
		break;
	}
}

/* A ms timestamp member within the plausible range, or 0. */
static long long
get_ts_ms(const struct pctx *c, const json_t *o, const char *on, unsigned fl)
{
	double d;

	d = get_num(c, o, on, "timestamp", 1, (double)MIN_TS_S * 1000,
	    ((double)time(NULL) + FUTURE_S) * 1000, fl);
	return isnan(d) ? 0 : (long long)d;
}

int
fleet_parse_vehicle_data(const json_t *data, struct fleet_vstate *s)
{
	struct pctx c = { "vehicle_data", &s->warnings };
	const json_t *obj[O_NOBJ];
	long long t;
	double g;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(data)) {
		warn(&c, NULL, "(response)", "is not an object");
		return -1;
	}
	for (i = 0; i < O_NOBJ; i++) {
		obj[i] = json_object_get(data, vobj_names[i]);
		if (obj[i] != NULL && !json_is_object(obj[i])) {
			warn(&c, NULL, vobj_names[i], "is not an object");
			obj[i] = NULL;
		}
	}
	if (obj[O_CHARGE] == NULL && obj[O_VEHICLE] == NULL) {
		warn(&c, NULL, "charge_state", "and vehicle_state are missing");
		return -1;
	}
	for (i = 0; i < O_GUI; i++)
		if (obj[i] == NULL)
			warn(&c, NULL, vobj_names[i], "is missing");

	/* The sample time: the freshest of the parts. */
	s->ts_ms = get_ts_ms(&c, data, NULL, F_OPT);
	for (i = 0; i < O_NOBJ; i++)
		if (obj[i] != NULL &&
		    (t = get_ts_ms(&c, obj[i], vobj_names[i],
			 i == O_GUI ? F_OPT : 0)) > s->ts_ms)
			s->ts_ms = t;
	if (s->ts_ms == 0) {
		warn(&c, NULL, "timestamp", "is missing from every part");
		return -1;
	}

	s->tesla_id = get_id(data, "id", "id_s");
	get_vin(&c, data, s->vin);
	get_state(&c, data, s->state);
	g = get_num(&c, obj[O_DRIVE], "drive_state", "gps_as_of", 1,
	    (double)MIN_TS_S, (double)time(NULL) + FUTURE_S, F_OPT);
	s->gps_as_of = isnan(g) ? 0 : (long long)g;
	for (i = 0; i < nitems(vfields); i++)
		vfield_parse(&c, &vfields[i], obj[vfields[i].obj], s);
	s->elevation_m = NAN;
	/* A position needs both halves. */
	if (isnan(s->latitude) != isnan(s->longitude))
		s->latitude = s->longitude = NAN;
	return 0;
}

void
fleet_vstate_params(const struct fleet_vstate *s, struct fleet_params *p)
{
	p->n = 0;
	p_time_ms(p, s->ts_ms);
	p_num(p, s->odometer_km);
	p_num(p, s->latitude);
	p_num(p, s->longitude);
	p_num(p, s->rated_range_km);
	p_num(p, s->ideal_range_km);
	p_num(p, s->est_range_km);
	p_num(p, s->charge_energy_added_kwh);
	p_num(p, s->charger_power_kw);
	p_num(p, s->charge_rate_kmh);
	p_num(p, s->time_to_full_charge_h);
	p_num(p, s->speed_kmh);
	p_num(p, s->power_kw);
	p_num(p, s->elevation_m);
	p_num(p, s->inside_temp_c);
	p_num(p, s->outside_temp_c);
	p_int(p, s->battery_level);
	p_int(p, s->usable_battery_level);
	p_int(p, s->charge_limit_soc);
	p_int(p, s->charger_voltage);
	p_int(p, s->charger_actual_current);
	p_int(p, s->charger_phases);
	p_int(p, s->heading);
	p_bool(p, s->is_climate_on);
	p_bool(p, s->locked);
	p_bool(p, s->sentry_mode);
	p_bool(p, s->fast_charger_present);
	p_str(p, s->state);
	p_str(p, s->shift_state);
	p_str(p, s->charging_state);
	p_str(p, s->fast_charger_type);
	p_str(p, s->conn_charge_cable);
	p_str(p, s->software_version);
}

/* ---- products -------------------------------------------------------- */

/* Parses an energy product; -1 without a positive energy_site_id. */
static int
parse_site(const json_t *item, struct fleet_site *st)
{
	struct pctx c = { "products", &st->warnings };
	const json_t *comp, *wc;

	memset(st, 0, sizeof(*st));
	if ((st->energy_site_id = get_id(item, "energy_site_id", NULL)) == 0) {
		warn(&c, NULL, "energy_site_id", "is not a positive integer");
		return -1;
	}
	get_str(&c, item, NULL, "site_name", st->site_name,
	    sizeof(st->site_name), 200, F_OPT);
	get_str(&c, item, NULL, "resource_type", st->resource_type,
	    sizeof(st->resource_type), 32, F_OPT);
	comp = field(&c, item, NULL, "components", F_OPT);
	if (comp != NULL && !json_is_object(comp)) {
		warn(&c, NULL, "components", "is not an object");
		comp = NULL;
	}
	st->has_battery = get_bool(&c, comp, "components", "battery", F_OPT);
	st->has_solar = get_bool(&c, comp, "components", "solar", F_OPT);
	st->has_grid = get_bool(&c, comp, "components", "grid", F_OPT);
	st->has_load_meter =
	    get_bool(&c, comp, "components", "load_meter", F_OPT);
	wc = comp != NULL ? json_object_get(comp, "wall_connectors") : NULL;
	st->wall_connectors = json_is_array(wc) ? (int)json_array_size(wc) : 0;
	st->percentage_charged =
	    get_num(&c, item, NULL, "percentage_charged", 1, 0, 100, F_OPT);
	st->energy_left_kwh =
	    get_div(&c, item, NULL, "energy_left", 1e3, 0, 1e6, F_OPT);
	st->total_pack_energy_kwh =
	    get_div(&c, item, NULL, "total_pack_energy", 1e3, 0, 1e6, F_OPT);
	st->battery_power_w =
	    get_num(&c, item, NULL, "battery_power", 1, -1e7, 1e7, F_OPT);
	return 0;
}

int
fleet_parse_products(
    const json_t *resp, struct fleet_product **out, size_t *n, size_t *skipped)
{
	struct fleet_product *p;
	const json_t *item;
	size_t i, len;
	int rc;

	*out = NULL;
	*n = *skipped = 0;
	if (!json_is_array(resp)) {
		log_warn("fleet: products is not an array");
		return -1;
	}
	if ((len = list_len(resp, "products", skipped)) == 0)
		return 0;
	if ((p = calloc(len, sizeof(*p))) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		item = json_array_get(resp, i);
		rc = -1;
		if (json_object_get(item, "energy_site_id") != NULL) {
			p[*n].kind = FLEET_PRODUCT_SITE;
			rc = parse_site(item, &p[*n].u.site);
		} else if (json_object_get(item, "vin") != NULL ||
		    json_object_get(item, "vehicle_id") != NULL) {
			p[*n].kind = FLEET_PRODUCT_VEHICLE;
			rc = fleet_parse_vehicle(item, &p[*n].u.vehicle);
		} else
			log_warn("fleet: products: item %zu is neither a car "
				 "nor a site",
			    i);
		if (rc == 0)
			(*n)++;
		else
			(*skipped)++;
	}
	if (*n == 0) {
		free(p);
		p = NULL;
	}
	*out = p;
	return 0;
}

/* ---- energy sites ---------------------------------------------------- */

/* An IANA zone name: [A-Za-z0-9_+-] segments separated by single '/'. */
static int
tz_ok(const char *s)
{
	size_t i;

	if (s[0] == '\0' || s[0] == '/' || s[0] == '.')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '/' &&
		    (s[i + 1] == '/' || s[i + 1] == '\0' || s[i + 1] == '.'))
			return 0;
		if (s[i] != '/' && s[i] != '_' && s[i] != '+' && s[i] != '-' &&
		    !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9'))
			return 0;
	}
	return 1;
}

/* installation_time_zone into out[65]; "" when empty or invalid. */
static void
get_tz(const struct pctx *c, const json_t *obj, char *out)
{
	if (get_str(c, obj, NULL, "installation_time_zone", out, 65, 64,
		F_OPT) == -1 ||
	    out[0] == '\0')
		return;
	if (!tz_ok(out)) {
		out[0] = '\0';
		warn(c, NULL, "installation_time_zone", "is not a zone name");
	}
}

int
fleet_parse_site_info(const json_t *resp, struct fleet_site_info *si)
{
	struct pctx c = { "site_info", &si->warnings };
	const json_t *comp, *t;
	const char *key;

	memset(si, 0, sizeof(*si));
	if (!json_is_object(resp)) {
		warn(&c, NULL, "(response)", "is not an object");
		return -1;
	}
	get_str(&c, resp, NULL, "site_name", si->site_name,
	    sizeof(si->site_name), 200, F_OPT);
	get_tz(&c, resp, si->time_zone);
	si->battery_count =
	    get_int(&c, resp, NULL, "battery_count", 0, 1000, F_OPT);
	si->total_capacity_kwh =
	    get_div(&c, resp, NULL, "nameplate_energy", 1e3, 0, 1e6, F_OPT);
	si->nameplate_power_kw =
	    get_div(&c, resp, NULL, "nameplate_power", 1e3, 0, 1e6, F_OPT);
	si->backup_reserve_pct =
	    get_int(&c, resp, NULL, "backup_reserve_percent", 0, 100, F_OPT);
	get_str(&c, resp, NULL, "default_real_mode", si->operation_mode,
	    sizeof(si->operation_mode), 32, F_OPT);
	if (strspn(si->operation_mode, "abcdefghijklmnopqrstuvwxyz_") !=
	    strlen(si->operation_mode)) {
		warn(&c, NULL, "default_real_mode", "is not a mode name");
		si->operation_mode[0] = '\0';
	}
	comp = field(&c, resp, NULL, "components", F_OPT);
	if (comp != NULL && !json_is_object(comp)) {
		warn(&c, NULL, "components", "is not an object");
		comp = NULL;
	}
	si->has_solar = get_bool(&c, comp, "components", "solar", F_OPT);
	si->has_battery = get_bool(&c, comp, "components", "battery", F_OPT);
	si->has_grid = get_bool(&c, comp, "components", "grid", F_OPT);
	key = "tariff_content_v2";
	if ((t = field(&c, resp, NULL, key, F_OPT)) == NULL) {
		key = "tariff_content";
		t = field(&c, resp, NULL, key, F_OPT);
	}
	if (t != NULL && !json_is_object(t))
		warn(&c, NULL, key, "is not an object: the tariff is ignored");
	else if (t != NULL)
		si->tariff = json_incref((json_t *)t);
	return 0;
}

void
fleet_site_info_clear(struct fleet_site_info *si)
{
	if (si == NULL)
		return;
	json_decref(si->tariff);
	si->tariff = NULL;
}

int
fleet_parse_live_status(const json_t *resp, struct fleet_live *l)
{
	struct pctx c = { "live_status", &l->warnings };
	const json_t *wcs;
	double gen, diff, tol, w;
	size_t i;

	memset(l, 0, sizeof(*l));
	if (!json_is_object(resp)) {
		warn(&c, NULL, "(response)", "is not an object");
		return -1;
	}
	if ((l->ts = get_time(&c, resp, NULL, "timestamp", 0)) == 0)
		return -1;
	/* Ranges are the energy_states CHECK constraints. */
	l->solar_power_w =
	    get_num(&c, resp, NULL, "solar_power", 1, -1e6, 1e7, 0);
	l->battery_power_w =
	    get_num(&c, resp, NULL, "battery_power", 1, -1e7, 1e7, 0);
	l->grid_power_w =
	    get_num(&c, resp, NULL, "grid_power", 1, -1e7, 1e7, 0);
	l->load_power_w =
	    get_num(&c, resp, NULL, "load_power", 1, -1e6, 1e7, 0);
	l->generator_power_w =
	    get_num(&c, resp, NULL, "generator_power", 1, -1e6, 1e7, F_OPT);
	l->grid_services_power_w =
	    get_num(&c, resp, NULL, "grid_services_power", 1, -1e7, 1e7, F_OPT);
	l->battery_percent =
	    get_num(&c, resp, NULL, "percentage_charged", 1, 0, 100, F_OPT);
	l->energy_left_kwh =
	    get_div(&c, resp, NULL, "energy_left", 1e3, 0, 1e6, F_OPT);
	l->total_pack_energy_kwh =
	    get_div(&c, resp, NULL, "total_pack_energy", 1e3, 0, 1e6, F_OPT);
	l->storm_mode_active =
	    get_bool(&c, resp, NULL, "storm_mode_active", F_OPT);
	get_str(&c, resp, NULL, "grid_status", l->grid_status,
	    sizeof(l->grid_status), 32, F_OPT);
	get_str(&c, resp, NULL, "island_status", l->island_status,
	    sizeof(l->island_status), 32, F_OPT);

	l->wall_connector_power_w = NAN;
	wcs = field(&c, resp, NULL, "wall_connectors", F_OPT);
	if (wcs != NULL && !json_is_array(wcs))
		warn(&c, NULL, "wall_connectors", "is not an array");
	else if (wcs != NULL) {
		l->wall_connector_power_w = 0;
		for (i = 0; i < json_array_size(wcs); i++) {
			w = get_num(&c, json_array_get(wcs, i),
			    "wall_connectors[]", "wall_connector_power", 1, 0,
			    1e6, F_OPT);
			if (!isnan(w))
				l->wall_connector_power_w += w;
		}
	}

	l->balanced = -1;
	if (isnan(l->solar_power_w) || isnan(l->battery_power_w) ||
	    isnan(l->grid_power_w) || isnan(l->load_power_w))
		return 0;
	gen = isnan(l->generator_power_w) ? 0 : l->generator_power_w;
	diff = l->load_power_w -
	    (l->solar_power_w + l->battery_power_w + l->grid_power_w + gen);
	tol = fmax(FLEET_BALANCE_TOL_W, 0.03 * fabs(l->load_power_w));
	l->balanced = fabs(diff) <= tol;
	if (!l->balanced) {
		l->warnings++;
		log_warn("fleet: live_status: load differs from solar + "
			 "battery + grid + generator by %.0f W",
		    diff);
	}
	return 0;
}

void
fleet_live_params(const struct fleet_live *l, struct fleet_params *p)
{
	p->n = 0;
	p_time(p, l->ts);
	p_num(p, l->solar_power_w);
	p_num(p, l->battery_power_w);
	p_num(p, l->grid_power_w);
	p_num(p, l->load_power_w);
	p_num(p, l->generator_power_w);
	p_num(p, l->grid_services_power_w);
	p_num(p, l->wall_connector_power_w);
	p_num(p, l->battery_percent);
	p_num(p, l->energy_left_kwh);
	p_num(p, l->total_pack_energy_kwh);
	p_bool(p, l->storm_mode_active);
	p_str(p, l->grid_status);
	p_str(p, l->island_status);
}

/*
 * Power key of a kind=power sample into *w, within [min, max].  0, or -1
 * with one warning (the sample is dropped) when it is not a number, out of
 * range, or missing or null while required.  *w is NAN when absent.
 */
static int
sample_power(const struct pctx *c, const json_t *o, const char *key,
    unsigned fl, double min, double max, double *w)
{
	const json_t *v = json_object_get(o, key);
	double d;

	*w = NAN;
	if (v == NULL || json_is_null(v)) {
		if (fl & F_OPT)
			return 0;
		warn(c, "time_series[]", key,
		    "is missing or null: sample dropped");
		return -1;
	}
	if (!json_is_number(v)) {
		warn(
		    c, "time_series[]", key, "is not a number: sample dropped");
		return -1;
	}
	d = json_number_value(v);
	if (!isfinite(d) || d < min || d > max) {
		warn(
		    c, "time_series[]", key, "is out of range: sample dropped");
		return -1;
	}
	*w = d;
	return 0;
}

/*
 * Parses one kind=power sample; -1 (dropped, one warning) when unusable.
 * Its warnings are counted in l->warnings.
 */
static int
parse_power_sample(const char *what, const json_t *o, struct fleet_live *l)
{
	const struct pctx sc = { what, &l->warnings }, *c = &sc;
	double load;

	memset(l, 0, sizeof(*l));
	if (!json_is_object(o)) {
		warn(c, NULL, "time_series[]", "is not an object");
		return -1;
	}
	if ((l->ts = get_time(c, o, "time_series[]", "timestamp", 0)) == 0)
		return -1;
	/* Ranges are the energy_states CHECK constraints. */
	if (sample_power(
		c, o, "solar_power", 0, -1e6, 1e7, &l->solar_power_w) ||
	    sample_power(
		c, o, "battery_power", 0, -1e7, 1e7, &l->battery_power_w) ||
	    sample_power(c, o, "grid_power", 0, -1e7, 1e7, &l->grid_power_w) ||
	    sample_power(c, o, "generator_power", F_OPT, -1e6, 1e7,
		&l->generator_power_w) ||
	    sample_power(c, o, "grid_services_power", F_OPT, -1e7, 1e7,
		&l->grid_services_power_w))
		return -1;
	load = l->solar_power_w + l->battery_power_w + l->grid_power_w +
	    (isnan(l->generator_power_w) ? 0 : l->generator_power_w);
	l->load_power_w = load;
	if (load < -1e6 || load > 1e7) {
		l->load_power_w = NAN;
		warn(c, "time_series[]", "(solar + battery + grid + generator)",
		    "is out of range for load");
	}
	l->wall_connector_power_w = NAN;
	l->battery_percent = NAN;
	l->energy_left_kwh = NAN;
	l->total_pack_energy_kwh = NAN;
	l->storm_mode_active = FLEET_NOBOOL;
	l->balanced = -1;
	return 0;
}

int
fleet_parse_power_history(
    const json_t *resp, struct fleet_live **out, size_t *n, int *warnings)
{
	struct pctx c = { "calendar_history power", warnings };
	const json_t *ts;
	struct fleet_live *l;
	size_t i, len;
	int rc;

	*out = NULL;
	*n = 0;
	*warnings = 0;
	if (!json_is_object(resp)) {
		warn(&c, NULL, "(response)", "is not an object");
		return -1;
	}
	ts = field(&c, resp, NULL, "time_series", F_OPT);
	if (ts == NULL)
		return 0;
	if (!json_is_array(ts)) {
		warn(&c, NULL, "time_series", "is not an array");
		return 0;
	}
	if ((len = json_array_size(ts)) > FLEET_LIST_MAX) {
		warn(&c, NULL, "time_series", "is too long: truncated");
		len = FLEET_LIST_MAX;
	}
	if (len == 0)
		return 0;
	if ((l = calloc(len, sizeof(*l))) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		rc = parse_power_sample(c.what, json_array_get(ts, i), &l[*n]);
		*warnings += l[*n].warnings;
		if (rc == 0)
			(*n)++;
	}
	if (*n == 0) {
		free(l);
		l = NULL;
	}
	*out = l;
	return 0;
}

const char *const fleet_efield_names[FLEET_E_NFIELDS] = {
	"solar_energy_exported",
	"generator_energy_exported",
	"grid_energy_imported",
	"grid_services_energy_imported",
	"grid_services_energy_exported",
	"grid_energy_exported_from_solar",
	"grid_energy_exported_from_generator",
	"grid_energy_exported_from_battery",
	"battery_energy_exported",
	"battery_energy_imported_from_grid",
	"battery_energy_imported_from_solar",
	"battery_energy_imported_from_generator",
	"consumer_energy_imported_from_grid",
	"consumer_energy_imported_from_solar",
	"consumer_energy_imported_from_battery",
	"consumer_energy_imported_from_generator",
};

/* Parses one bucket; -1 (dropped) without a valid timestamp. */
static int
parse_bucket(const struct pctx *c, const json_t *o, struct fleet_ebucket *b)
{
	size_t i;

	if (!json_is_object(o)) {
		warn(c, NULL, "time_series[]", "is not an object");
		return -1;
	}
	if ((b->ts = get_time(c, o, "time_series[]", "timestamp", 0)) == 0)
		return -1;
	/* Wh -> kWh; a bucket is at most a year of a large site. */
	for (i = 0; i < FLEET_E_NFIELDS; i++)
		b->kwh[i] = get_div(c, o, "time_series[]",
		    fleet_efield_names[i], 1e3, 0, 1e7, F_OPT);
	return 0;
}

int
fleet_parse_energy_history(const json_t *resp, struct fleet_ehistory *h)
{
	struct pctx c = { "calendar_history", &h->warnings };
	const json_t *ts;
	size_t i, len;
	long long step;

	memset(h, 0, sizeof(*h));
	if (!json_is_object(resp)) {
		warn(&c, NULL, "(response)", "is not an object");
		return -1;
	}
	get_str(
	    &c, resp, NULL, "period", h->period, sizeof(h->period), 15, F_OPT);
	get_tz(&c, resp, h->time_zone);
	ts = field(&c, resp, NULL, "time_series", F_OPT);
	if (ts == NULL)
		return 0;
	if (!json_is_array(ts)) {
		warn(&c, NULL, "time_series", "is not an array");
		return 0;
	}
	if ((len = json_array_size(ts)) > FLEET_LIST_MAX) {
		warn(&c, NULL, "time_series", "is too long: truncated");
		len = FLEET_LIST_MAX;
	}
	if (len == 0)
		return 0;
	if ((h->b = calloc(len, sizeof(*h->b))) == NULL)
		return -1;
	for (i = 0; i < len; i++)
		if (parse_bucket(&c, json_array_get(ts, i), &h->b[h->n]) == 0)
			h->n++;
	for (i = 1; i < h->n; i++) {
		step = h->b[i].ts - h->b[i - 1].ts;
		if (step > 0 && (h->bucket_s == 0 || step < h->bucket_s))
			h->bucket_s = (long)step;
	}
	return 0;
}

void
fleet_ehistory_clear(struct fleet_ehistory *h)
{
	if (h == NULL)
		return;
	free(h->b);
	h->b = NULL;
	h->n = 0;
}

void
fleet_ebucket_params(const struct fleet_ebucket *b, struct fleet_params *p)
{
	size_t i;

	p->n = 0;
	p_time(p, b->ts);
	for (i = 0; i < FLEET_E_NFIELDS; i++)
		p_num(p, b->kwh[i]);
}

/* ---- Supercharger history ------------------------------------------- */

/* sessionId as text: a positive integer or a printable string. */
static int
get_session_id(const struct pctx *c, const json_t *o, char *out, size_t sz)
{
	const json_t *v = json_object_get(o, "sessionId");

	out[0] = '\0';
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		snprintf(out, sz, "%lld", (long long)json_integer_value(v));
		return 0;
	}
	if (json_is_string(v) &&
	    get_str(c, o, NULL, "sessionId", out, sz, sz - 1, 0) == 0 &&
	    is_printable(out))
		return 0;
	out[0] = '\0';
	warn(c, NULL, "sessionId", "is missing or invalid");
	return -1;
}

/* Adds one fee's energy, cost and currency to s. */
static void
add_fee(const struct pctx *c, const json_t *fee, struct fleet_sc_session *s)
{
	const json_t *type, *uom;
	char cur[8];
	double v;

	if (!json_is_object(fee)) {
		warn(c, NULL, "fees[]", "is not an object");
		return;
	}
	type = json_object_get(fee, "feeType");
	uom = json_object_get(fee, "uom");
	if (json_is_string(type) &&
	    strcmp(json_string_value(type), "CHARGING") == 0 &&
	    json_is_string(uom) &&
	    strcasecmp(json_string_value(uom), "kwh") == 0) {
		v = get_num(c, fee, "fees[]", "usageBase", 1, 0, 1e4, 0);
		if (!isnan(v))
			s->energy_kwh =
			    isnan(s->energy_kwh) ? v : s->energy_kwh + v;
	}
	v = get_num(c, fee, "fees[]", "totalDue", 1, -1e6, 1e6, F_OPT);
	if (!isnan(v))
		s->total_cost = isnan(s->total_cost) ? v : s->total_cost + v;
	if (get_str(c, fee, "fees[]", "currencyCode", cur, sizeof(cur), 3,
		F_OPT) == -1)
		return;
	if (strlen(cur) != 3 || strspn(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
		warn(c, "fees[]", "currencyCode", "is not an ISO 4217 code");
	else if (s->currency[0] == '\0')
		memcpy(s->currency, cur, 4);
	else if (strcmp(s->currency, cur) != 0)
		warn(c, "fees[]", "currencyCode", "differs between fees");
}

/* Parses one session; -1 (skipped) without an id or a valid VIN. */
static int
parse_session(const json_t *o, struct fleet_sc_session *s)
{
	struct pctx c = { "charging_history", &s->warnings };
	const json_t *fees;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->energy_kwh = s->total_cost = NAN;
	if (!json_is_object(o)) {
		warn(&c, NULL, "(item)", "is not an object");
		return -1;
	}
	if (get_session_id(&c, o, s->session_id, sizeof(s->session_id)) == -1 ||
	    get_vin(&c, o, s->vin) == -1)
		return -1;
	get_str(&c, o, NULL, "siteLocationName", s->site_name,
	    sizeof(s->site_name), 200, F_OPT);
	s->start = get_time(&c, o, NULL, "chargeStartDateTime", F_OPT);
	s->stop = get_time(&c, o, NULL, "chargeStopDateTime", F_OPT);
	s->unlatch = get_time(&c, o, NULL, "unlatchDateTime", F_OPT);
	fees = field(&c, o, NULL, "fees", F_OPT);
	if (fees != NULL && !json_is_array(fees))
		warn(&c, NULL, "fees", "is not an array");
	else if (fees != NULL) {
		for (i = 0; i < json_array_size(fees); i++)
			add_fee(&c, json_array_get(fees, i), s);
	}
	return 0;
}

int
fleet_parse_charging_history(const json_t *resp, struct fleet_sc_session **out,
    size_t *n, size_t *skipped)
{
	struct fleet_sc_session *s;
	const json_t *arr = resp;
	size_t i, len;

	*out = NULL;
	*n = *skipped = 0;
	if (json_is_object(resp))
		arr = json_object_get(resp, "data");
	if (json_is_null(arr))
		return 0;
	if (!json_is_array(arr)) {
		log_warn("fleet: charging history has no data array");
		return -1;
	}
	if ((len = list_len(arr, "charging history", skipped)) == 0)
		return 0;
	if ((s = calloc(len, sizeof(*s))) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		if (parse_session(json_array_get(arr, i), &s[*n]) == 0)
			(*n)++;
		else
			(*skipped)++;
	}
	if (*n == 0) {
		free(s);
		s = NULL;
	}
	*out = s;
	return 0;
}

void
fleet_vehicle_model(const json_t *data, char *out, size_t n)
{
	static const struct {
		const char *car_type;
		const char *model;
	} models[] = {
		{ "model3", "Model 3" },
		{ "modely", "Model Y" },
		{ "models", "Model S" },
		{ "models2", "Model S" },
		{ "modelx", "Model X" },
		{ "cybertruck", "Cybertruck" },
		{ "roadster", "Roadster" },
	};
	const char *t = json_string_value(json_object_get(
	    json_object_get(data, "vehicle_config"), "car_type"));

	if (n > 0)
		out[0] = '\0';
	for (size_t i = 0; t != NULL && i < sizeof(models) / sizeof(models[0]);
	     i++)
		if (strcmp(t, models[i].car_type) == 0) {
			snprintf(out, n, "%s", models[i].model);
			return;
		}
}
