/*
 * Helpers of the simulator: deterministic hashing and noise, geography,
 * clocks, jansson setters and form decoding.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"
#include "util.h"

#define EARTH_KM 6371.0
#define DEG (M_PI / 180.0)

/* One round of a 64-bit mixer (splitmix64's finaliser). */
static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t
sim_hash(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	return mix(mix(mix(mix(a) ^ b) ^ c) ^ d);
}

double
sim_unit(uint64_t h)
{
	return (double)(h >> 11) / 9007199254740992.0;
}

double
sim_noise(uint64_t key, double x)
{
	double f, a, b, w;
	int64_t i;

	i = (int64_t)floor(x);
	f = x - (double)i;
	a = sim_unit(sim_hash(key, (uint64_t)i, 0x6e6f6973, 0));
	b = sim_unit(sim_hash(key, (uint64_t)(i + 1), 0x6e6f6973, 0));
	w = (1 - cos(f * M_PI)) / 2;
	return a * (1 - w) + b * w;
}

double
geo_km(double lat1, double lon1, double lat2, double lon2)
{
	double dlat, dlon, h;

	dlat = (lat2 - lat1) * DEG;
	dlon = (lon2 - lon1) * DEG;
	h = sin(dlat / 2) * sin(dlat / 2) +
	    cos(lat1 * DEG) * cos(lat2 * DEG) * sin(dlon / 2) * sin(dlon / 2);
	return 2 * EARTH_KM * asin(sqrt(h < 1 ? h : 1));
}

double
geo_bearing(double lat1, double lon1, double lat2, double lon2)
{
	double y, x, b;

	y = sin((lon2 - lon1) * DEG) * cos(lat2 * DEG);
	x = cos(lat1 * DEG) * sin(lat2 * DEG) -
	    sin(lat1 * DEG) * cos(lat2 * DEG) * cos((lon2 - lon1) * DEG);
	b = atan2(y, x) / DEG;
	return b < 0 ? b + 360 : b;
}

void
geo_move(double lat, double lon, double bearing, double km, double *olat,
    double *olon)
{
	double d, p1, l1, b, p2;

	d = km / EARTH_KM;
	p1 = lat * DEG;
	l1 = lon * DEG;
	b = bearing * DEG;
	p2 = asin(sin(p1) * cos(d) + cos(p1) * sin(d) * cos(b));
	*olat = p2 / DEG;
	*olon =
	    (l1 +
		atan2(sin(b) * sin(d) * cos(p1), cos(d) - sin(p1) * sin(p2))) /
	    DEG;
}

double
round_to(double v, int n)
{
	double p = 1;

	while (n-- > 0)
		p *= 10;
	return round(v * p) / p;
}

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sleep_ms(int ms)
{
	struct timespec ts;
	int slice;

	while (ms > 0 && !atomic_load(&sim.stopping)) {
		slice = ms < 100 ? ms : 100;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)slice * 1000000;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		ms -= slice;
	}
}

void
jint(json_t *o, const char *k, int64_t v)
{
	json_object_set_new(o, k, json_integer((json_int_t)v));
}

void
jreal(json_t *o, const char *k, double v, int decimals)
{
	json_object_set_new(o, k, json_real(round_to(v, decimals)));
}

void
jstr(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v != NULL ? json_string(v) : json_null());
}

void
jbool(json_t *o, const char *k, int v)
{
	json_object_set_new(o, k, json_boolean(v));
}

void
jnull(json_t *o, const char *k)
{
	json_object_set_new(o, k, json_null());
}

json_t *
jtemplate(const char *text)
{
	json_error_t err;
	json_t *j;

	j = json_loads(text, 0, &err);
	if (j == NULL) {
		fprintf(stderr, "tessie-sim: bad template line %d: %s\n",
		    err.line, err.text);
		abort();
	}
	return j;
}

int
form_get(const char *form, const char *name, char *out, size_t outlen)
{
	const char *p, *end;
	size_t nlen, o;
	int hi, lo;

	if (form == NULL || outlen == 0)
		return -1;
	nlen = strlen(name);
	for (p = form; *p != '\0'; p = *end == '&' ? end + 1 : end) {
		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) <= nlen || strncmp(p, name, nlen) != 0 ||
		    p[nlen] != '=')
			continue;
		o = 0;
		for (p += nlen + 1; p < end && o + 1 < outlen; p++) {
			if (*p == '+') {
				out[o++] = ' ';
			} else if (*p == '%' && end - p > 2 &&
			    (hi = hex_digit(p[1])) >= 0 &&
			    (lo = hex_digit(p[2])) >= 0) {
				out[o++] = (char)(hi * 16 + lo);
				p += 2;
			} else {
				out[o++] = *p;
			}
		}
		out[o] = '\0';
		return 0;
	}
	return -1;
}
