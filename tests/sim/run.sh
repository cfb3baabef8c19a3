#!/usr/bin/env bash
# Tests of the Fleet API simulator (tests/sim) for one build folder: starts
# a household simulator and a 500-vehicle one with 300 ms of latency on
# free loopback ports, runs shapes.mjs against them and the fixtures, then
# stops both by PID and checks that they exit cleanly (and, in a sanitizer
# build, without a report).  TAP on stdout; exit status 0 when all pass.
#
#	tests/sim/run.sh [BUILD]	(default build; build/san for ASan+UBSan)
#	FIXTURES=dir tests/sim/run.sh	(default ../shared/fixtures/fleet-api)
set -uo pipefail
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
SIM=$BUILD/tessie-sim
FIXTURES=${FIXTURES:-$TOP/../shared/fixtures/fleet-api}
START=2024-06-12T20:30:00+02:00
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
tmp=$(mktemp -d)
pids=()
n=0
failed=0

tap() { # cond message
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# start_sim NAME ARGS...: starts the simulator, sets $url.
start_sim() {
	local name=$1 pid i
	shift
	url=
	"$SIM" -p 0 -P "$tmp/$name.pid" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	pids+=("$pid")
	eval "${name}_pid=$pid"
	for i in $(seq 1 300); do
		if grep -q '^listening on ' "$tmp/$name.out"; then
			url=http://$(sed -n 's/^listening on //p' "$tmp/$name.out")
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/#   /' "$tmp/$name.err"
	return 1
}

# stop_sim NAME: SIGTERM by PID, then the exit status and sanitizer output.
stop_sim() {
	local name=$1 pid status
	pid=$(eval echo "\$${name}_pid")
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	status=$?
	tap "$status" "$name simulator stops cleanly on SIGTERM (status $status)"
	[ ! -e "$tmp/$name.pid" ]
	tap $? "$name simulator removed its pid file"
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|runtime error:' "$tmp/$name.err"; then
		grep -E -A12 'ERROR: |WARNING: |runtime error:' "$tmp/$name.err" | sed 's/^/#   /' | head -60
		tap 1 "$name simulator: no sanitizer report"
	else
		tap 0 "$name simulator: no sanitizer report"
	fi
}

if [ ! -x "$SIM" ]; then
	echo "not ok 1 - $SIM is not built (make $SIM)"
	exit 1
fi
if ! command -v node >/dev/null; then
	echo "not ok 1 - node is needed for tests/sim/shapes.mjs"
	exit 1
fi

start_sim home -t "$START" -S 42
tap $? "household simulator starts ($url)"
home_url=$url
start_sim bench -t "$START" -S 7 -v 500 -L 300 -H 2
tap $? "500-vehicle simulator with 300 ms latency starts ($url)"
bench_url=$url
if [ -z "$home_url" ]; then
	echo "1..$n"
	exit 1
fi
grep -q "^$(cat "$tmp/home.pid" 2>/dev/null)\$" <<<"$home_pid"
tap $? "household simulator wrote its pid file"

SIM_URL=$home_url SIM_BENCH_URL=$bench_url SIM_START=$START \
	FIXTURES=$FIXTURES TAP_OFFSET=$n TAP_COUNT_FILE=$tmp/count \
	node tests/sim/shapes.mjs
status=$?
n=$(cat "$tmp/count" 2>/dev/null || echo "$n")
[ "$status" -eq 0 ] || failed=$((failed + 1))

stop_sim home
[ -n "$bench_url" ] && stop_sim bench
pids=()
echo "1..$n"
[ "$failed" -eq 0 ]
