/*
 * fleet_parse_live_status() and fleet_live_params() over live_status, as
 * jobs/energy_live.c calls them.
 */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_params p;
	struct fleet_live l;
	json_t *root;

	if ((root = fuzz_json(data, size)) == NULL)
		return 0;
	if (fleet_parse_live_status(fleet_response(root), &l) == 0) {
		FUZZ_STR_OK(l.grid_status);
		FUZZ_STR_OK(l.island_status);
		FUZZ_CHECK(l.balanced >= -1 && l.balanced <= 1);
		fleet_live_params(&l, &p);
		FUZZ_CHECK(p.n == FLEET_LIVE_NCOLS);
		fuzz_params_ok(&p);
	}
	json_decref(root);
	return 0;
}
