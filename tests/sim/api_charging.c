/*
 * GET /api/1/dx/charging/history: the Supercharger sessions the model's
 * cars made, billed per kWh at the household country's rate, newest first
 * unless sortOrder=ASC, paged with pageNo (from 1) and pageSize.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

static int
int_arg(struct sreq *r, const char *name, int def, int max)
{
	const char *s = sreq_arg(r, name);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return def;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 0)
		return -1;
	return v > max ? max : (int)v;
}

static json_t *
fee_json(int64_t id, const char *type, const char *currency,
    const char *pricing, double rate, double usage, const char *uom)
{
	double total = round_to(rate * usage, 2);
	json_t *o = json_object();

	jint(o, "sessionFeeId", id);
	jstr(o, "feeType", type);
	jstr(o, "currencyCode", currency);
	jstr(o, "pricingType", pricing);
	jreal(o, "rateBase", rate, 4);
	jreal(o, "rateTier1", 0, 0);
	jreal(o, "rateTier2", 0, 0);
	jreal(o, "rateTier3", 0, 0);
	jreal(o, "rateTier4", 0, 0);
	jreal(o, "usageBase", usage, 0);
	jreal(o, "usageTier1", 0, 0);
	jreal(o, "usageTier2", 0, 0);
	jreal(o, "usageTier3", 0, 0);
	jreal(o, "usageTier4", 0, 0);
	jreal(o, "totalBase", total, 2);
	jreal(o, "totalTier1", 0, 0);
	jreal(o, "totalTier2", 0, 0);
	jreal(o, "totalTier3", 0, 0);
	jreal(o, "totalTier4", 0, 0);
	jreal(o, "totalDue", total, 2);
	jreal(o, "netDue", total, 2);
	jstr(o, "uom", uom);
	jbool(o, "isPaid", 1);
	jstr(o, "status", "PAID");
	return o;
}

static json_t *
session_json(const struct model *m, const struct sc_session *ss)
{
	const struct car_cfg *c = &m->cc[ss->car];
	const struct zone *z = c->zone;
	char start[40], stop[40], unlatch[40], file[64], content[40];
	int64_t id;
	json_t *o, *fees;

	id = ss->start / 60 * 10 + ss->car % 10;
	tz_format(z, ss->start, start, sizeof(start));
	tz_format(z, ss->stop, stop, sizeof(stop));
	tz_format(z, ss->unlatch, unlatch, sizeof(unlatch));
	snprintf(
	    file, sizeof(file), "INV-%s-%lld.pdf", z->country, (long long)id);
	snprintf(content, sizeof(content), "%016llx",
	    (unsigned long long)sim_hash(m->seed, (uint64_t)id, 'I', 0));
	fees = json_array();
	json_array_append_new(fees,
	    fee_json(id * 10 + 1, "CHARGING", z->currency, "PAYMENT",
		z->sc_rate, round(ss->kwh), "kwh"));
	json_array_append_new(fees,
	    fee_json(
		id * 10 + 2, "PARKING", z->currency, "NO_CHARGE", 0, 0, "min"));
	o = json_object();
	jint(o, "sessionId", id);
	jstr(o, "vin", c->vin);
	jstr(o, "siteLocationName", ss->name);
	jstr(o, "chargeStartDateTime", start);
	jstr(o, "chargeStopDateTime", stop);
	jstr(o, "unlatchDateTime", unlatch);
	jstr(o, "countryCode", z->country);
	json_object_set_new(o, "fees", fees);
	jstr(o, "billingType", "IMMEDIATE");
	json_object_set_new(o, "invoices",
	    json_pack("[{s:s,s:s,s:s}]", "fileName", file, "contentId", content,
		"invoiceType", "IMMEDIATE"));
	jstr(o, "vehicleMakeType", "TSLA");
	return o;
}

int
h_charging_history(struct sreq *r)
{
	const char *vin, *from_s, *to_s, *order;
	int64_t from = INT64_MIN, to = INT64_MAX, now_s;
	int page, size, total = 0, desc, skip;
	const struct sc_session *ss;
	json_t *data;
	size_t i, n;

	vin = sreq_arg(r, "vin");
	from_s = sreq_arg(r, "startTime");
	to_s = sreq_arg(r, "endTime");
	order = sreq_arg(r, "sortOrder");
	page = int_arg(r, "pageNo", 1, 1000000);
	size = int_arg(r, "pageSize", 50, 100);
	if (page < 0 || size <= 0)
		return reply_error(r, 400, "invalid_field",
		    "pageNo and pageSize must be positive integers");
	if (page == 0)
		page = 1;
	if ((from_s != NULL && tz_parse(from_s, sim.m.zone, &from) == -1) ||
	    (to_s != NULL && tz_parse(to_s, sim.m.zone, &to) == -1))
		return reply_error(r, 400, "invalid_field",
		    "startTime and endTime must be RFC 3339");
	desc = order == NULL || strcasecmp(order, "ASC") != 0;
	data = json_array();
	pthread_mutex_lock(&sim.lock);
	model_sync(&sim.m);
	r->now_ms = model_now_ms(&sim.m);
	now_s = r->now_ms / 1000;
	n = sim.m.nsess;
	skip = (page - 1) * size;
	for (i = 0; i < n; i++) {
		ss = &sim.m.sess[desc ? n - 1 - i : i];
		if (ss->unlatch == 0 || ss->unlatch > now_s ||
		    ss->start < from || ss->start > to)
			continue;
		if (vin != NULL && strcmp(sim.m.cc[ss->car].vin, vin) != 0)
			continue;
		if (total >= skip && total < skip + size)
			json_array_append_new(data, session_json(&sim.m, ss));
		total++;
	}
	pthread_mutex_unlock(&sim.lock);
	return reply_ok(
	    r, json_pack("{s:o,s:i}", "data", data, "totalResults", total));
}
