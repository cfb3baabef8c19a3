#!/usr/bin/env bash
# The browser test: the built web app behind nginx with the real API and
# database (tests/integration/fixtures.sql + tests/e2e/fixtures.sql: two
# vehicles, two energy sites, drives, charging sessions, a driver with a
# rule, tariffs, sync runs), driven by Debian's Chromium through
# playwright-core. Every script shares tests/e2e/harness.mjs and prints TAP.
#
#   login.mjs             wrong password, sign in, vehicle list, a rejected
#                         token and signing out (1280 px)
#   dashboard.mjs         vehicle cards, both energy sites' live flow,
#                         Powerwall and today, wake and sync now, a vehicle's
#                         page (battery chart, map, a drive and its path),
#                         an expired session back to the login page
#   charging_energy.mjs   charging sessions (paging, filters, a session's
#                         curve, cost and solar share, monthly stats), energy
#                         day/month/year views with flagged and incomplete
#                         days, the household view summed over both sites
#                         (checked against each site's history from the API)
#   drivers_settings.mjs  drivers and rules, re-attribution and stats, a
#                         drive's driver set by hand and cleared on the
#                         vehicle page (checked through the API), units,
#                         the Tesla account, sync now to the end, places
#
# Along the way the pages are checked for junk ("NaN", "undefined"),
# cut-off or overflowing text and tables, and accessibility: every visible
# button, link, input, select and textarea has an accessible name, no id
# is used twice, and each page (login, dashboard, vehicles, a vehicle,
# charging, a session, energy, drivers, settings) and its main control are
# reached with Tab, from the main navigation or the link to it.
#
# Widths: login at 1280 px; dashboard, charging_energy and drivers_settings
# at desktop (1280x800) and phone (375x812) widths; dashboard and
# charging_energy also on a tablet (768x1024) and in the car's browser
# (1200x700, a Chromium whose user agent says "Tesla/"). Screenshots land
# in BUILD/screenshots as <page>-<width>.png (the car's <page>-1200-car.png,
# a failed step's failed-<width>-<n>.png): open them and look.
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
# The car's browser: Chromium-based, its user agent says "Tesla/<version>".
CAR_UA='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.7103.113 Safari/537.36 Tesla/2025.20.6-ea2d6d8ac0'

# e2e SCRIPT [VAR=value...]: one script against the stack.
e2e() {
	local script=$1
	shift
	env BASE_URL="$TEST_BASE_URL" SCREENSHOT_DIR="$BUILD/screenshots" "$@" \
		node "tests/e2e/$script.mjs" || status=1
}

e2e login EXPECT_VEHICLE="Red Rocket"
for vp in 1280x800 375x812; do e2e charging_energy VIEWPORT=$vp; done
# drivers_settings at 1280 before 375: each run's rule has its width as
# priority, and the lower number wins the re-attribution.
for vp in 1280x800 375x812; do
	e2e dashboard VIEWPORT=$vp
	e2e drivers_settings VIEWPORT=$vp TESSIE_SYNC="$BUILD/tessie-sync"
done
# A tablet, and the car's browser.
e2e dashboard VIEWPORT=768x1024
e2e charging_energy VIEWPORT=768x1024
e2e dashboard VIEWPORT=1200x700 E2E_LABEL=car USER_AGENT="$CAR_UA"
e2e charging_energy VIEWPORT=1200x700 E2E_LABEL=car USER_AGENT="$CAR_UA"
exit $status
