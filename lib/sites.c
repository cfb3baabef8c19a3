/* Energy site discovery and description. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_parse.h"
#include "log.h"
#include "sites.h"

static const struct db_stmt q_stale = { "sites_stale",
	"SELECT count(*) = 0 OR min(updated_at) < now() - interval '1 day' "
	"FROM energy_sites WHERE account_id = $1::uuid",
	1 };

static const struct db_stmt q_upsert = { "sites_upsert",
	"INSERT INTO energy_sites AS e (account_id, tesla_site_id, site_name, "
	"last_seen_at) VALUES ($1::uuid, $2::bigint, nullif($3, ''), now()) "
	"ON CONFLICT (tesla_site_id) DO UPDATE SET "
	"site_name = coalesce(EXCLUDED.site_name, e.site_name), "
	"last_seen_at = now() WHERE e.account_id = EXCLUDED.account_id "
	"RETURNING id",
	3 };

static const struct db_stmt q_describe = { "sites_describe",
	"UPDATE energy_sites SET "
	"site_name = coalesce(nullif($2, ''), site_name), "
	"time_zone = coalesce(nullif($3, ''), time_zone), "
	"battery_count = $4::smallint, total_capacity_kwh = $5::real, "
	"nameplate_power_kw = $6::real, has_solar = $7::boolean, "
	"has_battery = $8::boolean, backup_reserve_percent = $9::smallint, "
	"operation_mode = coalesce(nullif($10, ''), operation_mode), "
	"updated_at = now() WHERE id = $1::uuid",
	10 };

static const struct db_stmt q_tariff = { "sites_tariff",
	"WITH t AS (INSERT INTO tariffs AS t (account_id, name, currency, "
	"kind, content, source) VALUES ($1::uuid, $2, $3, 'tou', $4::jsonb, "
	"'tesla') ON CONFLICT (account_id, name) DO UPDATE SET "
	"currency = EXCLUDED.currency, content = EXCLUDED.content "
	"WHERE t.source = 'tesla' RETURNING id) "
	"UPDATE energy_sites SET tariff_id = (SELECT id FROM t) "
	"WHERE id = $5::uuid",
	5 };

struct site {
	int64_t tesla_id;
	char id[40];
	char path[96];
	struct tesla_item item;
	struct fleet_site_info info;
	int have_info;
};

struct ctx {
	struct tesla_session *s;
	json_t *products;
	struct site *sites;
	size_t n;
};

static int
products_done(
    void *vctx, const struct fleet_req *req, const struct fleet_result *res)
{
	struct ctx *c = vctx;

	(void)req;
	if (res->outcome == FLEET_OK && res->body != NULL)
		c->products = json_incref(res->body);
	else
		snprintf(c->s->error, sizeof(c->s->error),
		    "products: %s (HTTP %ld)", fleet_outcome_name(res->outcome),
		    res->status);
	return FLEET_CONTINUE;
}

static int
info_done(
    void *vctx, const struct fleet_req *req, const struct fleet_result *res)
{
	const struct tesla_item *it = req->user;
	struct site *site = it->user;

	(void)vctx;
	if (res->outcome == FLEET_OK &&
	    fleet_parse_site_info(res->body, &site->info) == 0)
		site->have_info = 1;
	else
		log_warn("site_info failed: %s (HTTP %ld)",
		    fleet_outcome_name(res->outcome), res->status);
	return FLEET_CONTINUE;
}

static const char *
tristate(int b)
{
	return b == FLEET_NOBOOL ? NULL : b ? "true" : "false";
}

static void
describe(struct tesla_session *s, struct site *site)
{
	const struct fleet_site_info *si = &site->info;
	char count[16], cap[32], power[32], reserve[16], err[256], name[128];
	const char *p[10], *currency;
	PGresult *res;
	char *content;
	int st;

	snprintf(count, sizeof(count), "%d", si->battery_count);
	snprintf(cap, sizeof(cap), "%.3f", si->total_capacity_kwh);
	snprintf(power, sizeof(power), "%.3f", si->nameplate_power_kw);
	p[0] = site->id;
	p[1] = si->site_name;
	p[2] = si->time_zone;
	p[3] = si->battery_count == FLEET_NOINT ? NULL : count;
	p[4] = si->total_capacity_kwh == si->total_capacity_kwh ? cap : NULL;
	p[5] = si->nameplate_power_kw == si->nameplate_power_kw ? power : NULL;
	p[6] = tristate(si->has_solar);
	p[7] = tristate(si->has_battery);
	snprintf(reserve, sizeof(reserve), "%d", si->backup_reserve_pct);
	p[8] = si->backup_reserve_pct == FLEET_NOINT ? NULL : reserve;
	p[9] = si->operation_mode;
	res = db_exec(s->db, &q_describe, p, &st, err, sizeof(err));
	if (res == NULL)
		log_warn("site not described: %s", err);
	PQclear(res);
	if (si->tariff == NULL)
		return;
	currency = json_string_value(json_object_get(si->tariff, "currency"));
	if (currency == NULL || strlen(currency) != 3) {
		log_warn("energy site %lld: tariff_content_v2 has no "
			 "\"currency\" of 3 letters; tariff not stored",
		    (long long)site->tesla_id);
		return;
	}
	if ((content = json_dumps(si->tariff, JSON_COMPACT)) == NULL) {
		log_warn("energy site %lld: tariff not stored: out of memory",
		    (long long)site->tesla_id);
		return;
	}
	snprintf(name, sizeof(name), "Tesla %lld", (long long)site->tesla_id);
	p[0] = s->account_id;
	p[1] = name;
	p[2] = currency;
	p[3] = content;
	p[4] = site->id;
	res = db_exec(s->db, &q_tariff, p, &st, err, sizeof(err));
	if (res == NULL)
		log_warn("energy site %lld: tariff not stored: %s",
		    (long long)site->tesla_id, err);
	PQclear(res);
	free(content);
}

int
sites_refresh(struct tesla_session *s, int force)
{
	struct fleet_req req = { "GET", "/api/1/products", NULL, FLEET_ENERGY,
		"/api/1/products", 0, NULL };
	struct tesla_item none = { NULL, NULL, NULL };
	struct fleet_product *prod = NULL;
	struct fleet_req *reqs = NULL;
	const char *p[3];
	size_t np = 0, skipped = 0;
	char err[256], tid[24];
	struct ctx c;
	PGresult *res;
	int st, rc = -1;

	memset(&c, 0, sizeof(c));
	c.s = s;
	p[0] = s->account_id;
	if (!force) {
		res = db_exec(s->db, &q_stale, p, &st, err, sizeof(err));
		if (res == NULL) {
			snprintf(s->error, sizeof(s->error), "%s", err);
			return -1;
		}
		force = PQgetvalue(res, 0, 0)[0] == 't';
		PQclear(res);
		if (!force)
			return 0;
	}
	req.user = &none;
	if (tesla_run(s, &req, 1, products_done, &c) == -1 ||
	    c.products == NULL)
		return -1;
	if (fleet_parse_products(c.products, &prod, &np, &skipped) == -1) {
		snprintf(s->error, sizeof(s->error), "products: not a list");
		goto out;
	}
	if ((c.sites = calloc(np ? np : 1, sizeof(*c.sites))) == NULL ||
	    (reqs = calloc(np ? np : 1, sizeof(*reqs))) == NULL)
		goto out;
	for (size_t i = 0; i < np; i++) {
		struct site *site = &c.sites[c.n];

		if (prod[i].kind != FLEET_PRODUCT_SITE)
			continue;
		site->tesla_id = prod[i].u.site.energy_site_id;
		snprintf(tid, sizeof(tid), "%lld", (long long)site->tesla_id);
		p[1] = tid;
		p[2] = prod[i].u.site.site_name;
		res = db_exec(s->db, &q_upsert, p, &st, err, sizeof(err));
		if (res == NULL || PQntuples(res) != 1) {
			log_warn("energy site %s not stored: %s", tid,
			    res ? "owned by another account" : err);
			PQclear(res);
			continue;
		}
		snprintf(
		    site->id, sizeof(site->id), "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		snprintf(site->path, sizeof(site->path),
		    "/api/1/energy_sites/%s/site_info", tid);
		site->item.site_id = site->id;
		site->item.user = site;
		reqs[c.n].method = "GET";
		reqs[c.n].path = site->path;
		reqs[c.n].cls = FLEET_ENERGY;
		reqs[c.n].endpoint = "/api/1/energy_sites/{id}/site_info";
		reqs[c.n].user = &site->item;
		c.n++;
	}
	if (c.n > 0 && tesla_run(s, reqs, c.n, info_done, &c) == -1)
		goto out;
	rc = 0;
	for (size_t i = 0; i < c.n; i++) {
		if (c.sites[i].have_info) {
			describe(s, &c.sites[i]);
			rc++;
		}
		fleet_site_info_clear(&c.sites[i].info);
	}
out:
	json_decref(c.products);
	free(prod);
	free(c.sites);
	free(reqs);
	return rc;
}
