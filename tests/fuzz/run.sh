#!/usr/bin/env bash
# Builds the libFuzzer targets (make fuzz-build) and runs each for SECONDS,
# then replays every reproducer in tests/fuzz/regressions/<target>/.
#
#	tests/fuzz/run.sh [BUILD [SECONDS [TARGET...]]]
#
# BUILD defaults to build (the targets go to $FUZZ_DIR, else BUILD/fuzz),
# SECONDS to $FUZZ_TIME or 60; targets run $FUZZ_JOBS (default: the number
# of cores) at a time.  Per target, in that folder:
#   corpus/<target>/   seeds (tests/fuzz/seeds/<target>/ and the Fleet API
#                      fixtures that fit it), grown by every run
#   crashes/<target>/  what this run found (emptied when it starts)
#   logs/<target>.log  libFuzzer's output, the program's log lines included
# Prints one TAP line and one row of figures per target; fails when a run
# found anything or a regression reproducer fails again.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
BUILD=${1:-build}
SECONDS_EACH=${2:-${FUZZ_TIME:-60}}
shift $(($# > 2 ? 2 : $#))
FD=${FUZZ_DIR:-$BUILD/fuzz}
FIXTURES=${FIXTURES:-../shared/fixtures/fleet-api}
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}

if ! make -s -j"$JOBS" FUZZ_DIR="$FD" fuzz-build; then
	echo "not ok - fuzz targets build"
	exit 1
fi

if [ $# -gt 0 ]; then
	TARGETS=("$@")
else
	TARGETS=()
	for f in tests/fuzz/fuzz_*.c; do
		TARGETS+=("$(basename "$f" .c)")
	done
fi

# The Fleet API fixtures each parser's corpus starts from.
fixtures_of() {
	case $1 in
	fuzz_fleet_vehicles) echo "*Vehicles* *WakeUp* *online_charging*" ;;
	fuzz_fleet_vehicle_data) echo "*vehicle_data* *online_charging*" ;;
	fuzz_fleet_products) echo "*products*" ;;
	fuzz_fleet_site_info) echo "*site_info*" ;;
	fuzz_fleet_live_status) echo "*live_status*" ;;
	fuzz_fleet_energy_history | fuzz_fleet_power_history)
		echo "*energy_history*"
		;;
	esac
}

# A dictionary of the string literals of the code a target reads: route
# patterns, field names and values that the fuzzer would not guess.
dict_sources() {
	case $1 in
	fuzz_request | fuzz_router) echo handlers/*.c lib/http.c lib/fields.c ;;
	fuzz_fleet_*) echo lib/fleet_parse.c ;;
	fuzz_jwt) echo lib/auth.c ;;
	esac
}

prepare() {
	local t=$1 src pat f
	mkdir -p "$FD/corpus/$t" "$FD/logs" "$FD/dict"
	rm -rf "$FD/crashes/$t"
	mkdir -p "$FD/crashes/$t"
	if [ -d "tests/fuzz/seeds/$t" ]; then
		cp tests/fuzz/seeds/"$t"/* "$FD/corpus/$t/" 2>/dev/null
	fi
	for pat in $(fixtures_of "$t"); do
		for f in "$FIXTURES"/$pat; do
			[ -f "$f" ] && cp "$f" "$FD/corpus/$t/"
		done
	done
	src=$(dict_sources "$t")
	rm -f "$FD/dict/$t.dict"
	if [ -n "$src" ]; then
		# shellcheck disable=SC2086
		grep -ohE '"[A-Za-z0-9_./:+-]{2,48}"' $src | sort -u \
			>"$FD/dict/$t.dict"
	fi
}

run_one() {
	local t=$1 dict=()
	[ -s "$FD/dict/$t.dict" ] && dict=(-dict="$FD/dict/$t.dict")
	"$FD/$t" -max_total_time="$SECONDS_EACH" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=2 \
		-artifact_prefix="$FD/crashes/$t/" "${dict[@]}" \
		"$FD/corpus/$t" >"$FD/logs/$t.log" 2>&1
	echo $? >"$FD/logs/$t.rc"
}

for t in "${TARGETS[@]}"; do
	if [ ! -x "$FD/$t" ]; then
		echo "not ok - $t: no such target"
		exit 1
	fi
	prepare "$t"
done

start=$(date +%s)
for t in "${TARGETS[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n
	done
	run_one "$t" &
done
wait

status=0
rows=()
for t in "${TARGETS[@]}"; do
	log=$FD/logs/$t.log
	rc=$(cat "$FD/logs/$t.rc" 2>/dev/null || echo 1)
	# The last status line: "#N DONE cov: C ft: F corp: K/..."
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	[ -n "$execs" ] || execs=$(echo "$last" | sed -E 's/^#([0-9]+).*/\1/')
	cov=$(echo "$last" | sed -nE 's/.* cov: ([0-9]+).*/\1/p')
	ft=$(echo "$last" | sed -nE 's/.* ft: ([0-9]+).*/\1/p')
	corp=$(echo "$last" | sed -nE 's/.* corp: ([0-9]+).*/\1/p')
	found=$(find "$FD/crashes/$t" -type f ! -name 'slow-unit-*' | wc -l)
	if [ "$rc" -eq 0 ] && [ "$found" -eq 0 ]; then
		what="nothing"
		echo "ok - $t: ${SECONDS_EACH} s, ${execs:-?} runs, found nothing"
	else
		what="FOUND $found (see $FD/crashes/$t, $log)"
		echo "not ok - $t: ${SECONDS_EACH} s, ${execs:-?} runs: $what"
		grep -m 3 -E 'ERROR: |runtime error|check failed' "$log" |
			sed 's/^/#   /'
		status=1
	fi
	rows+=("$(printf '%-30s %6s %10s %6s %7s %6s  %s' "$t" \
		"$SECONDS_EACH" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
		"${corp:-?}" "$what")")
done

# Every reproducer of an earlier finding, once each.
for t in "${TARGETS[@]}"; do
	d=tests/fuzz/regressions/$t
	[ -d "$d" ] || continue
	files=("$d"/*)
	[ -e "${files[0]}" ] || continue
	if "$FD/$t" -close_fd_mask=2 "${files[@]}" \
		>"$FD/logs/$t.regressions.log" 2>&1; then
		echo "ok - $t: ${#files[@]} regression input(s) pass"
	else
		echo "not ok - $t: a regression input fails again" \
			"(see $FD/logs/$t.regressions.log)"
		status=1
	fi
done

printf '%-30s %6s %10s %6s %7s %6s  %s\n' target seconds runs cov ft \
	corpus found
printf '%s\n' "${rows[@]}"
echo "fuzz: ${#TARGETS[@]} targets in $(($(date +%s) - start)) s" \
	"($JOBS at a time)"
exit $status
