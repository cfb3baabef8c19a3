#!/usr/bin/env bash
# Starts a throwaway stack (PostgreSQL with fsync off on a private socket,
# tessie-api, nginx on a free loopback port), loads fixtures.sql, runs every
# integration test binary of BUILD against it, and stops everything by PID,
# also when a test fails.
#
#	tests/integration/run.sh BUILD	(IT_ONLY=api: test_it_api alone;
#					 IT_SECRETS=1: its secrets check too)
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
. tests/stack-up.sh

# The web root: index.html, an asset, and decoys that must never be served
# (test_it_security): a .git folder, a dotfile, a folder to list.
www=$(mktemp -d /tmp/tessie-www.XXXXXX)
chmod 0755 "$www"
echo '<!doctype html><title>t</title>' >"$www/index.html"
mkdir -p "$www/.git" "$www/assets/listme"
echo '[core] decoy-git-config' >"$www/.git/config"
echo 'DECOY_SECRET=1' >"$www/.env"
echo 'console.log(1)' >"$www/assets/app.js"
echo 'decoy' >"$www/assets/listme/x.txt"
chmod -R a+rX "$www"
export TEST_WWW=$www
NGINX_LOGIN_BURST=100 NGINX_API_RATE=10000r/s test_stack_up "$BUILD" "$www" \
	tests/integration/fixtures.sql
trap 'test_stack_cleanup; rm -rf "$www"' EXIT

# Small scripts the C tests call to act on the stack.
pgrun=
[ "$(id -u)" -eq 0 ] && pgrun="runuser -u postgres --"
cat >"$STACK_DIR/pg-stop.sh" <<SH
#!/bin/sh
cd / && exec $pgrun "$PGBIN/pg_ctl" -D "$STACK_DIR/pg/data" -m fast -w stop >/dev/null
SH
cat >"$STACK_DIR/pg-kill.sh" <<SH
#!/bin/sh
cd / && exec $pgrun "$PGBIN/pg_ctl" -D "$STACK_DIR/pg/data" -m immediate -w stop >/dev/null
SH
cat >"$STACK_DIR/pg-start.sh" <<SH
#!/bin/sh
cd / && exec $pgrun "$PGBIN/pg_ctl" -D "$STACK_DIR/pg/data" -l "$STACK_DIR/pg/postgres.log" -w -o "-c listen_addresses='' -c unix_socket_directories='$STACK_DIR/pg/sock' -c unix_socket_permissions=0700 -c log_error_verbosity=terse -c fsync=off" start >/dev/null
SH
cat >"$STACK_DIR/psql.sh" <<SH
#!/bin/sh
cd / && exec $pgrun "$PGBIN/psql" -h "$STACK_DIR/pg/sock" -U tessie -d tessie -v ON_ERROR_STOP=1 -qtA "\$@"
SH
chmod +x "$STACK_DIR"/*.sh
# The Fleet API simulator with a fixed seed, on our clock (its samples must
# not be ahead of it); tests move its clock where they need a given day.
# 16 days of history hold the last complete trip weekend (test_it_scenarios).
test_stack_sim sim "$BUILD/tessie-sim" -p 0 -S 42 -H 16 -A sim-test-token || exit 1
# tessie-api again, now that it can reach the simulator (wake, Tesla login).
kill -TERM "$API_PID"
while kill -0 "$API_PID" 2>/dev/null; do sleep 0.05; done
stack_api_start "$BUILD"
export TEST_STACK_DIR=$STACK_DIR TEST_API_PID=$API_PID TEST_BUILD_DIR=$BUILD

rc=0
for t in "$BUILD"/tests/test_it_${IT_ONLY:-*}; do
	[ -x "$t" ] || continue
	# A test may stop tessie-api on purpose (SIGTERM); start another.
	if ! kill -0 "$API_PID" 2>/dev/null; then
		stack_api_start "$BUILD"
		export TEST_API_PID=$API_PID
	fi
	echo "# $(basename "$t")"
	"$t" || rc=1
done
if ! kill -0 "$API_PID" 2>/dev/null; then
	stack_api_start "$BUILD"
fi
echo "# openapi"
node tests/integration/openapi.mjs || rc=1
# What the run left in the logs and the database: no secret (whole runs).
if [ -z "${IT_ONLY:-}" ] || [ -n "${IT_SECRETS:-}" ]; then
	echo "# secrets"
	PGBIN=$PGBIN tests/integration/secrets.sh || rc=1
	echo "# backup and restore"
	TOP=$TOP PGBIN=$PGBIN tests/integration/backup.sh "$BUILD" || rc=1
	echo "# faults under load"
	TOP=$TOP PGBIN=$PGBIN tests/integration/faults.sh || rc=1
fi
# A sanitizer report in a worker fails the run even if every answer was right.
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$STACK_DIR/api.log"; then
	echo "not ok - sanitizer report in tessie-api's log:"
	grep -E -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$STACK_DIR/api.log" | head -60 | sed 's/^/#   /'
	rc=1
fi
if [ "$rc" -ne 0 ]; then
	echo "# tessie-api log (last 30 lines):"
	tail -n 30 "$STACK_DIR/api.log" | sed 's/^/#   /'
fi
exit $rc
