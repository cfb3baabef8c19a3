/*
 * fleet_parse_energy_history() over calendar_history?kind=energy, and
 * fleet_ebucket_params() over every bucket, as jobs/energy_history.c does.
 */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_ehistory h;
	struct fleet_params p;
	json_t *root;

	if ((root = fuzz_json(data, size)) == NULL)
		return 0;
	memset(&h, 0, sizeof(h));
	if (fleet_parse_energy_history(fleet_response(root), &h) == 0) {
		FUZZ_STR_OK(h.period);
		FUZZ_STR_OK(h.time_zone);
		FUZZ_CHECK(h.n <= FLEET_LIST_MAX && (h.n == 0 || h.b != NULL));
		FUZZ_CHECK(h.bucket_s >= 0);
		for (size_t i = 0; i < h.n; i++) {
			fleet_ebucket_params(&h.b[i], &p);
			FUZZ_CHECK(p.n == FLEET_EBUCKET_NCOLS);
			fuzz_params_ok(&p);
		}
	}
	fleet_ehistory_clear(&h);
	json_decref(root);
	return 0;
}
