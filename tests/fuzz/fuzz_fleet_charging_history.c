/*
 * fleet_parse_charging_history() over GET /api/1/dx/charging/history, as
 * jobs/charging_history.c calls it.  Every session kept has an id and a
 * valid VIN.
 */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_sc_session *s = NULL;
	size_t n = 0, skipped = 0;
	json_t *root;

	if ((root = fuzz_json(data, size)) == NULL)
		return 0;
	if (fleet_parse_charging_history(
		fleet_response(root), &s, &n, &skipped) == 0) {
		FUZZ_CHECK(n <= FLEET_LIST_MAX && (n == 0) == (s == NULL));
		for (size_t i = 0; i < n; i++) {
			FUZZ_STR_OK(s[i].session_id);
			FUZZ_CHECK(s[i].session_id[0] != '\0');
			FUZZ_STR_OK(s[i].vin);
			FUZZ_CHECK(fleet_vin_ok(s[i].vin));
			FUZZ_STR_OK(s[i].site_name);
			FUZZ_STR_OK(s[i].currency);
		}
	}
	free(s);
	json_decref(root);
	return 0;
}
