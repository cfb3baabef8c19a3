#!/usr/bin/env bash
# make bench: figures, no pass/fail.
#
# Loads synthetic data (3 vehicles, one year of one-minute states, their
# rollups filled by the triggers as they go in) into a throwaway cluster,
# then runs wrk against GET /api/vehicles/:id/state and the thinnest
# FastCGI handler of it (tests/bench/thin.c) in turns, and prints
# requests/s, p50, p99 and the machine's CPU time per request of both and
# their ratios; nginx serving a static file of the same size; a page of
# charging sessions; the vehicles job against the simulator; and
# GET /api/vehicles/:id/history against the plain date_bin + avg query
# over the raw rows (thin.c), at 64 connections, and ours at 8; then the
# memory of every long-lived process of the stack after that load.
# Each figure also goes to the report (bench_figure, tests/bench/lib.sh).
#
#	tests/bench/run.sh BUILD  (DURATION=10s CONNECTIONS=32 THREADS=2 ROUNDS=3)
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/bench/lib.sh"
cd "$TOP"
. tests/stack-up.sh
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}

NGINX_API_RATE=1000000r/s TESSIE_LOG_LEVEL=error bench_stack_up "$BUILD"

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

# wrk at $CONNECTIONS (MC=n: n connections this once): see bench_wrk.
measure() { bench_wrk "${MC:-$CONNECTIONS}" "$@"; }

# The median of the numbers given (ERR when any is not a number).
median() {
	printf '%s\n' "$@" | sort -g | awk '
		!/^[0-9.]+$/ { bad = 1 } { v[NR] = $1 }
		END { if (bad || NR == 0) print "ERR"
		      else print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# a / b with format fmt, or n/a when either is not a figure.
ratio() {
	awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN {
		if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf f, a / b
		else printf "n/a"
	}'
}

sessions=$(stack_psql -c "SELECT count(*) FROM charging_sessions")
read -r cs_rps cs_p50 cs_p99 _ < <(measure -H "Authorization: Bearer $token" \
	"$TEST_BASE_URL/api/charging/sessions?limit=50")
read -r st_rps st_p50 st_p99 _ < <(measure "$TEST_BASE_URL/state.json")

# The reference: the thinnest honest FastCGI handler of the same request
# (tests/bench/thin.c) behind an nginx of its own with the same settings.
thin=$STACK_DIR/thin
mkdir -p "$thin"
"$BUILD/thin-ref" "$thin/thin.sock" "$TESSIE_WORKERS" 2>>"$thin/thin.log" &
thin_pid=$!
stack_record thin $thin_pid
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
thin_nginx_pid=$!
stack_record thin-nginx $thin_nginx_pid
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$thin_port") 2>/dev/null && break; sleep 0.05; done
# Ours and the reference in turns (ROUNDS of each, 3 unless told): the
# medians, and the median of each round's ratio.
rounds=()
for _ in $(seq 1 "${ROUNDS:-3}"); do
	read -r a_rps a_p50 a_p99 a_cpu < <(measure -H "Authorization: Bearer $token" \
		"$TEST_BASE_URL/api/vehicles/$vid/state")
	read -r t_rps t_p50 t_p99 t_cpu < <(measure -H "Authorization: Bearer $token" \
		"http://127.0.0.1:$thin_port/api/vehicles/$vid/state")
	rounds+=("$a_rps $a_p50 $a_p99 $a_cpu $t_rps $t_p50 $t_p99 $t_cpu")
done
col_of() { local c=$1; printf '%s\n' "${rounds[@]}" | awk -v c="$c" '{ print $c }'; }
api_rps=$(median $(col_of 1)) api_p50=$(median $(col_of 2)) api_p99=$(median $(col_of 3))
api_cpu=$(median $(col_of 4))
th_rps=$(median $(col_of 5)) th_p50=$(median $(col_of 6)) th_p99=$(median $(col_of 7))
th_cpu=$(median $(col_of 8))
rps_ratios=$(printf '%s\n' "${rounds[@]}" | awk '$1 ~ /^[0-9.]+$/ && $5 > 0 { printf "%.3f ", $1 / $5 }')
cpu_ratios=$(printf '%s\n' "${rounds[@]}" | awk '$4 ~ /^[0-9.]+$/ && $4 > 0 { printf "%.3f ", $8 / $4 }')

printf '\nmake bench (%s, wrk -t%s -c%s -d%s, %s workers, nginx 1 worker)\n' \
	"$(nproc) cores" "$THREADS" "$CONNECTIONS" "$DURATION" "$TESSIE_WORKERS"
printf 'data: %s vehicle_states rows (%s), loaded with their rollups in %.1f s\n' \
	"$rows" "$size" "$(awk "BEGIN { print $t1 - $t0 }")"
printf 'rollups: %s\n' "$(stack_psql -c "SELECT string_agg(n || ' x ' || span_s || ' s', ', ' ORDER BY span_s) || ' (' || pg_size_pretty(pg_total_relation_size('vehicle_rollups')) || ')' FROM (SELECT span_s, count(*) AS n FROM vehicle_rollups GROUP BY 1) x")"
printf 'response: %s bytes\n\n' "$bytes"
printf '%-34s %10s %9s %9s\n' "" "req/s" "p50 ms" "p99 ms"
printf '%-34s %10s %9s %9s\n' "GET /api/vehicles/:id/state" "$api_rps" "$api_p50" "$api_p99"
printf '%-34s %10s %9s %9s\n' "nginx static file, same size" "$st_rps" "$st_p50" "$st_p99"
printf '%-34s %10s %9s %9s\n' "ratio (API / static)" \
	"$(ratio "$api_rps" "$st_rps" %.3f)" "$(ratio "$api_p50" "$st_p50" %.2f)" \
	"$(ratio "$api_p99" "$st_p99" %.2f)"
printf '%-34s %10s %9s %9s\n' "thin FastCGI reference (thin.c)" "$th_rps" "$th_p50" "$th_p99"
printf '%-34s %10s %9s %9s\n' "ratio (API / thin reference)" \
	"$(median $rps_ratios)" "$(ratio "$api_p50" "$th_p50" %.2f)" \
	"$(ratio "$api_p99" "$th_p99" %.2f)"
printf '  (target >= 1.0; medians of %s rounds in turns; ratios by round: %s)\n' \
	"${ROUNDS:-3}" "$rps_ratios"
printf '%-34s %10s %9s\n' "CPU us per request, whole machine" "$api_cpu" "ours"
printf '%-34s %10s %9s\n' "" "$th_cpu" "thin"
printf '%-34s %10s\n' "  thin / ours (> 1: ours cheaper)" "$(median $cpu_ratios)"
printf '%-34s %10s %9s %9s\n' "GET /api/charging/sessions, 50" "$cs_rps" "$cs_p50" "$cs_p99"
printf '  (a page of 50 of %s sessions)\n' "$sessions"
bench_setting wrk "-t$THREADS -c$CONNECTIONS -d$DURATION, ${ROUNDS:-3} rounds"
bench_setting tessie_workers "$TESSIE_WORKERS"
bench_figure "state: ours, req/s" "$api_rps" req/s
bench_figure "state: ours, p99" "$api_p99" ms
bench_figure "state: thin reference, req/s" "$th_rps" req/s
bench_figure "state: ours / thin, req/s (median by round)" "$(median $rps_ratios)" x ">= 1.0"
bench_figure "state: ours / nginx static file, req/s" "$(ratio "$api_rps" "$st_rps" %.3f)" x
bench_figure "state: CPU per request, ours" "$api_cpu" us
bench_figure "state: CPU per request, thin" "$th_cpu" us
bench_figure "state: CPU per request, thin / ours" "$(median $cpu_ratios)" x
bench_figure "charging sessions, page of 50: req/s" "$cs_rps" req/s
bench_figure "charging sessions, page of 50: p99" "$cs_p99" ms

# The vehicles job against the simulator: 500 online cars answering after
# 300 ms each, at most 64 requests in flight.
test_stack_sim sim-bench "$BUILD/tessie-sim" -p 0 -v 500 -L 300 -S 7 || exit 1
export TESSIE_FLEET_MAX_INFLIGHT=64
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
sync_s=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")
sync_mb=$(awk -v kb="$rss" 'BEGIN { if (kb ~ /^[0-9]+$/) printf "%.1f", kb / 1024; else print "ERR" }')
printf '%-34s %10s\n' "wall time (s)" "$sync_s"
printf '%-34s %10s\n' "vehicle states stored" "$ok"
printf '%-34s %10s\n' "items failed" "$failed"
printf '%-34s %10s\n' "Fleet API calls" "$calls"
printf '%-34s %10s\n' "peak RSS of the job (MB)" "$sync_mb"
# Issue 3: 500 vehicles stored in under 5 s of wall time, at most 64
# requests in flight (TESSIE_FLEET_MAX_INFLIGHT above), under 64 MB.
bench_setting sync "500 cars, 300 ms latency, TESSIE_FLEET_MAX_INFLIGHT=64"
bench_figure "sync 500 cars: wall time" "$sync_s" s "< 5"
bench_figure "sync 500 cars: vehicle states stored" "$ok" count ">= 500"
bench_figure "sync 500 cars: items failed" "$failed" count
bench_figure "sync 500 cars: Fleet API calls" "$calls" count
bench_figure "sync 500 cars: peak RSS of the job" "$sync_mb" MB "< 64"

# GET /api/vehicles/:id/history, 500 points over the last day, week and
# year of the seeded states (which end today 00:00 UTC): ours (rollups)
# against the plain date_bin + avg over the raw rows (thin.c) at 64
# connections, and ours at 8.  wrk waits up to 30 s for an answer.
hend=$(date -u +%Y-%m-%dT00:00:00Z)
printf '\nhistory: 500 points (wrk -t%s -d%s; ref = raw date_bin + avg, thin.c)\n\n' \
	"$THREADS" "$DURATION"
printf '%-26s %10s %9s %9s %9s\n' "" "req/s" "p50 ms" "p99 ms" "bytes"
for span in day week year; do
	case $span in
	day) days=1 ;;
	week) days=7 ;;
	year) days=365 ;;
	esac
	hfrom=$(date -u -d "$hend - $days days" +%Y-%m-%dT%H:%M:%SZ)
	q="from=$hfrom&to=$hend&points=500"
	url="$TEST_BASE_URL/api/vehicles/$vid/history?$q"
	ref="http://127.0.0.1:$thin_port/api/vehicles/$vid/history?$q"
	hbytes=$(curl -sf -H "Authorization: Bearer $token" "$url" | wc -c)
	rbytes=$(curl -sf -H "Authorization: Bearer $token" "$ref" | wc -c)
	read -r o_rps o_p50 o_p99 _ < <(MC=64 measure -H "Authorization: Bearer $token" "$url")
	read -r r_rps r_p50 r_p99 _ < <(MC=64 measure -H "Authorization: Bearer $token" "$ref")
	read -r e_rps e_p50 e_p99 _ < <(MC=8 measure -H "Authorization: Bearer $token" "$url")
	printf '%-26s %10s %9s %9s %9s\n' "a $span, ours, -c64" "$o_rps" "$o_p50" "$o_p99" "$hbytes"
	printf '%-26s %10s %9s %9s %9s\n' "a $span, ref, -c64" "$r_rps" "$r_p50" "$r_p99" "$rbytes"
	printf '%-26s %10s %9s %9s\n' "a $span, ours / ref" \
		"$(ratio "$o_rps" "$r_rps" %.1fx)" "$(ratio "$o_p50" "$r_p50" %.3f)" \
		"$(ratio "$o_p99" "$r_p99" %.3f)"
	printf '%-26s %10s %9s %9s\n' "a $span, ours, -c8" "$e_rps" "$e_p50" "$e_p99"
	# Issue 4: ours 3x or better than the raw reference at 64
	# connections, and p99 under 50 ms at 8.
	bench_figure "history a $span: ours, -c64, req/s" "$o_rps" req/s
	bench_figure "history a $span: raw reference, -c64, req/s" "$r_rps" req/s
	bench_figure "history a $span: ours / reference, -c64" "$(ratio "$o_rps" "$r_rps" %.2f)" x ">= 3"
	bench_figure "history a $span: ours, -c8, p99" "$e_p99" ms "< 50"
done

# Memory of the long-lived processes after all that load (issue 7): the
# reference is stopped first so that its PostgreSQL connections are not
# counted as ours.  The figure per kind is the sum of Pss_Anon + Pss_Shmem
# (/proc/PID/smaps_rollup, bench_procs): the pages shared after fork and
# PostgreSQL's shared buffers split among the processes that share them,
# so the kinds add up to what the stack itself holds (VmRSS would count
# shared_buffers once per backend), and without the binaries' and
# libraries' file pages, whose share moves with whatever else runs the
# same files on the machine.  VmRSS and Pss are printed per process.
kill -TERM "$thin_nginx_pid" "$thin_pid" 2>/dev/null || true
wait "$thin_nginx_pid" "$thin_pid" 2>/dev/null || true
for _ in $(seq 1 100); do
	[ "$(stack_psql -c "SELECT count(*) FROM pg_stat_activity
		WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")" \
		-le "$TESSIE_WORKERS" ] && break
	sleep 0.05
done
bench_procs >"$STACK_DIR/procs"
printf '\nmemory after the load (kB; Pss: shared pages split among their sharers;\n'
printf 'own: Pss_Anon + Pss_Shmem, the part that is not file pages)\n\n'
printf '%-14s %8s %10s %10s %10s  %s\n' kind pid VmRSS Pss own process
sort -k1,1 -k2n "$STACK_DIR/procs" |
	awk '{ printf "%-14s %8s %10s %10s %10s  %s\n", $1, $2, $3, $4, $5, $6 }'
bench_setting processes "$(awk '{ n[$1]++ } END { for (k in n) printf "%s%s %d", s++ ? ", " : "", k, n[k] }' "$STACK_DIR/procs")"
for kind in nginx-master nginx-worker api-master api-worker pg-postmaster pg-backend pg-aux stack; do
	# own when every one of the kind could be read, else VmRSS (said so).
	read -r mb what < <(awk -v k="$kind" '
		k == "stack" || $1 == k { rss += $3; if ($5 == "-") bad = 1; else own += $5 }
		END { if (bad) printf "%.1f VmRSS\n", rss / 1024
		      else printf "%.1f Pss_anon+shmem\n", own / 1024 }' "$STACK_DIR/procs")
	bench_figure "memory after the load: $kind, $what sum" "$mb" MB
done
