/*
 * Energy sites of an account: discovered from GET /api/1/products and
 * described by site_info (time zone, capacity, tariff).  Shared by the
 * energy jobs.
 */
#ifndef TESSIE_SITES_H
#define TESSIE_SITES_H

#include "tesla.h"

/*
 * Refreshes the account's energy_sites rows when it has none, when force
 * is set, or when they were last described over a day ago: products, then
 * site_info of each site.  Returns the number of sites described (>= 0),
 * or -1 with s->error.
 */
int sites_refresh(struct tesla_session *s, int force);

#endif
