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
#   states.mjs            empty states (charging filtered to nothing, an
#                         energy month without data, a vehicle without
#                         drives and with one reading, a new driver without
#                         drives); error states with a real fault: PostgreSQL
#                         stopped under the API (503) and every page says so
#                         and that it tries again, then started again and
#                         every page recovers, by itself or its "Try again"
#                         button, still signed in. It stops and starts the
#                         cluster with $STACK_DIR/pg-stop.sh and pg-start.sh
#                         (written here; PG_STOP and PG_START), so it runs last
#
# Along the way the pages are checked for junk ("NaN", "undefined"),
# cut-off or overflowing text and tables, and accessibility: every visible
# button, link, input, select and textarea has an accessible name, no id
# is used twice, and each page (login, dashboard, vehicles, a vehicle,
# charging, a session, energy, drivers, settings) and its main control are
# reached with Tab, from the main navigation or the link to it.
#
# Widths: login at 1280 px; dashboard, charging_energy, drivers_settings
# and states at desktop (1280x800) and phone (375x812) widths; dashboard and
# charging_energy also on a tablet (768x1024) and in the car's browser
# (1200x700, a Chromium whose user agent says "Tesla/"). Screenshots land
# in BUILD/screenshots as <page>-<width>.png (the car's <page>-1200-car.png,
# states-<what>-<width>.png for the empty and error states, a failed step's
# failed-<width>-<n>.png): open them and look.
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
# states.mjs stops and starts the stack's PostgreSQL (as the integration
# tests do): the same options as stack_pg_start, fsync off.
pgrun=
[ "$(id -u)" -eq 0 ] && pgrun="runuser -u postgres --"
cat >"$STACK_DIR/pg-stop.sh" <<SH
#!/bin/sh
cd / && exec $pgrun "$PGBIN/pg_ctl" -D "$STACK_DIR/pg/data" -m fast -w stop >/dev/null
SH
cat >"$STACK_DIR/pg-start.sh" <<SH
#!/bin/sh
cd / && exec $pgrun "$PGBIN/pg_ctl" -D "$STACK_DIR/pg/data" -l "$STACK_DIR/pg/postgres.log" -w -o "-c listen_addresses='' -c unix_socket_directories='$STACK_DIR/pg/sock' -c unix_socket_permissions=0700 -c log_error_verbosity=terse -c fsync=off" start >/dev/null
SH
chmod +x "$STACK_DIR/pg-stop.sh" "$STACK_DIR/pg-start.sh"
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
# Last: it stops the database (and starts it again).
for vp in 1280x800 375x812; do
	e2e states VIEWPORT=$vp PG_STOP="$STACK_DIR/pg-stop.sh" PG_START="$STACK_DIR/pg-start.sh"
done
exit $status
