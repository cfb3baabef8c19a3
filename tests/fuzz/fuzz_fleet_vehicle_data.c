/*
 * fleet_parse_vehicle_data(), fleet_vehicle_model() and
 * fleet_vstate_params() over a vehicle_data answer, as jobs/vehicles.c
 * calls them.
 */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_params p;
	struct fleet_vstate s;
	char model[32];
	json_t *root, *resp;

	if ((root = fuzz_json(data, size)) == NULL)
		return 0;
	resp = fleet_response(root);
	fleet_vehicle_model(resp, model, sizeof(model));
	FUZZ_STR_OK(model);
	if (fleet_parse_vehicle_data(resp, &s) == 0) {
		FUZZ_STR_OK(s.vin);
		FUZZ_CHECK(s.vin[0] == '\0' || fleet_vin_ok(s.vin));
		FUZZ_STR_OK(s.state);
		FUZZ_STR_OK(s.shift_state);
		FUZZ_STR_OK(s.charging_state);
		FUZZ_STR_OK(s.fast_charger_type);
		FUZZ_STR_OK(s.conn_charge_cable);
		FUZZ_STR_OK(s.software_version);
		fleet_vstate_params(&s, &p);
		FUZZ_CHECK(p.n == FLEET_VSTATE_NCOLS);
		fuzz_params_ok(&p);
	}
	json_decref(root);
	return 0;
}
