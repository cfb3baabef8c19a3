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
int h_vehicles_history(struct req *r);
int h_vehicles_wake(struct req *r);

/* drives.c */
int h_drives_list(struct req *r);
int h_drives_get(struct req *r);

/* charging.c */
int h_charging_list(struct req *r);
int h_charging_get(struct req *r);
int h_charging_stats(struct req *r);
int h_charging_recompute_costs(struct req *r);

/* drivers.c */
int h_drivers_list(struct req *r);
int h_drivers_create(struct req *r);
int h_drivers_update(struct req *r);
int h_drivers_delete(struct req *r);
int h_drivers_stats(struct req *r);
int h_drivers_rules_list(struct req *r);
int h_drivers_rules_create(struct req *r);
int h_drivers_rules_delete(struct req *r);
int h_drives_driver_set(struct req *r);
int h_drives_attribute(struct req *r);

/* settings.c */
int h_settings_get(struct req *r);
int h_settings_put(struct req *r);

/* places.c */
int h_places_list(struct req *r);
int h_places_create(struct req *r);
int h_places_get(struct req *r);
int h_places_update(struct req *r);
int h_places_delete(struct req *r);

/* tariffs.c */
int h_tariffs_list(struct req *r);
int h_tariffs_create(struct req *r);
int h_tariffs_get(struct req *r);
int h_tariffs_update(struct req *r);
int h_tariffs_delete(struct req *r);

/* energy.c */
int h_energy_sites_list(struct req *r);
int h_energy_sites_get(struct req *r);
int h_energy_sites_live(struct req *r);
int h_energy_sites_history(struct req *r);
int h_energy_household(struct req *r);
int h_energy_household_history(struct req *r);
int h_energy_solar_stats(struct req *r);

#endif
