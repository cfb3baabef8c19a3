#!/usr/bin/env bash
# Memcheck over a plain (non-sanitizer) build: every C unit test, then a
# throwaway stack with tessie-api (master and each worker) and the Fleet
# API simulator under valgrind, a short mix of real requests, one run of
# each job of `tessie-sync list` and a `tessie-admin backup`.  One TAP line
# per process: not ok on a definite leak or on any memcheck error (invalid
# read or write, uninitialised value, bad free), with valgrind's records
# as # lines.
#
#	tests/valgrind.sh BUILD		(KEEP_STACK=1: keep stack and logs)
#
# Only "definitely lost" fails.  "Indirectly lost" blocks hang off a
# definitely lost one (or a cycle, of which valgrind calls one block
# definitely lost), so they never come alone and their record is the
# definite one; "possibly lost" and "still reachable" are what libcurl,
# OpenSSL and libpq keep for the life of the process.
set -uo pipefail
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1

if ! command -v valgrind >/dev/null 2>&1; then
	echo "not ok - valgrind: not installed (make deps)"
	exit 1
fi
if ldd "$BUILD/tessie-api" 2>/dev/null | grep -q 'lib[at]san'; then
	echo "not ok - valgrind: $BUILD is a sanitizer build; give it a plain one"
	exit 1
fi
# --child-silent-after-fork=no: tessie-api's workers are forked, not
# exec'd; each writes its own log (%p) with its own leak summary.
VG=(valgrind --leak-check=full --show-leak-kinds=definite
	--errors-for-leak-kinds=definite --error-exitcode=99 --num-callers=30
	--child-silent-after-fork=no)
vgdir=$(mktemp -d /tmp/tessie-valgrind.XXXXXX)
chmod 0755 "$vgdir"
trap 'rm -rf "$vgdir"' EXIT
rc=0

# vg_check NAME LOG: the TAP line for one valgrind log.
vg_check() {
	local name=$1 log=$2 errs lost
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) error.*/\1/p' "$log" |
		tail -n 1 | tr -d ,)
	# "All heap blocks were freed" comes without a leak summary.
	lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" |
		tail -n 1 | tr -d ,)
	if [ -n "$errs" ] && [ "$errs" -eq 0 ] && [ "${lost:-0}" -eq 0 ]; then
		echo "ok - valgrind: $name"
		return 0
	fi
	if [ -z "$errs" ]; then
		echo "not ok - valgrind: $name: no error summary (killed?)"
	else
		echo "not ok - valgrind: $name: $errs errors, ${lost:-0} bytes definitely lost"
	fi
	# The records: paragraphs with a stack (errors, then leaks).
	sed 's/^==[0-9]*== \{0,1\}//' "$log" |
		awk 'BEGIN { RS = "" } / (at|by) 0x/ { print; print "" }' |
		head -n 80 | sed 's/^/#   /'
	rc=1
	return 1
}

# 1. The unit tests.  Their own TAP lines go to a log: tests/run.sh counts
# them already.
units=0
for t in "$BUILD"/tests/test_*; do
	name=$(basename "$t")
	case $name in test_it_*) continue ;; esac
	[ -x "$t" ] || continue
	units=$((units + 1))
	"${VG[@]}" --log-file="$vgdir/$name.vg" "$t" >"$vgdir/$name.out" 2>&1
	st=$?
	if vg_check "$name" "$vgdir/$name.vg" && [ "$st" -ne 0 ]; then
		echo "not ok - valgrind: $name exited with status $st"
		grep '^not ok' "$vgdir/$name.out" | head -n 20 | sed 's/^/#   /'
		rc=1
	fi
done

if [ "$units" -eq 0 ]; then
	echo "not ok - valgrind: no unit test in $BUILD/tests (make tests)"
	rc=1
fi

# 2. A stack: PostgreSQL, tessie-api, nginx; then the simulator, as
# tests/integration/run.sh starts them, and tessie-api again, under
# valgrind, with two workers (each a valgrind of its own).
. tests/stack-up.sh
www=$(mktemp -d /tmp/tessie-www.XXXXXX)
chmod 0755 "$www"
echo '<!doctype html><title>t</title>' >"$www/index.html"
TESSIE_WORKERS=2 NGINX_LOGIN_BURST=100 NGINX_API_RATE=10000r/s \
	test_stack_up "$BUILD" "$www" || {
	echo "not ok - valgrind: the stack did not start"
	rm -rf "$www" "$vgdir"
	exit 1
}
trap 'test_stack_cleanup; rm -rf "$www"; [ "${KEEP_STACK:-}" = 1 ] || rm -rf "$vgdir"' EXIT
[ "${KEEP_STACK:-}" = 1 ] && echo "# valgrind logs in $vgdir"

test_stack_sim sim setsid "${VG[@]}" --log-file="$vgdir/tessie-sim.vg" \
	"$BUILD/tessie-sim" -p 0 -S 42 -H 3 -A sim-test-token || exit 1
SIM=$TEST_SIM_URL
if ! test_stack_api_under "$BUILD" "${VG[@]}" --trace-children=yes \
	--log-file="$vgdir/tessie-api.%p.vg"; then
	echo "not ok - valgrind: tessie-api did not start under valgrind"
	exit 1
fi

# req WANT METHOD PATH [BODY]: one request through nginx as $TOKEN; the
# body in $vgdir/body, a # line when the status is not WANT.
bad=0
req() {
	local want=$1 method=$2 path=$3 body=${4:-} got
	local args=(-s -o "$vgdir/body" -w '%{http_code}' -X "$method" -m 60)
	[ -n "${TOKEN:-}" ] && args+=(-H "Authorization: Bearer $TOKEN")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
	got=$(curl "${args[@]}" "$TEST_BASE_URL$path")
	if [ "$got" != "$want" ]; then
		echo "#   $method $path: HTTP $got, wanted $want"
		bad=$((bad + 1))
	fi
}
# The first "id" of the last answer.
first_id() {
	grep -o '"id" *: *"\{0,1\}[^",}]*' "$vgdir/body" | head -n 1 |
		sed 's/^"id" *: *"\{0,1\}//'
}

TOKEN=
req 200 GET /api/health
req 401 POST /api/auth/login '{"password":"not-the-password"}'
req 400 POST /api/auth/login '{"password":'
req 200 POST /api/auth/login "{\"password\":\"$TESSIE_ADMIN_PASSWORD\"}"
TOKEN=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$vgdir/body")
req 201 POST /api/auth/token '{"refresh_token":"sim-refresh-token-0"}'
req 200 GET /api/auth/status
req 200 GET /api/auth/tesla/start

# 3. Data for the jobs to work on: plain runs of the vehicles job over a
# simulated morning, five hours from the latest weekday 06:00 in Berlin
# that is past, so that analytics finds drives and charging.
for i in 0 1 2 3 4; do
	t=$(TZ=Europe/Berlin date -d "$(TZ=Europe/Berlin date -d "-$i days" +%F) 06:00" +%s)
	[ "$(TZ=Europe/Berlin date -d "@$t" +%u)" -le 5 ] && [ "$t" -le "$(date +%s)" ] && break
done
t0=$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)
curl -s -o /dev/null -d "{\"set\":\"$t0\"}" "$SIM/sim/clock"
for _ in $(seq 1 20); do
	curl -s -o /dev/null -d '{"advance_s":900}' "$SIM/sim/clock"
	"$BUILD/tessie-sync" vehicles >>"$STACK_DIR/sync.log" 2>&1
done

# 4. Each job once under valgrind; the first after every access token
# expired (a refresh), with a car online and its numbers sent as strings
# (parse warnings).
car=$(curl -s "$SIM/sim/state" | grep -o '"vin" *: *"[^"]*"' | head -n 1 |
	sed 's/.*"\([^"]*\)"$/\1/')
curl -s -o /dev/null -d "{\"vehicle\":\"$car\",\"state\":\"online\"}" \
	"$SIM/sim/state"
curl -s -o /dev/null -X POST "$SIM/sim/expire-token"
curl -s -o /dev/null -d '{"path":"vehicle_data","kind":"wrong_types","count":1}' \
	"$SIM/sim/faults"
for job in $("$BUILD/tessie-sync" list | awk '{ print $1 }'); do
	"${VG[@]}" --log-file="$vgdir/sync-$job.vg" "$BUILD/tessie-sync" "$job" \
		>"$vgdir/sync-$job.out" 2>&1
	st=$?
	if vg_check "tessie-sync $job" "$vgdir/sync-$job.vg" && [ "$st" -ne 0 ]; then
		echo "not ok - valgrind: tessie-sync $job exited with status $st"
		tail -n 10 "$vgdir/sync-$job.out" | sed 's/^/#   /'
		rc=1
	fi
done

# 5. The rest of the request mix: reads of what the jobs stored, writes.
echo "# stored: $(stack_psql -c "SELECT (SELECT count(*) FROM vehicle_states)
	|| ' states, ' || (SELECT count(*) FROM drives) || ' drives, ' ||
	(SELECT count(*) FROM charging_sessions) || ' charging sessions'")"
req 200 GET /api/vehicles
vid=$(first_id)
req 200 GET "/api/vehicles/$vid"
req 200 GET "/api/vehicles/$vid/state"
req 200 GET "/api/vehicles/$vid/history?from=$t0"
req 404 GET /api/vehicles/00000000-0000-4000-8000-000000000000
req 202 POST "/api/vehicles/$vid/wake"
req 200 GET /api/drives
did=$(first_id)
[ -n "$did" ] && req 200 GET "/api/drives/$did"
req 200 GET /api/charging/sessions
req 200 GET /api/charging/stats
req 200 GET /api/energy/sites
sid=$(first_id)
req 200 GET "/api/energy/sites/$sid/live"
req 200 GET "/api/energy/sites/$sid/history"
req 200 GET /api/energy/household
req 200 GET /api/energy/household/history
req 200 GET /api/energy/solar/stats
req 200 GET /api/sync/status
req 202 POST /api/sync/trigger '{"job":"rollup"}'
# Writes, and bodies and paths the handlers refuse.
req 201 POST /api/drivers '{"name":"Alex"}'
drv=$(first_id)
req 201 POST "/api/drivers/$drv/rules" '{"name":"Weekday commute",
	"weekdays":[1,2,3,4,5],"start_time":"07:00","end_time":"09:30",
	"priority":10,"enabled":true}'
req 200 POST /api/drives/attribute "{\"from\":\"$t0\",\"to\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}"
req 200 GET "/api/drivers/$drv/stats"
req 400 POST /api/drivers '{"name":"Alex","age":3}'
req 200 PUT /api/settings '{"units":"imperial"}'
req 200 GET "/api/vehicles?units=imperial"
req 201 POST /api/places '{"name":"Home","latitude":52.52,"longitude":13.405,
	"radius_m":150}'
place=$(first_id)
req 200 PUT "/api/places/$place" '{"name":"Office","latitude":48.137,
	"longitude":11.575,"radius_m":80}'
req 400 POST /api/places '{"name":"Nowhere","latitude":91,"longitude":0}'
req 201 POST /api/tariffs '{"name":"Night saver","currency":"EUR","kind":"tou",
	"content":{"periods":[{"days":[1,2,3,4,5],"from":"00:00","to":"06:00",
	"per_kwh":0.18}],"default_per_kwh":0.32}}'
tariff=$(first_id)
req 204 DELETE "/api/tariffs/$tariff"
req 204 DELETE "/api/places/$place"
req 400 GET "/api/vehicles/$vid/history?from=yesterday"
req 404 GET /api/no-such-route
TOKEN=expired.not-a.jwt
req 401 GET /api/vehicles
if [ "$bad" -eq 0 ]; then
	echo "ok - valgrind: the request mix answered as expected"
else
	echo "not ok - valgrind: $bad requests answered otherwise"
	rc=1
fi

# 6. A backup of the stack's database (pg_dump is not followed).
"${VG[@]}" --log-file="$vgdir/admin-backup.vg" "$BUILD/tessie-admin" \
	backup "$STACK_DIR/backup" >"$vgdir/admin-backup.out" 2>&1
st=$?
if vg_check "tessie-admin backup" "$vgdir/admin-backup.vg" && [ "$st" -ne 0 ]; then
	echo "not ok - valgrind: tessie-admin backup exited with status $st"
	tail -n 10 "$vgdir/admin-backup.out" | sed 's/^/#   /'
	rc=1
fi

# 7. SIGTERM: the workers finish, then the master; each writes its leak
# summary on the way out.  Then the simulator.
for pid in "$API_PID" "$SIM_PID"; do
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 600); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
done
n=0
for log in "$vgdir"/tessie-api.*.vg; do
	[ -f "$log" ] || continue
	pid=${log%.vg}
	pid=${pid##*.}
	n=$((n + 1))
	if grep -q "Parent PID: $API_PID\$" "$log"; then
		vg_check "tessie-api worker $pid" "$log"
	else
		vg_check "tessie-api master" "$log"
	fi
done
if [ "$n" -lt 3 ]; then
	echo "not ok - valgrind: $n tessie-api logs, wanted the master's and two workers'"
	rc=1
fi
vg_check "tessie-sim" "$vgdir/tessie-sim.vg"
exit $rc
