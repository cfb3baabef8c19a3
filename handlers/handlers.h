/* Every handler, one file per resource; the table is in routes.c. */
#ifndef TESSIE_HANDLERS_H
#define TESSIE_HANDLERS_H

#include <stddef.h>

#include "router.h"

extern const struct route routes[];
extern const size_t nroutes;

/* health.c */
int h_health_get(struct req *r);

/* auth.c */
int h_auth_login(struct req *r);

/* vehicles.c */
int h_vehicles_list(struct req *r);
int h_vehicles_get(struct req *r);
int h_vehicles_state(struct req *r);

#endif
