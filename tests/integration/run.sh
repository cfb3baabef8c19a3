#!/usr/bin/env bash
# Starts a throwaway stack (PostgreSQL with fsync off on a private socket,
# tessie-api, nginx on a free loopback port), loads fixtures, runs every
# integration test binary of BUILD against it, and stops everything by PID,
# also when a test fails.
#
#	tests/integration/run.sh BUILD
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
. deploy/stack.sh

STACK_DIR=$(mktemp -d /tmp/tessie-it.XXXXXX)
chmod 0755 "$STACK_DIR"
export STACK_DIR
cleanup() {
	stack_stop
	if [ "${KEEP_STACK:-}" = 1 ]; then
		echo "# stack kept in $STACK_DIR" >&2
	else
		rm -rf "$STACK_DIR"
	fi
}
trap cleanup EXIT

export JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export TESSIE_ADMIN_PASSWORD=it-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')
export TESSIE_WORKERS=3 TESSIE_LOGIN_MAX_FAILURES=5 TESSIE_LOGIN_WINDOW=900
export TESSIE_LOG_LEVEL=${TESSIE_LOG_LEVEL:-warn}
unset TESSIE_ENV_FILE

stack_pg_start "$STACK_DIR/pg" -c fsync=off -c synchronous_commit=off -c full_page_writes=off
"$BUILD/tessie-admin" migrate -d sql >/dev/null
"$BUILD/tessie-admin" set-password >/dev/null
stack_psql -f tests/integration/fixtures.sql >/dev/null

mkdir -p "$STACK_DIR/www"
echo '<!doctype html><title>t</title>' >"$STACK_DIR/www/index.html"
stack_api_start "$BUILD"
PORT=$(free_port)
NGINX_LOGIN_BURST=100 stack_nginx_start "$PORT" "$STACK_DIR/www" 600r/m

# Small scripts the C tests call to act on the stack.
cat >"$STACK_DIR/pg-stop.sh" <<SH
#!/bin/sh
exec $( [ "$(id -u)" -eq 0 ] && echo "runuser -u postgres --") "$PGBIN/pg_ctl" -D "$STACK_DIR/pg/data" -m fast -w stop >/dev/null
SH
cat >"$STACK_DIR/pg-start.sh" <<SH
#!/bin/sh
exec $( [ "$(id -u)" -eq 0 ] && echo "runuser -u postgres --") "$PGBIN/pg_ctl" -D "$STACK_DIR/pg/data" -l "$STACK_DIR/pg/postgres.log" -w -o "-c listen_addresses='' -c unix_socket_directories='$STACK_DIR/pg/sock' -c unix_socket_permissions=0700 -c fsync=off" start >/dev/null
SH
cat >"$STACK_DIR/psql.sh" <<SH
#!/bin/sh
exec $( [ "$(id -u)" -eq 0 ] && echo "runuser -u postgres --") "$PGBIN/psql" -h "$STACK_DIR/pg/sock" -U tessie -d tessie -v ON_ERROR_STOP=1 -qtA "\$@"
SH
chmod +x "$STACK_DIR"/*.sh

export TEST_BASE_URL=http://127.0.0.1:$PORT
export TEST_STACK_DIR=$STACK_DIR
export TEST_API_PID=$API_PID
export TEST_API_BIN=$BUILD/tessie-api

rc=0
for t in "$BUILD"/tests/test_it_*; do
	[ -x "$t" ] || continue
	echo "# $(basename "$t")"
	"$t" || rc=1
done
if [ "$rc" -ne 0 ]; then
	echo "# tessie-api log (last 30 lines):"
	tail -n 30 "$STACK_DIR/api.log" | sed 's/^/#   /'
fi
exit $rc
