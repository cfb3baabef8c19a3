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

/* tesla.c */
int h_tesla_token_store(struct req *r);
int h_tesla_status(struct req *r);
int h_tesla_token_delete(struct req *r);
int h_tesla_start(struct req *r);
int h_tesla_callback(struct req *r);

/* sync.c */
int h_sync_trigger(struct req *r);
int h_sync_status(struct req *r);

/* vehicles.c */
int h_vehicles_list(struct req *r);
int h_vehicles_get(struct req *r);
int h_vehicles_state(struct req *r);
int h_vehicles_wake(struct req *r);

#endif
