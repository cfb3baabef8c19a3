/*
 * fleet_parse_site_info() over site_info, tariff included: the tariff
 * reference it keeps is serialised (as lib/sites.c stores it) and dropped.
 */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_site_info si;
	json_t *root;
	char *text;

	if ((root = fuzz_json(data, size)) == NULL)
		return 0;
	if (fleet_parse_site_info(fleet_response(root), &si) == 0) {
		FUZZ_STR_OK(si.site_name);
		FUZZ_STR_OK(si.time_zone);
		FUZZ_STR_OK(si.operation_mode);
		FUZZ_CHECK(si.backup_reserve_pct == FLEET_NOINT ||
		    (si.backup_reserve_pct >= 0 &&
			si.backup_reserve_pct <= 100));
		if (si.tariff != NULL) {
			text = json_dumps(si.tariff, JSON_COMPACT);
			free(text);
		}
		fleet_site_info_clear(&si);
		FUZZ_CHECK(si.tariff == NULL);
	}
	json_decref(root);
	return 0;
}
