#!/usr/bin/env bash
# Faults under load, at the end of the integration run, on its stack: wrk
# keeps 32 connections busy on a mix of read endpoints while
#   1. PostgreSQL stops for three seconds and starts again: every answer is
#      200 or a JSON 503, the outage is seen, tessie-api recovers without a
#      restart, with its workers and no more database connections than
#      workers;
#   2. two workers are killed with SIGKILL: the master starts others, and
#      the requests that fail are few (counted, at most those in flight);
#   3. nginx reloads its configuration: not one request fails.
# The answers are counted by status from nginx's access log.  TAP lines.
#
#	tests/integration/faults.sh	(the stack's environment, TEST_API_PID)
set -uo pipefail
. "$TOP/deploy/stack.sh"
PG_DIR=$STACK_DIR/pg

n=0
fail=0
is() { # is NAME STATUS-OF-A-CONDITION
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then echo "ok $n - $1"; else
		echo "not ok $n - $1"
		fail=1
	fi
}

# Out of the way: the API's request rate limit (the load is one address).
sed -i -E 's/(zone=api:10m rate=)[^;]*;/\11000000r\/s;/; s/(zone=api burst=)[0-9]+/\1100000/' \
	"$STACK_DIR/nginx.conf"
kill -HUP "$(awk '$1 == "nginx" { print $2 }' "$STACK_DIR/pids" | tail -1)"
sleep 1

token=$(curl -sf -H 'Content-Type: application/json' \
	-d "{\"password\":\"$TESSIE_ADMIN_PASSWORD\"}" \
	"$TEST_BASE_URL/api/auth/login" | sed 's/.*"token":"\([^"]*\)".*/\1/')
vid=$(stack_psql -c "SELECT id FROM vehicles ORDER BY id LIMIT 1")
cat >"$STACK_DIR/faults.lua" <<LUA
local paths = { "/api/vehicles", "/api/vehicles/$vid/state", "/api/drives?limit=20",
  "/api/charging/sessions?limit=20", "/api/settings", "/api/energy/household" }
local i = 0
local close = os.getenv("FAULTS_CLOSE")
request = function()
  i = i % #paths + 1
  local h = { ["Authorization"] = "Bearer $token" }
  if close then h["Connection"] = "close" end
  return wrk.format("GET", paths[i], h)
end
LUA
log=$STACK_DIR/nginx-access.log
api=${TEST_API_PID:-$API_PID}

# load SECONDS: wrk in the background; its output in $STACK_DIR/wrk.out.
load() {
	: >"$STACK_DIR/wrk.out"
	wrk -t2 -c32 -d"$1"s --timeout 10s -s "$STACK_DIR/faults.lua" "$TEST_BASE_URL" \
		>"$STACK_DIR/wrk.out" 2>&1 &
	wrk_pid=$!
}
# statuses FROM-LINE: "count status" lines of the access log after a line.
statuses() {
	sleep 1.5 # nginx writes its log every second
	tail -n +"$1" "$log" | awk '{ for (i = 1; i < NF; i++)
		if ($i ~ /HTTP\/1\.[01]"$/) { print $(i + 1); break } }' |
		sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }'
}
count() { # the number of answers with status $1 in $2 (statuses' output)
	local v
	v=$(grep -o "\b$1:[0-9]*" <<<"$2" | cut -d: -f2 | head -1)
	echo "${v:-0}"
}
others() { # statuses other than the ones given
	local s=$1
	shift
	for k in "$@"; do s=$(sed "s/\\b$k:[0-9]* //" <<<"$s"); done
	echo "$s" | tr -d ' '
}
workers() { pgrep -P "$api" | sort; }
api_conns() {
	stack_psql -c "SELECT count(*) FROM pg_stat_activity WHERE datname = 'tessie' AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
}

# 1. PostgreSQL restarted under load.
before=$(workers)
from=$(($(wc -l <"$log") + 1))
load 12
sleep 3
"$STACK_DIR/pg-stop.sh"
sleep 3
"$STACK_DIR/pg-start.sh"
wait "$wrk_pid"
s=$(statuses "$from")
echo "# PostgreSQL restart under load: $s"
[ -z "$(others "$s" 200 503 499)" ]
is "database restart: every answer 200 or 503" $?
[ "$(count 503 "$s")" -gt 0 ]
is "database restart: the outage was answered 503" $?
body=$(curl -s -H "Authorization: Bearer $token" "$TEST_BASE_URL/api/vehicles")
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$TEST_BASE_URL/api/vehicles")" = 200 ] &&
	[ -n "$body" ]
is "database restart: answers 200 again, tessie-api not restarted" $?
kill -0 "$api" && [ "$(workers)" = "$before" ]
is "database restart: the same master and workers" $?
conns=$(api_conns)
[ "$conns" -le "${TESSIE_WORKERS:-3}" ]
is "database restart: $conns database connections for ${TESSIE_WORKERS:-3} workers" $?
# The 503s during the outage were JSON (one asked for while it is down).
"$STACK_DIR/pg-stop.sh"
j=$(curl -s -H "Authorization: Bearer $token" "$TEST_BASE_URL/api/vehicles")
"$STACK_DIR/pg-start.sh"
grep -q '"error"' <<<"$j"
is "database restart: a 503 is a JSON error" $?

# 2. Workers killed with SIGKILL under load.
sleep 1
before=$(workers)
from=$(($(wc -l <"$log") + 1))
load 8
sleep 3
kill -9 $(echo "$before" | head -2)
wait "$wrk_pid"
s=$(statuses "$from")
echo "# two workers killed under load: $s"
after=$(workers)
[ "$(echo "$after" | wc -l)" -eq "$(echo "$before" | wc -l)" ] &&
	[ "$(comm -12 <(echo "$before") <(echo "$after") | wc -l)" -eq $(($(echo "$before" | wc -l) - 2)) ]
is "workers killed: two new ones in their place" $?
bad=$(($(count 502 "$s") + $(count 503 "$s")))
[ -z "$(others "$s" 200 502 503 499)" ] && [ "$bad" -le 2 ]
is "workers killed: $bad failed requests (at most the 2 in flight)" $?

# 3. nginx reloaded under load.  A connection each request: an old worker
# closes its idle keep-alive connections, and a request sent on one at
# that instant is the client's to retry (HTTP/1.1 9.3.1).  Every request
# nginx read must be answered 200; an old worker also closes a connection
# it accepted but whose request had not arrived yet (nothing read, nothing
# answered: a client retries it), which wrk counts as a read error -- at
# most 2 of some 40,000 are let by, and counted.
sleep 1
from=$(($(wc -l <"$log") + 1))
FAULTS_CLOSE=1 load 8
sleep 3
kill -HUP "$(awk '$1 == "nginx" { print $2 }' "$STACK_DIR/pids" | tail -1)"
wait "$wrk_pid"
s=$(statuses "$from")
echo "# nginx reload under load: $s"
grep -E "Socket|Non-2xx|requests in" "$STACK_DIR/wrk.out" | sed "s/^/#   wrk: /"
rd=$(sed -n 's/.*Socket errors: connect 0, read \([0-9]*\), write 0, timeout 0.*/\1/p' "$STACK_DIR/wrk.out")
[ -z "$(others "$s" 200 499)" ] && ! grep -q "Non-2xx" "$STACK_DIR/wrk.out" &&
	{ ! grep -q "Socket errors" "$STACK_DIR/wrk.out" || [ "${rd:-99}" -le 2 ]; }
is "nginx reload: every request read answered 200 (${rd:-0} closed unread)" $?
exit $fail
