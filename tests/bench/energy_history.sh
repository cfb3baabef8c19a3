#!/usr/bin/env bash
# Figures, no pass/fail: GET /api/energy/sites/:id/history at day
# granularity over three years of energy_daily (one site, 1,096 days),
# with wrk at 8 and 64 connections: requests/s, p50 and p99 (target: p99
# under 20 ms).
#
#	tests/bench/energy_history.sh BUILD   (DURATION=10s THREADS=2)
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
. tests/stack-up.sh
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}

www=$(mktemp -d /tmp/tessie-bench-www.XXXXXX)
chmod 0755 "$www"
echo '<!doctype html><title>bench</title>' >"$www/index.html"
NGINX_API_RATE=1000000r/s TESSIE_LOG_LEVEL=error test_stack_up "$BUILD" "$www"
trap 'test_stack_cleanup; rm -rf "$www"' EXIT

site=e0e0e0e0-0000-4000-8000-0000000be001
stack_psql >/dev/null <<SQL
INSERT INTO energy_sites (id, account_id, tesla_site_id, site_name,
	time_zone, battery_count, total_capacity_kwh, nameplate_power_kw)
SELECT '$site', id, 9200000001, 'bench', 'Europe/Berlin', 2, 27, 10
FROM accounts WHERE username = 'admin';
INSERT INTO energy_daily (site_id, local_date, solar_produced_kwh,
	solar_exported_kwh, battery_charged_kwh, battery_discharged_kwh,
	grid_imported_kwh, grid_exported_kwh, home_consumed_kwh,
	self_consumption_pct, source, completeness, flagged, fetched_at)
SELECT '$site', d, 20 + 15 * sin(extract(doy FROM d) / 58.0), 5, 8, 7.5,
	6, 5, 18, 75, 'tesla', 1, extract(day FROM d) = 13, now()
FROM generate_series(current_date - 1095, current_date, interval '1 day') d;
ANALYZE energy_daily;
SQL
days=$(stack_psql -c "SELECT count(*) FROM energy_daily WHERE site_id = '$site'")

token=$(curl -sf -H 'Content-Type: application/json' \
	-d "{\"password\":\"$TESSIE_ADMIN_PASSWORD\"}" \
	"$TEST_BASE_URL/api/auth/login" | sed 's/.*"token":"\([^"]*\)".*/\1/')
to=$(date -u -d tomorrow +%Y-%m-%dT00:00:00Z)
from=$(date -u -d "$to - 1096 days" +%Y-%m-%dT%H:%M:%SZ)
url="$TEST_BASE_URL/api/energy/sites/$site/history?granularity=day&from=$from&to=$to"
points=$(curl -sf -H "Authorization: Bearer $token" "$url" |
	grep -o '"date"' | wc -l)
bytes=$(curl -sf -H "Authorization: Bearer $token" "$url" | wc -c)

# wrk: requests/s, p50 and p99 in ms at $1 connections.
measure() {
	local out
	out=$(wrk -t"$THREADS" -c"$1" -d"$DURATION" --timeout 30s --latency \
		-H "Authorization: Bearer $token" "$url")
	if echo "$out" | grep -q "Non-2xx"; then
		echo "bench: non-2xx answers:" >&2
		echo "$out" >&2
	fi
	awk '
	function ms(v) {
		if (v ~ /us$/) return v / 1000
		if (v ~ /ms$/) return v + 0
		if (v ~ /s$/) return v * 1000
		return v
	}
	/Requests\/sec/ { rps = $2 }
	$1 == "50%" { p50 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	END { printf "%.0f %.2f %.2f\n", rps, p50, p99 }' <<<"$out"
}

printf '\nenergy history, day granularity, 3 years (%s days stored, %s points, %s bytes)\n' \
	"$days" "$points" "$bytes"
printf '(%s cores, wrk -t%s -d%s, %s workers; target p99 < 20 ms)\n\n' \
	"$(nproc)" "$THREADS" "$DURATION" "$TESSIE_WORKERS"
printf '%-34s %10s %9s %9s\n' "" "req/s" "p50 ms" "p99 ms"
for c in 8 64; do
	read -r rps p50 p99 < <(measure "$c")
	printf '%-34s %10s %9s %9s\n' "GET .../history?granularity=day -c$c" "$rps" "$p50" "$p99"
done
