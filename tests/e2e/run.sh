#!/usr/bin/env bash
# The browser test: the built web app behind nginx with the real API and
# database, driven by Debian's Chromium through playwright-core.
# Screenshots land in BUILD/screenshots.
#
#	tests/e2e/run.sh BUILD
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
. tests/stack-up.sh

[ -f web/dist/index.html ] || (cd web && npm run --silent build >/dev/null)
test_stack_up "$BUILD" "$TOP/web/dist" tests/integration/fixtures.sql
mkdir -p "$BUILD/screenshots"
BASE_URL=$TEST_BASE_URL SCREENSHOT_DIR=$BUILD/screenshots \
	EXPECT_VEHICLE="Red Rocket" node tests/e2e/login.mjs
