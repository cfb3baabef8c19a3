/*
 * fleet_parse_power_history() over calendar_history?kind=power, and
 * fleet_live_params() over every sample kept, as jobs/energy_history.c
 * does.
 */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_live *l = NULL;
	struct fleet_params p;
	size_t n = 0;
	int warnings = 0;
	json_t *root;

	if ((root = fuzz_json(data, size)) == NULL)
		return 0;
	if (fleet_parse_power_history(
		fleet_response(root), &l, &n, &warnings) == 0) {
		FUZZ_CHECK(n <= FLEET_LIST_MAX && (n == 0) == (l == NULL));
		for (size_t i = 0; i < n; i++) {
			FUZZ_CHECK(l[i].balanced == -1);
			fleet_live_params(&l[i], &p);
			fuzz_params_ok(&p);
		}
	}
	free(l);
	json_decref(root);
	return 0;
}
