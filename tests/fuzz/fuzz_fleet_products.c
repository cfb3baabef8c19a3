/* fleet_parse_products() over GET /api/1/products, as lib/sites.c calls it. */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_product *p = NULL;
	size_t n = 0, skipped = 0;
	json_t *root, *resp;

	if ((root = fuzz_json(data, size)) == NULL)
		return 0;
	resp = fleet_response(root);
	if (fleet_parse_products(resp, &p, &n, &skipped) == 0) {
		FUZZ_CHECK(n <= FLEET_LIST_MAX && (n == 0) == (p == NULL));
		FUZZ_CHECK(n + skipped == json_array_size(resp));
		for (size_t i = 0; i < n; i++) {
			if (p[i].kind == FLEET_PRODUCT_VEHICLE) {
				FUZZ_STR_OK(p[i].u.vehicle.vin);
				FUZZ_STR_OK(p[i].u.vehicle.display_name);
				FUZZ_STR_OK(p[i].u.vehicle.state);
			} else {
				FUZZ_CHECK(p[i].kind == FLEET_PRODUCT_SITE);
				FUZZ_STR_OK(p[i].u.site.site_name);
				FUZZ_STR_OK(p[i].u.site.resource_type);
			}
		}
	}
	free(p);
	json_decref(root);
	return 0;
}
