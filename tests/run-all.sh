#!/usr/bin/env bash
# `make test`: every test, on a machine where `make deps` has run.
#   1. plain build: C unit tests + integration tests, then the unit
#      tests, tessie-api and each job under valgrind
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build: the same tests
#   3. each libFuzzer target for 5 s and its regression inputs
#   4. make lint (clang-format, SQL formatting check, cppcheck)
#   5. web build and the browser test in Chromium
# Ends with one "N passed, N failed" line over all of them.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
JOBS=$(nproc 2>/dev/null || echo 2)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
status=0

step() {
	local name=$1
	shift
	echo "=== $name"
	if "$@" 2>&1 | tee -a "$log"; then
		echo "ok - $name" | tee -a "$log"
	else
		echo "not ok - $name" | tee -a "$log"
		status=1
	fi
}

step "build" make -s -j"$JOBS" all tests
step "tests (plain build)" tests/run.sh build plain
step "valgrind" tests/valgrind.sh build
step "build (sanitizers)" make -s -j"$JOBS" SANITIZE=address,undefined all tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	step "tests (address,undefined)" tests/run.sh build/san sanitizers
step "simulator (plain build)" tests/sim/run.sh build
step "simulator (address,undefined)" tests/sim/run.sh build/san
step "fuzz smoke" tests/fuzz/run.sh build 5
step "lint" make -s lint
step "web unit tests" sh -c 'cd web && npm run --silent test'
step "web build" sh -c 'cd web && npm run --silent build >/dev/null'
step "browser test" tests/e2e/run.sh build

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
echo "make test: $passed passed, $failed failed in $(($(date +%s) - start)) s"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
