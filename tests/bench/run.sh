#!/usr/bin/env bash
# make bench: figures, no pass/fail.
#
# Loads synthetic data (3 vehicles, one year of one-minute states) into a
# throwaway cluster, then runs wrk against GET /api/vehicles/:id/state and
# against nginx serving a static JSON file of the same size, and prints
# requests/s, p50 and p99 for both and their ratio.
#
#	tests/bench/run.sh BUILD      (DURATION=10s CONNECTIONS=32 THREADS=2)
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
. tests/stack-up.sh
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}

www=$(mktemp -d /tmp/tessie-bench-www.XXXXXX)
chmod 0755 "$www"
echo '<!doctype html><title>bench</title>' >"$www/index.html"
NGINX_API_RATE=1000000r/s TESSIE_LOG_LEVEL=error test_stack_up "$BUILD" "$www"
trap 'test_stack_cleanup; rm -rf "$www"' EXIT

t0=$(date +%s.%N)
stack_psql <tests/bench/seed.sql >/dev/null
t1=$(date +%s.%N)
rows=$(stack_psql -c "SELECT count(*) FROM vehicle_states")
size=$(stack_psql -c "SELECT pg_size_pretty(pg_total_relation_size('vehicle_states'))")
vid=$(stack_psql -c "SELECT id FROM vehicles ORDER BY id LIMIT 1")

token=$(curl -sf -H 'Content-Type: application/json' \
	-d "{\"password\":\"$TESSIE_ADMIN_PASSWORD\"}" \
	"$TEST_BASE_URL/api/auth/login" | sed 's/.*"token":"\([^"]*\)".*/\1/')
curl -sf -H "Authorization: Bearer $token" \
	"$TEST_BASE_URL/api/vehicles/$vid/state" >"$www/state.json"
bytes=$(wc -c <"$www/state.json")

# wrk: requests/s, p50 and p99 in ms.
measure() {
	local out
	out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@")
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

read -r api_rps api_p50 api_p99 < <(measure -H "Authorization: Bearer $token" \
	"$TEST_BASE_URL/api/vehicles/$vid/state")
read -r st_rps st_p50 st_p99 < <(measure "$TEST_BASE_URL/state.json")

# The reference: the thinnest honest FastCGI handler of the same request
# (tests/bench/thin.c) behind an nginx of its own with the same settings.
thin=$STACK_DIR/thin
mkdir -p "$thin"
"$BUILD/thin-ref" "$thin/thin.sock" "$TESSIE_WORKERS" 2>>"$thin/thin.log" &
stack_record thin $!
for _ in $(seq 1 100); do [ -S "$thin/thin.sock" ] && break; sleep 0.05; done
thin_port=$(free_port)
cat >"$thin/nginx.conf" <<CONF
$([ "$(id -u)" -eq 0 ] && echo "user root;")
worker_processes 1;
pid $thin/nginx.pid;
error_log $thin/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $thin/cb; fastcgi_temp_path $thin/fc;
	proxy_temp_path $thin/px; uwsgi_temp_path $thin/uw; scgi_temp_path $thin/sc;
	server {
		listen 127.0.0.1:$thin_port;
		location / {
			fastcgi_pass unix:$thin/thin.sock;
			fastcgi_param REQUEST_URI \$request_uri;
			fastcgi_param REQUEST_METHOD \$request_method;
		}
	}
}
CONF
setsid "$NGINX" -q -e "$thin/error.log" -c "$thin/nginx.conf" -g 'daemon off;' &
stack_record thin-nginx $!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$thin_port") 2>/dev/null && break; sleep 0.05; done
read -r th_rps th_p50 th_p99 < <(measure -H "Authorization: Bearer $token" \
	"http://127.0.0.1:$thin_port/api/vehicles/$vid/state")

printf '\nmake bench (%s, wrk -t%s -c%s -d%s, %s workers, nginx 1 worker)\n' \
	"$(nproc) cores" "$THREADS" "$CONNECTIONS" "$DURATION" "$TESSIE_WORKERS"
printf 'data: %s vehicle_states rows (%s), loaded in %.1f s\n' "$rows" "$size" \
	"$(awk "BEGIN { print $t1 - $t0 }")"
printf 'response: %s bytes\n\n' "$bytes"
printf '%-34s %10s %9s %9s\n' "" "req/s" "p50 ms" "p99 ms"
printf '%-34s %10s %9s %9s\n' "GET /api/vehicles/:id/state" "$api_rps" "$api_p50" "$api_p99"
printf '%-34s %10s %9s %9s\n' "nginx static file, same size" "$st_rps" "$st_p50" "$st_p99"
printf '%-34s %10s %9s %9s\n' "ratio (API / static)" \
	"$(awk "BEGIN { printf \"%.3f\", $api_rps / $st_rps }")" \
	"$(awk "BEGIN { printf \"%.2f\", $api_p50 / $st_p50 }")" \
	"$(awk "BEGIN { printf \"%.2f\", $api_p99 / $st_p99 }")"
printf '%-34s %10s %9s %9s\n' "thin FastCGI reference (thin.c)" "$th_rps" "$th_p50" "$th_p99"
printf '%-34s %10s %9s %9s\n' "ratio (API / thin reference)" \
	"$(awk "BEGIN { printf \"%.3f\", $api_rps / $th_rps }")" \
	"$(awk "BEGIN { printf \"%.2f\", $api_p50 / $th_p50 }")" \
	"$(awk "BEGIN { printf \"%.2f\", $api_p99 / $th_p99 }")"

# The vehicles job against the simulator: 500 online cars answering after
# 300 ms each, at most 64 requests in flight.
sim_out=$STACK_DIR/sim-bench.out
"$BUILD/tessie-sim" -p 0 -v 500 -L 300 -S 7 >"$sim_out" 2>"$STACK_DIR/sim-bench.log" &
stack_record sim $!
for _ in $(seq 1 200); do
	SIMPORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$sim_out")
	[ -n "$SIMPORT" ] && break
	sleep 0.05
done
export TESLA_API_BASE_URL=http://127.0.0.1:$SIMPORT TESLA_AUTH_URL=http://127.0.0.1:$SIMPORT
export TESLA_CLIENT_ID=tessie-sim TESSIE_FLEET_MAX_INFLIGHT=64
curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-d '{"refresh_token":"sim-refresh-token-0"}' "$TEST_BASE_URL/api/auth/token"
# Once to refresh the token and learn the cars, then the measured run.
"$BUILD/tessie-sync" vehicles >/dev/null 2>&1 || true
# The household's own three cars may be asleep: wake them for the figure.
# (The seeded cars are not the simulator's: it says so, and that is fine.)
for id in $(stack_psql -c "SELECT tesla_id FROM vehicles WHERE state <> 'online'"); do
	curl -s -o /dev/null -X POST "http://127.0.0.1:$SIMPORT/sim/state" \
		-d "{\"vehicle\":$id,\"state\":\"online\"}" || true
done
curl -sf -o /dev/null -X POST "http://127.0.0.1:$SIMPORT/sim/clock" -d '{"advance_s":60}'
t0=$(date +%s.%N)
"$BUILD/tessie-sync" vehicles
t1=$(date +%s.%N)
IFS='|' read -r ok failed calls rss <<<"$(stack_psql -c "SELECT items_ok, items_failed, api_calls, details->>'peak_rss_kb' FROM sync_runs WHERE job = 'vehicles' ORDER BY id DESC LIMIT 1")"
printf '\nsync: 500 simulated online cars, 300 ms latency, 64 in flight\n'
printf '%-34s %10s\n' "wall time (s)" "$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")"
printf '%-34s %10s\n' "vehicle states stored" "$ok"
printf '%-34s %10s\n' "items failed" "$failed"
printf '%-34s %10s\n' "Fleet API calls" "$calls"
printf '%-34s %10s\n' "peak RSS of the job (MB)" "$(awk "BEGIN { printf \"%.1f\", $rss / 1024 }")"

# GET /api/vehicles/:id/history, 500 points over the last day, week and year
# of the seeded states (which end today 00:00 UTC).
hend=$(date -u +%Y-%m-%dT00:00:00Z)
printf '\nhistory: 500 points (wrk -t%s -c%s -d%s)\n\n' "$THREADS" "$CONNECTIONS" "$DURATION"
printf '%-34s %10s %9s %9s %9s\n' "" "req/s" "p50 ms" "p99 ms" "bytes"
for span in day week year; do
	case $span in
	day) days=1 ;;
	week) days=7 ;;
	year) days=365 ;;
	esac
	hfrom=$(date -u -d "$hend - $days days" +%Y-%m-%dT%H:%M:%SZ)
	url="$TEST_BASE_URL/api/vehicles/$vid/history?from=$hfrom&to=$hend&points=500"
	hbytes=$(curl -sf -H "Authorization: Bearer $token" "$url" | wc -c)
	read -r h_rps h_p50 h_p99 < <(measure -H "Authorization: Bearer $token" "$url")
	printf '%-34s %10s %9s %9s %9s\n' "GET .../history, a $span" "$h_rps" "$h_p50" "$h_p99" "$hbytes"
done

# The statement aggregates all 13 whitelisted fields per bucket and the
# handler emits the requested ones: its cost against aggregating only the
# five default fields, a year in 500 buckets (best of 3 EXPLAIN ANALYZE).
hfrom=$(date -u -d "$hend - 365 days" +%Y-%m-%dT%H:%M:%SZ)
hist_ms() {
	local best= t
	for _ in 1 2 3; do
		t=$(stack_psql -c "EXPLAIN ANALYZE SELECT date_bin(make_interval(secs => 63072), ts, '$hfrom'::timestamptz) AS t, $1 FROM vehicle_states WHERE vehicle_id = '$vid' AND ts >= '$hfrom' AND ts < '$hend' GROUP BY 1 ORDER BY 1" |
			sed -n 's/.*Execution Time: \([0-9.]*\) ms.*/\1/p')
		best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')
	done
	echo "$best"
}
five="avg(battery_level)::float8, avg(odometer_km), avg(rated_range_km), max(speed_kmh), avg(power_kw)"
all="$five, avg(usable_battery_level)::float8, avg(inside_temp_c), avg(outside_temp_c), avg(charger_power_kw), avg(charge_energy_added_kwh), avg(latitude), avg(longitude), avg(elevation_m)"
printf '\nhistory SQL, a year in 500 buckets (%s rows)\n' \
	"$(stack_psql -c "SELECT count(*) FROM vehicle_states WHERE vehicle_id = '$vid' AND ts >= '$hfrom' AND ts < '$hend'")"
printf '%-34s %10s\n' "all 13 fields (ms)" "$(hist_ms "$all")"
printf '%-34s %10s\n' "the 5 default fields (ms)" "$(hist_ms "$five")"
