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
. "$TOP/tests/bench/lib.sh"
cd "$TOP"
. tests/stack-up.sh
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}

NGINX_API_RATE=1000000r/s TESSIE_LOG_LEVEL=error bench_stack_up "$BUILD"

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

printf '\nenergy history, day granularity, 3 years (%s days stored, %s points, %s bytes)\n' \
	"$days" "$points" "$bytes"
printf '(%s cores, wrk -t%s -d%s, %s workers; target p99 < 20 ms)\n\n' \
	"$(nproc)" "$THREADS" "$DURATION" "$TESSIE_WORKERS"
printf '%-34s %10s %9s %9s\n' "" "req/s" "p50 ms" "p99 ms"
# Issue 5: p99 under 20 ms; the target is read at 8 connections, as
# history's p99 target is in issue 4 (64 is printed beside it).
for c in 8 64; do
	read -r rps p50 p99 _ < <(bench_wrk "$c" -H "Authorization: Bearer $token" "$url")
	printf '%-34s %10s %9s %9s\n' "GET .../history?granularity=day -c$c" "$rps" "$p50" "$p99"
	target=
	[ "$c" = 8 ] && target="< 20"
	bench_figure "energy history, day granularity, 3 years: -c$c, req/s" "$rps" req/s
	bench_figure "energy history, day granularity, 3 years: -c$c, p99" "$p99" ms "$target"
done
