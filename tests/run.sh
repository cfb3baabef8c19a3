#!/usr/bin/env bash
# Runs the C unit tests and the integration tests of one build folder and
# adds their TAP lines up into a closing "N passed, N failed" line.
#
#	tests/run.sh BUILD [label]
set -uo pipefail
BUILD=${1:-build}
LABEL=${2:-$BUILD}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for t in "$BUILD"/tests/test_*; do
	case $(basename "$t") in test_it_*) continue ;; esac
	[ -x "$t" ] || continue
	echo "# $(basename "$t")"
	"$t" 2>&1 || echo "not ok - $(basename "$t") exited with status $?"
done | tee -a "$log"
{
	tests/integration/run.sh "$BUILD" 2>&1 ||
		echo "not ok - integration run failed (status $?)"
} | tee -a "$log"

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
echo "$LABEL: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
