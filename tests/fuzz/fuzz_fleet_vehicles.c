/*
 * fleet_parse_vehicles() over GET /api/1/vehicles (and so
 * fleet_parse_vehicle() over each item, as wake_up and /vehicles/{id} use
 * it).  Every vehicle kept must be storable.
 */
#include "fuzz.h"

static void
vehicle_ok(const struct fleet_vehicle *v)
{
	FUZZ_CHECK(v->tesla_id > 0);
	FUZZ_STR_OK(v->vin);
	FUZZ_CHECK(fleet_vin_ok(v->vin));
	FUZZ_STR_OK(v->display_name);
	FUZZ_STR_OK(v->state);
	FUZZ_CHECK(strcmp(v->state, "online") == 0 ||
	    strcmp(v->state, "asleep") == 0 ||
	    strcmp(v->state, "offline") == 0 ||
	    strcmp(v->state, "unknown") == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_vehicle *v = NULL, one;
	size_t n = 0, skipped = 0;
	json_t *root, *resp;

	if ((root = fuzz_json(data, size)) == NULL)
		return 0;
	resp = fleet_response(root);
	if (fleet_parse_vehicles(resp, &v, &n, &skipped) == 0) {
		FUZZ_CHECK(n <= FLEET_LIST_MAX && (n == 0) == (v == NULL));
		FUZZ_CHECK(n + skipped == json_array_size(resp));
		for (size_t i = 0; i < n; i++)
			vehicle_ok(&v[i]);
	}
	free(v);
	if (fleet_parse_vehicle(resp, &one) == 0)
		vehicle_ok(&one);
	json_decref(root);
	return 0;
}
