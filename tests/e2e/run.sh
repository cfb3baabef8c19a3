#!/usr/bin/env bash
# The browser test: the built web app behind nginx with the real API and
# database, driven by Debian's Chromium through playwright-core.
# Screenshots land in BUILD/screenshots: the login flow at 1280 px, then the
# dashboard, a vehicle's page and session expiry at desktop (1280) and phone
# (375) widths, on the data of tests/e2e/fixtures.sql.
#
#	tests/e2e/run.sh BUILD
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
. tests/stack-up.sh

[ -f web/dist/index.html ] || (cd web && npm run --silent build >/dev/null)
test_stack_up "$BUILD" "$TOP/web/dist" tests/integration/fixtures.sql
stack_psql <tests/e2e/fixtures.sql >/dev/null
mkdir -p "$BUILD/screenshots"
status=0
BASE_URL=$TEST_BASE_URL SCREENSHOT_DIR=$BUILD/screenshots \
	EXPECT_VEHICLE="Red Rocket" node tests/e2e/login.mjs || status=1
for vp in 1280x800 375x812; do BASE_URL=$TEST_BASE_URL SCREENSHOT_DIR=$BUILD/screenshots VIEWPORT=$vp node tests/e2e/charging_energy.mjs || status=1; done
for vp in 1280x800 375x812; do
	BASE_URL=$TEST_BASE_URL SCREENSHOT_DIR=$BUILD/screenshots VIEWPORT=$vp \
		node tests/e2e/dashboard.mjs || status=1
	BASE_URL=$TEST_BASE_URL SCREENSHOT_DIR=$BUILD/screenshots VIEWPORT=$vp TESSIE_SYNC=$BUILD/tessie-sync node tests/e2e/drivers_settings.mjs || status=1
done
exit $status
