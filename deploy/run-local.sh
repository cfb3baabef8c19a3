#!/usr/bin/env bash
# The whole service on this machine, in the foreground until Ctrl-C:
# PostgreSQL (data in var/pg, kept between runs), migrations, tessie-api and
# nginx on http://127.0.0.1:${TESSIE_HTTP_PORT:-8080}.  Called by `make run`
# after the build.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
BUILD=${BUILD:-build}
. deploy/stack.sh

VAR=$TOP/var
mkdir -p "$VAR"
chmod 0755 "$VAR"
STACK_DIR=$VAR/run
export STACK_DIR

if [ -f "$STACK_DIR/pids" ]; then
	while read -r name pid; do
		if [ "$name" != pg ] && kill -0 "$pid" 2>/dev/null; then
			echo "make run: an earlier 'make run' is still running (pid $pid); stop it first" >&2
			exit 1
		fi
	done <"$STACK_DIR/pids"
fi
rm -rf "$STACK_DIR"
mkdir -p "$STACK_DIR"
chmod 0755 "$STACK_DIR"

# The user's own settings: $TESSIE_ENV_FILE, else ./tessie.env if present.
if [ -z "${TESSIE_ENV_FILE:-}" ] && [ -f "$TOP/tessie.env" ]; then
	export TESSIE_ENV_FILE=$TOP/tessie.env
fi
in_env_file() {
	[ -n "${TESSIE_ENV_FILE:-}" ] &&
		grep -Eq "^[[:space:]]*(export[[:space:]]+)?$1=" "$TESSIE_ENV_FILE"
}

# Secrets generated once and kept in var/secrets.env (mode 0600).
umask 077
if [ ! -s "$VAR/secrets.env" ]; then
	"$BUILD/tessie-admin" gen-secrets >"$VAR/secrets.env"
fi
for name in JWT_SECRET ENCRYPTION_KEY; do
	if [ -z "${!name:-}" ] && ! in_env_file "$name"; then
		export "$name=$(sed -n "s/^$name=//p" "$VAR/secrets.env")"
	fi
done
# The login password: TESSIE_ADMIN_PASSWORD, else one generated once.
if [ -z "${TESSIE_ADMIN_PASSWORD:-}" ] && ! in_env_file TESSIE_ADMIN_PASSWORD; then
	[ -s "$VAR/admin-password" ] || "$BUILD/tessie-admin" gen-password >"$VAR/admin-password"
	export TESSIE_ADMIN_PASSWORD=$(cat "$VAR/admin-password")
fi
umask 022
PORT=${TESSIE_HTTP_PORT:-}
if [ -z "$PORT" ] && in_env_file TESSIE_HTTP_PORT; then
	PORT=$(sed -nE 's/^[[:space:]]*(export[[:space:]]+)?TESSIE_HTTP_PORT=["'\'']?([0-9]+).*/\2/p' "$TESSIE_ENV_FILE" | tail -n 1)
fi
PORT=${PORT:-8080}
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
	echo "make run: port $PORT is already in use; set TESSIE_HTTP_PORT to another" >&2
	exit 1
fi

stopping=0
finish() {
	[ "$stopping" = 1 ] && return
	stopping=1
	set +e			# stop everything, whatever fails on the way
	trap '' INT TERM HUP	# a second Ctrl-C must not cut the clean-up short
	echo
	echo "stopping..."
	stack_stop
	echo "stopped; data kept in $VAR"
}
trap finish EXIT
trap 'exit 0' INT TERM HUP

# PostgreSQL runs as the postgres account when we are root; it must be able
# to reach its data folder.  A checkout under /root (mode 0700) is out of
# its reach: then the data lives in /var/lib/tessie-stats instead.
PGDATA_DIR=$VAR/pg
if [ "$(id -u)" -eq 0 ] && ! (cd / && runuser -u postgres -- test -x "$VAR"); then
	PGDATA_DIR=/var/lib/tessie-stats/$(printf '%s' "$TOP" | md5sum | cut -c1-12)/pg
	mkdir -p "$(dirname "$PGDATA_DIR")"
	echo "note: the postgres account cannot reach $VAR; keeping the database in $PGDATA_DIR"
fi
echo "starting PostgreSQL (data in $PGDATA_DIR)..."
stack_pg_start "$PGDATA_DIR"
"$BUILD/tessie-admin" migrate -d sql
"$BUILD/tessie-admin" set-password >/dev/null
# No Tesla application configured: the built-in Fleet API simulator plays
# Tesla (a household of three cars and a Powerwall site), so that the
# dashboard lives from the first minute.
SIM=0
if [ -z "${TESLA_CLIENT_ID:-}" ] && ! in_env_file TESLA_CLIENT_ID &&
	[ -z "${TESLA_API_BASE_URL:-}" ] && ! in_env_file TESLA_API_BASE_URL; then
	SIM=1
	setsid "$BUILD/tessie-sim" -p 0 >"$STACK_DIR/sim.out" 2>"$STACK_DIR/sim.log" &
	stack_record sim $!
	for _ in $(seq 1 100); do
		SIMPORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$STACK_DIR/sim.out")
		[ -n "$SIMPORT" ] && break
		sleep 0.05
	done
	[ -n "$SIMPORT" ] || { echo "make run: the simulator did not start; see var/run/sim.log" >&2; exit 1; }
	export TESLA_API_BASE_URL=http://127.0.0.1:$SIMPORT
	export TESLA_AUTH_URL=$TESLA_API_BASE_URL TESLA_CLIENT_ID=tessie-sim
fi

stack_api_start "$BUILD"
stack_nginx_start "$PORT" "$TOP/web/dist" 10r/m "$VAR/run/access.log"

if [ "$SIM" = 1 ]; then
	# Connect the admin account to the simulator's Tesla account.
	token=$(curl -sf -H 'Content-Type: application/json' \
		-d "{\"password\":\"$TESSIE_ADMIN_PASSWORD\"}" \
		"http://127.0.0.1:$PORT/api/auth/login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
	curl -sf -o /dev/null -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/json' \
		-d '{"refresh_token":"sim-refresh-token-0","region":"na"}' \
		"http://127.0.0.1:$PORT/api/auth/token" ||
		echo "make run: could not connect the simulator's account" >&2
fi

# The sync jobs on their schedule (deploy/crontab), plus the worker that
# starts manual runs at once.
schedule() {
	local m=0
	"$BUILD/tessie-sync" vehicles
	"$BUILD/tessie-sync" energy_live
	"$BUILD/tessie-sync" energy_history
	"$BUILD/tessie-sync" charging_history
	"$BUILD/tessie-sync" analytics
	while sleep 60; do
		m=$((m + 1))
		"$BUILD/tessie-sync" energy_live
		[ $((m % 5)) -eq 0 ] && "$BUILD/tessie-sync" vehicles &&
			"$BUILD/tessie-sync" analytics
		[ $((m % 15)) -eq 0 ] && "$BUILD/tessie-sync" energy_history
		[ $((m % 1440)) -eq 0 ] && "$BUILD/tessie-sync" charging_history
	done
}
setsid "$BUILD/tessie-sync" worker >>"$STACK_DIR/sync.log" 2>&1 &
stack_record worker $!
(schedule >>"$STACK_DIR/sync.log" 2>&1) &
stack_record scheduler $!

cat <<MSG

  Tessie Stats is running at  http://127.0.0.1:$PORT/
  Log in with the password    $TESSIE_ADMIN_PASSWORD
  (set TESSIE_ADMIN_PASSWORD to choose your own; logs are in var/run/)
$( [ "$SIM" = 1 ] && printf '\n  No TESLA_CLIENT_ID is set: the Fleet API simulator stands in for Tesla.\n' )

  Press Ctrl-C to stop.

MSG
# Wait until Ctrl-C, or until a part dies (then stop the rest).
while kill -0 "$API_PID" 2>/dev/null && kill -0 "$NGINX_PID" 2>/dev/null; do
	sleep 1 &
	wait $! || true
done
echo "make run: a part of the stack stopped unexpectedly; see var/run/*.log" >&2
exit 1
